/* fuzz_dlp_validate - every DLP validator on arbitrary bytes: results are bounded,
 * NUL-terminated, refusals leave nothing behind, and no redaction gives a long number back
 * whole; a card's redaction is exactly its last 4 digits behind the mask. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlp/dlp_validate.h"

typedef bool (*check_fn)(const uint8_t *, size_t, struct dlp_check *);

static const check_fn checks[] = {
    dlp_check_card,        dlp_check_iban,   dlp_check_ssn,         dlp_check_kr_rrn,
    dlp_check_kr_frn,      dlp_check_kr_brn, dlp_check_kr_passport, dlp_check_kr_driver,
    dlp_check_kr_phone,    dlp_check_jwt,    dlp_check_token,       dlp_check_secret,
    dlp_check_private_key,
};

/* bounded_string - NUL within cap bytes */
static void
bounded_string(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL)
        abort();
}

/* check_card_redaction - "**** **** **** " and the input's last 4 digits */
static void
check_card_redaction(const uint8_t *s, size_t n, const char *red)
{
    char want[24] = "**** **** **** ";
    size_t k = 4;

    for (size_t i = n; i-- > 0 && k > 0;)
        if (s[i] >= '0' && s[i] <= '9')
            want[15 + --k] = (char)s[i];
    if (k != 0 || strcmp(red, want) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t digits = 0;
    char red[DLP_REDACTED_MAX];

    for (size_t i = 0; i < size; i++)
        digits += data[i] >= '0' && data[i] <= '9';
    for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
        struct dlp_check out;
        memset(&out, 0xa5, sizeof out);
        bool ok = checks[c](data, size, &out);
        bounded_string(out.redacted, sizeof out.redacted);
        bounded_string(out.detail, sizeof out.detail);
        if (out.confidence < 0 || out.confidence > 100)
            abort();
        if (!ok && (out.confidence != 0 || out.redacted[0] != '\0' || out.detail[0] != '\0'))
            abort();
        if (ok && digits >= 8 && size > 0 && memmem(out.redacted, strlen(out.redacted), data, size))
            abort();
        if (ok && checks[c] == dlp_check_card)
            check_card_redaction(data, size, out.redacted);
        checks[c](data, size, NULL);
    }
    for (size_t keep = 0; keep < 40; keep += 3) {
        memset(red, 0xa5, sizeof red);
        dlp_redact_middle(data, size, keep, keep / 2, red);
        bounded_string(red, sizeof red);
        /* the kept ends can hold keep + keep / 2 digits at most: more must be masked */
        if (digits > keep + keep / 2 && size > 0 && memmem(red, strlen(red), data, size))
            abort();
    }
    double h = dlp_entropy(data, size);
    if (h < 0 || h > 8.0000001)
        abort();
    (void)dlp_luhn_ok(data, size);
    return 0;
}
