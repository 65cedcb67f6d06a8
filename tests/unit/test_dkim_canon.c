/* test_dkim_canon - RFC 6376 3.4 canonicalisation: header fields, streaming body hash, l=,
 * line-end normalisation, header-field selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_record.h"
#include "auth/dkim_verify.h"
#include "util/buf.h"

struct header_case {
    enum dkim_canon canon;
    const char *raw;
    const char *expect;
};

static const struct header_case header_cases[] = {
    /* RFC 6376 3.4.5 example */
    {DKIM_CANON_RELAXED, "A: X\r\n", "a:X\r\n"},
    {DKIM_CANON_RELAXED, "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n"},
    {DKIM_CANON_SIMPLE, "B : Y\t\r\n\tZ  \r\n", "B : Y\t\r\n\tZ  \r\n"},
    {DKIM_CANON_RELAXED, "SUBJECT:\t  Hello   World \t \r\n", "subject:Hello World\r\n"},
    {DKIM_CANON_RELAXED, "Cc:\r\n", "cc:\r\n"},
    {DKIM_CANON_RELAXED, "Cc:   \r\n  \r\n", "cc:\r\n"},
    {DKIM_CANON_RELAXED, "To: a,\r\n b,\r\n\t c\r\n", "to:a, b, c\r\n"},
    {DKIM_CANON_RELAXED, "X-Mixed-CASE: KeepCase\r\n", "x-mixed-case:KeepCase\r\n"},
};

/* test_header_table - each field canonicalises as expected */
static void
test_header_table(void **state)
{
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const struct header_case *c = &header_cases[i];
        struct buf out;
        buf_init(&out, 0);
        dkim_canon_header(c->canon, c->raw, strlen(c->raw), &out);
        if (strcmp(out.data, c->expect) != 0)
            fail_msg("case %zu: got \"%s\", expected \"%s\"", i, out.data, c->expect);
        buf_release(&out);
    }
}

struct body_case {
    enum dkim_canon canon;
    const char *body;
    const char *expect; /* the canonical body */
};

