/* test_dlp_engine - the DLP engine: every built-in detector on planted values (exact offsets
 * and redactions), context words, a clean text full of numbers, split invariance, custom
 * keyword / regex detectors, disabled detectors, EDM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlp/dlp.h"

#define MAXF 256

struct rec {
    char det[48];
    uint64_t off;
    uint32_t len;
    int conf;
    bool ctx;
    char red[DLP_REDACTED_MAX];
    char detail[32];
};

struct got {
    struct rec f[MAXF];
    size_t n;
};

static void
collect(void *ctx, const struct dlp_finding *f)
{
    struct got *g = ctx;

    assert_true(g->n < MAXF);
    struct rec *r = &g->f[g->n++];
    snprintf(r->det, sizeof r->det, "%s", f->detector);
    r->off = f->offset;
    r->len = f->length;
    r->conf = f->confidence;
    r->ctx = f->context;
    snprintf(r->red, sizeof r->red, "%s", f->redacted);
    snprintf(r->detail, sizeof r->detail, "%s", f->detail);
}

/* scan - feed text in pieces of `step` bytes (0: whole), collect the findings */
static void
scan(const struct dlp_engine *e, const char *text, size_t len, size_t step, struct got *g)
{
    struct dlp_stream *s = dlp_stream_new(e, collect, g);

    memset(g, 0, sizeof *g);
    for (size_t o = 0; o < len;) {
        size_t n = step == 0 || len - o < step ? len - o : step;
        assert_int_equal(dlp_stream_feed(s, text + o, n), 0);
        o += n;
    }
    assert_int_equal(dlp_stream_end(s), 0);
    dlp_stream_free(s);
}

static struct dlp_engine *
engine(const struct dlp_options *opt)
{
    char err[256];
    struct dlp_engine *e = dlp_engine_new(opt, err, sizeof err);
    if (e == NULL)
        print_message("engine: %s\n", err);
    assert_non_null(e);
    return e;
}

