/* dlp_digits - the trigger of the digit shapes (cards, ids, phones, IBANs): nine digits with at
 * most one space or dash between two of them, as the expression `\d(?:[ -]?\d){8}`, but not
 * found by Hyperscan. Mail is full of digits, which break Hyperscan's acceleration: that
 * expression alone ran at 1.7 GB/s on the bench text and took the hot database from 2.6 to
 * 1.1 GB/s. Every digit shape has four digits in a row, so an SSE2 scan (Hyperscan needs
 * SSSE3, so every machine that runs it has SSE2) finds runs of four digits 64 bytes at a
 * time, and only around those is the chain of digits and single separators counted. A chain
 * seen whole with fewer than nine digits (a year, a time, a price) is dropped here; one that
 * runs into the end of the bytes fed so far is queued marked, and counted again when it is
 * resolved (with the following bytes in), so the triggers that count are the same whatever
 * the split. */
#include <emmintrin.h>

#include "dlp/dlp_int.h"

#define CHAIN_MAX 160 /* a chain walked further than this is queued as it is */

static inline bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool
is_sep(int c)
{
    return c == ' ' || c == '-';
}

/* digit_mask - bit i set when p[i] is an ASCII digit, for 16 bytes */
static inline unsigned
digit_mask(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i d = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    return (unsigned)_mm_movemask_epi8(d);
}

/* byte - p[i] for i inside the piece, the ring before it; -1 outside the stream */
static inline int
byte(const struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at, int64_t i)
{
    if (i >= 0 && (size_t)i < n)
        return p[i];
    if (i < 0 && (uint64_t)-i > at)
        return -1;
    return dlp_stream_byte(s, at + (uint64_t)i);
}

int
dlp_digits_chain(const struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at, uint64_t end,
                 bool more)
{
    int64_t k = (int64_t)(end - at) - 5; /* the byte before the four digits */
    unsigned digits = 4, walked = 0;

    while (walked < CHAIN_MAX) {
        int c = byte(s, p, n, at, k);
        if (is_digit(c)) {
            digits++;
            k--;
        } else if (is_sep(c) && is_digit(byte(s, p, n, at, k - 1))) {
            k--;
        } else {
            break;
        }
        walked++;
    }
    int64_t f = (int64_t)(end - at);
    while (walked < CHAIN_MAX && digits < 9) {
        int c = byte(s, p, n, at, f);
        if (c < 0)
            return more ? -1 : 0;
        if (is_digit(c)) {
            digits++;
            f++;
        } else if (is_sep(c)) {
            int d = byte(s, p, n, at, f + 1);
            if (d < 0)
                return more ? -1 : 0;
            if (!is_digit(d))
                return 0;
            f++;
        } else {
            return 0;
        }
        walked++;
    }
    return 1;
}

/* passport_end - four digits in a row start at p[j - 4]: a passport number ([MSROD]ddd[A-Z]dddd
 * or [MSROD]dddddddd) has them as its last four, or its first four after the letter */
static void
passport_end(struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at, size_t j)
{
    int64_t rs = (int64_t)j - 4;
    int c = byte(s, p, n, at, rs - 1);

    if (c == 'M' || c == 'S' || c == 'R' || c == 'O' || c == 'D')
        dlp_stream_passport(s, at + (uint64_t)rs + 8);
    if (c >= 'A' && c <= 'Z' && is_digit(byte(s, p, n, at, rs - 2)) &&
        is_digit(byte(s, p, n, at, rs - 3)) && is_digit(byte(s, p, n, at, rs - 4))) {
        c = byte(s, p, n, at, rs - 5);
        if (c == 'M' || c == 'S' || c == 'R' || c == 'O' || c == 'D')
            dlp_stream_passport(s, at + (uint64_t)rs + 4);
    }
}

/* chain_end - four digits in a row end before p[j]: queue their chain unless it is seen whole
 * with fewer than nine digits; one that runs past the piece is checked again when resolved */
static void
chain_end(struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at, size_t j)
{
    int v = dlp_digits_chain(s, p, n, at, at + j, true);

    if (v != 0)
        dlp_stream_digits(s, at + j, v < 0);
}

/* window_runs - the four-digit runs that start in one 64-byte window: `first` has bit k set
 * when four digits end at byte k and the byte before them is no digit (digit mask m) */
static void
window_runs(struct dlp_stream *s, uint64_t first, uint64_t m, const uint8_t *p, size_t n,
            uint64_t at, size_t i)
{
    while (first != 0) {
        unsigned b = (unsigned)__builtin_ctzll(first);
        first &= first - 1;
        if (s->e->passport_pat >= 0)
            passport_end(s, p, n, at, i + b + 1);
        /* a run that no separator joins to another digit, seen in the window (the byte
         * before it and the one after it are no space or dash between digits, as in
         * "name,0123456789,ok"): its length is its chain */
        uint64_t rest = b < 63 ? ~m >> (b + 1) : 0;
        if (b >= 5 && rest != 0) {
            unsigned e = b + 1 + (unsigned)__builtin_ctzll(rest); /* the byte after it */
            bool left = !((m >> (b - 5)) & 1) || !is_sep(p[i + b - 4]);
            bool right = !is_sep(p[i + e]) || (e < 63 && !((m >> (e + 1)) & 1));
            if (left && right) {
                if (e + 3 - b >= 9)
                    dlp_stream_digits(s, at + i + b + 1, false);
                continue;
            }
        }
        chain_end(s, p, n, at, i + b + 1);
    }
}

/* run_mask - the digit mask of the window before, as far as the carry needs it: the last
 * `run` bytes (at most 4) were digits */
static inline uint64_t
run_mask(unsigned run)
{
    return run == 0 ? 0 : ~(uint64_t)0 << (64 - run);
}

void
dlp_digits_scan(struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at)
{
    size_t i = 0;
    /* the window before: its digit mask (only its last bytes matter) and its four-digit
     * run ends, kept in registers across windows */
    uint64_t pm = run_mask(s->digit_run), pr = s->digit_run >= 4 ? (uint64_t)1 << 63 : 0;

    for (; i + 64 <= n; i += 64) {
        /* this scan is the first to read the text: ask for it ahead (~5% on the bench) */
        __builtin_prefetch(p + i + 1024);
        uint64_t m = (uint64_t)digit_mask(p + i) | (uint64_t)digit_mask(p + i + 16) << 16 |
                     (uint64_t)digit_mask(p + i + 32) << 32 |
                     (uint64_t)digit_mask(p + i + 48) << 48;
        /* bit k of r4: four digits end at byte k (the bytes before the window from pm) */
        uint64_t r4 = m & ((m << 1) | pm >> 63) & ((m << 2) | pm >> 62) & ((m << 3) | pm >> 61);
        uint64_t first = r4 & ~((r4 << 1) | pr >> 63);
        if (first != 0)
            window_runs(s, first, m, p, n, at, i);
        pm = m;
        pr = r4;
    }
    s->digit_run = pr >> 63 ? 4 : (unsigned)__builtin_clzll(~pm | 1); /* digits at the end */
    for (; i < n; i++) {
        if (!is_digit(p[i])) {
            s->digit_run = 0;
            continue;
        }
        if (s->digit_run == 3) {
            if (s->e->passport_pat >= 0)
                passport_end(s, p, n, at, i + 1);
            chain_end(s, p, n, at, i + 1);
        }
        if (s->digit_run < 4)
            s->digit_run++;
    }
}
