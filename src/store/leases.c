// SPDX-License-Identifier: MIT
/*
 * The lease database. Threads: the caller's (the DHCP worker) queues changes and reaps their
 * completions; one writer thread owns the write transactions. The connection is shared with
 * lease_store_load(), which runs before serving, so db_lock keeps the two apart.
 *
 * Group commit: the writer takes the whole queue at once and writes it in one transaction,
 * so the queue that builds up during one fsync is committed by the next: in a boot storm a
 * commit carries hundreds of leases.
 *
 * Completions travel on a done list and an eventfd. lease_store_reap() reads the eventfd
 * before it takes the list, and the writer appends to the list before it writes the eventfd,
 * so a completion is never left on the list with the eventfd unreadable.
 *
 * Closing commits whatever is queued but runs no callback: completions not reaped before
 * lease_store_close() are dropped (their changes are durable, or failed, all the same).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/log.h"
#include "store/leases.h"

#define LEASES_SCHEMA_VERSION 1
#define LEASES_BUSY_MS 5000     /* another process (`bootherd status`, sqlite3) holding a lock */

enum item_op {
	ITEM_PUT = 0,
	ITEM_DEL = 1,
};

struct item {
	struct item *next;
	enum item_op op;
	int err;
	void (*done)(void *ctx, int err);
	void *ctx;
	struct lease l;         /* ITEM_DEL uses l.ip only */
};

/* A FIFO of items. */
struct item_list {
	struct item *head, **tail;
};

struct lease_store {
	sqlite3 *db;
	sqlite3_stmt *put, *del, *begin, *commit, *rollback;
	pthread_mutex_t db_lock;        /* the connection: the writer, or load */

	pthread_mutex_t lock;           /* the lists, stopping and stats; held briefly */
	pthread_cond_t wake;
	struct item_list queue, done;
	bool stopping;
	/*
	 * writes: changes made durable; commits: transactions committed; errors: changes that
	 * failed (their transaction was rolled back).
	 */
	struct lease_store_stats stats;

