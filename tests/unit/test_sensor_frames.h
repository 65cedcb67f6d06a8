/* test_sensor_frames - hand-built frames for the sensor tests: IPv4/IPv6 + TCP, then a link
 * header in front. Every field is written from its named argument, so a test reads as what it
 * sends. Header-only (static functions) so each test program takes what it uses. */
#ifndef SW_TEST_SENSOR_FRAMES_H
#define SW_TEST_SENSOR_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "util/buf.h"

static inline void
put8(struct buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    buf_append(b, &x, 1);
}

static inline void
put16(struct buf *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static inline void
put32(struct buf *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

/* tcp_header - 20 bytes plus `optwords` 4-byte NOP words */
static inline void
tcp_header(struct buf *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
           unsigned optwords)
{
    put16(b, sport);
    put16(b, dport);
    put32(b, seq);
    put32(b, ack);
    put8(b, (5 + optwords) << 4);
    put8(b, flags);
    put16(b, 65535);
    put16(b, 0); /* checksum: never verified */
    put16(b, 0);
    for (unsigned i = 0; i < optwords; i++)
        put32(b, 0x01010101);
}

/* ip4 - an IPv4 header for `plen` payload bytes; frag = flags and offset (in 8-byte units) */
static inline void
ip4(struct buf *b, uint32_t src, uint32_t dst, uint8_t proto, size_t plen, uint16_t id,
    uint16_t frag)
{
    put8(b, 0x45);
    put8(b, 0);
    put16(b, (unsigned)(20 + plen));
    put16(b, id);
    put16(b, frag);
    put8(b, 64);
    put8(b, proto);
    put16(b, 0);
    put32(b, src);
    put32(b, dst);
}

/* ip4_tcp - IPv4 + TCP + payload */
static inline void
ip4_tcp(struct buf *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
        uint32_t ack, uint8_t flags, const void *data, size_t len)
{
    ip4(b, src, dst, 6, 20 + len, 1, 0x4000);
    tcp_header(b, sport, dport, seq, ack, flags, 0);
    buf_append(b, data, len);
}

/* ip6_tcp - IPv6 + TCP + payload, addresses 2001:db8::<src> / 2001:db8::<dst> */
static inline void
ip6_tcp(struct buf *b, uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
        uint32_t ack, uint8_t flags, const void *data, size_t len)
{
    put32(b, 0x60000000);
    put16(b, (unsigned)(20 + len));
    put8(b, 6);
    put8(b, 64);
    put32(b, 0x20010db8);
    put32(b, 0);
    put32(b, 0);
    put32(b, src);
    put32(b, 0x20010db8);
    put32(b, 0);
    put32(b, 0);
    put32(b, dst);
    tcp_header(b, sport, dport, seq, ack, flags, 0);
    buf_append(b, data, len);
}

/* eth - an Ethernet header with `nvlan` tags (tpids[i], vids[i]) then `type`, then inner */
static inline void
eth(struct buf *b, const uint16_t *tpids, const uint16_t *vids, int nvlan, uint16_t type,
    const struct buf *inner)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    buf_append(b, macs, 12);
    for (int i = 0; i < nvlan; i++) {
        put16(b, tpids[i]);
        put16(b, vids[i]);
    }
    put16(b, type);
    buf_append(b, inner->data, inner->len);
}

#endif
