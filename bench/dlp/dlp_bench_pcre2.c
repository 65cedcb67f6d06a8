/*
 * dlp_bench_pcre2.c - the PCRE2 baseline of bench/dlp: each regex of patterns.txt compiled
 * with the JIT and run over the whole text, one pattern after the other, every match found
 * (the next search starts where the last match ended). Built when libpcre2-8 is found;
 * dlp_bench_pcre2_none.c stands in otherwise.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlp_bench.h"

/* pcre2_count - every match of one compiled pattern over the text */
static uint64_t
pcre2_count(const pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc,
            const struct bench_buf *text)
{
    uint64_t n = 0;
    size_t off = 0;
    while (off <= text->len) {
        int rc = pcre2_jit_match(re, text->data, text->len, off, 0, md, mc);
        if (rc < 0)
            break; /* PCRE2_ERROR_NOMATCH, or a limit: counted as the end */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        n++;
        off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    return n;
}

int
bench_pcre2(const struct bench_buf *text, const char *patterns_file, int repeat)
{
    struct bench_patterns pat = bench_patterns_load(patterns_file);
    pcre2_code **re = calloc(pat.n, sizeof *re);
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_jit_stack *js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    int rc = 0;
    if (re == NULL || md == NULL || mc == NULL || js == NULL)
        abort();
    pcre2_jit_stack_assign(mc, NULL, js);
    for (size_t i = 0; i < pat.n; i++) {
        int ec;
        PCRE2_SIZE eo;
        re[i] = pcre2_compile((PCRE2_SPTR)pat.res[i], PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &ec,
                              &eo, NULL);
        if (re[i] == NULL || pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE) != 0) {
            char why[256];
            snprintf(why, sizeof why, "pattern %s does not compile (JIT)", pat.ids[i]);
            bench_skipped("pcre2", why);
            rc = 2;
            goto out_free;
        }
    }
    struct bench_time best = {0};
    uint64_t matches = 0;
    for (int r = 0; r < repeat; r++) {
        struct bench_clock c;
        matches = 0;
        bench_clock_start(&c);
        for (size_t i = 0; i < pat.n; i++)
            matches += pcre2_count(re[i], md, mc, text);
        bench_keep_best(&best, bench_clock_stop(&c), r);
    }
    char extra[96];
    snprintf(extra, sizeof extra, "patterns=%zu matches=%llu", pat.n, (unsigned long long)matches);
    bench_result("pcre2", text->len, best, extra);
out_free:
    for (size_t i = 0; i < pat.n; i++)
        pcre2_code_free(re[i]);
    free(re);
    pcre2_jit_stack_free(js);
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    bench_patterns_free(&pat);
    return rc;
}
