/* fuzz_mime_header - mime_headers_parse on any bytes, with limits taken from the first byte:
 * fields stay inside the input and in order, values hold no line feed, limits hold, and each
 * From, Sender and Reply-To value goes through the address parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_address.h"
#include "mime/mime_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_field - invariants of one field */
static void
check_field(const struct mime_header_field *f, size_t size, size_t prev_end,
            const struct mime_header_limits *lim)
{
    if (f->offset < prev_end || f->offset + f->raw_len > size || f->raw_len == 0)
        __builtin_trap();
    if (memchr(f->value, '\n', f->value_len) || memchr(f->name, ':', f->name_len))
        __builtin_trap();
    if (f->name_len + f->value_len > lim->max_field_len)
        __builtin_trap();
    if (f->value[f->value_len] != '\0' || f->name[f->name_len] != '\0')
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_header_limits lim = mime_header_limits_default();
    struct mime_headers *h;
    size_t end = 0;

    if (size > 0 && data[0] < 8) {
        lim.max_fields = data[0];
        lim.max_field_len = (size_t)data[0] * 7;
    }
    h = mime_headers_parse((const char *)data, size, &lim);
    if (mime_headers_count(h) > lim.max_fields || mime_headers_end(h) > size ||
        mime_headers_seen(h) < mime_headers_count(h))
        __builtin_trap();
    for (size_t i = 0; i < mime_headers_count(h); i++) {
        const struct mime_header_field *f = mime_headers_get(h, i);
        check_field(f, size, end, &lim);
        end = f->offset + f->raw_len;
        if (strcasecmp(f->name, "from") == 0 || strcasecmp(f->name, "sender") == 0 ||
            strcasecmp(f->name, "reply-to") == 0)
            mime_address_list_free(mime_address_parse(f->value, f->value_len, NULL));
    }
    if (end > mime_headers_end(h))
        __builtin_trap();
    mime_headers_free(h);
    return 0;
}
