// SPDX-License-Identifier: MIT
/*
 * Unit tests for the TFTP wire module. The module is included whole so that its static helpers
 * are in reach and the test links against nothing else.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proto/tftp_wire.c"

/*
 * Builds a request: the opcode, then each string of the NULL-terminated list followed by its
 * NUL. Writing requests this way keeps "\0" "1" octal-escape traps out of the cases.
 */
static size_t mkreq(uint8_t *buf, size_t cap, unsigned op, ...)
{
	const char *s;
	size_t n = 2;
	va_list ap;

	put_be16(buf, (uint16_t)op);
	va_start(ap, op);
	while ((s = va_arg(ap, const char *))) {
		size_t l = strlen(s) + 1;

		if (n + l > cap) {
			n = 0;
			break;
		}
		memcpy(buf + n, s, l);
		n += l;
	}
	va_end(ap);
	return n;
}

static int parse(const uint8_t *buf, size_t len, struct tftp_req *r)
{
	return tftp_parse_request(buf, len, r);
}

static void rrq_minimal(void)
{
	uint8_t b[64];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "pxelinux.0", "octet", NULL);
	struct tftp_req r;

	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.opcode, TFTP_RRQ);
	CHECK_EQ(r.filename_len, 10u);
	CHECK_STR(r.filename, "pxelinux.0");
	CHECK(r.filename == (const char *)b + 2);
	CHECK_EQ(r.mode, TFTP_MODE_OCTET);
	CHECK_EQ(r.opts, 0u);
	CHECK(r.bad_option == NULL);
}

static void wrq_modes_case_insensitive(void)
{
	static const char *const octet[] = { "octet", "OCTET", "OcTeT" };
	static const char *const netascii[] = { "netascii", "NETASCII", "NetAscii" };
	uint8_t b[64];
	struct tftp_req r;

	for (size_t i = 0; i < 3; i++) {
		size_t n = mkreq(b, sizeof(b), TFTP_WRQ, "up.bin", octet[i], NULL);

		CHECK_EQ(parse(b, n, &r), (int)n);
		CHECK_EQ(r.opcode, TFTP_WRQ);
		CHECK_EQ(r.mode, TFTP_MODE_OCTET);
		n = mkreq(b, sizeof(b), TFTP_WRQ, "up.txt", netascii[i], NULL);
		CHECK_EQ(parse(b, n, &r), (int)n);
		CHECK_EQ(r.mode, TFTP_MODE_NETASCII);
	}
}

static void bad_modes(void)
{
	static const char *const modes[] = { "mail", "MAIL", "", "octe", "octets", "binary",
					     "netascii ", "octet\x01" };
	uint8_t b[64];
	struct tftp_req r;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "f", modes[i], NULL);

		CHECK_EQ(parse(b, n, &r), -EBADMSG);
	}
}

static void bad_opcodes(void)
{
	static const uint16_t ops[] = { 0, TFTP_DATA, TFTP_ACK, TFTP_ERROR, TFTP_OACK, 7, 0x0100,
					0xffff };
	uint8_t b[64];
	struct tftp_req r;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = mkreq(b, sizeof(b), ops[i], "f", "octet", NULL);

		CHECK_EQ(parse(b, n, &r), -EBADMSG);
	}
}

static void too_short(void)
{
	static const uint8_t b[] = { 0, 1, 'f', 0, 'o' };
	struct tftp_req r;

	CHECK_EQ(parse(b, 0, &r), -EBADMSG);
	CHECK_EQ(parse(NULL, 0, &r), -EBADMSG);
	CHECK_EQ(parse(b, 1, &r), -EBADMSG);
	CHECK_EQ(parse(b, 2, &r), -EBADMSG);
	CHECK_EQ(parse(b, sizeof(b), &r), -EBADMSG);
}

static void empty_filename(void)
{
	uint8_t b[64];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "", "octet", NULL);
	struct tftp_req r;

	CHECK_EQ(parse(b, n, &r), -EBADMSG);
}

