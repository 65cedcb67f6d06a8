/* test_mime_decode - streaming base64 and quoted-printable: the GMime vectors, RFC 4648 vectors,
 * every tolerance rule of mime_decode.h, and split invariance (any split, 1 byte at a time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_decode.h"

/* ---- helpers ----------------------------------------------------------------------------- */

struct out {
    uint8_t *data;
    size_t len;
};

static void
out_free(struct out *o)
{
    free(o->data);
    o->data = NULL;
    o->len = 0;
}

/* a canary after each feed's bound: a decoder that writes past its documented room fails */
#define CANARY 0xA5
#define SLACK 16

/* decode in[0..len) with base64, fed in pieces of `step` bytes (0: whole) */
static struct out
b64_run(const uint8_t *in, size_t len, size_t step, struct mime_b64 *st)
{
    struct out o = {malloc((len / 4 + 1) * 3 + 3 + SLACK), 0};
    assert_non_null(o.data);
    mime_b64_init(st);
    size_t i = 0;
    if (step == 0)
        step = len ? len : 1;
    while (i < len) {
        size_t n = len - i < step ? len - i : step;
        size_t room = (n / 4 + 1) * 3;
        uint8_t *tmp = malloc(room + SLACK);
        assert_non_null(tmp);
        memset(tmp, CANARY, room + SLACK);
        size_t w = mime_b64_feed(st, in + i, n, tmp);
        assert_true(w <= room);
        for (size_t k = room; k < room + SLACK; k++)
            assert_int_equal(tmp[k], CANARY);
        memcpy(o.data + o.len, tmp, w);
        o.len += w;
        free(tmp);
        i += n;
    }
    uint8_t fin[2 + SLACK];
    memset(fin, CANARY, sizeof fin);
    size_t w = mime_b64_finish(st, fin);
    assert_true(w <= 2);
    for (size_t k = 2; k < sizeof fin; k++)
        assert_int_equal(fin[k], CANARY);
    memcpy(o.data + o.len, fin, w);
    o.len += w;
    return o;
}

static struct out
qp_run(const uint8_t *in, size_t len, size_t step, struct mime_qp *st)
{
    struct mime_qp probe;
    struct out o = {malloc(len + 3 + 2 * sizeof probe.held + SLACK), 0};
    assert_non_null(o.data);
    mime_qp_init(st);
    size_t i = 0;
    if (step == 0)
        step = len ? len : 1;
    while (i < len) {
        size_t n = len - i < step ? len - i : step;
        size_t room = n + 3 + sizeof st->held;
        uint8_t *tmp = malloc(room + SLACK);
        assert_non_null(tmp);
        memset(tmp, CANARY, room + SLACK);
        size_t w = mime_qp_feed(st, in + i, n, tmp);
        assert_true(w <= room);
        for (size_t k = room; k < room + SLACK; k++)
            assert_int_equal(tmp[k], CANARY);
        memcpy(o.data + o.len, tmp, w);
        o.len += w;
        free(tmp);
        i += n;
    }
    uint8_t fin[sizeof st->held + 3 + SLACK];
    memset(fin, CANARY, sizeof fin);
    size_t w = mime_qp_finish(st, fin);
    assert_true(w <= sizeof st->held + 3);
    for (size_t k = sizeof st->held + 3; k < sizeof fin; k++)
        assert_int_equal(fin[k], CANARY);
    memcpy(o.data + o.len, fin, w);
    o.len += w;
    return o;
}

static void
b64_counters_equal(const struct mime_b64 *a, const struct mime_b64 *b)
{
    assert_int_equal(a->bad, b->bad);
    assert_int_equal(a->after_pad, b->after_pad);
    assert_int_equal(a->unpadded, b->unpadded);
}

