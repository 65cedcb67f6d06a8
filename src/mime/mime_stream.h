/*
 * mime_stream - the streaming MIME push parser: message bytes in, decoded parts out.
 *
 * mime_stream_feed() takes the message (header section, blank line, body; CRLF or LF line
 * ends, dot-unstuffed) in any split, and calls back as it goes:
 *   part_start  when a part's header section is complete (its type, charset, filename...);
 *   header      for each header field of every part, unfolded (before part_start);
 *   body        with the part's bytes decoded from base64/quoted-printable (leaf parts only;
 *               what an attachment's hash and size are computed over);
 *   text        with the inspectable text of text parts: charset converted to UTF-8 and, for
 *               text/html, reduced to visible text (mime_html); leaf text parts only;
 *   part_end    when the part is over, with its counts;
 *   anomaly     for each thing wrong with the input (see enum mime_anomaly), never fatal.
 * The whole message is never kept: the state is bounded by the limits, whatever the input.
 *
 * Structure, as RFC 2045/2046 and real mail readers have it:
 *  - Part paths: the top entity is "0"; child i of entity P is "i" when P is "0", else
 *    "P.i" (children of the top multipart: "1", "2"; grandchildren "2.1"). The message inside
 *    a message/rfc822 part P is its only child, "P.1". Callers treat paths as labels.
 *  - Multipart: the boundary line is `--boundary` at a line start, with trailing whitespace
 *    allowed; `--boundary--` closes. The line end before a delimiter belongs to the delimiter
 *    (RFC 2046 5.1.1), so a part's decoded size excludes it. Text before the first delimiter
 *    (preamble) and after the close (epilogue) is not a part; it is offered as `text` of the
 *    multipart entity when it holds anything but whitespace (hidden text is still text).
 *    A missing close delimiter, a missing boundary parameter (the body is then one text part),
 *    nested multiparts whose boundaries prefix each other (the innermost open one is checked
 *    first, then outer ones, which also close inner parts) are handled and reported.
 *  - message/rfc822 (and message/global): the body is parsed as a nested message.
 *  - Defaults: no Content-Type = text/plain; charset=us-ascii (in a multipart/digest,
 *    message/rfc822); an unknown Content-Transfer-Encoding is treated as 8bit, reported.
 *  - A part is an attachment when its disposition is attachment, or it has a filename or
 *    name, or its type is neither text/plain, text/html, multipart, nor message.
 *
 * Limits (struct mime_stream_limits): nesting depth, number of parts, header section bytes
 * per part, decoded bytes per part and per message, line length while looking for boundaries.
 * Past a limit the parser reports the anomaly and goes on as well as it can (a part past
 * max_parts is not reported as a part, its bytes are not decoded; decoding stops at the
 * decoded-bytes limit), so a caller always gets the structure it can trust and a flag.
 *
 * Framing details: a line with no colon (not a continuation) ends a header section without a
 * blank line, as Postfix and Python's email read it, and begins the body; a delimiter right
 * after a delimiter, or as the last line, opens no part; when Content-Type is given twice the
 * first wins. A multipart without a boundary is the one text part said above: is_multipart
 * false, is_text true. A base64/QP message/rfc822 is decoded, then parsed as a message
 * (its decoded size in decoded_bytes, no `body`; the children's offsets are the part's).
 * Callback order: header fields, part_start, then the anomalies found in the part's header
 * section; `body` and `text` come in chunks of exactly 64 KB (a part's last one shorter), so
 * the whole sequence of callbacks is the same for every split of the input.
 *
 * Ownership: the part info and strings passed to callbacks live until that part's part_end.
 * Free with mime_stream_free(). Pure, no I/O; one object per message (mime_stream_reset()
 * reuses it for the next).
 */
