/*
 * content_extract - what an attachment is and what is inside it: type detection, archives,
 * office documents.
 *
 * content_magic() names a file's real type from its first bytes (at most 4 KB are looked at):
 * zip, OOXML (docx/xlsx/pptx: a zip whose entries say so; needs the whole buffer),
 * OpenDocument (odt/ods/odp, and odg typed as odp: a zip whose first entry is `mimetype`
 * naming one; `encrypted` when META-INF/manifest.xml has encryption-data), OLE2
 * (doc/xls/ppt, and "encrypted OOXML": an OLE2 file holding an EncryptedPackage stream;
 * doc/xls/ppt encrypted with their own 97-2003 schemes have `encrypted` set), 7z,
 * rar, gzip, bzip2, xz, tar, pdf (encrypted when it has /Encrypt), rtf (`{\rtf`), png, jpeg,
 * gif, PE and ELF executables, html, plain text (valid UTF-8 without NULs, UTF-16 with a BOM,
 * or 8-bit text without control characters, read as Latin-1), cpio, iso9660, else
 * "application/octet-stream". Three checks read the whole buffer: the zip names of OOXML, the
 * OpenDocument manifest (inflated, at most 1 MB of it) and the OLE2 directory; a PDF's
 * /Encrypt is searched in the whole buffer too.
 *
 * content_extract() walks one attachment held in memory (the caller bounds its size) and
 * reports, through callbacks:
 *   item   each file found inside (archive entries, recursively to max_depth, and the files of
 *          nested archives), with its path (`outer.zip/dir/inner.7z/x.txt`), detected type,
 *          size, SHA-256, and whether it is encrypted (password-protected zip/7z/rar entry,
 *          encrypted office document or PDF) or truncated by a limit;
 *   text   inspectable UTF-8 text: text entries (charset sniffed by content_text: UTF-8 or
 *          UTF-16 by their BOM, UTF-8 if it mostly is, else windows-1252), HTML entries reduced
 *          to their visible text, the text of docx/xlsx/pptx (word/document.xml and headers and
 *          footers, xl/sharedStrings.xml and inline strings, ppt/slides/slideN.xml: element text,
 *          paragraphs and cells separated), the text of odt/ods/odp (content.xml, the headers
 *          and footers of styles.xml, the content.xml of embedded objects: paragraphs,
 *          headings and rows end a line, cells a tab, repeated cells given once, annotations
 *          and notes included; not for an encrypted document), the text of RTF documents
 *          (\'hh bytes in the code page of their font or document, \uN escapes, fields'
 *          results, headers, footers, footnotes, annotations; font, colour and style tables,
 *          pictures, objects' data and field instructions skipped), the text of PDFs (what the
 *          text operators of page and form content streams show, a line per text line:
 *          streams unfiltered or behind Flate, ASCII85 and ASCIIHex; fonts mapped through
 *          their ToUnicode CMaps, simple fonts without one read as WinAnsi; not for encrypted
 *          PDFs nor for scanned pages, which are images), for the top file itself as well as
 *          for entries.
 * The files in a docx/xlsx/pptx's embeddings folder (word/embeddings/...) are its entries, one
 * level deeper, walked like those of an archive; its XML parts are not items. So are an
 * OpenDocument file's pictures (Pictures/...) and embedded binary objects (`Object N`, often
 * an OLE2 file); its embedded OpenDocument objects (`Object N/` folders) give their text to
 * the document's instead.
 * Archives handled through libarchive: zip, 7z, rar, tar (plain and gzip/bzip2/xz), gzip of a
 * single file, cpio, iso9660. A corrupt archive is reported as an anomaly with what was read.
 * Only formats and filters that libarchive implements itself are enabled (no mtree, which
 * reads files named in it from disk; no filter that runs an external program).
 *
 * Order: the attachment's own item first (depth 0, name as path; name NULL: "attachment"),
 * then each entry before what is inside it. A gzip/bzip2/xz of a single file yields one entry
 * named by the gzip header or by the attachment name without its suffix.
 *
 * Limits (struct content_limits): archive depth, entries per archive, bytes per entry
 * extracted, total bytes extracted per attachment (zip bombs stop there, flagged), expansion
 * ratio per archive; the text of a document is bounded by max_entry_bytes (an RTF's groups
 * nested past 64 levels are skipped, flagged DEPTH); a PDF's Flate streams are bounded like
 * entries (max_entry_bytes each, the ratio) and count against max_total_bytes. Each archive
 * entry also costs 512 bytes of max_total_bytes, so nested archives cannot multiply entries
 * without bound; bytes libarchive has to decompress to skip an entry count too. Nothing
 * crashes on bad input; anomalies come back as bits.
 *
 * Ownership: callbacks get pointers valid during the call only. Pure apart from libarchive
 * reading memory, zlib inflating PDF streams and OpenDocument manifests, and iconv converting
 * the code pages of RTF documents (through mime_charset); re-entrant.
 */
