/* test_relay - who may relay (authenticated or in relay_networks), the refusal, and txn facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy/facts.h"
#include "policy/relay.h"
#include "util/cidr.h"

struct relay_case {
    const char *networks[4]; /* NULL-terminated; all NULL = an empty list */
    const char *client;
    const char *auth_user; /* "" = not authenticated */
    bool allowed;
};

static const struct relay_case relay_cases[] = {
    /* authenticated clients relay from anywhere, even with no networks */
    {{NULL}, "203.0.113.9", "alice", true},
    {{"192.0.2.0/24"}, "198.51.100.1", "alice", true},
    {{NULL}, "2001:db8::9", "bob@example.com", true},
    /* inside a network */
    {{"192.0.2.0/24"}, "192.0.2.1", "", true},
    {{"192.0.2.0/24"}, "192.0.2.255", "", true},
    {{"10.0.0.0/8", "192.0.2.0/24"}, "192.0.2.77", "", true},
    {{"127.0.0.0/8", "::1"}, "127.0.0.1", "", true},
    {{"127.0.0.0/8", "::1"}, "::1", "", true},
    {{"2001:db8::/32"}, "2001:db8:1234::5", "", true},
    {{"192.0.2.7"}, "192.0.2.7", "", true},
    /* a dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d */
    {{"192.0.2.0/24"}, "::ffff:192.0.2.10", "", true},
    {{"127.0.0.0/8", "::1"}, "::ffff:127.0.0.1", "", true},
    /* outside */
    {{"192.0.2.0/24"}, "192.0.3.1", "", false},
    {{"192.0.2.0/24"}, "::ffff:192.0.3.10", "", false},
    {{"192.0.2.0/24"}, "2001:db8::1", "", false},
    {{"2001:db8::/32"}, "2001:db9::1", "", false},
    {{"2001:db8::/32"}, "192.0.2.1", "", false},
    {{"127.0.0.0/8", "::1"}, "::2", "", false},
    {{"192.0.2.7"}, "192.0.2.8", "", false},
    /* closed by default */
    {{NULL}, "127.0.0.1", "", false},
    {{NULL}, "::1", "", false},
    {{NULL}, "192.0.2.1", "", false},
};

/* conn_for - connection facts for a client as the gateway fills them */
static void
conn_for(struct conn_facts *f, const char *client, const char *auth_user)
{
    memset(f, 0, sizeof *f);
    snprintf(f->conn_id, sizeof f->conn_id, "1c2f.1");
    f->frontend = "gateway";
    assert_int_equal(ip_addr_parse(client, &f->client_ip), 0);
    ip_addr_format(&f->client_ip, f->client_addr, sizeof f->client_addr);
    f->client_port = 50144;
    snprintf(f->auth_user, sizeof f->auth_user, "%s", auth_user);
    if (auth_user[0] != '\0')
        snprintf(f->auth_mech, sizeof f->auth_mech, "PLAIN");
}

/* test_relay_table - allowed cases pass; every refusal is a 554 5.7.1 relay_denied */
static void
test_relay_table(void **state)
{
    for (size_t i = 0; i < sizeof relay_cases / sizeof relay_cases[0]; i++) {
        const struct relay_case *c = &relay_cases[i];
        struct cidr_list nets = {0};
        struct relay_policy p = {.networks = &nets};
        struct conn_facts f;
        struct verdict v;

        for (size_t n = 0; n < 4 && c->networks[n] != NULL; n++) {
            struct cidr net;
            assert_int_equal(cidr_parse(c->networks[n], &net), 0);
            cidr_list_add(&nets, &net);
        }
        conn_for(&f, c->client, c->auth_user);
        memset(&v, 0, sizeof v);
        bool ok = relay_policy_check(&p, &f, &v);
        if (ok != c->allowed)
            fail_msg("case %zu: client %s (auth \"%s\"): %s, expected %s", i, c->client,
                     c->auth_user, ok ? "allowed" : "denied", c->allowed ? "allowed" : "denied");
        if (ok) {
            if (v.action == VERDICT_REJECT || v.action == VERDICT_DEFER)
                fail_msg("case %zu: allowed but the verdict is %s", i,
                         verdict_action_name(v.action));
        } else {
            assert_int_equal(v.action, VERDICT_REJECT);
            assert_int_equal(v.reply.code, 554);
            assert_string_equal(v.reply.enh, "5.7.1");
            assert_non_null(v.reason);
            assert_string_equal(v.reason, "relay_denied");
            if (strstr(v.reply.text, f.client_addr) == NULL)
                fail_msg("case %zu: reply \"%s\" does not name %s", i, v.reply.text, f.client_addr);
            assert_null(strchr(v.reply.text, '\n')); /* one reply line */
        }
        cidr_list_release(&nets);
    }
}

