// SPDX-License-Identifier: MIT
/*
 * Unit tests for `bootherd import`: dnsmasq and ethers(5) lines into nodes, nodes into YAML,
 * and the YAML back through the configuration loader. import.c is included whole so its static
 * helpers are in reach; conf.c comes from the other objects. Diagnostics are captured with
 * open_memstream() and compared whole, since "SOURCE:LINE: why" is what an operator reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "conf/import.c"

#define MAX_GOT 32
#define LONG_NAME "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.abcdefghij"

struct got {
	struct import_node nodes[MAX_GOT];
	size_t nr;
	size_t calls;
};

static void collect(void *ctx, const struct import_node *n)
{
	struct got *g = ctx;

	if (g->nr < MAX_GOT)
		g->nodes[g->nr++] = *n;
	g->calls++;
}

/* Parses @len bytes as "t.conf"; returns the diagnostics (free them). */
static char *parse_len(enum import_format f, const char *text, size_t len, int *ret, struct got *g)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *err = open_memstream(&buf, &blen);

	memset(g, 0, sizeof(*g));
	*ret = import_parse(f, "t.conf", text, len, collect, g, err);
	fclose(err);
	return buf;
}

static char *parse(enum import_format f, const char *text, int *ret, struct got *g)
{
	return parse_len(f, text, strlen(text), ret, g);
}

/* Parses @text, which must give @nodes nodes and no diagnostics. */
static void parse_ok(enum import_format f, const char *text, size_t nodes, struct got *g)
{
	int ret;
	char *errs = parse(f, text, &ret, g);

	CHECK_EQ(ret, (int)nodes);
	CHECK_EQ(g->nr, nodes);
	CHECK_STR(errs, "");
	if (ret != (int)nodes || *errs)
		printf("# for:\n%s# got %d and:\n%s", text, ret, errs);
	free(errs);
}

/* Parses @text, which must give no node and exactly the diagnostics @want, and -EINVAL. */
static void parse_bad(enum import_format f, const char *text, const char *want)
{
	struct got g;
	int ret;
	char *errs = parse(f, text, &ret, &g);

	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(g.calls, 0u);
	CHECK_STR(errs, want);
	if (strcmp(errs, want))
		printf("# for:\n%s# want:\n%s# got:\n%s", text, want, errs);
	free(errs);
}

static bool mac_is(const uint8_t *m, const char *want)
{
	char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return !strcmp(s, want);
}

static bool ip_is(const struct import_node *n, const char *want)
{
	char s[INET_ADDRSTRLEN];

	return n->has_ip && !strcmp(inet_ntop(AF_INET, &n->ip, s, sizeof(s)), want);
}

/* --- dnsmasq --- */

static void dnsmasq_mac_only(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55\n", 1, &g);
	CHECK_EQ(g.nodes[0].nr_macs, 1u);
	CHECK(mac_is(g.nodes[0].macs[0], "00:11:22:33:44:55"));
	CHECK_STR(g.nodes[0].name, "");
	CHECK(!g.nodes[0].has_ip);
	CHECK_EQ(g.nodes[0].line, 1u);
}

static void dnsmasq_mac_ip(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=AA:bb:CC:dd:EE:ff,192.168.0.60\n", 1, &g);
	CHECK(mac_is(g.nodes[0].macs[0], "aa:bb:cc:dd:ee:ff"));
	CHECK(ip_is(&g.nodes[0], "192.168.0.60"));
	CHECK_STR(g.nodes[0].name, "");
}

