// SPDX-License-Identifier: MIT
/* The lease table: ranges, reservations, identity indexes and the allocation order. */
#include "store/pool.c"

#include <time.h>

#include "check.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define NET_FIRST IP(10, 0, 0, 1)
#define NET_LAST  IP(10, 0, 0, 254)

static void mac_of(unsigned id, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(id >> 24);
	mac[3] = (uint8_t)(id >> 16);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

/* A client with MAC id and no client id. */
static struct lease *alloc_id(struct lease_pool *p, uint32_t req, unsigned id, uint64_t now)
{
	uint8_t mac[6];

	mac_of(id, mac);
	return lease_pool_alloc(p, NET_FIRST, NET_LAST, req, 1, 6, mac, NULL, 0, now);
}

static void bind(struct lease *l, uint64_t now, uint64_t secs)
{
	l->state = LEASE_BOUND;
	l->expires = now + secs;
	l->updated = now;
}

static void test_add_range_rejects_overlap(void)
{
	struct lease_pool *p = lease_pool_new();

	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 20)), 0);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 30), IP(10, 0, 0, 40)), 0);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 15), IP(10, 0, 0, 25)), -EEXIST);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 5), IP(10, 0, 0, 10)), -EEXIST);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 20), IP(10, 0, 0, 20)), -EEXIST);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 1), IP(10, 0, 0, 50)), -EEXIST);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 25), IP(10, 0, 0, 35)), -EEXIST);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 9), IP(10, 0, 0, 8)), -EINVAL);
	/* Touching but not overlapping is fine, on both sides, in any order. */
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 21), IP(10, 0, 0, 29)), 0);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 0), IP(10, 0, 0, 9)), 0);
	CHECK_EQ(lease_pool_add_range(p, IP(10, 0, 0, 41), IP(10, 0, 0, 41)), 0);
	CHECK_EQ(lease_pool_add_range(p, 0xffffff00u, 0xffffffffu), 0);
	CHECK_EQ(lease_pool_add_range(p, 0, 0), 0);
	for (size_t i = 1; i < p->nranges; i++)
		CHECK(p->ranges[i - 1].last < p->ranges[i].first);
	CHECK(lease_pool_in_range(p, IP(10, 0, 0, 0)));
	CHECK(lease_pool_in_range(p, IP(10, 0, 0, 41)));
	CHECK(!lease_pool_in_range(p, IP(10, 0, 0, 42)));
	CHECK(lease_pool_in_range(p, 0xffffffffu));
	CHECK(lease_pool_in_range(p, 0));
	CHECK(!lease_pool_in_range(p, 1));
	lease_pool_free(p);
}

static void test_reserve(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease_pool_stats st;
	struct lease *l;
	bool seen[256] = { false };

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 19));
	CHECK_EQ(lease_pool_reserve(p, IP(10, 0, 0, 10)), 0);
	CHECK_EQ(lease_pool_reserve(p, IP(10, 0, 0, 15)), 0);
	CHECK_EQ(lease_pool_reserve(p, IP(10, 0, 0, 15)), 0);
	CHECK_EQ(lease_pool_reserve(p, IP(10, 0, 0, 100)), 0);      /* outside: harmless */
	CHECK(!lease_pool_in_range(p, IP(10, 0, 0, 15)));
	CHECK(!lease_pool_in_range(p, IP(10, 0, 0, 100)));
	CHECK(lease_pool_in_range(p, IP(10, 0, 0, 14)));
	lease_pool_stats(p, 0, &st);
	CHECK_EQ(st.size, 8u);
	/* A reserved address is not handed out, even when asked for. */
	l = alloc_id(p, IP(10, 0, 0, 15), 1, 100);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	for (unsigned i = 0; l; i++) {
		seen[l->ip & 0xff] = true;
		bind(l, 100, 60);
		l = alloc_id(p, 0, 2 + i, 100);
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK(!seen[10] && !seen[15]);
	for (unsigned i = 11; i <= 19; i++)
		CHECK(seen[i] || i == 15);
	/* Many reservations: the set grows and keeps them all. */
	for (uint32_t i = 0; i < 5000; i++)
		CHECK_EQ(lease_pool_reserve(p, IP(172, 16, 0, 0) + i * 7), 0);
	for (uint32_t i = 0; i < 5000; i++)
		CHECK(reserved_has(p, IP(172, 16, 0, 0) + i * 7));
	CHECK(!reserved_has(p, IP(172, 16, 0, 1)));
	CHECK(!reserved_has(p, 0));
	CHECK_EQ(lease_pool_reserve(p, 0), 0);
	CHECK(reserved_has(p, 0));
	lease_pool_free(p);
}

