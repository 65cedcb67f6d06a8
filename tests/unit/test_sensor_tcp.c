/* test_sensor_tcp - TCP reassembly: order, retransmission, overlap policy, wrap, gaps, FIN/RST.
 *
 * Each direction's output is a transcript: delivered bytes as they are, events as "[gap N]",
 * "[differs N]", "[fin]", "[rst]", so one string shows what came out and in which order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_decode.h"
#include "sensor/sensor_tcp.h"
#include "util/buf.h"

struct rec {
    struct buf out[2];
    uint64_t fed[2];
    struct sensor_tcp_cfg cfg;
    struct sensor_tcp_conn conn;
};

static void
rec_data(void *ctx, void *flow, enum sensor_dir dir, const uint8_t *bytes, size_t len)
{
    struct rec *r = ctx;

    assert_ptr_equal(flow, r);
    assert_true(len > 0);
    buf_append(&r->out[dir], bytes, len);
}

static void
rec_event(void *ctx, void *flow, enum sensor_dir dir, enum sensor_tcp_event ev, uint64_t count)
{
    struct rec *r = ctx;

    if (ev == SENSOR_TCP_EV_GAP || ev == SENSOR_TCP_EV_OVERLAP_DIFFERS)
        buf_printf(&r->out[dir], "[%s %llu]", ev == SENSOR_TCP_EV_GAP ? "gap" : "differs",
                   (unsigned long long)count);
    else
        buf_printf(&r->out[dir], "[%s]", sensor_tcp_event_name(ev));
}

static struct rec *
rec_new(size_t max_bytes, size_t max_segs)
{
    struct rec *r = calloc(1, sizeof *r);

    buf_init(&r->out[0], 0);
    buf_init(&r->out[1], 0);
    r->cfg = (struct sensor_tcp_cfg){max_bytes, max_segs, r, rec_data, rec_event};
    sensor_tcp_conn_init(&r->conn);
    return r;
}

static void
rec_free(struct rec *r)
{
    sensor_tcp_conn_release(&r->conn);
    buf_release(&r->out[0]);
    buf_release(&r->out[1]);
    free(r);
}

/* seg - one segment; data is a C string (may be NULL) */
static void
seg(struct rec *r, enum sensor_dir dir, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
    struct sensor_tcp_seg s = {seq, ack, flags, (const uint8_t *)data, data ? strlen(data) : 0};

    r->fed[dir] += s.len;
    sensor_tcp_conn_segment(&r->cfg, &r->conn, r, dir, &s);
}

static const enum sensor_dir C = SENSOR_DIR_TO_SERVER, S = SENSOR_DIR_TO_CLIENT;
enum { SYN = SENSOR_TCP_SYN, ACK = SENSOR_TCP_ACK, FIN = SENSOR_TCP_FIN, RST = SENSOR_TCP_RST };
enum { PA = SENSOR_TCP_ACK | SENSOR_TCP_PSH };

/* handshake - client ISN 1000, server ISN 5000 */
static void
handshake(struct rec *r)
{
    seg(r, C, 1000, 0, SYN, NULL);
    seg(r, S, 5000, 1001, SYN | ACK, NULL);
    seg(r, C, 1001, 5001, ACK, NULL);
}

static void
test_in_order(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, S, 5001, 1001, PA, "220 mx ESMTP\r\n");
    seg(r, C, 1001, 5015, PA, "EHLO GP\r\n");
    seg(r, S, 5015, 1010, PA, "250 mx\r\n");
    seg(r, C, 1010, 5023, FIN | ACK, NULL);
    seg(r, S, 5023, 1011, FIN | ACK, NULL);
    assert_string_equal(r->out[C].data, "EHLO GP\r\n[fin]");
    assert_string_equal(r->out[S].data, "220 mx ESMTP\r\n250 mx\r\n[fin]");
    assert_true(sensor_tcp_conn_is_done(&r->conn));
    assert_int_equal(r->conn.dir[C].stats.delivered, 9);
    assert_int_equal(r->conn.dir[S].stats.delivered, 22);
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

