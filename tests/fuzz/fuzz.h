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

/*
 * The capacities a bounded generator of an @n-byte text is tried with, each as an exact-size
 * heap buffer so ASan catches a byte written past it: 1, 16, about half, and one short.
 */
static inline void fuzz_caps(size_t n, size_t caps[4])
{
	caps[0] = 1;
	caps[1] = 16;
	caps[2] = n / 2 + 1;
	caps[3] = n;
}

#endif
