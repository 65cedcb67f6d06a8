/* sensor_ipfrag - bounded IPv4 fragment reassembly, first fragment wins (see sensor_ipfrag.h) */
#include "sensor/sensor_ipfrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/mem.h"

/* the largest IP payload: 65,535 bytes of datagram less the smallest header */
#define MAX_PAYLOAD (65535u - 20u)
#define NBLOCKS ((MAX_PAYLOAD + 7) / 8)

struct dgram {
    struct dgram *prev, *next; /* oldest first */
    struct dgram *hnext;       /* hash chain */
    uint32_t hash;
    uint8_t src[16], dst[16];
    uint8_t proto;
    uint32_t id;
    uint64_t first_ts;
    bool total_known;
    uint32_t total;   /* payload length, once the last fragment was seen */
    uint32_t max_end; /* the furthest byte held */
    uint32_t blocks_set;
    uint8_t *buf;
    size_t cap;
    uint8_t bits[(NBLOCKS + 7) / 8]; /* RFC 791 fragment block bit table */
};

struct sensor_ipfrag {
    struct sensor_ipfrag_cfg cfg;
    struct dgram *oldest, *newest;
    struct dgram **buckets;
    size_t nbuckets; /* a power of two, sized from max_datagrams */
    uint64_t seed;
    size_t count;
    size_t bytes;
    uint8_t *done; /* the last completed payload, freed on the next call */
    struct sensor_ipfrag_stats stats;
};

struct sensor_ipfrag *
sensor_ipfrag_new(const struct sensor_ipfrag_cfg *cfg)
{
    struct sensor_ipfrag *r = xcalloc(1, sizeof *r);

    r->cfg = *cfg;
    r->nbuckets = 16;
    while (r->nbuckets < cfg->max_datagrams && r->nbuckets < 65536)
        r->nbuckets *= 2;
    r->buckets = xcalloc(r->nbuckets, sizeof *r->buckets);
    if (getrandom(&r->seed, sizeof r->seed, GRND_NONBLOCK) != (ssize_t)sizeof r->seed)
        r->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)r;
    return r;
}

/* report - count an event and tell the callback */
static void
report(struct sensor_ipfrag *r, enum sensor_ipfrag_event ev, const struct sensor_packet *p)
{
    r->stats.events[ev]++;
    if (r->cfg.event != NULL)
        r->cfg.event(r->cfg.ctx, ev, p);
}

/* unlink_free - remove a datagram from the age list and free it */
static void
unlink_free(struct sensor_ipfrag *r, struct dgram *d)
{
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        r->oldest = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    else
        r->newest = d->prev;
    struct dgram **pp = &r->buckets[d->hash & (r->nbuckets - 1)];
    while (*pp != d)
        pp = &(*pp)->hnext;
    *pp = d->hnext;
    r->count--;
    r->bytes -= sizeof *d + d->cap;
    free(d->buf);
    free(d);
}

/* sensor_ipfrag_free - drop every datagram in progress */
struct sensor_ipfrag *
sensor_ipfrag_free(struct sensor_ipfrag *r)
{
    if (r == NULL)
        return NULL;
    while (r->oldest != NULL)
        unlink_free(r, r->oldest);
    free(r->done);
    free(r->buckets);
    free(r);
    return NULL;
}

/* sensor_ipfrag_expire - drop incomplete datagrams past the timeout */
void
sensor_ipfrag_expire(struct sensor_ipfrag *r, uint64_t now_usec)
{
    while (r->oldest != NULL && now_usec > r->oldest->first_ts &&
           now_usec - r->oldest->first_ts > r->cfg.timeout_usec) {
        unlink_free(r, r->oldest);
        report(r, SENSOR_IPFRAG_EV_TIMEOUT, NULL);
    }
}

