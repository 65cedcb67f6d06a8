/* fuzz_content_rtf - any bytes as an RTF attachment ("{\rtf1 " put in front when they do not
 * start with "{\rtf"), walked with small limits: no crash, no leak, no hang; one item, typed
 * RTF; text only once, valid UTF-8 without NUL, within max_entry_bytes; known anomaly bits
 * only. Bytes that content_magic still takes for something else (a valid tar header) are
 * skipped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_extract.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER "{\\rtf1 "
#define MAX_TEXT (64u << 10)

struct seen {
    unsigned items, texts;
};

static void
on_item(void *ctx, const struct content_item *it)
{
    struct seen *s = ctx;

    s->items++;
    if (it->depth != 0 || it->type.kind != CONTENT_RTF || strcmp(it->path, "fuzz.rtf") != 0)
        abort();
}

static void
on_text(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len)
{
    struct seen *s = ctx;

    (void)it;
    s->texts++;
    if (len == 0 || len > MAX_TEXT || !utf8_is_valid((const char *)utf8, len) ||
        memchr(utf8, 0, len) != NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct content_limits lim = content_limits_default();
    const struct content_extract_callbacks cb = {on_item, on_text};
    struct seen s = {0};
    size_t hl = strlen(HEADER);
    bool has = size >= 5 && memcmp(data, HEADER, 5) == 0;
    uint8_t *rtf = malloc(size + hl);

    if (rtf == NULL)
        return 0;
    memcpy(rtf, HEADER, hl);
    if (size > 0)
        memcpy(rtf + (has ? 0 : hl), data, size);
    size_t len = size + (has ? 0 : hl);
    /* a header that also passes for a tar header makes it an archive: fuzz_content_extract's */
    if (content_magic(rtf, len).kind == CONTENT_RTF) {
        lim.max_entry_bytes = MAX_TEXT;
        lim.max_total_bytes = 1u << 20;
        unsigned anom = content_extract(rtf, len, "fuzz.rtf", &lim, &cb, &s);
        if (anom >= (1u << 6) || s.items != 1 || s.texts > 1)
            abort();
    }
    free(rtf);
    return 0;
}
