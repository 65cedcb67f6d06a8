/* config_diag - the "file:line:col: error: message" lines of one load. */
#include <stdarg.h>
#include <stdio.h>

#include "config/config_impl.h"

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
