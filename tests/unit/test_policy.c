/* test_policy - the MAIL decision, facts in, verdict and reason out (golden table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "util/mem.h"

/* add_identity - one identity of the given kind owning `domain` (and `sender` if given) */
static void
add_identity(struct identity_set *set, const char *name, enum identity_kind kind, const char *key,
             const char *domain, const char *sender, bool bounces)
{
    struct identity id = {0};
    struct cidr c;

    id.name = xstrdup(name);
    id.kind = kind;
    if (kind == IDENTITY_SASL)
        id.sasl_user = xstrdup(key);
    if (kind == IDENTITY_NETWORK) {
        assert_int_equal(cidr_parse(key, &c), 0);
        cidr_list_add(&id.networks, &c);
    }
    if (kind == IDENTITY_M365_TENANT)
        id.tenant_id = xstrdup(key);
    if (domain != NULL) {
        id.domains = xcalloc(1, sizeof *id.domains);
        id.domains[id.ndomains++] = xstrdup(domain);
    }
    if (sender != NULL) {
        id.senders = xcalloc(1, sizeof *id.senders);
        id.senders[id.nsenders++] = xstrdup(sender);
    }
    id.send_bounces = bounces;
    identity_set_add(set, &id);
}

static void
test_mail_with_identities(void **state)
{
    static const struct {
        const char *client, *user, *m365_cn, *from;
        enum verdict_action action;
        const char *reason, *identity;
        int code;
    } rows[] = {
        {"192.0.2.10", "", NULL, "billing@a.example", VERDICT_CONTINUE, NULL, "app-a", 0},
        {"192.0.2.10", "", NULL, "ceo@bank.example", VERDICT_REJECT, "envelope_not_owned", "app-a",
         550},
        {"192.0.2.10", "", NULL, "", VERDICT_REJECT, "bounce_not_allowed", "app-a", 550},
        {"192.0.2.99", "", NULL, "billing@a.example", VERDICT_REJECT, "no_identity", NULL, 554},
        {"192.0.2.99", "alice", NULL, "alice@a.example", VERDICT_CONTINUE, NULL, "alice", 0},
        {"192.0.2.99", "alice", NULL, "bob@a.example", VERDICT_REJECT, "envelope_not_owned",
         "alice", 550},
        {"192.0.2.99", "bounces", NULL, "", VERDICT_CONTINUE, NULL, "bounces", 0},
        /* an authenticated stranger inside app-a's network gets nothing of app-a's */
        {"192.0.2.10", "mallory", NULL, "billing@a.example", VERDICT_REJECT, "no_identity", NULL,
         554},
        /* Exchange Online: undecided at MAIL, the tenant evidence in the headers decides */
        {"127.0.0.70", "", "mail.protection.outlook.com", "x@contoso.example", VERDICT_CONTINUE,
         NULL, NULL, 0},
        {"127.0.0.70", "", "evil.example", "x@contoso.example", VERDICT_REJECT, "no_identity", NULL,
         554},
    };
    struct identity_set *set = identity_set_new();
    struct cidr m365;

    add_identity(set, "app-a", IDENTITY_NETWORK, "192.0.2.10/32", "a.example", NULL, false);
    add_identity(set, "alice", IDENTITY_SASL, "alice", NULL, "alice@a.example", false);
    add_identity(set, "bounces", IDENTITY_SASL, "bounces", "a.example", NULL, true);
    add_identity(set, "contoso", IDENTITY_M365_TENANT, "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11",
                 "contoso.example", NULL, false);
    assert_int_equal(cidr_parse("127.0.0.64/26", &m365), 0);
    cidr_list_add(&set->m365_networks, &m365);
    set->m365_cert_name = xstrdup("mail.protection.outlook.com");
    struct policy *p = policy_new(&(struct policy_config){.identities = set});

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct conn_facts c = {0};
        struct txn_facts t;
        struct verdict v;
        assert_int_equal(ip_addr_parse(rows[i].client, &c.client_ip), 0);
        snprintf(c.client_addr, sizeof c.client_addr, "%s", rows[i].client);
        snprintf(c.auth_user, sizeof c.auth_user, "%s", rows[i].user);
        if (rows[i].m365_cn != NULL) {
            c.tls.active = c.tls.has_cert = c.tls.cert_verified = true;
            snprintf(c.tls.cert_subject, sizeof c.tls.cert_subject, "CN=%s", rows[i].m365_cn);
        }
        txn_facts_init(&t, 1);
        snprintf(t.mail_from, sizeof t.mail_from, "%s", rows[i].from);
        policy_mail(p, &c, &t, &v);
        print_message("row %zu: %s %s\n", i, verdict_action_name(v.action),
                      v.reason ? v.reason : "-");
        assert_int_equal(v.action, rows[i].action);
        if (rows[i].reason != NULL)
            assert_string_equal(v.reason, rows[i].reason);
        if (rows[i].identity != NULL)
            assert_string_equal(v.identity, rows[i].identity);
        else
            assert_null(v.identity);
        if (rows[i].code != 0) {
            assert_int_equal(v.reply.code, rows[i].code);
            assert_string_equal(v.reply.enh, "5.7.1");
        }
    }
    policy_free(p);
    identity_set_free(set);
}

