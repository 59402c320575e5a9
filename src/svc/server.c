// SPDX-License-Identifier: MIT
/*
 * Workers and signals. The main thread owns signals (blocked everywhere, read from a
 * signalfd), the watch on the config file and the configuration generation; each worker thread owns one io_uring and one
 * SO_REUSEPORT listener per protocol, so the kernel spreads requests across cores and no lock
 * is taken on the data path except the cache lookup at the start of a transfer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/cache.h"
#include "core/log.h"
#include "core/loop.h"
#include "match/match.h"
#include "svc/server.h"
#include "svc/bootgen.h"
#include "svc/dhcp.h"
#include "svc/http.h"
#include "svc/tftp.h"

/* A burst of writes to the config file is one change; reload once it has been quiet this long. */
#define RELOAD_SETTLE_MS 100

#define LOOP_ENTRIES 1024u

struct worker {
	pthread_t thread;
	unsigned idx;
	struct server *srv;
	int tftp_fd;
	int http_fd;
	int wake_fd;
	uint64_t wake_val;
	struct loop_op wake_op;
	struct loop *loop;
	int start_err;
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	bool started;
};

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct server_gen *gen_current;

/*
 * Compiled rules outlive a generation when the next one has the same rules: Hyperscan takes
 * about half a second for a thousand rules here, and most reloads are inventory edits.
 */
struct match_ref {
	atomic_uint refs;
	struct match_set *set;
};

