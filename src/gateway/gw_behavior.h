/*
 * gw_behavior - the behaviour engine in a gateway worker: one engine per worker process, its
 * embedded state loaded from and saved to a snapshot, and (behavior.state: redis://...) the
 * shared state (limits, counts, first-seen) asked of Redis asynchronously on the worker's event
 * loop, one script per transaction.
 *
 * gw_behavior_observe() decides one transaction at end of data. With the embedded state it
 * answers at once (returns 0, r filled). With Redis it sends the transaction's bucket takes as
 * one script (all or none, atomic in Redis) and returns 1: done(ctx, r) is called later from
 * the event loop, never from inside gw_behavior_observe, when Redis answers or the timeout
 * (behavior.redis_timeout) passes; a timeout or a lost connection gives the result of
 * on_state_unavailable, and the connection is dropped and made again with backoff (100 ms
 * doubling to 5 s). While Redis is down nothing waits: the answer is immediate.
 * The facts in t (its strings, its recipients) must stay valid until done is called or the
 * request is cancelled with gw_behavior_cancel() (the session is going away: done is then
 * never called).
 *
 * Snapshots (behavior.state_file): worker slot 0 uses PATH, slot N uses PATH.N; loaded at
 * start (a missing or corrupt file is logged and the worker starts empty), saved every
 * save_interval and at exit. With Redis the same round trip also counts the transaction in
 * Redis (cluster-wide windows and hourly totals, spike markers) and adds its first-seen values
 * to shared sets, so a spike or a new value is one alert across workers and nodes; the
 * baselines are learned in each worker from the shared hourly totals. While Redis cannot be
 * reached the worker counts alone (its embedded store), as with the embedded state.
 * Errors: gw_behavior_new() returns NULL with a message in err. Single-threaded (the worker).
 */
#ifndef SW_GATEWAY_GW_BEHAVIOR_H
#define SW_GATEWAY_GW_BEHAVIOR_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

#include "behavior/behavior.h"
#include "config/config.h"
#include "events/events.h"
#include "policy/facts.h"
#include "util/buf.h"

struct gw_behavior;
struct gw_behavior_req;

typedef void gw_behavior_done_fn(void *ctx, const struct behavior_result *r);

/* gw_behavior_new - the engine for worker slot; NULL with err when the settings are unusable */
struct gw_behavior *gw_behavior_new(const struct sw_config *cfg, struct event_base *base,
                                    unsigned slot, struct buf *err);
/* gw_behavior_free - save the snapshot, close Redis, drop pending requests; accepts NULL */
struct gw_behavior *gw_behavior_free(struct gw_behavior *gb);
/* gw_behavior_observe - decide t: 0 with r filled now, or 1 with *req pending (see above) */
int gw_behavior_observe(struct gw_behavior *gb, const struct behavior_txn *t,
                        struct behavior_result *r, gw_behavior_done_fn *done, void *ctx,
                        struct gw_behavior_req **req);
/* gw_behavior_cancel - the request's session is going away; accepts NULL; returns NULL */
struct gw_behavior_req *gw_behavior_cancel(struct gw_behavior_req *req);
/* gw_behavior_state - "embedded" or the Redis address, for events and logs */
const char *gw_behavior_state(const struct gw_behavior *gb);
/* gw_behavior_txn - the engine's facts of a transaction (pointers into c and t, valid while
 * they are) */
void gw_behavior_txn(struct behavior_txn *out, const struct conn_facts *c,
                     const struct txn_facts *t, uint64_t size);
/* gw_behavior_alerts - each alert of r as an `alert` event, and one (the first transaction of
 * an outage) when the shared state could not be reached */
void gw_behavior_alerts(struct gw_behavior *gb, struct event_sink *events,
                        const struct conn_facts *c, const struct txn_facts *t,
                        const struct behavior_result *r);
/* gw_behavior_verdict - a deferring or refusing result as the verdict v (true); false, v
 * untouched, when the transaction may go on */
bool gw_behavior_verdict(const struct behavior_result *r, struct verdict *v);
/* gw_behavior_save - write the snapshot now (when a state_file is set); -1 logged */
int gw_behavior_save(struct gw_behavior *gb);

#endif
