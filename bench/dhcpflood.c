// SPDX-License-Identifier: MIT
/*
 * dhcpflood: a DHCP load generator for benchmarks. From one interface (a veth end in the
 * client namespace) it plays N PXE clients, each with its own MAC: a broadcast DISCOVER
 * (Ethernet broadcast, 0.0.0.0:68 -> 255.255.255.255:67, IP and UDP checksums computed here),
 * the OFFER read back (broadcast, or unicast to the client's MAC), a REQUEST for the offered
 * address to the offering server (options 50 and 54), the ACK: one full DORA per exchange, as
 * raw frames over one AF_PACKET socket. What a server's XDP program sees are the frames real
 * nodes send, not datagrams from one relay (perfdhcp's way, which a fast path passes on).
 *
 *   dhcpflood -i IFACE [-n MACS | --hosts FILE] (-r RATE | -w WINDOW) [-d SECS] [-D DROP_S]
 *             [-c COUNT] [--xdp-pass[=native|skb]] [--json] ...        (dhcpflood --help)
 *
 * Two modes. -r RATE: open loop, RATE DISCOVERs per second for -d seconds, then a wait for the
 * answers still due; an exchange is lost when its OFFER or ACK does not come within DROP_S of
 * the message it answers (no retransmission: a bench measures loss, it does not hide it), and a
 * DISCOVER due while every MAC has an exchange in flight is skipped and counted lost. -w WINDOW:
 * closed loop, WINDOW exchanges in flight at all times (one ends, the next MAC starts), which
 * finds what a server completes at saturation. MACs are used in turn, so a MAC's next exchange
 * comes as late as possible.
 *
 * Why it is fast enough to measure an in-kernel server: frames go out by sendmmsg() (up to 64 a
 * call, PACKET_QDISC_BYPASS) from templates patched per exchange; replies come in through a
 * TPACKET_V2 receive ring (no system call per frame; each frame stamped by the kernel as it
 * arrives). TPACKET_V3 is not used: it hands frames over a block at a time, on a timer of
 * jiffies (4 ms here at HZ=250), which would hold every REQUEST back by that much. A classic BPF
 * filter keeps all but UDP to port 68 out of the ring.
 *
 * Latencies use the ring's receive stamps (CLOCK_REALTIME, set by the kernel) against the time
 * taken just before the sendmmsg() that sent the message: OFFER (DISCOVER sent to OFFER
 * received), ACK (REQUEST to ACK) and the whole DORA.
 *
 * --xdp-pass attaches an XDP program that returns XDP_PASS to IFACE (native mode by default)
 * for as long as the process runs, through a BPF link: XDP_TX from a veth's peer reaches this
 * end only when it has an XDP program. The program is two instructions, loaded with bpf(2).
 *
 * Prints a summary on stderr and, with --json, one JSON object on stdout. Exits 0 when the
 * exchanges lost are at most --max-lost percent (100 by default), 1 otherwise, 2 on error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BATCH           64      /* frames per sendmmsg() */
#define FRAME_MAX       640     /* our requests: 42 + 300 (and the options fit below that) */
#define BOOTP_OFF       (14 + 20 + 8)
#define OPT_OFF         240
#define RING_FRAME      2048    /* a 1500-byte frame and the tpacket header */

enum xstate {
	XS_IDLE = 0,
	XS_OFFER = 1,           /* DISCOVER sent, waiting for the OFFER */
	XS_ACK = 2,             /* REQUEST sent, waiting for the ACK */
};

struct client {
	uint8_t mac[6];
	uint8_t state;
	uint32_t xid;           /* of the exchange in flight, as on the wire */
	uint32_t expect_ip;     /* from --hosts, network order; 0: not checked */
	uint32_t yiaddr, sid;   /* from the OFFER, network order */
	uint64_t t_disc, t_req; /* CLOCK_REALTIME ns when sent */
	uint64_t t_offer;       /* the OFFER's receive stamp */
};

/* A timeout entry: the exchange of client @idx with @xid expires at @at unless it moved on. */
struct tmo {
	uint32_t idx, xid;
	uint64_t at;            /* CLOCK_MONOTONIC ns */
};

struct fifo {                   /* a growable ring of timeout entries, in time order */
	struct tmo *v;
	size_t cap, head, n;
};

struct u32fifo {                /* the free clients, in the order they became free */
	uint32_t *v;
	size_t cap, head, n;
};

struct lat {                    /* latencies in ns, sorted at the end */
	uint32_t *v;
	size_t n, cap;
};

static struct {
	const char *ifname;
	const char *hosts;
	unsigned macs;
	uint8_t prefix[3];
	unsigned first;
	double rate;
	unsigned window;
	double secs;
	double drop_s;
	uint64_t count;         /* 0: no limit */
	int xdp_mode;           /* 0: none, XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	bool json;
	bool broadcast;
	bool pxe;
	bool client_id;
	bool uuid;
	unsigned arch;
	unsigned max_size;      /* option 57; 0: left out */
	double max_lost;
	unsigned tick_us;
	unsigned ring_frames;
	bool quiet;
} opt = {
	.macs = 1000, .prefix = { 0x02, 0x88, 0x00 }, .secs = 5, .drop_s = 1, .broadcast = true,
	.pxe = true, .client_id = true, .max_size = 1472, .max_lost = 100, .tick_us = 200,
	.ring_frames = 4096,
};

