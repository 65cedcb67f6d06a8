/* dlp_dump - infostealer dump shapes: credential triples (URL/Host + Username/Login +
 * Password), Netscape cookie files and victim system reports, one finding per instance.
 * Redactions name the labels and the site's host, never a user name or password. */
#include <stdio.h>
#include <string.h>

#include "dlp/dlp_int.h"

#define CRED_CONFIDENCE 90
#define COOKIE_CONFIDENCE 85
#define SYSINFO_CONFIDENCE 80

void
dlp_dump_reset(struct dlp_dump *d)
{
    memset(d, 0, sizeof *d);
}

/* line_end - where the line holding `from` ends: CR, LF, an HTML tag (<br>) or the cap */
static uint64_t
line_end(const struct dlp_stream *s, uint64_t from, bool html)
{
    uint64_t o = from;
    int c;

    while (o - from < DLP_LINE_MAX && (c = dlp_stream_byte(s, o)) >= 0 && c != '\n' && c != '\r' &&
           !(html && c == '<'))
        o++;
    while (o > from && (dlp_stream_byte(s, o - 1) == ' ' || dlp_stream_byte(s, o - 1) == '\t'))
        o--;
    return o;
}

/* label_starts_field - a label counts at the start of a line, after a tag or a separator */
static bool
label_starts_field(const struct dlp_stream *s, uint64_t start)
{
    if (start == 0)
        return true;
    int c = dlp_stream_byte(s, start - 1);
    return c < 0 || c == '\n' || c == '\r' || c == '\t' || c == ' ' || c == '>' || c == '|';
}

/* site_host - the host of a URL / Host field's value, at most 64 bytes */
static void
site_host(const struct dlp_stream *s, uint64_t from, uint64_t end, char *out, size_t outlen)
{
    uint8_t v[DLP_LINE_MAX];
    size_t n = dlp_stream_copy(s, from, (size_t)(end - from), v), i = 0, k = 0;

    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    uint8_t *scheme = memmem(v + i, n - i, "://", 3);
    if (scheme != NULL && scheme - (v + i) <= 16)
        i = (size_t)(scheme - v) + 3;
    while (i < n && k + 1 < outlen && v[i] > ' ' && v[i] < 0x7f &&
           strchr("/:?#<@\"'", v[i]) == NULL)
        out[k++] = (char)v[i++];
    out[k] = '\0';
}

/* cred_label - a Host/URL, Username/Login or Password label */
static void
cred_label(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t start, uint64_t end)
{
    struct dlp_dump *d = &s->dump;
    int slot = (int)p->aux - DLP_LB_SITE;

    for (int i = 0; i < 3; i++)
        if (d->cred_seen[i] && start - d->cred_pos[i] > DLP_DUMP_SPAN)
            d->cred_seen[i] = false;
    d->cred_seen[slot] = true;
    d->cred_pos[slot] = start;
    d->cred_end[slot] = line_end(s, end, true);
    snprintf(d->cred_label[slot], sizeof d->cred_label[slot], "%s", p->label);
    if (slot == 0)
        site_host(s, end, d->cred_end[slot], d->cred_host, sizeof d->cred_host);
    if (!d->cred_seen[0] || !d->cred_seen[1] || !d->cred_seen[2])
        return;
    uint64_t off = d->cred_pos[0], last = d->cred_end[0];
    for (int i = 1; i < 3; i++) {
        off = d->cred_pos[i] < off ? d->cred_pos[i] : off;
        last = d->cred_end[i] > last ? d->cred_end[i] : last;
    }
    char red[DLP_REDACTED_MAX];
    snprintf(red, sizeof red, "%s: %s, %s: *, %s: *", d->cred_label[0], d->cred_host,
             d->cred_label[1], d->cred_label[2]);
    dlp_stream_report(s, p->det, off, last, CRED_CONFIDENCE, false, red, "");
    memset(d->cred_seen, 0, sizeof d->cred_seen);
}

/* sys_label - a field of a system report (PC Name, Date & Time, IP Address, ...) */
static void
sys_label(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t start, uint64_t end)
{
    struct dlp_dump *d = &s->dump;
    uint32_t bit = 1u << (p->aux - DLP_LB_SYS_HOST);

    if (!d->sys_open || start - d->sys_last > DLP_DUMP_SPAN) {
        d->sys_open = true;
        d->sys_mask = 0;
        d->sys_first = start;
        d->sys_reported = false;
        d->sys_labels[0] = '\0';
    }
    if (!(d->sys_mask & bit)) {
        size_t n = strlen(d->sys_labels);
        snprintf(d->sys_labels + n, sizeof d->sys_labels - n, "%s%s", n > 0 ? ", " : "", p->label);
    }
    d->sys_mask |= bit;
    d->sys_last = start;
    if (d->sys_reported || __builtin_popcount(d->sys_mask) < 3)
        return;
    d->sys_reported = true;
    dlp_stream_report(s, p->det, d->sys_first, line_end(s, end, true), SYSINFO_CONFIDENCE, false,
                      d->sys_labels, "");
}

