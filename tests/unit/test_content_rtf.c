/* test_content_rtf - the text of RTF attachments, written here the ways Word, WordPad and
 * other writers write them: paragraphs, tabs, cells and rows; control symbols; Korean as
 * CP949 \'hh escapes (주민등록번호 is c1d6 b9ce b5ee b7cf b9f8 c8a3 in CP949) and as \uN
 * escapes with their \ucN fallbacks, a surrogate pair; fonts of several charsets switched by
 * \fN; destinations skipped (tables, pictures, objects' data, generator, field instructions,
 * document properties) and kept (field results, headers, footers, an object's result); \bin;
 * nesting past the bound; truncated and unbalanced files; the output limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "content_fixture.h"

/* 주민등록번호 */
#define RRN_WORD_UTF8 "\xEC\xA3\xBC\xEB\xAF\xBC\xEB\x93\xB1\xEB\xA1\x9D\xEB\xB2\x88\xED\x98\xB8"
#define RRN_WORD_CP949 "\\'c1\\'d6\\'b9\\'ce\\'b5\\'ee\\'b7\\'cf\\'b9\\'f8\\'c8\\'a3"

/* the header WordPad writes on a Korean system */
#define KOREAN_HEAD                                                                                \
    "{\\rtf1\\ansi\\ansicpg949\\deff0\\nouicompat\\deflang1033\\deflangfe1042"                     \
    "{\\fonttbl{\\f0\\fnil\\fcharset129 \\'b8\\'bc\\'c0\\'ba \\'b0\\'ed\\'b5\\'f1;}}\n"            \
    "{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \n"

/* check - the text of one RTF and the anomalies, with the given limits (NULL: defaults) */
static void
check_lim(const char *rtf, size_t len, const struct content_limits *lim, unsigned anom,
          const char *want)
{
    struct fx_rec r;
    struct buf b;

    assert_int_equal(fx_run((const uint8_t *)rtf, len, "a.rtf", lim, &r), anom);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].kind, CONTENT_RTF);
    assert_string_equal(r.items[0].label, "rtf");
    buf_init(&b, 0);
    if (want[0] != '\0')
        buf_printf(&b, "a.rtf: %s\n", want);
    assert_string_equal(r.text.data, b.data);
    buf_release(&b);
    fx_done(&r);
}

static void
check(const char *rtf, unsigned anom, const char *want)
{
    check_lim(rtf, strlen(rtf), NULL, anom, want);
}

static void
test_magic(void **state)
{
    struct content_type t = content_magic((const uint8_t *)"{\\rtf1 x}", 9);

    assert_int_equal(t.kind, CONTENT_RTF);
    assert_string_equal(t.mime, "application/rtf");
    assert_false(t.archive);
    assert_int_equal(content_magic((const uint8_t *)"{\\rt", 4).kind, CONTENT_TEXT);
    assert_int_equal(content_magic((const uint8_t *)" {\\rtf1}", 8).kind, CONTENT_TEXT);
}

static void
test_plain_paragraphs(void **state)
{
    check("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}\\f0\\pard\n"
          "Card 4111 1111\n 1111 1111\\par\r\n"
          "second\\line line\\par\n"
          "a\\tab b\\par\n"
          "\\trowd\\cellx1000\\cellx2000 x\\cell y\\cell\\row\n"
          "\\sect s\\page p\\par}",
          0, "Card 4111 1111 1111 1111\nsecond\nline\na\tb\nx\ty\t\n\ns\np\n");
}

