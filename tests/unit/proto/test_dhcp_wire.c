// SPDX-License-Identifier: MIT
/*
 * Unit tests for the DHCP wire module. The module is included whole so that its static helpers
 * are in reach and the test links against nothing else. Packets are written byte by byte (the
 * fixed part by offset, the options as code/length/value), never by the builder under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proto/dhcp_wire.c"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct pkt {
	uint8_t b[4096];
	size_t n;
};

/* The fixed part of a request from @mac with the cookie; options start at 240. */
static void pkt_init(struct pkt *p, uint8_t op)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = op;
	p->b[1] = 1;
	p->b[2] = 6;
	put_be32(p->b + 4, 0xdeadbeef);
	memcpy(p->b + 28, mac, 6);
	put_be32(p->b + 236, DHCP_MAGIC);
	p->n = 240;
}

static void pkt_bytes(struct pkt *p, const void *d, size_t l)
{
	if (l)
		memcpy(p->b + p->n, d, l);
	p->n += l;
}

static void pkt_byte(struct pkt *p, uint8_t v)
{
	p->b[p->n++] = v;
}

/* One raw instance, whatever its length says. */
static void pkt_opt(struct pkt *p, uint8_t code, const void *d, uint8_t l)
{
	pkt_byte(p, code);
	pkt_byte(p, l);
	pkt_bytes(p, d, l);
}

static void pkt_str(struct pkt *p, uint8_t code, const char *s)
{
	pkt_opt(p, code, s, (uint8_t)strlen(s));
}

static void pkt_u8(struct pkt *p, uint8_t code, uint8_t v)
{
	pkt_opt(p, code, &v, 1);
}

static int parse(const struct pkt *p, struct dhcp_msg *m)
{
	return dhcp_parse(p->b, p->n, m);
}

static bool opt_is(const struct dhcp_msg *m, uint8_t code, const void *d, size_t l)
{
	return m->opt[code].data && m->opt[code].len == l && !memcmp(m->opt[code].data, d, l);
}

static bool opt_str_is(const struct dhcp_msg *m, uint8_t code, const char *s)
{
	return opt_is(m, code, s, strlen(s));
}

/*
 * A DISCOVER as busybox udhcpc 1.36 sends it, byte for byte: client id, max size 576, vendor
 * class "udhcp 1.36.1", the parameter list, hostname, END, then zeros up to 548 bytes... cut to
 * 300 here, as some builds do.
 */
static const uint8_t udhcpc_discover[300] = {
	0x01, 0x01, 0x06, 0x00, 0x3a, 0x9f, 0x11, 0x07, /* op htype hlen hops, xid */
	0x00, 0x00, 0x00, 0x00,                         /* secs 0, flags 0 */
	[28] = 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,      /* chaddr */
	[236] = 0x63, 0x82, 0x53, 0x63,                 /* cookie */
	0x35, 0x01, 0x01,                               /* 53: DISCOVER */
	0x3d, 0x07, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* 61: client id */
	0x39, 0x02, 0x02, 0x40,                         /* 57: 576 */
	0x3c, 0x0c, 'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '6', '.', '1', /* 60 */
	0x37, 0x07, 0x01, 0x03, 0x06, 0x0c, 0x0f, 0x1c, 0x2a, /* 55 */
	0x0c, 0x04, 'n', 'o', 'd', 'e',                 /* 12: hostname */
	0xff,
};

static void udhcpc_discover_parses(void)
{
	struct dhcp_msg m;
	static const uint8_t cid[] = { 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	CHECK_EQ(dhcp_parse(udhcpc_discover, sizeof(udhcpc_discover), &m),
		 (int)sizeof(udhcpc_discover));
	CHECK_EQ(m.op, DHCP_BOOTREQUEST);
	CHECK_EQ(m.htype, 1);
	CHECK_EQ(m.hlen, 6);
	CHECK_EQ(m.hops, 0);
	CHECK_EQ(m.xid, 0x3a9f1107u);
	CHECK_EQ(m.secs, 0);
	CHECK_EQ(m.flags, 0);
	CHECK_MEM(m.chaddr, mac, 6);
	CHECK_EQ(m.ciaddr.s_addr, 0u);
	CHECK_STR(m.sname, "");
	CHECK_STR(m.file, "");
	CHECK_EQ(m.overload, 0);
	CHECK_EQ(m.msg_type, DHCP_DISCOVER);
	CHECK_EQ(m.max_size, 576);
	CHECK_EQ(m.requested_ip.s_addr, 0u);
	CHECK_EQ(m.server_id.s_addr, 0u);
	CHECK_EQ(m.arch, DHCP_ARCH_UNKNOWN);
	CHECK(!m.pxe && !m.http_client && !m.ipxe);
	CHECK(opt_is(&m, DHCP_OPT_CLIENT_ID, cid, sizeof(cid)));
	CHECK(opt_str_is(&m, DHCP_OPT_VENDOR_CLASS, "udhcp 1.36.1"));
	CHECK(opt_str_is(&m, DHCP_OPT_HOSTNAME, "node"));
	/* Single instances are views into the packet, not copies. */
	CHECK(m.opt[DHCP_OPT_HOSTNAME].data == udhcpc_discover + 240 + 3 + 9 + 4 + 14 + 9 + 2);
	CHECK_EQ(m.concat_used, 0u);
	CHECK(!m.opt[DHCP_OPT_PAD].data && !m.opt[DHCP_OPT_END].data);
	CHECK(dhcp_requested(&m, DHCP_OPT_SUBNET_MASK));
	CHECK(dhcp_requested(&m, DHCP_OPT_NTP));
	CHECK(!dhcp_requested(&m, DHCP_OPT_TFTP_SERVER));
	CHECK(!dhcp_requested(&m, DHCP_OPT_PAD));
}

/* What an Intel/iPXE-era BIOS PXE ROM sends: 57, 55, 97, 94, 93 and the PXEClient class. */
static void pxe_rom_discover(void)
{
	static const uint8_t params[] = { 1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60,
					  67, 128, 129, 130, 131, 132, 133, 134, 135 };
	static const uint8_t uuid[17] = { 0, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x10, 0x38, 0x80,
					  0x4e, 0xb8, 0xc0, 0x4f, 0x30, 0x33, 0x32, 0x31 };
	static const uint8_t ndi[] = { 1, 2, 1 };
	static const uint8_t arch[] = { 0, 0 };
	static const uint8_t maxsz[] = { 0x04, 0xec };
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	put_be16(p.b + 8, 4);
	put_be16(p.b + 10, 0x8000);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_opt(&p, DHCP_OPT_MAX_SIZE, maxsz, 2);
	pkt_opt(&p, DHCP_OPT_PARAM_LIST, params, sizeof(params));
	pkt_opt(&p, DHCP_OPT_UUID, uuid, sizeof(uuid));
	pkt_opt(&p, DHCP_OPT_CLIENT_NDI, ndi, sizeof(ndi));
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, arch, sizeof(arch));
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001");
	pkt_byte(&p, DHCP_OPT_END);
	while (p.n < 548)
		pkt_byte(&p, 0);

	CHECK_EQ(parse(&p, &m), 548);
	CHECK_EQ(m.secs, 4);
	CHECK_EQ(m.flags, 0x8000);
	CHECK_EQ(m.msg_type, DHCP_DISCOVER);
	CHECK_EQ(m.max_size, 1260);
	CHECK_EQ(m.arch, DHCP_ARCH_BIOS);
	CHECK(m.pxe && !m.http_client && !m.ipxe);
	CHECK(opt_is(&m, DHCP_OPT_UUID, uuid, sizeof(uuid)));
	CHECK(opt_is(&m, DHCP_OPT_CLIENT_NDI, ndi, sizeof(ndi)));
	CHECK(dhcp_requested(&m, DHCP_OPT_BOOTFILE));
	CHECK(dhcp_requested(&m, 135));
	CHECK(!dhcp_requested(&m, DHCP_OPT_NTP));
	CHECK_STR(dhcp_arch_name(m.arch), "BIOS");
}

