// SPDX-License-Identifier: MIT
/*
 * Unit tests for the HTTP wire module. The module is included whole so that its static helpers
 * are in reach and the test links against nothing else. Byte strings that hold a NUL or end in
 * a hex escape are written as concatenated literals and measured with sizeof, never strlen.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "proto/http_wire.c"

#define LIT_LEN(lit) (sizeof(lit) - 1)

static const struct http_limits lim = { .max_head = 8192, .max_target = 2048,
					.max_headers = 64 };

static int parse(const char *s, struct http_req *r)
{
	return http_parse_request(s, strlen(s), &lim, r);
}

static bool str_is(struct http_str s, const char *lit)
{
	return s.p && s.len == strlen(lit) && !memcmp(s.p, lit, s.len);
}

/* Parses a complete request and expects all of it to be the head. */
static bool parses_whole(const char *s, struct http_req *r)
{
	return parse(s, r) == (int)strlen(s);
}

static void req_minimal_get(void)
{
	static const char s[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_req r;

	CHECK_EQ(parse(s, &r), (int)LIT_LEN(s));
	CHECK_EQ(r.method, HTTP_GET);
	CHECK(r.known_method);
	CHECK(str_is(r.target, "/"));
	CHECK(r.target.p == s + 4);
	CHECK_EQ(r.version, 11u);
	CHECK(r.keep_alive);
	CHECK(str_is(r.host, "a"));
	CHECK(r.range.p == NULL && r.if_range.p == NULL && r.if_none_match.p == NULL &&
	      r.if_modified_since.p == NULL);
	CHECK(!r.has_content_length && r.content_length == 0);
	CHECK(!r.chunked && !r.expect_continue);
	CHECK_EQ(r.nr_headers, 1u);
}

static void req_methods(void)
{
	static const struct {
		const char *m;
		enum http_method method;
		bool known;
	} cases[] = {
		{ "GET", HTTP_GET, true },        { "HEAD", HTTP_HEAD, true },
		{ "POST", HTTP_OTHER, true },     { "PUT", HTTP_OTHER, true },
		{ "DELETE", HTTP_OTHER, true },   { "CONNECT", HTTP_OTHER, true },
		{ "OPTIONS", HTTP_OTHER, true },  { "TRACE", HTTP_OTHER, true },
		{ "PATCH", HTTP_OTHER, true },    { "get", HTTP_OTHER, false },
		{ "Head", HTTP_OTHER, false },    { "BREW", HTTP_OTHER, false },
		{ "M-SEARCH", HTTP_OTHER, false }, { "GETS", HTTP_OTHER, false },
		{ "GE", HTTP_OTHER, false },      { "!#$%&'*+-.^_`|~0", HTTP_OTHER, false },
	};
	char buf[128];
	struct http_req r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s /x HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].m);
		CHECK(parses_whole(buf, &r));
		CHECK_EQ(r.method, cases[i].method);
		CHECK_EQ(r.known_method, cases[i].known);
		CHECK(str_is(r.target, "/x"));
	}
}

static void req_real_clients(void)
{
	static const char curl[] = "GET /boot/vmlinuz HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n"
				   "User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
	static const char ipxe[] = "GET /boot/x.ipxe HTTP/1.1\r\nConnection: keep-alive\r\n"
				   "Host: 192.168.1.10\r\n\r\n";
	static const char wget[] = "GET /initrd.img HTTP/1.1\r\nHost: boot.lan\r\n"
				   "User-Agent: Wget/1.21.4\r\nAccept: */*\r\n"
				   "Accept-Encoding: identity\r\nConnection: Keep-Alive\r\n\r\n";
	static const char uefi[] = "GET /EFI/BOOT/BOOTX64.EFI HTTP/1.1\r\nHost: 10.0.0.1\r\n"
				   "Accept: */*\r\nUser-Agent: UefiHttpBoot/1.0\r\n\r\n";
	static const char aria[] = "GET /iso/a.iso HTTP/1.1\r\nUser-Agent: aria2/1.37.0\r\n"
				   "Accept: */*\r\nHost: [fe80::1]:80\r\nPragma: no-cache\r\n"
				   "Cache-Control: no-cache\r\n"
				   "Range: bytes=1048576-2097151\r\n\r\n";
	static const char ab[] = "GET /ldlinux.c32 HTTP/1.0\r\nHost: 127.0.0.1\r\n"
				 "User-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n";
	struct http_req r;

	CHECK(parses_whole(curl, &r));
	CHECK(str_is(r.host, "10.0.0.1:8080") && r.keep_alive && r.nr_headers == 3);
	CHECK(str_is(r.target, "/boot/vmlinuz"));
	CHECK(parses_whole(ipxe, &r));
	CHECK(str_is(r.host, "192.168.1.10") && r.keep_alive && r.nr_headers == 2);
	CHECK(parses_whole(wget, &r));
	CHECK(r.keep_alive && r.nr_headers == 5);
	CHECK(parses_whole(uefi, &r));
	CHECK(str_is(r.target, "/EFI/BOOT/BOOTX64.EFI"));
	CHECK(parses_whole(aria, &r));
	CHECK(str_is(r.range, "bytes=1048576-2097151") && str_is(r.host, "[fe80::1]:80"));
	CHECK(parses_whole(ab, &r));
	CHECK(r.version == 10 && !r.keep_alive);
}

static void req_every_prefix_is_eagain(void)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\n\r\nHEAD /a%20b?c=d HTTP/1.0\r\n\r\n",
		"GET /boot/x.ipxe HTTP/1.1\r\nConnection: keep-alive\r\nHost: 10.0.0.1\r\n"
		"Range:  bytes=0-99 \t\r\nIf-None-Match: W/\"a\", \"b\"\r\n"
		"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Range: \"b\"\r\n"
		"X-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
		"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
		"PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		size_t n = strlen(reqs[i]);
		char *heap = malloc(n);

		for (size_t len = 0; len < n; len++) {
			/* An exact-size copy, so a read past the prefix is ASan's to catch. */
			memcpy(heap, reqs[i], len);
			CHECK_EQ(http_parse_request(heap, len, &lim, &r), -EAGAIN);
		}
		memcpy(heap, reqs[i], n);
		CHECK_EQ(http_parse_request(heap, n, &lim, &r), (int)n);
		free(heap);
	}
}

