/* test_psl - organisational domains from Public Suffix List rules (RFC 7489 3.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "auth/psl.h"

static const char rules[] = "// ===BEGIN ICANN DOMAINS===\n"
                            "com\n"
                            "uk\n"
                            "co.uk\n"
                            "*.ck\n"
                            "!www.ck\n"
                            "jp\n"
                            "*.kawasaki.jp\n"
                            "!city.kawasaki.jp\n"
                            "\n";

static const struct {
    const char *domain, *org;
} cases[] = {
    {"example.com", "example.com"},
    {"WWW.Example.COM.", "example.com"},
    {"mail.a.example.com", "example.com"},
    {"com", "com"},
    {"co.uk", "co.uk"},
    {"example.co.uk", "example.co.uk"},
    {"a.b.example.co.uk", "example.co.uk"},
    {"c.ck", "c.ck"}, /* *.ck: c.ck is a public suffix */
    {"b.c.ck", "b.c.ck"},
    {"a.b.c.ck", "b.c.ck"},
    {"www.ck", "www.ck"}, /* !www.ck: the exception is registrable */
    {"mail.www.ck", "www.ck"},
    {"city.kawasaki.jp", "city.kawasaki.jp"},
    {"a.city.kawasaki.jp", "city.kawasaki.jp"},
    {"a.b.kawasaki.jp", "a.b.kawasaki.jp"},
    {"example.unlisted", "example.unlisted"}, /* the implicit "*" rule */
    {"x.y.example.unlisted", "example.unlisted"},
};

static void
test_org_domain_rules(void **state)
{
    struct psl *p = psl_from_text(rules, strlen(rules));
    char out[256];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(psl_org_domain(p, cases[i].domain, out, sizeof out), 0);
        print_message("%s -> %s\n", cases[i].domain, out);
        assert_string_equal(out, cases[i].org);
    }
    assert_int_equal(psl_org_domain(p, "", out, sizeof out), -1);
    assert_int_equal(psl_org_domain(p, "example.com", out, 4), -1);
    psl_free(p);
}

/* the list Debian ships, when installed */
static void
test_org_domain_debian_list(void **state)
{
    static const char path[] = "/usr/share/publicsuffix/public_suffix_list.dat";
    struct buf err;
    char out[256];

    if (access(path, R_OK) != 0) {
        print_message("%s not installed: skipping\n", path);
        skip();
    }
    buf_init(&err, 0);
    struct psl *p = psl_load(path, &err);
    assert_non_null(p);
    assert_int_equal(psl_org_domain(p, "bounce.mail.example.co.uk", out, sizeof out), 0);
    assert_string_equal(out, "example.co.uk");
    assert_int_equal(psl_org_domain(p, "a.b.github.io", out, sizeof out), 0);
    assert_string_equal(out, "b.github.io"); /* github.io is a (private) public suffix */
    assert_int_equal(psl_org_domain(p, "news.example.com", out, sizeof out), 0);
    assert_string_equal(out, "example.com");
    psl_free(p);
    assert_null(psl_load("/nonexistent/psl.dat", &err));
    assert_non_null(strstr(err.data, "/nonexistent/psl.dat"));
    buf_release(&err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_domain_rules),
        cmocka_unit_test(test_org_domain_debian_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
