/* test_sensor_flow - orientation, lookup both ways, idle expiry, LRU shedding with exact counts,
 * the memory cap, and a million flows through a small table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sensor/sensor_flow.h"

struct counts {
    uint64_t opened;
    uint64_t closed[SENSOR_FLOW_CLOSE_COUNT];
    uint64_t last_closed_id;
    uint64_t shed_max_id; /* the newest flow ever shed */
};

static void
on_open(void *ctx, struct sensor_flow *f)
{
    struct counts *c = ctx;

    c->opened++;
    assert_int_equal(f->id, c->opened);
}

static void
on_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    struct counts *c = ctx;

    c->closed[reason]++;
    c->last_closed_id = f->id;
    if (reason == SENSOR_FLOW_CLOSE_SHED && f->id > c->shed_max_id)
        c->shed_max_id = f->id;
}

static struct sensor_flow_table *
table(struct counts *c, size_t max_flows, size_t max_mem, uint64_t idle)
{
    struct sensor_flow_cfg cfg = {max_flows, max_mem, idle, c, on_open, on_close};

    memset(c, 0, sizeof *c);
    return sensor_flow_table_new(&cfg);
}

/* pkt - a TCP packet 10.0.x.y:sport -> 192.0.2.1:dport (IPv4-mapped) */
static struct sensor_packet
pkt(uint32_t host, uint16_t sport, uint16_t dport, uint8_t flags, bool reverse)
{
    struct sensor_packet p;
    uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0};
    uint8_t b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};

    memset(&p, 0, sizeof p);
    a[13] = (uint8_t)(host >> 16);
    a[14] = (uint8_t)(host >> 8);
    a[15] = (uint8_t)host;
    p.ip_version = 4;
    p.proto = 6;
    p.has_tcp = true;
    p.tcp_flags = flags;
    memcpy(reverse ? p.dst : p.src, a, 16);
    memcpy(reverse ? p.src : p.dst, b, 16);
    p.sport = reverse ? dport : sport;
    p.dport = reverse ? sport : dport;
    return p;
}

static void
test_orientation(void **state)
{
    static const struct {
        uint16_t sport, dport;
        uint8_t flags;
        bool src_is_client;
    } cases[] = {
        {40000, 25, SENSOR_TCP_SYN, true},
        {25, 40000, SENSOR_TCP_SYN | SENSOR_TCP_ACK, false}, /* SYN-ACK: the receiver is client */
        {1000, 2000, SENSOR_TCP_SYN, true},                  /* SYN beats the port rule */
        {587, 40000, SENSOR_TCP_ACK, false},                 /* mid-stream from the SMTP port */
        {40000, 465, SENSOR_TCP_ACK, true},
        {2525, 80, SENSOR_TCP_ACK, false},    /* SMTP port beats the lower port */
        {8080, 50000, SENSOR_TCP_ACK, false}, /* else the lower port serves */
        {50000, 8080, SENSOR_TCP_ACK, true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct counts c;
        struct sensor_flow_table *t = table(&c, 10, 1 << 20, 60000000);
        struct sensor_packet p = pkt(5, cases[i].sport, cases[i].dport, cases[i].flags, false);
        enum sensor_dir dir;
        struct sensor_flow *f = sensor_flow_lookup(t, &p, 0, true, &dir);
        assert_non_null(f);
        assert_int_equal(dir, cases[i].src_is_client ? SENSOR_DIR_TO_SERVER : SENSOR_DIR_TO_CLIENT);
        assert_int_equal(f->key.server_port,
                         cases[i].src_is_client ? cases[i].dport : cases[i].sport);
        assert_int_equal(f->smtp_port, sensor_flow_is_smtp_port(f->key.server_port));
        /* the reply finds the same flow, the other way */
        struct sensor_packet q = pkt(5, cases[i].sport, cases[i].dport, SENSOR_TCP_ACK, true);
        enum sensor_dir back;
        assert_ptr_equal(sensor_flow_lookup(t, &q, 1, false, &back), f);
        assert_int_not_equal(back, dir);
        assert_int_equal(sensor_flow_count(t), 1);
        sensor_flow_close_all(t, SENSOR_FLOW_CLOSE_END_OF_INPUT);
        assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT], 1);
        sensor_flow_table_free(t);
    }
}

