// SPDX-License-Identifier: MIT
/*
 * `bootherd import`: dnsmasq dhcp-host lines and ethers(5) files read into inventory nodes,
 * and nodes written as YAML. Text in, callbacks and stdio out, so that the unit tests and the
 * fuzzer drive it without files.
 *
 * dnsmasq is read the way dnsmasq itself reads it (option.c: one_file() and the dhcp-host
 * case), not by position: a field with a ':' is a client id, a tag, an IPv6 address or a
 * hardware address; one that inet_pton() takes is the IPv4 address; digits with an optional
 * unit, or "infinite", are the lease time; "ignore" is a flag; anything else is the host name.
 * The few places where this reader is stricter than dnsmasq say why.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf/import.h"
#include "core/ascii.h"

/* Room for a quoted field in a message: IMPORT_SHOW_KEEP bytes, each at most "\xNN", "...". */
#define IMPORT_SHOW_KEEP 40
#define IMPORT_SHOW_MAX (IMPORT_SHOW_KEEP * 4 + 4)

#define IMPORT_MAX_MACS (sizeof(((struct import_node *)0)->macs) / 6)
#define IMPORT_NAME_MAX (sizeof(((struct import_node *)0)->name) - 1)

/* A piece of the caller's text: never NUL-terminated, since nothing is copied out of it. */
struct import_span {
	const char *s;
	size_t len;
};

struct import_state {
	const char *source;
	unsigned line;
	FILE *err;
	bool bad;               /* some line was malformed */
};

/* What one dhcp-host line says, beyond the node itself. */
struct import_dhcp_host {
	bool ignore;
	struct import_span wild;        /* a wildcard MAC, if any */
	struct import_span foreign;     /* a MAC of another ARP type, if any */
	unsigned foreign_type;
};

/* The ASCII blanks of a line; '\r' among them, so CRLF files read like LF ones. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct import_span trim(struct import_span v)
{
	while (v.len && is_blank(v.s[0])) {
		v.s++;
		v.len--;
	}
	while (v.len && is_blank(v.s[v.len - 1]))
		v.len--;
	return v;
}

static bool span_is(struct import_span v, const char *word)
{
	size_t n = strlen(word);

	return v.len == n && !memcmp(v.s, word, n);
}

static bool span_starts(struct import_span v, const char *prefix)
{
	size_t n = strlen(prefix);

	return v.len >= n && !memcmp(v.s, prefix, n);
}

/* Cuts @v at the first blank: the word goes to the result, the remainder (trimmed) to *@rest. */
static struct import_span next_word(struct import_span v, struct import_span *rest)
{
	size_t i = 0;

	while (i < v.len && !is_blank(v.s[i]))
		i++;
	*rest = trim((struct import_span){ v.s + i, v.len - i });
	return (struct import_span){ v.s, i };
}

/*
 * Quotes a field of untrusted input for a message: at most IMPORT_SHOW_KEEP bytes, anything
 * outside printable ASCII as \xNN, so a binary file can neither flood nor garble a terminal.
 */
