/* test_behavior_baseline - the learned hourly baseline: profile slots, EWMA folding, zero
 * hours, winsorising, noise floors, warm-up, minimum volume, hysteresis, clock set back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "behavior/behavior_baseline.h"

#define T0 1764547200000ULL /* 2025-12-01 00:00:00 UTC, a Monday */
#define MIN 60000ULL
#define HOUR 3600000ULL
#define DAY 86400000ULL

static const struct behavior_spike_params params = {
    .deviations = 4,
    .min_per_hour = 200,
    .warmup_ms = 7 * DAY,
    .window_min = 10,
    .utc_offset_min = 0,
    .is_bytes = false,
};

static void
assert_near(double got, double want)
{
    if (!(got > want - 1e-6 && got < want + 1e-6))
        fail_msg("%.9f, expected %.9f", got, want);
}

/* steady - count per_hour in the middle of each hour from T0 for n hours */
static void
steady(struct behavior_baseline *bl, const struct behavior_spike_params *p, double per_hour,
       unsigned n)
{
    for (unsigned h = 0; h < n; h++)
        behavior_baseline_add(bl, p, T0 + h * HOUR + 30 * MIN, per_hour);
}

/* test_profile_slots - hour of day, weekday or weekend */
static void
test_profile_slots(void **state)
{
    int64_t h0 = (int64_t)(T0 / HOUR);

    assert_int_equal(behavior_baseline_profile_slot(h0), 0);                /* Monday 00:00 */
    assert_int_equal(behavior_baseline_profile_slot(h0 + 13), 13);          /* Monday 13:00 */
    assert_int_equal(behavior_baseline_profile_slot(h0 + 4 * 24 + 23), 23); /* Friday 23:00 */
    assert_int_equal(behavior_baseline_profile_slot(h0 + 5 * 24), 24);      /* Saturday 00:00 */
    assert_int_equal(behavior_baseline_profile_slot(h0 + 6 * 24 + 23), 47); /* Sunday 23:00 */
    assert_int_equal(behavior_baseline_profile_slot(h0 + 7 * 24), 0);       /* next Monday */
    assert_int_equal(behavior_baseline_profile_slot(0), 0);   /* 1970-01-01, a Thursday */
    assert_int_equal(behavior_baseline_profile_slot(-1), 23); /* Wednesday 23:00 */
}

/* test_steady_folds - equal hours: mean exact, no variance, the first hour left out */
static void
test_steady_folds(void **state)
{
    struct behavior_baseline bl;

    behavior_baseline_init(&bl);
    steady(&bl, &params, 100, 48);
    assert_int_equal(bl.hours, 46); /* hours 1..46: the first is partial, the last still open */
    assert_near(bl.mean, 100);
    assert_near(bl.var, 0);
    assert_int_equal(bl.pn[0], 1);  /* Tuesday 00:00 */
    assert_int_equal(bl.pn[5], 2);  /* Monday and Tuesday 05:00 */
    assert_int_equal(bl.pn[23], 1); /* Monday 23:00 */
    assert_int_equal(bl.pn[24], 0);
    assert_near(bl.hour_count, 100);
    assert_int_equal(bl.first_ms, T0 + 30 * MIN);
}

/* test_expect_floors - with no learned variance the Poisson floor sets the deviation */
static void
test_expect_floors(void **state)
{
    struct behavior_baseline bl;
    struct behavior_spike sp;
    struct behavior_spike_params bytes = params;

    behavior_baseline_init(&bl);
    steady(&bl, &params, 100, 48);
    behavior_baseline_expect(&bl, &params, T0 + 47 * HOUR + 30 * MIN, &sp);
    assert_near(sp.expected, 100);
    assert_near(sp.sd, 24.494897428); /* sqrt(100 * 60 / 10) */
    assert_near(sp.threshold, 100 + 4 * 24.494897428);
    assert_false(sp.profiled); /* two samples a slot: not yet */

    /* a learned deviation above the floors is used as it is */
    behavior_baseline_init(&bl);
    bl.hour = 0;
    bl.mean = 50;
    bl.var = 10000;
    bl.hours = 30;
    behavior_baseline_expect(&bl, &params, T0, &sp);
    assert_near(sp.sd, 100);
    assert_near(sp.threshold, 450);

    /* bytes: no Poisson floor, a quarter of the mean */
    bytes.is_bytes = true;
    bl.mean = 1e6;
    bl.var = 0;
    behavior_baseline_expect(&bl, &bytes, T0, &sp);
    assert_near(sp.sd, 250000);
    assert_near(sp.threshold, 2e6);
}

