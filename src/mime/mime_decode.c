/*
 * mime_decode - streaming base64 and quoted-printable (see mime_decode.h).
 *
 * base64: a fast path decodes 8 (then 4) symbols at a time through four pre-shifted tables
 * (an invalid symbol sets bits no valid one has, so one OR tells a block is clean); anything
 * else - whitespace, line ends, junk, padding, a group cut by a split - goes through the
 * byte-at-a-time state machine, which returns to the fast path as soon as a group is complete.
 *
 * quoted-printable: runs of plain bytes are copied whole; '=', blanks and line ends go through
 * a small state machine. Blanks are held (at most sizeof held) until the next byte shows
 * whether a line end follows them.
 */
#include "mime/mime_decode.h"

#include <string.h>

/* ---- base64 ---------------------------------------------------------------------------- */

enum { B64_WS = 64, B64_PAD = 65, B64_JUNK = 66 };

/* class of each byte: 0-63 symbol value, or B64_WS / B64_PAD / B64_JUNK */
// clang-format off
static const uint8_t b64_class[256] = {
#define J B64_JUNK
#define W B64_WS
    J, J, J, J, J, J, J, J, J, W, W, W, W, W, J, J, /* 0x00: HT LF VT FF CR */
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, /* 0x10 */
    W, J, J, J, J, J, J, J, J, J, J, 62, J, J, J, 63, /* 0x20: SP + / */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, J, J, J, B64_PAD, J, J, /* 0x30: 0-9 = */
    J, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, /* 0x40: A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, J, J, J, J, J, /* 0x50: P-Z */
    J, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60: a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, J, J, J, J, J, /* 0x70: p-z */
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, /* 0x80-0xff */
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
#undef J
#undef W
};
// clang-format on

/*
 * Fast-path tables: b64_t[k][c] is symbol c at position k of a 4-symbol group, already shifted
 * to its place in the 24-bit big-endian value; any non-symbol is B64_BAD, a bit no valid
 * combination sets, so one OR of four lookups decodes a group and tells whether it was clean.
 * (Generated from the alphabet; bytes 0x00-0xff, 8 per line.)
 */
