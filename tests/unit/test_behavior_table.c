/* test_behavior_table - the bounded LRU table (a million keys into ten thousand places) and the
 * first-seen sets (learning, new, known, saturation, clock set back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "behavior/behavior_firstseen.h"
#include "behavior/behavior_table.h"

#define T0 1764547200000ULL
#define DAY 86400000ULL

static const struct behavior_hash_key seed = {1, 2};

struct value {
    uint64_t n;
    char tag[24];
};

static size_t
key_of(char *out, size_t size, unsigned i)
{
    return (size_t)snprintf(out, size, "sender-%u@example.com", i);
}

/* test_get_peek - create once, find again, peek does not create */
static void
test_get_peek(void **state)
{
    struct behavior_table *t = behavior_table_new(4, sizeof(struct value), NULL, &seed);
    bool created = false;
    struct value *v = behavior_table_get(t, "a", 1, &created);

    assert_true(created);
    assert_int_equal(v->n, 0);
    v->n = 7;
    assert_ptr_equal(behavior_table_get(t, "a", 1, &created), v);
    assert_false(created);
    assert_ptr_equal(behavior_table_peek(t, "a", 1), v);
    assert_null(behavior_table_peek(t, "b", 1));
    assert_null(behavior_table_peek(t, "a\0", 2)); /* keys are byte strings */
    assert_int_equal(behavior_table_count(t), 1);
    assert_null(behavior_table_free(t));
    assert_null(behavior_table_free(NULL));
}

static int
collect(const char *key, size_t len, void *value, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%.*s ", (int)len, key);
    return 0;
}

/* test_lru_order - the least recently used goes first; a get refreshes, a peek does not */
static void
test_lru_order(void **state)
{
    struct behavior_table *t = behavior_table_new(3, sizeof(struct value), NULL, &seed);
    char order[64] = "";

    behavior_table_get(t, "a", 1, NULL);
    behavior_table_get(t, "b", 1, NULL);
    behavior_table_get(t, "c", 1, NULL);
    behavior_table_get(t, "a", 1, NULL); /* a is now the newest */
    behavior_table_peek(t, "b", 1);      /* b stays the oldest */
    behavior_table_get(t, "d", 1, NULL); /* sheds b */
    assert_null(behavior_table_peek(t, "b", 1));
    assert_non_null(behavior_table_peek(t, "a", 1));
    assert_int_equal(behavior_table_shed(t), 1);
    behavior_table_each(t, collect, order);
    assert_string_equal(order, "c a d ");
    behavior_table_free(t);
}

/* test_million_keys - 1,000,000 distinct keys into a table of 10,000: the bound holds, the
 * newest 10,000 are the ones kept, every other one was shed */
static void
test_million_keys(void **state)
{
    struct behavior_table *t = behavior_table_new(10000, sizeof(struct value), NULL, &seed);
    char key[64];
    size_t len;

    for (unsigned i = 0; i < 1000000; i++) {
        struct value *v;
        len = key_of(key, sizeof key, i);
        v = behavior_table_get(t, key, len, NULL);
        v->n = i;
        assert_true(behavior_table_count(t) <= 10000);
    }
    assert_int_equal(behavior_table_count(t), 10000);
    assert_int_equal(behavior_table_shed(t), 990000);
    for (unsigned i = 990000; i < 1000000; i += 997) {
        struct value *v;
        len = key_of(key, sizeof key, i);
        v = behavior_table_peek(t, key, len);
        assert_non_null(v);
        assert_int_equal(v->n, i);
    }
    for (unsigned i = 0; i < 990000; i += 9973) {
        len = key_of(key, sizeof key, i);
        assert_null(behavior_table_peek(t, key, len));
    }
    behavior_table_free(t);
}

/* test_hot_key_survives - a key used all along is never shed by a flood of new ones */
static void
test_hot_key_survives(void **state)
{
    struct behavior_table *t = behavior_table_new(100, sizeof(struct value), NULL, &seed);
    char key[64];

    for (unsigned i = 0; i < 100000; i++) {
        size_t len = key_of(key, sizeof key, i);
        behavior_table_get(t, key, len, NULL);
        if (i % 50 == 0)
            ((struct value *)behavior_table_get(t, "hot", 3, NULL))->n++;
    }
    assert_int_equal(((struct value *)behavior_table_peek(t, "hot", 3))->n, 2000);
    assert_int_equal(behavior_table_count(t), 100);
    behavior_table_free(t);
}

static int released;

static void
release_value(void *v)
{
    released++;
}

