/* behavior_firstseen - bounded open-addressing set of value hashes with a learning start. */
#include "behavior/behavior_firstseen.h"

#include <stdlib.h>

#include "util/mem.h"

const char *
behavior_fs_outcome_name(enum behavior_fs_outcome o)
{
    switch (o) {
    case BEHAVIOR_FS_KNOWN:
        return "known";
    case BEHAVIOR_FS_NEW:
        return "new";
    case BEHAVIOR_FS_LEARNING:
        return "learning";
    case BEHAVIOR_FS_FULL:
        return "full";
    }
    return "?";
}

static inline uint64_t
nonzero(uint64_t h)
{
    return h ? h : 1;
}

/* probe - the slot holding h, or the empty slot where it would go */
static uint64_t *
probe(const struct behavior_fs_set *s, uint64_t h)
{
    uint32_t mask = s->cap - 1;

    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask)
        if (s->slots[i] == 0 || s->slots[i] == h)
            return &s->slots[i];
}

bool
behavior_fs_set_contains(const struct behavior_fs_set *s, uint64_t value_hash)
{
    return s->cap > 0 && *probe(s, nonzero(value_hash)) != 0;
}

/* grow - double the slots (at least 8) and re-insert */
static void
grow(struct behavior_fs_set *s)
{
    struct behavior_fs_set old = *s;

    s->cap = old.cap ? old.cap * 2 : 8;
    s->slots = xcalloc(s->cap, sizeof s->slots[0]);
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.slots[i] != 0)
            *probe(s, old.slots[i]) = old.slots[i];
    free(old.slots);
}

bool
behavior_fs_set_insert(struct behavior_fs_set *s, uint64_t value_hash, uint32_t max_values)
{
    uint64_t h = nonzero(value_hash);
    uint64_t *slot;

    if (behavior_fs_set_contains(s, h))
        return true;
    if (s->n >= max_values)
        return false;
    if ((uint64_t)(s->n + 1) * 2 > s->cap)
        grow(s);
    slot = probe(s, h);
    *slot = h;
    s->n++;
    return true;
}

enum behavior_fs_outcome
behavior_fs_set_add(struct behavior_fs_set *s, uint64_t value_hash, uint64_t now_ms,
                    uint64_t learning_ms, uint32_t max_values)
{
    bool learning;

    if (s->start_ms == 0 || now_ms < s->start_ms)
        s->start_ms = now_ms ? now_ms : 1;
    if (behavior_fs_set_contains(s, value_hash))
        return BEHAVIOR_FS_KNOWN;
    learning = now_ms - s->start_ms < learning_ms;
    if (!behavior_fs_set_insert(s, value_hash, max_values))
        return BEHAVIOR_FS_FULL;
    return learning ? BEHAVIOR_FS_LEARNING : BEHAVIOR_FS_NEW;
}

void
behavior_fs_set_release(struct behavior_fs_set *s)
{
    free(s->slots);
    s->slots = NULL;
    s->n = 0;
    s->cap = 0;
    s->start_ms = 0;
}
