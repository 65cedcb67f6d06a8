/*
 * mime_html - streaming HTML to the text a reader sees (see mime_html.h).
 *
 * A byte-at-a-time tokenizer close to the HTML one where it matters for hiding text: '<' starts
 * a tag only before a letter, '/', '!' or '?'; a '>' inside a quoted attribute value does not
 * end the tag; comments end at "-->" or "--!>" (and "<!-->" is empty), as browsers end them,
 * so text a browser shows is never swallowed as a comment; <script> and <style> run to their
 * end tag. A tag's bytes are kept (at most TAG_MAX) until its '>' so its name and href/src can
 * be read whole; past that the tag is given up and its bytes are text. Text is staged in a small
 * buffer and appended to the caller's buf in chunks.
 */
#include "mime/mime_html.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/mem.h"

#define TAG_MAX (64 * 1024)
#define ENT_MAX 32

enum state {
    S_TEXT,
    S_LT,       /* '<' */
    S_LT_SLASH, /* "</" */
    S_TAG,      /* in a start or end tag (bytes in h->tag) */
    S_MD,       /* "<!" */
    S_MD_DASH,  /* "<!-" */
    S_COMMENT,  /* "<!--" ... */
    S_BOGUS,    /* <!DOCTYPE ...>, <?...>, </ x>: dropped up to '>' */
    S_ENTITY,   /* '&' ... */
    S_RAW,      /* the content of <script> or <style> */
};

/* the tag tokenizer, shared by the streaming pass (to find the end) and the parse of a whole
 * tag (to read its name and attributes) */
enum tstate { T_NAME, T_BEFORE_ATTR, T_ATTR_NAME, T_AFTER_NAME, T_BEFORE_VALUE, T_DQ, T_SQ, T_UNQ };

struct mime_html {
    enum state st;
    enum tstate tst;
    struct buf tag; /* the tag after '<' ("/name ..." for an end tag) */
    char ent[ENT_MAX + 1];
    unsigned nent;
    const char *raw_end; /* "</script" or "</style" while in S_RAW */
    unsigned raw_match;
    char chist[3]; /* the last bytes of a comment */
    unsigned clen;
    unsigned pre; /* <pre> depth: blanks kept */
    bool any;     /* something was output */
    uint8_t last; /* the last byte output */
    bool pending; /* a blank is owed before the next text */
    bool full;    /* out->max was reached */
    uint8_t stage[4096];
    size_t nstage;
};

static bool
is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(uint8_t c)
{
    return (uint8_t)((c | 0x20) - 'a') < 26;
}

static bool
is_alnum(uint8_t c)
{
    return is_alpha(c) || (uint8_t)(c - '0') < 10;
}

struct mime_html *
mime_html_new(void)
{
    struct mime_html *h = xcalloc(1, sizeof *h);
    buf_init(&h->tag, 0);
    return h;
}

struct mime_html *
mime_html_free(struct mime_html *h)
{
    if (h) {
        buf_release(&h->tag);
        free(h);
    }
    return NULL;
}

/* ---- output ------------------------------------------------------------------------------ */

static void
flush(struct mime_html *h, struct buf *out)
{
    if (h->nstage && !h->full && buf_append(out, h->stage, h->nstage) < 0)
        h->full = true;
    h->nstage = 0;
}

static inline void
put(struct mime_html *h, struct buf *out, uint8_t c)
{
    if (h->nstage == sizeof h->stage)
        flush(h, out);
    h->stage[h->nstage++] = c;
    h->last = c;
    h->any = true;
}

static void
put_n(struct mime_html *h, struct buf *out, const void *p, size_t n)
{
    const uint8_t *s = p;
    if (n == 0)
        return;
    if (h->nstage + n > sizeof h->stage) {
        flush(h, out);
        if (n > sizeof h->stage) {
            if (!h->full && buf_append(out, s, n) < 0)
                h->full = true;
            h->last = s[n - 1];
            h->any = true;
            return;
        }
    }
    memcpy(h->stage + h->nstage, s, n);
    h->nstage += n;
    h->last = s[n - 1];
    h->any = true;
}

static bool
at_line_start(const struct mime_html *h)
{
    return !h->any || h->last == '\n';
}

/* before text: the blank owed, if any, unless the output already ends in one */
static inline void
owed_blank(struct mime_html *h, struct buf *out)
{
    if (h->pending) {
        if (!at_line_start(h) && h->last != ' ' && h->last != '\t')
            put(h, out, ' ');
        h->pending = false;
    }
}

