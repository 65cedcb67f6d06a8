/*
 * gw_behavior - the behaviour engine wired into a gateway worker: configuration, snapshots on
 * a timer, and the asynchronous Redis leg of the shared state (limits, counts, first-seen;
 * hiredis on the libevent loop).
 */
#include "behavior/behavior_cfg.h"
#include "gateway/gw_behavior.h"

#include <errno.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "behavior/behavior_redis.h"
#include "util/log.h"
#include "util/mem.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

enum req_state {
    REQ_WAITING,  /* sent to Redis, no answer yet */
    REQ_READY,    /* answered (or failed); done is about to be called from the loop */
    REQ_FINISHED, /* done was called, or the session cancelled: only Redis may still hold it */
};

struct gw_behavior_req {
    struct gw_behavior *gb;
    struct gw_behavior_req *prev, *next; /* the engine's live requests */
    enum req_state state;
    bool in_redis;       /* hiredis still holds it (its reply callback will come) */
    bool retried;        /* sent again with EVAL after NOSCRIPT */
    bool available;      /* the answer came; retry[] is valid */
    struct event *timer; /* the timeout, then the zero-delay call of done */
    struct behavior_txn txn;
    uint64_t now_ms;
    struct behavior_result *r;
    gw_behavior_done_fn *done;
    void *ctx;
    /* last: written before they are read, so not zeroed (see gw_behavior_observe) */
    struct behavior_plan plan;
    uint64_t retry[BEHAVIOR_TAKES_MAX];
    struct behavior_shared_plan shared;
    struct behavior_shared_answer answer;
};

struct gw_behavior {
    struct behavior *engine;
    struct event_base *base;
    char state[256]; /* "embedded" or the URL */
    char *snapshot;  /* the state file of this slot, or NULL */
    struct event *save_timer;
    unsigned save_interval;
    /* Redis */
    bool redis;
    char host[256];
    uint16_t port;
    unsigned db;
    char sha[41];
    unsigned timeout_ms;
    redisAsyncContext *ac; /* NULL while disconnected */
    bool connected;
    unsigned backoff_ms;
    struct event *reconnect_timer;
    bool drop;         /* a request timed out: drop the connection from the loop */
    bool outage_noted; /* the state_unavailable alert of this outage was written */
    struct gw_behavior_req *reqs;
};

static void redis_connect(struct gw_behavior *gb);
static void schedule_reconnect(struct gw_behavior *gb);

/* now_wall_ms - wall-clock milliseconds (the engine learns by hour of day) */
static uint64_t
now_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* engine_config - the behavior section as the engine's configuration; limits into lim[] */

int
gw_behavior_save(struct gw_behavior *gb)
{
    char err[256];

    if (gb == NULL || gb->snapshot == NULL)
        return 0;
    if (behavior_save(gb->engine, gb->snapshot, now_wall_ms(), err, sizeof err) != 0) {
        log_warn("behavior: cannot save %s: %s", gb->snapshot, err);
        return -1;
    }
    return 0;
}

/* save_cb - the snapshot timer */
static void
save_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_behavior *gb = arg;
    struct timeval tv = {.tv_sec = gb->save_interval};

    gw_behavior_save(gb);
    evtimer_add(gb->save_timer, &tv);
}

/* snapshot_setup - this slot's state file: load it, and save it on a timer */
static void
snapshot_setup(struct gw_behavior *gb, const struct cfg_behavior *cb, unsigned slot)
{
    char err[256];
    struct buf path;
    struct timeval tv = {.tv_sec = cb->save_interval};

    if (cb->state_file == NULL)
        return;
    buf_init(&path, 0);
    if (slot == 0)
        buf_printf(&path, "%s", cb->state_file);
    else
        buf_printf(&path, "%s.%u", cb->state_file, slot);
    gb->snapshot = xstrdup(path.data);
    buf_release(&path);
    if (behavior_load(gb->engine, gb->snapshot, err, sizeof err) != 0)
        log_info("behavior: starting empty (%s)", err);
    else
        log_info("behavior: state loaded from %s", gb->snapshot);
    gb->save_interval = cb->save_interval;
    gb->save_timer = evtimer_new(gb->base, save_cb, gb);
    evtimer_add(gb->save_timer, &tv);
}

/* req_unlink_free - forget and free a request nobody holds any more */
static void
req_unlink_free(struct gw_behavior_req *q)
{
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        q->gb->reqs = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    if (q->timer != NULL)
        event_free(q->timer);
    free(q);
}

