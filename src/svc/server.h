/* SPDX-License-Identifier: MIT */
/*
 * The server: worker threads (one io_uring each), signals, and the configuration generation
 * they share. A generation is a loaded conf plus the open directory fds of its roots; a reload
 * builds a new one and swaps it whole. A transfer holds a reference to the generation it
 * started under, so a reload never disturbs it.
 */
#ifndef BOOTHERD_SERVER_H
#define BOOTHERD_SERVER_H

#include <stdatomic.h>
#include <stdio.h>

#include "conf/conf.h"
#include "core/cache.h"

struct match_set;
struct match_ref;

struct server_gen {
	atomic_uint refs;
	unsigned id;
	struct conf *conf;
	int *root_fds;          /* parallel to conf->roots */
	struct match_set *match;        /* conf->rules compiled; NULL when there are none */
	struct match_ref *match_ref;    /* shared with the generations of the same rules */
};

/* State shared by every worker; read-mostly. */
struct dhcp_service;

struct server {
	struct cache *cache;
	struct dhcp_service *dhcp;      /* NULL when DHCP is off; runs on worker 0 */
	atomic_uint sessions;   /* TFTP transfers in flight, all workers */
	atomic_ullong tftp_transfers;
	atomic_ullong tftp_errors;
	atomic_ullong tftp_bytes;
	atomic_uint http_conns; /* open HTTP connections, all workers */
	atomic_uint http_active;        /* large bodies holding an http.active_sends slot */
	atomic_ullong http_queued;      /* large bodies that waited for an active send slot */
	atomic_ullong http_requests;
	atomic_ullong http_bytes;
	atomic_ullong dhcp_packets;     /* counted on the DHCP worker, read by /metrics */
	atomic_ullong dhcp_offers;
	atomic_ullong dhcp_acks;
	atomic_ullong dhcp_naks;
	atomic_ullong dhcp_malformed;
	atomic_ullong dhcp_dropped;
	atomic_ullong dhcp_store_errors;
};

/* The current generation with a reference taken; never NULL while the server runs. */
struct server_gen *server_gen_get(void);
void server_gen_put(struct server_gen *g);

/*
 * Builds a fresh conf for a reload: reads the config file and applies the command line on top.
 * Returns NULL after writing the reasons to @err.
 */
typedef struct conf *(*server_load_fn)(void *ctx, FILE *err);

/*
 * Serves @conf (the caller's reference passes to the server) until SIGINT or SIGTERM; SIGHUP
 * calls @reload and swaps the result in, or keeps the old generation and logs why. Returns 0
 * on a clean shutdown, or -errno when start-up fails (the reason has been logged).
 */
int server_run(struct conf *conf, server_load_fn reload, void *ctx);

#endif
