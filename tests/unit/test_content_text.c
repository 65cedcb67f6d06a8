/* test_content_text - text attachments read as their reader sees them: byte order marks,
 * declared charsets (EUC-KR, UTF-16 without a mark), unlabelled 8-bit text, HTML reduced to
 * its text, a bounded output; every input also fed a byte at a time, which must give the
 * same text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "content/content_text.h"
#include "util/buf.h"

/* a literal and its length, NULs included */
#define L(s) (const uint8_t *)s, sizeof(s) - 1

/* convert - whole and a byte at a time: both must give want (and the charset chosen) */
static void
convert(const uint8_t *in, size_t n, const char *charset, bool html, const char *want,
        const char *want_charset)
{
    struct content_text *t = content_text_new();
    struct buf whole, bytes;

    buf_init(&whole, 0);
    buf_init(&bytes, 0);
    content_text_begin(t, in, n, charset, html);
    assert_string_equal(content_text_charset(t), want_charset);
    assert_int_equal(content_text_feed(t, in, n, &whole), 0);
    assert_int_equal(content_text_finish(t, &whole), 0);
    content_text_begin(t, in, n, charset, html);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(content_text_feed(t, in + i, 1, &bytes), 0);
    assert_int_equal(content_text_finish(t, &bytes), 0);
    assert_int_equal(whole.len, strlen(want));
    assert_memory_equal(whole.data, want, whole.len);
    assert_int_equal(bytes.len, whole.len);
    assert_memory_equal(bytes.data, whole.data, whole.len);
    buf_release(&whole);
    buf_release(&bytes);
    content_text_free(t);
}

/* UTF-16 with a mark, either order; the mark is not text */
static void
test_utf16_marks(void **state)
{
    (void)state;
    convert(L("\xFF\xFE"
              "4\0"
              "1\0"
              "1\0"
              "1\0 \0\x74\xCE\xDC\xB4\x88\xBC\x38\xD6"),
            NULL, false, "4111 카드번호", "UTF-16LE");
    convert(L("\xFE\xFF\0"
              "4\0"
              "2\xCE\x74"),
            "iso-8859-1", false, "42카", "UTF-16BE");
    convert(L("\xEF\xBB\xBFok"), "euc-kr", false, "ok", "UTF-8");
}

/* a declared charset is used when no mark says otherwise; UTF-16 without a mark takes the
 * order its zero bytes show */
static void
test_declared(void **state)
{
    (void)state;
    convert(L("\xC1\xD6\xB9\xCE\xB5\xEE\xB7\xCF\xB9\xF8\xC8\xA3: 900101-1234567"), "euc-kr", false,
            "주민등록번호: 900101-1234567", "CP949");
    convert(L("1\0"
              "2\0"
              "3\0"),
            "utf-16", false, "123", "UTF-16LE");
    convert(L("\0"
              "1\0"
              "2\0"
              "3"),
            "utf-16", false, "123", "UTF-16BE");
    /* a label no converter knows: read as 8-bit text */
    convert(L("caf\xE9"), "x-no-such-charset", false, "café", "WINDOWS-1252");
}

/* no mark and no label: UTF-16 by its shape (most code units ASCII text), either order; zero
 * bytes that are not UTF-16 text are not taken for it */
static void
test_unmarked_utf16(void **state)
{
    (void)state;
    convert(L("4\0001\0"
              "1\0"
              "1\0,\0\x74\xCE\xDC\xB4"),
            NULL, false, "4111,카드", "UTF-16LE");
    convert(L("\0"
              "9\0"
              "0\0,\0"
              "1"),
            NULL, false, "90,1", "UTF-16BE");
    assert_int_equal(content_text_utf16_unmarked(L("A\0\1\0B\0C\0")), 0); /* a control */
    assert_int_equal(content_text_utf16_unmarked(L("\0\0\0\0\0\0\0\0")), 0);
    assert_int_equal(content_text_utf16_unmarked(L("plain ascii text")), 0);
}

/* no label: UTF-8 when it mostly is, else windows-1252 (0x80 is the euro sign there) */
static void
test_unlabelled(void **state)
{
    (void)state;
    convert(L("caf\xC3\xA9 \xE2\x82\xAC"), NULL, false, "café €", "UTF-8");
    convert(L("caf\xE9 \x80"), NULL, false, "café €", "WINDOWS-1252");
    convert(L("plain"), "us-ascii", false, "plain", "UTF-8");
}

/* HTML: tags, scripts and styles go; references are decoded; a charset applies first */
static void
test_html(void **state)
{
    static const char page[] = "<html><head><style>td{x:1}</style></head><body>"
                               "<p>Card&nbsp;4111 1111 <b>1111</b> 1111</p>"
                               "<script>var secret = 1;</script>"
                               "<table><tr><td>a</td><td>b</td></tr></table></body></html>";
    struct content_text *t = content_text_new();
    struct buf out;

    (void)state;
    buf_init(&out, 0);
    content_text_begin(t, (const uint8_t *)page, strlen(page), NULL, true);
    assert_int_equal(content_text_feed(t, (const uint8_t *)page, strlen(page), &out), 0);
    assert_int_equal(content_text_finish(t, &out), 0);
    assert_int_equal(buf_append(&out, "", 1), 0);
    assert_non_null(strstr(out.data, "4111 1111 1111 1111"));
    assert_null(strchr(out.data, '<'));
    assert_null(strstr(out.data, "secret"));
    assert_null(strstr(out.data, "x:1"));
    buf_release(&out);
    content_text_free(t);
    /* the same through a charset, whole and a byte at a time */
    convert(L("<p>\xC4\xAB\xB5\xE5\xB9\xF8\xC8\xA3</p>"), "euc-kr", true, "카드번호\n", "CP949");
}

/* a bounded output takes what fits, whole characters only, and says it was cut */
static void
test_bounded(void **state)
{
    static const char s[] = "0123456789\xC3\xA9\xC3\xA9";
    struct content_text *t = content_text_new();
    struct buf out;

    (void)state;
    buf_init(&out, 11);
    content_text_begin(t, (const uint8_t *)s, strlen(s), NULL, false);
    assert_int_equal(content_text_feed(t, (const uint8_t *)s, strlen(s), &out), -1);
    assert_int_equal(out.len, 10);
    assert_memory_equal(out.data, "0123456789", 10);
    buf_release(&out);
    content_text_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16_marks),    cmocka_unit_test(test_declared),
        cmocka_unit_test(test_unmarked_utf16), cmocka_unit_test(test_unlabelled),
        cmocka_unit_test(test_html),           cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
