/* test_mime_param - Content-Type / Content-Disposition values: the 103 Stalwart mail-parser
 * vectors (corpus/stalwart-mail-parser/content_type.json), then our own rules: RFC 2231
 * charsets and continuations, RFC 2047 in values, duplicates, limits, the raw boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_param.h"

/*
 * Where our documented rules deliberately differ from Stalwart's expectation, the case is listed
 * here with the reason and with what we give instead (still checked). Besides these, one rule
 * for all cases: Stalwart reports the RFC 2231 language as an extra `NAME-language` attribute;
 * we drop the language (nothing downstream reads it), so those expected attributes are skipped.
 * An expected `null` (no usable type) is compared as type "" with MIME_PARAM_BAD_TYPE: we
 * never return NULL, and parameters after a missing type are still read.
 */
struct differ {
    int index;
    const char *why;
    const char *attrs[8][2]; /* what we give */
};

static const struct differ differs[] = {
    {34,
     "RFC 2047 6.2: blanks between adjacent encoded words are dropped, inside quotes as well "
     "(Stalwart keeps them when quoted, drops them unquoted: case 35)",
     {{"name", "\xc3\xa1\xc3\xa9\xc3\xad.jpeg"}}},
    {59,
     "values are cleaned UTF-8: the NUL in key*0=\"f\\0oo\" is removed (a control character "
     "must not reach a log or a filename check)",
     {{"key4", "foo"}, {"key2", "ab%"}, {"key3", "xyzplop%"}, {"key", "foobazba%"}}},
    {61,
     "names with stars that are not RFC 2231 `name*`, `name*N` or `name*N*` are kept as "
     "written and a name that starts with '*' or has a blank before its '=' is junk "
     "(Stalwart strips stars its own way); only name*N with N a number is a section",
     {{"1", "a"}, {"3**", "b"}, {"4***", "c"}, {"9*10*11*12*13*14", "f"}, {"15*x***fff*", "==g"}}},
};

static const struct differ *
find_differ(int index)
{
    for (size_t i = 0; i < sizeof differs / sizeof differs[0]; i++)
        if (differs[i].index == index)
            return &differs[i];
    return NULL;
}

static void
check_attr(int idx, const struct mime_params *p, const char *name, const char *want, size_t wantlen)
{
    const char *got = mime_param_get(p, name);
    if (!got)
        fail_msg("case %d: no attribute \"%s\"", idx, name);
    if (strlen(got) != wantlen || memcmp(got, want, wantlen) != 0)
        fail_msg("case %d: %s = \"%s\", want \"%.*s\"", idx, name, got, (int)wantlen, want);
}

static void
test_stalwart_vectors(void **state)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpus/stalwart-mail-parser/content_type.json",
             dir ? dir : "/work/shared");
    json_error_t err;
    json_t *all = json_load_file(path, JSON_ALLOW_NUL, &err);
    if (!all)
        fail_msg("%s: %s", path, err.text);
    assert_int_equal(json_array_size(all), 103);
    size_t idx;
    json_t *v;
    json_array_foreach(all, idx, v)
    {
        json_t *h = json_object_get(v, "header");
        json_t *exp = json_object_get(v, "expected");
        struct mime_params *p = mime_param_parse(json_string_value(h), json_string_length(h));
        assert_non_null(p);
        if (!exp || json_is_null(exp)) {
            if (p->type[0] != 0 || !(p->flags & MIME_PARAM_BAD_TYPE))
                fail_msg("case %zu: want no type, got \"%s\"", idx, p->type);
            mime_param_free(p);
            continue;
        }
        const char *ct = json_string_value(json_object_get(exp, "c_type"));
        json_t *cst = json_object_get(exp, "c_subtype");
        const char *cs = json_is_string(cst) ? json_string_value(cst) : "";
        if (strcmp(p->type, ct) != 0 || strcmp(p->subtype, cs) != 0)
            fail_msg("case %zu: got %s/%s, want %s/%s", idx, p->type, p->subtype, ct, cs);
        if (!!(p->flags & MIME_PARAM_BAD_TYPE) != !json_is_string(cst))
            fail_msg("case %zu: BAD_TYPE flag %u", idx, p->flags);

        const struct differ *d = find_differ((int)idx);
        size_t want = 0;
        if (d) {
            for (; want < 8 && d->attrs[want][0]; want++)
                check_attr((int)idx, p, d->attrs[want][0], d->attrs[want][1],
                           strlen(d->attrs[want][1]));
        } else {
            json_t *attrs = json_object_get(exp, "attributes");
            size_t k;
            json_t *a;
            json_array_foreach(attrs, k, a)
            {
                const char *name = json_string_value(json_array_get(a, 0));
                json_t *val = json_array_get(a, 1);
                size_t nl = strlen(name);
                if (nl > 9 && strcmp(name + nl - 9, "-language") == 0)
                    continue;
                check_attr((int)idx, p, name, json_string_value(val), json_string_length(val));
                want++;
            }
        }
        if (p->nparams != want) {
            for (size_t k = 0; k < p->nparams; k++)
                print_message("  %s=%s\n", p->params[k].name, p->params[k].value);
            fail_msg("case %zu: %zu parameters, want %zu", idx, p->nparams, want);
        }
        mime_param_free(p);
    }
    json_decref(all);
}

