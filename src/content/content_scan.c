/*
 * content_scan - the content engine: MIME stream -> text and attachments -> DLP, infostealer
 * shapes, rules; see content_scan.h.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/content_infostealer.h"
#include "content/content_report.h"
#include "content/content_text.h"
#include "content/content_scan.h"
#include "mime/mime_address.h"
#include "mime/mime_encword.h"
#include "util/buf.h"
#include "util/mem.h"

#define HELD_KEEP (256 * 1024) /* attachment buffer kept between messages */
#define SNIFF_BYTES 4096       /* what content_magic looks at */

/*
 * What an attachment costs in memory: only archives and documents must be held whole (they
 * are opened with random access); plain UTF-8 text is inspected as it streams and other
 * binaries (images, executables) are only hashed. The first SNIFF_BYTES decide.
 */
enum hold_mode {
    HOLD_UNDECIDED, /* fewer than SNIFF_BYTES seen: held */
    HOLD_ALL,       /* an archive, document or PDF: held up to max_attachment_bytes */
    HOLD_STREAM,    /* text or HTML: converted as it streams (content_text), to the detectors */
    HOLD_NONE,      /* other binary: hashed, counted, not kept */
};

struct content_engine {
    struct content_options opt;
    struct content_rule *rules;
    size_t nrules;
    struct dlp_engine *dlp;
};

struct content_scan {
    const struct content_engine *e;
    struct mime_stream *mime;
    struct dlp_stream *dlp;
    struct content_report_builder *rb;
    struct content_infostealer is;
    char part[64];       /* where DLP findings are, for the text being fed */
    struct buf location; /* "body", "subject", or an attachment path */
    bool dlp_open;       /* text was fed since the last dlp_stream_end */
    /* the attachment being received */
    bool in_attachment;
    size_t attachment; /* index in the report */
    EVP_MD_CTX *sha;
    struct buf held;          /* its first max_attachment_bytes */
    struct content_text *txt; /* a text attachment's charset and HTML, converted */
    struct buf tout;          /* what txt gave for the bytes at hand */
    bool held_truncated;
    enum hold_mode mode;      /* what is kept of the attachment, decided from its first bytes */
    struct content_type type; /* its type, once decided */
    uint64_t size;
    bool ended;
    uint64_t bytes;
};

struct content_options
content_options_default(void)
{
    struct content_options o;

    memset(&o, 0, sizeof o);
    o.mime = mime_stream_limits_default();
    o.extract = content_limits_default();
    o.max_attachment_bytes = 32ull << 20;
    o.infostealer = true;
    return o;
}

/* known_detector - a rule may name it: "*", a built-in id or category, "custom", a custom
 * id, an infostealer shape, "attachment.encrypted", or a prefix before a dot of those ids */
static bool
known_detector(const struct content_options *o, const char *name)
{
    static const char *const own[] = {"*",
                                      "custom",
                                      "infostealer",
                                      "attachment",
                                      "attachment.encrypted",
                                      "infostealer.subject",
                                      "infostealer.banner",
                                      "infostealer.attachment_name",
                                      "infostealer.self_addressed",
                                      "infostealer.shape"};
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(own[i], name) == 0)
            return true;
    for (size_t i = 0; i < dlp_builtin_count(); i++) {
        const struct dlp_detector_info *d = dlp_builtin(i);
        if (strcmp(d->id, name) == 0 || strcmp(d->category, name) == 0 ||
            (strncmp(d->id, name, n) == 0 && d->id[n] == '.'))
            return true;
    }
    for (size_t i = 0; i < o->dlp.ncustom; i++)
        if (strncmp(name, "custom.", 7) == 0 && strcmp(name + 7, o->dlp.custom[i].id) == 0)
            return true;
    return false;
}

