/* content_pdf - the text of PDF files, for the DLP detectors. The file is scanned for its
 * objects (`N G obj`) rather than read through its xref, so damaged and truncated files give
 * what they hold; object streams are opened for the dictionaries inside them. Streams are read
 * unfiltered or through Flate, ASCII85 and ASCIIHex (the filters text can be behind: others
 * are for images, or obsolete), ToUnicode CMaps map
 * each font's codes to Unicode, and the text shown by the text operators of page and form
 * content streams comes out as UTF-8, a line per text line. */
#define ZLIB_CONST
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "content/content_extract_impl.h"
#include "util/mem.h"

#define PDF_MAX_OBJECTS (1u << 19) /* objects indexed; the rest of the file is not read */
#define PDF_MAX_MAPS (1u << 19)    /* CMap entries kept, all fonts together */
#define PDF_MAX_CHAIN 32           /* /Parent links followed for inherited /Resources */
#define PDF_EOF_TAIL 1024          /* a whole file has %%EOF in its last bytes */
#define PDF_MAX_FILTERS 4          /* filters in a stream's chain */
/* dictionary bytes looked through per byte of input, at most: inherited resources and long
 * /Kids arrays could otherwise be scanned again for every page */
#define PDF_WORK_FACTOR 32

/* val - a dictionary value: one token, or a reference `N G R` (ref N; 0 when not one) */
struct val {
    struct cx_pdf_tok t;
    uint32_t ref;
};

enum obj_kind { OBJ_OTHER, OBJ_PAGE, OBJ_OBJSTM, OBJ_NOTEXT };
enum obj_filter { FILTER_FLATE, FILTER_A85, FILTER_AHX };

struct pdf_obj {
    uint32_t num;
    uint32_t seq;        /* file order: a later definition replaces an earlier one */
    const uint8_t *dict; /* its dictionary's inside, in the file or a decoded object stream */
    size_t dict_len;
    size_t data, data_len; /* its stream's bytes in the file */
    uint32_t tounicode;    /* the object number of its /ToUnicode, 0 if none */
    uint8_t kind;
    uint8_t filter[PDF_MAX_FILTERS]; /* its /Filter chain, in the order applied */
    uint8_t nfilter;
    bool stream, used; /* has a stream; read already (as content or as a CMap) */
    bool unreadable;   /* a filter not read here, or a predictor */
};

/* a ToUnicode CMap and the stream it came from */
struct pdf_cmap {
    uint32_t obj;
    struct cx_pdf_cmap *map;
};

struct pdf {
    struct cx_walk *w;
    const uint8_t *d;
    size_t len;
    struct pdf_obj *obj; /* in file order (members of object streams after the rest) */
    size_t nobj, cap;
    uint32_t *by_num; /* indices into obj by number, then seq */
    size_t nby;
    struct buf *objstm; /* decoded object streams, which objects point into */
    size_t nobjstm;
    struct pdf_cmap *cmap; /* by object number */
    size_t ncmap;
    size_t maps_left;  /* of PDF_MAX_MAPS */
    struct buf stream; /* the stream being read, decoded */
    struct buf stage;  /* a stage of a filter chain */
    struct buf *out;
    uint64_t work, work_max;
    size_t endobj; /* the next "endobj" found, when have_endobj */
    bool have_endobj;
    uint32_t cache_num; /* the object whose inherited fonts are in cache */
    struct cx_pdf_fonts cache;
    unsigned anom;
    bool full; /* out is full */
};

/* value_next - the next value, `N G R` taken together as a reference */
static void
value_next(struct cx_pdf_lex *lx, struct val *v)
{
    struct cx_pdf_lex save;
    struct cx_pdf_tok g, r;
    uint64_t num;

    v->ref = 0;
    if (!cx_pdf_lex_next(lx, &v->t) || !cx_pdf_tok_uint(&v->t, 2147483648.0, &num) || num == 0)
        return;
    save = *lx;
    if (cx_pdf_lex_next(lx, &g) && g.k == CX_PDF_NUM && cx_pdf_lex_next(lx, &r) &&
        r.k == CX_PDF_WORD && cx_pdf_tok_is(&r, "R"))
        v->ref = (uint32_t)num;
    else
        *lx = save;
}

/* dict_next - the next key of a dictionary's inside and its value; false at the end or once
 * the work allowed for dictionaries is spent */
