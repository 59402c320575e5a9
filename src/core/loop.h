/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one io_uring per worker thread. Services never build SQEs; they call the
 * loop_*() functions below with a struct loop_op embedded in their own state. The op's address
 * is the SQE's user_data, so one handle_cqe() dispatches every completion to op->fn, with the
 * owner found by container_of(). Completions are reaped in batches; submissions are flushed
 * once per batch (or earlier when the SQ ring is full).
 *
 * Timers are kept in user space (a binary heap per loop): the loop waits for completions with
 * the nearest deadline as its timeout, so arming or cancelling a timer costs no syscall.
 */
#ifndef BOOTHERD_LOOP_H
#define BOOTHERD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <liburing.h>

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct loop;
struct loop_op;

/*
 * Called once per completion with the CQE's result and flags. For multishot operations it is
 * called for every CQE; the op is finished when IORING_CQE_F_MORE is clear in @flags.
 */
typedef void (*loop_fn)(struct loop *loop, struct loop_op *op, int res, uint32_t flags);

struct loop_op {
	loop_fn fn;
};

struct loop_timer;
typedef void (*loop_timer_fn)(struct loop *loop, struct loop_timer *t);

struct loop_timer {
	uint64_t deadline_ns;   /* CLOCK_MONOTONIC */
	uint32_t heap_idx;      /* 0: not armed; else position + 1 in the heap */
	loop_timer_fn fn;
};

/* A provided-buffer ring: @count buffers of @size bytes in group @bgid. */
struct loop_bufring {
	struct io_uring_buf_ring *br;
	uint8_t *bufs;
	uint32_t count;
	uint32_t size;
	uint16_t bgid;
};

/*
 * Sets up a ring with @entries SQEs, trying SINGLE_ISSUER | DEFER_TASKRUN first and falling
 * back to plain flags on older kernels. Must be called on the thread that will run the loop.
 */
struct loop *loop_new(unsigned entries);
/*
 * Cancels and reaps every operation still in flight (their callbacks are not called: owners
 * are being torn down), then frees the ring. Afterwards no buffer is in use by the kernel and
 * every socket the loop used can be closed for good.
 */
void loop_free(struct loop *loop);

/* Runs until loop_stop(); returns 0 or -errno on a fatal ring error. */
int loop_run(struct loop *loop);
/* Asks loop_run() to return after the current batch. Only from the loop's own thread. */
void loop_stop(struct loop *loop);

/* CLOCK_MONOTONIC in ns, cached once per batch (so cheap to call in callbacks). */
uint64_t loop_now_ns(struct loop *loop);

/* Arms (or re-arms) @t to fire in @ms milliseconds; @t->fn must be set. */
void loop_timer_arm(struct loop *loop, struct loop_timer *t, uint64_t ms);
void loop_timer_cancel(struct loop *loop, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->heap_idx != 0;
}

/* Registers a provided-buffer ring; returns 0 or -errno. */
int loop_bufring_init(struct loop *loop, struct loop_bufring *r, uint16_t bgid, uint32_t count,
		      uint32_t size);
/* Unregisters (unless @loop is NULL: its ring is already gone) and frees the buffers. */
void loop_bufring_free(struct loop *loop, struct loop_bufring *r);
/* The buffer a CQE selected (bid from the CQE flags), and giving it back to the kernel. */
static inline uint8_t *loop_buf(struct loop_bufring *r, uint32_t flags)
{
	return r->bufs + (size_t)(flags >> IORING_CQE_BUFFER_SHIFT) * r->size;
}
void loop_buf_recycle(struct loop *loop, struct loop_bufring *r, uint32_t flags);

/*
 * Operations. Each returns 0 once queued (the completion arrives through op->fn) or -errno
 * when no SQE could be had. The buffers and msghdr must stay valid until the completion.
 */
int loop_recvmsg_multishot(struct loop *loop, struct loop_op *op, int fd, struct msghdr *msg,
			   struct loop_bufring *r);
int loop_recvmsg(struct loop *loop, struct loop_op *op, int fd, struct msghdr *msg);
int loop_sendmsg(struct loop *loop, struct loop_op *op, int fd, const struct msghdr *msg,
		 int flags);
int loop_read(struct loop *loop, struct loop_op *op, int fd, void *buf, unsigned len);
/* Multishot accept: one completion per connection (res is the new fd) while F_MORE is set. */
int loop_accept_multishot(struct loop *loop, struct loop_op *op, int fd);
int loop_recv(struct loop *loop, struct loop_op *op, int fd, void *buf, size_t len);
int loop_send(struct loop *loop, struct loop_op *op, int fd, const void *buf, size_t len,
	      int flags);
/*
 * Zero-copy send: the first completion carries the result (with F_MORE when a notification
 * follows); the buffer stays in use until the completion with IORING_CQE_F_NOTIF arrives.
 */
int loop_send_zc(struct loop *loop, struct loop_op *op, int fd, const void *buf, size_t len,
		 int flags);
/* One-shot poll: completes with the ready events (POLLOUT, ...) of @fd. */
int loop_poll(struct loop *loop, struct loop_op *op, int fd, unsigned events);
/* splice(2): @off_in -1 for a pipe; at most @len bytes. */
int loop_splice(struct loop *loop, struct loop_op *op, int fd_in, int64_t off_in, int fd_out,
		unsigned len);
/* Cancels every operation whose user_data is @target; @op (may be NULL) gets the result. */
int loop_cancel(struct loop *loop, struct loop_op *op, struct loop_op *target);

/* Counters, for status and benchmarks. */
struct loop_stats {
	uint64_t cqes;
	uint64_t batches;
	uint64_t submits;
};
void loop_get_stats(const struct loop *loop, struct loop_stats *out);

#endif
