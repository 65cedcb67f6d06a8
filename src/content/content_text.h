/*
 * content_text - a text attachment as its reader sees it, converted as it streams: its
 * charset to UTF-8, and HTML reduced to the visible text, so the detectors see digits and
 * context words however the file was written.
 *
 * content_text_begin() decides from the first bytes (`head`, up to 4 KB: what content_magic
 * looked at) and the part's declared charset: a byte order mark wins (UTF-8, UTF-16LE,
 * UTF-16BE; the mark itself is dropped), then a declared charset other than US-ASCII/UTF-8
 * (an export in EUC-KR, Shift_JIS, windows-1252; UTF-16 without a mark in the order its zero
 * bytes show), then UTF-16 without a mark by its shape, then UTF-8 when the bytes mostly are,
 * else
 * windows-1252 (8-bit text with no label). With `html`, the converted text goes through
 * mime_html (tags, scripts and styles dropped; href/src kept).
 * content_text_feed() takes the attachment's bytes from its first one on, in any split (a
 * character or tag cut by a split is held), appending UTF-8 to `out`;
 * content_text_finish() flushes. The same object serves text after text (begin again).
 *
 * Ownership: free with content_text_free(). Not thread-safe per object; no I/O.
 */
#ifndef SW_CONTENT_CONTENT_TEXT_H
#define SW_CONTENT_CONTENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct content_text;

struct content_text *content_text_new(void);
void content_text_begin(struct content_text *t, const uint8_t *head, size_t n, const char *charset,
                        bool html);
/* content_text_utf16_unmarked - UTF-16 text without a byte order mark: 'L' (little-endian)
 * or 'B' when most code units are below U+0100 and every such unit is a text character, else
 * 0 (what content_magic and content_text_begin use when no mark is there) */
int content_text_utf16_unmarked(const uint8_t *head, size_t n);
/* content_text_charset - the charset chosen by the last begin ("UTF-16LE", "CP949", ...) */
const char *content_text_charset(const struct content_text *t);
/* content_text_feed, content_text_finish - -1 once out->max is reached (the rest is dropped) */
int content_text_feed(struct content_text *t, const uint8_t *in, size_t len, struct buf *out);
int content_text_finish(struct content_text *t, struct buf *out);
struct content_text *content_text_free(struct content_text *t);

#endif
