/* test_mime_stream - the streaming MIME parser on generated messages: nesting, nested
 * messages, boundaries that prefix each other, broken framing, transfer encodings, every
 * limit, CRLF and LF, the line end before a delimiter, charsets and HTML to text, chunking of
 * large bodies. Every message is also fed a byte at a time and in random splits, which must
 * give exactly the same callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream.h"
#include "util/buf.h"
#include "util/mem.h"

#include "test_mime_stream_rec.h"

#define A(x) (1u << MIME_ANOM_##x)

/* run - a NUL-terminated message, checked for split invariance */
static struct rec *
run(const char *msg, const struct mime_stream_limits *lim)
{
    return rec_run_checked(msg, strlen(msg), lim);
}

/* part - the record of a path, which must exist */
static const struct rec_part *
part(struct rec *r, const char *path)
{
    const struct rec_part *p = rec_find(r, path);

    if (!p)
        fail_msg("no part %s", path);
    return p;
}

/* assert_body - the decoded body of a part, exactly */
static void
assert_body(struct rec *r, const char *path, const char *want)
{
    const struct rec_part *p = part(r, path);

    assert_int_equal(p->body.len, strlen(want));
    assert_memory_equal(p->body.data ? p->body.data : "", want, strlen(want));
    assert_int_equal(p->st.decoded_bytes, strlen(want));
}

/* assert_text - the text of a part, exactly */
static void
assert_text(struct rec *r, const char *path, const char *want)
{
    const struct rec_part *p = part(r, path);

    assert_int_equal(p->text.len, strlen(want));
    assert_memory_equal(p->text.data ? p->text.data : "", want, strlen(want));
    assert_int_equal(p->st.text_bytes, strlen(want));
}

