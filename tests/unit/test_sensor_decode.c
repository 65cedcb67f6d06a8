/* test_sensor_decode - every link type, VLAN stacks, IPv6 extension headers, fragments, and
 * truncation at every length (ASan checks that nothing is read past the frame). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_decode.h"
#include "test_sensor_frames.h"

#define A4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static const char smtp[] = "EHLO GP\r\n";

/* check_tcp4 - the fields of ip4_tcp(10.10.1.4:1470 -> 74.53.140.153:25, "EHLO GP") */
static void
check_tcp4(const struct sensor_packet *p)
{
    static const uint8_t src[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 10, 1, 4};
    static const uint8_t dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 74, 53, 140, 153};

    assert_int_equal(p->ip_version, 4);
    assert_int_equal(p->proto, 6);
    assert_memory_equal(p->src, src, 16);
    assert_memory_equal(p->dst, dst, 16);
    assert_true(p->has_tcp);
    assert_false(p->frag_is_fragment);
    assert_int_equal(p->sport, 1470);
    assert_int_equal(p->dport, 25);
    assert_int_equal(p->seq, 0xdeadbeef);
    assert_int_equal(p->ack, 0x01020304);
    assert_int_equal(p->tcp_flags, SENSOR_TCP_ACK | SENSOR_TCP_PSH);
    assert_int_equal(p->window, 65535);
    assert_int_equal(p->payload_len, strlen(smtp));
    assert_memory_equal(p->payload, smtp, strlen(smtp));
}

static void
build_ip4(struct buf *b)
{
    ip4_tcp(b, A4(10, 10, 1, 4), A4(74, 53, 140, 153), 1470, 25, 0xdeadbeef, 0x01020304,
            SENSOR_TCP_ACK | SENSOR_TCP_PSH, smtp, strlen(smtp));
}

/* every_prefix_fails - each strict prefix of a good frame is an error, never a crash */
static void
every_prefix_fails(int link, const struct buf *f)
{
    struct sensor_packet p;

    for (size_t n = 0; n < f->len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees any over-read */
        memcpy(copy, f->data, n);
        assert_int_not_equal(sensor_decode_frame(link, copy, n, &p), SENSOR_DECODE_OK);
        free(copy);
    }
}

static void
test_ethernet(void **state)
{
    struct buf ip, f;
    struct sensor_packet p;

    buf_init(&ip, 0);
    buf_init(&f, 0);
    build_ip4(&ip);
    eth(&f, NULL, NULL, 0, 0x0800, &ip);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_EN10MB, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    check_tcp4(&p);
    assert_int_equal(p.vlan_count, 0);
    every_prefix_fails(SENSOR_LINK_EN10MB, &f);
    /* Ethernet padding after the datagram is not payload */
    buf_append(&f, "\0\0\0\0\0\0", 6);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_EN10MB, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    check_tcp4(&p);
    buf_release(&ip);
    buf_release(&f);
}

static void
test_vlans(void **state)
{
    static const struct {
        int n;
        uint16_t tpid[5], vid[5];
        enum sensor_decode_err err;
    } cases[] = {
        {1, {0x8100}, {0x2064}, SENSOR_DECODE_OK},           /* PCP 1, VLAN 100 */
        {2, {0x88a8, 0x8100}, {200, 300}, SENSOR_DECODE_OK}, /* 802.1ad QinQ */
        {2, {0x9100, 0x8100}, {7, 8}, SENSOR_DECODE_OK},     /* old QinQ */
        {4, {0x88a8, 0x8100, 0x8100, 0x8100}, {1, 2, 3, 4}, SENSOR_DECODE_OK},
        {5,
         {0x8100, 0x8100, 0x8100, 0x8100, 0x8100},
         {1, 2, 3, 4, 5},
         SENSOR_DECODE_TOO_MANY_VLANS},
    };
    struct buf ip;

    buf_init(&ip, 0);
    build_ip4(&ip);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf f;
        struct sensor_packet p;
        buf_init(&f, 0);
        eth(&f, cases[i].tpid, cases[i].vid, cases[i].n, 0x0800, &ip);
        assert_int_equal(sensor_decode_frame(SENSOR_LINK_EN10MB, (uint8_t *)f.data, f.len, &p),
                         cases[i].err);
        if (cases[i].err == SENSOR_DECODE_OK) {
            check_tcp4(&p);
            assert_int_equal(p.vlan_count, cases[i].n);
            for (int v = 0; v < cases[i].n; v++)
                assert_int_equal(p.vlan[v], cases[i].vid[v] & 0x0fff);
            every_prefix_fails(SENSOR_LINK_EN10MB, &f);
        }
        buf_release(&f);
    }
    buf_release(&ip);
}