/* test_no_list - a policy with no list at all is closed too */
static void
test_no_list(void **state)
{
    struct relay_policy p = {.networks = NULL};
    struct conn_facts f;
    struct verdict v;

    conn_for(&f, "127.0.0.1", "");
    assert_false(relay_policy_check(&p, &f, &v));
    assert_int_equal(v.reply.code, 554);
    assert_string_equal(v.reason, "relay_denied");
    conn_for(&f, "127.0.0.1", "alice");
    assert_true(relay_policy_check(&p, &f, &v));
}

/* test_everything_network - 0.0.0.0/0 opens relay to every IPv4 client (and only those) */
static void
test_everything_network(void **state)
{
    struct cidr_list nets = {0};
    struct relay_policy p = {.networks = &nets};
    struct cidr net;
    struct conn_facts f;
    struct verdict v;

    assert_int_equal(cidr_parse("0.0.0.0/0", &net), 0);
    cidr_list_add(&nets, &net);
    conn_for(&f, "203.0.113.200", "");
    assert_true(relay_policy_check(&p, &f, &v));
    conn_for(&f, "2001:db8::1", "");
    assert_false(relay_policy_check(&p, &f, &v));
    cidr_list_release(&nets);
}

/* test_txn_facts - recipients and refusals are copied, formatted, and released */
static void
test_txn_facts(void **state)
{
    struct txn_facts t;
    struct smtp_reply r;
    char addr[64];

    txn_facts_init(&t, 3);
    assert_int_equal(t.index, 3);
    assert_int_equal(t.nrcpt, 0);
    assert_int_equal(t.nrefused, 0);
    assert_string_equal(t.mail_from, "");
    assert_int_equal(t.size, 0);

    /* the facts keep their own copies */
    for (int i = 0; i < 100; i++) {
        snprintf(addr, sizeof addr, "user%d@example.com", i);
        txn_facts_add_rcpt(&t, addr);
    }
    snprintf(addr, sizeof addr, "overwritten");
    assert_int_equal(t.nrcpt, 100);
    assert_string_equal(t.rcpt[0], "user0@example.com");
    assert_string_equal(t.rcpt[99], "user99@example.com");

    memset(&r, 0, sizeof r);
    r.code = 550;
    snprintf(r.enh, sizeof r.enh, "5.1.1");
    snprintf(r.text, sizeof r.text, "No such user");
    snprintf(addr, sizeof addr, "nobody@example.com");
    txn_facts_add_refusal(&t, addr, &r);
    snprintf(addr, sizeof addr, "overwritten");

    memset(&r, 0, sizeof r);
    r.code = 450;
    snprintf(r.text, sizeof r.text, "Try later"); /* no enhanced code */
    txn_facts_add_refusal(&t, "busy@example.com", &r);

    assert_int_equal(t.nrefused, 2);
    assert_string_equal(t.refused[0].addr, "nobody@example.com");
    assert_string_equal(t.refused[0].reply, "550 5.1.1 No such user");
    assert_string_equal(t.refused[1].addr, "busy@example.com");
    assert_string_equal(t.refused[1].reply, "450 Try later");

    txn_facts_release(&t);
    assert_int_equal(t.nrcpt, 0);
    assert_int_equal(t.nrefused, 0);
    assert_null(t.rcpt);
    assert_null(t.refused);
    /* released facts can be released again, and reused */
    txn_facts_release(&t);
    txn_facts_add_rcpt(&t, "again@example.com");
    assert_int_equal(t.nrcpt, 1);
    txn_facts_release(&t);
}

/* test_verdict - verdict_set formats the reply; the action names are the event tokens */
static void
test_verdict(void **state)
{
    static const struct {
        enum verdict_action a;
        const char *name;
    } names[] = {
        {VERDICT_CONTINUE, "continue"}, {VERDICT_ACCEPT, "accept"}, {VERDICT_REJECT, "reject"},
        {VERDICT_DEFER, "defer"},       {VERDICT_ABORT, "abort"},
    };
    struct verdict v;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(verdict_action_name(names[i].a), names[i].name);

    verdict_set(&v, VERDICT_REJECT, "message_too_big", 552, "5.3.4", "Message too big (%d > %d)",
                20, 10);
    assert_int_equal(v.action, VERDICT_REJECT);
    assert_string_equal(v.reason, "message_too_big");
    assert_int_equal(v.reply.code, 552);
    assert_string_equal(v.reply.enh, "5.3.4");
    assert_string_equal(v.reply.text, "Message too big (20 > 10)");

    verdict_set(&v, VERDICT_DEFER, "shutdown", 421, NULL, "%s", "Shutting down");
    assert_string_equal(v.reply.enh, "");
    assert_string_equal(v.reply.text, "Shutting down");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_table),
        cmocka_unit_test(test_no_list),
        cmocka_unit_test(test_everything_network),
        cmocka_unit_test(test_txn_facts),
        cmocka_unit_test(test_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
