/* dlp_stream - the per-text scanner: Hyperscan streams, the trigger queues, the byte ring, and
 * the resolution of queued triggers into validated, context-weighted findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlp/dlp_int.h"
#include "util/mem.h"

#define CHUNK 65536 /* a feed is scanned in pieces of this size, to bound the queues */
#define BM_MAX 512  /* block-database matches kept per region */
#define RX_FLAG 0x80000000u
#define PAD 64       /* room around a copied piece end (hs_feed) */
#define PAD_TAIL 256 /* pieces this short are scanned from the copy whole */

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
is_alnum(int c)
{
    return is_digit(c) || is_alpha(c);
}

int
dlp_stream_byte(const struct dlp_stream *s, uint64_t off)
{
    if (off >= s->base) {
        if (off - s->base < s->curlen)
            return s->cur[off - s->base];
        return -1;
    }
    if (s->base - off > s->e->keep)
        return -1;
    return s->ring[off & (s->e->keep - 1)];
}

size_t
dlp_stream_copy(const struct dlp_stream *s, uint64_t off, size_t n, uint8_t *out)
{
    size_t done = 0, keep = s->e->keep;

    if (off < s->base) {
        if (s->base - off > keep)
            return 0;
        size_t k = s->base - off < n ? (size_t)(s->base - off) : n;
        size_t pos = (size_t)(off & (keep - 1)), first = keep - pos < k ? keep - pos : k;
        memcpy(out, s->ring + pos, first);
        memcpy(out + first, s->ring, k - first);
        done = k;
    }
    if (done < n && off + done - s->base < s->curlen) {
        size_t at = (size_t)(off + done - s->base), k = s->curlen - at;
        k = k < n - done ? k : n - done;
        memcpy(out + done, s->cur + at, k);
        done += k;
    }
    return done;
}

/* queue_push - add a trigger, keeping the queue ordered by (end, pattern) */
static void
queue_push(struct dlp_queue *q, uint64_t end, uint64_t start, uint32_t pat)
{
    if (q->head > 0 && q->head == q->len) {
        q->head = q->len = 0;
    } else if (q->head > 0 && q->len == q->cap) {
        memmove(q->v, q->v + q->head, (q->len - q->head) * sizeof *q->v);
        q->len -= q->head;
        q->head = 0;
    }
    if (q->len == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        q->v = xrealloc(q->v, q->cap * sizeof *q->v);
    }
    size_t i = q->len++;
    while (i > q->head &&
           (q->v[i - 1].end > end || (q->v[i - 1].end == end && q->v[i - 1].pat > pat))) {
        q->v[i] = q->v[i - 1];
        i--;
    }
    q->v[i] = (struct dlp_trig){end, start, pat};
}

void
dlp_stream_digits(struct dlp_stream *s, uint64_t end, bool recheck)
{
    if (s->e->digit_pat < 0)
        return; /* the scan runs for passports only */
    queue_push(&s->tq, end, recheck, (uint32_t)s->e->digit_pat);
}

void
dlp_stream_passport(struct dlp_stream *s, uint64_t end)
{
    queue_push(&s->tq, end, 0, (uint32_t)s->e->passport_pat);
}

/* passport_shape - [MSROD]\d{3}[A-Z0-9]\d{4} (the trigger only saw part of it) */
static bool
passport_shape(const uint8_t *v)
{
    if (strchr("MSROD", v[0]) == NULL || v[0] == '\0')
        return false;
    for (int i = 1; i < 9; i++)
        if (!(is_digit(v[i]) || (i == 4 && is_upper(v[i]))))
            return false;
    return true;
}

/* on_hot - a hot-database match: queue it */
static int
on_hot(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
    struct dlp_stream *s = ctx;

    queue_push(&s->tq, to, 0, id);
    return 0;
}

/* on_rx - a custom regex match (start of match known) */
static int
on_rx(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
      void *ctx)
{
    struct dlp_stream *s = ctx;

    queue_push(&s->rq, to, from, id | RX_FLAG);
    return 0;
}

/* on_edm - an exact-data-match hit of a custom detector */
static void
on_edm(void *ctx, const struct dlp_edm_match *m)
{
    const struct dlp_edm_ctx *ec = ctx;
    char red[DLP_REDACTED_MAX], detail[32];

    snprintf(red, sizeof red, "row %llu, %u cells", (unsigned long long)m->row, m->cells);
    snprintf(detail, sizeof detail, "%s", m->columns != NULL ? m->columns : "");
    dlp_stream_report(ec->s, ec->det, m->offset, m->offset + m->length,
                      ec->s->e->det[ec->det].confidence, false, red, detail);
}

