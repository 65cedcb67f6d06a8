/* sensor_engine - decode, defragment, find the flow, reassemble (see sensor_engine.h) */
#include "sensor/sensor_engine.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct sensor_engine {
    struct sensor_engine_cfg cfg;
    struct sensor_tcp_cfg tcp;
    struct sensor_flow_table *flows;
    struct sensor_ipfrag *frag;
    struct sensor_engine_stats stats;
};

/* sensor_engine_cfg_defaults - the bounds documented in sensor_engine.h */
void
sensor_engine_cfg_defaults(struct sensor_engine_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_flows = 262144;
    cfg->max_mem = (size_t)64 << 20;
    cfg->idle_timeout_usec = 300ull * 1000000;
    cfg->max_queue_bytes = (size_t)1 << 20;
    cfg->max_queue_segments = 1024;
    cfg->frag_max_datagrams = 1024;
    cfg->frag_max_bytes = (size_t)4 << 20;
    cfg->frag_timeout_usec = 30ull * 1000000;
}

/* on_data - count, then pass reassembled bytes up */
static void
on_data(void *ctx, void *flow, enum sensor_dir dir, const uint8_t *bytes, size_t len)
{
    struct sensor_engine *e = ctx;

    e->stats.delivered[dir] += len;
    if (e->cfg.data != NULL)
        e->cfg.data(e->cfg.ctx, flow, dir, bytes, len);
}

/* on_event - count, then pass stream events up */
static void
on_event(void *ctx, void *flow, enum sensor_dir dir, enum sensor_tcp_event ev, uint64_t count)
{
    struct sensor_engine *e = ctx;

    switch (ev) {
    case SENSOR_TCP_EV_GAP:
        e->stats.gaps++;
        e->stats.gap_bytes += count;
        break;
    case SENSOR_TCP_EV_OVERLAP_DIFFERS:
        e->stats.overlap_differs++;
        break;
    case SENSOR_TCP_EV_FIN:
        e->stats.fins++;
        break;
    case SENSOR_TCP_EV_RST:
        e->stats.rsts++;
        break;
    default:
        break;
    }
    if (e->cfg.event != NULL)
        e->cfg.event(e->cfg.ctx, flow, dir, ev, count);
}

static void
on_open(void *ctx, struct sensor_flow *f)
{
    struct sensor_engine *e = ctx;

    if (e->cfg.flow_open != NULL)
        e->cfg.flow_open(e->cfg.ctx, f);
}

/* on_close - flush reassembly (gaps, queued bytes), keep the stream counters, tell the owner */
static void
on_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    struct sensor_engine *e = ctx;

    sensor_tcp_conn_finish(&e->tcp, &f->tcp, f);
    for (int d = 0; d < 2; d++) {
        e->stats.retransmitted += f->tcp.dir[d].stats.retransmitted;
        e->stats.out_of_order += f->tcp.dir[d].stats.out_of_order;
    }
    if (e->cfg.flow_close != NULL)
        e->cfg.flow_close(e->cfg.ctx, f, reason);
}

/* sensor_engine_new - the flow table, the reassembler and the fragment table, wired */
struct sensor_engine *
sensor_engine_new(const struct sensor_engine_cfg *cfg)
{
    struct sensor_engine *e = xcalloc(1, sizeof *e);
    struct sensor_flow_cfg fc = {
        .max_flows = cfg->max_flows,
        .max_mem = cfg->max_mem,
        .idle_timeout_usec = cfg->idle_timeout_usec,
        .ctx = e,
        .open = on_open,
        .close = on_close,
    };
    struct sensor_ipfrag_cfg rc = {
        .max_datagrams = cfg->frag_max_datagrams,
        .max_bytes = cfg->frag_max_bytes,
        .timeout_usec = cfg->frag_timeout_usec,
    };

    e->cfg = *cfg;
    e->tcp = (struct sensor_tcp_cfg){
        .max_queue_bytes = cfg->max_queue_bytes,
        .max_queue_segments = cfg->max_queue_segments,
        .ctx = e,
        .data = on_data,
        .event = on_event,
    };
    e->flows = sensor_flow_table_new(&fc);
    e->frag = sensor_ipfrag_new(&rc);
    return e;
}

