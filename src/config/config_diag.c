/* config_diag - the "file:line:col: error: message" lines of one load, and the marks that say
 * where each value was written. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config_impl.h"
#include "util/log.h"
#include "util/mem.h"

/* A broken file can produce one error per line; past this many the rest are only counted. */
#define CFG_DIAG_MAX_LINES 100
/* What one diagnostic line may hold; longer messages are cut. */
#define CFG_DIAG_LINE_MAX 512

void
config_diag_init(struct config_diag *d)
{
    buf_init(&d->text, 0);
    d->errors = 0;
    d->warnings = 0;
}

void
config_diag_release(struct config_diag *d)
{
    buf_release(&d->text);
}

void
config_diag_add(struct config_diag *d, const char *name, struct cfg_mark at, enum cfg_level level,
                const char *fmt, ...)
{
    char msg[CFG_DIAG_LINE_MAX];
    unsigned shown = d->errors + d->warnings;
    va_list ap;

    if (level == CFG_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (shown > CFG_DIAG_MAX_LINES)
        return;
    if (shown == CFG_DIAG_MAX_LINES) {
        buf_printf(&d->text, "%s: error: too many messages; the rest are not shown\n", name);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at.line == 0)
        at.line = at.col = 1;
    buf_printf(&d->text, "%s:%lu:%lu: %s: %s\n", name, at.line, at.col,
               level == CFG_ERROR ? "error" : "warning", msg);
}

const char *
config_diag_printable(const char *s, char *out, size_t size)
{
    size_t i = 0;

    for (; s[i] != '\0' && i + 1 < size; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[i] = '\0';
    if (s[i] != '\0' && size > 4)
        snprintf(out + size - 4, 4, "...");
    return out;
}

void
config_marks_add(struct cfg_marks *m, const void *field, size_t index, struct cfg_mark at)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n++] = (struct cfg_mark_entry){field, index, at};
    m->sorted = false;
}

/* mark_cmp - order by field address, then index */
static int
mark_cmp(const void *pa, const void *pb)
{
    const struct cfg_mark_entry *a = pa, *b = pb;
    uintptr_t fa = (uintptr_t)a->field, fb = (uintptr_t)b->field;

    if (fa != fb)
        return fa < fb ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void
config_marks_sort(struct cfg_marks *m)
{
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, mark_cmp);
    m->sorted = true;
}

void
config_marks_release(struct cfg_marks *m)
{
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

struct cfg_mark
config_where_mark(const struct cfg_where *w, const void *field, size_t index)
{
    struct cfg_mark_entry key = {field, index, {0, 0}};
    const struct cfg_mark_entry *e = NULL;

    if (w->marks == NULL || w->marks->n == 0)
        return key.at;
    if (!w->marks->sorted)
        die_bug("config_where_mark: marks are not sorted");
    e = bsearch(&key, w->marks->v, w->marks->n, sizeof key, mark_cmp);
    return e != NULL ? e->at : key.at;
}

struct cfg_mark
config_where_or(const struct cfg_where *w, const void *field, size_t index,
                struct cfg_mark fallback)
{
    struct cfg_mark m = config_where_mark(w, field, index);

    return m.line != 0 ? m : fallback;
}
