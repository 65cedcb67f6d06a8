/*
 * dlp_edm - exact data match tables: load a CSV into keyed 64-bit hashes of its normalised
 * cells, look hashes up. The plaintext of a cell lives only while it is normalised and
 * hashed (read buffer, field buffer and normal form are wiped); the table holds hashes, row
 * numbers and column indexes. Streams over a table are in dlp_edm_stream.c.
 */
#include "dlp/dlp_edm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dlp/dlp_edm_int.h"

#define EDM_KEY_BYTES 32
#define EDM_SHA256_BLOCK 64

enum { C_SPACE = 1, C_NUMSEP = 2, C_TRIM = 4, C_DIGIT = 8 };

/* byte classes for normalisation: whitespace; what a number drops; what ends are trimmed of */
static const uint8_t cls[256] = {
    ['\t'] = C_SPACE | C_NUMSEP,
    ['\n'] = C_SPACE | C_NUMSEP,
    ['\v'] = C_SPACE | C_NUMSEP,
    ['\f'] = C_SPACE | C_NUMSEP,
    ['\r'] = C_SPACE | C_NUMSEP,
    [' '] = C_SPACE | C_NUMSEP | C_TRIM,
    ['-'] = C_NUMSEP | C_TRIM,
    ['.'] = C_NUMSEP | C_TRIM,
    ['/'] = C_NUMSEP,
    ['('] = C_NUMSEP,
    [')'] = C_NUMSEP,
    ['_'] = C_TRIM,
    ['+'] = C_TRIM,
    ['0'] = C_DIGIT,
    ['1'] = C_DIGIT,
    ['2'] = C_DIGIT,
    ['3'] = C_DIGIT,
    ['4'] = C_DIGIT,
    ['5'] = C_DIGIT,
    ['6'] = C_DIGIT,
    ['7'] = C_DIGIT,
    ['8'] = C_DIGIT,
    ['9'] = C_DIGIT,
};

/* dlp_edm_normalise - ASCII letters lowercased, whitespace runs one space, ends trimmed of
 * spaces and "._+-"; in a mostly-digit value every space, dash, dot, slash and parenthesis
 * goes, so "010-1234-5678", "010 1234 5678" and "(010) 1234.5678" are one value */
size_t
dlp_edm_normalise(const uint8_t *s, size_t n, uint8_t out[EDM_MAX_VALUE])
{
    size_t digits = 0, solid = 0, o = 0, a = 0;
    bool space = false;

    for (size_t i = 0; i < n; i++) {
        solid += !(cls[s[i]] & C_SPACE);
        digits += cls[s[i]] & C_DIGIT ? 1 : 0;
    }
    uint8_t drop = digits * 2 > solid ? C_NUMSEP : 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (cls[c] & drop)
            continue;
        if (cls[c] & C_SPACE) {
            space = o > 0;
            continue;
        }
        if (o + (space ? 2 : 1) > EDM_MAX_VALUE)
            return 0;
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
    }
    while (a < o && (cls[out[a]] & C_TRIM))
        a++;
    while (o > a && (cls[out[o - 1]] & C_TRIM))
        o--;
    memmove(out, out + a, o - a);
    return o - a;
}

/* dlp_edm_hash - HMAC-SHA-256 (RFC 2104) from the keyed inner and outer states, first 8
 * bytes */
uint64_t
dlp_edm_hash(const struct dlp_edm *e, EVP_MD_CTX *md, const uint8_t *s, size_t n)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    uint64_t h = 0;

    if (!EVP_MD_CTX_copy_ex(md, e->inner) || !EVP_DigestUpdate(md, s, n) ||
        !EVP_DigestFinal_ex(md, d, NULL) || !EVP_MD_CTX_copy_ex(md, e->outer) ||
        !EVP_DigestUpdate(md, d, 32) || !EVP_DigestFinal_ex(md, d, NULL))
        abort(); /* SHA-256 over memory cannot fail short of a broken library */
    for (int i = 7; i >= 0; i--)
        h = h << 8 | d[i];
    return h;
}

/* rotl - rotate left */
static inline uint64_t
rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

/* sip_round - one SipRound */
static inline void
sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

