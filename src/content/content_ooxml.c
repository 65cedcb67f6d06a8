/* content_ooxml - the text of docx, xlsx and pptx files: their XML parts, read from the zip
 * through libarchive, in reading order; runs joined, paragraphs, rows and cells separated,
 * xlsx shared strings put back in their cells; the files in their embeddings folders reported
 * and analysed as their entries. The walk of an office document's zip (cx_doc_parts) serves
 * OpenDocument files too. */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "content/content_extract_impl.h"
#include "util/mem.h"

/* a part of interest: prefix, then digits when numbered, then ".xml" */
struct part_rule {
    enum content_kind kind;
    const char *prefix;
    bool numbered;
};

/* reading order: the rank of a part is its rule's index */
static const struct part_rule rules[] = {
    {CONTENT_DOCX, "word/document.xml", false},
    {CONTENT_DOCX, "word/header", true},
    {CONTENT_DOCX, "word/footer", true},
    {CONTENT_DOCX, "word/footnotes.xml", false},
    {CONTENT_DOCX, "word/endnotes.xml", false},
    {CONTENT_DOCX, "word/comments.xml", false},
    {CONTENT_XLSX, "xl/sharedStrings.xml", false},
    {CONTENT_XLSX, "xl/worksheets/sheet", true},
    {CONTENT_PPTX, "ppt/slides/slide", true},
    {CONTENT_PPTX, "ppt/notesSlides/notesSlide", true},
};

/* the XML walk's state */
enum ox_mode { OX_TEXT, OX_SST, OX_SHEET };

struct ox {
    enum ox_mode mode;
    struct buf *out;
    unsigned in_t, in_rph, in_v;
    bool shared_cell; /* the current <c> has t="s" */
    struct buf v;     /* the current <v> */
    struct buf sst;   /* shared strings, one after the other */
    bool full;        /* some text did not fit */
    size_t *sst_end;  /* where each ends in sst */
    size_t sst_n, sst_cap;
};

/* part_rank - the rule a part name matches (and its number), or -1 */
static int
part_rank(enum content_kind kind, const char *name, unsigned long *num)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        size_t pl = strlen(rules[i].prefix);
        if (rules[i].kind != kind || strncmp(name, rules[i].prefix, pl) != 0)
            continue;
        if (!rules[i].numbered) {
            if (name[pl] != '\0')
                continue;
            *num = 0;
            return (int)i;
        }
        const char *p = name + pl;
        unsigned long n = 0;
        while (*p >= '0' && *p <= '9' && n < 100000000)
            n = n * 10 + (unsigned long)(*p++ - '0');
        if (p == name + pl || strcmp(p, ".xml") != 0)
            continue;
        *num = n;
        return (int)i;
    }
    return -1;
}

/* ox_put - append to the text, remembering when it is full */
static void
ox_put(struct ox *x, const char *s, size_t n)
{
    if (buf_append(x->out, s, n) != 0)
        x->full = true;
}

static bool
is(const char *name, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(name, want, n) == 0;
}

/* ox_open - text elements, separators, cells and their types */
static void
ox_open(void *u, const char *name, size_t n, const char *attrs, size_t alen)
{
    struct ox *x = u;
    const char *v;
    size_t vlen;

    if (is(name, n, "t") || is(name, n, "delText"))
        x->in_t++;
    else if (is(name, n, "rPh"))
        x->in_rph++;
    else if (is(name, n, "tab") && x->mode == OX_TEXT)
        ox_put(x, "\t", 1);
    else if ((is(name, n, "br") || is(name, n, "cr")) && x->mode == OX_TEXT)
        ox_put(x, "\n", 1);
    else if (is(name, n, "c") && x->mode == OX_SHEET)
        x->shared_cell = cx_xml_attr(attrs, alen, "t", &v, &vlen) && vlen == 1 && v[0] == 's';
    else if (is(name, n, "v") && x->mode == OX_SHEET) {
        x->in_v++;
        buf_reset(&x->v);
    }
}

