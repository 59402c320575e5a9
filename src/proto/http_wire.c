// SPDX-License-Identifier: MIT
/*
 * HTTP/1.1 wire format (RFC 9110, 9112) for a static boot-file server: the request-head parser,
 * Range and conditional-request helpers, HTTP dates and the response-head builders. Everything
 * works on the caller's buffers and nothing else, so that the unit tests and the fuzzer drive it
 * without a socket. The parser is strict where leniency has been used for request smuggling or
 * cache poisoning, and lenient only where RFC 9110/9112 ask a recipient to be.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ascii.h"
#include "proto/http_wire.h"

#define CR '\r'
#define LF '\n'

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STRLEN(lit)   (sizeof(lit) - 1)

/* Compares a counted string with a lowercase literal, ignoring ASCII case. */
#define CASEEQ(p, n, lit) ascii_caseeq((p), (n), (lit), STRLEN(lit))

/* RFC 9110 5.6.2 tchar: what a method or a field name may be made of. */
static const uint8_t tchar_tab[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
};

/*
 * RFC 3986 host [":" port]: reg-name, IPv4 or IP-literal characters. A Host with anything else
 * is a 400 (RFC 9112 3.2), which also keeps spaces, slashes and '@' out of anything the server
 * might log or build a Location from.
 */
static const uint8_t host_tab[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, [';'] = 1, ['='] = 1, ['%'] = 1,
	['['] = 1, [']'] = 1, [':'] = 1,
};

