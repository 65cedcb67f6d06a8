/* test_sensor_engine - hand-built frames through the whole pipeline: VLAN and IPv6 sessions,
 * TCP inside IPv4 fragments, RST and idle closes, shedding and the memory cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sensor/sensor_engine.h"
#include "test_sensor_frames.h"

#define CLI 0x0a000001u /* 10.0.0.1 */
#define SRV 0xc0000201u /* 192.0.2.1 */

struct rec {
    struct buf out[2]; /* transcript of flow 1: bytes, "[gap N]", "[fin]", "[rst]" */
    uint64_t closed[SENSOR_FLOW_CLOSE_COUNT];
    uint64_t opened;
    int first_close_reason;
};

static void
on_open(void *ctx, struct sensor_flow *f)
{
    struct rec *r = ctx;

    r->opened++;
}

static void
on_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    struct rec *r = ctx;

    r->closed[reason]++;
    if (f->id == 1) {
        r->first_close_reason = (int)reason;
        buf_printf(&r->out[0], "<%s>", sensor_flow_close_name(reason));
    }
}

static void
on_data(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *b, size_t len)
{
    struct rec *r = ctx;

    if (f->id == 1)
        buf_append(&r->out[dir], b, len);
}

static void
on_event(void *ctx, struct sensor_flow *f, enum sensor_dir dir, enum sensor_tcp_event ev,
         uint64_t count)
{
    struct rec *r = ctx;

    if (f->id != 1)
        return;
    if (ev == SENSOR_TCP_EV_GAP)
        buf_printf(&r->out[dir], "[gap %llu]", (unsigned long long)count);
    else
        buf_printf(&r->out[dir], "[%s]", sensor_tcp_event_name(ev));
}

static struct sensor_engine *
engine(struct rec *r, struct sensor_engine_cfg *cfg)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->out[0], 0);
    buf_init(&r->out[1], 0);
    cfg->ctx = r;
    cfg->flow_open = on_open;
    cfg->flow_close = on_close;
    cfg->data = on_data;
    cfg->event = on_event;
    return sensor_engine_new(cfg);
}

static void
rec_release(struct rec *r)
{
    buf_release(&r->out[0]);
    buf_release(&r->out[1]);
}

/* send4 - one IPv4 TCP packet on a raw link; `to_server` picks the direction */
static void
send4(struct sensor_engine *e, uint64_t ts, uint32_t client, uint16_t cport, bool to_server,
      uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
    struct buf f;
    size_t len = data ? strlen(data) : 0;

    buf_init(&f, 0);
    if (to_server)
        ip4_tcp(&f, client, SRV, cport, 25, seq, ack, flags, data, len);
    else
        ip4_tcp(&f, SRV, client, 25, cport, seq, ack, flags, data, len);
    sensor_engine_frame(e, SENSOR_LINK_RAW, ts, (uint8_t *)f.data, f.len);
    buf_release(&f);
}

enum { SYN = SENSOR_TCP_SYN, ACK = SENSOR_TCP_ACK, FIN = SENSOR_TCP_FIN, RST = SENSOR_TCP_RST };
enum { PA = SENSOR_TCP_ACK | SENSOR_TCP_PSH, FA = SENSOR_TCP_FIN | SENSOR_TCP_ACK };

