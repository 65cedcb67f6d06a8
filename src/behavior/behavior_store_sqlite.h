/*
 * behavior_store_sqlite - snapshots of the embedded behaviour store in an SQLite file, so
 * baselines, first-seen sets and windows survive a restart.
 *
 * Schema (version 1, in table meta):
 *   meta(name TEXT PRIMARY KEY, value)         schema_version, fs_seed0, fs_seed1, saved_ms
 *   keys(kind TEXT, key BLOB, state BLOB)       one row per key, least recently used first
 *   first_seen(relation TEXT, subject BLOB, start_ms INTEGER, hashes BLOB)
 * Kinds and relations are stored by name (behavior_key.h), the key state as a fixed-layout
 * little-endian blob (windows, then one baseline per measure). Token buckets are not saved:
 * after a restart every bucket is full.
 *
 * Save writes "<path>.tmp" in one transaction and renames it over path, so a crash leaves the
 * old snapshot or the new one, never half of one. Load reads into a new store; anything wrong
 * (no file, not SQLite, another schema version, a row that does not decode or holds impossible
 * values) fails the whole load with a message, and the caller keeps its state: a corrupt file
 * is reported and ignored, never a crash. A snapshot with more keys than the bounds keeps the
 * most recently used. Not thread-safe.
 */
#ifndef SW_BEHAVIOR_STORE_SQLITE_H
#define SW_BEHAVIOR_STORE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior_mem.h"

#define BEHAVIOR_SNAPSHOT_SCHEMA 1

/* behavior_store_sqlite_save - snapshot m into path; 0, or -1 with err */
int behavior_store_sqlite_save(const struct behavior_mem *m, const char *path, uint64_t now_ms,
                               char *err, size_t errlen);
/* behavior_store_sqlite_load - a new store (bounds lim, table seed) holding the snapshot at
 * path, in *out; 0, or -1 with err and *out NULL */
int behavior_store_sqlite_load(const char *path, const struct behavior_mem_limits *lim,
                               const struct behavior_hash_key *seed, struct behavior_mem **out,
                               char *err, size_t errlen);

#endif
