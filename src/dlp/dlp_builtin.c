/* dlp_builtin - the built-in detectors: ids, categories, descriptions, the hot database's
 * triggers, the exact shapes of the region families, and the context words. */
#include <hs/hs.h>

#include "dlp/dlp_int.h"

enum {
    D_CARD,
    D_IBAN,
    D_SSN,
    D_RRN,
    D_FRN,
    D_BRN,
    D_PASSPORT,
    D_DRIVER,
    D_PHONE,
    D_PEM,
    D_AWS,
    D_GITHUB,
    D_GOOGLE,
    D_SLACK,
    D_STRIPE,
    D_OPENAI,
    D_JWT,
    D_GENERIC,
    D_CRED,
    D_COOKIES,
    D_SYSINFO
};

const struct dlp_builtin_det dlp_builtin_dets[] = {
    [D_CARD] = {{"card", "financial", "payment card number (13-19 digits, brand prefix, Luhn)"},
                dlp_check_card,
                DLP_CTX_CARD},
    [D_IBAN] = {{"iban", "financial", "IBAN (per-country length, mod 97)"},
                dlp_check_iban,
                DLP_CTX_BANK},
    [D_SSN] = {{"us_ssn", "national_id", "US social security number AAA-GG-SSSS"},
               dlp_check_ssn,
               DLP_CTX_SSN},
    [D_RRN] = {{"kr_rrn", "national_id",
                "Korean resident registration number: birth date YYMMDD, dash, gender digit and 6 "
                "more digits"},
               dlp_check_kr_rrn,
               DLP_CTX_RRN},
    [D_FRN] = {{"kr_frn", "national_id", "Korean foreigner registration number"},
               dlp_check_kr_frn,
               DLP_CTX_FRN},
    [D_BRN] = {{"kr_brn", "business_id", "Korean business registration number (checksum)"},
               dlp_check_kr_brn,
               DLP_CTX_BRN},
    [D_PASSPORT] = {{"kr_passport", "national_id", "Korean passport number"},
                    dlp_check_kr_passport,
                    DLP_CTX_PASSPORT},
    [D_DRIVER] = {{"kr_driver", "national_id", "Korean driver licence number dd-dd-dddddd-dd"},
                  dlp_check_kr_driver,
                  DLP_CTX_DRIVER},
    [D_PHONE] = {{"kr_phone", "contact", "Korean mobile or landline phone number"},
                 dlp_check_kr_phone,
                 DLP_CTX_PHONE},
    [D_PEM] = {{"secret.private_key", "secret", "PEM private key block"},
               dlp_check_private_key,
               DLP_CTX_NONE},
    [D_AWS] = {{"secret.aws_key", "secret", "AWS access key id (AKIA/ASIA/ABIA/ACCA)"},
               dlp_check_token,
               DLP_CTX_SECRET},
    [D_GITHUB] = {{"secret.github_token", "secret", "GitHub token (ghp_, gho_, github_pat_)"},
                  dlp_check_token,
                  DLP_CTX_SECRET},
    [D_GOOGLE] = {{"secret.google_api_key", "secret", "Google / GCP API key (AIza...)"},
                  dlp_check_token,
                  DLP_CTX_SECRET},
    [D_SLACK] = {{"secret.slack_token", "secret", "Slack token (xoxb-, xoxp-, ...)"},
                 dlp_check_token,
                 DLP_CTX_SECRET},
    [D_STRIPE] = {{"secret.stripe_key", "secret", "Stripe secret or restricted key"},
                  dlp_check_token,
                  DLP_CTX_SECRET},
    [D_OPENAI] = {{"secret.openai_key", "secret", "OpenAI-style API key (sk-..., sk-proj-...)"},
                  dlp_check_token,
                  DLP_CTX_SECRET},
    [D_JWT] = {{"secret.jwt", "secret", "JSON Web Token (eyJ...eyJ...sig)"},
               dlp_check_jwt,
               DLP_CTX_SECRET},
    [D_GENERIC] = {{"secret.generic", "secret",
                    "high-entropy value after a keyword (secret=, token:, api_key=, ...)"},
                   dlp_check_secret,
                   DLP_CTX_SECRET},
    [D_CRED] = {{"infostealer.credentials", "infostealer",
                 "stolen credentials dump: URL/Host + Username/Login + Password"},
                NULL,
                DLP_CTX_NONE},
    [D_COOKIES] = {{"infostealer.cookies", "infostealer",
                    "Netscape cookie file (header or 3+ cookie lines)"},
                   NULL,
                   DLP_CTX_NONE},
    [D_SYSINFO] = {{"infostealer.sysinfo", "infostealer",
                    "victim system report: PC Name, Date & Time, IP Address, ... (3+ fields)"},
                   NULL,
                   DLP_CTX_NONE},
};
const size_t dlp_builtin_ndets = sizeof dlp_builtin_dets / sizeof dlp_builtin_dets[0];

