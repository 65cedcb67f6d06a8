/* dlp_shape - the digit shapes (cards, SSN, Korean ids and phones) matched group-wise on a run
 * of [0-9 +-]: the run is cut into groups of digits, and a shape is a list of group lengths
 * joined by single separators. This replaces a start-of-match Hyperscan scan per run, which
 * cost ~250 ns a run; mail carries many runs of these forms that fail their validator (order
 * ids, tracking numbers). */
#include <string.h>

#include "dlp/dlp_int.h"
#include "util/log.h"

#define MAX_GROUPS 64

struct group {
    uint8_t at, len;
    uint8_t sep; /* DLP_SEP_* between the previous group and this one, 0: a new chain */
};

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool
is_mobile_digit(int c)
{
    return c == '0' || c == '1' || c == '6' || c == '7' || c == '8' || c == '9';
}

/* groups_of - cut the run into groups of digits */
static size_t
groups_of(const uint8_t *r, size_t n, struct group *g)
{
    size_t ng = 0, i = 0, prev_end = 0;

    while (i < n && ng < MAX_GROUPS) {
        if (!is_digit(r[i])) {
            i++;
            continue;
        }
        size_t at = i;
        while (i < n && is_digit(r[i]))
            i++;
        uint8_t sep = 0;
        if (ng > 0 && at == prev_end + 1)
            sep = r[prev_end] == '-' ? DLP_SEP_DASH : r[prev_end] == ' ' ? DLP_SEP_SPACE : 0;
        g[ng++] = (struct group){(uint8_t)at, (uint8_t)(i - at), sep};
        prev_end = i;
    }
    return ng;
}

/* prefix_ok - the first digits of a phone shape */
static bool
prefix_ok(const uint8_t *d, size_t len, int prefix)
{
    switch (prefix) {
    case DLP_PFX_MOBILE:
        return d[0] == '0' && d[1] == '1' && is_mobile_digit(d[2]);
    case DLP_PFX_AREA:
        if (len == 2)
            return d[0] == '0' && d[1] == '2';
        return d[0] == '0' && d[1] >= '3' && d[1] <= '6' && d[2] >= '1' && d[2] <= '5';
    default:
        return true;
    }
}

/* shape_at - does shape sh start at group k; the end offset when it does, 0 otherwise */
static size_t
shape_at(const uint8_t *r, const struct group *g, size_t ng, size_t k, const struct dlp_shape *sh)
{
    if (k + sh->ngroups > ng)
        return 0;
    for (size_t t = 0; t < sh->ngroups; t++) {
        const struct group *x = &g[k + t];
        if (x->len < sh->lo[t] || x->len > sh->hi[t])
            return 0;
        if (t == 0)
            continue;
        if (!(x->sep & sh->seps))
            return 0;
        if (t > 1 && !(sh->seps & DLP_SEP_MIXED) && x->sep != g[k + 1].sep)
            return 0;
    }
    if (!prefix_ok(r + g[k].at, g[k].len, sh->prefix))
        return 0;
    return (size_t)g[k + sh->ngroups - 1].at + g[k + sh->ngroups - 1].len;
}

/* digits - how many digits from r[i] on */
static size_t
digits(const uint8_t *r, size_t n, size_t i)
{
    size_t d = 0;
    while (i + d < n && is_digit(r[i + d]))
        d++;
    return d;
}

/* plus82 - \+82[ -]?(1[016789]|2|[3-6][1-5])[ -]?\d{3,4}[ -]?\d{4} at r[i] == '+': up to
 * two ends (the middle group of 3 or 4 digits) */
static size_t
plus82(const uint8_t *r, size_t n, size_t i, size_t ends[2])
{
    size_t j = i + 3, k = 0;

    if (i + 3 >= n || r[i + 1] != '8' || r[i + 2] != '2')
        return 0;
    if (r[j] == ' ' || r[j] == '-')
        j++;
    if (j + 1 < n && r[j] == '1' && is_mobile_digit(r[j + 1]))
        j += 2;
    else if (j < n && r[j] == '2')
        j += 1;
    else if (j + 1 < n && r[j] >= '3' && r[j] <= '6' && r[j + 1] >= '1' && r[j + 1] <= '5')
        j += 2;
    else
        return 0;
    if (j < n && (r[j] == ' ' || r[j] == '-'))
        j++;
    for (size_t mid = 4; mid >= 3; mid--) {
        size_t d = digits(r, n, j);
        if (d < mid)
            continue;
        size_t e = j + mid;
        if (d == mid && e < n && (r[e] == ' ' || r[e] == '-'))
            e++;
        if (digits(r, n, e) >= 4)
            ends[k++] = e + 4;
    }
    return k;
}

void
dlp_shape_index(struct dlp_engine *e)
{
    if (dlp_builtin_nshapes > 32)
        die_bug("dlp: %zu digit shapes, the index holds 32", dlp_builtin_nshapes);
    memset(e->shape_first, 0, sizeof e->shape_first);
    e->shapes_always = 0;
    for (size_t k = 0; k < dlp_builtin_nshapes; k++) {
        const struct dlp_shape *sh = &dlp_builtin_shapes[k];
        if (sh->prefix == DLP_PFX_PLUS82) {
            e->shapes_always |= (uint32_t)1 << k;
            continue;
        }
        for (unsigned len = sh->lo[0]; len <= sh->hi[0] && len < 32; len++)
            e->shape_first[len] |= (uint32_t)1 << k;
    }
}

size_t
dlp_shape_match(const struct dlp_engine *e, const uint8_t *r, size_t n, struct dlp_blk_match *out,
                size_t max)
{
    struct group g[MAX_GROUPS];
    size_t ng = groups_of(r, n, g), nout = 0;
    uint32_t cand = e->shapes_always; /* the shapes some group can begin, in table order */

    for (size_t k = 0; k < ng; k++)
        cand |= e->shape_first[g[k].len < 31 ? g[k].len : 31];
    while (cand != 0) {
        const struct dlp_shape *sh = &dlp_builtin_shapes[__builtin_ctz(cand)];
        cand &= cand - 1;
        if (sh->prefix == DLP_PFX_PLUS82) {
            const uint8_t *plus = memchr(r, '+', n);
            for (size_t i = plus != NULL ? (size_t)(plus - r) : n; i < n; i++) {
                size_t ends[2], ne = r[i] == '+' ? plus82(r, n, i, ends) : 0;
                for (size_t x = 0; x < ne && nout < max; x++)
                    out[nout++] = (struct dlp_blk_match){i, ends[x], sh->det, sh->needs_ctx};
            }
            continue;
        }
        if (sh->ngroups > ng)
            continue;
        for (size_t k = 0; k < ng && nout < max; k++) {
            size_t end = shape_at(r, g, ng, k, sh);
            if (end != 0)
                out[nout++] = (struct dlp_blk_match){g[k].at, end, sh->det, sh->needs_ctx};
        }
    }
    return nout;
}
