/* content_magic - a file's real type from its bytes, and the default extraction limits. */
#define ZLIB_CONST
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "content/content_extract_impl.h"
#include "content/content_text.h"

/* what content_magic looks at, except the whole-buffer checks named in the header */
#define MAGIC_WINDOW 4096
/* the bytes of an OpenDocument manifest inflated to look for encryption data: a manifest
 * lists each file of the package in a line or two */
#define ODF_MANIFEST_MAX (1u << 20)

static const struct content_type types[] = {
    [CONTENT_UNKNOWN] = {CONTENT_UNKNOWN, "application/octet-stream", "binary", false, false},
    [CONTENT_TEXT] = {CONTENT_TEXT, "text/plain", "text", false, false},
    [CONTENT_HTML] = {CONTENT_HTML, "text/html", "html", false, false},
    [CONTENT_ZIP] = {CONTENT_ZIP, "application/zip", "zip", true, false},
    [CONTENT_DOCX] = {CONTENT_DOCX,
                      "application/"
                      "vnd.openxmlformats-officedocument.wordprocessingml.document",
                      "docx", false, false},
    [CONTENT_XLSX] = {CONTENT_XLSX,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                      false, false},
    [CONTENT_PPTX] = {CONTENT_PPTX,
                      "application/"
                      "vnd.openxmlformats-officedocument.presentationml.presentation",
                      "pptx", false, false},
    [CONTENT_OLE2] = {CONTENT_OLE2, "application/x-ole-storage", "ole2", false, false},
    [CONTENT_OFFICE_ENCRYPTED] = {CONTENT_OFFICE_ENCRYPTED, "application/x-ole-storage",
                                  "encrypted_office", false, true},
    [CONTENT_7Z] = {CONTENT_7Z, "application/x-7z-compressed", "7z", true, false},
    [CONTENT_RAR] = {CONTENT_RAR, "application/vnd.rar", "rar", true, false},
    [CONTENT_GZIP] = {CONTENT_GZIP, "application/gzip", "gzip", true, false},
    [CONTENT_BZIP2] = {CONTENT_BZIP2, "application/x-bzip2", "bzip2", true, false},
    [CONTENT_XZ] = {CONTENT_XZ, "application/x-xz", "xz", true, false},
    [CONTENT_TAR] = {CONTENT_TAR, "application/x-tar", "tar", true, false},
    [CONTENT_PDF] = {CONTENT_PDF, "application/pdf", "pdf", false, false},
    [CONTENT_PNG] = {CONTENT_PNG, "image/png", "png", false, false},
    [CONTENT_JPEG] = {CONTENT_JPEG, "image/jpeg", "jpeg", false, false},
    [CONTENT_GIF] = {CONTENT_GIF, "image/gif", "gif", false, false},
    [CONTENT_PE] = {CONTENT_PE, "application/vnd.microsoft.portable-executable", "pe", false,
                    false},
    [CONTENT_ELF] = {CONTENT_ELF, "application/x-executable", "elf", false, false},
    [CONTENT_CPIO] = {CONTENT_CPIO, "application/x-cpio", "cpio", true, false},
    [CONTENT_ISO9660] = {CONTENT_ISO9660, "application/x-iso9660-image", "iso9660", true, false},
    [CONTENT_ODT] = {CONTENT_ODT, "application/vnd.oasis.opendocument.text", "odt", false, false},
    [CONTENT_ODS] = {CONTENT_ODS, "application/vnd.oasis.opendocument.spreadsheet", "ods", false,
                     false},
    [CONTENT_ODP] = {CONTENT_ODP, "application/vnd.oasis.opendocument.presentation", "odp", false,
                     false},
    [CONTENT_RTF] = {CONTENT_RTF, "application/rtf", "rtf", false, false},
};

/* the OpenDocument types by the `mimetype` entry a package starts with: templates, masters and
 * web pages read like their documents, drawings like presentations */
