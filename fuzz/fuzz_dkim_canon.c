/* fuzz_dkim_canon - DKIM canonicalisation and verification on arbitrary messages: any split of
 * the body gives the same hash, relaxed header canonicalisation is idempotent, and the whole
 * verifier runs without a fault. The first byte picks the split size and the canonicalisation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_verify.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hash_split - the body hash with the body fed `step` bytes at a time */
static void
hash_split(enum dkim_canon c, uint64_t limit, const char *body, size_t len, size_t step,
           uint8_t out[DKIM_HASH_LEN], uint64_t *total)
{
    struct dkim_body_hash *h = dkim_body_hash_new(c, limit);
    for (size_t off = 0; off < len; off += step)
        dkim_body_hash_feed(h, body + off, len - off < step ? len - off : step);
    dkim_body_hash_final(h, out, total);
    dkim_body_hash_free(h);
}

/* check_body - whole, byte-wise and `step`-wise hashing agree */
static void
check_body(enum dkim_canon c, uint64_t limit, const char *body, size_t len, size_t step)
{
    uint8_t a[DKIM_HASH_LEN], b[DKIM_HASH_LEN], d[DKIM_HASH_LEN];
    uint64_t ta, tb, td;
    hash_split(c, limit, body, len, len ? len : 1, a, &ta);
    hash_split(c, limit, body, len, 1, b, &tb);
    hash_split(c, limit, body, len, step, d, &td);
    if (ta != tb || ta != td || memcmp(a, b, sizeof a) != 0 || memcmp(a, d, sizeof a) != 0)
        __builtin_trap();
}

/* check_headers - relaxed canonical fields canonicalise to themselves */
static void
check_headers(const char *hdr, size_t len)
{
    struct dkim_fields f;
    struct buf once, twice;
    buf_init(&once, 0);
    buf_init(&twice, 0);
    if (dkim_fields_parse(&f, hdr, len) == 0) {
        for (size_t k = 0; k < f.n; k++) {
            buf_reset(&once);
            buf_reset(&twice);
            dkim_canon_header(DKIM_CANON_RELAXED, f.v[k].raw, f.v[k].raw_len, &once);
            dkim_canon_header(DKIM_CANON_RELAXED, once.data, once.len, &twice);
            if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
                __builtin_trap();
            dkim_canon_header(DKIM_CANON_SIMPLE, f.v[k].raw, f.v[k].raw_len, &once);
        }
    }
    dkim_fields_release(&f);
    buf_release(&once);
    buf_release(&twice);
}

/* fixed_key - every query gets the RFC 8463 Ed25519 record */
static int
fixed_key(void *ctx, const char *qname, struct buf *txt)
{
    return buf_append_str(txt,
                          "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *msg = (const char *)data + 1;
    size_t len = size - 1;
    enum dkim_canon c = (sel & 1) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
    size_t step = (sel >> 1) % 17 + 1;
    uint64_t limit = (sel & 0x80) ? (uint64_t)(sel & 0x3f) : UINT64_MAX;
    size_t hlen = dkim_header_section_len(msg, len);

    check_body(c, limit, msg + hlen, len - hlen, step);
    check_headers(msg, hlen);
    struct dkim_verify_params p = {.now = 1700000000};
    struct dkim_verifier *v = dkim_verify_message(msg, len, &p, fixed_key, NULL);
    if (v != NULL) {
        for (size_t i = 0; i < dkim_verifier_count(v); i++)
            (void)dkim_verifier_result(v, i, NULL);
        dkim_verifier_free(v);
    }
    return 0;
}
