/*
 * mem - allocation that cannot fail.
 *
 * xmalloc/xcalloc/xrealloc/xstrdup/xmemdup abort the process on out-of-memory, so call sites
 * carry no NULL checks. Anything input can make us allocate must be bounded by a configured
 * limit before it reaches these calls. Free with free(3).
 */
#ifndef SW_UTIL_MEM_H
#define SW_UTIL_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
/* xmemdup - copy len bytes and add a terminating NUL */
char *xmemdup(const void *p, size_t len);

#endif
