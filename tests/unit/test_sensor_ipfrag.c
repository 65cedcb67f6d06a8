/* test_sensor_ipfrag - IPv4 reassembly: orders, overlaps (first wins), duplicates, timeouts,
 * RFC 1858 cases, and the bounds on datagrams and bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sensor/sensor_decode.h"
#include "sensor/sensor_ipfrag.h"

static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"; /* 44 bytes */

struct out {
    enum sensor_ipfrag_result res;
    const uint8_t *data;
    size_t len;
};

/* frag - offer text[off, off+len) as a fragment of datagram `id` */
static struct out
frag(struct sensor_ipfrag *r, uint32_t id, uint32_t off, size_t len, bool more, const char *data,
     uint64_t ts)
{
    struct sensor_packet p;
    struct out o = {0};

    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.proto = SENSOR_PROTO_UDP;
    p.src[15] = 1;
    p.dst[15] = 2;
    p.frag_is_fragment = true;
    p.frag_id = id;
    p.frag_offset = off;
    p.frag_more = more;
    p.l4 = (const uint8_t *)(data ? data : text + off);
    p.l4_len = len;
    o.res = sensor_ipfrag_add(r, &p, ts, &o.data, &o.len);
    return o;
}

static struct sensor_ipfrag *
new_r(size_t max_dgrams, size_t max_bytes)
{
    struct sensor_ipfrag_cfg cfg = {max_dgrams, max_bytes, 30ull * 1000000, NULL, NULL};
    return sensor_ipfrag_new(&cfg);
}

static void
expect_done(struct out o, size_t len)
{
    assert_int_equal(o.res, SENSOR_IPFRAG_DONE);
    assert_int_equal(o.len, len);
    assert_memory_equal(o.data, text, len);
}

static void
test_in_order(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    assert_int_equal(frag(r, 7, 0, 16, true, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 7, 16, 16, true, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_in_progress(r), 1);
    expect_done(frag(r, 7, 32, 12, false, NULL, 0), 44);
    assert_int_equal(sensor_ipfrag_in_progress(r), 0);
    assert_int_equal(sensor_ipfrag_bytes(r), 0);
    assert_int_equal(sensor_ipfrag_stats(r)->reassembled, 1);
    assert_int_equal(sensor_ipfrag_stats(r)->fragments, 3);
    sensor_ipfrag_free(r);
}

static void
test_reverse_order(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    assert_int_equal(frag(r, 7, 32, 12, false, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 7, 16, 16, true, NULL, 0).res, SENSOR_IPFRAG_HELD);
    expect_done(frag(r, 7, 0, 16, true, NULL, 0), 44);
    sensor_ipfrag_free(r);
}

static void
test_interleaved_datagrams(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    assert_int_equal(frag(r, 1, 0, 8, true, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 2, 8, 36, false, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_in_progress(r), 2);
    expect_done(frag(r, 2, 0, 8, true, NULL, 0), 44);
    expect_done(frag(r, 1, 8, 4, false, NULL, 0), 12);
    sensor_ipfrag_free(r);
}

static void
test_duplicate(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    frag(r, 3, 0, 16, true, NULL, 0);
    frag(r, 3, 0, 16, true, NULL, 0);
    assert_int_equal(sensor_ipfrag_stats(r)->duplicates, 1);
    expect_done(frag(r, 3, 16, 28, false, NULL, 0), 44);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_OVERLAP_DIFFERS], 0);
    sensor_ipfrag_free(r);
}

static void
test_overlap_same(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    frag(r, 3, 0, 24, true, NULL, 0);
    frag(r, 3, 16, 16, true, NULL, 0); /* 16..23 again, same bytes */
    expect_done(frag(r, 3, 32, 12, false, NULL, 0), 44);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_OVERLAP_DIFFERS], 0);
    sensor_ipfrag_free(r);
}

static void
test_overlap_differs_first_wins(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);
    static const char evil[] = "XXXXXXXXXXXXXXXXXXXXXXXX";

    frag(r, 3, 8, 16, true, NULL, 0);
    /* 0..23 with other bytes: 0..7 are new, 8..23 were held first and stay */
    assert_int_equal(frag(r, 3, 0, 24, true, evil, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_OVERLAP_DIFFERS], 1);
    struct out o = frag(r, 3, 24, 20, false, NULL, 0);
    assert_int_equal(o.res, SENSOR_IPFRAG_DONE);
    assert_int_equal(o.len, 44);
    assert_memory_equal(o.data, "XXXXXXXX89abcdefghijklmnopqrstuvwxyzABCDEFGH", 44);
    sensor_ipfrag_free(r);
}

static void
test_missing_times_out(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);

    frag(r, 9, 0, 16, true, NULL, 1000000);
    frag(r, 9, 32, 12, false, NULL, 2000000);
    sensor_ipfrag_expire(r, 1000000 + 30ull * 1000000); /* exactly the timeout: kept */
    assert_int_equal(sensor_ipfrag_in_progress(r), 1);
    sensor_ipfrag_expire(r, 1000001 + 30ull * 1000000);
    assert_int_equal(sensor_ipfrag_in_progress(r), 0);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_TIMEOUT], 1);
    /* the missing middle arriving late starts a new datagram that cannot complete alone */
    assert_int_equal(frag(r, 9, 16, 16, true, NULL, 40000000).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_stats(r)->reassembled, 0);
    sensor_ipfrag_free(r);
}