/* paths - the part paths in part_start order, space separated */
static void
assert_paths(struct rec *r, const char *want)
{
    struct buf b;

    buf_init(&b, 0);
    for (size_t i = 0; i < r->n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", r->parts[i].path);
    assert_string_equal(b.data ? b.data : "", want);
    buf_release(&b);
}

static void
test_nested_three_deep(void **state)
{
    static const char msg[] = "Content-Type: multipart/mixed; boundary=A\r\n"
                              "\r\n"
                              "--A\r\n"
                              "Content-Type: text/plain\r\n"
                              "\r\n"
                              "one\r\n"
                              "--A\r\n"
                              "Content-Type: multipart/alternative; boundary=B\r\n"
                              "\r\n"
                              "--B\r\n"
                              "Content-Type: multipart/related; boundary=C\r\n"
                              "\r\n"
                              "--C\r\n"
                              "\r\n"
                              "deep\r\n"
                              "--C\r\n"
                              "Content-Type: application/octet-stream\r\n"
                              "\r\n"
                              "bin\r\n"
                              "--C--\r\n"
                              "--B--\r\n"
                              "--A--\r\n";
    struct rec *r = run(msg, NULL);

    (void)state;
    assert_paths(r, "0 1 2 2.1 2.1.1 2.1.2");
    assert_int_equal(part(r, "2.1.1")->depth, 3);
    assert_true(part(r, "2.1")->is_multipart);
    assert_string_equal(part(r, "2.1")->subtype, "related");
    assert_body(r, "1", "one");
    assert_body(r, "2.1.1", "deep");
    assert_string_equal(part(r, "2.1.1")->charset, "us-ascii"); /* the default */
    assert_body(r, "2.1.2", "bin");
    assert_true(part(r, "2.1.2")->is_attachment);
    assert_false(part(r, "2.1.2")->is_text);
    assert_int_equal(part(r, "2.1.2")->offset, strstr(msg, "Content-Type: application") - msg);
    assert_int_equal(r->anomalies, 0);
    rec_free(r);
}

static void
test_message_in_multipart(void **state)
{
    static const char msg[] = "Content-Type: multipart/mixed; boundary=X\n"
                              "\n"
                              "--X\n"
                              "Content-Type: message/rfc822\n"
                              "\n"
                              "Subject: inner\n"
                              "Content-Type: multipart/mixed; boundary=Y\n"
                              "\n"
                              "--Y\n"
                              "Content-Type: text/plain; charset=utf-8\n"
                              "\n"
                              "inner text\n"
                              "--Y\n"
                              "Content-Disposition: attachment; filename=a.txt\n"
                              "\n"
                              "attached\n"
                              "--Y--\n"
                              "--X--\n";
    struct rec *r = run(msg, NULL);

    (void)state;
    assert_paths(r, "0 1 1.1 1.1.1 1.1.2");
    assert_true(part(r, "1")->is_message);
    assert_false(part(r, "1")->is_attachment);
    assert_true(part(r, "1.1")->is_multipart);
    assert_int_equal(part(r, "1.1")->depth, 2);
    assert_int_equal(part(r, "1.1")->offset, strstr(msg, "Subject: inner") - msg);
    assert_text(r, "1.1.1", "inner text");
    assert_body(r, "1.1.2", "attached");
    assert_string_equal(part(r, "1.1.2")->filename, "a.txt");
    assert_true(part(r, "1.1.2")->is_attachment);
    assert_false(part(r, "1.1.2")->is_text);
    assert_int_equal(part(r, "1.1.2")->text.len, 0);
    assert_int_equal(r->anomalies, 0);
    rec_free(r);
}

/* boundaries that prefix each other: the innermost open one is tried first, and a boundary
 * followed by anything but blanks is not that boundary */
static void
test_prefix_boundaries(void **state)
{
    static const char outer_short[] = "Content-Type: multipart/mixed; boundary=a\n\n"
                                      "--a\n"
                                      "Content-Type: multipart/mixed; boundary=ab\n\n"
                                      "--ab\n\nx\n"
                                      "--a\n\ny\n"
                                      "--a--\n";
    static const char outer_long[] = "Content-Type: multipart/mixed; boundary=ab\n\n"
                                     "--ab\n"
                                     "Content-Type: multipart/mixed; boundary=a\n\n"
                                     "--a\n\nx\n"
                                     "--ab\n\ny\n"
                                     "--a  \t\n\nz\n"
                                     "--ab--\n";
    struct rec *r = run(outer_short, NULL);

    (void)state;
    /* "--a" closes the inner "ab" multipart and opens part 2 of the outer one */
    assert_paths(r, "0 1 1.1 2");
    assert_body(r, "1.1", "x");
    assert_body(r, "2", "y");
    assert_int_equal(r->anomalies, A(UNCLOSED));
    assert_int_equal(part(r, "1")->anomalies, A(UNCLOSED));
    rec_free(r);

    r = run(outer_long, NULL);
    /* "--ab" is not the inner "a" (b follows): it ends the inner multipart; "--a  \t" after
     * that is content, the inner multipart being closed */
    assert_paths(r, "0 1 1.1 2");
    assert_body(r, "1.1", "x");
    assert_body(r, "2", "y\n--a  \t\n\nz");
    assert_int_equal(r->anomalies, A(UNCLOSED));
    rec_free(r);
}

static void
test_unclosed_and_no_parts(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=Q\n\n"
                        "preamble\n--Q\n\nlast part\nno close\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1");
    assert_body(r, "1", "last part\nno close\n");
    assert_text(r, "0", "preamble");
    assert_int_equal(r->anomalies, A(UNCLOSED));
    rec_free(r);

    r = run("Content-Type: multipart/mixed; boundary=Q\n\nno delimiter at all\n", NULL);
    assert_paths(r, "0");
    assert_text(r, "0", "no delimiter at all\n");
    assert_int_equal(r->anomalies, A(NO_PARTS));
    rec_free(r);

    /* a delimiter right after a delimiter opens no part */
    r = run("Content-Type: multipart/mixed; boundary=Q\n\n--Q\n--Q\n\nx\n--Q\n--Q--\n", NULL);
    assert_paths(r, "0 1");
    assert_body(r, "1", "x");
    assert_int_equal(r->anomalies, 0);
    rec_free(r);

    /* a delimiter as the very last line opens no part */
    r = run("Content-Type: multipart/mixed; boundary=Q\n\n--Q\n\nbody\n--Q\n", NULL);
    assert_paths(r, "0 1");
    assert_body(r, "1", "body");
    assert_int_equal(r->anomalies, A(UNCLOSED));
    rec_free(r);
}