#define CL HS_FLAG_CASELESS
#define B(g) (1u << (g))
/* a secret keyword and the byte after it (literals, caseless) */
#define SKW1(w)                                                                                    \
    {                                                                                              \
        w, CL, DLP_HOT_SECRET_KW, DLP_CLS_SECRET, false, true, 0, 16, 256, D_GENERIC, 0, NULL      \
    }
#define SKW(w) SKW1(w "="), SKW1(w ":"), SKW1(w "\""), SKW1(w "'"), SKW1(w " "), SKW1(w "\t")
/* an infostealer label (literal, caseless) */
#define LBL(w, l, show, d)                                                                         \
    {                                                                                              \
        w, CL, DLP_HOT_DUMP, 0, false, true, 0, 0, 0, d, l, show                                   \
    }

/*
 * The hot database. Every trigger starts with something rare in prose (an upper-case letter
 * followed by digits, a literal), so Hyperscan's accelerated scanning skips ordinary text.
 * Two things are not in it. Digit runs: mail is full of digits, which break Hyperscan's
 * acceleration; the digit-chain trigger \d(?:[ -]?\d){8} (9 digits with single separators,
 * which the shortest shape, a Seoul landline 02-123-4567, has) ran at 1.7 GB/s alone on the
 * bench text and took the database from 2.6 to 1.1 GB/s, so dlp_digits.c finds it with an
 * SSE2 scan. Context words: they are looked for only around a candidate (a block database).
 */