static void test_alloc_order(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease *l, *a, *b;

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 14));
	lease_pool_add_range(p, IP(10, 0, 0, 200), IP(10, 0, 0, 200));
	/* The requested address when free, then never-used addresses from the bottom. */
	l = alloc_id(p, IP(10, 0, 0, 12), 1, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 12) && l->state == LEASE_FREE);
	bind(l, 1000, 100);
	l = alloc_id(p, 0, 2, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 10));
	bind(l, 1000, 100);
	/* Held by someone else: not honored. Outside the ranges or the subnet: neither. */
	l = alloc_id(p, IP(10, 0, 0, 12), 3, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	bind(l, 1000, 100);
	l = alloc_id(p, IP(10, 0, 0, 100), 4, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 13));
	bind(l, 1000, 100);
	l = lease_pool_alloc(p, IP(10, 0, 0, 1), IP(10, 0, 0, 13), IP(10, 0, 0, 200), 1, 6,
			     (const uint8_t *)"\2\0\0\0\0\5", NULL, 0, 1000);
	CHECK(l == NULL && errno == ENOSPC);
	l = alloc_id(p, 0, 5, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 14));
	bind(l, 1000, 100);
	l = alloc_id(p, 0, 6, 1000);
	CHECK(l && l->ip == IP(10, 0, 0, 200));
	bind(l, 1000, 100);
	CHECK(alloc_id(p, 0, 7, 1050) == NULL && errno == ENOSPC);

	/* Reuse: a FREE record and expired ones, least recently updated first. */
	a = lease_pool_find_ip(p, IP(10, 0, 0, 13));
	a->state = LEASE_FREE;
	a->updated = 1090;
	b = lease_pool_find_ip(p, IP(10, 0, 0, 11));
	b->expires = 1080;
	b->updated = 995;
	l = lease_pool_find_ip(p, IP(10, 0, 0, 14));
	l->expires = 1090;
	l->updated = 1010;
	l = alloc_id(p, 0, 8, 1095);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	bind(l, 1095, 100);
	l = alloc_id(p, 0, 9, 1095);
	CHECK(l && l->ip == IP(10, 0, 0, 14));
	bind(l, 1095, 100);
	/* A requested free address beats the LRU one. */
	lease_pool_find_ip(p, IP(10, 0, 0, 10))->state = LEASE_FREE;
	l = alloc_id(p, IP(10, 0, 0, 13), 10, 1095);
	CHECK(l && l->ip == IP(10, 0, 0, 13));
	bind(l, 1095, 100);
	l = alloc_id(p, 0, 11, 1095);
	CHECK(l && l->ip == IP(10, 0, 0, 10));
	bind(l, 1095, 100);
	CHECK(alloc_id(p, 0, 12, 1095) == NULL && errno == ENOSPC);
	lease_pool_free(p);
}

static void test_expiry_and_decline_quarantine(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease *l;

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 11));
	l = alloc_id(p, 0, 1, 100);
	bind(l, 100, 50);
	l = alloc_id(p, 0, 2, 100);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	l->state = LEASE_DECLINED;
	l->expires = 100 + 3600;
	l->updated = 10;        /* oldest, but quarantined */
	CHECK(alloc_id(p, 0, 3, 149) == NULL && errno == ENOSPC);
	CHECK(alloc_id(p, IP(10, 0, 0, 11), 3, 149) == NULL && errno == ENOSPC);
	/* BOUND with expires == now is available. */
	l = alloc_id(p, 0, 3, 150);
	CHECK(l && l->ip == IP(10, 0, 0, 10));
	bind(l, 150, 5000);
	CHECK(alloc_id(p, 0, 4, 3699) == NULL && errno == ENOSPC);
	l = alloc_id(p, 0, 4, 3700);
	CHECK(l && l->ip == IP(10, 0, 0, 11) && l->state == LEASE_FREE);
	/* An OFFERED record is held until it expires too. */
	l->state = LEASE_OFFERED;
	l->expires = 3760;
	CHECK(alloc_id(p, 0, 5, 3759) == NULL && errno == ENOSPC);
	l = alloc_id(p, 0, 5, 3760);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	lease_pool_free(p);
}

