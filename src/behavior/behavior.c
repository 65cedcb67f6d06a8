/* behavior - the engine facade: keys a transaction, asks the limits, counts, raises alerts. */
#include "behavior/behavior.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behavior/behavior_store_sqlite.h"
#include "util/errmsg.h"
#include "util/mem.h"

#define DAY_MS 86400000ULL
#define TIME_MAX (1ULL << 53)
#define TXN_KEYS_MAX (BEHAVIOR_KINDS + BEHAVIOR_TXN_DOMAINS_MAX)

struct limit_rt {
    char name[BEHAVIOR_LIMIT_NAME_MAX + 1];
    char *identity;
    enum behavior_kind kind;
    enum behavior_measure measure;
    struct behavior_bucket_spec spec;
    enum behavior_action action;
    unsigned slot; /* which of its kind's buckets */
};

/*
 * With a shared store, every first-seen value would go to Redis with every transaction, though
 * a host mails the same servers and domains all day: a value the shared set has confirmed is
 * remembered here (a direct-mapped table of keyed hashes) and not asked again for a day. The
 * day bounds how long this worker can miss that the shared set expired a value.
 */
#define FS_CACHE_SLOTS 8192
#define FS_CACHE_TTL_MS (24ull * 3600 * 1000)

struct fs_cache_slot {
    uint64_t hash;
    uint64_t until_ms;
};

struct behavior {
    struct fs_cache_slot *fs_cache; /* confirmed shared first-seen values */
    struct behavior_config cfg;     /* limits not kept here: see lim */
    struct limit_rt lim[BEHAVIOR_LIMITS_MAX];
    size_t nlim;
    struct behavior_spike_params spike[BEHAVIOR_MEASURES];
    struct behavior_store store;
    struct behavior_mem *mem; /* the embedded store, when it is the one in use */
};

/* One key of a transaction and what it counts. */
struct txn_key {
    struct behavior_key key;
    struct behavior_counts add;
};

const char *
behavior_action_name(enum behavior_action a)
{
    switch (a) {
    case BEHAVIOR_ACCEPT:
        return "accept";
    case BEHAVIOR_DEFER:
        return "defer";
    case BEHAVIOR_REFUSE:
        return "refuse";
    }
    return "?";
}

void
behavior_config_defaults(struct behavior_config *c)
{
    memset(c, 0, sizeof *c);
    c->spike_deviations = 4;
    c->spike_min_per_hour[BEHAVIOR_MEASURE_MESSAGES] = 200;
    c->spike_warmup_ms = 7 * DAY_MS;
    c->spike_window_min = 10;
    c->first_seen_learning_ms = 14 * DAY_MS;
    c->first_seen_relations = (1u << BEHAVIOR_RELATIONS) - 1;
    c->on_state_unavailable = BEHAVIOR_ACCEPT;
    c->bounds.max_keys = 10000;
    c->bounds.max_subjects = 10000;
    c->bounds.max_values = 256;
}

static bool
is_limit_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > BEHAVIOR_LIMIT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* check_limit - one limit's fields */
static int
check_limit(const struct behavior_limit *l, size_t i, char *err, size_t errlen)
{
    struct behavior_bucket_spec spec = {l->amount, l->per_ms, l->burst ? l->burst : l->amount};

    if ((unsigned)l->kind >= BEHAVIOR_KINDS)
        return errmsg_set(err, errlen, "limits[%zu].key: unknown key kind", i);
    if ((unsigned)l->measure >= BEHAVIOR_MEASURES)
        return errmsg_set(err, errlen, "limits[%zu]: unknown measure", i);
    if (!behavior_bucket_spec_is_valid(&spec))
        return errmsg_set(err, errlen,
                          "limits[%zu]: amount and burst must be 1..1000000000, per 1 ms..31 days",
                          i);
    if (l->action != BEHAVIOR_DEFER && l->action != BEHAVIOR_REFUSE)
        return errmsg_set(err, errlen, "limits[%zu].action: defer or refuse", i);
    if (l->name != NULL && !is_limit_name(l->name))
        return errmsg_set(err, errlen, "limits[%zu].name: 1..64 of A-Z a-z 0-9 _ . -", i);
    return 0;
}