static const char *const wday_short[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const wday_long[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					 "Thursday", "Friday", "Saturday" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

struct http_method_desc {
	const char *name;
	size_t len;
	enum http_method method;
};

/* Methods are case-sensitive (RFC 9110 9.1): "get" is a method we do not know, not GET. */
static const struct http_method_desc http_methods[] = {
	{ "GET", STRLEN("GET"), HTTP_GET },
	{ "HEAD", STRLEN("HEAD"), HTTP_HEAD },
	{ "POST", STRLEN("POST"), HTTP_OTHER },
	{ "PUT", STRLEN("PUT"), HTTP_OTHER },
	{ "DELETE", STRLEN("DELETE"), HTTP_OTHER },
	{ "CONNECT", STRLEN("CONNECT"), HTTP_OTHER },
	{ "OPTIONS", STRLEN("OPTIONS"), HTTP_OTHER },
	{ "TRACE", STRLEN("TRACE"), HTTP_OTHER },
	{ "PATCH", STRLEN("PATCH"), HTTP_OTHER },
};

struct http_reason_desc {
	unsigned status;
	const char *reason;
};

/* RFC 9110 15's phrases (413 is "Content Too Large" there, no longer "Payload Too Large"). */
static const struct http_reason_desc http_reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

struct http_mime_desc {
	const char *ext;
	const char *type;
};

static const struct http_mime_desc http_mimes[] = {
	{ "efi", "application/efi" },
	{ "kpxe", "application/octet-stream" },
	{ "pxe", "application/octet-stream" },
	{ "0", "application/octet-stream" },
	{ "c32", "application/octet-stream" },
	{ "bin", "application/octet-stream" },
	{ "img", "application/octet-stream" },
	{ "iso", "application/x-iso9660-image" },
	{ "ipxe", "text/plain; charset=utf-8" },
	{ "cfg", "text/plain; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "conf", "text/plain; charset=utf-8" },
	{ "sh", "text/plain; charset=utf-8" },
	{ "html", "text/html" },
	{ "htm", "text/html" },
	{ "json", "application/json" },
	{ "gz", "application/gzip" },
	{ "xz", "application/x-xz" },
	{ "zst", "application/zstd" },
};

static bool is_tchar(unsigned char c)
{
	return tchar_tab[c];
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Controls are C0 and DEL; bytes >= 0x80 are obs-text, which RFC 9110 lets a value carry. */
static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_field_vchar(unsigned char c)
{
	return c == '\t' || !is_ctl(c);
}

static void trim_ows(const char *s, size_t *start, size_t *end)
{
	while (*start < *end && is_ows(s[*start]))
		(*start)++;
	while (*end > *start && is_ows(s[*end - 1]))
		(*end)--;
}

/*
 * Takes the next element of a comma-separated list (RFC 9110 5.6.1) at *pos, trimmed of OWS.
 * Empty elements come back as such, since what they mean depends on the field: nothing in a
 * Connection list, a smuggling attempt in a Content-Length. An empty value is one empty element.
 */
static bool next_elem(const char *v, size_t len, size_t *pos, const char **elem, size_t *elem_len)
{
	size_t start = *pos, end;

	if (start > len)
		return false;
	end = start;
	while (end < len && v[end] != ',')
		end++;
	*pos = end + 1;
	trim_ows(v, &start, &end);
	*elem = v + start;
	*elem_len = end - start;
	return true;
}

/* 1*DIGIT; false on anything else or on a value that does not fit, never a wrapped one. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)((unsigned char)s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Parsing state that does not belong in struct http_req. */
struct req_state {
	bool conn_close;
	bool conn_keep_alive;
	bool te_final_chunked;  /* the last coding of the last Transfer-Encoding is chunked */
};

/*
 * RFC 9112 2.2 lets a server skip empty lines before the request line (some clients send a
 * CRLF after a POST body); they count in the head's length and against max_head. A bare LF is
 * left for the request line to reject.
 */
static int skip_empty_lines(const char *b, size_t end, size_t *pos)
{
	size_t p = *pos;

	while (p < end && b[p] == CR) {
		if (p + 1 == end)
			return -EAGAIN;
		if (b[p + 1] != LF)
			return -EBADMSG;
		p += 2;
	}
	*pos = p;
	return 0;
}

static void set_method(struct http_req *out, const char *m, size_t len)
{
	out->method = HTTP_OTHER;
	for (size_t i = 0; i < ARRAY_SIZE(http_methods); i++) {
		const struct http_method_desc *d = &http_methods[i];

		if (d->len == len && !memcmp(d->name, m, len)) {
			out->method = d->method;
			out->known_method = true;
			return;
		}
	}
}

/*
 * method SP request-target SP HTTP/D.D CRLF, checked byte by byte as far as the buffer goes, so
 * that garbage is refused on its first byte and an over-long target as soon as it is over,
 * without waiting for a line end that a hostile client may never send.
 */
static int parse_request_line(const char *b, size_t end, size_t *pos,
			      const struct http_limits *lim, struct http_req *out)
{
	/* '#' is a digit; the version is checked only once the whole line is known to be sane. */
	static const char version_pat[] = "HTTP/#.#\r\n";
	size_t p = *pos, start = p;

	while (p < end && is_tchar((unsigned char)b[p]))
		p++;
	if (p == end)
		return -EAGAIN;
	if (p == start || b[p] != ' ')
		return -EBADMSG;
	set_method(out, b + start, p - start);

	start = ++p;
	for (;; p++) {
		unsigned char c;

		if (p - start > lim->max_target)
			return -ENAMETOOLONG;
		if (p == end)
			return -EAGAIN;
		c = (unsigned char)b[p];
		if (c == ' ')
			break;
		/* Raw UTF-8 (>= 0x80) is let through: curl sends file names as given. */
		if (is_ctl(c))
			return -EBADMSG;
	}
	if (p == start)
		return -EBADMSG;
	out->target.p = b + start;
	out->target.len = p - start;

	p++;
	for (size_t i = 0; i < STRLEN(version_pat); i++) {
		char c;

		if (p + i == end)
			return -EAGAIN;
		c = b[p + i];
		if (version_pat[i] == '#' ? !is_digit(c) : c != version_pat[i])
			return -EBADMSG;
	}
	if (b[p + 5] != '1' || (b[p + 7] != '0' && b[p + 7] != '1'))
		return -EPROTONOSUPPORT;
	out->version = b[p + 7] == '1' ? 11 : 10;
	*pos = p + STRLEN(version_pat);
	return 0;
}

/* Content-Length may come as a list and in several fields, but every value must be the same. */
static int take_content_length(const char *v, size_t len, struct http_req *out)
{
	size_t pos = 0, elen;
	const char *e;

	while (next_elem(v, len, &pos, &e, &elen)) {
		uint64_t n;

		if (!parse_u64(e, elen, &n))
			return -EBADMSG;
		if (out->has_content_length && n != out->content_length)
			return -EBADMSG;
		out->content_length = n;
		out->has_content_length = true;
	}
	return 0;
}

static void take_connection(const char *v, size_t len, struct req_state *st)
{
	size_t pos = 0, elen;
	const char *e;

	while (next_elem(v, len, &pos, &e, &elen)) {
		if (CASEEQ(e, elen, "close"))
			st->conn_close = true;
		else if (CASEEQ(e, elen, "keep-alive"))
			st->conn_keep_alive = true;
	}
}

/*
 * RFC 9112 6.3: a request whose final transfer coding is not chunked has no knowable length, so
 * it is a 400; only the last element of the last field counts.
 */
static void take_transfer_encoding(const char *v, size_t len, struct http_req *out,
				   struct req_state *st)
{
	size_t pos = 0, elen;
	const char *e;

	out->chunked = true;
	st->te_final_chunked = false;
	while (next_elem(v, len, &pos, &e, &elen))
		if (elen)
			st->te_final_chunked = CASEEQ(e, elen, "chunked");
}

/* A field the server acts on may appear once: two of them cannot both be honoured. */
static int take_once(struct http_str *s, const char *v, size_t len)
{
	if (s->p)
		return -EBADMSG;
	s->p = v;
	s->len = len;
	return 0;
}

static int take_field(struct http_req *out, struct req_state *st, const char *name,
		      size_t name_len, const char *v, size_t len)
{
	if (CASEEQ(name, name_len, "host")) {
		for (size_t i = 0; i < len; i++)
			if (!host_tab[(unsigned char)v[i]])
				return -EBADMSG;
		return take_once(&out->host, v, len);
	}
	if (CASEEQ(name, name_len, "connection")) {
		take_connection(v, len, st);
		return 0;
	}
	if (CASEEQ(name, name_len, "content-length"))
		return take_content_length(v, len, out);
	if (CASEEQ(name, name_len, "transfer-encoding")) {
		take_transfer_encoding(v, len, out, st);
		return 0;
	}
	if (CASEEQ(name, name_len, "expect")) {
		/* RFC 9110 10.1.1: a 100-continue from an HTTP/1.0 client is to be ignored. */
		if (out->version == 11 && CASEEQ(v, len, "100-continue"))
			out->expect_continue = true;
		return 0;
	}
	if (CASEEQ(name, name_len, "range"))
		return take_once(&out->range, v, len);
	if (CASEEQ(name, name_len, "if-range"))
		return take_once(&out->if_range, v, len);
	if (CASEEQ(name, name_len, "if-none-match"))
		return take_once(&out->if_none_match, v, len);
	if (CASEEQ(name, name_len, "if-modified-since"))
		return take_once(&out->if_modified_since, v, len);
	return 0;
}

/*
 * Field lines up to the empty line. A line starting with whitespace is obs-fold (or whitespace
 * after the request line), which RFC 9112 lets us refuse; whitespace before the colon must be
 * refused (5.1). A value is interpreted only once its CRLF is in, never half-read.
 */
static int parse_fields(const char *b, size_t end, size_t *pos, const struct http_limits *lim,
			struct http_req *out, struct req_state *st)
{
	size_t p = *pos;

	for (;;) {
		size_t name, name_len, vstart, vend;
		int rc;

		if (p == end)
			return -EAGAIN;
		if (b[p] == CR) {
			if (p + 1 == end)
				return -EAGAIN;
			if (b[p + 1] != LF)
				return -EBADMSG;
			*pos = p + 2;
			return 0;
		}

		name = p;
		while (p < end && is_tchar((unsigned char)b[p]))
			p++;
		if (p == end)
			return -EAGAIN;
		if (p == name || b[p] != ':')
			return -EBADMSG;
		name_len = p - name;
		if (++out->nr_headers > lim->max_headers)
			return -EMSGSIZE;

		p++;
		while (p < end && is_ows(b[p]))
			p++;
		vstart = p;
		for (;; p++) {
			if (p == end)
				return -EAGAIN;
			if (b[p] == CR)
				break;
			if (!is_field_vchar((unsigned char)b[p]))
				return -EBADMSG;
		}
		if (p + 1 == end)
			return -EAGAIN;
		if (b[p + 1] != LF)
			return -EBADMSG;
		vend = p;
		trim_ows(b, &vstart, &vend);
		p += 2;

		rc = take_field(out, st, b + name, name_len, b + vstart, vend - vstart);
		if (rc)
			return rc;
	}
}

/* Checks that need the whole head. */
static int finish_request(struct http_req *out, const struct req_state *st)
{
	if (out->version == 11 && !out->host.p)
		return -EBADMSG;
	if (out->chunked && (out->has_content_length || !st->te_final_chunked))
		return -EBADMSG;
	if (out->version == 11)
		out->keep_alive = !st->conn_close;
	else
		out->keep_alive = st->conn_keep_alive && !st->conn_close;
	/* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after answering. */
	if (out->version == 10 && out->chunked)
		out->keep_alive = false;
	return 0;
}

/*
 * Only the first max_head bytes are looked at: a head that has not ended by then is too big
 * whatever follows, which also bounds the work a re-parse after each read costs.
 */
int http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
		       struct http_req *out)
{
	size_t max = lim->max_head < INT_MAX ? lim->max_head : INT_MAX;
	size_t end = len < max ? len : max, pos = 0;
	struct req_state st = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = skip_empty_lines(buf, end, &pos);
	if (!rc)
		rc = parse_request_line(buf, end, &pos, lim, out);
	if (rc == -EAGAIN)
		return len >= max ? -ENAMETOOLONG : -EAGAIN;
	if (rc)
		return rc;
	rc = parse_fields(buf, end, &pos, lim, out, &st);
	if (rc == -EAGAIN)
		return len >= max ? -EMSGSIZE : -EAGAIN;
	if (rc)
		return rc;
	rc = finish_request(out, &st);
	if (rc)
		return rc;
	return (int)pos;
}

/*
 * Decoded control bytes are refused along with NUL and '/': a file name with a newline in it
 * is no boot file, and would only reach the logs. Validity is checked to the end even when the
 * output has run out, so a malformed target is a 400 whatever its length.
 */
int http_decode_path(const char *target, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	/*
	 * RFC 9112 3.2.2: a server MUST accept the absolute-form. Only the path counts: the
	 * authority names this server, whatever it says.
	 */
	if (len > 7 && (ascii_caseeq(target, 7, "http://", 7) ||
			(len > 8 && ascii_caseeq(target, 8, "https://", 8)))) {
		size_t skip = target[4] == ':' ? 7 : 8;
		const char *slash = NULL;

		/* The authority ends at the first '/', '?' or '#'. */
		for (size_t i = skip; i < len && !slash; i++) {
			if (target[i] == '?' || target[i] == '#')
				break;
			if (target[i] == '/')
				slash = target + i;
		}
		if (!slash) {
			/* "http://host" or "http://host?q": the path is "/". */
			if (cap < 2)
				return -ENAMETOOLONG;
			for (size_t i = skip; i < len; i++)
				if (is_ctl((unsigned char)target[i]))
					return -EINVAL;
			out[0] = '/';
			out[1] = 0;
			return 1;
		}
		len -= (size_t)(slash - target);
		target = slash;
	}
	if (!len || target[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)target[i];

		if (c == '?' || c == '#')
			break;
		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = ascii_hexval(target[i + 1])) < 0 ||
			    (lo = ascii_hexval(target[i + 2])) < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '/')
				return -EINVAL;
		}
		if (is_ctl(c))
			return -EINVAL;
		if (o + 1 < cap)
			out[o] = (char)c;
		o++;
	}
	if (o >= cap || o > INT_MAX)
		return -ENAMETOOLONG;
	out[o] = 0;
	return (int)o;
}

