/* test_smtp_cmd - verbs, MAIL/RCPT paths and ESMTP parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "smtp/smtp_cmd.h"

static void
test_verbs(void **state)
{
    static const struct {
        const char *line;
        enum smtp_verb verb;
        const char *args;
    } cases[] = {
        {"EHLO mx.test", SMTP_VERB_EHLO, "mx.test"},
        {"helo mx.test", SMTP_VERB_HELO, "mx.test"},
        {"MAIL FROM:<a@b>", SMTP_VERB_MAIL, "FROM:<a@b>"},
        {"rcpt TO:<a@b>", SMTP_VERB_RCPT, "TO:<a@b>"},
        {"DATA", SMTP_VERB_DATA, ""},
        {"BDAT 12 LAST", SMTP_VERB_BDAT, "12 LAST"},
        {"RSET", SMTP_VERB_RSET, ""},
        {"NoOp x", SMTP_VERB_NOOP, "x"},
        {"QUIT", SMTP_VERB_QUIT, ""},
        {"HELP", SMTP_VERB_HELP, ""},
        {"VRFY root", SMTP_VERB_VRFY, "root"},
        {"EXPN list", SMTP_VERB_EXPN, "list"},
        {"STARTTLS", SMTP_VERB_STARTTLS, ""},
        {"AUTH PLAIN", SMTP_VERB_AUTH, "PLAIN"},
        {"MAILX FROM:<a@b>", SMTP_VERB_UNKNOWN, "FROM:<a@b>"},
        {"", SMTP_VERB_UNKNOWN, ""},
        {"DAT", SMTP_VERB_UNKNOWN, ""},
    };
    struct smtp_command cmd;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        smtp_cmd_parse(cases[i].line, strlen(cases[i].line), &cmd);
        assert_int_equal(cmd.verb, cases[i].verb);
        assert_int_equal(cmd.args_len, strlen(cases[i].args));
        assert_memory_equal(cmd.args, cases[i].args, cmd.args_len);
    }
    assert_string_equal(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
    assert_string_equal(smtp_verb_name(SMTP_VERB_UNKNOWN), "UNKNOWN");
}

struct path_case {
    const char *args;
    const char *prefix;
    bool allow_null;
    int rc;
    const char *addr; /* when rc == 0; else the expected reply "501 5.1.7" */
    bool utf8;
    int nparams;
};

