/* test_behavior_bucket - token bucket arithmetic: refill, all-or-nothing, retry times, bounds
 * and clock jumps (back, far forward). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "behavior/behavior_bucket.h"

#define T0 1764547200000ULL
#define MIN 60000ULL
#define HOUR 3600000ULL
#define DAY 86400000ULL

/* ten a minute: one token every 6 s */
static const struct behavior_bucket_spec ten_a_minute = {10, MIN, 10};

/* test_new_bucket_is_full - burst tokens, then a refusal with the time to the next token */
static void
test_new_bucket_is_full(void **state)
{
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0), 10);
    for (int i = 0; i < 10; i++)
        assert_true(behavior_bucket_take(&b, &ten_a_minute, 1, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0, true, &retry));
    assert_int_equal(retry, 6000);
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0), 0);
}

/* test_refill - tokens come back at the configured rate, never past burst */
static void
test_refill(void **state)
{
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0 + 5999, true, &retry));
    assert_int_equal(retry, 1);
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 1, T0 + 6000, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0 + 6000, true, &retry));
    assert_int_equal(retry, 6000);
    /* 3 s of credit kept across calls: half a token */
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0 + 9000, true, &retry));
    assert_int_equal(retry, 3000);
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 1, T0 + 12000, true, &retry));
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0 + 12000 + 30000), 5);
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0 + HOUR), 10);
}

/* test_all_or_nothing - a cost larger than what is there takes nothing */
static void
test_all_or_nothing(void **state)
{
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_take(&b, &ten_a_minute, 8, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 3, T0, true, &retry));
    assert_int_equal(retry, 6000);
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0), 2);
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 2, T0, true, &retry));
    /* a cost over burst can never be met */
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 11, T0 + DAY, true, &retry));
    assert_int_equal(retry, UINT64_MAX);
}

/* test_ask_only - commit false answers without changing the bucket */
static void
test_ask_only(void **state)
{
    struct behavior_bucket b = {0};

    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, T0, false, NULL));
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, T0, false, NULL));
    assert_false(b.used);
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 4, T0, true, NULL));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 7, T0, false, NULL));
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0), 6);
}

/* test_burst_above_rate - a burst larger than the amount per period */
static void
test_burst_above_rate(void **state)
{
    struct behavior_bucket_spec spec = {100, HOUR, 500};
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_take(&b, &spec, 500, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &spec, 1, T0, true, &retry));
    assert_int_equal(retry, 36000); /* 100 an hour: one each 36 s */
    assert_int_equal(behavior_bucket_tokens(&b, &spec, T0 + 2 * HOUR), 200);
    assert_int_equal(behavior_bucket_tokens(&b, &spec, T0 + 10 * HOUR), 500);
}

/* test_clock_back - a step back refills nothing and re-anchors at the earlier time */
static void
test_clock_back(void **state)
{
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0 - HOUR, true, &retry));
    assert_int_equal(retry, 6000);
    /* from the new anchor, time refills as usual: not blocked until the clock catches up */
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 1, T0 - HOUR + 6000, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, T0 - HOUR + 6000, true, &retry));
    /* and a bucket never used is full whatever the time */
    struct behavior_bucket fresh = {0};
    assert_int_equal(behavior_bucket_tokens(&fresh, &ten_a_minute, 0), 10);
}

/* test_clock_far_forward - years later the bucket is full, not more */
static void
test_clock_far_forward(void **state)
{
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, T0, true, &retry));
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, T0 + 36500 * DAY), 10);
    assert_int_equal(behavior_bucket_tokens(&b, &ten_a_minute, UINT64_MAX), 10);
    assert_true(behavior_bucket_take(&b, &ten_a_minute, 10, UINT64_MAX, true, &retry));
    assert_false(behavior_bucket_take(&b, &ten_a_minute, 1, UINT64_MAX, true, &retry));
}

/* test_extremes - the largest specification keeps exact arithmetic */
static void
test_extremes(void **state)
{
    struct behavior_bucket_spec big = {BEHAVIOR_BUCKET_AMOUNT_MAX, BEHAVIOR_BUCKET_PER_MAX,
                                       BEHAVIOR_BUCKET_AMOUNT_MAX};
    struct behavior_bucket b = {0};
    uint64_t retry = 0;

    assert_true(behavior_bucket_spec_is_valid(&big));
    assert_true(behavior_bucket_take(&b, &big, BEHAVIOR_BUCKET_AMOUNT_MAX, T0, true, &retry));
    assert_false(behavior_bucket_take(&b, &big, 1, T0, true, &retry));
    assert_int_equal(retry, 3); /* 31 days / 1e9 = 2.6784 ms, rounded up */
    assert_true(behavior_bucket_take(&b, &big, 1, T0 + 3, true, &retry));
    assert_int_equal(behavior_bucket_tokens(&b, &big, T0 + 100 * DAY), BEHAVIOR_BUCKET_AMOUNT_MAX);
}

/* test_spec_bounds - the validity check */
static void
test_spec_bounds(void **state)
{
    const struct behavior_bucket_spec bad[] = {
        {0, MIN, 1},
        {1, 0, 1},
        {1, MIN, 0},
        {BEHAVIOR_BUCKET_AMOUNT_MAX + 1, MIN, 1},
        {1, BEHAVIOR_BUCKET_PER_MAX + 1, 1},
        {1, MIN, BEHAVIOR_BUCKET_AMOUNT_MAX + 1},
    };
    struct behavior_bucket_spec good = {1, 1, 1};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(behavior_bucket_spec_is_valid(&bad[i]));
    assert_true(behavior_bucket_spec_is_valid(&good));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_bucket_is_full), cmocka_unit_test(test_refill),
        cmocka_unit_test(test_all_or_nothing),     cmocka_unit_test(test_ask_only),
        cmocka_unit_test(test_burst_above_rate),   cmocka_unit_test(test_clock_back),
        cmocka_unit_test(test_clock_far_forward),  cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_spec_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