static void
test_lookup_without_create(void **state)
{
    struct counts c;
    struct sensor_flow_table *t = table(&c, 10, 1 << 20, 60000000);
    struct sensor_packet p = pkt(1, 40000, 25, SENSOR_TCP_ACK, false);
    enum sensor_dir dir;

    assert_null(sensor_flow_lookup(t, &p, 0, false, &dir));
    assert_int_equal(c.opened, 0);
    assert_non_null(sensor_flow_lookup(t, &p, 0, true, &dir));
    p.sport = 40001; /* another connection */
    assert_null(sensor_flow_lookup(t, &p, 0, false, &dir));
    assert_int_equal(sensor_flow_count(t), 1);
    t = sensor_flow_table_free(t);
    assert_null(t);
    assert_null(sensor_flow_table_free(NULL));
}

static void
test_idle_timeout(void **state)
{
    struct counts c;
    struct sensor_flow_table *t = table(&c, 10, 1 << 20, 60000000);
    enum sensor_dir dir;

    struct sensor_packet a = pkt(1, 40000, 25, SENSOR_TCP_SYN, false);
    struct sensor_packet b = pkt(2, 40000, 25, SENSOR_TCP_SYN, false);
    sensor_flow_lookup(t, &a, 0, true, &dir);
    sensor_flow_lookup(t, &b, 10000000, true, &dir);
    sensor_flow_lookup(t, &a, 20000000, false, &dir); /* a is active again */
    sensor_flow_expire(t, 70000000);                  /* b idle 60 s exactly: kept */
    assert_int_equal(sensor_flow_count(t), 2);
    sensor_flow_expire(t, 70000001);
    assert_int_equal(sensor_flow_count(t), 1);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_IDLE], 1);
    assert_int_equal(c.last_closed_id, 2);
    sensor_flow_expire(t, 80000001);
    assert_int_equal(sensor_flow_count(t), 0);
    assert_int_equal(c.last_closed_id, 1);
    assert_int_equal(sensor_flow_stats(t)->closed[SENSOR_FLOW_CLOSE_IDLE], 2);
    sensor_flow_table_free(t);
}

static void
test_flow_cap_sheds_oldest(void **state)
{
    struct counts c;
    struct sensor_flow_table *t = table(&c, 100, 1 << 30, 600000000);
    enum sensor_dir dir;

    for (uint32_t i = 0; i < 1000; i++) {
        struct sensor_packet p = pkt(i, 40000, 25, SENSOR_TCP_SYN, false);
        assert_non_null(sensor_flow_lookup(t, &p, i, true, &dir));
        assert_true(sensor_flow_count(t) <= 100);
    }
    assert_int_equal(c.opened, 1000);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_SHED], 900);
    assert_int_equal(c.shed_max_id, 900); /* the 100 newest survive */
    assert_int_equal(sensor_flow_count(t), 100);
    assert_int_equal(sensor_flow_stats(t)->peak_flows, 100);
    /* the survivors are findable; the shed ones are not */
    struct sensor_packet old = pkt(5, 40000, 25, SENSOR_TCP_ACK, true);
    struct sensor_packet young = pkt(950, 40000, 25, SENSOR_TCP_ACK, true);
    assert_null(sensor_flow_lookup(t, &old, 2000, false, &dir));
    assert_non_null(sensor_flow_lookup(t, &young, 2000, false, &dir));
    sensor_flow_close_all(t, SENSOR_FLOW_CLOSE_END_OF_INPUT);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_END_OF_INPUT], 100);
    sensor_flow_table_free(t);
}

