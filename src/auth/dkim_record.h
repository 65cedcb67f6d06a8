/*
 * dkim_record - parsers for the two DKIM tag-lists (RFC 6376 3.2): the DKIM-Signature header
 * field value (3.5) and the DNS key record (3.6.1), plus the base64 they carry.
 *
 * dkim_sig_parse() fills a struct dkim_sig that owns its strings (release with
 * dkim_sig_release()); dkim_keyrec_parse() fills a struct dkim_keyrec (release with
 * dkim_keyrec_release()). Both return 0, or -1 with *err saying exactly what is wrong; the
 * struct is released again on error. Unknown tags are ignored, duplicate tags are errors.
 * dkim_taglist_parse() is the shared tokenizer (FWS allowed around names, "=" and inside
 * values). Limits: DKIM_MAX_TAGLIST bytes of input, DKIM_MAX_H_NAMES names in h=.
 * Pure; no I/O, no globals; thread-safe on distinct objects.
 */
#ifndef SW_AUTH_DKIM_RECORD_H
#define SW_AUTH_DKIM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim_canon.h"
#include "util/buf.h"

#define DKIM_MAX_TAGLIST 16384u
#define DKIM_MAX_H_NAMES 128u

enum dkim_alg { DKIM_ALG_RSA_SHA256, DKIM_ALG_ED25519_SHA256 };
enum dkim_keytype { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

/* every reason a signature can fail to parse or to verify */
enum dkim_err {
    DKIM_OK = 0,
    DKIM_ERR_SYNTAX,        /* tag-list syntax */
    DKIM_ERR_TOO_LONG,      /* input over DKIM_MAX_TAGLIST / too many h= names */
    DKIM_ERR_DUP_TAG,       /* a tag given twice */
    DKIM_ERR_MISSING_TAG,   /* a required tag is absent */
    DKIM_ERR_VERSION,       /* v= is not 1 (signature) / not DKIM1 or not first (key) */
    DKIM_ERR_ALG,           /* a= unknown or not allowed (rsa-sha1 included, RFC 8301) */
    DKIM_ERR_CANON,         /* c= unknown */
    DKIM_ERR_DOMAIN,        /* d= is not a domain name */
    DKIM_ERR_SELECTOR,      /* s= is not a selector */
    DKIM_ERR_IDENTITY,      /* i= malformed, or not d= or a subdomain of it */
    DKIM_ERR_H_NO_FROM,     /* h= does not list From */
    DKIM_ERR_H_SYNTAX,      /* h= malformed */
    DKIM_ERR_BASE64,        /* b=, bh= or p= is not base64 */
    DKIM_ERR_BH_LENGTH,     /* bh= is not a SHA-256 hash */
    DKIM_ERR_NUMBER,        /* l=, t= or x= is not a number (or overflows) */
    DKIM_ERR_EXPIRY,        /* x= is not after t= */
    DKIM_ERR_QUERY,         /* q= lists no dns/txt */
    DKIM_ERR_KEY_TYPE,      /* key k= unknown */
    DKIM_ERR_KEY_SERVICE,   /* key s= excludes email */
    DKIM_ERR_KEY_REVOKED,   /* key p= is empty */
    DKIM_ERR_KEY_HASH,      /* key h= excludes sha256 */
    DKIM_ERR_KEY_BAD,       /* key p= is not a public key of its type */
    DKIM_ERR_KEY_TOO_SMALL, /* RSA key under the minimum */
    DKIM_ERR_KEY_ALG,       /* key type does not match a= */
    DKIM_ERR_KEY_STRICT,    /* key t=s but i= is a subdomain of d= */
    DKIM_ERR_NO_KEY,        /* no key record was supplied (DNS temporary failure) */
    DKIM_ERR_EXPIRED,       /* now is past x= */
    DKIM_ERR_FROM_UNSIGNED, /* the message has more From fields than h= covers */
    DKIM_ERR_BODY_SHORT,    /* the body is shorter than l= */
    DKIM_ERR_BODY_HASH,     /* body hash mismatch */
    DKIM_ERR_SIGNATURE,     /* signature mismatch */
    DKIM_ERR_TOO_MANY,      /* past the verifier's signature limit */
};

/* dkim_err_str - a short stable text for logs and events ("body hash mismatch") */
const char *dkim_err_str(enum dkim_err err);

/* dkim_tag_fn - one tag; name and value exclude surrounding FWS; value may hold inner FWS.
 * Return -1 (with *err set) to stop. */
typedef int (*dkim_tag_fn)(void *ctx, const char *name, size_t name_len, const char *value,
                           size_t value_len, enum dkim_err *err);

/* dkim_taglist_parse - split a tag-list and call fn per tag; 0 or -1 with *err */
int dkim_taglist_parse(const char *text, size_t len, dkim_tag_fn fn, void *ctx, enum dkim_err *err);

/* a parsed DKIM-Signature */
struct dkim_sig {
    enum dkim_alg alg;
    enum dkim_canon hcanon, bcanon;
    char *d;       /* signing domain, as given */
    char *s;       /* selector */
    char *i;       /* agent or user identifier; "@d" when absent */
    char **h;      /* signed header names in order (as given) */
    size_t nh;     /* number of names in h */
    struct buf b;  /* decoded signature */
    struct buf bh; /* decoded body hash (DKIM_HASH_LEN bytes) */
    bool has_l, has_t, has_x;
    uint64_t l, t, x;
};

int dkim_sig_parse(const char *value, size_t len, struct dkim_sig *sig, enum dkim_err *err);
void dkim_sig_release(struct dkim_sig *sig);

/* a parsed DNS key record */
struct dkim_keyrec {
    enum dkim_keytype k;
    bool testing; /* t=y */
    bool strict;  /* t=s: i= must not be a subdomain of d= */
    struct buf p; /* decoded public key data (SubjectPublicKeyInfo, RSAPublicKey or raw) */
};

/* dkim_keyrec_parse - an empty p= is parsed and reported as DKIM_ERR_KEY_REVOKED (-1) */
int dkim_keyrec_parse(const char *txt, size_t len, struct dkim_keyrec *rec, enum dkim_err *err);
void dkim_keyrec_release(struct dkim_keyrec *rec);

/* dkim_base64_decode - append the decoded bytes, skipping FWS; -1 on bad input */
int dkim_base64_decode(const char *text, size_t len, struct buf *out);
/* dkim_base64_encode - append the base64 form (no line breaks) */
void dkim_base64_encode(const void *data, size_t len, struct buf *out);

/* dkim_domain_is_valid - a domain name of LDH (or UTF-8) labels separated by dots */
bool dkim_domain_is_valid(const char *s, size_t len);
/* dkim_selector_is_valid - like a domain name, '_' allowed in labels */
bool dkim_selector_is_valid(const char *s, size_t len);
/* dkim_domain_is_under - sub equals dom or is a subdomain of it, ignoring case */
bool dkim_domain_is_under(const char *sub, const char *dom);

#endif
