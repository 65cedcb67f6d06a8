/*
 * behavior_codec - a key's state (windows and baselines) as a fixed-layout little-endian byte
 * string, for snapshots (and later for a shared store).
 *
 * The layout is explicit, field by field, so it does not depend on the compiler's struct
 * padding or the host's byte order. Decoding checks the length and that the result is
 * self-consistent (behavior_window_is_valid, behavior_baseline_is_valid); token buckets are
 * not part of it and decode as full. Pure.
 */
#ifndef SW_BEHAVIOR_CODEC_H
#define SW_BEHAVIOR_CODEC_H

#include <stddef.h>

#include "behavior/behavior_mem.h"
#include "util/buf.h"

/* behavior_codec_encode_key - append k's encoding to out; -1 if out's bound is passed */
int behavior_codec_encode_key(const struct behavior_mem_key *k, struct buf *out);
/* behavior_codec_decode_key - decode len bytes into *k; -1 when they are not a valid state */
int behavior_codec_decode_key(const void *data, size_t len, struct behavior_mem_key *k);
/* behavior_codec_key_size - the length of every encoding */
size_t behavior_codec_key_size(void);

#endif
