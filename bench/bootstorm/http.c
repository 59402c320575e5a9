// SPDX-License-Identifier: MIT
/*
 * bootstorm's HTTP client, as iPXE and lpxelinux fetch a kernel and an initrd: one keep-alive
 * connection per node from the node's own address, one GET at a time, the body read as it comes
 * and checksummed (never written anywhere). A response must have a Content-Length; a server
 * that closes a kept-alive connection before answering gets one new connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstorm.h"

enum {
	HS_CONNECT = 0,
	HS_HEAD = 1,
	HS_BODY = 2,
	HS_IDLE = 3,
};

static int h_connect(struct node *n)
{
	struct xfer *x = &n->x;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr = n->ip };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -errno;
	/* Before connect: the window scale is chosen from it. */
	if (opt.http_rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.http_rcvbuf, sizeof(opt.http_rcvbuf));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) == -1 ||
	    (connect(fd, (struct sockaddr *)&x->srv, sizeof(x->srv)) == -1 &&
	     errno != EINPROGRESS)) {
		int e = errno;

		close(fd);
		return -e;
	}
	n->hfd = fd;
	n->hconnected = false;
	n->hreuse = 0;
	x->state = HS_CONNECT;
	ep_add(n->w, fd, EPOLLIN | EPOLLOUT, n, EV_HTTP);
	return 0;
}

static void h_request(struct node *n)
{
	struct xfer *x = &n->x;
	char req[600];
	int len;

	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: iPXE/1.21.1 (bootstorm)\r\n"
		       "Connection: keep-alive\r\n\r\n",
		       x->name, inet_ntoa(x->srv.sin_addr), ntohs(x->srv.sin_port));
	x->state = HS_HEAD;
	x->hlen = 0;
	x->clen = x->got = 0;
	x->server_close = false;
	n->hreuse++;
	send_udp(n->w, n->hfd, NULL, req, (size_t)len);
}

void http_close(struct node *n)
{
	if (n->hfd < 0)
		return;
	ep_del(n->w, n->hfd);
	bs_close(n->w, n->hfd);
	n->hfd = -1;
	n->hconnected = false;
}

/* @path: "http://ADDR[:PORT]/p" or "/p" (then the boot server, --http-port). */
int http_start(struct node *n, const char *path)
{
	struct xfer *x = &n->x;
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(opt.http_port),
				   .sin_addr = n->next_server };

	if (!strncasecmp(path, "http://", 7)) {
		const char *h = path + 7, *sl = strchr(h, '/'), *colon;
		char host[64];
		size_t hl = sl ? (size_t)(sl - h) : strlen(h);

		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, h, hl);
		host[hl] = 0;
		colon = strchr(host, ':');
		if (colon) {
			srv.sin_port = htons((uint16_t)atoi(colon + 1));
			host[colon - host] = 0;
		} else {
			srv.sin_port = htons(80);
		}
		if (!inet_aton(host, &srv.sin_addr))
			return -EINVAL;     /* no DNS here: the harness gives addresses */
		path = sl ? sl : "/";
	}
	x->http = true;
	snprintf(x->name, sizeof(x->name), "%s%s", *path == '/' ? "" : "/", path);
	x->bytes = 0;
	x->tries = 0;
	XXH3_64bits_reset(x->h);
	x->t_start = x->t_last = now_ns();
	if (n->hfd >= 0 && (x->srv.sin_addr.s_addr != srv.sin_addr.s_addr ||
			    x->srv.sin_port != srv.sin_port))
		http_close(n);
	x->srv = srv;
	if (n->hfd < 0)
		return h_connect(n);
	h_request(n);
	return 0;
}

