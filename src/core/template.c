// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "core/template.h"

static void put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + 1 < cap) {
		size_t room = cap - 1 - *n;

		memcpy(out + *n, s, len < room ? len : room);
	}
	*n += len;
}

ssize_t template_expand(char *out, size_t cap, const char *tmpl, template_lookup_fn lookup,
			void *ctx, const char **bad)
{
	size_t n = 0;
	const char *p = tmpl;

	while (*p) {
		const char *dollar = strchr(p, '$'), *end, *v;

		if (!dollar) {
			put(out, cap, &n, p, strlen(p));
			break;
		}
		put(out, cap, &n, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			put(out, cap, &n, "$", 1);
			p = dollar + 2;
			continue;
		}
		if (dollar[1] != '{') {
			put(out, cap, &n, "$", 1);
			p = dollar + 1;
			continue;
		}
		end = strchr(dollar + 2, '}');
		v = end ? lookup(ctx, dollar + 2, (size_t)(end - dollar - 2)) : NULL;
		if (!v) {
			if (bad)
				*bad = dollar;
			if (cap)
				out[0] = '\0';
			return -EINVAL;
		}
		put(out, cap, &n, v, strlen(v));
		p = end + 1;
	}
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return (ssize_t)n;
}
