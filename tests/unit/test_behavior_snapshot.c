/* test_behavior_snapshot - SQLite snapshots: a round trip gives a new engine the same decisions,
 * LRU order survives smaller bounds, and a missing, foreign, truncated or corrupt file is
 * reported and ignored with the engine's state unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behavior/behavior.h"
#include "behavior/behavior_codec.h"

#define T0 1764547200000ULL
#define SEC 1000ULL
#define MIN 60000ULL
#define HOUR 3600000ULL
#define DAY 86400000ULL

struct fixture {
    char dir[64];
    char path[128];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/sw-behavior-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/behavior.sqlite", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char tmp[160];

    unlink(f->path);
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    unlink(tmp);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct behavior *
engine(size_t max_keys)
{
    struct behavior_config c;
    char err[200] = "";
    struct behavior *b;

    behavior_config_defaults(&c);
    c.first_seen_learning_ms = DAY;
    c.bounds.max_keys = max_keys;
    c.seed = (struct behavior_hash_key){42, 43};
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL)
        fail_msg("behavior_new: %s", err);
    return b;
}

static const char *const servers[] = {"mx1.example.net", "mx2.example.net"};

/* baseline_traffic - 8 days at 300/h from one identity and host to two servers */
static void
baseline_traffic(struct behavior *b)
{
    const char *rcpts[] = {"x@example.net"};
    struct behavior_txn txn = {.identity = "app1",
                               .client_addr = "192.0.2.10",
                               .mail_from = "app@example.com",
                               .rcpts = rcpts,
                               .nrcpts = 1,
                               .size = 3000};
    struct behavior_result r;

    for (uint64_t t = T0; t < T0 + 8 * DAY; t += 12 * SEC) {
        txn.dest_server = servers[(t / (12 * SEC)) % 2];
        behavior_observe(b, &txn, t, &r);
        assert_int_equal(r.nalerts, 0);
    }
}

static void
assert_same_result(const struct behavior_result *a, const struct behavior_result *b)
{
    assert_int_equal(a->action, b->action);
    assert_int_equal(a->nalerts, b->nalerts);
    for (size_t i = 0; i < a->nalerts; i++) {
        const struct behavior_alert *x = &a->alerts[i], *y = &b->alerts[i];
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->measure, y->measure);
        assert_int_equal(x->relation, y->relation);
        assert_string_equal(x->key, y->key);
        assert_string_equal(x->value, y->value);
        assert_memory_equal(&x->spike, &y->spike, sizeof x->spike);
    }
}

/* test_round_trip - save, load into a new engine: the same alerts, at the same moments */
static void
test_round_trip(void **state)
{
    struct fixture *f = *state;
    struct behavior *a = engine(1000), *b = engine(1000), *fresh = engine(1000);
    const char *rcpts[] = {"x@example.net"};
    struct behavior_txn txn = {.identity = "app1",
                               .client_addr = "192.0.2.10",
                               .mail_from = "app@example.com",
                               .dest_server = "mx1.example.net",
                               .rcpts = rcpts,
                               .nrcpts = 1,
                               .size = 3000};
    struct behavior_result ra, rb;
    struct behavior_stats sa, sb;
    char err[200] = "", tmp[160];
    size_t alerts = 0, first_seen = 0, fresh_alerts = 0;

    baseline_traffic(a);
    assert_int_equal(behavior_save(a, f->path, T0 + 8 * DAY, err, sizeof err), 0);
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(behavior_load(b, f->path, err, sizeof err), 0);
    behavior_get_stats(a, &sa);
    behavior_get_stats(b, &sb);
    assert_memory_equal(sa.keys, sb.keys, sizeof sa.keys);
    assert_memory_equal(sa.subjects, sb.subjects, sizeof sa.subjects);
    assert_int_equal(sb.keys[BEHAVIOR_KIND_IDENTITY], 1);
    assert_int_equal(sb.keys[BEHAVIOR_KIND_DEST_SERVER], 2);

    /* a 10x spike, then a new server: both engines decide alike, txn by txn */
    for (uint64_t t = T0 + 8 * DAY; t < T0 + 8 * DAY + 2 * HOUR; t += 1200) {
        behavior_observe(a, &txn, t, &ra);
        behavior_observe(b, &txn, t, &rb);
        assert_same_result(&ra, &rb);
        alerts += ra.nalerts;
        behavior_observe(fresh, &txn, t, &rb);
        fresh_alerts += rb.nalerts;
    }
    assert_int_equal(alerts, 6); /* identity, client, sender, sender and rcpt domain, server */
    assert_int_equal(fresh_alerts, 0);   /* without the snapshot: warm-up, learning */
    txn.dest_server = "mx2.example.net"; /* known from before the snapshot */
    behavior_observe(b, &txn, T0 + 9 * DAY, &rb);
    for (size_t i = 0; i < rb.nalerts; i++)
        first_seen += rb.alerts[i].type == BEHAVIOR_ALERT_FIRST_SEEN;
    assert_int_equal(first_seen, 0);
    txn.dest_server = "mx.other.example";
    behavior_observe(a, &txn, T0 + 9 * DAY, &ra);
    behavior_observe(b, &txn, T0 + 9 * DAY, &rb);
    assert_same_result(&ra, &rb);
    assert_int_equal(rb.nalerts, 1);
    assert_int_equal(rb.alerts[0].type, BEHAVIOR_ALERT_FIRST_SEEN);
    assert_string_equal(rb.alerts[0].value, "mx.other.example");
    behavior_free(a);
    behavior_free(b);
    behavior_free(fresh);
}

