/*
 * dlp_edm - exact data match: find an organisation's real records in content without keeping
 * them in plaintext.
 *
 * dlp_edm_load() reads a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF; first
 * row = column names) and keeps, for each cell of the chosen columns, only a keyed hash
 * (HMAC-SHA-256 with a random key made at load time, truncated to 64 bits) of its normalised
 * form, with the row number. Normalisation, also applied to content tokens: Unicode-aware
 * lowercasing of ASCII, whitespace runs to one space, and for cells that are mostly digits all
 * separators (space, dash, dot, slash, parentheses) removed. The plaintext is dropped as the
 * file is read.
 *
 * One column is the primary (a strongly shaped value: an id number, a card, an e-mail address);
 * loose cells (names, cities) alone are noise. A match is reported when a primary cell is
 * found and at least `min_cells` cells of that same row (primary included) occur in the
 * content within `window` bytes of it.
 *
 * Matching streams: dlp_edm_stream_feed() takes UTF-8 text in any split, cuts it into tokens
 * (runs of letters/digits/@._+- and multi-word spans up to 4 words, so "Hong Gil-dong" or
 * "123 Main St" can match a cell), hashes and looks them up. State between feeds is bounded.
 *
 * Ownership: the table is immutable after load and may be shared by streams in several
 * threads; a stream belongs to one thread. Free with the matching *_free(). Errors: NULL with
 * a message naming the file, line and problem in `err`.
 */
#ifndef SW_DLP_DLP_EDM_H
#define SW_DLP_DLP_EDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dlp_edm;
struct dlp_edm_stream;

struct dlp_edm_options {
    const char *path;           /* the CSV file */
    const char *const *columns; /* column names to keep; NULL = all */
    size_t ncolumns;
    const char *primary; /* primary column name; NULL = the first kept column */
    unsigned min_cells;  /* cells of one row that must match; default 2 */
    size_t window;       /* bytes around the primary cell; default 512 */
    size_t max_rows;     /* refuse larger files; default 10,000,000 */
};

struct dlp_edm_match {
    uint64_t row;    /* 1-based data row of the CSV */
    unsigned cells;  /* cells of that row seen near the primary */
    uint64_t offset; /* offset of the primary value in the stream */
    uint32_t length;
    const char *columns; /* comma-separated names of the matched columns */
};

typedef void (*dlp_edm_match_fn)(void *ctx, const struct dlp_edm_match *m);

struct dlp_edm *dlp_edm_load(const struct dlp_edm_options *opt, char *err, size_t errlen);
/* dlp_edm_rows - data rows loaded */
uint64_t dlp_edm_rows(const struct dlp_edm *e);
struct dlp_edm *dlp_edm_free(struct dlp_edm *e);

struct dlp_edm_stream *dlp_edm_stream_new(const struct dlp_edm *e, dlp_edm_match_fn fn, void *ctx);
void dlp_edm_stream_feed(struct dlp_edm_stream *s, const uint8_t *text, size_t len);
/* dlp_edm_stream_end - flush; the stream is then ready for the next text (offsets restart) */
void dlp_edm_stream_end(struct dlp_edm_stream *s);
struct dlp_edm_stream *dlp_edm_stream_free(struct dlp_edm_stream *s);

#endif
