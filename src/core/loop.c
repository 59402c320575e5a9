// SPDX-License-Identifier: MIT
/*
 * io_uring event loop. See loop.h for the contract. Modelled on liburing's examples: one ring
 * per thread, user_data is a pointer to the caller's struct loop_op, CQEs reaped in batches
 * with io_uring_for_each_cqe() and released with one io_uring_cq_advance().
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <liburing.h>

#include "core/log.h"
#include "core/loop.h"

/* user_data of loop_drain()'s cancel; no struct loop_op lives at this address. */
#define LOOP_DRAIN_TAG UINT64_MAX

struct loop {
	struct io_uring ring;
	bool stop;
	uint64_t now_ns;
	struct loop_timer **heap;
	uint32_t heap_len;
	uint32_t heap_cap;
	struct loop_stats stats;
};

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct loop *loop_new(unsigned entries)
{
	/* Newest first: each step drops what an older kernel refuses with -EINVAL. */
	static const unsigned flag_sets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct io_uring_params p;
	struct loop *loop;
	int ret = -EINVAL;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	for (unsigned i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flag_sets[i];
		/* A storm brings bursts of completions: a CQ ring 4x the SQ ring absorbs them. */
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 4;
		ret = io_uring_queue_init_params(entries, &loop->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		pr_err("io_uring_queue_init: %s", strerror(-ret));
		free(loop);
		errno = -ret;
		return NULL;
	}
	if (!(p.features & IORING_FEAT_EXT_ARG))
		pr_warn("io_uring: kernel lacks IORING_FEAT_EXT_ARG; timers cost an extra SQE");
	loop->now_ns = clock_ns();
	return loop;
}

uint64_t loop_now_ns(struct loop *loop)
{
	return loop->now_ns;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

void loop_get_stats(const struct loop *loop, struct loop_stats *out)
{
	*out = loop->stats;
}

/* Timer heap: a min-heap on deadline_ns; heap_idx is the 1-based slot, 0 when unarmed. */

static void heap_set(struct loop *loop, uint32_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i + 1;
}

static void heap_up(struct loop *loop, uint32_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (loop->heap[parent]->deadline_ns <= t->deadline_ns)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct loop *loop, uint32_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    loop->heap[child + 1]->deadline_ns < loop->heap[child]->deadline_ns)
			child++;
		if (t->deadline_ns <= loop->heap[child]->deadline_ns)
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, t);
}

void loop_timer_cancel(struct loop *loop, struct loop_timer *t)
{
	uint32_t i;

	if (!t->heap_idx)
		return;
	i = t->heap_idx - 1;
	assert(i < loop->heap_len && loop->heap[i] == t);
	t->heap_idx = 0;
	loop->heap_len--;
	if (i == loop->heap_len)
		return;
	loop->heap[i] = loop->heap[loop->heap_len];
	loop->heap[i]->heap_idx = i + 1;
	heap_up(loop, i);
	heap_down(loop, loop->heap[i]->heap_idx - 1);
}

void loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t ms)
{
	assert(t->fn);
	loop_timer_cancel(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct loop_timer **h = realloc(loop->heap, cap * sizeof(*h));

		/* Out of memory for a timer is not survivable for the transfer that needs it. */
		if (!h)
			abort();
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->deadline_ns = loop->now_ns + ms * 1000000ull;
	loop->heap[loop->heap_len] = t;
	t->heap_idx = ++loop->heap_len;
	heap_up(loop, loop->heap_len - 1);
}

/* Fires every expired timer, earliest first, until one of them stops the loop. */
static void run_timers(struct loop *loop)
{
	while (!loop->stop && loop->heap_len && loop->heap[0]->deadline_ns <= loop->now_ns) {
		struct loop_timer *t = loop->heap[0];

		loop_timer_cancel(loop, t);
		t->fn(loop, t);
	}
}

/* An SQE, flushing the SQ ring to the kernel first when it is full. */
static struct io_uring_sqe *get_sqe(struct loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

	if (!sqe) {
		io_uring_submit(&loop->ring);
		loop->stats.submits++;
		sqe = io_uring_get_sqe(&loop->ring);
	}
	return sqe;
}

/*
 * Cancels every operation still in flight and reaps the cancellations. Ring teardown in the
 * kernel is asynchronous: without this, a socket with a pending multishot recvmsg outlives the
 * process by some milliseconds and a restart finds its port still bound.
 */
static void loop_drain(struct loop *loop)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int cancelled = -1, reaped = 0;

	sqe = get_sqe(loop);
	if (!sqe)
		return;
	io_uring_prep_cancel(sqe, NULL, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, LOOP_DRAIN_TAG);
	io_uring_submit(&loop->ring);
	/* The cancel's own CQE says how many operations it hit; each of those posts one too. */
	while (cancelled < 0 || reaped < cancelled) {
		if (io_uring_wait_cqe_timeout(&loop->ring, &cqe, &ts))
			break;
		if (cqe->user_data == LOOP_DRAIN_TAG)
			cancelled = cqe->res < 0 ? 0 : cqe->res;
		else if (cqe->res == -ECANCELED || !(cqe->flags & IORING_CQE_F_MORE))
			reaped++;
		io_uring_cqe_seen(&loop->ring, cqe);
	}
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	loop_drain(loop);
	io_uring_queue_exit(&loop->ring);
	free(loop->heap);
	free(loop);
}