int
behavior_config_check(const struct behavior_config *c, char *err, size_t errlen)
{
    unsigned per_kind[BEHAVIOR_KINDS] = {0};

    if (c->nlimits > BEHAVIOR_LIMITS_MAX)
        return errmsg_set(err, errlen, "limits: at most %d", BEHAVIOR_LIMITS_MAX);
    for (size_t i = 0; i < c->nlimits; i++) {
        if (check_limit(&c->limits[i], i, err, errlen) != 0)
            return -1;
        if (++per_kind[c->limits[i].kind] > BEHAVIOR_KIND_LIMITS_MAX)
            return errmsg_set(err, errlen, "limits: at most %d for key %s",
                              BEHAVIOR_KIND_LIMITS_MAX, behavior_kind_name(c->limits[i].kind));
    }
    if (!(c->spike_deviations > 0 && c->spike_deviations <= 100))
        return errmsg_set(err, errlen, "spikes.deviations: more than 0, at most 100");
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        if (!(c->spike_min_per_hour[m] >= 0 && isfinite(c->spike_min_per_hour[m])))
            return errmsg_set(err, errlen, "spikes: minimum %s per hour must be >= 0",
                              behavior_measure_name(m));
    if (c->spike_window_min < 1 || c->spike_window_min > 60)
        return errmsg_set(err, errlen, "spikes.window: 1 to 60 minutes");
    if (c->spike_warmup_ms > 366 * DAY_MS || c->first_seen_learning_ms > 366 * DAY_MS)
        return errmsg_set(err, errlen, "spikes.warmup and first_seen.learning: at most 366 days");
    if (c->utc_offset_min < -840 || c->utc_offset_min > 840)
        return errmsg_set(err, errlen, "utc offset: -14h to +14h");
    if (c->on_state_unavailable != BEHAVIOR_ACCEPT && c->on_state_unavailable != BEHAVIOR_DEFER)
        return errmsg_set(err, errlen, "on_state_unavailable: accept or defer");
    if (c->bounds.max_keys < 1 || c->bounds.max_keys > 10000000 || c->bounds.max_subjects < 1 ||
        c->bounds.max_subjects > 10000000 || c->bounds.max_values < 1 ||
        c->bounds.max_values > 1000000)
        return errmsg_set(err, errlen, "bounds: keys and subjects 1..10000000, values 1..1000000");
    return 0;
}

/* setup_limits - copy the limits, name the unnamed ones and give each its bucket slot */
static void
setup_limits(struct behavior *b, const struct behavior_config *c)
{
    unsigned per_kind[BEHAVIOR_KINDS] = {0};

    for (size_t i = 0; i < c->nlimits; i++) {
        const struct behavior_limit *l = &c->limits[i];
        struct limit_rt *r = &b->lim[b->nlim++];

        if (l->name != NULL)
            snprintf(r->name, sizeof r->name, "%s", l->name);
        else
            snprintf(r->name, sizeof r->name, "%s_%s", behavior_kind_name(l->kind),
                     behavior_measure_name(l->measure));
        r->identity = l->identity && l->identity[0] ? xstrdup(l->identity) : NULL;
        r->kind = l->kind;
        r->measure = l->measure;
        r->spec =
            (struct behavior_bucket_spec){l->amount, l->per_ms, l->burst ? l->burst : l->amount};
        r->action = l->action;
        r->slot = per_kind[l->kind]++;
    }
}

struct behavior *
behavior_new(const struct behavior_config *c, const struct behavior_store *store, char *err,
             size_t errlen)
{
    struct behavior *b;

    if (behavior_config_check(c, err, errlen) != 0)
        return NULL;
    b = xcalloc(1, sizeof *b);
    b->fs_cache = xcalloc(FS_CACHE_SLOTS, sizeof *b->fs_cache);
    b->cfg = *c;
    b->cfg.limits = NULL;
    b->cfg.nlimits = 0;
    setup_limits(b, c);
    for (int m = 0; m < BEHAVIOR_MEASURES; m++) {
        b->spike[m] = (struct behavior_spike_params){
            .deviations = c->spike_deviations,
            .min_per_hour = c->spike_min_per_hour[m],
            .warmup_ms = c->spike_warmup_ms,
            .window_min = c->spike_window_min,
            .utc_offset_min = c->utc_offset_min,
            .is_bytes = m == BEHAVIOR_MEASURE_BYTES,
        };
    }
    if (store != NULL) {
        b->store = *store;
    } else {
        b->mem = behavior_mem_new(&c->bounds, &c->seed, &c->seed);
        behavior_mem_store(b->mem, &b->store);
    }
    return b;
}

