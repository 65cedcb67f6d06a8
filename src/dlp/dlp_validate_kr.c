/*
 * dlp_validate_kr - Korean identifiers: resident and foreigner registration numbers (주민등록번호,
 * 외국인등록번호), business registration numbers (사업자등록번호), passports, driver licences
 * and phone numbers. Rules: ../shared/REFERENCE.md "Sensitive-data validators".
 */
#include "dlp/dlp_validate.h"

#include <stdio.h>
#include <string.h>

#include "dlp/dlp_validate_int.h"

/* registration number checksum weights (주민등록법 시행규칙; REFERENCE.md) */
static const unsigned rrn_weights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};

/* check_registration - the shared RRN/FRN rules; `foreigner` selects G 5-8 instead of
 * G 1-4, 9, 0. The century comes from G: 1,2,5,6 -> 1900s; 3,4,7,8 -> 2000s; 9,0 ->
 * 1800s. Numbers issued from October 2020 carry a random last digit, so a failed checksum
 * only lowers the confidence (detail "no_checksum"). */
static bool
check_registration(const uint8_t *s, size_t n, bool foreigner, struct dlp_check *out)
{
    static const size_t dashed[] = {6, 7}, bare[] = {13};
    struct dlp_check scratch;
    struct dlp_v_groups g;
    unsigned sum = 0;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (!dlp_v_groups(s, n, "-", &g) || !(dlp_v_shape(&g, dashed, 2) || dlp_v_shape(&g, bare, 1)))
        return dlp_v_reject(out);
    unsigned gender = g.digit[6];
    bool is_foreign = gender >= 5 && gender <= 8;
    if (is_foreign != foreigner)
        return dlp_v_reject(out);
    unsigned century = (gender == 9 || gender == 0)                                 ? 1800
                       : (gender == 1 || gender == 2 || gender == 5 || gender == 6) ? 1900
                                                                                    : 2000;
    if (!dlp_v_date_ok(century + dlp_v_number(&g, 0, 2), dlp_v_number(&g, 2, 2),
                       dlp_v_number(&g, 4, 2)))
        return dlp_v_reject(out);
    for (size_t i = 0; i < 12; i++)
        sum += g.digit[i] * rrn_weights[i];
    /* foreigner numbers issued before 2020 used (13 - sum mod 11) mod 10 */
    bool ok =
        (11 - sum % 11) % 10 == g.digit[12] || (foreigner && (13 - sum % 11) % 10 == g.digit[12]);
    char *r = out->redacted;
    for (size_t i = 0; i < 6; i++)
        r[i] = (char)('0' + g.digit[i]);
    r[6] = '-';
    r[7] = (char)('0' + gender);
    memset(r + 8, '*', 6);
    r[14] = '\0';
    if (ok)
        return dlp_v_accept(out, g.sep == '-' ? 90 : 80, "");
    return dlp_v_accept(out, g.sep == '-' ? 55 : 45, "no_checksum");
}

/* dlp_check_kr_rrn - resident registration number */
bool
dlp_check_kr_rrn(const uint8_t *s, size_t n, struct dlp_check *out)
{
    return check_registration(s, n, false, out);
}

/* dlp_check_kr_frn - foreigner registration number */
bool
dlp_check_kr_frn(const uint8_t *s, size_t n, struct dlp_check *out)
{
    return check_registration(s, n, true, out);
}

/* dlp_check_kr_brn - business registration number: weights 1,3,7,1,3,7,1,3,5 plus
 * floor(9th digit * 5 / 10), check = (10 - sum mod 10) mod 10 (국세청 사업자등록번호 체계).
 * The first three digits are a tax-office code, 101 and up, which also refuses 000-00-00000. */
bool
dlp_check_kr_brn(const uint8_t *s, size_t n, struct dlp_check *out)
{
    static const size_t dashed[] = {3, 2, 5}, bare[] = {10};
    static const unsigned w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    struct dlp_check scratch;
    struct dlp_v_groups g;
    unsigned sum = 0;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (!dlp_v_groups(s, n, "-", &g) || !(dlp_v_shape(&g, dashed, 3) || dlp_v_shape(&g, bare, 1)))
        return dlp_v_reject(out);
    if (dlp_v_number(&g, 0, 3) < 101)
        return dlp_v_reject(out);
    for (size_t i = 0; i < 9; i++)
        sum += g.digit[i] * w[i];
    sum += g.digit[8] * 5 / 10;
    if ((10 - sum % 10) % 10 != g.digit[9])
        return dlp_v_reject(out);
    dlp_redact_middle(s, n, 2, 2, out->redacted);
    return dlp_v_accept(out, g.sep == '-' ? 85 : 60, "");
}

/* dlp_check_kr_passport - M/S/R/O/D and 8 digits, or since 2021 3 digits, a letter, 4
 * digits (외교부 차세대 전자여권) */