static void
test_builtin_list(void **state)
{
    assert_int_equal(dlp_builtin_count(), 21);
    for (size_t i = 0; i < dlp_builtin_count(); i++) {
        const struct dlp_detector_info *d = dlp_builtin(i);
        assert_non_null(d);
        assert_true(strlen(d->id) > 0 && strlen(d->category) > 0 && strlen(d->description) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(dlp_builtin(j)->id, d->id);
    }
    assert_null(dlp_builtin(dlp_builtin_count()));
}

/* a planted value: the text before it, the value, and what must be reported */
struct plant {
    const char *before, *value, *det;
    int conf;
    bool ctx;
    const char *red, *detail;
};

static const struct plant plants[] = {
    {"Card ", "4111 1111 1111 1111", "card", 100, true, "**** **** **** 1111", "visa"},
    {" ok. MC ", "5500-0000-0000-0004", "card", 100, true, "**** **** **** 0004", "mastercard"},
    {" amex ", "378282246310005", "card", 100, true, "**** **** **** 0005", "amex"},
    {"\nIBAN ", "DE89 3704 0044 0532 0130 00", "iban", 100, true, "DE****************3000", "DE"},
    {" and ", "GB82 WEST 1234 5698 7654 32", "iban", 100, true, "GB****************5432", "GB"},
    {"\nssn ", "536-22-1234", "us_ssn", 100, true, "***-**-1234", ""},
    {" rrn ", "900101-1234568", "kr_rrn", 90, false, "900101-1******", ""},
    {" frn ", "900101-5234567", "kr_frn", 55, false, "900101-5******", "no_checksum"},
    {" brn ", "124-81-00998", "kr_brn", 85, false, "12********98", ""},
    {"\npassport ", "M12345678", "kr_passport", 65, true, "M1*****78", ""},
    {" licence ", "11-12-345678-90", "kr_driver", 60, false, "11***********90", ""},
    {" tel ", "010-1234-5678", "kr_phone", 80, true, "01*********78", "mobile"},
    {"\nkey ", "AKIAQYLPMN5HFIQR7XYZ", "secret.aws_key", 90, false, "AKIA…(20)", "aws"},
    {" gh ", "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", "secret.github_token", 95, false,
     "ghp_…(40)", "github"},
    {" slack ", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "secret.slack_token",
     90, false, "xoxb…(56)", "slack"},
    {"\nstripe ", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "secret.stripe_key", 95, false, "sk_l…(32)",
     "stripe"},
    {" google ", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "secret.google_api_key", 90, false,
     "AIza…(39)", "google"},
    {" openai ", "sk-proj-Ab3De5Fg7Hi9Jk1Lm3No5Pq7Rs9Tu1Vw3Xy5", "secret.openai_key", 90, false,
     "sk-p…(44)", "openai"},
    {"\njwt ",
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
     "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
     "secret.jwt", 90, false, "eyJh…(155)", "HS256"},
    {".\n", "-----BEGIN RSA PRIVATE KEY-----", "secret.private_key", 90, false,
     "-----BEGIN RSA PRIVATE KEY-----", "rsa"},
    {"\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\napi_key = \"", "Zx9Qw8Er7Ty6Ui5Op4As3Df2",
     "secret.generic", 95, true, "Zx9Q…(24)", ""},
    {"\"\n\n", "URL: https://accounts.example.com/login\nUsername: alice\nPassword: hunter2",
     "infostealer.credentials", 90, false, "URL: accounts.example.com, Username: *, Password: *",
     ""},
    {"\n\n", "# Netscape HTTP Cookie File", "infostealer.cookies", 85, false,
     "# Netscape HTTP Cookie File", ""},
    {"\n.example.com\tTRUE\t/\tFALSE\t1700000000\tsid\tabc\n\n",
     "PC Name: DESKTOP-1\nDate & Time: 2024-01-01\nIP Address: 10.0.0.1", "infostealer.sysinfo", 80,
     false, "PC Name, Date & Time, IP Address", ""},
};
#define NPLANTS (sizeof plants / sizeof plants[0])

/* planted_text - the plants concatenated; offsets[i] where value i starts */
static size_t
planted_text(char *out, size_t cap, uint64_t *offsets)
{
    size_t n = 0;

    for (size_t i = 0; i < NPLANTS; i++) {
        size_t a = strlen(plants[i].before), b = strlen(plants[i].value);
        assert_true(n + a + b + 2 < cap);
        memcpy(out + n, plants[i].before, a);
        n += a;
        offsets[i] = n;
        memcpy(out + n, plants[i].value, b);
        n += b;
    }
    out[n++] = '\n';
    out[n] = '\0';
    return n;
}

/* expect_plants - each plant reported once, exactly, in order */
static void
expect_plants(const struct got *g, const uint64_t *offsets)
{
    assert_int_equal(g->n, NPLANTS);
    for (size_t i = 0; i < NPLANTS; i++) {
        const struct plant *p = &plants[i];
        const struct rec *r = &g->f[i];
        print_message("%s off=%llu len=%u conf=%d ctx=%d %s\n", r->det, (unsigned long long)r->off,
                      r->len, r->conf, r->ctx, r->red);
        assert_string_equal(r->det, p->det);
        assert_int_equal(r->off, offsets[i]);
        assert_int_equal(r->len, strlen(p->value));
        assert_int_equal(r->conf, p->conf);
        assert_int_equal(r->ctx, p->ctx);
        assert_string_equal(r->red, p->red);
        assert_string_equal(r->detail, p->detail);
    }
}

static void
test_planted_values(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static char text[8192];
    static struct got g;
    uint64_t offsets[NPLANTS];
    size_t n = planted_text(text, sizeof text, offsets);

    scan(e, text, n, 0, &g);
    expect_plants(&g, offsets);
    dlp_engine_free(e);
}

/* findings sorted by (offset, detector): what split invariance compares */
static int
rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return strcmp(x->det, y->det);
}

static void
expect_same(struct got *a, struct got *b)
{
    qsort(a->f, a->n, sizeof a->f[0], rec_cmp);
    qsort(b->f, b->n, sizeof b->f[0], rec_cmp);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->f[i].det, b->f[i].det);
        assert_int_equal(a->f[i].off, b->f[i].off);
        assert_int_equal(a->f[i].len, b->f[i].len);
        assert_int_equal(a->f[i].conf, b->f[i].conf);
        assert_int_equal(a->f[i].ctx, b->f[i].ctx);
        assert_string_equal(a->f[i].red, b->f[i].red);
    }
}

