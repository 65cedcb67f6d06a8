/*
 * dlp_bench_mime_none.c - stands in for dlp_bench_mime.c while src/mime has no streaming
 * parser (no mime_stream_new() definition at configure time): the mode says so.
 */
#include "dlp_bench.h"

int
bench_mime(const struct bench_buf *msg, int repeat)
{
    bench_skipped("mime", "mime_stream not built yet");
    return 0;
}
