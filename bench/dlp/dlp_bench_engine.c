/*
 * dlp_bench_engine.c - the engine run of bench/dlp: dlp_engine_new() with every built-in
 * detector on (empty options), one stream fed the whole text in BENCH_CHUNK pieces. The
 * findings are counted per detector and printed, so an engine that finds nothing shows.
 * Built when src/dlp defines dlp_engine_new(); dlp_bench_engine_none.c stands in otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "dlp/dlp.h"
#include "dlp_bench.h"
#include "dlp_bench_count.h"

int
bench_engine(const struct bench_buf *text, int repeat)
{
    char err[512] = "";
    struct dlp_options opt;
    memset(&opt, 0, sizeof opt);
    struct dlp_engine *e = dlp_engine_new(&opt, err, sizeof err);
    if (e == NULL) {
        bench_skipped("engine", err[0] ? err : "dlp_engine_new failed");
        return 2;
    }
    struct bench_count cnt;
    struct dlp_stream *s = dlp_stream_new(e, bench_count_finding, &cnt);
    struct bench_time best = {0};
    int rc = 0;
    for (int r = 0; r < repeat; r++) {
        struct bench_clock c;
        bench_count_reset(&cnt);
        bench_clock_start(&c);
        for (size_t off = 0; off < text->len && rc == 0; off += BENCH_CHUNK) {
            size_t k = text->len - off < BENCH_CHUNK ? text->len - off : BENCH_CHUNK;
            rc = dlp_stream_feed(s, text->data + off, k);
        }
        if (dlp_stream_end(s) != 0)
            rc = -1;
        bench_keep_best(&best, bench_clock_stop(&c), r);
    }
    char extra[2048];
    bench_count_format(&cnt, rc, extra, sizeof extra);
    bench_result("engine", text->len, best, extra);
    dlp_stream_free(s);
    dlp_engine_free(e);
    return 0;
}
