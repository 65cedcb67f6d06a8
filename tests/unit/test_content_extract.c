/* test_content_extract - archives walked by content_extract(): paths, types, sizes and SHA-256
 * of every entry (hashes computed with Python's hashlib over the same bytes), nesting and
 * its limit, tar.gz, 7z, a lone gzip, encrypted zips, zip bombs, the byte and entry limits,
 * and corrupt or truncated archives. The archives are built here with libarchive's writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "content_fixture.h"

#define SHA_HELLO "d9014c4624844aa5bac314773d6b689ad467fa4e1d1a50a1b8a99d5a95f72ff5"
#define SHA_SECOND "f957b19529906961933c5c30f8713c500a9bb5d9d0695c40d48c97a26a3594ec"
#define SHA_DEEP "da81937d4f93a5a66ab373527413914cbaff9955c01e61404e142939343263b9"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_TAR "ec05ffb6010371e5b9c81e737c9967a53ff44922e351d7bd46d7da1cacabc12f"
#define SHA_BIN4 "3d1f57c984978ef98a18378c8166c1cb8ede02c03eeb6aee7e2f121dfeee3e56"
#define SHA_CSV "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470"
#define SHA_Z600K "1358f4ce65f0d1ed482d572e4eac6ea90d465c0ab878f477297474f8f23226c3"
#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#define SHA_EICAR "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

static const struct fx_file hello[] = {
    {"hello.txt", "Hello, world!\n", 0, 0},
    {"dir/second.txt", "second file\n", 0, 0},
    {"empty.txt", "", 0, 0},
};

static void
assert_item(const struct fx_item *it, const char *path, unsigned depth, enum content_kind kind,
            uint64_t size, const char *sha)
{
    assert_non_null(it);
    assert_string_equal(it->path, path);
    assert_int_equal(it->depth, depth);
    assert_int_equal(it->kind, kind);
    assert_int_equal(it->size, size);
    if (sha != NULL) {
        assert_true(it->have_hash);
        assert_string_equal(it->sha, sha);
    } else {
        assert_false(it->have_hash);
    }
}

static void
sha_hex(const uint8_t *d, size_t n, char *out)
{
    uint8_t md[32];
    unsigned mdlen = 0;

    assert_int_equal(EVP_Digest(d, n, md, &mdlen, EVP_sha256(), NULL), 1);
    fx_hex(md, 32, out);
}

static void
test_zip_text_entries(void **state)
{
    size_t len;
    uint8_t *zip = fx_zip(hello, 3, &len);
    struct fx_rec r;
    char top[65];

    sha_hex(zip, len, top);
    assert_int_equal(fx_run(zip, len, "mail.zip", NULL, &r), 0);
    assert_int_equal(r.n, 4);
    assert_item(&r.items[0], "mail.zip", 0, CONTENT_ZIP, len, top);
    assert_string_equal(r.items[0].label, "zip");
    assert_item(&r.items[1], "mail.zip/hello.txt", 1, CONTENT_TEXT, 14, SHA_HELLO);
    assert_string_equal(r.items[1].label, "text");
    assert_item(&r.items[2], "mail.zip/dir/second.txt", 1, CONTENT_TEXT, 12, SHA_SECOND);
    assert_item(&r.items[3], "mail.zip/empty.txt", 1, CONTENT_UNKNOWN, 0, SHA_EMPTY);
    for (size_t i = 0; i < r.n; i++)
        assert_false(r.items[i].encrypted || r.items[i].truncated);
    assert_string_equal(r.text.data, "mail.zip/hello.txt: Hello, world!\n\n"
                                     "mail.zip/dir/second.txt: second file\n\n");
    fx_done(&r);
    free(zip);
}

/* the EICAR string is the attachment of suricata-verify's smtp-attachment-md5 test: check our
 * copy against its target.md5, then against the SHA-256 every AV vendor publishes */
