/*
 * behavior_hash - SipHash-2-4: a keyed 64-bit hash of a byte string.
 *
 * Keys and first-seen values come from peers, so the hash tables that hold them are keyed with
 * a secret seed (the caller's, never a global): a client cannot pick strings that all land in
 * one chain. Pure; thread-safe.
 */
#ifndef SW_BEHAVIOR_HASH_H
#define SW_BEHAVIOR_HASH_H

#include <stddef.h>
#include <stdint.h>

struct behavior_hash_key {
    uint64_t k0, k1;
};

/* behavior_hash - SipHash-2-4 of len bytes under key */
uint64_t behavior_hash(const struct behavior_hash_key *key, const void *data, size_t len);

#endif
