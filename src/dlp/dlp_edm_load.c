/*
 * dlp_edm_load - read an EDM CSV into a table: the header picks the kept columns and the
 * primary, each data row's kept cells become entries (hash, row, column), then the entries
 * are sorted and indexed by hash. Errors name the file, the line and the problem.
 */
#include "dlp/dlp_edm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dlp/dlp_edm_int.h"
#include "util/mem.h"

#define EDM_PRIMARY_MARK 0xffff /* col while sorting: the primary's entries go first */

struct loader {
    struct dlp_edm *e;
    const struct dlp_edm_options *opt;
    EVP_MD_CTX *md;
    bool header_done;
    char **header;
    size_t nheader;
    int *keep; /* per file column: kept-column index, -1 when dropped */
    size_t cap;
    uint64_t *sips; /* the prefilter values of the entries, until the filter is built */
    uint64_t max_rows;
};

/* header_index - a header name's file column, -1 when absent */
static long
header_index(const struct loader *l, const char *name)
{
    for (size_t i = 0; i < l->nheader; i++)
        if (strcmp(l->header[i], name) == 0)
            return (long)i;
    return -1;
}

/* pick_columns - kept columns (file order) and the primary, from the header */
static int
pick_columns(struct loader *l, uint64_t line, char *err, size_t errlen)
{
    unsigned long long ln = (unsigned long long)line;
    const struct dlp_edm_options *o = l->opt;
    struct dlp_edm *e = l->e;

    for (size_t i = 0; i < l->nheader; i++)
        if (header_index(l, l->header[i]) != (long)i) {
            snprintf(err, errlen, "line %llu: column \"%s\" appears twice", ln, l->header[i]);
            return -1;
        }
    l->keep = xcalloc(l->nheader, sizeof *l->keep);
    for (size_t i = 0; i < l->nheader; i++)
        l->keep[i] = o->columns == NULL ? 0 : -1;
    for (size_t i = 0; o->columns != NULL && i < o->ncolumns; i++) {
        long k = header_index(l, o->columns[i]);
        if (k < 0) {
            snprintf(err, errlen, "line %llu: no column \"%s\" in the header", ln, o->columns[i]);
            return -1;
        }
        l->keep[k] = 0;
    }
    e->names = xcalloc(l->nheader, sizeof *e->names);
    for (size_t i = 0; i < l->nheader; i++)
        if (l->keep[i] == 0) {
            if (e->ncols == EDM_MAX_COLUMNS) {
                snprintf(err, errlen, "line %llu: more than %d columns kept", ln, EDM_MAX_COLUMNS);
                return -1;
            }
            l->keep[i] = (int)e->ncols;
            e->names[e->ncols++] = xstrdup(l->header[i]);
        }
    /* the primary: named, else the first column asked for, else the file's first */
    const char *primary = o->primary != NULL                      ? o->primary
                          : o->columns != NULL && o->ncolumns > 0 ? o->columns[0]
                                                                  : l->header[0];
    long k = header_index(l, primary);
    if (k < 0 || l->keep[k] < 0) {
        snprintf(err, errlen, "line %llu: primary column \"%s\" is not a kept column", ln, primary);
        return -1;
    }
    e->primary = (unsigned)l->keep[k];
    return 0;
}

