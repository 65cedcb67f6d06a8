/* smtp_cmd - command line, path and ESMTP parameter parsing (RFC 5321 4.1, 6531). */
#include "smtp/smtp_cmd.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

static const struct {
    enum smtp_verb verb;
    const char *name;
} smtp_verbs[] = {
    {SMTP_VERB_HELO, "HELO"}, {SMTP_VERB_EHLO, "EHLO"},         {SMTP_VERB_MAIL, "MAIL"},
    {SMTP_VERB_RCPT, "RCPT"}, {SMTP_VERB_DATA, "DATA"},         {SMTP_VERB_BDAT, "BDAT"},
    {SMTP_VERB_RSET, "RSET"}, {SMTP_VERB_NOOP, "NOOP"},         {SMTP_VERB_QUIT, "QUIT"},
    {SMTP_VERB_HELP, "HELP"}, {SMTP_VERB_VRFY, "VRFY"},         {SMTP_VERB_EXPN, "EXPN"},
    {SMTP_VERB_AUTH, "AUTH"}, {SMTP_VERB_STARTTLS, "STARTTLS"},
};

#define SMTP_NVERBS (sizeof smtp_verbs / sizeof smtp_verbs[0])

void
smtp_cmd_parse(const char *line, size_t len, struct smtp_command *cmd)
{
    const char *sp = memchr(line, ' ', len);
    size_t vlen = sp != NULL ? (size_t)(sp - line) : len;

    cmd->verb = SMTP_VERB_UNKNOWN;
    cmd->args = "";
    cmd->args_len = 0;
    for (size_t i = 0; i < SMTP_NVERBS; i++) {
        if (strlen(smtp_verbs[i].name) == vlen &&
            strncasecmp(smtp_verbs[i].name, line, vlen) == 0) {
            cmd->verb = smtp_verbs[i].verb;
            break;
        }
    }
    if (sp != NULL) {
        cmd->args = sp + 1;
        cmd->args_len = len - vlen - 1;
    }
}

const char *
smtp_verb_name(enum smtp_verb verb)
{
    for (size_t i = 0; i < SMTP_NVERBS; i++)
        if (smtp_verbs[i].verb == verb)
            return smtp_verbs[i].name;
    return "UNKNOWN";
}

static bool
smtp_is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* smtp_is_atext - RFC 5322 atext */
static bool
smtp_is_atext(unsigned char c)
{
    return smtp_is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* smtp_utf8_len - length of one well-formed UTF-8 sequence (>= 2 bytes) at s, 0 if bad */
static size_t
smtp_utf8_len(const unsigned char *s, size_t len)
{
    size_t n;
    unsigned cp;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* smtp_is_label - one domain label: letters, digits, inner hyphens, or UTF-8 when allowed */
static bool
smtp_is_label(const unsigned char *s, size_t len, bool allow_utf8)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len;) {
        if (s[i] >= 0x80) {
            size_t n = allow_utf8 ? smtp_utf8_len(s + i, len - i) : 0;
            if (n == 0)
                return false;
            i += n;
        } else if (smtp_is_alnum(s[i]) || s[i] == '-') {
            i++;
        } else {
            return false;
        }
    }
    return true;
}

/* smtp_is_addr_literal - "[1.2.3.4]", "[IPv6:...]" or a general "[tag:content]" */
static bool
smtp_is_addr_literal(const char *s, size_t len)
{
    char tmp[64];
    unsigned char addr[16];
    const char *colon;

    if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof tmp)
        return false;
    memcpy(tmp, s + 1, len - 2);
    tmp[len - 2] = '\0';
    if (strlen(tmp) != len - 2)
        return false;
    if (strncasecmp(tmp, "IPv6:", 5) == 0)
        return inet_pton(AF_INET6, tmp + 5, addr) == 1;
    colon = strchr(tmp, ':');
    if (colon == NULL)
        return inet_pton(AF_INET, tmp, addr) == 1;
    /* General-address-literal: Standardized-tag ":" 1*dcontent */
    if (colon == tmp || colon[1] == '\0')
        return false;
    for (const char *p = tmp; p < colon; p++)
        if (!smtp_is_alnum((unsigned char)*p) && *p != '-')
            return false;
    for (const char *p = colon + 1; *p != '\0'; p++)
        if ((unsigned char)*p < 33 || (unsigned char)*p > 126 || *p == '[' || *p == ']' ||
            *p == '\\')
            return false;
    return true;
}

