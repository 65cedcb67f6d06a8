/* dkim_record - DKIM-Signature and DNS key record tag-lists (RFC 6376 3.2, 3.5, 3.6.1). */
#include "auth/dkim_record.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/mem.h"

#define MAX_TAGS 64u
#define MAX_SIG_BYTES 1024u /* an 8192-bit RSA signature */

/* which required tags a signature has carried */
enum sig_seen {
    SEEN_V = 1 << 0,
    SEEN_A = 1 << 1,
    SEEN_B = 1 << 2,
    SEEN_BH = 1 << 3,
    SEEN_D = 1 << 4,
    SEEN_H = 1 << 5,
    SEEN_S = 1 << 6,
};

static const char *const err_text[] = {
    [DKIM_OK] = "ok",
    [DKIM_ERR_SYNTAX] = "tag-list syntax error",
    [DKIM_ERR_TOO_LONG] = "tag-list too long",
    [DKIM_ERR_DUP_TAG] = "duplicate tag",
    [DKIM_ERR_MISSING_TAG] = "required tag missing",
    [DKIM_ERR_VERSION] = "bad version",
    [DKIM_ERR_ALG] = "unsupported algorithm",
    [DKIM_ERR_CANON] = "unknown canonicalization",
    [DKIM_ERR_DOMAIN] = "d= is not a valid domain",
    [DKIM_ERR_SELECTOR] = "s= is not a valid selector",
    [DKIM_ERR_IDENTITY] = "i= is not within d=",
    [DKIM_ERR_H_NO_FROM] = "h= does not include from",
    [DKIM_ERR_H_SYNTAX] = "h= syntax error",
    [DKIM_ERR_BASE64] = "bad base64",
    [DKIM_ERR_BH_LENGTH] = "bh= is not a sha256 hash",
    [DKIM_ERR_NUMBER] = "bad number",
    [DKIM_ERR_EXPIRY] = "x= is not after t=",
    [DKIM_ERR_QUERY] = "q= has no dns/txt",
    [DKIM_ERR_KEY_TYPE] = "unknown key type",
    [DKIM_ERR_KEY_SERVICE] = "key not for email",
    [DKIM_ERR_KEY_REVOKED] = "key revoked",
    [DKIM_ERR_KEY_HASH] = "key h= excludes sha256",
    [DKIM_ERR_KEY_BAD] = "key p= is not a valid public key",
    [DKIM_ERR_KEY_TOO_SMALL] = "key too small",
    [DKIM_ERR_KEY_ALG] = "key type does not match a=",
    [DKIM_ERR_KEY_STRICT] = "key t=s forbids i= subdomain",
    [DKIM_ERR_NO_KEY] = "no key record",
    [DKIM_ERR_EXPIRED] = "signature expired",
    [DKIM_ERR_FROM_UNSIGNED] = "unsigned From header",
    [DKIM_ERR_BODY_SHORT] = "body shorter than l=",
    [DKIM_ERR_BODY_HASH] = "body hash mismatch",
    [DKIM_ERR_SIGNATURE] = "signature mismatch",
    [DKIM_ERR_TOO_MANY] = "too many signatures",
};

/* dkim_err_str - the text of a reason */
const char *
dkim_err_str(enum dkim_err err)
{
    if ((size_t)err >= sizeof err_text / sizeof err_text[0] || err_text[err] == NULL)
        return "unknown error";
    return err_text[err];
}

static bool
is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* is_valchar - VALCHAR of RFC 6376 3.2, plus UTF-8 bytes (RFC 8616) */
static bool
is_valchar(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= 0x21 && u <= 0x7e && u != ';') || u >= 0x80;
}

static size_t
skip_fws(const char *t, size_t pos, size_t len)
{
    while (pos < len && is_fws(t[pos]))
        pos++;
    return pos;
}