static bool
dict_next(struct pdf *p, struct cx_pdf_lex *lx, struct cx_pdf_tok *key, struct val *v)
{
    size_t from = lx->i;
    bool ok;

    do
        ok = cx_pdf_lex_next(lx, key);
    while (ok && key->k != CX_PDF_NAME);
    if (ok)
        value_next(lx, v);
    p->work += lx->i - from;
    return ok && p->work <= p->work_max;
}

/* dict_get - the value of key in the dictionary inside s */
static bool
dict_get(struct pdf *p, const uint8_t *s, size_t n, const char *key, struct val *v)
{
    struct cx_pdf_lex lx = {.s = s, .n = n};
    struct cx_pdf_tok k;

    while (dict_next(p, &lx, &k, v))
        if (cx_pdf_tok_is(&k, key))
            return true;
    return false;
}

/* obj_find - the definition of object num that counts (the last in the file), or NULL */
static struct pdf_obj *
obj_find(struct pdf *p, uint32_t num)
{
    size_t lo = 0, hi = p->nby;

    while (lo < hi) { /* the first with a number above num */
        size_t mid = lo + (hi - lo) / 2;
        if (p->obj[p->by_num[mid]].num <= num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && p->obj[p->by_num[lo - 1]].num == num ? &p->obj[p->by_num[lo - 1]] : NULL;
}

static bool
obj_counts(struct pdf *p, const struct pdf_obj *o)
{
    return obj_find(p, o->num) == o;
}

/* val_dict - the inside of a dictionary given directly or by reference */
static bool
val_dict(struct pdf *p, const struct val *v, const uint8_t **s, size_t *n)
{
    if (v->ref != 0) {
        const struct pdf_obj *o = obj_find(p, v->ref);
        if (o == NULL || o->dict == NULL)
            return false;
        *s = o->dict;
        *n = o->dict_len;
        return true;
    }
    if (v->t.k != CX_PDF_DICT)
        return false;
    *s = v->t.p;
    *n = v->t.n;
    return true;
}

/* filter_code - a filter read here, by its name or abbreviation; -1 for any other */
static int
filter_code(const struct cx_pdf_tok *t)
{
    static const struct {
        const char *name, *abbrev;
        enum obj_filter code;
    } names[] = {{"FlateDecode", "Fl", FILTER_FLATE},
                 {"ASCII85Decode", "A85", FILTER_A85},
                 {"ASCIIHexDecode", "AHx", FILTER_AHX}};

    for (size_t i = 0; t->k == CX_PDF_NAME && i < sizeof names / sizeof names[0]; i++)
        if (cx_pdf_tok_is(t, names[i].name) || cx_pdf_tok_is(t, names[i].abbrev))
            return (int)names[i].code;
    return -1;
}

/* filter_chain - /Filter's value (a name or an array of names) as the object's chain */
static void
filter_chain(const struct val *v, struct pdf_obj *o)
{
    struct cx_pdf_lex lx = {.s = v->t.p, .n = v->t.n};
    struct cx_pdf_tok t;
    int code;

    o->nfilter = 0;
    if (v->ref == 0 && v->t.k == CX_PDF_WORD && cx_pdf_tok_is(&v->t, "null"))
        return;
    if (v->ref != 0 || (v->t.k != CX_PDF_NAME && v->t.k != CX_PDF_ARRAY)) {
        o->unreadable = true;
        return;
    }
    if (v->t.k == CX_PDF_NAME) {
        t = v->t;
        lx.n = 0;
    } else if (!cx_pdf_lex_next(&lx, &t)) {
        return; /* [] */
    }
    do {
        code = filter_code(&t);
        if (code < 0 || o->nfilter == PDF_MAX_FILTERS) {
            o->unreadable = true;
            return;
        }
        o->filter[o->nfilter++] = (uint8_t)code;
    } while (cx_pdf_lex_next(&lx, &t));
}

/* has_predictor - /DecodeParms with a PNG or TIFF predictor, which only images and xref
 * streams use */
static bool
has_predictor(struct pdf *p, const struct val *v)
{
    struct cx_pdf_lex lx = {.s = v->t.p, .n = v->t.n};
    struct val pred;
    struct cx_pdf_tok t;
    uint64_t n;

    if (v->ref == 0 && v->t.k == CX_PDF_ARRAY) {
        while (cx_pdf_lex_next(&lx, &t))
            if (t.k == CX_PDF_DICT)
                return dict_get(p, t.p, t.n, "Predictor", &pred) &&
                       !(cx_pdf_tok_uint(&pred.t, 1e9, &n) && n <= 1);
        return false;
    }
    return v->ref == 0 && v->t.k == CX_PDF_DICT &&
           dict_get(p, v->t.p, v->t.n, "Predictor", &pred) &&
           !(cx_pdf_tok_uint(&pred.t, 1e9, &n) && n <= 1);
}

/* keys, or keys with a name value, that mark a stream holding no text: xref, metadata, images,
 * embedded fonts, functions, shadings, patterns, ICC profiles, embedded files */
static const struct {
    const char *key, *value;
} no_text[] = {
    {"Type", "XRef"},        {"Type", "Metadata"},  {"Type", "EmbeddedFile"},
    {"Subtype", "Image"},    {"Subtype", "Type1C"}, {"Subtype", "CIDFontType0C"},
    {"Subtype", "OpenType"}, {"Subtype", "XML"},    {"Length1", NULL},
    {"Length2", NULL},       {"Length3", NULL},     {"FunctionType", NULL},
    {"ShadingType", NULL},   {"PatternType", NULL}, {"Alternate", NULL},
};

/* classify - what an object is, from one pass over its dictionary; *length: /Length when it
 * is a direct integer, else -1 */
static void
classify(struct pdf *p, struct pdf_obj *o, int64_t *length)
{
    struct cx_pdf_lex lx = {.s = o->dict, .n = o->dict_len};
    struct cx_pdf_tok k;
    struct val v;
    uint64_t n;
    bool predictor = false;

    *length = -1;
    while (dict_next(p, &lx, &k, &v)) {
        for (size_t i = 0; i < sizeof no_text / sizeof no_text[0]; i++)
            if (cx_pdf_tok_is(&k, no_text[i].key) &&
                (no_text[i].value == NULL ||
                 (v.t.k == CX_PDF_NAME && cx_pdf_tok_is(&v.t, no_text[i].value))))
                o->kind = OBJ_NOTEXT;
        if (cx_pdf_tok_is(&k, "Type") && v.t.k == CX_PDF_NAME && o->kind != OBJ_NOTEXT)
            o->kind = cx_pdf_tok_is(&v.t, "Page")     ? OBJ_PAGE
                      : cx_pdf_tok_is(&v.t, "ObjStm") ? OBJ_OBJSTM
                                                      : o->kind;
        else if (cx_pdf_tok_is(&k, "Length") && v.ref == 0 && cx_pdf_tok_uint(&v.t, 1e15, &n))
            *length = (int64_t)n;
        else if (cx_pdf_tok_is(&k, "Filter"))
            filter_chain(&v, o);
        else if (cx_pdf_tok_is(&k, "DecodeParms"))
            predictor = has_predictor(p, &v);
        else if (cx_pdf_tok_is(&k, "ToUnicode"))
            o->tounicode = v.ref;
    }
    o->unreadable = o->unreadable || predictor;
}

/* obj_add - index one object; false once PDF_MAX_OBJECTS are */
static bool
obj_add(struct pdf *p, const struct pdf_obj *o)
{
    if (p->nobj == PDF_MAX_OBJECTS) {
        p->anom |= CONTENT_ANOM_SIZE;
        return false;
    }
    if (p->nobj == p->cap) {
        p->cap = p->cap == 0 ? 64 : 2 * p->cap;
        p->obj = xrealloc(p->obj, p->cap * sizeof *p->obj);
    }
    p->obj[p->nobj++] = *o;
    return true;
}

/* obj_header - whether "obj" at `at` follows `N G `; its number in *num */
static bool
obj_header(const uint8_t *d, size_t at, uint32_t *num)
{
    size_t i = at, k;
    uint64_t v = 0;

    if (i == 0 || !cx_pdf_is_space(d[i - 1]))
        return false;
    while (i > 0 && cx_pdf_is_space(d[i - 1]))
        i--;
    for (k = i; i > 0 && k - i < 6 && d[i - 1] >= '0' && d[i - 1] <= '9'; i--)
        ;
    if (i == k || i == 0 || !cx_pdf_is_space(d[i - 1]))
        return false;
    while (i > 0 && cx_pdf_is_space(d[i - 1]))
        i--;
    for (k = i; i > 0 && k - i < 10 && d[i - 1] >= '0' && d[i - 1] <= '9'; i--)
        ;
    if (i == k || (i > 0 && cx_pdf_is_regular(d[i - 1])))
        return false;
    for (; i < k; i++)
        v = v * 10 + (uint64_t)(d[i] - '0');
    if (v == 0 || v >= 2147483648u)
        return false;
    *num = (uint32_t)v;
    return true;
}

/* stream_extent - where a stream's data ends: /Length when it leads to `endstream`, else the
 * next `endstream`; returns where scanning goes on */
static size_t
stream_extent(struct pdf *p, struct pdf_obj *o, size_t start, int64_t length)
{
    const uint8_t *d = p->d, *end;
    size_t n = p->len, e;

    o->stream = true;
    o->data = start;
    if (length >= 0 && (uint64_t)length <= n - start) {
        for (e = start + (size_t)length; e < n && cx_pdf_is_space(d[e]); e++)
            ;
        if (n - e >= 9 && memcmp(d + e, "endstream", 9) == 0) {
            o->data_len = (size_t)length;
            return e + 9;
        }
    }
    end = memmem(d + start, n - start, "endstream", 9);
    if (end == NULL) { /* cut short */
        p->anom |= CONTENT_ANOM_CORRUPT;
        o->data_len = n - start;
        return n;
    }
    e = (size_t)(end - d);
    o->data_len = e - start;
    if (o->data_len > 0 && d[start + o->data_len - 1] == '\n')
        o->data_len--;
    if (o->data_len > 0 && d[start + o->data_len - 1] == '\r')
        o->data_len--;
    return e + 9;
}

/* next_endobj - where the next "endobj" at or after i is (the file's end if none); found once
 * for all the objects before it */
static size_t
next_endobj(struct pdf *p, size_t i)
{
    if (!p->have_endobj || p->endobj < i) {
        const uint8_t *e = memmem(p->d + i, p->len - i, "endobj", 6);
        p->endobj = e != NULL ? (size_t)(e - p->d) : p->len;
        p->have_endobj = true;
    }
    return p->endobj;
}

/* index_one - the object whose body starts at i: its dictionary, its stream; returns where
 * scanning goes on. The dictionary is looked for before the next "endobj" only: an unclosed
 * one would otherwise be scanned to the end of the file, again for every object after it. */
static size_t
index_one(struct pdf *p, uint32_t num, size_t i)
{
    size_t j = cx_pdf_skip_space(p->d, p->len, i), end;
    struct pdf_obj o = {.num = num, .seq = (uint32_t)p->nobj};
    struct cx_pdf_lex lx;
    struct cx_pdf_tok t;
    int64_t length;

    if (p->len - j < 2 || p->d[j] != '<' || p->d[j + 1] != '<')
        return i; /* not a dictionary: nothing we read */
    end = next_endobj(p, j);
    lx = (struct cx_pdf_lex){.s = p->d, .n = end, .i = j};
    if (!cx_pdf_lex_next(&lx, &t) || lx.unclosed) {
        p->anom |= CONTENT_ANOM_CORRUPT;
        return end;
    }
    o.dict = t.p;
    o.dict_len = t.n;
    classify(p, &o, &length);
    i = lx.i;
    j = cx_pdf_skip_space(p->d, p->len, i);
    if (p->len - j >= 6 && memcmp(p->d + j, "stream", 6) == 0 &&
        (p->len - j == 6 || cx_pdf_is_space(p->d[j + 6]))) {
        j += 6;
        if (j < p->len && p->d[j] == '\r')
            j++;
        if (j < p->len && p->d[j] == '\n')
            j++;
        i = stream_extent(p, &o, j, length);
    }
    obj_add(p, &o);
    return i;
}

/* index_objects - every `N G obj` of the file */
static void
index_objects(struct pdf *p)
{
    size_t i = 0;

    while (p->len - i >= 3 && p->nobj < PDF_MAX_OBJECTS) {
        const uint8_t *hit = memmem(p->d + i, p->len - i, "obj", 3);
        uint32_t num;
        if (hit == NULL)
            break;
        i = (size_t)(hit - p->d) + 3;
        if (obj_header(p->d, i - 3, &num) && (i == p->len || !cx_pdf_is_regular(p->d[i])))
            i = index_one(p, num, i);
    }
}

/* inflate_room - how many bytes a stream of n compressed bytes may inflate to, and the anomaly
 * when it would go past: max_entry_bytes, the ratio past CX_RATIO_FLOOR, what is left of
 * max_total_bytes */
static uint64_t
inflate_room(const struct cx_walk *w, size_t n, unsigned *bit)
{
    uint64_t room = w->lim.max_entry_bytes, left = w->lim.max_total_bytes - w->total;

    *bit = CONTENT_ANOM_SIZE;
    if (w->lim.max_ratio != 0) {
        uint64_t cap = (uint64_t)n > UINT64_MAX / w->lim.max_ratio ? UINT64_MAX
                                                                   : (uint64_t)n * w->lim.max_ratio;
        if (cap < CX_RATIO_FLOOR)
            cap = CX_RATIO_FLOOR;
        if (cap < room) {
            room = cap;
            *bit = CONTENT_ANOM_RATIO;
        }
    }
    if (left < room) {
        room = left;
        *bit = CONTENT_ANOM_SIZE;
    }
    return room > SIZE_MAX - 1 ? SIZE_MAX - 1 : room;
}

/* inflate_into - a Flate stream into dst, within the walk's limits; what came out before an
 * error or a limit is kept */
static void
inflate_into(struct pdf *p, const uint8_t *src, size_t n, struct buf *dst)
{
    struct cx_walk *w = p->w;
    uint8_t chunk[16384];
    z_stream z;
    unsigned bit;
    int r = Z_OK;
    bool cut = false;

    buf_reset(dst);
    if (w->stop || w->total >= w->lim.max_total_bytes) {
        w->stop = true;
        p->anom |= CONTENT_ANOM_SIZE;
        return;
    }
    uint64_t room = inflate_room(w, n, &bit);
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        p->anom |= CONTENT_ANOM_CORRUPT;
        return;
    }
    z.next_in = src;
    while (r == Z_OK && !cut) {
        if (z.avail_in == 0) { /* avail_in is 32 bits: feed large streams in pieces */
            size_t left = n - (size_t)(z.next_in - src);
            z.avail_in = left > (1u << 30) ? 1u << 30 : (uInt)left;
        }
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        r = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (got > room - dst->len) {
            got = (size_t)(room - dst->len);
            cut = true;
        }
        buf_append(dst, chunk, got);
        w->total += got;
    }
    if (cut) {
        p->anom |= bit;
        w->stop = w->stop || w->total >= w->lim.max_total_bytes;
    } else if (r != Z_STREAM_END) {
        p->anom |= CONTENT_ANOM_CORRUPT; /* bad data, or cut short (Z_BUF_ERROR) */
    }
    inflateEnd(&z);
}

/* put_be32 - the first n bytes of v, big-endian */
static void
put_be32(struct buf *out, uint32_t v, size_t n)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    buf_append(out, b, n);
}

