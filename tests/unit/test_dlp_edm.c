/* test_dlp_edm - exact data match: the CSV reader's edge cases and errors, and matching a
 * table of five fake customers in text, in any split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlp/dlp_edm.h"
#include "dlp/dlp_edm_int.h"

/* fake people; RRNs carry valid check digits, cards are the brands' test numbers */
static const char customers[] =
    "\xef\xbb\xbfrrn,name,phone,email,card\r\n"
    "900101-1234568,홍길동,010-1234-5678,gildong@example.com,4111-1111-1111-1111\r\n"
    "850315-2345678,Kim Minji,010-2222-3333,minji.kim@example.org,5555 5555 5555 4444\r\n"
    "000229-3123454,\"Lee, Jun-ho\",02-312-4567,junho@example.net,378282246310005\r\n"
    "870612-5123458,Park Seo-yeon,031-234-5678,sy.park@example.com,6011111111111117\r\n"
    "200101-4123450,\"Choi \"\"Ace\"\" Woo\",010-9876-5432,ace@example.com,3530111333300000\r\n";

static const char full_record[] = "Customer 홍길동 (RRN 900101-1234568) phone 010-1234-5678, mail "
                                  "gildong@example.com, card 4111 1111 1111 1111.";

struct found {
    size_t n;
    struct {
        uint64_t row, offset;
        unsigned cells;
        uint32_t length;
        char columns[128];
    } m[8];
};

/* on_match - record what was reported */
static void
on_match(void *ctx, const struct dlp_edm_match *m)
{
    struct found *f = ctx;

    assert_true(f->n < 8);
    f->m[f->n].row = m->row;
    f->m[f->n].offset = m->offset;
    f->m[f->n].cells = m->cells;
    f->m[f->n].length = m->length;
    snprintf(f->m[f->n].columns, sizeof f->m[f->n].columns, "%s", m->columns);
    f->n++;
}

/* write_csv - a temp file holding text; the path goes in path[64] */
static void
write_csv(const char *text, size_t n, char path[64])
{
    snprintf(path, 64, "/tmp/test_dlp_edm_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

/* load - a table from text, or NULL with the error (path replaced by "F") in err */
static struct dlp_edm *
load(const char *text, struct dlp_edm_options *o, char *err, size_t errlen)
{
    char path[64], raw[512] = "";
    struct dlp_edm_options def = {0};

    if (o == NULL)
        o = &def;
    write_csv(text, strlen(text), path);
    o->path = path;
    struct dlp_edm *e = dlp_edm_load(o, raw, sizeof raw);
    unlink(path);
    o->path = NULL;
    size_t pl = strlen(path);
    if (e == NULL) {
        assert_memory_equal(raw, path, pl);
        snprintf(err, errlen, "F%s", raw + pl);
    }
    return e;
}

/* scan - feed text in pieces of `step` bytes (0: at `split`), end, collect */
static void
scan(const struct dlp_edm *e, const char *text, size_t split, size_t step, struct found *f)
{
    struct dlp_edm_stream *s = dlp_edm_stream_new(e, on_match, f);
    size_t n = strlen(text);

    memset(f, 0, sizeof *f);
    if (step == 0) {
        dlp_edm_stream_feed(s, (const uint8_t *)text, split);
        dlp_edm_stream_feed(s, (const uint8_t *)text + split, n - split);
    } else {
        for (size_t i = 0; i < n; i += step)
            dlp_edm_stream_feed(s, (const uint8_t *)text + i, n - i < step ? n - i : step);
    }
    dlp_edm_stream_end(s);
    assert_null(dlp_edm_stream_free(s));
}

/* offset_of - where needle starts in hay */
static uint64_t
offset_of(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    assert_non_null(p);
    return (uint64_t)(p - hay);
}

/* test_full_record - one record, every column, exact row and offset */
static void
test_full_record(void **state)
{
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, NULL, err, sizeof err);
    assert_non_null(e);
    /* only hashes are kept: the API offers the row count and lookups through streams, no
     * way back to a cell; dlp_edm_int.h's struct has hashes, rows and column indexes */
    assert_int_equal(dlp_edm_rows(e), 5);
    scan(e, full_record, 0, sizeof full_record, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 1);
    assert_int_equal(f.m[0].cells, 5);
    assert_string_equal(f.m[0].columns, "rrn,name,phone,email,card");
    assert_int_equal(f.m[0].offset, offset_of(full_record, "900101-1234568"));
    assert_int_equal(f.m[0].length, 14);
    dlp_edm_free(e);
}

/* test_every_split - the same single match however the text is cut */
static void
test_every_split(void **state)
{
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, NULL, err, sizeof err);
    assert_non_null(e);
    for (size_t i = 0; i <= strlen(full_record); i++) {
        scan(e, full_record, i, 0, &f);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.m[0].row, 1);
        assert_int_equal(f.m[0].cells, 5);
        assert_int_equal(f.m[0].offset, offset_of(full_record, "900101-1234568"));
    }
    for (size_t step = 1; step < 8; step++) {
        scan(e, full_record, 0, step, &f);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.m[0].cells, 5);
    }
    dlp_edm_free(e);
}

