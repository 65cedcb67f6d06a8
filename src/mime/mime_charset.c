/*
 * mime_charset - streaming conversion of a text part's bytes to UTF-8 (see mime_charset.h).
 *
 * Three converters behind one interface: UTF-8 (and US-ASCII) validated in place, ISO-8859-1
 * widened directly, anything else through one iconv(3) descriptor per object. Each is a
 * function that converts as much of a buffer as it can and says how much it consumed: what is
 * left is an incomplete sequence at the end, held (at most MAXSEQ bytes) and put in front of the
 * next feed. Held bytes are joined with the next input in a small window first, so the result
 * never depends on where a split fell.
 */
#include "mime/mime_charset.h"

#include <errno.h>
#include <stdio.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

enum cs_kind { CS_UTF8, CS_LATIN1, CS_ICONV };

#define MAXSEQ 16 /* longest incomplete sequence held between feeds */

struct mime_charset {
    enum cs_kind kind;
    bool unknown;
    iconv_t cd;
    char name[48];
    uint8_t held[MAXSEQ];
    size_t nheld;
    uint64_t bad;
};

static const char repl[3] = {(char)0xEF, (char)0xBF, (char)0xBD}; /* U+FFFD */

/* ---- labels -------------------------------------------------------------------------- */

static const struct {
    const char *label, *name;
} aliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    {"us-ascii", "US-ASCII"},
    {"ascii", "US-ASCII"},
    {"ansi_x3.4-1968", "US-ASCII"},
    {"iso646-us", "US-ASCII"},
    {"csascii", "US-ASCII"},
    {"ansi-x3.4-1968", "US-ASCII"}, /* as some mailers write the registered name */
    {"iso-8859-1", "ISO-8859-1"},
    {"iso8859-1", "ISO-8859-1"},
    {"iso_8859-1", "ISO-8859-1"},
    {"iso_8859-1:1987", "ISO-8859-1"},
    {"latin1", "ISO-8859-1"},
    {"latin-1", "ISO-8859-1"},
    {"l1", "ISO-8859-1"},
    {"cp819", "ISO-8859-1"},
    {"ibm819", "ISO-8859-1"},
    {"csisolatin1", "ISO-8859-1"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"x-cp1252", "WINDOWS-1252"},
    /* Korean: EUC-KR and KS C 5601 labels are read as CP949 (its superset), as clients do */
    {"euc-kr", "CP949"},
    {"euckr", "CP949"},
    {"x-euc-kr", "CP949"},
    {"cseuckr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ks_c_5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"ksc5601", "CP949"},
    {"iso-ir-149", "CP949"},
    {"csksc56011987", "CP949"},
    {"korean", "CP949"},
    {"cp949", "CP949"},
    {"uhc", "CP949"},
    {"ms949", "CP949"},
    {"windows-949", "CP949"},
    {"x-windows-949", "CP949"},
    {"iso-2022-kr", "ISO-2022-KR"},
    {"csiso2022kr", "ISO-2022-KR"},
    /* Chinese and Japanese: the supersets clients use */
    {"gb2312", "GBK"},
    {"csgb2312", "GBK"},
    {"x-gbk", "GBK"},
    {"gbk", "GBK"},
    {"cp936", "GBK"},
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"windows-31j", "CP932"},
    {"cp932", "CP932"},
};

