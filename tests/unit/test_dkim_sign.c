/* test_dkim_sign - key loading, the signer's refusals and output, the RFC 8463 Ed25519 vector,
 * sign-then-verify round trips and tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/dkim_key.h"
#include "auth/dkim_record.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "util/buf.h"

/* RFC 8032 7.1 TEST 1 = RFC 8463 A.1 (selector brisbane) */
#define ED_SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="

static const char message[] = "From: Joe SixPack <joe@example.com>\r\n"
                              "To: Suzie Q <suzie@shopping.example.net>\r\n"
                              "Subject:  Is dinner   ready?\r\n"
                              "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
                              "Message-ID: <20030712040037.46341.5F8J@example.com>\r\n"
                              "X-Not-Signed: yes\r\n"
                              "\r\n"
                              "Hi.\r\n"
                              "\r\n"
                              "We lost the game.  Are you hungry yet?  \r\n"
                              "\r\n"
                              "Joe.\r\n\r\n\r\n";

struct keys {
    struct dkim_key *rsa, *ed;
};

/* path_of - a corpus path, or skip */
static void
path_of(const char *rel, char *path, size_t size)
{
    const char *dir = getenv("SW_SHARED_DIR");
    if (dir == NULL) {
        print_message("SW_SHARED_DIR is not set: skipping corpus test\n");
        skip();
    }
    snprintf(path, size, "%s/corpus", dir);
    if (access(path, R_OK) != 0) {
        print_message("%s is not there: skipping corpus test\n", path);
        skip();
    }
    snprintf(path, size, "%s/corpus/%s", dir, rel);
}

