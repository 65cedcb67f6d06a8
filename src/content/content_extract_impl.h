/*
 * content_extract_impl - what the files behind content_extract.h share and nobody else
 * includes (tests aside).
 *
 * content_magic.c    content_magic(), content_limits_default(), the zip name and OLE2
 *                    directory scans that tell OOXML and encrypted office files apart
 * content_extract.c  content_extract(): one walk per attachment, the analysis of each file
 *                    found (item, text, document, nested archive), charset sniffing
 * content_archive.c  the libarchive walk of one archive held in memory, entry reading with
 *                    the byte, entry and ratio limits, SHA-256
 * content_ooxml.c    docx/xlsx/pptx: the XML parts read through libarchive, their text; the
 *                    walk of an office document's zip, shared with content_odf.c
 * content_odf.c      odt/ods/odp: the text of content.xml, headers and footers, embedded
 *                    objects
 * content_rtf.c      RTF: the text of a document, its code pages and Unicode escapes
 * content_xml.c      a small XML scanner: tags, attributes, text, entities
 * content_pdf.c      PDF: the objects found by scanning, object streams, stream filters
 *                    (Flate under the limits, ASCII85, ASCIIHex), fonts and their CMaps
 * content_pdf_syntax.c  PDF tokens and strings
 * content_pdf_text.c    ToUnicode CMaps, WinAnsi, and the text operators of content streams
 *
 * All state is per call (struct cx_walk): re-entrant.
 */
#ifndef SW_CONTENT_CONTENT_EXTRACT_IMPL_H
#define SW_CONTENT_CONTENT_EXTRACT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/content_extract.h"
#include "util/buf.h"

struct archive;
struct archive_entry;

/* deepest nesting walked whatever the configuration says: bounds the C stack */
#define CX_DEPTH_CAP 32
/* bytes of a file's start that decide whether the rest is kept in memory (iso9660 has its
 * signature at 32769) */
#define CX_HEAD_BYTES 36864
/* what each archive entry costs of max_total_bytes, whatever its size */
#define CX_ENTRY_COST 512
/* an archive may expand past max_ratio times its size only below this many bytes */
#define CX_RATIO_FLOOR (1u << 20)

/* cx_walk - the state of one content_extract() call */
struct cx_walk {
    struct content_limits lim;
    const struct content_extract_callbacks *cb;
    void *ctx;
    unsigned anom;  /* enum content_anomaly bits */
    uint64_t total; /* bytes decompressed so far (read or skipped), against max_total_bytes */
    bool stop;      /* max_total_bytes reached: read nothing more */
};

/* cx_entry - one archive entry as read: the whole of it, or its head when the rest is of no
 * interest (images, executables, unknown binary) or past a limit */
struct cx_entry {
    struct buf data; /* everything read when kept, else the first CX_HEAD_BYTES */
    uint64_t n;      /* bytes read (all hashed) */
    uint8_t sha256[32];
    bool kept;      /* data holds all n bytes */
    bool complete;  /* read to its end: the hash covers the whole entry */
    bool truncated; /* stopped by a limit (or by w->stop) */
    bool hit_limit; /* ... namely by the limit given to cx_entry_read */
    bool failed;    /* libarchive reported an error in the data */
    bool fatal;     /* ... and the archive cannot be read further */
};

/* content_extract.c */
/* cx_analyse - report one file (item, text, document text) and walk into it if an archive */
void cx_analyse(struct cx_walk *w, struct content_item *it, const uint8_t *data, size_t len,
                bool whole);
/* content_archive.c */
/* cx_archive_open - a libarchive reader over memory (the safe formats and filters only; raw
 * for a lone compressed file); NULL if it cannot be opened */
struct archive *cx_archive_open(const uint8_t *data, size_t len, bool raw);
/* cx_entry_read - read the current entry, at most limit bytes and within max_total_bytes;
 * keep_all keeps the data whatever its type; buf_release(&e->data) after */
void cx_entry_read(struct cx_walk *w, struct archive *a, uint64_t limit, bool keep_all,
                   struct cx_entry *e);
/* cx_entry_name - the entry's path in UTF-8 (invalid bytes replaced), appended to out */
void cx_entry_name(struct archive_entry *ae, struct buf *out);
/* cx_archive_entry - read, hash, report and analyse the current entry (it: path and depth
 * set) of an archive of len bytes that has expanded to *produced so far; true when the walk
 * of that archive must stop (ratio passed, unreadable past this point) */
