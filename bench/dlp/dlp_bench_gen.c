/*
 * dlp_bench_gen.c - the deterministic inputs of bench/dlp: mixed English and Korean prose full
 * of ordinary numbers (dates, order ids, amounts, version strings, URLs, and numbers shaped
 * like cards, phones or ids that fail their validators), with a valid sensitive value planted
 * about once per 64 KB; and a multipart message carrying such text as a base64 attachment.
 *
 * Same seed, same bytes: the PRNG is splitmix64 and nothing else (time, locale, addresses)
 * goes into the output. The planted values are counted per kind and written next to the
 * output (OUT.planted) so the engine's findings can be compared with them.
 */
#include "dlp_bench_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLANT_EVERY (64 * 1024)

struct gen {
    uint64_t s;
    void (*sink)(void *ctx, const uint8_t *p, size_t n);
    void *ctx;
    uint64_t limit;   /* bytes to produce */
    uint64_t written; /* bytes handed to sink */
    uint64_t next_plant;
    unsigned col; /* column on the current line, for wrapping */
    uint8_t stage[8192];
    size_t nstage;
    unsigned planted[GEN_PLANT_COUNT];
};

static const char *const plant_names[GEN_PLANT_COUNT] = {
    "card",         "iban",        "ssn",        "kr_rrn",      "kr_frn",
    "kr_brn",       "kr_passport", "kr_driver",  "kr_phone",    "aws_key",
    "github_token", "slack_token", "stripe_key", "google_key",  "openai_key",
    "jwt",          "private_key", "secret_kv",  "infostealer",
};

static const char *const en_words[] = {
    "the",     "meeting",  "report",   "customer", "order",   "shipment",  "invoice",  "please",
    "review",  "attached", "schedule", "project",  "team",    "update",    "quarter",  "budget",
    "account", "delivery", "status",   "and",      "for",     "with",      "we",       "will",
    "send",    "confirm",  "thanks",   "regards",  "after",   "before",    "today",    "tomorrow",
    "office",  "contract", "details",  "service",  "support", "request",   "approved", "pending",
    "payment", "received", "about",    "our",      "your",    "this",      "that",     "from",
    "new",     "version",  "release",  "notes",    "server",  "migration", "weekly",   "summary",
    "draft",   "final",    "numbers",  "sales",    "region",  "north",     "south",    "product",
    "launch",  "feedback", "question", "answer",   "follow",  "up",        "is",       "are",
    "was",     "has",      "been",     "on",       "in",
};

static const char *const ko_words[] = {
    "안녕하세요",   "고객님",   "주문",     "배송",   "확인",       "회의",     "자료",
    "보고서",       "첨부",     "파일",     "요청",   "감사합니다", "일정",     "변경",
    "내일",         "오늘",     "결제",     "금액",   "프로젝트",   "담당자",   "검토",
    "부탁드립니다", "관련",     "내용",     "문의",   "사항",       "회사",     "팀",
    "공유",         "드립니다", "있습니다", "합니다", "예정입니다", "분기",     "매출",
    "계약서",       "서명",     "완료",     "진행",   "상황",       "업데이트", "서버",
    "이전",         "작업",     "주간",     "요약",   "초안",       "최종",     "지역",
    "제품",         "출시",     "의견",     "질문",   "답변",       "추가",     "메일",
    "참고",         "바랍니다", "그리고",   "또한",   "다음",       "주",       "월요일",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* gen_rand - splitmix64 */
static uint64_t
gen_rand(struct gen *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned
gen_below(struct gen *g, unsigned n)
{
    return (unsigned)(gen_rand(g) % n);
}

static void
gen_flush(struct gen *g)
{
    size_t n = g->nstage;
    if (g->written + n > g->limit)
        n = (size_t)(g->limit - g->written);
    if (n > 0)
        g->sink(g->ctx, g->stage, n);
    g->written += n;
    g->nstage = 0;
}

static void
gen_put(struct gen *g, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = sizeof g->stage - g->nstage;
        size_t k = n < room ? n : room;
        memcpy(g->stage + g->nstage, s, k);
        g->nstage += k;
        s += k;
        n -= k;
        if (g->nstage == sizeof g->stage)
            gen_flush(g);
    }
}

static uint64_t
gen_pos(const struct gen *g)
{
    return g->written + g->nstage;
}

/* gen_word - one word, wrapping lines near 76 columns as mail text is */
static void
gen_word(struct gen *g, const char *w)
{
    size_t n = strlen(w);
    if (g->col > 0 && g->col + 1 + n > 76) {
        gen_put(g, "\n", 1);
        g->col = 0;
    } else if (g->col > 0) {
        gen_put(g, " ", 1);
        g->col++;
    }
    gen_put(g, w, n);
    g->col += (unsigned)n;
}

static void
gen_newline(struct gen *g)
{
    gen_put(g, "\n", 1);
    g->col = 0;
}

static void
gen_digits(struct gen *g, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + gen_below(g, 10));
    out[n] = '\0';
}

