/* test_smtp_server - the server state machine: sessions, smuggling, limits, pipelining, AUTH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "smtp/smtp_server.h"
#include "util/buf.h"

/* one chunk of client input; length given so that NUL bytes survive */
struct chunk {
    const char *p;
    size_t n;
};

#define CH(lit)                                                                                    \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

struct rec {
    struct smtp_server *s;
    struct buf out;     /* every reply sent */
    struct buf content; /* every content span */
    struct buf mails;   /* MAIL FROM addresses seen by the hook, one per line */
    int closed, data_end, data_failed, rcpts, starttls, resets, violations;
    enum smtp_data_error why;
    bool async; /* decision hooks return without deciding */
    char user[64], pass[64];
};

static void
rec_send(void *ctx, const char *data, size_t len)
{
    struct rec *r = ctx;
    buf_append(&r->out, data, len);
}

static void
rec_close(void *ctx, const char *why)
{
    struct rec *r = ctx;
    r->closed++;
}

static void
rec_starttls(void *ctx)
{
    struct rec *r = ctx;
    r->starttls++;
}

static void
rec_decide(struct rec *r)
{
    if (!r->async)
        smtp_server_decide(r->s, NULL);
}

static void
rec_helo(void *ctx, const char *name, bool esmtp)
{
    rec_decide(ctx);
}

static void
rec_mail(void *ctx, const struct smtp_path *from)
{
    struct rec *r = ctx;
    buf_printf(&r->mails, "%s\n", from->addr);
    rec_decide(r);
}

static void
rec_rcpt(void *ctx, const struct smtp_path *to)
{
    struct rec *r = ctx;
    r->rcpts++;
    rec_decide(r);
}

static void
rec_data(void *ctx)
{
    rec_decide(ctx);
}

static void
rec_data_end(void *ctx)
{
    struct rec *r = ctx;
    r->data_end++;
    rec_decide(r);
}

static void
rec_content(void *ctx, const char *data, size_t len)
{
    struct rec *r = ctx;
    assert_true(len > 0);
    buf_append(&r->content, data, len);
}

static void
rec_data_failed(void *ctx, enum smtp_data_error why)
{
    struct rec *r = ctx;
    r->data_failed++;
    r->why = why;
}

static void
rec_reset(void *ctx)
{
    struct rec *r = ctx;
    r->resets++;
}

static void
rec_violation(void *ctx, const char *what)
{
    struct rec *r = ctx;
    r->violations++;
}

static void
rec_auth(void *ctx, const struct smtp_auth_request *req)
{
    struct rec *r = ctx;
    struct smtp_reply no;

    snprintf(r->user, sizeof r->user, "%s", req->user);
    snprintf(r->pass, sizeof r->pass, "%s", req->password);
    if (r->async)
        return;
    smtp_reply_set(&no, 535, "5.7.8", "Authentication credentials invalid");
    smtp_server_decide(r->s, strcmp(req->password, "secret") == 0 ? NULL : &no);
}

static const struct smtp_server_hooks rec_hooks = {
    .send = rec_send,
    .close = rec_close,
    .starttls = rec_starttls,
    .helo = rec_helo,
    .auth = rec_auth,
    .mail = rec_mail,
    .rcpt = rec_rcpt,
    .data = rec_data,
    .data_end = rec_data_end,
    .content = rec_content,
    .data_failed = rec_data_failed,
    .reset = rec_reset,
    .violation = rec_violation,
};

static void
test_cfg(struct smtp_server_config *cfg)
{
    smtp_server_config_defaults(cfg);
    cfg->hostname = "mx.test";
    cfg->starttls = true;
    cfg->auth = true;
}

static void
rec_open(struct rec *r, const struct smtp_server_config *cfg)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->out, 0);
    buf_init(&r->content, 0);
    buf_init(&r->mails, 0);
    r->s = smtp_server_new(cfg, &rec_hooks, r);
}