const struct dlp_hot_pat dlp_builtin_hot[] = {
    /* not compiled: the digit-chain trigger of dlp_digits.c */
    {NULL, 0, DLP_HOT_REGION, DLP_CLS_NUM, false, false, 0, 0, 0, -1,
     (1u << DLP_FAM_NUM) | (1u << DLP_FAM_IBAN), NULL},
    /* not compiled: [MSROD]\\d{3}[A-Z0-9]\\d{4}, from the four-digit runs of dlp_digits.c (as a
     * Hyperscan expression it cost the database a fifth) */
    {NULL, 0, DLP_HOT_FIXED, DLP_CLS_ALNUM, true, false, 9, 9, 9, D_PASSPORT, 0, NULL},
    {"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", 0, DLP_HOT_FIXED, DLP_CLS_ALNUM, true, false, 20, 20,
     20, D_AWS, 0, NULL},
    {"gh[pousr]_[0-9A-Za-z]{36}", 0, DLP_HOT_FIXED, DLP_CLS_TOKEN, true, false, 40, 40, 40,
     D_GITHUB, 0, NULL},
    {"github_pat_[0-9A-Za-z_]{82}", 0, DLP_HOT_FIXED, DLP_CLS_TOKEN, true, false, 93, 93, 93,
     D_GITHUB, 0, NULL},
    {"AIza[0-9A-Za-z_\\-]{35}", 0, DLP_HOT_FIXED, DLP_CLS_TOKEN, true, false, 39, 39, 39, D_GOOGLE,
     0, NULL},
    {"xox[abeoprs]-", 0, DLP_HOT_PREFIX, DLP_CLS_TOKEN, true, false, 5, 20, 256, D_SLACK, 0, NULL},
    {"[rs]k_(?:live|test)_", 0, DLP_HOT_PREFIX, DLP_CLS_ALNUM, true, false, 8, 24, 256, D_STRIPE, 0,
     NULL},
    {"sk-[A-Za-z0-9]{20}", 0, DLP_HOT_PREFIX, DLP_CLS_TOKEN, true, false, 23, 40, 256, D_OPENAI, 0,
     NULL},
    {"sk-proj-", 0, DLP_HOT_PREFIX, DLP_CLS_TOKEN, true, false, 8, 40, 256, D_OPENAI, 0, NULL},
    {"sk-svcacct-", 0, DLP_HOT_PREFIX, DLP_CLS_TOKEN, true, false, 11, 40, 256, D_OPENAI, 0, NULL},
    {"sk-admin-", 0, DLP_HOT_PREFIX, DLP_CLS_TOKEN, true, false, 9, 40, 256, D_OPENAI, 0, NULL},
    {"eyJ[A-Za-z0-9_\\-]{8}", 0, DLP_HOT_PREFIX, DLP_CLS_JWT, true, false, 11, 30, DLP_MAX_TOKEN,
     D_JWT, 0, NULL},
    {"-----BEGIN ", 0, DLP_HOT_PREFIX, DLP_CLS_PEM, false, false, 11, 27, 80, D_PEM, 0, NULL},
    /* secret keywords with the byte after them (one of =:"' space tab), as literals: the
     * rest of the assignment is parsed when resolved. As a regular expression with [:=] and
     * spaces the keywords cost the database a fifth; bare, the short ones (pwd) still
     * brought it from 4.2 to 3.4 GB/s. */
    SKW("secret"),
    SKW("token"),
    SKW("api_key"),
    SKW("api-key"),
    SKW("apikey"),
    SKW("access_key"),
    SKW("access-key"),
    SKW("accesskey"),
    SKW("password"),
    SKW("passwd"),
    SKW("pwd"),

    LBL("URL:", DLP_LB_SITE, "URL", D_CRED),
    LBL("Host:", DLP_LB_SITE, "Host", D_CRED),
    LBL("Hostname:", DLP_LB_SITE, "Hostname", D_CRED),
    LBL("Username:", DLP_LB_USER, "Username", D_CRED),
    LBL("Login:", DLP_LB_USER, "Login", D_CRED),
    LBL("Password:", DLP_LB_PASS, "Password", D_CRED),
    LBL("PC Name:", DLP_LB_SYS_HOST, "PC Name", D_SYSINFO),
    LBL("Computer Name:", DLP_LB_SYS_HOST, "Computer Name", D_SYSINFO),
    LBL("Date & Time:", DLP_LB_SYS_TIME, "Date & Time", D_SYSINFO),
    LBL("Date and Time:", DLP_LB_SYS_TIME, "Date and Time", D_SYSINFO),
    LBL("Time:", DLP_LB_SYS_TIME, "Time", D_SYSINFO),
    LBL("IP Address:", DLP_LB_SYS_IP, "IP Address", D_SYSINFO),
    LBL("User Name:", DLP_LB_SYS_USER, "User Name", D_SYSINFO),
    LBL("OSFullName:", DLP_LB_SYS_OS, "OSFullName", D_SYSINFO),
    LBL("CPU:", DLP_LB_SYS_CPU, "CPU", D_SYSINFO),
    LBL("RAM:", DLP_LB_SYS_RAM, "RAM", D_SYSINFO),
    LBL("HWID:", DLP_LB_SYS_HWID, "HWID", D_SYSINFO),
    {"# Netscape HTTP Cookie File", 0, DLP_HOT_DUMP, 0, false, true, 0, 0, 0, D_COOKIES,
     DLP_LB_COOKIE_HDR, NULL},
    {"\\t(?:TRUE|FALSE)\\t/", 0, DLP_HOT_DUMP, 0, false, false, 0, 0, 0, D_COOKIES,
     DLP_LB_COOKIE_LINE, NULL},
};
const size_t dlp_builtin_nhot = sizeof dlp_builtin_hot / sizeof dlp_builtin_hot[0];

