/*
 * dkim_canon - DKIM canonicalisation (RFC 6376 section 3.4) and the header-field list that the
 * signer and the verifier both select from.
 *
 * Line ends: a bare CR or a bare LF is rewritten to CRLF before anything is canonicalised, in the
 * header section and in the body alike, so that a signature never covers bytes that a later hop
 * (which will see CRLF on the wire) reads differently.
 *
 * dkim_fields_parse() copies the header section once (normalised) and splits it into fields;
 * the fields point into that copy and live until dkim_fields_release().
 * dkim_canon_header() appends one canonical field to a buf.
 * dkim_body_hash_new() returns a streaming SHA-256 body hasher: dkim_body_hash_feed() accepts
 * any split of the body (a byte at a time gives the same hash), dkim_body_hash_final() applies
 * the end-of-body rules and the l= limit. Free with dkim_body_hash_free().
 *
 * Limits: DKIM_MAX_HEADER_BYTES of header section, DKIM_MAX_FIELDS fields; beyond them
 * dkim_fields_parse() returns -1. Pure, no I/O; each object has one owner (not thread-safe).
 */
#ifndef SW_AUTH_DKIM_CANON_H
#define SW_AUTH_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define DKIM_MAX_HEADER_BYTES (1024u * 1024u)
#define DKIM_MAX_FIELDS 4096u
#define DKIM_HASH_LEN 32u /* SHA-256 */

enum dkim_canon { DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED };

/* one header field as it stands in the (normalised) header section */
struct dkim_field {
    const char *raw; /* "Name: value\r\n", folding kept, CRLF-terminated */
    size_t raw_len;
    size_t name_len; /* raw[0..name_len) is the name without trailing WSP; 0 if no colon */
};

struct dkim_fields {
    struct buf text; /* the normalised header section that the fields point into */
    struct dkim_field *v;
    size_t n;
};

/* dkim_crlf_normalise - append data to out with every bare CR or LF turned into CRLF; -1 past
 * out->max */
int dkim_crlf_normalise(struct buf *out, const char *data, size_t len);

/* dkim_fields_parse - normalise and split a header section (the empty line that ends it and
 * anything after it are ignored); 0 or -1 (too large, too many fields) */
int dkim_fields_parse(struct dkim_fields *f, const char *hdr, size_t len);
void dkim_fields_release(struct dkim_fields *f);
/* dkim_field_is - the field's name equals name, ignoring case */
bool dkim_field_is(const struct dkim_field *fl, const char *name, size_t name_len);
/* dkim_fields_count - how many fields carry this name */
size_t dkim_fields_count(const struct dkim_fields *f, const char *name, size_t name_len);

/* dkim_canon_header - append the canonical form of one field (raw must end with CRLF; so
 * does the output) */
void dkim_canon_header(enum dkim_canon c, const char *raw, size_t len, struct buf *out);

/* dkim_canon_headers - append the canonical fields that names selects (RFC 6376 5.4.2: each
 * name takes the last instance not yet taken; a name with none left adds nothing) */
void dkim_canon_headers(const struct dkim_fields *f, char *const *names, size_t n,
                        enum dkim_canon c, struct buf *out);

/* dkim_canon_sig_field - append the canonical form of a DKIM-Signature field whose b= value
 * is already empty, without the final CRLF (RFC 6376 3.7); raw may or may not end in CRLF */
void dkim_canon_sig_field(enum dkim_canon c, const char *raw, size_t len, struct buf *out);

struct dkim_body_hash;

/* dkim_body_hash_new - limit is the l= value, or UINT64_MAX for the whole body */
struct dkim_body_hash *dkim_body_hash_new(enum dkim_canon c, uint64_t limit);
void dkim_body_hash_feed(struct dkim_body_hash *h, const void *data, size_t len);
/* dkim_body_hash_final - write the hash; *total is the canonical body length (not capped by
 * limit). Call once. */
void dkim_body_hash_final(struct dkim_body_hash *h, uint8_t out[DKIM_HASH_LEN], uint64_t *total);
struct dkim_body_hash *dkim_body_hash_free(struct dkim_body_hash *h);

#endif