/* test_close_in_header - a close delimiter that ends a part's header section (the part has
 * no body) closes its multipart; the outer delimiter after the epilogue still opens the next
 * part, however the input is cut (the held line once started from the close delimiter's
 * bytes, found by fuzz_content_scan) */
static void
test_close_in_header(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=OUT\r\n\r\n"
                        "--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n"
                        "--IN\r\nContent-Type: text/plain\r\n"
                        "--IN--\r\n\r\n"
                        "--OUT\r\nContent-Type: text/plain\r\n\r\nsecond\r\n"
                        "--OUT--\r\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1 1.1 2");
    assert_body(r, "1.1", "");
    assert_body(r, "2", "second");
    assert_int_equal(r->anomalies, A(HEADER)); /* 1.1's header section has no end */
    rec_free(r);
}

static void
test_no_boundary(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed\n\n--x\n\nhidden\n--x--\n", NULL);

    (void)state;
    assert_paths(r, "0");
    assert_false(part(r, "0")->is_multipart);
    assert_true(part(r, "0")->is_text);
    assert_text(r, "0", "--x\n\nhidden\n--x--\n");
    assert_int_equal(r->anomalies, A(NO_BOUNDARY));
    rec_free(r);
}

static void
test_preamble_epilogue(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=Q\n\n"
                        " \t\n\n--Q\n\nbody\n--Q--\n\n  \nsecret epilogue\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1");
    /* the whitespace-only preamble is not offered; the epilogue is */
    assert_text(r, "0", "\n  \nsecret epilogue\n");
    assert_int_equal(r->anomalies, 0);
    rec_free(r);
}

static void
test_base64(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=Q\n\n"
                        "--Q\nContent-Type: application/octet-stream\n"
                        "Content-Transfer-Encoding: BASE64\n\n"
                        "aGVs\nbG8g\nd29y\nbGQ=\n"
                        "--Q\nContent-Type: application/octet-stream\n"
                        "Content-Transfer-Encoding: base64\n\n"
                        "aGV*s!bG8=\n"
                        "--Q--\n",
                        NULL);

    (void)state;
    assert_body(r, "1", "hello world");
    assert_int_equal(part(r, "1")->cte, MIME_CTE_BASE64);
    assert_int_equal(part(r, "1")->st.decode_errors, 0);
    assert_int_equal(part(r, "1")->anomalies, 0);
    assert_body(r, "2", "hello");
    assert_int_equal(part(r, "2")->st.decode_errors, 2);
    assert_int_equal(part(r, "2")->anomalies, A(BASE64));
    assert_int_equal(r->anomalies, A(BASE64));
    rec_free(r);
}

static void
test_quoted_printable(void **state)
{
    struct rec *r = run("Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n\n"
                        "caf=C3=A9 soft=\nbreak trailing   \nbad=ZZ end",
                        NULL);

    (void)state;
    assert_body(r, "0", "caf\xC3\xA9 softbreak trailing\nbad=ZZ end");
    assert_text(r, "0", "caf\xC3\xA9 softbreak trailing\nbad=ZZ end");
    assert_int_equal(part(r, "0")->st.decode_errors, 1);
    assert_int_equal(r->anomalies, A(QP));
    rec_free(r);
}

/* test_line_end_before_delimiter - it belongs to the delimiter, so sizes are exact */
static void
test_line_end_before_delimiter(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                        "--b\r\n\r\nhello\r\n"
                        "--b\r\n\r\nhello\r\n\r\n"
                        "--b\r\n\r\n"
                        "--b\r\nContent-Type: application/octet-stream\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"
                        "--b--\r\n",
                        NULL);

    (void)state;
    assert_body(r, "1", "hello");
    assert_body(r, "2", "hello\r\n");
    assert_body(r, "3", "");
    assert_int_equal(part(r, "4")->body.len, 3);
    assert_memory_equal(part(r, "4")->body.data, "\x00\x01\x02", 3);
    assert_int_equal(part(r, "4")->st.decoded_bytes, 3);
    assert_int_equal(r->anomalies, 0);
    assert_int_equal(part(r, "1")->st.raw_bytes, 5);
    rec_free(r);
}