static int range_cmp(const void *a, const void *b)
{
	const struct http_range *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return 0;
}

/*
 * RFC 9110 15.3.7.2: parts SHOULD come in request order, and overlapping or adjacent ranges
 * MAY be coalesced. So ranges that are all disjoint keep the client's order; once any two
 * overlap or touch, all are sorted by start and merged, so that a client can never make us
 * send a byte twice.
 */
static unsigned coalesce(struct http_range *r, unsigned n)
{
	unsigned w = 0;
	bool touch = false;

	for (unsigned i = 0; i < n && !touch; i++)
		for (unsigned j = i + 1; j < n && !touch; j++)
			touch = r[i].first <= r[j].last + 1 && r[j].first <= r[i].last + 1;
	if (!touch)
		return n;
	qsort(r, n, sizeof(*r), range_cmp);
	for (unsigned i = 1; i < n; i++) {
		/* last < size <= UINT64_MAX, so last + 1 cannot wrap. */
		if (r[i].first <= r[w].last + 1) {
			if (r[i].last > r[w].last)
				r[w].last = r[i].last;
		} else {
			r[++w] = r[i];
		}
	}
	return w + 1;
}

/*
 * Resolves one range-spec against @size: 1 and @r set when satisfiable, 0 when valid but not
 * satisfiable, -EINVAL when invalid (which makes the whole header ignored, RFC 9110 14.1.1).
 */