/* test_primary_or_loose_alone - a primary alone, loose cells alone, cells of another row */
static void
test_primary_or_loose_alone(void **state)
{
    char err[256];
    struct found f;
    struct dlp_edm_options o = {.min_cells = 1};
    (void)state;

    struct dlp_edm *e = load(customers, NULL, err, sizeof err);
    assert_non_null(e);
    scan(e, "the number was 850315-2345678 and nothing else", 0, 1000, &f);
    assert_int_equal(f.n, 0);
    scan(e, "홍길동 010-1234-5678 gildong@example.com 4111111111111111 Kim Minji", 0, 1000, &f);
    assert_int_equal(f.n, 0);
    /* row 2's primary with row 1's phone and e-mail */
    scan(e, "850315-2345678 010-1234-5678 gildong@example.com", 0, 1000, &f);
    assert_int_equal(f.n, 0);
    dlp_edm_free(e);

    e = load(customers, &o, err, sizeof err);
    assert_non_null(e);
    scan(e, "the number was 850315-2345678 and nothing else", 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 2);
    assert_int_equal(f.m[0].cells, 1);
    assert_string_equal(f.m[0].columns, "rrn");
    dlp_edm_free(e);
}

/* test_separators - numbers match whatever separators the text uses */
static void
test_separators(void **state)
{
    static const char *const texts[] = {
        "rrn 8503152345678 tel 010.2222.3333",
        "rrn 850315 2345678 tel (010) 2222 3333",
        "rrn 850315-2345678 / 01022223333",
        "MINJI.KIM@EXAMPLE.ORG: 850315-2345678.",
        "card 5555-5555-5555-4444; id 850315-2345678",
        "Kim  Minji\t850315-2345678",
    };
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, NULL, err, sizeof err);
    assert_non_null(e);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        scan(e, texts[i], 0, 1000, &f);
        print_message("%s -> %zu\n", texts[i], f.n);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.m[0].row, 2);
        assert_int_equal(f.m[0].cells, 2);
    }
    dlp_edm_free(e);
}

/* test_window - a cell counts up to `window` bytes from the primary, not one byte more */
static void
test_window(void **state)
{
    struct dlp_edm_options o = {.window = 20};
    char err[256], text[128];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, &o, err, sizeof err);
    assert_non_null(e);
    snprintf(text, sizeof text, "870612-5123458%20s031-234-5678", "");
    scan(e, text, 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 4);
    snprintf(text, sizeof text, "870612-5123458%21s031-234-5678", "");
    scan(e, text, 0, 1000, &f);
    assert_int_equal(f.n, 0);
    snprintf(text, sizeof text, "sy.park@example.com%20s870612-5123458", "");
    scan(e, text, 0, 1000, &f);
    assert_int_equal(f.n, 1);
    snprintf(text, sizeof text, "sy.park@example.com%21s870612-5123458", "");
    scan(e, text, 0, 1000, &f);
    assert_int_equal(f.n, 0);
    dlp_edm_free(e);
}

/* test_two_records_and_reset - matches in stream order; offsets restart after end */
static void
test_two_records_and_reset(void **state)
{
    static const char text[] = "ace@example.com 200101-4123450 ... and later junho@example.net "
                               "000229-3123454 02-312-4567";
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, NULL, err, sizeof err);
    assert_non_null(e);
    memset(&f, 0, sizeof f);
    struct dlp_edm_stream *s = dlp_edm_stream_new(e, on_match, &f);
    for (int round = 0; round < 2; round++) {
        dlp_edm_stream_feed(s, (const uint8_t *)text, strlen(text));
        dlp_edm_stream_end(s);
    }
    assert_int_equal(f.n, 4);
    for (size_t r = 0; r < 2; r++) {
        assert_int_equal(f.m[2 * r].row, 5);
        assert_int_equal(f.m[2 * r].cells, 2);
        assert_string_equal(f.m[2 * r].columns, "rrn,email");
        assert_int_equal(f.m[2 * r].offset, offset_of(text, "200101"));
        assert_int_equal(f.m[2 * r + 1].row, 3);
        assert_int_equal(f.m[2 * r + 1].cells, 3);
        assert_string_equal(f.m[2 * r + 1].columns, "rrn,phone,email");
        assert_int_equal(f.m[2 * r + 1].offset, offset_of(text, "000229"));
    }
    dlp_edm_stream_free(s);
    dlp_edm_free(e);
}