static void arch_sources(void)
{
	static const uint8_t efi64[] = { 0, 7 };
	static const uint8_t two[] = { 0, 11, 0, 7 };
	static const uint8_t odd[] = { 0, 7, 0 };
	struct dhcp_msg m;
	struct pkt p;

	/* 93 wins over 60. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, efi64, 2);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:003016");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.arch, DHCP_ARCH_EFI_BC);

	/* A list: the first value. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, two, 4);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.arch, DHCP_ARCH_EFI_ARM64);

	/* No 93: the Arch field of 60. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003016");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.arch, 7);
	CHECK(m.pxe);

	/* An odd or empty 93 is kept in opt[] but not believed. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, odd, 3);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00006");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.arch, DHCP_ARCH_EFI_IA32);
	CHECK_EQ(m.opt[DHCP_OPT_CLIENT_ARCH].len, 3);
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, NULL, 0);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.arch, DHCP_ARCH_UNKNOWN);
	CHECK(m.opt[DHCP_OPT_CLIENT_ARCH].data != NULL);
	CHECK_EQ(m.opt[DHCP_OPT_CLIENT_ARCH].len, 0);

	/* A PXEClient class without an Arch field: pxe, arch unknown. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "PXEClient");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.pxe);
	CHECK_EQ(m.arch, DHCP_ARCH_UNKNOWN);
}

static void http_client(void)
{
	static const uint8_t arch[] = { 0, 16 };
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "HTTPClient:Arch:00016:UNDI:003001");
	pkt_byte(&p, DHCP_OPT_END);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.http_client && !m.pxe);
	CHECK_EQ(m.arch, DHCP_ARCH_EFI_X64_HTTP);

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, arch, 2);
	pkt_str(&p, DHCP_OPT_VENDOR_CLASS, "HTTPClient");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.http_client && !m.pxe);
	CHECK_EQ(m.arch, DHCP_ARCH_EFI_X64_HTTP);
	CHECK_STR(dhcp_arch_name(m.arch), "EFI x64 HTTP");
}

static void ipxe_detection(void)
{
	static const struct {
		const char *uc;
		size_t len;
		bool ipxe;
	} cases[] = {
		{ "iPXE", 4, true },                    /* iPXE's raw form */
		{ "\x04iPXE", 5, true },                /* RFC 3004 */
		{ "\x03" "foo" "\x04iPXE", 9, true },   /* RFC 3004, second class */
		{ "\x04iPXE\x03" "foo", 9, true },
		{ "ipxe", 4, false },
		{ "iPXE2", 5, false },
		{ "\x05iPXE", 5, false },               /* overlong class */
		{ "\x00\x04iPXE", 6, false },           /* empty class: not RFC 3004 */
		{ "\x03" "foo", 4, false },
		{ "", 0, false },
	};
	static const uint8_t enc[] = { 19, 1, 1 }; /* 175 with an encapsulated "bus id" */
	struct dhcp_msg m;
	struct pkt p;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pkt_init(&p, DHCP_BOOTREQUEST);
		pkt_opt(&p, DHCP_OPT_USER_CLASS, cases[i].uc, (uint8_t)cases[i].len);
		CHECK_EQ(parse(&p, &m), (int)p.n);
		CHECK_EQ(m.ipxe, cases[i].ipxe);
	}

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_IPXE, enc, sizeof(enc));
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.ipxe);
	/* An empty 175 is still there. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_IPXE, NULL, 0);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.ipxe);
}

/* A reply that puts 67 in the file field and 66 in the sname field through option 52. */
static void overload_file_and_sname(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_OFFER);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME);
	pkt_byte(&p, DHCP_OPT_END);
	memcpy(p.b + 108, "\x43\x0a" "pxelinux.0\xff", 13);
	memcpy(p.b + 44, "\x42\x08" "10.0.0.1\xff", 11);

	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.op, DHCP_BOOTREPLY);
	CHECK_EQ(m.overload, 3);
	CHECK_STR(m.file, "");
	CHECK_STR(m.sname, "");
	CHECK(opt_str_is(&m, DHCP_OPT_BOOTFILE, "pxelinux.0"));
	CHECK(opt_str_is(&m, DHCP_OPT_TFTP_SERVER, "10.0.0.1"));
	CHECK(m.opt[DHCP_OPT_BOOTFILE].data == p.b + 110);
	CHECK_EQ(m.msg_type, DHCP_OFFER);

	/* Only file: the sname field is a string again. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE);
	memcpy(p.b + 108, "\x43\x04" "boot", 6); /* no END: the area runs out in zeros (PAD) */
	memcpy(p.b + 44, "tftp.example", 12);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.overload, DHCP_OVERLOAD_FILE);
	CHECK_STR(m.sname, "tftp.example");
	CHECK_STR(m.file, "");
	CHECK(opt_str_is(&m, DHCP_OPT_BOOTFILE, "boot"));

	/* Only sname, with an option that fills it to the last byte and no END. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_SNAME);
	p.b[44] = DHCP_OPT_MESSAGE;
	p.b[45] = 62;
	memset(p.b + 46, 'x', 62);
	memcpy(p.b + 108, "pxelinux.0", 10);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_STR(m.file, "pxelinux.0");
	CHECK_STR(m.sname, "");
	CHECK_EQ(m.opt[DHCP_OPT_MESSAGE].len, 62);
}

/* Without option 52, file and sname are plain strings even when they look like options. */
static void no_overload_fields_are_strings(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREPLY);
	memcpy(p.b + 108, "\x34\x01\x03\xff", 4);
	memset(p.b + 44, 'n', 64); /* no NUL: the copy stops at the field's end */
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.overload, 0);
	CHECK(!m.opt[DHCP_OPT_OVERLOAD].data);
	CHECK_EQ(strlen(m.sname), 64u);
	CHECK_EQ(strlen(m.file), 4u);
	memset(p.b + 108, 'f', 128);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(strlen(m.file), 128u);
}

