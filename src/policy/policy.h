/*
 * policy - the engine's decision points, one per SMTP phase: connect, HELO, AUTH, MAIL, RCPT,
 * end of headers, end of data. Every front-end calls the same functions with the facts it has;
 * each fills a verdict: VERDICT_CONTINUE (nothing decided, go on) or a decision with the reply
 * the client should get and a stable reason token.
 *
 * At MAIL: with identities configured, the client must resolve to exactly one identity (an
 * Exchange Online connection waits for the message's tenant evidence) and that identity must own
 * the envelope sender (the null sender only with send_bounces). Without identities nothing
 * relays. Content and behaviour plug in here too (issues 4 and 6) without
 * the front-ends changing.
 *
 * Pure: no I/O, no globals. A policy is immutable once made and may be shared by threads.
 * Free with policy_free().
 */
#ifndef SW_POLICY_POLICY_H
#define SW_POLICY_POLICY_H

#include <stddef.h>

#include "policy/facts.h"
#include "policy/identity.h"
#include "policy/sender.h"
#include "util/cidr.h"

struct policy_config {

    const struct identity_set *identities; /* not copied; NULL or empty: the interim rule */
    enum sender_alignment alignment;       /* envelope vs header From domain */
    const struct psl *psl;                 /* organisational domains; NULL = subdomain rule */
};

struct policy;

struct policy *policy_new(const struct policy_config *cfg);
struct policy *policy_free(struct policy *p);

void policy_connect(const struct policy *p, const struct conn_facts *c, struct verdict *v);
void policy_helo(const struct policy *p, const struct conn_facts *c, struct verdict *v);
/* policy_auth - after a successful AUTH (c->auth_user is set) */
void policy_auth(const struct policy *p, const struct conn_facts *c, struct verdict *v);
void policy_mail(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                 struct verdict *v);
void policy_rcpt(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                 const char *rcpt, struct verdict *v);
/* policy_header_facts - record what the header section says that events should keep (the
 * Microsoft 365 tenant headers) in t; call before policy_headers */
void policy_header_facts(struct txn_facts *t, const char *headers, size_t len);
/* policy_headers - the message's header section (raw, CRLF lines, up to the blank line) */
void policy_headers(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                    const char *headers, size_t len, struct verdict *v);
/* policy_tenant_proof - the end-of-headers decision for a message that needed DKIM proof of its
 * tenant: pass = the d= domains of the signatures that verified; ntemperror = signatures whose
 * key could not be looked up (then the message is deferred rather than refused) */
void policy_tenant_proof(const struct policy *p, const struct conn_facts *c,
                         const struct txn_facts *t, const char *headers, size_t len,
                         const char *const *pass, size_t npass, size_t ntemperror,
                         struct verdict *v);
void policy_data_end(const struct policy *p, const struct conn_facts *c, const struct txn_facts *t,
                     struct verdict *v);

#endif
