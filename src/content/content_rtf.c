/* content_rtf - the text of RTF documents, for the DLP detectors: groups (on a stack of their
 * own, not the C stack), control words and symbols, the text a reader sees as UTF-8.
 * Destinations that hold no text are skipped (font, colour, style and list tables, pictures,
 * objects' data, field instructions, document properties, unknown \* destinations); bytes
 * written as \'hh or raw are decoded in the code page of the current font (its \fcharset or
 * \cpg in the font table) or of the document (\ansicpg), a run at a time through mime_charset,
 * so that a double-byte character written as two escapes comes out whole; \uN escapes give
 * their character and skip their \ucN fallback. */
#include <stdlib.h>
#include <string.h>

#include "content/content_extract_impl.h"
#include "mime/mime_charset.h"
#include "util/hex.h"
#include "util/mem.h"

/* groups nested deeper than this are skipped: Word nests a few tens at most */
#define RTF_MAX_DEPTH 64
#define RTF_MAX_FONTS 512      /* font table entries kept */
#define RTF_PEND 512           /* bytes of a run held before they are converted */
#define RTF_MAX_PARAM 99999999 /* a control word's parameter is clamped to this */
#define RTF_MAX_WORD 32        /* letters of a control word, at most (RTF 1.9) */
#define RTF_DEFAULT_CP 1252

/* the code pages converted, by number; any other is read as windows-1252 */
static const struct {
    uint16_t cp;
    const char *label;
} code_pages[] = {
    {437, "CP437"},         {850, "CP850"},         {852, "CP852"},         {866, "CP866"},
    {874, "CP874"},         {932, "CP932"},         {936, "GBK"},           {949, "CP949"},
    {950, "CP950"},         {1250, "WINDOWS-1250"}, {1251, "WINDOWS-1251"}, {1252, "WINDOWS-1252"},
    {1253, "WINDOWS-1253"}, {1254, "WINDOWS-1254"}, {1255, "WINDOWS-1255"}, {1256, "WINDOWS-1256"},
    {1257, "WINDOWS-1257"}, {1258, "WINDOWS-1258"}, {1361, "JOHAB"},        {10000, "MACINTOSH"},
    {65001, "UTF-8"},
};

/* the code page of a font's \fcharsetN; 0 (the document's) for DEFAULT_CHARSET and others */
static const struct {
    uint8_t charset;
    uint16_t cp;
} charsets[] = {
    {0, 1252},   {2, 1252},   {77, 10000}, {128, 932},  {129, 949},  {130, 1361},
    {134, 936},  {136, 950},  {161, 1253}, {162, 1254}, {163, 1258}, {177, 1255},
    {178, 1256}, {186, 1257}, {204, 1251}, {222, 874},  {238, 1250}, {255, 437},
};

#define RTF_CODE_PAGES (sizeof code_pages / sizeof code_pages[0])

/* where the text of a group goes */
enum rtf_dest {
    RTF_TEXT,    /* the document's text */
    RTF_SKIP,    /* nothing of it */
    RTF_FONTTBL, /* \fN \fcharsetN \cpgN define fonts */
    RTF_INFO,    /* document properties: only \title, \subject, \keywords, \doccomm read */
    RTF_OBJECT,  /* an embedded object: only its \result read */
    RTF_UPR,     /* \upr: only its Unicode version (\ud) read */
};

struct rtf_group {
    uint8_t dest;    /* enum rtf_dest */
    bool line_after; /* its text ends a line (a property, an annotation) */
    uint8_t uc;      /* fallback characters after \uN */
    int32_t font;    /* -1: the default font (\deff) */
};

struct rtf_font {
    int32_t num;
    uint16_t cp; /* 0: the document's */
    bool cpg;    /* set by \cpg, which \fcharset does not override */
    bool ansi;   /* \fcharset0 */
};