	pthread_t writer;
	bool writer_started;
	int efd;
	char *path;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS leases("
	"ip INTEGER PRIMARY KEY, state INTEGER, htype INTEGER, hwaddr BLOB, client_id BLOB, "
	"hostname TEXT, expires INTEGER, updated INTEGER)";

static void list_init(struct item_list *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

static void list_append(struct item_list *q, struct item_list *more)
{
	if (!more->head)
		return;
	*q->tail = more->head;
	q->tail = more->tail;
	list_init(more);
}

static void list_free(struct item_list *q)
{
	struct item *it = q->head, *next;

	for (; it; it = next) {
		next = it->next;
		free(it);
	}
	list_init(q);
}

/* sqlite3_errmsg() after a failed call on @db, or the error string when there is no handle. */
static const char *db_error(sqlite3 *db, int rc)
{
	return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Creates the database's directory when missing: one level, as a package creates /var/lib. */
static int make_parent(const char *path, FILE *err)
{
	char *dir = strdup(path), *slash;
	int ret = 0;

	if (!dir) {
		fprintf(err, "cannot open lease database %s: %s\n", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		ret = -errno;
		fprintf(err, "cannot open lease database %s: cannot create directory %s: %s\n",
			path, dir, strerror(errno));
	}
out:
	free(dir);
	return ret;
}

/* WAL and the schema; on failure the reason is written to @err. */
static int setup_db(struct lease_store *s, enum lease_sync sync, FILE *err)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	bool in_tx = false;
	int rc, version;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW)
		goto db_fail;
	mode = (const char *)sqlite3_column_text(st, 0);
	/* WAL is what lets readers and the writer go on together; refuse to run without it. */
	if (!mode || (strcasecmp(mode, "wal") && strcmp(s->path, ":memory:"))) {
		fprintf(err, "cannot open lease database %s: journal mode is %s, not wal\n",
			s->path, mode ? mode : "unknown");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = exec(s->db, sync == LEASE_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL" :
						     "PRAGMA synchronous=FULL");
	if (rc != SQLITE_OK)
		goto db_fail;

	rc = exec(s->db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		goto db_fail;
	in_tx = true;
	rc = exec(s->db, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value)");
	if (rc != SQLITE_OK)
		goto db_fail;
	rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema_version'",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		version = 0;
	} else if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
		   sqlite3_column_int64(st, 0) > 0 && sqlite3_column_int64(st, 0) <= INT_MAX) {
		version = (int)sqlite3_column_int64(st, 0);
	} else if (rc == SQLITE_ROW) {
		fprintf(err, "cannot open lease database %s: unrecognized schema version '%s'\n",
			s->path, sqlite3_column_text(st, 0) ?
			(const char *)sqlite3_column_text(st, 0) : "NULL");
		goto fail;
	} else {
		goto db_fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (version > LEASES_SCHEMA_VERSION) {
		/* A newer bootherd wrote it: writing it with the old schema could lose data. */
		fprintf(err, "cannot open lease database %s: schema version %d is newer than this "
			"bootherd supports (%d)\n", s->path, version, LEASES_SCHEMA_VERSION);
		goto fail;
	}
	rc = exec(s->db, schema_sql);
	if (rc == SQLITE_OK && !version)
		rc = exec(s->db, "INSERT INTO meta(key, value) VALUES('schema_version', 1)");
	if (rc == SQLITE_OK)
		rc = exec(s->db, "COMMIT");
	if (rc != SQLITE_OK)
		goto db_fail;
	return 0;

db_fail:
	fprintf(err, "cannot open lease database %s: %s\n", s->path, sqlite3_errmsg(s->db));
fail:
	sqlite3_finalize(st);
	if (in_tx && !sqlite3_get_autocommit(s->db))
		exec(s->db, "ROLLBACK");
	return -EIO;
}

static int prepare_all(struct lease_store *s)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
		{ offsetof(struct lease_store, put),
		  "INSERT OR REPLACE INTO leases(ip, state, htype, hwaddr, client_id, hostname, "
		  "expires, updated) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
		{ offsetof(struct lease_store, del), "DELETE FROM leases WHERE ip = ?1" },
		{ offsetof(struct lease_store, begin), "BEGIN IMMEDIATE" },
		{ offsetof(struct lease_store, commit), "COMMIT" },
		{ offsetof(struct lease_store, rollback), "ROLLBACK" },
	};

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		sqlite3_stmt **st = (sqlite3_stmt **)((char *)s + stmts[i].off);
		int rc = sqlite3_prepare_v3(s->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, st,
					    NULL);

		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* Runs a statement that returns no rows, then resets it for the next use. */
static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int bind_blob_or_null(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	return n ? sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int write_item(struct lease_store *s, const struct item *it)
{
	const struct lease *l = &it->l;
	sqlite3_stmt *st;
	int rc;

	if (it->op == ITEM_DEL) {
		st = s->del;
		rc = sqlite3_bind_int64(st, 1, l->ip);
	} else {
		st = s->put;
		rc = sqlite3_bind_int64(st, 1, l->ip);
		rc = rc ?: sqlite3_bind_int(st, 2, l->state);
		rc = rc ?: sqlite3_bind_int(st, 3, l->htype);
		rc = rc ?: bind_blob_or_null(st, 4, l->hwaddr, l->hlen);
		rc = rc ?: bind_blob_or_null(st, 5, l->cid, l->cid_len);
		rc = rc ?: sqlite3_bind_text(st, 6, l->hostname,
					     (int)strnlen(l->hostname, sizeof(l->hostname)),
					     SQLITE_STATIC);
		/* Stored as the same 64 bits: a value past INT64_MAX comes back unchanged. */
		rc = rc ?: sqlite3_bind_int64(st, 7, (sqlite3_int64)l->expires);
		rc = rc ?: sqlite3_bind_int64(st, 8, (sqlite3_int64)l->updated);
	}
	if (rc != SQLITE_OK) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return rc;
	}
	return step_reset(st);
}

/* One transaction for the whole batch; returns 0 or -EIO, and then nothing of it is kept. */
static int commit_batch(struct lease_store *s, struct item *batch)
{
	int rc;

	pthread_mutex_lock(&s->db_lock);
	rc = step_reset(s->begin);
	for (struct item *it = batch; it && rc == SQLITE_OK; it = it->next)
		rc = write_item(s, it);
	if (rc == SQLITE_OK)
		rc = step_reset(s->commit);
	if (rc != SQLITE_OK) {
		pr_ratelimited(LOG_ERR, "leases: cannot write %s: %s", s->path,
			       sqlite3_errmsg(s->db));
		/* A failed COMMIT (SQLITE_BUSY, say) can leave the transaction open. */
		if (!sqlite3_get_autocommit(s->db))
			step_reset(s->rollback);
	}
	pthread_mutex_unlock(&s->db_lock);
	return rc == SQLITE_OK ? 0 : -EIO;
}

static void *writer_main(void *arg)
{
	struct lease_store *s = arg;
	struct item_list batch;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		unsigned long long n = 0;
		int err;

		while (!s->queue.head && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		if (!s->queue.head)
			break;  /* stopping, and everything queued is written */
		list_init(&batch);
		list_append(&batch, &s->queue);
		pthread_mutex_unlock(&s->lock);

		err = commit_batch(s, batch.head);
		for (struct item *it = batch.head; it; it = it->next) {
			it->err = err;
			n++;
		}

		pthread_mutex_lock(&s->lock);
		if (err) {
			s->stats.errors += n;
		} else {
			s->stats.writes += n;
			s->stats.commits++;
		}
		list_append(&s->done, &batch);
		pthread_mutex_unlock(&s->lock);
		/* Only EAGAIN can fail here (a counter near 2^64): readable all the same. */
		if (write(s->efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
			pr_err("leases: eventfd write: %s", strerror(errno));
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* The writer blocks every signal: they belong to the thread that runs the loop. */
static int start_writer(struct lease_store *s)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&s->writer, NULL, writer_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	pthread_setname_np(s->writer, "lease-writer");
	s->writer_started = true;
	return 0;
}

static void store_free(struct lease_store *s)
{
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->rollback);
	if (s->db)
		sqlite3_close(s->db);
	if (s->efd >= 0)
		close(s->efd);
	list_free(&s->queue);
	list_free(&s->done);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->db_lock);
	free(s->path);
	free(s);
}

struct lease_store *lease_store_open(const char *path, enum lease_sync sync, FILE *err)
{
	struct lease_store *s;
	int rc, ret = -EIO;

	if (!err)
		err = stderr;
	if (!sqlite3_threadsafe()) {
		fprintf(err, "cannot open lease database %s: libsqlite3 is built without threads\n",
			path);
		errno = ENOTSUP;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		fprintf(err, "cannot open lease database %s: %s\n", path, strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	s->efd = -1;
	pthread_mutex_init(&s->db_lock, NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	list_init(&s->queue);
	list_init(&s->done);

	if (strcmp(path, ":memory:")) {
		ret = make_parent(path, err);
		if (ret)
			goto fail;
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		fprintf(err, "cannot open lease database %s: %s\n", path, db_error(s->db, rc));
		ret = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, LEASES_BUSY_MS);
	ret = setup_db(s, sync, err);
	if (ret)
		goto fail;
	rc = prepare_all(s);
	if (rc != SQLITE_OK) {
		fprintf(err, "cannot open lease database %s: %s\n", path, sqlite3_errmsg(s->db));
		ret = -EIO;
		goto fail;
	}
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd == -1) {
		ret = -errno;
		fprintf(err, "cannot open lease database %s: eventfd: %s\n", path, strerror(-ret));
		goto fail;
	}
	ret = start_writer(s);
	if (ret) {
		fprintf(err, "cannot open lease database %s: writer thread: %s\n", path,
			strerror(-ret));
		goto fail;
	}
	return s;

fail:
	store_free(s);
	errno = -ret;
	return NULL;
}

/* An integer column within [@lo, @hi]; the type is read before any conversion can change it. */
static bool col_int(sqlite3_stmt *st, int i, sqlite3_int64 lo, sqlite3_int64 hi,
		    sqlite3_int64 *v)
{
	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return false;
	*v = sqlite3_column_int64(st, i);
	return *v >= lo && *v <= hi;
}

/* A BLOB (or NULL: empty) column of at most @max bytes. */
static bool col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t max, uint8_t *len)
{
	int type = sqlite3_column_type(st, i), n;

	if (type == SQLITE_NULL) {
		*len = 0;
		return true;
	}
	if (type != SQLITE_BLOB)
		return false;
	n = sqlite3_column_bytes(st, i);
	if (n < 0 || (size_t)n > max)
		return false;
	if (n)
		memcpy(out, sqlite3_column_blob(st, i), (size_t)n);
	*len = (uint8_t)n;
	return true;
}

/* Why a row cannot be a lease (the column's name), or NULL when it can; fills @l. */
static const char *row_to_lease(sqlite3_stmt *st, struct lease *l)
{
	sqlite3_int64 v;

	memset(l, 0, sizeof(*l));
	if (!col_int(st, 0, 0, UINT32_MAX, &v))
		return "ip";
	l->ip = (uint32_t)v;
	if (!col_int(st, 1, LEASE_FREE, LEASE_DECLINED, &v))
		return "state";
	l->state = (uint8_t)v;
	if (!col_int(st, 2, 0, UINT8_MAX, &v))
		return "htype";
	l->htype = (uint8_t)v;
	if (!col_blob(st, 3, l->hwaddr, sizeof(l->hwaddr), &l->hlen))
		return "hwaddr";
	if (!col_blob(st, 4, l->cid, sizeof(l->cid), &l->cid_len))
		return "client_id";
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		const unsigned char *t;
		int n;

		if (sqlite3_column_type(st, 5) != SQLITE_TEXT)
			return "hostname";
		t = sqlite3_column_text(st, 5);
		n = sqlite3_column_bytes(st, 5);
		if (!t || n < 0 || (size_t)n >= sizeof(l->hostname) || memchr(t, '\0', (size_t)n))
			return "hostname";
		memcpy(l->hostname, t, (size_t)n);
	}
	if (!col_int(st, 6, INT64_MIN, INT64_MAX, &v))
		return "expires";
	l->expires = (uint64_t)v;
	if (!col_int(st, 7, INT64_MIN, INT64_MAX, &v))
		return "updated";
	l->updated = (uint64_t)v;
	return NULL;
}

int lease_store_load(struct lease_store *s, void (*fn)(void *ctx, const struct lease *l),
		     void *ctx)
{
	unsigned bad = 0;
	sqlite3_int64 first_bad = 0;
	const char *first_why = NULL;
	sqlite3_stmt *st = NULL;
	struct lease l;
	int rc, n = 0;

	pthread_mutex_lock(&s->db_lock);
	rc = sqlite3_prepare_v2(s->db, "SELECT ip, state, htype, hwaddr, client_id, hostname, "
				"expires, updated FROM leases ORDER BY ip", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *why = row_to_lease(st, &l);

		if (why) {
			if (!bad++) {
				first_bad = sqlite3_column_int64(st, 0);
				first_why = why;
			}
			rc = SQLITE_OK;
			continue;
		}
		fn(ctx, &l);
		if (n < INT_MAX)
			n++;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		pr_err("leases: cannot read %s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->db_lock);
	if (bad)
		pr_warn("leases: %s: skipped %u malformed rows (the first: ip %lld, bad %s)",
			s->path, bad, (long long)first_bad, first_why);
	return rc == SQLITE_DONE ? n : -EIO;
}

static int enqueue(struct lease_store *s, struct item *it)
{
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		free(it);
		return -ESHUTDOWN;
	}
	it->next = NULL;
	*s->queue.tail = it;
	s->queue.tail = &it->next;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int lease_store_put(struct lease_store *s, const struct lease *l,
		    void (*done)(void *ctx, int err), void *ctx)
{
	struct item *it = malloc(sizeof(*it));

	if (!it)
		return -ENOMEM;
	it->op = ITEM_PUT;
	it->l = *l;
	/* Lengths past the arrays would make the binds read beyond them. */
	if (it->l.hlen > sizeof(it->l.hwaddr))
		it->l.hlen = sizeof(it->l.hwaddr);
	if (it->l.cid_len > sizeof(it->l.cid))
		it->l.cid_len = sizeof(it->l.cid);
	it->done = done;
	it->ctx = ctx;
	return enqueue(s, it);
}

int lease_store_del(struct lease_store *s, uint32_t ip, void (*done)(void *ctx, int err),
		    void *ctx)
{
	struct item *it = calloc(1, sizeof(*it));

	if (!it)
		return -ENOMEM;
	it->op = ITEM_DEL;
	it->l.ip = ip;
	it->done = done;
	it->ctx = ctx;
	return enqueue(s, it);
}

int lease_store_fd(const struct lease_store *s)
{
	return s->efd;
}

unsigned lease_store_reap(struct lease_store *s)
{
	struct item_list done;
	unsigned n = 0;
	uint64_t cnt;

	/* First the eventfd, then the list: see the top of the file. */
	if (read(s->efd, &cnt, sizeof(cnt)) == -1 && errno != EAGAIN)
		pr_err("leases: eventfd read: %s", strerror(errno));
	list_init(&done);
	pthread_mutex_lock(&s->lock);
	list_append(&done, &s->done);
	pthread_mutex_unlock(&s->lock);
	/* Callbacks run unlocked: they may queue more writes. */
	for (struct item *it = done.head, *next; it; it = next) {
		next = it->next;
		if (it->done)
			it->done(it->ctx, it->err);
		free(it);
		n++;
	}
	return n;
}

void lease_store_stats(struct lease_store *s, struct lease_store_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	pthread_mutex_unlock(&s->lock);
}

void lease_store_close(struct lease_store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	/* The writer drains the queue before it leaves. */
	if (s->writer_started)
		pthread_join(s->writer, NULL);
	if (s->done.head)
		pr_debug("leases: %s closed with completions nobody reaped", s->path);
	store_free(s);
}
