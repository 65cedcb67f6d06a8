/*
 * dlp_bench_gen.h - bench/dlp's deterministic text generator (see dlp_bench_gen.c).
 *
 * gen_text() produces exactly `bytes` bytes of mail-like prose from `seed`, handing them to
 * sink in pieces of at most 8 KB, and adds to planted[k] the number of valid values of kind k
 * it planted (about one per 64 KB). Same seed and size, same bytes.
 */
#ifndef SW_BENCH_DLP_BENCH_GEN_H
#define SW_BENCH_DLP_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_PLANT_COUNT 19

void gen_text(uint64_t seed, uint64_t bytes, void (*sink)(void *ctx, const uint8_t *p, size_t n),
              void *ctx, unsigned planted[GEN_PLANT_COUNT]);
/* gen_plant_name - the kind's name ("card", "kr_rrn", "infostealer"...) */
const char *gen_plant_name(unsigned k);

#endif
