/* test_mime_html - streaming HTML to text: tags, script/style, comments, block line ends, cells,
 * blank collapsing, <pre>, character references, href/src, limits, and split invariance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mime/mime_html.h"

static char *
run_cuts(const char *in, size_t len, const size_t *cuts, size_t ncuts)
{
    struct mime_html *h = mime_html_new();
    struct buf out;
    buf_init(&out, 0);
    size_t at = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        assert_int_equal(mime_html_feed(h, (const uint8_t *)in + at, end - at, &out), 0);
        at = end;
    }
    assert_int_equal(mime_html_finish(h, &out), 0);
    mime_html_free(h);
    char *r = strdup(out.data ? out.data : "");
    buf_release(&out);
    return r;
}

/* the text of in, whole; then every split point, and 1 byte at a time, must give the same */
static void
expect(const char *in, const char *want)
{
    size_t len = strlen(in);
    char *whole = run_cuts(in, len, NULL, 0);
    if (strcmp(whole, want) != 0)
        fail_msg("\"%s\":\n got \"%s\"\nwant \"%s\"", in, whole, want);
    for (size_t c = 0; c <= len; c++) {
        char *r = run_cuts(in, len, &c, 1);
        if (strcmp(r, want) != 0)
            fail_msg("\"%s\" split at %zu: got \"%s\"", in, c, r);
        free(r);
    }
    size_t *all = malloc((len + 1) * sizeof *all);
    for (size_t k = 0; k < len; k++)
        all[k] = k + 1;
    char *r = run_cuts(in, len, all, len);
    if (strcmp(r, want) != 0)
        fail_msg("\"%s\" 1 byte at a time: got \"%s\"", in, r);
    free(r);
    free(all);
    free(whole);
}

static void
test_tags(void **state)
{
    expect("", "");
    expect("plain", "plain");
    expect("<b>bold</b> and <i>it</i>alic", "bold and italic");
    expect("<span style=\"color:red\">x</span>", "x");
    expect("<div data-secret=\"880101-1234567\">v</div>", "v\n"); /* other attributes dropped */
    expect("<a title=\"a>b\" href=x>t</a>", "<x> t");             /* '>' in quotes */
    expect("<a title='it>s'>t</a>", "t");
    expect("<img alt=x/>y", "y");
    expect("<FONT FACE=Arial>x</FONT>", "x");
    /* '<' that starts no tag is text */
    expect("a < b and c<3", "a < b and c<3");
    expect("1 <= 2", "1 <= 2");
    expect("x</>y", "xy");
    expect("x</ junk>y", "xy");
    expect("a<", "a<");
    expect("a</", "a</");
}

static void
test_script_style(void **state)
{
    expect("a<script>var s = '<b>x</b>';</script>b", "ab");
    expect("a<SCRIPT type=\"text/javascript\">if (a<b) x();</ScRiPt >b", "ab");
    expect("a<script>x</scriptx>y</script>b", "ab");
    expect("a<script>x<</script>b", "ab");
    expect("a<style>p { color: red }</style>b", "ab");
    expect("<style><!-- p{} --></style>ok", "ok");
    expect("<title>The Title</title>body", "The Title\nbody");
    expect("a<script>never closed", "a");
}

static void
test_comments(void **state)
{
    expect("a<!-- hidden -->b", "ab");
    expect("a<!-- x > y -->b", "ab");
    expect("a<!-- x --!>b", "ab"); /* browsers end it here, so must we */
    expect("a<!---->b", "ab");
    expect("a<!-->b", "ab");
    expect("a<!--->b", "ab");
    expect("a<!-- - -- --->b", "ab");
    expect("<!DOCTYPE html><html>x</html>", "x");
    expect("<?xml version=\"1.0\"?>x", "x");
    expect("a<![CDATA[x]]>b", "ab"); /* HTML: a bogus comment up to the first '>' */
    expect("a<![CDATA[x>y]]>b", "ay]]>b");
    expect("a<!-- never closed", "a");
}

static void
test_blocks(void **state)
{
    expect("<p>one</p><p>two</p>", "one\ntwo\n");
    expect("<p>one</p>\n\n  <p>two</p>", "one\ntwo\n");
    expect("a<br>b<br/><br>c", "a\nb\n\nc");
    expect("<h1>Title</h1>text<hr>more", "Title\ntext\nmore");
    expect("<ul><li>a<li>b</ul>", "a\nb\n");
    expect("<div><div>x</div></div>", "x\n");
    expect("<blockquote>q</blockquote>", "q\n");
    expect("<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>",
           "k\tv\na\t1\n");
    expect("<tr><td> a </td><td> b </td></tr>", "a\tb\n");
}

static void
test_blanks(void **state)
{
    expect("a  \n\t b", "a b");
    expect("  lead and trail  ", "lead and trail");
    expect("a <b> b </b> c", "a b c");
    expect("<pre>a  b\n c</pre>d", "a  b\n c\nd");
    expect("<pre>x\r\ny</pre>", "x\ny\n");
    expect("w<br> x", "w\nx");
}

