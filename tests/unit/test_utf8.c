/* test_utf8 - UTF-8 validation and the sanitising that keeps events valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* a byte string with an explicit length, so NULs can be part of it */
#define BYTES(s) s, sizeof(s) - 1

struct len_case {
    const char *bytes;
    size_t len;
    size_t valid_len; /* utf8_valid_len at the start */
};

static const struct len_case len_cases[] = {
    {BYTES("A"), 1},
    {BYTES("\x7F"), 1},
    {BYTES("\xC2\x80"), 2},         /* U+0080, the first 2-byte */
    {BYTES("\xDF\xBF"), 2},         /* U+07FF */
    {BYTES("\xE0\xA0\x80"), 3},     /* U+0800 */
    {BYTES("\xED\x9F\xBF"), 3},     /* U+D7FF, just below the surrogates */
    {BYTES("\xEE\x80\x80"), 3},     /* U+E000, just above */
    {BYTES("\xEF\xBF\xBF"), 3},     /* U+FFFF */
    {BYTES("\xF0\x90\x80\x80"), 4}, /* U+10000 */
    {BYTES("\xF4\x8F\xBF\xBF"), 4}, /* U+10FFFF, the last code point */
    {BYTES("\xEA\xB0\x80"), 3},     /* 가 */
    {BYTES("\xF0\x9F\x98\x80"), 4}, /* 😀 */
    /* invalid */
    {BYTES("\x80"), 0}, /* lone continuation */
    {BYTES("\xBF"), 0},
    {BYTES("\xC0\x80"), 0},         /* overlong NUL */
    {BYTES("\xC1\xBF"), 0},         /* overlong U+007F */
    {BYTES("\xE0\x9F\xBF"), 0},     /* overlong U+07FF */
    {BYTES("\xF0\x8F\xBF\xBF"), 0}, /* overlong U+FFFF */
    {BYTES("\xED\xA0\x80"), 0},     /* U+D800 */
    {BYTES("\xED\xBF\xBF"), 0},     /* U+DFFF */
    {BYTES("\xF4\x90\x80\x80"), 0}, /* U+110000 */
    {BYTES("\xF5\x80\x80\x80"), 0},
    {BYTES("\xF8\x88\x80\x80\x80"), 0},
    {BYTES("\xFE"), 0},
    {BYTES("\xFF"), 0},
    {BYTES("\xC2"), 0}, /* truncated */
    {BYTES("\xE0\xA0"), 0},
    {BYTES("\xF0\x9F\x98"), 0},
    {BYTES("\xC2\x41"), 0}, /* continuation missing */
    {BYTES("\xE2\x82\x41"), 0},
    {BYTES("\xF0\x9F\x98\xC3"), 0},
};

/* test_valid_len_table - boundaries of each length, overlongs, surrogates, range, truncation */
static void
test_valid_len_table(void **state)
{
    for (size_t i = 0; i < sizeof len_cases / sizeof len_cases[0]; i++) {
        const struct len_case *c = &len_cases[i];
        size_t n = utf8_valid_len((const unsigned char *)c->bytes, c->len);
        if (n != c->valid_len)
            fail_msg("case %zu: utf8_valid_len = %zu, expected %zu", i, n, c->valid_len);
        if (utf8_is_valid(c->bytes, c->len) != (c->valid_len == c->len))
            fail_msg("case %zu: utf8_is_valid disagrees", i);
    }
}

struct valid_case {
    const char *text;
    size_t len;
};

static const struct valid_case valid_cases[] = {
    {BYTES("")},
    {BYTES("hello, world")},
    {BYTES("MAIL FROM:<alice@example.com> SIZE=1000")},
    {BYTES("\t~ !\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}")},
    {BYTES("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xEB\xA9\x94\xEC\x9D\xBC")}, /* 한국어 메일 */
    {BYTES("\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90@\xEC\x98\x88\xEC\x8B\x9C.\xED\x95\x9C\xEA\xB5"
           "\xAD")},                                  /* 사용자@예시.한국 */
    {BYTES("\xF0\x9F\x98\x80\xF0\x9F\x93\xA7 mail")}, /* 😀📧 */
    {BYTES("caf\xC3\xA9 \xE2\x82\xAC 5")},            /* café € 5 */
    {BYTES("\xF4\x8F\xBF\xBF\xEF\xBF\xBD\xC2\x80")},
};

/* test_valid_passes - valid text is valid and sanitises to itself */
static void
test_valid_passes(void **state)
{
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const struct valid_case *c = &valid_cases[i];
        struct buf out;

        if (!utf8_is_valid(c->text, c->len))
            fail_msg("case %zu (%s) is not valid", i, c->text);
        buf_init(&out, 0);
        utf8_sanitize(c->text, c->len, &out);
        if (out.len != c->len || memcmp(out.data, c->text, c->len) != 0)
            fail_msg("case %zu (%s) changed to %s", i, c->text, out.data);
        buf_release(&out);
    }
}

struct invalid_case {
    const char *name;
    const char *bytes;
    size_t len;
    const char *before; /* valid text kept in front of the replacement */
    const char *after;  /* ... and behind it */
};

