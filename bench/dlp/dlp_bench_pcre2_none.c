/*
 * dlp_bench_pcre2_none.c - stands in for dlp_bench_pcre2.c when libpcre2-8 was not found at
 * configure time: the PCRE2 mode says so instead of running.
 */
#include "dlp_bench.h"

int
bench_pcre2(const struct bench_buf *text, const char *patterns_file, int repeat)
{
    bench_skipped("pcre2", "built without libpcre2-8 (Debian: libpcre2-dev)");
    return 0;
}
