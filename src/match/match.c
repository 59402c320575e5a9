// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "match/match.h"

/*
 * Up to this many rules the per-call bitsets live on the stack (two of 64 words: 1 KiB);
 * beyond, they are allocated per call, which costs little next to the scans.
 */
#define MATCH_STACK_WORDS 64u

/*
 * The rules of a field that share one pattern (and case flag) share one Hyperscan expression: a
 * site's defaults repeat the same few patterns ("^00007:", "^iPXE$") over many rules, and
 * Hyperscan would report each copy with a callback of its own, a microsecond per scan for a
 * hundred copies. Expression i stands for the rules members[start[i]] to members[start[i+1]-1].
 */
struct match_field_db {
	hs_database_t *db;                      /* NULL: no rule constrains the field */
	unsigned *start;                        /* expressions + 1 offsets into members */
	unsigned *members;                      /* rule indexes, grouped by expression */
};

struct match_set {
	size_t n;
	size_t nwords;                          /* 64-bit words per bitset of n rules */
	uint64_t gen;                           /* unique per set: see scratch_ready() */
	struct match_field_db fd[MATCH_NR_FIELDS];
	/*
	 * Per field, nwords words with bit r set when rule r does NOT constrain the field: rule r
	 * survives field f when f matched or when f is free for it, so the candidates are ANDed
	 * with (hits | free) and no per-rule loop is needed.
	 */
	uint64_t *free_of;
};

static const char *const field_names[MATCH_NR_FIELDS] = {
	[MATCH_MAC] = "mac",
	[MATCH_VENDOR] = "vendor",
	[MATCH_USER_CLASS] = "user_class",
	[MATCH_ARCH] = "arch",
	[MATCH_UUID] = "uuid",
	[MATCH_HOSTNAME] = "hostname",
	[MATCH_SUBNET] = "subnet",
};

/*
 * The longest text each field can have, for match_check(). ARCH is 5 digits, ':' and a name;
 * the names are short ("efi64", "x86-bios"), 26 characters leave room for any.
 */
static const unsigned field_max_len[MATCH_NR_FIELDS] = {
	[MATCH_MAC] = 17,               /* "52:54:00:ab:cd:ef" */
	[MATCH_VENDOR] = 255,           /* one DHCP option */
	[MATCH_USER_CLASS] = 255,
	[MATCH_ARCH] = 32,
	[MATCH_UUID] = 36,              /* 8-4-4-4-12 */
	[MATCH_HOSTNAME] = 255,
	[MATCH_SUBNET] = 18,            /* "255.255.255.255/32" */
};

const char *match_field_name(enum match_field f)
{
	if ((unsigned)f >= MATCH_NR_FIELDS)
		return "?";
	return field_names[f];
}

static bool field_caseless(const struct match_rule *r, enum match_field f)
{
	/* The text of MACs and UUIDs is normalised lowercase: "^52:54:00:AB" must match it. */
	return r->caseless || f == MATCH_MAC || f == MATCH_UUID;
}

static unsigned field_flags(const struct match_rule *r, enum match_field f)
{
	/*
	 * SINGLEMATCH: one report per expression is all the bitset needs, and it lets Hyperscan
	 * stop tracking a pattern once it has matched. ALLOWEMPTY: a pattern that can match the
	 * empty string ("", "x*") matches every text, as it does for grep; Hyperscan refuses it
	 * otherwise.
	 */
	return HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY |
	       (field_caseless(r, f) ? HS_FLAG_CASELESS : 0);
}

static const char *source_name(const char *source)
{
	return source ? source : "rules";
}

void match_free(struct match_set *s)
{
	if (!s)
		return;
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		hs_free_database(s->fd[f].db);
		free(s->fd[f].start);
		free(s->fd[f].members);
	}
	free(s->free_of);
	free(s);
}

struct pat_ent {
	const char *pat;
	unsigned flags;
	unsigned rule;
};

static bool same_expression(const struct pat_ent *x, const struct pat_ent *y)
{
	return x->flags == y->flags && !strcmp(x->pat, y->pat);
}

