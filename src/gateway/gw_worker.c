/*
 * gw_worker - one gateway worker process: an event loop over its own SO_REUSEPORT listening
 * sockets, the sessions it accepted, and a graceful drain on SIGTERM (stop accepting, let
 * transactions finish up to drain_timeout, then 421 the rest).
 */
#include "gateway/gw_worker.h"

#include <errno.h>
#include <event2/listener.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "auth/psl.h"
#include "gateway/gw_content.h"
#include "gateway/gw_dkim.h"
#include "gateway/gw_identity.h"
#include "gateway/gw_tls.h"
#include "util/log.h"
#include "util/mem.h"

uint64_t
gw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen,
          void *arg)
{
    struct gw_listener *l = arg;
    (void)lev;
    gw_session_accept(l->w, l->cfg, fd, sa, socklen);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    (void)lev;
    (void)arg;
    log_warn("accept: %s", evutil_socket_error_to_string(err));
}

/* drain_timer_cb - the drain time is over */
static void
drain_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_worker *w = arg;
    struct gw_session *s, *next;
    (void)fd;
    (void)what;

    log_info("drain timeout: closing %u remaining session(s)", w->nsessions);
    for (s = w->sessions; s != NULL; s = next) {
        next = s->next;
        gw_session_kill(s);
    }
    if (w->nsessions == 0)
        event_base_loopexit(w->base, NULL);
}

/* worker_drain - stop accepting; close idle sessions; the rest end with their transaction */
static void
worker_drain(struct gw_worker *w)
{
    struct gw_session *s, *next;
    struct timeval tv = {.tv_sec = w->cfg->gateway.drain_timeout};

    if (w->draining)
        return;
    w->draining = true;
    for (size_t i = 0; i < w->nlisteners; i++) {
        if (w->listeners[i].lev != NULL) {
            evconnlistener_free(w->listeners[i].lev);
            w->listeners[i].lev = NULL;
        }
    }
    gw_upstream_pool_clear(w);
    log_info("draining %u session(s)", w->nsessions);
    for (s = w->sessions; s != NULL; s = next) {
        next = s->next;
        gw_session_drain(s);
    }
    if (w->nsessions == 0) {
        event_base_loopexit(w->base, NULL);
        return;
    }
    w->drain_timer = evtimer_new(w->base, drain_timer_cb, w);
    evtimer_add(w->drain_timer, &tv);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    worker_drain(arg);
}

