/* test_behavior_redis - the shared-limit leg as data: the plan of bucket takes (same order and
 * decisions as behavior_observe), the Redis command built from it, the parsing of the script's
 * reply (hand-built hiredis replies), the Redis address, and behavior_observe_decided for
 * answers and for a store that cannot be reached; the shared counting and first-seen leg:
 * its plan, command, reply and the answer applied (alerts granted, baselines fed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "behavior/behavior.h"
#include "behavior/behavior_redis.h"

#define T0 1764547200000ULL
#define HOUR 3600000ULL

static const char *const rcpts[] = {"a@dest.example", "b@dest.example", "c@other.example"};

static struct behavior *
engine(const struct behavior_limit *limits, size_t n, enum behavior_action unavailable,
       uint64_t learning_ms)
{
    struct behavior_config c;
    char err[200] = "";
    struct behavior *b;

    behavior_config_defaults(&c);
    c.limits = limits;
    c.nlimits = n;
    c.on_state_unavailable = unavailable;
    c.first_seen_learning_ms = learning_ms;
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL)
        fail_msg("behavior_new: %s", err);
    return b;
}

static const struct behavior_limit two_limits[] = {
    {.kind = BEHAVIOR_KIND_IDENTITY,
     .measure = BEHAVIOR_MEASURE_MESSAGES,
     .amount = 5,
     .per_ms = HOUR,
     .action = BEHAVIOR_DEFER},
    {.name = "domains",
     .kind = BEHAVIOR_KIND_RCPT_DOMAIN,
     .measure = BEHAVIOR_MEASURE_RECIPIENTS,
     .amount = 100,
     .per_ms = HOUR,
     .burst = 10,
     .action = BEHAVIOR_REFUSE,
     .identity = "crm"},
};

static struct behavior_txn
txn(const char *identity)
{
    return (struct behavior_txn){.identity = identity,
                                 .client_addr = "192.0.2.7",
                                 .mail_from = "alice@example.com",
                                 .rcpts = rcpts,
                                 .nrcpts = 3,
                                 .size = 1000};
}

/* test_plan - every applicable bucket, in key order, with its cost; scoped limits only for
 * their identity */
static void
test_plan(void **state)
{
    struct behavior *b = engine(two_limits, 2, BEHAVIOR_ACCEPT, 0);
    struct behavior_plan *p = malloc(sizeof *p);
    struct behavior_txn t = txn("crm");

    assert_int_equal(behavior_plan_limits(b, &t, p), 3);
    assert_string_equal(p->takes[0].name, "identity_messages");
    assert_string_equal(p->takes[0].key.text, "crm");
    assert_int_equal(p->takes[0].cost, 1);
    assert_null(p->takes[0].identity);
    assert_string_equal(p->takes[1].name, "domains");
    assert_string_equal(p->takes[1].key.text, "dest.example");
    assert_int_equal(p->takes[1].cost, 2);
    assert_int_equal(p->takes[1].spec.burst, 10);
    assert_string_equal(p->takes[1].identity, "crm");
    assert_string_equal(p->takes[2].key.text, "other.example");
    assert_int_equal(p->takes[2].cost, 1);

    t = txn("web");
    assert_int_equal(behavior_plan_limits(b, &t, p), 1);
    free(p);
    behavior_free(b);
}

