/* fuzz_utf8 - utf8_sanitize on any bytes must give valid UTF-8 with no NUL, keep valid text
 * as it is, and agree with utf8_is_valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    struct buf out, again;
    bool valid = utf8_is_valid(in, size);

    buf_init(&out, 0);
    utf8_sanitize(in, size, &out);
    if (!utf8_is_valid(out.data, out.len))
        abort(); /* the one promise events rely on */
    if (memchr(out.data, '\0', out.len) != NULL)
        abort();
    /* valid text without NUL passes through untouched */
    if (valid && memchr(in, '\0', size) == NULL &&
        (out.len != size || memcmp(out.data, in, size) != 0))
        abort();
    /* invalid input always changes */
    if (!valid && out.len == size && memcmp(out.data, in, size) == 0)
        abort();
    /* sanitising is idempotent */
    buf_init(&again, 0);
    utf8_sanitize(out.data, out.len, &again);
    if (again.len != out.len || memcmp(again.data, out.data, out.len) != 0)
        abort();
    buf_release(&again);
    buf_release(&out);
    return 0;
}
