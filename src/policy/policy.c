/* policy - the per-phase decision points; today: default-deny relay at MAIL. */
#include "policy/policy.h"

#include <stdlib.h>

#include "policy/relay.h"
#include "util/mem.h"

struct policy {
    struct relay_policy relay;
};

struct policy *
policy_new(const struct policy_config *cfg)
{
    struct policy *p = xcalloc(1, sizeof *p);
    p->relay.networks = cfg->relay_networks;
    return p;
}

struct policy *
policy_free(struct policy *p)
{
    free(p);
    return NULL;
}

/* verdict_continue - nothing decided at this phase */
static void
verdict_continue(struct verdict *v)
{
    v->action = VERDICT_CONTINUE;
    v->reason = NULL;
    v->reply.code = 0;
}

void
policy_connect(const struct policy *p, const struct conn_facts *c, struct verdict *v)
{
    (void)p;
    (void)c;
    verdict_continue(v);
}

void
policy_helo(const struct policy *p, const struct conn_facts *c, struct verdict *v)
{
    (void)p;
    (void)c;
    verdict_continue(v);
}

void
policy_auth(const struct policy *p, const struct conn_facts *c, struct verdict *v)
{
    (void)p;
    (void)c;
    verdict_continue(v);
}

void
policy_mail(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
            struct verdict *v)
{
    (void)t;
    verdict_continue(v);
    if (!relay_policy_check(&p->relay, c, v))
        return; /* v holds the refusal */
    verdict_continue(v);
}

void
policy_rcpt(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
            const char *rcpt, struct verdict *v)
{
    (void)p;
    (void)c;
    (void)t;
    (void)rcpt;
    verdict_continue(v);
}

void
policy_headers(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
               const char *headers, size_t len, struct verdict *v)
{
    (void)p;
    (void)c;
    (void)t;
    (void)headers;
    (void)len;
    verdict_continue(v);
}

void
policy_data_end(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                struct verdict *v)
{
    (void)p;
    (void)c;
    (void)t;
    verdict_continue(v);
}