static void
test_split_invariance(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static char text[8192];
    static struct got whole, part;
    uint64_t offsets[NPLANTS];
    size_t n = planted_text(text, sizeof text, offsets);

    scan(e, text, n, 0, &whole);
    expect_plants(&whole, offsets);
    scan(e, text, n, 1, &part);
    expect_same(&whole, &part);
    for (size_t step = 2; step < 300; step += 7) {
        scan(e, text, n, step, &part);
        expect_same(&whole, &part);
    }
    /* random splits */
    struct dlp_stream *s;
    srand(7);
    for (int round = 0; round < 50; round++) {
        memset(&part, 0, sizeof part);
        s = dlp_stream_new(e, collect, &part);
        for (size_t o = 0; o < n;) {
            size_t k = (size_t)(rand() % 97) + 1;
            k = k > n - o ? n - o : k;
            assert_int_equal(dlp_stream_feed(s, text + o, k), 0);
            o += k;
        }
        dlp_stream_end(s);
        dlp_stream_free(s);
        expect_same(&whole, &part);
    }
    dlp_engine_free(e);
}

/* long runs of digits, spaces, dashes and pluses with valid values inside: where a run is
 * cut must not change what is found (a long run is looked at in windows) */
static void
test_split_invariance_digit_runs(void **state)
{
    static const char alphabet[] = "0123456789012345678901234567890123456789  --+";
    static const char *valid[] = {"4111 1111 1111 1111", "+82 10-1234-5678", "900101-1234568",
                                  "010-1234-5678", "11-12-345678-90"};
    struct dlp_engine *e = engine(NULL);
    static char text[6000];
    static struct got whole, part;
    uint32_t x = 12345;
    size_t n = 0;

    while (n < sizeof text - 32) {
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 400 == 0) {
            text[n++] = '\n';
        } else if ((x >> 16) % 50 == 0) {
            const char *v = valid[(x >> 8) % 5];
            memcpy(text + n, v, strlen(v));
            n += strlen(v);
        } else {
            text[n++] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
        }
    }
    scan(e, text, n, 0, &whole);
    assert_true(whole.n > 0);
    scan(e, text, n, 1, &part);
    expect_same(&whole, &part);
    for (size_t step = 3; step < 200; step += 13) {
        scan(e, text, n, step, &part);
        expect_same(&whole, &part);
    }
    dlp_engine_free(e);
}

/* inputs the fuzzer found (fuzz/corpus/fuzz_dlp_engine): split as fuzz_dlp_engine splits */
static void
test_split_invariance_fuzz_finds(void **state)
{
    static const char *files[] = {"split_long_digit_run"};
    const char *src = getenv("SW_SOURCE_DIR");
    struct dlp_engine *e = engine(NULL);
    static struct got whole, part;
    static uint8_t data[8192];
    char path[512];

    assert_non_null(src);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/fuzz/corpus/fuzz_dlp_engine/%s", src, files[i]);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        size_t n = fread(data, 1, sizeof data, fp);
        fclose(fp);
        assert_true(n > 1);
        uint32_t seed = data[0] * 2654435761u + 1;
        scan(e, (const char *)data + 1, n - 1, 0, &whole);
        memset(&part, 0, sizeof part);
        struct dlp_stream *s = dlp_stream_new(e, collect, &part);
        for (size_t o = 1; o < n;) {
            seed = seed * 1103515245u + 12345u;
            size_t k = (seed >> 16) % 67 + 1;
            k = k > n - o ? n - o : k;
            assert_int_equal(dlp_stream_feed(s, data + o, k), 0);
            o += k;
        }
        dlp_stream_end(s);
        dlp_stream_free(s);
        expect_same(&whole, &part);
    }
    dlp_engine_free(e);
}

