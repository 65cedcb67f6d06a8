/* identity - resolving a client to one identity, and what that identity owns. */
#include "policy/identity.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

struct identity_set *
identity_set_new(void)
{
    return xcalloc(1, sizeof(struct identity_set));
}

void
identity_set_add(struct identity_set *set, struct identity *id)
{
    set->items = xrealloc(set->items, (set->n + 1) * sizeof *set->items);
    set->items[set->n++] = *id;
    memset(id, 0, sizeof *id);
}

/* strv_free - free a vector of n strings */
static void
strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

struct identity_set *
identity_set_free(struct identity_set *set)
{
    if (set == NULL)
        return NULL;
    for (size_t i = 0; i < set->n; i++) {
        struct identity *id = &set->items[i];
        free(id->name);
        free(id->sasl_user);
        free(id->cert_sha256);
        free(id->cert_name);
        free(id->tenant_id);
        free(id->m365_domain);
        cidr_list_release(&id->networks);
        strv_free(id->domains, id->ndomains);
        strv_free(id->senders, id->nsenders);
    }
    free(set->items);
    cidr_list_release(&set->m365_networks);
    free(set->m365_cert_name);
    free(set);
    return NULL;
}

const struct identity *
identity_set_find(const struct identity_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].name, name) == 0)
            return &set->items[i];
    return NULL;
}

/* trimmed_len - length without one trailing dot */
static size_t
trimmed_len(const char *s)
{
    size_t n = strlen(s);
    return (n > 1 && s[n - 1] == '.') ? n - 1 : n;
}

