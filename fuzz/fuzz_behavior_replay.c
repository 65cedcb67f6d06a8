/* fuzz_behavior_replay - a fuzzer-chosen sequence of (clock step, transaction facts, repeat)
 * through the behaviour engine with small bounds: nothing may crash, the tables must stay
 * within their bounds, replies and alerts must be well formed, an early limit check must agree
 * with the decision; an optional snapshot round trip at the end must load back the same number
 * of keys. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behavior/behavior.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* broken - an invariant does not hold: say which, and crash for the fuzzer */
static _Noreturn void
broken(const char *what)
{
    fprintf(stderr, "fuzz_behavior_replay: %s\n", what);
    abort();
}

struct input {
    const uint8_t *p;
    size_t len, off;
};

static unsigned
next(struct input *in)
{
    return in->off < in->len ? in->p[in->off++] : 0;
}

static const char *const pool[] = {
    "app1",        "192.0.2.1", "user@example.com", "example.net", "mx1.example.net", "Tenant-ID",
    "a@B.example", "",
};

/* next_string - a pool name, or (high bit) up to 300 raw bytes from the input, into out */
static const char *
next_string(struct input *in, char *out, size_t size)
{
    unsigned sel = next(in);
    size_t n;

    if (!(sel & 0x80))
        return pool[sel % (sizeof pool / sizeof pool[0])];
    n = (sel & 0x7f) * 3;
    if (n > in->len - in->off)
        n = in->len - in->off;
    if (n >= size)
        n = size - 1;
    memcpy(out, in->p + in->off, n);
    out[n] = '\0';
    in->off += n;
    return out;
}

/* step - the next clock value: forward by ms..days, back by minutes or days, or a far jump */
static uint64_t
step(struct input *in, uint64_t now)
{
    unsigned op = next(in), x = next(in);
    static const uint64_t scale[] = {1, 1000, 60000, 3600000, 86400000};

    switch (op % 8) {
    case 5:
        return now - (uint64_t)x * 60000 < now ? now - (uint64_t)x * 60000 : 0;
    case 6:
        return now - (uint64_t)x * 86400000 < now ? now - (uint64_t)x * 86400000 : 0;
    case 7:
        return (uint64_t)x << 56;
    default:
        return now + (uint64_t)x * scale[op % 8];
    }
}

static void
check_result(const struct behavior_result *r)
{
    if (r->action == BEHAVIOR_ACCEPT) {
        if (r->reply[0] != '\0')
            broken("reply on accept");
    } else if (strncmp(r->reply, "451 4.7.1 ", 10) != 0 &&
               strncmp(r->reply, "550 5.7.1 ", 10) != 0) {
        broken("bad reply");
    }
    if (r->nalerts > BEHAVIOR_ALERTS_MAX)
        broken("too many alerts");
    for (size_t i = 0; i < r->nalerts; i++) {
        const struct behavior_alert *a = &r->alerts[i];
        if (memchr(a->key, 0, sizeof a->key) == NULL ||
            memchr(a->value, 0, sizeof a->value) == NULL)
            broken("alert string not terminated");
        if (a->type == BEHAVIOR_ALERT_SPIKE && !(a->spike.current > a->spike.threshold))
            broken("spike under threshold");
    }
}

static void
check_bounds(const struct behavior *b, const struct behavior_config *c)
{
    struct behavior_stats st;

    behavior_get_stats(b, &st);
    for (int k = 0; k < BEHAVIOR_KINDS; k++)
        if (st.keys[k] > c->bounds.max_keys)
            broken("keys over bound");
    for (int r = 0; r < BEHAVIOR_RELATIONS; r++)
        if (st.subjects[r] > c->bounds.max_subjects)
            broken("subjects over bound");
}