/* to_crlf - a copy with every LF made CRLF */
static char *
to_crlf(const char *s)
{
    struct buf b;
    char *d;

    buf_init(&b, 0);
    for (; *s; s++)
        buf_append(&b, *s == '\n' ? "\r\n" : s, *s == '\n' ? 2 : 1);
    d = xmemdup(b.data, b.len);
    buf_release(&b);
    return d;
}

/* strip_cr - a buffer's bytes without CR */
static void
strip_cr(struct buf *out, const struct buf *in)
{
    buf_reset(out);
    for (size_t i = 0; i < in->len; i++)
        if (in->data[i] != '\r')
            buf_append(out, in->data + i, 1);
}

static void
test_crlf_lf_same(void **state)
{
    static const char msg[] = "From: a@example.com\n"
                              "Content-Type: multipart/mixed;\n boundary=\"zz\"\n\n"
                              "pre\n--zz\nContent-Type: text/plain\n\nline 1\nline 2\n\n"
                              "--zz\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
                              "iVBORw0KGgo=\n--zz\nContent-Transfer-Encoding: quoted-printable\n\n"
                              "a=3Db=\nc\n--zz--\nepilogue\n";
    char *crlf = to_crlf(msg);
    struct rec *lf = run(msg, NULL), *cr = run(crlf, NULL);
    struct buf x, y;

    (void)state;
    buf_init(&x, 0);
    buf_init(&y, 0);
    assert_int_equal(lf->n, cr->n);
    assert_int_equal(lf->anomalies, cr->anomalies);
    assert_int_equal(lf->anomalies, 0);
    for (size_t i = 0; i < lf->n; i++) {
        const struct rec_part *a = &lf->parts[i], *b = &cr->parts[i];
        assert_string_equal(a->path, b->path);
        assert_string_equal(a->type, b->type);
        assert_string_equal(a->subtype, b->subtype);
        assert_int_equal(a->is_attachment, b->is_attachment);
        if (a->cte == MIME_CTE_BASE64)
            buf_set(&x, b->body.data, b->body.len);
        else
            strip_cr(&x, &b->body);
        assert_int_equal(a->body.len, x.len);
        assert_memory_equal(a->body.data ? a->body.data : "", x.data ? x.data : "", x.len);
        strip_cr(&y, &b->text);
        assert_int_equal(a->text.len, y.len);
    }
    assert_body(cr, "2", "\x89PNG\r\n\x1a\n");
    assert_body(lf, "2", "\x89PNG\r\n\x1a\n");
    assert_body(cr, "1", "line 1\r\nline 2\r\n");
    assert_body(cr, "3", "a=bc");
    buf_release(&x);
    buf_release(&y);
    rec_free(lf);
    rec_free(cr);
    free(crlf);
}

static void
test_euc_kr(void **state)
{
    /* U+C548 U+B155 in EUC-KR, sent as base64 */
    struct rec *r = run("Content-Type: text/plain; charset=\"EUC-KR\"\n"
                        "Content-Transfer-Encoding: base64\n\n"
                        "vsiz5w==\n",
                        NULL);

    (void)state;
    assert_string_equal(part(r, "0")->charset, "euc-kr");
    assert_body(r, "0", "\xBE\xC8\xB3\xE7");
    assert_text(r, "0", "\xEC\x95\x88\xEB\x85\x95");
    assert_int_equal(r->anomalies, 0);
    rec_free(r);
}

static void
test_html_to_text(void **state)
{
    struct rec *r = run("Content-Type: text/html; charset=iso-8859-1\n\n"
                        "<html><head><style>p {color: red}</style></head>"
                        "<body><p>Card <b>4111</b> caf\xE9</p><script>var x=1;</script></body>"
                        "</html>\n",
                        NULL);
    const struct rec_part *p;

    (void)state;
    p = part(r, "0");
    assert_true(p->is_html);
    assert_true(p->is_text);
    assert_non_null(p->text.data);
    assert_non_null(strstr(p->text.data, "Card 4111 caf\xC3\xA9"));
    assert_null(strstr(p->text.data, "color"));
    assert_null(strstr(p->text.data, "var x"));
    assert_null(strchr(p->text.data, '<'));
    rec_free(r);
}