/* setup_keys - a fresh 2048-bit RSA key (PEM round trip) and the RFC 8032 Ed25519 key */
static int
setup_keys(void **state)
{
    struct keys *k = calloc(1, sizeof *k);
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;
    struct buf err;

    buf_init(&err, 0);
    if (pkey == NULL || bio == NULL ||
        PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
        return -1;
    long n = BIO_get_mem_data(bio, &pem);
    k->rsa = dkim_key_from_pem(pem, (size_t)n, &err);
    k->ed = dkim_key_from_pem(ED_SEED "\n", strlen(ED_SEED) + 1, &err);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    buf_release(&err);
    *state = k;
    return k->rsa && k->ed ? 0 : -1;
}

static int
teardown_keys(void **state)
{
    struct keys *k = *state;
    dkim_key_free(k->rsa);
    dkim_key_free(k->ed);
    free(k);
    return 0;
}

/* sign - sign msg, feeding the body `step` bytes at a time (0 = at once); the signed message */
static int
sign(const struct dkim_sign_params *p, const char *msg, size_t len, size_t step, struct buf *out)
{
    struct buf err;
    buf_init(&err, 0);
    struct dkim_signer *s = dkim_signer_new(p, &err);
    if (s == NULL)
        fail_msg("dkim_signer_new: %s", err.data);
    size_t hlen = dkim_header_section_len(msg, len);
    int rc = dkim_signer_headers(s, msg, hlen);
    if (step == 0)
        step = len;
    for (size_t off = hlen; rc == 0 && off < len; off += step)
        dkim_signer_body(s, msg + off, len - off < step ? len - off : step);
    if (rc == 0)
        rc = dkim_signer_finish(s, out);
    if (rc == 0)
        buf_append(out, msg, len);
    dkim_signer_free(s);
    buf_release(&err);
    return rc;
}

/* lookup_one - the record in ctx for any name */
static int
lookup_one(void *ctx, const char *qname, struct buf *txt)
{
    return buf_append_str(txt, ctx);
}

/* verify - the result of the first signature of msg under key's public record */
static enum dkim_result
verify(const struct dkim_key *key, const char *msg, size_t len, enum dkim_err *why)
{
    struct buf rec;
    struct dkim_verify_params vp = {.now = 1700000000};
    buf_init(&rec, 0);
    assert_int_equal(dkim_key_public_record(key, &rec), 0);
    struct dkim_verifier *v = dkim_verify_message(msg, len, &vp, lookup_one, rec.data);
    assert_non_null(v);
    assert_int_equal(dkim_verifier_count(v), 1);
    enum dkim_result r = dkim_verifier_result(v, 0, why);
    dkim_verifier_free(v);
    buf_release(&rec);
    return r;
}

/* test_round_trip - both algorithms, all four canonicalisation pairs, any body split */
static void
test_round_trip(void **state)
{
    struct keys *k = *state;
    const struct dkim_key *keys[] = {k->rsa, k->ed};

    for (size_t a = 0; a < 2; a++)
        for (int hc = 0; hc < 2; hc++)
            for (int bc = 0; bc < 2; bc++) {
                struct dkim_sign_params p = {.domain = "example.com",
                                             .selector = "sel",
                                             .key = keys[a],
                                             .hcanon = (enum dkim_canon)hc,
                                             .bcanon = (enum dkim_canon)bc};
                struct buf once, bytewise;
                enum dkim_err why;
                buf_init(&once, 0);
                buf_init(&bytewise, 0);
                assert_int_equal(sign(&p, message, sizeof message - 1, 0, &once), 0);
                assert_int_equal(sign(&p, message, sizeof message - 1, 1, &bytewise), 0);
                if (verify(keys[a], once.data, once.len, &why) != DKIM_RESULT_PASS)
                    fail_msg("alg %zu c=%d/%d: %s\n%s", a, hc, bc, dkim_err_str(why), once.data);
                assert_int_equal(verify(keys[a], bytewise.data, bytewise.len, &why),
                                 DKIM_RESULT_PASS);
                if (a == 1) /* Ed25519 is deterministic: the same bytes either way */
                    assert_string_equal(once.data, bytewise.data);
                buf_release(&once);
                buf_release(&bytewise);
            }
}

/* replace - msg with the first `from` replaced by `to` */
static void
replace(const struct buf *msg, const char *from, const char *to, struct buf *out)
{
    const char *at = strstr(msg->data, from);
    assert_non_null(at);
    buf_reset(out);
    buf_append(out, msg->data, (size_t)(at - msg->data));
    buf_append_str(out, to);
    buf_append_str(out, at + strlen(from));
}

/* test_tampering - a body byte, a header value, an added From each fail */
static void
test_tampering(void **state)
{
    struct keys *k = *state;
    const struct dkim_key *keys[] = {k->rsa, k->ed};
    static const char *const edits[][3] = {
        {"hungry", "Hungry", "body"},
        {"dinner   ready", "dinner ready!", "header"},
        {"To: Suzie", "From: evil@attacker.example\r\nTo: Suzie", "From added below"},
        {"From: Joe", "From: evil@attacker.example\r\nFrom: Joe", "From added above"},
        {"X-Not-Signed: yes", "X-Not-Signed: changed", NULL}, /* unsigned: still passes */
        {"Joe.\r\n\r\n", "Joe.\r\n\r\n\r\n\r\n", NULL},       /* trailing empty lines */
    };

    for (size_t a = 0; a < 2; a++)
        for (int c = 0; c < 2; c++) {
            struct dkim_sign_params p = {.domain = "example.com",
                                         .selector = "sel",
                                         .key = keys[a],
                                         .hcanon = (enum dkim_canon)c,
                                         .bcanon = (enum dkim_canon)c};
            struct buf signed_msg, bad;
            enum dkim_err why;
            buf_init(&signed_msg, 0);
            buf_init(&bad, 0);
            assert_int_equal(sign(&p, message, sizeof message - 1, 0, &signed_msg), 0);
            for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
                replace(&signed_msg, edits[e][0], edits[e][1], &bad);
                enum dkim_result r = verify(keys[a], bad.data, bad.len, &why);
                enum dkim_result want = edits[e][2] ? DKIM_RESULT_FAIL : DKIM_RESULT_PASS;
                if (r != want)
                    fail_msg("alg %zu c=%d edit %zu: %s (%s)", a, c, e, dkim_result_str(r),
                             dkim_err_str(why));
                if (e == 0)
                    assert_int_equal(why, DKIM_ERR_BODY_HASH);
            }
            buf_release(&signed_msg);
            buf_release(&bad);
        }
}

/* test_body_length - with l=, appended text still verifies; without, it does not */
static void
test_body_length(void **state)
{
    struct keys *k = *state;
    struct dkim_sign_params p = {.domain = "example.com",
                                 .selector = "sel",
                                 .key = k->ed,
                                 .hcanon = DKIM_CANON_RELAXED,
                                 .bcanon = DKIM_CANON_RELAXED,
                                 .body_length = true};
    struct buf m;
    enum dkim_err why;

    buf_init(&m, 0);
    assert_int_equal(sign(&p, message, sizeof message - 1, 0, &m), 0);
    assert_non_null(strstr(m.data, " l=54;"));
    buf_append_str(&m, "-- \r\nappended by a mailing list\r\n");
    assert_int_equal(verify(k->ed, m.data, m.len, &why), DKIM_RESULT_PASS);
    p.body_length = false;
    buf_reset(&m);
    assert_int_equal(sign(&p, message, sizeof message - 1, 0, &m), 0);
    buf_append_str(&m, "-- \r\nappended by a mailing list\r\n");
    assert_int_equal(verify(k->ed, m.data, m.len, &why), DKIM_RESULT_FAIL);
    assert_int_equal(why, DKIM_ERR_BODY_HASH);
    buf_release(&m);
}