struct behavior *
behavior_free(struct behavior *b)
{
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < b->nlim; i++)
        free(b->lim[i].identity);
    if (b->mem != NULL)
        behavior_mem_free(b->mem);
    else if (b->store.ops && b->store.ops->free)
        b->store.ops->free(b->store.ctx);
    free(b->fs_cache);
    free(b);
    return NULL;
}

static bool
present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* add_key - one key of the transaction, counting add */
static void
add_key(struct txn_key *keys, size_t *n, enum behavior_kind kind, const char *text, size_t len,
        const struct behavior_counts *add)
{
    if (*n < TXN_KEYS_MAX && behavior_key_set(&keys[*n].key, kind, text, len)) {
        keys[*n].add = *add;
        (*n)++;
    }
}

/* add_rcpt_domains - one key per distinct recipient domain, counting its recipients */
static void
add_rcpt_domains(const struct behavior_txn *t, struct txn_key *keys, size_t *n)
{
    size_t first = *n;

    for (size_t i = 0; i < t->nrcpts; i++) {
        size_t len;
        const char *d = behavior_domain_of(t->rcpts[i], &len);
        struct behavior_key k;
        size_t j;

        if (d == NULL || !behavior_key_set(&k, BEHAVIOR_KIND_RCPT_DOMAIN, d, len))
            continue;
        for (j = first; j < *n; j++)
            if (keys[j].key.len == k.len && memcmp(keys[j].key.text, k.text, k.len) == 0)
                break;
        if (j < *n) {
            keys[j].add.v[BEHAVIOR_MEASURE_RECIPIENTS]++;
        } else if (*n - first < BEHAVIOR_TXN_DOMAINS_MAX && *n < TXN_KEYS_MAX) {
            keys[*n].key = k;
            keys[*n].add = (struct behavior_counts){{1, 1, t->size}};
            (*n)++;
        }
    }
}

/* txn_keys - the keys a transaction counts for, each with its counts */
static size_t
txn_keys(const struct behavior_txn *t, struct txn_key *keys)
{
    struct behavior_counts add = {{1, t->nrcpts, t->size}};
    size_t n = 0, len;
    const char *dom;

    if (present(t->identity))
        add_key(keys, &n, BEHAVIOR_KIND_IDENTITY, t->identity, strlen(t->identity), &add);
    if (present(t->client_addr))
        add_key(keys, &n, BEHAVIOR_KIND_CLIENT, t->client_addr, strlen(t->client_addr), &add);
    if (present(t->auth_user))
        add_key(keys, &n, BEHAVIOR_KIND_AUTH_USER, t->auth_user, strlen(t->auth_user), &add);
    if (present(t->mail_from)) {
        add_key(keys, &n, BEHAVIOR_KIND_SENDER, t->mail_from, strlen(t->mail_from), &add);
        if ((dom = behavior_domain_of(t->mail_from, &len)) != NULL)
            add_key(keys, &n, BEHAVIOR_KIND_SENDER_DOMAIN, dom, len, &add);
    }
    if (present(t->dest_server))
        add_key(keys, &n, BEHAVIOR_KIND_DEST_SERVER, t->dest_server, strlen(t->dest_server), &add);
    if (present(t->tenant))
        add_key(keys, &n, BEHAVIOR_KIND_TENANT, t->tenant, strlen(t->tenant), &add);
    if (t->rcpts != NULL)
        add_rcpt_domains(t, keys, &n);
    return n;
}

static bool
limit_applies(const struct limit_rt *l, const struct behavior_txn *t, const struct txn_key *k)
{
    if (l->kind != k->key.kind || k->add.v[l->measure] == 0)
        return false;
    return l->identity == NULL || (t->identity != NULL && strcmp(l->identity, t->identity) == 0);
}

