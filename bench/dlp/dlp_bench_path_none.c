/*
 * dlp_bench_path_none.c - stands in for dlp_bench_path.c while the DLP engine or the
 * streaming MIME parser is not there (no dlp_engine_new() or mime_stream_new() definition at
 * configure time): the whole-path mode says so instead of running.
 */
#include "dlp_bench.h"

int
bench_path(const struct bench_buf *msg, int repeat)
{
    bench_skipped("path", "engine not built yet");
    return 0;
}