static void
test_stream_reuse(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    struct dlp_stream *s = dlp_stream_new(e, collect, &g);
    const char t[] = "card 4111 1111 1111 1111\n";

    memset(&g, 0, sizeof g);
    for (int i = 0; i < 3; i++) {
        dlp_stream_feed(s, t, strlen(t));
        dlp_stream_end(s);
    }
    assert_int_equal(g.n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(g.f[i].off, 5); /* offsets restart with each text */
    dlp_stream_free(s);
    dlp_engine_free(e);
}

static void
test_context_window(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    static char text[1024];
    char pad[200];

    /* no context word: the validator's confidence */
    scan(e, "ref 11-12-345678-90 end", 23, 0, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.f[0].ctx);
    int base = g.f[0].conf;
    assert_int_equal(base, 60);
    /* a Korean context word before, English ones after, any case */
    const char *with[] = {"운전면허: 11-12-345678-90", "11-12-345678-90 is my Driver's License",
                          "DRIVER LICENSE 11-12-345678-90", "면허번호11-12-345678-90"};
    for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
        scan(e, with[i], strlen(with[i]), 0, &g);
        assert_int_equal(g.n, 1);
        assert_true(g.f[0].ctx);
        assert_int_equal(g.f[0].conf, base + 20);
    }
    /* another detector's context word does not count */
    scan(e, "card number 11-12-345678-90", 27, 0, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.f[0].ctx);
    /* 150 bytes away on both sides: outside the default window of 100 */
    memset(pad, 'x', sizeof pad);
    for (size_t i = 0; i < 150; i += 10)
        pad[i] = ' ';
    int n = snprintf(text, sizeof text, "운전면허 %.150s 11-12-345678-90 %.150s driver license",
                     pad, pad);
    scan(e, text, (size_t)n, 0, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.f[0].ctx);
    assert_int_equal(g.f[0].conf, base);
    /* a word that only contains the context word does not count */
    scan(e, "hotel 11-12-345678-90", 21, 0, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.f[0].ctx);
    scan(e, "drivers licenses 11-12-345678-90", 32, 0, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.f[0].ctx);
    dlp_engine_free(e);

    /* a wider window reaches it */
    struct dlp_options opt = {.context_window = 200};
    e = engine(&opt);
    scan(e, text, (size_t)n, 0, &g);
    assert_int_equal(g.n, 1);
    assert_true(g.f[0].ctx);
    assert_int_equal(g.f[0].conf, base + 20);
    dlp_engine_free(e);
}

/* numbers everywhere, none of which passes a validator */
static const char clean[] =
    "Order #20231118-93065 shipped on 2024-01-15 10:30 and 2019.01.21; invoice 1234567 total "
    "$1,234.56 or 1,234,567 KRW. Tracking 1234 5678 9012 3456 (fails Luhn), 4111 1111 1111 "
    "1112. ISBN 978-3-16-148410-0, ISBN-10 0-306-40615-2. Version 1.2.3.4567 and v10.20.30; "
    "build 20240115103045, timestamp 1700000000123. Phone-like 090-310-4154 and "
    "0000-0000-0000-0000. RRN-like 901301-1234567 (month 13), SSN-like 000-12-3456 and "
    "666-12-3456, 123-00-4567. IBAN-like DE00 3704 0044 0532 0130 00. 2024년 1월 15일 회의 "
    "10시 30분, 금액 1,500,000원, 주문번호 A-20240115-0001. IP 192.168.10.254, "
    "coordinates 37.5665, 126.9780. Password: hunter2 (too short to be a secret). token: "
    "aaaaaaaaaaaaaaaaaaaaaaaa. The task-management-and-scheduling tool, desk-top.\n"
    "URL: https://example.com only, and a lone Time: 10:30.\n";

static void
test_clean_text(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;

    scan(e, clean, strlen(clean), 0, &g);
    for (size_t i = 0; i < g.n; i++)
        print_message("unexpected: %s at %llu: %s\n", g.f[i].det, (unsigned long long)g.f[i].off,
                      g.f[i].red);
    assert_int_equal(g.n, 0);
    scan(e, clean, strlen(clean), 1, &g);
    assert_int_equal(g.n, 0);
    dlp_engine_free(e);
}

