/* content_extract - one attachment's walk: its own item, its text, and what is inside it. */
#include <string.h>

#include <openssl/evp.h>

#include "content/content_extract_impl.h"
#include "content/content_text.h"
#include "util/utf8.h"

#define SNIFF 4096 /* the bytes content_magic looks at, and the charset is decided on */

/* emit_valid - hand text on as valid UTF-8 without NUL: document text is taken from the XML
 * as it stands */
static void
emit_valid(struct cx_walk *w, const struct content_item *it, const struct buf *text)
{
    struct buf clean;

    if (utf8_is_valid(text->data, text->len) && memchr(text->data, 0, text->len) == NULL) {
        w->cb->text(w->ctx, it, (const uint8_t *)text->data, text->len);
        return;
    }
    buf_init(&clean, 0);
    utf8_sanitize(text->data, text->len, &clean);
    w->cb->text(w->ctx, it, (const uint8_t *)clean.data, clean.len);
    buf_release(&clean);
}

/* is_document - a kind whose text is read by its own reader, from the whole file only (a zip
 * cut short cannot be opened; a PDF or RTF entry cut by a limit is not read) */
static bool
is_document(enum content_kind k)
{
    switch (k) {
    case CONTENT_DOCX:
    case CONTENT_XLSX:
    case CONTENT_PPTX:
    case CONTENT_ODT:
    case CONTENT_ODS:
    case CONTENT_ODP:
    case CONTENT_PDF:
    case CONTENT_RTF:
        return true;
    default:
        return false;
    }
}

/* emit_text - the text of a text file or a document, bounded by max_entry_bytes */
static void
emit_text(struct cx_walk *w, const struct content_item *it, const uint8_t *data, size_t len,
          bool whole)
{
    enum content_kind k = it->type.kind;
    size_t max =
        w->lim.max_entry_bytes > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)w->lim.max_entry_bytes;
    struct buf out;

    if (k != CONTENT_TEXT && k != CONTENT_HTML && !is_document(k))
        return;
    if (is_document(k) && !whole)
        return;
    buf_init(&out, max == 0 ? 1 : max);
    if (k == CONTENT_TEXT || k == CONTENT_HTML) {
        struct content_text *t = content_text_new();
        content_text_begin(t, data, len < SNIFF ? len : SNIFF, NULL, k == CONTENT_HTML);
        if (content_text_feed(t, data, len, &out) < 0 || content_text_finish(t, &out) < 0)
            w->anom |= CONTENT_ANOM_SIZE;
        content_text_free(t);
    } else if (k == CONTENT_PDF) {
        w->anom |= cx_pdf_text(w, it, data, len, &out);
    } else if (k == CONTENT_RTF) {
        w->anom |= cx_rtf_text(data, len, &out);
    } else if (k == CONTENT_ODT || k == CONTENT_ODS || k == CONTENT_ODP) {
        w->anom |= cx_odf_text(w, it, data, len, &out);
    } else {
        w->anom |= cx_ooxml_text(w, it, data, len, &out);
    }
    if (out.len > 0 && w->cb->text != NULL)
        emit_valid(w, it, &out);
    buf_release(&out);
}

/* cx_analyse - item, text, then the inside of an archive within max_depth */
void
cx_analyse(struct cx_walk *w, struct content_item *it, const uint8_t *data, size_t len, bool whole)
{
    unsigned max_depth = w->lim.max_depth < CX_DEPTH_CAP ? w->lim.max_depth : CX_DEPTH_CAP;

    if (it->type.encrypted)
        it->encrypted = true;
    if (it->encrypted)
        w->anom |= CONTENT_ANOM_ENCRYPTED;
    if (w->cb->item != NULL)
        w->cb->item(w->ctx, it);
    if (data == NULL)
        return;
    emit_text(w, it, data, len, whole);
    if (!it->type.archive || !whole)
        return;
    if (it->depth >= max_depth) {
        w->anom |= CONTENT_ANOM_DEPTH;
        return;
    }
    cx_archive_walk(w, data, len, it->path, it->depth, it->type.kind);
}

/* content_extract - the attachment as the item at depth 0, then the walk */
unsigned
content_extract(const uint8_t *data, size_t len, const char *name, const struct content_limits *lim,
                const struct content_extract_callbacks *cb, void *ctx)
{
    static const struct content_extract_callbacks none = {NULL, NULL};
    struct cx_walk w = {
        .lim = lim != NULL ? *lim : content_limits_default(),
        .cb = cb != NULL ? cb : &none,
        .ctx = ctx,
    };
    struct content_item it = {.path = name != NULL ? name : "attachment"};
    unsigned mdlen = 0;

    if (data == NULL)
        len = 0;
    it.type = content_magic(data, len);
    it.size = len;
    it.have_hash = EVP_Digest(len > 0 ? data : (const uint8_t *)"", len, it.sha256, &mdlen,
                              EVP_sha256(), NULL) == 1;
    cx_analyse(&w, &it, data != NULL ? data : (const uint8_t *)"", len, true);
    return w.anom;
}