/* RFC 3396: options field, then file, then sname, whatever their order in memory. */
static void concat_split_option(void)
{
	uint8_t want[300 + 60 + 20];
	struct dhcp_msg m;
	struct pkt p;

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 7 + 1);
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_opt(&p, DHCP_OPT_VENDOR, want, 255);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME);
	pkt_str(&p, DHCP_OPT_HOSTNAME, "a");
	pkt_opt(&p, DHCP_OPT_VENDOR, want + 255, 45);
	pkt_byte(&p, DHCP_OPT_END);
	/* The file field carries the next 60 bytes, the sname field the last 20. */
	p.b[108] = DHCP_OPT_VENDOR;
	p.b[109] = 60;
	memcpy(p.b + 110, want + 300, 60);
	p.b[170] = DHCP_OPT_END;
	p.b[44] = DHCP_OPT_PAD;
	p.b[45] = DHCP_OPT_VENDOR;
	p.b[46] = 20;
	memcpy(p.b + 47, want + 360, 20);
	p.b[67] = DHCP_OPT_END;

	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(opt_is(&m, DHCP_OPT_VENDOR, want, sizeof(want)));
	CHECK(m.opt[DHCP_OPT_VENDOR].data == m.concat);
	CHECK_EQ(m.concat_used, sizeof(want));
	CHECK(opt_str_is(&m, DHCP_OPT_HOSTNAME, "a"));

	/* Two joined codes get a slot each; an empty instance adds nothing. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_str(&p, DHCP_OPT_DOMAIN, "exa");
	pkt_str(&p, DHCP_OPT_HOSTNAME, "no");
	pkt_opt(&p, DHCP_OPT_DOMAIN, NULL, 0);
	pkt_str(&p, DHCP_OPT_HOSTNAME, "de");
	pkt_str(&p, DHCP_OPT_DOMAIN, "mple");
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(opt_str_is(&m, DHCP_OPT_DOMAIN, "example"));
	CHECK(opt_str_is(&m, DHCP_OPT_HOSTNAME, "node"));
	CHECK_EQ(m.concat_used, 11u);

	/* Repeated empty instances: present and empty. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, 80, NULL, 0);
	pkt_opt(&p, 80, NULL, 0);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(m.opt[80].data != NULL);
	CHECK_EQ(m.opt[80].len, 0);

	/* A split 53 joins to two bytes: kept, but no message type. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.msg_type, DHCP_NONE);
	CHECK_EQ(m.opt[DHCP_OPT_MSG_TYPE].len, 2);
}

/* The joined values must fit in concat (2048 bytes); past that, the packet is refused. */
static void concat_overflow(void)
{
	uint8_t v[255];
	struct dhcp_msg m;
	struct pkt p;

	memset(v, 'v', sizeof(v));
	pkt_init(&p, DHCP_BOOTREQUEST);
	for (int i = 0; i < 8; i++)
		pkt_opt(&p, DHCP_OPT_VENDOR, v, 255);
	pkt_opt(&p, DHCP_OPT_VENDOR, v, 8);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.opt[DHCP_OPT_VENDOR].len, 2048);
	CHECK_EQ(m.concat_used, 2048u);

	pkt_opt(&p, DHCP_OPT_VENDOR, v, 1);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	CHECK(!m.opt[DHCP_OPT_VENDOR].data);

	/* Over two codes, each under the limit. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	for (int i = 0; i < 4; i++) {
		pkt_opt(&p, DHCP_OPT_VENDOR, v, 255);
		pkt_opt(&p, DHCP_OPT_MESSAGE, v, 255);
	}
	pkt_opt(&p, DHCP_OPT_VENDOR, v, 9);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
}

static void overlong_option(void)
{
	struct dhcp_msg m;
	struct pkt p;

	/* Runs past the end of the packet. */
	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_byte(&p, DHCP_OPT_HOSTNAME);
	pkt_byte(&p, 10);
	pkt_bytes(&p, "node", 4);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	/* Exactly to the end is fine (no END needed). */
	p.b[p.n - 5] = 4;
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(opt_str_is(&m, DHCP_OPT_HOSTNAME, "node"));

	/* Runs past the file field into the cookie, which is still a packet byte. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE);
	pkt_byte(&p, DHCP_OPT_END);
	p.b[230] = DHCP_OPT_MESSAGE;
	p.b[231] = 5;
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	p.b[231] = 4;
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.opt[DHCP_OPT_MESSAGE].len, 4);

	/* Past the sname field into file. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_SNAME);
	p.b[100] = DHCP_OPT_MESSAGE;
	p.b[101] = 7;
	CHECK_EQ(parse(&p, &m), -EBADMSG);
}

/* A code with no length byte at the end of an area is a cut option. */
static void truncated_option(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_byte(&p, DHCP_OPT_HOSTNAME);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	p.b[p.n - 1] = DHCP_OPT_PAD;
	CHECK_EQ(parse(&p, &m), (int)p.n);

	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_SNAME);
	p.b[107] = DHCP_OPT_HOSTNAME;
	CHECK_EQ(parse(&p, &m), -EBADMSG);
}