/* test_smaller_bounds - a snapshot with more keys than the bounds keeps the most recent */
static void
test_smaller_bounds(void **state)
{
    struct fixture *f = *state;
    struct behavior *a = engine(3), *b = engine(2);
    struct behavior_txn txn = {0};
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];
    const char *ids[] = {"a", "b", "c", "b"};
    char err[200];

    for (int i = 0; i < 4; i++) {
        txn.identity = ids[i];
        behavior_observe(a, &txn, T0 + (uint64_t)i * SEC, &r);
    }
    assert_int_equal(behavior_save(a, f->path, T0, err, sizeof err), 0);
    assert_int_equal(behavior_load(b, f->path, err, sizeof err), 0);
    /* used last: a (oldest), c, b: a is the one left out */
    behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "a", T0 + 4 * SEC, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[0], 0);
    behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "b", T0 + 4 * SEC, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[0], 2);
    behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "c", T0 + 4 * SEC, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_HOUR].v[0], 1);
    behavior_free(a);
    behavior_free(b);
}

/* load_fails - the load fails with msg (a prefix after the path) and the state is unchanged */
static void
load_fails(struct fixture *f, const char *msg)
{
    struct behavior *b = engine(100);
    struct behavior_txn txn = {.identity = "kept"};
    struct behavior_result r;
    struct behavior_counts sums[BEHAVIOR_SPANS];
    char err[300] = "", want[300];

    behavior_observe(b, &txn, T0, &r);
    assert_int_equal(behavior_load(b, f->path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: %s", f->path, msg);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\", expected \"%s...\"", err, want);
    behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "kept", T0, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_MINUTE].v[0], 1);
    behavior_observe(b, &txn, T0 + SEC, &r);
    behavior_key_sums(b, BEHAVIOR_KIND_IDENTITY, "kept", T0 + SEC, sums);
    assert_int_equal(sums[BEHAVIOR_SPAN_MINUTE].v[0], 2);
    behavior_free(b);
}

static void
write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

/* save_one - a valid snapshot of a little traffic */
static void
save_one(struct fixture *f)
{
    struct behavior *a = engine(100);
    struct behavior_txn txn = {.identity = "x", .client_addr = "192.0.2.1", .dest_server = "mx"};
    struct behavior_result r;
    char err[200];

    behavior_observe(a, &txn, T0, &r);
    assert_int_equal(behavior_save(a, f->path, T0, err, sizeof err), 0);
    behavior_free(a);
}

static void
run_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* test_missing_and_foreign - no file, garbage, an empty file, another database */
static void
test_missing_and_foreign(void **state)
{
    struct fixture *f = *state;
    unsigned char junk[4096];

    load_fails(f, "unable to open database file");
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 7 + 3);
    write_file(f->path, junk, sizeof junk);
    load_fails(f, "not a behaviour snapshot (file is not a database)");
    write_file(f->path, "", 0);
    load_fails(f, "not a behaviour snapshot (no such table: meta)");
    unlink(f->path);
    run_sql(f->path, "CREATE TABLE meta(x);");
    load_fails(f, "not a behaviour snapshot (no such column: name)");
}