/* set_unavailable - the store failed: the configured fallback */
static void
set_unavailable(const struct behavior *b, struct behavior_result *r)
{
    r->state_unavailable = true;
    if (b->cfg.on_state_unavailable == BEHAVIOR_DEFER && r->action == BEHAVIOR_ACCEPT) {
        r->action = BEHAVIOR_DEFER;
        snprintf(r->reply, sizeof r->reply,
                 "451 4.3.0 Rate limit state unavailable, try again later");
    }
}

/* refuse_by - r takes the action of limit l, which k has exhausted */
static void
refuse_by(struct behavior_result *r, const struct limit_rt *l, const struct txn_key *k,
          uint64_t retry_ms)
{
    r->action = l->action;
    snprintf(r->limit, sizeof r->limit, "%s", l->name);
    r->limit_kind = l->kind;
    memcpy(r->limit_key, k->key.text, k->key.len + 1);
    r->limit_measure = l->measure;
    r->limit_amount = l->spec.amount;
    r->limit_per_ms = l->spec.per_ms;
    r->retry_ms = retry_ms;
    if (l->action == BEHAVIOR_REFUSE)
        snprintf(r->reply, sizeof r->reply, "550 5.7.1 Rate limit %s exceeded", l->name);
    else
        snprintf(r->reply, sizeof r->reply, "451 4.7.1 Rate limit %s exceeded, try again later",
                 l->name);
}

/* apply_limits - ask every applicable bucket; charge them all only when all have the tokens.
 * A REFUSE limit decides over a DEFER one; between equals, the first configured. */
static void
apply_limits(struct behavior *b, const struct behavior_txn *t, const struct txn_key *keys,
             size_t nkeys, uint64_t now, bool charge, struct behavior_result *r)
{
    const struct behavior_store_ops *ops = b->store.ops;
    bool blocked = false;

    for (int pass = 0; pass < (charge ? 2 : 1) && !blocked; pass++) {
        for (size_t i = 0; i < nkeys; i++) {
            for (size_t j = 0; j < b->nlim; j++) {
                const struct limit_rt *l = &b->lim[j];
                bool taken = false;
                uint64_t retry = 0;

                if (!limit_applies(l, t, &keys[i]))
                    continue;
                if (ops->bucket_take(b->store.ctx, &keys[i].key, l->slot, &l->spec,
                                     keys[i].add.v[l->measure], now, pass == 1, &taken,
                                     &retry) != 0) {
                    set_unavailable(b, r);
                    return;
                }
                if (!taken && pass == 0 &&
                    (!blocked || (l->action == BEHAVIOR_REFUSE && r->action != l->action))) {
                    refuse_by(r, l, &keys[i], retry);
                    blocked = true;
                }
            }
        }
    }
}

static struct behavior_alert *
new_alert(struct behavior_result *r, enum behavior_alert_type type)
{
    struct behavior_alert *a;

    if (r->nalerts >= BEHAVIOR_ALERTS_MAX) {
        r->alerts_dropped++;
        return NULL;
    }
    a = &r->alerts[r->nalerts++];
    memset(a, 0, sizeof *a);
    a->type = type;
    return a;
}

/* count_keys - count each key and turn its new spikes into alerts */
static void
count_keys(struct behavior *b, const struct txn_key *keys, size_t nkeys, uint64_t now,
           struct behavior_result *r)
{
    for (size_t i = 0; i < nkeys; i++) {
        struct behavior_key_report rep;

        memset(&rep, 0, sizeof rep);
        if (b->store.ops->key_observe(b->store.ctx, &keys[i].key, now, &keys[i].add, b->spike,
                                      &rep) != 0) {
            set_unavailable(b, r);
            return;
        }
        for (int m = 0; m < BEHAVIOR_MEASURES; m++) {
            struct behavior_alert *a;
            if (!rep.alert[m] || (a = new_alert(r, BEHAVIOR_ALERT_SPIKE)) == NULL)
                continue;
            a->kind = keys[i].key.kind;
            a->measure = m;
            a->spike = rep.spike[m];
            memcpy(a->key, keys[i].key.text, keys[i].key.len + 1);
        }
    }
}

