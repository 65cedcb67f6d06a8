/* config_value - parse one setting's text by its type and store it in its field. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_impl.h"
#include "util/log.h"
#include "util/mem.h"

#define HOSTNAME_MAX 253

struct unit {
    const char *name;
    uint64_t factor;
};

/* Sizes are binary: 25M is 25 MiB, which is what mail software has always meant. */
static const struct unit size_units[] = {
    {"", 1},
    {"b", 1},
    {"k", 1ull << 10},
    {"kb", 1ull << 10},
    {"kib", 1ull << 10},
    {"m", 1ull << 20},
    {"mb", 1ull << 20},
    {"mib", 1ull << 20},
    {"g", 1ull << 30},
    {"gb", 1ull << 30},
    {"gib", 1ull << 30},
    {"t", 1ull << 40},
    {"tb", 1ull << 40},
    {"tib", 1ull << 40},
    {NULL, 0},
};

/* In milliseconds; a number without a unit is seconds. */
static const struct unit duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {NULL, 0},
};

int
config_value_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", NULL};
    static const char *const no[] = {"false", "no", "off", NULL};

    for (size_t i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* parse_digits - the leading decimal digits of s; *end after them. No sign, no spaces. */
static int
parse_digits(const char *s, uint64_t *out, const char **end)
{
    char *e;

    if (!isdigit((unsigned char)*s) || strspn(s, "0123456789") > 20)
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno != 0)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

int
config_value_parse_uint(const char *s, uint64_t *out)
{
    const char *end;

    if (parse_digits(s, out, &end) < 0 || *end != '\0')
        return -1;
    return 0;
}

/* unit_find - the unit named exactly s (case-insensitive), or NULL */
static const struct unit *
unit_find(const struct unit *units, const char *s, size_t len)
{
    for (size_t i = 0; units[i].name != NULL; i++)
        if (strlen(units[i].name) == len && strncasecmp(units[i].name, s, len) == 0)
            return &units[i];
    return NULL;
}

/* mul_add - *acc += v * factor without overflow */
static int
mul_add(uint64_t *acc, uint64_t v, uint64_t factor)
{
    if (v > UINT64_MAX / factor || *acc > UINT64_MAX - v * factor)
        return -1;
    *acc += v * factor;
    return 0;
}

int
config_value_parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v, total = 0;

    if (parse_digits(s, &v, &end) < 0)
        return -1;
    const struct unit *u = unit_find(size_units, end, strlen(end));
    if (u == NULL || mul_add(&total, v, u->factor) < 0)
        return -1;
    *out = total;
    return 0;
}

int
config_value_parse_duration(const char *s, uint64_t *out_ms)
{
    uint64_t total = 0, v;
    const char *end;

    if (*s == '\0')
        return -1;
    if (parse_digits(s, &v, &end) == 0 && *end == '\0') {
        if (mul_add(&total, v, 1000) < 0)
            return -1;
        *out_ms = total;
        return 0;
    }
    while (*s != '\0') {
        if (parse_digits(s, &v, &end) < 0)
            return -1;
        size_t ulen = strspn(end, "abcdefghijklmnopqrstuvwxyz");
        const struct unit *u = unit_find(duration_units, end, ulen);
        if (u == NULL || mul_add(&total, v, u->factor) < 0)
            return -1;
        s = end + ulen;
    }
    *out_ms = total;
    return 0;
}

/* host_is_valid - an IP address or a DNS name (letters, digits, '-', '.', '_') */
static bool
host_is_valid(const char *host)
{
    struct ip_addr a;
    size_t len = strlen(host);

    if (ip_addr_parse(host, &a) == 0)
        return true;
    if (len == 0 || len > HOSTNAME_MAX || host[0] == '.' || host[0] == '-')
        return false;
    return strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == len;
}

/* split_hostport - find where the host ends and the ":port" begins */
static int
split_hostport(const char *s, const char **host, size_t *hlen, const char **port, char *err,
               size_t errsize)
{
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':') {
            snprintf(err, errsize, "expected [IPv6]:port");
            return -1;
        }
        *host = s + 1;
        *hlen = (size_t)(close - s - 1);
        *port = close + 2;
        return 0;
    }
    const char *colon = strrchr(s, ':');
    if (colon == NULL) {
        snprintf(err, errsize, "expected host:port (no port)");
        return -1;
    }
    if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
        snprintf(err, errsize, "an IPv6 address needs brackets, as in [::1]:25");
        return -1;
    }
    *host = s;
    *hlen = (size_t)(colon - s);
    *port = colon + 1;
    return 0;
}

int
config_value_parse_hostport(const char *s, char **host, uint16_t *port, char *err, size_t errsize)
{
    const char *h, *p;
    size_t hlen;
    uint64_t v;

    if (split_hostport(s, &h, &hlen, &p, err, errsize) < 0)
        return -1;
    if (config_value_parse_uint(p, &v) < 0 || v < 1 || v > 65535) {
        snprintf(err, errsize, "the port must be a number from 1 to 65535");
        return -1;
    }
    char *copy = xmemdup(h, hlen);
    if (!host_is_valid(copy) || (s[0] == '[' && strchr(copy, ':') == NULL)) {
        snprintf(err, errsize, "not a host name or IP address");
        free(copy);
        return -1;
    }
    *host = copy;
    *port = (uint16_t)v;
    return 0;
}