static void dnsmasq_mac_name(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=11:22:33:44:55:66,fred\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "fred");
	CHECK(!g.nodes[0].has_ip);
	/* A domain stays on the name; dots are among the allowed characters. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=11:22:33:44:55:66,fred.lab.example\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "fred.lab.example");
}

static void dnsmasq_mac_ip_name_lease(void)
{
	static const char *const lines[] = {
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,45m\n",
		"dhcp-host=11:22:33:44:55:66,fred,192.168.0.60,infinite\n",
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,3600\n",
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,12h\n",
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,2d\n",
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,1w\n",
		"dhcp-host=11:22:33:44:55:66,192.168.0.60,fred,90s\n",
		"dhcp-host=11:22:33:44:55:66,45m,fred,192.168.0.60\n",
		/* dnsmasq drops blanks around ',' and '=' */
		"dhcp-host = 11:22:33:44:55:66 , 192.168.0.60 ,\tfred , 45m \n",
		/* and empty fields */
		"dhcp-host=11:22:33:44:55:66,,192.168.0.60,,fred,\n",
	};
	struct got g;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		parse_ok(IMPORT_DNSMASQ, lines[i], 1, &g);
		CHECK(mac_is(g.nodes[0].macs[0], "11:22:33:44:55:66"));
		CHECK(ip_is(&g.nodes[0], "192.168.0.60"));
		CHECK_STR(g.nodes[0].name, "fred");
	}
	/* A number alone is a lease time to dnsmasq, not a name; a lone unit letter is a name. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=11:22:33:44:55:66,123\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "");
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=11:22:33:44:55:66,m\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "m");
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=11:22:33:44:55:66,1e3\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "1e3");
}

static void dnsmasq_several_macs(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=00:00:00:00:00:01,00:00:00:00:00:02,10.0.0.1,twin\n",
		 1, &g);
	CHECK_EQ(g.nodes[0].nr_macs, 2u);
	CHECK(mac_is(g.nodes[0].macs[0], "00:00:00:00:00:01"));
	CHECK(mac_is(g.nodes[0].macs[1], "00:00:00:00:00:02"));
	CHECK_STR(g.nodes[0].name, "twin");
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=0:0:0:0:0:1,0:0:0:0:0:2,0:0:0:0:0:3,0:0:0:0:0:4,x\n",
		 1, &g);
	CHECK_EQ(g.nodes[0].nr_macs, 4u);
	CHECK(mac_is(g.nodes[0].macs[3], "00:00:00:00:00:04"));
	/* The same NIC twice is still one NIC, and does not count towards the four. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=0:0:0:0:0:1,00:00:00:00:00:01,0:0:0:0:0:2,0:0:0:0:0:3,"
		 "0:0:0:0:0:4\n", 1, &g);
	CHECK_EQ(g.nodes[0].nr_macs, 4u);
	/* dnsmasq also takes '-' between groups once a ':' says it is a MAC at all. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=00:11-22-33-44-55\n", 1, &g);
	CHECK(mac_is(g.nodes[0].macs[0], "00:11:22:33:44:55"));
}

static void dnsmasq_client_id(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=id:01:02:03:04,00:11:22:33:44:55,10.0.0.5,a\n"
		 "dhcp-host=00:11:22:33:44:56,id:*,10.0.0.6,b\n"
		 "dhcp-host=ID:marjorie,00:11:22:33:44:57,c\n", 3, &g);
	CHECK_EQ(g.nodes[0].nr_macs, 1u);
	CHECK(mac_is(g.nodes[0].macs[0], "00:11:22:33:44:55"));
	CHECK(ip_is(&g.nodes[1], "10.0.0.6"));
	CHECK_STR(g.nodes[2].name, "c");
	CHECK_EQ(g.nodes[2].line, 3u);
}

static void dnsmasq_tags(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=set:pxe,00:11:22:33:44:55,10.0.0.5,a\n"
		 "dhcp-host=00:11:22:33:44:56,tag:lab,set:efi,b\n"
		 "dhcp-host=net:old,00:11:22:33:44:57,c\n"
		 "dhcp-host=tag:!known,set:x,00:11:22:33:44:58,d\n", 4, &g);
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_STR(g.nodes[1].name, "b");
	CHECK_STR(g.nodes[2].name, "c");
	CHECK_STR(g.nodes[3].name, "d");
	CHECK(mac_is(g.nodes[3].macs[0], "00:11:22:33:44:58"));
}

static void dnsmasq_ignore(void)
{
	struct got g;

	/* Never answered by dnsmasq: nothing to import, and nothing wrong with the line. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=00:20:e0:3b:13:af,ignore\n"
		 "dhcp-host=00:20:e0:3b:13:b0,10.0.0.1,ignore\n"
		 "dhcp-host=00:20:e0:3b:13:b1,kept\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "kept");
	CHECK_EQ(g.nodes[0].line, 3u);
}

static void dnsmasq_wildcard(void)
{
	struct got g;
	int ret;
	char *errs = parse(IMPORT_DNSMASQ, "dhcp-host=11:22:33:*:*:*,set:vm\n"
			   "dhcp-host=00:11:22:33:44:55,*:*:*:*:*:*,both\n"
			   "dhcp-host=00:11:22:33:44:56,fine\n", &ret, &g);

	/* Reported, not imported, but not malformed either. */
	CHECK_EQ(ret, 1);
	CHECK_EQ(g.nr, 1u);
	CHECK_STR(g.nodes[0].name, "fine");
	CHECK_STR(errs, "t.conf:1: not imported: wildcard MAC '11:22:33:*:*:*' stands for many "
		  "machines, not one node\n"
		  "t.conf:2: not imported: wildcard MAC '*:*:*:*:*:*' stands for many machines, "
		  "not one node\n");
	free(errs);
}

