/* fuzz_dlp_engine - the DLP engine on arbitrary text: the first byte seeds the split points;
 * the rest is fed whole, then in those pieces, and the two finding lists must be identical.
 * The engine (every built-in detector plus a custom keyword and regex) is built once. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlp/dlp.h"

#define MAXF 4096

struct rec {
    const char *det;
    uint64_t off;
    uint32_t len;
    int conf;
    bool ctx;
    char red[DLP_REDACTED_MAX];
};

struct got {
    struct rec f[MAXF];
    size_t n;
};

static void
collect(void *ctx, const struct dlp_finding *f)
{
    struct got *g = ctx;

    if (f->length == 0 || f->confidence < 0 || f->confidence > 100 ||
        strlen(f->redacted) >= DLP_REDACTED_MAX)
        abort();
    if (g->n == MAXF)
        return;
    struct rec *r = &g->f[g->n++];
    r->det = f->detector;
    r->off = f->offset;
    r->len = f->length;
    r->conf = f->confidence;
    r->ctx = f->context;
    snprintf(r->red, sizeof r->red, "%s", f->redacted);
}

static int
rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    int c = strcmp(x->det, y->det);
    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static const struct dlp_engine *
engine(void)
{
    static struct dlp_engine *e;
    static const char *kw[] = {"Project Falcon", "기밀"};
    static const char *rx[] = {"EMP-\\d{6}", "INV[0-9]+"};
    static const struct dlp_custom c[] = {
        {.id = "projects", .kind = DLP_CUSTOM_KEYWORDS, .patterns = kw, .npatterns = 2},
        {.id = "ids", .kind = DLP_CUSTOM_REGEX, .patterns = rx, .npatterns = 2},
    };
    char err[256];

    if (e == NULL) {
        struct dlp_options opt = {.custom = c, .ncustom = 2};
        e = dlp_engine_new(&opt, err, sizeof err);
        if (e == NULL) {
            fprintf(stderr, "%s\n", err);
            abort();
        }
    }
    return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct got whole, split;
    const struct dlp_engine *e = engine();

    if (size < 1)
        return 0;
    uint32_t seed = data[0] * 2654435761u + 1;
    data++;
    size--;
    memset(&whole, 0, sizeof whole);
    memset(&split, 0, sizeof split);

    struct dlp_stream *s = dlp_stream_new(e, collect, &whole);
    if (dlp_stream_feed(s, data, size) != 0 || dlp_stream_end(s) != 0)
        abort();
    /* again, in pieces */
    dlp_stream_free(s);
    s = dlp_stream_new(e, collect, &split);
    for (size_t o = 0; o < size;) {
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 16) % 67 + 1;
        k = k > size - o ? size - o : k;
        if (dlp_stream_feed(s, data + o, k) != 0)
            abort();
        o += k;
    }
    if (dlp_stream_end(s) != 0)
        abort();
    dlp_stream_free(s);

    if (whole.n != split.n)
        abort();
    qsort(whole.f, whole.n, sizeof whole.f[0], rec_cmp);
    qsort(split.f, split.n, sizeof split.f[0], rec_cmp);
    for (size_t i = 0; i < whole.n; i++) {
        const struct rec *a = &whole.f[i], *b = &split.f[i];
        if (strcmp(a->det, b->det) != 0 || a->off != b->off || a->len != b->len ||
            a->conf != b->conf || a->ctx != b->ctx || strcmp(a->red, b->red) != 0)
            abort();
        if (a->off + a->len > size)
            abort();
    }
    return 0;
}
