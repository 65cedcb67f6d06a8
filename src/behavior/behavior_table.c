/* behavior_table - bounded LRU hash table: chained buckets plus one doubly linked age list. */
#include "behavior/behavior_table.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct entry {
    struct entry *chain; /* next in the bucket */
    struct entry *newer, *older;
    uint64_t hash;
    size_t len;
    alignas(max_align_t) unsigned char data[]; /* value, then key + NUL */
};

struct behavior_table {
    struct entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count, max;
    size_t value_size; /* rounded up to the alignment of max_align_t */
    struct entry *newest, *oldest;
    uint64_t shed;
    void (*release)(void *value);
    struct behavior_hash_key seed;
};

struct behavior_table *
behavior_table_new(size_t max_entries, size_t value_size, void (*release)(void *value),
                   const struct behavior_hash_key *seed)
{
    struct behavior_table *t = xcalloc(1, sizeof *t);
    size_t a = alignof(max_align_t);

    t->max = max_entries ? max_entries : 1;
    t->value_size = (value_size + a - 1) / a * a;
    t->release = release;
    t->seed = *seed;
    t->nbuckets = 16;
    t->buckets = xcalloc(t->nbuckets, sizeof t->buckets[0]);
    return t;
}

static void
entry_free(struct behavior_table *t, struct entry *e)
{
    if (t->release)
        t->release(e->data);
    free(e);
}

struct behavior_table *
behavior_table_free(struct behavior_table *t)
{
    if (t == NULL)
        return NULL;
    for (struct entry *e = t->oldest, *next; e != NULL; e = next) {
        next = e->newer;
        entry_free(t, e);
    }
    free(t->buckets);
    free(t);
    return NULL;
}

static inline const char *
entry_key(const struct behavior_table *t, const struct entry *e)
{
    return (const char *)e->data + t->value_size;
}

static struct entry **
find_link(const struct behavior_table *t, const char *key, size_t len, uint64_t h)
{
    struct entry **link = &t->buckets[h & (t->nbuckets - 1)];

    for (; *link != NULL; link = &(*link)->chain)
        if ((*link)->hash == h && (*link)->len == len && memcmp(entry_key(t, *link), key, len) == 0)
            break;
    return link;
}

static void
age_unlink(struct behavior_table *t, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        t->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        t->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void
age_push_newest(struct behavior_table *t, struct entry *e)
{
    e->older = t->newest;
    e->newer = NULL;
    if (t->newest)
        t->newest->newer = e;
    t->newest = e;
    if (t->oldest == NULL)
        t->oldest = e;
}

/* shed_oldest - drop the least recently used entry */
static void
shed_oldest(struct behavior_table *t)
{
    struct entry *e = t->oldest;
    struct entry **link = find_link(t, entry_key(t, e), e->len, e->hash);

    *link = e->chain;
    age_unlink(t, e);
    entry_free(t, e);
    t->count--;
    t->shed++;
}

/* grow - double the buckets while there are more entries than buckets (up to max) */
static void
grow(struct behavior_table *t)
{
    size_t n = t->nbuckets * 2;
    struct entry **b = xcalloc(n, sizeof b[0]);

    for (struct entry *e = t->oldest; e != NULL; e = e->newer) {
        struct entry **head = &b[e->hash & (n - 1)];
        e->chain = *head;
        *head = e;
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

void *
behavior_table_get(struct behavior_table *t, const char *key, size_t len, bool *created)
{
    uint64_t h = behavior_hash(&t->seed, key, len);
    struct entry **link = find_link(t, key, len, h);
    struct entry *e = *link;

    if (e != NULL) {
        age_unlink(t, e);
        age_push_newest(t, e);
        if (created)
            *created = false;
        return e->data;
    }
    if (t->count >= t->max)
        shed_oldest(t);
    if (t->count >= t->nbuckets && t->nbuckets < t->max)
        grow(t);
    e = xcalloc(1, sizeof *e + t->value_size + len + 1);
    e->hash = h;
    e->len = len;
    memcpy(e->data + t->value_size, key, len);
    link = &t->buckets[h & (t->nbuckets - 1)];
    e->chain = *link;
    *link = e;
    age_push_newest(t, e);
    t->count++;
    if (created)
        *created = true;
    return e->data;
}

void *
behavior_table_peek(const struct behavior_table *t, const char *key, size_t len)
{
    struct entry *e = *find_link(t, key, len, behavior_hash(&t->seed, key, len));
    return e ? e->data : NULL;
}

size_t
behavior_table_count(const struct behavior_table *t)
{
    return t->count;
}

uint64_t
behavior_table_shed(const struct behavior_table *t)
{
    return t->shed;
}

int
behavior_table_each(const struct behavior_table *t,
                    int (*fn)(const char *key, size_t len, void *value, void *ctx), void *ctx)
{
    for (struct entry *e = t->oldest; e != NULL; e = e->newer) {
        int rc = fn(entry_key(t, e), e->len, e->data, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}