/* configure - small bounds, short periods and up to three limits from the first bytes */
static void
configure(struct input *in, struct behavior_config *c, struct behavior_limit *lim)
{
    behavior_config_defaults(c);
    c->bounds.max_keys = 1 + next(in) % 16;
    c->bounds.max_subjects = 1 + next(in) % 16;
    c->bounds.max_values = 1 + next(in) % 8;
    c->spike_warmup_ms = (uint64_t)(next(in) % 8) * 3600000;
    c->first_seen_learning_ms = (uint64_t)(next(in) % 8) * 3600000;
    c->spike_window_min = 1 + next(in) % 60;
    c->spike_min_per_hour[BEHAVIOR_MEASURE_MESSAGES] = next(in) % 50;
    c->spike_min_per_hour[BEHAVIOR_MEASURE_BYTES] = next(in) % 2 ? 1000 : 0;
    c->utc_offset_min = (int)(next(in) % 29) * 60 - 840;
    c->nlimits = next(in) % 4;
    for (size_t i = 0; i < c->nlimits; i++) {
        unsigned f = next(in);
        lim[i] = (struct behavior_limit){
            .kind = f % BEHAVIOR_KINDS,
            .measure = (f >> 3) % BEHAVIOR_MEASURES,
            .amount = 1 + next(in) % 10,
            .per_ms = (1 + next(in) % 60) * 1000ULL,
            .burst = next(in) % 4,
            .action = f & 0x40 ? BEHAVIOR_REFUSE : BEHAVIOR_DEFER,
            .identity = f & 0x80 ? "app1" : NULL,
        };
    }
    c->limits = lim;
}

/* round_trip - save, load into a new engine, compare the number of keys */
static void
round_trip(const struct behavior *b, const struct behavior_config *c, uint64_t now)
{
    char path[64], err[256];
    struct behavior *b2 = behavior_new(c, NULL, err, sizeof err);
    struct behavior_stats s1, s2;

    snprintf(path, sizeof path, "/tmp/fuzz-behavior-%d.sqlite", (int)getpid());
    if (behavior_save(b, path, now, err, sizeof err) != 0 ||
        behavior_load(b2, path, err, sizeof err) != 0)
        broken(err);
    behavior_get_stats(b, &s1);
    behavior_get_stats(b2, &s2);
    if (memcmp(s1.keys, s2.keys, sizeof s1.keys) != 0 ||
        memcmp(s1.subjects, s2.subjects, sizeof s1.subjects) != 0)
        broken("snapshot lost keys");
    unlink(path);
    behavior_free(b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    struct behavior_config c;
    struct behavior_limit lim[4];
    struct behavior_result r;
    char err[256], s[7][320], rs[5][320];
    const char *rcpts[5];
    uint64_t now = 1764547200000ULL;
    bool snapshot;
    struct behavior *b;

    configure(&in, &c, lim);
    snapshot = (next(&in) & 0x0f) == 0x0f; /* 1 in 16: a save costs an fsync */
    c.seed.k0 = next(&in);
    b = behavior_new(&c, NULL, err, sizeof err);
    if (b == NULL)
        broken("valid config refused"); /* every configuration made above is valid */
    while (in.off < in.len) {
        unsigned facts, repeat;
        struct behavior_txn t = {0};

        now = step(&in, now);
        facts = next(&in);
        t.identity = facts & 1 ? next_string(&in, s[0], sizeof s[0]) : NULL;
        t.client_addr = facts & 2 ? next_string(&in, s[1], sizeof s[1]) : NULL;
        t.auth_user = facts & 4 ? next_string(&in, s[2], sizeof s[2]) : NULL;
        t.mail_from = facts & 8 ? next_string(&in, s[3], sizeof s[3]) : NULL;
        t.tenant = facts & 16 ? next_string(&in, s[4], sizeof s[4]) : NULL;
        t.dest_server = facts & 32 ? next_string(&in, s[5], sizeof s[5]) : NULL;
        t.nrcpts = facts & 64 ? next(&in) % 6 : 0;
        for (size_t i = 0; i < t.nrcpts; i++)
            rcpts[i] = next_string(&in, rs[i], sizeof rs[i]);
        t.rcpts = t.nrcpts ? rcpts : NULL;
        t.size = (uint64_t)next(&in) << (next(&in) % 40);
        repeat = 1 + next(&in) % 64;
        for (unsigned i = 0; i < repeat; i++) {
            enum behavior_action early = behavior_check_limits(b, &t, now + i * 500, &r);
            check_result(&r);
            /* asking first changes nothing: the decision is the same */
            if (behavior_observe(b, &t, now + i * 500, &r) != early)
                broken("check_limits and observe disagree");
            check_result(&r);
        }
        check_bounds(b, &c);
    }
    if (snapshot)
        round_trip(b, &c, now);
    behavior_free(b);
    return 0;
}
