/* behavior_window - rings of sub-buckets with an interpolated sliding sum. */
#include "behavior/behavior_window.h"

#include <string.h>

struct ring_view {
    struct behavior_slot *slots; /* nslots + 1 of them */
    unsigned nslots;
    uint64_t slot_ms;
};

static const uint64_t slot_widths[BEHAVIOR_SPANS] = {10000, 60000, 3600000};
static const unsigned slot_counts[BEHAVIOR_SPANS] = {BEHAVIOR_MINUTE_SLOTS, BEHAVIOR_HOUR_SLOTS,
                                                     BEHAVIOR_DAY_SLOTS};

/* view - the slots of one span; the cast is safe because views of a const window are only read */
static struct ring_view
view(const struct behavior_window *w, enum behavior_span span)
{
    struct behavior_window *mw = (struct behavior_window *)w;
    struct ring_view v = {NULL, slot_counts[span], slot_widths[span]};

    v.slots = span == BEHAVIOR_SPAN_MINUTE ? mw->minute
              : span == BEHAVIOR_SPAN_HOUR ? mw->hour
                                           : mw->day;
    return v;
}

static inline uint32_t
add32(uint32_t a, uint64_t b)
{
    return b >= (uint64_t)(UINT32_MAX - a) ? UINT32_MAX : (uint32_t)(a + b);
}

static inline uint64_t
add64(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

uint64_t
behavior_window_span_ms(enum behavior_span span)
{
    return slot_widths[span] * slot_counts[span];
}

void
behavior_window_init(struct behavior_window *w)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < BEHAVIOR_SPANS; i++)
        w->ring[i].head = -1;
}

/* ring_clear - empty one span and anchor it at now */
static void
ring_clear(struct behavior_window *w, enum behavior_span span, uint64_t now_ms)
{
    struct ring_view v = view(w, span);

    memset(v.slots, 0, (v.nslots + 1) * sizeof v.slots[0]);
    w->ring[span].head = (int64_t)(now_ms / v.slot_ms);
    w->ring[span].last_ms = now_ms;
}

/* ring_advance - move a span's newest slot to now (see the header for clock jumps); returns
 * the slot to count into */
static struct behavior_slot *
ring_advance(struct behavior_window *w, enum behavior_span span, uint64_t now_ms)
{
    struct ring_view v = view(w, span);
    struct behavior_ring_state *r = &w->ring[span];
    int64_t s = (int64_t)(now_ms / v.slot_ms);

    if (r->head < 0) {
        ring_clear(w, span, now_ms);
    } else if (now_ms < r->last_ms) {
        if (r->last_ms - now_ms > v.nslots * v.slot_ms)
            ring_clear(w, span, now_ms);
    } else {
        if (s - r->head > (int64_t)v.nslots) {
            ring_clear(w, span, now_ms);
        } else {
            for (int64_t k = r->head + 1; k <= s; k++)
                memset(&v.slots[k % (v.nslots + 1)], 0, sizeof v.slots[0]);
            r->head = s;
        }
        r->last_ms = now_ms;
    }
    return &v.slots[r->head % (v.nslots + 1)];
}

void
behavior_window_add(struct behavior_window *w, uint64_t now_ms, const struct behavior_counts *add)
{
    for (int span = 0; span < BEHAVIOR_SPANS; span++) {
        struct behavior_slot *slot = ring_advance(w, span, now_ms);
        slot->messages = add32(slot->messages, add->v[BEHAVIOR_MEASURE_MESSAGES]);
        slot->recipients = add32(slot->recipients, add->v[BEHAVIOR_MEASURE_RECIPIENTS]);
        slot->bytes = add64(slot->bytes, add->v[BEHAVIOR_MEASURE_BYTES]);
    }
}

/* slot_at - the slot numbered n, or NULL when it is not held (newer than head or overwritten) */
static const struct behavior_slot *
slot_at(const struct behavior_window *w, enum behavior_span span, int64_t n)
{
    struct ring_view v = view(w, span);
    int64_t head = w->ring[span].head;

    if (head < 0 || n > head || n < head - (int64_t)v.nslots || n < 0)
        return NULL;
    return &v.slots[n % (v.nslots + 1)];
}

/* scaled - v * num / den without overflow, rounded down (num <= den) */
static inline uint64_t
scaled(uint64_t v, uint64_t num, uint64_t den)
{
    return v / den * num + (v % den) * num / den;
}

static void
count_slot(struct behavior_counts *out, const struct behavior_slot *slot, uint64_t num,
           uint64_t den)
{
    out->v[BEHAVIOR_MEASURE_MESSAGES] += scaled(slot->messages, num, den);
    out->v[BEHAVIOR_MEASURE_RECIPIENTS] += scaled(slot->recipients, num, den);
    out->v[BEHAVIOR_MEASURE_BYTES] =
        add64(out->v[BEHAVIOR_MEASURE_BYTES], scaled(slot->bytes, num, den));
}

void
behavior_window_sum(const struct behavior_window *w, enum behavior_span span, uint64_t now_ms,
                    struct behavior_counts *out)
{
    struct ring_view v = view(w, span);
    uint64_t t = now_ms < w->ring[span].last_ms ? w->ring[span].last_ms : now_ms;
    int64_t s = (int64_t)(t / v.slot_ms);

    memset(out, 0, sizeof *out);
    for (unsigned k = 0; k <= v.nslots; k++) {
        const struct behavior_slot *slot = slot_at(w, span, s - (int64_t)k);
        if (slot == NULL)
            continue;
        if (k < v.nslots)
            count_slot(out, slot, 1, 1);
        else
            count_slot(out, slot, v.slot_ms - t % v.slot_ms, v.slot_ms);
    }
}

void
behavior_window_recent(const struct behavior_window *w, unsigned minutes, uint64_t now_ms,
                       struct behavior_counts *out)
{
    uint64_t last = w->ring[BEHAVIOR_SPAN_HOUR].last_ms;
    uint64_t t = now_ms < last ? last : now_ms;
    int64_t s = (int64_t)(t / 60000);

    if (minutes < 1)
        minutes = 1;
    if (minutes > BEHAVIOR_HOUR_SLOTS)
        minutes = BEHAVIOR_HOUR_SLOTS;
    memset(out, 0, sizeof *out);
    for (unsigned k = 0; k <= minutes; k++) {
        const struct behavior_slot *slot = slot_at(w, BEHAVIOR_SPAN_HOUR, s - (int64_t)k);
        if (slot == NULL)
            continue;
        if (k < minutes)
            count_slot(out, slot, 1, 1);
        else
            count_slot(out, slot, 60000 - t % 60000, 60000);
    }
}

bool
behavior_window_is_valid(const struct behavior_window *w)
{
    for (int span = 0; span < BEHAVIOR_SPANS; span++) {
        const struct behavior_ring_state *r = &w->ring[span];
        if (r->head < -1)
            return false;
        if (r->head >= 0 && (uint64_t)r->head != r->last_ms / slot_widths[span])
            return false;
    }
    return true;
}