/* test_profile_used - three samples make a slot ready; the window blends two hours */
static void
test_profile_used(void **state)
{
    struct behavior_baseline bl;
    struct behavior_spike sp;

    behavior_baseline_init(&bl);
    /* 4 days: 100 an hour, except 10:00-11:00 at 1000 */
    for (unsigned h = 0; h < 4 * 24; h++)
        behavior_baseline_add(&bl, &params, T0 + h * HOUR + 30 * MIN, h % 24 == 10 ? 1000 : 100);
    assert_int_equal(bl.pn[10], 4); /* Monday to Thursday */
    /* Thursday 10:30: the last 10 minutes are all in the 10:00 hour */
    behavior_baseline_expect(&bl, &params, T0 + 3 * DAY + 10 * HOUR + 30 * MIN, &sp);
    assert_true(sp.profiled);
    assert_near(sp.expected, 1000);
    /* Thursday 11:05: half in 10:00 (1000), half in 11:00 (100) */
    behavior_baseline_expect(&bl, &params, T0 + 3 * DAY + 11 * HOUR + 5 * MIN, &sp);
    assert_true(sp.profiled);
    assert_near(sp.expected, 550);
}

/* test_decide - warm-up, minimum volume, deviations, hysteresis */
static void
test_decide(void **state)
{
    struct behavior_baseline bl;
    struct behavior_spike sp;
    struct behavior_spike_params p = params;
    uint64_t now = T0 + 47 * HOUR + 30 * MIN;

    behavior_baseline_init(&bl);
    steady(&bl, &p, 100, 48);
    assert_false(behavior_baseline_check(&bl, &p, now, 1000, &sp)); /* in warm-up */
    assert_false(bl.alerting);
    p.warmup_ms = DAY;
    assert_false(behavior_baseline_check(&bl, &p, now, 199, &sp)); /* over threshold, < min */
    assert_false(behavior_baseline_check(&bl, &p, now, 197, &sp));
    p.min_per_hour = 150;
    assert_false(behavior_baseline_check(&bl, &p, now, 197.9, &sp)); /* threshold 197.98 */
    assert_true(behavior_baseline_check(&bl, &p, now, 198, &sp));
    assert_near(sp.current, 198);
    assert_near(sp.expected, 100);
    assert_true(bl.alerting);
    assert_false(behavior_baseline_check(&bl, &p, now, 5000, &sp)); /* same spike */
    assert_false(behavior_baseline_check(&bl, &p, now, 149, &sp));  /* over 148.99: still in */
    assert_true(bl.alerting);
    assert_false(behavior_baseline_check(&bl, &p, now, 148, &sp)); /* released */
    assert_false(bl.alerting);
    assert_true(behavior_baseline_check(&bl, &p, now, 300, &sp)); /* a new spike */
    p.min_per_hour = 0;                                           /* 0: the measure never alerts */
    bl.alerting = false;
    assert_false(behavior_baseline_check(&bl, &p, now, 1e9, &sp));
}

/* test_winsorised - once the hour's slot is ready, one huge hour moves the baseline by a
 * threshold's worth only; before, it is learned as it is */