#ifndef SW_MIME_MIME_STREAM_H
#define SW_MIME_MIME_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mime_anomaly {
    MIME_ANOM_DEPTH,            /* nesting past max_depth: inner parts not parsed */
    MIME_ANOM_PARTS,            /* more than max_parts parts */
    MIME_ANOM_HEADER_SIZE,      /* a header section past max_header_bytes */
    MIME_ANOM_DECODED_LIMIT,    /* decoding stopped at max_part_bytes / max_total_bytes */
    MIME_ANOM_BASE64,           /* invalid base64 (bytes skipped, missing padding) */
    MIME_ANOM_QP,               /* invalid quoted-printable */
    MIME_ANOM_NO_BOUNDARY,      /* multipart without a boundary parameter */
    MIME_ANOM_UNCLOSED,         /* multipart never closed with --boundary-- */
    MIME_ANOM_NO_PARTS,         /* multipart with no delimiter at all */
    MIME_ANOM_BAD_CTE,          /* unknown Content-Transfer-Encoding */
    MIME_ANOM_CTE_ON_MULTIPART, /* base64/QP declared on a multipart or message part */
    MIME_ANOM_CHARSET,          /* unknown charset or invalid bytes for it */
    MIME_ANOM_HEADER,           /* malformed header section (mime_header anomalies) */
    MIME_ANOM_PARAM,            /* malformed Content-Type / Content-Disposition */
    MIME_ANOM_LONG_LINE,        /* a line past max_line while scanning for boundaries */
    MIME_ANOM_NUL,              /* NUL bytes in a text part */
    MIME_ANOM_DUP_HEADER,       /* Content-Type / -Transfer-Encoding given twice */
    MIME_ANOM_COUNT
};

/* mime_anomaly_name - stable snake_case name, e.g. "unclosed_multipart" */
const char *mime_anomaly_name(enum mime_anomaly a);

enum mime_cte { MIME_CTE_7BIT, MIME_CTE_8BIT, MIME_CTE_BINARY, MIME_CTE_BASE64, MIME_CTE_QP };

struct mime_part_info {
    const char *path;        /* "1", "2.1", ... (see above) */
    unsigned depth;          /* 0 for the top entity */
    const char *type;        /* lowercased, e.g. "text" */
    const char *subtype;     /* lowercased, e.g. "plain" */
    const char *charset;     /* lowercased label as declared, or NULL */
    const char *filename;    /* UTF-8: disposition filename, else Content-Type name; or NULL */
    const char *disposition; /* lowercased "attachment"/"inline", or NULL */
    enum mime_cte cte;
    bool is_multipart;  /* multipart/ any */
    bool is_message;    /* message/rfc822 or message/global: children follow */
    bool is_attachment; /* by the rule above */
    bool is_text;       /* leaf whose `text` callback runs (text/ *, not an attachment) */
    bool is_html;       /* text/html */
    uint64_t offset;    /* byte offset of the part's header section in the message */
};

struct mime_part_stats {
    uint64_t raw_bytes;     /* encoded body bytes */
    uint64_t decoded_bytes; /* bytes passed to `body` */
    uint64_t text_bytes;    /* bytes passed to `text` */
    bool truncated;         /* decoding stopped at a limit */
    uint64_t decode_errors; /* bad base64/QP bytes */
};

struct mime_stream_callbacks {
    void (*header)(void *ctx, const struct mime_part_info *p, const char *name, size_t nlen,
                   const char *value, size_t vlen);
    void (*part_start)(void *ctx, const struct mime_part_info *p);
    void (*body)(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len);
    void (*text)(void *ctx, const struct mime_part_info *p, const uint8_t *utf8, size_t len);
    void (*part_end)(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s);
    void (*anomaly)(void *ctx, const struct mime_part_info *p, enum mime_anomaly a,
                    const char *detail);
};

struct mime_stream_limits {
    unsigned max_depth;       /* nesting (multipart + message/rfc822); default 20, at most 1000 */
    unsigned max_parts;       /* default 1000 */
    size_t max_header_bytes;  /* per header section; default 256 KB */
    uint64_t max_part_bytes;  /* decoded bytes per part; default 64 MB */
    uint64_t max_total_bytes; /* decoded bytes per message; default 256 MB */
    size_t max_line;          /* bytes of a line kept while looking for a boundary; 64 KB, >= 80 */
};

struct mime_stream;

struct mime_stream_limits mime_stream_limits_default(void);
/* mime_stream_new - lim NULL means the defaults; any callback may be NULL */
struct mime_stream *mime_stream_new(const struct mime_stream_limits *lim,
                                    const struct mime_stream_callbacks *cb, void *ctx);
/* mime_stream_feed - consume len bytes; 0, or -1 after mime_stream_end */
int mime_stream_feed(struct mime_stream *m, const void *data, size_t len);
/* mime_stream_end - the message is complete: flush decoders, close open parts */
int mime_stream_end(struct mime_stream *m);
/* mime_stream_reset - ready for the next message, same limits and callbacks */
void mime_stream_reset(struct mime_stream *m);
/* mime_stream_anomalies - bit (1 << enum mime_anomaly) of every anomaly seen */
unsigned mime_stream_anomalies(const struct mime_stream *m);
struct mime_stream *mime_stream_free(struct mime_stream *m);

#endif