static void test_find_client_by_cid_then_hwaddr(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static const uint8_t other_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x57 };
	static const uint8_t fw_cid[7] = { 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static const uint8_t ipxe_cid[4] = { 0xff, 1, 2, 3 };
	static const uint8_t linux_cid[5] = { 0xff, 9, 9, 9, 9 };
	struct lease_pool *p = lease_pool_new();
	struct lease *l, *m;

	lease_pool_add_range(p, NET_FIRST, NET_LAST);
	CHECK(lease_pool_find_client(p, 1, 6, mac, fw_cid, sizeof(fw_cid)) == NULL);
	l = lease_pool_alloc(p, NET_FIRST, NET_LAST, 0, 1, 6, mac, fw_cid, sizeof(fw_cid), 10);
	bind(l, 10, 600);
	CHECK(lease_pool_find_client(p, 1, 6, mac, fw_cid, sizeof(fw_cid)) == l);
	/* The cid alone finds it, whatever the MAC says. */
	CHECK(lease_pool_find_client(p, 1, 6, other_mac, fw_cid, sizeof(fw_cid)) == l);
	CHECK(lease_pool_find_client(p, 1, 0, NULL, fw_cid, sizeof(fw_cid)) == l);
	/* iPXE, then Linux: new client ids, one MAC, one address. */
	m = lease_pool_find_client(p, 1, 6, mac, ipxe_cid, sizeof(ipxe_cid));
	CHECK(m == l);
	lease_pool_set_client(p, m, 1, 6, mac, ipxe_cid, sizeof(ipxe_cid));
	CHECK(lease_pool_find_client(p, 1, 6, mac, linux_cid, sizeof(linux_cid)) == l);
	CHECK(lease_pool_find_client(p, 1, 6, mac, NULL, 0) == l);
	/* Hardware type and length are part of the address. */
	CHECK(lease_pool_find_client(p, 6, 6, mac, NULL, 0) == NULL);
	CHECK(lease_pool_find_client(p, 1, 5, mac, NULL, 0) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, other_mac, NULL, 0) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, other_mac, linux_cid, sizeof(linux_cid)) == NULL);
	/* A cid that some other lease carries wins over the MAC. */
	m = lease_pool_alloc(p, NET_FIRST, NET_LAST, 0, 1, 6, other_mac, linux_cid,
			     sizeof(linux_cid), 20);
	CHECK(m && m != l);
	bind(m, 20, 600);
	CHECK(lease_pool_find_client(p, 1, 6, mac, linux_cid, sizeof(linux_cid)) == m);
	CHECK(lease_pool_find_client(p, 1, 6, mac, ipxe_cid, sizeof(ipxe_cid)) == l);
	lease_pool_free(p);
}

static void test_set_client_reindexes(void)
{
	static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t cid1[3] = { 1, 2, 3 }, cid2[3] = { 4, 5, 6 };
	struct lease_pool *p = lease_pool_new();
	struct lease *l;

	lease_pool_add_range(p, NET_FIRST, NET_LAST);
	l = lease_pool_alloc(p, NET_FIRST, NET_LAST, 0, 1, 6, mac1, cid1, 3, 10);
	lease_pool_set_client(p, l, 1, 6, mac2, cid2, 3);
	CHECK(lease_pool_find_client(p, 1, 6, mac1, cid1, 3) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, mac2, NULL, 0) == l);
	CHECK(lease_pool_find_client(p, 1, 6, mac1, cid2, 3) == l);
	CHECK(l->hlen == 6 && !memcmp(l->hwaddr, mac2, 6) && l->cid_len == 3);
	/* Dropping the client id takes it out of that index. */
	lease_pool_set_client(p, l, 1, 6, mac2, NULL, 0);
	CHECK(lease_pool_find_client(p, 1, 0, NULL, cid2, 3) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, mac2, cid2, 3) == l);
	CHECK_EQ(p->idx[IDX_CID].n, 0u);
	CHECK_EQ(p->idx[IDX_HW].n, 1u);
	/* Oversized lengths are cut to fit, and still match themselves. */
	{
		uint8_t big[100], hw[20];

		memset(big, 7, sizeof(big));
		memset(hw, 9, sizeof(hw));
		lease_pool_set_client(p, l, 1, 20, hw, big, sizeof(big));
		CHECK(l->hlen == 16 && l->cid_len == LEASE_CID_MAX);
		CHECK(lease_pool_find_client(p, 1, 0, NULL, big, sizeof(big)) == l);
		CHECK(lease_pool_find_client(p, 1, 20, hw, NULL, 0) == l);
	}
	lease_pool_free(p);
}