static void
test_boundaries(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    const char *glued[] = {
        "94111111111111111110",                      /* inside a longer number */
        "x4111111111111111",                         /* glued to a letter */
        "1.4111111111111111",                        /* a decimal */
        "AKIAQYLPMN5HFIQR7XYZQ",                     /* one character too long */
        "xAKIAQYLPMN5HFIQR7XYZ",                     /* glued */
        "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5z", /* too long */
    };
    for (size_t i = 0; i < sizeof glued / sizeof glued[0]; i++) {
        scan(e, glued[i], strlen(glued[i]), 0, &g);
        assert_int_equal(g.n, 0);
    }
    /* the same card repeated, one finding each; overlapping shapes give one */
    const char two[] = "4111111111111111 4111111111111111";
    scan(e, two, strlen(two), 0, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.f[0].off, 0);
    assert_int_equal(g.f[1].off, 17);
    /* at the very end of the text, no trailing byte */
    scan(e, "4111111111111111", 16, 0, &g);
    assert_int_equal(g.n, 1);
    dlp_engine_free(e);
}

/* test_csv_rows - values in CSV columns, glued by commas to other numbers (the digit scan
 * takes such a run as its own chain without walking it): every card and mobile number is
 * found once, the plain 10-digit ids are not, whole and in any split */
static void
test_csv_rows(void **state)
{
    static const char *const values[] = {"4111111111111111", "5500000000000004", "01012345678",
                                         "1234567890"};
    static char text[64 * 1024];
    static struct got g;
    struct dlp_engine *e = engine(NULL);
    size_t len = 0;
    unsigned want[4] = {0};

    for (unsigned row = 0; row < 200; row++) {
        unsigned k = row % 4;
        len +=
            (size_t)snprintf(text + len, sizeof text - len, "%u,2024-%02u-%02u,%u,%s,%u\n", row * 7,
                             1 + row % 12, 1 + row % 28, 1000 + row * 13, values[k], row % 97);
        want[k]++;
    }
    static const size_t steps[] = {0, 1, 7, 63, 64, 65, 4096};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        unsigned cards = 0, phones = 0;
        scan(e, text, len, steps[i], &g);
        for (size_t f = 0; f < g.n; f++) {
            if (strcmp(g.f[f].det, "card") == 0)
                cards++;
            else if (strcmp(g.f[f].det, "kr_phone") == 0)
                phones++;
            else
                fail_msg("unexpected %s: %s", g.f[f].det, g.f[f].red);
        }
        assert_int_equal(cards, want[0] + want[1]);
        assert_int_equal(phones, want[2]);
    }
    /* a first column is bounded by the line start; a spaced value glued to ",282" is not a
     * field but the head of a longer number (17 digits that pass Luhn only with the "1") */
    static const struct {
        const char *text;
        size_t n;
    } edges[] = {
        {"id\n4111111111111111,17\n", 1},
        {"total\n4111 1111 1111 1112 1,282 won\n", 0},
        {"x;4111111111111111;y\n", 1},
        {"x,4111111111111111.5\n", 0},
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        scan(e, edges[i].text, strlen(edges[i].text), 0, &g);
        assert_int_equal(g.n, edges[i].n);
    }
    dlp_engine_free(e);
}

/* the generic secret rule: a keyword, an assignment, a high-entropy value */
static void
test_secret_keywords(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    const char t[] = "token=Zx9Qw8Er7Ty6Ui5Op4As3Df2\n"
                     "PASSWORD: 'Zx9Qw8Er7Ty6Ui5Op4As3Df3'\n"
                     "pwd\t=\tZx9Qw8Er7Ty6Ui5Op4As3Df4.\n"
                     "the token is Zx9Qw8Er7Ty6Ui5Op4As3Df5\n"
                     "password    = Zx9Qw8Er7Ty6Ui5Op4As3Df6\n"
                     "secret=aaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    const char *vals[] = {"Zx9Qw8Er7Ty6Ui5Op4As3Df2", "Zx9Qw8Er7Ty6Ui5Op4As3Df3",
                          "Zx9Qw8Er7Ty6Ui5Op4As3Df4"};

    scan(e, t, strlen(t), 0, &g);
    assert_int_equal(g.n, 3); /* no assignment; four spaces; a run of one letter: none */
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(g.f[i].det, "secret.generic");
        assert_int_equal(g.f[i].off, (uint64_t)(strstr(t, vals[i]) - t));
        assert_int_equal(g.f[i].len, 24);
        assert_string_equal(g.f[i].red, "Zx9Q…(24)");
    }
    dlp_engine_free(e);
}

