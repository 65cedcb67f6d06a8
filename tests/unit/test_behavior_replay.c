/* test_behavior_replay - synthetic traffic replayed through the engine with a controlled clock:
 * a steady baseline then a 5x spike (exactly one alert, within the detection window), a
 * diurnal and weekly pattern (no alert), first-seen after learning (one alert), and the LRU
 * bound under a flood of keys. No sleeping: time is a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "behavior/behavior.h"

#define T0 1764547200000ULL /* 2025-12-01 00:00:00 UTC, a Monday */
#define SEC 1000ULL
#define MIN 60000ULL
#define HOUR 3600000ULL
#define DAY 86400000ULL

struct tally {
    size_t txns;
    size_t spikes;
    size_t spikes_by_kind[BEHAVIOR_KINDS];
    size_t first_seen;
    uint64_t first_spike_ms;
    struct behavior_alert last_spike;
    struct behavior_alert last_first_seen;
};

static struct behavior *
engine(struct behavior_config *c)
{
    char err[200] = "";
    struct behavior *b;

    c->seed.k0 = 0x1234;
    c->seed.k1 = 0x5678;
    b = behavior_new(c, NULL, err, sizeof err);
    if (b == NULL)
        fail_msg("behavior_new: %s", err);
    return b;
}

static void
tally_result(struct tally *t, const struct behavior_result *r, uint64_t now)
{
    t->txns++;
    for (size_t i = 0; i < r->nalerts; i++) {
        const struct behavior_alert *a = &r->alerts[i];
        if (a->type == BEHAVIOR_ALERT_SPIKE) {
            if (t->spikes++ == 0)
                t->first_spike_ms = now;
            t->spikes_by_kind[a->kind]++;
            t->last_spike = *a;
        } else {
            t->first_seen++;
            t->last_first_seen = *a;
        }
    }
    assert_int_equal(r->alerts_dropped, 0);
}

/* replay - messages at `per_hour(t)` from `from` to `to`, spread evenly: the engine sees one
 * transaction each time the running integral of the rate passes a whole message */
static void
replay(struct behavior *b, const struct behavior_txn *txn, uint64_t from, uint64_t to,
       double (*per_hour)(uint64_t t, void *ctx), void *ctx, struct tally *t)
{
    double due = 0;
    struct behavior_result r;

    for (uint64_t now = from; now < to; now += SEC) {
        due += per_hour(now, ctx) / 3600.0;
        while (due >= 1.0) {
            due -= 1.0;
            behavior_observe(b, txn, now, &r);
            tally_result(t, &r, now);
        }
    }
}

struct steady {
    double base;
    uint64_t spike_from, spike_to;
    double factor;
};

static double
steady_rate(uint64_t t, void *ctx)
{
    const struct steady *s = ctx;
    return t >= s->spike_from && t < s->spike_to ? s->base * s->factor : s->base;
}

/* test_spike_one_alert - 10 days at 600/h, two hours at 5x, two days at 600/h: no alert in
 * the baseline, exactly one at the spike, within the detection window */
static void
test_spike_one_alert(void **state)
{
    struct behavior_config c;
    const char *rcpts[] = {"bob@example.net"};
    struct behavior_txn txn = {.identity = "app1", .rcpts = rcpts, .nrcpts = 1, .size = 2000};
    uint64_t spike = T0 + 10 * DAY + 14 * HOUR + 7 * MIN;
    struct steady s = {600, spike, spike + 2 * HOUR, 5.0};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    c.first_seen_relations = 0;
    b = engine(&c);
    /* rcpt_domain is a key too: count the identity's alerts */
    replay(b, &txn, T0, spike, steady_rate, &s, &t);
    assert_int_equal(t.spikes, 0);
    assert_in_range(t.txns, 600 * 24 * 10 + 8 * 600 - 2, 600 * 24 * 10 + 15 * 600);
    replay(b, &txn, spike, spike + 2 * DAY, steady_rate, &s, &t);
    assert_int_equal(t.spikes_by_kind[BEHAVIOR_KIND_IDENTITY], 1);
    assert_int_equal(t.spikes_by_kind[BEHAVIOR_KIND_RCPT_DOMAIN], 1);
    assert_int_equal(t.spikes, 2);
    assert_true(t.first_spike_ms >= spike);
    assert_true(t.first_spike_ms - spike <= 10 * MIN);
    /* the alert carries the baseline, the current rate and the key */
    assert_int_equal(t.last_spike.measure, BEHAVIOR_MEASURE_MESSAGES);
    assert_true(t.last_spike.spike.expected > 590 && t.last_spike.spike.expected < 610);
    assert_true(t.last_spike.spike.current > t.last_spike.spike.threshold);
    assert_true(t.last_spike.spike.threshold > 800 && t.last_spike.spike.threshold < 900);
    assert_true(t.last_spike.spike.profiled);
    behavior_free(b);
}

