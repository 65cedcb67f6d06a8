/* test_content_pdf - the text of PDF attachments. The PDFs are assembled here object by object
 * with a valid xref table (content streams plain or compressed with zlib): text shown by Tj,
 * TJ, ' and "; line and word breaks; Flate, ASCII85 and ASCIIHex filter chains; literal and hex
 * strings; simple fonts read as WinAnsi; a Type0 font with a ToUnicode CMap (bfchar, bfrange in
 * both forms, Korean, a surrogate pair); two CMaps switched by Tf; fonts in an object stream;
 * forms; inline images; truncated and corrupt files; encryption; the output limit; Flate bombs
 * against each limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zlib.h>

#include "content_fixture.h"

#define HELVETICA                                                                                  \
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
#define RES_F1 "<< /Font << /F1 3 0 R >> >>"

/* one object besides the catalog, the page tree and the pages: a dictionary, or a stream
 * whose dictionary holds dict's entries */
struct pobj {
    const char *dict;
    const char *stream;
};

/* a PDF written: malloc'd bytes */
struct pdfile {
    uint8_t *d;
    size_t len;
};

/* a PDF being written, with where each object starts */
struct pdfb {
    struct buf b;
    size_t off[64];
    unsigned n;
};

static void
pb_begin(struct pdfb *pb)
{
    buf_init(&pb->b, 0);
    pb->n = 0;
    buf_append_str(&pb->b, "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
}

static unsigned
pb_obj(struct pdfb *pb, const char *body)
{
    unsigned num = ++pb->n;

    assert_true(num < 64);
    pb->off[num] = pb->b.len;
    buf_printf(&pb->b, "%u 0 obj\n%s\nendobj\n", num, body);
    return num;
}

/* pb_stream - a stream object of len bytes, its dictionary's other entries in extra */
static unsigned
pb_stream(struct pdfb *pb, const char *extra, const void *data, size_t len)
{
    unsigned num = ++pb->n;

    assert_true(num < 64);
    pb->off[num] = pb->b.len;
    buf_printf(&pb->b, "%u 0 obj\n<< /Length %zu %s >>\nstream\n", num, len, extra);
    buf_append(&pb->b, data, len);
    buf_append_str(&pb->b, "\nendstream\nendobj\n");
    return num;
}

/* pb_flate - a stream object holding s compressed */
static unsigned
pb_flate(struct pdfb *pb, const char *extra, const char *s)
{
    uLongf n = compressBound(strlen(s));
    uint8_t *z = xmalloc(n);
    struct buf d;
    unsigned num;

    assert_int_equal(compress2(z, &n, (const Bytef *)s, strlen(s), 9), Z_OK);
    buf_init(&d, 0);
    buf_printf(&d, "/Filter /FlateDecode %s", extra);
    num = pb_stream(pb, d.data, z, n);
    buf_release(&d);
    free(z);
    return num;
}

/* pb_end - xref table, trailer (more entries in extra), %%EOF; the file, to free() */
static struct pdfile
pb_end(struct pdfb *pb, const char *extra)
{
    size_t xref = pb->b.len;

    buf_printf(&pb->b, "xref\n0 %u\n0000000000 65535 f \n", pb->n + 1);
    for (unsigned i = 1; i <= pb->n; i++)
        buf_printf(&pb->b, "%010zu 00000 n \n", pb->off[i]);
    buf_printf(&pb->b, "trailer\n<< /Size %u /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n",
               pb->n + 1, extra, xref);
    return (struct pdfile){(uint8_t *)pb->b.data, pb->b.len};
}

/* doc - catalog (1), pages (2), the objects (3...), then a page and its content stream for
 * each of pages, all with the resources res; streams compressed when flate */
static struct pdfile
doc(const struct pobj *objs, size_t nobjs, const char *res, const char *const *pages, size_t npages,
    bool flate, const char *trailer)
{
    struct pdfb pb;
    struct buf s;

    pb_begin(&pb);
    buf_init(&s, 0);
    pb_obj(&pb, "<< /Type /Catalog /Pages 2 0 R >>");
    buf_append_str(&s, "<< /Type /Pages /Kids [");
    for (size_t i = 0; i < npages; i++)
        buf_printf(&s, " %zu 0 R", 3 + nobjs + 2 * i);
    buf_printf(&s, " ] /Count %zu >>", npages);
    pb_obj(&pb, s.data);
    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i].stream == NULL)
            pb_obj(&pb, objs[i].dict);
        else if (flate)
            pb_flate(&pb, objs[i].dict, objs[i].stream);
        else
            pb_stream(&pb, objs[i].dict, objs[i].stream, strlen(objs[i].stream));
    }
    for (size_t i = 0; i < npages; i++) {
        buf_reset(&s);
        buf_printf(&s,
                   "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s "
                   "/Contents %u 0 R >>",
                   res, pb.n + 2);
        pb_obj(&pb, s.data);
        if (flate)
            pb_flate(&pb, "", pages[i]);
        else
            pb_stream(&pb, "", pages[i], strlen(pages[i]));
    }
    buf_release(&s);
    return pb_end(&pb, trailer);
}