static void
gen_chars(struct gen *g, char *out, size_t n, const char *set)
{
    size_t m = strlen(set);
    for (size_t i = 0; i < n; i++)
        out[i] = set[gen_below(g, (unsigned)m)];
    out[n] = '\0';
}

static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char B64STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char
luhn_check_digit(const char *d, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 0) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

/* ---- ordinary numbers: what mail is full of, and what a naive pattern trips on ---------- */

/* gen_number - one ordinary token; some are shaped like ids but fail their validators */
static void
gen_number(struct gen *g, char *t, size_t cap)
{
    char d[32], e[32];
    unsigned y = 2019 + gen_below(g, 8), m = 1 + gen_below(g, 12), day = 1 + gen_below(g, 28);
    /* 0-19 each once in 40, 20-39 fold onto the plain kinds: a shape that fails a validator
     * (cases 12-15, 18) is one number in 40, as in ordinary mail rather than a stress test */
    static const unsigned plain[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 17, 19};
    unsigned k = gen_below(g, 40);
    if (k >= 20)
        k = plain[k % NELEM(plain)];
    switch (k) {
    case 0:
        snprintf(t, cap, "%u-%02u-%02u", y, m, day);
        break;
    case 1:
        snprintf(t, cap, "%u.%02u.%02u", y, m, day);
        break;
    case 2:
        snprintf(t, cap, "%02u/%02u/%u", day, m, y);
        break;
    case 3:
        snprintf(t, cap, "%u년 %u월 %u일", y, m, day);
        break;
    case 4:
        gen_digits(g, d, 5);
        snprintf(t, cap, "ORD-%u%02u%02u-%s", y, m, day, d);
        break;
    case 5:
        gen_digits(g, d, 7);
        snprintf(t, cap, "#A%s", d);
        break;
    case 6:
        snprintf(t, cap, "$%u,%03u.%02u", 1 + gen_below(g, 99), gen_below(g, 1000),
                 gen_below(g, 100));
        break;
    case 7:
        snprintf(t, cap, "%u,%03u원", 1 + gen_below(g, 999), gen_below(g, 1000));
        break;
    case 8:
        snprintf(t, cap, "v%u.%u.%u", gen_below(g, 10), gen_below(g, 30), gen_below(g, 200));
        break;
    case 9: /* four-part versions look like IPv4 to a naive pattern */
        snprintf(t, cap, "%u.%u.%u.%u", 1 + gen_below(g, 9), gen_below(g, 20), gen_below(g, 50),
                 gen_below(g, 3000));
        break;
    case 10:
        gen_digits(g, d, 5);
        snprintf(t, cap, "https://www.example.com/orders/%s?ref=mail", d);
        break;
    case 11:
        snprintf(t, cap, "http://intranet.corp.example/wiki/Page_%u", gen_below(g, 5000));
        break;
    case 12: /* a tracking number in card-like groups that fails Luhn (made so below) */
        gen_digits(g, d, 16);
        d[15] = (char)('0' + (luhn_check_digit(d, 15) - '0' + 1 + gen_below(g, 9)) % 10);
        snprintf(t, cap, "%.4s %.4s %.4s %.4s", d, d + 4, d + 8, d + 12);
        break;
    case 13: /* phone-like, not a valid Korean number: bad prefix or short */
        gen_digits(g, d, 8);
        snprintf(t, cap, "0%u0-%.3s-%.4s", 7 + gen_below(g, 3), d, d + 3);
        break;
    case 14: /* RRN-shaped with a month that does not exist */
        gen_digits(g, d, 6);
        snprintf(t, cap, "%02u%02u%02u-%u%s", 60 + gen_below(g, 40), 13 + gen_below(g, 80), day,
                 1 + gen_below(g, 4), d);
        break;
    case 15: /* SSN-shaped with area 000 or 666 */
        gen_digits(g, d, 6);
        snprintf(t, cap, "%s-%.2s-%.4s", gen_below(g, 2) ? "666" : "000", d, d + 2);
        break;
    case 16:
        snprintf(t, cap, "%u.%u%%", gen_below(g, 100), gen_below(g, 10));
        break;
    case 17:
        snprintf(t, cap, "%u:%02u", gen_below(g, 24), gen_below(g, 60));
        break;
    case 18:
        gen_chars(g, e, 5, "abcdefghijklmnopqrstuvwxyz");
        snprintf(t, cap, "%s.%s@example.co.kr", e, e + 2);
        break;
    default:
        snprintf(t, cap, "%u,%03u", 1 + gen_below(g, 99), gen_below(g, 1000));
        break;
    }
}

