/* utf8 - UTF-8 validation (RFC 3629) and sanitising for logs and events. */
#include "util/utf8.h"

size_t
utf8_valid_len(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool
utf8_is_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_valid_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void
utf8_sanitize(const char *s, size_t len, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;

    while (i < len) {
        size_t n = utf8_valid_len(p + i, len - i);
        if (n != 0 && p[i] != 0) {
            i += n;
            continue;
        }
        buf_append(out, s + start, i - start);
        buf_append(out, "\xEF\xBF\xBD", 3);
        i++;
        start = i;
    }
    buf_append(out, s + start, i - start);
}

bool
utf8_mostly_valid(const unsigned char *s, size_t len)
{
    size_t multi = 0, bad = 0;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_valid_len(s + i, len - i);
        if (n == 0) {
            bad++;
            n = 1;
        } else if (n > 1) {
            multi++;
        }
        i += n;
    }
    return bad == 0 || multi > bad;
}
