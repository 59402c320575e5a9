// SPDX-License-Identifier: MIT
/*
 * HTTP/1.1 on the io_uring loop: GET and HEAD of boot files, keep-alive and pipelining,
 * conditional requests, single and multiple ranges.
 *
 * A response is a head plus a list of body segments, each either bytes in memory (a part
 * header, a generated body) or a range of a cached file. One send path walks the list, so a
 * plain file, a range, a multipart/byteranges body and a /metrics page all go out the same
 * way. A file range leaves by one of three means, chosen per response from its size:
 *   copy      sendmsg with iovecs pointing into the cache's mapping (one copy, in the kernel)
 *   zerocopy  IORING_OP_SEND_ZC from the mapping; the entry stays referenced until the
 *             kernel's notification says the pages are no longer in use
 *   splice    cache copy -> pipe -> socket, the pages moved by reference
 * bench/README.md has the measurements behind the choice made for `http.send: auto`.
 *
 * Requests are parsed in place in the connection's buffer; after a response the head is
 * shifted out and anything pipelined behind it is parsed at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/sock.h"
#include "proto/http_wire.h"
#include "svc/bootgen.h"
#include "svc/dhcp.h"
#include "svc/http.h"
#include "svc/server.h"
#include "xdp/xdp.h"

#define HEAD_MAX        1024u           /* response head */
#define MAX_RANGES      16u             /* more than this in one Range: send the whole file */
#define MAX_IOV         64u
#define COPY_CHUNK      (4u << 20)      /* bytes per sendmsg */
#define ZC_CHUNK        (1u << 20)      /* bytes per SEND_ZC */
#define PIPE_SIZE       (1u << 20)
#define SENDFILE_TURN   (16u << 20)     /* bytes one connection may send before others run */
#define LOG_TARGET_MAX  200u
#define LISTEN_BACKLOG  4096
/*
 * http.send: auto. Below this a body goes by copy, in one sendmsg with its head; from it up,
 * by sendfile, which moved 64 MiB bodies at the throughput of splice for about two thirds of
 * its server CPU, and well ahead of copy and SEND_ZC (which copies anyway on loopback and
 * veth). The figures are in bench/README.md.
 */
#define AUTO_SENDFILE_MIN (64u << 10)
/*
 * http.active_sends: only bodies this large wait for an active slot (kernels and initrds; boot
 * programs, configs and scripts never wait). A waiting body gets WAIT_SLICE bytes at once and
 * again every WAIT_MS: UEFI HTTP boot gives up on a receive that brings nothing for a few
 * seconds, so no waiting connection is ever silent that long.
 */
#define SCHED_MIN_BYTES (1u << 20)
#define WAIT_SLICE      (64u << 10)
#define WAIT_MS         500u
#define HOLD_MS         200u    /* a keep-alive connection's slot waits this long for its next */

enum conn_state {
	CS_READ = 0,    /* waiting for (the rest of) a request head */
	CS_SEND = 1,    /* sending a response */
	CS_LINGER = 2,  /* response sent, write side shut: discarding input before close */
};

/* How long a closing connection may take to stop sending before it is cut. */
#define LINGER_MS       2000u

/* A piece of a response body: memory, or a range of the response's cache entry. */
struct seg {
	const uint8_t *mem;     /* NULL: file range [off, off + len) of conn->ce */
	uint64_t off;
	uint64_t len;
};

struct http_worker;

struct conn {
	struct http_worker *hw;
	struct conn *lprev, *lnext;
	int fd;
	enum conn_state state;
	bool closing;
	bool keep_alive;
	bool recv_armed;
	bool send_armed;
	bool splice_armed;
	bool in_cb;
	unsigned zc_notifs;     /* SEND_ZC notifications still to come */
	bool wait_notifs;       /* response sent; the next waits for the notifications */
	struct loop_op recv_op;
	struct loop_op send_op;
	struct loop_op splice_op;
	struct loop_timer timer;
	struct sockaddr_in peer;
	/* request */
	char *rbuf;
	size_t rcap, rlen;
	size_t req_len;         /* head length of the request being answered */
	bool head_started;      /* some bytes of a head have arrived: header timeout armed */
	uint64_t t_start;
	char log_req[LOG_TARGET_MAX + 32];
	unsigned status;
	/* response */
	char head[HEAD_MAX];
	size_t head_len, head_sent;
	struct seg *segs;
	unsigned nsegs, seg_idx;
	uint64_t seg_sent;      /* of segs[seg_idx] */
	uint64_t body_bytes, sent_bytes;
	int mode;               /* enum conf_http_send for this response's file segments */
	struct server_gen *gen;
	struct cache_entry *ce;
	char *owned;            /* generated body or multipart heads, freed with the response */
	struct iovec iov[MAX_IOV];
	struct msghdr msg;
	int pipe_r, pipe_w;
	uint32_t pipe_fill;
	bool splice_to_sock;    /* the splice in flight empties the pipe into the socket */
	bool splice_polling;    /* splice_op is a POLLOUT wait on the socket */
	bool send_polling;      /* send_op is a POLLOUT wait before the next sendfile */
	/*
	 * Under TCP memory pressure (tcp_mem, shared by every socket of the host) poll() says a
	 * socket has room while the kernel refuses to queue a byte: a POLLOUT wait ends at once,
	 * the send gets EAGAIN, and so on, a worker spinning. After such a refusal the next try
	 * comes from this timer instead, 1, 2, 4 ... 64 ms later, until a send moves bytes.
	 */
	struct loop_timer retry;
	uint8_t backoff;
	bool after_pollout;     /* this send follows a POLLOUT that said the socket had room */
	/* http.active_sends: a large body is active (full speed) or waiting (a slice at a time) */
	uint64_t t_accept;      /* the waiting order: a node's next file goes before newcomers */
	bool sched;             /* this response's body holds a slot or waits for one */
	bool active;
	bool parked;            /* waiting, its slice used up: c->timer brings the next */
	uint64_t allow;         /* file bytes a waiting body may still send in this slice */
	bool holding;           /* between requests, still holding its slot (HOLD_MS) */
	struct conn *qprev, *qnext;
};