static const struct body_case body_cases[] = {
    /* RFC 6376 3.4.5 example */
    {DKIM_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},
    {DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n"},
    /* empty bodies: simple is one CRLF, relaxed is nothing */
    {DKIM_CANON_SIMPLE, "", "\r\n"},
    {DKIM_CANON_RELAXED, "", ""},
    {DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n"},
    {DKIM_CANON_RELAXED, "\r\n \r\n\t\r\n", ""},
    /* a missing final CRLF is added */
    {DKIM_CANON_SIMPLE, "abc", "abc\r\n"},
    {DKIM_CANON_RELAXED, "abc  \t", "abc\r\n"},
    /* an unterminated last line is canonicalised as the CRLF-terminated line SMTP makes of
     * it (dkimpy keeps relaxed trailing WSP there; a later hop would not) */
    {DKIM_CANON_RELAXED, "X\r\n \t", "X\r\n"},
    {DKIM_CANON_SIMPLE, "X\r\n \t", "X\r\n \t\r\n"},
    /* inner empty lines stay */
    {DKIM_CANON_SIMPLE, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n"},
    {DKIM_CANON_RELAXED, "a\r\n  \r\nb\r\n", "a\r\n\r\nb\r\n"},
    /* bare LF and bare CR are line ends (normalised to CRLF) */
    {DKIM_CANON_SIMPLE, "a\nb\rc\r\n", "a\r\nb\r\nc\r\n"},
    {DKIM_CANON_RELAXED, "a \n\n b\r\r", "a\r\n\r\n b\r\n"},
    {DKIM_CANON_SIMPLE, "a\r\r\nb", "a\r\n\r\nb\r\n"},
    {DKIM_CANON_SIMPLE, "\n", "\r\n"},
    {DKIM_CANON_RELAXED, "x\n", "x\r\n"},
    /* leading WSP on a line becomes one SP under relaxed */
    {DKIM_CANON_RELAXED, "\t\t x", " x\r\n"},
};

/* sha256 - hash of a string */
static void
sha256(const void *data, size_t len, uint8_t out[DKIM_HASH_LEN])
{
    unsigned int n;
    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
}

/* body_hash - hash body fed in pieces of `step` bytes (0 = at once) */
static uint64_t
body_hash(enum dkim_canon c, uint64_t limit, const char *body, size_t len, size_t step,
          uint8_t out[DKIM_HASH_LEN])
{
    struct dkim_body_hash *h = dkim_body_hash_new(c, limit);
    uint64_t total = 0;
    if (step == 0)
        step = len ? len : 1;
    for (size_t off = 0; off < len; off += step)
        dkim_body_hash_feed(h, body + off, len - off < step ? len - off : step);
    dkim_body_hash_final(h, out, &total);
    dkim_body_hash_free(h);
    return total;
}

/* test_body_table - every split gives the hash of the expected canonical body */
static void
test_body_table(void **state)
{
    for (size_t i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
        const struct body_case *c = &body_cases[i];
        uint8_t want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
        sha256(c->expect, strlen(c->expect), want);
        for (size_t step = 0; step < 4; step++) {
            uint64_t total = body_hash(c->canon, UINT64_MAX, c->body, strlen(c->body), step, got);
            if (memcmp(want, got, sizeof want) != 0 || total != strlen(c->expect))
                fail_msg("case %zu step %zu: wrong canonical body", i, step);
        }
    }
}

/* test_body_length_limit - l= hashes a prefix of the canonical body; total is the whole */
static void
test_body_length_limit(void **state)
{
    const char *body = "line one  \r\nline two\r\n\r\n";
    uint8_t want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];

    sha256("line one ", 9, want);
    assert_int_equal(body_hash(DKIM_CANON_SIMPLE, 9, body, strlen(body), 1, got), 22);
    assert_memory_equal(want, got, sizeof want);
    sha256("line one\r\nl", 11, want);
    assert_int_equal(body_hash(DKIM_CANON_RELAXED, 11, body, strlen(body), 0, got), 20);
    assert_memory_equal(want, got, sizeof want);
    /* l=0 is the hash of nothing */
    sha256("", 0, want);
    body_hash(DKIM_CANON_RELAXED, 0, body, strlen(body), 0, got);
    assert_memory_equal(want, got, sizeof want);
}

/* read_corpus - a file of the shared corpus, or skip the test */
static char *
read_corpus(const char *rel, size_t *len)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096];
    if (dir == NULL) {
        print_message("SW_SHARED_DIR is not set: skipping corpus test\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/corpus/%s", dir, rel);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        print_message("%s not found: skipping corpus test\n", path);
        skip();
    }
    struct buf b;
    char chunk[8192];
    size_t n;
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    fclose(fp);
    *len = b.len;
    return b.data;
}

