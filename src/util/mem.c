/* mem - allocation wrappers that abort on out-of-memory. */
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        die_bug("out of memory allocating %zu bytes", size);
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        die_bug("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *
xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL)
        die_bug("out of memory reallocating %zu bytes", size);
    return q;
}

char *
xstrdup(const char *s)
{
    return xmemdup(s, strlen(s));
}

char *
xmemdup(const void *p, size_t len)
{
    char *q = xmalloc(len + 1);
    memcpy(q, p, len);
    q[len] = '\0';
    return q;
}