static struct client *cl;
static unsigned ncl;
static uint32_t *htab;          /* MAC -> client index + 1, open addressing */
static unsigned hmask;
static int fd = -1;
static int ifindex;
static uint8_t *ring;
static size_t ring_len;
static unsigned ring_head;
static volatile sig_atomic_t stop_flag;

static struct {
	uint64_t attempted, disc_sent, offers, req_sent, acks, naks, wrong, dup, unmatched;
	uint64_t bad_csum, partial_csum, tmo_offer, tmo_ack, skipped, frames_in, send_calls;
	uint64_t send_again, send_err, frames_out;
	unsigned ring_drops;
} st;

static struct lat lat_dora, lat_offer, lat_ack;

/* --- small helpers ------------------------------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dhcpflood: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p)
		die("out of memory");
	return p;
}

static void fifo_push(struct fifo *f, uint32_t idx, uint32_t xid, uint64_t at)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 4096;
		struct tmo *v = xcalloc(ncap, sizeof(*v));

		for (size_t i = 0; i < f->n; i++)
			v[i] = f->v[(f->head + i) % f->cap];
		free(f->v);
		f->v = v;
		f->cap = ncap;
		f->head = 0;
	}
	f->v[(f->head + f->n) % f->cap] = (struct tmo){ idx, xid, at };
	f->n++;
}

static void free_push(struct u32fifo *f, uint32_t idx)
{
	f->v[(f->head + f->n) % f->cap] = idx;
	f->n++;
}

static bool free_pop(struct u32fifo *f, uint32_t *idx)
{
	if (!f->n)
		return false;
	*idx = f->v[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
	return true;
}

static void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 65536;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, in microseconds; -1 when empty. */
static double lat_pct(struct lat *l, double p)
{
	size_t k;

	if (!l->n)
		return -1;
	k = (size_t)(p * (double)l->n / 100.0);
	if ((double)k < p * (double)l->n / 100.0)
		k++;
	if (k < 1)
		k = 1;
	if (k > l->n)
		k = l->n;
	return l->v[k - 1] / 1000.0;
}

/* --- checksums (RFC 1071: summed in host order over the bytes as they lie, stored as is) --- */

static uint64_t csum_add(uint64_t s, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t w;
	uint16_t h;

	while (len >= 4) {
		memcpy(&w, b, 4);
		s += w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, b, 2);
		s += h;
		b += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { b[0], 0 };

		memcpy(&h, last, 2);
		s += h;
	}
	return s;
}

static uint16_t csum_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum's sum over the pseudo header and the segment at @udp (@ulen bytes). */
static uint16_t udp_sum(const uint8_t *ip, const uint8_t *udp, size_t ulen)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = (uint8_t)(ulen >> 8);
	ph[11] = (uint8_t)ulen;
	return csum_fold(csum_add(csum_add(0, ph, sizeof(ph)), udp, ulen));
}

/* --- frames ---------------------------------------------------------------------------------- */

static const uint8_t prl[] = { 1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40,
			       41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130,
			       131, 132, 133, 134, 135 };

/* A DISCOVER (type 1) or REQUEST (3) from client @c into @f; returns the frame's length. */
static size_t build(uint8_t *f, const struct client *c, int type)
{
	uint8_t *ip = f + 14, *udp = f + 34, *b = f + BOOTP_OFF, *o = b + OPT_OFF;
	size_t blen, ulen;
	uint16_t sum;

	memset(f, 0xff, 6);
	memcpy(f + 6, c->mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(b, 0, OPT_OFF);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &c->xid, 4);
	if (opt.broadcast)
		b[10] = 0x80;
	memcpy(b + 28, c->mac, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
	*o++ = 53, *o++ = 1, *o++ = (uint8_t)type;
	if (type == 3) {
		*o++ = 50, *o++ = 4;
		memcpy(o, &c->yiaddr, 4), o += 4;
		*o++ = 54, *o++ = 4;
		memcpy(o, &c->sid, 4), o += 4;
	}
	if (opt.client_id) {
		*o++ = 61, *o++ = 7, *o++ = 1;
		memcpy(o, c->mac, 6), o += 6;
	}
	if (opt.max_size)
		*o++ = 57, *o++ = 2, *o++ = (uint8_t)(opt.max_size >> 8), *o++ = (uint8_t)opt.max_size;
	*o++ = 55, *o++ = sizeof(prl);
	memcpy(o, prl, sizeof(prl)), o += sizeof(prl);
	if (opt.pxe) {
		char v[40];
		int n = snprintf(v, sizeof(v), "PXEClient:Arch:%05u:UNDI:002001", opt.arch);

		*o++ = 60, *o++ = (uint8_t)n;
		memcpy(o, v, (size_t)n), o += n;
		*o++ = 93, *o++ = 2, *o++ = (uint8_t)(opt.arch >> 8), *o++ = (uint8_t)opt.arch;
		*o++ = 94, *o++ = 3, *o++ = 1, *o++ = 2, *o++ = 1;
	}
	if (opt.uuid) {
		*o++ = 97, *o++ = 17, *o++ = 0;
		memset(o, 0x5a, 10), o += 10;
		memcpy(o, c->mac, 6), o += 6;
	}
	*o++ = 255;
	blen = (size_t)(o - b);
	if (blen < 300) {               /* BOOTP's minimum, as firmware pads */
		memset(o, 0, 300 - blen);
		blen = 300;
	}
	ulen = 8 + blen;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = 0x10;
	ip[2] = (uint8_t)((20 + ulen) >> 8);
	ip[3] = (uint8_t)(20 + ulen);
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);       /* 0.0.0.0 -> 255.255.255.255 */
	sum = (uint16_t)~csum_fold(csum_add(0, ip, 20));
	memcpy(ip + 10, &sum, 2);
	udp[0] = 0, udp[1] = 68, udp[2] = 0, udp[3] = 67;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = udp[7] = 0;
	sum = (uint16_t)~udp_sum(ip, udp, ulen);
	if (!sum)
		sum = 0xffff;
	memcpy(udp + 6, &sum, 2);
	return 14 + 20 + ulen;
}

