/* test_sensor_smtp - passive SMTP driven with scripted byte streams: an infostealer's session
 * with AUTH LOGIN in the clear (user kept, password nowhere, findings from the content engine),
 * STARTTLS, pipelining with a refused recipient, BDAT, AUTH PLAIN/CRAM-MD5/XOAUTH2, gaps,
 * replies before commands and junk, bounds, implicit TLS, and the same records whatever the
 * split of the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "sensor/sensor_smtp.h"
#include "sensor/sensor_tls.h"
#include "test_sensor_smtp_rec.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EV(g) ((g).events.data != NULL ? (g).events.data : "")

static const char snake_msg[] =
    "From: snake@victim-corp.example\r\n"
    "To: drop@exfil.example\r\n"
    "Subject: =?UTF-8?B?UGMgTmFtZTogREVTS1RPUC03WEsy?= | Snake Keylogger\r\n"
    "Date: Tue, 2 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <snake.1@victim-corp.example>\r\n"
    "X-Mailer: Snake\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "..report follows\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; name=\"Passwords.txt\"\r\n"
    "Content-Disposition: attachment; filename=\"Passwords.txt\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "VVJMOiBodHRwczovL2FjY291bnRzLmV4YW1wbGUuY29tL2xvZ2luDQpVc2VybmFtZTogYWxpY2UN\r\n"
    "ClBhc3N3b3JkOiBodW50ZXIyDQoNClVSTDogaHR0cHM6Ly9tYWlsLmV4YW1wbGUub3JnLw0KVXNl\r\n"
    "cm5hbWU6IGJvYkBleGFtcGxlLm9yZw0KUGFzc3dvcmQ6IFdpbnRlcjIwMjQhDQo=\r\n"
    "--b1--\r\n"
    ".\r\n";

/* the AUTH LOGIN password is "Sn4keP@ss!" (U240a2VQQHNzIQ==) */
static const struct step snake[] = {
    {1, "220 mail.exfil.example ESMTP\r\n", 0},
    {0, "EHLO DESKTOP-7XK2\r\n", 0},
    {1, "250-mail.exfil.example\r\n250-AUTH LOGIN PLAIN\r\n250 PIPELINING\r\n", 0},
    {0, "AUTH LOGIN\r\n", 0},
    {1, "334 VXNlcm5hbWU6\r\n", 0},
    {0, "c25ha2VAdmljdGltLWNvcnAuZXhhbXBsZQ==\r\n", 0},
    {1, "334 UGFzc3dvcmQ6\r\n", 0},
    {0, "U240a2VQQHNzIQ==\r\n", 0},
    {1, "235 2.7.0 Authentication successful\r\n", 0},
    {0, "MAIL FROM:<snake@victim-corp.example>\r\n", 0},
    {1, "250 2.1.0 Ok\r\n", 0},
    {0, "RCPT TO:<drop@exfil.example>\r\n", 0},
    {1, "250 2.1.5 Ok\r\n", 0},
    {0, "DATA\r\n", 0},
    {1, "354 End data with <CR><LF>.<CR><LF>\r\n", 0},
    {0, snake_msg, 0},
    {1, "250 2.0.0 Ok: queued as 4AbC\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "221 2.0.0 Bye\r\n", 0},
};

static int
setup(void **state)
{
    struct content_options o = content_options_default();
    char err[256];
    struct content_engine *e = content_engine_new(&o, err, sizeof err);

    if (e == NULL)
        return -1;
    *state = e;
    return 0;
}

static int
teardown(void **state)
{
    content_engine_free(*state);
    return 0;
}

/* opts - defaults with the engine and a salt */
static struct sensor_smtp_options
opts(void **state)
{
    struct sensor_smtp_options o = sensor_smtp_options_default();
    o.content = *state;
    o.pw_salt = (const uint8_t *)"pepper";
    o.pw_salt_len = 6;
    return o;
}

static void
test_snake_cleartext_auth(void **state)
{
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, snake, N(snake), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "trans_depth"), "1");
    assert_string_equal(field(&g, 0, "helo"), "DESKTOP-7XK2");
    assert_string_equal(field(&g, 0, "auth_user"), "snake@victim-corp.example");
    assert_string_equal(field(&g, 0, "auth_mech"), "LOGIN");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_string_equal(field(&g, 0, "auth_outcome"), "success");
    /* HMAC-SHA-256("pepper", "Sn4keP@ss!") from Python's hmac */
    assert_string_equal(field(&g, 0, "auth_pw_hash"),
                        "1f596749b64b90e0f0acb2a00dbd853f0817f2d7df76558c2d9edf3a9acfcedc");
    assert_string_equal(field(&g, 0, "mailfrom"), "snake@victim-corp.example");
    assert_string_equal(field(&g, 0, "rcptto"), "drop@exfil.example:250");
    assert_string_equal(field(&g, 0, "subject"), "Pc Name: DESKTOP-7XK2 | Snake Keylogger");
    assert_string_equal(field(&g, 0, "from"), "snake@victim-corp.example");
    assert_string_equal(field(&g, 0, "to"), "drop@exfil.example");
    assert_string_equal(field(&g, 0, "msg_id"), "<snake.1@victim-corp.example>");
    assert_string_equal(field(&g, 0, "user_agent"), "Snake");
    assert_string_equal(field(&g, 0, "last_reply"), "250 2.0.0 Ok: queued as 4AbC");
    assert_string_equal(field(&g, 0, "tls"), "0");
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    /* the message minus the end line, with one stuffed dot removed */
    assert_string_equal(field(&g, 0, "msg_size"), "722");
    assert_string_equal(field(&g, 0, "content"), "quarantine");
    assert_non_null(strstr(field(&g, 0, "findings"),
                           "infostealer.credentials@Passwords.txt:URL: accounts.example.com, "
                           "Username: *, Password: *"));
    assert_non_null(strstr(field(&g, 0, "attachments"), "Passwords.txt/"));
    /* the password (plain or base64) appears in no field and no event */
    assert_null(strstr(g.rec[0].data, "Sn4keP@ss"));
    assert_null(strstr(g.rec[0].data, "U240a2VQQHNzIQ"));
    assert_null(strstr(EV(g), "Sn4keP@ss"));
    assert_string_equal(EV(g), "auth_cleartext:snake@victim-corp.example:LOGIN\n");
    got_release(&g);
}