/* test_cmd - EVALSHA sha numkeys keys... then amount, per, burst, cost per key */
static void
test_cmd(void **state)
{
    struct behavior *b = engine(two_limits, 2, BEHAVIOR_ACCEPT, 0);
    struct behavior_plan *p = malloc(sizeof *p);
    struct behavior_txn t = txn("crm");
    struct behavior_redis_cmd cmd = {0};
    char sha[41];

    behavior_redis_script_sha(sha);
    assert_int_equal(strlen(sha), 40);
    assert_int_equal(strspn(sha, "0123456789abcdef"), 40);
    behavior_plan_limits(b, &t, p);
    behavior_redis_take_cmd(p, sha, &cmd);
    assert_int_equal(cmd.argc, 3 + 3 + 4 * 3);
    assert_string_equal(cmd.argv[0], "EVALSHA");
    assert_string_equal(cmd.argv[1], sha);
    assert_string_equal(cmd.argv[2], "3");
    assert_string_equal(cmd.argv[3], "swb:identity_messages:5/3600000/5:identity:crm");
    assert_string_equal(cmd.argv[4], "swb:domains:100/3600000/10@crm:rcpt_domain:dest.example");
    assert_string_equal(cmd.argv[6], "5");
    assert_string_equal(cmd.argv[7], "3600000");
    assert_string_equal(cmd.argv[8], "5");
    assert_string_equal(cmd.argv[9], "1");
    assert_string_equal(cmd.argv[13], "2"); /* two recipients at dest.example */
    assert_int_equal(cmd.argvlen[3], strlen(cmd.argv[3]));

    behavior_redis_take_cmd(p, NULL, &cmd); /* replaces the first */
    assert_string_equal(cmd.argv[0], "EVAL");
    assert_string_equal(cmd.argv[1], behavior_redis_script());
    behavior_redis_cmd_release(&cmd);
    assert_int_equal(cmd.argc, 0);
    free(p);
    behavior_free(b);
}

/* test_parse - the script's reply: n integers, -1 never; anything else is unusable */
static void
test_parse(void **state)
{
    redisReply i0 = {.type = REDIS_REPLY_INTEGER, .integer = 0};
    redisReply i1 = {.type = REDIS_REPLY_INTEGER, .integer = 720000};
    redisReply never = {.type = REDIS_REPLY_INTEGER, .integer = -1};
    redisReply bad = {.type = REDIS_REPLY_INTEGER, .integer = -5};
    redisReply str = {.type = REDIS_REPLY_STRING, .str = "0", .len = 1};
    redisReply *el[] = {&i0, &i1, &never};
    redisReply arr = {.type = REDIS_REPLY_ARRAY, .elements = 3, .element = el};
    redisReply *el2[] = {&i0, &str};
    redisReply arr2 = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = el2};
    redisReply *el3[] = {&bad};
    redisReply arr3 = {.type = REDIS_REPLY_ARRAY, .elements = 1, .element = el3};
    redisReply noscript = {.type = REDIS_REPLY_ERROR,
                           .str = "NOSCRIPT No matching script. Please use EVAL."};
    redisReply oom = {.type = REDIS_REPLY_ERROR, .str = "OOM command not allowed"};
    uint64_t retry[3];

    assert_int_equal(behavior_redis_parse_takes(&arr, 3, retry), 0);
    assert_int_equal(retry[0], 0);
    assert_int_equal(retry[1], 720000);
    assert_true(retry[2] == UINT64_MAX);
    assert_int_equal(behavior_redis_parse_takes(&arr, 2, retry), -1); /* not the plan's size */
    assert_int_equal(behavior_redis_parse_takes(&arr2, 2, retry), -1);
    assert_int_equal(behavior_redis_parse_takes(&arr3, 1, retry), -1);
    assert_int_equal(behavior_redis_parse_takes(&noscript, 1, retry), -1);
    assert_int_equal(behavior_redis_parse_takes(NULL, 0, retry), -1);
    assert_true(behavior_redis_is_noscript(&noscript));
    assert_false(behavior_redis_is_noscript(&oom));
    assert_false(behavior_redis_is_noscript(&i0));
    assert_false(behavior_redis_is_noscript(NULL));
}

/* test_url - redis://HOST:PORT[/DB] */
static void
test_url(void **state)
{
    char host[64];
    uint16_t port;
    unsigned db;

    assert_int_equal(
        behavior_redis_parse_url("redis://127.0.0.1:6379", host, sizeof host, &port, &db), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 6379);
    assert_int_equal(db, 0);
    assert_int_equal(
        behavior_redis_parse_url("redis://[::1]:7000/3", host, sizeof host, &port, &db), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 7000);
    assert_int_equal(db, 3);
    const char *bad[] = {"embedded",          "redis://",         "redis://h",
                         "redis://h:0",       "redis://h:70000",  "redis://:6379",
                         "redis://h:6379/16", "redis://h:6379/x", "redis://h:6379 ",
                         "redis://[::1:6379", "http://h:6379",    "redis://h:6379/1/2",
                         "redis://h: 6379",   "redis://h:+6379",  "redis://h:6379/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (behavior_redis_parse_url(bad[i], host, sizeof host, &port, &db) == 0)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(
        behavior_redis_parse_url("redis://averyveryverylonghostname:1", host, 8, &port, &db), -1);
}