/* ---- our own rules ----------------------------------------------------------------------- */

static struct mime_params *
parse(const char *s)
{
    struct mime_params *p = mime_param_parse(s, strlen(s));
    assert_non_null(p);
    return p;
}

static void
expect1(const char *hdr, const char *name, const char *want, unsigned flags_set,
        unsigned flags_clear)
{
    struct mime_params *p = parse(hdr);
    const char *got = mime_param_get(p, name);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: %s = \"%s\", want \"%s\"", hdr, name, got ? got : "(none)", want);
    if ((p->flags & flags_set) != flags_set || (p->flags & flags_clear))
        fail_msg("%s: flags %#x (want set %#x, clear %#x)", hdr, p->flags, flags_set, flags_clear);
    mime_param_free(p);
}

static void
test_disposition(void **state)
{
    struct mime_params *p = parse("attachment; filename*=UTF-8''%EC%95%88.txt");
    assert_string_equal(p->type, "attachment");
    assert_string_equal(p->subtype, "");
    assert_true(p->flags & MIME_PARAM_BAD_TYPE); /* the caller knows a disposition has none */
    assert_string_equal(mime_param_get(p, "filename"), "\xec\x95\x88.txt");
    assert_null(mime_param_get(p, "name"));
    mime_param_free(p);
    p = parse("INLINE");
    assert_string_equal(p->type, "inline");
    assert_int_equal(p->nparams, 0);
    assert_null(p->params);
    mime_param_free(p);
    p = mime_param_parse(NULL, 0);
    assert_string_equal(p->type, "");
    assert_true(p->flags & MIME_PARAM_BAD_TYPE);
    mime_param_free(p);
    assert_null(mime_param_free(NULL));
}

static void
test_rfc2231_charsets(void **state)
{
    /* 주민등록번호 in EUC-KR, labelled three ways: all read as CP949 */
    const char *want = "\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d\xeb\xb2\x88\xed\x98\xb8";
    expect1("attachment; filename*=euc-kr''%C1%D6%B9%CE%B5%EE%B7%CF%B9%F8%C8%A3", "filename", want,
            0, MIME_PARAM_BAD_CHARSET | MIME_PARAM_BAD_ENCODING);
    expect1("attachment; filename*=ks_c_5601-1987'ko'%C1%D6%B9%CE%B5%EE%B7%CF%B9%F8%C8%A3",
            "filename", want, 0, MIME_PARAM_BAD_CHARSET);
    expect1("attachment; filename*0*=cp949''%C1%D6%B9%CE; filename*1*=%B5%EE%B7%CF%B9%F8%C8%A3",
            "filename", want, 0, MIME_PARAM_CONTINUATION_GAP);
    /* a multibyte character split across two sections is joined before conversion */
    expect1("attachment; filename*0*=utf-8''%EC%95; filename*1*=%88.txt", "filename",
            "\xec\x95\x88.txt", 0, MIME_PARAM_BAD_ENCODING);
    /* a charset iconv does not know: read as UTF-8, flagged */
    expect1("attachment; filename*=x-no-such-charset''abc%41", "filename", "abcA",
            MIME_PARAM_BAD_CHARSET, 0);
    /* bytes invalid in their charset: U+FFFD, flagged */
    expect1("attachment; filename*=utf-8''a%FFb", "filename",
            "a\xef\xbf\xbd"
            "b",
            MIME_PARAM_BAD_ENCODING, 0);
    /* a bad %XX is kept as written and flagged */
    expect1("attachment; filename*=utf-8''50%zz.txt", "filename", "50%zz.txt",
            MIME_PARAM_BAD_ENCODING, 0);
    expect1("attachment; filename*=utf-8''100%", "filename", "100%", MIME_PARAM_BAD_ENCODING, 0);
    /* no charset'lang' at all: taken as percent-encoded UTF-8, flagged */
    expect1("attachment; filename*=a%20b", "filename", "a b", MIME_PARAM_BAD_ENCODING, 0);
    /* an empty charset */
    expect1("attachment; filename*=''a%20b", "filename", "a b", 0, MIME_PARAM_BAD_ENCODING);
}

