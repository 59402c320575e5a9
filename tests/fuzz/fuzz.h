/* SPDX-License-Identifier: MIT */
/* What every libFuzzer driver here shares: the entry points and an assertion that crashes. */
#ifndef BOOTHERD_FUZZ_H
#define BOOTHERD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed check must be a crash for libFuzzer to keep the input. */
#define ASSERT(x)                          \
	do {                               \
		if (!(x))                  \
			__builtin_trap();  \
	} while (0)

#endif
