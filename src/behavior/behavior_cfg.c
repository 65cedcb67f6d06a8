/*
 * behavior_cfg - the behaviour engine's configuration from the YAML settings (behavior.*),
 * shared by the gateway and the sensor.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "behavior/behavior_cfg.h"
#include "util/log.h"

void
behavior_config_from(const struct cfg_behavior *cb, struct behavior_config *c,
                     struct behavior_limit *lim)
{
    behavior_config_defaults(c);
    for (size_t i = 0; i < cb->nlimits && i < BEHAVIOR_LIMITS_MAX; i++) {
        const struct cfg_behavior_limit *l = &cb->limits[i];
        lim[i] = (struct behavior_limit){
            .name = l->name,
            .kind = (enum behavior_kind)l->key,
            .measure = l->messages     ? BEHAVIOR_MEASURE_MESSAGES
                       : l->recipients ? BEHAVIOR_MEASURE_RECIPIENTS
                                       : BEHAVIOR_MEASURE_BYTES,
            .amount = l->messages     ? l->messages
                      : l->recipients ? l->recipients
                                      : l->bytes,
            .per_ms = l->per_ms,
            .burst = l->burst,
            .action = l->action == CFG_BACTION_REJECT ? BEHAVIOR_REFUSE : BEHAVIOR_DEFER,
            .identity = l->identity,
        };
    }
    c->limits = lim;
    c->nlimits = cb->nlimits < BEHAVIOR_LIMITS_MAX ? cb->nlimits : BEHAVIOR_LIMITS_MAX;
    c->spike_deviations = cb->spike_deviations;
    c->spike_min_per_hour[BEHAVIOR_MEASURE_MESSAGES] = cb->spike_min_messages;
    c->spike_warmup_ms = (uint64_t)cb->spike_warmup * 1000;
    c->spike_window_min = cb->spike_window / 60;
    c->first_seen_learning_ms = (uint64_t)cb->first_seen_learning * 1000;
    c->on_state_unavailable =
        cb->on_state_unavailable == CFG_UNAVAILABLE_DEFER ? BEHAVIOR_DEFER : BEHAVIOR_ACCEPT;
    c->bounds.max_keys = cb->max_keys;
    c->bounds.max_values = cb->first_seen_max_values;
    if (getrandom(&c->seed, sizeof c->seed, 0) != (ssize_t)sizeof c->seed)
        die("getrandom: %s", strerror(errno));
}
