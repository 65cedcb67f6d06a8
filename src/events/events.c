/* events - JSON-lines events (jansson) written atomically to a file or stdout. */
#include "events/events.h"
#include "events/event_behavior.h"
#include "events/event_content.h"
#include "events/event_json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/utf8.h"

struct event_sink {
    int fd;
    bool owns_fd;
};

struct event_sink *
event_sink_open(const char *path)
{
    struct event_sink *s;
    int fd;

    if (strcmp(path, "-") == 0) {
        fd = STDOUT_FILENO;
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0)
            return NULL;
    }
    s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->owns_fd = fd != STDOUT_FILENO;
    return s;
}

struct event_sink *
event_sink_close(struct event_sink *s)
{
    if (s != NULL) {
        if (s->owns_fd)
            close(s->fd);
        free(s);
    }
    return NULL;
}

void
event_format_time(char out[32])
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

/* reply_json - "CODE ENH TEXT" as one string (multi-line text joined with "\n") */
static json_t *
reply_json(const struct smtp_reply *r)
{
    struct buf b;
    json_t *j;

    if (r == NULL || r->code == 0)
        return json_null();
    buf_init(&b, 0);
    buf_printf(&b, "%d%s%s %s", r->code, r->enh[0] ? " " : "", r->enh, r->text);
    j = event_json_text(b.data);
    buf_release(&b);
    return j;
}

/* tls_json - the tls object of an event, or null when the connection is in clear */
static json_t *
tls_json(const struct tls_facts *t)
{
    json_t *o, *cert = json_null();

    if (!t->active)
        return json_null();
    if (t->has_cert)
        cert =
            json_pack("{s:o, s:o, s:o, s:b}", "subject", event_json_text_or_null(t->cert_subject),
                      "issuer", event_json_text_or_null(t->cert_issuer), "sha256",
                      event_json_text(t->cert_sha256), "verified", t->cert_verified);
    o = json_pack("{s:s, s:s, s:o}", "version", t->version, "cipher", t->cipher, "client_cert",
                  cert != NULL ? cert : json_null());
    return o != NULL ? o : json_null();
}

/* conn_common - the fields every event of a connection carries */
static json_t *
conn_common(const char *event, const struct conn_facts *c)
{
    char ts[32];

    event_format_time(ts);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:s, s:i, s:o, s:o, s:o, s:o}", "ts", ts, "event",
        event, "frontend", c->frontend ? c->frontend : "gateway", "conn_id", c->conn_id, "worker",
        (json_int_t)c->worker, "client_addr", c->client_addr, "client_port", (int)c->client_port,
        "local_addr", c->local_addr, "local_port", (int)c->local_port, "tls", tls_json(&c->tls),
        "helo", event_json_text_or_null(c->helo), "auth_user",
        event_json_text_or_null(c->auth_user), "auth_mech", event_json_text_or_null(c->auth_mech));
}

/* sink_write - serialise and write the object as one line, then drop it */
static void
sink_write(struct event_sink *s, json_t *o)
{
    char *text;
    size_t len;

    if (o == NULL)
        die_bug("event object could not be built");
    text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (text == NULL)
        die_bug("event could not be serialised");
    len = strlen(text);
    text[len] = '\n'; /* replaces the NUL; we write len + 1 bytes */
    ssize_t w = write(s->fd, text, len + 1);
    if (w < 0 || (size_t)w != len + 1)
        log_warn("event sink: short write (%s)", w < 0 ? strerror(errno) : "partial");
    free(text);
}

void
event_transaction(struct event_sink *s, const struct conn_facts *c, const struct txn_facts *t,
                  const struct verdict *v, const struct smtp_reply *next_hop_reply)
{
    event_transaction_behavior(s, c, t, v, next_hop_reply, NULL);
}