/* tag_seen - remember a tag name; true if it was already there */
static bool
tag_seen(const char **names, size_t *lens, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (lens[i] == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

/* scan_value - end of the value starting at pos (at ';' or len), checking its characters */
static int
scan_value(const char *t, size_t pos, size_t len, size_t *end)
{
    while (pos < len && t[pos] != ';') {
        if (!is_valchar(t[pos]) && !is_fws(t[pos]))
            return -1;
        pos++;
    }
    *end = pos;
    return 0;
}

/* dkim_taglist_parse - tokenize a tag-list (RFC 6376 3.2), refusing duplicate tags */
int
dkim_taglist_parse(const char *t, size_t len, dkim_tag_fn fn, void *ctx, enum dkim_err *err)
{
    const char *names[MAX_TAGS];
    size_t lens[MAX_TAGS], n = 0, pos = 0;

    *err = DKIM_ERR_TOO_LONG;
    if (len > DKIM_MAX_TAGLIST)
        return -1;
    *err = DKIM_ERR_SYNTAX;
    while ((pos = skip_fws(t, pos, len)) < len) {
        size_t name = pos, name_len, value, end;
        if (!is_alpha(t[pos]))
            return -1;
        while (pos < len && (is_alpha(t[pos]) || is_digit(t[pos]) || t[pos] == '_'))
            pos++;
        name_len = pos - name;
        pos = skip_fws(t, pos, len);
        if (pos >= len || t[pos] != '=')
            return -1;
        value = pos = skip_fws(t, pos + 1, len);
        if (scan_value(t, pos, len, &end) < 0)
            return -1;
        pos = end;
        while (end > value && is_fws(t[end - 1]))
            end--;
        if (tag_seen(names, lens, n, t + name, name_len)) {
            *err = DKIM_ERR_DUP_TAG;
            return -1;
        }
        if (n == MAX_TAGS) {
            *err = DKIM_ERR_TOO_LONG;
            return -1;
        }
        names[n] = t + name;
        lens[n++] = name_len;
        if (fn(ctx, t + name, name_len, t + value, end - value, err) < 0)
            return -1;
        *err = DKIM_ERR_SYNTAX;
        if (pos < len)
            pos++; /* the ';' */
    }
    *err = DKIM_OK;
    return 0;
}

/* dkim_base64_decode - strict base64 with FWS skipped; padding optional but exact */
int
dkim_base64_decode(const char *text, size_t len, struct buf *out)
{
    unsigned acc = 0, bits = 0, chars = 0, pad = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (is_fws(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = base64_digit((unsigned char)c);
        if (v < 0 || pad > 0)
            return -1; /* a bad character, or data after the padding */
        chars++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            unsigned char byte = (unsigned char)(acc >> bits);
            if (buf_append(out, &byte, 1) < 0)
                return -1;
        }
    }
    /* one leftover character cannot carry a byte; padding, when present, must be exact */
    if (chars % 4 == 1 || pad > 2 || (pad > 0 && (chars + pad) % 4 != 0))
        return -1;
    return 0;
}

/* dkim_base64_encode - base64 without line breaks */
void
dkim_base64_encode(const void *data, size_t len, struct buf *out)
{
    base64_encode(data, len, out);
}

/* label_ok - one DNS label: letters, digits, '-', '_' (selectors) or UTF-8, not edged by '-' */
static bool
label_ok(const char *s, size_t len, bool underscore)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '-' && (unsigned char)c < 0x80 &&
            !(underscore && c == '_'))
            return false;
    }
    return true;
}

/* name_ok - dot-separated labels */
static bool
name_ok(const char *s, size_t len, bool underscore)
{
    size_t start = 0;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!label_ok(s + start, i - start, underscore))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* dkim_domain_is_valid - LDH or UTF-8 labels, no empty label, no trailing dot */
bool
dkim_domain_is_valid(const char *s, size_t len)
{
    return name_ok(s, len, false);
}

/* dkim_selector_is_valid - a selector: a domain name whose labels may hold '_' */
bool
dkim_selector_is_valid(const char *s, size_t len)
{
    return name_ok(s, len, true);
}

/* dkim_domain_is_under - sub is dom or a subdomain of it */
bool
dkim_domain_is_under(const char *sub, const char *dom)
{
    size_t ls = strlen(sub), ld = strlen(dom);
    if (ls < ld || strcasecmp(sub + ls - ld, dom) != 0)
        return false;
    return ls == ld || sub[ls - ld - 1] == '.';
}