static int resolve_spec(const char *e, size_t len, uint64_t size, struct http_range *r)
{
	const char *dash = memchr(e, '-', len);
	size_t a;
	uint64_t first, last;

	if (!dash)
		return -EINVAL;
	a = (size_t)(dash - e);
	if (!a) {
		uint64_t suffix;

		if (!parse_u64(e + 1, len - 1, &suffix))
			return -EINVAL;
		if (!suffix || !size)
			return 0;
		r->first = suffix >= size ? 0 : size - suffix;
		r->last = size - 1;
		return 1;
	}
	if (!parse_u64(e, a, &first))
		return -EINVAL;
	if (a + 1 == len)
		last = UINT64_MAX;
	else if (!parse_u64(e + a + 1, len - a - 1, &last))
		return -EINVAL;
	if (last < first)
		return -EINVAL;
	if (first >= size)
		return 0;
	r->first = first;
	r->last = last < size ? last : size - 1;
	return 1;
}

/*
 * @cap bounds the range-specs in the header, satisfiable or not, so that a flood of tiny or
 * duplicate ranges (RFC 9110 14.2's denial of service) gets the plain 200.
 */
int http_parse_range(const char *v, size_t len, uint64_t size, struct http_range *out,
		     unsigned cap)
{
	unsigned nspecs = 0, nsat = 0;
	size_t pos = 0, elen;
	const char *e;

	if (cap > INT_MAX)
		cap = INT_MAX;
	if (len < STRLEN("bytes=") || !CASEEQ(v, STRLEN("bytes"), "bytes") || v[5] != '=')
		return 0;
	v += STRLEN("bytes=");
	len -= STRLEN("bytes=");
	while (next_elem(v, len, &pos, &e, &elen)) {
		int rc;

		if (!elen)
			continue;
		if (nspecs == cap)
			return 0;
		nspecs++;
		rc = resolve_spec(e, elen, size, &out[nsat]);
		if (rc < 0)
			return 0;
		nsat += (unsigned)rc;
	}
	if (!nspecs)
		return 0;
	if (!nsat)
		return -ERANGE;
	return (int)coalesce(out, nsat);
}