#define B64_BAD 0x01000000u
#define B64_X B64_BAD
// clang-format off
static const uint32_t b64_t[4][256] = {
    {
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, 0x00f80000, B64_X, B64_X, B64_X, 0x00fc0000,
        0x00d00000, 0x00d40000, 0x00d80000, 0x00dc0000, 0x00e00000, 0x00e40000, 0x00e80000, 0x00ec0000,
        0x00f00000, 0x00f40000, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00000000, 0x00040000, 0x00080000, 0x000c0000, 0x00100000, 0x00140000, 0x00180000,
        0x001c0000, 0x00200000, 0x00240000, 0x00280000, 0x002c0000, 0x00300000, 0x00340000, 0x00380000,
        0x003c0000, 0x00400000, 0x00440000, 0x00480000, 0x004c0000, 0x00500000, 0x00540000, 0x00580000,
        0x005c0000, 0x00600000, 0x00640000, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00680000, 0x006c0000, 0x00700000, 0x00740000, 0x00780000, 0x007c0000, 0x00800000,
        0x00840000, 0x00880000, 0x008c0000, 0x00900000, 0x00940000, 0x00980000, 0x009c0000, 0x00a00000,
        0x00a40000, 0x00a80000, 0x00ac0000, 0x00b00000, 0x00b40000, 0x00b80000, 0x00bc0000, 0x00c00000,
        0x00c40000, 0x00c80000, 0x00cc0000, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
    },
    {
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, 0x0003e000, B64_X, B64_X, B64_X, 0x0003f000,
        0x00034000, 0x00035000, 0x00036000, 0x00037000, 0x00038000, 0x00039000, 0x0003a000, 0x0003b000,
        0x0003c000, 0x0003d000, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00000000, 0x00001000, 0x00002000, 0x00003000, 0x00004000, 0x00005000, 0x00006000,
        0x00007000, 0x00008000, 0x00009000, 0x0000a000, 0x0000b000, 0x0000c000, 0x0000d000, 0x0000e000,
        0x0000f000, 0x00010000, 0x00011000, 0x00012000, 0x00013000, 0x00014000, 0x00015000, 0x00016000,
        0x00017000, 0x00018000, 0x00019000, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x0001a000, 0x0001b000, 0x0001c000, 0x0001d000, 0x0001e000, 0x0001f000, 0x00020000,
        0x00021000, 0x00022000, 0x00023000, 0x00024000, 0x00025000, 0x00026000, 0x00027000, 0x00028000,
        0x00029000, 0x0002a000, 0x0002b000, 0x0002c000, 0x0002d000, 0x0002e000, 0x0002f000, 0x00030000,
        0x00031000, 0x00032000, 0x00033000, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
    },
    {
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, 0x00000f80, B64_X, B64_X, B64_X, 0x00000fc0,
        0x00000d00, 0x00000d40, 0x00000d80, 0x00000dc0, 0x00000e00, 0x00000e40, 0x00000e80, 0x00000ec0,
        0x00000f00, 0x00000f40, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00000000, 0x00000040, 0x00000080, 0x000000c0, 0x00000100, 0x00000140, 0x00000180,
        0x000001c0, 0x00000200, 0x00000240, 0x00000280, 0x000002c0, 0x00000300, 0x00000340, 0x00000380,
        0x000003c0, 0x00000400, 0x00000440, 0x00000480, 0x000004c0, 0x00000500, 0x00000540, 0x00000580,
        0x000005c0, 0x00000600, 0x00000640, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00000680, 0x000006c0, 0x00000700, 0x00000740, 0x00000780, 0x000007c0, 0x00000800,
        0x00000840, 0x00000880, 0x000008c0, 0x00000900, 0x00000940, 0x00000980, 0x000009c0, 0x00000a00,
        0x00000a40, 0x00000a80, 0x00000ac0, 0x00000b00, 0x00000b40, 0x00000b80, 0x00000bc0, 0x00000c00,
        0x00000c40, 0x00000c80, 0x00000cc0, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
    },
    {
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, 0x0000003e, B64_X, B64_X, B64_X, 0x0000003f,
        0x00000034, 0x00000035, 0x00000036, 0x00000037, 0x00000038, 0x00000039, 0x0000003a, 0x0000003b,
        0x0000003c, 0x0000003d, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x00000004, 0x00000005, 0x00000006,
        0x00000007, 0x00000008, 0x00000009, 0x0000000a, 0x0000000b, 0x0000000c, 0x0000000d, 0x0000000e,
        0x0000000f, 0x00000010, 0x00000011, 0x00000012, 0x00000013, 0x00000014, 0x00000015, 0x00000016,
        0x00000017, 0x00000018, 0x00000019, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, 0x0000001a, 0x0000001b, 0x0000001c, 0x0000001d, 0x0000001e, 0x0000001f, 0x00000020,
        0x00000021, 0x00000022, 0x00000023, 0x00000024, 0x00000025, 0x00000026, 0x00000027, 0x00000028,
        0x00000029, 0x0000002a, 0x0000002b, 0x0000002c, 0x0000002d, 0x0000002e, 0x0000002f, 0x00000030,
        0x00000031, 0x00000032, 0x00000033, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
        B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X,
    },
};
// clang-format on
#undef B64_X

void
mime_b64_init(struct mime_b64 *d)
{
    memset(d, 0, sizeof *d);
}

static inline void
put24(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 16);
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)v;
}

