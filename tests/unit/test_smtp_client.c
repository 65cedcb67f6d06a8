/* test_smtp_client - the upstream client: greeting, EHLO, pipelining, content transparency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "smtp/smtp_client.h"
#include "util/buf.h"

struct crec {
    struct smtp_client *c;
    struct buf sent;    /* what the client wrote */
    struct buf replies; /* "CMD code user;" per reply */
    int errors;
};

static void
c_send(void *ctx, const char *data, size_t len)
{
    struct crec *r = ctx;
    buf_append(&r->sent, data, len);
}

static void
c_reply(void *ctx, enum smtp_client_cmd cmd, const struct smtp_reply *rep, void *user)
{
    struct crec *r = ctx;
    buf_printf(&r->replies, "%s %d %s;", smtp_client_cmd_name(cmd), rep->code,
               user != NULL ? (const char *)user : "-");
}

static void
c_error(void *ctx, const char *what)
{
    struct crec *r = ctx;
    r->errors++;
}

static const struct smtp_client_hooks c_hooks = {c_send, c_reply, c_error};

static void
c_open(struct crec *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->sent, 0);
    buf_init(&r->replies, 0);
    r->c = smtp_client_new(&c_hooks, r);
}

static void
c_close(struct crec *r)
{
    r->c = smtp_client_free(r->c);
    buf_release(&r->sent);
    buf_release(&r->replies);
}

static void
feed(struct crec *r, const char *s)
{
    smtp_client_feed(r->c, s, strlen(s));
}

static const char ehlo_pipe[] =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n"
    "250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
    "250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250-DSN\r\n250 SMTPUTF8\r\n";

