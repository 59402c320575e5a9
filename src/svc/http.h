/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 service glue: the listener, connections, timers and the route table. The wire
 * format is in proto/http_wire.c; files come from the shared content cache.
 */
#ifndef BOOTHERD_HTTP_H
#define BOOTHERD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf/conf.h"
#include "core/loop.h"
#include "svc/server.h"

struct http_worker;

/* A TCP listener on the configured address and HTTP port with SO_REUSEPORT, one per worker.
 * With @first, fails with -EADDRINUSE when anything else holds the port. */
int http_listen_socket(const struct conf *c, bool first);

struct http_worker *http_worker_new(struct loop *loop, struct server *srv, int listen_fd);
/* Closes the worker's connections and frees it. Call after loop_free() of its loop. */
void http_worker_free(struct http_worker *hw);

/*
 * Generated endpoints. A route answers GET and HEAD for its path (or every path under it
 * when @prefix ends in '/'); the static-file path is what no route claims. A handler fills
 * @out with a malloc'd body (freed by the service) and returns the status, or a negative
 * errno for a 500.
 */
struct http_route_req {
	const char *path;               /* decoded, without the query */
	const struct sockaddr_in *peer;
	const struct conf *conf;
	struct server *srv;
};

struct http_body {
	char *data;
	size_t len;
	const char *content_type;
};

struct http_route {
	const char *prefix;
	int (*handler)(const struct http_route_req *req, struct http_body *out);
};

#endif
