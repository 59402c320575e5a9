// SPDX-License-Identifier: MIT
/*
 * Rule matching: first-match order, each field, anchors, case, absent fields, compile errors
 * and check findings, agreement with a plain POSIX regexec loop over 1000 rules and 10000
 * clients, and two threads matching at once.
 */
#include "match/match.c"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <time.h>

#include "check.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct match_input input(const char *mac, const char *vendor, const char *user_class,
				const char *arch, const char *uuid, const char *hostname,
				const char *subnet)
{
	struct match_input in = { .field = { mac, vendor, user_class, arch, uuid, hostname,
					     subnet } };

	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++)
		in.len[f] = in.field[f] ? strlen(in.field[f]) : 0;
	return in;
}

static struct match_input in_mac(const char *mac)
{
	return input(mac, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Compiles rules that must be good: anything written to the error stream fails the case. */
static struct match_set *compile_ok(const struct match_rule *rules, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);
	struct match_set *s = match_compile(rules, n, "t.yaml", err);

	fclose(err);
	CHECK(s != NULL);
	CHECK_EQ(len, 0u);
	if (len)
		printf("# %s", buf);
	free(buf);
	return s;
}

static void test_field_names(void)
{
	static const char *const want[] = { "mac", "vendor", "user_class", "arch", "uuid",
					    "hostname", "subnet" };

	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++)
		CHECK_STR(match_field_name(f), want[f]);
	CHECK_STR(match_field_name(MATCH_NR_FIELDS), "?");
}

static void test_first_match_order(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "^52:54:00:aa" }, .line = 1 },
		{ .pattern = { [MATCH_MAC] = "^52:54" }, .line = 2 },
		/* More specific than rule 1 but later: never chosen for a 52:54 MAC. */
		{ .pattern = { [MATCH_MAC] = "^52:54:00:bb" }, .line = 3 },
		{ .pattern = { [MATCH_HOSTNAME] = "^cn" }, .line = 4 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = in_mac("52:54:00:aa:00:01");
	CHECK_EQ(match_first(s, &in), 0);
	in = in_mac("52:54:00:bb:00:01");
	CHECK_EQ(match_first(s, &in), 1);
	in = input("00:11:22:33:44:55", NULL, NULL, NULL, NULL, "cn001", NULL);
	CHECK_EQ(match_first(s, &in), 3);
	in = input("52:54:00:aa:00:01", NULL, NULL, NULL, NULL, "cn001", NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input("00:11:22:33:44:55", NULL, NULL, NULL, NULL, "web1", NULL);
	CHECK_EQ(match_first(s, &in), -1);
	match_free(s);
}

static void test_each_field(void)
{
	static const char *const pat[MATCH_NR_FIELDS] = {
		"ab:cd:ef$", "^PXEClient:Arch:00007", "(^|,)iPXE(,|$)", "^00007:",
		"^4c4c4544-", "^cn[0-9]{3}$", "^10\\.1\\.",
	};
	static const char *const yes[MATCH_NR_FIELDS] = {
		"52:54:00:ab:cd:ef", "PXEClient:Arch:00007:UNDI:003016", "gpxe,iPXE", "00007:efi64",
		"4c4c4544-0042-3510-8052-b4c04f4e4d32", "cn042", "10.1.0.0/16",
	};
	static const char *const no[MATCH_NR_FIELDS] = {
		"52:54:00:ab:cd:e0", "PXEClient:Arch:00000:UNDI:002001", "iPXEx", "00000:x86-bios",
		"00000000-0042-3510-8052-b4c04f4e4d32", "cn0420", "10.10.0.0/16",
	};

	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		struct match_rule rule = { .line = 7 };
		struct match_set *s;
		struct match_input in = { 0 };

		rule.pattern[f] = pat[f];
		s = compile_ok(&rule, 1);
		if (!s)
			return;
		in.field[f] = yes[f];
		in.len[f] = strlen(yes[f]);
		CHECK_EQ(match_first(s, &in), 0);
		in.field[f] = no[f];
		in.len[f] = strlen(no[f]);
		CHECK_EQ(match_first(s, &in), -1);
		/* Every other field matching its own pattern does not help. */
		for (unsigned g = 0; g < MATCH_NR_FIELDS; g++) {
			if (g == f)
				continue;
			in.field[g] = yes[g];
			in.len[g] = strlen(yes[g]);
		}
		CHECK_EQ(match_first(s, &in), -1);
		/* The text is taken by length, not up to a NUL. */
		in.field[f] = yes[f];
		in.len[f] = strlen(yes[f]) - 1;
		if (f != MATCH_ARCH && f != MATCH_UUID && f != MATCH_SUBNET && f != MATCH_VENDOR)
			CHECK_EQ(match_first(s, &in), -1);
		match_free(s);
	}
}