/* ---- planted values, each valid by its validator's rules -------------------------------- */

static void
plant_card(struct gen *g, char *t, size_t cap)
{
    char d[20];
    static const char *const sep = " -";
    do {
        gen_digits(g, d, 15);
        d[0] = gen_below(g, 2) ? '4' : '5';
        if (d[0] == '5')
            d[1] = (char)('1' + gen_below(g, 5));
    } while (d[2] == d[3] && d[3] == d[4]);
    d[15] = luhn_check_digit(d, 15);
    d[16] = '\0';
    unsigned k = gen_below(g, 3);
    if (k == 2)
        snprintf(t, cap, "%s", d);
    else
        snprintf(t, cap, "%.4s%c%.4s%c%.4s%c%.4s", d, sep[k], d + 4, sep[k], d + 8, sep[k], d + 12);
}

static void
plant_iban(struct gen *g, char *t, size_t cap)
{
    char bban[19];
    gen_digits(g, bban, 18);
    /* BBAN + "DE00" with D=13 E=14, mod 97, check = 98 - rem (ISO 13616) */
    unsigned rem = 0;
    for (int i = 0; i < 18; i++)
        rem = (rem * 10 + (unsigned)(bban[i] - '0')) % 97;
    static const char tail[] = "131400";
    for (int i = 0; i < 6; i++)
        rem = (rem * 10 + (unsigned)(tail[i] - '0')) % 97;
    unsigned check = 98 - rem;
    snprintf(t, cap, "DE%02u %.4s %.4s %.4s %.4s %.2s", check, bban, bban + 4, bban + 8, bban + 12,
             bban + 16);
}

static void
plant_ssn(struct gen *g, char *t, size_t cap)
{
    unsigned area;
    do
        area = 1 + gen_below(g, 899);
    while (area == 666);
    snprintf(t, cap, "%03u-%02u-%04u", area, 1 + gen_below(g, 99), 1 + gen_below(g, 9999));
}

/* Korean RRN/FRN: YYMMDD-G + 5 digits + check; weights 2..9,2..5; RRN (11 - s%11)%10,
 * FRN (13 - s%11)%10 */
