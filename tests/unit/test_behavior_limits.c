/* test_behavior_limits - rate limits through the engine: defer and refuse replies naming the
 * limit, per-identity limits, all-or-nothing charging, recipient-domain keys, configuration
 * checks, and a store that cannot be reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "behavior/behavior.h"

#define T0 1764547200000ULL
#define SEC 1000ULL
#define MIN 60000ULL
#define HOUR 3600000ULL

static struct behavior *
engine_with(const struct behavior_limit *limits, size_t n)
{
    struct behavior_config c;
    char err[200] = "";
    struct behavior *b;

    behavior_config_defaults(&c);
    c.limits = limits;
    c.nlimits = n;
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL)
        fail_msg("behavior_new: %s", err);
    return b;
}

/* test_defer_names_limit - the sixth message in an hour is deferred, naming the limit */
static void
test_defer_names_limit(void **state)
{
    const struct behavior_limit lim[] = {
        {.kind = BEHAVIOR_KIND_IDENTITY,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 5,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
    };
    struct behavior *b = engine_with(lim, 1);
    struct behavior_txn txn = {.identity = "App1", .mail_from = "a@example.com"};
    struct behavior_result r;

    for (int i = 0; i < 5; i++) {
        assert_int_equal(behavior_observe(b, &txn, T0 + (uint64_t)i * SEC, &r), BEHAVIOR_ACCEPT);
        assert_string_equal(r.reply, "");
        assert_string_equal(r.limit, "");
    }
    assert_int_equal(behavior_observe(b, &txn, T0 + 5 * SEC, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.reply,
                        "451 4.7.1 Rate limit identity_messages exceeded, try again later");
    assert_string_equal(r.limit, "identity_messages");
    assert_int_equal(r.limit_kind, BEHAVIOR_KIND_IDENTITY);
    assert_string_equal(r.limit_key, "app1");
    assert_int_equal(r.limit_measure, BEHAVIOR_MEASURE_MESSAGES);
    assert_int_equal(r.limit_amount, 5);
    assert_int_equal(r.limit_per_ms, HOUR);
    assert_int_equal(r.retry_ms, 12 * MIN - 5 * SEC); /* a token each 12 minutes */
    assert_false(r.state_unavailable);
    /* a refused transaction is not charged: once a token is back, one more goes through */
    assert_int_equal(behavior_observe(b, &txn, T0 + 12 * MIN, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0 + 12 * MIN + SEC, &r), BEHAVIOR_DEFER);
    /* another identity has its own bucket */
    txn.identity = "app2";
    assert_int_equal(behavior_observe(b, &txn, T0 + 12 * MIN + SEC, &r), BEHAVIOR_ACCEPT);
    behavior_free(b);
}

/* test_check_limits - asking early charges nothing and counts nothing */
static void
test_check_limits(void **state)
{
    const struct behavior_limit lim[] = {
        {.kind = BEHAVIOR_KIND_CLIENT,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 2,
         .per_ms = HOUR,
         .action = BEHAVIOR_REFUSE},
    };
    struct behavior *b = engine_with(lim, 1);
    struct behavior_txn txn = {.client_addr = "192.0.2.5"};
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];

    for (int i = 0; i < 10; i++)
        assert_int_equal(behavior_check_limits(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    behavior_key_sums(b, BEHAVIOR_KIND_CLIENT, "192.0.2.5", T0, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_MINUTE].v[0], 0);
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_check_limits(b, &txn, T0 + SEC, &r), BEHAVIOR_REFUSE);
    assert_string_equal(r.reply, "550 5.7.1 Rate limit client_messages exceeded");
    assert_int_equal(r.nalerts, 0);
    assert_int_equal(behavior_check_limits(b, &txn, T0 + 30 * MIN, &r), BEHAVIOR_ACCEPT);
    behavior_free(b);
}

/* test_refuse_and_precedence - REFUSE decides over DEFER; a named limit keeps its name */
static void
test_refuse_and_precedence(void **state)
{
    const struct behavior_limit lim[] = {
        {.kind = BEHAVIOR_KIND_SENDER,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 1,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
        {.name = "bulk-recipients",
         .kind = BEHAVIOR_KIND_CLIENT,
         .measure = BEHAVIOR_MEASURE_RECIPIENTS,
         .amount = 3,
         .per_ms = HOUR,
         .action = BEHAVIOR_REFUSE},
    };
    struct behavior *b = engine_with(lim, 2);
    const char *rcpts[] = {"a@x.example", "b@x.example"};
    struct behavior_txn txn = {
        .client_addr = "192.0.2.1", .mail_from = "s@example.com", .rcpts = rcpts, .nrcpts = 2};
    struct behavior_result r;

    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    /* both limits are now short: the sender of its message, the client of 2 recipients */
    assert_int_equal(behavior_observe(b, &txn, T0 + SEC, &r), BEHAVIOR_REFUSE);
    assert_string_equal(r.reply, "550 5.7.1 Rate limit bulk-recipients exceeded");
    assert_string_equal(r.limit, "bulk-recipients");
    assert_string_equal(r.limit_key, "192.0.2.1");
    assert_int_equal(r.limit_measure, BEHAVIOR_MEASURE_RECIPIENTS);
    /* with one recipient only the sender's limit is short */
    txn.nrcpts = 1;
    assert_int_equal(behavior_observe(b, &txn, T0 + 2 * SEC, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.limit, "sender_messages");
    behavior_free(b);
}

/* test_all_or_nothing - when one limit refuses, no other bucket is charged */
static void
test_all_or_nothing(void **state)
{
    const struct behavior_limit lim[] = {
        {.name = "A",
         .kind = BEHAVIOR_KIND_IDENTITY,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 2,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
        {.name = "B",
         .kind = BEHAVIOR_KIND_IDENTITY,
         .measure = BEHAVIOR_MEASURE_RECIPIENTS,
         .amount = 5,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
    };
    struct behavior *b = engine_with(lim, 2);
    const char *rcpts[] = {"a@x.example", "b@x.example", "c@y.example"};
    struct behavior_txn txn = {.identity = "id", .rcpts = rcpts, .nrcpts = 3};
    struct behavior_result r;

    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT); /* A 1, B 2 left */
    assert_int_equal(behavior_observe(b, &txn, T0 + 1, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.limit, "B");
    txn.nrcpts = 1;
    assert_int_equal(behavior_observe(b, &txn, T0 + 2, &r), BEHAVIOR_ACCEPT); /* A 0, B 1 */
    assert_int_equal(behavior_observe(b, &txn, T0 + 3, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.limit, "A");
    behavior_free(b);
}

/* test_identity_scoped - a limit naming an identity applies to its transactions only */
static void
test_identity_scoped(void **state)
{
    const struct behavior_limit lim[] = {
        {.name = "app1-per-sender",
         .kind = BEHAVIOR_KIND_SENDER,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 2,
         .per_ms = MIN,
         .action = BEHAVIOR_REFUSE,
         .identity = "app1"},
    };
    struct behavior *b = engine_with(lim, 1);
    struct behavior_txn txn = {.identity = "app1", .mail_from = "x@example.com"};
    struct behavior_result r;

    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_REFUSE);
    txn.mail_from = "y@example.com"; /* another sender of app1: its own bucket */
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    txn.identity = "app2";
    txn.mail_from = "x@example.com"; /* the same sender through app2: not limited */
    for (int i = 0; i < 10; i++)
        assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    txn.identity = NULL;
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    behavior_free(b);
}

/* test_rcpt_domain_and_bytes - a recipient domain counts one message per transaction however
 * many of its recipients; a bytes limit charges the size; a message over burst is refused */
static void
test_rcpt_domain_and_bytes(void **state)
{
    const struct behavior_limit lim[] = {
        {.kind = BEHAVIOR_KIND_RCPT_DOMAIN,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 2,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
        {.kind = BEHAVIOR_KIND_AUTH_USER,
         .measure = BEHAVIOR_MEASURE_BYTES,
         .amount = 1000000,
         .per_ms = HOUR,
         .action = BEHAVIOR_REFUSE},
    };
    struct behavior *b = engine_with(lim, 2);
    const char *rcpts[] = {"a@Gmail.example", "b@gmail.example", "c@gmail.EXAMPLE"};
    struct behavior_txn txn = {.auth_user = "u", .rcpts = rcpts, .nrcpts = 3, .size = 400000};
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];

    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0 + 1, &r), BEHAVIOR_ACCEPT);
    assert_int_equal(behavior_observe(b, &txn, T0 + 2, &r), BEHAVIOR_REFUSE);
    assert_string_equal(r.limit, "auth_user_bytes"); /* refuse decides over defer */
    txn.size = 100;
    assert_int_equal(behavior_observe(b, &txn, T0 + 3, &r), BEHAVIOR_DEFER);
    assert_string_equal(r.limit, "rcpt_domain_messages");
    assert_string_equal(r.limit_key, "gmail.example");
    /* the windows count attempts, refused ones included */
    assert_int_equal(behavior_key_sums(b, BEHAVIOR_KIND_RCPT_DOMAIN, "GMAIL.example", T0 + 4, sums),
                     0);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[BEHAVIOR_MEASURE_MESSAGES], 4);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[BEHAVIOR_MEASURE_RECIPIENTS], 12);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[BEHAVIOR_MEASURE_BYTES], 1200100);
    behavior_key_sums(b, BEHAVIOR_KIND_AUTH_USER, "nobody", T0, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_DAY].v[BEHAVIOR_MEASURE_MESSAGES], 0);
    /* more bytes than the bucket holds: refused, never to be accepted */
    txn.rcpts = NULL;
    txn.nrcpts = 0;
    txn.size = 2000000;
    assert_int_equal(behavior_observe(b, &txn, T0 + 10 * HOUR, &r), BEHAVIOR_REFUSE);
    assert_int_equal(r.retry_ms, UINT64_MAX);
    behavior_free(b);
}

