// SPDX-License-Identifier: MIT
/*
 * httpload: an HTTP/1.1 load generator for benchmarks. One process (one epoll loop per thread)
 * drives N keep-alive connections that GET files one request at a time, so that the server,
 * not the client, is what gets measured: a client that writes each body to disk, or forks per
 * download, saturates long before a server does on loopback. Every body is compared, as it is
 * read, with a mapping of the file it should be: a wrong byte, a wrong Content-Length, a short
 * body, a stall or a non-200 status fails that request, never turns into a number.
 *
 *   httpload -p PORT (-u URLPATH -e LOCAL | -l LIST) [-a ADDR] [-c CONNS] [-n REQUESTS]
 *            [-d SECONDS] [-T THREADS] [-s STALL_S] [-j]
 *
 * LIST has one "URLPATH LOCALFILE" per line; request k (counted over all connections) gets
 * line k mod the number of lines. -n is the total number of requests (default: one per
 * connection); with -d, connections take new requests until SECONDS have passed instead.
 * All connections are established before the clock starts; then every connection sends its
 * first request at once. Chunked bodies are not supported (a response without Content-Length
 * fails). A connection the server closes (or marks "Connection: close") retires after its
 * response; the requests left go to the others.
 *
 * Prints one line of key=value pairs (or JSON with -j): requests, ok, failed, bytes (bodies
 * verified), wall_s, MBps (10^6 B/s of verified body), rps, p50/p90/p99/max_ms (time from the
 * request's send to its last body byte), cpu_s (this process, user+system). Exits 0 only if
 * every request completed intact; 1 if any failed; 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_CAP        8192            /* response head; anything longer fails */
#define RBUF            (256u << 10)    /* one recv of body, per thread */
#define MAX_CONNS       20000
#define MAX_THREADS     16

struct file {
	char *url;
	const uint8_t *data;
	uint64_t size;
};

enum conn_state {
	CS_IDLE = 0,    /* retired, or between requests */
	CS_HEAD = 1,    /* request sent, reading the response head */
	CS_BODY = 2,
};

struct conn {
	int fd;
	enum conn_state state;
	bool server_close;      /* "Connection: close": retire after this response */
	const struct file *f;
	char head[HEAD_CAP];
	size_t hlen;
	uint64_t off, clen;     /* body bytes verified, Content-Length */
	uint64_t t_req;
};

struct worker {
	pthread_t thread;
	int ep;
	struct conn *conns;
	unsigned nconns, active;
	uint8_t *buf;
	uint64_t *lat;
	size_t nlat, caplat;
	uint64_t bytes, ok, failed;
	uint64_t last_progress;
};

static struct file *files;
static unsigned nfiles;
static const char *host = "127.0.0.1";
static uint64_t total_reqs;             /* 0: until the deadline */
static uint64_t deadline;               /* ns; 0: none */
static uint64_t stall_ns = 30000000000ull;
static atomic_uint_fast64_t next_req;
static pthread_barrier_t start_barrier;
static unsigned nfail_msgs;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void retire(struct worker *w, struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->state = CS_IDLE;
	w->active--;
}

/* Fails the request in flight on @c (its connection is closed: its stream is lost). */
static void fail(struct worker *w, struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct worker *w, struct conn *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&msg_lock);
	if (nfail_msgs++ < 5) {
		fprintf(stderr, "httpload: GET %s: ", c->f ? c->f->url : "?");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&msg_lock);
	w->failed++;
	retire(w, c);
}

/* No more work for @c. Bytes already waiting past the last response are an error (best
 * effort: bytes still in flight are not waited for). */
static void finish(struct worker *w, struct conn *c)
{
	char b;

	if (recv(c->fd, &b, 1, MSG_DONTWAIT) > 0) {
		if (w->ok)
			w->ok--;     /* the response before counts as failed */
		fail(w, c, "bytes after the response's body");
		return;
	}
	retire(w, c);
}