/* Proleptic Gregorian calendar to days since 1970-01-01 (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

static char *put_2d(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* The first and last second IMF-fixdate's four-digit year can show: 0000-01-01, 9999-12-31. */
#define DATE_MIN (-62167219200LL)
#define DATE_MAX 253402300799LL

/*
 * By hand rather than gmtime_r() and strftime(): no locale, no TZ, and a time outside what four
 * year digits can show is clamped instead of making the output longer than 29 characters.
 */
void http_format_date(time_t t, char *buf)
{
	int64_t s = (int64_t)t, days, y;
	unsigned m, d, sod;
	char *p = buf;

	if (s < DATE_MIN)
		s = DATE_MIN;
	if (s > DATE_MAX)
		s = DATE_MAX;
	days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	sod = (unsigned)(s - days * 86400);
	civil_from_days(days, &y, &m, &d);

	/* 1970-01-01 was a Thursday. */
	memcpy(p, wday_short[((days % 7) + 11) % 7], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put_2d(p, d);
	*p++ = ' ';
	memcpy(p, month_names[m - 1], 3);
	p += 3;
	*p++ = ' ';
	p = put_2d(p, (unsigned)(y / 100));
	p = put_2d(p, (unsigned)(y % 100));
	*p++ = ' ';
	p = put_2d(p, sod / 3600);
	*p++ = ':';
	p = put_2d(p, sod / 60 % 60);
	*p++ = ':';
	p = put_2d(p, sod % 60);
	memcpy(p, " GMT", 5);
}

struct date_cur {
	const char *s;
	size_t len;
	size_t pos;
};

static bool date_lit(struct date_cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, lit, n))
		return false;
	c->pos += n;
	return true;
}

