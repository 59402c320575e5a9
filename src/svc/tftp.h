/* SPDX-License-Identifier: MIT */
/*
 * TFTP service glue: the listener, transfer sessions, timers. Wire format lives in
 * proto/tftp_wire.c; this file only moves bytes between sockets, the loop and the cache.
 */
#ifndef BOOTHERD_TFTP_H
#define BOOTHERD_TFTP_H

#include "conf/conf.h"
#include "core/loop.h"
#include "svc/server.h"

struct tftp_worker;

/*
 * A UDP socket bound to the configured address and TFTP port with SO_REUSEPORT, one per worker.
 * With @first, fails with -EADDRINUSE when anything else already holds the port.
 */
int tftp_listen_socket(const struct conf *c, bool first);

/* Starts serving on @listen_fd (owned by the caller) in @loop's thread. */
struct tftp_worker *tftp_worker_new(struct loop *loop, struct server *srv, int listen_fd);

/* Aborts the worker's transfers and frees it. Call after loop_free() of its loop. */
void tftp_worker_free(struct tftp_worker *tw);

#endif
