// SPDX-License-Identifier: MIT
/* The content cache: confinement beneath the root, sharing, staleness, eviction. */
#include "core/cache.c"

#include <sys/stat.h>

#include "check.h"

static char root[64], outside[64];
static int root_fd;

static void put_file(const char *dir, const char *name, const char *content)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(content, f);
	fclose(f);
}

static void setup(void)
{
	char p[256];

	strcpy(root, "/tmp/bootherd-cache-XXXXXX");
	strcpy(outside, "/tmp/bootherd-outside-XXXXXX");
	mkdtemp(root);
	mkdtemp(outside);
	put_file(root, "a.txt", "alpha");
	put_file(outside, "secret", "secret");
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	put_file(p, "b.txt", "bravo");
	snprintf(p, sizeof(p), "%s/link-out", root);
	symlink("/etc/passwd", p);
	snprintf(p, sizeof(p), "%s/link-rel-out", root);
	symlink("../../../../etc/passwd", p);
	snprintf(p, sizeof(p), "%s/link-dir-out", root);
	symlink(outside, p);
	snprintf(p, sizeof(p), "%s/link-in", root);
	symlink("sub/b.txt", p);
	snprintf(p, sizeof(p), "%s/fifo", root);
	mkfifo(p, 0644);
	put_file(root, "empty", "");
	root_fd = open(root, O_PATH | O_DIRECTORY);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	if (system(cmd))
		printf("# cleanup failed\n");
	close(root_fd);
}

static int open_errno(struct cache *c, const char *path)
{
	struct cache_entry *e;

	errno = 0;
	e = cache_open(c, root_fd, path, 1 << 20);
	if (e) {
		cache_put(c, e);
		return 0;
	}
	return errno;
}

static void test_escapes_are_refused(void)
{
	struct cache *c = cache_new(1 << 20, true);

	CHECK_EQ(open_errno(c, "../etc/passwd"), EXDEV);
	CHECK_EQ(open_errno(c, "sub/../../etc/passwd"), EXDEV);
	CHECK_EQ(open_errno(c, "link-out"), EXDEV);
	CHECK_EQ(open_errno(c, "link-rel-out"), EXDEV);
	CHECK_EQ(open_errno(c, "link-dir-out/secret"), EXDEV);
	CHECK_EQ(open_errno(c, "/proc/self/root/etc/passwd"), ENOENT);
	cache_free(c);
}

static void test_inside_paths_resolve(void)
{
	struct cache *c = cache_new(1 << 20, true);
	struct cache_entry *e;

	e = cache_open(c, root_fd, "/a.txt", 100);
	CHECK(e && e->size == 5 && !memcmp(e->data, "alpha", 5));
	cache_put(c, e);
	e = cache_open(c, root_fd, "link-in", 100);
	CHECK(e && e->size == 5 && !memcmp(e->data, "bravo", 5));
	cache_put(c, e);
	e = cache_open(c, root_fd, "sub/../a.txt", 100);
	CHECK(e && e->size == 5);
	cache_put(c, e);
	e = cache_open(c, root_fd, "empty", 100);
	CHECK(e && e->size == 0 && e->data != NULL);
	cache_put(c, e);
	cache_free(c);
}

static void test_non_regular_and_limits(void)
{
	struct cache *c = cache_new(1 << 20, true);

	CHECK_EQ(open_errno(c, "sub"), EISDIR);
	CHECK_EQ(open_errno(c, "fifo"), EINVAL);      /* and it did not block */
	CHECK_EQ(open_errno(c, "missing"), ENOENT);
	CHECK_EQ(open_errno(c, "a.txt/x"), ENOTDIR);
	errno = 0;
	CHECK(cache_open(c, root_fd, "a.txt", 4) == NULL);
	CHECK_EQ(errno, EFBIG);
	cache_free(c);
}

static void test_one_copy_is_shared(void)
{
	struct cache *c = cache_new(1 << 20, true);
	struct cache_entry *a = cache_open(c, root_fd, "a.txt", 100);
	struct cache_entry *b = cache_open(c, root_fd, "./a.txt", 100);
	struct cache_stats st;

	CHECK(a && a == b);
	cache_get_stats(c, &st);
	CHECK_EQ(st.hits, 1u);
	CHECK_EQ(st.misses, 1u);
	CHECK_EQ(st.entries, 1u);
	CHECK_EQ(st.bytes, 5u);
	cache_put(c, a);
	cache_put(c, b);
	cache_free(c);
}