static bool date_digits(struct date_cur *c, unsigned n, unsigned *v)
{
	*v = 0;
	if (c->len - c->pos < n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		char ch = c->s[c->pos + i];

		if (!is_digit(ch))
			return false;
		*v = *v * 10 + (unsigned)(ch - '0');
	}
	c->pos += n;
	return true;
}

/* Names are case-sensitive (RFC 9110 5.6.7). */
static bool date_name(struct date_cur *c, const char *const *names, size_t n, unsigned *idx)
{
	for (size_t i = 0; i < n; i++) {
		if (date_lit(c, names[i])) {
			*idx = (unsigned)i;
			return true;
		}
	}
	return false;
}

static bool date_time(struct date_cur *c, unsigned *h, unsigned *mi, unsigned *s)
{
	return date_digits(c, 2, h) && date_lit(c, ":") && date_digits(c, 2, mi) &&
	       date_lit(c, ":") && date_digits(c, 2, s);
}

struct date_fields {
	unsigned year, mon, day, hour, min, sec;
};

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool date_imf(struct date_cur *c, struct date_fields *f)
{
	unsigned wd;

	return date_name(c, wday_short, 7, &wd) && date_lit(c, ", ") &&
	       date_digits(c, 2, &f->day) && date_lit(c, " ") &&
	       date_name(c, month_names, 12, &f->mon) && date_lit(c, " ") &&
	       date_digits(c, 4, &f->year) && date_lit(c, " ") &&
	       date_time(c, &f->hour, &f->min, &f->sec) && date_lit(c, " GMT");
}

/*
 * "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110 pivots the two-digit year on the current date,
 * which a pure function does not have; the fixed pivot at 70 gives the same answer for every
 * date this format was still in use for.
 */
static bool date_rfc850(struct date_cur *c, struct date_fields *f)
{
	unsigned wd;

	if (!(date_name(c, wday_long, 7, &wd) && date_lit(c, ", ") &&
	      date_digits(c, 2, &f->day) && date_lit(c, "-") &&
	      date_name(c, month_names, 12, &f->mon) && date_lit(c, "-") &&
	      date_digits(c, 2, &f->year) && date_lit(c, " ") &&
	      date_time(c, &f->hour, &f->min, &f->sec) && date_lit(c, " GMT")))
		return false;
	f->year += f->year < 70 ? 2000 : 1900;
	return true;
}

/* "Sun Nov  6 08:49:37 1994"; a day written "06" is taken too (date3 allows 2DIGIT). */
static bool date_asctime(struct date_cur *c, struct date_fields *f)
{
	unsigned wd;

	return date_name(c, wday_short, 7, &wd) && date_lit(c, " ") &&
	       date_name(c, month_names, 12, &f->mon) && date_lit(c, " ") &&
	       ((date_lit(c, " ") && date_digits(c, 1, &f->day)) || date_digits(c, 2, &f->day)) &&
	       date_lit(c, " ") && date_time(c, &f->hour, &f->min, &f->sec) &&
	       date_lit(c, " ") && date_digits(c, 4, &f->year);
}

/*
 * The weekday must be a weekday name but need not be the right one: it carries nothing the
 * date does not, and refusing a wrong one would only turn a 304 into a 200. Second 60 is a leap
 * second and reads as the next minute's first.
 */
int http_parse_date(const char *s, size_t len, time_t *out)
{
	static bool (*const formats[])(struct date_cur *, struct date_fields *) = {
		date_imf, date_rfc850, date_asctime,
	};
	struct date_fields f = { 0 };
	size_t i;
	int64_t t;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		struct date_cur c = { s, len, 0 };

		memset(&f, 0, sizeof(f));
		if (formats[i](&c, &f) && c.pos == len)
			break;
	}
	if (i == ARRAY_SIZE(formats))
		return -EINVAL;
	f.mon++;
	if (f.day < 1 || f.day > days_in_month(f.year, f.mon) || f.hour > 23 || f.min > 59 ||
	    f.sec > 60)
		return -EINVAL;
	t = days_from_civil(f.year, f.mon, f.day) * 86400 + f.hour * 3600 + f.min * 60 + f.sec;
	if ((int64_t)(time_t)t != t)
		return -EINVAL;
	*out = (time_t)t;
	return 0;
}

