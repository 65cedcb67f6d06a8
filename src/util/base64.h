/*
 * base64 - the RFC 4648 alphabet shared by every decoder in the project. How strict a decoder
 * is stays with its protocol (AUTH is strict about padding, RFC 2047 words tolerate breakage,
 * DKIM skips folding whitespace); the digit values and the encoder are the same everywhere.
 * Pure.
 */
#ifndef SW_UTIL_BASE64_H
#define SW_UTIL_BASE64_H

#include <stddef.h>

#include "util/buf.h"

/* base64_digit - the 6-bit value of a base64 character, -1 if it is not one */
int base64_digit(unsigned char c);
/* base64_encode - append the padded base64 form of data, without line breaks */
void base64_encode(const void *data, size_t len, struct buf *out);

#endif
