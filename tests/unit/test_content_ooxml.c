/* test_content_ooxml - documents: the text of docx, xlsx and pptx built here from their minimal
 * parts (a card number split across runs must come out whole), encrypted OOXML (an OLE2
 * compound file holding EncryptedPackage), Word 97 files, and PDFs with /Encrypt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "content_fixture.h"

#define CT "[Content_Types].xml"
#define CT_XML                                                                                     \
    "<?xml version=\"1.0\"?><Types "                                                               \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"

static const char doc_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:body>\n"
    "<w:p><w:r><w:t xml:space=\"preserve\">Card: </w:t></w:r>"
    "<w:r><w:rPr><w:b/></w:rPr><w:t>4111 1111</w:t></w:r><w:r><w:t> 1111 1111</w:t></w:r></w:p>\n"
    "<w:p><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/>"
    "<w:t>C &lt;x&gt; &amp; &#x41;&#66; &bogus; &#0;</w:t></w:r></w:p>\n"
    "<w:p><w:del><w:r><w:delText>gone</w:delText></w:r></w:del>"
    "<w:r><w:instrText>HYPERLINK</w:instrText></w:r></w:p>\n"
    "<!-- <w:t>comment</w:t> --><w:p><w:r><w:t><![CDATA[raw <b>]]></w:t></w:r></w:p>\n"
    "<w:p><w:r><w:t a='x>y'>q</w:t></w:r></w:p>"
    "</w:body></w:document>";

static const char doc_text[] = "Card: 4111 1111 1111 1111\n"
                               "A\tB\nC <x> & AB &bogus; \xEF\xBF\xBD\n"
                               "gone\n"
                               "raw <b>\n"
                               "q\n"
                               "\n"
                               "Header text\n";

static uint8_t *
docx(size_t *len)
{
    const struct fx_file f[] = {
        {CT, CT_XML, 0, 0},
        {"word/header1.xml", "<w:hdr><w:p><w:r><w:t>Header text</w:t></w:r></w:p></w:hdr>", 0, 0},
        {"word/document.xml", doc_xml, 0, 0},
        {"word/styles.xml", "<w:styles><w:t>not text</w:t></w:styles>", 0, 0},
    };
    return fx_zip(f, 4, len);
}

static void
test_docx_text(void **state)
{
    size_t len;
    uint8_t *d = docx(&len);
    struct fx_rec r;
    char want[512];

    assert_int_equal(content_magic(d, len).kind, CONTENT_DOCX);
    assert_int_equal(fx_run(d, len, "plan.docx", NULL, &r), 0);
    assert_int_equal(r.n, 1); /* a document, not an archive: its parts are not items */
    assert_int_equal(r.items[0].kind, CONTENT_DOCX);
    assert_string_equal(r.items[0].label, "docx");
    snprintf(want, sizeof want, "plan.docx: %s\n", doc_text);
    assert_string_equal(r.text.data, want);
    fx_done(&r);

    /* the same document inside a zip: text for the entry, at depth 1 */
    const struct fx_file outer[] = {{"docs/plan.docx", (const char *)d, 0, len}};
    size_t zlen;
    uint8_t *z = fx_zip(outer, 1, &zlen);
    assert_int_equal(fx_run(z, zlen, "x.zip", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[1].path, "x.zip/docs/plan.docx");
    assert_int_equal(r.items[1].kind, CONTENT_DOCX);
    snprintf(want, sizeof want, "x.zip/docs/plan.docx: %s\n", doc_text);
    assert_string_equal(r.text.data, want);
    fx_done(&r);
    free(z);
    free(d);
}

/* files embedded in a document are its entries: a zip hidden in a docx is walked, an
 * encrypted workbook in it flagged */
