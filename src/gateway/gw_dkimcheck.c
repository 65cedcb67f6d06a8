/* gw_dkimcheck - DKIM verification of a spooled message with asynchronous key lookups. */
#include "gateway/gw_dkimcheck.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim_verify.h"
#include "auth/dns.h"
#include "util/log.h"
#include "util/mem.h"

struct lookup {
    struct gw_dkimcheck *job;
    size_t sig;
};

struct gw_dkimcheck {
    struct event_base *base;
    struct dkim_verifier *v;
    struct dns_resolver *r;
    struct lookup *lookups;
    size_t outstanding;
    struct event *fd_events[DNS_MAX_FDS];
    int nfd_events;
    struct event *timer;
    gw_dkimcheck_done done;
    void *ctx;
    bool finished;
    int in_cb;
    bool dead;
};

/* job_release - the real free, once no callback of the job is on the stack */
static void
job_release(struct gw_dkimcheck *j)
{
    for (int i = 0; i < j->nfd_events; i++)
        event_free(j->fd_events[i]);
    if (j->timer != NULL)
        event_free(j->timer);
    j->r = dns_resolver_free(j->r); /* cancelled lookups call back with j->dead set */
    dkim_verifier_free(j->v);
    free(j->lookups);
    free(j);
}

/* job_finish - every lookup answered: decide the signatures and report once */
static void
job_finish(struct gw_dkimcheck *j)
{
    const char *pass[DKIM_MAX_SIGS];
    size_t npass = 0, ntemp = 0, n = dkim_verifier_count(j->v);

    j->finished = true;
    dkim_verifier_finish(j->v);
    for (size_t i = 0; i < n && i < DKIM_MAX_SIGS; i++) {
        const struct dkim_sig_info *si = dkim_verifier_sig(j->v, i);
        enum dkim_result r = dkim_verifier_result(j->v, i, NULL);
        if (r == DKIM_RESULT_PASS && si->parsed && !si->has_l && !si->testing)
            pass[npass++] = si->d;
        else if (r == DKIM_RESULT_TEMPERROR)
            ntemp++;
    }
    j->done(j->ctx, pass, npass, ntemp);
}

static void job_rearm(struct gw_dkimcheck *j);

/* job_step - after any progress: finish, or wait for the resolver again */
static void
job_step(struct gw_dkimcheck *j)
{
    if (j->dead || j->finished)
        return;
    if (j->outstanding == 0)
        job_finish(j);
    else
        job_rearm(j);
}

static void
fd_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_dkimcheck *j = arg;

    j->in_cb++;
    dns_resolver_process(j->r, fd, (what & EV_READ) != 0, (what & EV_WRITE) != 0);
    job_step(j);
    if (--j->in_cb == 0 && j->dead)
        job_release(j);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_dkimcheck *j = arg;
    (void)fd;
    (void)what;

    j->in_cb++;
    if (j->outstanding > 0)
        dns_resolver_process(j->r, -1, 0, 0);
    job_step(j);
    if (--j->in_cb == 0 && j->dead)
        job_release(j);
}

/* job_rearm - watch the resolver's sockets and its next timeout */
static void
job_rearm(struct gw_dkimcheck *j)
{
    int fds[DNS_MAX_FDS], events[DNS_MAX_FDS], n;
    long ms;

    for (int i = 0; i < j->nfd_events; i++)
        event_free(j->fd_events[i]);
    j->nfd_events = 0;
    n = dns_resolver_wait_fds(j->r, fds, events, DNS_MAX_FDS);
    for (int i = 0; i < n; i++) {
        short what = (short)(((events[i] & DNS_WANT_READ) ? EV_READ : 0) |
                             ((events[i] & DNS_WANT_WRITE) ? EV_WRITE : 0));
        j->fd_events[j->nfd_events] = event_new(j->base, fds[i], what, fd_cb, j);
        event_add(j->fd_events[j->nfd_events++], NULL);
    }
    ms = dns_resolver_timeout_ms(j->r);
    if (ms < 0)
        ms = 1000;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(j->timer, &tv);
}

/* lookup_done - one key record arrived (or not) */
static void
lookup_done(void *ctx, int status, const char *const *txts, size_t n)
{
    struct lookup *l = ctx;
    struct gw_dkimcheck *j = l->job;

    j->outstanding--;
    if (j->dead)
        return;
    if (status == DNS_OK && n == 1) /* several key records for one selector: none is trusted */
        dkim_verifier_key(j->v, l->sig, txts[0], strlen(txts[0]));
}

/* verifier_body - spool_each_after() callback */
static void
verifier_body(void *ctx, const char *data, size_t len)
{
    dkim_verifier_body(ctx, data, len);
}

struct gw_dkimcheck *
gw_dkimcheck_start(struct event_base *base, const struct sw_config *cfg, const char *hdr,
                   size_t hlen, struct spool *sp, gw_dkimcheck_done done, void *ctx)
{
    struct gw_dkimcheck *j = xcalloc(1, sizeof *j);
    struct dkim_verify_params vp = {.now = (uint64_t)time(NULL)};
    struct dns_options o = {
        .servers = cfg->dns.servers, .timeout_ms = (int)(cfg->dns.timeout_ms / 2), .tries = 2};
    struct buf err;
    struct timeval now = {0, 0};

    j->base = base;
    j->done = done;
    j->ctx = ctx;
    j->timer = evtimer_new(base, timer_cb, j);
    j->v = dkim_verifier_new(&vp);
    buf_init(&err, 0);
    j->r = dns_resolver_new(&o, &err);
    if (j->r == NULL)
        log_warn("DKIM verification: no resolver: %s", err.data);
    buf_release(&err);
    if (dkim_verifier_headers(j->v, hdr, hlen) == 0 &&
        spool_each_after(sp, hlen, verifier_body, j->v) == 0) {
        size_t n = dkim_verifier_count(j->v);
        j->lookups = xcalloc(n + 1, sizeof *j->lookups);
        for (size_t i = 0; i < n && j->r != NULL; i++) {
            const struct dkim_sig_info *si = dkim_verifier_sig(j->v, i);
            j->lookups[i] = (struct lookup){j, i};
            if (!si->parsed || si->query == NULL)
                continue;
            j->outstanding++;
            if (dns_lookup_txt(j->r, si->query, lookup_done, &j->lookups[i]) < 0)
                j->outstanding--;
        }
    }
    evtimer_add(j->timer, &now); /* the first step runs from the loop, never from here */
    return j;
}

struct gw_dkimcheck *
gw_dkimcheck_free(struct gw_dkimcheck *j)
{
    if (j == NULL)
        return NULL;
    j->dead = true;
    if (j->in_cb == 0)
        job_release(j);
    return NULL;
}
