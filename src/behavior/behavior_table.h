/*
 * behavior_table - a hash table of byte-string keys to fixed-size values, holding at most
 * max_entries: inserting past the bound sheds the least recently used entry.
 *
 * The value lives with the entry (value_size bytes, zeroed when created; the table frees it
 * with the entry, calling release(value) first when given, for what the value owns).
 * behavior_table_get() finds or creates and marks the entry most recently used;
 * behavior_table_peek() finds without touching the order. A value pointer stays valid until
 * the entry is shed or the table freed: a get that creates may shed another entry, never the
 * one it returns.
 *
 * Keys are hashed with SipHash under the caller's seed (keys come from peers). Memory is
 * bounded: max_entries entries of value_size + key + about 48 bytes, and a bucket array of at
 * most the next power of two above max_entries. Not thread-safe (one owner).
 */
#ifndef SW_BEHAVIOR_TABLE_H
#define SW_BEHAVIOR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior_hash.h"

struct behavior_table;

/* behavior_table_new - max_entries >= 1; free with behavior_table_free */
struct behavior_table *behavior_table_new(size_t max_entries, size_t value_size,
                                          void (*release)(void *value),
                                          const struct behavior_hash_key *seed);
struct behavior_table *behavior_table_free(struct behavior_table *t);
/* behavior_table_get - the value of key, created (zeroed) when absent; *created says which */
void *behavior_table_get(struct behavior_table *t, const char *key, size_t len, bool *created);
/* behavior_table_peek - the value of key or NULL; the LRU order is unchanged */
void *behavior_table_peek(const struct behavior_table *t, const char *key, size_t len);
size_t behavior_table_count(const struct behavior_table *t);
/* behavior_table_shed - how many entries were shed since the table was made */
uint64_t behavior_table_shed(const struct behavior_table *t);
/* behavior_table_each - call fn for each entry, least recently used first; fn must not change
 * the table; a non-zero return stops the walk and is returned */
int behavior_table_each(const struct behavior_table *t,
                        int (*fn)(const char *key, size_t len, void *value, void *ctx), void *ctx);

#endif
