/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 wire format (RFC 9110, 9112) for a static boot-file server: request parsing, Range
 * and conditional headers, dates, and response-head builders. Pure code: no I/O, no globals.
 * Parsers take (buf, len, &out) and return bytes consumed or a negative code; builders write
 * into the caller's buffer and return the length, or 0 when it does not fit.
 */
#ifndef BOOTHERD_HTTP_WIRE_H
#define BOOTHERD_HTTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum http_method {
	HTTP_GET = 0,
	HTTP_HEAD = 1,
	HTTP_OTHER = 2,         /* a well-formed method we do not serve: 405 (501 if unknown) */
};

/* A header value as it appears in the request, trimmed of surrounding whitespace. */
struct http_str {
	const char *p;          /* NULL when absent */
	size_t len;
};

struct http_limits {
	size_t max_head;        /* request line + headers, bytes (431 beyond; 414 if the line) */
	size_t max_target;      /* request-target bytes (414 beyond) */
	unsigned max_headers;   /* header fields (431 beyond) */
};

struct http_req {
	enum http_method method;
	bool known_method;      /* one of GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH */
	struct http_str target; /* raw request-target */
	unsigned version;       /* 10 for HTTP/1.0, 11 for HTTP/1.1 */
	bool keep_alive;        /* from the version and the Connection header */
	struct http_str host;
	struct http_str range;
	struct http_str if_range;
	struct http_str if_none_match;
	struct http_str if_modified_since;
	uint64_t content_length;/* 0 when absent */
	bool has_content_length;
	bool chunked;           /* Transfer-Encoding present (final coding chunked, else 400) */
	bool expect_continue;
	unsigned nr_headers;
};

/*
 * Parses one request head (request line and header fields up to the empty line). Strict:
 * lines end in CRLF (a bare LF or CR is malformed), no whitespace before a field's colon, no
 * obs-fold, no NUL or other control bytes in the target or values, exactly one Host for
 * HTTP/1.1, Content-Length digits only (duplicates must agree), Content-Length together with
 * Transfer-Encoding is malformed (request smuggling). Header names are case-insensitive.
 * Also malformed: a Host with characters no host[:port] has, a Transfer-Encoding whose final
 * coding is not chunked, and a second Host, Range, If-Range, If-None-Match or If-Modified-Since
 * field (two of them cannot both be honoured). Empty lines before the request line are skipped
 * and counted in the length. Bytes >= 0x80 are allowed in the target and in values.
 *
 * Returns the head's length in bytes (the body, if any, follows it), or:
 *   -EAGAIN           incomplete, and still within the limits: read more
 *   -EBADMSG          malformed: 400
 *   -ENAMETOOLONG     request-target over max_target, or request line over max_head: 414
 *   -EMSGSIZE         header section over max_head or over max_headers: 431
 *   -EPROTONOSUPPORT  not HTTP/1.0 or 1.1: 505
 * The struct points into @buf.
 */
int http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
		       struct http_req *out);

/*
 * Decodes the path of an origin-form target ("/a%20b?x" -> "/a b"), or of an absolute-form
 * one ("http://host/a" -> "/a", RFC 9112 3.2.2): the query and fragment are dropped, %XX
 * decoded. Returns the length written to @out (NUL-terminated), or -EINVAL for any other
 * target (not starting with '/'), a bad escape, an encoded NUL or '/', a control byte raw
 * or encoded, or -ENAMETOOLONG when it does not fit @cap (-EINVAL wins when both apply). Dot
 * segments are left for the caller's confined open to judge.
 */
int http_decode_path(const char *target, size_t len, char *out, size_t cap);

/* An inclusive byte range, resolved against a representation's size. */
struct http_range {
	uint64_t first;
	uint64_t last;
};

/*
 * Parses a Range value ("bytes=0-499, -500, 9500-") against @size bytes. Returns the number
 * of satisfiable ranges written to @out (in request order when all are disjoint; when any two
 * overlap or touch, all sorted by start and merged), 0 when the header must be ignored and the whole representation sent (another
 * unit, a syntax error, a last-pos below its first-pos, more than @cap range-specs whether
 * satisfiable or not), or -ERANGE when none is satisfiable (416). Values that overflow uint64
 * are a syntax error. A suffix longer than the file is the whole file; a last-byte past the end
 * is clamped. "-0", a first-pos at or past @size, and any range of an empty file are
 * unsatisfiable. @out needs room for @cap ranges.
 */
int http_parse_range(const char *v, size_t len, uint64_t size, struct http_range *out,
		     unsigned cap);

/*
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"): writes 29 chars and a NUL; @buf >= 30. A time
 * outside years 0000-9999 is clamped to the nearer end.
 */
void http_format_date(time_t t, char *buf);

/*
 * Parses IMF-fixdate, RFC 850 and asctime() dates; 0 or -EINVAL. RFC 850's two-digit years
 * 70-99 are 19xx and 00-69 are 20xx. Out-of-range fields (Feb 30, 24:00:00) are -EINVAL.
 */
int http_parse_date(const char *s, size_t len, time_t *out);

/*
 * Whether @etag (with its quotes, e.g. "\"1a-2b\"") is in the If-None-Match / If-Match style
 * list @list ("*" matches anything). @weak: weak comparison (W/ prefixes ignored), as
 * If-None-Match wants; otherwise strong, as If-Range wants (a weak tag never matches). A
 * malformed list, or "*" among tags, matches nothing.
 */
bool http_etag_match(const char *list, size_t len, const char *etag, bool weak);

struct http_resp {
	unsigned status;
	time_t now;
	bool keep_alive;
	const char *content_type;       /* NULL: none */
	bool has_length;
	uint64_t content_length;
	time_t last_modified;           /* 0: none */
	const char *etag;               /* NULL: none; with its quotes */
	bool accept_ranges;             /* "Accept-Ranges: bytes" */
	const struct http_range *range; /* 206 single range: Content-Range: bytes F-L/total */
	bool range_unsatisfied;         /* 416: Content-Range: bytes * / total */
	uint64_t total;
	const char *boundary;           /* 206 multipart: Content-Type multipart/byteranges */
	const char *allow;              /* 405: Allow */
};

/*
 * Status line and header fields, ending with the empty line: Server, Date, Connection, then
 * those set in @r. With @boundary, Content-Type is multipart/byteranges and @content_type is
 * not used. Returns 0 also for what would be a broken head: a status outside 100-999, a
 * control byte in a caller's string, a boundary not of 1-70 [0-9A-Za-z'+_.-], or a range not
 * within @total.
 */
size_t http_build_head(char *buf, size_t cap, const struct http_resp *r);

/* The head of one part of a multipart/byteranges body, including the CRLF before the
 * boundary ("\r\n--B\r\nContent-Type: T\r\nContent-Range: bytes F-L/N\r\n\r\n"); a NULL
 * @ctype leaves Content-Type out. */
size_t http_build_part_head(char *buf, size_t cap, const char *boundary, const char *ctype,
			    const struct http_range *r, uint64_t total);
/* "\r\n--B--\r\n" */
size_t http_build_multipart_end(char *buf, size_t cap, const char *boundary);

/* The reason phrase for a status ("Partial Content"), "Unknown" otherwise. */
const char *http_reason(unsigned status);

/* A Content-Type for a boot file from its name (.efi, .kpxe, .ipxe, .cfg, .iso, ...). */
const char *http_mime_type(const char *path);

#endif