static void
test_continuations(void **state)
{
    /* out of order in the header: joined in numeric order */
    expect1("a/b; name*1=\"world\"; name*0=\"hello \"", "name", "hello world", 0,
            MIME_PARAM_CONTINUATION_GAP | MIME_PARAM_DUPLICATE);
    /* a gap: still joined, flagged */
    expect1("a/b; name*0=a; name*2=c", "name", "ac", MIME_PARAM_CONTINUATION_GAP, 0);
    expect1("a/b; name*1=b; name*2=c", "name", "bc", MIME_PARAM_CONTINUATION_GAP, 0);
    /* the same section twice: first kept */
    expect1("a/b; name*0=a; name*0=x; name*1=b", "name", "ab", MIME_PARAM_DUPLICATE, 0);
    /* encoded words in plain sections are decoded after joining */
    expect1("a/b; name*0=\"=?utf-8?B?7JWI?=\"; name*1=\".txt\"", "name", "\xec\x95\x88.txt", 0, 0);
}

static void
test_duplicates(void **state)
{
    expect1("a/b; name=first; name=second", "name", "first", MIME_PARAM_DUPLICATE, 0);
    expect1("a/b; NAME=first; name=second", "name", "first", MIME_PARAM_DUPLICATE, 0);
    /* the extended form wins over the plain one; the same text twice is not a duplicate */
    expect1("attachment; filename=\"x.txt\"; filename*=utf-8''x.txt", "filename", "x.txt", 0,
            MIME_PARAM_DUPLICATE);
    expect1("attachment; filename*=utf-8''x.txt; filename=\"x.txt\"", "filename", "x.txt", 0,
            MIME_PARAM_DUPLICATE);
    expect1("attachment; filename=\"=?utf-8?B?7JWI?=.txt\"; filename*=utf-8''%EC%95%88.txt",
            "filename", "\xec\x95\x88.txt", 0, MIME_PARAM_DUPLICATE);
    /* two names that differ (one shown, another saved): the extended one, flagged */
    expect1("attachment; filename=\"invoice.pdf\"; filename*=utf-8''invoice.exe", "filename",
            "invoice.exe", MIME_PARAM_DUPLICATE, 0);
    expect1("attachment; filename*0=a; filename=b", "filename", "a", MIME_PARAM_DUPLICATE, 0);
    struct mime_params *p = parse("a/b; x=1; y=2; x=3");
    assert_int_equal(p->nparams, 2);
    assert_string_equal(p->params[0].name, "x");
    assert_string_equal(p->params[0].value, "1");
    assert_string_equal(p->params[1].name, "y");
    mime_param_free(p);
}

static void
test_rfc2047_values(void **state)
{
    expect1("attachment; filename=\"=?euc-kr?B?x9Gx2y50eHQ=?=\"", "filename",
            "\xed\x95\x9c\xea\xb8\x80.txt", 0, MIME_PARAM_BAD_CHARSET);
    expect1("attachment; filename=\"=?x-unknown?B?YWJj?=\"", "filename",
            "=?x-unknown?B?YWJj?=", MIME_PARAM_BAD_CHARSET, 0);
    expect1("attachment; filename==?utf-8?q?a_b?=", "filename", "a b", 0, 0);
}