static void
test_control_symbols(void **state)
{
    /* \~ is a space to the detectors, \_ a hyphen, \- an invisible hyphen; \<line end> is
     * \par; the space that ends a control word is not text, a second one is */
    check("{\\rtf1 4111\\~1111\\~1111\\~1111 900101\\_1234567 Per\\-son\n"
          "\\{x\\}\\\\ \\b  bold\\b0\\\n"
          "next\\emdash\\endash\\bullet\\lquote\\rquote\\ldblquote\\rdblquote}",
          0,
          "4111 1111 1111 1111 900101-1234567 Person{x}\\  bold\n"
          "next\xE2\x80\x94\xE2\x80\x93\xE2\x80\xA2\xE2\x80\x98\xE2\x80\x99\xE2\x80\x9C"
          "\xE2\x80\x9D");
}

static void
test_cp949_escapes(void **state)
{
    check(KOREAN_HEAD "\\pard\\f0\\fs20 " RRN_WORD_CP949 ": 900101-1234567\\par\n}", 0,
          RRN_WORD_UTF8 ": 900101-1234567\n");
    /* no font: the document's code page */
    check("{\\rtf1\\ansi\\ansicpg949 " RRN_WORD_CP949 "\\par}", 0, RRN_WORD_UTF8 "\n");
    /* a run split into groups is still one run; a lead byte left alone is U+FFFD */
    check("{\\rtf1\\ansi\\ansicpg949 {\\'c1}{\\'d6\\'b9}\\'ce\\par \\'c1\\par}", 0,
          "\xEC\xA3\xBC\xEB\xAF\xBC\n\xEF\xBF\xBD\n");
}

/* a run of 400 double-byte characters after one single-byte one: longer than what is held
 * before it is converted, and cut inside a character where it is */
static void
test_long_run(void **state)
{
    struct buf rtf, want;

    buf_init(&rtf, 0);
    buf_init(&want, 0);
    buf_append_str(&rtf, "{\\rtf1\\ansi\\ansicpg949 \\'78");
    buf_append_str(&want, "x");
    for (int i = 0; i < 400; i++) {
        buf_append_str(&rtf, "\\'b0\\'a1");
        buf_append_str(&want, "\xEA\xB0\x80"); /* 가 */
    }
    buf_append_str(&rtf, "}");
    check(rtf.data, 0, want.data);
    buf_release(&rtf);
    buf_release(&want);
}

static void
test_unicode_escapes(void **state)
{
    /* Word: \uc1 with a "?" fallback, then \uc2 with CP949 bytes as the fallback of each
     * character; negative values are code units past 32767 */
    check("{\\rtf1\\ansi\\ansicpg949\\uc1 \\u51452?\\u48124?\\par\n"
          "\\uc2\\u-14084\\'c1\\'d6\\u-17412\\'b9\\'ce\\par\n"
          "{\\uc0 \\u-10179\\u-8694 x}\\uc1\\u55357?\\u56832?\\par\n"
          "\\u55357?y\\u65?\\u-99999?\\u0?\\par}",
          0,
          "\xEC\xA3\xBC\xEB\xAF\xBC\n"
          "\xEC\xA3\xBC\xEB\xAF\xBC\n"
          "\xF0\x9F\x98\x8Ax\xF0\x9F\x98\x80\n"
          "\xEF\xBF\xBDyA\xEF\xBF\xBD\xEF\xBF\xBD\n");
    /* a fallback ends with its group; a control word counts as one character of it */
    check("{\\rtf1\\uc3 {\\u65 B}C\\u66\\b DEF\\par}", 0, "ACBF\n");
}

