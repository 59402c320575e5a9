// SPDX-License-Identifier: MIT
/*
 * TFTP transfers on the io_uring loop.
 *
 * Requests arrive on one SO_REUSEPORT listener per worker through a multishot recvmsg with a
 * provided-buffer ring. Each request gets its own socket (its TID, RFC 1350 section 4) bound to
 * the address the request came to, and a session that lives in the worker that received it.
 *
 * A read transfer sends a window of blocks (RFC 7440) as iovecs straight into the shared
 * content cache: a 4-byte header iovec and a data iovec per block. With UDP GSO a whole window
 * goes out in one sendmsg (the kernel cuts it into datagrams of 4 + blksize bytes); without it,
 * one sendmsg SQE per block, all submitted in one batch.
 *
 * Retransmission is driven only by the session timer, never by a duplicate ACK: a duplicate
 * ACK is ignored, which is what prevents the Sorcerer's Apprentice Syndrome (RFC 1123 4.2.3.1).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/sock.h"
#include "proto/tftp_wire.h"
#include "svc/server.h"
#include "svc/bootgen.h"
#include "svc/tftp.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define LISTEN_BUFS      256u
#define LISTEN_BUF_SIZE  2048u
#define LISTEN_BGID      1
#define RX_SMALL         1024u          /* ACKs and ERRORs of a read transfer */
#define GSO_MAX_BYTES    65000u         /* one UDP GSO super-datagram */
#define GSO_MAX_SEGS     64u
#define BACKOFF_CAP_MS   8000u
#define CTRL_MAX         600u

enum sess_state {
	ST_OACK = 0,    /* OACK sent; waiting for ACK 0 (read) or DATA 1 (write) */
	ST_SEND = 1,    /* read transfer: sending windows */
	ST_RECV = 2,    /* write transfer: receiving DATA */
	ST_LINGER = 3,  /* write complete: re-ACK a repeated final DATA for a while */
	ST_ERROR = 4,   /* an ERROR is queued; close once it is sent */
};

struct tftp_worker;

struct sess {
	struct tftp_worker *tw;
	struct sess *lprev, *lnext;   /* the worker's session list */
	struct loop_op recv_op;
	struct loop_op send_op;
	struct loop_op stranger_op;
	struct loop_timer timer;
	int fd;
	enum sess_state state;
	bool closing;
	bool recv_armed;
	bool want_ctrl;         /* a control packet (OACK, ACK, ERROR) waits for the send slot */
	bool want_window;       /* a data window waits for the send slot */
	bool stranger_busy;
	bool gso;
	bool ok;                /* ended by a completed transfer */
	bool in_recv;           /* inside sess_on_recv(): the session must outlive it */
	unsigned sends;         /* sendmsg SQEs in flight */
	struct sockaddr_in peer;
	char *generated;        /* a boot config made for this request (svc/bootgen.c) */
	size_t generated_len;
	struct sockaddr_in local;
	struct server_gen *gen;
	int root_fd;
	bool writable, overwrite;
	uint16_t opcode;
	enum tftp_mode mode;
	struct tftp_params p;
	uint32_t timeout_ms;    /* negotiated or configured */
	uint32_t cur_timeout_ms;/* with backoff */
	uint32_t retries;
	uint32_t max_retries;
	uint64_t max_bytes;
	uint64_t t_start;
	uint64_t retransmits;
	/* read transfer */
	struct cache_entry *ce;
	uint8_t *ascii;         /* netascii copy, owned; data points into it */
	const uint8_t *data;
	uint64_t size;
	uint64_t base;          /* oldest unacknowledged block (absolute, from 1) */
	uint64_t next;          /* next block not yet sent */
	uint64_t last;          /* the final block */
	struct msghdr *msgs;    /* per window: up to one msghdr per block */
	struct iovec *iov;      /* 2 per block: header, data */
	uint8_t (*hdr)[TFTP_HDR_LEN];
	uint32_t slots;
	uint8_t gso_ctrl[CMSG_SPACE(sizeof(uint16_t))] __attribute__((aligned(8)));
	/* write transfer */
	int dir_fd;
	int wfd;
	char *tmpname;
	const char *basename;
	uint64_t expect;        /* next block expected (absolute) */
	uint32_t since_ack;
	struct tftp_nadec nad;
	uint8_t *wbuf;
	/* control packet (OACK, ACK, ERROR to the peer) */
	uint16_t err_code;
	char err_msg[128];
	uint8_t ctrl[CTRL_MAX];
	struct iovec ctrl_iov;
	struct msghdr ctrl_msg;
	/* receive */
	uint8_t *rx;
	size_t rx_cap;
	struct iovec rx_iov;
	struct msghdr rx_msg;
	struct sockaddr_in rx_from;
	/* ERROR 5 to a packet from an unknown TID */
	uint8_t stranger_pkt[48];
	struct iovec stranger_iov;
	struct msghdr stranger_msg;
	struct sockaddr_in stranger_addr;
	char filename[TFTP_FILENAME_MAX + 1];
};

struct tftp_worker {
	struct loop *loop;
	struct server *srv;
	int listen_fd;
	struct loop_op listen_op;
	struct loop_bufring ring;
	struct msghdr listen_msg;
	struct sess *sessions;
	bool stopping;
};

static void sess_flush(struct sess *s);
static void sess_close(struct sess *s);
static void sess_error(struct sess *s, uint16_t code, const char *msg);