static void
test_rfc1858(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);
    struct sensor_packet p;
    const uint8_t *out;
    size_t len;

    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.proto = SENSOR_PROTO_TCP;
    p.frag_is_fragment = true;
    p.frag_id = 5;
    p.frag_more = true;
    p.l4 = (const uint8_t *)text;
    p.l4_len = 8; /* tiny: not even the ports and flags of TCP */
    assert_int_equal(sensor_ipfrag_add(r, &p, 0, &out, &len), SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_TINY], 1);
    p.frag_offset = 8; /* offset 1: would rewrite the TCP flags */
    assert_int_equal(sensor_ipfrag_add(r, &p, 0, &out, &len), SENSOR_IPFRAG_DROPPED);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_HEADER_OVERWRITE], 1);
    p.frag_offset = 8;
    p.proto = SENSOR_PROTO_UDP; /* fine for other protocols */
    assert_int_equal(sensor_ipfrag_add(r, &p, 0, &out, &len), SENSOR_IPFRAG_HELD);
    sensor_ipfrag_free(r);
}

static void
test_too_big_and_malformed(void **state)
{
    struct sensor_ipfrag *r = new_r(16, 1 << 20);
    static uint8_t big[64];

    /* ping of death: ends past 65,515 payload bytes */
    struct sensor_packet p;
    const uint8_t *out;
    size_t len;
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.proto = SENSOR_PROTO_UDP;
    p.frag_is_fragment = true;
    p.frag_offset = 65504;
    p.l4 = big;
    p.l4_len = 8;
    assert_int_equal(sensor_ipfrag_add(r, &p, 0, &out, &len), SENSOR_IPFRAG_HELD);
    p.l4_len = 16;
    assert_int_equal(sensor_ipfrag_add(r, &p, 0, &out, &len), SENSOR_IPFRAG_DROPPED);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_TOO_BIG], 1);
    /* a non-final fragment that is not a multiple of 8 */
    assert_int_equal(frag(r, 4, 0, 10, true, NULL, 0).res, SENSOR_IPFRAG_DROPPED);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_MALFORMED], 1);
    /* two different ends: the datagram is dropped */
    assert_int_equal(frag(r, 6, 0, 16, true, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 6, 32, 12, false, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 6, 32, 4, false, NULL, 0).res, SENSOR_IPFRAG_DROPPED);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_MALFORMED], 2);
    /* a fragment past a known end (teardrop-style inconsistent lengths) */
    assert_int_equal(frag(r, 8, 16, 4, false, NULL, 0).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(frag(r, 8, 16, 16, true, NULL, 0).res, SENSOR_IPFRAG_DROPPED);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_MALFORMED], 3);
    sensor_ipfrag_free(r);
}

static void
test_max_datagrams(void **state)
{
    struct sensor_ipfrag *r = new_r(4, 1 << 20);

    for (uint32_t id = 0; id < 10; id++)
        assert_int_equal(frag(r, id, 0, 8, true, NULL, id).res, SENSOR_IPFRAG_HELD);
    assert_int_equal(sensor_ipfrag_in_progress(r), 4);
    assert_int_equal(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_EVICTED], 6);
    /* the oldest went first: 6..9 remain */
    expect_done(frag(r, 9, 8, 4, false, NULL, 10), 12);
    assert_int_equal(frag(r, 0, 8, 4, false, NULL, 10).res, SENSOR_IPFRAG_HELD);
    sensor_ipfrag_free(r);
}

static void
test_max_bytes(void **state)
{
    static uint8_t zero[1480];
    size_t cap = 64 * 1024;
    struct sensor_ipfrag *r = new_r(1000, cap);
    struct sensor_packet p;
    const uint8_t *out;
    size_t len;

    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.proto = SENSOR_PROTO_UDP;
    p.frag_is_fragment = true;
    p.frag_more = true;
    p.l4 = zero;
    p.l4_len = sizeof zero;
    for (uint32_t id = 0; id < 500; id++) {
        p.frag_id = id;
        p.frag_offset = (id % 40) * 1480;
        sensor_ipfrag_add(r, &p, id, &out, &len);
        assert_true(sensor_ipfrag_bytes(r) <= cap);
    }
    assert_true(sensor_ipfrag_stats(r)->events[SENSOR_IPFRAG_EV_EVICTED] > 400);
    sensor_ipfrag_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_interleaved_datagrams),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_overlap_same),
        cmocka_unit_test(test_overlap_differs_first_wins),
        cmocka_unit_test(test_missing_times_out),
        cmocka_unit_test(test_rfc1858),
        cmocka_unit_test(test_too_big_and_malformed),
        cmocka_unit_test(test_max_datagrams),
        cmocka_unit_test(test_max_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
