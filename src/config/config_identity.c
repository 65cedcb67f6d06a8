/*
 * config_identity - the checks of identities, m365 and dkim (issue 3, echo spoofing).
 *
 * Errors: what the identity layer cannot run with (no name, two names alike, no kind or two
 * kinds, owning nothing, duplicate DKIM keys). Warnings: valid rules that reopen the hole the
 * identities close: a network so wide that strangers share it, a network inside Exchange
 * Online (every tenant, not only yours), a domain pattern that owns everything.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_impl.h"
#include "util/mem.h"

/* Shorter prefixes than these are "huge": no single client owns a /7 or a /31. */
#define HUGE_V4_PREFIX 8
#define HUGE_V6_PREFIX 32

#define KIND_HINT "give exactly one of sasl, client_cert, network, m365_tenant"

/* One key of a duplicate search: a name, or a (domain, selector) pair. */
struct dup_key {
    const char *a, *b;
    size_t i;
    bool fold; /* compare case-insensitively (DNS names) */
};

/* dup_key_cmp - order by a, then b, then position, so the first of equals comes first */
static int
dup_key_cmp(const void *pa, const void *pb)
{
    const struct dup_key *x = pa, *y = pb;
    int c = x->fold ? strcasecmp(x->a, y->a) : strcmp(x->a, y->a);

    if (c == 0 && x->b != NULL && y->b != NULL)
        c = strcasecmp(x->b, y->b);
    if (c != 0)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* dup_key_eq - the same key at another position */
static bool
dup_key_eq(const struct dup_key *x, const struct dup_key *y)
{
    struct dup_key a = *x, b = *y;

    a.i = b.i = 0;
    return dup_key_cmp(&a, &b) == 0;
}

/* The identity fields that must be unique: a name, and each way a client proves who it is
 * (two identities with the same login would make the client match both, i.e. none). */
static const struct {
    size_t off;
    const char *what;
} unique_fields[] = {
    {offsetof(struct cfg_identity, name), "identity name"},
    {offsetof(struct cfg_identity, sasl), "sasl user"},
    {offsetof(struct cfg_identity, client_cert_sha256), "client_cert sha256"},
    {offsetof(struct cfg_identity, m365_tenant), "m365_tenant"},
};

/* field_of - the string field at off of identity i */
static char *const *
field_of(const struct sw_config *cfg, size_t i, size_t off)
{
    return (char *const *)((const char *)&cfg->identities[i] + off);
}

/* check_duplicate_field - one identity per value of a unique field */
static void
check_duplicate_field(const struct sw_config *cfg, size_t f, const struct cfg_where *w,
                      struct config_diag *d)
{
    struct dup_key *keys = xcalloc(cfg->nidentities + 1, sizeof *keys);
    size_t n = 0, off = unique_fields[f].off;

    for (size_t i = 0; i < cfg->nidentities; i++)
        if (*field_of(cfg, i, off) != NULL)
            keys[n++] = (struct dup_key){*field_of(cfg, i, off), NULL, i, false};
    qsort(keys, n, sizeof *keys, dup_key_cmp);
    for (size_t k = 1, first = 0; k < n; k++) {
        if (!dup_key_eq(&keys[first], &keys[k])) {
            first = k;
            continue;
        }
        char *const *value = field_of(cfg, keys[k].i, off);
        config_diag_add(d, w->name, config_where_or(w, value, CFG_MARK_WHOLE, w->gateway),
                        CFG_ERROR, "duplicate %s '%s' (first given at line %d)",
                        unique_fields[f].what, *value, cfg->identities[keys[first].i].line);
    }
    free(keys);
}

/* check_duplicate_dkim - one key per (domain, selector) */
static void
check_duplicate_dkim(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    struct dup_key *keys = xcalloc(cfg->ndkim + 1, sizeof *keys);
    size_t n = 0;

    for (size_t i = 0; i < cfg->ndkim; i++)
        if (cfg->dkim[i].domain != NULL && cfg->dkim[i].selector != NULL)
            keys[n++] = (struct dup_key){cfg->dkim[i].domain, cfg->dkim[i].selector, i, true};
    qsort(keys, n, sizeof *keys, dup_key_cmp);
    for (size_t k = 1, first = 0; k < n; k++) {
        if (!dup_key_eq(&keys[first], &keys[k])) {
            first = k;
            continue;
        }
        const struct cfg_dkim_key *key = &cfg->dkim[keys[k].i];
        config_diag_add(d, w->name, config_where_or(w, &cfg->dkim, keys[k].i, w->gateway),
                        CFG_ERROR,
                        "duplicate dkim key for domain '%s', selector '%s' (first given at "
                        "line %d)",
                        key->domain, key->selector, cfg->dkim[keys[first].i].line);
    }
    free(keys);
}

/* check_kind - exactly one of sasl, client_cert, network, m365_tenant */
static void
check_kind(const struct cfg_identity *id, struct cfg_mark item, const struct cfg_where *w,
           struct config_diag *d)
{
    const struct {
        const char *key;
        struct cfg_mark at;
    } kinds[] = {
        {"sasl", config_where_mark(w, &id->sasl, CFG_MARK_WHOLE)},
        {"client_cert", config_where_mark(w, &id->client_cert_sha256, CFG_MARK_SECTION)},
        {"network", config_where_mark(w, &id->network, CFG_MARK_WHOLE)},
        {"m365_tenant", config_where_mark(w, &id->m365_tenant, CFG_MARK_WHOLE)},
    };
    size_t given[4], n = 0;

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (kinds[k].at.line != 0)
            given[n++] = k;
    if (n == 0)
        config_diag_add(d, w->name, item, CFG_ERROR,
                        "identity '%s' does not say who it is: " KIND_HINT, id->name);
    else if (n > 1)
        config_diag_add(d, w->name, kinds[given[1]].at, CFG_ERROR,
                        "identity '%s' has both '%s' and '%s': " KIND_HINT, id->name,
                        kinds[given[0]].key, kinds[given[1]].key);
}

/* check_parts - settings that need another: client_cert's keys, m365_domain's tenant, a
 * network list with a network in it, something owned */
static void
check_parts(const struct cfg_identity *id, struct cfg_mark item, const struct cfg_where *w,
            struct config_diag *d)
{
    struct cfg_mark cert = config_where_mark(w, &id->client_cert_sha256, CFG_MARK_SECTION);
    struct cfg_mark net = config_where_mark(w, &id->network, CFG_MARK_WHOLE);
    struct cfg_mark m365_domain = config_where_mark(w, &id->m365_domain, CFG_MARK_WHOLE);

    if (cert.line != 0 && config_where_mark(w, &id->client_cert_sha256, CFG_MARK_WHOLE).line == 0 &&
        config_where_mark(w, &id->client_cert_name, CFG_MARK_WHOLE).line == 0)
        config_diag_add(d, w->name, cert, CFG_ERROR,
                        "identity '%s': 'client_cert' needs sha256, name or both", id->name);
    if (net.line != 0 && config_where_mark(w, &id->network, CFG_MARK_ITEMS).line == 0)
        config_diag_add(d, w->name, net, CFG_ERROR, "identity '%s': 'network' lists no network",
                        id->name);
    if (m365_domain.line != 0 && config_where_mark(w, &id->m365_tenant, CFG_MARK_WHOLE).line == 0)
        config_diag_add(d, w->name, m365_domain, CFG_ERROR,
                        "identity '%s' has 'm365_domain' but no 'm365_tenant'", id->name);
    if (id->ndomains == 0 && id->nsenders == 0 &&
        config_where_mark(w, &id->domains, CFG_MARK_ITEMS).line == 0 &&
        config_where_mark(w, &id->senders, CFG_MARK_ITEMS).line == 0)
        config_diag_add(d, w->name, item, CFG_ERROR,
                        "identity '%s' owns no domain and no sender: it could never send; give "
                        "'domains' or 'senders'",
                        id->name);
}

/* m365_overlap - the m365.networks range, else the built-in Exchange Online range, that net
 * overlaps; into text */
static bool
m365_overlap(const struct sw_config *cfg, const struct cidr *net, char *text, size_t size)
{
    const char *builtin;

    for (size_t k = 0; k < cfg->m365.networks.n; k++) {
        if (config_check_nets_overlap(net, &cfg->m365.networks.items[k])) {
            cidr_format(&cfg->m365.networks.items[k], text, size);
            return true;
        }
    }
    if ((builtin = config_check_exchange_online(net)) == NULL)
        return false;
    snprintf(text, size, "%s", builtin);
    return true;
}

/* warn_networks - networks that admit strangers: huge ones, and Exchange Online's */
static void
warn_networks(const struct sw_config *cfg, const struct cfg_identity *id, const struct cfg_where *w,
              struct config_diag *d)
{
    char text[INET6_ADDRSTRLEN + 8], exo[INET6_ADDRSTRLEN + 8];

    for (size_t i = 0; i < id->network.n; i++) {
        const struct cidr *net = &id->network.items[i];
        struct cfg_mark at = config_where_or(w, &id->network, i, w->gateway);
        unsigned huge = net->net.family == AF_INET ? HUGE_V4_PREFIX : HUGE_V6_PREFIX;
        cidr_format(net, text, sizeof text);
        if (cidr_is_everything(net))
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "network %s of identity '%s' is the whole internet: anyone may send "
                            "as its domains",
                            text, id->name);
        else if (net->prefix < huge)
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "network %s of identity '%s' is a huge network (shorter than /%u): "
                            "strangers in it may send as its domains",
                            text, id->name, huge);
        else if (m365_overlap(cfg, net, exo, sizeof exo))
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "network %s of identity '%s' overlaps Exchange Online (%s): it admits "
                            "every Microsoft 365 tenant; use an m365_tenant identity instead",
                            text, id->name, exo);
    }
}