/* header_field - a column name, spaces around it trimmed */
static int
header_field(struct loader *l, const uint8_t *s, size_t n, size_t index, bool last, uint64_t line,
             char *err, size_t errlen)
{
    if (index >= EDM_MAX_FILE_COLUMNS) {
        snprintf(err, errlen, "line %llu: more than %d columns", (unsigned long long)line,
                 EDM_MAX_FILE_COLUMNS);
        return -1;
    }
    while (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    l->header = xrealloc(l->header, (l->nheader + 1) * sizeof *l->header);
    l->header[l->nheader++] = xmemdup(s, n);
    if (!last)
        return 0;
    l->header_done = true;
    return pick_columns(l, line, err, errlen);
}

/* add_cell - hash one kept cell into the entries */
static void
add_cell(struct loader *l, const uint8_t *s, size_t n, unsigned col)
{
    struct dlp_edm *e = l->e;
    uint8_t norm[EDM_MAX_VALUE];
    size_t k = dlp_edm_normalise(s, n, norm);

    if (k == 0)
        return;
    e->lengths[k / 8] |= (uint8_t)(1u << (k % 8));
    if (e->nentries == 0 || k < e->min_len)
        e->min_len = k;
    size_t words = 1;
    for (size_t i = 0; i < k; i++)
        words += norm[i] == ' ';
    if (words > e->max_words)
        e->max_words = words;
    if (e->nentries == l->cap) {
        l->cap = l->cap == 0 ? 1024 : l->cap * 2;
        e->entries = xrealloc(e->entries, l->cap * sizeof *e->entries);
        l->sips = xrealloc(l->sips, l->cap * sizeof *l->sips);
    }
    l->sips[e->nentries] = dlp_edm_siphash(e->sipkey, norm, k);
    struct edm_entry *en = &e->entries[e->nentries++];
    en->hash = dlp_edm_hash(e, l->md, norm, k);
    en->row = (uint32_t)e->rows + 1;
    en->col = col == e->primary ? EDM_PRIMARY_MARK : (uint16_t)col;
    OPENSSL_cleanse(norm, k);
}

/* loader_field - the CSV reader's sink: header, then data rows */
static int
loader_field(void *ctx, const uint8_t *s, size_t n, size_t index, bool last, uint64_t line,
             char *err, size_t errlen)
{
    struct loader *l = ctx;

    if (!l->header_done)
        return header_field(l, s, n, index, last, line, err, errlen);
    if (index >= l->nheader) {
        snprintf(err, errlen, "line %llu: more fields than the header's %zu",
                 (unsigned long long)line, l->nheader);
        return -1;
    }
    if (l->keep[index] >= 0)
        add_cell(l, s, n, (unsigned)l->keep[index]);
    if (!last)
        return 0;
    if (index + 1 != l->nheader) {
        snprintf(err, errlen, "line %llu: %zu fields, the header has %zu", (unsigned long long)line,
                 index + 1, l->nheader);
        return -1;
    }
    if (++l->e->rows > l->max_rows) {
        snprintf(err, errlen, "line %llu: more than %llu data rows", (unsigned long long)line,
                 (unsigned long long)l->max_rows);
        return -1;
    }
    return 0;
}

/* entry_cmp - by hash, the primary's entries first, then by row and column */
static int
entry_cmp(const void *pa, const void *pb)
{
    const struct edm_entry *a = pa, *b = pb;
    int ap = a->col == EDM_PRIMARY_MARK, bp = b->col == EDM_PRIMARY_MARK;

    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    if (ap != bp)
        return bp - ap;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return (a->col > b->col) - (a->col < b->col);
}

/* build_index - sort the entries and put one slot per distinct hash in the table */
static void
build_index(struct dlp_edm *e)
{
    size_t distinct = 0, nslots = 16;

    if (e->nentries > 0)
        qsort(e->entries, e->nentries, sizeof *e->entries, entry_cmp);
    for (size_t i = 0; i < e->nentries; i++)
        distinct += i == 0 || e->entries[i].hash != e->entries[i - 1].hash;
    while (nslots < distinct * 2)
        nslots *= 2;
    e->slots = xcalloc(nslots, sizeof *e->slots);
    e->mask = nslots - 1;
    for (size_t i = 0; i < e->nentries;) {
        size_t j = i, np = 0;
        for (; j < e->nentries && e->entries[j].hash == e->entries[i].hash; j++)
            if (e->entries[j].col == EDM_PRIMARY_MARK) {
                e->entries[j].col = (uint16_t)e->primary;
                np++;
            }
        size_t k = e->entries[i].hash & e->mask;
        while (e->slots[k].count != 0)
            k = (k + 1) & e->mask;
        e->slots[k] = (struct edm_slot){e->entries[i].hash, i, (uint32_t)np, (uint32_t)(j - i)};
        i = j;
    }
}

/* build_filter - 8 bits per cell, 2 probes: about 5% of non-cell tokens get through */
static void
build_filter(struct dlp_edm *e, const uint64_t *sips)
{
    uint64_t bits = 512;

    while (bits < (uint64_t)e->nentries * 8)
        bits *= 2;
    e->filter = xcalloc(bits / 64, sizeof *e->filter);
    e->filter_mask = bits - 1;
    for (size_t i = 0; i < e->nentries; i++) {
        uint64_t a = sips[i] & e->filter_mask, b = (sips[i] >> 32 | sips[i] << 32) & e->filter_mask;
        e->filter[a / 64] |= 1ull << (a % 64);
        e->filter[b / 64] |= 1ull << (b % 64);
    }
}

/* read_file - stream the file through the CSV reader; the read buffer is wiped */
static int
read_file(FILE *f, struct edm_csv *csv, char *err, size_t errlen)
{
    uint8_t chunk[65536];
    bool first = true;
    int rc = 0;
    size_t got;

    while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        size_t skip = first && got >= 3 && memcmp(chunk, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        first = false;
        rc = dlp_edm_csv_feed(csv, chunk + skip, got - skip, err, errlen);
    }
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "read error: %s", strerror(errno));
        rc = -1;
    }
    return rc == 0 ? dlp_edm_csv_finish(csv, err, errlen) : -1;
}

/* dlp_edm_load - read, hash, index; NULL with "path: line N: problem" in err */
struct dlp_edm *
dlp_edm_load(const struct dlp_edm_options *opt, char *err, size_t errlen)
{
    struct loader l = {.opt = opt};
    struct edm_csv csv;
    char why[256] = "";
    FILE *f = NULL;

    if (opt == NULL || opt->path == NULL) {
        snprintf(err, errlen, "no EDM file given");
        return NULL;
    }
    l.e = xcalloc(1, sizeof *l.e);
    l.e->min_cells = opt->min_cells != 0 ? opt->min_cells : 2;
    l.e->window = opt->window != 0 ? opt->window : 512;
    l.max_rows = opt->max_rows != 0 ? opt->max_rows : 10000000;
    if (l.max_rows > UINT32_MAX)
        l.max_rows = UINT32_MAX;
    l.md = EVP_MD_CTX_new();
    if (l.md == NULL || dlp_edm_key(l.e) < 0) {
        snprintf(why, sizeof why, "cannot make the hash key");
        goto out_fail;
    }
    f = fopen(opt->path, "rb");
    if (f == NULL) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        goto out_fail;
    }
    dlp_edm_csv_init(&csv, &(struct edm_csv_sink){loader_field, &l});
    int rc = read_file(f, &csv, why, sizeof why);
    dlp_edm_csv_release(&csv);
    if (rc == 0 && !l.header_done)
        snprintf(why, sizeof why, "no header row");
    if (rc < 0 || !l.header_done)
        goto out_fail;
    build_filter(l.e, l.sips);
    build_index(l.e);
    goto out_close;
out_fail:
    snprintf(err, errlen, "%s: %s", opt->path, why);
    l.e = dlp_edm_free(l.e);
out_close:
    if (f != NULL)
        fclose(f);
    EVP_MD_CTX_free(l.md);
    for (size_t i = 0; i < l.nheader; i++)
        free(l.header[i]);
    free(l.header);
    free(l.keep);
    free(l.sips);
    return l.e;
}
