/*
 * gw_proof - proven domain ownership (policy.require_domain_proof): before workers start (and
 * on each reload) the master looks up `_smtpwarden.DOMAIN` TXT for every domain an identity
 * owns (for "*.parent", the parent) and for the domain of every address it lists, and takes
 * from the identity whatever does not carry its token (`smtpwarden domain token`). Those
 * domains are then simply not owned: mail as them is refused like any other.
 *
 * Blocking (c-ares with a bounded wait): it runs in the master, never on a worker's loop.
 */
#ifndef SW_GATEWAY_GW_PROOF_H
#define SW_GATEWAY_GW_PROOF_H

#include "config/config.h"

/* gw_proof_apply - drop unproven domains and addresses from cfg's identities; returns how many
 * were dropped (each one logged), or -1 when DNS could not be used at all (nothing dropped,
 * every identity then owns nothing: fail closed) */
int gw_proof_apply(struct sw_config *cfg);

#endif
