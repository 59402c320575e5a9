/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test harness. Each case prints "ok NAME" or "FAIL NAME: file:line: expr";
 * tests/run.sh counts those lines. main() ends with check_done(), whose exit status is non-zero
 * when any case failed.
 */
#ifndef BOOTHERD_CHECK_H
#define BOOTHERD_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_cases;
static int check_case_failed;

#define CHECK(expr)                                                                       \
	do {                                                                              \
		if (!(expr)) {                                                            \
			if (!check_case_failed)                                           \
				printf("FAIL %s: %s:%d: %s\n", check_case_name, __FILE__, \
				       __LINE__, #expr);                                  \
			check_case_failed = 1;                                            \
		}                                                                         \
	} while (0)

#define CHECK_EQ(a, b)     CHECK((a) == (b))
#define CHECK_STR(a, b)    CHECK(strcmp((a), (b)) == 0)
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static const char *check_case_name;

static int check_case_skipped;

/* Ends the case as skipped, with the reason (a machine without the feature), not as passed. */
#define SKIP(...)                                                                          \
	do {                                                                               \
		printf("skip %s: ", check_case_name);                                      \
		printf(__VA_ARGS__);                                                       \
		printf("\n");                                                              \
		check_case_skipped = 1;                                                    \
		return;                                                                    \
	} while (0)

/* Runs one case; a case is a void function. */
#define RUN(fn)                                              \
	do {                                                 \
		check_case_name = #fn;                       \
		check_case_failed = 0;                       \
		check_case_skipped = 0;                      \
		fn();                                        \
		if (check_case_failed)                       \
			check_failed_cases++;                \
		else if (!check_case_skipped)                \
			printf("ok %s\n", #fn);              \
		fflush(stdout);                              \
	} while (0)

static inline int check_done(void)
{
	return check_failed_cases ? 1 : 0;
}

#endif
