/* content_odf - the text of OpenDocument files (odt, ods, odp and odg): content.xml, the
 * headers and footers of styles.xml and the content.xml of embedded objects, read from the
 * zip through cx_doc_parts, as a reader sees them: paragraphs and headings end a line, cells a
 * tab and rows a line, text:s, text:tab and text:line-break give their spaces, tab and line
 * end; white space collapsed as OpenDocument 1.2 part 1, 6.1.2 says. Pictures and embedded
 * binary objects are the document's entries. */
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include "content/content_extract_impl.h"

/* spaces one text:s gives at most: its count only says how wide a gap is */
#define ODF_MAX_SPACES 256
/* annotations and notes inside one another that are told apart from their paragraph */
#define ODF_MAX_ASIDES 16
/* the longest office:value kept to stand beside a cell's displayed text */
#define ODF_MAX_VALUE 64

/* part ranks, in reading order */
enum odf_rank { ODF_CONTENT, ODF_STYLES, ODF_OBJECT };

/* the XML walk's state */
struct odf {
    struct buf *out;
    bool styles;    /* styles.xml: only the text of headers and footers */
    unsigned in_hf; /* inside a header or footer of styles.xml */
    unsigned in_p;  /* paragraphs and headings open (of the current annotation or note) */
    unsigned in_cell;
    bool cell_nl; /* a paragraph ended in the current cell: a next one starts a line */
    bool space;   /* the text ends with white space, or a line starts: more is dropped */
    bool full;    /* some text did not fit */
    unsigned aside[ODF_MAX_ASIDES]; /* in_p of the paragraphs an annotation or note is in */
    unsigned naside, aside_over;
    char value[ODF_MAX_VALUE]; /* the current cell's office:value, if a number */
    size_t vlen, cell_start;   /* ... and where its displayed text starts in out */
};

static bool
is(const char *name, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(name, want, n) == 0;
}

/* odf_put - append to the text, remembering when it is full */
static void
odf_put(struct odf *x, const char *s, size_t n)
{
    if (!x->full && buf_append(x->out, s, n) != 0)
        x->full = true;
}

/* odf_line - end a line unless the text is empty or ends one */
static void
odf_line(struct odf *x)
{
    if (x->out->len > 0 && x->out->data[x->out->len - 1] != '\n')
        odf_put(x, "\n", 1);
    x->space = true;
}

/* active - whether this part's tables and paragraphs are text at all */
static bool
active(const struct odf *x)
{
    return !x->styles || x->in_hf > 0;
}

static bool
is_header_footer(const char *name, size_t n)
{
    static const char *const names[] = {"header",      "footer",       "header-left",
                                        "footer-left", "header-first", "footer-first"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (is(name, n, names[i]))
            return true;
    return false;
}

/* spaces - text:s, with its count */
static void
spaces(struct odf *x, const char *attrs, size_t alen)
{
    static const char blanks[] = "                                ";
    const char *v;
    size_t vlen, c = 1;

    if (cx_xml_attr(attrs, alen, "text:c", &v, &vlen) && vlen > 0) {
        c = 0;
        for (size_t i = 0; i < vlen && v[i] >= '0' && v[i] <= '9' && c <= ODF_MAX_SPACES; i++)
            c = c * 10 + (size_t)(v[i] - '0');
        if (c > ODF_MAX_SPACES)
            c = ODF_MAX_SPACES;
    }
    for (size_t k = 0; k < c && !x->full; k += sizeof blanks - 1)
        odf_put(x, blanks, c - k < sizeof blanks - 1 ? c - k : sizeof blanks - 1);
    x->space = true;
}

/* cell_open - a cell: its number value kept, in case its display hides digits */
static void
cell_open(struct odf *x, const char *attrs, size_t alen)
{
    const char *t, *v;
    size_t tlen, vlen;

    x->in_cell++;
    x->cell_nl = false;
    x->vlen = 0;
    x->cell_start = x->out->len;
    if (cx_xml_attr(attrs, alen, "office:value-type", &t, &tlen) &&
        (is(t, tlen, "float") || is(t, tlen, "currency")) &&
        cx_xml_attr(attrs, alen, "office:value", &v, &vlen) && vlen < ODF_MAX_VALUE) {
        memcpy(x->value, v, vlen);
        x->vlen = vlen;
    }
}

/*
 * cell_close - the cell ends with a tab. A number is displayed through its format
 * ("4.11111111111111E+015", "1,234") and its office:value holds it whole, so when the two
 * differ the value follows the displayed text: a card number typed into a spreadsheet is
 * still a card number.
 */
static void
cell_close(struct odf *x)
{
    const char *shown = x->out->data + x->cell_start;
    size_t slen = x->out->len - x->cell_start;

    if (x->in_cell > 0)
        x->in_cell--;
    if (x->vlen > 0 && x->cell_start <= x->out->len &&
        !(slen == x->vlen && memcmp(shown, x->value, slen) == 0)) {
        if (slen > 0)
            odf_put(x, " ", 1);
        odf_put(x, x->value, x->vlen);
    }
    x->vlen = 0;
    x->cell_nl = false;
    odf_put(x, "\t", 1);
    x->space = true;
}

/* para_open - a paragraph or heading: one inside another, or after another in the same cell,
 * starts a line */
static void
para_open(struct odf *x)
{
    if (x->in_p > 0 || x->cell_nl)
        odf_line(x);
    x->cell_nl = false;
    x->in_p++;
    x->space = true;
}

static void
para_close(struct odf *x)
{
    if (x->in_p > 0)
        x->in_p--;
    if (x->in_p == 0 && x->in_cell > 0)
        x->cell_nl = true; /* the cell's tab ends it, unless another paragraph follows */
    else
        odf_line(x);
}

/* aside_open - an annotation or a note: its own paragraphs on their own lines, its author,
 * date and citation mark (outside them) not text */
static void
aside_open(struct odf *x)
{
    if (x->naside == ODF_MAX_ASIDES) {
        x->aside_over++;
        return;
    }
    if (x->in_p > 0)
        odf_line(x);
    x->aside[x->naside++] = x->in_p;
    x->in_p = 0;
}

static void
aside_close(struct odf *x)
{
    if (x->aside_over > 0) {
        x->aside_over--;
    } else if (x->naside > 0) {
        x->in_p = x->aside[--x->naside];
        x->space = true;
    }
}

/* odf_open - paragraphs, spaces, tabs and breaks, cells, annotations and notes */
static void
odf_open(void *u, const char *name, size_t n, const char *attrs, size_t alen)
{
    struct odf *x = u;

    if (x->styles && is_header_footer(name, n))
        x->in_hf++;
    if (!active(x))
        return;
    if (is(name, n, "p") || is(name, n, "h")) {
        para_open(x);
    } else if (is(name, n, "table-cell") || is(name, n, "covered-table-cell")) {
        cell_open(x, attrs, alen);
    } else if (is(name, n, "annotation") || is(name, n, "note")) {
        aside_open(x);
    } else if (x->in_p > 0) {
        if (is(name, n, "s")) {
            spaces(x, attrs, alen);
        } else if (is(name, n, "tab")) {
            odf_put(x, "\t", 1);
            x->space = true;
        } else if (is(name, n, "line-break")) {
            odf_put(x, "\n", 1);
            x->space = true;
        }
    }
}

/* odf_close - paragraph, cell and row ends */
static void
odf_close(void *u, const char *name, size_t n)
{
    struct odf *x = u;

    if (active(x)) {
        if (is(name, n, "p") || is(name, n, "h"))
            para_close(x);
        else if (is(name, n, "table-cell") || is(name, n, "covered-table-cell"))
            cell_close(x);
        else if (is(name, n, "table-row"))
            odf_line(x);
        else if (is(name, n, "annotation") || is(name, n, "note"))
            aside_close(x);
    }
    if (x->styles && is_header_footer(name, n) && x->in_hf > 0)
        x->in_hf--;
}

/* odf_text - the text of a paragraph, its white space collapsed to single spaces */
static void
odf_text(void *u, const char *s, size_t n, bool raw)
{
    struct odf *x = u;
    struct buf *out = x->out;
    size_t from = out->len, to;

    if (x->in_p == 0 || !active(x) || x->full)
        return;
    if ((raw ? buf_append(out, s, n) : cx_xml_decode(s, n, out)) != 0) {
        x->full = true;
        return;
    }
    to = from;
    for (size_t i = from; i < out->len; i++) {
        char c = out->data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (x->space)
                continue;
            c = ' ';
            x->space = true;
        } else {
            x->space = false;
        }
        out->data[to++] = c;
    }
    out->len = to;
    out->data[to] = '\0';
}