/* test_columns_and_primary - a subset of columns; another primary; a shared primary value */
static void
test_columns_and_primary(void **state)
{
    static const char *const cols[] = {"phone", "rrn"};
    static const char shared[] = "email,name,city\n"
                                 "team@example.com,Alice,Seoul\n"
                                 "team@example.com,Bob,Busan\n";
    struct dlp_edm_options o = {.columns = cols, .ncolumns = 2};
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(customers, &o, err, sizeof err);
    assert_non_null(e);
    /* the primary is the first column asked for; names are reported in file order */
    scan(e, full_record, 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].cells, 2);
    assert_string_equal(f.m[0].columns, "rrn,phone");
    assert_int_equal(f.m[0].offset, offset_of(full_record, "010-1234-5678"));
    assert_int_equal(f.m[0].length, 13);
    dlp_edm_free(e);

    o = (struct dlp_edm_options){.primary = "email"};
    e = load(customers, &o, err, sizeof err);
    assert_non_null(e);
    scan(e, full_record, 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].offset, offset_of(full_record, "gildong@"));
    dlp_edm_free(e);

    e = load(shared, NULL, err, sizeof err);
    assert_non_null(e);
    scan(e, "from team@example.com, regards, Bob", 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 2);
    assert_string_equal(f.m[0].columns, "email,name");
    dlp_edm_free(e);
}

/* test_csv_shapes - RFC 4180 forms that load */
static void
test_csv_shapes(void **state)
{
    static const struct {
        const char *csv;
        uint64_t rows;
    } ok[] = {
        {"a,b\n1,2\n3,4\n", 2},
        {"a,b\n1,2\n3,4", 2},               /* no final newline */
        {"a,b\r\n1,2\r\n\r\n3,4\r\n\n", 2}, /* blank lines */
        {"a,b\r1,2\r3,4\r", 2},             /* old Mac line ends */
        {"\xef\xbb\xbf"
         "a,b\n1,2\n",
         1},
        {"a,b\n\"x,y\",\"line1\nline2\"\n\"\"\"q\"\"\",\n", 2},
        {"a,b\n,\n", 1},
        {"a\n\"\"\n", 1},
        {" a , b \n1,2\n", 1}, /* header names trimmed */
        {"a,b\n", 0},
    };
    char err[256];
    (void)state;

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct dlp_edm *e = load(ok[i].csv, NULL, err, sizeof err);
        print_message("%zu\n", i);
        assert_non_null(e);
        assert_int_equal(dlp_edm_rows(e), ok[i].rows);
        dlp_edm_free(e);
    }
    /* an embedded newline in a quoted cell: the cell is matched as text with a newline */
    static const char nl[] = "id,note\nAB-123456,\"first\nsecond\"\n";
    struct dlp_edm_options o = {.min_cells = 1};
    struct found f;
    struct dlp_edm *e = load(nl, &o, err, sizeof err);
    assert_non_null(e);
    scan(e, "ref ab 123456 here", 0, 1000, &f);
    assert_int_equal(f.n, 1);
    dlp_edm_free(e);
}

/* test_csv_errors - file, line and problem */
static void
test_csv_errors(void **state)
{
    static const struct {
        const char *csv, *err;
    } bad[] = {
        {"a,b,c\n1,2,3\n1,2\n", "F: line 3: 2 fields, the header has 3"},
        {"a,b\n1,2\n1,2,3\n", "F: line 3: more fields than the header's 2"},
        {"a,b\n\"x\ny\",1\n1\n", "F: line 4: 1 fields, the header has 2"},
        {"a,b\n1,x\"y\n", "F: line 2: quote inside an unquoted field"},
        {"a,b\n\"x\"y,1\n", "F: line 2: text after a closing quote"},
        {"a,b\n1,2\n\"open,3\n4,5\n", "F: line 3: quoted field not closed at the end of the file"},
        {"a,a\n1,2\n", "F: line 1: column \"a\" appears twice"},
        {"", "F: no header row"},
        {"\n\n", "F: no header row"},
    };
    static const char *const missing[] = {"name", "passport"};
    char err[256];
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(load(bad[i].csv, NULL, err, sizeof err));
        assert_string_equal(err, bad[i].err);
    }
    struct dlp_edm_options o = {.columns = missing, .ncolumns = 2};
    assert_null(load(customers, &o, err, sizeof err));
    assert_string_equal(err, "F: line 1: no column \"passport\" in the header");
    o = (struct dlp_edm_options){.columns = missing, .ncolumns = 1, .primary = "rrn"};
    assert_null(load(customers, &o, err, sizeof err));
    assert_string_equal(err, "F: line 1: primary column \"rrn\" is not a kept column");
    o = (struct dlp_edm_options){.max_rows = 4};
    assert_null(load(customers, &o, err, sizeof err));
    assert_string_equal(err, "F: line 6: more than 4 data rows");
    o = (struct dlp_edm_options){.max_rows = 5};
    struct dlp_edm *e = load(customers, &o, err, sizeof err);
    assert_non_null(e);
    dlp_edm_free(e);

    o = (struct dlp_edm_options){.path = "/nonexistent/edm.csv"};
    assert_null(dlp_edm_load(&o, err, sizeof err));
    assert_string_equal(err, "/nonexistent/edm.csv: No such file or directory");
    assert_null(dlp_edm_load(NULL, err, sizeof err));
    assert_null(dlp_edm_free(NULL));
    assert_int_equal(dlp_edm_rows(NULL), 0);
    assert_null(dlp_edm_stream_free(NULL));
}