void
dlp_stream_report(struct dlp_stream *s, int det, uint64_t off, uint64_t end, int confidence,
                  bool context, const char *redacted, const char *detail)
{
    const struct dlp_det *d = &s->e->det[det];

    if (off < s->det_end[det])
        return;
    s->det_end[det] = end;
    struct dlp_finding f = {
        .detector = d->id,
        .category = d->category,
        .confidence = confidence > 100 ? 100 : confidence,
        .offset = off,
        .length = (uint32_t)(end - off),
        .context = context,
        .redacted = redacted,
        .detail = detail != NULL ? detail : "",
    };
    s->fn(s->ctx, &f);
}

struct ctx_scan {
    struct dlp_stream *s;
    uint64_t at; /* stream offset of win[0] */
    size_t n;
    uint64_t off, end;
    uint32_t group;
    bool found;
};

/* on_ctx - a context word in the window: of the right group, a whole word, near enough */
static int
on_ctx(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
    struct ctx_scan *cs = ctx;
    const struct dlp_ctx_word *w = &dlp_builtin_ctx[id];
    size_t len = strlen(w->word);
    uint64_t wend = cs->at + to, wstart = wend - len, win = cs->s->e->window;
    uint8_t first = (uint8_t)w->word[0], last = (uint8_t)w->word[len - 1];

    if (!(w->groups & cs->group) || wend + win < cs->off || wstart > cs->end + win)
        return 0;
    if (is_alpha(first) && wstart > 0 && is_alpha(dlp_stream_byte(cs->s, wstart - 1)))
        return 0;
    if (is_alpha(last) && is_alpha(dlp_stream_byte(cs->s, wend)))
        return 0;
    cs->found = true;
    return 1; /* stop */
}

/* ctx_near - is a context word of group g within the window of [off, end) */
static bool
ctx_near(struct dlp_stream *s, int g, uint64_t off, uint64_t end)
{
    uint64_t w = s->e->window + DLP_MAX_CTXWORD;
    struct ctx_scan cs = {s, off > w ? off - w : 0, 0, off, end, 0, false};

    if (g < 0 || s->e->ctx_db == NULL)
        return false;
    cs.group = 1u << g;
    cs.n = dlp_stream_copy(s, cs.at, (size_t)(end + w - cs.at), s->win);
    hs_scan(s->e->ctx_db, (const char *)s->win, (unsigned)cs.n, 0, s->scratch, on_ctx, &cs);
    return cs.found;
}

/* report_checked - validate bytes [off, end) with detector det's check and report them */
static void
report_checked(struct dlp_stream *s, int det, uint64_t off, uint64_t end, bool needs_ctx)
{
    const struct dlp_det *d = &s->e->det[det];
    struct dlp_check chk;
    size_t n = (size_t)(end - off);

    if (off < s->det_end[det] || n > sizeof s->val || !d->enabled)
        return;
    if (dlp_stream_copy(s, off, n, s->val) != n)
        return;
    memset(&chk, 0, sizeof chk);
    if (!d->check(s->val, n, &chk))
        return;
    bool near = ctx_near(s, d->ctx, off, end);
    if (needs_ctx && !near)
        return;
    dlp_stream_report(s, det, off, end, chk.confidence + (near ? DLP_CONTEXT_BONUS : 0), near,
                      chk.redacted, chk.detail);
}

/* num_edge_ok - is the byte at `at` (outer, `next` one further out) a value boundary:
 * not a letter or digit, and not a separator glued to another number ("1.2", "7-4111...") */
static bool
num_edge_ok(const struct dlp_stream *s, int at, int next)
{
    if (at < 0)
        return true;
    if (is_alnum(at))
        return false;
    return !((at == '-' || at == '.' || at == '+' || at == '/' || at == ',') && is_digit(next));
}

/* in_field - the value is a whole field of a delimited row, where a comma next to digits
 * separates fields rather than a decimal or a thousands group: the same delimiter (comma,
 * semicolon, tab) on both sides ("2024-03-19,4111111111111111,17"), or a line edge on one
 * side and a delimiter on the other for a value without spaces (a first or last column; a
 * spaced value there is more often the head of a number such as "... 0714 5,282") */