bool cx_archive_entry(struct cx_walk *w, struct archive *a, struct archive_entry *ae,
                      struct content_item *it, size_t len, uint64_t *produced);
/* cx_charge_entry - count one entry against max_total_bytes; false when that is spent */
bool cx_charge_entry(struct cx_walk *w);
/* cx_archive_walk - report the entries of an archive (the file at path, at depth) */
void cx_archive_walk(struct cx_walk *w, const uint8_t *data, size_t len, const char *path,
                     unsigned depth, enum content_kind kind);

/* content_ooxml.c */
/* what an entry of an office document's zip is to its reader */
enum cx_doc_role {
    CX_DOC_OTHER,    /* not read */
    CX_DOC_PART,     /* an XML part whose text is taken */
    CX_DOC_EMBEDDED, /* a file embedded in the document: one of its entries */
};
/* a part read whole (or up to max_entry_bytes: hit_limit), and its place in reading order */
struct cx_doc_part {
    unsigned rank;
    unsigned long num; /* by rank, then by num */
    struct cx_entry e;
};
/* cx_doc_parts - walk the zip of the office document doc (len bytes, open in a): the parts
 * role() names read, in reading order, into *parts (free() it after buf_release of each
 * e.data); the embedded files it names reported and analysed as doc's entries, one level
 * deeper; entries counted against max_entries and max_total_bytes. Returns how many parts,
 * anomaly bits into *anom. */
size_t cx_doc_parts(struct cx_walk *w, struct archive *a, const struct content_item *doc,
                    size_t len,
                    enum cx_doc_role (*role)(enum content_kind kind, const char *name,
                                             unsigned *rank, unsigned long *num),
                    struct cx_doc_part **parts, unsigned *anom);
/* cx_ooxml_text - the text of the docx/xlsx/pptx it, appended to out (bounded by out->max);
 * the files of its embeddings folder are reported and analysed as its entries; returns
 * anomaly bits */
unsigned cx_ooxml_text(struct cx_walk *w, const struct content_item *it, const uint8_t *data,
                       size_t len, struct buf *out);

/* content_odf.c */
/* cx_odf_text - the text of the odt/ods/odp it (content.xml; headers and footers of
 * styles.xml; the content.xml of its embedded objects), appended to out (bounded by out->max:
 * SIZE when cut): paragraphs and rows end a line, cells a tab, repeated cells given once;
 * its pictures and embedded binary objects reported and analysed as its entries; nothing for
 * an encrypted document. Returns anomaly bits. */
unsigned cx_odf_text(struct cx_walk *w, const struct content_item *it, const uint8_t *data,
                     size_t len, struct buf *out);

/* content_rtf.c */
/* cx_rtf_text - the text of an RTF document, appended to out as UTF-8 (bounded by out->max:
 * SIZE when cut): paragraphs, rows and breaks end a line, cells and tabs give a tab; \'hh
 * bytes decoded in the code page of the current font or of the document, \uN escapes;
 * destinations that hold no text (font, colour and style tables, pictures, objects' data,
 * field instructions, unknown \* destinations) skipped; groups nested past a bound skipped
 * (DEPTH). CORRUPT for an unbalanced or truncated file, with what was read still out. Returns
 * anomaly bits. */
unsigned cx_rtf_text(const uint8_t *data, size_t len, struct buf *out);

/* content_pdf.c */
/* cx_pdf_text - the text a PDF shows (content streams unfiltered or behind Flate, ASCII85 and
 * ASCIIHex; fonts mapped through their ToUnicode CMaps, else read as WinAnsi), appended to out
 * (bounded by out->max: SIZE when cut); inflated bytes count against max_entry_bytes per
 * stream, max_ratio and max_total_bytes like archive entries; CORRUPT for a file cut short or
 * bad Flate data, with what was read still out; nothing for an encrypted PDF. Returns anomaly
 * bits. */
unsigned cx_pdf_text(struct cx_walk *w, const struct content_item *it, const uint8_t *data,
                     size_t len, struct buf *out);

