// SPDX-License-Identifier: MIT
/*
 * The lease table: records live in slabs so a struct lease * handed out stays valid for the
 * pool's life (records are replaced in place, never removed). Three intrusive chained hash
 * tables index them by IP, by client id and by hardware address.
 *
 * Allocation has three tiers, cheapest first:
 *   - the requested address, when it is free;
 *   - never-used addresses: each range keeps a cursor below which every address is reserved or
 *     has a record (records are never removed, so the invariant holds for good). Moving the
 *     cursor costs O(1) amortized per address over the pool's life;
 *   - reuse: per range, a min-heap of (updated, ip) over the records that were available when
 *     the heaps were built. The heaps are rebuilt by one scan of the records when @now differs
 *     from the build, when records were inserted or ranges added, or when they run dry; an
 *     entry is checked against its record when it reaches the top, and dropped when the record
 *     was taken or changed since. A record freed by the caller after the build is seen once
 *     the heaps run dry: its `updated` is newer than every unchanged entry's, so the order
 *     stays exactly least recently updated first (ties aside) as long as whoever changes a
 *     record also sets its `updated` to the time of the change. (Otherwise such a record is
 *     still reused, only maybe later than its turn.) A subnet with nothing left costs one scan
 *     per failed allocation, as a record may have been freed since the last one.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

#include "store/pool.h"

#define POOL_SLAB 256u          /* records per slab */
#define HTAB_MIN 64u            /* initial buckets of each index */

enum pool_index {
	IDX_IP = 0,
	IDX_CID = 1,
	IDX_HW = 2,
	IDX_COUNT = 3,
};

struct rec {
	struct lease l;         /* first: the API's struct lease * is a struct rec * */
	struct rec *next[IDX_COUNT];
	uint32_t hash[IDX_COUNT];
	uint8_t linked;         /* bit i: the record is in index i */
};

struct htab {
	struct rec **b;
	size_t mask;            /* buckets - 1; buckets are a power of two */
	size_t n;
};

/* A reuse candidate; @updated is the key it was filed under, checked against the record. */
struct cand {
	uint64_t updated;
	struct rec *r;
};

struct range {
	uint32_t first, last;
	uint64_t cursor;        /* 64 bits: a range may end at 255.255.255.255 */
	struct cand *heap;
	size_t nheap, heap_cap;
};

struct lease_pool {
	struct rec **slabs;
	size_t nslabs, nrecs;
	struct htab idx[IDX_COUNT];
	uint64_t seed;

	struct range *ranges;   /* sorted by first, disjoint */
	size_t nranges, ranges_cap;

	uint32_t *reserved;     /* open addressing, 0 marks an empty slot (so 0 has a flag) */
	size_t reserved_mask, nreserved;
	bool reserved_zero;

	/* The reuse heaps reflect the pool at generation cand_gen and time cand_now. */
	bool cand_valid;
	uint64_t cand_now, cand_gen, gen;
};

static inline struct rec *rec_of(struct lease *l)
{
	return (struct rec *)l;
}

static inline struct rec *rec_at(const struct lease_pool *p, size_t i)
{
	return &p->slabs[i / POOL_SLAB][i % POOL_SLAB];
}

static uint32_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t hash_ip(const struct lease_pool *p, uint32_t ip)
{
	return mix(p->seed ^ ip);
}

/* Seeded per pool: client ids and MACs come off the wire, their buckets should not be aimed. */
static uint32_t hash_bytes(const struct lease_pool *p, uint32_t tag, const uint8_t *d, size_t n)
{
	uint64_t h = p->seed ^ ((uint64_t)tag << 32 | n);

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return mix(h);
}

static uint32_t hash_hw(const struct lease_pool *p, uint8_t htype, uint8_t hlen,
			const uint8_t *hwaddr)
{
	return hash_bytes(p, 0x100u | htype, hwaddr, hlen);
}

static uint32_t hash_cid(const struct lease_pool *p, const uint8_t *cid, size_t len)
{
	return hash_bytes(p, 0, cid, len);
}