/* store 8 bytes of which the first 6 are the two groups (the caller guarantees 2 spare) */
static inline void
put48(uint8_t *o, uint32_t a, uint32_t b)
{
    uint64_t v = ((uint64_t)a << 40) | ((uint64_t)b << 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
    memcpy(o, &v, 8);
#else
    for (int k = 0; k < 8; k++)
        o[k] = (uint8_t)(v >> (56 - 8 * k));
#endif
}

size_t
mime_b64_feed(struct mime_b64 *d, const uint8_t *in, size_t len, uint8_t *out)
{
    /* the state lives in locals: stores through `o` may alias *d, which would force every
     * field back to memory on every byte */
    uint8_t *o = out;
    uint32_t acc = d->acc;
    unsigned nsym = d->nsym, npad = d->npad;
    uint64_t bad = d->bad, after_pad = d->after_pad;
    size_t i = 0;
    const uint32_t *t0 = b64_t[0], *t1 = b64_t[1], *t2 = b64_t[2], *t3 = b64_t[3];
    while (i < len) {
        if (nsym == 0 && npad == 0) {
            /* fast path: whole groups with nothing between them */
            size_t start = i;
            /* 8 symbols at a time; an 8-byte store needs 2 spare bytes of output, which the
             * bound (len / 4 + 1) * 3 leaves while at least 4 more input bytes follow */
            while (i + 12 <= len) {
                const uint8_t *p = in + i;
                uint32_t a = t0[p[0]] | t1[p[1]] | t2[p[2]] | t3[p[3]];
                uint32_t b = t0[p[4]] | t1[p[5]] | t2[p[6]] | t3[p[7]];
                if ((a | b) & B64_BAD)
                    break;
                put48(o, a, b);
                o += 6;
                i += 8;
            }
            while (i + 4 <= len) {
                const uint8_t *p = in + i;
                uint32_t a = t0[p[0]] | t1[p[1]] | t2[p[2]] | t3[p[3]];
                if (a & B64_BAD)
                    break;
                put24(o, a);
                o += 3;
                i += 4;
            }
            if (after_pad)
                after_pad += i - start;
            if (i >= len)
                break;
        }
        /* slow path: one byte */
        unsigned c = b64_class[in[i++]];
        if (c < 64) {
            if (npad) { /* a symbol after a group that padding ended */
                npad = 0;
                after_pad++;
            } else if (after_pad) {
                after_pad++;
            }
            acc = (acc << 6) | c;
            if (++nsym == 4) {
                put24(o, acc);
                o += 3;
                nsym = 0;
                acc = 0;
            }
        } else if (c == B64_WS) {
            continue;
        } else if (c == B64_PAD) {
            switch (nsym) {
            case 0:
                if (npad == 1) /* the second '=' of "xx==" */
                    npad = 2;
                else
                    bad++; /* stray '=' */
                break;
            case 1: /* a lone symbol then '=': nothing to decode */
                bad++;
                npad = 1;
                break;
            case 2:
                *o++ = (uint8_t)(acc >> 4);
                npad = 1;
                break;
            default: /* 3 */
                o[0] = (uint8_t)(acc >> 10);
                o[1] = (uint8_t)(acc >> 2);
                o += 2;
                npad = 2;
                break;
            }
            nsym = 0;
            acc = 0;
        } else {
            bad++;
        }
    }
    d->acc = acc;
    d->nsym = nsym;
    d->npad = npad;
    d->bad = bad;
    d->after_pad = after_pad;
    return (size_t)(o - out);
}

size_t
mime_b64_finish(struct mime_b64 *d, uint8_t *out)
{
    size_t n = 0;
    switch (d->nsym) {
    case 1:
        d->bad++; /* a lone trailing symbol */
        break;
    case 2:
        out[n++] = (uint8_t)(d->acc >> 4);
        d->unpadded = 1;
        break;
    case 3:
        out[n++] = (uint8_t)(d->acc >> 10);
        out[n++] = (uint8_t)(d->acc >> 2);
        d->unpadded = 1;
        break;
    default:
        break;
    }
    d->nsym = 0;
    d->acc = 0;
    return n;
}

/* ---- quoted-printable ------------------------------------------------------------------ */

enum {
    QP_TEXT = 0, /* plain text (blanks may be held) */
    QP_EQ,       /* '=' */
    QP_EQ_HEX,   /* '=' and one hex digit (in hex) */
    QP_EQ_WS,    /* '=' and blanks (held): transport padding before a soft break, or junk */
    QP_EQ_CR,    /* '=' [blanks] CR: a soft break if LF follows */
    QP_WS_CR,    /* blanks (held) then CR: trailing blanks if LF follows */
};

/* 0 plain, 1 blank, 2 anything the state machine must see */
// clang-format off
static const uint8_t qp_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 2, 0, 0, /* HT LF CR */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* SP */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, /* = */
};
// clang-format on

static inline int
qp_hex(unsigned c)
{
    if (c - '0' < 10)
        return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6)
        return (int)(c - 'a' + 10);
    return -1;
}

void
mime_qp_init(struct mime_qp *d)
{
    memset(d, 0, sizeof *d);
}

/* emit the held blanks */
#define QP_FLUSH()                                                                                 \
    do {                                                                                           \
        memcpy(o, d->held, nheld);                                                                 \
        o += nheld;                                                                                \
        nheld = 0;                                                                                 \
    } while (0)