static void
test_eicar_in_zip(void **state)
{
    const char *shared = getenv("SW_SHARED_DIR");
    char path[512], want[40] = "", got[33];
    uint8_t md[16];
    unsigned mdlen = 0;

    if (shared == NULL)
        skip();
    snprintf(path, sizeof path, "%s/corpus/suricata-verify/tests/smtp-attachment-md5/target.md5",
             shared);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(want, sizeof want, f));
    fclose(f);
    want[32] = '\0';
    assert_int_equal(EVP_Digest(EICAR, strlen(EICAR), md, &mdlen, EVP_md5(), NULL), 1);
    fx_hex(md, 16, got);
    assert_string_equal(got, want);

    const struct fx_file files[] = {{"eicar.com", EICAR, 0, 0}};
    size_t len;
    uint8_t *zip = fx_zip(files, 1, &len);
    struct fx_rec r;
    assert_int_equal(fx_run(zip, len, "invoice.zip", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_item(&r.items[1], "invoice.zip/eicar.com", 1, CONTENT_TEXT, 68, SHA_EICAR);
    fx_done(&r);
    free(zip);
}

/* nest - d.txt in c.zip in b.zip in a.zip */
static uint8_t *
nest(size_t *len)
{
    const struct fx_file d[] = {{"d.txt", "deep inside\n", 0, 0}};
    size_t cl, bl;
    uint8_t *c = fx_zip(d, 1, &cl);
    const struct fx_file cf[] = {{"c.zip", (const char *)c, 0, cl}};
    uint8_t *b = fx_zip(cf, 1, &bl);
    const struct fx_file bf[] = {{"b.zip", (const char *)b, 0, bl}};
    uint8_t *a = fx_zip(bf, 1, len);
    free(c);
    free(b);
    return a;
}

static void
test_nested_depth(void **state)
{
    size_t len;
    uint8_t *a = nest(&len);
    struct fx_rec r;
    struct content_limits lim = content_limits_default();

    assert_int_equal(fx_run(a, len, "a.zip", NULL, &r), 0);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.items[1].path, "a.zip/b.zip");
    assert_int_equal(r.items[1].kind, CONTENT_ZIP);
    assert_string_equal(r.items[2].path, "a.zip/b.zip/c.zip");
    assert_int_equal(r.items[2].depth, 2);
    assert_item(&r.items[3], "a.zip/b.zip/c.zip/d.txt", 3, CONTENT_TEXT, 12, SHA_DEEP);
    assert_string_equal(r.text.data, "a.zip/b.zip/c.zip/d.txt: deep inside\n\n");
    fx_done(&r);

    lim.max_depth = 2;
    assert_int_equal(fx_run(a, len, "a.zip", &lim, &r), CONTENT_ANOM_DEPTH);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.items[2].path, "a.zip/b.zip/c.zip");
    assert_int_equal(r.items[2].kind, CONTENT_ZIP);
    assert_true(r.items[2].have_hash);
    assert_int_equal(r.text.len, 0);
    fx_done(&r);

    lim.max_depth = 0;
    assert_int_equal(fx_run(a, len, "a.zip", &lim, &r), CONTENT_ANOM_DEPTH);
    assert_int_equal(r.n, 1);
    fx_done(&r);
    free(a);
}

static void
test_tar_compressed(void **state)
{
    static const struct {
        int filter;
        const char *name;
        enum content_kind kind;
    } v[] = {{ARCHIVE_FILTER_GZIP, "x.tar.gz", CONTENT_GZIP},
             {ARCHIVE_FILTER_BZIP2, "x.tar.bz2", CONTENT_BZIP2},
             {ARCHIVE_FILTER_XZ, "x.tar.xz", CONTENT_XZ},
             {ARCHIVE_FILTER_NONE, "x.tar", CONTENT_TAR}};
    const struct fx_file files[] = {{"dir/a.txt", "tar entry text\n", 0, 0},
                                    {"b.bin", "\x00\x01\x02\xff", 0, 4}};
    char want[160];

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len;
        uint8_t *t =
            fx_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, v[i].filter, NULL, NULL, files, 2, &len);
        struct fx_rec r;
        char p1[64], p2[64];
        assert_int_equal(fx_run(t, len, v[i].name, NULL, &r), 0);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.items[0].kind, v[i].kind);
        snprintf(p1, sizeof p1, "%s/dir/a.txt", v[i].name);
        snprintf(p2, sizeof p2, "%s/b.bin", v[i].name);
        assert_item(&r.items[1], p1, 1, CONTENT_TEXT, 15, SHA_TAR);
        assert_item(&r.items[2], p2, 1, CONTENT_UNKNOWN, 4, SHA_BIN4);
        snprintf(want, sizeof want, "%s: tar entry text\n\n", p1);
        assert_string_equal(r.text.data, want);
        fx_done(&r);
        free(t);
    }
}

