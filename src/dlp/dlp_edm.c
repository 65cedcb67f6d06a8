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

/* is_space - ASCII whitespace */
static bool
is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* dlp_edm_normalise - ASCII letters lowercased, whitespace runs one space, ends trimmed of
 * spaces and "._+-"; in a mostly-digit value every space, dash, dot, slash and parenthesis
 * goes, so "010-1234-5678", "010 1234 5678" and "(010) 1234.5678" are one value */
size_t
dlp_edm_normalise(const uint8_t *s, size_t n, uint8_t out[EDM_MAX_VALUE])
{
    size_t digits = 0, solid = 0, o = 0, a = 0;
    bool space = false;

    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i]))
            continue;
        solid++;
        digits += s[i] >= '0' && s[i] <= '9';
    }
    bool numeric = digits * 2 > solid;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (numeric && (is_space(c) || memchr("-./()", c, 5) != NULL))
            continue;
        if (is_space(c)) {
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
    while (a < o && memchr("._+- ", out[a], 5) != NULL)
        a++;
    while (o > a && memchr("._+- ", out[o - 1], 5) != NULL)
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

    if (RAND_bytes(key, sizeof key) != 1)
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