static const char *show(char buf[static IMPORT_SHOW_MAX], struct import_span v)
{
	size_t n = 0;

	for (size_t i = 0; i < v.len && i < IMPORT_SHOW_KEEP; i++) {
		unsigned char c = (unsigned char)v.s[i];

		if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, 5, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	if (v.len > IMPORT_SHOW_KEEP) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static void __attribute__((format(printf, 3, 0)))
report(struct import_state *st, const char *what, const char *fmt, va_list ap)
{
	if (!st->err)
		return;
	fprintf(st->err, "%s:%u: %s", st->source, st->line, what);
	vfprintf(st->err, fmt, ap);
	fputc('\n', st->err);
}

/* A malformed line: reported, skipped, and the parse as a whole fails. Returns -EINVAL. */
static int __attribute__((format(printf, 2, 3)))
bad(struct import_state *st, const char *fmt, ...)
{
	va_list ap;

	st->bad = true;
	va_start(ap, fmt);
	report(st, "", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * A line that is right for dnsmasq but describes no single machine bootherd could know by its
 * MAC. The operator hears of it, since a host disappears in the move, but the input is not
 * wrong, so the parse does not fail for it. Returns 0 (no node).
 */
static int __attribute__((format(printf, 2, 3)))
note(struct import_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(st, "not imported: ", fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Six groups of one or two hex digits between separators from @seps; with @wild_ok a group may
 * be '*' (dnsmasq's wildcard), which sets *@wild and reads as 0.
 */
static int mac_groups(struct import_span v, const char *seps, bool wild_ok, uint8_t mac[6],
		      bool *wild)
{
	const char *p = v.s, *end = v.s + v.len;

	*wild = false;
	for (int i = 0; i < 6; i++) {
		int hi, lo;

		if (i) {
			if (p == end || !*p || !strchr(seps, *p))
				return -EINVAL;
			p++;
		}
		if (wild_ok && p < end && *p == '*') {
			*wild = true;
			mac[i] = 0;
			p++;
			continue;
		}
		hi = p < end ? ascii_hexval(*p) : -1;
		if (hi < 0)
			return -EINVAL;
		p++;
		lo = p < end ? ascii_hexval(*p) : -1;
		if (lo >= 0)
			p++;
		/* ethers(5) has "8:0:20:1:2:3": a lone digit is the whole byte. */
		mac[i] = (uint8_t)(lo >= 0 ? hi << 4 | lo : hi);
	}
	return p == end ? 0 : -EINVAL;
}

/*
 * A dnsmasq hardware address: groups split by ':' or '-', '*' groups for wildcards, and as in
 * dnsmasq's parse_hex() a first group ended by '-' is the ARP hardware type ("06-00:20:..."
 * is Token Ring; 0, no type, and 1, Ethernet, are what a PXE client has). *@type gets it.
 * dnsmasq would also split "0011:2233:4455" into bytes; nobody writes that for Ethernet, and
 * refusing it keeps "12:345:..." typos from turning into some other machine's address.
 */
static int dnsmasq_mac(struct import_span v, uint8_t mac[6], unsigned *type, bool *wild)
{
	size_t i = 0;

	*type = 0;
	while (i < v.len && ascii_hexval(v.s[i]) >= 0)
		i++;
	if (i && i < v.len && v.s[i] == '-') {
		if (i > 2)
			return -EINVAL;
		*type = (unsigned)ascii_hexval(v.s[0]);
		if (i == 2)
			*type = *type << 4 | (unsigned)ascii_hexval(v.s[1]);
		v.s += i + 1;
		v.len -= i + 1;
	}
	return mac_groups(v, ":-", true, mac, wild);
}

/*
 * 1 with *@a set for a dotted-quad IPv4 address, 0 for a field that is not one. Digits and dots
 * that make no address ("10.0.0.256") are -EINVAL: dnsmasq would take them for a host name
 * with a domain, but they can only be a mistyped address.
 */
static int ipv4_scan(struct import_span v, struct in_addr *a)
{
	char buf[INET_ADDRSTRLEN];
	bool dot = false;

	for (size_t i = 0; i < v.len; i++) {
		if (v.s[i] == '.')
			dot = true;
		else if (v.s[i] < '0' || v.s[i] > '9')
			return 0;
	}
	if (!dot)
		return 0;
	if (v.len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v.s, v.len);
	buf[v.len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ? 1 : -EINVAL;
}

/* The name of the header's contract: [A-Za-z0-9._-], 1 to 63 bytes. */
static int name_scan(struct import_state *st, struct import_span v, char name[static 64])
{
	char q[IMPORT_SHOW_MAX];

	for (size_t i = 0; i < v.len; i++) {
		char c = v.s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-')
			continue;
		return bad(st, "host name '%s' has characters other than A-Z a-z 0-9 . _ -",
			   show(q, v));
	}
	if (v.len > IMPORT_NAME_MAX)
		return bad(st, "host name '%s' is longer than %zu characters", show(q, v),
			   IMPORT_NAME_MAX);
	memcpy(name, v.s, v.len);
	name[v.len] = '\0';
	return 0;
}

/* Adds @mac unless the node has it already (a line that lists a NIC twice still means one). */
static int add_mac(struct import_state *st, struct import_node *n, const uint8_t mac[6])
{
	for (size_t i = 0; i < n->nr_macs; i++)
		if (!memcmp(n->macs[i], mac, 6))
			return 0;
	if (n->nr_macs == IMPORT_MAX_MACS)
		return bad(st, "more than %zu MAC addresses", IMPORT_MAX_MACS);
	memcpy(n->macs[n->nr_macs++], mac, 6);
	return 0;
}

/* dnsmasq's lease times: "infinite", or digits with an optional unit s, m, h, d or w. */
static bool is_lease(struct import_span v)
{
	size_t n = v.len;

	if (span_is(v, "infinite"))
		return true;
	/* A lone unit letter is a one-letter host name to dnsmasq too. */
	if (n > 1 && memchr("sSmMhHdDwW", v.s[n - 1], 10))
		n--;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v.s[i] < '0' || v.s[i] > '9')
			return false;
	return true;
}

static int dnsmasq_field(struct import_state *st, struct import_span f, struct import_node *n,
			 struct import_dhcp_host *h)
{
	char q[IMPORT_SHOW_MAX], q2[IMPORT_SHOW_MAX];
	uint8_t mac[6];
	struct in_addr a;
	unsigned type;
	bool wild;
	int ret;

	if (!f.len)
		return 0;
	if (memchr(f.s, ':', f.len)) {
		/* Client ids (dnsmasq spells "id:" in any case), tags set and tags required. */
		if (f.len >= 3 && ascii_caseeq(f.s, 3, "id:", 3))
			return 0;
		if (span_starts(f, "set:") || span_starts(f, "net:") || span_starts(f, "tag:"))
			return 0;
		/* A DHCPv6 address: nothing bootherd serves, and no fault of the line's. */
		if (f.s[0] == '[' && f.s[f.len - 1] == ']')
			return 0;
		if (dnsmasq_mac(f, mac, &type, &wild))
			return bad(st, "bad MAC address '%s'", show(q, f));
		if (wild) {
			h->wild = f;
			return 0;
		}
		if (type > 1) {
			h->foreign = f;
			h->foreign_type = type;
			return 0;
		}
		return add_mac(st, n, mac);
	}
	ret = ipv4_scan(f, &a);
	if (ret < 0)
		return bad(st, "bad IPv4 address '%s'", show(q, f));
	if (ret) {
		/* dnsmasq keeps the last; a line that gives two cannot mean both. */
		if (n->has_ip && n->ip.s_addr != a.s_addr)
			return bad(st, "two IPv4 addresses");
		n->has_ip = true;
		n->ip = a;
		return 0;
	}
	if (is_lease(f))
		return 0;
	if (span_is(f, "ignore")) {
		h->ignore = true;
		return 0;
	}
	/* Without a ':', dnsmasq reads "00-11-22-33-44-55" as a host name: surely not meant. */
	if (f.len == 17 && !mac_groups(f, "-", false, mac, &wild))
		return bad(st, "'%s' is a host name to dnsmasq; write the MAC with ':'",
			   show(q, f));
	if (n->name[0])
		return bad(st, "two host names, '%s' and '%s'", n->name, show(q2, f));
	return name_scan(st, f, n->name);
}

/* The value of a dhcp-host option, or a line of a --dhcp-hostsfile: 1 for a node, else 0. */
static int dnsmasq_host(struct import_state *st, struct import_span v, struct import_node *n)
{
	struct import_dhcp_host h = { 0 };
	const char *p = v.s, *end = v.s + v.len;
	char q[IMPORT_SHOW_MAX];

	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;

		if (dnsmasq_field(st, trim((struct import_span){ p, (size_t)(stop - p) }), n, &h))
			return 0;
		if (!comma)
			break;
		p = comma + 1;
	}
	/* dnsmasq never answers such a host; there is nothing to carry over. */
	if (h.ignore)
		return 0;
	if (h.wild.len)
		return note(st, "wildcard MAC '%s' stands for many machines, not one node",
			    show(q, h.wild));
	if (h.foreign.len)
		return note(st, "'%s' is of ARP hardware type %u, not Ethernet", show(q, h.foreign),
			    h.foreign_type);
	if (!n->nr_macs)
		return note(st, "no MAC address (dnsmasq knows this host by name or client id; "
			    "bootherd needs a MAC)");
	return 1;
}

/* An option name of a dnsmasq.conf line: what stands left of '=' in "dhcp-range=...". */
static bool is_option_name(struct import_span v)
{
	if (!v.len)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (!((v.s[i] >= 'a' && v.s[i] <= 'z') || (v.s[i] >= '0' && v.s[i] <= '9') ||
		      v.s[i] == '-'))
			return false;
	return true;
}

/*
 * One line of a dnsmasq.conf, a conf-dir file or a --dhcp-hostsfile. As in dnsmasq, '#' opens
 * a comment at the start of a line or after a blank, and blanks around '=' and ',' do not
 * count. "OPTION=VALUE" lines other than dhcp-host are skipped; a line without an option name
 * is a hostsfile line when it has a ',' or a ':' (bare options such as "bind-interfaces" have
 * neither), so that a mistyped host line is reported rather than dropped without a word.
 */
static int dnsmasq_line(struct import_state *st, struct import_span v, struct import_node *n)
{
	const char *eq;

	for (size_t i = 0; i < v.len; i++) {
		if (v.s[i] == '#' && (!i || is_blank(v.s[i - 1]))) {
			v.len = i;
			break;
		}
	}
	v = trim(v);
	if (!v.len)
		return 0;
	eq = memchr(v.s, '=', v.len);
	if (eq) {
		struct import_span key = trim((struct import_span){ v.s, (size_t)(eq - v.s) });

		if (span_is(key, "dhcp-host"))
			return dnsmasq_host(st, trim((struct import_span){
						    eq + 1, (size_t)(v.s + v.len - eq - 1) }), n);
		if (is_option_name(key))
			return 0;
	} else if (!memchr(v.s, ',', v.len) && !memchr(v.s, ':', v.len)) {
		return 0;
	}
	return dnsmasq_host(st, v, n);
}

/*
 * One line of ethers(5): "MAC HOST", HOST a name or a dotted-quad address, '#' to the end of
 * the line a comment (glibc's reader cuts at any '#'). glibc ignores words after HOST; here
 * they are an error, since whatever they meant would otherwise be lost without a word.
 */
static int ethers_line(struct import_state *st, struct import_span v, struct import_node *n)
{
	struct import_span mac, host, rest;
	char q[IMPORT_SHOW_MAX];
	const char *hash = memchr(v.s, '#', v.len);
	bool wild;
	int ret;

	if (hash)
		v.len = (size_t)(hash - v.s);
	v = trim(v);
	if (!v.len)
		return 0;
	mac = next_word(v, &rest);
	if (mac_groups(mac, ":", false, n->macs[0], &wild))
		return bad(st, "bad MAC address '%s'", show(q, mac));
	n->nr_macs = 1;
	if (!rest.len)
		return bad(st, "no host name or IPv4 address after the MAC");
	host = next_word(rest, &rest);
	if (rest.len)
		return bad(st, "unexpected '%s' after the host", show(q, rest));
	ret = ipv4_scan(host, &n->ip);
	if (ret < 0)
		return bad(st, "bad IPv4 address '%s'", show(q, host));
	if (ret) {
		n->has_ip = true;
		return 1;
	}
	return name_scan(st, host, n->name) ? 0 : 1;
}

int import_parse(enum import_format format, const char *source, const char *text, size_t len,
		 void (*fn)(void *ctx, const struct import_node *n), void *ctx, FILE *err)
{
	struct import_state st = { .source = source ? source : "<input>", .err = err };
	const char *p = text, *end;
	int nodes = 0;

	if (format != IMPORT_DNSMASQ && format != IMPORT_ETHERS)
		return -EINVAL;
	if (!text) {
		p = "";
		len = 0;
	}
	end = p + len;
	/* Windows editors may start UTF-8 with a BOM, which would hide the first line's option. */
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct import_span v = { p, (size_t)((nl ? nl : end) - p) };
		struct import_node n;
		int ret;

		p = nl ? nl + 1 : end;
		if (st.line < UINT_MAX)
			st.line++;
		/* A NUL would end the name early in every C string it lands in. */
		if (memchr(v.s, '\0', v.len)) {
			bad(&st, "NUL byte in the line");
			continue;
		}
		memset(&n, 0, sizeof(n));
		n.line = st.line;
		if (format == IMPORT_DNSMASQ)
			ret = dnsmasq_line(&st, v, &n);
		else
			ret = ethers_line(&st, v, &n);
		if (ret > 0) {
			fn(ctx, &n);
			if (nodes < INT_MAX)
				nodes++;
		}
	}
	return st.bad ? -EINVAL : nodes;
}

/*
 * Names are always quoted: YAML would read 'yes', '123' or '1e3' bare as a bool or a number,
 * and a name never needs to be anything but a string. Single quotes need no escapes but a
 * doubled quote; a name with control bytes (never one from import_parse()) gets double quotes
 * so that it still reads back as what it was.
 */
static void write_name(FILE *out, const char *name)
{
	const char *s;

	for (s = name; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			break;
	if (!*s) {
		fputc('\'', out);
		for (s = name; *s; s++) {
			if (*s == '\'')
				fputc('\'', out);
			fputc(*s, out);
		}
		fputc('\'', out);
		return;
	}
	fputc('"', out);
	for (s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Quoted too: YAML 1.1 readers take 11:22:33:44:55:66 for a base-60 integer. */
static void write_mac(FILE *out, const uint8_t m[6])
{
	fprintf(out, "'%02x:%02x:%02x:%02x:%02x:%02x'", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void import_write_yaml(FILE *out, const struct import_node *n)
{
	char addr[INET_ADDRSTRLEN];

	fputs("  - {name: ", out);
	if (n->name[0]) {
		write_name(out, n->name);
	} else {
		const uint8_t *m = n->macs[0];

		fprintf(out, "'node-%02x%02x%02x%02x%02x%02x'", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	fputs(", mac: ", out);
	if (n->nr_macs == 1) {
		write_mac(out, n->macs[0]);
	} else {
		fputc('[', out);
		for (size_t i = 0; i < n->nr_macs && i < IMPORT_MAX_MACS; i++) {
			if (i)
				fputs(", ", out);
			write_mac(out, n->macs[i]);
		}
		fputc(']', out);
	}
	if (n->has_ip)
		fprintf(out, ", ip: %s", inet_ntop(AF_INET, &n->ip, addr, sizeof(addr)));
	fputs("}\n", out);
}
