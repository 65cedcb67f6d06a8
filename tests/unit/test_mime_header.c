/* test_mime_header - header sections: fields, unfolding, line ends, anomalies, limits, and
 * duplicate From fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_address.h"
#include "mime/mime_header.h"
#include "util/buf.h"
#include "util/mem.h"

/* parse - parse a NUL-terminated section with the default limits */
static struct mime_headers *
parse(const char *s)
{
    return mime_headers_parse(s, strlen(s), NULL);
}

struct field_case {
    const char *section;
    size_t count;      /* fields stored */
    const char *name0; /* first field */
    const char *value0;
    unsigned anomalies; /* exact OR of all anomalies */
};

/* clang-format off */
static const struct field_case field_cases[] = {
    {"From: a@b.example\r\nTo: c@d.example\r\n\r\nbody", 2, "From", " a@b.example", 0},
    {"From: a@b.example\nTo: c@d.example\n\nbody", 2, "From", " a@b.example", MIME_HDR_BARE_LF},
    {"From: a\r\nTo: b\n\r\n", 2, "From", " a", MIME_HDR_BARE_LF | MIME_HDR_MIXED_EOL},
    {"Subject: a\r\n b\r\n\tc\r\n\r\n", 1, "Subject", " a b\tc", 0},
    {"Subject:\r\n folded\r\n\r\n", 1, "Subject", " folded", 0},
    {"From:x\r\n\r\n", 1, "From", "x", 0},
    {"From :x\r\n\r\n", 1, "From", "x", MIME_HDR_NAME_WSP},
    {"From\t \t:x\r\n\r\n", 1, "From", "x", MIME_HDR_NAME_WSP},
    {"Fro m: x\r\n\r\n", 1, "Fro m", " x", MIME_HDR_BAD_NAME},
    {"Fr\xC3\xB6m: x\r\n\r\n", 1, "Fr\xC3\xB6m", " x", MIME_HDR_BAD_NAME | MIME_HDR_8BIT_NAME},
    {": x\r\n\r\n", 1, "", " x", MIME_HDR_EMPTY_NAME},
    {"no colon here\r\nFrom: x\r\n\r\n", 1, "From", " x", MIME_HDR_NO_COLON},
    {"no colon\r\n continued\r\nFrom: x\r\n\r\n", 1, "From", " x", MIME_HDR_NO_COLON},
    {"From\r\n : x\r\n\r\n", 1, "From", " x", MIME_HDR_NAME_WSP | MIME_HDR_NAME_FOLD},
    {"From\r\n\t: x\r\n y\r\n\r\n", 1, "From", " x y", MIME_HDR_NAME_WSP | MIME_HDR_NAME_FOLD},
    {"Fro\r\n m: x\r\n\r\n", 1, "Fro m", " x", MIME_HDR_BAD_NAME | MIME_HDR_NAME_FOLD},
    {" leading: fold\r\nFrom: x\r\n\r\n", 1, "From", " x", MIME_HDR_LEADING_FOLD},
    {"From: x\r\n \r\nTo: y\r\n\r\n", 2, "From", " x ", MIME_HDR_WSP_LINE},
    {"From: a\rb\r\n\r\n", 1, "From", " a\rb", MIME_HDR_BARE_CR},
    {"From: x\r\n", 1, "From", " x", MIME_HDR_TRUNCATED},
    {"From: x", 1, "From", " x", MIME_HDR_TRUNCATED},
    {"", 0, NULL, NULL, MIME_HDR_TRUNCATED},
    {"\r\n", 0, NULL, NULL, 0},
    {"\n", 0, NULL, NULL, MIME_HDR_BARE_LF},
    {"From: a\r\n\r\nTo: not a header\r\n", 1, "From", " a", 0},
    {"Fro :uMmlti Sender <multi@example.test>\nTo: x\n\n", 2, "Fro",
     "uMmlti Sender <multi@example.test>", MIME_HDR_NAME_WSP | MIME_HDR_BARE_LF},
    {"X: a\r\r\n\r\n", 1, "X", " a\r", MIME_HDR_BARE_CR},
};
/* clang-format on */

static void
test_fields(void **state)
{
    for (size_t i = 0; i < sizeof field_cases / sizeof *field_cases; i++) {
        const struct field_case *c = &field_cases[i];
        struct mime_headers *h = parse(c->section);
        const struct mime_header_field *f = mime_headers_get(h, 0);
        print_message("case %zu\n", i);
        assert_int_equal(mime_headers_count(h), c->count);
        assert_int_equal(mime_headers_anomalies(h), c->anomalies);
        if (c->name0) {
            assert_string_equal(f->name, c->name0);
            assert_int_equal(f->name_len, strlen(c->name0));
            assert_string_equal(f->value, c->value0);
            assert_int_equal(f->value_len, strlen(c->value0));
            if (strstr(c->section, c->name0)) /* not when a fold splits the name */
                assert_int_equal(f->offset, strstr(c->section, c->name0) - c->section);
        }
        assert_null(mime_headers_get(h, c->count));
        mime_headers_free(h);
    }
}