static void
test_limits_depth(void **state)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct rec *r;

    (void)state;
    lim.max_depth = 2;
    r = run("Content-Type: multipart/mixed; boundary=A\n\n"
            "--A\nContent-Type: multipart/mixed; boundary=B\n\n"
            "--B\nContent-Type: multipart/mixed; boundary=C\n\n"
            "--C\n\nhidden\n--C--\n"
            "--B--\n--A--\n",
            &lim);
    /* 1.1 would open a third level: it is not parsed, its bytes go to `body` as they are */
    assert_paths(r, "0 1 1.1");
    assert_false(part(r, "1.1")->is_multipart);
    assert_body(r, "1.1", "--C\n\nhidden\n--C--");
    assert_int_equal(r->anomalies, A(DEPTH));
    assert_int_equal(part(r, "1.1")->anomalies, A(DEPTH));
    rec_free(r);
}

static void
test_limits_parts(void **state)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct rec *r;

    (void)state;
    lim.max_parts = 3;
    r = run("Content-Type: multipart/mixed; boundary=A\n\n"
            "--A\n\none\n--A\n\ntwo\n--A\n\nthree\n--A\n\nfour\n--A--\n",
            &lim);
    assert_paths(r, "0 1 2");
    assert_body(r, "2", "two");
    assert_int_equal(r->anomalies, A(PARTS));
    rec_free(r);
}

static void
test_limits_header(void **state)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct buf msg;
    struct rec *r;

    (void)state;
    lim.max_header_bytes = 200;
    buf_init(&msg, 0);
    buf_append_str(&msg, "Content-Type: multipart/mixed; boundary=A\n\n--A\n");
    for (int i = 0; i < 20; i++)
        buf_printf(&msg, "X-Filler-%02d: 0123456789\n", i);
    buf_append_str(&msg, "Content-Type: application/zip\n\nbody\n--A--\n");
    r = rec_run_checked(msg.data, msg.len, &lim);
    /* the section past 200 bytes is not read: the part keeps the default type */
    assert_paths(r, "0 1");
    assert_string_equal(part(r, "1")->type, "text");
    assert_body(r, "1", "body");
    assert_int_equal(r->anomalies, A(HEADER_SIZE));
    rec_free(r);
    buf_release(&msg);
}

static void
test_limits_decoded(void **state)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct rec *r;

    (void)state;
    lim.max_part_bytes = 10;
    lim.max_total_bytes = 14;
    r = run("Content-Type: multipart/mixed; boundary=A\n\n"
            "--A\n\n0123456789abcdef\n--A\nContent-Transfer-Encoding: base64\n\n"
            "aGVsbG8gd29ybGQ=\n--A\n\nexact\n--A--\n",
            &lim);
    assert_body(r, "1", "0123456789");
    assert_true(part(r, "1")->st.truncated);
    assert_int_equal(part(r, "1")->st.raw_bytes, 16);
    assert_body(r, "2", "hell");
    assert_true(part(r, "2")->st.truncated);
    assert_body(r, "3", "");
    assert_true(part(r, "3")->st.truncated);
    assert_int_equal(r->anomalies, A(DECODED_LIMIT));
    rec_free(r);
}