static void short_packets(void)
{
	struct dhcp_msg m;

	CHECK_EQ(dhcp_parse(NULL, 0, &m), -EBADMSG);
	for (size_t n = 0; n < DHCP_MIN_LEN; n++)
		CHECK_EQ(dhcp_parse(udhcpc_discover, n, &m), -EBADMSG);
	/* The bare fixed part and cookie, no options at all: a BOOTP request. */
	CHECK_EQ(dhcp_parse(udhcpc_discover, DHCP_MIN_LEN, &m), (int)DHCP_MIN_LEN);
	CHECK_EQ(m.msg_type, DHCP_NONE);
	CHECK_EQ(m.xid, 0x3a9f1107u);
}

static void bad_cookie(void)
{
	static const uint32_t cookies[] = { 0, 0x63538263u, 0x63825364u, 0xffffffffu };
	struct dhcp_msg m;
	struct pkt p;

	for (size_t i = 0; i < ARRAY_SIZE(cookies); i++) {
		pkt_init(&p, DHCP_BOOTREQUEST);
		put_be32(p.b + 236, cookies[i]);
		pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
		CHECK_EQ(parse(&p, &m), -EBADMSG);
		CHECK_EQ(m.xid, 0u);
	}
}

static void bad_op_and_hlen(void)
{
	static const uint8_t ops[] = { 0, 3, 0x81, 0xff };
	struct dhcp_msg m;
	struct pkt p;

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		pkt_init(&p, ops[i]);
		CHECK_EQ(parse(&p, &m), -EBADMSG);
	}
	pkt_init(&p, DHCP_BOOTREQUEST);
	p.b[2] = 16;
	CHECK_EQ(parse(&p, &m), (int)p.n);
	p.b[2] = 17;
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	p.b[2] = 0xff;
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	/* hlen 0 is odd but not ours to refuse (some media have no hardware address). */
	p.b[2] = 0;
	CHECK_EQ(parse(&p, &m), (int)p.n);
}

/* Many clients stop at their last option and pad, or just stop. */
static void missing_end_tolerated(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_REQUEST);
	pkt_opt(&p, DHCP_OPT_REQUESTED_IP, "\x0a\x00\x00\x07", 4);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.msg_type, DHCP_REQUEST);
	CHECK_EQ(m.requested_ip.s_addr, htonl(0x0a000007));
	while (p.n < 300)
		pkt_byte(&p, DHCP_OPT_PAD);
	CHECK_EQ(parse(&p, &m), 300);
	CHECK_EQ(m.requested_ip.s_addr, htonl(0x0a000007));
}

/* After END, nothing counts: not even bytes that would be malformed as options. */
static void bytes_after_end_ignored(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_byte(&p, DHCP_OPT_PAD);
	pkt_byte(&p, DHCP_OPT_PAD);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_INFORM);
	pkt_byte(&p, DHCP_OPT_END);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, 9);
	pkt_byte(&p, DHCP_OPT_HOSTNAME);
	pkt_byte(&p, 200);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.msg_type, DHCP_INFORM);
	CHECK_EQ(m.opt[DHCP_OPT_MSG_TYPE].len, 1);
	CHECK(!m.opt[DHCP_OPT_OVERLOAD].data && !m.opt[DHCP_OPT_HOSTNAME].data);
}

static void overload_option_checks(void)
{
	static const uint8_t two[] = { 1, 1 };
	struct dhcp_msg m;
	struct pkt p;

	/* 52 inside the (overloaded) file area. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE);
	memcpy(p.b + 108, "\x34\x01\x02\xff", 4);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	/* ...or in sname. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_SNAME);
	memcpy(p.b + 44, "\x34\x01\x02\xff", 4);
	CHECK_EQ(parse(&p, &m), -EBADMSG);

	/* Bad values and lengths, and twice. */
	for (unsigned v = 0; v < 8; v++) {
		pkt_init(&p, DHCP_BOOTREPLY);
		pkt_u8(&p, DHCP_OPT_OVERLOAD, (uint8_t)v);
		CHECK_EQ(parse(&p, &m), v >= 1 && v <= 3 ? (int)p.n : -EBADMSG);
	}
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_opt(&p, DHCP_OPT_OVERLOAD, two, 2);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_opt(&p, DHCP_OPT_OVERLOAD, NULL, 0);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, 1);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, 1);
	CHECK_EQ(parse(&p, &m), -EBADMSG);

	/* An overloaded area is parsed, so garbage in it is an error. */
	pkt_init(&p, DHCP_BOOTREPLY);
	pkt_u8(&p, DHCP_OPT_OVERLOAD, DHCP_OVERLOAD_FILE);
	memset(p.b + 108, 'x', 128);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	p.b[236 - 1] = 0xff;
	p.b[108] = 0xff;
	CHECK_EQ(parse(&p, &m), (int)p.n);
}

