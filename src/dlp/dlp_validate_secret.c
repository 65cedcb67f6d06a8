/*
 * dlp_validate_secret - credentials: JWTs, provider tokens, generic high-entropy secrets
 * after a keyword, PEM private key headers. Shapes: ../shared/REFERENCE.md "secrets" row.
 * A secret is redacted to its first 4 characters and its length ("AKIA…(20)").
 */
#include "dlp/dlp_validate.h"

#include <stdio.h>
#include <string.h>

#include "dlp/dlp_validate_int.h"

/* redact_secret - first 4 bytes (printable ASCII, else '?') and the length */
static void
redact_secret(const uint8_t *s, size_t n, char out[DLP_REDACTED_MAX])
{
    char head[5];
    size_t k = n < 4 ? n : 4;

    /* a value of 4 bytes or fewer would be shown whole: show none of it */
    if (n <= 4)
        k = 0;
    for (size_t i = 0; i < k; i++)
        head[i] = s[i] > 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    head[k] = '\0';
    snprintf(out, DLP_REDACTED_MAX, "%s\xe2\x80\xa6(%zu)", head, n);
}

/* b64url_value - 0-63, or -1 for a byte outside the base64url alphabet (RFC 4648 5) */
static int
b64url_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* b64url_segment_ok - unpadded base64url of a whole number of bytes */
static bool
b64url_segment_ok(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b64url_value(s[i]) < 0)
            return false;
    return n % 4 != 1;
}

/* b64url_decode - decode up to `cap` bytes from the start of a checked segment */
static size_t
b64url_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    unsigned acc = 0, bits = 0;

    for (size_t i = 0; i < n && o < cap; i++) {
        acc = (acc << 6) | (unsigned)b64url_value(s[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o;
}

/* b64url_last_byte - the final decoded byte of a checked, non-empty segment */
static uint8_t
b64url_last_byte(const uint8_t *s, size_t n)
{
    uint8_t tail[3];
    size_t from = (n - 1) / 4 * 4;
    size_t k = b64url_decode(s + from, n - from, tail, sizeof tail);

    return k > 0 ? tail[k - 1] : 0;
}

/* jwt_alg - the "alg" member's string value, when short and plain */
static bool
jwt_alg(const uint8_t *h, size_t n, char *alg, size_t cap)
{
    const uint8_t *p = NULL;

    for (size_t i = 0; i + 5 <= n && p == NULL; i++)
        if (memcmp(h + i, "\"alg\"", 5) == 0)
            p = h + i + 5;
    if (p == NULL)
        return false;
    const uint8_t *end = h + n;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':'))
        p++;
    alg[0] = '\0';
    if (p < end && *p == '"') {
        size_t k = 0;
        for (p++;
             p < end && k + 1 < cap &&
             ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
             p++)
            alg[k++] = (char)*p;
        alg[k] = '\0';
    }
    return true;
}

/* dlp_check_jwt - RFC 7519: header and claims decode to JSON objects, the header names its
 * "alg"; an empty signature is an unsecured JWT (alg none), still a credential-shaped leak */
bool
dlp_check_jwt(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    uint8_t head[1024], first;
    char alg[24];
    const uint8_t *d1, *d2;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    d1 = memchr(s, '.', n);
    d2 = d1 != NULL ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s)) : NULL;
    if (d2 == NULL || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - s)) != NULL)
        return dlp_v_reject(out);
    size_t l1 = (size_t)(d1 - s), l2 = (size_t)(d2 - d1 - 1), l3 = n - (size_t)(d2 + 1 - s);
    if (l1 < 4 || l2 < 4 || !b64url_segment_ok(s, l1) || !b64url_segment_ok(d1 + 1, l2) ||
        !b64url_segment_ok(d2 + 1, l3))
        return dlp_v_reject(out);
    /* the header is small; one longer than the buffer is judged on its first kilobyte */
    size_t hl = b64url_decode(s, l1, head, sizeof head);
    bool whole = hl < sizeof head;
    if (hl == 0 || head[0] != '{' || (whole && head[hl - 1] != '}') ||
        !jwt_alg(head, hl, alg, sizeof alg))
        return dlp_v_reject(out);
    if (b64url_decode(d1 + 1, l2, &first, 1) != 1 || first != '{' ||
        b64url_last_byte(d1 + 1, l2) != '}')
        return dlp_v_reject(out);
    redact_secret(s, n, out->redacted);
    return dlp_v_accept(out, l3 == 0 ? 70 : 90, alg);
}

/* token prefixes of the providers' documented formats */
static const struct {
    const char *prefix, *provider;
    int confidence;
} token_kinds[] = {
    {"AKIA", "aws", 90},         {"ASIA", "aws", 90},           {"ABIA", "aws", 90},
    {"ACCA", "aws", 90},         {"github_pat_", "github", 95}, {"ghp_", "github", 95},
    {"gho_", "github", 95},      {"ghu_", "github", 95},        {"ghs_", "github", 95},
    {"ghr_", "github", 95},      {"xoxb-", "slack", 90},        {"xoxa-", "slack", 90},
    {"xoxe-", "slack", 90},      {"xoxo-", "slack", 90},        {"xoxp-", "slack", 90},
    {"xoxr-", "slack", 90},      {"xoxs-", "slack", 90},        {"sk_live_", "stripe", 95},
    {"sk_test_", "stripe", 80},  {"rk_live_", "stripe", 95},    {"rk_test_", "stripe", 80},
    {"AIza", "google", 90},      {"sk-proj-", "openai", 90},    {"sk-svcacct-", "openai", 90},
    {"sk-admin-", "openai", 90}, {"sk-", "openai", 80},
};

