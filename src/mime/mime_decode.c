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

#include "util/hex.h"

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
 * The compiler builds the four rows from the alphabet (B64_VAL), so no table is written out.
 */
#define B64_BAD 0x01000000u
/* B64_VAL - the symbol value of byte c, 0xff for any other byte (a constant expression) */
#define B64_VAL(c)                                                                                 \
    ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                                        \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                                   \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                                   \
     : (c) == '+'               ? 62                                                               \
     : (c) == '/'               ? 63                                                               \
                                : 0xff)
#define B64_E(c, s) (B64_VAL(c) == 0xff ? B64_BAD : (uint32_t)B64_VAL(c) << (s))
#define B64_R4(b, s) B64_E((b), s), B64_E((b) + 1, s), B64_E((b) + 2, s), B64_E((b) + 3, s)
#define B64_R16(b, s) B64_R4(b, s), B64_R4((b) + 4, s), B64_R4((b) + 8, s), B64_R4((b) + 12, s)
#define B64_R64(b, s)                                                                              \
    B64_R16(b, s), B64_R16((b) + 16, s), B64_R16((b) + 32, s), B64_R16((b) + 48, s)
#define B64_ROW(s)                                                                                 \
    {                                                                                              \
        B64_R64(0, s), B64_R64(64, s), B64_R64(128, s), B64_R64(192, s)                            \
    }
static const uint32_t b64_t[4][256] = {B64_ROW(18), B64_ROW(12), B64_ROW(6), B64_ROW(0)};

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
            if (hex_digit(c) >= 0) {
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
            int hi = hex_digit(hex), lo = hex_digit(c);
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
