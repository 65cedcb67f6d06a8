/* test_events - JSON-lines events: one line each, documented fields and types, safe strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events/events.h"
#include "policy/facts.h"
#include "util/cidr.h"

#define FFFD "\xEF\xBF\xBD"

struct fixture {
    char dir[64];
    char path[96];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/sw-test-events-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/events.jsonl", fx->dir);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* read_lines - the file's lines; each must end in '\n'; returns how many (at most max) */
static size_t
read_lines(const char *path, char **lines, size_t max)
{
    FILE *f = fopen(path, "r");
    char *all;
    long size;
    size_t n = 0;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    all = calloc(1, (size_t)size + 1);
    assert_non_null(all);
    assert_int_equal(fread(all, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    if (size > 0 && all[size - 1] != '\n')
        fail_msg("the last event does not end with a newline");
    for (char *p = all; *p != '\0';) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(n < max);
        lines[n++] = strndup(p, (size_t)(nl - p));
        p = nl + 1;
    }
    free(all);
    return n;
}

/* parse - json_loads of one line, which must be an object */
static json_t *
parse(const char *line)
{
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);

    if (o == NULL)
        fail_msg("not JSON (%s at column %d): %s", err.text, err.column, line);
    assert_true(json_is_object(o));
    return o;
}

static const char *
get_str(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_string(v))
        fail_msg("field %s is not a string", key);
    return json_string_value(v);
}

static json_int_t
get_int(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v))
        fail_msg("field %s is not an integer", key);
    return json_integer_value(v);
}

static void
expect_null(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL)
        fail_msg("field %s is missing", key);
    if (!json_is_null(v))
        fail_msg("field %s is not null", key);
}

/* check_ts - `YYYY-MM-DDTHH:MM:SS.mmmZ`, and close to now */
static void
check_ts(const char *ts)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    struct tm tm;
    time_t t;

    if (strlen(ts) != strlen(pattern))
        fail_msg("ts \"%s\" has the wrong length", ts);
    for (size_t i = 0; pattern[i] != '\0'; i++) {
        bool ok = pattern[i] == 'd' ? isdigit((unsigned char)ts[i]) : ts[i] == pattern[i];
        if (!ok)
            fail_msg("ts \"%s\" does not match %s at %zu", ts, pattern, i);
    }
    memset(&tm, 0, sizeof tm);
    assert_non_null(strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm));
    t = timegm(&tm);
    if (llabs((long long)(t - time(NULL))) > 60)
        fail_msg("ts \"%s\" is not the current UTC time", ts);
}

/* gateway_conn - the facts of a TLS connection with a client certificate, authenticated */
static void
gateway_conn(struct conn_facts *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->conn_id, sizeof c->conn_id, "1c2f.3");
    c->frontend = "gateway";
    c->worker = 7215;
    assert_int_equal(ip_addr_parse("192.0.2.10", &c->client_ip), 0);
    snprintf(c->client_addr, sizeof c->client_addr, "192.0.2.10");
    c->client_port = 50144;
    snprintf(c->local_addr, sizeof c->local_addr, "127.0.0.1");
    c->local_port = 2525;
    c->listener_tls = "starttls";
    c->tls.active = true;
    snprintf(c->tls.version, sizeof c->tls.version, "TLSv1.3");
    snprintf(c->tls.cipher, sizeof c->tls.cipher, "TLS_AES_256_GCM_SHA384");
    c->tls.has_cert = true;
    c->tls.cert_verified = true;
    snprintf(c->tls.cert_subject, sizeof c->tls.cert_subject, "CN=laptop,O=Example");
    snprintf(c->tls.cert_issuer, sizeof c->tls.cert_issuer, "CN=Example CA");
    snprintf(c->tls.cert_sha256, sizeof c->tls.cert_sha256, "%064d", 0);
    c->tls.cert_sha256[0] = 'a';
    snprintf(c->helo, sizeof c->helo, "laptop.example.com");
    snprintf(c->auth_user, sizeof c->auth_user, "alice");
    snprintf(c->auth_mech, sizeof c->auth_mech, "PLAIN");
}

/* check_common - the fields every event carries, with the values gateway_conn() set */
static void
check_common(const json_t *o, const char *event)
{
    check_ts(get_str(o, "ts"));
    assert_string_equal(get_str(o, "event"), event);
    assert_string_equal(get_str(o, "frontend"), "gateway");
    assert_string_equal(get_str(o, "conn_id"), "1c2f.3");
    assert_int_equal(get_int(o, "worker"), 7215);
    assert_string_equal(get_str(o, "client_addr"), "192.0.2.10");
    assert_int_equal(get_int(o, "client_port"), 50144);
    assert_string_equal(get_str(o, "local_addr"), "127.0.0.1");
    assert_int_equal(get_int(o, "local_port"), 2525);
    assert_string_equal(get_str(o, "auth_mech"), "PLAIN");
}