struct content_engine *
content_engine_new(const struct content_options *opt, char *err, size_t errlen)
{
    struct content_engine *e;

    for (size_t i = 0; i < opt->nrules; i++)
        if (!known_detector(opt, opt->rules[i].detector)) {
            snprintf(err, errlen,
                     "rule %zu names detector '%s', which does not exist (see `smtpwarden scan "
                     "--list-detectors`; custom detectors are custom.ID)",
                     i + 1, opt->rules[i].detector);
            return NULL;
        }
    e = xcalloc(1, sizeof *e);
    e->opt = *opt;
    e->dlp = dlp_engine_new(&opt->dlp, err, errlen);
    if (e->dlp == NULL) {
        free(e);
        return NULL;
    }
    e->nrules = opt->nrules;
    e->rules = xcalloc(e->nrules ? e->nrules : 1, sizeof *e->rules);
    for (size_t i = 0; i < e->nrules; i++) {
        e->rules[i] = opt->rules[i];
        e->rules[i].detector = xstrdup(opt->rules[i].detector);
    }
    e->opt.rules = e->rules;
    e->opt.dlp.custom = NULL; /* the DLP engine keeps its own copies */
    e->opt.dlp.ncustom = 0;
    e->opt.dlp.disabled = NULL;
    e->opt.dlp.ndisabled = 0;
    return e;
}

struct content_engine *
content_engine_free(struct content_engine *e)
{
    if (e == NULL)
        return NULL;
    for (size_t i = 0; i < e->nrules; i++)
        free((char *)e->rules[i].detector);
    free(e->rules);
    dlp_engine_free(e->dlp);
    free(e);
    return NULL;
}

/* description_of - a built-in detector's description, "" for others */
static const char *
description_of(const char *id)
{
    for (size_t i = 0; i < dlp_builtin_count(); i++)
        if (strcmp(dlp_builtin(i)->id, id) == 0)
            return dlp_builtin(i)->description;
    return "";
}

/* on_finding - a DLP value, counted where the text being fed came from */
static void
on_finding(void *ctx, const struct dlp_finding *f)
{
    struct content_scan *s = ctx;
    struct content_value v = {.detector = f->detector,
                              .category = f->category,
                              .description = description_of(f->detector),
                              .confidence = f->confidence,
                              .offset = f->offset,
                              .redacted = f->redacted,
                              .context = f->context};

    content_report_add_value(s->rb, s->part, s->location.data, &v);
}

/* held_clear - empty the attachment buffer; a large one is given back, so a session or flow
 * that once carried a big attachment does not keep its memory while idle */
static void
held_clear(struct content_scan *s)
{
    if (s->held.cap > HELD_KEEP) {
        buf_release(&s->held);
        buf_init(&s->held, 0);
    }
    buf_reset(&s->held);
}

/* text_end - close the DLP stream of the text being fed */
static void
text_end(struct content_scan *s)
{
    if (s->dlp_open)
        dlp_stream_end(s->dlp);
    s->dlp_open = false;
}

/* text_at - the next text comes from (part, location); a new place ends the last text */
static void
text_at(struct content_scan *s, const char *part, const char *location)
{
    if (s->dlp_open && strcmp(s->part, part) == 0 && strcmp(s->location.data, location) == 0)
        return;
    text_end(s);
    snprintf(s->part, sizeof s->part, "%s", part);
    buf_set(&s->location, location, strlen(location));
}

/* text_feed - inspect text at the current place */
static void
text_feed(struct content_scan *s, const uint8_t *text, size_t len)
{
    s->dlp_open = true;
    dlp_stream_feed(s->dlp, text, len);
    if (s->e->opt.infostealer)
        content_infostealer_text(&s->is, s->part, text, len);
}