static int htab_init(struct htab *t)
{
	t->b = calloc(HTAB_MIN, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->mask = HTAB_MIN - 1;
	t->n = 0;
	return 0;
}

/* Doubles the buckets; on ENOMEM the table keeps working with longer chains. */
static void htab_grow(struct htab *t, enum pool_index idx)
{
	size_t nb = (t->mask + 1) * 2;
	struct rec **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		struct rec *r = t->b[i], *next;

		for (; r; r = next) {
			next = r->next[idx];
			r->next[idx] = b[r->hash[idx] & (nb - 1)];
			b[r->hash[idx] & (nb - 1)] = r;
		}
	}
	free(t->b);
	t->b = b;
	t->mask = nb - 1;
}

/* r->hash[idx] must be set. */
static void htab_add(struct lease_pool *p, enum pool_index idx, struct rec *r)
{
	struct htab *t = &p->idx[idx];
	struct rec **head;

	assert(!(r->linked & 1u << idx));
	if (t->n > t->mask)
		htab_grow(t, idx);
	head = &t->b[r->hash[idx] & t->mask];
	r->next[idx] = *head;
	*head = r;
	r->linked |= 1u << idx;
	t->n++;
}

static void htab_del(struct lease_pool *p, enum pool_index idx, struct rec *r)
{
	struct htab *t = &p->idx[idx];
	struct rec **pp;

	if (!(r->linked & 1u << idx))
		return;
	pp = &t->b[r->hash[idx] & t->mask];
	while (*pp != r) {
		assert(*pp);
		pp = &(*pp)->next[idx];
	}
	*pp = r->next[idx];
	r->linked &= ~(1u << idx);
	t->n--;
}

static struct rec *rec_find(const struct lease_pool *p, uint32_t ip)
{
	const struct htab *t = &p->idx[IDX_IP];
	struct rec *r = t->b[hash_ip(p, ip) & t->mask];

	while (r && r->l.ip != ip)
		r = r->next[IDX_IP];
	return r;
}

/* A new record, zeroed and in no index; NULL when out of memory. */
static struct rec *rec_new(struct lease_pool *p)
{
	struct rec *r;

	if (p->nrecs == p->nslabs * POOL_SLAB) {
		struct rec **slabs = realloc(p->slabs, (p->nslabs + 1) * sizeof(*slabs));

		if (!slabs)
			return NULL;
		p->slabs = slabs;
		slabs[p->nslabs] = malloc(POOL_SLAB * sizeof(struct rec));
		if (!slabs[p->nslabs])
			return NULL;
		p->nslabs++;
	}
	r = rec_at(p, p->nrecs++);
	memset(r, 0, sizeof(*r));
	return r;
}

static void index_client(struct lease_pool *p, struct rec *r)
{
	if (r->l.cid_len) {
		r->hash[IDX_CID] = hash_cid(p, r->l.cid, r->l.cid_len);
		htab_add(p, IDX_CID, r);
	}
	if (r->l.hlen) {
		r->hash[IDX_HW] = hash_hw(p, r->l.htype, r->l.hlen, r->l.hwaddr);
		htab_add(p, IDX_HW, r);
	}
}

static void unindex_client(struct lease_pool *p, struct rec *r)
{
	htab_del(p, IDX_CID, r);
	htab_del(p, IDX_HW, r);
}

/*
 * Lengths beyond the struct's arrays are cut to fit, on store and on lookup alike, so a
 * client keeps matching itself. Bytes past the lengths are zero.
 */
static void copy_identity(struct lease *l, uint8_t htype, uint8_t hlen, const uint8_t *hwaddr,
			  const uint8_t *cid, size_t cid_len)
{
	if (!hwaddr || hlen > sizeof(l->hwaddr))
		hlen = hwaddr ? sizeof(l->hwaddr) : 0;
	if (!cid)
		cid_len = 0;
	if (cid_len > sizeof(l->cid))
		cid_len = sizeof(l->cid);
	l->htype = htype;
	l->hlen = hlen;
	memset(l->hwaddr, 0, sizeof(l->hwaddr));
	if (hlen)
		memcpy(l->hwaddr, hwaddr, hlen);
	l->cid_len = (uint8_t)cid_len;
	memset(l->cid, 0, sizeof(l->cid));
	if (cid_len)
		memcpy(l->cid, cid, cid_len);
}

static bool rec_available(const struct rec *r, uint64_t now)
{
	return r->l.state == LEASE_FREE || r->l.expires <= now;
}

static bool reserved_has(const struct lease_pool *p, uint32_t ip)
{
	size_t i;

	if (!ip)
		return p->reserved_zero;
	if (!p->reserved)
		return false;
	for (i = hash_ip(p, ip) & p->reserved_mask; p->reserved[i]; i = (i + 1) & p->reserved_mask)
		if (p->reserved[i] == ip)
			return true;
	return false;
}