/* both passport forms, whatever the middle letter (an O or an M is also a first letter) */
static void
test_passport_forms(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    const char t[] = "여권번호: M740O0894 and S123A4567 x M12345678 R1234567890 D12345678 "
                     "xM12345678 M123456789";
    static const struct {
        uint64_t off;
        int conf;
        const char *red;
    } want[] = {
        {14, 75, "M7*****94"}, {28, 75, "S1*****67"}, {40, 65, "M1*****78"}, {62, 65, "D1*****78"}};

    scan(e, t, strlen(t), 0, &g);
    assert_int_equal(g.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(g.f[i].det, "kr_passport");
        assert_int_equal(g.f[i].off, want[i].off);
        assert_int_equal(g.f[i].len, 9);
        assert_int_equal(g.f[i].conf, want[i].conf);
        assert_string_equal(g.f[i].red, want[i].red);
    }
    dlp_engine_free(e);
}

static void
test_infostealer_shapes(void **state)
{
    struct dlp_engine *e = engine(NULL);
    static struct got g;
    /* Agent Tesla style: HTML lines, two credential blocks */
    const char tesla[] = "Time: 01/02/2024 10:00:00<br>User Name: bob<br>Computer Name: PC-1<br>"
                         "OSFullName: Microsoft Windows 10 Pro<br>CPU: Intel<br>RAM: 8 GB<br>"
                         "IP Address: 10.1.2.3<br><hr>Host: https://login.live.com/x<br>"
                         "Username: bob@example.com<br>Password: s3cr3t!<br>Application: "
                         "Chrome<br><hr>Host: mail.example.org<br>Username: bob<br>Password: "
                         "pw<br>Application: Outlook<br><hr>";

    scan(e, tesla, strlen(tesla), 0, &g);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.f[0].det, "infostealer.sysinfo");
    assert_int_equal(g.f[0].off, 0);
    assert_string_equal(g.f[0].red, "Time, User Name, Computer Name");
    assert_string_equal(g.f[1].det, "infostealer.credentials");
    assert_int_equal(g.f[1].off, (uint64_t)(strstr(tesla, "Host:") - tesla));
    assert_string_equal(g.f[1].red, "Host: login.live.com, Username: *, Password: *");
    assert_null(strstr(g.f[1].red, "s3cr3t"));
    assert_string_equal(g.f[2].det, "infostealer.credentials");
    assert_string_equal(g.f[2].red, "Host: mail.example.org, Username: *, Password: *");
    const char *p2 = strstr(tesla, "Host: mail");
    assert_int_equal(g.f[2].off, (uint64_t)(p2 - tesla));
    assert_int_equal(g.f[2].len, (uint32_t)(strstr(p2, "pw<br>") + 2 - p2));

    /* three cookie lines without a header: one finding; a fourth adds nothing */
    const char cookies[] = "x\n.a.com\tTRUE\t/\tFALSE\t0\tn\tv\n.b.com\tFALSE\t/p\tTRUE\t1\tn\tv\n"
                           ".c.com\tTRUE\t/\tTRUE\t2\tn\tv\n.d.com\tTRUE\t/\tTRUE\t2\tn\tv\n";
    scan(e, cookies, strlen(cookies), 0, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.f[0].det, "infostealer.cookies");
    assert_int_equal(g.f[0].off, 2);
    assert_string_equal(g.f[0].red, "cookie lines: .a.com");
    /* two cookie lines, or a bad expiry, are not a file */
    const char few[] = ".a.com\tTRUE\t/\tFALSE\t0\tn\tv\n.b.com\tTRUE\t/\tFALSE\tx\tn\tv\n"
                       ".c.com\tTRUE\t/\tFALSE\t3\tn\tv\n";
    scan(e, few, strlen(few), 0, &g);
    assert_int_equal(g.n, 0);
    /* labels far apart are not one dump */
    static char far[2048];
    int n = snprintf(far, sizeof far, "URL: a.com\n%600s\nUsername: u\nPassword: p\n", "");
    scan(e, far, (size_t)n, 0, &g);
    assert_int_equal(g.n, 0);
    dlp_engine_free(e);
}

