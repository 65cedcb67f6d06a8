/* behavior_baseline - EWMA + time-of-day profile of hourly counts, and the spike decision. */
#include "behavior/behavior_baseline.h"

#include <math.h> /* isfinite, a macro: no libm needed */
#include <string.h>

#define HOUR_MS 3600000LL
#define ALPHA (1.0 / 24.0)
#define PROFILE_ALPHA 0.3
#define ZERO_FOLDS_MAX (14 * 24)

void
behavior_baseline_init(struct behavior_baseline *bl)
{
    memset(bl, 0, sizeof *bl);
    bl->hour = -1;
}

/* local_ms - local time; times past 2^53 ms (year 285,000) are taken as that, and local
 * times before 1970 as 1970 (so hour numbers are never negative: -1 means "none yet") */
static int64_t
local_ms(const struct behavior_spike_params *p, uint64_t now_ms)
{
    uint64_t t = now_ms > (1ULL << 53) ? (1ULL << 53) : now_ms;
    int64_t local = (int64_t)t + (int64_t)p->utc_offset_min * 60000;
    return local < 0 ? 0 : local;
}

/* local_hour - the local hour number of a time (floor division: offsets may be negative) */
static int64_t
local_hour(const struct behavior_spike_params *p, uint64_t now_ms)
{
    int64_t t = local_ms(p, now_ms);
    return t / HOUR_MS;
}

unsigned
behavior_baseline_profile_slot(int64_t local_hour_n)
{
    int64_t day = local_hour_n >= 0 ? local_hour_n / 24 : -((-local_hour_n + 23) / 24);
    int64_t hod = local_hour_n - day * 24;
    int64_t dow = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
    bool weekend = dow == 0 || dow == 6;

    return (unsigned)((weekend ? 24 : 0) + hod);
}

/* slot_expect - expected hourly count and variance for one profile slot (global if not ready) */
static bool
slot_expect(const struct behavior_baseline *bl, unsigned slot, double *mean, double *var)
{
    if (bl->pn[slot] >= BEHAVIOR_PROFILE_MIN) {
        *mean = bl->pmean[slot];
        *var = bl->pvar[slot];
        return true;
    }
    *mean = bl->mean;
    *var = bl->var;
    return false;
}

/* root - square root of v >= 0 by Newton's method from an exponent-halving first guess: the
 * layer does not link libm, and the deviation needs no more than double precision */
static double
root(double v)
{
    uint64_t bits;
    double x;

    if (!(v > 0) || !isfinite(v))
        return 0;
    memcpy(&bits, &v, sizeof bits);
    bits = (bits >> 1) + (UINT64_C(1023) << 51); /* halve the exponent: within 6% of the root */
    memcpy(&x, &bits, sizeof x);
    for (int i = 0; i < 6; i++)
        x = 0.5 * (x + v / x);
    return x;
}

/* floor_sd - the deviation used: learned, but not below the noise floors (see the header) */
static double
floor_sd(const struct behavior_spike_params *p, double mean, double var, unsigned window_min)
{
    double rel = p->is_bytes ? 0.25 : 0.10;
    double v = var;

    if (!p->is_bytes && v < mean * 60.0 / window_min)
        v = mean * 60.0 / window_min;
    if (v < rel * mean * rel * mean)
        v = rel * mean * rel * mean;
    if (v < 1.0)
        v = 1.0;
    return root(v);
}

static void
ewma(double *mean, double *var, double x, double alpha)
{
    double d = x - *mean;
    *mean += alpha * d;
    *var = (1.0 - alpha) * (*var + alpha * d * d);
}

/* fold - one finished hour into the EWMA and its profile slot */
static void
fold(struct behavior_baseline *bl, const struct behavior_spike_params *p, int64_t hour, double x)
{
    unsigned slot = behavior_baseline_profile_slot(hour);
    double m, v;

    if (slot_expect(bl, slot, &m, &v)) {
        double cap = m + p->deviations * floor_sd(p, m, v, 60);
        if (x > cap)
            x = cap;
    }
    if (bl->hours == 0) {
        bl->mean = x;
        bl->var = 0;
    } else {
        ewma(&bl->mean, &bl->var, x, ALPHA);
    }
    if (bl->hours < UINT32_MAX)
        bl->hours++;
    if (bl->pn[slot] == 0) {
        bl->pmean[slot] = (float)x;
        bl->pvar[slot] = 0;
    } else {
        m = bl->pmean[slot];
        v = bl->pvar[slot];
        ewma(&m, &v, x, PROFILE_ALPHA);
        bl->pmean[slot] = (float)m;
        bl->pvar[slot] = (float)v;
    }
    if (bl->pn[slot] < UINT8_MAX)
        bl->pn[slot]++;
}