/* Per-client rate limit: token buckets shared by all workers, hashed by client address. */
#define RL_SLOTS 4096u

struct rl_slot {
	uint32_t addr;
	uint32_t tokens_milli;
	uint64_t last_ns;
};

static struct rl_slot rl_table[RL_SLOTS];
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Two addresses that hash to one slot share a bucket while both are active; that errs on the
 * side of limiting, and a slot idle for 10 s is taken over by the next address.
 */
static bool rl_allow(uint32_t addr, uint64_t now_ns, uint32_t rate, uint32_t burst)
{
	struct rl_slot *sl;
	uint64_t add;
	bool ok;

	if (!rate)
		return true;
	sl = &rl_table[(addr * 2654435761u) >> 20 & (RL_SLOTS - 1)];
	pthread_mutex_lock(&rl_lock);
	/*
	 * Each worker's clock is its loop's cached time, so another worker may have stamped the
	 * slot a little later than our now: that is no time passed, not 2^64 ns of refill.
	 */
	if (now_ns < sl->last_ns)
		now_ns = sl->last_ns;
	if (sl->addr != addr && now_ns - sl->last_ns > 10000000000ull) {
		sl->addr = addr;
		sl->tokens_milli = burst * 1000u;
		sl->last_ns = now_ns;
	}
	add = (now_ns - sl->last_ns) * rate / 1000000ull;
	if (add) {
		uint64_t t = sl->tokens_milli + add;

		sl->tokens_milli = t > burst * 1000ull ? burst * 1000u : (uint32_t)t;
		sl->last_ns = now_ns;
	}
	ok = sl->tokens_milli >= 1000;
	if (ok)
		sl->tokens_milli -= 1000;
	pthread_mutex_unlock(&rl_lock);
	return ok;
}

static const char *peer_str(const struct sockaddr_in *sin, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	return buf;
}

/* Control packets: built when the send slot is free, from the session's state. */
static size_t build_ctrl(struct sess *s)
{
	switch (s->state) {
	case ST_OACK:
		return tftp_build_oack(s->ctrl, sizeof(s->ctrl), &s->p);
	case ST_RECV:
	case ST_LINGER:
		return tftp_build_ack(s->ctrl, sizeof(s->ctrl), (uint16_t)(s->expect - 1));
	case ST_ERROR:
		return tftp_build_error(s->ctrl, sizeof(s->ctrl), s->err_code, s->err_msg);
	case ST_SEND:
		break;
	}
	return 0;
}

static void sess_send_ctrl(struct sess *s)
{
	s->want_ctrl = true;
	sess_flush(s);
}

static void arm_timer(struct sess *s)
{
	loop_timer_arm(s->tw->loop, &s->timer, s->cur_timeout_ms);
}

static void queue_send(struct sess *s, struct msghdr *msg)
{
	int ret = loop_sendmsg(s->tw->loop, &s->send_op, s->fd, msg, 0);

	/* No SQE even after a flush: leave it to the retransmit timer. */
	if (ret) {
		pr_ratelimited(LOG_WARN, "tftp: cannot queue send: %s", strerror(-ret));
		return;
	}
	s->sends++;
}

/* Sends blocks base..base+window-1 (those that exist) in as few sendmsg calls as it can. */
static void send_window_now(struct sess *s)
{
	uint64_t end = s->base + s->p.windowsize;
	uint32_t seg = TFTP_HDR_LEN + s->p.blksize;
	uint32_t per_msg = 1, n, i, m;

	if (end > s->last + 1)
		end = s->last + 1;
	n = (uint32_t)(end - s->base);
	assert(n >= 1 && n <= s->slots);
	for (i = 0; i < n; i++) {
		uint64_t blk = s->base + i;
		uint64_t off = (blk - 1) * s->p.blksize;
		size_t len = off >= s->size ? 0 : s->size - off;

		if (len > s->p.blksize)
			len = s->p.blksize;
		tftp_build_data_hdr(s->hdr[i], TFTP_HDR_LEN, (uint16_t)blk);
		s->iov[2 * i].iov_base = s->hdr[i];
		s->iov[2 * i].iov_len = TFTP_HDR_LEN;
		s->iov[2 * i + 1].iov_base = (void *)(s->data + (len ? off : 0));
		s->iov[2 * i + 1].iov_len = len;
	}
	if (s->gso) {
		per_msg = GSO_MAX_BYTES / seg;
		if (per_msg > GSO_MAX_SEGS)
			per_msg = GSO_MAX_SEGS;
		if (!per_msg)
			per_msg = 1;
	}
	for (i = 0, m = 0; i < n; m++) {
		uint32_t k = n - i < per_msg ? n - i : per_msg;
		struct msghdr *msg = &s->msgs[m];

		memset(msg, 0, sizeof(*msg));
		msg->msg_name = &s->peer;
		msg->msg_namelen = sizeof(s->peer);
		msg->msg_iov = &s->iov[2 * i];
		msg->msg_iovlen = 2 * k;
		if (k > 1) {
			msg->msg_control = s->gso_ctrl;
			msg->msg_controllen = sizeof(s->gso_ctrl);
		}
		queue_send(s, msg);
		i += k;
	}
	if (end > s->next)
		s->next = end;
	arm_timer(s);
}

/*
 * Starts whatever waits for the send slot. A window's iovecs and headers, and the control
 * buffer, are reused, so nothing new goes out while a send is still in flight.
 */