/* key_hash - (source, destination, protocol, id), keyed with the instance's random seed */
static uint32_t
key_hash(const struct sensor_ipfrag *r, const struct sensor_packet *p)
{
    uint64_t a, b, h = r->seed ^ ((uint64_t)p->frag_id << 8 | p->proto);

    for (int i = 0; i < 16; i += 8) {
        memcpy(&a, p->src + i, 8);
        memcpy(&b, p->dst + i, 8);
        h = (h ^ a) * 0x9e3779b97f4a7c15ull;
        h = (h ^ b ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* find - the datagram this fragment belongs to */
static struct dgram *
find(struct sensor_ipfrag *r, const struct sensor_packet *p, uint32_t hash)
{
    for (struct dgram *d = r->buckets[hash & (r->nbuckets - 1)]; d != NULL; d = d->hnext)
        if (d->hash == hash && d->id == p->frag_id && d->proto == p->proto &&
            memcmp(d->src, p->src, 16) == 0 && memcmp(d->dst, p->dst, 16) == 0)
            return d;
    return NULL;
}

/* evict_oldest_except - drop the oldest datagram other than `keep`; false if there is none */
static bool
evict_oldest_except(struct sensor_ipfrag *r, const struct dgram *keep)
{
    struct dgram *d = r->oldest;

    if (d == keep)
        d = d->next;
    if (d == NULL)
        return false;
    unlink_free(r, d);
    report(r, SENSOR_IPFRAG_EV_EVICTED, NULL);
    return true;
}

/* create - a new datagram at the young end, evicting the oldest to stay in bounds */
static struct dgram *
create(struct sensor_ipfrag *r, const struct sensor_packet *p, uint64_t ts, uint32_t hash)
{
    while (r->count > 0 &&
           (r->count >= r->cfg.max_datagrams || r->bytes + sizeof(struct dgram) > r->cfg.max_bytes))
        evict_oldest_except(r, NULL);
    if (r->cfg.max_datagrams == 0 || sizeof(struct dgram) > r->cfg.max_bytes)
        return NULL;
    struct dgram *d = xcalloc(1, sizeof *d);
    memcpy(d->src, p->src, 16);
    memcpy(d->dst, p->dst, 16);
    d->proto = p->proto;
    d->id = p->frag_id;
    d->first_ts = ts;
    d->hash = hash;
    d->hnext = r->buckets[hash & (r->nbuckets - 1)];
    r->buckets[hash & (r->nbuckets - 1)] = d;
    d->prev = r->newest;
    if (r->newest != NULL)
        r->newest->next = d;
    else
        r->oldest = d;
    r->newest = d;
    r->count++;
    r->bytes += sizeof *d;
    return d;
}

/* reserve - room for `end` payload bytes within max_bytes; false if it cannot be had */
static bool
reserve(struct sensor_ipfrag *r, struct dgram *d, size_t end)
{
    if (end <= d->cap)
        return true;
    size_t cap = d->cap ? d->cap : 1024;
    while (cap < end)
        cap *= 2;
    if (cap > MAX_PAYLOAD)
        cap = MAX_PAYLOAD;
    while (r->bytes - d->cap + cap > r->cfg.max_bytes)
        if (!evict_oldest_except(r, d))
            return false;
    d->buf = xrealloc(d->buf, cap);
    r->bytes += cap - d->cap;
    d->cap = cap;
    return true;
}

/* place - copy the fragment's new blocks; the blocks already held win */
static void
place(struct dgram *d, const struct sensor_packet *p, bool *fresh, bool *differs)
{
    uint32_t off = p->frag_offset, end = off + (uint32_t)p->l4_len;

    *fresh = *differs = false;
    for (uint32_t b = off / 8; b * 8 < end; b++) {
        uint32_t bs = b * 8, be = bs + 8 < end ? bs + 8 : end;
        const uint8_t *src = p->l4 + (bs - off);
        if (d->bits[b / 8] & (1u << (b % 8))) {
            *differs = *differs || memcmp(d->buf + bs, src, be - bs) != 0;
            continue;
        }
        memcpy(d->buf + bs, src, be - bs);
        d->bits[b / 8] |= (uint8_t)(1u << (b % 8));
        d->blocks_set++;
        *fresh = true;
    }
    if (end > d->max_end)
        d->max_end = end;
}

/* check_fragment - the checks that refuse a fragment before it touches a datagram */
static bool
check_fragment(struct sensor_ipfrag *r, const struct sensor_packet *p)
{
    uint32_t end = p->frag_offset + (uint32_t)p->l4_len;

    if (p->ip_version != 4 || (p->frag_more && (p->l4_len == 0 || p->l4_len % 8 != 0))) {
        report(r, SENSOR_IPFRAG_EV_MALFORMED, p);
        return false;
    }
    if (end > MAX_PAYLOAD) {
        report(r, SENSOR_IPFRAG_EV_TOO_BIG, p);
        return false;
    }
    if (p->proto == SENSOR_PROTO_TCP && p->frag_offset == 8) {
        report(r, SENSOR_IPFRAG_EV_HEADER_OVERWRITE, p);
        return false;
    }
    if (p->proto == SENSOR_PROTO_TCP && p->frag_offset == 0 && p->l4_len < 20)
        report(r, SENSOR_IPFRAG_EV_TINY, p);
    return true;
}

/* sensor_ipfrag_add - place one fragment; DONE hands back the whole payload */
enum sensor_ipfrag_result
sensor_ipfrag_add(struct sensor_ipfrag *r, const struct sensor_packet *p, uint64_t ts_usec,
                  const uint8_t **out, size_t *out_len)
{
    uint32_t end = p->frag_offset + (uint32_t)p->l4_len;
    bool fresh, differs;

    free(r->done);
    r->done = NULL;
    r->stats.fragments++;
    sensor_ipfrag_expire(r, ts_usec);
    if (!check_fragment(r, p))
        return SENSOR_IPFRAG_DROPPED;
    uint32_t hash = key_hash(r, p);
    struct dgram *d = find(r, p, hash);
    if (d == NULL && (d = create(r, p, ts_usec, hash)) == NULL) {
        report(r, SENSOR_IPFRAG_EV_EVICTED, p);
        return SENSOR_IPFRAG_DROPPED;
    }
    bool bad_end = d->total_known ? (end > d->total || (!p->frag_more && end != d->total))
                                  : (!p->frag_more && d->max_end > end);
    if (bad_end) {
        unlink_free(r, d);
        report(r, SENSOR_IPFRAG_EV_MALFORMED, p);
        return SENSOR_IPFRAG_DROPPED;
    }
    if (!reserve(r, d, end)) {
        unlink_free(r, d);
        report(r, SENSOR_IPFRAG_EV_EVICTED, p);
        return SENSOR_IPFRAG_DROPPED;
    }
    if (!p->frag_more) {
        d->total_known = true;
        d->total = end;
    }
    place(d, p, &fresh, &differs);
    if (differs)
        report(r, SENSOR_IPFRAG_EV_OVERLAP_DIFFERS, p);
    if (!fresh)
        r->stats.duplicates++;
    if (!d->total_known || d->blocks_set != (d->total + 7) / 8)
        return SENSOR_IPFRAG_HELD;
    r->done = d->buf;
    d->buf = NULL;
    *out = r->done;
    *out_len = d->total;
    unlink_free(r, d);
    r->stats.reassembled++;
    return SENSOR_IPFRAG_DONE;
}

const struct sensor_ipfrag_stats *
sensor_ipfrag_stats(const struct sensor_ipfrag *r)
{
    return &r->stats;
}

size_t
sensor_ipfrag_in_progress(const struct sensor_ipfrag *r)
{
    return r->count;
}

size_t
sensor_ipfrag_bytes(const struct sensor_ipfrag *r)
{
    return r->bytes;
}

const char *
sensor_ipfrag_event_name(enum sensor_ipfrag_event ev)
{
    static const char *const names[SENSOR_IPFRAG_EV_COUNT] = {
        [SENSOR_IPFRAG_EV_OVERLAP_DIFFERS] = "overlap_differs",
        [SENSOR_IPFRAG_EV_TINY] = "tiny",
        [SENSOR_IPFRAG_EV_HEADER_OVERWRITE] = "header_overwrite",
        [SENSOR_IPFRAG_EV_TOO_BIG] = "too_big",
        [SENSOR_IPFRAG_EV_MALFORMED] = "malformed",
        [SENSOR_IPFRAG_EV_TIMEOUT] = "timeout",
        [SENSOR_IPFRAG_EV_EVICTED] = "evicted",
    };
    if ((unsigned)ev >= SENSOR_IPFRAG_EV_COUNT)
        return "unknown";
    return names[ev];
}
