// SPDX-License-Identifier: MIT
#include "check.h"

#include "core/template.c"

static const char *lookup(void *ctx, const char *name, size_t len)
{
	if (len == 6 && !memcmp(name, "server", 6))
		return "10.0.0.1";
	if (len == 3 && !memcmp(name, "mac", 3))
		return "02:00:00:00:00:01";
	if (len == 5 && !memcmp(name, "empty", 5))
		return "";
	return NULL;
}

static void expands(void)
{
	char out[64];

	CHECK_EQ(template_expand(out, sizeof(out), "http://${server}/boot/${mac}.ipxe", lookup,
				 NULL, NULL), 43);
	CHECK_STR(out, "http://10.0.0.1/boot/02:00:00:00:00:01.ipxe");
	CHECK_EQ(template_expand(out, sizeof(out), "a$$b$c${empty}d", lookup, NULL, NULL), 6);
	CHECK_STR(out, "a$b$cd");
	CHECK_EQ(template_expand(out, sizeof(out), "", lookup, NULL, NULL), 0);
	CHECK_STR(out, "");
	CHECK_EQ(template_expand(out, sizeof(out), "trailing $", lookup, NULL, NULL), 10);
	CHECK_STR(out, "trailing $");
}

static void errors(void)
{
	const char *t = "x ${nope} y", *u = "x ${server", *bad = NULL;
	char out[16];

	CHECK_EQ(template_expand(out, sizeof(out), t, lookup, NULL, &bad), -EINVAL);
	CHECK(bad == t + 2);
	CHECK_EQ(template_expand(out, sizeof(out), u, lookup, NULL, &bad), -EINVAL);
	CHECK(bad == u + 2);
}

static void truncates(void)
{
	char out[8];

	/* The full length comes back, so the caller can tell and size a buffer. */
	CHECK_EQ(template_expand(out, sizeof(out), "${server}/x", lookup, NULL, NULL), 10);
	CHECK_STR(out, "10.0.0.");
	CHECK_EQ(template_expand(out, 0, "${server}", lookup, NULL, NULL), 8);
}

int main(void)
{
	RUN(expands);
	RUN(errors);
	RUN(truncates);
	return check_done();
}
