/* mime_encword - display-name text: RFC 2047 decoding, UTF-8 clean-up, hidden addresses. */
#include "mime/mime_encword.h"
#include "mime/mime_charset.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/hex.h"
#include "util/utf8.h"

#define ENCWORD_MAX_CHARSET 40

/* One encoded word found in the input. */
struct encword {
    size_t end; /* index just past "?=" */
    char charset[ENCWORD_MAX_CHARSET + 1];
    char enc;    /* 'B' or 'Q' */
    size_t text; /* start of the encoded text */
    size_t text_len;
};

static const char utf8_replacement[] = "\xEF\xBF\xBD";

/* is_charset_char - a byte allowed in a charset name we pass on (RFC 2047 token, narrowed) */
static bool
is_charset_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '+' || c == '*';
}

/* parse_encword - recognise an encoded word at s[i]; false when there is none */
static bool
parse_encword(const char *s, size_t n, size_t i, struct encword *w)
{
    size_t j = i + 2, cs_len, k;

    if (n - i < 8 || s[i] != '=' || s[i + 1] != '?')
        return false;
    while (j < n && is_charset_char(s[j]))
        j++;
    cs_len = j - (i + 2);
    if (j + 3 >= n || s[j] != '?' || s[j + 2] != '?' || cs_len == 0)
        return false;
    w->enc = (char)(s[j + 1] & ~0x20);
    if (w->enc != 'B' && w->enc != 'Q')
        return false;
    k = j + 3;
    while (k < n && s[k] != '?' && s[k] > ' ' && s[k] < 0x7f)
        k++;
    if (k + 1 >= n || s[k] != '?' || s[k + 1] != '=')
        return false;
    /* RFC 2231 5: charset*language; the language is of no use here */
    const char *star = memchr(s + i + 2, '*', cs_len);
    if (star)
        cs_len = (size_t)(star - (s + i + 2));
    if (cs_len == 0 || cs_len > ENCWORD_MAX_CHARSET)
        return false;
    memcpy(w->charset, s + i + 2, cs_len);
    w->charset[cs_len] = '\0';
    w->text = j + 3;
    w->text_len = k - w->text;
    w->end = k + 2;
    return true;
}

/* decode_q - RFC 2047 4.2 "Q" text to bytes */
static void
decode_q(const char *s, size_t n, struct buf *raw, unsigned *flags)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int hi, lo;
        if (c == '_') {
            c = ' ';
        } else if (c == '=') {
            hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
            lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            } else {
                *flags |= MIME_ENCWORD_BAD_DATA;
            }
        }
        buf_append(raw, &c, 1);
    }
}

/* decode_b - RFC 2047 4.1 "B" text to bytes; bad digits are skipped and flagged */
static void
decode_b(const char *s, size_t n, struct buf *raw, unsigned *flags)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    bool pad = false;

    for (size_t i = 0; i < n; i++) {
        int v = base64_digit((unsigned char)(s[i]));
        if (s[i] == '=') {
            pad = true;
            continue;
        }
        if (v < 0 || pad) {
            *flags |= MIME_ENCWORD_BAD_DATA;
            continue;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            char c = (char)(acc >> (bits - 8));
            bits -= 8;
            buf_append(raw, &c, 1);
        }
    }
    if (bits >= 6)
        *flags |= MIME_ENCWORD_BAD_DATA; /* a lone sextet is not a byte */
}

/* convert_charset - decoded bytes of one word to UTF-8 through mime_charset (which knows
 * the labels iconv does not, such as ks_c_5601-1987, common in Korean subjects and file
 * names); -1 for an unknown charset */
static int
convert_charset(const char *cs, const struct buf *raw, struct buf *utf8, unsigned *flags)
{
    struct mime_charset *c = mime_charset_new(cs);
    int rc = -1;

    if (!mime_charset_is_unknown(c)) {
        mime_charset_feed(c, (const uint8_t *)raw->data, raw->len, utf8);
        mime_charset_finish(c, utf8);
        if (mime_charset_bad(c) > 0) /* invalid UTF-8 is told apart, as before */
            *flags |= strcmp(mime_charset_name(c), "UTF-8") == 0 ? MIME_ENCWORD_BAD_UTF8
                                                                 : MIME_ENCWORD_BAD_DATA;
        rc = 0;
    }
    mime_charset_free(c);
    return rc;
}

