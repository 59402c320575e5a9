// SPDX-License-Identifier: MIT
/* The loop: timer ordering and cancel, multishot recvmsg over a provided-buffer ring, sendmsg. */
#include "core/loop.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check.h"

struct tctx {
	struct loop_timer t;
	int id;
	int *order;
	int *n;
};

static void on_timer(struct loop *loop, struct loop_timer *t)
{
	struct tctx *c = container_of(t, struct tctx, t);

	c->order[(*c->n)++] = c->id;
	if (*c->n == 4)
		loop_stop(loop);
}

static void test_timers_fire_in_deadline_order(void)
{
	struct loop *loop = loop_new(64);
	struct tctx c[6];
	int order[8] = { 0 }, n = 0;
	static const unsigned ms[6] = { 30, 10, 50, 20, 5, 40 };

	CHECK(loop != NULL);
	for (int i = 0; i < 6; i++) {
		c[i] = (struct tctx){ .t.fn = on_timer, .id = i, .order = order, .n = &n };
		loop_timer_arm(loop, &c[i].t, ms[i]);
	}
	/* Cancel the 5 ms one and move the 50 ms one to 1 ms. */
	loop_timer_cancel(loop, &c[4].t);
	CHECK(!loop_timer_armed(&c[4].t));
	loop_timer_arm(loop, &c[2].t, 1);
	CHECK_EQ(loop_run(loop), 0);
	CHECK_EQ(n, 4);
	CHECK_EQ(order[0], 2);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 3);
	CHECK_EQ(order[3], 0);
	CHECK(loop_timer_armed(&c[5].t));
	loop_free(loop);
}

static void test_timer_heap_stays_ordered_under_churn(void)
{
	struct loop *loop = loop_new(8);
	struct loop_timer t[200];
	uint64_t prev = 0;

	for (int i = 0; i < 200; i++) {
		t[i] = (struct loop_timer){ .fn = (loop_timer_fn)abort };
		loop_timer_arm(loop, &t[i], (i * 7919) % 1000);
	}
	for (int i = 0; i < 200; i += 3)
		loop_timer_cancel(loop, &t[i]);
	for (int i = 1; i < 200; i += 5)
		loop_timer_arm(loop, &t[i], (i * 31) % 977);
	while (loop->heap_len) {
		struct loop_timer *top = loop->heap[0];

		CHECK(top->deadline_ns >= prev);
		prev = top->deadline_ns;
		loop_timer_cancel(loop, top);
	}
	for (int i = 0; i < 200; i++)
		CHECK(!loop_timer_armed(&t[i]));
	loop_free(loop);
}

struct rx {
	struct loop_op op;
	struct loop_bufring ring;
	struct msghdr msg;
	int got;
	char last[64];
	uint16_t port;
};

static void on_rx(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct rx *rx = container_of(op, struct rx, op);
	struct io_uring_recvmsg_out *out;
	struct sockaddr_in *from;

	CHECK(res > 0);
	CHECK(flags & IORING_CQE_F_BUFFER);
	if (res <= 0 || !(flags & IORING_CQE_F_BUFFER))
		return;
	out = io_uring_recvmsg_validate(loop_buf(&rx->ring, flags), res, &rx->msg);
	CHECK(out != NULL);
	if (out) {
		size_t len = io_uring_recvmsg_payload_length(out, res, &rx->msg);

		from = io_uring_recvmsg_name(out);
		rx->port = ntohs(from->sin_port);
		memcpy(rx->last, io_uring_recvmsg_payload(out, &rx->msg), len < 63 ? len : 63);
		rx->last[len < 63 ? len : 63] = 0;
	}
	loop_buf_recycle(loop, &rx->ring, flags);
	if (++rx->got == 40)
		loop_stop(loop);
}

static void stop_timer(struct loop *loop, struct loop_timer *t)
{
	loop_stop(loop);
}

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0;
	bind(fd, (struct sockaddr *)addr, sizeof(*addr));
	getsockname(fd, (struct sockaddr *)addr, &len);
	return fd;
}