/* dlp_edm_siphash - SipHash-2-4, little-endian words, length in the last byte */
uint64_t
dlp_edm_siphash(const uint64_t k[2], const uint8_t *s, size_t n)
{
    uint64_t v[4] = {k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
                     k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull};
    uint64_t m, last = (uint64_t)n << 56;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        m = 0;
        for (int j = 7; j >= 0; j--)
            m = m << 8 | s[i + (size_t)j];
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    for (size_t j = 0; i + j < n; j++)
        last |= (uint64_t)s[i + j] << (8 * j);
    v[3] ^= last;
    sip_round(v);
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* dlp_edm_filter_has - two bits of the filter, from the two halves of the value */
bool
dlp_edm_filter_has(const struct dlp_edm *e, uint64_t sip)
{
    uint64_t a = sip & e->filter_mask, b = (sip >> 32 | sip << 32) & e->filter_mask;

    return (e->filter[a / 64] >> (a % 64) & 1) && (e->filter[b / 64] >> (b % 64) & 1);
}

/* dlp_edm_lookup - linear probing from the hash's low bits */
const struct edm_slot *
dlp_edm_lookup(const struct dlp_edm *e, uint64_t hash)
{
    for (size_t i = hash & e->mask; e->slots[i].count != 0; i = (i + 1) & e->mask)
        if (e->slots[i].hash == hash)
            return &e->slots[i];
    return NULL;
}

/* lower_row - first entry in [lo, hi) with row >= row (entries sorted by row there) */
static uint64_t
lower_row(const struct edm_entry *v, uint64_t lo, uint64_t hi, uint32_t row)
{
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (v[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* dlp_edm_row_columns - binary search in the slot's primary entries, then in the others */
uint64_t
dlp_edm_row_columns(const struct dlp_edm *e, const struct edm_slot *s, uint32_t row)
{
    uint64_t mask = 0, p_end = s->first + s->nprimary, end = s->first + s->count;
    uint64_t i = lower_row(e->entries, s->first, p_end, row);

    if (i < p_end && e->entries[i].row == row)
        mask |= 1ull << e->primary;
    for (i = lower_row(e->entries, p_end, end, row); i < end && e->entries[i].row == row; i++)
        mask |= 1ull << e->entries[i].col;
    return mask;
}

/* dlp_edm_rows - data rows loaded */
uint64_t
dlp_edm_rows(const struct dlp_edm *e)
{
    return e != NULL ? e->rows : 0;
}

/* dlp_edm_free - wipe the hashes and free */
struct dlp_edm *
dlp_edm_free(struct dlp_edm *e)
{
    if (e == NULL)
        return NULL;
    EVP_MD_CTX_free(e->inner);
    EVP_MD_CTX_free(e->outer);
    if (e->entries != NULL)
        OPENSSL_cleanse(e->entries, e->nentries * sizeof *e->entries);
    free(e->entries);
    free(e->slots);
    free(e->filter);
    for (size_t i = 0; i < e->ncols; i++)
        free(e->names[i]);
    free(e->names);
    free(e);
    return NULL;
}

/* dlp_edm_key - a fresh random key, absorbed into the HMAC inner and outer states */
int
dlp_edm_key(struct dlp_edm *e)
{
    unsigned char key[EDM_KEY_BYTES], ipad[EDM_SHA256_BLOCK], opad[EDM_SHA256_BLOCK];
    int rc = -1;

    if (RAND_bytes(key, sizeof key) != 1 ||
        RAND_bytes((unsigned char *)e->sipkey, sizeof e->sipkey) != 1)
        goto out_wipe;
    for (size_t i = 0; i < EDM_SHA256_BLOCK; i++) {
        unsigned char k = i < sizeof key ? key[i] : 0;
        ipad[i] = k ^ 0x36;
        opad[i] = k ^ 0x5c;
    }
    e->inner = EVP_MD_CTX_new();
    e->outer = EVP_MD_CTX_new();
    if (e->inner == NULL || e->outer == NULL || !EVP_DigestInit_ex(e->inner, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(e->inner, ipad, sizeof ipad) ||
        !EVP_DigestInit_ex(e->outer, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(e->outer, opad, sizeof opad))
        goto out_wipe;
    rc = 0;
out_wipe:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return rc;
}
