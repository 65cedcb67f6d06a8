/* behavior_redis - the shared-state script for Redis (limits, counts, first-seen), its
 * command and its reply. */
#include "behavior/behavior_redis.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/*
 * KEYS: the buckets, then (shared counting) the keys to count and the first-seen sets.
 * ARGV: amount, per_ms, burst, cost per bucket; with shared counting then per key its adds,
 * thresholds and re-arm levels per measure (messages, recipients, bytes), per set the value's
 * hash and max_values, and last 14 globals, the last the word shared (behavior_redis_shared_cmd).
 * Every bucket is refilled and asked first; only when all have the tokens are all charged
 * (all-or-nothing, like behavior_observe). A bucket is a string of two packed doubles, its credit
 * and its last refill (exact integers below 2^53; no text, so no digits lost to Lua's tostring). A
 * counted key is a string of 15 little-endian doubles (Redis's struct library: no number formatting
 * or parsing, which dominated the cost), rewritten whole (read with the
 * buckets in one MGET, one SET with its expiry: far fewer calls than a hash's fields): the first
 * count's time; the number of the current window-long period and its messages, recipients, bytes;
 * the previous period's three; the current hour and its three totals; the previous hour's three.
 * The window's count is this period's plus the last one's weighted by how much of it is still
 * inside the window. A clock behind the stored period or hour counts into the stored one. A spike
 * marker <key>:a<measure> is set NX (one client raises the alert) and held while the rate stays
 * above the re-arm level (asked only by a client that has a threshold for it). A set holds s
 * (learning start), x (the day its expiry was last renewed: once a day, not at every lookup) and
 * the value hashes. Few calls matter: each redis.call costs microseconds of Redis's one thread.
 */
static const char script[] =
    "local nt, nc, nf, g = #KEYS, 0, 0, 0\n"
    "if ARGV[#ARGV] == 'shared' then\n"
    "  g = #ARGV - 14\n"
    "  nc, nf = tonumber(ARGV[g + 1]), tonumber(ARGV[g + 2])\n"
    "  nt = #KEYS - nc - nf\n"
    "end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local credit, res, ok = {}, {}, true\n"
    "local got = {}\n"
    "if nt + nc > 0 then got = redis.call('MGET', unpack(KEYS, 1, nt + nc)) end\n"
    "for i = 1, nt do\n"
    "  local a, per = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2])\n"
    "  local burst, cost = tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])\n"
    "  local cap = burst * per\n"
    "  local v = got[i]\n"
    "  local c = cap\n"
    "  if v and #v == 16 then\n"
    "    local stored, last = struct.unpack('<dd', v)\n"
    "    c = math.min(stored, cap)\n"
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
    "  for i = 1, nt do\n"
    "    local a, per = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2])\n"
    "    local burst, cost = tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])\n"
    "    redis.call('SET', KEYS[i], struct.pack('<dd', credit[i] - cost * per, now),\n"
    "               'PX', string.format('%.0f', math.floor(per * burst / a) + 1000))\n"
    "  end\n"
    "end\n"
    "if g == 0 then return res end\n"
    "local cnow, hour = ARGV[g + 3], tonumber(ARGV[g + 5])\n"
    "local w, hold, cttl = tonumber(ARGV[g + 6]), ARGV[g + 7], ARGV[g + 8]\n"
    "local learning, fttl = tonumber(ARGV[g + 9]), ARGV[g + 10]\n"
    "local minr = {tonumber(ARGV[g + 11]), tonumber(ARGV[g + 12]), tonumber(ARGV[g + 13])}\n"
    "local cn, span = tonumber(cnow), w * 60000\n"
    "local B = math.floor(cn / span)\n"
    "local e = (cn - B * span) / span\n"
    "local ms, D15 = {'m', 'r', 'b'}, '<' .. string.rep('d', 15)\n"
    "for i = 1, nc do\n"
    "  local k, o = KEYS[nt + i], 4 * nt + 9 * (i - 1)\n"
    "  local x, cur = nil, got[nt + i]\n"
    "  if cur and #cur == 120 then x = {struct.unpack(D15, cur)} end\n"
    "  if not x then x = {cn, B, 0, 0, 0, 0, 0, 0, hour, 0, 0, 0, 0, 0, 0} end\n"
    "  if B > x[2] then\n"
    "    if B == x[2] + 1 then x[6], x[7], x[8] = x[3], x[4], x[5]\n"
    "    else x[6], x[7], x[8] = 0, 0, 0 end\n"
    "    x[2], x[3], x[4], x[5] = B, 0, 0, 0\n"
    "  end\n"
    "  if hour > x[9] then\n"
    "    if hour == x[9] + 1 then x[13], x[14], x[15] = x[10], x[11], x[12]\n"
    "    else x[13], x[14], x[15] = 0, 0, 0 end\n"
    "    x[9], x[10], x[11], x[12] = hour, 0, 0, 0\n"
    "  end\n"
    "  local out, bits = {}, 0\n"
    "  for j = 1, 3 do\n"
    "    local add = tonumber(ARGV[o + j])\n"
    "    x[2 + j] = x[2 + j] + add\n"
    "    x[9 + j] = x[9 + j] + add\n"
    "    local rec = x[2 + j] + x[5 + j] * (1 - e)\n"
    "    out[j], out[3 + j], out[6 + j] = math.floor(rec + 0.5), x[9 + j], x[12 + j]\n"
    "    local thr = minr[j] > 0 and tonumber(ARGV[o + 3 + j]) or -1\n"
    "    if thr >= 0 then\n"
    "      local rate, mk = rec * 60 / w, k .. ':a' .. ms[j]\n"
    "      if redis.call('EXISTS', mk) == 1 then\n"
    "        if rate < tonumber(ARGV[o + 6 + j]) then redis.call('DEL', mk)\n"
    "        else redis.call('PEXPIRE', mk, hold) end\n"
    "      elseif rate >= minr[j] and rate > thr then\n"
    "        if redis.call('SET', mk, cnow, 'NX', 'PX', hold) then bits = bits + 2 ^ (j - 1) end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  redis.call('SET', k, struct.pack(D15, unpack(x, 1, 15)), 'PX', cttl)\n"
    "  for j = 1, 9 do res[#res + 1] = out[j] end\n"
    "  res[#res + 1] = x[1]\n"
    "  res[#res + 1] = bits\n"
    "end\n"
    "local fo, day = 4 * nt + 9 * nc, math.floor(cn / 86400000)\n"
    "for i = 1, nf do\n"
    "  local k, h, maxv = KEYS[nt + nc + i], ARGV[fo + 2 * i - 1], tonumber(ARGV[fo + 2 * i])\n"
    "  local v = redis.call('HMGET', k, 's', h, 'x')\n"
    "  local start, upd, o = tonumber(v[1] or -1), {}, 0\n"
    "  if start < 0 or cn < start then\n"
    "    start = cn\n"
    "    upd = {'s', cnow}\n"
    "  end\n"
    "  if not v[2] then\n"
    "    if v[1] and redis.call('HLEN', k) - 2 >= maxv then o = 3\n"
    "    else\n"
    "      upd[#upd + 1] = h; upd[#upd + 1] = 1\n"
    "      if cn - start >= learning then o = 1 else o = 2 end\n"
    "    end\n"
    "  end\n"
    "  if #upd > 0 or tonumber(v[3] or -1) ~= day then\n"
    "    upd[#upd + 1] = 'x'; upd[#upd + 1] = day\n"
    "    redis.call('HSET', k, unpack(upd))\n"
    "    redis.call('PEXPIRE', k, fttl)\n"
    "  end\n"
    "  res[#res + 1] = o\n"
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

/* push_double - one number argument that may have a fraction (a threshold) */
static void
push_double(struct behavior_redis_cmd *cmd, double v)
{
    char num[40];
    int n = snprintf(num, sizeof num, "%.17g", v);

    push(cmd, num, (size_t)n);
}

/* Value hashes in shared first-seen sets are keyed with a fixed key: every worker and node
 * must hash a value alike, and Redis keys its own hash tables, so a secret buys nothing. */
static const struct behavior_hash_key shared_fs_key = {0x736d747077617264ULL,
                                                       0x656e2d66732d7631ULL};

/* push_takes - the bucket keys of p (the script's first KEYS) */
static void
push_take_keys(struct behavior_redis_cmd *cmd, const struct behavior_plan *p, struct buf *key)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct behavior_take *t = &p->takes[i];
        buf_reset(key);
        buf_printf(key, "swb:%s:%llu/%llu/%llu%s%s:%s:", t->name,
                   (unsigned long long)t->spec.amount, (unsigned long long)t->spec.per_ms,
                   (unsigned long long)t->spec.burst, t->identity ? "@" : "",
                   t->identity ? t->identity : "", behavior_kind_name(t->key.kind));
        buf_append(key, t->key.text, t->key.len);
        push(cmd, key->data, key->len);
    }
}

