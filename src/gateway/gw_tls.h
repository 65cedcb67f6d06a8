/*
 * gw_tls - OpenSSL contexts for the gateway: the server side (TLS 1.2+, certificate and key
 * from the configuration, optional client certificates checked against a CA), the client side
 * toward the next hop, a self-signed certificate made on first run, and the facts of an
 * established session (version, cipher, client certificate subject/issuer/SHA-256/verified).
 *
 * Errors come back as NULL/-1 with a message in *err. Contexts are per process.
 */
#ifndef SW_GATEWAY_GW_TLS_H
#define SW_GATEWAY_GW_TLS_H

#include <openssl/ssl.h>

#include "config/config.h"
#include "policy/facts.h"
#include "util/buf.h"

/* gw_tls_ensure_self_signed - create certificate and key for `hostname` when both are missing */
int gw_tls_ensure_self_signed(const char *cert_path, const char *key_path, const char *hostname,
                              struct buf *err);
/* gw_tls_server_ctx - NULL with *err set; a config without a certificate gives NULL, no error */
SSL_CTX *gw_tls_server_ctx(const struct cfg_gateway *g, struct buf *err);
SSL_CTX *gw_tls_client_ctx(const struct cfg_gateway *g, struct buf *err);
/* gw_tls_facts - describe an established TLS session */
void gw_tls_facts(SSL *ssl, struct tls_facts *out);

#endif
