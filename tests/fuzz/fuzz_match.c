// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for rule matching. The first byte chooses what the rest is:
 *   even: a client, its fields separated by '\n' (mac, vendor, user_class, arch, uuid, hostname,
 *         subnet; a missing or empty one is absent), matched against a fixed rule set with and
 *         without its final catch-all; the answer must be the one found by matching each rule
 *         alone, in order;
 *   odd:  a pattern (the second byte picks its field and case flag), compiled alongside fixed
 *         rules; Hyperscan may refuse it (errors are fine) but nothing may crash, and a set
 *         that compiles is matched and checked.
 * Invariants are checked with __builtin_trap() so that they hold in any build.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "match/match.c"



#define NR_RULES (sizeof(rules) / sizeof(rules[0]))

/* Patterns that share expressions, anchor, repeat and leave fields free. */
static const struct match_rule rules[] = {
	{ .pattern = { [MATCH_MAC] = "^52:54:00:1[0-9a-f]" }, .line = 1 },
	{ .pattern = { [MATCH_HOSTNAME] = "^cn[0-9]{3}$", [MATCH_ARCH] = ":efi64$" }, .line = 2 },
	{ .pattern = { [MATCH_HOSTNAME] = "^cn[0-9]{3}$" }, .caseless = true, .line = 3 },
	{ .pattern = { [MATCH_VENDOR] = "^PXEClient:Arch:0000[0-9]", [MATCH_UUID] = "^4c" },
	  .line = 4 },
	{ .pattern = { [MATCH_USER_CLASS] = "(^|,)iPXE(,|$)" }, .line = 5 },
	{ .pattern = { [MATCH_SUBNET] = "^10\\.1\\.", [MATCH_MAC] = "" }, .line = 6 },
	{ .pattern = { [MATCH_VENDOR] = "a.*b.*c", [MATCH_ARCH] = "^00007:" }, .line = 7 },
	{ .pattern = { [MATCH_HOSTNAME] = "x*" }, .line = 8 },
	{ .line = 9 },
};

/* set has every rule, set_nc all but the last (the catch-all), so that -1 can happen. */
static struct match_set *set, *set_nc;
static struct match_set *alone[NR_RULES];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	set = match_compile(rules, NR_RULES, "fuzz", stderr);
	set_nc = match_compile(rules, NR_RULES - 1, "fuzz", stderr);
	for (size_t r = 0; r < NR_RULES; r++)
		alone[r] = match_compile(&rules[r], 1, "fuzz", stderr);
	for (size_t r = 0; r < NR_RULES; r++) {
		if (!alone[r])
			return -1;
	}
	return devnull && set && set_nc ? 0 : -1;
}

/* Splits @buf at '\n' into the fields of @in (pointing into @buf). */
static void split_fields(const uint8_t *buf, size_t len, struct match_input *in)
{
	size_t f = 0, start = 0;

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i <= len && f < MATCH_NR_FIELDS; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		in->field[f] = (const char *)buf + start;
		in->len[f] = i - start;
		f++;
		start = i + 1;
	}
}

static void fuzz_client(const uint8_t *buf, size_t len)
{
	struct match_input in;
	int want = -1;

	split_fields(buf, len, &in);
	for (size_t r = 0; r < NR_RULES - 1 && want < 0; r++) {
		int one = match_first(alone[r], &in);

		ASSERT(one == 0 || one == -1);
		if (one == 0)
			want = (int)r;
	}
	ASSERT(match_first(set_nc, &in) == want);
	ASSERT(match_first(set, &in) == (want < 0 ? (int)NR_RULES - 1 : want));
	ASSERT(match_first(alone[NR_RULES - 1], &in) == 0);
}

static void fuzz_pattern(const uint8_t *buf, size_t len)
{
	struct match_rule r[3] = {
		{ .line = 1 },
		{ .pattern = { [MATCH_MAC] = "^52:54" }, .line = 2 },
		{ .line = 3 },
	};
	struct match_input in = { 0 };
	enum match_field f;
	struct match_set *s;
	char pat[129];
	int got;

	if (!len)
		return;
	f = (enum match_field)(buf[0] % MATCH_NR_FIELDS);
	r[0].caseless = buf[0] & 0x80;
	/* Long patterns only make Hyperscan's compile slower, not different. */
	len = len - 1 > sizeof(pat) - 1 ? sizeof(pat) - 1 : len - 1;
	memcpy(pat, buf + 1, len);
	pat[len] = 0;
	r[0].pattern[f] = pat;
	r[2].pattern[(f + 1) % MATCH_NR_FIELDS] = pat;

	errno = 0;
	s = match_compile(r, 3, "fuzz", devnull);
	if (!s) {
		ASSERT(errno == EINVAL || errno == ENOMEM);
		return;
	}
	/* The pattern's own text as every field, then every field absent. */
	for (unsigned g = 0; g < MATCH_NR_FIELDS; g++) {
		in.field[g] = pat;
		in.len[g] = strlen(pat);
	}
	got = match_first(s, &in);
	ASSERT(got >= -1 && got < 3);
	memset(&in, 0, sizeof(in));
	got = match_first(s, &in);
	ASSERT(got == -1);
	/* At most one width finding per pattern and one shadow per later rule. */
	ASSERT(match_check(s, r, 3, "fuzz", devnull) <= 4);
	match_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_pattern(data + 1, size - 1);
	else
		fuzz_client(data + 1, size - 1);
	return 0;
}