/* Offsets, lengths and line numbers point back into the input. */
static void
test_positions(void **state)
{
    static const char s[] = "A: 1\r\nB: 2\r\n 3\r\nC: 4\n\nbody";
    struct mime_headers *h = parse(s);
    const struct mime_header_field *b = mime_headers_get(h, 1);
    const struct mime_header_field *c = mime_headers_get(h, 2);

    assert_int_equal(mime_headers_count(h), 3);
    assert_int_equal(b->offset, 6);
    assert_int_equal(b->raw_len, 10);
    assert_int_equal(b->line, 2);
    assert_string_equal(b->value, " 2 3");
    assert_int_equal(c->offset, 16);
    assert_int_equal(c->line, 4);
    assert_int_equal(c->raw_len, 5);
    assert_int_equal(mime_headers_end(h), strlen(s) - 4);
    assert_int_equal(mime_headers_get(h, 0)->anomalies, 0);
    assert_int_equal(c->anomalies, MIME_HDR_BARE_LF);
    mime_headers_free(h);
}

/* A NUL is kept in the value (binary-safe) and flagged. */
static void
test_nul(void **state)
{
    static const char s[] = "From: a@b\0c\r\nN\0ame: x\r\n\r\n";
    struct mime_headers *h = mime_headers_parse(s, sizeof s - 1, NULL);
    const struct mime_header_field *f = mime_headers_get(h, 0);

    assert_int_equal(mime_headers_count(h), 2);
    assert_int_equal(f->value_len, 6);
    assert_memory_equal(f->value, " a@b\0c", 6);
    assert_true(f->anomalies & MIME_HDR_NUL);
    assert_true(mime_headers_get(h, 1)->anomalies & MIME_HDR_BAD_NAME);
    mime_headers_free(h);
}

/* Several From fields, however they are spelled, are all found. */
static void
test_duplicate_from(void **state)
{
    static const char s[] = "From: a@a.example\r\nTo: x@y\r\nFROM : b@b.example\r\n"
                            "from:c@c.example\r\nFro m: d@d.example\r\n"
                            "From\r\n : e@e.example\r\n\r\n";
    struct mime_headers *h = parse(s);
    size_t i;

    assert_int_equal(mime_headers_count_name(h, "from"), 4);
    assert_int_equal(mime_headers_count_name(h, "To"), 1);
    assert_int_equal(mime_headers_count_name(h, "Sender"), 0);
    i = mime_headers_find(h, "From", 0);
    assert_int_equal(i, 0);
    i = mime_headers_find(h, "From", i + 1);
    assert_int_equal(i, 2);
    assert_string_equal(mime_headers_get(h, i)->value, " b@b.example");
    i = mime_headers_find(h, "From", i + 1);
    assert_int_equal(i, 3);
    i = mime_headers_find(h, "From", i + 1);
    assert_int_equal(i, 5);
    assert_true(mime_headers_get(h, i)->anomalies & MIME_HDR_NAME_FOLD);
    assert_int_equal(mime_headers_find(h, "From", i + 1), MIME_HEADERS_NONE);
    assert_int_equal(mime_headers_find(h, "From", 99), MIME_HEADERS_NONE);
    assert_true(mime_headers_anomalies(h) & MIME_HDR_NAME_WSP);
    assert_true(mime_headers_anomalies(h) & MIME_HDR_BAD_NAME);
    mime_headers_free(h);
}

