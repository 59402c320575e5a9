// SPDX-License-Identifier: MIT
/*
 * TFTP wire format: request and packet parsers, option negotiation, packet builders and the
 * netascii codec. Everything here works on the caller's buffers and nothing else, so that the
 * unit tests and the fuzzer can drive it without a socket.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/ascii.h"
#include "proto/tftp_wire.h"

#define CR '\r'
#define LF '\n'

struct tftp_opt_desc {
	const char *name;
	size_t name_len;
	unsigned bit;
};

static const struct tftp_opt_desc tftp_opt_descs[] = {
	{ "blksize", sizeof("blksize") - 1, TFTP_OPT_BLKSIZE },
	{ "tsize", sizeof("tsize") - 1, TFTP_OPT_TSIZE },
	{ "timeout", sizeof("timeout") - 1, TFTP_OPT_TIMEOUT },
	{ "windowsize", sizeof("windowsize") - 1, TFTP_OPT_WINDOWSIZE },
};

static const char *const tftp_errmsgs[] = {
	[TFTP_EUNDEF] = "Undefined error",
	[TFTP_ENOTFOUND] = "File not found",
	[TFTP_EACCESS] = "Access violation",
	[TFTP_ENOSPACE] = "Disk full or allocation exceeded",
	[TFTP_EBADOP] = "Illegal TFTP operation",
	[TFTP_EBADID] = "Unknown transfer ID",
	[TFTP_EEXISTS] = "File already exists",
	[TFTP_ENOUSER] = "No such user",
	[TFTP_EOPTNEG] = "Option negotiation failed",
};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Takes the NUL-terminated string at *pos. A string that runs to the end of the packet without
 * its NUL is malformed, not "partial": a UDP datagram never continues.
 */
static int next_str(const uint8_t *buf, size_t len, size_t *pos, const char **s, size_t *s_len)
{
	const uint8_t *nul;

	if (*pos >= len)
		return -EBADMSG;
	nul = memchr(buf + *pos, 0, len - *pos);
	if (!nul)
		return -EBADMSG;
	*s = (const char *)(buf + *pos);
	*s_len = (size_t)(nul - (buf + *pos));
	*pos += *s_len + 1;
	return 0;
}

/* Digits only; saturates so that a huge value reads as "too big" rather than wrapping small. */
static int parse_decimal(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -ERANGE;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -ERANGE;
		if (v > (UINT64_MAX - d) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static uint32_t sat_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static const struct tftp_opt_desc *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(tftp_opt_descs) / sizeof(tftp_opt_descs[0]); i++) {
		const struct tftp_opt_desc *d = &tftp_opt_descs[i];

		if (ascii_caseeq(name, len, d->name, d->name_len))
			return d;
	}
	return NULL;
}

static void store_opt(struct tftp_req *out, unsigned bit, uint64_t v)
{
	switch (bit) {
	case TFTP_OPT_BLKSIZE:
		out->blksize = sat_u32(v);
		break;
	case TFTP_OPT_TSIZE:
		out->tsize = v;
		break;
	case TFTP_OPT_TIMEOUT:
		out->timeout = sat_u32(v);
		break;
	case TFTP_OPT_WINDOWSIZE:
		out->windowsize = sat_u32(v);
		break;
	}
}

/*
 * The whole packet is checked for structure before a bad option value is reported: a malformed
 * packet gets error 4 even when it also carries a bad value, so -EBADMSG wins over -ERANGE, and
 * between two bad values the first one in the packet is named.
 */
int tftp_parse_request(const uint8_t *buf, size_t len, struct tftp_req *out)
{
	const char *s, *val, *bad = NULL;
	size_t s_len, val_len, pos = 2;
	unsigned seen = 0;
	uint16_t opcode;

	memset(out, 0, sizeof(*out));
	if (len < 2 || len > INT_MAX)
		return -EBADMSG;
	opcode = get_be16(buf);
	if (opcode != TFTP_RRQ && opcode != TFTP_WRQ)
		return -EBADMSG;
	out->opcode = opcode;

	if (next_str(buf, len, &pos, &s, &s_len) || !s_len || s_len > TFTP_FILENAME_MAX)
		return -EBADMSG;
	out->filename = s;
	out->filename_len = s_len;

	if (next_str(buf, len, &pos, &s, &s_len))
		return -EBADMSG;
	if (ascii_caseeq(s, s_len, "octet", sizeof("octet") - 1))
		out->mode = TFTP_MODE_OCTET;
	else if (ascii_caseeq(s, s_len, "netascii", sizeof("netascii") - 1))
		out->mode = TFTP_MODE_NETASCII;
	else
		return -EBADMSG;

	while (pos < len) {
		const struct tftp_opt_desc *d;
		uint64_t v;

		/*
		 * An empty name can only be padding: some clients round the packet up with NULs.
		 * Anything after it but more NULs is garbage.
		 */
		if (!buf[pos]) {
			while (pos < len && !buf[pos])
				pos++;
			if (pos < len)
				return -EBADMSG;
			break;
		}
		if (next_str(buf, len, &pos, &s, &s_len) ||
		    next_str(buf, len, &pos, &val, &val_len))
			return -EBADMSG;
		d = find_opt(s, s_len);
		if (!d || bad)
			continue;
		if (seen & d->bit) {
			bad = d->name;
			continue;
		}
		seen |= d->bit;
		if (parse_decimal(val, val_len, &v)) {
			bad = d->name;
			continue;
		}
		out->opts |= d->bit;
		store_opt(out, d->bit, v);
	}

	if (bad) {
		out->bad_option = bad;
		return -ERANGE;
	}
	return (int)len;
}