static void sess_flush(struct sess *s)
{
	if (s->sends || s->closing)
		return;
	if (s->want_ctrl) {
		size_t len = build_ctrl(s);

		s->want_ctrl = false;
		if (!len) {
			sess_close(s);
			return;
		}
		s->ctrl_iov.iov_base = s->ctrl;
		s->ctrl_iov.iov_len = len;
		memset(&s->ctrl_msg, 0, sizeof(s->ctrl_msg));
		s->ctrl_msg.msg_name = &s->peer;
		s->ctrl_msg.msg_namelen = sizeof(s->peer);
		s->ctrl_msg.msg_iov = &s->ctrl_iov;
		s->ctrl_msg.msg_iovlen = 1;
		queue_send(s, &s->ctrl_msg);
		if (s->state != ST_ERROR)
			arm_timer(s);
		return;
	}
	if (s->want_window) {
		s->want_window = false;
		send_window_now(s);
	}
}

static void log_transfer(struct sess *s, const char *outcome)
{
	char peer[32], opts[96] = "";
	struct timespec ts;
	uint64_t ns;
	uint64_t bytes = s->size;     /* a write counts what it has written so far */
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec - s->t_start;
	secs = ns / 1e9;
	if (s->opcode == TFTP_RRQ && !s->ok) {
		/* Acknowledged so far. */
		bytes = s->base > 1 ? (s->base - 1) * s->p.blksize : 0;
		if (bytes > s->size)
			bytes = s->size;
	}
	if (s->p.ack_opts)
		snprintf(opts, sizeof(opts), " blksize=%u windowsize=%u%s%s", s->p.blksize,
			 s->p.windowsize, s->p.ack_opts & TFTP_OPT_TSIZE ? " tsize" : "",
			 s->p.ack_opts & TFTP_OPT_TIMEOUT ? " timeout" : "");
	pr_info("tftp: %s %s \"%s\" %s%s: %s, %llu bytes in %.3f ms (%.1f MB/s), %llu retransmits",
		peer_str(&s->peer, peer, sizeof(peer)), s->opcode == TFTP_RRQ ? "RRQ" : "WRQ",
		s->filename, s->mode == TFTP_MODE_NETASCII ? "netascii" : "octet", opts, outcome,
		(unsigned long long)bytes, secs * 1e3, secs > 0 ? bytes / secs / 1e6 : 0.0,
		(unsigned long long)s->retransmits);
}

static void sess_free(struct sess *s)
{
	struct tftp_worker *tw = s->tw;

	if (s->lprev)
		s->lprev->lnext = s->lnext;
	else
		tw->sessions = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	if (s->fd >= 0)
		close(s->fd);
	if (s->wfd >= 0) {
		close(s->wfd);
		if (s->tmpname)
			unlinkat(s->dir_fd, s->tmpname, 0);
	}
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	if (s->ce)
		cache_put(tw->srv->cache, s->ce);
	if (s->gen)
		server_gen_put(s->gen);
	atomic_fetch_sub(&tw->srv->sessions, 1);
	free(s->tmpname);
	free(s->wbuf);
	free(s->ascii);
	free(s->generated);
	free(s->msgs);
	free(s->iov);
	free(s->hdr);
	free(s->rx);
	free(s);
}

static void sess_maybe_free(struct sess *s)
{
	if (s->closing && !s->recv_armed && !s->sends && !s->stranger_busy && !s->in_recv)
		sess_free(s);
}

static void sess_close(struct sess *s)
{
	if (s->closing)
		return;
	s->closing = true;
	loop_timer_cancel(s->tw->loop, &s->timer);
	if (s->ok) {
		atomic_fetch_add(&s->tw->srv->tftp_transfers, 1);
		atomic_fetch_add(&s->tw->srv->tftp_bytes, s->size);
	} else {
		atomic_fetch_add(&s->tw->srv->tftp_errors, 1);
	}
	if (s->recv_armed)
		loop_cancel(s->tw->loop, NULL, &s->recv_op);
	sess_maybe_free(s);
}

/* Queues an ERROR to the peer; the session closes once it has gone out. */
static void sess_error(struct sess *s, uint16_t code, const char *msg)
{
	char outcome[160];

	s->state = ST_ERROR;
	s->err_code = code;
	snprintf(s->err_msg, sizeof(s->err_msg), "%s", msg ? msg : tftp_errmsg(code));
	snprintf(outcome, sizeof(outcome), "error %u (%s)", code, s->err_msg);
	log_transfer(s, outcome);
	s->want_window = false;
	/* The timer closes the session should the ERROR never get out. */
	loop_timer_arm(s->tw->loop, &s->timer, s->timeout_ms);
	sess_send_ctrl(s);
}

static void errno_to_tftp(int err, uint16_t *code, const char **msg)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		*code = TFTP_ENOTFOUND;
		*msg = NULL;
		return;
	case EXDEV:
	case ELOOP:
		*code = TFTP_EACCESS;
		*msg = "Access violation: path leaves the root";
		return;
	case EISDIR:
	case EINVAL:
		*code = TFTP_EACCESS;
		*msg = "Access violation: not a regular file";
		return;
	case EFBIG:
		*code = TFTP_ENOSPACE;
		*msg = "File too large";
		return;
	case ENOSPC:
	case EDQUOT:
		*code = TFTP_ENOSPACE;
		*msg = NULL;
		return;
	case EEXIST:
		*code = TFTP_EEXISTS;
		*msg = NULL;
		return;
	case EACCES:
	case EPERM:
	case EROFS:
		*code = TFTP_EACCESS;
		*msg = NULL;
		return;
	default:
		*code = TFTP_EUNDEF;
		*msg = strerror(err);
		return;
	}
}

