/* sensor_output - the sensor's JSON lines and Zeek smtp.log; see sensor_output.h. */
#include "sensor/sensor_output.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/event_content.h"
#include "events/event_json.h"
#include "util/utf8.h"

/* set_str - o[key] = s unless s is NULL */
static void
set_str(json_t *o, const char *key, const char *s)
{
    if (s != NULL)
        json_object_set_new(o, key, event_json_text(s));
}

/* set_list - o[key] = [v...] unless n is 0 */
static void
set_list(json_t *o, const char *key, const char *const *v, size_t n)
{
    json_t *a;

    if (n == 0)
        return;
    a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, event_json_text(v[i]));
    json_object_set_new(o, key, a);
}

/* ts_json - microseconds as Zeek's seconds.micro */
static json_t *
ts_json(uint64_t ts_us)
{
    return json_real((double)(ts_us / 1000000u) + (double)(ts_us % 1000000u) / 1e6);
}

/* set_endpoints - uid and the id.* fields */
static void
set_endpoints(json_t *o, const char *uid, const char *orig_h, uint16_t orig_p, const char *resp_h,
              uint16_t resp_p)
{
    set_str(o, "uid", uid);
    set_str(o, "id.orig_h", orig_h);
    json_object_set_new(o, "id.orig_p", json_integer(orig_p));
    set_str(o, "id.resp_h", resp_h);
    json_object_set_new(o, "id.resp_p", json_integer(resp_p));
}

/* set_content - verdict, verdict_reason, findings, attachments, anomalies of the message */
static void
set_content(json_t *o, const struct content_report *c)
{
    static const char *const keys[][2] = {{"verdict", "verdict"},
                                          {"reason", "verdict_reason"},
                                          {"findings", "findings"},
                                          {"attachments", "attachments"},
                                          {"anomalies", "anomalies"}};
    json_t *e;

    if (c == NULL)
        return;
    e = event_content_json(c);
    if (e == NULL)
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(e, keys[i][0]);
        if (v != NULL && !(json_is_string(v) && json_string_length(v) == 0))
            json_object_set(o, keys[i][1], v);
    }
    json_decref(e);
}

/* set_rcpts - rcptto (addresses) and rcpt_replies (their reply codes, 0 when none seen) */
static void
set_rcpts(json_t *o, const struct sensor_smtp_record *r)
{
    json_t *addrs, *codes;

    if (r->nrcptto == 0)
        return;
    addrs = json_array();
    codes = json_array();
    for (size_t i = 0; i < r->nrcptto; i++) {
        json_array_append_new(addrs, event_json_text(r->rcptto[i].addr));
        json_array_append_new(codes, json_integer(r->rcptto[i].code));
    }
    json_object_set_new(o, "rcptto", addrs);
    json_object_set_new(o, "rcpt_replies", codes);
}

/* set_auth - the AUTH fields, when the session authenticated */
static void
set_auth(json_t *o, const struct sensor_smtp_record *r)
{
    if (r->auth_outcome == SENSOR_SMTP_AUTH_NONE && r->auth_mech == NULL)
        return;
    set_str(o, "auth_user", r->auth_user);
    set_str(o, "auth_mech", r->auth_mech);
    json_object_set_new(o, "auth_outcome",
                        json_string(sensor_smtp_auth_outcome_name(r->auth_outcome)));
    json_object_set_new(o, "auth_cleartext", json_boolean(r->auth_cleartext));
    set_str(o, "auth_password_hash", r->auth_pw_hash);
}