/* helvetica - pages shown in Helvetica as /F1 */
static struct pdfile
helvetica(const char *const *pages, size_t npages, bool flate)
{
    static const struct pobj font[] = {{HELVETICA, NULL}};

    return doc(font, 1, RES_F1, pages, npages, flate, "");
}

/* assert_text - what content_extract offered, all of it */
static void
assert_text(const struct fx_rec *r, const char *want)
{
    struct buf b;

    buf_init(&b, 0);
    if (want[0] != '\0')
        buf_printf(&b, "a.pdf: %s\n", want);
    assert_string_equal(r->text.data, b.data);
    buf_release(&b);
}

/* check - the text of one PDF and the anomalies, with the given limits (NULL: defaults) */
static void
check(struct pdfile f, const struct content_limits *lim, unsigned anom, const char *want)
{
    struct fx_rec r;

    assert_int_equal(fx_run(f.d, f.len, "a.pdf", lim, &r), anom);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].kind, CONTENT_PDF);
    assert_text(&r, want);
    fx_done(&r);
    free(f.d);
}

static const char card_page[] = "BT /F1 12 Tf 72 720 Td (Card 4111 1111 1111 1111) Tj\n"
                                "0 -14 Td (second line) Tj ET\n";

static void
test_plain_text(void **state)
{
    const char *pages[] = {card_page, "BT /F1 12 Tf 72 720 Td (page two) Tj ET"};

    check(helvetica(pages, 2, false), NULL, 0, "Card 4111 1111 1111 1111\nsecond line\npage two\n");
}

static void
test_flate_text(void **state)
{
    const char *pages[] = {card_page, "BT /F1 12 Tf 72 720 Td (page two) Tj ET"};

    check(helvetica(pages, 2, true), NULL, 0, "Card 4111 1111 1111 1111\nsecond line\npage two\n");
}

/* a85 - ASCII base-85 of n bytes, ended by "~>" */
static void
a85(const uint8_t *d, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        uint32_t v = 0;
        char c[5];
        for (size_t j = 0; j < 4; j++)
            v = v << 8 | (j < k ? d[i + j] : 0);
        if (k == 4 && v == 0) {
            buf_append(out, "z", 1);
            continue;
        }
        for (int j = 4; j >= 0; j--, v /= 85)
            c[j] = (char)('!' + v % 85);
        buf_append(out, c, k + 1);
    }
    buf_append_str(out, "~>");
}

/* one_stream - a Helvetica page whose content stream is data, with more dictionary entries */
static struct pdfile
one_stream(const char *extra, const void *data, size_t len)
{
    struct pdfb pb;

    pb_begin(&pb);
    pb_obj(&pb, "<< /Type /Catalog /Pages 2 0 R >>");
    pb_obj(&pb, "<< /Type /Pages /Kids [4 0 R] /Count 1 >>");
    pb_obj(&pb, HELVETICA);
    pb_obj(&pb, "<< /Type /Page /Parent 2 0 R /Resources " RES_F1 " /Contents 5 0 R >>");
    pb_stream(&pb, extra, data, len);
    return pb_end(&pb, "");
}