static void
test_out_of_order(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1011, 5001, PA, "FROM:<a@b>\r\n");
    seg(r, C, 1006, 5001, PA, "MAIL ");
    assert_string_equal(r->out[C].data, "");
    assert_true(sensor_tcp_conn_mem(&r->conn) > 17);
    seg(r, C, 1001, 5001, PA, "HELO ");
    assert_string_equal(r->out[C].data, "HELO MAIL FROM:<a@b>\r\n");
    assert_int_equal(r->conn.dir[C].stats.out_of_order, 2);
    assert_int_equal(r->conn.dir[C].queued_segments, 0);
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

static void
test_retransmission(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001, 5001, PA, "EHLO x\r\n");
    seg(r, C, 1001, 5001, PA, "EHLO x\r\n");
    seg(r, C, 1005, 5001, PA, " x\r\nMAIL"); /* half old, half new */
    assert_string_equal(r->out[C].data, "EHLO x\r\nMAIL");
    assert_int_equal(r->conn.dir[C].stats.retransmitted, 8 + 4);
    /* a retransmission of delivered data with other bytes is not compared (bytes are gone) */
    seg(r, C, 1001, 5001, PA, "XXXX");
    assert_string_equal(r->out[C].data, "EHLO x\r\nMAIL");
    rec_free(r);
}

static void
test_overlap_same(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1006, 5001, PA, "67890");
    seg(r, C, 1004, 5001, PA, "45678"); /* overlaps 678 with the same bytes */
    seg(r, C, 1001, 5001, PA, "123");
    assert_string_equal(r->out[C].data, "1234567890");
    assert_int_equal(r->conn.dir[C].stats.overlap_differs, 0);
    rec_free(r);
}

static void
test_overlap_differs_first_wins(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1006, 5001, PA, "67890");
    seg(r, C, 1004, 5001, PA, "45XYZ"); /* 3 overlapping bytes differ: the queued ones win */
    seg(r, C, 1001, 5001, PA, "123");
    assert_string_equal(r->out[C].data, "[differs 3]1234567890");
    assert_int_equal(r->conn.dir[C].stats.overlap_differs, 1);
    rec_free(r);
}

static void
test_overlap_in_order_segment_over_queue(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1004, 5001, PA, "ab");
    seg(r, C, 1008, 5001, PA, "cd");
    /* in order, spanning both queued segments and the holes around them */
    seg(r, C, 1001, 5001, PA, "123XY67ZW0");
    assert_string_equal(r->out[C].data, "[differs 2][differs 2]123ab67cd0");
    assert_int_equal(r->conn.dir[C].queued_segments, 0);
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

static void
test_wraparound(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);
    uint32_t isn = 0xfffffff0u;

    seg(r, C, isn, 0, SYN, NULL);
    seg(r, S, 77, isn + 1, SYN | ACK, NULL);
    /* 15 bytes before 2^32, then across it, delivered out of order */
    seg(r, C, isn + 1 + 20, 78, PA, "KLMNOPQRST");
    seg(r, C, isn + 1 + 10, 78, PA, "ABCDEFGHIJ");
    seg(r, C, isn + 1, 78, PA, "0123456789");
    assert_string_equal(r->out[C].data, "0123456789ABCDEFGHIJKLMNOPQRST");
    assert_int_equal(r->conn.dir[C].next_seq, isn + 31); /* wrapped: 0x0000000f */
    assert_int_equal(r->conn.dir[C].next_seq, 15);
    seg(r, C, 15, 78, FIN | ACK, NULL);
    assert_string_equal(r->out[C].data, "0123456789ABCDEFGHIJKLMNOPQRST[fin]");
    rec_free(r);
}

