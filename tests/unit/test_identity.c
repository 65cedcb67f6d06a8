/* test_identity - identities and ownership: the echo-spoofing decisions, facts in, answer out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/identity.h"
#include "util/mem.h"

#define TENANT_A "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11"
#define TENANT_B "0b7e9d3c-5a41-4f0e-8f6a-2c1d9e8b7a60"
#define FP_APP "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44"

/* strv - a heap vector of the strings given, NULL-terminated list */
static char **
strv(size_t *n, ...)
{
    va_list ap;
    char **v = NULL;
    const char *s;

    *n = 0;
    va_start(ap, n);
    while ((s = va_arg(ap, const char *)) != NULL) {
        v = xrealloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = xstrdup(s);
    }
    va_end(ap);
    return v;
}

/* nets - a cidr list from strings */
static void
nets(struct cidr_list *l, ...)
{
    va_list ap;
    const char *s;
    struct cidr c;

    va_start(ap, l);
    while ((s = va_arg(ap, const char *)) != NULL) {
        assert_int_equal(cidr_parse(s, &c), 0);
        cidr_list_add(l, &c);
    }
    va_end(ap);
}

/* the configuration of issue 3's example, plus a certificate identity and tenant B */
static struct identity_set *
example_set(void)
{
    struct identity_set *set = identity_set_new();
    struct identity id;

    memset(&id, 0, sizeof id);
    id.name = xstrdup("app-a");
    id.kind = IDENTITY_NETWORK;
    nets(&id.networks, "192.0.2.10/32", NULL);
    id.domains = strv(&id.ndomains, "a.example", NULL);
    identity_set_add(set, &id);

    id.name = xstrdup("alice");
    id.kind = IDENTITY_SASL;
    id.sasl_user = xstrdup("alice");
    id.senders = strv(&id.nsenders, "alice@a.example", NULL);
    identity_set_add(set, &id);

    id.name = xstrdup("scanner");
    id.kind = IDENTITY_CLIENT_CERT;
    id.cert_sha256 = xstrdup(FP_APP);
    id.domains = strv(&id.ndomains, "*.scan.example", NULL);
    identity_set_add(set, &id);

    id.name = xstrdup("contoso");
    id.kind = IDENTITY_M365_TENANT;
    id.tenant_id = xstrdup(TENANT_A);
    id.m365_domain = xstrdup("contoso.onmicrosoft.com");
    id.domains = strv(&id.ndomains, "contoso.example", NULL);
    identity_set_add(set, &id);

    nets(&set->m365_networks, "127.0.0.64/26", NULL); /* loopback stands in for Exchange Online */
    set->m365_cert_name = xstrdup("mail.protection.outlook.com");
    return set;
}

/* facts - a connection from addr, optionally authenticated, optionally with a certificate */
static void
facts(struct conn_facts *c, const char *addr, const char *user, const char *cn, bool verified,
      const char *fp)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(ip_addr_parse(addr, &c->client_ip), 0);
    snprintf(c->client_addr, sizeof c->client_addr, "%s", addr);
    if (user != NULL)
        snprintf(c->auth_user, sizeof c->auth_user, "%s", user);
    if (cn != NULL || fp != NULL) {
        c->tls.active = c->tls.has_cert = true;
        c->tls.cert_verified = verified;
        snprintf(c->tls.cert_subject, sizeof c->tls.cert_subject, "CN=%s,O=Test", cn ? cn : "x");
        snprintf(c->tls.cert_sha256, sizeof c->tls.cert_sha256, "%s", fp ? fp : "00");
    }
}

