/* dkim_verify - evaluate DKIM-Signature fields against key records the caller supplies. */
#include "auth/dkim_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_key.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_TXT_BYTES 8192u

/* one signature under evaluation */
struct vsig {
    struct dkim_sig_info info;
    struct dkim_sig sig;            /* valid when info.parsed */
    const struct dkim_field *field; /* the DKIM-Signature field in the header list */
    char *query;
    struct dkim_body_hash *body;
    struct dkim_key *key;
    bool key_given;
    bool strict; /* key t=s */
    enum dkim_result result;
    enum dkim_err err;
};

struct dkim_verifier {
    uint64_t now;
    unsigned max_sigs, min_rsa_bits;
    struct dkim_fields fields;
    bool have_headers, finished;
    struct vsig *sigs;
    size_t n, ignored;
};

/* dkim_result_str - the RFC 8601 word for a result */
const char *
dkim_result_str(enum dkim_result r)
{
    switch (r) {
    case DKIM_RESULT_PASS:
        return "pass";
    case DKIM_RESULT_FAIL:
        return "fail";
    case DKIM_RESULT_PERMERROR:
        return "permerror";
    case DKIM_RESULT_TEMPERROR:
        return "temperror";
    }
    return "temperror";
}

/* dkim_verifier_new - a verifier with defaults filled in */
struct dkim_verifier *
dkim_verifier_new(const struct dkim_verify_params *p)
{
    struct dkim_verifier *v = xcalloc(1, sizeof *v);
    v->now = p->now;
    v->max_sigs = p->max_sigs ? p->max_sigs : DKIM_DEFAULT_MAX_SIGS;
    if (v->max_sigs > DKIM_MAX_SIGS)
        v->max_sigs = DKIM_MAX_SIGS;
    v->min_rsa_bits = p->min_rsa_bits ? p->min_rsa_bits : DKIM_MIN_VERIFY_RSA_BITS;
    return v;
}

/* set_result - the outcome of one signature, the first one decided stands */
static void
set_result(struct vsig *vs, enum dkim_result r, enum dkim_err err)
{
    if (vs->err != DKIM_OK)
        return;
    vs->result = r;
    vs->err = err;
}

/* field_value - the part of a raw field after its colon */
static const char *
field_value(const struct dkim_field *fl, size_t *len)
{
    const char *colon = memchr(fl->raw, ':', fl->raw_len);
    *len = fl->raw_len - (size_t)(colon + 1 - fl->raw);
    return colon + 1;
}

/* from_is_covered - h= lists from at least as often as the message has From fields */
static bool
from_is_covered(const struct dkim_verifier *v, const struct dkim_sig *sig)
{
    size_t listed = 0;
    for (size_t k = 0; k < sig->nh; k++)
        if (strcasecmp(sig->h[k], "from") == 0)
            listed++;
    return dkim_fields_count(&v->fields, "from", 4) <= listed;
}

/* add_sig - parse one DKIM-Signature field and prepare its body hash */
static void
add_sig(struct dkim_verifier *v, const struct dkim_field *fl)
{
    struct vsig *vs = &v->sigs[v->n++];
    size_t len;
    const char *value = field_value(fl, &len);
    struct dkim_sig *sig = &vs->sig;

    vs->field = fl;
    vs->result = DKIM_RESULT_TEMPERROR;
    if (dkim_sig_parse(value, len, sig, &vs->info.err) < 0) {
        set_result(vs, DKIM_RESULT_PERMERROR, vs->info.err);
        return;
    }
    vs->info.parsed = true;
    vs->info.d = sig->d;
    vs->info.s = sig->s;
    vs->info.i = sig->i;
    vs->info.alg = sig->alg;
    vs->info.has_l = sig->has_l;
    vs->info.l = sig->l;
    size_t qlen = strlen(sig->s) + strlen(sig->d) + sizeof "._domainkey.";
    vs->query = xmalloc(qlen);
    snprintf(vs->query, qlen, "%s._domainkey.%s", sig->s, sig->d);
    vs->info.query = vs->query;
    vs->body = dkim_body_hash_new(sig->bcanon, sig->has_l ? sig->l : UINT64_MAX);
    if (sig->has_x && v->now != 0 && v->now > sig->x)
        set_result(vs, DKIM_RESULT_PERMERROR, DKIM_ERR_EXPIRED);
    if (!from_is_covered(v, sig))
        set_result(vs, DKIM_RESULT_FAIL, DKIM_ERR_FROM_UNSIGNED);
}

