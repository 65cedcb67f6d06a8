/*
 * errmsg - the error message a caller asked for: functions that fail with an (err, errlen)
 * pair write a printf-style message there and return -1.
 *
 * errmsg_set() writes nothing when err is NULL or errlen is 0, cuts the message to errlen - 1
 * bytes, and always returns -1, so a failure path reads `return errmsg_set(err, errlen, ...)`.
 * No state; thread-safe.
 */
#ifndef SW_UTIL_ERRMSG_H
#define SW_UTIL_ERRMSG_H

#include <stddef.h>

int errmsg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