static void
test_vlan_session(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    static const uint16_t tpid[2] = {0x88a8, 0x8100}, vid[2] = {10, 20};
    static const struct {
        bool to_server;
        uint32_t seq, ack;
        uint8_t flags;
        const char *data;
    } pkts[] = {
        {true, 100, 0, SYN, NULL},
        {false, 900, 101, SYN | ACK, NULL},
        {true, 101, 901, ACK, NULL},
        {false, 901, 101, PA, "220 mx ESMTP\r\n"},
        {true, 101, 915, PA, "EHLO client\r\n"},
        {false, 915, 114, PA, "250 mx\r\n"},
        {true, 114, 923, PA, "QUIT\r\n"},
        {false, 923, 120, PA, "221 bye\r\n"},
        {false, 932, 120, FA, NULL},
        {true, 120, 933, FA, NULL},
        {false, 933, 121, ACK, NULL}, /* the last ACK: the flow is gone, nothing new opens */
    };

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    for (size_t i = 0; i < sizeof pkts / sizeof pkts[0]; i++) {
        struct buf ip, f;
        const char *d = pkts[i].data;
        buf_init(&ip, 0);
        buf_init(&f, 0);
        if (pkts[i].to_server)
            ip4_tcp(&ip, CLI, SRV, 40000, 25, pkts[i].seq, pkts[i].ack, pkts[i].flags, d,
                    d ? strlen(d) : 0);
        else
            ip4_tcp(&ip, SRV, CLI, 25, 40000, pkts[i].seq, pkts[i].ack, pkts[i].flags, d,
                    d ? strlen(d) : 0);
        eth(&f, tpid, vid, 2, 0x0800, &ip);
        sensor_engine_frame(e, SENSOR_LINK_EN10MB, i * 1000, (uint8_t *)f.data, f.len);
        buf_release(&ip);
        buf_release(&f);
    }
    assert_string_equal(r.out[0].data, "EHLO client\r\nQUIT\r\n[fin]<fin>");
    assert_string_equal(r.out[1].data, "220 mx ESMTP\r\n250 mx\r\n221 bye\r\n[fin]");
    const struct sensor_engine_stats *st = sensor_engine_stats(e);
    assert_int_equal(st->packets, 11);
    assert_int_equal(st->vlan_tagged, 11);
    assert_int_equal(st->tcp_segments, 11);
    assert_int_equal(st->no_flow, 1);
    assert_int_equal(st->flow.opened, 1);
    assert_int_equal(st->flow.closed[SENSOR_FLOW_CLOSE_FIN], 1);
    assert_int_equal(st->delivered[0], 19);
    assert_int_equal(st->delivered[1], 31);
    assert_int_equal(st->fins, 2);
    sensor_engine_finish(e);
    assert_int_equal(r.opened, 1);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_fragmented_segment(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    static const char data[] = "MAIL FROM:<fragmented@example.org> SIZE=1\r\n"; /* 43 bytes */
    struct buf tcp;

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    send4(e, 0, CLI, 40000, true, 100, 0, SYN, NULL);
    buf_init(&tcp, 0);
    tcp_header(&tcp, 40000, 25, 101, 0, PA, 0);
    buf_append(&tcp, data, strlen(data));
    /* 63 bytes of IP payload in three fragments, sent last first */
    static const struct {
        uint16_t off, len;
        bool more;
    } frags[] = {{48, 15, false}, {24, 24, true}, {0, 24, true}};
    for (size_t i = 0; i < 3; i++) {
        struct buf f;
        buf_init(&f, 0);
        ip4(&f, CLI, SRV, 6, frags[i].len, 77, (frags[i].more ? 0x2000 : 0) | (frags[i].off / 8));
        buf_append(&f, tcp.data + frags[i].off, frags[i].len);
        sensor_engine_frame(e, SENSOR_LINK_RAW, 1 + i, (uint8_t *)f.data, f.len);
        buf_release(&f);
        assert_int_equal(r.out[0].len, i == 2 ? strlen(data) : 0);
    }
    assert_string_equal(r.out[0].data, data);
    const struct sensor_engine_stats *st = sensor_engine_stats(e);
    assert_int_equal(st->frag.fragments, 3);
    assert_int_equal(st->frag.reassembled, 1);
    assert_int_equal(st->tcp_segments, 2);
    sensor_engine_finish(e);
    assert_string_equal(r.out[0].data,
                        "MAIL FROM:<fragmented@example.org> SIZE=1\r\n<end_of_input>");
    buf_release(&tcp);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_ipv6_sll2_session(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    static const struct {
        bool to_server;
        uint32_t seq;
        uint8_t flags;
        const char *data;
    } pkts[] = {
        {false, 5000, PA, "220 v6 ready\r\n"}, /* picked up mid-stream, server first */
        {true, 7000, PA, "EHLO six\r\n"},
        {false, 5014, PA, "250 ok\r\n"},
    };

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    for (size_t i = 0; i < 3; i++) {
        struct buf f;
        const char *d = pkts[i].data;
        buf_init(&f, 0);
        put16(&f, 0x86dd);
        put16(&f, 0);
        put32(&f, 2);
        put16(&f, 1);
        put8(&f, 0);
        put8(&f, 6);
        buf_append(&f, "\x02\x00\x00\x00\x00\x01\x00\x00", 8);
        if (pkts[i].to_server)
            ip6_tcp(&f, 1, 2, 51000, 587, pkts[i].seq, 0, pkts[i].flags, d, strlen(d));
        else
            ip6_tcp(&f, 2, 1, 587, 51000, pkts[i].seq, 0, pkts[i].flags, d, strlen(d));
        sensor_engine_frame(e, SENSOR_LINK_LINUX_SLL2, i, (uint8_t *)f.data, f.len);
        buf_release(&f);
    }
    assert_string_equal(r.out[0].data, "EHLO six\r\n");
    assert_string_equal(r.out[1].data, "220 v6 ready\r\n250 ok\r\n");
    assert_int_equal(sensor_engine_stats(e)->ipv6, 3);
    sensor_engine_finish(e);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT], 1);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_rst_closes(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    send4(e, 0, CLI, 40000, true, 100, 0, SYN, NULL);
    send4(e, 1, CLI, 40000, true, 101, 0, PA, "AUTH LOGIN\r\n");
    send4(e, 2, CLI, 40000, true, 123, 0, PA, "after a hole");
    send4(e, 3, CLI, 40000, false, 900, 113, RST | ACK, NULL);
    assert_string_equal(r.out[0].data, "AUTH LOGIN\r\n[gap 10]after a hole<rst>");
    assert_string_equal(r.out[1].data, "[rst]");
    assert_int_equal(sensor_flow_count(sensor_engine_flows(e)), 0);
    send4(e, 4, CLI, 40000, false, 900, 113, RST | ACK, NULL); /* opens nothing */
    assert_int_equal(r.opened, 1);
    assert_int_equal(sensor_engine_stats(e)->rsts, 1);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_idle_timeout_flushes(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    uint64_t sec = 1000000;

    sensor_engine_cfg_defaults(&cfg);
    cfg.idle_timeout_usec = 60 * sec;
    struct sensor_engine *e = engine(&r, &cfg);
    send4(e, 0, CLI, 40000, true, 100, 0, PA, "first ");
    send4(e, 1 * sec, CLI, 40000, true, 116, 0, PA, "queued");
    send4(e, 30 * sec, CLI + 1, 40001, true, 1, 0, PA, "other flow");
    send4(e, 62 * sec, CLI + 2, 40002, true, 1, 0, PA, "a third");
    assert_string_equal(r.out[0].data, "first [gap 10]queued<idle>");
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_IDLE], 1);
    assert_int_equal(sensor_flow_count(sensor_engine_flows(e)), 2);
    sensor_engine_finish(e);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT], 2);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_port_reuse(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    send4(e, 0, CLI, 40000, true, 100, 0, SYN, NULL);
    send4(e, 1, CLI, 40000, true, 100, 0, SYN, NULL); /* retransmitted SYN: same connection */
    send4(e, 2, CLI, 40000, true, 101, 0, PA, "EHLO one\r\n");
    assert_int_equal(r.opened, 1);
    /* the same port pair, a new ISN: the first connection is over, a second begins */
    send4(e, 3, CLI, 40000, true, 7000, 0, SYN, NULL);
    send4(e, 4, CLI, 40000, true, 7001, 0, PA, "EHLO two\r\n");
    assert_int_equal(r.opened, 2);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_REUSED], 1);
    assert_string_equal(r.out[0].data, "EHLO one\r\n<reused>");
    assert_int_equal(sensor_engine_stats(e)->delivered[0], 20);
    /* a connection picked up mid-stream, then a SYN: also a new connection */
    send4(e, 5, CLI + 1, 40001, true, 500, 0, PA, "DATA\r\n");
    send4(e, 6, CLI + 1, 40001, true, 9000, 0, SYN, NULL);
    assert_int_equal(r.opened, 4);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_REUSED], 2);
    sensor_engine_finish(e);
    sensor_engine_free(e);
    rec_release(&r);
}