static void wrong_length_conveniences(void)
{
	static const uint8_t b8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t small_max[] = { 0x01, 0xf4 };     /* 500: under 576 */
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_MSG_TYPE, b8, 2);
	pkt_opt(&p, DHCP_OPT_REQUESTED_IP, b8, 3);
	pkt_opt(&p, DHCP_OPT_SERVER_ID, b8, 5);
	pkt_opt(&p, DHCP_OPT_MAX_SIZE, b8, 1);
	pkt_opt(&p, DHCP_OPT_LEASE_TIME, b8, 8);
	pkt_opt(&p, DHCP_OPT_CLIENT_ARCH, b8, 1);
	pkt_opt(&p, DHCP_OPT_UUID, b8, 8);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.msg_type, DHCP_NONE);
	CHECK_EQ(m.requested_ip.s_addr, 0u);
	CHECK_EQ(m.server_id.s_addr, 0u);
	CHECK_EQ(m.max_size, 0);
	CHECK_EQ(m.lease_time, 0u);
	CHECK_EQ(m.arch, DHCP_ARCH_UNKNOWN);
	/* ...but all are still in opt[]. */
	CHECK(opt_is(&m, DHCP_OPT_MSG_TYPE, b8, 2));
	CHECK(opt_is(&m, DHCP_OPT_REQUESTED_IP, b8, 3));
	CHECK(opt_is(&m, DHCP_OPT_SERVER_ID, b8, 5));
	CHECK(opt_is(&m, DHCP_OPT_MAX_SIZE, b8, 1));
	CHECK(opt_is(&m, DHCP_OPT_LEASE_TIME, b8, 8));
	CHECK(opt_is(&m, DHCP_OPT_CLIENT_ARCH, b8, 1));
	CHECK(opt_is(&m, DHCP_OPT_UUID, b8, 8));

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_opt(&p, DHCP_OPT_MAX_SIZE, small_max, 2);
	pkt_opt(&p, DHCP_OPT_SERVER_ID, b8, 4);
	pkt_opt(&p, DHCP_OPT_LEASE_TIME, b8, 4);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK_EQ(m.max_size, 0);
	CHECK_EQ(m.server_id.s_addr, htonl(0x01020304));
	CHECK_EQ(m.lease_time, 0x01020304u);
}

static void requested_without_list(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(!dhcp_requested(&m, DHCP_OPT_SUBNET_MASK));
	pkt_opt(&p, DHCP_OPT_PARAM_LIST, NULL, 0);
	CHECK_EQ(parse(&p, &m), (int)p.n);
	CHECK(!dhcp_requested(&m, DHCP_OPT_SUBNET_MASK));
}

/* A parse that fails leaves nothing behind that looks like a message. */
static void failed_parse_clears(void)
{
	struct dhcp_msg m;
	struct pkt p;

	pkt_init(&p, DHCP_BOOTREQUEST);
	pkt_u8(&p, DHCP_OPT_MSG_TYPE, DHCP_DISCOVER);
	pkt_byte(&p, DHCP_OPT_HOSTNAME);
	CHECK_EQ(parse(&p, &m), -EBADMSG);
	CHECK_EQ(m.msg_type, 0);
	CHECK_EQ(m.xid, 0u);
	CHECK(!m.opt[DHCP_OPT_MSG_TYPE].data);
}