static void
test_not_ip(void **state)
{
    struct buf arp, f;
    struct sensor_packet p;
    uint16_t tpid = 0x8100, vid = 5;

    buf_init(&arp, 0);
    buf_init(&f, 0);
    buf_append(&arp, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    eth(&f, &tpid, &vid, 1, 0x0806, &arp);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_EN10MB, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_NOT_IP);
    assert_int_equal(sensor_decode_frame(147, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_UNSUPPORTED_LINK);
    assert_false(sensor_decode_link_is_supported(147));
    assert_string_equal(sensor_decode_err_name(SENSOR_DECODE_NOT_IP), "not_ip");
    buf_release(&arp);
    buf_release(&f);
}

static void
test_linux_sll(void **state)
{
    struct buf ip, f;
    struct sensor_packet p;

    buf_init(&ip, 0);
    buf_init(&f, 0);
    build_ip4(&ip);
    /* SLL: packet type, ARPHRD, address length, 8 address bytes, protocol */
    put16(&f, 0);
    put16(&f, 1);
    put16(&f, 6);
    buf_append(&f, "\x00\x01\x02\x03\x04\x05\x00\x00", 8);
    put16(&f, 0x0800);
    buf_append(&f, ip.data, ip.len);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_LINUX_SLL, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    check_tcp4(&p);
    every_prefix_fails(SENSOR_LINK_LINUX_SLL, &f);
    buf_reset(&f);
    /* SLL2: protocol, reserved, interface index, ARPHRD, packet type, address length, address */
    put16(&f, 0x0800);
    put16(&f, 0);
    put32(&f, 3);
    put16(&f, 1);
    put8(&f, 4);
    put8(&f, 6);
    buf_append(&f, "\x00\x01\x02\x03\x04\x05\x00\x00", 8);
    buf_append(&f, ip.data, ip.len);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_LINUX_SLL2, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    check_tcp4(&p);
    every_prefix_fails(SENSOR_LINK_LINUX_SLL2, &f);
    buf_release(&ip);
    buf_release(&f);
}

static void
test_raw_links(void **state)
{
    static const int links[] = {SENSOR_LINK_RAW, SENSOR_LINK_RAW_BSD, SENSOR_LINK_RAW_FILE,
                                SENSOR_LINK_IPV4};
    struct buf ip;
    struct sensor_packet p;

    buf_init(&ip, 0);
    build_ip4(&ip);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        assert_int_equal(sensor_decode_frame(links[i], (uint8_t *)ip.data, ip.len, &p),
                         SENSOR_DECODE_OK);
        check_tcp4(&p);
        every_prefix_fails(links[i], &ip);
    }
    /* an IPv4 packet on the IPv6 link type is malformed */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)ip.data, ip.len, &p),
                     SENSOR_DECODE_MALFORMED);
    buf_release(&ip);
}

