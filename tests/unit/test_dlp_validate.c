/* test_dlp_validate - the DLP validators on published test vectors, each with one digit
 * changed, hostile shapes, and the exact redacted forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlp/dlp_validate.h"
#include "util/base64.h"
#include "util/buf.h"

typedef bool (*check_fn)(const uint8_t *, size_t, struct dlp_check *);

struct vcase {
    check_fn fn;
    const char *in;
    bool ok;
    int confidence;       /* when ok */
    const char *redacted; /* when ok */
    const char *detail;   /* when ok */
};

#define CARD dlp_check_card
#define IBAN dlp_check_iban
#define SSN dlp_check_ssn
#define RRN dlp_check_kr_rrn
#define FRN dlp_check_kr_frn
#define BRN dlp_check_kr_brn
#define PASS dlp_check_kr_passport
#define DRV dlp_check_kr_driver
#define PHONE dlp_check_kr_phone
#define TOKEN dlp_check_token
#define SECRET dlp_check_secret
#define PKEY dlp_check_private_key
#define NO(f, s)                                                                                   \
    {                                                                                              \
        f, s, false, 0, NULL, NULL                                                                 \
    }

static const struct vcase cases[] = {
    /* cards: brands' and processors' published test numbers (Visa, Mastercard, Amex,
     * Discover, JCB, Diners test cards as Stripe/Adyen/PayPal list them) */
    {CARD, "4111111111111111", true, 90, "**** **** **** 1111", "visa"},
    {CARD, "4012888888881881", true, 90, "**** **** **** 1881", "visa"},
    {CARD, "4222222222222", true, 90, "**** **** **** 2222", "visa"},
    {CARD, "4111 1111 1111 1111", true, 90, "**** **** **** 1111", "visa"},
    {CARD, "4111-1111-1111-1111", true, 90, "**** **** **** 1111", "visa"},
    {CARD, "5555555555554444", true, 90, "**** **** **** 4444", "mastercard"},
    {CARD, "5105105105105100", true, 90, "**** **** **** 5100", "mastercard"},
    {CARD, "2223003122003222", true, 90, "**** **** **** 3222", "mastercard"},
    {CARD, "378282246310005", true, 90, "**** **** **** 0005", "amex"},
    {CARD, "3782 822463 10005", true, 90, "**** **** **** 0005", "amex"},
    {CARD, "371449635398431", true, 90, "**** **** **** 8431", "amex"},
    {CARD, "6011111111111117", true, 90, "**** **** **** 1117", "discover"},
    {CARD, "6011000990139424", true, 90, "**** **** **** 9424", "discover"},
    {CARD, "6555900000604105", true, 90, "**** **** **** 4105", "discover"},
    {CARD, "3530111333300000", true, 90, "**** **** **** 0000", "jcb"},
    {CARD, "3566002020360505", true, 90, "**** **** **** 0505", "jcb"},
    {CARD, "30569309025904", true, 85, "**** **** **** 5904", "diners"},
    {CARD, "38520000023237", true, 85, "**** **** **** 3237", "diners"},
    {CARD, "36227206271667", true, 85, "**** **** **** 1667", "diners"},
    {CARD, "6200000000000005", true, 85, "**** **** **** 0005", "unionpay"},
    {CARD, "6205500000000000004", true, 85, "**** **** **** 0004", "unionpay"},
    {CARD, "6759649826438453", true, 75, "**** **** **** 8453", "maestro"},
    {CARD, "41111 11111 11111 1", true, 80, "**** **** **** 1111", "visa"}, /* odd groups */
    NO(CARD, "4111111111111112"), /* last digit changed: Luhn */
    NO(CARD, "5555555555554445"),
    NO(CARD, "378282246310006"),
    NO(CARD, "6011111111111118"),
    NO(CARD, "3530111333300001"),
    NO(CARD, "4111111111111121"),    /* a middle digit changed */
    NO(CARD, "4111 1111-1111 1111"), /* mixed separators */
    NO(CARD, "4111  1111 1111 1111"),
    NO(CARD, " 4111111111111111"),
    NO(CARD, "4111111111111111-"),
    NO(CARD, "4111.1111.1111.1111"),
    NO(CARD, "1111111111111117"), /* Luhn-valid, no brand */
    NO(CARD, "411111111111116"),  /* Visa has no 15-digit cards */
    NO(CARD, "2721000000000004"), /* past the Mastercard 2-series */
    NO(CARD, "2221000000000009x"),
    NO(CARD, "411111111111"),
    NO(CARD, "41111111111111111111"),
    NO(CARD, ""),
    NO(CARD, "----"),
    {CARD, "2221000000000009", true, 90, "**** **** **** 0009", "mastercard"},
    {CARD, "2720000000000005", true, 90, "**** **** **** 0005", "mastercard"},

    /* IBAN: SWIFT IBAN registry examples; Korea has no IBAN (not in the registry) */
    {IBAN, "GB82WEST12345698765432", true, 90, "GB****************5432", "GB"},
    {IBAN, "GB82 WEST 1234 5698 7654 32", true, 90, "GB****************5432", "GB"},
    {IBAN, "DE89370400440532013000", true, 90, "DE****************3000", "DE"},
    {IBAN, "FR1420041010050500013M02606", true, 90, "FR*********************2606", "FR"},
    {IBAN, "NL91ABNA0417164300", true, 90, "NL************4300", "NL"},
    {IBAN, "BE68539007547034", true, 90, "BE**********7034", "BE"},
    {IBAN, "NO9386011117947", true, 90, "NO*********7947", "NO"},
    {IBAN, "CH9300762011623852957", true, 90, "CH***************2957", "CH"},
    {IBAN, "SA0380000000608010167519", true, 90, "SA******************7519", "SA"},
    {IBAN, "MT84MALT011000012345MTLCAST001S", true, 90, "MT*************************001S", "MT"},
    {IBAN, "LC55HEMM000100010012001200023015", true, 90, "LC**************************3015", "LC"},
    {IBAN, "gb82west12345698765432", true, 90, "GB****************5432", "GB"},
    {IBAN, "GB82 WEST12345698765432", true, 90, "GB****************5432", "GB"},
    NO(IBAN, "GB82 WEST1 2345698765432"), /* a space only after a group of 4 */
    NO(IBAN, "GB82WEST12345698765432 "),
    NO(IBAN, " GB82WEST12345698765432"),
    NO(IBAN, "GB82WEST12345698765433"),
    NO(IBAN, "DE89370400440532013001"),
    NO(IBAN, "FR1420041010050500013M02607"),
    NO(IBAN, "GB83WEST12345698765432"),
    NO(IBAN, "DE8937040044053201300"),  /* one short of DE's 22 */
    NO(IBAN, "KR12345678901234567890"), /* KR is not an IBAN country */
    NO(IBAN, "GB82 WEST 12345 698765432"),
    NO(IBAN, "GB82  WEST 1234 5698 7654 32"),
    NO(IBAN, "GB82-WEST-1234-5698-7654-32"),
    NO(IBAN, "G"),
    NO(IBAN, ""),

    /* US SSN: SSA rules */
    {SSN, "536-22-1234", true, 80, "***-**-1234", ""},
    {SSN, "536 22 1234", true, 70, "***-**-1234", ""},
    {SSN, "536221234", true, 50, "***-**-1234", ""},
    {SSN, "665-01-0001", true, 80, "***-**-0001", ""},
    {SSN, "899-99-9999", true, 80, "***-**-9999", ""},
    NO(SSN, "000-22-1234"),
    NO(SSN, "666-22-1234"),
    NO(SSN, "900-22-1234"),
    NO(SSN, "999-22-1234"),
    NO(SSN, "536-00-1234"),
    NO(SSN, "536-22-0000"),
    NO(SSN, "078-05-1120"),
    NO(SSN, "219-09-9999"),
    NO(SSN, "123-45-6789"),
    NO(SSN, "123456789"),
    NO(SSN, "536-22 1234"),
    NO(SSN, "5362-2-1234"),
    NO(SSN, "536-22-12345"),
    NO(SSN, "53-622-1234"),

    /* Korean RRN: check digits computed with the REFERENCE.md formula */
    {RRN, "900101-1234568", true, 90, "900101-1******", ""},
    {RRN, "9001011234568", true, 80, "900101-1******", ""},
    {RRN, "900101-1234560", true, 55, "900101-1******", "no_checksum"},
    {RRN, "000229-3123454", true, 90, "000229-3******", ""}, /* 2000 was a leap year */
    {RRN, "850315-2345678", true, 90, "850315-2******", ""},
    {RRN, "200101-4123450", true, 90, "200101-4******", ""},
    {RRN, "210505-3123453", true, 55, "210505-3******", "no_checksum"}, /* post-2020 */
    {RRN, "990101-9123456", true, 90, "990101-9******", ""},            /* 1899 */
    NO(RRN, "990229-1234567"), /* 1999 was not a leap year */
    NO(RRN, "000229-1234567"), /* nor was 1900 */
    NO(RRN, "901301-1234568"),
    NO(RRN, "900100-1234568"),
    NO(RRN, "900431-1234568"),
    NO(RRN, "900101-5234568"), /* G 5 is a foreigner */
    NO(RRN, "900101-123456"),
    NO(RRN, "900101--1234568"),
    NO(RRN, "900101 1234568"),
    NO(RRN, "90010-11234568"),

    /* foreigner numbers: the RRN rule or the pre-2020 foreigner rule */
    {FRN, "870612-5123458", true, 90, "870612-5******", ""},
    {FRN, "870612-5123450", true, 90, "870612-5******", ""},
    {FRN, "030405-7123454", true, 90, "030405-7******", ""},
    {FRN, "800101-6123459", true, 55, "800101-6******", "no_checksum"},
    NO(FRN, "870612-1123458"),
    NO(FRN, "870632-5123458"),

    /* business registration numbers: 124-81-00998 is Samsung Electronics' published one */
    {BRN, "124-81-00998", true, 85, "12********98", ""},
    {BRN, "1248100998", true, 60, "12******98", ""},
    {BRN, "211-86-00017", true, 85, "21********17", ""},
    {BRN, "101-81-00001", true, 85, "10********01", ""},
    NO(BRN, "124-81-00997"),
    NO(BRN, "124-81-00988"),
    NO(BRN, "000-00-00000"),
    NO(BRN, "124-8100998"),
    NO(BRN, "1248-1-00998"),

    /* passports */
    {PASS, "M12345678", true, 45, "M1*****78", ""},
    {PASS, "M123A4567", true, 55, "M1*****67", ""},
    {PASS, "D98765432", true, 45, "D9*****32", ""},
    NO(PASS, "X12345678"),
    NO(PASS, "M1234567"),
    NO(PASS, "M123a4567"),
    NO(PASS, "M12A45678"),
    NO(PASS, "m12345678"),

    /* driver licences */
    {DRV, "11-12-345678-90", true, 60, "11***********90", ""},
    {DRV, "28-05-123456-01", true, 60, "28***********01", ""},
    {DRV, "111234567890", true, 40, "11********90", ""},
    {DRV, "서울 12-345678-90", true, 65, "서울***********90", ""},
    {DRV, "부산12-345678-90", true, 65, "부산**********90", ""},
    NO(DRV, "10-12-345678-90"),
    NO(DRV, "29-12-345678-90"),
    NO(DRV, "11-12-34567-890"),
    NO(DRV, "서울 12-345678-9"),
    NO(DRV, "평양 12-345678-90"),

    /* phones */
    {PHONE, "010-1234-5678", true, 60, "01*********78", "mobile"},
    {PHONE, "010 1234 5678", true, 60, "01*********78", "mobile"},
    {PHONE, "01012345678", true, 45, "01*******78", "mobile"},
    {PHONE, "011-234-5678", true, 60, "01********78", "mobile"},
    {PHONE, "+82 10-1234-5678", true, 65, "+8************78", "mobile"},
    {PHONE, "+82-10-1234-5678", true, 65, "+8************78", "mobile"},
    {PHONE, "+821012345678", true, 50, "+8*********78", "mobile"},
    {PHONE, "+82 2-312-4567", true, 55, "+8**********67", "landline"},
    {PHONE, "+82 010-1234-5678", true, 65, "+8*************78", "mobile"},
    NO(PHONE, "+82 20-312-4567"),
    NO(PHONE, "+82 10 1234-5678"),
    {PHONE, "02-312-4567", true, 50, "02*******67", "landline"},
    NO(PHONE, "02-123-4567"), /* local numbers do not start with 0 or 1 */
    {PHONE, "02-3456-7890", true, 50, "02********90", "landline"},
    {PHONE, "031-234-5678", true, 50, "03********78", "landline"},
    {PHONE, "064.712.3456", true, 50, "06********56", "landline"},
    NO(PHONE, "010-123-4567"), /* 010 numbers have a 4-digit exchange */
    NO(PHONE, "010-0234-5678"),
    NO(PHONE, "035-234-5678"),
    NO(PHONE, "02-0123-4567"),
    NO(PHONE, "012-3456-7890"),
    NO(PHONE, "010-1234-567"),
    NO(PHONE, "010-12345-678"),
    NO(PHONE, "010-1234 5678"),
    NO(PHONE, "+83 10-1234-5678"),
    NO(PHONE, "+82"),

    /* provider tokens */
    {TOKEN, "xoxe-1-My0xLTEwMTI4NzUyMzQ3ODktNjUx", true, 90, "xoxe\xe2\x80\xa6(35)", "slack"},
    {TOKEN, "sk-svcacct-Qm9vV2x5dW9kMXZpN2hLc1R5", true, 90, "sk-s\xe2\x80\xa6(35)", "openai"},
    {TOKEN, "AKIAIOSFODNN7EXAMPLE", true, 90, "AKIA\xe2\x80\xa6(20)", "aws"},
    {TOKEN, "ghp_16C7e42F292c6912E7710c838347Ae178B4a", true, 95, "ghp_\xe2\x80\xa6(40)", "github"},
    {TOKEN, "sk_live_4eC39HqLyjWDarjtT1zdp7dc", true, 95, "sk_l\xe2\x80\xa6(32)", "stripe"},
    {TOKEN, "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", true, 90, "AIza\xe2\x80\xa6(39)", "google"},
    NO(TOKEN, "AKIAAAAAAAAAAAAAAAAA"),
    NO(TOKEN, "AKIAXXXXXXXXXXXXXXXX"),
    NO(TOKEN, "ghp_000000000000000000000000000000000000"),
    NO(TOKEN, "AKIAABABABABABABABAB"), /* two letters: 1 bit per character */
    NO(TOKEN, "AKIA IOSFODNN7EXAMPLE"),
    NO(TOKEN, "short"),

    /* generic secrets */
    {SECRET, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true, 75, "wJal\xe2\x80\xa6(40)", ""},
    {SECRET, "Zx8#qL2!vN5@rT9$", true, 75, "Zx8#\xe2\x80\xa6(16)", ""},
    {SECRET, "9f86d081884c7d659a2feaa0c55ad015", true, 60, "9f86\xe2\x80\xa6(32)", ""},
    NO(SECRET, "9f86d081884c7d659a2feaa0c55ad01"), /* hex under 32 */
    NO(SECRET, "CorrectHorseBatteryStaple"),       /* a phrase */
    NO(SECRET, "get_user_profile_by_identifier"),  /* an identifier */
    NO(SECRET, "/usr/local/etc/smtpwarden.yaml1"),
    NO(SECRET, "https://example.com/a1b2c3d4"),
    NO(SECRET, "someone.else+42@example.org"),
    NO(SECRET, "aaaaaaaaaaaaaaa1"),
    NO(SECRET, "Zx8#qL2!vN5@rT9"), /* 15 characters */
    NO(SECRET, "Zx8#qL2! vN5@rT9$"),

    /* private keys */
    {PKEY, "-----BEGIN RSA PRIVATE KEY-----", true, 90, "-----BEGIN RSA PRIVATE KEY-----", "rsa"},
    {PKEY,
     "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
     "MzEfYyjiWA4R4\n",
     true, 95, "-----BEGIN PRIVATE KEY-----", "pkcs8"},
    {PKEY, "-----BEGIN OPENSSH PRIVATE KEY-----\r\n", true, 90,
     "-----BEGIN OPENSSH PRIVATE KEY-----", "openssh"},
    {PKEY, "-----BEGIN PGP PRIVATE KEY BLOCK-----", true, 90,
     "-----BEGIN PGP PRIVATE KEY BLOCK-----", "pgp"},
    NO(PKEY, "-----BEGIN PUBLIC KEY-----"),
    NO(PKEY, "-----BEGIN RSA PRIVATE KEY----"),
    NO(PKEY, "-----BEGIN RSA PRIVATE KEY-----x"),
    NO(PKEY, "-----BEGIN CERTIFICATE-----"),
};