static void
test_snake_without_salt(void **state)
{
    struct sensor_smtp_options o = sensor_smtp_options_default();
    struct got g;

    (void)state;
    run_steps(&o, snake, N(snake), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "auth_pw_hash"), "-");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_string_equal(field(&g, 0, "content"), "-");
    assert_string_equal(field(&g, 0, "subject"), "Pc Name: DESKTOP-7XK2 | Snake Keylogger");
    got_release(&g);
}

static void
test_starttls(void **state)
{
    /* the client's TLS bytes follow STARTTLS before the 220 arrives, as in Zeek's capture */
    static const struct step st[] = {
        {1, "220 mx.example ESMTP\r\n", 0},
        {0, "EHLO DESKTOP-7XK2\r\n", 0},
        {1, "250-mx.example\r\n250 STARTTLS\r\n", 0},
        {0, "STARTTLS\r\n\x16\x03\x01\x02\x00\x01", 0},
        {1, "220 2.0.0 Ready to start TLS\r\n", 0},
        {0, "AUTH LOGIN c25ha2VAdmljdGltLWNvcnAuZXhhbXBsZQ==\r\nU240a2VQQHNzIQ==\r\n", 0},
        {1, "\x17\x03\x03\x00\x20garbage\r\n", 0},
        {0, "MAIL FROM:<snake@victim-corp.example>\r\n", 0},
        {0, snake_msg, 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "tls"), "1");
    assert_string_equal(field(&g, 0, "helo"), "DESKTOP-7XK2");
    assert_string_equal(field(&g, 0, "last_reply"), "220 2.0.0 Ready to start TLS");
    assert_string_equal(field(&g, 0, "mailfrom"), "-");
    assert_string_equal(field(&g, 0, "auth_user"), "-");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "0");
    assert_string_equal(field(&g, 0, "has_message"), "0");
    assert_string_equal(field(&g, 0, "content"), "-");
    assert_string_equal(EV(g), "starttls\n");
    got_release(&g);
}

