/*
 * test_sensor_smtp_rec - what the test_sensor_smtp* programs share: a recorder that writes
 * every record and event of a struct sensor_smtp as readable "name=value" text (so a split
 * of the input can be compared with another, and a secret searched for in every field), and
 * drivers that feed scripted or fixture streams. Header-only (static functions).
 */
#ifndef SW_TESTS_SENSOR_SMTP_REC_H
#define SW_TESTS_SENSOR_SMTP_REC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_smtp.h"
#include "util/buf.h"
#include "util/mem.h"

#define REC_MAX 16

struct got {
    struct buf rec[REC_MAX]; /* one text per record */
    size_t nrec;
    struct buf events; /* one line per event */
    char value[4096];  /* field() result */
};

static inline void
put_str(struct buf *b, const char *name, const char *v)
{
    buf_printf(b, "%s=%s\n", name, v != NULL ? v : "-");
}

static inline void
put_list(struct buf *b, const char *name, const char *const *v, size_t n)
{
    buf_printf(b, "%s=", name);
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i > 0 ? "," : "", v[i]);
    if (n == 0)
        buf_append_str(b, "-");
    buf_append_str(b, "\n");
}

static inline void
put_content(struct buf *b, const struct content_report *c)
{
    if (c == NULL) {
        buf_append_str(b, "content=-\n");
        return;
    }
    buf_printf(b, "content=%s\nfindings=", content_action_name(c->action));
    for (size_t i = 0; i < c->nfindings; i++)
        buf_printf(b, "%s%s@%s:%s", i > 0 ? "," : "", c->findings[i].detector,
                   c->findings[i].location, c->findings[i].sample);
    buf_append_str(b, "\nattachments=");
    for (size_t i = 0; i < c->nattachments; i++)
        buf_printf(b, "%s%s/%llu/%s", i > 0 ? "," : "", c->attachments[i].path,
                   (unsigned long long)c->attachments[i].size, c->attachments[i].sha256);
    buf_append_str(b, "\n");
}

static inline void
on_record(void *ctx, const struct sensor_smtp_record *r)
{
    struct got *g = ctx;
    struct buf *b;

    if (g->nrec == REC_MAX)
        abort();
    b = &g->rec[g->nrec++];
    buf_init(b, 0);
    buf_printf(b, "\nts=%llu\n", (unsigned long long)r->ts_us);
    put_str(b, "uid", r->uid);
    buf_printf(b, "orig=%s:%u\nresp=%s:%u\n", r->orig_h ? r->orig_h : "-", r->orig_p,
               r->resp_h ? r->resp_h : "-", r->resp_p);
    buf_printf(b, "trans_depth=%u\n", r->trans_depth);
    put_str(b, "helo", r->helo);
    put_str(b, "mailfrom", r->mailfrom);
    buf_printf(b, "mail_code=%d\nrcptto=", r->mail_code);
    for (size_t i = 0; i < r->nrcptto; i++)
        buf_printf(b, "%s%s:%d", i > 0 ? "," : "", r->rcptto[i].addr, r->rcptto[i].code);
    buf_printf(b, "%s\nrcpts_dropped=%zu\n", r->nrcptto == 0 ? "-" : "", r->rcpts_dropped);
    put_str(b, "date", r->date);
    put_str(b, "from", r->from);
    put_list(b, "to", r->to, r->nto);
    put_list(b, "cc", r->cc, r->ncc);
    put_str(b, "reply_to", r->reply_to);
    put_str(b, "msg_id", r->msg_id);
    put_str(b, "in_reply_to", r->in_reply_to);
    put_str(b, "subject", r->subject);
    put_str(b, "x_originating_ip", r->x_originating_ip);
    put_str(b, "first_received", r->first_received);
    put_str(b, "second_received", r->second_received);
    put_str(b, "last_reply", r->last_reply);
    put_list(b, "path", r->path, r->npath);
    put_str(b, "user_agent", r->user_agent);
    buf_printf(b, "tls=%d\n", r->tls);
    put_str(b, "tls_version", r->tls_version);
    put_str(b, "tls_sni", r->tls_sni);
    put_str(b, "auth_user", r->auth_user);
    put_str(b, "auth_mech", r->auth_mech);
    buf_printf(b, "auth_cleartext=%d\n", r->auth_cleartext);
    put_str(b, "auth_pw_hash", r->auth_pw_hash);
    put_str(b, "auth_outcome", sensor_smtp_auth_outcome_name(r->auth_outcome));
    buf_printf(b, "bdat=%d\nhas_message=%d\nmessage_complete=%d\nmsg_size=%llu\ngap_bytes=%llu\n",
               r->bdat, r->has_message, r->message_complete, (unsigned long long)r->msg_size,
               (unsigned long long)r->gap_bytes);
    put_content(b, r->content);
}