static void test_takeover_removes_old_indexes(void)
{
	static const uint8_t cid_a[2] = { 0xa, 0xa }, cid_b[2] = { 0xb, 0xb };
	struct lease_pool *p = lease_pool_new();
	struct lease *l, *m;
	uint8_t mac_a[6], mac_b[6];

	mac_of(1, mac_a);
	mac_of(2, mac_b);
	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 10));
	l = lease_pool_alloc(p, NET_FIRST, NET_LAST, 0, 1, 6, mac_a, cid_a, 2, 10);
	bind(l, 10, 60);
	strcpy(l->hostname, "node-a");
	m = lease_pool_alloc(p, NET_FIRST, NET_LAST, 0, 1, 6, mac_b, cid_b, 2, 100);
	CHECK(m == l);
	CHECK(m->state == LEASE_FREE && m->updated == 100 && m->hostname[0] == '\0');
	CHECK(!memcmp(m->hwaddr, mac_b, 6) && !memcmp(m->cid, cid_b, 2));
	CHECK(lease_pool_find_client(p, 1, 6, mac_a, cid_a, 2) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, mac_b, cid_b, 2) == m);
	CHECK_EQ(p->idx[IDX_CID].n, 1u);
	CHECK_EQ(p->idx[IDX_HW].n, 1u);
	CHECK_EQ(p->idx[IDX_IP].n, 1u);
	lease_pool_free(p);
}

static void test_insert_replaces(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease in = { .ip = IP(10, 0, 0, 5), .state = LEASE_BOUND, .htype = 1, .hlen = 6,
			    .hwaddr = { 2, 0, 0, 0, 0, 1 }, .cid_len = 2, .cid = { 1, 2 },
			    .hostname = "alpha", .expires = 500, .updated = 100 };
	struct lease *l, *l2;

	lease_pool_add_range(p, NET_FIRST, NET_LAST);
	l = lease_pool_insert(p, &in);
	CHECK(l && l != &in && !memcmp(l, &in, sizeof(in)));
	CHECK(lease_pool_find_ip(p, in.ip) == l);
	CHECK(lease_pool_find_client(p, 1, 6, in.hwaddr, NULL, 0) == l);
	in.hwaddr[5] = 9;
	in.cid_len = 0;
	l2 = lease_pool_insert(p, &in);
	CHECK(l2 == l && l->hwaddr[5] == 9 && l->cid_len == 0);
	CHECK(lease_pool_find_client(p, 1, 6, (const uint8_t *)"\2\0\0\0\0\1", NULL, 0) == NULL);
	CHECK(lease_pool_find_client(p, 1, 0, NULL, (const uint8_t *)"\1\2", 2) == NULL);
	CHECK(lease_pool_find_client(p, 1, 6, in.hwaddr, NULL, 0) == l);
	/* Re-inserting the pool's own copy keeps it whole. */
	l2 = lease_pool_insert(p, l);
	CHECK(l2 == l && l->hwaddr[5] == 9 && !strcmp(l->hostname, "alpha"));
	CHECK(lease_pool_find_client(p, 1, 6, in.hwaddr, NULL, 0) == l);
	/* A loaded record is a never-used address no more. */
	l = alloc_id(p, IP(10, 0, 0, 5), 50, 200);
	CHECK(l && l->ip == IP(10, 0, 0, 1));
	bind(l, 200, 10);
	for (unsigned i = 0; i < 10; i++) {
		l = alloc_id(p, 0, 100 + i, 200);
		CHECK(l && l->ip != IP(10, 0, 0, 5));
		bind(l, 200, 10);
	}
	/* Expired records wait while never-used addresses last. */
	l = alloc_id(p, 0, 60, 600);
	CHECK(l && l->ip == IP(10, 0, 0, 13));
	CHECK_EQ(p->idx[IDX_IP].n, 13u);
	lease_pool_free(p);
}

static void test_exhaustion(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease *l;

	errno = 0;
	CHECK(alloc_id(p, 0, 1, 1) == NULL && errno == ENOSPC);
	lease_pool_add_range(p, IP(10, 0, 1, 0), IP(10, 0, 1, 255));        /* other subnet */
	CHECK(alloc_id(p, 0, 1, 1) == NULL && errno == ENOSPC);
	lease_pool_add_range(p, IP(10, 0, 0, 250), IP(10, 0, 0, 255));      /* .255: caller's */
	for (unsigned i = 0; i < 5; i++) {
		l = alloc_id(p, 0, i, 1);
		CHECK(l && l->ip == IP(10, 0, 0, 250) + i);
		bind(l, 1, 100);
	}
	errno = 0;
	CHECK(alloc_id(p, 0, 9, 1) == NULL && errno == ENOSPC);
	CHECK(lease_pool_find_ip(p, IP(10, 0, 0, 255)) == NULL);
	/* The top of the address space: the cursor must not wrap. */
	lease_pool_add_range(p, 0xfffffffeu, 0xffffffffu);
	for (unsigned i = 0; i < 2; i++) {
		l = lease_pool_alloc(p, 0xffffff00u, 0xffffffffu, 0, 1, 6,
				     (const uint8_t *)"\2\0\0\0\0\0", NULL, 0, 1);
		CHECK(l && l->ip == 0xfffffffeu + i);
		bind(l, 1, 100);
	}
	CHECK(lease_pool_alloc(p, 0xffffff00u, 0xffffffffu, 0, 1, 6,
			       (const uint8_t *)"\2\0\0\0\0\0", NULL, 0, 1) == NULL);
	CHECK_EQ(errno, ENOSPC);
	lease_pool_free(p);
}