static void sess_arm_recv(struct sess *s)
{
	if (s->closing || s->recv_armed)
		return;
	s->rx_iov.iov_base = s->rx;
	s->rx_iov.iov_len = s->rx_cap;
	memset(&s->rx_msg, 0, sizeof(s->rx_msg));
	s->rx_msg.msg_name = &s->rx_from;
	s->rx_msg.msg_namelen = sizeof(s->rx_from);
	s->rx_msg.msg_iov = &s->rx_iov;
	s->rx_msg.msg_iovlen = 1;
	if (loop_recvmsg(s->tw->loop, &s->recv_op, s->fd, &s->rx_msg) == 0)
		s->recv_armed = true;
}

static void stranger_sent(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct sess *s = container_of(op, struct sess, stranger_op);

	s->stranger_busy = false;
	sess_maybe_free(s);
}

/* RFC 1350: a packet from another TID gets ERROR 5 and does not disturb the transfer. */
static void answer_stranger(struct sess *s)
{
	size_t len;

	if (s->stranger_busy)
		return;
	len = tftp_build_error(s->stranger_pkt, sizeof(s->stranger_pkt), TFTP_EBADID, NULL);
	s->stranger_addr = s->rx_from;
	s->stranger_iov.iov_base = s->stranger_pkt;
	s->stranger_iov.iov_len = len;
	memset(&s->stranger_msg, 0, sizeof(s->stranger_msg));
	s->stranger_msg.msg_name = &s->stranger_addr;
	s->stranger_msg.msg_namelen = sizeof(s->stranger_addr);
	s->stranger_msg.msg_iov = &s->stranger_iov;
	s->stranger_msg.msg_iovlen = 1;
	if (loop_sendmsg(s->tw->loop, &s->stranger_op, s->fd, &s->stranger_msg, 0) == 0)
		s->stranger_busy = true;
}

static void rrq_on_ack(struct sess *s, uint16_t block)
{
	uint64_t acked;

	if (s->state == ST_OACK) {
		/* Only ACK 0 confirms the OACK; anything else is stale and ignored. */
		if (block != 0)
			return;
		s->state = ST_SEND;
		s->retries = 0;
		s->cur_timeout_ms = s->timeout_ms;
		s->want_window = true;
		sess_flush(s);
		return;
	}
	/* Map the 16-bit number onto the blocks in flight; the window is far below 65536. */
	acked = s->base - 1 + (uint16_t)(block - (uint16_t)(s->base - 1));
	if (acked >= s->next || acked < s->base)
		return;         /* duplicate or stale: never a resend (Sorcerer's Apprentice) */
	s->base = acked + 1;
	s->retries = 0;
	s->cur_timeout_ms = s->timeout_ms;
	if (s->base > s->last) {
		s->ok = true;
		log_transfer(s, "done");
		sess_close(s);
		return;
	}
	s->want_window = true;
	sess_flush(s);
}

static int wrq_finish(struct sess *s)
{
	uint8_t tail[1];
	size_t n = 0;
	unsigned flags = s->overwrite ? 0 : RENAME_NOREPLACE;

	if (s->mode == TFTP_MODE_NETASCII)
		n = tftp_netascii_decode_end(&s->nad, tail);
	if (n && write(s->wfd, tail, n) != (ssize_t)n)
		return -errno;
	s->size += n;
	if (close(s->wfd) == -1) {
		s->wfd = -1;
		return -errno;
	}
	s->wfd = -1;
	if (renameat2(s->dir_fd, s->tmpname, s->dir_fd, s->basename, flags) == -1) {
		int err = errno;

		unlinkat(s->dir_fd, s->tmpname, 0);
		return -err;
	}
	return 0;
}

static void wrq_on_data(struct sess *s, uint16_t block, const uint8_t *data, size_t len)
{
	const uint8_t *out = data;
	size_t outlen = len;
	uint16_t code;
	const char *msg;
	int ret;

	if (s->state == ST_LINGER) {
		/* Our final ACK was lost: say it again. */
		if (block == (uint16_t)(s->expect - 1))
			sess_send_ctrl(s);
		return;
	}
	if (block != (uint16_t)s->expect) {
		/* A repeat, or a gap in a window: ACK the last block we have in order. */
		if (s->state == ST_RECV || block == (uint16_t)(s->expect - 1))
			sess_send_ctrl(s);
		return;
	}
	if (len > s->p.blksize) {
		sess_error(s, TFTP_EBADOP, "DATA larger than blksize");
		return;
	}
	s->state = ST_RECV;
	if (s->size + len > s->max_bytes) {
		sess_error(s, TFTP_ENOSPACE, "File too large");
		return;
	}
	if (s->mode == TFTP_MODE_NETASCII) {
		outlen = tftp_netascii_decode(&s->nad, data, len, s->wbuf);
		out = s->wbuf;
	}
	if (outlen && write(s->wfd, out, outlen) != (ssize_t)outlen) {
		errno_to_tftp(errno ? errno : ENOSPC, &code, &msg);
		sess_error(s, code, msg);
		return;
	}
	s->size += outlen;
	s->expect++;
	s->retries = 0;
	s->cur_timeout_ms = s->timeout_ms;
	if (len < s->p.blksize) {
		ret = wrq_finish(s);
		if (ret) {
			errno_to_tftp(-ret, &code, &msg);
			sess_error(s, code, msg);
			return;
		}
		s->ok = true;
		s->state = ST_LINGER;
		log_transfer(s, "done");
		sess_send_ctrl(s);
		return;
	}
	if (++s->since_ack >= s->p.windowsize) {
		s->since_ack = 0;
		sess_send_ctrl(s);
	} else {
		arm_timer(s);
	}
}

