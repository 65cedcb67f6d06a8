/*
 * mime_param - Content-Type / Content-Disposition values (see mime_param.h).
 *
 * Two passes. The first reads the value left to right into raw entries (name as written, value
 * with quoting removed), tolerating what mail clients tolerate: comments anywhere between
 * tokens, folding left in (CR and LF are blanks outside quotes and dropped inside them),
 * missing or doubled semicolons, unquoted values with blanks in them (the value runs on until
 * a `;`, the end, or something that looks like the next `name=`), an unterminated quoted string
 * (runs to the end). The second joins the entries by name: RFC 2231 sections in numeric order,
 * `name*` and `name*0*` decoded from their charset, RFC 2047 words in plain values decoded,
 * every value cleaned to UTF-8.
 *
 * Which value wins when a name is given several ways: RFC 2231 sections, then `name*`, then
 * the plain `name` (RFC 6266 4.3: the extended form is the one meant for non-ASCII names, the
 * plain one is a fallback for old readers); a name given twice in the same form keeps the
 * first. Either way MIME_PARAM_DUPLICATE is set, for the plain/extended pair only when the
 * two decode to different text (many clients send both, with the same name).
 */
#include "mime/mime_param.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_charset.h"
#include "mime/mime_encword.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/mem.h"

#define MAX_PARAMS 64
#define MAX_VALUE 8192
#define MAX_ENTRIES 256    /* raw name=value pairs read (sections count one each) */
#define MAX_SECTION 999999 /* largest RFC 2231 section number taken */

struct entry {
    char *base;    /* name without the RFC 2231 suffix, lowercased */
    long section;  /* -1: not a continuation */
    bool extended; /* ends with '*': charset'lang'%XX */
    struct buf value;
};

struct parser {
    const char *s;
    size_t n, i;
    unsigned flags;
    struct entry *e;
    size_t ne, cap;
};

static bool
is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip blanks and comments (nested, with quoted-pairs; an unterminated one runs to the end) */
static void
skip_cfws(struct parser *p)
{
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (is_blank(c)) {
            p->i++;
        } else if (c == '(') {
            unsigned depth = 0;
            while (p->i < p->n) {
                c = (unsigned char)p->s[p->i++];
                if (c == '\\' && p->i < p->n)
                    p->i++;
                else if (c == '(')
                    depth++;
                else if (c == ')' && --depth == 0)
                    break;
            }
            if (depth)
                p->flags |= MIME_PARAM_BAD_SYNTAX;
        } else {
            break;
        }
    }
}

/* a token up to a blank or one of stop; returns its length */
static size_t
token(struct parser *p, const char *stop)
{
    size_t start = p->i;
    while (p->i < p->n) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (is_blank(c) || (c && strchr(stop, c)))
            break;
        p->i++;
    }
    return p->i - start;
}

/* append s[0..n) to out as clean UTF-8: invalid bytes become U+FFFD, control characters are
 * removed (a TAB becomes a space) */
static void
clean_append(struct buf *out, const char *s, size_t n)
{
    struct buf tmp;
    buf_init(&tmp, 0);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            buf_append(&tmp, s + run, i - run);
            if (c == '\t')
                buf_append(&tmp, " ", 1);
            run = i + 1;
        }
    }
    buf_append(&tmp, s + run, n - run);
    struct mime_charset *cs = mime_charset_new("utf-8");
    mime_charset_feed(cs, (const uint8_t *)tmp.data, tmp.len, out);
    mime_charset_finish(cs, out);
    mime_charset_free(cs);
    buf_release(&tmp);
}

static char *
lower_clean(const char *s, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    clean_append(&b, s, n);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] >= 'A' && b.data[i] <= 'Z')
            b.data[i] = (char)(b.data[i] + 32);
    char *r = xmemdup(b.data ? b.data : "", b.len);
    buf_release(&b);
    return r;
}

