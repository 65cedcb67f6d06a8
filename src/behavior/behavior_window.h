/*
 * behavior_window - sliding-window counters of messages, recipients and bytes over the last
 * minute, hour and day, in bounded memory.
 *
 * Each window is a ring of sub-buckets (slots): 1 minute = 6 slots of 10 s, 1 hour = 60 of 1 min,
 * 1 day = 24 of 1 h, plus one slot more, the one just leaving the window. The sliding sum is the
 * full slots plus the leaving slot weighted by how much of it is still inside the window
 * (linear interpolation), so the value moves smoothly instead of dropping a whole slot at once.
 * A struct behavior_window is a fixed 1,5 kB whatever the traffic.
 *
 * Time is a parameter: now_ms, milliseconds of wall-clock time (Unix epoch), never read here.
 * Clock jumps: a step forward clears the slots it skips (a jump past the whole window empties
 * it); a step back shorter than a window's span is absorbed (the counts go to its newest slot,
 * and sums are taken as of the newest time seen); a step back longer than the span restarts
 * that window from empty. Counts saturate instead of wrapping.
 *
 * Pure; not thread-safe (one owner).
 */
#ifndef SW_BEHAVIOR_WINDOW_H
#define SW_BEHAVIOR_WINDOW_H

#include <stdint.h>

#include "behavior/behavior_key.h"

enum behavior_span { BEHAVIOR_SPAN_MINUTE, BEHAVIOR_SPAN_HOUR, BEHAVIOR_SPAN_DAY, BEHAVIOR_SPANS };

#define BEHAVIOR_MINUTE_SLOTS 6
#define BEHAVIOR_HOUR_SLOTS 60
#define BEHAVIOR_DAY_SLOTS 24

struct behavior_slot {
    uint32_t messages;
    uint32_t recipients;
    uint64_t bytes;
};

struct behavior_ring_state {
    int64_t head;     /* slot number (time / slot width) of the newest slot; -1 = empty */
    uint64_t last_ms; /* newest time seen by this ring */
};

struct behavior_window {
    struct behavior_ring_state ring[BEHAVIOR_SPANS];
    struct behavior_slot minute[BEHAVIOR_MINUTE_SLOTS + 1];
    struct behavior_slot hour[BEHAVIOR_HOUR_SLOTS + 1];
    struct behavior_slot day[BEHAVIOR_DAY_SLOTS + 1];
};

/* behavior_window_init - empty */
void behavior_window_init(struct behavior_window *w);
/* behavior_window_add - count add at now_ms in every window */
void behavior_window_add(struct behavior_window *w, uint64_t now_ms,
                         const struct behavior_counts *add);
/* behavior_window_sum - the sliding sum of span as of now_ms (interpolated, see above) */
void behavior_window_sum(const struct behavior_window *w, enum behavior_span span, uint64_t now_ms,
                         struct behavior_counts *out);
/* behavior_window_recent - the sliding sum of the last `minutes` minutes (1..60), taken from
 * the hour window's one-minute slots and interpolated the same way */
void behavior_window_recent(const struct behavior_window *w, unsigned minutes, uint64_t now_ms,
                            struct behavior_counts *out);
/* behavior_window_span_ms - width of the window span */
uint64_t behavior_window_span_ms(enum behavior_span span);
/* behavior_window_is_valid - a loaded window is self-consistent (heads, times) */
bool behavior_window_is_valid(const struct behavior_window *w);

#endif
