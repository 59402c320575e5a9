// SPDX-License-Identifier: MIT
/*
 * tftpload: a TFTP load generator for benchmarks. One process drives N concurrent read
 * transfers (RFC 1350 + 2347/2348/2349 + 7440) with recvmmsg over epoll, so that the server,
 * not the client, is what gets measured; stock clients spend several syscalls per datagram and
 * saturate first. Every block is checked against the expected file, so a wrong byte is a
 * failed transfer, never a number.
 *
 *   tftpload -s ADDR -p PORT -r REMOTE -e LOCAL [-n CLIENTS] [-b BLKSIZE] [-w WINDOW]
 *            [-t TIMEOUT_MS] [-j]
 *
 * Prints one summary line (or JSON with -j); exits 0 only if every transfer completed intact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_PKT 65536

struct sess {
	int fd;
	struct sockaddr_in server;      /* port becomes the server's TID after the first reply */
	bool tid_known;
	uint32_t blksize;
	uint32_t window;
	uint64_t expect;                /* next block wanted (absolute, from 1) */
	uint32_t since_ack;
	bool gap_acked;
	uint64_t bytes;
	uint64_t t_start, t_end, t_last;
	unsigned retries;
	bool done, failed;
	const char *why;
};

static const uint8_t *expect_data;
static uint64_t expect_size;
static const char *remote;
static uint32_t want_blksize = 1468, want_window = 16;
static unsigned timeout_ms = 1000;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void send_pkt(struct sess *s, const void *buf, size_t len)
{
	/* A lost ACK is recovered by the timeout path, like a lost datagram. */
	if (sendto(s->fd, buf, len, 0, (struct sockaddr *)&s->server, sizeof(s->server)) == -1)
		return;
}

static void send_rrq(struct sess *s)
{
	char pkt[512];
	int n;

	pkt[0] = 0;
	pkt[1] = 1;
	n = 2 + snprintf(pkt + 2, sizeof(pkt) - 2, "%s", remote) + 1;
	n += snprintf(pkt + n, sizeof(pkt) - n, "octet") + 1;
	n += snprintf(pkt + n, sizeof(pkt) - n, "blksize") + 1;
	n += snprintf(pkt + n, sizeof(pkt) - n, "%u", want_blksize) + 1;
	n += snprintf(pkt + n, sizeof(pkt) - n, "tsize") + 1;
	n += snprintf(pkt + n, sizeof(pkt) - n, "0") + 1;
	if (want_window > 1) {
		n += snprintf(pkt + n, sizeof(pkt) - n, "windowsize") + 1;
		n += snprintf(pkt + n, sizeof(pkt) - n, "%u", want_window) + 1;
	}
	send_pkt(s, pkt, n);
}

static void send_ack(struct sess *s, uint16_t block)
{
	uint8_t pkt[4] = { 0, 4, block >> 8, block & 0xff };

	send_pkt(s, pkt, sizeof(pkt));
}

static void fail(struct sess *s, const char *why)
{
	s->failed = true;
	s->why = why;
	s->t_end = now_ns();
}

static void on_oack(struct sess *s, const uint8_t *p, size_t len)
{
	const char *c = (const char *)p + 2, *end = (const char *)p + len;

	/* Options the server leaves out of the OACK are not in force. */
	s->blksize = 512;
	s->window = 1;
	while (c < end) {
		const char *name = c, *val;

		c += strnlen(c, end - c) + 1;
		if (c >= end)
			break;
		val = c;
		c += strnlen(c, end - c) + 1;
		if (!strcasecmp(name, "blksize"))
			s->blksize = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcasecmp(name, "windowsize"))
			s->window = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcasecmp(name, "tsize") && strtoull(val, NULL, 10) != expect_size)
			return fail(s, "tsize differs from the expected file");
	}
	if (s->expect == 1)
		send_ack(s, 0);
}

static void on_data(struct sess *s, uint16_t block, const uint8_t *data, size_t len)
{
	uint64_t off;

	if (block != (uint16_t)s->expect) {
		/* A gap in the window: say once where we are, the server restarts from there. */
		if (!s->gap_acked && (uint16_t)(block - (uint16_t)s->expect) < 0x8000) {
			send_ack(s, (uint16_t)(s->expect - 1));
			s->gap_acked = true;
			s->since_ack = 0;
		}
		return;
	}
	off = (s->expect - 1) * s->blksize;
	if (len > s->blksize || off + len > expect_size)
		return fail(s, "more data than the file holds");
	if (memcmp(expect_data + off, data, len))
		return fail(s, "data differs from the expected file");
	s->bytes += len;
	s->expect++;
	s->gap_acked = false;
	s->retries = 0;
	if (len < s->blksize) {
		if (off + len != expect_size)
			return fail(s, "transfer ended short");
		send_ack(s, block);
		s->done = true;
		s->t_end = now_ns();
		return;
	}
	if (++s->since_ack >= s->window) {
		s->since_ack = 0;
		send_ack(s, block);
	}
}

