/* SPDX-License-Identifier: MIT */
/*
 * Locale-free ASCII helpers for the parsers of untrusted bytes. ASCII only, on purpose: the
 * locale must never change what "BLKSIZE", "Connection" or "CLOSE" match (think Turkish i).
 * Header-only (static inline), so pure modules and fuzzers use them with no link dependency.
 */
#ifndef BOOTHERD_ASCII_H
#define BOOTHERD_ASCII_H

#include <stdbool.h>
#include <stddef.h>

/* Whether @a equals @lower (already lower-case) ignoring ASCII case. */
static inline bool ascii_caseeq(const char *a, size_t a_len, const char *lower, size_t lower_len)
{
	if (a_len != lower_len)
		return false;
	for (size_t i = 0; i < a_len; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lower[i])
			return false;
	}
	return true;
}

/* The value of a hex digit, or -1. */
static inline int ascii_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
