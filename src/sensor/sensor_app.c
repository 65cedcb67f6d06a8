/* sensor_app - engine callbacks -> passive SMTP per flow -> detections -> output lines. */
#include "sensor/sensor_app.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sensor/sensor_output.h"
#include "sensor/sensor_smtp.h"
#include "util/buf.h"
#include "util/mem.h"

#define DEFAULT_HOLD 512
#define PROGRESS_EVERY 1024
/* auth.cleartext is raised once per account and mechanism in a flow; a session that repeats
 * the same AUTH (a retry loop, a brute force) gives one alert per account, up to this many */
#define MAX_AUTH_ALERTS 8

static const uint16_t default_ports[] = {25, 465, 587, 2525};

/* A flow found not to be SMTP points here: nothing more is done for it. */
static const char not_smtp;

struct sensor_app {
    struct sensor_app_options opt;
    struct sensor_smtp_options smtp_opt;
    uint64_t uid_key[2];
    struct sensor_app_stats stats;
    struct buf line; /* one output line at a time */
    void (*progress)(void *ctx);
    void *progress_ctx;
    unsigned since_progress;
};

enum app_state { APP_UNDECIDED, APP_SMTP };

/* What the app keeps for one flow (f->app). */
struct app_flow {
    struct sensor_app *app;
    enum app_state state;
    bool checked;             /* smtp.external_server evaluated */
    struct buf hold[2];       /* undecided: the first bytes by direction (0 = client) */
    struct sensor_smtp *smtp; /* APP_SMTP */
    struct ip_addr client, server;
    char uid[20];
    char orig_h[INET6_ADDRSTRLEN], resp_h[INET6_ADDRSTRLEN];
    uint16_t orig_p, resp_p;
    uint64_t auth_seen[MAX_AUTH_ALERTS]; /* hashes of the accounts alerted on */
    unsigned nauth_seen;
};

/* What an alert is emitted with. */
struct emit_ctx {
    struct app_flow *af;
    uint64_t ts_us;
    const struct sensor_smtp_record *r;
    const struct sensor_smtp_event *ev;
};

/* mix64 - a 64-bit finaliser (splitmix64's): every input bit moves every output bit */
static uint64_t
mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* base62 - n characters of v in base 62 */
static void
base62(uint64_t v, char *out, size_t n)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    for (size_t i = 0; i < n; i++) {
        out[i] = digits[v % 62];
        v /= 62;
    }
}

void
sensor_app_uid(const uint64_t key[2], uint64_t id, char *out, size_t size)
{
    uint64_t a = mix64(key[0] ^ mix64(id)), b = mix64(key[1] ^ a);
    char s[19];

    s[0] = 'C';
    base62(a, s + 1, 10); /* 62^10 < 2^64: the high part of a is mixed into b */
    base62(b, s + 11, 7);
    s[18] = '\0';
    snprintf(out, size, "%s", s);
}

/* addr_of - a flow key address as struct ip_addr and text */
static void
addr_of(const uint8_t a[16], struct ip_addr *ip, char *text)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    memset(ip, 0, sizeof *ip);
    if (memcmp(a, mapped, 12) == 0) {
        ip->family = AF_INET;
        memcpy(ip->bytes, a + 12, 4);
    } else {
        ip->family = AF_INET6;
        memcpy(ip->bytes, a, 16);
    }
    ip_addr_format(ip, text, INET6_ADDRSTRLEN);
}

/* write_line - a JSON object to the JSON output */
static void
write_json(struct sensor_app *a, json_t *o)
{
    if (a->opt.json == NULL) {
        json_decref(o);
        return;
    }
    buf_reset(&a->line);
    sensor_output_line(o, &a->line);
    fwrite(a->line.data, 1, a->line.len, a->opt.json);
}

/* count_alert - the summary's counters by rule */
static void
count_alert(struct sensor_app_stats *s, const char *name)
{
    s->alerts++;
    if (strcmp(name, "auth.cleartext") == 0)
        s->auth_cleartext++;
    else if (strcmp(name, "smtp.external_server") == 0)
        s->external_server++;
    else if (strcmp(name, "exfil.infostealer") == 0)
        s->infostealer++;
    else if (strcmp(name, "exfil.self_addressed") == 0)
        s->self_addressed++;
    else if (strncmp(name, "behavior.", 9) == 0)
        s->behavior++;
    else
        s->dlp++;
}