/* Equal expressions next to each other, each group in rule order. */
static int pat_ent_cmp(const void *a, const void *b)
{
	const struct pat_ent *x = a, *y = b;
	int c = strcmp(x->pat, y->pat);

	if (c)
		return c;
	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/*
 * Builds the database of field @f from every rule constraining it. Hyperscan stops at the first
 * bad pattern, so after reporting it (for each rule that has it) the compile is retried without
 * it: a run reports every bad pattern of the field, at the cost of one compile per bad pattern.
 * Returns 0, -EINVAL when something was reported (the database is then dropped), -ENOMEM.
 */
static int compile_field(struct match_set *s, const struct match_rule *rules, size_t n,
			 enum match_field f, const char *source, FILE *err)
{
	struct match_field_db *fd = &s->fd[f];
	struct pat_ent *ent = NULL;
	const char **pat = NULL;
	unsigned *flags = NULL, *ids = NULL;
	size_t k = 0, m = 0;
	bool bad = false;
	int ret = 0;

	for (size_t r = 0; r < n; r++)
		m += rules[r].pattern[f] != NULL;
	if (!m)
		return 0;
	ent = malloc(m * sizeof(*ent));
	pat = malloc(m * sizeof(*pat));
	flags = malloc(m * sizeof(*flags));
	ids = malloc(m * sizeof(*ids));
	fd->start = malloc((m + 1) * sizeof(*fd->start));
	fd->members = malloc(m * sizeof(*fd->members));
	if (!ent || !pat || !flags || !ids || !fd->start || !fd->members) {
		ret = -ENOMEM;
		goto out;
	}
	m = 0;
	for (size_t r = 0; r < n; r++) {
		if (!rules[r].pattern[f])
			continue;
		ent[m].pat = rules[r].pattern[f];
		ent[m].flags = field_flags(&rules[r], f);
		ent[m].rule = (unsigned)r;
		m++;
	}
	qsort(ent, m, sizeof(*ent), pat_ent_cmp);
	for (size_t i = 0; i < m; i++) {
		if (!i || !same_expression(&ent[i], &ent[i - 1])) {
			pat[k] = ent[i].pat;
			flags[k] = ent[i].flags;
			ids[k] = (unsigned)k;
			fd->start[k++] = (unsigned)i;
		}
		fd->members[i] = ent[i].rule;
	}
	fd->start[k] = (unsigned)m;

	while (k) {
		hs_compile_error_t *ce = NULL;
		hs_database_t *db = NULL;
		size_t i;

		if (hs_compile_multi(pat, flags, ids, (unsigned)k, HS_MODE_BLOCK, NULL, &db,
				     &ce) == HS_SUCCESS) {
			if (bad)
				hs_free_database(db);
			else
				fd->db = db;
			break;
		}
		if (ce->expression < 0 || (size_t)ce->expression >= k) {
			/*
			 * Not the fault of one pattern. Hyperscan turns its bad_alloc into this
			 * message and a compiler error: there is no other way to tell it apart.
			 */
			if (strstr(ce->message, "allocate memory")) {
				ret = -ENOMEM;
			} else {
				if (err)
					fprintf(err, "%s: field %s: %s\n", source_name(source),
						match_field_name(f), ce->message);
				ret = -EINVAL;
			}
			hs_free_compile_error(ce);
			goto out;
		}
		i = (size_t)ce->expression;
		for (unsigned j = fd->start[ids[i]]; err && j < fd->start[ids[i] + 1]; j++)
			fprintf(err, "%s:%u: rule %u, field %s: %s\n", source_name(source),
				rules[fd->members[j]].line, fd->members[j] + 1,
				match_field_name(f), ce->message);
		hs_free_compile_error(ce);
		bad = true;
		k--;
		memmove(pat + i, pat + i + 1, (k - i) * sizeof(*pat));
		memmove(flags + i, flags + i + 1, (k - i) * sizeof(*flags));
		memmove(ids + i, ids + i + 1, (k - i) * sizeof(*ids));
	}
	if (bad)
		ret = -EINVAL;
out:
	free(ent);
	free(pat);
	free(flags);
	free(ids);
	return ret;
}

struct match_set *match_compile(const struct match_rule *rules, size_t n, const char *source,
				FILE *err)
{
	static atomic_uint_fast64_t next_gen = 1;
	struct match_set *s;
	bool bad = false;
	int rc;

	/* A rule index must fit match_first()'s int and Hyperscan's unsigned ids. */
	if (n > INT_MAX) {
		if (err)
			fprintf(err, "%s: %zu rules, at most %d\n", source_name(source), n,
				INT_MAX);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->n = n;
	s->nwords = (n + 63) / 64;
	s->gen = atomic_fetch_add(&next_gen, 1);
	s->free_of = calloc(MATCH_NR_FIELDS * (s->nwords ? s->nwords : 1), sizeof(uint64_t));
	if (!s->free_of)
		goto nomem;

	for (size_t r = 0; r < n; r++) {
		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			if (!rules[r].pattern[f])
				s->free_of[f * s->nwords + r / 64] |= 1ull << (r % 64);
		}
	}

	/* Every field is compiled even after a bad one, so that one run reports them all. */
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		rc = compile_field(s, rules, n, f, source, err);
		if (rc == -ENOMEM)
			goto nomem;
		if (rc)
			bad = true;
	}
	if (bad) {
		match_free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;

nomem:
	match_free(s);
	errno = ENOMEM;
	return NULL;
}

/*
 * Scratch space: one per thread, grown to suit every database it has been used with (Hyperscan
 * keeps it valid for all of them). tls_gens remembers the last sets it was checked against, so
 * the check, which allocates and frees a sizing block inside Hyperscan, runs only when a thread
 * first meets a set, not on every lookup, even while a reload has it alternate between the old
 * set and the new. A thread key frees it when its thread exits.
 */
#define MATCH_GENS 4u

static __thread hs_scratch_t *tls_scratch;
static __thread uint64_t tls_gens[MATCH_GENS];
static __thread unsigned tls_gen_next;
static pthread_key_t scratch_key;
static bool scratch_key_ok;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_destroy(void *p)
{
	hs_free_scratch(p);
	tls_scratch = NULL;
	memset(tls_gens, 0, sizeof(tls_gens));
}

static void scratch_key_init(void)
{
	/* Without a key the scratch of an exiting thread leaks; matching still works. */
	scratch_key_ok = pthread_key_create(&scratch_key, scratch_destroy) == 0;
}

static int scratch_ready(const struct match_set *s)
{
	hs_error_t rc = HS_SUCCESS;

	for (unsigned i = 0; i < MATCH_GENS; i++) {
		if (tls_gens[i] == s->gen)
			return 0;
	}
	pthread_once(&scratch_once, scratch_key_init);
	for (unsigned f = 0; f < MATCH_NR_FIELDS && rc == HS_SUCCESS; f++) {
		if (s->fd[f].db)
			rc = hs_alloc_scratch(s->fd[f].db, &tls_scratch);
	}
	if (scratch_key_ok)
		pthread_setspecific(scratch_key, tls_scratch);
	if (rc != HS_SUCCESS) {
		/*
		 * Hyperscan has freed the old scratch and set the pointer to NULL: no set is
		 * served by it any more. Errors other than HS_NOMEM mean a corrupt database or
		 * a scratch in use by this very thread (a reentrant call): neither can happen
		 * through this API.
		 */
		memset(tls_gens, 0, sizeof(tls_gens));
		return rc == HS_NOMEM ? -ENOMEM : -EINVAL;
	}
	tls_gens[tls_gen_next++ % MATCH_GENS] = s->gen;
	return 0;
}

struct scan_ctx {
	const struct match_field_db *fd;
	uint64_t *hits;
};

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		  void *ctx)
{
	const struct scan_ctx *c = ctx;

	for (unsigned j = c->fd->start[id]; j < c->fd->start[id + 1]; j++) {
		unsigned r = c->fd->members[j];

		c->hits[r / 64] |= 1ull << (r % 64);
	}
	return 0;
}