static void test_subnets_and_straddling_range(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease *l;
	uint8_t mac[6] = { 2 };

	lease_pool_add_range(p, IP(10, 0, 0, 100), IP(10, 0, 0, 101));
	lease_pool_add_range(p, IP(10, 0, 1, 100), IP(10, 0, 1, 101));
	/* A range across two /24s (a bad config): each subnet sees only its part. */
	lease_pool_add_range(p, IP(10, 0, 2, 254), IP(10, 0, 3, 1));
	l = lease_pool_alloc(p, IP(10, 0, 1, 1), IP(10, 0, 1, 254), 0, 1, 6, mac, NULL, 0, 5);
	CHECK(l && l->ip == IP(10, 0, 1, 100));
	bind(l, 5, 10);
	l = lease_pool_alloc(p, IP(10, 0, 3, 0), IP(10, 0, 3, 255), 0, 1, 6, mac, NULL, 0, 5);
	CHECK(l && l->ip == IP(10, 0, 3, 0));
	bind(l, 5, 10);
	CHECK_EQ(p->ranges[2].cursor, IP(10, 0, 2, 254));
	l = lease_pool_alloc(p, IP(10, 0, 2, 0), IP(10, 0, 2, 255), 0, 1, 6, mac, NULL, 0, 5);
	CHECK(l && l->ip == IP(10, 0, 2, 254));
	bind(l, 5, 10);
	l = lease_pool_alloc(p, IP(10, 0, 2, 0), IP(10, 0, 2, 255), 0, 1, 6, mac, NULL, 0, 5);
	CHECK(l && l->ip == IP(10, 0, 2, 255));
	bind(l, 6, 10);
	CHECK(!lease_pool_alloc(p, IP(10, 0, 2, 0), IP(10, 0, 2, 255), 0, 1, 6, mac, NULL, 0, 5));
	l = lease_pool_alloc(p, IP(10, 0, 3, 0), IP(10, 0, 3, 255), 0, 1, 6, mac, NULL, 0, 5);
	CHECK(l && l->ip == IP(10, 0, 3, 1));
	bind(l, 4, 10);
	/* Reuse in the straddling range stays on the right side too. */
	l = lease_pool_alloc(p, IP(10, 0, 2, 0), IP(10, 0, 2, 255), 0, 1, 6, mac, NULL, 0, 100);
	CHECK(l && l->ip == IP(10, 0, 2, 254));
	l = lease_pool_alloc(p, IP(10, 0, 3, 0), IP(10, 0, 3, 255), 0, 1, 6, mac, NULL, 0, 100);
	CHECK(l && l->ip == IP(10, 0, 3, 1));
	l = lease_pool_alloc(p, IP(10, 0, 3, 0), IP(10, 0, 3, 255), 0, 1, 6, mac, NULL, 0, 100);
	CHECK(l && l->ip == IP(10, 0, 3, 0));
	l = lease_pool_alloc(p, IP(10, 0, 0, 0), IP(10, 0, 0, 255), 0, 1, 6, mac, NULL, 0, 100);
	CHECK(l && l->ip == IP(10, 0, 0, 100));
	lease_pool_free(p);
}