void
event_transaction_behavior(struct event_sink *s, const struct conn_facts *c,
                           const struct txn_facts *t, const struct verdict *v,
                           const struct smtp_reply *next_hop_reply, const struct behavior_result *b)
{
    json_t *o, *rcpt, *refused;

    if (s == NULL)
        return;
    o = conn_common("transaction", c);
    rcpt = json_array();
    for (unsigned i = 0; i < t->nrcpt; i++)
        json_array_append_new(rcpt, event_json_text(t->rcpt[i]));
    refused = json_array();
    for (unsigned i = 0; i < t->nrefused; i++)
        json_array_append_new(refused,
                              json_pack("{s:o, s:o}", "addr", event_json_text(t->refused[i].addr),
                                        "reply", event_json_text(t->refused[i].reply)));
    json_object_set_new(o, "txn", json_integer(t->index));
    json_object_set_new(o, "identity", event_json_text_or_null(t->identity));
    json_object_set_new(o, "header_from", event_json_text_or_null(t->header_from));
    json_object_set_new(o, "m365",
                        t->m365_tenant_ids[0] || t->m365_connecting_ip[0] || t->m365_from_entity[0]
                            ? json_pack("{s:o, s:o, s:o}", "tenant_ids",
                                        event_json_text_or_null(t->m365_tenant_ids),
                                        "connecting_ip",
                                        event_json_text_or_null(t->m365_connecting_ip),
                                        "from_entity", event_json_text_or_null(t->m365_from_entity))
                            : json_null());
    json_object_set_new(o, "dkim",
                        t->dkim_domain[0]
                            ? json_pack("{s:o, s:o}", "domain", event_json_text(t->dkim_domain),
                                        "selector", event_json_text(t->dkim_selector))
                            : json_null());
    json_object_set_new(o, "mail_from", event_json_text(t->mail_from));
    json_object_set_new(o, "rcpt_to", rcpt);
    json_object_set_new(o, "rcpt_refused", refused);
    json_object_set_new(o, "size", json_integer((json_int_t)t->size));
    json_object_set_new(o, "content", t->content ? event_content_json(t->content) : json_null());
    json_object_set_new(o, "quarantine", event_json_text_or_null(t->quarantine));
    json_object_set_new(o, "behavior", b != NULL ? event_behavior_json(b) : json_null());
    json_object_set_new(o, "verdict", json_string(verdict_action_name(v->action)));
    json_object_set_new(o, "reason", event_json_text_or_null(v->reason));
    json_object_set_new(o, "reply", reply_json(&v->reply));
    json_object_set_new(o, "next_hop_reply", reply_json(next_hop_reply));
    sink_write(s, o);
}

/* alert_common - the fields of an alert event before the alert's own */
static json_t *
alert_common(const struct conn_facts *c, const struct txn_facts *t)
{
    json_t *o = conn_common("alert", c);

    json_object_set_new(o, "txn", json_integer(t->index));
    json_object_set_new(o, "identity", event_json_text_or_null(t->identity));
    json_object_set_new(o, "mail_from", event_json_text(t->mail_from));
    return o;
}

void
event_alert(struct event_sink *s, const struct conn_facts *c, const struct txn_facts *t,
            const struct behavior_alert *a)
{
    json_t *o, *f;

    if (s == NULL)
        return;
    o = alert_common(c, t);
    f = event_alert_json(a);
    json_object_update(o, f);
    json_decref(f);
    sink_write(s, o);
}

void
event_alert_unavailable(struct event_sink *s, const struct conn_facts *c, const struct txn_facts *t,
                        const char *state, enum behavior_action action)
{
    json_t *o, *f;

    if (s == NULL)
        return;
    o = alert_common(c, t);
    f = event_unavailable_json(state, action);
    json_object_update(o, f);
    json_decref(f);
    sink_write(s, o);
}

void
event_connection(struct event_sink *s, const struct conn_facts *c, const struct conn_summary *sum)
{
    json_t *o, *viol;

    if (s == NULL)
        return;
    o = conn_common("connection", c);
    viol = json_array();
    for (unsigned i = 0; i < sum->nviolations; i++)
        json_array_append_new(viol, event_json_text(sum->violations[i]));
    json_object_set_new(o, "listener_tls", json_string(c->listener_tls ? c->listener_tls : "none"));
    json_object_set_new(o, "transactions", json_integer(sum->transactions));
    json_object_set_new(o, "auth_failures", json_integer(sum->auth_failures));
    json_object_set_new(o, "violations", viol);
    json_object_set_new(o, "duration_ms", json_integer((json_int_t)sum->duration_ms));
    json_object_set_new(o, "close_reason", event_json_text_or_null(sum->close_reason));
    sink_write(s, o);
}
