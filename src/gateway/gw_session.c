/*
 * gw_session - one client connection of the gateway: its socket (plain, STARTTLS or implicit
 * TLS), the SMTP server machine, and the decisions at each phase: relay policy at MAIL,
 * MAIL/RCPT mirrored to the next hop with its answers passed back, the message spooled and,
 * on accept, relayed; the client hears 250 only after the next hop said 250.
 */
#include "gateway/gw.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "util/log.h"
#include "util/mem.h"

#include "gateway/gw_content.h"
#include "gateway/gw_dkim.h"
#include "gateway/gw_dkimcheck.h"
#include "gateway/gw_tls.h"

static void session_read_cb(struct bufferevent *bev, void *arg);
static void session_write_cb(struct bufferevent *bev, void *arg);
static void session_event_cb(struct bufferevent *bev, short what, void *arg);
static void session_free(struct gw_session *s);
static void session_maybe_free(struct gw_session *s);

static const struct smtp_reply reply_shutdown = {421, "4.3.2", "Service shutting down"};

/* session_txn_end - the transaction ended with this verdict: write its event, reset it */
static void
session_txn_end(struct gw_session *s, const struct verdict *v, const struct smtp_reply *hop)
{
    if (!s->in_txn)
        return;
    s->txn.size = smtp_server_session(s->smtp)->data_bytes;
    s->beh_req = gw_behavior_cancel(s->beh_req);
    event_transaction_behavior(s->w->events, &s->facts, &s->txn, v, hop,
                               s->beh_valid ? s->beh : NULL);
    s->beh_valid = false;
    txn_facts_release(&s->txn);
    if (s->scan != NULL)
        content_scan_reset(s->scan); /* after the event: it reads the report */
    s->in_txn = false;
    s->wait = GW_WAIT_NONE;
    if (s->up != NULL)
        s->up->data_end_sent = false;
}

/* verdict_from_reply - what a next-hop reply means as a verdict */
static void
verdict_from_reply(struct verdict *v, const struct smtp_reply *r, const char *ok_reason)
{
    v->reply = *r;
    if (smtp_reply_is_positive(r)) {
        v->action = VERDICT_ACCEPT;
        v->reason = ok_reason;
    } else {
        v->action = r->code >= 500 ? VERDICT_REJECT : VERDICT_DEFER;
        v->reason = "next_hop_rejected";
    }
}

/* session_violation - remember a protocol anomaly for the connection event */
static void
session_violation(void *ctx, const char *what)
{
    struct gw_session *s = ctx;
    if (s->nviolations < sizeof s->violations / sizeof s->violations[0])
        s->violations[s->nviolations++] = xstrdup(what);
}

static void
hook_send(void *ctx, const char *data, size_t len)
{
    struct gw_session *s = ctx;
    if (s->bev != NULL)
        bufferevent_write(s->bev, data, len);
}

/* hook_close - the SMTP machine ended the session: flush the last reply, then free */
static void
hook_close(void *ctx, const char *why)
{
    struct gw_session *s = ctx;

    if (s->close_reason == NULL)
        s->close_reason = why;
    s->closing = true;
    if (s->bev != NULL)
        bufferevent_disable(s->bev, EV_READ);
}