static void
test_long_line(void **state)
{
    struct mime_stream_limits lim = mime_stream_limits_default();
    struct buf msg;
    struct rec *r;

    (void)state;
    lim.max_line = 100;
    buf_init(&msg, 0);
    buf_append_str(&msg, "Content-Type: multipart/mixed; boundary=A\n\n--A\n\n--A");
    for (int i = 0; i < 200; i++)
        buf_append(&msg, " ", 1);
    buf_append_str(&msg, "\nafter\n--A--\n");
    r = rec_run_checked(msg.data, msg.len, &lim);
    /* a delimiter line longer than max_line is not recognised: it is content */
    assert_paths(r, "0 1");
    assert_int_equal(part(r, "1")->body.len, 3 + 200 + 1 + 5);
    assert_int_equal(r->anomalies, A(LONG_LINE));
    rec_free(r);

    /* a long header field is cut (flagged); a long line with no colon begins the body */
    buf_reset(&msg);
    buf_append_str(&msg, "X-Long: ");
    for (int i = 0; i < 200; i++)
        buf_append(&msg, "x", 1);
    buf_append_str(&msg, "\nSubject: s\n");
    for (int i = 0; i < 200; i++)
        buf_append(&msg, "A", 1);
    buf_append_str(&msg, "\r\nmore\n");
    r = rec_run_checked(msg.data, msg.len, &lim);
    assert_paths(r, "0");
    assert_int_equal(part(r, "0")->text.len, 200 + 2 + 5);
    assert_memory_equal(part(r, "0")->text.data + 200, "\r\nmore\n", 7);
    assert_int_equal(r->anomalies, A(LONG_LINE) | A(HEADER));
    assert_non_null(strstr(r->trace.data, "H 0 Subject: s\n"));
    rec_free(r);
    buf_release(&msg);
}

static void
test_hostile_headers(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=A\n"
                        "Content-Transfer-Encoding: base64\n\n"
                        "--A\nContent-Type: text/plain\nContent-Type: application/zip\n"
                        "Content-Transfer-Encoding: x-uuencode\n\nnul\x01here\n"
                        "--A\nContent-Type: text/plain; charset=x-no-such-charset\n\nabc\n"
                        "--A--\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1 2");
    assert_int_equal(part(r, "0")->anomalies, A(CTE_ON_MULTIPART));
    assert_string_equal(part(r, "1")->subtype, "plain"); /* the first one wins */
    assert_int_equal(part(r, "1")->cte, MIME_CTE_8BIT);
    assert_int_equal(part(r, "1")->anomalies, A(DUP_HEADER) | A(BAD_CTE));
    assert_body(r, "1", "nul\x01here");
    assert_int_equal(part(r, "2")->anomalies, A(CHARSET));
    assert_text(r, "2", "abc");
    rec_free(r);
}

static void
test_nul_in_text(void **state)
{
    static const char msg[] = "Content-Type: text/plain\n\nab\0cd";
    struct rec *r = rec_run_checked(msg, sizeof msg - 1, NULL);

    (void)state;
    assert_int_equal(part(r, "0")->body.len, 5);
    assert_int_equal(r->anomalies, A(NUL));
    rec_free(r);
}

static void
test_attachment_rule(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=A\n\n"
                        "--A\nContent-Type: application/pdf\n\n%PDF\n"
                        "--A\nContent-Type: text/plain; name=\"notes.txt\"\n\nn\n"
                        "--A\nContent-Type: text/html\nContent-Disposition: inline\n\n<i>x</i>\n"
                        "--A\nContent-Type: text/csv\n\na,b\n"
                        "--A\nContent-Disposition: attachment\n\nplain but attached\n"
                        "--A--\n",
                        NULL);

    (void)state;
    assert_true(part(r, "1")->is_attachment);
    assert_true(part(r, "2")->is_attachment);
    assert_string_equal(part(r, "2")->filename, "notes.txt");
    assert_false(part(r, "2")->is_text);
    assert_false(part(r, "3")->is_attachment);
    assert_true(part(r, "3")->is_text);
    assert_string_equal(part(r, "3")->disposition, "inline");
    assert_true(part(r, "4")->is_attachment);
    assert_true(part(r, "5")->is_attachment);
    assert_null(part(r, "5")->filename);
    rec_free(r);
}

