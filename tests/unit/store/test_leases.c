// SPDX-License-Identifier: MIT
/* The lease database: round trip, deletes, group commit, failures, and refusing bad files. */
#include "store/leases.c"

#include <fcntl.h>
#include <poll.h>

#include "check.h"

#define N_LEASES 1000

static char dir[64];

struct waiter {
	unsigned ok, failed;
	bool foreign_thread;
	pthread_t self;
};

static void on_done(void *ctx, int err)
{
	struct waiter *w = ctx;

	if (!pthread_equal(pthread_self(), w->self))
		w->foreign_thread = true;
	if (err)
		w->failed++;
	else
		w->ok++;
}

/* Polls the eventfd and reaps until @n callbacks ran; false after 10 s without progress. */
static bool wait_done(struct lease_store *s, struct waiter *w, unsigned n)
{
	struct pollfd pfd = { .fd = lease_store_fd(s), .events = POLLIN };

	while (w->ok + w->failed < n) {
		if (poll(&pfd, 1, 10000) != 1)
			return false;
		lease_store_reap(s);
	}
	return true;
}

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* A lease with every field in use and lengths that vary with @i. */
static void make_lease(struct lease *l, unsigned i)
{
	memset(l, 0, sizeof(*l));
	l->ip = 0x0a000000u + i * 3;
	l->state = (uint8_t)(i % 4 == 1 ? LEASE_BOUND : i % 4);
	l->htype = (uint8_t)(i % 7 + 1);
	l->hlen = (uint8_t)(i % 17);
	for (unsigned k = 0; k < l->hlen; k++)
		l->hwaddr[k] = (uint8_t)(i * 31 + k);
	l->cid_len = (uint8_t)(i % (LEASE_CID_MAX + 1));
	for (unsigned k = 0; k < l->cid_len; k++)
		l->cid[k] = (uint8_t)(i * 17 + k);      /* zero bytes included */
	for (unsigned k = 0; k < i % LEASE_HOST_MAX; k++)
		l->hostname[k] = (char)('a' + (i + k) % 26);
	l->expires = i == 7 ? UINT64_MAX : 1700000000ull + i;
	l->updated = i == 8 ? (uint64_t)INT64_MAX + 5 : 1600000000ull + i;
}

static bool lease_eq(const struct lease *a, const struct lease *b)
{
	return a->ip == b->ip && a->state == b->state && a->htype == b->htype &&
	       a->hlen == b->hlen && !memcmp(a->hwaddr, b->hwaddr, sizeof(a->hwaddr)) &&
	       a->cid_len == b->cid_len && !memcmp(a->cid, b->cid, sizeof(a->cid)) &&
	       !memcmp(a->hostname, b->hostname, sizeof(a->hostname)) &&
	       a->expires == b->expires && a->updated == b->updated;
}

struct loaded {
	struct lease *l;
	unsigned n, max;
};

static void on_load(void *ctx, const struct lease *l)
{
	struct loaded *ld = ctx;

	if (ld->n < ld->max)
		ld->l[ld->n] = *l;
	ld->n++;
}

static int load_all(struct lease_store *s, struct loaded *ld, unsigned max)
{
	ld->l = calloc(max, sizeof(*ld->l));
	ld->n = 0;
	ld->max = max;
	return lease_store_load(s, on_load, ld);
}