static void
rec_free(struct rec *r)
{
    r->s = smtp_server_free(r->s);
    buf_release(&r->out);
    buf_release(&r->content);
    buf_release(&r->mails);
}

/* run - greet, then feed each chunk (or every byte of it on its own when bytewise) */
static void
run(struct rec *r, const struct smtp_server_config *cfg, const struct chunk *chunks, size_t n,
    bool bytewise)
{
    rec_open(r, cfg);
    smtp_server_greet(r->s, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!bytewise) {
            smtp_server_feed(r->s, chunks[i].p, chunks[i].n);
            continue;
        }
        for (size_t k = 0; k < chunks[i].n; k++)
            smtp_server_feed(r->s, chunks[i].p + k, 1);
    }
}

/* assert_replies - the reply codes sent, in order, as "220 250 ..." */
static void
assert_codes(const struct rec *r, const char *want)
{
    char got[1024] = "";
    size_t len = 0;
    const char *p = r->out.data;

    while (p != NULL && *p != '\0') {
        if (p[3] == ' ' && len + 5 < sizeof got)
            len += (size_t)snprintf(got + len, sizeof got - len, "%s%.3s", len ? " " : "", p);
        p = strstr(p, "\r\n");
        if (p != NULL)
            p += 2;
    }
    assert_string_equal(got, want);
}

static void
assert_has(const struct rec *r, const char *line)
{
    if (strstr(r->out.data, line) == NULL)
        fail_msg("reply \"%s\" not in:\n%s", line, r->out.data);
}

static const struct chunk envelope[] = {
    CH("EHLO client.test\r\n"),
    CH("MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nDATA\r\n"),
};

static void
test_full_session(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;
    const struct chunk in[] = {
        envelope[0],
        envelope[1],
        CH("Subject: hi\r\n\r\n..hidden dot\r\n.\r\n"),
        CH("QUIT\r\n"),
    };

    test_cfg(&cfg);
    run(&r, &cfg, in, 4, false);
    assert_string_equal(r.out.data, "220 mx.test ESMTP smtpwarden\r\n"
                                    "250-mx.test\r\n"
                                    "250-PIPELINING\r\n"
                                    "250-SIZE 10240000\r\n"
                                    "250-8BITMIME\r\n"
                                    "250-SMTPUTF8\r\n"
                                    "250-ENHANCEDSTATUSCODES\r\n"
                                    "250 STARTTLS\r\n"
                                    "250 2.1.0 Ok\r\n"
                                    "250 2.1.5 Ok\r\n"
                                    "354 End data with <CR><LF>.<CR><LF>\r\n"
                                    "250 2.0.0 Ok: queued\r\n"
                                    "221 2.0.0 Bye\r\n");
    assert_string_equal(r.content.data, "Subject: hi\r\n\r\n.hidden dot\r\n");
    assert_int_equal(r.data_end, 1);
    assert_int_equal(r.closed, 1);
    assert_int_equal(smtp_server_state(r.s), SMTP_STATE_CLOSED);
    assert_int_equal(smtp_server_session(r.s)->transactions, 1);
    rec_free(&r);
}

/* the smuggling table: SEQ sits between "hello" and a smuggled second envelope */
struct smuggle {
    const char *name;
    const char *seq;
    size_t seqlen;
    const char *middle; /* what NORMALISE delivers in place of SEQ */
    size_t midlen;
    enum smtp_data_error refuse; /* why REJECT refuses the message (bare CR/LF, NUL) */
};

#define SM(name, seq, mid, refuse)                                                                 \
    {                                                                                              \
        name, seq, sizeof(seq) - 1, mid, sizeof(mid) - 1, refuse                                   \
    }