/* whole, 1 byte at a time, every 2-piece split, and a few step sizes: all identical */
static void
b64_check_splits(const uint8_t *in, size_t len)
{
    struct mime_b64 ref, st;
    struct out whole = b64_run(in, len, 0, &ref);
    size_t steps[] = {1, 2, 3, 5, 7, 13, 77};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct out o = b64_run(in, len, steps[s], &st);
        assert_int_equal(o.len, whole.len);
        if (o.len)
            assert_memory_equal(o.data, whole.data, whole.len);
        b64_counters_equal(&ref, &st);
        out_free(&o);
    }
    if (len <= 4096) {
        for (size_t cut = 0; cut <= len; cut++) {
            struct out o = {malloc((len / 4 + 2) * 3 + 8), 0};
            mime_b64_init(&st);
            o.len += mime_b64_feed(&st, in, cut, o.data);
            o.len += mime_b64_feed(&st, in + cut, len - cut, o.data + o.len);
            o.len += mime_b64_finish(&st, o.data + o.len);
            assert_int_equal(o.len, whole.len);
            if (o.len)
                assert_memory_equal(o.data, whole.data, o.len);
            b64_counters_equal(&ref, &st);
            out_free(&o);
        }
    }
    out_free(&whole);
}

static void
qp_check_splits(const uint8_t *in, size_t len)
{
    struct mime_qp ref, st;
    struct out whole = qp_run(in, len, 0, &ref);
    size_t steps[] = {1, 2, 3, 5, 7, 13, 77};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct out o = qp_run(in, len, steps[s], &st);
        assert_int_equal(o.len, whole.len);
        if (o.len)
            assert_memory_equal(o.data, whole.data, whole.len);
        assert_int_equal(ref.bad, st.bad);
        out_free(&o);
    }
    if (len <= 4096) {
        for (size_t cut = 0; cut <= len; cut++) {
            struct out o = {malloc(len + 2 * (3 + sizeof st.held) + 8), 0};
            mime_qp_init(&st);
            o.len += mime_qp_feed(&st, in, cut, o.data);
            o.len += mime_qp_feed(&st, in + cut, len - cut, o.data + o.len);
            o.len += mime_qp_finish(&st, o.data + o.len);
            assert_int_equal(o.len, whole.len);
            if (o.len)
                assert_memory_equal(o.data, whole.data, o.len);
            assert_int_equal(ref.bad, st.bad);
            out_free(&o);
        }
    }
    out_free(&whole);
}

/* decode s whole, check output and counters, then check split invariance */
static void
b64_expect(const char *s, const char *want, size_t wantlen, uint64_t bad, uint64_t after_pad,
           unsigned unpadded)
{
    struct mime_b64 st;
    struct out o = b64_run((const uint8_t *)s, strlen(s), 0, &st);
    if (o.len != wantlen || (wantlen && memcmp(o.data, want, wantlen) != 0))
        fail_msg("base64 \"%s\": got %zu bytes, want %zu", s, o.len, wantlen);
    if (st.bad != bad || st.after_pad != after_pad || st.unpadded != unpadded)
        fail_msg("base64 \"%s\": bad %llu after_pad %llu unpadded %u, want %llu %llu %u", s,
                 (unsigned long long)st.bad, (unsigned long long)st.after_pad, st.unpadded,
                 (unsigned long long)bad, (unsigned long long)after_pad, unpadded);
    out_free(&o);
    b64_check_splits((const uint8_t *)s, strlen(s));
}

static void
qp_expect(const char *s, const char *want, uint64_t bad)
{
    struct mime_qp st;
    struct out o = qp_run((const uint8_t *)s, strlen(s), 0, &st);
    size_t wantlen = strlen(want);
    if (o.len != wantlen || (wantlen && memcmp(o.data, want, wantlen) != 0))
        fail_msg("qp \"%s\": got \"%.*s\", want \"%s\"", s, (int)o.len, (const char *)o.data, want);
    if (st.bad != bad)
        fail_msg("qp \"%s\": bad %llu, want %llu", s, (unsigned long long)st.bad,
                 (unsigned long long)bad);
    out_free(&o);
    qp_check_splits((const uint8_t *)s, strlen(s));
}

static uint8_t *
slurp(const char *rel, size_t *len)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "/work/shared", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            data = realloc(data, cap);
            assert_non_null(data);
        }
        size_t r = fread(data + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return data;
}

/* ---- base64 ------------------------------------------------------------------------------ */

