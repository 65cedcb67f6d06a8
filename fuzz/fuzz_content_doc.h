/* fuzz_content_doc - the body shared by the single-format document harnesses
 * (fuzz_content_pdf, fuzz_content_rtf): any bytes as one attachment of that format (its header
 * put in front when they do not start with it), walked by content_extract with small limits:
 * no crash, no leak, no hang; one item, of that kind and name; text at most once, valid UTF-8
 * without NUL, within max_text; known anomaly bits only; an encrypted file gives no text.
 * Bytes that content_magic still takes for something else (a valid tar header) are skipped:
 * they are fuzz_content_extract's. */
#ifndef SW_FUZZ_CONTENT_DOC_H
#define SW_FUZZ_CONTENT_DOC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_extract.h"
#include "util/utf8.h"

struct fuzz_doc {
    const char *header; /* put in front unless the input starts with its first `match` bytes */
    size_t match;
    enum content_kind kind;
    const char *name;
    size_t max_text;
    uint64_t max_total;
};

struct fuzz_doc_seen {
    const struct fuzz_doc *doc;
    unsigned items, texts;
};

static void
fuzz_doc_item(void *ctx, const struct content_item *it)
{
    struct fuzz_doc_seen *s = ctx;

    s->items++;
    if (it->depth != 0 || it->type.kind != s->doc->kind || strcmp(it->path, s->doc->name) != 0)
        abort();
}

static void
fuzz_doc_text(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len)
{
    struct fuzz_doc_seen *s = ctx;

    s->texts++;
    if (len == 0 || len > s->doc->max_text || !utf8_is_valid((const char *)utf8, len) ||
        memchr(utf8, 0, len) != NULL)
        abort();
    if (it->encrypted)
        abort(); /* an encrypted document is not read */
}

static int
fuzz_doc_run(const struct fuzz_doc *doc, const uint8_t *data, size_t size)
{
    struct content_limits lim = content_limits_default();
    const struct content_extract_callbacks cb = {fuzz_doc_item, fuzz_doc_text};
    struct fuzz_doc_seen s = {doc, 0, 0};
    size_t hl = strlen(doc->header);
    bool has = size >= doc->match && memcmp(data, doc->header, doc->match) == 0;
    uint8_t *buf = malloc(size + hl);

    if (buf == NULL)
        return 0;
    memcpy(buf, doc->header, hl);
    if (size > 0)
        memcpy(buf + (has ? 0 : hl), data, size);
    size_t len = size + (has ? 0 : hl);
    if (content_magic(buf, len).kind == doc->kind) {
        lim.max_entry_bytes = doc->max_text;
        lim.max_total_bytes = doc->max_total;
        unsigned anom = content_extract(buf, len, doc->name, &lim, &cb, &s);
        if (anom >= (1u << 6) || s.items != 1 || s.texts > 1)
            abort();
    }
    free(buf);
    return 0;
}

#endif
