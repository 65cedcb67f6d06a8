/* test_content_odf - the text of OpenDocument attachments, packages built here as LibreOffice
 * writes them (`mimetype` first and stored, the rest deflated): a text document with headings,
 * spaces, tabs, line breaks, an annotation, a footnote, a table, headers and footers, an
 * embedded object and a picture; a spreadsheet with repeated cells and a number shown
 * rounded; a presentation with speaker notes; a drawing; encrypted packages; templates; a
 * package cut short; the output limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zlib.h>

#include "content_fixture.h"

#define MIME "application/vnd.oasis.opendocument."
#define NS                                                                                         \
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "                           \
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "                               \
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "                             \
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "                            \
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "                             \
    "xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" "               \
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
#define CONTENT(body)                                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content " NS                     \
    "><office:body>" body "</office:body></office:document-content>"
#define MANIFEST(entry)                                                                            \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest "                              \
    "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"                       \
    "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"x\"/>"                    \
    "<manifest:file-entry manifest:full-path=\"content.xml\" "                                     \
    "manifest:media-type=\"text/xml\">" entry "</manifest:file-entry></manifest:manifest>"
#define ENCRYPTION                                                                                 \
    "<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"AA==\">"     \
    "<manifest:algorithm manifest:algorithm-name=\"Blowfish CFB\" "                                \
    "manifest:initialisation-vector=\"AA==\"/></manifest:encryption-data>"

/* 주민등록번호 */
#define RRN_WORD "\xEC\xA3\xBC\xEB\xAF\xBC\xEB\x93\xB1\xEB\xA1\x9D\xEB\xB2\x88\xED\x98\xB8"

/* zip_put - one member written as LibreOffice does (sizes in the local header, no extra
 * fields), stored or raw-deflated; its central header appended to dir */
static void
zip_put(struct buf *z, struct buf *dir, const char *name, const char *data, size_t n, bool deflated)
{
    uint8_t h[46] = {0};
    uint8_t *c = (uint8_t *)data;
    size_t clen = n, nlen = strlen(name);
    uint32_t off = (uint32_t)z->len, crc = (uint32_t)crc32(0, (const Bytef *)data, (uInt)n);

    if (deflated) {
        z_stream s = {0};
        clen = compressBound(n) + 16;
        c = xmalloc(clen);
        assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
        s.next_in = (Bytef *)data;
        s.avail_in = (uInt)n;
        s.next_out = c;
        s.avail_out = (uInt)clen;
        assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
        clen = s.total_out;
        deflateEnd(&s);
    }
    memcpy(h, "PK\3\4", 4);
    fx_le16(h + 4, 20);
    fx_le16(h + 8, deflated ? 8 : 0);
    fx_le32(h + 14, crc);
    fx_le32(h + 18, (uint32_t)clen);
    fx_le32(h + 22, (uint32_t)n);
    fx_le16(h + 26, (unsigned)nlen);
    buf_append(z, h, 30);
    buf_append(z, name, nlen);
    buf_append(z, c, clen);
    memmove(h + 16, h + 14, 16); /* crc to name length, 2 bytes further on */
    memcpy(h, "PK\1\2", 4);
    fx_le16(h + 4, 20);
    fx_le16(h + 6, 20);
    fx_le16(h + 8, 0);
    fx_le16(h + 10, deflated ? 8 : 0);
    fx_le16(h + 14, 0);
    fx_le32(h + 42, off);
    buf_append(dir, h, 46);
    buf_append(dir, name, nlen);
    if (c != (uint8_t *)data)
        free(c);
}

/* odf - a package: `mimetype` holding mime, stored, then the files, deflated or stored;
 * malloc'd, length in *len */
