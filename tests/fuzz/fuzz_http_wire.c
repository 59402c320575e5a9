// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for the HTTP wire module: the request parser under tight and roomy limits,
 * then on what it accepts the path decoder, the Range parser against several sizes, the date
 * parser and the entity-tag matcher, and the head builders fed with what came out of them.
 * The whole input also goes to each helper directly, since a header value can be any bytes the
 * parser lets through. Invariants are checked with __builtin_trap() so that they hold in any
 * build.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/http_wire.c"



static const struct http_limits fuzz_lims[] = {
	{ .max_head = 8192, .max_target = 2048, .max_headers = 64 },
	{ .max_head = 96, .max_target = 24, .max_headers = 3 },
	{ .max_head = 0, .max_target = 0, .max_headers = 0 },
};

/* An exact-size heap copy, so that ASan catches a read of even one byte past @len. */
static char *dup_exact(const char *p, size_t len)
{
	char *d = malloc(len ? len : 1);

	memcpy(d, p, len);
	return d;
}

static char *dup_cstr(const char *p, size_t len)
{
	char *d = malloc(len + 1);

	memcpy(d, p, len);
	d[len] = 0;
	return d;
}

static uint64_t take_u64(const char *p, size_t len)
{
	uint64_t v = 0;

	memcpy(&v, p, len < sizeof(v) ? len : sizeof(v));
	return v;
}

/* A parsed value lies inside the head, is trimmed, and has no line break in it. */
static void check_str(struct http_str s, const char *head, size_t head_len)
{
	if (!s.p)
		return;
	ASSERT(s.p >= head && s.p + s.len <= head + head_len);
	for (size_t i = 0; i < s.len; i++)
		ASSERT(s.p[i] != '\r' && s.p[i] != '\n' && s.p[i] != 0);
	if (s.len)
		ASSERT(!is_ows(s.p[0]) && !is_ows(s.p[s.len - 1]));
}

static void fuzz_path(const char *t, size_t len, size_t small_cap)
{
	char *big = malloc(len + 1), *small = malloc(small_cap ? small_cap : 1);
	int rc = http_decode_path(t, len, big, len + 1), rc2;

	ASSERT(rc == -EINVAL || (rc >= 1 && (size_t)rc <= len));
	if (rc > 0) {
		ASSERT(big[0] == '/' && big[rc] == 0 && strlen(big) == (size_t)rc);
		for (int i = 0; i < rc; i++)
			ASSERT(!is_ctl((unsigned char)big[i]));
	}
	/* The output room changes nothing but whether it fits. */
	rc2 = http_decode_path(t, len, small, small_cap);
	if (rc < 0)
		ASSERT(rc2 == rc);
	else if ((size_t)rc < small_cap)
		ASSERT(rc2 == rc && !memcmp(small, big, (size_t)rc + 1));
	else
		ASSERT(rc2 == -ENAMETOOLONG);
	free(small);
	free(big);
}

static void check_content_range(const struct http_range *r, uint64_t total)
{
	struct http_resp resp = {
		.status = 206, .now = 1, .keep_alive = true, .has_length = true,
		.content_length = r->last - r->first + 1, .range = r, .total = total,
	};
	char buf[512];

	ASSERT(http_build_head(buf, sizeof(buf), &resp) > 0);
	ASSERT(http_build_part_head(buf, sizeof(buf), "b0", "application/efi", r, total) > 0);
}

static void fuzz_range(const char *v, size_t len, uint64_t extra_size)
{
	const uint64_t sizes[] = { 0, 1, 1000, 10000, UINT64_MAX, extra_size };
	const unsigned caps[] = { 1, 4, 16 };
	struct http_range out[16];
	char *val = dup_exact(v, len);

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int prev = 0;

		for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			int rc = http_parse_range(val, len, sizes[s], out, caps[c]);

			ASSERT(rc == -ERANGE || (rc >= 0 && (unsigned)rc <= caps[c]));
			if (!sizes[s])
				ASSERT(rc <= 0);
			for (int i = 0; i < rc; i++) {
				ASSERT(out[i].first <= out[i].last && out[i].last < sizes[s]);
				/* No two overlap or touch: nothing left to merge, no byte sent twice. */
				for (int j = 0; j < i; j++)
					ASSERT(out[j].last + 1 < out[i].first ||
					       out[i].last + 1 < out[j].first);
				check_content_range(&out[i], sizes[s]);
			}
			/* A bigger cap only lets in what a smaller one refused. */
			if (c && prev != 0)
				ASSERT(rc == prev);
			prev = rc;
		}
	}
	free(val);
}