static void vendor_arch_forms(void)
{
	static const struct {
		const char *s;
		int arch;
	} cases[] = {
		{ "PXEClient:Arch:00007:UNDI:003016", 7 },
		{ "PXEClient:Arch:00000:UNDI:002001", 0 },
		{ "PXEClient:Arch:00011", 11 },
		{ "HTTPClient:Arch:00016", 16 },
		{ "HTTPClient:Arch:00019:UNDI:003000", 19 },
		{ "PXEClient:Arch:65535", 65535 },
		{ "PXEClient:Arch:65536", -1 },
		{ "PXEClient:Arch:99999", -1 },
		{ "PXEClient:Arch:0007", -1 },
		{ "PXEClient:Arch:000007", -1 },
		{ "PXEClient:Arch:0000x", -1 },
		{ "PXEClient:Arch:00007x", -1 },
		{ "PXEClient:Arch:00007:", 7 },
		{ "PXEClient:Arch: 0007", -1 },
		{ "PXEClient:arch:00007", -1 },
		{ "PXEClient", -1 },
		{ "PXEClient:", -1 },
		{ "PXEClient:Arch:", -1 },
		{ "pxeclient:Arch:00007", -1 },
		{ "XPXEClient:Arch:00007", -1 },
		{ "PXEClientX:Arch:00007", -1 },
		{ "Other:Arch:00007", -1 },
		{ "", -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_EQ(dhcp_vendor_arch((const uint8_t *)cases[i].s, strlen(cases[i].s)),
			 cases[i].arch);
	/* The length bounds the read, not a NUL. */
	CHECK_EQ(dhcp_vendor_arch((const uint8_t *)"PXEClient:Arch:00007", 19), -1);
	CHECK_EQ(dhcp_vendor_arch((const uint8_t *)"PXEClient:Arch:00007:UNDI", 20), 7);
	CHECK_EQ(dhcp_vendor_arch(NULL, 0), -1);
}

static void names(void)
{
	CHECK_STR(dhcp_msg_type_name(DHCP_DISCOVER), "DISCOVER");
	CHECK_STR(dhcp_msg_type_name(DHCP_INFORM), "INFORM");
	CHECK_STR(dhcp_msg_type_name(DHCP_NONE), "BOOTP");
	CHECK_STR(dhcp_msg_type_name(9), "?");
	CHECK_STR(dhcp_msg_type_name(~0u), "?");
	CHECK_STR(dhcp_arch_name(DHCP_ARCH_BIOS), "BIOS");
	CHECK_STR(dhcp_arch_name(DHCP_ARCH_EFI_BC), "EFI x64");
	CHECK_STR(dhcp_arch_name(DHCP_ARCH_EFI_ARM64), "EFI ARM64");
	CHECK_STR(dhcp_arch_name(DHCP_ARCH_EFI_ARM64_HTTP), "EFI ARM64 HTTP");
	CHECK_STR(dhcp_arch_name(DHCP_ARCH_UNKNOWN), "?");
	CHECK_STR(dhcp_arch_name(0x100), "?");
	for (unsigned i = 0; i < 0x30; i++)
		CHECK(dhcp_arch_name(i) != NULL);
}

/* ---- builder ---- */

static void parse_udhcpc(struct dhcp_msg *req)
{
	CHECK_EQ(dhcp_parse(udhcpc_discover, sizeof(udhcpc_discover), req),
		 (int)sizeof(udhcpc_discover));
}

static struct in_addr ip4(uint32_t host)
{
	struct in_addr a = { .s_addr = htonl(host) };

	return a;
}

/* Each option of the reply must come back from the parser exactly as queued. */
static void build_roundtrip(void)
{
	static const uint8_t dns[] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	uint8_t buf[DHCP_MAX_LEN];
	size_t n;

	parse_udhcpc(&req);
	req.flags = 0x8000;
	req.giaddr = ip4(0x0a000101);
	memset(buf, 0xaa, sizeof(buf));
	dhcp_build_init(&b, buf, sizeof(buf), req.max_size - DHCP_UDP_IP_HDR, &req);
	CHECK_EQ(b.max_len, 548u);
	dhcp_build_set_addrs(&b, ip4(0x0a000064), ip4(0x0a000001));
	CHECK_EQ(dhcp_build_set_sname(&b, "boot.example"), 0);
	CHECK_EQ(dhcp_build_set_file(&b, "pxelinux.0"), 0);
	CHECK_EQ(dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, ip4(0x0a000001)), 0);
	CHECK_EQ(dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, 3600), 0);
	CHECK_EQ(dhcp_build_addr(&b, DHCP_OPT_SUBNET_MASK, ip4(0xffffff00)), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_DNS, dns, sizeof(dns)), 0);
	CHECK_EQ(dhcp_build_u16(&b, DHCP_OPT_MTU, 9000), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_DOMAIN, "example.org"), 0);
	CHECK_EQ(dhcp_build_opt(&b, 80, NULL, 0), 0);
	/* Queued last, laid out first. */
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_OFFER), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(n, DHCP_BOOTP_MIN);
	CHECK_MEM(buf + 240, "\x35\x01\x02", 3);

	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.op, DHCP_BOOTREPLY);
	CHECK_EQ(rep.htype, 1);
	CHECK_EQ(rep.hlen, 6);
	CHECK_EQ(rep.hops, 0);
	CHECK_EQ(rep.secs, 0);
	CHECK_EQ(rep.xid, req.xid);
	CHECK_EQ(rep.flags, 0x8000);
	CHECK_EQ(rep.giaddr.s_addr, htonl(0x0a000101));
	CHECK_EQ(rep.yiaddr.s_addr, htonl(0x0a000064));
	CHECK_EQ(rep.siaddr.s_addr, htonl(0x0a000001));
	CHECK_EQ(rep.ciaddr.s_addr, 0u);
	CHECK_MEM(rep.chaddr, req.chaddr, 16);
	CHECK_STR(rep.sname, "boot.example");
	CHECK_STR(rep.file, "pxelinux.0");
	CHECK_EQ(rep.overload, 0);
	CHECK_EQ(rep.msg_type, DHCP_OFFER);
	CHECK_EQ(rep.server_id.s_addr, htonl(0x0a000001));
	CHECK_EQ(rep.lease_time, 3600u);
	CHECK(opt_is(&rep, DHCP_OPT_SUBNET_MASK, "\xff\xff\xff\x00", 4));
	CHECK(opt_is(&rep, DHCP_OPT_DNS, dns, sizeof(dns)));
	CHECK(opt_is(&rep, DHCP_OPT_MTU, "\x23\x28", 2));
	CHECK(opt_str_is(&rep, DHCP_OPT_DOMAIN, "example.org"));
	CHECK(rep.opt[80].data && rep.opt[80].len == 0);
	CHECK(!rep.opt[DHCP_OPT_OVERLOAD].data);
}

/* A 600-byte option becomes 255 + 255 + 90, back to back, and joins back whole. */
static void build_split_long_option(void)
{
	uint8_t big[600], buf[DHCP_MAX_LEN];
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	size_t n;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ 0x5a);
	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), 1500, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_ACK), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, big, sizeof(big)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, "node"), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(n, 240u + 3 + 606 + 6 + 1);
	CHECK_EQ(buf[243], DHCP_OPT_VENDOR);
	CHECK_EQ(buf[244], 255);
	CHECK_EQ(buf[243 + 257], DHCP_OPT_VENDOR);
	CHECK_EQ(buf[244 + 257], 255);
	CHECK_EQ(buf[243 + 514], DHCP_OPT_VENDOR);
	CHECK_EQ(buf[244 + 514], 90);
	CHECK_EQ(buf[n - 1], DHCP_OPT_END);

	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK(opt_is(&rep, DHCP_OPT_VENDOR, big, sizeof(big)));
	CHECK(opt_str_is(&rep, DHCP_OPT_HOSTNAME, "node"));
	CHECK_EQ(rep.overload, 0);

	/* Exactly 255 and 510 are one and two full instances. */
	CHECK_EQ(opt_wire_size(255), 257u);
	CHECK_EQ(opt_wire_size(256), 260u);
	CHECK_EQ(opt_wire_size(510), 514u);
	CHECK_EQ(opt_wire_size(0), 2u);
}

/*
 * 548 bytes leave 308 for options, 307 without END: 53, 54, 1, 3 and a 250-byte option take
 * 273 of the 304 left beside option 52, so 67 and 66 go to file, 12 to sname, and the small 15
 * still fits in the options field.
 */
