/*
 * gw_identity - build the policy layer's identity_set from the configuration (the gateway is
 * where layers are wired together: policy does not read configuration).
 * Free the result with identity_set_free().
 */
#ifndef SW_GATEWAY_GW_IDENTITY_H
#define SW_GATEWAY_GW_IDENTITY_H

#include "config/config.h"
#include "policy/identity.h"

struct identity_set *gw_identities_from_config(const struct sw_config *cfg);

#endif