/* cookie_fields_ok - domain, TRUE/FALSE, /path, TRUE/FALSE, expiry digits, name, value */
static bool
cookie_fields_ok(const uint8_t *v, size_t n, char *host, size_t hostlen)
{
    const uint8_t *f[8];
    size_t fl[8], nf = 0, i = 0;

    while (nf < 8) {
        const uint8_t *tab = memchr(v + i, '\t', n - i);
        size_t e = tab != NULL ? (size_t)(tab - v) : n;
        f[nf] = v + i;
        fl[nf++] = e - i;
        if (tab == NULL)
            break;
        i = e + 1;
    }
    if (nf < 7 || fl[0] == 0 || fl[2] == 0 || f[2][0] != '/' || fl[4] == 0)
        return false;
    for (int k = 1; k <= 3; k += 2)
        if (!(fl[k] == 4 && memcmp(f[k], "TRUE", 4) == 0) &&
            !(fl[k] == 5 && memcmp(f[k], "FALSE", 5) == 0))
            return false;
    for (i = 0; i < fl[4]; i++)
        if (f[4][i] < '0' || f[4][i] > '9')
            return false;
    snprintf(host, hostlen, "%.*s", fl[0] > 64 ? 64 : (int)fl[0], (const char *)f[0]);
    return true;
}

/* cookie_line - "\tTRUE\t/" matched: check the whole line, count it in its run */
static void
cookie_line(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t end)
{
    struct dlp_dump *d = &s->dump;
    uint64_t ls = end;
    uint8_t v[2 * DLP_LINE_MAX];
    char host[72];

    while (ls > 0 && end - ls < DLP_LINE_MAX && dlp_stream_byte(s, ls - 1) != '\n')
        ls--;
    if (ls > 0 && dlp_stream_byte(s, ls - 1) != '\n')
        return;
    if (d->ck_open && ls < d->ck_last)
        return; /* this line was counted */
    uint64_t le = line_end(s, end, false);
    size_t n = dlp_stream_copy(s, ls, (size_t)(le - ls), v);
    if (!cookie_fields_ok(v, n, host, sizeof host))
        return;
    if (!d->ck_open || ls - d->ck_last > DLP_DUMP_SPAN) {
        d->ck_open = true;
        d->ck_count = 0;
        d->ck_reported = false;
        d->ck_first = ls;
        snprintf(d->ck_host, sizeof d->ck_host, "%s", host);
    }
    d->ck_count++;
    d->ck_last = le;
    if (d->ck_reported || d->ck_count < 3)
        return;
    d->ck_reported = true;
    char red[DLP_REDACTED_MAX];
    snprintf(red, sizeof red, "cookie lines: %s", d->ck_host);
    dlp_stream_report(s, p->det, d->ck_first, le, COOKIE_CONFIDENCE, false, red, "");
}

/* cookie_header - "# Netscape HTTP Cookie File": one finding for the file */
static void
cookie_header(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t start, uint64_t end)
{
    struct dlp_dump *d = &s->dump;
    uint64_t le = line_end(s, end, false);

    if (d->ck_open && d->ck_reported && start >= d->ck_last &&
        start - d->ck_last <= DLP_DUMP_SPAN) {
        d->ck_last = le;
        return;
    }
    d->ck_open = true;
    d->ck_reported = true;
    d->ck_count = 0;
    d->ck_first = start;
    d->ck_last = le;
    dlp_stream_report(s, p->det, start, le, COOKIE_CONFIDENCE, false, "# Netscape HTTP Cookie File",
                      "");
}

void
dlp_dump_label(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t end)
{
    if (p->det < 0 || !s->e->det[p->det].enabled)
        return;
    if (p->aux == DLP_LB_COOKIE_LINE) {
        cookie_line(s, p, end);
        return;
    }
    uint64_t start = end - p->len;
    if (p->aux == DLP_LB_COOKIE_HDR) {
        cookie_header(s, p, start, end);
        return;
    }
    if (!label_starts_field(s, start))
        return;
    if (p->aux <= DLP_LB_PASS)
        cred_label(s, p, start, end);
    else
        sys_label(s, p, start, end);
}
