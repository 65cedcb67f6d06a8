/* fuzz_content_extract - any bytes as an attachment, walked with small limits: no crash, no
 * leak, no item past the depth limit, every path under the attachment's name, text always
 * valid UTF-8 without NUL, a hash only for what was read whole; content_magic on the same
 * bytes names a type that has a label and a MIME type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_extract.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.bin"

struct seen {
    unsigned items;
};

static void
on_item(void *ctx, const struct content_item *it)
{
    struct seen *s = ctx;

    s->items++;
    if (it->path == NULL || strncmp(it->path, NAME, strlen(NAME)) != 0)
        abort();
    if (it->depth > 3 || (it->depth == 0) != (s->items == 1))
        abort();
    if (it->have_hash && it->truncated)
        abort();
    if (it->type.label == NULL || it->type.mime == NULL)
        abort();
}

static void
on_text(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len)
{
    if (len == 0 || !utf8_is_valid((const char *)utf8, len) || memchr(utf8, 0, len) != NULL)
        abort();
    if (len > (1u << 20))
        abort(); /* bounded by max_entry_bytes */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct content_limits lim = content_limits_default();
    const struct content_extract_callbacks cb = {on_item, on_text};
    struct seen s = {0};

    struct content_type t = content_magic(data, size);
    if (t.label == NULL || t.mime == NULL || (unsigned)t.kind > CONTENT_RTF)
        abort();
    lim.max_entries = 64;
    lim.max_entry_bytes = 1u << 20;
    lim.max_total_bytes = 4u << 20;
    unsigned anom = content_extract(data, size, NAME, &lim, &cb, &s);
    if (anom >= (1u << 6) || s.items == 0)
        abort();
    return 0;
}