/* tag_is - the tag name equals s */
static bool
tag_is(const char *name, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(name, s, len) == 0;
}

/* value_is - a value equals s, ignoring case */
static bool
value_is(const char *v, size_t len, const char *s)
{
    return strlen(s) == len && strncasecmp(v, s, len) == 0;
}

/* parse_number - 1*DIGIT into a uint64_t */
static int
parse_number(const char *v, size_t len, uint64_t *out)
{
    uint64_t n = 0;
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(v[i]) || n > (UINT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    *out = n;
    return 0;
}

/* list_next - the next colon-separated item of v (FWS trimmed); false at the end */
static bool
list_next(const char *v, size_t len, size_t *pos, const char **item, size_t *item_len)
{
    if (*pos > len)
        return false;
    const char *colon = memchr(v + *pos, ':', len - *pos);
    size_t end = colon ? (size_t)(colon - v) : len;
    size_t s = skip_fws(v, *pos, end), e = end;
    while (e > s && is_fws(v[e - 1]))
        e--;
    *item = v + s;
    *item_len = e - s;
    *pos = end + 1;
    return true;
}

/* list_has - a colon-separated list holds s (ignoring case) */
static bool
list_has(const char *v, size_t len, const char *s)
{
    const char *item;
    size_t pos = 0, n;
    while (list_next(v, len, &pos, &item, &n))
        if (value_is(item, n, s))
            return true;
    return false;
}

/* parse_canon - "simple" or "relaxed" */
static int
parse_canon(const char *v, size_t len, enum dkim_canon *c)
{
    if (value_is(v, len, "simple"))
        *c = DKIM_CANON_SIMPLE;
    else if (value_is(v, len, "relaxed"))
        *c = DKIM_CANON_RELAXED;
    else
        return -1;
    return 0;
}

/* sig_c - c=header[/body]; body defaults to simple */
static int
sig_c(struct dkim_sig *sig, const char *v, size_t len)
{
    const char *slash = memchr(v, '/', len);
    size_t hl = slash ? (size_t)(slash - v) : len;
    sig->bcanon = DKIM_CANON_SIMPLE;
    if (parse_canon(v, hl, &sig->hcanon) < 0)
        return -1;
    if (slash != NULL && parse_canon(slash + 1, len - hl - 1, &sig->bcanon) < 0)
        return -1;
    return 0;
}

/* sig_h - the colon-separated header names */
static int
sig_h(struct dkim_sig *sig, const char *v, size_t len, enum dkim_err *err)
{
    const char *item;
    size_t pos = 0, n;
    bool from = false;

    *err = DKIM_ERR_H_SYNTAX;
    while (list_next(v, len, &pos, &item, &n)) {
        if (n == 0)
            return -1;
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)item[k] < 0x21 || (unsigned char)item[k] > 0x7e)
                return -1;
        if (sig->nh == DKIM_MAX_H_NAMES) {
            *err = DKIM_ERR_TOO_LONG;
            return -1;
        }
        sig->h = xrealloc(sig->h, (sig->nh + 1) * sizeof *sig->h);
        sig->h[sig->nh++] = xmemdup(item, n);
        from = from || value_is(item, n, "from");
    }
    if (!from) {
        *err = DKIM_ERR_H_NO_FROM;
        return -1;
    }
    return 0;
}

/* sig_i - [local-part] "@" domain */
static int
sig_i(struct dkim_sig *sig, const char *v, size_t len)
{
    const char *at = memrchr(v, '@', len);
    if (at == NULL || !dkim_domain_is_valid(at + 1, len - (size_t)(at - v) - 1))
        return -1;
    for (size_t k = 0; k < len; k++)
        if (is_fws(v[k]))
            return -1;
    sig->i = xmemdup(v, len);
    return 0;
}

/* sig_b64 - b= or bh= */
static int
sig_b64(struct buf *out, const char *v, size_t len, size_t max, enum dkim_err *err)
{
    *err = DKIM_ERR_BASE64;
    if (dkim_base64_decode(v, len, out) < 0 || out->len == 0 || out->len > max)
        return -1;
    return 0;
}