bool
smtp_cmd_is_domain(const char *s, size_t len, bool allow_utf8)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0;

    if (len == 0 || len > 255)
        return false;
    if (s[0] == '[')
        return smtp_is_addr_literal(s, len);
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!smtp_is_label(u + start, i - start, allow_utf8))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* smtp_scan_local - length of a dot-string or quoted-string local part at s, 0 if invalid */
static size_t
smtp_scan_local(const char *s, size_t len, bool *utf8)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    if (len > 0 && s[0] == '"') {
        for (i = 1; i < len; i++) {
            if (s[i] == '"')
                return i + 1;
            if (s[i] == '\\') {
                if (++i >= len || u[i] < 32 || u[i] > 126)
                    return 0;
            } else if (u[i] >= 0x80) {
                size_t n = smtp_utf8_len(u + i, len - i);
                if (n == 0)
                    return 0;
                *utf8 = true;
                i += n - 1;
            } else if (u[i] < 32 || u[i] > 126) {
                return 0;
            }
        }
        return 0;
    }
    while (i < len && s[i] != '@' && s[i] != '>') {
        if (s[i] == '.') {
            if (i == 0 || s[i - 1] == '.' || i + 1 >= len || s[i + 1] == '.' || s[i + 1] == '@')
                return 0;
            i++;
        } else if (u[i] >= 0x80) {
            size_t n = smtp_utf8_len(u + i, len - i);
            if (n == 0)
                return 0;
            *utf8 = true;
            i += n;
        } else if (smtp_is_atext(u[i])) {
            i++;
        } else {
            return 0;
        }
    }
    return i;
}

/* smtp_skip_route - skip an obsolete source route "@a,@b:" (RFC 5321 4.1.2), -1 if bad */
static long
smtp_skip_route(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || s[0] != '@')
        return 0;
    for (;;) {
        size_t start = ++i; /* past '@' */
        while (i < len && s[i] != ',' && s[i] != ':')
            i++;
        if (i >= len || !smtp_cmd_is_domain(s + start, i - start, true))
            return -1;
        if (s[i] == ':')
            return (long)(i + 1);
        if (++i >= len || s[i] != '@') /* past ',' */
            return -1;
    }
}

/* smtp_parse_mailbox - "<...>" content: source route, local@domain, postmaster or null */
static int
smtp_parse_mailbox(const char *s, size_t len, bool is_rcpt, struct smtp_path *path)
{
    long route = smtp_skip_route(s, len);
    size_t local, n;
    bool utf8 = false;

    if (route < 0)
        return -1;
    s += route;
    len -= (size_t)route;
    if (len > SMTP_PATH_MAX)
        return -1;
    local = smtp_scan_local(s, len, &utf8);
    if (local == 0 || local > 64 + 2)
        return -1;
    if (local == len) {
        /* RFC 5321 4.1.1.3: "<Postmaster>" without a domain, in RCPT only */
        if (!is_rcpt || route != 0 || len != 10 || strncasecmp(s, "postmaster", 10) != 0)
            return -1;
    } else {
        if (s[local] != '@' || !smtp_cmd_is_domain(s + local + 1, len - local - 1, true))
            return -1;
        for (n = local + 1; n < len; n++)
            if ((unsigned char)s[n] >= 0x80)
                utf8 = true;
    }
    memcpy(path->addr, s, len);
    path->addr[len] = '\0';
    path->is_utf8 = utf8;
    return 0;
}

/* smtp_find_close - index of the '>' closing the path (quotes respected), or len */
static size_t
smtp_find_close(const char *s, size_t len)
{
    bool quoted = false;

    for (size_t i = 0; i < len; i++) {
        if (quoted && s[i] == '\\')
            i++;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == '>')
            return i;
    }
    return len;
}

