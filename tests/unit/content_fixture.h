/*
 * content_fixture - what the test_content_* programs share: archives built in memory with
 * libarchive's writer, a minimal OLE2 compound file, and a recorder of content_extract()'s
 * callbacks. Header-only (static functions), included by one test file each.
 */
#ifndef SW_TESTS_CONTENT_FIXTURE_H
#define SW_TESTS_CONTENT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "content/content_extract.h"
#include "util/buf.h"
#include "util/mem.h"

/* one file to put in an archive: data, or `zeros` NUL bytes when data is NULL */
struct fx_file {
    const char *name;
    const char *data;
    uint64_t zeros;
    size_t len; /* 0: strlen(data) */
};

static inline la_ssize_t
fx_write_cb(struct archive *a, void *u, const void *p, size_t n)
{
    (void)a;
    buf_append(u, p, n);
    return (la_ssize_t)n;
}

/* fx_archive - an archive of files: format and filter codes of archive_write_set_format() and
 * archive_write_add_filter(), libarchive options, a passphrase; malloc'd, length in *len */
static inline uint8_t *
fx_archive(int format, int filter, const char *options, const char *pass,
           const struct fx_file *files, size_t n, size_t *len)
{
    struct archive *a = archive_write_new();
    struct buf out;
    static const char zeros[65536];

    buf_init(&out, 0);
    if (archive_write_set_format(a, format) != ARCHIVE_OK ||
        archive_write_add_filter(a, filter) != ARCHIVE_OK)
        abort();
    if (options != NULL && archive_write_set_options(a, options) != ARCHIVE_OK)
        abort();
    if (pass != NULL && archive_write_set_passphrase(a, pass) != ARCHIVE_OK)
        abort();
    /* no block padding for tar, so truncation tests cut real data */
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &out, NULL, fx_write_cb, NULL) != ARCHIVE_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t dlen = files[i].data == NULL ? 0
                      : files[i].len != 0   ? files[i].len
                                            : strlen(files[i].data);
        uint64_t size = files[i].data != NULL ? dlen : files[i].zeros;
        archive_entry_set_pathname(e, files[i].name);
        archive_entry_set_size(e, (la_int64_t)size);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
            abort();
        if (files[i].data != NULL) {
            if (dlen > 0 && archive_write_data(a, files[i].data, dlen) != (la_ssize_t)dlen)
                abort();
        } else {
            for (uint64_t left = size; left > 0;) {
                size_t k = left < sizeof zeros ? (size_t)left : sizeof zeros;
                if (archive_write_data(a, zeros, k) != (la_ssize_t)k)
                    abort();
                left -= k;
            }
        }
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        abort();
    archive_write_free(a);
    *len = out.len;
    return (uint8_t *)out.data; /* buf data is malloc'd: free() it */
}

static inline uint8_t *
fx_zip(const struct fx_file *files, size_t n, size_t *len)
{
    return fx_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, NULL, files, n, len);
}

static inline void
fx_le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void
fx_le32(uint8_t *p, uint32_t v)
{
    fx_le16(p, v & 0xFFFF);
    fx_le16(p + 2, v >> 16);
}

/* fx_dirent - one 128-byte OLE2 directory entry */
static inline void
fx_dirent(uint8_t *e, const char *name, unsigned type, uint32_t left, uint32_t right,
          uint32_t child, uint32_t start, uint32_t size)
{
    size_t n = strlen(name);

    memset(e, 0, 128);
    for (size_t i = 0; i < n; i++)
        e[2 * i] = (uint8_t)name[i];
    fx_le16(e + 64, (unsigned)(2 * n + 2));
    e[66] = (uint8_t)type;
    e[67] = 1; /* black */
    fx_le32(e + 68, left);
    fx_le32(e + 72, right);
    fx_le32(e + 76, child);
    fx_le32(e + 116, start);
    fx_le32(e + 120, size);
}

/*
 * fx_cfb - a compound file (MS-CFB version 3, 512-byte sectors) with a root storage and two
 * streams of 4096 bytes each (the mini-stream cutoff, so both live in ordinary sectors):
 * sector 0 the FAT, 1 the directory, 2-9 the first stream, 10-17 the second. The layout of
 * an Agile-encrypted OOXML file ("EncryptionInfo", "EncryptedPackage") or of a Word 97 file
 * ("WordDocument", "1Table"), reduced to what a reader needs to list it.
 */