static inline void
on_event(void *ctx, const struct sensor_smtp_event *ev)
{
    struct got *g = ctx;

    buf_printf(&g->events, "%s", sensor_smtp_event_name(ev->type));
    switch (ev->type) {
    case SENSOR_SMTP_EV_AUTH_CLEARTEXT:
        buf_printf(&g->events, ":%s:%s", ev->user ? ev->user : "-", ev->mech ? ev->mech : "-");
        break;
    case SENSOR_SMTP_EV_TLS:
        buf_printf(&g->events, ":%s:%s", ev->tls_version ? ev->tls_version : "-",
                   ev->tls_sni ? ev->tls_sni : "-");
        break;
    case SENSOR_SMTP_EV_GAP:
        buf_printf(&g->events, ":%d:%llu", ev->dir, (unsigned long long)ev->bytes);
        break;
    case SENSOR_SMTP_EV_ANOMALY:
        buf_printf(&g->events, ":%d:%s", ev->dir, ev->name);
        break;
    default:
        break;
    }
    buf_append_str(&g->events, "\n");
}

static inline void
got_init(struct got *g)
{
    memset(g, 0, sizeof *g);
    buf_init(&g->events, 0);
}

static inline void
got_release(struct got *g)
{
    for (size_t i = 0; i < g->nrec; i++)
        buf_release(&g->rec[i]);
    buf_release(&g->events);
}

/* field - the value of name in record i ("" when the record or field is missing) */
static inline const char *
field(struct got *g, size_t i, const char *name)
{
    char key[64];
    const char *p, *e;

    g->value[0] = '\0';
    if (i >= g->nrec)
        return g->value;
    snprintf(key, sizeof key, "\n%s=", name);
    p = strstr(g->rec[i].data, key);
    if (p == NULL)
        return g->value;
    p += strlen(key);
    e = strchr(p, '\n');
    snprintf(g->value, sizeof g->value, "%.*s", (int)(e - p), p);
    return g->value;
}

/* One piece of a scripted session: direction and bytes; a NULL text with gap > 0 is a gap. */
struct step {
    int dir;
    const char *text;
    uint64_t gap;
};

/* drive - feed steps in order, each in pieces of `chunk` bytes (0 = whole), then end */
static inline void
drive(struct sensor_smtp *s, const struct step *steps, size_t n, size_t chunk)
{
    uint64_t ts = 1000000;

    for (size_t i = 0; i < n; i++, ts += 1000) {
        if (steps[i].text == NULL) {
            sensor_smtp_gap(s, steps[i].dir, steps[i].gap, ts);
            continue;
        }
        size_t len = strlen(steps[i].text);
        size_t step = chunk == 0 ? len : chunk;
        for (size_t off = 0; off < len; off += step) {
            size_t take = len - off < step ? len - off : step;
            sensor_smtp_data(s, steps[i].dir, (const uint8_t *)steps[i].text + off, take, ts);
        }
    }
    sensor_smtp_end(s, ts);
}

/* run_steps - a fresh sensor over steps; records and events into g */
static inline void
run_steps(const struct sensor_smtp_options *opt, const struct step *steps, size_t n, size_t chunk,
          struct got *g)
{
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct sensor_smtp *s;

    got_init(g);
    s = sensor_smtp_new(opt, &cb, g);
    drive(s, steps, n, chunk);
    sensor_smtp_free(s);
}

#endif
