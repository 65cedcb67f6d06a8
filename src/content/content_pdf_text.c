/* content_pdf_text - from the strings a content stream shows to UTF-8: ToUnicode CMaps
 * (codespace ranges, bfchar, bfrange in both forms), WinAnsi for simple fonts without one, and
 * the text operators (Tj, TJ, ', ", Tf, Td, TD, T*, Tm, BT, ET) that say what is shown and
 * where lines and words end. */
#include <stdlib.h>
#include <string.h>

#include "content/content_extract_impl.h"
#include "util/mem.h"

#define PDF_MAX_OPERANDS 8      /* operands kept before a content stream operator */
#define PDF_MAX_UNITS 16        /* UTF-16 units of one CMap destination */
#define PDF_MAX_SPACES 8        /* codespace ranges kept per CMap */
#define PDF_MAX_LOOKBACK 64     /* overlapping CMap ranges looked through for one code */
#define PDF_KERN_SPACE (-200.0) /* a TJ adjustment below this (1/1000 em) is a word space */

/* Windows-1252 at 0x80-0x9F (0: undefined); elsewhere WinAnsi is Latin-1 */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

struct cmap_map {
    uint32_t lo, hi;
    uint32_t reach; /* the highest hi of this map and every one sorted before it */
    uint32_t seq;   /* definition order: a later one wins */
    uint32_t dst;   /* its first UTF-16 unit in the pool; a range adds code - lo to the last */
    uint32_t ndst;
};

struct cmap_space {
    uint32_t lo, hi;
    unsigned len;
};

struct cx_pdf_cmap {
    struct cmap_map *map;
    size_t n, cap;
    uint16_t *pool;
    size_t npool, pool_cap;
    struct cmap_space space[PDF_MAX_SPACES];
    unsigned nspace;
    unsigned code_len; /* bytes of a code that no codespace range matches */
    size_t room;       /* maps it may still add (the document's budget) */
};

/* hex_code - a CMap code (1 to 4 bytes, big-endian); its length, 0 if none */
static unsigned
hex_code(struct buf *scratch, const struct cx_pdf_tok *t, uint32_t *code)
{
    buf_reset(scratch);
    cx_pdf_hex_decode(t->p, t->n, scratch);
    if (scratch->len == 0 || scratch->len > 4)
        return 0;
    *code = 0;
    for (size_t i = 0; i < scratch->len; i++)
        *code = *code << 8 | (uint8_t)scratch->data[i];
    return (unsigned)scratch->len;
}

/* cmap_add - codes lo..hi map to the UTF-16BE destination dst (a lone byte: one unit) */
static void
cmap_add(struct cx_pdf_cmap *cm, uint32_t lo, uint32_t hi, const uint8_t *dst, size_t len)
{
    size_t units = len == 1 ? 1 : len / 2;

    if (units == 0 || hi < lo || cm->n == cm->room)
        return;
    if (units > PDF_MAX_UNITS)
        units = PDF_MAX_UNITS;
    if (cm->n == cm->cap) {
        cm->cap = cm->cap == 0 ? 64 : 2 * cm->cap;
        cm->map = xrealloc(cm->map, cm->cap * sizeof *cm->map);
    }
    while (cm->pool_cap - cm->npool < units) {
        cm->pool_cap = cm->pool_cap == 0 ? 256 : 2 * cm->pool_cap;
        cm->pool = xrealloc(cm->pool, cm->pool_cap * sizeof *cm->pool);
    }
    cm->map[cm->n] = (struct cmap_map){.lo = lo,
                                       .hi = hi,
                                       .seq = (uint32_t)cm->n,
                                       .dst = (uint32_t)cm->npool,
                                       .ndst = (uint32_t)units};
    cm->n++;
    for (size_t i = 0; i < units; i++)
        cm->pool[cm->npool++] = len == 1 ? dst[0] : (uint16_t)(dst[2 * i] << 8 | dst[2 * i + 1]);
}

/* cmap_entry - `<lo> <hi> <dst>` (bfchar: hi is lo) */
static void
cmap_entry(struct buf *scratch, struct cx_pdf_cmap *cm, const struct cx_pdf_tok *lo,
           const struct cx_pdf_tok *hi, const struct cx_pdf_tok *dst)
{
    uint32_t a, b;
    unsigned len = hex_code(scratch, lo, &a);

    if (len == 0 || hex_code(scratch, hi, &b) == 0 || dst->k != CX_PDF_HEX)
        return;
    if (cm->code_len == 0)
        cm->code_len = len;
    buf_reset(scratch);
    cx_pdf_hex_decode(dst->p, dst->n, scratch);
    cmap_add(cm, a, b, (const uint8_t *)scratch->data, scratch->len);
}