static void
plant_kr_id(struct gen *g, char *t, size_t cap, bool foreign)
{
    char d[14];
    unsigned yy = gen_below(g, 100), g7;
    bool c2000 = yy < 20;
    if (foreign)
        g7 = (c2000 ? 7 : 5) + gen_below(g, 2);
    else
        g7 = (c2000 ? 3 : 1) + gen_below(g, 2);
    snprintf(d, sizeof d, "%02u%02u%02u%u", yy, 1 + gen_below(g, 12), 1 + gen_below(g, 28), g7);
    gen_digits(g, d + 7, 5);
    static const unsigned w[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    unsigned s = 0;
    for (int i = 0; i < 12; i++)
        s += (unsigned)(d[i] - '0') * w[i];
    d[12] = (char)('0' + ((foreign ? 13 : 11) - s % 11) % 10);
    d[13] = '\0';
    snprintf(t, cap, "%.6s-%s", d, d + 6);
}

/* Korean business registration number: weights 1,3,7,1,3,7,1,3,5 + (d9 * 5) / 10 */
static void
plant_kr_brn(struct gen *g, char *t, size_t cap)
{
    char d[11];
    snprintf(d, sizeof d, "%03u", 101 + gen_below(g, 899));
    gen_digits(g, d + 3, 6);
    static const unsigned w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    unsigned s = 0;
    for (int i = 0; i < 9; i++)
        s += (unsigned)(d[i] - '0') * w[i];
    s += (unsigned)(d[8] - '0') * 5 / 10;
    d[9] = (char)('0' + (10 - s % 10) % 10);
    d[10] = '\0';
    snprintf(t, cap, "%.3s-%.2s-%s", d, d + 3, d + 5);
}

static void
plant_value(struct gen *g, unsigned kind, char *t, size_t cap)
{
    char a[128], b[128], c[128];
    switch (kind) {
    case 0:
        plant_card(g, t, cap);
        break;
    case 1:
        plant_iban(g, t, cap);
        break;
    case 2:
        plant_ssn(g, t, cap);
        break;
    case 3:
    case 4:
        plant_kr_id(g, t, cap, kind == 4);
        break;
    case 5:
        plant_kr_brn(g, t, cap);
        break;
    case 6:
        gen_digits(g, a, 7);
        snprintf(t, cap, "M%.3s%c%.4s", a, 'A' + gen_below(g, 26), a + 3);
        break;
    case 7:
        gen_digits(g, a, 8);
        snprintf(t, cap, "%u-%.2s-%.6s-%.2s", 11 + gen_below(g, 18), a, a + 2, a + 8 - 2);
        break;
    case 8:
        gen_digits(g, a, 7);
        snprintf(t, cap, "010-%c%.3s-%.4s", '2' + gen_below(g, 8), a, a + 3);
        break;
    case 9:
        gen_chars(g, a, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        snprintf(t, cap, "AKIA%s", a);
        break;
    case 10:
        gen_chars(g, a, 36, ALNUM);
        snprintf(t, cap, "ghp_%s", a);
        break;
    case 11:
        gen_digits(g, a, 25);
        gen_chars(g, b, 24, ALNUM);
        snprintf(t, cap, "xoxb-%.12s-%.13s-%s", a, a + 12, b);
        break;
    case 12:
        gen_chars(g, a, 24, ALNUM);
        snprintf(t, cap, "sk_live_%s", a);
        break;
    case 13:
        gen_chars(g, a, 35, B64URL);
        snprintf(t, cap, "AIza%s", a);
        break;
    case 14:
        gen_chars(g, a, 20, ALNUM);
        gen_chars(g, b, 20, ALNUM);
        snprintf(t, cap, "sk-%sT3BlbkFJ%s", a, b);
        break;
    case 15: /* {"sub":"1234567890","name":"Kim","iat":1516239022} */
        gen_chars(g, c, 43, B64URL);
        snprintf(t, cap,
                 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ik"
                 "tpbSIsImlhdCI6MTUxNjIzOTAyMn0.%s",
                 c);
        break;
    case 16:
        gen_chars(g, a, 64, B64STD);
        gen_chars(g, b, 64, B64STD);
        snprintf(t, cap,
                 "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA%.48s\n%s\n%s\n"
                 "-----END RSA PRIVATE KEY-----",
                 a, b, a);
        break;
    case 17:
        gen_chars(g, a, 32, ALNUM);
        a[5] = '#';
        snprintf(t, cap, "api_key = \"%s\"", a);
        break;
    default:
        gen_chars(g, a, 6, "abcdefghijklmnopqrstuvwxyz");
        gen_chars(g, b, 14, ALNUM);
        snprintf(t, cap,
                 "URL: https://accounts.%s.example/login\nUsername: %s@example.com\n"
                 "Password: %s!\nApplication: Google_[Chrome]_Default\n===============",
                 a, a + 1, b);
        break;
    }
}

static const char *const plant_context[GEN_PLANT_COUNT] = {
    "Card number:",
    "IBAN:",
    "SSN:",
    "주민등록번호:",
    "외국인등록번호:",
    "사업자등록번호:",
    "여권번호:",
    "운전면허번호:",
    "휴대폰:",
    "AWS access key:",
    "GitHub token:",
    "Slack token:",
    "Stripe key:",
    "Google API key:",
    "OpenAI key:",
    "token:",
    "",
    "",
    "",
};

/* gen_plant - a planted value, with its context word most of the time */
static void
gen_plant(struct gen *g)
{
    char t[512];
    unsigned kind = gen_below(g, GEN_PLANT_COUNT);
    plant_value(g, kind, t, sizeof t);
    g->planted[kind]++;
    if (kind >= 16) { /* multi-line values start on their own line */
        gen_newline(g);
        gen_put(g, t, strlen(t));
        gen_newline(g);
        return;
    }
    if (gen_below(g, 4) != 0)
        gen_word(g, plant_context[kind]);
    gen_word(g, t);
}

/* gen_sentence - 5-17 words, one language, an ordinary number now and then */
static void
gen_sentence(struct gen *g, bool korean)
{
    unsigned n = 5 + gen_below(g, 13);
    char w[160];
    for (unsigned i = 0; i < n; i++) {
        if (gen_below(g, 16) == 0) {
            gen_number(g, w, sizeof w);
            gen_word(g, w);
        } else if (korean) {
            gen_word(g, ko_words[gen_below(g, NELEM(ko_words))]);
        } else {
            gen_word(g, en_words[gen_below(g, NELEM(en_words))]);
        }
    }
    gen_put(g, ".", 1);
    g->col++;
    if (gen_pos(g) >= g->next_plant) {
        gen_plant(g);
        g->next_plant += PLANT_EVERY;
    }
}

void
gen_text(uint64_t seed, uint64_t bytes, void (*sink)(void *ctx, const uint8_t *p, size_t n),
         void *ctx, unsigned planted[GEN_PLANT_COUNT])
{
    struct gen *g = calloc(1, sizeof *g);
    if (g == NULL)
        abort();
    g->s = seed;
    g->sink = sink;
    g->ctx = ctx;
    g->limit = bytes;
    g->next_plant = PLANT_EVERY / 2;
    while (gen_pos(g) < bytes) {
        unsigned lang = gen_below(g, 10); /* 0-5 English, 6-8 Korean, 9 mixed */
        unsigned ns = 2 + gen_below(g, 6);
        for (unsigned i = 0; i < ns; i++)
            gen_sentence(g, lang >= 6 && (lang < 9 || i % 2 == 1));
        gen_newline(g);
        gen_newline(g);
    }
    /* the last bytes may cut a UTF-8 sequence: replace the cut one with newlines */
    if (g->nstage > 0 && g->written + g->nstage > bytes) {
        size_t keep = (size_t)(bytes - g->written);
        size_t i = keep;
        while (i > 0 && (g->stage[i - 1] & 0xc0) == 0x80)
            i--;
        if (i > 0 && g->stage[i - 1] >= 0xc0)
            i--;
        else
            i = keep;
        memset(g->stage + i, '\n', keep - i);
    }
    gen_flush(g);
    for (unsigned k = 0; k < GEN_PLANT_COUNT; k++)
        planted[k] += g->planted[k];
    free(g);
}

const char *
gen_plant_name(unsigned k)
{
    return k < GEN_PLANT_COUNT ? plant_names[k] : "?";
}