/* test_long_field - a field past the 64 KiB limit is an error, not an allocation */
static void
test_long_field(void **state)
{
    size_t n = 70000;
    char *csv = malloc(n + 16), err[256];
    (void)state;

    memcpy(csv, "a\n", 2);
    memset(csv + 2, 'x', n);
    memcpy(csv + 2 + n, "\n", 2);
    assert_null(load(csv, NULL, err, sizeof err));
    assert_string_equal(err, "F: line 2: field longer than 65536 bytes");
    free(csv);
}

/* test_multiword_and_overlap - multi-word cells; a cell inside the primary's own bytes does
 * not corroborate it */
static void
test_multiword_and_overlap(void **state)
{
    static const char addr[] = "ref,address,name\n"
                               "AB-1001,123 Main St,John Smith\n"
                               "AB-1002,9 Elm Road,Jane Roe\n";
    static const char births[] = "rrn,birth\n900101-1234568,900101\n";
    static const char text[] = "Ship to John  Smith, 123 Main St. (ref AB-1001)";
    char err[256];
    struct found f;
    (void)state;

    struct dlp_edm *e = load(addr, NULL, err, sizeof err);
    assert_non_null(e);
    scan(e, text, 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 1);
    assert_int_equal(f.m[0].cells, 3);
    assert_string_equal(f.m[0].columns, "ref,address,name");
    assert_int_equal(f.m[0].offset, offset_of(text, "AB-1001"));
    scan(e, "John Smith lives at 9 Elm Road, ref AB-1002", 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].row, 2);
    assert_int_equal(f.m[0].cells, 2);
    assert_string_equal(f.m[0].columns, "ref,address");
    dlp_edm_free(e);

    e = load(births, NULL, err, sizeof err);
    assert_non_null(e);
    scan(e, "id 900101 1234568", 0, 1000, &f);
    assert_int_equal(f.n, 0);
    scan(e, "born 900101, id 900101 1234568", 0, 1000, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.m[0].offset, offset_of("born 900101, id 900101 1234568", "900101 1"));
    assert_int_equal(f.m[0].length, 14);
    dlp_edm_free(e);
}

/* test_normalise - the one normal form of cells and tokens */
static void
test_normalise(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"  Hong   Gil-dong ", "hong gil-dong"},
        {"010-1234-5678", "01012345678"},
        {"(02) 123.4567", "021234567"},
        {"4111 1111\t1111 1111", "4111111111111111"},
        {"1990/01/31", "19900131"},
        {"Gildong@Example.COM.", "gildong@example.com"},
        {"123 Main St.", "123 main st"}, /* 3 digits of 9: text */
        {"M12345678", "m12345678"},
        {"_+-.", ""},
        {"\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99", "\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99"},
        {"", ""},
    };
    uint8_t out[EDM_MAX_VALUE], big[EDM_MAX_VALUE + 1];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t k = dlp_edm_normalise((const uint8_t *)cases[i].in, strlen(cases[i].in), out);
        assert_int_equal(k, strlen(cases[i].out));
        assert_memory_equal(out, cases[i].out, k);
    }
    memset(big, 'a', sizeof big);
    assert_int_equal(dlp_edm_normalise(big, EDM_MAX_VALUE, out), EDM_MAX_VALUE);
    assert_int_equal(dlp_edm_normalise(big, EDM_MAX_VALUE + 1, out), 0);
}

/* test_siphash - the prefilter's SipHash-2-4 against the paper's vectors (key 00..0f, message
 * 00..n-1) */
static void
test_siphash(void **state)
{
    static const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    uint8_t m[15];
    (void)state;

    for (size_t i = 0; i < sizeof m; i++)
        m[i] = (uint8_t)i;
    assert_true(dlp_edm_siphash(key, m, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(dlp_edm_siphash(key, m, 8) == 0x93f5f5799a932462ull);
    assert_true(dlp_edm_siphash(key, m, 15) == 0xa129ca6149be45e5ull);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_record),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_primary_or_loose_alone),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_two_records_and_reset),
        cmocka_unit_test(test_columns_and_primary),
        cmocka_unit_test(test_csv_shapes),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_multiword_and_overlap),
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_siphash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