int tftp_parse_packet(const uint8_t *buf, size_t len, struct tftp_pkt *out)
{
	memset(out, 0, sizeof(*out));
	if (len < TFTP_HDR_LEN || len > INT_MAX)
		return -EBADMSG;
	out->opcode = get_be16(buf);
	switch (out->opcode) {
	case TFTP_DATA:
		out->block = get_be16(buf + 2);
		out->data = buf + TFTP_HDR_LEN;
		out->data_len = len - TFTP_HDR_LEN;
		break;
	case TFTP_ACK:
		/* Some clients pad ACKs; the block number is all that matters. */
		out->block = get_be16(buf + 2);
		break;
	case TFTP_ERROR: {
		const uint8_t *nul;

		out->errcode = get_be16(buf + 2);
		out->data = buf + TFTP_HDR_LEN;
		/* data_len stops at the NUL, so the caller can print it with "%.*s" either way. */
		nul = memchr(out->data, 0, len - TFTP_HDR_LEN);
		out->data_len = nul ? (size_t)(nul - out->data) : len - TFTP_HDR_LEN;
		break;
	}
	default:
		return -EBADMSG;
	}
	return (int)len;
}

/* A limit of 0 means "no limit of our own"; a limit beyond what the protocol allows is not one. */
static uint32_t effective_limit(uint32_t lim, uint32_t proto_min, uint32_t proto_max)
{
	if (!lim || lim > proto_max)
		return proto_max;
	return lim < proto_min ? proto_min : lim;
}

int tftp_negotiate(const struct tftp_req *req, const struct tftp_limits *lim, uint64_t tsize,
		   struct tftp_params *out)
{
	*out = (struct tftp_params){
		.blksize = TFTP_BLKSIZE_DEFAULT,
		.timeout = 0,
		.windowsize = 1,
		.tsize = tsize,
		.ack_opts = 0,
	};

	if (req->opts & TFTP_OPT_BLKSIZE) {
		uint32_t max = effective_limit(lim->max_blksize, TFTP_BLKSIZE_MIN,
					       TFTP_BLKSIZE_MAX);

		if (req->blksize < TFTP_BLKSIZE_MIN)
			goto refuse_blksize;
		out->blksize = req->blksize > max ? max : req->blksize;
		out->ack_opts |= TFTP_OPT_BLKSIZE;
	}
	if (req->opts & TFTP_OPT_TSIZE)
		out->ack_opts |= TFTP_OPT_TSIZE;
	if (req->opts & TFTP_OPT_TIMEOUT) {
		/* RFC 2349: the server may not change the timeout, only accept or refuse it. */
		if (req->timeout < TFTP_TIMEOUT_MIN || req->timeout > TFTP_TIMEOUT_MAX)
			goto refuse_timeout;
		out->timeout = req->timeout;
		out->ack_opts |= TFTP_OPT_TIMEOUT;
	}
	if (req->opts & TFTP_OPT_WINDOWSIZE) {
		uint32_t max = effective_limit(lim->max_windowsize, TFTP_WINDOW_MIN,
					       TFTP_WINDOW_MAX);

		if (req->windowsize < TFTP_WINDOW_MIN)
			goto refuse_windowsize;
		out->windowsize = req->windowsize > max ? max : req->windowsize;
		out->ack_opts |= TFTP_OPT_WINDOWSIZE;
	}
	return 0;