static void req_pipelined(void)
{
	static const char s[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
				"HEAD /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	size_t first = strlen("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	struct http_req r;

	CHECK_EQ(parse(s, &r), (int)first);
	CHECK(str_is(r.target, "/a") && r.method == HTTP_GET && r.keep_alive);
	CHECK_EQ(http_parse_request(s + first, LIT_LEN(s) - first, &lim, &r),
		 (int)(LIT_LEN(s) - first));
	CHECK(str_is(r.target, "/b") && r.method == HTTP_HEAD && !r.keep_alive);
	/* The second head only partly read does not disturb the first. */
	CHECK_EQ(http_parse_request(s, first + 5, &lim, &r), (int)first);
	CHECK_EQ(http_parse_request(s + first, 5, &lim, &r), -EAGAIN);
}

static void req_body_follows(void)
{
	static const char s[] = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
	struct http_req r;

	CHECK_EQ(parse(s, &r), (int)(LIT_LEN(s) - 5));
	CHECK(r.has_content_length && r.content_length == 5);
	CHECK(r.method == HTTP_OTHER && r.known_method);
}

static void req_keep_alive_rules(void)
{
	static const struct {
		const char *req;
		bool keep_alive;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: CLOSE\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: ,, close ,\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n"
		  "Connection: close\r\n\r\n", false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: h\r\nX-Connection: close\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: TE, keep-alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: keepalive\r\n\r\n", false },
		/* RFC 9112 6.1: Transfer-Encoding in 1.0 is faulty framing, so close after. */
		{ "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
		  false },
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(parses_whole(cases[i].req, &r));
		CHECK_EQ(r.keep_alive, cases[i].keep_alive);
	}
}

static void req_leading_empty_lines(void)
{
	static const char s[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_req r;

	CHECK_EQ(parse(s, &r), (int)LIT_LEN(s));
	CHECK(r.target.p == s + 8);
	CHECK_EQ(parse("\r", &r), -EAGAIN);
	CHECK_EQ(parse("\r\n", &r), -EAGAIN);
	CHECK_EQ(parse("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", &r), -EBADMSG);
}

static void req_bad_request_line(void)
{
	static const char *const bad[] = {
		"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GE T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"G\x80T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"G:T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /  HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /\tHTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
		"GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / \r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse(bad[i], &r), -EBADMSG);
}

static void req_versions(void)
{
	static const char *const garbage[] = {
		"HTTP/x", "HTTP/1", "HTTP/1.", "HTTP/1.x", "HTTP/11", "HTTP/1.10", "HTTP/10.0",
		"http/1.1", "Http/1.1", "HTTPS/1.1", "HTTP 1.1", "HTTP/1,1", "HTTP/+.1", "HTTP/",
		"HTTP/1.1x", "HTX/1.1", "1.1",
	};
	static const char *const unsupported[] = {
		"HTTP/0.9", "HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "HTTP/0.0",
	};
	char buf[128];
	struct http_req r;

	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		snprintf(buf, sizeof(buf), "GET / %s\r\nHost: h\r\n\r\n", garbage[i]);
		CHECK_EQ(parse(buf, &r), -EBADMSG);
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		snprintf(buf, sizeof(buf), "GET / %s\r\nHost: h\r\n\r\n", unsupported[i]);
		CHECK_EQ(parse(buf, &r), -EPROTONOSUPPORT);
	}
	/* The HTTP/2 connection preface gets a 505, not a 400. */
	CHECK_EQ(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), -EPROTONOSUPPORT);
	/* An unsupported version is only judged once the line is complete. */
	CHECK_EQ(parse("GET / HTTP/2.0", &r), -EAGAIN);
	CHECK(parses_whole("GET / HTTP/1.0\r\n\r\n", &r));
	CHECK_EQ(r.version, 10u);
}

/* Each CRLF of a valid request in turn made a bare LF, a bare CR, or CR + junk. */
static void req_bare_lf_and_cr_anywhere(void)
{
	static const char s[] = "\r\nGET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n";
	static const char *const repl[] = { "\n", "\r", "\rX", "\n\r", " \n" };
	char buf[256];
	struct http_req r;
	size_t ncrlf = 0;

	CHECK(parses_whole(s, &r));
	for (size_t i = 0; i + 1 < LIT_LEN(s); i++) {
		if (s[i] != '\r')
			continue;
		ncrlf++;
		for (size_t k = 0; k < sizeof(repl) / sizeof(repl[0]); k++) {
			int n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)i, s, repl[k],
					 s + i + 2);
			int rc = http_parse_request(buf, (size_t)n, &lim, &r);

			/* A CR at the very end may yet be followed by its LF. */
			if (k == 1 && i + 2 == LIT_LEN(s))
				CHECK_EQ(rc, -EAGAIN);
			else
				CHECK_EQ(rc, -EBADMSG);
		}
	}
	CHECK_EQ(ncrlf, 5u);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\nb\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: h\n\n", &r), -EBADMSG);
	CHECK_EQ(parse("GET / HTTP/1.1\nHost: h\n\n", &r), -EBADMSG);
}

static void req_nul_and_controls(void)
{
	static const char tgt[] = "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char val[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
	static const char name[] = "GET / HTTP/1.1\r\nHost: h\r\nX\0: ab\r\n\r\n";
	static const char method[] = "G\0T / HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char *const bad_vals[] = { "a\x01.", "\x7f", "a\x1b[0m", "a\x0b", "\x0c" };
	char buf[128];
	struct http_req r;

	CHECK_EQ(http_parse_request(tgt, LIT_LEN(tgt), &lim, &r), -EBADMSG);
	CHECK_EQ(http_parse_request(val, LIT_LEN(val), &lim, &r), -EBADMSG);
	CHECK_EQ(http_parse_request(name, LIT_LEN(name), &lim, &r), -EBADMSG);
	CHECK_EQ(http_parse_request(method, LIT_LEN(method), &lim, &r), -EBADMSG);
	/* Found at once, before the head is complete. */
	CHECK_EQ(http_parse_request(val, 30, &lim, &r), -EBADMSG);
	for (size_t i = 0; i < sizeof(bad_vals) / sizeof(bad_vals[0]); i++) {
		snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX: %s\r\n\r\n",
			 bad_vals[i]);
		CHECK_EQ(parse(buf, &r), -EBADMSG);
	}
	/* HTAB and obs-text are allowed in values, raw UTF-8 in the target. */
	CHECK(parses_whole("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\nX: a\tb\xff\r\n\r\n", &r));
	CHECK(str_is(r.target, "/caf\xc3\xa9"));
}

static void req_obs_fold_and_colon(void)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n",
		"GET / HTTP/1.1\r\n Host: h\r\n\r\n",
		"GET / HTTP/1.1\r\n\tHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX y: z\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX(y): z\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX\x80: z\r\n\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse(bad[i], &r), -EBADMSG);
	CHECK(parses_whole("GET / HTTP/1.1\r\nHost:h\r\nX-A_b!#$%&'*+.^`|~:\r\n\r\n", &r));
	CHECK_EQ(r.nr_headers, 2u);
	CHECK(str_is(r.host, "h"));
}