static void
test_docx_embeddings(void **state)
{
    const struct fx_file inner[] = {{"hello.txt", "Hello, world!\n", 0, 0}};
    size_t zl, cl, len;
    uint8_t *zip = fx_zip(inner, 1, &zl), *cfb = fx_cfb("EncryptionInfo", "EncryptedPackage", &cl);
    const struct fx_file f[] = {
        {"word/embeddings/secret.zip", (const char *)zip, 0, zl},
        {"word/document.xml", "<w:document><w:p><w:t>see attached</w:t></w:p></w:document>", 0, 0},
        {"word/embeddings/Microsoft_Excel_Worksheet.xlsx", (const char *)cfb, 0, cl},
    };
    uint8_t *d = fx_zip(f, 3, &len);
    struct fx_rec r;
    struct content_limits lim = content_limits_default();

    assert_int_equal(fx_run(d, len, "p.docx", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.items[0].kind, CONTENT_DOCX);
    assert_string_equal(r.items[1].path, "p.docx/word/embeddings/secret.zip");
    assert_int_equal(r.items[1].depth, 1);
    assert_int_equal(r.items[1].kind, CONTENT_ZIP);
    assert_string_equal(r.items[2].path, "p.docx/word/embeddings/secret.zip/hello.txt");
    assert_int_equal(r.items[2].depth, 2);
    assert_string_equal(r.items[2].sha,
                        "d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5");
    assert_string_equal(r.items[3].path, "p.docx/word/embeddings/Microsoft_Excel_Worksheet.xlsx");
    assert_int_equal(r.items[3].kind, CONTENT_OFFICE_ENCRYPTED);
    assert_true(r.items[3].encrypted);
    assert_string_equal(r.text.data,
                        "p.docx/word/embeddings/secret.zip/hello.txt: Hello, world!\n\n"
                        "p.docx: see attached\n\n");
    fx_done(&r);

    lim.max_depth = 0; /* the document's text, but nothing inside it */
    assert_int_equal(fx_run(d, len, "p.docx", &lim, &r), CONTENT_ANOM_DEPTH);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.text.data, "p.docx: see attached\n\n");
    fx_done(&r);
    free(d);
    free(zip);
    free(cfb);
}

/* shared strings repeated in many cells amplify: the text stays within max_entry_bytes */
static void
test_xlsx_text_bound(void **state)
{
    struct buf sheet, sst;
    struct fx_rec r;
    struct content_limits lim = content_limits_default();
    size_t len;

    buf_init(&sheet, 0);
    buf_init(&sst, 0);
    buf_append_str(&sst, "<sst><si><t>");
    for (int i = 0; i < 100; i++)
        buf_append_str(&sst, "A");
    buf_append_str(&sst, "</t></si></sst>");
    buf_append_str(&sheet, "<worksheet><sheetData><row>");
    for (int i = 0; i < 50; i++)
        buf_append_str(&sheet, "<c t=\"s\"><v>0</v></c>");
    buf_append_str(&sheet, "</row></sheetData></worksheet>");
    const struct fx_file f[] = {{"xl/workbook.xml", "<workbook/>", 0, 0},
                                {"xl/sharedStrings.xml", sst.data, 0, 0},
                                {"xl/worksheets/sheet1.xml", sheet.data, 0, 0}};
    uint8_t *x = fx_zip(f, 3, &len);

    assert_int_equal(fx_run(x, len, "amp.xlsx", NULL, &r), 0);
    assert_int_equal(r.text.len, strlen("amp.xlsx: ") + 50 * 101 + 1 + 1);
    fx_done(&r);
    lim.max_entry_bytes = 2000; /* both parts fit, their text does not */
    assert_true(sheet.len < 2000);
    assert_int_equal(fx_run(x, len, "amp.xlsx", &lim, &r), CONTENT_ANOM_SIZE);
    assert_true(r.text.len > strlen("amp.xlsx: ") + 1900);
    assert_true(r.text.len <= strlen("amp.xlsx: ") + 2000 + 1);
    fx_done(&r);
    free(x);
    buf_release(&sheet);
    buf_release(&sst);
}

static void
test_xlsx_text(void **state)
{
    const struct fx_file f[] = {
        {CT, CT_XML, 0, 0},
        {"xl/workbook.xml", "<workbook/>", 0, 0},
        {"xl/worksheets/sheet10.xml",
         "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>ten</t></is></c></row>"
         "</sheetData></worksheet>",
         0, 0},
        {"xl/worksheets/sheet1.xml",
         "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
         "<c r=\"B1\" t=\"s\"><v>1</v></c></row>"
         "<row r=\"2\"><c t=\"s\"><v>2</v></c><c t=\"inlineStr\"><is><t>4111111111111111</t></is>"
         "</c><c><f>SUM(1)</f><v>42</v></c><c t=\"s\"><v>99</v></c><c t=\"s\"><v>1x</v></c>"
         "</row></sheetData></worksheet>",
         0, 0},
        {"xl/worksheets/sheet2.xml",
         "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>two</t></is></c></row>"
         "</sheetData></worksheet>",
         0, 0},
        {"xl/sharedStrings.xml",
         "<sst count=\"3\"><si><t>Name</t></si><si><t>Card</t></si>"
         "<si><r><t>Ali</t></r><r><t>ce</t></r><rPh><t>phonetic</t></rPh></si></sst>",
         0, 0},
    };
    size_t len;
    uint8_t *x = fx_zip(f, 6, &len);
    struct fx_rec r;

    assert_int_equal(content_magic(x, len).kind, CONTENT_XLSX);
    assert_int_equal(fx_run(x, len, "cards.xlsx", NULL, &r), 0);
    assert_int_equal(r.items[0].kind, CONTENT_XLSX);
    /* out-of-range and malformed shared-string indices give an empty cell */
    assert_string_equal(r.text.data, "cards.xlsx: Name\tCard\t\nAlice\t4111111111111111\t42\t\t\t\n"
                                     "\ntwo\t\n\nten\t\n\n");
    fx_done(&r);
    free(x);
}

