/*
 * buf - the one growable byte buffer.
 *
 * struct buf { data, len, cap, max }: binary-safe, always NUL-padded (data[len] == 0), so text
 * can be used as a C string. `max` (0 = unlimited) bounds how large input can make it: an append
 * that would pass it fails with -1 and leaves the buffer unchanged.
 *
 * buf_init()/buf_release() for a buffer embedded in another struct; buf_new()/buf_free() for a
 * heap handle. Not thread-safe; one owner.
 */
#ifndef SW_UTIL_BUF_H
#define SW_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
struct buf *buf_new(size_t max);
struct buf *buf_free(struct buf *b);

/* buf_append - add len bytes; -1 if that would pass b->max */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* buf_consume - drop the first n bytes (n <= len) */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* buf_set - replace the contents */
int buf_set(struct buf *b, const void *data, size_t len);

#endif
