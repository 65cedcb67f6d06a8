/* smtp_server - session lifecycle, input framing, replies and the decide/resume loop. */
#include "smtp/smtp_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_server_int.h"
#include "util/log.h"
#include "util/mem.h"

static const char *const smtp_state_names[] = {
    [SMTP_STATE_GREETING] = "GREETING", [SMTP_STATE_INIT] = "INIT",
    [SMTP_STATE_READY] = "READY",       [SMTP_STATE_MAIL] = "MAIL",
    [SMTP_STATE_RCPT] = "RCPT",         [SMTP_STATE_DATA] = "DATA",
    [SMTP_STATE_AUTH] = "AUTH",         [SMTP_STATE_CLOSED] = "CLOSED",
};

void
smtp_server_config_defaults(struct smtp_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->hostname = "localhost";
    cfg->max_command_line = 512;
    cfg->max_text_line = 1000;
    cfg->max_message_size = 10240000;
    cfg->max_recipients = 100;
    cfg->max_errors = 10;
    cfg->bare_eol = SMTP_BARE_EOL_REJECT;
    cfg->pipelining = true;
    cfg->auth_requires_tls = true;
}

struct smtp_server *
smtp_server_new(const struct smtp_server_config *cfg, const struct smtp_server_hooks *hooks,
                void *ctx)
{
    struct smtp_server *s = xcalloc(1, sizeof *s);

    s->cfg = *cfg;
    s->hostname = xstrdup(cfg->hostname != NULL ? cfg->hostname : "localhost");
    s->cfg.hostname = s->hostname;
    /* below these a legitimate "MAIL FROM:<...>" or an RFC 5322 line cannot pass */
    if (s->cfg.max_command_line < 64)
        s->cfg.max_command_line = 64;
    if (s->cfg.max_text_line < 8)
        s->cfg.max_text_line = 8;
    s->hooks = *hooks;
    s->ctx = ctx;
    s->state = SMTP_STATE_GREETING;
    s->info.tls = cfg->tls_active;
    buf_init(&s->in, 0);
    buf_init(&s->out, 0);
    return s;
}

struct smtp_server *
smtp_server_free(struct smtp_server *s)
{
    if (s == NULL)
        return NULL;
    smtp_auth_wipe(s);
    buf_release(&s->in);
    buf_release(&s->out);
    free(s->hostname);
    free(s);
    return NULL;
}

const char *
smtp_server_state_name(enum smtp_server_state st)
{
    if ((unsigned)st >= sizeof smtp_state_names / sizeof smtp_state_names[0])
        return "UNKNOWN";
    return smtp_state_names[st];
}

enum smtp_server_state
smtp_server_state(const struct smtp_server *s)
{
    return s->state;
}

const struct smtp_session_info *
smtp_server_session(const struct smtp_server *s)
{
    return &s->info;
}

bool
smtp_server_is_pending(const struct smtp_server *s)
{
    return s->pending != SMTP_PEND_NONE;
}

/* smtp_server_enter - change state, logging old -> new */
void
smtp_server_enter(struct smtp_server *s, enum smtp_server_state st)
{
    if (s->state == st || s->state == SMTP_STATE_CLOSED)
        return;
    log_debug("smtp server: %s -> %s", smtp_server_state_name(s->state),
              smtp_server_state_name(st));
    s->state = st;
}

/* smtp_server_reply_r - format a reply and hand it to hooks->send */
void
smtp_server_reply_r(struct smtp_server *s, const struct smtp_reply *r)
{
    if (s->state == SMTP_STATE_CLOSED)
        return;
    buf_reset(&s->out);
    if (smtp_reply_format(r, &s->out) == 0)
        s->hooks.send(s->ctx, s->out.data, s->out.len);
}

void
smtp_server_reply(struct smtp_server *s, int code, const char *enh, const char *text)
{
    struct smtp_reply r;

    smtp_reply_set(&r, code, enh, "%s", text);
    smtp_server_reply_r(s, &r);
}