static uint8_t *
odf(const char *mime, const struct fx_file *files, size_t n, bool deflate, size_t *len)
{
    struct buf z, dir;
    uint8_t eocd[22] = {'P', 'K', 5, 6};

    buf_init(&z, 0);
    buf_init(&dir, 0);
    zip_put(&z, &dir, "mimetype", mime, strlen(mime), false);
    for (size_t i = 0; i < n; i++)
        zip_put(&z, &dir, files[i].name, files[i].data,
                files[i].len != 0 ? files[i].len : strlen(files[i].data), deflate);
    fx_le16(eocd + 8, (unsigned)n + 1);
    fx_le16(eocd + 10, (unsigned)n + 1);
    fx_le32(eocd + 12, (uint32_t)dir.len);
    fx_le32(eocd + 16, (uint32_t)z.len);
    buf_append(&z, dir.data, dir.len);
    buf_append(&z, eocd, sizeof eocd);
    buf_release(&dir);
    *len = z.len;
    return (uint8_t *)z.data;
}

/* check - the items' labels (space-separated) and the text of one package */
static void
check(const uint8_t *d, size_t len, const struct content_limits *lim, unsigned anom,
      const char *labels, const char *want)
{
    struct fx_rec r;
    struct buf got, text;

    assert_int_equal(fx_run(d, len, "a.odf", lim, &r), anom);
    buf_init(&got, 0);
    for (size_t i = 0; i < r.n; i++)
        buf_printf(&got, "%s%s", i > 0 ? " " : "", r.items[i].label);
    assert_string_equal(got.data, labels);
    buf_init(&text, 0);
    if (want[0] != '\0')
        buf_printf(&text, "a.odf: %s\n", want);
    assert_string_equal(r.text.data, text.data);
    buf_release(&got);
    buf_release(&text);
    fx_done(&r);
}

static const char text_body[] = CONTENT(
    "<office:text><text:sequence-decls/>"
    "<text:h text:style-name=\"H1\" text:outline-level=\"1\">Customer  record</text:h>\n"
    "<text:p>Card:<text:s/>4111<text:s text:c=\"3\"/>1111 <text:span>1111</text:span> 1111"
    "<text:tab/>end<text:line-break/>next line<office:annotation><dc:creator>Kim</dc:creator>"
    "<dc:date>2024-01-02T10:00:00</dc:date><text:p>check this</text:p></office:annotation>"
    " after</text:p>\n"
    "<text:p>Body<text:note text:note-class=\"footnote\"><text:note-citation>1</text:note-citation>"
    "<text:note-body><text:p>Footnote text</text:p></text:note-body></text:note></text:p>"
    "<table:table table:name=\"T\"><table:table-column table:number-columns-repeated=\"2\"/>"
    "<table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell>"
    "<table:table-cell><text:p>" RRN_WORD "</text:p></table:table-cell></table:table-row>"
    "<table:table-row><table:table-cell><text:p>Kim</text:p><text:p>Lee</text:p>"
    "</table:table-cell><table:table-cell><text:p>900101-1234567</text:p></table:table-cell>"
    "<table:covered-table-cell/></table:table-row></table:table>"
    "<text:list><text:list-item><text:p>&lt;item&gt; &amp; <![CDATA[<raw>]]></text:p>"
    "</text:list-item></text:list>"
    "<text:p><draw:frame><draw:text-box><text:p>in a frame</text:p></draw:text-box></draw:frame>"
    "</text:p></office:text>");

static const char text_styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles " NS ">"
    "<office:styles><style:style style:name=\"H1\"><style:text-properties/></style:style>"
    "<text:p>not text</text:p></office:styles><office:master-styles>"
    "<style:master-page style:name=\"Standard\"><style:header><text:p>Confidential</text:p>"
    "</style:header><style:footer><text:p>Page <text:page-number>1</text:page-number></text:p>"
    "</style:footer></style:master-page></office:master-styles></office:document-styles>";

static const char text_want[] = "Customer record\n"
                                "Card: 4111   1111 1111 1111\tend\n"
                                "next line\n"
                                "check this\n"
                                "after\n"
                                "Body\n"
                                "Footnote text\n"
                                "Name\t" RRN_WORD "\t\n"
                                "Kim\nLee\t900101-1234567\t\t\n"
                                "<item> & <raw>\n"
                                "in a frame\n"
                                "Confidential\n"
                                "Page 1\n"
                                "embedded chart title\n";

