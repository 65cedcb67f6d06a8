/* dkim_canon - RFC 6376 3.4 canonicalisation, line-end normalisation, header-field lists. */
#include "auth/dkim_canon.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/log.h"
#include "util/mem.h"

#define BODY_OUT_CHUNK 4096

struct dkim_body_hash {
    EVP_MD_CTX *md;
    enum dkim_canon canon;
    uint64_t limit;        /* l= or UINT64_MAX */
    uint64_t total;        /* canonical bytes produced so far */
    uint64_t pending_crlf; /* line ends held back: they count only if content follows */
    bool pending_cr;       /* a CR whose LF may come in the next feed */
    bool pending_wsp;      /* relaxed: a run of WSP that becomes one SP if content follows */
    bool content;          /* relaxed: any non-empty line seen */
    size_t outlen;
    unsigned char out[BODY_OUT_CHUNK];
};

static bool
is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* dkim_crlf_normalise - rewrite bare CR and bare LF as CRLF while copying */
int
dkim_crlf_normalise(struct buf *out, const char *data, size_t len)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c != '\r' && c != '\n')
            continue;
        if (buf_append(out, data + start, i - start) < 0 || buf_append(out, "\r\n", 2) < 0)
            return -1;
        if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    return buf_append(out, data + start, len - start);
}

/* field_name_len - length of the name before the colon (trailing WSP dropped), 0 if none */
static size_t
field_name_len(const char *raw, size_t len)
{
    const char *colon = memchr(raw, ':', len);
    if (colon == NULL)
        return 0;
    size_t n = (size_t)(colon - raw);
    while (n > 0 && is_wsp(raw[n - 1]))
        n--;
    return n;
}

/* add_field - append one field to the list, bounded by DKIM_MAX_FIELDS */
static int
add_field(struct dkim_fields *f, size_t *cap, const char *raw, size_t len)
{
    if (f->n >= DKIM_MAX_FIELDS)
        return -1;
    if (f->n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        f->v = xrealloc(f->v, *cap * sizeof *f->v);
    }
    f->v[f->n].raw = raw;
    f->v[f->n].raw_len = len;
    f->v[f->n].name_len = field_name_len(raw, len);
    f->n++;
    return 0;
}

/* dkim_fields_parse - normalise a header section and split it into fields */
int
dkim_fields_parse(struct dkim_fields *f, const char *hdr, size_t len)
{
    size_t cap = 0, pos = 0, start = 0;

    memset(f, 0, sizeof *f);
    buf_init(&f->text, 2 * (size_t)DKIM_MAX_HEADER_BYTES);
    if (len > DKIM_MAX_HEADER_BYTES || dkim_crlf_normalise(&f->text, hdr, len) < 0)
        return -1;
    if (f->text.len > 0 && f->text.data[f->text.len - 1] != '\n' &&
        buf_append(&f->text, "\r\n", 2) < 0)
        return -1;
    const char *t = f->text.data;
    size_t n = f->text.len;
    /* every line now ends with CRLF; a line that starts with WSP continues the field */
    while (pos < n) {
        const char *eol = memchr(t + pos, '\n', n - pos);
        size_t next = (size_t)(eol - t) + 1;
        if (next - pos == 2)
            break; /* the empty line that ends the header section */
        if (pos > start && !is_wsp(t[pos])) {
            if (add_field(f, &cap, t + start, pos - start) < 0)
                return -1;
            start = pos;
        }
        pos = next;
    }
    if (pos > start && add_field(f, &cap, t + start, pos - start) < 0)
        return -1;
    return 0;
}

void
dkim_fields_release(struct dkim_fields *f)
{
    buf_release(&f->text);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

/* dkim_field_is - compare a field name, ASCII case-insensitively */
bool
dkim_field_is(const struct dkim_field *fl, const char *name, size_t name_len)
{
    if (fl->name_len != name_len || name_len == 0)
        return false;
    for (size_t i = 0; i < name_len; i++)
        if (lower(fl->raw[i]) != lower(name[i]))
            return false;
    return true;
}

/* dkim_fields_count - count the fields that carry a name */
size_t
dkim_fields_count(const struct dkim_fields *f, const char *name, size_t name_len)
{
    size_t count = 0;
    for (size_t i = 0; i < f->n; i++)
        if (dkim_field_is(&f->v[i], name, name_len))
            count++;
    return count;
}

/* canon_relaxed - lowercase name, unfold, runs of WSP to one SP, no WSP around the colon or at
 * the end (RFC 6376 3.4.2) */
static void
canon_relaxed(const char *raw, size_t len, struct buf *out)
{
    const char *colon = memchr(raw, ':', len);
    size_t name_end = colon ? (size_t)(colon - raw) : len;
    bool wsp = false, started = false;

    for (size_t i = 0; i < name_end; i++)
        if (!is_wsp(raw[i]) && raw[i] != '\r' && raw[i] != '\n') {
            char c = lower(raw[i]);
            buf_append(out, &c, 1);
        }
    if (colon != NULL)
        buf_append(out, ":", 1);
    for (size_t i = name_end + 1; i < len; i++) {
        char c = raw[i];
        if (c == '\r' || c == '\n')
            continue;
        if (is_wsp(c)) {
            wsp = true;
            continue;
        }
        if (wsp && started)
            buf_append(out, " ", 1);
        buf_append(out, &c, 1);
        wsp = false;
        started = true;
    }
    buf_append(out, "\r\n", 2);
}

/* dkim_canon_header - one field in simple or relaxed form */
void
dkim_canon_header(enum dkim_canon c, const char *raw, size_t len, struct buf *out)
{
    if (c == DKIM_CANON_SIMPLE)
        buf_append(out, raw, len);
    else
        canon_relaxed(raw, len, out);
}

/* dkim_canon_headers - the fields h= selects, bottom-up, canonicalised */
void
dkim_canon_headers(const struct dkim_fields *f, char *const *names, size_t n, enum dkim_canon c,
                   struct buf *out)
{
    bool *used = xcalloc(f->n ? f->n : 1, sizeof *used);

    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(names[k]);
        for (size_t j = f->n; j-- > 0;) {
            if (!used[j] && dkim_field_is(&f->v[j], names[k], len)) {
                used[j] = true;
                dkim_canon_header(c, f->v[j].raw, f->v[j].raw_len, out);
                break;
            }
        }
    }
    free(used);
}

