/*
 * behavior - the behaviour engine: rate limits, learned baselines with spike alerts, and
 * first-seen alerts, per transaction.
 *
 * The front-end calls behavior_observe() once per transaction (the gateway: at end of data,
 * before it answers; the sensor: when a transaction ends) with the facts it has and the time.
 * The engine
 *   1. keys the transaction (identity, client address, AUTH user, envelope sender, sender
 *      domain, each distinct recipient domain, destination server, Microsoft 365 tenant);
 *   2. asks every configured limit that applies (its key kind, and its identity if it names
 *      one) for the transaction's cost; if one has no tokens left the result is its action,
 *      DEFER (451 4.7.1) or REFUSE (550 5.7.1), with the limit named in the reply, and no
 *      bucket is charged; otherwise every bucket is charged;
 *   3. counts the transaction for each key (sliding windows, baselines), accepted or not: the
 *      windows show what clients attempted, and a spike is raised as an alert;
 *   4. adds the first-seen relations' values, raising an alert for a value new after the
 *      learning period.
 * Alerts never change the action: they are evidence for the event and the SIEM.
 *
 * Time is always a parameter: now_ms is wall-clock milliseconds since the Unix epoch
 * (CLOCK_REALTIME), because baselines learn by hour of day and survive restarts. Clock jumps,
 * back or far forward, are absorbed (see behavior_window.h, behavior_bucket.h); a time past
 * year 285,000 is taken as that.
 *
 * State is in a store (behavior_store.h): the embedded one by default (bounded, in-process,
 * saved to and loaded from SQLite with behavior_save()/behavior_load()), or one the caller
 * supplies (Redis, later). Errors: behavior_new() refuses a bad configuration with a message;
 * behavior_observe() never fails (a store that cannot be reached gives on_state_unavailable).
 * Not thread-safe: one engine per worker thread or process.
 */
#ifndef SW_BEHAVIOR_H
#define SW_BEHAVIOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior_baseline.h"
#include "behavior/behavior_firstseen.h"
#include "behavior/behavior_hash.h"
#include "behavior/behavior_key.h"
#include "behavior/behavior_mem.h"
#include "behavior/behavior_store.h"

#define BEHAVIOR_LIMITS_MAX 32
#define BEHAVIOR_LIMIT_NAME_MAX 64
#define BEHAVIOR_ALERTS_MAX 16
#define BEHAVIOR_REPLY_MAX 160
#define BEHAVIOR_TXN_DOMAINS_MAX 32 /* distinct recipient domains counted per transaction */

enum behavior_action {
    BEHAVIOR_ACCEPT,
    BEHAVIOR_DEFER,  /* 451 4.7.1 */
    BEHAVIOR_REFUSE, /* 550 5.7.1 */
};

/* One rate limit: `amount` of `measure` per `per_ms` for each key of `kind`. */
struct behavior_limit {
    const char *name; /* [A-Za-z0-9_.-], at most 64; NULL: "<kind>_<measure>" */
    enum behavior_kind kind;
    enum behavior_measure measure;
    uint64_t amount;             /* 1 .. 1e9 */
    uint64_t per_ms;             /* 1 ms .. 31 days */
    uint64_t burst;              /* bucket size; 0 = amount */
    enum behavior_action action; /* BEHAVIOR_DEFER or BEHAVIOR_REFUSE */
    const char *identity;        /* only transactions of this identity; NULL = all */
};

struct behavior_config {
    const struct behavior_limit *limits;          /* copied by behavior_new */
    size_t nlimits;                               /* at most 32, at most 8 per key kind */
    double spike_deviations;                      /* 4 */
    double spike_min_per_hour[BEHAVIOR_MEASURES]; /* 200 messages; 0 = no alerts (others) */
    uint64_t spike_warmup_ms;                     /* 7 days */
    unsigned spike_window_min;                    /* 10: the current rate's window, 1..60 */
    uint64_t first_seen_learning_ms;              /* 14 days */
    unsigned first_seen_relations; /* bit (1 << relation) per relation on; all by default */
    int utc_offset_min;            /* local time of the hour-of-day profile, -840..840 */
    enum behavior_action on_state_unavailable; /* ACCEPT (default) or DEFER */
    struct behavior_mem_limits bounds; /* 10,000 keys per kind, 10,000 subjects, 256 values */
    struct behavior_hash_key seed;     /* secret: pick at random (getrandom) at start-up */
};

/* The facts of one transaction. Any string may be NULL (or "") when unknown. */
struct behavior_txn {
    const char *identity;
    const char *client_addr; /* text form, as events write it */
    const char *auth_user;
    const char *mail_from; /* "" for the null sender: no sender keys */
    const char *tenant;
    const char *dest_server; /* the server the mail goes to (sensor; a fixed next hop is not) */
    const char *const *rcpts;
    size_t nrcpts;
    uint64_t size; /* message octets */
};