struct http_worker {
	struct loop *loop;
	struct server *srv;
	int listen_fd;
	struct loop_op accept_op;
	struct conn *conns;
	bool stopping;
	struct conn *qhead, *qtail;     /* waiting bodies, by t_accept */
};

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void conn_send_next(struct conn *c);
static void conn_continue(struct conn *c);
static void arm_timer(struct conn *c, uint32_t ms);
static void sched_leave(struct conn *c);
static void sched_release_hold(struct conn *c);
static bool all_sent(const struct conn *c);

static int metrics_handler(const struct http_route_req *req, struct http_body *out);

/* Generated endpoints; later issues add theirs here. Static files are the fallback. */
static const struct http_route routes[] = {
	{ "/metrics", metrics_handler },
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct conf *conf_of(const struct conn *c)
{
	return c->gen->conf;
}

static void release_response(struct conn *c)
{
	sched_leave(c);
	free(c->owned);
	c->owned = NULL;
	free(c->segs);
	c->segs = NULL;
	c->nsegs = c->seg_idx = 0;
	c->seg_sent = 0;
	c->head_len = c->head_sent = 0;
	c->body_bytes = c->sent_bytes = 0;
	/* The kernel may still read the mapping until every SEND_ZC notification is in. */
	if (c->ce && !c->zc_notifs) {
		cache_put(c->hw->srv->cache, c->ce);
		c->ce = NULL;
	}
}

static void conn_free(struct conn *c)
{
	struct http_worker *hw = c->hw;

	if (c->lprev)
		c->lprev->lnext = c->lnext;
	else
		hw->conns = c->lnext;
	if (c->lnext)
		c->lnext->lprev = c->lprev;
	release_response(c);
	if (c->ce)
		cache_put(hw->srv->cache, c->ce);
	if (c->gen)
		server_gen_put(c->gen);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pipe_r >= 0) {
		close(c->pipe_r);
		close(c->pipe_w);
	}
	atomic_fetch_sub(&hw->srv->http_conns, 1);
	free(c->rbuf);
	free(c);
}