static void req_host_rules(void)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nX-Host: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n",
		"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse(bad[i], &r), -EBADMSG);
	CHECK(parses_whole("GET / HTTP/1.0\r\n\r\n", &r));
	CHECK(r.host.p == NULL);
	CHECK(parses_whole("GET / HTTP/1.1\r\nHOST: [::1]:8080\r\n\r\n", &r));
	CHECK(str_is(r.host, "[::1]:8080"));
	CHECK(parses_whole("GET / HTTP/1.1\r\nhost: My-Box_1.example.\r\n\r\n", &r));
	CHECK(str_is(r.host, "My-Box_1.example."));
	/* An empty Host is allowed when the target has no authority (RFC 9110 7.2). */
	CHECK(parses_whole("GET / HTTP/1.1\r\nHost:\r\n\r\n", &r));
	CHECK(r.host.p != NULL && r.host.len == 0);
}

static void req_content_length(void)
{
	static const char *const bad[] = {
		"abc", "-1", "+5", "1 2", "", "0x10", "5.0", "5;", "99999999999999999999999",
		"18446744073709551616", "5,,5", "5, 6", ",5", "5,", "\"5\"",
	};
	static const struct {
		const char *v;
		uint64_t n;
	} good[] = {
		{ "0", 0 }, { "5", 5 }, { "5, 5", 5 }, { "5,5,5", 5 }, { "007", 7 },
		{ "18446744073709551615", UINT64_MAX }, { " 42 ", 42 },
	};
	char buf[256];
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: h\r\n"
			 "Content-Length: %s\r\n\r\n", bad[i]);
		CHECK_EQ(parse(buf, &r), -EBADMSG);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: h\r\n"
			 "Content-Length: %s\r\n\r\n", good[i].v);
		CHECK(parses_whole(buf, &r));
		CHECK(r.has_content_length && r.content_length == good[i].n);
	}
	CHECK(parses_whole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
			   "content-length: 5\r\n\r\n", &r));
	CHECK_EQ(r.content_length, 5u);
	CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
		       "Content-Length: 6\r\n\r\n", &r), -EBADMSG);
	CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
		       "Content-Length: 5, 0\r\n\r\n", &r), -EBADMSG);
}

static void req_transfer_encoding(void)
{
	/* The field lines after "POST / HTTP/1.1\r\nHost: h\r\n". */
	static const char *const bad[] = {
		"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
		"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
		"Transfer-Encoding: gzip\r\n",
		"Transfer-Encoding: chunked, gzip\r\n",
		"Transfer-Encoding:\r\n",
		"Transfer-Encoding: ,\r\n",
		"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
		"Transfer-Encoding: xchunked\r\n",
	};
	static const char *const good[] = {
		"Transfer-Encoding: chunked\r\n",
		"Transfer-Encoding: CHUNKED\r\n",
		"Transfer-Encoding: gzip, chunked , \r\n",
		"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
	};
	char buf[256];
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: h\r\n%s\r\n", bad[i]);
		CHECK_EQ(parse(buf, &r), -EBADMSG);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: h\r\n%s\r\n", good[i]);
		CHECK(parses_whole(buf, &r));
		CHECK(r.chunked && !r.has_content_length && r.keep_alive);
	}
	CHECK_EQ(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		       &r), -EBADMSG);
}

static void req_expect(void)
{
	struct http_req r;

	CHECK(parses_whole("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n", &r));
	CHECK(r.expect_continue);
	CHECK(parses_whole("PUT / HTTP/1.1\r\nHost: h\r\nexpect:  100-Continue \r\n\r\n", &r));
	CHECK(r.expect_continue);
	CHECK(parses_whole("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &r));
	CHECK(!r.expect_continue);
	CHECK(parses_whole("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", &r));
	CHECK(!r.expect_continue);
}

static void req_conditional_fields(void)
{
	static const char s[] = "GET /f HTTP/1.1\r\nhost: h\r\nrAnGe:   bytes=0-1 \t \r\n"
				"IF-RANGE: \"x\"\r\nif-none-match: W/\"a\", \"b\"\r\n"
				"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
	struct http_req r;

	CHECK(parses_whole(s, &r));
	CHECK(str_is(r.range, "bytes=0-1"));
	CHECK(str_is(r.if_range, "\"x\""));
	CHECK(str_is(r.if_none_match, "W/\"a\", \"b\""));
	CHECK(str_is(r.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	CHECK_EQ(r.nr_headers, 5u);
	CHECK(parses_whole("GET / HTTP/1.1\r\nHost: h\r\nRange:\r\n\r\n", &r));
	CHECK(r.range.p != NULL && r.range.len == 0);
}

/* Duplicates of the fields the server acts on are malformed: which one wins is undefined. */
static void req_duplicate_conditionals(void)
{
	static const char *const names[] = { "Range", "If-Range", "If-None-Match",
					     "If-Modified-Since" };
	char buf[256];
	struct http_req r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\n%s: a\r\nX: y\r\n"
			 "%s: a\r\n\r\n", names[i], names[i]);
		CHECK_EQ(parse(buf, &r), -EBADMSG);
		snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\n%s: a\r\n\r\n", names[i]);
		CHECK(parses_whole(buf, &r));
	}
	/* Other repeated fields are no business of ours. */
	CHECK(parses_whole("GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\nAccept: b\r\n\r\n", &r));
}

static size_t mk_headers(char *buf, size_t cap, unsigned n)
{
	size_t len = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\nHost: h\r\n");

	for (unsigned i = 1; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "X-%u: v\r\n", i);
	len += (size_t)snprintf(buf + len, cap - len, "\r\n");
	return len;
}

static void req_header_flood(void)
{
	static char buf[4096];
	struct http_req r;
	size_t n;

	n = mk_headers(buf, sizeof(buf), 64);
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), (int)n);
	CHECK_EQ(r.nr_headers, 64u);
	n = mk_headers(buf, sizeof(buf), 65);
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), -EMSGSIZE);
	/* Cut off as soon as the 65th field's name is in, not at the end of the head. */
	n = (size_t)(strstr(buf, "X-64:") - buf);
	CHECK_EQ(http_parse_request(buf, n + 4, &lim, &r), -EAGAIN);
	CHECK_EQ(http_parse_request(buf, n + 5, &lim, &r), -EMSGSIZE);
	n = mk_headers(buf, sizeof(buf), 200);
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), -EMSGSIZE);
}

static void req_huge_head(void)
{
	static char buf[20000];
	struct http_req r;
	struct http_limits l = lim;
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(buf + n, 'a', 9000);
	n += 9000;
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), -EMSGSIZE);
	memcpy(buf + n, "\r\n\r\n", 4);
	CHECK_EQ(http_parse_request(buf, n + 4, &lim, &r), -EMSGSIZE);
	/* A head of exactly max_head fits; one byte less of limit does not. */
	l.max_head = n + 4;
	CHECK_EQ(http_parse_request(buf, n + 4, &l, &r), (int)(n + 4));
	l.max_head = n + 3;
	CHECK_EQ(http_parse_request(buf, n + 4, &l, &r), -EMSGSIZE);
	CHECK_EQ(http_parse_request(buf, n + 3, &l, &r), -EMSGSIZE);
	CHECK_EQ(http_parse_request(buf, n + 2, &l, &r), -EAGAIN);
	/* Empty lines before the request line count too. */
	l.max_head = 16;
	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < 20; i += 2)
		memcpy(buf + i, "\r\n", 2);
	CHECK_EQ(http_parse_request(buf, 20, &l, &r), -ENAMETOOLONG);
}