/* first_seen - one relation's value for a subject; an alert when it is new after learning */
static void
first_seen(struct behavior *b, enum behavior_relation rel, const char *subject, const char *value,
           uint64_t now, struct behavior_result *r)
{
    struct behavior_key s, v;
    enum behavior_fs_outcome o;
    struct behavior_alert *a;

    if (!(b->cfg.first_seen_relations & (1u << rel)) || !present(value) || r->state_unavailable)
        return;
    behavior_key_set(&s, BEHAVIOR_KIND_CLIENT, subject, strlen(subject));
    if (!behavior_key_set(&v, BEHAVIOR_KIND_CLIENT, value, strlen(value)))
        return;
    if (b->store.ops->first_seen_add(b->store.ctx, rel, s.text, s.len, v.text, v.len, now,
                                     b->cfg.first_seen_learning_ms, &o) != 0) {
        set_unavailable(b, r);
        return;
    }
    if (o != BEHAVIOR_FS_NEW || (a = new_alert(r, BEHAVIOR_ALERT_FIRST_SEEN)) == NULL)
        return;
    a->relation = rel;
    memcpy(a->key, s.text, s.len + 1);
    memcpy(a->value, v.text, v.len + 1);
}

/* first_seen_all - every relation the transaction's facts give */
static void
first_seen_all(struct behavior *b, const struct behavior_txn *t, const struct txn_key *keys,
               size_t nkeys, uint64_t now, struct behavior_result *r)
{
    if (present(t->client_addr)) {
        first_seen(b, BEHAVIOR_REL_SMTP_HOST, "", t->client_addr, now, r);
        first_seen(b, BEHAVIOR_REL_HOST_DEST, t->client_addr, t->dest_server, now, r);
        first_seen(b, BEHAVIOR_REL_HOST_AUTH_USER, t->client_addr, t->auth_user, now, r);
    }
    if (present(t->identity))
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].key.kind == BEHAVIOR_KIND_RCPT_DOMAIN)
                first_seen(b, BEHAVIOR_REL_IDENTITY_RCPT, t->identity, keys[i].key.text, now, r);
}

enum behavior_action
behavior_observe(struct behavior *b, const struct behavior_txn *t, uint64_t now_ms,
                 struct behavior_result *r)
{
    struct txn_key keys[TXN_KEYS_MAX];
    size_t nkeys = txn_keys(t, keys);
    uint64_t now = now_ms > TIME_MAX ? TIME_MAX : now_ms;

    memset(r, 0, sizeof *r);
    r->action = BEHAVIOR_ACCEPT;
    /* after a store failure the rest of the transaction leaves the store alone: a server that
     * is down would only make each call wait for its own timeout */
    apply_limits(b, t, keys, nkeys, now, true, r);
    if (!r->state_unavailable)
        count_keys(b, keys, nkeys, now, r);
    if (!r->state_unavailable)
        first_seen_all(b, t, keys, nkeys, now, r);
    return r->action;
}

enum behavior_action
behavior_check_limits(struct behavior *b, const struct behavior_txn *t, uint64_t now_ms,
                      struct behavior_result *r)
{
    struct txn_key keys[TXN_KEYS_MAX];
    size_t nkeys = txn_keys(t, keys);

    memset(r, 0, sizeof *r);
    r->action = BEHAVIOR_ACCEPT;
    apply_limits(b, t, keys, nkeys, now_ms > TIME_MAX ? TIME_MAX : now_ms, false, r);
    return r->action;
}

size_t
behavior_plan_limits(const struct behavior *b, const struct behavior_txn *t,
                     struct behavior_plan *p)
{
    struct txn_key keys[TXN_KEYS_MAX];
    size_t nkeys = txn_keys(t, keys);

    p->n = 0;
    for (size_t i = 0; i < nkeys; i++) {
        for (size_t j = 0; j < b->nlim; j++) {
            const struct limit_rt *l = &b->lim[j];
            struct behavior_take *k;

            if (!limit_applies(l, t, &keys[i]) || p->n >= BEHAVIOR_TAKES_MAX)
                continue;
            k = &p->takes[p->n++];
            k->limit = j;
            k->name = l->name;
            k->identity = l->identity;
            k->key = keys[i].key;
            k->spec = l->spec;
            k->cost = keys[i].add.v[l->measure];
        }
    }
    return p->n;
}