static void test_round_trip(void)
{
	struct waiter w = { .self = pthread_self() };
	struct lease_store *s;
	struct lease_store_stats st;
	struct loaded ld;
	struct lease l;
	char path[128];
	bool same = true;
	int ret = 0;

	/* One missing directory level is created. */
	path_in(path, sizeof(path), "var/leases.db");
	s = lease_store_open(path, LEASE_SYNC_FULL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(lease_store_reap(s), 0u);
	for (unsigned i = 0; i < N_LEASES; i++) {
		make_lease(&l, i);
		ret |= lease_store_put(s, &l, on_done, &w);
	}
	CHECK_EQ(ret, 0);
	CHECK(wait_done(s, &w, N_LEASES));
	CHECK_EQ(w.ok, N_LEASES);
	CHECK(!w.foreign_thread);
	lease_store_stats(s, &st);
	CHECK_EQ(st.writes, N_LEASES);
	CHECK_EQ(st.errors, 0u);
	CHECK(st.commits >= 1 && st.commits <= N_LEASES);
	lease_store_close(s);

	s = lease_store_open(path, LEASE_SYNC_FULL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(load_all(s, &ld, N_LEASES + 1), N_LEASES);
	CHECK_EQ(ld.n, N_LEASES);
	/* Rows come back by ip, which is the order they were made in. */
	for (unsigned i = 0; i < N_LEASES && i < ld.n; i++) {
		make_lease(&l, i);
		same &= lease_eq(&l, &ld.l[i]);
	}
	CHECK(same);
	free(ld.l);
	lease_store_close(s);
}

static void test_delete(void)
{
	struct waiter w = { .self = pthread_self() };
	struct lease_store *s;
	struct loaded ld;
	struct lease l;
	char path[128];
	int ret = 0;

	path_in(path, sizeof(path), "var/leases.db");
	s = lease_store_open(path, LEASE_SYNC_NORMAL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	for (unsigned i = 0; i < N_LEASES; i += 2) {
		make_lease(&l, i);
		ret |= lease_store_del(s, l.ip, on_done, &w);
	}
	/* Deleting what is not there is no error; a NULL callback is allowed. */
	ret |= lease_store_del(s, 0xdeadbeef, NULL, NULL);
	ret |= lease_store_del(s, 0xdeadbeef, on_done, &w);
	CHECK_EQ(ret, 0);
	CHECK(wait_done(s, &w, N_LEASES / 2 + 1));
	CHECK_EQ(w.failed, 0u);
	CHECK_EQ(load_all(s, &ld, N_LEASES), N_LEASES / 2);
	for (unsigned i = 0; i < ld.n; i++) {
		make_lease(&l, 2 * i + 1);
		CHECK(lease_eq(&l, &ld.l[i]));
	}
	free(ld.l);
	/* A put replaces the row of its address. */
	make_lease(&l, 1);
	strcpy(l.hostname, "renamed");
	l.state = LEASE_FREE;
	CHECK_EQ(lease_store_put(s, &l, on_done, &w), 0);
	CHECK(wait_done(s, &w, N_LEASES / 2 + 2));
	CHECK_EQ(load_all(s, &ld, N_LEASES), N_LEASES / 2);
	CHECK(ld.n && lease_eq(&l, &ld.l[0]));
	free(ld.l);
	lease_store_close(s);
}

static void test_group_commit(void)
{
	struct waiter w = { .self = pthread_self() };
	struct lease_store_stats st;
	struct lease_store *s;
	struct lease l;
	char path[128];
	int ret = 0;

	path_in(path, sizeof(path), "group.db");
	s = lease_store_open(path, LEASE_SYNC_FULL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	for (unsigned i = 0; i < 500; i++) {
		make_lease(&l, i);
		ret |= lease_store_put(s, &l, on_done, &w);
	}
	CHECK_EQ(ret, 0);
	CHECK(wait_done(s, &w, 500));
	lease_store_stats(s, &st);
	CHECK_EQ(st.writes, 500u);
	CHECK(st.commits >= 1 && st.commits < st.writes);
	printf("# 500 writes in %llu commits\n", st.commits);
	lease_store_close(s);
}

/* Queued writes are committed by close, whether or not anyone reaps them. */
static void test_close_flushes(void)
{
	struct waiter w = { .self = pthread_self() };
	struct lease_store *s;
	struct loaded ld;
	struct lease l;
	char path[128];

	path_in(path, sizeof(path), "flush.db");
	s = lease_store_open(path, LEASE_SYNC_NORMAL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	for (unsigned i = 0; i < 300; i++) {
		make_lease(&l, i);
		CHECK_EQ(lease_store_put(s, &l, on_done, &w), 0);
	}
	lease_store_close(s);
	CHECK_EQ(w.ok + w.failed, 0u);  /* dropped, as documented */
	s = lease_store_open(path, LEASE_SYNC_NORMAL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(load_all(s, &ld, 300), 300);
	free(ld.l);
	lease_store_close(s);
}

static void test_pragmas(void)
{
	struct lease_store *s;
	sqlite3_stmt *st;
	char path[128];

	path_in(path, sizeof(path), "pragma.db");
	for (int sync = LEASE_SYNC_FULL; sync <= LEASE_SYNC_NORMAL; sync++) {
		s = lease_store_open(path, (enum lease_sync)sync, stderr);
		CHECK(s != NULL);
		if (!s)
			return;
		pthread_mutex_lock(&s->db_lock);
		CHECK_EQ(sqlite3_prepare_v2(s->db, "PRAGMA synchronous", -1, &st, NULL),
			 SQLITE_OK);
		CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
		/* FULL is 2, NORMAL 1. */
		CHECK_EQ(sqlite3_column_int(st, 0), sync == LEASE_SYNC_FULL ? 2 : 1);
		sqlite3_finalize(st);
		CHECK_EQ(sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL),
			 SQLITE_OK);
		CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		CHECK_EQ(sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
					    "'schema_version'", -1, &st, NULL), SQLITE_OK);
		CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
		CHECK_EQ(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
		pthread_mutex_unlock(&s->db_lock);
		lease_store_close(s);
	}
}

/* Another connection on the same file, as `sqlite3` run by an operator would be. */
static void side_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

struct tracked {
	uint32_t ip;
	int err;
	bool ran;
};

static void on_tracked(void *ctx, int err)
{
	struct tracked *t = ctx;

	t->ran = true;
	t->err = err;
}

/* A failing transaction: every change of it reports -EIO and none is kept. */
static void test_commit_failure(void)
{
	struct tracked t[200];
	struct lease_store_stats st;
	struct lease_store *s;
	struct loaded ld;
	struct lease l;
	char path[128];
	unsigned nfailed = 0, nran = 0, present = 0, i;
	bool consistent = true;

	path_in(path, sizeof(path), "fail.db");
	s = lease_store_open(path, LEASE_SYNC_NORMAL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	side_exec(path, "CREATE TRIGGER no13 BEFORE INSERT ON leases WHEN NEW.hostname = 'bad' "
		  "BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
	log_level = -1;         /* the expected error */
	for (i = 0; i < 200; i++) {
		make_lease(&l, i);
		if (i == 100)
			strcpy(l.hostname, "bad");
		t[i] = (struct tracked){ .ip = l.ip };
		CHECK_EQ(lease_store_put(s, &l, on_tracked, &t[i]), 0);
	}
	for (unsigned spins = 0; spins < 1000; spins++) {
		struct pollfd pfd = { .fd = lease_store_fd(s), .events = POLLIN };

		nran = 0;
		for (i = 0; i < 200; i++)
			nran += t[i].ran;
		if (nran == 200 || poll(&pfd, 1, 10000) != 1)
			break;
		lease_store_reap(s);
	}
	log_level = LOG_WARN;
	CHECK_EQ(nran, 200u);
	CHECK(t[100].ran && t[100].err == -EIO);
	for (i = 0; i < 200; i++)
		nfailed += t[i].err != 0;
	lease_store_stats(s, &st);
	CHECK_EQ(st.errors, nfailed);
	CHECK_EQ(st.writes, 200u - nfailed);
	/* What failed is absent, what succeeded is there. */
	CHECK_EQ(load_all(s, &ld, 200), (int)(200 - nfailed));
	for (i = 0; i < 200; i++) {
		bool found = false;

		for (unsigned k = 0; k < ld.n; k++)
			found |= ld.l[k].ip == t[i].ip;
		present += found;
		consistent &= found == (t[i].err == 0);
	}
	CHECK(consistent);
	CHECK_EQ(present, 200u - nfailed);
	free(ld.l);
	/* The writer goes on after a failure. */
	side_exec(path, "DROP TRIGGER no13");
	{
		struct waiter w = { .self = pthread_self() };

		make_lease(&l, 100);
		strcpy(l.hostname, "bad");
		CHECK_EQ(lease_store_put(s, &l, on_done, &w), 0);
		CHECK(wait_done(s, &w, 1));
		CHECK_EQ(w.ok, 1u);
	}
	lease_store_close(s);
}

/* Rows another program wrote badly are skipped and counted, not loaded half-right. */
static void test_malformed_rows(void)
{
	struct lease_store *s;
	struct loaded ld;
	char path[128];

	path_in(path, sizeof(path), "bad-rows.db");
	s = lease_store_open(path, LEASE_SYNC_NORMAL, stderr);
	CHECK(s != NULL);
	if (!s)
		return;
	side_exec(path,
		  "INSERT INTO leases VALUES(1, 2, 1, x'525400123456', NULL, 'ok', 10, 5);"
		  "INSERT INTO leases VALUES(2, 2, 1, x'00112233445566778899aabbccddeeff00', "
		  "NULL, 'long-mac', 10, 5);"
		  "INSERT INTO leases VALUES(3, 9, 1, NULL, NULL, 'state', 10, 5);"
		  "INSERT INTO leases VALUES(4, 2, 1, NULL, zeroblob(65), 'cid', 10, 5);"
		  "INSERT INTO leases VALUES(5, 2, 1, NULL, NULL, "
		  "'a-hostname-of-sixty-four-characters-which-is-one-too-many-for-it', 10, 5);"
		  "INSERT INTO leases VALUES(6, 2, 1, NULL, NULL, NULL, 'soon', 5);"
		  "INSERT INTO leases VALUES(7, 2, 1, 'text-mac', NULL, NULL, 10, 5);"
		  "INSERT INTO leases VALUES(8, 2, 300, NULL, NULL, NULL, 10, 5);"
		  "INSERT INTO leases VALUES(4294967296, 2, 1, NULL, NULL, NULL, 10, 5);"
		  "INSERT INTO leases VALUES(9, 0, 0, NULL, NULL, NULL, 0, 0);");
	log_level = LOG_ERR;    /* the expected warning */
	CHECK_EQ(load_all(s, &ld, 10), 2);
	log_level = LOG_WARN;
	CHECK(ld.n == 2 && ld.l[0].ip == 1 && ld.l[0].hlen == 6 && ld.l[0].cid_len == 0);
	CHECK_STR(ld.l[0].hostname, "ok");
	CHECK(ld.l[1].ip == 9 && ld.l[1].hlen == 0 && ld.l[1].hostname[0] == '\0');
	free(ld.l);
	lease_store_close(s);
}

/* Opens @path expecting failure; true when the message names the path and holds @what. */
static bool open_fails_with(const char *path, const char *what)
{
	char *msg = NULL, head[256];
	size_t len = 0;
	FILE *err = open_memstream(&msg, &len);
	struct lease_store *s = lease_store_open(path, LEASE_SYNC_FULL, err);
	bool ok;

	fclose(err);
	snprintf(head, sizeof(head), "cannot open lease database %s: ", path);
	ok = !s && msg && !strncmp(msg, head, strlen(head)) && strstr(msg, what) &&
	     msg[len - 1] == '\n' && !memchr(msg, '\n', len - 1);
	if (!ok)
		printf("# got: %s\n", msg ? msg : "(nothing)");
	lease_store_close(s);
	free(msg);
	return ok;
}

static void test_open_failures(void)
{
	char path[128];
	sqlite3 *db;
	int fd;

	path_in(path, sizeof(path), "no/such/leases.db");
	CHECK(open_fails_with(path, "No such file or directory"));

	path_in(path, sizeof(path), "future.db");
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
			      "INSERT INTO meta VALUES('schema_version', 99)", NULL, NULL, NULL),
		 SQLITE_OK);
	sqlite3_close(db);
	CHECK(open_fails_with(path, "schema version 99 is newer"));

	path_in(path, sizeof(path), "odd-version.db");
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
			      "INSERT INTO meta VALUES('schema_version', 'one')", NULL, NULL,
			      NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK(open_fails_with(path, "unrecognized schema version 'one'"));

	path_in(path, sizeof(path), "not-a-db");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 100; i++)
		CHECK(write(fd, "this is not an SQLite database\n", 31) == 31);
	close(fd);
	CHECK(open_fails_with(path, "file is not a database"));

	/* A directory where the file should be. */
	path_in(path, sizeof(path), "var");
	CHECK(open_fails_with(path, "unable to open database file"));
}

int main(void)
{
	char cmd[128];
	int fail;

	log_level = LOG_WARN;
	strcpy(dir, "/tmp/bootherd-leases-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_round_trip);
	RUN(test_delete);
	RUN(test_group_commit);
	RUN(test_close_flushes);
	RUN(test_pragmas);
	RUN(test_commit_failure);
	RUN(test_malformed_rows);
	RUN(test_open_failures);
	fail = check_done();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# cleanup of %s failed\n", dir);
	return fail;
}