static void
test_pptx_text(void **state)
{
    const struct fx_file f[] = {
        {CT, CT_XML, 0, 0},
        {"ppt/presentation.xml", "<p:presentation/>", 0, 0},
        {"ppt/notesSlides/notesSlide1.xml",
         "<p:notes><p:txBody><a:p><a:r><a:t>Notes</a:t></a:r></a:p></p:txBody></p:notes>", 0, 0},
        {"ppt/slides/slide2.xml",
         "<p:sld><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Second</a:t></a:r></a:p>"
         "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>",
         0, 0},
        {"ppt/slides/slide1.xml",
         "<p:sld><p:txBody><a:p><a:r><a:t>First</a:t></a:r></a:p><a:p><a:r><a:t>line</a:t>"
         "</a:r><a:br/><a:r><a:t>two</a:t></a:r></a:p></p:txBody></p:sld>",
         0, 0},
        {"ppt/slides/_rels/slide1.xml.rels", "<Relationships><t>no</t></Relationships>", 0, 0},
    };
    size_t len;
    uint8_t *p = fx_zip(f, 6, &len);
    struct fx_rec r;

    assert_int_equal(fx_run(p, len, "deck.pptx", NULL, &r), 0);
    assert_int_equal(r.items[0].kind, CONTENT_PPTX);
    assert_string_equal(r.text.data, "deck.pptx: First\nline\ntwo\n\nSecond\n\nNotes\n\n");
    fx_done(&r);
    free(p);
}

