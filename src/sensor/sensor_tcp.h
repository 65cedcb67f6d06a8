/*
 * sensor_tcp - TCP stream reassembly for one connection, both directions.
 *
 * A struct sensor_tcp_conn holds two streams (SENSOR_DIR_TO_SERVER, SENSOR_DIR_TO_CLIENT).
 * sensor_tcp_conn_segment() takes one decoded segment for one direction and delivers the bytes
 * that became contiguous, in order, through cfg->data(ctx, flow, dir, bytes, len); anomalies come
 * through cfg->event(ctx, flow, dir, event, count). `flow` is the caller's handle, passed back
 * untouched. Delivered bytes point into the caller's packet or into the queue: valid only during
 * the callback.
 *
 * Rules (see docs/sensor.md):
 * - The stream starts at the SYN's sequence number + 1, or mid-stream at the first segment with
 *   data (or FIN) seen in that direction. Sequence arithmetic is modulo 2^32.
 * - Out-of-order data is copied into a sorted queue, bounded per direction by
 *   cfg->max_queue_bytes and cfg->max_queue_segments.
 * - Overlaps: the bytes seen first win (Suricata's "first" policy). A later segment never
 *   rewrites queued bytes; where its bytes differ, SENSOR_TCP_EV_OVERLAP_DIFFERS is reported
 *   with the number of overlapping bytes. Bytes already delivered are not kept, so a
 *   retransmission of delivered data is dropped (counted) without comparison.
 * - Gaps: when the queue is full, when the peer ACKs data this direction never showed, or when
 *   the connection ends with data queued behind a hole, the hole is given up:
 *   SENSOR_TCP_EV_GAP carries its size in bytes and delivery continues after it.
 * - FIN: once every byte before it is delivered, SENSOR_TCP_EV_FIN is reported and the
 *   direction is done. RST: queued data is flushed (gaps reported), SENSOR_TCP_EV_RST, and the
 *   connection is done.
 *
 * Memory: the conn struct itself is fixed-size and allocation-free until data is queued;
 * sensor_tcp_conn_mem() says how many bytes its queues hold; sensor_tcp_conn_release() frees
 * them. Not thread-safe; one owner (the flow).
 */
#ifndef SW_SENSOR_TCP_H
#define SW_SENSOR_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sensor_dir { SENSOR_DIR_TO_SERVER = 0, SENSOR_DIR_TO_CLIENT = 1 };

enum sensor_tcp_event {
    SENSOR_TCP_EV_GAP,             /* count = bytes never seen; delivery resumes after them */
    SENSOR_TCP_EV_OVERLAP_DIFFERS, /* count = overlapping bytes of a segment that differ */
    SENSOR_TCP_EV_FIN,             /* the direction ended in order (count 0) */
    SENSOR_TCP_EV_RST,             /* the connection was reset (count 0) */
    SENSOR_TCP_EV_COUNT
};

struct sensor_tcp_cfg {
    size_t max_queue_bytes;    /* out-of-order bytes held per direction */
    size_t max_queue_segments; /* out-of-order segments held per direction */
    void *ctx;
    void (*data)(void *ctx, void *flow, enum sensor_dir dir, const uint8_t *bytes, size_t len);
    void (*event)(void *ctx, void *flow, enum sensor_dir dir, enum sensor_tcp_event ev,
                  uint64_t count);
};

/* what the reassembler needs from a decoded TCP segment */
struct sensor_tcp_seg {
    uint32_t seq, ack;
    uint8_t flags; /* SENSOR_TCP_* from sensor_decode.h */
    const uint8_t *data;
    size_t len;
};

struct sensor_tcp_stats {
    uint64_t delivered;       /* bytes delivered in order */
    uint64_t segments;        /* segments seen */
    uint64_t out_of_order;    /* segments that had to be queued */
    uint64_t retransmitted;   /* bytes dropped as already delivered or already queued */
    uint64_t overlap_differs; /* overlap events */
    uint64_t gaps;            /* gap events */
    uint64_t gap_bytes;       /* bytes in them */
};

struct sensor_tcp_qseg;

struct sensor_tcp_stream {
    bool started;  /* next_seq is meaningful */
    bool fin_seen; /* fin_seq is meaningful */
    bool done;     /* FIN delivered or RST */
    bool syn_seen; /* isn is meaningful */
    uint32_t isn;
    uint32_t next_seq; /* the next byte to deliver */
    uint32_t fin_seq;
    struct sensor_tcp_qseg *queue; /* sorted by sequence, never overlapping, all after next_seq */
    uint32_t queued_bytes;
    uint32_t queued_segments;
    struct sensor_tcp_stats stats;
};

struct sensor_tcp_conn {
    struct sensor_tcp_stream dir[2];
    bool reset;
};

/* sensor_tcp_conn_init - an empty connection (no allocation) */
void sensor_tcp_conn_init(struct sensor_tcp_conn *c);

/* sensor_tcp_conn_segment - process one segment travelling in direction `dir` */
void sensor_tcp_conn_segment(const struct sensor_tcp_cfg *cfg, struct sensor_tcp_conn *c,
                             void *flow, enum sensor_dir dir, const struct sensor_tcp_seg *seg);

/* sensor_tcp_conn_finish - the connection ends (close, timeout, shed, end of input): give up
 * every hole, delivering queued data after gap events */
void sensor_tcp_conn_finish(const struct sensor_tcp_cfg *cfg, struct sensor_tcp_conn *c,
                            void *flow);

/* sensor_tcp_conn_is_new_syn - seg is a SYN (without ACK) that cannot belong to this connection:
 * the direction already started from another SYN, or mid-stream. The port pair was reused. */
bool sensor_tcp_conn_is_new_syn(const struct sensor_tcp_conn *c, enum sensor_dir dir,
                                const struct sensor_tcp_seg *seg);

/* sensor_tcp_conn_is_done - both directions ended (FIN each way) or the connection was reset */
bool sensor_tcp_conn_is_done(const struct sensor_tcp_conn *c);

/* sensor_tcp_conn_mem - bytes held in the out-of-order queues (data plus bookkeeping) */
size_t sensor_tcp_conn_mem(const struct sensor_tcp_conn *c);

/* sensor_tcp_conn_release - free the queues without delivering them */
void sensor_tcp_conn_release(struct sensor_tcp_conn *c);

/* sensor_tcp_event_name - "gap", "overlap_differs", "fin", "rst" */
const char *sensor_tcp_event_name(enum sensor_tcp_event ev);

#endif