static void reserved_put(uint32_t *set, size_t mask, uint32_t h, uint32_t ip)
{
	size_t i;

	for (i = h & mask; set[i] && set[i] != ip; i = (i + 1) & mask)
		;
	set[i] = ip;
}

/* Index of the first range whose last address is >= @ip (nranges when none). */
static size_t range_lower_bound(const struct lease_pool *p, uint32_t ip)
{
	size_t lo = 0, hi = p->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->ranges[mid].last < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct range *range_of(const struct lease_pool *p, uint32_t ip)
{
	size_t i = range_lower_bound(p, ip);

	if (i < p->nranges && p->ranges[i].first <= ip)
		return &p->ranges[i];
	return NULL;
}

struct lease_pool *lease_pool_new(void)
{
	struct lease_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	for (int i = 0; i < IDX_COUNT; i++)
		if (htab_init(&p->idx[i]))
			goto fail;
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != sizeof(p->seed)) {
		struct timespec ts;

		/* Early boot without entropy: a weak seed still beats none. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		p->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uintptr_t)p;
	}
	return p;

fail:
	lease_pool_free(p);
	errno = ENOMEM;
	return NULL;
}

void lease_pool_free(struct lease_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nslabs; i++)
		free(p->slabs[i]);
	free(p->slabs);
	for (int i = 0; i < IDX_COUNT; i++)
		free(p->idx[i].b);
	for (size_t i = 0; i < p->nranges; i++)
		free(p->ranges[i].heap);
	free(p->ranges);
	free(p->reserved);
	free(p);
}

int lease_pool_add_range(struct lease_pool *p, uint32_t first, uint32_t last)
{
	size_t i;

	if (first > last)
		return -EINVAL;
	i = range_lower_bound(p, first);
	if (i < p->nranges && p->ranges[i].first <= last)
		return -EEXIST;
	if (p->nranges == p->ranges_cap) {
		size_t cap = p->ranges_cap ? p->ranges_cap * 2 : 8;
		struct range *r = realloc(p->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		p->ranges = r;
		p->ranges_cap = cap;
	}
	memmove(&p->ranges[i + 1], &p->ranges[i], (p->nranges - i) * sizeof(*p->ranges));
	p->ranges[i] = (struct range){ .first = first, .last = last, .cursor = first };
	p->nranges++;
	/* Records already inside the new range are reuse candidates now. */
	p->gen++;
	return 0;
}

int lease_pool_reserve(struct lease_pool *p, uint32_t ip)
{
	if (!ip) {
		p->reserved_zero = true;
		return 0;
	}
	if (reserved_has(p, ip))
		return 0;
	/* Kept at most half full so probe runs stay short. */
	if (!p->reserved || (p->nreserved + 1) * 2 > p->reserved_mask + 1) {
		size_t nb = p->reserved ? (p->reserved_mask + 1) * 2 : 64;
		uint32_t *set = calloc(nb, sizeof(*set));

		if (!set)
			return -ENOMEM;
		for (size_t i = 0; p->reserved && i <= p->reserved_mask; i++)
			if (p->reserved[i])
				reserved_put(set, nb - 1, hash_ip(p, p->reserved[i]),
					     p->reserved[i]);
		free(p->reserved);
		p->reserved = set;
		p->reserved_mask = nb - 1;
	}
	reserved_put(p->reserved, p->reserved_mask, hash_ip(p, ip), ip);
	p->nreserved++;
	/* No rebuild needed: reuse candidates are checked against the set when taken. */
	return 0;
}

bool lease_pool_in_range(const struct lease_pool *p, uint32_t ip)
{
	return range_of(p, ip) && !reserved_has(p, ip);
}

struct lease *lease_pool_insert(struct lease_pool *p, const struct lease *l)
{
	struct rec *r = rec_find(p, l->ip);
	struct lease tmp = *l;  /* @l may be the pool's own copy */

	if (r) {
		unindex_client(p, r);
	} else {
		r = rec_new(p);
		if (!r) {
			errno = ENOMEM;
			return NULL;
		}
		r->hash[IDX_IP] = hash_ip(p, l->ip);
	}
	r->l = tmp;
	copy_identity(&r->l, tmp.htype, tmp.hlen, tmp.hwaddr, tmp.cid, tmp.cid_len);
	r->l.hostname[sizeof(r->l.hostname) - 1] = '\0';
	if (!(r->linked & 1u << IDX_IP))
		htab_add(p, IDX_IP, r);
	index_client(p, r);
	/* The record may be a reuse candidate the heaps do not know of. */
	p->gen++;
	return &r->l;
}

struct lease *lease_pool_find_ip(struct lease_pool *p, uint32_t ip)
{
	struct rec *r = rec_find(p, ip);

	return r ? &r->l : NULL;
}

/* Of several records of one client (say a static one and an old dynamic one), the newest. */
static bool rec_newer(const struct rec *a, const struct rec *b)
{
	if (!b)
		return true;
	if (a->l.updated != b->l.updated)
		return a->l.updated > b->l.updated;
	return a->l.ip < b->l.ip;
}

struct lease *lease_pool_find_client(struct lease_pool *p, uint8_t htype, uint8_t hlen,
				     const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len)
{
	struct rec *r, *best = NULL;
	uint32_t h;

	if (cid && cid_len) {
		if (cid_len > LEASE_CID_MAX)
			cid_len = LEASE_CID_MAX;
		h = hash_cid(p, cid, cid_len);
		for (r = p->idx[IDX_CID].b[h & p->idx[IDX_CID].mask]; r; r = r->next[IDX_CID])
			if (r->hash[IDX_CID] == h && r->l.cid_len == cid_len &&
			    !memcmp(r->l.cid, cid, cid_len) && rec_newer(r, best))
				best = r;
		if (best)
			return &best->l;
	}
	if (!hwaddr || !hlen)
		return NULL;
	if (hlen > sizeof(best->l.hwaddr))
		hlen = sizeof(best->l.hwaddr);
	h = hash_hw(p, htype, hlen, hwaddr);
	for (r = p->idx[IDX_HW].b[h & p->idx[IDX_HW].mask]; r; r = r->next[IDX_HW])
		if (r->hash[IDX_HW] == h && r->l.htype == htype && r->l.hlen == hlen &&
		    !memcmp(r->l.hwaddr, hwaddr, hlen) && rec_newer(r, best))
			best = r;
	return best ? &best->l : NULL;
}

void lease_pool_set_client(struct lease_pool *p, struct lease *l, uint8_t htype, uint8_t hlen,
			   const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len)
{
	struct rec *r = rec_of(l);

	assert(rec_find(p, l->ip) == r);
	unindex_client(p, r);
	copy_identity(&r->l, htype, hlen, hwaddr, cid, cid_len);
	index_client(p, r);
}

/* The reuse order on live values: least recently updated, then lowest address. */
static bool rec_older(const struct rec *a, const struct rec *b)
{
	if (a->l.updated != b->l.updated)
		return a->l.updated < b->l.updated;
	return a->l.ip < b->l.ip;
}

/* Min-heap on (filed updated, ip). */
static bool cand_less(const struct cand *a, const struct cand *b)
{
	if (a->updated != b->updated)
		return a->updated < b->updated;
	return a->r->l.ip < b->r->l.ip;
}

static void heap_down(struct range *rg, size_t i)
{
	struct cand c = rg->heap[i];

	for (;;) {
		size_t k = 2 * i + 1;

		if (k >= rg->nheap)
			break;
		if (k + 1 < rg->nheap && cand_less(&rg->heap[k + 1], &rg->heap[k]))
			k++;
		if (!cand_less(&rg->heap[k], &c))
			break;
		rg->heap[i] = rg->heap[k];
		i = k;
	}
	rg->heap[i] = c;
}

static void heap_up(struct range *rg, size_t i)
{
	struct cand c = rg->heap[i];

	while (i && cand_less(&c, &rg->heap[(i - 1) / 2])) {
		rg->heap[i] = rg->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	rg->heap[i] = c;
}

static void heap_remove(struct range *rg, size_t i)
{
	assert(i < rg->nheap);
	rg->heap[i] = rg->heap[--rg->nheap];
	if (i < rg->nheap) {
		heap_down(rg, i);
		heap_up(rg, i);
	}
}

static int heap_append(struct range *rg, struct rec *r)
{
	if (rg->nheap == rg->heap_cap) {
		size_t cap = rg->heap_cap ? rg->heap_cap * 2 : 64;
		struct cand *h = realloc(rg->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		rg->heap = h;
		rg->heap_cap = cap;
	}
	rg->heap[rg->nheap++] = (struct cand){ .updated = r->l.updated, .r = r };
	return 0;
}

/* One scan of the records: every available one goes into its range's heap. */
static int cand_rebuild(struct lease_pool *p, uint64_t now)
{
	p->cand_valid = false;
	for (size_t i = 0; i < p->nranges; i++)
		p->ranges[i].nheap = 0;
	for (size_t i = 0; i < p->nrecs; i++) {
		struct rec *r = rec_at(p, i);
		struct range *rg;

		if (!rec_available(r, now))
			continue;
		rg = range_of(p, r->l.ip);
		if (!rg || reserved_has(p, r->l.ip))
			continue;
		if (heap_append(rg, r))
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->nranges; i++) {
		struct range *rg = &p->ranges[i];

		for (size_t k = rg->nheap / 2; k-- > 0;)
			heap_down(rg, k);
	}
	p->cand_valid = true;
	p->cand_now = now;
	p->cand_gen = p->gen;
	return 0;
}

/*
 * A heap entry still stands when its record is available, unchanged since the build and not
 * reserved since. A changed record is dropped rather than refiled: records freed after the
 * build are missing from the heap and are newer than every unchanged entry, but a refiled one
 * could jump ahead of them. Once only changed ones are left, the heap runs dry and is rebuilt.
 */
static bool cand_stands(const struct lease_pool *p, const struct cand *c, uint64_t now)
{
	return c->updated == c->r->l.updated && rec_available(c->r, now) &&
	       !reserved_has(p, c->r->l.ip);
}

/* The top of @rg's heap after dropping entries that no longer stand; -1 when it runs dry. */
static ssize_t heap_top_valid(struct lease_pool *p, struct range *rg, uint64_t now)
{
	while (rg->nheap && !cand_stands(p, &rg->heap[0], now))
		heap_remove(rg, 0);
	return rg->nheap ? 0 : -1;
}

/*
 * A range straddling the subnet's edge (a configuration the caller should not make): its
 * heap holds addresses outside the subnet that must stay, so look through it instead.
 */
static ssize_t heap_scan(struct lease_pool *p, struct range *rg, uint32_t net_first,
			 uint32_t net_last, uint64_t now)
{
	ssize_t best = -1;

	for (size_t i = 0; i < rg->nheap; i++) {
		struct rec *r = rg->heap[i].r;

		if (r->l.ip < net_first || r->l.ip > net_last || !cand_stands(p, &rg->heap[i], now))
			continue;
		if (best < 0 || rec_older(r, rg->heap[best].r))
			best = (ssize_t)i;
	}
	return best;
}

/* Takes the least recently updated candidate of the subnet out of its heap. */
static struct rec *cand_pick(struct lease_pool *p, uint32_t net_first, uint32_t net_last,
			     uint64_t now)
{
	struct range *best_rg = NULL;
	ssize_t best = -1;
	struct rec *r;

	for (size_t i = range_lower_bound(p, net_first);
	     i < p->nranges && p->ranges[i].first <= net_last; i++) {
		struct range *rg = &p->ranges[i];
		ssize_t k;

		if (rg->first >= net_first && rg->last <= net_last)
			k = heap_top_valid(p, rg, now);
		else
			k = heap_scan(p, rg, net_first, net_last, now);
		if (k < 0)
			continue;
		if (!best_rg || rec_older(rg->heap[k].r, best_rg->heap[best].r)) {
			best_rg = rg;
			best = k;
		}
	}
	if (!best_rg)
		return NULL;
	r = best_rg->heap[best].r;
	heap_remove(best_rg, (size_t)best);
	return r;
}

static struct rec *reuse(struct lease_pool *p, uint32_t net_first, uint32_t net_last,
			 uint64_t now)
{
	bool fresh = false;
	struct rec *r;

	if (!p->cand_valid || p->cand_now != now || p->cand_gen != p->gen) {
		if (cand_rebuild(p, now))
			goto nomem;
		fresh = true;
	}
	r = cand_pick(p, net_first, net_last, now);
	/* Dry heaps may only mean records were freed since the build: look once more. */
	if (!r && !fresh) {
		if (cand_rebuild(p, now))
			goto nomem;
		r = cand_pick(p, net_first, net_last, now);
	}
	if (!r)
		errno = ENOSPC;
	return r;

nomem:
	errno = ENOMEM;
	return NULL;
}

/*
 * A never-used address of the subnet, moving each range's cursor past addresses that turn out
 * reserved or recorded. *@advance is the range whose cursor the caller moves past the address
 * once it is taken, or NULL when the search began above the cursor (the range reaches below
 * the subnet), which must then stay put for the addresses it passed over.
 */
static bool fresh_address(struct lease_pool *p, uint32_t net_first, uint32_t net_last,
			  uint32_t *ip, struct range **advance)
{
	for (size_t i = range_lower_bound(p, net_first);
	     i < p->nranges && p->ranges[i].first <= net_last; i++) {
		struct range *rg = &p->ranges[i];
		uint64_t lo = rg->first > net_first ? rg->first : net_first;
		uint64_t hi = rg->last < net_last ? rg->last : net_last;
		uint64_t a = rg->cursor > lo ? rg->cursor : lo;
		bool at_cursor = a == rg->cursor;

		for (; a <= hi; a++) {
			if (!reserved_has(p, (uint32_t)a) && !rec_find(p, (uint32_t)a)) {
				*ip = (uint32_t)a;
				*advance = at_cursor ? rg : NULL;
				return true;
			}
			if (at_cursor)
				rg->cursor = a + 1;
		}
	}
	return false;
}

/* Gives @r (new or taken over) to the client, FREE until the caller says otherwise. */
static void claim(struct lease_pool *p, struct rec *r, uint8_t htype, uint8_t hlen,
		  const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len, uint64_t now)
{
	unindex_client(p, r);
	copy_identity(&r->l, htype, hlen, hwaddr, cid, cid_len);
	/* The previous holder's name must not follow the address to a new client. */
	r->l.hostname[0] = '\0';
	r->l.state = LEASE_FREE;
	r->l.expires = now;
	r->l.updated = now;
	index_client(p, r);
}

static struct rec *claim_new(struct lease_pool *p, uint32_t ip)
{
	struct rec *r = rec_new(p);

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->l.ip = ip;
	r->hash[IDX_IP] = hash_ip(p, ip);
	htab_add(p, IDX_IP, r);
	return r;
}

struct lease *lease_pool_alloc(struct lease_pool *p, uint32_t net_first, uint32_t net_last,
			       uint32_t requested, uint8_t htype, uint8_t hlen,
			       const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len,
			       uint64_t now)
{
	struct range *advance = NULL;
	struct rec *r = NULL;
	uint32_t ip;

	if (requested && requested >= net_first && requested <= net_last &&
	    lease_pool_in_range(p, requested)) {
		r = rec_find(p, requested);
		if (!r) {
			r = claim_new(p, requested);
			if (!r)
				return NULL;
		} else if (!rec_available(r, now)) {
			r = NULL;
		}
	}
	if (!r && fresh_address(p, net_first, net_last, &ip, &advance)) {
		r = claim_new(p, ip);
		if (!r)
			return NULL;
		if (advance)
			advance->cursor = (uint64_t)ip + 1;
	}
	if (!r)
		r = reuse(p, net_first, net_last, now);
	if (!r)
		return NULL;
	claim(p, r, htype, hlen, hwaddr, cid, cid_len, now);
	return &r->l;
}

void lease_pool_stats(const struct lease_pool *p, uint64_t now, struct lease_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < p->nranges; i++)
		st->size += (size_t)p->ranges[i].last - p->ranges[i].first + 1;
	for (size_t i = 0; p->reserved && i <= p->reserved_mask; i++)
		if (p->reserved[i] && range_of(p, p->reserved[i]))
			st->size--;
	if (p->reserved_zero && range_of(p, 0))
		st->size--;
	for (size_t i = 0; i < p->nrecs; i++) {
		const struct rec *r = rec_at(p, i);

		if (r->l.expires <= now)
			continue;
		if (r->l.state == LEASE_BOUND)
			st->bound++;
		else if (r->l.state == LEASE_OFFERED)
			st->offered++;
		else if (r->l.state == LEASE_DECLINED)
			st->declined++;
	}
}

void lease_pool_foreach(struct lease_pool *p, void (*fn)(void *ctx, struct lease *l), void *ctx)
{
	/* By index, re-reading the count: @fn may insert, and slabs never move. */
	for (size_t i = 0; i < p->nrecs; i++)
		fn(ctx, &rec_at(p, i)->l);
}