static void
test_encrypted_ooxml(void **state)
{
    size_t len;
    uint8_t *cfb = fx_cfb("EncryptionInfo", "EncryptedPackage", &len);
    struct fx_rec r;
    struct content_type t = content_magic(cfb, len);

    assert_int_equal(t.kind, CONTENT_OFFICE_ENCRYPTED);
    assert_string_equal(t.label, "encrypted_office");
    assert_true(t.encrypted);
    assert_int_equal(fx_run(cfb, len, "salary.xlsx", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_int_equal(r.n, 1);
    assert_true(r.items[0].encrypted);
    assert_true(r.items[0].have_hash); /* the file itself was read whole */
    fx_done(&r);

    const struct fx_file f[] = {{"salary.xlsx", (const char *)cfb, 0, len}};
    size_t zlen;
    uint8_t *z = fx_zip(f, 1, &zlen);
    assert_int_equal(fx_run(z, zlen, "hr.zip", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[1].path, "hr.zip/salary.xlsx");
    assert_int_equal(r.items[1].kind, CONTENT_OFFICE_ENCRYPTED);
    assert_true(r.items[1].encrypted);
    fx_done(&r);
    free(z);
    free(cfb);
}

static void
test_word97(void **state)
{
    size_t len;
    uint8_t *cfb = fx_cfb("1Table", "WordDocument", &len);
    struct content_type t = content_magic(cfb, len);
    struct fx_rec r;

    assert_int_equal(t.kind, CONTENT_OLE2);
    assert_string_equal(t.label, "doc");
    assert_string_equal(t.mime, "application/msword");
    assert_false(t.encrypted);
    /* the name inside a stream's data, off the 128-byte grid of directory entries, is not an
     * entry */
    static const char name[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
    memcpy(cfb + 512 * 3 + 5, name, sizeof name - 1);
    assert_int_equal(content_magic(cfb, len).kind, CONTENT_OLE2);
    assert_int_equal(fx_run(cfb, len, "old.doc", NULL, &r), 0);
    assert_false(r.items[0].encrypted);
    fx_done(&r);
    /* a bare OLE2 header and nothing else */
    assert_int_equal(content_magic(cfb, 512).kind, CONTENT_OLE2);
    assert_string_equal(content_magic(cfb, 512).label, "ole2");
    free(cfb);
}

/* Word, Excel and PowerPoint 97-2003 files encrypted with their own schemes: the flag in
 * Word's FIB, Excel's FILEPASS record after BOF, PowerPoint's EncryptedSummary stream */
static void
test_legacy_office_encrypted(void **state)
{
    size_t len;
    uint8_t *doc = fx_cfb("1Table", "WordDocument", &len);
    uint8_t *fib = doc + 512 + 10 * 512; /* WordDocument starts at sector 10 */
    struct fx_rec r;

    fx_le16(fib, 0xA5EC);
    fx_le16(fib + 10, 0x0000);
    assert_false(content_magic(doc, len).encrypted);
    fx_le16(fib + 10, 0x0100); /* fEncrypted */
    struct content_type t = content_magic(doc, len);
    assert_int_equal(t.kind, CONTENT_OLE2);
    assert_string_equal(t.label, "doc");
    assert_true(t.encrypted);
    assert_int_equal(fx_run(doc, len, "old.doc", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_true(r.items[0].encrypted);
    fx_done(&r);
    fx_le16(fib, 0x1234); /* not a FIB: no claim */
    assert_false(content_magic(doc, len).encrypted);
    free(doc);

    uint8_t *xls = fx_cfb("Workbook", "SummaryInformation", &len);
    uint8_t *bof = xls + 512 + 2 * 512; /* Workbook starts at sector 2 */
    fx_le16(bof, 0x0809);
    fx_le16(bof + 2, 16);
    memset(bof + 4, 0, 16);
    fx_le16(bof + 20, 0x0042); /* CODEPAGE */
    fx_le16(bof + 22, 2);
    fx_le16(bof + 26, 0x000A); /* EOF */
    fx_le16(bof + 28, 0);
    fx_le16(bof + 30, 0x002F); /* past EOF: not read */
    t = content_magic(xls, len);
    assert_string_equal(t.label, "xls");
    assert_false(t.encrypted);
    fx_le16(bof + 20, 0x002F); /* FILEPASS */
    assert_true(content_magic(xls, len).encrypted);
    free(xls);

    uint8_t *ppt = fx_cfb("PowerPoint Document", "EncryptedSummary", &len);
    t = content_magic(ppt, len);
    assert_string_equal(t.label, "ppt");
    assert_true(t.encrypted);
    free(ppt);
    ppt = fx_cfb("Current User", "PowerPoint Document", &len);
    t = content_magic(ppt, len);
    assert_string_equal(t.label, "ppt");
    assert_false(t.encrypted);
    free(ppt);
}

static void
test_pdf_encrypt(void **state)
{
    static const char plain[] = "%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n"
                                "%%EOF\n";
    static const char enc[] = "%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n"
                              "trailer<</Root 1 0 R/Encrypt 2 0 R>>\n%%EOF\n";
    struct fx_rec r;

    assert_false(content_magic((const uint8_t *)plain, strlen(plain)).encrypted);
    assert_int_equal(fx_run((const uint8_t *)plain, strlen(plain), "a.pdf", NULL, &r), 0);
    assert_int_equal(r.items[0].kind, CONTENT_PDF);
    assert_int_equal(r.text.len, 0);
    fx_done(&r);
    assert_int_equal(fx_run((const uint8_t *)enc, strlen(enc), "b.pdf", NULL, &r),
                     CONTENT_ANOM_ENCRYPTED);
    assert_true(r.items[0].encrypted);
    fx_done(&r);
}

/* office files cut short or with broken XML: anomalies, text of what could be read */
static void
test_broken_documents(void **state)
{
    const struct fx_file f[] = {
        {"word/document.xml", "<w:document><w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p><w:t", 0, 0},
    };
    size_t len;
    uint8_t *d = fx_zip(f, 1, &len);
    struct fx_rec r;

    assert_int_equal(fx_run(d, len, "b.docx", NULL, &r), CONTENT_ANOM_CORRUPT);
    assert_string_equal(r.text.data, "b.docx: kept\n\n");
    fx_done(&r);
    free(d);

    d = docx(&len);
    for (size_t cut = 30; cut < len; cut += 97) {
        fx_run(d, cut, "cut.docx", NULL, &r);
        assert_true(r.n >= 1);
        assert_string_equal(r.items[0].path, "cut.docx");
        /* once the local header of word/document.xml is in, it is a docx, not a zip */
        bool seen = memmem(d, cut, "word/document.xml", 17) != NULL;
        assert_int_equal(r.items[0].kind, seen ? CONTENT_DOCX : CONTENT_ZIP);
        if (seen)
            assert_int_equal(r.n, 1);
        fx_done(&r);
    }
    free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docx_text),       cmocka_unit_test(test_docx_embeddings),
        cmocka_unit_test(test_xlsx_text_bound), cmocka_unit_test(test_xlsx_text),
        cmocka_unit_test(test_pptx_text),       cmocka_unit_test(test_encrypted_ooxml),
        cmocka_unit_test(test_word97),          cmocka_unit_test(test_legacy_office_encrypted),
        cmocka_unit_test(test_pdf_encrypt),     cmocka_unit_test(test_broken_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