/* smtp_parse_param - one "KEYWORD[=value]" into *p; -1 on bad syntax */
static int
smtp_parse_param(const char *s, size_t len, struct smtp_param *p)
{
    const char *eq = memchr(s, '=', len);
    size_t klen = eq != NULL ? (size_t)(eq - s) : len;

    if (klen == 0 || klen >= sizeof p->keyword || !smtp_is_alnum((unsigned char)s[0]))
        return -1;
    for (size_t i = 0; i < klen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!smtp_is_alnum(c) && c != '-')
            return -1;
        p->keyword[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    p->keyword[klen] = '\0';
    p->has_value = eq != NULL;
    p->value[0] = '\0';
    if (eq == NULL)
        return 0;
    size_t vlen = len - klen - 1;
    if (vlen == 0 || vlen >= sizeof p->value)
        return -1;
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)eq[1 + i];
        if (c == '=' || (c < 33) || c == 127)
            return -1;
    }
    memcpy(p->value, eq + 1, vlen);
    p->value[vlen] = '\0';
    return 0;
}

/* smtp_parse_params - space-separated ESMTP parameters after the path */
static int
smtp_parse_params(const char *s, size_t len, struct smtp_path *path, struct smtp_reply *err)
{
    size_t i = 0;

    path->nparams = 0;
    while (i < len) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && s[i] != ' ')
            i++;
        if (path->nparams >= SMTP_PARAMS_MAX) {
            smtp_reply_set(err, 555, "5.5.4", "Too many parameters");
            return -1;
        }
        if (smtp_parse_param(s + start, i - start, &path->params[path->nparams]) < 0) {
            smtp_reply_set(err, 501, "5.5.4", "Bad parameter syntax");
            return -1;
        }
        path->nparams++;
    }
    return 0;
}

int
smtp_cmd_parse_path(const char *args, size_t len, const char *prefix, bool allow_null,
                    struct smtp_path *path, struct smtp_reply *err)
{
    size_t plen = strlen(prefix), i, close;
    bool is_rcpt = strncasecmp(prefix, "TO", 2) == 0;
    const char *enh = is_rcpt ? "5.1.3" : "5.1.7";
    const char *what = is_rcpt ? "recipient" : "sender";

    memset(path, 0, sizeof *path);
    if (len < plen || strncasecmp(args, prefix, plen) != 0) {
        smtp_reply_set(err, 501, "5.5.4", "Syntax: %s",
                       is_rcpt ? "RCPT TO:<address>" : "MAIL FROM:<address>");
        return -1;
    }
    for (i = plen; i < len && args[i] == ' '; i++)
        ;
    if (i >= len || args[i] != '<') {
        smtp_reply_set(err, 501, enh, "Bad %s address syntax", what);
        return -1;
    }
    close = i + 1 + smtp_find_close(args + i + 1, len - i - 1);
    if (close >= len) {
        smtp_reply_set(err, 501, enh, "Bad %s address syntax", what);
        return -1;
    }
    if (close == i + 1) {
        path->is_null = true;
        if (!allow_null) {
            smtp_reply_set(err, 501, enh, "Bad %s address syntax", what);
            return -1;
        }
    } else if (smtp_parse_mailbox(args + i + 1, close - i - 1, is_rcpt, path) < 0) {
        smtp_reply_set(err, 501, enh, "Bad %s address syntax", what);
        return -1;
    }
    if (close + 1 < len && args[close + 1] != ' ') {
        smtp_reply_set(err, 501, "5.5.4", "Bad parameter syntax");
        return -1;
    }
    return smtp_parse_params(args + close + 1, len - close - 1, path, err);
}

const struct smtp_param *
smtp_path_param(const struct smtp_path *path, const char *keyword)
{
    for (int i = 0; i < path->nparams; i++)
        if (strcasecmp(path->params[i].keyword, keyword) == 0)
            return &path->params[i];
    return NULL;
}