static void
test_cpio_iso(void **state)
{
    static const struct {
        int format;
        const char *name;
        enum content_kind kind;
    } v[] = {{ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, "x.cpio", CONTENT_CPIO},
             {ARCHIVE_FORMAT_ISO9660, "x.iso", CONTENT_ISO9660}};

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len;
        uint8_t *a = fx_archive(v[i].format, ARCHIVE_FILTER_NONE, NULL, NULL, hello, 2, &len);
        struct fx_rec r;
        char p1[64], p2[64];
        snprintf(p1, sizeof p1, "%s/hello.txt", v[i].name);
        snprintf(p2, sizeof p2, "%s/dir/second.txt", v[i].name);
        assert_int_equal(fx_run(a, len, v[i].name, NULL, &r), 0);
        assert_int_equal(r.items[0].kind, v[i].kind);
        assert_true(r.items[0].kind != CONTENT_UNKNOWN);
        assert_item(fx_find(&r, p1), p1, 1, CONTENT_TEXT, 14, SHA_HELLO);
        assert_item(fx_find(&r, p2), p2, 1, CONTENT_TEXT, 12, SHA_SECOND);
        assert_int_equal(r.n, 3);
        fx_done(&r);
        free(a);
    }
}

static void
test_7z(void **state)
{
    size_t len;
    uint8_t *z = fx_archive(ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, NULL, NULL, hello, 2, &len);
    struct fx_rec r;

    assert_int_equal(fx_run(z, len, "files.7z", NULL, &r), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.items[0].kind, CONTENT_7Z);
    assert_string_equal(r.items[0].label, "7z");
    assert_item(&r.items[1], "files.7z/hello.txt", 1, CONTENT_TEXT, 14, SHA_HELLO);
    assert_item(&r.items[2], "files.7z/dir/second.txt", 1, CONTENT_TEXT, 12, SHA_SECOND);
    fx_done(&r);
    free(z);
}

static uint32_t
crc32_of(const uint8_t *d, size_t n)
{
    uint32_t c = 0xFFFFFFFF;

    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void
test_gzip_single_file(void **state)
{
    const struct fx_file one[] = {{"whatever", "Hello, world!\n", 0, 0}};
    size_t len;
    uint8_t *gz = fx_archive(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, NULL, NULL, one, 1, &len);
    struct fx_rec r;

    assert_int_equal(fx_run(gz, len, "notes.txt.gz", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.items[0].kind, CONTENT_GZIP);
    assert_item(&r.items[1], "notes.txt.gz/notes.txt", 1, CONTENT_TEXT, 14, SHA_HELLO);
    assert_string_equal(r.text.data, "notes.txt.gz/notes.txt: Hello, world!\n\n");
    fx_done(&r);
    free(gz);

    /* RFC 1952 by hand: FNAME "dir/inner.csv" (the directory is dropped), one stored block */
    static const char body[] = "a,b\n1,2\n";
    uint8_t g[64] = {0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3};
    size_t n = 10;
    memcpy(g + n, "dir/inner.csv", 14);
    n += 14;
    g[n++] = 1; /* BFINAL, stored */
    fx_le16(g + n, 8);
    fx_le16(g + n + 2, 0xFFFF ^ 8);
    n += 4;
    memcpy(g + n, body, 8);
    n += 8;
    fx_le32(g + n, crc32_of((const uint8_t *)body, 8));
    fx_le32(g + n + 4, 8);
    n += 8;
    assert_int_equal(fx_run(g, n, "upload.gz", NULL, &r), 0);
    assert_int_equal(r.n, 2);
    assert_item(&r.items[1], "upload.gz/inner.csv", 1, CONTENT_TEXT, 8, SHA_CSV);
    fx_done(&r);
}

static uint8_t *
bomb(size_t *len)
{
    const struct fx_file files[] = {{"zeros.bin", NULL, 100u << 20, 0},
                                    {"after.txt", "Hello, world!\n", 0, 0}};
    return fx_zip(files, 2, len);
}

/* 100 MB of zeros in a zip of about 100 KB: its declared size alone stops it */
static void
test_zip_bomb_ratio(void **state)
{
    size_t len;
    uint8_t *z = bomb(&len);
    struct fx_rec r;

    assert_true(len < (1u << 20));
    assert_int_equal(fx_run(z, len, "bomb.zip", NULL, &r), CONTENT_ANOM_RATIO | CONTENT_ANOM_SIZE);
    assert_int_equal(r.n, 2);
    assert_item(&r.items[1], "bomb.zip/zeros.bin", 1, CONTENT_UNKNOWN, 100u << 20, NULL);
    assert_true(r.items[1].truncated);
    fx_done(&r);
    free(z);
}

/* without the ratio guard the entry limit stops it, and the walk goes on after it */
static void
test_zip_bomb_entry_limit(void **state)
{
    size_t len;
    uint8_t *z = bomb(&len);
    struct fx_rec r;
    struct content_limits lim = content_limits_default();

    lim.max_ratio = 0;
    lim.max_entry_bytes = 1u << 20;
    assert_int_equal(fx_run(z, len, "bomb.zip", &lim, &r), CONTENT_ANOM_SIZE);
    assert_int_equal(r.n, 3);
    assert_item(&r.items[1], "bomb.zip/zeros.bin", 1, CONTENT_UNKNOWN, 100u << 20, NULL);
    assert_true(r.items[1].truncated);
    assert_item(&r.items[2], "bomb.zip/after.txt", 1, CONTENT_TEXT, 14, SHA_HELLO);
    fx_done(&r);
    free(z);
}

static void
test_total_limit(void **state)
{
    const struct fx_file files[] = {{"z1", NULL, 600000, 0},
                                    {"z2", NULL, 600000, 0},
                                    {"z3", NULL, 600000, 0},
                                    {"tail.txt", "Hello, world!\n", 0, 0}};
    size_t len;
    uint8_t *z = fx_zip(files, 4, &len);
    struct fx_rec r;
    struct content_limits lim = content_limits_default();

    lim.max_ratio = 0;
    lim.max_total_bytes = 1000000;
    assert_int_equal(fx_run(z, len, "t.zip", &lim, &r), CONTENT_ANOM_SIZE);
    assert_int_equal(r.n, 3);
    assert_item(&r.items[1], "t.zip/z1", 1, CONTENT_UNKNOWN, 600000, SHA_Z600K);
    assert_item(&r.items[2], "t.zip/z2", 1, CONTENT_UNKNOWN, 600000, NULL);
    assert_true(r.items[2].truncated);
    fx_done(&r);
    free(z);
}

static void
test_entry_count_limit(void **state)
{
    struct fx_file files[20];
    char names[20][8];
    size_t len;
    struct fx_rec r;
    struct content_limits lim = content_limits_default();

    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "f%02d", i);
        files[i] = (struct fx_file){names[i], "x", 0, 0};
    }
    uint8_t *z = fx_zip(files, 20, &len);
    lim.max_entries = 5;
    assert_int_equal(fx_run(z, len, "many.zip", &lim, &r), CONTENT_ANOM_ENTRIES);
    assert_int_equal(r.n, 6);
    assert_string_equal(r.items[5].path, "many.zip/f04");
    fx_done(&r);
    lim.max_entries = 20;
    assert_int_equal(fx_run(z, len, "many.zip", &lim, &r), 0);
    assert_int_equal(r.n, 21);
    fx_done(&r);
    free(z);
}