/* context words: matched (caseless, as whole ASCII words) only around a candidate */
const struct dlp_ctx_word dlp_builtin_ctx[] = {
    {"카드번호", B(DLP_CTX_CARD)},
    {"신용카드", B(DLP_CTX_CARD)},
    {"체크카드", B(DLP_CTX_CARD)},
    {"card number", B(DLP_CTX_CARD)},
    {"card no", B(DLP_CTX_CARD)},
    {"credit card", B(DLP_CTX_CARD)},
    {"debit card", B(DLP_CTX_CARD)},
    {"visa", B(DLP_CTX_CARD)},
    {"mastercard", B(DLP_CTX_CARD)},
    {"amex", B(DLP_CTX_CARD)},
    {"계좌번호", B(DLP_CTX_BANK)},
    {"iban", B(DLP_CTX_BANK)},
    {"account number", B(DLP_CTX_BANK)},
    {"bank account", B(DLP_CTX_BANK)},
    {"swift", B(DLP_CTX_BANK)},
    {"ssn", B(DLP_CTX_SSN)},
    {"social security", B(DLP_CTX_SSN)},
    {"주민등록번호", B(DLP_CTX_RRN) | B(DLP_CTX_FRN)},
    {"주민번호", B(DLP_CTX_RRN)},
    {"resident registration", B(DLP_CTX_RRN) | B(DLP_CTX_FRN)},
    {"외국인등록번호", B(DLP_CTX_FRN)},
    {"외국인번호", B(DLP_CTX_FRN)},
    {"alien registration", B(DLP_CTX_FRN)},
    {"foreigner registration", B(DLP_CTX_FRN)},
    {"사업자등록번호", B(DLP_CTX_BRN)},
    {"사업자번호", B(DLP_CTX_BRN)},
    {"business registration", B(DLP_CTX_BRN)},
    {"여권번호", B(DLP_CTX_PASSPORT)},
    {"여권", B(DLP_CTX_PASSPORT)},
    {"passport", B(DLP_CTX_PASSPORT)},
    {"운전면허", B(DLP_CTX_DRIVER)},
    {"면허번호", B(DLP_CTX_DRIVER)},
    {"driver license", B(DLP_CTX_DRIVER)},
    {"driver's license", B(DLP_CTX_DRIVER)},
    {"driving licence", B(DLP_CTX_DRIVER)},
    {"licence number", B(DLP_CTX_DRIVER)},
    {"license number", B(DLP_CTX_DRIVER)},
    {"전화번호", B(DLP_CTX_PHONE)},
    {"휴대폰", B(DLP_CTX_PHONE)},
    {"핸드폰", B(DLP_CTX_PHONE)},
    {"휴대전화", B(DLP_CTX_PHONE)},
    {"연락처", B(DLP_CTX_PHONE)},
    {"phone", B(DLP_CTX_PHONE)},
    {"mobile", B(DLP_CTX_PHONE)},
    {"tel", B(DLP_CTX_PHONE)},
    {"비밀번호", B(DLP_CTX_SECRET)},
    {"password", B(DLP_CTX_SECRET)},
    {"secret", B(DLP_CTX_SECRET)},
    {"api key", B(DLP_CTX_SECRET)},
    {"credential", B(DLP_CTX_SECRET)},
    {"credentials", B(DLP_CTX_SECRET)},
    {"access key", B(DLP_CTX_SECRET)},

};
const size_t dlp_builtin_nctx = sizeof dlp_builtin_ctx / sizeof dlp_builtin_ctx[0];

/*
 * The digit shapes, as groups of digits joined by one separator (dlp_shape.c matches them on
 * a run of [0-9 +-]; the regular expression each stands for is beside it). A group-wise
 * match is the same as the expression's matches that stand alone (no digit, letter or glued
 * separator either side), without a Hyperscan call per run. Bare digit strings of SSN / BRN /
 * licence length are everyday numbers (order ids): those need a context word.
 */
