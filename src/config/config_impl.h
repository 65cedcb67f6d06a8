/*
 * config_impl - what the files of src/config share and nobody else includes (tests aside).
 *
 * config_table.c  the table of settings (config_table[]) and lookups in it
 * config_value.c  scalar parsers (bool, uint, size, duration, host:port, enum) and
 *                 config_value_set(), which stores one setting's text into its field
 * config_diag.c   the diagnostics buffer
 * config_load.c   the libyaml walk that drives the table
 * config_check.c  defaults that need the system, cross-checks and warnings
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
    CFG_LISTENERS,   /* struct cfg_listen *listen at off, size_t nlisten at off_port */
};

enum cfg_scope {
    CFG_SCOPE_CONFIG,   /* offsets into struct sw_config */
    CFG_SCOPE_LISTENER, /* offsets into one struct cfg_listen (gateway.listen[].*) */
};

#define CFG_F_REQUIRED 0x1u  /* must be given (in its section, when the section is given) */
#define CFG_F_SHORTHAND 0x2u /* the parent section may be written as this scalar alone */
#define CFG_F_STRING 0x4u    /* CFG_ENUM stored as a char * copy of the word */
#define CFG_F_DASH 0x8u      /* CFG_PATH where "-" means stdout and is kept as is */

#define CFG_NO_OFF ((size_t)-1)

struct cfg_setting {
    const char *path; /* "gateway.limits.max_recipients"; listeners: "gateway.listen[].tls" */
    enum cfg_type type;
    enum cfg_scope scope;
    size_t off;
    size_t off_port;     /* CFG_HOSTPORT: uint16_t port; CFG_LISTENERS: size_t count */
    size_t off_text;     /* CFG_HOSTPORT: char * copy of the text, or CFG_NO_OFF */
    const char *def;     /* default, as text parsed like a value; NULL = none */
    const char *def_doc; /* shown instead of def in the reference when set */
    uint64_t min, max;   /* CFG_UINT/SIZE in units, CFG_DURATION in s, CFG_DURATION_MS in ms */
    const char *const *choices; /* CFG_ENUM: NULL-terminated; index = enum value */
    unsigned flags;
    const char *help;
};

extern const struct cfg_setting config_table[];
extern const size_t config_table_len;

/* config_table_find - the row for a full path, or NULL */
const struct cfg_setting *config_table_find(const char *path);
/* config_table_is_section - some row lies below path ("gateway.tls") */
bool config_table_is_section(const char *path);
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
 * struct cfg_listen, per row->scope), freeing what was there. dir: folder for relative
 * paths, NULL to keep them as written. -1 with a message in err. Not for CFG_CIDR_LIST or
 * CFG_LISTENERS (sequences; see config_load.c). */
int config_value_set(const struct cfg_setting *row, void *base, const char *text, const char *dir,
                     char *err, size_t errsize);
/* config_value_release - free what row's field at base owns and zero it */
void config_value_release(const struct cfg_setting *row, void *base);
/* config_value_defaults - store every default of scope into base; a bad default is a bug */
void config_value_defaults(enum cfg_scope scope, void *base);

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

/* What the checks need to know about where things were written. */
struct cfg_where {
    const char *name;              /* the file name for messages */
    const struct cfg_mark *rows;   /* per config_table[] row; line 0 = default */
    const struct cfg_mark *relay;  /* per gateway.relay_networks item */
    const struct cfg_mark *listen; /* per gateway.listen item */
    struct cfg_mark gateway;       /* the gateway: key, or 1:1 */
};

/* config_check_run - required settings, cross-checks and warnings */
void config_check_run(struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d);
/* config_check_fill_defaults - defaults that need the system (the host name) */
void config_check_fill_defaults(struct sw_config *cfg);

#endif