/* a85_decode - ASCII base-85 (ISO 32000-1 7.4.3): five characters from '!' to 'u' give four
 * bytes, 'z' four zeros, a short last group fewer; white space ignored, "~>" ends it; at most
 * about max bytes ('z' makes four of one) */
static void
a85_decode(const uint8_t *s, size_t n, uint64_t max, struct buf *out)
{
    uint32_t v = 0;
    unsigned k = 0;

    buf_reset(out);
    for (size_t i = 0; i < n && s[i] != '~' && out->len < max; i++) {
        if (s[i] == 'z' && k == 0) {
            buf_append(out, "\0\0\0\0", 4);
        } else if (s[i] >= '!' && s[i] <= 'u') {
            v = v * 85 + (uint32_t)(s[i] - '!'); /* a group past 2^32 wraps: bad data */
            if (++k == 5) {
                put_be32(out, v, 4);
                v = k = 0;
            }
        }
    }
    if (k > 1) {
        for (unsigned j = k; j < 5; j++)
            v = v * 85 + 84;
        put_be32(out, v, k - 1);
    }
}

/* stream_bytes - a stream's data decoded: the file's own bytes when unfiltered, else the last
 * stage of its filter chain, in dst (stages alternate between dst and p->stage); false for a
 * filter not read here */
