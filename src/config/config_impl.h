/*
 * config_impl - what the files of src/config share and nobody else includes (tests aside).
 *
 * config_table.c  the table of settings (config_table[]) and lookups in it
 * config_value.c  scalar parsers (bool, uint, size, duration, host:port, enum) and
 *                 config_value_set(), which stores one setting's text into its field
 * config_names.c  the syntax of names: domains, addresses, tenant GUIDs, fingerprints
 * config_diag.c   the diagnostics buffer and the marks (where each value was written)
 * config_load.c   the libyaml walk that drives the table
 * config_check.c  defaults that need the system, cross-checks and warnings
 * config_identity.c  the checks of identities, m365 and dkim (issue 3)
 * config_content.c   the checks of content and dlp (issue 4)
 * config_behavior.c  the checks of behavior (issue 6)
 * config_doc.c    the embedded default and the Markdown reference
 *
 * Everything is const data or per-call state: thread-safe.
 */
#ifndef SW_CONFIG_CONFIG_IMPL_H
#define SW_CONFIG_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum cfg_type {
    CFG_STRING,      /* char * */
    CFG_PATH,        /* char *, relative paths resolved against the file's folder */
    CFG_BOOL,        /* bool */
    CFG_UINT,        /* unsigned */
    CFG_SIZE,        /* uint64_t bytes; "25M", "1G", "4096" */
    CFG_DURATION,    /* unsigned seconds; "30s", "5m", "1h", "7d", "1h30m", plain seconds */
    CFG_DURATION_MS, /* unsigned milliseconds; "500ms", plain seconds */
    CFG_ENUM,        /* an int-sized enum, the index in choices (or char * with CFG_F_STRING) */
    CFG_HOSTPORT,    /* char *host at off, uint16_t port at off_port, text at off_text */
    CFG_CIDR_LIST,   /* struct cidr_list */
    CFG_STRING_LIST, /* char ** at off, size_t count at off_port; items checked per flags */
    CFG_MAP_LIST,    /* an array of item_size structs at off, size_t count at off_port, whose
                      * fields are the rows "path[].key" of scope item_scope */
};

enum cfg_scope {
    CFG_SCOPE_CONFIG,         /* offsets into struct sw_config */
    CFG_SCOPE_LISTENER,       /* offsets into one struct cfg_listen (gateway.listen[].*) */
    CFG_SCOPE_IDENTITY,       /* offsets into one struct cfg_identity (identities[].*) */
    CFG_SCOPE_DKIM,           /* offsets into one struct cfg_dkim_key (dkim[].*) */
    CFG_SCOPE_DLP_DETECTOR,   /* offsets into one struct cfg_dlp_detector (dlp.detectors[].*) */
    CFG_SCOPE_DLP_RULE,       /* offsets into one struct cfg_dlp_rule (dlp.rules[].*) */
    CFG_SCOPE_BEHAVIOR_LIMIT, /* offsets into one struct cfg_behavior_limit (behavior.limits[]) */
};

#define CFG_F_REQUIRED 0x1u  /* must be given (in its section, when the section is given) */
#define CFG_F_SHORTHAND 0x2u /* the parent section may be written as this scalar alone */
#define CFG_F_STRING 0x4u    /* CFG_ENUM stored as a char * copy of the word */
#define CFG_F_DASH 0x8u      /* CFG_PATH where "-" means stdout and is kept as is */
/* What a CFG_STRING or each item of a CFG_STRING_LIST must look like (config_names.c): */
#define CFG_F_DOMAIN 0x10u    /* a domain name, "a.example" */
#define CFG_F_WILDCARD 0x20u  /* with CFG_F_DOMAIN: "*.a.example" too (and "*", warned about) */
#define CFG_F_MAILBOX 0x40u   /* local@domain */
#define CFG_F_GUID 0x80u      /* 8-4-4-4-12 hex digits; stored lower-case */
#define CFG_F_SHA256 0x100u   /* 64 hex digits, colons allowed; stored lower-case, no colons */
#define CFG_F_LABELS 0x200u   /* dot-separated DNS labels (a DKIM selector) */
#define CFG_F_READABLE 0x400u /* CFG_PATH: must name a readable file when it is loaded */
#define CFG_F_NAME_MASK (CFG_F_DOMAIN | CFG_F_MAILBOX | CFG_F_GUID | CFG_F_SHA256 | CFG_F_LABELS)

