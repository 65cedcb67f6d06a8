/*
 * gw_upstream - the gateway's leg toward the next hop: connect, greeting, EHLO, STARTTLS when
 * offered (or required), then MAIL/RCPT mirrored from the client and, once the verdict is to
 * accept, DATA with the spooled message. Replies go back to the owning session.
 */
#include "gateway/gw.h"

#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "util/log.h"
#include "util/mem.h"

#define PUMP_HIGH_WATER (256 * 1024)
#define POOL_MAX 64          /* idle next-hop connections kept per worker */
#define POOL_IDLE_SECONDS 10 /* well under the usual server idle timeouts (Postfix: 300 s) */
#define PUMP_CHUNK (64 * 1024)

static void up_read_cb(struct bufferevent *bev, void *arg);
static void up_write_cb(struct bufferevent *bev, void *arg);
static void up_event_cb(struct bufferevent *bev, short what, void *arg);

/* up_send - smtp_client hook: bytes for the next hop */
static void
up_send(void *ctx, const char *data, size_t len)
{
    struct gw_upstream *u = ctx;
    if (u->bev != NULL)
        bufferevent_write(u->bev, data, len);
}

/* pool_unlink - take a connection out of its worker's idle pool */
static void
pool_unlink(struct gw_upstream *u)
{
    if (!u->pooled)
        return;
    if (u->pool_prev != NULL)
        u->pool_prev->pool_next = u->pool_next;
    else
        u->w->pool = u->pool_next;
    if (u->pool_next != NULL)
        u->pool_next->pool_prev = u->pool_prev;
    u->pool_next = u->pool_prev = NULL;
    u->pooled = false;
    u->w->npool--;
}

/* up_fail - the leg is unusable: tell the session once */
static void
up_fail(struct gw_upstream *u, const char *why)
{
    if (u->pooled) { /* closed or timed out while idle: just drop it */
        pool_unlink(u);
        gw_upstream_free(u);
        return;
    }
    if (u->state == GW_UP_BROKEN)
        return;
    log_info("next hop: %s", why);
    u->state = GW_UP_BROKEN;
    u->sending = false;
    if (u->bev != NULL)
        bufferevent_disable(u->bev, EV_READ | EV_WRITE);
    if (u->owner != NULL)
        gw_session_upstream_failed(u->owner, why);
}

static void
up_error(void *ctx, const char *what)
{
    up_fail(ctx, what);
}

/* set_reply_timeout - the time the next hop has for each reply */
static void
set_reply_timeout(struct gw_upstream *u, unsigned seconds)
{
    struct timeval tv = {.tv_sec = seconds ? seconds : 300, .tv_usec = 0};
    bufferevent_set_timeouts(u->bev, &tv, &tv);
}