static void build_overload(void)
{
	uint8_t v[250], buf[DHCP_MAX_LEN];
	char boot[41], tftp[31], host[61];
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	size_t n;

	memset(v, 'v', sizeof(v));
	memset(boot, 'b', 40);
	boot[40] = 0;
	memset(tftp, 't', 30);
	tftp[30] = 0;
	memset(host, 'h', 60);
	host[60] = 0;
	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), req.max_size - DHCP_UDP_IP_HDR, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_OFFER), 0);
	CHECK_EQ(dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, ip4(0x0a000001)), 0);
	CHECK_EQ(dhcp_build_addr(&b, DHCP_OPT_SUBNET_MASK, ip4(0xffffff00)), 0);
	CHECK_EQ(dhcp_build_addr(&b, DHCP_OPT_ROUTER, ip4(0x0a000001)), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, sizeof(v)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_BOOTFILE, boot), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_TFTP_SERVER, tftp), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, host), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_DOMAIN, "example.com"), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, 0);
	CHECK(n <= 548);
	/* 53, then 52, then the rest. */
	CHECK_MEM(buf + 240, "\x35\x01\x02\x34\x01\x03", 6);
	CHECK_EQ(buf[108], DHCP_OPT_BOOTFILE);
	CHECK_EQ(buf[44], DHCP_OPT_HOSTNAME);

	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, 3);
	CHECK_STR(rep.file, "");
	CHECK_STR(rep.sname, "");
	CHECK_EQ(rep.msg_type, DHCP_OFFER);
	CHECK(opt_is(&rep, DHCP_OPT_VENDOR, v, sizeof(v)));
	CHECK(opt_str_is(&rep, DHCP_OPT_BOOTFILE, boot));
	CHECK(opt_str_is(&rep, DHCP_OPT_TFTP_SERVER, tftp));
	CHECK(opt_str_is(&rep, DHCP_OPT_HOSTNAME, host));
	CHECK(opt_str_is(&rep, DHCP_OPT_DOMAIN, "example.com"));
	CHECK(rep.opt[DHCP_OPT_BOOTFILE].data >= buf + 108 &&
	      rep.opt[DHCP_OPT_BOOTFILE].data < buf + 236);
	CHECK(rep.opt[DHCP_OPT_HOSTNAME].data >= buf + 44 &&
	      rep.opt[DHCP_OPT_HOSTNAME].data < buf + 108);

	/* The same with a file name set: only sname is left, and 52 says so. */
	dhcp_build_init(&b, buf, sizeof(buf), req.max_size - DHCP_UDP_IP_HDR, &req);
	CHECK_EQ(dhcp_build_set_file(&b, "pxelinux.0"), 0);
	CHECK_EQ(b.overload_ok, DHCP_OVERLOAD_SNAME);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_OFFER), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, sizeof(v)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_BOOTFILE, boot), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, host), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, DHCP_OVERLOAD_SNAME);
	CHECK_STR(rep.file, "pxelinux.0");
	CHECK_STR(rep.sname, "");
	CHECK(opt_str_is(&rep, DHCP_OPT_BOOTFILE, boot));
	CHECK(opt_str_is(&rep, DHCP_OPT_HOSTNAME, host));
	CHECK(rep.opt[DHCP_OPT_HOSTNAME].data == buf + 46);

	/* Overload forbidden: what does not fit is left out. */
	dhcp_build_init(&b, buf, sizeof(buf), req.max_size - DHCP_UDP_IP_HDR, &req);
	b.overload_ok = 0;
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, sizeof(v)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_BOOTFILE, boot), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, host), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_DOMAIN, "example.com"), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, -ENOSPC);
	CHECK_EQ(n, 548u);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, 0);
	CHECK(opt_str_is(&rep, DHCP_OPT_BOOTFILE, boot));
	CHECK(!rep.opt[DHCP_OPT_HOSTNAME].data);
	CHECK(opt_str_is(&rep, DHCP_OPT_DOMAIN, "example.com"));
}

/* Without 53 in the queue (a BOOTP reply), option 52 leads. */
static void build_overload_without_msg_type(void)
{
	uint8_t v[300], buf[DHCP_MAX_LEN];
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	size_t n;

	memset(v, 'v', sizeof(v));
	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, sizeof(v)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_ROOT_PATH, "/srv/root"), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, 0);
	CHECK_MEM(buf + 240, "\x34\x01\x01", 3);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, DHCP_OVERLOAD_FILE);
	CHECK(opt_is(&rep, DHCP_OPT_VENDOR, v, sizeof(v)));
	CHECK(opt_str_is(&rep, DHCP_OPT_ROOT_PATH, "/srv/root"));
}

/*
 * Overload costs option 52's three bytes; it must not push out an earlier option to make room
 * for a later one, nor be used when nothing lands in file or sname.
 */
static void build_overload_priority(void)
{
	uint8_t v[300], buf[DHCP_MAX_LEN];
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	size_t n;

	memset(v, 'v', sizeof(v));
	parse_udhcpc(&req);
	/* 307 bytes besides END: 53 (3) + a 300-byte option (304), full to the byte. */
	dhcp_build_init(&b, buf, sizeof(buf), 548, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_ACK), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, 300), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, "node"), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, -ENOSPC);
	CHECK_EQ(n, 548u);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, 0);
	CHECK(opt_is(&rep, DHCP_OPT_VENDOR, v, 300));
	CHECK(!rep.opt[DHCP_OPT_HOSTNAME].data);

	/* Nothing would land in file or sname: no 52. */
	dhcp_build_init(&b, buf, sizeof(buf), 548, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_ACK), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, 290), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_MESSAGE, v, 200), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, -ENOSPC);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.overload, 0);
	CHECK(!rep.opt[DHCP_OPT_OVERLOAD].data);
	CHECK(opt_is(&rep, DHCP_OPT_VENDOR, v, 290));
}

/* An option too big for any area is dropped; the ones after it are still placed. */
static void build_too_big(void)
{
	static uint8_t huge[1200];
	struct dhcp_msg req, rep;
	struct dhcp_builder b;
	uint8_t buf[DHCP_MAX_LEN];
	size_t n;

	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_OFFER), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, huge, sizeof(huge)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_BOOTFILE, "ipxe.efi"), 0);
	CHECK_EQ(b.err, 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(b.err, -ENOSPC);
	CHECK_EQ(n, DHCP_BOOTP_MIN);
	CHECK_EQ(dhcp_parse(buf, n, &rep), (int)n);
	CHECK_EQ(rep.msg_type, DHCP_OFFER);
	CHECK(!rep.opt[DHCP_OPT_VENDOR].data);
	CHECK(opt_str_is(&rep, DHCP_OPT_BOOTFILE, "ipxe.efi"));
	CHECK_EQ(rep.overload, 0);
}