/* test_config_errors - a bad configuration is refused with the field named */
static void
test_config_errors(void **state)
{
    struct {
        struct behavior_limit lim;
        const char *msg;
    } cases[] = {
        {{.kind = BEHAVIOR_KINDS, .amount = 1, .per_ms = 1, .action = BEHAVIOR_DEFER},
         "limits[0].key: unknown key kind"},
        {{.amount = 0, .per_ms = 1, .action = BEHAVIOR_DEFER},
         "limits[0]: amount and burst must be 1..1000000000, per 1 ms..31 days"},
        {{.amount = 1, .per_ms = 32 * 86400000ULL, .action = BEHAVIOR_DEFER},
         "limits[0]: amount and burst must be 1..1000000000, per 1 ms..31 days"},
        {{.amount = 1, .per_ms = 1, .action = BEHAVIOR_ACCEPT},
         "limits[0].action: defer or refuse"},
        {{.name = "has space", .amount = 1, .per_ms = 1, .action = BEHAVIOR_DEFER},
         "limits[0].name: 1..64 of A-Z a-z 0-9 _ . -"},
    };
    struct behavior_config c;
    char err[200];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        behavior_config_defaults(&c);
        c.limits = &cases[i].lim;
        c.nlimits = 1;
        err[0] = '\0';
        assert_null(behavior_new(&c, NULL, err, sizeof err));
        assert_string_equal(err, cases[i].msg);
    }
    behavior_config_defaults(&c);
    c.spike_window_min = 0;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);
    assert_string_equal(err, "spikes.window: 1 to 60 minutes");
    behavior_config_defaults(&c);
    c.spike_deviations = 0;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);
    behavior_config_defaults(&c);
    c.on_state_unavailable = BEHAVIOR_REFUSE;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);
    assert_string_equal(err, "on_state_unavailable: accept or defer");
    behavior_config_defaults(&c);
    c.bounds.max_keys = 0;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);
    behavior_config_defaults(&c);
    c.utc_offset_min = 841;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);

    /* nine limits on one key kind: one more than its buckets */
    struct behavior_limit many[9];
    for (int i = 0; i < 9; i++)
        many[i] = (struct behavior_limit){.amount = 1, .per_ms = 1, .action = BEHAVIOR_DEFER};
    behavior_config_defaults(&c);
    c.limits = many;
    c.nlimits = 9;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), -1);
    assert_string_equal(err, "limits: at most 8 for key identity");
    c.nlimits = 8;
    assert_int_equal(behavior_config_check(&c, err, sizeof err), 0);
    behavior_config_defaults(&c);
    assert_int_equal(behavior_config_check(&c, err, sizeof err), 0);
}

