/* test_mime_stream_rec - for the mime_stream tests: a recorder of every callback (parts with
 * their decoded body and text, anomalies, and a serialised trace of the whole sequence), and
 * runners that feed a message whole, a byte at a time or in random splits. Included by the
 * test_mime_stream*.c files only (static functions). */
#ifndef SW_TEST_MIME_STREAM_REC_H
#define SW_TEST_MIME_STREAM_REC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream.h"
#include "util/buf.h"
#include "util/mem.h"

struct rec_part {
    char *path, *type, *subtype, *charset, *filename, *disposition;
    unsigned depth;
    enum mime_cte cte;
    bool is_multipart, is_message, is_attachment, is_text, is_html;
    uint64_t offset;
    struct buf body, text;
    struct mime_part_stats st;
    bool ended;
    unsigned nheaders;
    unsigned anomalies;
    size_t nchunks, last_chunk; /* body calls, and the length of the last one */
    bool short_chunk;           /* a body call shorter than 64 KB was not the last */
};

struct rec {
    struct rec_part *parts;
    size_t n, cap;
    struct buf trace;
    unsigned anomalies;
    bool bad_order; /* a callback for a part that was not open */
};

/* rec_dup - copy of a maybe-NULL string */
static char *
rec_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* rec_find - the open record for a part path */
static struct rec_part *
rec_find(struct rec *r, const char *path)
{
    for (size_t i = r->n; i-- > 0;)
        if (strcmp(r->parts[i].path, path) == 0)
            return &r->parts[i];
    return NULL;
}

static void
rec_header(void *ctx, const struct mime_part_info *p, const char *name, size_t nlen,
           const char *value, size_t vlen)
{
    struct rec *r = ctx;

    buf_printf(&r->trace, "H %s %.*s: ", p->path, (int)nlen, name);
    buf_append(&r->trace, value, vlen);
    buf_append(&r->trace, "\n", 1);
}

static void
rec_start(void *ctx, const struct mime_part_info *p)
{
    struct rec *r = ctx;
    struct rec_part *q;

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->parts = xrealloc(r->parts, r->cap * sizeof *r->parts);
    }
    q = &r->parts[r->n++];
    memset(q, 0, sizeof *q);
    q->path = xstrdup(p->path);
    q->type = xstrdup(p->type);
    q->subtype = xstrdup(p->subtype);
    q->charset = rec_dup(p->charset);
    q->filename = rec_dup(p->filename);
    q->disposition = rec_dup(p->disposition);
    q->depth = p->depth;
    q->cte = p->cte;
    q->is_multipart = p->is_multipart;
    q->is_message = p->is_message;
    q->is_attachment = p->is_attachment;
    q->is_text = p->is_text;
    q->is_html = p->is_html;
    q->offset = p->offset;
    buf_init(&q->body, 0);
    buf_init(&q->text, 0);
    buf_printf(&r->trace, "S %s %u %s/%s cs=%s fn=%s disp=%s cte=%d %d%d%d%d%d @%llu\n", p->path,
               p->depth, p->type, p->subtype, p->charset ? p->charset : "-",
               p->filename ? p->filename : "-", p->disposition ? p->disposition : "-", p->cte,
               p->is_multipart, p->is_message, p->is_attachment, p->is_text, p->is_html,
               (unsigned long long)p->offset);
}

static void
rec_body(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct rec *r = ctx;
    struct rec_part *q = rec_find(r, p->path);

    if (!q || q->ended) {
        r->bad_order = true;
        return;
    }
    if (q->nchunks && q->last_chunk != 65536)
        q->short_chunk = true;
    q->nchunks++;
    q->last_chunk = len;
    buf_append(&q->body, data, len);
    buf_printf(&r->trace, "B %s %zu:", p->path, len);
    buf_append(&r->trace, data, len);
    buf_append(&r->trace, "\n", 1);
}

static void
rec_text(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct rec *r = ctx;
    struct rec_part *q = rec_find(r, p->path);

    if (!q || q->ended) {
        r->bad_order = true;
        return;
    }
    buf_append(&q->text, data, len);
    buf_printf(&r->trace, "T %s %zu:", p->path, len);
    buf_append(&r->trace, data, len);
    buf_append(&r->trace, "\n", 1);
}

static void
rec_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s)
{
    struct rec *r = ctx;
    struct rec_part *q = rec_find(r, p->path);

    if (!q || q->ended) {
        r->bad_order = true;
        return;
    }
    q->ended = true;
    q->st = *s;
    buf_printf(&r->trace, "E %s raw=%llu dec=%llu text=%llu trunc=%d err=%llu\n", p->path,
               (unsigned long long)s->raw_bytes, (unsigned long long)s->decoded_bytes,
               (unsigned long long)s->text_bytes, s->truncated,
               (unsigned long long)s->decode_errors);
}

