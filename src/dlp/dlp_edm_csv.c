/*
 * dlp_edm_csv - the RFC 4180 reader behind dlp_edm_load(): quoted fields, doubled quotes,
 * CRLF, LF or a lone CR between records, embedded commas and newlines. Strict where a
 * lenient reader would guess (a quote inside an unquoted field, text after a closing quote,
 * an unclosed quote); blank lines between records are skipped. Each field's bytes are wiped
 * once handed on, so the plaintext lives only as long as one field.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dlp/dlp_edm_int.h"

enum { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_SEEN, CSV_AFTER_CR };

/* dlp_edm_csv_init - a reader at the start of its input */
void
dlp_edm_csv_init(struct edm_csv *c, const struct edm_csv_sink *sink)
{
    memset(c, 0, sizeof *c);
    c->sink = *sink;
    c->state = CSV_FIELD_START;
    buf_init(&c->field, EDM_MAX_FIELD);
    c->line = 1;
    c->at_start = true;
}

/* dlp_edm_csv_release - wipe what is left of a field */
void
dlp_edm_csv_release(struct edm_csv *c)
{
    if (c->field.data != NULL)
        OPENSSL_cleanse(c->field.data, c->field.cap);
    buf_release(&c->field);
}

/* emit - hand the field on, then wipe it */
static int
emit(struct edm_csv *c, bool last, char *err, size_t errlen)
{
    int rc = c->sink.field(c->sink.ctx, (const uint8_t *)c->field.data, c->field.len, c->index,
                           last, c->record_line, err, errlen);

    OPENSSL_cleanse(c->field.data, c->field.len);
    buf_reset(&c->field);
    c->index = last ? 0 : c->index + 1;
    if (last)
        c->at_start = true;
    return rc;
}

/* fail - "line N: problem" */
static int
fail(struct edm_csv *c, uint64_t line, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "line %llu: %s", (unsigned long long)line, what);
    c->failed = true;
    return -1;
}

/* append - one byte of field text */
static int
append(struct edm_csv *c, uint8_t b, char *err, size_t errlen)
{
    if (buf_append(&c->field, &b, 1) < 0)
        return fail(c, c->line, "field longer than 65536 bytes", err, errlen);
    return 0;
}

/* record_end - a newline outside quotes: the record's last field, or a blank line */
static int
record_end(struct edm_csv *c, uint8_t b, char *err, size_t errlen)
{
    int rc = 0;

    if (!c->at_start)
        rc = emit(c, true, err, errlen);
    c->line++;
    c->state = b == '\r' ? CSV_AFTER_CR : CSV_FIELD_START;
    return rc;
}

/* step - one byte in the current state */
static int
step(struct edm_csv *c, uint8_t b, char *err, size_t errlen)
{
    if (c->state == CSV_AFTER_CR) {
        c->state = CSV_FIELD_START;
        if (b == '\n')
            return 0;
    }
    if (c->at_start && b != '\r' && b != '\n') {
        c->at_start = false;
        c->record_line = c->line;
    }
    switch (c->state) {
    case CSV_FIELD_START:
    case CSV_UNQUOTED:
        if (b == ',') {
            c->state = CSV_FIELD_START;
            return emit(c, false, err, errlen);
        }
        if (b == '\r' || b == '\n')
            return record_end(c, b, err, errlen);
        if (b == '"' && c->state == CSV_FIELD_START) {
            c->state = CSV_QUOTED;
            return 0;
        }
        if (b == '"')
            return fail(c, c->line, "quote inside an unquoted field", err, errlen);
        c->state = CSV_UNQUOTED;
        return append(c, b, err, errlen);
    case CSV_QUOTED:
        if (b == '"') {
            c->state = CSV_QUOTE_SEEN;
            return 0;
        }
        if (b == '\n')
            c->line++;
        return append(c, b, err, errlen);
    default: /* CSV_QUOTE_SEEN */
        if (b == '"') {
            c->state = CSV_QUOTED;
            return append(c, b, err, errlen);
        }
        if (b == ',') {
            c->state = CSV_FIELD_START;
            return emit(c, false, err, errlen);
        }
        if (b == '\r' || b == '\n')
            return record_end(c, b, err, errlen);
        return fail(c, c->line, "text after a closing quote", err, errlen);
    }
}

/* dlp_edm_csv_feed - bytes in any split */
int
dlp_edm_csv_feed(struct edm_csv *c, const uint8_t *s, size_t n, char *err, size_t errlen)
{
    if (c->failed)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (step(c, s[i], err, errlen) < 0) {
            c->failed = true;
            return -1;
        }
    }
    return 0;
}

/* dlp_edm_csv_finish - the last record may lack its newline; an open quote is an error */
int
dlp_edm_csv_finish(struct edm_csv *c, char *err, size_t errlen)
{
    if (c->failed)
        return -1;
    if (c->state == CSV_QUOTED)
        return fail(c, c->record_line, "quoted field not closed at the end of the file", err,
                    errlen);
    if (!c->at_start && emit(c, true, err, errlen) < 0) {
        c->failed = true;
        return -1;
    }
    return 0;
}
