/* test_sensor_output - the sensor's JSON objects (field names, unset fields left out, bad UTF-8
 * replaced, the password never present) and Zeek smtp.log rows (escaping, sets, the header
 * lines Zeek writes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_output.h"
#include "util/buf.h"

/* record - a transaction with most fields set */
static struct sensor_smtp_record
record(void)
{
    static const struct sensor_smtp_rcpt rc[] = {{"bob@example.org", 250},
                                                 {"c,d@example.org", 550}};
    static const char *const to[] = {"Bob <bob@example.org>"};
    static const char *const path[] = {"192.0.2.25", "10.0.0.5"};
    struct sensor_smtp_record r = {.ts_us = 1254722767492060u,
                                   .uid = "CabcdefghijABCDEFG",
                                   .orig_h = "10.0.0.5",
                                   .orig_p = 40000,
                                   .resp_h = "192.0.2.25",
                                   .resp_p = 25,
                                   .trans_depth = 2,
                                   .helo = "client\tname",
                                   .mailfrom = "alice@example.com",
                                   .mail_code = 250,
                                   .rcptto = rc,
                                   .nrcptto = 2,
                                   .to = to,
                                   .nto = 1,
                                   .subject = "caf\xc3\xa9 \xff",
                                   .last_reply = "250 ok",
                                   .path = path,
                                   .npath = 2,
                                   .user_agent = "-",
                                   .reply_to = "",
                                   .auth_user = "alice",
                                   .auth_mech = "LOGIN",
                                   .auth_cleartext = true,
                                   .auth_outcome = SENSOR_SMTP_AUTH_SUCCESS,
                                   .has_message = true,
                                   .message_complete = true,
                                   .msg_size = 1234};
    return r;
}

static void
test_smtp_json(void **state)
{
    struct sensor_smtp_record r = record();
    json_t *o = sensor_output_smtp_json(&r);
    struct buf line;

    (void)state;
    assert_string_equal(json_string_value(json_object_get(o, "type")), "smtp");
    assert_true(json_real_value(json_object_get(o, "ts")) > 1254722767.49205);
    assert_int_equal(json_integer_value(json_object_get(o, "id.resp_p")), 25);
    assert_string_equal(json_string_value(json_object_get(o, "id.orig_h")), "10.0.0.5");
    assert_int_equal(json_array_size(json_object_get(o, "rcptto")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "rcpt_replies"), 1)),
                     550);
    /* bad UTF-8 replaced, good kept */
    assert_string_equal(json_string_value(json_object_get(o, "subject")),
                        "caf\xc3\xa9 \xef\xbf\xbd");
    assert_true(json_is_true(json_object_get(o, "auth_cleartext")));
    assert_string_equal(json_string_value(json_object_get(o, "auth_outcome")), "success");
    /* unset fields are left out; an empty string is kept */
    assert_null(json_object_get(o, "cc"));
    assert_null(json_object_get(o, "date"));
    assert_null(json_object_get(o, "auth_password_hash"));
    assert_null(json_object_get(o, "verdict"));
    assert_string_equal(json_string_value(json_object_get(o, "reply_to")), "");
    buf_init(&line, 0);
    sensor_output_line(o, &line);
    assert_int_equal(line.data[line.len - 1], '\n');
    assert_null(memchr(line.data, '\n', line.len - 1));
    assert_non_null(strstr(line.data, "\"ts\":1254722767.49206"));
    buf_release(&line);
}

static void
test_alert_json(void **state)
{
    struct content_finding f = {.detector = (char *)"card",
                                .category = (char *)"financial",
                                .description = (char *)"payment card",
                                .confidence = 90,
                                .count = 3,
                                .part = (char *)"1",
                                .location = (char *)"body",
                                .sample = (char *)"4111********1111"};
    struct content_report rep = {.findings = &f, .nfindings = 1, .action = CONTENT_TAG};
    size_t idx = 0;
    struct sensor_alert a = {.alert = "dlp.financial",
                             .reason = "card x3",
                             .content = &rep,
                             .findings = &idx,
                             .nfindings = 1};
    struct sensor_output_flow fl = {"Cx", "10.0.0.5", "192.0.2.25", 40000, 25};
    struct sensor_smtp_record r = record();
    json_t *o = sensor_output_alert_json(&a, 5000000, &fl, &r, NULL);

    (void)state;
    assert_string_equal(json_string_value(json_object_get(o, "type")), "alert");
    assert_string_equal(json_string_value(json_object_get(o, "alert")), "dlp.financial");
    assert_string_equal(json_string_value(json_object_get(o, "uid")), "Cx");
    assert_string_equal(json_string_value(json_object_get(o, "verdict")), "tag");
    json_t *ev = json_array_get(json_object_get(o, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "sample")), "4111********1111");
    assert_int_equal(json_integer_value(json_object_get(ev, "count")), 3);
    json_decref(o);

    struct sensor_smtp_event e = {
        .type = SENSOR_SMTP_EV_AUTH_CLEARTEXT, .user = "bob", .mech = "PLAIN"};
    struct sensor_alert b = {.alert = "auth.cleartext", .reason = "clear"};
    o = sensor_output_alert_json(&b, 1, &fl, NULL, &e);
    assert_string_equal(json_string_value(json_object_get(o, "auth_user")), "bob");
    assert_string_equal(json_string_value(json_object_get(o, "auth_mech")), "PLAIN");
    assert_null(json_object_get(o, "findings"));
    json_decref(o);
}

static void
test_zeek_log(void **state)
{
    struct sensor_smtp_record r = record();
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    sensor_output_zeek_header(&b, 0);
    assert_non_null(strstr(b.data, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                                   "#unset_field\t-\n#path\tsmtp\n#open\t"));
    assert_non_null(strstr(b.data, "\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\t"
                                   "id.resp_p\ttrans_depth\thelo\tmailfrom\trcptto\tdate\tfrom\t"
                                   "to\tcc\treply_to\tmsg_id\tin_reply_to\tsubject\t"
                                   "x_originating_ip\tfirst_received\tsecond_received\t"
                                   "last_reply\tpath\tuser_agent\ttls\tfuids\n#types\ttime\t"));
    buf_reset(&b);
    sensor_output_zeek_row(&b, &r);
    /* tab and bytes past ASCII escaped; the set separator inside a set item escaped; an
     * unset string "-", an empty one (empty), a value that is "-" escaped */
    assert_string_equal(b.data, "1254722767.492060\tCabcdefghijABCDEFG\t10.0.0.5\t40000\t"
                                "192.0.2.25\t25\t2\tclient\\x09name\talice@example.com\t"
                                "bob@example.org,c\\x2cd@example.org\t-\t-\t"
                                "Bob <bob@example.org>\t-\t(empty)\t-\t-\tcaf\\xc3\\xa9 \\xff\t-\t-"
                                "\t-\t250 ok\t192.0.2.25,10.0.0.5\t\\x2d\tF\t-\n");
    buf_reset(&b);
    sensor_output_zeek_close(&b, 0);
    assert_memory_equal(b.data, "#close\t", 7);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp_json),
        cmocka_unit_test(test_alert_json),
        cmocka_unit_test(test_zeek_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