enum behavior_alert_type {
    BEHAVIOR_ALERT_SPIKE,
    BEHAVIOR_ALERT_FIRST_SEEN,
};

struct behavior_alert {
    enum behavior_alert_type type;
    /* SPIKE: the key, the measure and the numbers behind the decision */
    enum behavior_kind kind;
    enum behavior_measure measure;
    struct behavior_spike spike;
    /* FIRST_SEEN: the relation; key is the subject ("" for smtp_host), value the new value */
    enum behavior_relation relation;
    char key[BEHAVIOR_KEY_MAX + 1];
    char value[BEHAVIOR_KEY_MAX + 1];
};

struct behavior_result {
    enum behavior_action action;
    char reply[BEHAVIOR_REPLY_MAX]; /* the SMTP reply for DEFER/REFUSE, "" for ACCEPT */
    /* the limit that decided (action from a limit); limit[0] == 0 otherwise */
    char limit[BEHAVIOR_LIMIT_NAME_MAX + 1];
    enum behavior_kind limit_kind;
    char limit_key[BEHAVIOR_KEY_MAX + 1];
    enum behavior_measure limit_measure;
    uint64_t limit_amount, limit_per_ms;
    uint64_t retry_ms;      /* when the tokens would be there; UINT64_MAX: never (over burst) */
    bool state_unavailable; /* the store failed; action is on_state_unavailable */
    struct behavior_alert alerts[BEHAVIOR_ALERTS_MAX];
    size_t nalerts;
    size_t alerts_dropped; /* alerts past BEHAVIOR_ALERTS_MAX */
};

struct behavior_stats {
    size_t keys[BEHAVIOR_KINDS];
    size_t subjects[BEHAVIOR_RELATIONS];
    uint64_t shed;
};

struct behavior;

/* behavior_config_defaults - the documented defaults, no limits, a zero seed */
void behavior_config_defaults(struct behavior_config *c);
/* behavior_config_check - 0, or -1 with a message naming the bad field in err */
int behavior_config_check(const struct behavior_config *c, char *err, size_t errlen);
/* behavior_new - an engine over store (NULL: the embedded store); NULL with err on a bad
 * configuration. Copies what it keeps of c; takes store over (freed by behavior_free). */
struct behavior *behavior_new(const struct behavior_config *c, const struct behavior_store *store,
                              char *err, size_t errlen);
struct behavior *behavior_free(struct behavior *b);
/* behavior_observe - one transaction at now_ms; fills r; returns r->action */
enum behavior_action behavior_observe(struct behavior *b, const struct behavior_txn *t,
                                      uint64_t now_ms, struct behavior_result *r);
/* behavior_check_limits - would the limits let t through now? Charges nothing, counts
 * nothing, raises no alert: for an early answer (the gateway at MAIL or RCPT, with the size
 * from MAIL SIZE=) before behavior_observe() decides at end of data */
enum behavior_action behavior_check_limits(struct behavior *b, const struct behavior_txn *t,
                                           uint64_t now_ms, struct behavior_result *r);
/* behavior_save - the embedded store's baselines, first-seen sets and windows into the SQLite
 * file at path (replaced atomically); -1 with err (also when the store is not embedded) */
int behavior_save(const struct behavior *b, const char *path, uint64_t now_ms, char *err,
                  size_t errlen);
/* behavior_load - replace the embedded store's state by the snapshot at path; on -1 (no file,
 * corrupt file, wrong schema) err says why and the state is unchanged */
int behavior_load(struct behavior *b, const char *path, char *err, size_t errlen);
/* behavior_key_sums - the sliding sums (minute, hour, day) of one key (text normalised as
 * counted), without counting anything; -1 if the store failed */
int behavior_key_sums(struct behavior *b, enum behavior_kind kind, const char *text,
                      uint64_t now_ms, struct behavior_counts out[BEHAVIOR_SPANS]);
void behavior_get_stats(const struct behavior *b, struct behavior_stats *out);
const char *behavior_action_name(enum behavior_action a);

/*
 * Limits decided elsewhere (a shared store such as Redis, asked asynchronously): the caller
 * lists the buckets a transaction must take from with behavior_plan_limits(), asks the shared
 * store to take them all or none (behavior_redis.h), and hands the answer to
 * behavior_observe_decided(), which picks the deciding limit as behavior_observe() would and
 * counts the transaction (windows, baselines, first-seen) in the engine's own store.
 */
#define BEHAVIOR_TAKES_MAX 320 /* 40 keys of a transaction, 8 limits per key kind */

/* One bucket a transaction takes from. */
struct behavior_take {
    size_t limit;                     /* index in the configured limits */
    const char *name;                 /* the limit's name (the engine's, valid with it) */
    const char *identity;             /* the limit's identity scope, or NULL */
    struct behavior_key key;          /* the key whose bucket it is */
    struct behavior_bucket_spec spec; /* amount per per_ms, burst */
    uint64_t cost;                    /* the transaction's measure for this key */
};

