/*
 * identity - who a client is, and which sender domains and addresses it owns.
 *
 * Echo spoofing works when a relay trusts "any authenticated user" or "any Microsoft 365
 * tenant". Here every client maps to exactly one configured identity, or to none (and then it
 * may not relay); each identity owns an explicit list of domains and addresses, and there is no
 * implicit "all".
 *
 * Kinds of identity: an authenticated SASL user; a verified TLS client certificate (by SHA-256
 * fingerprint, or by subject CN / DNS name); a client network; a Microsoft 365 tenant. A
 * tenant is attributed only when every proof holds (identity_resolve_tenant): the client
 * address is in the Exchange Online ranges, its verified certificate names the configured
 * Exchange Online host, and the message carries exactly one tenant id that is listed — or, with
 * no tenant header, a passing DKIM signature of the tenant's onmicrosoft domain or of a domain
 * the tenant owns. A tenant id in a header proves nothing on its own.
 *
 * Domains: "a.example" owns exactly that domain; "*.a.example" owns its subdomains (not
 * a.example itself). Comparison is case-insensitive and ignores one trailing dot.
 *
 * Pure: no I/O, no globals. An identity_set is immutable once built; free with
 * identity_set_free(). Thread-safe for reading.
 */
#ifndef SW_POLICY_IDENTITY_H
#define SW_POLICY_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/facts.h"
#include "util/cidr.h"

enum identity_kind {
    IDENTITY_SASL,
    IDENTITY_CLIENT_CERT,
    IDENTITY_NETWORK,
    IDENTITY_M365_TENANT,
};

struct identity {
    char *name;
    enum identity_kind kind;
    char *sasl_user;           /* IDENTITY_SASL */
    char *cert_sha256;         /* IDENTITY_CLIENT_CERT: lower-case hex, or NULL */
    char *cert_name;           /* IDENTITY_CLIENT_CERT: subject CN / SAN, or NULL */
    struct cidr_list networks; /* IDENTITY_NETWORK */
    char *tenant_id;           /* IDENTITY_M365_TENANT: lower-case GUID */
    char *m365_domain;         /* IDENTITY_M365_TENANT: "<name>.onmicrosoft.com" */
    char **domains;            /* owned domains ("a.example", "*.a.example") */
    size_t ndomains;
    char **senders; /* owned addresses */
    size_t nsenders;
    bool send_bounces; /* may use the null reverse-path <> */
};

struct identity_set {
    struct identity *items;
    size_t n;
    struct cidr_list m365_networks; /* Exchange Online source ranges */
    char *m365_cert_name;           /* e.g. "mail.protection.outlook.com" */
};

/* What the message says about its Microsoft 365 tenant (from its headers and DKIM checks). */
struct tenant_evidence {
    const char *const *tenant_ids; /* every X-MS-Exchange-CrossTenant-Id value seen */
    size_t ntenant_ids;
    const char *const *dkim_pass; /* d= domains of DKIM signatures that verified */
    size_t ndkim_pass;
};

/* identity_set_new - an empty set; add with identity_set_add (takes ownership of *id) */
struct identity_set *identity_set_new(void);
void identity_set_add(struct identity_set *set, struct identity *id);
struct identity_set *identity_set_free(struct identity_set *set);

/*
 * identity_resolve - the identity of a connection from its own facts (SASL user, client
 * certificate, client network). Tenants need message evidence: see identity_resolve_tenant.
 * NULL when none matches, or when more than one does (*why says which).
 */
const struct identity *identity_resolve(const struct identity_set *set, const struct conn_facts *c,
                                        const char **why);

/* identity_is_m365_client - the connection comes from Exchange Online (address range and a
 * verified certificate with the configured name): tenant evidence will decide */
bool identity_is_m365_client(const struct identity_set *set, const struct conn_facts *c);

/* identity_resolve_tenant - the tenant identity, when every proof holds; NULL with *why */
const struct identity *identity_resolve_tenant(const struct identity_set *set,
                                               const struct conn_facts *c,
                                               const struct tenant_evidence *ev, const char **why);

/* identity_set_find - the identity of this name, or NULL */
const struct identity *identity_set_find(const struct identity_set *set, const char *name);

/* identity_owns_domain - the identity may send as this domain */
bool identity_owns_domain(const struct identity *id, const char *domain);
/* identity_owns_address - the identity may send as local@domain (listed address or owned
 * domain); an address without '@' is owned by nobody */
bool identity_owns_address(const struct identity *id, const char *addr);
/* identity_domain_eq - case-insensitive, one trailing dot ignored */
bool identity_domain_eq(const char *a, const char *b);

#endif