/* --- the send batch ------------------------------------------------------------------------ */

static struct fifo q_offer, q_ack;
static struct u32fifo freeq;
static uint64_t outstanding;    /* exchanges in flight (queued or sent, not ended) */
static uint64_t drop_ns;

/* The send queue: a ring of frames built and stamped, sent BATCH at a time. A frame waits in
 * it only while the interface pushes back (ENOBUFS: the veth's ring is full). */
#define OUTQ 4096
static uint8_t (*obuf)[FRAME_MAX];
static struct iovec oiov[OUTQ];
static struct mmsghdr omsg[OUTQ];
static uint32_t oidx[OUTQ];
static uint8_t otype[OUTQ];
static unsigned ohead, on;      /* first queued frame, frames queued */
static bool send_blocked;       /* the last sendmmsg() was pushed back */
static uint64_t rt_now, mono_now;       /* read once per turn of the loop */

static void flush(void)
{
	send_blocked = false;
	while (on) {
		unsigned n = on < BATCH ? on : BATCH;
		int r;

		if (n > OUTQ - ohead)
			n = OUTQ - ohead;
		r = sendmmsg(fd, omsg + ohead, n, MSG_DONTWAIT);
		st.send_calls++;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS) {
				st.send_again++;
				send_blocked = true;
				return;
			}
			die("sendmmsg: %s", strerror(errno));
		}
		for (int k = 0; k < r; k++) {
			if (otype[ohead + k] == 1)
				st.disc_sent++;
			else
				st.req_sent++;
		}
		st.frames_out += (uint64_t)r;
		ohead = (ohead + (unsigned)r) % OUTQ;
		on -= (unsigned)r;
	}
}

/* A DISCOVER or REQUEST of client @i into the send queue; its exchange waits for the answer
 * from now on (so time spent queued behind a full veth counts against the server). */
static void queue(uint32_t i, int type)
{
	struct client *c = &cl[i];
	unsigned slot;

	if (on == OUTQ && !send_blocked)
		flush();
	if (on == OUTQ) {
		/* Pushed back for OUTQ frames: this one is lost as if on the wire. */
		st.send_err++;
		c->state = XS_IDLE;
		outstanding--;
		free_push(&freeq, i);
		return;
	}
	slot = (ohead + on) % OUTQ;
	oiov[slot].iov_len = build(obuf[slot], c, type);
	oidx[slot] = i;
	otype[slot] = (uint8_t)type;
	on++;
	if (type == 1) {
		c->t_disc = rt_now;
		c->state = XS_OFFER;
		fifo_push(&q_offer, i, c->xid, mono_now + drop_ns);
	} else {
		c->t_req = rt_now;
		c->state = XS_ACK;
		fifo_push(&q_ack, i, c->xid, mono_now + drop_ns);
	}
	if (on >= BATCH && !send_blocked)
		flush();
}

static uint32_t xid_next;

static bool start_exchange(void)
{
	uint32_t i;

	st.attempted++;
	if (!free_pop(&freeq, &i)) {
		st.skipped++;
		return false;
	}
	cl[i].xid = htonl(xid_next++);
	outstanding++;
	queue(i, 1);
	return true;
}

static void end_exchange(uint32_t i)
{
	cl[i].state = XS_IDLE;
	outstanding--;
	free_push(&freeq, i);
}

/* Exchanges whose message went unanswered for DROP_S; entries of exchanges that moved on are
 * dropped as they reach the head. */
