/* test_dkim_verify - verification against real vectors (dkimpy, RFC 8463, Stalwart) with their
 * key records, key-record policy, limits, and the streaming API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim_key.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "util/buf.h"

#define STALWART_NOW 1667843664u
#define ED_SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define ED_RECORD "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* records: "name value" lines, with an optional override for one name */
struct records {
    const char *text;
    const char *name; /* override: this name gets value (NULL value = lookup fails) */
    const char *value;
    bool override;
};

/* read_corpus - a corpus file, or skip */
static char *
read_corpus(const char *rel, size_t *len)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096], chunk[8192];
    struct buf b;
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
    *len = b.len;
    return b.data;
}

/* lookup - find qname among the record lines */
static int
lookup(void *ctx, const char *qname, struct buf *txt)
{
    const struct records *r = ctx;
    size_t qlen = strlen(qname);
    if (r->override && strcasecmp(qname, r->name) == 0)
        return r->value ? buf_append_str(txt, r->value) : -1;
    for (const char *p = r->text; p != NULL && *p != '\0';) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > qlen && strncasecmp(p, qname, qlen) == 0 && p[qlen] == ' ')
            return buf_append(txt, p + qlen + 1, n - qlen - 1);
        p = eol ? eol + 1 : NULL;
    }
    return -1;
}

/* check - verify msg and compare every result with want ("pass,fail,..") and reasons */
static void
check(const char *label, const char *msg, size_t len, const struct records *r, uint64_t now,
      const char *want, const enum dkim_err *why_want)
{
    struct dkim_verify_params p = {.now = now};
    struct dkim_verifier *v = dkim_verify_message(msg, len, &p, lookup, (void *)r);
    struct buf got;

    assert_non_null(v);
    buf_init(&got, 0);
    for (size_t i = 0; i < dkim_verifier_count(v); i++) {
        enum dkim_err why;
        enum dkim_result res = dkim_verifier_result(v, i, &why);
        buf_printf(&got, "%s%s", i ? "," : "", dkim_result_str(res));
        if (why_want != NULL && why != why_want[i])
            fail_msg("%s: signature %zu: %s, expected %s", label, i, dkim_err_str(why),
                     dkim_err_str(why_want[i]));
    }
    if (strcmp(got.data, want) != 0)
        fail_msg("%s: got %s, expected %s", label, got.data, want);
    buf_release(&got);
    dkim_verifier_free(v);
}

struct dkimpy_case {
    const char *file;
    const char *name, *value; /* a record that replaces the one in dns-records.txt */
    const char *want;
    enum dkim_err why[2];
};

#define TEST_RSA "test._domainkey.football.example.com"
#define RSA_P                                                                                      \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"   \
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzB"  \
    "fO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static const struct dkimpy_case dkimpy_cases[] = {
    {"dkimpy/data/rfc6376.signed.msg", NULL, NULL, "pass,pass", {DKIM_OK, DKIM_OK}},
    {"dkimpy/data/rfc6376.signed.rsa.msg", NULL, NULL, "pass", {DKIM_OK}},
    {"dkimpy/data/test2.message", NULL, NULL, "pass", {DKIM_OK}},
    {"dkimpy/data/ed25519test2.msg", NULL, NULL, "pass", {DKIM_OK}},
    {"dkimpy/data/test.message.baddomain", NULL, NULL, "permerror", {DKIM_ERR_DOMAIN}},
    /* dkimpy test_catch_bad_key: a corrupted 512-bit key */
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52Tb/mPfjC0QJTo"
     "cVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==",
     "permerror",
     {DKIM_ERR_BASE64}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; g=*; k=rsa; "
     "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhd"
     "R6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5Qj"
     "vHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQA=",
     "permerror",
     {DKIM_ERR_KEY_BAD}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1: g=*; k=rsa; p=" RSA_P,
     "permerror",
     {DKIM_ERR_VERSION}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; k=ed25519-sha256; p=" RSA_P,
     "permerror",
     {DKIM_ERR_KEY_TYPE}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; k=rsa; s=tlsrpt; p=" RSA_P,
     "permerror",
     {DKIM_ERR_KEY_SERVICE}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; k=rsa; p=",
     "permerror",
     {DKIM_ERR_KEY_REVOKED}},
    {"dkimpy/data/rfc6376.signed.rsa.msg",
     TEST_RSA,
     "v=DKIM1; k=rsa; h=sha1; p=" RSA_P,
     "permerror",
     {DKIM_ERR_KEY_HASH}},
    {"dkimpy/data/rfc6376.signed.rsa.msg", TEST_RSA, ED_RECORD, "permerror", {DKIM_ERR_KEY_ALG}},
    /* t=s with i= equal to d= is fine; t=y only flags testing */
    {"dkimpy/data/rfc6376.signed.rsa.msg", TEST_RSA, "v=DKIM1; t=s:y; p=" RSA_P, "pass", {DKIM_OK}},
    {"dkimpy/data/rfc6376.signed.rsa.msg", TEST_RSA, NULL, "temperror", {DKIM_ERR_NO_KEY}},
    /* a U-label d= parses (RFC 8616); its key is not published */
    {"dkimpy/extra-branches/test_utf8.message", NULL, NULL, "temperror", {DKIM_ERR_NO_KEY}},
    {"dkimpy/extra-branches/messagedoublefromsigned", NULL, NULL, "temperror", {DKIM_ERR_NO_KEY}},
};