/* roll - fold the hours that ended before local hour h */
static void
roll(struct behavior_baseline *bl, const struct behavior_spike_params *p, int64_t h)
{
    int64_t from;

    if (h <= bl->hour)
        return; /* same hour, or a clock set back: keep summing */
    if (bl->hour != local_hour(p, bl->first_ms))
        fold(bl, p, bl->hour, bl->hour_count);
    from = bl->hour + 1;
    if (h - from > ZERO_FOLDS_MAX)
        from = h - ZERO_FOLDS_MAX;
    for (int64_t k = from; k < h; k++)
        fold(bl, p, k, 0);
    bl->hour = h;
    bl->hour_count = 0;
}

void
behavior_baseline_add(struct behavior_baseline *bl, const struct behavior_spike_params *p,
                      uint64_t now_ms, double count)
{
    int64_t h = local_hour(p, now_ms);

    if (bl->hour < 0) {
        bl->first_ms = now_ms ? now_ms : 1;
        bl->hour = h;
        bl->hour_count = 0;
    }
    roll(bl, p, h);
    bl->hour_count += count;
}

void
behavior_baseline_expect(const struct behavior_baseline *bl, const struct behavior_spike_params *p,
                         uint64_t now_ms, struct behavior_spike *out)
{
    unsigned w = p->window_min < 1 ? 1 : p->window_min > 60 ? 60 : p->window_min;
    int64_t h = local_hour(p, now_ms);
    int64_t t = local_ms(p, now_ms);
    int64_t into = t - h * HOUR_MS; /* ms into the current hour */
    double f = into >= (int64_t)w * 60000 ? 1.0 : (double)into / ((double)w * 60000.0);
    double m1, v1, m0, v0;
    bool r1 = slot_expect(bl, behavior_baseline_profile_slot(h), &m1, &v1);
    bool r0 = slot_expect(bl, behavior_baseline_profile_slot(h - 1), &m0, &v0);

    memset(out, 0, sizeof *out);
    out->expected = f * m1 + (1.0 - f) * m0;
    out->sd = floor_sd(p, out->expected, f * v1 + (1.0 - f) * v0, w);
    out->threshold = out->expected + p->deviations * out->sd;
    out->profiled = r1 && (f >= 1.0 || r0);
}

bool
behavior_baseline_check(struct behavior_baseline *bl, const struct behavior_spike_params *p,
                        uint64_t now_ms, double rate, struct behavior_spike *out)
{
    behavior_baseline_expect(bl, p, now_ms, out);
    out->current = rate;
    if (bl->alerting) {
        if (rate < out->expected + p->deviations / 2.0 * out->sd)
            bl->alerting = false;
        return false;
    }
    if (p->min_per_hour <= 0 || rate < p->min_per_hour)
        return false;
    if (bl->hour < 0 || now_ms < bl->first_ms || now_ms - bl->first_ms < p->warmup_ms ||
        bl->hours == 0)
        return false;
    if (rate <= out->threshold)
        return false;
    bl->alerting = true;
    return true;
}

static bool
ok(double x)
{
    return isfinite(x) && x >= 0;
}

bool
behavior_baseline_is_valid(const struct behavior_baseline *bl)
{
    if (bl->hour < -1 || bl->hour > (int64_t)(1ULL << 53) / HOUR_MS + 24 || !ok(bl->hour_count) ||
        !ok(bl->mean) || !ok(bl->var))
        return false;
    for (int i = 0; i < BEHAVIOR_PROFILE_SLOTS; i++)
        if (!ok(bl->pmean[i]) || !ok(bl->pvar[i]))
            return false;
    return true;
}