static void conn_maybe_free(struct conn *c)
{
	if (c->closing && !c->recv_armed && !c->send_armed && !c->splice_armed && !c->zc_notifs &&
	    !c->in_cb)
		conn_free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	loop_timer_cancel(c->hw->loop, &c->timer);
	loop_timer_cancel(c->hw->loop, &c->retry);
	/* Wakes any pending operation with an error; their completions then free the conn. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	if (c->recv_armed)
		loop_cancel(c->hw->loop, NULL, &c->recv_op);
	if (c->send_armed)
		loop_cancel(c->hw->loop, NULL, &c->send_op);
	if (c->splice_armed)
		loop_cancel(c->hw->loop, NULL, &c->splice_op);
	conn_maybe_free(c);
}

static void arm_timer(struct conn *c, uint32_t ms)
{
	loop_timer_arm(c->hw->loop, &c->timer, ms);
}

#define RETRY_MAX_SHIFT 6       /* 64 ms */

/*
 * A send that moved nothing: if POLLOUT had just said there was room, the kernel is short of
 * TCP memory; wait on the retry timer rather than on POLLOUT (true), else POLLOUT it is (false).
 */
static bool refused_after_pollout(struct conn *c)
{
	if (!c->after_pollout)
		return false;
	c->after_pollout = false;
	loop_timer_arm(c->hw->loop, &c->retry, 1u << c->backoff);
	if (c->backoff < RETRY_MAX_SHIFT)
		c->backoff++;
	return true;
}

static void on_retry(struct loop *loop, struct loop_timer *t)
{
	struct conn *c = container_of(t, struct conn, retry);

	if (!c->closing)
		conn_continue(c);
}

/*
 * http.active_sends (0: off, the default). In a boot storm every node asks for the same large
 * files at once; sent all together they share the link and every node finishes at the very
 * end. Sent N at a time at full speed, nodes finish in waves: the median node is up much
 * sooner, the last one somewhat later (the last wave is thinner than the link). The others
 * wait in t_accept order (first come; a kept-alive connection keeps its slot HOLD_MS for its
 * next file, so a node's initrd follows its kernel in the same wave), a slice at a time so
 * that no firmware sees a silent connection. Slots are counted server-wide.
 */
static unsigned sched_limit(const struct conn *c)
{
	return conf_of(c)->http.active_sends;
}

/* The slots are the server's, not a worker's: connections fall on workers unevenly. */
static bool slot_take(struct server *srv, unsigned lim)
{
	if (atomic_fetch_add(&srv->http_active, 1) < lim)
		return true;
	atomic_fetch_sub(&srv->http_active, 1);
	return false;
}

static void slot_put(struct server *srv)
{
	atomic_fetch_sub(&srv->http_active, 1);
}

static void queue_del(struct conn *c)
{
	struct http_worker *hw = c->hw;

	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		hw->qhead = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		hw->qtail = c->qprev;
	c->qprev = c->qnext = NULL;
}

static void queue_add(struct conn *c)
{
	struct http_worker *hw = c->hw;
	struct conn *after = hw->qtail;

	while (after && after->t_accept > c->t_accept)
		after = after->qprev;
	c->qprev = after;
	c->qnext = after ? after->qnext : hw->qhead;
	if (c->qnext)
		c->qnext->qprev = c;
	else
		hw->qtail = c;
	if (after)
		after->qnext = c;
	else
		hw->qhead = c;
}

/*
 * Gives free slots to this worker's first waiting bodies; a parked one resumes at once. A slot
 * freed on another worker is found by a waiting body's next slice (WAIT_MS). The limit is the
 * first waiter's: a waiting body is in mid-response, so it always has its generation.
 */
static void sched_promote(struct http_worker *hw)
{
	if (hw->stopping)
		return;         /* http_worker_free(): every connection goes */
	while (hw->qhead && slot_take(hw->srv, sched_limit(hw->qhead))) {
		struct conn *d = hw->qhead;

		queue_del(d);
		d->active = true;
		if (d->parked && !d->closing) {
			d->parked = false;
			arm_timer(d, conf_of(d)->http.send_timeout_ms);
			conn_continue(d);
		}
	}
}

/* A response whose body is large takes a slot, or waits for one. */
static void sched_enter(struct conn *c)
{
	struct http_worker *hw = c->hw;
	unsigned lim = sched_limit(c);

	if (c->holding && lim && c->body_bytes >= SCHED_MIN_BYTES) {
		c->holding = false;     /* the slot it held */
		c->sched = true;
		c->active = true;
		return;
	}
	sched_release_hold(c);
	if (!lim || c->body_bytes < SCHED_MIN_BYTES)
		return;
	c->sched = true;
	if (!hw->qhead && slot_take(hw->srv, lim)) {
		c->active = true;
		return;
	}
	c->active = false;
	c->parked = false;
	c->allow = WAIT_SLICE;
	queue_add(c);
	atomic_fetch_add(&hw->srv->http_queued, 1);
}

static void sched_release_hold(struct conn *c)
{
	if (!c->holding)
		return;
	c->holding = false;
	slot_put(c->hw->srv);
	sched_promote(c->hw);
}

/*
 * The response is over (sent, or the connection is going): its slot goes to the next, unless
 * the connection stays open: a node asks for its next file (the initrd after the kernel) on
 * it at once, and a node that keeps its slot from file to file finishes in the same wave as
 * the others that started with it.
 */
static void sched_leave(struct conn *c)
{
	struct http_worker *hw = c->hw;

	sched_release_hold(c);
	if (!c->sched)
		return;
	c->sched = false;
	c->parked = false;
	if (!c->active) {
		queue_del(c);
		return;
	}
	c->active = false;
	if (c->keep_alive && !c->closing) {
		c->holding = true;
		return;
	}
	slot_put(hw->srv);
	sched_promote(hw);
}

/* File bytes this response may send now: all while active, else what its slice has left. */
static uint64_t sched_cap(const struct conn *c)
{
	return c->sched && !c->active ? c->allow : UINT64_MAX;
}

static void sched_charge(struct conn *c, uint64_t n)
{
	if (c->sched && !c->active)
		c->allow -= n < c->allow ? n : c->allow;
}

/* @len file bytes clipped to what may go now, and charged: for sends queued whole. */
static uint64_t sched_take(struct conn *c, uint64_t len)
{
	uint64_t cap = sched_cap(c);

	if (len > cap)
		len = cap;
	sched_charge(c, len);
	return len;
}

/* Waiting with its slice used up: nothing goes until the timer (on_timer) or a slot. */
static bool sched_park(struct conn *c)
{
	if (!c->sched || c->active || c->allow || all_sent(c))
		return false;
	c->parked = true;
	arm_timer(c, WAIT_MS);
	return true;
}

static void log_access(struct conn *c)
{
	char a[INET_ADDRSTRLEN];
	double ms = (now_ns() - c->t_start) / 1e6;

	inet_ntop(AF_INET, &c->peer.sin_addr, a, sizeof(a));
	pr_info("http: %s:%u \"%s\" %u %llu bytes in %.3f ms", a, ntohs(c->peer.sin_port),
		c->log_req, c->status, (unsigned long long)c->sent_bytes, ms);
}

static void arm_recv(struct conn *c)
{
	if (c->closing || c->recv_armed)
		return;
	if (loop_recv(c->hw->loop, &c->recv_op, c->fd, c->rbuf + c->rlen, c->rcap - c->rlen)) {
		conn_close(c);
		return;
	}
	c->recv_armed = true;
}

static void response_next(struct conn *c);

/*
 * Closing with unread input makes the kernel answer with a RST, which can destroy the
 * response before the client reads it (a 413 to a client still sending its body). So shut
 * the write side, read and discard until the client closes, and only then close.
 */
static void conn_linger(struct conn *c)
{
	c->state = CS_LINGER;
	if (shutdown(c->fd, SHUT_WR) == -1) {
		conn_close(c);
		return;
	}
	c->rlen = 0;
	arm_timer(c, LINGER_MS);
	arm_recv(c);
}

/* The response is out: log it, then go on to the next request once the kernel is done. */
static void response_done(struct conn *c)
{
	log_access(c);
	atomic_fetch_add(&c->hw->srv->http_requests, 1);
	atomic_fetch_add(&c->hw->srv->http_bytes, c->sent_bytes);
	/*
	 * SEND_ZC notifications still to come: the pages (and so the cache entry) are in use
	 * until then, and the next response must not take the entry's place yet.
	 */
	if (c->zc_notifs) {
		c->wait_notifs = true;
		return;
	}
	response_next(c);
}

/* Reads or parses the next request, or closes. */
static void response_next(struct conn *c)
{
	release_response(c);
	if (c->gen) {
		server_gen_put(c->gen);
		c->gen = NULL;
	}
	if (!c->keep_alive) {
		conn_linger(c);
		return;
	}
	memmove(c->rbuf, c->rbuf + c->req_len, c->rlen - c->req_len);
	c->rlen -= c->req_len;
	c->req_len = 0;
	c->state = CS_READ;
	c->head_started = false;
	conn_process(c);
}

/* Counts @n bytes as sent, across the head and the segments. */
static void advance(struct conn *c, uint64_t n)
{
	uint64_t h = c->head_len - c->head_sent;

	/* Bytes went out: no refused send to back off from. */
	c->backoff = 0;
	c->after_pollout = false;

	if (h) {
		h = n < h ? n : h;
		c->head_sent += h;
		n -= h;
	}
	c->sent_bytes += n;
	while (n && c->seg_idx < c->nsegs) {
		struct seg *s = &c->segs[c->seg_idx];
		uint64_t left = s->len - c->seg_sent;

		if (n < left) {
			c->seg_sent += n;
			return;
		}
		n -= left;
		c->seg_idx++;
		c->seg_sent = 0;
	}
}

static bool all_sent(const struct conn *c)
{
	return c->head_sent == c->head_len && c->seg_idx == c->nsegs;
}

/*
 * After progress on the response: finish it or send the next piece. The connection is guarded
 * while that runs (it may close itself) and freed here if it did.
 */
static void conn_continue(struct conn *c)
{
	c->in_cb = true;
	if (all_sent(c))
		response_done(c);
	else
		conn_send_next(c);
	c->in_cb = false;
	conn_maybe_free(c);
}

static void on_send(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct conn *c = container_of(op, struct conn, send_op);

	if (flags & IORING_CQE_F_NOTIF) {
		/* The kernel is done with a SEND_ZC buffer. */
		c->zc_notifs--;
		if (!c->zc_notifs && c->wait_notifs && !c->closing) {
			c->wait_notifs = false;
			c->in_cb = true;
			response_next(c);
			c->in_cb = false;
		}
		conn_maybe_free(c);
		return;
	}
	if (flags & IORING_CQE_F_MORE)
		c->zc_notifs++;
	c->send_armed = false;
	if (c->closing) {
		conn_maybe_free(c);
		return;
	}
	if (c->send_polling) {
		/* POLLOUT (or an error, which the next sendfile reports): go on sending. */
		c->send_polling = false;
		c->after_pollout = res > 0;
		conn_continue(c);
		return;
	}
	if (res <= 0) {
		pr_debug("http: send: %s", res ? strerror(-res) : "nothing sent");
		conn_close(c);
		return;
	}
	advance(c, (uint64_t)res);
	arm_timer(c, conf_of(c)->http.send_timeout_ms);
	conn_continue(c);
}

static void on_splice(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct conn *c = container_of(op, struct conn, splice_op);

	c->splice_armed = false;
	if (c->closing) {
		conn_maybe_free(c);
		return;
	}
	if (c->splice_polling) {
		/* The socket has room again: splice on. */
		c->splice_polling = false;
		c->after_pollout = res > 0;
		conn_continue(c);
		return;
	}
	if (res == -EAGAIN && c->splice_to_sock) {
		/*
		 * io_uring does not poll-retry a splice: with the socket's buffer full it says
		 * EAGAIN, so wait for POLLOUT here rather than park a worker thread in splice.
		 */
		if (refused_after_pollout(c))
			return;
		if (loop_poll(loop, &c->splice_op, c->fd, POLLOUT)) {
			conn_close(c);
			return;
		}
		c->splice_armed = true;
		c->splice_polling = true;
		return;
	}
	if (res <= 0) {
		pr_debug("http: splice: %s", res ? strerror(-res) : "nothing moved");
		conn_close(c);
		return;
	}
	if (c->splice_to_sock) {
		c->pipe_fill -= (uint32_t)res;
		advance(c, (uint64_t)res);
		arm_timer(c, conf_of(c)->http.send_timeout_ms);
	} else {
		/* The pipe is filled: nothing is sent yet, so the response cannot be done. */
		c->pipe_fill += (uint32_t)res;
	}
	conn_continue(c);
}

static int ensure_pipe(struct conn *c)
{
	int p[2];

	if (c->pipe_r >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -errno;
	/* A larger pipe moves more per splice; the default 64 KiB is also fine if refused. */
	fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
	c->pipe_r = p[0];
	c->pipe_w = p[1];
	return 0;
}

/* Sends the next piece of the response by the means its mode and segment call for. */
static void conn_send_next(struct conn *c)
{
	struct loop *loop = c->hw->loop;
	struct seg *s = c->seg_idx < c->nsegs ? &c->segs[c->seg_idx] : NULL;
	bool file = s && !s->mem && c->head_sent == c->head_len;
	uint64_t total = 0;
	unsigned n = 0;
	bool more;
	int ret;

	if (c->send_armed || c->splice_armed || c->closing || c->parked)
		return;
	if (file && sched_park(c))
		return;
	if (file && c->mode == CONF_HTTP_SEND_SENDFILE) {
		/*
		 * sendfile(2) on the non-blocking socket moves what fits in its buffer, by page
		 * reference: no copy and no pipe. When the buffer is full (or after one chunk, so a
		 * fast reader cannot hog the worker), a POLLOUT through the ring brings us back.
		 */
		uint64_t turn = 0;
		bool refused = false;

		while (c->seg_idx < c->nsegs && !c->segs[c->seg_idx].mem && turn < SENDFILE_TURN) {
			struct seg *g = &c->segs[c->seg_idx];
			uint64_t len = g->len - c->seg_sent, cap = sched_cap(c);
			off_t off = (off_t)(g->off + c->seg_sent);
			ssize_t sent;

			if (len > COPY_CHUNK)
				len = COPY_CHUNK;
			if (len > cap)
				len = cap;
			if (!len)
				break;  /* a waiting body's slice is out */
			sent = sendfile(c->fd, c->ce->fd, &off, len);
			if (sent == -1 && errno != EAGAIN) {
				pr_debug("http: sendfile: %s", strerror(errno));
				conn_close(c);
				return;
			}
			if (sent <= 0) {
				refused = sent == -1;
				break;
			}
			advance(c, (uint64_t)sent);
			sched_charge(c, (uint64_t)sent);
			turn += (uint64_t)sent;
			if ((uint64_t)sent < len)
				break;  /* the socket buffer is full */
		}
		if (turn)
			arm_timer(c, conf_of(c)->http.send_timeout_ms);
		else if (refused && refused_after_pollout(c))
			return;
		c->after_pollout = false;
		if (sched_park(c))
			return;
		/* Even when done: the completion ends the response, off this stack. */
		if (loop_poll(loop, &c->send_op, c->fd, POLLOUT))
			goto fail;
		c->send_armed = true;
		c->send_polling = true;
		return;
	}
	if (file && c->mode == CONF_HTTP_SEND_ZEROCOPY) {
		uint64_t len = sched_take(c, s->len - c->seg_sent > ZC_CHUNK ? ZC_CHUNK :
					  s->len - c->seg_sent);
		bool rest = len < s->len - c->seg_sent || c->seg_idx + 1 < c->nsegs;

		ret = loop_send_zc(loop, &c->send_op, c->fd, c->ce->data + s->off + c->seg_sent,
				   len, MSG_NOSIGNAL | (rest ? MSG_MORE : 0));
		if (ret)
			goto fail;
		c->send_armed = true;
		return;
	}
	if (file && c->mode == CONF_HTTP_SEND_SPLICE) {
		if (c->pipe_fill) {
			c->splice_to_sock = true;
			ret = loop_splice(loop, &c->splice_op, c->pipe_r, -1, c->fd, c->pipe_fill);
		} else {
			uint64_t len = s->len - c->seg_sent;

			if (ensure_pipe(c))
				goto fail;
			len = sched_take(c, len > PIPE_SIZE ? PIPE_SIZE : len);
			c->splice_to_sock = false;
			ret = loop_splice(loop, &c->splice_op, c->ce->fd,
					  (int64_t)(s->off + c->seg_sent), c->pipe_w, (unsigned)len);
		}
		if (ret)
			goto fail;
		c->splice_armed = true;
		return;
	}
	/* copy: the head and as many segments as fit one sendmsg. */
	if (c->head_sent < c->head_len) {
		c->iov[n].iov_base = c->head + c->head_sent;
		c->iov[n++].iov_len = c->head_len - c->head_sent;
		total += c->head_len - c->head_sent;
	}
	for (unsigned i = c->seg_idx; i < c->nsegs && n < MAX_IOV && total < COPY_CHUNK; i++) {
		const struct seg *g = &c->segs[i];
		uint64_t skip = i == c->seg_idx ? c->seg_sent : 0;
		uint64_t len = g->len - skip;

		/* A file range bound for zero-copy, splice or sendfile waits for its own way. */
		if (!g->mem && c->mode != CONF_HTTP_SEND_COPY)
			break;
		if (len > COPY_CHUNK - total)
			len = COPY_CHUNK - total;
		if (!g->mem && !(len = sched_take(c, len)))
			break;
		c->iov[n].iov_base = (void *)((g->mem ? g->mem : c->ce->data + g->off) + skip);
		c->iov[n++].iov_len = len;
		total += len;
	}
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.msg_iov = c->iov;
	c->msg.msg_iovlen = n;
	/* MSG_MORE while anything is left after this send, so TCP fills its segments. */
	more = total < c->head_len - c->head_sent + c->body_bytes - c->sent_bytes;
	ret = loop_sendmsg(loop, &c->send_op, c->fd, &c->msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	if (ret)
		goto fail;
	c->send_armed = true;
	return;
fail:
	pr_ratelimited(LOG_WARN, "http: cannot queue a send; closing the connection");
	conn_close(c);
}

static int add_seg(struct conn *c, const uint8_t *mem, uint64_t off, uint64_t len)
{
	struct seg *s = realloc(c->segs, (c->nsegs + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	c->segs = s;
	s[c->nsegs++] = (struct seg){ .mem = mem, .off = off, .len = len };
	c->body_bytes += len;
	return 0;
}

static void start_response(struct conn *c, const struct http_resp *r, bool head_only)
{
	c->status = r->status;
	c->head_len = http_build_head(c->head, sizeof(c->head), r);
	c->head_sent = 0;
	if (!c->head_len) {
		conn_close(c);
		return;
	}
	if (head_only) {
		free(c->segs);
		c->segs = NULL;
		c->nsegs = 0;
		c->body_bytes = 0;
	}
	c->seg_idx = 0;
	c->seg_sent = 0;
	c->state = CS_SEND;
	arm_timer(c, conf_of(c)->http.send_timeout_ms);
	conn_send_next(c);
}

/* A small text response: errors, 304. */
static void respond_simple(struct conn *c, unsigned status, bool head_only, const char *allow)
{
	struct http_resp r = {
		.status = status,
		.now = time(NULL),
		.keep_alive = c->keep_alive,
		.allow = allow,
	};
	int n;

	if (status != 304) {
		n = asprintf(&c->owned, "%u %s\n", status, http_reason(status));
		if (n < 0) {
			conn_close(c);
			return;
		}
		r.content_type = "text/plain; charset=utf-8";
		r.has_length = true;
		r.content_length = (uint64_t)n;
		if (add_seg(c, (const uint8_t *)c->owned, 0, (uint64_t)n)) {
			conn_close(c);
			return;
		}
	}
	start_response(c, &r, head_only);
}

/* A request we cannot read on from: answer, then close. */
static void respond_fatal(struct conn *c, unsigned status)
{
	c->keep_alive = false;
	if (!c->req_len)
		c->req_len = c->rlen;
	respond_simple(c, status, false, NULL);
}

static int map_open_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case EISDIR:
	case EINVAL:
		return 404;
	case EXDEV:
	case ELOOP:
	case EACCES:
	case EPERM:
	case EFBIG:
		return 403;
	default:
		return 500;
	}
}

/* If-None-Match, then If-Modified-Since (RFC 9110 13.2.2): true when 304 is the answer. */
static bool not_modified(const struct http_req *req, const char *etag, time_t mtime)
{
	time_t since;

	if (req->if_none_match.p)
		return http_etag_match(req->if_none_match.p, req->if_none_match.len, etag, true);
	if (req->if_modified_since.p &&
	    !http_parse_date(req->if_modified_since.p, req->if_modified_since.len, &since))
		return mtime <= since;
	return false;
}

/* If-Range: the Range applies only if the validator still matches (strongly). */
static bool if_range_holds(const struct http_req *req, const char *etag, time_t mtime)
{
	time_t t;

	if (!req->if_range.p)
		return true;
	if (req->if_range.len && (req->if_range.p[0] == '"' || req->if_range.p[0] == 'W'))
		return http_etag_match(req->if_range.p, req->if_range.len, etag, false);
	return !http_parse_date(req->if_range.p, req->if_range.len, &t) && t == mtime;
}

static int pick_mode(const struct conf *cf, uint64_t bytes)
{
	if (cf->http.send != CONF_HTTP_SEND_AUTO)
		return cf->http.send;
	return bytes >= AUTO_SENDFILE_MIN ? CONF_HTTP_SEND_SENDFILE : CONF_HTTP_SEND_COPY;
}

static void serve_file(struct conn *c, const struct http_req *req, const char *path,
		       bool head_only)
{
	const struct conf *cf = conf_of(c);
	struct http_range ranges[MAX_RANGES];
	struct http_resp r = { .now = time(NULL), .keep_alive = c->keep_alive };
	const struct conf_root *root;
	const char *rest, *ctype;
	char etag[64];
	time_t mtime;
	int nr = 0;

	root = conf_root_for(cf, path, &rest);
	if (!root) {
		respond_simple(c, 404, head_only, NULL);
		return;
	}
	c->ce = cache_open(c->hw->srv->cache, c->gen->root_fds[root - cf->roots], rest,
			   cf->limits.max_file_bytes);
	if (!c->ce) {
		respond_simple(c, map_open_error(errno), head_only, NULL);
		return;
	}
	mtime = (time_t)(c->ce->mtime_ns / 1000000000);
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)c->ce->ino,
		 (unsigned long long)c->ce->size, (unsigned long long)c->ce->mtime_ns);
	ctype = http_mime_type(path);
	r.etag = etag;
	r.last_modified = mtime;
	r.accept_ranges = true;
	if (not_modified(req, etag, mtime)) {
		r.status = 304;
		start_response(c, &r, true);
		return;
	}
	if (req->range.p && if_range_holds(req, etag, mtime))
		nr = http_parse_range(req->range.p, req->range.len, c->ce->size, ranges,
				      MAX_RANGES);
	r.total = c->ce->size;
	if (nr == -ERANGE) {
		r.status = 416;
		r.range_unsatisfied = true;
		r.has_length = true;
		start_response(c, &r, true);
		return;
	}
	if (nr <= 0) {
		r.status = 200;
		r.content_type = ctype;
		r.has_length = true;
		r.content_length = c->ce->size;
		if (c->ce->size && add_seg(c, NULL, 0, c->ce->size))
			goto nomem;
	} else if (nr == 1) {
		r.status = 206;
		r.content_type = ctype;
		r.has_length = true;
		r.content_length = ranges[0].last - ranges[0].first + 1;
		r.range = &ranges[0];
		if (add_seg(c, NULL, ranges[0].first, r.content_length))
			goto nomem;
	} else {
		/* multipart/byteranges: part heads built up front into one buffer. */
		static const char boundary[] = "bootherd-byteranges-3d6b1f0e";
		size_t cap = (size_t)nr * 256 + 64, used = 0;
		size_t offs[MAX_RANGES + 1];

		c->owned = malloc(cap);
		if (!c->owned)
			goto nomem;
		for (int i = 0; i < nr; i++) {
			offs[i] = used;
			used += http_build_part_head(c->owned + used, cap - used, boundary, ctype,
						     &ranges[i], c->ce->size);
		}
		offs[nr] = used;
		used += http_build_multipart_end(c->owned + used, cap - used, boundary);
		for (int i = 0; i < nr; i++) {
			if (add_seg(c, (const uint8_t *)c->owned + offs[i], 0, offs[i + 1] - offs[i]) ||
			    add_seg(c, NULL, ranges[i].first, ranges[i].last - ranges[i].first + 1))
				goto nomem;
		}
		if (add_seg(c, (const uint8_t *)c->owned + offs[nr], 0, used - offs[nr]))
			goto nomem;
		r.status = 206;
		r.boundary = boundary;
		r.has_length = true;
		r.content_length = c->body_bytes;
	}
	c->mode = pick_mode(cf, c->body_bytes);
	if (!head_only)
		sched_enter(c);
	start_response(c, &r, head_only);
	return;
nomem:
	release_response(c);
	respond_fatal(c, 500);
}

static bool route_matches(const struct http_route *rt, const char *path)
{
	size_t n = strlen(rt->prefix);

	if (rt->prefix[n - 1] == '/')
		return !strncmp(path, rt->prefix, n);
	return !strcmp(path, rt->prefix);
}

static void serve_route(struct conn *c, const struct http_route *rt, const char *path,
			bool head_only)
{
	struct http_route_req rq = {
		.path = path,
		.peer = &c->peer,
		.conf = conf_of(c),
		.srv = c->hw->srv,
	};
	struct http_body body = { 0 };
	struct http_resp r = { .now = time(NULL), .keep_alive = c->keep_alive };
	int status = rt->handler(&rq, &body);

	if (status < 0) {
		free(body.data);
		respond_simple(c, 500, head_only, NULL);
		return;
	}
	c->owned = body.data;
	r.status = (unsigned)status;
	r.content_type = body.content_type;
	r.has_length = true;
	r.content_length = body.len;
	if (body.len && add_seg(c, (const uint8_t *)body.data, 0, body.len)) {
		respond_fatal(c, 500);
		return;
	}
	c->mode = CONF_HTTP_SEND_COPY;
	start_response(c, &r, head_only);
}

/*
 * Boot configs made on request (iPXE scripts, GRUB and PXELINUX configs): returns true when
 * it answered. ${server} and the URL base come from the Host the client used, so a script
 * points back wherever the client reached us.
 */
static bool serve_generated(struct conn *c, const struct http_req *req, const char *path,
			    bool head_only)
{
	struct sockaddr_in me = { 0 };
	socklen_t mlen = sizeof(me);
	struct bootgen_req br = { .path = path, .peer = c->peer.sin_addr };
	struct http_resp r = { .now = time(NULL), .keep_alive = c->keep_alive };
	char base[300], host[256];
	size_t len = 0;
	char *out = NULL;
	int ret;

	if (!bootgen_may_make(path))
		return false;
	if (getsockname(c->fd, (struct sockaddr *)&me, &mlen) == -1)
		me.sin_addr.s_addr = 0;
	br.server = me.sin_addr;
	if (req->host.p && req->host.len < sizeof(host)) {
		memcpy(host, req->host.p, req->host.len);
		host[req->host.len] = '\0';
	} else {
		char a[INET_ADDRSTRLEN];

		snprintf(host, sizeof(host), "%s:%u",
			 inet_ntop(AF_INET, &me.sin_addr, a, sizeof(a)), ntohs(me.sin_port));
	}
	snprintf(base, sizeof(base), "http://%s", host);
	br.http_base = base;
	ret = bootgen_file(c->gen, &br, &out, &len);
	if (!ret)
		return false;
	if (ret < 0) {
		respond_simple(c, ret == -ENOENT ? 404 : 500, head_only, NULL);
		return true;
	}
	c->owned = out;
	r.status = 200;
	r.content_type = "text/plain; charset=utf-8";
	r.has_length = true;
	r.content_length = len;
	if (len && add_seg(c, (const uint8_t *)out, 0, len)) {
		respond_fatal(c, 500);
		return true;
	}
	c->mode = CONF_HTTP_SEND_COPY;
	start_response(c, &r, head_only);
	return true;
}

static void handle_request(struct conn *c, const struct http_req *req)
{
	char path[1024];
	bool head_only = req->method == HTTP_HEAD;
	int n;

	const char *m = req->target.p - 1;

	/* The method is the token before the target (the head may start after empty lines). */
	while (m > c->rbuf && m[-1] != '\n')
		m--;
	/* A body we do not read would be taken for the next request: end the connection. */
	c->keep_alive = req->keep_alive && !req->content_length && !req->chunked;
	snprintf(c->log_req, sizeof(c->log_req), "%.*s %.*s HTTP/%u.%u",
		 (int)(req->target.p - 1 - m > 16 ? 16 : req->target.p - 1 - m), m,
		 (int)(req->target.len > LOG_TARGET_MAX ? LOG_TARGET_MAX : req->target.len),
		 req->target.p, req->version / 10, req->version % 10);
	for (char *p = c->log_req; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '"')
			*p = ' ';
	if (req->method == HTTP_OTHER) {
		respond_simple(c, req->known_method ? 405 : 501, false,
			       req->known_method ? "GET, HEAD" : NULL);
		return;
	}
	/* No request body is expected; rather than read and drop one, refuse it and close. */
	if (req->chunked) {
		respond_fatal(c, 501);
		return;
	}
	if (req->content_length) {
		respond_fatal(c, 413);
		return;
	}
	n = http_decode_path(req->target.p, req->target.len, path, sizeof(path));
	if (n < 0) {
		respond_simple(c, n == -ENAMETOOLONG ? 414 : 400, head_only, NULL);
		return;
	}
	if (serve_generated(c, req, path, head_only))
		return;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (route_matches(&routes[i], path)) {
			serve_route(c, &routes[i], path, head_only);
			return;
		}
	}
	serve_file(c, req, path, head_only);
}