static void dnsmasq_arp_type(void)
{
	struct got g;
	int ret;
	char *errs;

	/* 0 (any type) and 1 (Ethernet) are what PXE clients have. */
	parse_ok(IMPORT_DNSMASQ, "dhcp-host=01-00:11:22:33:44:55,a\n"
		 "dhcp-host=0-00:11:22:33:44:56,b\n", 2, &g);
	CHECK(mac_is(g.nodes[0].macs[0], "00:11:22:33:44:55"));
	CHECK(mac_is(g.nodes[1].macs[0], "00:11:22:33:44:56"));
	errs = parse(IMPORT_DNSMASQ, "dhcp-host=06-00:20:e0:3b:13:af,1.2.3.4\n", &ret, &g);
	CHECK_EQ(ret, 0);
	CHECK_EQ(g.calls, 0u);
	CHECK_STR(errs, "t.conf:1: not imported: '06-00:20:e0:3b:13:af' is of ARP hardware type 6, "
		  "not Ethernet\n");
	free(errs);
}

static void dnsmasq_no_mac(void)
{
	struct got g;
	int ret;
	char *errs = parse(IMPORT_DNSMASQ, "dhcp-host=lap,192.168.0.199\n"
			   "dhcp-host=id:01:02:03,10.0.0.9\n", &ret, &g);

	CHECK_EQ(ret, 0);
	CHECK_EQ(g.calls, 0u);
	CHECK_STR(errs, "t.conf:1: not imported: no MAC address (dnsmasq knows this host by name "
		  "or client id; bootherd needs a MAC)\n"
		  "t.conf:2: not imported: no MAC address (dnsmasq knows this host by name or "
		  "client id; bootherd needs a MAC)\n");
	free(errs);
}

static void dnsmasq_ipv6(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,[::56],10.0.0.5,dual\n"
		 "dhcp-host=00:11:22:33:44:56,[2001:db8::/64],six\n"
		 "dhcp-host=id:00:01:00:01:aa:bb,[fd00::7],v6only,00:11:22:33:44:57\n", 3, &g);
	CHECK(ip_is(&g.nodes[0], "10.0.0.5"));
	CHECK_STR(g.nodes[0].name, "dual");
	CHECK(!g.nodes[1].has_ip);
	CHECK_STR(g.nodes[1].name, "six");
	CHECK_STR(g.nodes[2].name, "v6only");
}

static void dnsmasq_hostsfile(void)
{
	struct got g;

	/* --dhcp-hostsfile: the value of dhcp-host= without the option name. */
	parse_ok(IMPORT_DNSMASQ, "00:11:22:33:44:55,10.0.0.5,a\n"
		 "00:11:22:33:44:56\n"
		 "id:*,00:11:22:33:44:57,c,infinite\n"
		 "set:pxe,00:11:22:33:44:58,d\n"
		 "dhcp-host=00:11:22:33:44:59,e\n", 5, &g);
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_STR(g.nodes[1].name, "");
	CHECK(mac_is(g.nodes[1].macs[0], "00:11:22:33:44:56"));
	CHECK_STR(g.nodes[2].name, "c");
	CHECK_STR(g.nodes[3].name, "d");
	CHECK_STR(g.nodes[4].name, "e");
	CHECK_EQ(g.nodes[4].line, 5u);
}