static void
test_text_document(void **state)
{
    const struct fx_file f[] = {
        {"content.xml", text_body, 0, 0},
        {"styles.xml", text_styles, 0, 0},
        {"meta.xml", "<office:document-meta><text:p>meta</text:p></office:document-meta>", 0, 0},
        {"Pictures/100000000000.png", "\x89PNG\r\n\x1A\n-------", 0, 0},
        {"Object 1/content.xml", CONTENT("<text:p>embedded chart title</text:p>"), 0, 0},
        {"Object 1/styles.xml", CONTENT("<text:p>not read</text:p>"), 0, 0},
        {"Object 2", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 0, 0},
        {"ObjectReplacements/Object 1", "replacement image", 0, 0},
        {"META-INF/manifest.xml", MANIFEST(""), 0, 0},
    };
    size_t len;
    uint8_t *d = odf(MIME "text", f, sizeof f / sizeof f[0], true, &len);
    struct content_type t = content_magic(d, len);
    struct fx_rec r;

    assert_int_equal(t.kind, CONTENT_ODT);
    assert_string_equal(t.label, "odt");
    assert_string_equal(t.mime, MIME "text");
    assert_false(t.archive);
    assert_false(t.encrypted);
    check(d, len, NULL, 0, "odt png ole2", text_want);
    assert_int_equal(fx_run(d, len, "a.odt", NULL, &r), 0);
    assert_string_equal(r.items[1].path, "a.odt/Pictures/100000000000.png");
    assert_int_equal(r.items[1].depth, 1);
    assert_string_equal(r.items[2].path, "a.odt/Object 2");
    fx_done(&r);
    /* the same package with every file stored */
    free(d);
    d = odf(MIME "text", f, sizeof f / sizeof f[0], false, &len);
    check(d, len, NULL, 0, "odt png ole2", text_want);
    free(d);
}

/* repeated cells and rows are given once: a sheet's million empty cells are a few tabs; a
 * number shown otherwise than its value is followed by it */
static void
test_spreadsheet(void **state)
{
    const struct fx_file f[] = {
        {"content.xml",
         CONTENT("<office:spreadsheet><table:table table:name=\"Sheet1\">"
                 "<table:table-column table:number-columns-repeated=\"1024\"/>"
                 "<table:table-row><table:table-cell office:value-type=\"string\">"
                 "<text:p>card</text:p></table:table-cell>"
                 "<table:table-cell office:value-type=\"float\" office:value=\"4111111111111111\">"
                 "<text:p>4.11111111111111E+015</text:p></table:table-cell>"
                 "<table:table-cell office:value-type=\"float\" office:value=\"42\">"
                 "<text:p>42</text:p></table:table-cell>"
                 "<table:table-cell table:number-columns-repeated=\"3\" "
                 "office:value-type=\"string\"><text:p>x</text:p></table:table-cell>"
                 "<table:table-cell table:number-columns-repeated=\"1017\"/></table:table-row>"
                 "<table:table-row table:number-rows-repeated=\"1048575\">"
                 "<table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>"
                 "</table:table><table:table table:name=\"Sheet2\"><table:table-row>"
                 "<table:table-cell office:value-type=\"percentage\" office:value=\"0.5\">"
                 "<text:p>50%</text:p><office:annotation><dc:creator>Kim</dc:creator>"
                 "<text:p>a comment</text:p></office:annotation></table:table-cell>"
                 "</table:table-row></table:table></office:spreadsheet>"),
         0, 0},
        {"META-INF/manifest.xml", MANIFEST(""), 0, 0},
    };
    size_t len;
    uint8_t *d = odf(MIME "spreadsheet", f, 2, true, &len);

    assert_int_equal(content_magic(d, len).kind, CONTENT_ODS);
    check(d, len, NULL, 0, "ods",
          "card\t4.11111111111111E+015 4111111111111111\t42\tx\t\t\n"
          "\t\n"
          "50%\na comment\t\n");
    free(d);
}