/* smtp_server_error_r - reply to a client error and count it toward max_errors */
void
smtp_server_error_r(struct smtp_server *s, const struct smtp_reply *r)
{
    smtp_server_reply_r(s, r);
    s->errors++;
    if (s->cfg.max_errors != 0 && s->errors > s->cfg.max_errors)
        smtp_server_fatal(s, 421, "4.7.0", "Too many errors", "too_many_errors");
}

void
smtp_server_error(struct smtp_server *s, int code, const char *enh, const char *text)
{
    struct smtp_reply r;

    smtp_reply_set(&r, code, enh, "%s", text);
    smtp_server_error_r(s, &r);
}

void
smtp_server_close(struct smtp_server *s, const char *why)
{
    if (s->state == SMTP_STATE_CLOSED)
        return;
    smtp_server_enter(s, SMTP_STATE_CLOSED);
    s->pending = SMTP_PEND_NONE;
    smtp_auth_wipe(s);
    s->hooks.close(s->ctx, why);
}

/* smtp_server_fatal - send a last reply and close */
void
smtp_server_fatal(struct smtp_server *s, int code, const char *enh, const char *text,
                  const char *why)
{
    smtp_server_reply(s, code, enh, text);
    smtp_server_close(s, why);
}

void
smtp_server_shutdown(struct smtp_server *s, const struct smtp_reply *reply)
{
    if (s->state == SMTP_STATE_CLOSED)
        return;
    if (reply != NULL && reply->code != 0)
        smtp_server_reply_r(s, reply);
    smtp_server_close(s, "shutdown");
}

void
smtp_server_violation(struct smtp_server *s, const char *what)
{
    log_debug("smtp server: protocol violation: %s", what);
    if (s->hooks.violation != NULL)
        s->hooks.violation(s->ctx, what);
}

/* smtp_server_ask - a hook must now decide; input is held until smtp_server_decide() */
void
smtp_server_ask(struct smtp_server *s, enum smtp_pending what, enum smtp_verb verb)
{
    s->pending = what;
    s->pend_verb = verb;
    s->asked = true;
}

/* smtp_server_buffered - client bytes received and not yet parsed (the pipelining test) */
size_t
smtp_server_buffered(const struct smtp_server *s)
{
    return s->in.len - s->in_off + s->feed_rest;
}

/*
 * smtp_server_check_group - called once a command has been answered. Bytes that arrived before
 * that answer are pipelining: a violation when PIPELINING was not offered, or when the command
 * must end a group (RFC 2920 3.1). Returns false when the session was closed.
 */
bool
smtp_server_check_group(struct smtp_server *s, enum smtp_verb verb, bool must_end)
{
    char text[96];

    if (s->state == SMTP_STATE_CLOSED)
        return false;
    if (smtp_server_buffered(s) == 0 || (s->pipelining && !must_end))
        return true;
    if (!s->pipelining)
        snprintf(text, sizeof text, "Protocol error: pipelining not offered");
    else
        snprintf(text, sizeof text, "Protocol error: improper command pipelining after %s",
                 smtp_verb_name(verb));
    smtp_server_violation(s, text);
    smtp_server_fatal(s, 554, "5.5.0", text, "protocol_error");
    return false;
}

/* smtp_server_reset_transaction - forget MAIL/RCPT/DATA; notify hooks->reset if one was open */
void
smtp_server_reset_transaction(struct smtp_server *s, bool notify)
{
    bool open =
        s->state == SMTP_STATE_MAIL || s->state == SMTP_STATE_RCPT || s->state == SMTP_STATE_DATA;

    if (open && notify && s->hooks.reset != NULL)
        s->hooks.reset(s->ctx);
    memset(&s->info.mail_from, 0, sizeof s->info.mail_from);
    s->info.nrcpt = 0;
    s->info.data_bytes = 0;
    s->smtputf8 = false;
    if (open)
        smtp_server_enter(s, SMTP_STATE_READY);
}