/* sig_alg - a= */
static int
sig_alg(struct dkim_sig *sig, const char *v, size_t len)
{
    if (value_is(v, len, "rsa-sha256"))
        sig->alg = DKIM_ALG_RSA_SHA256;
    else if (value_is(v, len, "ed25519-sha256"))
        sig->alg = DKIM_ALG_ED25519_SHA256;
    else
        return -1;
    return 0;
}

struct sig_ctx {
    struct dkim_sig *sig;
    unsigned seen;
};

/* sig_tag_more - the optional tags */
static int
sig_tag_more(struct dkim_sig *sig, const char *n, size_t nl, const char *v, size_t vl,
             enum dkim_err *err)
{
    *err = DKIM_ERR_NUMBER;
    if (tag_is(n, nl, "l")) {
        sig->has_l = true;
        return parse_number(v, vl, &sig->l);
    }
    if (tag_is(n, nl, "t")) {
        sig->has_t = true;
        return parse_number(v, vl, &sig->t);
    }
    if (tag_is(n, nl, "x")) {
        sig->has_x = true;
        return parse_number(v, vl, &sig->x);
    }
    if (tag_is(n, nl, "q")) {
        *err = DKIM_ERR_QUERY;
        return list_has(v, vl, "dns/txt") ? 0 : -1;
    }
    if (tag_is(n, nl, "i")) {
        *err = DKIM_ERR_IDENTITY;
        return sig_i(sig, v, vl);
    }
    if (tag_is(n, nl, "c")) {
        *err = DKIM_ERR_CANON;
        return sig_c(sig, v, vl);
    }
    return 0; /* z= and unknown tags */
}

/* sig_tag - one tag of a DKIM-Signature */
static int
sig_tag(void *ctx, const char *n, size_t nl, const char *v, size_t vl, enum dkim_err *err)
{
    struct sig_ctx *c = ctx;
    struct dkim_sig *sig = c->sig;

    if (tag_is(n, nl, "v")) {
        c->seen |= SEEN_V;
        *err = DKIM_ERR_VERSION;
        return value_is(v, vl, "1") ? 0 : -1;
    }
    if (tag_is(n, nl, "a")) {
        c->seen |= SEEN_A;
        *err = DKIM_ERR_ALG;
        return sig_alg(sig, v, vl);
    }
    if (tag_is(n, nl, "b")) {
        c->seen |= SEEN_B;
        return sig_b64(&sig->b, v, vl, MAX_SIG_BYTES, err);
    }
    if (tag_is(n, nl, "bh")) {
        c->seen |= SEEN_BH;
        return sig_b64(&sig->bh, v, vl, MAX_SIG_BYTES, err);
    }
    if (tag_is(n, nl, "d")) {
        c->seen |= SEEN_D;
        *err = DKIM_ERR_DOMAIN;
        sig->d = xmemdup(v, vl);
        return dkim_domain_is_valid(v, vl) ? 0 : -1;
    }
    if (tag_is(n, nl, "s")) {
        c->seen |= SEEN_S;
        *err = DKIM_ERR_SELECTOR;
        sig->s = xmemdup(v, vl);
        return dkim_selector_is_valid(v, vl) ? 0 : -1;
    }
    if (tag_is(n, nl, "h")) {
        c->seen |= SEEN_H;
        return sig_h(sig, v, vl, err);
    }
    return sig_tag_more(sig, n, nl, v, vl, err);
}

/* sig_check - the rules across tags, once all are read */
static int
sig_check(struct dkim_sig *sig, unsigned seen, enum dkim_err *err)
{
    const unsigned required = SEEN_V | SEEN_A | SEEN_B | SEEN_BH | SEEN_D | SEEN_H | SEEN_S;
    if ((seen & required) != required) {
        *err = DKIM_ERR_MISSING_TAG;
        return -1;
    }
    if (sig->bh.len != DKIM_HASH_LEN) {
        *err = DKIM_ERR_BH_LENGTH;
        return -1;
    }
    if (sig->has_t && sig->has_x && sig->x < sig->t) {
        *err = DKIM_ERR_EXPIRY;
        return -1;
    }
    if (sig->i == NULL) {
        size_t n = strlen(sig->d);
        sig->i = xmalloc(n + 2);
        sig->i[0] = '@';
        memcpy(sig->i + 1, sig->d, n + 1);
    } else if (!dkim_domain_is_under(strrchr(sig->i, '@') + 1, sig->d)) {
        *err = DKIM_ERR_IDENTITY;
        return -1;
    }
    return 0;
}