static void filename_length_limit(void)
{
	static char name[TFTP_FILENAME_MAX + 2];
	static uint8_t b[TFTP_FILENAME_MAX + 64];
	struct tftp_req r;
	size_t n;

	memset(name, 'a', TFTP_FILENAME_MAX);
	name[TFTP_FILENAME_MAX] = 0;
	n = mkreq(b, sizeof(b), TFTP_RRQ, name, "octet", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.filename_len, TFTP_FILENAME_MAX);

	name[TFTP_FILENAME_MAX] = 'a';
	name[TFTP_FILENAME_MAX + 1] = 0;
	n = mkreq(b, sizeof(b), TFTP_RRQ, name, "octet", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
}

static void missing_nul(void)
{
	static const uint8_t fname[] = { 0, 1, 'a', 'b', 'c' };
	static const uint8_t mode[] = { 0, 1, 'a', 0, 'o', 'c', 't', 'e', 't' };
	static const uint8_t name[] = { 0, 1, 'a', 0, 'o', 'c', 't', 'e', 't', 0, 'b', 'l', 'k' };
	static const uint8_t value[] = { 0, 1, 'a', 0, 'o', 'c', 't', 'e', 't', 0,
					 't', 's', 'i', 'z', 'e', 0, '0' };
	struct tftp_req r;

	CHECK_EQ(parse(fname, sizeof(fname), &r), -EBADMSG);
	CHECK_EQ(parse(mode, sizeof(mode), &r), -EBADMSG);
	CHECK_EQ(parse(name, sizeof(name), &r), -EBADMSG);
	CHECK_EQ(parse(value, sizeof(value), &r), -EBADMSG);
}

static void all_options(void)
{
	uint8_t b[128];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "boot/grubx64.efi", "octet", "blksize", "1432",
			 "tsize", "0", "timeout", "5", "windowsize", "16", NULL);
	struct tftp_req r;

	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.opts, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
				 TFTP_OPT_WINDOWSIZE);
	CHECK_EQ(r.blksize, 1432u);
	CHECK_EQ(r.tsize, 0u);
	CHECK_EQ(r.timeout, 5u);
	CHECK_EQ(r.windowsize, 16u);
	CHECK_STR(r.filename, "boot/grubx64.efi");
	CHECK(r.bad_option == NULL);
}

static void each_option_alone(void)
{
	static const char *const names[] = { "blksize", "tsize", "timeout", "windowsize" };
	static const unsigned bits[] = { TFTP_OPT_BLKSIZE, TFTP_OPT_TSIZE, TFTP_OPT_TIMEOUT,
					 TFTP_OPT_WINDOWSIZE };
	uint8_t b[64];
	struct tftp_req r;

	for (size_t i = 0; i < 4; i++) {
		size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", names[i], "42", NULL);

		CHECK_EQ(parse(b, n, &r), (int)n);
		CHECK_EQ(r.opts, bits[i]);
	}
	CHECK_EQ(r.windowsize, 42u);
}

static void option_names_case_insensitive(void)
{
	uint8_t b[128];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "BlkSize", "1408", "TSIZE", "0",
			 "TimeOut", "3", "WINDOWSIZE", "4", NULL);
	struct tftp_req r;

	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.opts, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
				 TFTP_OPT_WINDOWSIZE);
	CHECK_EQ(r.blksize, 1408u);
	CHECK_EQ(r.timeout, 3u);
	CHECK_EQ(r.windowsize, 4u);
}

static void option_without_value(void)
{
	uint8_t b[64];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "blksize", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize", "0", "blksize", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
	/* Unknown names need their value too: the packet is malformed either way. */
	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "rollover", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
}

/* Each prefix of a valid request is malformed unless it ends right after mode or a value. */
static void truncated_prefixes(void)
{
	uint8_t b[128];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "pxelinux.0", "octet", "tsize", "0", "blksize",
			 "1432", "windowsize", "8", NULL);
	size_t ok_ends[8], n_ok = 0, nuls = 0;
	struct tftp_req r;

	/* Complete requests end after the 2nd (mode), 4th, 6th and 8th NUL. */
	for (size_t i = 2; i < n; i++)
		if (!b[i] && ++nuls >= 2 && nuls % 2 == 0)
			ok_ends[n_ok++] = i + 1;
	CHECK_EQ(n_ok, 4u);
	CHECK_EQ(ok_ends[n_ok - 1], n);

	for (size_t len = 0; len <= n; len++) {
		bool complete = false;
		int rc;

		for (size_t k = 0; k < n_ok; k++)
			complete |= ok_ends[k] == len;
		rc = parse(b, len, &r);
		CHECK_EQ(rc, complete ? (int)len : -EBADMSG);
	}
	CHECK_EQ(parse(b, ok_ends[1], &r), (int)ok_ends[1]);
	CHECK_EQ(r.opts, TFTP_OPT_TSIZE);
}

