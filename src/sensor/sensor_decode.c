/* sensor_decode - link, IP and TCP header decoding for the passive sensor (see sensor_decode.h) */
#include "sensor/sensor_decode.h"

#include <string.h>

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,
    ETHERTYPE_QINQ = 0x88a8,
    ETHERTYPE_QINQ_OLD = 0x9100,
};

enum {
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_AH = 51,
    IP6_NONE = 59,
    IP6_DSTOPTS = 60,
};

static inline uint16_t
rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint32_t
rd32le(const uint8_t *p)
{
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

/* sensor_decode_l4 - parse TCP from an IP payload */
enum sensor_decode_err
sensor_decode_l4(struct sensor_packet *p, const uint8_t *l4, size_t len)
{
    p->l4 = l4;
    p->l4_len = len;
    p->has_tcp = false;
    if (p->proto != SENSOR_PROTO_TCP)
        return SENSOR_DECODE_OK;
    if (len < 20)
        return SENSOR_DECODE_TRUNCATED;
    size_t off = (size_t)(l4[12] >> 4) * 4;
    if (off < 20)
        return SENSOR_DECODE_MALFORMED;
    if (off > len)
        return SENSOR_DECODE_TRUNCATED;
    p->sport = rd16(l4);
    p->dport = rd16(l4 + 2);
    p->seq = rd32(l4 + 4);
    p->ack = rd32(l4 + 8);
    p->tcp_flags = l4[13];
    p->window = rd16(l4 + 14);
    p->payload = l4 + off;
    p->payload_len = len - off;
    p->has_tcp = true;
    return SENSOR_DECODE_OK;
}

/* decode_ipv4 - the IPv4 header; a fragment stops before TCP */
static enum sensor_decode_err
decode_ipv4(struct sensor_packet *p, const uint8_t *d, size_t len)
{
    if (len < 20)
        return SENSOR_DECODE_TRUNCATED;
    if ((d[0] >> 4) != 4)
        return SENSOR_DECODE_MALFORMED;
    size_t ihl = (size_t)(d[0] & 0x0f) * 4;
    size_t total = rd16(d + 2);
    if (ihl < 20)
        return SENSOR_DECODE_MALFORMED;
    if (total == 0)
        total = len; /* segmentation offload: the kernel left the length for the NIC */
    if (total < ihl)
        return SENSOR_DECODE_MALFORMED;
    if (ihl > len || total > len)
        return SENSOR_DECODE_TRUNCATED;
    p->ip_version = 4;
    p->proto = d[9];
    memset(p->src, 0, 10);
    p->src[10] = p->src[11] = 0xff;
    memcpy(p->src + 12, d + 12, 4);
    memset(p->dst, 0, 10);
    p->dst[10] = p->dst[11] = 0xff;
    memcpy(p->dst + 12, d + 16, 4);
    uint16_t frag = rd16(d + 6);
    p->frag_more = (frag & 0x2000) != 0;
    p->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
    p->frag_id = rd16(d + 4);
    p->frag_is_fragment = p->frag_more || p->frag_offset != 0;
    if (p->frag_is_fragment) {
        p->l4 = d + ihl;
        p->l4_len = total - ihl;
        return SENSOR_DECODE_OK;
    }
    return sensor_decode_l4(p, d + ihl, total - ihl);
}

/* decode_ipv6 - the fixed header and the extension-header chain */
static enum sensor_decode_err
decode_ipv6(struct sensor_packet *p, const uint8_t *d, size_t len)
{
    if (len < 40)
        return SENSOR_DECODE_TRUNCATED;
    if ((d[0] >> 4) != 6)
        return SENSOR_DECODE_MALFORMED;
    size_t plen = rd16(d + 4);
    if (plen == 0)
        return SENSOR_DECODE_MALFORMED; /* jumbogram or empty: not SMTP over TCP we can follow */
    if (plen > len - 40)
        return SENSOR_DECODE_TRUNCATED;
    p->ip_version = 6;
    memcpy(p->src, d + 8, 16);
    memcpy(p->dst, d + 24, 16);
    const uint8_t *h = d + 40;
    size_t left = plen;
    uint8_t nh = d[6];
    for (int n = 0;; n++) {
        size_t hl;
        if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS && nh != IP6_AH &&
            nh != IP6_FRAGMENT)
            break;
        if (n == SENSOR_DECODE_MAX_EXT)
            return SENSOR_DECODE_TOO_MANY_EXT;
        if (left < 8)
            return SENSOR_DECODE_TRUNCATED;
        if (nh == IP6_FRAGMENT) {
            uint16_t fo = rd16(h + 2);
            hl = 8;
            p->frag_offset = fo & 0xfff8;
            p->frag_more = (fo & 1) != 0;
            p->frag_id = rd32(h + 4);
            /* an atomic fragment (offset 0, no more) is a whole packet (RFC 6946) */
            p->frag_is_fragment = p->frag_more || p->frag_offset != 0;
        } else if (nh == IP6_AH) {
            hl = ((size_t)h[1] + 2) * 4;
        } else {
            hl = ((size_t)h[1] + 1) * 8;
        }
        if (hl > left)
            return SENSOR_DECODE_TRUNCATED;
        nh = h[0];
        h += hl;
        left -= hl;
        if (p->frag_is_fragment)
            break;
    }
    p->proto = nh;
    if (p->frag_is_fragment || nh == IP6_NONE) {
        p->l4 = h;
        p->l4_len = left;
        return SENSOR_DECODE_OK;
    }
    return sensor_decode_l4(p, h, left);
}