/* without identities nothing relays: not a client network, not an authenticated user */
static void
test_mail_without_identities(void **state)
{
    struct policy *p = policy_new(&(struct policy_config){.identities = NULL});
    struct conn_facts c = {0};
    struct txn_facts t;
    struct verdict v;

    txn_facts_init(&t, 1);
    snprintf(t.mail_from, sizeof t.mail_from, "a@example.com");
    assert_int_equal(ip_addr_parse("127.0.0.1", &c.client_ip), 0);
    policy_mail(p, &c, &t, &v);
    assert_int_equal(v.action, VERDICT_REJECT);
    assert_string_equal(v.reason, "no_identity");
    assert_int_equal(v.reply.code, 554);
    snprintf(c.auth_user, sizeof c.auth_user, "alice");
    policy_mail(p, &c, &t, &v);
    assert_int_equal(v.action, VERDICT_REJECT);
    policy_free(p);
}

/* header_set - app-a owns a.example, bank owns bank.example (a protected domain), contoso is
 * a tenant; loopback 127.0.0.64/26 stands in for Exchange Online */
static struct identity_set *
header_set(void)
{
    struct identity_set *set = identity_set_new();
    struct cidr m365;

    add_identity(set, "app-a", IDENTITY_NETWORK, "192.0.2.10/32", "a.example", NULL, false);
    add_identity(set, "bank", IDENTITY_NETWORK, "192.0.2.20/32", "bank.example", NULL, false);
    add_identity(set, "contoso", IDENTITY_M365_TENANT, "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11",
                 "contoso.example", NULL, false);
    set->items[set->n - 1].m365_domain = xstrdup("contoso.onmicrosoft.com");
    assert_int_equal(cidr_parse("127.0.0.64/26", &m365), 0);
    cidr_list_add(&set->m365_networks, &m365);
    set->m365_cert_name = xstrdup("mail.protection.outlook.com");
    return set;
}

#define TENANT_HDR "X-MS-Exchange-CrossTenant-Id: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11\r\n"