struct rtf {
    const uint8_t *s;
    size_t n, i;
    struct buf *out;
    struct rtf_group g[RTF_MAX_DEPTH + 1]; /* g[0]: outside the document's group */
    unsigned depth, over;                  /* over: groups open past RTF_MAX_DEPTH */
    struct rtf_font font[RTF_MAX_FONTS];
    unsigned nfont;
    int def; /* the font table entry being defined, -1 for none */
    int32_t deff;
    uint16_t doc_cp;
    int32_t memo_font; /* the font whose code page is memo_cp; INT32_MIN: none */
    uint16_t memo_cp;
    uint8_t pend[RTF_PEND]; /* bytes of a run still to convert, in code page pend_cp */
    size_t npend;
    uint16_t pend_cp;
    bool fed;                                  /* part of the run went to its converter already */
    struct mime_charset *conv[RTF_CODE_PAGES]; /* by code_pages index, opened on first use */
    uint32_t high;                             /* a high surrogate waiting for its low half */
    unsigned skip;                             /* fallback characters of a \uN still to skip */
    bool star; /* \* just seen: an unknown destination that follows is skipped */
    bool full; /* out is full */
    bool done; /* the document's group closed */
    unsigned anom;
};

/* ---- code pages ----------------------------------------------------------------------- */

/* cp_index - a code page's place in code_pages, or -1 when it is not converted */
static int
cp_index(long cp)
{
    for (size_t i = 0; i < RTF_CODE_PAGES; i++)
        if (code_pages[i].cp == cp)
            return (int)i;
    return -1;
}

static uint16_t
charset_cp(long charset)
{
    for (size_t i = 0; i < sizeof charsets / sizeof charsets[0]; i++)
        if (charsets[i].charset == charset)
            return charsets[i].cp;
    return 0;
}

static bool
is_double_byte(uint16_t cp)
{
    return cp == 932 || cp == 936 || cp == 949 || cp == 950 || cp == 1361;
}

/*
 * current_cp - the code page of the current font, else the document's. An ANSI (\fcharset0)
 * font is windows-1252, except in a document whose code page is double-byte: Word gives the
 * runs of a Korean or Japanese document the Latin theme font as \f and names the East Asian
 * font only as an associated \dbch\af one, so the bytes of those runs are in the document's
 * code page (a Latin letter past ASCII there is written as \uN).
 */
static uint16_t
current_cp(struct rtf *r)
{
    int32_t f = r->g[r->depth].font < 0 ? r->deff : r->g[r->depth].font;
    uint16_t cp = 0;

    if (f == r->memo_font)
        return r->memo_cp;
    for (unsigned k = 0; k < r->nfont; k++) {
        if (r->font[k].num == f) {
            cp = r->font[k].ansi && is_double_byte(r->doc_cp) ? 0 : r->font[k].cp;
            break;
        }
    }
    r->memo_font = f;
    r->memo_cp = cp != 0 ? cp : r->doc_cp;
    return r->memo_cp;
}

/* converter - the converter of a code page, opened on first use and kept: fonts that switch
 * code pages at every character cost a flush each, never an iconv_open */
static struct mime_charset *
converter(struct rtf *r, uint16_t cp)
{
    int k = cp_index(cp);

    if (k < 0)
        k = cp_index(RTF_DEFAULT_CP);
    if (r->conv[k] == NULL)
        r->conv[k] = mime_charset_new(code_pages[k].label);
    return r->conv[k];
}

/* ---- output --------------------------------------------------------------------------- */

static void
put(struct rtf *r, const void *s, size_t n)
{
    if (buf_append(r->out, s, n) != 0)
        r->full = true;
}

/* feed - the held bytes to their converter; finish: the run ends there */
static void
feed(struct rtf *r, bool finish)
{
    struct mime_charset *cs;

    if (r->npend == 0 && !r->fed)
        return;
    cs = converter(r, r->pend_cp);
    if (mime_charset_feed(cs, r->pend, r->npend, r->out) != 0)
        r->full = true;
    r->npend = 0;
    r->fed = !finish;
    if (finish && mime_charset_finish(cs, r->out) != 0)
        r->full = true;
}

/* flush - before any other output: the run of bytes, and a high surrogate left alone */
static void
flush(struct rtf *r)
{
    feed(r, true);
    if (r->high != 0) {
        r->high = 0;
        if (cx_utf8_put(r->out, 0xFFFD) != 0)
            r->full = true;
    }
}

