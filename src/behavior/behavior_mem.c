/* behavior_mem - the embedded store: bounded LRU tables of key state and first-seen sets. */
#include "behavior/behavior_mem.h"

#include <stdlib.h>
#include <string.h>

#include "behavior/behavior_table.h"
#include "util/mem.h"

struct behavior_mem {
    struct behavior_mem_limits lim;
    struct behavior_hash_key fs_seed;
    struct behavior_table *keys[BEHAVIOR_KINDS];
    struct behavior_table *subjects[BEHAVIOR_RELATIONS];
};

static void
release_subject(void *value)
{
    behavior_fs_set_release(value);
}

struct behavior_mem *
behavior_mem_new(const struct behavior_mem_limits *lim, const struct behavior_hash_key *seed,
                 const struct behavior_hash_key *fs_seed)
{
    struct behavior_mem *m = xcalloc(1, sizeof *m);

    m->lim = *lim;
    m->fs_seed = *fs_seed;
    for (int k = 0; k < BEHAVIOR_KINDS; k++)
        m->keys[k] = behavior_table_new(lim->max_keys, sizeof(struct behavior_mem_key), NULL, seed);
    for (int r = 0; r < BEHAVIOR_RELATIONS; r++)
        m->subjects[r] = behavior_table_new(lim->max_subjects, sizeof(struct behavior_fs_set),
                                            release_subject, seed);
    return m;
}

struct behavior_mem *
behavior_mem_free(struct behavior_mem *m)
{
    if (m == NULL)
        return NULL;
    for (int k = 0; k < BEHAVIOR_KINDS; k++)
        behavior_table_free(m->keys[k]);
    for (int r = 0; r < BEHAVIOR_RELATIONS; r++)
        behavior_table_free(m->subjects[r]);
    free(m);
    return NULL;
}

const struct behavior_mem_limits *
behavior_mem_get_limits(const struct behavior_mem *m)
{
    return &m->lim;
}

const struct behavior_hash_key *
behavior_mem_fs_seed(const struct behavior_mem *m)
{
    return &m->fs_seed;
}

uint32_t
behavior_mem_max_values(const struct behavior_mem *m, enum behavior_relation rel)
{
    if (rel == BEHAVIOR_REL_SMTP_HOST)
        return m->lim.max_subjects > UINT32_MAX ? UINT32_MAX : (uint32_t)m->lim.max_subjects;
    return m->lim.max_values;
}

size_t
behavior_mem_key_count(const struct behavior_mem *m, enum behavior_kind kind)
{
    return behavior_table_count(m->keys[kind]);
}

size_t
behavior_mem_subject_count(const struct behavior_mem *m, enum behavior_relation rel)
{
    return behavior_table_count(m->subjects[rel]);
}

uint64_t
behavior_mem_shed(const struct behavior_mem *m)
{
    uint64_t n = 0;
    for (int k = 0; k < BEHAVIOR_KINDS; k++)
        n += behavior_table_shed(m->keys[k]);
    for (int r = 0; r < BEHAVIOR_RELATIONS; r++)
        n += behavior_table_shed(m->subjects[r]);
    return n;
}

/* behavior_mem_key - find or create a key's state (a new one has empty windows/baselines) */
struct behavior_mem_key *
behavior_mem_key(struct behavior_mem *m, const struct behavior_key *key, bool create)
{
    struct behavior_mem_key *k;
    bool created = false;

    if (!create)
        return behavior_table_peek(m->keys[key->kind], key->text, key->len);
    k = behavior_table_get(m->keys[key->kind], key->text, key->len, &created);
    if (created) {
        behavior_window_init(&k->window);
        for (int i = 0; i < BEHAVIOR_MEASURES; i++)
            behavior_baseline_init(&k->baseline[i]);
    }
    return k;
}

struct behavior_fs_set *
behavior_mem_subject(struct behavior_mem *m, enum behavior_relation rel, const char *subject,
                     size_t len, bool create)
{
    if (!create)
        return behavior_table_peek(m->subjects[rel], subject, len);
    return behavior_table_get(m->subjects[rel], subject, len, NULL);
}

struct key_walk {
    int (*fn)(const char *key, size_t len, struct behavior_mem_key *k, void *ctx);
    void *ctx;
};

static int
key_walk_one(const char *key, size_t len, void *value, void *ctx)
{
    struct key_walk *w = ctx;
    return w->fn(key, len, value, w->ctx);
}