/* push_shared_keys - the count hashes and first-seen sets of sp */
static void
push_shared_keys(struct behavior_redis_cmd *cmd, const struct behavior_shared_plan *sp,
                 struct buf *key)
{
    for (size_t i = 0; i < sp->ncounts; i++) {
        const struct behavior_key *k = &sp->counts[i].key;
        buf_reset(key);
        buf_printf(key, "swc:%s:", behavior_kind_name(k->kind));
        buf_append(key, k->text, k->len);
        push(cmd, key->data, key->len);
    }
    for (size_t i = 0; i < sp->nfs; i++) {
        const struct behavior_shared_fs *f = &sp->fs[i];
        buf_reset(key);
        buf_printf(key, "swf:%s:", behavior_relation_name(f->rel));
        buf_append(key, f->subject.text, f->subject.len);
        push(cmd, key->data, key->len);
    }
}

/* push_shared_args - per key, per set, then the globals (see the script) */
static void
push_shared_args(struct behavior_redis_cmd *cmd, const struct behavior_shared_plan *sp)
{
    unsigned w = sp->window_min ? sp->window_min : 1;

    for (size_t i = 0; i < sp->ncounts; i++) {
        const struct behavior_shared_count *c = &sp->counts[i];
        for (int m = 0; m < BEHAVIOR_MEASURES; m++)
            push_u64(cmd, c->add.v[m]);
        for (int m = 0; m < BEHAVIOR_MEASURES; m++)
            push_double(cmd, c->threshold[m]);
        for (int m = 0; m < BEHAVIOR_MEASURES; m++)
            push_double(cmd, c->rearm[m]);
    }
    for (size_t i = 0; i < sp->nfs; i++) {
        char hex[17];
        uint64_t h = behavior_hash(&shared_fs_key, sp->fs[i].value.text, sp->fs[i].value.len);
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
        push(cmd, hex, 16);
        push_u64(cmd, sp->fs[i].max_values);
    }
    push_u64(cmd, sp->ncounts);
    push_u64(cmd, sp->nfs);
    push_u64(cmd, sp->now_ms);
    push_u64(cmd, (uint64_t)sp->minute);
    push_u64(cmd, (uint64_t)sp->hour);
    push_u64(cmd, w);
    push_u64(cmd, (uint64_t)w * 60000);         /* a spike marker's hold */
    push_u64(cmd, BEHAVIOR_REDIS_COUNT_TTL_MS); /* a count hash's expiry */
    push_u64(cmd, sp->learning_ms);
    push_u64(cmd, sp->learning_ms + BEHAVIOR_REDIS_FS_IDLE_MS); /* a set's expiry */
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        push_double(cmd, sp->min_per_hour[m]);
    push(cmd, "shared", 6);
}