/* worker_setup - contexts, users, events and listeners; -1 with a message logged */
static int
worker_setup(struct gw_worker *w, const int *fds, size_t nfds, unsigned slot)
{
    const struct cfg_gateway *g = &w->cfg->gateway;
    struct buf err;
    int rc = -1;

    buf_init(&err, 0);
    w->server_ctx = gw_tls_server_ctx(g, &err);
    if (w->server_ctx == NULL && err.len > 0)
        goto out;
    w->client_ctx = gw_tls_client_ctx(g, &err);
    if (w->client_ctx == NULL)
        goto out;
    if (g->auth.users_file != NULL) {
        w->users = gw_users_load(g->auth.users_file, &err);
        if (w->users == NULL)
            goto out;
    }
    w->dns = evdns_base_new(w->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (w->dns == NULL)
        log_warn("worker: no DNS resolver (/etc/resolv.conf); a next hop given by name will fail");
    w->limiter = gw_auth_limiter_new(g->auth.max_failures, g->auth.failure_window);
    w->dkim = gw_dkim_load(w->cfg, &err);
    if (w->dkim == NULL)
        goto out;
    w->identities = gw_identities_from_config(w->cfg);
    if (w->cfg->alignment == CFG_ALIGN_RELAXED) {
        struct buf perr;
        buf_init(&perr, 0);
        w->psl = psl_load(w->cfg->public_suffix_list, &perr);
        if (w->psl == NULL)
            log_warn("relaxed alignment without the Public Suffix List (%s): a domain aligns "
                     "with itself and its subdomains only",
                     perr.data);
        buf_release(&perr);
    }
    w->policy = policy_new(&(struct policy_config){

        .identities = w->identities,
        .psl = w->psl,
        .alignment = w->cfg->alignment == CFG_ALIGN_STRICT    ? SENDER_ALIGN_STRICT
                     : w->cfg->alignment == CFG_ALIGN_RELAXED ? SENDER_ALIGN_RELAXED
                                                              : SENDER_ALIGN_OFF});
    w->events = event_sink_open(w->cfg->events.file);
    if (w->events == NULL) {
        buf_printf(&err, "events file %s: %s", w->cfg->events.file, strerror(errno));
        goto out;
    }
    if (w->cfg->behavior.enabled &&
        (w->behavior = gw_behavior_new(w->cfg, w->base, slot, &err)) == NULL)
        goto out;
    w->listeners = xcalloc(nfds, sizeof *w->listeners);
    w->nlisteners = nfds;
    for (size_t i = 0; i < nfds; i++) {
        w->listeners[i].cfg = &g->listen[i];
        w->listeners[i].w = w;
        w->listeners[i].lev =
            evconnlistener_new(w->base, accept_cb, &w->listeners[i],
                               LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fds[i]);
        if (w->listeners[i].lev == NULL) {
            buf_printf(&err, "cannot listen on %s", g->listen[i].address);
            goto out;
        }
        evconnlistener_set_error_cb(w->listeners[i].lev, accept_error_cb);
    }
    rc = 0;
out:
    if (rc < 0)
        log_error("worker: %s", err.data);
    buf_release(&err);
    return rc;
}

/* worker_release - free everything the worker set up */
static void
worker_release(struct gw_worker *w)
{
    gw_upstream_pool_clear(w);
    for (size_t i = 0; i < w->nlisteners; i++)
        if (w->listeners[i].lev != NULL)
            evconnlistener_free(w->listeners[i].lev);
    free(w->listeners);
    if (w->drain_timer != NULL)
        event_free(w->drain_timer);
    if (w->sig_term != NULL)
        event_free(w->sig_term);
    if (w->sig_int != NULL)
        event_free(w->sig_int);
    gw_behavior_free(w->behavior); /* saves its snapshot */
    event_sink_close(w->events);
    if (w->dns != NULL)
        evdns_base_free(w->dns, 0);
    gw_auth_limiter_free(w->limiter);
    policy_free(w->policy);
    identity_set_free(w->identities);
    gw_dkim_free(w->dkim);
    psl_free(w->psl);
    gw_users_free(w->users);
    SSL_CTX_free(w->server_ctx);
    SSL_CTX_free(w->client_ctx);
    event_base_free(w->base);
}

int
gw_worker_run(const struct sw_config *cfg, struct gw_content *content, unsigned slot,
              const int *fds, size_t nfds, int (*drop_privileges)(const struct sw_config *))
{
    struct gw_worker w = {0};
    int rc = 1;

    w.content = content;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    w.cfg = cfg;
    w.base = event_base_new();
    if (w.base == NULL) {
        log_error("worker: cannot create the event loop");
        return 1;
    }
    if (worker_setup(&w, fds, nfds, slot) < 0) {
        rc = GW_WORKER_EXIT_SETUP;
        goto out;
    }
    if (drop_privileges != NULL && drop_privileges(cfg) < 0)
        goto out;
    if (access(cfg->gateway.spool_dir, W_OK | X_OK) != 0)
        log_error("spool_dir %s is not writable by this worker (%s): messages over "
                  "limits.memory_spool will be deferred",
                  cfg->gateway.spool_dir, strerror(errno));
    w.sig_term = evsignal_new(w.base, SIGTERM, signal_cb, &w);
    w.sig_int = evsignal_new(w.base, SIGINT, signal_cb, &w);
    evsignal_add(w.sig_term, NULL);
    evsignal_add(w.sig_int, NULL);
    event_base_dispatch(w.base);
    rc = 0;
out:
    worker_release(&w);
    return rc;
}