#ifndef SW_CONTENT_CONTENT_EXTRACT_H
#define SW_CONTENT_CONTENT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum content_kind {
    CONTENT_UNKNOWN,
    CONTENT_TEXT,
    CONTENT_HTML,
    CONTENT_ZIP,
    CONTENT_DOCX,
    CONTENT_XLSX,
    CONTENT_PPTX,
    CONTENT_OLE2,             /* doc/xls/ppt/msg */
    CONTENT_OFFICE_ENCRYPTED, /* OLE2 holding EncryptedPackage */
    CONTENT_7Z,
    CONTENT_RAR,
    CONTENT_GZIP,
    CONTENT_BZIP2,
    CONTENT_XZ,
    CONTENT_TAR,
    CONTENT_PDF,
    CONTENT_PNG,
    CONTENT_JPEG,
    CONTENT_GIF,
    CONTENT_PE,
    CONTENT_ELF,
    CONTENT_CPIO,
    CONTENT_ISO9660,
    CONTENT_ODT, /* OpenDocument text (and its template, master and web variants) */
    CONTENT_ODS, /* OpenDocument spreadsheet */
    CONTENT_ODP, /* OpenDocument presentation, and drawing (label "odg") */
    CONTENT_RTF,
};

struct content_type {
    enum content_kind kind;
    const char *mime;  /* e.g. "application/zip" */
    const char *label; /* short stable name, e.g. "zip", "docx", "encrypted_office" */
    bool archive;      /* content_extract walks into it */
    bool encrypted;    /* the whole file is encrypted (office, PDF with /Encrypt) */
};

enum content_anomaly {
    CONTENT_ANOM_CORRUPT = 1u << 0,   /* an archive or document that could not be read whole */
    CONTENT_ANOM_DEPTH = 1u << 1,     /* nested archives past max_depth */
    CONTENT_ANOM_ENTRIES = 1u << 2,   /* more entries than max_entries */
    CONTENT_ANOM_SIZE = 1u << 3,      /* an entry or the total past its byte limit */
    CONTENT_ANOM_RATIO = 1u << 4,     /* expansion ratio of a zip bomb */
    CONTENT_ANOM_ENCRYPTED = 1u << 5, /* something encrypted was found */
};

struct content_limits {
    unsigned max_depth;       /* archives inside archives; default 3 */
    unsigned max_entries;     /* per archive; default 10000 */
    uint64_t max_entry_bytes; /* extracted per entry; default 32 MB */
    uint64_t max_total_bytes; /* extracted per attachment; default 256 MB */
    unsigned max_ratio;       /* bytes an archive may expand to per byte of it, once past
                                 1 MB (declared sizes count); default 100; 0: no check */
};

struct content_item {
    const char *path; /* "a.zip/dir/x.txt" (the attachment's own name first) */
    unsigned depth;   /* 1 for entries of the attachment, 2 inside a nested archive... */
    struct content_type type;
    uint64_t size; /* as declared by the archive, or extracted */
    uint8_t sha256[32];
    bool have_hash; /* false when the bytes could not all be read: an encrypted entry, a
                       limit, corrupt data (an encrypted document read whole has one) */
    bool encrypted;
    bool truncated; /* cut short by a limit or by corrupt data */
};

struct content_extract_callbacks {
    void (*item)(void *ctx, const struct content_item *it);
    /* it is the file the text comes from (the attachment itself has depth 0) */
    void (*text)(void *ctx, const struct content_item *it, const uint8_t *utf8, size_t len);
};

struct content_limits content_limits_default(void);
struct content_type content_magic(const uint8_t *data, size_t len);
/* content_extract - walk one attachment; returns enum content_anomaly bits */
unsigned content_extract(const uint8_t *data, size_t len, const char *name,
                         const struct content_limits *lim,
                         const struct content_extract_callbacks *cb, void *ctx);

#endif