/* header_text - a header value decoded for display: encoded words, clean UTF-8, trimmed */
static void
header_text(const char *value, size_t len, struct buf *out)
{
    struct mime_encword_result res;

    while (len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    buf_reset(out);
    mime_encword_decode(value, len, out, &res);
}

/* addresses_lc - the addresses of an address header, lower case, joined by ", " */
static void
addresses_lc(const char *value, size_t len, bool first_only, struct buf *out)
{
    struct mime_address_list *l = mime_address_parse(value, len, NULL);

    buf_reset(out);
    for (size_t i = 0; i < mime_address_list_count(l); i++) {
        const struct mime_address *a = mime_address_list_get(l, i);
        if (a->addr_lc == NULL || a->addr_lc[0] == '\0')
            continue;
        if (out->len > 0)
            buf_append_str(out, ", ");
        buf_append_str(out, a->addr_lc);
        if (first_only)
            break;
    }
    mime_address_list_free(l);
}

/* on_header - the top entity's Subject, From, To and Message-ID */
static void
on_header(void *ctx, const struct mime_part_info *p, const char *name, size_t nlen,
          const char *value, size_t vlen)
{
    struct content_scan *s = ctx;
    struct content_report *r = content_report_get(s->rb);
    struct buf v;

    if (p->depth != 0)
        return;
    buf_init(&v, 64 * 1024);
    if (nlen == 7 && strncasecmp(name, "subject", 7) == 0 && r->subject[0] == '\0') {
        header_text(value, vlen, &v);
        content_report_set(&r->subject, v.data != NULL ? v.data : "");
    } else if (nlen == 4 && strncasecmp(name, "from", 4) == 0 && r->from[0] == '\0') {
        addresses_lc(value, vlen, true, &v);
        content_report_set(&r->from, v.data != NULL ? v.data : "");
    } else if (nlen == 2 && strncasecmp(name, "to", 2) == 0 && r->to[0] == '\0') {
        addresses_lc(value, vlen, false, &v);
        content_report_set(&r->to, v.data != NULL ? v.data : "");
    } else if (nlen == 10 && strncasecmp(name, "message-id", 10) == 0 && r->message_id[0] == '\0') {
        header_text(value, vlen, &v);
        content_report_set(&r->message_id, v.data != NULL ? v.data : "");
    }
    buf_release(&v);
}

/* on_part_start - count the part; the subject is inspected once the top header is read; an
 * attachment starts its hash and its held copy */
static void
on_part_start(void *ctx, const struct mime_part_info *p)
{
    struct content_scan *s = ctx;
    struct content_report *r = content_report_get(s->rb);

    r->parts++;
    if (p->depth == 0 && r->subject[0] != '\0') {
        text_at(s, "0", "subject");
        text_feed(s, (const uint8_t *)r->subject, strlen(r->subject));
        text_end(s);
    }
    if (p->is_text)
        text_at(s, p->path, "body");
    if (!p->is_attachment || p->is_multipart || p->is_message)
        return;
    struct content_attachment *a = content_report_add_attachment(s->rb);
    content_report_set(&a->part, p->path);
    content_report_set(&a->name, p->filename != NULL ? p->filename : "");
    content_report_set(&a->path, p->filename != NULL ? p->filename : p->path);
    char type[256];
    snprintf(type, sizeof type, "%s/%s", p->type, p->subtype);
    content_report_set(&a->declared_type, type);
    s->attachment = r->nattachments - 1;
    s->in_attachment = true;
    s->mode = HOLD_UNDECIDED;
    s->size = 0;
    s->held_truncated = false;
    buf_reset(&s->held);
    EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL);
}

/* is_container - a type that is opened whole (archives, documents, PDF) */
static bool
is_container(const struct content_type *t)
{
    switch (t->kind) {
    case CONTENT_TEXT:
    case CONTENT_HTML:
    case CONTENT_PNG:
    case CONTENT_JPEG:
    case CONTENT_GIF:
    case CONTENT_PE:
    case CONTENT_ELF:
        return false;
    case CONTENT_UNKNOWN:
        return t->encrypted; /* an unknown binary is hashed; content_extract has no use for it */
    default:
        return true;
    }
}

/* is_text_kind - an attachment read as text: text or HTML by its bytes, or a text/ part
 * declared UTF-16 (without a byte order mark its bytes look binary) */
