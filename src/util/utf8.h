/*
 * utf8 - validate UTF-8 and make any byte string safe to put in a JSON event: invalid
 * sequences (and overlongs, surrogates, code points past U+10FFFF) become U+FFFD. Pure.
 */
#ifndef SW_UTIL_UTF8_H
#define SW_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* utf8_valid_len - length of the valid sequence at s (1..4), or 0 if it is not valid */
size_t utf8_valid_len(const unsigned char *s, size_t len);
bool utf8_is_valid(const char *s, size_t len);
/* utf8_mostly_valid - invalid bytes are outnumbered by multibyte sequences (or there are
 * none): damaged UTF-8 text, not 8-bit text in another charset */
bool utf8_mostly_valid(const unsigned char *s, size_t len);
/* utf8_sanitize - append s to out with invalid sequences replaced by U+FFFD */
void utf8_sanitize(const char *s, size_t len, struct buf *out);

#endif