/* A record freed within the same second as the heaps were built is still found. */
static void test_reuse_sees_late_changes(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease *l, *x;

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 13));
	for (unsigned i = 0; i < 4; i++)
		bind(alloc_id(p, 0, i, 10), 10 + i, 10000);
	/* Two expired: the heaps are built at 500 with .10 and .11. */
	lease_pool_find_ip(p, IP(10, 0, 0, 10))->expires = 20;
	lease_pool_find_ip(p, IP(10, 0, 0, 11))->expires = 20;
	l = alloc_id(p, 0, 50, 500);
	CHECK(l && l->ip == IP(10, 0, 0, 10));
	bind(l, 500, 1000);
	/* Both released in the same second: .11 was in the heap (changed: dropped), .12 was not. */
	x = lease_pool_find_ip(p, IP(10, 0, 0, 11));
	x->state = LEASE_FREE;
	x->updated = 500;
	x = lease_pool_find_ip(p, IP(10, 0, 0, 12));
	x->state = LEASE_FREE;
	x->updated = 500;
	l = alloc_id(p, 0, 51, 500);
	CHECK(l && l->ip == IP(10, 0, 0, 11));
	bind(l, 500, 1000);
	l = alloc_id(p, 0, 52, 500);
	CHECK(l && l->ip == IP(10, 0, 0, 12));  /* dry heap: one more scan finds .12 */
	bind(l, 500, 1000);
	CHECK(alloc_id(p, 0, 53, 500) == NULL && errno == ENOSPC);
	lease_pool_free(p);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A /16 fully handed out, all expired, all handed out again in LRU order. */
static void test_large_pool(void)
{
	struct lease_pool *p = lease_pool_new();
	const uint32_t first = IP(10, 1, 0, 0), last = IP(10, 1, 255, 255), n = 65536;
	struct lease_pool_stats st;
	struct timespec t0;
	uint8_t *seen = calloc(n, 1);
	struct lease *l;
	uint8_t mac[6];
	bool ok = true;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	lease_pool_add_range(p, first, last);
	for (uint32_t i = 0; i < n; i++) {
		mac_of(i, mac);
		l = lease_pool_alloc(p, first, last, 0, 1, 6, mac, NULL, 0, 1000);
		if (!l || l->ip != first + i) {
			ok = false;
			break;
		}
		l->state = LEASE_BOUND;
		l->expires = 2000;
		/* The reverse of the allocation order, so reuse must reorder. */
		l->updated = 1000 - i % 1000;
	}
	CHECK(ok);
	CHECK(lease_pool_alloc(p, first, last, 0, 1, 6, mac, NULL, 0, 1999) == NULL);
	CHECK_EQ(errno, ENOSPC);
	lease_pool_stats(p, 1999, &st);
	CHECK_EQ(st.size, n);
	CHECK_EQ(st.bound, n);

	uint64_t prev_updated = 0;
	for (uint32_t i = 0; i < n && ok; i++) {
		mac_of(n + i, mac);
		l = lease_pool_alloc(p, first, last, 0, 1, 6, mac, NULL, 0, 2000);
		if (!l || seen[l->ip - first])
			ok = false;
		if (!ok)
			break;
		seen[l->ip - first] = 1;
		/* Filed keys are what the caller had written: 1..1000 ascending. */
		ok = 1000 - (l->ip - first) % 1000 >= prev_updated;
		prev_updated = 1000 - (l->ip - first) % 1000;
		l->state = LEASE_BOUND;
		l->expires = 3000;
		l->updated = 2000;
	}
	CHECK(ok);
	CHECK(lease_pool_alloc(p, first, last, 0, 1, 6, mac, NULL, 0, 2000) == NULL);
	CHECK_EQ(errno, ENOSPC);
	/* Old MACs are gone from the index, new ones present. */
	mac_of(5, mac);
	CHECK(lease_pool_find_client(p, 1, 6, mac, NULL, 0) == NULL);
	mac_of(n + 5, mac);
	CHECK(lease_pool_find_client(p, 1, 6, mac, NULL, 0) != NULL);
	CHECK_EQ(p->idx[IDX_HW].n, n);
	secs = elapsed(&t0);
	CHECK(secs < 0.5);
	printf("# 2 x %u allocations in %.3f s\n", n, secs);
	free(seen);
	lease_pool_free(p);
}

/* 100k records inserted (a store load), lookups by all three keys. */
static void test_many_records(void)
{
	struct lease_pool *p = lease_pool_new();
	struct timespec t0;
	struct lease in = { .state = LEASE_BOUND, .htype = 1, .hlen = 6, .cid_len = 4,
			    .expires = 100 };
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	lease_pool_add_range(p, IP(10, 2, 0, 0), IP(10, 3, 255, 255));
	for (uint32_t i = 0; i < 100000; i++) {
		in.ip = IP(10, 2, 0, 0) + i;
		mac_of(i, in.hwaddr);
		memcpy(in.cid, &i, 4);
		in.updated = i;
		ok &= lease_pool_insert(p, &in) != NULL;
	}
	CHECK(ok);
	for (uint32_t i = 0; i < 100000; i += 7) {
		struct lease *l = lease_pool_find_ip(p, IP(10, 2, 0, 0) + i);
		uint8_t mac[6];

		mac_of(i, mac);
		ok &= l && lease_pool_find_client(p, 1, 6, mac, NULL, 0) == l;
		ok &= lease_pool_find_client(p, 1, 0, NULL, (uint8_t *)&i, 4) == l;
	}
	CHECK(ok);
	CHECK(elapsed(&t0) < 0.5);
	/* Reuse takes the oldest expired record; a never-used address comes first though. */
	CHECK(alloc_id(p, 0, 1, 200) == NULL);  /* not in this subnet */
	struct lease *l = lease_pool_alloc(p, IP(10, 2, 0, 0), IP(10, 3, 255, 255), 0, 1, 6,
					   (const uint8_t *)"\4\0\0\0\0\0", NULL, 0, 200);
	CHECK(l && l->ip == IP(10, 2, 0, 0) + 100000);
	lease_pool_free(p);
}