static bool
in_field(int before, int after, bool spaced)
{
    bool delim_before = before == ',' || before == ';' || before == '\t';
    bool delim_after = after == ',' || after == ';' || after == '\t';
    bool edge_before = before == '\n' || before == '\r' || before < 0;
    bool edge_after = after == '\n' || after == '\r' || after < 0;

    if (delim_before && delim_after)
        return before == after;
    return !spaced && ((delim_before && edge_after) || (edge_before && delim_after));
}

static int
blk_cmp(const void *a, const void *b)
{
    const struct dlp_blk_match *x = a, *y = b;
    if (x->det != y->det)
        return x->det < y->det ? -1 : 1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->to != y->to)
        return x->to > y->to ? -1 : 1;
    return 0;
}

/* sort_matches - by detector, start, longest first; insertion sort, as there are a handful
 * (glibc's qsort allocates) */
static void
sort_matches(struct dlp_blk_match *m, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct dlp_blk_match x = m[i];
        size_t j = i;
        while (j > 0 && blk_cmp(&m[j - 1], &x) > 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = x;
    }
}

struct blk_ctx {
    struct dlp_stream *s;
    int fam;
};

static int
on_blk(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
    struct blk_ctx *bc = ctx;
    struct dlp_stream *s = bc->s;
    const struct dlp_blk_pat *p = &s->e->blk[bc->fam][id];

    if (s->nbm < BM_MAX)
        s->bm[s->nbm++] = (struct dlp_blk_match){from, to, p->det, p->needs_ctx};
    return 0;
}

/* iban_plausible - two capitals and two digits somewhere in the run */
static bool
iban_plausible(const uint8_t *r, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (r[i] >= 'A' && r[i] <= 'Z' && r[i + 1] >= 'A' && r[i + 1] <= 'Z' &&
            is_digit(r[i + 2]) && is_digit(r[i + 3]))
            return true;
    return false;
}

/* num_plausible - could any digit shape be in the run: a group of 9+ digits, or two groups
 * joined by one separator that begin some shape (4-4 card, 3-2 SSN/BRN, 6-7 RRN, 2-2
 * licence, 3-3 / 3-4 / 2-3 / 2-4 phone, 2-1 / 2-2 after +82, 4-6 Amex). Most numbers in
 * prose (order ids, dates with times) fail this, and skip the shape database. */
static bool
num_plausible(const uint8_t *r, size_t n)
{
    static const uint8_t pairs[][2] = {{4, 4}, {4, 6}, {3, 2}, {6, 7}, {2, 2},
                                       {3, 3}, {3, 4}, {2, 3}, {2, 4}, {2, 1}};
    size_t prev = 0, i = 0, digits = 0;

    for (size_t k = 0; k < n; k++)
        digits += is_digit(r[k]);
    if (digits < 9)
        return false;
    while (i < n) {
        size_t g = 0;
        while (i < n && is_digit(r[i]))
            i++, g++;
        if (g >= 9)
            return true;
        for (size_t k = 0; prev > 0 && g > 0 && k < sizeof pairs / sizeof pairs[0]; k++)
            if (pairs[k][0] == prev && pairs[k][1] == g)
                return true;
        prev = g;
        if (i < n && !is_digit(r[i])) {
            i++;
            if (i < n && !is_digit(r[i]))
                prev = 0; /* two separators: a new chain */
        }
    }
    return false;
}

/* resolve_region - a digit / IBAN run around `end`: match its exact shapes and validate;
 * returns where the run starts (or `end` when it was seen already) */
