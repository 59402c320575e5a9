// SPDX-License-Identifier: MIT
/*
 * match: how fast src/match/match.c chooses a boot profile, against the obvious alternative, a
 * loop over the rules in order calling POSIX regexec() on each constrained field until one
 * rule matches (the first-match semantics of match_first(), same rules, same clients).
 *
 *   match [-n NODES] [-r RULES] [-k REPS] [-s SEED] [-d DIR] [-j]
 *
 * Generates NODES clients (10000) and RULES rules (1000) from SEED, laid out as a site's rules
 * file would be: per-node rules first (one exact MAC or hostname each), then group rules
 * (MAC prefixes such as ^52:54:00:1[0-9a-f], hostname ranges such as ^cn0[0-9]{3}$, racks),
 * then defaults by vendor class, architecture, user class and subnet; about half the clients
 * match no rule and so cost the loop every rule. Patterns keep to the common subset of PCRE
 * and POSIX ERE, and no character range spans digits and letters (caseless, PCRE adds the
 * other case of the letters inside "[0-a]", POSIX does not), so both sides must agree.
 *
 * Each repetition times one pass of each over all clients, the order alternating per
 * repetition, after one untimed warm-up pass of each. Every pass's answers are compared with
 * the first regexec pass: a disagreement is reported and makes the exit status 1. Compile
 * times (match_compile() of the whole set, regcomp() of every pattern) are timed per
 * repetition too. Prints a table of medians; -j adds one JSON line; -d writes the rules and
 * clients to DIR/rules.txt and DIR/nodes.tsv. Exits 0 when all agreed, 1 on a disagreement, 2
 * on a usage or setup error.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "match/match.h"

#define TEXT_MAX 48
#define PAT_MAX (TEXT_MAX + 8)

struct node {
	char text[MATCH_NR_FIELDS][TEXT_MAX];
	struct match_input in;
};

struct rule_text {
	char pat[MATCH_NR_FIELDS][PAT_MAX];
};

static uint64_t rnd_state;

/* xorshift64: the same seed gives the same site on every machine. */
static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *const arches[] = { "00000:x86-bios", "00006:efi32", "00007:efi64",
				      "00009:efi64", "00011:arm64", "00016:efi64-http" };

static void make_node(struct node *nd, unsigned i)
{
	unsigned a = rnd(6);

	snprintf(nd->text[MATCH_MAC], TEXT_MAX, "52:54:00:%02x:%02x:%02x", rnd(256), rnd(256),
		 rnd(256));
	if (a == 5)
		snprintf(nd->text[MATCH_VENDOR], TEXT_MAX, "HTTPClient:Arch:00016:UNDI:003001");
	else
		snprintf(nd->text[MATCH_VENDOR], TEXT_MAX, "PXEClient:Arch:%.5s:UNDI:003016",
			 arches[a]);
	snprintf(nd->text[MATCH_USER_CLASS], TEXT_MAX, "%s", rnd(3) ? "" : "iPXE");
	snprintf(nd->text[MATCH_ARCH], TEXT_MAX, "%s", arches[a]);
	snprintf(nd->text[MATCH_UUID], TEXT_MAX, "%08x-%04x-%04x-%04x-%04x%08x", rnd(1u << 31),
		 rnd(65536), rnd(65536), rnd(65536), rnd(65536), rnd(1u << 31));
	switch (i % 10) {
	case 0:
	case 1:
	case 2:
		snprintf(nd->text[MATCH_HOSTNAME], TEXT_MAX, "rack%02u-n%02u", i / 100 % 100,
			 i % 100);
		break;
	case 3:
		snprintf(nd->text[MATCH_HOSTNAME], TEXT_MAX, "gpu%04u", i);
		break;
	default:
		snprintf(nd->text[MATCH_HOSTNAME], TEXT_MAX, "cn%04u", i);
	}
	snprintf(nd->text[MATCH_SUBNET], TEXT_MAX, "10.%u.0.0/16", rnd(16));
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		nd->in.len[f] = strlen(nd->text[f]);
		nd->in.field[f] = nd->in.len[f] ? nd->text[f] : NULL;
	}
}