static void on_packet(struct sess *s, const struct sockaddr_in *from, const uint8_t *p,
		      size_t len)
{
	uint16_t op;

	if (s->done || s->failed || len < 4)
		return;
	if (!s->tid_known) {
		s->server.sin_port = from->sin_port;
		s->tid_known = true;
	} else if (from->sin_port != s->server.sin_port) {
		return;
	}
	s->t_last = now_ns();
	op = (uint16_t)(p[0] << 8 | p[1]);
	if (op == 6)
		on_oack(s, p, len);
	else if (op == 3)
		on_data(s, (uint16_t)(p[2] << 8 | p[3]), p + 4, len - 4);
	else if (op == 5)
		fail(s, "server sent an ERROR");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: tftpload -s ADDR -p PORT -r REMOTE -e LOCAL [-n CLIENTS] "
			"[-b BLKSIZE] [-w WINDOW] [-t TIMEOUT_MS] [-j]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][MAX_PKT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	struct epoll_event evs[256];
	const char *addr = "127.0.0.1", *local = NULL;
	unsigned nclients = 1, port = 69, ok = 0, failed = 0, active;
	bool json = false;
	struct sess *ss;
	uint64_t t0, t1, *times, total = 0;
	struct stat st;
	int opt, fd, ep;

	while ((opt = getopt(argc, argv, "s:p:r:e:n:b:w:t:j")) != -1) {
		switch (opt) {
		case 's': addr = optarg; break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'r': remote = optarg; break;
		case 'e': local = optarg; break;
		case 'n': nclients = (unsigned)atoi(optarg); break;
		case 'b': want_blksize = (uint32_t)atoi(optarg); break;
		case 'w': want_window = (uint32_t)atoi(optarg); break;
		case 't': timeout_ms = (unsigned)atoi(optarg); break;
		case 'j': json = true; break;
		default: usage();
		}
	}
	if (!remote || !local || !nclients || nclients > 10000)
		usage();
	fd = open(local, O_RDONLY);
	if (fd == -1 || fstat(fd, &st) == -1) {
		perror(local);
		return 2;
	}
	expect_size = (uint64_t)st.st_size;
	expect_data = expect_size ? mmap(NULL, expect_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
					 fd, 0) : (const uint8_t *)"";
	if (expect_data == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	ss = calloc(nclients, sizeof(*ss));
	times = calloc(nclients, sizeof(*times));
	ep = epoll_create1(0);
	if (!ss || !times || ep == -1)
		return 2;
	t0 = now_ns();
	for (unsigned i = 0; i < nclients; i++) {
		struct sess *s = &ss[i];
		int rcvbuf = 4 << 20;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };

		s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd == -1) {
			perror("socket");
			return 2;
		}
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		s->server.sin_family = AF_INET;
		s->server.sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->server.sin_addr);
		s->blksize = 512;
		s->window = 1;
		s->expect = 1;
		s->t_start = s->t_last = now_ns();
		epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
		send_rrq(s);
	}
	for (active = nclients; active;) {
		int n = epoll_wait(ep, evs, 256, 20);
		uint64_t now;

		for (int e = 0; e < n; e++) {
			struct sess *s = evs[e].data.ptr;
			int got;

			for (int i = 0; i < BATCH; i++) {
				iov[i].iov_base = bufs[i];
				iov[i].iov_len = MAX_PKT;
				memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
				msgs[i].msg_hdr.msg_iov = &iov[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
				msgs[i].msg_hdr.msg_name = &from[i];
				msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			}
			got = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
			for (int i = 0; i < got; i++)
				on_packet(s, &from[i], bufs[i], msgs[i].msg_len);
		}
		now = now_ns();
		active = 0;
		for (unsigned i = 0; i < nclients; i++) {
			struct sess *s = &ss[i];

			if (s->done || s->failed)
				continue;
			active++;
			if (now - s->t_last < timeout_ms * 1000000ull)
				continue;
			if (++s->retries > 5) {
				fail(s, "timed out");
				continue;
			}
			s->t_last = now;
			if (s->expect == 1 && !s->tid_known)
				send_rrq(s);
			else
				send_ack(s, (uint16_t)(s->expect - 1));
		}
	}
	t1 = now_ns();
	for (unsigned i = 0; i < nclients; i++) {
		if (ss[i].done) {
			times[ok++] = ss[i].t_end - ss[i].t_start;
			total += ss[i].bytes;
		} else {
			failed++;
			if (failed <= 5)
				fprintf(stderr, "tftpload: client %u: %s\n", i, ss[i].why);
		}
	}
	qsort(times, ok, sizeof(*times), cmp_u64);
	{
		double wall = (t1 - t0) / 1e9;
		double p50 = ok ? times[ok / 2] / 1e9 : 0, p90 = ok ? times[ok * 9 / 10] / 1e9 : 0;
		double max = ok ? times[ok - 1] / 1e9 : 0;

		if (json)
			printf("{\"clients\":%u,\"ok\":%u,\"failed\":%u,\"bytes\":%llu,\"wall_s\":%.6f,"
			       "\"mb_s\":%.1f,\"p50_s\":%.6f,\"p90_s\":%.6f,\"max_s\":%.6f}\n",
			       nclients, ok, failed, (unsigned long long)total, wall,
			       total / wall / 1e6, p50, p90, max);
		else
			printf("%u/%u ok, %u failed, %llu bytes in %.3f s = %.1f MB/s; per transfer "
			       "p50 %.3f s p90 %.3f s max %.3f s\n", ok, nclients, failed,
			       (unsigned long long)total, wall, total / wall / 1e6, p50, p90, max);
	}
	return failed ? 1 : 0;
}