static uint64_t
resolve_region(struct dlp_stream *s, int fam, uint64_t end)
{
    int cls = fam == DLP_FAM_NUM ? DLP_CLS_NUM : DLP_CLS_IBAN;
    uint8_t wbuf[2 * DLP_MAX_REGION + 2];
    uint64_t lo = end > DLP_MAX_REGION + 1 ? end - DLP_MAX_REGION - 1 : 0;

    if (end - 1 < s->region_end[fam] || (fam == DLP_FAM_IBAN && s->e->blk_db[fam] == NULL))
        return end;
    /* the bytes around the trigger: read in place when they start in the piece being
     * scanned (digit runs, walked by our own code), else gathered into a local copy (from the
     * ring; and always for IBANs, which Hyperscan scans: its 5.4 block scanner may read past
     * the end of what it is given, see hs_feed) */
    const uint8_t *w;
    size_t wn, a = (size_t)(end - lo), b = a;
    if (fam == DLP_FAM_NUM && s->cur != NULL && lo >= s->base && lo - s->base < s->curlen) {
        w = s->cur + (lo - s->base);
        wn = s->curlen - (size_t)(lo - s->base);
        wn = wn < sizeof wbuf ? wn : sizeof wbuf;
    } else {
        w = wbuf;
        wn = dlp_stream_copy(s, lo, sizeof wbuf, wbuf);
    }
    if (wn < a)
        return end;
    while (a > 0 && b - a < DLP_MAX_REGION && dlp_cls_has(cls, w[a - 1]))
        a--;
    while (b < wn && b - a < DLP_MAX_REGION && dlp_cls_has(cls, w[b]))
        b++;
    bool left_open = a > 0 && dlp_cls_has(cls, w[a - 1]);
    bool right_open = b < wn && dlp_cls_has(cls, w[b]);
    uint64_t rs = lo + a;
    s->region_end[fam] = lo + b;

    const uint8_t *reg = w + a;
    size_t n = b - a;
    if (fam == DLP_FAM_IBAN ? !iban_plausible(reg, n) : !num_plausible(reg, n))
        return rs;
    struct blk_ctx bc = {s, fam};
    s->nbm = 0;
    if (fam == DLP_FAM_NUM)
        s->nbm = dlp_shape_match(s->e, reg, n, s->bm, BM_MAX);
    else if (hs_scan(s->e->blk_db[fam], (const char *)reg, (unsigned)n, 0, s->scratch, on_blk,
                     &bc) != HS_SUCCESS)
        return rs;
    sort_matches(s->bm, s->nbm);
    for (size_t i = 0; i < s->nbm; i++) {
        const struct dlp_blk_match *m = &s->bm[i];
        uint64_t va = rs + m->from, vb = rs + m->to;
        if ((m->from == 0 && left_open) || (m->to == n && right_open))
            continue;
        int before = va > 0 ? dlp_stream_byte(s, va - 1) : -1;
        int before2 = va > 1 ? dlp_stream_byte(s, va - 2) : -1;
        int after = dlp_stream_byte(s, vb);
        bool spaced = memchr(reg + m->from, ' ', m->to - m->from) != NULL;
        if (!in_field(before, after, spaced) &&
            (!num_edge_ok(s, before, before2) ||
             !num_edge_ok(s, after, dlp_stream_byte(s, vb + 1))))
            continue;
        report_checked(s, m->det, va, vb, m->needs_ctx);
    }
    return rs;
}

/* resolve_digits - a digit chain: its digit shapes, and an IBAN when capitals come right
 * before it ("DE89 3704 ...", "GB82 WEST 1234 ...") */
static void
resolve_digits(struct dlp_stream *s, uint64_t end)
{
    uint64_t rs = resolve_region(s, DLP_FAM_NUM, end);
    int c1 = rs > 0 ? dlp_stream_byte(s, rs - 1) : -1,
        c2 = rs > 1 ? dlp_stream_byte(s, rs - 2) : -1;

    if (is_upper(c1) || (c1 == ' ' && is_upper(c2)))
        resolve_region(s, DLP_FAM_IBAN, end);
}

/* secret_value_at - after a secret keyword, ["']?[ \t]{0,3}[:=][ \t]{0,3}["']?: where the
 * value starts, 0 when no assignment follows */
static uint64_t
secret_value_at(const struct dlp_stream *s, uint64_t o)
{
    int c = dlp_stream_byte(s, o);

    if (c == '"' || c == '\'')
        c = dlp_stream_byte(s, ++o);
    for (int i = 0; i < 3 && (c == ' ' || c == '\t'); i++)
        c = dlp_stream_byte(s, ++o);
    if (c != ':' && c != '=')
        return 0;
    c = dlp_stream_byte(s, ++o);
    for (int i = 0; i < 3 && (c == ' ' || c == '\t'); i++)
        c = dlp_stream_byte(s, ++o);
    return c == '"' || c == '\'' ? o + 1 : o;
}