/* Sends the next request on @c, or retires it when there is no more work. */
static void next_request(struct worker *w, struct conn *c)
{
	char req[1024];
	uint64_t k;
	int len;

	if (deadline && now_ns() >= deadline) {
		finish(w, c);
		return;
	}
	k = atomic_fetch_add(&next_req, 1);
	if (total_reqs && k >= total_reqs) {
		finish(w, c);
		return;
	}
	c->f = &files[k % nfiles];
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: httpload\r\n\r\n",
		       c->f->url, host);
	c->state = CS_HEAD;
	c->hlen = 0;
	c->off = 0;
	c->t_req = now_ns();
	/* No pipelining: the send buffer is empty, a request this small goes out whole. */
	if (send(c->fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		fail(w, c, "request not sent whole: %s", strerror(errno));
}

static void request_done(struct worker *w, struct conn *c)
{
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? w->caplat * 2 : 4096;
		w->lat = realloc(w->lat, w->caplat * sizeof(*w->lat));
		if (!w->lat) {
			perror("realloc");
			exit(2);
		}
	}
	w->lat[w->nlat++] = now_ns() - c->t_req;
	w->ok++;
	if (c->server_close)
		retire(w, c);
	else
		next_request(w, c);
}

/* Checks @n body bytes at @p against the expected file; false when the request failed. */
static bool check_body(struct worker *w, struct conn *c, const uint8_t *p, uint64_t n)
{
	if (n > c->clen - c->off) {
		fail(w, c, "%llu bytes past the body's end", (unsigned long long)(n - (c->clen - c->off)));
		return false;
	}
	if (memcmp(p, c->f->data + c->off, n)) {
		uint64_t i = 0;

		while (p[i] == c->f->data[c->off + i])
			i++;
		fail(w, c, "body byte %llu differs from the file (0x%02x, expected 0x%02x)",
		     (unsigned long long)(c->off + i), p[i], c->f->data[c->off + i]);
		return false;
	}
	c->off += n;
	w->bytes += n;
	return true;
}

/* Parses a complete head in c->head[0, end); false when the request failed. */
static bool parse_head(struct worker *w, struct conn *c, size_t end)
{
	const char *p = c->head, *e = c->head + end, *nl;
	bool have_len = false;
	unsigned status = 0;

	if (sscanf(p, "HTTP/1.%*1[01] %3u", &status) != 1 || status != 200) {
		fail(w, c, "status line \"%.*s\"", (int)strcspn(p, "\r\n"), p);
		return false;
	}
	c->server_close = false;
	for (p = strstr(p, "\r\n") + 2; p < e - 2; p = nl + 2) {
		nl = memmem(p, (size_t)(e - p), "\r\n", 2);
		if (!strncasecmp(p, "Content-Length:", 15)) {
			char *q;

			c->clen = strtoull(p + 15, &q, 10);
			have_len = q > p + 15;
		} else if (!strncasecmp(p, "Connection:", 11)) {
			const char *v = p + 11;

			while (*v == ' ' || *v == '\t')
				v++;
			c->server_close = !strncasecmp(v, "close", 5);
		} else if (!strncasecmp(p, "Transfer-Encoding:", 18)) {
			fail(w, c, "Transfer-Encoding is not supported");
			return false;
		}
	}
	if (!have_len) {
		fail(w, c, "no Content-Length");
		return false;
	}
	if (c->clen != c->f->size) {
		fail(w, c, "Content-Length %llu, the file has %llu bytes",
		     (unsigned long long)c->clen, (unsigned long long)c->f->size);
		return false;
	}
	return true;
}

