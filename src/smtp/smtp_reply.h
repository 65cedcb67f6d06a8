/*
 * smtp_reply - SMTP replies: the value type, formatting, and an incremental parser of
 * (multi-line) replies as a client reads them.
 *
 * struct smtp_reply holds a code (200..599), an optional enhanced status code ("5.7.1"), and
 * the text (lines joined with '\n', without code prefixes or CRLF). The parser accepts any split
 * of its input; it reports a malformed reply (bad code, mixed codes, line over the limit) as an
 * error and the caller should drop the connection. Not thread-safe; one owner.
 */
#ifndef SW_SMTP_SMTP_REPLY_H
#define SW_SMTP_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define SMTP_REPLY_TEXT_MAX 4096 /* all lines of one reply, after joining */
#define SMTP_REPLY_LINE_MAX 2048 /* one reply line on the wire (RFC 5321 says 512) */

struct smtp_reply {
    int code;                       /* 0 = none */
    char enh[16];                   /* "2.0.0", or "" when the server sent none */
    char text[SMTP_REPLY_TEXT_MAX]; /* lines joined by '\n' */
};

/* smtp_reply_set - fill a reply; enh may be NULL or "" */
void smtp_reply_set(struct smtp_reply *r, int code, const char *enh, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* smtp_reply_format - append the wire form (each text line "CODE-..." / "CODE ...", CRLF) */
int smtp_reply_format(const struct smtp_reply *r, struct buf *out);
/* smtp_reply_is_positive - 2xx or 3xx */
bool smtp_reply_is_positive(const struct smtp_reply *r);

struct smtp_reply_parser;

struct smtp_reply_parser *smtp_reply_parser_new(void);
struct smtp_reply_parser *smtp_reply_parser_free(struct smtp_reply_parser *p);

/*
 * smtp_reply_parser_feed - consume bytes; returns the number of bytes consumed (> 0) when a
 * whole reply was completed into *out (call again with the rest), 0 when all of the input was
 * consumed and no reply is complete yet, -1 on a malformed reply.
 */
long smtp_reply_parser_feed(struct smtp_reply_parser *p, const char *data, size_t len,
                            struct smtp_reply *out);

#endif