/* format_units - v in the largest unit of units that divides it */
static void
format_units(const struct unit *units, size_t n, uint64_t v, char *out, size_t size)
{
    for (size_t i = n; i-- > 0;) {
        if (v != 0 && v % units[i].factor == 0) {
            snprintf(out, size, "%llu%s", (unsigned long long)(v / units[i].factor), units[i].name);
            return;
        }
    }
    snprintf(out, size, "%llu", (unsigned long long)v);
}

void
config_value_format_size(uint64_t v, char *out, size_t size)
{
    static const struct unit shown[] = {
        {"", 1}, {"K", 1ull << 10}, {"M", 1ull << 20}, {"G", 1ull << 30}, {"T", 1ull << 40}};
    format_units(shown, sizeof shown / sizeof shown[0], v, out, size);
}

void
config_value_format_duration(uint64_t ms, char *out, size_t size)
{
    format_units(duration_units, sizeof duration_units / sizeof duration_units[0] - 1, ms, out,
                 size);
}

/* field - the address of a field at off in base */
static void *
field(void *base, size_t off)
{
    return (char *)base + off;
}

void *
config_value_field(const struct cfg_setting *row, void *base)
{
    return field(base, row->off);
}

/* check_readable - path names a regular file this process can read */
static int
check_readable(const struct cfg_setting *row, const char *path, char *err, size_t errsize)
{
    struct stat st;

    if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
        snprintf(err, errsize, "'%s' cannot be read: %s: %s", row->path, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errsize, "'%s' is not a file: %s", row->path, path);
        return -1;
    }
    return 0;
}

/* resolve_path - text, or dir/text when text is relative and dir is set */
static char *
resolve_path(const struct cfg_setting *row, const char *text, const char *dir)
{
    if (dir == NULL || text[0] == '/' || ((row->flags & CFG_F_DASH) && strcmp(text, "-") == 0))
        return xstrdup(text);
    size_t len = strlen(dir) + 1 + strlen(text) + 1;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s", dir, text);
    return p;
}

/* set_string - CFG_STRING and CFG_PATH */
static int
set_string(const struct cfg_setting *row, void *base, const char *text, const char *dir, char *err,
           size_t errsize)
{
    char **p = field(base, row->off), *value = NULL;

    if (text[0] == '\0') {
        snprintf(err, errsize, "'%s' is empty", row->path);
        return -1;
    }
    if (row->flags & CFG_F_NAME_MASK) {
        if (config_name_check(row, text, &value, err, errsize) < 0)
            return -1;
    } else {
        value = row->type == CFG_PATH ? resolve_path(row, text, dir) : xstrdup(text);
    }
    if ((row->flags & CFG_F_READABLE) && check_readable(row, value, err, errsize) < 0) {
        free(value);
        return -1;
    }
    free(*p);
    *p = value;
    return 0;
}

/* set_enum - the index of text in row->choices */
static int
set_enum(const struct cfg_setting *row, void *base, const char *text, char *err, size_t errsize)
{
    char list[128] = "";
    size_t used = 0;

    for (int i = 0; row->choices[i] != NULL; i++) {
        if (strcmp(text, row->choices[i]) == 0) {
            if (row->flags & CFG_F_STRING) {
                char **p = field(base, row->off);
                free(*p);
                *p = xstrdup(text);
            } else {
                *(int *)field(base, row->off) = i;
            }
            return 0;
        }
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", row->choices[i]);
        if (n > 0 && (size_t)n < sizeof list - used)
            used += (size_t)n;
    }
    snprintf(err, errsize, "'%s' must be one of: %s", row->path, list);
    return -1;
}

/* set_number - CFG_UINT, CFG_SIZE, CFG_DURATION, CFG_DURATION_MS with bounds */
static int
set_number(const struct cfg_setting *row, void *base, const char *text, char *err, size_t errsize)
{
    uint64_t v = 0;
    int r;
    char lo[32], hi[32];

    switch (row->type) {
    case CFG_SIZE:
        r = config_value_parse_size(text, &v);
        config_value_format_size(row->min, lo, sizeof lo);
        config_value_format_size(row->max, hi, sizeof hi);
        break;
    case CFG_DURATION:
    case CFG_DURATION_MS:
        r = config_value_parse_duration(text, &v);
        if (r == 0 && row->type == CFG_DURATION && v % 1000 != 0) {
            snprintf(err, errsize, "'%s' is counted in whole seconds", row->path);
            return -1;
        }
        v = row->type == CFG_DURATION ? v / 1000 : v;
        config_value_format_duration(row->type == CFG_DURATION ? row->min * 1000 : row->min, lo,
                                     sizeof lo);
        config_value_format_duration(row->type == CFG_DURATION ? row->max * 1000 : row->max, hi,
                                     sizeof hi);
        break;
    default:
        r = config_value_parse_uint(text, &v);
        snprintf(lo, sizeof lo, "%llu", (unsigned long long)row->min);
        snprintf(hi, sizeof hi, "%llu", (unsigned long long)row->max);
        break;
    }
    if (r < 0) {
        snprintf(err, errsize, "'%s' needs %s", row->path,
                 row->type == CFG_SIZE       ? "a size such as 25M, 1G or 4096 (bytes)"
                 : row->type == CFG_UINT     ? "a whole number"
                 : row->type == CFG_DURATION ? "a duration such as 30s, 5m, 1h or 7d"
                                             : "a duration such as 500ms or 2s");
        return -1;
    }
    if (v < row->min || v > row->max) {
        snprintf(err, errsize, "'%s' is out of range (%s to %s)", row->path, lo, hi);
        return -1;
    }
    if (row->type == CFG_SIZE)
        *(uint64_t *)field(base, row->off) = v;
    else
        *(unsigned *)field(base, row->off) = (unsigned)v;
    return 0;
}

