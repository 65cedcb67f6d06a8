/* test_sensor_detect - the sensor's detection rules, table-driven: which alerts a flow, an AUTH
 * event and a record give under which lists of mail servers and clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sensor/sensor_detect.h"
#include "util/buf.h"

/* collect - the names of the alerts, space-separated, with their evidence counts */
static void
collect(void *ctx, const struct sensor_alert *a)
{
    struct buf *b = ctx;

    assert_non_null(a->reason);
    buf_printf(b, "%s%s", b->len > 0 ? " " : "", a->alert);
    if (a->content != NULL)
        buf_printf(b, "/%zu", a->nfindings);
}

/* list - a cidr_list of the networks in text (space-separated), or empty */
static void
list(struct cidr_list *l, const char *text)
{
    char copy[256], *save = NULL;

    memset(l, 0, sizeof *l);
    snprintf(copy, sizeof copy, "%s", text);
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        struct cidr c;
        assert_int_equal(cidr_parse(w, &c), 0);
        cidr_list_add(l, &c);
    }
}

static void
test_external_server(void **state)
{
    static const struct {
        const char *servers, *clients, *client, *server, *want;
    } cases[] = {
        {"", "", "10.0.0.5", "203.0.113.9", ""}, /* nothing configured: no opinion */
        {"192.0.2.25/32", "", "10.0.0.5", "203.0.113.9", "smtp.external_server"},
        {"192.0.2.25/32", "", "10.0.0.5", "192.0.2.25", ""},             /* to our server */
        {"192.0.2.25/32", "", "192.0.2.25", "203.0.113.9", ""},          /* our relay delivering */
        {"192.0.2.25/32", "10.0.0.0/24", "10.0.0.5", "203.0.113.9", ""}, /* allowed client */
        {"192.0.2.25/32", "10.0.0.0/24", "10.0.1.5", "203.0.113.9", "smtp.external_server"},
        {"", "10.0.0.0/24", "10.0.1.5", "192.0.2.25", "smtp.external_server"},
        {"", "10.0.0.0/24", "10.0.0.7", "192.0.2.25", ""},
        {"2001:db8::25/128", "", "2001:db8:1::5", "2001:db8::25", ""},
        {"2001:db8::25/128", "", "2001:db8:1::5", "2001:db8::26", "smtp.external_server"},
        {"192.0.2.0/24", "", "::ffff:10.0.0.5", "::ffff:192.0.2.7", ""}, /* mapped */
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cidr_list servers, clients;
        struct ip_addr c, s;
        struct buf got;

        list(&servers, cases[i].servers);
        list(&clients, cases[i].clients);
        struct sensor_detect_cfg cfg = {&servers, &clients};
        assert_int_equal(ip_addr_parse(cases[i].client, &c), 0);
        assert_int_equal(ip_addr_parse(cases[i].server, &s), 0);
        buf_init(&got, 0);
        sensor_detect_flow(&cfg, &c, &s, collect, &got);
        if (strcmp(got.data != NULL ? got.data : "", cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, got.data ? got.data : "",
                     cases[i].want);
        buf_release(&got);
        cidr_list_release(&servers);
        cidr_list_release(&clients);
    }
}

static void
test_auth_cleartext(void **state)
{
    struct sensor_smtp_event ev = {.type = SENSOR_SMTP_EV_AUTH_CLEARTEXT, .user = "u"};
    struct buf got;

    (void)state;
    buf_init(&got, 0);
    sensor_detect_auth(&ev, collect, &got);
    ev.type = SENSOR_SMTP_EV_STARTTLS;
    sensor_detect_auth(&ev, collect, &got);
    assert_string_equal(got.data, "auth.cleartext");
    buf_release(&got);
}

/* finding - a content finding of detector/category at confidence */
static struct content_finding
finding(char *detector, char *category, int confidence)
{
    struct content_finding f = {.detector = detector,
                                .category = category,
                                .description = (char *)"",
                                .confidence = confidence,
                                .count = 1,
                                .part = (char *)"1",
                                .location = (char *)"body",
                                .sample = (char *)"4111********1111"};
    return f;
}

static void
test_record_rules(void **state)
{
    struct content_finding f[] = {
        finding("infostealer.subject", "infostealer", 80),
        finding("card", "financial", 90),
        finding("infostealer.self_addressed", "infostealer", 40),
        finding("iban", "financial", 70),
        finding("secret.aws_key", "secret", 95),
    };
    struct content_report rep = {.findings = f,
                                 .nfindings = 5,
                                 .action = CONTENT_QUARANTINE,
                                 .reason = (char *)"infostealer -> quarantine"};
    struct sensor_smtp_rcpt rc[] = {{"boss@example.org", 250}, {"Drop@Example.net", 250}};
    struct sensor_smtp_record r = {
        .mailfrom = "drop@example.net", .rcptto = rc, .nrcptto = 2, .content = &rep};
    struct cidr_list servers;
    struct ip_addr client;
    struct buf got;

    (void)state;
    list(&servers, "192.0.2.25/32");
    struct sensor_detect_cfg cfg = {&servers, NULL};
    assert_int_equal(ip_addr_parse("10.0.0.5", &client), 0);
    buf_init(&got, 0);
    sensor_detect_record(&cfg, &client, &r, collect, &got);
    /* one infostealer alert with both of its findings, one dlp alert per category */
    assert_string_equal(got.data,
                        "exfil.infostealer/2 dlp.financial/2 dlp.secret/1 exfil.self_addressed");

    /* from one of the mail servers a self-addressed message is not suspicious */
    buf_reset(&got);
    assert_int_equal(ip_addr_parse("192.0.2.25", &client), 0);
    sensor_detect_record(&cfg, &client, &r, collect, &got);
    assert_null(strstr(got.data, "self_addressed"));

    /* a verdict of accept: findings stay in the record, no dlp alert; a weak infostealer
     * finding alone is no alert either */
    buf_reset(&got);
    rep.action = CONTENT_ACCEPT;
    rep.findings = &f[1];
    rep.nfindings = 2;
    r.mailfrom = "";
    sensor_detect_record(&cfg, &client, &r, collect, &got);
    assert_true(got.data == NULL || got.len == 0);

    /* no message (STARTTLS, refused DATA) and a null sender: nothing */
    r.content = NULL;
    r.mailfrom = NULL;
    sensor_detect_record(&cfg, &client, &r, collect, &got);
    assert_true(got.len == 0);
    buf_release(&got);
    cidr_list_release(&servers);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_external_server),
        cmocka_unit_test(test_auth_cleartext),
        cmocka_unit_test(test_record_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