static const struct smuggle smuggles[] = {
    SM("LF.LF", "\n.\n", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("LF.CRLF", "\n.\r\n", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("CR.CR", "\r.\r", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("CR.LF", "\r.\n", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("LF.CR", "\n.\r", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("CR.CRLF", "\r.\r\n", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("CRLF.LF", "\r\n.\n", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    SM("CRLF.CR", "\r\n.\r", "\r\n.\r\n", SMTP_DATA_BARE_EOL),
    /* NORMALISE drops the NUL, so a hop that drops NULs sees nothing new; the "." is content */
    SM("CRLF NUL.CRLF", "\r\n\0.\r\n", "\r\n.\r\n", SMTP_DATA_NUL),
    SM("CRLF.NUL CRLF", "\r\n.\0\r\n", "\r\n\r\n", SMTP_DATA_NUL),
    SM("CRLF.CR CRLF", "\r\n.\r\r\n", "\r\n.\r\n\r\n", SMTP_DATA_BARE_EOL),
    SM("CR CRLF.CR CRLF", "\r\r\n.\r\r\n", "\r\n\r\n.\r\n\r\n", SMTP_DATA_BARE_EOL),
};

static const char smuggle_head[] = "Subject: t\r\n\r\nhello";
static const char smuggle_tail[] = "MAIL FROM:<spoof@bank.test>\r\nRCPT TO:<v@x.test>\r\nDATA\r\n"
                                   "evil\r\n.\r\n";

/* smuggle_run - one row, one mode, one way of feeding; checks and leaves the record */
static void
smuggle_run(struct rec *r, const struct smuggle *sm, enum smtp_bare_eol mode, size_t split,
            bool bytewise)
{
    struct smtp_server_config cfg;
    char msg[256];
    size_t n = 0;

    test_cfg(&cfg);
    cfg.bare_eol = mode;
    memcpy(msg + n, smuggle_head, sizeof smuggle_head - 1);
    n += sizeof smuggle_head - 1;
    memcpy(msg + n, sm->seq, sm->seqlen);
    n += sm->seqlen;
    memcpy(msg + n, smuggle_tail, sizeof smuggle_tail - 1);
    n += sizeof smuggle_tail - 1;
    if (split > n)
        split = n;
    const struct chunk in[] = {
        envelope[0], envelope[1], {msg, split}, {msg + split, n - split}, CH("QUIT\r\n")};
    run(r, &cfg, in, 5, bytewise);

    /* the smuggled MAIL never reached the hook: one transaction at most */
    assert_string_equal(r->mails.data, "a@sender.test\n");
    assert_int_equal(r->rcpts, 1);
    assert_int_equal(r->closed, 1);
    if (mode == SMTP_BARE_EOL_REJECT) {
        assert_int_equal(r->data_end, 0);
        assert_int_equal(r->data_failed, 1);
        assert_int_equal(r->why, sm->refuse);
        assert_codes(r, "220 250 250 250 354 550");
        assert_has(r, sm->refuse == SMTP_DATA_NUL
                          ? "550 5.6.0 Message refused: NUL byte in content\r\n"
                          : "550 5.5.2 Message refused: bare CR or LF in content\r\n");
        return;
    }
    char want[256];
    size_t w = 0;
    memcpy(want + w, smuggle_head, sizeof smuggle_head - 1);
    w += sizeof smuggle_head - 1;
    memcpy(want + w, sm->middle, sm->midlen);
    w += sm->midlen;
    memcpy(want + w, smuggle_tail, sizeof smuggle_tail - 1 - 3); /* without ".\r\n" */
    w += sizeof smuggle_tail - 1 - 3;
    assert_int_equal(r->data_end, 1);
    assert_int_equal(r->data_failed, 0);
    assert_codes(r, "220 250 250 250 354 250 221");
    assert_int_equal(r->content.len, w);
    assert_memory_equal(r->content.data, want, w);
}

static void
test_smuggling(void **state)
{
    for (size_t i = 0; i < sizeof smuggles / sizeof smuggles[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            struct rec a, b;
            print_message("smuggle %s mode %d\n", smuggles[i].name, mode);
            smuggle_run(&a, &smuggles[i], (enum smtp_bare_eol)mode, (size_t)-1, false);
            smuggle_run(&b, &smuggles[i], (enum smtp_bare_eol)mode, (size_t)-1, true);
            assert_string_equal(a.out.data, b.out.data);
            assert_int_equal(a.content.len, b.content.len);
            assert_memory_equal(a.content.data, b.content.data, a.content.len);
            rec_free(&a);
            rec_free(&b);
        }
    }
}

/* every split point of the message gives the same replies and content */
static void
test_smuggling_splits(void **state)
{
    for (size_t i = 0; i < sizeof smuggles / sizeof smuggles[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            struct rec ref;
            smuggle_run(&ref, &smuggles[i], (enum smtp_bare_eol)mode, (size_t)-1, false);
            for (size_t split = 0; split < 100; split++) {
                struct rec r;
                smuggle_run(&r, &smuggles[i], (enum smtp_bare_eol)mode, split, false);
                assert_string_equal(r.out.data, ref.out.data);
                assert_int_equal(r.content.len, ref.content.len);
                assert_memory_equal(r.content.data, ref.content.data, r.content.len);
                rec_free(&r);
            }
            rec_free(&ref);
        }
    }
}

/* session_codes - run chunks and compare reply codes (bytewise too when safe) */
static void
session_codes(const struct smtp_server_config *cfg, const struct chunk *in, size_t n,
              const char *codes, int closed)
{
    struct rec r;

    run(&r, cfg, in, n, false);
    assert_codes(&r, codes);
    assert_int_equal(r.closed, closed);
    rec_free(&r);
}

static void
test_sequence_errors(void **state)
{
    struct smtp_server_config cfg;
    const struct chunk mail_first[] = {CH("MAIL FROM:<a@b.test>\r\n"), CH("RCPT TO:<a@b.test>\r\n"),
                                       CH("DATA\r\n"), CH("FOO bar\r\n")};
    const struct chunk nested[] = {envelope[0], CH("MAIL FROM:<a@b.test>\r\n"),
                                   CH("MAIL FROM:<a@b.test>\r\n"), CH("DATA\r\n")};
    const struct chunk syntax[] = {envelope[0],
                                   CH("MAIL FROM:<a@@b>\r\n"),
                                   CH("MAIL FROM:<a@b.test> FOO=1\r\n"),
                                   CH("MAIL FROM:<j\xc3\xb6rg@b.test>\r\n"),
                                   CH("MAIL FROM: <a@b.test>\r\n"),
                                   CH("RCPT TO:<>\r\n"),
                                   CH("RCPT TO:<x@y.test> NOTIFY=NEVER\r\n"),
                                   CH("BDAT 10 LAST\r\n"),
                                   CH("VRFY root\r\n"),
                                   CH("EXPN staff\r\n"),
                                   CH("HELP\r\n"),
                                   CH("NOOP\r\n"),
                                   CH("RSET\r\n")};

    test_cfg(&cfg);
    cfg.max_errors = 100;
    session_codes(&cfg, mail_first, 4, "220 503 503 503 500", 0);
    session_codes(&cfg, nested, 4, "220 250 250 503 554", 0);
    session_codes(&cfg, syntax, 13, "220 250 501 555 553 250 501 555 502 252 502 214 250 250", 0);

    struct rec r;
    run(&r, &cfg, syntax, 13, false);
    assert_has(&r, "501 5.1.7 Bad sender address syntax\r\n");
    assert_has(&r, "555 5.5.4 Unsupported option: FOO\r\n");
    assert_has(&r, "553 5.6.7 ");
    assert_has(&r, "501 5.1.3 Bad recipient address syntax\r\n");
    assert_has(&r, "502 5.5.1 ");
    assert_has(&r, "252 2.1.5 ");
    assert_int_equal(r.resets, 1);
    rec_free(&r);
}

static void
test_utf8_and_params(void **state)
{
    struct smtp_server_config cfg;
    const struct chunk in[] = {
        envelope[0],
        CH("MAIL FROM:<j\xc3\xb6rg@b.test> SMTPUTF8 BODY=8BITMIME SIZE=100 AUTH=<>\r\n"),
        CH("RCPT TO:<\xc3\xa9@d\xc3\xa9.test>\r\n"),
        CH("RSET\r\n"),
        CH("MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n"),
        CH("MAIL FROM:<a@b.test> SIZE=99999999999\r\n"),
        CH("MAIL FROM:<a@b.test>\r\n"),
        CH("RCPT TO:<\xc3\xa9@d.test>\r\n"),
    };

    test_cfg(&cfg);
    session_codes(&cfg, in, 8, "220 250 250 250 250 501 552 250 553", 0);
}

static void
test_limits_command_line(void **state)
{
    struct smtp_server_config cfg;
    char longline[700];
    struct rec a, b;

    test_cfg(&cfg);
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "NOOP ", 5);
    memcpy(longline + sizeof longline - 2, "\r\n", 2);
    const struct chunk in[] = {envelope[0], {longline, sizeof longline}, CH("NOOP\r\n")};
    run(&a, &cfg, in, 3, false);
    run(&b, &cfg, in, 3, true);
    assert_codes(&a, "220 250 500 250");
    assert_has(&a, "500 5.5.2 Line too long\r\n");
    assert_string_equal(a.out.data, b.out.data);
    rec_free(&a);
    rec_free(&b);
}

static void
test_limits_data(void **state)
{
    struct smtp_server_config cfg;
    char body[1300];
    struct rec r;

    test_cfg(&cfg);
    memset(body, 'y', sizeof body);
    memcpy(body + sizeof body - 7, "\r\n.\r\n", 5);
    memcpy(body + sizeof body - 2, "\r\n", 2);
    /* one 1293-octet line: over max_text_line */
    const struct chunk in[] = {
        envelope[0], envelope[1], {body, sizeof body - 2}, CH("MAIL FROM:<a@b.test>\r\n")};
    run(&r, &cfg, in, 4, false);
    assert_codes(&r, "220 250 250 250 354 552 250");
    assert_has(&r, "552 5.5.2 Message refused: line too long\r\n");
    assert_int_equal(r.data_failed, 1);
    assert_int_equal(r.why, SMTP_DATA_LINE_TOO_LONG);
    assert_int_equal(r.data_end, 0);
    rec_free(&r);

    cfg.max_message_size = 100;
    const char big[] = "0123456789012345678901234567890123456789\r\n"
                       "0123456789012345678901234567890123456789\r\n"
                       "0123456789012345678901234567890123456789\r\n.\r\n";
    const struct chunk in2[] = {envelope[0], envelope[1], {big, sizeof big - 1}};
    run(&r, &cfg, in2, 3, false);
    assert_codes(&r, "220 250 250 250 354 552");
    assert_has(&r, "552 5.3.4 Message size exceeds fixed limit\r\n");
    assert_has(&r, "250-SIZE 100\r\n");
    assert_int_equal(r.why, SMTP_DATA_TOO_BIG);
    assert_int_equal(r.content.len, 100);
    assert_int_equal(r.closed, 0);
    assert_int_equal(smtp_server_state(r.s), SMTP_STATE_READY);
    rec_free(&r);

    const struct chunk in3[] = {envelope[0], CH("MAIL FROM:<a@b.test> SIZE=101\r\n")};
    session_codes(&cfg, in3, 2, "220 250 552", 0);
}

static void
test_limits_recipients_errors(void **state)
{
    struct smtp_server_config cfg;
    const struct chunk rcpts[] = {envelope[0], CH("MAIL FROM:<a@b.test>\r\n"),
                                  CH("RCPT TO:<1@b.test>\r\n"), CH("RCPT TO:<2@b.test>\r\n"),
                                  CH("RCPT TO:<3@b.test>\r\n")};
    const struct chunk errs[] = {envelope[0], CH("X\r\n"), CH("Y\r\n"),
                                 CH("Z\r\n"), CH("W\r\n"), CH("NOOP\r\n")};

    test_cfg(&cfg);
    cfg.max_recipients = 2;
    session_codes(&cfg, rcpts, 5, "220 250 250 250 250 452", 0);
    cfg.max_errors = 3;
    session_codes(&cfg, errs, 6, "220 250 500 500 500 500 421", 1);
}

static void
test_pipelining(void **state)
{
    struct smtp_server_config cfg;
    const struct chunk ehlo[] = {envelope[0], envelope[1], CH("x\r\n.\r\nQUIT\r\n")};
    const struct chunk helo[] = {CH("HELO client.test\r\n"), envelope[1]};
    const struct chunk helo_end[] = {CH("HELO client.test\r\n"), CH("MAIL FROM:<a@b.test>\r\n"),
                                     CH("RCPT TO:<b@c.test>\r\n"), CH("DATA\r\n"),
                                     CH("x\r\n.\r\nQUIT\r\n")};
    const struct chunk ehlo_noop[] = {envelope[0], CH("NOOP\r\nNOOP\r\n")};
    const struct chunk ehlo_mail[] = {CH("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n")};
    const struct chunk data_body[] = {envelope[0], CH("MAIL FROM:<a@b.test>\r\n"),
                                      CH("RCPT TO:<b@c.test>\r\nDATA\r\nbody\r\n.\r\n")};

    test_cfg(&cfg);
    session_codes(&cfg, ehlo, 3, "220 250 250 250 354 250 221", 1);
    session_codes(&cfg, helo, 2, "220 250 250 554", 1);
    session_codes(&cfg, helo_end, 5, "220 250 250 250 354 250 554", 1);
    session_codes(&cfg, ehlo_noop, 2, "220 250 250 554", 1);
    session_codes(&cfg, ehlo_mail, 1, "220 250 554", 1);
    session_codes(&cfg, data_body, 3, "220 250 250 250 354 554", 1);
    cfg.pipelining = false;
    session_codes(&cfg, ehlo, 3, "220 250 250 554", 1);

    struct rec r;
    run(&r, &cfg, helo, 2, false);
    assert_has(&r, "554 5.5.0 Protocol error: pipelining not offered\r\n");
    rec_free(&r);
}

static void
test_pregreeting(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;

    test_cfg(&cfg);
    rec_open(&r, &cfg);
    smtp_server_feed(r.s, "EHLO early\r\n", 12);
    assert_int_equal(r.out.len, 0);
    smtp_server_greet(r.s, NULL);
    assert_string_equal(r.out.data, "554 5.5.0 Protocol error: client spoke before greeting\r\n");
    assert_int_equal(r.closed, 1);
    smtp_server_feed(r.s, "QUIT\r\n", 6);
    assert_int_equal(r.closed, 1);
    rec_free(&r);
}

static void
test_bare_eol_command(void **state)
{
    struct smtp_server_config cfg;
    const struct chunk in[] = {CH("EHLO client.test\n"), CH("NOOP\r\n")};

    test_cfg(&cfg);
    session_codes(&cfg, in, 2, "220 554", 1);
    cfg.bare_eol = SMTP_BARE_EOL_NORMALISE;
    session_codes(&cfg, in, 2, "220 250 250", 0);
}

static void
test_starttls(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;
    const struct chunk inject[] = {envelope[0], CH("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")};

    test_cfg(&cfg);
    run(&r, &cfg, inject, 2, false);
    assert_codes(&r, "220 250 554");
    assert_int_equal(r.starttls, 0);
    assert_int_equal(r.closed, 1);
    assert_string_equal(r.mails.data, "");
    rec_free(&r);

    const struct chunk clean[] = {envelope[0], CH("STARTTLS\r\n")};
    run(&r, &cfg, clean, 2, false);
    assert_codes(&r, "220 250 220");
    assert_int_equal(r.starttls, 1);
    smtp_server_tls_started(r.s);
    assert_true(smtp_server_session(r.s)->tls);
    assert_int_equal(smtp_server_state(r.s), SMTP_STATE_INIT);
    smtp_server_feed(r.s, "MAIL FROM:<a@b.test>\r\n", 22);
    assert_has(&r, "503 5.5.1 ");
    size_t before = r.out.len;
    smtp_server_feed(r.s, "EHLO again.test\r\n", 17);
    assert_true(strstr(r.out.data + before, "STARTTLS") == NULL);
    assert_has(&r, "250 AUTH PLAIN LOGIN\r\n");
    smtp_server_feed(r.s, "STARTTLS\r\n", 10);
    assert_has(&r, "554 5.5.1 Error: TLS already active\r\n");
    rec_free(&r);

    /* plaintext fed after the 220 but before the handshake completed */
    run(&r, &cfg, clean, 2, false);
    smtp_server_feed(r.s, "NOOP\r\n", 6);
    assert_int_equal(r.closed, 1);
    rec_free(&r);
}

/* auth_session - EHLO over TLS, then the given lines one by one */
static void
auth_session(struct rec *r, const struct chunk *in, size_t n, bool tls)
{
    struct smtp_server_config cfg;

    test_cfg(&cfg);
    cfg.tls_active = tls;
    rec_open(r, &cfg);
    smtp_server_greet(r->s, NULL);
    smtp_server_feed(r->s, "EHLO c.test\r\n", 13);
    for (size_t i = 0; i < n; i++)
        smtp_server_feed(r->s, in[i].p, in[i].n);
}

static void
test_auth(void **state)
{
    struct rec r;
    /* "\0user\0secret", "\0user\0wrong", "user", "secret" */
    const struct chunk plain_ir[] = {CH("AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"), CH("AUTH PLAIN\r\n")};
    const struct chunk plain_334[] = {CH("AUTH PLAIN\r\n"), CH("AHVzZXIAd3Jvbmc=\r\n"),
                                      CH("AUTH PLAIN\r\n"), CH("=\r\n")};
    const struct chunk login[] = {CH("AUTH LOGIN\r\n"), CH("dXNlcg==\r\n"), CH("c2VjcmV0\r\n")};
    const struct chunk login_ir[] = {CH("AUTH LOGIN dXNlcg==\r\n"), CH("*\r\n"),
                                     CH("AUTH LOGIN\r\n"), CH("%%%\r\n"), CH("AUTH CRAM-MD5\r\n")};

    auth_session(&r, plain_ir, 2, true);
    assert_codes(&r, "220 250 235 503");
    assert_has(&r, "235 2.7.0 Authentication successful\r\n");
    assert_string_equal(r.user, "user");
    assert_string_equal(smtp_server_session(r.s)->auth_user, "user");
    assert_string_equal(smtp_server_session(r.s)->auth_mech, "PLAIN");
    rec_free(&r);

    auth_session(&r, plain_334, 4, true);
    assert_codes(&r, "220 250 334 535 334 501");
    assert_has(&r, "334 \r\n");
    assert_string_equal(smtp_server_session(r.s)->auth_user, "");
    rec_free(&r);

    auth_session(&r, login, 3, true);
    assert_codes(&r, "220 250 334 334 235");
    assert_has(&r, "334 VXNlcm5hbWU6\r\n");
    assert_has(&r, "334 UGFzc3dvcmQ6\r\n");
    assert_string_equal(r.pass, "secret");
    rec_free(&r);

    auth_session(&r, login_ir, 5, true);
    assert_codes(&r, "220 250 334 501 334 501 504");
    assert_has(&r, "501 5.0.0 Authentication cancelled\r\n");
    assert_has(&r, "501 5.5.2 ");
    assert_int_equal(smtp_server_state(r.s), SMTP_STATE_READY);
    rec_free(&r);

    auth_session(&r, plain_ir, 1, false);
    assert_codes(&r, "220 250 530");
    assert_has(&r, "530 5.7.0 Must issue a STARTTLS command first\r\n");
    assert_true(strstr(r.out.data, "AUTH PLAIN LOGIN") == NULL);
    rec_free(&r);
}

static void
test_async_decide(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;
    struct smtp_reply no;

    test_cfg(&cfg);
    rec_open(&r, &cfg);
    r.async = true;
    smtp_server_greet(r.s, NULL);
    smtp_server_feed(r.s, "EHLO c.test\r\n", 13);
    assert_true(smtp_server_is_pending(r.s));
    assert_codes(&r, "220");
    smtp_server_decide(r.s, NULL);
    assert_codes(&r, "220 250");
    smtp_server_feed(r.s, "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@y.test>\r\n", 42);
    assert_codes(&r, "220 250");
    smtp_server_feed(r.s, "RCPT TO:<z@y.test>\r\n", 20);
    smtp_server_decide(r.s, NULL); /* MAIL */
    assert_codes(&r, "220 250 250");
    assert_int_equal(r.rcpts, 1);
    smtp_reply_set(&no, 550, "5.1.1", "No such user");
    smtp_server_decide(r.s, &no);
    assert_int_equal(r.rcpts, 2);
    smtp_server_decide(r.s, NULL);
    assert_codes(&r, "220 250 250 550 250");
    assert_int_equal(smtp_server_session(r.s)->nrcpt, 1);
    smtp_server_feed(r.s, "DATA\r\n", 6);
    smtp_server_decide(r.s, NULL);
    smtp_server_feed(r.s, "body\r\n.\r\n", 9);
    assert_int_equal(r.data_end, 1);
    assert_true(smtp_server_is_pending(r.s));
    smtp_server_feed(r.s, "QUIT\r\n", 6); /* pipelined after "." */
    assert_int_equal(r.closed, 0);
    smtp_server_decide(r.s, NULL);
    assert_codes(&r, "220 250 250 550 250 354 250 221");
    assert_int_equal(r.closed, 1);
    rec_free(&r);
}

static void
test_async_group_violation(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;

    /* bytes that arrive while EHLO waits for its answer are pipelined behind EHLO */
    test_cfg(&cfg);
    rec_open(&r, &cfg);
    r.async = true;
    smtp_server_greet(r.s, NULL);
    smtp_server_feed(r.s, "EHLO c.test\r\n", 13);
    smtp_server_feed(r.s, "MAIL FROM:<a@b.test>\r\n", 22);
    smtp_server_decide(r.s, NULL);
    assert_codes(&r, "220 250 554");
    assert_int_equal(r.closed, 1);
    rec_free(&r);
}

static void
test_shutdown_and_names(void **state)
{
    struct smtp_server_config cfg;
    struct rec r;
    struct smtp_reply bye;

    test_cfg(&cfg);
    rec_open(&r, &cfg);
    smtp_server_greet(r.s, NULL);
    smtp_reply_set(&bye, 421, "4.4.2", "Idle timeout");
    smtp_server_shutdown(r.s, &bye);
    smtp_server_shutdown(r.s, &bye);
    assert_string_equal(r.out.data, "220 mx.test ESMTP smtpwarden\r\n421 4.4.2 Idle timeout\r\n");
    assert_int_equal(r.closed, 1);
    assert_string_equal(smtp_server_state_name(SMTP_STATE_RCPT), "RCPT");
    assert_string_equal(smtp_server_state_name(SMTP_STATE_CLOSED), "CLOSED");
    rec_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_session),
        cmocka_unit_test(test_smuggling),
        cmocka_unit_test(test_smuggling_splits),
        cmocka_unit_test(test_sequence_errors),
        cmocka_unit_test(test_utf8_and_params),
        cmocka_unit_test(test_limits_command_line),
        cmocka_unit_test(test_limits_data),
        cmocka_unit_test(test_limits_recipients_errors),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_pregreeting),
        cmocka_unit_test(test_bare_eol_command),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_async_decide),
        cmocka_unit_test(test_async_group_violation),
        cmocka_unit_test(test_shutdown_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