static void
test_domain_ownership(void **state)
{
    static const struct {
        const char *pattern, *domain;
        bool owned;
    } rows[] = {
        {"a.example", "a.example", true},
        {"a.example", "A.EXAMPLE", true},
        {"a.example", "a.example.", true},
        {"a.example", "sub.a.example", false}, /* subdomains only when written as such */
        {"a.example", "xa.example", false},
        {"a.example", "a.example.evil", false},
        {"*.a.example", "sub.a.example", true},
        {"*.a.example", "deep.sub.a.example", true},
        {"*.a.example", "a.example", false},
        {"*.a.example", "xa.example", false},
        {"*.a.example", ".a.example", false},
        {"*.a.example", "x..a.example", false},
        {"a.example", "", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct identity id = {0};
        char *d = (char *)rows[i].pattern;
        id.domains = &d;
        id.ndomains = 1;
        print_message("%s owns %s?\n", rows[i].pattern, rows[i].domain);
        assert_int_equal(identity_owns_domain(&id, rows[i].domain), rows[i].owned);
    }
}

static void
test_address_ownership(void **state)
{
    struct identity_set *set = example_set();
    const struct identity *app = &set->items[0], *alice = &set->items[1];

    assert_true(identity_owns_address(app, "billing@a.example"));
    assert_true(identity_owns_address(app, "billing@A.Example"));
    assert_false(identity_owns_address(app, "billing@b.example"));
    assert_false(identity_owns_address(app, "a.example"));  /* no '@': owned by nobody */
    assert_false(identity_owns_address(app, "@a.example")); /* no local part */
    assert_false(identity_owns_address(app, "x@"));
    assert_false(identity_owns_address(app, NULL));
    assert_true(identity_owns_address(alice, "alice@a.example"));
    assert_true(identity_owns_address(alice, "Alice@A.example"));
    assert_false(identity_owns_address(alice, "bob@a.example")); /* an address, not the domain */
    assert_false(identity_owns_address(alice, "alice@a.example.evil"));
    /* the last '@' separates the domain: "a.example@evil.example" is an evil.example address */
    assert_false(identity_owns_address(app, "\"x@a.example\"@evil.example"));
    identity_set_free(set);
}

static void
test_resolve_connection(void **state)
{
    static const struct {
        const char *addr, *user, *cn;
        bool verified;
        const char *fp;
        const char *identity; /* NULL = none */
        const char *why;
    } rows[] = {
        {"192.0.2.10", NULL, NULL, false, NULL, "app-a", "network"},
        {"192.0.2.11", NULL, NULL, false, NULL, NULL, "no identity matches the client"},
        {"192.0.2.11", "alice", NULL, false, NULL, "alice", "sasl"},
        /* authenticated as someone without an identity: no fallback to the network identity */
        {"192.0.2.10", "mallory", NULL, false, NULL, NULL, "authenticated user has no identity"},
        {"198.51.100.7", NULL, "scanner", false, FP_APP, "scanner", "client_cert"},
        {"198.51.100.7", NULL, "scanner", true, "ffff", NULL, "no identity matches the client"},
        /* Exchange Online alone is no identity: tenant evidence decides */
        {"127.0.0.70", NULL, "mail.protection.outlook.com", true, NULL, NULL,
         "no identity matches the client"},
    };
    struct identity_set *set = example_set();

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct conn_facts c;
        const char *why = NULL;
        facts(&c, rows[i].addr, rows[i].user, rows[i].cn, rows[i].verified, rows[i].fp);
        const struct identity *id = identity_resolve(set, &c, &why);
        print_message("row %zu: %s\n", i, why);
        if (rows[i].identity == NULL)
            assert_null(id);
        else
            assert_string_equal(id->name, rows[i].identity);
        assert_string_equal(why, rows[i].why);
    }
    identity_set_free(set);
}

static void
test_ambiguous_network(void **state)
{
    struct identity_set *set = example_set();
    struct identity id = {0};
    struct conn_facts c;
    const char *why;

    id.name = xstrdup("overlap");
    id.kind = IDENTITY_NETWORK;
    nets(&id.networks, "192.0.2.0/24", NULL);
    id.domains = strv(&id.ndomains, "b.example", NULL);
    identity_set_add(set, &id);
    facts(&c, "192.0.2.10", NULL, NULL, false, NULL);
    assert_null(identity_resolve(set, &c, &why));
    assert_string_equal(why, "client matches several identities");
    identity_set_free(set);
}