/* sheet_value - a cell's <v>: an index into the shared strings, or the value itself */
static void
sheet_value(struct ox *x)
{
    if (!x->shared_cell) {
        ox_put(x, x->v.data, x->v.len);
        return;
    }
    size_t idx = 0, i = 0;
    for (; i < x->v.len && x->v.data[i] >= '0' && x->v.data[i] <= '9' && idx <= x->sst_n; i++)
        idx = idx * 10 + (size_t)(x->v.data[i] - '0');
    if (i == 0 || i != x->v.len || idx >= x->sst_n)
        return;
    size_t start = idx == 0 ? 0 : x->sst_end[idx - 1];
    ox_put(x, x->sst.data + start, x->sst_end[idx] - start);
}

/* ox_close - paragraph, row and cell ends; shared strings and cell values */
static void
ox_close(void *u, const char *name, size_t n)
{
    struct ox *x = u;

    if ((is(name, n, "t") || is(name, n, "delText")) && x->in_t > 0) {
        x->in_t--;
    } else if (is(name, n, "rPh") && x->in_rph > 0) {
        x->in_rph--;
    } else if (is(name, n, "p") && x->mode == OX_TEXT) {
        ox_put(x, "\n", 1);
    } else if (is(name, n, "si") && x->mode == OX_SST) {
        if (x->sst_n == x->sst_cap) {
            x->sst_cap = x->sst_cap == 0 ? 64 : 2 * x->sst_cap;
            x->sst_end = xrealloc(x->sst_end, x->sst_cap * sizeof *x->sst_end);
        }
        x->sst_end[x->sst_n++] = x->sst.len; /* one per <si>, so indices stay right */
    } else if (x->mode == OX_SHEET) {
        if (is(name, n, "v") && x->in_v > 0) {
            x->in_v--;
            sheet_value(x);
        } else if (is(name, n, "c")) {
            ox_put(x, "\t", 1);
        } else if (is(name, n, "row")) {
            ox_put(x, "\n", 1);
        }
    }
}

/* ox_text - text inside a text element or a cell value */
static void
ox_text(void *u, const char *s, size_t n, bool raw)
{
    struct ox *x = u;
    struct buf *to;

    if (x->in_v > 0)
        to = &x->v;
    else if (x->in_t > 0 && x->in_rph == 0)
        to = x->mode == OX_SST ? &x->sst : x->out;
    else
        return;
    if ((raw ? buf_append(to, s, n) : cx_xml_decode(s, n, to)) != 0)
        x->full = true;
}

/* part_cmp - reading order: by rank, then by number */
static int
part_cmp(const void *pa, const void *pb)
{
    const struct cx_doc_part *a = pa, *b = pb;

    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->num < b->num ? -1 : a->num > b->num;
}

/* ooxml_role - the XML parts of the rules, and the files of the embeddings folders */
static enum cx_doc_role
ooxml_role(enum content_kind kind, const char *name, unsigned *rank, unsigned long *num)
{
    static const char *const dirs[] = {"word/embeddings/", "xl/embeddings/", "ppt/embeddings/"};
    int r;

    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strncmp(name, dirs[i], strlen(dirs[i])) == 0 && name[strlen(dirs[i])] != '\0')
            return CX_DOC_EMBEDDED;
    r = part_rank(kind, name, num);
    if (r < 0)
        return CX_DOC_OTHER;
    *rank = (unsigned)r;
    return CX_DOC_PART;
}

/* embedded - report and analyse an embedded file as an entry of the document */
static bool
embedded(struct cx_walk *w, struct archive *a, struct archive_entry *ae,
         const struct content_item *doc, size_t len, const struct buf *name, uint64_t *produced)
{
    unsigned max_depth = w->lim.max_depth < CX_DEPTH_CAP ? w->lim.max_depth : CX_DEPTH_CAP;
    struct buf path;
    bool stop;

    if (doc->depth >= max_depth) {
        w->anom |= CONTENT_ANOM_DEPTH;
        return false;
    }
    buf_init(&path, 0);
    buf_printf(&path, "%s/%s", doc->path, name->data);
    struct content_item it = {.path = path.data, .depth = doc->depth + 1};
    stop = cx_archive_entry(w, a, ae, &it, len, produced);
    buf_release(&path);
    return stop;
}