/* hold_app_mem - a consumer that keeps 10 KB per flow, as an SMTP parser with buffers would */
static void
hold_app_mem(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *b, size_t len)
{
    f->app_mem = 10 * 1024;
}

static void
test_app_mem_counts(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;

    sensor_engine_cfg_defaults(&cfg);
    cfg.max_mem = 100 * 1024;
    struct sensor_engine *e = engine(&r, &cfg);
    cfg.data = hold_app_mem;
    e = sensor_engine_free(e);
    e = sensor_engine_new(&cfg);
    for (uint32_t i = 0; i < 50; i++) {
        send4(e, i, CLI + i, (uint16_t)(30000 + i), true, 1, 0, PA, "NOOP\r\n");
        assert_true(sensor_flow_mem(sensor_engine_flows(e)) <= cfg.max_mem);
    }
    /* 10 KB each in 100 KB, with the table's own bytes: at most 9 flows held */
    assert_true(sensor_flow_count(sensor_engine_flows(e)) <= 9);
    assert_true(sensor_flow_count(sensor_engine_flows(e)) >= 5);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_SHED] + sensor_flow_count(sensor_engine_flows(e)),
                     50);
    sensor_engine_finish(e);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_shedding_exact(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;

    sensor_engine_cfg_defaults(&cfg);
    cfg.max_flows = 100;
    struct sensor_engine *e = engine(&r, &cfg);
    for (uint32_t i = 0; i < 1000; i++)
        send4(e, i, CLI + i, (uint16_t)(10000 + i), true, 1, 0, SYN, NULL);
    assert_int_equal(r.opened, 1000);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_SHED], 900);
    assert_int_equal(r.first_close_reason, SENSOR_FLOW_CLOSE_SHED);
    assert_int_equal(sensor_flow_count(sensor_engine_flows(e)), 100);
    sensor_engine_finish(e);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT], 100);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_memory_cap_with_queues(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    char chunk[1001];

    memset(chunk, 'x', 1000);
    chunk[1000] = 0;
    sensor_engine_cfg_defaults(&cfg);
    cfg.max_mem = 256 * 1024;
    cfg.max_queue_bytes = 8 * 1024;
    struct sensor_engine *e = engine(&r, &cfg);
    for (uint32_t i = 0; i < 2000; i++) {
        /* every flow: a hole, then out-of-order data that must be queued */
        uint32_t flow = i % 400;
        send4(e, i, CLI + flow, (uint16_t)(20000 + flow), true, 1, 0, SYN, NULL);
        send4(e, i, CLI + flow, (uint16_t)(20000 + flow), true, 2 + 1000 * (1 + i / 400), 0, PA,
              chunk);
        assert_true(sensor_flow_mem(sensor_engine_flows(e)) <= cfg.max_mem);
    }
    /* at most one segment over, for the instant before the oldest flows are shed */
    assert_true(sensor_engine_stats(e)->flow.peak_mem <= cfg.max_mem + 1000 + 64);
    assert_true(r.closed[SENSOR_FLOW_CLOSE_SHED] > 0);
    sensor_engine_finish(e);
    assert_int_equal(r.closed[SENSOR_FLOW_CLOSE_SHED] + r.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT],
                     r.opened);
    sensor_engine_free(e);
    rec_release(&r);
}

