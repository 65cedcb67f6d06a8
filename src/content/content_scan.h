/*
 * content_scan - the content engine every front-end uses: one message in, a report out.
 *
 * content_engine_new() builds what is shared (the DLP engine with its Hyperscan databases and
 * EDM tables, the rules) from a struct content_options; it is immutable afterwards and may be
 * shared by threads. content_scan_new() makes the per-message state; feed the message (header
 * section and body as they travel, dot-unstuffed) in any split with content_scan_feed(), then
 * content_scan_end() returns the report: parts, attachments (declared and detected type, size,
 * SHA-256, encrypted, entries of archives), findings (DLP detectors, infostealer shapes), MIME
 * and attachment anomalies, and the verdict the rules give. content_scan_reset() readies the
 * object for the next message; the report is valid until then.
 *
 * How a message is read: text parts are inspected as UTF-8 text (charset converted, HTML
 * reduced to visible text); attachments are hashed as they stream and kept in memory up to
 * max_attachment_bytes, then walked (archives, office documents, text files); what passes the
 * limit is hashed but inspected only up to it, flagged `truncated`. Headers of the top entity
 * give the subject, from and to used by the infostealer shapes.
 *
 * Rules: each finding is counted under its detector id; a rule names a detector id, a category
 * or "*", a minimum count (findings of that detector in the message) and a minimum confidence;
 * the verdict is the most severe action among the rules that match (accept < tag < quarantine
 * < reject). With no rules configured the defaults are (content_report.c): infostealer and
 * secret findings at confidence >= 60 -> quarantine; financial, national_id, custom and
 * attachment findings at >= 50 -> tag; contact and business_id only from 20 in one message.
 *
 * Errors: content_engine_new() returns NULL with a message in err (a bad custom regex, an
 * unreadable EDM file, a rule naming an unknown detector). Nothing a message holds is an error:
 * broken input is an anomaly in the report.
 */
#ifndef SW_CONTENT_CONTENT_SCAN_H
#define SW_CONTENT_CONTENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/content_extract.h"
#include "dlp/dlp.h"
#include "mime/mime_stream.h"

enum content_action {
    CONTENT_ACCEPT,
    CONTENT_TAG,
    CONTENT_QUARANTINE,
    CONTENT_REJECT,
};

/* content_action_name - "accept", "tag", "quarantine", "reject" */
const char *content_action_name(enum content_action a);

struct content_rule {
    const char *detector; /* detector id, category, or "*" */
    unsigned min_count;   /* default 1 */
    int min_confidence;   /* default 0 */
    enum content_action action;
};

struct content_options {
    struct mime_stream_limits mime;
    struct content_limits extract;
    uint64_t max_attachment_bytes; /* kept in memory per attachment for inspection; 32 MB */
    struct dlp_options dlp;
    const struct content_rule *rules; /* NULL/0 = the defaults above */
    size_t nrules;
    bool infostealer; /* the infostealer shapes; default true */
};

/* content_options_default - every default; dlp options empty (all built-ins on) */
struct content_options content_options_default(void);

struct content_finding {
    char *detector;
    char *category;
    char *description; /* the detector's description ("" for custom without one) */
    int confidence;    /* the highest among the values counted here */
    unsigned count;    /* values found at this place */
    char *part;        /* MIME part path ("1", "2.1") */
    char *location;    /* "body", "headers", or the attachment / archive entry path */
    uint64_t offset;   /* first value's offset in that text */
    char *sample;      /* first value, redacted */
    bool context;      /* a context word was near one of the values */
};

struct content_attachment {
    char *part;          /* MIME part path */
    char *name;          /* file name (decoded), or "" */
    char *path;          /* name for top-level attachments, "a.zip/x/y.txt" inside archives */
    char *declared_type; /* Content-Type of the part ("" inside archives) */
    char *detected_type; /* content_magic mime type */
    char *kind;          /* content_magic label ("zip", "docx", "encrypted_office", ...) */
    unsigned depth;      /* 0 = the MIME part, 1+ = inside archives */
    uint64_t size;       /* decoded bytes */
    char sha256[65];     /* lowercase hex, "" when not known (encrypted/truncated entry) */
    bool encrypted;
    bool truncated;
    bool type_mismatch; /* declared and detected type disagree in a way that matters */
};

struct content_report {
    char *subject; /* decoded, UTF-8, "" when none */
    char *from;    /* first From address, lower case, "" when none */
    char *to;      /* To addresses joined by ", " */
    char *message_id;
    unsigned parts;
    uint64_t bytes;
    struct content_attachment *attachments;
    size_t nattachments;
    struct content_finding *findings;
    size_t nfindings;
    char **anomalies; /* stable names: mime_anomaly_name(), "archive_corrupt", ... */
    size_t nanomalies;
    enum content_action action;
    char *reason; /* which rule decided ("card x3 >= 1 at confidence >= 0 -> tag"), "" */
};

struct content_engine;
struct content_scan;

struct content_engine *content_engine_new(const struct content_options *opt, char *err,
                                          size_t errlen);
struct content_engine *content_engine_free(struct content_engine *e);

struct content_scan *content_scan_new(const struct content_engine *e);
void content_scan_feed(struct content_scan *s, const void *data, size_t len);
/* content_scan_end - the message is complete; the report lives until reset or free */
const struct content_report *content_scan_end(struct content_scan *s);
void content_scan_reset(struct content_scan *s);
struct content_scan *content_scan_free(struct content_scan *s);

#endif