static void
text_n(struct mime_html *h, struct buf *out, const void *p, size_t n)
{
    owed_blank(h, out);
    put_n(h, out, p, n);
}

static void
line_end(struct mime_html *h, struct buf *out, bool force)
{
    h->pending = false;
    if (force || !at_line_start(h))
        put(h, out, '\n');
}

/* a blank in text: one owed, or kept as written inside <pre> (CR dropped) */
static void
blank(struct mime_html *h, struct buf *out, uint8_t c)
{
    if (h->pre) {
        if (c != '\r') {
            h->pending = false;
            put(h, out, c);
        }
    } else {
        h->pending = true;
    }
}

static void
put_utf8(struct mime_html *h, struct buf *out, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    text_n(h, out, u, n);
}

/* ---- character references ---------------------------------------------------------------- */

static const struct {
    const char *name;
    uint16_t cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"iexcl", 0xA1},    {"cent", 0xA2},
    {"pound", 0xA3},    {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
    {"sect", 0xA7},     {"uml", 0xA8},      {"copy", 0xA9},     {"ordf", 0xAA},
    {"laquo", 0xAB},    {"not", 0xAC},      {"shy", 0xAD},      {"reg", 0xAE},
    {"macr", 0xAF},     {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
    {"sup3", 0xB3},     {"acute", 0xB4},    {"micro", 0xB5},    {"para", 0xB6},
    {"middot", 0xB7},   {"cedil", 0xB8},    {"sup1", 0xB9},     {"ordm", 0xBA},
    {"raquo", 0xBB},    {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
    {"iquest", 0xBF},   {"Agrave", 0xC0},   {"Aacute", 0xC1},   {"Acirc", 0xC2},
    {"Atilde", 0xC3},   {"Auml", 0xC4},     {"Aring", 0xC5},    {"AElig", 0xC6},
    {"Ccedil", 0xC7},   {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},
    {"Euml", 0xCB},     {"Igrave", 0xCC},   {"Iacute", 0xCD},   {"Icirc", 0xCE},
    {"Iuml", 0xCF},     {"ETH", 0xD0},      {"Ntilde", 0xD1},   {"Ograve", 0xD2},
    {"Oacute", 0xD3},   {"Ocirc", 0xD4},    {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"times", 0xD7},    {"Oslash", 0xD8},   {"Ugrave", 0xD9},   {"Uacute", 0xDA},
    {"Ucirc", 0xDB},    {"Uuml", 0xDC},     {"Yacute", 0xDD},   {"THORN", 0xDE},
    {"szlig", 0xDF},    {"agrave", 0xE0},   {"aacute", 0xE1},   {"acirc", 0xE2},
    {"atilde", 0xE3},   {"auml", 0xE4},     {"aring", 0xE5},    {"aelig", 0xE6},
    {"ccedil", 0xE7},   {"egrave", 0xE8},   {"eacute", 0xE9},   {"ecirc", 0xEA},
    {"euml", 0xEB},     {"igrave", 0xEC},   {"iacute", 0xED},   {"icirc", 0xEE},
    {"iuml", 0xEF},     {"eth", 0xF0},      {"ntilde", 0xF1},   {"ograve", 0xF2},
    {"oacute", 0xF3},   {"ocirc", 0xF4},    {"otilde", 0xF5},   {"ouml", 0xF6},
    {"divide", 0xF7},   {"oslash", 0xF8},   {"ugrave", 0xF9},   {"uacute", 0xFA},
    {"ucirc", 0xFB},    {"uuml", 0xFC},     {"yacute", 0xFD},   {"thorn", 0xFE},
    {"yuml", 0xFF},     {"OElig", 0x152},   {"oelig", 0x153},   {"Scaron", 0x160},
    {"scaron", 0x161},  {"Yuml", 0x178},    {"fnof", 0x192},    {"circ", 0x2C6},
    {"tilde", 0x2DC},   {"ensp", 0x2002},   {"emsp", 0x2003},   {"thinsp", 0x2009},
    {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},    {"rlm", 0x200F},
    {"ndash", 0x2013},  {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026},
    {"permil", 0x2030}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC},
    {"trade", 0x2122},  {"larr", 0x2190},   {"rarr", 0x2192},   {"minus", 0x2212},
};

/* the names that work without their ';' (a subset of HTML's legacy ones) */
static const char *const legacy[] = {"amp", "lt", "gt", "quot", "nbsp", "copy", "reg", NULL};

/* windows-1252 for &#128; - &#159;, as HTML reads them */
static const uint16_t c1_map[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178,
};

/* the code point of reference s[0..n) (after '&', without ';'), or -1 if none */
static long
entity_value(const char *s, size_t n, bool semi)
{
    if (n >= 2 && s[0] == '#') {
        bool hex = s[1] == 'x' || s[1] == 'X';
        size_t i = hex ? 2 : 1;
        if (i >= n)
            return -1;
        unsigned long v = 0;
        for (; i < n; i++) {
            int d;
            char c = s[i];
            d = hex ? hex_digit(c) : c >= '0' && c <= '9' ? c - '0' : -1;
            if (d < 0)
                return -1;
            v = v * (hex ? 16 : 10) + (unsigned long)d;
            if (v > 0x10FFFF)
                v = 0x110000; /* stays out of range */
        }
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0xFFFD;
        if (v >= 0x80 && v <= 0x9F)
            return c1_map[v - 0x80];
        return (long)v;
    }
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        if (strlen(entities[i].name) != n || memcmp(entities[i].name, s, n) != 0)
            continue;
        if (!semi) {
            bool ok = false;
            for (const char *const *l = legacy; *l; l++)
                ok |= strcmp(*l, entities[i].name) == 0;
            if (!ok)
                return -1;
        }
        return entities[i].cp;
    }
    return -1;
}

