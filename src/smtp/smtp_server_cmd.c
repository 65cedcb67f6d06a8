/* smtp_server_cmd - the server's command table: each verb's checks, replies and hooks. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_server_int.h"

typedef void smtp_cmd_fn(struct smtp_server *s, const char *args, size_t len);

struct smtp_cmd_entry {
    enum smtp_verb verb;
    bool must_end; /* RFC 2920 3.1: only the last command of a pipelined group */
    smtp_cmd_fn *fn;
};

/* smtp_server_helo_common - HELO and EHLO: validate, reset the transaction, ask the hook */
static void
smtp_server_helo_common(struct smtp_server *s, const char *args, size_t len, bool esmtp)
{
    while (len > 0 && args[len - 1] == ' ')
        len--;
    if (len == 0) {
        smtp_server_error(s, 501, "5.5.4",
                          esmtp ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
        return;
    }
    if (len >= sizeof s->pend_name) {
        smtp_server_error(s, 501, "5.5.4", "Error: hostname too long");
        return;
    }
    /* RFC 5321 4.1.4: EHLO/HELO in a session resets the transaction */
    smtp_server_reset_transaction(s, true);
    memcpy(s->pend_name, args, len);
    s->pend_name[len] = '\0';
    s->pend_esmtp = esmtp;
    smtp_server_ask(s, SMTP_PEND_HELO, esmtp ? SMTP_VERB_EHLO : SMTP_VERB_HELO);
    if (s->hooks.helo != NULL)
        s->hooks.helo(s->ctx, s->pend_name, esmtp);
    else
        smtp_server_decide(s, NULL);
}

static void
smtp_server_do_ehlo(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_helo_common(s, args, len, true);
}

static void
smtp_server_do_helo(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_helo_common(s, args, len, false);
}

/* smtp_server_auth_offered - AUTH is listed in EHLO and accepted now */
static bool
smtp_server_auth_offered(const struct smtp_server *s)
{
    return s->cfg.auth && s->hooks.auth != NULL && (s->info.tls || !s->cfg.auth_requires_tls);
}

/* smtp_server_ehlo_reply - the 250 reply listing our extensions */
void
smtp_server_ehlo_reply(struct smtp_server *s)
{
    struct smtp_reply r;
    struct buf t;

    buf_init(&t, sizeof r.text - 1);
    buf_append_str(&t, s->hostname);
    if (s->cfg.pipelining)
        buf_append_str(&t, "\nPIPELINING");
    if (s->cfg.max_message_size != 0)
        buf_printf(&t, "\nSIZE %llu", (unsigned long long)s->cfg.max_message_size);
    else
        buf_append_str(&t, "\nSIZE");
    buf_append_str(&t, "\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES");
    if (s->cfg.starttls && s->hooks.starttls != NULL && !s->info.tls)
        buf_append_str(&t, "\nSTARTTLS");
    if (smtp_server_auth_offered(s))
        buf_append_str(&t, "\nAUTH PLAIN LOGIN");
    smtp_reply_set(&r, 250, NULL, "%s", t.data);
    buf_release(&t);
    s->pipelining = s->cfg.pipelining;
    smtp_server_reply_r(s, &r);
}

/* smtp_server_size_param - parse SIZE=n; -1 when not a decimal number that fits */
static int
smtp_server_size_param(const struct smtp_param *p, unsigned long long *n)
{
    *n = 0;
    if (!p->has_value || strlen(p->value) > 20)
        return -1;
    for (const char *c = p->value; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        unsigned d = (unsigned)(*c - '0');
        if (*n > (~0ULL - d) / 10)
            return -1;
        *n = *n * 10 + d;
    }
    return 0;
}

/* smtp_server_mail_params - check MAIL parameters; replies and returns -1 on refusal */
static int
smtp_server_mail_params(struct smtp_server *s, const struct smtp_path *path)
{
    char text[128];
    unsigned long long size;
    bool utf8 = false;

    for (int i = 0; i < path->nparams; i++) {
        const struct smtp_param *p = &path->params[i];
        if (s->info.esmtp && strcmp(p->keyword, "SIZE") == 0) {
            if (smtp_server_size_param(p, &size) < 0) {
                smtp_server_error(s, 501, "5.5.4", "Bad SIZE parameter syntax");
                return -1;
            }
            if (s->cfg.max_message_size != 0 && size > s->cfg.max_message_size) {
                smtp_server_reply(s, 552, "5.3.4", "Message size exceeds fixed limit");
                return -1;
            }
        } else if (s->info.esmtp && strcmp(p->keyword, "BODY") == 0) {
            if (strcasecmp(p->value, "7BIT") != 0 && strcasecmp(p->value, "8BITMIME") != 0) {
                smtp_server_error(s, 501, "5.5.4", "Unsupported BODY parameter value");
                return -1;
            }
        } else if (s->info.esmtp && strcmp(p->keyword, "SMTPUTF8") == 0 && !p->has_value) {
            utf8 = true;
        } else if (s->info.esmtp && strcmp(p->keyword, "AUTH") == 0 && p->has_value) {
            continue; /* RFC 4954 5: accepted, and we do not trust it */
        } else {
            snprintf(text, sizeof text, "Unsupported option: %s", p->keyword);
            smtp_server_error(s, 555, "5.5.4", text);
            return -1;
        }
    }
    if (path->is_utf8 && !utf8) {
        smtp_server_reply(s, 553, "5.6.7", "Must declare SMTPUTF8 to send UTF-8 addresses");
        return -1;
    }
    s->smtputf8 = utf8;
    return 0;
}

static void
smtp_server_do_mail(struct smtp_server *s, const char *args, size_t len)
{
    struct smtp_reply err;

    if (s->state == SMTP_STATE_INIT) {
        smtp_server_error(s, 503, "5.5.1", "Error: send HELO/EHLO first");
        return;
    }
    if (s->state != SMTP_STATE_READY) {
        smtp_server_error(s, 503, "5.5.1", "Error: nested MAIL command");
        return;
    }
    if (smtp_cmd_parse_path(args, len, "FROM:", true, &s->pend_path, &err) < 0) {
        smtp_server_error_r(s, &err);
        return;
    }
    if (smtp_server_mail_params(s, &s->pend_path) < 0)
        return;
    smtp_server_ask(s, SMTP_PEND_MAIL, SMTP_VERB_MAIL);
    if (s->hooks.mail != NULL)
        s->hooks.mail(s->ctx, &s->pend_path);
    else
        smtp_server_decide(s, NULL);
}

static void
smtp_server_do_rcpt(struct smtp_server *s, const char *args, size_t len)
{
    struct smtp_reply err;
    char text[128];

    if (s->state != SMTP_STATE_MAIL && s->state != SMTP_STATE_RCPT) {
        smtp_server_error(s, 503, "5.5.1", "Error: need MAIL command");
        return;
    }
    if (smtp_cmd_parse_path(args, len, "TO:", false, &s->pend_path, &err) < 0) {
        smtp_server_error_r(s, &err);
        return;
    }
    if (s->pend_path.nparams > 0) {
        snprintf(text, sizeof text, "Unsupported option: %s", s->pend_path.params[0].keyword);
        smtp_server_error(s, 555, "5.5.4", text);
        return;
    }
    if (s->pend_path.is_utf8 && !s->smtputf8) {
        smtp_server_reply(s, 553, "5.6.7", "Must declare SMTPUTF8 to send UTF-8 addresses");
        return;
    }
    if (s->info.nrcpt >= s->cfg.max_recipients) {
        smtp_server_reply(s, 452, "4.5.3", "Too many recipients");
        return;
    }
    smtp_server_ask(s, SMTP_PEND_RCPT, SMTP_VERB_RCPT);
    if (s->hooks.rcpt != NULL)
        s->hooks.rcpt(s->ctx, &s->pend_path);
    else
        smtp_server_decide(s, NULL);
}

static void
smtp_server_do_data(struct smtp_server *s, const char *args, size_t len)
{
    if (len > 0) {
        smtp_server_error(s, 501, "5.5.4", "Syntax: DATA");
        return;
    }
    if (s->state == SMTP_STATE_MAIL) {
        smtp_server_reply(s, 554, "5.5.1", "Error: no valid recipients");
        return;
    }
    if (s->state != SMTP_STATE_RCPT) {
        smtp_server_error(s, 503, "5.5.1", "Error: need RCPT command");
        return;
    }
    smtp_server_ask(s, SMTP_PEND_DATA, SMTP_VERB_DATA);
    if (s->hooks.data != NULL)
        s->hooks.data(s->ctx);
    else
        smtp_server_decide(s, NULL);
}

static void
smtp_server_do_rset(struct smtp_server *s, const char *args, size_t len)
{
    if (len > 0) {
        smtp_server_error(s, 501, "5.5.4", "Syntax: RSET");
        return;
    }
    smtp_server_reset_transaction(s, true);
    smtp_server_reply(s, 250, "2.0.0", "Ok");
}

static void
smtp_server_do_noop(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_reply(s, 250, "2.0.0", "Ok");
}

static void
smtp_server_do_quit(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_reply(s, 221, "2.0.0", "Bye");
    smtp_server_close(s, "quit");
}

static void
smtp_server_do_help(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_reply(s, 214, "2.0.0",
                      "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY STARTTLS AUTH");
}

/* smtp_server_do_vrfy - RFC 5321 3.5.3: never confirm or deny a user */
static void
smtp_server_do_vrfy(struct smtp_server *s, const char *args, size_t len)
{
    if (len == 0) {
        smtp_server_error(s, 501, "5.5.4", "Syntax: VRFY address");
        return;
    }
    smtp_server_reply(s, 252, "2.1.5",
                      "Cannot VRFY user, but will accept message and attempt delivery");
}

static void
smtp_server_do_not_offered(struct smtp_server *s, const char *args, size_t len)
{
    smtp_server_error(s, 502, "5.5.1", "Error: command not implemented");
}

/* smtp_server_do_starttls - RFC 3207; bytes queued behind STARTTLS are an injection attempt */
static void
smtp_server_do_starttls(struct smtp_server *s, const char *args, size_t len)
{
    if (!s->cfg.starttls || s->hooks.starttls == NULL) {
        smtp_server_error(s, 502, "5.5.1", "Error: command not implemented");
        return;
    }
    if (s->info.tls) {
        smtp_server_error(s, 554, "5.5.1", "Error: TLS already active");
        return;
    }
    if (len > 0) {
        smtp_server_error(s, 501, "5.5.4", "Syntax: STARTTLS");
        return;
    }
    if (s->state == SMTP_STATE_MAIL || s->state == SMTP_STATE_RCPT) {
        smtp_server_error(s, 503, "5.5.1", "Error: MAIL transaction in progress");
        return;
    }
    if (smtp_server_buffered(s) > 0) {
        /* CVE-2011-0411: plaintext sent with STARTTLS must not be read as if inside TLS */
        smtp_server_violation(s, "plaintext injection after STARTTLS");
        smtp_server_fatal(s, 554, "5.5.0",
                          "Protocol error: improper command pipelining after STARTTLS",
                          "protocol_error");
        return;
    }
    smtp_server_reply(s, 220, "2.0.0", "Ready to start TLS");
    s->tls_wait = true;
    s->hooks.starttls(s->ctx);
}

static void
smtp_server_do_auth(struct smtp_server *s, const char *args, size_t len)
{
    smtp_auth_start(s, args, len);
}

static const struct smtp_cmd_entry smtp_server_cmds[] = {
    {SMTP_VERB_EHLO, true, smtp_server_do_ehlo},
    {SMTP_VERB_HELO, true, smtp_server_do_helo},
    {SMTP_VERB_MAIL, false, smtp_server_do_mail},
    {SMTP_VERB_RCPT, false, smtp_server_do_rcpt},
    {SMTP_VERB_DATA, true, smtp_server_do_data},
    {SMTP_VERB_BDAT, false, smtp_server_do_not_offered},
    {SMTP_VERB_RSET, false, smtp_server_do_rset},
    {SMTP_VERB_NOOP, true, smtp_server_do_noop},
    {SMTP_VERB_QUIT, true, smtp_server_do_quit},
    {SMTP_VERB_HELP, false, smtp_server_do_help},
    {SMTP_VERB_VRFY, true, smtp_server_do_vrfy},
    {SMTP_VERB_EXPN, true, smtp_server_do_not_offered},
    {SMTP_VERB_STARTTLS, true, smtp_server_do_starttls},
    {SMTP_VERB_AUTH, true, smtp_server_do_auth},
};

/* smtp_server_cmd_find - the table row for a verb, or NULL */
static const struct smtp_cmd_entry *
smtp_server_cmd_find(enum smtp_verb verb)
{
    for (size_t i = 0; i < sizeof smtp_server_cmds / sizeof smtp_server_cmds[0]; i++)
        if (smtp_server_cmds[i].verb == verb)
            return &smtp_server_cmds[i];
    return NULL;
}

/* smtp_server_cmd_line - one complete command line (without its line end) */
void
smtp_server_cmd_line(struct smtp_server *s, const char *line, size_t len)
{
    struct smtp_command cmd;
    const struct smtp_cmd_entry *e;

    if (memchr(line, '\0', len) != NULL) {
        smtp_server_violation(s, "NUL in command");
        smtp_server_error(s, 500, "5.5.2", "Error: NUL character in command");
        smtp_server_check_group(s, SMTP_VERB_UNKNOWN, false);
        return;
    }
    smtp_cmd_parse(line, len, &cmd);
    e = smtp_server_cmd_find(cmd.verb);
    if (e == NULL) {
        smtp_server_error(s, 500, "5.5.1", "Error: command not recognized");
        smtp_server_check_group(s, SMTP_VERB_UNKNOWN, false);
        return;
    }
    s->asked = false;
    e->fn(s, cmd.args, cmd.args_len);
    if (!s->asked)
        smtp_server_check_group(s, e->verb, e->must_end);
}

/* smtp_server_decided_helo - the HELO/EHLO verdict */
static void
smtp_server_decided_helo(struct smtp_server *s, const struct smtp_reply *r)
{
    if (r != NULL && !smtp_reply_is_positive(r)) {
        smtp_server_reply_r(s, r);
        return;
    }
    snprintf(s->info.helo, sizeof s->info.helo, "%s", s->pend_name);
    s->info.esmtp = s->pend_esmtp;
    smtp_server_enter(s, SMTP_STATE_READY);
    if (s->pend_esmtp) {
        smtp_server_ehlo_reply(s);
    } else if (r != NULL) {
        s->pipelining = false;
        smtp_server_reply_r(s, r);
    } else {
        s->pipelining = false;
        smtp_server_reply(s, 250, NULL, s->hostname);
    }
}

/* smtp_server_decided_envelope - the MAIL, RCPT or DATA verdict */
static void
smtp_server_decided_envelope(struct smtp_server *s, enum smtp_pending what,
                             const struct smtp_reply *r)
{
    if (r != NULL && !smtp_reply_is_positive(r)) {
        smtp_server_reply_r(s, r);
        return;
    }
    if (what == SMTP_PEND_MAIL) {
        s->info.mail_from = s->pend_path;
        s->info.nrcpt = 0;
        s->info.data_bytes = 0;
        smtp_server_enter(s, SMTP_STATE_MAIL);
        if (r != NULL)
            smtp_server_reply_r(s, r);
        else
            smtp_server_reply(s, 250, "2.1.0", "Ok");
    } else if (what == SMTP_PEND_RCPT) {
        s->info.nrcpt++;
        smtp_server_enter(s, SMTP_STATE_RCPT);
        if (r != NULL)
            smtp_server_reply_r(s, r);
        else
            smtp_server_reply(s, 250, "2.1.5", "Ok");
    } else {
        if (r != NULL && r->code == 354)
            smtp_server_reply_r(s, r);
        else
            smtp_server_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
        smtp_server_enter(s, SMTP_STATE_DATA);
        smtp_data_begin(s);
    }
}

/* smtp_server_cmd_decided - the owner answered the hook for `what` */
void
smtp_server_cmd_decided(struct smtp_server *s, enum smtp_pending what, const struct smtp_reply *r)
{
    switch (what) {
    case SMTP_PEND_HELO:
        smtp_server_decided_helo(s, r);
        smtp_server_check_group(s, s->pend_verb, true);
        break;
    case SMTP_PEND_MAIL:
    case SMTP_PEND_RCPT:
        smtp_server_decided_envelope(s, what, r);
        smtp_server_check_group(s, s->pend_verb, false);
        break;
    case SMTP_PEND_DATA:
        smtp_server_decided_envelope(s, what, r);
        smtp_server_check_group(s, SMTP_VERB_DATA, true);
        break;
    case SMTP_PEND_DATA_END:
        smtp_data_decided(s, r);
        break;
    case SMTP_PEND_AUTH:
        smtp_auth_decided(s, r);
        break;
    case SMTP_PEND_NONE:
        break;
    }
}