/* etagc: '!' and '#'-'~' and obs-text; a comma is a valid etagc, so lists are not cut at it. */
static bool is_etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, at *pos; the opaque-tag is what is compared. */
static bool take_etag(const char *s, size_t len, size_t *pos, bool *weak, const char **opaque,
		      size_t *opaque_len)
{
	size_t p = *pos, start;

	*weak = false;
	if (len - p >= 2 && s[p] == 'W' && s[p + 1] == '/') {
		*weak = true;
		p += 2;
	}
	if (p >= len || s[p] != '"')
		return false;
	start = ++p;
	while (p < len && s[p] != '"') {
		if (!is_etagc((unsigned char)s[p]))
			return false;
		p++;
	}
	if (p >= len)
		return false;
	*opaque = s + start;
	*opaque_len = p - start;
	*pos = p + 1;
	return true;
}

/*
 * A malformed list matches nothing, even if a good tag came before the bad part: for
 * If-None-Match and If-Range "no match" means the full response, which is always correct.
 */
bool http_etag_match(const char *list, size_t len, const char *etag, bool weak)
{
	size_t start = 0, end = len, p, ep = 0, etag_len = strlen(etag), eo_len;
	const char *eo;
	bool eweak, found = false;

	if (!take_etag(etag, etag_len, &ep, &eweak, &eo, &eo_len) || ep != etag_len)
		return false;
	if (eweak && !weak)
		return false;
	trim_ows(list, &start, &end);
	if (end - start == 1 && list[start] == '*')
		return true;

	p = start;
	for (;;) {
		const char *o;
		size_t o_len;
		bool w;

		/* Empty list elements are allowed (RFC 9110 5.6.1). */
		while (p < end && (is_ows(list[p]) || list[p] == ','))
			p++;
		if (p == end)
			return found;
		if (!take_etag(list, end, &p, &w, &o, &o_len))
			return false;
		if (o_len == eo_len && !memcmp(o, eo, o_len) && (weak || !w))
			found = true;
		while (p < end && is_ows(list[p]))
			p++;
		if (p < end && list[p] != ',')
			return false;
	}
}

/* An append-only cursor that remembers running out, so builders check once at the end. */
struct wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool bad;
};

static void put(struct wbuf *w, const char *s, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_str(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

#define PUT_LIT(w, lit) put((w), (lit), STRLEN(lit))

static void put_u64(struct wbuf *w, uint64_t v)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, digits + n, sizeof(digits) - n);
}

static void put_date(struct wbuf *w, time_t t)
{
	char d[30];

	http_format_date(t, d);
	put(w, d, 29);
}

/* A caller's string in a field value must not be able to end the line and start another. */
static void put_value(struct wbuf *w, const char *s)
{
	for (const char *c = s; *c; c++)
		if (!is_field_vchar((unsigned char)*c))
			w->bad = true;
	put_str(w, s);
}

/*
 * RFC 2046 bchars that are also tchars, so "boundary=B" needs no quotes; 1 to 70 of them.
 */
static void check_boundary(struct wbuf *w, const char *b)
{
	size_t n = strlen(b);

	if (!n || n > 70)
		w->bad = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];

		if (!(is_digit((char)c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '\'' || c == '+' || c == '_' || c == '-' || c == '.'))
			w->bad = true;
	}
}

static void put_content_range(struct wbuf *w, const struct http_range *r, uint64_t total)
{
	if (r->first > r->last || r->last >= total)
		w->bad = true;
	PUT_LIT(w, "bytes ");
	put_u64(w, r->first);
	PUT_LIT(w, "-");
	put_u64(w, r->last);
	PUT_LIT(w, "/");
	put_u64(w, total);
}

static size_t wbuf_done(const struct wbuf *w)
{
	return w->bad ? 0 : w->len;
}