static void test_stats(void)
{
	struct lease_pool *p = lease_pool_new();
	struct lease_pool_stats st;
	struct lease *l;

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 29));
	lease_pool_add_range(p, IP(10, 0, 0, 100), IP(10, 0, 0, 109));
	lease_pool_reserve(p, IP(10, 0, 0, 20));
	lease_pool_reserve(p, IP(10, 0, 0, 50));
	lease_pool_stats(p, 0, &st);
	CHECK_EQ(st.size, 29u);
	CHECK(st.bound == 0 && st.offered == 0 && st.declined == 0);
	bind(alloc_id(p, 0, 1, 10), 10, 100);
	bind(alloc_id(p, 0, 2, 10), 10, 100);
	bind(alloc_id(p, 0, 3, 10), 10, 5);     /* expires at 15 */
	l = alloc_id(p, 0, 4, 10);
	l->state = LEASE_OFFERED;
	l->expires = 70;
	l = alloc_id(p, 0, 5, 10);
	l->state = LEASE_DECLINED;
	l->expires = 1000;
	alloc_id(p, 0, 6, 10);                  /* left FREE */
	lease_pool_stats(p, 20, &st);
	CHECK_EQ(st.bound, 2u);
	CHECK_EQ(st.offered, 1u);
	CHECK_EQ(st.declined, 1u);
	lease_pool_stats(p, 100, &st);
	CHECK(st.bound == 2 && st.offered == 0 && st.declined == 1);
	lease_pool_stats(p, 110, &st);
	CHECK(st.bound == 0 && st.declined == 1);
	lease_pool_free(p);
}

static void count_rec(void *ctx, struct lease *l)
{
	(*(unsigned *)ctx)++;
}

/*
 * Random operations checked against brute force over the pool's own records: the address
 * alloc picks, and every record being found by its own identity.
 */
static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

struct oracle {
	uint32_t nf, nl;
	uint64_t now;
	const struct lease_pool *p;
	const struct lease *best;
};

static void oracle_visit(void *ctx, struct lease *l)
{
	struct oracle *o = ctx;

	if (l->ip < o->nf || l->ip > o->nl || !lease_pool_in_range(o->p, l->ip))
		return;
	if (l->state != LEASE_FREE && l->expires > o->now)
		return;
	if (!o->best || l->updated < o->best->updated ||
	    (l->updated == o->best->updated && l->ip < o->best->ip))
		o->best = l;
}

static uint32_t expected_ip(struct lease_pool *p, uint32_t nf, uint32_t nl, uint32_t req,
			    uint64_t now)
{
	struct oracle o = { .nf = nf, .nl = nl, .now = now, .p = p };
	struct lease *r;

	if (req >= nf && req <= nl && lease_pool_in_range(p, req)) {
		r = lease_pool_find_ip(p, req);
		if (!r || r->state == LEASE_FREE || r->expires <= now)
			return req;
	}
	for (uint64_t a = nf; a <= nl; a++)
		if (lease_pool_in_range(p, (uint32_t)a) && !lease_pool_find_ip(p, (uint32_t)a))
			return (uint32_t)a;
	lease_pool_foreach(p, oracle_visit, &o);
	return o.best ? o.best->ip : 0;
}

struct idcheck {
	struct lease_pool *p;
	bool ok;
};

static void idcheck_visit(void *ctx, struct lease *l)
{
	struct idcheck *c = ctx;
	struct lease *f;

	if (l->cid_len) {
		f = lease_pool_find_client(c->p, 0, 0, NULL, l->cid, l->cid_len);
		c->ok &= f && f->cid_len == l->cid_len && !memcmp(f->cid, l->cid, l->cid_len) &&
			 f->updated >= l->updated;
	}
	if (l->hlen) {
		f = lease_pool_find_client(c->p, l->htype, l->hlen, l->hwaddr, NULL, 0);
		c->ok &= f && f->hlen == l->hlen && !memcmp(f->hwaddr, l->hwaddr, l->hlen) &&
			 f->updated >= l->updated;
	}
}

