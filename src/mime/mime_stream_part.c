/*
 * mime_stream_part - one entity of the streaming MIME parser: what its header section says
 * (type, charset, filename, transfer encoding, attachment or not), and the path of its body
 * bytes: transfer decoding, the `body` chunks, charset conversion and HTML reduction to `text`.
 *
 * Decoded bytes collect in one buffer and leave in chunks of exactly MS_CHUNK, and text the
 * same way, so the callbacks a message produces do not depend on how its bytes were split;
 * limits are checked at exact positions in the decoded stream for the same reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_header.h"
#include "mime/mime_param.h"
#include "mime/mime_stream_priv.h"
#include "util/mem.h"

void
ms_anomaly(struct mime_stream *m, struct ms_frame *f, enum mime_anomaly a, const char *detail)
{
    if (!f)
        f = &m->fr[0];
    m->anomalies |= 1u << a;
    if (!f->reported && f->kind != MS_SKIP) {
        if (f->ndefer < MS_DEFER) {
            f->defer[f->ndefer].a = a;
            snprintf(f->defer[f->ndefer].detail, sizeof f->defer[0].detail, "%s",
                     detail ? detail : "");
            f->ndefer++;
        }
        return;
    }
    if (m->cb.anomaly)
        m->cb.anomaly(m->ctx, &f->info, a, detail ? detail : "");
}

void
ms_frame_clear(struct ms_frame *f)
{
    free(f->path);
    free(f->type);
    free(f->subtype);
    free(f->charset);
    free(f->filename);
    free(f->disposition);
    free(f->boundary);
    mime_charset_free(f->cs);
    mime_html_free(f->html);
    ms_nested_free(f->nested);
    memset(f, 0, sizeof *f);
}

/* lower_dup - a copy with ASCII letters lowercased */
static char *
lower_dup(const char *s)
{
    char *d = xstrdup(s);

    for (char *p = d; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* field_value - the value of the first field named `name`, trimmed; NULL when absent; a
 * second such field is reported */
static const char *
field_value(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h,
            const char *name, size_t *len)
{
    size_t i = mime_headers_find(h, name, 0);
    const struct mime_header_field *fl;
    const char *v;
    size_t n;

    if (i == MIME_HEADERS_NONE)
        return NULL;
    if (mime_headers_find(h, name, i + 1) != MIME_HEADERS_NONE)
        ms_anomaly(m, f, MIME_ANOM_DUP_HEADER, name);
    fl = mime_headers_get(h, i);
    v = fl->value;
    n = fl->value_len;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        n--;
    *len = n;
    return v;
}

/* parse_cte - Content-Transfer-Encoding; unknown ones are 8bit, reported */
static enum mime_cte
parse_cte(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h)
{
    static const struct {
        const char *name;
        enum mime_cte cte;
    } known[] = {{"7bit", MIME_CTE_7BIT},
                 {"8bit", MIME_CTE_8BIT},
                 {"binary", MIME_CTE_BINARY},
                 {"base64", MIME_CTE_BASE64},
                 {"quoted-printable", MIME_CTE_QP}};
    size_t n = 0;
    const char *v = field_value(m, f, h, "content-transfer-encoding", &n);
    char tok[32];

    if (!v)
        return MIME_CTE_7BIT;
    if (n < sizeof tok) {
        memcpy(tok, v, n);
        tok[n] = '\0';
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            if (strcasecmp(tok, known[i].name) == 0)
                return known[i].cte;
    }
    ms_anomaly(m, f, MIME_ANOM_BAD_CTE, n < sizeof tok ? tok : "(long)");
    return MIME_CTE_8BIT;
}

/* param_dup - a parameter's value, lowercased or not, or NULL */
static char *
param_dup(const struct mime_params *p, const char *name, bool lower)
{
    const char *v = p ? mime_param_get(p, name) : NULL;

    if (!v)
        return NULL;
    return lower ? lower_dup(v) : xstrdup(v);
}

/* param_anomalies - what mime_param flagged: a charset it cannot convert is a charset
 * anomaly, the rest malformed parameters */
static void
param_anomalies(struct mime_stream *m, struct ms_frame *f, const struct mime_params *p,
                const char *field)
{
    if (!p)
        return;
    if (p->flags & MIME_PARAM_BAD_CHARSET)
        ms_anomaly(m, f, MIME_ANOM_CHARSET, field);
    if (p->flags & ~(unsigned)MIME_PARAM_BAD_CHARSET)
        ms_anomaly(m, f, MIME_ANOM_PARAM, field);
}

/* read_type - Content-Type: type, subtype, charset, name and boundary; the defaults */
static void
read_type(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h, char **name)
{
    const struct ms_frame *parent = m->nfr > 1 ? &m->fr[m->nfr - 2] : NULL;
    size_t n = 0;
    const char *v = field_value(m, f, h, "content-type", &n);
    struct mime_params *p = v ? mime_param_parse(v, n) : NULL;

    param_anomalies(m, f, p, "content-type");
    if (p && p->type[0] && p->subtype[0]) {
        f->type = xstrdup(p->type);
        f->subtype = xstrdup(p->subtype);
        f->charset = param_dup(p, "charset", true);
        f->boundary = param_dup(p, "boundary", false);
        *name = param_dup(p, "name", false);
    } else if (parent && parent->digest) {
        f->type = xstrdup("message");
        f->subtype = xstrdup("rfc822");
    } else {
        f->type = xstrdup("text");
        f->subtype = xstrdup("plain");
        f->charset = p ? param_dup(p, "charset", true) : NULL;
        if (!f->charset)
            f->charset = xstrdup("us-ascii");
        *name = param_dup(p, "name", false);
    }
    mime_param_free(p);
}

/* read_disposition - Content-Disposition: disposition and filename */
static void
read_disposition(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h,
                 char *name)
{
    size_t n = 0;
    const char *v = field_value(m, f, h, "content-disposition", &n);
    struct mime_params *p = v ? mime_param_parse(v, n) : NULL;

    if (p)
        p->flags &= ~(unsigned)MIME_PARAM_BAD_TYPE; /* a disposition has no subtype */
    param_anomalies(m, f, p, "content-disposition");
    if (p && p->type[0])
        f->disposition = xstrdup(p->type);
    f->filename = param_dup(p, "filename", false);
    if (f->filename && !f->filename[0]) {
        free(f->filename);
        f->filename = NULL;
    }
    if (!f->filename && name && name[0])
        f->filename = name;
    else
        free(name);
    mime_param_free(p);
}

/* choose_kind - multipart, nested message or leaf, within the depth limit */
static void
choose_kind(struct mime_stream *m, struct ms_frame *f, bool forced)
{
    bool multi = strcmp(f->type, "multipart") == 0;
    bool msg = strcmp(f->type, "message") == 0 &&
               (strcmp(f->subtype, "rfc822") == 0 || strcmp(f->subtype, "global") == 0);
    bool encoded = f->info.cte == MIME_CTE_BASE64 || f->info.cte == MIME_CTE_QP;

    f->kind = MS_LEAF;
    if (!multi && !msg)
        return;
    if (encoded)
        ms_anomaly(m, f, MIME_ANOM_CTE_ON_MULTIPART, f->path);
    if (msg && encoded) { /* decoded, then parsed by a nested parser */
        if (f->info.depth >= m->lim.max_depth)
            ms_anomaly(m, f, MIME_ANOM_DEPTH, f->path);
        else
            f->nest = true;
        return;
    }
    if (f->info.depth >= m->lim.max_depth) {
        ms_anomaly(m, f, MIME_ANOM_DEPTH, f->path);
        f->info.cte = MIME_CTE_BINARY; /* its raw bytes go to `body`, undecoded */
        return;
    }
    if (msg) {
        f->kind = MS_MESSAGE;
        return;
    }
    if (!f->boundary || !f->boundary[0]) {
        ms_anomaly(m, f, MIME_ANOM_NO_BOUNDARY, f->path);
        return;
    }
    f->info.cte = MIME_CTE_7BIT;
    f->kind = MS_MULTI;
    f->blen = strlen(f->boundary);
    f->digest = strcmp(f->subtype, "digest") == 0;
    m->nopen++;
    (void)forced;
}

/* fill_info - the flags callers read, by the rules in mime_stream.h */
static void
fill_info(struct ms_frame *f)
{
    struct mime_part_info *i = &f->info;
    bool text = strcmp(f->type, "text") == 0;
    bool plain_or_html =
        text && (strcmp(f->subtype, "plain") == 0 || strcmp(f->subtype, "html") == 0);
    bool container = strcmp(f->type, "multipart") == 0 || strcmp(f->type, "message") == 0;

    i->type = f->type;
    i->subtype = f->subtype;
    i->charset = f->charset;
    i->filename = f->filename;
    i->disposition = f->disposition;
    i->is_multipart = f->kind == MS_MULTI;
    i->is_message = f->kind == MS_MESSAGE || f->nest;
    i->is_attachment = (f->disposition && strcmp(f->disposition, "attachment") == 0) ||
                       f->filename || (!plain_or_html && !container);
    /* a multipart without a boundary is read as one text part */
    i->is_text = f->kind == MS_LEAF && !i->is_attachment &&
                 (text || (strcmp(f->type, "multipart") == 0 && !f->boundary));
    i->is_html = text && strcmp(f->subtype, "html") == 0;
}

/* header_anomalies - what mime_header found wrong (LF line ends are not wrong here) */
static void
header_anomalies(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h)
{
    unsigned a = mime_headers_anomalies(h) & ~(unsigned)(MIME_HDR_BARE_LF | MIME_HDR_MIXED_EOL);

    if (m->hdr_over)
        a &= ~(unsigned)MIME_HDR_TRUNCATED; /* already reported as header_size_limit */
    if (a)
        ms_anomaly(m, f, MIME_ANOM_HEADER, mime_header_anomaly_name(a & -a));
}

/* report_headers - the header callback for each field, unfolded and trimmed */
static void
report_headers(struct mime_stream *m, struct ms_frame *f, const struct mime_headers *h)
{
    size_t count = mime_headers_count(h);

    if (!m->cb.header)
        return;
    for (size_t i = 0; i < count; i++) {
        const struct mime_header_field *fl = mime_headers_get(h, i);
        const char *v = fl->value;
        size_t n = fl->value_len;

        while (n && (*v == ' ' || *v == '\t')) {
            v++;
            n--;
        }
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
            n--;
        m->cb.header(m->ctx, &f->info, fl->name, fl->name_len, v, n);
    }
}

void
ms_headers_done(struct mime_stream *m, bool forced)
{
    struct ms_frame *f = &m->fr[m->nfr - 1];
    struct mime_headers *h;
    char *name = NULL;

    f->in_body = true;
    if (f->kind == MS_SKIP) {
        buf_reset(&m->hdr);
        return;
    }
    h = mime_headers_parse(m->hdr.data ? m->hdr.data : "", m->hdr.len, NULL);
    buf_reset(&m->hdr);
    read_type(m, f, h, &name);
    read_disposition(m, f, h, name);
    f->info.cte = parse_cte(m, f, h);
    choose_kind(m, f, forced);
    fill_info(f);
    header_anomalies(m, f, h);
    report_headers(m, f, h);
    mime_headers_free(h);
    if (f->kind == MS_LEAF) {
        if (f->nest)
            f->nested = ms_nested_new(m, f);
        if (f->info.cte == MIME_CTE_BASE64)
            mime_b64_init(&f->b64);
        else if (f->info.cte == MIME_CTE_QP)
            mime_qp_init(&f->qp);
        if (f->info.is_text) {
            f->cs = mime_charset_new(f->charset);
            if (mime_charset_is_unknown(f->cs))
                ms_anomaly(m, f, MIME_ANOM_CHARSET, f->charset);
            if (f->info.is_html)
                f->html = mime_html_new();
        }
    }
    f->reported = true;
    if (m->cb.part_start)
        m->cb.part_start(m->ctx, &f->info);
    for (unsigned i = 0; i < f->ndefer; i++)
        ms_anomaly(m, f, f->defer[i].a, f->defer[i].detail);
    f->ndefer = 0;
}

/* text_drain - pass whole chunks of text (all of it when `all`) */
static void
text_drain(struct mime_stream *m, struct ms_frame *f, bool all)
{
    while (m->tbuf.len >= MS_CHUNK || (all && m->tbuf.len)) {
        size_t n = m->tbuf.len < MS_CHUNK ? m->tbuf.len : MS_CHUNK;

        f->st.text_bytes += n;
        if (m->cb.text)
            m->cb.text(m->ctx, &f->info, (const uint8_t *)m->tbuf.data, n);
        buf_consume(&m->tbuf, n);
    }
}

/* text_feed - decoded bytes of a text part (or preamble) to UTF-8, HTML to text */
static void
text_feed(struct mime_stream *m, struct ms_frame *f, const uint8_t *p, size_t n)
{
    if (!f->cs)
        f->cs = mime_charset_new(NULL);
    if (f->html) {
        mime_charset_feed(f->cs, p, n, &m->hbuf);
        mime_html_feed(f->html, (const uint8_t *)m->hbuf.data, m->hbuf.len, &m->tbuf);
        buf_reset(&m->hbuf);
    } else {
        mime_charset_feed(f->cs, p, n, &m->tbuf);
    }
    text_drain(m, f, false);
}

/* text_finish - the end of a text: flush the converters and pass the rest */
static void
text_finish(struct mime_stream *m, struct ms_frame *f)
{
    if (!f->cs)
        return;
    if (f->html) {
        mime_charset_finish(f->cs, &m->hbuf);
        mime_html_feed(f->html, (const uint8_t *)m->hbuf.data, m->hbuf.len, &m->tbuf);
        buf_reset(&m->hbuf);
        mime_html_finish(f->html, &m->tbuf);
    } else {
        mime_charset_finish(f->cs, &m->tbuf);
    }
    text_drain(m, f, true);
}

/* emit_chunk - decoded bytes to `body`, and on to text for a text part */
static void
emit_chunk(struct mime_stream *m, struct ms_frame *f, const uint8_t *p, size_t n)
{
    if (f->nested) {
        ms_nested_feed(f->nested, p, n);
        return;
    }
    if (m->cb.body)
        m->cb.body(m->ctx, &f->info, p, n);
    if (!f->info.is_text)
        return;
    for (const uint8_t *z = memchr(p, 0, n); z; z = memchr(z + 1, 0, n - (size_t)(z + 1 - p)))
        f->nuls++;
    text_feed(m, f, p, n);
}

/* body_take - w decoded bytes were written at obuf + olen: keep what the limits allow, pass
 * whole chunks; false once the part is truncated */
static bool
body_take(struct mime_stream *m, struct ms_frame *f, size_t w)
{
    uint64_t room_part = m->lim.max_part_bytes - f->st.decoded_bytes;
    /* a nested message's bytes count where its own parts pass them to `body` */
    uint64_t room_total = f->nested ? UINT64_MAX : m->lim.max_total_bytes - m->total_decoded;
    size_t allow = w;

    if (allow > room_part)
        allow = (size_t)room_part;
    if (allow > room_total)
        allow = (size_t)room_total;
    m->olen += allow;
    f->st.decoded_bytes += allow;
    if (!f->nested)
        m->total_decoded += allow;
    while (m->olen >= MS_CHUNK) {
        emit_chunk(m, f, m->obuf, MS_CHUNK);
        memmove(m->obuf, m->obuf + MS_CHUNK, m->olen - MS_CHUNK);
        m->olen -= MS_CHUNK;
    }
    if (allow == w)
        return true;
    f->st.truncated = true;
    ms_anomaly(m, f, MIME_ANOM_DECODED_LIMIT, f->path);
    return false;
}

/* leaf_sink - body bytes of a leaf, decoded by its transfer encoding */
static void
leaf_sink(struct mime_stream *m, struct ms_frame *f, const uint8_t *p, size_t n)
{
    if (f->st.truncated && f->info.cte != MIME_CTE_BASE64 && f->info.cte != MIME_CTE_QP)
        return;
    while (n) {
        size_t k = n < MS_PIECE ? n : MS_PIECE;
        uint8_t *out = m->obuf + m->olen;
        size_t w;

        switch (f->info.cte) {
        case MIME_CTE_BASE64:
            w = mime_b64_feed(&f->b64, p, k, out);
            break;
        case MIME_CTE_QP:
            w = mime_qp_feed(&f->qp, p, k, out);
            break;
        default:
            memcpy(out, p, k);
            w = k;
            break;
        }
        p += k;
        n -= k;
        /* past a limit the decoder still runs, output dropped, so that its error count does
         * not depend on where the input was split */
        if (!f->st.truncated)
            body_take(m, f, w);
    }
}

/* multi_sink - preamble or epilogue bytes: text, unless a chunk is only whitespace */
static void
multi_sink(struct mime_stream *m, struct ms_frame *f, const uint8_t *p, size_t n)
{
    while (n) {
        size_t k = MS_CHUNK - m->olen;

        if (k > n)
            k = n;
        memcpy(m->obuf + m->olen, p, k);
        for (size_t i = 0; i < k && f->text_ws; i++)
            if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
                f->text_ws = false;
        m->olen += k;
        p += k;
        n -= k;
        if (m->olen == MS_CHUNK) {
            if (!f->text_ws)
                text_feed(m, f, m->obuf, m->olen);
            m->olen = 0;
            f->text_ws = true;
        }
    }
}

void
ms_sink(struct mime_stream *m, const uint8_t *p, size_t n)
{
    struct ms_frame *f = &m->fr[m->nfr - 1];

    f->st.raw_bytes += n;
    if (f->kind == MS_LEAF)
        leaf_sink(m, f, p, n);
    else if (f->kind == MS_MULTI)
        multi_sink(m, f, p, n);
}

void
ms_text_close(struct mime_stream *m, struct ms_frame *f)
{
    if (f->kind != MS_MULTI)
        return;
    if (m->olen && !f->text_ws)
        text_feed(m, f, m->obuf, m->olen);
    m->olen = 0;
    f->text_ws = true;
    text_finish(m, f);
    f->cs = mime_charset_free(f->cs);
}

/* leaf_finish - the decoders' last bytes, the last chunks, the decoding anomalies */
static void
leaf_finish(struct mime_stream *m, struct ms_frame *f)
{
    size_t w = 0;

    if (f->info.cte == MIME_CTE_BASE64)
        w = mime_b64_finish(&f->b64, m->obuf + m->olen);
    else if (f->info.cte == MIME_CTE_QP)
        w = mime_qp_finish(&f->qp, m->obuf + m->olen);
    if (!f->st.truncated)
        body_take(m, f, w);
    if (m->olen)
        emit_chunk(m, f, m->obuf, m->olen);
    m->olen = 0;
    if (f->nested)
        ms_nested_end(f->nested);
    if (f->info.is_text)
        text_finish(m, f);
    if (f->info.cte == MIME_CTE_BASE64) {
        f->st.decode_errors = f->b64.bad + f->b64.unpadded;
        if (f->st.decode_errors || f->b64.after_pad)
            ms_anomaly(m, f, MIME_ANOM_BASE64, f->path);
    } else if (f->info.cte == MIME_CTE_QP) {
        f->st.decode_errors = f->qp.bad;
        if (f->qp.bad)
            ms_anomaly(m, f, MIME_ANOM_QP, f->path);
    }
    if (f->nuls)
        ms_anomaly(m, f, MIME_ANOM_NUL, f->path);
    if (f->cs && mime_charset_bad(f->cs))
        ms_anomaly(m, f, MIME_ANOM_CHARSET, f->charset ? f->charset : "");
}

void
ms_part_finish(struct mime_stream *m, struct ms_frame *f)
{
    if (f->kind == MS_SKIP)
        return;
    if (f->kind == MS_LEAF) {
        leaf_finish(m, f);
    } else if (f->kind == MS_MULTI) {
        ms_text_close(m, f);
        if (f->nchildren == 0)
            ms_anomaly(m, f, MIME_ANOM_NO_PARTS, f->path);
        else if (!f->closed)
            ms_anomaly(m, f, MIME_ANOM_UNCLOSED, f->path);
    }
    if (m->cb.part_end)
        m->cb.part_end(m->ctx, &f->info, &f->st);
}
