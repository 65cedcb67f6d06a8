/*
 * dlp_edm_int - what the dlp_edm*.c files share: the hashed table's layout, normalisation,
 * the keyed hash, and the RFC 4180 reader. Not part of the dlp API.
 */
#ifndef SW_DLP_DLP_EDM_INT_H
#define SW_DLP_DLP_EDM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dlp/dlp_edm.h"
#include "util/buf.h"

#define EDM_MAX_COLUMNS 64 /* kept columns: one bit each in a match's column mask */
#define EDM_MAX_FILE_COLUMNS 4096
#define EDM_MAX_VALUE 256   /* normalised bytes of a cell or token; longer never match */
#define EDM_MAX_FIELD 65536 /* raw CSV field */

/* one kept cell: its keyed hash, data row (1-based) and kept-column index */
struct edm_entry {
    uint64_t hash;
    uint32_t row;
    uint16_t col;
};

/* one distinct hash: its entries are [first, first + count), the primary column's first
 * (nprimary of them, by row), then the others (by row, column) */
struct edm_slot {
    uint64_t hash;
    uint64_t first;
    uint32_t nprimary;
    uint32_t count; /* 0: an empty slot */
};

struct dlp_edm {
    EVP_MD_CTX *inner, *outer; /* SHA-256 after the key's ipad / opad block */
    struct edm_entry *entries;
    size_t nentries;
    struct edm_slot *slots;
    size_t mask; /* slots - 1, a power of two minus one */
    uint64_t rows;
    char **names; /* kept column names, in file order */
    size_t ncols;
    unsigned primary;
    unsigned min_cells;
    size_t window;
    uint8_t lengths[EDM_MAX_VALUE / 8 + 1]; /* bit n: some cell normalises to n bytes */
    size_t min_len;                         /* the shortest normalised cell */
    size_t max_words;                       /* most space-separated words in one */
    uint64_t sipkey[2];                     /* the prefilter's own random key */
    uint64_t *filter;     /* Bloom filter of SipHash values: most tokens skip the HMAC */
    uint64_t filter_mask; /* bits - 1 */
};

/* dlp_edm_normalise - the normal form hashed for cells and tokens; 0 when empty or longer
 * than EDM_MAX_VALUE */
size_t dlp_edm_normalise(const uint8_t *s, size_t n, uint8_t out[EDM_MAX_VALUE]);
/* dlp_edm_key - make the table's random HMAC key; -1 when the RNG or SHA-256 fails */
int dlp_edm_key(struct dlp_edm *e);
/* dlp_edm_hash - the table's keyed hash of a normalised value; md is the caller's scratch */
uint64_t dlp_edm_hash(const struct dlp_edm *e, EVP_MD_CTX *md, const uint8_t *s, size_t n);
/* dlp_edm_siphash - SipHash-2-4 (Aumasson, Bernstein 2012) of s under key k */
uint64_t dlp_edm_siphash(const uint64_t k[2], const uint8_t *s, size_t n);
/* dlp_edm_filter_has - may some cell have this SipHash value (false: surely none) */
bool dlp_edm_filter_has(const struct dlp_edm *e, uint64_t sip);
/* dlp_edm_lookup - the slot of a hash, NULL when no cell has it */
const struct edm_slot *dlp_edm_lookup(const struct dlp_edm *e, uint64_t hash);
/* dlp_edm_row_columns - mask of the kept columns of `row` whose cell hashes to the slot's */
uint64_t dlp_edm_row_columns(const struct dlp_edm *e, const struct edm_slot *s, uint32_t row);

/* RFC 4180 reader, push-driven; fields come out one by one */
struct edm_csv_sink {
    /* a field: index in its record, whether it ends the record, the record's first line;
     * return -1 (with a message in err) to stop */
    int (*field)(void *ctx, const uint8_t *s, size_t n, size_t index, bool last, uint64_t line,
                 char *err, size_t errlen);
    void *ctx;
};

struct edm_csv {
    struct edm_csv_sink sink;
    int state;
    struct buf field;
    size_t index;  /* field index within the record */
    uint64_t line; /* current physical line, 1-based */
    uint64_t record_line;
    bool at_start; /* nothing of the current record seen yet */
    bool failed;
};

void dlp_edm_csv_init(struct edm_csv *c, const struct edm_csv_sink *sink);
/* dlp_edm_csv_feed - parse more bytes; -1 with "line N: problem" in err */
int dlp_edm_csv_feed(struct edm_csv *c, const uint8_t *s, size_t n, char *err, size_t errlen);
/* dlp_edm_csv_finish - end of input (a last record without newline is complete) */
int dlp_edm_csv_finish(struct edm_csv *c, char *err, size_t errlen);
/* dlp_edm_csv_release - wipe and free the field buffer */
void dlp_edm_csv_release(struct edm_csv *c);

#endif
