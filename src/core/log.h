/* SPDX-License-Identifier: MIT */
/*
 * Logging: one log_print() behind pr_err/pr_warn/pr_info/pr_debug. The level check sits in the
 * macro so a disabled pr_debug() costs one load and a branch, never a format.
 */
#ifndef BOOTHERD_LOG_H
#define BOOTHERD_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

extern int log_level;

/* Writes one line ("<time> <level> <message>\n") to stderr with a single write(2). */
void log_print(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses "err", "warn", "info" or "debug"; returns the level or -EINVAL. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

/*
 * A rate limit for log lines about things a remote peer controls (malformed packets, floods):
 * at most @burst lines per @interval_ms, then one line saying how many were suppressed.
 * Returns true when the caller may print. Thread-safe.
 */
struct log_ratelimit {
	uint64_t window_start_ms;
	unsigned interval_ms;
	unsigned burst;
	unsigned printed;
	unsigned suppressed;
};
#define LOG_RATELIMIT_INIT(ms, n) { .interval_ms = (ms), .burst = (n) }
bool log_ratelimit_ok(struct log_ratelimit *rl);

#define pr_log(lvl, ...)                                 \
	do {                                             \
		if ((int)(lvl) <= log_level)             \
			log_print((lvl), __VA_ARGS__);   \
	} while (0)

#define pr_err(...)   pr_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  pr_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  pr_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) pr_log(LOG_DEBUG, __VA_ARGS__)

/* Rate-limited variant: a static limiter per call site, 10 lines per 5 s. */
#define pr_ratelimited(lvl, ...)                                                  \
	do {                                                                      \
		static struct log_ratelimit rl__ = LOG_RATELIMIT_INIT(5000, 10); \
		if ((int)(lvl) <= log_level && log_ratelimit_ok(&rl__))          \
			log_print((lvl), __VA_ARGS__);                            \
	} while (0)

#endif
