/*
 * dlp_bench_count.h - counting the DLP engine's findings per detector for bench/dlp's engine
 * and whole-path runs (header-only: both files include it, and only they need dlp.h).
 */
#ifndef SW_BENCH_DLP_BENCH_COUNT_H
#define SW_BENCH_DLP_BENCH_COUNT_H

#include <stdio.h>
#include <string.h>

#include "dlp/dlp.h"

#define BENCH_MAX_DETECTORS 64

struct bench_count {
    uint64_t total;
    size_t n;
    char ids[BENCH_MAX_DETECTORS][48];
    uint64_t per[BENCH_MAX_DETECTORS];
};

static inline void
bench_count_reset(struct bench_count *c)
{
    memset(c, 0, sizeof *c);
}

/* bench_count_finding - the dlp_finding_fn: one more for f->detector */
static inline void
bench_count_finding(void *ctx, const struct dlp_finding *f)
{
    struct bench_count *c = ctx;
    c->total++;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->ids[i], f->detector) == 0) {
            c->per[i]++;
            return;
        }
    }
    if (c->n < BENCH_MAX_DETECTORS) {
        snprintf(c->ids[c->n], sizeof c->ids[0], "%s", f->detector);
        c->per[c->n++] = 1;
    }
}

/* bench_count_format - `findings=N by="id:n,id:n" [feed_error=1]` */
static inline void
bench_count_format(const struct bench_count *c, int rc, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "findings=%llu by=\"", (unsigned long long)c->total);
    for (size_t i = 0; i < c->n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s:%llu", i ? "," : "", c->ids[i],
                              (unsigned long long)c->per[i]);
    if (k < cap)
        snprintf(out + k, cap - k, "\"%s", rc != 0 ? " feed_error=1" : "");
}

#endif