json_t *
sensor_output_smtp_json(const struct sensor_smtp_record *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "type", json_string("smtp"));
    json_object_set_new(o, "ts", ts_json(r->ts_us));
    set_endpoints(o, r->uid, r->orig_h, r->orig_p, r->resp_h, r->resp_p);
    json_object_set_new(o, "trans_depth", json_integer(r->trans_depth));
    set_str(o, "helo", r->helo);
    set_str(o, "mailfrom", r->mailfrom);
    if (r->mail_code != 0)
        json_object_set_new(o, "mail_reply", json_integer(r->mail_code));
    set_rcpts(o, r);
    if (r->rcpts_dropped > 0)
        json_object_set_new(o, "rcpts_dropped", json_integer((json_int_t)r->rcpts_dropped));
    set_str(o, "date", r->date);
    set_str(o, "from", r->from);
    set_list(o, "to", r->to, r->nto);
    set_list(o, "cc", r->cc, r->ncc);
    set_str(o, "reply_to", r->reply_to);
    set_str(o, "msg_id", r->msg_id);
    set_str(o, "in_reply_to", r->in_reply_to);
    set_str(o, "subject", r->subject);
    set_str(o, "x_originating_ip", r->x_originating_ip);
    set_str(o, "first_received", r->first_received);
    set_str(o, "second_received", r->second_received);
    set_str(o, "last_reply", r->last_reply);
    set_list(o, "path", r->path, r->npath);
    set_str(o, "user_agent", r->user_agent);
    json_object_set_new(o, "tls", json_boolean(r->tls));
    set_str(o, "tls_version", r->tls_version);
    set_str(o, "tls_sni", r->tls_sni);
    set_auth(o, r);
    if (r->has_message) {
        json_object_set_new(o, "bdat", json_boolean(r->bdat));
        json_object_set_new(o, "msg_size", json_integer((json_int_t)r->msg_size));
        json_object_set_new(o, "message_complete", json_boolean(r->message_complete));
        if (r->gap_bytes > 0)
            json_object_set_new(o, "gap_bytes", json_integer((json_int_t)r->gap_bytes));
    }
    set_content(o, r->content);
    return o;
}

/* evidence - the findings an alert counts, redacted as the content engine gives them */
static json_t *
evidence(const struct sensor_alert *a)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < a->nfindings; i++) {
        const struct content_finding *f = &a->content->findings[a->findings[i]];
        json_array_append_new(
            arr, json_pack("{s:o, s:o, s:i, s:I, s:o, s:o, s:o}", "detector",
                           event_json_text(f->detector), "category", event_json_text(f->category),
                           "confidence", f->confidence, "count", (json_int_t)f->count, "part",
                           event_json_text(f->part), "location", event_json_text(f->location),
                           "sample", event_json_text(f->sample)));
    }
    return arr;
}

json_t *
sensor_output_alert_json(const struct sensor_alert *a, uint64_t ts_us,
                         const struct sensor_output_flow *f, const struct sensor_smtp_record *r,
                         const struct sensor_smtp_event *ev)
{
    json_t *o = json_object();

    json_object_set_new(o, "type", json_string("alert"));
    json_object_set_new(o, "alert", json_string(a->alert));
    json_object_set_new(o, "ts", ts_json(ts_us));
    set_endpoints(o, f->uid, f->orig_h, f->orig_p, f->resp_h, f->resp_p);
    set_str(o, "reason", a->reason);
    if (r != NULL) {
        json_object_set_new(o, "trans_depth", json_integer(r->trans_depth));
        set_str(o, "helo", r->helo);
        set_str(o, "mailfrom", r->mailfrom);
        set_rcpts(o, r);
        set_str(o, "subject", r->subject);
        set_str(o, "auth_user", r->auth_user);
    }
    const struct content_report *c = a->content != NULL ? a->content
                                     : r != NULL        ? r->content
                                                        : NULL;
    if (c != NULL)
        json_object_set_new(o, "verdict", json_string(content_action_name(c->action)));
    if (ev != NULL && ev->type == SENSOR_SMTP_EV_AUTH_CLEARTEXT) {
        set_str(o, "auth_user", ev->user);
        set_str(o, "auth_mech", ev->mech);
    }
    if (a->content != NULL)
        json_object_set_new(o, "findings", evidence(a));
    return o;
}

void
sensor_output_line(json_t *o, struct buf *out)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));

    if (s != NULL) {
        buf_append_str(out, s);
        buf_append_str(out, "\n");
        free(s);
    }
    json_decref(o);
}

/* ---- Zeek smtp.log ---- */

