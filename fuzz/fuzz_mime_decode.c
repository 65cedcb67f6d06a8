/* fuzz_mime_decode - base64 and quoted-printable on any bytes: the first byte picks the decoder
 * and the next two a split point; the output and counters of the whole feed must equal those of
 * the feed split there (and of a feed in 1-byte pieces for short inputs), and every feed stays
 * within the output room the header promises. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 8

/* feed in[0..len) in pieces cut at cuts[], into out; checks each feed's room */
static size_t
b64_pieces(struct mime_b64 *d, const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts,
           uint8_t *out)
{
    size_t w = 0, at = 0;
    mime_b64_init(d);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len, n = end - at;
        size_t room = (n / 4 + 1) * 3;
        uint8_t *tmp = malloc(room + GUARD);
        memset(tmp, 0xA5, room + GUARD);
        size_t got = mime_b64_feed(d, in + at, n, tmp);
        if (got > room)
            abort();
        for (size_t g = room; g < room + GUARD; g++)
            if (tmp[g] != 0xA5)
                abort();
        memcpy(out + w, tmp, got);
        free(tmp);
        w += got;
        at = end;
    }
    size_t got = mime_b64_finish(d, out + w);
    if (got > 2)
        abort();
    return w + got;
}

static size_t
qp_pieces(struct mime_qp *d, const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts,
          uint8_t *out)
{
    size_t w = 0, at = 0;
    mime_qp_init(d);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len, n = end - at;
        size_t room = n + 3 + sizeof d->held;
        uint8_t *tmp = malloc(room + GUARD);
        memset(tmp, 0xA5, room + GUARD);
        size_t got = mime_qp_feed(d, in + at, n, tmp);
        if (got > room)
            abort();
        for (size_t g = room; g < room + GUARD; g++)
            if (tmp[g] != 0xA5)
                abort();
        memcpy(out + w, tmp, got);
        free(tmp);
        w += got;
        at = end;
    }
    size_t got = mime_qp_finish(d, out + w);
    if (got > sizeof d->held + 3)
        abort();
    return w + got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    bool qp = data[0] & 1;
    const uint8_t *in = data + 3;
    size_t len = size - 3;
    size_t cut = ((size_t)data[1] << 8 | data[2]) % (len + 1);
    size_t cap = 2 * len + 256;
    uint8_t *a = malloc(cap), *b = malloc(cap);
    size_t na, nb;
    if (qp) {
        struct mime_qp x, y;
        na = qp_pieces(&x, in, len, NULL, 0, a);
        nb = qp_pieces(&y, in, len, &cut, 1, b);
        if (na != nb || memcmp(a, b, na) != 0 || x.bad != y.bad)
            abort();
        if (na > len)
            abort(); /* QP never grows its input */
        if (len <= 512) {
            size_t *all = malloc((len + 1) * sizeof *all);
            for (size_t k = 0; k < len; k++)
                all[k] = k + 1;
            nb = qp_pieces(&y, in, len, all, len, b);
            free(all);
            if (na != nb || memcmp(a, b, na) != 0 || x.bad != y.bad)
                abort();
        }
    } else {
        struct mime_b64 x, y;
        na = b64_pieces(&x, in, len, NULL, 0, a);
        nb = b64_pieces(&y, in, len, &cut, 1, b);
        if (na != nb || memcmp(a, b, na) != 0 || x.bad != y.bad || x.after_pad != y.after_pad ||
            x.unpadded != y.unpadded)
            abort();
        if (na > len / 4 * 3 + 2)
            abort();
        if (len <= 512) {
            size_t *all = malloc((len + 1) * sizeof *all);
            for (size_t k = 0; k < len; k++)
                all[k] = k + 1;
            nb = b64_pieces(&y, in, len, all, len, b);
            free(all);
            if (na != nb || memcmp(a, b, na) != 0 || x.bad != y.bad || x.after_pad != y.after_pad ||
                x.unpadded != y.unpadded)
                abort();
        }
    }
    free(a);
    free(b);
    return 0;
}