/* test_release - what a value owns is released when it is shed and when the table is freed */
static void
test_release(void **state)
{
    struct behavior_table *t = behavior_table_new(2, sizeof(struct value), release_value, &seed);

    released = 0;
    behavior_table_get(t, "a", 1, NULL);
    behavior_table_get(t, "b", 1, NULL);
    behavior_table_get(t, "c", 1, NULL);
    assert_int_equal(released, 1);
    behavior_table_free(t);
    assert_int_equal(released, 3);
}

/* test_fs_learning_then_new - values are learned quietly, then a new one is NEW, once */
static void
test_fs_learning_then_new(void **state)
{
    struct behavior_fs_set s = {0};
    uint64_t learn = 14 * DAY;

    assert_int_equal(behavior_fs_set_add(&s, 11, T0, learn, 100), BEHAVIOR_FS_LEARNING);
    assert_int_equal(s.start_ms, T0);
    assert_int_equal(behavior_fs_set_add(&s, 11, T0 + DAY, learn, 100), BEHAVIOR_FS_KNOWN);
    assert_int_equal(behavior_fs_set_add(&s, 12, T0 + learn - 1, learn, 100), BEHAVIOR_FS_LEARNING);
    assert_int_equal(behavior_fs_set_add(&s, 13, T0 + learn, learn, 100), BEHAVIOR_FS_NEW);
    assert_int_equal(behavior_fs_set_add(&s, 13, T0 + learn + 1, learn, 100), BEHAVIOR_FS_KNOWN);
    assert_int_equal(behavior_fs_set_add(&s, 12, T0 + learn + 1, learn, 100), BEHAVIOR_FS_KNOWN);
    assert_true(behavior_fs_set_contains(&s, 11));
    assert_false(behavior_fs_set_contains(&s, 14));
    assert_int_equal(s.n, 3);
    /* a zero hash is a value like any other */
    assert_int_equal(behavior_fs_set_add(&s, 0, T0 + learn + 2, learn, 100), BEHAVIOR_FS_NEW);
    assert_int_equal(behavior_fs_set_add(&s, 0, T0 + learn + 3, learn, 100), BEHAVIOR_FS_KNOWN);
    behavior_fs_set_release(&s);
    assert_int_equal(s.n, 0);
    assert_false(behavior_fs_set_contains(&s, 11));
}

/* test_fs_saturation - past max_values nothing is added and nothing alerts */
static void
test_fs_saturation(void **state)
{
    struct behavior_fs_set s = {0};

    for (uint64_t v = 1; v <= 1000; v++)
        assert_int_equal(behavior_fs_set_add(&s, v * 7919, T0, DAY, 1000), BEHAVIOR_FS_LEARNING);
    assert_int_equal(s.n, 1000);
    assert_true(s.cap <= 2048);
    assert_int_equal(behavior_fs_set_add(&s, 1, T0 + 2 * DAY, DAY, 1000), BEHAVIOR_FS_FULL);
    assert_int_equal(behavior_fs_set_add(&s, 1, T0 + 2 * DAY, DAY, 1000), BEHAVIOR_FS_FULL);
    assert_int_equal(behavior_fs_set_add(&s, 7919, T0 + 2 * DAY, DAY, 1000), BEHAVIOR_FS_KNOWN);
    assert_int_equal(s.n, 1000);
    behavior_fs_set_release(&s);
}

/* test_fs_clock_back - a clock set back before the learning start restarts learning */
static void
test_fs_clock_back(void **state)
{
    struct behavior_fs_set s = {0};

    behavior_fs_set_add(&s, 1, T0, DAY, 10);
    assert_int_equal(behavior_fs_set_add(&s, 2, T0 + 2 * DAY, DAY, 10), BEHAVIOR_FS_NEW);
    assert_int_equal(behavior_fs_set_add(&s, 3, T0 - 5 * DAY, DAY, 10), BEHAVIOR_FS_LEARNING);
    assert_int_equal(s.start_ms, T0 - 5 * DAY);
    assert_int_equal(behavior_fs_set_add(&s, 4, UINT64_MAX, DAY, 10), BEHAVIOR_FS_NEW);
    assert_string_equal(behavior_fs_outcome_name(BEHAVIOR_FS_FULL), "full");
    behavior_fs_set_release(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_peek),      cmocka_unit_test(test_lru_order),
        cmocka_unit_test(test_million_keys),  cmocka_unit_test(test_hot_key_survives),
        cmocka_unit_test(test_release),       cmocka_unit_test(test_fs_learning_then_new),
        cmocka_unit_test(test_fs_saturation), cmocka_unit_test(test_fs_clock_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
