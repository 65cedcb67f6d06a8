/* test_dkim_record - the DKIM-Signature tag-list, the DNS key record, base64, domains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_key.h"
#include "auth/dkim_record.h"
#include "util/buf.h"

#define BH "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"
#define B "b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus;"
#define GOOD "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; " BH B

struct sig_case {
    const char *text;
    enum dkim_err err;
};

static const struct sig_case sig_cases[] = {
    {GOOD, DKIM_OK},
    {GOOD " x_unknown9=what ever; z=From:a|To:b", DKIM_OK},
    {GOOD " x-unknown=whatever", DKIM_ERR_SYNTAX},
    {"v=1;a=ed25519-sha256;d=example.com;s=sel;h=From;" BH B, DKIM_OK},
    {" v = 1 ;\r\n a=rsa-sha256; c=relaxed; d=example.com;\r\n\ts=sel; h=from\r\n : to;" BH
     " b=/gCr inpc\r\n OoIfuHNQ;",
     DKIM_OK},
    {GOOD " i=user@sub.example.com;", DKIM_OK},
    {GOOD " i=@EXAMPLE.com; q=dns/txt; l=10; t=5; x=6", DKIM_OK},
    {GOOD " c=relaxed/relaxed;", DKIM_OK},
    /* errors, each with its reason */
    {GOOD " v=1", DKIM_ERR_DUP_TAG},
    {GOOD " x=1; x=2", DKIM_ERR_DUP_TAG},
    {"a=rsa-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_ERR_MISSING_TAG},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " B, DKIM_ERR_MISSING_TAG},
    {"v=1; a=rsa-sha256; d=example.com; h=from; " BH B, DKIM_ERR_MISSING_TAG},
    {"v=2; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_ERR_VERSION},
    {"v=1; a=rsa-sha1; d=example.com; s=sel; h=from; " BH B, DKIM_ERR_ALG},
    {"v=1; a=ed25519; d=example.com; s=sel; h=from; " BH B, DKIM_ERR_ALG},
    {GOOD " c=relaxed/foo", DKIM_ERR_CANON},
    {GOOD " c=fancy", DKIM_ERR_CANON},
    {"v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=sel; h=from; " BH B, DKIM_ERR_DOMAIN},
    {"v=1; a=rsa-sha256; d=example..com; s=sel; h=from; " BH B, DKIM_ERR_DOMAIN},
    {"v=1; a=rsa-sha256; d=-example.com; s=sel; h=from; " BH B, DKIM_ERR_DOMAIN},
    {"v=1; a=rsa-sha256; d=example.com; s=se l; h=from; " BH B, DKIM_ERR_SELECTOR},
    {GOOD " i=user@example.org", DKIM_ERR_IDENTITY},
    {GOOD " i=user@notexample.com", DKIM_ERR_IDENTITY},
    {GOOD " i=nobody", DKIM_ERR_IDENTITY},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; " BH B, DKIM_ERR_H_NO_FROM},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; " BH B, DKIM_ERR_H_SYNTAX},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=2jUSOH9N!; " B, DKIM_ERR_BASE64},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; " B, DKIM_ERR_BH_LENGTH},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH "b=;", DKIM_ERR_BASE64},
    {GOOD " l=12x", DKIM_ERR_NUMBER},
    {GOOD " l=99999999999999999999999", DKIM_ERR_NUMBER},
    {GOOD " t=-1", DKIM_ERR_NUMBER},
    {GOOD " t=100; x=99", DKIM_ERR_EXPIRY},
    {GOOD " q=http/wk", DKIM_ERR_QUERY},
    {"v=1; a", DKIM_ERR_SYNTAX},
    {"v=1; =x", DKIM_ERR_SYNTAX},
    {"v=1;; a=b", DKIM_ERR_SYNTAX},
    {"1v=1", DKIM_ERR_SYNTAX},
    {"v=1\x01", DKIM_ERR_SYNTAX},
};