static void dnsmasq_comments(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "# dhcp-host=00:11:22:33:44:50,commented\n"
		 "   #dhcp-host=00:11:22:33:44:51,indented\n"
		 "\n"
		 "  \t \n"
		 "dhcp-host=00:11:22:33:44:55,a # the printer\n"
		 "dhcp-host=00:11:22:33:44:56,b\t# tab before\n"
		 "00:11:22:33:44:57,c #hostsfile\n", 3, &g);
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_EQ(g.nodes[0].line, 5u);
	CHECK_STR(g.nodes[1].name, "b");
	CHECK_STR(g.nodes[2].name, "c");
	CHECK_EQ(g.nodes[2].line, 7u);
	/* As in dnsmasq, a '#' inside a word opens no comment. */
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,a#b\n",
		  "t.conf:1: host name 'a#b' has characters other than A-Z a-z 0-9 . _ -\n");
}

static void dnsmasq_crlf(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "# windows\r\ndhcp-host=00:11:22:33:44:55,10.0.0.5,a\r\n"
		 "dhcp-host=00:11:22:33:44:56,b\r\n\r\n00:11:22:33:44:57,c", 3, &g);
	CHECK(ip_is(&g.nodes[0], "10.0.0.5"));
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_STR(g.nodes[1].name, "b");
	CHECK_STR(g.nodes[2].name, "c");
	CHECK_EQ(g.nodes[2].line, 5u);
}

