/* fuzz_dlp_edm - exact data match on arbitrary input: byte 0 picks options and the chunk
 * size, the bytes up to the first NUL are the CSV (written to a temp file), the rest is
 * text. A table that loads must match the text the same way fed in chunks and in one piece,
 * and every match must lie inside the text with a row that exists. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlp/dlp_edm.h"

#define MAX_SEEN 64

struct seen {
    size_t n;
    uint64_t rows, text_len;
    unsigned min_cells;
    struct {
        uint64_t row, offset;
        unsigned cells;
        uint32_t length;
    } m[MAX_SEEN];
};

/* on_match - check and remember a match */
static void
on_match(void *ctx, const struct dlp_edm_match *m)
{
    struct seen *s = ctx;

    if (m->row == 0 || m->row > s->rows || m->cells < s->min_cells || m->cells > 64 ||
        m->offset + m->length > s->text_len || m->length == 0 || m->columns == NULL)
        abort();
    if (s->n < MAX_SEEN) {
        s->m[s->n].row = m->row;
        s->m[s->n].offset = m->offset;
        s->m[s->n].cells = m->cells;
        s->m[s->n].length = m->length;
    }
    s->n++;
}

/* run - stream text in chunks of `chunk` bytes */
static void
run(const struct dlp_edm *e, const uint8_t *text, size_t n, size_t chunk, struct seen *s)
{
    struct dlp_edm_stream *st = dlp_edm_stream_new(e, on_match, s);

    for (size_t i = 0; i < n; i += chunk)
        dlp_edm_stream_feed(st, text + i, n - i < chunk ? n - i : chunk);
    dlp_edm_stream_end(st);
    dlp_edm_stream_free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[256];
    struct seen a, b;

    if (size < 1)
        return 0;
    const uint8_t *csv = data + 1, *nul = memchr(csv, '\0', size - 1);
    size_t csv_len = nul != NULL ? (size_t)(nul - csv) : size - 1;
    const uint8_t *text = nul != NULL ? nul + 1 : data + size;
    size_t text_len = (size_t)(data + size - text);
    snprintf(path, sizeof path, "/tmp/fuzz_dlp_edm.%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    fwrite(csv, 1, csv_len, f);
    fclose(f);
    struct dlp_edm_options o = {.path = path,
                                .min_cells = (unsigned)(data[0] & 3),
                                .window = (size_t)(data[0] >> 2 & 3) * 40,
                                .max_rows = 1000};
    struct dlp_edm *e = dlp_edm_load(&o, err, sizeof err);
    unlink(path);
    if (e == NULL) {
        if (memchr(err, '\0', sizeof err) == NULL || strncmp(err, path, strlen(path)) != 0)
            abort();
        return 0;
    }
    memset(&a, 0, sizeof a);
    a.rows = dlp_edm_rows(e);
    a.text_len = text_len;
    a.min_cells = o.min_cells != 0 ? o.min_cells : 2;
    b = a;
    run(e, text, text_len, (size_t)(data[0] >> 4) + 1, &a);
    run(e, text, text_len, text_len + 1, &b);
    if (a.n != b.n || memcmp(a.m, b.m, sizeof a.m) != 0)
        abort();
    dlp_edm_free(e);
    return 0;
}