/* a store whose server is down: every call fails */
static int
down_observe(void *ctx, const struct behavior_key *key, uint64_t now_ms,
             const struct behavior_counts *add,
             const struct behavior_spike_params params[BEHAVIOR_MEASURES],
             struct behavior_key_report *out)
{
    (*(int *)ctx)++;
    return -1;
}

static int
down_take(void *ctx, const struct behavior_key *key, unsigned slot,
          const struct behavior_bucket_spec *spec, uint64_t cost, uint64_t now_ms, bool commit,
          bool *taken, uint64_t *retry_ms)
{
    (*(int *)ctx)++;
    return -1;
}

static int
down_first_seen(void *ctx, enum behavior_relation rel, const char *subject, size_t subject_len,
                const char *value, size_t value_len, uint64_t now_ms, uint64_t learning_ms,
                enum behavior_fs_outcome *out)
{
    (*(int *)ctx)++;
    return -1;
}

static int
down_sums(void *ctx, const struct behavior_key *key, uint64_t now_ms,
          struct behavior_counts out[BEHAVIOR_SPANS])
{
    return -1;
}

static int frees;

static void
down_free(void *ctx)
{
    frees++;
}

static const struct behavior_store_ops down_ops = {down_observe, down_take, down_first_seen,
                                                   down_sums, down_free};

