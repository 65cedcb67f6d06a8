/* fuzz_dkim_record - the DKIM-Signature tag-list, the DNS key record and base64 on arbitrary
 * text; what parses must hold the parser's promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim_key.h"
#include "auth/dkim_record.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_sig - a parsed signature has its required parts and a consistent i= */
static void
check_sig(const struct dkim_sig *sig)
{
    bool from = false;
    if (sig->bh.len != DKIM_HASH_LEN || sig->b.len == 0 || sig->d == NULL || sig->s == NULL ||
        sig->i == NULL || sig->nh == 0)
        __builtin_trap();
    for (size_t k = 0; k < sig->nh; k++)
        from = from || strcasecmp(sig->h[k], "from") == 0;
    if (!from || !dkim_domain_is_under(strrchr(sig->i, '@') + 1, sig->d))
        __builtin_trap();
    if (sig->has_t && sig->has_x && sig->x < sig->t)
        __builtin_trap();
}

/* check_base64 - what decodes re-encodes to text that decodes to the same bytes */
static void
check_base64(const char *text, size_t len)
{
    struct buf a, enc, b;
    buf_init(&a, 0);
    buf_init(&enc, 0);
    buf_init(&b, 0);
    if (dkim_base64_decode(text, len, &a) == 0) {
        dkim_base64_encode(a.data, a.len, &enc);
        if (dkim_base64_decode(enc.data, enc.len, &b) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0)
            __builtin_trap();
    }
    buf_release(&a);
    buf_release(&enc);
    buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct dkim_sig sig;
    struct dkim_keyrec rec;
    enum dkim_err err;

    if (dkim_sig_parse(text, size, &sig, &err) == 0) {
        if (err != DKIM_OK)
            __builtin_trap();
        check_sig(&sig);
        dkim_sig_release(&sig);
    } else if (err == DKIM_OK) {
        __builtin_trap();
    }
    if (dkim_keyrec_parse(text, size, &rec, &err) == 0) {
        struct dkim_key *key = dkim_key_from_record(&rec, 1024, &err);
        if ((key == NULL) != (err != DKIM_OK))
            __builtin_trap();
        dkim_key_free(key);
        dkim_keyrec_release(&rec);
    } else if (err == DKIM_OK) {
        __builtin_trap();
    }
    (void)dkim_err_str(err);
    if (size < 4096)
        check_base64(text, size);
    return 0;
}
