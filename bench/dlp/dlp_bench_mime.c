/*
 * dlp_bench_mime.c - the MIME-only run of bench/dlp: the message through the streaming MIME
 * parser with base64 decoding and the same callbacks as the whole path, but nothing scanned.
 * It tells the whole path's time apart: parse + decode here, DLP in the engine run. Built when
 * src/mime defines mime_stream_new(); dlp_bench_mime_none.c stands in otherwise.
 */
#include <stdio.h>

#include "dlp_bench.h"
#include "mime/mime_stream.h"

struct mime_ctx {
    uint64_t body_bytes;
    uint64_t text_bytes;
    unsigned parts;
    uint8_t last; /* touches the bytes, as a consumer would */
};

static void
mime_body(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct mime_ctx *x = ctx;
    x->body_bytes += len;
    if (len > 0)
        x->last ^= data[len - 1];
}

static void
mime_text(void *ctx, const struct mime_part_info *p, const uint8_t *utf8, size_t len)
{
    struct mime_ctx *x = ctx;
    x->text_bytes += len;
    if (len > 0)
        x->last ^= utf8[len - 1];
}

static void
mime_part_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s)
{
    ((struct mime_ctx *)ctx)->parts++;
}

int
bench_mime(const struct bench_buf *msg, int repeat)
{
    struct mime_ctx x = {0};
    struct mime_stream_limits lim = mime_stream_limits_default();
    lim.max_part_bytes = lim.max_total_bytes = (uint64_t)1 << 40;
    struct mime_stream_callbacks cb = {
        .body = mime_body,
        .text = mime_text,
        .part_end = mime_part_end,
    };
    struct mime_stream *m = mime_stream_new(&lim, &cb, &x);
    struct bench_time best = {0};
    unsigned anomalies = 0;
    for (int r = 0; r < repeat; r++) {
        struct bench_clock c;
        x.body_bytes = x.text_bytes = 0;
        x.parts = 0;
        mime_stream_reset(m);
        bench_clock_start(&c);
        for (size_t off = 0; off < msg->len; off += BENCH_CHUNK) {
            size_t k = msg->len - off < BENCH_CHUNK ? msg->len - off : BENCH_CHUNK;
            mime_stream_feed(m, msg->data + off, k);
        }
        mime_stream_end(m);
        bench_keep_best(&best, bench_clock_stop(&c), r);
        anomalies = mime_stream_anomalies(m);
    }
    char extra[160];
    snprintf(extra, sizeof extra, "decoded=%llu text=%llu parts=%u anomalies=0x%x check=%u",
             (unsigned long long)x.body_bytes, (unsigned long long)x.text_bytes, x.parts, anomalies,
             x.last);
    bench_result("mime", msg->len, best, extra);
    mime_stream_free(m);
    return 0;
}