/* dkim_sig_parse - parse and check a DKIM-Signature value */
int
dkim_sig_parse(const char *value, size_t len, struct dkim_sig *sig, enum dkim_err *err)
{
    struct sig_ctx c = {sig, 0};

    memset(sig, 0, sizeof *sig);
    buf_init(&sig->b, 0);
    buf_init(&sig->bh, 0);
    if (dkim_taglist_parse(value, len, sig_tag, &c, err) < 0 || sig_check(sig, c.seen, err) < 0) {
        dkim_sig_release(sig);
        return -1;
    }
    *err = DKIM_OK;
    return 0;
}

/* dkim_sig_release - free what a parsed signature owns */
void
dkim_sig_release(struct dkim_sig *sig)
{
    free(sig->d);
    free(sig->s);
    free(sig->i);
    for (size_t k = 0; k < sig->nh; k++)
        free(sig->h[k]);
    free(sig->h);
    buf_release(&sig->b);
    buf_release(&sig->bh);
    memset(sig, 0, sizeof *sig);
}

struct key_ctx {
    struct dkim_keyrec *rec;
    size_t index; /* tags read so far */
    bool p;
};

/* key_t_flags - t=y:s */
static void
key_t_flags(struct dkim_keyrec *rec, const char *v, size_t len)
{
    rec->testing = list_has(v, len, "y");
    rec->strict = list_has(v, len, "s");
}

/* key_tag - one tag of a key record */
static int
key_tag(void *ctx, const char *n, size_t nl, const char *v, size_t vl, enum dkim_err *err)
{
    struct key_ctx *c = ctx;
    struct dkim_keyrec *rec = c->rec;
    size_t index = c->index++;

    if (tag_is(n, nl, "v")) {
        *err = DKIM_ERR_VERSION;
        return index == 0 && tag_is(v, vl, "DKIM1") ? 0 : -1;
    }
    if (tag_is(n, nl, "k")) {
        *err = DKIM_ERR_KEY_TYPE;
        if (value_is(v, vl, "rsa"))
            rec->k = DKIM_KEY_RSA;
        else if (value_is(v, vl, "ed25519"))
            rec->k = DKIM_KEY_ED25519;
        else
            return -1;
        return 0;
    }
    if (tag_is(n, nl, "h")) {
        *err = DKIM_ERR_KEY_HASH;
        return list_has(v, vl, "sha256") ? 0 : -1;
    }
    if (tag_is(n, nl, "s")) {
        *err = DKIM_ERR_KEY_SERVICE;
        return list_has(v, vl, "*") || list_has(v, vl, "email") ? 0 : -1;
    }
    if (tag_is(n, nl, "t"))
        key_t_flags(rec, v, vl);
    if (tag_is(n, nl, "p")) {
        c->p = true;
        *err = DKIM_ERR_BASE64;
        return dkim_base64_decode(v, vl, &rec->p);
    }
    return 0; /* n= and unknown tags */
}

/* dkim_keyrec_parse - parse and check a DNS key record */
int
dkim_keyrec_parse(const char *txt, size_t len, struct dkim_keyrec *rec, enum dkim_err *err)
{
    struct key_ctx c = {rec, 0, false};

    memset(rec, 0, sizeof *rec);
    buf_init(&rec->p, MAX_SIG_BYTES * 2);
    rec->k = DKIM_KEY_RSA;
    if (dkim_taglist_parse(txt, len, key_tag, &c, err) < 0)
        goto out_release;
    *err = !c.p ? DKIM_ERR_MISSING_TAG : rec->p.len == 0 ? DKIM_ERR_KEY_REVOKED : DKIM_OK;
    if (*err == DKIM_OK)
        return 0;
out_release:
    dkim_keyrec_release(rec);
    return -1;
}

/* dkim_keyrec_release - free what a parsed key record owns */
void
dkim_keyrec_release(struct dkim_keyrec *rec)
{
    buf_release(&rec->p);
}
