/*
 * behavior_baseline - a learned hourly rate for one key and one measure, and the spike
 * decision against it.
 *
 * Learning: counts are summed per clock hour; when an hour ends its total is folded into
 *   - an EWMA of the hourly count and of its variance (alpha 1/24: about a day's memory), and
 *   - a profile of 48 slots, hour of day x (weekday, weekend), each its own EWMA (alpha 0.3:
 *     a few days' memory), used for a slot once it holds BEHAVIOR_PROFILE_MIN samples.
 * Hours without traffic fold as zeros (at most two weeks of them), so a quiet night lowers the
 * night slots. The hour that saw the key's first count is not folded: it is only partly
 * observed. Once its profile slot is ready, a folded hour is cut to that slot's alert
 * threshold (winsorised), so a spike cannot teach the baseline that spikes are normal in one
 * hour; a lasting change of level is still learned, a threshold's worth at a time. Before, the
 * hour is learned as it is: a daily peak is not yet told from a spike.
 *
 * Deciding: the current rate is the count of the last `window_min` minutes scaled to an hour
 * (the caller gives it, from behavior_window_recent). It is compared with the expected rate for
 * the same stretch of time: the profile slots of the hours the stretch covers, blended by
 * overlap, or the global EWMA where a slot is not ready. The deviation used is the learned one,
 * but never less than the Poisson noise of a count over the window (counts) nor a fraction of
 * the mean (10% for counts, 25% for bytes), so perfectly regular traffic does not make a
 * hair trigger. An alert needs: the key past its warm-up, the rate at least `min_per_hour`,
 * and rate > expected + deviations * sd. Hysteresis: after an alert the key stays "in spike"
 * until the rate falls below expected + deviations/2 * sd, and raises no second alert before.
 *
 * Time is a parameter (now_ms, wall clock, Unix epoch ms; utc_offset_min places the hours of
 * the profile in local time). A clock set back keeps counting into the current hour.
 * Pure; not thread-safe. Fixed size (about 0.5 kB).
 */
#ifndef SW_BEHAVIOR_BASELINE_H
#define SW_BEHAVIOR_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#define BEHAVIOR_PROFILE_SLOTS 48
#define BEHAVIOR_PROFILE_MIN 3

struct behavior_spike_params {
    double deviations;   /* k: alert past expected + k * sd */
    double min_per_hour; /* no alert below this rate; 0 = this measure never alerts */
    uint64_t warmup_ms;  /* no alert before the key is this old */
    unsigned window_min; /* minutes of traffic the current rate is taken over (1..60) */
    int utc_offset_min;  /* local time for the profile's hours */
    bool is_bytes;       /* the measure is bytes: no Poisson floor, a wider relative floor */
};

struct behavior_baseline {
    uint64_t first_ms; /* first count: warm-up runs from here */
    int64_t hour;      /* local hour number being summed; -1 before the first count */
    double hour_count; /* its sum so far */
    double mean, var;  /* EWMA of hourly counts */
    uint32_t hours;    /* hours folded */
    bool alerting;     /* in a spike (hysteresis) */
    float pmean[BEHAVIOR_PROFILE_SLOTS];
    float pvar[BEHAVIOR_PROFILE_SLOTS];
    uint8_t pn[BEHAVIOR_PROFILE_SLOTS];
};

/* A spike decision: what the alert carries. */
struct behavior_spike {
    double current;   /* current rate, per hour */
    double expected;  /* baseline rate for this time, per hour */
    double sd;        /* deviation used */
    double threshold; /* expected + deviations * sd */
    bool profiled;    /* expected came from the time-of-day profile */
};

void behavior_baseline_init(struct behavior_baseline *bl);
/* behavior_baseline_add - count `count` at now_ms, folding the hours that ended */
void behavior_baseline_add(struct behavior_baseline *bl, const struct behavior_spike_params *p,
                           uint64_t now_ms, double count);
/* behavior_baseline_expect - expected hourly rate and sd for the window ending at now_ms */
void behavior_baseline_expect(const struct behavior_baseline *bl,
                              const struct behavior_spike_params *p, uint64_t now_ms,
                              struct behavior_spike *out);
/* behavior_baseline_check - decide on a current rate; true when this is a new spike (an alert),
 * with *out filled; updates the hysteresis state */
bool behavior_baseline_check(struct behavior_baseline *bl, const struct behavior_spike_params *p,
                             uint64_t now_ms, double rate, struct behavior_spike *out);
/* behavior_baseline_profile_slot - the profile slot of a local hour number */
unsigned behavior_baseline_profile_slot(int64_t local_hour);
/* behavior_baseline_is_valid - a loaded baseline holds finite, non-negative numbers */
bool behavior_baseline_is_valid(const struct behavior_baseline *bl);

#endif
