/* fuzz_mime_stream - the streaming MIME parser on any bytes, with small limits chosen by the
 * first byte, fed in 2-3 pieces at fuzzer-chosen splits: the callbacks must be exactly those
 * of the same input fed whole, parts must open and close in order, and the limits must hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    struct buf out;   /* every callback, serialised */
    unsigned open;    /* parts started and not ended */
    unsigned started; /* part_start calls */
    uint64_t decoded; /* bytes passed to body, whole message */
    const struct mime_stream_limits *lim;
};

static void
on_header(void *ctx, const struct mime_part_info *p, const char *name, size_t nlen,
          const char *value, size_t vlen)
{
    struct trace *t = ctx;

    buf_printf(&t->out, "H%s:%zu:%zu\n", p->path, nlen, vlen);
    buf_append(&t->out, name, nlen);
    buf_append(&t->out, value, vlen);
}

static void
on_start(void *ctx, const struct mime_part_info *p)
{
    struct trace *t = ctx;

    if (!p->path || !p->type || !p->subtype || p->depth > t->lim->max_depth)
        __builtin_trap();
    t->open++;
    t->started++;
    if (t->started > t->lim->max_parts)
        __builtin_trap();
    buf_printf(&t->out, "S%s %u %s/%s %s %s %s %d %d%d%d%d%d %llu\n", p->path, p->depth, p->type,
               p->subtype, p->charset ? p->charset : "-", p->filename ? p->filename : "-",
               p->disposition ? p->disposition : "-", p->cte, p->is_multipart, p->is_message,
               p->is_attachment, p->is_text, p->is_html, (unsigned long long)p->offset);
}

static void
on_body(void *ctx, const struct mime_part_info *p, const uint8_t *d, size_t len)
{
    struct trace *t = ctx;

    if (t->open == 0 || p->is_multipart || p->is_message || len == 0 || len > 65536)
        __builtin_trap();
    t->decoded += len;
    if (t->decoded > t->lim->max_total_bytes)
        __builtin_trap();
    buf_printf(&t->out, "B%s:%zu\n", p->path, len);
    buf_append(&t->out, d, len);
}

static void
on_text(void *ctx, const struct mime_part_info *p, const uint8_t *d, size_t len)
{
    struct trace *t = ctx;

    if (t->open == 0 || !(p->is_text || p->is_multipart) || len == 0)
        __builtin_trap();
    buf_printf(&t->out, "T%s:%zu\n", p->path, len);
    buf_append(&t->out, d, len);
}

static void
on_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s)
{
    struct trace *t = ctx;

    if (t->open == 0 || s->decoded_bytes > t->lim->max_part_bytes)
        __builtin_trap();
    t->open--;
    buf_printf(&t->out, "E%s %llu %llu %llu %d %llu\n", p->path, (unsigned long long)s->raw_bytes,
               (unsigned long long)s->decoded_bytes, (unsigned long long)s->text_bytes,
               s->truncated, (unsigned long long)s->decode_errors);
}

static void
on_anomaly(void *ctx, const struct mime_part_info *p, enum mime_anomaly a, const char *detail)
{
    struct trace *t = ctx;

    if ((unsigned)a >= MIME_ANOM_COUNT || !detail)
        __builtin_trap();
    buf_printf(&t->out, "A%s %s %s\n", p->path, mime_anomaly_name(a), detail);
}

static const struct mime_stream_callbacks callbacks = {
    on_header, on_start, on_body, on_text, on_end, on_anomaly,
};

/* run - feed data cut at the given offsets (ascending), then end */
static void
run(struct trace *t, const struct mime_stream_limits *lim, const uint8_t *data, size_t size,
    const size_t *cuts, size_t ncuts)
{
    struct mime_stream *m;
    size_t at = 0;

    buf_init(&t->out, 0);
    t->open = t->started = 0;
    t->decoded = 0;
    t->lim = lim;
    m = mime_stream_new(lim, &callbacks, t);
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : size;
        if (mime_stream_feed(m, data + at, end - at) != 0)
            __builtin_trap();
        at = end;
    }
    if (mime_stream_end(m) != 0 || t->open != 0)
        __builtin_trap();
    mime_stream_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct trace whole, split;
    size_t cuts[2], ncuts = 0;
    uint8_t b0, b1, b2;

    if (size < 3)
        return 0;
    b0 = data[0];
    b1 = data[1];
    b2 = data[2];
    data += 3;
    size -= 3;
    if (b0 & 1) {
        lim.max_depth = b0 >> 5; /* 0-7 */
        lim.max_parts = 1 + (b0 >> 1) % 16;
        lim.max_header_bytes = 64 + (size_t)b1 * 4;
        lim.max_part_bytes = 1 + (uint64_t)b2 * 8;
        lim.max_total_bytes = 1 + (uint64_t)b2 * 16;
        lim.max_line = 80 + (size_t)(b0 >> 1);
    }
    if (size) {
        cuts[ncuts++] = (size_t)b1 * size / 256;
        if (b2 & 1) {
            cuts[ncuts] = cuts[0] + (size_t)b2 * (size - cuts[0]) / 256;
            ncuts++;
        }
    }
    run(&whole, &lim, data, size, NULL, 0);
    run(&split, &lim, data, size, cuts, ncuts);
    if (whole.out.len != split.out.len || memcmp(whole.out.data, split.out.data, whole.out.len))
        abort();
    buf_release(&whole.out);
    buf_release(&split.out);
    return 0;
}
