/*
 * config_behavior - the checks of the behavior section (issue 6) that one row alone cannot
 * make: the state is "embedded" or a Redis address, a limit has exactly one amount, a usable
 * name, an identity that exists, and (with Redis) numbers its script computes exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_impl.h"

#define LIMITS_PER_KEY 8
#define REDIS_EXACT_MAX (1ULL << 53) /* Lua numbers are doubles: integers exact below 2^53 */

/* is_digit - an ASCII digit (strtoul alone would take spaces and signs) */
static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* name_is_valid - [A-Za-z0-9_.-], 1..64 */
static bool
name_is_valid(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* state_is_valid - "embedded", or redis://HOST:PORT[/DB] with DB 0..15 */
static bool
state_is_valid(const char *s, bool *redis)
{
    const char *p, *colon, *end;
    char *num_end;
    unsigned long v;

    *redis = false;
    if (strcmp(s, "embedded") == 0)
        return true;
    if (strncmp(s, "redis://", 8) != 0)
        return false;
    *redis = true;
    p = s + 8;
    if (*p == '[') {
        end = strchr(p, ']');
        if (end == NULL || end == p + 1 || end[1] != ':')
            return false;
        colon = end + 1;
    } else {
        colon = strchr(p, ':');
        if (colon == NULL || colon == p)
            return false;
    }
    if (!is_digit(colon[1]))
        return false;
    v = strtoul(colon + 1, &num_end, 10);
    if (v == 0 || v > 65535)
        return false;
    if (*num_end == '/') {
        const char *d = num_end + 1;
        if (!is_digit(*d))
            return false;
        v = strtoul(d, &num_end, 10);
        if (v > 15)
            return false;
    }
    return *num_end == '\0';
}

/* identity_exists - some configured identity has this name */
static bool
identity_exists(const struct sw_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nidentities; i++)
        if (cfg->identities[i].name != NULL && strcmp(cfg->identities[i].name, name) == 0)
            return true;
    return false;
}

/* check_limit - one limit */
static void
check_limit(const struct sw_config *cfg, size_t i, bool redis, const struct cfg_where *w,
            struct config_diag *d)
{
    const struct cfg_behavior_limit *l = &cfg->behavior.limits[i];
    struct cfg_mark at = config_where_or(w, &cfg->behavior.limits, i, w->gateway);
    int amounts = (l->messages > 0) + (l->recipients > 0) + (l->bytes > 0);
    uint64_t amount = l->messages ? l->messages : l->recipients ? l->recipients : l->bytes;
    uint64_t burst = l->burst ? l->burst : amount;

    if (amounts != 1)
        config_diag_add(d, w->name, at, CFG_ERROR,
                        "a limit needs exactly one of 'messages', 'recipients' and 'bytes' "
                        "(it has %d)",
                        amounts);
    if (l->name != NULL && !name_is_valid(l->name))
        config_diag_add(d, w->name, config_where_or(w, &l->name, CFG_MARK_WHOLE, at), CFG_ERROR,
                        "limit name '%s' may hold only letters, digits, '_', '.' and '-' (at "
                        "most 64)",
                        l->name);
    if (l->identity != NULL && !identity_exists(cfg, l->identity))
        config_diag_add(d, w->name, config_where_or(w, &l->identity, CFG_MARK_WHOLE, at), CFG_ERROR,
                        "limit for identity '%s': no identity has that name", l->identity);
    if (redis && amounts == 1 && burst * (uint64_t)l->per_ms + amount > REDIS_EXACT_MAX)
        config_diag_add(d, w->name, at, CFG_ERROR,
                        "with Redis state a limit's burst x per (in ms) must stay below 2^53 "
                        "(Lua's exact integers): lower the amount or the period");
}

void
config_check_behavior(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    const struct cfg_behavior *b = &cfg->behavior;
    unsigned per_key[8] = {0};
    bool redis = false;

    if (b->state != NULL && !state_is_valid(b->state, &redis))
        config_diag_add(d, w->name, config_where_or(w, &b->state, CFG_MARK_WHOLE, w->gateway),
                        CFG_ERROR,
                        "behavior.state '%s': embedded or redis://HOST:PORT[/DB] (an address; "
                        "DB 0-15)",
                        b->state);
    if (b->spike_window % 60 != 0)
        config_diag_add(d, w->name,
                        config_where_or(w, &b->spike_window, CFG_MARK_WHOLE, w->gateway), CFG_ERROR,
                        "behavior.spikes.window: a whole number of minutes");
    for (size_t i = 0; i < b->nlimits; i++) {
        check_limit(cfg, i, redis, w, d);
        if ((unsigned)b->limits[i].key < 8 && ++per_key[b->limits[i].key] == LIMITS_PER_KEY + 1)
            config_diag_add(d, w->name, config_where_or(w, &b->limits, i, w->gateway), CFG_ERROR,
                            "at most %d limits per key", LIMITS_PER_KEY);
    }
}