static void expire(struct fifo *q, uint8_t state, uint64_t *count, uint64_t now)
{
	while (q->n) {
		struct tmo *t = &q->v[q->head];
		struct client *c = &cl[t->idx];
		bool live = c->state == state && c->xid == t->xid;

		if (live && t->at > now)
			break;
		if (live) {
			(*count)++;
			end_exchange(t->idx);
		}
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

static uint64_t next_deadline(void)
{
	uint64_t d = UINT64_MAX;

	if (q_offer.n)
		d = q_offer.v[q_offer.head].at;
	if (q_ack.n && q_ack.v[q_ack.head].at < d)
		d = q_ack.v[q_ack.head].at;
	return d;
}

/* --- replies --------------------------------------------------------------------------------- */

static uint32_t mac_hash(const uint8_t *m)
{
	uint32_t h = 2166136261u;

	for (int k = 0; k < 6; k++)
		h = (h ^ m[k]) * 16777619u;
	return h;
}

static void hash_add(uint32_t i)
{
	uint32_t h = mac_hash(cl[i].mac) & hmask;

	while (htab[h]) {
		if (!memcmp(cl[htab[h] - 1].mac, cl[i].mac, 6))
			die("MAC %02x:%02x:%02x:%02x:%02x:%02x twice", cl[i].mac[0], cl[i].mac[1],
			    cl[i].mac[2], cl[i].mac[3], cl[i].mac[4], cl[i].mac[5]);
		h = (h + 1) & hmask;
	}
	htab[h] = i + 1;
}

static int hash_find(const uint8_t *m)
{
	uint32_t h = mac_hash(m) & hmask;

	while (htab[h]) {
		if (!memcmp(cl[htab[h] - 1].mac, m, 6))
			return (int)htab[h] - 1;
		h = (h + 1) & hmask;
	}
	return -1;
}

/* Option 53 and 54 of one options area. */
static void parse_opts(const uint8_t *p, size_t len, int *type, uint32_t *sid, int *overload)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i], l;

		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255 || i + 1 >= len)
			break;
		l = p[i + 1];
		if (i + 2 + l > len)
			break;
		if (c == 53 && l == 1)
			*type = p[i + 2];
		else if (c == 54 && l == 4)
			memcpy(sid, p + i + 2, 4);
		else if (c == 52 && l == 1)
			*overload = p[i + 2];
		i += 2 + (size_t)l;
	}
}

static void on_frame(const uint8_t *f, size_t len, uint32_t status, uint64_t ts)
{
	const uint8_t *ip, *udp, *b;
	size_t ihl, ulen, blen;
	uint32_t sid = 0, yi;
	int type = 0, overload = 0, i;
	struct client *c;

	st.frames_in++;
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0)
		goto other;
	ip = f + 14;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < 14 + ihl + 8 || ip[9] != 17)
		goto other;
	udp = ip + ihl;
	ulen = (size_t)udp[4] << 8 | udp[5];
	if (ulen < 8 + OPT_OFF || 14 + ihl + ulen > len)
		goto other;
	if (status & TP_STATUS_CSUMNOTREADY) {
		st.partial_csum++;      /* a veth with TX offload: the sender left it partial */
	} else if (csum_fold(csum_add(0, ip, ihl)) != 0xffff ||
		   ((udp[6] || udp[7]) && udp_sum(ip, udp, ulen) != 0xffff)) {
		st.bad_csum++;
		return;
	}
	b = udp + 8;
	blen = ulen - 8;
	if (b[0] != 2 || b[1] != 1 || b[2] != 6 || b[236] != 99 || b[237] != 130 ||
	    b[238] != 83 || b[239] != 99)
		goto other;
	i = hash_find(b + 28);
	if (i < 0)
		goto other;
	c = &cl[i];
	if (memcmp(b + 4, &c->xid, 4))
		goto other;
	parse_opts(b + OPT_OFF, blen - OPT_OFF, &type, &sid, &overload);
	if (overload & 1)
		parse_opts(b + 108, 128, &type, &sid, &overload);
	if (overload & 2)
		parse_opts(b + 44, 64, &type, &sid, &overload);
	memcpy(&yi, b + 16, 4);
	if (type == 2 && c->state == XS_OFFER) {
		st.offers++;
		c->t_offer = ts;
		lat_add(&lat_offer, ts > c->t_disc ? ts - c->t_disc : 0);
		if (c->expect_ip && yi != c->expect_ip) {
			st.wrong++;
			end_exchange((uint32_t)i);
			return;
		}
		c->yiaddr = yi;
		c->sid = sid;
		if (!sid)
			memcpy(&c->sid, ip + 12, 4);
		queue((uint32_t)i, 3);
	} else if (type == 5 && c->state == XS_ACK) {
		if (yi != c->yiaddr) {
			st.wrong++;
		} else {
			st.acks++;
			lat_add(&lat_ack, ts > c->t_req ? ts - c->t_req : 0);
			lat_add(&lat_dora, ts > c->t_disc ? ts - c->t_disc : 0);
		}
		end_exchange((uint32_t)i);
	} else if (type == 6 && c->state == XS_ACK) {
		st.naks++;
		end_exchange((uint32_t)i);
	} else if (type == 2 || type == 5 || type == 6) {
		st.dup++;               /* a second answer, or one to a message not sent yet */
	} else {
		goto other;
	}
	return;
other:
	st.unmatched++;
}