static void
test_starttls_refused(void **state)
{
    static const struct step st[] = {
        {1, "220 mx.example ESMTP\r\n", 0},
        {0, "EHLO a\r\nSTARTTLS\r\n", 0},
        {1, "250 mx.example\r\n454 4.7.0 TLS not available\r\n", 0},
        {0, "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n", 0},
        {1, "250 Ok\r\n250 Ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "tls"), "0");
    assert_string_equal(field(&g, 0, "rcptto"), "c@d.example:250");
    assert_string_equal(field(&g, 0, "last_reply"), "250 Ok");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

static const struct step pipelined[] = {
    {1, "220 mx.example ESMTP\r\n", 0},
    {0, "EHLO client.example\r\n", 0},
    {1, "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 0},
    {0,
     "MAIL FROM:<a@client.example> BODY=8BITMIME\r\nRCPT TO:<b@x.example>\r\n"
     "RCPT TO:<nobody@x.example>\r\nRCPT TO:<c@y.example>\r\nDATA\r\n",
     0},
    {1,
     "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550-5.1.1 No such user\r\n550 5.1.1 really\r\n"
     "250 2.1.5 Ok\r\n354 go ahead\r\n",
     0},
    {0, "Subject: three\r\n\r\nhello\r\n.\r\n", 0},
    {1, "250 2.0.0 queued\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "221 bye\r\n", 0},
};

static void
test_pipelining(void **state)
{
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, pipelined, N(pipelined), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "mailfrom"), "a@client.example");
    assert_string_equal(field(&g, 0, "mail_code"), "250");
    assert_string_equal(field(&g, 0, "rcptto"),
                        "b@x.example:250,nobody@x.example:550,c@y.example:250");
    assert_string_equal(field(&g, 0, "subject"), "three");
    assert_string_equal(field(&g, 0, "last_reply"), "250 2.0.0 queued");
    assert_string_equal(field(&g, 0, "msg_size"), "25");
    assert_string_equal(field(&g, 0, "auth_outcome"), "none");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

static void
test_pipelining_body_before_354(void **state)
{
    /* the whole client side in one burst, the replies later: the body waits for the 354 */
    static const struct step st[] = {
        {1, "220 mx.example ESMTP\r\n", 0},
        {0,
         "EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<b@x.example>\r\n"
         "DATA\r\nSubject: early\r\n\r\nRCPT TO:<not-a-command@x>\r\n.\r\nQUIT\r\n",
         0},
        {1, "250 mx\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 queued\r\n221 bye\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "rcptto"), "b@x.example:250");
    assert_string_equal(field(&g, 0, "subject"), "early");
    assert_string_equal(field(&g, 0, "last_reply"), "250 queued");
    assert_string_equal(field(&g, 0, "msg_size"), "45");
    got_release(&g);
}

static void
test_data_refused(void **state)
{
    /* 554 to DATA: the lines after it are commands again */
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "HELO c\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n", 0},
        {1, "250 mx\r\n250 Ok\r\n554 5.5.1 No valid recipients\r\n", 0},
        {0, "RSET\r\nMAIL FROM:<e@f.example>\r\nRCPT TO:<g@h.example>\r\n", 0},
        {1, "250 reset\r\n250 Ok\r\n250 Ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 2);
    assert_string_equal(field(&g, 0, "mailfrom"), "a@b.example");
    assert_string_equal(field(&g, 0, "last_reply"), "554 5.5.1 No valid recipients");
    assert_string_equal(field(&g, 0, "has_message"), "0");
    /* Zeek's depth: no message was answered before it */
    assert_string_equal(field(&g, 1, "trans_depth"), "1");
    assert_string_equal(field(&g, 1, "mailfrom"), "e@f.example");
    assert_string_equal(field(&g, 1, "rcptto"), "g@h.example:250");
    got_release(&g);
}

static const struct step bdat[] = {
    {1, "220 mx ESMTP\r\n", 0},
    {0, "EHLO c.example\r\n", 0},
    {1, "250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n", 0},
    {0, "MAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nBDAT 18\r\nSubject: chunked m", 0},
    {1, "250 Ok\r\n250 Ok\r\n250 2.0.0 18 octets\r\n", 0},
    {0, "BDAT 14\r\nessage\r\n\r\nbody", 0},
    {1, "250 2.0.0 14 octets\r\n", 0},
    {0, "BDAT 7 LAST\r\n\r\n.\r\n.\r\n", 0},
    {1, "250 2.0.0 Ok: queued\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "221 bye\r\n", 0},
};

static void
test_bdat(void **state)
{
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, bdat, N(bdat), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "bdat"), "1");
    assert_string_equal(field(&g, 0, "subject"), "chunked message");
    assert_string_equal(field(&g, 0, "msg_size"), "39");
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    assert_string_equal(field(&g, 0, "last_reply"), "250 2.0.0 Ok: queued");
    assert_string_equal(field(&g, 0, "content"), "accept");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

static void
test_bdat_zero_last_and_bad_size(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nBDAT -5\r\n", 0},
        {1, "250 mx\r\n250 Ok\r\n250 Ok\r\n501 bad size\r\n", 0},
        {0, "BDAT 11\r\nSubject: \r\n", 0},
        {1, "250 11 octets\r\n", 0},
        {0, "BDAT 0 LAST\r\n", 0},
        {1, "250 queued\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "msg_size"), "11");
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    assert_string_equal(field(&g, 0, "last_reply"), "250 queued");
    assert_string_equal(EV(g), "anomaly:0:bdat_bad_size\n");
    got_release(&g);
}

static void
test_bdat_gap_then_data(void **state)
{
    /* the hole swallows the end of a chunk and what followed; the client then sends DATA for
     * the same transaction (Zeek's smtp-bdat-gap capture) */
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nBDAT 50\r\n", 0},
        {0, "Subject: lost\r\n", 0},
        {0, NULL, 1000},
        {0, "DATA\r\n", 0},
        {1, "250 mx\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", 0},
        {0, "Subject: found\r\n\r\nx\r\n.\r\nQUIT\r\n", 0},
        {1, "250 OK: message queued\r\n221 bye\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "subject"), "found");
    assert_string_equal(field(&g, 0, "gap_bytes"), "35");
    assert_string_equal(field(&g, 0, "message_complete"), "0");
    assert_string_equal(field(&g, 0, "last_reply"), "250 OK: message queued");
    assert_string_equal(field(&g, 0, "content"), "accept");
    assert_string_equal(EV(g), "gap:0:1000\n");
    got_release(&g);
}

static void
test_refusing_greeting(void **state)
{
    /* a 554 greeting answers no command: the EHLO gets the 250, MAIL the 503 */
    static const struct step st[] = {
        {1, "554 no service here\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\n", 0},
        {1, "250 hi\r\n503 5.5.1 bad sequence\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "mail_code"), "503");
    assert_string_equal(field(&g, 0, "last_reply"), "503 5.5.1 bad sequence");
    got_release(&g);
}

static void
test_auth_plain(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nAUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAFBsNDFuU2VjcmV0\r\n", 0},
        {1, "250 mx\r\n535 5.7.8 bad credentials\r\n", 0},
        {0, "QUIT\r\n", 0},
        {1, "221 bye\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    /* no transaction: the AUTH attempt still gets its record */
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "auth_user"), "alice@example.com");
    assert_string_equal(field(&g, 0, "auth_mech"), "PLAIN");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_string_equal(field(&g, 0, "auth_outcome"), "failure");
    assert_string_equal(field(&g, 0, "mailfrom"), "-");
    assert_null(strstr(g.rec[0].data, "Pl41nSecret"));
    assert_string_equal(EV(g), "auth_cleartext:alice@example.com:PLAIN\n");
    got_release(&g);
}

static void
test_auth_plain_continuation_and_cram(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nauth plain\r\n", 0},
        {1, "250 mx\r\n334 \r\n", 0},
        {0, "AGFsaWNlQGV4YW1wbGUuY29tAFBsNDFuU2VjcmV0\r\n", 0},
        {1, "535 no\r\n", 0},
        {0, "AUTH CRAM-MD5\r\n", 0},
        {1, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZT4=\r\n", 0},
        {0, "Ym9iIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\r\n", 0},
        {1, "235 ok\r\n", 0},
        {0, "MAIL FROM:<bob@example.com>\r\n", 0},
        {1, "250 ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "auth_user"), "bob");
    assert_string_equal(field(&g, 0, "auth_mech"), "CRAM-MD5");
    assert_string_equal(field(&g, 0, "auth_outcome"), "success");
    /* cleartext stays set: the earlier PLAIN attempt sent a password */
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_string_equal(EV(g), "auth_cleartext:alice@example.com:PLAIN\n");
    got_release(&g);
}

static void
test_auth_cram_only_and_cancel(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nAUTH LOGIN\r\n", 0},
        {1, "250 mx\r\n334 VXNlcm5hbWU6\r\n", 0},
        {0, "*\r\n", 0},
        {1, "501 cancelled\r\n", 0},
        {0, "AUTH CRAM-MD5\r\n", 0},
        {1, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZT4=\r\n", 0},
        {0, "Ym9iIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\r\n", 0},
        {1, "235 ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "auth_user"), "bob");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "0");
    assert_string_equal(field(&g, 0, "auth_pw_hash"), "-");
    assert_string_equal(field(&g, 0, "auth_outcome"), "success");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

static void
test_auth_xoauth2(void **state)
{
    /* base64("user=carol@example.com\x01auth=Bearer ya29.tok\x01\x01") */
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0,
         "EHLO c\r\nAUTH XOAUTH2 dXNlcj1jYXJvbEBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnRvawEB\r\n",
         0},
        {1, "250 mx\r\n235 ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "auth_user"), "carol@example.com");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_null(strstr(g.rec[0].data, "ya29"));
    got_release(&g);
}

static void
test_gap_in_data(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nDATA\r\n", 0},
        {1, "250 mx\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", 0},
        {0, "Subject: first\r\n\r\nline one\r\nline t", 0},
        {0, NULL, 1200},
        {0, "wo\r\nthe rest\r\n", 0},
        {0, NULL, 300},
        {1, "250 queued 1\r\n", 0},
        {0, "MAIL FROM:<x@c.example>\r\nRCPT TO:<y@d.example>\r\nDATA\r\n", 0},
        {1, "250 Ok\r\n250 Ok\r\n354 go\r\n", 0},
        {0, "Subject: second\r\n\r\nbody\r\n.\r\n", 0},
        {1, "250 queued 2\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 2);
    assert_string_equal(field(&g, 0, "subject"), "first");
    assert_string_equal(field(&g, 0, "gap_bytes"), "1500");
    assert_string_equal(field(&g, 0, "message_complete"), "0");
    assert_string_equal(field(&g, 0, "has_message"), "1");
    /* the reply to the first message went with its lost end: still depth 1 */
    assert_string_equal(field(&g, 1, "trans_depth"), "1");
    assert_string_equal(field(&g, 1, "mailfrom"), "x@c.example");
    assert_string_equal(field(&g, 1, "rcptto"), "y@d.example:250");
    assert_string_equal(field(&g, 1, "subject"), "second");
    assert_string_equal(field(&g, 1, "last_reply"), "250 queued 2");
    assert_string_equal(field(&g, 1, "message_complete"), "1");
    assert_string_equal(EV(g), "gap:0:1200\ngap:0:300\n");
    got_release(&g);
}

static void
test_gap_in_commands_and_server(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b", 0},
        {0, NULL, 50},
        {0, "junk after the hole\r\nRCPT TO:<c@d.example>\r\n", 0},
        {1, "250 mx\r\n250 Ok\r\n", 0},
        {1, NULL, 20},
        {1, "1 lost reply tail\r\n250 Ok\r\n", 0},
        {0, "RCPT TO:<e@d.example>\r\n", 0},
        {1, "452 too many\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "mailfrom"), "a@c.example");
    /* after the server's gap the replies pending were dropped: c has none, e its own */
    assert_string_equal(field(&g, 0, "rcptto"), "c@d.example:0,e@d.example:452");
    assert_string_equal(EV(g), "gap:0:50\ngap:1:20\nanomaly:1:bad_reply\n");
    got_release(&g);
}

static void
test_reply_before_command_and_junk(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\n", 0},
        {1, "250 mx\r\n", 0},
        {1, "250 2.1.0 sender ok\r\n", 0}, /* its MAIL comes later */
        {0, "MAIL FROM:<a@c.example>\r\n", 0},
        {1, "this is not a reply\r\n", 0},
        {0, "XYZZY\r\nRCPT TO:<b@d.example>\r\n", 0},
        {1, "502 what\r\n250 rcpt ok\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "mail_code"), "250");
    assert_string_equal(field(&g, 0, "rcptto"), "b@d.example:250");
    assert_string_equal(field(&g, 0, "last_reply"), "250 rcpt ok");
    assert_string_equal(EV(g), "anomaly:1:bad_reply\nanomaly:0:unknown_command\n");
    got_release(&g);
}

static void
test_bounds(void **state)
{
    char longline[300];
    struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\n", 0},
        {0, "RCPT TO:<r1@d.example>\r\nRCPT TO:<r2@d.example>\r\nRCPT TO:<r3@d.example>\r\n", 0},
        {0, longline, 0},
        {1, "250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n452 no\r\n500 too long\r\n", 0},
        {0, "DATA\r\n", 0},
        {1, "354 go\r\n", 0},
        {0, "Subject: a very long subject line that passes the header bound\r\n\r\nx\r\n.\r\n", 0},
        {1, "250 queued\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    memset(longline, 'A', sizeof longline);
    memcpy(longline + sizeof longline - 3, "\r\n", 3);
    o.max_rcpts = 2;
    o.max_line = 100;
    o.max_header_bytes = 20;
    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "rcptto"), "r1@d.example:250,r2@d.example:250");
    assert_string_equal(field(&g, 0, "rcpts_dropped"), "1");
    assert_string_equal(field(&g, 0, "last_reply"), "250 queued");
    assert_string_equal(field(&g, 0, "subject"), "a very long");
    assert_string_equal(EV(g), "anomaly:0:too_many_rcpts\nanomaly:0:line_too_long\n"
                               "anomaly:0:unknown_command\nanomaly:0:header_too_long\n");
    got_release(&g);
}

static void
test_address_lists_bounded(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nDATA\r\n", 0},
        {1, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0},
        {0,
         "Received: from x ([192.0.2.1]) by y\r\nReceived: from z ([192.0.2.2]) by x\r\n"
         "To: a@d.example, b@d.example, a@d.example\r\nCc: c@d.example\r\n"
         "Cc: c@d.example, d@d.example, e@d.example\r\n\r\n.\r\n",
         0},
        {1, "250 queued\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    o.max_list = 2;
    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "to"), "a@d.example,b@d.example");
    assert_string_equal(field(&g, 0, "cc"), "c@d.example,d@d.example");
    assert_string_equal(field(&g, 0, "path"), "192.0.2.1,192.0.2.2");
    assert_string_equal(EV(g), "anomaly:0:too_many_addresses\n");
    o.max_list = 3;
    got_release(&g);
    run_steps(&o, st, N(st), 0, &g);
    assert_string_equal(field(&g, 0, "to"), "a@d.example,b@d.example");
    assert_string_equal(field(&g, 0, "cc"), "c@d.example,d@d.example,e@d.example");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

static void
test_memory_bounded(void **state)
{
    /* 2 MB of message, a 1 MB header section and a 1 MB command line without LF: the flow's
     * state stays within its bounds (lines, hold, header section) */
    struct sensor_smtp_options o = opts(state);
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct got g;
    struct sensor_smtp *s;
    char chunk[1000];
    const char *head = "220 mx\r\n";
    const char *cmds = "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nDATA\r\n";
    size_t peak = 0;

    got_init(&g);
    s = sensor_smtp_new(&o, &cb, &g);
    sensor_smtp_data(s, 1, (const uint8_t *)head, strlen(head), 1);
    sensor_smtp_data(s, 0, (const uint8_t *)cmds, strlen(cmds), 2);
    sensor_smtp_data(s, 1, (const uint8_t *)"250 a\r\n250 b\r\n250 c\r\n354 d\r\n", 28, 3);
    memset(chunk, 'X', sizeof chunk);
    sensor_smtp_data(s, 0, (const uint8_t *)"X-Long: ", 8, 4);
    for (int i = 0; i < 1000; i++) { /* one header line of 1 MB */
        sensor_smtp_data(s, 0, (const uint8_t *)chunk, sizeof chunk, 5);
        peak = sensor_smtp_mem(s) > peak ? sensor_smtp_mem(s) : peak;
    }
    memcpy(chunk + sizeof chunk - 2, "\r\n", 2);
    for (int i = 0; i < 2000; i++) { /* 2 MB of body lines */
        sensor_smtp_data(s, 0, (const uint8_t *)chunk, sizeof chunk, 6);
        peak = sensor_smtp_mem(s) > peak ? sensor_smtp_mem(s) : peak;
    }
    sensor_smtp_data(s, 0, (const uint8_t *)"\r\n.\r\nNOOP", 10, 7);
    memset(chunk, 'Y', sizeof chunk);
    for (int i = 0; i < 1000; i++) { /* a 1 MB command line */
        sensor_smtp_data(s, 0, (const uint8_t *)chunk, sizeof chunk, 8);
        peak = sensor_smtp_mem(s) > peak ? sensor_smtp_mem(s) : peak;
    }
    assert_true(peak < 160 * 1024);
    sensor_smtp_data(s, 1, (const uint8_t *)"250 queued\r\n", 12, 9);
    sensor_smtp_end(s, 10);
    sensor_smtp_free(s);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "msg_size"), "3000010");
    assert_string_equal(field(&g, 0, "last_reply"), "250 queued");
    assert_string_equal(EV(g), "anomaly:0:header_too_long\nanomaly:0:line_too_long\n");
    got_release(&g);
}

static void
test_headers_zeek_fields(void **state)
{
    static const struct step st[] = {
        {1, "220 mx\r\n", 0},
        {0, "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<b@d.example>\r\nDATA\r\n", 0},
        {1, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0},
        {0,
         "Received: from a.example (a.example [192.0.2.7]) by mx1; Tue, 2 Jan 2024\r\n"
         "Received: from b.example ([198.51.100.9]:4455) by a.example\r\n"
         "\tvia relay 203.0.113.1; Tue, 2 Jan 2024\r\n"
         "Received: from c.example (c.example [198.51.100.9]) by b.example\r\n"
         "X-Originating-IP: [10.1.2.3]\r\n"
         "From: \"Doe, John\" <john@c.example>\r\n"
         "To: \"Roe, R\" <r@d.example>, s@d.example\r\n"
         "Cc: t@d.example\r\n"
         "Reply-To: <back@c.example>\r\n"
         "In-Reply-To: <parent@c.example>\r\n"
         "User-Agent: Mutt/2.2\r\n"
         "Subject: =?ISO-8859-1?Q?caf=E9?= menu\r\n"
         "\r\n"
         "Received: not a header, body text\r\n"
         ".\r\n",
         0},
        {1, "250 queued\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct got g;
    struct sensor_smtp *s;

    got_init(&g);
    s = sensor_smtp_new(&o, &cb, &g);
    sensor_smtp_set_endpoints(s, "Cabc", "192.0.2.50", 40000, "192.0.2.25", 25);
    drive(s, st, N(st), 0);
    sensor_smtp_free(s);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "uid"), "Cabc");
    assert_string_equal(field(&g, 0, "orig"), "192.0.2.50:40000");
    assert_string_equal(field(&g, 0, "mailfrom"), "");
    assert_string_equal(field(&g, 0, "from"), "\"Doe, John\" <john@c.example>");
    assert_string_equal(field(&g, 0, "to"), "\"Roe, R\" <r@d.example>,s@d.example");
    assert_string_equal(field(&g, 0, "cc"), "t@d.example");
    assert_string_equal(field(&g, 0, "reply_to"), "<back@c.example>");
    assert_string_equal(field(&g, 0, "in_reply_to"), "<parent@c.example>");
    assert_string_equal(field(&g, 0, "user_agent"), "Mutt/2.2");
    assert_string_equal(field(&g, 0, "subject"), "caf\xc3\xa9 menu");
    assert_string_equal(field(&g, 0, "x_originating_ip"), "10.1.2.3");
    /* Zeek: first_received is the last Received header, second_received the one above */
    assert_string_equal(field(&g, 0, "first_received"),
                        "from c.example (c.example [198.51.100.9]) by b.example");
    assert_string_equal(field(&g, 0, "second_received"),
                        "from b.example ([198.51.100.9]:4455) by a.example via relay "
                        "203.0.113.1; Tue, 2 Jan 2024");
    /* resp, orig, then one wrapped address per Received, repeats dropped */
    assert_string_equal(field(&g, 0, "path"), "192.0.2.25,192.0.2.50,192.0.2.7,198.51.100.9");
    got_release(&g);
}

/* splits - the same records and events whole, in 1-byte pieces and in 7-byte pieces */
static void
check_splits(void **state, const struct step *st, size_t n)
{
    struct sensor_smtp_options o = opts(state);
    struct got whole, one, seven;

    run_steps(&o, st, n, 0, &whole);
    run_steps(&o, st, n, 1, &one);
    run_steps(&o, st, n, 7, &seven);
    assert_true(whole.nrec > 0);
    assert_int_equal(one.nrec, whole.nrec);
    assert_int_equal(seven.nrec, whole.nrec);
    for (size_t i = 0; i < whole.nrec; i++) {
        assert_string_equal(one.rec[i].data, whole.rec[i].data);
        assert_string_equal(seven.rec[i].data, whole.rec[i].data);
    }
    assert_string_equal(EV(one), EV(whole));
    assert_string_equal(EV(seven), EV(whole));
    got_release(&whole);
    got_release(&one);
    got_release(&seven);
}

static void
test_splits(void **state)
{
    check_splits(state, snake, N(snake));
    check_splits(state, pipelined, N(pipelined));
    check_splits(state, bdat, N(bdat));
}

/* client_hello - a TLS 1.3 ClientHello with SNI and GREASE, as a browser or MUA sends it */
static size_t
client_hello(uint8_t *out, const char *sni)
{
    uint8_t body[512];
    size_t n = 0, sl = strlen(sni);

    body[n++] = 0x03, body[n++] = 0x03; /* legacy_version TLS 1.2 */
    memset(body + n, 0x11, 32), n += 32;
    body[n++] = 0;                /* session id */
    body[n++] = 0, body[n++] = 4; /* cipher suites */
    body[n++] = 0x13, body[n++] = 0x01, body[n++] = 0x13, body[n++] = 0x02;
    body[n++] = 1, body[n++] = 0; /* compression */
    size_t ext_len = (4 + 2 + 1 + 2 + sl) + (4 + 1 + 6);
    body[n++] = (uint8_t)(ext_len >> 8), body[n++] = (uint8_t)ext_len;
    body[n++] = 0, body[n++] = 0; /* server_name */
    body[n++] = (uint8_t)((5 + sl) >> 8), body[n++] = (uint8_t)(5 + sl);
    body[n++] = (uint8_t)((3 + sl) >> 8), body[n++] = (uint8_t)(3 + sl);
    body[n++] = 0;
    body[n++] = (uint8_t)(sl >> 8), body[n++] = (uint8_t)sl;
    memcpy(body + n, sni, sl), n += sl;
    body[n++] = 0, body[n++] = 43; /* supported_versions: GREASE, 1.3, 1.2 */
    body[n++] = 0, body[n++] = 7, body[n++] = 6;
    body[n++] = 0x7a, body[n++] = 0x7a, body[n++] = 3, body[n++] = 4, body[n++] = 3, body[n++] = 3;
    out[0] = 0x16, out[1] = 3, out[2] = 1;
    out[3] = (uint8_t)((n + 4) >> 8), out[4] = (uint8_t)(n + 4);
    out[5] = 1, out[6] = 0, out[7] = (uint8_t)(n >> 8), out[8] = (uint8_t)n;
    memcpy(out + 9, body, n);
    return n + 9;
}

static void
test_implicit_tls(void **state)
{
    uint8_t hello[600];
    size_t n = client_hello(hello, "smtp.example.net");
    struct sensor_smtp_options o = opts(state);
    struct sensor_smtp_callbacks cb = {on_record, on_event};

    for (int port25 = 0; port25 < 2; port25++) {
        struct got g;
        struct sensor_smtp *s;
        got_init(&g);
        o.implicit_tls = !port25; /* port 465, or a TLS record where a command belongs */
        s = sensor_smtp_new(&o, &cb, &g);
        for (size_t i = 0; i < n; i++) /* a byte at a time */
            sensor_smtp_data(s, 0, hello + i, 1, 5);
        sensor_smtp_data(s, 1, (const uint8_t *)"\x16\x03\x03\x00\x02\x02\x00", 7, 6);
        sensor_smtp_data(s, 0, (const uint8_t *)"MAIL FROM:<x@y>\r\n", 17, 7);
        assert_true(sensor_smtp_is_encrypted(s));
        sensor_smtp_end(s, 8);
        sensor_smtp_free(s);
        assert_string_equal(EV(g), "tls:TLSv1.3:smtp.example.net\n");
        assert_int_equal(g.nrec, 1);
        assert_string_equal(field(&g, 0, "tls"), "1");
        assert_string_equal(field(&g, 0, "tls_version"), "TLSv1.3");
        assert_string_equal(field(&g, 0, "tls_sni"), "smtp.example.net");
        assert_string_equal(field(&g, 0, "mailfrom"), "-");
        got_release(&g);
    }
}

static void
test_tls_parser(void **state)
{
    uint8_t hello[600];
    size_t n = client_hello(hello, "a\x01z.example");
    struct sensor_tls_hello h;

    (void)state;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sensor_tls_client_hello(hello, i, &h), 0);
    assert_int_equal(sensor_tls_client_hello(hello, n, &h), 1);
    assert_int_equal(h.legacy_version, 0x0303);
    assert_int_equal(h.version, 0x0304);
    assert_string_equal(h.sni, "a?z.example");
    /* not a handshake, not a ClientHello (ServerHello type 2), a lying length */
    assert_int_equal(sensor_tls_client_hello((const uint8_t *)"EHLO x\r\n", 8, &h), -1);
    hello[5] = 2;
    assert_int_equal(sensor_tls_client_hello(hello, n, &h), -1);
    hello[5] = 1;
    hello[7] = 0x7f; /* handshake length past the record and past our bound */
    assert_int_equal(sensor_tls_client_hello(hello, n, &h), -1);
    assert_string_equal(sensor_tls_version_name(0x0301), "TLSv1.0");
    assert_string_equal(sensor_tls_version_name(0x9999), "unknown");
}

static void
test_detect(void **state)
{
    const uint8_t *g220 = (const uint8_t *)"220 mx.example ESMTP\r\n";
    const uint8_t *g220m = (const uint8_t *)"220-mx.example\r\n220 hi\r\n";

    (void)state;
    assert_true(sensor_smtp_detect(g220, 22, (const uint8_t *)"EHLO me\r\n", 9));
    assert_true(sensor_smtp_detect(g220m, 24, (const uint8_t *)"helo me\r\n", 9));
    assert_true(sensor_smtp_detect(g220, 22, (const uint8_t *)"EHLO\r\n", 6));
    assert_false(sensor_smtp_detect(g220, 22, (const uint8_t *)"EHLOX me\r\n", 10));
    assert_false(sensor_smtp_detect(g220, 22, (const uint8_t *)"USER bob\r\n", 10));
    assert_false(
        sensor_smtp_detect((const uint8_t *)"200 OK\r\n", 8, (const uint8_t *)"EHLO me\r\n", 9));
    assert_false(
        sensor_smtp_detect((const uint8_t *)"2201\r\n", 6, (const uint8_t *)"EHLO me\r\n", 9));
    assert_false(sensor_smtp_detect(g220, 3, (const uint8_t *)"EHLO me\r\n", 9));
    assert_false(sensor_smtp_detect(g220, 22, (const uint8_t *)"EHL", 3));
}

static void
test_one_sided(void **state)
{
    /* only the client side was captured: held bytes go on at the end, as if answered */
    static const struct step st[] = {
        {0, "EHLO c\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\nDATA\r\n", 0},
        {0, "Subject: one side\r\n\r\nhi\r\n.\r\nQUIT\r\n", 0},
    };
    struct sensor_smtp_options o = opts(state);
    struct got g;

    run_steps(&o, st, N(st), 0, &g);
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "subject"), "one side");
    assert_string_equal(field(&g, 0, "rcptto"), "b@d.example:0");
    assert_string_equal(field(&g, 0, "last_reply"), "-");
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    got_release(&g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snake_cleartext_auth),
        cmocka_unit_test(test_snake_without_salt),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_starttls_refused),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_pipelining_body_before_354),
        cmocka_unit_test(test_data_refused),
        cmocka_unit_test(test_bdat),
        cmocka_unit_test(test_bdat_zero_last_and_bad_size),
        cmocka_unit_test(test_bdat_gap_then_data),
        cmocka_unit_test(test_refusing_greeting),
        cmocka_unit_test(test_auth_plain),
        cmocka_unit_test(test_auth_plain_continuation_and_cram),
        cmocka_unit_test(test_auth_cram_only_and_cancel),
        cmocka_unit_test(test_auth_xoauth2),
        cmocka_unit_test(test_gap_in_data),
        cmocka_unit_test(test_gap_in_commands_and_server),
        cmocka_unit_test(test_reply_before_command_and_junk),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_address_lists_bounded),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_headers_zeek_fields),
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_implicit_tls),
        cmocka_unit_test(test_tls_parser),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_one_sided),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