static void
test_gap_by_ack(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001, 5001, PA, "MAIL FROM:<a@b>\r\n"); /* 17 bytes */
    /* "RCPT TO:<c@d>\r\n" (15 bytes) at 1018 was lost by the capture */
    seg(r, C, 1033, 5001, PA, "DATA\r\n");
    assert_string_equal(r->out[C].data, "MAIL FROM:<a@b>\r\n");
    seg(r, S, 5001, 1039, PA, "250 ok\r\n"); /* the server has it all */
    assert_string_equal(r->out[C].data, "MAIL FROM:<a@b>\r\n[gap 15]DATA\r\n");
    assert_int_equal(r->conn.dir[C].stats.gaps, 1);
    assert_int_equal(r->conn.dir[C].stats.gap_bytes, 15);
    seg(r, C, 1039, 5009, PA, "QUIT\r\n");
    assert_string_equal(r->out[C].data, "MAIL FROM:<a@b>\r\n[gap 15]DATA\r\nQUIT\r\n");
    rec_free(r);
}

static void
test_gap_by_ack_no_queue(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, S, 5001, 1001, PA, "220 hi\r\n");
    seg(r, C, 1001, 5109, ACK, NULL); /* acks 100 bytes the capture never had */
    seg(r, S, 5109, 1001, PA, "250 ok\r\n");
    assert_string_equal(r->out[S].data, "220 hi\r\n[gap 100]250 ok\r\n");
    rec_free(r);
}

static void
test_gap_by_queue_limit(void **state)
{
    struct rec *r = rec_new(1 << 16, 2);

    handshake(r);
    seg(r, C, 1001, 5001, PA, "aa");
    /* bytes 1003..1004 lost; three segments after the hole, the queue holds two */
    seg(r, C, 1005, 5001, PA, "cc");
    seg(r, C, 1008, 5001, PA, "ee"); /* 1007 also lost */
    assert_string_equal(r->out[C].data, "aa");
    seg(r, C, 1010, 5001, PA, "ff"); /* no room: the first hole is given up */
    assert_string_equal(r->out[C].data, "aa[gap 2]cc");
    assert_int_equal(r->conn.dir[C].queued_segments, 2);
    seg(r, C, 1013, 5001, PA, "gg"); /* 1012 lost: again no room */
    assert_string_equal(r->out[C].data, "aa[gap 2]cc[gap 1]eeff");
    assert_int_equal(r->conn.dir[C].queued_segments, 1);
    sensor_tcp_conn_finish(&r->cfg, &r->conn, r);
    assert_string_equal(r->out[C].data, "aa[gap 2]cc[gap 1]eeff[gap 1]gg");
    assert_int_equal(r->conn.dir[C].stats.gaps, 3);
    assert_int_equal(r->conn.dir[C].stats.gap_bytes, 4);
    rec_free(r);
}

static void
test_gap_by_byte_limit(void **state)
{
    struct rec *r = rec_new(8, 64);

    handshake(r);
    seg(r, C, 1011, 5001, PA, "0123456789ABCDEF"); /* larger than the queue: the hole goes */
    assert_string_equal(r->out[C].data, "[gap 10]0123456789ABCDEF");
    assert_true(sensor_tcp_conn_mem(&r->conn) == 0);
    rec_free(r);
}

static void
test_gap_at_finish(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001, 5001, PA, "one\r\n");
    seg(r, C, 1016, 5001, PA, "three\r\n");
    seg(r, C, 1023, 5001, FIN | ACK, NULL);
    assert_string_equal(r->out[C].data, "one\r\n");
    sensor_tcp_conn_finish(&r->cfg, &r->conn, r);
    assert_string_equal(r->out[C].data, "one\r\n[gap 10]three\r\n[fin]");
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