/* test_field_format - folded at 78 columns, CRLF, From over-signed, t= x= i= as given */
static void
test_field_format(void **state)
{
    struct keys *k = *state;
    static const char *const names[] = {"From", "Subject", "X-Absent", NULL};
    struct dkim_sign_params p = {.domain = "example.com",
                                 .selector = "sel",
                                 .key = k->rsa,
                                 .hcanon = DKIM_CANON_RELAXED,
                                 .headers = names,
                                 .identity = "joe@mail.example.com",
                                 .has_timestamp = true,
                                 .timestamp = 1700000000,
                                 .has_expire = true,
                                 .expire = 1700086400};
    struct buf m;
    struct dkim_sig sig;
    enum dkim_err err;

    buf_init(&m, 0);
    assert_int_equal(sign(&p, message, sizeof message - 1, 0, &m), 0);
    size_t flen = dkim_header_section_len(m.data, m.len);
    const char *end = strstr(m.data, "\r\nFrom: Joe");
    assert_non_null(end);
    assert_true((size_t)(end - m.data) < flen);
    for (const char *line = m.data; line < end;) {
        const char *eol = strstr(line, "\r\n");
        assert_true(eol - line <= 78);
        line = eol + 2;
    }
    assert_int_equal(strncmp(m.data, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple;", 52),
                     0);
    const char *colon = strchr(m.data, ':');
    assert_int_equal(dkim_sig_parse(colon + 1, (size_t)(end - colon - 1), &sig, &err), 0);
    assert_int_equal(sig.nh, 3);
    assert_string_equal(sig.h[0], "from");
    assert_string_equal(sig.h[1], "from");
    assert_string_equal(sig.h[2], "subject");
    assert_string_equal(sig.i, "joe@mail.example.com");
    assert_true(sig.has_t && sig.t == 1700000000 && sig.has_x && sig.x == 1700086400);
    assert_int_equal(sig.b.len, 256);
    dkim_sig_release(&sig);
    buf_release(&m);
}

/* test_refusals - what the signer never signs */
static void
test_refusals(void **state)
{
    struct keys *k = *state;
    static const char *const no_from[] = {"to", "subject", NULL};
    static const char *const colon[] = {"from", "x:y", NULL};
    const struct dkim_sign_params good = {.domain = "example.com", .selector = "sel", .key = k->ed};
    struct dkim_sign_params p;
    struct buf err, out;

    buf_init(&err, 0);
    buf_init(&out, 0);
    const struct dkim_sign_params bad[] = {
        {.domain = "exa mple.com", .selector = "sel", .key = k->ed},
        {.domain = "example.com", .selector = "se;l", .key = k->ed},
        {.domain = "example.com", .selector = "sel", .key = NULL},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .identity = "a@example.org"},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .identity = "a@badexample.com"},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .identity = "a b@example.com"},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .identity = "a;@example.com"},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .headers = no_from},
        {.domain = "example.com", .selector = "sel", .key = k->ed, .headers = colon},
        {.domain = "example.com",
         .selector = "sel",
         .key = k->ed,
         .has_timestamp = true,
         .timestamp = 10,
         .has_expire = true,
         .expire = 10},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&err);
        if (dkim_signer_new(&bad[i], &err) != NULL)
            fail_msg("parameters %zu accepted", i);
        assert_true(err.len > 0);
    }
    /* messages without exactly one From */
    static const char *const msgs[] = {"To: a@example.net\r\nSubject: x\r\n",
                                       "From: a@example.com\r\nFrom: b@example.com\r\n",
                                       "from:a@example.com\r\nTo: x\r\nFROM : b@example.com\r\n"};
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        p = good;
        struct dkim_signer *s = dkim_signer_new(&p, &err);
        assert_int_equal(dkim_signer_headers(s, msgs[i], strlen(msgs[i])), -1);
        assert_non_null(strstr(dkim_signer_error(s), "exactly one From"));
        assert_int_equal(dkim_signer_finish(s, &out), -1);
        dkim_signer_free(s);
    }
    assert_int_equal(out.len, 0);
    /* more signed fields than a verifier takes in h= */
    struct buf many;
    buf_init(&many, 0);
    buf_append_str(&many, "From: a@example.com\r\n");
    for (int i = 0; i < 130; i++)
        buf_append_str(&many, "To: b@example.net\r\n");
    p = good;
    struct dkim_signer *s = dkim_signer_new(&p, &err);
    assert_int_equal(dkim_signer_headers(s, many.data, many.len), 0);
    assert_int_equal(dkim_signer_finish(s, &out), -1);
    assert_string_equal(dkim_signer_error(s), "too many header fields to sign");
    dkim_signer_free(s);
    buf_release(&many);
    buf_release(&err);
    buf_release(&out);
}