static void dnsmasq_other_options(void)
{
	struct got g;

	parse_ok(IMPORT_DNSMASQ, "interface=eth0\n"
		 "bind-interfaces\n"
		 "enable-tftp\n"
		 "tftp-root=/srv/tftp\n"
		 "dhcp-range=10.0.0.100,10.0.0.200,255.255.255.0,12h\n"
		 "dhcp-option=option:router,10.0.0.1\n"
		 "dhcp-boot=tag:efi,ipxe.efi,,10.0.0.1\n"
		 "dhcp-hostsfile=/etc/dnsmasq.hosts\n"
		 "dhcp-mac=set:vm,52:54:00:*:*:*\n"
		 "address=/router.lan/10.0.0.1\n"
		 "server=/lan/10.0.0.53\n"
		 "conf-dir=/etc/dnsmasq.d,*.conf\n"
		 "dhcp-host=00:11:22:33:44:55,10.0.0.5,only\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "only");
	CHECK_EQ(g.nodes[0].line, 13u);
}

static void dnsmasq_bom_and_empty(void)
{
	struct got g;
	int ret;
	char *errs;

	parse_ok(IMPORT_DNSMASQ, "\xef\xbb\xbf" "dhcp-host=00:11:22:33:44:55,bom\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "bom");
	parse_ok(IMPORT_DNSMASQ, "", 0, &g);
	parse_ok(IMPORT_ETHERS, "\n\n", 0, &g);
	errs = parse_len(IMPORT_DNSMASQ, NULL, 0, &ret, &g);
	CHECK_EQ(ret, 0);
	CHECK_STR(errs, "");
	free(errs);
	/* An unknown format is the caller's mistake: nothing is reported about the text. */
	errs = parse(7, "00:11:22:33:44:55 x\n", &ret, &g);
	CHECK_EQ(ret, -EINVAL);
	CHECK_STR(errs, "");
	free(errs);
	/* No err stream: the counts still come out. */
	memset(&g, 0, sizeof(g));
	CHECK_EQ(import_parse(IMPORT_ETHERS, NULL, "bad\n0:1:2:3:4:5 x\n", 18, collect, &g, NULL),
		 -EINVAL);
	CHECK_EQ(g.nr, 1u);
}

static void dnsmasq_malformed(void)
{
	char line[512], want[512];

	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:zz,bad\n",
		  "t.conf:1: bad MAC address '00:11:22:33:44:zz'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44,short\n",
		  "t.conf:1: bad MAC address '00:11:22:33:44'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55:66,long\n",
		  "t.conf:1: bad MAC address '00:11:22:33:44:55:66'\n");
	/* A type prefix is "HEX-", as in dnsmasq; "1:" would make a seven-byte address. */
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=1:00:11:22:33:44:55\n",
		  "t.conf:1: bad MAC address '1:00:11:22:33:44:55'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=001:11:22:33:44:55\n",
		  "t.conf:1: bad MAC address '001:11:22:33:44:55'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,10.0.0.256,fred\n",
		  "t.conf:1: bad IPv4 address '10.0.0.256'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,10.0.0\n",
		  "t.conf:1: bad IPv4 address '10.0.0'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,10.0.0.1,10.0.0.2\n",
		  "t.conf:1: two IPv4 addresses\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,fred,barney\n",
		  "t.conf:1: two host names, 'fred' and 'barney'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,my host\n",
		  "t.conf:1: host name 'my host' has characters other than A-Z a-z 0-9 . _ -\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,o'brien\n",
		  "t.conf:1: host name 'o'brien' has characters other than A-Z a-z 0-9 . _ -\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,\"quoted\"\n",
		  "t.conf:1: host name '\"quoted\"' has characters other than A-Z a-z 0-9 . _ -\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=0:0:0:0:0:1,0:0:0:0:0:2,0:0:0:0:0:3,0:0:0:0:0:4,"
		  "0:0:0:0:0:5,five\n", "t.conf:1: more than 4 MAC addresses\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00-11-22-33-44-55,dashes\n",
		  "t.conf:1: '00-11-22-33-44-55' is a host name to dnsmasq; write the MAC with "
		  "':'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,caf\xc3\xa9\n",
		  "t.conf:1: host name 'caf\\xc3\\xa9' has characters other than A-Z a-z 0-9 . _ "
		  "-\n");
	/* A hostsfile line that is no MAC: reported rather than dropped without a word. */
	parse_bad(IMPORT_DNSMASQ, "00:11:22:33:44:55 fred\n",
		  "t.conf:1: bad MAC address '00:11:22:33:44:55 fred'\n");
	parse_bad(IMPORT_DNSMASQ, "dhcp-host 00:11:22:33:44:55,fred\n",
		  "t.conf:1: bad MAC address 'dhcp-host 00:11:22:33:44:55'\n");

	/* Overlong fields: 63 bytes of name fit, 64 do not; long excerpts are cut. */
	snprintf(line, sizeof(line), "dhcp-host=00:11:22:33:44:55,%.63s\n", LONG_NAME);
	{
		struct got g;

		parse_ok(IMPORT_DNSMASQ, line, 1, &g);
		CHECK_EQ(strlen(g.nodes[0].name), 63u);
	}
	snprintf(line, sizeof(line), "dhcp-host=00:11:22:33:44:55,%.64s\n", LONG_NAME);
	snprintf(want, sizeof(want), "t.conf:1: host name '%.40s...' is longer than 63 "
		 "characters\n", LONG_NAME);
	parse_bad(IMPORT_DNSMASQ, line, want);
	parse_bad(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55:00:00:00:00:00:00:00:00:00:00\n",
		  "t.conf:1: bad MAC address '00:11:22:33:44:55:00:00:00:00:00:00:00:0...'\n");
}

static void dnsmasq_nul_byte(void)
{
	static const char text[] = "dhcp-host=00:11:22:33:44:55,a\n"
				   "dhcp-host=00:11:22:33:44:56,b\0c\n"
				   "# comment \0 too\n"
				   "dhcp-host=00:11:22:33:44:57,d\n";
	struct got g;
	int ret;
	char *errs = parse_len(IMPORT_DNSMASQ, text, sizeof(text) - 1, &ret, &g);

	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(g.nr, 2u);
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_STR(g.nodes[1].name, "d");
	CHECK_EQ(g.nodes[1].line, 4u);
	CHECK_STR(errs, "t.conf:2: NUL byte in the line\nt.conf:3: NUL byte in the line\n");
	free(errs);
}