struct sensor_engine *
sensor_engine_free(struct sensor_engine *e)
{
    if (e == NULL)
        return NULL;
    e->flows = sensor_flow_table_free(e->flows);
    e->frag = sensor_ipfrag_free(e->frag);
    free(e);
    return NULL;
}

/* defragment - an IPv4 fragment in, a whole datagram's TCP out; false while incomplete */
static bool
defragment(struct sensor_engine *e, struct sensor_packet *p, uint64_t ts)
{
    const uint8_t *whole;
    size_t len;

    if (p->ip_version == 6) {
        e->stats.ipv6_fragments++;
        return false;
    }
    if (sensor_ipfrag_add(e->frag, p, ts, &whole, &len) != SENSOR_IPFRAG_DONE)
        return false;
    p->frag_is_fragment = false;
    enum sensor_decode_err err = sensor_decode_l4(p, whole, len);
    if (err != SENSOR_DECODE_OK) {
        e->stats.decode_errors[err]++;
        return false;
    }
    return true;
}

/* segment - one TCP segment through its flow */
static void
segment(struct sensor_engine *e, const struct sensor_packet *p, uint64_t ts)
{
    enum sensor_dir dir;
    bool create = (p->tcp_flags & SENSOR_TCP_RST) == 0 &&
                  ((p->tcp_flags & SENSOR_TCP_SYN) || p->payload_len > 0);
    struct sensor_flow *f = sensor_flow_lookup(e->flows, p, ts, create, &dir);

    if (f == NULL) {
        e->stats.no_flow++;
        return;
    }
    struct sensor_tcp_seg seg = {
        .seq = p->seq,
        .ack = p->ack,
        .flags = p->tcp_flags,
        .data = p->payload,
        .len = p->payload_len,
    };
    if (sensor_tcp_conn_is_new_syn(&f->tcp, dir, &seg)) {
        sensor_flow_close(e->flows, f, SENSOR_FLOW_CLOSE_REUSED);
        if ((f = sensor_flow_lookup(e->flows, p, ts, true, &dir)) == NULL)
            return;
    }
    sensor_tcp_conn_segment(&e->tcp, &f->tcp, f, dir, &seg);
    if (sensor_tcp_conn_is_done(&f->tcp))
        sensor_flow_close(e->flows, f,
                          f->tcp.reset ? SENSOR_FLOW_CLOSE_RST : SENSOR_FLOW_CLOSE_FIN);
    else
        sensor_flow_charge(e->flows, f, sensor_tcp_conn_mem(&f->tcp) + f->app_mem);
}

/* sensor_engine_frame - the whole pipeline for one frame */
void
sensor_engine_frame(struct sensor_engine *e, int link, uint64_t ts_usec, const uint8_t *frame,
                    size_t caplen)
{
    struct sensor_packet p;

    e->stats.packets++;
    e->stats.bytes += caplen;
    sensor_flow_expire(e->flows, ts_usec);
    enum sensor_decode_err err = sensor_decode_frame(link, frame, caplen, &p);
    if (err != SENSOR_DECODE_OK) {
        e->stats.decode_errors[err]++;
        return;
    }
    if (p.ip_version == 4)
        e->stats.ipv4++;
    else
        e->stats.ipv6++;
    if (p.vlan_count > 0)
        e->stats.vlan_tagged++;
    if (p.frag_is_fragment && !defragment(e, &p, ts_usec))
        return;
    if (!p.has_tcp) {
        e->stats.not_tcp++;
        return;
    }
    e->stats.tcp_segments++;
    segment(e, &p, ts_usec);
}

void
sensor_engine_finish(struct sensor_engine *e)
{
    sensor_flow_close_all(e->flows, SENSOR_FLOW_CLOSE_END_OF_INPUT);
}

const struct sensor_engine_stats *
sensor_engine_stats(struct sensor_engine *e)
{
    e->stats.frag = *sensor_ipfrag_stats(e->frag);
    e->stats.flow = *sensor_flow_stats(e->flows);
    return &e->stats;
}

const struct sensor_flow_table *
sensor_engine_flows(const struct sensor_engine *e)
{
    return e->flows;
}
