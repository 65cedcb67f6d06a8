/*
 * smtp_data - the DATA byte machine: finds the end of the message, unstuffs dots, enforces the
 * line and size limits, and handles bare CR / bare LF.
 *
 * SMTP smuggling (CVE-2023-51764/51765/51766) works when two hops disagree on where a message
 * ends. Here only CRLF "." CRLF ends it, where the CRLF before the dot is a real CRLF: a line
 * ended by a bare CR or LF makes the next "." line ordinary content. Content goes out in spans:
 * runs of input bytes that need no change reach hooks->content in one call.
 */
#include <string.h>

#include "smtp/smtp_server_int.h"

/* state of one smtp_data_feed() call: the span of input not yet emitted */
struct smtp_data_run {
    const char *data;
    size_t span; /* start of the pending span */
};

/* smtp_data_is_ambiguous - errors after which the rest of the stream cannot be trusted */
static bool
smtp_data_is_ambiguous(enum smtp_data_error why)
{
    return why == SMTP_DATA_BARE_EOL || why == SMTP_DATA_NUL;
}

/* smtp_data_fail - remember why the message will be refused; an ambiguous stream wins */
static void
smtp_data_fail(struct smtp_data_state *d, enum smtp_data_error why)
{
    if (d->failed == SMTP_DATA_OK ||
        (smtp_data_is_ambiguous(why) && !smtp_data_is_ambiguous(d->failed)))
        d->failed = why;
}

/* smtp_data_emit - count content octets and pass them on while the message is still good */
static void
smtp_data_emit(struct smtp_server *s, const char *p, size_t n)
{
    uint64_t before = s->info.data_bytes, max = s->cfg.max_message_size;

    if (n == 0)
        return;
    s->info.data_bytes += n;
    if (s->data.failed != SMTP_DATA_OK)
        return;
    if (max != 0 && s->info.data_bytes > max) {
        smtp_data_fail(&s->data, SMTP_DATA_TOO_BIG);
        n = before < max ? (size_t)(max - before) : 0;
    }
    if (n > 0 && s->hooks.content != NULL)
        s->hooks.content(s->ctx, p, n);
}

/* smtp_data_flush - emit the input span [run->span, end) */
static void
smtp_data_flush(struct smtp_server *s, struct smtp_data_run *run, size_t end)
{
    if (end > run->span) {
        smtp_data_emit(s, run->data + run->span, end - run->span);
        run->span = end;
    }
}

/* smtp_data_bare - a bare CR or LF: refused, or (NORMALISE) accepted as a line end */
static void
smtp_data_bare(struct smtp_server *s)
{
    if (!s->data.bare_seen) {
        s->data.bare_seen = true;
        smtp_server_violation(s, "bare CR or LF in message content");
    }
    if (s->cfg.bare_eol == SMTP_BARE_EOL_REJECT)
        smtp_data_fail(&s->data, SMTP_DATA_BARE_EOL);
}

/* smtp_data_nul - a NUL octet: refused (REJECT), or dropped from the content (NORMALISE) */
static void
smtp_data_nul(struct smtp_server *s, struct smtp_data_run *run, size_t i)
{
    if (!s->data.nul_seen) {
        s->data.nul_seen = true;
        smtp_server_violation(s, "NUL in message content");
    }
    smtp_data_flush(s, run, i); /* what came before, however the input was split */
    run->span = i + 1;
    if (s->cfg.bare_eol == SMTP_BARE_EOL_REJECT)
        smtp_data_fail(&s->data, SMTP_DATA_NUL);
}

/* smtp_data_new_line - a line ended; `clean` when it ended with a real CRLF */
static void
smtp_data_new_line(struct smtp_data_state *d, bool clean)
{
    d->pos = SMTP_DATA_BOL;
    d->clean = clean;
    d->line_len = 0;
}

/* smtp_data_count - one more octet on the current line */
static void
smtp_data_count(struct smtp_server *s)
{
    if (++s->data.line_len > s->cfg.max_text_line)
        smtp_data_fail(&s->data, SMTP_DATA_LINE_TOO_LONG);
}

void
smtp_data_begin(struct smtp_server *s)
{
    memset(&s->data, 0, sizeof s->data);
    smtp_data_new_line(&s->data, true); /* "DATA" CRLF counts as the CRLF before a "." */
    s->info.data_bytes = 0;
}

/* smtp_data_end - the terminating line was read: refuse, or ask hooks->data_end */
static void
smtp_data_end(struct smtp_server *s)
{
    enum smtp_data_error why = s->data.failed;

    if (why == SMTP_DATA_OK) {
        smtp_server_ask(s, SMTP_PEND_DATA_END, SMTP_VERB_DATA);
        if (s->hooks.data_end != NULL)
            s->hooks.data_end(s->ctx);
        else
            smtp_server_decide(s, NULL);
        return;
    }
    if (s->hooks.data_failed != NULL)
        s->hooks.data_failed(s->ctx, why);
    if (why == SMTP_DATA_BARE_EOL) {
        /* what follows an ambiguous line end is never read as a command */
        smtp_server_fatal(s, 550, "5.5.2", "Message refused: bare CR or LF in content", "bare_eol");
        return;
    }
    if (why == SMTP_DATA_NUL) {
        /* a hop that drops NULs would read "\r\n\0.\r\n" as the end: same ambiguity */
        smtp_server_fatal(s, 550, "5.6.0", "Message refused: NUL byte in content", "bare_eol");
        return;
    }
    if (why == SMTP_DATA_TOO_BIG)
        smtp_server_reply(s, 552, "5.3.4", "Message size exceeds fixed limit");
    else
        smtp_server_reply(s, 552, "5.5.2", "Message refused: line too long");
    s->info.transactions++;
    smtp_server_reset_transaction(s, false);
    smtp_server_check_group(s, SMTP_VERB_DATA, false);
}