static void
test_custom_detectors(void **state)
{
    const char *kw[] = {"Project Falcon", "기밀"};
    const char *rx[] = {"EMP-\\d{6}", "INV[0-9]+"};
    struct dlp_custom c[] = {
        {.id = "projects", .kind = DLP_CUSTOM_KEYWORDS, .patterns = kw, .npatterns = 2},
        {.id = "employee",
         .kind = DLP_CUSTOM_REGEX,
         .patterns = rx,
         .npatterns = 2,
         .case_sensitive = true,
         .confidence = 70},
    };
    struct dlp_options opt = {.custom = c, .ncustom = 2};
    struct dlp_engine *e = engine(&opt);
    static struct got g;
    const char t[] = "About PROJECT FALCON: 기밀입니다. Ids EMP-123456, emp-654321, INV12345 "
                     "and project falconry.";

    scan(e, t, strlen(t), 0, &g);
    assert_int_equal(g.n, 4);
    qsort(g.f, g.n, sizeof g.f[0], rec_cmp);
    assert_string_equal(g.f[0].det, "custom.projects");
    assert_int_equal(g.f[0].off, 6);
    assert_int_equal(g.f[0].len, 14);
    assert_int_equal(g.f[0].conf, 80);
    assert_string_equal(g.f[0].red, "PR**********ON");
    assert_string_equal(g.f[1].det, "custom.projects");
    assert_int_equal(g.f[1].off, 22);
    assert_int_equal(g.f[1].len, 6);
    assert_string_equal(g.f[2].det, "custom.employee");
    assert_int_equal(g.f[2].off, (uint64_t)(strstr(t, "EMP-") - t));
    assert_int_equal(g.f[2].len, 10);
    assert_int_equal(g.f[2].conf, 70);
    assert_string_equal(g.f[2].red, "EM******56");
    assert_string_equal(g.f[3].det, "custom.employee");
    assert_int_equal(g.f[3].off, (uint64_t)(strstr(t, "INV") - t));
    assert_int_equal(g.f[3].len, 8); /* the longest of the overlapping matches */
    /* split invariance for the custom ones too */
    static struct got b;
    scan(e, t, strlen(t), 1, &b);
    expect_same(&g, &b);
    dlp_engine_free(e);
}

static void
test_bad_custom(void **state)
{
    char err[256];
    const char *bad[] = {"ok", "(unclosed"};
    struct dlp_custom c = {
        .id = "broken", .kind = DLP_CUSTOM_REGEX, .patterns = bad, .npatterns = 2};
    struct dlp_options opt = {.custom = &c, .ncustom = 1};

    assert_null(dlp_engine_new(&opt, err, sizeof err));
    print_message("%s\n", err);
    assert_non_null(strstr(err, "custom.broken"));
    assert_non_null(strstr(err, "pattern 2"));
    const char *empty[] = {""};
    c = (struct dlp_custom){
        .id = "nothing", .kind = DLP_CUSTOM_KEYWORDS, .patterns = empty, .npatterns = 1};
    assert_null(dlp_engine_new(&opt, err, sizeof err));
    assert_non_null(strstr(err, "custom.nothing"));
    c.npatterns = 0;
    assert_null(dlp_engine_new(&opt, err, sizeof err));
    assert_non_null(strstr(err, "custom.nothing"));
    struct dlp_custom two[2] = {
        {.id = "a", .kind = DLP_CUSTOM_KEYWORDS, .patterns = bad, .npatterns = 1},
        {.id = "a", .kind = DLP_CUSTOM_KEYWORDS, .patterns = bad, .npatterns = 1}};
    opt.custom = two;
    opt.ncustom = 2;
    assert_null(dlp_engine_new(&opt, err, sizeof err));
    assert_non_null(strstr(err, "custom.a"));
}