/* Parses what is buffered: answers a whole head, or reads more. */
static void conn_process(struct conn *c)
{
	const struct conf *cf;
	struct http_limits lim;
	struct http_req req;
	int ret;

	if (c->closing)
		return;
	if (!c->gen)
		c->gen = server_gen_get();
	cf = conf_of(c);
	lim = (struct http_limits){
		.max_head = c->rcap,
		.max_target = c->rcap - 64,
		.max_headers = 100,
	};
	ret = c->rlen ? http_parse_request(c->rbuf, c->rlen, &lim, &req) : -EAGAIN;
	if (ret == -EAGAIN) {
		if (!c->rlen) {
			/* Between requests: an idle keep-alive connection. */
			server_gen_put(c->gen);
			c->gen = NULL;
			arm_timer(c, c->holding ? HOLD_MS : cf->http.idle_timeout_ms);
		} else if (!c->head_started) {
			/* A slow client gets this long for the whole head, however it trickles. */
			c->head_started = true;
			c->t_start = now_ns();
			arm_timer(c, cf->http.header_timeout_ms);
		}
		arm_recv(c);
		return;
	}
	if (!c->head_started)
		c->t_start = now_ns();
	snprintf(c->log_req, sizeof(c->log_req), "-");
	if (ret < 0) {
		pr_ratelimited(LOG_WARN, "http: bad request from %s (%s)",
			       inet_ntoa(c->peer.sin_addr), strerror(-ret));
		respond_fatal(c, ret == -ENAMETOOLONG  ? 414
			      : ret == -EMSGSIZE       ? 431
			      : ret == -EPROTONOSUPPORT ? 505
						       : 400);
		return;
	}
	c->req_len = (size_t)ret;
	handle_request(c, &req);
}

