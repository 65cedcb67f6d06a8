/*
 * sensor_tls - the metadata a passive sensor may read from an encrypted SMTP session: the
 * TLS version and server name (SNI) a client offers in its ClientHello.
 *
 * sensor_tls_client_hello() reads the first bytes of a client stream (one or more handshake
 * records). It is bounded by its input, allocates at most the handshake message (limited to
 * SENSOR_TLS_HELLO_MAX), and returns 1 with *out filled, 0 when more bytes are needed, -1 when
 * the bytes are not a ClientHello. The SNI keeps printable ASCII only (anything else becomes
 * '?'). Pure; re-entrant.
 */
#ifndef SW_SENSOR_TLS_H
#define SW_SENSOR_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENSOR_TLS_HELLO_MAX 16384 /* handshake bytes we are willing to gather */

struct sensor_tls_hello {
    uint16_t legacy_version; /* client_version of the ClientHello */
    uint16_t version;        /* highest offered: supported_versions, else legacy_version */
    bool has_sni;
    char sni[256];
};

/* sensor_tls_is_record - the bytes start like a TLS handshake record (0x16 0x03) */
bool sensor_tls_is_record(const uint8_t *p, size_t n);

/* sensor_tls_client_hello - 1 parsed, 0 need more bytes, -1 not a ClientHello */
int sensor_tls_client_hello(const uint8_t *p, size_t n, struct sensor_tls_hello *out);

/* sensor_tls_version_name - "TLSv1.2", "SSLv3", ... or "unknown" */
const char *sensor_tls_version_name(uint16_t v);

#endif
