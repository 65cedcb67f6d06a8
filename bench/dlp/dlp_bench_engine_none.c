/*
 * dlp_bench_engine_none.c - stands in for dlp_bench_engine.c while src/dlp has no engine
 * (no dlp_engine_new() definition at configure time): the engine mode says so instead of
 * running.
 */
#include "dlp_bench.h"

int
bench_engine(const struct bench_buf *text, int repeat)
{
    bench_skipped("engine", "engine not built yet");
    return 0;
}
