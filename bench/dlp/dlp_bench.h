/*
 * dlp_bench.h - what the parts of bench/dlp's dlp_bench program share: the input buffer,
 * the timer, how a result line is printed, and the optional runners (the DLP engine, the
 * whole MIME + base64 + DLP path, PCRE2-JIT), each in its own file that the build picks:
 * the real one when its library is there, else a stub that says why it did not run.
 *
 * Every runner scans its input `repeat` times and reports the best run (least CPU time of the
 * thread) as one line on stdout: `RESULT mode=NAME bytes=N cpu_s=X wall_s=Y key=value...`,
 * which run.sh turns into the table. A runner that cannot run prints
 * `RESULT mode=NAME skipped="why"` and returns 0.
 */
#ifndef SW_BENCH_DLP_BENCH_H
#define SW_BENCH_DLP_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* bytes handed to a scanner per call, as a socket read or a milter body chunk would */
#define BENCH_CHUNK (64 * 1024)

struct bench_buf {
    uint8_t *data;
    size_t len;
};

struct bench_time {
    double cpu_s;  /* CPU time of this thread */
    double wall_s; /* monotonic clock */
};

struct bench_clock {
    struct bench_time start;
};

/* bench_clock_start / bench_clock_stop - time one run */
void bench_clock_start(struct bench_clock *c);
struct bench_time bench_clock_stop(const struct bench_clock *c);
/* bench_keep_best - keep in *best the run with the least CPU time (first run: any) */
void bench_keep_best(struct bench_time *best, struct bench_time t, int run);

/* bench_result - print the RESULT line; extra is appended as is ("" for none) */
void bench_result(const char *mode, uint64_t bytes, struct bench_time t, const char *extra);
void bench_skipped(const char *mode, const char *why);

/* bench_load - read a whole file into memory; exits on failure */
struct bench_buf bench_load(const char *path);
void bench_free(struct bench_buf *b);

/* the DLP engine, every built-in detector on, fed the text in BENCH_CHUNK pieces */
int bench_engine(const struct bench_buf *text, int repeat);
/* the message through mime_stream (parse + base64), nothing scanned */
int bench_mime(const struct bench_buf *msg, int repeat);
/* the whole path: the message through mime_stream, decoded parts into the DLP engine */
int bench_path(const struct bench_buf *msg, int repeat);
/* PCRE2-JIT, each pattern of patterns.txt over the whole text, one after the other */
int bench_pcre2(const struct bench_buf *text, const char *patterns_file, int repeat);

/* bench_patterns - the regexes of patterns.txt ("id<TAB>regex" lines, '#' comments);
 * ids and res are allocated, free with bench_patterns_free */
struct bench_patterns {
    char **ids;
    char **res;
    size_t n;
};

struct bench_patterns bench_patterns_load(const char *path);
void bench_patterns_free(struct bench_patterns *p);

#endif