static void
test_presentation_and_drawing(void **state)
{
    const struct fx_file f[] = {
        {"content.xml",
         CONTENT("<office:presentation><draw:page draw:name=\"page1\">"
                 "<draw:frame presentation:class=\"title\"><draw:text-box><text:p>Q3 payroll"
                 "</text:p></draw:text-box></draw:frame><draw:frame><draw:text-box><text:list>"
                 "<text:list-item><text:p>card 4111 1111 1111 1111</text:p></text:list-item>"
                 "</text:list></draw:text-box></draw:frame><presentation:notes><draw:frame>"
                 "<draw:text-box><text:p>speaker note</text:p></draw:text-box></draw:frame>"
                 "</presentation:notes></draw:page><draw:page draw:name=\"page2\">"
                 "<draw:frame><draw:text-box><text:p>second</text:p></draw:text-box></draw:frame>"
                 "</draw:page></office:presentation>"),
         0, 0},
        {"styles.xml",
         CONTENT("<style:master-page><draw:frame><draw:text-box><text:p>Click to edit"
                 "</text:p></draw:text-box></draw:frame></style:master-page>"),
         0, 0},
    };
    size_t len;
    uint8_t *d = odf(MIME "presentation", f, 2, true, &len);

    assert_int_equal(content_magic(d, len).kind, CONTENT_ODP);
    check(d, len, NULL, 0, "odp", "Q3 payroll\ncard 4111 1111 1111 1111\nspeaker note\nsecond\n");
    free(d);
    d = odf(MIME "graphics", f, 2, true, &len);
    struct content_type t = content_magic(d, len);
    assert_int_equal(t.kind, CONTENT_ODP);
    assert_string_equal(t.label, "odg");
    assert_string_equal(t.mime, MIME "graphics");
    free(d);
}

/* templates, masters and web pages are read like their documents; other packages and zips
 * whose first entry is not a known `mimetype` stay zips */
static void
test_variants(void **state)
{
    static const struct {
        const char *mime;
        enum content_kind kind;
        const char *label;
    } v[] = {
        {MIME "text-template", CONTENT_ODT, "odt"},
        {MIME "text-master", CONTENT_ODT, "odt"},
        {MIME "text-web", CONTENT_ODT, "odt"},
        {MIME "spreadsheet-template", CONTENT_ODS, "ods"},
        {MIME "presentation-template", CONTENT_ODP, "odp"},
        {MIME "graphics-template", CONTENT_ODP, "odg"},
        {MIME "formula", CONTENT_ZIP, "zip"},
        {MIME "texts", CONTENT_ZIP, "zip"},
        {"application/epub+zip", CONTENT_ZIP, "zip"},
    };
    const struct fx_file f[] = {{"content.xml", CONTENT("<text:p>t</text:p>"), 0, 0}};

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len;
        uint8_t *d = odf(v[i].mime, f, 1, true, &len);
        struct content_type t = content_magic(d, len);
        assert_int_equal(t.kind, v[i].kind);
        assert_string_equal(t.label, v[i].label);
        if (v[i].kind != CONTENT_ZIP)
            assert_string_equal(t.mime, v[i].mime);
        free(d);
    }
    /* `mimetype` not first: a zip, walked as one */
    const struct fx_file late[] = {{"content.xml", CONTENT("<text:p>t</text:p>"), 0, 0},
                                   {"mimetype", MIME "text", 0, 0}};
    size_t len;
    uint8_t *d = fx_zip(late, 2, &len);
    assert_int_equal(content_magic(d, len).kind, CONTENT_ZIP);
    free(d);
}

/* a password-protected package: its manifest gives content.xml encryption data (deflated,
 * as LibreOffice writes it, or stored); its parts are ciphertext, not read */
