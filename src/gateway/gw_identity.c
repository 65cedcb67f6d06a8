/* gw_identity - the configuration's identities and Microsoft 365 settings as an identity_set. */
#include "gateway/gw_identity.h"

#include <string.h>

#include "util/mem.h"

/* strv_copy - a heap copy of n strings */
static char **
strv_copy(char *const *v, size_t n)
{
    char **out = n ? xcalloc(n, sizeof *out) : NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

/* cidr_copy - append every network of src to dst */
static void
cidr_copy(struct cidr_list *dst, const struct cidr_list *src)
{
    for (size_t i = 0; i < src->n; i++)
        cidr_list_add(dst, &src->items[i]);
}

/* dup_or_null - xstrdup that keeps NULL */
static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

/* identity_from_config - one identity; the loader has checked that exactly one kind is set */
static void
identity_from_config(const struct cfg_identity *ci, struct identity *id)
{
    memset(id, 0, sizeof *id);
    id->name = xstrdup(ci->name);
    if (ci->sasl != NULL) {
        id->kind = IDENTITY_SASL;
        id->sasl_user = xstrdup(ci->sasl);
    } else if (ci->client_cert_sha256 != NULL || ci->client_cert_name != NULL) {
        id->kind = IDENTITY_CLIENT_CERT;
        id->cert_sha256 = dup_or_null(ci->client_cert_sha256);
        id->cert_name = dup_or_null(ci->client_cert_name);
    } else if (ci->m365_tenant != NULL) {
        id->kind = IDENTITY_M365_TENANT;
        id->tenant_id = xstrdup(ci->m365_tenant);
        id->m365_domain = dup_or_null(ci->m365_domain);
    } else {
        id->kind = IDENTITY_NETWORK;
        cidr_copy(&id->networks, &ci->network);
    }
    id->domains = strv_copy(ci->domains, ci->ndomains);
    id->ndomains = ci->ndomains;
    id->senders = strv_copy(ci->senders, ci->nsenders);
    id->nsenders = ci->nsenders;
    id->send_bounces = ci->send_bounces;
}

struct identity_set *
gw_identities_from_config(const struct sw_config *cfg)
{
    struct identity_set *set = identity_set_new();

    for (size_t i = 0; i < cfg->nidentities; i++) {
        struct identity id;
        identity_from_config(&cfg->identities[i], &id);
        identity_set_add(set, &id);
    }
    cidr_copy(&set->m365_networks, &cfg->m365.networks);
    set->m365_cert_name = dup_or_null(cfg->m365.certificate_name);
    return set;
}