#define DASH DLP_SEP_DASH
#define SPACE DLP_SEP_SPACE
const struct dlp_shape dlp_builtin_shapes[] = {
    /* \d{13,19} */
    {D_CARD, false, 1, {13}, {19}, 0, DLP_PFX_NONE},
    /* \d{4}([- ])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})? */
    {D_CARD, false, 5, {4, 4, 4, 4, 1}, {4, 4, 4, 4, 3}, DASH | SPACE, DLP_PFX_NONE},
    {D_CARD, false, 4, {4, 4, 4, 1}, {4, 4, 4, 4}, DASH | SPACE, DLP_PFX_NONE},
    /* \d{4}[ -]\d{6}[ -]\d{4,5} (Amex, Diners) */
    {D_CARD, false, 3, {4, 6, 4}, {4, 6, 5}, DASH | SPACE | DLP_SEP_MIXED, DLP_PFX_NONE},
    /* \d{3}([- ])\d{2}\1\d{4}, and \d{9} near a context word */
    {D_SSN, false, 3, {3, 2, 4}, {3, 2, 4}, DASH | SPACE, DLP_PFX_NONE},
    {D_SSN, true, 1, {9}, {9}, 0, DLP_PFX_NONE},
    /* \d{6}-?\d{7} */
    {D_RRN, false, 2, {6, 7}, {6, 7}, DASH, DLP_PFX_NONE},
    {D_RRN, false, 1, {13}, {13}, 0, DLP_PFX_NONE},
    {D_FRN, false, 2, {6, 7}, {6, 7}, DASH, DLP_PFX_NONE},
    {D_FRN, false, 1, {13}, {13}, 0, DLP_PFX_NONE},
    /* \d{3}-\d{2}-\d{5}, and \d{10} near a context word */
    {D_BRN, false, 3, {3, 2, 5}, {3, 2, 5}, DASH, DLP_PFX_NONE},
    {D_BRN, true, 1, {10}, {10}, 0, DLP_PFX_NONE},
    /* \d{2}-\d{2}-\d{6}-\d{2}, and \d{12} near a context word */
    {D_DRIVER, false, 4, {2, 2, 6, 2}, {2, 2, 6, 2}, DASH, DLP_PFX_NONE},
    {D_DRIVER, true, 1, {12}, {12}, 0, DLP_PFX_NONE},
    /* 01[016789]([- ])\d{3,4}\1\d{4}, 01[016789]\d{7,8} */
    {D_PHONE, false, 3, {3, 3, 4}, {3, 4, 4}, DASH | SPACE, DLP_PFX_MOBILE},
    {D_PHONE, false, 1, {10}, {11}, 0, DLP_PFX_MOBILE},
    /* 0(?:2|[3-6][1-5])-\d{3,4}-\d{4} */
    {D_PHONE, false, 3, {2, 3, 4}, {3, 4, 4}, DASH, DLP_PFX_AREA},
    /* \+82[ -]?(?:1[016789]|2|[3-6][1-5])[ -]?\d{3,4}[ -]?\d{4} */
    {D_PHONE, false, 0, {0}, {0}, 0, DLP_PFX_PLUS82},
};
const size_t dlp_builtin_nshapes = sizeof dlp_builtin_shapes / sizeof dlp_builtin_shapes[0];

/* the IBAN shape, matched with start of match on a run of [A-Z0-9 ] */
const struct dlp_blk_pat dlp_builtin_blk[] = {
    {DLP_FAM_IBAN, "[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?", D_IBAN, false},
};
const size_t dlp_builtin_nblk = sizeof dlp_builtin_blk / sizeof dlp_builtin_blk[0];

size_t
dlp_builtin_count(void)
{
    return dlp_builtin_ndets;
}

const struct dlp_detector_info *
dlp_builtin(size_t i)
{
    return i < dlp_builtin_ndets ? &dlp_builtin_dets[i].info : NULL;
}

#define NUM (1u << DLP_CLS_NUM)
#define IBAN (1u << DLP_CLS_IBAN)
#define ALNUM (1u << DLP_CLS_ALNUM)
#define TOKEN (1u << DLP_CLS_TOKEN)
#define JWT (1u << DLP_CLS_JWT)
#define PEM (1u << DLP_CLS_PEM)
#define SECRET (1u << DLP_CLS_SECRET)

/* byte -> the classes it belongs to (a table: the digit-run walk runs on every trigger) */
const uint8_t dlp_cls_table[256] = {
    [' '] = NUM | IBAN | PEM,
    ['-'] = NUM | TOKEN | JWT | PEM | SECRET,
    ['+'] = NUM | SECRET,
    ['_'] = TOKEN | JWT | SECRET,
    ['.'] = JWT | SECRET,
    ['0' ... '9'] = NUM | IBAN | ALNUM | TOKEN | JWT | PEM | SECRET,
    ['A' ... 'Z'] = IBAN | ALNUM | TOKEN | JWT | PEM | SECRET,
    ['a' ... 'z'] = ALNUM | TOKEN | JWT | SECRET,
    ['!'] = SECRET,
    ['#' ... '&'] = SECRET,
    ['(' ... '*'] = SECRET,
    ['/'] = SECRET,
    [':'] = SECRET,
    ['='] = SECRET,
    ['?' ... '@'] = SECRET,
    ['['] = SECRET,
    [']' ... '^'] = SECRET,
    ['{' ... '~'] = SECRET,
};