/* put_byte - one byte of text in the current code page */
static void
put_byte(struct rtf *r, uint8_t b)
{
    uint16_t cp = current_cp(r);

    if (r->high != 0 || ((r->npend > 0 || r->fed) && r->pend_cp != cp))
        flush(r);
    if (r->npend == RTF_PEND)
        feed(r, false);
    r->pend[r->npend++] = b;
    r->pend_cp = cp;
}

/* put_ascii - ASCII text; right after an 8-bit byte it may be the second byte of a double-byte
 * character (Shift_JIS and CP949 trail bytes go down to 0x40), so it joins the run */
static void
put_ascii(struct rtf *r, const uint8_t *s, size_t n)
{
    if (r->npend > 0 && r->pend[r->npend - 1] >= 0x80) {
        put_byte(r, s[0]);
        s++;
        n--;
    }
    if (n == 0)
        return;
    flush(r);
    put(r, s, n);
}

/* put_cp - a code point of \uN, surrogate pairs joined */
static void
put_cp(struct rtf *r, uint32_t cp)
{
    uint32_t high = r->high;

    if (cp >= 0xDC00 && cp <= 0xDFFF && high != 0) {
        r->high = 0;
        cp = 0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00);
    }
    flush(r);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        r->high = cp;
        return;
    }
    if (cx_utf8_put(r->out, cp) != 0)
        r->full = true;
}

/* line - end a line unless the text is empty or ends one */
static void
line(struct rtf *r)
{
    flush(r);
    if (r->out->len > 0 && r->out->data[r->out->len - 1] != '\n')
        put(r, "\n", 1);
}

/* ---- control words -------------------------------------------------------------------- */

enum rtf_act {
    A_IGNORE,
    A_LINE,      /* a line end */
    A_TAB,       /* a tab */
    A_CHAR,      /* the code point arg */
    A_U,         /* \uN */
    A_UC,        /* \ucN */
    A_BIN,       /* \binN */
    A_F,         /* \fN */
    A_FCHARSET,  /* \fcharsetN */
    A_CPG,       /* \cpgN */
    A_ANSICPG,   /* \ansicpgN */
    A_DOC_CP,    /* \ansi, \mac, \pc, \pca: the code page arg */
    A_DEFF,      /* \deffN */
    A_PLAIN,     /* \plain: back to the default font */
    A_SKIP,      /* a destination without text */
    A_READ,      /* a destination with text, read even behind \* */
    A_READ_LINE, /* ... that ends a line, and is read inside \info */
    A_FONTTBL,
    A_INFO,
    A_OBJECT,
    A_RESULT, /* an object's result */
    A_UPR,
    A_UD,
};

struct rtf_word {
    const char *name;
    uint8_t act;
    uint32_t arg;
};