bool
identity_domain_eq(const char *a, const char *b)
{
    size_t la = trimmed_len(a), lb = trimmed_len(b);
    return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

/* domain_matches - one ownership pattern: exact, or "*.parent" for strict subdomains */
static bool
domain_matches(const char *pattern, const char *domain)
{
    size_t lp, ld;

    if (strncmp(pattern, "*.", 2) != 0)
        return identity_domain_eq(pattern, domain);
    lp = trimmed_len(pattern + 1); /* ".parent" */
    ld = trimmed_len(domain);
    return lp > 1 && ld > lp && strncasecmp(domain + ld - lp, pattern + 1, lp) == 0 &&
           domain[ld - lp - 1] != '.'; /* "x..parent" is not a subdomain */
}

bool
identity_owns_domain(const struct identity *id, const char *domain)
{
    if (domain == NULL || domain[0] == '\0')
        return false;
    for (size_t i = 0; i < id->ndomains; i++)
        if (domain_matches(id->domains[i], domain))
            return true;
    return false;
}

bool
identity_owns_address(const struct identity *id, const char *addr)
{
    const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

    if (at == NULL || at == addr || at[1] == '\0')
        return false;
    for (size_t i = 0; i < id->nsenders; i++)
        if (strcasecmp(id->senders[i], addr) == 0)
            return true;
    return identity_owns_domain(id, at + 1);
}

/* subject_cn - the CN value of an RFC 2253 subject ("CN=x,O=y"), into out */
static bool
subject_cn(const char *subject, char *out, size_t size)
{
    const char *p = subject;

    while (p != NULL && *p != '\0') {
        if (strncasecmp(p, "CN=", 3) == 0) {
            size_t n = strcspn(p + 3, ",+");
            if (n == 0 || n >= size)
                return false;
            memcpy(out, p + 3, n);
            out[n] = '\0';
            return true;
        }
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return false;
}

/* cert_matches - a client-certificate identity: pinned fingerprint, or a verified name */
static bool
cert_matches(const struct identity *id, const struct tls_facts *t)
{
    char cn[256];

    if (!t->active || !t->has_cert)
        return false;
    if (id->cert_sha256 != NULL && strcasecmp(id->cert_sha256, t->cert_sha256) == 0)
        return true; /* the handshake proved possession of exactly this certificate's key */
    return id->cert_name != NULL && t->cert_verified &&
           subject_cn(t->cert_subject, cn, sizeof cn) && strcasecmp(cn, id->cert_name) == 0;
}

/* identity_matches - whether one identity describes this connection (tenants never do here) */
static bool
identity_matches(const struct identity *id, enum identity_kind tier, const struct conn_facts *c)
{
    if (id->kind != tier)
        return false;
    switch (id->kind) {
    case IDENTITY_SASL:
        return c->auth_user[0] != '\0' && strcmp(id->sasl_user, c->auth_user) == 0;
    case IDENTITY_CLIENT_CERT:
        return cert_matches(id, &c->tls);
    case IDENTITY_NETWORK:
        return cidr_list_contains(&id->networks, &c->client_ip);
    case IDENTITY_M365_TENANT:
        return false;
    }
    return false;
}

/* resolve_tier - the single identity of one kind that matches, or NULL */
static const struct identity *
resolve_tier(const struct identity_set *set, enum identity_kind tier, const struct conn_facts *c,
             bool *ambiguous)
{
    const struct identity *found = NULL;

    for (size_t i = 0; i < set->n; i++) {
        if (!identity_matches(&set->items[i], tier, c))
            continue;
        if (found != NULL) {
            *ambiguous = true;
            return NULL;
        }
        found = &set->items[i];
    }
    return found;
}

const struct identity *
identity_resolve(const struct identity_set *set, const struct conn_facts *c, const char **why)
{
    static const enum identity_kind tiers[] = {IDENTITY_CLIENT_CERT, IDENTITY_NETWORK};
    bool ambiguous = false;
    const struct identity *id;

    if (c->auth_user[0] != '\0') { /* who logged in is who sends: no fallback to the network */
        id = resolve_tier(set, IDENTITY_SASL, c, &ambiguous);
        *why = ambiguous    ? "authenticated user matches several identities"
               : id == NULL ? "authenticated user has no identity"
                            : "sasl";
        return id;
    }
    for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
        id = resolve_tier(set, tiers[i], c, &ambiguous);
        if (ambiguous) {
            *why = "client matches several identities";
            return NULL;
        }
        if (id != NULL) {
            *why = tiers[i] == IDENTITY_CLIENT_CERT ? "client_cert" : "network";
            return id;
        }
    }
    *why = "no identity matches the client";
    return NULL;
}

bool
identity_is_m365_client(const struct identity_set *set, const struct conn_facts *c)
{
    char cn[256];

    return set->m365_cert_name != NULL && cidr_list_contains(&set->m365_networks, &c->client_ip) &&
           c->tls.active && c->tls.has_cert && c->tls.cert_verified &&
           subject_cn(c->tls.cert_subject, cn, sizeof cn) &&
           strcasecmp(cn, set->m365_cert_name) == 0;
}

/* distinct_tenant - the one tenant id the message carries; NULL when none or conflicting */
static const char *
distinct_tenant(const struct tenant_evidence *ev, bool *conflict)
{
    const char *t = NULL;

    for (size_t i = 0; i < ev->ntenant_ids; i++) {
        if (t == NULL)
            t = ev->tenant_ids[i];
        else if (strcasecmp(t, ev->tenant_ids[i]) != 0)
            *conflict = true;
    }
    return *conflict ? NULL : t;
}

/* tenant_by_dkim - with no tenant header: the one tenant a passing signature proves */
static const struct identity *
tenant_by_dkim(const struct identity_set *set, const struct tenant_evidence *ev, bool *ambiguous)
{
    const struct identity *found = NULL;

    for (size_t i = 0; i < set->n; i++) {
        const struct identity *id = &set->items[i];
        bool proven = false;
        if (id->kind != IDENTITY_M365_TENANT)
            continue;
        for (size_t k = 0; k < ev->ndkim_pass && !proven; k++)
            proven = (id->m365_domain != NULL &&
                      identity_domain_eq(id->m365_domain, ev->dkim_pass[k])) ||
                     identity_owns_domain(id, ev->dkim_pass[k]);
        if (!proven)
            continue;
        if (found != NULL) {
            *ambiguous = true;
            return NULL;
        }
        found = id;
    }
    return found;
}

const struct identity *
identity_resolve_tenant(const struct identity_set *set, const struct conn_facts *c,
                        const struct tenant_evidence *ev, const char **why)
{
    bool conflict = false, ambiguous = false;
    const char *tenant;
    const struct identity *id;

    if (!identity_is_m365_client(set, c)) {
        *why = ev->ntenant_ids > 0 ? "tenant header from outside Exchange Online"
                                   : "not an Exchange Online connection";
        return NULL;
    }
    tenant = distinct_tenant(ev, &conflict);
    if (conflict) {
        *why = "conflicting tenant headers";
        return NULL;
    }
    if (tenant != NULL) {
        for (size_t i = 0; i < set->n; i++) {
            id = &set->items[i];
            if (id->kind == IDENTITY_M365_TENANT && strcasecmp(id->tenant_id, tenant) == 0) {
                *why = "m365_tenant";
                return id;
            }
        }
        *why = "tenant not listed";
        return NULL;
    }
    id = tenant_by_dkim(set, ev, &ambiguous);
    *why = ambiguous    ? "DKIM proves several tenants"
           : id == NULL ? "no tenant header and no DKIM proof of a listed tenant"
                        : "m365_tenant_dkim";
    return id;
}