static void match_ref_put(struct match_ref *m)
{
	if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	match_free(m->set);
	free(m);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Same patterns and flags in the same order (profiles may differ: they are looked up by name). */
static bool same_rules(const struct conf *a, const struct conf *b)
{
	if (a->nr_rules != b->nr_rules)
		return false;
	for (size_t i = 0; i < a->nr_rules; i++) {
		const struct conf_rule *x = &a->rules[i], *y = &b->rules[i];

		if (x->caseless != y->caseless)
			return false;
		for (int f = 0; f < CONF_RULE_FIELDS; f++)
			if (!str_eq(x->pattern[f], y->pattern[f]))
				return false;
	}
	return true;
}

struct server_gen *server_gen_get(void)
{
	struct server_gen *g;

	pthread_mutex_lock(&gen_lock);
	g = gen_current;
	atomic_fetch_add(&g->refs, 1);
	pthread_mutex_unlock(&gen_lock);
	return g;
}

void server_gen_put(struct server_gen *g)
{
	if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	for (size_t i = 0; i < g->conf->nr_roots; i++)
		if (g->root_fds[i] >= 0)
			close(g->root_fds[i]);
	free(g->root_fds);
	match_ref_put(g->match_ref);
	conf_put(g->conf);
	free(g);
}

/* Logs each line of @text (diagnostics gathered in a memstream) as an error, after @prefix. */
static void log_lines(const char *prefix, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		pr_err("%s%s", prefix, line);
}

/* @g's compiled rules: @prev's when they are the same rules, else compiled now. */
static int gen_rules(struct server_gen *g, const struct conf *conf, const struct server_gen *prev)
{
	char *errs = NULL;
	size_t errs_len = 0;
	FILE *f;
	int ret;

	if (!conf->nr_rules)
		return 0;
	if (prev && prev->match_ref && same_rules(prev->conf, conf)) {
		g->match_ref = prev->match_ref;
		atomic_fetch_add(&g->match_ref->refs, 1);
		g->match = g->match_ref->set;
		return 0;
	}
	f = open_memstream(&errs, &errs_len);
	g->match = bootgen_compile(conf, f, &ret);
	if (f)
		fclose(f);
	if (g->match) {
		g->match_ref = malloc(sizeof(*g->match_ref));
		if (g->match_ref) {
			atomic_init(&g->match_ref->refs, 1);
			g->match_ref->set = g->match;
		} else {
			match_free(g->match);
			g->match = NULL;
		}
	}
	if (!g->match && errs)
		log_lines("", errs);
	free(errs);
	return g->match ? 0 : -EINVAL;
}

/*
 * Opens the roots of @conf and compiles its rules, or takes them from @prev when they are the
 * same; takes over the caller's reference to @conf on success.
 */
static struct server_gen *gen_new(struct conf *conf, unsigned id, const struct server_gen *prev)
{
	struct server_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->root_fds = calloc(conf->nr_roots ? conf->nr_roots : 1, sizeof(int));
	if (!g->root_fds)
		goto fail;
	for (size_t i = 0; i < conf->nr_roots; i++)
		g->root_fds[i] = -1;
	for (size_t i = 0; i < conf->nr_roots; i++) {
		g->root_fds[i] = open(conf->roots[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (g->root_fds[i] == -1) {
			pr_err("root %s: %s", conf->roots[i].path, strerror(errno));
			goto fail;
		}
	}
	if (gen_rules(g, conf, prev))
		goto fail;
	atomic_init(&g->refs, 1);
	g->id = id;
	g->conf = conf;
	return g;
fail:
	for (size_t i = 0; g->root_fds && i < conf->nr_roots; i++)
		if (g->root_fds[i] >= 0)
			close(g->root_fds[i]);
	free(g->root_fds);
	free(g);
	return NULL;
}

static void on_wake(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	loop_stop(loop);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tftp_worker *tw = NULL;
	struct http_worker *hw = NULL;
	int err = 0;

	w->loop = loop_new(LOOP_ENTRIES);
	if (!w->loop) {
		err = -errno;
		goto started;
	}
	w->wake_op.fn = on_wake;
	err = loop_read(w->loop, &w->wake_op, w->wake_fd, &w->wake_val, sizeof(w->wake_val));
	if (err)
		goto started;
	if (w->tftp_fd >= 0) {
		tw = tftp_worker_new(w->loop, w->srv, w->tftp_fd);
		if (!tw)
			err = -errno;
	}
	if (!err && w->http_fd >= 0) {
		hw = http_worker_new(w->loop, w->srv, w->http_fd);
		if (!hw)
			err = -errno;
	}
	if (!err && w->idx == 0 && w->srv->dhcp)
		err = dhcp_start(w->srv->dhcp, w->loop);
started:
	pthread_mutex_lock(&w->start_lock);
	w->start_err = err;
	w->started = true;
	pthread_cond_signal(&w->start_cond);
	pthread_mutex_unlock(&w->start_lock);
	if (!err)
		err = loop_run(w->loop);
	if (err)
		pr_err("worker %u: %s", w->idx, strerror(-err));
	loop_free(w->loop);
	tftp_worker_free(tw);
	http_worker_free(hw);
	return NULL;
}

/*
 * Watches the directory of the config file, so that saving the file reloads it as SIGHUP
 * does. The directory, not the file: editors replace a file by renaming a new one over it,
 * and a watch on the old inode would go quiet. Returns the inotify fd, or -1 (no watch: an
 * embedded config, or no inotify), with *@name the file's name within the directory.
 */
static int watch_open(const char *source, char **name)
{
	char *copy, *slash;
	int fd;

	if (!source || source[0] == '<')
		return -1;
	copy = strdup(source);
	if (!copy)
		return -1;
	slash = strrchr(copy, '/');
	*name = strdup(slash ? slash + 1 : copy);
	if (slash)
		*slash = '\0';
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd >= 0 && inotify_add_watch(fd, slash ? (*copy ? copy : "/") : ".",
					 IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) == -1) {
		pr_warn("cannot watch %s for changes (%s); SIGHUP still reloads", source,
			strerror(errno));
		close(fd);
		fd = -1;
	}
	free(copy);
	return fd;
}

/* Drains the watch; true when one of the events was about our file. */
static bool watch_changed(int fd, const char *name)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->len && name && !strcmp(ev->name, name))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

/*
 * A storm is thousands of sockets (HTTP connections, TFTP transfer sockets) and the default
 * soft limit of 1024 descriptors is reached long before memory is: take the hard limit.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		pr_warn("cannot raise the open-file limit to %llu: %s",
			(unsigned long long)rl.rlim_max, strerror(errno));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned worker_count(const struct conf *c)
{
	long n = c->workers ? (long)c->workers : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}

static void reload(struct server *srv, server_load_fn load, void *ctx, const struct conf *old,
		   unsigned *gen_id)
{
	struct server_gen *g, *prev;
	struct conf *c;
	char *errs = NULL;
	size_t errs_len = 0;
	FILE *err = open_memstream(&errs, &errs_len);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!err) {
		pr_err("reload: %s", strerror(errno));
		return;
	}
	c = load(ctx, err);
	fclose(err);
	if (!c) {
		/* One log line per diagnostic, then what happens next. */
		log_lines("reload: ", errs);
		pr_err("reload failed: still serving generation %u from %s", *gen_id, old->source);
		free(errs);
		return;
	}
	free(errs);
	if (c->tftp.port != old->tftp.port || c->listen_addr.s_addr != old->listen_addr.s_addr ||
	    c->tftp.enabled != old->tftp.enabled || c->workers != old->workers ||
	    c->http.port != old->http.port || c->http.enabled != old->http.enabled)
		pr_warn("reload: listener and worker changes take effect at the next restart");
	if (c->dhcp.enabled != old->dhcp.enabled || c->dhcp.mode != old->dhcp.mode ||
	    c->dhcp.port != old->dhcp.port || c->dhcp.nr_subnets != old->dhcp.nr_subnets ||
	    c->dhcp.nr_interfaces != old->dhcp.nr_interfaces)
		pr_warn("reload: DHCP sockets, mode and pools change at the next restart; "
			"options, boot files and nodes change now");
	if (c->log_level != old->log_level)
		log_level = c->log_level;
	g = gen_new(c, *gen_id + 1, gen_current);
	if (!g) {
		pr_err("reload failed: still serving generation %u", *gen_id);
		conf_put(c);
		return;
	}
	pthread_mutex_lock(&gen_lock);
	prev = gen_current;
	gen_current = g;
	pthread_mutex_unlock(&gen_lock);
	(*gen_id)++;
	/* The fast path follows: until its new entries are in, it answers with the old ones. */
	if (srv->dhcp)
		dhcp_reloaded(srv->dhcp, g);
	/* Transfers in flight keep their own reference to the old generation. */
	server_gen_put(prev);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pr_info("reloaded %s in %.1f ms: generation %u, %zu roots, %zu nodes, %zu profiles, %zu "
		"rules", c->source, (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e6, *gen_id, c->nr_roots, c->nr_nodes,
		c->nr_profiles, c->nr_rules);
}