/* is s[i..] the start of another parameter: a name, blanks, '=' */
static bool
param_starts(const struct parser *p, size_t i)
{
    size_t start = i;
    while (i < p->n && !is_blank((unsigned char)p->s[i]) && !strchr("=;(\"", p->s[i]))
        i++;
    if (i == start)
        return false;
    while (i < p->n && is_blank((unsigned char)p->s[i]))
        i++;
    return i < p->n && p->s[i] == '=';
}

/* a quoted string at p->i (the opening quote): its text, quoted-pairs undone, CR/LF dropped */
static void
quoted(struct parser *p, struct buf *out)
{
    p->i++;
    size_t run = p->i;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '"') {
            buf_append(out, p->s + run, p->i - run);
            p->i++;
            return;
        }
        if (c == '\\' && p->i + 1 < p->n) {
            buf_append(out, p->s + run, p->i - run);
            p->i++;
            run = p->i; /* the escaped byte starts the next run */
            p->i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            buf_append(out, p->s + run, p->i - run);
            run = p->i + 1;
        }
        p->i++;
    }
    buf_append(out, p->s + run, p->i - run);
    p->flags |= MIME_PARAM_BAD_SYNTAX; /* unterminated */
}

/* an unquoted value: raw text from here to the last token before ';', the end, or the next
 * `name=`; blanks and comments inside it are kept as written (CR/LF dropped) */
static void
unquoted(struct parser *p, struct buf *out)
{
    size_t start = p->i, end = p->i;
    for (;;) {
        token(p, ";(");
        end = p->i;
        skip_cfws(p);
        if (p->i >= p->n || p->s[p->i] == ';' || param_starts(p, p->i))
            break;
    }
    for (size_t k = start; k < end; k++)
        if (p->s[k] != '\r' && p->s[k] != '\n')
            buf_append(out, p->s + k, 1);
}

/* skip to the next ';' (quoted strings and comments stepped over) */
static void
skip_junk(struct parser *p)
{
    p->flags |= MIME_PARAM_BAD_SYNTAX;
    while (p->i < p->n && p->s[p->i] != ';') {
        if (p->s[p->i] == '"') {
            struct buf dummy;
            buf_init(&dummy, 0);
            quoted(p, &dummy);
            buf_release(&dummy);
        } else if (p->s[p->i] == '(') {
            skip_cfws(p);
        } else {
            p->i++;
        }
    }
}

/* split a parameter name into base, section and extended (RFC 2231 3 and 4) */
static bool
split_name(const char *name, size_t n, size_t *baselen, long *section, bool *extended)
{
    *section = -1;
    *extended = false;
    if (n && name[n - 1] == '*') {
        *extended = true;
        n--;
    }
    const char *star = memchr(name, '*', n);
    if (star) {
        size_t digits = n - (size_t)(star - name) - 1;
        long v = 0;
        bool ok = digits > 0 && digits <= 6;
        for (size_t k = 0; ok && k < digits; k++) {
            char c = star[1 + k];
            if (c < '0' || c > '9')
                ok = false;
            else
                v = v * 10 + (c - '0');
        }
        if (!ok) /* not name*N: a name with stars in it, taken as written */
            return false;
        *section = v;
        n = (size_t)(star - name);
    }
    *baselen = n;
    return n > 0;
}