/* the echo-spoofing scenario: who is a tenant, and who is not */
static void
test_resolve_tenant(void **state)
{
    static const char *const a[] = {TENANT_A}, *const b[] = {TENANT_B};
    static const char *const ab[] = {TENANT_A, TENANT_B}, *const aa[] = {TENANT_A, TENANT_A};
    static const char *const dk_tenant[] = {"contoso.onmicrosoft.com"};
    static const char *const dk_owned[] = {"CONTOSO.example"};
    static const char *const dk_other[] = {"fabrikam.onmicrosoft.com"};
    static const struct {
        const char *addr, *cn;
        bool verified;
        const char *const *ids;
        size_t nids;
        const char *const *dkim;
        size_t ndkim;
        bool tenant_a;
        const char *why;
    } rows[] = {
        {"127.0.0.70", "mail.protection.outlook.com", true, a, 1, NULL, 0, true, "m365_tenant"},
        {"127.0.0.70", "mail.protection.outlook.com", true, aa, 2, NULL, 0, true, "m365_tenant"},
        {"127.0.0.70", "mail.protection.outlook.com", true, b, 1, NULL, 0, false,
         "tenant not listed"},
        {"127.0.0.70", "mail.protection.outlook.com", true, ab, 2, NULL, 0, false,
         "conflicting tenant headers"},
        /* a forged tenant header from outside the Exchange Online ranges */
        {"127.0.0.5", "mail.protection.outlook.com", true, a, 1, NULL, 0, false,
         "tenant header from outside Exchange Online"},
        /* inside the ranges but without the connector certificate, or an unverified one */
        {"127.0.0.70", NULL, false, a, 1, NULL, 0, false,
         "tenant header from outside Exchange Online"},
        {"127.0.0.70", "mail.protection.outlook.com", false, a, 1, NULL, 0, false,
         "tenant header from outside Exchange Online"},
        {"127.0.0.70", "evil.example", true, a, 1, NULL, 0, false,
         "tenant header from outside Exchange Online"},
        /* no tenant header: a passing DKIM signature of the tenant proves it */
        {"127.0.0.70", "mail.protection.outlook.com", true, NULL, 0, dk_tenant, 1, true,
         "m365_tenant_dkim"},
        {"127.0.0.70", "mail.protection.outlook.com", true, NULL, 0, dk_owned, 1, true,
         "m365_tenant_dkim"},
        {"127.0.0.70", "mail.protection.outlook.com", true, NULL, 0, dk_other, 1, false,
         "no tenant header and no DKIM proof of a listed tenant"},
        {"127.0.0.70", "mail.protection.outlook.com", true, NULL, 0, NULL, 0, false,
         "no tenant header and no DKIM proof of a listed tenant"},
    };
    struct identity_set *set = example_set();

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct conn_facts c;
        struct tenant_evidence ev = {rows[i].ids, rows[i].nids, rows[i].dkim, rows[i].ndkim};
        const char *why = NULL;
        facts(&c, rows[i].addr, NULL, rows[i].cn, rows[i].verified, NULL);
        const struct identity *id = identity_resolve_tenant(set, &c, &ev, &why);
        print_message("row %zu: %s\n", i, why);
        if (rows[i].tenant_a) {
            assert_non_null(id);
            assert_string_equal(id->name, "contoso");
        } else {
            assert_null(id);
        }
        assert_string_equal(why, rows[i].why);
    }
    identity_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domain_ownership),   cmocka_unit_test(test_address_ownership),
        cmocka_unit_test(test_resolve_connection), cmocka_unit_test(test_ambiguous_network),
        cmocka_unit_test(test_resolve_tenant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
