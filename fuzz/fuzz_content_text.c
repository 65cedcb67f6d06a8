/* fuzz_content_text - a text attachment's reading (content_text): the first byte picks the
 * declared charset and whether it is HTML, the second and third the cuts (and a bounded output
 * when the third is odd). The text of the input fed whole must equal that of the input fed in
 * three pieces, be valid UTF-8 when unbounded, and a bounded output never passes its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_text.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
    NULL,       "utf-8",      "us-ascii",  "euc-kr", "utf-16", "utf-16le",
    "utf-16be", "iso-8859-1", "shift_jis", "x-none", "koi8-r", "iso-2022-kr",
};

/* run - feed in at most three pieces (cuts a <= b), into out */
static int
run(const uint8_t *in, size_t len, const char *label, bool html, size_t a, size_t b,
    struct buf *out)
{
    struct content_text *t = content_text_new();
    int r = 0;

    content_text_begin(t, in, len < 4096 ? len : 4096, label, html);
    r |= content_text_feed(t, in, a, out);
    if (r == 0)
        r |= content_text_feed(t, in + a, b - a, out);
    if (r == 0)
        r |= content_text_feed(t, in + b, len - b, out);
    if (r == 0)
        r |= content_text_finish(t, out);
    content_text_free(t);
    return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const char *label = labels[data[0] % (sizeof labels / sizeof labels[0])];
    bool html = data[0] & 0x80;
    size_t len = size - 3, a = len * data[1] / 256, b = a + (len - a) * data[2] / 256;
    size_t max = (data[2] & 1) ? 1 + data[1] : 0;
    const uint8_t *in = data + 3;
    struct buf whole, split;

    buf_init(&whole, max);
    buf_init(&split, max);
    int rw = run(in, len, label, html, 0, 0, &whole);
    int rs = run(in, len, label, html, a, b, &split);
    if (max == 0) {
        if (rw != 0 || rs != 0 || whole.len != split.len ||
            memcmp(whole.data, split.data, whole.len) != 0)
            abort();
        if (!utf8_is_valid(whole.data, whole.len))
            abort();
    } else if (whole.len > max || split.len > max) {
        abort();
    }
    buf_release(&whole);
    buf_release(&split);
    return 0;
}