/* cx_doc_parts - read the parts role() names, report the embedded files it names; the
 * parts in reading order */
size_t
cx_doc_parts(struct cx_walk *w, struct archive *a, const struct content_item *doc, size_t len,
             enum cx_doc_role (*role)(enum content_kind kind, const char *name, unsigned *rank,
                                      unsigned long *num),
             struct cx_doc_part **parts, unsigned *anom)
{
    struct archive_entry *ae;
    struct buf name;
    size_t n = 0, cap = 0;
    unsigned count = 0, rank = 0;
    unsigned long num = 0;
    uint64_t produced = 0;

    *parts = NULL;
    buf_init(&name, 0);
    while (!w->stop) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || ++count > w->lim.max_entries) {
            *anom |= r < ARCHIVE_WARN ? CONTENT_ANOM_CORRUPT : CONTENT_ANOM_ENTRIES;
            break;
        }
        if (!cx_charge_entry(w))
            break;
        if (archive_entry_filetype(ae) != AE_IFREG)
            continue;
        buf_reset(&name);
        cx_entry_name(ae, &name);
        enum cx_doc_role what = role(doc->type.kind, name.data, &rank, &num);
        if (what == CX_DOC_EMBEDDED) {
            if (embedded(w, a, ae, doc, len, &name, &produced))
                break;
            continue;
        }
        if (what != CX_DOC_PART)
            continue;
        if (n == cap) {
            cap = cap == 0 ? 8 : 2 * cap;
            *parts = xrealloc(*parts, cap * sizeof **parts);
        }
        struct cx_doc_part *p = &(*parts)[n++];
        p->rank = rank;
        p->num = num;
        cx_entry_read(w, a, w->lim.max_entry_bytes, true, &p->e);
        if (p->e.hit_limit)
            *anom |= CONTENT_ANOM_SIZE;
        if (p->e.failed)
            *anom |= CONTENT_ANOM_CORRUPT;
        if (p->e.fatal)
            break;
    }
    buf_release(&name);
    if (n > 1)
        qsort(*parts, n, sizeof **parts, part_cmp);
    return n;
}

/* cx_ooxml_text - parts collected, sorted, scanned; shared strings first */
unsigned
cx_ooxml_text(struct cx_walk *w, const struct content_item *doc, const uint8_t *data, size_t len,
              struct buf *out)
{
    enum content_kind kind = doc->type.kind;
    struct archive *a = cx_archive_open(data, len, false);
    struct cx_doc_part *parts;
    struct ox x = {.out = out};
    unsigned anom = 0;
    size_t n;
    const struct cx_xml_handler h = {ox_open, ox_close, ox_text};

    if (a == NULL)
        return CONTENT_ANOM_CORRUPT;
    n = cx_doc_parts(w, a, doc, len, ooxml_role, &parts, &anom);
    buf_init(&x.v, out->max);
    buf_init(&x.sst, out->max);
    for (size_t i = 0; i < n; i++) {
        bool sst = strcmp(rules[parts[i].rank].prefix, "xl/sharedStrings.xml") == 0;
        x.mode = sst ? OX_SST : kind == CONTENT_XLSX ? OX_SHEET : OX_TEXT;
        x.in_t = x.in_rph = x.in_v = 0;
        if (!sst && out->len > 0)
            ox_put(&x, "\n", 1);
        /* a part cut by a limit ends inside markup: that is no corruption */
        if (!cx_xml_scan(parts[i].e.data.data, parts[i].e.data.len, &h, &x) && parts[i].e.complete)
            anom |= CONTENT_ANOM_CORRUPT;
        buf_release(&parts[i].e.data);
    }
    if (x.full)
        anom |= CONTENT_ANOM_SIZE;
    buf_release(&x.v);
    buf_release(&x.sst);
    free(x.sst_end);
    free(parts);
    archive_read_free(a);
    return anom;
}