/* 40 datagrams through 8 provided buffers: only works if buffers are recycled. */
static void test_multishot_recvmsg_recycles_buffers(void)
{
	struct loop *loop = loop_new(64);
	struct sockaddr_in a, b;
	struct rx rx = { .op.fn = on_rx };
	int fa = udp_socket(&a), fb = udp_socket(&b);
	char msg[32];

	CHECK_EQ(loop_bufring_init(loop, &rx.ring, 7, 8, 256), 0);
	rx.msg.msg_namelen = sizeof(struct sockaddr_in);
	CHECK_EQ(loop_recvmsg_multishot(loop, &rx.op, fa, &rx.msg, &rx.ring), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(msg, sizeof(msg), "dgram %d", i);
		/* Send in small bursts so the ring never runs dry. */
		sendto(fb, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a));
		if (i % 4 == 3) {
			struct loop_timer t = { .fn = stop_timer };

			loop_timer_arm(loop, &t, 5);
			loop_run(loop);
			loop_timer_cancel(loop, &t);
		}
	}
	CHECK_EQ(rx.got, 40);
	CHECK_STR(rx.last, "dgram 39");
	CHECK_EQ(rx.port, ntohs(b.sin_port));
	loop_bufring_free(loop, &rx.ring);
	loop_free(loop);
	close(fa);
	close(fb);
}

struct tx {
	struct loop_op op;
	int res;
	int calls;
};

static void on_tx(struct loop *loop, struct loop_op *op, int res, uint32_t flags)
{
	struct tx *tx = container_of(op, struct tx, op);

	tx->res = res;
	tx->calls++;
	loop_stop(loop);
}

static void test_sendmsg_and_eventfd_read(void)
{
	struct loop *loop = loop_new(8);
	struct sockaddr_in a, b;
	int fa = udp_socket(&a), fb = udp_socket(&b), efd = eventfd(0, 0);
	struct iovec iov = { .iov_base = "ping", .iov_len = 4 };
	struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	struct tx tx = { .op.fn = on_tx }, rd = { .op.fn = on_tx };
	uint64_t one = 1, val = 0;
	char buf[8] = { 0 };

	CHECK_EQ(loop_sendmsg(loop, &tx.op, fb, &m, 0), 0);
	loop_run(loop);
	CHECK_EQ(tx.res, 4);
	CHECK_EQ(recv(fa, buf, sizeof(buf), MSG_DONTWAIT), 4);
	CHECK_STR(buf, "ping");

	CHECK_EQ(loop_read(loop, &rd.op, efd, &val, sizeof(val)), 0);
	CHECK_EQ(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	loop_run(loop);
	CHECK_EQ(rd.res, 8);
	CHECK_EQ(val, 1u);

	struct loop_stats st;

	loop_get_stats(loop, &st);
	CHECK(st.cqes >= 2);
	loop_free(loop);
	close(fa);
	close(fb);
	close(efd);
}

static void test_cancel_completes_pending_recv(void)
{
	struct loop *loop = loop_new(8);
	struct sockaddr_in a;
	int fa = udp_socket(&a);
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct tx rx = { .op.fn = on_tx };

	CHECK_EQ(loop_recvmsg(loop, &rx.op, fa, &m), 0);
	CHECK_EQ(loop_cancel(loop, NULL, &rx.op), 0);
	loop_run(loop);
	CHECK_EQ(rx.calls, 1);
	CHECK_EQ(rx.res, -ECANCELED);
	loop_free(loop);
	close(fa);
}

/* A timer that stops the loop stops it at once, even with other expired timers due. */
static void test_stop_in_timer_stops_at_once(void)
{
	struct loop *loop = loop_new(8);
	struct tctx c[6];
	int order[8] = { 0 }, n = 0;

	for (int i = 0; i < 6; i++) {
		c[i] = (struct tctx){ .t.fn = on_timer, .id = i, .order = order, .n = &n };
		loop_timer_arm(loop, &c[i].t, (uint64_t)i);
	}
	/* All six are due by the time the loop first looks: on_timer stops at the fourth. */
	usleep(20000);
	CHECK_EQ(loop_run(loop), 0);
	CHECK_EQ(n, 4);
	CHECK(loop_timer_armed(&c[4].t) && loop_timer_armed(&c[5].t));
	loop_free(loop);
}

int main(void)
{
	log_level = LOG_WARN;
	RUN(test_timers_fire_in_deadline_order);
	RUN(test_timer_heap_stays_ordered_under_churn);
	RUN(test_stop_in_timer_stops_at_once);
	RUN(test_multishot_recvmsg_recycles_buffers);
	RUN(test_sendmsg_and_eventfd_read);
	RUN(test_cancel_completes_pending_recv);
	return check_done();
}