/* test_dkimpy_vectors - dkimpy's messages under its key records (and broken ones) */
static void
test_dkimpy_vectors(void **state)
{
    size_t rlen;
    char *records = read_corpus("dkimpy/dns-records.txt", &rlen);

    for (size_t i = 0; i < sizeof dkimpy_cases / sizeof dkimpy_cases[0]; i++) {
        const struct dkimpy_case *c = &dkimpy_cases[i];
        struct records r = {records, c->name, c->value, c->name != NULL};
        size_t len;
        char *msg = read_corpus(c->file, &len);
        char label[256];
        snprintf(label, sizeof label, "case %zu %s", i, c->file);
        check(label, msg, len, &r, 0, c->want, c->why);
        free(msg);
    }
    free(records);
}

/* test_rfc8463 - A.3: both signatures pass, with LF and with CRLF line ends */
static void
test_rfc8463(void **state)
{
    size_t len, rlen;
    char *msg = read_corpus("rfc8463-appendix-a/A.3-signed-message.eml", &len);
    char *records = read_corpus("rfc8463-appendix-a/dns-records.txt", &rlen);
    struct records r = {records, NULL, NULL, false};
    struct buf crlf;

    check("A.3 LF", msg, len, &r, 0, "pass,pass", NULL);
    buf_init(&crlf, 0);
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\n')
            buf_append(&crlf, "\r", 1);
        buf_append(&crlf, msg + i, 1);
    }
    check("A.3 CRLF", crlf.data, crlf.len, &r, 0, "pass,pass", NULL);
    /* one changed byte in the body */
    char *hungry = strstr(crlf.data, "hungry");
    hungry[0] = 'H';
    const enum dkim_err why[] = {DKIM_ERR_BODY_HASH, DKIM_ERR_BODY_HASH};
    check("A.3 tampered", crlf.data, crlf.len, &r, 0, "fail,fail", why);
    buf_release(&crlf);
    free(records);
    free(msg);
}

/* test_stalwart - records, empty line, message (LF); every signature passes at STALWART_NOW */
static void
test_stalwart(void **state)
{
    static const char *const want[] = {"pass,pass", "pass", "pass,pass", "pass", "pass", "pass"};
    for (int i = 1; i <= 6; i++) {
        char rel[64], label[64];
        size_t len;
        snprintf(rel, sizeof rel, "stalwart-mail-auth/dkim/%03d.txt", i);
        char *text = read_corpus(rel, &len);
        char *split = strstr(text, "\n\n");
        assert_non_null(split);
        *split = '\0';
        struct records r = {text, NULL, NULL, false};
        const char *msg = split + 2;
        size_t mlen = len - (size_t)(msg - text);
        snprintf(label, sizeof label, "stalwart %03d", i);
        check(label, msg, mlen, &r, STALWART_NOW, want[i - 1], NULL);
        if (i == 5) {
            const enum dkim_err why[] = {DKIM_ERR_EXPIRED};
            check("stalwart 005 later", msg, mlen, &r, STALWART_NOW + 86401, "permerror", why);
            check("stalwart 005 no clock", msg, mlen, &r, 0, "pass", NULL);
        }
        free(text);
    }
}