int server_run(struct conf *conf, server_load_fn load, void *ctx)
{
	struct server srv = { 0 };
	struct worker *workers = NULL;
	unsigned nr, started = 0, gen_id = 1;
	int sfd = -1, wfd = -1;
	char *watch_name = NULL;
	bool change_pending = false;
	int64_t settle_at = 0;
	char dhcp_info[256] = "dhcp off";
	sigset_t set;
	int ret = 0, sig;

	log_level = conf->log_level;
	raise_nofile();
	gen_current = gen_new(conf, gen_id, NULL);
	if (!gen_current) {
		conf_put(conf);
		return -EINVAL;
	}
	srv.cache = cache_new(conf->limits.cache_bytes, true);
	if (!srv.cache) {
		ret = -ENOMEM;
		goto out;
	}
	{
		const char *why, *where = cache_backing(srv.cache, &why);

		if (why)
			pr_info("cache: file copies in %s (no private tmpfs with huge pages: %s)", where, why);
		else
			pr_info("cache: file copies in %s", where);
	}

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (conf->dhcp.enabled) {
		srv.dhcp = dhcp_open(&srv, conf);
		if (!srv.dhcp) {
			ret = -EINVAL;
			goto out;
		}
	}
	nr = worker_count(conf);
	workers = calloc(nr, sizeof(*workers));
	if (!workers) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < nr; i++)
		workers[i].wake_fd = workers[i].tftp_fd = workers[i].http_fd = -1;
	for (unsigned i = 0; i < nr; i++) {
		struct worker *w = &workers[i];

		w->idx = i;
		w->srv = &srv;
		w->wake_fd = eventfd(0, EFD_CLOEXEC);
		pthread_mutex_init(&w->start_lock, NULL);
		pthread_cond_init(&w->start_cond, NULL);
		if (w->wake_fd == -1) {
			ret = -errno;
			goto stop;
		}
		if (conf->tftp.enabled) {
			w->tftp_fd = tftp_listen_socket(conf, i == 0);
			if (w->tftp_fd < 0) {
				ret = w->tftp_fd;
				pr_err("tftp: cannot listen on %s:%u: %s", conf->listen,
				       conf->tftp.port, strerror(-ret));
				goto stop;
			}
		}
		if (conf->http.enabled) {
			w->http_fd = http_listen_socket(conf, i == 0);
			if (w->http_fd < 0) {
				ret = w->http_fd;
				pr_err("http: cannot listen on %s:%u: %s", conf->listen,
				       conf->http.port, strerror(-ret));
				goto stop;
			}
		}
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			ret = -EAGAIN;
			goto stop;
		}
		started++;
		pthread_mutex_lock(&w->start_lock);
		while (!w->started)
			pthread_cond_wait(&w->start_cond, &w->start_lock);
		pthread_mutex_unlock(&w->start_lock);
		if (w->start_err) {
			ret = w->start_err;
			pr_err("worker %u failed to start: %s", i, strerror(-ret));
			goto stop;
		}
	}
	if (srv.dhcp)
		dhcp_describe(srv.dhcp, dhcp_info, sizeof(dhcp_info));
	pr_info("ready: %u workers; tftp %s:%u%s; http %s:%u%s; %s; %zu roots; config %s", nr,
		conf->listen, conf->tftp.port, conf->tftp.enabled ? "" : " (disabled)",
		conf->listen, conf->http.port, conf->http.enabled ? "" : " (disabled)",
		dhcp_info, conf->nr_roots, conf->source);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd == -1) {
		ret = -errno;
		pr_err("signalfd: %s", strerror(errno));
		goto stop;
	}
	wfd = watch_open(conf->source, &watch_name);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = wfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int timeout = -1, n;

		if (change_pending) {
			int64_t left = settle_at - now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		n = poll(pfd, wfd >= 0 ? 2 : 1, timeout);
		if (n == -1)
			continue;
		if (change_pending && now_ms() >= settle_at) {
			/*
			 * The file has been quiet for a moment: the editor is done with it. Other
			 * files changing in the same directory do not hold the reload back.
			 */
			change_pending = false;
			/* gen_current's conf: the first one (@conf) is gone after a reload. */
			pr_info("%s changed: reloading configuration",
				gen_current->conf->source);
			reload(&srv, load, ctx, gen_current->conf, &gen_id);
		}
		if (wfd >= 0 && (pfd[1].revents & POLLIN) && watch_changed(wfd, watch_name)) {
			change_pending = true;
			settle_at = now_ms() + RELOAD_SETTLE_MS;
		}
		if (!(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		sig = (int)si.ssi_signo;
		if (sig == SIGHUP) {
			pr_info("SIGHUP: reloading configuration");
			reload(&srv, load, ctx, gen_current->conf, &gen_id);
			continue;
		}
		if (sig == SIGINT || sig == SIGTERM) {
			pr_info("%s: shutting down", strsignal(sig));
			break;
		}
	}
stop:
	if (sfd >= 0)
		close(sfd);
	if (wfd >= 0)
		close(wfd);
	free(watch_name);
	for (unsigned i = 0; i < started; i++) {
		uint64_t one = 1;

		if (write(workers[i].wake_fd, &one, sizeof(one)) == -1)
			pr_err("cannot wake worker %u: %s", i, strerror(errno));
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	for (unsigned i = 0; workers && i < nr; i++) {
		if (workers[i].wake_fd >= 0)
			close(workers[i].wake_fd);
		if (workers[i].tftp_fd >= 0)
			close(workers[i].tftp_fd);
		if (workers[i].http_fd >= 0)
			close(workers[i].http_fd);
	}
	if (!ret) {
		pr_info("stopped: tftp %llu transfers (%llu failed), %llu bytes; http %llu requests, "
			"%llu bytes", (unsigned long long)srv.tftp_transfers,
			(unsigned long long)srv.tftp_errors, (unsigned long long)srv.tftp_bytes,
			(unsigned long long)srv.http_requests, (unsigned long long)srv.http_bytes);
	}
out:
	free(workers);
	dhcp_close(srv.dhcp);
	cache_free(srv.cache);
	server_gen_put(gen_current);
	gen_current = NULL;
	return ret;
}