static void
rec_anomaly(void *ctx, const struct mime_part_info *p, enum mime_anomaly a, const char *detail)
{
    struct rec *r = ctx;
    struct rec_part *q = rec_find(r, p->path);

    r->anomalies |= 1u << a;
    if (q)
        q->anomalies |= 1u << a;
    buf_printf(&r->trace, "A %s %s %s\n", p->path, mime_anomaly_name(a), detail);
}

static const struct mime_stream_callbacks rec_callbacks = {
    .header = rec_header,
    .part_start = rec_start,
    .body = rec_body,
    .text = rec_text,
    .part_end = rec_end,
    .anomaly = rec_anomaly,
};

static struct rec *
rec_free(struct rec *r)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        struct rec_part *q = &r->parts[i];
        free(q->path);
        free(q->type);
        free(q->subtype);
        free(q->charset);
        free(q->filename);
        free(q->disposition);
        buf_release(&q->body);
        buf_release(&q->text);
    }
    free(r->parts);
    buf_release(&r->trace);
    free(r);
    return NULL;
}

/* rec_run - feed msg in pieces: step 0 whole, 1 a byte at a time, else random sizes up to
 * step from `seed` */
static struct rec *
rec_run(const void *msg, size_t len, const struct mime_stream_limits *lim, size_t step,
        unsigned seed)
{
    struct rec *r = xcalloc(1, sizeof *r);
    struct mime_stream *m;
    const uint8_t *p = msg;
    size_t off = 0;
    unsigned long long x = seed * 6364136223846793005ull + 1442695040888963407ull;

    buf_init(&r->trace, 0);
    m = mime_stream_new(lim, &rec_callbacks, r);
    while (off < len) {
        size_t n = len - off;
        if (step == 1) {
            n = 1;
        } else if (step > 1) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            n = (size_t)((x >> 33) % step) + 1;
            if (n > len - off)
                n = len - off;
        }
        assert_int_equal(mime_stream_feed(m, p + off, n), 0);
        off += n;
    }
    assert_int_equal(mime_stream_end(m), 0);
    assert_int_equal(mime_stream_feed(m, "x", 1), -1);
    assert_int_equal(mime_stream_anomalies(m), r->anomalies);
    mime_stream_free(m);
    return r;
}

/* rec_run_cut - feed msg in two pieces, cut at k */
static struct rec *
rec_run_cut(const void *msg, size_t len, const struct mime_stream_limits *lim, size_t k)
{
    struct rec *r = xcalloc(1, sizeof *r);
    struct mime_stream *m;

    buf_init(&r->trace, 0);
    m = mime_stream_new(lim, &rec_callbacks, r);
    assert_int_equal(mime_stream_feed(m, msg, k), 0);
    assert_int_equal(mime_stream_feed(m, (const uint8_t *)msg + k, len - k), 0);
    assert_int_equal(mime_stream_end(m), 0);
    assert_int_equal(mime_stream_anomalies(m), r->anomalies);
    mime_stream_free(m);
    return r;
}

/* rec_same - two runs gave the same callbacks */
static void
rec_same(const struct rec *a, const struct rec *b, const char *what)
{
    if (a->trace.len != b->trace.len || memcmp(a->trace.data, b->trace.data, a->trace.len)) {
        size_t i = 0;
        while (i < a->trace.len && i < b->trace.len && a->trace.data[i] == b->trace.data[i])
            i++;
        fail_msg("%s: traces differ at byte %zu:\n--- whole\n%.200s\n--- split\n%.200s", what, i,
                 a->trace.data + (i > 100 ? i - 100 : 0), b->trace.data + (i > 100 ? i - 100 : 0));
    }
}

/* messages up to this size are also cut in two at every offset */
#define REC_CUT_MAX 16384

/* rec_run_checked - the whole-feed run, after checking that a byte at a time, random splits
 * and every cut in two give the same trace and every part ended */
static struct rec *
rec_run_checked(const void *msg, size_t len, const struct mime_stream_limits *lim)
{
    struct rec *whole = rec_run(msg, len, lim, 0, 0);
    static const size_t steps[] = {1, 3, 17, 200};

    assert_false(whole->bad_order);
    for (size_t i = 0; i < whole->n; i++) {
        assert_true(whole->parts[i].ended);
        assert_false(whole->parts[i].short_chunk);
    }
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        struct rec *s = rec_run(msg, len, lim, steps[i], (unsigned)(i + len));
        rec_same(whole, s, steps[i] == 1 ? "byte at a time" : "random splits");
        rec_free(s);
    }
    /* two pieces, cut at every offset: one line held across feeds while the lines around it
     * take the direct path (a byte at a time holds every line) */
    for (size_t k = 1; len <= REC_CUT_MAX && k < len; k++) {
        struct rec *s = rec_run_cut(msg, len, lim, k);
        char what[48];

        snprintf(what, sizeof what, "cut at %zu", k);
        rec_same(whole, s, what);
        rec_free(s);
    }
    return whole;
}

#endif
