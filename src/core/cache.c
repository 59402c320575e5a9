// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/log.h"

#define CACHE_BUCKETS 1024u

struct cache {
	pthread_mutex_t lock;
	struct cache_entry *buckets[CACHE_BUCKETS];
	/* Unreferenced entries, least recently released first: the eviction order. */
	struct cache_entry lru;
	uint64_t budget;
	struct cache_stats stats;
};

struct cache *cache_new(uint64_t budget_bytes)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	c->budget = budget_bytes;
	return c;
}

static void entry_destroy(struct cache_entry *e)
{
	if (e->size)
		munmap((void *)e->data, e->size);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

static void lru_del(struct cache_entry *e)
{
	if (!e->lru_next)
		return;
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
	e->lru_next = e->lru_prev = NULL;
}

static unsigned bucket_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (unsigned)(h >> 40) % CACHE_BUCKETS;
}

static void unlink_entry(struct cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[bucket_of(e->dev, e->ino)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	e->linked = false;
	c->stats.entries--;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CACHE_BUCKETS; i++) {
		struct cache_entry *e = c->buckets[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			entry_destroy(e);
		}
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int cache_openat_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	/* Strip leading slashes: "/pxelinux.0" names the root's file, as with tftpd -s. */
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd == -1 ? -errno : (int)fd;
}

/* Copies the file into a sealed memfd; the caller holds no lock (this can take a while). */
static struct cache_entry *entry_load(int fd, const struct stat *st)
{
	static const uint8_t empty[1];
	struct cache_entry *e;
	off_t off = 0;
	int mfd, err;

	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->fd = -1;
	e->data = empty;
	atomic_init(&e->refs, 1);
	if (!e->size)
		return e;

	mfd = memfd_create("bootherd-cache", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd == -1)
		goto fail;
	if (ftruncate(mfd, st->st_size) == -1)
		goto fail_close;
	while ((uint64_t)off < e->size) {
		ssize_t n = sendfile(mfd, fd, &off, e->size - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail_close;
		/* The file shrank under us: serve nothing rather than a torn copy. */
		if (n == 0) {
			errno = EAGAIN;
			goto fail_close;
		}
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		goto fail_close;
	e->data = mmap(NULL, e->size, PROT_READ, MAP_SHARED | MAP_POPULATE, mfd, 0);
	if (e->data == MAP_FAILED)
		goto fail_close;
	e->fd = mfd;
	return e;

fail_close:
	err = errno;
	close(mfd);
	errno = err;
fail:
	err = errno;
	free(e);
	errno = err;
	return NULL;
}

/* Evicts unreferenced entries, oldest first, until the resident size fits the budget. */
static void evict_locked(struct cache *c, struct cache_entry **victims)
{
	while (c->stats.bytes > c->budget && c->lru.lru_next != &c->lru) {
		struct cache_entry *e = c->lru.lru_next;

		lru_del(e);
		if (e->linked)
			unlink_entry(c, e);
		c->stats.bytes -= e->size;
		e->hnext = *victims;
		*victims = e;
	}
}

static void destroy_list(struct cache_entry *e)
{
	while (e) {
		struct cache_entry *next = e->hnext;

		entry_destroy(e);
		e = next;
	}
}

struct cache_entry *cache_open(struct cache *c, int dirfd, const char *path, uint64_t max_bytes)
{
	struct cache_entry *e, *fresh, *victims = NULL;
	struct stat st;
	int64_t mtime;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO planted in the root must not block the worker. */
	fd = cache_openat_beneath(dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		errno = EFBIG;
		goto fail;
	}
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;

	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[bucket_of(st.st_dev, st.st_ino)]; e; e = e->hnext) {
		if (e->dev != st.st_dev || e->ino != st.st_ino)
			continue;
		if (e->size == (uint64_t)st.st_size && e->mtime_ns == mtime) {
			if (atomic_fetch_add(&e->refs, 1) == 0)
				lru_del(e);
			c->stats.hits++;
			pthread_mutex_unlock(&c->lock);
			close(fd);
			return e;
		}
		/* Same inode, new content: retire the old entry (it lives while referenced). */
		unlink_entry(c, e);
		if (atomic_load(&e->refs) == 0) {
			lru_del(e);
			c->stats.bytes -= e->size;
			e->hnext = victims;
			victims = e;
		}
		break;
	}
	c->stats.misses++;
	pthread_mutex_unlock(&c->lock);
	destroy_list(victims);
	victims = NULL;

	fresh = entry_load(fd, &st);
	if (!fresh)
		goto fail;
	close(fd);

	pthread_mutex_lock(&c->lock);
	/* Another worker may have loaded the same content meanwhile: keep one copy. */
	for (e = c->buckets[bucket_of(st.st_dev, st.st_ino)]; e; e = e->hnext) {
		if (e->dev == fresh->dev && e->ino == fresh->ino && e->size == fresh->size &&
		    e->mtime_ns == fresh->mtime_ns) {
			if (atomic_fetch_add(&e->refs, 1) == 0)
				lru_del(e);
			pthread_mutex_unlock(&c->lock);
			entry_destroy(fresh);
			return e;
		}
	}
	fresh->hnext = c->buckets[bucket_of(fresh->dev, fresh->ino)];
	c->buckets[bucket_of(fresh->dev, fresh->ino)] = fresh;
	fresh->linked = true;
	c->stats.entries++;
	c->stats.bytes += fresh->size;
	evict_locked(c, &victims);
	pthread_mutex_unlock(&c->lock);
	destroy_list(victims);
	return fresh;

fail:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

void cache_put(struct cache *c, struct cache_entry *e)
{
	struct cache_entry *victims = NULL;

	if (!e)
		return;
	pthread_mutex_lock(&c->lock);
	if (atomic_fetch_sub(&e->refs, 1) == 1) {
		if (!e->linked) {
			/* Retired while in use: nobody can find it any more. */
			c->stats.bytes -= e->size;
			e->hnext = NULL;
			victims = e;
		} else {
			e->lru_prev = c->lru.lru_prev;
			e->lru_next = &c->lru;
			c->lru.lru_prev->lru_next = e;
			c->lru.lru_prev = e;
			evict_locked(c, &victims);
		}
	}
	pthread_mutex_unlock(&c->lock);
	destroy_list(victims);
}

void cache_get_stats(struct cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}
