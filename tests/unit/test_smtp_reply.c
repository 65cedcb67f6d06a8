/* test_smtp_reply - reply formatting and the incremental reply parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "smtp/smtp_reply.h"

static void
test_format(void **state)
{
    static const struct {
        int code;
        const char *enh, *text, *wire;
    } cases[] = {
        {250, "2.0.0", "Ok", "250 2.0.0 Ok\r\n"},
        {220, NULL, "mx ESMTP", "220 mx ESMTP\r\n"},
        {250, "", "mx\nPIPELINING\nSIZE 10", "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n"},
        {550, "5.7.1", "one\ntwo", "550-5.7.1 one\r\n550 5.7.1 two\r\n"},
        {334, NULL, "", "334 \r\n"},
        {554, "5.0.0", "evil\r\n250 injected", "554-5.0.0 evil\r\n554 5.0.0 250 injected\r\n"},
    };
    struct smtp_reply r;
    struct buf b;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_init(&b, 0);
        smtp_reply_set(&r, cases[i].code, cases[i].enh, "%s", cases[i].text);
        assert_int_equal(smtp_reply_format(&r, &b), 0);
        assert_string_equal(b.data, cases[i].wire);
        buf_release(&b);
    }
    smtp_reply_set(&r, 354, NULL, "go");
    assert_true(smtp_reply_is_positive(&r));
    smtp_reply_set(&r, 451, "4.3.0", "later");
    assert_false(smtp_reply_is_positive(&r));
}

struct parse_case {
    const char *wire;
    int code;
    const char *enh, *text;
};

static const struct parse_case parse_cases[] = {
    {"250 2.0.0 Ok\r\n", 250, "2.0.0", "Ok"},
    {"220 mx.test ESMTP\r\n", 220, "", "mx.test ESMTP"},
    {"250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 250, "",
     "mx.test\nPIPELINING\nSIZE 1000"},
    {"550-5.7.1 no\r\n550 5.7.1 way\r\n", 550, "5.7.1", "no\nway"},
    {"354 go ahead\n", 354, "", "go ahead"},
    {"250\r\n", 250, "", ""},
    {"421 4.7.0 bye\r\n", 421, "4.7.0", "bye"},
    {"250 5.0.0 class mismatch\r\n", 250, "", "5.0.0 class mismatch"},
};

/* parse_split - feed wire split at `split`; returns the number of replies (expects 1) */
static void
parse_split(const struct parse_case *c, size_t split)
{
    struct smtp_reply_parser *p = smtp_reply_parser_new();
    struct smtp_reply r;
    size_t len = strlen(c->wire);

    memset(&r, 0, sizeof r);
    assert_int_equal(smtp_reply_parser_feed(p, c->wire, split, &r), split == len ? (long)len : 0);
    if (split < len)
        assert_int_equal(smtp_reply_parser_feed(p, c->wire + split, len - split, &r),
                         (long)(len - split));
    assert_int_equal(r.code, c->code);
    assert_string_equal(r.enh, c->enh);
    assert_string_equal(r.text, c->text);
    smtp_reply_parser_free(p);
}

static void
test_parse_splits(void **state)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++)
        for (size_t split = 0; split <= strlen(parse_cases[i].wire); split++)
            parse_split(&parse_cases[i], split);
}

static void
test_parse_bytewise_two_replies(void **state)
{
    const char wire[] = "250-a\r\n250 b\r\n354 c\r\n";
    struct smtp_reply_parser *p = smtp_reply_parser_new();
    struct smtp_reply r;
    int got = 0;

    for (size_t i = 0; i < sizeof wire - 1; i++) {
        long n = smtp_reply_parser_feed(p, wire + i, 1, &r);
        assert_true(n == 0 || n == 1);
        if (n == 1) {
            got++;
            assert_int_equal(r.code, got == 1 ? 250 : 354);
        }
    }
    assert_int_equal(got, 2);
    /* both in one call: the first reply consumes only its own bytes */
    assert_int_equal(smtp_reply_parser_feed(p, wire, sizeof wire - 1, &r), 14);
    assert_string_equal(r.text, "a\nb");
    assert_int_equal(smtp_reply_parser_feed(p, wire + 14, sizeof wire - 1 - 14, &r), 7);
    smtp_reply_parser_free(p);
}

static void
test_parse_malformed(void **state)
{
    static const char *const bad[] = {
        "25\r\n", "abc ok\r\n", "250-a\r\n251 b\r\n", "250xok\r\n", "150 early\r\n", "650 x\r\n",
    };
    struct smtp_reply r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct smtp_reply_parser *p = smtp_reply_parser_new();
        long n = smtp_reply_parser_feed(p, bad[i], strlen(bad[i]), &r);
        if (n > 0) /* a valid first reply, then the bad line */
            n = smtp_reply_parser_feed(p, bad[i] + n, strlen(bad[i]) - (size_t)n, &r);
        assert_int_equal(n, -1);
        assert_int_equal(smtp_reply_parser_feed(p, "250 ok\r\n", 8, &r), -1); /* sticky */
        smtp_reply_parser_free(p);
    }

    char longline[SMTP_REPLY_LINE_MAX + 10];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "250 ", 4);
    struct smtp_reply_parser *p = smtp_reply_parser_new();
    assert_int_equal(smtp_reply_parser_feed(p, longline, sizeof longline, &r), -1);
    smtp_reply_parser_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_splits),
        cmocka_unit_test(test_parse_bytewise_two_replies),
        cmocka_unit_test(test_parse_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