static void test_all_fields_of_a_rule(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "^52:54", [MATCH_ARCH] = ":efi64$" }, .line = 1 },
		{ .pattern = { [MATCH_ARCH] = ":efi64$" }, .line = 2 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = input("52:54:00:00:00:01", NULL, NULL, "00007:efi64", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input("00:54:00:00:00:01", NULL, NULL, "00007:efi64", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	in = input("52:54:00:00:00:01", NULL, NULL, "00000:x86-bios", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), -1);
	match_free(s);
}

static void test_anchors(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "^52:54" }, .line = 1 },
		{ .pattern = { [MATCH_MAC] = "52:54" }, .line = 2 },
		{ .pattern = { [MATCH_HOSTNAME] = "^node1$" }, .line = 3 },
		{ .pattern = { [MATCH_HOSTNAME] = "node1$" }, .line = 4 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = in_mac("52:54:00:00:00:01");
	CHECK_EQ(match_first(s, &in), 0);
	in = in_mac("aa:52:54:00:00:01");
	CHECK_EQ(match_first(s, &in), 1);
	in = in_mac("aa:bb:cc:dd:52:54");
	CHECK_EQ(match_first(s, &in), 1);
	in = in_mac("aa:bb:cc:dd:52:55");
	CHECK_EQ(match_first(s, &in), -1);
	in = input(NULL, NULL, NULL, NULL, NULL, "node1", NULL);
	CHECK_EQ(match_first(s, &in), 2);
	in = input(NULL, NULL, NULL, NULL, NULL, "xnode1", NULL);
	CHECK_EQ(match_first(s, &in), 3);
	in = input(NULL, NULL, NULL, NULL, NULL, "node10", NULL);
	CHECK_EQ(match_first(s, &in), -1);
	match_free(s);
}