/* test_sig_table - every case parses or fails with its reason */
static void
test_sig_table(void **state)
{
    for (size_t i = 0; i < sizeof sig_cases / sizeof sig_cases[0]; i++) {
        struct dkim_sig sig;
        enum dkim_err err;
        int rc = dkim_sig_parse(sig_cases[i].text, strlen(sig_cases[i].text), &sig, &err);
        if (err != sig_cases[i].err || rc != (err == DKIM_OK ? 0 : -1))
            fail_msg("case %zu \"%s\": got %s, expected %s", i, sig_cases[i].text,
                     dkim_err_str(err), dkim_err_str(sig_cases[i].err));
        if (rc == 0)
            dkim_sig_release(&sig);
    }
}

/* test_sig_fields - values come out decoded, defaults filled */
static void
test_sig_fields(void **state)
{
    const char *t = "v=1; a=ed25519-sha256; c=relaxed; d=Example.COM; s=s1._x; "
                    "h=From : TO:\r\n subject; " BH B " l=42; t=1; x=99999999999";
    struct dkim_sig sig;
    enum dkim_err err;

    assert_int_equal(dkim_sig_parse(t, strlen(t), &sig, &err), 0);
    assert_int_equal(sig.alg, DKIM_ALG_ED25519_SHA256);
    assert_int_equal(sig.hcanon, DKIM_CANON_RELAXED);
    assert_int_equal(sig.bcanon, DKIM_CANON_SIMPLE);
    assert_string_equal(sig.d, "Example.COM");
    assert_string_equal(sig.s, "s1._x");
    assert_string_equal(sig.i, "@Example.COM");
    assert_int_equal(sig.nh, 3);
    assert_string_equal(sig.h[0], "From");
    assert_string_equal(sig.h[1], "TO");
    assert_string_equal(sig.h[2], "subject");
    assert_int_equal(sig.bh.len, 32);
    assert_int_equal(sig.b.len, 42);
    assert_true(sig.has_l && sig.l == 42 && sig.has_t && sig.t == 1);
    assert_true(sig.has_x && sig.x == 99999999999ULL);
    dkim_sig_release(&sig);
}

struct key_case {
    const char *text;
    enum dkim_err err;
    enum dkim_keytype k;
};

static const struct key_case key_cases[] = {
    {"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", DKIM_OK,
     DKIM_KEY_ED25519},
    {"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", DKIM_OK, DKIM_KEY_RSA},
    {"v=DKIM1; h=sha1:sha256; s=email:tlsrpt; t=y:s; n=note; x=y; p=AAAA", DKIM_OK, DKIM_KEY_RSA},
    {"v=DKIM1; s=*; p=AAAA", DKIM_OK, DKIM_KEY_RSA},
    {"v=DKIM1; p=", DKIM_ERR_KEY_REVOKED, DKIM_KEY_RSA},
    {"v=DKIM1; k=rsa; p= ;", DKIM_ERR_KEY_REVOKED, DKIM_KEY_RSA},
    {"v=DKIM1; k=rsa", DKIM_ERR_MISSING_TAG, DKIM_KEY_RSA},
    {"v=DKIM1: k=rsa; p=AAAA", DKIM_ERR_VERSION, DKIM_KEY_RSA},
    {"k=rsa; v=DKIM1; p=AAAA", DKIM_ERR_VERSION, DKIM_KEY_RSA},
    {"v=DKIM2; p=AAAA", DKIM_ERR_VERSION, DKIM_KEY_RSA},
    {"v=DKIM1; k=ed25519-sha256; p=AAAA", DKIM_ERR_KEY_TYPE, DKIM_KEY_RSA},
    {"v=DKIM1; k=dsa; p=AAAA", DKIM_ERR_KEY_TYPE, DKIM_KEY_RSA},
    {"v=DKIM1; h=sha1; p=AAAA", DKIM_ERR_KEY_HASH, DKIM_KEY_RSA},
    {"v=DKIM1; s=tlsrpt; p=AAAA", DKIM_ERR_KEY_SERVICE, DKIM_KEY_RSA},
    {"v=DKIM1; p=AA*A", DKIM_ERR_BASE64, DKIM_KEY_RSA},
    {"v=DKIM1; p=AAAA; p=AAAA", DKIM_ERR_DUP_TAG, DKIM_KEY_RSA},
};