/* resolve_token - a fixed token, a prefix to extend, or a value after a secret keyword */
static void
resolve_token(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t end)
{
    /* a secret keyword's match ends with the byte after the keyword */
    uint64_t off = p->kind == DLP_HOT_SECRET_KW ? secret_value_at(s, end - 1) : end - p->len, e;
    int c;

    if (end < p->len || off == 0 || p->det < 0 || !s->e->det[p->det].enabled)
        return;
    e = p->kind == DLP_HOT_SECRET_KW ? off : end;
    if (p->lb && off > 0) {
        c = dlp_stream_byte(s, off - 1);
        if (c >= 0 && (is_alnum(c) || dlp_cls_has(p->cls, (uint8_t)c)))
            return;
    }
    if (p->kind != DLP_HOT_FIXED)
        while (e - off < p->maxlen && (c = dlp_stream_byte(s, e)) >= 0 &&
               dlp_cls_has(p->cls, (uint8_t)c))
            e++;
    c = dlp_stream_byte(s, e);
    if (c >= 0 && dlp_cls_has(p->cls, (uint8_t)c) && p->cls != DLP_CLS_PEM)
        return; /* longer than any such value, or glued to more of its characters */
    if (p->cls == DLP_CLS_PEM) {
        /* "-----BEGIN RSA PRIVATE KEY-----": stop after the closing dashes */
        uint8_t line[96];
        size_t n = dlp_stream_copy(s, off, (size_t)(e - off), line);
        uint8_t *dash = n > 16 ? memmem(line + 11, n - 11, "-----", 5) : NULL;
        if (dash == NULL)
            return;
        e = off + (uint64_t)(dash - line) + 5;
    }
    while (e > off && (p->cls == DLP_CLS_JWT || p->kind == DLP_HOT_SECRET_KW) &&
           dlp_stream_byte(s, e - 1) == '.')
        e--; /* a sentence's full stop */
    if (e - off < p->minlen)
        return;
    if (p->re == NULL) { /* the passport, seen by dlp_digits.c from its last digits only */
        uint8_t v[9];
        if (e - off != 9 || dlp_stream_copy(s, off, 9, v) != 9 || !passport_shape(v))
            return;
    }
    report_checked(s, p->det, off, e, false);
}

/* resolve_keyword - a custom keyword, standing as a word where it starts or ends with one */
static void
resolve_keyword(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t end)
{
    uint64_t off = end - p->len;
    char red[DLP_REDACTED_MAX];

    if (is_alnum((uint8_t)p->re[0]) && off > 0 && is_alnum(dlp_stream_byte(s, off - 1)))
        return;
    if (is_alnum((uint8_t)p->re[p->len - 1]) && is_alnum(dlp_stream_byte(s, end)))
        return;
    if (dlp_stream_copy(s, off, p->len, s->val) != p->len)
        return;
    dlp_redact_middle(s->val, p->len, 2, 2, red);
    dlp_stream_report(s, p->det, off, end, s->e->det[p->det].confidence, false, red, "");
}

/* resolve - one queued hot-database trigger */
static void
resolve(struct dlp_stream *s, const struct dlp_trig *t)
{
    const struct dlp_hot_pat *p = &s->e->hot[t->pat];

    switch (p->kind) {
    case DLP_HOT_REGION:
        if (t->start == 0 || dlp_digits_chain(s, NULL, 0, 0, t->end, false) == 1)
            resolve_digits(s, t->end);
        break;
    case DLP_HOT_FIXED:
    case DLP_HOT_PREFIX:
    case DLP_HOT_SECRET_KW:
        resolve_token(s, p, t->end);
        break;
    case DLP_HOT_DUMP:
        dlp_dump_label(s, p, t->end);
        break;
    case DLP_HOT_KEYWORD:
        resolve_keyword(s, p, t->end);
        break;
    default:
        break;
    }
}

/* rx_flush - report the merged custom regex finding of detector det; only its first and last
 * bytes were kept, and a value longer than DLP_MAX_TOKEN shows only its length */
static void
rx_flush(struct dlp_stream *s, int det)
{
    struct dlp_rx_pending *r = &s->rxp[det];
    char red[DLP_REDACTED_MAX];
    size_t len = (size_t)(r->end - r->start);

    if (!r->open)
        return;
    r->open = false;
    if (len > DLP_MAX_TOKEN) {
        /* its first bytes may have left the ring, depending on the split */
        snprintf(red, sizeof red, "(%zu bytes)", len);
    } else if (len <= 4 && r->nhead == len) {
        dlp_redact_middle(r->head, len, 2, 2, red);
    } else if (r->nhead >= 2 && r->ntail >= 2) {
        size_t stars = len - 4 > DLP_REDACTED_MAX - 8 ? DLP_REDACTED_MAX - 8 : len - 4;
        memcpy(red, r->head, 2);
        memset(red + 2, '*', stars);
        memcpy(red + 2 + stars, r->tail + r->ntail - 2, 2);
        red[stars + 4] = '\0';
    } else {
        snprintf(red, sizeof red, "(%zu bytes)", len);
    }
    dlp_stream_report(s, det, r->start, r->end, s->e->det[det].confidence, false, red, "");
}

