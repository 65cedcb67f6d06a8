/*
 * behavior_store - where the behaviour engine keeps its state: the seam between the decisions
 * (behavior.c) and the counters, buckets and sets they read.
 *
 * Three operations, each for one key, each atomic on its own (and key_sums, a read):
 *   key_observe     count a transaction for a key (its sliding windows and its baselines) and
 *                   answer the spike question for each measure;
 *   bucket_take     take from one of a key's token buckets (or only ask, commit false);
 *   first_seen_add  add a value to a subject's first-seen set and say whether it is new.
 * Each returns 0, or -1 when the state cannot be reached (a Redis store whose server is down);
 * the engine then applies behavior.on_state_unavailable. The in-memory store
 * (behavior_mem.h) never fails. A Redis store will implement the same three calls (for
 * example as Lua scripts over the same arithmetic: behavior_window, behavior_bucket,
 * behavior_baseline and behavior_firstseen are pure and hold fixed-size state).
 *
 * A store is used by one thread at a time. free releases it (accepts NULL ctx).
 */
#ifndef SW_BEHAVIOR_STORE_H
#define SW_BEHAVIOR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "behavior/behavior_baseline.h"
#include "behavior/behavior_bucket.h"
#include "behavior/behavior_firstseen.h"
#include "behavior/behavior_key.h"
#include "behavior/behavior_window.h"

/* How many limits may apply to one key kind: each is one bucket in the key's state. */
#define BEHAVIOR_KIND_LIMITS_MAX 8

/* What key_observe reports about a key after counting. */
struct behavior_key_report {
    struct behavior_counts recent; /* the spike window's count */
    bool alert[BEHAVIOR_MEASURES]; /* a new spike for this measure */
    struct behavior_spike spike[BEHAVIOR_MEASURES];
    uint64_t first_ms; /* when the key was first counted (warm-up) */
};

struct behavior_store_ops {
    int (*key_observe)(void *ctx, const struct behavior_key *key, uint64_t now_ms,
                       const struct behavior_counts *add,
                       const struct behavior_spike_params params[BEHAVIOR_MEASURES],
                       struct behavior_key_report *out);
    /* bucket_take - slot: which of the key kind's limits (< BEHAVIOR_KIND_LIMITS_MAX); *taken
     * true when the tokens were (or would be) there, else *retry_ms is the wait */
    int (*bucket_take)(void *ctx, const struct behavior_key *key, unsigned slot,
                       const struct behavior_bucket_spec *spec, uint64_t cost, uint64_t now_ms,
                       bool commit, bool *taken, uint64_t *retry_ms);
    int (*first_seen_add)(void *ctx, enum behavior_relation rel, const char *subject,
                          size_t subject_len, const char *value, size_t value_len, uint64_t now_ms,
                          uint64_t learning_ms, enum behavior_fs_outcome *out);
    /* key_sums - a key's sliding sums (minute, hour, day) without counting; zeros if unknown */
    int (*key_sums)(void *ctx, const struct behavior_key *key, uint64_t now_ms,
                    struct behavior_counts out[BEHAVIOR_SPANS]);
    void (*free)(void *ctx);
};

struct behavior_store {
    const struct behavior_store_ops *ops;
    void *ctx;
};

#endif
