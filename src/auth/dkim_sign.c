/* dkim_sign - build and sign a DKIM-Signature header field. */
#include "auth/dkim_sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim_record.h"
#include "util/log.h"
#include "util/mem.h"

#define FOLD_COLS 78u
#define MAX_SIGN_NAMES 64u

static const char *const default_headers[] = {
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "sender",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "in-reply-to",
    "references",
    NULL,
};

struct dkim_signer {
    char *domain, *selector, *identity;
    const struct dkim_key *key;
    enum dkim_canon hcanon, bcanon;
    char **names; /* configured names, lowercase */
    size_t nnames;
    bool body_length, has_timestamp, has_expire;
    uint64_t timestamp, expire;
    struct dkim_fields fields;
    bool have_headers;
    struct dkim_body_hash *body;
    struct buf error;
};

/* folding state of the header field being written */
struct fold {
    struct buf *out;
    size_t col;
};

/* dkim_sign_default_headers - the names signed when the caller gives none */
const char *const *
dkim_sign_default_headers(void)
{
    return default_headers;
}

/* name_is_valid - a header field name: printable ASCII except ':' */
static bool
name_is_valid(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e || *s == ':')
            return false;
    return true;
}

/* lower_dup - a lowercase copy */
static char *
lower_dup(const char *s)
{
    char *d = xstrdup(s);
    for (char *p = d; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* identity_is_valid - i= text that is all VALCHAR and ends in "@" + d= or a subdomain */
static bool
identity_is_valid(const char *id, const char *domain)
{
    const char *at = strrchr(id, '@');
    for (const char *c = id; *c != '\0'; c++)
        if ((unsigned char)*c <= 0x20 || *c == ';' || *c == 0x7f)
            return false;
    return at != NULL && dkim_domain_is_valid(at + 1, strlen(at + 1)) &&
           dkim_domain_is_under(at + 1, domain);
}

/* check_params - what is never right to sign with; a reason in err */
static int
check_params(const struct dkim_sign_params *p, struct buf *err)
{
    const char *why = NULL;

    if (p->domain == NULL || !dkim_domain_is_valid(p->domain, strlen(p->domain)))
        why = "domain is not a valid domain name";
    else if (p->selector == NULL || !dkim_selector_is_valid(p->selector, strlen(p->selector)))
        why = "selector is not valid";
    else if (p->key == NULL || !dkim_key_is_private(p->key))
        why = "no private key";
    else if (dkim_key_type(p->key) == DKIM_KEY_RSA &&
             dkim_key_bits(p->key) < DKIM_MIN_SIGN_RSA_BITS)
        why = "RSA key is under 2048 bits";
    else if (p->identity != NULL && !identity_is_valid(p->identity, p->domain))
        why = "identity is not within the domain";
    else if (p->has_timestamp && p->has_expire && p->expire <= p->timestamp)
        why = "expiry is not after the timestamp";
    if (why == NULL)
        return 0;
    buf_append_str(err, why);
    return -1;
}

/* set_names - copy the header names; From must be among them */
static int
set_names(struct dkim_signer *s, const char *const *names, struct buf *err)
{
    bool from = false;

    for (size_t i = 0; names[i] != NULL; i++) {
        if (!name_is_valid(names[i]) || i >= MAX_SIGN_NAMES) {
            buf_printf(err, "bad or too many header names at \"%.40s\"", names[i]);
            return -1;
        }
        s->names = xrealloc(s->names, (s->nnames + 1) * sizeof *s->names);
        s->names[s->nnames++] = lower_dup(names[i]);
        from = from || strcmp(s->names[s->nnames - 1], "from") == 0;
    }
    if (!from) {
        buf_append_str(err, "the header list must include from");
        return -1;
    }
    return 0;
}

/* dkim_signer_new - check the parameters and set up a signer */
struct dkim_signer *
dkim_signer_new(const struct dkim_sign_params *p, struct buf *err)
{
    struct dkim_signer *s;

    if (check_params(p, err) < 0)
        return NULL;
    s = xcalloc(1, sizeof *s);
    buf_init(&s->error, 512);
    s->domain = xstrdup(p->domain);
    s->selector = xstrdup(p->selector);
    s->identity = p->identity ? xstrdup(p->identity) : NULL;
    s->key = p->key;
    s->hcanon = p->hcanon;
    s->bcanon = p->bcanon;
    s->body_length = p->body_length;
    s->has_timestamp = p->has_timestamp;
    s->timestamp = p->timestamp;
    s->has_expire = p->has_expire;
    s->expire = p->expire;
    if (set_names(s, p->headers ? p->headers : default_headers, err) < 0)
        return dkim_signer_free(s);
    s->body = dkim_body_hash_new(s->bcanon, UINT64_MAX);
    return s;
}

/* fail - record why a call failed */
static int
fail(struct dkim_signer *s, const char *why)
{
    buf_reset(&s->error);
    buf_append_str(&s->error, why);
    return -1;
}

/* dkim_signer_headers - take the header section; exactly one From */
int
dkim_signer_headers(struct dkim_signer *s, const char *hdr, size_t len)
{
    if (s->have_headers)
        return fail(s, "headers given twice");
    s->have_headers = true;
    if (dkim_fields_parse(&s->fields, hdr, len) < 0)
        return fail(s, "header section too large");
    if (dkim_fields_count(&s->fields, "from", 4) != 1)
        return fail(s, "the message must have exactly one From field");
    return 0;
}

/* dkim_signer_body - hash a piece of the body */
void
dkim_signer_body(struct dkim_signer *s, const void *data, size_t len)
{
    dkim_body_hash_feed(s->body, data, len);
}

/* fold_word - append a word, starting a continuation line first if it would pass the margin */
static void
fold_word(struct fold *f, const char *w, size_t n, bool space)
{
    if (f->col + (space ? 1 : 0) + n > FOLD_COLS && f->col > 1) {
        buf_append(f->out, "\r\n ", 3);
        f->col = 1;
    } else if (space) {
        buf_append(f->out, " ", 1);
        f->col++;
    }
    buf_append(f->out, w, n);
    f->col += n;
}

/* fold_tag - "name=value;" as one word */
static void
fold_tag(struct fold *f, const char *name, const char *value)
{
    struct buf w;
    buf_init(&w, 0);
    buf_printf(&w, "%s=%s;", name, value);
    fold_word(f, w.data, w.len, true);
    buf_release(&w);
}

/* fold_base64 - a base64 value cut into pieces that fill the lines (FWS is allowed inside) */
static void
fold_base64(struct fold *f, const char *text, size_t len)
{
    while (len > 0) {
        if (f->col + 8 > FOLD_COLS) {
            buf_append(f->out, "\r\n ", 3);
            f->col = 1;
        }
        size_t n = FOLD_COLS - f->col;
        if (n > len)
            n = len;
        buf_append(f->out, text, n);
        f->col += n;
        text += n;
        len -= n;
    }
}

/* signed_names - the h= list: each configured name as often as it is present, From once more */
static char **
signed_names(const struct dkim_signer *s, size_t *n)
{
    char **v = NULL;
    *n = 0;
    for (size_t i = 0; i < s->nnames; i++) {
        size_t count = dkim_fields_count(&s->fields, s->names[i], strlen(s->names[i]));
        if (strcmp(s->names[i], "from") == 0)
            count++;
        for (size_t k = 0; k < count; k++) {
            v = xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = s->names[i];
        }
    }
    return v;
}

/* write_h - h=name:name:...; folded after a colon where needed */
static void
write_h(struct fold *f, char **names, size_t n)
{
    struct buf w;
    buf_init(&w, 0);
    for (size_t i = 0; i < n; i++) {
        buf_reset(&w);
        buf_printf(&w, "%s%s%s", i == 0 ? "h=" : "", names[i], i + 1 < n ? ":" : ";");
        fold_word(f, w.data, w.len, i == 0);
    }
    buf_release(&w);
}

/* write_field - the field up to and including "b=" (the part that is signed) */
static void
write_field(const struct dkim_signer *s, struct fold *f, char **names, size_t n,
            const uint8_t bh[DKIM_HASH_LEN], uint64_t body_len)
{
    static const char *const canon[] = {"simple", "relaxed"};
    char num[32];
    struct buf v;

    buf_init(&v, 0);
    buf_append_str(f->out, "DKIM-Signature:");
    f->col = 15;
    fold_tag(f, "v", "1");
    fold_tag(f, "a", dkim_key_alg(s->key) == DKIM_ALG_RSA_SHA256 ? "rsa-sha256" : "ed25519-sha256");
    buf_printf(&v, "%s/%s", canon[s->hcanon], canon[s->bcanon]);
    fold_tag(f, "c", v.data);
    fold_tag(f, "d", s->domain);
    if (s->identity != NULL)
        fold_tag(f, "i", s->identity);
    fold_tag(f, "s", s->selector);
    snprintf(num, sizeof num, "%" PRIu64, s->timestamp);
    if (s->has_timestamp)
        fold_tag(f, "t", num);
    snprintf(num, sizeof num, "%" PRIu64, s->expire);
    if (s->has_expire)
        fold_tag(f, "x", num);
    snprintf(num, sizeof num, "%" PRIu64, body_len);
    if (s->body_length)
        fold_tag(f, "l", num);
    write_h(f, names, n);
    buf_reset(&v);
    dkim_base64_encode(bh, DKIM_HASH_LEN, &v);
    fold_tag(f, "bh", v.data);
    fold_word(f, "b=", 2, true);
    buf_release(&v);
}

/* header_digest - SHA-256 of the selected canonical fields and the field being signed */
static void
header_digest(const struct dkim_signer *s, char **names, size_t n, const struct buf *field,
              uint8_t digest[DKIM_HASH_LEN])
{
    struct buf data;
    unsigned int len = 0;

    buf_init(&data, 0);
    dkim_canon_headers(&s->fields, names, n, s->hcanon, &data);
    dkim_canon_sig_field(s->hcanon, field->data, field->len, &data);
    if (EVP_Digest(data.data, data.len, digest, &len, EVP_sha256(), NULL) != 1)
        die_bug("dkim: SHA-256 failed");
    buf_release(&data);
}

/* dkim_signer_finish - write the DKIM-Signature field: hash, sign, fold */
int
dkim_signer_finish(struct dkim_signer *s, struct buf *out)
{
    uint8_t bh[DKIM_HASH_LEN], digest[DKIM_HASH_LEN];
    uint64_t body_len = 0;
    size_t n = 0;
    char **names;
    struct buf field, sig, b64;
    struct fold f;
    int rc = -1;

    if (!s->have_headers || s->body == NULL)
        return fail(s, "no headers, or finish called twice");
    if (dkim_fields_count(&s->fields, "from", 4) != 1)
        return fail(s, "the message must have exactly one From field");
    dkim_body_hash_final(s->body, bh, &body_len);
    s->body = dkim_body_hash_free(s->body);
    names = signed_names(s, &n);
    if (n > DKIM_MAX_H_NAMES) {
        free(names);
        return fail(s, "too many header fields to sign");
    }
    buf_init(&field, 0);
    buf_init(&sig, 0);
    buf_init(&b64, 0);
    f.out = &field;
    write_field(s, &f, names, n, bh, body_len);
    header_digest(s, names, n, &field, digest);
    if (dkim_key_sign(s->key, digest, &sig) < 0) {
        fail(s, "signing failed");
        goto out_release;
    }
    dkim_base64_encode(sig.data, sig.len, &b64);
    fold_base64(&f, b64.data, b64.len);
    buf_append(&field, "\r\n", 2);
    rc = buf_append(out, field.data, field.len);
out_release:
    buf_release(&b64);
    buf_release(&sig);
    buf_release(&field);
    free(names);
    return rc;
}

const char *
dkim_signer_error(const struct dkim_signer *s)
{
    return s->error.data;
}

/* dkim_signer_free - release a signer */
struct dkim_signer *
dkim_signer_free(struct dkim_signer *s)
{
    if (s == NULL)
        return NULL;
    free(s->domain);
    free(s->selector);
    free(s->identity);
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i]);
    free(s->names);
    dkim_fields_release(&s->fields);
    dkim_body_hash_free(s->body);
    buf_release(&s->error);
    free(s);
    return NULL;
}
