/* smtp_reply - reply value, wire formatting and the incremental reply parser. */
#include "smtp/smtp_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct smtp_reply_parser {
    char line[SMTP_REPLY_LINE_MAX + 1];
    size_t line_len;
    struct smtp_reply cur; /* the reply being assembled */
    size_t text_len;
    int nlines;
    bool failed;
};

void
smtp_reply_set(struct smtp_reply *r, int code, const char *enh, const char *fmt, ...)
{
    va_list ap;

    r->code = code;
    snprintf(r->enh, sizeof r->enh, "%s", enh != NULL ? enh : "");
    va_start(ap, fmt);
    vsnprintf(r->text, sizeof r->text, fmt, ap);
    va_end(ap);
}

/* smtp_reply_format_line - one wire line; CR and LF inside text are dropped (no injection) */
static int
smtp_reply_format_line(const struct smtp_reply *r, const char *text, size_t len, bool last,
                       struct buf *out)
{
    if (buf_printf(out, "%03d%c", r->code, last ? ' ' : '-') < 0)
        return -1;
    if (r->enh[0] != '\0' && buf_printf(out, "%s%s", r->enh, len > 0 ? " " : "") < 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' || text[i] == '\n')
            continue;
        if (buf_append(out, text + i, 1) < 0)
            return -1;
    }
    return buf_append(out, "\r\n", 2);
}

int
smtp_reply_format(const struct smtp_reply *r, struct buf *out)
{
    const char *p = r->text;
    size_t total = strnlen(r->text, sizeof r->text);
    const char *end = p + total;

    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (smtp_reply_format_line(r, p, len, nl == NULL, out) < 0)
            return -1;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return 0;
}

bool
smtp_reply_is_positive(const struct smtp_reply *r)
{
    return r->code >= 200 && r->code < 400;
}

struct smtp_reply_parser *
smtp_reply_parser_new(void)
{
    return xcalloc(1, sizeof(struct smtp_reply_parser));
}

struct smtp_reply_parser *
smtp_reply_parser_free(struct smtp_reply_parser *p)
{
    free(p);
    return NULL;
}

/* smtp_reply_enh_len - length of an enhanced status code at the start of s matching class c */
static size_t
smtp_reply_enh_len(const char *s, size_t len, char cls)
{
    size_t i = 0;
    int field = 0;

    if (len < 5 || s[0] != cls || s[1] != '.')
        return 0;
    i = 2;
    for (field = 1; field <= 2; field++) {
        size_t start = i;
        while (i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return 0;
        if (field == 1) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
    }
    if (i < len && s[i] != ' ')
        return 0;
    return i < sizeof(((struct smtp_reply *)0)->enh) ? i : 0;
}

/* smtp_reply_add_text - append one line's text (after code and enhanced code) to the reply */
static void
smtp_reply_add_text(struct smtp_reply_parser *p, const char *s, size_t len)
{
    size_t room;

    if (p->nlines > 0 && p->text_len + 1 < sizeof p->cur.text)
        p->cur.text[p->text_len++] = '\n';
    room = sizeof p->cur.text - 1 - p->text_len;
    if (len > room)
        len = room; /* over SMTP_REPLY_TEXT_MAX: the tail is dropped */
    memcpy(p->cur.text + p->text_len, s, len);
    p->text_len += len;
    p->cur.text[p->text_len] = '\0';
}

/* smtp_reply_parse_line - take one complete line; 1 = last line of a reply, 0 = more, -1 bad */
static int
smtp_reply_parse_line(struct smtp_reply_parser *p, const char *s, size_t len)
{
    int code;
    size_t n;
    bool more = len > 3 && s[3] == '-';

    if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
        return -1;
    if (len > 3 && s[3] != ' ' && s[3] != '-')
        return -1;
    code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (p->nlines > 0 && code != p->cur.code)
        return -1;
    p->cur.code = code;
    s += len > 3 ? 4 : 3;
    len -= len > 3 ? 4 : 3;
    n = smtp_reply_enh_len(s, len, (char)('0' + code / 100));
    if (p->nlines == 0 && n > 0) {
        memcpy(p->cur.enh, s, n);
        p->cur.enh[n] = '\0';
    }
    if (n > 0 && p->cur.enh[0] != '\0' && strlen(p->cur.enh) == n &&
        memcmp(p->cur.enh, s, n) == 0) {
        s += n;
        len -= n;
        if (len > 0) {
            s++;
            len--;
        }
    }
    smtp_reply_add_text(p, s, len);
    p->nlines++;
    return more ? 0 : 1;
}

long
smtp_reply_parser_feed(struct smtp_reply_parser *p, const char *data, size_t len,
                       struct smtp_reply *out)
{
    size_t i;

    if (p->failed)
        return -1;
    for (i = 0; i < len; i++) {
        char c = data[i];
        if (c != '\n') {
            if (p->line_len >= SMTP_REPLY_LINE_MAX) {
                p->failed = true;
                return -1;
            }
            p->line[p->line_len++] = c;
            continue;
        }
        size_t l = p->line_len;
        if (l > 0 && p->line[l - 1] == '\r')
            l--;
        p->line[l] = '\0';
        int r = smtp_reply_parse_line(p, p->line, l);
        p->line_len = 0;
        if (r < 0) {
            p->failed = true;
            return -1;
        }
        if (r == 1) {
            *out = p->cur;
            memset(&p->cur, 0, sizeof p->cur);
            p->text_len = 0;
            p->nlines = 0;
            return (long)(i + 1);
        }
    }
    return 0;
}