/* test_streaming_api - headers, the queries, body a byte at a time, keys after the body */
static void
test_streaming_api(void **state)
{
    size_t len, rlen;
    char *msg = read_corpus("dkimpy/data/rfc6376.signed.msg", &len);
    char *records = read_corpus("dkimpy/dns-records.txt", &rlen);
    struct records r = {records, NULL, NULL, false};
    struct dkim_verify_params p = {0};
    struct dkim_verifier *v = dkim_verifier_new(&p);
    size_t hlen = dkim_header_section_len(msg, len);
    struct buf txt;

    assert_int_equal(dkim_verifier_headers(v, msg, hlen), 0);
    assert_int_equal(dkim_verifier_headers(v, msg, hlen), -1);
    assert_int_equal(dkim_verifier_count(v), 2);
    assert_int_equal(dkim_verifier_ignored(v), 0);
    const struct dkim_sig_info *a = dkim_verifier_sig(v, 0), *b = dkim_verifier_sig(v, 1);
    assert_true(a->parsed && b->parsed);
    assert_string_equal(a->query, "brisbane._domainkey.football.example.com");
    assert_string_equal(b->query, "test._domainkey.football.example.com");
    assert_string_equal(a->d, "football.example.com");
    assert_string_equal(b->s, "test");
    assert_int_equal(a->alg, DKIM_ALG_ED25519_SHA256);
    assert_int_equal(b->alg, DKIM_ALG_RSA_SHA256);
    assert_false(a->has_l);
    assert_null(dkim_verifier_sig(v, 2));
    for (size_t i = hlen; i < len; i++)
        dkim_verifier_body(v, msg + i, 1);
    buf_init(&txt, 0);
    for (size_t i = 0; i < 2; i++) {
        buf_reset(&txt);
        assert_int_equal(lookup(&r, dkim_verifier_sig(v, i)->query, &txt), 0);
        assert_int_equal(dkim_verifier_key(v, i, txt.data, txt.len), 0);
    }
    assert_int_equal(dkim_verifier_key(v, 2, "x", 1), -1);
    assert_int_equal(dkim_verifier_result(v, 0, NULL), DKIM_RESULT_TEMPERROR); /* not finished */
    dkim_verifier_finish(v);
    assert_int_equal(dkim_verifier_result(v, 0, NULL), DKIM_RESULT_PASS);
    assert_int_equal(dkim_verifier_result(v, 1, NULL), DKIM_RESULT_PASS);
    buf_release(&txt);
    dkim_verifier_free(v);
    free(records);
    free(msg);
}

/* test_signature_limit - only the first max_sigs signatures are evaluated */
static void
test_signature_limit(void **state)
{
    size_t len, rlen;
    char *msg = read_corpus("rfc8463-appendix-a/A.3-signed-message.eml", &len);
    char *records = read_corpus("rfc8463-appendix-a/dns-records.txt", &rlen);
    struct records r = {records, NULL, NULL, false};
    struct dkim_verify_params p = {.max_sigs = 3};
    const char *from = strstr(msg, "From:");
    struct buf m;

    buf_init(&m, 0);
    for (int k = 0; k < 4; k++) /* 8 signatures */
        buf_append(&m, msg, (size_t)(from - msg));
    buf_append_str(&m, from);
    struct dkim_verifier *v = dkim_verify_message(m.data, m.len, &p, lookup, &r);
    assert_int_equal(dkim_verifier_count(v), 3);
    assert_int_equal(dkim_verifier_ignored(v), 5);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(dkim_verifier_result(v, i, NULL), DKIM_RESULT_PASS);
    dkim_verifier_free(v);
    p.max_sigs = 0; /* the default, 5 */
    v = dkim_verify_message(m.data, m.len, &p, lookup, &r);
    assert_int_equal(dkim_verifier_count(v), DKIM_DEFAULT_MAX_SIGS);
    assert_int_equal(dkim_verifier_ignored(v), 3);
    dkim_verifier_free(v);
    buf_release(&m);
    free(records);
    free(msg);
}