static bool
stream_bytes(struct pdf *p, const struct pdf_obj *o, struct buf *dst, const uint8_t **s, size_t *n)
{
    const uint8_t *in = p->d + o->data;
    size_t len = o->data_len;

    if (o->unreadable)
        return false;
    for (unsigned i = 0; i < o->nfilter; i++) {
        struct buf *b = (o->nfilter - 1 - i) % 2 == 0 ? dst : &p->stage;
        const uint8_t *gt;
        switch (o->filter[i]) {
        case FILTER_FLATE:
            inflate_into(p, in, len, b);
            break;
        case FILTER_A85:
            a85_decode(in, len, p->w->lim.max_entry_bytes, b);
            break;
        default: /* ASCIIHex: up to its '>' */
            gt = memchr(in, '>', len);
            buf_reset(b);
            cx_pdf_hex_decode(in, gt != NULL ? (size_t)(gt - in) : len, b);
        }
        in = (const uint8_t *)b->data;
        len = b->len;
    }
    *s = in;
    *n = len;
    return true;
}

/* objstm_member - index the object at [off, end) of a decoded object stream when it is a
 * dictionary */
static void
objstm_member(struct pdf *p, const struct buf *b, uint32_t seq, uint64_t num, size_t off,
              size_t end)
{
    struct cx_pdf_lex lx = {.s = (const uint8_t *)b->data, .n = end, .i = off};
    struct pdf_obj o = {.num = (uint32_t)num, .seq = seq};
    struct cx_pdf_tok t;
    int64_t length;

    if (num == 0 || num >= 2147483648u || !cx_pdf_lex_next(&lx, &t) || t.k != CX_PDF_DICT)
        return;
    o.dict = t.p;
    o.dict_len = t.n;
    classify(p, &o, &length);
    o.kind = o.kind == OBJ_PAGE ? OBJ_PAGE : OBJ_OTHER; /* no streams in here */
    obj_add(p, &o);
}