static void
test_syntax_tolerance(void **state)
{
    expect1("text/plain; charset=utf-8;; format=flowed", "format", "flowed", 0,
            MIME_PARAM_BAD_SYNTAX);
    expect1("text/plain charset=utf-8", "charset", "utf-8", 0, MIME_PARAM_BAD_SYNTAX);
    expect1("attachment; filename=my file (1).pdf", "filename", "my file (1).pdf", 0, 0);
    expect1("attachment; filename=my file.pdf ; size=3", "filename", "my file.pdf", 0, 0);
    expect1("attachment; filename=\"unterminated", "filename", "unterminated",
            MIME_PARAM_BAD_SYNTAX, 0);
    expect1("a/b; (comment; with semicolon) x=1", "x", "1", 0, 0);
    expect1("a/b; x=1 (unterminated comment", "x", "1", MIME_PARAM_BAD_SYNTAX, 0);
    expect1("a/b; junk; x=1", "x", "1", MIME_PARAM_BAD_SYNTAX, 0);
    expect1("a/b; \"quoted junk\"; x=1", "x", "1", MIME_PARAM_BAD_SYNTAX, 0);
    expect1("a/b; x=\"\"", "x", "", 0, 0);
    expect1("a/b; x=\"a\\\\b\\\"c\"", "x", "a\\b\"c", 0, 0);
    /* values are clean UTF-8: controls removed, TAB a space, bad bytes U+FFFD */
    expect1("a/b; x=\"a\x01\x7f"
            "b\tc\"",
            "x", "ab c", 0, 0);
    expect1("a/b; x=\"caf\xe9\"", "x", "caf\xef\xbf\xbd", 0, 0);
    /* a name of control characters only is no name (found by fuzz_mime_param) */
    struct mime_params *p = parse("a/b; \x1b\x01=x; y=1");
    assert_int_equal(p->nparams, 1);
    assert_string_equal(mime_param_get(p, "y"), "1");
    assert_true(p->flags & MIME_PARAM_BAD_SYNTAX);
    mime_param_free(p);
    /* a type of control characters only is no type (found by fuzz_mime_param) */
    p = mime_param_parse("\0\t/x; y=1", 10);
    assert_string_equal(p->type, "");
    assert_string_equal(p->subtype, "");
    assert_true(p->flags & MIME_PARAM_BAD_TYPE);
    assert_string_equal(mime_param_get(p, "y"), "1");
    mime_param_free(p);
    p = parse("TEXT/HTML; CHARSET=UTF-8");
    assert_string_equal(p->type, "text");
    assert_string_equal(p->subtype, "html");
    assert_string_equal(mime_param_get(p, "charset"), "UTF-8"); /* values keep their case */
    assert_int_equal(p->flags, 0);
    mime_param_free(p);
}

static void
test_boundary_raw(void **state)
{
    /* the boundary is matched byte for byte: no RFC 2047, no cleaning */
    expect1("multipart/mixed; boundary=\"=?utf-8?q?abc?=\"", "boundary", "=?utf-8?q?abc?=", 0, 0);
    expect1("multipart/mixed; boundary=\"\xff\xfe-x\"", "boundary", "\xff\xfe-x", 0, 0);
    expect1("multipart/mixed; boundary=\"----=_NextPart_000_0001\"", "boundary",
            "----=_NextPart_000_0001", 0, 0);
    expect1("multipart/mixed; boundary*0=\"ab\"; boundary*1=\"cd\"", "boundary", "abcd", 0, 0);
}

static void
test_limits(void **state)
{
    char hdr[8192];
    size_t n = (size_t)snprintf(hdr, sizeof hdr, "a/b");
    for (int i = 0; i < 70; i++)
        n += (size_t)snprintf(hdr + n, sizeof hdr - n, "; p%d=%d", i, i);
    struct mime_params *p = parse(hdr);
    assert_int_equal(p->nparams, 64);
    assert_true(p->flags & MIME_PARAM_TRUNCATED);
    assert_string_equal(mime_param_get(p, "p63"), "63");
    assert_null(mime_param_get(p, "p64"));
    mime_param_free(p);

    /* a value past 8 KB is cut on a character boundary */
    size_t big = 9000;
    char *h = malloc(big * 3 + 64);
    n = (size_t)sprintf(h, "a/b; x=\"");
    for (size_t i = 0; i < big; i++) { /* U+C548, 3 bytes */
        memcpy(h + n, "\xec\x95\x88", 3);
        n += 3;
    }
    strcpy(h + n, "\"");
    p = parse(h);
    const char *v = mime_param_get(p, "x");
    assert_non_null(v);
    assert_true(strlen(v) <= 8192 && strlen(v) > 8180);
    assert_int_equal(strlen(v) % 3, 0);
    assert_true(p->flags & MIME_PARAM_TRUNCATED);
    mime_param_free(p);
    free(h);

    /* many sections: bounded, still a value */
    h = malloc(300 * 24 + 64);
    n = (size_t)sprintf(h, "a/b");
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(h + n, "; x*%d=y", i);
    p = parse(h);
    v = mime_param_get(p, "x");
    assert_non_null(v);
    assert_int_equal(strlen(v), 256);
    assert_true(p->flags & MIME_PARAM_TRUNCATED);
    mime_param_free(p);
    free(h);

    /* a section number too large to be one: a name as written */
    p = parse("a/b; x*1234567=y");
    assert_string_equal(mime_param_get(p, "x*1234567"), "y");
    mime_param_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalwart_vectors), cmocka_unit_test(test_disposition),
        cmocka_unit_test(test_rfc2231_charsets), cmocka_unit_test(test_continuations),
        cmocka_unit_test(test_duplicates),       cmocka_unit_test(test_rfc2047_values),
        cmocka_unit_test(test_syntax_tolerance), cmocka_unit_test(test_boundary_raw),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