static void fuzz_date(const char *v, size_t len)
{
	char *val = dup_exact(v, len);
	time_t t, back;
	char fmt[30];

	if (!http_parse_date(val, len, &t)) {
		ASSERT((int64_t)t >= DATE_MIN && (int64_t)t <= DATE_MAX + 1);
		http_format_date(t, fmt);
		ASSERT(strlen(fmt) == 29);
		/* A leap second past 9999-12-31T23:59:59 is clamped; anything else comes back. */
		ASSERT(!http_parse_date(fmt, 29, &back));
		ASSERT(back == t || (int64_t)t == DATE_MAX + 1);
	}
	free(val);
}

static void fuzz_etag(const char *v, size_t len, const char *etag)
{
	char *val = dup_exact(v, len);
	bool strong = http_etag_match(val, len, etag, false);
	bool weak = http_etag_match(val, len, etag, true);

	/* Strong comparison is the stricter one. */
	ASSERT(!strong || weak);
	free(val);
}

/* A built head is lines ending in CRLF and nothing else, and it needs every byte it took. */
static void check_head(size_t (*build)(char *, size_t, const void *), const void *arg)
{
	char buf[1024];
	size_t n = build(buf, sizeof(buf), arg);
	char *tight;

	ASSERT(n <= sizeof(buf));
	if (!n)
		return;
	ASSERT(n >= 4 && !memcmp(buf + n - 2, "\r\n", 2));
	for (size_t i = 0; i < n; i++) {
		ASSERT(buf[i] != 0);
		if (buf[i] == '\r')
			ASSERT(i + 1 < n && buf[i + 1] == '\n');
		if (buf[i] == '\n')
			ASSERT(i && buf[i - 1] == '\r');
	}
	tight = malloc(n - 1);
	ASSERT(build(tight, n - 1, arg) == 0);
	free(tight);
}

static size_t build_head_cb(char *buf, size_t cap, const void *arg)
{
	return http_build_head(buf, cap, arg);
}

struct part_args {
	const char *boundary;
	const char *ctype;
	struct http_range r;
	uint64_t total;
};

static size_t build_part_cb(char *buf, size_t cap, const void *arg)
{
	const struct part_args *a = arg;

	return http_build_part_head(buf, cap, a->boundary, a->ctype, &a->r, a->total);
}

static size_t build_end_cb(char *buf, size_t cap, const void *arg)
{
	const struct part_args *a = arg;

	return http_build_multipart_end(buf, cap, a->boundary);
}

static void fuzz_build(const char *data, size_t size, const struct http_req *req)
{
	size_t third = size / 3;
	char *s1 = dup_cstr(data, third), *s2 = dup_cstr(data + third, third);
	char *s3 = dup_cstr(data + 2 * third, size - 2 * third);
	uint64_t v = take_u64(data, size);
	struct http_range r = { v >> 40, (v >> 40) + (v & 0xffff) };
	struct http_resp resp = {
		.status = (unsigned)(v % 1100),
		.now = (time_t)(int64_t)v,
		.keep_alive = req ? req->keep_alive : (v & 1),
		.content_type = (v & 2) ? s1 : http_mime_type(s1),
		.has_length = v & 4,
		.content_length = v,
		.last_modified = (time_t)(int64_t)(v * 31),
		.etag = (v & 8) ? s2 : NULL,
		.accept_ranges = v & 16,
		.range = (v & 32) ? &r : NULL,
		.range_unsatisfied = v & 64,
		.total = r.last + (v & 0xff),
		.boundary = (v & 128) ? s3 : NULL,
		.allow = (v & 256) ? s3 : NULL,
	};
	struct part_args pa = { s3, (v & 512) ? s1 : NULL, r, resp.total };

	check_head(build_head_cb, &resp);
	check_head(build_part_cb, &pa);
	check_head(build_end_cb, &pa);
	ASSERT(http_reason(resp.status) != NULL);
	free(s3);
	free(s2);
	free(s1);
}