static void
parse_params(struct parser *p)
{
    while (p->i < p->n) {
        skip_cfws(p);
        if (p->i >= p->n)
            break;
        if (p->s[p->i] == ';') {
            p->i++;
            continue;
        }
        size_t nstart = p->i, nlen = token(p, "=;(\"");
        skip_cfws(p);
        if (nlen == 0 || p->i >= p->n || p->s[p->i] != '=') {
            if (nlen == 0 && p->i < p->n && p->s[p->i] == '=')
                p->i++; /* a stray '=' */
            skip_junk(p);
            continue;
        }
        p->i++; /* '=' */
        skip_cfws(p);
        struct buf value;
        buf_init(&value, 0);
        bool was_quoted = p->i < p->n && p->s[p->i] == '"';
        if (was_quoted)
            quoted(p, &value);
        else if (p->i < p->n && p->s[p->i] != ';')
            unquoted(p, &value);
        if (value.len == 0 && !was_quoted) { /* `name=` with nothing: dropped */
            p->flags |= MIME_PARAM_BAD_SYNTAX;
            buf_release(&value);
            continue;
        }
        size_t baselen;
        long section;
        bool extended;
        const char *name = p->s + nstart;
        if (!split_name(name, nlen, &baselen, &section, &extended)) {
            if (nlen == 0 || name[0] == '*') { /* `*=x`: no name at all */
                p->flags |= MIME_PARAM_BAD_SYNTAX;
                buf_release(&value);
                continue;
            }
            baselen = nlen;
            section = -1;
            extended = false;
            p->flags |= MIME_PARAM_BAD_SYNTAX;
        }
        if (p->ne == MAX_ENTRIES) {
            p->flags |= MIME_PARAM_TRUNCATED;
            buf_release(&value);
            continue;
        }
        if (p->ne == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 8;
            p->e = xrealloc(p->e, p->cap * sizeof *p->e);
        }
        char *base = lower_clean(name, baselen);
        if (!base[0]) { /* only control characters */
            p->flags |= MIME_PARAM_BAD_SYNTAX;
            free(base);
            buf_release(&value);
            continue;
        }
        struct entry *e = &p->e[p->ne++];
        e->base = base;
        e->section = section;
        e->extended = extended;
        e->value = value;
    }
}

/* ---- decoding ---------------------------------------------------------------------------- */

/* %XX to bytes; a bad % is kept as written and flagged */
static void
percent_decode(const char *s, size_t n, struct buf *out, unsigned *flags)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%')
            continue;
        int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1, lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            *flags |= MIME_PARAM_BAD_ENCODING;
            continue;
        }
        buf_append(out, s + run, i - run);
        char c = (char)(hi << 4 | lo);
        buf_append(out, &c, 1);
        i += 2;
        run = i + 1;
    }
    buf_append(out, s + run, n - run);
}

/* bytes in charset to clean UTF-8 (raw: the bytes as they are) */
static void
charset_to_utf8(const char *charset, const char *s, size_t n, struct buf *out, unsigned *flags,
                bool raw)
{
    if (raw) {
        buf_append(out, s, n);
        return;
    }
    struct mime_charset *cs = mime_charset_new(charset);
    struct buf u;
    buf_init(&u, 0);
    if (mime_charset_is_unknown(cs))
        *flags |= MIME_PARAM_BAD_CHARSET;
    mime_charset_feed(cs, (const uint8_t *)s, n, &u);
    mime_charset_finish(cs, &u);
    if (mime_charset_bad(cs))
        *flags |= MIME_PARAM_BAD_ENCODING;
    mime_charset_free(cs);
    clean_append(out, u.data ? u.data : "", u.len);
    buf_release(&u);
}

/* a plain value: RFC 2047 words decoded if any, else cleaned (raw: the bytes as they are) */
static void
plain_value(const char *s, size_t n, struct buf *out, unsigned *flags, bool raw)
{
    if (raw) {
        buf_append(out, s, n);
        return;
    }
    if (n >= 8 && memmem(s, n, "=?", 2)) {
        struct mime_encword_result r;
        struct buf u;
        buf_init(&u, 0);
        mime_encword_decode(s, n, &u, &r);
        if (r.flags & MIME_ENCWORD_BAD_CHARSET)
            *flags |= MIME_PARAM_BAD_CHARSET;
        if (r.flags & MIME_ENCWORD_BAD_DATA)
            *flags |= MIME_PARAM_BAD_ENCODING;
        clean_append(out, u.data ? u.data : "", u.len);
        buf_release(&u);
        return;
    }
    clean_append(out, s, n);
}

