/* gw_tls - TLS contexts, self-signed certificate generation and session facts. */
#include "gateway/gw_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <libgen.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

/* ssl_error - append OpenSSL's error queue to err */
static void
ssl_error(struct buf *err, const char *what)
{
    unsigned long e;
    char text[256];

    buf_printf(err, "%s", what);
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, text, sizeof text);
        buf_printf(err, ": %s", text);
    }
}

/* mkdir_parent - create the folder that will hold path (one level) */
static void
mkdir_parent(const char *path)
{
    char *copy = xstrdup(path);
    mkdir(dirname(copy), 0750);
    free(copy);
}

/* write_pem - write a key or certificate with the given mode */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
    FILE *f;
    int fd, ok;

    mkdir_parent(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return -1;
    }
    ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
    if (fclose(f) != 0 || !ok)
        return -1;
    return 0;
}

/* make_cert - a self-signed X.509 v3 certificate for hostname, valid ten years */
static X509 *
make_cert(EVP_PKEY *key, const char *hostname)
{
    X509 *x = X509_new();
    X509_NAME *name;
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    char san[300];
    unsigned char serial[16];

    if (x == NULL)
        return NULL;
    X509_set_version(x, 2);
    if (RAND_bytes(serial, sizeof serial) == 1) {
        serial[0] &= 0x7f;
        BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
        BN_free(bn);
    }
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
    X509_set_pubkey(x, key);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)hostname, -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    snprintf(san, sizeof san, "DNS:%s", hostname);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    if (ext != NULL) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(x, key, EVP_sha256()) == 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int
gw_tls_ensure_self_signed(const char *cert_path, const char *key_path, const char *hostname,
                          struct buf *err)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = -1;

    if (access(cert_path, F_OK) == 0 && access(key_path, F_OK) == 0)
        return 0;
    key = EVP_EC_gen("P-256");
    if (key == NULL) {
        ssl_error(err, "generating a key");
        goto out;
    }
    cert = make_cert(key, hostname);
    if (cert == NULL) {
        ssl_error(err, "making a self-signed certificate");
        goto out_free_key;
    }
    if (write_pem(key_path, 0600, key, NULL) < 0 || write_pem(cert_path, 0644, NULL, cert) < 0) {
        buf_printf(err, "writing %s / %s: %s", cert_path, key_path, strerror(errno));
        goto out_free_cert;
    }
    rc = 0;
out_free_cert:
    X509_free(cert);
out_free_key:
    EVP_PKEY_free(key);
out:
    return rc;
}

/* accept_any_verify - record the verification result, let policy decide what it means */
static int
accept_any_verify(int preverify_ok, X509_STORE_CTX *ctx)
{
    (void)preverify_ok;
    (void)ctx;
    return 1;
}

SSL_CTX *
gw_tls_server_ctx(const struct cfg_gateway *g, struct buf *err)
{
    SSL_CTX *ctx;

    if (g->tls.certificate == NULL)
        return NULL;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        ssl_error(err, "creating the TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, g->tls.certificate) != 1) {
        ssl_error(err, g->tls.certificate);
        goto out_free;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, g->tls.key ? g->tls.key : g->tls.certificate,
                                    SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error(err, g->tls.key ? g->tls.key : g->tls.certificate);
        goto out_free;
    }
    if (g->tls.client_ca != NULL) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(g->tls.client_ca);
        if (names == NULL || SSL_CTX_load_verify_locations(ctx, g->tls.client_ca, NULL) != 1) {
            ssl_error(err, g->tls.client_ca);
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            goto out_free;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_verify);
    }
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"smtpwarden", 10);
    return ctx;
out_free:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *
gw_tls_client_ctx(const struct cfg_gateway *g, struct buf *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        ssl_error(err, "creating the TLS client context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (g->next_hop.tls_verify) {
        int ok = g->next_hop.ca ? SSL_CTX_load_verify_locations(ctx, g->next_hop.ca, NULL)
                                : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1) {
            ssl_error(err, g->next_hop.ca ? g->next_hop.ca : "default CA paths");
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    return ctx;
}

/* name_text - an X509 name as an RFC 2253 string */
static void
name_text(const X509_NAME *name, char *out, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    long n;

    out[0] = '\0';
    if (bio == NULL)
        return;
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    n = BIO_get_mem_data(bio, &p);
    if (n > 0)
        snprintf(out, size, "%.*s", (int)n, p);
    BIO_free(bio);
}

void
gw_tls_facts(SSL *ssl, struct tls_facts *out)
{
    X509 *peer;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;

    memset(out, 0, sizeof *out);
    out->active = true;
    snprintf(out->version, sizeof out->version, "%s", SSL_get_version(ssl));
    snprintf(out->cipher, sizeof out->cipher, "%s", SSL_get_cipher_name(ssl));
    peer = SSL_get1_peer_certificate(ssl);
    if (peer == NULL)
        return;
    out->has_cert = true;
    out->cert_verified = SSL_get_verify_result(ssl) == X509_V_OK;
    name_text(X509_get_subject_name(peer), out->cert_subject, sizeof out->cert_subject);
    name_text(X509_get_issuer_name(peer), out->cert_issuer, sizeof out->cert_issuer);
    if (X509_digest(peer, EVP_sha256(), md, &mdlen) == 1) {
        for (unsigned i = 0; i < mdlen && 2 * i + 2 < sizeof out->cert_sha256; i++)
            snprintf(out->cert_sha256 + 2 * i, 3, "%02x", md[i]);
    }
    X509_free(peer);
}