static void
test_encrypted_zip(void **state)
{
    static const char *const opts[] = {"zip:encryption=zipcrypt", "zip:encryption=aes256"};
    const struct fx_file files[] = {{"secret.txt", "Hello, world!\n", 0, 0}};

    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *z =
            fx_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, opts[i], "hunter2", files, 1, &len);
        struct fx_rec r;
        assert_int_equal(fx_run(z, len, "enc.zip", NULL, &r), CONTENT_ANOM_ENCRYPTED);
        assert_int_equal(r.n, 2);
        assert_false(r.items[0].encrypted); /* the zip itself can be listed */
        assert_item(&r.items[1], "enc.zip/secret.txt", 1, CONTENT_UNKNOWN, 14, NULL);
        assert_true(r.items[1].encrypted);
        assert_int_equal(r.text.len, 0);
        fx_done(&r);
        free(z);
    }
}

/*
 * libarchive cannot write an encrypted 7z, so one is made from a stored one: its folder's coder
 * (1 coder, id size 1, id 00 = Copy) becomes 7-Zip's AES-256 coder (flags 0x24 = id size 4 with
 * properties, id 06 F1 07 01, one property byte 0x13 = 2^19 key-derivation rounds, no salt or
 * IV), then the header size and both CRCs of the start header are written again.
 */
static void
test_encrypted_7z(void **state)
{
    const struct fx_file files[] = {{"secret.txt", "Hello, world!\n", 0, 0}};
    size_t len;
    uint8_t *z = fx_archive(ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "7zip:compression=store",
                            NULL, files, 1, &len);
    uint8_t *copy = memmem(z + 32, len - 32, "\x0b\x01\x00\x01\x01\x00", 6);
    assert_non_null(copy);
    size_t at = (size_t)(copy - z) + 3, hoff = 32 + (z[12] | z[13] << 8 | z[14] << 16);
    size_t hsize = (size_t)(z[20] | z[21] << 8) + 5;
    uint8_t *e = xmalloc(len + 5);
    memcpy(e, z, at);
    memcpy(e + at, "\x01\x24\x06\xF1\x07\x01\x01\x13", 8);
    memcpy(e + at + 8, z + at + 3, len - at - 3);
    fx_le32(e + 20, (uint32_t)hsize);
    fx_le32(e + 28, crc32_of(e + hoff, hsize));
    fx_le32(e + 8, crc32_of(e + 12, 20));

    struct fx_rec r;
    assert_int_equal(fx_run(e, len + 5, "e.7z", NULL, &r), CONTENT_ANOM_ENCRYPTED);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.items[0].kind, CONTENT_7Z);
    assert_item(&r.items[1], "e.7z/secret.txt", 1, CONTENT_UNKNOWN, 14, NULL);
    assert_true(r.items[1].encrypted);
    assert_int_equal(r.text.len, 0);
    fx_done(&r);
    free(e);
    free(z);
}