/* sorted by name (strcmp order) for bsearch */
static const struct rtf_word words[] = {
    {"aftncn", A_SKIP, 0},
    {"aftnsep", A_SKIP, 0},
    {"aftnsepc", A_SKIP, 0},
    {"annotation", A_READ_LINE, 0},
    {"ansi", A_DOC_CP, 1252},
    {"ansicpg", A_ANSICPG, 0},
    {"atnauthor", A_SKIP, 0},
    {"atndate", A_SKIP, 0},
    {"atnicn", A_SKIP, 0},
    {"atnid", A_SKIP, 0},
    {"atnparent", A_SKIP, 0},
    {"atnref", A_SKIP, 0},
    {"atntime", A_SKIP, 0},
    {"atrfend", A_SKIP, 0},
    {"atrfstart", A_SKIP, 0},
    {"bin", A_BIN, 0},
    {"bkmkend", A_SKIP, 0},
    {"bkmkstart", A_SKIP, 0},
    {"blipuid", A_SKIP, 0},
    {"bullet", A_CHAR, 0x2022},
    {"cell", A_TAB, 0},
    {"colorschememapping", A_SKIP, 0},
    {"colortbl", A_SKIP, 0},
    {"column", A_LINE, 0},
    {"cpg", A_CPG, 0},
    {"datafield", A_SKIP, 0},
    {"datastore", A_SKIP, 0},
    {"defchp", A_SKIP, 0},
    {"deff", A_DEFF, 0},
    {"defpap", A_SKIP, 0},
    {"do", A_SKIP, 0},
    {"doccomm", A_READ_LINE, 0},
    {"docvar", A_SKIP, 0},
    {"emdash", A_CHAR, 0x2014},
    {"emspace", A_CHAR, ' '},
    {"endash", A_CHAR, 0x2013},
    {"enspace", A_CHAR, ' '},
    {"f", A_F, 0},
    {"fcharset", A_FCHARSET, 0},
    {"ffdeftext", A_SKIP, 0},
    {"ffentrymcr", A_SKIP, 0},
    {"ffexitmcr", A_SKIP, 0},
    {"ffformat", A_SKIP, 0},
    {"ffhelptext", A_SKIP, 0},
    {"ffl", A_SKIP, 0},
    {"ffname", A_SKIP, 0},
    {"ffstattext", A_SKIP, 0},
    {"field", A_READ, 0},
    {"file", A_SKIP, 0},
    {"filetbl", A_SKIP, 0},
    {"fldinst", A_SKIP, 0},
    {"fldrslt", A_READ, 0},
    {"fldtype", A_SKIP, 0},
    {"fontemb", A_SKIP, 0},
    {"fontfile", A_SKIP, 0},
    {"fonttbl", A_FONTTBL, 0},
    {"footer", A_READ, 0},
    {"footerf", A_READ, 0},
    {"footerl", A_READ, 0},
    {"footerr", A_READ, 0},
    {"footnote", A_READ, 0},
    {"formfield", A_SKIP, 0},
    {"ftncn", A_SKIP, 0},
    {"ftnsep", A_SKIP, 0},
    {"ftnsepc", A_SKIP, 0},
    {"generator", A_SKIP, 0},
    {"header", A_READ, 0},
    {"headerf", A_READ, 0},
    {"headerl", A_READ, 0},
    {"headerr", A_READ, 0},
    {"info", A_INFO, 0},
    {"keywords", A_READ_LINE, 0},
    {"latentstyles", A_SKIP, 0},
    {"ldblquote", A_CHAR, 0x201C},
    {"line", A_LINE, 0},
    {"listoverridetable", A_SKIP, 0},
    {"listpicture", A_SKIP, 0},
    {"listtable", A_SKIP, 0},
    {"listtext", A_READ, 0},
    {"lquote", A_CHAR, 0x2018},
    {"mac", A_DOC_CP, 10000},
    {"nestcell", A_TAB, 0},
    {"nestrow", A_LINE, 0},
    {"nesttableprops", A_SKIP, 0},
    {"nonesttables", A_SKIP, 0},
    {"nonshppict", A_SKIP, 0},
    {"objalias", A_SKIP, 0},
    {"objclass", A_SKIP, 0},
    {"objdata", A_SKIP, 0},
    {"object", A_OBJECT, 0},
    {"objname", A_SKIP, 0},
    {"objsect", A_SKIP, 0},
    {"oldcprops", A_SKIP, 0},
    {"oldpprops", A_SKIP, 0},
    {"oldsprops", A_SKIP, 0},
    {"oldtprops", A_SKIP, 0},
    {"page", A_LINE, 0},
    {"par", A_LINE, 0},
    {"pc", A_DOC_CP, 437},
    {"pca", A_DOC_CP, 850},
    {"pgdsctbl", A_SKIP, 0},
    {"pict", A_SKIP, 0},
    {"plain", A_PLAIN, 0},
    {"pn", A_SKIP, 0},
    {"pntext", A_READ, 0},
    {"pntxta", A_SKIP, 0},
    {"pntxtb", A_SKIP, 0},
    {"protusertbl", A_SKIP, 0},
    {"qmspace", A_CHAR, ' '},
    {"rdblquote", A_CHAR, 0x201D},
    {"result", A_RESULT, 0},
    {"revtbl", A_SKIP, 0},
    {"row", A_LINE, 0},
    {"rquote", A_CHAR, 0x2019},
    {"rsidtbl", A_SKIP, 0},
    {"sect", A_LINE, 0},
    {"shp", A_READ, 0},
    {"shpgrp", A_READ, 0},
    {"shpinst", A_READ, 0},
    {"shprslt", A_SKIP, 0},
    {"shptxt", A_READ, 0},
    {"sn", A_SKIP, 0},
    {"sp", A_SKIP, 0},
    {"stylesheet", A_SKIP, 0},
    {"subject", A_READ_LINE, 0},
    {"sv", A_SKIP, 0},
    {"tab", A_TAB, 0},
    {"tc", A_SKIP, 0},
    {"template", A_SKIP, 0},
    {"themedata", A_SKIP, 0},
    {"title", A_READ_LINE, 0},
    {"txe", A_SKIP, 0},
    {"u", A_U, 0},
    {"uc", A_UC, 0},
    {"ud", A_UD, 0},
    {"upr", A_UPR, 0},
    {"userprops", A_SKIP, 0},
    {"wgrffmtfilter", A_SKIP, 0},
    {"xe", A_SKIP, 0},
    {"xmlnstbl", A_SKIP, 0},
};

