/*
 * sensor_ipfrag - IPv4 fragment reassembly for the passive sensor.
 *
 * sensor_ipfrag_add() takes one decoded fragment (sensor_packet with frag_is_fragment set; its
 * l4/l4_len are the fragment's data) and the capture time. When the datagram becomes complete
 * it returns SENSOR_IPFRAG_DONE with *out and *out_len pointing at the reassembled IP payload,
 * owned by the reassembler and valid until the next call; the caller hands it to
 * sensor_decode_l4(). Otherwise SENSOR_IPFRAG_HELD (kept, waiting for more) or
 * SENSOR_IPFRAG_DROPPED (refused: see the event).
 *
 * Datagrams are keyed by (source, destination, protocol, identification) and tracked with an
 * RFC 791 fragment-block bit table (one bit per 8-byte block), which is what hole tracking
 * (RFC 815) needs without a descriptor list an attacker can grow.
 *
 * Policy and events (cfg->event, and counters in struct sensor_ipfrag_stats):
 * - overlap: bytes already held win ("first"), the same rule as TCP reassembly; when the newer
 *   fragment's bytes differ, SENSOR_IPFRAG_EV_OVERLAP_DIFFERS (a same-bytes duplicate is only
 *   counted);
 * - tiny: a first fragment too short to hold a TCP header (RFC 1858 section 3) is reported and
 *   kept; a TCP fragment at offset 8 (RFC 1858 section 4, rewrites the header) is dropped;
 * - too big: a fragment that ends past 65,535 bytes of datagram (ping of death) drops the
 *   datagram; malformed: a non-final fragment whose length is not a multiple of 8, or two
 *   different ends (teardrop-style inconsistent lengths) drops it;
 * - timeout: a datagram incomplete after cfg->timeout_usec (of capture time) is dropped;
 * - evicted: adding a datagram past cfg->max_datagrams or cfg->max_bytes drops the oldest.
 *
 * The event callback gets the fragment that caused it, or NULL for timeout and eviction.
 *
 * Memory: max_bytes covers the buffers and datagram headers; a hash bucket array sized from
 * max_datagrams (keyed with a random seed) finds a datagram in constant time. Not thread-safe.
 */
#ifndef SW_SENSOR_IPFRAG_H
#define SW_SENSOR_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "sensor/sensor_decode.h"

enum sensor_ipfrag_result { SENSOR_IPFRAG_HELD, SENSOR_IPFRAG_DONE, SENSOR_IPFRAG_DROPPED };

enum sensor_ipfrag_event {
    SENSOR_IPFRAG_EV_OVERLAP_DIFFERS,
    SENSOR_IPFRAG_EV_TINY,
    SENSOR_IPFRAG_EV_HEADER_OVERWRITE,
    SENSOR_IPFRAG_EV_TOO_BIG,
    SENSOR_IPFRAG_EV_MALFORMED,
    SENSOR_IPFRAG_EV_TIMEOUT,
    SENSOR_IPFRAG_EV_EVICTED,
    SENSOR_IPFRAG_EV_COUNT
};

struct sensor_ipfrag_cfg {
    size_t max_datagrams;  /* in progress at once */
    size_t max_bytes;      /* buffer bytes over all datagrams in progress */
    uint64_t timeout_usec; /* an incomplete datagram older than this is dropped */
    void *ctx;
    void (*event)(void *ctx, enum sensor_ipfrag_event ev, const struct sensor_packet *p);
};

struct sensor_ipfrag_stats {
    uint64_t fragments;   /* fragments offered */
    uint64_t reassembled; /* datagrams completed */
    uint64_t duplicates;  /* fragments whose bytes were all held already */
    uint64_t events[SENSOR_IPFRAG_EV_COUNT];
};

struct sensor_ipfrag;

/* sensor_ipfrag_new - a reassembler; cfg is copied; free with sensor_ipfrag_free */
struct sensor_ipfrag *sensor_ipfrag_new(const struct sensor_ipfrag_cfg *cfg);
struct sensor_ipfrag *sensor_ipfrag_free(struct sensor_ipfrag *r);

/* sensor_ipfrag_add - offer one IPv4 fragment seen at ts_usec */
enum sensor_ipfrag_result sensor_ipfrag_add(struct sensor_ipfrag *r, const struct sensor_packet *p,
                                            uint64_t ts_usec, const uint8_t **out, size_t *out_len);

/* sensor_ipfrag_expire - drop datagrams older than the timeout at `now_usec` */
void sensor_ipfrag_expire(struct sensor_ipfrag *r, uint64_t now_usec);

const struct sensor_ipfrag_stats *sensor_ipfrag_stats(const struct sensor_ipfrag *r);
size_t sensor_ipfrag_in_progress(const struct sensor_ipfrag *r);
size_t sensor_ipfrag_bytes(const struct sensor_ipfrag *r);

/* sensor_ipfrag_event_name - "overlap_differs", "tiny", ... */
const char *sensor_ipfrag_event_name(enum sensor_ipfrag_event ev);

#endif
