/* mime_header - split a header section into unfolded fields, reporting anomalies. */
#include "mime/mime_header.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/mem.h"

#define MIME_HDR_MAX_LINE 998 /* RFC 5322 2.1.1, without the CRLF */

struct mime_headers {
    struct mime_header_field *fields;
    size_t count;
    size_t cap;
    size_t seen;
    size_t end;
    unsigned anomalies;
};

/* One physical line of the input. */
struct hdr_line {
    size_t start;   /* first byte */
    size_t content; /* end of the content (line end excluded) */
    size_t next;    /* first byte of the next line */
    bool has_eol;
};

/* Parser state while one section is read. */
struct hdr_parse {
    const char *data;
    size_t len;
    struct mime_header_limits lim;
    size_t pos;
    size_t line_no;
    bool seen_crlf;
    bool seen_lf;
    struct mime_headers *h;
};

static const char *const anomaly_names[MIME_HDR_ANOMALY_COUNT] = {
    "no-colon",  "bad-name",     "name-wsp",  "empty-name", "8bit-name",      "nul",
    "bare-cr",   "bare-lf",      "mixed-eol", "long-line",  "field-too-long", "too-many-fields",
    "truncated", "leading-fold", "wsp-line",  "name-fold",
};

/* mime_header_limits_default - the default limits */
struct mime_header_limits
mime_header_limits_default(void)
{
    struct mime_header_limits lim = {.max_fields = 1000, .max_field_len = 65536};
    return lim;
}

/* read_line - find the line at p->pos and note its line-end anomalies in *anom */
static struct hdr_line
read_line(struct hdr_parse *p, unsigned *anom)
{
    struct hdr_line l = {.start = p->pos};
    const char *nl = memchr(p->data + p->pos, '\n', p->len - p->pos);
    size_t eol = nl ? (size_t)(nl - p->data) : p->len;

    l.has_eol = nl != NULL;
    l.next = nl ? eol + 1 : eol;
    l.content = eol;
    if (nl && eol > l.start && p->data[eol - 1] == '\r') {
        l.content = eol - 1;
        p->seen_crlf = true;
    } else if (nl) {
        *anom |= MIME_HDR_BARE_LF;
        p->seen_lf = true;
    }
    if (memchr(p->data + l.start, '\0', l.content - l.start))
        *anom |= MIME_HDR_NUL;
    if (memchr(p->data + l.start, '\r', l.content - l.start))
        *anom |= MIME_HDR_BARE_CR;
    if (l.content - l.start > MIME_HDR_MAX_LINE)
        *anom |= MIME_HDR_LONG_LINE;
    return l;
}

/* is_wsp - SP or HTAB */
static bool
is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* is_wsp_only - whether the span holds WSP only */
static bool
is_wsp_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_wsp(s[i]))
            return false;
    return true;
}

/* check_name - anomaly bits for a field name (WSP before the colon already removed) */
static unsigned
check_name(const char *s, size_t n)
{
    unsigned anom = 0;

    if (n == 0)
        return MIME_HDR_EMPTY_NAME;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            anom |= MIME_HDR_8BIT_NAME | MIME_HDR_BAD_NAME;
        else if (c < 33 || c > 126)
            anom |= MIME_HDR_BAD_NAME;
    }
    return anom;
}

/* append_value - add a span to a field value, truncating at max bytes */
static void
append_value(struct buf *v, size_t max, const char *s, size_t n, unsigned *anom)
{
    if (n > max - v->len) {
        n = max - v->len;
        *anom |= MIME_HDR_FIELD_TOO_LONG;
    }
    if (n > 0)
        buf_append(v, s, n);
}

/* store_field - keep a parsed field, or count it when over the limit */
static void
store_field(struct hdr_parse *p, struct mime_header_field *f)
{
    struct mime_headers *h = p->h;

    h->seen++;
    if (h->count >= p->lim.max_fields) {
        h->anomalies |= MIME_HDR_TOO_MANY_FIELDS;
        free((char *)f->name);
        free((char *)f->value);
        return;
    }
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        if (h->cap > p->lim.max_fields)
            h->cap = p->lim.max_fields;
        h->fields = xrealloc(h->fields, h->cap * sizeof(*h->fields));
    }
    h->fields[h->count++] = *f;
}

/* read_logical - the first line and its continuations, unfolded, into all (bounded) */
static void
read_logical(struct hdr_parse *p, struct hdr_line l, struct buf *all, unsigned *anom)
{
    const char *d = p->data;

    append_value(all, p->lim.max_field_len, d + l.start, l.content - l.start, anom);
    p->pos = l.next;
    p->line_no++;
    while (p->pos < p->len && is_wsp(d[p->pos])) {
        struct hdr_line c = read_line(p, anom);
        if (is_wsp_only(d + c.start, c.content - c.start))
            *anom |= MIME_HDR_WSP_LINE;
        append_value(all, p->lim.max_field_len, d + c.start, c.content - c.start, anom);
        p->pos = c.next;
        p->line_no++;
    }
}

