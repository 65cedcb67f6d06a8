/*
 * dlp_bench.c - bench/dlp's measuring program: generates the inputs and times, one mode per
 * invocation, memcpy (the line rate), a naive single Hyperscan database of the patterns in
 * patterns.txt, PCRE2-JIT running them one by one, the base64 decoder alone, the MIME parser
 * alone, the DLP engine with every built-in detector, and the whole MIME + base64 + DLP path.
 * run.sh drives it and prints the table; see bench/README.md.
 *
 *   dlp_bench gen-text OUT BYTES SEED       mail-like prose, valid values planted (OUT.planted)
 *   dlp_bench gen-message OUT BYTES SEED    multipart message, BYTES of such text as base64
 *   dlp_bench [-r N] memcpy TEXT
 *   dlp_bench [-r N] naive TEXT PATTERNS    three databases: all, all but email, all with SOM
 *   dlp_bench [-r N] pcre2 TEXT PATTERNS
 *   dlp_bench [-r N] engine TEXT
 *   dlp_bench [-r N] b64 MESSAGE            the attachment's base64 alone
 *   dlp_bench [-r N] mime MESSAGE           MIME parse + base64, nothing scanned
 *   dlp_bench [-r N] path MESSAGE
 *
 * Each mode runs N times (default 3) and reports the run with the least CPU time, so that
 * other work on the machine weighs as little as it can; timing never decides anything here.
 */
#include "dlp_bench.h"
#include "dlp_bench_gen.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime/mime_decode.h"

/* ---- shared helpers -------------------------------------------------------------------- */

static double
clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_clock_start(struct bench_clock *c)
{
    c->start.cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID);
    c->start.wall_s = clock_s(CLOCK_MONOTONIC);
}

struct bench_time
bench_clock_stop(const struct bench_clock *c)
{
    struct bench_time t = {
        .cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c->start.cpu_s,
        .wall_s = clock_s(CLOCK_MONOTONIC) - c->start.wall_s,
    };
    return t;
}

void
bench_keep_best(struct bench_time *best, struct bench_time t, int run)
{
    if (run == 0 || t.cpu_s < best->cpu_s)
        *best = t;
}

void
bench_result(const char *mode, uint64_t bytes, struct bench_time t, const char *extra)
{
    printf("RESULT mode=%s bytes=%llu cpu_s=%.4f wall_s=%.4f %s\n", mode, (unsigned long long)bytes,
           t.cpu_s, t.wall_s, extra);
    fflush(stdout);
}

void
bench_skipped(const char *mode, const char *why)
{
    printf("RESULT mode=%s skipped=\"%s\"\n", mode, why);
    fflush(stdout);
}

struct bench_buf
bench_load(const char *path)
{
    struct bench_buf b = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        perror(path);
        exit(2);
    }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    b.len = (size_t)n;
    b.data = malloc(b.len + 1);
    if (b.data == NULL || fread(b.data, 1, b.len, f) != b.len) {
        fprintf(stderr, "%s: cannot read %zu bytes\n", path, b.len);
        exit(2);
    }
    b.data[b.len] = 0;
    fclose(f);
    return b;
}

void
bench_free(struct bench_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

struct bench_patterns
bench_patterns_load(const char *path)
{
    struct bench_patterns p = {0};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    char line[4096];
    size_t cap = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || line[0] == '\0' || tab == NULL)
            continue;
        *tab = '\0';
        if (p.n == cap) {
            cap = cap ? cap * 2 : 32;
            p.ids = realloc(p.ids, cap * sizeof *p.ids);
            p.res = realloc(p.res, cap * sizeof *p.res);
            if (p.ids == NULL || p.res == NULL)
                abort();
        }
        p.ids[p.n] = strdup(line);
        p.res[p.n] = strdup(tab + 1);
        if (p.ids[p.n] == NULL || p.res[p.n] == NULL)
            abort();
        p.n++;
    }
    fclose(f);
    return p;
}

void
bench_patterns_free(struct bench_patterns *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->ids[i]);
        free(p->res[i]);
    }
    free(p->ids);
    free(p->res);
    memset(p, 0, sizeof *p);
}

/* ---- gen-text / gen-message ------------------------------------------------------------ */

static void
sink_file(void *ctx, const uint8_t *p, size_t n)
{
    if (fwrite(p, 1, n, ctx) != n) {
        perror("write");
        exit(2);
    }
}