/* Every frame the kernel has handed over in the ring; returns how many. */
static unsigned rx_drain(void)
{
	unsigned n = 0;

	for (;;) {
		struct tpacket2_hdr *h = (void *)(ring + (size_t)ring_head * RING_FRAME);
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

		if (!(status & TP_STATUS_USER))
			break;
		if (!n) {
			/* The REQUESTs these frames answer are stamped from here. */
			mono_now = clock_ns(CLOCK_MONOTONIC);
			rt_now = clock_ns(CLOCK_REALTIME);
		}
		on_frame((uint8_t *)h + h->tp_mac, h->tp_snaplen, status,
			 (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec);
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		ring_head = (ring_head + 1) % opt.ring_frames;
		n++;
	}
	return n;
}

static bool rx_ready(void)
{
	struct tpacket2_hdr *h = (void *)(ring + (size_t)ring_head * RING_FRAME);

	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* --- setup ----------------------------------------------------------------------------------- */

static void open_socket(void)
{
	/* ip[9] == 17, not a fragment, udp dport == 68 */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 65535),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
	struct tpacket_req req;
	struct tpacket_stats ps;
	socklen_t sl = sizeof(ps);
	int one = 1, v = TPACKET_V2, snd = 4 << 20;
	unsigned per_block;

	/* Protocol 0 until bound: nothing is queued before the filter and the ring are in place. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die("socket(AF_PACKET): %s (run as root)", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == -1)
		die("SO_ATTACH_FILTER: %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == -1)
		die("PACKET_VERSION: %s", strerror(errno));
	per_block = (1u << 16) / RING_FRAME;
	opt.ring_frames = (opt.ring_frames + per_block - 1) / per_block * per_block;
	req = (struct tpacket_req){ .tp_block_size = 1u << 16, .tp_frame_size = RING_FRAME,
				    .tp_block_nr = opt.ring_frames / per_block,
				    .tp_frame_nr = opt.ring_frames };
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) == -1)
		die("PACKET_RX_RING: %s", strerror(errno));
	ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (ring == MAP_FAILED)
		die("mmap of the ring: %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1)
		die("PACKET_IGNORE_OUTGOING: %s", strerror(errno));
	/* Straight to the driver: a veth has no queue, and our frames need none. */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		die("bind to %s: %s", opt.ifname, strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1)
		die("PACKET_ADD_MEMBERSHIP: %s", strerror(errno));
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &sl);    /* resets the counters */
	obuf = xcalloc(OUTQ, FRAME_MAX);
	for (unsigned k = 0; k < OUTQ; k++) {
		oiov[k].iov_base = obuf[k];
		omsg[k].msg_hdr.msg_iov = &oiov[k];
		omsg[k].msg_hdr.msg_iovlen = 1;
	}
}

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* XDP_PASS on the interface for as long as this process lives (a BPF link); the link's fd. */
static int xdp_pass_attach(int flags)
{
	struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr a;
	int pfd, lfd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.expected_attach_type = BPF_XDP;
	a.insns = (uint64_t)(uintptr_t)pass;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	memcpy(a.prog_name, "dhcpflood_pass", 15);
	pfd = sys_bpf(BPF_PROG_LOAD, &a);
	if (pfd == -1)
		die("BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)pfd;
	a.link_create.target_ifindex = (uint32_t)ifindex;
	a.link_create.attach_type = BPF_XDP;
	a.link_create.flags = (uint32_t)flags;
	lfd = sys_bpf(BPF_LINK_CREATE, &a);
	if (lfd == -1)
		die("attaching XDP_PASS to %s (%s mode): %s", opt.ifname,
		    flags == XDP_FLAGS_DRV_MODE ? "native" : "skb", strerror(errno));
	close(pfd);
	return lfd;
}

static void parse_mac(const char *s, uint8_t *m, int n, const char *what)
{
	unsigned v[6];
	int k = sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);

	if (k != n)
		die("bad %s '%s'", what, s);
	for (int j = 0; j < n; j++) {
		if (v[j] > 255)
			die("bad %s '%s'", what, s);
		m[j] = (uint8_t)v[j];
	}
}