static void test_random_against_brute_force(void)
{
	struct lease_pool *p = lease_pool_new();
	const uint32_t nets[2][2] = { { IP(10, 0, 0, 1), IP(10, 0, 0, 62) },
				      { IP(10, 0, 0, 65), IP(10, 0, 0, 126) } };
	uint64_t now = 1000, tick = 1u << 30;
	unsigned mismatches = 0, allocs = 0, nspc = 0, n = 0;
	struct idcheck ic = { .p = p, .ok = true };

	lease_pool_add_range(p, IP(10, 0, 0, 10), IP(10, 0, 0, 30));
	lease_pool_add_range(p, IP(10, 0, 0, 40), IP(10, 0, 0, 50));
	lease_pool_add_range(p, IP(10, 0, 0, 70), IP(10, 0, 0, 100));
	lease_pool_reserve(p, IP(10, 0, 0, 15));
	lease_pool_reserve(p, IP(10, 0, 0, 80));
	for (unsigned step = 0; step < 20000; step++) {
		unsigned op = rnd() % 100, net = rnd() % 2;
		uint32_t req = 0, want;
		uint8_t mac[6], cid[2];
		struct lease *l;

		if (op < 5) {
			now += rnd() % 40;
		} else if (op < 60) {
			if (rnd() % 3 == 0)
				req = IP(10, 0, 0, 0) + rnd() % 128;
			mac_of(rnd() % 300, mac);
			cid[0] = (uint8_t)(rnd() % 50);
			cid[1] = 1;
			want = expected_ip(p, nets[net][0], nets[net][1], req, now);
			l = lease_pool_alloc(p, nets[net][0], nets[net][1], req, 1, 6, mac, cid,
					     rnd() % 2 ? 2 : 0, now);
			allocs++;
			if (!l) {
				nspc++;
				mismatches += want != 0 || errno != ENOSPC;
				continue;
			}
			if (l->ip != want && mismatches < 5)
				printf("# step %u: got %08x, want %08x\n", step, l->ip, want);
			mismatches += l->ip != want;
			l->state = rnd() % 10 ? LEASE_BOUND : LEASE_DECLINED;
			l->expires = now + rnd() % 200;
			l->updated = ++tick;
		} else if (op < 80) {
			l = lease_pool_find_ip(p, IP(10, 0, 0, 0) + rnd() % 128);
			if (l) {
				l->state = LEASE_FREE;
				l->updated = ++tick;
			}
		} else if (op < 95) {
			l = lease_pool_find_ip(p, IP(10, 0, 0, 0) + rnd() % 128);
			if (l) {
				mac_of(rnd() % 300, mac);
				cid[0] = (uint8_t)(rnd() % 50);
				cid[1] = 1;
				lease_pool_set_client(p, l, 1, 6, mac, cid, rnd() % 2 ? 2 : 0);
			}
		} else {
			struct lease in = { .ip = IP(10, 0, 0, 0) + rnd() % 128, .htype = 1,
					    .hlen = 6, .state = (uint8_t)(rnd() % 4),
					    .expires = now + rnd() % 100 - 50, .updated = ++tick };

			mac_of(rnd() % 300, in.hwaddr);
			lease_pool_insert(p, &in);
		}
		if (step % 500 == 0)
			lease_pool_foreach(p, idcheck_visit, &ic);
	}
	lease_pool_foreach(p, idcheck_visit, &ic);
	lease_pool_foreach(p, count_rec, &n);
	CHECK_EQ(mismatches, 0u);
	CHECK(ic.ok);
	CHECK(nspc > 0 && nspc < allocs);
	CHECK_EQ(n, p->idx[IDX_IP].n);
	printf("# %u allocations (%u ENOSPC), %u records\n", allocs, nspc, n);
	lease_pool_free(p);
}

int main(void)
{
	RUN(test_add_range_rejects_overlap);
	RUN(test_reserve);
	RUN(test_alloc_order);
	RUN(test_expiry_and_decline_quarantine);
	RUN(test_find_client_by_cid_then_hwaddr);
	RUN(test_set_client_reindexes);
	RUN(test_takeover_removes_old_indexes);
	RUN(test_insert_replaces);
	RUN(test_exhaustion);
	RUN(test_subnets_and_straddling_range);
	RUN(test_reuse_sees_late_changes);
	RUN(test_large_pool);
	RUN(test_many_records);
	RUN(test_stats);
	RUN(test_random_against_brute_force);
	return check_done();
}
