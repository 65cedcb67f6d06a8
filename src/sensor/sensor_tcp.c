/* sensor_tcp - per-direction TCP reassembly with a first-wins overlap policy (see sensor_tcp.h) */
#include "sensor/sensor_tcp.h"

#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_decode.h"
#include "util/mem.h"

/*
 * A segment further ahead than this is not believed: it would make a later gap of up to 4 GiB
 * out of one stray packet (a reused port pair, a forged segment). Window scaling caps a real
 * window at 2^30 (RFC 7323 section 2.3).
 */
#define SEQ_MAX_AHEAD (1u << 30)

struct sensor_tcp_qseg {
    struct sensor_tcp_qseg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

struct ctx {
    const struct sensor_tcp_cfg *cfg;
    struct sensor_tcp_stream *s;
    void *flow;
    enum sensor_dir dir;
};

/* seq_diff - a - b in sequence space: negative when a is before b (RFC 1982 style) */
static inline int32_t
seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void
sensor_tcp_conn_init(struct sensor_tcp_conn *c)
{
    memset(c, 0, sizeof *c);
}

/* emit - report an event for this direction */
static void
emit(const struct ctx *x, enum sensor_tcp_event ev, uint64_t count)
{
    if (x->cfg->event != NULL)
        x->cfg->event(x->cfg->ctx, x->flow, x->dir, ev, count);
}

/* deliver - hand in-order bytes to the consumer and move next_seq */
static void
deliver(const struct ctx *x, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    x->s->next_seq += (uint32_t)len;
    x->s->stats.delivered += len;
    if (x->cfg->data != NULL)
        x->cfg->data(x->cfg->ctx, x->flow, x->dir, data, len);
}

/* pop - unlink and free the queue head */
static void
pop(struct sensor_tcp_stream *s)
{
    struct sensor_tcp_qseg *q = s->queue;

    s->queue = q->next;
    s->queued_bytes -= q->len;
    s->queued_segments--;
    free(q);
}

/* cut_queue - drop queued bytes at or after `end` (a FIN's sequence number): nothing follows it */
static void
cut_queue(struct sensor_tcp_stream *s, uint32_t end)
{
    struct sensor_tcp_qseg **link = &s->queue;

    while (*link != NULL) {
        struct sensor_tcp_qseg *q = *link;
        if (seq_diff(q->seq, end) >= 0) {
            *link = q->next;
            s->queued_bytes -= q->len;
            s->queued_segments--;
            free(q);
            continue;
        }
        if (seq_diff(q->seq + q->len, end) > 0) {
            s->queued_bytes -= q->len - (end - q->seq);
            q->len = end - q->seq;
        }
        link = &q->next;
    }
}

/* check_fin - the FIN is next in sequence: the direction ends */
static void
check_fin(const struct ctx *x)
{
    struct sensor_tcp_stream *s = x->s;

    if (s->fin_seen && !s->done && s->next_seq == s->fin_seq) {
        s->done = true;
        s->next_seq++;
        while (s->queue != NULL)
            pop(s);
        emit(x, SENSOR_TCP_EV_FIN, 0);
    }
}

/* drain - deliver queued segments that became contiguous */
static void
drain(const struct ctx *x)
{
    struct sensor_tcp_stream *s = x->s;

    while (s->queue != NULL && seq_diff(s->queue->seq, s->next_seq) <= 0) {
        struct sensor_tcp_qseg *q = s->queue;
        uint32_t skip = s->next_seq - q->seq;
        if (skip < q->len)
            deliver(x, q->data + skip, q->len - skip);
        pop(s);
    }
    check_fin(x);
}

/* gap_to - give up the bytes before `target`, which was never seen */
static void
gap_to(const struct ctx *x, uint32_t target)
{
    struct sensor_tcp_stream *s = x->s;

    if (seq_diff(target, s->next_seq) <= 0)
        return;
    uint32_t n = target - s->next_seq;
    s->stats.gaps++;
    s->stats.gap_bytes += n;
    s->next_seq = target;
    emit(x, SENSOR_TCP_EV_GAP, n);
}

/* skip_to - everything before `target` is known lost: deliver what is queued, gaps between */
static void
skip_to(const struct ctx *x, uint32_t target)
{
    struct sensor_tcp_stream *s = x->s;

    if (s->fin_seen && seq_diff(target, s->fin_seq) > 0)
        target = s->fin_seq;
    while (!s->done && seq_diff(target, s->next_seq) > 0) {
        if (s->queue != NULL && seq_diff(s->queue->seq, target) < 0) {
            gap_to(x, s->queue->seq);
            drain(x);
        } else {
            gap_to(x, target);
            drain(x);
            break;
        }
    }
}

/* flush - the end: every hole becomes a gap, every queued byte is delivered */
static void
flush(const struct ctx *x)
{
    struct sensor_tcp_stream *s = x->s;

    while (!s->done && s->queue != NULL) {
        gap_to(x, s->queue->seq);
        drain(x);
    }
    if (!s->done && s->fin_seen) {
        gap_to(x, s->fin_seq);
        check_fin(x);
    }
}

/* trim - clip a segment to [next_seq, fin_seq); false when nothing new is left */
static bool
trim(const struct ctx *x, uint32_t *seq, const uint8_t **data, size_t *len)
{
    struct sensor_tcp_stream *s = x->s;

    if (s->done || *len == 0)
        return false;
    if (s->fin_seen) {
        if (seq_diff(s->fin_seq, *seq) <= 0)
            return false;
        if (seq_diff(*seq + (uint32_t)*len, s->fin_seq) > 0)
            *len = s->fin_seq - *seq;
    }
    int32_t d = seq_diff(*seq, s->next_seq);
    if (d < 0) {
        uint32_t old = (uint32_t) - (int64_t)d;
        if (old >= *len) {
            s->stats.retransmitted += *len;
            return false;
        }
        s->stats.retransmitted += old;
        *seq += old;
        *data += old;
        *len -= old;
    } else if ((uint32_t)d > SEQ_MAX_AHEAD) {
        return false;
    }
    return true;
}

/* count_new - pieces and bytes of [seq, seq+len) that are neither queued nor in order */
static void
count_new(const struct sensor_tcp_stream *s, uint32_t seq, size_t len, size_t *pieces,
          size_t *bytes)
{
    uint32_t cur = seq, end = seq + (uint32_t)len;
    const struct sensor_tcp_qseg *q = s->queue;

    *pieces = *bytes = 0;
    while (seq_diff(end, cur) > 0) {
        while (q != NULL && seq_diff(q->seq + q->len, cur) <= 0)
            q = q->next;
        if (q == NULL || seq_diff(q->seq, cur) > 0) {
            uint32_t pend = (q != NULL && seq_diff(q->seq, end) < 0) ? q->seq : end;
            if (cur != s->next_seq) {
                (*pieces)++;
                *bytes += pend - cur;
            }
            cur = pend;
        } else {
            cur = seq_diff(q->seq + q->len, end) < 0 ? q->seq + q->len : end;
        }
    }
}

/* make_room - give up holes until the new pieces fit the queue bounds; false if nothing left */
static bool
make_room(const struct ctx *x, uint32_t *seq, const uint8_t **data, size_t *len)
{
    struct sensor_tcp_stream *s = x->s;
    const struct sensor_tcp_cfg *cfg = x->cfg;
    size_t pieces, bytes;

    for (;;) {
        count_new(s, *seq, *len, &pieces, &bytes);
        if (pieces == 0 || (s->queued_bytes + bytes <= cfg->max_queue_bytes &&
                            s->queued_segments + pieces <= cfg->max_queue_segments))
            return true;
        if (s->queue == NULL) {
            gap_to(x, *seq); /* cannot hold it at all: the hole before it is lost */
            continue;
        }
        /* the earliest hole goes first; if the segment sits in it, only up to the segment */
        uint32_t target = s->queue->seq;
        if (seq_diff(*seq, target) < 0)
            target = *seq;
        if (target == s->next_seq) {
            /* in order but spilling past the queue: deliver up to the queue, then go on */
            deliver(x, *data, s->queue->seq - *seq);
            drain(x);
            if (!trim(x, seq, data, len))
                return false;
            continue;
        }
        gap_to(x, target);
        drain(x);
        if (!trim(x, seq, data, len))
            return false;
    }
}

/* queue_piece - copy a piece into the queue at *link */
static struct sensor_tcp_qseg *
queue_piece(struct sensor_tcp_stream *s, struct sensor_tcp_qseg **link, uint32_t seq,
            const uint8_t *data, uint32_t len)
{
    struct sensor_tcp_qseg *n = xmalloc(sizeof *n + len);

    n->seq = seq;
    n->len = len;
    memcpy(n->data, data, len);
    n->next = *link;
    *link = n;
    s->queued_bytes += len;
    s->queued_segments++;
    return n;
}

/* add_data - place a segment's bytes: first-seen bytes win, new bytes are queued or delivered */
static void
add_data(const struct ctx *x, uint32_t seq, const uint8_t *data, size_t len)
{
    struct sensor_tcp_stream *s = x->s;

    if (!trim(x, &seq, &data, &len) || !make_room(x, &seq, &data, &len))
        return;
    struct sensor_tcp_qseg **link = &s->queue;
    uint32_t cur = seq, end = seq + (uint32_t)len;
    size_t direct = 0;
    bool queued = false;
    while (seq_diff(end, cur) > 0) {
        struct sensor_tcp_qseg *q = *link;
        if (q != NULL && seq_diff(q->seq + q->len, cur) <= 0) {
            link = &q->next;
            continue;
        }
        if (q == NULL || seq_diff(q->seq, cur) > 0) {
            uint32_t pend = (q != NULL && seq_diff(q->seq, end) < 0) ? q->seq : end;
            if (cur == s->next_seq)
                direct = pend - cur;
            else
                link = &queue_piece(s, link, cur, data + (cur - seq), pend - cur)->next;
            queued = queued || cur != s->next_seq;
            cur = pend;
            continue;
        }
        uint32_t qend = q->seq + q->len;
        uint32_t oend = seq_diff(qend, end) < 0 ? qend : end;
        uint32_t olen = oend - cur;
        s->stats.retransmitted += olen;
        if (memcmp(data + (cur - seq), q->data + (cur - q->seq), olen) != 0) {
            s->stats.overlap_differs++;
            emit(x, SENSOR_TCP_EV_OVERLAP_DIFFERS, olen);
        }
        cur = oend;
        link = &q->next;
    }
    if (queued)
        s->stats.out_of_order++;
    if (direct > 0) {
        deliver(x, data + (s->next_seq - seq), direct);
        drain(x);
    }
}

/* ack_peer - an ACK covering bytes the peer's direction never showed proves they were lost */
static void
ack_peer(const struct ctx *peer, uint32_t ack)
{
    struct sensor_tcp_stream *p = peer->s;

    if (!p->started || p->done)
        return;
    int32_t d = seq_diff(ack, p->next_seq);
    if (d <= 0 || (uint32_t)d > SEQ_MAX_AHEAD)
        return;
    /* an ACK of the FIN itself counts one past the last byte */
    if (p->fin_seen && ack == p->fin_seq + 1)
        ack = p->fin_seq;
    skip_to(peer, ack);
}

/* reset - RST: flush both directions and end the connection */
static void
reset(const struct sensor_tcp_cfg *cfg, struct sensor_tcp_conn *c, void *flow, enum sensor_dir dir)
{
    sensor_tcp_conn_finish(cfg, c, flow);
    c->dir[0].done = c->dir[1].done = true;
    c->reset = true;
    if (cfg->event != NULL)
        cfg->event(cfg->ctx, flow, dir, SENSOR_TCP_EV_RST, 0);
}

/* sensor_tcp_conn_segment - one segment: ACK for the peer, SYN/start, data, FIN, RST */
void
sensor_tcp_conn_segment(const struct sensor_tcp_cfg *cfg, struct sensor_tcp_conn *c, void *flow,
                        enum sensor_dir dir, const struct sensor_tcp_seg *seg)
{
    struct ctx x = {cfg, &c->dir[dir], flow, dir};
    struct ctx peer = {cfg, &c->dir[!dir], flow,
                       dir == SENSOR_DIR_TO_SERVER ? SENSOR_DIR_TO_CLIENT : SENSOR_DIR_TO_SERVER};
    struct sensor_tcp_stream *s = x.s;
    uint32_t seq = seg->seq;

