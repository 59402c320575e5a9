/* SPDX-License-Identifier: MIT */
/*
 * The XDP DHCP fast path's loader (bpf/dhcp.bpf.c): attaches the program through libxdp, so it
 * shares each interface with other XDP programs, native mode first, then SKB mode; fills its
 * maps generation by generation; reads its counters and its ring buffer of replies sent; and
 * detaches it again. What goes into the maps is src/svc/dhcp.c's business (dhcp_fast_*).
 */
#ifndef BOOTHERD_XDP_H
#define BOOTHERD_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dhcp_shared.h"

#define XDP_FAST_IFS_MAX 32

enum xdp_fast_mode {
	XDP_FAST_OFF = 0,
	XDP_FAST_AUTO = 1,      /* native, else SKB, else none */
	XDP_FAST_NATIVE = 2,
	XDP_FAST_SKB = 3,
};

struct xdp_fast;

struct xdp_fast_opts {
	size_t max_nodes;       /* node entries per generation */
	size_t max_boot;        /* distinct boot answers per generation */
	uint16_t server_port, client_port;
	uint64_t stale_ms;      /* the program passes everything when the heartbeat is older */
};

/*
 * Loads the program and attaches it to each of @ifnames in its mode of @modes (a leftover
 * bootherd program from a run that died is detached first). An interface where no mode works
 * is left to user space, with a log line. Returns NULL (after logging why) when it is attached
 * nowhere; the caller then serves DHCP from user space alone.
 */
struct xdp_fast *xdp_fast_open(const struct xdp_fast_opts *o, char *const *ifnames,
			       const enum xdp_fast_mode *modes, size_t n);

/*
 * Loads the program without attaching it, for bpf_prog_test_run(): entries are made for
 * @ifindex as if it were attached there. NULL after logging why.
 */
struct xdp_fast *xdp_fast_load(const struct xdp_fast_opts *o, const int *ifindex, size_t n);
int xdp_fast_prog_fd(const struct xdp_fast *x);

/* Detaches from every interface and frees. NULL is fine. */
void xdp_fast_close(struct xdp_fast *x);

/* "native on veth0, skb on eth1": where it is attached. */
void xdp_fast_describe(const struct xdp_fast *x, char *buf, size_t size);

/* The attached interfaces, for the caller's per-interface entries. */
size_t xdp_fast_ifaces(const struct xdp_fast *x, int *ifindex, size_t max);

/*
 * A new generation: xdp_fast_begin(), the entries, then xdp_fast_commit() to switch the program
 * to them (and delete the previous generation's), or xdp_fast_abort() to drop them. Only one
 * thread builds a generation at a time.
 */
int xdp_fast_begin(struct xdp_fast *x);
/* Returns the ifid for node keys (> 0), or -errno. */
int xdp_fast_add_if(struct xdp_fast *x, uint32_t ifindex, uint32_t vlan, struct bh_if *v);
int xdp_fast_add_node(struct xdp_fast *x, uint32_t ifid, const uint8_t mac[6],
		      const struct bh_node *v);
/* Returns the index to put in bh_node.boot (the same for the same contents), or 0 when full. */
uint32_t xdp_fast_add_boot(struct xdp_fast *x, const struct bh_boot *b);
int xdp_fast_commit(struct xdp_fast *x);
void xdp_fast_abort(struct xdp_fast *x);

/* Tells the program user space is alive; call every second or so. */
void xdp_fast_heartbeat(struct xdp_fast *x);

/* Sums the per-CPU counters into @out[BH_CNT_NR]. Returns 0 or -errno. */
int xdp_fast_stats(const struct xdp_fast *x, uint64_t out[BH_CNT_NR]);

/* The ring buffer of replies sent: an fd to poll, and a call that hands each record to @fn. */
typedef void (*xdp_fast_event_fn)(void *ctx, const struct bh_event *ev);
int xdp_fast_events_fd(const struct xdp_fast *x);
int xdp_fast_events_consume(struct xdp_fast *x, xdp_fast_event_fn fn, void *ctx);

/* Counter names, for /metrics and `bootherd status`. */
const char *xdp_fast_counter_name(unsigned idx);

/*
 * `bootherd status`: for each interface of @ifnames (or every interface when @n is 0), whether
 * a bootherd fast path is attached and in which mode, and its counters read from the kernel.
 * Returns 0 when at least one was found, 1 when none, -errno on error.
 */
int xdp_fast_status(FILE *out, char *const *ifnames, size_t n);

#endif