/* test_state_unavailable - on_state_unavailable decides, and the result says so */
static void
test_state_unavailable(void **state)
{
    const struct behavior_limit lim[] = {
        {.kind = BEHAVIOR_KIND_IDENTITY,
         .measure = BEHAVIOR_MEASURE_MESSAGES,
         .amount = 5,
         .per_ms = HOUR,
         .action = BEHAVIOR_DEFER},
    };
    struct behavior_config c;
    int calls = 0;
    struct behavior_store store = {&down_ops, &calls};
    struct behavior_txn txn = {.identity = "app1", .client_addr = "192.0.2.1"};
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];
    struct behavior *b;
    char err[200];

    behavior_config_defaults(&c);
    c.limits = lim;
    c.nlimits = 1;
    frees = 0;
    b = behavior_new(&c, &store, err, sizeof err);
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_ACCEPT);
    assert_true(r.state_unavailable);
    assert_string_equal(r.reply, "");
    assert_int_equal(behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "app1", T0, sums), -1);
    assert_int_equal(behavior_save(b, "/nonexistent/x.sqlite", T0, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/x.sqlite: the state is not embedded");
    b = behavior_free(b);
    assert_null(b);
    assert_int_equal(frees, 1);

    c.on_state_unavailable = BEHAVIOR_DEFER;
    b = behavior_new(&c, &store, err, sizeof err);
    calls = 0;
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_DEFER);
    assert_true(r.state_unavailable);
    assert_string_equal(r.reply, "451 4.3.0 Rate limit state unavailable, try again later");
    assert_string_equal(r.limit, "");
    assert_int_equal(r.nalerts, 0);
    assert_int_equal(calls, 1); /* after the first failure the store is left alone */
    /* without limits the first call to fail is the counting */
    behavior_free(b);
    c.nlimits = 0;
    b = behavior_new(&c, &store, err, sizeof err);
    calls = 0;
    assert_int_equal(behavior_observe(b, &txn, T0, &r), BEHAVIOR_DEFER);
    assert_int_equal(calls, 1);
    behavior_free(b);
}

/* test_action_names - stable names for events */
static void
test_action_names(void **state)
{
    assert_string_equal(behavior_action_name(BEHAVIOR_ACCEPT), "accept");
    assert_string_equal(behavior_action_name(BEHAVIOR_DEFER), "defer");
    assert_string_equal(behavior_action_name(BEHAVIOR_REFUSE), "refuse");
    assert_null(behavior_free(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defer_names_limit),     cmocka_unit_test(test_check_limits),
        cmocka_unit_test(test_refuse_and_precedence), cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_identity_scoped),       cmocka_unit_test(test_rcpt_domain_and_bytes),
        cmocka_unit_test(test_config_errors),         cmocka_unit_test(test_state_unavailable),
        cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