/* cmap_range - `<lo> <hi> <dst>` or `<lo> <hi> [<dst> ...]`, one destination per code */
static void
cmap_range(struct buf *scratch, struct cx_pdf_cmap *cm, const struct cx_pdf_tok *lo,
           const struct cx_pdf_tok *hi, const struct cx_pdf_tok *dst)
{
    struct cx_pdf_lex lx = {.s = dst->p, .n = dst->n};
    struct cx_pdf_tok t;
    uint32_t a, b;

    if (dst->k != CX_PDF_ARRAY) {
        cmap_entry(scratch, cm, lo, hi, dst);
        return;
    }
    if (hex_code(scratch, lo, &a) == 0 || hex_code(scratch, hi, &b) == 0)
        return;
    for (uint64_t code = a; code <= b && cx_pdf_lex_next(&lx, &t); code++) {
        if (t.k != CX_PDF_HEX)
            continue;
        buf_reset(scratch);
        cx_pdf_hex_decode(t.p, t.n, scratch);
        cmap_add(cm, (uint32_t)code, (uint32_t)code, (const uint8_t *)scratch->data, scratch->len);
    }
}

/* cmap_space - a codespace range: its codes' length in bytes */
static void
cmap_space(struct buf *scratch, struct cx_pdf_cmap *cm, const struct cx_pdf_tok *lo,
           const struct cx_pdf_tok *hi)
{
    uint32_t a, b;
    unsigned len = hex_code(scratch, lo, &a);

    if (len != 0 && hex_code(scratch, hi, &b) != 0 && cm->nspace < PDF_MAX_SPACES)
        cm->space[cm->nspace++] = (struct cmap_space){a, b, len};
}

/* cmap_parse - the codespace ranges, bfchar and bfrange entries of a ToUnicode CMap */
static void
cmap_parse(struct buf *scratch, struct cx_pdf_cmap *cm, const uint8_t *s, size_t n)
{
    enum { SEC_NONE, SEC_SPACE, SEC_CHAR, SEC_RANGE } sec = SEC_NONE;
    struct cx_pdf_lex lx = {.s = s, .n = n};
    struct cx_pdf_tok t, a[2];
    unsigned na = 0;

    while (cx_pdf_lex_next(&lx, &t)) {
        if (t.k == CX_PDF_WORD) {
            sec = cx_pdf_tok_is(&t, "begincodespacerange") ? SEC_SPACE
                  : cx_pdf_tok_is(&t, "beginbfchar")       ? SEC_CHAR
                  : cx_pdf_tok_is(&t, "beginbfrange")      ? SEC_RANGE
                                                           : SEC_NONE;
            na = 0;
            continue;
        }
        if (sec == SEC_NONE)
            continue;
        if (na < 2) {
            if (t.k != CX_PDF_HEX) { /* out of step: start again */
                na = 0;
                continue;
            }
            a[na++] = t;
            if (na < 2 || sec == SEC_RANGE)
                continue;
        }
        if (sec == SEC_SPACE)
            cmap_space(scratch, cm, &a[0], &a[1]);
        else if (sec == SEC_CHAR)
            cmap_entry(scratch, cm, &a[0], &a[0], &a[1]);
        else
            cmap_range(scratch, cm, &a[0], &a[1], &t);
        na = 0;
    }
}

