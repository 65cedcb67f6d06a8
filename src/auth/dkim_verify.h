/*
 * dkim_verify - verify the DKIM-Signature fields of one message (RFC 6376 section 6, RFC 8463).
 *
 * No DNS here: the caller looks up the key records, so this works with any resolver (c-ares,
 * a test table) and never blocks.
 *
 *   v = dkim_verifier_new(&params);
 *   dkim_verifier_headers(v, hdr, len);        the header section; finds the signatures
 *   for i < dkim_verifier_count(v):            dkim_verifier_sig(v, i)->query is the name
 *                                              ("s._domainkey.d") whose TXT record is needed
 *   dkim_verifier_body(v, data, len);          the body, in any split
 *   dkim_verifier_key(v, i, txt, len);         the TXT record text for signature i, when known
 *   dkim_verifier_finish(v);                   decides every signature
 *   dkim_verifier_result(v, i, &why);          pass / fail / permerror / temperror + reason
 *   v = dkim_verifier_free(v);
 *
 * Keys may be given before or after the body. A signature whose key was never given ends in
 * temperror (DKIM_ERR_NO_KEY). At most params.max_sigs signatures (default 5, topmost first)
 * are evaluated; the others are counted by dkim_verifier_ignored(). x= is checked against
 * params.now (Unix time given by the caller; 0 skips the check); RSA keys under
 * params.min_rsa_bits (default 1024) are permerror. A message with more From fields than a
 * signature's h= covers fails that signature. dkim_verify_message() does all of this for a
 * whole message with a lookup callback. Strings returned live as long as the verifier.
 * One owner; not thread-safe.
 */
#ifndef SW_AUTH_DKIM_VERIFY_H
#define SW_AUTH_DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim_record.h"
#include "util/buf.h"

#define DKIM_DEFAULT_MAX_SIGS 5u
#define DKIM_MAX_SIGS 64u /* max_sigs is clamped to this */

enum dkim_result {
    DKIM_RESULT_PASS,
    DKIM_RESULT_FAIL,      /* body hash or signature mismatch, From not covered, l= too long */
    DKIM_RESULT_PERMERROR, /* syntax, key revoked/bad/too small/not allowed, expired */
    DKIM_RESULT_TEMPERROR, /* no key record given (DNS temporary failure) */
};

/* dkim_result_str - "pass", "fail", "permerror", "temperror" (RFC 8601 words) */
const char *dkim_result_str(enum dkim_result r);

struct dkim_verify_params {
    uint64_t now;          /* Unix time for x=; 0 = do not check */
    unsigned max_sigs;     /* 0 = DKIM_DEFAULT_MAX_SIGS; at most DKIM_MAX_SIGS */
    unsigned min_rsa_bits; /* 0 = DKIM_MIN_VERIFY_RSA_BITS */
};

/* what the caller may read about one signature before and after finish */
struct dkim_sig_info {
    bool parsed;       /* false: the tag-list was rejected (err says why) */
    enum dkim_err err; /* parse error, else DKIM_OK */
    const char *d;     /* d= (NULL if unparsed) */
    const char *s;     /* s= */
    const char *i;     /* i= ("@d" by default) */
    const char *query; /* "s._domainkey.d", the TXT name to look up (NULL if unparsed) */
    enum dkim_alg alg;
    bool has_l;   /* l= given: only the first l bytes of the body are signed (content could */
    uint64_t l;   /* have been appended after signing; policy may distrust such signatures) */
    bool testing; /* the key record said t=y */
};

struct dkim_verifier;

struct dkim_verifier *dkim_verifier_new(const struct dkim_verify_params *p);
/* dkim_verifier_headers - once; -1 if the header section is over DKIM_MAX_HEADER_BYTES */
int dkim_verifier_headers(struct dkim_verifier *v, const char *hdr, size_t len);
size_t dkim_verifier_count(const struct dkim_verifier *v);
size_t dkim_verifier_ignored(const struct dkim_verifier *v);
const struct dkim_sig_info *dkim_verifier_sig(const struct dkim_verifier *v, size_t i);
void dkim_verifier_body(struct dkim_verifier *v, const void *data, size_t len);
/* dkim_verifier_key - the key record text for signature i (one TXT record, its strings joined);
 * 0, or -1 if i is out of range */
int dkim_verifier_key(struct dkim_verifier *v, size_t i, const char *txt, size_t len);
void dkim_verifier_finish(struct dkim_verifier *v);
/* dkim_verifier_result - after finish; *why (may be NULL) gets the reason */
enum dkim_result dkim_verifier_result(const struct dkim_verifier *v, size_t i, enum dkim_err *why);
struct dkim_verifier *dkim_verifier_free(struct dkim_verifier *v);

/* dkim_txt_fn - put the TXT record for qname in txt and return 0, or return -1 (not found or
 * temporary failure: the signature becomes temperror) */
typedef int (*dkim_txt_fn)(void *ctx, const char *qname, struct buf *txt);

/* dkim_verify_message - verify a whole raw message; the finished verifier, NULL if the header
 * section is too large */
struct dkim_verifier *dkim_verify_message(const char *msg, size_t len,
                                          const struct dkim_verify_params *p, dkim_txt_fn lookup,
                                          void *ctx);

/* dkim_header_section_len - where the body of a raw message starts (after the empty line that
 * ends the header section, whatever line ends it uses); len if there is none */
size_t dkim_header_section_len(const char *msg, size_t len);

#endif
