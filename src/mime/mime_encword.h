/*
 * mime_encword - display-name text: RFC 2047 encoded words to UTF-8, clean UTF-8, and the
 * address-like text hidden in a name.
 *
 * mime_encword_decode() copies text to `out`, replacing every encoded word
 * (`=?charset[*lang]?B|Q?text?=`, RFC 2047 2 and RFC 2231 5) with its UTF-8 decoding, dropping
 * the whitespace between two adjacent encoded words (RFC 2047 6.2). Words are decoded wherever
 * they stand, also inside quoted strings and glued to other text: stricter readers would leave
 * those alone, but common mail clients decode them, and what a reader may be shown is what a
 * spoofing check must look at. Charsets: UTF-8, US-ASCII and ISO-8859-1 directly, any other
 * through iconv(3); a charset iconv does not know leaves the word as raw text, flagged.
 *
 * mime_encword_phrase_*() assemble a display name from its pieces with that joining rule.
 *
 * mime_encword_utf8_clean() copies text that should be UTF-8 (RFC 6532) to `out`: invalid
 * sequences and control characters (NUL, CR, LF, DEL, C0; a TAB becomes a space) become
 * U+FFFD, so a display name can never carry a line break or a NUL into a log or a header.
 * Both report what they saw as MIME_ENCWORD_* bits; bidirectional-override characters are kept
 * but flagged (a name shown right to left can hide an address).
 *
 * Display-name spoofing: mime_encword_fold_lookalikes() gives the form in which display text
 * is searched for addresses, so that `ceo＠bank．example` is seen as the address it imitates;
 * mime_encword_find_addresses() finds them and mime_encword_is_domain() tells a display name
 * that is itself a domain.
 *
 * Limits: output is bounded by out->max (an append that would pass it stops the copy, returns
 * -1, out keeps what fitted). Pure; re-entrant (one iconv descriptor per call, never shared).
 */
#ifndef SW_MIME_MIME_ENCWORD_H
#define SW_MIME_MIME_ENCWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum mime_encword_flag {
    MIME_ENCWORD_DECODED = 1u << 0,     /* at least one encoded word was decoded */
    MIME_ENCWORD_BAD_CHARSET = 1u << 1, /* a charset we cannot convert: word kept raw */
    MIME_ENCWORD_BAD_DATA = 1u << 2,    /* bad B/Q text or bytes invalid in their charset */
    MIME_ENCWORD_BAD_UTF8 = 1u << 3,    /* invalid UTF-8 replaced by U+FFFD */
    MIME_ENCWORD_CTL = 1u << 4,         /* a control character replaced by U+FFFD */
    MIME_ENCWORD_BIDI = 1u << 5,        /* a bidirectional override/isolate character */
    MIME_ENCWORD_TRUNCATED = 1u << 6,   /* a phrase stopped at its limit */
};

/* What one call saw. */
struct mime_encword_result {
    bool starts_encoded; /* the text begins with an encoded word */
    bool ends_encoded;   /* the text ends with an encoded word */
    unsigned flags;      /* enum mime_encword_flag bits */
};

/* A display name put together from its pieces (atom runs, quoted-string contents,
 * comments): one space where the source had whitespace, none between two encoded words. */
struct mime_encword_phrase {
    struct buf text;   /* UTF-8 so far, NUL-terminated */
    bool any;          /* a piece was added */
    bool last_encoded; /* the last piece ended with an encoded word */
    unsigned flags;    /* MIME_ENCWORD_* bits of every piece */
};

/* mime_encword_phrase_init - an empty phrase of at most max bytes (0: unbounded) */
void mime_encword_phrase_init(struct mime_encword_phrase *ph, size_t max);

void mime_encword_phrase_release(struct mime_encword_phrase *ph);

/* mime_encword_phrase_add - decode text[0..len) and add it; ws_before: whitespace stood
 * before it in the source */
void mime_encword_phrase_add(struct mime_encword_phrase *ph, const char *text, size_t len,
                             bool ws_before);

/* mime_encword_phrase_copy - dst becomes a copy of src */
void mime_encword_phrase_copy(struct mime_encword_phrase *dst,
                              const struct mime_encword_phrase *src);

/* mime_encword_decode - decode encoded words in s[0..n) and append UTF-8 to out; res may be
 * NULL; 0, or -1 when out->max was reached */
int mime_encword_decode(const char *s, size_t n, struct buf *out, struct mime_encword_result *res);

/* mime_encword_utf8_clean - append s[0..n) to out as clean UTF-8, or-ing flags into *flags;
 * 0, or -1 when out->max was reached */
int mime_encword_utf8_clean(const char *s, size_t n, struct buf *out, unsigned *flags);

/* mime_encword_fold_lookalikes - append s (NUL-terminated UTF-8) to out for address
 * matching: ASCII lower case, fullwidth forms U+FF01-FF5E folded to ASCII, U+FE6B to '@',
 * U+3002 and U+FF61 to '.'; true when a non-ASCII character was folded */
bool mime_encword_fold_lookalikes(const char *s, struct buf *out);

/* mime_encword_find_addresses - call found() with each address-like text (local@domain, in
 * the folded form above) in NUL-terminated display text; how many; *lookalike is set when
 * the text has no ASCII '@', so only a lookalike made an address */
size_t mime_encword_find_addresses(const char *text,
                                   void (*found)(void *ctx, const char *addr, size_t len),
                                   void *ctx, bool *lookalike);

/* mime_encword_is_domain - whether display text, trimmed of spaces and quotes and folded, is a
 * domain name (two labels or more, the last one letters or an A-label) */
bool mime_encword_is_domain(const char *text);

#endif