static void on_recv(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct conn *c = container_of(op, struct conn, recv_op);

	c->recv_armed = false;
	if (c->closing) {
		conn_maybe_free(c);
		return;
	}
	if (res <= 0) {
		/* 0: the peer closed. conn_close() frees the connection if nothing else is armed. */
		if (res < 0 && res != -ECONNRESET)
			pr_debug("http: recv: %s", strerror(-res));
		conn_close(c);
		return;
	}
	if (c->state == CS_LINGER) {
		arm_recv(c);
		return;
	}
	c->rlen += (size_t)res;
	c->in_cb = true;
	conn_process(c);
	c->in_cb = false;
	conn_maybe_free(c);
}

static void on_timer(struct loop *loop, struct loop_timer *t)
{
	struct conn *c = container_of(t, struct conn, timer);
	char a[INET_ADDRSTRLEN];

	if (c->holding && c->state == CS_READ && !c->head_started) {
		/* No next request came: the slot goes on; the connection idles as usual. */
		struct server_gen *g = server_gen_get();

		sched_release_hold(c);
		arm_timer(c, g->conf->http.idle_timeout_ms);
		server_gen_put(g);
		return;
	}
	if (c->parked) {
		/*
		 * A waiting body's next slice, or its turn if a slot is free (on any worker). Not
		 * parked while promoting: sched_promote() only sets it active, and it goes on here.
		 */
		c->parked = false;
		c->allow = WAIT_SLICE;
		sched_promote(c->hw);
		arm_timer(c, conf_of(c)->http.send_timeout_ms);
		conn_continue(c);
		return;
	}
	inet_ntop(AF_INET, &c->peer.sin_addr, a, sizeof(a));
	if (c->state == CS_READ && c->head_started && !c->send_armed) {
		pr_info("http: %s:%u sent no complete request within %u ms: 408", a,
			ntohs(c->peer.sin_port), conf_of(c)->http.header_timeout_ms);
		c->in_cb = true;
		respond_fatal(c, 408);
		c->in_cb = false;
		conn_maybe_free(c);
		return;
	}
	if (c->state == CS_SEND)
		pr_info("http: %s:%u took nothing for %u ms: closing", a, ntohs(c->peer.sin_port),
			conf_of(c)->http.send_timeout_ms);
	conn_close(c);
}