static bool
is_text_kind(const struct content_type *t, const struct mime_part_info *p)
{
    if (t->kind == CONTENT_TEXT || t->kind == CONTENT_HTML)
        return true;
    return t->kind == CONTENT_UNKNOWN && strcmp(p->type, "text") == 0 && p->charset != NULL &&
           (strcmp(p->charset, "utf-16le") == 0 || strcmp(p->charset, "utf-16be") == 0 ||
            strcmp(p->charset, "utf-16") == 0);
}

/* text_begin - a text attachment starts: its charset and HTML decided from the held bytes */
static void
text_begin(struct content_scan *s, const struct mime_part_info *p, const char *location)
{
    bool html = s->type.kind == CONTENT_HTML || p->is_html;

    content_text_begin(s->txt, (const uint8_t *)s->held.data, s->held.len, p->charset, html);
    text_at(s, p->path, location);
}

/* text_convert - bytes of a text attachment, converted, to the detectors */
static void
text_convert(struct content_scan *s, const uint8_t *data, size_t len)
{
    buf_reset(&s->tout);
    content_text_feed(s->txt, data, len, &s->tout);
    if (s->tout.len > 0)
        text_feed(s, (const uint8_t *)s->tout.data, s->tout.len);
}

/* text_finish - the end of a text attachment */
static void
text_finish(struct content_scan *s)
{
    buf_reset(&s->tout);
    content_text_finish(s->txt, &s->tout);
    if (s->tout.len > 0)
        text_feed(s, (const uint8_t *)s->tout.data, s->tout.len);
    text_end(s);
    if (s->tout.cap > HELD_KEEP) {
        buf_release(&s->tout);
        buf_init(&s->tout, 0);
    }
}

/* hold_decide - the first bytes of an attachment say what to keep of it */
static void
hold_decide(struct content_scan *s, const struct mime_part_info *p)
{
    struct content_report *r = content_report_get(s->rb);

    s->type = content_magic((const uint8_t *)s->held.data, s->held.len);
    if (is_container(&s->type)) {
        s->mode = HOLD_ALL;
    } else if (is_text_kind(&s->type, p)) {
        s->mode = HOLD_STREAM;
        text_begin(s, p, r->attachments[s->attachment].path);
        text_convert(s, (const uint8_t *)s->held.data, s->held.len);
        buf_reset(&s->held);
    } else {
        s->mode = HOLD_NONE;
        buf_reset(&s->held);
    }
}

/* on_body - an attachment's decoded bytes: hashed all; held, streamed or dropped as
 * hold_decide said */
static void
on_body(void *ctx, const struct mime_part_info *p, const uint8_t *data, size_t len)
{
    struct content_scan *s = ctx;
    uint64_t room = s->e->opt.max_attachment_bytes - s->held.len;

    if (!s->in_attachment)
        return;
    s->size += len;
    EVP_DigestUpdate(s->sha, data, len);
    if (s->mode == HOLD_STREAM) {
        text_convert(s, data, len);
        return;
    }
    if (s->mode == HOLD_NONE)
        return;
    if (len > room) {
        s->held_truncated = true;
        len = (size_t)room;
    }
    if (len > 0)
        buf_append(&s->held, data, len);
    if (s->mode == HOLD_UNDECIDED && s->held.len >= SNIFF_BYTES)
        hold_decide(s, p);
}

/* on_text - a text part's UTF-8 text */
static void
on_text(void *ctx, const struct mime_part_info *p, const uint8_t *utf8, size_t len)
{
    struct content_scan *s = ctx;

    text_at(s, p->path, p->is_attachment ? (p->filename ? p->filename : p->path) : "body");
    text_feed(s, utf8, len);
}

/* hex - bytes as lower-case hex into out (2n + 1 bytes) */
static void
hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* encrypted_value - an encrypted attachment or entry: a classic exfiltration wrapper */
static void
encrypted_value(struct content_scan *s, const char *part, const char *path)
{
    struct content_value v = {.detector = "attachment.encrypted",
                              .category = "attachment",
                              .description = "encrypted archive or document",
                              .confidence = 70,
                              .redacted = path};

    content_report_add_value(s->rb, part, path, &v);
}

