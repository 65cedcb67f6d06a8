/*
 * dkim_sign - produce a DKIM-Signature header field (RFC 6376, RFC 8463) for one message.
 *
 *   s = dkim_signer_new(&params, err);       NULL with a reason in err on bad parameters
 *   dkim_signer_headers(s, hdr, hdr_len);    the header section, once (blank line optional)
 *   dkim_signer_body(s, data, len);          the body, in any split (streaming)
 *   dkim_signer_finish(s, out);              appends "DKIM-Signature: ...\r\n" to out
 *   s = dkim_signer_free(s);
 *
 * The caller decides whether the identity may sign for the domain; the signer only refuses what
 * is never right: RSA keys under 2048 bits, a message without exactly one From field, header
 * names or domains that are not well formed. From is over-signed (listed once more than it is
 * present) so that a second From cannot be added without breaking the signature. No clock is
 * read: t= and x= come from the caller. The key is not copied and must outlive the signer.
 * Bare CR/LF in input is signed as CRLF. Errors: -1 with dkim_signer_error(). One owner.
 */
#ifndef SW_AUTH_DKIM_SIGN_H
#define SW_AUTH_DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_key.h"
#include "util/buf.h"

struct dkim_sign_params {
    const char *domain;         /* d= */
    const char *selector;       /* s= */
    const struct dkim_key *key; /* a private RSA (>= 2048 bits) or Ed25519 key */
    enum dkim_canon hcanon;     /* header canonicalisation */
    enum dkim_canon bcanon;     /* body canonicalisation */
    const char *const *headers; /* names to sign, NULL-terminated; NULL = the default list */
    const char *identity;       /* i=, optional; must be d= or under it */
    bool body_length;           /* add l= (the signed body length) */
    bool has_timestamp;         /* add t=timestamp */
    uint64_t timestamp;
    bool has_expire; /* add x=expire (must be after t=) */
    uint64_t expire;
};

struct dkim_signer;

struct dkim_signer *dkim_signer_new(const struct dkim_sign_params *p, struct buf *err);
/* dkim_signer_headers - the message's header section; -1 if too large or not exactly one From */
int dkim_signer_headers(struct dkim_signer *s, const char *hdr, size_t len);
void dkim_signer_body(struct dkim_signer *s, const void *data, size_t len);
/* dkim_signer_finish - append the folded, CRLF-terminated header field to out; call once */
int dkim_signer_finish(struct dkim_signer *s, struct buf *out);
/* dkim_signer_error - why the last call failed */
const char *dkim_signer_error(const struct dkim_signer *s);
struct dkim_signer *dkim_signer_free(struct dkim_signer *s);

/* dkim_sign_default_headers - the default list (NULL-terminated) */
const char *const *dkim_sign_default_headers(void);

#endif