/* decided_limits - the deciding limit among the takes that lacked tokens, by the rule of
 * apply_limits: a REFUSE limit over a DEFER one, between equals the first */
static void
decided_limits(const struct behavior *b, const struct behavior_plan *p, const uint64_t *retry,
               struct behavior_result *r)
{
    bool blocked = false;

    for (size_t i = 0; i < p->n; i++) {
        const struct limit_rt *l = &b->lim[p->takes[i].limit];
        struct txn_key k;

        if (retry[i] == 0)
            continue;
        if (!blocked || (l->action == BEHAVIOR_REFUSE && r->action != l->action)) {
            k.key = p->takes[i].key;
            refuse_by(r, l, &k, retry[i]);
            blocked = true;
        }
    }
}

enum behavior_action
behavior_observe_decided(struct behavior *b, const struct behavior_txn *t, uint64_t now_ms,
                         const struct behavior_plan *p, const uint64_t *retry,
                         struct behavior_result *r)
{
    struct txn_key keys[TXN_KEYS_MAX];
    size_t nkeys = txn_keys(t, keys);
    uint64_t now = now_ms > TIME_MAX ? TIME_MAX : now_ms;

    memset(r, 0, sizeof *r);
    r->action = BEHAVIOR_ACCEPT;
    if (retry != NULL)
        decided_limits(b, p, retry, r);
    /* the engine's own store still counts: a shared store that is down costs the limits,
     * not the baselines and first-seen sets of this process */
    count_keys(b, keys, nkeys, now, r);
    first_seen_all(b, t, keys, nkeys, now, r);
    if (retry == NULL)
        set_unavailable(b, r);
    return r->action;
}

int
behavior_save(const struct behavior *b, const char *path, uint64_t now_ms, char *err, size_t errlen)
{
    if (b->mem == NULL)
        return errmsg_set(err, errlen, "%s: the state is not embedded", path);
    return behavior_store_sqlite_save(b->mem, path, now_ms, err, errlen);
}

int
behavior_load(struct behavior *b, const char *path, char *err, size_t errlen)
{
    struct behavior_mem *m;

    if (b->mem == NULL)
        return errmsg_set(err, errlen, "%s: the state is not embedded", path);
    if (behavior_store_sqlite_load(path, &b->cfg.bounds, &b->cfg.seed, &m, err, errlen) != 0)
        return -1;
    behavior_mem_free(b->mem);
    b->mem = m;
    behavior_mem_store(b->mem, &b->store);
    return 0;
}

int
behavior_key_sums(struct behavior *b, enum behavior_kind kind, const char *text, uint64_t now_ms,
                  struct behavior_counts out[BEHAVIOR_SPANS])
{
    struct behavior_key k;

    memset(out, 0, BEHAVIOR_SPANS * sizeof out[0]);
    if ((unsigned)kind >= BEHAVIOR_KINDS || text == NULL ||
        !behavior_key_set(&k, kind, text, strlen(text)))
        return 0;
    return b->store.ops->key_sums(b->store.ctx, &k, now_ms > TIME_MAX ? TIME_MAX : now_ms, out);
}

void
behavior_get_stats(const struct behavior *b, struct behavior_stats *out)
{
    memset(out, 0, sizeof *out);
    if (b->mem == NULL)
        return;
    for (int k = 0; k < BEHAVIOR_KINDS; k++)
        out->keys[k] = behavior_mem_key_count(b->mem, k);
    for (int rel = 0; rel < BEHAVIOR_RELATIONS; rel++)
        out->subjects[rel] = behavior_mem_subject_count(b->mem, rel);
    out->shed = behavior_mem_shed(b->mem);
}

/* shared_thresholds - the spike thresholds this engine has learned for a key, for the shared
 * store to decide on the cluster-wide rate (-1 where the key may not alert yet) */