static void
test_font_charsets(void **state)
{
    check("{\\rtf1\\ansi\\ansicpg1252\\deff1"
          "{\\fonttbl{\\f0\\fnil\\fcharset129 Gulim;}{\\f1\\froman\\fcharset0 Times;}"
          "{\\f2\\fnil\\fcharset128 MS Mincho;}{\\f3\\fswiss\\fcharset204 Arial Cyr;}"
          "{\\f4\\fnil\\fcharset134 SimSun;}{\\f5\\fnil\\fcharset136 MingLiU;}"
          "{\\f6\\fnil\\fcharset238 Arial CE;}{\\f7\\fnil\\fcharset0\\cpg949 X;}"
          "{\\f8\\fnil\\fcharset1 Y;}}\n"
          "caf\\'e9 {\\f0 \\'b0\\'a1}{\\f2 \\'82\\'a0}{\\f3 \\'cf\\'f0}{\\f4 \\'d6\\'d0}"
          "{\\f5 \\'a4\\'a4}{\\f6 \\'9a}{\\f7 \\'b0\\'a1}{\\f8 \\'e9}\\par\n"
          "\\f0 \\'b0\\'a1\\plain \\'e9\\f99 \\'e9\\par}",
          0,
          "caf\xC3\xA9 \xEA\xB0\x80\xE3\x81\x82\xD0\x9F\xD1\x80\xE4\xB8\xAD\xE4\xB8\xAD"
          "\xC5\xA1\xEA\xB0\x80\xC3\xA9\n"
          "\xEA\xB0\x80\xC3\xA9\xC3\xA9\n");
}

/* Word's Korean runs: the Latin theme font (\fcharset0) as \f, the Korean one only as the
 * associated \dbch\af font; the bytes are in the document's double-byte code page */
static void
test_ansi_font_in_korean_document(void **state)
{
    check("{\\rtf1\\adeflang1025\\ansi\\ansicpg949\\uc2\\adeff31507\\deff0"
          "{\\fonttbl{\\f0\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}"
          "Times New Roman;}{\\fdbminor\\f31505\\fbidi \\froman\\fcharset129\\fprq2"
          "{\\*\\panose 02030600000101010101}\\'b9\\'d9\\'c5\\'c1{\\*\\falt Batang};}"
          "{\\fminor\\f31506\\fbidi \\froman\\fcharset0\\fprq2 Calibri;}}\n"
          "\\pard\\plain \\ltrpar\\ql \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 "
          "\\fs22\\lang1033\\langfe1042\\loch\\af31506\\hich\\af31506\\dbch\\af31505\\cgrid "
          "{\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\insrsid1 \\hich\\af31506\\dbch\\af31505"
          "\\loch\\f31506 " RRN_WORD_CP949 "\\loch\\f31506 : 900101-1234567}\\par}",
          0, RRN_WORD_UTF8 ": 900101-1234567\n");
}

static void
test_skipped_destinations(void **state)
{
    check("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
          "{\\colortbl;\\red255\\green0\\blue0;}"
          "{\\stylesheet{\\s0 Normal;}{\\*\\cs10 Default Paragraph Font;}}"
          "{\\*\\listtable{\\list{\\listlevel{\\leveltext\\'02\\'00.;}}}}"
          "{\\*\\generator Msftedit 5.41.21.2510;}"
          "{\\info{\\title Payroll 2024}{\\author Kim}{\\operator Lee}{\\subject Q1}"
          "{\\creatim\\yr2024\\mo1}{\\doccomm note}}"
          "{\\*\\themedata 504b030414}{\\*\\datastore 0105}{\\*\\xmlnstbl {\\xmlns1 http://x}}"
          "{\\*\\unknowndest 4111 1111 1111 1111}\n"
          "\\pard before {\\pict\\pngblip\\picw10 89504e470d0a1a0a}"
          "{\\*\\shppict{\\pict\\emfblip 0100}}{\\nonshppict{\\pict\\wmetafile8 0900}}after\\par\n"
          "{\\object\\objemb{\\*\\objclass Excel.Sheet.8}{\\*\\objdata 01050000020000000b}"
          "{\\result {\\rtlch shown result}}}\\par\n"
          "{\\field{\\*\\fldinst {HYPERLINK \"http://example.com/\"}}"
          "{\\fldrslt {\\ul link text}}}\\par\n"
          "{\\header header text\\par}{\\footer footer text\\par}{\\footnote note\\par}"
          "{\\*\\annotation comment}{\\*\\bkmkstart b1}body\\par}",
          0,
          "Payroll 2024\nQ1\nnote\nbefore after\nshown result\nlink text\n"
          "header text\nfooter text\nnote\ncomment\nbody\n");
}