/* word_find - the table's entry for a control word, by binary search: the words of a Word
 * document are mostly formatting the table does not name, told apart in a byte or two */
static const struct rtf_word *
word_find(const uint8_t *s, size_t n)
{
    size_t lo = 0, hi = sizeof words / sizeof words[0];
    char key[RTF_MAX_WORD + 1];

    if (n > RTF_MAX_WORD)
        return NULL;
    memcpy(key, s, n);
    key[n] = '\0';
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, i = 0;
        const char *name = words[mid].name;
        while (key[i] == name[i] && key[i] != '\0')
            i++;
        if (key[i] == name[i])
            return &words[mid];
        if ((uint8_t)key[i] < (uint8_t)name[i])
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* font_define - \fN in the font table: the entry later \fcharset and \cpg describe */
static void
font_define(struct rtf *r, long num)
{
    r->def = -1;
    for (unsigned k = 0; k < r->nfont; k++) {
        if (r->font[k].num == num) {
            r->def = (int)k;
            return;
        }
    }
    if (r->nfont == RTF_MAX_FONTS)
        return;
    r->font[r->nfont] = (struct rtf_font){.num = (int32_t)num};
    r->def = (int)r->nfont++;
}

/* font_word - \f, \fcharset, \cpg inside the font table */
static void
font_word(struct rtf *r, enum rtf_act act, long param)
{
    r->memo_font = INT32_MIN;
    if (act == A_F) {
        font_define(r, param);
    } else if (r->def >= 0 && act == A_CPG && cp_index(param) >= 0) {
        r->font[r->def].cp = (uint16_t)param;
        r->font[r->def].cpg = true;
    } else if (r->def >= 0 && act == A_FCHARSET && !r->font[r->def].cpg) {
        r->font[r->def].cp = charset_cp(param);
        r->font[r->def].ansi = param == 0;
    }
}

/* destination - a word that names what its group holds; star: it came after \* */
static void
destination(struct rtf *r, enum rtf_act act, bool star)
{
    struct rtf_group *g = &r->g[r->depth];
    uint8_t d = g->dest;

    if (star && act != A_READ && act != A_READ_LINE && act != A_UD)
        d = RTF_SKIP;
    else if (act == A_SKIP)
        d = RTF_SKIP;
    else if (act == A_READ_LINE && (d == RTF_TEXT || d == RTF_INFO)) {
        d = RTF_TEXT;
        g->line_after = true;
    } else if (act == A_FONTTBL && d != RTF_SKIP)
        d = RTF_FONTTBL;
    else if ((act == A_INFO || act == A_OBJECT || act == A_UPR) && d == RTF_TEXT)
        d = act == A_INFO ? RTF_INFO : act == A_OBJECT ? RTF_OBJECT : RTF_UPR;
    else if ((act == A_RESULT && d == RTF_OBJECT) || (act == A_UD && d == RTF_UPR))
        d = RTF_TEXT;
    g->dest = d;
}

/* text_word - a word that gives text, or \uN (a signed 16-bit number) */
static void
text_word(struct rtf *r, enum rtf_act act, uint32_t arg, long param)
{
    long u = param < 0 ? param + 65536 : param;

    switch (act) {
    case A_LINE:
        flush(r);
        put(r, "\n", 1);
        break;
    case A_TAB:
        flush(r);
        put(r, "\t", 1);
        break;
    case A_CHAR:
        put_cp(r, arg);
        break;
    case A_U:
        put_cp(r, u < 0 || u > 0xFFFF ? 0xFFFD : (uint32_t)u);
        r->skip = r->g[r->depth].uc;
        break;
    default:
        break;
    }
}

/* word - one control word and its parameter (has: it had one) */
static void
word(struct rtf *r, const uint8_t *name, size_t nlen, bool has, long param, bool star)
{
    const struct rtf_word *w = word_find(name, nlen);
    struct rtf_group *g = &r->g[r->depth];
    enum rtf_act act = w != NULL ? (enum rtf_act)w->act : A_IGNORE;

    if (act == A_BIN) {
        size_t n = param < 0 ? 0 : (size_t)param;
        r->i += n < r->n - r->i ? n : r->n - r->i;
    }
    if (r->skip > 0) { /* a \uN fallback */
        r->skip--;
        return;
    }
    if (r->over > 0 || r->depth == 0)
        return;
    if (star || act >= A_SKIP) {
        destination(r, act, star);
        return;
    }
    if (g->dest == RTF_FONTTBL && (act == A_F || act == A_FCHARSET || act == A_CPG)) {
        font_word(r, act, param);
        return;
    }
    switch (act) {
    case A_UC:
        g->uc = (uint8_t)(param < 0 ? 0 : param > 255 ? 255 : param);
        break;
    case A_F:
        g->font = (int32_t)param;
        break;
    case A_PLAIN:
        g->font = -1;
        break;
    case A_DEFF:
        r->deff = (int32_t)param;
        r->memo_font = INT32_MIN;
        break;
    case A_ANSICPG:
    case A_DOC_CP:
        r->doc_cp = act == A_DOC_CP        ? (uint16_t)w->arg
                    : cp_index(param) >= 0 ? (uint16_t)param
                                           : RTF_DEFAULT_CP;
        r->memo_font = INT32_MIN;
        break;
    default:
        if (w != NULL && g->dest == RTF_TEXT)
            text_word(r, act, w->arg, has ? param : 0);
        break;
    }
}

/* symbol - a control symbol: \\ \{ \} \~ \_ \- \* \'hh, \ and a line end (\par) */
static void
symbol(struct rtf *r, uint8_t c)
{
    bool text = r->over == 0 && r->depth > 0 && r->g[r->depth].dest == RTF_TEXT;
    int hi = -1, lo = -1;

    r->i += 2;
    if (c == '\'') {
        hi = r->i < r->n ? hex_digit(r->s[r->i]) : -1;
        lo = hi >= 0 && r->i + 1 < r->n ? hex_digit(r->s[r->i + 1]) : -1;
        r->i += hi < 0 ? 0 : lo < 0 ? 1 : 2;
    }
    if (c == '*') {
        r->star = true;
        return;
    }
    if (r->skip > 0) {
        r->skip--;
        return;
    }
    if (!text)
        return;
    if (c == '\'' && lo >= 0)
        put_byte(r, (uint8_t)(hi << 4 | lo));
    else if (c == '\\' || c == '{' || c == '}')
        put_ascii(r, &c, 1);
    else if (c == '~')
        put_ascii(r, (const uint8_t *)" ", 1); /* a space to the detectors, as to a reader */
    else if (c == '_')
        put_ascii(r, (const uint8_t *)"-", 1);
    else if (c == '\n' || c == '\r')
        text_word(r, A_LINE, 0, 0);
    else if (c == '\t')
        text_word(r, A_TAB, 0, 0);
}

static bool
is_alpha(uint8_t c)
{
    return (uint8_t)((c | 0x20) - 'a') < 26;
}

static bool
is_digit(uint8_t c)
{
    return (uint8_t)(c - '0') < 10;
}

/* control - a control word (letters, an optional signed number, an optional space) or a
 * control symbol */
static void
control(struct rtf *r, bool star)
{
    const uint8_t *s = r->s;
    size_t i = r->i + 1, w0;
    long param = 0;
    bool neg = false, has = false;

    if (i >= r->n) {
        r->i = r->n;
        return;
    }
    if (!is_alpha(s[i])) {
        symbol(r, s[i]);
        return;
    }
    for (w0 = i; i < r->n && is_alpha(s[i]); i++)
        ;
    size_t nlen = i - w0;
    if (i + 1 < r->n && s[i] == '-' && is_digit(s[i + 1])) {
        neg = true;
        i++;
    }
    for (; i < r->n && is_digit(s[i]); i++) {
        has = true;
        if (param <= RTF_MAX_PARAM / 10)
            param = param * 10 + (s[i] - '0');
    }
    if (i < r->n && s[i] == ' ')
        i++;
    r->i = i;
    word(r, s + w0, nlen, has, neg ? -param : param, star);
}

/* ---- groups and text ------------------------------------------------------------------ */

static void
group_open(struct rtf *r)
{
    r->i++;
    r->skip = 0;
    if (r->over > 0 || r->depth == RTF_MAX_DEPTH) {
        r->over++;
        r->anom |= CONTENT_ANOM_DEPTH;
        return;
    }
    r->g[r->depth + 1] = r->g[r->depth];
    r->g[r->depth + 1].line_after = false;
    r->depth++;
}

static void
group_close(struct rtf *r)
{
    r->i++;
    r->skip = 0;
    if (r->over > 0) {
        r->over--;
        return;
    }
    if (r->depth == 0)
        return;
    if (r->g[r->depth].line_after && r->g[r->depth].dest == RTF_TEXT)
        line(r);
    if (--r->depth == 0)
        r->done = true;
}

/* plain - the bytes that are text as they are: printable ASCII but \ { } */
static bool
plain(uint8_t c)
{
    return c >= 0x20 && c < 0x7F && c != '\\' && c != '{' && c != '}';
}

/* text - literal text: ASCII runs appended whole, 8-bit bytes in the current code page */
static void
text(struct rtf *r)
{
    const uint8_t *s = r->s;
    size_t i = r->i, j;
    uint8_t c = s[i];

    if (r->over > 0 || r->depth == 0 || r->g[r->depth].dest != RTF_TEXT) {
        for (j = i + 1; j < r->n && s[j] != '\\' && s[j] != '{' && s[j] != '}'; j++)
            ;
        r->i = j;
        return;
    }
    if (r->skip > 0) {
        r->skip--;
        r->i++;
        return;
    }
    if (c >= 0x80) {
        put_byte(r, c);
        r->i++;
    } else if (c == '\t') {
        flush(r);
        put(r, "\t", 1);
        r->i++;
    } else if (!plain(c)) {
        r->i++; /* other control characters */
    } else {
        for (j = i + 1; j < r->n && plain(s[j]); j++)
            ;
        put_ascii(r, s + i, j - i);
        r->i = j;
    }
}

/* cx_rtf_text - the group stack walked over the whole document */
unsigned
cx_rtf_text(const uint8_t *data, size_t len, struct buf *out)
{
    struct rtf *r = xcalloc(1, sizeof *r);
    unsigned anom;

    r->s = data;
    r->n = len;
    r->out = out;
    r->def = -1;
    r->deff = 0;
    r->doc_cp = RTF_DEFAULT_CP;
    r->memo_font = INT32_MIN;
    r->g[0] = (struct rtf_group){.dest = RTF_TEXT, .uc = 1, .font = -1};
    while (r->i < r->n && !r->full && !r->done) {
        bool star = r->star;
        r->star = false;
        switch (r->s[r->i]) {
        case '{':
            group_open(r);
            break;
        case '}':
            group_close(r);
            break;
        case '\\':
            control(r, star);
            break;
        case '\r':
        case '\n':
            r->star = star; /* \* may stand on the line before its word */
            r->i++;
            break;
        default:
            text(r);
            break;
        }
    }
    flush(r);
    anom = r->anom;
    if (r->full)
        anom |= CONTENT_ANOM_SIZE;
    else if (!r->done)
        anom |= CONTENT_ANOM_CORRUPT; /* cut short, or groups left open */
    for (size_t k = 0; k < RTF_CODE_PAGES; k++)
        mime_charset_free(r->conv[k]);
    free(r);
    return anom;
}
