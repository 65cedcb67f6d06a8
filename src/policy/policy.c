/* policy - the per-phase decision points; today: default-deny relay at MAIL. */
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_header.h"

#include "util/mem.h"

#define TENANT_IDS_MAX 8

struct policy {
    const struct identity_set *identities;
    enum sender_alignment alignment;
    const struct psl *psl;
};

struct policy *
policy_new(const struct policy_config *cfg)
{
    struct policy *p = xcalloc(1, sizeof *p);

    p->alignment = cfg->alignment;
    p->psl = cfg->psl;
    p->identities = cfg->identities != NULL && cfg->identities->n > 0 ? cfg->identities : NULL;
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
    v->identity = NULL;
    v->sign_domain[0] = '\0';
    v->needs_dkim_proof = false;
    memset(&v->reply, 0, sizeof v->reply);
}

/* envelope_check - the identity must own MAIL FROM; <> only for identities that send bounces */
static void
envelope_check(const struct identity *id, const struct txn_facts *t, struct verdict *v)
{
    if (t->mail_from[0] == '\0') {
        if (!id->send_bounces)
            verdict_set(v, VERDICT_REJECT, "bounce_not_allowed", 550, "5.7.1",
                        "Identity %s may not send with the null sender <>", id->name);
        return;
    }
    if (!identity_owns_address(id, t->mail_from))
        verdict_set(v, VERDICT_REJECT, "envelope_not_owned", 550, "5.7.1",
                    "Sender <%s> is not owned by identity %s", t->mail_from, id->name);
}

/* identity_mail - MAIL with identities configured */
static void
identity_mail(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
              struct verdict *v)
{
    const char *why = NULL;
    const struct identity *id = identity_resolve(p->identities, c, &why);

    if (id == NULL) {
        if (c->auth_user[0] == '\0' && identity_is_m365_client(p->identities, c))
            return; /* Exchange Online: the message's tenant evidence decides at its headers */
        verdict_set(v, VERDICT_REJECT, "no_identity", 554, "5.7.1",
                    "Relay access denied: %s (client %s)", why, c->client_addr);
        return;
    }
    v->identity = id->name;
    envelope_check(id, t, v);
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
    verdict_continue(v);
    if (p->identities != NULL) {
        identity_mail(p, c, t, v);
        return;
    }
    verdict_set(v, VERDICT_REJECT, "no_identity", 554, "5.7.1",
                "Relay access denied: no identities are configured (client %s)", c->client_addr);
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

/* tenant_identity - an Exchange Online client: the tenant its headers (and, once DKIM
 * verification is wired, its signatures) prove, then the envelope check deferred from MAIL */
static const struct identity *
tenant_identity(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                const struct mime_headers *h, struct verdict *v)
{
    char ids[TENANT_IDS_MAX][64];
    const char *idp[TENANT_IDS_MAX];
    size_t n = sender_tenant_ids(h, ids, TENANT_IDS_MAX);
    struct tenant_evidence ev = {idp, n < TENANT_IDS_MAX ? n : TENANT_IDS_MAX, NULL, 0};
    const char *why = NULL;
    const struct identity *id;

    for (size_t i = 0; i < ev.ntenant_ids; i++)
        idp[i] = ids[i];
    if (n == 0 && identity_is_m365_client(p->identities, c)) {
        v->needs_dkim_proof = true; /* no tenant header: only a verified signature can tell */
        return NULL;
    }
    id = n > TENANT_IDS_MAX ? NULL : identity_resolve_tenant(p->identities, c, &ev, &why);
    if (id == NULL) {
        verdict_set(v, VERDICT_REJECT, "no_identity", 554, "5.7.1", "Relay access denied: %s",
                    why != NULL ? why : "too many tenant headers");
        return NULL;
    }
    v->identity = id->name;
    envelope_check(id, t, v);
    return v->action == VERDICT_CONTINUE ? id : NULL;
}

void
policy_headers(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
               const char *headers, size_t len, struct verdict *v)
{
    struct mime_headers *h;
    const struct identity *id;

    verdict_continue(v);
    if (p->identities == NULL)
        return;
    h = mime_headers_parse(headers, len, NULL);
    id = t->identity[0] != '\0' ? identity_set_find(p->identities, t->identity)
                                : tenant_identity(p, c, t, h, v);
    if (id != NULL) {
        v->identity = id->name;
        sender_check_headers(p->identities, id, h, t->mail_from, p->alignment, p->psl, v);
    }
    mime_headers_free(h);
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

/* header_value - the trimmed value of the first field of this name into out ("" if none) */
static void
header_value(const struct mime_headers *h, const char *name, char *out, size_t size)
{
    size_t i = mime_headers_find(h, name, 0);
    const struct mime_header_field *f = i != MIME_HEADERS_NONE ? mime_headers_get(h, i) : NULL;
    const char *p = f ? f->value : "", *end = f ? f->value + f->value_len : p;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    snprintf(out, size, "%.*s", (int)(end - p), p);
}

void
policy_header_facts(struct txn_facts *t, const char *headers, size_t len)
{
    struct mime_headers *h = mime_headers_parse(headers, len, NULL);
    char ids[TENANT_IDS_MAX][64];
    size_t n = sender_tenant_ids(h, ids, TENANT_IDS_MAX), used = 0;

    t->m365_tenant_ids[0] = '\0';
    for (size_t i = 0; i < n && i < TENANT_IDS_MAX; i++) {
        int w = snprintf(t->m365_tenant_ids + used, sizeof t->m365_tenant_ids - used, "%s%s",
                         i ? "," : "", ids[i]);
        if (w < 0 || (size_t)w >= sizeof t->m365_tenant_ids - used)
            break;
        used += (size_t)w;
    }
    header_value(h, "x-ms-exchange-crosstenant-originalattributedtenantconnectingip",
                 t->m365_connecting_ip, sizeof t->m365_connecting_ip);
    header_value(h, "x-ms-exchange-crosstenant-fromentityheader", t->m365_from_entity,
                 sizeof t->m365_from_entity);
    header_value(h, "from", t->header_from, sizeof t->header_from);
    mime_headers_free(h);
}

void
policy_tenant_proof(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                    const char *headers, size_t len, const char *const *pass, size_t npass,
                    size_t ntemperror, struct verdict *v)
{
    struct tenant_evidence ev = {NULL, 0, pass, npass};
    struct mime_headers *h;
    const struct identity *id;
    const char *why = NULL;

    verdict_continue(v);
    if (p->identities == NULL)
        return;
    id = identity_resolve_tenant(p->identities, c, &ev, &why);
    if (id == NULL) {
        if (ntemperror > 0)
            verdict_set(v, VERDICT_DEFER, "dkim_temperror", 451, "4.7.5",
                        "Cannot verify the tenant's DKIM signature now, try again later");
        else
            verdict_set(v, VERDICT_REJECT, "no_identity", 554, "5.7.1", "Relay access denied: %s",
                        why);
        return;
    }
    v->identity = id->name;
    envelope_check(id, t, v);
    if (v->action != VERDICT_CONTINUE)
        return;
    h = mime_headers_parse(headers, len, NULL);
    sender_check_headers(p->identities, id, h, t->mail_from, p->alignment, p->psl, v);
    mime_headers_free(h);
}
