/*
 * gw - the gateway's internal types shared by its files: a worker (one event loop), a client
 * session, and the upstream leg toward the next hop. Not part of any other layer's API.
 *
 * Ownership: the worker owns its sessions (a doubly linked list); a session owns its
 * bufferevent, SMTP server machine, spool and upstream leg. Everything runs on the worker's
 * event loop thread.
 */
#ifndef SW_GATEWAY_GW_H
#define SW_GATEWAY_GW_H

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "events/events.h"
#include "gateway/gw_auth.h"
#include "gateway/gw_behavior.h"
#include "policy/facts.h"
#include "policy/policy.h"
#include "smtp/smtp_client.h"
#include "smtp/smtp_server.h"
#include "util/spool.h"

struct gw_session;

struct gw_listener {
    const struct cfg_listen *cfg;
    struct evconnlistener *lev;
    struct gw_worker *w;
};

struct gw_worker {
    struct event_base *base;
    struct evdns_base *dns; /* resolves a next hop given by name, without blocking */
    const struct sw_config *cfg;
    SSL_CTX *server_ctx; /* NULL when TLS is not configured */
    SSL_CTX *client_ctx;
    struct gw_users *users; /* NULL when AUTH is not configured */
    struct gw_auth_limiter *limiter;
    struct event_sink *events;
    struct policy *policy;
    struct gw_dkim *dkim; /* signing keys, loaded before privileges are dropped */
    struct identity_set *identities;
    struct psl *psl;              /* Public Suffix List, loaded for relaxed alignment */
    struct gw_content *content;   /* the content engine; NULL when content.enabled is false */
    struct gw_behavior *behavior; /* rate limits and alerts; NULL when behavior.enabled is false */
    struct gw_listener *listeners;
    size_t nlisteners;
    struct gw_session *sessions;
    unsigned nsessions;
    struct gw_upstream *pool; /* idle next-hop connections, ready for a new transaction */
    unsigned npool;
    uint64_t conn_seq;
    bool draining;
    struct event *sig_term, *sig_int, *drain_timer;
};

enum gw_up_state {
    GW_UP_CONNECTING,
    GW_UP_GREETING,
    GW_UP_EHLO,
    GW_UP_STARTTLS,
    GW_UP_HANDSHAKE,
    GW_UP_EHLO_TLS,
    GW_UP_READY,
    GW_UP_BROKEN,
};

struct gw_upstream {
    struct gw_worker *w;
    struct gw_session *owner;      /* NULL while parked in the worker's pool */
    struct gw_upstream *pool_next; /* the worker's idle pool */
    struct gw_upstream *pool_prev;
    bool pooled;
    struct bufferevent *bev;
    struct smtp_client *client;
    enum gw_up_state state;
    bool in_txn;        /* MAIL accepted upstream and not yet ended */
    bool sending;       /* streaming the spool as DATA content */
    bool data_end_sent; /* the final "." went out: the next hop may deliver */
    const char *prefix; /* header fields sent before the spool (DKIM-Signature) */
    size_t prefix_len;
    int in_cb; /* inside one of its callbacks: freeing is deferred */
    bool dead; /* freed by the owner while in_cb */
};

/* What the session is waiting for from the next hop. */
enum gw_wait {
    GW_WAIT_NONE,
    GW_WAIT_MAIL, /* connecting/EHLO/MAIL before answering the client's MAIL */
    GW_WAIT_RCPT,
    GW_WAIT_DATA,     /* upstream DATA/354 then content then "." */
    GW_WAIT_DKIM,     /* verifying DKIM signatures (their keys are being looked up) */
    GW_WAIT_BEHAVIOR, /* the rate limits are being asked of Redis */
};

struct gw_session {
    struct gw_worker *w;
    struct gw_session *prev, *next;
    const struct cfg_listen *listen;
    struct bufferevent *bev;
    struct smtp_server *smtp;
    struct conn_facts facts;
    struct txn_facts txn;
    bool in_txn;
    unsigned ntxn;
    struct spool *spool;
    bool spool_failed;
    struct buf headers;        /* the header section, for the end-of-headers decision */
    struct buf dkim_header;    /* the DKIM-Signature field to put before the message, or empty */
    struct buf prefix;         /* header fields put before the message: content tag + DKIM */
    struct content_scan *scan; /* the content engine's state, made at the first message */
    struct gw_dkimcheck *dkimcheck; /* a running verification (tenant proof), or NULL */
    int header_state;               /* progress through CRLF CRLF; 4 = headers done */
    struct verdict early;          /* a decision taken at end of headers, answered at end of data */
    struct verdict policy_verdict; /* the end-of-data verdict while the limits are asked */
    struct behavior_result *beh;   /* the behaviour engine's result, made at first use */
    bool beh_valid;                /* beh is this transaction's */
    struct gw_behavior_req *beh_req; /* a pending Redis request, or NULL */
    struct gw_upstream *up;
    enum gw_wait wait;
    char pending_addr[SMTP_PATH_MAX + 1]; /* the MAIL/RCPT address being mirrored */
    char mail_params[512];
    struct smtp_reply next_hop_reply;
    uint64_t started_ms;
    unsigned auth_failures;
    const char *close_reason;
    char *violations[16];
    unsigned nviolations;
    bool closing; /* flushing the last reply, then free */
    struct event *greet_timer;
    struct event *close_timer; /* waits for the last bytes of a closing TLS session */
    unsigned close_polls;
};

/* gw_worker.c */
uint64_t gw_now_ms(void);

/* gw_session.c */
void gw_session_accept(struct gw_worker *w, const struct cfg_listen *l, evutil_socket_t fd,
                       const struct sockaddr *sa, int socklen);
/* gw_session_drain - the worker is stopping: close now if idle, else after this transaction */
void gw_session_drain(struct gw_session *s);
/* gw_session_kill - the drain time is over: 421 and close unless the next hop is delivering */
void gw_session_kill(struct gw_session *s);

/* gw_session_upstream_* - called by gw_upstream.c */
void gw_session_upstream_ready(struct gw_session *s);
void gw_session_upstream_reply(struct gw_session *s, enum smtp_client_cmd cmd,
                               const struct smtp_reply *r);
void gw_session_upstream_failed(struct gw_session *s, const char *why);

/* gw_upstream.c */
/* gw_upstream_open - an idle pooled connection if there is one (already READY), else a new one */
struct gw_upstream *gw_upstream_open(struct gw_session *s);
struct gw_upstream *gw_upstream_free(struct gw_upstream *u);
/* gw_upstream_release - the session is done with it: park it in the pool when clean, else free */
struct gw_upstream *gw_upstream_release(struct gw_upstream *u);
/* gw_upstream_pool_clear - close every pooled connection (drain) */
void gw_upstream_pool_clear(struct gw_worker *w);
void gw_upstream_mail(struct gw_upstream *u, const char *from, const char *params);
void gw_upstream_rcpt(struct gw_upstream *u, const char *to);
/* gw_upstream_send_message - DATA, then prefix (header fields to add, not copied: valid until
 * the reply), then the spool's content, then "." */
void gw_upstream_send_message(struct gw_upstream *u, struct spool *sp, const char *prefix,
                              size_t prefix_len);
void gw_upstream_rset(struct gw_upstream *u);

#endif