static void on_readable(struct worker *w, struct conn *c)
{
	ssize_t n;

	if (c->state == CS_HEAD) {
		char *end;

		n = recv(c->fd, c->head + c->hlen, HEAD_CAP - 1 - c->hlen, 0);
		if (n <= 0)
			goto closed;
		c->hlen += (size_t)n;
		c->head[c->hlen] = '\0';
		end = memmem(c->head, c->hlen, "\r\n\r\n", 4);
		if (!end) {
			if (c->hlen == HEAD_CAP - 1)
				fail(w, c, "response head over %u bytes", HEAD_CAP);
			return;
		}
		end += 4;
		if (!parse_head(w, c, (size_t)(end - c->head)))
			return;
		c->state = CS_BODY;
		w->last_progress = now_ns();
		if (!check_body(w, c, (const uint8_t *)end, (uint64_t)(c->head + c->hlen - end)))
			return;
	} else if (c->state == CS_BODY) {
		uint64_t want = c->clen - c->off;

		/* Never past the body: a byte the server sends beyond it shows up as a bad head. */
		n = recv(c->fd, w->buf, want < RBUF ? want : RBUF, 0);
		if (n <= 0)
			goto closed;
		w->last_progress = now_ns();
		if (!check_body(w, c, w->buf, (uint64_t)n))
			return;
	} else {
		/* Between requests nothing may arrive but the server's close. */
		char b;

		n = recv(c->fd, &b, 1, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			retire(w, c);
		else if (n > 0)
			fail(w, c, "bytes after the response");
		return;
	}
	if (c->off == c->clen)
		request_done(w, c);
	return;
closed:
	if (n < 0 && errno == EAGAIN)
		return;
	fail(w, c, "connection %s after %llu of %llu body bytes (%s)",
	     n == 0 ? "closed by the server" : "error", (unsigned long long)c->off,
	     (unsigned long long)(c->state == CS_BODY ? c->clen : 0),
	     c->state == CS_BODY ? "in the body" : "in the head");
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[512];

	pthread_barrier_wait(&start_barrier);
	w->last_progress = now_ns();
	for (unsigned i = 0; i < w->nconns; i++)
		next_request(w, &w->conns[i]);
	while (w->active) {
		int n = epoll_wait(w->ep, evs, 512, 100);

		for (int e = 0; e < n; e++) {
			struct conn *c = evs[e].data.ptr;

			if (c->fd >= 0)
				on_readable(w, c);
		}
		if (n <= 0 && now_ns() - w->last_progress > stall_ns) {
			for (unsigned i = 0; i < w->nconns; i++) {
				struct conn *c = &w->conns[i];

				if (c->fd >= 0 && c->state != CS_IDLE)
					fail(w, c, "stalled: nothing for %.0f s, %llu of %llu body bytes",
					     stall_ns / 1e9, (unsigned long long)c->off,
					     (unsigned long long)c->clen);
				else if (c->fd >= 0)
					retire(w, c);
			}
		}
	}
	return NULL;
}

/*
 * The expected bytes, read into memory of our own: not a map of the file, whose page-cache
 * pages a server sending the same file by sendfile hands to the socket. Compared against those
 * very pages, a body would be checked from a warm cache for such a server only (nginx), and
 * from cold memory for one that sends from a copy of its own (bootherd's content cache).
 */
static int map_file(struct file *f, const char *local)
{
	struct stat st;
	int fd = open(local, O_RDONLY | O_CLOEXEC);
	uint8_t *buf;
	uint64_t got = 0;

	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(local);
		return -1;
	}
	f->size = (uint64_t)st.st_size;
	f->data = (const uint8_t *)"";
	if (!f->size) {
		close(fd);
		return 0;
	}
	buf = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		close(fd);
		return -1;
	}
	while (got < f->size) {
		ssize_t n = read(fd, buf + got, f->size - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: %s\n", local, n ? strerror(errno) : "shorter than its size");
			close(fd);
			return -1;
		}
		got += (uint64_t)n;
	}
	close(fd);
	f->data = buf;
	return 0;
}