static const struct {
    const char *mime;
    enum content_kind kind;
    const char *label; /* NULL: the kind's */
} odf_types[] = {
    {"application/vnd.oasis.opendocument.text", CONTENT_ODT, NULL},
    {"application/vnd.oasis.opendocument.text-template", CONTENT_ODT, NULL},
    {"application/vnd.oasis.opendocument.text-master", CONTENT_ODT, NULL},
    {"application/vnd.oasis.opendocument.text-master-template", CONTENT_ODT, NULL},
    {"application/vnd.oasis.opendocument.text-web", CONTENT_ODT, NULL},
    {"application/vnd.oasis.opendocument.spreadsheet", CONTENT_ODS, NULL},
    {"application/vnd.oasis.opendocument.spreadsheet-template", CONTENT_ODS, NULL},
    {"application/vnd.oasis.opendocument.presentation", CONTENT_ODP, NULL},
    {"application/vnd.oasis.opendocument.presentation-template", CONTENT_ODP, NULL},
    {"application/vnd.oasis.opendocument.graphics", CONTENT_ODP, "odg"},
    {"application/vnd.oasis.opendocument.graphics-template", CONTENT_ODP, "odg"},
};

/* an OLE2 file's flavour, by the name of a directory entry */
static const struct {
    const char *name;
    bool prefix;
    const char *label;
    const char *mime;
} ole2_names[] = {
    {"EncryptedPackage", false, "encrypted_office", "application/x-ole-storage"},
    {"WordDocument", false, "doc", "application/msword"},
    {"Workbook", false, "xls", "application/vnd.ms-excel"},
    {"Book", false, "xls", "application/vnd.ms-excel"},
    {"PowerPoint Document", false, "ppt", "application/vnd.ms-powerpoint"},
    {"__substg1.0_", true, "msg", "application/vnd.ms-outlook"},
};

/* content_limits_default - the limits a configuration starts from */
struct content_limits
content_limits_default(void)
{
    return (struct content_limits){
        .max_depth = 3,
        .max_entries = 10000,
        .max_entry_bytes = 32u << 20,
        .max_total_bytes = 256u << 20,
        .max_ratio = 100,
    };
}

static bool
has_prefix(const uint8_t *d, size_t len, const void *magic, size_t mlen)
{
    return len >= mlen && memcmp(d, magic, mlen) == 0;
}

