/*
 * smtp_cmd - parse one SMTP command line (RFC 5321 section 4.1) into a verb and arguments,
 * and the MAIL FROM / RCPT TO paths and their ESMTP parameters.
 *
 * Pure: no I/O, no allocation beyond the caller's struct. The line is given without its CRLF.
 * Errors come back as an SMTP reply the server can send as is (code + enhanced code + text).
 */
#ifndef SW_SMTP_SMTP_CMD_H
#define SW_SMTP_SMTP_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_reply.h"

enum smtp_verb {
    SMTP_VERB_UNKNOWN,
    SMTP_VERB_HELO,
    SMTP_VERB_EHLO,
    SMTP_VERB_MAIL,
    SMTP_VERB_RCPT,
    SMTP_VERB_DATA,
    SMTP_VERB_BDAT,
    SMTP_VERB_RSET,
    SMTP_VERB_NOOP,
    SMTP_VERB_QUIT,
    SMTP_VERB_HELP,
    SMTP_VERB_VRFY,
    SMTP_VERB_EXPN,
    SMTP_VERB_STARTTLS,
    SMTP_VERB_AUTH,
};

#define SMTP_PATH_MAX 512  /* a path (address) in MAIL/RCPT, RFC 5321 4.5.3.1.3 says 256 */
#define SMTP_PARAMS_MAX 16 /* ESMTP parameters on one MAIL/RCPT */

struct smtp_command {
    enum smtp_verb verb;
    const char *args; /* points into the line after the verb and one space; "" if none */
    size_t args_len;
};

/* smtp_cmd_parse - split a line (no CRLF) into verb and arguments; case-insensitive verb */
void smtp_cmd_parse(const char *line, size_t len, struct smtp_command *cmd);
/* smtp_verb_name - the upper-case name of a verb ("MAIL"), "UNKNOWN" */
const char *smtp_verb_name(enum smtp_verb verb);

struct smtp_param {
    char keyword[32]; /* upper-cased */
    char value[256];  /* as given (xtext not decoded); "" when absent */
    bool has_value;
};

struct smtp_path {
    char addr[SMTP_PATH_MAX + 1]; /* "local@domain", "" for the null path <> */
    bool is_null;                 /* <> */
    bool is_utf8;                 /* contains non-ASCII (needs SMTPUTF8) */
    struct smtp_param params[SMTP_PARAMS_MAX];
    int nparams;
};

/*
 * smtp_cmd_parse_path - parse "FROM:<path> params" (prefix "FROM:") or "TO:<path> params".
 * Accepts a space after the colon, strips a source route (@a,@b:), validates the mailbox
 * (dot-string or quoted local part; domain name or address literal). In RCPT, "<postmaster>"
 * without domain is accepted. Returns 0, or -1 with *err set (501 5.1.7 / 501 5.5.4 ...).
 */
int smtp_cmd_parse_path(const char *args, size_t len, const char *prefix, bool allow_null,
                        struct smtp_path *path, struct smtp_reply *err);

/* smtp_path_param - the parameter with this keyword (case-insensitive), or NULL */
const struct smtp_param *smtp_path_param(const struct smtp_path *path, const char *keyword);

/* smtp_cmd_is_domain - a syntactically valid domain name or address literal ([1.2.3.4]) */
bool smtp_cmd_is_domain(const char *s, size_t len, bool allow_utf8);

#endif