static const struct path_case path_cases[] = {
    {"FROM:<a@b.test>", "FROM:", true, 0, "a@b.test", false, 0},
    {"from:<a@b.test>", "FROM:", true, 0, "a@b.test", false, 0},
    {"FROM: <a@b.test>", "FROM:", true, 0, "a@b.test", false, 0},
    {"FROM:<>", "FROM:", true, 0, "", false, 0},
    {"TO:<>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"FROM:<@r1.test,@r2.test:a@b.test>", "FROM:", true, 0, "a@b.test", false, 0},
    {"FROM:<\"john doe\"@b.test>", "FROM:", true, 0, "\"john doe\"@b.test", false, 0},
    {"FROM:<\"a>b\"@b.test>", "FROM:", true, 0, "\"a>b\"@b.test", false, 0},
    {"FROM:<a@[192.0.2.1]>", "FROM:", true, 0, "a@[192.0.2.1]", false, 0},
    {"FROM:<a@[IPv6:2001:db8::1]>", "FROM:", true, 0, "a@[IPv6:2001:db8::1]", false, 0},
    {"FROM:<a@[300.1.1.1]>", "FROM:", true, -1, "501 5.1.7", false, 0},
    {"FROM:<j\xc3\xb6rg@b\xc3\xbc.test>", "FROM:", true, 0, "j\xc3\xb6rg@b\xc3\xbc.test", true, 0},
    {"FROM:<j\xc3rg@b.test>", "FROM:", true, -1, "501 5.1.7", false, 0},
    {"TO:<postmaster>", "TO:", false, 0, "postmaster", false, 0},
    {"FROM:<postmaster>", "FROM:", true, -1, "501 5.1.7", false, 0},
    {"FROM:a@b.test", "FROM:", true, -1, "501 5.1.7", false, 0},
    {"FROM:<a@b.test", "FROM:", true, -1, "501 5.1.7", false, 0},
    {"FROM <a@b.test>", "FROM:", true, -1, "501 5.5.4", false, 0},
    {"TO:<a@b..test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"TO:<.a@b.test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"TO:<a.@b.test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"TO:<a b@b.test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"TO:<a@-b.test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"TO:<a@b_c.test>", "TO:", false, -1, "501 5.1.3", false, 0},
    {"FROM:<a@b.test>x", "FROM:", true, -1, "501 5.5.4", false, 0},
    {"FROM:<a@b.test> SIZE=100 BODY=8BITMIME", "FROM:", true, 0, "a@b.test", false, 2},
    {"FROM:<a@b.test>  SMTPUTF8 ", "FROM:", true, 0, "a@b.test", false, 1},
    {"FROM:<a@b.test> =x", "FROM:", true, -1, "501 5.5.4", false, 0},
    {"FROM:<a@b.test> SIZE=", "FROM:", true, -1, "501 5.5.4", false, 0},
    {"FROM:<a@b.test> A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11 L=12 M=13 N=14 O=15 "
     "P=16 Q=17",
     "FROM:", true, -1, "555 5.5.4", false, 0},
};

static void
test_paths(void **state)
{
    struct smtp_path path;
    struct smtp_reply err;
    char got[32];

    for (size_t i = 0; i < sizeof path_cases / sizeof path_cases[0]; i++) {
        const struct path_case *c = &path_cases[i];
        print_message("%s\n", c->args);
        int rc =
            smtp_cmd_parse_path(c->args, strlen(c->args), c->prefix, c->allow_null, &path, &err);
        assert_int_equal(rc, c->rc);
        if (rc < 0) {
            snprintf(got, sizeof got, "%d %s", err.code, err.enh);
            assert_string_equal(got, c->addr);
            continue;
        }
        assert_string_equal(path.addr, c->addr);
        assert_int_equal(path.is_null, c->addr[0] == '\0');
        assert_int_equal(path.is_utf8, c->utf8);
        assert_int_equal(path.nparams, c->nparams);
    }
}

static void
test_path_too_long(void **state)
{
    char args[700];
    struct smtp_path path;
    struct smtp_reply err;
    size_t n = 0;

    memcpy(args, "TO:<a@", 6);
    n = 6;
    while (n < 600) {
        memcpy(args + n, "abcdefghi.", 10);
        n += 10;
    }
    memcpy(args + n, "test>", 5);
    n += 5;
    assert_int_equal(smtp_cmd_parse_path(args, n, "TO:", false, &path, &err), -1);
    assert_int_equal(err.code, 501);
}

static void
test_params(void **state)
{
    struct smtp_path path;
    struct smtp_reply err;
    const char *args = "FROM:<a@b.test> size=100 Body=8BITMIME SMTPUTF8 AUTH=<>";
    const struct smtp_param *p;

    assert_int_equal(smtp_cmd_parse_path(args, strlen(args), "FROM:", true, &path, &err), 0);
    assert_int_equal(path.nparams, 4);
    p = smtp_path_param(&path, "SIZE");
    assert_non_null(p);
    assert_string_equal(p->keyword, "SIZE");
    assert_string_equal(p->value, "100");
    assert_true(p->has_value);
    p = smtp_path_param(&path, "smtputf8");
    assert_non_null(p);
    assert_false(p->has_value);
    assert_string_equal(smtp_path_param(&path, "BODY")->value, "8BITMIME");
    assert_string_equal(smtp_path_param(&path, "AUTH")->value, "<>");
    assert_null(smtp_path_param(&path, "RET"));
}

static void
test_domains(void **state)
{
    static const struct {
        const char *d;
        bool utf8, ok;
    } cases[] = {
        {"example.com", false, true},
        {"a", false, true},
        {"a-b.c", false, true},
        {"-a.c", false, false},
        {"a..c", false, false},
        {"a.c.", false, false},
        {"", false, false},
        {"[192.0.2.1]", false, true},
        {"[IPv6:::1]", false, true},
        {"[x:y]", false, true},
        {"[1.2.3]", false, false},
        {"b\xc3\xbc.test", false, false},
        {"b\xc3\xbc.test", true, true},
        {"b\xff.test", true, false},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(smtp_cmd_is_domain(cases[i].d, strlen(cases[i].d), cases[i].utf8),
                         cases[i].ok);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verbs),         cmocka_unit_test(test_paths),
        cmocka_unit_test(test_path_too_long), cmocka_unit_test(test_params),
        cmocka_unit_test(test_domains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