static void load_clients(void)
{
	if (opt.hosts) {
		FILE *f = fopen(opt.hosts, "re");
		char line[512];
		unsigned cap = 1024;

		if (!f)
			die("%s: %s", opt.hosts, strerror(errno));
		cl = xcalloc(cap, sizeof(*cl));
		while (fgets(line, sizeof(line), f)) {
			char *mac = strtok(line, " ,\t\r\n"), *ipstr;
			struct in_addr a;

			if (!mac || mac[0] == '#')
				continue;
			if (opt.macs && ncl == opt.macs)
				break;
			if (ncl == cap) {
				cl = realloc(cl, 2 * cap * sizeof(*cl));
				if (!cl)
					die("out of memory");
				memset(cl + cap, 0, cap * sizeof(*cl));
				cap *= 2;
			}
			parse_mac(mac, cl[ncl].mac, 6, "MAC");
			ipstr = strtok(NULL, " ,\t\r\n");
			if (ipstr) {
				if (inet_pton(AF_INET, ipstr, &a) != 1)
					die("%s: bad address '%s'", opt.hosts, ipstr);
				cl[ncl].expect_ip = a.s_addr;
			}
			ncl++;
		}
		fclose(f);
		if (!ncl)
			die("%s: no MAC", opt.hosts);
	} else {
		if (!opt.macs || opt.first + opt.macs > 1u << 24)
			die("-n: 1 to 2^24 MACs (from --first)");
		ncl = opt.macs;
		cl = xcalloc(ncl, sizeof(*cl));
		for (unsigned i = 0; i < ncl; i++) {
			unsigned x = opt.first + i;

			memcpy(cl[i].mac, opt.prefix, 3);
			cl[i].mac[3] = (uint8_t)(x >> 16);
			cl[i].mac[4] = (uint8_t)(x >> 8);
			cl[i].mac[5] = (uint8_t)x;
		}
	}
	hmask = 1;
	while (hmask < 2 * ncl)
		hmask <<= 1;
	htab = xcalloc(hmask, sizeof(*htab));
	hmask--;
	for (unsigned i = 0; i < ncl; i++)
		hash_add(i);
	freeq.cap = ncl;
	freeq.v = xcalloc(ncl, sizeof(*freeq.v));
	for (unsigned i = 0; i < ncl; i++)
		free_push(&freeq, i);
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: dhcpflood -i IFACE (-r RATE | -w WINDOW) [options]\n"
		"  -i, --iface IFACE     send and receive on IFACE (raw frames)\n"
		"  -n, --macs N          clients, MACs PREFIX:xx:xx:xx from --first (1000)\n"
		"      --prefix AA:BB:CC the MACs' first three bytes (02:88:00)\n"
		"      --first K         index of the first MAC (0)\n"
		"      --hosts FILE      the clients from FILE instead: 'MAC IP' or 'MAC,IP,...' per\n"
		"                        line (the first -n, if given); each OFFER and ACK must give IP\n"
		"  -r, --rate R          open loop: R DISCOVERs per second\n"
		"  -w, --window W        closed loop: W exchanges in flight\n"
		"  -d, --duration S      seconds of new exchanges (5), then the wait for the last answers\n"
		"  -D, --drop S          an OFFER or ACK later than S seconds is lost (1)\n"
		"  -c, --count N         start at most N exchanges\n"
		"      --no-broadcast    leave the broadcast flag off (replies unicast to the MAC)\n"
		"      --no-pxe          leave out options 60 (PXEClient:Arch:...), 93 and 94\n"
		"      --arch N          option 93 and the Arch of option 60 (0: BIOS)\n"
		"      --no-client-id    leave out option 61\n"
		"      --uuid            add option 97 (a client UUID)\n"
		"      --max-size N      option 57 (1472; 0 leaves it out)\n"
		"      --xdp-pass[=MODE] an XDP_PASS program on IFACE while running: native (default)\n"
		"                        or skb; needed to receive XDP_TX from a veth's peer\n"
		"      --tick-us US      pacing granularity of -r (200)\n"
		"      --ring N          receive ring frames (4096)\n"
		"      --max-lost PCT    exit 1 when more than PCT%% of the exchanges were lost (100)\n"
		"  -j, --json            one JSON object on stdout\n"
		"  -q, --quiet           no summary on stderr\n");
}

/* The first signal ends the sending period (the report follows), a second the wait too. */
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = stop_flag + 1;
}

static void print_lat(const char *name, struct lat *l)
{
	if (!l->n) {
		printf("\"%s\": {\"n\": 0, \"p50\": null, \"p90\": null, \"p99\": null, "
		       "\"max\": null}", name);
		return;
	}
	printf("\"%s\": {\"n\": %zu, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f}",
	       name, l->n, lat_pct(l, 50), lat_pct(l, 90), lat_pct(l, 99), lat_pct(l, 100));
}