static void
test_loopback(void **state)
{
    static const struct {
        int link;
        uint8_t fam[4];
        int version;
    } cases[] = {
        {SENSOR_LINK_NULL, {2, 0, 0, 0}, 4},  /* AF_INET, little-endian writer */
        {SENSOR_LINK_NULL, {0, 0, 0, 2}, 4},  /* AF_INET, big-endian writer */
        {SENSOR_LINK_NULL, {30, 0, 0, 0}, 6}, /* AF_INET6 on macOS */
        {SENSOR_LINK_NULL, {28, 0, 0, 0}, 6}, /* FreeBSD */
        {SENSOR_LINK_NULL, {24, 0, 0, 0}, 6}, /* NetBSD, OpenBSD */
        {SENSOR_LINK_NULL, {10, 0, 0, 0}, 6}, /* Linux */
        {SENSOR_LINK_LOOP, {0, 0, 0, 2}, 4},  /* DLT_LOOP: network order */
        {SENSOR_LINK_LOOP, {0, 0, 0, 24}, 6},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf f;
        struct sensor_packet p;
        buf_init(&f, 0);
        buf_append(&f, cases[i].fam, 4);
        if (cases[i].version == 4)
            build_ip4(&f);
        else
            ip6_tcp(&f, 1, 2, 40000, 587, 7, 9, SENSOR_TCP_SYN, NULL, 0);
        assert_int_equal(sensor_decode_frame(cases[i].link, (uint8_t *)f.data, f.len, &p),
                         SENSOR_DECODE_OK);
        assert_int_equal(p.ip_version, cases[i].version);
        if (cases[i].version == 4) {
            check_tcp4(&p);
        } else {
            assert_int_equal(p.dport, 587);
            assert_int_equal(p.tcp_flags, SENSOR_TCP_SYN);
            assert_int_equal(p.payload_len, 0);
        }
        every_prefix_fails(cases[i].link, &f);
        buf_release(&f);
    }
    struct sensor_packet p;
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_NULL, (const uint8_t *)"\x07\0\0\0E", 5, &p),
                     SENSOR_DECODE_NOT_IP);
}

/* ip6_ext - an IPv6 packet whose header chain is `types` (each 8 bytes) then TCP */
static void
ip6_ext(struct buf *b, const uint8_t *types, int n, uint16_t frag_field)
{
    struct buf tcp;

    buf_init(&tcp, 0);
    tcp_header(&tcp, 2525, 25, 100, 200, SENSOR_TCP_ACK, 0);
    buf_append(&tcp, smtp, strlen(smtp));
    put32(b, 0x60000000);
    put16(b, (unsigned)(8 * n + tcp.len));
    put8(b, n ? types[0] : 6);
    put8(b, 64);
    for (int i = 0; i < 8; i++)
        put32(b, 0x20010db8u + (uint32_t)i);
    for (int i = 0; i < n; i++) {
        put8(b, i + 1 < n ? types[i + 1] : 6);
        if (types[i] == 44) { /* fragment: reserved, offset/flags, identification */
            put8(b, 0);
            put16(b, frag_field);
            put32(b, 0xabcdef01);
        } else if (types[i] == 51) { /* AH: length in 4-byte words minus 2 */
            put8(b, 0);
            put16(b, 0);
            put32(b, 0);
        } else { /* 8 bytes: length 0 (in 8-byte units minus 1), PadN */
            put8(b, 0);
            put8(b, 1);
            put8(b, 4);
            put32(b, 0);
        }
    }
    buf_append(b, tcp.data, tcp.len);
    buf_release(&tcp);
}

static void
test_ipv6_ext_headers(void **state)
{
    static const uint8_t chain[] = {0, 43, 60, 51};
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    ip6_ext(&f, chain, 4, 0);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.proto, 6);
    assert_true(p.has_tcp);
    assert_int_equal(p.sport, 2525);
    assert_int_equal(p.payload_len, strlen(smtp));
    assert_memory_equal(p.payload, smtp, strlen(smtp));
    assert_int_equal(p.src[0], 0x20);
    assert_int_equal(p.src[15], 0xbb);
    assert_int_equal(p.dst[15], 0xbf);
    every_prefix_fails(SENSOR_LINK_IPV6, &f);
    buf_release(&f);
}

static void
test_ipv6_fragment(void **state)
{
    static const uint8_t chain[] = {0, 44};
    struct buf f;
    struct sensor_packet p;

    /* first fragment of several (offset 0, M=1): reported, TCP not parsed */
    buf_init(&f, 0);
    ip6_ext(&f, chain, 2, 0x0001);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_true(p.frag_is_fragment);
    assert_true(p.frag_more);
    assert_int_equal(p.frag_offset, 0);
    assert_int_equal(p.frag_id, 0xabcdef01);
    assert_false(p.has_tcp);
    assert_int_equal(p.l4_len, 20 + strlen(smtp));
    /* offset 1480 bytes (185 * 8), last */
    buf_reset(&f);
    ip6_ext(&f, chain, 2, 185 << 3);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_true(p.frag_is_fragment);
    assert_false(p.frag_more);
    assert_int_equal(p.frag_offset, 1480);
    /* atomic fragment (RFC 6946): the whole packet */
    buf_reset(&f);
    ip6_ext(&f, chain, 2, 0);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_false(p.frag_is_fragment);
    assert_true(p.has_tcp);
    assert_int_equal(p.dport, 25);
    buf_release(&f);
}