/* smtp_data_decided - the owner's verdict on a well-formed message */
void
smtp_data_decided(struct smtp_server *s, const struct smtp_reply *r)
{
    if (r != NULL)
        smtp_server_reply_r(s, r);
    else
        smtp_server_reply(s, 250, "2.0.0", "Ok: queued");
    s->info.transactions++;
    smtp_server_reset_transaction(s, false);
    smtp_server_check_group(s, SMTP_VERB_DATA, false);
}

/* smtp_data_lone_dot - a "." line not framed by CRLF on both sides: content (NORMALISE) */
static void
smtp_data_lone_dot(struct smtp_server *s)
{
    smtp_data_emit(s, ".\r\n", 3);
}

/*
 * smtp_data_step - advance by the octet at i. Returns 1 when it ended the message, 0 to go
 * on to i + 1, -1 to look at the same octet again in the new state.
 */
static int
smtp_data_step(struct smtp_server *s, struct smtp_data_run *run, size_t i)
{
    struct smtp_data_state *d = &s->data;
    char c = run->data[i];

    switch (d->pos) {
    case SMTP_DATA_BOL:
        if (c == '.') {
            smtp_data_flush(s, run, i); /* the dot is stuffing or the terminator: never sent */
            run->span = i + 1;
            d->pos = SMTP_DATA_DOT;
            smtp_data_count(s);
            return 0;
        }
        d->pos = SMTP_DATA_TEXT;
        return -1;
    case SMTP_DATA_DOT:
        if (c == '\r') {
            run->span = i + 1;
            d->pos = SMTP_DATA_DOT_CR;
            smtp_data_count(s);
            return 0;
        }
        if (c == '\n') {
            run->span = i + 1;
            smtp_data_bare(s);
            smtp_data_lone_dot(s);
            smtp_data_new_line(d, false);
            return 0;
        }
        d->pos = SMTP_DATA_TEXT;
        return -1;
    case SMTP_DATA_DOT_CR:
        if (c == '\n' && d->clean)
            return 1;
        if (c == '\n') {
            smtp_data_lone_dot(s); /* after a bare line end: content, not the end */
            run->span = i + 1;
            smtp_data_new_line(d, true);
            return 0;
        }
        smtp_data_bare(s); /* ".\r" then not LF */
        smtp_data_lone_dot(s);
        run->span = i;
        smtp_data_new_line(d, false);
        return -1;
    case SMTP_DATA_TEXT:
        smtp_data_count(s);
        if (c == '\r') {
            d->pos = SMTP_DATA_CR;
        } else if (c == '\n') {
            smtp_data_flush(s, run, i);
            run->span = i + 1;
            smtp_data_bare(s);
            smtp_data_emit(s, "\r\n", 2);
            smtp_data_new_line(d, false);
        } else if (c == '\0') {
            smtp_data_nul(s, run, i);
        }
        return 0;
    case SMTP_DATA_CR:
        if (c == '\n') {
            if (d->cr_held)
                smtp_data_emit(s, "\r", 1); /* before the span, which starts at this LF */
            d->cr_held = false;
            smtp_data_new_line(d, true);
            return 0;
        }
        if (!d->cr_held)
            smtp_data_flush(s, run, i - 1); /* the line up to its CR */
        run->span = i;
        d->cr_held = false;
        smtp_data_bare(s);
        smtp_data_emit(s, "\r\n", 2);
        smtp_data_new_line(d, false);
        return -1;
    }
    return 0;
}

/* smtp_data_text_run - the end of the run of octets from i that need no decision */
static size_t
smtp_data_text_run(const char *data, size_t i, size_t len)
{
    while (i < len && data[i] != '\r' && data[i] != '\n' && data[i] != '\0')
        i++;
    return i;
}

size_t
smtp_data_feed(struct smtp_server *s, const char *data, size_t len)
{
    struct smtp_data_run run = {data, 0};
    size_t i = 0;

    while (i < len && s->state == SMTP_STATE_DATA) {
        if (s->data.pos == SMTP_DATA_TEXT) {
            size_t j = smtp_data_text_run(data, i, len);
            if (j > i) { /* the common case: ordinary octets, counted in one step */
                s->data.line_len += j - i;
                if (s->data.line_len > s->cfg.max_text_line)
                    smtp_data_fail(&s->data, SMTP_DATA_LINE_TOO_LONG);
                i = j;
                continue;
            }
        }
        int r = smtp_data_step(s, &run, i);
        if (r == 1) {
            smtp_data_end(s);
            return i + 1;
        }
        if (r == 0)
            i++;
    }
    if (s->state != SMTP_STATE_DATA)
        return len;
    if (s->data.pos == SMTP_DATA_CR && !s->data.cr_held) {
        smtp_data_flush(s, &run, len - 1); /* hold the CR until its next octet */
        s->data.cr_held = true;
    } else {
        smtp_data_flush(s, &run, len);
    }
    return len;
}