/* test_key_table - key records parse or fail with their reason */
static void
test_key_table(void **state)
{
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        struct dkim_keyrec rec;
        enum dkim_err err;
        int rc = dkim_keyrec_parse(key_cases[i].text, strlen(key_cases[i].text), &rec, &err);
        if (err != key_cases[i].err || rc != (err == DKIM_OK ? 0 : -1))
            fail_msg("case %zu \"%s\": got %s, expected %s", i, key_cases[i].text,
                     dkim_err_str(err), dkim_err_str(key_cases[i].err));
        if (rc == 0) {
            assert_int_equal(rec.k, key_cases[i].k);
            dkim_keyrec_release(&rec);
        }
    }
}

/* test_key_flags - t=y:s and the decoded key */
static void
test_key_flags(void **state)
{
    const char *t = "v=DKIM1; t=s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    struct dkim_keyrec rec;
    enum dkim_err err;
    assert_int_equal(dkim_keyrec_parse(t, strlen(t), &rec, &err), 0);
    assert_true(rec.strict);
    assert_false(rec.testing);
    assert_int_equal(rec.p.len, 32);
    dkim_keyrec_release(&rec);
}

/* read_corpus_line - the text of a record file of the shared corpus, or skip */
static char *
read_corpus(const char *rel)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096];
    struct buf b;
    char chunk[4096];
    size_t n;
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
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    fclose(fp);
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    return b.data;
}

struct corpus_key {
    const char *file;
    enum dkim_err parse; /* dkim_keyrec_parse */
    enum dkim_err key;   /* dkim_key_from_record at 1024 bits */
    unsigned bits;
};

static const struct corpus_key corpus_keys[] = {
    {"dkimpy/data/test.txt", DKIM_OK, DKIM_OK, 1024},
    {"dkimpy/data/test2.txt", DKIM_OK, DKIM_OK, 1024},
    {"dkimpy/data/ed25519test.dns", DKIM_OK, DKIM_OK, 256},
    {"dkimpy/data/eximtest.dns", DKIM_OK, DKIM_OK, 256},
    {"dkimpy/data/1024_testkey_wo_markers.pub.txt", DKIM_OK, DKIM_OK, 1024},
    {"dkimpy/data/1024_testkey_wo_markers.pub.rsa.txt", DKIM_OK, DKIM_OK, 1024},
    {"dkimpy/data/2048_testkey_wo_markers.pub.txt", DKIM_OK, DKIM_OK, 2048},
    {"dkimpy/data/2048_testkey_wo_markers.pub.rsa.txt", DKIM_OK, DKIM_OK, 2048},
    {"dkimpy/data/2048_testkey_PKCS8.key.pub.txt", DKIM_OK, DKIM_OK, 2048},
    {"dkimpy/data/test_bad.txt", DKIM_OK, DKIM_ERR_KEY_BAD, 0},
    {"dkimpy/data/badversion.txt", DKIM_ERR_VERSION, DKIM_OK, 0},
    {"dkimpy/data/badk.txt", DKIM_ERR_KEY_TYPE, DKIM_OK, 0},
    {"dkimpy/data/test_tlsrpt.txt", DKIM_ERR_KEY_SERVICE, DKIM_OK, 0},
};

/* test_corpus_keys - dkimpy's key records: parse results and public keys */
static void
test_corpus_keys(void **state)
{
    for (size_t i = 0; i < sizeof corpus_keys / sizeof corpus_keys[0]; i++) {
        const struct corpus_key *c = &corpus_keys[i];
        char *text = read_corpus(c->file);
        const char *value = text;
        struct dkim_keyrec rec;
        enum dkim_err err;
        /* the *.dns files hold "name TXT" or the bare value */
        if (strchr(text, ' ') && strchr(text, ' ') < strchr(text, '='))
            value = strchr(text, ' ') + 1;
        if (dkim_keyrec_parse(value, strlen(value), &rec, &err) < 0) {
            if (err != c->parse)
                fail_msg("%s: %s", c->file, dkim_err_str(err));
            free(text);
            continue;
        }
        assert_int_equal(c->parse, DKIM_OK);
        struct dkim_key *key = dkim_key_from_record(&rec, 1024, &err);
        if (err != c->key)
            fail_msg("%s: key %s", c->file, dkim_err_str(err));
        if (key != NULL)
            assert_int_equal(dkim_key_bits(key), c->bits);
        dkim_key_free(key);
        dkim_keyrec_release(&rec);
        free(text);
    }
}