/* resolve_rx - a custom regex match: overlapping matches of one detector are one finding */
static void
resolve_rx(struct dlp_stream *s, const struct dlp_trig *t)
{
    int det = s->e->rx_det[t->pat & ~RX_FLAG];
    struct dlp_rx_pending *r = &s->rxp[det];
    uint8_t b[4];

    if (r->open && t->start < r->end) {
        if (t->end <= r->end)
            return;
        r->end = t->end;
    } else {
        rx_flush(s, det);
        r->open = true;
        r->start = t->start;
        r->end = t->end;
        r->nhead = dlp_stream_copy(
            s, t->start, (size_t)(t->end - t->start) < 4 ? (size_t)(t->end - t->start) : 4,
            r->head);
    }
    size_t want = (size_t)(r->end - r->start) < 4 ? (size_t)(r->end - r->start) : 4;
    r->ntail = dlp_stream_copy(s, r->end - want, want, b);
    memcpy(r->tail, b, r->ntail);
}

/* drain - resolve what has its following bytes (all of it when final) */
static void
drain(struct dlp_stream *s, bool final)
{
    const struct dlp_engine *e = s->e;

    while (s->tq.head < s->tq.len && (final || s->tq.v[s->tq.head].end + e->lookahead <= s->fed))
        resolve(s, &s->tq.v[s->tq.head++]);
    while (s->rq.head < s->rq.len && (final || s->rq.v[s->rq.head].end + 8 <= s->fed))
        resolve_rx(s, &s->rq.v[s->rq.head++]);
}

/* ring_put - keep the last bytes of a scanned piece */
static void
ring_put(struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at)
{
    size_t k = s->e->keep;
    if (n > k) {
        at += n - k;
        p += n - k;
        n = k;
    }
    size_t pos = (size_t)(at & (k - 1)), first = k - pos < n ? k - pos : n;
    memcpy(s->ring + pos, p, first);
    memcpy(s->ring, p + first, n - first);
}

/*
 * hs_feed - one piece into a Hyperscan stream. Hyperscan 5.4's AVX-512 VBMI literal matcher
 * (fat Teddy) loads 32 bytes where fewer are left, reading past the end of the buffer (fixed in
 * vectorscan, PR #333; fuzz_dlp_engine hit it as a SIGSEGV when a piece ended at an unmapped
 * page). So the last bytes of each piece (all of a short one) are scanned from a copy with
 * PAD bytes of room either side; the stream sees the same bytes in the same order.
 */
static int
hs_feed(struct dlp_stream *s, hs_stream_t *st, const uint8_t *p, size_t n, match_event_handler fn)
{
    size_t tail = n <= PAD_TAIL ? n : PAD;

    if (n > tail && hs_scan_stream(st, (const char *)p, (unsigned)(n - tail), 0, s->scratch, fn,
                                   s) != HS_SUCCESS)
        return -1;
    memcpy(s->pad + PAD, p + n - tail, tail);
    if (hs_scan_stream(st, (const char *)s->pad + PAD, (unsigned)tail, 0, s->scratch, fn, s) !=
        HS_SUCCESS)
        return -1;
    return 0;
}

/* scan_piece - scan one piece of at most CHUNK bytes and resolve what is ready */
static int
scan_piece(struct dlp_stream *s, const uint8_t *p, size_t n)
{
    s->cur = p;
    s->curlen = n;
    if (s->e->digit_pat >= 0 || s->e->passport_pat >= 0)
        dlp_digits_scan(s, p, n, s->base);
    if (s->hot != NULL && hs_feed(s, s->hot, p, n, on_hot) < 0)
        s->failed = true;
    if (s->rx != NULL && hs_feed(s, s->rx, p, n, on_rx) < 0)
        s->failed = true;
    for (size_t i = 0; i < s->e->ndet; i++)
        if (s->edm[i] != NULL)
            dlp_edm_stream_feed(s->edm[i], p, n);
    s->fed = s->base + n;
    drain(s, false);
    ring_put(s, p, n, s->base);
    s->base = s->fed;
    s->cur = NULL;
    s->curlen = 0;
    return s->failed ? -1 : 0;
}