/* `charset'lang'text` of name* or name*0*: the charset (a copy, "" when none), text offset */
static char *
ext_prefix(const struct buf *v, size_t *text, unsigned *flags)
{
    const char *s = v->data ? v->data : "";
    const char *q1 = memchr(s, '\'', v->len);
    const char *q2 = q1 ? memchr(q1 + 1, '\'', v->len - (size_t)(q1 + 1 - s)) : NULL;
    if (!q2) {
        *flags |= MIME_PARAM_BAD_ENCODING; /* no charset'lang' */
        *text = 0;
        return xstrdup("");
    }
    *text = (size_t)(q2 + 1 - s);
    return xmemdup(s, (size_t)(q1 - s));
}

static int
cmp_section(const void *a, const void *b)
{
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    return x->section < y->section ? -1 : x->section > y->section;
}

/* the value of the sections of one name, joined in numeric order */
static void
join_sections(struct entry **sec, size_t nsec, struct buf *out, unsigned *flags, bool raw)
{
    qsort(sec, nsec, sizeof *sec, cmp_section);
    struct buf bytes;
    buf_init(&bytes, 0);
    char *charset = NULL;
    bool any_ext = false;
    long expect = 0;
    for (size_t k = 0; k < nsec; k++) {
        const struct entry *e = sec[k];
        if (k > 0 && e->section == sec[k - 1]->section) {
            *flags |= MIME_PARAM_DUPLICATE; /* the same section twice: first kept */
            continue;
        }
        if (e->section != expect)
            *flags |= MIME_PARAM_CONTINUATION_GAP;
        expect = e->section + 1;
        const char *s = e->value.data ? e->value.data : "";
        size_t n = e->value.len;
        if (!e->extended) {
            buf_append(&bytes, s, n);
            continue;
        }
        any_ext = true;
        if (e->section == 0) {
            size_t text;
            charset = ext_prefix(&e->value, &text, flags);
            s += text;
            n -= text;
        } else if (charset && *charset) {
            /* some encoders repeat section 0's charset (`charset'`) in later sections */
            size_t cl = strlen(charset);
            if (n > cl && s[cl] == '\'' && strncasecmp(s, charset, cl) == 0) {
                s += cl + 1;
                n -= cl + 1;
            }
        }
        percent_decode(s, n, &bytes, flags);
    }
    if (any_ext)
        charset_to_utf8(charset ? charset : "", bytes.data ? bytes.data : "", bytes.len, out, flags,
                        raw);
    else
        plain_value(bytes.data ? bytes.data : "", bytes.len, out, flags, raw);
    free(charset);
    buf_release(&bytes);
}

/* truncate a UTF-8 value to MAX_VALUE bytes on a character boundary */
static char *
finish_value(struct buf *v, unsigned *flags)
{
    size_t n = v->len;
    if (n > MAX_VALUE) {
        *flags |= MIME_PARAM_TRUNCATED;
        n = MAX_VALUE;
        while (n > 0 && ((unsigned char)v->data[n] & 0xC0) == 0x80)
            n--;
    }
    return xmemdup(v->data ? v->data : "", n);
}