static void sess_handle_packet(struct sess *s, int res);

static void sess_on_recv(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct sess *s = container_of(op, struct sess, recv_op);

	s->recv_armed = false;
	if (!s->closing) {
		/* Handlers may close the session; it is freed below, not under their feet. */
		s->in_recv = true;
		sess_handle_packet(s, res);
		s->in_recv = false;
	}
	if (s->closing)
		sess_maybe_free(s);
	else
		sess_arm_recv(s);
}

static void sess_handle_packet(struct sess *s, int res)
{
	struct tftp_pkt pkt;

	if (res < 0) {
		/* ICMP errors and the like: the retransmit timer copes. */
		if (res != -ECANCELED)
			pr_debug("tftp: recv: %s", strerror(-res));
		return;
	}
	if (s->rx_from.sin_addr.s_addr != s->peer.sin_addr.s_addr ||
	    s->rx_from.sin_port != s->peer.sin_port) {
		answer_stranger(s);
		return;
	}
	if (tftp_parse_packet(s->rx, (size_t)res, &pkt) < 0) {
		pr_ratelimited(LOG_WARN, "tftp: malformed packet (%d bytes) in transfer of \"%s\"",
			       res, s->filename);
		return;
	}
	if (pkt.opcode == TFTP_ERROR) {
		char outcome[160];

		/* An ERROR ends the transfer; it is never answered (RFC 1350 section 7). */
		snprintf(outcome, sizeof(outcome), "aborted by client with error %u (%.*s)",
			 pkt.errcode, (int)strnlen((const char *)pkt.data, pkt.data_len > 100 ? 100 : pkt.data_len),
			 (const char *)pkt.data);
		log_transfer(s, outcome);
		sess_close(s);
		return;
	}
	if (s->state == ST_ERROR)
		return;
	if (s->opcode == TFTP_RRQ && pkt.opcode == TFTP_ACK)
		rrq_on_ack(s, pkt.block);
	else if (s->opcode == TFTP_WRQ && pkt.opcode == TFTP_DATA)
		wrq_on_data(s, pkt.block, pkt.data, pkt.data_len);
	else
		sess_error(s, TFTP_EBADOP, NULL);
}

static void sess_on_send(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct sess *s = container_of(op, struct sess, send_op);

	s->sends--;
	if (res < 0 && !s->closing) {
		if ((res == -EINVAL || res == -EIO) && s->gso && s->state == ST_SEND) {
			/* The route cannot take GSO (datagrams over the MTU): one per block. */
			pr_info("tftp: UDP GSO refused (%s); sending block by block to %s",
				strerror(-res), inet_ntoa(s->peer.sin_addr));
			s->gso = false;
			s->want_window = true;
		} else {
			pr_debug("tftp: send: %s", strerror(-res));
		}
	}
	if (s->state == ST_ERROR && !s->sends && !s->want_ctrl) {
		sess_close(s);
		return;
	}
	if (s->closing) {
		sess_maybe_free(s);
		return;
	}
	sess_flush(s);
}

static void sess_on_timer(struct loop *loop, struct loop_timer *t)
{
	struct sess *s = container_of(t, struct sess, timer);

	if (s->state == ST_LINGER) {
		sess_close(s);
		return;
	}
	if (s->state == ST_ERROR) {
		sess_close(s);
		return;
	}
	if (++s->retries > s->max_retries) {
		log_transfer(s, "timed out");
		sess_close(s);
		return;
	}
	s->retransmits++;
	s->cur_timeout_ms *= 2;
	if (s->cur_timeout_ms > BACKOFF_CAP_MS)
		s->cur_timeout_ms = s->timeout_ms > BACKOFF_CAP_MS ? s->timeout_ms : BACKOFF_CAP_MS;
	if (s->state == ST_SEND) {
		/* Go back to the last acknowledged block and resend the whole window. */
		s->next = s->base;
		s->want_window = true;
	} else {
		s->want_ctrl = true;
	}
	if (s->sends) {
		/* A send still stuck: try again at the next tick. */
		arm_timer(s);
		return;
	}
	sess_flush(s);
}

static int sess_socket(struct sess *s)
{
	struct sockaddr_in local = s->local;
	socklen_t len = sizeof(local);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	local.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&s->local, &len) == -1) {
		int err = errno;

		close(fd);
		return -err;
	}
	s->fd = fd;
	return 0;
}

/* tftp_negotiate() left the refused option's bit in ack_opts: name it in error 8. */
static int refuse_option(struct sess *s, uint16_t *code, const char **msg)
{
	unsigned bit = s->p.ack_opts;

	*code = TFTP_EOPTNEG;
	*msg = bit == TFTP_OPT_BLKSIZE	  ? "Option negotiation failed: bad blksize"
	       : bit == TFTP_OPT_TIMEOUT  ? "Option negotiation failed: bad timeout"
	       : bit == TFTP_OPT_WINDOWSIZE ? "Option negotiation failed: bad windowsize"
					    : "Option negotiation failed";
	s->p.ack_opts = 0;
	return -1;
}