static uint16_t
le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ooxml_by_name - which OOXML document a zip entry name marks, or CONTENT_ZIP */
static enum content_kind
ooxml_by_name(const uint8_t *name, size_t n)
{
    static const struct {
        const char *part;
        enum content_kind kind;
    } parts[] = {{"word/document.xml", CONTENT_DOCX},
                 {"xl/workbook.xml", CONTENT_XLSX},
                 {"ppt/presentation.xml", CONTENT_PPTX}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (n == strlen(parts[i].part) && memcmp(name, parts[i].part, n) == 0)
            return parts[i].kind;
    return CONTENT_ZIP;
}

/* a walk of a zip's central directory */
struct zip_dir {
    const uint8_t *d;
    size_t len, p;
    uint32_t left; /* headers the end record announces that are still to come */
};

/* zip_dir_open - find the end of central directory record; false when there is none */
static bool
zip_dir_open(struct zip_dir *z, const uint8_t *d, size_t len)
{
    size_t lo = len > 65535 + 22 ? len - 65535 - 22 : 0;

    for (size_t i = len >= 22 ? len - 22 + 1 : 0; i-- > lo;) {
        if (memcmp(d + i, "PK\5\6", 4) == 0) {
            *z = (struct zip_dir){d, len, le32(d + i + 16), le16(d + i + 10)};
            return z->p < len;
        }
    }
    return false;
}

/* zip_dir_next - the next central header (its name, *nlen bytes, at 46), or NULL */
static const uint8_t *
zip_dir_next(struct zip_dir *z, size_t *nlen)
{
    const uint8_t *h;

    if (z->left == 0 || z->len < 46 || z->p > z->len - 46)
        return NULL;
    h = z->d + z->p;
    if (memcmp(h, "PK\1\2", 4) != 0)
        return NULL;
    size_t xlen = le16(h + 30), clen = le16(h + 32);
    *nlen = le16(h + 28);
    if (*nlen > z->len - z->p - 46)
        return NULL;
    z->left--;
    z->p += 46 + *nlen + xlen + clen;
    return h;
}

/* zip_central_kind - scan the central directory's names; -1 when there is none to read */
static int
zip_central_kind(const uint8_t *d, size_t len)
{
    struct zip_dir z;
    const uint8_t *h;
    size_t nlen;

    if (!zip_dir_open(&z, d, len))
        return -1;
    while ((h = zip_dir_next(&z, &nlen)) != NULL) {
        enum content_kind k = ooxml_by_name(h + 46, nlen);
        if (k != CONTENT_ZIP)
            return (int)k;
    }
    return CONTENT_ZIP;
}

/* zip_member - where the data of the member called name is (its compressed size and method):
 * found in the central directory, else (a zip cut short) by its local header */
static bool
zip_member(const uint8_t *d, size_t len, const char *name, const uint8_t **data, size_t *n,
           unsigned *method)
{
    size_t want = strlen(name), nlen, off = SIZE_MAX, csize = 0;
    struct zip_dir z;
    const uint8_t *h;

    if (zip_dir_open(&z, d, len)) {
        while ((h = zip_dir_next(&z, &nlen)) != NULL) {
            if (nlen == want && memcmp(h + 46, name, want) == 0) {
                off = le32(h + 42);
                csize = le32(h + 20);
                break;
            }
        }
    }
    for (const uint8_t *p = d, *end = d + len;
         off == SIZE_MAX && (p = memmem(p, (size_t)(end - p), "PK\3\4", 4)) != NULL; p += 4) {
        if ((size_t)(end - p) >= 30 + want && le16(p + 26) == want &&
            memcmp(p + 30, name, want) == 0) {
            off = (size_t)(p - d);
            csize = le32(p + 18);
        }
    }
    if (off == SIZE_MAX || len < 30 || off > len - 30 || memcmp(d + off, "PK\3\4", 4) != 0)
        return false;
    size_t at = off + 30 + le16(d + off + 26) + le16(d + off + 28);
    if (at > len)
        return false;
    *data = d + at;
    *n = csize == 0 || csize > len - at ? len - at : csize; /* 0: sizes in a data descriptor */
    *method = le16(d + off + 8);
    return true;
}

/* zip_member_has - whether the member's data, stored or deflated, holds s (at most
 * ODF_MANIFEST_MAX bytes of it inflated) */
static bool
zip_member_has(const uint8_t *d, size_t len, const char *name, const char *s)
{
    const uint8_t *data;
    size_t n, slen = strlen(s), have = 0, seen = 0;
    unsigned method;
    uint8_t win[16384];
    z_stream z = {0};
    bool found = false;
    int r = Z_OK;

    if (!zip_member(d, len, name, &data, &n, &method))
        return false;
    if (method == 0)
        return memmem(data, n, s, slen) != NULL;
    if (method != 8 || slen >= sizeof win / 2 || inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return false;
    z.next_in = data;
    z.avail_in = n > UINT_MAX ? UINT_MAX : (unsigned)n;
    while (!found && r == Z_OK && seen < ODF_MANIFEST_MAX) {
        if (have >= slen) { /* keep a tail that a match may straddle */
            memmove(win, win + have - (slen - 1), slen - 1);
            have = slen - 1;
        }
        z.next_out = win + have;
        z.avail_out = (unsigned)(sizeof win - have);
        r = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof win - have - z.avail_out;
        if (got == 0)
            break;
        have += got;
        seen += got;
        found = memmem(win, have, s, slen) != NULL;
    }
    inflateEnd(&z);
    return found;
}

/* odf_magic - an OpenDocument type, encrypted when its manifest gives entries encryption
 * data (a password-protected document: its XML parts are ciphertext) */
static struct content_type
odf_magic(const uint8_t *d, size_t len, int which)
{
    struct content_type t = types[odf_types[which].kind];

    t.mime = odf_types[which].mime;
    if (odf_types[which].label != NULL)
        t.label = odf_types[which].label;
    t.encrypted = zip_member_has(d, len, "META-INF/manifest.xml", "encryption-data");
    return t;
}

/* zip_local_kind - a zip cut short has no central directory: look at the names of the local
 * headers instead, found by their signature (sizes in a data descriptor leave no other way to
 * step from one to the next) */
static enum content_kind
zip_local_kind(const uint8_t *d, size_t len)
{
    const uint8_t *p = d, *end = d + len;

    while ((p = memmem(p, (size_t)(end - p), "PK\3\4", 4)) != NULL) {
        size_t nlen = end - p >= 30 ? le16(p + 26) : SIZE_MAX;
        if (nlen > (size_t)(end - p) - 30)
            break;
        enum content_kind k = ooxml_by_name(p + 30, nlen);
        if (k != CONTENT_ZIP)
            return k;
        p += 4;
    }
    return CONTENT_ZIP;
}

/* odf_type - an OpenDocument package: its first entry is `mimetype`, stored, naming the type
 * (OpenDocument 1.2 part 3, 3.3); -1 for any other zip */
static int
odf_type(const uint8_t *d, size_t len)
{
    if (len < 30 + 8 || memcmp(d, "PK\3\4", 4) != 0 || le16(d + 26) != 8 ||
        memcmp(d + 30, "mimetype", 8) != 0 || le16(d + 8) != 0)
        return -1;
    size_t at = 30 + 8 + (size_t)le16(d + 28), n = le32(d + 18);
    if (at > len)
        return -1;
    if (n == 0 || n > len - at) /* sizes in a data descriptor: up to the next header */
        n = len - at;
    for (size_t i = 0; i < sizeof odf_types / sizeof odf_types[0]; i++) {
        size_t m = strlen(odf_types[i].mime);
        if (n >= m && memcmp(d + at, odf_types[i].mime, m) == 0 &&
            (n == m || (n - m >= 2 && memcmp(d + at + m, "PK", 2) == 0)))
            return (int)i;
    }
    return -1;
}

/* ole2_entry_is - whether the UTF-16LE directory entry name is s (or starts with it) */
static bool
ole2_entry_is(const uint8_t *e, const char *s, bool prefix)
{
    size_t nbytes = le16(e + 64), n = strlen(s);

    if (nbytes < 2 || nbytes > 64 || nbytes % 2 != 0)
        return false;
    size_t chars = nbytes / 2 - 1; /* the length counts the terminating NUL */
    if (prefix ? chars < n : chars != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (e[2 * i] != (uint8_t)s[i] || e[2 * i + 1] != 0)
            return false;
    return true;
}

/*
 * ole2_find - the directory of a compound file is a chain of sectors, and every sector starts
 * at a multiple of the sector size (512 or 4096, both multiples of the 128-byte entry), so
 * every entry sits at a multiple of 128 past the header: scanning those positions finds a name
 * without following the FAT, which a damaged file may not let us do. Returns the entry's
 * offset, or 0.
 */
static size_t
ole2_find(const uint8_t *d, size_t len, const char *name, bool prefix)
{
    size_t ss = le16(d + 30) == 12 ? 4096 : 512;

    for (size_t off = ss; off <= len - 128 && len >= 128; off += 128) {
        const uint8_t *e = d + off;
        if ((e[66] == 1 || e[66] == 2) && ole2_entry_is(e, name, prefix))
            return off;
    }
    return 0;
}

/* ole2_stream - the first sector of the stream of directory entry e, if it is not in the
 * mini stream; *n bytes of it are in the buffer */
static const uint8_t *
ole2_stream(const uint8_t *d, size_t len, const uint8_t *e, size_t *n)
{
    size_t ss = le16(d + 30) == 12 ? 4096 : 512;
    uint32_t start = le32(e + 116), size = le32(e + 120), cutoff = le32(d + 56);

    if (size < cutoff || start >= 0xFFFFFFFA || ((uint64_t)start + 1) * ss >= len)
        return NULL;
    size_t off = ((size_t)start + 1) * ss;
    *n = len - off < ss ? len - off : ss;
    if (*n > size)
        *n = size;
    return d + off;
}

/* word_encrypted - the FIB of a Word 97-2003 file says fEncrypted ([MS-DOC] 2.5.2) */
static bool
word_encrypted(const uint8_t *d, size_t len, const uint8_t *e)
{
    size_t n;
    const uint8_t *s = ole2_stream(d, len, e, &n);

    return s != NULL && n >= 12 && le16(s) == 0xA5EC && (le16(s + 10) & 0x0100) != 0;
}

/* xls_encrypted - a FILEPASS record among the first records of the workbook globals
 * ([MS-XLS] 2.4.117), which comes right after BOF when the file is encrypted */
static bool
xls_encrypted(const uint8_t *d, size_t len, const uint8_t *e)
{
    size_t n, p = 0;
    const uint8_t *s = ole2_stream(d, len, e, &n);

    for (int k = 0; s != NULL && k < 16 && p + 4 <= n; k++) {
        unsigned type = le16(s + p), rlen = le16(s + p + 2);
        if (type == 0x002F)
            return true;
        if (type == 0x000A)
            return false; /* EOF of the globals */
        if (k == 0 && type != 0x0809)
            return false; /* not BOF: not a BIFF8 workbook */
        p += 4 + (size_t)rlen;
    }
    return false;
}

/* ole2_type - a compound file named by its directory: encrypted OOXML, doc, xls... and
 * whether the legacy formats are encrypted (RC4 or XOR "protection" of Word/Excel 97-2003,
 * PowerPoint's EncryptedSummary stream) */
static struct content_type
ole2_type(const uint8_t *d, size_t len)
{
    struct content_type t = types[CONTENT_OLE2];

    if (len < 512)
        return t;
    for (size_t i = 0; i < sizeof ole2_names / sizeof ole2_names[0]; i++) {
        size_t off = ole2_find(d, len, ole2_names[i].name, ole2_names[i].prefix);
        if (off == 0)
            continue;
        if (i == 0)
            return types[CONTENT_OFFICE_ENCRYPTED];
        t.label = ole2_names[i].label;
        t.mime = ole2_names[i].mime;
        if (strcmp(t.label, "doc") == 0)
            t.encrypted = word_encrypted(d, len, d + off);
        else if (strcmp(t.label, "xls") == 0)
            t.encrypted = xls_encrypted(d, len, d + off);
        else if (strcmp(t.label, "ppt") == 0)
            t.encrypted = ole2_find(d, len, "EncryptedSummary", false) != 0;
        return t;
    }
    return t;
}

/* tar_header_ok - a tar header: "ustar" magic, or (v7) a checksum that adds up */
static bool
tar_header_ok(const uint8_t *d, size_t len)
{
    if (len < 512)
        return false;
    if (memcmp(d + 257, "ustar", 5) == 0)
        return true;
    unsigned long want = 0, sum = 0;
    size_t i = 148, digits = 0;
    while (i < 156 && d[i] == ' ')
        i++;
    for (; i < 156 && d[i] >= '0' && d[i] <= '7'; i++, digits++)
        want = want * 8 + (unsigned long)(d[i] - '0');
    if (digits == 0 || d[0] == 0)
        return false;
    for (i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : d[i];
    return sum == want;
}

/* pe_ok - "MZ" with the "PE" header it points to */
static bool
pe_ok(const uint8_t *d, size_t len)
{
    if (!has_prefix(d, len, "MZ", 2) || len < 64)
        return false;
    uint32_t off = le32(d + 60);
    return off <= len - 4 && memcmp(d + off, "PE\0\0", 4) == 0;
}

/* html_ok - markup that only HTML starts with, after a BOM and blanks */
static bool
html_ok(const uint8_t *d, size_t len)
{
    static const char *const tags[] = {"<!doctype html", "<html", "<head",  "<body", "<meta",
                                       "<title",         "<div",  "<table", "<p>"};
    size_t i = 0;

    if (has_prefix(d, len, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
        size_t n = strlen(tags[t]);
        if (len - i >= n && strncasecmp((const char *)d + i, tags[t], n) == 0)
            return true;
    }
    return false;
}

/* text_ok - UTF-16 with a BOM or of that shape without one, or no NUL and no control characters but
 * the usual ones (an incomplete UTF-8 sequence at the window's end is not held against it) */
static bool
text_ok(const uint8_t *d, size_t len)
{
    if (has_prefix(d, len, "\xFF\xFE", 2) || has_prefix(d, len, "\xFE\xFF", 2))
        return true;
    if (len >= 8 && content_text_utf16_unmarked(d, len) != 0)
        return true;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = d[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B && c != '\v')
            return false;
        if (c == 0x7F)
            return false;
    }
    return true;
}

static bool
pdf_encrypted(const uint8_t *d, size_t len)
{
    return memmem(d, len, "/Encrypt", 8) != NULL;
}

/* magic_archive - the compressed and archive formats, by their signatures */
static int
magic_archive(const uint8_t *d, size_t len)
{
    if (has_prefix(d, len, "PK\3\4", 4) || has_prefix(d, len, "PK\5\6", 4))
        return CONTENT_ZIP;
    if (has_prefix(d, len, "7z\xBC\xAF\x27\x1C", 6))
        return CONTENT_7Z;
    if (has_prefix(d, len, "Rar!\x1A\x07", 6))
        return CONTENT_RAR;
    if (has_prefix(d, len, "\x1F\x8B", 2))
        return CONTENT_GZIP;
    if (has_prefix(d, len, "BZh", 3) && len > 3 && d[3] >= '1' && d[3] <= '9')
        return CONTENT_BZIP2;
    if (has_prefix(d, len,
                   "\xFD"
                   "7zXZ\0",
                   6))
        return CONTENT_XZ;
    if (has_prefix(d, len, "070707", 6) || has_prefix(d, len, "070701", 6) ||
        has_prefix(d, len, "070702", 6) || has_prefix(d, len, "\xC7\x71", 2) ||
        has_prefix(d, len, "\x71\xC7", 2))
        return CONTENT_CPIO;
    if (len >= 32774 && memcmp(d + 32769, "CD001", 5) == 0)
        return CONTENT_ISO9660;
    if (tar_header_ok(d, len))
        return CONTENT_TAR;
    return -1;
}

/* magic_other - documents, images, executables */
static int
magic_other(const uint8_t *d, size_t len)
{
    if (has_prefix(d, len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return CONTENT_OLE2;
    if (has_prefix(d, len, "%PDF-", 5))
        return CONTENT_PDF;
    if (has_prefix(d, len, "{\\rtf", 5))
        return CONTENT_RTF;
    if (has_prefix(d, len, "\x89PNG\r\n\x1A\n", 8))
        return CONTENT_PNG;
    if (has_prefix(d, len, "\xFF\xD8\xFF", 3))
        return CONTENT_JPEG;
    if (has_prefix(d, len, "GIF87a", 6) || has_prefix(d, len, "GIF89a", 6))
        return CONTENT_GIF;
    if (has_prefix(d, len,
                   "\x7F"
                   "ELF",
                   4))
        return CONTENT_ELF;
    if (pe_ok(d, len))
        return CONTENT_PE;
    return -1;
}

/* content_magic - archives first, then documents and binaries, then text */
struct content_type
content_magic(const uint8_t *data, size_t len)
{
    size_t win = len < MAGIC_WINDOW ? len : MAGIC_WINDOW;
    int k;

    if (data == NULL || len == 0)
        return types[CONTENT_UNKNOWN];
    k = magic_archive(data, len);
    if (k == CONTENT_ZIP) {
        int odf = odf_type(data, len);
        if (odf >= 0)
            return odf_magic(data, len, odf);
        int c = zip_central_kind(data, len);
        return types[c >= 0 ? c : (int)zip_local_kind(data, len)];
    }
    if (k >= 0)
        return types[k];
    k = magic_other(data, len);
    if (k == CONTENT_OLE2)
        return ole2_type(data, len);
    if (k == CONTENT_PDF) {
        struct content_type t = types[CONTENT_PDF];
        t.encrypted = pdf_encrypted(data, len);
        return t;
    }
    if (k >= 0)
        return types[k];
    if (html_ok(data, win))
        return types[CONTENT_HTML];
    if (text_ok(data, win))
        return types[CONTENT_TEXT];
    if (has_prefix(data, len, "MZ", 2))
        return types[CONTENT_PE]; /* a DOS executable, or a PE whose header is out of reach */
    return types[CONTENT_UNKNOWN];
}