/* objstm_open - the objects of one object stream (PDF 1.5): `num offset` pairs, then the
 * objects from /First on */
static void
objstm_open(struct pdf *p, size_t idx)
{
    struct pdf_obj os = p->obj[idx];
    struct buf b;
    struct val v;
    uint64_t first = 0, num = 0, off = 0, prev_num = 0, prev_off = 0;
    const uint8_t *s;
    size_t n;
    bool have = false;

    if (!dict_get(p, os.dict, os.dict_len, "First", &v) || !cx_pdf_tok_uint(&v.t, 1e15, &first))
        return;
    buf_init(&b, 0);
    if (!stream_bytes(p, &os, &b, &s, &n) || first > n) {
        buf_release(&b);
        return;
    }
    if (s != (const uint8_t *)b.data) /* unfiltered: keep a copy like the others */
        buf_set(&b, s, n);
    struct cx_pdf_lex lx = {.s = (const uint8_t *)b.data, .n = (size_t)first};
    struct cx_pdf_tok tn, to;
    while (cx_pdf_lex_next(&lx, &tn) && cx_pdf_lex_next(&lx, &to) &&
           cx_pdf_tok_uint(&tn, 1e15, &num) && cx_pdf_tok_uint(&to, 1e15, &off) &&
           first + off <= b.len && p->nobj < PDF_MAX_OBJECTS) {
        if (have && off > prev_off)
            objstm_member(p, &b, os.seq, prev_num, (size_t)(first + prev_off),
                          (size_t)(first + off));
        prev_num = num;
        prev_off = off;
        have = true;
    }
    if (have)
        objstm_member(p, &b, os.seq, prev_num, (size_t)(first + prev_off), b.len);
    p->work_max += (uint64_t)b.len * PDF_WORK_FACTOR;
    p->objstm = xrealloc(p->objstm, (p->nobjstm + 1) * sizeof *p->objstm);
    p->objstm[p->nobjstm++] = b; /* the data stays where it is: objects point into it */
}