/* Per-node rules: the exact MAC or hostname of a client, sometimes with its architecture. */
static void make_node_rule(struct rule_text *t, struct match_rule *r, const struct node *nd)
{
	if (rnd(2))
		snprintf(t->pat[MATCH_MAC], PAT_MAX, "^%s$", nd->text[MATCH_MAC]);
	else
		snprintf(t->pat[MATCH_HOSTNAME], PAT_MAX, "^%s$", nd->text[MATCH_HOSTNAME]);
	if (!rnd(5))
		snprintf(t->pat[MATCH_ARCH], PAT_MAX, ":%s$", nd->text[MATCH_ARCH] + 6);
	r->caseless = !rnd(10);
}

/* Group rules: MAC prefixes, hostname ranges, racks, some with a vendor or arch condition. */
static void make_group_rule(struct rule_text *t, struct match_rule *r)
{
	switch (rnd(5)) {
	case 0:
		snprintf(t->pat[MATCH_MAC], PAT_MAX, "^52:54:00:%x[0-9a-f]:%x", rnd(16), rnd(16));
		break;
	case 1:
		snprintf(t->pat[MATCH_MAC], PAT_MAX, "^52:54:00:%02x:[0-%u]", rnd(256), rnd(10));
		break;
	case 2:
		snprintf(t->pat[MATCH_HOSTNAME], PAT_MAX, "^cn%u[0-9]{3}$", rnd(10));
		snprintf(t->pat[MATCH_SUBNET], PAT_MAX, "^10\\.%u\\.", rnd(16));
		break;
	case 3:
		snprintf(t->pat[MATCH_HOSTNAME], PAT_MAX, "^rack%02u-n[0-%u][0-9]$", rnd(100),
			 rnd(10));
		break;
	default:
		snprintf(t->pat[MATCH_HOSTNAME], PAT_MAX, "^gpu%u[0-9]{2}", rnd(100));
		snprintf(t->pat[MATCH_VENDOR], PAT_MAX, "^%s", rnd(2) ? "PXEClient" : "HTTPClient");
	}
	if (!rnd(4))
		snprintf(t->pat[MATCH_ARCH], PAT_MAX, "%s", rnd(2) ? ":efi64" : "^0000[0-6]:");
	r->caseless = !rnd(10);
}

/* Defaults: broad conditions, narrow only together. */
static void make_default_rule(struct rule_text *t, struct match_rule *r)
{
	snprintf(t->pat[MATCH_ARCH], PAT_MAX, "^%.5s:", arches[rnd(6)]);
	snprintf(t->pat[MATCH_SUBNET], PAT_MAX, "^10\\.%u\\.0\\.0/16$", rnd(16));
	snprintf(t->pat[MATCH_UUID], PAT_MAX, "^%x", rnd(16));
	if (rnd(2))
		snprintf(t->pat[MATCH_USER_CLASS], PAT_MAX, "%s", "^iPXE$");
	else
		snprintf(t->pat[MATCH_VENDOR], PAT_MAX, "%s", "(PXE|HTTP)Client:Arch:000[01][0-9]");
	r->caseless = !rnd(10);
}

static bool field_caseless(const struct match_rule *r, unsigned f)
{
	return r->caseless || f == MATCH_MAC || f == MATCH_UUID;
}

/* The loop match_first() replaces: rules in order, regexec() per constrained field. */
static int posix_first(regex_t (*re)[MATCH_NR_FIELDS], const struct match_rule *rules,
		       size_t n, const struct node *nd, uint64_t *calls)
{
	for (size_t r = 0; r < n; r++) {
		bool ok = true;

		for (unsigned f = 0; f < MATCH_NR_FIELDS && ok; f++) {
			if (!rules[r].pattern[f])
				continue;
			ok = nd->in.field[f] && regexec(&re[r][f], nd->text[f], 0, NULL, 0) == 0;
			(*calls)++;
		}
		if (ok)
			return (int)r;
	}
	return -1;
}

static int posix_compile(regex_t (*re)[MATCH_NR_FIELDS], const struct match_rule *rules,
			 size_t n)
{
	for (size_t r = 0; r < n; r++) {
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			int fl = REG_EXTENDED | REG_NOSUB;

			if (!rules[r].pattern[f])
				continue;
			if (field_caseless(&rules[r], f))
				fl |= REG_ICASE;
			if (regcomp(&re[r][f], rules[r].pattern[f], fl)) {
				fprintf(stderr, "match: regcomp failed: %s\n", rules[r].pattern[f]);
				return -1;
			}
		}
	}
	return 0;
}