static void bad_values(void)
{
	static const char *const names[] = { "blksize", "tsize", "timeout", "windowsize" };
	static const char *const upper[] = { "BLKSIZE", "TSize", "TIMEOUT", "WindowSize" };
	static const char *const values[] = { "", "abc", "-1", "+1", " 1", "1 ", "0x10", "1.5",
					      "12a", "1e3", "\xb9", ":", "1/" };
	uint8_t b[64];
	struct tftp_req r;

	for (size_t i = 0; i < 4; i++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			const char *name = v % 2 ? upper[i] : names[i];
			size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", name, values[v],
					 NULL);

			CHECK_EQ(parse(b, n, &r), -ERANGE);
			CHECK(r.bad_option != NULL);
			if (r.bad_option)
				CHECK_STR(r.bad_option, names[i]);
		}
	}
}

static void values_saturate(void)
{
	uint8_t b[256];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "blksize", "99999999999999999999999",
		  "tsize", "18446744073709551616", "timeout", "4294967296", "windowsize",
		  "4294967295", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.blksize, UINT32_MAX);
	CHECK_EQ(r.tsize, UINT64_MAX);
	CHECK_EQ(r.timeout, UINT32_MAX);
	CHECK_EQ(r.windowsize, UINT32_MAX);

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize", "18446744073709551615",
		  "blksize", "4294967294", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.tsize, UINT64_MAX);
	CHECK_EQ(r.blksize, UINT32_MAX - 1);

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize", "18446744073709551614", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.tsize, UINT64_MAX - 1);

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize",
		  "0000000000000000000000000000000000000000000000000000000001432", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.tsize, 1432u);
}

static void duplicate_options(void)
{
	static const char *const names[] = { "blksize", "tsize", "timeout", "windowsize" };
	uint8_t b[128];
	struct tftp_req r;

	for (size_t i = 0; i < 4; i++) {
		size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", names[i], "8", "tsize",
				 i == 1 ? "9" : "0", names[i], "8", NULL);

		CHECK_EQ(parse(b, n, &r), -ERANGE);
		CHECK(r.bad_option && !strcmp(r.bad_option, names[i]));
	}
}

static void duplicate_options_differing_case(void)
{
	uint8_t b[128];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "BLKSIZE", "1432", "blksize", "512", NULL);
	CHECK_EQ(parse(b, n, &r), -ERANGE);
	CHECK(r.bad_option && !strcmp(r.bad_option, "blksize"));

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "WindowSize", "4", "windowSIZE", "4",
		  NULL);
	CHECK_EQ(parse(b, n, &r), -ERANGE);
	CHECK(r.bad_option && !strcmp(r.bad_option, "windowsize"));
}

static void unknown_options_ignored(void)
{
	uint8_t b[256];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "multicast", "", "rollover", "0",
		  "utimeout", "abc", "blksize", "1468", "x", "-1", "blksize2", "x", "tsiz", "",
		  "rollover", "1", NULL);
	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(r.opts, TFTP_OPT_BLKSIZE);
	CHECK_EQ(r.blksize, 1468u);
	CHECK(r.bad_option == NULL);
}

static void trailing_nul_padding(void)
{
	uint8_t b[128];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", NULL);
	memset(b + n, 0, 1);
	CHECK_EQ(parse(b, n + 1, &r), (int)n + 1);
	memset(b + n, 0, 40);
	CHECK_EQ(parse(b, n + 40, &r), (int)n + 40);

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize", "0", "blksize", "1408", NULL);
	memset(b + n, 0, 8);
	CHECK_EQ(parse(b, n + 8, &r), (int)n + 8);
	CHECK_EQ(r.opts, TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE);
	CHECK_EQ(r.blksize, 1408u);
}

static void trailing_garbage(void)
{
	uint8_t b[128];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", NULL);
	memcpy(b + n, "junk", 4);
	CHECK_EQ(parse(b, n + 4, &r), -EBADMSG);

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "blksize", "512", NULL);
	b[n] = 'x';
	CHECK_EQ(parse(b, n + 1, &r), -EBADMSG);

	/* Padding must be the end: an option after it is not one. */
	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "", "blksize", "512", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "", "", NULL);
	b[n] = 0xff;
	CHECK_EQ(parse(b, n + 1, &r), -EBADMSG);
}