/* chains of Flate, ASCII85 (reportlab's default) and ASCIIHex; filters and predictors not read
 * here leave the stream alone */
static void
test_filter_chains(void **state)
{
    static const char text[] = "BT /F1 12 Tf (filtered 4111 1111 1111 1111) Tj ET";
    uLongf zn = compressBound(strlen(text));
    uint8_t *z = xmalloc(zn);
    struct buf b;

    assert_int_equal(compress2(z, &zn, (const Bytef *)text, strlen(text), 9), Z_OK);
    buf_init(&b, 0);
    a85(z, zn, &b);
    check(one_stream("/Filter [/ASCII85Decode /FlateDecode]", b.data, b.len), NULL, 0,
          "filtered 4111 1111 1111 1111\n");
    buf_reset(&b);
    a85((const uint8_t *)text, strlen(text), &b);
    check(one_stream("/Filter /A85", b.data, b.len), NULL, 0, "filtered 4111 1111 1111 1111\n");
    buf_reset(&b);
    for (size_t i = 0; i < strlen(text); i++)
        buf_printf(&b, "%02x%s", (unsigned char)text[i], i % 16 == 15 ? "\n" : "");
    buf_append_str(&b, ">");
    check(one_stream("/Filter /ASCIIHexDecode", b.data, b.len), NULL, 0,
          "filtered 4111 1111 1111 1111\n");
    check(one_stream("/Filter [/FlateDecode]", z, zn), NULL, 0, "filtered 4111 1111 1111 1111\n");
    check(one_stream("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", z, zn),
          NULL, 0, "");
    check(one_stream("/Filter /LZWDecode", text, strlen(text)), NULL, 0, "");
    check(one_stream("/Filter [/FlateDecode /DCTDecode]", z, zn), NULL, 0, "");
    buf_release(&b);
    free(z);
}

/* TJ kerning as word spaces; ' and " start lines; Tm along one baseline, a wide Td */
static void
test_operators(void **state)
{
    const char *pages[] = {"BT /F1 10 Tf 14 TL 72 700 Td [(Acc)20(ount)-250(number)-120(:)] TJ\n"
                           "0 -12 Td [<34313131>-300(1111)] TJ (line three) '\n"
                           "2 1 (line four) \" ET\n"
                           "BT 1 0 0 1 72 600 Tm (left) Tj 1 0 0 1 200 600 Tm (right) Tj\n"
                           "1 0 0 1 72 580 Tm (Name) Tj 100 0 Td (Kim) Tj 5 0 Td (m) Tj ET"};

    check(helvetica(pages, 1, false), NULL, 0,
          "Account number:\n4111 1111\nline three\nline four\nleft right\nName Kimm\n");
}

/* escapes, octal, continuation, balanced parentheses, an unknown escape; tab as a space, other
 * controls dropped */
static void
test_literal_strings(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (a\\(b\\)c\\\\d\\nE\\tF\\101\\60\\0601\\1234\\\ncont) Tj\n"
                           "0 -14 Td (x (nested) y \\q\\r\\b\\f!) Tj ET"};

    check(helvetica(pages, 1, false), NULL, 0, "a(b)c\\dE FA001S4cont\nx (nested) y q!\n");
}

/* hex strings: white space inside, an odd digit count padded with 0 */
static void
test_hex_strings(void **state)
{
    const char *pages[] = {
        "BT /F1 12 Tf <48656C6C6F> Tj <20576F726C6> Tj 0 -14 Td <48 65\n6c> Tj ET"};

    check(helvetica(pages, 1, false), NULL, 0, "Hello Worl`\nHel\n");
}

/* WinAnsi: Windows-1252 at 0x80-0x9F (undefined ones dropped), Latin-1 above */
static void
test_winansi(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (\\200 5 caf\\351 \\226 na\\357ve a\\201b) Tj ET"};

    check(helvetica(pages, 1, true), NULL, 0,
          "\xE2\x82\xAC 5 caf\xC3\xA9 \xE2\x80\x93 na\xC3\xAFve ab\n");
}