/* test_weak_rsa - a 1024-bit RSA key loads but is refused for signing */
static void
test_weak_rsa(void **state)
{
    char path[4096];
    struct buf err;
    path_of("dkimpy/data/test.private", path, sizeof path);
    buf_init(&err, 0);
    struct dkim_key *key = dkim_key_load_pem(path, &err);
    assert_non_null(key);
    assert_int_equal(dkim_key_bits(key), 1024);
    struct dkim_sign_params p = {.domain = "example.com", .selector = "sel", .key = key};
    assert_null(dkim_signer_new(&p, &err));
    assert_non_null(strstr(err.data, "2048"));
    dkim_key_free(key);
    buf_release(&err);
}

/* test_key_files - the corpus key formats load (or not) */
static void
test_key_files(void **state)
{
    static const struct {
        const char *file;
        int type; /* -1: must not load */
        unsigned bits;
    } files[] = {
        {"dkimpy/data/2048_testkey.key", DKIM_KEY_RSA, 2048},
        {"dkimpy/data/2048_testkey_PKCS8.key", DKIM_KEY_RSA, 2048},
        {"dkimpy/data/1024_testkey.key", DKIM_KEY_RSA, 1024},
        {"dkimpy/data/ed25519test.key", DKIM_KEY_ED25519, 256},
        {"dkimpy/data/rfc8032_7_1.key", DKIM_KEY_ED25519, 256},
        {"rfc8463-appendix-a/ed25519-secret-brisbane.b64", DKIM_KEY_ED25519, 256},
        {"rfc8463-appendix-a/rsa-private-test.pem", DKIM_KEY_RSA, 1024},
        {"stalwart-mail-auth/rsa-private.pem", DKIM_KEY_RSA, 2048},
        {"dkimpy/data/test.txt", -1, 0},
        {"dkimpy/data/test.message", -1, 0},
        {"dkimpy/data/no-such-file", -1, 0},
    };
    char path[4096];
    struct buf err;

    buf_init(&err, 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        path_of(files[i].file, path, sizeof path);
        buf_reset(&err);
        struct dkim_key *key = dkim_key_load_pem(path, &err);
        if ((key != NULL) != (files[i].type >= 0))
            fail_msg("%s: %s", files[i].file, key ? "loaded" : err.data);
        if (key != NULL) {
            assert_int_equal(dkim_key_type(key), files[i].type);
            assert_int_equal(dkim_key_bits(key), files[i].bits);
            assert_true(dkim_key_is_private(key));
        } else {
            assert_true(err.len > 0);
        }
        dkim_key_free(key);
    }
    buf_release(&err);
}

/* pem_of - a PEM private key, encrypted with pass when pass is not NULL */
static void
pem_of(EVP_PKEY *pkey, const char *pass, struct buf *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;
    const EVP_CIPHER *cipher = pass ? EVP_aes_128_cbc() : NULL;
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, cipher, (unsigned char *)pass,
                                              pass ? (int)strlen(pass) : 0, NULL, NULL),
                     1);
    long n = BIO_get_mem_data(bio, &pem);
    buf_set(out, pem, (size_t)n);
    BIO_free(bio);
}