static void
test_disabled(void **state)
{
    const char *off[] = {"card", "secret", "infostealer.cookies"};
    struct dlp_options opt = {.disabled = off, .ndisabled = 3};
    struct dlp_engine *e = engine(&opt);
    static char text[8192];
    static struct got g;
    uint64_t offsets[NPLANTS];
    size_t n = planted_text(text, sizeof text, offsets);

    scan(e, text, n, 0, &g);
    size_t want = 0;
    for (size_t i = 0; i < NPLANTS; i++)
        if (strcmp(plants[i].det, "card") != 0 && strncmp(plants[i].det, "secret.", 7) != 0 &&
            strcmp(plants[i].det, "infostealer.cookies") != 0)
            want++;
    assert_int_equal(g.n, want);
    for (size_t i = 0; i < g.n; i++) {
        assert_string_not_equal(g.f[i].det, "card");
        assert_true(strncmp(g.f[i].det, "secret.", 7) != 0);
        assert_string_not_equal(g.f[i].det, "infostealer.cookies");
    }
    dlp_engine_free(e);

    /* everything off: an engine that finds nothing */
    const char *all[] = {"financial", "national_id", "business_id",
                         "contact",   "secret",      "infostealer"};
    opt = (struct dlp_options){.disabled = all, .ndisabled = 6};
    e = engine(&opt);
    scan(e, text, n, 0, &g);
    assert_int_equal(g.n, 0);
    dlp_engine_free(e);
}

/* exact data match through the engine: a table of real records, a text naming one */
static void
test_edm(void **state)
{
    char path[] = "/tmp/test_dlp_engine_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char csv[] = "name,rrn,city\n"
                       "Hong Gildong,900101-1234568,Seoul\n"
                       "Kim Cheolsu,850505-1234561,Busan\n";
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    struct dlp_custom c = {.id = "staff", .kind = DLP_CUSTOM_EDM, .confidence = 95};
    c.edm.path = path;
    c.edm.primary = "rrn";
    c.edm.min_cells = 2;
    const char *off[] = {"national_id"}; /* only the EDM finding, not kr_rrn */
    struct dlp_options opt = {.custom = &c, .ncustom = 1, .disabled = off, .ndisabled = 1};
    struct dlp_engine *e = engine(&opt);
    static struct got g, b;
    static char t[2048];
    /* row 2's name and number are more than the window (512 bytes) apart: no match */
    snprintf(t, sizeof t,
             "Employee: Hong Gildong, RRN 900101-1234568, lives in Seoul. Kim Cheolsu%600s"
             "850505-1234561 alone.",
             "");

    scan(e, t, strlen(t), 0, &g);
    for (size_t i = 0; i < g.n; i++)
        print_message("%s off=%llu len=%u %s %s\n", g.f[i].det, (unsigned long long)g.f[i].off,
                      g.f[i].len, g.f[i].red, g.f[i].detail);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.f[0].det, "custom.staff");
    assert_int_equal(g.f[0].off, (uint64_t)(strstr(t, "900101") - t));
    assert_int_equal(g.f[0].len, 14);
    assert_int_equal(g.f[0].conf, 95);
    assert_string_equal(g.f[0].red, "row 1, 3 cells");
    scan(e, t, strlen(t), 1, &b);
    expect_same(&g, &b);
    dlp_engine_free(e);

    /* a missing table: the error names the detector */
    char err[256];
    c.edm.path = "/nonexistent/staff.csv";
    assert_null(dlp_engine_new(&opt, err, sizeof err));
    assert_non_null(strstr(err, "custom.staff"));
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_list),
        cmocka_unit_test(test_planted_values),
        cmocka_unit_test(test_split_invariance),
        cmocka_unit_test(test_split_invariance_digit_runs),
        cmocka_unit_test(test_split_invariance_fuzz_finds),
        cmocka_unit_test(test_stream_reuse),
        cmocka_unit_test(test_context_window),
        cmocka_unit_test(test_clean_text),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_csv_rows),
        cmocka_unit_test(test_secret_keywords),
        cmocka_unit_test(test_passport_forms),
        cmocka_unit_test(test_infostealer_shapes),
        cmocka_unit_test(test_custom_detectors),
        cmocka_unit_test(test_bad_custom),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_edm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