static int
map_cmp(const void *pa, const void *pb)
{
    const struct cmap_map *a = pa, *b = pb;

    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* cmap_finish - maps sorted for lookup; the length of codes outside every codespace range */
static void
cmap_finish(struct cx_pdf_cmap *cm)
{
    uint32_t reach = 0;

    qsort(cm->map, cm->n, sizeof *cm->map, map_cmp);
    for (size_t i = 0; i < cm->n; i++) {
        reach = cm->map[i].hi > reach ? cm->map[i].hi : reach;
        cm->map[i].reach = reach;
    }
    for (unsigned i = 0; i < cm->nspace; i++)
        if (i == 0 || cm->space[i].len < cm->code_len)
            cm->code_len = cm->space[i].len;
    if (cm->code_len == 0)
        cm->code_len = 1;
}

/* cmap_find - the map of a code: the latest definition among those that cover it */
static const struct cmap_map *
cmap_find(const struct cx_pdf_cmap *cm, uint32_t code)
{
    size_t lo = 0, hi = cm->n;

    while (lo < hi) { /* the first map starting above code */
        size_t mid = lo + (hi - lo) / 2;
        if (cm->map[mid].lo <= code)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k > 0 && lo - k < PDF_MAX_LOOKBACK; k--) {
        if (cm->map[k - 1].hi >= code)
            return &cm->map[k - 1];
        if (cm->map[k - 1].reach < code)
            break;
    }
    return NULL;
}

/* code_len - the length of the code at s: the codespace range it falls in */
static unsigned
code_len(const struct cx_pdf_cmap *cm, const uint8_t *s, size_t n)
{
    uint32_t code = 0;

    for (unsigned len = 1; len <= 4 && len <= n; len++) {
        code = code << 8 | s[len - 1];
        for (unsigned i = 0; i < cm->nspace; i++)
            if (cm->space[i].len == len && code >= cm->space[i].lo && code <= cm->space[i].hi)
                return len;
    }
    return cm->code_len < n ? cm->code_len : (unsigned)n;
}

/* cx_pdf_cmap_free - accepts NULL; returns NULL */
struct cx_pdf_cmap *
cx_pdf_cmap_free(struct cx_pdf_cmap *cm)
{
    if (cm != NULL) {
        free(cm->map);
        free(cm->pool);
        free(cm);
    }
    return NULL;
}

/* cx_pdf_cmap_parse - a ToUnicode CMap ready for lookups, NULL if it maps nothing */
struct cx_pdf_cmap *
cx_pdf_cmap_parse(const uint8_t *s, size_t n, size_t *budget)
{
    struct cx_pdf_cmap *cm = xcalloc(1, sizeof *cm);
    struct buf scratch;

    cm->room = *budget;
    buf_init(&scratch, 0);
    cmap_parse(&scratch, cm, s, n);
    buf_release(&scratch);
    *budget -= cm->n;
    if (cm->n == 0)
        return cx_pdf_cmap_free(cm);
    cmap_finish(cm);
    return cm;
}

/* the text state of one content stream */
struct text {
    const struct cx_pdf_fonts *fonts;
    const struct cx_pdf_cmap *fallback; /* for a font not known */
    const struct cx_pdf_font *font;     /* NULL: not known */
    struct buf *out;
    struct buf str; /* the string being shown, decoded */
    bool full;      /* out is full */
    double size;
    double tm_e, tm_f; /* the last Tm's origin in this BT */
    bool tm_set;
    unsigned glyphs; /* codes shown since the last move */
    struct cx_pdf_tok op[PDF_MAX_OPERANDS];
    unsigned nop;
};

/* out_bytes - ASCII, as much of it as fits */
static void
out_bytes(struct text *t, const char *s, size_t n)
{
    size_t room = t->out->max == 0 ? n : t->out->max - t->out->len;

    if (t->full)
        return;
    if (n > room) {
        n = room;
        t->full = true;
    }
    buf_append(t->out, s, n);
}

static char
out_last(const struct text *t)
{
    return t->out->len == 0 ? '\n' : t->out->data[t->out->len - 1];
}

/* out_space - a word space, unless one is there or the line is empty */
static void
out_space(struct text *t)
{
    if (out_last(t) != '\n' && out_last(t) != ' ')
        out_bytes(t, " ", 1);
}

/* out_newline - end the line, unless it is empty (a trailing space becomes the newline) */
static void
out_newline(struct text *t)
{
    if (out_last(t) == ' ')
        t->out->data[t->out->len - 1] = '\n';
    else if (out_last(t) != '\n')
        out_bytes(t, "\n", 1);
}

/* out_cp - one character; controls, surrogates and non-characters dropped */
static void
out_cp(struct text *t, uint32_t cp)
{
    if (cp == '\t')
        cp = ' ';
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
        (cp & 0xFFFE) == 0xFFFE)
        return;
    if (!t->full && cx_utf8_put(t->out, cp) != 0)
        t->full = true;
}

/* show_units - a CMap destination: UTF-16 units, delta added to the last */
static void
show_units(struct text *t, const uint16_t *u, uint32_t n, uint32_t delta)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = u[i] + (i == n - 1 ? delta : 0);
        bool pair = false;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
            uint32_t lo = u[i + 1] + (i + 1 == n - 1 ? delta : 0);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                pair = true;
                i++;
            }
        }
        if (pair || c <= 0xFFFF) /* a range may step past a unit */
            out_cp(t, c);
    }
}

