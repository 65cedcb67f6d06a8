/* content_text - an attachment's charset and HTML turned into the text a reader sees, as it
 * streams (see content_text.h) */
#include "content/content_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_charset.h"
#include "mime/mime_html.h"
#include "util/mem.h"
#include "util/utf8.h"

struct content_text {
    struct mime_charset *cs;
    struct mime_html *html; /* NULL: not HTML */
    struct buf mid;         /* converted text on its way to mime_html */
    size_t skip;            /* bytes of a byte order mark still to drop */
    char charset[32];
};

struct content_text *
content_text_new(void)
{
    struct content_text *t = xcalloc(1, sizeof *t);

    buf_init(&t->mid, 0);
    return t;
}

/* declared_label - the declared charset when it says more than "ASCII or UTF-8" */
static const char *
declared_label(const char *charset)
{
    if (charset == NULL || charset[0] == '\0')
        return NULL;
    if (strcasecmp(charset, "us-ascii") == 0 || strcasecmp(charset, "ascii") == 0 ||
        strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0)
        return NULL;
    return charset;
}

/* unit_text - a UTF-16 code unit below U+0100 that text holds: printable or a usual control */
static bool
unit_text(uint8_t c)
{
    return c >= 0x20 ? c != 0x7F : c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int
content_text_utf16_unmarked(const uint8_t *head, size_t n)
{
    size_t units = n / 2, zero_hi[2] = {0, 0};

    if (units == 0)
        return 0;
    /* order 0: little-endian (the high byte second), 1: big-endian */
    for (int o = 0; o < 2; o++) {
        for (size_t u = 0; u < units; u++) {
            uint8_t lo = head[2 * u + (o == 0 ? 0 : 1)], hi = head[2 * u + (o == 0 ? 1 : 0)];
            if (hi != 0)
                continue;
            if (!unit_text(lo)) {
                zero_hi[o] = 0;
                break;
            }
            zero_hi[o]++;
        }
    }
    /* most units are ASCII (digits, separators, Latin names) and every one of those is text */
    if (zero_hi[0] * 2 > units && zero_hi[0] > zero_hi[1])
        return 'L';
    if (zero_hi[1] * 2 > units && zero_hi[1] > zero_hi[0])
        return 'B';
    return 0;
}

void
content_text_begin(struct content_text *t, const uint8_t *head, size_t n, const char *charset,
                   bool html)
{
    const char *label;
    int order;

    t->cs = mime_charset_free(t->cs);
    t->html = mime_html_free(t->html);
    buf_reset(&t->mid);
    t->skip = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
        label = "UTF-8";
        t->skip = 3;
    } else if (n >= 2 && head[0] == 0xFF && head[1] == 0xFE) {
        label = "UTF-16LE";
        t->skip = 2;
    } else if (n >= 2 && head[0] == 0xFE && head[1] == 0xFF) {
        label = "UTF-16BE";
        t->skip = 2;
    } else if ((label = declared_label(charset)) != NULL) {
        if (strcasecmp(label, "utf-16") == 0) /* no mark: the zero bytes say the order */
            label = content_text_utf16_unmarked(head, n) == 'B' ? "UTF-16BE" : "UTF-16LE";
    } else if ((order = content_text_utf16_unmarked(head, n)) != 0) {
        label = order == 'L' ? "UTF-16LE" : "UTF-16BE";
    } else if (utf8_mostly_valid(head, n)) {
        label = "UTF-8";
    } else {
        label = "windows-1252";
    }
    t->cs = mime_charset_new(label);
    if (mime_charset_is_unknown(t->cs)) { /* a label no converter knows: read as 8-bit text */
        t->cs = mime_charset_free(t->cs);
        t->cs = mime_charset_new(utf8_mostly_valid(head, n) ? "UTF-8" : "windows-1252");
    }
    snprintf(t->charset, sizeof t->charset, "%s", mime_charset_name(t->cs));
    if (html)
        t->html = mime_html_new();
}

const char *
content_text_charset(const struct content_text *t)
{
    return t->charset;
}

/* feed_piece - one piece through the charset converter and the HTML reducer */
static int
feed_piece(struct content_text *t, const uint8_t *in, size_t len, struct buf *out)
{
    if (t->html == NULL)
        return mime_charset_feed(t->cs, in, len, out);
    buf_reset(&t->mid);
    mime_charset_feed(t->cs, in, len, &t->mid);
    return t->mid.len > 0 ? mime_html_feed(t->html, (const uint8_t *)t->mid.data, t->mid.len, out)
                          : 0;
}

int
content_text_feed(struct content_text *t, const uint8_t *in, size_t len, struct buf *out)
{
    if (t->cs == NULL)
        return 0;
    if (t->skip > 0) {
        size_t k = t->skip < len ? t->skip : len;
        in += k;
        len -= k;
        t->skip -= k;
    }
    if (out->max == 0)
        return len > 0 ? feed_piece(t, in, len, out) : 0;
    /* a bounded out takes what fits: a converter appends a piece whole or not at all, so the
     * pieces shrink with the room left (a byte gives at most 3) */
    while (len > 0) {
        size_t room = out->max > out->len ? out->max - out->len : 0, n = room / 3;
        if (room == 0)
            return -1;
        n = n == 0 ? 1 : n < len ? n : len;
        if (feed_piece(t, in, n, out) < 0)
            return -1;
        in += n;
        len -= n;
    }
    return 0;
}

int
content_text_finish(struct content_text *t, struct buf *out)
{
    int r = 0;

    if (t->cs == NULL)
        return 0;
    if (t->html == NULL) {
        r = mime_charset_finish(t->cs, out);
    } else {
        buf_reset(&t->mid);
        mime_charset_finish(t->cs, &t->mid);
        if (t->mid.len > 0)
            r = mime_html_feed(t->html, (const uint8_t *)t->mid.data, t->mid.len, out);
        r |= mime_html_finish(t->html, out);
    }
    t->cs = mime_charset_free(t->cs);
    t->html = mime_html_free(t->html);
    return r < 0 ? -1 : 0;
}

struct content_text *
content_text_free(struct content_text *t)
{
    if (t == NULL)
        return NULL;
    mime_charset_free(t->cs);
    mime_html_free(t->html);
    buf_release(&t->mid);
    free(t);
    return NULL;
}