static void
assemble(struct parser *p, struct mime_params *r)
{
    bool *done = xcalloc(p->ne ? p->ne : 1, sizeof *done);
    struct entry **sec = xcalloc(p->ne ? p->ne : 1, sizeof *sec);
    r->params = xcalloc(MAX_PARAMS, sizeof *r->params);
    for (size_t i = 0; i < p->ne; i++) {
        if (done[i])
            continue;
        const char *base = p->e[i].base;
        /* the boundary is matched byte for byte against the body, as readers match it:
         * neither RFC 2047 decoded nor cleaned, or a crafted one would hide the parts */
        bool raw = strcmp(base, "boundary") == 0;
        struct entry *plain = NULL, *ext = NULL;
        size_t nsec = 0;
        unsigned forms = 0;
        for (size_t j = i; j < p->ne; j++) {
            struct entry *e = &p->e[j];
            if (done[j] || strcmp(e->base, base) != 0)
                continue;
            done[j] = true;
            if (e->section >= 0) {
                sec[nsec++] = e;
                forms |= 4;
            } else if (e->extended) {
                if (ext)
                    r->flags |= MIME_PARAM_DUPLICATE;
                else
                    ext = e;
                forms |= 2;
            } else {
                if (plain)
                    r->flags |= MIME_PARAM_DUPLICATE;
                else
                    plain = e;
                forms |= 1;
            }
        }
        if (r->nparams == MAX_PARAMS) {
            r->flags |= MIME_PARAM_TRUNCATED;
            continue;
        }
        /* every form given, decoded; the first of sections, name*, name wins */
        struct buf vals[3];
        for (int k = 0; k < 3; k++)
            buf_init(&vals[k], 0);
        unsigned f = 0;
        if (nsec)
            join_sections(sec, nsec, &vals[0], &f, raw);
        if (ext) {
            size_t text;
            char *charset = ext_prefix(&ext->value, &text, &f);
            const char *ev = ext->value.data ? ext->value.data : "";
            struct buf bytes;
            buf_init(&bytes, 0);
            percent_decode(ev + text, ext->value.len - text, &bytes, &f);
            charset_to_utf8(charset, bytes.data ? bytes.data : "", bytes.len, &vals[1], &f, raw);
            buf_release(&bytes);
            free(charset);
        }
        if (plain)
            plain_value(plain->value.data ? plain->value.data : "", plain->value.len, &vals[2], &f,
                        raw);
        int win = nsec ? 0 : ext ? 1 : 2;
        for (int k = win + 1; k < 3; k++) {
            if (!(forms & (4u >> k)))
                continue;
            if (vals[k].len != vals[win].len ||
                (vals[k].len && memcmp(vals[k].data, vals[win].data, vals[k].len) != 0))
                r->flags |= MIME_PARAM_DUPLICATE;
        }
        r->flags |= f;
        struct mime_param *mp = &r->params[r->nparams++];
        mp->name = xstrdup(base);
        mp->value = finish_value(&vals[win], &r->flags);
        for (int k = 0; k < 3; k++)
            buf_release(&vals[k]);
    }
    free(sec);
    free(done);
}

struct mime_params *
mime_param_parse(const char *value, size_t len)
{
    struct mime_params *r = xcalloc(1, sizeof *r);
    struct parser p = {.s = value ? value : "", .n = value ? len : 0};

    /* type "/" subtype, comments and blanks allowed around each */
    skip_cfws(&p);
    size_t tstart = p.i, tlen = token(&p, "/;(");
    skip_cfws(&p);
    size_t sstart = p.i, slen = 0;
    if (p.i < p.n && p.s[p.i] == '/') {
        p.i++;
        skip_cfws(&p);
        sstart = p.i;
        slen = token(&p, ";(");
    }
    r->type = lower_clean(p.s + tstart, tlen);
    r->subtype = lower_clean(p.s + sstart, r->type[0] ? slen : 0); /* no type: nothing usable */
    if (!r->type[0] || !r->subtype[0])
        r->flags |= MIME_PARAM_BAD_TYPE;

    /* parameters: after a ';', or (no ';' written) after blanks, where a `name=` follows */
    skip_cfws(&p);
    if (p.i < p.n && p.s[p.i] != ';' && !param_starts(&p, p.i))
        skip_junk(&p);
    parse_params(&p);
    r->flags |= p.flags;
    assemble(&p, r);
    for (size_t i = 0; i < p.ne; i++) {
        free(p.e[i].base);
        buf_release(&p.e[i].value);
    }
    free(p.e);
    if (r->nparams == 0) {
        free(r->params);
        r->params = NULL;
    }
    return r;
}

const char *
mime_param_get(const struct mime_params *p, const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i].name, name) == 0)
            return p->params[i].value;
    return NULL;
}

struct mime_params *
mime_param_free(struct mime_params *p)
{
    if (p) {
        for (size_t i = 0; i < p->nparams; i++) {
            free(p->params[i].name);
            free(p->params[i].value);
        }
        free(p->params);
        free(p->type);
        free(p->subtype);
        free(p);
    }
    return NULL;
}
