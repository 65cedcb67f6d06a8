/* sensor_flow - chained-hash flow table with an LRU list and a memory cap (see sensor_flow.h) */
#include "sensor/sensor_flow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/mem.h"

struct sensor_flow_table {
    struct sensor_flow_cfg cfg;
    struct sensor_flow **buckets;
    size_t nbuckets; /* a power of two */
    uint64_t seed;
    struct sensor_flow *newest, *oldest; /* LRU: by last packet */
    size_t count;
    size_t mem;
    uint64_t next_id;
    struct sensor_flow_stats stats;
};

bool
sensor_flow_is_smtp_port(uint16_t port)
{
    return port == 25 || port == 465 || port == 587 || port == 2525;
}

/* sensor_flow_table_new - buckets sized once from the caps, a random hash seed */
struct sensor_flow_table *
sensor_flow_table_new(const struct sensor_flow_cfg *cfg)
{
    struct sensor_flow_table *t = xcalloc(1, sizeof *t);
    size_t want = cfg->max_flows;
    size_t by_mem = cfg->max_mem / sizeof(struct sensor_flow);

    t->cfg = *cfg;
    if (by_mem < want)
        want = by_mem;
    t->nbuckets = 16;
    while (t->nbuckets < want && t->nbuckets < ((size_t)1 << 24))
        t->nbuckets *= 2;
    t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
    t->mem = t->nbuckets * sizeof *t->buckets;
    if (getrandom(&t->seed, sizeof t->seed, GRND_NONBLOCK) != (ssize_t)sizeof t->seed)
        t->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
    return t;
}

/* mix - a 64-bit finaliser (splitmix64) */
static inline uint64_t
mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

/* endpoint_hash - one (address, port) */
static uint64_t
endpoint_hash(uint64_t seed, const uint8_t *addr, uint16_t port)
{
    uint64_t a, b;

    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return mix(mix(seed ^ a) ^ b ^ ((uint64_t)port << 48));
}

/* flow_hash - symmetric in the two endpoints, so both directions find the same bucket */
static uint32_t
flow_hash(const struct sensor_flow_table *t, const uint8_t *a, uint16_t ap, const uint8_t *b,
          uint16_t bp)
{
    uint64_t x = endpoint_hash(t->seed, a, ap), y = endpoint_hash(t->seed, b, bp);
    return (uint32_t)mix(x + y + (x ^ y));
}

/* lru_unlink - take a flow out of the activity list */
static void
lru_unlink(struct sensor_flow_table *t, struct sensor_flow *f)
{
    if (f->newer != NULL)
        f->newer->older = f->older;
    else
        t->newest = f->older;
    if (f->older != NULL)
        f->older->newer = f->newer;
    else
        t->oldest = f->newer;
    f->newer = f->older = NULL;
}

/* lru_push_newest - the flow just saw a packet */
static void
lru_push_newest(struct sensor_flow_table *t, struct sensor_flow *f)
{
    f->older = t->newest;
    f->newer = NULL;
    if (t->newest != NULL)
        t->newest->newer = f;
    else
        t->oldest = f;
    t->newest = f;
}

/* sensor_flow_close - callback, then free the queues and the entry */
void
sensor_flow_close(struct sensor_flow_table *t, struct sensor_flow *f, enum sensor_flow_close reason)
{
    if (t->cfg.close != NULL)
        t->cfg.close(t->cfg.ctx, f, reason);
    struct sensor_flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
    lru_unlink(t, f);
    sensor_tcp_conn_release(&f->tcp);
    t->mem -= sizeof *f + f->charged;
    t->count--;
    t->stats.closed[reason]++;
    free(f);
}

/* shed - close least recently active flows other than `keep` while over a bound */
static void
shed(struct sensor_flow_table *t, const struct sensor_flow *keep, size_t extra_flows,
     size_t extra_mem)
{
    while (t->count + extra_flows > t->cfg.max_flows || t->mem + extra_mem > t->cfg.max_mem) {
        struct sensor_flow *victim = t->oldest;
        if (victim == keep)
            victim = victim->newer;
        if (victim == NULL)
            return;
        sensor_flow_close(t, victim, SENSOR_FLOW_CLOSE_SHED);
    }
}

/* peak - record high-water marks */
static void
peak(struct sensor_flow_table *t)
{
    if (t->count > t->stats.peak_flows)
        t->stats.peak_flows = t->count;
    if (t->mem > t->stats.peak_mem)
        t->stats.peak_mem = t->mem;
}

/* orient - which side of a first-seen packet is the client */
static bool
src_is_client(const struct sensor_packet *p)
{
    bool syn = p->tcp_flags & SENSOR_TCP_SYN, ack = p->tcp_flags & SENSOR_TCP_ACK;

    if (syn)
        return !ack;
    bool s_smtp = sensor_flow_is_smtp_port(p->sport), d_smtp = sensor_flow_is_smtp_port(p->dport);
    if (s_smtp != d_smtp)
        return d_smtp;
    return p->dport <= p->sport;
}