/* hook_starttls - wrap the client connection in TLS after our 220 */
static void
hook_starttls(void *ctx)
{
    struct gw_session *s = ctx;
    SSL *ssl = SSL_new(s->w->server_ctx);
    struct bufferevent *tls;

    if (ssl == NULL)
        goto out_fail;
    tls = bufferevent_openssl_filter_new(s->w->base, s->bev, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (tls == NULL) {
        SSL_free(ssl);
        goto out_fail;
    }
    s->bev = tls;
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
    bufferevent_setcb(tls, session_read_cb, session_write_cb, session_event_cb, s);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
    return;
out_fail:
    s->close_reason = "tls_failed";
    s->closing = true;
}

static void
hook_helo(void *ctx, const char *name, bool esmtp)
{
    struct gw_session *s = ctx;
    struct verdict v;
    (void)esmtp;

    snprintf(s->facts.helo, sizeof s->facts.helo, "%s", name);
    policy_helo(s->w->policy, &s->facts, &v);
    smtp_server_decide(s->smtp, v.action == VERDICT_CONTINUE ? NULL : &v.reply);
}

/* hook_auth - check the credentials against the users file, with the failure limiter */
static void
hook_auth(void *ctx, const struct smtp_auth_request *req)
{
    struct gw_session *s = ctx;
    struct smtp_reply r;
    time_t now = time(NULL);

    if (s->w->users == NULL) {
        smtp_reply_set(&r, 504, "5.5.4", "Authentication not available");
    } else if (gw_auth_limiter_is_blocked(s->w->limiter, &s->facts.client_ip, now)) {
        smtp_reply_set(&r, 421, "4.7.0", "Too many authentication failures, try later");
        s->close_reason = "auth_rate_limited";
    } else if ((req->authzid[0] == '\0' || strcmp(req->authzid, req->user) == 0) &&
               gw_users_verify(s->w->users, req->user, req->password)) {
        snprintf(s->facts.auth_user, sizeof s->facts.auth_user, "%s", req->user);
        snprintf(s->facts.auth_mech, sizeof s->facts.auth_mech, "%s", req->mech);
        struct verdict v;
        policy_auth(s->w->policy, &s->facts, &v);
        if (v.action != VERDICT_CONTINUE) {
            s->facts.auth_user[0] = s->facts.auth_mech[0] = '\0';
            smtp_server_decide(s->smtp, &v.reply);
            return;
        }
        smtp_server_decide(s->smtp, NULL);
        return;
    } else {
        s->auth_failures++;
        gw_auth_limiter_fail(s->w->limiter, &s->facts.client_ip, now);
        log_info("%s: authentication failed for user \"%s\" from %s", s->facts.conn_id, req->user,
                 s->facts.client_addr);
        smtp_reply_set(&r, 535, "5.7.8", "Authentication credentials invalid");
    }
    smtp_server_decide(s->smtp, &r);
}

/* mail_params - the ESMTP parameters to mirror upstream, as far as the next hop supports them */
static void
mail_params(struct gw_session *s, const struct smtp_path *from)
{
    const struct smtp_param *body = smtp_path_param(from, "BODY");
    int n = 0;

    s->mail_params[0] = '\0';
    if (smtp_path_param(from, "SIZE") != NULL)
        n += snprintf(s->mail_params + n, sizeof s->mail_params - (size_t)n, "SIZE=%s ",
                      smtp_path_param(from, "SIZE")->value);
    if (body != NULL)
        n += snprintf(s->mail_params + n, sizeof s->mail_params - (size_t)n, "BODY=%s ",
                      body->value);
    if (smtp_path_param(from, "SMTPUTF8") != NULL)
        n += snprintf(s->mail_params + n, sizeof s->mail_params - (size_t)n, "SMTPUTF8 ");
    if (n > 0)
        s->mail_params[n - 1] = '\0';
}

/* session_start_upstream_mail - MAIL to the next hop, opening the leg if needed */
static void
session_start_upstream_mail(struct gw_session *s)
{
    if (s->up != NULL && s->up->state == GW_UP_BROKEN)
        s->up = gw_upstream_free(s->up);
    if (s->up == NULL) {
        s->up = gw_upstream_open(s);
        if (s->up->state == GW_UP_BROKEN)
            gw_session_upstream_failed(s, "cannot connect");
        if (s->up->state != GW_UP_READY)
            return; /* gw_session_upstream_ready() continues */
    }
    if (s->up->state == GW_UP_READY)
        gw_session_upstream_ready(s);
}

/* hook_mail - relay policy first (default deny), then mirror MAIL to the next hop */
static void
hook_mail(void *ctx, const struct smtp_path *from)
{
    struct gw_session *s = ctx;
    struct verdict v = {0};

    txn_facts_init(&s->txn, ++s->ntxn);
    snprintf(s->txn.mail_from, sizeof s->txn.mail_from, "%s", from->addr);
    s->in_txn = true;
    memset(&s->next_hop_reply, 0, sizeof s->next_hop_reply);
    if (s->w->draining) {
        verdict_set(&v, VERDICT_DEFER, "shutdown", 421, "4.3.2", "Service shutting down");
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    policy_mail(s->w->policy, &s->facts, &s->txn, &v);
    if (v.identity != NULL)
        snprintf(s->txn.identity, sizeof s->txn.identity, "%s", v.identity);
    if (v.action != VERDICT_CONTINUE) {
        log_info("%s: MAIL FROM:<%s> from %s refused: %s", s->facts.conn_id, from->addr,
                 s->facts.client_addr, v.reason ? v.reason : "policy");
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    mail_params(s, from);
    s->wait = GW_WAIT_MAIL;
    session_start_upstream_mail(s);
}

static void
hook_rcpt(void *ctx, const struct smtp_path *to)
{
    struct gw_session *s = ctx;

    struct verdict v;

    snprintf(s->pending_addr, sizeof s->pending_addr, "%s", to->addr);
    policy_rcpt(s->w->policy, &s->facts, &s->txn, to->addr, &v);
    if (v.action != VERDICT_CONTINUE) {
        txn_facts_add_refusal(&s->txn, to->addr, &v.reply);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    if (s->up == NULL || s->up->state != GW_UP_READY) {
        struct smtp_reply r;
        smtp_reply_set(&r, 451, "4.4.1", "Next hop unavailable");
        txn_facts_add_refusal(&s->txn, to->addr, &r);
        smtp_server_decide(s->smtp, &r);
        return;
    }
    s->wait = GW_WAIT_RCPT;
    gw_upstream_rcpt(s->up, to->addr);
}

static void
hook_data(void *ctx)
{
    struct gw_session *s = ctx;
    struct smtp_reply r;

    if (s->up == NULL || s->up->state != GW_UP_READY) {
        smtp_reply_set(&r, 451, "4.4.1", "Next hop unavailable");
        smtp_server_decide(s->smtp, &r);
        return;
    }
    spool_reset(s->spool);
    s->spool_failed = false;
    buf_reset(&s->headers);
    buf_reset(&s->dkim_header);
    buf_reset(&s->prefix);
    if (s->w->content != NULL && s->scan == NULL)
        s->scan = content_scan_new(gw_content_engine(s->w->content));
    else if (s->scan != NULL)
        content_scan_reset(s->scan);
    s->header_state = 2; /* as if after a CRLF: a message may start with its blank line */
    memset(&s->early, 0, sizeof s->early);
    smtp_server_decide(s->smtp, NULL);
}

/* header_end - bytes of data up to and including the CRLF CRLF that ends the header
 * section, or len when it does not end in this span; updates *state (4 = found) */
static size_t
header_end(int *state, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (ch == '\r')
            *state = (*state == 2) ? 3 : 1;
        else if (ch == '\n' && (*state == 1 || *state == 3))
            *state = *state + 1;
        else
            *state = 0;
        if (*state == 4)
            return i + 1;
    }
    return len;
}

/* session_headers_decide - the end-of-headers decision, answered at the end of data; it may
 * establish the identity (a Microsoft 365 tenant is proven by the message) */
static void
session_headers_decide(struct gw_session *s)
{
    policy_header_facts(&s->txn, s->headers.data, s->headers.len);
    policy_headers(s->w->policy, &s->facts, &s->txn, s->headers.data, s->headers.len, &s->early);
    if (s->early.identity != NULL)
        snprintf(s->txn.identity, sizeof s->txn.identity, "%s", s->early.identity);
}

/* session_headers - collect the header section; at its end, the end-of-headers decision */
static void
session_headers(struct gw_session *s, const char *data, size_t len)
{
    size_t n = header_end(&s->header_state, data, len);

    if (buf_append(&s->headers, data, n) < 0) {
        /* a header section past the cap could hide a second From: refuse, never guess */
        s->header_state = 4;
        verdict_set(&s->early, VERDICT_REJECT, "headers_too_big", 552, "5.3.4",
                    "Message refused: header section over %zu bytes", s->headers.max);
        return;
    }
    if (s->header_state == 4)
        session_headers_decide(s);
}

static void
hook_content(void *ctx, const char *data, size_t len)
{
    struct gw_session *s = ctx;

    if (s->header_state != 4)
        session_headers(s, data, len);
    if (!s->spool_failed && spool_write(s->spool, data, len) < 0)
        s->spool_failed = true;
    if (s->scan != NULL)
        content_scan_feed(s->scan, data, len); /* inspected as it arrives */
}

/* hook_data_failed - the engine refused the message itself; abort upstream too */
static void
hook_data_failed(void *ctx, enum smtp_data_error why)
{
    struct gw_session *s = ctx;
    struct verdict v = {0};

    switch (why) {
    case SMTP_DATA_TOO_BIG:
        verdict_set(&v, VERDICT_REJECT, "message_too_big", 552, "5.3.4",
                    "Message size exceeds fixed limit");
        break;
    case SMTP_DATA_LINE_TOO_LONG:
        verdict_set(&v, VERDICT_REJECT, "line_too_long", 552, "5.5.2",
                    "Message refused: line too long");
        break;
    case SMTP_DATA_NUL:
        verdict_set(&v, VERDICT_REJECT, "nul_byte", 550, "5.6.0",
                    "Message refused: NUL byte in content");
        break;
    default:
        verdict_set(&v, VERDICT_REJECT, "bare_eol", 550, "5.5.2",
                    "Message refused: bare CR or LF in content");
        break;
    }
    if (s->up != NULL)
        gw_upstream_rset(s->up);
    session_txn_end(s, &v, NULL);
}

/* session_sign - DKIM-sign an accepted message for the domain policy named, when a key for it
 * is configured; -1 with *v a deferral when signing fails (mail is never sent half-signed) */
static int
session_sign(struct gw_session *s, const char *domain, struct verdict *v)
{
    const char *selector = NULL;
    int rc;

    buf_reset(&s->dkim_header);
    rc = gw_dkim_sign(s->w->dkim, domain, s->headers.data, s->headers.len, s->spool, time(NULL),
                      &s->dkim_header, &selector);
    if (rc < 0) {
        log_error("%s: DKIM signing for %s failed: %s", s->facts.conn_id, domain,
                  s->dkim_header.data);
        buf_reset(&s->dkim_header);
        verdict_set(v, VERDICT_DEFER, "dkim_sign_failed", 451, "4.3.0",
                    "Temporary local problem (signing), try again later");
        return -1;
    }
    if (rc == 1) {
        snprintf(s->txn.dkim_domain, sizeof s->txn.dkim_domain, "%s", domain);
        snprintf(s->txn.dkim_selector, sizeof s->txn.dkim_selector, "%s", selector);
    }
    return 0;
}

/* session_quarantine - keep the message on disk instead of relaying it: 250 only once it is
 * there (fsync'd); 451 when it cannot be written */
static void
session_quarantine(struct gw_session *s, struct verdict *v)
{
    char name[128];

    snprintf(name, sizeof name, "%s-%u", s->facts.conn_id, s->txn.index);
    if (gw_content_quarantine(s->w->content, name, s->spool, s->txn.quarantine,
                              sizeof s->txn.quarantine) < 0) {
        log_error("%s: quarantine of %s failed: %s", s->facts.conn_id, name, strerror(errno));
        verdict_set(v, VERDICT_DEFER, "quarantine_failed", 451, "4.3.0",
                    "Temporary local problem, try again later");
        return;
    }
    verdict_set(v, VERDICT_ACCEPT, "quarantined", 250, "2.0.0",
                "Message accepted and held for review (%s)", name);
}

/* session_content - the content rules' verdict: reject or quarantine end the transaction here
 * (true); tag adds its header to the prefix; accept does nothing */
static bool
session_content(struct gw_session *s, struct verdict *v)
{
    const struct content_report *r;

    if (s->scan == NULL)
        return false;
    r = content_scan_end(s->scan);
    s->txn.content = r;
    if (r->action == CONTENT_REJECT) {
        gw_content_verdict(r, v);
        return true;
    }
    if (r->action == CONTENT_QUARANTINE) {
        session_quarantine(s, v);
        return true;
    }
    if (r->action == CONTENT_TAG)
        gw_content_tag_header(r, &s->prefix);
    return false;
}

/* session_relay - the policy and the limits let it through: content rules, sign, relay */
static void
session_relay(struct gw_session *s, struct verdict *v)
{
    if (session_content(s, v))
        goto out_refuse; /* rejected, or held in quarantine: not relayed */
    if (s->up == NULL || s->up->state != GW_UP_READY) {
        verdict_set(v, VERDICT_DEFER, "next_hop_unavailable", 451, "4.4.1", "Next hop unavailable");
        goto out_refuse;
    }
    if (s->early.sign_domain[0] != '\0' && session_sign(s, s->early.sign_domain, v) < 0)
        goto out_refuse;
    s->wait = GW_WAIT_DATA;
    buf_append(&s->prefix, s->dkim_header.data, s->dkim_header.len);
    gw_upstream_send_message(s->up, s->spool, s->prefix.data, s->prefix.len);
    return;
out_refuse:
    if (s->up != NULL)
        gw_upstream_rset(s->up);
    session_txn_end(s, v, NULL);
    smtp_server_decide(s->smtp, &v->reply);
}

/* session_behavior_done - the behaviour engine decided: alerts out, then refuse or relay */
static void
session_behavior_done(void *ctx, const struct behavior_result *r)
{
    struct gw_session *s = ctx;
    struct verdict v = s->policy_verdict;

    s->beh_req = NULL;
    s->wait = GW_WAIT_NONE;
    s->beh_valid = true;
    gw_behavior_alerts(s->w->behavior, s->w->events, &s->facts, &s->txn, r);
    if (gw_behavior_verdict(r, &v)) {
        if (s->up != NULL)
            gw_upstream_rset(s->up);
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    session_relay(s, &v);
}

/* session_data_verdict - the end-of-data decision, all facts in: the policy, then the rate
 * limits (before the content rules: a message over its limit is deferred, not quarantined),
 * then the content rules, then sign and relay */
static void
session_data_verdict(struct gw_session *s)
{
    struct verdict v = s->early;
    struct behavior_txn t;

    if (v.action == VERDICT_CONTINUE)
        policy_data_end(s->w->policy, &s->facts, &s->txn, &v);
    if (v.action != VERDICT_CONTINUE && v.action != VERDICT_ACCEPT) {
        if (s->up != NULL)
            gw_upstream_rset(s->up);
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    if (s->w->behavior == NULL) {
        session_relay(s, &v);
        return;
    }
    s->policy_verdict = v;
    if (s->beh == NULL)
        s->beh = xmalloc(sizeof *s->beh);
    gw_behavior_txn(&t, &s->facts, &s->txn, smtp_server_session(s->smtp)->data_bytes);
    if (gw_behavior_observe(s->w->behavior, &t, s->beh, session_behavior_done, s, &s->beh_req) ==
        1) {
        s->wait = GW_WAIT_BEHAVIOR;
        return;
    }
    session_behavior_done(s, s->beh);
}

/* session_dkim_done - the message's DKIM signatures are verified: the tenant decision, then on */
static void
session_dkim_done(void *ctx, const char *const *pass, size_t npass, size_t ntemperror)
{
    struct gw_session *s = ctx;

    s->wait = GW_WAIT_NONE;
    policy_tenant_proof(s->w->policy, &s->facts, &s->txn, s->headers.data, s->headers.len, pass,
                        npass, ntemperror, &s->early);
    s->dkimcheck = gw_dkimcheck_free(s->dkimcheck); /* pass[] is not used past this point */
    if (s->early.identity != NULL)
        snprintf(s->txn.identity, sizeof s->txn.identity, "%s", s->early.identity);
    session_data_verdict(s);
}

/* hook_data_end - the end-of-data verdict point; on accept, relay and wait for the next hop */
static void
hook_data_end(void *ctx)
{
    struct gw_session *s = ctx;
    struct verdict v = {0};

    if (s->spool_failed) {
        verdict_set(&v, VERDICT_DEFER, "spool_failed", 451, "4.3.0",
                    "Temporary local problem, try again later");
        if (s->up != NULL)
            gw_upstream_rset(s->up);
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        return;
    }
    if (s->header_state != 4) /* a message with no body: all of it was header */
        session_headers_decide(s);
    if (s->early.action == VERDICT_CONTINUE && s->early.needs_dkim_proof) {
        s->wait = GW_WAIT_DKIM;
        s->dkimcheck = gw_dkimcheck_start(s->w->base, s->w->cfg, s->headers.data, s->headers.len,
                                          s->spool, session_dkim_done, s);
        return;
    }
    session_data_verdict(s);
}

/* hook_reset - RSET, a new EHLO, or the end of the session aborted the transaction */
static void
hook_reset(void *ctx)
{
    struct gw_session *s = ctx;
    struct verdict v = {0};

    if (!s->in_txn)
        return;
    verdict_set(&v, VERDICT_ABORT, "client_aborted", 0, "", "%s", "");
    if (s->up != NULL)
        gw_upstream_rset(s->up);
    session_txn_end(s, &v, NULL);
}

static const struct smtp_server_hooks session_hooks = {
    .send = hook_send,
    .close = hook_close,
    .starttls = hook_starttls,
    .helo = hook_helo,
    .auth = hook_auth,
    .mail = hook_mail,
    .rcpt = hook_rcpt,
    .data = hook_data,
    .data_end = hook_data_end,
    .content = hook_content,
    .data_failed = hook_data_failed,
    .reset = hook_reset,
    .violation = session_violation,
};

void
gw_session_upstream_ready(struct gw_session *s)
{
    if (s->wait == GW_WAIT_MAIL)
        gw_upstream_mail(s->up, s->txn.mail_from, s->mail_params[0] ? s->mail_params : NULL);
}

void
gw_session_upstream_reply(struct gw_session *s, enum smtp_client_cmd cmd,
                          const struct smtp_reply *r)
{
    struct verdict v = {0};
    enum gw_wait was = s->wait;

    s->wait = GW_WAIT_NONE;
    if (cmd == SMTP_CLIENT_MAIL && was == GW_WAIT_MAIL) {
        if (!smtp_reply_is_positive(r)) {
            verdict_from_reply(&v, r, "relayed");
            session_txn_end(s, &v, r);
        }
    } else if (cmd == SMTP_CLIENT_RCPT && was == GW_WAIT_RCPT) {
        if (smtp_reply_is_positive(r))
            txn_facts_add_rcpt(&s->txn, s->pending_addr);
        else
            txn_facts_add_refusal(&s->txn, s->pending_addr, r);
    } else if ((cmd == SMTP_CLIENT_DATA || cmd == SMTP_CLIENT_DATA_END) && was == GW_WAIT_DATA) {
        s->next_hop_reply = *r;
        verdict_from_reply(&v, r, "relayed");
        session_txn_end(s, &v, r);
    } else {
        log_warn("%s: unexpected reply %d from the next hop", s->facts.conn_id, r->code);
        return;
    }
    smtp_server_decide(s->smtp, r);
    if (s->w->draining && !s->in_txn && !s->closing)
        smtp_server_shutdown(s->smtp, &reply_shutdown);
}

void
gw_session_upstream_failed(struct gw_session *s, const char *why)
{
    struct verdict v = {0};
    enum gw_wait was = s->wait;

    log_info("%s: next hop %s:%u unavailable: %s", s->facts.conn_id,
             s->w->cfg->gateway.next_hop.host, s->w->cfg->gateway.next_hop.port, why);
    s->wait = GW_WAIT_NONE;
    verdict_set(&v, VERDICT_DEFER, "next_hop_unavailable", 451, "4.4.1",
                "Next hop unavailable, try again later");
    switch (was) {
    case GW_WAIT_MAIL:
    case GW_WAIT_DATA:
        session_txn_end(s, &v, NULL);
        smtp_server_decide(s->smtp, &v.reply);
        break;
    case GW_WAIT_RCPT:
        txn_facts_add_refusal(&s->txn, s->pending_addr, &v.reply);
        smtp_server_decide(s->smtp, &v.reply);
        break;
    case GW_WAIT_DKIM:
    case GW_WAIT_BEHAVIOR:
        s->wait = was; /* still deciding: the verdict will find the leg gone */
        break;
    case GW_WAIT_NONE:
        break;
    }
}

/* session_unsent - bytes not yet handed to the kernel (a TLS filter has two buffers) */
static size_t
session_unsent(struct gw_session *s)
{
    struct bufferevent *under;
    size_t n;

    if (s->bev == NULL)
        return 0;
    n = evbuffer_get_length(bufferevent_get_output(s->bev));
    under = bufferevent_get_underlying(s->bev);
    if (under != NULL)
        n += evbuffer_get_length(bufferevent_get_output(under));
    return n;
}

static void
close_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_session *s = arg;
    (void)fd;
    (void)what;
    if (++s->close_polls > 250) /* five seconds for a client that does not read */
        session_free(s);
    else
        session_maybe_free(s);
}

/* session_maybe_free - free a closing session once its last reply has left */
static void
session_maybe_free(struct gw_session *s)
{
    static const struct timeval tick = {.tv_sec = 0, .tv_usec = 20000};

    if (!s->closing)
        return;
    if (session_unsent(s) == 0) {
        session_free(s);
        return;
    }
    /* a TLS filter's lower buffer drains without calling us back: look again shortly */
    if (s->close_timer == NULL)
        s->close_timer = evtimer_new(s->w->base, close_timer_cb, s);
    evtimer_add(s->close_timer, &tick);
}

static void
session_read_cb(struct bufferevent *bev, void *arg)
{
    struct gw_session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    /* bytes leave the buffer before they are parsed: after STARTTLS the same buffer feeds
     * the TLS layer, which must not see the plaintext command */
    while (!s->closing && evbuffer_get_length(in) > 0) {
        char chunk[16384];
        int n = evbuffer_remove(in, chunk, sizeof chunk);
        if (n <= 0)
            break;
        smtp_server_feed(s->smtp, chunk, (size_t)n);
        if (s->bev != bev) /* STARTTLS replaced the bufferevent */
            break;
    }
    session_maybe_free(s);
}

static void
session_write_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    session_maybe_free(arg);
}

/* session_greet - send the greeting (after an optional delay) */
static void
session_greet(struct gw_session *s)
{
    if (s->w->draining) {
        smtp_server_greet(s->smtp, &reply_shutdown);
        return;
    }
    smtp_server_greet(s->smtp, NULL);
}

static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct gw_session *s = arg;
    (void)bev;

    if (what & BEV_EVENT_CONNECTED) { /* a TLS handshake finished */
        gw_tls_facts(bufferevent_openssl_get_ssl(s->bev), &s->facts.tls);
        if (smtp_server_state(s->smtp) == SMTP_STATE_GREETING)
            session_greet(s);
        else
            smtp_server_tls_started(s->smtp);
    } else if (what & BEV_EVENT_TIMEOUT) {
        if (smtp_server_is_pending(s->smtp) || s->closing) {
            bufferevent_enable(s->bev, EV_READ); /* waiting for the next hop, not the client */
        } else {
            static const struct smtp_reply r = {421, "4.4.2", "Idle timeout, closing"};
            s->close_reason = "idle_timeout";
            smtp_server_shutdown(s->smtp, &r);
        }
    } else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        unsigned long e = bufferevent_get_openssl_error(s->bev);
        if (e != 0) {
            char text[256];
            ERR_error_string_n(e, text, sizeof text);
            log_info("%s: TLS error from %s: %s", s->facts.conn_id, s->facts.client_addr, text);
        }
        if (s->close_reason == NULL)
            s->close_reason = s->facts.tls.active || s->listen->tls != CFG_TLS_IMPLICIT
                                  ? "client_closed"
                                  : "tls_failed";
        s->closing = true;
        if (s->bev != NULL) {
            bufferevent_free(s->bev);
            s->bev = NULL;
        }
    }
    session_maybe_free(s);
}

/* session_free - the connection is over: events, upstream, memory */
static void
session_free(struct gw_session *s)
{
    struct gw_worker *w = s->w;
    struct verdict v = {0};
    struct conn_summary sum = {0};

    verdict_set(&v, VERDICT_ABORT,
                s->close_reason && strcmp(s->close_reason, "shutdown") == 0 ? "shutdown"
                                                                            : "client_aborted",
                0, "", "%s", "");
    session_txn_end(s, &v, NULL);
    sum.transactions = s->ntxn;
    sum.auth_failures = s->auth_failures;
    sum.close_reason = s->close_reason ? s->close_reason : "client_closed";
    sum.duration_ms = gw_now_ms() - s->started_ms;
    sum.violations = (const char *const *)s->violations;
    sum.nviolations = s->nviolations;
    event_connection(w->events, &s->facts, &sum);

    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        w->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    w->nsessions--;

    gw_upstream_release(s->up);
    if (s->greet_timer != NULL)
        event_free(s->greet_timer);
    if (s->close_timer != NULL)
        event_free(s->close_timer);
    if (s->bev != NULL)
        bufferevent_free(s->bev);
    smtp_server_free(s->smtp);
    gw_dkimcheck_free(s->dkimcheck);
    gw_behavior_cancel(s->beh_req);
    free(s->beh);
    spool_free(s->spool);
    buf_release(&s->headers);
    buf_release(&s->dkim_header);
    buf_release(&s->prefix);
    content_scan_free(s->scan);
    for (unsigned i = 0; i < s->nviolations; i++)
        free(s->violations[i]);
    free(s);
    if (w->draining && w->nsessions == 0)
        event_base_loopexit(w->base, NULL);
}

/* session_facts - addresses, ports and ids of a new connection */
static void
session_facts(struct gw_session *s, evutil_socket_t fd, const struct sockaddr *sa)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    struct ip_addr ip;

    snprintf(s->facts.conn_id, sizeof s->facts.conn_id, "%lx.%llx", (long)getpid(),
             (unsigned long long)++s->w->conn_seq);
    s->facts.frontend = "gateway";
    s->facts.worker = getpid();
    s->facts.listener_tls = s->listen->tls == CFG_TLS_IMPLICIT ? "implicit"
                            : s->listen->tls == CFG_TLS_NONE   ? "none"
                                                               : "starttls";
    if (ip_addr_from_sockaddr(sa, &s->facts.client_ip) == 0)
        ip_addr_format(&s->facts.client_ip, s->facts.client_addr, sizeof s->facts.client_addr);
    s->facts.client_port =
        ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
                                        : ((const struct sockaddr_in *)sa)->sin_port);
    if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0 &&
        ip_addr_from_sockaddr((struct sockaddr *)&local, &ip) == 0) {
        ip_addr_format(&ip, s->facts.local_addr, sizeof s->facts.local_addr);
        s->facts.local_port =
            ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                                              : ((struct sockaddr_in *)&local)->sin_port);
    }
}