/* smtp_server_line_limit - the longest line (with CRLF) allowed in the current state */
static size_t
smtp_server_line_limit(const struct smtp_server *s)
{
    if (s->state == SMTP_STATE_AUTH && s->cfg.max_command_line < SMTP_AUTH_LINE_MAX)
        return SMTP_AUTH_LINE_MAX;
    return s->cfg.max_command_line;
}

/* smtp_server_bare_eol - a command line ended by bare CR or LF: refuse (or accept) it */
static bool
smtp_server_bare_eol(struct smtp_server *s)
{
    if (s->cfg.bare_eol == SMTP_BARE_EOL_NORMALISE)
        return true;
    smtp_server_violation(s, "bare CR or LF in command");
    smtp_server_fatal(s, 554, "5.5.2", "Protocol error: bare CR or LF in command",
                      "protocol_error");
    return false;
}

/* smtp_server_discard - drop the rest of an over-long command line, up to its LF */
static void
smtp_server_discard(struct smtp_server *s)
{
    const char *p = s->in.data + s->in_off;
    size_t avail = s->in.len - s->in_off;
    const char *lf = memchr(p, '\n', avail);

    if (lf == NULL) {
        s->discard_cr = p[avail - 1] == '\r';
        s->in_off += avail;
        return;
    }
    bool crlf = lf > p ? lf[-1] == '\r' : s->discard_cr;
    s->in_off += (size_t)(lf - p) + 1;
    s->discarding = false;
    if (!crlf)
        smtp_server_bare_eol(s);
}

/* smtp_server_too_long - reply to an over-long command line */
static void
smtp_server_too_long(struct smtp_server *s)
{
    smtp_server_error(s, 500, "5.5.2", "Line too long");
}

/* smtp_server_take_line - frame one command line from the input; false when incomplete */
static bool
smtp_server_take_line(struct smtp_server *s)
{
    const char *p = s->in.data + s->in_off;
    size_t avail = s->in.len - s->in_off, limit = smtp_server_line_limit(s), i, eol = 1;

    for (i = 0; i < avail && p[i] != '\r' && p[i] != '\n'; i++)
        ;
    if (i == avail || (p[i] == '\r' && i + 1 == avail)) {
        if (i + 2 <= limit)
            return false;
        s->in_off += avail; /* no CRLF within the limit */
        s->discarding = true;
        s->discard_cr = i < avail;
        smtp_server_too_long(s);
        return true;
    }
    if (p[i] == '\r' && p[i + 1] == '\n')
        eol = 2;
    else if (!smtp_server_bare_eol(s))
        return true;
    s->in_off += i + eol;
    if (i + 2 > limit) {
        smtp_server_too_long(s);
        return true;
    }
    if (s->state == SMTP_STATE_AUTH)
        smtp_auth_line(s, p, i);
    else
        smtp_server_cmd_line(s, p, i);
    return true;
}

/* smtp_server_run - parse buffered input until it runs out, a hook is pending, or closed */
static void
smtp_server_run(struct smtp_server *s)
{
    if (s->in_loop)
        return;
    s->in_loop = true;
    while (s->state != SMTP_STATE_CLOSED && s->pending == SMTP_PEND_NONE && s->greeted &&
           !s->tls_wait && s->in_off < s->in.len) {
        if (s->state == SMTP_STATE_DATA) {
            size_t n = smtp_data_feed(s, s->in.data + s->in_off, s->in.len - s->in_off);
            s->in_off += n;
            if (n == 0)
                break;
        } else if (s->discarding) {
            smtp_server_discard(s);
        } else if (!smtp_server_take_line(s)) {
            break;
        }
    }
    if (s->in_off > 0) {
        buf_consume(&s->in, s->in_off);
        s->in_off = 0;
    }
    s->in_loop = false;
}