static const struct invalid_case invalid_cases[] = {
    {"lone continuation", BYTES("a\x80z"), "a", "z"},
    {"continuations", BYTES("a\x80\xBF\x80z"), "a", "z"},
    {"overlong C0 80", BYTES("a\xC0\x80z"), "a", "z"},
    {"overlong E0 80 80", BYTES("a\xE0\x80\x80z"), "a", "z"},
    {"overlong F0 80 80 80", BYTES("a\xF0\x80\x80\x80z"), "a", "z"},
    {"surrogate ED A0 80", BYTES("a\xED\xA0\x80z"), "a", "z"},
    {"low surrogate ED BF BF", BYTES("a\xED\xBF\xBFz"), "a", "z"},
    {"past U+10FFFF F4 90 80 80", BYTES("a\xF4\x90\x80\x80z"), "a", "z"},
    {"F5..FF lead bytes", BYTES("a\xF5\xF8\xFC\xFE\xFFz"), "a", "z"},
    {"truncated 2-byte", BYTES("a\xC3z"), "a", "z"},
    {"truncated 3-byte", BYTES("a\xE2\x82z"), "a", "z"},
    {"truncated 4-byte", BYTES("a\xF0\x9F\x98z"), "a", "z"},
    {"truncated at the end", BYTES("abc\xF0\x9F\x98"), "abc", ""},
    {"truncated at the start", BYTES("\xE2\x82xyz"), "", "xyz"},
    {"NUL", BYTES("a\0z"), "a", "z"},
    {"NULs", BYTES("a\0\0\0z"), "a", "z"},
    {"only NUL", BYTES("\0"), "", ""},
    {"Latin-1 name", BYTES("Jos\xE9"), "Jos", ""},
    {"Korean then garbage", BYTES("\xED\x95\x9C\xFF\xEA\xB5\xAD"), "\xED\x95\x9C", "\xEA\xB5\xAD"},
    {"emoji cut then emoji", BYTES("\xF0\x9F\x98\xF0\x9F\x98\x80"), "", "\xF0\x9F\x98\x80"},
    {"lead then ASCII",
     BYTES("\xC2"
           "A"),
     "", "A"},
};

/* matches_replaced - out is `before`, one or more U+FFFD, then `after` */
static bool
matches_replaced(const struct buf *out, const char *before, const char *after)
{
    size_t lb = strlen(before), la = strlen(after), mid;

    if (out->len < lb + la + 3)
        return false;
    if (memcmp(out->data, before, lb) != 0 || memcmp(out->data + out->len - la, after, la) != 0)
        return false;
    mid = out->len - lb - la;
    if (mid % 3 != 0)
        return false;
    for (size_t i = 0; i < mid; i += 3)
        if (memcmp(out->data + lb + i, FFFD, 3) != 0)
            return false;
    return true;
}

/* test_invalid_replaced - invalid input becomes U+FFFD; the valid text around it is kept */
static void
test_invalid_replaced(void **state)
{
    for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct buf out;

        buf_init(&out, 0);
        utf8_sanitize(c->bytes, c->len, &out);
        if (!utf8_is_valid(out.data, out.len))
            fail_msg("%s: the output is not valid UTF-8", c->name);
        if (memchr(out.data, '\0', out.len) != NULL)
            fail_msg("%s: the output holds a NUL", c->name);
        if (!matches_replaced(&out, c->before, c->after))
            fail_msg("%s: got \"%s\" (%zu bytes)", c->name, out.data, out.len);
        buf_release(&out);
    }
}

/* test_exact_replacements - single bad bytes become exactly one U+FFFD each */
static void
test_exact_replacements(void **state)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {BYTES("\x80"), FFFD},
        {BYTES("a\xFFz"), "a" FFFD "z"},
        {BYTES("\0"), FFFD},
        {BYTES("x\0y\0"), "x" FFFD "y" FFFD},
        {BYTES("\xFE\xFF"), FFFD FFFD},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out;
        buf_init(&out, 0);
        utf8_sanitize(cases[i].in, cases[i].len, &out);
        assert_string_equal(out.data, cases[i].out);
        assert_int_equal(out.len, strlen(cases[i].out));
        buf_release(&out);
    }
}

/* test_appends - utf8_sanitize appends to what the buffer already holds */
static void
test_appends(void **state)
{
    struct buf out;

    buf_init(&out, 0);
    buf_append_str(&out, "helo=");
    utf8_sanitize(BYTES("mx\xFF"), &out);
    utf8_sanitize(BYTES(".example"), &out);
    assert_string_equal(out.data, "helo=mx" FFFD ".example");
    buf_release(&out);
}

/* test_random_always_valid - any bytes sanitise to valid UTF-8 without NULs, idempotently */
static void
test_random_always_valid(void **state)
{
    /* biased towards the bytes that start and continue multi-byte sequences */
    static const unsigned char alphabet[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                             0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                             0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    uint32_t x = 12345;
    unsigned char in[64];

    for (int round = 0; round < 20000; round++) {
        struct buf once, twice;
        size_t len;

        x = x * 1103515245u + 12345u;
        len = (x >> 16) % sizeof in;
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            in[i] = (x >> 24) & 1 ? alphabet[(x >> 16) % sizeof alphabet] : (unsigned char)(x >> 8);
        }
        buf_init(&once, 0);
        buf_init(&twice, 0);
        utf8_sanitize((const char *)in, len, &once);
        if (!utf8_is_valid(once.data, once.len) || memchr(once.data, '\0', once.len) != NULL)
            fail_msg("round %d: sanitised output is not valid UTF-8 without NUL", round);
        utf8_sanitize(once.data, once.len, &twice);
        if (twice.len != once.len || memcmp(twice.data, once.data, once.len) != 0)
            fail_msg("round %d: sanitising twice changed the output", round);
        buf_release(&once);
        buf_release(&twice);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_len_table),  cmocka_unit_test(test_valid_passes),
        cmocka_unit_test(test_invalid_replaced), cmocka_unit_test(test_exact_replacements),
        cmocka_unit_test(test_appends),          cmocka_unit_test(test_random_always_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
