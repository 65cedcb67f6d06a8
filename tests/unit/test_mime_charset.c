/* test_mime_charset - streaming conversion to UTF-8: labels and aliases, Korean (EUC-KR, CP949,
 * ISO-2022-KR; vectors made with Python's codecs), U+FFFD for invalid bytes, every split point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mime/mime_charset.h"

/* 주민등록번호는 880101-1234567 입니다. 똠방각하 ('똠' is outside EUC-KR, 0x8C 0x63 in CP949:
 * its trail byte is ASCII 'c') */
static const char ko_utf8[] =
    "\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d\xeb\xb2\x88\xed\x98\xb8\xeb\x8a\x94\x20"
    "880101-1234567 \xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4. \xeb\x98\xa0\xeb\xb0\xa9\xea\xb0\x81"
    "\xed\x95\x98";
static const char ko_cp949[] =
    "\xc1\xd6\xb9\xce\xb5\xee\xb7\xcf\xb9\xf8\xc8\xa3\xb4\xc2\x20\x38\x38\x30\x31\x30\x31\x2d"
    "\x31\x32\x33\x34\x35\x36\x37\x20\xc0\xd4\xb4\xcf\xb4\xd9\x2e\x20\x8c\x63\xb9\xe6\xb0\xa2"
    "\xc7\xcf";
/* 주민등록번호는 880101-1234567 입니다. */
static const char ko2_utf8[] =
    "\xec\xa3\xbc\xeb\xaf\xbc\xeb\x93\xb1\xeb\xa1\x9d\xeb\xb2\x88\xed\x98\xb8\xeb\x8a\x94\x20"
    "880101-1234567 \xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4.";
static const char ko2_euckr[] =
    "\xc1\xd6\xb9\xce\xb5\xee\xb7\xcf\xb9\xf8\xc8\xa3\xb4\xc2\x20\x38\x38\x30\x31\x30\x31\x2d"
    "\x31\x32\x33\x34\x35\x36\x37\x20\xc0\xd4\xb4\xcf\xb4\xd9\x2e";
static const char ko2_iso2022kr[] =
    "\x1b\x24\x29\x43\x0e\x41\x56\x39\x4e\x35\x6e\x37\x4f\x39\x78\x48\x23\x34\x42\x0f\x20\x38"
    "\x38\x30\x31\x30\x31\x2d\x31\x32\x33\x34\x35\x36\x37\x20\x0e\x40\x54\x34\x4f\x34\x59\x0f"
    "\x2e";

#define REPL "\xef\xbf\xbd"

/* convert in[0..len) fed at the given cut points (sorted, may repeat); returns the text */
static char *
run_cuts(const char *label, const char *in, size_t len, const size_t *cuts, size_t ncuts,
         uint64_t *bad)
{
    struct mime_charset *cs = mime_charset_new(label);
    assert_non_null(cs);
    struct buf out;
    buf_init(&out, 0);
    size_t at = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        assert_int_equal(mime_charset_feed(cs, (const uint8_t *)in + at, end - at, &out), 0);
        at = end;
    }
    assert_int_equal(mime_charset_finish(cs, &out), 0);
    if (bad)
        *bad = mime_charset_bad(cs);
    mime_charset_free(cs);
    char *r = strdup(out.data ? out.data : "");
    buf_release(&out);
    return r;
}

static char *
run(const char *label, const char *in, size_t len, uint64_t *bad)
{
    return run_cuts(label, in, len, NULL, 0, bad);
}

/* whole, every single split point, every pair of split points (short inputs), 1 byte at a
 * time: identical text and counters */
