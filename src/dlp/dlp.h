/*
 * dlp - the sensitive-data engine: built-in and configured detectors over text streams.
 *
 * dlp_engine_new() compiles every enabled detector once (Hyperscan, streaming mode): the
 * built-in set (cards, IBAN, SSN, Korean RRN/FRN/BRN/passport/driver licence/phone, secrets
 * and tokens, private keys, JWTs, infostealer dumps; listed by dlp_builtin()), plus custom
 * detectors from the configuration: keyword dictionaries, regular expressions, and exact data
 * match tables (dlp_edm). The engine is immutable afterwards and may be shared by threads.
 *
 * dlp_stream_new() makes the per-text scanner (Hyperscan stream + scratch + the history bytes
 * candidates need): feed UTF-8 text in any split; matches that straddle a split are found.
 * Candidates go to their validator (dlp_validate); context words seen within 100 bytes before
 * or after a value raise its confidence; what passes is reported through the callback as a
 * finding, in stream order per detector, redacted. dlp_stream_end() flushes what is pending
 * (a candidate waiting for following context, the infostealer-dump shapes) and resets the
 * stream for the next text; offsets count from 0 again.
 *
 * Performance contract (bench/dlp): literal prefilters, costly patterns in separate
 * databases, validators only on candidates; no start-of-match tracking in the hot database.
 *
 * Ownership: the engine owns copies of everything in its options. Free with dlp_engine_free()
 * after every stream made from it is freed. Errors: NULL with a message in `err` naming the
 * detector and what is wrong (a bad regex, an unreadable EDM file).
 */
#ifndef SW_DLP_DLP_H
#define SW_DLP_DLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlp/dlp_edm.h"
#include "dlp/dlp_validate.h"

struct dlp_engine;
struct dlp_stream;

/* a built-in detector, for documentation and `smtpwarden scan --list-detectors` */
struct dlp_detector_info {
    const char *id;          /* stable, e.g. "card", "kr_rrn", "secret.aws_key" */
    const char *category;    /* "financial", "national_id", "secret", "infostealer", ... */
    const char *description; /* one line */
};

size_t dlp_builtin_count(void);
const struct dlp_detector_info *dlp_builtin(size_t i);

enum dlp_custom_kind { DLP_CUSTOM_KEYWORDS, DLP_CUSTOM_REGEX, DLP_CUSTOM_EDM };

struct dlp_custom {
    const char *id;          /* unique; reported as "custom.<id>" */
    const char *description; /* may be NULL */
    enum dlp_custom_kind kind;
    const char *const *patterns; /* keywords (literal) or regexes (PCRE syntax Hyperscan takes) */
    size_t npatterns;
    bool case_sensitive;        /* default false */
    int confidence;             /* reported confidence, default 80 */
    struct dlp_edm_options edm; /* DLP_CUSTOM_EDM: the table */
};

struct dlp_options {
    const char *const *disabled; /* built-in ids (or categories) to leave out */
    size_t ndisabled;
    const struct dlp_custom *custom;
    size_t ncustom;
    size_t context_window; /* bytes around a value searched for context words; default 100 */
};

struct dlp_finding {
    const char *detector; /* stable id ("card", "custom.projects") */
    const char *category;
    int confidence;  /* 0-100, validator's base plus context */
    uint64_t offset; /* of the value's first byte in this stream */
    uint32_t length;
    bool context;         /* a context word was near */
    const char *redacted; /* safe to log */
    const char *detail;   /* validator detail, "" when none */
};

typedef void (*dlp_finding_fn)(void *ctx, const struct dlp_finding *f);

struct dlp_engine *dlp_engine_new(const struct dlp_options *opt, char *err, size_t errlen);
struct dlp_engine *dlp_engine_free(struct dlp_engine *e);

struct dlp_stream *dlp_stream_new(const struct dlp_engine *e, dlp_finding_fn fn, void *ctx);
/* dlp_stream_feed - scan len bytes; 0, -1 on an internal Hyperscan error (reported once) */
int dlp_stream_feed(struct dlp_stream *s, const void *data, size_t len);
int dlp_stream_end(struct dlp_stream *s);
struct dlp_stream *dlp_stream_free(struct dlp_stream *s);

#endif