/* odf_role - the XML parts read, and the files that are the document's entries */
static enum cx_doc_role
odf_role(enum content_kind kind, const char *name, unsigned *rank, unsigned long *num)
{
    size_t n = strlen(name);
    const char *slash = strchr(name, '/');

    (void)kind;
    *num = 0;
    if (strcmp(name, "content.xml") == 0 || strcmp(name, "styles.xml") == 0) {
        *rank = name[0] == 'c' ? ODF_CONTENT : ODF_STYLES;
        return CX_DOC_PART;
    }
    if (strncmp(name, "Pictures/", 9) == 0 && name[9] != '\0')
        return CX_DOC_EMBEDDED;
    if (strncmp(name, "Object ", 7) == 0 && slash == NULL)
        return CX_DOC_EMBEDDED; /* an embedded object that is not an OpenDocument: OLE2... */
    if (slash != NULL && n > 12 && strcmp(name + n - 12, "/content.xml") == 0 &&
        strncmp(name, "META-INF/", 9) != 0) {
        *rank = ODF_OBJECT;
        for (const char *p = name + (strncmp(name, "Object ", 7) == 0 ? 7 : n);
             *p >= '0' && *p <= '9' && *num < 100000000; p++)
            *num = *num * 10 + (unsigned long)(*p - '0');
        return CX_DOC_PART;
    }
    return CX_DOC_OTHER;
}

/* cx_odf_text - parts collected in reading order, each scanned */
unsigned
cx_odf_text(struct cx_walk *w, const struct content_item *doc, const uint8_t *data, size_t len,
            struct buf *out)
{
    struct archive *a;
    struct cx_doc_part *parts;
    struct odf x = {.out = out};
    unsigned anom = 0;
    size_t n;
    const struct cx_xml_handler h = {odf_open, odf_close, odf_text};

    if (doc->type.encrypted)
        return 0; /* its parts are ciphertext */
    a = cx_archive_open(data, len, false);
    if (a == NULL)
        return CONTENT_ANOM_CORRUPT;
    n = cx_doc_parts(w, a, doc, len, odf_role, &parts, &anom);
    for (size_t i = 0; i < n; i++) {
        struct odf fresh = {.out = out, .styles = parts[i].rank == ODF_STYLES, .full = x.full};
        x = fresh;
        odf_line(&x);
        /* a part cut by a limit ends inside markup: that is no corruption */
        if (!cx_xml_scan(parts[i].e.data.data, parts[i].e.data.len, &h, &x) && parts[i].e.complete)
            anom |= CONTENT_ANOM_CORRUPT;
        buf_release(&parts[i].e.data);
    }
    if (x.full)
        anom |= CONTENT_ANOM_SIZE;
    free(parts);
    archive_read_free(a);
    return anom;
}