static void ebadmsg_wins_over_erange(void)
{
	uint8_t b[128];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "blksize", "abc", "tsize", NULL);
	CHECK_EQ(parse(b, n, &r), -EBADMSG);
	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "blksize", "1", "blksize", "2", NULL);
	b[n] = 'x';
	CHECK_EQ(parse(b, n + 1, &r), -EBADMSG);
}

static void first_bad_option_named(void)
{
	uint8_t b[128];
	struct tftp_req r;
	size_t n;

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "timeout", "x", "blksize", "y", NULL);
	CHECK_EQ(parse(b, n, &r), -ERANGE);
	CHECK(r.bad_option && !strcmp(r.bad_option, "timeout"));

	n = mkreq(b, sizeof(b), TFTP_RRQ, "f", "octet", "tsize", "0", "tsize", "0", "windowsize",
		  "", NULL);
	CHECK_EQ(parse(b, n, &r), -ERANGE);
	CHECK(r.bad_option && !strcmp(r.bad_option, "tsize"));
}

static void packet_data(void)
{
	static const uint8_t d[] = { 0, 3, 0x12, 0x34, 'h', 'i', 0, 0xff };
	struct tftp_pkt p;

	CHECK_EQ(tftp_parse_packet(d, sizeof(d), &p), (int)sizeof(d));
	CHECK_EQ(p.opcode, TFTP_DATA);
	CHECK_EQ(p.block, 0x1234);
	CHECK(p.data == d + 4);
	CHECK_EQ(p.data_len, 4u);

	/* The last block of a file that is a multiple of the block size is empty. */
	CHECK_EQ(tftp_parse_packet(d, 4, &p), 4);
	CHECK_EQ(p.data_len, 0u);
}

static void packet_ack(void)
{
	static const uint8_t a[] = { 0, 4, 0xff, 0xfe, 0, 0, 0, 0 };
	struct tftp_pkt p;

	CHECK_EQ(tftp_parse_packet(a, 4, &p), 4);
	CHECK_EQ(p.opcode, TFTP_ACK);
	CHECK_EQ(p.block, 0xfffe);
	CHECK_EQ(tftp_parse_packet(a, sizeof(a), &p), (int)sizeof(a));
	CHECK_EQ(p.block, 0xfffe);
	CHECK_EQ(p.data_len, 0u);
}

static void packet_error(void)
{
	static const uint8_t e[] = { 0, 5, 0, 8, 'n', 'o', 0 };
	static const uint8_t e_nonul[] = { 0, 5, 0, 2, 'd', 'e', 'n', 'y' };
	struct tftp_pkt p;

	CHECK_EQ(tftp_parse_packet(e, sizeof(e), &p), (int)sizeof(e));
	CHECK_EQ(p.opcode, TFTP_ERROR);
	CHECK_EQ(p.errcode, TFTP_EOPTNEG);
	CHECK(p.data == e + 4);
	CHECK_EQ(p.data_len, 2u);

	CHECK_EQ(tftp_parse_packet(e_nonul, sizeof(e_nonul), &p), (int)sizeof(e_nonul));
	CHECK_EQ(p.errcode, TFTP_EACCESS);
	CHECK_EQ(p.data_len, 4u);
	CHECK_MEM(p.data, "deny", 4);

	CHECK_EQ(tftp_parse_packet(e, 4, &p), 4);
	CHECK_EQ(p.data_len, 0u);
}

static void packet_short_or_bad_opcode(void)
{
	static const uint16_t ok_ops[] = { TFTP_DATA, TFTP_ACK, TFTP_ERROR };
	static const uint16_t bad_ops[] = { 0, TFTP_RRQ, TFTP_WRQ, TFTP_OACK, 7, 0x0300, 0xffff };
	uint8_t b[8] = { 0 };
	struct tftp_pkt p;

	for (size_t i = 0; i < 3; i++) {
		put_be16(b, ok_ops[i]);
		for (size_t len = 0; len < 4; len++)
			CHECK_EQ(tftp_parse_packet(b, len, &p), -EBADMSG);
		CHECK_EQ(tftp_parse_packet(b, 4, &p), 4);
	}
	for (size_t i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		put_be16(b, bad_ops[i]);
		CHECK_EQ(tftp_parse_packet(b, sizeof(b), &p), -EBADMSG);
	}
}

static const struct tftp_limits lim_pxe = { .max_blksize = 1468, .max_windowsize = 64 };
static const struct tftp_limits lim_none = { 0 };

