/* behavior_codec - explicit little-endian encoding of a key's windows and baselines. */
#include "behavior/behavior_codec.h"

#include <string.h>

struct reader {
    const unsigned char *p;
    size_t len, off;
    bool bad;
};

static void
put_u64(struct buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    buf_append(b, x, 8);
}

static void
put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    buf_append(b, x, 4);
}

static void
put_f64(struct buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static void
put_f32(struct buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

static uint64_t
get_n(struct reader *r, int n)
{
    uint64_t v = 0;

    if (r->bad || r->len - r->off < (size_t)n) {
        r->bad = true;
        return 0;
    }
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | r->p[r->off + (size_t)i];
    r->off += (size_t)n;
    return v;
}

static double
get_f64(struct reader *r)
{
    uint64_t v = get_n(r, 8);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static float
get_f32(struct reader *r)
{
    uint32_t v = (uint32_t)get_n(r, 4);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static void
put_slots(struct buf *b, const struct behavior_slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_u32(b, s[i].messages);
        put_u32(b, s[i].recipients);
        put_u64(b, s[i].bytes);
    }
}

static void
get_slots(struct reader *r, struct behavior_slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[i].messages = (uint32_t)get_n(r, 4);
        s[i].recipients = (uint32_t)get_n(r, 4);
        s[i].bytes = get_n(r, 8);
    }
}

static void
put_baseline(struct buf *b, const struct behavior_baseline *bl)
{
    put_u64(b, bl->first_ms);
    put_u64(b, (uint64_t)bl->hour);
    put_f64(b, bl->hour_count);
    put_f64(b, bl->mean);
    put_f64(b, bl->var);
    put_u32(b, bl->hours);
    put_u32(b, bl->alerting);
    for (int i = 0; i < BEHAVIOR_PROFILE_SLOTS; i++) {
        put_f32(b, bl->pmean[i]);
        put_f32(b, bl->pvar[i]);
        buf_append(b, &bl->pn[i], 1);
    }
}

static void
get_baseline(struct reader *r, struct behavior_baseline *bl)
{
    bl->first_ms = get_n(r, 8);
    bl->hour = (int64_t)get_n(r, 8);
    bl->hour_count = get_f64(r);
    bl->mean = get_f64(r);
    bl->var = get_f64(r);
    bl->hours = (uint32_t)get_n(r, 4);
    bl->alerting = get_n(r, 4) != 0;
    for (int i = 0; i < BEHAVIOR_PROFILE_SLOTS; i++) {
        bl->pmean[i] = get_f32(r);
        bl->pvar[i] = get_f32(r);
        bl->pn[i] = (uint8_t)get_n(r, 1);
    }
}

int
behavior_codec_encode_key(const struct behavior_mem_key *k, struct buf *out)
{
    size_t before = out->len;

    put_u64(out, k->first_ms);
    put_u64(out, k->last_ms);
    for (int s = 0; s < BEHAVIOR_SPANS; s++) {
        put_u64(out, (uint64_t)k->window.ring[s].head);
        put_u64(out, k->window.ring[s].last_ms);
    }
    put_slots(out, k->window.minute, BEHAVIOR_MINUTE_SLOTS + 1);
    put_slots(out, k->window.hour, BEHAVIOR_HOUR_SLOTS + 1);
    put_slots(out, k->window.day, BEHAVIOR_DAY_SLOTS + 1);
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        put_baseline(out, &k->baseline[m]);
    return out->len - before == behavior_codec_key_size() ? 0 : -1;
}

int
behavior_codec_decode_key(const void *data, size_t len, struct behavior_mem_key *k)
{
    struct reader r = {data, len, 0, false};

    memset(k, 0, sizeof *k);
    if (len != behavior_codec_key_size())
        return -1;
    k->first_ms = get_n(&r, 8);
    k->last_ms = get_n(&r, 8);
    for (int s = 0; s < BEHAVIOR_SPANS; s++) {
        k->window.ring[s].head = (int64_t)get_n(&r, 8);
        k->window.ring[s].last_ms = get_n(&r, 8);
    }
    get_slots(&r, k->window.minute, BEHAVIOR_MINUTE_SLOTS + 1);
    get_slots(&r, k->window.hour, BEHAVIOR_HOUR_SLOTS + 1);
    get_slots(&r, k->window.day, BEHAVIOR_DAY_SLOTS + 1);
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        get_baseline(&r, &k->baseline[m]);
    if (r.bad || r.off != len || !behavior_window_is_valid(&k->window))
        return -1;
    for (int m = 0; m < BEHAVIOR_MEASURES; m++)
        if (!behavior_baseline_is_valid(&k->baseline[m]))
            return -1;
    return 0;
}

size_t
behavior_codec_key_size(void)
{
    size_t slots = BEHAVIOR_MINUTE_SLOTS + BEHAVIOR_HOUR_SLOTS + BEHAVIOR_DAY_SLOTS + 3;
    size_t baseline = 8 * 5 + 4 * 2 + BEHAVIOR_PROFILE_SLOTS * 9;
    return 16 + BEHAVIOR_SPANS * 16 + slots * 16 + BEHAVIOR_MEASURES * baseline;
}