	/* ack_opts then names the refused option, since req->bad_option is the caller's to set. */
refuse_blksize:
	out->ack_opts = TFTP_OPT_BLKSIZE;
	return -ERANGE;
refuse_timeout:
	out->ack_opts = TFTP_OPT_TIMEOUT;
	return -ERANGE;
refuse_windowsize:
	out->ack_opts = TFTP_OPT_WINDOWSIZE;
	return -ERANGE;
}

/* Appends "name\0value\0" at *pos, or returns false without a partial write beyond cap. */
static bool put_opt(uint8_t *buf, size_t cap, size_t *pos, const char *name, size_t name_len,
		    uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);

	if (cap - *pos < name_len + 1 + n + 1)
		return false;
	memcpy(buf + *pos, name, name_len + 1);
	*pos += name_len + 1;
	while (n)
		buf[(*pos)++] = (uint8_t)digits[--n];
	buf[(*pos)++] = 0;
	return true;
}

/*
 * An OACK without options is not a packet RFC 2347 knows, so nothing acknowledged means
 * nothing to send (0), as does too small a buffer.
 */
static uint64_t param_value(const struct tftp_params *p, unsigned bit)
{
	switch (bit) {
	case TFTP_OPT_BLKSIZE:
		return p->blksize;
	case TFTP_OPT_TSIZE:
		return p->tsize;
	case TFTP_OPT_TIMEOUT:
		return p->timeout;
	default:
		return p->windowsize;
	}
}

size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_params *p)
{
	size_t pos = 2;

	if (!(p->ack_opts & (TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
			     TFTP_OPT_WINDOWSIZE)) || cap < 2)
		return 0;
	put_be16(buf, TFTP_OACK);
	/* tftp_opt_descs is in the order clients and captures expect: blksize, tsize, ... */
	for (size_t i = 0; i < sizeof(tftp_opt_descs) / sizeof(tftp_opt_descs[0]); i++) {
		const struct tftp_opt_desc *d = &tftp_opt_descs[i];

		if ((p->ack_opts & d->bit) &&
		    !put_opt(buf, cap, &pos, d->name, d->name_len, param_value(p, d->bit)))
			return 0;
	}
	return pos;
}

/* A NULL @msg sends the standard text for @code; a long one is cut to fit, never dropped. */
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t msg_len;

	if (cap < TFTP_HDR_LEN + 1)
		return 0;
	if (!msg)
		msg = tftp_errmsg(code);
	msg_len = strnlen(msg, cap - TFTP_HDR_LEN - 1);
	put_be16(buf, TFTP_ERROR);
	put_be16(buf + 2, code);
	memcpy(buf + TFTP_HDR_LEN, msg, msg_len);
	buf[TFTP_HDR_LEN + msg_len] = 0;
	return TFTP_HDR_LEN + msg_len + 1;
}

static size_t build_hdr(uint8_t *buf, size_t cap, uint16_t opcode, uint16_t block)
{
	if (cap < TFTP_HDR_LEN)
		return 0;
	put_be16(buf, opcode);
	put_be16(buf + 2, block);
	return TFTP_HDR_LEN;
}

size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	return build_hdr(buf, cap, TFTP_ACK, block);
}

size_t tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block)
{
	return build_hdr(buf, cap, TFTP_DATA, block);
}

const char *tftp_errmsg(uint16_t code)
{
	if (code >= sizeof(tftp_errmsgs) / sizeof(tftp_errmsgs[0]))
		return tftp_errmsgs[TFTP_EUNDEF];
	return tftp_errmsgs[code];
}

size_t tftp_netascii_encoded_len(const uint8_t *in, size_t len)
{
	size_t n = len;

	for (size_t i = 0; i < len; i++)
		n += in[i] == LF || in[i] == CR;
	return n;
}

size_t tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		switch (in[i]) {
		case LF:
			out[o++] = CR;
			out[o++] = LF;
			break;
		case CR:
			out[o++] = CR;
			out[o++] = 0;
			break;
		default:
			out[o++] = in[i];
		}
	}
	return o;
}

/*
 * A CR followed by anything but LF or NUL breaks the encoding; keeping both bytes loses nothing
 * the sender meant, where dropping either would.
 */
size_t tftp_netascii_decode(struct tftp_nadec *st, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (st->pending_cr) {
			st->pending_cr = false;
			if (c == LF) {
				out[o++] = LF;
				continue;
			}
			out[o++] = CR;
			if (c == 0)
				continue;
		}
		if (c == CR)
			st->pending_cr = true;
		else
			out[o++] = c;
	}
	return o;
}

size_t tftp_netascii_decode_end(struct tftp_nadec *st, uint8_t *out)
{
	if (!st->pending_cr)
		return 0;
	st->pending_cr = false;
	out[0] = CR;
	return 1;
}