static void
test_b64_rfc4648(void **state)
{
    /* RFC 4648 section 10 */
    b64_expect("", "", 0, 0, 0, 0);
    b64_expect("Zg==", "f", 1, 0, 0, 0);
    b64_expect("Zm8=", "fo", 2, 0, 0, 0);
    b64_expect("Zm9v", "foo", 3, 0, 0, 0);
    b64_expect("Zm9vYg==", "foob", 4, 0, 0, 0);
    b64_expect("Zm9vYmE=", "fooba", 5, 0, 0, 0);
    b64_expect("Zm9vYmFy", "foobar", 6, 0, 0, 0);
    /* the whole alphabet, '+' and '/' included */
    b64_expect("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v",
               "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
               "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
               " !\"#$%&'()*+,-./",
               48, 0, 0, 0);
    b64_expect("+/+/", "\xfb\xff\xbf", 3, 0, 0, 0);
    b64_expect("////", "\xff\xff\xff", 3, 0, 0, 0);
}

static void
test_b64_whitespace(void **state)
{
    /* whitespace and line ends anywhere are skipped, not counted */
    b64_expect("Zm9v\r\nYmFy\r\n", "foobar", 6, 0, 0, 0);
    b64_expect("Zm9v\nYmFy\n", "foobar", 6, 0, 0, 0);
    b64_expect(" Z m\t9\rv\nY\x0bm\x0c"
               "F y ",
               "foobar", 6, 0, 0, 0);
    b64_expect("Zm\r\n8=", "fo", 2, 0, 0, 0);
    b64_expect("Zg=\r\n=", "f", 1, 0, 0, 0);
    b64_expect("\r\n\r\n", "", 0, 0, 0, 0);
}

static void
test_b64_junk(void **state)
{
    /* bytes outside the alphabet are skipped and counted */
    b64_expect("Zm9v!YmFy", "foobar", 6, 1, 0, 0);
    b64_expect("Z-m_9.v", "foo", 3, 3, 0, 0);
    b64_expect("\x80Zm9v\xff", "foo", 3, 2, 0, 0);
    b64_expect("Zm9v\0YmFy", "foo", 3, 0, 0, 0); /* strlen stops at NUL: just "Zm9v" */
    {
        static const uint8_t nul[] = {'Z', 'm', 0, '9', 'v'};
        struct mime_b64 st;
        struct out o = b64_run(nul, sizeof nul, 0, &st);
        assert_int_equal(o.len, 3);
        assert_memory_equal(o.data, "foo", 3);
        assert_int_equal(st.bad, 1);
        out_free(&o);
        b64_check_splits(nul, sizeof nul);
    }
    /* a stray '=' where no group is open is junk too */
    b64_expect("=Zm9v", "foo", 3, 1, 0, 0);
    b64_expect("Zm8==", "fo", 2, 1, 0, 0);
    b64_expect("Zg===", "f", 1, 1, 0, 0);
}

static void
test_b64_after_pad(void **state)
{
    /* concatenated blocks: data after padding is decoded and counted (symbols) */
    b64_expect("Zg==Zm8=", "ffo", 3, 0, 3, 0); /* Z m 8: the pad is not a symbol */
    b64_expect("Zm8=Zm9v", "fofoo", 5, 0, 4, 0);
    b64_expect("Zg==\r\nZm9vYmFy", "ffoobar", 7, 0, 8, 0);
    /* a single '=' where two belonged, then more data */
    b64_expect("Zg=Zm9v", "ffoo", 4, 0, 4, 0);
    /* long run after padding goes through the fast path: still counted */
    b64_expect("Zg==Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy", "ffoobarfoobarfoobarfoobar", 25, 0, 32, 0);
    /* a lone symbol then '=' decodes nothing and is bad; what follows is after padding */
    b64_expect("Zm9vY=Zm9v", "foofoo", 6, 1, 4, 0);
}

static void
test_b64_unpadded(void **state)
{
    b64_expect("Zg", "f", 1, 0, 0, 1);
    b64_expect("Zm8", "fo", 2, 0, 0, 1);
    b64_expect("Zm9vYg", "foob", 4, 0, 0, 1);
    b64_expect("Zm9vYmE\r\n", "fooba", 5, 0, 0, 1);
    b64_expect("Zm9vYmFy", "foobar", 6, 0, 0, 0);
}

static void
test_b64_lone_symbol(void **state)
{
    /* a final group of one symbol cannot carry a byte: dropped, counted as bad */
    b64_expect("Z", "", 0, 1, 0, 0);
    b64_expect("Zm9vY", "foo", 3, 1, 0, 0);
    b64_expect("Zm9vY\r\n", "foo", 3, 1, 0, 0);
}

