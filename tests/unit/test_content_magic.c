/* test_content_magic - content_magic() over the signature of every type it names, hostile
 * near-misses, the default limits, and the charset sniffing of text attachments (UTF-8 with
 * and without BOM, UTF-16LE/BE with BOM, Latin-1, damaged UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "content_fixture.h"

/* a literal and its length, NULs included */
#define L(s) s, sizeof(s) - 1

static void
test_signatures(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        enum content_kind kind;
        const char *label, *mime;
        bool archive;
    } v[] = {
        {L("PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), CONTENT_ZIP, "zip", "application/zip",
         true},
        {L("7z\xBC\xAF\x27\x1C\0\4"), CONTENT_7Z, "7z", "application/x-7z-compressed", true},
        {L("Rar!\x1A\x07\x01\x00"), CONTENT_RAR, "rar", "application/vnd.rar", true},
        {L("\x1F\x8B\x08\0"), CONTENT_GZIP, "gzip", "application/gzip", true},
        {L("BZh91AY&SY"), CONTENT_BZIP2, "bzip2", "application/x-bzip2", true},
        {L("BZhx"), CONTENT_TEXT, "text", "text/plain", false},
        {L("\xFD"
           "7zXZ\0\0"),
         CONTENT_XZ, "xz", "application/x-xz", true},
        {L("070701000000"), CONTENT_CPIO, "cpio", "application/x-cpio", true},
        {L("%PDF-1.4\n"), CONTENT_PDF, "pdf", "application/pdf", false},
        {L("\x89PNG\r\n\x1A\n\0"), CONTENT_PNG, "png", "image/png", false},
        {L("\xFF\xD8\xFF\xE0"), CONTENT_JPEG, "jpeg", "image/jpeg", false},
        {L("GIF89a\1\0"), CONTENT_GIF, "gif", "image/gif", false},
        {L("GIF88a"), CONTENT_TEXT, "text", "text/plain", false},
        {L("\x7F"
           "ELF\2\1\1"),
         CONTENT_ELF, "elf", "application/x-executable", false},
        {L("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), CONTENT_OLE2, "ole2", "application/x-ole-storage",
         false},
        {L("<!DOCTYPE html><p>x"), CONTENT_HTML, "html", "text/html", false},
        {L("\xEF\xBB\xBF \r\n<HTML>"), CONTENT_HTML, "html", "text/html", false},
        {L("Dear team,\r\nplease find\tattached.\n"), CONTENT_TEXT, "text", "text/plain", false},
        {L("caf\xE9 cr\xE8me"), CONTENT_TEXT, "text", "text/plain", false},
        {L("\xFF\xFEh\0i\0"), CONTENT_TEXT, "text", "text/plain", false},
        {L("text\0with NUL"), CONTENT_UNKNOWN, "binary", "application/octet-stream", false},
        {L("bell\a"), CONTENT_UNKNOWN, "binary", "application/octet-stream", false},
        {L("MZ\x90\0\3\0\0\0"), CONTENT_PE, "pe", "application/vnd.microsoft.portable-executable",
         false},
        {L(""), CONTENT_UNKNOWN, "binary", "application/octet-stream", false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct content_type t = content_magic((const uint8_t *)v[i].bytes, v[i].len);
        assert_int_equal(t.kind, v[i].kind);
        assert_string_equal(t.label, v[i].label);
        assert_string_equal(t.mime, v[i].mime);
        assert_int_equal(t.archive, v[i].archive);
        assert_false(t.encrypted);
    }
    assert_int_equal(content_magic(NULL, 10).kind, CONTENT_UNKNOWN);
}

/* types whose signature is past the first bytes */
static void
test_deep_signatures(void **state)
{
    uint8_t *b = xcalloc(1, 40000);

    /* PE: "MZ", then e_lfanew pointing at "PE\0\0" */
    memcpy(b, "MZ", 2);
    fx_le32(b + 60, 128);
    memcpy(b + 128, "PE\0\0", 4);
    assert_int_equal(content_magic(b, 512).kind, CONTENT_PE);
    fx_le32(b + 60, 0xFFFFFFF0); /* pointing far outside: still a DOS executable */
    assert_int_equal(content_magic(b, 512).kind, CONTENT_PE);
    memset(b, 0, 512);

    /* ustar */
    memcpy(b, "file.txt", 8);
    memcpy(b + 257, "ustar", 5);
    assert_int_equal(content_magic(b, 1024).kind, CONTENT_TAR);
    assert_int_equal(content_magic(b, 511).kind, CONTENT_UNKNOWN);
    /* v7 tar: no magic, a checksum that adds up */
    memset(b + 257, 0, 5);
    memset(b + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += b[i];
    snprintf((char *)b + 148, 8, "%06o", sum);
    b[155] = ' ';
    assert_int_equal(content_magic(b, 1024).kind, CONTENT_TAR);
    b[148 + 5] ^= 1; /* one off */
    assert_int_equal(content_magic(b, 1024).kind, CONTENT_UNKNOWN);
    memset(b, 0, 1024);

    /* iso9660: "CD001" at 32769 */
    memcpy(b + 32769, "CD001", 5);
    assert_int_equal(content_magic(b, 40000).kind, CONTENT_ISO9660);
    assert_int_equal(content_magic(b, 32773).kind, CONTENT_UNKNOWN);
    free(b);
}

static void
test_limits_default(void **state)
{
    struct content_limits l = content_limits_default();

    assert_int_equal(l.max_depth, 3);
    assert_int_equal(l.max_entries, 10000);
    assert_int_equal(l.max_entry_bytes, 32u << 20);
    assert_int_equal(l.max_total_bytes, 256u << 20);
    assert_int_equal(l.max_ratio, 100);
}

static void
test_charsets(void **state)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } v[] = {
        {L("plain ascii\n"), "plain ascii\n"},
        {L("\xEF\xBB\xBF"
           "caf\xC3\xA9"),
         "caf\xC3\xA9"},
        {L("caf\xE9 cr\xE8me"), "caf\xC3\xA9 cr\xC3\xA8me"},
        {L("\xFF\xFE"
           "c\0a\0f\0\xE9\0 \0=\xD8\x00\xDE"),
         "caf\xC3\xA9 \xF0\x9F\x98\x80"},
        {L("\xFE\xFF\0c\0a\0f\0\xE9\xD8\x3D"), "caf\xC3\xA9\xEF\xBF\xBD"},
        {L("\xFF\xFEx\0y"), "x\xEF\xBF\xBD"}, /* an odd byte left at the end */
        /* UTF-8 with one damaged byte stays UTF-8 */
        {L("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xFF ok"),
         "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xEF\xBF\xBD ok"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct fx_rec r;
        char want[64];
        assert_int_equal(fx_run((const uint8_t *)v[i].in, v[i].len, "t.txt", NULL, &r), 0);
        assert_int_equal(r.items[0].kind, CONTENT_TEXT);
        snprintf(want, sizeof want, "t.txt: %s\n", v[i].out);
        assert_string_equal(r.text.data, want);
        fx_done(&r);
    }
}

/* a text attachment larger than max_entry_bytes: its text is cut, and said so */
static void
test_text_bound(void **state)
{
    static const char s[] = "0123456789\xC3\xA9\xC3\xA9\xC3\xA9";
    struct content_limits lim = content_limits_default();
    struct fx_rec r;

    lim.max_entry_bytes = 11; /* cuts inside the first two-byte character */
    assert_int_equal(fx_run((const uint8_t *)s, strlen(s), "t.txt", &lim, &r), CONTENT_ANOM_SIZE);
    assert_string_equal(r.text.data, "t.txt: 0123456789\n");
    fx_done(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signatures),     cmocka_unit_test(test_deep_signatures),
        cmocka_unit_test(test_limits_default), cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_text_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