static void negotiate_defaults(void)
{
	struct tftp_req r = { .opcode = TFTP_RRQ };
	struct tftp_params p;

	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 12345, &p), 0);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_DEFAULT);
	CHECK_EQ(p.timeout, 0u);
	CHECK_EQ(p.windowsize, 1u);
	CHECK_EQ(p.tsize, 12345u);
	CHECK_EQ(p.ack_opts, 0u);
}

static void negotiate_blksize(void)
{
	struct tftp_req r = { .opts = TFTP_OPT_BLKSIZE };
	struct tftp_params p;

	r.blksize = 1432;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
	CHECK_EQ(p.blksize, 1432u);
	CHECK_EQ(p.ack_opts, TFTP_OPT_BLKSIZE);

	r.blksize = 8;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
	CHECK_EQ(p.blksize, 8u);

	r.blksize = 65464;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
	CHECK_EQ(p.blksize, 1468u);
	CHECK_EQ(p.ack_opts, TFTP_OPT_BLKSIZE);

	r.blksize = UINT32_MAX;
	CHECK_EQ(tftp_negotiate(&r, &lim_none, 0, &p), 0);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_MAX);
	r.blksize = 65465;
	CHECK_EQ(tftp_negotiate(&r, &lim_none, 0, &p), 0);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_MAX);

	/* A configured limit above the protocol's is not a licence to exceed it. */
	r.blksize = 70000;
	CHECK_EQ(tftp_negotiate(&r, &(struct tftp_limits){ .max_blksize = 100000 }, 0, &p), 0);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_MAX);
}

static void negotiate_blksize_refused(void)
{
	static const uint32_t bad[] = { 0, 1, 7 };
	struct tftp_req r = { .opts = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE };
	struct tftp_params p;

	for (size_t i = 0; i < 3; i++) {
		r.blksize = bad[i];
		CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), -ERANGE);
		CHECK_EQ(p.ack_opts, TFTP_OPT_BLKSIZE);
	}
}

static void negotiate_limit_below_minimum(void)
{
	struct tftp_req r = { .opts = TFTP_OPT_BLKSIZE, .blksize = 512 };
	struct tftp_params p;

	CHECK_EQ(tftp_negotiate(&r, &(struct tftp_limits){ .max_blksize = 4 }, 0, &p), 0);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_MIN);
}

static void negotiate_timeout(void)
{
	static const uint32_t good[] = { 1, 5, 255 };
	static const uint32_t bad[] = { 0, 256, UINT32_MAX };
	struct tftp_req r = { .opts = TFTP_OPT_TIMEOUT };
	struct tftp_params p;

	for (size_t i = 0; i < 3; i++) {
		r.timeout = good[i];
		CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
		CHECK_EQ(p.timeout, good[i]);
		CHECK_EQ(p.ack_opts, TFTP_OPT_TIMEOUT);
		r.timeout = bad[i];
		CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), -ERANGE);
		CHECK_EQ(p.ack_opts, TFTP_OPT_TIMEOUT);
	}
}

static void negotiate_windowsize(void)
{
	struct tftp_req r = { .opts = TFTP_OPT_WINDOWSIZE };
	struct tftp_params p;

	r.windowsize = 16;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
	CHECK_EQ(p.windowsize, 16u);
	CHECK_EQ(p.ack_opts, TFTP_OPT_WINDOWSIZE);

	r.windowsize = 100;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), 0);
	CHECK_EQ(p.windowsize, 64u);

	r.windowsize = UINT32_MAX;
	CHECK_EQ(tftp_negotiate(&r, &lim_none, 0, &p), 0);
	CHECK_EQ(p.windowsize, TFTP_WINDOW_MAX);

	r.windowsize = 0;
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 0, &p), -ERANGE);
	CHECK_EQ(p.ack_opts, TFTP_OPT_WINDOWSIZE);
}

static void negotiate_tsize(void)
{
	struct tftp_req r = { .opcode = TFTP_RRQ, .opts = TFTP_OPT_TSIZE, .tsize = 0 };
	struct tftp_params p;

	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 26140, &p), 0);
	CHECK_EQ(p.tsize, 26140u);
	CHECK_EQ(p.ack_opts, TFTP_OPT_TSIZE);
	CHECK_EQ(p.blksize, TFTP_BLKSIZE_DEFAULT);
}