/* test_spike_every_key_once - full facts: each key of the transaction alerts once */
static void
test_spike_every_key_once(void **state)
{
    struct behavior_config c;
    const char *rcpts[] = {"a@one.example", "b@two.example", "c@ONE.example"};
    struct behavior_txn txn = {.identity = "app1",
                               .client_addr = "192.0.2.10",
                               .auth_user = "app1-user",
                               .mail_from = "App@Example.com",
                               .tenant = "7d3f0c2e-0000-4000-8000-000000000001",
                               .rcpts = rcpts,
                               .nrcpts = 3,
                               .size = 5000};
    uint64_t spike = T0 + 8 * DAY + 10 * HOUR;
    struct steady s = {400, spike, spike + HOUR, 5.0};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    c.first_seen_relations = 0;
    b = engine(&c);
    replay(b, &txn, T0, spike + DAY, steady_rate, &s, &t);
    for (int k = 0; k < BEHAVIOR_KINDS; k++) {
        size_t want = k == BEHAVIOR_KIND_DEST_SERVER ? 0 : k == BEHAVIOR_KIND_RCPT_DOMAIN ? 2 : 1;
        if (t.spikes_by_kind[k] != want)
            fail_msg("%s: %zu spike alerts, expected %zu", behavior_kind_name(k),
                     t.spikes_by_kind[k], want);
    }
    assert_int_equal(t.spikes, 8);
    assert_true(t.first_spike_ms - spike <= 10 * MIN);
    behavior_free(b);
}

/* test_no_alert_in_warmup - a spike inside the warm-up is learned, not alerted */
static void
test_no_alert_in_warmup(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "new-app"};
    uint64_t spike = T0 + 3 * DAY;
    struct steady s = {600, spike, spike + HOUR, 10.0};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    b = engine(&c);
    replay(b, &txn, T0, T0 + 4 * DAY, steady_rate, &s, &t);
    assert_int_equal(t.spikes, 0);
    behavior_free(b);
}

/* test_min_volume - a 10x jump that stays under min_messages_per_hour does not alert */
static void
test_min_volume(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "quiet"};
    uint64_t spike = T0 + 9 * DAY;
    struct steady s = {12, spike, spike + 3 * HOUR, 10.0};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    b = engine(&c);
    replay(b, &txn, T0, spike + DAY, steady_rate, &s, &t);
    assert_int_equal(t.spikes, 0);
    behavior_free(b);

    /* the same with the minimum lowered alerts once */
    c.spike_min_per_hour[BEHAVIOR_MEASURE_MESSAGES] = 50;
    b = engine(&c);
    memset(&t, 0, sizeof t);
    replay(b, &txn, T0, spike + DAY, steady_rate, &s, &t);
    assert_int_equal(t.spikes, 1);
    behavior_free(b);
}

/* cosine - by its Taylor series after reduction to [-pi, pi]: the tests do not link libm */
static double
cosine(double x)
{
    double term = 1, sum = 1;

    while (x > M_PI)
        x -= 2 * M_PI;
    while (x < -M_PI)
        x += 2 * M_PI;
    for (int n = 1; n < 20; n++) {
        term *= -x * x / ((2 * n - 1) * (2 * n));
        sum += term;
    }
    return sum;
}

/* diurnal: a working-day curve (peak 900/h at 14:00 UTC+1, trough 40/h), weekends at a third */
static double
diurnal_rate(uint64_t t, void *ctx)
{
    double hod = (double)((t + HOUR) % DAY) / (double)HOUR; /* local time, UTC+1 */
    uint64_t day = (t + HOUR) / DAY;
    int dow = (int)((day + 4) % 7); /* 0 = Sunday */
    double v = 470 - 430 * cosine(2 * M_PI * (hod - 2) / 24);

    (void)ctx;
    return dow == 0 || dow == 6 ? v / 3 : v;
}

/* test_diurnal_no_alert - four weeks of a daily and weekly rhythm: never an alert */
static void
test_diurnal_no_alert(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "office", .client_addr = "192.0.2.20"};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    c.utc_offset_min = 60;
    c.first_seen_relations = 0;
    b = engine(&c);
    replay(b, &txn, T0, T0 + 28 * DAY, diurnal_rate, NULL, &t);
    assert_int_equal(t.spikes, 0);
    assert_true(t.txns > 200000);
    behavior_free(b);
}

/* office: steps, not curves: 30/h at night, 800/h from 08:00 to 18:00 local with a lunch dip
 * to 400/h, 30/h all weekend */
