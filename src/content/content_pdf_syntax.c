/* content_pdf_syntax - the lexical level of PDF (ISO 32000-1 7.2, 7.3) shared by the document
 * reader and the text reader: tokens, with arrays and dictionaries taken whole (nested ones
 * skipped without recursion), and the bytes of literal and hex strings. */
#include <string.h>

#include "content/content_extract_impl.h"
#include "util/hex.h"

enum { CH_REG, CH_WS, CH_DELIM };

static const uint8_t ch_class[256] = {
    [0] = CH_WS,      ['\t'] = CH_WS,   ['\n'] = CH_WS,   ['\f'] = CH_WS,
    ['\r'] = CH_WS,   [' '] = CH_WS,    ['('] = CH_DELIM, [')'] = CH_DELIM,
    ['<'] = CH_DELIM, ['>'] = CH_DELIM, ['['] = CH_DELIM, [']'] = CH_DELIM,
    ['{'] = CH_DELIM, ['}'] = CH_DELIM, ['/'] = CH_DELIM, ['%'] = CH_DELIM,
};

bool
cx_pdf_is_space(uint8_t c)
{
    return ch_class[c] == CH_WS;
}

bool
cx_pdf_is_regular(uint8_t c)
{
    return ch_class[c] == CH_REG;
}

/* cx_pdf_skip_space - past white space and comments */
size_t
cx_pdf_skip_space(const uint8_t *s, size_t n, size_t i)
{
    while (i < n) {
        if (ch_class[s[i]] == CH_WS)
            i++;
        else if (s[i] == '%')
            while (i < n && s[i] != '\n' && s[i] != '\r')
                i++;
        else
            break;
    }
    return i;
}

/* skip_literal - from after '(' to after its balancing ')'; *end: where the inside ends */
static size_t
skip_literal(struct cx_pdf_lex *lx, size_t i, size_t *end)
{
    unsigned depth = 1;

    while (i < lx->n) {
        uint8_t c = lx->s[i++];
        if (c == '\\' && i < lx->n) {
            i++;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            *end = i - 1;
            return i;
        }
    }
    lx->unclosed = true;
    *end = lx->n;
    return lx->n;
}

/* skip_hex - from after '<' to after '>' */
static size_t
skip_hex(struct cx_pdf_lex *lx, size_t i, size_t *end)
{
    const uint8_t *gt = memchr(lx->s + i, '>', lx->n - i);

    if (gt == NULL) {
        lx->unclosed = true;
        *end = lx->n;
        return lx->n;
    }
    *end = (size_t)(gt - lx->s);
    return *end + 1;
}

/* skip_compound - from an array's or dictionary's opening to after its close, nested ones and
 * strings skipped by counting, not recursion */