static void test_case(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_VENDOR] = "^pxeclient" }, .line = 1 },
		{ .pattern = { [MATCH_VENDOR] = "^httpclient" }, .caseless = true, .line = 2 },
		/* Capitals in a MAC or UUID pattern match the lowercase text, caseless or not. */
		{ .pattern = { [MATCH_MAC] = "^52:54:00:AB" }, .line = 3 },
		{ .pattern = { [MATCH_UUID] = "^4C4C4544" }, .line = 4 },
		{ .pattern = { [MATCH_HOSTNAME] = "^CN" }, .line = 5 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = input(NULL, "PXEClient:Arch:00000", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), -1);
	in = input(NULL, "pxeclient:x", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input(NULL, "HTTPClient:Arch:00016", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	in = in_mac("52:54:00:ab:00:01");
	CHECK_EQ(match_first(s, &in), 2);
	in = input(NULL, NULL, NULL, NULL, "4c4c4544-0042-3510-8052-b4c04f4e4d32", NULL, NULL);
	CHECK_EQ(match_first(s, &in), 3);
	in = input(NULL, NULL, NULL, NULL, NULL, "cn001", NULL);
	CHECK_EQ(match_first(s, &in), -1);
	in = input(NULL, NULL, NULL, NULL, NULL, "CN001", NULL);
	CHECK_EQ(match_first(s, &in), 4);
	match_free(s);
}

static void test_absent_field(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "", [MATCH_HOSTNAME] = "^cn" }, .line = 1 },
		/* "" matches any text, but not a field that is absent. */
		{ .pattern = { [MATCH_USER_CLASS] = "" }, .line = 2 },
		{ .pattern = { [MATCH_VENDOR] = "x*" }, .line = 3 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = input(NULL, NULL, NULL, NULL, NULL, "cn001", NULL);
	CHECK_EQ(match_first(s, &in), -1);
	in = input("52:54:00:00:00:01", NULL, NULL, NULL, NULL, "cn001", NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input(NULL, NULL, "", NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), -1);
	in = input(NULL, NULL, "anything", NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	in = input(NULL, "abc", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 2);
	/* A length without text, or text of length 0, is absent. */
	in = input(NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	in.len[MATCH_VENDOR] = 3;
	CHECK_EQ(match_first(s, &in), -1);
	match_free(s);
}

static void test_unconstrained_rule(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "^52:54" }, .line = 1 },
		{ .line = 2 },
		{ .pattern = { [MATCH_HOSTNAME] = "^cn" }, .line = 3 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	in = input(NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	in = input("52:54:00:00:00:01", NULL, NULL, NULL, NULL, "cn1", NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input("00:54:00:00:00:01", NULL, NULL, NULL, NULL, "cn1", NULL);
	CHECK_EQ(match_first(s, &in), 1);
	match_free(s);

	/* Only unconstrained rules: no database at all, and no scratch needed. */
	s = compile_ok(rules + 1, 1);
	if (!s)
		return;
	CHECK_EQ(match_first(s, &in), 0);
	match_free(s);
}

static void test_zero_rules(void)
{
	struct match_set *s = compile_ok(NULL, 0);
	struct match_input in = in_mac("52:54:00:00:00:01");

	if (!s)
		return;
	CHECK_EQ(match_first(s, &in), -1);
	CHECK_EQ(match_check(s, NULL, 0, "t.yaml", NULL), 0u);
	match_free(s);
}

static void test_bad_regex(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_MAC] = "^52:54" }, .line = 10 },
		{ .pattern = { [MATCH_MAC] = "^52:(54" }, .line = 12 },
		{ .pattern = { [MATCH_VENDOR] = "PXE" }, .line = 14 },
		{ .pattern = { [MATCH_HOSTNAME] = "(a)\\1", [MATCH_VENDOR] = "x" }, .line = 16 },
		{ .pattern = { [MATCH_MAC] = "[0-9" }, .line = 18 },
		/* The same bad pattern again: each rule that has it gets its line. */
		{ .pattern = { [MATCH_MAC] = "^52:(54" }, .line = 20 },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);
	struct match_set *s;
	unsigned lines = 0;

	errno = 0;
	s = match_compile(rules, ARRAY_SIZE(rules), "site.yaml", err);
	CHECK(s == NULL);
	CHECK_EQ(errno, EINVAL);
	fclose(err);
	CHECK(strstr(buf, "site.yaml:12: rule 2, field mac: Missing close parenthesis for group "
			  "started at index 4.\n") != NULL);
	CHECK(strstr(buf, "site.yaml:18: rule 5, field mac: Unterminated character class "
			  "starting at index 0.\n") != NULL);
	CHECK(strstr(buf, "site.yaml:16: rule 4, field hostname: Back-references are "
			  "unsupported.\n") != NULL);
	CHECK(strstr(buf, "site.yaml:20: rule 6, field mac: Missing close parenthesis") != NULL);
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 4u);
	if (check_case_failed)
		printf("# %s", buf);
	free(buf);
	match_free(s);
}