static void
test_winsorised(void **state)
{
    struct behavior_baseline bl;

    behavior_baseline_init(&bl);
    steady(&bl, &params, 100, 2 * 24 + 6); /* slot 5 has Monday and Tuesday: 2 samples */
    assert_int_equal(bl.pn[5], 2);
    behavior_baseline_add(&bl, &params, T0 + 2 * DAY + 5 * HOUR + 40 * MIN, 9900);
    behavior_baseline_add(&bl, &params, T0 + 2 * DAY + 6 * HOUR + 30 * MIN, 100);
    assert_near(bl.pmean[5], 100 + 0.3 * 9900); /* Wednesday 05:00 learned whole */
    assert_near(bl.mean, 100 + 9900.0 / 24);

    behavior_baseline_init(&bl);
    steady(&bl, &params, 100, 3 * 24 + 6); /* slot 5 ready: Monday to Wednesday */
    assert_int_equal(bl.pn[5], 3);
    behavior_baseline_add(&bl, &params, T0 + 3 * DAY + 5 * HOUR + 40 * MIN, 9900);
    behavior_baseline_add(&bl, &params, T0 + 3 * DAY + 6 * HOUR + 30 * MIN, 100);
    /* cut to 100 + 4 * sd(hourly: sqrt(100)) = 140 */
    assert_near(bl.pmean[5], 100 + 0.3 * 40);
    assert_near(bl.mean, 100 + 40.0 / 24);
}

/* test_gap_and_clock_back - silent hours fold as zeros (at most two weeks); a clock set back
 * keeps counting into the current hour */
static void
test_gap_and_clock_back(void **state)
{
    struct behavior_baseline bl;

    behavior_baseline_init(&bl);
    steady(&bl, &params, 100, 48);
    behavior_baseline_add(&bl, &params, T0 + 47 * HOUR + 50 * MIN - 3 * DAY, 7);
    assert_int_equal(bl.hour, (int64_t)(T0 / HOUR) + 47);
    assert_near(bl.hour_count, 107);
    assert_int_equal(bl.hours, 46);

    behavior_baseline_add(&bl, &params, T0 + 47 * HOUR + 30 * DAY, 1);
    assert_int_equal(bl.hours, 46 + 1 + 14 * 24);
    assert_true(bl.mean < 0.01);
    assert_int_equal(bl.hour, (int64_t)(T0 / HOUR) + 47 + 30 * 24);
}

/* test_utc_offset - the profile's hours are local */
static void
test_utc_offset(void **state)
{
    struct behavior_baseline bl;
    struct behavior_spike_params p = params;

    p.utc_offset_min = 60;
    behavior_baseline_init(&bl);
    behavior_baseline_add(&bl, &p, T0 - 30 * MIN, 1); /* Sunday 23:30 UTC, Monday 00:30 local */
    assert_int_equal(behavior_baseline_profile_slot(bl.hour), 0);
    p.utc_offset_min = 0;
    behavior_baseline_init(&bl);
    behavior_baseline_add(&bl, &p, T0 - 30 * MIN, 1);
    assert_int_equal(behavior_baseline_profile_slot(bl.hour), 47);

    /* a local time before 1970 (found by fuzzing) counts as 1970, and keeps counting */
    p.utc_offset_min = -840;
    behavior_baseline_init(&bl);
    behavior_baseline_add(&bl, &p, 1000, 1);
    behavior_baseline_add(&bl, &p, 2000, 2);
    assert_int_equal(bl.hour, 0);
    assert_near(bl.hour_count, 3);
    assert_true(behavior_baseline_is_valid(&bl));
}

/* test_valid - loaded state with impossible numbers is refused */
static void
test_valid(void **state)
{
    struct behavior_baseline bl;

    behavior_baseline_init(&bl);
    assert_true(behavior_baseline_is_valid(&bl));
    bl.mean = NAN;
    assert_false(behavior_baseline_is_valid(&bl));
    bl.mean = 0;
    bl.var = -1;
    assert_false(behavior_baseline_is_valid(&bl));
    bl.var = 0;
    bl.pmean[47] = INFINITY;
    assert_false(behavior_baseline_is_valid(&bl));
    bl.pmean[47] = 0;
    bl.hour = INT64_MAX;
    assert_false(behavior_baseline_is_valid(&bl));
    bl.hour = -2;
    assert_false(behavior_baseline_is_valid(&bl));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_slots),
        cmocka_unit_test(test_steady_folds),
        cmocka_unit_test(test_expect_floors),
        cmocka_unit_test(test_profile_used),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_winsorised),
        cmocka_unit_test(test_gap_and_clock_back),
        cmocka_unit_test(test_utc_offset),
        cmocka_unit_test(test_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
