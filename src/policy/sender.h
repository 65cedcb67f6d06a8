/*
 * sender - the header checks of the echo-spoofing defence, at the end of the headers: exactly
 * one From with parsable, clean addresses, at most one Sender, every one of them owned by the
 * sending identity, no display name that carries an address of a protected domain (one some
 * identity owns) that the sender does not own, and — when configured — envelope/header domain
 * alignment. Also collects the Microsoft 365 tenant evidence the headers carry.
 *
 * Pure: parses the given header section (src/mime), reads the identity set, fills a verdict.
 */
#ifndef SW_POLICY_SENDER_H
#define SW_POLICY_SENDER_H

#include <stddef.h>

#include "mime/mime_header.h"
#include "policy/facts.h"
#include "auth/psl.h"
#include "policy/identity.h"

enum sender_alignment { SENDER_ALIGN_OFF, SENDER_ALIGN_RELAXED, SENDER_ALIGN_STRICT };

/* sender_check_headers - the From/Sender rules for identity id; v untouched when all pass */
void sender_check_headers(const struct identity_set *set, const struct identity *id,
                          const struct mime_headers *h, const char *envelope_from,
                          enum sender_alignment align, const struct psl *psl, struct verdict *v);
/* (when all pass, v->sign_domain is the header From domain: the one DKIM may sign for) */

/* sender_tenant_ids - the X-MS-Exchange-CrossTenant-Id values (trimmed, lower-cased), up to
 * max; returns how many the headers carry (may exceed max). Strings point into buf. */
size_t sender_tenant_ids(const struct mime_headers *h, char (*buf)[64], size_t max);

#endif