/* From the bytes an iPXE client sends to the OACK the server answers with. */
static void negotiate_end_to_end(void)
{
	static const uint8_t want[] = { 0, 6, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '1', '4', '6',
					'8', 0, 't', 's', 'i', 'z', 'e', 0, '9', '9', '9', 0 };
	uint8_t b[128], o[128];
	size_t n = mkreq(b, sizeof(b), TFTP_RRQ, "ipxe.efi", "octet", "blksize", "1500", "tsize",
			 "0", NULL);
	struct tftp_params p;
	struct tftp_req r;

	CHECK_EQ(parse(b, n, &r), (int)n);
	CHECK_EQ(tftp_negotiate(&r, &lim_pxe, 999, &p), 0);
	CHECK_EQ(tftp_build_oack(o, sizeof(o), &p), sizeof(want));
	CHECK_MEM(o, want, sizeof(want));
}

static void oack_bytes_all(void)
{
	static const uint8_t want[] = "\x00\x06"
				      "blksize\0" "1432\0"
				      "tsize\0" "18446744073709551615\0"
				      "timeout\0" "255\0"
				      "windowsize\0" "65535";
	struct tftp_params p = {
		.blksize = 1432,
		.tsize = UINT64_MAX,
		.timeout = 255,
		.windowsize = 65535,
		.ack_opts = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
			    TFTP_OPT_WINDOWSIZE,
	};
	uint8_t o[128];

	/* sizeof(want) counts the literal's own NUL, which is the last value's terminator. */
	CHECK_EQ(tftp_build_oack(o, sizeof(o), &p), sizeof(want));
	CHECK_MEM(o, want, sizeof(want));
}

static void oack_order_and_subset(void)
{
	static const uint8_t want[] = "\x00\x06"
				      "tsize\0" "0\0"
				      "windowsize\0" "8";
	struct tftp_params p = {
		.blksize = 9999,
		.timeout = 7,
		.windowsize = 8,
		.ack_opts = TFTP_OPT_WINDOWSIZE | TFTP_OPT_TSIZE,
	};
	uint8_t o[64];

	CHECK_EQ(tftp_build_oack(o, sizeof(o), &p), sizeof(want));
	CHECK_MEM(o, want, sizeof(want));

	p.ack_opts = 0;
	CHECK_EQ(tftp_build_oack(o, sizeof(o), &p), 0u);
}

static void oack_small_cap(void)
{
	struct tftp_params p = {
		.blksize = 1408,
		.tsize = 123456789,
		.ack_opts = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE,
	};
	uint8_t o[64];
	size_t full = tftp_build_oack(o, sizeof(o), &p);

	CHECK_EQ(full, 2u + 8 + 5 + 6 + 10);
	CHECK_EQ(tftp_build_oack(o, full, &p), full);
	for (size_t cap = 0; cap < full; cap++) {
		uint8_t *tight = malloc(cap ? cap : 1);

		CHECK_EQ(tftp_build_oack(tight, cap, &p), 0u);
		free(tight);
	}
}

static void error_bytes(void)
{
	static const uint8_t want[] = "\x00\x05\x00\x01"
				      "File not found";
	uint8_t o[64];

	CHECK_EQ(tftp_build_error(o, sizeof(o), TFTP_ENOTFOUND, "File not found"), sizeof(want));
	CHECK_MEM(o, want, sizeof(want));
	CHECK_EQ(tftp_build_error(o, sizeof(o), TFTP_ENOTFOUND, NULL), sizeof(want));
	CHECK_MEM(o, want, sizeof(want));
}

static void error_truncated(void)
{
	static const uint8_t want[] = "\x00\x05\x00\x08"
				      "blksi";
	uint8_t o[64];

	CHECK_EQ(tftp_build_error(o, sizeof(want), TFTP_EOPTNEG, "blksize out of range"),
		 sizeof(want));
	CHECK_MEM(o, want, sizeof(want));

	/* Room for the header and the NUL only: an empty message is still a valid packet. */
	CHECK_EQ(tftp_build_error(o, 5, TFTP_EBADOP, "x"), 5u);
	CHECK_MEM(o, "\x00\x05\x00\x04\x00", 5);
	for (size_t cap = 0; cap < 5; cap++)
		CHECK_EQ(tftp_build_error(o, cap, TFTP_EBADOP, "x"), 0u);
}