/* on_alert - sensor_detect found something */
static void
on_alert(void *ctx, const struct sensor_alert *al)
{
    struct emit_ctx *e = ctx;
    struct app_flow *af = e->af;
    struct sensor_output_flow fl = {af->uid, af->orig_h, af->resp_h, af->orig_p, af->resp_p};

    count_alert(&af->app->stats, al->alert);
    write_json(af->app, sensor_output_alert_json(al, e->ts_us, &fl, e->r, e->ev));
}

/* check_flow - smtp.external_server, once per SMTP flow, at the client's first bytes */
static void
check_flow(struct app_flow *af, uint64_t ts_us)
{
    struct emit_ctx e = {.af = af, .ts_us = ts_us};

    if (af->checked)
        return;
    af->checked = true;
    sensor_detect_flow(&af->app->opt.detect, &af->client, &af->server, on_alert, &e);
}

/* on_record - passive SMTP closed a transaction */
/* behavior_alert_reason - one sentence for a behaviour alert */
static void
behavior_alert_reason(const struct behavior_alert *al, char *out, size_t size)
{
    if (al->type == BEHAVIOR_ALERT_SPIKE)
        snprintf(out, size, "%s %s: %.0f %s per hour against a baseline of %.1f (threshold %.1f%s)",
                 behavior_kind_name(al->kind), al->key, al->spike.current,
                 behavior_measure_name(al->measure), al->spike.expected, al->spike.threshold,
                 al->spike.profiled ? ", time-of-day profile" : "");
    else
        snprintf(out, size, "first %s for %s: %s", behavior_relation_name(al->relation),
                 al->key[0] ? al->key : "the network", al->value);
}

/* observe_behavior - count the transaction in packet time; its spike and first-seen alerts */
static void
observe_behavior(struct sensor_app *a, const struct sensor_smtp_record *r, struct emit_ctx *e)
{
    struct app_flow *af = e->af;
    const char *rcpts[64];
    size_t n = r->nrcptto < 64 ? r->nrcptto : 64;
    struct behavior_result res;
    char reason[512];

    for (size_t i = 0; i < n; i++)
        rcpts[i] = r->rcptto[i].addr;
    struct behavior_txn t = {.identity = "",
                             .client_addr = af->orig_h,
                             .auth_user = r->auth_user ? r->auth_user : "",
                             .mail_from = r->mailfrom ? r->mailfrom : "",
                             .tenant = "",
                             .dest_server = af->resp_h,
                             .rcpts = rcpts,
                             .nrcpts = n,
                             .size = r->msg_size};
    behavior_observe(a->opt.behavior, &t, r->ts_us / 1000, &res);
    for (size_t i = 0; i < res.nalerts; i++) {
        const struct behavior_alert *al = &res.alerts[i];
        behavior_alert_reason(al, reason, sizeof reason);
        struct sensor_alert sa = {.alert = al->type == BEHAVIOR_ALERT_SPIKE ? "behavior.spike"
                                                                            : "behavior.first_seen",
                                  .reason = reason};
        on_alert(e, &sa);
    }
}

static void
on_record(void *ctx, const struct sensor_smtp_record *r)
{
    struct app_flow *af = ctx;
    struct sensor_app *a = af->app;
    struct emit_ctx e = {.af = af, .ts_us = r->ts_us, .r = r};

    a->stats.transactions++;
    write_json(a, sensor_output_smtp_json(r));
    if (a->opt.zeek != NULL) {
        buf_reset(&a->line);
        sensor_output_zeek_row(&a->line, r);
        fwrite(a->line.data, 1, a->line.len, a->opt.zeek);
    }
    sensor_detect_record(&a->opt.detect, &af->client, r, on_alert, &e);
    if (a->opt.behavior != NULL)
        observe_behavior(a, r, &e);
}

/* fnv1a - a 64-bit FNV-1a of s continued from h */
static uint64_t
fnv1a(uint64_t h, const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3u;
    return (h ^ 0xff) * 0x100000001b3u;
}

/* auth_is_new - the first cleartext AUTH of this account and mechanism in the flow, and
 * room to remember it */
static bool
auth_is_new(struct app_flow *af, const struct sensor_smtp_event *ev)
{
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325u, ev->user), ev->mech);

    for (unsigned i = 0; i < af->nauth_seen; i++)
        if (af->auth_seen[i] == h)
            return false;
    if (af->nauth_seen == MAX_AUTH_ALERTS)
        return false;
    af->auth_seen[af->nauth_seen++] = h;
    return true;
}