/* session_server_config - the SMTP machine's settings for this listener */
static void
session_server_config(struct gw_session *s, struct smtp_server_config *sc)
{
    const struct cfg_gateway *g = &s->w->cfg->gateway;

    smtp_server_config_defaults(sc);
    sc->hostname = g->hostname;
    sc->max_command_line = g->limits.max_command_line;
    sc->max_text_line = g->limits.max_text_line;
    sc->max_message_size = g->limits.max_message_size;
    sc->max_recipients = g->limits.max_recipients;
    sc->max_errors = g->limits.max_errors;
    sc->bare_eol =
        g->bare_eol == CFG_BARE_EOL_NORMALISE ? SMTP_BARE_EOL_NORMALISE : SMTP_BARE_EOL_REJECT;
    sc->pipelining = g->pipelining;
    sc->starttls = s->listen->tls == CFG_TLS_STARTTLS && s->w->server_ctx != NULL;
    sc->auth = s->w->users != NULL;
    sc->auth_requires_tls = g->auth.require_tls;
    sc->tls_active = s->listen->tls == CFG_TLS_IMPLICIT;
}

/* greet_delay_cb - the greeting pause is over */
static void
greet_delay_cb(evutil_socket_t fd, short what, void *arg)
{
    struct gw_session *s = arg;
    (void)fd;
    (void)what;
    if (!s->closing)
        session_greet(s);
    session_maybe_free(s);
}