static void
test_bin(void **state)
{
    static const char rtf[] = "{\\rtf1 A{\\pict\\bin6 }}\\'zz}B\\bin2 {}C\\par}";

    /* binary data with braces and a backslash in it is skipped by its length; outside a
     * picture too */
    check_lim(rtf, sizeof rtf - 1, NULL, 0, "ABC\n");
    /* a length past the end: the rest is binary, the group never closes */
    check("{\\rtf1 A\\bin999 xyz}", CONTENT_ANOM_CORRUPT, "A");
}

static void
test_deep_nesting(void **state)
{
    struct buf rtf;

    buf_init(&rtf, 0);
    buf_append_str(&rtf, "{\\rtf1 top ");
    for (int i = 0; i < 5000; i++)
        buf_append_str(&rtf, "{\\b ");
    buf_append_str(&rtf, "deep");
    for (int i = 0; i < 5000; i++)
        buf_append_str(&rtf, "}");
    buf_append_str(&rtf, "{{{ shallow}}} end\\par}");
    check(rtf.data, CONTENT_ANOM_DEPTH, "top  shallow end\n");
    buf_release(&rtf);
}

static void
test_truncated(void **state)
{
    static const char *const cut[] = {
        "{\\rtf1\\ansi\\ansicpg949 " RRN_WORD_CP949 ": 900101-1234567\\par more",
        "{\\rtf1 text {\\b bold",
        "{\\rtf1 a\\'c",
        "{\\rtf1 a\\",
        "{\\rtf1\\uc1 a\\u-14084",
        "{\\rtf1\\ansicpg949 a\\'c1",
    };
    static const char *const want[] = {
        RRN_WORD_UTF8 ": 900101-1234567\nmore",
        "text bold",
        "a",
        "a",
        "a\xEC\xA3\xBC",
        "a\xEF\xBF\xBD",
    };

    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        check(cut[i], CONTENT_ANOM_CORRUPT, want[i]);
    /* what follows the document's group is not read; a closing brace too many is not text */
    check("{\\rtf1 in}out}", 0, "in");
    check("{\\rtf1 a}}}", 0, "a");
}

static void
test_output_limit(void **state)
{
    struct content_limits lim = content_limits_default();
    static const char rtf[] = "{\\rtf1 0123456789\\par 0123456789\\par}";

    lim.max_entry_bytes = 16;
    check_lim(rtf, sizeof rtf - 1, &lim, CONTENT_ANOM_SIZE, "0123456789\n");
    lim.max_entry_bytes = 22;
    check_lim(rtf, sizeof rtf - 1, &lim, 0, "0123456789\n0123456789\n");
}

/* an RTF inside a zip is read as an entry */
static void
test_in_zip(void **state)
{
    const struct fx_file f[] = {{"docs/a.rtf", KOREAN_HEAD RRN_WORD_CP949 " x\\par}", 0, 0}};
    size_t len;
    uint8_t *z = fx_zip(f, 1, &len);
    struct fx_rec r;

    assert_int_equal(fx_run(z, len, "b.zip", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[1].label, "rtf");
    assert_string_equal(r.text.data, "b.zip/docs/a.rtf: " RRN_WORD_UTF8 " x\n\n");
    fx_done(&r);
    free(z);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic),
        cmocka_unit_test(test_plain_paragraphs),
        cmocka_unit_test(test_control_symbols),
        cmocka_unit_test(test_cp949_escapes),
        cmocka_unit_test(test_long_run),
        cmocka_unit_test(test_unicode_escapes),
        cmocka_unit_test(test_font_charsets),
        cmocka_unit_test(test_ansi_font_in_korean_document),
        cmocka_unit_test(test_skipped_destinations),
        cmocka_unit_test(test_bin),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_in_zip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
