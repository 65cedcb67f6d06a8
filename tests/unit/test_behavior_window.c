/* test_behavior_window - sliding-window arithmetic: slots, interpolation, saturation and clock
 * jumps back and far forward; plus the SipHash test vectors and key normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "behavior/behavior_hash.h"
#include "behavior/behavior_key.h"
#include "behavior/behavior_window.h"

#define T0 1764547200000ULL /* 2025-12-01 00:00:00 UTC, a Monday */
#define SEC 1000ULL
#define MIN 60000ULL
#define HOUR 3600000ULL
#define DAY 86400000ULL

static struct behavior_counts
counts(uint64_t m, uint64_t r, uint64_t b)
{
    struct behavior_counts c = {{m, r, b}};
    return c;
}

static void
assert_sum(const struct behavior_window *w, enum behavior_span span, uint64_t now, uint64_t m,
           uint64_t r, uint64_t b)
{
    struct behavior_counts c;

    behavior_window_sum(w, span, now, &c);
    assert_int_equal(c.v[BEHAVIOR_MEASURE_MESSAGES], m);
    assert_int_equal(c.v[BEHAVIOR_MEASURE_RECIPIENTS], r);
    assert_int_equal(c.v[BEHAVIOR_MEASURE_BYTES], b);
}

/* test_empty - a new window sums to zero at any time */
static void
test_empty(void **state)
{
    struct behavior_window w;

    behavior_window_init(&w);
    for (int s = 0; s < BEHAVIOR_SPANS; s++) {
        assert_sum(&w, s, 0, 0, 0, 0);
        assert_sum(&w, s, T0, 0, 0, 0);
    }
    assert_true(behavior_window_is_valid(&w));
    assert_int_equal(behavior_window_span_ms(BEHAVIOR_SPAN_MINUTE), MIN);
    assert_int_equal(behavior_window_span_ms(BEHAVIOR_SPAN_HOUR), HOUR);
    assert_int_equal(behavior_window_span_ms(BEHAVIOR_SPAN_DAY), DAY);
}

/* test_one_event_ages_out - an event stays whole for a span, then fades over one slot */
static void
test_one_event_ages_out(void **state)
{
    struct behavior_window w;
    struct behavior_counts c = counts(10, 20, 1000);

    behavior_window_init(&w);
    behavior_window_add(&w, T0, &c);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0, 10, 20, 1000);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 59999, 10, 20, 1000);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + MIN, 10, 20, 1000);
    /* half of the 10 s slot is still inside the minute */
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + MIN + 5 * SEC, 5, 10, 500);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + MIN + 9 * SEC, 1, 2, 100);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + MIN + 10 * SEC, 0, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + MIN + 10 * SEC, 10, 20, 1000);
    /* a quarter of the one-minute slot left in the hour */
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + HOUR + 45 * SEC, 2, 5, 250);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + HOUR + MIN, 0, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + HOUR + MIN, 10, 20, 1000);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + DAY + 30 * MIN, 5, 10, 500);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + DAY + HOUR, 0, 0, 0);
}

/* test_steady_minute - one message a second: the minute holds 60 at every moment */
static void
test_steady_minute(void **state)
{
    struct behavior_window w;
    struct behavior_counts one = counts(1, 1, 10);

    behavior_window_init(&w);
    for (uint64_t t = 0; t < 300; t++) {
        behavior_window_add(&w, T0 + t * SEC, &one);
        if (t >= 70) {
            struct behavior_counts c;
            behavior_window_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + t * SEC, &c);
            /* 6 full slots minus what of the leaving slot has left, within one slot's count */
            assert_in_range(c.v[0], 51, 61);
        }
    }
    /* sums are as of the newest time seen (299 s): 60 whole seconds, a tenth of the leaving
     * slot's 10 */
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 290 * SEC, 61, 61, 610);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + 299 * SEC, 300, 300, 3000);
}

/* test_hours_in_day - 30 hourly events: the day holds the last 24 (and part of the 25th) */
static void
test_hours_in_day(void **state)
{
    struct behavior_window w;
    struct behavior_counts c = counts(4, 0, 0);

    behavior_window_init(&w);
    for (uint64_t h = 0; h < 30; h++)
        behavior_window_add(&w, T0 + h * HOUR, &c);
    /* at 29:00 the slot of hour 5 is leaving and is still whole */
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + 29 * HOUR, 100, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + 29 * HOUR + 30 * MIN, 98, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + 30 * HOUR, 96, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + 29 * HOUR + MIN, 4, 0, 0);
}

