/* SPDX-License-Identifier: MIT */
/*
 * The in-memory lease table and address allocator of the DHCP server. Single-threaded: only
 * the DHCP worker touches it. Addresses are host-order uint32_t throughout. Persistence is not
 * done here (see store/leases.h): the caller writes a lease through the store when it binds.
 *
 * Identity: a client is found by its client identifier (option 61) first, then by its hardware
 * address. Finding it by hardware address when the client id differs is deliberate: a node
 * that boots firmware, then iPXE, then Linux sends three client ids with one MAC, and must
 * keep one address rather than take three.
 *
 * Records returned are the pool's own and stay valid until lease_pool_free(). A caller may set
 * state, expires and hostname directly but must set `updated` with every change (reuse order
 * depends on it), and changes the identity only through lease_pool_set_client(). Client ids
 * longer than LEASE_CID_MAX are not kept: such clients are known by hardware address.
 */
#ifndef BOOTHERD_POOL_H
#define BOOTHERD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lease_state {
	LEASE_FREE = 0,         /* known address, no holder (released or expired) */
	LEASE_OFFERED = 1,      /* held for an OFFER until expires; never persisted */
	LEASE_BOUND = 2,        /* ACKed until expires */
	LEASE_DECLINED = 3,     /* quarantined after a DECLINE until expires */
};

#define LEASE_CID_MAX 64
#define LEASE_HOST_MAX 64

struct lease {
	uint32_t ip;
	uint8_t state;          /* enum lease_state */
	uint8_t htype, hlen;
	uint8_t hwaddr[16];
	uint8_t cid_len;        /* 0: no client id */
	uint8_t cid[LEASE_CID_MAX];
	char hostname[LEASE_HOST_MAX]; /* NUL-terminated, may be empty */
	uint64_t expires;       /* seconds since the epoch */
	uint64_t updated;       /* last change, seconds since the epoch (LRU for reuse) */
};

struct lease_pool;

struct lease_pool *lease_pool_new(void);
void lease_pool_free(struct lease_pool *p);

/* Adds [first, last] to the dynamic ranges. -EINVAL if first > last, -EEXIST if it overlaps. */
int lease_pool_add_range(struct lease_pool *p, uint32_t first, uint32_t last);

/* Takes @ip out of dynamic allocation (a static reservation); harmless outside every range. */
int lease_pool_reserve(struct lease_pool *p, uint32_t ip);

/* True when @ip lies in a dynamic range and is not reserved. */
bool lease_pool_in_range(const struct lease_pool *p, uint32_t ip);

/*
 * Inserts or replaces the record for l->ip (used when loading the store and for static
 * reservations' bookkeeping); the record is copied. Returns the pool's copy or NULL (ENOMEM).
 */
struct lease *lease_pool_insert(struct lease_pool *p, const struct lease *l);

struct lease *lease_pool_find_ip(struct lease_pool *p, uint32_t ip);

/*
 * The lease of a client: by client id when @cid_len > 0 and some lease carries it, otherwise
 * by hardware address (htype, hlen, hwaddr). Records in any state are returned; the caller
 * checks state and expiry. NULL when none.
 */
struct lease *lease_pool_find_client(struct lease_pool *p, uint8_t htype, uint8_t hlen,
				     const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len);

/*
 * Chooses an address for a client with no usable lease, in the dynamic ranges within
 * [@net_first, @net_last] (the client's subnet). @requested, if non-zero, is taken when it is
 * available. Available means: no record, or a FREE record, or an OFFERED/BOUND/DECLINED record
 * whose expiry is <= @now. Never-used addresses go first, then the free or expired record
 * least recently updated. The record is created or taken over with state LEASE_FREE, the
 * client's identity copied in and its indexes updated; the caller then sets state and expiry.
 * Returns NULL (errno ENOSPC) when the subnet has no address left, or ENOMEM.
 */
struct lease *lease_pool_alloc(struct lease_pool *p, uint32_t net_first, uint32_t net_last,
			       uint32_t requested, uint8_t htype, uint8_t hlen,
			       const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len,
			       uint64_t now);

/*
 * Gives lease @l the client identity (after a takeover or a client id change), keeping the
 * indexes right. The state and expiry are untouched.
 */
void lease_pool_set_client(struct lease_pool *p, struct lease *l, uint8_t htype, uint8_t hlen,
			   const uint8_t *hwaddr, const uint8_t *cid, size_t cid_len);

/* Counts for /metrics and logs. */
struct lease_pool_stats {
	size_t size;            /* addresses in the dynamic ranges, less reserved ones */
	size_t bound, offered, declined;
};
void lease_pool_stats(const struct lease_pool *p, uint64_t now, struct lease_pool_stats *st);

/* Calls @fn for every record (any state), in no particular order. */
void lease_pool_foreach(struct lease_pool *p, void (*fn)(void *ctx, struct lease *l), void *ctx);

#endif