static size_t
skip_compound(struct cx_pdf_lex *lx, size_t i, size_t *end)
{
    const uint8_t *s = lx->s;
    size_t n = lx->n, e;
    unsigned depth = 0;

    while (i < n) {
        uint8_t c = s[i];
        bool dbl = i + 1 < n && s[i + 1] == c;
        if (c == '(') {
            i = skip_literal(lx, i + 1, &e);
        } else if (c == '%') {
            i = cx_pdf_skip_space(s, n, i);
        } else if (c == '[' || (c == '<' && dbl)) {
            depth++;
            i += c == '[' ? 1 : 2;
        } else if (c == '<') {
            i = skip_hex(lx, i + 1, &e);
        } else if (c == ']' || (c == '>' && dbl)) {
            *end = i;
            i += c == ']' ? 1 : 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    lx->unclosed = true;
    *end = n;
    return n;
}

/* parse_num - a PDF number (no exponent); false if the word is not one */
static bool
parse_num(const uint8_t *p, size_t n, double *v)
{
    size_t i = 0;
    bool neg = false, digits = false;
    double x = 0, scale = 1;

    if (i < n && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits = true)
        if (x < 1e15)
            x = x * 10 + (p[i] - '0');
    if (i < n && p[i] == '.')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits = true)
            if (scale > 1e-9) {
                scale /= 10;
                x += (p[i] - '0') * scale;
            }
    if (!digits || i != n)
        return false;
    *v = neg ? -x : x;
    return true;
}

static void
tok_set(struct cx_pdf_tok *t, enum cx_pdf_tok_kind k, const uint8_t *p, size_t n)
{
    t->k = k;
    t->p = p;
    t->n = n;
}

/* cx_pdf_lex_next - one token: a delimiter starts strings, arrays, dictionaries and names;
 * a run of regular characters is a number or a word */
bool
cx_pdf_lex_next(struct cx_pdf_lex *lx, struct cx_pdf_tok *t)
{
    const uint8_t *s = lx->s;
    size_t n = lx->n, i = cx_pdf_skip_space(s, n, lx->i), j, e;

    tok_set(t, CX_PDF_EOF, s + i, 0);
    if (i >= n) {
        lx->i = n;
        return false;
    }
    switch (s[i]) {
    case '(':
        j = skip_literal(lx, i + 1, &e);
        tok_set(t, CX_PDF_STR, s + i + 1, e - i - 1);
        break;
    case '<':
        if (i + 1 < n && s[i + 1] == '<') {
            j = skip_compound(lx, i, &e);
            tok_set(t, CX_PDF_DICT, s + i + 2, e - i - 2);
        } else {
            j = skip_hex(lx, i + 1, &e);
            tok_set(t, CX_PDF_HEX, s + i + 1, e - i - 1);
        }
        break;
    case '[':
        j = skip_compound(lx, i, &e);
        tok_set(t, CX_PDF_ARRAY, s + i + 1, e - i - 1);
        break;
    case ')':
    case ']':
    case '}':
    case '>':
        j = i + (s[i] == '>' && i + 1 < n && s[i + 1] == '>' ? 2 : 1);
        tok_set(t, CX_PDF_CLOSE, s + i, j - i);
        break;
    case '{':
        j = i + 1;
        tok_set(t, CX_PDF_WORD, s + i, 1);
        break;
    case '/':
        for (j = i + 1; j < n && ch_class[s[j]] == CH_REG; j++)
            ;
        tok_set(t, CX_PDF_NAME, s + i + 1, j - i - 1);
        break;
    default:
        for (j = i; j < n && ch_class[s[j]] == CH_REG; j++)
            ;
        tok_set(t, parse_num(s + i, j - i, &t->num) ? CX_PDF_NUM : CX_PDF_WORD, s + i, j - i);
    }
    lx->i = j;
    return true;
}

bool
cx_pdf_tok_is(const struct cx_pdf_tok *t, const char *word)
{
    return t->n == strlen(word) && memcmp(t->p, word, t->n) == 0;
}

/* cx_pdf_tok_uint - a whole non-negative number below max */
bool
cx_pdf_tok_uint(const struct cx_pdf_tok *t, double max, uint64_t *v)
{
    if (t->k != CX_PDF_NUM || t->num < 0 || t->num >= max || t->num != (double)(uint64_t)t->num)
        return false;
    *v = (uint64_t)t->num;
    return true;
}

/* cx_pdf_hex_decode - white space (and anything not a digit) ignored, an odd last digit read
 * as if followed by 0 */
void
cx_pdf_hex_decode(const uint8_t *s, size_t n, struct buf *out)
{
    int hi = -1;

    for (size_t i = 0; i < n; i++) {
        int v = hex_digit(s[i]);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        uint8_t b = (uint8_t)(hi << 4 | v);
        buf_append(out, &b, 1);
        hi = -1;
    }
    if (hi >= 0) {
        uint8_t b = (uint8_t)(hi << 4);
        buf_append(out, &b, 1);
    }
}

/* cx_pdf_literal_decode - escapes (\n \r \t \b \f \( \) \\), octal (\ddd), a backslash before
 * a line end joins the lines; an unknown escape is the character alone */
void
cx_pdf_literal_decode(const uint8_t *s, size_t n, struct buf *out)
{
    static const char from[] = "nrtbf()\\", to[] = "\n\r\t\b\f()\\";
    size_t i = 0;

    while (i < n) {
        const uint8_t *bs = memchr(s + i, '\\', n - i);
        size_t run = bs == NULL ? n - i : (size_t)(bs - (s + i));
        buf_append(out, s + i, run);
        i += run + 1; /* past the backslash */
        if (i >= n)
            break;
        const char *e = memchr(from, s[i], sizeof from - 1);
        if (e != NULL) {
            buf_append(out, &to[e - from], 1);
            i++;
        } else if (s[i] >= '0' && s[i] <= '7') {
            unsigned v = 0;
            for (unsigned k = 0; k < 3 && i < n && s[i] >= '0' && s[i] <= '7'; k++, i++)
                v = v * 8 + (unsigned)(s[i] - '0');
            uint8_t b = (uint8_t)v;
            buf_append(out, &b, 1);
        } else if (s[i] == '\r' || s[i] == '\n') {
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
        }
    }
}
