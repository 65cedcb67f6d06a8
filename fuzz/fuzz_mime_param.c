/* fuzz_mime_param - mime_param_parse on any bytes: never NULL; type, subtype and names are
 * lowercase; every value but the boundary is valid UTF-8 without control characters; the
 * limits hold; mime_param_get finds each parameter (names are unique). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_param.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *s, bool lower)
{
    size_t n = strlen(s);
    if (!utf8_is_valid(s, n))
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        if (lower && c >= 'A' && c <= 'Z')
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_params *p = mime_param_parse((const char *)data, size);
    if (!p || !p->type || !p->subtype)
        abort();
    check_clean(p->type, true);
    check_clean(p->subtype, true);
    if (!p->type[0] && !(p->flags & MIME_PARAM_BAD_TYPE))
        abort();
    if (p->nparams > 64 || (p->nparams && !p->params))
        abort();
    for (size_t i = 0; i < p->nparams; i++) {
        const struct mime_param *m = &p->params[i];
        if (!m->name[0])
            abort();
        check_clean(m->name, true);
        if (strlen(m->value) > 8192)
            abort();
        if (strcmp(m->name, "boundary") != 0)
            check_clean(m->value, false);
        if (mime_param_get(p, m->name) != m->value)
            abort();
    }
    mime_param_free(p);
    return 0;
}