/* decode_ip - by the version nibble (raw links) */
static enum sensor_decode_err
decode_ip(struct sensor_packet *p, const uint8_t *d, size_t len)
{
    if (len < 1)
        return SENSOR_DECODE_TRUNCATED;
    switch (d[0] >> 4) {
    case 4:
        return decode_ipv4(p, d, len);
    case 6:
        return decode_ipv6(p, d, len);
    default:
        return SENSOR_DECODE_NOT_IP;
    }
}

/* decode_ethertype - VLAN tags, then IPv4 / IPv6 */
static enum sensor_decode_err
decode_ethertype(struct sensor_packet *p, uint16_t type, const uint8_t *d, size_t len)
{
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        if (p->vlan_count == SENSOR_DECODE_MAX_VLANS)
            return SENSOR_DECODE_TOO_MANY_VLANS;
        if (len < 4)
            return SENSOR_DECODE_TRUNCATED;
        p->vlan[p->vlan_count++] = rd16(d) & 0x0fff;
        type = rd16(d + 2);
        d += 4;
        len -= 4;
    }
    if (type == ETHERTYPE_IPV4)
        return decode_ipv4(p, d, len);
    if (type == ETHERTYPE_IPV6)
        return decode_ipv6(p, d, len);
    return SENSOR_DECODE_NOT_IP;
}

/* decode_loopback - the 4-byte address family of DLT_NULL (host order) or DLT_LOOP (network) */
static enum sensor_decode_err
decode_loopback(struct sensor_packet *p, const uint8_t *d, size_t len, bool network_order)
{
    if (len < 4)
        return SENSOR_DECODE_TRUNCATED;
    uint32_t fam = network_order ? rd32(d) : rd32le(d);
    /* DLT_NULL is in the capturing host's order: accept a big-endian writer too */
    if (!network_order && fam > 0xffff)
        fam = rd32(d);
    switch (fam) {
    case 2: /* AF_INET everywhere */
        return decode_ipv4(p, d + 4, len - 4);
    case 10: /* AF_INET6: Linux */
    case 24: /* NetBSD, OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        return decode_ipv6(p, d + 4, len - 4);
    default:
        return SENSOR_DECODE_NOT_IP;
    }
}

bool
sensor_decode_link_is_supported(int link)
{
    switch (link) {
    case SENSOR_LINK_NULL:
    case SENSOR_LINK_EN10MB:
    case SENSOR_LINK_RAW:
    case SENSOR_LINK_RAW_BSD:
    case SENSOR_LINK_RAW_FILE:
    case SENSOR_LINK_LOOP:
    case SENSOR_LINK_LINUX_SLL:
    case SENSOR_LINK_IPV4:
    case SENSOR_LINK_IPV6:
    case SENSOR_LINK_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* sensor_decode_frame - dispatch on the link type */
enum sensor_decode_err
sensor_decode_frame(int link, const uint8_t *frame, size_t len, struct sensor_packet *p)
{
    memset(p, 0, sizeof *p);
    switch (link) {
    case SENSOR_LINK_EN10MB:
        if (len < 14)
            return SENSOR_DECODE_TRUNCATED;
        return decode_ethertype(p, rd16(frame + 12), frame + 14, len - 14);
    case SENSOR_LINK_LINUX_SLL:
        if (len < 16)
            return SENSOR_DECODE_TRUNCATED;
        return decode_ethertype(p, rd16(frame + 14), frame + 16, len - 16);
    case SENSOR_LINK_LINUX_SLL2:
        if (len < 20)
            return SENSOR_DECODE_TRUNCATED;
        return decode_ethertype(p, rd16(frame), frame + 20, len - 20);
    case SENSOR_LINK_RAW:
    case SENSOR_LINK_RAW_BSD:
    case SENSOR_LINK_RAW_FILE:
        return decode_ip(p, frame, len);
    case SENSOR_LINK_IPV4:
        return decode_ipv4(p, frame, len);
    case SENSOR_LINK_IPV6:
        return decode_ipv6(p, frame, len);
    case SENSOR_LINK_NULL:
        return decode_loopback(p, frame, len, false);
    case SENSOR_LINK_LOOP:
        return decode_loopback(p, frame, len, true);
    default:
        return SENSOR_DECODE_UNSUPPORTED_LINK;
    }
}

const char *
sensor_decode_err_name(enum sensor_decode_err err)
{
    static const char *const names[SENSOR_DECODE_ERR_COUNT] = {
        [SENSOR_DECODE_OK] = "ok",
        [SENSOR_DECODE_UNSUPPORTED_LINK] = "unsupported_link",
        [SENSOR_DECODE_TRUNCATED] = "truncated",
        [SENSOR_DECODE_MALFORMED] = "malformed",
        [SENSOR_DECODE_NOT_IP] = "not_ip",
        [SENSOR_DECODE_TOO_MANY_VLANS] = "too_many_vlans",
        [SENSOR_DECODE_TOO_MANY_EXT] = "too_many_ext",
    };
    if ((unsigned)err >= SENSOR_DECODE_ERR_COUNT)
        return "unknown";
    return names[err];
}