static void
test_b64_gmime_photo(void **state)
{
    size_t inlen, wantlen;
    uint8_t *in = slurp("corpus/gmime/encodings/photo.b64", &inlen);
    uint8_t *want = slurp("corpus/gmime/encodings/photo.jpg", &wantlen);
    assert_int_equal(wantlen, 130292);
    size_t steps[] = {0, 1, 3, 76, 77, 78, 4096};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct mime_b64 st;
        struct out o = b64_run(in, inlen, steps[s], &st);
        assert_int_equal(o.len, wantlen);
        assert_memory_equal(o.data, want, wantlen);
        assert_int_equal(st.bad, 0);
        assert_int_equal(st.after_pad, 0);
        assert_int_equal(st.unpadded, 0);
        out_free(&o);
    }
    free(in);
    free(want);
}

/* pseudo-random input of mixed classes: every split gives the same output and counters */
static uint32_t
rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void
test_b64_split_invariance(void **state)
{
    static const char pool[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                               "==\r\n \t!\x80";
    uint32_t seed = 12345;
    uint8_t buf[600];
    for (int round = 0; round < 60; round++) {
        size_t len = rnd(&seed) % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)pool[rnd(&seed) % (sizeof pool - 1)];
        b64_check_splits(buf, len);
    }
    /* a long clean run with line ends (the fast path, then whitespace, then fast again) */
    uint8_t big[3000];
    for (size_t k = 0; k < sizeof big; k++)
        big[k] = (k % 78 == 76) ? '\r' : (k % 78 == 77) ? '\n' : (uint8_t)pool[rnd(&seed) % 64];
    b64_check_splits(big, sizeof big);
}

/* ---- quoted-printable -------------------------------------------------------------------- */

static void
test_qp_basic(void **state)
{
    qp_expect("", "", 0);
    qp_expect("plain text", "plain text", 0);
    qp_expect("caf=C3=A9", "caf\xc3\xa9", 0);
    qp_expect("caf=c3=a9", "caf\xc3\xa9", 0); /* lowercase hex */
    qp_expect("caf=C3=a9", "caf\xc3\xa9", 0);
    qp_expect("=3D=3d", "==", 0);
    {
        struct mime_qp st;
        struct out o = qp_run((const uint8_t *)"a=00b", 5, 0, &st);
        assert_int_equal(o.len, 3);
        assert_memory_equal(o.data, "a\0b", 3);
        out_free(&o);
    }
}

static void
test_qp_soft_breaks(void **state)
{
    qp_expect("long li=\r\nne", "long line", 0);
    qp_expect("long li=\nne", "long line", 0);
    /* transport padding between '=' and the line end */
    qp_expect("long li= \t \r\nne", "long line", 0);
    qp_expect("long li=  \nne", "long line", 0);
    /* a '=' that ends the data is a soft break (the line end went with the boundary) */
    qp_expect("end=", "end", 0);
    qp_expect("end=  ", "end", 0);
    qp_expect("a=\r\n=\r\nb", "ab", 0);
}

static void
test_qp_trailing_ws(void **state)
{
    /* RFC 2045 6.7 rule 3: blanks before a line end are removed; line ends kept as written */
    qp_expect("abc   \r\ndef", "abc\r\ndef", 0);
    qp_expect("abc \t\ndef", "abc\ndef", 0);
    qp_expect("abc  ", "abc", 0); /* end of data is a line end */
    qp_expect("a b\tc", "a b\tc", 0);
    qp_expect("a =20\r\n", "a  \r\n", 0); /* encoded blanks are kept */
    qp_expect("a  =41", "a  A", 0);
    /* a CR that is not followed by LF is not a line end: blanks before it stay */
    qp_expect("a  \rb", "a  \rb", 0);
    qp_expect("a  \r", "a  \r", 0);
    qp_expect("a\rb", "a\rb", 0);
}

static void
test_qp_line_ends(void **state)
{
    qp_expect("one\r\ntwo\r\n", "one\r\ntwo\r\n", 0);
    qp_expect("one\ntwo\n", "one\ntwo\n", 0);
    qp_expect("one\r\ntwo\nthree\r\n", "one\r\ntwo\nthree\r\n", 0);
    qp_expect("\r\n\r\n", "\r\n\r\n", 0);
}

