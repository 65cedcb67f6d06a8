/* fuzz_mime_html - a text part's way to inspection: charset conversion (label picked by the
 * first byte) then HTML to text. The second and third bytes pick a split point: the converted
 * text and the reduced text of the whole feed must equal those of the split feed; converted
 * text is valid UTF-8, and so is the HTML reduction of valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_charset.h"
#include "mime/mime_html.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
    NULL,          "utf-8",      "us-ascii",     "euc-kr",      "ks_c_5601-1987", "cp949",
    "iso-2022-kr", "iso-8859-1", "windows-1252", "shift_jis",   "gb2312",         "big5",
    "koi8-r",      "utf-16",     "utf-7",        "iso-2022-jp", "x-unknown",      "utf-8//IGNORE",
};

static void
pipeline(const char *label, const uint8_t *in, size_t len, size_t cut, struct buf *text,
         struct buf *html)
{
    struct mime_charset *cs = mime_charset_new(label);
    size_t at = 0;
    size_t cuts[2] = {cut, len};
    for (int k = 0; k < 2; k++) {
        if (mime_charset_feed(cs, in + at, cuts[k] - at, text) != 0)
            abort();
        at = cuts[k];
    }
    if (mime_charset_finish(cs, text) != 0)
        abort();
    mime_charset_free(cs);

    /* the converted text, split at the same fraction of its length */
    struct mime_html *h = mime_html_new();
    size_t hc = len ? text->len * cut / len : 0;
    if (mime_html_feed(h, (const uint8_t *)text->data, hc, html) != 0 ||
        mime_html_feed(h, (const uint8_t *)text->data + hc, text->len - hc, html) != 0 ||
        mime_html_finish(h, html) != 0)
        abort();
    mime_html_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const char *label = labels[data[0] % (sizeof labels / sizeof labels[0])];
    const uint8_t *in = data + 3;
    size_t len = size - 3;
    size_t cut = ((size_t)data[1] << 8 | data[2]) % (len + 1);
    struct buf t1, h1, t2, h2;
    buf_init(&t1, 0);
    buf_init(&h1, 0);
    buf_init(&t2, 0);
    buf_init(&h2, 0);
    pipeline(label, in, len, len, &t1, &h1);
    pipeline(label, in, len, cut, &t2, &h2);
    if (t1.len != t2.len || (t1.len && memcmp(t1.data, t2.data, t1.len) != 0))
        abort();
    if (h1.len != h2.len || (h1.len && memcmp(h1.data, h2.data, h1.len) != 0))
        abort();
    if (!utf8_is_valid(t1.data ? t1.data : "", t1.len))
        abort();
    if (!utf8_is_valid(h1.data ? h1.data : "", h1.len))
        abort();
    buf_release(&t1);
    buf_release(&h1);
    buf_release(&t2);
    buf_release(&h2);
    return 0;
}
