/*
 * dkim_key - DKIM signing and verification keys (RSA, Ed25519) over OpenSSL 3 EVP.
 *
 * Private keys: dkim_key_load_pem() reads a file, dkim_key_from_pem() a buffer. Accepted:
 * PEM RSA (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"), PEM Ed25519 (PKCS#8), and the
 * bare base64 of a 32-byte Ed25519 seed (the form dkimpy and RFC 8463 A.1 use).
 * Public keys: dkim_key_from_record() takes a parsed DNS key record (p= as
 * SubjectPublicKeyInfo or bare RSAPublicKey for RSA, 32 raw bytes for Ed25519).
 *
 * Both operations work on a SHA-256 digest (DKIM_HASH_LEN bytes) of the canonical header data:
 * rsa-sha256 is RSASSA-PKCS1-v1_5 over it; ed25519-sha256 is PureEdDSA over the 32-byte digest
 * (RFC 8463 section 3). dkim_key_free() accepts NULL and returns NULL. A key is immutable after
 * creation and may be shared by threads.
 */
#ifndef SW_AUTH_DKIM_KEY_H
#define SW_AUTH_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_record.h"
#include "util/buf.h"

#define DKIM_MIN_SIGN_RSA_BITS 2048
#define DKIM_MIN_VERIFY_RSA_BITS 1024
#define DKIM_MAX_RSA_BITS 8192 /* larger published keys are DKIM_ERR_KEY_BAD */

struct dkim_key;

/* dkim_key_load_pem - a private key from a file; NULL with a reason in err */
struct dkim_key *dkim_key_load_pem(const char *path, struct buf *err);
/* dkim_key_from_pem - a private key from memory; NULL with a reason in err */
struct dkim_key *dkim_key_from_pem(const char *text, size_t len, struct buf *err);
/* dkim_key_from_record - the public key of a DNS key record; NULL with *err set
 * (DKIM_ERR_KEY_BAD, also over DKIM_MAX_RSA_BITS; DKIM_ERR_KEY_TOO_SMALL under min_rsa_bits) */
struct dkim_key *dkim_key_from_record(const struct dkim_keyrec *rec, unsigned min_rsa_bits,
                                      enum dkim_err *err);
struct dkim_key *dkim_key_free(struct dkim_key *key);

enum dkim_keytype dkim_key_type(const struct dkim_key *key);
/* dkim_key_bits - the modulus size of an RSA key, 256 for Ed25519 */
unsigned dkim_key_bits(const struct dkim_key *key);
bool dkim_key_is_private(const struct dkim_key *key);
/* dkim_key_alg - the a= value that goes with this key */
enum dkim_alg dkim_key_alg(const struct dkim_key *key);
/* dkim_key_public_record - append the DNS TXT record text ("v=DKIM1; k=...; p=...") */
int dkim_key_public_record(const struct dkim_key *key, struct buf *out);

/* dkim_key_sign - append the signature of digest to sig; 0 or -1 */
int dkim_key_sign(const struct dkim_key *key, const uint8_t digest[DKIM_HASH_LEN], struct buf *sig);
/* dkim_key_verify - true if sig is the key's signature of digest */
bool dkim_key_verify(const struct dkim_key *key, const uint8_t digest[DKIM_HASH_LEN],
                     const void *sig, size_t sig_len);

#endif