/* test_ed25519_pem - a PKCS#8 Ed25519 PEM loads; an encrypted PEM is refused, not prompted */
static void
test_ed25519_pem(void **state)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    struct buf pem, err, rec;
    buf_init(&pem, 0);
    buf_init(&err, 0);
    buf_init(&rec, 0);
    assert_non_null(pkey);
    pem_of(pkey, NULL, &pem);
    assert_non_null(strstr(pem.data, "BEGIN PRIVATE KEY"));
    struct dkim_key *key = dkim_key_from_pem(pem.data, pem.len, &err);
    assert_non_null(key);
    assert_int_equal(dkim_key_type(key), DKIM_KEY_ED25519);
    assert_int_equal(dkim_key_alg(key), DKIM_ALG_ED25519_SHA256);
    assert_int_equal(dkim_key_public_record(key, &rec), 0);
    assert_int_equal(strncmp(rec.data, "v=DKIM1; k=ed25519; p=", 22), 0);
    assert_int_equal(rec.len, 22 + 44);
    dkim_key_free(key);
    pem_of(pkey, "secret", &pem);
    assert_non_null(strstr(pem.data, "ENCRYPTED"));
    assert_null(dkim_key_from_pem(pem.data, pem.len, &err));
    assert_null(dkim_key_from_pem("-----BEGIN junk", 15, &err));
    assert_null(dkim_key_from_pem("AAAA", 4, &err)); /* base64, but not a 32-byte seed */
    EVP_PKEY_free(pkey);
    buf_release(&pem);
    buf_release(&err);
    buf_release(&rec);
}

/* read_file - a whole file */
static char *
read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct buf b;
    char chunk[4096];
    size_t n;
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

/* test_rfc8463_vector - signing the A.3 header data with the A.1 key reproduces its b= */
static void
test_rfc8463_vector(void **state)
{
    char path[4096];
    size_t len;
    struct dkim_fields f;
    struct dkim_sig sig;
    enum dkim_err err;
    struct buf data, b64, e;
    uint8_t digest[DKIM_HASH_LEN];
    unsigned int dlen;

    path_of("rfc8463-appendix-a/A.3-signed-message.eml", path, sizeof path);
    char *msg = read_file(path, &len);
    path_of("rfc8463-appendix-a/ed25519-secret-brisbane.b64", path, sizeof path);
    buf_init(&e, 0);
    struct dkim_key *key = dkim_key_load_pem(path, &e);
    assert_non_null(key);
    assert_int_equal(dkim_fields_parse(&f, msg, dkim_header_section_len(msg, len)), 0);
    const struct dkim_field *fl = &f.v[0];
    const char *colon = memchr(fl->raw, ':', fl->raw_len);
    assert_int_equal(
        dkim_sig_parse(colon + 1, fl->raw_len - (size_t)(colon + 1 - fl->raw), &sig, &err), 0);
    assert_int_equal(sig.alg, DKIM_ALG_ED25519_SHA256);
    const char *bval = strstr(fl->raw, " b=") + 3;
    buf_init(&data, 0);
    buf_init(&b64, 0);
    dkim_canon_headers(&f, sig.h, sig.nh, sig.hcanon, &data);
    dkim_canon_sig_field(sig.hcanon, fl->raw, (size_t)(bval - fl->raw), &data);
    assert_int_equal(EVP_Digest(data.data, data.len, digest, &dlen, EVP_sha256(), NULL), 1);
    buf_reset(&data);
    assert_int_equal(dkim_key_sign(key, digest, &data), 0);
    dkim_base64_encode(data.data, data.len, &b64);
    assert_string_equal(b64.data, "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
                                  "Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
    assert_memory_equal(data.data, sig.b.data, 64);
    dkim_sig_release(&sig);
    dkim_fields_release(&f);
    dkim_key_free(key);
    buf_release(&data);
    buf_release(&b64);
    buf_release(&e);
    free(msg);
}

/* test_bare_lf - an LF message is signed as its CRLF form; both forms verify */
static void
test_bare_lf(void **state)
{
    struct keys *k = *state;
    struct dkim_sign_params p = {.domain = "example.com", .selector = "sel", .key = k->ed};
    struct buf lf, crlf, m;
    enum dkim_err why;

    buf_init(&lf, 0);
    buf_init(&crlf, 0);
    buf_init(&m, 0);
    for (const char *c = message; *c; c++)
        if (*c != '\r')
            buf_append(&lf, c, 1);
    assert_int_equal(sign(&p, lf.data, lf.len, 3, &m), 0);
    assert_int_equal(verify(k->ed, m.data, m.len, &why), DKIM_RESULT_PASS);
    for (size_t i = 0; i < m.len; i++) {
        if (m.data[i] == '\n' && (i == 0 || m.data[i - 1] != '\r'))
            buf_append(&crlf, "\r", 1);
        buf_append(&crlf, m.data + i, 1);
    }
    assert_int_equal(verify(k->ed, crlf.data, crlf.len, &why), DKIM_RESULT_PASS);
    buf_release(&lf);
    buf_release(&crlf);
    buf_release(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_body_length),    cmocka_unit_test(test_field_format),
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_weak_rsa),       cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_rfc8463_vector), cmocka_unit_test(test_ed25519_pem),
    };
    return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