/* Parses a complete head; returns the number of head bytes, 0 if incomplete, -1 if bad. */
static int h_head(struct node *n, unsigned *status)
{
	struct xfer *x = &n->x;
	char *end, *l;
	bool have_len = false;

	x->head[x->hlen < sizeof(x->head) ? x->hlen : sizeof(x->head) - 1] = 0;
	end = strstr(x->head, "\r\n\r\n");
	if (!end)
		return x->hlen >= sizeof(x->head) - 1 ? -1 : 0;
	*end = 0;
	if (sscanf(x->head, "HTTP/1.%*u %u", status) != 1)
		return -1;
	for (l = strstr(x->head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		const char *h = l + 2;

		if (!strncasecmp(h, "Content-Length:", 15)) {
			x->clen = strtoull(h + 15, NULL, 10);
			have_len = true;
		} else if (!strncasecmp(h, "Connection:", 11)) {
			const char *v = h + 11;

			while (*v == ' ')
				v++;
			if (!strncasecmp(v, "close", 5))
				x->server_close = true;
		} else if (!strncasecmp(h, "Transfer-Encoding:", 18)) {
			return -1;
		}
	}
	if (!have_len && *status == 200)
		return -1;
	return (int)(end + 4 - x->head);
}

static bool h_body(struct node *n, const uint8_t *p, size_t len)
{
	struct xfer *x = &n->x;

	if (x->got + len > x->clen) {
		node_fail(n, RES_FAIL, "HTTP %s: bytes past the Content-Length", x->name);
		return false;
	}
	XXH3_64bits_update(x->h, p, len);
	if (x->keep) {
		if (n->cfg_len + len > BS_CFG_CAP) {
			node_fail(n, RES_FAIL, "HTTP %s: config over %u bytes", x->name,
				  BS_CFG_CAP);
			return false;
		}
		memcpy(n->cfg + n->cfg_len, p, len);
		n->cfg_len += len;
	}
	x->got += len;
	x->bytes += len;
	if (x->got < x->clen)
		return true;
	x->state = HS_IDLE;
	if (x->server_close)
		http_close(n);
	xfer_done(n, true);
	return false;
}

void http_event(struct node *n, uint32_t events)
{
	struct worker *w = n->w;
	struct xfer *x = &n->x;
	size_t budget = opt.http_slice; /* one slice per turn: the others' turn comes soon */

	if (x->state == HS_CONNECT) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(n->hfd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			node_fail(n, RES_FAIL, "HTTP connect to %s:%u: %s",
				  inet_ntoa(x->srv.sin_addr), ntohs(x->srv.sin_port),
				  strerror(err));
			return;
		}
		n->hconnected = true;
		{
			struct epoll_event ev = { .events = EPOLLIN };

			ev.data.u64 = (uint64_t)(uintptr_t)n | EV_HTTP;
			epoll_ctl(w->ep_bulk, EPOLL_CTL_MOD, n->hfd, &ev);
		}
		x->t_last = now_ns();
		h_request(n);
		return;
	}
	while (budget && n->hfd >= 0 && x->http) {
		size_t cap = x->state == HS_HEAD ? sizeof(x->head) - 1 - x->hlen : w->bufcap;
		uint8_t *dst = x->state == HS_HEAD ? (uint8_t *)x->head + x->hlen : w->buf;
		ssize_t r;

		if (x->state == HS_BODY && cap > x->clen - x->got + 1)
			cap = x->clen - x->got + 1;     /* +1: bytes past the body show */
		if (x->state == HS_IDLE)
			cap = 1;
		r = recv(n->hfd, dst, cap, 0);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			node_fail(n, RES_FAIL, "HTTP %s: %s after %llu bytes", x->name,
				  strerror(errno), (unsigned long long)x->bytes);
			return;
		}
		if (r == 0) {
			if (x->state == HS_HEAD && x->hlen == 0 && n->hreuse > 1 && !x->tries) {
				/* A kept-alive connection the server closed: once more, anew. */
				x->tries++;
				http_close(n);
				if (h_connect(n))
					node_fail(n, RES_FAIL, "HTTP reconnect failed");
				return;
			}
			node_fail(n, RES_FAIL, "HTTP %s: connection closed after %llu bytes",
				  x->name, (unsigned long long)x->bytes);
			return;
		}
		x->t_last = now_ns();
		budget = (size_t)r > budget ? 0 : budget - (size_t)r;
		if (x->state == HS_IDLE) {
			node_fail(n, RES_FAIL, "HTTP: bytes after a complete response");
			return;
		}
		if (x->state == HS_HEAD) {
			unsigned status = 0;
			int hl;

			x->hlen += (size_t)r;
			hl = h_head(n, &status);
			if (hl == 0)
				continue;
			if (hl < 0) {
				node_fail(n, RES_FAIL, "HTTP %s: bad response head", x->name);
				return;
			}
			if (status == 404 && x->keep) {
				/* A probe that misses; the 404's body is read and dropped. */
				x->state = HS_IDLE;
				http_close(n);
				xfer_done(n, false);
				return;
			}
			if (status != 200) {
				node_fail(n, RES_FAIL, "HTTP %s: status %u", x->name, status);
				return;
			}
			x->state = HS_BODY;
			if (x->hlen > (size_t)hl) {
				if (!h_body(n, (uint8_t *)x->head + hl, x->hlen - (size_t)hl))
					return;
			} else if (x->clen == 0) {
				x->state = HS_IDLE;
				xfer_done(n, true);
				return;
			}
			continue;
		}
		if (!h_body(n, w->buf, (size_t)r))
			return;
	}
}

void http_timer(struct node *n, uint64_t now)
{
	struct xfer *x = &n->x;

	if (x->state == HS_IDLE)
		return;
	if (now - x->t_last < (uint64_t)opt.http_stall_ms * 1000000ull)
		return;
	node_fail(n, RES_TIMEOUT, "HTTP %s: nothing for %u ms (%llu bytes)", x->name,
		  opt.http_stall_ms, (unsigned long long)x->bytes);
}
