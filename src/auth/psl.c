/* psl - Public Suffix List rules and the organisational domain of a name. */
#include "auth/psl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define PSL_NAME_MAX 256

struct psl {
    char **rules; /* sorted; "com", "*.ck", "!www.ck" */
    size_t n;
};

static int
rule_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* psl_add_line - one line of the list: its first word, lower-cased, unless a comment */
static void
psl_add_line(struct psl *p, const char *line, size_t len, size_t *cap)
{
    size_t n = 0;

    while (n < len && !isspace((unsigned char)line[n]))
        n++;
    if (n == 0 || (n >= 2 && line[0] == '/' && line[1] == '/') || n >= PSL_NAME_MAX)
        return;
    if (p->n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        p->rules = xrealloc(p->rules, *cap * sizeof *p->rules);
    }
    char *r = xmemdup(line, n);
    for (char *c = r; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    p->rules[p->n++] = r;
}

struct psl *
psl_from_text(const char *text, size_t len)
{
    struct psl *p = xcalloc(1, sizeof *p);
    size_t cap = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            psl_add_line(p, text + start, i - start, &cap);
            start = i + 1;
        }
    }
    if (p->n > 0)
        qsort(p->rules, p->n, sizeof *p->rules, rule_cmp);
    return p;
}

struct psl *
psl_load(const char *path, struct buf *err)
{
    struct buf text;
    char chunk[8192];
    size_t n;
    struct psl *p;
    FILE *f = fopen(path, "re");

    if (f == NULL) {
        buf_printf(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&text, 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, n);
    fclose(f);
    p = psl_from_text(text.data, text.len);
    buf_release(&text);
    if (p->n == 0) {
        buf_printf(err, "%s: no rules", path);
        p = psl_free(p);
    }
    return p;
}

struct psl *
psl_free(struct psl *p)
{
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        free(p->rules[i]);
    free(p->rules);
    free(p);
    return NULL;
}

/* has_rule - the exact rule text is in the list */
static bool
has_rule(const struct psl *p, const char *prefix, const char *name)
{
    char key[PSL_NAME_MAX + 4];
    const char *k = key;

    if (p->n == 0)
        return false;
    snprintf(key, sizeof key, "%s%s", prefix, name);
    return bsearch(&k, p->rules, p->n, sizeof *p->rules, rule_cmp) != NULL;
}

/* public_suffix - where in name the public suffix starts */
static const char *
public_suffix(const struct psl *p, const char *name)
{
    const char *last = strrchr(name, '.');

    for (const char *s = name; s != NULL; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
        const char *parent = strchr(s, '.');
        if (has_rule(p, "!", s)) /* an exception: the suffix is its parent */
            return parent != NULL ? parent + 1 : s;
        if (has_rule(p, "", s) || (parent != NULL && has_rule(p, "*.", parent + 1)))
            return s;
    }
    return last != NULL ? last + 1 : name; /* the implicit "*" rule */
}

int
psl_org_domain(const struct psl *p, const char *domain, char *out, size_t size)
{
    char name[PSL_NAME_MAX];
    size_t len = strlen(domain);
    const char *suffix, *org;

    if (len > 0 && domain[len - 1] == '.')
        len--;
    if (len == 0 || len >= sizeof name)
        return -1;
    for (size_t i = 0; i < len; i++)
        name[i] = (char)tolower((unsigned char)domain[i]);
    name[len] = '\0';
    suffix = public_suffix(p, name);
    org = suffix;
    if (suffix > name) { /* one more label to the left */
        org = suffix - 1;
        while (org > name && org[-1] != '.')
            org--;
    }
    if (strlen(org) >= size)
        return -1;
    memcpy(out, org, strlen(org) + 1);
    return 0;
}
