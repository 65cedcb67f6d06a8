/*
 * mime_stream_nested - a message/rfc822 part sent base64 or quoted-printable (not allowed by
 * RFC 2046 5.2.1, but mail clients write and read it): its decoded bytes are parsed as a
 * message by a second mime_stream, whose callbacks come out of ours as the part's children,
 * with paths, depths and the limits left to them carried over. Forwarding a message that
 * hides inside an encoding is exactly what inspection must not miss.
 */
#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream_priv.h"
#include "util/mem.h"

struct ms_slot {
    struct mime_part_info info; /* the child's info, with our path and depth */
    char *path;
};

struct ms_nested {
    struct mime_stream *m; /* ours */
    struct ms_frame *f;    /* the message part */
    struct mime_stream *sub;
    char *base; /* path of the nested message: the part's only child */
    unsigned nslots;
    struct ms_slot slot[]; /* by depth inside the nested message */
};

/* translate - a child's info as our caller must see it; valid until the child's part_end */
static const struct mime_part_info *
translate(struct ms_nested *n, const struct mime_part_info *p)
{
    struct ms_slot *s = &n->slot[p->depth < n->nslots ? p->depth : n->nslots - 1];
    struct buf b;

    buf_init(&b, 0);
    if (strcmp(p->path, "0") == 0)
        buf_append_str(&b, n->base);
    else
        buf_printf(&b, "%s.%s", n->base, p->path);
    if (!s->path || strcmp(s->path, b.data) != 0) {
        free(s->path);
        s->path = xmemdup(b.data, b.len);
    }
    buf_release(&b);
    s->info = *p;
    s->info.path = s->path;
    s->info.depth = p->depth + n->f->info.depth + 1;
    s->info.offset = n->f->info.offset;
    return &s->info;
}

static void
fwd_header(void *ctx, const struct mime_part_info *p, const char *name, size_t nlen,
           const char *value, size_t vlen)
{
    struct ms_nested *n = ctx;

    if (n->m->cb.header)
        n->m->cb.header(n->m->ctx, translate(n, p), name, nlen, value, vlen);
}

static void
fwd_start(void *ctx, const struct mime_part_info *p)
{
    struct ms_nested *n = ctx;

    n->m->nparts++;
    if (n->m->cb.part_start)
        n->m->cb.part_start(n->m->ctx, translate(n, p));
}

static void
fwd_body(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct ms_nested *n = ctx;

    n->m->total_decoded += len;
    if (n->m->cb.body)
        n->m->cb.body(n->m->ctx, translate(n, p), data, len);
}

static void
fwd_text(void *ctx, const struct mime_part_info *p, const uint8_t *utf8, size_t len)
{
    struct ms_nested *n = ctx;

    if (n->m->cb.text)
        n->m->cb.text(n->m->ctx, translate(n, p), utf8, len);
}

static void
fwd_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *s)
{
    struct ms_nested *n = ctx;

    if (n->m->cb.part_end)
        n->m->cb.part_end(n->m->ctx, translate(n, p), s);
}

static void
fwd_anomaly(void *ctx, const struct mime_part_info *p, enum mime_anomaly a, const char *detail)
{
    struct ms_nested *n = ctx;

    n->m->anomalies |= 1u << a;
    if (n->m->cb.anomaly)
        n->m->cb.anomaly(n->m->ctx, translate(n, p), a, detail);
}

static const struct mime_stream_callbacks fwd_callbacks = {
    fwd_header, fwd_start, fwd_body, fwd_text, fwd_end, fwd_anomaly,
};

struct ms_nested *
ms_nested_new(struct mime_stream *m, struct ms_frame *f)
{
    struct mime_stream_limits lim = m->lim;
    unsigned slots = m->lim.max_depth - f->info.depth; /* depths 0 .. slots - 1 inside */
    struct ms_nested *n = xcalloc(1, sizeof *n + slots * sizeof n->slot[0]);
    struct buf b;

    n->m = m;
    n->f = f;
    n->nslots = slots;
    buf_init(&b, 0);
    if (strcmp(f->path, "0") == 0)
        buf_append_str(&b, "1");
    else
        buf_printf(&b, "%s.1", f->path);
    n->base = xmemdup(b.data, b.len);
    buf_release(&b);
    lim.max_depth = slots - 1;
    lim.max_parts = m->nparts < m->lim.max_parts ? m->lim.max_parts - m->nparts : 0;
    lim.max_total_bytes = m->lim.max_total_bytes - m->total_decoded;
    n->sub = mime_stream_new(&lim, &fwd_callbacks, n);
    return n;
}

void
ms_nested_feed(struct ms_nested *n, const uint8_t *p, size_t len)
{
    mime_stream_feed(n->sub, p, len);
}

void
ms_nested_end(struct ms_nested *n)
{
    mime_stream_end(n->sub);
}

struct ms_nested *
ms_nested_free(struct ms_nested *n)
{
    if (!n)
        return NULL;
    mime_stream_free(n->sub);
    for (unsigned i = 0; i < n->nslots; i++)
        free(n->slot[i].path);
    free(n->base);
    free(n);
    return NULL;
}
