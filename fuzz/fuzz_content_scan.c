/* fuzz_content_scan - the whole content engine (MIME, attachments, DLP, infostealer shapes,
 * rules) on one message fed in fuzzer-chosen splits, with small limits; the report must be
 * the same as for the whole message fed at once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_scan.h"

static struct content_engine *engine;

/* summary - what must not depend on the splits: verdict and finding counts */
static void
summary(const struct content_report *r, unsigned *out, size_t n)
{
    memset(out, 0, n * sizeof *out);
    out[0] = r->action;
    out[1] = (unsigned)r->nattachments;
    out[2] = r->parts;
    for (size_t i = 0; i < r->nfindings && i + 3 < n; i++)
        out[i + 3] = r->findings[i].count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned whole[32], split[32];
    char err[256];

    if (engine == NULL) {
        struct content_options o = content_options_default();
        o.mime.max_depth = 6;
        o.mime.max_parts = 64;
        o.mime.max_header_bytes = 8192;
        o.mime.max_part_bytes = 1 << 20;
        o.mime.max_total_bytes = 4 << 20;
        o.max_attachment_bytes = 1 << 20;
        o.extract.max_depth = 2;
        o.extract.max_entries = 64;
        o.extract.max_entry_bytes = 1 << 20;
        o.extract.max_total_bytes = 4 << 20;
        engine = content_engine_new(&o, err, sizeof err);
        if (engine == NULL)
            abort();
    }
    if (size < 2)
        return 0;
    size_t step = 1 + data[0] % 97; /* the split size comes from the input */
    data++;
    size--;

    struct content_scan *s = content_scan_new(engine);
    content_scan_feed(s, data, size);
    summary(content_scan_end(s), whole, 32);
    content_scan_reset(s);
    for (size_t off = 0; off < size; off += step)
        content_scan_feed(s, data + off, size - off < step ? size - off : step);
    summary(content_scan_end(s), split, 32);
    if (memcmp(whole, split, sizeof whole) != 0)
        abort();
    content_scan_free(s);
    return 0;
}