/* req_ready - the answer is known (or will never come): call done from the loop, not from
 * inside hiredis or gw_behavior_observe */
static void
req_ready(struct gw_behavior_req *q)
{
    if (q->state != REQ_WAITING)
        return;
    q->state = REQ_READY;
    evtimer_del(q->timer);
    event_active(q->timer, EV_TIMEOUT, 1);
}

/* req_timer_cb - the timeout passed, or the answer is ready: decide and resume the session */
static void
req_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_behavior_req *q = arg;
    struct gw_behavior *gb = q->gb;

    if (q->state == REQ_WAITING) {
        log_warn("behavior: Redis %s did not answer within %u ms", gb->state, gb->timeout_ms);
        q->state = REQ_READY;
        gb->drop = true; /* a server that does not answer is treated as down */
    }
    if (q->state != REQ_READY)
        return;
    behavior_observe_shared(gb->engine, &q->txn, &q->plan, q->available ? q->retry : NULL,
                            &q->shared, q->available ? &q->answer : NULL, q->r);
    q->state = REQ_FINISHED;
    q->done(q->ctx, q->r);
    if (!q->in_redis)
        req_unlink_free(q); /* else take_cb frees it, maybe inside the redisAsyncFree below */
    if (gb->drop && gb->ac != NULL) {
        redisAsyncContext *ac = gb->ac;
        gb->drop = false;
        gb->ac = NULL;
        gb->connected = false;
        redisAsyncFree(ac); /* pending requests hear NULL: unavailable */
        schedule_reconnect(gb);
    }
}

/* take_cb - Redis answered the take script (or the connection went: reply NULL) */
static void
take_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct gw_behavior_req *q = privdata;
    redisReply *r = reply;

    q->in_redis = false;
    if (q->state == REQ_WAITING) {
        if (behavior_redis_is_noscript(r) && !q->retried && ac->c.err == 0) {
            struct behavior_redis_cmd cmd = {0};
            q->retried = true;
            behavior_redis_shared_cmd(&q->plan, &q->shared, NULL, &cmd);
            if (redisAsyncCommandArgv(ac, take_cb, q, (int)cmd.argc, (const char **)cmd.argv,
                                      cmd.argvlen) == REDIS_OK)
                q->in_redis = true;
            behavior_redis_cmd_release(&cmd);
            if (q->in_redis)
                return;
        }
        if (r == NULL ||
            behavior_redis_parse_shared(r, q->plan.n, &q->shared, q->retry, &q->answer) != 0) {
            if (r != NULL)
                log_warn("behavior: unexpected Redis reply (%s)",
                         r->type == REDIS_REPLY_ERROR ? r->str : "not the script's");
        } else {
            q->available = true;
        }
        req_ready(q);
        return;
    }
    if (q->state == REQ_FINISHED)
        req_unlink_free(q);
}

/* setup_cb - the answer to SELECT or SCRIPT LOAD: only errors matter */
static void
setup_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply *r = reply;

    if (r != NULL && r->type == REDIS_REPLY_ERROR)
        log_warn("behavior: Redis %s: %s", (const char *)privdata, r->str);
}

/* reconnect_cb - the backoff passed: try again */
static void
reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
    redis_connect(arg);
}

/* schedule_reconnect - try again after the backoff, doubling it */
static void
schedule_reconnect(struct gw_behavior *gb)
{
    struct timeval tv = {.tv_sec = gb->backoff_ms / 1000,
                         .tv_usec = (gb->backoff_ms % 1000) * 1000};

    if (evtimer_pending(gb->reconnect_timer, NULL))
        return;
    evtimer_add(gb->reconnect_timer, &tv);
    gb->backoff_ms = gb->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : gb->backoff_ms * 2;
}

/* connect_cb - the connection is up (the backoff starts again from its minimum) or failed */
static void
connect_cb(const redisAsyncContext *ac, int status)
{
    struct gw_behavior *gb = ac->data;

    if (gb == NULL || gb->ac != ac)
        return;
    if (status != REDIS_OK) {
        log_warn("behavior: cannot connect to Redis %s: %s", gb->state, ac->errstr);
        gb->ac = NULL; /* hiredis frees it */
        gb->connected = false;
        schedule_reconnect(gb);
        return;
    }
    log_info("behavior: connected to Redis %s", gb->state);
    gb->connected = true;
    gb->backoff_ms = BACKOFF_MIN_MS;
}