int match_first(const struct match_set *s, const struct match_input *in)
{
	uint64_t stack[2 * MATCH_STACK_WORDS];
	uint64_t *cand = stack, *hits, *heap = NULL;
	size_t nw = s->nwords;
	int ret = -1, rc;

	if (!s->n)
		return -1;
	rc = scratch_ready(s);
	if (rc)
		return rc;
	if (nw > MATCH_STACK_WORDS) {
		heap = malloc(2 * nw * sizeof(*heap));
		if (!heap)
			return -ENOMEM;
		cand = heap;
	}
	hits = cand + nw;
	memset(cand, 0xff, nw * sizeof(*cand));
	if (s->n % 64)
		cand[nw - 1] = (1ull << (s->n % 64)) - 1;

	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		const uint64_t *free_of = s->free_of + f * nw;
		const char *text = in->field[f];
		size_t len = in->len[f];
		uint64_t need = 0, left = 0;

		if (!s->fd[f].db)
			continue;
		/* Scan only if some rule still in the running constrains this field. */
		for (size_t w = 0; w < nw; w++)
			need |= cand[w] & ~free_of[w];
		if (!need)
			continue;
		/* A text too long for hs_scan() is no client's: it fails like an absent one. */
		if (text && len && len <= UINT_MAX) {
			struct scan_ctx ctx = { &s->fd[f], hits };

			memset(hits, 0, nw * sizeof(*hits));
			if (hs_scan(s->fd[f].db, text, (unsigned)len, 0, tls_scratch, on_hit,
				    &ctx) != HS_SUCCESS) {
				/* on_hit never stops a scan; the set and scratch are valid. */
				ret = -EINVAL;
				goto out;
			}
			for (size_t w = 0; w < nw; w++)
				left |= cand[w] &= hits[w] | free_of[w];
		} else {
			for (size_t w = 0; w < nw; w++)
				left |= cand[w] &= free_of[w];
		}
		if (!left)
			goto out;
	}
	for (size_t w = 0; w < nw; w++) {
		if (cand[w]) {
			ret = (int)(w * 64 + (size_t)__builtin_ctzll(cand[w]));
			break;
		}
	}