/* warn_domains - patterns that own every domain, or every domain of a top-level domain */
static void
warn_domains(const struct cfg_identity *id, const struct cfg_where *w, struct config_diag *d)
{
    for (size_t i = 0; i < id->ndomains; i++) {
        const char *p = id->domains[i];
        const char *name = p[0] == '*' && p[1] == '.' ? p + 2 : p;
        size_t len = strlen(name);
        bool one_label = strcspn(name, ".") + (len > 0 && name[len - 1] == '.') == len;
        struct cfg_mark at = config_where_or(w, &id->domains, i, w->gateway);
        if (strcmp(p, "*") == 0)
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "domain '*' of identity '%s' owns every domain", id->name);
        else if (one_label && name != p)
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "domain '%s' of identity '%s' owns every domain under the top-level "
                            "domain '%s'",
                            p, id->name, name);
        else if (one_label)
            config_diag_add(d, w->name, at, CFG_WARNING,
                            "domain '%s' of identity '%s' is a top-level domain alone, as if it "
                            "owned every domain under it; name the domain itself",
                            p, id->name);
    }
}

/* check_identity - one identity's own errors and warnings */
static void
check_identity(const struct sw_config *cfg, size_t i, const struct cfg_where *w,
               struct config_diag *d)
{
    const struct cfg_identity *id = &cfg->identities[i];
    struct cfg_mark item = config_where_or(w, &cfg->identities, i, w->gateway);

