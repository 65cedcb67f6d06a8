/* dlp - building the engine: the detector list (built-in and custom), the hot trigger
 * database, the per-family exact-shape databases and the custom regex database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlp/dlp_int.h"
#include "util/errmsg.h"
#include "util/mem.h"

#define DEFAULT_WINDOW 100
#define MAX_WINDOW 4096
#define MAX_KEYWORD 256
#define DEFAULT_CUSTOM_CONFIDENCE 80

/* is_disabled - does the options' disabled list name this id or category */
static bool
is_disabled(const struct dlp_options *opt, const char *id, const char *category)
{
    for (size_t i = 0; opt != NULL && i < opt->ndisabled; i++)
        if (opt->disabled[i] != NULL &&
            (strcmp(opt->disabled[i], id) == 0 || strcmp(opt->disabled[i], category) == 0))
            return true;
    return false;
}

/* escape_literal - a literal as a Hyperscan expression: every byte as \xHH */
static char *
escape_literal(const char *lit, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *out = xmalloc(4 * n + 1);

    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)lit[i];
        out[4 * i] = '\\';
        out[4 * i + 1] = 'x';
        out[4 * i + 2] = hex[c >> 4];
        out[4 * i + 3] = hex[c & 15];
    }
    out[4 * n] = '\0';
    return out;
}

/* check_custom - the shape of one custom detector's options */
static int
check_custom(const struct dlp_options *opt, size_t k, char *err, size_t errlen)
{
    const struct dlp_custom *c = &opt->custom[k];

    if (c->id == NULL || c->id[0] == '\0') {
        errmsg_set(err, errlen, "custom detector %zu: no id", k);
        return -1;
    }
    for (size_t j = 0; j < k; j++)
        if (opt->custom[j].id != NULL && strcmp(opt->custom[j].id, c->id) == 0) {
            errmsg_set(err, errlen, "custom.%s: defined twice", c->id);
            return -1;
        }
    if (c->kind == DLP_CUSTOM_EDM)
        return 0;
    if (c->npatterns == 0 || c->patterns == NULL) {
        errmsg_set(err, errlen, "custom.%s: no %s", c->id,
                   c->kind == DLP_CUSTOM_KEYWORDS ? "keywords" : "patterns");
        return -1;
    }
    for (size_t i = 0; i < c->npatterns; i++) {
        size_t n = c->patterns[i] != NULL ? strlen(c->patterns[i]) : 0;
        if (n == 0 || (c->kind == DLP_CUSTOM_KEYWORDS && n > MAX_KEYWORD)) {
            errmsg_set(err, errlen, "custom.%s: %s %zu is %s", c->id,
                       c->kind == DLP_CUSTOM_KEYWORDS ? "keyword" : "pattern", i + 1,
                       n == 0 ? "empty" : "longer than 256 bytes");
            return -1;
        }
    }
    return 0;
}

/* add_dets - the detector list: built-ins (disabled ones kept, marked), then custom ones */
static int
add_dets(struct dlp_engine *e, const struct dlp_options *opt, char *err, size_t errlen)
{
    size_t ncustom = opt != NULL ? opt->ncustom : 0;

    e->det = xcalloc(dlp_builtin_ndets + ncustom, sizeof *e->det);
    for (size_t i = 0; i < dlp_builtin_ndets; i++) {
        const struct dlp_builtin_det *b = &dlp_builtin_dets[i];
        e->det[i] = (struct dlp_det){xstrdup(b->info.id),
                                     b->info.category,
                                     b->check,
                                     b->ctx,
                                     0,
                                     !is_disabled(opt, b->info.id, b->info.category),
                                     NULL};
        e->ndet++;
    }
    for (size_t k = 0; k < ncustom; k++) {
        const struct dlp_custom *c = &opt->custom[k];
        if (check_custom(opt, k, err, errlen) < 0)
            return -1;
        struct dlp_det *d = &e->det[e->ndet++];
        size_t n = strlen(c->id) + 8;
        d->id = xmalloc(n);
        snprintf(d->id, n, "custom.%s", c->id);
        d->category = "custom";
        d->ctx = DLP_CTX_NONE;
        d->confidence = c->confidence > 0 ? (c->confidence > 100 ? 100 : c->confidence)
                                          : DEFAULT_CUSTOM_CONFIDENCE;
        d->enabled = !is_disabled(opt, d->id, d->category);
        if (c->kind == DLP_CUSTOM_EDM && d->enabled) {
            char why[256] = "";
            d->edm = dlp_edm_load(&c->edm, why, sizeof why);
            if (d->edm == NULL) {
                errmsg_set(err, errlen, "%s: %s", d->id, why);
                return -1;
            }
        }
    }
    return 0;
}

