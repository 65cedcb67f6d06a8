/*
 * mime_param - Content-Type and Content-Disposition values: type/subtype and parameters.
 *
 * mime_param_parse() reads one unfolded header value (`multipart/mixed; boundary="x"`,
 * `attachment; filename*=UTF-8''%EC%95%88.txt`), in the tolerant way mail clients read it:
 * comments, quoted strings with quoted-pairs, missing or doubled semicolons, unquoted values
 * with spaces, duplicate parameters (first wins, flagged). RFC 2231: `name*` (charset'lang'
 * percent-encoding), continuations `name*0`, `name*1*`... joined in numeric order. Values that
 * are RFC 2047 encoded words (`filename="=?UTF-8?B?...?="`, common though not allowed) are
 * decoded too. Every value comes out as clean UTF-8 (invalid bytes become U+FFFD, control
 * characters removed), so a filename can be logged safely - except `boundary`, kept byte for
 * byte as written (quoting undone, sections joined, nothing decoded or cleaned): it is matched
 * against the body as readers match it, and a decoded one would let a crafted value hide parts.
 * When a name is given several ways the RFC 2231 form wins (sections, then `name*`, then the
 * plain `name`, RFC 6266 4.3), flagged as a duplicate when the texts differ.
 *
 * For Content-Type the type and subtype are lowercased; for Content-Disposition the
 * disposition type is in `type` and `subtype` is empty. Parameter names are lowercased.
 * A value that cannot be split (`text` with no slash) leaves subtype empty and sets
 * MIME_PARAM_BAD_TYPE; the caller applies the RFC 2045 default.
 *
 * Ownership: the result owns copies; free with mime_param_free(). Limits: at most 64
 * parameters and 8 KB per value are kept (the rest flagged). Pure, re-entrant.
 */
#ifndef SW_MIME_MIME_PARAM_H
#define SW_MIME_MIME_PARAM_H

#include <stdbool.h>
#include <stddef.h>

enum mime_param_flag {
    MIME_PARAM_BAD_TYPE = 1u << 0,         /* no type/subtype where one was expected */
    MIME_PARAM_BAD_SYNTAX = 1u << 1,       /* junk the parser skipped */
    MIME_PARAM_DUPLICATE = 1u << 2,        /* a parameter given twice (first kept) */
    MIME_PARAM_BAD_CHARSET = 1u << 3,      /* an RFC 2231/2047 charset iconv cannot convert */
    MIME_PARAM_BAD_ENCODING = 1u << 4,     /* bad %XX or encoded-word data */
    MIME_PARAM_TRUNCATED = 1u << 5,        /* a limit was reached */
    MIME_PARAM_CONTINUATION_GAP = 1u << 6, /* name*0, name*2 without name*1 */
};

struct mime_param {
    char *name;  /* lowercased */
    char *value; /* decoded, UTF-8 */
};

struct mime_params {
    char *type;    /* lowercased, "" when missing */
    char *subtype; /* lowercased, "" when missing */
    struct mime_param *params;
    size_t nparams;
    unsigned flags; /* enum mime_param_flag bits */
};

/* mime_param_parse - parse one header value; never NULL */
struct mime_params *mime_param_parse(const char *value, size_t len);
/* mime_param_get - a parameter's value by lowercase name, or NULL */
const char *mime_param_get(const struct mime_params *p, const char *name);
struct mime_params *mime_param_free(struct mime_params *p);

#endif