void
gw_session_accept(struct gw_worker *w, const struct cfg_listen *l, evutil_socket_t fd,
                  const struct sockaddr *sa, int socklen)
{
    const struct cfg_gateway *g = &w->cfg->gateway;
    struct gw_session *s = xcalloc(1, sizeof *s);
    struct smtp_server_config sc;
    struct timeval idle = {.tv_sec = g->limits.idle_timeout ? g->limits.idle_timeout : 300};
    int one = 1;
    (void)socklen;

    s->w = w;
    s->listen = l;
    s->started_ms = gw_now_ms();
    session_facts(s, fd, sa);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    session_server_config(s, &sc);
    s->smtp = smtp_server_new(&sc, &session_hooks, s);
    s->spool = spool_new(g->limits.memory_spool, g->limits.max_message_size + 1024, g->spool_dir);
    buf_init(&s->headers, 256 * 1024);
    buf_init(&s->dkim_header, 0);
    buf_init(&s->prefix, 0);
    s->next = w->sessions;
    if (w->sessions != NULL)
        w->sessions->prev = s;
    w->sessions = s;
    w->nsessions++;

    if (l->tls == CFG_TLS_IMPLICIT) {
        SSL *ssl = SSL_new(w->server_ctx);
        s->bev = bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
    } else {
        s->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    bufferevent_setcb(s->bev, session_read_cb, session_write_cb, session_event_cb, s);
    bufferevent_set_timeouts(s->bev, &idle, &idle);
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    if (w->nsessions > g->limits.max_connections) {
        static const struct smtp_reply r = {421, "4.7.0", "Too many connections, try later"};
        s->close_reason = "too_many_connections";
        if (l->tls != CFG_TLS_IMPLICIT)
            smtp_server_greet(s->smtp, &r);
        else
            s->closing = true;
        return;
    }
    policy_connect(w->policy, &s->facts, &s->early);
    if (s->early.action != VERDICT_CONTINUE) {
        s->close_reason = "refused";
        smtp_server_greet(s->smtp, &s->early.reply);
        return;
    }
    if (l->tls == CFG_TLS_IMPLICIT)
        return; /* greeted when the handshake completes */
    if (g->greet_delay_ms > 0) {
        struct timeval tv = {.tv_sec = g->greet_delay_ms / 1000,
                             .tv_usec = (g->greet_delay_ms % 1000) * 1000};
        s->greet_timer = evtimer_new(w->base, greet_delay_cb, s);
        evtimer_add(s->greet_timer, &tv);
        return;
    }
    session_greet(s);
}

void
gw_session_drain(struct gw_session *s)
{
    if (s->closing)
        return;
    if (!s->in_txn && s->wait == GW_WAIT_NONE && !smtp_server_is_pending(s->smtp) &&
        smtp_server_state(s->smtp) != SMTP_STATE_GREETING) {
        s->close_reason = "shutdown";
        smtp_server_shutdown(s->smtp, &reply_shutdown);
        session_maybe_free(s);
    }
}

void
gw_session_kill(struct gw_session *s)
{
    if (s->closing)
        return;
    if (s->wait == GW_WAIT_DATA && s->up != NULL && s->up->data_end_sent)
        return; /* the next hop may be delivering: its answer decides, within its timeout */
    s->close_reason = "shutdown";
    s->dkimcheck = gw_dkimcheck_free(s->dkimcheck);
    s->beh_req = gw_behavior_cancel(s->beh_req);
    s->up = gw_upstream_free(s->up); /* an unfinished upstream transaction is discarded */
    s->wait = GW_WAIT_NONE;
    smtp_server_shutdown(s->smtp, &reply_shutdown);
    session_maybe_free(s);
}