/*
 * Also 0 for what would be a broken head: a status outside 100-999, a caller's string with a
 * control byte, a bad boundary, or a range that is not within @total.
 */
size_t http_build_head(char *buf, size_t cap, const struct http_resp *r)
{
	struct wbuf w = { buf, cap, 0, false };

	if (r->status < 100 || r->status > 999)
		return 0;
	PUT_LIT(&w, "HTTP/1.1 ");
	put_u64(&w, r->status);
	PUT_LIT(&w, " ");
	put_str(&w, http_reason(r->status));
	PUT_LIT(&w, "\r\nServer: bootherd\r\nDate: ");
	put_date(&w, r->now);
	if (r->keep_alive)
		PUT_LIT(&w, "\r\nConnection: keep-alive\r\n");
	else
		PUT_LIT(&w, "\r\nConnection: close\r\n");

	if (r->boundary) {
		check_boundary(&w, r->boundary);
		PUT_LIT(&w, "Content-Type: multipart/byteranges; boundary=");
		put_str(&w, r->boundary);
		PUT_LIT(&w, "\r\n");
	} else if (r->content_type) {
		PUT_LIT(&w, "Content-Type: ");
		put_value(&w, r->content_type);
		PUT_LIT(&w, "\r\n");
	}
	if (r->has_length) {
		PUT_LIT(&w, "Content-Length: ");
		put_u64(&w, r->content_length);
		PUT_LIT(&w, "\r\n");
	}
	if (r->last_modified) {
		PUT_LIT(&w, "Last-Modified: ");
		put_date(&w, r->last_modified);
		PUT_LIT(&w, "\r\n");
	}
	if (r->etag) {
		PUT_LIT(&w, "ETag: ");
		put_value(&w, r->etag);
		PUT_LIT(&w, "\r\n");
	}
	if (r->accept_ranges)
		PUT_LIT(&w, "Accept-Ranges: bytes\r\n");
	if (r->range) {
		PUT_LIT(&w, "Content-Range: ");
		put_content_range(&w, r->range, r->total);
		PUT_LIT(&w, "\r\n");
	} else if (r->range_unsatisfied) {
		PUT_LIT(&w, "Content-Range: bytes */");
		put_u64(&w, r->total);
		PUT_LIT(&w, "\r\n");
	}
	if (r->allow) {
		PUT_LIT(&w, "Allow: ");
		put_value(&w, r->allow);
		PUT_LIT(&w, "\r\n");
	}
	PUT_LIT(&w, "\r\n");
	return wbuf_done(&w);
}

/* A NULL @ctype leaves the part's Content-Type out. */
size_t http_build_part_head(char *buf, size_t cap, const char *boundary, const char *ctype,
			    const struct http_range *r, uint64_t total)
{
	struct wbuf w = { buf, cap, 0, false };

	check_boundary(&w, boundary);
	PUT_LIT(&w, "\r\n--");
	put_str(&w, boundary);
	PUT_LIT(&w, "\r\n");
	if (ctype) {
		PUT_LIT(&w, "Content-Type: ");
		put_value(&w, ctype);
		PUT_LIT(&w, "\r\n");
	}
	PUT_LIT(&w, "Content-Range: ");
	put_content_range(&w, r, total);
	PUT_LIT(&w, "\r\n\r\n");
	return wbuf_done(&w);
}

size_t http_build_multipart_end(char *buf, size_t cap, const char *boundary)
{
	struct wbuf w = { buf, cap, 0, false };

	check_boundary(&w, boundary);
	PUT_LIT(&w, "\r\n--");
	put_str(&w, boundary);
	PUT_LIT(&w, "--\r\n");
	return wbuf_done(&w);
}

const char *http_reason(unsigned status)
{
	for (size_t i = 0; i < ARRAY_SIZE(http_reasons); i++)
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	return "Unknown";
}

/* The extension is looked for in the last path component only: "/a.b/vmlinuz" has none. */
const char *http_mime_type(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot) {
		size_t n = strlen(dot + 1);

		for (size_t i = 0; i < ARRAY_SIZE(http_mimes); i++)
			if (ascii_caseeq(dot + 1, n, http_mimes[i].ext, strlen(http_mimes[i].ext)))
				return http_mimes[i].type;
	}
	return "application/octet-stream";
}