static void
test_headers_with_identities(void **state)
{
    static const struct {
        const char *client, *identity, *mail_from, *headers;
        enum sender_alignment align;
        enum verdict_action action;
        const char *reason;
    } rows[] = {
        {"192.0.2.10", "app-a", "b@a.example", "From: Billing <billing@a.example>\r\n\r\n",
         SENDER_ALIGN_OFF, VERDICT_CONTINUE, NULL},
        {"192.0.2.10", "app-a", "b@a.example", "From: ceo@bank.example\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_REJECT, "from_not_owned"},
        {"192.0.2.10", "app-a", "b@a.example",
         "From: x@a.example\r\nFrom: ceo@bank.example\r\n\r\n", SENDER_ALIGN_OFF, VERDICT_REJECT,
         "from_malformed"},
        {"192.0.2.10", "app-a", "b@a.example", "Subject: no from\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_REJECT, "from_missing"},
        {"192.0.2.10", "app-a", "b@a.example", "From: undisclosed\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_REJECT, "from_malformed"},
        {"192.0.2.10", "app-a", "b@a.example", "From: \"ceo@bank.example\" <x@a.example>\r\n\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "display_name_spoof"},
        {"192.0.2.10", "app-a", "b@a.example",
         "From: =?utf-8?q?ceo=40bank.example?= <x@a.example>\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_REJECT, "display_name_spoof"},
        /* an address of a domain nobody here owns in the display name is not our call */
        {"192.0.2.10", "app-a", "b@a.example",
         "From: \"friend@gmail.example via App\" <x@a.example>\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_CONTINUE, NULL},
        {"192.0.2.10", "app-a", "b@a.example",
         "From: x@a.example\r\nSender: ops@bank.example\r\n\r\n", SENDER_ALIGN_OFF, VERDICT_REJECT,
         "from_not_owned"},
        {"192.0.2.10", "app-a", "b@a.example", "From: <x@a.example> <y@bank.example>\r\n\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "from_malformed"},
        /* a bare CR could make another reader see a second From */
        {"192.0.2.10", "app-a", "b@a.example", "From: x@a.example\rFrom: ceo@bank.example\r\n\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "from_malformed"},
        /* alignment */
        {"192.0.2.10", "app-a", "bounce@mail.a.example", "From: x@a.example\r\n\r\n",
         SENDER_ALIGN_RELAXED, VERDICT_CONTINUE, NULL},
        {"192.0.2.10", "app-a", "bounce@mail.a.example", "From: x@a.example\r\n\r\n",
         SENDER_ALIGN_STRICT, VERDICT_REJECT, "not_aligned"},
        /* Exchange Online: the tenant header decides, then ownership as for anyone */
        {"127.0.0.70", "", "u@contoso.example", "From: u@contoso.example\r\n" TENANT_HDR "\r\n",
         SENDER_ALIGN_OFF, VERDICT_CONTINUE, NULL},
        {"127.0.0.70", "", "u@contoso.example", "From: ceo@bank.example\r\n" TENANT_HDR "\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "from_not_owned"},
        {"127.0.0.70", "", "ceo@bank.example", "From: u@contoso.example\r\n" TENANT_HDR "\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "envelope_not_owned"},
        {"127.0.0.70", "", "u@contoso.example",
         "From: u@contoso.example\r\nX-MS-Exchange-CrossTenant-Id: "
         "0b7e9d3c-5a41-4f0e-8f6a-2c1d9e8b7a60\r\n\r\n",
         SENDER_ALIGN_OFF, VERDICT_REJECT, "no_identity"},
        /* no tenant header: undecided until its DKIM signatures are verified */
        {"127.0.0.70", "", "u@contoso.example", "From: u@contoso.example\r\n\r\n", SENDER_ALIGN_OFF,
         VERDICT_CONTINUE, NULL},
    };
    struct identity_set *set = header_set();

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct policy *p =
            policy_new(&(struct policy_config){.identities = set, .alignment = rows[i].align});
        struct conn_facts c = {0};
        struct txn_facts t;
        struct verdict v;
        assert_int_equal(ip_addr_parse(rows[i].client, &c.client_ip), 0);
        if (strncmp(rows[i].client, "127.", 4) == 0) {
            c.tls.active = c.tls.has_cert = c.tls.cert_verified = true;
            snprintf(c.tls.cert_subject, sizeof c.tls.cert_subject,
                     "CN=mail.protection.outlook.com");
        }
        txn_facts_init(&t, 1);
        snprintf(t.identity, sizeof t.identity, "%s", rows[i].identity);
        snprintf(t.mail_from, sizeof t.mail_from, "%s", rows[i].mail_from);
        policy_headers(p, &c, &t, rows[i].headers, strlen(rows[i].headers), &v);
        print_message("row %zu: %s %s: %s\n", i, verdict_action_name(v.action),
                      v.reason ? v.reason : "-", v.reply.text);
        assert_int_equal(v.action, rows[i].action);
        if (rows[i].reason != NULL)
            assert_string_equal(v.reason, rows[i].reason);
        policy_free(p);
    }
    identity_set_free(set);
}

/* a Microsoft 365 message without a tenant header: its verified DKIM signatures decide */
static void
test_tenant_proof(void **state)
{
    static const char *const tenant[] = {"contoso.onmicrosoft.com"};
    static const char *const owned[] = {"contoso.example"};
    static const char *const other[] = {"fabrikam.onmicrosoft.com"};
    static const struct {
        const char *from_hdr;
        const char *const *pass;
        size_t npass, ntemp;
        enum verdict_action action;
        const char *reason;
    } rows[] = {
        {"From: u@contoso.example\r\n\r\n", tenant, 1, 0, VERDICT_CONTINUE, NULL},
        {"From: u@contoso.example\r\n\r\n", owned, 1, 0, VERDICT_CONTINUE, NULL},
        {"From: u@contoso.example\r\n\r\n", other, 1, 0, VERDICT_REJECT, "no_identity"},
        {"From: u@contoso.example\r\n\r\n", NULL, 0, 0, VERDICT_REJECT, "no_identity"},
        {"From: u@contoso.example\r\n\r\n", NULL, 0, 1, VERDICT_DEFER, "dkim_temperror"},
        {"From: ceo@bank.example\r\n\r\n", tenant, 1, 0, VERDICT_REJECT, "from_not_owned"},
    };
    struct identity_set *set = header_set();
    struct policy *p = policy_new(&(struct policy_config){.identities = set});
    struct conn_facts c = {0};

    assert_int_equal(ip_addr_parse("127.0.0.70", &c.client_ip), 0);
    c.tls.active = c.tls.has_cert = c.tls.cert_verified = true;
    snprintf(c.tls.cert_subject, sizeof c.tls.cert_subject, "CN=mail.protection.outlook.com");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct txn_facts t;
        struct verdict v;
        txn_facts_init(&t, 1);
        snprintf(t.mail_from, sizeof t.mail_from, "u@contoso.example");
        policy_headers(p, &c, &t, rows[i].from_hdr, strlen(rows[i].from_hdr), &v);
        assert_int_equal(v.action, VERDICT_CONTINUE);
        assert_true(v.needs_dkim_proof);
        policy_tenant_proof(p, &c, &t, rows[i].from_hdr, strlen(rows[i].from_hdr), rows[i].pass,
                            rows[i].npass, rows[i].ntemp, &v);
        print_message("proof row %zu: %s %s\n", i, verdict_action_name(v.action),
                      v.reason ? v.reason : "-");
        assert_int_equal(v.action, rows[i].action);
        if (rows[i].reason != NULL)
            assert_string_equal(v.reason, rows[i].reason);
        else
            assert_string_equal(v.identity, "contoso");
        assert_false(v.needs_dkim_proof);
    }
    policy_free(p);
    identity_set_free(set);
}

/* relaxed alignment compares organisational domains when the Public Suffix List is loaded */
static void
test_relaxed_alignment_with_psl(void **state)
{
    static const char rules[] = "example\nco.example\n";
    static const struct {
        const char *env, *from;
        bool with_psl, aligned;
    } rows[] = {
        {"b@bounce.a.example", "From: x@mail.a.example\r\n\r\n", true, true},
        {"b@bounce.a.example", "From: x@mail.a.example\r\n\r\n", false, false},
        {"b@bounce.a.example", "From: x@a.example\r\n\r\n", false, true},
        /* a.co.example and b.co.example are different organisations under co.example */
        {"b@a.co.example", "From: x@b.co.example\r\n\r\n", true, false},
    };
    struct identity_set *set = identity_set_new();
    struct psl *psl = psl_from_text(rules, sizeof rules - 1);

    add_identity(set, "app", IDENTITY_NETWORK, "192.0.2.10/32", "*.example", NULL, false);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct policy *p =
            policy_new(&(struct policy_config){.identities = set,
                                               .alignment = SENDER_ALIGN_RELAXED,
                                               .psl = rows[i].with_psl ? psl : NULL});
        struct conn_facts c = {0};
        struct txn_facts t;
        struct verdict v;
        txn_facts_init(&t, 1);
        snprintf(t.identity, sizeof t.identity, "app");
        snprintf(t.mail_from, sizeof t.mail_from, "%s", rows[i].env);
        policy_headers(p, &c, &t, rows[i].from, strlen(rows[i].from), &v);
        print_message("row %zu: %s %s\n", i, verdict_action_name(v.action),
                      v.reason ? v.reason : "-");
        assert_int_equal(v.action, rows[i].aligned ? VERDICT_CONTINUE : VERDICT_REJECT);
        policy_free(p);
    }
    psl_free(psl);
    identity_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_with_identities),
        cmocka_unit_test(test_mail_without_identities),
        cmocka_unit_test(test_headers_with_identities),
        cmocka_unit_test(test_tenant_proof),
        cmocka_unit_test(test_relaxed_alignment_with_psl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
