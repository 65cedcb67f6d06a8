/*
 * event_behavior - the behaviour engine's result (behavior.h) as JSON, with the stable field
 * names of docs/events.md: the `behavior` object of a transaction event, and one alert (the
 * fields of an `alert` event, and of each item of behavior.alerts[]).
 *
 * Alert types: "spike" (key_kind, key, measure, current_per_hour, expected_per_hour, sd,
 * threshold, profiled), "first_seen" (relation, subject, value) and "state_unavailable" (the
 * shared state could not be reached; action says what the gateway did instead).
 * Functions return new references (json_decref() them). Thread-safe.
 */
#ifndef SW_EVENTS_EVENT_BEHAVIOR_H
#define SW_EVENTS_EVENT_BEHAVIOR_H

#include <jansson.h>

#include "behavior/behavior.h"

/* event_behavior_json - the behavior object of a transaction event */
json_t *event_behavior_json(const struct behavior_result *r);
/* event_alert_json - one alert's fields, "type" first */
json_t *event_alert_json(const struct behavior_alert *a);
/* event_unavailable_json - the state_unavailable alert: the store and the action taken */
json_t *event_unavailable_json(const char *state, enum behavior_action action);

#endif