#define CFG_NO_OFF ((size_t)-1)

struct cfg_setting {
    const char *path; /* "gateway.limits.max_recipients"; listeners: "gateway.listen[].tls" */
    enum cfg_type type;
    enum cfg_scope scope;
    size_t off;
    size_t off_port;            /* CFG_HOSTPORT: uint16_t port; CFG_*_LIST but CIDR: size_t count */
    size_t off_text;            /* CFG_HOSTPORT: char * copy of the text, or CFG_NO_OFF */
    const char *def;            /* default, as text parsed like a value; NULL = none */
    const char *def_doc;        /* shown instead of def in the reference when set */
    uint64_t min, max;          /* CFG_UINT/SIZE in units, CFG_DURATION in s, CFG_DURATION_MS in ms;
                                 * CFG_MAP_LIST: max = most items */
    const char *const *choices; /* CFG_ENUM: NULL-terminated; index = enum value */
    unsigned flags;
    const char *help;
    /* CFG_MAP_LIST only: */
    enum cfg_scope item_scope; /* the scope of the items' rows */
    size_t item_size;          /* sizeof one item */
    size_t off_line;           /* int line in an item */
    const char *item, *items;  /* one item and several in words: "listener", "listeners" */
    const char *shape;         /* what an item looks like, for messages */
};

extern const struct cfg_setting config_table[];
extern const size_t config_table_len;

/* config_table_find - the row for a full path, or NULL */
const struct cfg_setting *config_table_find(const char *path);
/* config_table_is_section - some row lies below path ("gateway.tls") */
bool config_table_is_section(const char *path);
/* config_table_first_below - the first row below a section ("identities[].client_cert"), or
 * NULL: its field stands for the section in the marks */
const struct cfg_setting *config_table_first_below(const char *path);
/* config_table_index - the row's position in config_table[] */
size_t config_table_index(const struct cfg_setting *row);
/* config_table_suggest - the known key below prefix closest to key, or NULL if none is close.
 * Writes into out (size bytes). */
const char *config_table_suggest(const char *prefix, const char *key, char *out, size_t size);

/* Scalar parsers: 0 or -1; no message. */
int config_value_parse_bool(const char *s, bool *out);
int config_value_parse_uint(const char *s, uint64_t *out);
int config_value_parse_size(const char *s, uint64_t *out);
/* config_value_parse_duration - into milliseconds; plain numbers are seconds */
int config_value_parse_duration(const char *s, uint64_t *out_ms);
/* config_value_parse_hostport - "host:port", "[v6]:port"; host is malloc'd */
int config_value_parse_hostport(const char *s, char **host, uint16_t *port, char *err,
                                size_t errsize);
/* config_value_format_size/_duration - the shortest exact text ("25M", "5m") */
void config_value_format_size(uint64_t v, char *out, size_t size);
void config_value_format_duration(uint64_t ms, char *out, size_t size);

/* config_value_set - parse text as row's type and store it at base (struct sw_config or
 * an item, per row->scope), freeing what was there. dir: folder for relative paths, NULL to
 * keep them as written. -1 with a message in err. Not for the list types (sequences; see
 * config_load.c). */
int config_value_set(const struct cfg_setting *row, void *base, const char *text, const char *dir,
                     char *err, size_t errsize);
/* config_value_release - free what row's field at base owns and zero it (a CFG_MAP_LIST with
 * its items) */
void config_value_release(const struct cfg_setting *row, void *base);
/* config_value_defaults - store every default of scope into base (relative default paths
 * resolved against dir, like written ones; NULL keeps them as they are); a bad default is a
 * bug */
void config_value_defaults(enum cfg_scope scope, void *base, const char *dir);
/* config_value_field - the address of row's field in base */
void *config_value_field(const struct cfg_setting *row, void *base);