static const char zeek_fields[] =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\thelo\tmailfrom\trcptto\t"
    "date\tfrom\tto\tcc\treply_to\tmsg_id\tin_reply_to\tsubject\tx_originating_ip\t"
    "first_received\tsecond_received\tlast_reply\tpath\tuser_agent\ttls\tfuids";
static const char zeek_types[] =
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tset[string]\tstring\tstring\t"
    "set[string]\tset[string]\tstring\tstring\tstring\tstring\taddr\tstring\tstring\tstring\t"
    "vector[addr]\tstring\tbool\tvector[string]";

/* zeek_time - Zeek's #open/#close stamp, local time */
static void
zeek_time(struct buf *out, const char *tag, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[64];

    localtime_r(&tt, &tm);
    strftime(s, sizeof s, "%Y-%m-%d-%H-%M-%S", &tm);
    buf_printf(out, "#%s\t%s\n", tag, s);
}

void
sensor_output_zeek_header(struct buf *out, int64_t open_ts)
{
    buf_append_str(out, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                        "#unset_field\t-\n#path\tsmtp\n");
    zeek_time(out, "open", open_ts);
    buf_printf(out, "#fields\t%s\n#types\t%s\n", zeek_fields, zeek_types);
}

void
sensor_output_zeek_close(struct buf *out, int64_t close_ts)
{
    zeek_time(out, "close", close_ts);
}

/* zeek_esc - one value with Zeek's ASCII escaping; in_set escapes the set separator too */
static void
zeek_esc(struct buf *out, const char *s, bool in_set)
{
    if (strcmp(s, "-") == 0) {
        buf_append_str(out, "\\x2d");
        return;
    }
    if (s[0] == '\0') {
        buf_append_str(out, "(empty)");
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (in_set && *p == ','))
            buf_printf(out, "\\x%02x", *p);
        else
            buf_append(out, p, 1);
    }
}

/* zeek_str - a string column: "-" when unset */
static void
zeek_str(struct buf *out, const char *s)
{
    buf_append_str(out, "\t");
    if (s == NULL)
        buf_append_str(out, "-");
    else
        zeek_esc(out, s, false);
}

/* zeek_set - a set or vector column: "-" when empty (Zeek leaves it unset) */
static void
zeek_set(struct buf *out, const char *const *v, size_t n)
{
    buf_append_str(out, "\t");
    if (n == 0)
        buf_append_str(out, "-");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_append_str(out, ",");
        zeek_esc(out, v[i], true);
    }
}

void
sensor_output_zeek_row(struct buf *out, const struct sensor_smtp_record *r)
{
    buf_printf(out, "%llu.%06llu", (unsigned long long)(r->ts_us / 1000000u),
               (unsigned long long)(r->ts_us % 1000000u));
    zeek_str(out, r->uid);
    zeek_str(out, r->orig_h);
    buf_printf(out, "\t%u", r->orig_p);
    zeek_str(out, r->resp_h);
    buf_printf(out, "\t%u\t%u", r->resp_p, r->trans_depth);
    zeek_str(out, r->helo);
    zeek_str(out, r->mailfrom);
    buf_append_str(out, "\t");
    if (r->nrcptto == 0)
        buf_append_str(out, "-");
    for (size_t i = 0; i < r->nrcptto; i++) {
        if (i > 0)
            buf_append_str(out, ",");
        zeek_esc(out, r->rcptto[i].addr, true);
    }
    zeek_str(out, r->date);
    zeek_str(out, r->from);
    zeek_set(out, r->to, r->nto);
    zeek_set(out, r->cc, r->ncc);
    zeek_str(out, r->reply_to);
    zeek_str(out, r->msg_id);
    zeek_str(out, r->in_reply_to);
    zeek_str(out, r->subject);
    zeek_str(out, r->x_originating_ip);
    zeek_str(out, r->first_received);
    zeek_str(out, r->second_received);
    zeek_str(out, r->last_reply);
    zeek_set(out, r->path, r->npath);
    zeek_str(out, r->user_agent);
    buf_append_str(out, r->tls ? "\tT" : "\tF");
    buf_append_str(out, "\t-\n"); /* fuids: Zeek's file ids; ours are the JSON attachments */
}
