/*
 * mime_charset - streaming conversion of a text part's bytes to UTF-8.
 *
 * mime_charset_new() takes a MIME charset label (case-insensitive; aliases such as `utf8`,
 * `latin1`, `ks_c_5601-1987`, `euc-kr`, `cp949`, `iso-2022-kr`, `windows-1252`, `us-ascii`
 * resolved; `ks_c_5601-1987` and `euc-kr` are read as CP949, a superset, as mail clients do).
 * UTF-8 and US-ASCII are validated without iconv; others go through iconv(3). NULL or an empty
 * label means US-ASCII read as UTF-8 (8-bit bytes in unlabelled mail are most often UTF-8). A
 * label iconv does not know falls back to the same, with `unknown` set.
 *
 * mime_charset_feed() converts in any split (a multibyte sequence cut by a split is held), and
 * appends the UTF-8 to `out`; invalid or unconvertible bytes become U+FFFD and are counted.
 * mime_charset_finish() flushes (an incomplete trailing sequence becomes U+FFFD).
 *
 * Ownership: free with mime_charset_free(). Not thread-safe per object; re-entrant.
 */
#ifndef SW_MIME_MIME_CHARSET_H
#define SW_MIME_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct mime_charset;

struct mime_charset *mime_charset_new(const char *label);
/* mime_charset_name - the canonical name in use ("UTF-8", "CP949", ...) */
const char *mime_charset_name(const struct mime_charset *cs);
/* mime_charset_is_unknown - the label was not recognised (fell back to UTF-8) */
bool mime_charset_is_unknown(const struct mime_charset *cs);
/* mime_charset_feed - convert len bytes, appending UTF-8 to out; -1 when out->max is reached */
int mime_charset_feed(struct mime_charset *cs, const uint8_t *in, size_t len, struct buf *out);
int mime_charset_finish(struct mime_charset *cs, struct buf *out);
/* mime_charset_bad - invalid or unconvertible sequences replaced so far */
uint64_t mime_charset_bad(const struct mime_charset *cs);
struct mime_charset *mime_charset_free(struct mime_charset *cs);

#endif
