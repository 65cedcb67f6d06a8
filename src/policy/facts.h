/*
 * facts - what the engine knows about a connection and a transaction, and the verdict it
 * reaches. Front-ends (gateway, milter, sensor, scan) fill these; policy reads them; events are
 * written from them, so a gateway refusal and a sensor alert read alike.
 *
 * Plain value types: no allocation except txn_facts' recipient lists (txn_facts_release()).
 */
#ifndef SW_POLICY_FACTS_H
#define SW_POLICY_FACTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "smtp/smtp_cmd.h"
#include "smtp/smtp_reply.h"
#include "util/cidr.h"

struct tls_facts {
    bool active;
    char version[16]; /* "TLSv1.3" */
    char cipher[64];
    bool has_cert;      /* the client presented a certificate */
    bool cert_verified; /* ... and it verified against the configured CA */
    char cert_subject[256];
    char cert_issuer[256];
    char cert_sha256[65]; /* lower-case hex of the DER */
};

struct conn_facts {
    char conn_id[24];
    const char *frontend; /* "gateway", "milter", "sensor", "scan" */
    pid_t worker;
    struct ip_addr client_ip;
    char client_addr[64];
    uint16_t client_port;
    char local_addr[64];
    uint16_t local_port;
    const char *listener_tls; /* "starttls", "implicit", "none" */
    struct tls_facts tls;
    char helo[256];
    char auth_user[256]; /* "" when not authenticated */
    char auth_mech[16];
};

struct content_report; /* content/content_scan.h */

struct rcpt_refusal {
    char *addr;
    char *reply; /* "550 5.1.1 ..." */
};

struct txn_facts {
    unsigned index;         /* 1-based within the connection */
    char identity[64];      /* the sender identity policy resolved, "" when none (yet) */
    char dkim_domain[256];  /* the message was DKIM-signed for d= this domain ... */
    char dkim_selector[64]; /* ... with s= this selector ("" when not signed) */
    /* Microsoft 365 evidence the headers carried, for forensics ("" when absent) */
    char m365_tenant_ids[160];           /* X-MS-Exchange-CrossTenant-Id values, comma-separated */
    char m365_connecting_ip[160];        /* ...-OriginalAttributedTenantConnectingIp */
    char m365_from_entity[32];           /* ...-FromEntityHeader: Hosted | HybridOnPrem */
    char header_from[SMTP_PATH_MAX + 1]; /* the header From as written (claimed sender) */
    char mail_from[SMTP_PATH_MAX + 1];
    char **rcpt; /* accepted recipients */
    unsigned nrcpt;
    struct rcpt_refusal *refused;
    unsigned nrefused;
    uint64_t size;
    /* the content engine's report (content_scan.h), NULL when the message was not inspected;
     * owned by the session, valid until the transaction's event is written */
    const struct content_report *content;
    char quarantine[256]; /* where a quarantined message was written, "" otherwise */
};

void txn_facts_init(struct txn_facts *t, unsigned index);
void txn_facts_add_rcpt(struct txn_facts *t, const char *addr);
void txn_facts_add_refusal(struct txn_facts *t, const char *addr, const struct smtp_reply *r);
void txn_facts_release(struct txn_facts *t);

enum verdict_action {
    VERDICT_CONTINUE, /* nothing decided yet */
    VERDICT_ACCEPT,
    VERDICT_REJECT,
    VERDICT_DEFER,
    VERDICT_ABORT, /* the client or the session ended the transaction */
};

struct verdict {
    enum verdict_action action;
    struct smtp_reply reply; /* what the client is answered */
    const char *reason;      /* a stable token: "relay_denied", "relayed", ... */
    const char *identity;    /* the identity the decision is about, or NULL */
    char sign_domain[256];   /* on accept: DKIM-sign for this domain (owned From), or "" */
    bool needs_dkim_proof;   /* undecided: a Microsoft 365 message without a tenant header, whose
                              * DKIM signatures must be verified (policy_tenant_proof) */
};

/* verdict_set - fill a verdict; the reply text is formatted */
void verdict_set(struct verdict *v, enum verdict_action action, const char *reason, int code,
                 const char *enh, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
const char *verdict_action_name(enum verdict_action a);

#endif
