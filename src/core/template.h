/* SPDX-License-Identifier: MIT */
/*
 * ${name} substitution for boot-file URLs and kernel command lines ("http://${server}/x",
 * "root=nfs:${server}:/roots/${hostname}"). Pure: the caller supplies the values.
 */
#ifndef BOOTHERD_TEMPLATE_H
#define BOOTHERD_TEMPLATE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Returns the value of variable @name (@len bytes, not NUL-terminated), or NULL when there is
 * no such variable.
 */
typedef const char *(*template_lookup_fn)(void *ctx, const char *name, size_t len);

/*
 * Expands @tmpl into @out (always NUL-terminated when @cap > 0). "$$" is a literal '$'; a '$'
 * not followed by '{' or '$' is copied as is. Returns the length of the full expansion (which
 * may exceed @cap - 1: then @out holds a truncated copy), or -EINVAL for an unknown variable
 * or an unclosed "${"; *@bad (if not NULL) then points at the offending "${" in @tmpl.
 */
ssize_t template_expand(char *out, size_t cap, const char *tmpl, template_lookup_fn lookup,
			void *ctx, const char **bad);

#endif