static void
shared_thresholds(struct behavior *b, struct behavior_shared_count *c, uint64_t now)
{
    struct behavior_mem_key *k = behavior_mem_key(b->mem, &c->key, false);

    for (int m = 0; m < BEHAVIOR_MEASURES; m++) {
        const struct behavior_spike_params *prm = &b->spike[m];
        const struct behavior_baseline *bl;
        struct behavior_spike s;

        c->threshold[m] = -1;
        c->rearm[m] = 0;
        if (k == NULL)
            continue;
        bl = &k->baseline[m];
        behavior_baseline_expect(bl, prm, now, &s);
        c->rearm[m] = s.expected + prm->deviations / 2.0 * s.sd;
        if (prm->min_per_hour > 0 && bl->hour >= 0 && now >= bl->first_ms &&
            now - bl->first_ms >= prm->warmup_ms && bl->hours > 0)
            c->threshold[m] = s.threshold;
    }
}

/* fs_cache_hash - the cache's hash of (relation, subject, value), never 0 */
static uint64_t
fs_cache_hash(const struct behavior *b, enum behavior_relation rel, const struct behavior_key *s,
              const struct behavior_key *v)
{
    struct behavior_hash_key k = b->cfg.seed;

    k.k0 ^= (uint64_t)rel * 0x9e3779b97f4a7c15ull;
    k.k1 ^= behavior_hash(&b->cfg.seed, s->text, s->len);
    uint64_t h = behavior_hash(&k, v->text, v->len);
    return h ? h : 1;
}

/* shared_fs - one first-seen value for the shared store, as first_seen() would add it, unless
 * the shared set confirmed it lately */
static void
shared_fs(struct behavior *b, struct behavior_shared_plan *p, enum behavior_relation rel,
          const char *subject, const char *value)
{
    struct behavior_shared_fs *f;

    if (!(b->cfg.first_seen_relations & (1u << rel)) || !present(value) ||
        p->nfs >= BEHAVIOR_SHARED_FS_MAX)
        return;
    struct behavior_key sk, vk;
    behavior_key_set(&sk, BEHAVIOR_KIND_CLIENT, subject, strlen(subject)); /* "" for smtp_host */
    if (!behavior_key_set(&vk, BEHAVIOR_KIND_CLIENT, value, strlen(value)))
        return;
    uint64_t h = fs_cache_hash(b, rel, &sk, &vk);
    const struct fs_cache_slot *c = &b->fs_cache[h % FS_CACHE_SLOTS];
    if (c->hash == h && p->now_ms < c->until_ms)
        return;
    f = &p->fs[p->nfs];
    behavior_key_set(&f->subject, BEHAVIOR_KIND_CLIENT, subject, strlen(subject));
    if (!behavior_key_set(&f->value, BEHAVIOR_KIND_CLIENT, value, strlen(value)))
        return;
    f->rel = rel;
    f->max_values = behavior_mem_max_values(b->mem, rel);
    p->nfs++;
}

size_t
behavior_plan_shared(struct behavior *b, const struct behavior_txn *t, uint64_t now_ms,
                     struct behavior_shared_plan *p)
{
    struct txn_key keys[TXN_KEYS_MAX];
    size_t nkeys = txn_keys(t, keys);
    uint64_t now = now_ms > TIME_MAX ? TIME_MAX : now_ms;
    int64_t local = (int64_t)now + (int64_t)b->cfg.utc_offset_min * 60000;

    p->now_ms = now;
    p->minute = (int64_t)(now / 60000);
    p->hour = (local < 0 ? 0 : local) / 3600000;
    p->window_min = b->cfg.spike_window_min;
    p->learning_ms = b->cfg.first_seen_learning_ms;
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        p->min_per_hour[m] = b->cfg.spike_min_per_hour[m];
    p->ncounts = 0;
    p->nfs = 0;
    if (b->mem == NULL)
        return 0;
    for (size_t i = 0; i < nkeys && p->ncounts < BEHAVIOR_SHARED_KEYS_MAX; i++) {
        struct behavior_shared_count *c = &p->counts[p->ncounts++];
        c->key = keys[i].key;
        c->add = keys[i].add;
        shared_thresholds(b, c, now);
    }
    if (present(t->client_addr)) {
        shared_fs(b, p, BEHAVIOR_REL_SMTP_HOST, "", t->client_addr);
        shared_fs(b, p, BEHAVIOR_REL_HOST_DEST, t->client_addr, t->dest_server);
        shared_fs(b, p, BEHAVIOR_REL_HOST_AUTH_USER, t->client_addr, t->auth_user);
    }
    if (present(t->identity))
        for (size_t i = 0; i < nkeys; i++)
            if (keys[i].key.kind == BEHAVIOR_KIND_RCPT_DOMAIN)
                shared_fs(b, p, BEHAVIOR_REL_IDENTITY_RCPT, t->identity, keys[i].key.text);
    return p->ncounts + p->nfs;
}