/* test_small_key - the 512-bit canonical.com key is refused under the RFC 8301 minimum */
static void
test_small_key(void **state)
{
    const char *t = "k=rsa; s=email;p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR"
                    "52Tb/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==";
    struct dkim_keyrec rec;
    enum dkim_err err;
    assert_int_equal(dkim_keyrec_parse(t, strlen(t), &rec, &err), 0);
    assert_null(dkim_key_from_record(&rec, 1024, &err));
    assert_int_equal(err, DKIM_ERR_KEY_TOO_SMALL);
    struct dkim_key *key = dkim_key_from_record(&rec, 512, &err);
    assert_non_null(key);
    assert_int_equal(dkim_key_bits(key), 512);
    dkim_key_free(key);
    dkim_keyrec_release(&rec);
}

/* test_base64 - round trips, FWS inside, padding rules */
static void
test_base64(void **state)
{
    static const char *bad[] = {"A", "AB=C", "ABC==", "AB===", "A*BC", "ABCDE"};
    struct buf enc, dec;
    unsigned char bytes[256];

    buf_init(&enc, 0);
    buf_init(&dec, 0);
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 7 + 3);
    for (size_t n = 0; n <= 10; n++) {
        buf_reset(&enc);
        buf_reset(&dec);
        dkim_base64_encode(bytes, n, &enc);
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_int_equal(dkim_base64_decode(enc.data, enc.len, &dec), 0);
        assert_int_equal(dec.len, n);
        assert_memory_equal(dec.data, bytes, n);
    }
    buf_reset(&dec);
    assert_int_equal(dkim_base64_decode(" aGVs\r\n\tbG8=", 12, &dec), 0);
    assert_string_equal(dec.data, "hello");
    buf_reset(&dec);
    assert_int_equal(dkim_base64_decode("aGVsbG8", 7, &dec), 0); /* padding left off */
    assert_string_equal(dec.data, "hello");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&dec);
        if (dkim_base64_decode(bad[i], strlen(bad[i]), &dec) != -1)
            fail_msg("\"%s\" decoded", bad[i]);
    }
    buf_release(&enc);
    buf_release(&dec);
}

/* test_domains - d= syntax and the i=/d= relation */
static void
test_domains(void **state)
{
    assert_true(dkim_domain_is_valid("example.com", 11));
    assert_true(dkim_domain_is_valid("xn--80ak6aa92e.com", 18));
    assert_true(dkim_domain_is_valid("\xce\xba.example", 10)); /* RFC 8616 U-label */
    assert_false(dkim_domain_is_valid("example.com.", 12));
    assert_false(dkim_domain_is_valid("exa mple.com", 12));
    assert_false(dkim_domain_is_valid("", 0));
    assert_false(dkim_domain_is_valid("a_b.com", 7));
    assert_true(dkim_domain_is_under("mail.Example.com", "example.COM"));
    assert_true(dkim_domain_is_under("example.com", "example.com"));
    assert_false(dkim_domain_is_under("badexample.com", "example.com"));
    assert_false(dkim_domain_is_under("com", "example.com"));
}

/* test_err_str - every reason has a text */
static void
test_err_str(void **state)
{
    for (int e = DKIM_OK; e <= DKIM_ERR_TOO_MANY; e++)
        assert_string_not_equal(dkim_err_str((enum dkim_err)e), "unknown error");
    assert_string_equal(dkim_err_str((enum dkim_err)999), "unknown error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sig_table),   cmocka_unit_test(test_sig_fields),
        cmocka_unit_test(test_key_table),   cmocka_unit_test(test_key_flags),
        cmocka_unit_test(test_corpus_keys), cmocka_unit_test(test_small_key),
        cmocka_unit_test(test_base64),      cmocka_unit_test(test_domains),
        cmocka_unit_test(test_err_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
