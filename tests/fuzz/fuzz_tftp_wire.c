// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for the TFTP wire module: the request and packet parsers, negotiation and
 * the OACK/ERROR builders on whatever parses, and the netascii codec, which must give back what
 * it was given. Invariants are checked with __builtin_trap() so that they hold in any build.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/tftp_wire.c"



static void fuzz_request(const uint8_t *buf, size_t len)
{
	static const struct tftp_limits lims[] = {
		{ 0, 0 },
		{ 1468, 64 },
		{ 4, 100000 },
	};
	struct tftp_req req;
	int rc = tftp_parse_request(buf, len, &req);

	if (rc == -ERANGE) {
		ASSERT(req.bad_option != NULL);
		return;
	}
	if (rc < 0) {
		ASSERT(rc == -EBADMSG);
		return;
	}
	ASSERT((size_t)rc == len);
	ASSERT(req.opcode == TFTP_RRQ || req.opcode == TFTP_WRQ);
	ASSERT(req.filename_len >= 1 && req.filename_len <= TFTP_FILENAME_MAX);
	ASSERT((const uint8_t *)req.filename == buf + 2);
	ASSERT(req.filename[req.filename_len] == 0 && strlen(req.filename) == req.filename_len);
	ASSERT(req.bad_option == NULL);

	for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		struct tftp_params p;
		uint8_t oack[512];
		size_t n;

		rc = tftp_negotiate(&req, &lims[i], req.tsize, &p);
		if (rc) {
			ASSERT(rc == -ERANGE);
			ASSERT(p.ack_opts && !(p.ack_opts & (p.ack_opts - 1)));
			ASSERT(p.ack_opts & req.opts);
			continue;
		}
		ASSERT(p.ack_opts == req.opts);
		ASSERT(p.blksize >= TFTP_BLKSIZE_MIN && p.blksize <= TFTP_BLKSIZE_MAX);
		ASSERT(p.windowsize >= TFTP_WINDOW_MIN && p.windowsize <= TFTP_WINDOW_MAX);
		ASSERT(p.timeout <= TFTP_TIMEOUT_MAX);
		if (lims[i].max_blksize >= TFTP_BLKSIZE_MIN)
			ASSERT(p.blksize <= lims[i].max_blksize);
		if (lims[i].max_windowsize)
			ASSERT(p.windowsize <= lims[i].max_windowsize);

		n = tftp_build_oack(oack, sizeof(oack), &p);
		ASSERT(n <= sizeof(oack));
		ASSERT(!p.ack_opts == !n);
		if (n) {
			uint8_t *tight = malloc(n - 1);

			ASSERT(get_be16(oack) == TFTP_OACK && oack[n - 1] == 0);
			/* One byte short must not fit, nor write past its buffer. */
			ASSERT(tftp_build_oack(tight, n - 1, &p) == 0);
			free(tight);
		}
	}
}

static void fuzz_packet(const uint8_t *buf, size_t len)
{
	struct tftp_pkt pkt;
	int rc = tftp_parse_packet(buf, len, &pkt);

	if (rc < 0) {
		ASSERT(rc == -EBADMSG);
		return;
	}
	ASSERT((size_t)rc == len);
	ASSERT(pkt.opcode == TFTP_DATA || pkt.opcode == TFTP_ACK || pkt.opcode == TFTP_ERROR);
	if (pkt.data) {
		ASSERT(pkt.data >= buf + TFTP_HDR_LEN);
		ASSERT(pkt.data + pkt.data_len <= buf + len);
	}
	if (pkt.opcode == TFTP_ERROR) {
		uint8_t out[64];
		char *msg = malloc(pkt.data_len + 1);
		size_t n;

		/* Echo the message back through the builder, cut to a small packet. */
		memcpy(msg, pkt.data, pkt.data_len);
		msg[pkt.data_len] = 0;
		n = tftp_build_error(out, sizeof(out), pkt.errcode, msg);
		ASSERT(n >= TFTP_HDR_LEN + 1 && n <= sizeof(out) && out[n - 1] == 0);
		rc = tftp_parse_packet(out, n, &pkt);
		ASSERT(rc == (int)n && pkt.opcode == TFTP_ERROR);
		ASSERT(pkt.data_len == n - TFTP_HDR_LEN - 1);
		ASSERT(!memcmp(pkt.data, msg, pkt.data_len));
		free(msg);
	}
}

/* Decodes into buffers of exactly the documented bound, so ASan holds the codec to it. */
static size_t decode_chunk(struct tftp_nadec *st, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t *tmp = malloc(len + 1);
	size_t n = tftp_netascii_decode(st, in, len, tmp);

	ASSERT(n <= len + 1);
	memcpy(out, tmp, n);
	free(tmp);
	return n;
}

static void fuzz_netascii(const uint8_t *buf, size_t len)
{
	size_t enc_len = tftp_netascii_encoded_len(buf, len);
	uint8_t *enc = malloc(enc_len ? enc_len : 1);
	uint8_t *dec = malloc(enc_len + 2);
	struct tftp_nadec st = { 0 };
	size_t cut, n;

	ASSERT(enc_len >= len && enc_len <= 2 * len);
	ASSERT(tftp_netascii_encode(buf, len, enc) == enc_len);

	/* Split where the input says, so CRs at packet boundaries get exercised. */
	cut = len ? buf[0] % (enc_len + 1) : 0;
	n = decode_chunk(&st, enc, cut, dec);
	n += decode_chunk(&st, enc + cut, enc_len - cut, dec + n);
	n += tftp_netascii_decode_end(&st, dec + n);
	ASSERT(n == len);
	ASSERT(!memcmp(dec, buf, len));
	ASSERT(!st.pending_cr);

	/* Arbitrary bytes as netascii, possibly starting with a CR carried from a packet before. */
	st.pending_cr = len && (buf[len - 1] & 1);
	n = decode_chunk(&st, buf, len, dec);
	n += tftp_netascii_decode_end(&st, dec + n);
	ASSERT(n <= len + 1);

	free(dec);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size);

	/* An exact-size heap copy: libFuzzer's own buffer may have slack that hides over-reads. */
	memcpy(buf, data, size);
	fuzz_request(buf, size);
	fuzz_packet(buf, size);
	fuzz_netascii(buf, size);
	free(buf);
	return 0;
}