/* set_hostport - host, port and, where the row keeps it, the text as written */
static int
set_hostport(const struct cfg_setting *row, void *base, const char *text, char *err, size_t errsize)
{
    char *host, why[96];
    uint16_t port;

    if (config_value_parse_hostport(text, &host, &port, why, sizeof why) < 0) {
        snprintf(err, errsize, "bad address for '%s': %s", row->path, why);
        return -1;
    }
    char **h = field(base, row->off);
    free(*h);
    *h = host;
    *(uint16_t *)field(base, row->off_port) = port;
    if (row->off_text != CFG_NO_OFF) {
        char **t = field(base, row->off_text);
        free(*t);
        *t = xstrdup(text);
    }
    return 0;
}

int
config_value_set(const struct cfg_setting *row, void *base, const char *text, const char *dir,
                 char *err, size_t errsize)
{
    switch (row->type) {
    case CFG_STRING:
    case CFG_PATH:
        return set_string(row, base, text, dir, err, errsize);
    case CFG_BOOL:
        if (config_value_parse_bool(text, field(base, row->off)) < 0) {
            snprintf(err, errsize, "'%s' needs true or false", row->path);
            return -1;
        }
        return 0;
    case CFG_UINT:
    case CFG_SIZE:
    case CFG_DURATION:
    case CFG_DURATION_MS:
        return set_number(row, base, text, err, errsize);
    case CFG_ENUM:
        return set_enum(row, base, text, err, errsize);
    case CFG_HOSTPORT:
        return set_hostport(row, base, text, err, errsize);
    case CFG_CIDR_LIST:
    case CFG_STRING_LIST:
    case CFG_MAP_LIST:
        break;
    }
    die_bug("config_value_set: '%s' is not a scalar setting", row->path);
}

/* release_strings - a CFG_STRING_LIST: every string, the array, the count */
static void
release_strings(const struct cfg_setting *row, void *base)
{
    char ***v = field(base, row->off);
    size_t *n = field(base, row->off_port);

    for (size_t i = 0; i < *n; i++)
        free((*v)[i]);
    free(*v);
    *v = NULL;
    *n = 0;
}

/* release_items - a CFG_MAP_LIST: what every item's rows own, the array, the count */
static void
release_items(const struct cfg_setting *row, void *base)
{
    char **v = field(base, row->off);
    size_t *n = field(base, row->off_port);

    for (size_t i = 0; i < *n; i++)
        for (size_t j = 0; j < config_table_len; j++)
            if (config_table[j].scope == row->item_scope)
                config_value_release(&config_table[j], *v + i * row->item_size);
    free(*v);
    *v = NULL;
    *n = 0;
}

void
config_value_release(const struct cfg_setting *row, void *base)
{
    switch (row->type) {
    case CFG_STRING:
    case CFG_PATH:
        free(*(char **)field(base, row->off));
        *(char **)field(base, row->off) = NULL;
        break;
    case CFG_ENUM:
        if (row->flags & CFG_F_STRING) {
            free(*(char **)field(base, row->off));
            *(char **)field(base, row->off) = NULL;
        }
        break;
    case CFG_HOSTPORT:
        free(*(char **)field(base, row->off));
        *(char **)field(base, row->off) = NULL;
        if (row->off_text != CFG_NO_OFF) {
            free(*(char **)field(base, row->off_text));
            *(char **)field(base, row->off_text) = NULL;
        }
        break;
    case CFG_CIDR_LIST:
        cidr_list_release(field(base, row->off));
        break;
    case CFG_STRING_LIST:
        release_strings(row, base);
        break;
    case CFG_MAP_LIST:
        release_items(row, base);
        break;
    default:
        break;
    }
}

void
config_value_defaults(enum cfg_scope scope, void *base, const char *dir)
{
    char err[256];

    for (size_t i = 0; i < config_table_len; i++) {
        const struct cfg_setting *row = &config_table[i];
        if (row->scope != scope || row->def == NULL)
            continue;
        if (config_value_set(row, base, row->def, dir, err, sizeof err) < 0)
            die_bug("config table: bad default for %s: %s", row->path, err);
    }
}