static void ack_and_data_hdr(void)
{
	uint8_t o[8];

	CHECK_EQ(tftp_build_ack(o, sizeof(o), 0xabcd), 4u);
	CHECK_MEM(o, "\x00\x04\xab\xcd", 4);
	CHECK_EQ(tftp_build_data_hdr(o, 4, 1), 4u);
	CHECK_MEM(o, "\x00\x03\x00\x01", 4);
	for (size_t cap = 0; cap < 4; cap++) {
		CHECK_EQ(tftp_build_ack(o, cap, 1), 0u);
		CHECK_EQ(tftp_build_data_hdr(o, cap, 1), 0u);
	}
}

static void errmsg_strings(void)
{
	CHECK_STR(tftp_errmsg(TFTP_EUNDEF), "Undefined error");
	CHECK_STR(tftp_errmsg(TFTP_ENOTFOUND), "File not found");
	CHECK_STR(tftp_errmsg(TFTP_EACCESS), "Access violation");
	CHECK_STR(tftp_errmsg(TFTP_ENOSPACE), "Disk full or allocation exceeded");
	CHECK_STR(tftp_errmsg(TFTP_EBADOP), "Illegal TFTP operation");
	CHECK_STR(tftp_errmsg(TFTP_EBADID), "Unknown transfer ID");
	CHECK_STR(tftp_errmsg(TFTP_EEXISTS), "File already exists");
	CHECK_STR(tftp_errmsg(TFTP_ENOUSER), "No such user");
	CHECK_STR(tftp_errmsg(TFTP_EOPTNEG), "Option negotiation failed");
	CHECK_STR(tftp_errmsg(9), "Undefined error");
	CHECK_STR(tftp_errmsg(0xffff), "Undefined error");
}

static void netascii_encode_bytes(void)
{
	static const uint8_t in[] = "a\nb\rc\r\n\n";
	static const uint8_t want[] = "a\r\nb\r\0c\r\0\r\n\r\n";
	uint8_t o[32];
	size_t n = sizeof(in) - 1;

	CHECK_EQ(tftp_netascii_encoded_len(in, n), sizeof(want) - 1);
	CHECK_EQ(tftp_netascii_encode(in, n, o), sizeof(want) - 1);
	CHECK_MEM(o, want, sizeof(want) - 1);
	CHECK_EQ(tftp_netascii_encoded_len(in, 0), 0u);
}

static void netascii_decode_bytes(void)
{
	static const uint8_t in[] = "a\r\nb\r\0c\n\0";
	static const uint8_t want[] = "a\nb\rc\n\0";
	struct tftp_nadec st = { 0 };
	uint8_t o[32];

	CHECK_EQ(tftp_netascii_decode(&st, in, sizeof(in) - 1, o), sizeof(want) - 1);
	CHECK_MEM(o, want, sizeof(want) - 1);
	CHECK(!st.pending_cr);
	CHECK_EQ(tftp_netascii_decode_end(&st, o), 0u);
}

static void netascii_cr_at_packet_boundary(void)
{
	struct tftp_nadec st = { 0 };
	uint8_t o[8];

	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"ab\r", 3, o), 2u);
	CHECK_MEM(o, "ab", 2);
	CHECK(st.pending_cr);
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\n", 1, o), 1u);
	CHECK_EQ(o[0], '\n');

	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\r", 1, o), 0u);
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\0z", 2, o), 2u);
	CHECK_MEM(o, "\rz", 2);

	/* An empty packet keeps the carried CR. */
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\r", 1, o), 0u);
	CHECK_EQ(tftp_netascii_decode(&st, o, 0, o), 0u);
	CHECK(st.pending_cr);
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\n", 1, o), 1u);
	CHECK(!st.pending_cr);
}

static void netascii_cr_then_other(void)
{
	struct tftp_nadec st = { 0 };
	uint8_t o[8];

	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\rx", 2, o), 2u);
	CHECK_MEM(o, "\rx", 2);
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\r\r\n", 3, o), 2u);
	CHECK_MEM(o, "\r\n", 2);

	/* The carried CR plus a foreign byte: @len + 1 bytes out, the documented bound. */
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"\r", 1, o), 0u);
	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"y", 1, o), 2u);
	CHECK_MEM(o, "\ry", 2);
}