/* by_num_cmp - by number, then by place in the file */
static int
by_num_cmp(const void *a, const void *b, void *u)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const struct pdf_obj *obj = u, *x = &obj[i], *y = &obj[j];

    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* index_all - the file's objects, those of its object streams, and the lookup by number */
static void
index_all(struct pdf *p)
{
    size_t top;

    index_objects(p);
    top = p->nobj;
    p->by_num = xcalloc(top + 1, sizeof *p->by_num);
    for (size_t i = 0; i < top; i++)
        p->by_num[i] = (uint32_t)i;
    qsort_r(p->by_num, top, sizeof *p->by_num, by_num_cmp, p->obj);
    p->nby = top;
    for (size_t i = 0; i < top; i++)
        if (p->obj[i].kind == OBJ_OBJSTM && p->obj[i].stream && obj_counts(p, &p->obj[i]))
            objstm_open(p, i);
    if (p->nobj == top)
        return;
    p->by_num = xrealloc(p->by_num, p->nobj * sizeof *p->by_num);
    for (size_t i = 0; i < p->nobj; i++)
        p->by_num[i] = (uint32_t)i;
    qsort_r(p->by_num, p->nobj, sizeof *p->by_num, by_num_cmp, p->obj);
    p->nby = p->nobj;
}

static int
u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* load_cmaps - every stream a /ToUnicode names, parsed once */
static void
load_cmaps(struct pdf *p)
{
    uint32_t *refs = xcalloc(p->nobj + 1, sizeof *refs);
    size_t nr = 0, n;
    const uint8_t *s;

    for (size_t i = 0; i < p->nobj; i++)
        if (p->obj[i].tounicode != 0)
            refs[nr++] = p->obj[i].tounicode;
    qsort(refs, nr, sizeof *refs, u32_cmp);
    p->cmap = xcalloc(nr + 1, sizeof *p->cmap);
    for (size_t i = 0; i < nr; i++) {
        struct pdf_obj *o = obj_find(p, refs[i]);
        if ((i > 0 && refs[i] == refs[i - 1]) || o == NULL || !o->stream || o->used ||
            !stream_bytes(p, o, &p->stream, &s, &n))
            continue;
        struct cx_pdf_cmap *map = cx_pdf_cmap_parse(s, n, &p->maps_left);
        if (map == NULL)
            continue;
        o->used = true;
        p->cmap[p->ncmap++] = (struct pdf_cmap){refs[i], map};
    }
    free(refs);
}