/* test_large_chunks - decoded bodies leave in chunks of exactly 64 KB, whatever the split */
static void
test_large_chunks(void **state)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct buf msg;
    struct rec *r;
    size_t lines = 4000;

    (void)state;
    buf_init(&msg, 0);
    buf_append_str(&msg, "Content-Type: multipart/mixed; boundary=A\r\n\r\n--A\r\n"
                         "Content-Type: application/octet-stream\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n");
    for (size_t i = 0; i < lines; i++) {
        buf_append(&msg, b64, 64);
        buf_append(&msg, "\r\n", 2);
    }
    buf_append_str(&msg, "--A--\r\n");
    r = rec_run_checked(msg.data, msg.len, NULL); /* checks no short chunk but the last */
    assert_int_equal(part(r, "1")->st.decoded_bytes, lines * 48);
    assert_int_equal(part(r, "1")->body.len, lines * 48);
    assert_int_equal(part(r, "1")->nchunks, (lines * 48 + 65535) / 65536);
    assert_int_equal(part(r, "1")->last_chunk, (lines * 48) % 65536);
    rec_free(r);
    buf_release(&msg);
}

static void
test_edge_inputs(void **state)
{
    struct rec *r = rec_run_checked("", 0, NULL);

    (void)state;
    assert_paths(r, "0");
    assert_string_equal(part(r, "0")->type, "text");
    assert_int_equal(r->anomalies, A(HEADER));
    rec_free(r);

    r = run("Subject: only headers\n", NULL);
    assert_paths(r, "0");
    assert_int_equal(r->anomalies, A(HEADER));
    rec_free(r);

    r = run("\nbody only", NULL);
    assert_text(r, "0", "body only");
    assert_int_equal(r->anomalies, 0);
    rec_free(r);

    r = run("Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nx\n", NULL);
    assert_paths(r, "0 1 1.1");
    assert_text(r, "1.1", "x\n");
    rec_free(r);
}

static void
test_digest_mbox_global(void **state)
{
    struct rec *r = run("From sender@example.com Mon Jan  1 00:00:00 2024\n"
                        "Content-Type: multipart/digest; boundary=D\n\n"
                        "--D\n\nSubject: m1\n\nbody1\n"
                        "--D\nContent-Type: message/global\n\nSubject: m2\n\nbody2\n"
                        "--D--\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1 1.1 2 2.1");
    assert_true(part(r, "0")->is_multipart);
    assert_string_equal(part(r, "1")->subtype, "rfc822"); /* the default in a digest */
    assert_true(part(r, "1")->is_message);
    assert_text(r, "1.1", "body1");
    assert_true(part(r, "2")->is_message);
    assert_text(r, "2.1", "body2");
    /* the mbox From line is kept in the section, a malformed field */
    assert_int_equal(r->anomalies, A(HEADER));
    rec_free(r);
}

static void
test_broken_nested_message(void **state)
{
    struct rec *r = run("Content-Type: multipart/mixed; boundary=B\n\n"
                        "--B\nContent-Type: message/rfc822\n\n"
                        "not a message, no colon\nsecret: 4111 1111 1111 1111\n"
                        "--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
                        "U3ViamVjdDogeAoKaGk=\n"
                        "--B--\n",
                        NULL);

    (void)state;
    assert_paths(r, "0 1 1.1 2 2.1");
    /* the line with no colon begins the nested message's body: all of it is inspected */
    assert_text(r, "1.1", "not a message, no colon\nsecret: 4111 1111 1111 1111");
    assert_int_equal(part(r, "1.1")->anomalies, A(HEADER));
    /* a base64 message/rfc822 is decoded, then parsed as a message */
    assert_true(part(r, "2")->is_message);
    assert_int_equal(part(r, "2")->body.len, 0);
    assert_int_equal(part(r, "2")->st.decoded_bytes, 14);
    assert_int_equal(part(r, "2.1")->depth, 2);
    assert_text(r, "2.1", "hi");
    assert_int_equal(part(r, "2")->anomalies, A(CTE_ON_MULTIPART));
    rec_free(r);
}

