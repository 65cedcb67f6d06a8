/*
 * behavior_bench - how fast the behaviour engine counts: transactions and bucket updates per
 * second through the embedded store, and through Redis with the gateway's take script,
 * pipelined. See bench/README.md ("behavior").
 *
 * usage: behavior_bench [-n TXNS] [-k KEYS] [-r HOST:PORT] [-p PIPELINE] [--json]
 *   -n  transactions per part (default 200000; Redis: a tenth)
 *   -k  distinct senders the transactions cycle through (default 1000)
 *   -r  a Redis server to measure against (none: the Redis part is skipped)
 *   -p  commands in flight per pipeline round trip (default 64)
 * Prints one line per part; with --json one JSON object per line.
 */
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "behavior/behavior.h"
#include "behavior/behavior_redis.h"
#include "util/mem.h"

#define HOUR 3600000ULL

struct opts {
    unsigned long n, keys, pipeline;
    const char *redis;
    bool json;
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The limits the gateway benchmark configures too: one per identity, sender, recipient domain,
 * all far above the traffic (nothing is refused; every bucket is charged). */
static const struct behavior_limit bench_limits[] = {
    {.kind = BEHAVIOR_KIND_IDENTITY,
     .measure = BEHAVIOR_MEASURE_MESSAGES,
     .amount = 1000000000,
     .per_ms = HOUR,
     .action = BEHAVIOR_DEFER},
    {.kind = BEHAVIOR_KIND_SENDER,
     .measure = BEHAVIOR_MEASURE_MESSAGES,
     .amount = 1000000000,
     .per_ms = HOUR,
     .action = BEHAVIOR_DEFER},
    {.kind = BEHAVIOR_KIND_RCPT_DOMAIN,
     .measure = BEHAVIOR_MEASURE_RECIPIENTS,
     .amount = 1000000000,
     .per_ms = HOUR,
     .action = BEHAVIOR_DEFER},
};

static struct behavior *
bench_engine(void)
{
    struct behavior_config c;
    char err[200];
    struct behavior *b;

    behavior_config_defaults(&c);
    c.limits = bench_limits;
    c.nlimits = 3;
    c.seed = (struct behavior_hash_key){0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL) {
        fprintf(stderr, "behavior_new: %s\n", err);
        exit(1);
    }
    return b;
}

/* make_txn - transaction i: one of `keys` senders, two recipients in one of 50 domains */
static void
make_txn(unsigned long i, unsigned long keys, char *from, size_t flen, char rcpt[2][64],
         const char **rcpts, struct behavior_txn *t)
{
    snprintf(from, flen, "user%lu@sender%lu.example", i % keys, (i % keys) % 100);
    snprintf(rcpt[0], 64, "a%lu@dest%lu.example", i % 7, i % 50);
    snprintf(rcpt[1], 64, "b%lu@dest%lu.example", i % 11, i % 50);
    rcpts[0] = rcpt[0];
    rcpts[1] = rcpt[1];
    *t = (struct behavior_txn){.identity = "bench",
                               .client_addr = "127.0.0.1",
                               .mail_from = from,
                               .rcpts = rcpts,
                               .nrcpts = 2,
                               .size = 10240};
}

static void
report(const struct opts *o, const char *part, unsigned long txns, unsigned long updates,
       double secs)
{
    if (o->json)
        printf("{\"part\":\"%s\",\"txns\":%lu,\"bucket_updates\":%lu,\"seconds\":%.4f,"
               "\"txns_per_s\":%.0f,\"updates_per_s\":%.0f}\n",
               part, txns, updates, secs, txns / secs, updates / secs);
    else
        printf("%-18s %9lu txns %10.0f txns/s %11.0f bucket updates/s\n", part, txns, txns / secs,
               updates / secs);
}

/* bench_memory - behavior_observe: limits, windows, baselines, first-seen, all in memory */
static void
bench_memory(const struct opts *o)
{
    struct behavior *b = bench_engine();
    struct behavior_plan *plan = xmalloc(sizeof *plan);
    struct behavior_result *r = xmalloc(sizeof *r);
    char from[128], rcpt[2][64];
    const char *rcpts[2];
    struct behavior_txn t;
    unsigned long updates = 0;
    uint64_t t0 = 1764547200000ULL;
    double start;

    make_txn(0, o->keys, from, sizeof from, rcpt, rcpts, &t);
    updates = behavior_plan_limits(b, &t, plan); /* the same count for every transaction */
    start = now_s();
    for (unsigned long i = 0; i < o->n; i++) {
        make_txn(i, o->keys, from, sizeof from, rcpt, rcpts, &t);
        behavior_observe(b, &t, t0 + i, r);
        if (r->action != BEHAVIOR_ACCEPT) {
            fprintf(stderr, "unexpected %s\n", r->reply);
            exit(1);
        }
    }
    report(o, "memory", o->n, updates * o->n, now_s() - start);
    free(plan);
    free(r);
    behavior_free(b);
}

/* bench_redis - the gateway's script for each transaction (bucket takes, shared counting of
 * every key, first-seen sets), pipeline commands per round trip, synchronously (the gateway
 * sends the same commands asynchronously), each answer applied to the engine as the gateway
 * does */
static int
bench_redis(const struct opts *o)
{
    char host[256];
    uint16_t port;
    unsigned db;
    char url[300], sha[41];
    struct behavior *b = bench_engine();
    struct behavior_plan *plan = xmalloc(sizeof *plan);
    struct behavior_redis_cmd cmd = {0};
    /* one shared plan per command in flight: each answer is applied to its own keys */
    struct behavior_shared_plan *sps = xcalloc(o->pipeline, sizeof *sps), *sp = sps;
    struct behavior_shared_answer *an = xmalloc(sizeof *an);
    struct behavior_result *res = xmalloc(sizeof *res);
    uint64_t retry[BEHAVIOR_TAKES_MAX], t0 = (uint64_t)(now_s() * 1000);
    char from[128], rcpt[2][64];
    const char *rcpts[2];
    struct behavior_txn t;
    unsigned long n = o->n / 10, updates = 0, done = 0;
    redisContext *c;
    redisReply *rep;
    double start;

    snprintf(url, sizeof url, "redis://%s", o->redis);
    if (behavior_redis_parse_url(url, host, sizeof host, &port, &db) != 0) {
        fprintf(stderr, "-r %s: not HOST:PORT\n", o->redis);
        return 1;
    }
    c = redisConnect(host, port);
    if (c == NULL || c->err) {
        fprintf(stderr, "redis %s: %s\n", o->redis, c ? c->errstr : "out of memory");
        return 1;
    }
    rep = redisCommand(c, "SCRIPT LOAD %s", behavior_redis_script());
    if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
        fprintf(stderr, "SCRIPT LOAD failed\n");
        return 1;
    }
    freeReplyObject(rep);
    behavior_redis_script_sha(sha);
    start = now_s();
    while (done < n) {
        unsigned long batch = n - done < o->pipeline ? n - done : o->pipeline;
        for (unsigned long j = 0; j < batch; j++) {
            make_txn(done + j, o->keys, from, sizeof from, rcpt, rcpts, &t);
            updates += behavior_plan_limits(b, &t, plan);
            behavior_plan_shared(b, &t, t0 + done + j, &sps[j]);
            behavior_redis_shared_cmd(plan, &sps[j], sha, &cmd);
            redisAppendCommandArgv(c, (int)cmd.argc, (const char **)cmd.argv, cmd.argvlen);
        }
        /* plan holds the batch's last transaction: every transaction of make_txn has the
         * same takes but for their keys, and with every take answered 0 only their number
         * matters */
        for (unsigned long j = 0; j < batch; j++) {
            if (redisGetReply(c, (void **)&rep) != REDIS_OK ||
                behavior_redis_parse_shared(rep, plan->n, &sps[j], retry, an) != 0 ||
                retry[0] != 0) {
                fprintf(stderr, "bad reply from Redis\n");
                return 1;
            }
            behavior_observe_shared(b, &t, plan, retry, &sps[j], an, res);
            freeReplyObject(rep);
        }
        done += batch;
    }
    report(o, "redis-pipelined", n, updates, now_s() - start);
    /* the same, one command per round trip: what one gateway session waits for */
    start = now_s();
    for (unsigned long i = 0; i < n / 10; i++) {
        make_txn(i, o->keys, from, sizeof from, rcpt, rcpts, &t);
        behavior_plan_limits(b, &t, plan);
        behavior_plan_shared(b, &t, t0 + n + i, sp);
        behavior_redis_shared_cmd(plan, sp, sha, &cmd);
        rep = redisCommandArgv(c, (int)cmd.argc, (const char **)cmd.argv, cmd.argvlen);
        if (rep == NULL || behavior_redis_parse_shared(rep, plan->n, sp, retry, an) != 0)
            return 1;
        behavior_observe_shared(b, &t, plan, retry, sp, an, res);
        freeReplyObject(rep);
    }
    report(o, "redis-round-trip", n / 10, (n / 10) * plan->n, now_s() - start);
    behavior_redis_cmd_release(&cmd);
    redisFree(c);
    free(sps);
    free(an);
    free(res);
    free(plan);
    behavior_free(b);
    return 0;
}

int
main(int argc, char **argv)
{
    struct opts o = {.n = 200000, .keys = 1000, .pipeline = 64};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            o.json = true;
        else if (i + 1 < argc && strcmp(argv[i], "-n") == 0)
            o.n = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "-k") == 0)
            o.keys = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "-p") == 0)
            o.pipeline = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "-r") == 0)
            o.redis = argv[++i];
        else {
            fprintf(stderr, "usage: behavior_bench [-n TXNS] [-k KEYS] [-r HOST:PORT] "
                            "[-p PIPELINE] [--json]\n");
            return 2;
        }
    }
    if (o.n < 100 || o.keys < 1 || o.pipeline < 1) {
        fprintf(stderr, "behavior_bench: -n at least 100, -k and -p at least 1\n");
        return 2;
    }
    bench_memory(&o);
    if (o.redis != NULL)
        return bench_redis(&o);
    return 0;
}