/* a stored entry whose bytes were changed after its CRC was written */
static void
test_corrupt_crc(void **state)
{
    size_t len;
    uint8_t *z = fx_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store", NULL,
                            hello, 2, &len);
    uint8_t *at = memmem(z, len, "Hello, world!", 13);
    struct fx_rec r;

    assert_non_null(at);
    at[0] = 'J';
    assert_int_equal(fx_run(z, len, "bad.zip", NULL, &r) & CONTENT_ANOM_CORRUPT,
                     CONTENT_ANOM_CORRUPT);
    const struct fx_item *it = fx_find(&r, "bad.zip/hello.txt");
    assert_non_null(it);
    assert_false(it->have_hash);
    assert_true(it->truncated);
    fx_done(&r);
    free(z);
}

/* archives cut short, or a signature followed by garbage: an anomaly, never a crash */
static void
test_truncated_archives(void **state)
{
    static const struct {
        int format, filter;
        const char *name;
    } v[] = {{ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "t.zip"},
             {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "t.tar.gz"},
             {ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "t.7z"},
             {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, "t.tar.xz"}};
    char big[6000];

    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + (i * 7919) % 26);
    const struct fx_file files[] = {{"one.txt", big, 0, sizeof big},
                                    {"two.txt", big, 0, sizeof big}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len;
        uint8_t *a = fx_archive(v[i].format, v[i].filter, NULL, NULL, files, 2, &len);
        struct fx_rec r;
        for (size_t cut = 8; cut < len; cut += len / 7 + 1) {
            unsigned an = fx_run(a, cut, v[i].name, NULL, &r);
            size_t whole = 0;
            assert_true(r.n >= 1);
            for (size_t k = 1; k < r.n; k++) {
                if (r.items[k].have_hash) { /* whatever was read whole is right */
                    assert_int_equal(r.items[k].size, sizeof big);
                    whole++;
                }
            }
            /* corrupt, unless only a zip's central directory was lost after both entries */
            assert_true((an & CONTENT_ANOM_CORRUPT) || whole == 2);
            fx_done(&r);
        }
        free(a);
    }
    /* the 7z signature, then noise */
    uint8_t junk[300];
    memcpy(junk, "7z\xBC\xAF\x27\x1C\x00\x04", 8);
    for (size_t i = 8; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131);
    struct fx_rec r;
    assert_int_equal(fx_run(junk, sizeof junk, "j.7z", NULL, &r), CONTENT_ANOM_CORRUPT);
    assert_int_equal(r.n, 1);
    fx_done(&r);
}

static void
test_empty_and_null(void **state)
{
    struct fx_rec r;

    assert_int_equal(fx_run((const uint8_t *)"", 0, NULL, NULL, &r), 0);
    assert_int_equal(r.n, 1);
    assert_item(&r.items[0], "attachment", 0, CONTENT_UNKNOWN, 0, SHA_EMPTY);
    fx_done(&r);
    assert_int_equal(content_extract(NULL, 5, "x", NULL, NULL, NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zip_text_entries),
        cmocka_unit_test(test_eicar_in_zip),
        cmocka_unit_test(test_nested_depth),
        cmocka_unit_test(test_tar_compressed),
        cmocka_unit_test(test_cpio_iso),
        cmocka_unit_test(test_7z),
        cmocka_unit_test(test_gzip_single_file),
        cmocka_unit_test(test_zip_bomb_ratio),
        cmocka_unit_test(test_zip_bomb_entry_limit),
        cmocka_unit_test(test_total_limit),
        cmocka_unit_test(test_entry_count_limit),
        cmocka_unit_test(test_encrypted_zip),
        cmocka_unit_test(test_encrypted_7z),
        cmocka_unit_test(test_corrupt_crc),
        cmocka_unit_test(test_truncated_archives),
        cmocka_unit_test(test_empty_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