/* Rules sharing a pattern share an expression; the case flag keeps them apart. */
static void test_shared_patterns(void)
{
	static const struct match_rule rules[] = {
		{ .pattern = { [MATCH_VENDOR] = "^pxe", [MATCH_MAC] = "^aa" }, .line = 1 },
		{ .pattern = { [MATCH_VENDOR] = "^pxe" }, .caseless = true, .line = 2 },
		{ .pattern = { [MATCH_VENDOR] = "^pxe" }, .line = 3 },
		{ .pattern = { [MATCH_VENDOR] = "^pxe", [MATCH_ARCH] = "^00007:" }, .line = 4 },
		{ .pattern = { [MATCH_ARCH] = "^00007:" }, .line = 5 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	struct match_input in;

	if (!s)
		return;
	CHECK_EQ(s->fd[MATCH_VENDOR].start[2], 4u);    /* two expressions for four rules */
	in = input("aa:00:00:00:00:01", "pxe", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input("aa:00:00:00:00:01", "PXE", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	in = input("bb:00:00:00:00:01", "pxe", NULL, NULL, NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 1);
	match_free(s);

	s = compile_ok(rules + 2, 3);
	if (!s)
		return;
	in = input(NULL, "PXE", NULL, "00007:efi64", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 2);
	in = input(NULL, "pxe", NULL, "00007:efi64", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 0);
	in = input(NULL, "pxe", NULL, "00000:x86-bios", NULL, NULL, NULL);
	CHECK_EQ(match_first(s, &in), 0);
	match_free(s);
}

/*
 * A reload: sets compiled and freed while a thread goes on matching, more sets than the
 * thread remembers, each needing a scratch at least as large as the last.
 */
static void test_reload(void)
{
	struct match_rule rules[6] = { 0 };
	struct match_set *s[6];
	char pat[6][64];
	struct match_input in = input("52:54:00:00:00:01", NULL, NULL, NULL, NULL, "cn0001",
				      NULL);

	for (unsigned i = 0; i < 6; i++) {
		snprintf(pat[i], sizeof(pat[i]), "^(cn|gpu)0{%u}[0-9]{0,%u}1$", i % 3 + 1,
			 i * 20 + 2);
		rules[i].pattern[MATCH_HOSTNAME] = pat[i];
		rules[i].line = i + 1;
		s[i] = compile_ok(rules, i + 1);
		if (!s[i])
			return;
		for (unsigned j = 0; j <= i; j++)
			CHECK_EQ(match_first(s[j], &in), 0);
	}
	for (unsigned i = 0; i < 6; i++) {
		match_free(s[i]);
		for (unsigned j = i + 1; j < 6; j++)
			CHECK_EQ(match_first(s[j], &in), 0);
	}
}

static void test_check_findings(void)
{
	static const struct match_rule rules[] = {
		/* 1: 18 characters for a 17-character MAC. */
		{ .pattern = { [MATCH_MAC] = "^([0-9a-f]{2}:){6}" }, .line = 1 },
		{ .pattern = { [MATCH_HOSTNAME] = "^cn1" }, .line = 2 },
		/* 3: rule 2 takes every client this one would. */
		{ .pattern = { [MATCH_HOSTNAME] = "^cn1", [MATCH_ARCH] = "efi64" }, .line = 3 },
		/* 4: a different pattern, not shadowed. */
		{ .pattern = { [MATCH_HOSTNAME] = "^cn1$" }, .line = 4 },
		{ .pattern = { [MATCH_VENDOR] = "pxe" }, .line = 5 },
		/* 6: caseless matches more than rule 5: not shadowed. */
		{ .pattern = { [MATCH_VENDOR] = "pxe" }, .caseless = true, .line = 6 },
		/* 7: shadowed by rule 5 (the first), and by 6 too. */
		{ .pattern = { [MATCH_VENDOR] = "pxe" }, .line = 7 },
		/* 8: a MAC is caseless either way: shadowed by rule 1? No: 1 can never match. It
		 * is reported for its own width only. */
		{ .pattern = { [MATCH_MAC] = "^([0-9a-f]{2}:){6}" }, .caseless = true, .line = 8 },
		/* 9: a UUID of 37 characters. */
		{ .pattern = { [MATCH_UUID] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
					      "[0-9a-f]{12}x" }, .line = 9 },
		{ .pattern = { [MATCH_SUBNET] = "^10\\." }, .line = 10 },
		/* 11: a catch-all, then 12 can never match. */
		{ .line = 11 },
		{ .pattern = { [MATCH_MAC] = "^52" }, .line = 12 },
	};
	struct match_set *s = compile_ok(rules, ARRAY_SIZE(rules));
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);
	unsigned n = match_check(s, rules, ARRAY_SIZE(rules), "site.yaml", err);
	unsigned lines = 0;

	fclose(err);
	CHECK_EQ(n, 6u);
	CHECK(strstr(buf, "site.yaml:1: rule 1 can never match: its mac pattern needs at least 18 "
			  "characters, a mac has at most 17\n") != NULL);
	CHECK(strstr(buf, "site.yaml:3: rule 3 can never match: rule 2 (line 2) matches every "
			  "client it would, first\n") != NULL);
	CHECK(strstr(buf, "site.yaml:7: rule 7 can never match: rule 5 (line 5)") != NULL);
	CHECK(strstr(buf, "site.yaml:8: rule 8 can never match: its mac pattern") != NULL);
	CHECK(strstr(buf, "site.yaml:9: rule 9 can never match: its uuid pattern needs at least "
			  "37 characters, a uuid has at most 36\n") != NULL);
	CHECK(strstr(buf, "site.yaml:12: rule 12 can never match: rule 11 (line 11) constrains "
			  "nothing and matches every client first\n") != NULL);
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, n);
	if (check_case_failed)
		printf("# %s", buf);
	free(buf);
	/* The set is optional: a failed compile still lets the rules be checked. */
	CHECK_EQ(match_check(NULL, rules, ARRAY_SIZE(rules), "site.yaml", NULL), 6u);
	match_free(s);
}

/* Many rules: the bitsets outgrow the stack; and rule counts around a word's edge. */
static void test_rule_counts(void)
{
	static const size_t counts[] = { 1, 63, 64, 65, 4097 };

	for (size_t c = 0; c < ARRAY_SIZE(counts); c++) {
		size_t n = counts[c];
		struct match_rule *rules = calloc(n, sizeof(*rules));
		char (*pat)[32] = calloc(n, sizeof(*pat));
		struct match_set *s;
		char host[32];
		struct match_input in;

		for (size_t r = 0; r < n; r++) {
			snprintf(pat[r], sizeof(pat[r]), "^h%zu$", r);
			rules[r].pattern[MATCH_HOSTNAME] = pat[r];
			rules[r].line = (unsigned)r + 1;
		}
		s = compile_ok(rules, n);
		if (s) {
			for (size_t r = n > 3 ? n - 3 : 0; r < n; r++) {
				snprintf(host, sizeof(host), "h%zu", r);
				in = input(NULL, NULL, NULL, NULL, NULL, host, NULL);
				CHECK_EQ(match_first(s, &in), (int)r);
			}
			in = input(NULL, NULL, NULL, NULL, NULL, "h", NULL);
			CHECK_EQ(match_first(s, &in), -1);
			match_free(s);
		}
		free(pat);
		free(rules);
	}
}

/*
 * A random rule set in the common subset of PCRE and POSIX ERE, and clients drawn so that
 * many match some rule and many none; the xorshift generator makes every run the same.
 */
#define CMP_RULES 1000
#define CMP_NODES 10000

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static const char *const cmp_vendors[] = {
	"PXEClient:Arch:00000:UNDI:002001", "PXEClient:Arch:00007:UNDI:003016",
	"HTTPClient:Arch:00016:UNDI:003001", "iPXE", "Linux ipconfig", "MSFT 5.0",
};
static const char *const cmp_arches[] = { "00000:x86-bios", "00006:efi32", "00007:efi64",
					  "00009:efi64", "00011:arm64", "00016:efi64-http" };
static const char *const cmp_classes[] = { "iPXE", "gpxe,iPXE", "compute", "compute,gpu" };

struct cmp_node {
	char text[MATCH_NR_FIELDS][48];
	struct match_input in;
};

/*
 * A MAC or hostname pattern picks out about one client in 200 to 2000; the other fields'
 * patterns are broad, and narrow a rule only in combination. A range never spans digits and
 * letters: under a caseless flag PCRE adds the other case of every letter between '0' and 'a'
 * (so "[0-a]" takes "c"), POSIX does not.
 */
static void make_primary(char *p, size_t size, unsigned f)
{
	if (f == MATCH_MAC) {
		switch (rnd(3)) {
		case 0:
			snprintf(p, size, "^52:54:00:%02x:%x", rnd(64), rnd(16));
			break;
		case 1:
			snprintf(p, size, ":%02X:[0-%u]", rnd(256), rnd(10));
			break;
		default:
			snprintf(p, size, "^52:54:00:%02x:[%c-f]", rnd(64), 'a' + rnd(6));
		}
		return;
	}
	switch (rnd(3)) {
	case 0:
		snprintf(p, size, "^cn%03u$", rnd(1000));
		break;
	case 1:
		snprintf(p, size, "^rack%u-n%u[0-9]$", rnd(10), rnd(10));
		break;
	default:
		snprintf(p, size, "^(gpu|cn)%02u", rnd(100));
	}
}

static void make_secondary(char *p, size_t size, unsigned f)
{
	switch (f) {
	case MATCH_VENDOR:
		if (rnd(2))
			snprintf(p, size, "^PXEClient:Arch:0000%u", rnd(10));
		else
			snprintf(p, size, "%s", "(iPXE|HTTPClient)");
		break;
	case MATCH_USER_CLASS:
		snprintf(p, size, "%s", rnd(2) ? "(^|,)iPXE($|,)" : "^compute(,gpu)?$");
		break;
	case MATCH_ARCH:
		if (rnd(2))
			snprintf(p, size, "^000%02u:", rnd(20));
		else
			snprintf(p, size, "%s", ":efi(32|64)$");
		break;
	case MATCH_UUID:
		snprintf(p, size, "^%x", rnd(16));
		break;
	default:
		snprintf(p, size, "^10\\.%u\\.", rnd(8));
	}
}

static unsigned secondary_field(void)
{
	static const unsigned f[] = { MATCH_VENDOR, MATCH_USER_CLASS, MATCH_ARCH, MATCH_UUID,
				      MATCH_SUBNET };

	return f[rnd(ARRAY_SIZE(f))];
}

static void make_node(struct cmp_node *nd)
{
	snprintf(nd->text[MATCH_MAC], 48, "52:54:00:%02x:%02x:%02x", rnd(64), rnd(256), rnd(256));
	snprintf(nd->text[MATCH_VENDOR], 48, "%s", cmp_vendors[rnd(ARRAY_SIZE(cmp_vendors))]);
	snprintf(nd->text[MATCH_USER_CLASS], 48, "%s", cmp_classes[rnd(ARRAY_SIZE(cmp_classes))]);
	snprintf(nd->text[MATCH_ARCH], 48, "%s", cmp_arches[rnd(ARRAY_SIZE(cmp_arches))]);
	snprintf(nd->text[MATCH_UUID], 48, "%08x-%04x-%04x-%04x-%04x%08x", rnd(1u << 31),
		 rnd(65536), rnd(65536), rnd(65536), rnd(65536), rnd(1u << 31));
	if (rnd(2))
		snprintf(nd->text[MATCH_HOSTNAME], 48, "cn%03u", rnd(1000));
	else
		snprintf(nd->text[MATCH_HOSTNAME], 48, "rack%u-n%02u", rnd(10), rnd(100));
	snprintf(nd->text[MATCH_SUBNET], 48, "10.%u.0.0/16", rnd(8));
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		/* Some fields absent, as with clients that do not send the option. */
		bool absent = f != MATCH_MAC && rnd(8) == 0;

		nd->in.field[f] = absent ? NULL : nd->text[f];
		nd->in.len[f] = absent ? 0 : strlen(nd->text[f]);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct match_rule *cmp_rules;
static char (*cmp_pats)[MATCH_NR_FIELDS][48];
static struct cmp_node *cmp_nodes;
static int *cmp_want;
static struct match_set *cmp_set;

static void cmp_setup(void)
{
	cmp_rules = calloc(CMP_RULES, sizeof(*cmp_rules));
	cmp_pats = calloc(CMP_RULES, sizeof(*cmp_pats));
	cmp_nodes = calloc(CMP_NODES, sizeof(*cmp_nodes));
	cmp_want = calloc(CMP_NODES, sizeof(*cmp_want));
	for (size_t r = 0; r < CMP_RULES; r++) {
		unsigned nf = rnd(3), f;

		/* A few rules constrain only broad fields, three of them. */
		if (rnd(100) == 0) {
			nf = 3;
		} else {
			f = rnd(2) ? MATCH_MAC : MATCH_HOSTNAME;
			make_primary(cmp_pats[r][f], 48, f);
			cmp_rules[r].pattern[f] = cmp_pats[r][f];
		}
		for (unsigned k = 0; k < nf; k++) {
			f = secondary_field();
			make_secondary(cmp_pats[r][f], 48, f);
			cmp_rules[r].pattern[f] = cmp_pats[r][f];
		}
		cmp_rules[r].caseless = rnd(4) == 0;
		cmp_rules[r].line = (unsigned)r + 1;
	}
	for (size_t i = 0; i < CMP_NODES; i++)
		make_node(&cmp_nodes[i]);
}

static void test_against_posix(void)
{
	static regex_t re[CMP_RULES][MATCH_NR_FIELDS];
	unsigned bad = 0, matched = 0;
	double t0, t_hs, t_posix;

	cmp_set = compile_ok(cmp_rules, CMP_RULES);
	if (!cmp_set)
		return;
	for (size_t r = 0; r < CMP_RULES; r++) {
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			int fl = REG_EXTENDED | REG_NOSUB;

			if (!cmp_rules[r].pattern[f])
				continue;
			if (field_caseless(&cmp_rules[r], f))
				fl |= REG_ICASE;
			CHECK_EQ(regcomp(&re[r][f], cmp_rules[r].pattern[f], fl), 0);
		}
	}

	t0 = now_s();
	for (size_t i = 0; i < CMP_NODES; i++) {
		int first = -1;

		for (size_t r = 0; r < CMP_RULES && first < 0; r++) {
			bool ok = true;

			for (unsigned f = 0; f < MATCH_NR_FIELDS && ok; f++) {
				if (!cmp_rules[r].pattern[f])
					continue;
				ok = cmp_nodes[i].in.field[f] &&
				     regexec(&re[r][f], cmp_nodes[i].in.field[f], 0, NULL, 0) == 0;
			}
			if (ok)
				first = (int)r;
		}
		cmp_want[i] = first;
	}
	t_posix = now_s() - t0;

	t0 = now_s();
	for (size_t i = 0; i < CMP_NODES; i++) {
		int got = match_first(cmp_set, &cmp_nodes[i].in);

		if (got != cmp_want[i] && bad++ < 5)
			printf("# node %zu: match_first %d, regexec %d\n", i, got, cmp_want[i]);
		matched += got >= 0;
	}
	t_hs = now_s() - t0;
	CHECK_EQ(bad, 0u);
	/* The draw must exercise both outcomes, or the comparison proves little. */
	CHECK(matched > CMP_NODES / 10 && matched < CMP_NODES * 9 / 10);
	/* Milliseconds, not seconds; generous for sanitizer builds and a busy machine. */
	CHECK(t_hs < 1.0);
	printf("# %u nodes x %u rules: %u matched; match_first %.1f ms, regexec loop %.1f ms\n",
	       CMP_NODES, CMP_RULES, matched, t_hs * 1e3, t_posix * 1e3);
	for (size_t r = 0; r < CMP_RULES; r++) {
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			if (cmp_rules[r].pattern[f])
				regfree(&re[r][f]);
		}
	}
}

struct worker {
	const struct match_set *s;
	unsigned rounds;
	unsigned bad;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	/* A second, different set on the same thread: its scratch must grow to suit both. */
	static const struct match_rule more[] = {
		{ .pattern = { [MATCH_VENDOR] = "^(PXE|HTTP)Client:Arch:000(0[0-9]|1[0-9])" } },
		{ .pattern = { [MATCH_HOSTNAME] = "^(cn|gpu)[0-9]{3}$" } },
	};
	struct match_set *other = match_compile(more, ARRAY_SIZE(more), "t", NULL);

	if (!other) {
		w->bad++;
		return NULL;
	}
	for (unsigned k = 0; k < w->rounds; k++) {
		for (size_t i = 0; i < CMP_NODES; i++) {
			int o = match_first(other, &cmp_nodes[i].in);

			if (match_first(w->s, &cmp_nodes[i].in) != cmp_want[i])
				w->bad++;
			if (o < -1 || o > 1)
				w->bad++;
		}
	}
	match_free(other);
	return NULL;
}

static void test_threads(void)
{
	struct worker w[2] = { { cmp_set, 5, 0 }, { cmp_set, 5, 0 } };
	pthread_t t[2];

	if (!cmp_set) {
		CHECK(!"needs test_against_posix");
		return;
	}
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(w[0].bad, 0u);
	CHECK_EQ(w[1].bad, 0u);
	/* This thread's scratch is still good after the others exited. */
	CHECK_EQ(match_first(cmp_set, &cmp_nodes[0].in), cmp_want[0]);
}

int main(void)
{
	cmp_setup();
	RUN(test_field_names);
	RUN(test_first_match_order);
	RUN(test_each_field);
	RUN(test_all_fields_of_a_rule);
	RUN(test_anchors);
	RUN(test_case);
	RUN(test_absent_field);
	RUN(test_unconstrained_rule);
	RUN(test_zero_rules);
	RUN(test_bad_regex);
	RUN(test_shared_patterns);
	RUN(test_reload);
	RUN(test_check_findings);
	RUN(test_rule_counts);
	RUN(test_against_posix);
	RUN(test_threads);
	match_free(cmp_set);
	free(cmp_rules);
	free(cmp_pats);
	free(cmp_nodes);
	free(cmp_want);
	return check_done();
}