static void
test_ipv6_too_many_ext(void **state)
{
    static const uint8_t chain[9] = {0, 60, 60, 60, 60, 60, 60, 60, 60};
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    ip6_ext(&f, chain, 8, 0);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    buf_reset(&f);
    ip6_ext(&f, chain, 9, 0);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV6, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_TOO_MANY_EXT);
    buf_release(&f);
}

static void
test_ipv4_fragment_fields(void **state)
{
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    ip4(&f, A4(1, 2, 3, 4), A4(5, 6, 7, 8), 6, 16, 0x4242, 0x2000 | 3); /* MF, offset 24 */
    buf_append(&f, "0123456789abcdef", 16);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_true(p.frag_is_fragment);
    assert_true(p.frag_more);
    assert_int_equal(p.frag_offset, 24);
    assert_int_equal(p.frag_id, 0x4242);
    assert_false(p.has_tcp);
    assert_int_equal(p.l4_len, 16);
    assert_memory_equal(p.l4, "0123456789abcdef", 16);
    buf_release(&f);
}

static void
test_ipv4_options_and_tcp_options(void **state)
{
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    put8(&f, 0x46); /* IHL 6: one word of options */
    put8(&f, 0);
    put16(&f, 24 + 32 + 3);
    put32(&f, 0x00014000);
    put8(&f, 64);
    put8(&f, 6);
    put16(&f, 0);
    put32(&f, A4(10, 0, 0, 1));
    put32(&f, A4(10, 0, 0, 2));
    put32(&f, 0x01010100); /* NOP NOP NOP EOL */
    tcp_header(&f, 5000, 465, 1, 2, SENSOR_TCP_ACK, 3);
    buf_append(&f, "abc", 3);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_int_equal(p.dport, 465);
    assert_int_equal(p.payload_len, 3);
    assert_memory_equal(p.payload, "abc", 3);
    every_prefix_fails(SENSOR_LINK_RAW, &f);
    buf_release(&f);
}

static void
test_tso_zero_length(void **state)
{
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    build_ip4(&f);
    f.data[2] = f.data[3] = 0; /* total length left to the NIC */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    check_tcp4(&p);
    buf_release(&f);
}

static void
test_malformed(void **state)
{
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    build_ip4(&f);
    f.data[0] = 0x44; /* IHL 4 */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_MALFORMED);
    f.data[0] = 0x45;
    f.data[20 + 12] = 0x40; /* TCP data offset 4 */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_MALFORMED);
    f.data[20 + 12] = 0xf0; /* TCP data offset 60 > what is there */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_TRUNCATED);
    f.data[20 + 12] = 0x50;
    f.data[2] = 0;
    f.data[3] = 10; /* total length below the header */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_MALFORMED);
    f.data[0] = 0x75; /* version 7 on a raw link */
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_NOT_IP);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_IPV4, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_MALFORMED);
    buf_release(&f);
}

static void
test_udp_is_not_tcp(void **state)
{
    struct buf f;
    struct sensor_packet p;

    buf_init(&f, 0);
    ip4(&f, A4(1, 1, 1, 1), A4(2, 2, 2, 2), 17, 8, 1, 0);
    buf_append(&f, "\0\x35\0\x35\0\x08\0\0", 8);
    assert_int_equal(sensor_decode_frame(SENSOR_LINK_RAW, (uint8_t *)f.data, f.len, &p),
                     SENSOR_DECODE_OK);
    assert_int_equal(p.proto, 17);
    assert_false(p.has_tcp);
    assert_int_equal(p.l4_len, 8);
    buf_release(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet),
        cmocka_unit_test(test_vlans),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_linux_sll),
        cmocka_unit_test(test_raw_links),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_fragment),
        cmocka_unit_test(test_ipv6_too_many_ext),
        cmocka_unit_test(test_ipv4_fragment_fields),
        cmocka_unit_test(test_ipv4_options_and_tcp_options),
        cmocka_unit_test(test_tso_zero_length),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_udp_is_not_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