static void fuzz_request(const char *buf, size_t len, const struct http_limits *lim)
{
	struct http_req req, again;
	int rc = http_parse_request(buf, len, lim, &req);
	char *head, *cut;

	if (rc <= 0) {
		ASSERT(rc == -EAGAIN || rc == -EBADMSG || rc == -ENAMETOOLONG ||
		       rc == -EMSGSIZE || rc == -EPROTONOSUPPORT);
		if (rc == -EAGAIN)
			ASSERT(len < lim->max_head);
		return;
	}
	ASSERT((size_t)rc <= len && (size_t)rc <= lim->max_head);
	ASSERT(rc >= 4 && !memcmp(buf + rc - 4, "\r\n\r\n", 4));
	ASSERT(req.version == 10 || req.version == 11);
	ASSERT(req.version == 10 || req.host.p);
	ASSERT(!(req.chunked && req.has_content_length));
	ASSERT(req.nr_headers <= lim->max_headers);
	ASSERT(req.target.len >= 1 && req.target.len <= lim->max_target);
	ASSERT(req.known_method || req.method == HTTP_OTHER);
	check_str(req.target, buf, (size_t)rc);
	check_str(req.host, buf, (size_t)rc);
	check_str(req.range, buf, (size_t)rc);
	check_str(req.if_range, buf, (size_t)rc);
	check_str(req.if_none_match, buf, (size_t)rc);
	check_str(req.if_modified_since, buf, (size_t)rc);
	for (size_t i = 0; i < req.target.len; i++)
		ASSERT(!is_ctl((unsigned char)req.target.p[i]) && req.target.p[i] != ' ');

	/* The head alone parses the same; one byte less of it is only incomplete. */
	head = dup_exact(buf, (size_t)rc);
	ASSERT(http_parse_request(head, (size_t)rc, lim, &again) == rc);
	ASSERT(again.target.len == req.target.len && again.keep_alive == req.keep_alive &&
	       again.nr_headers == req.nr_headers && again.version == req.version &&
	       again.content_length == req.content_length && again.method == req.method);
	cut = dup_exact(buf, (size_t)rc - 1);
	ASSERT(http_parse_request(cut, (size_t)rc - 1, lim, &again) == -EAGAIN);
	free(cut);
	cut = dup_exact(buf, (size_t)rc / 2);
	ASSERT(http_parse_request(cut, (size_t)rc / 2, lim, &again) == -EAGAIN);
	free(cut);

	fuzz_path(req.target.p, req.target.len, req.target.len / 2);
	if (req.range.p)
		fuzz_range(req.range.p, req.range.len, req.content_length);
	if (req.if_modified_since.p)
		fuzz_date(req.if_modified_since.p, req.if_modified_since.len);
	if (req.if_none_match.p)
		fuzz_etag(req.if_none_match.p, req.if_none_match.len, "\"1a-2b\"");
	if (req.if_range.p)
		fuzz_etag(req.if_range.p, req.if_range.len, "W/\"1a-2b\"");
	fuzz_build(buf, (size_t)rc, &req);
	free(head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	char *etag;

	/* An exact-size heap copy: libFuzzer's own buffer may have slack that hides over-reads. */
	memcpy(buf, data, size);
	for (size_t i = 0; i < sizeof(fuzz_lims) / sizeof(fuzz_lims[0]); i++)
		fuzz_request(buf, size, &fuzz_lims[i]);

	/* The raw input as each kind of value, for what a request could never carry. */
	fuzz_path(buf, size, size ? (unsigned char)buf[0] % (size + 1) : 0);
	fuzz_range(buf, size, take_u64(buf, size));
	fuzz_date(buf, size);
	etag = dup_cstr(buf, size < 16 ? size : 16);
	fuzz_etag(buf, size, etag);
	fuzz_etag(buf, size, "\"x\"");
	free(etag);
	fuzz_build(buf, size, NULL);
	etag = dup_cstr(buf, size);
	ASSERT(http_mime_type(etag) != NULL);
	free(etag);
	free(buf);
	return 0;
}