/* Prepares a read transfer; returns 0, or -1 with the TFTP error to send. */
static int rrq_setup(struct sess *s, const struct tftp_req *req, uint16_t *code, const char **msg)
{
	const struct conf *c = s->gen->conf;
	struct tftp_limits lim = {
		.max_blksize = c->tftp.max_blksize,
		.max_windowsize = c->tftp.max_windowsize,
	};
	uint16_t segw;

	if (s->generated) {
		s->data = (const uint8_t *)s->generated;
		s->size = s->generated_len;
	} else {
		s->ce = cache_open(s->tw->srv->cache, s->root_fd, s->filename, s->max_bytes);
		if (!s->ce) {
			errno_to_tftp(errno, code, msg);
			return -1;
		}
		s->data = s->ce->data;
		s->size = s->ce->size;
	}
	if (s->mode == TFTP_MODE_NETASCII) {
		s->ascii = malloc(tftp_netascii_encoded_len(s->data, s->size) + 1);
		if (!s->ascii) {
			*code = TFTP_ENOSPACE;
			*msg = NULL;
			return -1;
		}
		s->size = tftp_netascii_encode(s->data, s->size, s->ascii);
		s->data = s->ascii;
	}
	if (tftp_negotiate(req, &lim, s->size, &s->p) < 0)
		return refuse_option(s, code, msg);
	s->last = s->size / s->p.blksize + 1;
	s->base = s->next = 1;
	s->slots = s->p.windowsize;
	s->msgs = calloc(s->slots, sizeof(*s->msgs));
	s->iov = calloc(2 * (size_t)s->slots, sizeof(*s->iov));
	s->hdr = calloc(s->slots, sizeof(*s->hdr));
	if (!s->msgs || !s->iov || !s->hdr) {
		*code = TFTP_EUNDEF;
		*msg = "Out of memory";
		return -1;
	}
	segw = (uint16_t)(TFTP_HDR_LEN + s->p.blksize > 65535 ? 65535
							     : TFTP_HDR_LEN + s->p.blksize);
	{
		struct msghdr m = { .msg_control = s->gso_ctrl, .msg_controllen = sizeof(s->gso_ctrl) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(cm), &segw, sizeof(segw));
	}
	s->gso = c->tftp.gso;
	s->rx_cap = RX_SMALL;
	return 0;
}

