/*
 * mime_html - streaming reduction of HTML to the text a reader sees, for inspection.
 *
 * Input is UTF-8 HTML in any split; output is UTF-8 text appended to a buf: tags removed;
 * the contents of <script> and <style> dropped (<title> kept); comments, <!DOCTYPE> and
 * <?...?> dropped; block elements (p, div, br, tr, li, h1-h6, table,
 * blockquote, pre, hr) become a line end, td/th a tab; runs of whitespace collapse to one space
 * (line ends kept); character references decoded: decimal, hex, and the named ones mail uses
 * (amp lt gt quot apos nbsp and the Latin-1 set at least); an invalid reference is kept as
 * written. Attribute values are dropped, except href and src, emitted as " <url> " where the
 * tag stands, because data hidden in a link is still data leaving.
 *
 * Limits: a tag longer than 64 KB is treated as text; the state kept between feeds is bounded.
 * Ownership: free with mime_html_free(). Pure, re-entrant.
 */
#ifndef SW_MIME_MIME_HTML_H
#define SW_MIME_MIME_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct mime_html;

struct mime_html *mime_html_new(void);
/* mime_html_feed - reduce len bytes, appending text to out; -1 when out->max is reached */
int mime_html_feed(struct mime_html *h, const uint8_t *in, size_t len, struct buf *out);
int mime_html_finish(struct mime_html *h, struct buf *out);
struct mime_html *mime_html_free(struct mime_html *h);

#endif
