/*
 * dlp_validate - payment cards, IBANs and US SSNs, plus the helpers every validator shares
 * (Luhn, entropy, redaction, digit groups). Korean ids are in dlp_validate_kr.c, secrets in
 * dlp_validate_secret.c. Rules: ../shared/REFERENCE.md "Sensitive-data validators".
 */
#include "dlp/dlp_validate.h"

#include <stdio.h>
#include <string.h>

#include "dlp/dlp_validate_int.h"
#include "util/utf8.h"

/* dlp_v_groups - split a candidate into digit groups with one consistent separator */
bool
dlp_v_groups(const uint8_t *s, size_t n, const char *seps, struct dlp_v_groups *g)
{
    memset(g, 0, sizeof *g);
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c >= '0' && c <= '9') {
            if (g->ndigits == DLP_V_MAX_DIGITS)
                return false;
            if (g->ngroups == 0)
                g->ngroups = 1;
            g->digit[g->ndigits++] = (uint8_t)(c - '0');
            g->glen[g->ngroups - 1]++;
            continue;
        }
        if (c == '\0' || strchr(seps, c) == NULL)
            return false;
        /* a separator: between two digits, the same byte as every other one */
        if (i == 0 || i + 1 == n || s[i - 1] < '0' || s[i - 1] > '9')
            return false;
        if (g->sep != '\0' && g->sep != (char)c)
            return false;
        if (g->ngroups == DLP_V_MAX_GROUPS)
            return false;
        g->sep = (char)c;
        g->ngroups++;
    }
    return g->ndigits > 0;
}

/* dlp_v_shape - compare group lengths */
bool
dlp_v_shape(const struct dlp_v_groups *g, const size_t *lens, size_t k)
{
    if (g->ngroups != k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (g->glen[i] != lens[i])
            return false;
    return true;
}

/* dlp_v_number - digits as a number (callers ask for at most 9) */
unsigned
dlp_v_number(const struct dlp_v_groups *g, size_t from, size_t len)
{
    unsigned v = 0;

    for (size_t i = from; i < from + len && i < g->ndigits; i++)
        v = v * 10 + g->digit[i];
    return v;
}

/* dlp_v_begin - an empty result */
struct dlp_check *
dlp_v_begin(struct dlp_check *out)
{
    memset(out, 0, sizeof *out);
    return out;
}

/* dlp_v_accept - confidence and detail of a value that passed */
bool
dlp_v_accept(struct dlp_check *out, int confidence, const char *detail)
{
    out->confidence = confidence < 0 ? 0 : confidence > 100 ? 100 : confidence;
    snprintf(out->detail, sizeof out->detail, "%s", detail != NULL ? detail : "");
    return true;
}

/* dlp_v_reject - nothing to report */
bool
dlp_v_reject(struct dlp_check *out)
{
    dlp_v_begin(out);
    return false;
}

/* dlp_v_date_ok - day exists in month and year */
bool
dlp_v_date_ok(unsigned year, unsigned month, unsigned day)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (month < 1 || month > 12 || day < 1)
        return false;
    return day <= mdays[month - 1] + (month == 2 && leap ? 1 : 0);
}