bool
dlp_check_kr_passport(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    bool next_gen;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (n != 9 || memchr("MSROD", s[0], 5) == NULL)
        return dlp_v_reject(out);
    next_gen = s[4] >= 'A' && s[4] <= 'Z';
    for (size_t i = 1; i < 9; i++)
        if (!(s[i] >= '0' && s[i] <= '9') && !(i == 4 && next_gen))
            return dlp_v_reject(out);
    dlp_redact_middle(s, n, 2, 2, out->redacted);
    return dlp_v_accept(out, next_gen ? 55 : 45, "");
}

/* the region names the old licences print before the number, in code order 11-26 */
static const char *const driver_regions[] = {
    "서울", "부산", "경기", "강원", "충북", "충남", "전북", "전남",
    "경북", "경남", "제주", "대구", "인천", "광주", "대전", "울산",
};

/* dlp_check_kr_driver - licence "RR-YY-NNNNNN-CC" with region RR 11-28, or the old form
 * with the region's name in place of RR */
bool
dlp_check_kr_driver(const uint8_t *s, size_t n, struct dlp_check *out)
{
    static const size_t full[] = {2, 2, 6, 2}, bare[] = {12}, old[] = {2, 6, 2};
    struct dlp_check scratch;
    struct dlp_v_groups g;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    for (size_t i = 0; i < sizeof driver_regions / sizeof driver_regions[0]; i++) {
        size_t k = strlen(driver_regions[i]);
        if (n <= k || memcmp(s, driver_regions[i], k) != 0)
            continue;
        size_t skip = k + (s[k] == ' ' ? 1 : 0);
        if (!dlp_v_groups(s + skip, n - skip, "-", &g) || !dlp_v_shape(&g, old, 3))
            return dlp_v_reject(out);
        dlp_redact_middle(s, n, 2, 2, out->redacted);
        return dlp_v_accept(out, 65, "");
    }
    if (!dlp_v_groups(s, n, "- ", &g) || !(dlp_v_shape(&g, full, 4) || dlp_v_shape(&g, bare, 1)))
        return dlp_v_reject(out);
    unsigned region = dlp_v_number(&g, 0, 2);
    if (region < 11 || region > 28)
        return dlp_v_reject(out);
    dlp_redact_middle(s, n, 2, 2, out->redacted);
    return dlp_v_accept(out, g.ngroups == 4 ? 60 : 40, "");
}

/* area codes in use since 2006 (과학기술정보통신부 전기통신번호관리세칙) */
static const char *const phone_areas[] = {"031", "032", "033", "041", "042", "043", "044", "051",
                                          "052", "053", "054", "055", "061", "062", "063", "064"};

/* phone_prefix - length of the mobile or area prefix at the start of a national number
 * (leading 0 included), 0 when there is none; *mobile tells which */
static size_t
phone_prefix(const char *d, size_t nd, bool *mobile)
{
    *mobile = false;
    if (nd < 9 || d[0] != '0')
        return 0;
    if (d[1] == '1' && memchr("016789", d[2], 6) != NULL) {
        *mobile = true;
        return 3;
    }
    if (d[1] == '2')
        return 2;
    for (size_t i = 0; i < sizeof phone_areas / sizeof phone_areas[0]; i++)
        if (memcmp(d, phone_areas[i], 3) == 0)
            return 3;
    return 0;
}

/* dlp_check_kr_phone - national or +82 number: prefix, 3-4 digit exchange, 4 digits */
bool
dlp_check_kr_phone(const uint8_t *s, size_t n, struct dlp_check *out)
{
    struct dlp_check scratch;
    struct dlp_v_groups g;
    size_t skip = 0;
    char d[DLP_V_MAX_DIGITS + 2];
    size_t nd = 0;
    bool intl = false, mobile;

    out = dlp_v_begin(out != NULL ? out : &scratch);
    if (n > 3 && memcmp(s, "+82", 3) == 0) {
        intl = true;
        skip = 3 + (n > 4 && (s[3] == ' ' || s[3] == '-') ? 1 : 0);
    }
    if (!dlp_v_groups(s + skip, n - skip, "- .", &g))
        return dlp_v_reject(out);
    /* "+82 10-..." drops the trunk 0; "+82 010-..." is a common mistake, also accepted */
    bool added_zero = intl && g.digit[0] != 0;
    if (added_zero)
        d[nd++] = '0';
    for (size_t i = 0; i < g.ndigits; i++)
        d[nd++] = (char)('0' + g.digit[i]);
    size_t p = phone_prefix(d, nd, &mobile);
    size_t sub = nd - p;
    if (p == 0 || (sub != 7 && sub != 8))
        return dlp_v_reject(out);
    size_t mid = sub - 4;
    bool new_mobile = mobile && d[2] == '0';
    if ((new_mobile && mid != 4) || d[p] == '0' || (!mobile && d[p] == '1'))
        return dlp_v_reject(out);
    if (g.ngroups != 1) {
        size_t lens[3] = {p - (added_zero ? 1 : 0), mid, 4};
        if (!dlp_v_shape(&g, lens, 3))
            return dlp_v_reject(out);
    }
    dlp_redact_middle(s, n, 2, 2, out->redacted);
    int conf = (mobile ? 60 : 50) - (g.ngroups == 1 ? 15 : 0) + (intl ? 5 : 0);
    return dlp_v_accept(out, conf, mobile ? "mobile" : "landline");
}
