/*
 * sensor_flow - the sensor's TCP flow table: one entry per connection, keyed by the 5-tuple
 * regardless of direction, with bounded memory.
 *
 * Orientation: the client is the sender of a SYN (a SYN-ACK's receiver); for a flow picked up
 * mid-stream, the side on a well-known SMTP port (25, 465, 587, 2525) is the server, else the
 * lower port. sensor_flow_lookup() returns the flow and the packet's direction.
 *
 * Bounds: cfg->max_flows entries and cfg->max_mem bytes overall (entries, the hash buckets and
 * every flow's reassembly queues, which the owner reports with sensor_flow_charge()). Going past
 * either sheds the least recently active flows (an LRU list), closing them with
 * SENSOR_FLOW_CLOSE_SHED; the flow being worked on is never shed. The bucket array is sized
 * once from the bounds and never grows. Idle flows are closed by sensor_flow_expire(), driven by
 * packet timestamps (no clock), after cfg->idle_timeout_usec without a packet.
 *
 * Callbacks: cfg->open(ctx, flow) after a flow is created; cfg->close(ctx, flow, reason) before
 * it is freed — the owner flushes reassembly there (sensor_tcp_conn_finish) and frees `app`;
 * the table then frees the TCP queues and the entry. Callbacks must not call back into the
 * table. Hashing is keyed with a per-table random seed so an attacker cannot aim at one chain.
 * Not thread-safe: one table per capture thread.
 */
#ifndef SW_SENSOR_FLOW_H
#define SW_SENSOR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/sensor_decode.h"
#include "sensor/sensor_tcp.h"

enum sensor_flow_close {
    SENSOR_FLOW_CLOSE_FIN,
    SENSOR_FLOW_CLOSE_RST,
    SENSOR_FLOW_CLOSE_IDLE,
    SENSOR_FLOW_CLOSE_SHED,
    SENSOR_FLOW_CLOSE_END_OF_INPUT,
    SENSOR_FLOW_CLOSE_REUSED, /* a new SYN on the same port pair starts another connection */
    SENSOR_FLOW_CLOSE_COUNT
};

struct sensor_flow_key {
    uint8_t client[16], server[16]; /* IPv4 stored IPv4-mapped */
    uint16_t client_port, server_port;
};

struct sensor_flow {
    struct sensor_flow_key key;
    uint64_t id; /* 1, 2, ... in creation order */
    uint64_t first_ts, last_ts;
    bool smtp_port; /* the server port is a well-known SMTP port */
    struct sensor_tcp_conn tcp;
    void *app;      /* the owner's per-flow state */
    size_t app_mem; /* what the owner holds for it: the engine charges it against max_mem */
    /* the table's */
    struct sensor_flow *hnext, *newer, *older;
    uint32_t hash;
    size_t charged; /* reassembly bytes charged against max_mem */
};

struct sensor_flow_cfg {
    size_t max_flows;
    size_t max_mem;
    uint64_t idle_timeout_usec;
    void *ctx;
    void (*open)(void *ctx, struct sensor_flow *f);
    void (*close)(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason);
};

struct sensor_flow_stats {
    uint64_t opened;
    uint64_t closed[SENSOR_FLOW_CLOSE_COUNT];
    size_t peak_flows;
    size_t peak_mem;
};

struct sensor_flow_table;

/* sensor_flow_table_new - an empty table (cfg copied); free with sensor_flow_table_free */
struct sensor_flow_table *sensor_flow_table_new(const struct sensor_flow_cfg *cfg);
/* sensor_flow_table_free - frees every flow without calling close (close_all first) */
struct sensor_flow_table *sensor_flow_table_free(struct sensor_flow_table *t);

/* sensor_flow_lookup - the flow of a decoded TCP packet seen at ts; creates one when `create`
 * (which may shed others); NULL if none. Sets *dir; marks the flow active at ts. */
struct sensor_flow *sensor_flow_lookup(struct sensor_flow_table *t, const struct sensor_packet *p,
                                       uint64_t ts, bool create, enum sensor_dir *dir);

/* sensor_flow_charge - the flow now holds `bytes` of reassembly data: re-account, then shed
 * the oldest other flows while the table is over max_mem */
void sensor_flow_charge(struct sensor_flow_table *t, struct sensor_flow *f, size_t bytes);

/* sensor_flow_close - close and free one flow */
void sensor_flow_close(struct sensor_flow_table *t, struct sensor_flow *f,
                       enum sensor_flow_close reason);

/* sensor_flow_expire - close flows idle for longer than the timeout at now_usec */
void sensor_flow_expire(struct sensor_flow_table *t, uint64_t now_usec);

/* sensor_flow_close_all - close every flow, oldest first */
void sensor_flow_close_all(struct sensor_flow_table *t, enum sensor_flow_close reason);

size_t sensor_flow_count(const struct sensor_flow_table *t);
/* sensor_flow_mem - bytes accounted now (entries, buckets, reassembly queues) */
size_t sensor_flow_mem(const struct sensor_flow_table *t);
const struct sensor_flow_stats *sensor_flow_stats(const struct sensor_flow_table *t);

/* sensor_flow_is_smtp_port - 25, 465, 587, 2525 */
bool sensor_flow_is_smtp_port(uint16_t port);

/* sensor_flow_close_name - "fin", "rst", "idle", "shed", "end_of_input", "reused" */
const char *sensor_flow_close_name(enum sensor_flow_close reason);

#endif
