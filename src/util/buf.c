/* buf - growable, bounded, NUL-padded byte buffer. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void
buf_init(struct buf *b, size_t max)
{
    b->data = xmalloc(16);
    b->data[0] = '\0';
    b->len = 0;
    b->cap = 16;
    b->max = max;
}

void
buf_release(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

struct buf *
buf_new(size_t max)
{
    struct buf *b = xmalloc(sizeof *b);
    buf_init(b, max);
    return b;
}

struct buf *
buf_free(struct buf *b)
{
    if (b != NULL) {
        buf_release(b);
        free(b);
    }
    return NULL;
}

/* buf_reserve - make room for len more bytes plus the NUL pad */
static int
buf_reserve(struct buf *b, size_t len)
{
    if (len > SIZE_MAX / 2 - b->len)
        return -1;
    if (b->max != 0 && b->len + len > b->max)
        return -1;
    size_t need = b->len + len + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 16;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
    if (buf_reserve(b, len) < 0)
        return -1;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int
buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

void
buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    b->data[b->len] = '\0';
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

int
buf_set(struct buf *b, const void *data, size_t len)
{
    buf_reset(b);
    return buf_append(b, data, len);
}