int main(int argc, char **argv)
{
	enum { O_PREFIX = 256, O_FIRST, O_HOSTS, O_NOBC, O_NOPXE, O_ARCH, O_NOCID, O_UUID,
	       O_MAXSZ, O_XDP, O_TICK, O_RING, O_MAXLOST };
	static const struct option lo[] = {
		{ "iface", 1, 0, 'i' }, { "macs", 1, 0, 'n' }, { "prefix", 1, 0, O_PREFIX },
		{ "first", 1, 0, O_FIRST }, { "hosts", 1, 0, O_HOSTS }, { "rate", 1, 0, 'r' },
		{ "window", 1, 0, 'w' }, { "duration", 1, 0, 'd' }, { "drop", 1, 0, 'D' },
		{ "count", 1, 0, 'c' }, { "no-broadcast", 0, 0, O_NOBC }, { "no-pxe", 0, 0, O_NOPXE },
		{ "arch", 1, 0, O_ARCH }, { "no-client-id", 0, 0, O_NOCID }, { "uuid", 0, 0, O_UUID },
		{ "max-size", 1, 0, O_MAXSZ }, { "xdp-pass", 2, 0, O_XDP }, { "tick-us", 1, 0, O_TICK },
		{ "ring", 1, 0, O_RING }, { "max-lost", 1, 0, O_MAXLOST }, { "json", 0, 0, 'j' },
		{ "quiet", 0, 0, 'q' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct rusage ru0, ru1;
	uint64_t t0, t_end, t_stop = 0, rt0, tick_ns, now;
	double wall, cpu_u, cpu_s, lost_pct;
	int c, link_fd = -1;
	bool running = true, n_given = false;

	while ((c = getopt_long(argc, argv, "i:n:r:w:d:D:c:jqh", lo, NULL)) != -1) {
		switch (c) {
		case 'i': opt.ifname = optarg; break;
		case 'n': opt.macs = (unsigned)strtoul(optarg, NULL, 0); n_given = true; break;
		case O_PREFIX: parse_mac(optarg, opt.prefix, 3, "prefix"); break;
		case O_FIRST: opt.first = (unsigned)strtoul(optarg, NULL, 0); break;
		case O_HOSTS: opt.hosts = optarg; break;
		case 'r': opt.rate = strtod(optarg, NULL); break;
		case 'w': opt.window = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': opt.secs = strtod(optarg, NULL); break;
		case 'D': opt.drop_s = strtod(optarg, NULL); break;
		case 'c': opt.count = strtoull(optarg, NULL, 0); break;
		case O_NOBC: opt.broadcast = false; break;
		case O_NOPXE: opt.pxe = false; break;
		case O_ARCH: opt.arch = (unsigned)strtoul(optarg, NULL, 0); break;
		case O_NOCID: opt.client_id = false; break;
		case O_UUID: opt.uuid = true; break;
		case O_MAXSZ: opt.max_size = (unsigned)strtoul(optarg, NULL, 0); break;
		case O_XDP:
			if (!optarg || !strcmp(optarg, "native"))
				opt.xdp_mode = XDP_FLAGS_DRV_MODE;
			else if (!strcmp(optarg, "skb"))
				opt.xdp_mode = XDP_FLAGS_SKB_MODE;
			else
				die("--xdp-pass: native or skb");
			break;
		case O_TICK: opt.tick_us = (unsigned)strtoul(optarg, NULL, 0); break;
		case O_RING: opt.ring_frames = (unsigned)strtoul(optarg, NULL, 0); break;
		case O_MAXLOST: opt.max_lost = strtod(optarg, NULL); break;
		case 'j': opt.json = true; break;
		case 'q': opt.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.ifname || optind != argc)
		usage(stderr), exit(2);
	if ((opt.rate > 0) == (opt.window > 0))
		die("one of -r RATE and -w WINDOW");
	if (opt.secs <= 0 || opt.drop_s <= 0 || opt.arch > 0xffff || opt.ring_frames < 64 ||
	    opt.tick_us < 10 || (opt.max_size && (opt.max_size < 576 || opt.max_size > 0xffff)))
		die("bad -d, -D, --arch, --ring, --tick-us or --max-size");
	if (opt.hosts && !n_given)
		opt.macs = 0;
	ifindex = (int)if_nametoindex(opt.ifname);
	if (!ifindex)
		die("%s: no such interface", opt.ifname);

	load_clients();
	if (opt.window > ncl)
		die("-w %u: more than the %u clients", opt.window, ncl);
	drop_ns = (uint64_t)(opt.drop_s * 1e9);
	tick_ns = (uint64_t)opt.tick_us * 1000;
	prctl(PR_SET_TIMERSLACK, 1000UL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (opt.xdp_mode)
		link_fd = xdp_pass_attach(opt.xdp_mode);
	open_socket();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		xid_next = (uint32_t)(ts.tv_nsec ^ (ts.tv_sec << 20) ^ getpid());
	}

	getrusage(RUSAGE_SELF, &ru0);
	t0 = clock_ns(CLOCK_MONOTONIC);
	rt0 = clock_ns(CLOCK_REALTIME);
	t_end = t0 + (uint64_t)(opt.secs * 1e9);
	for (;;) {
		uint64_t wake;

		now = mono_now = clock_ns(CLOCK_MONOTONIC);
		rt_now = clock_ns(CLOCK_REALTIME);
		if (running && (now >= t_end || stop_flag ||
				(opt.count && st.attempted >= opt.count))) {
			running = false;
			t_stop = now;
		}
		rx_drain();
		if (running && opt.rate > 0) {
			uint64_t due = (uint64_t)((double)(now - t0) * opt.rate / 1e9) + 1;

			if (opt.count && due > opt.count)
				due = opt.count;
			while (st.attempted < due)
				start_exchange();
		} else if (running) {
			while (outstanding < opt.window && freeq.n &&
			       (!opt.count || st.attempted < opt.count))
				start_exchange();
		}
		flush();
		now = clock_ns(CLOCK_MONOTONIC);
		expire(&q_offer, XS_OFFER, &st.tmo_offer, now);
		expire(&q_ack, XS_ACK, &st.tmo_ack, now);
		if (!running && !outstanding)
			break;
		if (stop_flag > 1 || (stop_flag && !running && now > t_stop + drop_ns * 3))
			break;
		if (rx_ready())
			continue;
		/* Sleep until a frame comes, the next DISCOVERs are due, a timeout falls, or (pushed
		 * back) a moment has passed. */
		wake = next_deadline();
		if (running && opt.rate > 0) {
			/* When the next DISCOVER falls due, but batched by the tick. */
			uint64_t due_at = t0 + (uint64_t)((double)st.attempted * 1e9 / opt.rate);

			if (due_at < now + tick_ns)
				due_at = now + tick_ns;
			if (due_at < wake)
				wake = due_at;
		}
		if (running && t_end < wake)
			wake = t_end;
		if (send_blocked && now + tick_ns < wake)
			wake = now + tick_ns;
		if (wake > now) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			uint64_t d = wake - now;
			struct timespec ts = { .tv_sec = (time_t)(d / 1000000000ull),
					       .tv_nsec = (long)(d % 1000000000ull) };

			if (ppoll(&p, 1, &ts, NULL) == -1 && errno != EINTR)
				die("ppoll: %s", strerror(errno));
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	now = clock_ns(CLOCK_MONOTONIC);
	{
		struct tpacket_stats ps;
		socklen_t sl = sizeof(ps);

		if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &sl))
			st.ring_drops = ps.tp_drops;
	}
	if (link_fd >= 0)
		close(link_fd);

	/* Rates per second of the sending period (as perfdhcp reports them). */
	wall = (double)(t_stop - t0) / 1e9;
	cpu_u = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		(double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
	cpu_s = (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		(double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	lost_pct = st.attempted ? 100.0 * (double)(st.attempted - st.acks) / (double)st.attempted
				: 100;
	qsort(lat_dora.v, lat_dora.n, sizeof(uint32_t), cmp_u32);
	qsort(lat_offer.v, lat_offer.n, sizeof(uint32_t), cmp_u32);
	qsort(lat_ack.v, lat_ack.n, sizeof(uint32_t), cmp_u32);
	if (!opt.quiet) {
		fprintf(stderr,
			"dhcpflood: %s %.0f, %.2f s (+%.2f s wait), %u MACs: %" PRIu64 " exchanges, "
			"%" PRIu64 " DORA (%.0f/s), %.2f%% lost\n"
			"  DISCOVER %" PRIu64 " OFFER %" PRIu64 " REQUEST %" PRIu64 " ACK %" PRIu64
			" NAK %" PRIu64 " wrong %" PRIu64 " dup %" PRIu64 " skipped %" PRIu64
			" timeouts %" PRIu64 "+%" PRIu64 " bad-csum %" PRIu64 " ring-drops %u"
			" pushed-back %" PRIu64 " send-lost %" PRIu64 "\n"
			"  latency us p50/p99: OFFER %.0f/%.0f ACK %.0f/%.0f DORA %.0f/%.0f; "
			"CPU %.2f s user + %.2f s sys (%.0f%% of a core)\n",
			opt.rate > 0 ? "rate" : "window", opt.rate > 0 ? opt.rate : opt.window, wall,
			(double)(now - t_stop) / 1e9, ncl, st.attempted, st.acks,
			wall > 0 ? (double)st.acks / wall : 0, lost_pct, st.disc_sent, st.offers,
			st.req_sent, st.acks, st.naks, st.wrong, st.dup, st.skipped, st.tmo_offer,
			st.tmo_ack, st.bad_csum, st.ring_drops, st.send_again, st.send_err,
			lat_pct(&lat_offer, 50),
			lat_pct(&lat_offer, 99), lat_pct(&lat_ack, 50), lat_pct(&lat_ack, 99),
			lat_pct(&lat_dora, 50), lat_pct(&lat_dora, 99), cpu_u, cpu_s,
			100 * (cpu_u + cpu_s) / ((double)(now - t0) / 1e9));
	}
	if (opt.json) {
		printf("{\"mode\": \"%s\", \"rate\": %.0f, \"window\": %u, \"macs\": %u, "
		       "\"duration_s\": %.3f, \"wait_s\": %.3f, \"start_realtime_ns\": %" PRIu64 ", "
		       "\"drop_s\": %g, \"broadcast\": %s, \"pxe\": %s, \"arch\": %u, \"xdp_pass\": \"%s\", "
		       "\"attempted\": %" PRIu64 ", \"discover_sent\": %" PRIu64 ", \"offers\": %" PRIu64
		       ", \"request_sent\": %" PRIu64 ", \"acks\": %" PRIu64 ", \"naks\": %" PRIu64
		       ", \"wrong\": %" PRIu64 ", \"dup\": %" PRIu64 ", \"unmatched\": %" PRIu64
		       ", \"skipped\": %" PRIu64 ", \"timeout_offer\": %" PRIu64
		       ", \"timeout_ack\": %" PRIu64 ", \"send_failed\": %" PRIu64
		       ", \"send_again\": %" PRIu64 ", \"bad_csum\": %" PRIu64
		       ", \"partial_csum\": %" PRIu64 ", \"ring_drops\": %u, \"frames_in\": %" PRIu64
		       ", \"frames_out\": %" PRIu64 ", \"sendmmsg_calls\": %" PRIu64 ", "
		       "\"lost_pct\": %.3f, \"dora_per_s\": %.1f, \"discover_per_s\": %.1f, ",
		       opt.rate > 0 ? "rate" : "window", opt.rate, opt.window, ncl, wall,
		       (double)(now - t_stop) / 1e9, rt0, opt.drop_s, opt.broadcast ? "true" : "false",
		       opt.pxe ? "true" : "false", opt.arch,
		       opt.xdp_mode == XDP_FLAGS_DRV_MODE ? "native" :
		       opt.xdp_mode == XDP_FLAGS_SKB_MODE ? "skb" : "none",
		       st.attempted, st.disc_sent, st.offers, st.req_sent, st.acks, st.naks, st.wrong,
		       st.dup, st.unmatched, st.skipped, st.tmo_offer, st.tmo_ack, st.send_err,
		       st.send_again, st.bad_csum, st.partial_csum, st.ring_drops, st.frames_in,
		       st.frames_out, st.send_calls, lost_pct, wall > 0 ? (double)st.acks / wall : 0,
		       wall > 0 ? (double)st.disc_sent / wall : 0);
		printf("\"latency_us\": {");
		print_lat("offer", &lat_offer);
		printf(", ");
		print_lat("ack", &lat_ack);
		printf(", ");
		print_lat("dora", &lat_dora);
		printf("}, \"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f, \"cpu_pct\": %.1f}\n", cpu_u,
		       cpu_s, 100 * (cpu_u + cpu_s) / ((double)(now - t0) / 1e9));
	}
	return lost_pct <= opt.max_lost ? 0 : 1;
}