/* decode_word - append the UTF-8 text of one encoded word (or its raw text) to out */
static int
decode_word(const char *s, size_t start, const struct encword *w, struct buf *out, unsigned *flags)
{
    struct buf raw, utf8;
    int rc;

    buf_init(&raw, 0);
    buf_init(&utf8, 0);
    if (w->enc == 'Q')
        decode_q(s + w->text, w->text_len, &raw, flags);
    else
        decode_b(s + w->text, w->text_len, &raw, flags);
    if (convert_charset(w->charset, &raw, &utf8, flags) == 0) {
        *flags |= MIME_ENCWORD_DECODED;
        rc = mime_encword_utf8_clean(utf8.data, utf8.len, out, flags);
    } else {
        *flags |= MIME_ENCWORD_BAD_CHARSET;
        rc = mime_encword_utf8_clean(s + start, w->end - start, out, flags);
    }
    buf_release(&utf8);
    buf_release(&raw);
    return rc;
}

/* skip_to_next_word - after an encoded word ending at i, the index of the next encoded word
 * when only whitespace separates them (RFC 2047 6.2), else i */
static size_t
skip_to_next_word(const char *s, size_t n, size_t i)
{
    size_t j = i;
    struct encword w;

    while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
        j++;
    if (j > i && parse_encword(s, n, j, &w))
        return j;
    return i;
}

/* mime_encword_decode - decode encoded words in s[0..n) and append UTF-8 to out */
int
mime_encword_decode(const char *s, size_t n, struct buf *out, struct mime_encword_result *res)
{
    struct mime_encword_result r = {0};
    size_t i = 0, plain = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        struct encword w;
        if (s[i] != '=' || !parse_encword(s, n, i, &w)) {
            i++;
            continue;
        }
        rc = mime_encword_utf8_clean(s + plain, i - plain, out, &r.flags);
        if (rc == 0)
            rc = decode_word(s, i, &w, out, &r.flags);
        if (i == 0)
            r.starts_encoded = true;
        if (w.end == n)
            r.ends_encoded = true;
        i = plain = skip_to_next_word(s, n, w.end);
    }
    if (rc == 0)
        rc = mime_encword_utf8_clean(s + plain, n - plain, out, &r.flags);
    if (res)
        *res = r;
    return rc;
}

/* code_point - the code point of a valid UTF-8 sequence of n bytes */
static uint32_t
code_point(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t c = s[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3f);
    return c;
}

/* is_bidi_control - the override and isolate characters of Unicode's bidi algorithm */
static bool
is_bidi_control(uint32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200F ||
           c == 0x061C;
}

/* mime_encword_phrase_init - an empty phrase of at most max bytes (0: unbounded) */
void
mime_encword_phrase_init(struct mime_encword_phrase *ph, size_t max)
{
    buf_init(&ph->text, max);
    ph->any = false;
    ph->last_encoded = false;
    ph->flags = 0;
}

void
mime_encword_phrase_release(struct mime_encword_phrase *ph)
{
    buf_release(&ph->text);
}

/* mime_encword_phrase_add - add one piece of display text, decoding encoded words */
void
mime_encword_phrase_add(struct mime_encword_phrase *ph, const char *text, size_t len,
                        bool ws_before)
{
    struct mime_encword_result res;
    struct buf tmp;
    int rc;

    buf_init(&tmp, ph->text.max);
    rc = mime_encword_decode(text, len, &tmp, &res);
    if (ph->any && ws_before && !(ph->last_encoded && res.starts_encoded) &&
        buf_append(&ph->text, " ", 1) != 0)
        rc = -1;
    if (buf_append(&ph->text, tmp.data, tmp.len) != 0)
        rc = -1;
    ph->flags |= res.flags | (rc != 0 ? MIME_ENCWORD_TRUNCATED : 0);
    ph->any = true;
    ph->last_encoded = res.ends_encoded;
    buf_release(&tmp);
}

/* mime_encword_phrase_copy - replace dst's text and state with src's */
void
mime_encword_phrase_copy(struct mime_encword_phrase *dst, const struct mime_encword_phrase *src)
{
    buf_set(&dst->text, src->text.data, src->text.len);
    dst->any = src->any;
    dst->last_encoded = src->last_encoded;
    dst->flags = src->flags;
}

/* mime_encword_utf8_clean - append s[0..n) to out as clean UTF-8 */
int
mime_encword_utf8_clean(const char *s, size_t n, struct buf *out, unsigned *flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t len = utf8_valid_len(u + i, n - i);
        uint32_t cp = len ? code_point(u + i, len) : 0;
        const char *put = s + i;
        size_t put_len = len;
        if (len == 0) {
            *flags |= MIME_ENCWORD_BAD_UTF8;
            put = utf8_replacement, put_len = 3, len = 1;
        } else if (cp == '\t') {
            put = " ";
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xA0)) {
            *flags |= MIME_ENCWORD_CTL;
            put = utf8_replacement, put_len = 3;
        } else if (is_bidi_control(cp)) {
            *flags |= MIME_ENCWORD_BIDI;
        }
        if (buf_append(out, put, put_len) != 0)
            return -1;
        i += len;
    }
    return 0;
}

