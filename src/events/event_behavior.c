/* event_behavior - the behaviour result and its alerts as JSON objects. */
#include "events/event_behavior.h"
#include "events/event_json.h"

#include <math.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

/* num - a JSON number to a thousandth (rates are estimates, not exact counts) */
static json_t *
num(double v)
{
    if (!isfinite(v) || v < 0 || v > 1e15)
        return json_real(isfinite(v) ? v : 0);
    return json_real((double)(uint64_t)(v * 1000 + 0.5) / 1000);
}

json_t *
event_alert_json(const struct behavior_alert *a)
{
    if (a->type == BEHAVIOR_ALERT_SPIKE)
        return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:b}", "type", "spike",
                         "key_kind", behavior_kind_name(a->kind), "key", event_json_text(a->key),
                         "measure", behavior_measure_name(a->measure), "current_per_hour",
                         num(a->spike.current), "expected_per_hour", num(a->spike.expected), "sd",
                         num(a->spike.sd), "threshold", num(a->spike.threshold), "profiled",
                         a->spike.profiled);
    return json_pack("{s:s, s:s, s:o, s:o}", "type", "first_seen", "relation",
                     behavior_relation_name(a->relation), "subject", event_json_text(a->key),
                     "value", event_json_text(a->value));
}

json_t *
event_unavailable_json(const char *state, enum behavior_action action)
{
    return json_pack("{s:s, s:s, s:s}", "type", "state_unavailable", "state", state, "action",
                     behavior_action_name(action));
}

json_t *
event_behavior_json(const struct behavior_result *r)
{
    json_t *o, *alerts = json_array();

    for (size_t i = 0; i < r->nalerts; i++)
        json_array_append_new(alerts, event_alert_json(&r->alerts[i]));
    o = json_pack("{s:s, s:b, s:o, s:I}", "action", behavior_action_name(r->action),
                  "state_unavailable", r->state_unavailable, "alerts", alerts, "alerts_dropped",
                  (json_int_t)r->alerts_dropped);
    if (r->limit[0] != '\0') {
        json_object_set_new(o, "limit", json_string(r->limit));
        json_object_set_new(o, "limit_key_kind", json_string(behavior_kind_name(r->limit_kind)));
        json_object_set_new(o, "limit_key", event_json_text(r->limit_key));
        json_object_set_new(o, "limit_measure",
                            json_string(behavior_measure_name(r->limit_measure)));
        json_object_set_new(o, "limit_amount", json_integer((json_int_t)r->limit_amount));
        json_object_set_new(o, "limit_per_ms", json_integer((json_int_t)r->limit_per_ms));
        json_object_set_new(o, "retry_ms",
                            r->retry_ms == UINT64_MAX ? json_null()
                                                      : json_integer((json_int_t)r->retry_ms));
    } else {
        json_object_set_new(o, "limit", json_null());
    }
    return o;
}