static void
check_splits(const char *label, const char *in, size_t len, const char *want, uint64_t wantbad)
{
    uint64_t bad;
    char *whole = run(label, in, len, &bad);
    if (strcmp(whole, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", label ? label : "(null)", whole, want);
    assert_int_equal(bad, wantbad);
    for (size_t c = 0; c <= len; c++) {
        char *r = run_cuts(label, in, len, &c, 1, &bad);
        if (strcmp(r, want) != 0)
            fail_msg("%s split at %zu: got \"%s\"", label ? label : "(null)", c, r);
        assert_int_equal(bad, wantbad);
        free(r);
    }
    if (len <= 64) {
        for (size_t a = 0; a <= len; a++)
            for (size_t b = a; b <= len; b++) {
                size_t cuts[2] = {a, b};
                char *r = run_cuts(label, in, len, cuts, 2, &bad);
                if (strcmp(r, want) != 0)
                    fail_msg("%s split at %zu,%zu: got \"%s\"", label ? label : "(null)", a, b, r);
                assert_int_equal(bad, wantbad);
                free(r);
            }
    }
    size_t *all = malloc((len + 1) * sizeof *all);
    for (size_t k = 0; k < len; k++)
        all[k] = k + 1;
    char *r = run_cuts(label, in, len, all, len, &bad);
    assert_string_equal(r, want);
    assert_int_equal(bad, wantbad);
    free(r);
    free(all);
    free(whole);
}

static void
test_labels(void **state)
{
    static const struct {
        const char *label, *name;
        bool unknown;
    } v[] = {
        {NULL, "US-ASCII", false},
        {"", "US-ASCII", false},
        {"us-ascii", "US-ASCII", false},
        {"UTF-8", "UTF-8", false},
        {"utf8", "UTF-8", false},
        {"\"utf-8\"", "UTF-8", false},
        {" Utf-8 ", "UTF-8", false},
        {"latin1", "ISO-8859-1", false},
        {"ISO-8859-1", "ISO-8859-1", false},
        {"windows-1252", "WINDOWS-1252", false},
        {"cp1252", "WINDOWS-1252", false},
        {"ks_c_5601-1987", "CP949", false},
        {"KS_C_5601-1987", "CP949", false},
        {"euc-kr", "CP949", false},
        {"EUC-KR", "CP949", false},
        {"cp949", "CP949", false},
        {"iso-2022-kr", "ISO-2022-KR", false},
        {"koi8-r", "KOI8-R", false},
        {"gb2312", "GBK", false},
        {"shift_jis", "CP932", false},
        {"x-no-such-charset", "UTF-8", true},
        {"utf-8//TRANSLIT", "UTF-8", true},
        {"../../etc/passwd", "UTF-8", true},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct mime_charset *cs = mime_charset_new(v[i].label);
        assert_non_null(cs);
        if (strcmp(mime_charset_name(cs), v[i].name) != 0 ||
            mime_charset_is_unknown(cs) != v[i].unknown)
            fail_msg("%s: %s unknown=%d", v[i].label ? v[i].label : "(null)", mime_charset_name(cs),
                     mime_charset_is_unknown(cs));
        mime_charset_free(cs);
    }
    assert_null(mime_charset_free(NULL));
}

static void
test_korean(void **state)
{
    /* EUC-KR and KS C 5601 labels read as CP949: '똠' decodes although EUC-KR lacks it */
    check_splits("ks_c_5601-1987", ko_cp949, sizeof ko_cp949 - 1, ko_utf8, 0);
    check_splits("euc-kr", ko_cp949, sizeof ko_cp949 - 1, ko_utf8, 0);
    check_splits("cp949", ko_cp949, sizeof ko_cp949 - 1, ko_utf8, 0);
    check_splits("euc-kr", ko2_euckr, sizeof ko2_euckr - 1, ko2_utf8, 0);
    /* ISO-2022-KR: stateful (SO/SI), the shift state carried across feeds */
    check_splits("iso-2022-kr", ko2_iso2022kr, sizeof ko2_iso2022kr - 1, ko2_utf8, 0);
    check_splits("utf-8", ko_utf8, sizeof ko_utf8 - 1, ko_utf8, 0);
}

static void
test_invalid_bytes(void **state)
{
    /* a CP949 lead byte followed by a byte that cannot trail: one U+FFFD, the byte kept */
    check_splits("cp949",
                 "a\xc1\x20"
                 "b",
                 4, "a" REPL " b", 1);
    check_splits("cp949",
                 "\xff"
                 "a",
                 2, REPL "a", 1);
    /* an incomplete sequence at the end: U+FFFD at finish */
    check_splits("cp949", "ab\xc1", 3, "ab" REPL, 1);
    check_splits("utf-8", "ab\xec\x95", 4, "ab" REPL, 1);
    /* UTF-8: one U+FFFD per maximal subpart (Unicode 3.9, WHATWG) */
    check_splits("utf-8",
                 "a\x80"
                 "b",
                 3, "a" REPL "b", 1);
    check_splits("utf-8", "\xc0\xaf", 2, REPL REPL, 2);                   /* overlong */
    check_splits("utf-8", "\xed\xa0\x80", 3, REPL REPL REPL, 3);          /* surrogate */
    check_splits("utf-8", "\xf4\x90\x80\x80", 4, REPL REPL REPL REPL, 4); /* > U+10FFFF */
    check_splits("utf-8",
                 "\xec\x95"
                 "a",
                 3, REPL "a", 1); /* cut short */
    check_splits("utf-8", "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", 0);
    check_splits(NULL, "caf\xc3\xa9 \xe9t\xe9", 9, "caf\xc3\xa9 " REPL "t" REPL, 2);
    /* an unknown label: read as UTF-8 */
    check_splits("x-unknown", "\xec\x95\x88\xff", 4, "\xec\x95\x88" REPL, 1);
    /* ISO-2022-KR: a byte outside its repertoire */
    check_splits("iso-2022-kr",
                 "a\x80"
                 "b",
                 3, "a" REPL "b", 1);
}

static void
test_single_byte(void **state)
{
    check_splits("latin1", "caf\xe9 \xff", 6, "caf\xc3\xa9 \xc3\xbf", 0);
    /* windows-1252: 0x93 0x94 quotes, 0x96 dash, 0x80 euro */
    check_splits("windows-1252",
                 "\x93Gr\xfc\xdf"
                 "e\x94 \x96 \x80",
                 11,
                 "\xe2\x80\x9cGr\xc3\xbc\xc3\x9f"
                 "e\xe2\x80\x9d \xe2\x80\x93 \xe2\x82\xac",
                 0);
    check_splits("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 6,
                 "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0);
}

static void
test_long_input(void **state)
{
    /* many repetitions through several internal output chunks; split at odd places */
    size_t reps = 500, one = sizeof ko_cp949 - 1, uone = sizeof ko_utf8 - 1;
    char *in = malloc(reps * one), *want = malloc(reps * uone + 1);
    for (size_t i = 0; i < reps; i++) {
        memcpy(in + i * one, ko_cp949, one);
        memcpy(want + i * uone, ko_utf8, uone);
    }
    want[reps * uone] = 0;
    size_t cuts[] = {1, 4097, 4098, 10001, 10002, 10003, 20000};
    uint64_t bad;
    char *r = run_cuts("euc-kr", in, reps * one, cuts, sizeof cuts / sizeof cuts[0], &bad);
    assert_string_equal(r, want);
    assert_int_equal(bad, 0);
    free(r);
    free(in);
    free(want);
}

static void
test_out_max(void **state)
{
    struct mime_charset *cs = mime_charset_new("euc-kr");
    struct buf out;
    buf_init(&out, 8);
    assert_int_equal(mime_charset_feed(cs, (const uint8_t *)ko_cp949, sizeof ko_cp949 - 1, &out),
                     -1);
    assert_true(out.len <= 8);
    mime_charset_free(cs);
    buf_release(&out);
    cs = mime_charset_new("utf-8");
    buf_init(&out, 4);
    assert_int_equal(mime_charset_feed(cs, (const uint8_t *)"abcdef", 6, &out), -1);
    mime_charset_free(cs);
    buf_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),        cmocka_unit_test(test_korean),
        cmocka_unit_test(test_invalid_bytes), cmocka_unit_test(test_single_byte),
        cmocka_unit_test(test_long_input),    cmocka_unit_test(test_out_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