/* test_table - every case: accepted or refused, and when accepted the exact result */
static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *c = &cases[i];
        struct dlp_check out;
        memset(&out, 'x', sizeof out);
        bool ok = c->fn((const uint8_t *)c->in, strlen(c->in), &out);
        print_message("%zu %s -> %d %d [%s] [%s]\n", i, c->in, ok, out.confidence, out.redacted,
                      out.detail);
        assert_int_equal(ok, c->ok);
        if (!ok) {
            assert_int_equal(out.confidence, 0);
            assert_string_equal(out.redacted, "");
            continue;
        }
        assert_int_equal(out.confidence, c->confidence);
        assert_string_equal(out.redacted, c->redacted);
        assert_string_equal(out.detail, c->detail);
    }
}

/* test_one_digit_changed - every single-digit change of a valid card or IBAN fails */
static void
test_one_digit_changed(void **state)
{
    static const char *const cards[] = {"4111111111111111", "5555555555554444", "378282246310005",
                                        "6011111111111117", "3530111333300000"};
    static const char *const ibans[] = {"GB82WEST12345698765432", "DE89370400440532013000",
                                        "FR1420041010050500013M02606"};
    char v[64];
    (void)state;

    for (size_t k = 0; k < 5; k++) {
        size_t n = strlen(cards[k]);
        for (size_t i = 0; i < n; i++) {
            memcpy(v, cards[k], n + 1);
            v[i] = (char)('0' + (v[i] - '0' + 1) % 10);
            assert_false(dlp_check_card((const uint8_t *)v, n, NULL));
        }
    }
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(ibans[k]);
        for (size_t i = 2; i < n; i++) {
            if (ibans[k][i] < '0' || ibans[k][i] > '9')
                continue;
            memcpy(v, ibans[k], n + 1);
            v[i] = (char)('0' + (v[i] - '0' + 1) % 10);
            assert_false(dlp_check_iban((const uint8_t *)v, n, NULL));
        }
    }
}