/* test_recent - the last N minutes, interpolated like the windows */
static void
test_recent(void **state)
{
    struct behavior_window w;
    struct behavior_counts two = counts(2, 2, 200), c;

    behavior_window_init(&w);
    for (uint64_t i = 0; i < 20; i++)
        behavior_window_add(&w, T0 + i * MIN, &two);
    behavior_window_recent(&w, 10, T0 + 19 * MIN + 30 * SEC, &c);
    assert_int_equal(c.v[0], 21); /* minutes 10..19 whole, half of minute 9 */
    assert_int_equal(c.v[2], 2100);
    behavior_window_recent(&w, 1, T0 + 19 * MIN, &c);
    assert_int_equal(c.v[0], 4); /* this minute and the whole previous one */
    behavior_window_recent(&w, 0, T0 + 19 * MIN + 59 * SEC, &c); /* taken as 1 */
    assert_int_equal(c.v[0], 2);
    behavior_window_recent(&w, 600, T0 + 19 * MIN, &c); /* taken as 60 */
    assert_int_equal(c.v[0], 40);
    behavior_window_recent(&w, 10, T0 + 40 * MIN, &c);
    assert_int_equal(c.v[0], 0);
}

/* test_jump_forward - a jump within the day keeps the day; one past it empties everything */
static void
test_jump_forward(void **state)
{
    struct behavior_window w;
    struct behavior_counts five = counts(5, 5, 5), three = counts(3, 3, 3);

    behavior_window_init(&w);
    behavior_window_add(&w, T0, &five);
    behavior_window_add(&w, T0 + 2 * HOUR, &three);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 2 * HOUR, 3, 3, 3);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0 + 2 * HOUR, 3, 3, 3);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0 + 2 * HOUR, 8, 8, 8);

    behavior_window_add(&w, T0 + 3650 * DAY, &three); /* ten years later */
    for (int s = 0; s < BEHAVIOR_SPANS; s++)
        assert_sum(&w, s, T0 + 3650 * DAY, 3, 3, 3);
    assert_true(behavior_window_is_valid(&w));

    /* the largest time the engine passes (2^53 ms) */
    behavior_window_add(&w, 1ULL << 53, &five);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, 1ULL << 53, 5, 5, 5);
    assert_true(behavior_window_is_valid(&w));
}

/* test_jump_back_short - a step back shorter than a span counts into the newest slot */
static void
test_jump_back_short(void **state)
{
    struct behavior_window w;
    struct behavior_counts one = counts(1, 0, 0);

    behavior_window_init(&w);
    behavior_window_add(&w, T0 + 30 * SEC, &one);
    behavior_window_add(&w, T0 + 25 * SEC, &one);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 30 * SEC, 2, 0, 0);
    /* sums are taken as of the newest time seen, so asking earlier changes nothing */
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0, 2, 0, 0);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, 0, 2, 0, 0);
    /* and the two age out together, from the newest slot */
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 30 * SEC + MIN + 10 * SEC, 0, 0, 0);
    assert_true(behavior_window_is_valid(&w));
}

/* test_jump_back_long - a step back longer than a span restarts that span only */
static void
test_jump_back_long(void **state)
{
    struct behavior_window w;
    struct behavior_counts one = counts(1, 1, 1);

    behavior_window_init(&w);
    behavior_window_add(&w, T0 + 2 * MIN, &one);
    behavior_window_add(&w, T0, &one); /* two minutes back */
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0, 1, 1, 1);
    assert_sum(&w, BEHAVIOR_SPAN_HOUR, T0, 2, 2, 2);
    assert_sum(&w, BEHAVIOR_SPAN_DAY, T0, 2, 2, 2);

    behavior_window_add(&w, T0 - 2 * DAY, &one); /* two days back: everything restarts */
    for (int s = 0; s < BEHAVIOR_SPANS; s++)
        assert_sum(&w, s, T0 - 2 * DAY, 1, 1, 1);
    /* time then runs forward again from there */
    behavior_window_add(&w, T0 - 2 * DAY + 20 * SEC, &one);
    assert_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 - 2 * DAY + 20 * SEC, 2, 2, 2);
    assert_true(behavior_window_is_valid(&w));
}