/* test_decided - the deciding limit as behavior_observe picks it: a refuse over a defer,
 * the limit named; taken: accept, counted */
static void
test_decided(void **state)
{
    struct behavior *b = engine(two_limits, 2, BEHAVIOR_ACCEPT, 0);
    struct behavior_plan *p = malloc(sizeof *p);
    struct behavior_txn t = txn("crm");
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];
    uint64_t ok[3] = {0, 0, 0}, blocked[3] = {5000, 0, 90000};

    behavior_plan_limits(b, &t, p);
    assert_int_equal(behavior_observe_decided(b, &t, T0, p, ok, &r), BEHAVIOR_ACCEPT);
    assert_string_equal(r.limit, "");
    assert_false(r.state_unavailable);
    /* learning 0: the first values are new at once (smtp_host, then the two domains) */
    assert_int_equal(r.nalerts, 3);
    assert_int_equal(r.alerts[0].relation, BEHAVIOR_REL_SMTP_HOST);

    assert_int_equal(behavior_observe_decided(b, &t, T0 + 1, p, blocked, &r), BEHAVIOR_REFUSE);
    assert_string_equal(r.limit, "domains");
    assert_string_equal(r.limit_key, "other.example");
    assert_int_equal(r.retry_ms, 90000);
    assert_string_equal(r.reply, "550 5.7.1 Rate limit domains exceeded");
    assert_int_equal(r.nalerts, 0); /* seen before */

    blocked[2] = 0;
    assert_int_equal(behavior_observe_decided(b, &t, T0 + 2, p, blocked, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.limit, "identity_messages");
    assert_string_equal(r.reply,
                        "451 4.7.1 Rate limit identity_messages exceeded, try again later");

    /* every transaction was counted, refused or not: the windows show attempts */
    assert_int_equal(behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "crm", T0 + 3, sums), 0);
    assert_int_equal(sums[0].v[BEHAVIOR_MEASURE_MESSAGES], 3);
    free(p);
    behavior_free(b);
}

/* test_unavailable - no answer: accept with state_unavailable, or 451 4.3.0; counting and
 * first-seen go on in the engine's own store */
static void
test_unavailable(void **state)
{
    struct behavior_plan *p = malloc(sizeof *p);
    struct behavior_txn t = txn("crm");
    struct behavior_result r;

    for (int mode = 0; mode < 2; mode++) {
        struct behavior *b = engine(two_limits, 2, mode ? BEHAVIOR_DEFER : BEHAVIOR_ACCEPT, 0);
        behavior_plan_limits(b, &t, p);
        assert_int_equal(behavior_observe_decided(b, &t, T0, p, NULL, &r),
                         mode ? BEHAVIOR_DEFER : BEHAVIOR_ACCEPT);
        assert_true(r.state_unavailable);
        assert_string_equal(r.limit, "");
        assert_string_equal(r.reply,
                            mode ? "451 4.3.0 Rate limit state unavailable, try again later" : "");
        assert_int_equal(r.nalerts, 3);
        behavior_free(b);
    }
    free(p);
}

/* spike_engine - no limits, no warm-up, learning 0: shared counting and first-seen only */
static struct behavior *
spike_engine(void)
{
    struct behavior_config c;
    char err[200] = "";
    struct behavior *b;

    behavior_config_defaults(&c);
    c.spike_warmup_ms = 0;
    c.first_seen_learning_ms = 0;
    c.seed = (struct behavior_hash_key){1, 2};
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL)
        fail_msg("behavior_new: %s", err);
    return b;
}

/* test_shared_plan - every key of the transaction with its counts, no threshold for a key
 * never seen, and the first-seen values of the enabled relations */