/* cmap_of - the CMap parsed from object num, or NULL */
static const struct cx_pdf_cmap *
cmap_of(const struct pdf *p, uint32_t num)
{
    size_t lo = 0, hi = p->ncmap;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cmap[mid].obj == num)
            return p->cmap[mid].map;
        if (p->cmap[mid].obj < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* font_of - a font dictionary's CMap, and whether it is composite */
static void
font_of(struct pdf *p, const uint8_t *s, size_t n, struct cx_pdf_font *f)
{
    struct cx_pdf_lex lx = {.s = s, .n = n};
    struct cx_pdf_tok k;
    struct val v;

    f->cmap = NULL;
    f->composite = false;
    while (dict_next(p, &lx, &k, &v)) {
        if (cx_pdf_tok_is(&k, "ToUnicode") && v.ref != 0)
            f->cmap = cmap_of(p, v.ref);
        else if (cx_pdf_tok_is(&k, "Subtype") && v.t.k == CX_PDF_NAME)
            f->composite = cx_pdf_tok_is(&v.t, "Type0");
    }
}

/* fonts_of - the fonts of a /Resources dictionary, given directly or by reference */
static void
fonts_of(struct pdf *p, const struct val *res, struct cx_pdf_fonts *fs)
{
    const uint8_t *s, *fd;
    size_t n, fn;
    struct val v;
    struct cx_pdf_tok k;

    fs->n = 0;
    if (!val_dict(p, res, &s, &n) || !dict_get(p, s, n, "Font", &v) || !val_dict(p, &v, &s, &n))
        return;
    struct cx_pdf_lex lx = {.s = s, .n = n};
    while (fs->n < CX_PDF_MAX_FONTS && dict_next(p, &lx, &k, &v)) {
        if (!val_dict(p, &v, &fd, &fn))
            continue;
        struct cx_pdf_font *f = &fs->f[fs->n++];
        f->name = k.p;
        f->nlen = k.n;
        font_of(p, fd, fn, f);
    }
}

/* page_fonts - a page's fonts, from its /Resources or the nearest ancestor's; the answer for
 * its parent is cached, as the pages of one parent usually come one after another */
static void
page_fonts(struct pdf *p, const struct pdf_obj *page, struct cx_pdf_fonts *fs)
{
    const struct pdf_obj *o = page;
    uint32_t parent = 0;
    struct val v;

    fs->n = 0;
    for (unsigned hop = 0; o != NULL && o->dict != NULL && hop < PDF_MAX_CHAIN; hop++) {
        if (hop > 0 && o->num == p->cache_num) {
            *fs = p->cache;
            return;
        }
        if (hop == 1)
            parent = o->num;
        if (dict_get(p, o->dict, o->dict_len, "Resources", &v)) {
            fonts_of(p, &v, fs);
            break;
        }
        if (!dict_get(p, o->dict, o->dict_len, "Parent", &v) || v.ref == 0)
            break;
        o = obj_find(p, v.ref);
    }
    if (parent != 0) {
        p->cache_num = parent;
        p->cache = *fs;
    }
}

/* content_stream - the text of a stream, read once */
static void
content_stream(struct pdf *p, struct pdf_obj *o, const struct cx_pdf_fonts *fs)
{
    const uint8_t *s;
    size_t n;

    if (o == NULL || !o->stream || o->used || o->kind != OBJ_OTHER || p->full)
        return;
    o->used = true;
    /* a font not known: the document's only CMap is likely its font's */
    if (stream_bytes(p, o, &p->stream, &s, &n) &&
        !cx_pdf_text_run(s, n, fs, p->ncmap == 1 ? p->cmap[0].map : NULL, p->out))
        p->full = true;
}

/* read_page - the content streams of a page, with its fonts */
static void
read_page(struct pdf *p, const struct pdf_obj *page)
{
    struct cx_pdf_fonts fs;
    struct val v, c;

    page_fonts(p, page, &fs);
    if (!dict_get(p, page->dict, page->dict_len, "Contents", &v))
        return;
    if (v.ref != 0) {
        content_stream(p, obj_find(p, v.ref), &fs);
        return;
    }
    if (v.t.k != CX_PDF_ARRAY)
        return;
    struct cx_pdf_lex lx = {.s = v.t.p, .n = v.t.n};
    for (value_next(&lx, &c); c.t.k != CX_PDF_EOF && !p->full; value_next(&lx, &c))
        if (c.ref != 0)
            content_stream(p, obj_find(p, c.ref), &fs);
}

/* read_rest - streams no page named: forms and annotation appearances (with their own
 * /Resources), and the contents of pages that could not be read */
static void
read_rest(struct pdf *p)
{
    struct cx_pdf_fonts fs;
    struct val v;

    for (size_t i = 0; i < p->nobj && !p->full; i++) {
        struct pdf_obj *o = &p->obj[i];
        if (!o->stream || o->used || o->kind != OBJ_OTHER || !obj_counts(p, o))
            continue;
        fs.n = 0;
        if (dict_get(p, o->dict, o->dict_len, "Resources", &v))
            fonts_of(p, &v, &fs);
        content_stream(p, o, &fs);
    }
}

static void
pdf_release(struct pdf *p)
{
    for (size_t i = 0; i < p->ncmap; i++)
        cx_pdf_cmap_free(p->cmap[i].map);
    for (size_t i = 0; i < p->nobjstm; i++)
        buf_release(&p->objstm[i]);
    free(p->cmap);
    free(p->objstm);
    free(p->by_num);
    free(p->obj);
    buf_release(&p->stream);
    buf_release(&p->stage);
}

/* cx_pdf_text - index, CMaps, pages in file order, then the streams no page named */
unsigned
cx_pdf_text(struct cx_walk *w, const struct content_item *it, const uint8_t *data, size_t len,
            struct buf *out)
{
    struct pdf p = {.w = w, .d = data, .len = len, .out = out, .maps_left = PDF_MAX_MAPS};
    size_t tail = len < PDF_EOF_TAIL ? len : PDF_EOF_TAIL;

    if (it->encrypted || it->type.encrypted)
        return 0; /* reported as encrypted; nothing to read without the key */
    p.work_max = (uint64_t)len * PDF_WORK_FACTOR + CX_RATIO_FLOOR;
    buf_init(&p.stream, 0);
    buf_init(&p.stage, 0);
    index_all(&p);
    if (p.nobj == 0 || memmem(data + len - tail, tail, "%%EOF", 5) == NULL)
        p.anom |= CONTENT_ANOM_CORRUPT; /* nothing readable, or cut short */
    load_cmaps(&p);
    for (size_t i = 0; i < p.nobj && !p.full; i++)
        if (p.obj[i].kind == OBJ_PAGE && obj_counts(&p, &p.obj[i]))
            read_page(&p, &p.obj[i]);
    read_rest(&p);
    if (p.full)
        p.anom |= CONTENT_ANOM_SIZE;
    pdf_release(&p);
    return p.anom;
}
