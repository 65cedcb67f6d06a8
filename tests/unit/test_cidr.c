/* test_cidr - addresses and networks: parsing, membership, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util/cidr.h"

struct parse_case {
    const char *text;
    int rc;             /* expected cidr_parse result */
    const char *format; /* expected cidr_format when rc == 0 */
};

static const struct parse_case parse_cases[] = {
    {"192.0.2.0/24", 0, "192.0.2.0/24"},
    {"192.0.2.1", 0, "192.0.2.1/32"},
    {"0.0.0.0/0", 0, "0.0.0.0/0"},
    {"10.0.0.0/8", 0, "10.0.0.0/8"},
    {"192.0.2.128/25", 0, "192.0.2.128/25"},
    {"2001:db8::/32", 0, "2001:db8::/32"},
    {"[2001:db8::]/32", 0, "2001:db8::/32"},
    {"::1", 0, "::1/128"},
    {"[::1]", 0, "::1/128"},
    {"::/0", 0, "::/0"},
    {"::ffff:192.0.2.0/120", 0, "::ffff:192.0.2.0/120"},
    {"2a01:111:f400::/48", 0, "2a01:111:f400::/48"},
    /* host bits below the prefix: a typo, not a network */
    {"192.0.2.1/24", -1, NULL},
    {"2001:db8::1/32", -1, NULL},
    {"10.0.0.1/0", -1, NULL},
    /* prefixes out of range or malformed */
    {"192.0.2.0/33", -1, NULL},
    {"2001:db8::/129", -1, NULL},
    {"192.0.2.0/", -1, NULL},
    {"192.0.2.0/-1", -1, NULL},
    {"192.0.2.0/+8", -1, NULL},
    {"192.0.2.0/ 8", -1, NULL},
    {"192.0.2.0/24x", -1, NULL},
    {"192.0.2.0/0024", -1, NULL},
    /* not addresses */
    {"", -1, NULL},
    {"/24", -1, NULL},
    {"192.0.2", -1, NULL},
    {"192.0.2.256", -1, NULL},
    {"192.0.2.0.1", -1, NULL},
    {"010.0.0.0/8", -1, NULL},
    {"example.com", -1, NULL},
    {"[192.0.2.0]/24", -1, NULL},
    {"[::1", -1, NULL},
    {"::1]", -1, NULL},
    {"2001:db8:::/32", -1, NULL},
    {"fe80::1%eth0", -1, NULL},
    {" 192.0.2.0/24", -1, NULL},
};

/* test_parse_table - every case parses (or fails) and formats as expected */
static void
test_parse_table(void **state)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        struct cidr net;
        char text[64];
        int rc = cidr_parse(c->text, &net);
        if (rc != c->rc)
            fail_msg("cidr_parse(\"%s\") = %d, expected %d", c->text, rc, c->rc);
        if (rc == 0) {
            cidr_format(&net, text, sizeof text);
            assert_string_equal(text, c->format);
        }
    }
}

struct contains_case {
    const char *net;
    const char *addr;
    bool in;
};

static const struct contains_case contains_cases[] = {
    {"192.0.2.0/24", "192.0.2.0", true},
    {"192.0.2.0/24", "192.0.2.255", true},
    {"192.0.2.0/24", "192.0.3.0", false},
    {"192.0.2.128/25", "192.0.2.127", false},
    {"192.0.2.128/25", "192.0.2.200", true},
    {"10.0.0.0/8", "10.255.255.255", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"0.0.0.0/0", "203.0.113.9", true},
    {"0.0.0.0/0", "2001:db8::1", false},
    {"192.0.2.7", "192.0.2.7", true},
    {"192.0.2.7", "192.0.2.8", false},
    {"2001:db8::/32", "2001:db8:ffff::1", true},
    {"2001:db8::/32", "2001:db9::1", false},
    {"2001:db8::/33", "2001:db8:8000::", false},
    {"::/0", "::1", true},
    /* an IPv4 client is ::ffff:a.b.c.d on a dual-stack socket, so ::/0 holds it either way */
    {"::/0", "192.0.2.1", true},
    {"::1/128", "::1", true},
    {"::1/128", "::2", false},
    /* IPv4-mapped IPv6 addresses match IPv4 networks */
    {"192.0.2.0/24", "::ffff:192.0.2.10", true},
    {"192.0.2.0/24", "[::ffff:192.0.2.10]", true},
    {"192.0.2.0/24", "::ffff:192.0.3.10", false},
    {"127.0.0.0/8", "::ffff:127.0.0.1", true},
    /* but only mapped ones: ::192.0.2.10 (compatible) and 64:ff9b::/96 (NAT64) are IPv6 */
    {"192.0.2.0/24", "::192.0.2.10", false},
    {"192.0.2.0/24", "64:ff9b::c000:20a", false},
    /* and an IPv4 address matches a network of mapped addresses */
    {"::ffff:192.0.2.0/120", "192.0.2.77", true},
    {"::ffff:192.0.2.0/120", "192.0.3.77", false},
};

