/* gw_proof - drop identity domains whose DNS does not prove ownership. */
#include "gateway/gw_proof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dns.h"
#include "util/log.h"
#include "util/mem.h"

/* One lookup: identity i, owned name (a domain pattern or an address), and the answer. */
struct claim {
    const struct cfg_identity *id;
    char *domain; /* the DNS name the token is for (a copy: dropped names are freed) */
    bool proven;
    int status;
};

/* claim_domain - the domain a pattern or address stands for */
static const char *
claim_domain(const char *owned)
{
    const char *at = strrchr(owned, '@');
    if (at != NULL)
        return at + 1;
    return strncmp(owned, "*.", 2) == 0 ? owned + 2 : owned;
}

static void
claim_done(void *ctx, int status, const char *const *txts, size_t n)
{
    struct claim *c = ctx;
    struct buf token;

    c->status = status;
    buf_init(&token, 0);
    dns_ownership_token(c->id->name, c->domain, &token);
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(txts[i], token.data) == 0)
            c->proven = true;
    buf_release(&token);
}

/* keep_proven - filter one string list of an identity; returns how many were dropped */
static int
keep_proven(const struct cfg_identity *id, char **v, size_t *n, const struct claim *claims,
            size_t nclaims)
{
    size_t kept = 0;
    int dropped = 0;

    for (size_t i = 0; i < *n; i++) {
        const char *d = claim_domain(v[i]);
        bool ok = false;
        for (size_t k = 0; k < nclaims; k++)
            if (claims[k].id == id && strcasecmp(claims[k].domain, d) == 0 && claims[k].proven)
                ok = true;
        if (ok) {
            v[kept++] = v[i];
            continue;
        }
        log_error("identity %s: %s is not proven (no TXT %s.%s with its token): not owned",
                  id->name, v[i], DNS_OWNERSHIP_LABEL, d);
        free(v[i]);
        dropped++;
    }
    *n = kept;
    return dropped;
}

/* start_claims - one lookup per identity and domain */
static size_t
start_claims(struct sw_config *cfg, struct dns_resolver *r, struct claim *claims, char **names)
{
    size_t n = 0;

    for (size_t i = 0; i < cfg->nidentities; i++) {
        struct cfg_identity *id = &cfg->identities[i];
        for (size_t k = 0; k < id->ndomains + id->nsenders; k++) {
            const char *owned = k < id->ndomains ? id->domains[k] : id->senders[k - id->ndomains];
            claims[n] = (struct claim){id, xstrdup(claim_domain(owned)), false, -1};
            size_t len = strlen(DNS_OWNERSHIP_LABEL) + strlen(claims[n].domain) + 2;
            names[n] = xmalloc(len);
            snprintf(names[n], len, "%s.%s", DNS_OWNERSHIP_LABEL, claims[n].domain);
            if (dns_lookup_txt(r, names[n], claim_done, &claims[n]) == 0) {
                n++;
            } else {
                free(names[n]);
                free(claims[n].domain);
            }
        }
    }
    return n;
}

int
gw_proof_apply(struct sw_config *cfg)
{
    struct dns_options o = {
        .servers = cfg->dns.servers, .timeout_ms = (int)(cfg->dns.timeout_ms / 2), .tries = 2};
    size_t total = 0, n;
    struct claim *claims;
    char **names;
    struct dns_resolver *r;
    struct buf err;
    int dropped = 0;
    bool have_dns;

    if (!cfg->require_domain_proof)
        return 0;
    for (size_t i = 0; i < cfg->nidentities; i++)
        total += cfg->identities[i].ndomains + cfg->identities[i].nsenders;
    claims = xcalloc(total + 1, sizeof *claims);
    names = xcalloc(total + 1, sizeof *names);
    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    have_dns = r != NULL;
    if (!have_dns)
        log_error("domain proof: no resolver (%s): no domain is proven", err.data);
    n = r != NULL ? start_claims(cfg, r, claims, names) : 0;
    if (r != NULL)
        dns_resolver_run(r, (int)cfg->dns.timeout_ms + 1000);
    for (size_t i = 0; i < cfg->nidentities; i++) {
        struct cfg_identity *id = &cfg->identities[i];
        dropped += keep_proven(id, id->domains, &id->ndomains, claims, n);
        dropped += keep_proven(id, id->senders, &id->nsenders, claims, n);
    }
    dns_resolver_free(r);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(claims[i].domain);
    }
    free(names);
    free(claims);
    buf_release(&err);
    return have_dns ? dropped : -1;
}