/* dlp_luhn_ok - ISO/IEC 7812-1 annex B check digit; false when there are no digits */
bool
dlp_luhn_ok(const uint8_t *s, size_t n)
{
    unsigned sum = 0, k = 0;

    for (size_t i = n; i-- > 0;) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        unsigned d = s[i] - '0';
        if (k++ % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return k > 0 && sum % 10 == 0;
}

/* log2_of - base-2 logarithm of x > 0, here rather than libm's, which the dlp layer does not
 * link: x = m * 2^e with m in [1, 2), ln m = 2 atanh((m - 1) / (m + 1)) */
static double
log2_of(double x)
{
    int e = 0;

    while (x >= 2) {
        x /= 2;
        e++;
    }
    while (x < 1) {
        x *= 2;
        e--;
    }
    double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
    for (int k = 1; k < 60; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return e + 2 * sum / 0.69314718055994530942;
}

/* dlp_entropy - Shannon entropy of the byte distribution */
double
dlp_entropy(const uint8_t *s, size_t n)
{
    size_t count[256] = {0};
    double h = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        count[s[i]]++;
    for (size_t c = 0; c < 256; c++) {
        if (count[c] == 0)
            continue;
        double p = (double)count[c] / (double)n;
        h -= p * log2_of(p);
    }
    return h;
}

/* char_len - bytes of the character at s: a valid UTF-8 sequence, else 1 */
static size_t
char_len(const uint8_t *s, size_t n)
{
    size_t k = utf8_valid_len(s, n);

    return k == 0 ? 1 : k;
}

/* copy_kept - append one kept character, printable ASCII or valid UTF-8, '?' otherwise */
static size_t
copy_kept(const uint8_t *s, size_t k, char *out, size_t o)
{
    if (k == 1 && (s[0] < 0x21 || s[0] > 0x7e)) {
        out[o] = s[0] == ' ' ? ' ' : '?';
        return o + 1;
    }
    if (k == 1 || utf8_valid_len(s, k) == k) {
        memcpy(out + o, s, k);
        return o + k;
    }
    out[o] = '?';
    return o + 1;
}

/* dlp_redact_middle - head and tail characters kept, each other character one '*'. When
 * the value has no more than keep_head + keep_tail characters everything is masked, so a
 * short value is never shown whole; the mask is shortened to fit DLP_REDACTED_MAX. */
void
dlp_redact_middle(const uint8_t *s, size_t n, size_t keep_head, size_t keep_tail,
                  char out[DLP_REDACTED_MAX])
{
    char tail[DLP_REDACTED_MAX];
    size_t chars = 0, o = 0, t = 0, c = 0, i;

    for (i = 0; i < n; i += char_len(s + i, n - i))
        chars++;
    /* kept characters take 4 bytes at most: keep the ends only when they surely fit */
    if (chars <= keep_head + keep_tail || (keep_head + keep_tail) * 4 + 8 > DLP_REDACTED_MAX)
        keep_head = keep_tail = 0;
    for (i = 0; i < n; c++) {
        size_t k = char_len(s + i, n - i);
        if (c < keep_head)
            o = copy_kept(s + i, k, out, o);
        else if (c >= chars - keep_tail)
            t = copy_kept(s + i, k, tail, t);
        i += k;
    }
    for (size_t m = chars - keep_head - keep_tail; m > 0 && o + t < DLP_REDACTED_MAX - 1; m--)
        out[o++] = '*';
    memcpy(out + o, tail, t);
    out[o + t] = '\0';
}

/* Brand prefixes and lengths: ISO/IEC 7812 IIN ranges as the brands publish them (Visa,
 * Mastercard incl. the 2-series, Amex, Discover/Diners/JCB acceptance tables, UnionPay).
 * First match wins, so the narrower ranges come first. */
struct card_brand {
    const char *name;
    unsigned lo, hi;  /* prefix range */
    unsigned digits;  /* prefix length */
    uint32_t lengths; /* bit i: a card of i digits */
    int confidence;
};

#define LEN(a) (1u << (a))
#define LENS(a, b) (((1u << ((b) + 1)) - 1) & ~((1u << (a)) - 1))

static const struct card_brand brands[] = {
    {"amex", 34, 34, 2, LEN(15), 90},
    {"amex", 37, 37, 2, LEN(15), 90},
    {"diners", 300, 305, 3, LENS(14, 19), 85},
    {"diners", 3095, 3095, 4, LENS(14, 19), 85},
    {"diners", 36, 36, 2, LENS(14, 19), 85},
    {"diners", 38, 38, 2, LENS(14, 19), 85},
    {"jcb", 3528, 3589, 4, LENS(16, 19), 90},
    {"visa", 4, 4, 1, LEN(13) | LEN(16) | LEN(19), 90},
    {"mastercard", 51, 55, 2, LEN(16), 90},
    {"mastercard", 2221, 2720, 4, LEN(16), 90},
    {"discover", 6011, 6011, 4, LENS(16, 19), 90},
    {"discover", 644, 649, 3, LENS(16, 19), 90},
    {"discover", 65, 65, 2, LENS(16, 19), 90},
    {"unionpay", 62, 62, 2, LENS(16, 19), 85},
    {"maestro", 6304, 6304, 4, LENS(13, 19), 75},
    {"maestro", 6759, 6759, 4, LENS(13, 19), 75},
    {"maestro", 676770, 676770, 6, LENS(13, 19), 75},
    {"maestro", 676774, 676774, 6, LENS(13, 19), 75},
    {"maestro", 50, 50, 2, LENS(13, 19), 75},
    {"maestro", 56, 58, 2, LENS(13, 19), 75},
};

/* card_usual_groups - the grouping printed on the card or used by checkout forms */
static bool
card_usual_groups(const struct dlp_v_groups *g)
{
    static const size_t g16[] = {4, 4, 4, 4}, g15[] = {4, 6, 5}, g14[] = {4, 6, 4},
                        g19[] = {4, 4, 4, 4, 3}, g13[] = {4, 4, 5}, g19b[] = {6, 13};

    return g->ngroups == 1 || dlp_v_shape(g, g16, 4) || dlp_v_shape(g, g15, 3) ||
           dlp_v_shape(g, g14, 3) || dlp_v_shape(g, g19, 5) || dlp_v_shape(g, g13, 3) ||
           dlp_v_shape(g, g19b, 2);
}

/* dlp_check_card - brand prefix and length, then Luhn */
bool
dlp_check_card(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    struct dlp_v_groups g;
    const struct card_brand *b = NULL;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (!dlp_v_groups(s, n, " -", &g) || g.ndigits < 13 || g.ndigits > 19)
        return dlp_v_reject(out);
    for (size_t i = 0; i < sizeof brands / sizeof brands[0] && b == NULL; i++) {
        unsigned p = dlp_v_number(&g, 0, brands[i].digits);
        if (p >= brands[i].lo && p <= brands[i].hi && (brands[i].lengths & LEN(g.ndigits)))
            b = &brands[i];
    }
    if (b == NULL || !dlp_luhn_ok(s, n))
        return dlp_v_reject(out);
    size_t o = 0;
    const char mask[] = "**** **** **** ";
    memcpy(out->redacted, mask, sizeof mask - 1);
    o = sizeof mask - 1;
    for (size_t i = g.ndigits - 4; i < g.ndigits; i++)
        out->redacted[o++] = (char)('0' + g.digit[i]);
    out->redacted[o] = '\0';
    return dlp_v_accept(out, b->confidence - (card_usual_groups(&g) ? 0 : 10), b->name);
}

/* IBAN lengths per country, from the SWIFT IBAN registry (release 99, 2025) */
static const struct {
    char cc[3];
    unsigned char len;
} iban_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
    {"YE", 30},
};

/* iban_length - registered length for a country code, 0 when it has no IBAN (KR, US) */
static unsigned
iban_length(const char cc[2])
{
    for (size_t i = 0; i < sizeof iban_lengths / sizeof iban_lengths[0]; i++)
        if (iban_lengths[i].cc[0] == cc[0] && iban_lengths[i].cc[1] == cc[1])
            return iban_lengths[i].len;
    return 0;
}

/* iban_compact - upper-cased IBAN without its spaces: single spaces, each after a multiple
 * of 4 characters (the print format groups by 4; "GB82 WEST12345698765432" is tolerated) */
static size_t
iban_compact(const uint8_t *s, size_t n, char *v, size_t cap)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == ' ') {
            if (k == 0 || k % 4 != 0 || i + 1 == n || s[i + 1] == ' ')
                return 0;
            continue;
        }
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) || k == cap)
            return 0;
        v[k++] = (char)c;
    }
    return k;
}