static void
test_shared_plan(void **state)
{
    struct behavior *b = spike_engine();
    struct behavior_shared_plan *sp = malloc(sizeof *sp);
    struct behavior_txn t = txn("crm");

    assert_int_equal(behavior_plan_shared(b, &t, T0 + 90000, sp), 6 + 3);
    assert_int_equal(sp->ncounts, 6);
    assert_int_equal(sp->minute, (T0 + 90000) / 60000);
    assert_int_equal(sp->hour, T0 / HOUR);
    assert_int_equal(sp->window_min, 10);
    assert_int_equal(sp->counts[0].key.kind, BEHAVIOR_KIND_IDENTITY);
    assert_string_equal(sp->counts[0].key.text, "crm");
    assert_int_equal(sp->counts[0].add.v[BEHAVIOR_MEASURE_RECIPIENTS], 3);
    assert_string_equal(sp->counts[4].key.text, "dest.example");
    assert_int_equal(sp->counts[4].add.v[BEHAVIOR_MEASURE_RECIPIENTS], 2);
    for (size_t i = 0; i < sp->ncounts; i++)
        for (int m = 0; m < BEHAVIOR_MEASURES; m++)
            assert_true(sp->counts[i].threshold[m] == -1);
    assert_int_equal(sp->nfs, 3); /* smtp_host, two recipient domains; no AUTH, no dest */
    assert_int_equal(sp->fs[0].rel, BEHAVIOR_REL_SMTP_HOST);
    assert_string_equal(sp->fs[0].subject.text, "");
    assert_string_equal(sp->fs[0].value.text, "192.0.2.7");
    assert_int_equal(sp->fs[0].max_values, 10000); /* max_subjects for smtp_host */
    assert_int_equal(sp->fs[2].rel, BEHAVIOR_REL_IDENTITY_RCPT);
    assert_string_equal(sp->fs[2].subject.text, "crm");
    assert_string_equal(sp->fs[2].value.text, "other.example");
    assert_int_equal(sp->fs[2].max_values, 256);
    free(sp);
    behavior_free(b);
}

/* test_shared_cmd - one script for takes, counts and sets: keys in that order, the value
 * hashes alike whatever the engine's secret seed, the globals last */
static void
test_shared_cmd(void **state)
{
    struct behavior *b = engine(two_limits, 2, BEHAVIOR_ACCEPT, 0);
    struct behavior *b2 = spike_engine();
    struct behavior_plan *p = malloc(sizeof *p);
    struct behavior_shared_plan *sp = malloc(sizeof *sp);
    struct behavior_txn t = txn("crm");
    struct behavior_redis_cmd cmd = {0}, cmd2 = {0};
    size_t nk, a;

    behavior_plan_limits(b, &t, p);
    behavior_plan_shared(b, &t, T0, sp);
    behavior_redis_shared_cmd(p, sp, "sha", &cmd);
    nk = p->n + sp->ncounts + sp->nfs;
    assert_int_equal(nk, 3 + 6 + 3);
    assert_int_equal(cmd.argc, 3 + nk + 4 * p->n + 9 * sp->ncounts + 2 * sp->nfs + 14);
    assert_string_equal(cmd.argv[2], "12");
    assert_string_equal(cmd.argv[6], "swc:identity:crm");
    assert_string_equal(cmd.argv[10], "swc:rcpt_domain:dest.example");
    assert_string_equal(cmd.argv[12], "swf:smtp_host:");
    assert_string_equal(cmd.argv[14], "swf:identity_rcpt_domain:crm");
    a = 3 + nk + 4 * p->n; /* the first key's adds, thresholds, re-arm levels */
    assert_string_equal(cmd.argv[a], "1");
    assert_string_equal(cmd.argv[a + 1], "3");
    assert_string_equal(cmd.argv[a + 2], "1000");
    assert_string_equal(cmd.argv[a + 3], "-1");
    a = 3 + nk + 4 * p->n + 9 * sp->ncounts; /* the first set's value hash and bound */
    assert_int_equal(cmd.argvlen[a], 16);
    assert_int_equal(strspn(cmd.argv[a], "0123456789abcdef"), 16);
    assert_string_equal(cmd.argv[a + 1], "10000");
    assert_string_equal(cmd.argv[cmd.argc - 14], "6");        /* ncounts */
    assert_string_equal(cmd.argv[cmd.argc - 13], "3");        /* nfs */
    assert_string_equal(cmd.argv[cmd.argc - 11], "29409120"); /* T0's minute */
    assert_string_equal(cmd.argv[cmd.argc - 9], "10");        /* window */
    assert_string_equal(cmd.argv[cmd.argc - 8], "600000");    /* a spike marker's hold */
    assert_string_equal(cmd.argv[cmd.argc - 4], "200");       /* min messages per hour */
    assert_string_equal(cmd.argv[cmd.argc - 1], "shared");

    /* another engine (another secret seed) hashes the value alike: one set for the cluster */
    behavior_plan_shared(b2, &t, T0, sp);
    p->n = 0;
    behavior_redis_shared_cmd(p, sp, NULL, &cmd2);
    assert_string_equal(cmd2.argv[0], "EVAL");
    assert_string_equal(cmd2.argv[3 + 9 + 9 * 6], cmd.argv[a]);
    /* with no shared plan it is the take command of before */
    behavior_redis_shared_cmd(p, NULL, "sha", &cmd2);
    assert_int_equal(cmd2.argc, 3);
    behavior_redis_cmd_release(&cmd);
    behavior_redis_cmd_release(&cmd2);
    free(p);
    free(sp);
    behavior_free(b);
    behavior_free(b2);
}