static void
test_rst_midstream(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001, 5001, PA, "EHLO a\r\n");
    seg(r, C, 1019, 5001, PA, "late");
    seg(r, S, 5001, 1009, RST | ACK, NULL);
    assert_string_equal(r->out[C].data, "EHLO a\r\n[gap 10]late");
    assert_string_equal(r->out[S].data, "[rst]");
    assert_true(sensor_tcp_conn_is_done(&r->conn));
    assert_true(r->conn.reset);
    seg(r, C, 1023, 5001, PA, "more");
    assert_string_equal(r->out[C].data, "EHLO a\r\n[gap 10]late");
    rec_free(r);
}

static void
test_one_byte_segments(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);
    const char *text = "QUIT\r\n";

    handshake(r);
    for (int i = 5; i >= 1; i--) {
        char b[2] = {text[i], 0};
        seg(r, C, 1001 + (uint32_t)i, 5001, PA, b);
    }
    assert_string_equal(r->out[C].data, "");
    assert_int_equal(r->conn.dir[C].queued_segments, 5);
    seg(r, C, 1001, 5001, PA, "Q");
    assert_string_equal(r->out[C].data, text);
    rec_free(r);
}

static void
test_midstream_pickup(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    seg(r, S, 90000, 7000, PA, "250 2.0.0 Ok\r\n");
    seg(r, C, 7000, 90014, PA, "QUIT\r\n");
    seg(r, S, 90014, 7006, PA, "221 Bye\r\n");
    assert_string_equal(r->out[S].data, "250 2.0.0 Ok\r\n221 Bye\r\n");
    assert_string_equal(r->out[C].data, "QUIT\r\n");
    rec_free(r);
}

static void
test_pure_ack_does_not_start(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    seg(r, C, 100, 200, ACK, NULL);
    assert_false(r->conn.dir[C].started);
    seg(r, C, 300, 200, PA, "x"); /* starts at its own sequence number */
    assert_string_equal(r->out[C].data, "x");
    rec_free(r);
}

static void
test_syn_with_data(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    seg(r, C, 1000, 0, SYN, "EHLO tfo\r\n");
    seg(r, C, 1011, 0, PA, "QUIT\r\n");
    assert_string_equal(r->out[C].data, "EHLO tfo\r\nQUIT\r\n");
    rec_free(r);
}

static void
test_data_after_fin_ignored(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001, 5001, FIN | PA, "bye");
    seg(r, C, 1004, 5001, PA, "zzz");
    assert_string_equal(r->out[C].data, "bye[fin]");
    assert_false(sensor_tcp_conn_is_done(&r->conn));
    seg(r, S, 5001, 1005, FIN | ACK, NULL);
    assert_true(sensor_tcp_conn_is_done(&r->conn));
    rec_free(r);
}

static void
test_fin_before_missing_data(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1006, 5001, FIN | PA, "world");
    assert_string_equal(r->out[C].data, "");
    seg(r, C, 1001, 5001, PA, "hello");
    assert_string_equal(r->out[C].data, "helloworld[fin]");
    rec_free(r);
}

static void
test_queued_past_fin_dropped(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1009, 5001, PA, "abcdef");    /* queued: 1009..1014 */
    seg(r, C, 1011, 5001, FIN | ACK, NULL); /* the FIN says the stream ends at 1011 */
    assert_int_equal(r->conn.dir[C].queued_bytes, 2);
    seg(r, C, 1001, 5001, PA, "12345678");
    assert_string_equal(r->out[C].data, "12345678ab[fin]");
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

/* found by fuzz_sensor_tcp: an ACK of the FIN ended the direction with data still queued */
static void
test_ack_of_fin_frees_queue(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001 + 36355, 0, 0, "x");
    seg(r, C, 1011, 5021, FIN | ACK, NULL);
    seg(r, S, 5021, 1012, FIN | ACK, NULL);
    assert_string_equal(r->out[C].data, "[gap 10][fin]");
    sensor_tcp_conn_finish(&r->cfg, &r->conn, r);
    assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
    rec_free(r);
}