/* show_cmap - codes through a CMap */
static void
show_cmap(struct text *t, const struct cx_pdf_cmap *cm, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n && !t->full; t->glyphs++) {
        unsigned len = code_len(cm, s + i, n - i);
        uint32_t code = 0;
        for (unsigned k = 0; k < len; k++)
            code = code << 8 | s[i + k];
        const struct cmap_map *m = cmap_find(cm, code);
        if (m != NULL)
            show_units(t, cm->pool + m->dst, m->ndst, code - m->lo);
        i += len;
    }
}

/* show - a string shown in the current font: through its CMap; else, for a simple font or
 * one not known, as WinAnsi (with the fallback CMap when the font is not known) */
static void
show(struct text *t, const struct cx_pdf_tok *s)
{
    const struct cx_pdf_cmap *cm = t->fallback;

    if (s->k != CX_PDF_STR && s->k != CX_PDF_HEX)
        return;
    buf_reset(&t->str);
    if (s->k == CX_PDF_STR)
        cx_pdf_literal_decode(s->p, s->n, &t->str);
    else
        cx_pdf_hex_decode(s->p, s->n, &t->str);
    if (t->font != NULL) {
        cm = t->font->cmap;
        if (cm == NULL && t->font->composite)
            return; /* CIDs, with nothing to say what they are */
    }
    if (cm != NULL) {
        show_cmap(t, cm, (const uint8_t *)t->str.data, t->str.len);
        return;
    }
    for (size_t i = 0, j; i < t->str.len; i = j) {
        const uint8_t *b = (const uint8_t *)t->str.data;
        for (j = i; j < t->str.len && b[j] >= 0x20 && b[j] < 0x7F; j++)
            ;
        if (j > i) { /* printable ASCII in one piece */
            out_bytes(t, t->str.data + i, j - i);
            continue;
        }
        out_cp(t, b[i] >= 0x80 && b[i] < 0xA0 ? cp1252_high[b[i] - 0x80] : b[i]);
        j++;
    }
    t->glyphs += (unsigned)t->str.len;
}

/* operand - the operand `back` places before the operator, when of kind k */
static const struct cx_pdf_tok *
operand(const struct text *t, unsigned back, enum cx_pdf_tok_kind k)
{
    return back <= t->nop && t->op[t->nop - back].k == k ? &t->op[t->nop - back] : NULL;
}

/* last_string - the string operand of Tj, ' and " */
static const struct cx_pdf_tok *
last_string(const struct text *t)
{
    const struct cx_pdf_tok *s = operand(t, 1, CX_PDF_STR);

    return s != NULL ? s : operand(t, 1, CX_PDF_HEX);
}

static void
op_bt(struct text *t, struct cx_pdf_lex *lx)
{
    t->tm_set = false;
    t->glyphs = 0;
}

static void
op_newline(struct text *t, struct cx_pdf_lex *lx)
{
    out_newline(t);
    t->glyphs = 0;
}

/* op_tf - `/F1 12 Tf`: the font by its resource name */
static void
op_tf(struct text *t, struct cx_pdf_lex *lx)
{
    const struct cx_pdf_tok *name = operand(t, 2, CX_PDF_NAME), *size = operand(t, 1, CX_PDF_NUM);

    t->font = NULL;
    if (size != NULL && size->num != 0)
        t->size = size->num < 0 ? -size->num : size->num;
    for (unsigned i = 0; name != NULL && i < t->fonts->n; i++)
        if (t->fonts->f[i].nlen == name->n && memcmp(t->fonts->f[i].name, name->p, name->n) == 0) {
            t->font = &t->fonts->f[i];
            break;
        }
}

/* op_td - Td and TD: a vertical move ends the line; a horizontal one wider than the glyphs
 * shown since the last move (at half an em each, widths unknown) is a word space */
static void
op_td(struct text *t, struct cx_pdf_lex *lx)
{
    const struct cx_pdf_tok *tx = operand(t, 2, CX_PDF_NUM), *ty = operand(t, 1, CX_PDF_NUM);

    if (tx == NULL || ty == NULL)
        return;
    if (ty->num != 0)
        out_newline(t);
    else if (tx->num > (0.5 * t->glyphs + 0.2) * t->size)
        out_space(t);
    t->glyphs = 0;
}

