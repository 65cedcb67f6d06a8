/*
 * sensor_engine - the passive sensor's packet pipeline, without I/O:
 *   frame -> sensor_decode -> sensor_ipfrag (IPv4 fragments) -> sensor_flow -> sensor_tcp
 * and, out of it, reassembled bytes per flow and direction plus flow and stream events.
 *
 * sensor_engine_frame() takes one captured frame with its link type and capture time (the
 * only clock: idle timeouts and fragment timeouts follow packet time, so a file replays the
 * same way at any speed). sensor_engine_finish() closes every flow (END_OF_INPUT), flushing
 * what reassembly still holds. sensor_pcap feeds it from libpcap; tests feed it hand-built
 * frames.
 *
 * Callbacks (cfg.ctx first): flow_open(flow) when a flow is created; data(flow, dir, bytes,
 * len) for in-order bytes (valid during the call only); event(flow, dir, ev, count) for gaps,
 * overlaps that differ, FIN and RST; flow_close(flow, reason) after reassembly was flushed and
 * before the flow is freed. flow->app is the callbacks' to use; what they keep for a flow they
 * report in flow->app_mem, which counts against max_mem after each segment like the
 * reassembly queues, so the consumer's state is shed with the flow that holds it. A callback must
 * not call the engine.
 *
 * A SYN with a new ISN on a known port pair closes the old flow (REUSED) and opens another.
 * Flows are created by a SYN or by a segment that carries data; a bare ACK, FIN or RST of an
 * unknown connection (the tail of a flow already closed) creates nothing.
 * Defaults (sensor_engine_cfg_defaults): 64 MiB and 262,144 flows overall, 1 MiB and 1,024
 * segments of out-of-order data per direction, 5 minutes idle; fragments: 1,024 datagrams,
 * 4 MiB, 30 seconds. Not thread-safe: one engine per capture thread.
 */
#ifndef SW_SENSOR_ENGINE_H
#define SW_SENSOR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "sensor/sensor_decode.h"
#include "sensor/sensor_flow.h"
#include "sensor/sensor_ipfrag.h"
#include "sensor/sensor_tcp.h"

struct sensor_engine_cfg {
    size_t max_flows;
    size_t max_mem; /* flow entries + buckets + reassembly queues */
    uint64_t idle_timeout_usec;
    size_t max_queue_bytes;    /* per direction */
    size_t max_queue_segments; /* per direction */
    size_t frag_max_datagrams;
    size_t frag_max_bytes;
    uint64_t frag_timeout_usec;
    void *ctx;
    void (*flow_open)(void *ctx, struct sensor_flow *f);
    void (*flow_close)(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason);
    void (*data)(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *bytes,
                 size_t len);
    void (*event)(void *ctx, struct sensor_flow *f, enum sensor_dir dir, enum sensor_tcp_event ev,
                  uint64_t count);
};

struct sensor_engine_stats {
    uint64_t packets;
    uint64_t bytes; /* captured bytes */
    uint64_t decode_errors[SENSOR_DECODE_ERR_COUNT];
    uint64_t ipv4, ipv6, vlan_tagged;
    uint64_t not_tcp;        /* decoded IP that is not TCP */
    uint64_t ipv6_fragments; /* reported, not reassembled */
    uint64_t no_flow;        /* TCP packets that neither matched nor opened a flow */
    uint64_t tcp_segments;
    uint64_t delivered[2]; /* bytes, by direction */
    uint64_t gaps, gap_bytes;
    uint64_t overlap_differs;
    uint64_t fins, rsts;
    uint64_t retransmitted; /* bytes dropped as already seen (from closed flows) */
    uint64_t out_of_order;  /* segments queued (from closed flows) */
    struct sensor_ipfrag_stats frag;
    struct sensor_flow_stats flow;
};

struct sensor_engine;

/* sensor_engine_cfg_defaults - fill cfg with the defaults above, no callbacks */
void sensor_engine_cfg_defaults(struct sensor_engine_cfg *cfg);

/* sensor_engine_new - an engine (cfg copied); free with sensor_engine_free */
struct sensor_engine *sensor_engine_new(const struct sensor_engine_cfg *cfg);
/* sensor_engine_free - frees flows without callbacks: call sensor_engine_finish first */
struct sensor_engine *sensor_engine_free(struct sensor_engine *e);

/* sensor_engine_frame - one captured frame (caplen bytes) of link type `link` at ts_usec */
void sensor_engine_frame(struct sensor_engine *e, int link, uint64_t ts_usec, const uint8_t *frame,
                         size_t caplen);

/* sensor_engine_finish - close every flow (END_OF_INPUT) */
void sensor_engine_finish(struct sensor_engine *e);

/* sensor_engine_stats - counters so far (flow and fragment counters copied in on each call) */
const struct sensor_engine_stats *sensor_engine_stats(struct sensor_engine *e);

/* sensor_engine_flows - the flow table, for inspection (count, memory) */
const struct sensor_flow_table *sensor_engine_flows(const struct sensor_engine *e);

#endif