/* test_transaction_and_connection - both events, every documented field, one line each */
static void
test_transaction_and_connection(void **state)
{
    struct fixture *fx = *state;
    struct event_sink *s = event_sink_open(fx->path);
    struct conn_facts c;
    struct txn_facts t;
    struct verdict v;
    struct smtp_reply next_hop, refused;
    const char *viol[] = {"pipelining_without_ehlo", "bare_lf"};
    struct conn_summary sum = {.transactions = 2,
                               .auth_failures = 1,
                               .close_reason = "quit",
                               .duration_ms = 1234,
                               .violations = viol,
                               .nviolations = 2};
    char *lines[4];
    json_t *o, *tls, *cert, *a;

    assert_non_null(s);
    gateway_conn(&c);
    txn_facts_init(&t, 1);
    snprintf(t.mail_from, sizeof t.mail_from, "alice@example.com");
    txn_facts_add_rcpt(&t, "bob@example.net");
    txn_facts_add_rcpt(&t, "carol@example.net");
    memset(&refused, 0, sizeof refused);
    refused.code = 550;
    snprintf(refused.enh, sizeof refused.enh, "5.1.1");
    snprintf(refused.text, sizeof refused.text, "No such user");
    txn_facts_add_refusal(&t, "nobody@example.net", &refused);
    t.size = 612;
    verdict_set(&v, VERDICT_ACCEPT, "relayed", 250, "2.0.0", "Ok: queued as %s", "4F2");
    memset(&next_hop, 0, sizeof next_hop);
    next_hop.code = 250;
    snprintf(next_hop.enh, sizeof next_hop.enh, "2.0.0");
    snprintf(next_hop.text, sizeof next_hop.text, "Ok: queued as 4F2");

    event_transaction(s, &c, &t, &v, &next_hop);
    event_connection(s, &c, &sum);
    assert_null(event_sink_close(s));
    txn_facts_release(&t);

    assert_int_equal(read_lines(fx->path, lines, 4), 2);

    /* transaction */
    o = parse(lines[0]);
    check_common(o, "transaction");
    tls = json_object_get(o, "tls");
    assert_true(json_is_object(tls));
    assert_string_equal(get_str(tls, "version"), "TLSv1.3");
    assert_string_equal(get_str(tls, "cipher"), "TLS_AES_256_GCM_SHA384");
    cert = json_object_get(tls, "client_cert");
    assert_true(json_is_object(cert));
    assert_string_equal(get_str(cert, "subject"), "CN=laptop,O=Example");
    assert_string_equal(get_str(cert, "issuer"), "CN=Example CA");
    assert_string_equal(get_str(cert, "sha256"), c.tls.cert_sha256);
    assert_true(json_is_true(json_object_get(cert, "verified")));
    assert_string_equal(get_str(o, "helo"), "laptop.example.com");
    assert_string_equal(get_str(o, "auth_user"), "alice");
    assert_int_equal(get_int(o, "txn"), 1);
    assert_string_equal(get_str(o, "mail_from"), "alice@example.com");
    a = json_object_get(o, "rcpt_to");
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "bob@example.net");
    assert_string_equal(json_string_value(json_array_get(a, 1)), "carol@example.net");
    a = json_object_get(o, "rcpt_refused");
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(get_str(json_array_get(a, 0), "addr"), "nobody@example.net");
    assert_string_equal(get_str(json_array_get(a, 0), "reply"), "550 5.1.1 No such user");
    assert_int_equal(get_int(o, "size"), 612);
    assert_string_equal(get_str(o, "verdict"), "accept");
    assert_string_equal(get_str(o, "reason"), "relayed");
    assert_string_equal(get_str(o, "reply"), "250 2.0.0 Ok: queued as 4F2");
    assert_string_equal(get_str(o, "next_hop_reply"), "250 2.0.0 Ok: queued as 4F2");
    /* no password field of any kind */
    assert_null(json_object_get(o, "password"));
    assert_null(strstr(lines[0], "password"));
    json_decref(o);

    /* connection */
    o = parse(lines[1]);
    check_common(o, "connection");
    assert_true(json_is_object(json_object_get(o, "tls")));
    assert_string_equal(get_str(o, "listener_tls"), "starttls");
    assert_int_equal(get_int(o, "transactions"), 2);
    assert_int_equal(get_int(o, "auth_failures"), 1);
    a = json_object_get(o, "violations");
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "pipelining_without_ehlo");
    assert_string_equal(json_string_value(json_array_get(a, 1)), "bare_lf");
    assert_int_equal(get_int(o, "duration_ms"), 1234);
    assert_string_equal(get_str(o, "close_reason"), "quit");
    assert_null(json_object_get(o, "txn"));
    json_decref(o);

    free(lines[0]);
    free(lines[1]);
}