/* up_start_tls - wrap the connection in TLS after the next hop's 220 to STARTTLS */
static void
up_start_tls(struct gw_upstream *u)
{
    struct gw_worker *w = u->w;
    SSL *ssl = SSL_new(w->client_ctx);
    struct bufferevent *tls;

    if (ssl == NULL) {
        up_fail(u, "cannot create a TLS session");
        return;
    }
    SSL_set_tlsext_host_name(ssl, w->cfg->gateway.next_hop.host);
    if (w->cfg->gateway.next_hop.tls_verify)
        SSL_set1_host(ssl, w->cfg->gateway.next_hop.host);
    tls = bufferevent_openssl_filter_new(w->base, u->bev, ssl, BUFFEREVENT_SSL_CONNECTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (tls == NULL) {
        SSL_free(ssl);
        up_fail(u, "cannot start TLS");
        return;
    }
    u->bev = tls;
    u->state = GW_UP_HANDSHAKE;
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
    bufferevent_setcb(tls, up_read_cb, up_write_cb, up_event_cb, u);
    set_reply_timeout(u, w->cfg->gateway.next_hop.timeout);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
}

/* up_after_ehlo - STARTTLS if offered and wanted, else ready */
static void
up_after_ehlo(struct gw_upstream *u, const struct smtp_reply *r)
{
    const struct cfg_gateway *g = &u->w->cfg->gateway;

    if (!smtp_reply_is_positive(r)) {
        up_fail(u, "next hop refused EHLO");
        return;
    }
    if (u->state == GW_UP_EHLO && g->next_hop.tls != CFG_UPSTREAM_TLS_OFF &&
        smtp_client_has(u->client, SMTP_EXT_STARTTLS)) {
        u->state = GW_UP_STARTTLS;
        smtp_client_starttls(u->client, NULL);
        return;
    }
    if (u->state == GW_UP_EHLO && g->next_hop.tls == CFG_UPSTREAM_TLS_REQUIRE) {
        up_fail(u, "next hop does not offer STARTTLS and next_hop.tls is require");
        return;
    }
    u->state = GW_UP_READY;
    gw_session_upstream_ready(u->owner);
}

/* up_pump - write spooled content while the output buffer is not too full */
static void
up_pump(struct gw_upstream *u, struct spool *sp)
{
    char chunk[PUMP_CHUNK];

    while (u->sending && evbuffer_get_length(bufferevent_get_output(u->bev)) < PUMP_HIGH_WATER) {
        ssize_t n = spool_read(sp, chunk, sizeof chunk);
        if (n < 0) {
            up_fail(u, "cannot read the spooled message");
            return;
        }
        if (n == 0) {
            u->sending = false;
            u->data_end_sent = true;
            smtp_client_content_end(u->client, NULL);
            return;
        }
        smtp_client_content(u->client, chunk, (size_t)n);
    }
}

/* up_reply - smtp_client hook: one reply to one command */
static void
up_reply(void *ctx, enum smtp_client_cmd cmd, const struct smtp_reply *r, void *user)
{
    struct gw_upstream *u = ctx;
    struct gw_session *s = u->owner;

    if (s == NULL || u->state == GW_UP_BROKEN)
        return;
    switch (cmd) {
    case SMTP_CLIENT_GREETING:
        if (r->code != 220) {
            up_fail(u, "next hop refused the connection");
            return;
        }
        u->state = GW_UP_EHLO;
        smtp_client_ehlo(u->client, s->w->cfg->gateway.hostname, NULL);
        return;
    case SMTP_CLIENT_EHLO:
    case SMTP_CLIENT_HELO:
        up_after_ehlo(u, r);
        return;
    case SMTP_CLIENT_STARTTLS:
        if (r->code != 220) {
            if (s->w->cfg->gateway.next_hop.tls == CFG_UPSTREAM_TLS_REQUIRE) {
                up_fail(u, "next hop refused STARTTLS");
                return;
            }
            u->state = GW_UP_READY; /* opportunistic: carry on in clear */
            gw_session_upstream_ready(s);
            return;
        }
        up_start_tls(u);
        return;
    case SMTP_CLIENT_DATA:
        if (r->code == 354) {
            u->sending = true;
            if (u->prefix_len > 0)
                smtp_client_content(u->client, u->prefix, u->prefix_len);
            up_pump(u, user);
            return;
        }
        u->in_txn = false;
        break;
    case SMTP_CLIENT_DATA_END:
        u->in_txn = false;
        u->data_end_sent = false;
        break;
    case SMTP_CLIENT_MAIL:
        u->in_txn = smtp_reply_is_positive(r);
        break;
    case SMTP_CLIENT_RSET:
    case SMTP_CLIENT_QUIT:
        return;
    default:
        break;
    }
    gw_session_upstream_reply(s, cmd, r);
}

/* up_release - the real free, once no callback of this leg is on the stack */
static void
up_release(struct gw_upstream *u)
{
    if (u->bev != NULL)
        bufferevent_free(u->bev);
    smtp_client_free(u->client);
    free(u);
}

static void
up_read_cb(struct bufferevent *bev, void *arg)
{
    struct gw_upstream *u = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    u->in_cb++;
    while (evbuffer_get_length(in) > 0 && u->state != GW_UP_BROKEN && !u->dead) {
        char chunk[16384]; /* removed before parsing: after STARTTLS the buffer feeds TLS */
        int n = evbuffer_remove(in, chunk, sizeof chunk);
        if (n <= 0)
            break;
        smtp_client_feed(u->client, chunk, (size_t)n);
        if (u->bev != bev)
            break;
    }
    if (--u->in_cb == 0 && u->dead)
        up_release(u);
}

static void
up_write_cb(struct bufferevent *bev, void *arg)
{
    struct gw_upstream *u = arg;
    (void)bev;

    u->in_cb++;
    if (u->sending && u->owner != NULL)
        up_pump(u, u->owner->spool);
    if (--u->in_cb == 0 && u->dead)
        up_release(u);
}

static void up_event(struct gw_upstream *u, short what);

static void
up_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct gw_upstream *u = arg;
    (void)bev;

    u->in_cb++;
    if (!u->dead)
        up_event(u, what);
    if (--u->in_cb == 0 && u->dead)
        up_release(u);
}

/* up_event - connection established, TLS up, timeout, EOF or error */
static void
up_event(struct gw_upstream *u, short what)
{
    if (what & BEV_EVENT_CONNECTED) {
        if (u->state == GW_UP_CONNECTING) {
            evutil_socket_t fd = bufferevent_getfd(u->bev);
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            u->state = GW_UP_GREETING;
            set_reply_timeout(u, u->w->cfg->gateway.next_hop.timeout);
        } else if (u->state == GW_UP_HANDSHAKE) {
            smtp_client_tls_started(u->client);
            u->state = GW_UP_EHLO_TLS;
            smtp_client_ehlo(u->client, u->w->cfg->gateway.hostname, NULL);
        }
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        if (!u->pooled && smtp_client_pending(u->client) == 0 && u->state == GW_UP_READY &&
            !u->sending) {
            bufferevent_enable(u->bev, EV_READ | EV_WRITE); /* idle between transactions */
            return;
        }
        up_fail(u, u->state == GW_UP_CONNECTING ? "connect timeout" : "timeout");
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        up_fail(u, u->state == GW_UP_CONNECTING ? "connection refused"
                   : (what & BEV_EVENT_EOF)     ? "connection closed"
                                                : "connection error");
    }
}