size_t
mime_qp_feed(struct mime_qp *d, const uint8_t *in, size_t len, uint8_t *out)
{
    /* the state lives in locals (stores through `o` may alias *d) */
    uint8_t *o = out;
    unsigned state = d->state, nheld = d->nheld, hex = d->hex;
    uint64_t bad = d->bad;
    size_t i = 0;
    while (i < len) {
        unsigned c = in[i];
        switch (state) {
        case QP_TEXT: {
            size_t j = i;
            /* a run of plain bytes; a blank with a plain byte after it is plain too */
            while (j < len) {
                unsigned k = qp_class[in[j]];
                if (k == 0)
                    j++;
                else if (k == 1 && j + 1 < len && qp_class[in[j + 1]] == 0)
                    j += 2;
                else
                    break;
            }
            if (j > i) {
                QP_FLUSH();
                memcpy(o, in + i, j - i);
                o += j - i;
                i = j;
                if (i >= len)
                    break;
                c = in[i];
            }
            i++;
            if (c == ' ' || c == '\t') {
                if (nheld == sizeof d->held)
                    QP_FLUSH(); /* too long to be trailing padding we care about */
                d->held[nheld++] = (uint8_t)c;
            } else if (c == '\n') {
                nheld = 0; /* trailing blanks */
                *o++ = '\n';
            } else if (c == '\r') {
                if (nheld)
                    state = QP_WS_CR;
                else
                    *o++ = '\r';
            } else if (c == '=') {
                QP_FLUSH();
                state = QP_EQ;
            } else {
                QP_FLUSH();
                *o++ = (uint8_t)c;
            }
            break;
        }
        case QP_EQ:
            if (qp_hex(c) >= 0) {
                hex = c;
                state = QP_EQ_HEX;
                i++;
            } else if (c == ' ' || c == '\t') {
                d->held[nheld++] = (uint8_t)c;
                state = QP_EQ_WS;
                i++;
            } else if (c == '\n') {
                state = QP_TEXT; /* soft break */
                i++;
            } else if (c == '\r') {
                state = QP_EQ_CR;
                i++;
            } else {
                *o++ = '='; /* kept as written; c is read again as text */
                bad++;
                state = QP_TEXT;
            }
            break;
        case QP_EQ_HEX: {
            int hi = qp_hex(hex), lo = qp_hex(c);
            if (lo >= 0) {
                *o++ = (uint8_t)(hi << 4 | lo);
                i++;
            } else {
                *o++ = '=';
                *o++ = (uint8_t)hex;
                bad++;
            }
            state = QP_TEXT;
            break;
        }
        case QP_EQ_WS:
            if ((c == ' ' || c == '\t') && nheld < sizeof d->held) {
                d->held[nheld++] = (uint8_t)c;
                i++;
            } else if (c == '\n') {
                nheld = 0; /* soft break after transport padding */
                state = QP_TEXT;
                i++;
            } else if (c == '\r') {
                state = QP_EQ_CR;
                i++;
            } else {
                *o++ = '=';
                QP_FLUSH();
                bad++;
                state = QP_TEXT;
            }
            break;
        case QP_EQ_CR:
            if (c == '\n') {
                nheld = 0;
                i++;
            } else {
                *o++ = '=';
                QP_FLUSH();
                *o++ = '\r';
                bad++;
            }
            state = QP_TEXT;
            break;
        default: /* QP_WS_CR */
            if (c == '\n') {
                nheld = 0;
                *o++ = '\r';
                *o++ = '\n';
                i++;
            } else {
                QP_FLUSH();
                *o++ = '\r';
            }
            state = QP_TEXT;
            break;
        }
    }
    d->state = state;
    d->nheld = nheld;
    d->hex = (uint8_t)hex;
    d->bad = bad;
    return (size_t)(o - out);
}

size_t
mime_qp_finish(struct mime_qp *d, uint8_t *out)
{
    uint8_t *o = out;
    switch (d->state) {
    case QP_EQ_HEX:
        *o++ = '=';
        *o++ = d->hex;
        d->bad++;
        break;
    case QP_WS_CR:
        memcpy(o, d->held, d->nheld);
        o += d->nheld;
        *o++ = '\r';
        break;
    default:
        /* QP_TEXT: blanks at the end of the data are trailing; QP_EQ, QP_EQ_WS, QP_EQ_CR: a
         * '=' ending the data is a soft break (the line end went with the boundary) */
        break;
    }
    d->nheld = 0;
    d->state = QP_TEXT;
    return (size_t)(o - out);
}
