/*
 * behavior_redis - the shared rate-limit state in Redis, as data: the Lua script that takes
 * from every bucket of a transaction or from none (atomic: Redis runs a script alone), the
 * command that runs it for a behavior_plan, and the parsing of its reply. No I/O here: the
 * gateway sends the command on its event loop (gw_behavior.c), the benchmark synchronously.
 *
 * A bucket is a Redis hash `swb:<limit>:<amount>/<per_ms>/<burst>[@<identity>]:<kind>:<key>`
 * with fields c (credit, in 1/per_ms tokens) and t (the last refill, ms from Redis's TIME),
 * the same exact arithmetic as behavior_bucket.c, held in Lua's doubles: exact while
 * burst * per_ms + amount <= 2^53 (BEHAVIOR_REDIS_EXACT_MAX; the configuration check refuses
 * limits past it with Redis state). A key expires once its bucket would be full again.
 * Time is Redis's clock, so gateways whose clocks differ share one bucket correctly.
 *
 * Reply: one integer per take, 0 taken, -1 never (cost over burst), else the wait in ms.
 * Pure; thread-safe.
 */
#ifndef SW_BEHAVIOR_REDIS_H
#define SW_BEHAVIOR_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior.h"

#define BEHAVIOR_REDIS_EXACT_MAX (1ULL << 53)

/* A command as Redis arguments (owned; free with behavior_redis_cmd_release). */
struct behavior_redis_cmd {
    size_t argc;
    char **argv;
    size_t *argvlen;
};

/* behavior_redis_script - the Lua text of the take script */
const char *behavior_redis_script(void);
/* behavior_redis_script_sha - its SHA-1 in hex, for EVALSHA */
void behavior_redis_script_sha(char out[41]);
/* behavior_redis_take_cmd - EVALSHA sha (or EVAL with the script when sha is NULL) over the
 * plan's buckets, into cmd (released first if it held one) */
void behavior_redis_take_cmd(const struct behavior_plan *p, const char *sha,
                             struct behavior_redis_cmd *cmd);
void behavior_redis_cmd_release(struct behavior_redis_cmd *cmd);
/* behavior_redis_parse_takes - the script's reply into retry[0..n-1] (0 taken, else ms,
 * UINT64_MAX never); -1 when it is an error or not n integers */
int behavior_redis_parse_takes(const redisReply *r, size_t n, uint64_t *retry);
/* behavior_redis_is_noscript - the reply says the server does not know the script (a restart
 * or SCRIPT FLUSH): send it again with EVAL */
bool behavior_redis_is_noscript(const redisReply *r);
/* behavior_redis_parse_url - "redis://HOST:PORT[/DB]" (HOST an address; IPv6 in brackets);
 * -1 if it is not one */
int behavior_redis_parse_url(const char *url, char *host, size_t hostlen, uint16_t *port,
                             unsigned *db);

#endif
