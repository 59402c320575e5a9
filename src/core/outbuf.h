/* SPDX-License-Identifier: MIT */
/*
 * A bounded text writer with snprintf's contract: it writes what fits (one byte short of the
 * capacity, for the NUL) and keeps counting, so the caller learns the full length and can call
 * again with a buffer that size. Shared by the text generators (src/boot, src/roots).
 */
#ifndef BOOTHERD_OUTBUF_H
#define BOOTHERD_OUTBUF_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct outbuf {
	char *buf;
	size_t cap;
	size_t len;     /* of the full text, which may run past the buffer */
};

/* How many bytes the buffer holds now (the full text, or what fitted of it). */
static inline size_t outbuf_held(const struct outbuf *o)
{
	if (!o->cap)
		return 0;
	return o->len < o->cap - 1 ? o->len : o->cap - 1;
}

static inline void outbuf_put(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + 1 < o->cap) {
		size_t room = o->cap - 1 - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static inline void outbuf_str(struct outbuf *o, const char *s)
{
	outbuf_put(o, s, strlen(s));
}

static inline void outbuf_num(struct outbuf *o, unsigned long long v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", v);

	outbuf_put(o, num, (size_t)n);
}

/*
 * Terminates the text and returns its full length, or @err (negative) with the buffer holding
 * "", so no half-written text can be taken for a result.
 */
static inline ssize_t outbuf_end(struct outbuf *o, int err)
{
	if (o->cap)
		o->buf[err ? 0 : outbuf_held(o)] = '\0';
	return err ? err : (ssize_t)o->len;
}

#endif
