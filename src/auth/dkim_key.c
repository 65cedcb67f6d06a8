/* dkim_key - RSA and Ed25519 keys for DKIM: loading, signing, verifying (OpenSSL 3 EVP). */
#include "auth/dkim_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "util/mem.h"

#define MAX_KEY_FILE (64u * 1024u)
#define ED25519_LEN 32u

struct dkim_key {
    EVP_PKEY *pkey;
    enum dkim_keytype type;
    unsigned bits;
    bool private;
};

/* no_passphrase - refuse encrypted PEM instead of prompting on a terminal */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return 0;
}

/* wrap - a struct dkim_key around an RSA or Ed25519 EVP_PKEY (takes ownership) */
static struct dkim_key *
wrap(EVP_PKEY *pkey, bool private)
{
    struct dkim_key *key;
    int id = EVP_PKEY_get_base_id(pkey);

    if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    key = xcalloc(1, sizeof *key);
    key->pkey = pkey;
    key->type = id == EVP_PKEY_RSA ? DKIM_KEY_RSA : DKIM_KEY_ED25519;
    key->bits = id == EVP_PKEY_RSA ? (unsigned)EVP_PKEY_get_bits(pkey) : 256;
    key->private = private;
    return key;
}

/* seed_key - a bare base64 Ed25519 seed */
static EVP_PKEY *
seed_key(const char *text, size_t len)
{
    struct buf raw;
    EVP_PKEY *pkey = NULL;

    buf_init(&raw, 256);
    if (dkim_base64_decode(text, len, &raw) == 0 && raw.len == ED25519_LEN)
        pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, (unsigned char *)raw.data,
                                            raw.len);
    OPENSSL_cleanse(raw.data, raw.cap);
    buf_release(&raw);
    return pkey;
}

/* dkim_key_from_pem - a private key from PEM text or a bare Ed25519 seed */
struct dkim_key *
dkim_key_from_pem(const char *text, size_t len, struct buf *err)
{
    EVP_PKEY *pkey = NULL;
    struct dkim_key *key;

    if (len > MAX_KEY_FILE) {
        buf_append_str(err, "key file too large");
        return NULL;
    }
    if (memmem(text, len, "-----BEGIN", 10) != NULL) {
        BIO *bio = BIO_new_mem_buf(text, (int)len);
        if (bio != NULL)
            pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
        BIO_free(bio);
    } else {
        pkey = seed_key(text, len);
    }
    ERR_clear_error();
    if (pkey == NULL) {
        buf_append_str(err, "not a PEM private key or an Ed25519 seed");
        return NULL;
    }
    key = wrap(pkey, true);
    if (key == NULL)
        buf_append_str(err, "key is neither RSA nor Ed25519");
    return key;
}

/* dkim_key_load_pem - a private key from a file (read whole, then wiped) */
struct dkim_key *
dkim_key_load_pem(const char *path, struct buf *err)
{
    struct dkim_key *key = NULL;
    char *text = xmalloc(MAX_KEY_FILE + 1);
    size_t n;
    FILE *fp = fopen(path, "r");

    if (fp == NULL) {
        buf_printf(err, "%s: cannot open", path);
        goto out_free_text;
    }
    n = fread(text, 1, MAX_KEY_FILE + 1, fp);
    if (ferror(fp) || n > MAX_KEY_FILE)
        buf_printf(err, "%s: cannot read or too large", path);
    else
        key = dkim_key_from_pem(text, n, err);
    fclose(fp);
out_free_text:
    OPENSSL_cleanse(text, MAX_KEY_FILE + 1);
    free(text);
    return key;
}

/* rsa_public - SubjectPublicKeyInfo, else a bare PKCS#1 RSAPublicKey; all bytes used */
static EVP_PKEY *
rsa_public(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);

    if (pkey != NULL && (p != der + len || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    if (pkey == NULL) {
        p = der;
        pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
        if (pkey != NULL && p != der + len) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
    }
    return pkey;
}

/* dkim_key_from_record - the public key of a parsed key record, size-checked */
struct dkim_key *
dkim_key_from_record(const struct dkim_keyrec *rec, unsigned min_rsa_bits, enum dkim_err *err)
{
    const unsigned char *der = (const unsigned char *)rec->p.data;
    EVP_PKEY *pkey = NULL;
    struct dkim_key *key;

    if (rec->k == DKIM_KEY_RSA)
        pkey = rsa_public(der, rec->p.len);
    else if (rec->p.len == ED25519_LEN)
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, rec->p.len);
    ERR_clear_error();
    *err = DKIM_ERR_KEY_BAD;
    if (pkey == NULL || (key = wrap(pkey, false)) == NULL)
        return NULL;
    if (key->type == DKIM_KEY_RSA && key->bits > DKIM_MAX_RSA_BITS) {
        *err = DKIM_ERR_KEY_BAD; /* bounds what a published key can make us compute */
        return dkim_key_free(key);
    }
    if (key->type == DKIM_KEY_RSA && key->bits < min_rsa_bits) {
        *err = DKIM_ERR_KEY_TOO_SMALL;
        return dkim_key_free(key);
    }
    *err = DKIM_OK;
    return key;
}