static void
test_limits(void **state)
{
    struct mime_header_limits lim = {.max_fields = 2, .max_field_len = 10};
    struct mime_headers *h = mime_headers_parse("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 26, &lim);
    struct buf s;

    assert_int_equal(mime_headers_count(h), 2);
    assert_int_equal(mime_headers_seen(h), 4);
    assert_true(mime_headers_anomalies(h) & MIME_HDR_TOO_MANY_FIELDS);
    assert_int_equal(mime_headers_end(h), 26);
    mime_headers_free(h);

    h = mime_headers_parse("Subject: 0123456789\r\n abc\r\n\r\n", 29, &lim);
    assert_int_equal(mime_headers_count(h), 1);
    assert_string_equal(mime_headers_get(h, 0)->value, " 0"); /* 7 + 1 + 2 bytes */
    assert_true(mime_headers_get(h, 0)->anomalies & MIME_HDR_FIELD_TOO_LONG);
    mime_headers_free(h);

    buf_init(&s, 0);
    buf_append_str(&s, "Subject: ");
    for (int i = 0; i < 1000; i++)
        buf_append_str(&s, "x");
    buf_append_str(&s, "\r\n\r\n");
    h = mime_headers_parse(s.data, s.len, NULL);
    assert_int_equal(mime_headers_anomalies(h), MIME_HDR_LONG_LINE);
    mime_headers_free(h);

    buf_reset(&s);
    for (int i = 0; i < 3000; i++)
        buf_append_str(&s, "X: y\n");
    h = mime_headers_parse(s.data, s.len, NULL);
    assert_int_equal(mime_headers_count(h), 1000);
    assert_int_equal(mime_headers_seen(h), 3000);
    mime_headers_free(h);

    buf_reset(&s);
    buf_append_str(&s, "Subject: a");
    for (int i = 0; i < 70000; i++)
        buf_append_str(&s, "\r\n b");
    h = mime_headers_parse(s.data, s.len, NULL);
    assert_int_equal(mime_headers_get(h, 0)->name_len + 1 + mime_headers_get(h, 0)->value_len,
                     65536);
    assert_true(mime_headers_anomalies(h) & MIME_HDR_FIELD_TOO_LONG);
    assert_true(mime_headers_anomalies(h) & MIME_HDR_TRUNCATED);
    mime_headers_free(h);
    buf_release(&s);
}

static void
test_anomaly_names(void **state)
{
    for (unsigned i = 0; i < MIME_HDR_ANOMALY_COUNT; i++) {
        assert_string_not_equal(mime_header_anomaly_name(1u << i), "unknown");
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(mime_header_anomaly_name(1u << i),
                                    mime_header_anomaly_name(1u << j));
    }
    assert_string_equal(mime_header_anomaly_name(0), "unknown");
    assert_string_equal(mime_header_anomaly_name(1u << MIME_HDR_ANOMALY_COUNT), "unknown");
    assert_string_equal(mime_header_anomaly_name(MIME_HDR_NAME_WSP), "name-wsp");
    assert_null(mime_headers_free(NULL));
}

/* From handling end to end: one From field, one clean mailbox. */
static void
test_from_policy_shape(void **state)
{
    static const struct {
        const char *section;
        size_t froms;
        bool clean;
    } cases[] = {
        {"From: Jo <jo@bank.example>\r\n\r\n", 1, true},
        {"From: Jo\r\n <jo@bank.example>\r\n\r\n", 1, true},
        {"From: jo@bank.example\r\nFrom: x@evil.example\r\n\r\n", 2, true},
        {"From: jo@bank.example\r\nFrom : x@evil.example\r\n\r\n", 2, true},
        {"From: jo@bank.example\r\nFrom\r\n : x@evil.example\r\n\r\n", 2, true},
        {"From: Jo\r\n\r\n", 1, false},
        {"From: team: jo@bank.example;\r\n\r\n", 1, false},
        {"From: <jo@bank.example>\r\n x@evil.example\r\n\r\n", 1, false},
        {"From: jo@bank.example\r\nx@evil.example\r\n\r\n", 1, true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct mime_headers *h = parse(cases[i].section);
        const struct mime_header_field *f = mime_headers_get(h, mime_headers_find(h, "from", 0));
        struct mime_address_list *l = mime_address_parse(f->value, f->value_len, NULL);
        print_message("case %zu\n", i);
        assert_int_equal(mime_headers_count_name(h, "from"), cases[i].froms);
        assert_int_equal(mime_address_list_is_single_clean(l), cases[i].clean);
        mime_address_list_free(l);
        mime_headers_free(h);
    }
}

/* read_file - a whole file into b; false if it cannot be read */
static bool
read_file(const char *path, struct buf *b)
{
    FILE *fp = fopen(path, "rb");
    char chunk[4096];
    size_t n;

    if (fp == NULL)
        return false;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(b, chunk, n);
    fclose(fp);
    return true;
}

/* The Stalwart messages: every header section parses; every From in them is found. */
static void
test_stalwart_messages(void **state)
{
    static const char *const dirs[] = {"rfc", "thirdparty", "malformed"};
    const char *shared = getenv("SW_SHARED_DIR");
    size_t files = 0;

    if (shared == NULL) {
        print_message("SW_SHARED_DIR is not set: skipping\n");
        skip();
    }
    for (size_t d = 0; d < 3; d++) {
        struct buf dir;
        DIR *dp;
        struct dirent *e;
        buf_init(&dir, 0);
        buf_printf(&dir, "%s/corpus/stalwart-mail-parser/eml/%s", shared, dirs[d]);
        dp = opendir(dir.data);
        while (dp && (e = readdir(dp)) != NULL) {
            struct buf path, msg;
            struct mime_headers *h;
            size_t len = strlen(e->d_name);
            if (len < 4 || strcmp(e->d_name + len - 4, ".eml") != 0)
                continue;
            buf_init(&path, 0);
            buf_init(&msg, 0);
            buf_printf(&path, "%s/%s", dir.data, e->d_name);
            assert_true(read_file(path.data, &msg));
            h = mime_headers_parse(msg.data, msg.len, NULL);
            assert_true(mime_headers_end(h) <= msg.len);
            assert_true(mime_headers_count(h) >= 1);
            assert_true(mime_headers_count_name(h, "from") <= 1);
            mime_headers_free(h);
            buf_release(&msg);
            buf_release(&path);
            files++;
        }
        if (dp)
            closedir(dp);
        buf_release(&dir);
    }
    if (files == 0)
        skip();
    assert_int_equal(files, 53);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_duplicate_from),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_anomaly_names),
        cmocka_unit_test(test_from_policy_shape),
        cmocka_unit_test(test_stalwart_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