out:
	free(heap);
	return ret;
}

static bool constrains_nothing(const struct match_rule *r)
{
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		if (r->pattern[f])
			return false;
	}
	return true;
}

/*
 * Whether an earlier rule @a matches every client that @b matches: each field @a constrains,
 * @b constrains with the same pattern, and @a is caseless there if @b is (a caseless pattern
 * matches a superset of what the same pattern matches with case).
 */
static bool shadows(const struct match_rule *a, const struct match_rule *b)
{
	for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
		if (!a->pattern[f])
			continue;
		if (!b->pattern[f] || strcmp(a->pattern[f], b->pattern[f]))
			return false;
		if (field_caseless(b, f) && !field_caseless(a, f))
			return false;
	}
	return true;
}

unsigned match_check(const struct match_set *s, const struct match_rule *rules, size_t n,
		     const char *source, FILE *err)
{
	unsigned found = 0;
	bool *dead;

	/* The set adds nothing the rules do not say; it may be NULL (a set that failed). */
	assert(!s || s->n == n);
	/*
	 * Without this memory every rule counts as live. A shadow by a dead rule is then reported
	 * too, which is still true: the shadowed rule has the pattern that cannot match.
	 */
	dead = calloc(n ? n : 1, sizeof(*dead));

	for (size_t i = 0; i < n; i++) {
		const struct match_rule *r = &rules[i];

		for (unsigned f = 0; f < MATCH_NR_FIELDS; f++) {
			hs_expr_info_t *info = NULL;
			hs_compile_error_t *ce = NULL;

			if (!r->pattern[f])
				continue;
			/* A pattern Hyperscan rejects was reported by match_compile(). */
			if (hs_expression_info(r->pattern[f], field_flags(r, f), &info, &ce) !=
			    HS_SUCCESS) {
				hs_free_compile_error(ce);
				continue;
			}
			if (info->min_width > field_max_len[f]) {
				if (err)
					fprintf(err, "%s:%u: rule %zu can never match: its %s "
						"pattern needs at least %u characters, a %s has at "
						"most %u\n", source_name(source), r->line, i + 1,
						match_field_name(f), info->min_width,
						match_field_name(f), field_max_len[f]);
				found++;
				if (dead)
					dead[i] = true;
			}
			free(info);
		}

		/* A rule that can never match shadows nothing: it was reported on its own. */
		for (size_t j = 0; j < i; j++) {
			if ((dead && dead[j]) || !shadows(&rules[j], r))
				continue;
			if (err && !constrains_nothing(&rules[j]))
				fprintf(err, "%s:%u: rule %zu can never match: rule %zu (line %u) "
					"matches every client it would, first\n",
					source_name(source), r->line, i + 1, j + 1, rules[j].line);
			else if (err)
				fprintf(err, "%s:%u: rule %zu can never match: rule %zu (line %u) "
					"constrains nothing and matches every client first\n",
					source_name(source), r->line, i + 1, j + 1, rules[j].line);
			found++;
			break;
		}
	}
	free(dead);
	return found;
}
