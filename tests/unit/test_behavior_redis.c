/* test_behavior_redis - the shared-limit leg as data: the plan of bucket takes (same order and
 * decisions as behavior_observe), the Redis command built from it, the parsing of the script's
 * reply (hand-built hiredis replies), the Redis address, and behavior_observe_decided for
 * answers and for a store that cannot be reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),    cmocka_unit_test(test_cmd),
        cmocka_unit_test(test_parse),   cmocka_unit_test(test_url),
        cmocka_unit_test(test_decided), cmocka_unit_test(test_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