/* content_pdf_syntax.c */
enum cx_pdf_tok_kind {
    CX_PDF_EOF,
    CX_PDF_NUM,
    CX_PDF_NAME,
    CX_PDF_STR,
    CX_PDF_HEX,
    CX_PDF_ARRAY,
    CX_PDF_DICT,
    CX_PDF_WORD,  /* an operator, keyword, true/false/null */
    CX_PDF_CLOSE, /* a closing delimiter with no opening */
};
/* cx_pdf_tok - one token, pointing into the lexed bytes: p/n is a name without its slash, the
 * inside of a string, array or dictionary (taken whole), or the word; num a number's value */
struct cx_pdf_tok {
    enum cx_pdf_tok_kind k;
    const uint8_t *p;
    size_t n;
    double num;
};
struct cx_pdf_lex {
    const uint8_t *s;
    size_t n, i;   /* the bytes; where the next token is looked for */
    bool unclosed; /* a string, array or dictionary ran to the end */
};
/* cx_pdf_lex_next - the next token; false at the end */
bool cx_pdf_lex_next(struct cx_pdf_lex *lx, struct cx_pdf_tok *t);
bool cx_pdf_tok_is(const struct cx_pdf_tok *t, const char *word);
/* cx_pdf_tok_uint - whether t is a whole number in [0, max) */
bool cx_pdf_tok_uint(const struct cx_pdf_tok *t, double max, uint64_t *v);
bool cx_pdf_is_space(uint8_t c);
bool cx_pdf_is_regular(uint8_t c); /* neither white space nor a delimiter */
/* cx_pdf_skip_space - the index past white space and comments from i */
size_t cx_pdf_skip_space(const uint8_t *s, size_t n, size_t i);
/* cx_pdf_hex_decode, cx_pdf_literal_decode - a string token's bytes, appended to out */
void cx_pdf_hex_decode(const uint8_t *s, size_t n, struct buf *out);
void cx_pdf_literal_decode(const uint8_t *s, size_t n, struct buf *out);

/* content_pdf_text.c */
struct cx_pdf_cmap;
#define CX_PDF_MAX_FONTS 64 /* fonts taken from one /Font dictionary */
/* a font of a content stream's resources, by the name Tf gives it */
struct cx_pdf_font {
    const uint8_t *name;
    size_t nlen;
    const struct cx_pdf_cmap *cmap; /* its ToUnicode; NULL: none */
    bool composite;                 /* Type0: codes are CIDs, unreadable without a CMap */
};
struct cx_pdf_fonts {
    struct cx_pdf_font f[CX_PDF_MAX_FONTS];
    unsigned n;
};
/* cx_pdf_cmap_parse - a ToUnicode CMap's mappings, at most *budget of them (decremented:
 * bounds the memory of all the CMaps of a document); NULL when it has none; free with
 * cx_pdf_cmap_free (NULL accepted, returns NULL) */
struct cx_pdf_cmap *cx_pdf_cmap_parse(const uint8_t *s, size_t n, size_t *budget);
struct cx_pdf_cmap *cx_pdf_cmap_free(struct cx_pdf_cmap *cm);
/* cx_pdf_text_run - append the text one content stream shows to out, a line per text line;
 * a font that fonts does not name is read through fallback if not NULL, else as WinAnsi;
 * false when out is full */
bool cx_pdf_text_run(const uint8_t *s, size_t n, const struct cx_pdf_fonts *fonts,
                     const struct cx_pdf_cmap *fallback, struct buf *out);

/* content_xml.c */
struct cx_xml_handler {
    /* name is the local name (prefix dropped); attrs the raw attribute text */
    void (*open)(void *u, const char *name, size_t nlen, const char *attrs, size_t alen);
    void (*close)(void *u, const char *name, size_t nlen);
    /* raw: CDATA, take as is; else entities still to decode (cx_xml_decode) */
    void (*text)(void *u, const char *s, size_t n, bool raw);
};
/* cx_xml_scan - one pass over an XML document; false if it ends inside markup */
bool cx_xml_scan(const char *s, size_t len, const struct cx_xml_handler *h, void *u);
/* cx_xml_attr - the value of attribute name in attrs (raw, entities not decoded) */
bool cx_xml_attr(const char *attrs, size_t alen, const char *name, const char **val, size_t *vlen);
/* cx_xml_decode - append text with the XML entities and character references decoded;
 * -1 when out->max stops it */
int cx_xml_decode(const char *s, size_t n, struct buf *out);
/* cx_utf8_put - append one code point (invalid ones as U+FFFD); -1 past out->max */
int cx_utf8_put(struct buf *out, uint32_t cp);

#endif