/* dkim_key_free - release a key */
struct dkim_key *
dkim_key_free(struct dkim_key *key)
{
    if (key != NULL) {
        EVP_PKEY_free(key->pkey);
        free(key);
    }
    return NULL;
}

enum dkim_keytype
dkim_key_type(const struct dkim_key *key)
{
    return key->type;
}

unsigned
dkim_key_bits(const struct dkim_key *key)
{
    return key->bits;
}

bool
dkim_key_is_private(const struct dkim_key *key)
{
    return key->private;
}

enum dkim_alg
dkim_key_alg(const struct dkim_key *key)
{
    return key->type == DKIM_KEY_RSA ? DKIM_ALG_RSA_SHA256 : DKIM_ALG_ED25519_SHA256;
}

/* dkim_key_public_record - the TXT record that publishes the public half */
int
dkim_key_public_record(const struct dkim_key *key, struct buf *out)
{
    unsigned char raw[ED25519_LEN], *der = NULL;
    size_t raw_len = sizeof raw;
    int n;

    if (key->type == DKIM_KEY_ED25519) {
        if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &raw_len) != 1)
            return -1;
        buf_append_str(out, "v=DKIM1; k=ed25519; p=");
        dkim_base64_encode(raw, raw_len, out);
        return 0;
    }
    n = i2d_PUBKEY(key->pkey, &der);
    if (n <= 0)
        return -1;
    buf_append_str(out, "v=DKIM1; k=rsa; p=");
    dkim_base64_encode(der, (size_t)n, out);
    OPENSSL_free(der);
    return 0;
}

/* rsa_ctx - a PKEY context set up for RSASSA-PKCS1-v1_5 with SHA-256 */
static EVP_PKEY_CTX *
rsa_ctx(EVP_PKEY *pkey, bool sign)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (ctx == NULL)
        return NULL;
    if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* sign_raw - the signature into out (room for EVP_PKEY_get_size bytes) */
static int
sign_raw(const struct dkim_key *key, const uint8_t *digest, unsigned char *out, size_t *len)
{
    int ok = 0;

    if (key->type == DKIM_KEY_RSA) {
        EVP_PKEY_CTX *ctx = rsa_ctx(key->pkey, true);
        ok = ctx != NULL && EVP_PKEY_sign(ctx, out, len, digest, DKIM_HASH_LEN) == 1;
        EVP_PKEY_CTX_free(ctx);
    } else {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
             EVP_DigestSign(md, out, len, digest, DKIM_HASH_LEN) == 1;
        EVP_MD_CTX_free(md);
    }
    ERR_clear_error();
    return ok ? 0 : -1;
}

/* dkim_key_sign - sign a header-hash digest */
int
dkim_key_sign(const struct dkim_key *key, const uint8_t digest[DKIM_HASH_LEN], struct buf *sig)
{
    int size = EVP_PKEY_get_size(key->pkey);
    size_t len = (size_t)size;
    unsigned char *out;
    int rc = -1;

    if (!key->private || size <= 0)
        return -1;
    out = xmalloc(len);
    if (sign_raw(key, digest, out, &len) == 0 && buf_append(sig, out, len) == 0)
        rc = 0;
    free(out);
    return rc;
}

/* dkim_key_verify - check a signature over a header-hash digest */
bool
dkim_key_verify(const struct dkim_key *key, const uint8_t digest[DKIM_HASH_LEN], const void *sig,
                size_t sig_len)
{
    bool ok = false;

    if (key->type == DKIM_KEY_RSA) {
        EVP_PKEY_CTX *ctx = rsa_ctx(key->pkey, false);
        ok = ctx != NULL && EVP_PKEY_verify(ctx, sig, sig_len, digest, DKIM_HASH_LEN) == 1;
        EVP_PKEY_CTX_free(ctx);
    } else {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        ok = md != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
             EVP_DigestVerify(md, sig, sig_len, digest, DKIM_HASH_LEN) == 1;
        EVP_MD_CTX_free(md);
    }
    ERR_clear_error();
    return ok;
}