/* The good lines around bad ones still come through, each bad one named by its line. */
static void dnsmasq_mixed(void)
{
	struct got g;
	int ret;
	char *errs = parse(IMPORT_DNSMASQ, "dhcp-host=00:11:22:33:44:55,a\n"
			   "dhcp-host=00:11:22:33:44:zz,b\n"
			   "dhcp-host=00:11:22:33:44:56,c\n"
			   "dhcp-host=00:11:22:33:44:57,d e\n"
			   "dhcp-host=00:11:22:33:44:58,f", &ret, &g);

	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(g.nr, 3u);
	CHECK_STR(g.nodes[0].name, "a");
	CHECK_STR(g.nodes[1].name, "c");
	CHECK_STR(g.nodes[2].name, "f");
	CHECK_EQ(g.nodes[2].line, 5u);
	CHECK_STR(errs, "t.conf:2: bad MAC address '00:11:22:33:44:zz'\n"
		  "t.conf:4: host name 'd e' has characters other than A-Z a-z 0-9 . _ -\n");
	free(errs);
}

/* --- ethers --- */

static void ethers_name(void)
{
	struct got g;

	parse_ok(IMPORT_ETHERS, "08:00:20:00:61:CA pluto\n", 1, &g);
	CHECK(mac_is(g.nodes[0].macs[0], "08:00:20:00:61:ca"));
	CHECK_EQ(g.nodes[0].nr_macs, 1u);
	CHECK_STR(g.nodes[0].name, "pluto");
	CHECK(!g.nodes[0].has_ip);
	parse_ok(IMPORT_ETHERS, "08:00:20:00:61:CA pluto.example.com\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "pluto.example.com");
	/* ethers(5) names may be anything a host name is, digits included. */
	parse_ok(IMPORT_ETHERS, "08:00:20:00:61:CA 123\n", 1, &g);
	CHECK_STR(g.nodes[0].name, "123");
}

static void ethers_ip(void)
{
	struct got g;

	parse_ok(IMPORT_ETHERS, "08:00:20:00:61:ca 10.0.0.7\n", 1, &g);
	CHECK(ip_is(&g.nodes[0], "10.0.0.7"));
	CHECK_STR(g.nodes[0].name, "");
}

static void ethers_short_groups(void)
{
	struct got g;

	parse_ok(IMPORT_ETHERS, "8:0:20:1:2:3 sun\n0:0:0:0:0:0 zero\nf:F:a:A:b:B mixed\n", 3, &g);
	CHECK(mac_is(g.nodes[0].macs[0], "08:00:20:01:02:03"));
	CHECK(mac_is(g.nodes[1].macs[0], "00:00:00:00:00:00"));
	CHECK(mac_is(g.nodes[2].macs[0], "0f:0f:0a:0a:0b:0b"));
}

static void ethers_comments_tabs(void)
{
	struct got g;

	parse_ok(IMPORT_ETHERS, "# /etc/ethers\n"
		 "\n"
		 "   # indented\n"
		 "08:00:20:00:61:ca\tpluto\t# the NFS server\n"
		 "\t08:00:20:00:61:cb  \t  mars#no blank needed\r\n"
		 "08:00:20:00:61:cc venus\n", 3, &g);
	CHECK_STR(g.nodes[0].name, "pluto");
	CHECK_EQ(g.nodes[0].line, 4u);
	CHECK_STR(g.nodes[1].name, "mars");
	CHECK_EQ(g.nodes[1].line, 5u);
	CHECK_STR(g.nodes[2].name, "venus");
}

static void ethers_malformed(void)
{
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61 short\n",
		  "t.conf:1: bad MAC address '08:00:20:00:61'\n");
	parse_bad(IMPORT_ETHERS, "08-00-20-00-61-ca dashes\n",
		  "t.conf:1: bad MAC address '08-00-20-00-61-ca'\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:*\tstar\n",
		  "t.conf:1: bad MAC address '08:00:20:00:61:*'\n");
	parse_bad(IMPORT_ETHERS, "108:00:20:00:61:ca x\n",
		  "t.conf:1: bad MAC address '108:00:20:00:61:ca'\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:ca\n",
		  "t.conf:1: no host name or IPv4 address after the MAC\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:ca pluto 10.0.0.1\n",
		  "t.conf:1: unexpected '10.0.0.1' after the host\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:ca 10.0.0.256\n",
		  "t.conf:1: bad IPv4 address '10.0.0.256'\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:ca plu\"to\n",
		  "t.conf:1: host name 'plu\"to' has characters other than A-Z a-z 0-9 . _ -\n");
	parse_bad(IMPORT_ETHERS, "08:00:20:00:61:ca pl,uto\n",
		  "t.conf:1: host name 'pl,uto' has characters other than A-Z a-z 0-9 . _ -\n");
	parse_bad(IMPORT_ETHERS, "pluto 08:00:20:00:61:ca\n",
		  "t.conf:1: bad MAC address 'pluto'\n");
}