    if (id->name == NULL)
        return; /* reported as "an identity needs 'name'"; the rest would be noise */
    check_kind(id, item, w, d);
    check_parts(id, item, w, d);
    warn_networks(cfg, id, w, d);
    warn_domains(id, w, d);
    if (id->m365_tenant != NULL && cfg->m365.networks.n == 0)
        config_diag_add(d, w->name, config_where_or(w, &id->m365_tenant, CFG_MARK_WHOLE, item),
                        CFG_WARNING,
                        "identity '%s' is a Microsoft 365 tenant but 'm365.networks' is empty: "
                        "it can never match (list Exchange Online's published ranges there)",
                        id->name);
}

/* domain_is_used - some identity owns domain, or lists a sender in it */
static bool
domain_is_used(const struct sw_config *cfg, const char *domain)
{
    for (size_t i = 0; i < cfg->nidentities; i++) {
        const struct cfg_identity *id = &cfg->identities[i];
        for (size_t k = 0; k < id->ndomains; k++)
            if (config_name_owns(id->domains[k], domain))
                return true;
        for (size_t k = 0; k < id->nsenders; k++)
            if (config_name_owns(strchr(id->senders[k], '@') + 1, domain))
                return true;
    }
    return false;
}

/* warn_unused_dkim - a key for a domain no identity may send as is never used */
static void
warn_unused_dkim(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    if (cfg->nidentities == 0)
        return; /* without identities any domain may be sent as */
    for (size_t i = 0; i < cfg->ndkim; i++) {
        const struct cfg_dkim_key *k = &cfg->dkim[i];
        if (k->domain != NULL && !domain_is_used(cfg, k->domain))
            config_diag_add(
                d, w->name, config_where_or(w, &k->domain, CFG_MARK_WHOLE, w->gateway), CFG_WARNING,
                "dkim domain '%s' is owned by no identity: its key will never be used", k->domain);
    }
}

void
config_check_identities(const struct sw_config *cfg, const struct cfg_where *w,
                        struct config_diag *d)
{
    for (size_t f = 0; f < sizeof unique_fields / sizeof unique_fields[0]; f++)
        check_duplicate_field(cfg, f, w, d);
    for (size_t i = 0; i < cfg->nidentities; i++)
        check_identity(cfg, i, w, d);
    check_duplicate_dkim(cfg, w, d);
    warn_unused_dkim(cfg, w, d);
}