/* disconnect_cb - Redis closed or broke the connection: make it again after the backoff */
static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
    struct gw_behavior *gb = ac->data;

    if (gb == NULL || gb->ac != ac)
        return; /* we dropped it ourselves */
    log_warn("behavior: lost Redis %s: %s", gb->state, status == REDIS_OK ? "closed" : ac->errstr);
    gb->ac = NULL;
    gb->connected = false;
    schedule_reconnect(gb);
}

/* redis_connect - start a non-blocking connection; its setup commands are queued at once */
static void
redis_connect(struct gw_behavior *gb)
{
    redisAsyncContext *ac;

    if (gb->ac != NULL)
        return;
    ac = redisAsyncConnect(gb->host, gb->port);
    if (ac == NULL || ac->err) {
        log_warn("behavior: cannot connect to Redis %s: %s", gb->state,
                 ac ? ac->errstr : "out of memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        schedule_reconnect(gb);
        return;
    }
    ac->data = gb;
    gb->ac = ac;
    redisLibeventAttach(ac, gb->base);
    redisAsyncSetConnectCallback(ac, connect_cb);
    redisAsyncSetDisconnectCallback(ac, disconnect_cb);
    if (gb->db != 0)
        redisAsyncCommand(ac, setup_cb, "SELECT", "SELECT %u", gb->db);
    redisAsyncCommand(ac, setup_cb, "SCRIPT LOAD", "SCRIPT LOAD %s", behavior_redis_script());
}

struct gw_behavior *
gw_behavior_new(const struct sw_config *cfg, struct event_base *base, unsigned slot,
                struct buf *err)
{
    const struct cfg_behavior *cb = &cfg->behavior;
    struct behavior_limit lim[BEHAVIOR_LIMITS_MAX];
    struct behavior_config c;
    struct gw_behavior *gb = xcalloc(1, sizeof *gb);
    char msg[256];

    gb->base = base;
    snprintf(gb->state, sizeof gb->state, "%s", cb->state ? cb->state : "embedded");
    behavior_config_from(cb, &c, lim);
    gb->engine = behavior_new(&c, NULL, msg, sizeof msg);
    if (gb->engine == NULL) {
        buf_printf(err, "behavior: %s", msg);
        return gw_behavior_free(gb);
    }
    if (strcmp(gb->state, "embedded") != 0) {
        if (behavior_redis_parse_url(gb->state, gb->host, sizeof gb->host, &gb->port, &gb->db) !=
            0) {
            buf_printf(err, "behavior.state %s: not redis://HOST:PORT[/DB]", gb->state);
            return gw_behavior_free(gb);
        }
        gb->redis = true;
        gb->timeout_ms = cb->redis_timeout_ms;
        gb->backoff_ms = BACKOFF_MIN_MS;
        behavior_redis_script_sha(gb->sha);
        gb->reconnect_timer = evtimer_new(base, reconnect_cb, gb);
        redis_connect(gb);
    }
    snapshot_setup(gb, cb, slot);
    return gb;
}

struct gw_behavior *
gw_behavior_free(struct gw_behavior *gb)
{
    if (gb == NULL)
        return NULL;
    gw_behavior_save(gb);
    if (gb->ac != NULL) {
        redisAsyncContext *ac = gb->ac;
        gb->ac = NULL;
        redisAsyncFree(ac); /* every pending callback hears NULL */
    }
    while (gb->reqs != NULL)
        req_unlink_free(gb->reqs);
    if (gb->reconnect_timer != NULL)
        event_free(gb->reconnect_timer);
    if (gb->save_timer != NULL)
        event_free(gb->save_timer);
    behavior_free(gb->engine);
    free(gb->snapshot);
    free(gb);
    return NULL;
}

const char *
gw_behavior_state(const struct gw_behavior *gb)
{
    return gb->state;
}

/* req_send - the plan's takes to Redis; false when the command could not be queued */
static bool
req_send(struct gw_behavior *gb, struct gw_behavior_req *q)
{
    struct behavior_redis_cmd cmd = {0};
    int rc;

    behavior_redis_shared_cmd(&q->plan, &q->shared, gb->sha, &cmd);
    rc = redisAsyncCommandArgv(gb->ac, take_cb, q, (int)cmd.argc, (const char **)cmd.argv,
                               cmd.argvlen);
    behavior_redis_cmd_release(&cmd);
    return rc == REDIS_OK;
}

int
gw_behavior_observe(struct gw_behavior *gb, const struct behavior_txn *t, struct behavior_result *r,
                    gw_behavior_done_fn *done, void *ctx, struct gw_behavior_req **req)
{
    struct gw_behavior_req *q;
    struct timeval tv;
    uint64_t now = now_wall_ms();

    *req = NULL;
    if (!gb->redis) {
        behavior_observe(gb->engine, t, now, r);
        return 0;
    }
    /* the plan and the answers (about 100 kB at their bound) are written before they are
     * read: only the fields before them need zeroing */
    q = xmalloc(sizeof *q);
    memset(q, 0, offsetof(struct gw_behavior_req, plan));
    q->gb = gb;
    behavior_plan_limits(gb->engine, t, &q->plan);
    behavior_plan_shared(gb->engine, t, now, &q->shared);
    if (!gb->connected || gb->ac == NULL || !req_send(gb, q)) {
        /* nobody to ask: this engine counts alone, decided now, without waiting */
        behavior_observe_decided(gb->engine, t, now, &q->plan, NULL, r);
        free(q);
        if (gb->ac == NULL)
            redis_connect(gb);
        return 0;
    }
    q->in_redis = true;
    q->state = REQ_WAITING;
    q->txn = *t;
    q->now_ms = now;
    q->r = r;
    q->done = done;
    q->ctx = ctx;
    q->timer = evtimer_new(gb->base, req_timer_cb, q);
    tv.tv_sec = gb->timeout_ms / 1000;
    tv.tv_usec = (gb->timeout_ms % 1000) * 1000;
    evtimer_add(q->timer, &tv);
    q->next = gb->reqs;
    if (gb->reqs != NULL)
        gb->reqs->prev = q;
    gb->reqs = q;
    *req = q;
    return 1;
}

struct gw_behavior_req *
gw_behavior_cancel(struct gw_behavior_req *q)
{
    if (q == NULL || q->state == REQ_FINISHED)
        return NULL;
    q->state = REQ_FINISHED;
    evtimer_del(q->timer);
    if (!q->in_redis)
        req_unlink_free(q);
    return NULL;
}

void
gw_behavior_txn(struct behavior_txn *out, const struct conn_facts *c, const struct txn_facts *t,
                uint64_t size)
{
    memset(out, 0, sizeof *out);
    out->identity = t->identity;
    out->client_addr = c->client_addr;
    out->auth_user = c->auth_user;
    out->mail_from = t->mail_from;
    /* one tenant header: its id; several (a forwarded message) are not one tenant's traffic */
    out->tenant = strchr(t->m365_tenant_ids, ',') == NULL ? t->m365_tenant_ids : NULL;
    out->rcpts = (const char *const *)t->rcpt;
    out->nrcpts = t->nrcpt;
    out->size = size;
}

void
gw_behavior_alerts(struct gw_behavior *gb, struct event_sink *events, const struct conn_facts *c,
                   const struct txn_facts *t, const struct behavior_result *r)
{
    for (size_t i = 0; i < r->nalerts; i++)
        event_alert(events, c, t, &r->alerts[i]);
    /* one alert per outage and worker: each transaction's event still says state_unavailable */
    if (r->state_unavailable && !gb->outage_noted)
        event_alert_unavailable(events, c, t, gb->state, r->action);
    gb->outage_noted = r->state_unavailable;
}

bool
gw_behavior_verdict(const struct behavior_result *r, struct verdict *v)
{
    int code = 0, n = 0;
    char enh[16] = "";

    if (r->action == BEHAVIOR_ACCEPT)
        return false;
    /* r->reply is "CODE ENH TEXT", written by the engine */
    if (sscanf(r->reply, "%3d %15s %n", &code, enh, &n) < 2 || n == 0) {
        code = r->action == BEHAVIOR_REFUSE ? 550 : 451;
        snprintf(enh, sizeof enh, "%s", r->action == BEHAVIOR_REFUSE ? "5.7.1" : "4.7.1");
        n = (int)strlen(r->reply);
    }
    verdict_set(v, r->action == BEHAVIOR_REFUSE ? VERDICT_REJECT : VERDICT_DEFER,
                r->limit[0] != '\0' ? "rate_limited" : "behavior_state_unavailable", code, enh,
                "%s", r->reply + n);
    return true;
}