static void ethers_nul_byte(void)
{
	static const char text[] = "08:00:20:00:61:ca a\0b\n08:00:20:00:61:cb c\n";
	struct got g;
	int ret;
	char *errs = parse_len(IMPORT_ETHERS, text, sizeof(text) - 1, &ret, &g);

	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(g.nr, 1u);
	CHECK_STR(g.nodes[0].name, "c");
	CHECK_STR(errs, "t.conf:1: NUL byte in the line\n");
	free(errs);
}

/* --- YAML --- */

static char *yaml_of(const struct import_node *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	import_write_yaml(f, n);
	fclose(f);
	return buf;
}

static void yaml_writer(void)
{
	struct import_node n = { .name = "yes", .nr_macs = 1, .macs = { { 0, 0x11, 0x22, 0x33,
									  0x44, 0xab } } };
	char *y;

	y = yaml_of(&n);
	CHECK_STR(y, "  - {name: 'yes', mac: '00:11:22:33:44:ab'}\n");
	free(y);

	n.nr_macs = 2;
	memcpy(n.macs[1], "\x01\x02\x03\x04\x05\x06", 6);
	n.has_ip = true;
	inet_pton(AF_INET, "10.1.2.3", &n.ip);
	strcpy(n.name, "123");
	y = yaml_of(&n);
	CHECK_STR(y, "  - {name: '123', mac: ['00:11:22:33:44:ab', '01:02:03:04:05:06'], "
		  "ip: 10.1.2.3}\n");
	free(y);

	n.name[0] = '\0';
	n.nr_macs = 1;
	y = yaml_of(&n);
	CHECK_STR(y, "  - {name: 'node-0011223344ab', mac: '00:11:22:33:44:ab', ip: 10.1.2.3}\n");
	free(y);

	/* Names import_parse() never makes, for other callers: still one valid scalar each. */
	strcpy(n.name, "o'brien");
	y = yaml_of(&n);
	CHECK_STR(y, "  - {name: 'o''brien', mac: '00:11:22:33:44:ab', ip: 10.1.2.3}\n");
	free(y);
	strcpy(n.name, "a\tb\"c\\");
	y = yaml_of(&n);
	CHECK_STR(y, "  - {name: \"a\\x09b\\\"c\\\\\", mac: '00:11:22:33:44:ab', ip: 10.1.2.3}\n");
	free(y);
}

/* Writes @nodes as a `nodes:` document and loads it with the configuration loader. */
static struct conf *load_nodes(const struct import_node *nodes, size_t nr)
{
	struct conf *c = NULL;
	char *buf = NULL, *errs = NULL;
	size_t len = 0, elen = 0;
	FILE *f = open_memstream(&buf, &len);
	FILE *err = open_memstream(&errs, &elen);
	int ret;

	fputs("nodes:\n", f);
	for (size_t i = 0; i < nr; i++)
		import_write_yaml(f, &nodes[i]);
	fclose(f);
	ret = conf_load_buf("import.yaml", buf, len, &c, err);
	fclose(err);
	CHECK_EQ(ret, 0);
	CHECK_STR(errs, "");
	if (ret || *errs)
		printf("# yaml:\n%s# errors:\n%s", buf, errs);
	free(buf);
	free(errs);
	return ret ? NULL : c;
}