/* an Identity-H font whose 2-byte CIDs mean something only through its ToUnicode CMap:
 * bfchar, bfrange with an array and with a start value, a surrogate pair, a ligature */
static const char korean_cmap[] =
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    "4 beginbfchar\n<0101> <C8FC>\n<0102> <BBFC>\n<0106> <D638>\n<0300> <D83DDE00>\nendbfchar\n"
    "3 beginbfrange\n<0103> <0104> [<B4F1> <B85D>]\n<0105> <0105> <BC88>\n<0200> <0209> <0030>\n"
    "endbfrange\n"
    "4 beginbfchar\n<0210> <003A>\n<0211> <002D>\n<0212> <0020>\n<0301> <00660069>\nendbfchar\n"
    "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

static const struct pobj korean_font[] = {
    {"<< /Type /Font /Subtype /Type0 /BaseFont /NanumGothic /Encoding /Identity-H "
     "/DescendantFonts [5 0 R] /ToUnicode 4 0 R >>",
     NULL},
    {"", korean_cmap},
    {"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NanumGothic /CIDSystemInfo "
     "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
     NULL},
};

/* 주민등록번호: 900101-1234567, then 😀fi with an unmapped code between */
static const char korean_page[] =
    "BT /F1 12 Tf 72 700 Td <010101020103010401050106> Tj <0210> Tj\n"
    "<0212020902000200020102000201021102010202020302040205020602 07> Tj\n"
    "0 -14 Td <030009990301> Tj ET";
#define KOREAN_TEXT                                                                                \
    "\xEC\xA3\xBC\xEB\xAF\xBC\xEB\x93\xB1\xEB\xA1\x9D\xEB\xB2\x88\xED\x98\xB8: 900101-1234567\n"   \
    "\xF0\x9F\x98\x80"                                                                             \
    "fi\n"

static void
test_tounicode_korean(void **state)
{
    const char *pages[] = {korean_page};

    check(doc(korean_font, 3, RES_F1, pages, 1, false, ""), NULL, 0, KOREAN_TEXT);
    check(doc(korean_font, 3, RES_F1, pages, 1, true, ""), NULL, 0, KOREAN_TEXT);
}

/* a font the resources do not name: the document's only CMap */
static void
test_unknown_font_single_cmap(void **state)
{
    const char *pages[] = {korean_page};

    check(doc(korean_font, 3, "<< >>", pages, 1, true, ""), NULL, 0, KOREAN_TEXT);
}

/* two simple fonts whose CMaps read the same bytes differently, a font without one, and a
 * name the resources do not have (two CMaps: WinAnsi then) */
static void
test_fonts_switched_by_tf(void **state)
{
    static const struct pobj objs[] = {
        {"<< /Type /Font /Subtype /TrueType /BaseFont /A /ToUnicode 6 0 R >>", NULL},
        {"<< /Type /Font /Subtype /TrueType /BaseFont /B /ToUnicode 7 0 R >>", NULL},
        {HELVETICA, NULL},
        {"", "1 begincodespacerange <00> <FF> endcodespacerange\n"
             "1 beginbfrange <01> <1A> <0041> endbfrange"},
        {"", "1 begincodespacerange <00> <FF> endcodespacerange\n"
             "1 beginbfrange <01> <1A> <0061> endbfrange"},
    };
    const char *pages[] = {"BT /F1 12 Tf <0102> Tj /F2 12 Tf <0304> Tj /F3 12 Tf (xy) Tj\n"
                           "/F1 12 Tf <05> Tj /F9 12 Tf (q) Tj ET"};

    check(doc(objs, 5, "<< /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >>", pages, 1, true, ""), NULL,
          0, "ABcdxyEq\n");
}