/* Splits "dir/name" and prepares a write to a temporary file beside the target. */
static int wrq_setup(struct sess *s, const struct tftp_req *req, uint16_t *code, const char **msg)
{
	const struct conf *c = s->gen->conf;
	struct tftp_limits lim = {
		.max_blksize = c->tftp.max_blksize,
		.max_windowsize = c->tftp.max_windowsize,
	};
	static atomic_uint tmp_seq;
	char *slash, *dir;
	struct stat st;
	int fd;

	if (!s->writable) {
		*code = TFTP_EACCESS;
		*msg = "Access violation: writes are disabled";
		return -1;
	}
	if ((req->opts & TFTP_OPT_TSIZE) && req->tsize > s->max_bytes) {
		*code = TFTP_ENOSPACE;
		*msg = "File too large";
		return -1;
	}
	if (tftp_negotiate(req, &lim, req->tsize, &s->p) < 0)
		return refuse_option(s, code, msg);
	dir = strdup(s->filename);
	if (!dir)
		goto nomem;
	slash = strrchr(dir, '/');
	s->basename = slash ? s->filename + (slash - dir) + 1 : s->filename;
	if (slash)
		*slash = '\0';
	if (!*s->basename || !strcmp(s->basename, ".") || !strcmp(s->basename, "..")) {
		free(dir);
		*code = TFTP_EACCESS;
		*msg = "Access violation: bad file name";
		return -1;
	}
	fd = cache_openat_beneath(s->root_fd, slash ? dir : ".", O_PATH | O_DIRECTORY, 0);
	free(dir);
	if (fd < 0) {
		errno_to_tftp(-fd, code, msg);
		return -1;
	}
	s->dir_fd = fd;
	if (!s->overwrite && fstatat(fd, s->basename, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*code = TFTP_EEXISTS;
		*msg = NULL;
		return -1;
	}
	if (asprintf(&s->tmpname, ".%s.bootherd-%d-%u", s->basename, getpid(),
		     atomic_fetch_add(&tmp_seq, 1)) == -1) {
		s->tmpname = NULL;
		goto nomem;
	}
	s->wfd = openat(fd, s->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (s->wfd == -1) {
		free(s->tmpname);
		s->tmpname = NULL;
		errno_to_tftp(errno, code, msg);
		return -1;
	}
	s->rx_cap = TFTP_HDR_LEN + s->p.blksize + 1;
	s->wbuf = malloc(2 * (size_t)s->p.blksize + 2);
	if (!s->wbuf)
		goto nomem;
	s->expect = 1;
	return 0;
nomem:
	*code = TFTP_EUNDEF;
	*msg = "Out of memory";
	return -1;
}

/*
 * Boot configs made on request (pxelinux.cfg/..., grub.cfg-...): 0 when the name is not one,
 * 1 with s->generated set, -ENOENT when it is one but for nobody we know.
 */
static int generate(struct sess *s, const struct server_gen *gen)
{
	const struct conf *c = gen->conf;
	char base[64], a[INET_ADDRSTRLEN];
	struct bootgen_req r = {
		.path = s->filename,
		.peer = s->peer.sin_addr,
		.server = s->local.sin_addr,
	};

	if (!bootgen_may_make(s->filename))
		return 0;
	if (c->http.enabled) {
		snprintf(base, sizeof(base), "http://%s:%u",
			 inet_ntop(AF_INET, &s->local.sin_addr, a, sizeof(a)), c->http.port);
		r.http_base = base;
	}
	return bootgen_file(gen, &r, &s->generated, &s->generated_len);
}

static void start_request(struct tftp_worker *tw, const struct sockaddr_in *peer,
			  const struct in_addr *local, const uint8_t *buf, size_t len)
{
	struct server_gen *gen;
	const struct conf_root *root;
	const struct conf *c;
	struct tftp_req req;
	struct sess *s;
	const char *rest, *msg = NULL;
	uint16_t code = 0;
	char pbuf[32];
	int ret, fail = 0;

	if (!peer->sin_port)
		return;
	memset(&req, 0, sizeof(req));
	ret = tftp_parse_request(buf, len, &req);
	if (ret == -EBADMSG) {
		unsigned op = len >= 2 ? (unsigned)(buf[0] << 8 | buf[1]) : 0;

		pr_ratelimited(LOG_WARN, "tftp: malformed request (%zu bytes, opcode %u) from %s", len,
			       op, peer_str(peer, pbuf, sizeof(pbuf)));
		/*
		 * A stray DATA, ACK, ERROR or OACK belongs to some old transfer: never answer it
		 * (an ERROR must not draw an ERROR). A bad request or unknown opcode gets error 4.
		 */
		if (len < 2 || (op >= TFTP_DATA && op <= TFTP_OACK))
			return;
	}
	gen = server_gen_get();
	c = gen->conf;
	if (!rl_allow(peer->sin_addr.s_addr, loop_now_ns(tw->loop), c->limits.client_rate,
		      c->limits.client_burst)) {
		pr_ratelimited(LOG_WARN, "tftp: %s over the per-client rate limit (%u/s): request dropped",
			       inet_ntoa(peer->sin_addr), c->limits.client_rate);
		server_gen_put(gen);
		return;
	}
	if (atomic_fetch_add(&tw->srv->sessions, 1) >= c->limits.max_sessions) {
		atomic_fetch_sub(&tw->srv->sessions, 1);
		pr_ratelimited(LOG_WARN, "tftp: session cap (%u) reached: request from %s dropped",
			       c->limits.max_sessions, peer_str(peer, pbuf, sizeof(pbuf)));
		server_gen_put(gen);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		atomic_fetch_sub(&tw->srv->sessions, 1);
		server_gen_put(gen);
		return;
	}
	s->tw = tw;
	s->gen = gen;
	s->fd = s->wfd = s->dir_fd = -1;
	s->peer = *peer;
	s->local.sin_family = AF_INET;
	s->local.sin_addr = *local;
	s->recv_op.fn = sess_on_recv;
	s->send_op.fn = sess_on_send;
	s->stranger_op.fn = stranger_sent;
	s->timer.fn = sess_on_timer;
	s->t_start = loop_now_ns(tw->loop);
	s->opcode = req.opcode == TFTP_WRQ ? TFTP_WRQ : TFTP_RRQ;
	s->mode = req.mode;
	s->p.blksize = TFTP_BLKSIZE_DEFAULT;
	s->p.windowsize = 1;
	s->timeout_ms = c->tftp.timeout_ms;
	s->max_retries = c->tftp.retries;
	s->max_bytes = c->limits.max_file_bytes;
	s->rx_cap = RX_SMALL;
	s->lnext = tw->sessions;
	if (s->lnext)
		s->lnext->lprev = s;
	tw->sessions = s;
	snprintf(s->filename, sizeof(s->filename), "%s", req.filename ? req.filename : "?");
	/* Firmware written for Windows servers sends backslashes. */
	for (char *p = s->filename; *p; p++)
		if (*p == '\\')
			*p = '/';

	fail = sess_socket(s);
	if (fail) {
		pr_err("tftp: cannot open a transfer socket: %s", strerror(-fail));
		sess_close(s);
		return;
	}
	s->rx = malloc(RX_SMALL);
	if (!s->rx) {
		sess_close(s);
		return;
	}
	if (ret == -EBADMSG) {
		sess_error(s, TFTP_EBADOP, "Illegal TFTP operation: malformed request");
		goto out;
	}
	if (ret < 0) {
		char m[64];

		snprintf(m, sizeof(m), "Option negotiation failed: bad %s",
			 req.bad_option ? req.bad_option : "option");
		sess_error(s, TFTP_EOPTNEG, m);
		goto out;
	}
	if (req.opcode == TFTP_RRQ) {
		fail = generate(s, gen);
		if (fail == -ENOENT) {
			sess_error(s, TFTP_ENOTFOUND, NULL);
			goto out;
		}
		if (fail < 0) {
			sess_error(s, TFTP_EUNDEF, "Cannot make the boot configuration");
			goto out;
		}
	}
	root = s->generated ? NULL : conf_root_for(c, s->filename, &rest);
	if (!root && !s->generated) {
		sess_error(s, TFTP_ENOTFOUND, NULL);
		goto out;
	}
	if (s->generated)
		goto setup;
	s->root_fd = gen->root_fds[root - c->roots];
	s->writable = root->writable;
	s->overwrite = root->overwrite;
	memmove(s->filename, rest, strlen(rest) + 1);
setup:
	if (req.timeout && (req.opts & TFTP_OPT_TIMEOUT))
		s->timeout_ms = req.timeout * 1000;
	s->cur_timeout_ms = s->timeout_ms;
	fail = req.opcode == TFTP_RRQ ? rrq_setup(s, &req, &code, &msg)
				      : wrq_setup(s, &req, &code, &msg);
	if (fail) {
		sess_error(s, code, msg);
		goto out;
	}
	if (s->p.timeout)
		s->cur_timeout_ms = s->timeout_ms = s->p.timeout * 1000;
	if (s->rx_cap > RX_SMALL) {
		uint8_t *rx = realloc(s->rx, s->rx_cap);

		if (!rx) {
			sess_error(s, TFTP_EUNDEF, "Out of memory");
			goto out;
		}
		s->rx = rx;
	}
	if (s->p.ack_opts) {
		s->state = ST_OACK;
		sess_send_ctrl(s);
	} else if (s->opcode == TFTP_RRQ) {
		s->state = ST_SEND;
		s->want_window = true;
		sess_flush(s);
	} else {
		/* A plain WRQ is answered with ACK 0. */
		s->state = ST_RECV;
		sess_send_ctrl(s);
	}
out:
	sess_arm_recv(s);
}

static void arm_listener(struct tftp_worker *tw)
{
	int ret;

	if (tw->stopping)
		return;
	ret = loop_recvmsg_multishot(tw->loop, &tw->listen_op, tw->listen_fd, &tw->listen_msg,
				     &tw->ring);
	if (ret)
		pr_err("tftp: cannot arm the listener: %s", strerror(-ret));
}

static void on_listen(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct tftp_worker *tw = container_of(op, struct tftp_worker, listen_op);
	struct io_uring_recvmsg_out *out;
	struct sockaddr_in *peer;
	struct in_addr local;
	struct cmsghdr *cm;
	uint8_t *buf;

	if (res < 0) {
		if (res != -ENOBUFS && res != -ECANCELED)
			pr_warn("tftp: listener: %s", strerror(-res));
		if (!(flags & IORING_CQE_F_MORE) && res != -ECANCELED)
			arm_listener(tw);
		return;
	}
	if (!(flags & IORING_CQE_F_BUFFER))
		goto rearm;
	buf = loop_buf(&tw->ring, flags);
	out = io_uring_recvmsg_validate(buf, res, &tw->listen_msg);
	if (!out || out->namelen < sizeof(*peer) || (out->flags & MSG_TRUNC))
		goto recycle;
	peer = io_uring_recvmsg_name(out);
	local.s_addr = htonl(INADDR_ANY);
	for (cm = io_uring_recvmsg_cmsg_firsthdr(out, &tw->listen_msg); cm;
	     cm = io_uring_recvmsg_cmsg_nexthdr(out, &tw->listen_msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* Answer from the address the client talked to. */
			local = pi.ipi_spec_dst;
		}
	}
	start_request(tw, peer, &local,
		      io_uring_recvmsg_payload(out, &tw->listen_msg),
		      io_uring_recvmsg_payload_length(out, res, &tw->listen_msg));
recycle:
	loop_buf_recycle(loop, &tw->ring, flags);
rearm:
	if (!(flags & IORING_CQE_F_MORE))
		arm_listener(tw);
}

int tftp_listen_socket(const struct conf *c, bool first)
{
	int one = 1, fd;

	fd = sock_reuseport(SOCK_DGRAM, c->listen_addr, c->tftp.port, first, 0);
	if (fd < 0)
		return fd;
	/* The local address of each request, so a transfer answers from where it was asked. */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

struct tftp_worker *tftp_worker_new(struct loop *loop, struct server *srv, int listen_fd)
{
	struct tftp_worker *tw = calloc(1, sizeof(*tw));
	int ret;

	if (!tw)
		return NULL;
	tw->loop = loop;
	tw->srv = srv;
	tw->listen_fd = listen_fd;
	tw->listen_op.fn = on_listen;
	/* Multishot recvmsg lays out name and control in each buffer from these lengths. */
	tw->listen_msg.msg_namelen = sizeof(struct sockaddr_in);
	tw->listen_msg.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
	ret = loop_bufring_init(loop, &tw->ring, LISTEN_BGID, LISTEN_BUFS, LISTEN_BUF_SIZE);
	if (ret) {
		pr_err("tftp: provided-buffer ring: %s", strerror(-ret));
		free(tw);
		errno = -ret;
		return NULL;
	}
	arm_listener(tw);
	return tw;
}

void tftp_worker_free(struct tftp_worker *tw)
{
	if (!tw)
		return;
	/* The ring is gone (loop_free ran first), so no operation can still touch a session. */
	while (tw->sessions) {
		struct sess *s = tw->sessions;

		if (!s->closing && !s->ok && s->state != ST_ERROR)
			log_transfer(s, "aborted by shutdown");
		sess_free(s);
	}
	loop_bufring_free(NULL, &tw->ring);
	free(tw);
}
