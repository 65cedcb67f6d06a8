/*
 * behavior_redis - the shared behaviour state in Redis, as data: the Lua script that takes
 * from every bucket of a transaction or from none (atomic: Redis runs a script alone), the
 * command that runs it for a behavior_plan, and the parsing of its reply. No I/O here: the
 * gateway sends the command on its event loop (gw_behavior.c), the benchmark synchronously.
 *
 * A bucket is a Redis string `swb:<limit>:<amount>/<per_ms>/<burst>[@<identity>]:<kind>:<key>`
 * of two packed doubles: the credit (in 1/per_ms tokens) and the last refill (ms, Redis's TIME),
 * the same exact arithmetic as behavior_bucket.c, held in Lua's doubles: exact while
 * burst * per_ms + amount <= 2^53 (BEHAVIOR_REDIS_EXACT_MAX; the configuration check refuses
 * limits past it with Redis state). A key expires once its bucket would be full again.
 * Time is Redis's clock, so gateways whose clocks differ share one bucket correctly.
 *
 * Reply: one integer per take, 0 taken, -1 never (cost over burst), else the wait in ms.
 *
 * Shared counting (behavior_redis_shared_cmd, the same script and round trip): per key a string
 * `swc:<kind>:<key>` (15 packed doubles) of the counts of the current and the previous
 * window-long period and the totals of the current and previous hours, expiring
 * BEHAVIOR_REDIS_COUNT_TTL_MS after its last count; the reply gives the cluster-wide window, the
 * current and previous hour's totals, the first count's time and the spikes this client raises (a
 * marker `<key>:a<m|r|b>` set NX and held one window while the spike lasts, so one spike is one
 * alert across every worker and node). Per (relation, subject) a hash `swf:<relation>:<subject>` of
 * 64-bit value hashes (hex, a fixed public SipHash key: every node must hash alike) and `s`, the
 * learning start; the reply says known, new, learning or full. Times of counts and sets are the
 * caller's clock (now_ms, as the engine's baselines). Pure; thread-safe.
 */
#ifndef SW_BEHAVIOR_REDIS_H
#define SW_BEHAVIOR_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "behavior/behavior.h"

#define BEHAVIOR_REDIS_EXACT_MAX (1ULL << 53)
#define BEHAVIOR_REDIS_COUNT_TTL_MS (3 * 3600000ULL) /* a count hash: two hours of totals */
#define BEHAVIOR_REDIS_FS_IDLE_MS (30 * 86400000ULL) /* a set idle this long past learning */
#define BEHAVIOR_REDIS_KEY_REPLY 11                  /* integers per counted key in the reply */

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
/* behavior_redis_shared_cmd - the same script over the plan's buckets and, sp not NULL, the
 * shared counting and first-seen sets of sp (one round trip for the whole transaction) */
void behavior_redis_shared_cmd(const struct behavior_plan *p, const struct behavior_shared_plan *sp,
                               const char *sha, struct behavior_redis_cmd *cmd);
/* behavior_redis_parse_shared - the reply of behavior_redis_shared_cmd: retry[0..ntakes-1] as
 * behavior_redis_parse_takes, then each key's counts and each set's outcome into a; -1 when it
 * is an error or not the script's shape */
int behavior_redis_parse_shared(const redisReply *r, size_t ntakes,
                                const struct behavior_shared_plan *sp, uint64_t *retry,
                                struct behavior_shared_answer *a);
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