/* base64 with 76-character CRLF lines, as mail clients write attachments */
struct b64_sink {
    FILE *f;
    uint8_t carry[57];
    size_t ncarry;
};

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_line(FILE *f, const uint8_t *p, size_t n)
{
    char out[80];
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[k++] = b64_alpha[v >> 18];
        out[k++] = b64_alpha[(v >> 12) & 63];
        out[k++] = i + 1 < n ? b64_alpha[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? b64_alpha[v & 63] : '=';
    }
    out[k++] = '\r';
    out[k++] = '\n';
    sink_file(f, (const uint8_t *)out, k);
}

static void
sink_b64(void *ctx, const uint8_t *p, size_t n)
{
    struct b64_sink *s = ctx;
    while (n > 0) {
        size_t k = sizeof s->carry - s->ncarry;
        if (k > n)
            k = n;
        memcpy(s->carry + s->ncarry, p, k);
        s->ncarry += k;
        p += k;
        n -= k;
        if (s->ncarry == sizeof s->carry) {
            b64_line(s->f, s->carry, s->ncarry);
            s->ncarry = 0;
        }
    }
}

static void
write_planted(const char *out, const unsigned planted[GEN_PLANT_COUNT])
{
    char path[4096];
    snprintf(path, sizeof path, "%s.planted", out);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    unsigned total = 0;
    for (unsigned k = 0; k < GEN_PLANT_COUNT; k++) {
        fprintf(f, "%s %u\n", gen_plant_name(k), planted[k]);
        total += planted[k];
    }
    fprintf(f, "total %u\n", total);
    fclose(f);
}

static int
mode_gen_text(const char *out, uint64_t bytes, uint64_t seed)
{
    unsigned planted[GEN_PLANT_COUNT] = {0};
    FILE *f = fopen(out, "wb");
    if (f == NULL) {
        perror(out);
        return 2;
    }
    gen_text(seed, bytes, sink_file, f, planted);
    if (fclose(f) != 0) {
        perror(out);
        return 2;
    }
    write_planted(out, planted);
    return 0;
}

static const char msg_head[] = "From: Kim Minji <minji.kim@example.co.kr>\r\n"
                               "To: Finance Team <finance@example.com>\r\n"
                               "Subject: =?UTF-8?B?7JuU6rCEIOuztOqzoOyEnA==?= (monthly export)\r\n"
                               "Date: Mon, 16 Nov 2026 09:30:00 +0900\r\n"
                               "Message-ID: <bench-dlp-0001@example.co.kr>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=\"=_bench_dlp_b1\"\r\n"
                               "\r\n"
                               "This is a multi-part message in MIME format.\r\n"
                               "--=_bench_dlp_b1\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 8bit\r\n"
                               "\r\n";

static const char msg_attach[] = "\r\n--=_bench_dlp_b1\r\n"
                                 "Content-Type: text/plain; charset=utf-8; name=\"export.txt\"\r\n"
                                 "Content-Disposition: attachment; filename=\"export.txt\"\r\n"
                                 "Content-Transfer-Encoding: base64\r\n"
                                 "\r\n";

static const char msg_tail[] = "--=_bench_dlp_b1--\r\n";

static int
mode_gen_message(const char *out, uint64_t bytes, uint64_t seed)
{
    unsigned planted[GEN_PLANT_COUNT] = {0};
    FILE *f = fopen(out, "wb");
    if (f == NULL) {
        perror(out);
        return 2;
    }
    sink_file(f, (const uint8_t *)msg_head, strlen(msg_head));
    gen_text(seed, 16 * 1024, sink_file, f, planted); /* the body: LF line ends, as typed */
    sink_file(f, (const uint8_t *)msg_attach, strlen(msg_attach));
    struct b64_sink s = {.f = f};
    gen_text(seed + 1, bytes, sink_b64, &s, planted);
    if (s.ncarry > 0)
        b64_line(f, s.carry, s.ncarry);
    sink_file(f, (const uint8_t *)msg_tail, strlen(msg_tail));
    if (fclose(f) != 0) {
        perror(out);
        return 2;
    }
    write_planted(out, planted);
    return 0;
}

/* ---- memcpy ---------------------------------------------------------------------------- */