static int load_list(const char *path)
{
	FILE *fp = fopen(path, "r");
	char url[2048], local[4096];
	unsigned cap = 0;

	if (!fp) {
		perror(path);
		return -1;
	}
	while (fscanf(fp, "%2047s %4095s", url, local) == 2) {
		if (nfiles == cap) {
			cap = cap ? cap * 2 : 64;
			files = realloc(files, cap * sizeof(*files));
			if (!files)
				return -1;
		}
		files[nfiles].url = strdup(url);
		if (map_file(&files[nfiles], local))
			return -1;
		nfiles++;
	}
	fclose(fp);
	return nfiles ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpload -p PORT (-u URLPATH -e LOCAL | -l LIST) [-a ADDR] "
			"[-c CONNS] [-n REQUESTS] [-d SECONDS] [-T THREADS] [-s STALL_S] [-j]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *local = NULL, *list = NULL;
	unsigned nconns = 1, nthreads = 1, port = 0, connected = 0;
	double secs = 0;
	bool json = false;
	struct worker *ws;
	struct conn *conns;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct rusage ru;
	uint64_t t0, t1, bytes = 0, ok = 0, failed = 0, *lat, nlat = 0;
	int opt, ep;

	while ((opt = getopt(argc, argv, "a:p:u:e:l:c:n:d:T:s:j")) != -1) {
		switch (opt) {
		case 'a': host = optarg; break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'u': url = optarg; break;
		case 'e': local = optarg; break;
		case 'l': list = optarg; break;
		case 'c': nconns = (unsigned)atoi(optarg); break;
		case 'n': total_reqs = strtoull(optarg, NULL, 10); break;
		case 'd': secs = atof(optarg); break;
		case 'T': nthreads = (unsigned)atoi(optarg); break;
		case 's': stall_ns = (uint64_t)(atof(optarg) * 1e9); break;
		case 'j': json = true; break;
		default: usage();
		}
	}
	if (!port || !nconns || nconns > MAX_CONNS || !nthreads || nthreads > MAX_THREADS ||
	    !!list == !!(url && local) || inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		usage();
	sin.sin_port = htons(port);
	if (nthreads > nconns)
		nthreads = nconns;
	if (list) {
		if (load_list(list))
			return 2;
	} else {
		files = calloc(1, sizeof(*files));
		files[0].url = (char *)url;
		if (map_file(&files[0], local))
			return 2;
		nfiles = 1;
	}
	if (!total_reqs && secs <= 0)
		total_reqs = nconns;

	/* Every connection is up before the clock starts. */
	conns = calloc(nconns, sizeof(*conns));
	ws = calloc(nthreads, sizeof(*ws));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || !ws || ep == -1)
		return 2;
	for (unsigned i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
		int one = 1;

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1) {
			perror("socket");
			return 2;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 && errno != EINPROGRESS) {
			perror("connect");
			return 2;
		}
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	for (uint64_t end = now_ns() + 10000000000ull; connected < nconns;) {
		struct epoll_event evs[512];
		int n = epoll_wait(ep, evs, 512, 100);

		for (int e = 0; e < n; e++) {
			struct conn *c = evs[e].data.ptr;
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				fprintf(stderr, "httpload: connect: %s\n", strerror(err));
				return 2;
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			connected++;
		}
		if (now_ns() > end) {
			fprintf(stderr, "httpload: %u of %u connections up after 10 s\n", connected,
				nconns);
			return 2;
		}
	}
	close(ep);
	for (unsigned t = 0; t < nthreads; t++) {
		struct worker *w = &ws[t];
		unsigned first = (unsigned)((uint64_t)nconns * t / nthreads);

		w->conns = conns + first;
		w->nconns = w->active = (unsigned)((uint64_t)nconns * (t + 1) / nthreads) - first;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		w->buf = malloc(RBUF);
		if (w->ep == -1 || !w->buf)
			return 2;
		for (unsigned i = 0; i < w->nconns; i++) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &w->conns[i] };

			epoll_ctl(w->ep, EPOLL_CTL_ADD, w->conns[i].fd, &ev);
		}
	}
	pthread_barrier_init(&start_barrier, NULL, nthreads);
	for (unsigned t = 1; t < nthreads; t++)
		if (pthread_create(&ws[t].thread, NULL, worker_main, &ws[t])) {
			perror("pthread_create");
			return 2;
		}
	t0 = now_ns();
	if (secs > 0)
		deadline = t0 + (uint64_t)(secs * 1e9);
	worker_main(&ws[0]);
	for (unsigned t = 1; t < nthreads; t++)
		pthread_join(ws[t].thread, NULL);
	t1 = now_ns();

	for (unsigned t = 0; t < nthreads; t++) {
		bytes += ws[t].bytes;
		ok += ws[t].ok;
		failed += ws[t].failed;
		nlat += ws[t].nlat;
	}
	/* Requests the retired connections left undone (-n) count as failed. */
	if (total_reqs && ok + failed < total_reqs) {
		fprintf(stderr, "httpload: %llu requests never sent: every connection was closed\n",
			(unsigned long long)(total_reqs - ok - failed));
		failed = total_reqs - ok;
	}
	lat = malloc((nlat + 1) * sizeof(*lat));
	nlat = 0;
	for (unsigned t = 0; t < nthreads; t++) {
		memcpy(lat + nlat, ws[t].lat, ws[t].nlat * sizeof(*lat));
		nlat += ws[t].nlat;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	getrusage(RUSAGE_SELF, &ru);
	{
		double wall = (t1 - t0) / 1e9;
		double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
#define PCT(q) (nlat ? lat[(uint64_t)((nlat - 1) * (q))] / 1e6 : 0)
		const char *f = json
			? "{\"conns\":%u,\"threads\":%u,\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,"
			  "\"bytes\":%llu,\"wall_s\":%.6f,\"MBps\":%.1f,\"rps\":%.1f,\"p50_ms\":%.3f,"
			  "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cpu_s\":%.3f}\n"
			: "conns=%u threads=%u requests=%llu ok=%llu failed=%llu bytes=%llu wall_s=%.6f "
			  "MBps=%.1f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f cpu_s=%.3f\n";

		printf(f, nconns, nthreads, (unsigned long long)(ok + failed), (unsigned long long)ok,
		       (unsigned long long)failed, (unsigned long long)bytes, wall, bytes / wall / 1e6,
		       ok / wall, PCT(0.5), PCT(0.9), PCT(0.99), PCT(1.0), cpu);
	}
	return failed || !ok ? 1 : 0;
}