/* op_tm - a new text matrix: further along the same baseline is a space, else a new line */
static void
op_tm(struct text *t, struct cx_pdf_lex *lx)
{
    const struct cx_pdf_tok *e = operand(t, 2, CX_PDF_NUM), *f = operand(t, 1, CX_PDF_NUM);

    if (e == NULL || f == NULL)
        return;
    if (t->tm_set && f->num == t->tm_f && e->num > t->tm_e)
        out_space(t);
    else
        out_newline(t);
    t->tm_set = true;
    t->tm_e = e->num;
    t->tm_f = f->num;
    t->glyphs = 0;
}

static void
op_tj(struct text *t, struct cx_pdf_lex *lx)
{
    const struct cx_pdf_tok *s = last_string(t);

    if (s != NULL)
        show(t, s);
}

/* op_quote - ' and ": next line, then show */
static void
op_quote(struct text *t, struct cx_pdf_lex *lx)
{
    op_newline(t, lx);
    op_tj(t, lx);
}

/* op_tj_array - TJ: strings, and adjustments of which a large one is a word space */
static void
op_tj_array(struct text *t, struct cx_pdf_lex *lx)
{
    const struct cx_pdf_tok *a = operand(t, 1, CX_PDF_ARRAY);
    struct cx_pdf_lex al;
    struct cx_pdf_tok e;

    if (a == NULL)
        return;
    al = (struct cx_pdf_lex){.s = a->p, .n = a->n};
    while (!t->full && cx_pdf_lex_next(&al, &e)) {
        if (e.k == CX_PDF_STR || e.k == CX_PDF_HEX)
            show(t, &e);
        else if (e.k == CX_PDF_NUM && e.num < PDF_KERN_SPACE)
            out_space(t);
    }
}

/* op_id - an inline image's data, skipped to its EI */
static void
op_id(struct text *t, struct cx_pdf_lex *lx)
{
    for (size_t i = lx->i + 1; i < lx->n;) {
        const uint8_t *h = memmem(lx->s + i, lx->n - i, "EI", 2);
        if (h == NULL)
            break;
        size_t at = (size_t)(h - lx->s);
        if (cx_pdf_is_space(lx->s[at - 1]) &&
            (at + 2 == lx->n || !cx_pdf_is_regular(lx->s[at + 2]))) {
            lx->i = at + 2;
            return;
        }
        i = at + 1;
    }
    lx->i = lx->n;
}

/* the content stream operators that matter to text */
static const struct text_op {
    const char *name;
    void (*run)(struct text *t, struct cx_pdf_lex *lx);
} text_ops[] = {
    {"Tj", op_tj},    {"TJ", op_tj_array}, {"Td", op_td},      {"TD", op_td},
    {"Tf", op_tf},    {"Tm", op_tm},       {"T*", op_newline}, {"'", op_quote},
    {"\"", op_quote}, {"BT", op_bt},       {"ET", op_newline}, {"ID", op_id},
};

/* text_op_of - the text operator a word names, or NULL: most are graphics operators, which
 * the first letter tells apart */
static const struct text_op *
text_op_of(const struct cx_pdf_tok *tk)
{
    if (tk->n > 2 || strchr("TBEI'\"", tk->p[0]) == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof text_ops / sizeof text_ops[0]; i++)
        if (cx_pdf_tok_is(tk, text_ops[i].name))
            return &text_ops[i];
    return NULL;
}

/* cx_pdf_text_run - operands collected, text operators run, the rest passed over */
bool
cx_pdf_text_run(const uint8_t *s, size_t n, const struct cx_pdf_fonts *fonts,
                const struct cx_pdf_cmap *fallback, struct buf *out)
{
    struct text t = {.fonts = fonts, .fallback = fallback, .out = out, .size = 1};
    struct cx_pdf_lex lx = {.s = s, .n = n};
    struct cx_pdf_tok tk;

    buf_init(&t.str, 0);
    out_newline(&t);
    while (!t.full && cx_pdf_lex_next(&lx, &tk)) {
        if (tk.k == CX_PDF_CLOSE)
            continue;
        if (tk.k != CX_PDF_WORD) {
            if (t.nop == PDF_MAX_OPERANDS) {
                memmove(t.op, t.op + 1, (PDF_MAX_OPERANDS - 1) * sizeof t.op[0]);
                t.nop--;
            }
            t.op[t.nop++] = tk;
            continue;
        }
        const struct text_op *op = text_op_of(&tk);
        if (op != NULL)
            op->run(&t, &lx);
        t.nop = 0;
    }
    buf_release(&t.str);
    return !t.full;
}