/* test_parse_shared - takes, then 11 integers per key, then one outcome per set; a reply of
 * another shape, a negative count, unknown alert bits or outcomes are unusable */
static void
test_parse_shared(void **state)
{
    struct behavior_shared_plan *sp = calloc(1, sizeof *sp);
    struct behavior_shared_answer *an = malloc(sizeof *an);
    redisReply v[1 + 11 + 2], *el[1 + 11 + 2];
    redisReply arr = {.type = REDIS_REPLY_ARRAY, .elements = 14, .element = el};
    const long long ints[14] = {4000, 7,  9,     7000,          30, 40, 30000,
                                20,   25, 20000, 1764547200000, 1,  1,  2};
    uint64_t retry[1];

    sp->ncounts = 1;
    sp->nfs = 2;
    for (int i = 0; i < 14; i++) {
        v[i] = (redisReply){.type = REDIS_REPLY_INTEGER, .integer = ints[i]};
        el[i] = &v[i];
    }
    assert_int_equal(behavior_redis_parse_shared(&arr, 1, sp, retry, an), 0);
    assert_int_equal(retry[0], 4000);
    assert_int_equal(an->counts[0].recent[BEHAVIOR_MEASURE_MESSAGES], 7);
    assert_int_equal(an->counts[0].recent[BEHAVIOR_MEASURE_BYTES], 7000);
    assert_int_equal(an->counts[0].hour[BEHAVIOR_MEASURE_MESSAGES], 30);
    assert_int_equal(an->counts[0].prev[BEHAVIOR_MEASURE_BYTES], 20000);
    assert_int_equal(an->counts[0].first_ms, 1764547200000ULL);
    assert_int_equal(an->counts[0].alert, 1);
    assert_int_equal(an->fs[0], BEHAVIOR_FS_NEW);
    assert_int_equal(an->fs[1], BEHAVIOR_FS_LEARNING);
    assert_int_equal(behavior_redis_parse_shared(&arr, 2, sp, retry, an), -1); /* shape */
    v[11].integer = 8; /* alert bits past the three measures */
    assert_int_equal(behavior_redis_parse_shared(&arr, 1, sp, retry, an), -1);
    v[11].integer = 0;
    v[13].integer = 4; /* not an outcome */
    assert_int_equal(behavior_redis_parse_shared(&arr, 1, sp, retry, an), -1);
    v[13].integer = 3;
    v[2].integer = -1; /* a count below zero */
    assert_int_equal(behavior_redis_parse_shared(&arr, 1, sp, retry, an), -1);
    v[2] = (redisReply){.type = REDIS_REPLY_STRING, .str = "9", .len = 1};
    assert_int_equal(behavior_redis_parse_shared(&arr, 1, sp, retry, an), -1);
    free(sp);
    free(an);
}

