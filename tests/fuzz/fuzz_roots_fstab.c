// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for roots_fstab(). The input is a flags byte, a length byte, then that many
 * bytes (up to 15) of a word used as the NFS source or options when the flags ask for it, then
 * the fstab. Checked, in any build through __builtin_trap(): the length contract (the same
 * length whatever the buffer, a NUL where the text stops, nothing written past it); -EINVAL only
 * for a NUL in the fstab or a source/options word that could not come back as one field; each
 * input line coming out as it was (less its CRs) or disabled with the "# bootherd: " prefix, in
 * order, followed only by added active lines; exactly one active line mounting "/"; every mount
 * point a node needs mounted; and idempotence: the output fed back in gives the same bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "roots/gen.c"

#define PREFIX "# bootherd: "

/* What the header promises, written apart from gen.c's own parsing. */
static bool word_bad(const char *w)
{
	if (!w[0] || w[0] == '#')
		return true;
	for (; *w; w++)
		if ((unsigned char)*w <= ' ' || *w == 0x7f || *w == '\\')
			return true;
	return false;
}

struct span {
	const char *s;
	size_t n;
};

/* Field @k (from 0) of a line split on blanks, or an empty span. */
static struct span field(struct span l, int k)
{
	size_t i = 0;

	for (;;) {
		size_t start;

		while (i < l.n && (l.s[i] == ' ' || l.s[i] == '\t'))
			i++;
		if (i == l.n)
			return (struct span){ l.s + i, 0 };
		start = i;
		while (i < l.n && l.s[i] != ' ' && l.s[i] != '\t')
			i++;
		if (!k--)
			return (struct span){ l.s + start, i - start };
	}
}

static bool active(struct span l)
{
	struct span f = field(l, 0);

	return f.n && f.s[0] != '#';
}

/* Decodes "\ooo" escapes of @f into @buf (at least f.n bytes); returns the length. */
static size_t decode(struct span f, char *buf)
{
	size_t n = 0;

	for (size_t i = 0; i < f.n; n++) {
		const char *e = f.s + i;

		if (e[0] == '\\' && i + 3 < f.n && e[1] >= '0' && e[1] <= '7' && e[2] >= '0' &&
		    e[2] <= '7' && e[3] >= '0' && e[3] <= '7') {
			buf[n] = (char)((e[1] - '0') * 64 + (e[2] - '0') * 8 + (e[3] - '0'));
			i += 4;
		} else {
			buf[n] = f.s[i++];
		}
	}
	return n;
}

/* Whether mount point @f names @path (no doubled or trailing slash), slashes collapsed. */
static bool mounts(struct span l, const char *path)
{
	struct span f = field(l, 1);
	char *buf = malloc(f.n + 1), *canon = malloc(f.n + 2);
	size_t n = decode(f, buf), c = 0;
	bool same;

	for (size_t i = 0; i < n; i++)
		if (buf[i] != '/' || !c || canon[c - 1] != '/')
			canon[c++] = buf[i];
	if (c > 1 && canon[c - 1] == '/')
		c--;
	same = c == strlen(path) && !memcmp(canon, path, c);
	free(buf);
	free(canon);
	return same;
}

/* The next line of @s at *@at, without its LF; CRs before the LF dropped when @crs. */
static bool next_line(const char *s, size_t len, size_t *at, struct span *l, bool crs)
{
	const char *nl;
	size_t end;

	if (*at >= len)
		return false;
	nl = memchr(s + *at, '\n', len - *at);
	end = nl ? (size_t)(nl - s) : len;
	*l = (struct span){ s + *at, end - *at };
	while (crs && l->n && l->s[l->n - 1] == '\r')
		l->n--;
	*at = end + 1;
	return true;
}

static void check_text(const char *in, size_t len, const char *out, size_t n)
{
	static const char *const needed[] = { "/dev/shm", "/dev/pts", "/sys", "/proc" };
	size_t at_in = 0, at_out = 0, roots = 0, added = 0;
	bool have[4] = { false };
	struct span li, lo;

	ASSERT(n && out[n - 1] == '\n' && strlen(out) == n);
	while (next_line(out, n, &at_out, &lo, false)) {
		if (next_line(in, len, &at_in, &li, true)) {
			size_t p = strlen(PREFIX);

			ASSERT((lo.n == li.n && !memcmp(lo.s, li.s, li.n)) ||
			       (lo.n == p + li.n && !memcmp(lo.s, PREFIX, p) &&
				!memcmp(lo.s + p, li.s, li.n) && active(li)));
		} else {
			ASSERT(active(lo));
			added++;
		}
		if (!active(lo))
			continue;
		roots += mounts(lo, "/");
		for (size_t i = 0; i < 4; i++)
			have[i] |= mounts(lo, needed[i]);
	}
	ASSERT(at_in >= len);
	ASSERT(added <= 5);
	ASSERT(roots == 1);
	for (size_t i = 0; i < 4; i++)
		ASSERT(have[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sources[] = { NULL, "10.0.0.1:/srv/diskless/r", "/dev/nfs" };
	static const char *const options[] = { NULL, "", "vers=3,nolock" };
	const char *src, *opts;
	char word[16], *in, *full, *again, *buf;
	size_t wlen, len, caps[4];
	unsigned flags;
	ssize_t n;

	if (size < 2)
		return 0;
	flags = data[0];
	wlen = data[1] % 16;
	if (wlen > size - 2)
		wlen = size - 2;
	memcpy(word, data + 2, wlen);
	word[wlen] = '\0';
	src = (flags & 3) == 3 ? word : sources[flags & 3];
	opts = (flags >> 2 & 3) == 3 ? word : options[flags >> 2 & 3];
	len = size - 2 - wlen;
	/* An exact-size copy, so that ASan sees any read past the input. */
	in = malloc(len ? len : 1);
	memcpy(in, data + 2 + wlen, len);

	n = roots_fstab(NULL, 0, in, len, src, opts);
	if (n < 0) {
		ASSERT(n == -EINVAL);
		ASSERT(memchr(in, '\0', len) || (src && word_bad(src)) ||
		       (opts && opts[0] && word_bad(opts)));
		buf = malloc(4);
		buf[0] = 'x';
		ASSERT(roots_fstab(buf, 4, in, len, src, opts) == -EINVAL && !buf[0]);
		free(buf);
		free(in);
		return 0;
	}
	ASSERT(!memchr(in, '\0', len));
	full = malloc((size_t)n + 1);
	ASSERT(roots_fstab(full, (size_t)n + 1, in, len, src, opts) == n);
	check_text(in, len, full, (size_t)n);

	fuzz_caps((size_t)n, caps);
	for (size_t i = 0; i < 4; i++) {
		size_t cap = caps[i], held = cap - 1 < (size_t)n ? cap - 1 : (size_t)n;

		buf = malloc(cap);
		ASSERT(roots_fstab(buf, cap, in, len, src, opts) == n);
		ASSERT(buf[held] == '\0' && !memcmp(buf, full, held));
		free(buf);
	}

	/* Fed back, the output gives itself. */
	again = malloc((size_t)n + 1);
	ASSERT(roots_fstab(again, (size_t)n + 1, full, (size_t)n, src, opts) == n);
	ASSERT(!memcmp(again, full, (size_t)n + 1));
	free(again);
	free(full);
	free(in);
	return 0;
}
