/* SPDX-License-Identifier: MIT */
/*
 * TFTP wire format (RFC 1350) with option extension (RFC 2347), blksize (2348), timeout and
 * tsize (2349) and windowsize (7440). Pure code: no I/O, no globals. Parsers take (buf, len,
 * &out) and return the bytes consumed or a negative code; builders write into the caller's
 * buffer and return the length written, or 0 when it does not fit.
 */
#ifndef BOOTHERD_TFTP_WIRE_H
#define BOOTHERD_TFTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

enum tftp_errcode {
	TFTP_EUNDEF = 0,
	TFTP_ENOTFOUND = 1,
	TFTP_EACCESS = 2,
	TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4,
	TFTP_EBADID = 5,
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTNEG = 8,
};

enum tftp_mode {
	TFTP_MODE_OCTET = 0,
	TFTP_MODE_NETASCII = 1,
};

#define TFTP_BLKSIZE_DEFAULT 512u
#define TFTP_BLKSIZE_MIN     8u
#define TFTP_BLKSIZE_MAX     65464u
#define TFTP_TIMEOUT_MIN     1u
#define TFTP_TIMEOUT_MAX     255u
#define TFTP_WINDOW_MIN      1u
#define TFTP_WINDOW_MAX      65535u
#define TFTP_HDR_LEN         4u
#define TFTP_FILENAME_MAX    1024u

/* Options seen in a request (bits of tftp_req.opts and tftp_params.ack_opts). */
enum tftp_opt {
	TFTP_OPT_BLKSIZE = 1u << 0,
	TFTP_OPT_TSIZE = 1u << 1,
	TFTP_OPT_TIMEOUT = 1u << 2,
	TFTP_OPT_WINDOWSIZE = 1u << 3,
};

/*
 * Parse results besides a byte count. -EBADMSG: malformed (answer with error 4 where an answer
 * is due). -ERANGE: a known option has a bad value or appears twice (answer with error 8);
 * tftp_req.bad_option then names it.
 */
struct tftp_req {
	uint16_t opcode;        /* TFTP_RRQ or TFTP_WRQ */
	const char *filename;   /* points into the caller's buffer; NUL-terminated there */
	size_t filename_len;    /* 1..TFTP_FILENAME_MAX */
	enum tftp_mode mode;
	unsigned opts;          /* TFTP_OPT_* present with a well-formed value */
	uint32_t blksize;       /* as requested, saturated at UINT32_MAX */
	uint32_t timeout;       /* seconds, as requested */
	uint32_t windowsize;    /* as requested, saturated at UINT32_MAX */
	uint64_t tsize;         /* as requested */
	const char *bad_option; /* static name of the option behind -ERANGE */
};

/*
 * Parses an RRQ or WRQ. Option names and the mode are case-insensitive; unknown options are
 * skipped; values are decimal digits only; NUL padding after the last option is accepted.
 * Returns @len on success, -EBADMSG or -ERANGE. The whole packet is checked for structure
 * first, so a malformed packet gives -EBADMSG even if it also has a bad value; of two bad
 * values the first is named.
 */
int tftp_parse_request(const uint8_t *buf, size_t len, struct tftp_req *out);

/*
 * A packet received on a transfer's socket: DATA, ACK or ERROR (others are -EBADMSG). Bytes
 * after an ACK's block number are ignored. For ERROR, data_len stops before the message's NUL,
 * or at the end of the packet when it has none.
 */
struct tftp_pkt {
	uint16_t opcode;
	uint16_t block;         /* DATA and ACK */
	uint16_t errcode;       /* ERROR */
	const uint8_t *data;    /* DATA payload, or ERROR message (may lack its NUL) */
	size_t data_len;
};
int tftp_parse_packet(const uint8_t *buf, size_t len, struct tftp_pkt *out);

/* What the server accepts, from its configuration. */
struct tftp_limits {
	uint32_t max_blksize;
	uint32_t max_windowsize;
};

/* The outcome of option negotiation, and what goes in the OACK. */
struct tftp_params {
	uint32_t blksize;       /* TFTP_BLKSIZE_DEFAULT unless negotiated */
	uint32_t timeout;       /* seconds; 0 when not negotiated */
	uint32_t windowsize;    /* 1 unless negotiated */
	uint64_t tsize;
	unsigned ack_opts;      /* options to acknowledge; 0 means no OACK (plain RFC 1350) */
};

/*
 * Negotiates per RFC 2347-2349 and 7440: blksize and windowsize above the limits are lowered
 * to them (the server may answer with a smaller value); blksize below 8, windowsize 0 and a
 * timeout outside 1..255 give -ERANGE, and out->ack_opts then holds the single TFTP_OPT_* bit
 * of the refused option so that the caller can name it (@req is const: its bad_option is left
 * as it was). A limit of 0 means the protocol maximum. @tsize is the file size for an RRQ, or
 * the client's announced size for a WRQ. Returns 0 or -ERANGE.
 */
int tftp_negotiate(const struct tftp_req *req, const struct tftp_limits *lim, uint64_t tsize,
		   struct tftp_params *out);

/* Returns 0 also when p->ack_opts is 0: an OACK without options is no packet to send. */
size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_params *p);
/* A NULL @msg sends tftp_errmsg(@code); a long one is cut to fit, still NUL-terminated. */
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block);
/* Writes the 4-byte DATA header; the payload follows it (often as a separate iovec). */
size_t tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block);

/* The message RFC 1350 and common servers use for each code ("File not found", ...). */
const char *tftp_errmsg(uint16_t code);

/*
 * netascii (RFC 764 via 1350): LF becomes CR LF, a bare CR becomes CR NUL. encode writes
 * tftp_netascii_encoded_len(in, len) bytes to @out.
 */
size_t tftp_netascii_encoded_len(const uint8_t *in, size_t len);
size_t tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t *out);

/* Incremental decode for WRQ: CR LF becomes LF, CR NUL becomes CR; a CR may end a packet. */
struct tftp_nadec {
	bool pending_cr;
};
/* Decodes @len bytes into @out (at most @len + 1 bytes written); returns bytes written. */
size_t tftp_netascii_decode(struct tftp_nadec *st, const uint8_t *in, size_t len, uint8_t *out);
/* Flushes a trailing lone CR at end of file; returns 0 or 1 bytes written to @out. */
size_t tftp_netascii_decode_end(struct tftp_nadec *st, uint8_t *out);

#endif