/* mime_encword_fold_lookalikes - ASCII lower case, fullwidth forms (U+FF01-FF5E) folded to ASCII,
 * and the other lookalikes of '@' and '.' mapped; whether anything non-ASCII was mapped */
bool
mime_encword_fold_lookalikes(const char *s, struct buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    bool mapped = false;

    for (size_t i = 0; u[i]; i++) {
        char c = (char)u[i];
        if (u[i] == 0xEF && u[i + 1] == 0xBC && u[i + 2] >= 0x81 && u[i + 2] <= 0xBF) {
            c = (char)(u[i + 2] - 0x60); /* U+FF01..U+FF3F -> '!'..'_' */
            i += 2;
        } else if (u[i] == 0xEF && u[i + 1] == 0xBD && u[i + 2] >= 0x80 && u[i + 2] <= 0x9E) {
            c = (char)(u[i + 2] - 0x20); /* U+FF40..U+FF5E -> '`'..'~' */
            i += 2;
        } else if (u[i] == 0xEF && u[i + 1] == 0xB9 && u[i + 2] == 0xAB) {
            c = '@'; /* U+FE6B small commercial at */
            i += 2;
        } else if ((u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x82) ||
                   (u[i] == 0xEF && u[i + 1] == 0xBD && u[i + 2] == 0xA1)) {
            c = '.'; /* U+3002 ideographic and U+FF61 halfwidth ideographic full stop */
            i += 2;
        } else {
            buf_append(out, &c, 1);
            continue;
        }
        mapped = true;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        buf_append(out, &c, 1);
    }
    for (size_t i = 0; i < out->len; i++)
        if (out->data[i] >= 'A' && out->data[i] <= 'Z')
            out->data[i] = (char)(out->data[i] + 32);
    return mapped;
}

/* is_scan_local - a byte that may be part of a local part seen in display text */
static bool
is_scan_local(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/* is_scan_domain - a byte that may be part of a domain seen in display text */
static bool
is_scan_domain(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

/* scan_text - report address-like text (local@domain) in folded display text; how many */
static size_t
scan_text(const char *t, size_t n, void (*found)(void *, const char *, size_t), void *ctx)
{
    size_t count = 0;

    for (size_t at = 0; at < n; at++) {
        size_t l = at, r = at + 1;
        if (t[at] != '@')
            continue;
        while (l > 0 && is_scan_local((unsigned char)t[l - 1]))
            l--;
        while (r < n && is_scan_domain((unsigned char)t[r]))
            r++;
        while (l < at && t[l] == '.')
            l++;
        while (r > at + 1 && t[r - 1] == '.')
            r--;
        if (l < at && r > at + 1) {
            found(ctx, t + l, r - l);
            count++;
        }
    }
    return count;
}

/* mime_encword_find_addresses - report address-like text in display text */
size_t
mime_encword_find_addresses(const char *text,
                            void (*found)(void *ctx, const char *addr, size_t len), void *ctx,
                            bool *lookalike)
{
    struct buf norm;
    size_t n;

    *lookalike = false;
    /* without an ASCII '@' only a lookalike (U+FF20, U+FE6B) can make an address */
    if (strchr(text, '@') == NULL && strstr(text, "\xEF\xBC\xA0") == NULL &&
        strstr(text, "\xEF\xB9\xAB") == NULL)
        return 0;
    buf_init(&norm, 0);
    mime_encword_fold_lookalikes(text, &norm);
    n = scan_text(norm.data, norm.len, found, ctx);
    *lookalike = n > 0 && strchr(text, '@') == NULL;
    buf_release(&norm);
    return n;
}

/* mime_encword_is_domain - whether display text is, once trimmed, a domain name */
bool
mime_encword_is_domain(const char *text)
{
    struct buf norm;
    size_t b, e, dots = 0, last = 0;
    bool ok = true;

    buf_init(&norm, 0);
    mime_encword_fold_lookalikes(text, &norm);
    for (b = 0; b < norm.len && (norm.data[b] == ' ' || norm.data[b] == '\''); b++)
        ;
    for (e = norm.len; e > b && (norm.data[e - 1] == ' ' || norm.data[e - 1] == '\''); e--)
        ;
    for (size_t i = b; i < e && ok; i++) {
        unsigned char c = (unsigned char)norm.data[i];
        if (c == '.') {
            ok = i > b && i + 1 < e && norm.data[i - 1] != '.';
            dots++;
            last = i + 1;
        } else {
            ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }
    }
    /* the last label: letters (a TLD) or an A-label */
    for (size_t i = last; i < e && ok && dots > 0; i++)
        ok = (norm.data[i] >= 'a' && norm.data[i] <= 'z') || (unsigned char)norm.data[i] >= 0x80 ||
             strncmp(norm.data + last, "xn--", 4) == 0;
    ok = ok && dots > 0 && e - last >= 2;
    buf_release(&norm);
    return ok;
}
