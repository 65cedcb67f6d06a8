/*
 * mime_header - split the header section of a message into fields.
 *
 * mime_headers_parse() takes the raw header section (CRLF or LF line ends, up to and including
 * the blank line that ends it; a missing blank line is reported, not fatal) and returns the
 * fields in order: name, unfolded value (each line end before a continuation line removed, the
 * continuation's leading WSP kept, RFC 5322 3.2.2), byte offset and 1-based line of the field.
 * Nothing is trimmed from the value, and the value is binary-safe (a NUL is kept and flagged).
 *
 * A field is unfolded before its colon is looked for, as RFC 5322 2.2.3 reads it: a fold before
 * the colon (`From<CRLF> : x`) still makes a From field, flagged.
 *
 * Anomalies are flags, never errors: a line without a colon (skipped, parsing goes on so that a
 * field hidden behind it is still seen), a name with WSP before the colon (`From :`, obsolete
 * syntax, RFC 5322 4.5.3: the name is kept without the WSP, so it still matches "From"), a name
 * with other illegal or 8-bit bytes (`Fro m:`), NUL, bare CR, LF line ends (mixed with CRLF),
 * lines over 998 octets, fields over the limit (value truncated), too many fields (the rest are
 * counted but not stored), no blank line. Each field carries its own bits; the OR of all of
 * them (plus section-wide ones) comes from mime_headers_anomalies(). A caller that counts
 * fields (one From only) must refuse MIME_HDR_TOO_MANY_FIELDS: what is past the limit is not
 * seen; and a bare CR is data here, where another reader may end a line at it.
 *
 * Ownership: the parser copies what it keeps; `data` is not referenced after the call. Free the
 * result with mime_headers_free(). Pure: no I/O, no globals; a result may be read from several
 * threads, parsing is re-entrant.
 */
#ifndef SW_MIME_MIME_HEADER_H
#define SW_MIME_MIME_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mime_header_anomaly {
    MIME_HDR_NO_COLON = 1u << 0,         /* a line that is neither a field nor a continuation */
    MIME_HDR_BAD_NAME = 1u << 1,         /* name with bytes outside %d33-126 (after WSP trim) */
    MIME_HDR_NAME_WSP = 1u << 2,         /* WSP between name and colon (`From :`) */
    MIME_HDR_EMPTY_NAME = 1u << 3,       /* line starting with a colon */
    MIME_HDR_8BIT_NAME = 1u << 4,        /* name with a byte >= 0x80 */
    MIME_HDR_NUL = 1u << 5,              /* NUL byte anywhere */
    MIME_HDR_BARE_CR = 1u << 6,          /* CR not followed by LF (kept as data) */
    MIME_HDR_BARE_LF = 1u << 7,          /* a line ended by LF alone */
    MIME_HDR_MIXED_EOL = 1u << 8,        /* both CRLF and bare LF line ends */
    MIME_HDR_LONG_LINE = 1u << 9,        /* a line over 998 octets, RFC 5322 2.1.1 */
    MIME_HDR_FIELD_TOO_LONG = 1u << 10,  /* value truncated at the limit */
    MIME_HDR_TOO_MANY_FIELDS = 1u << 11, /* fields past the limit were not stored */
    MIME_HDR_TRUNCATED = 1u << 12,       /* the section does not end with a blank line */
    MIME_HDR_LEADING_FOLD = 1u << 13,    /* a continuation line with no field before it */
    MIME_HDR_WSP_LINE = 1u << 14,        /* a continuation line of WSP only (obs-FWS) */
    MIME_HDR_NAME_FOLD = 1u << 15,       /* the colon is on a continuation line */
};
#define MIME_HDR_ANOMALY_COUNT 16

/* Bounds on what input can make the parser allocate. */
struct mime_header_limits {
    size_t max_fields;    /* fields stored; default 1000 */
    size_t max_field_len; /* bytes of name, colon and value per field; default 65536 */
};

struct mime_header_field {
    const char *name; /* as written, WSP before the colon removed; NUL-terminated */
    size_t name_len;
    const char *value; /* after the colon, unfolded, untrimmed; NUL-terminated, may hold NUL */
    size_t value_len;
    size_t offset;      /* byte offset of the field's first line in the input */
    size_t raw_len;     /* bytes of the field in the input, line ends included */
    size_t line;        /* 1-based line number of the field's first line */
    unsigned anomalies; /* enum mime_header_anomaly bits seen in this field */
};

struct mime_headers; /* opaque */

#define MIME_HEADERS_NONE SIZE_MAX

/* mime_header_limits_default - the default limits */
struct mime_header_limits mime_header_limits_default(void);

/* mime_headers_parse - parse a header section; lim NULL means the defaults. Never NULL. */
struct mime_headers *mime_headers_parse(const char *data, size_t len,
                                        const struct mime_header_limits *lim);

/* mime_headers_free - release a result; accepts NULL, returns NULL */
struct mime_headers *mime_headers_free(struct mime_headers *h);

/* mime_headers_count - number of stored fields */
size_t mime_headers_count(const struct mime_headers *h);

/* mime_headers_get - field i (0-based), NULL when out of range */
const struct mime_header_field *mime_headers_get(const struct mime_headers *h, size_t i);

/* mime_headers_find - index of the first field at or after `start` named `name` (ASCII case
 * folded), or MIME_HEADERS_NONE */
size_t mime_headers_find(const struct mime_headers *h, const char *name, size_t start);

/* mime_headers_count_name - how many stored fields are named `name` (case-insensitive) */
size_t mime_headers_count_name(const struct mime_headers *h, const char *name);

/* mime_headers_anomalies - OR of every anomaly seen in the section */
unsigned mime_headers_anomalies(const struct mime_headers *h);

/* mime_headers_end - offset just past the blank line that ends the section (the body starts
 * there), or the input length when there is none */
size_t mime_headers_end(const struct mime_headers *h);

/* mime_headers_seen - fields seen, stored or not (more than the count when over the limit) */
size_t mime_headers_seen(const struct mime_headers *h);

/* mime_header_anomaly_name - stable token for one anomaly bit ("no-colon"), "unknown" else */
const char *mime_header_anomaly_name(unsigned bit);

#endif
