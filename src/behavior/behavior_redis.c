/* behavior_redis - the rate-limit script for Redis, its command and its reply. */
#include "behavior/behavior_redis.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/*
 * KEYS: the buckets; ARGV: amount, per_ms, burst, cost per bucket. Every bucket is refilled
 * and asked first; only when all have the tokens are all charged (all-or-nothing, like
 * behavior_observe). Numbers are written with %.0f: Lua's tostring keeps 14 digits only.
 */
static const char script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local credit, res, ok = {}, {}, true\n"
    "for i = 1, #KEYS do\n"
    "  local a, per = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2])\n"
    "  local burst, cost = tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])\n"
    "  local cap = burst * per\n"
    "  local v = redis.call('HMGET', KEYS[i], 'c', 't')\n"
    "  local c = cap\n"
    "  if v[1] then\n"
    "    c = math.min(tonumber(v[1]), cap)\n"
    "    local last = tonumber(v[2])\n"
    "    if now > last then\n"
    "      local el = now - last\n"
    "      if el > math.floor(per * burst / a) + 1 then c = cap\n"
    "      else c = math.min(c + el * a, cap) end\n"
    "    end\n"
    "  end\n"
    "  credit[i] = c\n"
    "  if cost > burst then res[i] = -1; ok = false\n"
    "  elseif c < cost * per then\n"
    "    res[i] = math.floor((cost * per - c + a - 1) / a); ok = false\n"
    "  else res[i] = 0 end\n"
    "end\n"
    "if ok then\n"
    "  for i = 1, #KEYS do\n"
    "    local a, per = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2])\n"
    "    local burst, cost = tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])\n"
    "    redis.call('HSET', KEYS[i], 'c', string.format('%.0f', credit[i] - cost * per),\n"
    "               't', string.format('%.0f', now))\n"
    "    redis.call('PEXPIRE', KEYS[i], string.format('%.0f', math.floor(per * burst / a) + "
    "1000))\n"
    "  end\n"
    "end\n"
    "return res\n";

const char *
behavior_redis_script(void)
{
    return script;
}

void
behavior_redis_script_sha(char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    EVP_Digest(script, strlen(script), md, &len, EVP_sha1(), NULL);
    for (unsigned i = 0; i < 20 && i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[40] = '\0';
}

void
behavior_redis_cmd_release(struct behavior_redis_cmd *cmd)
{
    for (size_t i = 0; i < cmd->argc; i++)
        free(cmd->argv[i]);
    free(cmd->argv);
    free(cmd->argvlen);
    memset(cmd, 0, sizeof *cmd);
}

/* push - one argument, copied */
static void
push(struct behavior_redis_cmd *cmd, const char *data, size_t len)
{
    char *copy = xmalloc(len + 1);

    memcpy(copy, data, len);
    copy[len] = '\0';
    cmd->argv[cmd->argc] = copy;
    cmd->argvlen[cmd->argc] = len;
    cmd->argc++;
}

/* push_u64 - one number argument */
static void
push_u64(struct behavior_redis_cmd *cmd, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);

    push(cmd, num, (size_t)n);
}

void
behavior_redis_take_cmd(const struct behavior_plan *p, const char *sha,
                        struct behavior_redis_cmd *cmd)
{
    size_t max = 3 + 5 * p->n;
    struct buf key;

    behavior_redis_cmd_release(cmd);
    cmd->argv = xcalloc(max, sizeof *cmd->argv);
    cmd->argvlen = xcalloc(max, sizeof *cmd->argvlen);
    if (sha != NULL) {
        push(cmd, "EVALSHA", 7);
        push(cmd, sha, strlen(sha));
    } else {
        push(cmd, "EVAL", 4);
        push(cmd, script, strlen(script));
    }
    push_u64(cmd, p->n);
    buf_init(&key, 0);
    for (size_t i = 0; i < p->n; i++) {
        const struct behavior_take *t = &p->takes[i];
        buf_reset(&key);
        buf_printf(&key, "swb:%s:%llu/%llu/%llu%s%s:%s:", t->name,
                   (unsigned long long)t->spec.amount, (unsigned long long)t->spec.per_ms,
                   (unsigned long long)t->spec.burst, t->identity ? "@" : "",
                   t->identity ? t->identity : "", behavior_kind_name(t->key.kind));
        buf_append(&key, t->key.text, t->key.len);
        push(cmd, key.data, key.len);
    }
    buf_release(&key);
    for (size_t i = 0; i < p->n; i++) {
        const struct behavior_take *t = &p->takes[i];
        push_u64(cmd, t->spec.amount);
        push_u64(cmd, t->spec.per_ms);
        push_u64(cmd, t->spec.burst);
        push_u64(cmd, t->cost);
    }
}

int
behavior_redis_parse_takes(const redisReply *r, size_t n, uint64_t *retry)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = r->element[i];
        if (e == NULL || e->type != REDIS_REPLY_INTEGER || e->integer < -1)
            return -1;
        retry[i] = e->integer == -1 ? UINT64_MAX : (uint64_t)e->integer;
    }
    return 0;
}

bool
behavior_redis_is_noscript(const redisReply *r)
{
    return r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL &&
           strncmp(r->str, "NOSCRIPT", 8) == 0;
}

/* is_digit - an ASCII digit (strtoul alone would take spaces and signs) */
static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int
behavior_redis_parse_url(const char *url, char *host, size_t hostlen, uint16_t *port, unsigned *db)
{
    const char *p, *end, *colon;
    char *num_end;
    unsigned long v;
    size_t n;

    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    p = url + 8;
    if (*p == '[') {
        end = strchr(p, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        n = (size_t)(end - p - 1);
        p++;
        colon = end + 1;
    } else {
        colon = strchr(p, ':');
        if (colon == NULL)
            return -1;
        n = (size_t)(colon - p);
    }
    if (n == 0 || n >= hostlen)
        return -1;
    memcpy(host, p, n);
    host[n] = '\0';
    if (!is_digit(colon[1]))
        return -1;
    v = strtoul(colon + 1, &num_end, 10);
    if (v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    *db = 0;
    if (*num_end == '/') {
        const char *d = num_end + 1;
        if (!is_digit(*d))
            return -1;
        v = strtoul(d, &num_end, 10);
        if (v > 15)
            return -1;
        *db = (unsigned)v;
    }
    return *num_end == '\0' ? 0 : -1;
}
