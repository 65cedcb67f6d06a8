/* spool - memory-then-temporary-file message buffer. */
#include "util/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/mem.h"

struct spool {
    struct buf mem;
    size_t memory_limit;
    uint64_t max;
    uint64_t size;
    uint64_t read_pos;
    char *dir;
    int fd; /* -1 until spilled */
};

struct spool *
spool_new(size_t memory_limit, uint64_t max, const char *dir)
{
    struct spool *s = xcalloc(1, sizeof *s);

    buf_init(&s->mem, 0);
    s->memory_limit = memory_limit;
    s->max = max;
    s->dir = xstrdup(dir != NULL ? dir : "/tmp");
    s->fd = -1;
    return s;
}

struct spool *
spool_free(struct spool *s)
{
    if (s != NULL) {
        if (s->fd >= 0)
            close(s->fd);
        buf_release(&s->mem);
        free(s->dir);
        free(s);
    }
    return NULL;
}

/* spool_open_file - an anonymous file in the spool folder */
static int
spool_open_file(struct spool *s)
{
    int fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/smtpwarden-spool-XXXXXX", s->dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
            return -1;
        unlink(path);
    }
    return fd;
}

/* write_all - write(2) until done or a real error */
static int
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* spool_spill - move what is in memory to a new temporary file */
static int
spool_spill(struct spool *s)
{
    s->fd = spool_open_file(s);
    if (s->fd < 0)
        return -1;
    if (write_all(s->fd, s->mem.data, s->mem.len) < 0)
        return -1;
    buf_reset(&s->mem);
    return 0;
}

int
spool_write(struct spool *s, const void *data, size_t len)
{
    if (s->max != 0 && s->size + len > s->max) {
        errno = EFBIG;
        return -1;
    }
    if (s->fd < 0 && s->mem.len + len > s->memory_limit && spool_spill(s) < 0)
        return -1;
    if (s->fd >= 0) {
        if (write_all(s->fd, data, len) < 0)
            return -1;
    } else {
        buf_append(&s->mem, data, len);
    }
    s->size += len;
    return 0;
}

uint64_t
spool_size(const struct spool *s)
{
    return s->size;
}

int
spool_on_disk(const struct spool *s)
{
    return s->fd >= 0;
}

int
spool_reset(struct spool *s)
{
    buf_reset(&s->mem);
    s->size = 0;
    s->read_pos = 0;
    if (s->fd >= 0) {
        /* a large message's file is dropped rather than kept at its high-water size */
        close(s->fd);
        s->fd = -1;
    }
    return 0;
}

int
spool_rewind(struct spool *s)
{
    s->read_pos = 0;
    if (s->fd >= 0 && lseek(s->fd, 0, SEEK_SET) < 0)
        return -1;
    return 0;
}

ssize_t
spool_read(struct spool *s, void *out, size_t cap)
{
    if (s->fd < 0) {
        size_t left = s->mem.len - (size_t)s->read_pos;
        size_t n = left < cap ? left : cap;
        memcpy(out, s->mem.data + s->read_pos, n);
        s->read_pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t r = read(s->fd, out, cap);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

int
spool_each_after(struct spool *s, uint64_t skip,
                 void (*fn)(void *ctx, const char *data, size_t len), void *ctx)
{
    char chunk[16384];
    ssize_t n;

    if (spool_rewind(s) < 0)
        return -1;
    while ((n = spool_read(s, chunk, sizeof chunk)) > 0) {
        size_t off = skip < (uint64_t)n ? (size_t)skip : (size_t)n;
        skip -= off;
        if ((size_t)n > off)
            fn(ctx, chunk + off, (size_t)n - off);
    }
    return n < 0 ? -1 : 0;
}