/* type_mismatch - the declared type hides what the bytes are (an executable, an archive or
 * an encrypted document sent as text or an image) */
static bool
type_mismatch(const char *declared, const struct content_type *t)
{
    bool hidden = t->kind == CONTENT_PE || t->kind == CONTENT_ELF || t->archive || t->encrypted;

    if (!hidden || strcmp(declared, "application/octet-stream") == 0)
        return false;
    return strncmp(declared, "text/", 5) == 0 || strncmp(declared, "image/", 6) == 0 ||
           strncmp(declared, "audio/", 6) == 0 || strncmp(declared, "video/", 6) == 0;
}

struct extract_ctx {
    struct content_scan *s;
    const char *part;
};

/* on_item - a file inside an attachment */
static void
on_item(void *ctx, const struct content_item *it)
{
    struct extract_ctx *x = ctx;
    struct content_attachment *a;

    if (it->depth == 0)
        return;
    a = content_report_add_attachment(x->s->rb);
    content_report_set(&a->part, x->part);
    const char *slash = strrchr(it->path, '/');
    content_report_set(&a->name, slash != NULL ? slash + 1 : it->path);
    content_report_set(&a->path, it->path);
    content_report_set(&a->detected_type, it->type.mime);
    content_report_set(&a->kind, it->type.label);
    a->depth = it->depth;
    a->size = it->size;
    a->encrypted = it->encrypted || it->type.encrypted;
    a->truncated = it->truncated;
    if (it->have_hash)
        hex(it->sha256, 32, a->sha256);
    if (a->encrypted)
        encrypted_value(x->s, x->part, it->path);
}

/* on_extracted_text - text found inside an attachment */
static void
on_extracted_text(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len)
{
    struct extract_ctx *x = ctx;

    text_at(x->s, x->part, it->path);
    text_feed(x->s, utf8, len);
}

/* anomaly_names - content_extract's bits as report anomalies */
static void
anomaly_names(struct content_scan *s, unsigned bits)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{CONTENT_ANOM_CORRUPT, "archive_corrupt"},
                 {CONTENT_ANOM_DEPTH, "archive_depth"},
                 {CONTENT_ANOM_ENTRIES, "archive_entries"},
                 {CONTENT_ANOM_SIZE, "archive_size"},
                 {CONTENT_ANOM_RATIO, "archive_ratio"}};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bits & names[i].bit)
            content_report_add_anomaly(s->rb, names[i].name);
}

/* attachment_end - hash, type, and what is inside */
static void
attachment_end(struct content_scan *s, const struct mime_part_info *p)
{
    struct content_report *r = content_report_get(s->rb);
    struct content_attachment *a = &r->attachments[s->attachment];
    uint8_t md[32];
    unsigned mdlen = 0;
    bool held = s->mode == HOLD_UNDECIDED || s->mode == HOLD_ALL;
    struct content_type t =
        held ? content_magic((const uint8_t *)s->held.data, s->held.len) : s->type;

    EVP_DigestFinal_ex(s->sha, md, &mdlen);
    hex(md, 32, a->sha256);
    a->size = s->size;
    a->truncated = s->held_truncated;
    content_report_set(&a->detected_type, t.mime);
    content_report_set(&a->kind, t.label);
    a->encrypted = t.encrypted;
    a->type_mismatch = type_mismatch(a->declared_type, &t);
    if (a->type_mismatch)
        content_report_add_anomaly(s->rb, "attachment_type_mismatch");
    if (a->encrypted)
        encrypted_value(s, p->path, a->path);
    s->in_attachment = false;
    if (held && is_text_kind(&t, p)) { /* text shorter than the sniffed bytes: convert it now */
        s->type = t;
        text_begin(s, p, a->path);
        text_convert(s, (const uint8_t *)s->held.data, s->held.len);
        s->mode = HOLD_STREAM;
        held = false;
    }
    if (!held) { /* streamed text or a plain binary: nothing inside to open */
        if (s->mode == HOLD_STREAM)
            text_finish(s);
        text_end(s);
        held_clear(s);
        return;
    }

    char *part = xstrdup(p->path);
    struct extract_ctx x = {.s = s, .part = part};
    struct content_extract_callbacks cb = {.item = on_item, .text = on_extracted_text};
    unsigned bits = content_extract((const uint8_t *)s->held.data, s->held.len, a->path,
                                    &s->e->opt.extract, &cb, &x);
    /* a is stale now: on_item may have grown the array */
    text_end(s);
    anomaly_names(s, bits);
    if (s->held_truncated)
        content_report_add_anomaly(s->rb, "attachment_truncated");
    free(part);
    held_clear(s);
}