/* test_nested_encoded_limits - an encoded message's children stay inside the limits */
static void
test_nested_encoded_limits(void **state)
{
    static const char msg[] = "Content-Type: multipart/mixed; boundary=B\n\n"
                              "--B\nContent-Type: message/rfc822\n"
                              "Content-Transfer-Encoding: base64\n\n"
                              "%s\n"
                              "--B--\n";
    struct mime_stream_limits lim = mime_stream_limits_default();
    char text[512];
    struct rec *r;

    (void)state;
    snprintf(text, sizeof text, msg,
             "Q29udGVudC1UeXBlOiBtdWx0aXBhcnQvbWl4ZWQ7IGJvdW5kYXJ5PUkKCi0tSQoKaW5uZXIKLS1JLS0K");
    r = run(text, NULL);
    assert_paths(r, "0 1 1.1 1.1.1");
    assert_true(part(r, "1.1")->is_multipart);
    assert_int_equal(part(r, "1.1.1")->depth, 3);
    assert_text(r, "1.1.1", "inner");
    assert_int_equal(r->anomalies, A(CTE_ON_MULTIPART));
    rec_free(r);

    lim.max_depth = 2; /* 1.1 is at depth 2: not parsed */
    r = run(text, &lim);
    assert_paths(r, "0 1 1.1");
    assert_false(part(r, "1.1")->is_multipart);
    assert_int_equal(r->anomalies, A(CTE_ON_MULTIPART) | A(DEPTH));
    assert_int_equal(part(r, "1.1")->anomalies, A(DEPTH));
    rec_free(r);

    lim = mime_stream_limits_default();
    lim.max_parts = 3; /* 0, 1, 1.1 */
    r = run(text, &lim);
    assert_paths(r, "0 1 1.1");
    assert_int_equal(r->anomalies, A(CTE_ON_MULTIPART) | A(PARTS));
    rec_free(r);
}

static void
test_reset_and_names(void **state)
{
    struct rec r1;
    struct mime_stream *m;

    (void)state;
    memset(&r1, 0, sizeof r1);
    buf_init(&r1.trace, 0);
    m = mime_stream_new(NULL, &rec_callbacks, &r1);
    assert_int_equal(mime_stream_feed(m, "Content-Type: multipart/mixed; boundary=Q\n\n", 44), 0);
    mime_stream_reset(m);
    assert_int_equal(mime_stream_anomalies(m), 0);
    assert_int_equal(mime_stream_feed(m, "\nfresh", 6), 0);
    assert_int_equal(mime_stream_end(m), 0);
    assert_int_equal(mime_stream_end(m), -1);
    mime_stream_free(m);
    assert_null(mime_stream_free(NULL));
    assert_non_null(strstr(r1.trace.data, "T 0 5:fresh"));
    for (size_t i = 0; i < r1.n; i++) {
        free(r1.parts[i].path);
        free(r1.parts[i].type);
        free(r1.parts[i].subtype);
        free(r1.parts[i].charset);
        free(r1.parts[i].filename);
        free(r1.parts[i].disposition);
        buf_release(&r1.parts[i].body);
        buf_release(&r1.parts[i].text);
    }
    free(r1.parts);
    buf_release(&r1.trace);

    assert_string_equal(mime_anomaly_name(MIME_ANOM_UNCLOSED), "unclosed_multipart");
    assert_string_equal(mime_anomaly_name(MIME_ANOM_COUNT), "unknown");
    for (int i = 0; i < MIME_ANOM_COUNT; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(mime_anomaly_name(i), mime_anomaly_name(j));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_three_deep),
        cmocka_unit_test(test_message_in_multipart),
        cmocka_unit_test(test_prefix_boundaries),
        cmocka_unit_test(test_unclosed_and_no_parts),
        cmocka_unit_test(test_close_in_header),
        cmocka_unit_test(test_no_boundary),
        cmocka_unit_test(test_preamble_epilogue),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_line_end_before_delimiter),
        cmocka_unit_test(test_crlf_lf_same),
        cmocka_unit_test(test_euc_kr),
        cmocka_unit_test(test_html_to_text),
        cmocka_unit_test(test_limits_depth),
        cmocka_unit_test(test_limits_parts),
        cmocka_unit_test(test_limits_header),
        cmocka_unit_test(test_limits_decoded),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_nul_in_text),
        cmocka_unit_test(test_attachment_rule),
        cmocka_unit_test(test_large_chunks),
        cmocka_unit_test(test_edge_inputs),
        cmocka_unit_test(test_digest_mbox_global),
        cmocka_unit_test(test_broken_nested_message),
        cmocka_unit_test(test_nested_encoded_limits),
        cmocka_unit_test(test_reset_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
