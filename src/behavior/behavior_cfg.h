/*
 * behavior_cfg - struct behavior_config from the configuration's behavior section.
 *
 * behavior_config_from() fills c from cb (defaults first), with its limits written to lim
 * (BEHAVIOR_LIMITS_MAX entries; strings point into cb, which must outlive the engine's
 * creation) and a fresh random seed for the key hashes (getrandom; dies if the system has
 * none).
 */
#ifndef SW_BEHAVIOR_BEHAVIOR_CFG_H
#define SW_BEHAVIOR_BEHAVIOR_CFG_H

#include "behavior/behavior.h"
#include "config/config.h"

void behavior_config_from(const struct cfg_behavior *cb, struct behavior_config *c,
                          struct behavior_limit *lim);

#endif