/* A file rewritten while a transfer holds the old copy: old readers keep old bytes. */
static void test_rewrite_gives_new_entry_and_keeps_old_bytes(void)
{
	struct cache *c = cache_new(1 << 20, true);
	struct cache_entry *old = cache_open(c, root_fd, "a.txt", 100), *fresh;
	struct cache_stats st;
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 12345, 0 } };

	put_file(root, "a.txt", "ALPHA-2");
	utimensat(root_fd, "a.txt", ts, 0);
	fresh = cache_open(c, root_fd, "a.txt", 100);
	CHECK(old && fresh && old != fresh);
	CHECK(!memcmp(old->data, "alpha", 5));
	CHECK(fresh->size == 7 && !memcmp(fresh->data, "ALPHA-2", 7));
	cache_put(c, old);
	cache_get_stats(c, &st);
	CHECK_EQ(st.entries, 1u);
	CHECK_EQ(st.bytes, 7u);
	cache_put(c, fresh);
	put_file(root, "a.txt", "alpha");
	cache_free(c);
}

static void test_eviction_respects_budget_and_references(void)
{
	struct cache *c = cache_new(6, true);
	struct cache_entry *a = cache_open(c, root_fd, "a.txt", 100);
	struct cache_entry *b = cache_open(c, root_fd, "sub/b.txt", 100);
	struct cache_stats st;

	/* Both referenced: over budget, but nothing in use may go. */
	cache_get_stats(c, &st);
	CHECK_EQ(st.entries, 2u);
	CHECK(!memcmp(a->data, "alpha", 5) && !memcmp(b->data, "bravo", 5));
	cache_put(c, a);
	cache_get_stats(c, &st);
	CHECK_EQ(st.entries, 1u);
	CHECK_EQ(st.bytes, 5u);
	cache_put(c, b);
	cache_get_stats(c, &st);
	CHECK_EQ(st.entries, 1u);
	cache_free(c);
}

/* Without huge pages asked for: memfds, sealed against any write. */
static void test_memfd_copies_are_sealed(void)
{
	struct cache *c = cache_new(1 << 20, false);
	struct cache_entry *e = cache_open(c, root_fd, "a.txt", 100);
	const char *why;
	int seals;

	CHECK_STR(cache_backing(c, &why), "memfds");
	CHECK(why != NULL);
	CHECK(e && e->size == 5 && !memcmp(e->data, "alpha", 5));
	seals = e ? fcntl(e->fd, F_GET_SEALS) : -1;
	CHECK(seals != -1 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SHRINK));
	CHECK(e && write(e->fd, "x", 1) == -1 && errno == EPERM);
	cache_put(c, e);
	cache_free(c);
}

/* kB of huge-page mappings in the smaps entry that starts at @addr. */
static long pmd_mapped_kb(const void *addr)
{
	char line[256], start[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	bool in = false;
	long kb = -1;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (f && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-') && line[0] != ' ' &&
		    strspn(line, "0123456789abcdef") > 0 && line[strspn(line, "0123456789abcdef")] == '-')
			in = !strncmp(line, start, strlen(start));
		else if (in && (sscanf(line, "ShmemPmdMapped: %ld kB", &kb) == 1 ||
				sscanf(line, "FilePmdMapped: %ld kB", &kb) == 1) && kb > 0)
			break;
	}
	if (f)
		fclose(f);
	return kb;
}

/*
 * With huge pages (as root): the copy of an 8 MiB file lives in 2 MiB pages of the cache's own
 * tmpfs, in a file nobody can open by name, with the file's bytes.
 */
static void test_huge_page_copies(void)
{
	struct cache *c = cache_new(16 << 20, true);
	const char *why, *where = cache_backing(c, &why);
	size_t size = 8u << 20;
	uint8_t *buf = malloc(size);
	struct cache_entry *e;
	struct stat st;
	char p[256];
	FILE *f;

	if (why) {
		free(buf);
		cache_free(c);
		SKIP("no private tmpfs with huge pages here (%s)", why);
	}
	CHECK_STR(where, "a private tmpfs with huge pages");
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	snprintf(p, sizeof(p), "%s/big", root);
	f = fopen(p, "w");
	CHECK(f && fwrite(buf, 1, size, f) == size);
	if (f)
		fclose(f);
	e = cache_open(c, root_fd, "big", size);
	CHECK(e && e->size == size && !memcmp(e->data, buf, size));
	CHECK(e && fstat(e->fd, &st) == 0 && st.st_nlink == 0 && (uint64_t)st.st_size == size);
	CHECK(e && pmd_mapped_kb(e->data) >= 2048);
	cache_put(c, e);
	cache_free(c);
	unlink(p);
	free(buf);
}

int main(void)
{
	log_level = LOG_WARN;
	setup();
	RUN(test_escapes_are_refused);
	RUN(test_inside_paths_resolve);
	RUN(test_non_regular_and_limits);
	RUN(test_one_copy_is_shared);
	RUN(test_rewrite_gives_new_entry_and_keeps_old_bytes);
	RUN(test_eviction_respects_budget_and_references);
	RUN(test_memfd_copies_are_sealed);
	RUN(test_huge_page_copies);
	teardown();
	return check_done();
}