/* dkim_verifier_headers - find and parse the DKIM-Signature fields (up to max_sigs) */
int
dkim_verifier_headers(struct dkim_verifier *v, const char *hdr, size_t len)
{
    if (v->have_headers)
        return -1;
    v->have_headers = true;
    if (dkim_fields_parse(&v->fields, hdr, len) < 0)
        return -1;
    v->sigs = xcalloc(v->max_sigs, sizeof *v->sigs);
    for (size_t k = 0; k < v->fields.n; k++) {
        const struct dkim_field *fl = &v->fields.v[k];
        if (!dkim_field_is(fl, "dkim-signature", 14))
            continue;
        if (v->n == v->max_sigs)
            v->ignored++;
        else
            add_sig(v, fl);
    }
    return 0;
}

size_t
dkim_verifier_count(const struct dkim_verifier *v)
{
    return v->n;
}

size_t
dkim_verifier_ignored(const struct dkim_verifier *v)
{
    return v->ignored;
}

const struct dkim_sig_info *
dkim_verifier_sig(const struct dkim_verifier *v, size_t i)
{
    return i < v->n ? &v->sigs[i].info : NULL;
}

/* dkim_verifier_body - feed a piece of the body to every signature's hasher */
void
dkim_verifier_body(struct dkim_verifier *v, const void *data, size_t len)
{
    for (size_t k = 0; k < v->n; k++)
        if (v->sigs[k].body != NULL)
            dkim_body_hash_feed(v->sigs[k].body, data, len);
}

/* key_check - the key record against the signature that names it (RFC 6376 6.1.2) */
static enum dkim_err
key_check(const struct dkim_verifier *v, struct vsig *vs, const struct dkim_keyrec *rec)
{
    enum dkim_err err;
    enum dkim_keytype want = vs->sig.alg == DKIM_ALG_RSA_SHA256 ? DKIM_KEY_RSA : DKIM_KEY_ED25519;

    if (rec->k != want)
        return DKIM_ERR_KEY_ALG;
    if (rec->strict && strcasecmp(strrchr(vs->sig.i, '@') + 1, vs->sig.d) != 0)
        return DKIM_ERR_KEY_STRICT;
    vs->key = dkim_key_from_record(rec, v->min_rsa_bits, &err);
    return vs->key == NULL ? err : DKIM_OK;
}

/* dkim_verifier_key - take the key record for one signature and check it against it */
int
dkim_verifier_key(struct dkim_verifier *v, size_t i, const char *txt, size_t len)
{
    struct dkim_keyrec rec;
    enum dkim_err err;
    struct vsig *vs;

    if (i >= v->n)
        return -1;
    vs = &v->sigs[i];
    if (!vs->info.parsed || vs->key_given)
        return 0;
    vs->key_given = true;
    if (txt == NULL)
        return 0; /* stays temperror */
    if (len > MAX_TXT_BYTES || dkim_keyrec_parse(txt, len, &rec, &err) < 0) {
        set_result(vs, DKIM_RESULT_PERMERROR, len > MAX_TXT_BYTES ? DKIM_ERR_TOO_LONG : err);
        return 0;
    }
    vs->info.testing = rec.testing;
    err = key_check(v, vs, &rec);
    if (err != DKIM_OK)
        set_result(vs, DKIM_RESULT_PERMERROR, err);
    dkim_keyrec_release(&rec);
    return 0;
}

struct b_pos {
    const char *base;
    size_t eq, end; /* b= value: after '=' up to ';' or the end */
    bool found;
};

/* find_b - remember where the b= value lies */
static int
find_b(void *ctx, const char *n, size_t nl, const char *val, size_t vl, enum dkim_err *err)
{
    struct b_pos *b = ctx;
    if (nl != 1 || n[0] != 'b')
        return 0;
    size_t start = (size_t)(val - b->base), end = start + vl;
    while (b->base[start - 1] != '=')
        start--;
    while (b->base[end] != '\0' && b->base[end] != ';')
        end++;
    b->eq = start;
    b->end = end;
    b->found = true;
    return 0;
}

/* header_digest - SHA-256 of the signed fields and the signature field with b= emptied */
static int
header_digest(const struct dkim_verifier *v, const struct vsig *vs, uint8_t out[DKIM_HASH_LEN])
{
    struct buf field, data;
    struct b_pos b = {0};
    enum dkim_err err;
    unsigned int n = 0;
    size_t colon =
        (size_t)((const char *)memchr(vs->field->raw, ':', vs->field->raw_len) - vs->field->raw);
    int rc = -1;

    buf_init(&field, 0);
    buf_init(&data, 0);
    buf_append(&field, vs->field->raw, vs->field->raw_len);
    b.base = field.data + colon + 1;
    if (dkim_taglist_parse(b.base, field.len - colon - 1, find_b, &b, &err) < 0 || !b.found)
        goto out_release;
    /* RFC 6376 3.7: the b= value, with the whitespace around it, counts as empty */
    memmove(field.data + colon + 1 + b.eq, field.data + colon + 1 + b.end,
            field.len - (colon + 1 + b.end));
    field.len -= b.end - b.eq;
    dkim_canon_headers(&v->fields, vs->sig.h, vs->sig.nh, vs->sig.hcanon, &data);
    dkim_canon_sig_field(vs->sig.hcanon, field.data, field.len, &data);
    if (EVP_Digest(data.data, data.len, out, &n, EVP_sha256(), NULL) != 1)
        die_bug("dkim: SHA-256 failed");
    rc = 0;
out_release:
    buf_release(&data);
    buf_release(&field);
    return rc;
}