/* longest_run - the longest run of one byte */
static size_t
longest_run(const uint8_t *s, size_t n)
{
    size_t best = 0, run = 0;

    for (size_t i = 0; i < n; i++) {
        run = i > 0 && s[i] == s[i - 1] ? run + 1 : 1;
        if (run > best)
            best = run;
    }
    return best;
}

/* dlp_check_token - a provider token: the part after the prefix must look random, not a
 * documentation filler (AKIA followed by sixteen X, ghp_ followed by zeros) */
bool
dlp_check_token(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    const char *provider = "";
    int confidence = 70;
    size_t skip = 0;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (n < 12)
        return dlp_v_reject(out);
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return dlp_v_reject(out);
    for (size_t i = 0; i < sizeof token_kinds / sizeof token_kinds[0]; i++) {
        size_t k = strlen(token_kinds[i].prefix);
        if (n > k && memcmp(s, token_kinds[i].prefix, k) == 0) {
            provider = token_kinds[i].provider;
            confidence = token_kinds[i].confidence;
            skip = k;
            break;
        }
    }
    const uint8_t *body = s + skip;
    size_t bn = n - skip;
    /* a random body of 16+ characters from a 32- to 64-letter alphabet is near 4 bits per
     * character; 3.0 leaves room for short and unlucky draws, fewer for shorter bodies */
    double need = bn >= 16 ? 3.0 : bn >= 8 ? 2.25 : 1.5; /* 0.75 log2 of 16, 8, 4 */
    if (longest_run(body, bn) >= 6 || dlp_entropy(body, bn) < need)
        return dlp_v_reject(out);
    redact_secret(s, n, out->redacted);
    return dlp_v_accept(out, confidence, provider);
}

/* looks_like_text - words, paths, URLs, e-mail addresses: the values a keyword is often
 * followed by that are not secrets */
static bool
looks_like_text(const uint8_t *s, size_t n)
{
    bool digit = false, other = false, hex = true;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        digit |= c >= '0' && c <= '9';
        other |= !letter && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '.';
        hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (!digit && !other) /* letters and _-. only: words and identifiers */
        return true;
    if (hex && n < 32) /* hex shorter than a 128-bit key: ids, colours, hashes of nothing */
        return true;
    if (s[0] == '/' || s[0] == '~' || (s[0] == '.' && n > 1 && (s[1] == '/' || s[1] == '.')) ||
        memchr(s, '\\', n) != NULL)
        return true;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "://", 3) == 0)
            return true;
    if (n > 4 && memcmp(s, "www.", 4) == 0)
        return true;
    const uint8_t *at = memchr(s, '@', n);
    return at != NULL && memchr(at, '.', n - (size_t)(at - s)) != NULL;
}

/* dlp_check_secret - a generic value after "secret", "token", "api_key"...: at least 16
 * printable characters, Shannon entropy >= 3.5 bits per character, two character classes */
bool
dlp_check_secret(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    bool lower = false, upper = false, digit = false, other = false;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (n < 16)
        return dlp_v_reject(out);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c <= 0x20 || c >= 0x7f)
            return dlp_v_reject(out);
        lower |= c >= 'a' && c <= 'z';
        upper |= c >= 'A' && c <= 'Z';
        digit |= c >= '0' && c <= '9';
        other |= !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }
    int classes = lower + upper + digit + other;
    double h = dlp_entropy(s, n);
    if (classes < 2 || h < 3.5 || looks_like_text(s, n))
        return dlp_v_reject(out);
    redact_secret(s, n, out->redacted);
    return dlp_v_accept(out, 60 + (h >= 4.0 ? 10 : 0) + (classes >= 3 ? 5 : 0), "");
}

/* PEM labels of private keys (RFC 7468 10-11; OpenSSL's traditional "RSA"/"DSA"/"EC";
 * OpenSSH's own format; OpenPGP armor, RFC 4880 6.2) */
static const struct {
    const char *line, *kind;
} key_headers[] = {
    {"-----BEGIN PRIVATE KEY-----", "pkcs8"},
    {"-----BEGIN ENCRYPTED PRIVATE KEY-----", "encrypted"},
    {"-----BEGIN RSA PRIVATE KEY-----", "rsa"},
    {"-----BEGIN DSA PRIVATE KEY-----", "dsa"},
    {"-----BEGIN EC PRIVATE KEY-----", "ec"},
    {"-----BEGIN OPENSSH PRIVATE KEY-----", "openssh"},
    {"-----BEGIN PGP PRIVATE KEY BLOCK-----", "pgp"},
};

/* dlp_check_private_key - the candidate starts with a private key's BEGIN line; a base64
 * body after it raises the confidence */
bool
dlp_check_private_key(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    size_t b64 = 0;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    for (size_t i = 0; i < sizeof key_headers / sizeof key_headers[0]; i++) {
        size_t k = strlen(key_headers[i].line);
        if (n < k || memcmp(s, key_headers[i].line, k) != 0)
            continue;
        size_t j = k;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j < n && s[j] != '\r' && s[j] != '\n')
            return dlp_v_reject(out);
        for (; j < n && b64 < 64; j++)
            if ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') ||
                (s[j] >= '0' && s[j] <= '9') || s[j] == '+' || s[j] == '/')
                b64++;
        memcpy(out->redacted, key_headers[i].line, k + 1);
        return dlp_v_accept(out, b64 >= 64 ? 95 : 90, key_headers[i].kind);
    }
    return dlp_v_reject(out);
}
