/*
 * mime_stream - framing for the streaming MIME parser (see mime_stream.h): lines, boundary
 * delimiters and the stack of open entities. What a part's header section means and how its
 * body is decoded is in mime_stream_part.c.
 *
 * The body scan never looks at bytes twice when it need not: memchr finds line ends, only a
 * line that starts with "--" is held and compared with the live boundaries, and runs of
 * content lines go on to the decoder as one span of the input. The line end before a line
 * is deferred until that line is known not to be a delimiter (RFC 2046 5.1.1: it belongs to
 * the delimiter). With no live boundary at all, the rest of the body is content, unscanned.
 */
#include "mime/mime_stream.h"

#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream_priv.h"
#include "util/log.h"
#include "util/mem.h"

static const char *const anomaly_names[MIME_ANOM_COUNT] = {
    [MIME_ANOM_DEPTH] = "depth_limit",
    [MIME_ANOM_PARTS] = "parts_limit",
    [MIME_ANOM_HEADER_SIZE] = "header_size_limit",
    [MIME_ANOM_DECODED_LIMIT] = "decoded_limit",
    [MIME_ANOM_BASE64] = "invalid_base64",
    [MIME_ANOM_QP] = "invalid_quoted_printable",
    [MIME_ANOM_NO_BOUNDARY] = "multipart_without_boundary",
    [MIME_ANOM_UNCLOSED] = "unclosed_multipart",
    [MIME_ANOM_NO_PARTS] = "multipart_without_parts",
    [MIME_ANOM_BAD_CTE] = "unknown_transfer_encoding",
    [MIME_ANOM_CTE_ON_MULTIPART] = "encoded_multipart",
    [MIME_ANOM_CHARSET] = "charset",
    [MIME_ANOM_HEADER] = "malformed_header",
    [MIME_ANOM_PARAM] = "malformed_parameter",
    [MIME_ANOM_LONG_LINE] = "long_line",
    [MIME_ANOM_NUL] = "nul_in_text",
    [MIME_ANOM_DUP_HEADER] = "duplicate_header",
};

const char *
mime_anomaly_name(enum mime_anomaly a)
{
    if ((unsigned)a >= MIME_ANOM_COUNT)
        return "unknown";
    return anomaly_names[a];
}

struct mime_stream_limits
mime_stream_limits_default(void)
{
    struct mime_stream_limits l = {
        .max_depth = 20,
        .max_parts = 1000,
        .max_header_bytes = 256 * 1024,
        .max_part_bytes = 64ull * 1024 * 1024,
        .max_total_bytes = 256ull * 1024 * 1024,
        .max_line = 64 * 1024,
    };
    return l;
}

/* top - the innermost open frame */
static inline struct ms_frame *
top(struct mime_stream *m)
{
    return &m->fr[m->nfr - 1];
}

/* pos - message offset of an input pointer of this feed */
static inline uint64_t
pos(const struct mime_stream *m, const uint8_t *p)
{
    return m->off + (uint64_t)(p - m->in);
}

/* child_path - "i" under the top entity, else "P.i" */
static char *
child_path(const char *parent, unsigned i)
{
    struct buf b;
    char *s;

    buf_init(&b, 0);
    if (strcmp(parent, "0") == 0)
        buf_printf(&b, "%u", i);
    else
        buf_printf(&b, "%s.%u", parent, i);
    s = xmemdup(b.data, b.len);
    buf_release(&b);
    return s;
}

/* push - open a new entity (its header section comes next) at message offset `at` */
static void
push(struct mime_stream *m, uint64_t at)
{
    struct ms_frame *parent = m->nfr ? top(m) : NULL;
    struct ms_frame *f;

    if (m->nfr == m->cap) /* depth is checked before a container opens */
        die_bug("mime_stream: %u entities open, limit %u", m->nfr, m->cap);
    f = &m->fr[m->nfr++];
    memset(f, 0, sizeof *f);
    if (parent) {
        parent->nchildren++;
        f->path = child_path(parent->path, parent->nchildren);
        f->info.depth = parent->info.depth + 1;
    } else {
        f->path = xstrdup("0");
    }
    f->info.path = f->path;
    f->info.type = f->info.subtype = "";
    f->info.offset = at;
    f->text_ws = true;
    m->nparts++;
    if (m->nparts > m->lim.max_parts || (parent && parent->kind == MS_SKIP)) {
        if (m->nparts == m->lim.max_parts + 1)
            ms_anomaly(m, parent, MIME_ANOM_PARTS, f->path);
        f->kind = MS_SKIP;
    }
    buf_reset(&m->hdr);
    m->hdr_over = false;
    buf_reset(&m->line);
    m->line_long = false;
    m->ls = MS_BOL;
    m->npend = 0;
    m->held_cr = false;
}