static void build_queue_errors(void)
{
	static uint8_t big[2048];
	struct dhcp_builder b;
	struct dhcp_msg req;
	uint8_t buf[DHCP_MAX_LEN];

	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_PAD, 0), -EINVAL);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_END, 0), -EINVAL);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_OVERLOAD, 3), -EINVAL);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_ACK), 0);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_NAK), -EEXIST);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, "a"), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_HOSTNAME, "b"), -EEXIST);
	CHECK_EQ(b.nq, 2u);
	CHECK_EQ(b.err, 0);
	/* Out of data room. */
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, big, sizeof(big)), -ENOSPC);
	CHECK_EQ(b.err, -ENOSPC);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, big, sizeof(big) - 2), 0);

	/* Out of queue slots. */
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	for (unsigned c = 1; c <= 64; c++)
		CHECK_EQ(dhcp_build_opt(&b, (uint8_t)(100 + c), NULL, 0), 0);
	CHECK_EQ(dhcp_build_opt(&b, 200, NULL, 0), -ENOSPC);
	CHECK_EQ(b.err, -ENOSPC);

	CHECK_EQ(dhcp_build_set_sname(&b, "0123456789012345678901234567890123456789012345678901"
					  "23456789012"), 0);
	CHECK_EQ(dhcp_build_set_sname(&b, "0123456789012345678901234567890123456789012345678901"
					  "234567890123"), -ENAMETOOLONG);
}

/* Replies shorter than 300 bytes are padded with zeros, over whatever the buffer held. */
static void build_padding(void)
{
	struct dhcp_msg req;
	struct dhcp_builder b;
	uint8_t buf[DHCP_MAX_LEN];
	size_t n;

	parse_udhcpc(&req);
	memset(buf, 0xee, sizeof(buf));
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_NAK), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(n, 300u);
	CHECK_MEM(buf + 240, "\x35\x01\x06\xff", 4);
	for (size_t i = 244; i < n; i++)
		CHECK_EQ(buf[i], 0);
	for (size_t i = 44; i < 236; i++)
		CHECK_EQ(buf[i], 0);
	CHECK_EQ(buf[300], 0xee);

	/* Nothing queued at all: END and padding. */
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	n = dhcp_build_finish(&b);
	CHECK_EQ(n, 300u);
	CHECK_EQ(buf[240], DHCP_OPT_END);

	/* A cap of exactly 300 works. */
	dhcp_build_init(&b, buf, 300, 0, &req);
	CHECK_EQ(b.max_len, 300u);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, buf + 1000, 200), 0);
	n = dhcp_build_finish(&b);
	CHECK_EQ(n, 300u);
	CHECK_EQ(b.err, -ENOSPC);
}

static void build_max_len_clamp(void)
{
	static const struct {
		size_t cap, max_len, want;
	} cases[] = {
		{ 1500, 0, 548 },
		{ 1500, 300, 548 },
		{ 1500, 548, 548 },
		{ 1500, 549, 549 },
		{ 1500, 1000, 1000 },
		{ 1500, 1500, 1500 },
		{ 1500, 65535, 1500 },
		{ 4096, 9000, DHCP_MAX_LEN },
		{ 400, 1000, 400 },
		{ 400, 0, 400 },
	};
	static uint8_t buf[4096];
	struct dhcp_builder b;
	struct dhcp_msg req;

	parse_udhcpc(&req);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		dhcp_build_init(&b, buf, cases[i].cap, cases[i].max_len, &req);
		CHECK_EQ(b.max_len, cases[i].want);
		CHECK_EQ(b.cap, cases[i].cap);
		CHECK_EQ(b.overload_ok, DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME);
	}

	/* Filling up: the reply stops exactly at max_len. */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t v[255];
		size_t n;

		memset(v, 1, sizeof(v));
		dhcp_build_init(&b, buf, cases[i].cap, cases[i].max_len, &req);
		b.overload_ok = 0;
		for (unsigned c = 1; c < 40; c++)
			dhcp_build_opt(&b, (uint8_t)(100 + c), v, c * 7 % 256);
		n = dhcp_build_finish(&b);
		CHECK(n <= cases[i].want);
		CHECK(n >= DHCP_BOOTP_MIN);
	}
}

/* A second finish lays the same queue out the same way. */
static void build_finish_twice(void)
{
	uint8_t v[290], buf[DHCP_MAX_LEN], first[DHCP_MAX_LEN];
	struct dhcp_builder b;
	struct dhcp_msg req;
	size_t n, n2;

	memset(v, 'v', sizeof(v));
	parse_udhcpc(&req);
	dhcp_build_init(&b, buf, sizeof(buf), 0, &req);
	CHECK_EQ(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, DHCP_OFFER), 0);
	CHECK_EQ(dhcp_build_opt(&b, DHCP_OPT_VENDOR, v, sizeof(v)), 0);
	CHECK_EQ(dhcp_build_str(&b, DHCP_OPT_BOOTFILE, "grubx64.efi"), 0);
	n = dhcp_build_finish(&b);
	memcpy(first, buf, n);
	CHECK_EQ(buf[108], DHCP_OPT_BOOTFILE);
	n2 = dhcp_build_finish(&b);
	CHECK_EQ(n, n2);
	CHECK_MEM(first, buf, n);
}

int main(void)
{
	RUN(udhcpc_discover_parses);
	RUN(pxe_rom_discover);
	RUN(arch_sources);
	RUN(http_client);
	RUN(ipxe_detection);
	RUN(overload_file_and_sname);
	RUN(no_overload_fields_are_strings);
	RUN(concat_split_option);
	RUN(concat_overflow);
	RUN(overlong_option);
	RUN(truncated_option);
	RUN(short_packets);
	RUN(bad_cookie);
	RUN(bad_op_and_hlen);
	RUN(missing_end_tolerated);
	RUN(bytes_after_end_ignored);
	RUN(overload_option_checks);
	RUN(wrong_length_conveniences);
	RUN(requested_without_list);
	RUN(failed_parse_clears);
	RUN(vendor_arch_forms);
	RUN(names);
	RUN(build_roundtrip);
	RUN(build_split_long_option);
	RUN(build_overload);
	RUN(build_overload_without_msg_type);
	RUN(build_overload_priority);
	RUN(build_too_big);
	RUN(build_queue_errors);
	RUN(build_padding);
	RUN(build_max_len_clamp);
	RUN(build_finish_twice);
	return check_done();
}
