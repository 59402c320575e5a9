// SPDX-License-Identifier: MIT
/*
 * libFuzzer driver for the configuration loader: arbitrary bytes as a YAML file. Whatever the
 * input, loading must not crash, leak or read out of bounds; a conf that loads must survive
 * validation, lookups and the last conf_put(). The .c files are included so the build needs
 * nothing but libyaml.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fuzz.h"
#include "conf/conf.c"
#include "core/log.c"


/* Diagnostics are formatted (that code is fuzzed too) but go nowhere. */
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	return devnull ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "", "/", "pxelinux.0", "/ipxe/a", "//x/y/" };
	struct conf *c = NULL;
	const char *rest;

	if (conf_load_buf("fuzz.yaml", (const char *)data, size, &c, devnull))
		return 0;
	conf_validate(c, devnull);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		conf_root_for(c, paths[i], &rest);
	conf_put(conf_get(c));
	conf_put(c);
	return 0;
}