static void
test_lru_keeps_active(void **state)
{
    struct counts c;
    struct sensor_flow_table *t = table(&c, 3, 1 << 30, 600000000);
    enum sensor_dir dir;

    for (uint32_t i = 1; i <= 3; i++) {
        struct sensor_packet p = pkt(i, 40000, 25, SENSOR_TCP_SYN, false);
        sensor_flow_lookup(t, &p, i, true, &dir);
    }
    struct sensor_packet first = pkt(1, 40000, 25, SENSOR_TCP_ACK, false);
    sensor_flow_lookup(t, &first, 4, false, &dir); /* flow 1 is now the most recent */
    struct sensor_packet p4 = pkt(4, 40000, 25, SENSOR_TCP_SYN, false);
    sensor_flow_lookup(t, &p4, 5, true, &dir);
    assert_int_equal(c.last_closed_id, 2); /* flow 2 was the least recently active */
    assert_non_null(sensor_flow_lookup(t, &first, 6, false, &dir));
    sensor_flow_table_free(t);
}

static void
test_memory_cap(void **state)
{
    struct counts c;
    size_t cap = 64 * 1024;
    struct sensor_flow_table *t = table(&c, 1000000, cap, 600000000);
    enum sensor_dir dir;
    struct sensor_flow *f = NULL;

    for (uint32_t i = 0; i < 1000; i++) {
        struct sensor_packet p = pkt(i, 40000, 25, SENSOR_TCP_SYN, false);
        f = sensor_flow_lookup(t, &p, i, true, &dir);
        assert_non_null(f);
        assert_true(sensor_flow_mem(t) <= cap);
    }
    size_t before = sensor_flow_count(t);
    assert_true(before > 10 && before < 1000);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_SHED], 1000 - before);
    /* one flow's reassembly grows to half the cap: others go, it stays */
    sensor_flow_charge(t, f, cap / 2);
    assert_true(sensor_flow_mem(t) <= cap);
    assert_true(sensor_flow_count(t) < before);
    struct sensor_packet p = pkt(999, 40000, 25, SENSOR_TCP_ACK, false);
    assert_ptr_equal(sensor_flow_lookup(t, &p, 2000, false, &dir), f);
    /* past the cap on its own: everything else is shed, the flow itself is kept */
    sensor_flow_charge(t, f, cap * 2);
    assert_int_equal(sensor_flow_count(t), 1);
    sensor_flow_charge(t, f, 0);
    assert_true(sensor_flow_mem(t) <= cap);
    sensor_flow_close(t, f, SENSOR_FLOW_CLOSE_FIN);
    assert_int_equal(sensor_flow_count(t), 0);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_FIN], 1);
    sensor_flow_table_free(t);
}

static void
test_million_flows_bounded(void **state)
{
    struct counts c;
    size_t cap = 4u << 20;
    struct sensor_flow_table *t = table(&c, 1000000, cap, 600000000);
    enum sensor_dir dir;

    for (uint32_t i = 0; i < 1000000; i++) {
        struct sensor_packet p = pkt(i, (uint16_t)(1024 + i % 60000), 25, SENSOR_TCP_SYN, false);
        assert_non_null(sensor_flow_lookup(t, &p, i, true, &dir));
    }
    assert_true(sensor_flow_stats(t)->peak_mem <= cap);
    assert_int_equal(c.opened, 1000000);
    assert_int_equal(c.closed[SENSOR_FLOW_CLOSE_SHED] + sensor_flow_count(t), 1000000);
    assert_true(sensor_flow_count(t) > 1000);
    sensor_flow_close_all(t, SENSOR_FLOW_CLOSE_END_OF_INPUT);
    assert_int_equal(sensor_flow_count(t), 0);
    sensor_flow_table_free(t);
}

static void
test_names(void **state)
{
    assert_string_equal(sensor_flow_close_name(SENSOR_FLOW_CLOSE_SHED), "shed");
    assert_string_equal(sensor_flow_close_name(SENSOR_FLOW_CLOSE_END_OF_INPUT), "end_of_input");
    assert_true(sensor_flow_is_smtp_port(2525));
    assert_false(sensor_flow_is_smtp_port(26));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orientation),           cmocka_unit_test(test_lookup_without_create),
        cmocka_unit_test(test_idle_timeout),          cmocka_unit_test(test_flow_cap_sheds_oldest),
        cmocka_unit_test(test_lru_keeps_active),      cmocka_unit_test(test_memory_cap),
        cmocka_unit_test(test_million_flows_bounded), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
