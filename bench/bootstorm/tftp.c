// SPDX-License-Identifier: MIT
/*
 * bootstorm's TFTP client (RFC 1350, options of RFC 2347/2348/2349 and windowsize of RFC
 * 7440), as PXE firmware and PXELINUX run it: a new socket (TID) per file, bound to the node's
 * own address; tsize and the blksize the firmware asks for; lockstep unless --window says
 * otherwise; the last ACK resent after a silence, a few times, then the node gives up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstorm.h"

static void tftp_send_ack(struct node *n, uint16_t block)
{
	uint8_t a[4] = { 0, 4, (uint8_t)(block >> 8), (uint8_t)block };

	send_udp(n->w, n->x.fd, &n->x.srv, a, 4);
}

static void tftp_send_rrq(struct node *n)
{
	struct xfer *x = &n->x;
	char p[600];
	int len = 2;

	p[0] = 0, p[1] = 1;
	len += snprintf(p + len, sizeof(p) - (size_t)len, "%s", x->name) + 1;
	len += snprintf(p + len, sizeof(p) - (size_t)len, "octet") + 1;
	len += snprintf(p + len, sizeof(p) - (size_t)len, "tsize") + 1;
	len += snprintf(p + len, sizeof(p) - (size_t)len, "0") + 1;
	if (x->blksize != 512) {
		len += snprintf(p + len, sizeof(p) - (size_t)len, "blksize") + 1;
		len += snprintf(p + len, sizeof(p) - (size_t)len, "%u", x->blksize) + 1;
	}
	if (x->window > 1) {
		len += snprintf(p + len, sizeof(p) - (size_t)len, "windowsize") + 1;
		len += snprintf(p + len, sizeof(p) - (size_t)len, "%u", x->window) + 1;
	}
	send_udp(n->w, x->fd, &x->srv, p, (size_t)len);
}

int tftp_start(struct node *n, const char *path, uint32_t blksize)
{
	struct xfer *x = &n->x;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr = n->ip };
	int rcv = 1 << 20;

	x->http = false;
	snprintf(x->name, sizeof(x->name), "%s", path);
	x->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd == -1)
		return -errno;
	setsockopt(x->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(x->fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
		int e = errno;

		close(x->fd);
		x->fd = -1;
		return -e;
	}
	x->srv = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(69),
				       .sin_addr = n->next_server };
	x->tid_known = x->oack_seen = x->have_tsize = false;
	x->blksize = blksize;
	x->window = opt.window;
	x->since_ack = 0;
	x->expect = 1;
	x->tsize = 0;
	x->bytes = 0;
	x->tries = 0;
	XXH3_64bits_reset(x->h);
	x->t_start = x->t_last = now_ns();
	ep_add(n->w, x->fd, EPOLLIN, n, EV_TFTP);
	tftp_send_rrq(n);
	return 0;
}

void tftp_close(struct node *n)
{
	if (n->x.fd < 0 || n->x.http)
		return;
	ep_del(n->w, n->x.fd);
	bs_close(n->w, n->x.fd);
	n->x.fd = -1;
}

static void on_oack(struct node *n, const uint8_t *p, size_t len)
{
	struct xfer *x = &n->x;
	const char *s = (const char *)p + 2, *end = (const char *)p + len;

	if (x->expect != 1)
		return;
	/* Our own values stand unless the server names others. */
	x->window = 1;
	while (s < end) {
		const char *k = s, *v;

		s += strnlen(s, (size_t)(end - s)) + 1;
		if (s >= end)
			break;
		v = s;
		s += strnlen(s, (size_t)(end - s)) + 1;
		if (!strcasecmp(k, "blksize"))
			x->blksize = (uint32_t)atoi(v);
		else if (!strcasecmp(k, "tsize"))
			x->tsize = strtoull(v, NULL, 10), x->have_tsize = true;
		else if (!strcasecmp(k, "windowsize"))
			x->window = (uint32_t)atoi(v);
	}
	if (x->blksize < 8 || x->blksize > 65464 || !x->window) {
		node_fail(n, RES_FAIL, "TFTP %s: OACK with blksize %u windowsize %u", x->name,
			  x->blksize, x->window);
		return;
	}
	x->oack_seen = true;
	tftp_send_ack(n, 0);
}