static double
office_rate(uint64_t t, void *ctx)
{
    uint64_t local = t + HOUR;
    int hod = (int)(local % DAY / HOUR);
    int dow = (int)((local / DAY + 4) % 7);

    (void)ctx;
    if (dow == 0 || dow == 6 || hod < 8 || hod >= 18)
        return 30;
    return hod == 12 ? 400 : 800;
}

/* test_office_steps_no_alert - three weeks of abrupt opening and closing hours: the rate of
 * the last minutes is compared with the hours it spans, so a step is never a spike */
static void
test_office_steps_no_alert(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "office"};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    c.utc_offset_min = 60;
    b = engine(&c);
    replay(b, &txn, T0, T0 + 21 * DAY, office_rate, NULL, &t);
    assert_int_equal(t.spikes, 0);
    assert_true(t.txns > 100000);
    behavior_free(b);
}

/* test_diurnal_then_spike - the same rhythm still lets a real spike through, once */
static void
test_diurnal_then_spike(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "office"};
    struct tally t = {0};
    struct steady s = {2500, 0, 0, 1.0};
    uint64_t spike = T0 + 15 * DAY + 3 * HOUR; /* a Tuesday night, 04:00 local */
    struct behavior *b;

    behavior_config_defaults(&c);
    c.utc_offset_min = 60;
    b = engine(&c);
    replay(b, &txn, T0, spike, diurnal_rate, NULL, &t);
    assert_int_equal(t.spikes, 0);
    replay(b, &txn, spike, spike + HOUR, steady_rate, &s, &t);
    replay(b, &txn, spike + HOUR, spike + 3 * DAY, diurnal_rate, NULL, &t);
    assert_int_equal(t.spikes, 1);
    assert_true(t.first_spike_ms - spike <= 10 * MIN);
    assert_true(t.last_spike.spike.expected < 200); /* the night's baseline, not the day's */
    behavior_free(b);
}

static void
observe_at(struct behavior *b, const struct behavior_txn *txn, uint64_t now, struct tally *t)
{
    struct behavior_result r;
    behavior_observe(b, txn, now, &r);
    tally_result(t, &r, now);
}

/* test_first_seen_dest - a host's destination servers: learning, then one alert per new one */
static void
test_first_seen_dest(void **state)
{
    struct behavior_config c;
    const char *servers[] = {"mx1.example.net", "mx2.example.net", "mx.example.org"};
    struct behavior_txn txn = {.client_addr = "10.0.0.5"};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    b = engine(&c);
    for (uint64_t d = 0; d < 20; d++)
        for (int i = 0; i < 3; i++) {
            txn.dest_server = servers[i];
            observe_at(b, &txn, T0 + d * DAY + (uint64_t)i * HOUR, &t);
        }
    /* a server first seen inside the learning period is learned quietly */
    txn.dest_server = "mx.learned.example";
    observe_at(b, &txn, T0 + 13 * DAY, &t);
    assert_int_equal(t.first_seen, 0);

    txn.dest_server = "MX.Evil.Example";
    observe_at(b, &txn, T0 + 21 * DAY, &t);
    assert_int_equal(t.first_seen, 1);
    assert_int_equal(t.last_first_seen.relation, BEHAVIOR_REL_HOST_DEST);
    assert_string_equal(t.last_first_seen.key, "10.0.0.5");
    assert_string_equal(t.last_first_seen.value, "mx.evil.example");
    for (int i = 0; i < 5; i++)
        observe_at(b, &txn, T0 + 21 * DAY + (uint64_t)i * MIN, &t);
    txn.dest_server = "mx.learned.example";
    observe_at(b, &txn, T0 + 22 * DAY, &t);
    assert_int_equal(t.first_seen, 1);
    behavior_free(b);
}

/* test_first_seen_relations - new recipient domain for an identity, new AUTH user from a host,
 * a host never seen speaking SMTP; and a relation switched off */
