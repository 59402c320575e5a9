// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
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
	int mnt;                /* the private tmpfs (a detached mount), or -1: memfds */
	char why[96];           /* why there is none */
};

/*
 * A tmpfs of our own with huge pages (huge=within_size: a 2 MiB page wherever the file covers
 * it whole), mounted nowhere: fsopen() + fsmount() give a mount fd that only this process
 * holds, gone when it closes. Sending a cached file then takes one page-cache lookup per 2 MiB
 * instead of one per 4 KiB page, which is a fifth of the server's CPU in a sendfile storm.
 * memfd_create() offers no huge pages unless the machine's shmem_enabled says so (Debian:
 * never). Needs CAP_SYS_ADMIN; without it (or on an old kernel) the cache uses memfds.
 */
static int huge_tmpfs(char *why, size_t len)
{
	int fs, mnt, err;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs == -1) {
		snprintf(why, len, "fsopen: %s", strerror(errno));
		return -1;
	}
	if (fsconfig(fs, FSCONFIG_SET_STRING, "huge", "within_size", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) == -1 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1) {
		err = errno;
		snprintf(why, len, "tmpfs with huge pages: %s", strerror(err));
		close(fs);
		return -1;
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	err = errno;
	close(fs);
	if (mnt == -1)
		snprintf(why, len, "fsmount: %s", strerror(err));
	return mnt;
}

struct cache *cache_new(uint64_t budget_bytes, bool huge_pages)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	c->budget = budget_bytes;
	c->mnt = -1;
	if (huge_pages)
		c->mnt = huge_tmpfs(c->why, sizeof(c->why));
	else
		snprintf(c->why, sizeof(c->why), "not asked for");
	return c;
}

const char *cache_backing(const struct cache *c, const char **why)
{
	if (why)
		*why = c->mnt >= 0 ? NULL : c->why;
	return c->mnt >= 0 ? "a private tmpfs with huge pages" : "memfds";
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
	if (c->mnt >= 0)
		close(c->mnt);
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

/*
 * A file for a copy: unnamed, in the private tmpfs (nobody else can reach it, so it needs no
 * seals), or a memfd to be sealed. Returns the fd, or -1 with errno.
 */
static int copy_file(struct cache *c, bool *seal)
{
	if (c->mnt >= 0) {
		int fd = openat(c->mnt, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		*seal = false;
		if (fd >= 0)
			return fd;
		/* ENOSPC or such: this copy goes to a memfd. */
	}
	*seal = true;
	return memfd_create("bootherd-cache", MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

/* Copies the file into the cache's own file; the caller holds no lock (this can take a while). */
static struct cache_entry *entry_load(struct cache *c, int fd, const struct stat *st)
{
	static const uint8_t empty[1];
	struct cache_entry *e;
	off_t off = 0;
	int mfd, err;
	bool seal;

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

	mfd = copy_file(c, &seal);
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
	if (seal &&
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == -1)
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

	fresh = entry_load(c, fd, &st);
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