/* config_name_check - text is what row's CFG_F_* name flags ask for (a domain, an address, a
 * GUID, a fingerprint); its stored form (GUIDs lower-cased, fingerprints bare lower-case hex)
 * malloc'd into *out. -1 with a message in err. */
int config_name_check(const struct cfg_setting *row, const char *text, char **out, char *err,
                      size_t errsize);
/* config_name_is_domain - a.example (one trailing dot allowed; the last label not numeric) */
bool config_name_is_domain(const char *s);
/* config_name_owns - pattern ("a.example", "*.a.example") owns domain; case-insensitive,
 * one trailing dot ignored */
bool config_name_owns(const char *pattern, const char *domain);

/* Where a value came from: 1-based line and column, 0 when it was not in the file. */
struct cfg_mark {
    unsigned long line, col;
};

enum cfg_level { CFG_ERROR, CFG_WARNING };

/* config_diag_add - one "name:line:col: error|warning: message" line */
void config_diag_add(struct config_diag *d, const char *name, struct cfg_mark at,
                     enum cfg_level level, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* config_diag_printable - s shortened to size-1 bytes, control bytes as '?' */
const char *config_diag_printable(const char *s, char *out, size_t size);

/*
 * Where each value was written, keyed by the address of its field and an index: the whole
 * value (CFG_MARK_WHOLE: a scalar, or a list node), item i of a list (a network, a domain, an
 * identity), a section whose first row's field is the key (CFG_MARK_SECTION), or the first
 * item of a list that had any (CFG_MARK_ITEMS: so a check can tell "empty" from "all wrong").
 */
#define CFG_MARK_WHOLE ((size_t)-1)
#define CFG_MARK_SECTION ((size_t)-2)
#define CFG_MARK_ITEMS ((size_t)-3) /* a list with items in the file, right or wrong */

struct cfg_mark_entry {
    const void *field;
    size_t index;
    struct cfg_mark at;
};

struct cfg_marks {
    struct cfg_mark_entry *v;
    size_t n, cap;
    bool sorted;
};

/* config_marks_add - remember where field[index] was written */
void config_marks_add(struct cfg_marks *m, const void *field, size_t index, struct cfg_mark at);
/* config_marks_sort - make lookups fast; call once every mark is added */
void config_marks_sort(struct cfg_marks *m);
void config_marks_release(struct cfg_marks *m);

/* What the checks need to know about where things were written. */
struct cfg_where {
    const char *name;              /* the file name for messages */
    const struct cfg_marks *marks; /* sorted */
    struct cfg_mark gateway;       /* the gateway: key, or 1:1 */
};

/* config_where_mark - where field[index] was written; line 0 when it was not */
struct cfg_mark config_where_mark(const struct cfg_where *w, const void *field, size_t index);
/* config_where_or - that mark, or fallback when it was not written */
struct cfg_mark config_where_or(const struct cfg_where *w, const void *field, size_t index,
                                struct cfg_mark fallback);

/* config_check_run - required settings, cross-checks and warnings */
void config_check_run(struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d);
/* config_check_content - dlp detectors and rules: their errors */
void config_check_content(const struct sw_config *cfg, const struct cfg_where *w,
                          struct config_diag *d);
/* config_check_behavior - behavior.state, limits and their identities: their errors */
void config_check_behavior(const struct sw_config *cfg, const struct cfg_where *w,
                           struct config_diag *d);
/* config_check_identities - identities, m365 and dkim: their errors and warnings */
void config_check_identities(const struct sw_config *cfg, const struct cfg_where *w,
                             struct config_diag *d);
/* config_check_nets_overlap - one network contains the other's first address */
bool config_check_nets_overlap(const struct cidr *a, const struct cidr *b);
/* config_check_exchange_online - the first built-in Exchange Online range net overlaps, or
 * NULL */
const char *config_check_exchange_online(const struct cidr *net);
/* config_check_fill_defaults - defaults that need the system (the host name) */
void config_check_fill_defaults(struct sw_config *cfg);

#endif