/* test_contains_table - membership, including IPv4-mapped IPv6 */
static void
test_contains_table(void **state)
{
    for (size_t i = 0; i < sizeof contains_cases / sizeof contains_cases[0]; i++) {
        const struct contains_case *c = &contains_cases[i];
        struct cidr net;
        struct ip_addr a;
        assert_int_equal(cidr_parse(c->net, &net), 0);
        assert_int_equal(ip_addr_parse(c->addr, &a), 0);
        if (cidr_contains(&net, &a) != c->in)
            fail_msg("%s in %s: expected %s", c->addr, c->net, c->in ? "yes" : "no");
    }
}

/* test_addr_parse - families, brackets, rejects */
static void
test_addr_parse(void **state)
{
    struct ip_addr a;
    char text[INET6_ADDRSTRLEN];

    assert_int_equal(ip_addr_parse("192.0.2.1", &a), 0);
    assert_int_equal(a.family, AF_INET);
    assert_memory_equal(a.bytes, "\xc0\x00\x02\x01", 4);
    assert_int_equal(ip_addr_parse("[2001:db8::1]", &a), 0);
    assert_int_equal(a.family, AF_INET6);
    ip_addr_format(&a, text, sizeof text);
    assert_string_equal(text, "2001:db8::1");
    assert_int_equal(ip_addr_parse("::ffff:192.0.2.1", &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(ip_addr_parse("[192.0.2.1]", &a), -1);
    assert_int_equal(ip_addr_parse("192.0.2.1/32", &a), -1);
    assert_int_equal(ip_addr_parse("", &a), -1);
    assert_int_equal(ip_addr_parse("[]", &a), -1);
    assert_int_equal(ip_addr_parse("localhost", &a), -1);
}

/* test_sockaddr - both families come through; others are refused */
static void
test_sockaddr(void **state)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    struct sockaddr sa = {.sa_family = AF_UNIX};
    struct ip_addr a;
    struct cidr net;

    inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
    assert_int_equal(ip_addr_from_sockaddr((struct sockaddr *)&sin, &a), 0);
    assert_int_equal(cidr_parse("198.51.100.0/24", &net), 0);
    assert_true(cidr_contains(&net, &a));
    inet_pton(AF_INET6, "::ffff:198.51.100.8", &sin6.sin6_addr);
    assert_int_equal(ip_addr_from_sockaddr((struct sockaddr *)&sin6, &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_true(cidr_contains(&net, &a));
    assert_int_equal(ip_addr_from_sockaddr(&sa, &a), -1);
}

/* test_everything - only /0 relays for everyone */
static void
test_everything(void **state)
{
    struct cidr net;

    assert_int_equal(cidr_parse("0.0.0.0/0", &net), 0);
    assert_true(cidr_is_everything(&net));
    assert_int_equal(cidr_parse("::/0", &net), 0);
    assert_true(cidr_is_everything(&net));
    assert_int_equal(cidr_parse("0.0.0.0/1", &net), 0);
    assert_false(cidr_is_everything(&net));
}

/* test_list - growth past several powers of two, membership, release */
static void
test_list(void **state)
{
    struct cidr_list l = {0};
    struct cidr net;
    struct ip_addr a;
    char text[32];

    for (unsigned i = 0; i < 100; i++) {
        snprintf(text, sizeof text, "10.%u.0.0/16", i);
        assert_int_equal(cidr_parse(text, &net), 0);
        cidr_list_add(&l, &net);
    }
    assert_int_equal(l.n, 100);
    assert_int_equal(ip_addr_parse("10.99.1.2", &a), 0);
    assert_true(cidr_list_contains(&l, &a));
    assert_int_equal(ip_addr_parse("10.100.1.2", &a), 0);
    assert_false(cidr_list_contains(&l, &a));
    cidr_format(&l.items[42], text, sizeof text);
    assert_string_equal(text, "10.42.0.0/16");
    cidr_list_release(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    assert_false(cidr_list_contains(&l, &a));
    cidr_list_release(&l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table), cmocka_unit_test(test_contains_table),
        cmocka_unit_test(test_addr_parse),  cmocka_unit_test(test_sockaddr),
        cmocka_unit_test(test_everything),  cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