static void
test_what_opens_nothing(void **state)
{
    struct sensor_engine_cfg cfg;
    struct rec r;
    struct buf f;

    sensor_engine_cfg_defaults(&cfg);
    struct sensor_engine *e = engine(&r, &cfg);
    send4(e, 0, CLI, 40000, true, 1, 1, ACK, NULL);
    send4(e, 0, CLI, 40000, true, 1, 1, FA, NULL);
    send4(e, 0, CLI, 40000, true, 1, 1, RST, NULL);
    assert_int_equal(r.opened, 0);
    assert_int_equal(sensor_engine_stats(e)->no_flow, 3);
    /* a truncated frame, a UDP datagram, an IPv6 fragment */
    sensor_engine_frame(e, SENSOR_LINK_RAW, 1, (const uint8_t *)"\x45\x00", 2);
    buf_init(&f, 0);
    ip4(&f, CLI, SRV, 17, 8, 1, 0);
    buf_append(&f, "\0\x35\0\x35\0\x08\0\0", 8);
    sensor_engine_frame(e, SENSOR_LINK_RAW, 1, (uint8_t *)f.data, f.len);
    buf_reset(&f);
    put32(&f, 0x60000000);
    put16(&f, 16);
    put8(&f, 44);
    put8(&f, 64);
    for (int i = 0; i < 8; i++)
        put32(&f, 0x20010db8u + (uint32_t)i);
    put8(&f, 6);
    put8(&f, 0);
    put16(&f, 0x0001);
    put32(&f, 99);
    put32(&f, 0);
    put32(&f, 0);
    sensor_engine_frame(e, SENSOR_LINK_RAW, 1, (uint8_t *)f.data, f.len);
    buf_release(&f);
    const struct sensor_engine_stats *st = sensor_engine_stats(e);
    assert_int_equal(st->decode_errors[SENSOR_DECODE_TRUNCATED], 1);
    assert_int_equal(st->not_tcp, 1);
    assert_int_equal(st->ipv6_fragments, 1);
    assert_int_equal(st->packets, 6);
    assert_int_equal(r.opened, 0);
    sensor_engine_free(e);
    rec_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vlan_session),           cmocka_unit_test(test_fragmented_segment),
        cmocka_unit_test(test_ipv6_sll2_session),      cmocka_unit_test(test_rst_closes),
        cmocka_unit_test(test_idle_timeout_flushes),   cmocka_unit_test(test_port_reuse),
        cmocka_unit_test(test_app_mem_counts),         cmocka_unit_test(test_shedding_exact),
        cmocka_unit_test(test_memory_cap_with_queues), cmocka_unit_test(test_what_opens_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