/* test_iban_registry - the registry's example IBANs of many countries; each with its last
 * character changed, one character more or one less fails */
static void
test_iban_registry(void **state)
{
    static const char *const examples[] = {
        "AT611904300234573201",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "PL61109010140000071219812874",
        "SE4550000000058398257466",
        "DK5000400440116243",
        "FI2112345600000785",
        "IE29AIBK93115212345678",
        "PT50000201231234567890154",
        "BR1800360305000010009795493C1",
        "AE070331234567890123456",
        "QA58DOHB00001234567890ABCDEFG",
        "KW81CBKU0000000000001234560101",
        "TR330006100519786457841326",
        "IL620108000000099999999",
        "RU0304452522540817810538091310419",
        "UA213223130000026007233566001",
        "EG380019000500000000263180002",
        "JO94CBJO0010000000000131000302",
        "NO9386011117947",
        "LC55HEMM000100010012001200023015",
    };
    char v[48];
    struct dlp_check out;
    (void)state;

    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        size_t n = strlen(examples[i]);
        assert_true(dlp_check_iban((const uint8_t *)examples[i], n, &out));
        assert_memory_equal(out.detail, examples[i], 2);
        assert_int_equal(strlen(out.redacted), n);
        memcpy(v, examples[i], n + 1);
        v[n - 1] = v[n - 1] == '0' ? '1' : v[n - 1] == 'Z' ? 'A' : (char)(v[n - 1] - 1);
        assert_false(dlp_check_iban((const uint8_t *)v, n, NULL));
        memcpy(v, examples[i], n);
        memcpy(v + n, "0", 2);
        assert_false(dlp_check_iban((const uint8_t *)v, n + 1, NULL));
        assert_false(dlp_check_iban((const uint8_t *)examples[i], n - 1, NULL));
    }
}

