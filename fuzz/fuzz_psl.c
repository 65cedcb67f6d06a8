/* fuzz_psl - Public Suffix List rules and organisational-domain lookups on arbitrary input:
 * the first line is the name to look up, the rest are rules. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/psl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t nlen = nl != NULL ? (size_t)(nl - text) : size;
    char name[300], out[300];

    if (nlen >= sizeof name)
        return 0;
    memcpy(name, text, nlen);
    name[nlen] = '\0';
    struct psl *p = nl != NULL ? psl_from_text(nl + 1, size - nlen - 1) : psl_from_text("", 0);
    if (psl_org_domain(p, name, out, sizeof out) == 0) {
        /* the organisational domain is a suffix of the (lower-cased) name */
        size_t lo = strlen(out), ln = strlen(name);
        if (ln > 0 && name[ln - 1] == '.')
            ln--;
        if (lo > ln)
            abort();
    }
    psl_free(p);
    return 0;
}