/* test_saturation - counts stop at their type's maximum instead of wrapping */
static void
test_saturation(void **state)
{
    struct behavior_window w;
    struct behavior_counts big = counts(UINT64_MAX, (uint64_t)UINT32_MAX + 5, UINT64_MAX - 1);
    struct behavior_counts c;

    behavior_window_init(&w);
    behavior_window_add(&w, T0, &big);
    behavior_window_add(&w, T0 + 10 * SEC, &big);
    behavior_window_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 10 * SEC, &c);
    assert_int_equal(c.v[0], 2ULL * UINT32_MAX);
    assert_int_equal(c.v[1], 2ULL * UINT32_MAX);
    assert_int_equal(c.v[2], UINT64_MAX);
    behavior_window_add(&w, T0 + 10 * SEC, &big);
    behavior_window_sum(&w, BEHAVIOR_SPAN_MINUTE, T0 + 10 * SEC, &c);
    assert_int_equal(c.v[0], 2ULL * UINT32_MAX);
}

/* test_invalid - inconsistent loaded state is recognised */
static void
test_invalid(void **state)
{
    struct behavior_window w;
    struct behavior_counts one = counts(1, 1, 1);

    behavior_window_init(&w);
    behavior_window_add(&w, T0, &one);
    assert_true(behavior_window_is_valid(&w));
    w.ring[BEHAVIOR_SPAN_HOUR].head++;
    assert_false(behavior_window_is_valid(&w));
    w.ring[BEHAVIOR_SPAN_HOUR].head = -2;
    assert_false(behavior_window_is_valid(&w));
}

/* test_siphash_vectors - the reference implementation's vectors (key 00..0f, input 00..n-1) */
static void
test_siphash_vectors(void **state)
{
    struct behavior_hash_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    unsigned char in[16];

    for (int i = 0; i < 16; i++)
        in[i] = (unsigned char)i;
    assert_int_equal(behavior_hash(&k, in, 0), 0x726fdb47dd0e0e31ULL);
    assert_int_equal(behavior_hash(&k, in, 1), 0x74f839c593dc67fdULL);
    assert_int_equal(behavior_hash(&k, in, 8), 0x93f5f5799a932462ULL);
    assert_int_equal(behavior_hash(&k, in, 15), 0xa129ca6149be45e5ULL);
}

/* test_keys - normalisation, domains and names */
static void
test_keys(void **state)
{
    struct behavior_key k;
    char longer[400];
    size_t len;

    assert_true(behavior_key_set(&k, BEHAVIOR_KIND_SENDER, "Alice@Example.COM", 17));
    assert_string_equal(k.text, "alice@example.com");
    assert_int_equal(k.len, 17);
    assert_false(behavior_key_set(&k, BEHAVIOR_KIND_SENDER, "", 0));
    memset(longer, 'X', sizeof longer);
    assert_true(behavior_key_set(&k, BEHAVIOR_KIND_CLIENT, longer, sizeof longer));
    assert_int_equal(k.len, BEHAVIOR_KEY_MAX);
    assert_int_equal(k.text[0], 'x');
    assert_int_equal(k.text[BEHAVIOR_KEY_MAX], '\0');
    assert_string_equal(behavior_domain_of("a@b@example.org", &len), "example.org");
    assert_int_equal(len, 11);
    assert_null(behavior_domain_of("nodomain", &len));
    assert_null(behavior_domain_of("trailing@", &len));
    assert_null(behavior_domain_of(NULL, &len));
    for (int i = 0; i < BEHAVIOR_KINDS; i++)
        assert_int_equal(behavior_kind_parse(behavior_kind_name(i)), i);
    for (int i = 0; i < BEHAVIOR_MEASURES; i++)
        assert_int_equal(behavior_measure_parse(behavior_measure_name(i)), i);
    assert_int_equal(behavior_kind_parse("nope"), -1);
    assert_string_equal(behavior_kind_name(BEHAVIOR_KINDS), "?");
    assert_string_equal(behavior_relation_name(BEHAVIOR_REL_HOST_DEST), "host_dest_server");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),           cmocka_unit_test(test_one_event_ages_out),
        cmocka_unit_test(test_steady_minute),   cmocka_unit_test(test_hours_in_day),
        cmocka_unit_test(test_recent),          cmocka_unit_test(test_jump_forward),
        cmocka_unit_test(test_jump_back_short), cmocka_unit_test(test_jump_back_long),
        cmocka_unit_test(test_saturation),      cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_siphash_vectors), cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
