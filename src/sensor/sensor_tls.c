/*
 * sensor_tls - TLS version and SNI from a ClientHello; see sensor_tls.h.
 */
#include "sensor/sensor_tls.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* a bounded reader over one byte range */
struct rd {
    const uint8_t *p;
    size_t n;
    bool bad;
};

static uint32_t
rd_u(struct rd *r, size_t width)
{
    uint32_t v = 0;

    if (r->bad || r->n < width) {
        r->bad = true;
        return 0;
    }
    for (size_t i = 0; i < width; i++)
        v = v << 8 | r->p[i];
    r->p += width;
    r->n -= width;
    return v;
}

/* rd_sub - the next len bytes as a reader of their own */
static struct rd
rd_sub(struct rd *r, size_t len)
{
    struct rd s = {r->p, len, r->bad};

    if (r->bad || r->n < len) {
        r->bad = true;
        s.bad = true;
        s.n = 0;
        return s;
    }
    r->p += len;
    r->n -= len;
    return s;
}

bool
sensor_tls_is_record(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x16 && p[1] == 0x03;
}

const char *
sensor_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300:
        return "SSLv3";
    case 0x0301:
        return "TLSv1.0";
    case 0x0302:
        return "TLSv1.1";
    case 0x0303:
        return "TLSv1.2";
    case 0x0304:
        return "TLSv1.3";
    default:
        return "unknown";
    }
}

/* is_grease - RFC 8701 reserved values (0x?a?a) that say nothing about the client */
static bool
is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* tls_sni - the host_name of a server_name extension */
static void
tls_sni(struct rd ext, struct sensor_tls_hello *out)
{
    struct rd list = rd_sub(&ext, rd_u(&ext, 2));

    while (!list.bad && list.n > 0) {
        uint32_t type = rd_u(&list, 1);
        struct rd name = rd_sub(&list, rd_u(&list, 2));
        if (list.bad || type != 0)
            continue;
        size_t len = name.n < sizeof out->sni - 1 ? name.n : sizeof out->sni - 1;
        for (size_t i = 0; i < len; i++)
            out->sni[i] = name.p[i] > 0x20 && name.p[i] < 0x7f ? (char)name.p[i] : '?';
        out->sni[len] = '\0';
        out->has_sni = true;
        return;
    }
}

/* tls_versions - the highest of a supported_versions extension */
static void
tls_versions(struct rd ext, struct sensor_tls_hello *out)
{
    struct rd list = rd_sub(&ext, rd_u(&ext, 1));
    uint16_t best = 0;

    while (!list.bad && list.n >= 2) {
        uint16_t v = (uint16_t)rd_u(&list, 2);
        if (!is_grease(v) && v > best)
            best = v;
    }
    if (best != 0)
        out->version = best;
}

/* tls_parse_hello - the body of a ClientHello handshake message */
static int
tls_parse_hello(struct rd r, struct sensor_tls_hello *out)
{
    memset(out, 0, sizeof *out);
    out->legacy_version = (uint16_t)rd_u(&r, 2);
    out->version = out->legacy_version;
    rd_sub(&r, 32);          /* random */
    rd_sub(&r, rd_u(&r, 1)); /* session id */
    rd_sub(&r, rd_u(&r, 2)); /* cipher suites */
    rd_sub(&r, rd_u(&r, 1)); /* compression methods */
    if (r.bad)
        return -1;
    if (r.n == 0)
        return 1; /* no extensions (SSLv3 style) */
    struct rd exts = rd_sub(&r, rd_u(&r, 2));
    while (!exts.bad && exts.n > 0) {
        uint32_t type = rd_u(&exts, 2);
        struct rd ext = rd_sub(&exts, rd_u(&exts, 2));
        if (exts.bad)
            break;
        if (type == 0 && !out->has_sni)
            tls_sni(ext, out);
        else if (type == 43)
            tls_versions(ext, out);
    }
    return (out->legacy_version >> 8) == 3 ? 1 : -1;
}

int
sensor_tls_client_hello(const uint8_t *p, size_t n, struct sensor_tls_hello *out)
{
    uint8_t *gather = NULL;
    size_t have = 0, want = 0;
    int rc = 0;

    /* the handshake message may span records: gather their fragments */
    while (n >= 5) {
        size_t rlen = (size_t)p[3] << 8 | p[4];
        if (p[0] != 0x16 || p[1] != 0x03 || rlen == 0 || rlen > 18432) {
            rc = -1;
            goto out_free;
        }
        if (n < 5 + rlen)
            break;
        if (gather == NULL) {
            if (rlen < 4 || p[5] != 1) {
                rc = -1;
                goto out_free;
            }
            want = 4 + ((size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8]);
            if (want > SENSOR_TLS_HELLO_MAX) {
                rc = -1;
                goto out_free;
            }
            gather = xmalloc(want);
        }
        size_t take = rlen < want - have ? rlen : want - have;
        memcpy(gather + have, p + 5, take);
        have += take;
        p += 5 + rlen;
        n -= 5 + rlen;
        if (have == want) {
            struct rd r = {gather + 4, want - 4, false};
            rc = tls_parse_hello(r, out);
            goto out_free;
        }
    }
    if (n >= 2 && (p[0] != 0x16 || p[1] != 0x03))
        rc = -1;
out_free:
    free(gather);
    return rc;
}