static void
test_encrypted(void **state)
{
    const struct fx_file f[] = {
        {"content.xml", "\x9C\x11\x42 ciphertext <text:p>not read</text:p>", 0, 0},
        {"Pictures/1.png", "\x89PNG\r\n\x1A\n-------", 0, 0},
        {"META-INF/manifest.xml", MANIFEST(ENCRYPTION), 0, 0},
    };

    for (int deflate = 0; deflate < 2; deflate++) {
        size_t len;
        uint8_t *d = odf(MIME "text", f, 3, deflate, &len);
        struct content_type t = content_magic(d, len);
        struct fx_rec r;
        assert_int_equal(t.kind, CONTENT_ODT);
        assert_true(t.encrypted);
        assert_int_equal(fx_run(d, len, "a.odt", NULL, &r), CONTENT_ANOM_ENCRYPTED);
        assert_int_equal(r.n, 1);
        assert_true(r.items[0].encrypted);
        assert_string_equal(r.text.data, "");
        fx_done(&r);
        /* the first 4 KB content_scan decides on cannot tell yet */
        assert_false(content_magic(d, 200).encrypted);
        assert_int_equal(content_magic(d, 200).kind, CONTENT_ODT);
        free(d);
    }
}

/* a package cut short: the parts read whole still give their text */
static void
test_truncated(void **state)
{
    const struct fx_file f[] = {
        {"content.xml", CONTENT("<office:text><text:p>first part</text:p></office:text>"), 0, 0},
        {"styles.xml", text_styles, 0, 0},
    };
    size_t len;
    uint8_t *d = odf(MIME "text", f, 2, false, &len);
    const uint8_t *end = memmem(d, len, "Confidential", 12);

    assert_non_null(end);
    check(d, (size_t)(end - d), NULL, CONTENT_ANOM_CORRUPT, "odt", "first part\n");
    free(d);
}

/* the text is bounded by max_entry_bytes as the parts are: a part past it is cut (and gives
 * nothing here), text past it is cut; a gap is given 256 spaces at most */
static void
test_output_limit(void **state)
{
    const struct fx_file f[] = {
        {"content.xml",
         CONTENT("<office:text><text:p>0123456789</text:p><text:p>x<text:s text:c=\"300\"/>"
                 "<text:s text:c=\"300\"/><text:s text:c=\"99999999999999999999\"/>"
                 "<text:s text:c=\"256\"/>y</text:p></office:text>"),
         0, 0},
    };
    struct content_limits lim = content_limits_default();
    size_t len;
    uint8_t *d = odf(MIME "text", f, 1, true, &len);
    struct buf want;

    lim.max_entry_bytes = 16;
    check(d, len, &lim, CONTENT_ANOM_SIZE, "odt", "");
    lim.max_entry_bytes = 1000; /* the part fits, its text does not */
    assert_true(strlen(f[0].data) < lim.max_entry_bytes);
    buf_init(&want, 0);
    buf_append_str(&want, "0123456789\nx");
    for (int i = 0; i < 960; i++) /* spaces go in 32 at a time */
        buf_append_str(&want, " ");
    check(d, len, &lim, CONTENT_ANOM_SIZE, "odt", want.data);
    lim.max_entry_bytes = 4096;
    buf_reset(&want);
    buf_append_str(&want, "0123456789\nx");
    for (int i = 0; i < 4 * 256; i++)
        buf_append_str(&want, " ");
    buf_append_str(&want, "y\n");
    check(d, len, &lim, 0, "odt", want.data);
    buf_release(&want);
    free(d);
}

/* a package inside a zip: an entry, read as a document */
static void
test_in_zip(void **state)
{
    const struct fx_file f[] = {
        {"content.xml", CONTENT("<office:text><text:p>nested</text:p></office:text>"), 0, 0}};
    size_t len, zlen;
    uint8_t *d = odf(MIME "spreadsheet", f, 1, true, &len);
    const struct fx_file outer[] = {{"in/b.ods", (const char *)d, 0, len}};
    uint8_t *z = fx_zip(outer, 1, &zlen);
    struct fx_rec r;

    assert_int_equal(fx_run(z, zlen, "c.zip", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[1].label, "ods");
    assert_string_equal(r.text.data, "c.zip/in/b.ods: nested\n\n");
    fx_done(&r);
    free(z);
    free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_document),
        cmocka_unit_test(test_spreadsheet),
        cmocka_unit_test(test_presentation_and_drawing),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_in_zip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