/* decide - the result of one signature whose key and body are in */
static void
decide(const struct dkim_verifier *v, struct vsig *vs)
{
    uint8_t bh[DKIM_HASH_LEN], digest[DKIM_HASH_LEN];
    uint64_t total = 0;

    dkim_body_hash_final(vs->body, bh, &total);
    vs->body = dkim_body_hash_free(vs->body);
    if (vs->err != DKIM_OK)
        return;
    if (!vs->key_given || vs->key == NULL) {
        set_result(vs, DKIM_RESULT_TEMPERROR, DKIM_ERR_NO_KEY);
        return;
    }
    if (vs->sig.has_l && total < vs->sig.l)
        set_result(vs, DKIM_RESULT_FAIL, DKIM_ERR_BODY_SHORT);
    else if (CRYPTO_memcmp(bh, vs->sig.bh.data, DKIM_HASH_LEN) != 0)
        set_result(vs, DKIM_RESULT_FAIL, DKIM_ERR_BODY_HASH);
    else if (header_digest(v, vs, digest) < 0 ||
             !dkim_key_verify(vs->key, digest, vs->sig.b.data, vs->sig.b.len))
        set_result(vs, DKIM_RESULT_FAIL, DKIM_ERR_SIGNATURE);
    else
        vs->result = DKIM_RESULT_PASS;
}

/* dkim_verifier_finish - decide every signature */
void
dkim_verifier_finish(struct dkim_verifier *v)
{
    if (v->finished)
        return;
    v->finished = true;
    for (size_t k = 0; k < v->n; k++)
        if (v->sigs[k].info.parsed)
            decide(v, &v->sigs[k]);
}

/* dkim_verifier_result - the result of one signature and why */
enum dkim_result
dkim_verifier_result(const struct dkim_verifier *v, size_t i, enum dkim_err *why)
{
    if (i >= v->n || !v->finished) {
        if (why != NULL)
            *why = DKIM_ERR_NO_KEY;
        return DKIM_RESULT_TEMPERROR;
    }
    if (why != NULL)
        *why = v->sigs[i].err;
    return v->sigs[i].result;
}

/* dkim_verifier_free - release a verifier */
struct dkim_verifier *
dkim_verifier_free(struct dkim_verifier *v)
{
    if (v == NULL)
        return NULL;
    for (size_t k = 0; k < v->n; k++) {
        struct vsig *vs = &v->sigs[k];
        if (vs->info.parsed)
            dkim_sig_release(&vs->sig);
        free(vs->query);
        dkim_body_hash_free(vs->body);
        dkim_key_free(vs->key);
    }
    free(v->sigs);
    dkim_fields_release(&v->fields);
    free(v);
    return NULL;
}

/* dkim_header_section_len - find the empty line that ends the header section */
size_t
dkim_header_section_len(const char *msg, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        size_t eol = pos;
        while (eol < len && msg[eol] != '\r' && msg[eol] != '\n')
            eol++;
        if (eol == len)
            return len;
        size_t next = eol + ((msg[eol] == '\r' && eol + 1 < len && msg[eol + 1] == '\n') ? 2 : 1);
        if (eol == pos)
            return next; /* an empty line */
        pos = next;
    }
    return len;
}

/* dkim_verify_message - verify a whole message through a lookup callback */
struct dkim_verifier *
dkim_verify_message(const char *msg, size_t len, const struct dkim_verify_params *p,
                    dkim_txt_fn lookup, void *ctx)
{
    struct dkim_verifier *v = dkim_verifier_new(p);
    size_t hlen = dkim_header_section_len(msg, len);
    struct buf txt;

    if (dkim_verifier_headers(v, msg, hlen) < 0)
        return dkim_verifier_free(v);
    buf_init(&txt, MAX_TXT_BYTES);
    for (size_t k = 0; k < v->n; k++) {
        const struct dkim_sig_info *info = &v->sigs[k].info;
        if (!info->parsed)
            continue;
        buf_reset(&txt);
        if (lookup(ctx, info->query, &txt) == 0)
            dkim_verifier_key(v, k, txt.data, txt.len);
        else
            dkim_verifier_key(v, k, NULL, 0);
    }
    buf_release(&txt);
    dkim_verifier_body(v, msg + hlen, len - hlen);
    dkim_verifier_finish(v);
    return v;
}