/* on_part_end - close the text or the attachment */
static void
on_part_end(void *ctx, const struct mime_part_info *p, const struct mime_part_stats *st)
{
    struct content_scan *s = ctx;

    if (s->in_attachment)
        attachment_end(s, p);
    else if (p->is_text)
        text_end(s);
    if (st->truncated)
        content_report_add_anomaly(s->rb, "part_truncated");
}

/* on_anomaly - the MIME parser's complaints, by stable name */
static void
on_anomaly(void *ctx, const struct mime_part_info *p, enum mime_anomaly a, const char *detail)
{
    struct content_scan *s = ctx;

    content_report_add_anomaly(s->rb, mime_anomaly_name(a));
}

struct content_scan *
content_scan_new(const struct content_engine *e)
{
    struct content_scan *s = xcalloc(1, sizeof *s);
    struct mime_stream_callbacks cb = {.header = on_header,
                                       .part_start = on_part_start,
                                       .body = on_body,
                                       .text = on_text,
                                       .part_end = on_part_end,
                                       .anomaly = on_anomaly};

    s->e = e;
    s->mime = mime_stream_new(&e->opt.mime, &cb, s);
    s->dlp = dlp_stream_new(e->dlp, on_finding, s);
    s->rb = content_report_builder_new();
    s->sha = EVP_MD_CTX_new();
    buf_init(&s->location, 0);
    buf_init(&s->held, 0);
    s->txt = content_text_new();
    buf_init(&s->tout, 0);
    content_scan_reset(s);
    return s;
}

void
content_scan_reset(struct content_scan *s)
{
    mime_stream_reset(s->mime);
    if (s->dlp_open)
        dlp_stream_end(s->dlp);
    s->dlp_open = false;
    content_report_builder_reset(s->rb);
    content_infostealer_reset(&s->is);
    buf_set(&s->location, "body", 4);
    snprintf(s->part, sizeof s->part, "0");
    s->in_attachment = false;
    held_clear(s);
    s->held_truncated = false;
    s->size = 0;
    s->ended = false;
    s->bytes = 0;
}

void
content_scan_feed(struct content_scan *s, const void *data, size_t len)
{
    if (s->ended)
        return;
    s->bytes += len;
    mime_stream_feed(s->mime, data, len);
}

const struct content_report *
content_scan_end(struct content_scan *s)
{
    struct content_report *r = content_report_get(s->rb);

    if (!s->ended) {
        mime_stream_end(s->mime);
        text_end(s);
        if (s->e->opt.infostealer)
            content_infostealer_finish(&s->is, s->rb);
        r->bytes = s->bytes;
        content_rules_decide(s->rb, s->e->rules, s->e->nrules);
        s->ended = true;
    }
    return r;
}

struct content_scan *
content_scan_free(struct content_scan *s)
{
    if (s == NULL)
        return NULL;
    mime_stream_free(s->mime);
    dlp_stream_free(s->dlp);
    content_report_builder_free(s->rb);
    EVP_MD_CTX_free(s->sha);
    buf_release(&s->location);
    buf_release(&s->held);
    content_text_free(s->txt);
    buf_release(&s->tout);
    free(s);
    return NULL;
}