void
behavior_redis_shared_cmd(const struct behavior_plan *p, const struct behavior_shared_plan *sp,
                          const char *sha, struct behavior_redis_cmd *cmd)
{
    size_t nkeys = p->n + (sp ? sp->ncounts + sp->nfs : 0);
    size_t max = 3 + 5 * p->n + (sp ? 10 * sp->ncounts + 3 * sp->nfs + 14 : 0);
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
    push_u64(cmd, nkeys);
    buf_init(&key, 0);
    push_take_keys(cmd, p, &key);
    if (sp != NULL)
        push_shared_keys(cmd, sp, &key);
    buf_release(&key);
    for (size_t i = 0; i < p->n; i++) {
        const struct behavior_take *t = &p->takes[i];
        push_u64(cmd, t->spec.amount);
        push_u64(cmd, t->spec.per_ms);
        push_u64(cmd, t->spec.burst);
        push_u64(cmd, t->cost);
    }
    if (sp != NULL)
        push_shared_args(cmd, sp);
}

void
behavior_redis_take_cmd(const struct behavior_plan *p, const char *sha,
                        struct behavior_redis_cmd *cmd)
{
    behavior_redis_shared_cmd(p, NULL, sha, cmd);
}

/* reply_u64 - a non-negative integer element */
static bool
reply_u64(const redisReply *e, uint64_t *out)
{
    if (e == NULL || e->type != REDIS_REPLY_INTEGER || e->integer < 0)
        return false;
    *out = (uint64_t)e->integer;
    return true;
}

int
behavior_redis_parse_shared(const redisReply *r, size_t ntakes,
                            const struct behavior_shared_plan *sp, uint64_t *retry,
                            struct behavior_shared_answer *a)
{
    size_t n = ntakes + BEHAVIOR_REDIS_KEY_REPLY * sp->ncounts + sp->nfs, at = ntakes;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n)
        return -1;
    for (size_t i = 0; i < ntakes; i++) {
        const redisReply *e = r->element[i];
        if (e == NULL || e->type != REDIS_REPLY_INTEGER || e->integer < -1)
            return -1;
        retry[i] = e->integer == -1 ? UINT64_MAX : (uint64_t)e->integer;
    }
    for (size_t i = 0; i < sp->ncounts; i++) {
        struct behavior_shared_key_answer *k = &a->counts[i];
        uint64_t bits;
        bool ok = true;
        for (int m = 0; m < BEHAVIOR_MEASURES; m++) {
            ok = ok && reply_u64(r->element[at + m], &k->recent[m]);
            ok = ok && reply_u64(r->element[at + 3 + m], &k->hour[m]);
            ok = ok && reply_u64(r->element[at + 6 + m], &k->prev[m]);
        }
        ok = ok && reply_u64(r->element[at + 9], &k->first_ms) &&
             reply_u64(r->element[at + 10], &bits) && bits < (1u << BEHAVIOR_MEASURES);
        if (!ok)
            return -1;
        k->alert = (unsigned)bits;
        at += BEHAVIOR_REDIS_KEY_REPLY;
    }
    for (size_t i = 0; i < sp->nfs; i++) {
        uint64_t o;
        if (!reply_u64(r->element[at + i], &o) || o > BEHAVIOR_FS_FULL)
            return -1;
        a->fs[i] = (enum behavior_fs_outcome)o;
    }
    return 0;
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
