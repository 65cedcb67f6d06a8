/*
 * dlp_bench_path.c - the whole-path run of bench/dlp: the message's bytes through the
 * streaming MIME parser (base64 decoded as it goes), each leaf part's decoded bytes into the
 * DLP engine (text parts through the `text` callback, attachments through `body`), one DLP
 * stream per part. Attachment walking (content_extract: archives, office files) is not in
 * this path: the attachment is a text file. Limits are raised so nothing is truncated.
 * Built when src/dlp defines dlp_engine_new() and src/mime mime_stream_new();
 * dlp_bench_path_none.c stands in otherwise.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dlp/dlp.h"
#include "dlp_bench.h"
#include "dlp_bench_count.h"
#include "mime/mime_stream.h"

struct path_ctx {
    struct dlp_stream *dlp;
    bool fed; /* the DLP stream holds text of the current part */
    int rc;
    uint64_t body_bytes;
    uint64_t text_bytes;
};

static void
path_flush(struct path_ctx *x)
{
    if (x->fed && dlp_stream_end(x->dlp) != 0)
        x->rc = -1;
    x->fed = false;
}

static void
path_part_start(void *ctx, const struct mime_part_info *p)
{
    path_flush(ctx);
}

static void
path_body(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct path_ctx *x = ctx;
    x->body_bytes += len;
    if (p->is_text)
        return; /* its text comes through path_text */
    if (dlp_stream_feed(x->dlp, data, len) != 0)
        x->rc = -1;
    x->fed = true;
}

static void
path_text(void *ctx, const struct mime_part_info *p, const uint8_t *utf8, size_t len)
{
    struct path_ctx *x = ctx;
    x->text_bytes += len;
    if (dlp_stream_feed(x->dlp, utf8, len) != 0)
        x->rc = -1;
    x->fed = true;
}

static void
path_part_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s)
{
    path_flush(ctx);
}

int
bench_path(const struct bench_buf *msg, int repeat)
{
    char err[512] = "";
    struct dlp_options opt;
    memset(&opt, 0, sizeof opt);
    struct dlp_engine *e = dlp_engine_new(&opt, err, sizeof err);
    if (e == NULL) {
        bench_skipped("path", err[0] ? err : "dlp_engine_new failed");
        return 2;
    }
    struct bench_count cnt;
    struct path_ctx x = {.dlp = dlp_stream_new(e, bench_count_finding, &cnt)};
    struct mime_stream_limits lim = mime_stream_limits_default();
    lim.max_part_bytes = lim.max_total_bytes = (uint64_t)1 << 40;
    struct mime_stream_callbacks cb = {
        .part_start = path_part_start,
        .body = path_body,
        .text = path_text,
        .part_end = path_part_end,
    };
    struct mime_stream *m = mime_stream_new(&lim, &cb, &x);
    struct bench_time best = {0};
    unsigned anomalies = 0;
    for (int r = 0; r < repeat; r++) {
        struct bench_clock c;
        bench_count_reset(&cnt);
        x.body_bytes = x.text_bytes = 0;
        mime_stream_reset(m);
        bench_clock_start(&c);
        for (size_t off = 0; off < msg->len; off += BENCH_CHUNK) {
            size_t k = msg->len - off < BENCH_CHUNK ? msg->len - off : BENCH_CHUNK;
            mime_stream_feed(m, msg->data + off, k);
        }
        mime_stream_end(m);
        path_flush(&x);
        bench_keep_best(&best, bench_clock_stop(&c), r);
        anomalies = mime_stream_anomalies(m);
    }
    char extra[2300];
    char counts[2048];
    bench_count_format(&cnt, x.rc, counts, sizeof counts);
    snprintf(extra, sizeof extra, "decoded=%llu text=%llu anomalies=0x%x %s",
             (unsigned long long)x.body_bytes, (unsigned long long)x.text_bytes, anomalies, counts);
    bench_result("path", msg->len, best, extra);
    mime_stream_free(m);
    dlp_stream_free(x.dlp);
    dlp_engine_free(e);
    return 0;
}
