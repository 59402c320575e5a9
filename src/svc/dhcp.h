/* SPDX-License-Identifier: MIT */
/*
 * The DHCP server (and proxyDHCP): sockets on port 67 (and 4011 in proxy mode), the lease
 * table, and the lease store. All DHCP state lives on one worker's loop, so the lease table
 * needs no lock; the store's writer thread makes leases durable off that loop.
 */
#ifndef BOOTHERD_DHCP_H
#define BOOTHERD_DHCP_H

#include <stdint.h>

#include "conf/conf.h"
#include "core/loop.h"
#include "svc/server.h"

struct dhcp_service;

/*
 * Opens the sockets and the lease store and loads the stored leases, before any worker runs,
 * so that a port in use or an unreadable database stops start-up with a clear message.
 * Returns NULL after logging why.
 */
struct dhcp_service *dhcp_open(struct server *srv, const struct conf *c);

/* Starts answering on @loop; call from that loop's thread. Returns 0 or -errno. */
int dhcp_start(struct dhcp_service *d, struct loop *loop);

/* Closes sockets and store (committing queued writes). Call after loop_free() of its loop. */
void dhcp_close(struct dhcp_service *d);

/*
 * A new configuration generation is in use: the XDP fast path's maps follow it (a generation
 * at a time, so a known node is answered throughout). Call from the thread that reloads.
 */
void dhcp_reloaded(struct dhcp_service *d, const struct server_gen *g);

/* The fast path's counters (bpf/dhcp_shared.h, BH_CNT_*): -ENOENT when it is not running. */
int dhcp_fast_stats(const struct dhcp_service *d, uint64_t out[]);

/* One line for the start-up log: "dhcp server on veth0 (10.0.0.0/24: 100 addresses)". */
void dhcp_describe(const struct dhcp_service *d, char *buf, size_t size);

#endif