/* a label is only passed to iconv_open() when it is a plain name: no "//" suffixes */
static bool
label_ok(const char *s, size_t n)
{
    if (n == 0 || n >= 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

struct mime_charset *
mime_charset_new(const char *label)
{
    struct mime_charset *cs = xcalloc(1, sizeof *cs);
    cs->cd = (iconv_t)-1;
    cs->kind = CS_UTF8;
    snprintf(cs->name, sizeof cs->name, "%s", "US-ASCII");

    /* trim blanks and quotes around the label */
    const char *s = label ? label : "";
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t' || *s == '"' || *s == '\''))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"' || s[n - 1] == '\''))
        n--;
    if (n == 0)
        return cs;

    const char *name = NULL;
    char want[48];
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strlen(aliases[i].label) == n && strncasecmp(aliases[i].label, s, n) == 0) {
            name = aliases[i].name;
            break;
        }
    }
    if (!name) {
        if (!label_ok(s, n)) {
            cs->unknown = true;
            return cs;
        }
        for (size_t i = 0; i < n; i++)
            want[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
        want[n] = 0;
        name = want;
    }
    if (strcmp(name, "UTF-8") == 0 || strcmp(name, "US-ASCII") == 0) {
        snprintf(cs->name, sizeof cs->name, "%s", name);
        return cs;
    }
    if (strcmp(name, "ISO-8859-1") == 0) {
        cs->kind = CS_LATIN1;
        snprintf(cs->name, sizeof cs->name, "%s", "ISO-8859-1");
        return cs;
    }
    cs->cd = iconv_open("UTF-8", name);
    if (cs->cd == (iconv_t)-1) {
        cs->unknown = true; /* read as UTF-8 */
        return cs;
    }
    cs->kind = CS_ICONV;
    snprintf(cs->name, sizeof cs->name, "%s", name);
    return cs;
}

const char *
mime_charset_name(const struct mime_charset *cs)
{
    return cs->unknown ? "UTF-8" : cs->name;
}

bool
mime_charset_is_unknown(const struct mime_charset *cs)
{
    return cs->unknown;
}

uint64_t
mime_charset_bad(const struct mime_charset *cs)
{
    return cs->bad;
}

struct mime_charset *
mime_charset_free(struct mime_charset *cs)
{
    if (cs) {
        if (cs->cd != (iconv_t)-1)
            iconv_close(cs->cd);
        free(cs);
    }
    return NULL;
}

/* ---- converters: convert p[0..n), return bytes consumed (n unless an incomplete sequence
 * ends the input and !final); -1 when out is full ------------------------------------------ */

/* length of the valid UTF-8 sequence at p, 0 when incomplete at the end, or -k: invalid,
 * k bytes (the maximal subpart, at least 1) make one U+FFFD */
static int
utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    unsigned need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return -1;
    if (c < 0xE0) {
        need = 2;
    } else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    for (unsigned k = 1; k < need; k++) {
        if (k >= n)
            return 0;
        uint8_t t = p[k];
        if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xBF))
            return -(int)k;
    }
    return (int)need;
}

static long
conv_utf8(struct mime_charset *cs, const uint8_t *p, size_t n, bool final, struct buf *out)
{
    size_t i = 0, run = 0;
    while (i < n) {
        /* ASCII 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int k = utf8_seq(p + i, n - i);
        if (k > 0) {
            i += (size_t)k;
            continue;
        }
        if (k == 0 && !final)
            break; /* incomplete at the end: held by the caller */
        if (buf_append(out, p + run, i - run) < 0 || buf_append(out, repl, 3) < 0)
            return -1;
        cs->bad++;
        i += k == 0 ? n - i : (size_t)-k;
        run = i;
    }
    if (buf_append(out, p + run, i - run) < 0)
        return -1;
    return (long)i;
}

static long
conv_latin1(struct mime_charset *cs, const uint8_t *p, size_t n, bool final, struct buf *out)
{
    char tmp[1024];
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        if (t + 2 > sizeof tmp) {
            if (buf_append(out, tmp, t) < 0)
                return -1;
            t = 0;
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            tmp[t++] = (char)c;
        } else {
            tmp[t++] = (char)(0xC0 | c >> 6);
            tmp[t++] = (char)(0x80 | (c & 0x3F));
        }
    }
    if (buf_append(out, tmp, t) < 0)
        return -1;
    return (long)n;
}