/* b64url - unpadded base64url of a string, for building tokens */
static void
b64url(const char *s, struct buf *out)
{
    struct buf b;
    buf_init(&b, 0);
    base64_encode(s, strlen(s), &b);
    for (size_t i = 0; i < b.len; i++) {
        char c = ((char *)b.data)[i];
        if (c == '=')
            break;
        c = c == '+' ? '-' : c == '/' ? '_' : c;
        buf_append(out, &c, 1);
    }
    buf_release(&b);
}

/* jwt - header.payload.signature */
static void
jwt(const char *header, const char *payload, const char *sig, struct buf *out)
{
    buf_reset(out);
    b64url(header, out);
    buf_append(out, ".", 1);
    b64url(payload, out);
    buf_append(out, ".", 1);
    buf_append_str(out, sig);
}

/* test_jwt - tokens built here; the jwt.io sample as published */
static void
test_jwt(void **state)
{
    static const char sample[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIi"
                                 "wibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF"
                                 "2QT4fwpMeJf36POk6yJV_adQssw5c";
    struct dlp_check out;
    struct buf b;
    char want[32];
    (void)state;

    assert_true(dlp_check_jwt((const uint8_t *)sample, strlen(sample), &out));
    assert_int_equal(out.confidence, 90);
    assert_string_equal(out.detail, "HS256");
    snprintf(want, sizeof want, "eyJh\xe2\x80\xa6(%zu)", strlen(sample));
    assert_string_equal(out.redacted, want);

    buf_init(&b, 0);
    jwt("{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{\"sub\":\"alice@example.com\",\"exp\":1900000000}",
        "c2lnbmF0dXJlLWJ5dGVz", &b);
    assert_true(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    assert_string_equal(out.detail, "RS256");
    assert_int_equal(out.confidence, 90);
    /* unsecured: empty signature */
    jwt("{\"alg\":\"none\"}", "{\"a\":1}", "", &b);
    assert_true(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    assert_int_equal(out.confidence, 70);
    assert_string_equal(out.detail, "none");
    /* no alg */
    jwt("{\"typ\":\"JWT\"}", "{\"a\":1}", "c2ln", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    /* payload not an object */
    jwt("{\"alg\":\"HS256\"}", "[1,2,3]", "c2ln", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    jwt("{\"alg\":\"HS256\"}", "{\"a\":1", "c2ln", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    /* header not an object */
    jwt("\"alg\"", "{\"a\":1}", "c2ln", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    /* four segments, a bad character, a segment of impossible length */
    jwt("{\"alg\":\"HS256\"}", "{\"a\":1}", "c2ln.c2ln", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    jwt("{\"alg\":\"HS256\"}", "{\"a\":1}", "c2l+", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    jwt("{\"alg\":\"HS256\"}", "{\"a\":1}", "c2lnb", &b);
    assert_false(dlp_check_jwt((const uint8_t *)b.data, b.len, &out));
    assert_false(dlp_check_jwt((const uint8_t *)"eyJ.eyJ.x", 9, &out));
    assert_false(dlp_check_jwt((const uint8_t *)"", 0, &out));
    buf_release(&b);
}

/* test_entropy - exact values and the secret threshold's edges */
static void
test_entropy(void **state)
{
    (void)state;
    assert_true(dlp_entropy((const uint8_t *)"", 0) == 0.0);
    assert_true(dlp_entropy((const uint8_t *)"aaaa", 4) == 0.0);
    assert_true(fabs(dlp_entropy((const uint8_t *)"abab", 4) - 1.0) < 1e-12);
    assert_true(fabs(dlp_entropy((const uint8_t *)"0123456789abcdef", 16) - 4.0) < 1e-12);
    /* 11 distinct characters, 16 long: 11 distinct is log2(11) = 3.46 at best, under 3.5 */
    assert_true(dlp_entropy((const uint8_t *)"aB3dE5gH7jKaB3dE", 16) < 3.5);
    assert_false(dlp_check_secret((const uint8_t *)"aB3dE5gH7jKaB3dE", 16, NULL));
    /* 12 distinct, 16 long (four doubled): 3.5 bits exactly, accepted */
    assert_true(fabs(dlp_entropy((const uint8_t *)"aB3dE5gH7jK9aB3d", 16) - 3.5) < 1e-12);
    assert_true(dlp_check_secret((const uint8_t *)"aB3dE5gH7jK9aB3d", 16, NULL));
}

/* test_luhn_and_redact - the exported helpers */
static void
test_luhn_and_redact(void **state)
{
    char out[DLP_REDACTED_MAX];
    uint8_t big[300];
    (void)state;

    assert_true(dlp_luhn_ok((const uint8_t *)"79927398713", 11));
    assert_false(dlp_luhn_ok((const uint8_t *)"79927398710", 11));
    assert_true(dlp_luhn_ok((const uint8_t *)"7992-7398 713", 13));
    assert_false(dlp_luhn_ok((const uint8_t *)"abc", 3));
    assert_true(dlp_luhn_ok((const uint8_t *)"0", 1));

    dlp_redact_middle((const uint8_t *)"ABCDEFGH", 8, 2, 2, out);
    assert_string_equal(out, "AB****GH");
    dlp_redact_middle((const uint8_t *)"ABCD", 4, 2, 2, out);
    assert_string_equal(out, "****"); /* never shown whole */
    dlp_redact_middle((const uint8_t *)"", 0, 2, 2, out);
    assert_string_equal(out, "");
    dlp_redact_middle((const uint8_t *)"홍길동전", 12, 1, 1, out);
    assert_string_equal(out, "홍**전");
    dlp_redact_middle((const uint8_t *)"A\x01\xff"
                                       "BCDE\n",
                      8, 2, 2, out);
    assert_string_equal(out, "A?****E?");
    memset(big, 'Z', sizeof big);
    dlp_redact_middle(big, sizeof big, 3, 3, out);
    assert_int_equal(strlen(out), DLP_REDACTED_MAX - 1);
    assert_memory_equal(out, "ZZZ***", 6);
    assert_string_equal(out + DLP_REDACTED_MAX - 4, "ZZZ");
    dlp_redact_middle(big, sizeof big, 40, 40, out); /* ends too long to keep */
    assert_int_equal(strlen(out), DLP_REDACTED_MAX - 1);
    assert_int_equal(strspn(out, "*"), DLP_REDACTED_MAX - 1);
}

/* test_null_out - out may be NULL when only the verdict is wanted */
static void
test_null_out(void **state)
{
    (void)state;
    assert_true(dlp_check_card((const uint8_t *)"4111111111111111", 16, NULL));
    assert_true(dlp_check_kr_rrn((const uint8_t *)"900101-1234568", 14, NULL));
    assert_false(dlp_check_ssn((const uint8_t *)"666-12-3456", 11, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),         cmocka_unit_test(test_one_digit_changed),
        cmocka_unit_test(test_iban_registry), cmocka_unit_test(test_jwt),
        cmocka_unit_test(test_entropy),       cmocka_unit_test(test_luhn_and_redact),
        cmocka_unit_test(test_null_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