/* fonts and pages inside an object stream (PDF 1.5), resources inherited from the page tree */
static void
test_object_stream(void **state)
{
    static const char members[] =
        "3 0 4 80 5 127 "
        "<< /Type /Pages /Kids [4 0 R] /Count 1 /Resources << /Font << /F1 5 0 R >> >> >>"
        "<< /Type /Page /Parent 3 0 R /Contents 7 0 R >>"
        "<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 6 0 R >>";
    struct pdfb pb;
    uint8_t *z;
    uLongf zn = compressBound(sizeof members);
    struct buf d;

    pb_begin(&pb);
    buf_init(&d, 0);
    pb_obj(&pb, "<< /Type /Catalog /Pages 3 0 R >>");
    z = xmalloc(zn);
    assert_int_equal(compress2(z, &zn, (const Bytef *)members, strlen(members), 9), Z_OK);
    buf_printf(&d, "/Type /ObjStm /N 3 /First 15 /Filter /FlateDecode");
    pb_stream(&pb, d.data, z, zn);
    pb.n = 5; /* 3, 4 and 5 are in the object stream (the xref table cannot say so: a real
                 file would have an xref stream) */
    pb_stream(&pb, "", korean_cmap, strlen(korean_cmap));
    pb_stream(&pb, "", korean_page, strlen(korean_page));
    pb.off[3] = pb.off[4] = pb.off[5] = 0;
    free(z);
    buf_release(&d);
    check(pb_end(&pb, ""), NULL, 0, KOREAN_TEXT);
}

/* a form XObject with its own resources; an inline image whose data looks like text */
static void
test_form_and_inline_image(void **state)
{
    static const struct pobj objs[] = {
        {HELVETICA, NULL},
        {"/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources " RES_F1,
         "BT /F1 9 Tf (in the form) Tj ET"},
    };
    const char *pages[] = {"q /X1 Do Q BI /W 4 /H 1 /BPC 8 /CS /G ID \x01(image) Tj EI\n"
                           "BT /F1 12 Tf (after) Tj ET"};

    check(doc(objs, 2, "<< /Font << /F1 3 0 R >> /XObject << /X1 4 0 R >> >>", pages, 1, false, ""),
          NULL, 0, "after\nin the form\n");
}

/* cut inside the second page's content stream: what came before is still there */
static void
test_truncated(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (First page) Tj ET",
                           "BT /F1 12 Tf (Second) Tj ( part) Tj ET"};
    struct pdfile f = helvetica(pages, 2, false);
    const uint8_t *cut = memmem(f.d, f.len, "( part)", 7);

    assert_non_null(cut);
    f.len = (size_t)(cut - f.d);
    check(f, NULL, CONTENT_ANOM_CORRUPT, "First page\nSecond");
    f = helvetica(pages, 2, false);
    f.len = 9; /* the header alone */
    check(f, NULL, CONTENT_ANOM_CORRUPT, "");
}

/* a Flate stream with a broken zlib header: the pages around it are read */
static void
test_corrupt_flate(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (First) Tj ET", "BT /F1 12 Tf (Second) Tj ET",
                           "BT /F1 12 Tf (Third) Tj ET"};
    struct pdfile f = helvetica(pages, 3, true);
    uint8_t *at = f.d;

    for (int i = 0; i < 2; i++) { /* the second page's stream */
        at = memmem(at, f.len - (size_t)(at - f.d), ">>\nstream\n", 10);
        assert_non_null(at);
        at += 10;
    }
    at[0] = at[1] = 0;
    check(f, NULL, CONTENT_ANOM_CORRUPT, "First\nThird\n");
}