/* test_rfc8463_body_hash - the A.3 bh= from the unsigned message, relaxed and with LF ends */
static void
test_rfc8463_body_hash(void **state)
{
    size_t len;
    char *msg = read_corpus("rfc8463-appendix-a/unsigned-message.eml", &len);
    size_t off = dkim_header_section_len(msg, len);
    uint8_t got[DKIM_HASH_LEN];
    struct buf b64;

    buf_init(&b64, 0);
    body_hash(DKIM_CANON_RELAXED, UINT64_MAX, msg + off, len - off, 1, got);
    dkim_base64_encode(got, sizeof got, &b64);
    assert_string_equal(b64.data, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    buf_release(&b64);
    free(msg);
}

/* test_splits_agree - a large real message hashes the same under every split */
static void
test_splits_agree(void **state)
{
    static const size_t steps[] = {0, 1, 2, 3, 7, 64, 4095, 4096, 4097};
    size_t len;
    char *msg = read_corpus("stalwart-mail-auth/dkim/006.txt", &len);

    for (int c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++) {
        uint8_t first[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
        uint64_t total = body_hash((enum dkim_canon)c, UINT64_MAX, msg, len, 0, first);
        for (size_t i = 1; i < sizeof steps / sizeof steps[0]; i++) {
            assert_int_equal(body_hash((enum dkim_canon)c, UINT64_MAX, msg, len, steps[i], got),
                             total);
            assert_memory_equal(first, got, sizeof got);
        }
    }
    free(msg);
}

/* test_fields_parse - splitting, continuation lines, line ends, the end of the section */
static void
test_fields_parse(void **state)
{
    const char *hdr =
        "From: a@example.com\nSubject: one\r\n two\rTo: b\r\n\r\nBody: not a field\r\n";
    struct dkim_fields f;

    assert_int_equal(dkim_fields_parse(&f, hdr, strlen(hdr)), 0);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.v[0].raw_len, strlen("From: a@example.com\r\n"));
    assert_memory_equal(f.v[1].raw, "Subject: one\r\n two\r\n", f.v[1].raw_len);
    assert_true(dkim_field_is(&f.v[2], "TO", 2));
    assert_int_equal(dkim_fields_count(&f, "from", 4), 1);
    assert_int_equal(dkim_fields_count(&f, "body", 4), 0);
    dkim_fields_release(&f);

    /* no final CRLF, a name with WSP before the colon */
    assert_int_equal(dkim_fields_parse(&f, "Subject : x", 11), 0);
    assert_int_equal(f.n, 1);
    assert_true(dkim_field_is(&f.v[0], "subject", 7));
    assert_memory_equal(f.v[0].raw, "Subject : x\r\n", 13);
    dkim_fields_release(&f);
}

/* test_select_bottom_up - repeated names take the last unused instance; extra names add nothing */
static void
test_select_bottom_up(void **state)
{
    const char *hdr = "Received: r1\r\nFrom: f\r\nReceived: r2\r\nTo: t\r\n";
    char *names[] = {"received", "from", "Received", "from", "received", "x-none"};
    struct dkim_fields f;
    struct buf out;

    buf_init(&out, 0);
    assert_int_equal(dkim_fields_parse(&f, hdr, strlen(hdr)), 0);
    dkim_canon_headers(&f, names, 6, DKIM_CANON_RELAXED, &out);
    assert_string_equal(out.data, "received:r2\r\nfrom:f\r\nreceived:r1\r\n");
    buf_reset(&out);
    dkim_canon_sig_field(DKIM_CANON_RELAXED, "DKIM-Signature: a=1;\r\n b=\r\n", 27, &out);
    assert_string_equal(out.data, "dkim-signature:a=1; b=");
    buf_reset(&out);
    dkim_canon_sig_field(DKIM_CANON_SIMPLE, "DKIM-Signature: a=1;\r\n b=", 25, &out);
    assert_string_equal(out.data, "DKIM-Signature: a=1;\r\n b=");
    buf_release(&out);
    dkim_fields_release(&f);
}

/* test_header_section_len - where the body starts, whatever the line ends */
static void
test_header_section_len(void **state)
{
    assert_int_equal(dkim_header_section_len("A: b\r\n\r\nbody", 12), 8);
    assert_int_equal(dkim_header_section_len("A: b\n\nbody", 10), 6);
    assert_int_equal(dkim_header_section_len("A: b\r\n\nbody", 11), 7);
    assert_int_equal(dkim_header_section_len("A: b\r\n", 6), 6);
    assert_int_equal(dkim_header_section_len("\r\nbody", 6), 2);
}

/* test_crlf_normalise - bare CR and LF become CRLF, CRLF stays */
static void
test_crlf_normalise(void **state)
{
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(dkim_crlf_normalise(&out, "a\rb\nc\r\nd\r", 9), 0);
    assert_string_equal(out.data, "a\r\nb\r\nc\r\nd\r\n");
    buf_release(&out);
}

/* test_limits - an oversized header section is refused */
static void
test_limits(void **state)
{
    size_t len = DKIM_MAX_HEADER_BYTES + 1;
    char *big = malloc(len);
    struct dkim_fields f;
    memset(big, 'x', len);
    assert_int_equal(dkim_fields_parse(&f, big, len), -1);
    dkim_fields_release(&f);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_table),      cmocka_unit_test(test_body_table),
        cmocka_unit_test(test_body_length_limit), cmocka_unit_test(test_rfc8463_body_hash),
        cmocka_unit_test(test_splits_agree),      cmocka_unit_test(test_fields_parse),
        cmocka_unit_test(test_select_bottom_up),  cmocka_unit_test(test_header_section_len),
        cmocka_unit_test(test_crlf_normalise),    cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