static void req_huge_target(void)
{
	static char buf[20000];
	struct http_req r;
	struct http_limits l = lim;
	size_t n;

	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', 2047);
	n = 5 + 2047;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), (int)n);
	CHECK_EQ(r.target.len, 2048u);

	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', 2048);
	n = 5 + 2048;
	/* Incomplete: cut off once over the limit, with no line end in sight. */
	CHECK_EQ(http_parse_request(buf, n - 1, &lim, &r), -EAGAIN);
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), -ENAMETOOLONG);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK_EQ(http_parse_request(buf, n, &lim, &r), -ENAMETOOLONG);

	/* A request line over max_head is a 414 too, the target limit notwithstanding. */
	l.max_target = 100000;
	memset(buf + 5, 'b', 10000);
	CHECK_EQ(http_parse_request(buf, 5 + 10000, &l, &r), -ENAMETOOLONG);
	l.max_head = 20;
	CHECK_EQ(http_parse_request("GET /0123456789 HTTP/1.1\r\nHost: h\r\n\r\n", 39, &l, &r),
		 -ENAMETOOLONG);
	CHECK_EQ(http_parse_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, &l, &r),
		 -EMSGSIZE);
}

static void req_absolute_and_asterisk_form(void)
{
	struct http_req r;
	char path[64];

	CHECK(parses_whole("GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n", &r));
	CHECK(str_is(r.target, "http://h/x"));
	/* RFC 9112 3.2.2: the absolute-form is accepted; only its path counts. */
	CHECK_EQ(http_decode_path(r.target.p, r.target.len, path, sizeof(path)), 2);
	CHECK_STR(path, "/x");
	CHECK_EQ(http_decode_path("HTTP://h", 8, path, sizeof(path)), 1);
	CHECK_STR(path, "/");
	CHECK_EQ(http_decode_path("http://h?q=/x", 13, path, sizeof(path)), 1);
	CHECK_STR(path, "/");
	CHECK_EQ(http_decode_path("https://h:8080/a%20b?q", 22, path, sizeof(path)), 4);
	CHECK_STR(path, "/a b");
	/* Dot segments stay for the confined open to refuse, as in the origin-form. */
	CHECK_EQ(http_decode_path("http://h/../etc", 15, path, sizeof(path)), 7);
	CHECK_STR(path, "/../etc");
	CHECK_EQ(http_decode_path("http://h\x01/x", 11, path, sizeof(path)), 2);
	CHECK_EQ(http_decode_path("http://h\x01", 9, path, sizeof(path)), -EINVAL);
	CHECK_EQ(http_decode_path("ftp://h/x", 9, path, sizeof(path)), -EINVAL);
	CHECK(parses_whole("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r));
	CHECK(str_is(r.target, "*"));
}

static void req_empty_input(void)
{
	struct http_req r;

	CHECK_EQ(http_parse_request("", 0, &lim, &r), -EAGAIN);
	CHECK_EQ(http_parse_request(NULL, 0, &lim, &r), -EAGAIN);
}

static int range(const char *v, uint64_t size, struct http_range *out, unsigned cap)
{
	return http_parse_range(v, strlen(v), size, out, cap);
}

static bool range_is(const struct http_range *r, uint64_t first, uint64_t last)
{
	return r->first == first && r->last == last;
}

static void range_single_forms(void)
{
	static const struct {
		const char *v;
		uint64_t first, last;
	} cases[] = {
		{ "bytes=0-0", 0, 0 },
		{ "bytes=0-499", 0, 499 },
		{ "bytes=500-999", 500, 999 },
		{ "bytes=-500", 9500, 9999 },
		{ "bytes=9500-", 9500, 9999 },
		{ "bytes=0-", 0, 9999 },
		{ "bytes=9999-", 9999, 9999 },
		{ "bytes=-1", 9999, 9999 },
		{ "bytes=0-9999", 0, 9999 },
		{ "bytes=0-10000", 0, 9999 },
		{ "bytes=100-99999999", 100, 9999 },
		{ "bytes=0-18446744073709551615", 0, 9999 },
		{ "bytes=-10000", 0, 9999 },
		{ "bytes=-20000", 0, 9999 },
		{ "bytes=-18446744073709551615", 0, 9999 },
		{ "BYTES=1-2", 1, 2 },
		{ "Bytes=1-2", 1, 2 },
		{ "bytes=007-008", 7, 8 },
		{ "bytes= 1-2 ", 1, 2 },
		{ "bytes=, ,1-2,,", 1, 2 },
	};
	struct http_range out[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(range(cases[i].v, 10000, out, 4), 1);
		CHECK(range_is(&out[0], cases[i].first, cases[i].last));
	}
}

static void range_multiple_coalesced(void)
{
	struct http_range out[8];

	CHECK_EQ(range("bytes=0-499, -500, 9500-", 10000, out, 8), 2);
	CHECK(range_is(&out[0], 0, 499) && range_is(&out[1], 9500, 9999));
	CHECK_EQ(range("bytes=0-10,5-20", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 20));
	CHECK_EQ(range("bytes=0-9,10-19", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 19));
	CHECK_EQ(range("bytes=0-9,11-19", 10000, out, 8), 2);
	CHECK(range_is(&out[0], 0, 9) && range_is(&out[1], 11, 19));
	/* Disjoint ranges keep the request's order (RFC 9110 15.3.7.2)... */
	CHECK_EQ(range("bytes=500-600, 0-10 ,200-300", 10000, out, 8), 3);
	CHECK(range_is(&out[0], 500, 600) && range_is(&out[1], 0, 10) &&
	      range_is(&out[2], 200, 300));
	/* ...and once two overlap or touch, all come sorted and merged. */
	CHECK_EQ(range("bytes=500-600, 0-10, 601-700", 10000, out, 8), 2);
	CHECK(range_is(&out[0], 0, 10) && range_is(&out[1], 500, 700));
	CHECK_EQ(range("bytes=0-100,10-20", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 100));
	CHECK_EQ(range("bytes=10-20,0-100", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 100));
	CHECK_EQ(range("bytes=5-5,5-5,5-5", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 5, 5));
	CHECK_EQ(range("bytes=20-29,0-9,10-19", 10000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 29));
	CHECK_EQ(range("bytes=0-0,2-2,4-4", 10000, out, 8), 3);
	CHECK_EQ(range("bytes=-1,0-0", 10000, out, 8), 2);
	CHECK(range_is(&out[0], 9999, 9999) && range_is(&out[1], 0, 0));
	/* Unsatisfiable elements are dropped when another is satisfiable. */
	CHECK_EQ(range("bytes=1000-, 0-0, -0", 1000, out, 8), 1);
	CHECK(range_is(&out[0], 0, 0));
}

static void range_unsatisfiable(void)
{
	struct http_range out[4];

	CHECK_EQ(range("bytes=1000-", 1000, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=1000-1000", 1000, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=-0", 1000, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=1000-2000, 5000-, -0", 1000, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=18446744073709551615-", 1000, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=999-", 1000, out, 4), 1);
	CHECK(range_is(&out[0], 999, 999));
}

static void range_size_zero(void)
{
	static const char *const unsat[] = { "bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0",
					     "bytes=-100", "bytes=5-10,-3" };
	struct http_range out[4];

	for (size_t i = 0; i < sizeof(unsat) / sizeof(unsat[0]); i++)
		CHECK_EQ(range(unsat[i], 0, out, 4), -ERANGE);
	CHECK_EQ(range("bytes=5-2", 0, out, 4), 0);
	CHECK_EQ(range("items=0-", 0, out, 4), 0);
}

static void range_ignored(void)
{
	static const char *const ignored[] = {
		"bytes=5-2", "bytes=0-1,5-2", "items=0-5", "bits=0-5", "byte=0-5", "bytesx=0-5",
		"", "bytes", "bytes=", "bytes=,", "bytes= , ,", "bytes=abc", "bytes=1-2-3",
		"bytes=--1", "bytes=0 - 1", "bytes=0- 1", "bytes=0 -1", "bytes=-", "bytes=0-1;",
		"bytes =0-1", "bytes= =0-1", "bytes0-1", "bytes=0x1-2", "bytes=+1-2", "bytes=1-+2",
		"bytes=1", "bytes=0-1,x", "bytes=0-1 2-3", "bytes=-1-2", "bytes=1--2",
		"bytes=0-99999999999999999999999", "bytes=99999999999999999999999-",
		"bytes=-99999999999999999999999", "bytes=0-18446744073709551616",
		"bytes=0-1\t,\x01", "=0-1", "*",
	};
	struct http_range out[4];

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		int rc = range(ignored[i], 10000, out, 4);

		CHECK_EQ(rc, 0);
		if (rc)
			printf("  range \"%s\" gave %d\n", ignored[i], rc);
	}
}

static void range_cap(void)
{
	struct http_range out[3];

	CHECK_EQ(range("bytes=0-0,2-2,4-4", 10000, out, 3), 3);
	CHECK_EQ(range("bytes=0-0,2-2,4-4", 10000, out, 2), 0);
	/* The cap counts range-specs, satisfiable or not, and not empty elements. */
	CHECK_EQ(range("bytes=0-0,20000-,-0", 10000, out, 2), 0);
	CHECK_EQ(range("bytes=0-0,,,,2-2", 10000, out, 2), 2);
	CHECK_EQ(range("bytes=0-0", 10000, out, 0), 0);
	/* Coalescing does not let more specs in. */
	CHECK_EQ(range("bytes=0-0,0-0,0-0", 10000, out, 2), 0);
}

static void range_huge_size(void)
{
	struct http_range out[4];

	CHECK_EQ(range("bytes=0-", UINT64_MAX, out, 4), 1);
	CHECK(range_is(&out[0], 0, UINT64_MAX - 1));
	CHECK_EQ(range("bytes=-1,18446744073709551613-", UINT64_MAX, out, 4), 1);
	CHECK(range_is(&out[0], UINT64_MAX - 2, UINT64_MAX - 1));
	CHECK_EQ(range("bytes=18446744073709551614-18446744073709551615", UINT64_MAX, out, 4), 1);
	CHECK(range_is(&out[0], UINT64_MAX - 1, UINT64_MAX - 1));
}

/* Only the bytes given are read: the value is not NUL-terminated in the request buffer. */
static void range_counted_value(void)
{
	struct http_range out[2];
	char *heap = malloc(9);

	memcpy(heap, "bytes=0-5", 9);
	CHECK_EQ(http_parse_range(heap, 9, 100, out, 2), 1);
	CHECK(range_is(&out[0], 0, 5));
	CHECK_EQ(http_parse_range(heap, 8, 100, out, 2), 1);
	CHECK(range_is(&out[0], 0, 99));
	free(heap);
}

static int decode(const char *t, char *out, size_t cap)
{
	return http_decode_path(t, strlen(t), out, cap);
}

static void path_decoding(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/", "/" },
		{ "/a%20b?x", "/a b" },
		{ "/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff", "/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff" },
		{ "/%4a%4A%7e", "/JJ~" },
		{ "/a#frag", "/a" },
		{ "/a?b%zz%00%2F", "/a" },
		{ "/a?", "/a" },
		{ "/%3F%23", "/?#" },
		{ "/caf%C3%A9", "/caf\xc3\xa9" },
		{ "/caf\xc3\xa9", "/caf\xc3\xa9" },
		{ "/../x", "/../x" },
		{ "/%2e%2e/x", "/../x" },
		{ "//a//b/", "//a//b/" },
		{ "/a%25b", "/a%b" },
		{ "/a+b", "/a+b" },
		{ "/a%5Cb", "/a\\b" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode(cases[i].in, out, sizeof(out));

		CHECK_EQ(rc, (int)strlen(cases[i].out));
		if (rc >= 0)
			CHECK_STR(out, cases[i].out);
	}
}

static void path_rejected(void)
{
	static const char *const bad[] = {
		"", "a", "*", "ftp://h/a", "?/a", "/a%00b", "/%00", "/a%2Fb", "/a%2fb",
		"/..%2F..%2Fetc/passwd", "/%zz", "/%4", "/%", "/a%4?x", "/a%g0", "/%%41",
		"/a\x01", "/a\x7f", "/a\tb", "/a\nb", "/a%0ab", "/a%0D%0Ab", "/%7f", "/%1F",
		"/a%20%",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(decode(bad[i], out, sizeof(out)), -EINVAL);
	CHECK_EQ(http_decode_path("/a\0b", 4, out, sizeof(out)), -EINVAL);
	/* Length, not NUL, ends the target: "%4" cut short of its second digit is bad. */
	CHECK_EQ(http_decode_path("/%41", 3, out, sizeof(out)), -EINVAL);
	CHECK_EQ(http_decode_path("/%41", 4, out, sizeof(out)), 2);
	CHECK_STR(out, "/A");
}

static void path_fits(void)
{
	char out[8];

	memset(out, 'X', sizeof(out));
	CHECK_EQ(decode("/abc", out, 5), 4);
	CHECK_STR(out, "/abc");
	CHECK_EQ(out[5], 'X');
	memset(out, 'X', sizeof(out));
	CHECK_EQ(decode("/abc", out, 4), -ENAMETOOLONG);
	CHECK_EQ(out[4], 'X');
	CHECK_EQ(decode("/abc", out, 1), -ENAMETOOLONG);
	CHECK_EQ(decode("/abc", out, 0), -ENAMETOOLONG);
	/* Escapes shrink: "/%41%42" needs 4 bytes, not 8. */
	CHECK_EQ(decode("/%41%42?long-query", out, 4), 3);
	CHECK_STR(out, "/AB");
	/* A malformed target is -EINVAL even when it also does not fit. */
	CHECK_EQ(decode("/aaaaaaaaaaaa%zz", out, 4), -EINVAL);
	CHECK_EQ(decode("/aaaaaaaaaaaa%2f", out, 4), -EINVAL);
}

static time_t date(const char *s, int *rc)
{
	time_t t = -12345;

	*rc = http_parse_date(s, strlen(s), &t);
	return t;
}

static void date_formats(void)
{
	static const char *const same[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"Sun Nov 06 08:49:37 1994",
	};
	int rc;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		CHECK_EQ(date(same[i], &rc), (time_t)784111777);
		CHECK_EQ(rc, 0);
	}
	CHECK_EQ(date("Thu, 01 Jan 1970 00:00:00 GMT", &rc), (time_t)0);
	CHECK_EQ(date("Thursday, 01-Jan-70 00:00:00 GMT", &rc), (time_t)0);
	CHECK_EQ(date("Saturday, 01-Jan-00 00:00:00 GMT", &rc), (time_t)946684800);
	CHECK_EQ(date("Wednesday, 31-Dec-69 23:59:59 GMT", &rc), (time_t)3155759999);
	CHECK_EQ(date("Tue, 29 Feb 2000 12:00:00 GMT", &rc), (time_t)951825600);
	CHECK_EQ(rc, 0);
	CHECK_EQ(date("Wed, 31 Dec 1969 23:59:59 GMT", &rc), (time_t)-1);
	CHECK_EQ(date("Fri, 31 Dec 9999 23:59:59 GMT", &rc), (time_t)253402300799);
	CHECK_EQ(date("Tue Jan 19 03:14:08 2038", &rc), (time_t)2147483648);
	/* A leap second is the next minute's first. */
	CHECK_EQ(date("Sat, 31 Dec 2016 23:59:60 GMT", &rc), (time_t)1483228800);
	CHECK_EQ(rc, 0);
	/* The weekday must be a weekday, not the right one. */
	CHECK_EQ(date("Mon, 06 Nov 1994 08:49:37 GMT", &rc), (time_t)784111777);
	CHECK_EQ(rc, 0);
}

static void date_bad(void)
{
	static const char *const bad[] = {
		"", "Sun", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 gmt",
		"sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
		" Sun, 06 Nov 1994 08:49:37 GMT", "Sun,06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37", "Sun, 06-Nov-1994 08:49:37 GMT",
		"Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 30 Feb 2000 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 29 Feb 2001 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 23:60:00 GMT",
		"Sun, 06 Nov 1994 23:59:61 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT",
		"Foo, 06 Nov 1994 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37", "Sunday 06-Nov-94",
		"Sunday, 06-Nov-94 08:49:37 GMT ", "Sun Nov 6 08:49:37 1994",
		"Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 GMT", "Sun Nov  6 08:49:37",
		"Sun Nov   6 08:49:37 1994",
		"Sun, 06 Nov -994 08:49:37 GMT", "Sun, 06 Nov 1994 08.49.37 GMT", "0", "-1",
		"784111777",
	};
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		time_t t = date(bad[i], &rc);

		CHECK_EQ(rc, -EINVAL);
		CHECK_EQ(t, (time_t)-12345);
		if (rc != -EINVAL)
			printf("  date \"%s\" parsed\n", bad[i]);
	}
	/* Length, not NUL, ends the value. */
	CHECK_EQ(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMTX", 29, &(time_t){ 0 }), 0);
	CHECK_EQ(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 28, &(time_t){ 0 }), -EINVAL);
	CHECK_EQ(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT\0", 30, &(time_t){ 0 }), -EINVAL);
}

static void date_format_exact(void)
{
	char buf[40];

	memset(buf, 'X', sizeof(buf));
	http_format_date(784111777, buf);
	CHECK_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	CHECK_EQ(buf[30], 'X');
	http_format_date(0, buf);
	CHECK_STR(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_format_date(-1, buf);
	CHECK_STR(buf, "Wed, 31 Dec 1969 23:59:59 GMT");
	http_format_date(951825600, buf);
	CHECK_STR(buf, "Tue, 29 Feb 2000 12:00:00 GMT");
	http_format_date(253402300799, buf);
	CHECK_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* Clamped to what four year digits can show, never longer. */
	http_format_date(253402300800, buf);
	CHECK_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
	http_format_date((time_t)INT64_MAX, buf);
	CHECK_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
	http_format_date((time_t)INT64_MIN, buf);
	CHECK_STR(buf, "Sat, 01 Jan 0000 00:00:00 GMT");
}

/* Against libc's gmtime_r and strftime (C locale) over four centuries, both ways. */
static void date_matches_libc(void)
{
	char ours[30], libc[64];
	unsigned mismatches = 0;

	for (int64_t t = -2208988800LL; t < 10413792000LL; t += 86400LL * 13 + 3607) {
		struct tm tm;
		time_t back = 0;

		gmtime_r(&(time_t){ (time_t)t }, &tm);
		strftime(libc, sizeof(libc), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		http_format_date((time_t)t, ours);
		if (strcmp(ours, libc))
			mismatches++;
		if (http_parse_date(ours, 29, &back) || back != (time_t)t)
			mismatches++;
		strftime(libc, sizeof(libc), "%a %b %e %H:%M:%S %Y", &tm);
		if (http_parse_date(libc, strlen(libc), &back) || back != (time_t)t)
			mismatches++;
		if (tm.tm_year >= 70 && tm.tm_year < 170) {
			strftime(libc, sizeof(libc), "%A, %d-%b-%y %H:%M:%S GMT", &tm);
			if (http_parse_date(libc, strlen(libc), &back) || back != (time_t)t)
				mismatches++;
		}
	}
	CHECK_EQ(mismatches, 0u);
}

static void etag_matching(void)
{
	static const struct {
		const char *list, *etag;
		bool weak, strong;
	} cases[] = {
		{ "\"abc\"", "\"abc\"", true, true },
		{ "W/\"abc\"", "\"abc\"", true, false },
		{ "\"abc\"", "W/\"abc\"", true, false },
		{ "W/\"abc\"", "W/\"abc\"", true, false },
		{ "\"abd\"", "\"abc\"", false, false },
		{ "\"ab\"", "\"abc\"", false, false },
		{ "\"x\", \"abc\"", "\"abc\"", true, true },
		{ "\"x\",\"y\"", "\"abc\"", false, false },
		{ "  \"x\" ,  W/\"abc\" ", "\"abc\"", true, false },
		{ ", ,\"abc\",", "\"abc\"", true, true },
		{ "*", "\"abc\"", true, true },
		{ " * ", "W/\"abc\"", true, false },
		{ "*, \"abc\"", "\"abc\"", false, false },
		{ "\"abc\", *", "\"abc\"", false, false },
		{ "abc", "\"abc\"", false, false },
		{ "\"abc", "\"abc\"", false, false },
		{ "\"abc\" \"def\"", "\"abc\"", false, false },
		{ "\"abc\", garbage", "\"abc\"", false, false },
		{ "garbage, \"abc\"", "\"abc\"", false, false },
		{ "w/\"abc\"", "\"abc\"", false, false },
		{ "W/ \"abc\"", "\"abc\"", false, false },
		{ "\"a,b\"", "\"a,b\"", true, true },
		{ "\"a\", \"b\"", "\"a,b\"", false, false },
		{ "\"a b\"", "\"a b\"", false, false },
		{ "", "\"abc\"", false, false },
		{ ",", "\"abc\"", false, false },
		{ "\"\"", "\"\"", true, true },
		{ "\"abc\"", "abc", false, false },
		{ "\"abc\"", "\"abc\"x", false, false },
		{ "*", "abc", false, false },
		{ "\"1a-2b\", \"3c-4d\"", "\"3c-4d\"", true, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].list;

		CHECK_EQ(http_etag_match(l, strlen(l), cases[i].etag, true), cases[i].weak);
		CHECK_EQ(http_etag_match(l, strlen(l), cases[i].etag, false), cases[i].strong);
		if (http_etag_match(l, strlen(l), cases[i].etag, true) != cases[i].weak)
			printf("  etag %s in [%s]\n", cases[i].etag, l);
	}
	/* Counted: a match just past @len does not count. */
	CHECK(!http_etag_match("\"x\", \"abc\"", 5, "\"abc\"", true));
	CHECK(http_etag_match("\"x\", \"abc\"", 3, "\"x\"", true));
}

static const struct http_range r0_499 = { 0, 499 };

static void check_build(const struct http_resp *r, const char *want)
{
	size_t n = strlen(want);
	char *buf = malloc(n + 16);

	memset(buf, 'X', n + 16);
	CHECK_EQ(http_build_head(buf, n + 16, r), n);
	CHECK_MEM(buf, want, n);
	CHECK_EQ(buf[n], 'X');
	if (memcmp(buf, want, n))
		printf("  got:\n%.*s\n", (int)n, buf);
	/* Every shorter buffer is refused without a byte written past it. */
	for (size_t cap = 0; cap < n; cap++) {
		memset(buf, 'X', n + 16);
		CHECK_EQ(http_build_head(buf, cap, r), 0u);
		CHECK_EQ(buf[cap], 'X');
	}
	CHECK_EQ(http_build_head(buf, n, r), n);
	free(buf);
}

static void build_200(void)
{
	struct http_resp r = {
		.status = 200, .now = 784111777, .keep_alive = true,
		.content_type = "application/efi", .has_length = true, .content_length = 1234,
		.last_modified = 784111717, .etag = "\"1a-2b\"", .accept_ranges = true,
	};

	check_build(&r, "HTTP/1.1 200 OK\r\nServer: bootherd\r\n"
			"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n"
			"Content-Type: application/efi\r\nContent-Length: 1234\r\n"
			"Last-Modified: Sun, 06 Nov 1994 08:48:37 GMT\r\nETag: \"1a-2b\"\r\n"
			"Accept-Ranges: bytes\r\n\r\n");
}

static void build_206_single(void)
{
	struct http_resp r = {
		.status = 206, .now = 0, .keep_alive = true,
		.content_type = "application/octet-stream", .has_length = true,
		.content_length = 500, .etag = "\"e\"", .accept_ranges = true,
		.range = &r0_499, .total = 10000,
	};

	check_build(&r, "HTTP/1.1 206 Partial Content\r\nServer: bootherd\r\n"
			"Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nConnection: keep-alive\r\n"
			"Content-Type: application/octet-stream\r\nContent-Length: 500\r\n"
			"ETag: \"e\"\r\nAccept-Ranges: bytes\r\n"
			"Content-Range: bytes 0-499/10000\r\n\r\n");
}

static void build_206_multipart(void)
{
	struct http_resp r = {
		.status = 206, .now = 784111777, .keep_alive = true,
		.content_type = "ignored/when-multipart", .has_length = true,
		.content_length = 18446744073709551615ULL, .boundary = "3d6b6a416f9b5",
	};

	check_build(&r, "HTTP/1.1 206 Partial Content\r\nServer: bootherd\r\n"
			"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n"
			"Content-Type: multipart/byteranges; boundary=3d6b6a416f9b5\r\n"
			"Content-Length: 18446744073709551615\r\n\r\n");
}

static void build_416_405_304(void)
{
	struct http_resp r416 = {
		.status = 416, .now = 784111777, .has_length = true, .content_length = 0,
		.range_unsatisfied = true, .total = 1000,
	};
	struct http_resp r405 = {
		.status = 405, .now = 784111777, .keep_alive = true, .has_length = true,
		.allow = "GET, HEAD",
	};
	struct http_resp r304 = {
		.status = 304, .now = 784111777, .keep_alive = true, .etag = "W/\"x\"",
		.last_modified = 1,
	};

	check_build(&r416, "HTTP/1.1 416 Range Not Satisfiable\r\nServer: bootherd\r\n"
			   "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n"
			   "Content-Length: 0\r\nContent-Range: bytes */1000\r\n\r\n");
	check_build(&r405, "HTTP/1.1 405 Method Not Allowed\r\nServer: bootherd\r\n"
			   "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n"
			   "Content-Length: 0\r\nAllow: GET, HEAD\r\n\r\n");
	check_build(&r304, "HTTP/1.1 304 Not Modified\r\nServer: bootherd\r\n"
			   "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n"
			   "Last-Modified: Thu, 01 Jan 1970 00:00:01 GMT\r\nETag: W/\"x\"\r\n\r\n");
}

static void build_refuses_broken_heads(void)
{
	static const struct http_range backwards = { 5, 4 }, past_end = { 0, 1000 };
	char buf[512];
	struct http_resp ok = { .status = 200, .now = 1 };
	struct http_resp r;

	CHECK(http_build_head(buf, sizeof(buf), &ok) > 0);
	r = ok;
	r.content_type = "text/plain\r\nSet-Cookie: x=y";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r = ok;
	r.etag = "\"a\"\n";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r = ok;
	r.allow = "GET\r";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r = ok;
	r.etag = "\"a\x7f\"";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r = ok;
	r.boundary = "a b";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.boundary = "";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.boundary = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.boundary = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	CHECK(http_build_head(buf, sizeof(buf), &r) > 0);
	r.boundary = "A-z_0.9'+";
	CHECK(http_build_head(buf, sizeof(buf), &r) > 0);
	r = ok;
	r.range = &backwards;
	r.total = 10;
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.range = &past_end;
	r.total = 1000;
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.total = 1001;
	CHECK(http_build_head(buf, sizeof(buf), &r) > 0);
	r = ok;
	r.status = 99;
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.status = 1000;
	CHECK_EQ(http_build_head(buf, sizeof(buf), &r), 0u);
	r.status = 299;
	CHECK(http_build_head(buf, sizeof(buf), &r) > 0);
	CHECK(!memcmp(buf, "HTTP/1.1 299 Unknown\r\n", 22));
}

static void build_parts(void)
{
	static const char part[] = "\r\n--B0\r\nContent-Type: application/octet-stream\r\n"
				   "Content-Range: bytes 0-499/10000\r\n\r\n";
	static const char part_bare[] = "\r\n--B0\r\nContent-Range: bytes 0-499/10000\r\n\r\n";
	static const char end[] = "\r\n--B0--\r\n";
	static const struct http_range bad = { 0, 10000 };
	char buf[256];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(http_build_part_head(buf, sizeof(buf), "B0", "application/octet-stream",
				      &r0_499, 10000), LIT_LEN(part));
	CHECK_MEM(buf, part, LIT_LEN(part));
	CHECK_EQ(http_build_part_head(buf, sizeof(buf), "B0", NULL, &r0_499, 10000),
		 LIT_LEN(part_bare));
	CHECK_MEM(buf, part_bare, LIT_LEN(part_bare));
	for (size_t cap = 0; cap < LIT_LEN(part); cap++) {
		memset(buf, 'X', sizeof(buf));
		CHECK_EQ(http_build_part_head(buf, cap, "B0", "application/octet-stream", &r0_499,
					      10000), 0u);
		CHECK_EQ(buf[cap], 'X');
	}
	CHECK_EQ(http_build_part_head(buf, sizeof(buf), "B 0", NULL, &r0_499, 10000), 0u);
	CHECK_EQ(http_build_part_head(buf, sizeof(buf), "B0", "a\r\nb", &r0_499, 10000), 0u);
	CHECK_EQ(http_build_part_head(buf, sizeof(buf), "B0", NULL, &bad, 10000), 0u);

	CHECK_EQ(http_build_multipart_end(buf, sizeof(buf), "B0"), LIT_LEN(end));
	CHECK_MEM(buf, end, LIT_LEN(end));
	for (size_t cap = 0; cap < LIT_LEN(end); cap++) {
		memset(buf, 'X', sizeof(buf));
		CHECK_EQ(http_build_multipart_end(buf, cap, "B0"), 0u);
		CHECK_EQ(buf[cap], 'X');
	}
	CHECK_EQ(http_build_multipart_end(buf, sizeof(buf), "B\n"), 0u);
}

static void reasons(void)
{
	static const struct {
		unsigned status;
		const char *reason;
	} cases[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 204, "No Content" },
		{ 206, "Partial Content" }, { 301, "Moved Permanently" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 413, "Content Too Large" }, { 414, "URI Too Long" },
		{ 416, "Range Not Satisfiable" }, { 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
		{ 0, "Unknown" }, { 201, "Unknown" }, { 999, "Unknown" },
		{ 4000000000u, "Unknown" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(http_reason(cases[i].status), cases[i].reason);
}

static void mime_types(void)
{
	static const char *const oct = "application/octet-stream";
	static const char *const txt = "text/plain; charset=utf-8";
	static const struct {
		const char *path, *type;
	} cases[] = {
		{ "/EFI/BOOT/BOOTX64.EFI", "application/efi" },
		{ "grubx64.efi", "application/efi" },
		{ "undionly.kpxe", oct }, { "ipxe.pxe", oct }, { "pxelinux.0", oct },
		{ "ldlinux.c32", oct }, { "fw.bin", oct }, { "disk.img", oct },
		{ "/iso/ubuntu.iso", "application/x-iso9660-image" },
		{ "A.ISO", "application/x-iso9660-image" },
		{ "/boot/x.ipxe", txt }, { "grub.cfg", txt }, { "README.txt", txt },
		{ "a.conf", txt }, { "install.sh", txt }, { "X.IPXE", txt },
		{ "index.html", "text/html" }, { "i.htm", "text/html" },
		{ "meta.json", "application/json" }, { "initrd.gz", "application/gzip" },
		{ "root.tar.xz", "application/x-xz" }, { "root.tar.Zst", "application/zstd" },
		{ "vmlinuz", oct }, { "/boot/vmlinuz", oct }, { "/a.efi/vmlinuz", oct },
		{ "/pxelinux.cfg/default", oct }, { "file.", oct }, { "file.unknown", oct },
		{ "", oct }, { "/", oct }, { "a.efi.bak", oct }, { "/.efi", "application/efi" },
		{ "x.efi2", oct }, { "x.ef", oct },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(http_mime_type(cases[i].path), cases[i].type);
}

int main(void)
{
	RUN(req_minimal_get);
	RUN(req_methods);
	RUN(req_real_clients);
	RUN(req_every_prefix_is_eagain);
	RUN(req_pipelined);
	RUN(req_body_follows);
	RUN(req_keep_alive_rules);
	RUN(req_leading_empty_lines);
	RUN(req_bad_request_line);
	RUN(req_versions);
	RUN(req_bare_lf_and_cr_anywhere);
	RUN(req_nul_and_controls);
	RUN(req_obs_fold_and_colon);
	RUN(req_host_rules);
	RUN(req_content_length);
	RUN(req_transfer_encoding);
	RUN(req_expect);
	RUN(req_conditional_fields);
	RUN(req_duplicate_conditionals);
	RUN(req_header_flood);
	RUN(req_huge_head);
	RUN(req_huge_target);
	RUN(req_absolute_and_asterisk_form);
	RUN(req_empty_input);
	RUN(range_single_forms);
	RUN(range_multiple_coalesced);
	RUN(range_unsatisfiable);
	RUN(range_size_zero);
	RUN(range_ignored);
	RUN(range_cap);
	RUN(range_huge_size);
	RUN(range_counted_value);
	RUN(path_decoding);
	RUN(path_rejected);
	RUN(path_fits);
	RUN(date_formats);
	RUN(date_bad);
	RUN(date_format_exact);
	RUN(date_matches_libc);
	RUN(etag_matching);
	RUN(build_200);
	RUN(build_206_single);
	RUN(build_206_multipart);
	RUN(build_416_405_304);
	RUN(build_refuses_broken_heads);
	RUN(build_parts);
	RUN(reasons);
	RUN(mime_types);
	return check_done();
}