/* on_event - passive SMTP's session events */
static void
on_event(void *ctx, const struct sensor_smtp_event *ev)
{
    struct app_flow *af = ctx;
    struct emit_ctx e = {.af = af, .ts_us = ev->ts_us, .ev = ev};

    if (ev->type == SENSOR_SMTP_EV_ANOMALY || ev->type == SENSOR_SMTP_EV_GAP)
        af->app->stats.anomalies++;
    if (ev->type == SENSOR_SMTP_EV_AUTH_CLEARTEXT && !auth_is_new(af, ev))
        return;
    sensor_detect_auth(ev, on_alert, &e);
}

/* is_smtp_port - the server port is one of the configured ones */
static bool
is_smtp_port(const struct sensor_app *a, uint16_t port)
{
    for (size_t i = 0; i < a->opt.nports; i++)
        if (a->opt.ports[i] == port)
            return true;
    return false;
}

/* flow_new - the app's state for f */
static struct app_flow *
flow_new(struct sensor_app *a, struct sensor_flow *f)
{
    struct app_flow *af = xcalloc(1, sizeof *af);

    af->app = a;
    af->state = APP_UNDECIDED;
    buf_init(&af->hold[0], 0);
    buf_init(&af->hold[1], 0);
    f->app = af;
    f->app_mem = sizeof *af;
    return af;
}

/* become_smtp - passive SMTP starts on f */
static void
become_smtp(struct sensor_app *a, struct sensor_flow *f, struct app_flow *af, bool by_content)
{
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct sensor_smtp_options o = a->smtp_opt;

    af->state = APP_SMTP;
    addr_of(f->key.client, &af->client, af->orig_h);
    addr_of(f->key.server, &af->server, af->resp_h);
    af->orig_p = f->key.client_port;
    af->resp_p = f->key.server_port;
    sensor_app_uid(a->uid_key, f->id, af->uid, sizeof af->uid);
    o.implicit_tls = f->key.server_port == 465;
    af->smtp = sensor_smtp_new(&o, &cb, af);
    sensor_smtp_set_endpoints(af->smtp, af->uid, af->orig_h, af->orig_p, af->resp_h, af->resp_p);
    a->stats.smtp_sessions++;
    a->stats.by_content += by_content;
}

/* flow_free - release what the app kept for f */
static void
flow_free(struct sensor_flow *f)
{
    struct app_flow *af = f->app;

    if (af != NULL && f->app != (const void *)&not_smtp) {
        sensor_smtp_free(af->smtp);
        buf_release(&af->hold[0]);
        buf_release(&af->hold[1]);
        free(af);
    }
    f->app = NULL;
    f->app_mem = 0;
}

/* not_smtp_now - give up on f */
static void
mark_not_smtp(struct sensor_flow *f)
{
    flow_free(f);
    f->app = (void *)&not_smtp;
}

/* app_open - the engine made a flow */
static void
app_open(void *ctx, struct sensor_flow *f)
{
    struct sensor_app *a = ctx;

    if (is_smtp_port(a, f->key.server_port))
        become_smtp(a, f, flow_new(a, f), false);
}

/* verdict - what the held bytes say: 1 SMTP, 0 not, -1 not yet */
static int
verdict(const struct sensor_app *a, const struct app_flow *af)
{
    const struct buf *s = &af->hold[1], *c = &af->hold[0];

    if (s->len > 0 && s->data[0] != '2')
        return 0;
    if (c->len > 0 && c->data[0] != 'E' && c->data[0] != 'H' && c->data[0] != 'e' &&
        c->data[0] != 'h')
        return 0;
    if (s->len >= 4 && c->len >= 5)
        return sensor_smtp_detect((const uint8_t *)s->data, s->len, (const uint8_t *)c->data,
                                  c->len);
    if (s->len >= a->opt.max_detect_hold || c->len >= a->opt.max_detect_hold)
        return 0;
    return -1;
}