/* Each loaded node is the imported one: its name (or the made-up one), MACs and address. */
static void check_same(const struct conf *c, const struct import_node *nodes, size_t nr)
{
	CHECK_EQ(c->nr_nodes, nr);
	for (size_t i = 0; i < nr && i < c->nr_nodes; i++) {
		const struct conf_node *cn = &c->nodes[i];
		const struct import_node *n = &nodes[i];
		char name[64];

		if (n->name[0])
			snprintf(name, sizeof(name), "%s", n->name);
		else
			snprintf(name, sizeof(name), "node-%02x%02x%02x%02x%02x%02x", n->macs[0][0],
				 n->macs[0][1], n->macs[0][2], n->macs[0][3], n->macs[0][4],
				 n->macs[0][5]);
		CHECK_STR(cn->name, name);
		CHECK_EQ(cn->nr_macs, n->nr_macs);
		for (size_t m = 0; m < n->nr_macs && m < cn->nr_macs; m++)
			CHECK_MEM(cn->macs[m], n->macs[m], 6);
		CHECK_EQ(cn->has_ip, n->has_ip);
		if (n->has_ip)
			CHECK_EQ(cn->ip.s_addr, n->ip.s_addr);
		CHECK(!cn->profile && !cn->group && !cn->nr_tags);
	}
}

static void round_trip(void)
{
	static const char dnsmasq[] =
		"dhcp-host=00:11:22:33:44:55\n"
		"dhcp-host=00:11:22:33:44:56,10.0.0.6\n"
		"dhcp-host=00:11:22:33:44:57,yes\n"
		"dhcp-host=00:11:22:33:44:58,10.0.0.8,1e3,infinite\n"
		"dhcp-host=00:11:22:33:44:59,00:11:22:33:44:5a,10.0.0.9,null\n"
		"dhcp-host=id:*,set:x,0:1:2:3:4:5,0:1:2:3:4:6,0:1:2:3:4:7,0:1:2:3:4:8,four\n"
		"00:11:22:33:44:60,[::1],10.0.0.60,on,12h\n";
	static const char ethers[] =
		"08:00:20:00:61:ca 123\n"
		"8:0:20:0:61:cb 10.0.0.1\n"
		"08:00:20:00:61:cc true\n"
		"08:00:20:00:61:cd Off\n"
		"08:00:20:00:61:ce 0x1F\n"
		"08:00:20:00:61:cf .inf\n"
		"08:00:20:00:61:d0 -1\n";
	static const char *const texts[] = { dnsmasq, ethers };
	struct got g;
	struct conf *c;

	for (int f = 0; f < 2; f++) {
		parse_ok(f ? IMPORT_ETHERS : IMPORT_DNSMASQ, texts[f], 7, &g);
		c = load_nodes(g.nodes, g.nr);
		if (!c)
			continue;
		check_same(c, g.nodes, g.nr);
		CHECK_EQ(conf_validate(c, NULL), 0);
		conf_put(c);
	}

	/* Names from other callers come back byte for byte too. */
	memset(&g, 0, sizeof(g));
	strcpy(g.nodes[0].name, "o'brien");
	strcpy(g.nodes[1].name, "a\tb\"c\\");
	strcpy(g.nodes[2].name, "# not a comment: [x] {y} &z *w !t %p @a `b` ,c");
	for (int i = 0; i < 3; i++) {
		g.nodes[i].nr_macs = 1;
		g.nodes[i].macs[0][5] = (uint8_t)i;
	}
	c = load_nodes(g.nodes, 3);
	if (c) {
		check_same(c, g.nodes, 3);
		conf_put(c);
	}
}

int main(void)
{
	RUN(dnsmasq_mac_only);
	RUN(dnsmasq_mac_ip);
	RUN(dnsmasq_mac_name);
	RUN(dnsmasq_mac_ip_name_lease);
	RUN(dnsmasq_several_macs);
	RUN(dnsmasq_client_id);
	RUN(dnsmasq_tags);
	RUN(dnsmasq_ignore);
	RUN(dnsmasq_wildcard);
	RUN(dnsmasq_arp_type);
	RUN(dnsmasq_no_mac);
	RUN(dnsmasq_ipv6);
	RUN(dnsmasq_hostsfile);
	RUN(dnsmasq_comments);
	RUN(dnsmasq_crlf);
	RUN(dnsmasq_other_options);
	RUN(dnsmasq_bom_and_empty);
	RUN(dnsmasq_malformed);
	RUN(dnsmasq_nul_byte);
	RUN(dnsmasq_mixed);
	RUN(ethers_name);
	RUN(ethers_ip);
	RUN(ethers_short_groups);
	RUN(ethers_comments_tabs);
	RUN(ethers_malformed);
	RUN(ethers_nul_byte);
	RUN(yaml_writer);
	RUN(round_trip);
	return check_done();
}