static int
mode_memcpy(const struct bench_buf *text, int repeat)
{
    uint8_t *dst = malloc(text->len);
    if (dst == NULL)
        abort();
    memset(dst, 1, text->len); /* fault the pages in before timing */
    struct bench_time best = {0};
    unsigned sink = 0;
    for (int r = 0; r < repeat; r++) {
        struct bench_clock c;
        bench_clock_start(&c);
        memcpy(dst, text->data, text->len);
        bench_keep_best(&best, bench_clock_stop(&c), r);
        sink += dst[(size_t)r * 4099 % text->len];
    }
    char extra[64];
    snprintf(extra, sizeof extra, "check=%u", sink);
    bench_result("memcpy", text->len, best, extra);
    free(dst);
    return 0;
}

/* ---- base64 alone ---------------------------------------------------------------------- */

/* find_attachment - the base64 body of the message's attachment */
static bool
find_attachment(const struct bench_buf *msg, const uint8_t **p, size_t *n)
{
    static const char cte[] = "Content-Transfer-Encoding: base64\r\n\r\n";
    const uint8_t *s = memmem(msg->data, msg->len, cte, strlen(cte));
    if (s == NULL)
        return false;
    s += strlen(cte);
    const uint8_t *e = memmem(s, msg->len - (size_t)(s - msg->data), "\r\n--", 4);
    if (e == NULL)
        return false;
    *p = s;
    *n = (size_t)(e - s) + 2;
    return true;
}

static int
mode_b64(const struct bench_buf *msg, int repeat)
{
    const uint8_t *in;
    size_t n;
    if (!find_attachment(msg, &in, &n)) {
        bench_skipped("b64", "no base64 attachment in the message");
        return 2;
    }
    uint8_t *out = malloc((BENCH_CHUNK / 4 + 1) * 3 + 3);
    if (out == NULL)
        abort();
    struct bench_time best = {0};
    uint64_t decoded = 0, bad = 0, sum = 0;
    for (int r = 0; r < repeat; r++) {
        struct mime_b64 d;
        struct bench_clock c;
        decoded = 0;
        bench_clock_start(&c);
        mime_b64_init(&d);
        for (size_t off = 0; off < n; off += BENCH_CHUNK) {
            size_t k = n - off < BENCH_CHUNK ? n - off : BENCH_CHUNK;
            size_t w = mime_b64_feed(&d, in + off, k, out);
            decoded += w;
            sum += w ? out[w - 1] : 0;
        }
        decoded += mime_b64_finish(&d, out);
        bench_keep_best(&best, bench_clock_stop(&c), r);
        bad = d.bad;
    }
    char extra[128];
    snprintf(extra, sizeof extra, "decoded=%llu bad=%llu check=%llu", (unsigned long long)decoded,
             (unsigned long long)bad, (unsigned long long)sum);
    bench_result("b64", n, best, extra);
    free(out);
    return 0;
}

/* ---- naive: every pattern in one Hyperscan database ------------------------------------- */

static int
hs_count(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
    (*(uint64_t *)ctx)++;
    return 0;
}