/* undecided_data - hold the first bytes until they say what the flow is */
static void
undecided_data(struct sensor_app *a, struct sensor_flow *f, int d, const uint8_t *b, size_t len)
{
    struct app_flow *af = f->app != NULL ? f->app : flow_new(a, f);

    /* a delivery is kept whole (the verdict must see what passive SMTP will see); the bound
     * is checked before it, so a hold is at most max_detect_hold plus one delivery */
    buf_append(&af->hold[d], b, len);
    int v = verdict(a, af);
    if (v == 0) {
        mark_not_smtp(f);
        return;
    }
    if (v < 0) {
        f->app_mem = sizeof *af + af->hold[0].cap + af->hold[1].cap;
        return;
    }
    become_smtp(a, f, af, true);
    check_flow(af, f->last_ts);
    /* the greeting first: passive SMTP pairs replies with commands in order either way */
    sensor_smtp_data(af->smtp, 1, (const uint8_t *)af->hold[1].data, af->hold[1].len, f->last_ts);
    sensor_smtp_data(af->smtp, 0, (const uint8_t *)af->hold[0].data, af->hold[0].len, f->last_ts);
    buf_release(&af->hold[0]);
    buf_release(&af->hold[1]);
    f->app_mem = sizeof *af + sensor_smtp_mem(af->smtp);
}

/* app_data - in-order bytes of a flow */
static void
app_data(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *b, size_t len)
{
    struct sensor_app *a = ctx;
    struct app_flow *af = f->app;
    int d = dir == SENSOR_DIR_TO_CLIENT;

    if (a->progress != NULL && ++a->since_progress >= PROGRESS_EVERY) {
        a->since_progress = 0;
        a->progress(a->progress_ctx);
    }
    if (f->app == (const void *)&not_smtp)
        return;
    if (af == NULL || af->state == APP_UNDECIDED) {
        undecided_data(a, f, d, b, len);
        return;
    }
    if (d == 0)
        check_flow(af, f->last_ts);
    sensor_smtp_data(af->smtp, d, b, len, f->last_ts);
    f->app_mem = sizeof *af + sensor_smtp_mem(af->smtp);
}

/* app_event - gaps matter to passive SMTP; an undecided flow with a gap is given up */
static void
app_event(void *ctx, struct sensor_flow *f, enum sensor_dir dir, enum sensor_tcp_event ev,
          uint64_t count)
{
    struct app_flow *af = f->app;

    (void)ctx;
    if (ev != SENSOR_TCP_EV_GAP || af == NULL || f->app == (const void *)&not_smtp)
        return;
    if (af->state == APP_UNDECIDED) {
        mark_not_smtp(f);
        return;
    }
    sensor_smtp_gap(af->smtp, dir == SENSOR_DIR_TO_CLIENT, count, f->last_ts);
}

/* app_close - the flow is over: what passive SMTP still holds goes out */
static void
app_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    struct app_flow *af = f->app;

    (void)ctx;
    (void)reason;
    if (af != NULL && f->app != (const void *)&not_smtp && af->state == APP_SMTP)
        sensor_smtp_end(af->smtp, f->last_ts);
    flow_free(f);
}

struct sensor_app *
sensor_app_new(const struct sensor_app_options *opt)
{
    struct sensor_app *a = xcalloc(1, sizeof *a);

    a->opt = *opt;
    if (a->opt.ports == NULL) {
        a->opt.ports = default_ports;
        a->opt.nports = sizeof default_ports / sizeof default_ports[0];
    }
    if (a->opt.max_detect_hold < 8)
        a->opt.max_detect_hold = DEFAULT_HOLD;
    a->smtp_opt = sensor_smtp_options_default();
    a->smtp_opt.content = opt->content;
    a->smtp_opt.pw_salt = opt->pw_salt;
    a->smtp_opt.pw_salt_len = opt->pw_salt_len;
    if (getrandom(a->uid_key, sizeof a->uid_key, 0) != (ssize_t)sizeof a->uid_key) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        a->uid_key[0] = mix64((uint64_t)t.tv_nsec);
        a->uid_key[1] = mix64((uint64_t)t.tv_sec ^ a->uid_key[0]);
    }
    buf_init(&a->line, 0);
    return a;
}

struct sensor_app *
sensor_app_free(struct sensor_app *a)
{
    if (a == NULL)
        return NULL;
    buf_release(&a->line);
    free(a);
    return NULL;
}

void
sensor_app_engine_cfg(struct sensor_app *a, struct sensor_engine_cfg *cfg)
{
    cfg->ctx = a;
    cfg->flow_open = app_open;
    cfg->flow_close = app_close;
    cfg->data = app_data;
    cfg->event = app_event;
}

void
sensor_app_set_progress(struct sensor_app *a, void (*cb)(void *ctx), void *ctx)
{
    a->progress = cb;
    a->progress_ctx = ctx;
}

const struct sensor_app_stats *
sensor_app_stats(const struct sensor_app *a)
{
    return &a->stats;
}