int
behavior_mem_each_key(const struct behavior_mem *m, enum behavior_kind kind,
                      int (*fn)(const char *key, size_t len, struct behavior_mem_key *k, void *ctx),
                      void *ctx)
{
    struct key_walk w = {fn, ctx};
    return behavior_table_each(m->keys[kind], key_walk_one, &w);
}

struct subject_walk {
    int (*fn)(const char *subject, size_t len, struct behavior_fs_set *s, void *ctx);
    void *ctx;
};

static int
subject_walk_one(const char *key, size_t len, void *value, void *ctx)
{
    struct subject_walk *w = ctx;
    return w->fn(key, len, value, w->ctx);
}

int
behavior_mem_each_subject(const struct behavior_mem *m, enum behavior_relation rel,
                          int (*fn)(const char *subject, size_t len, struct behavior_fs_set *s,
                                    void *ctx),
                          void *ctx)
{
    struct subject_walk w = {fn, ctx};
    return behavior_table_each(m->subjects[rel], subject_walk_one, &w);
}

/* mem_key_observe - count into the windows and baselines, then decide on spikes */
static int
mem_key_observe(void *ctx, const struct behavior_key *key, uint64_t now_ms,
                const struct behavior_counts *add,
                const struct behavior_spike_params params[BEHAVIOR_MEASURES],
                struct behavior_key_report *out)
{
    struct behavior_mem_key *k = behavior_mem_key(ctx, key, true);
    unsigned wmin = params[0].window_min;

    if (k->first_ms == 0)
        k->first_ms = now_ms ? now_ms : 1;
    if (now_ms > k->last_ms)
        k->last_ms = now_ms;
    behavior_window_add(&k->window, now_ms, add);
    behavior_window_recent(&k->window, wmin, now_ms, &out->recent);
    for (int i = 0; i < BEHAVIOR_MEASURES; i++) {
        double rate = (double)out->recent.v[i] * 60.0 / (wmin ? wmin : 1);
        behavior_baseline_add(&k->baseline[i], &params[i], now_ms, (double)add->v[i]);
        out->alert[i] =
            behavior_baseline_check(&k->baseline[i], &params[i], now_ms, rate, &out->spike[i]);
    }
    out->first_ms = k->first_ms;
    return 0;
}

static int
mem_bucket_take(void *ctx, const struct behavior_key *key, unsigned slot,
                const struct behavior_bucket_spec *spec, uint64_t cost, uint64_t now_ms,
                bool commit, bool *taken, uint64_t *retry_ms)
{
    struct behavior_mem_key *k = behavior_mem_key(ctx, key, true);

    if (slot >= BEHAVIOR_KIND_LIMITS_MAX)
        return -1;
    *taken = behavior_bucket_take(&k->buckets[slot], spec, cost, now_ms, commit, retry_ms);
    return 0;
}

static int
mem_first_seen_add(void *ctx, enum behavior_relation rel, const char *subject, size_t subject_len,
                   const char *value, size_t value_len, uint64_t now_ms, uint64_t learning_ms,
                   enum behavior_fs_outcome *out)
{
    struct behavior_mem *m = ctx;
    struct behavior_fs_set *s = behavior_mem_subject(m, rel, subject, subject_len, true);
    uint64_t h = behavior_hash(&m->fs_seed, value, value_len);

    *out = behavior_fs_set_add(s, h, now_ms, learning_ms, behavior_mem_max_values(m, rel));
    return 0;
}

static int
mem_key_sums(void *ctx, const struct behavior_key *key, uint64_t now_ms,
             struct behavior_counts out[BEHAVIOR_SPANS])
{
    struct behavior_mem_key *k = behavior_mem_key(ctx, key, false);

    for (int s = 0; s < BEHAVIOR_SPANS; s++) {
        if (k != NULL)
            behavior_window_sum(&k->window, s, now_ms, &out[s]);
        else
            memset(&out[s], 0, sizeof out[s]);
    }
    return 0;
}

static void
mem_free(void *ctx)
{
}

static const struct behavior_store_ops mem_ops = {
    .key_observe = mem_key_observe,
    .bucket_take = mem_bucket_take,
    .first_seen_add = mem_first_seen_add,
    .key_sums = mem_key_sums,
    .free = mem_free,
};

void
behavior_mem_store(struct behavior_mem *m, struct behavior_store *out)
{
    out->ops = &mem_ops;
    out->ctx = m;
}