    if (c->reset)
        return;
    s->stats.segments++;
    if (seg->flags & SENSOR_TCP_RST) {
        reset(cfg, c, flow, dir);
        return;
    }
    if ((seg->flags & SENSOR_TCP_ACK) && !(seg->flags & SENSOR_TCP_SYN))
        ack_peer(&peer, seg->ack);
    if (seg->flags & SENSOR_TCP_SYN) {
        if (!s->started) {
            s->started = true;
            s->next_seq = seq + 1;
            s->syn_seen = true;
            s->isn = seq;
        }
        seq++; /* data on a SYN (TCP Fast Open) follows the SYN's sequence number */
    } else if (!s->started) {
        if (seg->len == 0 && !(seg->flags & SENSOR_TCP_FIN))
            return;
        s->started = true;
        s->next_seq = seq;
    }
    if ((seg->flags & SENSOR_TCP_FIN) && !s->fin_seen && !s->done) {
        uint32_t fin = seq + (uint32_t)seg->len;
        if (seq_diff(fin, s->next_seq) >= 0 &&
            (uint32_t)seq_diff(fin, s->next_seq) <= SEQ_MAX_AHEAD) {
            s->fin_seen = true;
            s->fin_seq = fin;
            cut_queue(s, fin);
        }
    }
    add_data(&x, seq, seg->data, seg->len);
    check_fin(&x);
}

/* sensor_tcp_conn_finish - flush both directions */
void
sensor_tcp_conn_finish(const struct sensor_tcp_cfg *cfg, struct sensor_tcp_conn *c, void *flow)
{
    for (int d = 0; d < 2; d++) {
        struct ctx x = {cfg, &c->dir[d], flow, (enum sensor_dir)d};
        flush(&x);
    }
}

/* sensor_tcp_conn_is_new_syn - a SYN retransmission carries the same ISN; another ISN is a new
 * connection on the same port pair */
bool
sensor_tcp_conn_is_new_syn(const struct sensor_tcp_conn *c, enum sensor_dir dir,
                           const struct sensor_tcp_seg *seg)
{
    const struct sensor_tcp_stream *s = &c->dir[dir];

    if ((seg->flags & (SENSOR_TCP_SYN | SENSOR_TCP_ACK | SENSOR_TCP_RST)) != SENSOR_TCP_SYN)
        return false;
    return s->started && (!s->syn_seen || s->isn != seg->seq);
}

bool
sensor_tcp_conn_is_done(const struct sensor_tcp_conn *c)
{
    return c->reset || (c->dir[0].done && c->dir[1].done);
}

size_t
sensor_tcp_conn_mem(const struct sensor_tcp_conn *c)
{
    size_t n = 0;

    for (int d = 0; d < 2; d++)
        n += c->dir[d].queued_bytes + c->dir[d].queued_segments * sizeof(struct sensor_tcp_qseg);
    return n;
}

/* sensor_tcp_conn_release - free both queues without delivering */
void
sensor_tcp_conn_release(struct sensor_tcp_conn *c)
{
    for (int d = 0; d < 2; d++)
        while (c->dir[d].queue != NULL)
            pop(&c->dir[d]);
}

const char *
sensor_tcp_event_name(enum sensor_tcp_event ev)
{
    switch (ev) {
    case SENSOR_TCP_EV_GAP:
        return "gap";
    case SENSOR_TCP_EV_OVERLAP_DIFFERS:
        return "overlap_differs";
    case SENSOR_TCP_EV_FIN:
        return "fin";
    case SENSOR_TCP_EV_RST:
        return "rst";
    default:
        return "unknown";
    }
}