int
dlp_stream_feed(struct dlp_stream *s, const void *data, size_t len)
{
    const uint8_t *p = data;

    if (s->failed)
        return -1;
    while (len > 0) {
        size_t n = len < CHUNK ? len : CHUNK;
        if (scan_piece(s, p, n) < 0)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

/* stream_reset - forget everything: the next text starts at offset 0 */
static void
stream_reset(struct dlp_stream *s)
{
    s->tq.head = s->tq.len = 0;
    s->rq.head = s->rq.len = 0;
    for (int f = 0; f < DLP_FAM_COUNT; f++)
        s->region_end[f] = 0;
    s->digit_run = 0;
    memset(s->det_end, 0, s->e->ndet * sizeof *s->det_end);
    memset(s->rxp, 0, s->e->ndet * sizeof *s->rxp);
    dlp_dump_reset(&s->dump);
    s->base = s->fed = 0;
    s->failed = false;
}

struct dlp_stream *
dlp_stream_new(const struct dlp_engine *e, dlp_finding_fn fn, void *ctx)
{
    struct dlp_stream *s = xcalloc(1, sizeof *s);

    s->e = e;
    s->fn = fn;
    s->ctx = ctx;
    if (e->scratch != NULL && hs_clone_scratch(e->scratch, &s->scratch) != HS_SUCCESS)
        goto out_free;
    if (e->hot_db != NULL && hs_open_stream(e->hot_db, 0, &s->hot) != HS_SUCCESS)
        goto out_free;
    if (e->rx_db != NULL && hs_open_stream(e->rx_db, 0, &s->rx) != HS_SUCCESS)
        goto out_free;
    s->ring = xmalloc(e->keep);
    s->win = xmalloc(2 * (e->window + DLP_MAX_CTXWORD) + DLP_MAX_TOKEN + 128); /* see hs_feed */
    s->det_end = xcalloc(e->ndet, sizeof *s->det_end);
    s->rxp = xcalloc(e->ndet, sizeof *s->rxp);
    s->bm = xcalloc(BM_MAX, sizeof *s->bm);
    s->edm = xcalloc(e->ndet, sizeof *s->edm);
    s->edmctx = xcalloc(e->ndet, sizeof *s->edmctx);
    for (size_t i = 0; i < e->ndet; i++) {
        if (e->det[i].edm == NULL)
            continue;
        s->edmctx[i] = (struct dlp_edm_ctx){s, (int)i};
        s->edm[i] = dlp_edm_stream_new(e->det[i].edm, on_edm, &s->edmctx[i]);
    }
    dlp_dump_reset(&s->dump);
    return s;

out_free:
    return dlp_stream_free(s);
}

int
dlp_stream_end(struct dlp_stream *s)
{
    int rc = s->failed ? -1 : 0;

    /* end-anchored custom patterns report now */
    s->cur = NULL;
    s->curlen = 0;
    if (s->hot != NULL && hs_reset_stream(s->hot, 0, s->scratch, on_hot, s) != HS_SUCCESS)
        rc = -1;
    if (s->rx != NULL && hs_reset_stream(s->rx, 0, s->scratch, on_rx, s) != HS_SUCCESS)
        rc = -1;
    drain(s, true);
    for (size_t i = 0; i < s->e->ndet; i++) {
        rx_flush(s, (int)i);
        if (s->edm[i] != NULL)
            dlp_edm_stream_end(s->edm[i]);
    }
    stream_reset(s);
    return rc;
}

struct dlp_stream *
dlp_stream_free(struct dlp_stream *s)
{
    if (s == NULL)
        return NULL;
    if (s->hot != NULL)
        hs_close_stream(s->hot, NULL, NULL, NULL);
    if (s->rx != NULL)
        hs_close_stream(s->rx, NULL, NULL, NULL);
    hs_free_scratch(s->scratch);
    for (size_t i = 0; s->edm != NULL && i < s->e->ndet; i++)
        dlp_edm_stream_free(s->edm[i]);
    free(s->edm);
    free(s->edmctx);
    free(s->tq.v);
    free(s->rq.v);
    free(s->ring);
    free(s->win);
    free(s->det_end);
    free(s->rxp);
    free(s->bm);
    free(s);
    return NULL;
}