static void netascii_decode_end_flushes(void)
{
	struct tftp_nadec st = { 0 };
	uint8_t o[4] = { 0 };

	CHECK_EQ(tftp_netascii_decode(&st, (const uint8_t *)"q\r", 2, o), 1u);
	CHECK_EQ(tftp_netascii_decode_end(&st, o), 1u);
	CHECK_EQ(o[0], '\r');
	CHECK(!st.pending_cr);
	CHECK_EQ(tftp_netascii_decode_end(&st, o), 0u);
}

/* Decodes @enc cut into packets at @cut (and at every @step after it) and compares to @want. */
static void check_roundtrip_cut(const uint8_t *want, size_t want_len, const uint8_t *enc,
				size_t enc_len, size_t cut, size_t step)
{
	struct tftp_nadec st = { 0 };
	uint8_t out[128];
	size_t o, pos = cut;

	o = tftp_netascii_decode(&st, enc, cut, out);
	while (pos < enc_len) {
		size_t end = pos + step > enc_len ? enc_len : pos + step;

		o += tftp_netascii_decode(&st, enc + pos, end - pos, out + o);
		pos = end;
	}
	o += tftp_netascii_decode_end(&st, out + o);
	CHECK_EQ(o, want_len);
	CHECK_MEM(out, want, want_len);
}

static void netascii_roundtrip_every_cut(void)
{
	static const uint8_t texts[][24] = {
		"line 1\nline 2\r\n\r",
		"\r\r\n\n\r\0\r",
		"no specials",
		"\n",
		"\r",
	};
	uint8_t enc[64];

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		/* The second text holds a NUL, so its length is fixed, not strlen(). */
		size_t len = t == 1 ? 7 : strlen((const char *)texts[t]);
		size_t enc_len = tftp_netascii_encode(texts[t], len, enc);

		CHECK_EQ(enc_len, tftp_netascii_encoded_len(texts[t], len));
		for (size_t cut = 0; cut <= enc_len; cut++)
			check_roundtrip_cut(texts[t], len, enc, enc_len, cut, enc_len);
		check_roundtrip_cut(texts[t], len, enc, enc_len, 1, 1);
	}
}

static void netascii_roundtrip_all_bytes(void)
{
	uint8_t in[256], enc[512], out[512];
	struct tftp_nadec st = { 0 };
	size_t enc_len, o;

	for (size_t i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	enc_len = tftp_netascii_encode(in, sizeof(in), enc);
	CHECK_EQ(enc_len, 258u);
	o = tftp_netascii_decode(&st, enc, enc_len, out);
	o += tftp_netascii_decode_end(&st, out + o);
	CHECK_EQ(o, sizeof(in));
	CHECK_MEM(out, in, sizeof(in));
}

int main(void)
{
	RUN(rrq_minimal);
	RUN(wrq_modes_case_insensitive);
	RUN(bad_modes);
	RUN(bad_opcodes);
	RUN(too_short);
	RUN(empty_filename);
	RUN(filename_length_limit);
	RUN(missing_nul);
	RUN(all_options);
	RUN(each_option_alone);
	RUN(option_names_case_insensitive);
	RUN(option_without_value);
	RUN(truncated_prefixes);
	RUN(bad_values);
	RUN(values_saturate);
	RUN(duplicate_options);
	RUN(duplicate_options_differing_case);
	RUN(unknown_options_ignored);
	RUN(trailing_nul_padding);
	RUN(trailing_garbage);
	RUN(ebadmsg_wins_over_erange);
	RUN(first_bad_option_named);
	RUN(packet_data);
	RUN(packet_ack);
	RUN(packet_error);
	RUN(packet_short_or_bad_opcode);
	RUN(negotiate_defaults);
	RUN(negotiate_blksize);
	RUN(negotiate_blksize_refused);
	RUN(negotiate_limit_below_minimum);
	RUN(negotiate_timeout);
	RUN(negotiate_windowsize);
	RUN(negotiate_tsize);
	RUN(negotiate_end_to_end);
	RUN(oack_bytes_all);
	RUN(oack_order_and_subset);
	RUN(oack_small_cap);
	RUN(error_bytes);
	RUN(error_truncated);
	RUN(ack_and_data_hdr);
	RUN(errmsg_strings);
	RUN(netascii_encode_bytes);
	RUN(netascii_decode_bytes);
	RUN(netascii_cr_at_packet_boundary);
	RUN(netascii_cr_then_other);
	RUN(netascii_decode_end_flushes);
	RUN(netascii_roundtrip_every_cut);
	RUN(netascii_roundtrip_all_bytes);
	return check_done();
}
