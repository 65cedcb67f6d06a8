/* gw_auth - users file verification with libcrypt, and the AUTH failure limiter. */
#include "gateway/gw_auth.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define USERS_MAX 100000
#define LIMITER_SLOTS 4096

struct gw_user {
    char *name;
    char *hash;
};

struct gw_users {
    struct gw_user *items;
    size_t n;
    char *dummy_hash; /* burnt on unknown names, so timing does not tell */
};

/* users_add_line - parse one "name:hash" line; -1 when malformed */
static int
users_add_line(struct gw_users *u, char *line)
{
    char *colon, *end;

    line[strcspn(line, "\r\n")] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#')
        return 0;
    colon = strchr(line, ':');
    if (colon == NULL || colon == line || colon[1] == '\0')
        return -1;
    *colon = '\0';
    end = colon + 1 + strcspn(colon + 1, ": \t"); /* tolerate passwd-style extra fields */
    *end = '\0';
    if (end == colon + 1 || u->n >= USERS_MAX) /* "alice: $y$..." cuts to an empty hash */
        return -1;
    u->items = xrealloc(u->items, (u->n + 1) * sizeof *u->items);
    u->items[u->n].name = xstrdup(line);
    u->items[u->n].hash = xstrdup(colon + 1);
    u->n++;
    return 0;
}

struct gw_users *
gw_users_load(const char *path, struct buf *err)
{
    struct gw_users *u;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    FILE *f = fopen(path, "re");

    if (f == NULL) {
        buf_printf(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    u = xcalloc(1, sizeof *u);
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        if (users_add_line(u, line) < 0) {
            buf_printf(err, "%s:%u: expected name:crypt-hash", path, lineno);
            u = gw_users_free(u);
            break;
        }
    }
    free(line);
    fclose(f);
    if (u != NULL) {
        struct buf h;
        buf_init(&h, 0);
        if (gw_hash_password("smtpwarden-dummy", &h) == 0)
            u->dummy_hash = xstrdup(h.data);
        buf_release(&h);
    }
    return u;
}

struct gw_users *
gw_users_free(struct gw_users *u)
{
    if (u == NULL)
        return NULL;
    for (size_t i = 0; i < u->n; i++) {
        free(u->items[i].name);
        free(u->items[i].hash);
    }
    free(u->items);
    free(u->dummy_hash);
    free(u);
    return NULL;
}

/* hash_matches - crypt(3) the password with the stored setting and compare in constant time */
static bool
hash_matches(const char *password, const char *hash)
{
    struct crypt_data *cd = xcalloc(1, sizeof *cd);
    const char *out = crypt_r(password, hash, cd);
    bool ok = out != NULL && out[0] != '*' && strlen(out) == strlen(hash) &&
              CRYPTO_memcmp(out, hash, strlen(hash)) == 0;

    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

bool
gw_users_verify(const struct gw_users *u, const char *user, const char *password)
{
    for (size_t i = 0; i < u->n; i++) {
        if (strcmp(u->items[i].name, user) == 0)
            return hash_matches(password, u->items[i].hash);
    }
    if (u->dummy_hash != NULL)
        (void)hash_matches(password, u->dummy_hash);
    return false;
}

int
gw_hash_password(const char *password, struct buf *out)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *h;
    int rc = -1;

    if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL)
        return -1;
    cd = xcalloc(1, sizeof *cd);
    h = crypt_r(password, salt, cd);
    if (h != NULL && h[0] != '*')
        rc = buf_set(out, h, strlen(h));
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return rc;
}

struct limiter_slot {
    struct ip_addr addr;
    time_t window_start;
    unsigned failures;
    bool used;
};

struct gw_auth_limiter {
    unsigned max_failures;
    unsigned window;
    struct limiter_slot slots[LIMITER_SLOTS];
};

struct gw_auth_limiter *
gw_auth_limiter_new(unsigned max_failures, unsigned window_seconds)
{
    struct gw_auth_limiter *l = xcalloc(1, sizeof *l);
    l->max_failures = max_failures;
    l->window = window_seconds;
    return l;
}

struct gw_auth_limiter *
gw_auth_limiter_free(struct gw_auth_limiter *l)
{
    free(l);
    return NULL;
}

/* addr_hash - FNV-1a over the address bytes */
static size_t
addr_hash(const struct ip_addr *a)
{
    uint32_t h = 2166136261u;
    size_t n = a->family == AF_INET ? 4 : 16;

    for (size_t i = 0; i < n; i++)
        h = (h ^ a->bytes[i]) * 16777619u;
    return h % LIMITER_SLOTS;
}

/* limiter_find - the slot of this address (probing 8 slots), or the stalest of them */
static struct limiter_slot *
limiter_find(struct gw_auth_limiter *l, const struct ip_addr *a, bool *found)
{
    size_t h = addr_hash(a);
    struct limiter_slot *oldest = &l->slots[h];

    for (size_t i = 0; i < 8; i++) {
        struct limiter_slot *s = &l->slots[(h + i) % LIMITER_SLOTS];
        if (s->used && s->addr.family == a->family &&
            memcmp(s->addr.bytes, a->bytes, a->family == AF_INET ? 4 : 16) == 0) {
            *found = true;
            return s;
        }
        if (!s->used || s->window_start < oldest->window_start)
            oldest = s;
    }
    *found = false;
    return oldest;
}

bool
gw_auth_limiter_is_blocked(struct gw_auth_limiter *l, const struct ip_addr *a, time_t now)
{
    bool found;
    struct limiter_slot *s = limiter_find(l, a, &found);

    if (!found || now - s->window_start >= (time_t)l->window)
        return false;
    return s->failures >= l->max_failures;
}

void
gw_auth_limiter_fail(struct gw_auth_limiter *l, const struct ip_addr *a, time_t now)
{
    bool found;
    struct limiter_slot *s = limiter_find(l, a, &found);

    if (!found || now - s->window_start >= (time_t)l->window) {
        memset(s, 0, sizeof *s);
        s->used = true;
        s->addr = *a;
        s->window_start = now;
    }
    s->failures++;
}