struct behavior_plan {
    size_t n;
    struct behavior_take takes[BEHAVIOR_TAKES_MAX];
};

/* behavior_plan_limits - the buckets t takes from, in the order behavior_observe asks them;
 * returns p->n */
size_t behavior_plan_limits(const struct behavior *b, const struct behavior_txn *t,
                            struct behavior_plan *p);
/* behavior_observe_decided - like behavior_observe, with the limits already asked: retry[i] is
 * 0 when take i had its tokens, else the wait in ms (UINT64_MAX: never); the store charged all
 * of them or none. retry NULL: the shared store could not be reached (on_state_unavailable).
 * Counting and first-seen use the engine's own store. Returns r->action. */
enum behavior_action behavior_observe_decided(struct behavior *b, const struct behavior_txn *t,
                                              uint64_t now_ms, const struct behavior_plan *p,
                                              const uint64_t *retry, struct behavior_result *r);

/*
 * Counting and first-seen shared too (behavior.state: redis): behavior_plan_shared() lists, for
 * a transaction, what each key counts with the spike thresholds this engine has learned for it,
 * and the first-seen values to add; the shared store counts them (cluster-wide windows and
 * hourly totals), raises each spike once for all its clients (a marker held through the
 * hysteresis) and adds the values to shared sets (behavior_redis.h). behavior_observe_shared()
 * then applies the answer: the limits as behavior_observe_decided(), the alerts the shared store
 * granted, and the shared hourly totals folded into this engine's baselines, so every engine
 * learns from the whole traffic. Without an answer (the store is down) it is
 * behavior_observe_decided() with retry NULL: this engine counts alone.
 * Only an engine over the embedded store can plan (it keeps the baselines); otherwise n is 0.
 */
#define BEHAVIOR_SHARED_KEYS_MAX (BEHAVIOR_KINDS + BEHAVIOR_TXN_DOMAINS_MAX)
#define BEHAVIOR_SHARED_FS_MAX (3 + BEHAVIOR_TXN_DOMAINS_MAX)

/* One key to count in the shared store. */
struct behavior_shared_count {
    struct behavior_key key;
    struct behavior_counts add;
    /* per measure: alert past threshold (-1: not eligible: warm-up, no baseline, measure off);
     * the spike ends below rearm (hysteresis) */
    double threshold[BEHAVIOR_MEASURES];
    double rearm[BEHAVIOR_MEASURES];
};

/* One first-seen value to add to a shared set. */
struct behavior_shared_fs {
    enum behavior_relation rel;
    struct behavior_key subject; /* kind unused */
    struct behavior_key value;   /* kind unused */
    uint32_t max_values;
};

struct behavior_shared_plan {
    uint64_t now_ms;
    int64_t minute, hour; /* minute number (UTC), local hour number (the baseline's) */
    unsigned window_min;
    uint64_t learning_ms;
    double min_per_hour[BEHAVIOR_MEASURES];
    size_t ncounts, nfs;
    struct behavior_shared_count counts[BEHAVIOR_SHARED_KEYS_MAX];
    struct behavior_shared_fs fs[BEHAVIOR_SHARED_FS_MAX];
};

/* The shared store's answer for one key. */
struct behavior_shared_key_answer {
    uint64_t recent[BEHAVIOR_MEASURES]; /* the window's cluster-wide count, this txn included */
    uint64_t hour[BEHAVIOR_MEASURES];   /* the current hour's total */
    uint64_t prev[BEHAVIOR_MEASURES];   /* the previous hour's total */
    uint64_t first_ms;                  /* when the key was first counted by anyone */
    unsigned alert;                     /* bit per measure: this client raises the spike */
};

struct behavior_shared_answer {
    struct behavior_shared_key_answer counts[BEHAVIOR_SHARED_KEYS_MAX];
    enum behavior_fs_outcome fs[BEHAVIOR_SHARED_FS_MAX];
};

/* behavior_plan_shared - what t counts and adds at now_ms, for a shared store; returns
 * p->ncounts + p->nfs */
size_t behavior_plan_shared(struct behavior *b, const struct behavior_txn *t, uint64_t now_ms,
                            struct behavior_shared_plan *p);
/* behavior_observe_shared - apply the shared store's answers: retry as for
 * behavior_observe_decided (for plan's takes), a the answer for sp (NULL together with retry
 * NULL: the store was not reached). Returns r->action. */
enum behavior_action behavior_observe_shared(struct behavior *b, const struct behavior_txn *t,
                                             const struct behavior_plan *p, const uint64_t *retry,
                                             const struct behavior_shared_plan *sp,
                                             const struct behavior_shared_answer *a,
                                             struct behavior_result *r);

#endif