/* hot_wanted - does a built-in trigger serve an enabled detector */
static bool
hot_wanted(const struct dlp_engine *e, const struct dlp_hot_pat *p)
{
    switch (p->kind) {
    case DLP_HOT_REGION:
        for (size_t i = 0; i < dlp_builtin_nblk; i++)
            if ((p->aux & (1u << dlp_builtin_blk[i].fam)) && e->det[dlp_builtin_blk[i].det].enabled)
                return true;
        for (size_t i = 0; i < dlp_builtin_nshapes; i++)
            if ((p->aux & (1u << DLP_FAM_NUM)) && e->det[dlp_builtin_shapes[i].det].enabled)
                return true;
        return false;
    default:
        return p->det >= 0 && e->det[p->det].enabled;
    }
}

/* add_hot - the hot triggers: wanted built-ins, then custom keywords */
static void
add_hot(struct dlp_engine *e, const struct dlp_options *opt)
{
    size_t cap = dlp_builtin_nhot;

    for (size_t k = 0; opt != NULL && k < opt->ncustom; k++)
        if (opt->custom[k].kind == DLP_CUSTOM_KEYWORDS)
            cap += opt->custom[k].npatterns;
    e->hot = xcalloc(cap, sizeof *e->hot);
    for (size_t i = 0; i < dlp_builtin_nhot; i++) {
        if (!hot_wanted(e, &dlp_builtin_hot[i]))
            continue;
        struct dlp_hot_pat *p = &e->hot[e->nhot++];
        *p = dlp_builtin_hot[i];
        if (p->lit)
            p->len = (uint16_t)strlen(p->re);
    }
    for (size_t k = 0; opt != NULL && k < opt->ncustom; k++) {
        const struct dlp_custom *c = &opt->custom[k];
        int det = (int)(dlp_builtin_ndets + k);
        if (c->kind != DLP_CUSTOM_KEYWORDS || !e->det[det].enabled)
            continue;
        for (size_t i = 0; i < c->npatterns; i++) {
            struct dlp_hot_pat *p = &e->hot[e->nhot++];
            *p = (struct dlp_hot_pat){.re = xstrdup(c->patterns[i]),
                                      .flags = c->case_sensitive ? 0 : HS_FLAG_CASELESS,
                                      .kind = DLP_HOT_KEYWORD,
                                      .lit = true,
                                      .len = (uint16_t)strlen(c->patterns[i]),
                                      .det = det};
        }
    }
}

/* compile - one database; on error the message names what failed via `name(i)` */
static hs_database_t *
compile(const char *const *re, const unsigned *flags, const unsigned *ids, size_t n, unsigned mode,
        hs_compile_error_t **cerr)
{
    hs_database_t *db = NULL;

    *cerr = NULL;
    if (n == 0)
        return NULL;
    if (hs_compile_multi(re, flags, ids, (unsigned)n, mode, NULL, &db, cerr) != HS_SUCCESS)
        return NULL;
    return db;
}

/* build_hot - compile the hot trigger database (streaming, no start of match) */
static int
build_hot(struct dlp_engine *e, char *err, size_t errlen)
{
    const char **re = xcalloc(e->nhot + 1, sizeof *re);
    unsigned *flags = xcalloc(e->nhot + 1, sizeof *flags), *ids = xcalloc(e->nhot + 1, sizeof *ids);
    char **esc = xcalloc(e->nhot + 1, sizeof *esc);
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    size_t n = 0;

    e->digit_pat = e->passport_pat = -1;
    for (size_t i = 0; i < e->nhot; i++) {
        const struct dlp_hot_pat *p = &e->hot[i];
        if (p->re == NULL) { /* found by dlp_digits.c */
            if (p->kind == DLP_HOT_REGION)
                e->digit_pat = (int)i;
            else
                e->passport_pat = (int)i;
            continue;
        }
        if (p->lit)
            esc[n] = escape_literal(p->re, p->len);
        re[n] = p->lit ? esc[n] : p->re;
        flags[n] = p->flags;
        ids[n++] = (unsigned)i;
    }
    e->hot_db = compile(re, flags, ids, n, HS_MODE_STREAM, &cerr);
    if (e->hot_db == NULL && n > 0) {
        int at = cerr != NULL && cerr->expression >= 0 ? (int)ids[cerr->expression] : -1;
        const char *who = at >= 0 && e->hot[at].det >= 0 ? e->det[e->hot[at].det].id : "dlp";
        errmsg_set(err, errlen, "%s: cannot compile the trigger database: %s", who,
                   cerr != NULL ? cerr->message : "unknown error");
        rc = -1;
    }
    hs_free_compile_error(cerr);
    for (size_t i = 0; i < n; i++)
        free(esc[i]);
    free(esc);
    free(re);
    free(flags);
    free(ids);
    return rc;
}

