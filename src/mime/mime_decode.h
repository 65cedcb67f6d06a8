/*
 * mime_decode - streaming Content-Transfer-Encoding decoders: base64 and quoted-printable.
 *
 * Each decoder is a small state struct the caller embeds (zero it with *_init) and feeds input
 * in any split: the output for a feed depends only on the bytes so far, never on where the
 * splits fell. Output space: base64 needs at most (len / 4 + 1) * 3 bytes per feed, QP at most
 * len + 3 bytes (a held soft-break or '=' sequence may complete in a later feed).
 *
 * Tolerance, as real mail needs it (and as mail clients behave):
 *  - base64: whitespace and line ends are skipped; other bytes outside the alphabet are skipped
 *    and counted (`bad`); data after '=' padding is decoded too (concatenated base64 blocks),
 *    counted as `after_pad`; a final group of 2 or 3 symbols without padding is decoded,
 *    counted as `unpadded`; a lone trailing symbol is dropped, counted as `bad`.
 *  - quoted-printable: `=XX` (either case) decodes; `=` + line end is a soft break; trailing
 *    whitespace before a line end is removed (RFC 2045 6.7 rule 3); a bad `=` sequence is kept
 *    literally and counted; line ends are emitted as CRLF-or-LF exactly as written.
 *
 * Pure, no allocation, re-entrant.
 */
#ifndef SW_MIME_MIME_DECODE_H
#define SW_MIME_MIME_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct mime_b64 {
    uint32_t acc;       /* bits collected so far */
    unsigned nsym;      /* symbols in acc (0-3) */
    unsigned npad;      /* '=' seen in the current group */
    uint64_t bad;       /* bytes skipped that are neither alphabet nor whitespace */
    uint64_t after_pad; /* symbols decoded after padding ended a group */
    unsigned unpadded;  /* 1 when the final group lacked its padding */
};

void mime_b64_init(struct mime_b64 *d);
/* mime_b64_feed - decode len bytes to out; returns bytes written */
size_t mime_b64_feed(struct mime_b64 *d, const uint8_t *in, size_t len, uint8_t *out);
/* mime_b64_finish - flush a final partial group (at most 2 bytes); returns bytes written */
size_t mime_b64_finish(struct mime_b64 *d, uint8_t *out);

struct mime_qp {
    unsigned state;   /* decoder state (private) */
    uint8_t held[80]; /* whitespace held until we know a line end does not follow it */
    unsigned nheld;
    uint8_t hex;  /* first hex digit of an =XX */
    uint64_t bad; /* malformed '=' sequences kept literally */
};

void mime_qp_init(struct mime_qp *d);
/* mime_qp_feed - decode len bytes to out (room for len + 3 + sizeof held); returns bytes written */
size_t mime_qp_feed(struct mime_qp *d, const uint8_t *in, size_t len, uint8_t *out);
/* mime_qp_finish - flush what is held (room for sizeof held + 3); returns bytes written */
size_t mime_qp_finish(struct mime_qp *d, uint8_t *out);

#endif