/* test_unsigned_from - more From fields than h= covers fails the signature */
static void
test_unsigned_from(void **state)
{
    size_t len, rlen;
    char *msg = read_corpus("dkimpy/data/rfc6376.signed.rsa.msg", &len);
    char *records = read_corpus("dkimpy/dns-records.txt", &rlen);
    struct records r = {records, NULL, NULL, false};
    const char *from = strstr(msg, "From:");
    struct buf m;
    const enum dkim_err why[] = {DKIM_ERR_FROM_UNSIGNED};

    buf_init(&m, 0);
    buf_append(&m, msg, (size_t)(from - msg));
    buf_append_str(&m, "From: a@evil.example\nFrom: b@evil.example\n");
    buf_append_str(&m, from);
    check("three From", m.data, m.len, &r, 0, "fail", why);
    buf_release(&m);
    free(records);
    free(msg);
}

/* sign_ed - a message signed with the RFC 8032 key under our signer */
static void
sign_ed(const struct dkim_sign_params *tmpl, const char *msg, struct buf *out)
{
    struct buf err;
    buf_init(&err, 0);
    struct dkim_key *key = dkim_key_from_pem(ED_SEED, strlen(ED_SEED), &err);
    struct dkim_sign_params p = *tmpl;
    p.key = key;
    struct dkim_signer *s = dkim_signer_new(&p, &err);
    assert_non_null(s);
    size_t hlen = dkim_header_section_len(msg, strlen(msg));
    assert_int_equal(dkim_signer_headers(s, msg, hlen), 0);
    dkim_signer_body(s, msg + hlen, strlen(msg) - hlen);
    assert_int_equal(dkim_signer_finish(s, out), 0);
    buf_append_str(out, msg);
    dkim_signer_free(s);
    dkim_key_free(key);
    buf_release(&err);
}

/* test_key_policy - t=s against an i= subdomain, l= past the body, x= expiry */
static void
test_key_policy(void **state)
{
    const char *msg = "From: joe@sub.example.com\r\nSubject: hi\r\n\r\nline one\r\nline two\r\n";
    struct dkim_sign_params p = {.domain = "example.com",
                                 .selector = "ed",
                                 .identity = "joe@sub.example.com",
                                 .body_length = true,
                                 .has_timestamp = true,
                                 .timestamp = 1000,
                                 .has_expire = true,
                                 .expire = 2000};
    struct records ok = {"", "ed._domainkey.example.com", ED_RECORD, true};
    struct records strict = {"", "ed._domainkey.example.com", ED_RECORD "; t=s", true};
    struct buf m;

    buf_init(&m, 0);
    sign_ed(&p, msg, &m);
    check("subdomain i=", m.data, m.len, &ok, 1500, "pass", NULL);
    const enum dkim_err strict_why[] = {DKIM_ERR_KEY_STRICT};
    check("t=s", m.data, m.len, &strict, 1500, "permerror", strict_why);
    const enum dkim_err expired[] = {DKIM_ERR_EXPIRED};
    check("expired", m.data, m.len, &ok, 2001, "permerror", expired);
    check("at x=", m.data, m.len, &ok, 2000, "pass", NULL);
    /* drop the last body line: the body is now shorter than l= */
    m.len -= strlen("line two\r\n");
    m.data[m.len] = '\0';
    const enum dkim_err short_why[] = {DKIM_ERR_BODY_SHORT};
    check("short body", m.data, m.len, &ok, 1500, "fail", short_why);
    buf_release(&m);
}

/* test_bad_fields - DKIM-Signature fields that do not parse are permerror, others go on */
static void
test_bad_fields(void **state)
{
    const char *msg =
        "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s; h=from; bh=AA==; b=AA==\r\n"
        "DKIM-Signature: garbage\r\n"
        "DKIM-Signature:\r\n"
        "From: a@example.com\r\n\r\nbody\r\n";
    struct records none = {"", NULL, NULL, false};
    const enum dkim_err why[] = {DKIM_ERR_ALG, DKIM_ERR_SYNTAX, DKIM_ERR_MISSING_TAG};
    check("bad fields", msg, strlen(msg), &none, 0, "permerror,permerror,permerror", why);
    check("no signature", "From: a\r\n\r\n", 11, &none, 0, "", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkimpy_vectors),  cmocka_unit_test(test_rfc8463),
        cmocka_unit_test(test_stalwart),        cmocka_unit_test(test_streaming_api),
        cmocka_unit_test(test_signature_limit), cmocka_unit_test(test_unsigned_from),
        cmocka_unit_test(test_key_policy),      cmocka_unit_test(test_bad_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