static void
test_qp_bad_equals(void **state)
{
    /* kept literally, counted */
    qp_expect("a=Gb", "a=Gb", 1);
    qp_expect("a=4", "a=4", 1); /* one hex digit at the end */
    qp_expect("a=4x", "a=4x", 1);
    qp_expect("a=4=41", "a=4A", 1);
    qp_expect("a==41", "a=A", 1);
    qp_expect("100% = 1", "100% = 1", 1);
    qp_expect("a= b", "a= b", 1);
    qp_expect("a=\rb", "a=\rb", 1);
    qp_expect("a=\xc3\xa9", "a=\xc3\xa9", 1);
}

static void
test_qp_long_blank_runs(void **state)
{
    /* more blanks than the hold: still split invariant, still trailing-stripped at the end */
    char in[400], want[400];
    memset(in, ' ', 300);
    memcpy(in + 300, "x\r\n", 4);
    memcpy(want, in, sizeof in);
    qp_expect(in, want, 0);
    size_t n = 0;
    in[n++] = 'a';
    memset(in + n, ' ', 200);
    n += 200;
    memcpy(in + n, "\r\nb", 4);
    struct mime_qp st;
    struct out o = qp_run((const uint8_t *)in, strlen(in), 0, &st);
    /* the hold is 80 bytes: a run longer than that is emitted 80 at a time as it overflows,
     * and only what is still held at the line end (here 200 - 160) is stripped */
    assert_int_equal(o.len, 1 + 160 + 3);
    assert_int_equal(o.data[0], 'a');
    for (size_t k = 1; k <= 160; k++)
        assert_int_equal(o.data[k], ' ');
    assert_memory_equal(o.data + o.len - 3, "\r\nb", 3);
    out_free(&o);
    qp_check_splits((const uint8_t *)in, strlen(in));
    /* '=' followed by too much padding is junk, kept */
    n = 0;
    in[n++] = '=';
    memset(in + n, ' ', 100);
    n += 100;
    in[n++] = 'z';
    in[n] = 0;
    qp_expect(in, in, 1);
}

static void
test_qp_gmime_wikipedia(void **state)
{
    size_t inlen, wantlen;
    uint8_t *in = slurp("corpus/gmime/encodings/wikipedia.qp", &inlen);
    uint8_t *want = slurp("corpus/gmime/encodings/wikipedia.txt", &wantlen);
    size_t steps[] = {0, 1, 2, 3, 76};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct mime_qp st;
        struct out o = qp_run(in, inlen, steps[s], &st);
        assert_int_equal(o.len, wantlen);
        assert_memory_equal(o.data, want, wantlen);
        assert_int_equal(st.bad, 0);
        out_free(&o);
    }
    qp_check_splits(in, inlen);
    free(in);
    free(want);
}

static void
test_qp_split_invariance(void **state)
{
    static const char pool[] = "abcXYZ0123456789ABCDEFabcdef=\r\n \t=\r\n \t\x80\xc3";
    uint32_t seed = 777;
    uint8_t buf[500];
    for (int round = 0; round < 80; round++) {
        size_t len = rnd(&seed) % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)pool[rnd(&seed) % (sizeof pool - 1)];
        qp_check_splits(buf, len);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_rfc4648),        cmocka_unit_test(test_b64_whitespace),
        cmocka_unit_test(test_b64_junk),           cmocka_unit_test(test_b64_after_pad),
        cmocka_unit_test(test_b64_unpadded),       cmocka_unit_test(test_b64_lone_symbol),
        cmocka_unit_test(test_b64_gmime_photo),    cmocka_unit_test(test_b64_split_invariance),
        cmocka_unit_test(test_qp_basic),           cmocka_unit_test(test_qp_soft_breaks),
        cmocka_unit_test(test_qp_trailing_ws),     cmocka_unit_test(test_qp_line_ends),
        cmocka_unit_test(test_qp_bad_equals),      cmocka_unit_test(test_qp_long_blank_runs),
        cmocka_unit_test(test_qp_gmime_wikipedia), cmocka_unit_test(test_qp_split_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
