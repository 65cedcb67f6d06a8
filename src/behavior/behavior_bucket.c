/* behavior_bucket - token bucket in exact integer arithmetic. */
#include "behavior/behavior_bucket.h"

bool
behavior_bucket_spec_is_valid(const struct behavior_bucket_spec *spec)
{
    return spec->amount >= 1 && spec->amount <= BEHAVIOR_BUCKET_AMOUNT_MAX && spec->burst >= 1 &&
           spec->burst <= BEHAVIOR_BUCKET_AMOUNT_MAX && spec->per_ms >= 1 &&
           spec->per_ms <= BEHAVIOR_BUCKET_PER_MAX;
}

/* refilled - the credit the bucket would hold at now_ms, and the time it is anchored at */
static uint64_t
refilled(const struct behavior_bucket *b, const struct behavior_bucket_spec *spec, uint64_t now_ms,
         uint64_t *anchor)
{
    uint64_t cap = spec->burst * spec->per_ms;
    uint64_t elapsed, credit;

    *anchor = now_ms;
    if (!b->used)
        return cap;
    if (now_ms <= b->last_ms)
        return b->credit > cap ? cap : b->credit;
    elapsed = now_ms - b->last_ms;
    /* past this much time the bucket is full anyway; the cut keeps the product small */
    if (elapsed > spec->per_ms * spec->burst / spec->amount + 1)
        return cap;
    credit = b->credit + elapsed * spec->amount;
    return credit > cap ? cap : credit;
}

bool
behavior_bucket_take(struct behavior_bucket *b, const struct behavior_bucket_spec *spec,
                     uint64_t cost, uint64_t now_ms, bool commit, uint64_t *retry_ms)
{
    uint64_t anchor;
    uint64_t credit = refilled(b, spec, now_ms, &anchor);
    uint64_t need;

    if (cost > spec->burst) {
        if (retry_ms)
            *retry_ms = UINT64_MAX;
        return false;
    }
    need = cost * spec->per_ms;
    if (credit < need) {
        if (retry_ms)
            *retry_ms = (need - credit + spec->amount - 1) / spec->amount;
        if (commit) {
            b->credit = credit;
            b->last_ms = anchor;
            b->used = true;
        }
        return false;
    }
    if (commit) {
        b->credit = credit - need;
        b->last_ms = anchor;
        b->used = true;
    }
    return true;
}

uint64_t
behavior_bucket_tokens(const struct behavior_bucket *b, const struct behavior_bucket_spec *spec,
                       uint64_t now_ms)
{
    uint64_t anchor;
    return refilled(b, spec, now_ms, &anchor) / spec->per_ms;
}
