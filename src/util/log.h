/*
 * log - the three error tiers and plain diagnostics.
 *
 * die_bug()  an impossible internal state: logs and aborts (core dump).
 * die()      an unusable environment at start-up (bad config, cannot bind): logs, exit(1).
 * log_*()    everything a peer or input can cause: the caller returns an error code.
 *
 * Diagnostics go to stderr as one line each, prefixed with the program name and pid.
 * Structured events (JSON) are not written here: see src/events.
 * Thread-safe: each call is one write(2).
 */
#ifndef SW_UTIL_LOG_H
#define SW_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* log_set_level - messages below this level are dropped (default INFO) */
void log_set_level(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
