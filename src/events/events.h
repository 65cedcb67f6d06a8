/*
 * events - structured JSON-lines events built from the engine's facts, and their sink.
 *
 * One object per line, written with a single write(2) on an O_APPEND descriptor, so several
 * worker processes can share one file without interleaving. Field names are stable and
 * documented in docs/events.md. Passwords are never part of the facts, so never logged.
 *
 * event_sink_open("-") writes to stdout. event_sink_close() accepts NULL. A sink is used by one
 * thread at a time.
 */
#ifndef SW_EVENTS_EVENTS_H
#define SW_EVENTS_EVENTS_H

#include <stdint.h>

#include "behavior/behavior.h"
#include "policy/facts.h"

struct event_sink;

/* event_sink_open - open (create, append) the file; NULL with errno on failure */
struct event_sink *event_sink_open(const char *path);
struct event_sink *event_sink_close(struct event_sink *s);

struct conn_summary {
    unsigned transactions;
    unsigned auth_failures;
    const char *close_reason;
    uint64_t duration_ms;
    const char *const *violations;
    unsigned nviolations;
};

/* event_transaction - one MAIL transaction ended with this verdict */
void event_transaction(struct event_sink *s, const struct conn_facts *c, const struct txn_facts *t,
                       const struct verdict *v, const struct smtp_reply *next_hop_reply);
/* event_transaction_behavior - the same, with the behaviour engine's result (b NULL: the
 * transaction was not counted; the event's behavior is null) */
void event_transaction_behavior(struct event_sink *s, const struct conn_facts *c,
                                const struct txn_facts *t, const struct verdict *v,
                                const struct smtp_reply *next_hop_reply,
                                const struct behavior_result *b);
/* event_alert - one behaviour alert (spike, first_seen) raised by a transaction */
void event_alert(struct event_sink *s, const struct conn_facts *c, const struct txn_facts *t,
                 const struct behavior_alert *a);
/* event_alert_unavailable - the shared state (state, e.g. a redis:// address) could not be
 * reached for a transaction; action is what was done instead */
void event_alert_unavailable(struct event_sink *s, const struct conn_facts *c,
                             const struct txn_facts *t, const char *state,
                             enum behavior_action action);
/* event_connection - a connection ended */
void event_connection(struct event_sink *s, const struct conn_facts *c,
                      const struct conn_summary *sum);
/* event_format_time - RFC 3339 UTC with milliseconds, into out[32] */
void event_format_time(char out[32]);

#endif