/* emit a decoded reference: U+00A0 is a blank; zero-width and formatting characters (soft
 * hyphen, ZWSP/ZWNJ/ZWJ, LRM/RLM, BOM), which a reader does not see, are dropped so that they
 * cannot split a value a pattern looks for */
static void
put_ref(struct mime_html *h, struct buf *out, uint32_t cp)
{
    if (cp == 0xA0 || cp == 0x2002 || cp == 0x2003 || cp == 0x2009) {
        blank(h, out, ' ');
        return;
    }
    if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF || cp == 0x2060)
        return;
    put_utf8(h, out, cp);
}

/* decode references in s[0..n) (an attribute value) into out */
static void
decode_attr(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            const char *amp = memchr(s + i, '&', n - i);
            size_t stop = amp ? (size_t)(amp - s) : n;
            buf_append(out, s + i, stop - i);
            i = stop - 1;
            continue;
        }
        size_t j = i + 1;
        while (j < n && j - i - 1 < ENT_MAX &&
               (is_alnum((uint8_t)s[j]) || (j == i + 1 && s[j] == '#')))
            j++;
        bool semi = j < n && s[j] == ';';
        long v = entity_value(s + i + 1, j - i - 1, semi);
        if (v < 0) {
            buf_append(out, "&", 1);
            continue;
        }
        uint8_t u[4];
        size_t k = 0;
        uint32_t cp = (uint32_t)v;
        if (cp < 0x80) {
            u[k++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            u[k++] = (uint8_t)(0xC0 | cp >> 6);
            u[k++] = (uint8_t)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            u[k++] = (uint8_t)(0xE0 | cp >> 12);
            u[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            u[k++] = (uint8_t)(0x80 | (cp & 0x3F));
        } else {
            u[k++] = (uint8_t)(0xF0 | cp >> 18);
            u[k++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            u[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            u[k++] = (uint8_t)(0x80 | (cp & 0x3F));
        }
        buf_append(out, u, k);
        i = semi ? j : j - 1;
    }
}

/* the reference collected in h->ent ended with c (';' or another byte) */
static void
entity_end(struct mime_html *h, struct buf *out, uint8_t c, bool *consumed)
{
    bool semi = c == ';';
    long v = entity_value(h->ent, h->nent, semi);
    *consumed = false;
    if (v < 0) {
        text_n(h, out, "&", 1); /* kept as written */
        text_n(h, out, h->ent, h->nent);
    } else {
        put_ref(h, out, (uint32_t)v);
        *consumed = semi;
    }
    h->nent = 0;
}

/* ---- tags -------------------------------------------------------------------------------- */

/* one tokenizer step; true when c is the '>' that ends the tag */
static bool
tag_step(enum tstate *t, uint8_t c)
{
    switch (*t) {
    case T_NAME:
        if (c == '>')
            return true;
        if (is_ws(c) || c == '/')
            *t = T_BEFORE_ATTR;
        return false;
    case T_BEFORE_ATTR:
        if (c == '>')
            return true;
        if (!is_ws(c) && c != '/')
            *t = T_ATTR_NAME;
        return false;
    case T_ATTR_NAME:
        if (c == '>')
            return true;
        if (c == '=')
            *t = T_BEFORE_VALUE;
        else if (is_ws(c))
            *t = T_AFTER_NAME;
        else if (c == '/')
            *t = T_BEFORE_ATTR;
        return false;
    case T_AFTER_NAME:
        if (c == '>')
            return true;
        if (c == '=')
            *t = T_BEFORE_VALUE;
        else if (c == '/')
            *t = T_BEFORE_ATTR;
        else if (!is_ws(c))
            *t = T_ATTR_NAME;
        return false;
    case T_BEFORE_VALUE:
        if (c == '>')
            return true;
        if (c == '"')
            *t = T_DQ;
        else if (c == '\'')
            *t = T_SQ;
        else if (!is_ws(c))
            *t = T_UNQ;
        return false;
    case T_DQ:
        if (c == '"')
            *t = T_BEFORE_ATTR;
        return false;
    case T_SQ:
        if (c == '\'')
            *t = T_BEFORE_ATTR;
        return false;
    default: /* T_UNQ */
        if (c == '>')
            return true;
        if (is_ws(c))
            *t = T_BEFORE_ATTR;
        return false;
    }
}

static bool
name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (name[0] == (*list)[0] && strcmp(name, *list) == 0)
            return true;
    return false;
}

static const char *const block_tags[] = {
    "p",       "div",        "br",       "tr",      "li",         "h1",      "h2",     "h3",
    "h4",      "h5",         "h6",       "table",   "blockquote", "pre",     "hr",     "ul",
    "ol",      "dl",         "dt",       "dd",      "section",    "article", "header", "footer",
    "address", "center",     "form",     "caption", "title",      "main",    "nav",    "aside",
    "figure",  "figcaption", "fieldset", "legend",  "details",    "summary", "option", NULL,
};

/* emit an href/src value as " <url> ": references decoded, tabs and line ends removed, blanks
 * around it trimmed */
static void
emit_url(struct mime_html *h, struct buf *out, const char *v, size_t n)
{
    struct buf d;
    buf_init(&d, 0);
    decode_attr(v, n, &d);
    size_t a = 0, b = d.len;
    while (a < b && (d.data[a] == ' ' || is_ws((uint8_t)d.data[a])))
        a++;
    while (b > a && (d.data[b - 1] == ' ' || is_ws((uint8_t)d.data[b - 1])))
        b--;
    if (b > a) {
        h->pending = true;
        owed_blank(h, out);
        put(h, out, '<');
        size_t run = a;
        for (size_t i = a; i < b; i++) {
            if (d.data[i] == '\t' || d.data[i] == '\n' || d.data[i] == '\r') {
                put_n(h, out, d.data + run, i - run);
                run = i + 1;
            }
        }
        put_n(h, out, d.data + run, b - run);
        put(h, out, '>');
        h->pending = true;
    }
    buf_release(&d);
}

/* the tag in h->tag is complete: act on it */
static void
finish_tag(struct mime_html *h, struct buf *out)
{
    const char *s = h->tag.data;
    size_t n = h->tag.len, i = 0;
    bool end = n && s[0] == '/';
    if (end)
        i++;
    char name[16];
    size_t nl = 0;
    for (; i < n && !is_ws((uint8_t)s[i]) && s[i] != '/' && s[i] != '>'; i++)
        if (nl < sizeof name - 1)
            name[nl++] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    name[nl] = 0;

    if (!end) {
        /* attributes: href and src are kept */
        enum tstate t = T_BEFORE_ATTR;
        char an[8];
        size_t anl = 0, vstart = 0;
        bool long_name = false;
        for (; i < n; i++) {
            uint8_t c = (uint8_t)s[i];
            enum tstate was = t;
            bool done = tag_step(&t, c);
            if (t == T_ATTR_NAME) {
                if (was != T_ATTR_NAME) {
                    anl = 0;
                    long_name = false;
                }
                if (anl < sizeof an - 1)
                    an[anl++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
                else
                    long_name = true;
            }
            if ((t == T_DQ || t == T_SQ) && was == T_BEFORE_VALUE)
                vstart = i + 1;
            if (t == T_UNQ && was == T_BEFORE_VALUE)
                vstart = i;
            bool value_ends =
                ((was == T_DQ || was == T_SQ) && t != was) || (was == T_UNQ && (t != was || done));
            if (value_ends) {
                an[anl] = 0;
                if (!long_name && (strcmp(an, "href") == 0 || strcmp(an, "src") == 0))
                    emit_url(h, out, s + vstart, i - vstart);
            }
            if (done)
                break;
        }
        if (t == T_UNQ) { /* an unquoted value the '>' ended (not kept in h->tag) */
            an[anl] = 0;
            if (!long_name && (strcmp(an, "href") == 0 || strcmp(an, "src") == 0))
                emit_url(h, out, s + vstart, n - vstart);
        }
    }

    if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0) {
        if (!end) {
            h->raw_end = name[1] == 'c' ? "</script" : "</style";
            h->raw_match = 0;
            h->st = S_RAW;
            return;
        }
    } else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
        if (!end) {
            h->pending = false;
            if (!at_line_start(h))
                put(h, out, '\t');
        }
    } else if (name_in(name, block_tags)) {
        if (strcmp(name, "pre") == 0) {
            if (end && h->pre)
                h->pre--;
            else if (!end && h->pre < 1000)
                h->pre++;
        }
        line_end(h, out, strcmp(name, "br") == 0);
    }
    h->st = S_TEXT;
}