/* pool_take - an idle connection for this session, or NULL */
static struct gw_upstream *
pool_take(struct gw_session *s)
{
    struct gw_upstream *u = s->w->pool;

    if (u == NULL)
        return NULL;
    pool_unlink(u);
    u->owner = s;
    set_reply_timeout(u, s->w->cfg->gateway.next_hop.timeout);
    bufferevent_enable(u->bev, EV_READ | EV_WRITE);
    return u;
}

struct gw_upstream *
gw_upstream_open(struct gw_session *s)
{
    static const struct smtp_client_hooks hooks = {
        .send = up_send, .reply = up_reply, .error = up_error};
    struct gw_worker *w = s->w;
    const struct cfg_gateway *g = &w->cfg->gateway;
    struct gw_upstream *u = pool_take(s);
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    char spec[300];
    struct timeval tv = {.tv_sec = g->next_hop.connect_timeout ? g->next_hop.connect_timeout : 30};

    if (u != NULL)
        return u;
    u = xcalloc(1, sizeof *u);
    u->w = w;
    u->owner = s;
    u->state = GW_UP_CONNECTING;
    u->client = smtp_client_new(&hooks, u);
    u->bev = bufferevent_socket_new(w->base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(u->bev, up_read_cb, up_write_cb, up_event_cb, u);
    bufferevent_set_timeouts(u->bev, &tv, &tv);
    bufferevent_enable(u->bev, EV_READ | EV_WRITE);
    snprintf(spec, sizeof spec, strchr(g->next_hop.host, ':') ? "[%s]:%u" : "%s:%u",
             g->next_hop.host, g->next_hop.port);
    if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) == 0) {
        if (bufferevent_socket_connect(u->bev, (struct sockaddr *)&ss, sslen) < 0)
            u->state = GW_UP_BROKEN;
    } else if (bufferevent_socket_connect_hostname(u->bev, w->dns, AF_UNSPEC, g->next_hop.host,
                                                   g->next_hop.port) < 0) {
        u->state = GW_UP_BROKEN;
    }
    return u;
}

struct gw_upstream *
gw_upstream_release(struct gw_upstream *u)
{
    struct gw_worker *w;
    struct timeval idle = {.tv_sec = POOL_IDLE_SECONDS};

    if (u == NULL)
        return NULL;
    w = u->w;
    if (u->state != GW_UP_READY || u->in_txn || u->sending || u->dead || w->draining ||
        smtp_client_pending(u->client) != 0 || w->npool >= POOL_MAX)
        return gw_upstream_free(u);
    u->owner = NULL;
    u->pooled = true;
    u->pool_prev = NULL;
    u->pool_next = w->pool;
    if (w->pool != NULL)
        w->pool->pool_prev = u;
    w->pool = u;
    w->npool++;
    bufferevent_set_timeouts(u->bev, &idle, &idle);
    return NULL;
}

void
gw_upstream_pool_clear(struct gw_worker *w)
{
    while (w->pool != NULL) {
        struct gw_upstream *u = w->pool;
        pool_unlink(u);
        gw_upstream_free(u);
    }
}

struct gw_upstream *
gw_upstream_free(struct gw_upstream *u)
{
    if (u == NULL)
        return NULL;
    pool_unlink(u);
    /* closing without QUIT is deliberate: a next hop discards an unfinished transaction */
    u->owner = NULL;
    if (u->bev != NULL)
        bufferevent_disable(u->bev, EV_READ | EV_WRITE);
    if (u->in_cb > 0)
        u->dead = true; /* the callback on the stack releases it */
    else
        up_release(u);
    return NULL;
}

void
gw_upstream_mail(struct gw_upstream *u, const char *from, const char *params)
{
    smtp_client_mail(u->client, from, params, NULL);
}

void
gw_upstream_rcpt(struct gw_upstream *u, const char *to)
{
    smtp_client_rcpt(u->client, to, NULL, NULL);
}

void
gw_upstream_send_message(struct gw_upstream *u, struct spool *sp, const char *prefix,
                         size_t prefix_len)
{
    u->prefix = prefix;
    u->prefix_len = prefix_len;
    if (spool_rewind(sp) < 0) {
        up_fail(u, "cannot read the spooled message");
        return;
    }
    smtp_client_data(u->client, sp);
}

void
gw_upstream_rset(struct gw_upstream *u)
{
    if (u->state == GW_UP_READY && u->in_txn) {
        smtp_client_rset(u->client, NULL);
        u->in_txn = false;
    }
}