static void posix_free(regex_t (*re)[MATCH_NR_FIELDS], const struct match_rule *rules,
		       size_t n)
{
	for (size_t r = 0; r < n; r++) {
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			if (rules[r].pattern[f])
				regfree(&re[r][f]);
		}
	}
}

static int dump(const char *dir, const struct match_rule *rules, size_t nr,
		const struct node *nodes, size_t nn)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rules.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (size_t r = 0; r < nr; r++) {
		fprintf(f, "%zu%s", r + 1, rules[r].caseless ? " caseless" : "");
		for (unsigned k = 0; k < MATCH_NR_FIELDS; k++) {
			if (rules[r].pattern[k])
				fprintf(f, " %s=%s", match_field_name(k), rules[r].pattern[k]);
		}
		fputc('\n', f);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/nodes.tsv", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (unsigned k = 0; k < MATCH_NR_FIELDS; k++)
		fprintf(f, "%s%c", match_field_name(k), k + 1 < MATCH_NR_FIELDS ? '\t' : '\n');
	for (size_t i = 0; i < nn; i++) {
		for (unsigned k = 0; k < MATCH_NR_FIELDS; k++)
			fprintf(f, "%s%c", nodes[i].text[k], k + 1 < MATCH_NR_FIELDS ? '\t' : '\n');
	}
	fclose(f);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: match [-n NODES] [-r RULES] [-k REPS] [-s SEED] [-d DIR] [-j]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t nn = 10000, nr = 1000;
	unsigned reps = 7, seed = 1;
	const char *dir = NULL;
	bool json = false;
	struct node *nodes;
	struct match_rule *rules;
	struct rule_text *texts;
	regex_t (*re)[MATCH_NR_FIELDS];
	struct match_set *set;
	int *want, *got;
	double *t_hs, *t_px, *c_hs, *c_px;
	uint64_t calls = 0;
	size_t matched = 0, first_sum = 0, n_node, n_group;
	unsigned bad = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:k:s:d:j")) != -1) {
		switch (opt) {
		case 'n':
			nn = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			nr = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			usage();
		}
	}
	if (!nn || !nr || !reps)
		usage();
	rnd_state = 0x9e3779b97f4a7c15ull ^ seed;

	nodes = calloc(nn, sizeof(*nodes));
	rules = calloc(nr, sizeof(*rules));
	texts = calloc(nr, sizeof(*texts));
	re = calloc(nr, sizeof(*re));
	want = calloc(nn, sizeof(*want));
	got = calloc(nn, sizeof(*got));
	t_hs = calloc(4 * reps, sizeof(double));
	if (!nodes || !rules || !texts || !re || !want || !got || !t_hs) {
		fprintf(stderr, "match: out of memory\n");
		return 2;
	}
	t_px = t_hs + reps;
	c_hs = t_px + reps;
	c_px = c_hs + reps;

	for (size_t i = 0; i < nn; i++)
		make_node(&nodes[i], (unsigned)i);
	/* 60% per-node rules, 25% group rules, 15% defaults, in that order. */
	n_node = nr * 60 / 100;
	n_group = nr * 25 / 100;
	for (size_t r = 0; r < nr; r++) {
		if (r < n_node)
			make_node_rule(&texts[r], &rules[r], &nodes[rnd((unsigned)nn)]);
		else if (r < n_node + n_group)
			make_group_rule(&texts[r], &rules[r]);
		else
			make_default_rule(&texts[r], &rules[r]);
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++)
			rules[r].pattern[f] = texts[r].pat[f][0] ? texts[r].pat[f] : NULL;
		rules[r].line = (unsigned)r + 1;
	}
	if (dir && dump(dir, rules, nr, nodes, nn)) {
		fprintf(stderr, "match: cannot write to %s\n", dir);
		return 2;
	}

	/* Compile times, and the sets used below (the last of each). */
	set = NULL;
	for (unsigned k = 0; k < reps; k++) {
		double t0;

		match_free(set);
		t0 = now_s();
		set = match_compile(rules, nr, "bench", stderr);
		c_hs[k] = now_s() - t0;
		if (!set)
			return 2;
		if (k)
			posix_free(re, rules, nr);
		t0 = now_s();
		if (posix_compile(re, rules, nr))
			return 2;
		c_px[k] = now_s() - t0;
	}

	/* The reference answers, the per-client regexec count, and the warm-up of both. */
	for (size_t i = 0; i < nn; i++) {
		want[i] = posix_first(re, rules, nr, &nodes[i], &calls);
		matched += want[i] >= 0;
		first_sum += want[i] >= 0 ? (size_t)want[i] : 0;
		if (match_first(set, &nodes[i].in) != want[i] && bad++ < 5)
			fprintf(stderr, "match: client %zu: match_first %d, regexec %d\n", i,
				match_first(set, &nodes[i].in), want[i]);
	}

	for (unsigned k = 0; k < reps; k++) {
		for (unsigned side = 0; side < 2; side++) {
			bool hs = (side + k) % 2 == 0;
			uint64_t c = 0;
			double t0 = now_s();

			if (hs) {
				for (size_t i = 0; i < nn; i++)
					got[i] = match_first(set, &nodes[i].in);
				t_hs[k] = now_s() - t0;
			} else {
				for (size_t i = 0; i < nn; i++)
					got[i] = posix_first(re, rules, nr, &nodes[i], &c);
				t_px[k] = now_s() - t0;
			}
			for (size_t i = 0; i < nn; i++) {
				if (got[i] != want[i] && bad++ < 5)
					fprintf(stderr, "match: rep %u, client %zu: %s %d, "
						"expected %d\n", k, i,
						hs ? "match_first" : "regexec", got[i], want[i]);
			}
		}
	}

	{
		double mh, mp, ch, cp, lo_h, hi_h, lo_p, hi_p;
		char range_h[48], range_p[48];

		/* median() sorts: the extremes are at the ends afterwards. */
		mh = median(t_hs, reps);
		mp = median(t_px, reps);
		ch = median(c_hs, reps);
		cp = median(c_px, reps);
		lo_h = t_hs[0], hi_h = t_hs[reps - 1], lo_p = t_px[0], hi_p = t_px[reps - 1];
		printf("Rule matching: %zu rules, %zu clients (seed %u), %u reps, medians\n", nr,
		       nn, seed, reps);
		printf("clients matching a rule: %zu (%.0f%%), mean index of the first match %.0f; "
		       "regexec calls per client: %.0f\n", matched, 100.0 * (double)matched /
		       (double)nn, matched ? (double)first_sum / (double)matched : 0.0,
		       (double)calls / (double)nn);
		printf("%-24s %14s %14s   %s\n", "", "match_first", "regexec loop", "match_first");
		printf("%-24s %14.0f %14.0f   %.1fx faster\n", "lookups/s", (double)nn / mh,
		       (double)nn / mp, mp / mh);
		printf("%-24s %14.2f %14.1f\n", "us/lookup", mh / (double)nn * 1e6,
		       mp / (double)nn * 1e6);
		snprintf(range_h, sizeof(range_h), "%.1f to %.1f", lo_h * 1e3, hi_h * 1e3);
		snprintf(range_p, sizeof(range_p), "%.0f to %.0f", lo_p * 1e3, hi_p * 1e3);
		printf("%-24s %14s %14s\n", "pass of all, range (ms)", range_h, range_p);
		printf("%-24s %14.1f %14.1f   %.0fx slower\n", "compile (ms)", ch * 1e3, cp * 1e3,
		       ch / cp);
		printf("%-24s %14u\n", "disagreements", bad);
		if (json)
			printf("{\"rules\": %zu, \"clients\": %zu, \"seed\": %u, \"reps\": %u, "
			       "\"matched\": %zu, \"regexec_per_client\": %.1f, "
			       "\"hs_lookups_per_s\": %.0f, \"posix_lookups_per_s\": %.0f, "
			       "\"ratio\": %.2f, \"hs_pass_ms\": [%.2f, %.2f, %.2f], "
			       "\"posix_pass_ms\": [%.1f, %.1f, %.1f], \"hs_compile_ms\": %.2f, "
			       "\"posix_compile_ms\": %.2f, \"disagreements\": %u}\n", nr, nn, seed,
			       reps, matched, (double)calls / (double)nn, (double)nn / mh,
			       (double)nn / mp, mp / mh, lo_h * 1e3, mh * 1e3, hi_h * 1e3,
			       lo_p * 1e3, mp * 1e3, hi_p * 1e3, ch * 1e3, cp * 1e3, bad);
	}

	match_free(set);
	posix_free(re, rules, nr);
	free(nodes);
	free(rules);
	free(texts);
	free(re);
	free(want);
	free(got);
	free(t_hs);
	return bad ? 1 : 0;
}