/* smtp_server_buffer_pending - keep bytes that cannot be parsed now, within a bound */
static void
smtp_server_buffer_pending(struct smtp_server *s, const char *data, size_t len)
{
    size_t bound = SMTP_PENDING_INPUT_MAX + smtp_server_line_limit(s);

    if (len > bound || s->in.len - s->in_off > bound - len || buf_append(&s->in, data, len) < 0) {
        smtp_server_violation(s, "too much input while a decision is pending");
        smtp_server_fatal(s, 421, "4.7.0", "Too much pipelined input", "protocol_error");
    }
}

void
smtp_server_feed(struct smtp_server *s, const char *data, size_t len)
{
    if (s->in_loop)
        die_bug("smtp_server_feed called from inside a hook");
    if (s->state == SMTP_STATE_CLOSED || len == 0)
        return;
    if (s->tls_wait) {
        smtp_server_violation(s, "plaintext after STARTTLS");
        smtp_server_close(s, "protocol_error");
        return;
    }
    if (!s->greeted) {
        s->early_talk = true;
        return;
    }
    while (len > 0 && s->state != SMTP_STATE_CLOSED) {
        if (s->pending != SMTP_PEND_NONE) {
            smtp_server_buffer_pending(s, data, len);
            break;
        }
        size_t n = len < SMTP_FEED_CHUNK ? len : SMTP_FEED_CHUNK;
        s->feed_rest = len - n;
        if (buf_append(&s->in, data, n) < 0)
            die_bug("smtp server: unbounded input buffer refused %zu bytes", n);
        data += n;
        len -= n;
        smtp_server_run(s);
    }
    s->feed_rest = 0;
}

void
smtp_server_greet(struct smtp_server *s, const struct smtp_reply *refuse)
{
    char text[300];

    if (s->greeted || s->state == SMTP_STATE_CLOSED)
        return;
    s->greeted = true;
    if (s->early_talk) {
        smtp_server_violation(s, "client spoke before greeting");
        smtp_server_fatal(s, 554, "5.5.0", "Protocol error: client spoke before greeting",
                          "protocol_error");
        return;
    }
    if (refuse != NULL && refuse->code != 0) {
        smtp_server_reply_r(s, refuse);
        smtp_server_close(s, "refused");
        return;
    }
    snprintf(text, sizeof text, "%s ESMTP smtpwarden", s->hostname);
    smtp_server_reply(s, 220, NULL, text);
    smtp_server_enter(s, SMTP_STATE_INIT);
    smtp_server_run(s);
}

void
smtp_server_decide(struct smtp_server *s, const struct smtp_reply *reply)
{
    enum smtp_pending what = s->pending;

    if (s->state == SMTP_STATE_CLOSED)
        return; /* the session ended while the owner was deciding */
    if (what == SMTP_PEND_NONE) {
        log_warn("smtp server: decision without a pending question ignored");
        return;
    }
    s->pending = SMTP_PEND_NONE;
    if (reply != NULL && reply->code == 0)
        reply = NULL;
    if (reply != NULL && reply->code == 421) {
        smtp_server_shutdown(s, reply); /* RFC 5321 3.8: 421 ends the session */
        return;
    }
    smtp_server_cmd_decided(s, what, reply);
    smtp_server_run(s);
}

void
smtp_server_tls_started(struct smtp_server *s)
{
    if (s->state == SMTP_STATE_CLOSED)
        return;
    s->tls_wait = false;
    smtp_auth_wipe(s);
    memset(&s->info, 0, sizeof s->info);
    s->info.tls = true;
    s->pipelining = false;
    s->smtputf8 = false;
    s->discarding = false;
    buf_reset(&s->in);
    s->in_off = 0;
    smtp_server_enter(s, SMTP_STATE_INIT);
    smtp_server_run(s);
}
