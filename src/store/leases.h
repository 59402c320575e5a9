/* SPDX-License-Identifier: MIT */
/*
 * Durable leases in SQLite (WAL). Writes are queued by the DHCP worker and done by a writer
 * thread, which commits whatever has queued up as one transaction (group commit): hundreds of
 * leases per fsync in a boot storm. The worker learns of durable writes through an eventfd and
 * runs their callbacks with lease_store_reap(), on its own thread; so an ACK can wait for its
 * lease to be on disk without the event loop ever blocking on SQLite.
 */
#ifndef BOOTHERD_LEASES_H
#define BOOTHERD_LEASES_H

#include <stdbool.h>
#include <stdio.h>

#include "store/pool.h"

struct lease_store;

enum lease_sync {
	LEASE_SYNC_FULL = 0,    /* PRAGMA synchronous=FULL: survives power loss */
	LEASE_SYNC_NORMAL = 1,  /* WAL + NORMAL: survives a crash of bootherd, not of the host */
};

/*
 * Opens (creating if needed, with its parent directory) the database at @path, sets WAL mode
 * and the schema, and starts the writer thread. Returns NULL on failure after writing the
 * reason (SQLite's message with the path) to @err.
 */
struct lease_store *lease_store_open(const char *path, enum lease_sync sync, FILE *err);

/*
 * Reads every stored lease, calling @fn for each (synchronously, on the caller's thread;
 * call before serving). Returns the number read or -errno.
 */
int lease_store_load(struct lease_store *s, void (*fn)(void *ctx, const struct lease *l),
		     void *ctx);

/*
 * Queues a write of @l (copied; keyed by l->ip: insert or replace) or, with lease_store_del,
 * a delete of @ip. @done, if not NULL, runs from lease_store_reap() on the thread that calls
 * it, with 0 once the change is durable or -EIO if the transaction failed (then retried by
 * nobody: the caller decides). Returns 0 or -ENOMEM. Completions not reaped when the store is
 * closed are dropped.
 */
int lease_store_put(struct lease_store *s, const struct lease *l,
		    void (*done)(void *ctx, int err), void *ctx);
int lease_store_del(struct lease_store *s, uint32_t ip,
		    void (*done)(void *ctx, int err), void *ctx);

/* Readable (an eventfd counter) when completions wait for lease_store_reap(). */
int lease_store_fd(const struct lease_store *s);

/* Runs the callbacks of completed writes; returns how many ran. Never blocks. */
unsigned lease_store_reap(struct lease_store *s);

/* Counters for /metrics: changes made durable, transactions, changes that failed. */
struct lease_store_stats {
	unsigned long long writes, commits, errors;
};
void lease_store_stats(struct lease_store *s, struct lease_store_stats *st);

/* Commits what is queued, stops the writer and closes the database; NULL is a no-op. */
void lease_store_close(struct lease_store *s);

#endif