/* test_observe_shared - the alerts Redis granted (and only those), and the baselines learning
 * the cluster's hourly totals: the threshold sent next is the shared history's */
static void
test_observe_shared(void **state)
{
    struct behavior *b = spike_engine();
    struct behavior_plan *p = calloc(1, sizeof *p);
    struct behavior_shared_plan *sp = malloc(sizeof *sp);
    struct behavior_shared_answer *an = calloc(1, sizeof *an);
    struct behavior_txn t = txn("crm");
    struct behavior_result r;
    uint64_t none[1];
    const uint64_t prev[3] = {0, 500, 300}; /* the cluster's totals of the hours that end */

    for (int h = 0; h < 3; h++) {
        behavior_plan_shared(b, &t, T0 + h * HOUR + 60000, sp);
        memset(an, 0, sizeof *an);
        for (size_t i = 0; i < sp->ncounts; i++) {
            an->counts[i].first_ms = T0;
            an->counts[i].hour[BEHAVIOR_MEASURE_MESSAGES] = 100;
            an->counts[i].prev[BEHAVIOR_MEASURE_MESSAGES] = prev[h];
        }
        an->fs[0] = BEHAVIOR_FS_KNOWN;
        an->fs[1] = h == 0 ? BEHAVIOR_FS_NEW : BEHAVIOR_FS_KNOWN;
        an->fs[2] = BEHAVIOR_FS_LEARNING;
        assert_int_equal(behavior_observe_shared(b, &t, p, none, sp, an, &r), BEHAVIOR_ACCEPT);
        assert_false(r.state_unavailable);
        assert_int_equal(r.nalerts, h == 0 ? 1 : 0);
    }
    assert_int_equal(r.nalerts, 0);
    /* the hour of T0 (the key's first) is not learned; the next one is, with the cluster's
     * 300, not this engine's 1: expected 300, sd the Poisson floor sqrt(300 * 60 / 10) */
    behavior_plan_shared(b, &t, T0 + 2 * HOUR + 30 * 60000, sp);
    assert_true(fabs(sp->counts[0].threshold[BEHAVIOR_MEASURE_MESSAGES] - (300 + 4 * sqrt(1800))) <
                0.01);
    assert_true(fabs(sp->counts[0].rearm[BEHAVIOR_MEASURE_MESSAGES] - (300 + 2 * sqrt(1800))) <
                0.01);
    assert_true(sp->counts[0].threshold[BEHAVIOR_MEASURE_RECIPIENTS] == -1); /* off */

    memset(an, 0, sizeof *an);
    an->counts[0].recent[BEHAVIOR_MEASURE_MESSAGES] = 120;
    an->counts[0].alert = 1u << BEHAVIOR_MEASURE_MESSAGES;
    an->counts[1].recent[BEHAVIOR_MEASURE_MESSAGES] = 120; /* past it too, not granted */
    behavior_observe_shared(b, &t, p, none, sp, an, &r);
    assert_int_equal(r.nalerts, 1);
    assert_int_equal(r.alerts[0].type, BEHAVIOR_ALERT_SPIKE);
    assert_int_equal(r.alerts[0].kind, BEHAVIOR_KIND_IDENTITY);
    assert_string_equal(r.alerts[0].key, "crm");
    assert_true(r.alerts[0].spike.current == 720); /* 120 in 10 minutes */
    assert_true(fabs(r.alerts[0].spike.expected - 300) < 0.01);

    /* no answer: this engine counts alone, as behavior_observe_decided */
    assert_int_equal(behavior_observe_shared(b, &t, p, NULL, sp, NULL, &r), BEHAVIOR_ACCEPT);
    assert_true(r.state_unavailable);
    free(p);
    free(sp);
    free(an);
    behavior_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),         cmocka_unit_test(test_cmd),
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_url),
        cmocka_unit_test(test_decided),      cmocka_unit_test(test_unavailable),
        cmocka_unit_test(test_shared_plan),  cmocka_unit_test(test_shared_cmd),
        cmocka_unit_test(test_parse_shared), cmocka_unit_test(test_observe_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