/* build_blk - the exact-shape databases of the region families (block mode, SOM) */
static int
build_blk(struct dlp_engine *e, char *err, size_t errlen)
{
    for (int fam = 0; fam < DLP_FAM_COUNT; fam++) {
        const char *re[64];
        unsigned flags[64], ids[64];
        hs_compile_error_t *cerr = NULL;
        e->blk[fam] = xcalloc(dlp_builtin_nblk, sizeof *e->blk[fam]);
        for (size_t i = 0; i < dlp_builtin_nblk && e->nblk[fam] < 64; i++) {
            const struct dlp_blk_pat *b = &dlp_builtin_blk[i];
            if (b->fam != fam || !e->det[b->det].enabled)
                continue;
            re[e->nblk[fam]] = b->re;
            flags[e->nblk[fam]] = HS_FLAG_SOM_LEFTMOST;
            ids[e->nblk[fam]] = (unsigned)e->nblk[fam];
            e->blk[fam][e->nblk[fam]++] = *b;
        }
        e->blk_db[fam] = compile(re, flags, ids, e->nblk[fam], HS_MODE_BLOCK, &cerr);
        if (e->blk_db[fam] == NULL && e->nblk[fam] > 0) {
            errmsg_set(err, errlen, "dlp: cannot compile the shape database: %s",
                       cerr != NULL ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            return -1;
        }
        hs_free_compile_error(cerr);
    }
    return 0;
}

/* build_ctx - the context words' database (block mode, caseless literals) */
static int
build_ctx(struct dlp_engine *e, char *err, size_t errlen)
{
    const char *re[128];
    char *esc[128];
    unsigned flags[128], ids[128];
    size_t n = dlp_builtin_nctx < 128 ? dlp_builtin_nctx : 128;
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        esc[i] = escape_literal(dlp_builtin_ctx[i].word, strlen(dlp_builtin_ctx[i].word));
        re[i] = esc[i];
        flags[i] = HS_FLAG_CASELESS;
        ids[i] = (unsigned)i;
    }
    e->ctx_db = compile(re, flags, ids, n, HS_MODE_BLOCK, &cerr);
    if (e->ctx_db == NULL) {
        errmsg_set(err, errlen, "dlp: cannot compile the context words: %s",
                   cerr != NULL ? cerr->message : "unknown error");
        rc = -1;
    }
    hs_free_compile_error(cerr);
    for (size_t i = 0; i < n; i++)
        free(esc[i]);
    return rc;
}

/* build_rx - the custom regex database (streaming, start of match): each pattern is first
 * compiled alone so that an error names its detector and pattern */
