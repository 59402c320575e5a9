// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/sock.h"

static int bind_socket(int type, const struct sockaddr_in *sin, bool reuseport, int backlog)
{
	int one = 1, fd, err;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	/* TCP: a restart must not wait out the previous instance's TIME_WAIT connections. */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1)
		goto fail;
	if (type == SOCK_STREAM && reuseport && listen(fd, backlog) == -1)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

int sock_reuseport(int type, struct in_addr addr, uint16_t port, bool exclusive, int backlog)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = addr,
	};

	if (exclusive) {
		int probe = bind_socket(type, &sin, false, 0);

		if (probe < 0)
			return probe;
		close(probe);
	}
	return bind_socket(type, &sin, true, backlog);
}