static void
test_references(void **state)
{
    expect("&amp; &lt; &gt; &quot; &apos; &#65; &#x41; &#X42; &eacute; &copy;",
           "& < > \" ' A A B \xc3\xa9 \xc2\xa9");
    expect("&AElig;&szlig;&yuml;&euro;&hellip;",
           "\xc3\x86\xc3\x9f\xc3\xbf\xe2\x82\xac\xe2\x80\xa6");
    expect("&#54620;&#xAE00;", "\xed\x95\x9c\xea\xb8\x80");
    /* invalid ones are kept as written */
    expect("&bogus; &#xZZ; & x & &;", "&bogus; &#xZZ; & x & &;");
    expect("a&ampx", "a&ampx");
    expect("AT&T", "AT&T");
    /* legacy names without ';' */
    expect("a &amp b &lt c &copy", "a & b < c \xc2\xa9");
    expect("&#0;&#xD800;&#x110000;&#99999999999;",
           "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    expect("&#128;&#150;", "\xe2\x82\xac\xe2\x80\x93"); /* windows-1252, as HTML reads them */
    /* nbsp is a blank; zero-width characters are dropped (they would split a number) */
    expect("a&nbsp;&nbsp;b", "a b");
    expect("880101&#8203;-&shy;1234567&zwj;", "880101-1234567");
    expect("x&#xFEFF;y", "xy");
    expect("&amp;lt;", "&lt;");
}

static void
test_links(void **state)
{
    expect("<a href=\"https://x.example/?a=1&amp;b=2\">link</a>",
           "<https://x.example/?a=1&b=2> link");
    expect("see <a href='http://e.example/'>here</a>.", "see <http://e.example/> here.");
    expect("<img src=cid:part1>", "<cid:part1>");
    expect("<img src=cid:part1 alt=x>y", "<cid:part1> y");
    expect("<a\nhref\n=\n\"  http://sp.example/a\nb  \"\n>t</a>", "<http://sp.example/ab> t");
    expect("<a href=\"\">e</a>", "e");
    expect("<A HREF=\"mailto:a@b.example\">m</A>", "<mailto:a@b.example> m");
    expect("<a hreflang=en href=u>t</a>", "<u> t");
    expect("<iframe src=\"data:text/plain;base64,MTIz\"></iframe>",
           "<data:text/plain;base64,MTIz>");
    expect("<p><a href=u>x</a></p>", "<u> x\n");
}

static void
test_korean(void **state)
{
    /* 주민등록번호: 880101-1234567 in a table cell */
    expect("<td>\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d\xeb\xb2\x88\xed\x98\xb8:</td>"
           "<td>880101&#45;1234567</td>",
           "\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d\xeb\xb2\x88\xed\x98\xb8:"
           "\t880101-1234567");
}

static void
test_long_tag(void **state)
{
    /* a tag past 64 KB is given up: its bytes are text */
    size_t n = 70 * 1024;
    char *in = malloc(n + 32);
    strcpy(in, "<a title=\"");
    memset(in + 10, 'x', n);
    strcpy(in + 10 + n, "\">z");
    char *r = run_cuts(in, strlen(in), NULL, 0);
    assert_true(strncmp(r, "<a title=\"xxx", 13) == 0);
    assert_true(strlen(r) > 64 * 1024);
    assert_string_equal(r + strlen(r) - 3, "\">z");
    free(r);
    size_t cuts[] = {5, 40000, 65540, 65541, 70000};
    r = run_cuts(in, strlen(in), cuts, sizeof cuts / sizeof cuts[0]);
    assert_true(strncmp(r, "<a title=\"xxx", 13) == 0);
    assert_string_equal(r + strlen(r) - 3, "\">z");
    free(r);
    free(in);
    /* a tag the data ends in is kept as text: not shown, but data leaving */
    expect("a<b title='880101-1234567'", "a<b title='880101-1234567'");
}

static void
test_document_splits(void **state)
{
    expect("<!DOCTYPE html>\n<html><head><title>T</title><style>.x{}</style>"
           "<script>if(a<b)</script></head><body>\n<!-- c --!> <p>Hello&nbsp;<b>w</b>orld"
           "&eacute;&#x21;</p><table><tr><td>k</td><td>\xec\x95\x88</td></tr></table>"
           "<a href=\"http://x.example/?q=1&amp;r=2\">go</a><br><pre> p  q </pre>"
           "<img src='cid:1'> end &amp done</body></html>",
           "T\nHello world\xc3\xa9!\nk\t\xec\x95\x88\n<http://x.example/?q=1&r=2> go\n"
           " p  q \n<cid:1> end & done");
}

static void
test_out_max(void **state)
{
    struct mime_html *h = mime_html_new();
    struct buf out;
    buf_init(&out, 10);
    assert_int_equal(mime_html_feed(h, (const uint8_t *)"<p>0123456789abcdef</p>", 23, &out), -1);
    assert_true(out.len <= 10);
    mime_html_free(h);
    buf_release(&out);
    assert_null(mime_html_free(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags),     cmocka_unit_test(test_script_style),
        cmocka_unit_test(test_comments), cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_blanks),   cmocka_unit_test(test_references),
        cmocka_unit_test(test_links),    cmocka_unit_test(test_korean),
        cmocka_unit_test(test_long_tag), cmocka_unit_test(test_document_splits),
        cmocka_unit_test(test_out_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