/* test_bad_contents - a valid SQLite file whose contents are not ours to trust */
static void
test_bad_contents(void **state)
{
    struct fixture *f = *state;

    save_one(f);
    run_sql(f->path, "UPDATE meta SET value = 2 WHERE name = 'schema_version';");
    load_fails(f, "schema version is not 1");
    save_one(f);
    run_sql(f->path, "DELETE FROM meta WHERE name = 'fs_seed1';");
    load_fails(f, "meta: schema_version or seed missing");
    save_one(f);
    run_sql(f->path, "UPDATE keys SET state = substr(state, 1, 100);");
    load_fails(f, "keys: a row does not decode");
    save_one(f);
    /* a window head that does not match its time */
    run_sql(f->path, "UPDATE keys SET state = substr(state, 1, 16) || x'7f' || substr(state, 18);");
    load_fails(f, "keys: a row does not decode");
    save_one(f);
    run_sql(f->path, "UPDATE keys SET kind = 'planet';");
    load_fails(f, "keys: a row does not decode");
    save_one(f);
    run_sql(f->path, "UPDATE first_seen SET hashes = x'0102';");
    load_fails(f, "first_seen: a row does not decode");
    save_one(f);
    run_sql(f->path, "UPDATE first_seen SET start_ms = 'soon';");
    load_fails(f, "first_seen: a row does not decode");
    save_one(f);
    run_sql(f->path, "DROP TABLE first_seen;");
    load_fails(f, "first_seen: no such table: first_seen");
}

/* test_truncated_file - a snapshot cut short is refused, whatever the cut */
static void
test_truncated_file(void **state)
{
    struct fixture *f = *state;
    struct behavior *a = engine(100);
    struct behavior *b = engine(100);
    char *data;
    long len;
    FILE *fp;
    char err[300];

    baseline_traffic(a);
    assert_int_equal(behavior_save(a, f->path, T0, err, sizeof err), 0);
    fp = fopen(f->path, "rb");
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    rewind(fp);
    data = malloc((size_t)len);
    assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    assert_true(len > 4096);
    for (long cut = 100; cut < len; cut += len / 7) {
        write_file(f->path, data, (size_t)cut);
        assert_int_equal(behavior_load(b, f->path, err, sizeof err), -1);
    }
    write_file(f->path, data, (size_t)len);
    assert_int_equal(behavior_load(b, f->path, err, sizeof err), 0);
    free(data);
    behavior_free(a);
    behavior_free(b);
}

/* test_save_fails - a place that cannot be written */
static void
test_save_fails(void **state)
{
    struct behavior *a = engine(10);
    char err[300] = "";

    assert_int_equal(behavior_save(a, "/nonexistent-dir/behavior.sqlite", T0, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent-dir/behavior.sqlite.tmp: unable to open database file");
    behavior_free(a);
}

/* test_codec - the encoding's size is fixed, and decodes back to what was encoded */
static void
test_codec(void **state)
{
    struct behavior_mem_key k, back;
    struct behavior_counts c = {{3, 4, 500}};
    struct buf out;

    memset(&k, 0, sizeof k);
    behavior_window_init(&k.window);
    for (int i = 0; i < BEHAVIOR_MEASURES; i++)
        behavior_baseline_init(&k.baseline[i]);
    behavior_window_add(&k.window, T0, &c);
    k.first_ms = T0;
    k.last_ms = T0;
    k.baseline[1].pmean[3] = 2.5f;
    buf_init(&out, 0);
    assert_int_equal(behavior_codec_encode_key(&k, &out), 0);
    assert_int_equal(out.len, behavior_codec_key_size());
    assert_int_equal(behavior_codec_decode_key(out.data, out.len, &back), 0);
    assert_memory_equal(&back.window, &k.window, sizeof k.window);
    assert_true(back.baseline[1].pmean[3] == 2.5f);
    assert_int_equal(back.first_ms, T0);
    assert_int_equal(behavior_codec_decode_key(out.data, out.len - 1, &back), -1);
    buf_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smaller_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
        cmocka_unit_test(test_save_fails),
        cmocka_unit_test(test_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