/* dkim_canon_sig_field - the DKIM-Signature field as it enters the header hash */
void
dkim_canon_sig_field(enum dkim_canon c, const char *raw, size_t len, struct buf *out)
{
    struct buf field;

    buf_init(&field, 0);
    buf_append(&field, raw, len);
    if (len < 2 || raw[len - 2] != '\r' || raw[len - 1] != '\n')
        buf_append(&field, "\r\n", 2);
    size_t start = out->len;
    dkim_canon_header(c, field.data, field.len, out);
    if (out->len >= start + 2)
        out->len -= 2; /* the CRLF that ends the field */
    out->data[out->len] = '\0';
    buf_release(&field);
}

/* dkim_body_hash_new - a streaming body hasher for one canonicalisation and l= */
struct dkim_body_hash *
dkim_body_hash_new(enum dkim_canon c, uint64_t limit)
{
    struct dkim_body_hash *h = xcalloc(1, sizeof *h);
    h->md = EVP_MD_CTX_new();
    if (h->md == NULL || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
        die_bug("dkim: cannot initialise SHA-256");
    h->canon = c;
    h->limit = limit;
    return h;
}

/* flush_out - hash what is buffered */
static void
flush_out(struct dkim_body_hash *h)
{
    if (h->outlen > 0)
        EVP_DigestUpdate(h->md, h->out, h->outlen);
    h->outlen = 0;
}

/* emit - count canonical bytes; hash those that fall under the l= limit */
static void
emit(struct dkim_body_hash *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t room = h->total < h->limit ? h->limit - h->total : 0;
    size_t take = room < len ? (size_t)room : len;

    h->total += len;
    while (take > 0) {
        size_t n = sizeof h->out - h->outlen;
        if (n > take)
            n = take;
        memcpy(h->out + h->outlen, p, n);
        h->outlen += n;
        p += n;
        take -= n;
        if (h->outlen == sizeof h->out)
            flush_out(h);
    }
}

/* line_end - a CRLF: held back, because empty lines at the end of the body do not count */
static void
line_end(struct dkim_body_hash *h)
{
    h->pending_wsp = false;
    h->pending_crlf++;
}

/* content - a run of bytes that holds no CR, LF (and, for relaxed, no WSP) */
static void
content(struct dkim_body_hash *h, const char *data, size_t len)
{
    for (; h->pending_crlf > 0; h->pending_crlf--)
        emit(h, "\r\n", 2);
    if (h->pending_wsp)
        emit(h, " ", 1);
    h->pending_wsp = false;
    h->content = true;
    emit(h, data, len);
}

/* plain_run - how many bytes from data need no special handling */
static size_t
plain_run(const struct dkim_body_hash *h, const char *data, size_t len)
{
    size_t i = 0;
    if (h->canon == DKIM_CANON_SIMPLE) {
        while (i < len && data[i] != '\r' && data[i] != '\n')
            i++;
    } else {
        while (i < len && data[i] != '\r' && data[i] != '\n' && !is_wsp(data[i]))
            i++;
    }
    return i;
}

/* dkim_body_hash_feed - normalise line ends and canonicalise a piece of the body */
void
dkim_body_hash_feed(struct dkim_body_hash *h, const void *data, size_t len)
{
    const char *p = data;
    size_t i = 0;

    while (i < len) {
        char c = p[i];
        if (h->pending_cr) {
            h->pending_cr = false;
            line_end(h); /* CRLF, or a bare CR that counts as one */
            if (c == '\n') {
                i++;
                continue;
            }
        }
        if (c == '\r') {
            h->pending_cr = true;
            i++;
        } else if (c == '\n') {
            line_end(h);
            i++;
        } else if (is_wsp(c) && h->canon == DKIM_CANON_RELAXED) {
            h->pending_wsp = true;
            i++;
        } else {
            size_t n = plain_run(h, p + i, len - i);
            content(h, p + i, n);
            i += n;
        }
    }
}

/* dkim_body_hash_final - apply the end-of-body rules and finish the hash */
void
dkim_body_hash_final(struct dkim_body_hash *h, uint8_t out[DKIM_HASH_LEN], uint64_t *total)
{
    unsigned int n = 0;

    if (h->pending_cr)
        line_end(h);
    h->pending_cr = false;
    /* simple: an empty body is one CRLF; relaxed: an empty body stays empty. Either way a
     * non-empty body ends with exactly one CRLF. */
    if (h->canon == DKIM_CANON_SIMPLE || h->content)
        emit(h, "\r\n", 2);
    flush_out(h);
    if (EVP_DigestFinal_ex(h->md, out, &n) != 1 || n != DKIM_HASH_LEN)
        die_bug("dkim: SHA-256 final failed");
    if (total != NULL)
        *total = h->total;
}

/* dkim_body_hash_free - release a hasher */
struct dkim_body_hash *
dkim_body_hash_free(struct dkim_body_hash *h)
{
    if (h != NULL) {
        EVP_MD_CTX_free(h->md);
        free(h);
    }
    return NULL;
}