static void on_accept(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct http_worker *hw = container_of(op, struct http_worker, accept_op);
	struct server_gen *g;
	struct conn *c;
	socklen_t len;
	unsigned max;
	int one = 1, sndbuf;

	if (!(flags & IORING_CQE_F_MORE) && !hw->stopping &&
	    loop_accept_multishot(loop, &hw->accept_op, hw->listen_fd))
		pr_err("http: cannot re-arm accept");
	if (res < 0) {
		if (res != -ECANCELED)
			pr_ratelimited(LOG_WARN, "http: accept: %s", strerror(-res));
		return;
	}
	g = server_gen_get();
	max = g->conf->http.max_connections;
	if (atomic_fetch_add(&hw->srv->http_conns, 1) >= max) {
		atomic_fetch_sub(&hw->srv->http_conns, 1);
		server_gen_put(g);
		pr_ratelimited(LOG_WARN, "http: connection cap (%u) reached: connection refused",
			       max);
		close(res);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->rbuf = malloc(g->conf->http.max_header_bytes);
	if (!c || !c->rbuf) {
		free(c);
		atomic_fetch_sub(&hw->srv->http_conns, 1);
		server_gen_put(g);
		close(res);
		return;
	}
	c->rcap = g->conf->http.max_header_bytes;
	sndbuf = (int)g->conf->http.send_buffer_bytes;
	server_gen_put(g);
	c->hw = hw;
	c->fd = res;
	c->t_accept = loop_now_ns(loop);
	c->pipe_r = c->pipe_w = -1;
	c->recv_op.fn = on_recv;
	c->send_op.fn = on_send;
	c->splice_op.fn = on_splice;
	c->timer.fn = on_timer;
	c->retry.fn = on_retry;
	c->keep_alive = true;
	len = sizeof(c->peer);
	getpeername(res, (struct sockaddr *)&c->peer, &len);
	/* Heads and bodies are sent whole or with MSG_MORE: Nagle only adds delay here. */
	setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sndbuf)
		setsockopt(res, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->lnext = hw->conns;
	if (c->lnext)
		c->lnext->lprev = c;
	hw->conns = c;
	conn_process(c);
}

int http_listen_socket(const struct conf *c, bool first)
{
	return sock_reuseport(SOCK_STREAM, c->listen_addr, c->http.port, first, LISTEN_BACKLOG);
}

struct http_worker *http_worker_new(struct loop *loop, struct server *srv, int listen_fd)
{
	struct http_worker *hw = calloc(1, sizeof(*hw));
	int ret;

	if (!hw)
		return NULL;
	hw->loop = loop;
	hw->srv = srv;
	hw->listen_fd = listen_fd;
	hw->accept_op.fn = on_accept;
	ret = loop_accept_multishot(loop, &hw->accept_op, listen_fd);
	if (ret) {
		free(hw);
		errno = -ret;
		return NULL;
	}
	return hw;
}

void http_worker_free(struct http_worker *hw)
{
	if (!hw)
		return;
	hw->stopping = true;
	while (hw->conns) {
		struct conn *c = hw->conns;

		c->zc_notifs = 0;
		conn_free(c);
	}
	free(hw);
}

/* Prometheus text format: what an admin graphs during a storm. */
static int metrics_handler(const struct http_route_req *req, struct http_body *out)
{
	struct cache_stats cs;
	struct server *s = req->srv;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	cache_get_stats(s->cache, &cs);
	fprintf(f,
		"# TYPE bootherd_tftp_sessions gauge\nbootherd_tftp_sessions %u\n"
		"# TYPE bootherd_tftp_transfers_total counter\nbootherd_tftp_transfers_total %llu\n"
		"# TYPE bootherd_tftp_errors_total counter\nbootherd_tftp_errors_total %llu\n"
		"# TYPE bootherd_tftp_bytes_total counter\nbootherd_tftp_bytes_total %llu\n"
		"# TYPE bootherd_http_connections gauge\nbootherd_http_connections %u\n"
		"# TYPE bootherd_http_requests_total counter\nbootherd_http_requests_total %llu\n"
		"# TYPE bootherd_http_bytes_total counter\nbootherd_http_bytes_total %llu\n"
		"# TYPE bootherd_http_queued_total counter\nbootherd_http_queued_total %llu\n"
		"# TYPE bootherd_cache_hits_total counter\nbootherd_cache_hits_total %llu\n"
		"# TYPE bootherd_cache_misses_total counter\nbootherd_cache_misses_total %llu\n"
		"# TYPE bootherd_cache_bytes gauge\nbootherd_cache_bytes %llu\n"
		"# TYPE bootherd_cache_entries gauge\nbootherd_cache_entries %llu\n"
		"# TYPE bootherd_dhcp_packets_total counter\nbootherd_dhcp_packets_total %llu\n"
		"# TYPE bootherd_dhcp_offers_total counter\nbootherd_dhcp_offers_total %llu\n"
		"# TYPE bootherd_dhcp_acks_total counter\nbootherd_dhcp_acks_total %llu\n"
		"# TYPE bootherd_dhcp_naks_total counter\nbootherd_dhcp_naks_total %llu\n"
		"# TYPE bootherd_dhcp_malformed_total counter\nbootherd_dhcp_malformed_total %llu\n"
		"# TYPE bootherd_dhcp_dropped_total counter\nbootherd_dhcp_dropped_total %llu\n"
		"# TYPE bootherd_dhcp_store_errors_total counter\n"
		"bootherd_dhcp_store_errors_total %llu\n",
		atomic_load(&s->sessions), (unsigned long long)atomic_load(&s->tftp_transfers),
		(unsigned long long)atomic_load(&s->tftp_errors),
		(unsigned long long)atomic_load(&s->tftp_bytes), atomic_load(&s->http_conns),
		(unsigned long long)atomic_load(&s->http_requests),
		(unsigned long long)atomic_load(&s->http_bytes),
		(unsigned long long)atomic_load(&s->http_queued), (unsigned long long)cs.hits,
		(unsigned long long)cs.misses, (unsigned long long)cs.bytes,
		(unsigned long long)cs.entries, (unsigned long long)atomic_load(&s->dhcp_packets),
		(unsigned long long)atomic_load(&s->dhcp_offers),
		(unsigned long long)atomic_load(&s->dhcp_acks),
		(unsigned long long)atomic_load(&s->dhcp_naks),
		(unsigned long long)atomic_load(&s->dhcp_malformed),
		(unsigned long long)atomic_load(&s->dhcp_dropped),
		(unsigned long long)atomic_load(&s->dhcp_store_errors));
	/* The XDP fast path's own counters, from the kernel. */
	{
		uint64_t st[BH_CNT_NR];

		if (!dhcp_fast_stats(s->dhcp, st))
			for (unsigned i = 0; i < BH_CNT_NR; i++)
				fprintf(f, "# TYPE bootherd_xdp_%s_total counter\n"
					"bootherd_xdp_%s_total %llu\n", xdp_fast_counter_name(i),
					xdp_fast_counter_name(i), (unsigned long long)st[i]);
	}
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	out->data = buf;
	out->len = len;
	out->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}