/* a tag too long to be one: its bytes are text (blanks collapsed, nothing else decoded) */
static void
tag_as_text(struct mime_html *h, struct buf *out)
{
    text_n(h, out, "<", 1);
    const char *s = h->tag.data;
    size_t run = 0;
    for (size_t i = 0; i < h->tag.len; i++) {
        if (is_ws((uint8_t)s[i])) {
            text_n(h, out, s + run, i - run);
            blank(h, out, (uint8_t)s[i]);
            run = i + 1;
        }
    }
    text_n(h, out, s + run, h->tag.len - run);
    buf_reset(&h->tag);
}

/* ---- the machine ------------------------------------------------------------------------- */

int
mime_html_feed(struct mime_html *h, const uint8_t *in, size_t len, struct buf *out)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = in[i];
        switch (h->st) {
        case S_TEXT: {
            /* a run of plain text */
            size_t j = i;
            while (j < len && in[j] != '<' && in[j] != '&' && !is_ws(in[j]))
                j++;
            if (j > i) {
                text_n(h, out, in + i, j - i);
                i = j;
                continue;
            }
            i++;
            if (c == '<')
                h->st = S_LT;
            else if (c == '&')
                h->st = S_ENTITY, h->nent = 0;
            else
                blank(h, out, c);
            break;
        }
        case S_LT:
            if (is_alpha(c)) {
                buf_reset(&h->tag);
                buf_append(&h->tag, &c, 1);
                h->tst = T_NAME;
                h->st = S_TAG;
                i++;
            } else if (c == '/') {
                h->st = S_LT_SLASH;
                i++;
            } else if (c == '!') {
                h->st = S_MD;
                i++;
            } else if (c == '?') {
                h->st = S_BOGUS;
                i++;
            } else {
                text_n(h, out, "<", 1); /* "a < b": text; c is read again */
                h->st = S_TEXT;
            }
            break;
        case S_LT_SLASH:
            if (is_alpha(c)) {
                buf_reset(&h->tag);
                buf_append(&h->tag, "/", 1);
                buf_append(&h->tag, &c, 1);
                h->tst = T_NAME;
                h->st = S_TAG;
            } else if (c == '>') {
                h->st = S_TEXT; /* "</>": nothing */
            } else {
                h->st = S_BOGUS;
            }
            i++;
            break;
        case S_TAG: {
            /* bytes up to the '>' that ends the tag, quotes respected */
            if (h->tag.len >= TAG_MAX) {
                tag_as_text(h, out);
                h->st = S_TEXT;
                break; /* c is read again as text */
            }
            /* step to the '>' (or the end of the input, or TAG_MAX), appending in one go */
            size_t lim = len - i < TAG_MAX - h->tag.len ? len : i + (TAG_MAX - h->tag.len);
            size_t j = i;
            bool ended = false;
            while (j < lim) {
                if (h->tst == T_DQ || h->tst == T_SQ) {
                    const uint8_t *q = memchr(in + j, h->tst == T_DQ ? '"' : '\'', lim - j);
                    if (!q) {
                        j = lim;
                        break;
                    }
                    j = (size_t)(q - in);
                }
                if (tag_step(&h->tst, in[j])) {
                    ended = true;
                    break;
                }
                j++;
            }
            buf_append(&h->tag, in + i, j - i);
            i = j;
            if (ended) {
                i++;
                finish_tag(h, out);
                buf_reset(&h->tag);
            }
            break;
        }
        case S_MD:
            i++;
            if (c == '-')
                h->st = S_MD_DASH;
            else
                h->st = c == '>' ? S_TEXT : S_BOGUS;
            break;
        case S_MD_DASH:
            i++;
            if (c == '-') {
                h->st = S_COMMENT;
                h->clen = 0;
                memset(h->chist, 0, sizeof h->chist);
            } else {
                h->st = c == '>' ? S_TEXT : S_BOGUS;
            }
            break;
        case S_COMMENT: {
            /* ends at "-->", "--!>", or at once for "<!-->" and "<!--->" */
            const uint8_t *gt = memchr(in + i, '>', len - i);
            size_t stop = gt ? (size_t)(gt - in) : len;
            /* keep the last three bytes before the '>' (or the end) */
            for (size_t k = stop - i > 3 ? stop - 3 : i; k < stop; k++) {
                h->chist[0] = h->chist[1];
                h->chist[1] = h->chist[2];
                h->chist[2] = (char)in[k];
            }
            h->clen += (unsigned)(stop - i > 8 ? 8 : stop - i);
            i = stop;
            if (!gt)
                break;
            i++;
            bool ends = (h->chist[1] == '-' && h->chist[2] == '-') ||
                        (h->chist[0] == '-' && h->chist[1] == '-' && h->chist[2] == '!') ||
                        h->clen == 0 || (h->clen == 1 && h->chist[2] == '-');
            if (ends)
                h->st = S_TEXT;
            else {
                h->chist[0] = h->chist[1];
                h->chist[1] = h->chist[2];
                h->chist[2] = '>';
                h->clen += 1;
            }
            break;
        }
        case S_BOGUS: {
            const uint8_t *gt = memchr(in + i, '>', len - i);
            if (!gt) {
                i = len;
            } else {
                i = (size_t)(gt - in) + 1;
                h->st = S_TEXT;
            }
            break;
        }
        case S_ENTITY:
            if (h->nent < ENT_MAX && (is_alnum(c) || (h->nent == 0 && c == '#'))) {
                h->ent[h->nent++] = (char)c;
                i++;
            } else {
                bool consumed;
                entity_end(h, out, c, &consumed);
                if (consumed)
                    i++;
                h->st = S_TEXT;
            }
            break;
        default: { /* S_RAW */
            size_t plen = strlen(h->raw_end);
            if (h->raw_match == plen) {
                if (is_ws(c) || c == '/' || c == '>') {
                    buf_reset(&h->tag);
                    buf_append(&h->tag, h->raw_end + 1, plen - 1);
                    h->tst = T_NAME;
                    h->st = S_TAG;
                    break; /* c is read again in the end tag */
                }
                h->raw_match = 0;
            }
            /* skip fast to the next '<' */
            if (h->raw_match == 0 && c != '<') {
                const uint8_t *lt = memchr(in + i, '<', len - i);
                i = lt ? (size_t)(lt - in) : len;
                break;
            }
            i++;
            uint8_t lc = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
            if (lc == (uint8_t)h->raw_end[h->raw_match])
                h->raw_match++;
            else
                h->raw_match = c == '<' ? 1 : 0;
            break;
        }
        }
        if (h->full)
            break;
    }
    flush(h, out);
    return h->full ? -1 : 0;
}

int
mime_html_finish(struct mime_html *h, struct buf *out)
{
    switch (h->st) {
    case S_LT:
        text_n(h, out, "<", 1);
        break;
    case S_LT_SLASH:
        text_n(h, out, "</", 2);
        break;
    case S_TAG:
        /* a tag the data ends in: not shown by a reader, but data leaving: kept as text */
        tag_as_text(h, out);
        break;
    case S_ENTITY: {
        bool consumed;
        entity_end(h, out, 0, &consumed);
        break;
    }
    default:
        break;
    }
    h->st = S_TEXT;
    h->pending = false;
    flush(h, out);
    return h->full ? -1 : 0;
}