static inline uint8_t *
fx_cfb(const char *s1, const char *s2, size_t *len)
{
    const uint32_t FREE = 0xFFFFFFFF, END = 0xFFFFFFFE, FATSECT = 0xFFFFFFFD;
    size_t total = 512 + 18 * 512;
    uint8_t *f = xcalloc(1, total), *fat = f + 512, *dir = f + 1024;

    memcpy(f, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
    fx_le16(f + 24, 0x3E);   /* minor version */
    fx_le16(f + 26, 3);      /* major version 3 */
    fx_le16(f + 28, 0xFFFE); /* little-endian */
    fx_le16(f + 30, 9);      /* sector shift: 512 */
    fx_le16(f + 32, 6);      /* mini sector shift: 64 */
    fx_le32(f + 44, 1);      /* FAT sectors */
    fx_le32(f + 48, 1);      /* first directory sector */
    fx_le32(f + 56, 4096);   /* mini stream cutoff */
    fx_le32(f + 60, END);    /* no mini FAT */
    fx_le32(f + 68, END);    /* no DIFAT sectors */
    fx_le32(f + 76, 0);      /* DIFAT[0]: the FAT is sector 0 */
    for (int i = 1; i < 109; i++)
        fx_le32(f + 76 + 4 * i, FREE);
    for (int i = 0; i < 128; i++)
        fx_le32(fat + 4 * i, FREE);
    fx_le32(fat, FATSECT);
    fx_le32(fat + 4, END);
    for (uint32_t s = 2; s < 18; s++)
        fx_le32(fat + 4 * s, s == 9 || s == 17 ? END : s + 1);
    fx_dirent(dir, "Root Entry", 5, FREE, FREE, 1, END, 0);
    fx_dirent(dir + 128, s1, 2, FREE, 2, FREE, 2, 4096);
    fx_dirent(dir + 256, s2, 2, FREE, FREE, FREE, 10, 4096);
    dir[256 + 67] = 0; /* red: the right child of a black node */
    fx_dirent(dir + 384, "", 0, FREE, FREE, FREE, 0, 0);
    fx_le16(dir + 384 + 64, 0); /* unused */
    for (size_t i = 512 + 2 * 512; i < total; i++)
        f[i] = (uint8_t)(i * 7 + 3); /* stream contents: arbitrary bytes */
    *len = total;
    return f;
}

/* what content_extract reported */
struct fx_item {
    char path[256];
    unsigned depth;
    enum content_kind kind;
    char label[32];
    uint64_t size;
    char sha[65];
    bool have_hash, encrypted, truncated;
};

struct fx_rec {
    struct fx_item items[64];
    size_t n;
    size_t extra;    /* items past the array */
    struct buf text; /* "path: text\n" for each text callback */
};

static inline void
fx_hex(const uint8_t *d, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static inline void
fx_on_item(void *ctx, const struct content_item *it)
{
    struct fx_rec *r = ctx;

    if (r->n == sizeof r->items / sizeof r->items[0]) {
        r->extra++;
        return;
    }
    struct fx_item *x = &r->items[r->n++];
    snprintf(x->path, sizeof x->path, "%s", it->path);
    x->depth = it->depth;
    x->kind = it->type.kind;
    snprintf(x->label, sizeof x->label, "%s", it->type.label);
    x->size = it->size;
    if (it->have_hash)
        fx_hex(it->sha256, 32, x->sha);
    else
        x->sha[0] = '\0';
    x->have_hash = it->have_hash;
    x->encrypted = it->encrypted;
    x->truncated = it->truncated;
}

static inline void
fx_on_text(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len)
{
    struct fx_rec *r = ctx;

    buf_printf(&r->text, "%s: ", it->path);
    buf_append(&r->text, utf8, len);
    buf_append(&r->text, "\n", 1);
}

static const struct content_extract_callbacks fx_cb = {fx_on_item, fx_on_text};

/* fx_run - content_extract into a fresh recorder; release with fx_done */
static inline unsigned
fx_run(const uint8_t *d, size_t len, const char *name, const struct content_limits *lim,
       struct fx_rec *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->text, 0);
    return content_extract(d, len, name, lim, &fx_cb, r);
}

static inline void
fx_done(struct fx_rec *r)
{
    buf_release(&r->text);
}

/* fx_find - the item reported with this path, or NULL */
static inline const struct fx_item *
fx_find(const struct fx_rec *r, const char *path)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].path, path) == 0)
            return &r->items[i];
    return NULL;
}

#endif