/* parse_field - read one field starting at line l (already known not to be blank). The field
 * is unfolded before the colon is looked for (RFC 5322 2.2.3), so `From<CRLF> : x` is a From
 * field, as a reader that follows the RFC sees it. */
static void
parse_field(struct hdr_parse *p, struct hdr_line l, unsigned anom)
{
    struct mime_header_field f = {.offset = l.start, .line = p->line_no};
    struct buf all;
    const char *colon;
    size_t name_len;

    buf_init(&all, 0);
    read_logical(p, l, &all, &anom);
    colon = memchr(all.data, ':', all.len);
    if (colon == NULL) {
        p->h->anomalies |= anom | MIME_HDR_NO_COLON;
        buf_release(&all);
        return;
    }
    name_len = (size_t)(colon - all.data);
    if (name_len >= l.content - l.start)
        anom |= MIME_HDR_NAME_FOLD;
    while (name_len > 0 && is_wsp(all.data[name_len - 1])) {
        name_len--;
        anom |= MIME_HDR_NAME_WSP;
    }
    anom |= check_name(all.data, name_len);
    f.name = xmemdup(all.data, name_len);
    f.name_len = name_len;
    f.value_len = all.len - (size_t)(colon + 1 - all.data);
    f.value = xmemdup(colon + 1, f.value_len);
    f.raw_len = p->pos - l.start;
    f.anomalies = anom;
    buf_release(&all);
    p->h->anomalies |= anom;
    store_field(p, &f);
}

/* mime_headers_parse - parse a header section; lim NULL means the defaults */
struct mime_headers *
mime_headers_parse(const char *data, size_t len, const struct mime_header_limits *lim)
{
    struct hdr_parse p = {.data = data, .len = len, .line_no = 1};
    bool blank = false;

    p.lim = lim ? *lim : mime_header_limits_default();
    p.h = xcalloc(1, sizeof(*p.h));
    while (p.pos < p.len) {
        unsigned anom = 0;
        struct hdr_line l = read_line(&p, &anom);
        if (l.content == l.start && l.has_eol) {
            p.h->anomalies |= anom;
            p.pos = l.next;
            blank = true;
            break;
        }
        if (is_wsp(data[l.start])) {
            /* a fold with no field to continue: not part of any field */
            p.h->anomalies |= anom | MIME_HDR_LEADING_FOLD;
            p.pos = l.next;
            p.line_no++;
            continue;
        }
        parse_field(&p, l, anom);
    }
    if (!blank)
        p.h->anomalies |= MIME_HDR_TRUNCATED;
    if (p.seen_crlf && p.seen_lf)
        p.h->anomalies |= MIME_HDR_MIXED_EOL;
    p.h->end = p.pos;
    return p.h;
}

/* mime_headers_free - release a result; accepts NULL, returns NULL */
struct mime_headers *
mime_headers_free(struct mime_headers *h)
{
    if (h == NULL)
        return NULL;
    for (size_t i = 0; i < h->count; i++) {
        free((char *)h->fields[i].name);
        free((char *)h->fields[i].value);
    }
    free(h->fields);
    free(h);
    return NULL;
}

/* mime_headers_count - number of stored fields */
size_t
mime_headers_count(const struct mime_headers *h)
{
    return h->count;
}

/* mime_headers_get - field i, NULL when out of range */
const struct mime_header_field *
mime_headers_get(const struct mime_headers *h, size_t i)
{
    return i < h->count ? &h->fields[i] : NULL;
}

/* mime_headers_find - index of the next field named `name` at or after start */
size_t
mime_headers_find(const struct mime_headers *h, const char *name, size_t start)
{
    size_t n = strlen(name);

    for (size_t i = start; i < h->count; i++) {
        const struct mime_header_field *f = &h->fields[i];
        if (f->name_len == n && strncasecmp(f->name, name, n) == 0)
            return i;
    }
    return MIME_HEADERS_NONE;
}

/* mime_headers_count_name - how many stored fields carry this name */
size_t
mime_headers_count_name(const struct mime_headers *h, const char *name)
{
    size_t n = 0;

    for (size_t i = mime_headers_find(h, name, 0); i != MIME_HEADERS_NONE;
         i = mime_headers_find(h, name, i + 1))
        n++;
    return n;
}

unsigned
mime_headers_anomalies(const struct mime_headers *h)
{
    return h->anomalies;
}

size_t
mime_headers_end(const struct mime_headers *h)
{
    return h->end;
}

size_t
mime_headers_seen(const struct mime_headers *h)
{
    return h->seen;
}

/* mime_header_anomaly_name - stable token for one anomaly bit */
const char *
mime_header_anomaly_name(unsigned bit)
{
    for (unsigned i = 0; i < MIME_HDR_ANOMALY_COUNT; i++)
        if (bit == 1u << i)
            return anomaly_names[i];
    return "unknown";
}