/* shared_count_apply - one key's shared answer into this engine: the local window counts the
 * transaction (for key_sums and a later fallback), each baseline takes the cluster's hourly
 * totals in place of its own, and a spike the shared store granted becomes an alert */
static void
shared_count_apply(struct behavior *b, const struct behavior_shared_plan *sp,
                   const struct behavior_shared_count *c,
                   const struct behavior_shared_key_answer *a, struct behavior_result *r)
{
    struct behavior_mem_key *k = behavior_mem_key(b->mem, &c->key, true);
    uint64_t now = sp->now_ms;
    uint64_t first = a->first_ms != 0 && a->first_ms <= now ? a->first_ms : now;
    unsigned w = sp->window_min ? sp->window_min : 1;

    if (k->first_ms == 0 || first < k->first_ms)
        k->first_ms = first ? first : 1;
    if (now > k->last_ms)
        k->last_ms = now;
    behavior_window_add(&k->window, now, &c->add);
    for (int m = 0; m < BEHAVIOR_MEASURES; m++) {
        struct behavior_baseline *bl = &k->baseline[m];
        struct behavior_alert *al;

        /* the hour that ends folds the cluster's total, not this engine's share of it */
        if (bl->hour >= 0 && bl->hour == sp->hour - 1)
            bl->hour_count = (double)a->prev[m];
        behavior_baseline_add(bl, &b->spike[m], now, 0);
        if (bl->hour == sp->hour)
            bl->hour_count = (double)a->hour[m];
        if (first < bl->first_ms)
            bl->first_ms = first ? first : 1;
        if (!(a->alert & (1u << m)) || (al = new_alert(r, BEHAVIOR_ALERT_SPIKE)) == NULL)
            continue;
        bl->alerting = true;
        behavior_baseline_expect(bl, &b->spike[m], now, &al->spike);
        al->spike.current = (double)a->recent[m] * 60.0 / w;
        al->kind = c->key.kind;
        al->measure = m;
        memcpy(al->key, c->key.text, c->key.len + 1);
    }
}

enum behavior_action
behavior_observe_shared(struct behavior *b, const struct behavior_txn *t,
                        const struct behavior_plan *p, const uint64_t *retry,
                        const struct behavior_shared_plan *sp,
                        const struct behavior_shared_answer *a, struct behavior_result *r)
{
    if (a == NULL || retry == NULL || b->mem == NULL)
        return behavior_observe_decided(b, t, sp->now_ms, p, retry, r);
    memset(r, 0, sizeof *r);
    r->action = BEHAVIOR_ACCEPT;
    decided_limits(b, p, retry, r);
    for (size_t i = 0; i < sp->ncounts; i++)
        shared_count_apply(b, sp, &sp->counts[i], &a->counts[i], r);
    for (size_t i = 0; i < sp->nfs; i++) {
        const struct behavior_shared_fs *f = &sp->fs[i];
        struct behavior_alert *al;

        if (a->fs[i] == BEHAVIOR_FS_KNOWN || a->fs[i] == BEHAVIOR_FS_NEW ||
            a->fs[i] == BEHAVIOR_FS_LEARNING) { /* in the shared set now: do not ask again */
            uint64_t h = fs_cache_hash(b, f->rel, &f->subject, &f->value);
            b->fs_cache[h % FS_CACHE_SLOTS] =
                (struct fs_cache_slot){.hash = h, .until_ms = sp->now_ms + FS_CACHE_TTL_MS};
        }
        if (a->fs[i] != BEHAVIOR_FS_NEW || (al = new_alert(r, BEHAVIOR_ALERT_FIRST_SEEN)) == NULL)
            continue;
        al->relation = f->rel;
        memcpy(al->key, f->subject.text, f->subject.len + 1);
        memcpy(al->value, f->value.text, f->value.len + 1);
    }
    return r->action;
}
