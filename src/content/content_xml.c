/* content_xml - a small XML scanner for the text of office documents: tags with their local
 * names, attributes, text and CDATA; comments, processing instructions and DOCTYPE skipped.
 * No DTD, no external entities: nothing is fetched or expanded beyond the five predefined
 * entities and character references. */
#include <string.h>

#include "content/content_extract_impl.h"
#include "util/hex.h"

/* cx_utf8_put - one code point in UTF-8 */
int
cx_utf8_put(struct buf *out, uint32_t cp)
{
    uint8_t b[4];
    size_t n;

    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(out, b, n);
}

/* char_ref - the code point of "#123" or "#x1F" (name without & and ;), or -1 */
static long
char_ref(const char *s, size_t n)
{
    unsigned long v = 0;
    unsigned base = 10;
    size_t i = 1;

    if (n < 2 || s[0] != '#')
        return -1;
    if (s[1] == 'x' || s[1] == 'X') {
        base = 16;
        i = 2;
    }
    if (i >= n)
        return -1;
    for (; i < n; i++) {
        int d;
        char c = s[i];
        d = base == 16 ? hex_digit(c) : c >= '0' && c <= '9' ? c - '0' : -1;
        if (d < 0)
            return -1;
        v = v * base + (unsigned long)d;
        if (v > 0x10FFFF)
            v = 0x110000; /* stays invalid, cannot overflow */
    }
    return (long)v;
}

/* cx_xml_decode - text with entities and character references decoded */
int
cx_xml_decode(const char *s, size_t n, struct buf *out)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    size_t start = 0, i = 0;

    while (i < n) {
        const char *semi;
        if (s[i] != '&' || (semi = memchr(s + i, ';', n - i < 12 ? n - i : 12)) == NULL) {
            i++;
            continue;
        }
        const char *name = s + i + 1;
        size_t nlen = (size_t)(semi - name);
        long cp = char_ref(name, nlen);
        int r = buf_append(out, s + start, i - start);
        if (cp >= 0) {
            r |= cx_utf8_put(out, (uint32_t)cp);
        } else {
            size_t e = 0;
            while (e < sizeof ents / sizeof ents[0] &&
                   !(strlen(ents[e].name) == nlen && memcmp(ents[e].name, name, nlen) == 0))
                e++;
            /* an unknown entity stays as written */
            r |= e < sizeof ents / sizeof ents[0] ? buf_append(out, &ents[e].c, 1)
                                                  : buf_append(out, s + i, nlen + 2);
        }
        if (r != 0)
            return -1;
        i += nlen + 2;
        start = i;
    }
    return buf_append(out, s + start, i - start);
}

/* cx_xml_attr - one attribute's raw value */
bool
cx_xml_attr(const char *attrs, size_t alen, const char *name, const char **val, size_t *vlen)
{
    size_t i = 0, want = strlen(name);

    while (i < alen) {
        while (i < alen && (attrs[i] == ' ' || attrs[i] == '\t' || attrs[i] == '\r' ||
                            attrs[i] == '\n' || attrs[i] == '/'))
            i++;
        size_t n0 = i;
        while (i < alen && attrs[i] != '=' && attrs[i] != ' ' && attrs[i] != '\t' &&
               attrs[i] != '\r' && attrs[i] != '\n')
            i++;
        size_t n1 = i;
        while (i < alen &&
               (attrs[i] == ' ' || attrs[i] == '\t' || attrs[i] == '\r' || attrs[i] == '\n'))
            i++;
        if (i >= alen || attrs[i] != '=')
            return false;
        i++;
        while (i < alen && (attrs[i] == ' ' || attrs[i] == '\t'))
            i++;
        if (i >= alen || (attrs[i] != '"' && attrs[i] != '\''))
            return false;
        const char *q = memchr(attrs + i + 1, attrs[i], alen - i - 1);
        if (q == NULL)
            return false;
        if (n1 - n0 == want && memcmp(attrs + n0, name, want) == 0) {
            *val = attrs + i + 1;
            *vlen = (size_t)(q - (attrs + i + 1));
            return true;
        }
        i = (size_t)(q - attrs) + 1;
    }
    return false;
}

/* skip_to - the position just past the first `end` at or after i, or SIZE_MAX */
static size_t
skip_to(const char *s, size_t len, size_t i, const char *end)
{
    size_t n = strlen(end);
    const char *p = i <= len ? memmem(s + i, len - i, end, n) : NULL;

    return p == NULL ? SIZE_MAX : (size_t)(p - s) + n;
}

/* tag_end - the '>' closing a tag that starts at i, quotes respected, or SIZE_MAX */
static size_t
tag_end(const char *s, size_t len, size_t i)
{
    char quote = 0;

    for (; i < len; i++) {
        if (quote != 0) {
            if (s[i] == quote)
                quote = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            quote = s[i];
        } else if (s[i] == '>') {
            return i;
        }
    }
    return SIZE_MAX;
}

/* local_name - the name at s (up to space, '/', '>'), prefix dropped */
static const char *
local_name(const char *s, size_t len, size_t *nlen, size_t *full)
{
    size_t i = 0, colon = 0;

    while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '/' &&
           s[i] != '>') {
        if (s[i] == ':')
            colon = i + 1;
        i++;
    }
    *full = i;
    *nlen = i - colon;
    return s + colon;
}

/* markup - one construct starting with '<' at i; the position after it, or SIZE_MAX */
static size_t
markup(const char *s, size_t len, size_t i, const struct cx_xml_handler *h, void *u)
{
    size_t nlen, full, e;
    const char *name;

    if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0)
        return skip_to(s, len, i + 4, "-->");
    if (len - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        e = skip_to(s, len, i + 9, "]]>");
        if (e != SIZE_MAX && h->text != NULL)
            h->text(u, s + i + 9, e - 3 - (i + 9), true);
        return e;
    }
    if (len - i >= 2 && (s[i + 1] == '?' || s[i + 1] == '!')) {
        e = s[i + 1] == '?' ? skip_to(s, len, i + 2, "?>") : tag_end(s, len, i + 2);
        return e == SIZE_MAX || s[i + 1] == '?' ? e : e + 1;
    }
    if (len - i >= 2 && s[i + 1] == '/') {
        name = local_name(s + i + 2, len - i - 2, &nlen, &full);
        e = tag_end(s, len, i + 2 + full);
        if (e != SIZE_MAX && h->close != NULL)
            h->close(u, name, nlen);
        return e == SIZE_MAX ? e : e + 1;
    }
    name = local_name(s + i + 1, len - i - 1, &nlen, &full);
    e = tag_end(s, len, i + 1 + full);
    if (e == SIZE_MAX)
        return e;
    bool empty = e > i + 1 + full && s[e - 1] == '/';
    const char *attrs = s + i + 1 + full;
    size_t alen = e - (i + 1 + full) - (empty ? 1 : 0);
    if (h->open != NULL)
        h->open(u, name, nlen, attrs, alen);
    if (empty && h->close != NULL)
        h->close(u, name, nlen);
    return e + 1;
}

/* cx_xml_scan - text runs and markup, one after the other */
bool
cx_xml_scan(const char *s, size_t len, const struct cx_xml_handler *h, void *u)
{
    size_t i = 0;

    while (i < len) {
        if (s[i] != '<') {
            const char *lt = memchr(s + i, '<', len - i);
            size_t j = lt == NULL ? len : (size_t)(lt - s);
            if (h->text != NULL)
                h->text(u, s + i, j - i, false);
            i = j;
            continue;
        }
        i = markup(s, len, i, h, u);
        if (i == SIZE_MAX)
            return false;
    }
    return true;
}