static void
test_first_seen_relations(void **state)
{
    struct behavior_config c;
    const char *r1[] = {"x@partner.example"};
    const char *r2[] = {"x@partner.example", "y@dropbox.invalid", "z@partner.example"};
    struct behavior_txn txn = {.identity = "hr",
                               .client_addr = "192.0.2.7",
                               .auth_user = "hr-app",
                               .rcpts = r1,
                               .nrcpts = 1};
    struct tally t = {0};
    struct behavior *b;

    behavior_config_defaults(&c);
    c.first_seen_learning_ms = 2 * DAY;
    c.first_seen_relations &= ~(1u << BEHAVIOR_REL_HOST_DEST);
    b = engine(&c);
    observe_at(b, &txn, T0, &t);
    observe_at(b, &txn, T0 + 3 * DAY, &t);
    assert_int_equal(t.first_seen, 0);

    txn.rcpts = r2;
    txn.nrcpts = 3;
    observe_at(b, &txn, T0 + 3 * DAY + MIN, &t);
    assert_int_equal(t.first_seen, 1);
    assert_int_equal(t.last_first_seen.relation, BEHAVIOR_REL_IDENTITY_RCPT);
    assert_string_equal(t.last_first_seen.key, "hr");
    assert_string_equal(t.last_first_seen.value, "dropbox.invalid");

    txn.auth_user = "Administrator";
    observe_at(b, &txn, T0 + 3 * DAY + 2 * MIN, &t);
    assert_int_equal(t.first_seen, 2);
    assert_int_equal(t.last_first_seen.relation, BEHAVIOR_REL_HOST_AUTH_USER);
    assert_string_equal(t.last_first_seen.key, "192.0.2.7");
    assert_string_equal(t.last_first_seen.value, "administrator");

    txn.client_addr = "198.51.100.99";
    txn.auth_user = NULL;
    txn.dest_server = "mx.new.example"; /* host_dest is off: no alert for it */
    observe_at(b, &txn, T0 + 3 * DAY + 3 * MIN, &t);
    assert_int_equal(t.first_seen, 3);
    assert_int_equal(t.last_first_seen.relation, BEHAVIOR_REL_SMTP_HOST);
    assert_string_equal(t.last_first_seen.key, "");
    assert_string_equal(t.last_first_seen.value, "198.51.100.99");
    behavior_free(b);
}

/* test_smtp_hosts_past_max_values - the one smtp_host set is bounded by max_subjects, not by
 * the per-subject max_values: a network of many hosts still learns them all */
static void
test_smtp_hosts_past_max_values(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {0};
    struct tally t = {0};
    char host[32];
    struct behavior *b;

    behavior_config_defaults(&c);
    c.bounds.max_values = 4;
    c.bounds.max_subjects = 100;
    c.first_seen_learning_ms = DAY;
    b = engine(&c);
    txn.client_addr = host;
    for (int i = 0; i < 50; i++) {
        snprintf(host, sizeof host, "10.0.0.%d", i);
        observe_at(b, &txn, T0 + (uint64_t)i * MIN, &t);
    }
    snprintf(host, sizeof host, "10.0.0.7");
    observe_at(b, &txn, T0 + 2 * DAY, &t);
    assert_int_equal(t.first_seen, 0);
    snprintf(host, sizeof host, "10.0.9.9");
    observe_at(b, &txn, T0 + 2 * DAY, &t);
    assert_int_equal(t.first_seen, 1);
    assert_string_equal(t.last_first_seen.value, "10.0.9.9");
    /* past max_subjects hosts the set is saturated: no alert, nothing grows */
    for (int i = 0; i < 60; i++) {
        snprintf(host, sizeof host, "10.1.0.%d", i);
        observe_at(b, &txn, T0 + 3 * DAY, &t);
    }
    assert_int_equal(t.first_seen, 1 + 49); /* 49 more fill the set to 100; 11 find it full */
    behavior_free(b);
}

/* test_key_flood_bounded - 200,000 distinct senders through an engine bounded at 1,000 keys a
 * kind: the tables stay at their bound, the newest keys are kept, no alert is raised */
static void
test_key_flood_bounded(void **state)
{
    struct behavior_config c;
    struct behavior_txn txn = {.identity = "app1"};
    struct behavior_stats st;
    struct tally t = {0};
    char from[64];
    struct behavior *b;

    behavior_config_defaults(&c);
    c.bounds.max_keys = 1000;
    c.bounds.max_subjects = 1000;
    b = engine(&c);
    txn.mail_from = from;
    for (unsigned i = 0; i < 200000; i++) {
        snprintf(from, sizeof from, "u%u@d%u.example", i, i % 5000);
        observe_at(b, &txn, T0 + i * 100ULL, &t);
    }
    behavior_get_stats(b, &st);
    assert_int_equal(st.keys[BEHAVIOR_KIND_SENDER], 1000);
    assert_int_equal(st.keys[BEHAVIOR_KIND_SENDER_DOMAIN], 1000);
    assert_int_equal(st.keys[BEHAVIOR_KIND_IDENTITY], 1);
    assert_int_equal(st.shed, (200000 - 1000) + (200000 - 1000));
    assert_int_equal(t.spikes, 0);
    behavior_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spike_one_alert),
        cmocka_unit_test(test_spike_every_key_once),
        cmocka_unit_test(test_no_alert_in_warmup),
        cmocka_unit_test(test_min_volume),
        cmocka_unit_test(test_diurnal_no_alert),
        cmocka_unit_test(test_office_steps_no_alert),
        cmocka_unit_test(test_diurnal_then_spike),
        cmocka_unit_test(test_first_seen_dest),
        cmocka_unit_test(test_first_seen_relations),
        cmocka_unit_test(test_smtp_hosts_past_max_values),
        cmocka_unit_test(test_key_flood_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