static void
test_encrypted(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (Secret 4111 1111 1111 1111) Tj ET"};
    struct pdfile f = doc((const struct pobj[]){{HELVETICA, NULL}}, 1, RES_F1, pages, 1, false,
                          "/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 >>");
    struct fx_rec r;

    assert_int_equal(fx_run(f.d, f.len, "a.pdf", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_true(r.items[0].encrypted);
    assert_int_equal(r.text.len, 0);
    fx_done(&r);
    free(f.d);
}

/* the text stops at max_entry_bytes, never inside a character */
static void
test_output_limit(void **state)
{
    const char *pages[] = {"BT /F1 12 Tf (0123456789) Tj (abcdefghij) Tj (KLMNOPQRST) Tj ET"};
    const char *euros[] = {"BT /F1 12 Tf (\\200\\200) Tj ET"};
    struct content_limits lim = content_limits_default();

    lim.max_entry_bytes = 20;
    check(helvetica(pages, 1, false), &lim, CONTENT_ANOM_SIZE, "0123456789abcdefghij");
    lim.max_entry_bytes = 5;
    check(helvetica(euros, 1, false), &lim, CONTENT_ANOM_SIZE, "\xE2\x82\xAC");
}

/* bomb - text on page one, then a stream of 64 MB of zeros compressed */
static struct pdfile
bomb(void)
{
    static const uint8_t zeros[65536];
    struct buf z;
    struct pdfb pb;
    z_stream s;
    uint8_t out[65536];

    memset(&s, 0, sizeof s);
    buf_init(&z, 0);
    assert_int_equal(deflateInit(&s, 9), Z_OK);
    for (int i = 0; i <= 1024; i++) {
        s.next_in = (Bytef *)(uintptr_t)zeros;
        s.avail_in = i < 1024 ? sizeof zeros : 0;
        do {
            s.next_out = out;
            s.avail_out = sizeof out;
            assert_true(deflate(&s, i < 1024 ? Z_NO_FLUSH : Z_FINISH) != Z_STREAM_ERROR);
            buf_append(&z, out, sizeof out - s.avail_out);
        } while (s.avail_out == 0);
    }
    deflateEnd(&s);
    pb_begin(&pb);
    pb_obj(&pb, "<< /Type /Catalog /Pages 2 0 R >>");
    pb_obj(&pb, "<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>");
    pb_obj(&pb, HELVETICA);
    pb_obj(&pb, "<< /Type /Page /Parent 2 0 R /Resources " RES_F1 " /Contents 5 0 R >>");
    pb_flate(&pb, "", "BT /F1 12 Tf (before) Tj ET");
    pb_obj(&pb, "<< /Type /Page /Parent 2 0 R /Resources " RES_F1 " /Contents 7 0 R >>");
    pb_stream(&pb, "/Filter /FlateDecode", z.data, z.len);
    buf_release(&z);
    return pb_end(&pb, "");
}

/* the ratio (64 MB from 64 KB), the entry limit, the total limit: each stops the bomb */
static void
test_flate_bomb(void **state)
{
    struct content_limits lim = content_limits_default();

    check(bomb(), NULL, CONTENT_ANOM_RATIO, "before\n");
    lim.max_ratio = 0;
    lim.max_entry_bytes = 1u << 20;
    check(bomb(), &lim, CONTENT_ANOM_SIZE, "before\n");
    lim.max_entry_bytes = 32u << 20;
    lim.max_total_bytes = 2u << 20;
    check(bomb(), &lim, CONTENT_ANOM_SIZE, "before\n");
}

/* no objects, streams with no end or an absurd /Length, a dictionary never closed before its
 * endobj (the next object is still read): corrupt, with what could be read */
static void
test_garbage(void **state)
{
    static const char *const bad[] = {
        "%PDF-1.4\n",
        "%PDF-1.4\n1 0 obj << /Length 5 >> stream\n(x) Tj",
        "%PDF-1.4\n1 0 obj << /Type /Page /Contents 1 0 R /Resources 1 0 R /Parent 1 0 R >>",
        "%PDF-1.4\n1 0 obj << /Length 99999999999999999999 >> stream\nBT (ok) Tj ET\nendstream",
        "%PDF-1.4\n1 0 obj << /Title (never closed >>\nendobj\n"
        "2 0 obj << >> stream\nBT (next object) Tj ET\nendstream\nendobj\n",
    };
    static const char *const want[] = {"", "x", "", "ok\n", "next object\n"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check((struct pdfile){(uint8_t *)xstrdup(bad[i]), strlen(bad[i])}, NULL,
              CONTENT_ANOM_CORRUPT, want[i]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_flate_text),
        cmocka_unit_test(test_filter_chains),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_literal_strings),
        cmocka_unit_test(test_hex_strings),
        cmocka_unit_test(test_winansi),
        cmocka_unit_test(test_tounicode_korean),
        cmocka_unit_test(test_unknown_font_single_cmap),
        cmocka_unit_test(test_fonts_switched_by_tf),
        cmocka_unit_test(test_object_stream),
        cmocka_unit_test(test_form_and_inline_image),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_flate),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_flate_bomb),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