static void
test_greeting_ehlo(void **state)
{
    struct crec r;

    c_open(&r);
    assert_int_equal(smtp_client_pending(r.c), 1);
    smtp_client_ehlo(r.c, "gw.test", "e");
    assert_string_equal(r.sent.data, ""); /* waits for the greeting */
    feed(&r, "220 mx.test ESMTP\r\n");
    assert_string_equal(r.sent.data, "EHLO gw.test\r\n");
    feed(&r, ehlo_pipe);
    assert_string_equal(r.replies.data, "GREETING 220 -;EHLO 250 e;");
    static const enum smtp_client_ext all[] = {
        SMTP_EXT_PIPELINING, SMTP_EXT_SIZE,     SMTP_EXT_8BITMIME,
        SMTP_EXT_SMTPUTF8,   SMTP_EXT_STARTTLS, SMTP_EXT_ENHANCEDSTATUSCODES,
        SMTP_EXT_AUTH,       SMTP_EXT_CHUNKING, SMTP_EXT_DSN,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_true(smtp_client_has(r.c, all[i]));
    assert_int_equal(smtp_client_max_size(r.c), 35882577);
    assert_int_equal(smtp_client_pending(r.c), 0);
    smtp_client_tls_started(r.c);
    assert_false(smtp_client_has(r.c, SMTP_EXT_PIPELINING));
    assert_int_equal(r.errors, 0);
    c_close(&r);
}

/* transaction - issue a whole transaction at once */
static void
transaction(struct crec *r)
{
    smtp_client_mail(r->c, "a@b.test", "SIZE=10", "m");
    smtp_client_rcpt(r->c, "x@y.test", NULL, "r1");
    smtp_client_rcpt(r->c, "z@y.test", NULL, "r2");
    smtp_client_data(r->c, "d");
}

static void
test_pipelined(void **state)
{
    struct crec r;

    c_open(&r);
    feed(&r, "220 mx\r\n");
    smtp_client_ehlo(r.c, "gw.test", NULL);
    transaction(&r); /* EHLO ends a group: nothing behind it yet */
    assert_string_equal(r.sent.data, "EHLO gw.test\r\n");
    feed(&r, ehlo_pipe);
    assert_string_equal(r.sent.data, "EHLO gw.test\r\nMAIL FROM:<a@b.test> SIZE=10\r\n"
                                     "RCPT TO:<x@y.test>\r\nRCPT TO:<z@y.test>\r\nDATA\r\n");
    smtp_client_content(r.c, "early\n", 6); /* held until 354 */
    feed(&r, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no\r\n");
    assert_null(strstr(r.sent.data, "early"));
    feed(&r, "354 go\r\n");
    assert_non_null(strstr(r.sent.data, "DATA\r\nearly\r\n"));
    smtp_client_content_end(r.c, "end");
    smtp_client_quit(r.c, "q");
    assert_null(strstr(r.sent.data, "QUIT")); /* "." ends a group */
    feed(&r, "250 2.0.0 queued\r\n");
    assert_non_null(strstr(r.sent.data, "early\r\n.\r\nQUIT\r\n"));
    feed(&r, "221 bye\r\n");
    assert_string_equal(r.replies.data, "GREETING 220 -;EHLO 250 -;MAIL 250 m;RCPT 250 r1;"
                                        "RCPT 550 r2;DATA 354 d;DATA_END 250 end;QUIT 221 q;");
    assert_int_equal(smtp_client_pending(r.c), 0);
    c_close(&r);
}

static void
test_serialised(void **state)
{
    struct crec r;

    c_open(&r);
    feed(&r, "220 mx\r\n");
    smtp_client_helo(r.c, "gw.test", NULL);
    feed(&r, "250 mx\r\n");
    transaction(&r);
    assert_string_equal(r.sent.data, "HELO gw.test\r\nMAIL FROM:<a@b.test> SIZE=10\r\n");
    feed(&r, "250 ok\r\n");
    assert_non_null(strstr(r.sent.data, "RCPT TO:<x@y.test>\r\n"));
    assert_null(strstr(r.sent.data, "RCPT TO:<z@y.test>\r\n"));
    feed(&r, "250 ok\r\n");
    feed(&r, "250 ok\r\n");
    assert_non_null(strstr(r.sent.data, "RCPT TO:<z@y.test>\r\nDATA\r\n"));
    /* DATA refused: content and "." are dropped, "." answered with the refusal */
    feed(&r, "554 5.5.1 no valid recipients\r\n");
    smtp_client_content(r.c, "x\r\n", 3);
    smtp_client_content_end(r.c, "end");
    assert_true(strstr(r.replies.data, "DATA 554 d;DATA_END 554 end;") != NULL);
    assert_null(strstr(r.sent.data, "x\r\n"));
    c_close(&r);
}

static void
test_content_transparency(void **state)
{
    static const struct {
        const char *in;
        const char *wire;
    } cases[] = {
        {"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
        {"a\nb", "a\r\nb\r\n.\r\n"},
        {".hidden\n..two\r\n.\r\n", "..hidden\r\n...two\r\n..\r\n.\r\n"},
        {"a\rb\r", "a\r\nb\r\n.\r\n"},
        {"a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"},
        {"x\n.\nMAIL FROM:<e@v>\n", "x\r\n..\r\nMAIL FROM:<e@v>\r\n.\r\n"},
        {"", ".\r\n"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct crec r;
            c_open(&r);
            feed(&r, "220 mx\r\n");
            smtp_client_ehlo(r.c, "gw", NULL);
            feed(&r, "250 mx\r\n");
            transaction(&r);
            feed(&r, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
            size_t start = r.sent.len;
            size_t n = strlen(cases[i].in);
            if (bytewise)
                for (size_t k = 0; k < n; k++)
                    smtp_client_content(r.c, cases[i].in + k, 1);
            else
                smtp_client_content(r.c, cases[i].in, n);
            smtp_client_content_end(r.c, NULL);
            assert_string_equal(r.sent.data + start, cases[i].wire);
            c_close(&r);
        }
    }
}

static void
test_split_replies(void **state)
{
    struct crec r;
    const char *wire = "220-mx.test hello\r\n220 more\r\n";

    c_open(&r);
    for (const char *p = wire; *p != '\0'; p++)
        smtp_client_feed(r.c, p, 1);
    assert_string_equal(r.replies.data, "GREETING 220 -;");
    smtp_client_ehlo(r.c, "gw", NULL);
    for (const char *p = ehlo_pipe; *p != '\0'; p++)
        smtp_client_feed(r.c, p, 1);
    assert_true(smtp_client_has(r.c, SMTP_EXT_PIPELINING));
    feed(&r, "250 unexpected\r\n");
    assert_int_equal(r.errors, 1);
    c_close(&r);

    c_open(&r);
    feed(&r, "2x0 broken\r\n");
    assert_int_equal(r.errors, 1);
    c_close(&r);
}

static void
test_injection_refused(void **state)
{
    struct crec r;

    c_open(&r);
    feed(&r, "220 mx\r\n");
    smtp_client_mail(r.c, "a@b\r\nRCPT TO:<evil@x>", NULL, NULL);
    assert_int_equal(r.errors, 1);
    assert_string_equal(r.sent.data, "");
    c_close(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting_ehlo), cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_serialised),    cmocka_unit_test(test_content_transparency),
        cmocka_unit_test(test_split_replies), cmocka_unit_test(test_injection_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
