/*
 * behavior_firstseen - the set of values one subject has been seen with (for one relation:
 * the destination servers of a host, the recipient domains of an identity, ...), as 64-bit
 * keyed hashes, with the time its learning period started.
 *
 * A value not in the set is NEW (an alert) once the learning period is over, LEARNING before;
 * either way it is added. At most max_values values are held: past that the set is saturated
 * and a new value is FULL (not added, no alert), because a subject that talks to that many
 * peers is not one whose first contact with a peer means anything. Two values whose hashes
 * collide count as one (one chance in 2^64 per pair).
 *
 * Memory: 8 bytes a slot, 2 to 4 slots a value (open addressing, at most half full, grown by
 * doubling). Free the values with behavior_fs_set_release(). Pure; not thread-safe.
 */
#ifndef SW_BEHAVIOR_FIRSTSEEN_H
#define SW_BEHAVIOR_FIRSTSEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum behavior_fs_outcome {
    BEHAVIOR_FS_KNOWN,    /* seen before */
    BEHAVIOR_FS_NEW,      /* first seen, after learning: alert */
    BEHAVIOR_FS_LEARNING, /* first seen, during learning: recorded, no alert */
    BEHAVIOR_FS_FULL,     /* first seen, set saturated: not recorded, no alert */
};

struct behavior_fs_set {
    uint64_t start_ms; /* learning started; 0 = the set is unused */
    uint32_t n;        /* values held */
    uint32_t cap;      /* slots (a power of two, or 0) */
    uint64_t *slots;   /* 0 = empty */
};

/* behavior_fs_set_add - look value_hash up and add it; see the outcomes above. A set that was
 * never used starts learning at now_ms. A clock set back before start_ms restarts learning. */
enum behavior_fs_outcome behavior_fs_set_add(struct behavior_fs_set *s, uint64_t value_hash,
                                             uint64_t now_ms, uint64_t learning_ms,
                                             uint32_t max_values);
bool behavior_fs_set_contains(const struct behavior_fs_set *s, uint64_t value_hash);
/* behavior_fs_set_insert - add without a decision (loading a snapshot); false when full */
bool behavior_fs_set_insert(struct behavior_fs_set *s, uint64_t value_hash, uint32_t max_values);
/* behavior_fs_set_release - free the values; the set is empty and unused after */
void behavior_fs_set_release(struct behavior_fs_set *s);
const char *behavior_fs_outcome_name(enum behavior_fs_outcome o);

#endif
