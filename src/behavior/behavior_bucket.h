/*
 * behavior_bucket - a token bucket: `amount` tokens per `per_ms`, holding at most `burst`.
 *
 * Integer arithmetic, exact: credit is kept in units of 1/per_ms token, so a refill of
 * elapsed_ms adds elapsed_ms * amount units and a token costs per_ms units. A new bucket is
 * full. behavior_bucket_take() refills for the time elapsed since the last call, then takes
 * `cost` tokens if they are all there (all or nothing) and otherwise says how long until
 * they would be.
 *
 * Clock jumps: time is a parameter (now_ms). A step forward refills at most to `burst`. A step
 * back refills nothing and re-anchors the bucket at the new time, so a clock set back never
 * blocks a sender until it catches up (a later forward step may then refill that stretch
 * twice, never past `burst`).
 *
 * Bounds, checked by behavior_bucket_spec_is_valid(): 1 <= amount, burst <= 1e9,
 * 1 <= per_ms <= 31 days, which keeps every product below 2^63.
 * Pure; not thread-safe (one owner).
 */
#ifndef SW_BEHAVIOR_BUCKET_H
#define SW_BEHAVIOR_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define BEHAVIOR_BUCKET_AMOUNT_MAX 1000000000ULL
#define BEHAVIOR_BUCKET_PER_MAX (31ULL * 86400000ULL)

struct behavior_bucket_spec {
    uint64_t amount; /* tokens per per_ms */
    uint64_t per_ms;
    uint64_t burst; /* capacity in tokens */
};

struct behavior_bucket {
    uint64_t credit;  /* in 1/per_ms tokens */
    uint64_t last_ms; /* time of the last refill */
    bool used;        /* false: never taken from, full */
};

bool behavior_bucket_spec_is_valid(const struct behavior_bucket_spec *spec);
/* behavior_bucket_take - take cost tokens if available (commit false: only ask); returns true
 * when they were (or would be) taken; else *retry_ms (if not NULL) is how long until they
 * would be, UINT64_MAX when cost is over burst */
bool behavior_bucket_take(struct behavior_bucket *b, const struct behavior_bucket_spec *spec,
                          uint64_t cost, uint64_t now_ms, bool commit, uint64_t *retry_ms);
/* behavior_bucket_tokens - whole tokens available at now_ms (without changing the bucket) */
uint64_t behavior_bucket_tokens(const struct behavior_bucket *b,
                                const struct behavior_bucket_spec *spec, uint64_t now_ms);

#endif