/* pop - close the innermost entity */
static void
pop(struct mime_stream *m)
{
    struct ms_frame *f = top(m);

    if (!f->in_body)
        ms_headers_done(m, true);
    if (f->kind == MS_MULTI && !f->closed)
        m->nopen--;
    ms_part_finish(m, f);
    ms_frame_clear(f);
    m->nfr--;
}

/* drop_empty - forget the innermost entity, opened by a delimiter but given no byte at all */
static void
drop_empty(struct mime_stream *m)
{
    ms_frame_clear(top(m));
    m->nfr--;
    top(m)->nchildren--;
    m->nparts--;
}

/* is_wsp_only - the rest of a delimiter line may hold only blanks */
static bool
is_wsp_only(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* find_delimiter - index of the frame whose boundary line `l` is (innermost open first), or
 * -1; *close when it is the close delimiter */
static int
find_delimiter(const struct mime_stream *m, const uint8_t *l, size_t n, bool *close)
{
    if (m->nopen == 0 || n < 2 || l[0] != '-' || l[1] != '-')
        return -1;
    if (l[n - 1] == '\r')
        n--;
    for (int i = (int)m->nfr - 1; i >= 0; i--) {
        const struct ms_frame *f = &m->fr[i];
        const uint8_t *r;
        size_t rn;

        if (f->kind != MS_MULTI || f->closed || n < 2 + f->blen ||
            memcmp(l + 2, f->boundary, f->blen) != 0)
            continue;
        r = l + 2 + f->blen;
        rn = n - 2 - f->blen;
        *close = rn >= 2 && r[0] == '-' && r[1] == '-';
        if (*close && is_wsp_only(r + 2, rn - 2))
            return i;
        *close = false;
        if (is_wsp_only(r, rn))
            return i;
    }
    return -1;
}

/* flush_span - pass the content gathered from this feed */
static void
flush_span(struct mime_stream *m)
{
    if (m->span_s && m->span_e > m->span_s)
        ms_sink(m, m->span_s, (size_t)(m->span_e - m->span_s));
    m->span_s = m->span_e = NULL;
}

/* content - n bytes at p are content; contiguous ones join one span */
static inline void
content(struct mime_stream *m, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (m->span_s && m->span_e == p) {
        m->span_e += n;
        return;
    }
    flush_span(m);
    m->span_s = p;
    m->span_e = p + n;
}

/* content_copy - content that is not in the input (held bytes) */
static void
content_copy(struct mime_stream *m, const uint8_t *p, size_t n)
{
    flush_span(m);
    if (n)
        ms_sink(m, p, n);
}

/* emit_pending - the deferred line end turned out to be content; `at` is where the current
 * line starts in the input, or NULL when it is not there */
static void
emit_pending(struct mime_stream *m, const uint8_t *at)
{
    if (m->npend == 0)
        return;
    if (m->pend_in && at)
        content(m, at - m->npend, m->npend);
    else
        content_copy(m, m->pend, m->npend);
    m->npend = 0;
    m->pend_in = false;
}

/* defer_eol - the line end at p (LF, or CR LF when p[-1] is the line's CR) waits */
static void
defer_eol(struct mime_stream *m, const uint8_t *eol, size_t n)
{
    memcpy(m->pend, eol, n);
    m->npend = (unsigned)n;
    m->pend_in = true;
}

/* delimiter - frame k's boundary line ends at `next` (its line end consumed) */
static void
delimiter(struct mime_stream *m, int k, bool close, uint64_t next)
{
    struct ms_frame *f;

    flush_span(m);
    m->npend = 0;
    m->pend_in = false;
    m->held_cr = false;
    buf_reset(&m->line); /* a delimiter read as a header line leaves nothing held */
    m->line_long = false;
    while ((int)m->nfr - 1 > k)
        pop(m);
    f = top(m);
    ms_text_close(m, f);
    if (close) {
        f->closed = true;
        m->nopen--;
        f->text_ws = true;
    } else {
        push(m, next);
    }
    m->ls = MS_BOL;
}

/* header_append - add a line to the header section; past max_header_bytes the section is
 * cut at the last whole line */
static void
header_append(struct mime_stream *m, const uint8_t *l, size_t n, bool lf)
{
    if (m->hdr_over)
        return;
    if (m->hdr.len + n + lf > m->lim.max_header_bytes) {
        m->hdr_over = true;
        ms_anomaly(m, top(m), MIME_ANOM_HEADER_SIZE, top(m)->path);
        return;
    }
    buf_append(&m->hdr, l, n);
    if (lf)
        buf_append(&m->hdr, "\n", 1);
}

/* is_field_line - a header line: a continuation, or a line with a colon (a malformed name
 * is still a field, as mime_header reads it); an mbox "From " line may open the message */
static bool
is_field_line(const struct mime_stream *m, const uint8_t *l, size_t n)
{
    if (n && (l[0] == ' ' || l[0] == '\t'))
        return true;
    if (memchr(l, ':', n))
        return true;
    return m->nfr == 1 && m->hdr.len == 0 && n >= 5 && memcmp(l, "From ", 5) == 0;
}

static void header_line(struct mime_stream *m, bool lf, uint64_t next);
static void held_line(struct mime_stream *m, bool lf, uint64_t next);

/* body_from_line - a line that is no header field ends the section without a blank line
 * (as Python's email does): it is the first line of the body, or of the nested message */
static void
body_from_line(struct mime_stream *m, bool lf, uint64_t next)
{
    struct ms_frame *f = top(m);
    uint64_t at = next - m->line.len - (lf ? 1 : 0);

    ms_headers_done(m, true);
    if (f->kind == MS_MESSAGE) {
        struct buf saved = m->line;

        buf_init(&m->line, 0);
        push(m, at);
        buf_release(&m->line);
        m->line = saved;
        header_line(m, lf, next);
        return;
    }
    held_line(m, lf, next);
}

/* header_line - a complete line of a header section (in m->line, without its LF); `lf` says
 * whether it had one; `next` is the offset past it */
static void
header_line(struct mime_stream *m, bool lf, uint64_t next)
{
    const uint8_t *l = (const uint8_t *)m->line.data;
    size_t n = m->line.len;
    bool close = false;
    int k = m->line_long ? -1 : find_delimiter(m, l, n, &close);

    if (k >= 0) {
        if (m->nfr > 1 && m->hdr.len == 0 && !m->hdr_over)
            drop_empty(m); /* a delimiter right after one opens no part, as in Python */
        else
            ms_headers_done(m, true);
        delimiter(m, k, close, next);
        return;
    }
    if (!m->line_long && n && !(n == 1 && l[0] == '\r') && !is_field_line(m, l, n)) {
        body_from_line(m, lf, next);
        return;
    }
    if (lf && (n == 0 || (n == 1 && l[0] == '\r')) && m->hdr_over) {
        buf_append(&m->hdr, l, n); /* the blank line still ends the kept section */
        buf_append(&m->hdr, "\n", 1);
    }
    header_append(m, l, n, lf);
    if (lf && (n == 0 || (n == 1 && l[0] == '\r'))) {
        struct ms_frame *f = top(m);

        buf_reset(&m->line);
        m->line_long = false;
        ms_headers_done(m, false);
        if (f->kind == MS_MESSAGE)
            push(m, next);
        return;
    }
    buf_reset(&m->line);
    m->line_long = false;
}

/* long_to_body - a header line past max_line with no colon begins the body (or the nested
 * message), as a shorter one would: it is content, not a header to cut short */
static void
long_to_body(struct mime_stream *m, uint64_t at)
{
    struct ms_frame *f = top(m);
    size_t n = m->line.len;

    ms_headers_done(m, true);
    if (f->kind == MS_MESSAGE) {
        struct buf saved = m->line;

        buf_init(&m->line, 0);
        push(m, at);
        buf_release(&m->line);
        m->line = saved; /* the nested message's first line, still too long */
        return;
    }
    if (n && m->line.data[n - 1] == '\r') {
        n--;
        m->held_cr = true;
    }
    content_copy(m, (const uint8_t *)m->line.data, n);
    buf_reset(&m->line);
    m->ls = MS_MID;
}

/* feed_header - bytes of a header section; returns where the section's scan stopped */
static const uint8_t *
feed_header(struct mime_stream *m, const uint8_t *p, const uint8_t *end)
{
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    const uint8_t *e = nl ? nl : end;

    if (!m->line_long && m->line.len + (size_t)(e - p) > m->lim.max_line) {
        size_t room = m->lim.max_line - m->line.len;

        buf_append(&m->line, p, room);
        p += room;
        if (!is_field_line(m, (const uint8_t *)m->line.data, m->line.len)) {
            long_to_body(m, pos(m, p) - m->line.len);
            return p;
        }
        ms_anomaly(m, top(m), MIME_ANOM_LONG_LINE, "header");
        m->line_long = true; /* a field: the rest of the line is dropped */
    }
    if (!m->line_long)
        buf_append(&m->line, p, (size_t)(e - p));
    if (!nl)
        return end;
    header_line(m, true, pos(m, nl + 1));
    return nl + 1;
}

/* held_line - the held line (a possible delimiter) is complete: `lf` when a LF ended it
 * (else the input did), `next` the offset past it; a delimiter or content */
static void
held_line(struct mime_stream *m, bool lf, uint64_t next)
{
    const uint8_t *l = (const uint8_t *)m->line.data;
    size_t n = m->line.len;
    bool close = false;
    int k = find_delimiter(m, l, n, &close);

    if (k >= 0) {
        delimiter(m, k, close, next);
        return;
    }
    emit_pending(m, NULL);
    if (lf && n && l[n - 1] == '\r') {
        content_copy(m, l, n - 1);
        m->pend[0] = '\r';
        m->pend[1] = '\n';
        m->npend = 2;
    } else {
        content_copy(m, l, n);
        if (lf) {
            m->pend[0] = '\n';
            m->npend = 1;
        }
    }
    m->pend_in = false;
    buf_reset(&m->line);
    m->ls = MS_BOL;
}

/* feed_hold - more of a held line */
static const uint8_t *
feed_hold(struct mime_stream *m, const uint8_t *p, const uint8_t *end)
{
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    const uint8_t *e = nl ? nl : end;
    size_t n = (size_t)(e - p);

    if (m->line.len == 1 && p[0] != '-') { /* "-x": not a delimiter after all */
        emit_pending(m, NULL);
        content_copy(m, (const uint8_t *)m->line.data, 1);
        buf_reset(&m->line);
        m->ls = MS_MID;
        return p;
    }
    if (m->line.len + n > m->lim.max_line) {
        /* too long to keep: it is content, the rest of the line too */
        ms_anomaly(m, top(m), MIME_ANOM_LONG_LINE, top(m)->path);
        emit_pending(m, NULL);
        content_copy(m, (const uint8_t *)m->line.data, m->line.len);
        buf_reset(&m->line);
        m->ls = MS_MID;
        return p;
    }
    buf_append(&m->line, p, n);
    if (!nl)
        return end;
    held_line(m, true, pos(m, nl + 1));
    return nl + 1;
}

/* content_to - content from p up to the line end that ends at e (LF at e[-1]), which waits */
static void
content_to(struct mime_stream *m, const uint8_t *p, const uint8_t *e)
{
    size_t eol = e - 1 > p && e[-2] == '\r' ? 2 : 1;

    content(m, p, (size_t)(e - eol - p));
    defer_eol(m, e - eol, eol);
}

/* feed_mid - content: only a line that starts with '-' can be a delimiter, so the scan jumps
 * from one '-' to the next (base64 has none) instead of from line to line */
static const uint8_t *
feed_mid(struct mime_stream *m, const uint8_t *p, const uint8_t *end)
{
    const uint8_t *q = p;

    if (m->held_cr) {
        m->held_cr = false;
        if (*p == '\n') {
            m->pend[0] = '\r';
            m->pend[1] = '\n';
            m->npend = 2;
            m->pend_in = false;
            m->ls = MS_BOL;
            return p + 1;
        }
        content_copy(m, (const uint8_t *)"\r", 1);
    }
    while ((q = memchr(q, '-', (size_t)(end - q))) != NULL) {
        if (q > p && q[-1] == '\n') { /* a line starts with '-' */
            content_to(m, p, q);
            m->ls = MS_BOL;
            return q;
        }
        q++;
    }
    if (end[-1] == '\n') {
        content_to(m, p, end);
        m->ls = MS_BOL;
    } else if (end[-1] == '\r') {
        content(m, p, (size_t)(end - 1 - p));
        m->held_cr = true;
    } else {
        content(m, p, (size_t)(end - p));
    }
    return end;
}

/* feed_bol - a line starts at p: hold it if it may be a delimiter, else it is content */
static const uint8_t *
feed_bol(struct mime_stream *m, const uint8_t *p, const uint8_t *end)
{
    size_t avail = (size_t)(end - p);

    if (p[0] == '-' && (avail == 1 || p[1] == '-')) {
        const uint8_t *nl = memchr(p, '\n', avail);
        bool close = false;
        int k;

        if (!nl || (size_t)(nl - p) > m->lim.max_line) {
            /* cut by the end of this feed, or too long to be kept: the held path decides */
            flush_span(m);
            if (m->pend_in) {
                m->pend_in = false; /* its bytes are in m->pend already */
            }
            m->ls = MS_HOLD;
            return p;
        }
        k = find_delimiter(m, p, (size_t)(nl - p), &close);
        if (k >= 0) {
            delimiter(m, k, close, pos(m, nl + 1));
            return nl + 1;
        }
    }
    emit_pending(m, p);
    m->ls = MS_MID;
    return p;
}

/* feed_body - body bytes of the top frame */
static const uint8_t *
feed_body(struct mime_stream *m, const uint8_t *p, const uint8_t *end)
{
    if (m->nopen == 0 && m->ls != MS_HOLD) {
        /* no delimiter can come: the rest is content, as it is */
        if (m->held_cr) {
            m->held_cr = false;
            content_copy(m, (const uint8_t *)"\r", 1);
        }
        emit_pending(m, p);
        m->ls = MS_MID;
        content(m, p, (size_t)(end - p));
        return end;
    }
    switch (m->ls) {
    case MS_BOL:
        return feed_bol(m, p, end);
    case MS_HOLD:
        return feed_hold(m, p, end);
    case MS_MID:
    default:
        return feed_mid(m, p, end);
    }
}

int
mime_stream_feed(struct mime_stream *m, const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;

    if (m->ended)
        return -1;
    m->in = p;
    while (p < end) {
        if (!top(m)->in_body)
            p = feed_header(m, p, end);
        else
            p = feed_body(m, p, end);
    }
    flush_span(m);
    m->pend_in = false;
    m->off += len;
    m->in = end;
    return 0;
}

int
mime_stream_end(struct mime_stream *m)
{
    if (m->ended)
        return -1;
    m->in = NULL;
    if (m->nfr > 1 && !top(m)->in_body && m->hdr.len == 0 && m->line.len == 0 &&
        top(m)->info.offset == m->off) {
        drop_empty(m); /* a delimiter as the last line opened nothing (still unclosed) */
    } else if (!top(m)->in_body) {
        if (m->line.len)
            header_line(m, false, m->off);
    } else {
        if (m->ls == MS_HOLD)
            held_line(m, false, m->off);
        if (m->held_cr) {
            m->held_cr = false;
            content_copy(m, (const uint8_t *)"\r", 1);
        }
        emit_pending(m, NULL);
    }
    flush_span(m);
    while (m->nfr > 0)
        pop(m);
    m->ended = true;
    return 0;
}

struct mime_stream *
mime_stream_new(const struct mime_stream_limits *lim, const struct mime_stream_callbacks *cb,
                void *ctx)
{
    struct mime_stream *m = xcalloc(1, sizeof *m);

    m->lim = lim ? *lim : mime_stream_limits_default();
    if (m->lim.max_line < 80) /* room for any boundary line */
        m->lim.max_line = 80;
    if (m->lim.max_depth > 1000) /* the stack is allocated whole */
        m->lim.max_depth = 1000;
    if (cb)
        m->cb = *cb;
    m->ctx = ctx;
    m->cap = m->lim.max_depth + 1;
    m->fr = xcalloc(m->cap, sizeof *m->fr);
    buf_init(&m->line, 0);
    buf_init(&m->hdr, 0);
    buf_init(&m->tbuf, 0);
    buf_init(&m->hbuf, 0);
    m->obuf = xmalloc(MS_CHUNK + MS_SLACK);
    mime_stream_reset(m);
    return m;
}

void
mime_stream_reset(struct mime_stream *m)
{
    while (m->nfr > 0) {
        ms_frame_clear(top(m));
        m->nfr--;
    }
    m->nparts = m->nopen = 0;
    m->total_decoded = m->off = 0;
    m->anomalies = 0;
    m->ended = false;
    m->olen = 0;
    buf_reset(&m->tbuf);
    buf_reset(&m->hbuf);
    m->span_s = m->span_e = NULL;
    m->pend_in = false;
    push(m, 0);
}

unsigned
mime_stream_anomalies(const struct mime_stream *m)
{
    return m->anomalies;
}

struct mime_stream *
mime_stream_free(struct mime_stream *m)
{
    if (!m)
        return NULL;
    while (m->nfr > 0) {
        ms_frame_clear(top(m));
        m->nfr--;
    }
    free(m->fr);
    buf_release(&m->line);
    buf_release(&m->hdr);
    buf_release(&m->tbuf);
    buf_release(&m->hbuf);
    free(m->obuf);
    free(m);
    return NULL;
}
