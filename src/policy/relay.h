/*
 * relay - who may relay through the gateway until identities (a later layer) exist: an
 * authenticated client, or a client address inside a configured network. Everything else is
 * denied: relay is closed by default.
 *
 * Pure: reads facts, fills a verdict. Thread-safe.
 */
#ifndef SW_POLICY_RELAY_H
#define SW_POLICY_RELAY_H

#include <stdbool.h>

#include "policy/facts.h"
#include "util/cidr.h"

struct relay_policy {
    const struct cidr_list *networks; /* not owned */
};

/* relay_policy_check - true when the client may relay; otherwise *v is a 554 5.7.1 refusal
 * whose text names the reason */
bool relay_policy_check(const struct relay_policy *p, const struct conn_facts *f,
                        struct verdict *v);

#endif