static void
test_far_ahead_ignored(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1001 + (1u << 31) - 5, 5001, PA, "stray");
    assert_int_equal(r->conn.dir[C].queued_segments, 0);
    seg(r, C, 1001, 5001, PA, "ok");
    assert_string_equal(r->out[C].data, "ok");
    rec_free(r);
}

static void
test_ack_of_fin_gap(void **state)
{
    struct rec *r = rec_new(1 << 16, 64);

    handshake(r);
    seg(r, C, 1011, 5001, FIN | ACK, NULL); /* 10 bytes before the FIN never seen */
    seg(r, S, 5001, 1012, ACK, NULL);       /* the server acks the FIN */
    assert_string_equal(r->out[C].data, "[gap 10][fin]");
    rec_free(r);
}

/* transcript_matches - every delivered byte is text's byte at its offset, gaps skipped */
static bool
transcript_matches(const char *out, const char *text)
{
    size_t pos = 0;

    for (const char *p = out; *p != '\0'; p++) {
        if (*p == '[') {
            char *end;
            if (strncmp(p, "[gap ", 5) != 0)
                return false;
            pos += strtoul(p + 5, &end, 10);
            p = end;
            continue;
        }
        if (pos >= strlen(text) || text[pos] != *p)
            return false;
        pos++;
    }
    return true;
}

/* test_never_more_than_fed - random segments of one text: out <= in, and no crash */
static void
test_never_more_than_fed(void **state)
{
    static const char text[] = "The quick brown fox jumps over the lazy dog; 0123456789.";
    unsigned seed = 12345;

    for (int round = 0; round < 200; round++) {
        struct rec *r = rec_new(16 + round % 40, 1 + round % 5);
        seg(r, C, 1000, 0, SYN, NULL);
        for (int i = 0; i < 30; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t off = (seed >> 8) % (sizeof text - 1);
            size_t len = 1 + (seed >> 16) % 12;
            if (off + len > sizeof text - 1)
                len = sizeof text - 1 - off;
            char piece[16];
            memcpy(piece, text + off, len);
            piece[len] = 0;
            seg(r, C, 1001 + (uint32_t)off, 0, PA, piece);
        }
        sensor_tcp_conn_finish(&r->cfg, &r->conn, r);
        /* everything delivered is the text, at its offsets, gaps marked */
        assert_true(r->conn.dir[C].stats.delivered <= r->fed[C]);
        assert_true(r->conn.dir[C].stats.delivered + r->conn.dir[C].stats.gap_bytes <=
                    sizeof text - 1);
        assert_int_equal(sensor_tcp_conn_mem(&r->conn), 0);
        assert_true(transcript_matches(r->out[C].data, text));
        rec_free(r);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmission),
        cmocka_unit_test(test_overlap_same),
        cmocka_unit_test(test_overlap_differs_first_wins),
        cmocka_unit_test(test_overlap_in_order_segment_over_queue),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_gap_by_ack),
        cmocka_unit_test(test_gap_by_ack_no_queue),
        cmocka_unit_test(test_gap_by_queue_limit),
        cmocka_unit_test(test_gap_by_byte_limit),
        cmocka_unit_test(test_gap_at_finish),
        cmocka_unit_test(test_rst_midstream),
        cmocka_unit_test(test_one_byte_segments),
        cmocka_unit_test(test_midstream_pickup),
        cmocka_unit_test(test_pure_ack_does_not_start),
        cmocka_unit_test(test_syn_with_data),
        cmocka_unit_test(test_data_after_fin_ignored),
        cmocka_unit_test(test_fin_before_missing_data),
        cmocka_unit_test(test_queued_past_fin_dropped),
        cmocka_unit_test(test_ack_of_fin_frees_queue),
        cmocka_unit_test(test_far_ahead_ignored),
        cmocka_unit_test(test_ack_of_fin_gap),
        cmocka_unit_test(test_never_more_than_fed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