/* dlp_check_iban - ISO 13616: registered length, check digits by ISO 7064 mod 97-10 */
bool
dlp_check_iban(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    char v[40];
    size_t len;
    unsigned rem = 0;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    len = iban_compact(s, n, v, sizeof v);
    if (len < 15 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' || v[2] < '0' ||
        v[2] > '9' || v[3] < '0' || v[3] > '9' || iban_length(v) != len)
        return dlp_v_reject(out);
    for (size_t k = 0; k < len; k++) {
        char c = v[(k + 4) % len];
        if (c >= '0' && c <= '9')
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    if (rem != 1)
        return dlp_v_reject(out);
    char cc[3] = {v[0], v[1], '\0'};
    memcpy(out->redacted, v, 2);
    memset(out->redacted + 2, '*', len - 6);
    memcpy(out->redacted + len - 4, v + len - 4, 4);
    out->redacted[len] = '\0';
    return dlp_v_accept(out, 90, cc);
}

/* SSNs in advertising and on the sample card in wallets (SSA, "Social Security Numbers
 * invalid for use": 078-05-1120 Woolworth wallet card, 219-09-9999 SSA pamphlet) and the
 * textbook placeholder */
static const char *const ssn_fakes[] = {"078051120", "219099999", "123456789"};

/* dlp_check_ssn - SSA rules: area not 000/666/9xx, group not 00, serial not 0000 */
bool
dlp_check_ssn(const uint8_t *s, size_t n, struct dlp_check *out)
{
    static const size_t dashed[] = {3, 2, 4}, bare[] = {9};
    struct dlp_check scratch;
    struct dlp_v_groups g;
    char d[10];

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (!dlp_v_groups(s, n, "- ", &g) || !(dlp_v_shape(&g, dashed, 3) || dlp_v_shape(&g, bare, 1)))
        return dlp_v_reject(out);
    unsigned area = dlp_v_number(&g, 0, 3), group = dlp_v_number(&g, 3, 2);
    unsigned serial = dlp_v_number(&g, 5, 4);
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
        return dlp_v_reject(out);
    for (size_t i = 0; i < 9; i++)
        d[i] = (char)('0' + g.digit[i]);
    d[9] = '\0';
    for (size_t i = 0; i < sizeof ssn_fakes / sizeof ssn_fakes[0]; i++)
        if (strcmp(d, ssn_fakes[i]) == 0)
            return dlp_v_reject(out);
    snprintf(out->redacted, sizeof out->redacted, "***-**-%s", d + 5);
    return dlp_v_accept(out, g.sep == '-' ? 80 : g.sep == ' ' ? 70 : 50, "");
}