static void on_data(struct node *n, uint16_t block, const uint8_t *d, size_t len)
{
	struct xfer *x = &n->x;

	if (x->expect == 1 && !x->oack_seen) {
		/* No OACK: the server took none of our options. */
		x->blksize = 512;
		x->window = 1;
		x->oack_seen = true;
	}
	if (block != (uint16_t)x->expect) {
		/* A duplicate (our ACK was lost or late) or a gap in a window: ACK the last block
		 * we have, once per window. */
		if (x->since_ack || x->window == 1) {
			x->since_ack = 0;
			tftp_send_ack(n, (uint16_t)(x->expect - 1));
		}
		return;
	}
	if (len > x->blksize) {
		node_fail(n, RES_FAIL, "TFTP %s: block of %zu bytes, blksize %u", x->name, len,
			  x->blksize);
		return;
	}
	XXH3_64bits_update(x->h, d, len);
	if (x->keep) {
		if (n->cfg_len + len > BS_CFG_CAP) {
			node_fail(n, RES_FAIL, "TFTP %s: config over %u bytes", x->name,
				  BS_CFG_CAP);
			return;
		}
		memcpy(n->cfg + n->cfg_len, d, len);
		n->cfg_len += len;
	}
	x->bytes += len;
	x->expect++;
	x->tries = 0;
	if (len < x->blksize) {
		tftp_send_ack(n, block);
		if (x->have_tsize && x->tsize != x->bytes) {
			node_fail(n, RES_FAIL, "TFTP %s: %llu bytes, tsize said %llu", x->name,
				  (unsigned long long)x->bytes, (unsigned long long)x->tsize);
			return;
		}
		xfer_done(n, true);
		return;
	}
	if (++x->since_ack >= x->window) {
		x->since_ack = 0;
		tftp_send_ack(n, block);
	}
}

void tftp_input(struct node *n)
{
	struct worker *w = n->w;
	struct xfer *x = &n->x;
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t r;
	unsigned budget = 64;

	while (budget-- && x->fd >= 0 && !x->http) {
		int fd = x->fd;
		uint16_t op;

		fl = sizeof(from);
		r = recvfrom(fd, w->buf, w->bufcap, 0, (struct sockaddr *)&from, &fl);
		if (r == -1)
			return;
		if (lose(w)) {
			w->pkts_lost_in++;
			continue;
		}
		if (r < 4 || from.sin_addr.s_addr != x->srv.sin_addr.s_addr)
			continue;
		if (!x->tid_known) {
			x->srv.sin_port = from.sin_port;
			x->tid_known = true;
		} else if (from.sin_port != x->srv.sin_port) {
			continue;
		}
		x->t_last = now_ns();
		op = (uint16_t)(w->buf[0] << 8 | w->buf[1]);
		if (op == 6) {
			on_oack(n, w->buf, (size_t)r);
		} else if (op == 3) {
			on_data(n, (uint16_t)(w->buf[2] << 8 | w->buf[3]), w->buf + 4,
				(size_t)r - 4);
		} else if (op == 5) {
			unsigned code = (unsigned)(w->buf[2] << 8 | w->buf[3]);

			w->buf[r < (ssize_t)w->bufcap ? r : r - 1] = 0;
			if (code == 1 && x->keep) {
				xfer_done(n, false);    /* a probe that misses */
				return;
			}
			node_fail(n, RES_FAIL, "TFTP %s: error %u \"%.60s\"", x->name, code,
				  (char *)w->buf + 4);
			return;
		}
		/* The transfer may have ended (and its socket closed) in the handlers. */
		if (x->fd != fd)
			return;
	}
}

void tftp_timer(struct node *n, uint64_t now)
{
	struct xfer *x = &n->x;

	if (now - x->t_last < (uint64_t)opt.tftp_timeout_ms * 1000000ull)
		return;
	if (++x->tries > opt.tftp_tries) {
		node_fail(n, RES_TIMEOUT, "TFTP %s: no answer after %u retries (block %llu)",
			  x->name, opt.tftp_tries, (unsigned long long)x->expect);
		return;
	}
	n->retries[n->phase]++;
	x->t_last = now;
	x->since_ack = 0;
	if (!x->tid_known)
		tftp_send_rrq(n);
	else
		tftp_send_ack(n, (uint16_t)(x->expect - 1));
}