/* create - a new flow for p, after making room */
static struct sensor_flow *
create(struct sensor_flow_table *t, const struct sensor_packet *p, uint64_t ts, uint32_t hash)
{
    shed(t, NULL, 1, sizeof(struct sensor_flow));
    if (t->count + 1 > t->cfg.max_flows || t->mem + sizeof(struct sensor_flow) > t->cfg.max_mem)
        return NULL; /* a cap too small for even one flow */
    struct sensor_flow *f = xcalloc(1, sizeof *f);
    bool c = src_is_client(p);
    memcpy(f->key.client, c ? p->src : p->dst, 16);
    memcpy(f->key.server, c ? p->dst : p->src, 16);
    f->key.client_port = c ? p->sport : p->dport;
    f->key.server_port = c ? p->dport : p->sport;
    f->smtp_port = sensor_flow_is_smtp_port(f->key.server_port);
    f->id = ++t->next_id;
    f->first_ts = f->last_ts = ts;
    f->hash = hash;
    sensor_tcp_conn_init(&f->tcp);
    struct sensor_flow **b = &t->buckets[hash & (t->nbuckets - 1)];
    f->hnext = *b;
    *b = f;
    lru_push_newest(t, f);
    t->count++;
    t->mem += sizeof *f;
    t->stats.opened++;
    peak(t);
    if (t->cfg.open != NULL)
        t->cfg.open(t->cfg.ctx, f);
    return f;
}

/* sensor_flow_lookup - find (or create) the flow and the packet's direction */
struct sensor_flow *
sensor_flow_lookup(struct sensor_flow_table *t, const struct sensor_packet *p, uint64_t ts,
                   bool create_flow, enum sensor_dir *dir)
{
    uint32_t h = flow_hash(t, p->src, p->sport, p->dst, p->dport);
    struct sensor_flow *f;

    for (f = t->buckets[h & (t->nbuckets - 1)]; f != NULL; f = f->hnext) {
        if (f->hash != h)
            continue;
        if (f->key.client_port == p->sport && f->key.server_port == p->dport &&
            memcmp(f->key.client, p->src, 16) == 0 && memcmp(f->key.server, p->dst, 16) == 0)
            break;
        if (f->key.client_port == p->dport && f->key.server_port == p->sport &&
            memcmp(f->key.client, p->dst, 16) == 0 && memcmp(f->key.server, p->src, 16) == 0)
            break;
    }
    if (f == NULL) {
        if (!create_flow || (f = create(t, p, ts, h)) == NULL)
            return NULL;
    } else {
        lru_unlink(t, f);
        lru_push_newest(t, f);
        if (ts > f->last_ts)
            f->last_ts = ts;
    }
    *dir = (f->key.client_port == p->sport && memcmp(f->key.client, p->src, 16) == 0)
               ? SENSOR_DIR_TO_SERVER
               : SENSOR_DIR_TO_CLIENT;
    return f;
}

/* sensor_flow_charge - account reassembly memory, shed others when over the cap */
void
sensor_flow_charge(struct sensor_flow_table *t, struct sensor_flow *f, size_t bytes)
{
    t->mem = t->mem - f->charged + bytes;
    f->charged = bytes;
    peak(t);
    shed(t, f, 0, 0);
}

/* sensor_flow_expire - the LRU tail is the longest idle: stop at the first one still fresh */
void
sensor_flow_expire(struct sensor_flow_table *t, uint64_t now_usec)
{
    while (t->oldest != NULL && now_usec > t->oldest->last_ts &&
           now_usec - t->oldest->last_ts > t->cfg.idle_timeout_usec)
        sensor_flow_close(t, t->oldest, SENSOR_FLOW_CLOSE_IDLE);
}

/* sensor_flow_close_all - oldest first, with callbacks */
void
sensor_flow_close_all(struct sensor_flow_table *t, enum sensor_flow_close reason)
{
    while (t->oldest != NULL)
        sensor_flow_close(t, t->oldest, reason);
}

/* sensor_flow_table_free - free everything, no callbacks */
struct sensor_flow_table *
sensor_flow_table_free(struct sensor_flow_table *t)
{
    if (t == NULL)
        return NULL;
    while (t->oldest != NULL) {
        struct sensor_flow *f = t->oldest;
        lru_unlink(t, f);
        sensor_tcp_conn_release(&f->tcp);
        free(f);
    }
    free(t->buckets);
    free(t);
    return NULL;
}

size_t
sensor_flow_count(const struct sensor_flow_table *t)
{
    return t->count;
}

size_t
sensor_flow_mem(const struct sensor_flow_table *t)
{
    return t->mem;
}

const struct sensor_flow_stats *
sensor_flow_stats(const struct sensor_flow_table *t)
{
    return &t->stats;
}

const char *
sensor_flow_close_name(enum sensor_flow_close reason)
{
    static const char *const names[SENSOR_FLOW_CLOSE_COUNT] = {
        [SENSOR_FLOW_CLOSE_FIN] = "fin",
        [SENSOR_FLOW_CLOSE_RST] = "rst",
        [SENSOR_FLOW_CLOSE_IDLE] = "idle",
        [SENSOR_FLOW_CLOSE_SHED] = "shed",
        [SENSOR_FLOW_CLOSE_END_OF_INPUT] = "end_of_input",
        [SENSOR_FLOW_CLOSE_REUSED] = "reused",
    };
    if ((unsigned)reason >= SENSOR_FLOW_CLOSE_COUNT)
        return "unknown";
    return names[reason];
}
