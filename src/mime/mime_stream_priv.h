/*
 * mime_stream_priv - the state shared by mime_stream.c (framing: lines, boundaries, the stack
 * of open entities) and mime_stream_part.c (a part's header section, decoding, text). Not
 * part of the interface: only those two files include it.
 */
#ifndef SW_MIME_MIME_STREAM_PRIV_H
#define SW_MIME_MIME_STREAM_PRIV_H

#include "mime/mime_charset.h"
#include "mime/mime_decode.h"
#include "mime/mime_html.h"
#include "mime/mime_stream.h"
#include "util/buf.h"

/*
 * Decoded bytes reach the callbacks in chunks of exactly MS_CHUNK (the last one of a part
 * shorter), whatever the split of the input, so the callback sequence depends only on the
 * message. MS_SLACK is the room past a chunk one decoder call may need (MS_PIECE input bytes:
 * base64 (4096 / 4 + 1) * 3, QP 4096 + 3 + 80, identity 4096).
 */
#define MS_CHUNK 65536u
#define MS_PIECE 4096u
#define MS_SLACK 4608u

#define MS_DEFER 12

struct ms_nested;

enum ms_kind {
    MS_LEAF,    /* body decoded to `body` (and `text`) */
    MS_MULTI,   /* children between delimiters; preamble/epilogue as text */
    MS_MESSAGE, /* one child: the nested message */
    MS_SKIP,    /* past max_parts: not reported, bytes ignored */
};

struct ms_frame {
    struct mime_part_info info;
    char *path, *type, *subtype, *charset, *filename, *disposition;
    char *boundary; /* MS_MULTI only */
    size_t blen;
    enum ms_kind kind;
    bool in_body;  /* the header section is over */
    bool closed;   /* MS_MULTI: close delimiter seen, in the epilogue */
    bool digest;   /* multipart/digest: children default to message/rfc822 */
    bool reported; /* part_start was called */
    bool text_ws;  /* MS_MULTI: the current text chunk holds only whitespace so far */
    unsigned nchildren;
    struct mime_part_stats st;
    uint64_t nuls;
    /* anomalies found before part_start, reported right after it */
    struct {
        enum mime_anomaly a;
        char detail[40];
    } defer[MS_DEFER];
    unsigned ndefer;
    struct mime_b64 b64;
    struct mime_qp qp;
    struct mime_charset *cs;
    struct mime_html *html;
    bool nest;                /* an encoded message/rfc822: its decoded bytes are parsed */
    struct ms_nested *nested; /* ... by this (mime_stream_nested.c) */
};

enum ms_line { MS_BOL, MS_HOLD, MS_MID };

struct mime_stream {
    struct mime_stream_limits lim;
    struct mime_stream_callbacks cb;
    void *ctx;
    struct ms_frame *fr; /* the open entities, outermost first */
    unsigned nfr, cap;
    unsigned nparts;        /* entities seen, reported or not */
    unsigned nopen;         /* multiparts whose boundary is live */
    uint64_t total_decoded; /* bytes passed to `body`, whole message */
    uint64_t off;           /* message bytes consumed before this feed */
    const uint8_t *in;      /* this feed's input, for offsets */
    enum ms_line ls;        /* where the body scan is in the current line */
    struct buf line;        /* the held line (header section, or a possible delimiter) */
    bool line_long;         /* the held header line passed max_line; rest dropped */
    uint8_t pend[2];        /* line end not yet known to be content (it may be a delimiter's) */
    unsigned npend;
    bool pend_in;                   /* pend lies in the input just before the current line */
    bool held_cr;                   /* a CR ended the last feed inside a content line */
    const uint8_t *span_s, *span_e; /* content of this feed not yet passed on */
    struct buf hdr;                 /* the header section being collected */
    bool hdr_over;                  /* it passed max_header_bytes */
    uint8_t *obuf;                  /* decoded bytes not yet passed (MS_CHUNK + MS_SLACK) */
    size_t olen;
    struct buf tbuf; /* text not yet passed */
    struct buf hbuf; /* HTML converted to UTF-8, before mime_html */
    unsigned anomalies;
    bool ended;
};

/* ms_anomaly - record and report an anomaly on frame f (NULL: the top entity); one found
 * before f's part_start waits for it */
void ms_anomaly(struct mime_stream *m, struct ms_frame *f, enum mime_anomaly a, const char *detail);
/* ms_headers_done - interpret the collected header section of the top frame; forced when no
 * blank line ended it (a delimiter or the end of input) */
void ms_headers_done(struct mime_stream *m, bool forced);
/* ms_sink - content bytes of the top frame's body */
void ms_sink(struct mime_stream *m, const uint8_t *p, size_t n);
/* ms_text_close - pass a multipart's pending preamble/epilogue text */
void ms_text_close(struct mime_stream *m, struct ms_frame *f);
/* ms_part_finish - flush the top frame's decoders, report its anomalies and part_end */
void ms_part_finish(struct mime_stream *m, struct ms_frame *f);
/* ms_frame_clear - release what a frame owns */
void ms_frame_clear(struct ms_frame *f);

/* ms_nested_new - a parser for the decoded bytes of the encoded message part f, whose
 * callbacks come out of m as f's children */
struct ms_nested *ms_nested_new(struct mime_stream *m, struct ms_frame *f);
void ms_nested_feed(struct ms_nested *n, const uint8_t *p, size_t len);
void ms_nested_end(struct ms_nested *n);
struct ms_nested *ms_nested_free(struct ms_nested *n);

#endif
