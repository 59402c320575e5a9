/* SPDX-License-Identifier: MIT */
/* Listener sockets shared by the services. */
#ifndef BOOTHERD_SOCK_H
#define BOOTHERD_SOCK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A non-blocking SOCK_DGRAM or SOCK_STREAM (listening, with @backlog) socket bound to
 * @addr:@port with SO_REUSEPORT, one per worker so the kernel spreads the load. SO_REUSEPORT
 * would also let a second bootherd (same user) join the port and silently take a share of the
 * requests, so with @exclusive a plain bind first proves that nothing else holds it. Returns
 * the fd or -errno (-EADDRINUSE when the port is taken).
 */
int sock_reuseport(int type, struct in_addr addr, uint16_t port, bool exclusive, int backlog);

#endif