/* test_nulls - clear text, no AUTH, no HELO, null sender, refused, no next hop reply */
static void
test_nulls(void **state)
{
    struct fixture *fx = *state;
    struct event_sink *s = event_sink_open(fx->path);
    struct conn_facts c;
    struct txn_facts t;
    struct verdict v;
    struct conn_summary sum = {.close_reason = "client_closed"};
    char *lines[4];
    json_t *o;

    assert_non_null(s);
    gateway_conn(&c);
    memset(&c.tls, 0, sizeof c.tls);
    c.helo[0] = '\0';
    c.auth_user[0] = '\0';
    c.auth_mech[0] = '\0';
    c.listener_tls = "none";
    txn_facts_init(&t, 2);
    verdict_set(&v, VERDICT_REJECT, "relay_denied", 554, "5.7.1",
                "Relay access denied: client %s is not authenticated", c.client_addr);

    event_transaction(s, &c, &t, &v, NULL);
    c.tls.active = true; /* TLS without a client certificate */
    snprintf(c.tls.version, sizeof c.tls.version, "TLSv1.2");
    snprintf(c.tls.cipher, sizeof c.tls.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
    event_connection(s, &c, &sum);
    event_sink_close(s);

    assert_int_equal(read_lines(fx->path, lines, 4), 2);
    o = parse(lines[0]);
    expect_null(o, "tls");
    expect_null(o, "helo");
    expect_null(o, "auth_user");
    expect_null(o, "auth_mech");
    expect_null(o, "next_hop_reply");
    assert_int_equal(get_int(o, "txn"), 2);
    assert_string_equal(get_str(o, "mail_from"), ""); /* the null sender <> */
    assert_int_equal(json_array_size(json_object_get(o, "rcpt_to")), 0);
    assert_true(json_is_array(json_object_get(o, "rcpt_refused")));
    assert_int_equal(json_array_size(json_object_get(o, "rcpt_refused")), 0);
    assert_int_equal(get_int(o, "size"), 0);
    assert_string_equal(get_str(o, "verdict"), "reject");
    assert_string_equal(get_str(o, "reason"), "relay_denied");
    assert_string_equal(get_str(o, "reply"),
                        "554 5.7.1 Relay access denied: client 192.0.2.10 is not authenticated");
    json_decref(o);

    o = parse(lines[1]);
    assert_string_equal(get_str(json_object_get(o, "tls"), "version"), "TLSv1.2");
    expect_null(json_object_get(o, "tls"), "client_cert");
    assert_string_equal(get_str(o, "listener_tls"), "none");
    assert_int_equal(get_int(o, "transactions"), 0);
    assert_int_equal(json_array_size(json_object_get(o, "violations")), 0);
    assert_true(json_is_array(json_object_get(o, "violations")));
    assert_string_equal(get_str(o, "close_reason"), "client_closed");
    json_decref(o);
    free(lines[0]);
    free(lines[1]);
}

/* expect_replaced - the string holds U+FFFD where invalid bytes were */
static void
expect_replaced(const char *got, const char *field)
{
    if (strstr(got, FFFD) == NULL)
        fail_msg("%s \"%s\" has no U+FFFD", field, got);
}

/* test_invalid_utf8 - bytes a peer chose become valid JSON with U+FFFD; still one line each */
static void
test_invalid_utf8(void **state)
{
    struct fixture *fx = *state;
    struct event_sink *s = event_sink_open(fx->path);
    struct conn_facts c;
    struct txn_facts t;
    struct verdict v;
    struct smtp_reply next_hop, r;
    const char *viol[] = {"nul\xFF"};
    struct conn_summary sum = {
        .close_reason = "protocol_error", .violations = viol, .nviolations = 1};
    char *lines[4];
    json_t *o, *a;

    assert_non_null(s);
    gateway_conn(&c);
    snprintf(c.helo, sizeof c.helo, "bad\xFF\xFEhelo\r\n{\"fake\":1}");
    snprintf(c.auth_user, sizeof c.auth_user, "J\xF6rg");
    snprintf(c.tls.cert_subject, sizeof c.tls.cert_subject, "CN=\xC0\x80");
    txn_facts_init(&t, 1);
    snprintf(t.mail_from, sizeof t.mail_from, "a\xC0\x80@example.com");
    txn_facts_add_rcpt(&t, "\xED\xA0\x80r@example.net");
    txn_facts_add_rcpt(&t, "\xF4\x90\x80\x80@example.net");
    txn_facts_add_rcpt(&t, "\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90@\xEC\x98\x88\xEC\x8B\x9C.kr");
    memset(&r, 0, sizeof r);
    r.code = 550;
    snprintf(r.text, sizeof r.text, "unknown \xE2\x82");
    txn_facts_add_refusal(&t, "x\x80y@example.net", &r);
    verdict_set(&v, VERDICT_REJECT, "next_hop_rejected", 550, "5.7.0", "Rejected:\nline two \xFF");
    memset(&next_hop, 0, sizeof next_hop);
    next_hop.code = 550;
    snprintf(next_hop.enh, sizeof next_hop.enh, "5.7.0");
    snprintf(next_hop.text, sizeof next_hop.text, "Rejected:\nline two \xFF");

    event_transaction(s, &c, &t, &v, &next_hop);
    event_connection(s, &c, &sum);
    event_sink_close(s);
    txn_facts_release(&t);

    assert_int_equal(read_lines(fx->path, lines, 4), 2);
    for (int i = 0; i < 2; i++) {
        /* JSON_ENSURE_ASCII or not, the line itself must be valid JSON text */
        o = parse(lines[i]);
        expect_replaced(get_str(o, "helo"), "helo");
        assert_non_null(strstr(get_str(o, "helo"), "helo\r\n{\"fake\":1}"));
        assert_null(json_object_get(o, "fake"));
        expect_replaced(get_str(o, "auth_user"), "auth_user");
        expect_replaced(
            get_str(json_object_get(json_object_get(o, "tls"), "client_cert"), "subject"),
            "tls.client_cert.subject");
        json_decref(o);
    }

    o = parse(lines[0]);
    expect_replaced(get_str(o, "mail_from"), "mail_from");
    assert_non_null(strstr(get_str(o, "mail_from"), "@example.com"));
    a = json_object_get(o, "rcpt_to");
    assert_int_equal(json_array_size(a), 3);
    expect_replaced(json_string_value(json_array_get(a, 0)), "rcpt_to[0]");
    expect_replaced(json_string_value(json_array_get(a, 1)), "rcpt_to[1]");
    /* valid non-ASCII is kept as it was */
    assert_string_equal(json_string_value(json_array_get(a, 2)),
                        "\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90@\xEC\x98\x88\xEC\x8B\x9C.kr");
    a = json_object_get(o, "rcpt_refused");
    expect_replaced(get_str(json_array_get(a, 0), "addr"), "rcpt_refused.addr");
    expect_replaced(get_str(json_array_get(a, 0), "reply"), "rcpt_refused.reply");
    expect_replaced(get_str(o, "reply"), "reply");
    assert_non_null(strstr(get_str(o, "reply"), "550 5.7.0 Rejected:\nline two "));
    expect_replaced(get_str(o, "next_hop_reply"), "next_hop_reply");
    json_decref(o);

    o = parse(lines[1]);
    expect_replaced(json_string_value(json_array_get(json_object_get(o, "violations"), 0)),
                    "violations[0]");
    json_decref(o);
    free(lines[0]);
    free(lines[1]);
}

/* test_append_and_many - a reopened sink appends; hundreds of events stay one per line */
static void
test_append_and_many(void **state)
{
    struct fixture *fx = *state;
    struct conn_facts c;
    struct conn_summary sum = {.close_reason = "quit"};
    char *lines[1100];
    size_t n;

    gateway_conn(&c);
    for (int round = 0; round < 2; round++) {
        struct event_sink *s = event_sink_open(fx->path);
        assert_non_null(s);
        for (int i = 0; i < 500; i++) {
            sum.transactions = (unsigned)(round * 500 + i);
            event_connection(s, &c, &sum);
        }
        event_sink_close(s);
    }
    n = read_lines(fx->path, lines, 1100);
    assert_int_equal(n, 1000);
    for (size_t i = 0; i < n; i++) {
        json_t *o = parse(lines[i]);
        assert_int_equal(get_int(o, "transactions"), (json_int_t)i);
        json_decref(o);
        free(lines[i]);
    }
}

/* test_sink_errors - a folder that does not exist fails with errno; a NULL sink is a no-op */
static void
test_sink_errors(void **state)
{
    struct conn_facts c;
    struct txn_facts t;
    struct verdict v;
    struct conn_summary sum = {.close_reason = "quit"};

    errno = 0;
    assert_null(event_sink_open("/nonexistent/smtpwarden-test/events.jsonl"));
    assert_int_equal(errno, ENOENT);
    gateway_conn(&c);
    txn_facts_init(&t, 1);
    verdict_set(&v, VERDICT_ABORT, "client_aborted", 0, NULL, "%s", "");
    event_transaction(NULL, &c, &t, &v, NULL);
    event_connection(NULL, &c, &sum);
    assert_null(event_sink_close(NULL));
}

/* test_format_time - the documented layout */
static void
test_format_time(void **state)
{
    char ts[32];

    event_format_time(ts);
    check_ts(ts);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transaction_and_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_and_many, setup, teardown),
        cmocka_unit_test(test_sink_errors),
        cmocka_unit_test(test_format_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
