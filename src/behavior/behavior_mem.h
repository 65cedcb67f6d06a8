/*
 * behavior_mem - the embedded (in-process) behaviour store: per key kind, a bounded LRU table
 * of keys, each with its sliding windows, one baseline per measure and its token buckets; per
 * first-seen relation, a bounded LRU table of subjects, each with its set of value hashes.
 *
 * Bounds (struct behavior_mem_limits): max_keys per key kind, max_subjects per relation,
 * max_values per subject (the smtp_host relation keeps every host in its one set, so that set
 * is bounded by max_subjects instead). A full table sheds its least recently used entry, so memory
 * stays bounded whatever the traffic (about 3.4 kB per key; 16 bytes per first-seen value at most).
 * A shed key starts again from nothing: warm-up and learning restart, so shedding never
 * raises an alert.
 *
 * behavior_mem_store() gives the store interface (behavior_store.h) over it. The rest is for
 * snapshots (behavior_snapshot.h): walking and re-creating keys and subjects.
 * First-seen values are hashed with fs_seed, which a snapshot carries, so a restored set
 * recognises the values it held. Not thread-safe (one owner).
 */
#ifndef SW_BEHAVIOR_MEM_H
#define SW_BEHAVIOR_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior_hash.h"
#include "behavior/behavior_store.h"

struct behavior_mem_limits {
    size_t max_keys;     /* per key kind */
    size_t max_subjects; /* per first-seen relation */
    uint32_t max_values; /* per first-seen subject */
};

/* The state of one key. */
struct behavior_mem_key {
    uint64_t first_ms, last_ms;
    struct behavior_window window;
    struct behavior_baseline baseline[BEHAVIOR_MEASURES];
    struct behavior_bucket buckets[BEHAVIOR_KIND_LIMITS_MAX];
};

struct behavior_mem;

/* behavior_mem_new - seed keys the tables, fs_seed the first-seen value hashes */
struct behavior_mem *behavior_mem_new(const struct behavior_mem_limits *lim,
                                      const struct behavior_hash_key *seed,
                                      const struct behavior_hash_key *fs_seed);
struct behavior_mem *behavior_mem_free(struct behavior_mem *m);
/* behavior_mem_store - the store interface over m; m stays the caller's (ops->free is a no-op) */
void behavior_mem_store(struct behavior_mem *m, struct behavior_store *out);

const struct behavior_mem_limits *behavior_mem_get_limits(const struct behavior_mem *m);
const struct behavior_hash_key *behavior_mem_fs_seed(const struct behavior_mem *m);
/* behavior_mem_max_values - how many values one subject of rel may hold */
uint32_t behavior_mem_max_values(const struct behavior_mem *m, enum behavior_relation rel);
/* behavior_mem_key_count - keys held for one kind */
size_t behavior_mem_key_count(const struct behavior_mem *m, enum behavior_kind kind);
size_t behavior_mem_subject_count(const struct behavior_mem *m, enum behavior_relation rel);
/* behavior_mem_shed - entries shed so far, keys and subjects together */
uint64_t behavior_mem_shed(const struct behavior_mem *m);
/* behavior_mem_key - a key's state, created empty when create is true (else NULL if absent) */
struct behavior_mem_key *behavior_mem_key(struct behavior_mem *m, const struct behavior_key *key,
                                          bool create);
/* behavior_mem_subject - a subject's first-seen set, created empty when create is true */
struct behavior_fs_set *behavior_mem_subject(struct behavior_mem *m, enum behavior_relation rel,
                                             const char *subject, size_t len, bool create);
/* behavior_mem_each_key - walk the keys of a kind, least recently used first */
int behavior_mem_each_key(const struct behavior_mem *m, enum behavior_kind kind,
                          int (*fn)(const char *key, size_t len, struct behavior_mem_key *k,
                                    void *ctx),
                          void *ctx);
/* behavior_mem_each_subject - walk the subjects of a relation, least recently used first */
int behavior_mem_each_subject(const struct behavior_mem *m, enum behavior_relation rel,
                              int (*fn)(const char *subject, size_t len, struct behavior_fs_set *s,
                                        void *ctx),
                              void *ctx);

#endif
