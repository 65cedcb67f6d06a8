/*
 * config_names - the syntax of the names an identity is made of: domains and "*.domain"
 * patterns, sender addresses, Microsoft 365 tenant ids, certificate fingerprints, DKIM
 * selectors. Only syntax: nothing here looks a name up.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_impl.h"
#include "util/mem.h"

#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define LOCAL_PART_MAX 64
#define GUID_LEN 36
#define SHA256_HEX 64
#define SHA256_TEXT_MAX (SHA256_HEX * 3) /* "AA:11:..." */

/* label_len - the length of the DNS label at s (letters, digits, '-', not at either end), or 0 */
static size_t
label_len(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    if (n == 0 || n > LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
        return 0;
    return n;
}

/* labels_end - s is dot-separated labels (one trailing dot allowed); the last label's start */
static const char *
labels_end(const char *s)
{
    size_t total = strlen(s);
    const char *last = s;

    if (total == 0 || total > DOMAIN_MAX + 1 || (total == DOMAIN_MAX + 1 && s[total - 1] != '.'))
        return NULL;
    for (;;) {
        size_t n = label_len(s);
        if (n == 0)
            return NULL;
        last = s;
        s += n;
        if (*s == '\0' || (s[0] == '.' && s[1] == '\0'))
            return last;
        if (*s != '.')
            return NULL;
        s++;
    }
}

bool
config_name_is_domain(const char *s)
{
    const char *last = labels_end(s);

    /* "192.0.2.1" is an address, not a domain: a top-level label is never all digits. */
    return last != NULL && strspn(last, "0123456789") != strcspn(last, ".");
}

/* domain_len - the length of s without one trailing dot */
static size_t
domain_len(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

bool
config_name_owns(const char *pattern, const char *domain)
{
    size_t pl = domain_len(pattern), dl = domain_len(domain);

    if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* "*.a.example" owns x.a.example: a dot, then the parent, at the end of domain */
        size_t parent = pl - 1;
        return dl > parent && strncasecmp(domain + dl - parent, pattern + 1, parent) == 0;
    }
    return pl == dl && strncasecmp(pattern, domain, pl) == 0;
}

/* check_domain - a domain, or with CFG_F_WILDCARD "*.domain" and "*" */
static int
check_domain(const struct cfg_setting *row, const char *text, char *err, size_t errsize)
{
    bool wild = (row->flags & CFG_F_WILDCARD) != 0;

    if (wild && strcmp(text, "*") == 0)
        return 0;
    if (wild && text[0] == '*' && text[1] == '.' && config_name_is_domain(text + 2))
        return 0;
    if (config_name_is_domain(text))
        return 0;
    snprintf(err, errsize, "'%s' needs %s", row->path,
             wild ? "a domain name or *.domain (letters, digits, '-'; IDNs in their xn-- form)"
                  : "a domain name (letters, digits, '-'; IDNs in their xn-- form)");
    return -1;
}

/* check_mailbox - local@domain: exactly one '@', a printable local part, a domain */
static int
check_mailbox(const struct cfg_setting *row, const char *text, char *err, size_t errsize)
{
    const char *at = strchr(text, '@');
    size_t local = at ? (size_t)(at - text) : 0;
    bool printable = true;

    for (size_t i = 0; i < local; i++)
        if (text[i] <= ' ' || text[i] >= 0x7f)
            printable = false;
    if (at == NULL || strchr(at + 1, '@') != NULL || local == 0 || local > LOCAL_PART_MAX ||
        !printable || !config_name_is_domain(at + 1)) {
        snprintf(err, errsize, "'%s' needs addresses of the form local@domain, one '@'", row->path);
        return -1;
    }
    return 0;
}

/* check_guid - 8-4-4-4-12 hex digits; lower-cased into *out */
static int
check_guid(const struct cfg_setting *row, const char *text, char **out, char *err, size_t errsize)
{
    bool ok = strlen(text) == GUID_LEN;

    for (size_t i = 0; ok && i < GUID_LEN; i++)
        ok = (i == 8 || i == 13 || i == 18 || i == 23) ? text[i] == '-'
                                                       : isxdigit((unsigned char)text[i]) != 0;
    if (!ok) {
        /* A tenant wildcard would admit every tenant: the hole this setting closes. */
        if (strchr(text, '*') != NULL)
            snprintf(err, errsize, "'%s' cannot be a wildcard: name one tenant id", row->path);
        else
            snprintf(err, errsize,
                     "'%s' needs a tenant id, a GUID such as "
                     "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11",
                     row->path);
        return -1;
    }
    *out = xstrdup(text);
    for (char *p = *out; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

/* check_sha256 - 64 hex digits, colons ignored; bare lower-case hex into *out */
static int
check_sha256(const struct cfg_setting *row, const char *text, char **out, char *err, size_t errsize)
{
    char hex[SHA256_HEX + 1];
    size_t n = 0;
    bool ok = strlen(text) <= SHA256_TEXT_MAX;

    for (const char *p = text; ok && *p != '\0'; p++) {
        if (*p == ':')
            continue;
        ok = isxdigit((unsigned char)*p) && n < SHA256_HEX;
        if (ok)
            hex[n++] = (char)tolower((unsigned char)*p);
    }
    if (!ok || n != SHA256_HEX) {
        snprintf(err, errsize, "'%s' needs 64 hex digits (a SHA-256 fingerprint; colons allowed)",
                 row->path);
        return -1;
    }
    hex[n] = '\0';
    *out = xstrdup(hex);
    return 0;
}

int
config_name_check(const struct cfg_setting *row, const char *text, char **out, char *err,
                  size_t errsize)
{
    if (row->flags & CFG_F_GUID)
        return check_guid(row, text, out, err, errsize);
    if (row->flags & CFG_F_SHA256)
        return check_sha256(row, text, out, err, errsize);
    if ((row->flags & CFG_F_DOMAIN) && check_domain(row, text, err, errsize) < 0)
        return -1;
    if ((row->flags & CFG_F_MAILBOX) && check_mailbox(row, text, err, errsize) < 0)
        return -1;
    if ((row->flags & CFG_F_LABELS) && labels_end(text) == NULL) {
        snprintf(err, errsize, "'%s' needs dot-separated DNS labels (letters, digits, '-')",
                 row->path);
        return -1;
    }
    *out = xstrdup(text);
    return 0;
}