static int
build_rx(struct dlp_engine *e, const struct dlp_options *opt, char *err, size_t errlen)
{
    size_t n = 0, cap = 0;
    const char **re;
    unsigned *flags, *ids;
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    for (size_t k = 0; opt != NULL && k < opt->ncustom; k++)
        if (opt->custom[k].kind == DLP_CUSTOM_REGEX)
            cap += opt->custom[k].npatterns;
    re = xcalloc(cap + 1, sizeof *re);
    flags = xcalloc(cap + 1, sizeof *flags);
    ids = xcalloc(cap + 1, sizeof *ids);
    e->rx_det = xcalloc(cap + 1, sizeof *e->rx_det);
    for (size_t k = 0; opt != NULL && k < opt->ncustom && rc == 0; k++) {
        const struct dlp_custom *c = &opt->custom[k];
        int det = (int)(dlp_builtin_ndets + k);
        if (c->kind != DLP_CUSTOM_REGEX || !e->det[det].enabled)
            continue;
        for (size_t i = 0; i < c->npatterns && rc == 0; i++) {
            hs_database_t *one = NULL;
            unsigned f = HS_FLAG_SOM_LEFTMOST | (c->case_sensitive ? 0 : HS_FLAG_CASELESS);
            if (hs_compile(c->patterns[i], f, HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL,
                           &one, &cerr) != HS_SUCCESS) {
                errmsg_set(err, errlen, "%s: pattern %zu /%s/: %s", e->det[det].id, i + 1,
                           c->patterns[i], cerr != NULL ? cerr->message : "unknown error");
                rc = -1;
            }
            hs_free_compile_error(cerr);
            cerr = NULL;
            hs_free_database(one);
            re[n] = c->patterns[i];
            flags[n] = f;
            ids[n] = (unsigned)n;
            e->rx_det[n++] = det;
        }
    }
    e->nrx = n;
    if (rc == 0) {
        e->rx_db = compile(re, flags, ids, n, HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, &cerr);
        if (e->rx_db == NULL && n > 0) {
            errmsg_set(err, errlen, "custom regexes: %s",
                       cerr != NULL ? cerr->message : "unknown error");
            rc = -1;
        }
        hs_free_compile_error(cerr);
    }
    free(re);
    free(flags);
    free(ids);
    return rc;
}

/* alloc_scratch - one prototype scratch fit for every database */
static int
alloc_scratch(struct dlp_engine *e, char *err, size_t errlen)
{
    hs_database_t *dbs[3 + DLP_FAM_COUNT] = {e->hot_db, e->rx_db, e->ctx_db};

    for (int f = 0; f < DLP_FAM_COUNT; f++)
        dbs[3 + f] = e->blk_db[f];
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++)
        if (dbs[i] != NULL && hs_alloc_scratch(dbs[i], &e->scratch) != HS_SUCCESS) {
            errmsg_set(err, errlen, "dlp: cannot allocate Hyperscan scratch");
            return -1;
        }
    return 0;
}

struct dlp_engine *
dlp_engine_new(const struct dlp_options *opt, char *err, size_t errlen)
{
    struct dlp_engine *e = xcalloc(1, sizeof *e);
    size_t w = opt != NULL && opt->context_window > 0 ? opt->context_window : DEFAULT_WINDOW;

    errmsg_set(err, errlen, "%s", "");
    e->window = w > MAX_WINDOW ? MAX_WINDOW : w;
    e->lookahead = DLP_MAX_TOKEN + e->window + DLP_MAX_CTXWORD + 2;
    e->back = DLP_LINE_MAX + 16;
    dlp_shape_index(e);
    e->keep = 1;
    while (e->keep < e->back + e->lookahead + e->window + DLP_MAX_CTXWORD + 16)
        e->keep *= 2;
    if (add_dets(e, opt, err, errlen) < 0)
        goto out_free;
    add_hot(e, opt);
    if (build_hot(e, err, errlen) < 0 || build_blk(e, err, errlen) < 0 ||
        build_ctx(e, err, errlen) < 0 || build_rx(e, opt, err, errlen) < 0 ||
        alloc_scratch(e, err, errlen) < 0)
        goto out_free;
    return e;

out_free:
    return dlp_engine_free(e);
}

struct dlp_engine *
dlp_engine_free(struct dlp_engine *e)
{
    if (e == NULL)
        return NULL;
    for (size_t i = 0; i < e->ndet; i++) {
        free(e->det[i].id);
        dlp_edm_free(e->det[i].edm);
    }
    free(e->det);
    for (size_t i = 0; i < e->nhot; i++)
        if (e->hot[i].kind == DLP_HOT_KEYWORD)
            free((char *)e->hot[i].re);
    free(e->hot);
    hs_free_database(e->hot_db);
    for (int f = 0; f < DLP_FAM_COUNT; f++) {
        free(e->blk[f]);
        hs_free_database(e->blk_db[f]);
    }
    hs_free_database(e->rx_db);
    hs_free_database(e->ctx_db);
    free(e->rx_det);
    hs_free_scratch(e->scratch);
    free(e);
    return NULL;
}