int loop_bufring_init(struct loop *loop, struct loop_bufring *r, uint16_t bgid, uint32_t count,
		      uint32_t size)
{
	struct io_uring_buf_reg reg = { 0 };
	size_t ring_sz = count * sizeof(struct io_uring_buf);
	int ret;

	/* The kernel needs a power-of-two ring, and the ring itself page-aligned. */
	assert(count && !(count & (count - 1)) && count <= 32768);
	memset(r, 0, sizeof(*r));
	r->br = mmap(NULL, ring_sz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (r->br == MAP_FAILED)
		return -errno;
	r->bufs = malloc((size_t)count * size);
	if (!r->bufs) {
		munmap(r->br, ring_sz);
		return -ENOMEM;
	}
	reg.ring_addr = (uintptr_t)r->br;
	reg.ring_entries = count;
	reg.bgid = bgid;
	ret = io_uring_register_buf_ring(&loop->ring, &reg, 0);
	if (ret) {
		free(r->bufs);
		munmap(r->br, ring_sz);
		return ret;
	}
	r->count = count;
	r->size = size;
	r->bgid = bgid;
	io_uring_buf_ring_init(r->br);
	for (uint32_t i = 0; i < count; i++)
		io_uring_buf_ring_add(r->br, r->bufs + (size_t)i * size, size, i,
				      io_uring_buf_ring_mask(count), i);
	io_uring_buf_ring_advance(r->br, count);
	return 0;
}

void loop_bufring_free(struct loop *loop, struct loop_bufring *r)
{
	if (!r->br)
		return;
	if (loop)
		io_uring_unregister_buf_ring(&loop->ring, r->bgid);
	munmap(r->br, r->count * sizeof(struct io_uring_buf));
	free(r->bufs);
	r->br = NULL;
}

void loop_buf_recycle(struct loop *loop, struct loop_bufring *r, uint32_t flags)
{
	uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;

	io_uring_buf_ring_add(r->br, r->bufs + (size_t)bid * r->size, r->size, bid,
			      io_uring_buf_ring_mask(r->count), 0);
	io_uring_buf_ring_advance(r->br, 1);
}

int loop_recvmsg_multishot(struct loop *loop, struct loop_op *op, int fd, struct msghdr *msg,
			   struct loop_bufring *r)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recvmsg_multishot(sqe, fd, msg, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = r->bgid;
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_recvmsg(struct loop *loop, struct loop_op *op, int fd, struct msghdr *msg)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recvmsg(sqe, fd, msg, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_sendmsg(struct loop *loop, struct loop_op *op, int fd, const struct msghdr *msg,
		 int flags)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_sendmsg(sqe, fd, msg, flags);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_read(struct loop *loop, struct loop_op *op, int fd, void *buf, unsigned len)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, fd, buf, len, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_accept_multishot(struct loop *loop, struct loop_op *op, int fd)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_recv(struct loop *loop, struct loop_op *op, int fd, void *buf, size_t len)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, fd, buf, len, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_send(struct loop *loop, struct loop_op *op, int fd, const void *buf, size_t len,
	      int flags)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, fd, buf, len, flags);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_send_zc(struct loop *loop, struct loop_op *op, int fd, const void *buf, size_t len,
		 int flags)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_send_zc(sqe, fd, buf, len, flags, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_poll(struct loop *loop, struct loop_op *op, int fd, unsigned events)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, fd, events);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_splice(struct loop *loop, struct loop_op *op, int fd_in, int64_t off_in, int fd_out,
		unsigned len)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_splice(sqe, fd_in, off_in, fd_out, -1, len, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

int loop_cancel(struct loop *loop, struct loop_op *op, struct loop_op *target)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel(sqe, target, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

static void handle_cqe(struct loop *loop, struct io_uring_cqe *cqe)
{
	struct loop_op *op = io_uring_cqe_get_data(cqe);

	/* A NULL op is a fire-and-forget operation (a cancel nobody waits for). */
	if (op)
		op->fn(loop, op, cqe->res, cqe->flags);
}

int loop_run(struct loop *loop)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts;
	unsigned head, n;
	int ret;

	loop->stop = false;
	while (!loop->stop) {
		struct __kernel_timespec *tsp = NULL;

		loop->now_ns = clock_ns();
		run_timers(loop);
		if (loop->stop)
			break;
		if (loop->heap_len) {
			uint64_t d = loop->heap[0]->deadline_ns - loop->now_ns;

			ts.tv_sec = d / 1000000000ull;
			ts.tv_nsec = d % 1000000000ull;
			tsp = &ts;
		}
		ret = io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, tsp, NULL);
		loop->stats.submits++;
		if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY) {
			pr_err("io_uring_submit_and_wait: %s", strerror(-ret));
			return ret;
		}
		loop->now_ns = clock_ns();
		n = 0;
		io_uring_for_each_cqe(&loop->ring, head, cqe) {
			handle_cqe(loop, cqe);
			n++;
		}
		io_uring_cq_advance(&loop->ring, n);
		if (n) {
			loop->stats.cqes += n;
			loop->stats.batches++;
		}
	}
	return 0;
}
