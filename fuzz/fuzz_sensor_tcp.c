/* fuzz_sensor_tcp - a fuzzer-chosen sequence of segments for one connection through reassembly
 * with small bounds.
 *
 * Input: 4 bytes ISN, 1 byte bounds (queue bytes and segments), 1 byte mode, then records of
 * [flags: bit 7 = direction, low 6 bits = TCP flags][seq offset: 2 bytes][ack offset: 2 bytes]
 * [len: 1 byte][data: len bytes, in mode 1 only]. In mode 0 every byte a segment carries is a
 * function of its sequence number, so whatever reassembly delivers must equal that function at
 * the delivered position and no overlap can differ; in mode 1 the data is the fuzzer's.
 * Always: no more bytes delivered than fed, queues within their bounds, nothing left after
 * release. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    struct sensor_tcp_conn conn;
    uint64_t fed[2], delivered[2];
    int consistent;
};

static uint8_t
byte_at(uint32_t seq)
{
    return (uint8_t)(seq * 131u + (seq >> 8) + (seq >> 19));
}

static void
on_data(void *ctx, void *flow, enum sensor_dir dir, const uint8_t *bytes, size_t len)
{
    struct state *s = ctx;
    uint32_t start = s->conn.dir[dir].next_seq - (uint32_t)len; /* next_seq moved already */

    if (len == 0)
        abort();
    s->delivered[dir] += len;
    if (s->consistent)
        for (size_t i = 0; i < len; i++)
            if (bytes[i] != byte_at(start + (uint32_t)i))
                abort();
}

static void
on_event(void *ctx, void *flow, enum sensor_dir dir, enum sensor_tcp_event ev, uint64_t count)
{
    struct state *s = ctx;

    if (ev == SENSOR_TCP_EV_OVERLAP_DIFFERS && s->consistent)
        abort();
    if (ev == SENSOR_TCP_EV_GAP && count == 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state s;
    uint8_t seg_data[255];

    if (size < 6)
        return 0;
    memset(&s, 0, sizeof s);
    uint32_t isn = ((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) | (data[2] << 8) | data[3];
    struct sensor_tcp_cfg cfg = {
        .max_queue_bytes = 16u + (data[4] & 0x0f) * 64u,
        .max_queue_segments = 1u + (data[4] >> 4),
        .ctx = &s,
        .data = on_data,
        .event = on_event,
    };
    s.consistent = (data[5] & 1) == 0;
    sensor_tcp_conn_init(&s.conn);
    for (size_t off = 6; off + 6 <= size;) {
        const uint8_t *r = data + off;
        enum sensor_dir dir = (r[0] & 0x80) ? SENSOR_DIR_TO_CLIENT : SENSOR_DIR_TO_SERVER;
        uint32_t base = isn + (dir == SENSOR_DIR_TO_CLIENT ? 0x40000000u : 0);
        uint32_t peer = isn + (dir == SENSOR_DIR_TO_CLIENT ? 0 : 0x40000000u);
        struct sensor_tcp_seg seg = {
            .seq = base + (uint32_t)((r[1] << 8) | r[2]) - 1024u,
            .ack = peer + (uint32_t)((r[3] << 8) | r[4]) - 1024u,
            .flags = r[0] & 0x3f,
            .len = r[5],
        };
        off += 6;
        if (s.consistent) {
            for (size_t i = 0; i < seg.len; i++)
                seg_data[i] = byte_at(seg.seq + ((seg.flags & 0x02) ? 1u : 0u) + (uint32_t)i);
        } else {
            if (seg.len > size - off)
                seg.len = size - off;
            memcpy(seg_data, data + off, seg.len);
            off += seg.len;
        }
        seg.data = seg_data;
        s.fed[dir] += seg.len;
        sensor_tcp_conn_segment(&cfg, &s.conn, &s, dir, &seg);
        for (int d = 0; d < 2; d++)
            if (s.conn.dir[d].queued_bytes > cfg.max_queue_bytes ||
                s.conn.dir[d].queued_segments > cfg.max_queue_segments)
                abort();
    }
    sensor_tcp_conn_finish(&cfg, &s.conn, &s);
    for (int d = 0; d < 2; d++)
        if (s.delivered[d] > s.fed[d] || s.delivered[d] != s.conn.dir[d].stats.delivered)
            abort();
    if (sensor_tcp_conn_mem(&s.conn) != 0)
        abort();
    sensor_tcp_conn_release(&s.conn);
    return 0;
}