/* naive_run - compile the chosen patterns into one streaming database and time it */
static int
naive_run(const char *mode, const struct bench_buf *text, const struct bench_patterns *pat,
          const char *leave_out, bool som, int repeat)
{
    const char **exprs = calloc(pat->n, sizeof *exprs);
    unsigned *flags = calloc(pat->n, sizeof *flags);
    unsigned *ids = calloc(pat->n, sizeof *ids);
    if (exprs == NULL || flags == NULL || ids == NULL)
        abort();
    unsigned n = 0;
    for (size_t i = 0; i < pat->n; i++) {
        if (leave_out != NULL && strcmp(pat->ids[i], leave_out) == 0)
            continue;
        exprs[n] = pat->res[i];
        flags[n] = HS_FLAG_MULTILINE | (som ? HS_FLAG_SOM_LEFTMOST : 0);
        ids[n] = (unsigned)i;
        n++;
    }
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    hs_scratch_t *scratch = NULL;
    int rc = 0;
    unsigned hmode = HS_MODE_STREAM | (som ? HS_MODE_SOM_HORIZON_LARGE : 0);
    if (hs_compile_multi(exprs, flags, ids, n, hmode, NULL, &db, &err) != HS_SUCCESS) {
        char why[512];
        snprintf(why, sizeof why, "hs_compile_multi: %s (pattern %d)", err->message,
                 err->expression);
        bench_skipped(mode, why);
        hs_free_compile_error(err);
        goto out_free;
    }
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        bench_skipped(mode, "hs_alloc_scratch failed");
        rc = 2;
        goto out_free_db;
    }
    struct bench_time best = {0};
    uint64_t matches = 0;
    for (int r = 0; r < repeat; r++) {
        hs_stream_t *st = NULL;
        struct bench_clock c;
        matches = 0;
        bench_clock_start(&c);
        if (hs_open_stream(db, 0, &st) != HS_SUCCESS)
            abort();
        for (size_t off = 0; off < text->len; off += BENCH_CHUNK) {
            size_t k = text->len - off < BENCH_CHUNK ? text->len - off : BENCH_CHUNK;
            hs_scan_stream(st, (const char *)text->data + off, (unsigned)k, 0, scratch, hs_count,
                           &matches);
        }
        hs_close_stream(st, scratch, hs_count, &matches);
        bench_keep_best(&best, bench_clock_stop(&c), r);
    }
    size_t dbsize = 0;
    hs_database_size(db, &dbsize);
    char extra[128];
    snprintf(extra, sizeof extra, "patterns=%u matches=%llu db_bytes=%zu", n,
             (unsigned long long)matches, dbsize);
    bench_result(mode, text->len, best, extra);
    hs_free_scratch(scratch);
out_free_db:
    hs_free_database(db);
out_free:
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

static int
mode_naive(const struct bench_buf *text, const char *patterns_file, int repeat)
{
    struct bench_patterns pat = bench_patterns_load(patterns_file);
    int rc = naive_run("naive", text, &pat, NULL, false, repeat);
    if (rc == 0)
        rc = naive_run("naive_no_email", text, &pat, "email", false, repeat);
    if (rc == 0)
        rc = naive_run("naive_som", text, &pat, NULL, true, repeat);
    bench_patterns_free(&pat);
    return rc;
}

/* ---- main ------------------------------------------------------------------------------ */

static int
usage(void)
{
    fprintf(stderr, "usage: dlp_bench gen-text|gen-message OUT BYTES SEED\n"
                    "       dlp_bench [-r N] memcpy|engine TEXT\n"
                    "       dlp_bench [-r N] naive|pcre2 TEXT PATTERNS\n"
                    "       dlp_bench [-r N] b64|mime|path MESSAGE\n");
    return 2;
}

int
main(int argc, char **argv)
{
    int repeat = 3;
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        repeat = (int)strtol(argv[2], NULL, 10);
        if (repeat < 1)
            repeat = 1;
        a = 3;
    }
    if (argc - a < 2)
        return usage();
    const char *mode = argv[a];
    const char *file = argv[a + 1];
    const char *third = argc - a > 2 ? argv[a + 2] : NULL;
    if (strcmp(mode, "gen-text") == 0 || strcmp(mode, "gen-message") == 0) {
        if (argc - a < 4)
            return usage();
        uint64_t bytes = strtoull(argv[a + 2], NULL, 10);
        uint64_t seed = strtoull(argv[a + 3], NULL, 10);
        return mode[4] == 't' ? mode_gen_text(file, bytes, seed)
                              : mode_gen_message(file, bytes, seed);
    }
    if ((strcmp(mode, "naive") == 0 || strcmp(mode, "pcre2") == 0) && third == NULL)
        return usage();
    struct bench_buf in = bench_load(file);
    int rc;
    if (strcmp(mode, "memcpy") == 0)
        rc = mode_memcpy(&in, repeat);
    else if (strcmp(mode, "naive") == 0)
        rc = mode_naive(&in, third, repeat);
    else if (strcmp(mode, "pcre2") == 0)
        rc = bench_pcre2(&in, third, repeat);
    else if (strcmp(mode, "engine") == 0)
        rc = bench_engine(&in, repeat);
    else if (strcmp(mode, "b64") == 0)
        rc = mode_b64(&in, repeat);
    else if (strcmp(mode, "mime") == 0)
        rc = bench_mime(&in, repeat);
    else if (strcmp(mode, "path") == 0)
        rc = bench_path(&in, repeat);
    else
        rc = usage();
    bench_free(&in);
    return rc;
}