static long
conv_iconv(struct mime_charset *cs, const uint8_t *p, size_t n, bool final, struct buf *out)
{
    char tmp[4096];
    size_t i = 0;
    while (i < n) {
        char *ip = (char *)(p + i), *op = tmp;
        size_t il = n - i, ol = sizeof tmp;
        size_t r = iconv(cs->cd, &ip, &il, &op, &ol);
        int err = r == (size_t)-1 ? errno : 0;
        if (buf_append(out, tmp, (size_t)(op - tmp)) < 0)
            return -1;
        i = (size_t)((const uint8_t *)ip - p);
        if (err == E2BIG || err == 0)
            continue;
        if (err == EINVAL && !final)
            break; /* incomplete at the end: held by the caller */
        /* EILSEQ (or EINVAL at the very end): one bad byte, one U+FFFD, go on after it; the
         * shift state of a stateful charset is kept */
        if (buf_append(out, repl, 3) < 0)
            return -1;
        cs->bad++;
        if (err == EINVAL) {
            i = n; /* the rest is one incomplete sequence */
        } else {
            i++;
        }
    }
    return (long)i;
}

static long
convert(struct mime_charset *cs, const uint8_t *p, size_t n, bool final, struct buf *out)
{
    switch (cs->kind) {
    case CS_LATIN1:
        return conv_latin1(cs, p, n, final, out);
    case CS_ICONV:
        return conv_iconv(cs, p, n, final, out);
    default:
        return conv_utf8(cs, p, n, final, out);
    }
}

/* hold p[0..n) for the next feed; a tail longer than MAXSEQ is not a sequence: its first bytes
 * are replaced until the rest fits */
static int
hold(struct mime_charset *cs, const uint8_t *p, size_t n, struct buf *out)
{
    while (n > MAXSEQ) {
        if (buf_append(out, repl, 3) < 0)
            return -1;
        cs->bad++;
        p++;
        n--;
    }
    memmove(cs->held, p, n);
    cs->nheld = n;
    return 0;
}

int
mime_charset_feed(struct mime_charset *cs, const uint8_t *in, size_t len, struct buf *out)
{
    if (len == 0)
        return 0;
    /* first the held bytes, joined with the start of this input in a small window */
    while (cs->nheld) {
        uint8_t w[MAXSEQ * 4];
        size_t old = cs->nheld, take = len < sizeof w - old ? len : sizeof w - old;
        memcpy(w, cs->held, old);
        memcpy(w + old, in, take);
        long c = convert(cs, w, old + take, false, out);
        if (c < 0)
            return -1;
        if ((size_t)c >= old) { /* past the held bytes: go on in the input itself */
            in += (size_t)c - old;
            len -= (size_t)c - old;
            cs->nheld = 0;
            break;
        }
        if (take == len) /* still incomplete and the input is spent: hold it all */
            return hold(cs, w + c, old + take - (size_t)c, out);
        /* incomplete although the window was full: not a sequence; one U+FFFD, retry */
        if (buf_append(out, repl, 3) < 0)
            return -1;
        cs->bad++;
        memmove(cs->held, w + c + 1, old - (size_t)c - 1);
        cs->nheld = old - (size_t)c - 1;
    }
    if (len == 0)
        return 0;
    long c = convert(cs, in, len, false, out);
    if (c < 0)
        return -1;
    return hold(cs, in + c, len - (size_t)c, out);
}

int
mime_charset_finish(struct mime_charset *cs, struct buf *out)
{
    if (cs->nheld) {
        size_t n = cs->nheld;
        cs->nheld = 0;
        if (convert(cs, cs->held, n, true, out) < 0)
            return -1;
    }
    if (cs->kind == CS_ICONV) {
        char tmp[64], *op = tmp;
        size_t ol = sizeof tmp;
        iconv(cs->cd, NULL, NULL, &op, &ol); /* back to the initial shift state */
        if (buf_append(out, tmp, (size_t)(op - tmp)) < 0)
            return -1;
    }
    return 0;
}
