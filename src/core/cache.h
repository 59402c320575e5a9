/* SPDX-License-Identifier: MIT */
/*
 * Content cache for boot files. Hundreds of nodes fetch the same few files in a storm, so each
 * file is read once into a file of the cache's own (unnamed, in a private tmpfs with huge pages,
 * or a sealed memfd) and mapped read-only; every transfer of that file shares the one copy.
 * Entries are keyed by (device, inode, size, mtime) of the file as opened, so a replaced or
 * rewritten file gets a new entry while transfers of the old content finish on the old one. The copy (rather than a map of the file itself) means a file truncated or rewritten
 * in place can never fault a transfer in flight (SIGBUS) or mix old and new bytes.
 *
 * Thread-safe: shared by all workers.
 */
#ifndef BOOTHERD_CACHE_H
#define BOOTHERD_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cache;

struct cache_entry {
	const uint8_t *data;    /* size bytes, read-only; never NULL (points to "" when empty) */
	uint64_t size;
	int fd;                 /* the copy's file (for sendfile and splice), -1 when empty */
	int64_t mtime_ns;
	/* private */
	dev_t dev;
	ino_t ino;
	atomic_uint refs;
	bool linked;
	struct cache_entry *hnext;
	struct cache_entry *lru_prev, *lru_next;
};

/*
 * @huge_pages: keep the copies in a tmpfs of the cache's own with huge pages (needs
 * CAP_SYS_ADMIN; memfds otherwise).
 */
struct cache *cache_new(uint64_t budget_bytes, bool huge_pages);
/* Where the copies live, for the log; *why (if asked) says why not in huge pages, else NULL. */
const char *cache_backing(const struct cache *c, const char **why);
void cache_free(struct cache *c);

/*
 * Resolves @path beneath the directory @dirfd (openat2 RESOLVE_BENEATH | NO_MAGICLINKS: no
 * "..", absolute path or symlink may leave it) and returns a referenced entry with the file's
 * content, or NULL with errno: ENOENT/ENOTDIR (missing), EACCES/EPERM, EXDEV or ELOOP (the path
 * leaves the root), EISDIR or EINVAL (not a regular file), EFBIG (over @max_bytes), ENOMEM.
 */
struct cache_entry *cache_open(struct cache *c, int dirfd, const char *path, uint64_t max_bytes);
void cache_put(struct cache *c, struct cache_entry *e);

/* openat2() beneath @dirfd with the cache's resolve rules; returns an fd or -errno. */
int cache_openat_beneath(int dirfd, const char *path, int flags, mode_t mode);

struct cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t bytes;         /* resident */
	uint64_t entries;
};
void cache_get_stats(struct cache *c, struct cache_stats *out);

#endif
