/*
 * smtp_client - the client side of ESMTP: a FIFO of issued commands, RFC 2920 pipelining
 * rules for when each may be written, reply dispatch, EHLO extension parsing and the
 * transparency (dot-stuffing, CRLF) of message content.
 */
#include "smtp/smtp_client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

/* one queued item: a command that expects a reply, or a run of message content */
struct smtp_client_item {
    struct smtp_client_item *next;
    bool is_content;
    bool written;
    enum smtp_client_cmd cmd;
    void *user;
    struct buf data; /* the command line, or raw content */
};

struct smtp_client {
    struct smtp_client_hooks hooks;
    void *ctx;
    struct smtp_reply_parser *parser;
    struct smtp_client_item *head, *tail;
    unsigned exts;
    uint64_t max_size;
    bool in_data;      /* DATA got 354: content may be written */
    bool data_refused; /* DATA was refused: drop content, answer DATA_END with this */
    struct smtp_reply refusal;
    bool bol;    /* content: at the start of a line */
    bool cr;     /* content: the last octet was CR */
    bool failed; /* hooks->error was called */
    bool in_flush;
    bool flush_again;
    struct buf out;
    struct smtp_reply reply;
};

static const char *const smtp_client_names[] = {
    [SMTP_CLIENT_GREETING] = "GREETING", [SMTP_CLIENT_EHLO] = "EHLO",
    [SMTP_CLIENT_HELO] = "HELO",         [SMTP_CLIENT_STARTTLS] = "STARTTLS",
    [SMTP_CLIENT_MAIL] = "MAIL",         [SMTP_CLIENT_RCPT] = "RCPT",
    [SMTP_CLIENT_DATA] = "DATA",         [SMTP_CLIENT_DATA_END] = "DATA_END",
    [SMTP_CLIENT_RSET] = "RSET",         [SMTP_CLIENT_QUIT] = "QUIT",
};

const char *
smtp_client_cmd_name(enum smtp_client_cmd cmd)
{
    if ((unsigned)cmd >= sizeof smtp_client_names / sizeof smtp_client_names[0])
        return "UNKNOWN";
    return smtp_client_names[cmd];
}

/* smtp_client_fail - report a protocol failure once */
static void
smtp_client_fail(struct smtp_client *c, const char *what)
{
    if (c->failed)
        return;
    c->failed = true;
    if (c->hooks.error != NULL)
        c->hooks.error(c->ctx, what);
}

/* smtp_client_push - append an item to the queue */
static struct smtp_client_item *
smtp_client_push(struct smtp_client *c, bool is_content, enum smtp_client_cmd cmd, void *user)
{
    struct smtp_client_item *it = xcalloc(1, sizeof *it);

    it->is_content = is_content;
    it->cmd = cmd;
    it->user = user;
    buf_init(&it->data, 0);
    if (c->tail != NULL)
        c->tail->next = it;
    else
        c->head = it;
    c->tail = it;
    return it;
}

/* smtp_client_unlink - remove an item from the queue and free it */
static void
smtp_client_unlink(struct smtp_client *c, struct smtp_client_item *it)
{
    struct smtp_client_item **pp = &c->head, *prev = NULL;

    while (*pp != NULL && *pp != it) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == NULL)
        return;
    *pp = it->next;
    if (c->tail == it)
        c->tail = prev;
    buf_release(&it->data);
    free(it);
}

struct smtp_client *
smtp_client_new(const struct smtp_client_hooks *hooks, void *ctx)
{
    struct smtp_client *c = xcalloc(1, sizeof *c);
    struct smtp_client_item *greeting;

    c->hooks = *hooks;
    c->ctx = ctx;
    c->parser = smtp_reply_parser_new();
    c->bol = true;
    buf_init(&c->out, 0);
    greeting = smtp_client_push(c, false, SMTP_CLIENT_GREETING, NULL);
    greeting->written = true;
    return c;
}

struct smtp_client *
smtp_client_free(struct smtp_client *c)
{
    if (c == NULL)
        return NULL;
    while (c->head != NULL)
        smtp_client_unlink(c, c->head);
    smtp_reply_parser_free(c->parser);
    buf_release(&c->out);
    free(c);
    return NULL;
}

/* smtp_client_is_ender - RFC 2920 3.1: nothing may be written behind it before its reply */
static bool
smtp_client_is_ender(enum smtp_client_cmd cmd)
{
    return cmd != SMTP_CLIENT_MAIL && cmd != SMTP_CLIENT_RCPT && cmd != SMTP_CLIENT_RSET;
}

/* smtp_client_stuff - write content dot-stuffed with CRLF line ends, a line at a time */
static void
smtp_client_stuff(struct smtp_client *c, const char *p, size_t len)
{
    size_t i = 0;

    buf_reset(&c->out);
    while (i < len) {
        if (c->cr) {
            c->cr = false;
            buf_append(&c->out, "\r\n", 2);
            c->bol = true;
            if (p[i] == '\n') {
                i++;
                continue;
            }
        }
        if (p[i] == '\r') {
            c->cr = true;
            i++;
        } else if (p[i] == '\n') {
            buf_append(&c->out, "\r\n", 2);
            c->bol = true;
            i++;
        } else {
            size_t j = i;
            while (j < len && p[j] != '\r' && p[j] != '\n')
                j++;
            if (c->bol && p[i] == '.')
                buf_append(&c->out, ".", 1);
            buf_append(&c->out, p + i, j - i);
            c->bol = false;
            i = j;
        }
    }
    if (c->out.len > 0)
        c->hooks.send(c->ctx, c->out.data, c->out.len);
}

/* smtp_client_write - put one item on the wire */
static void
smtp_client_write(struct smtp_client *c, struct smtp_client_item *it)
{
    if (it->is_content) {
        smtp_client_stuff(c, it->data.data, it->data.len);
        return;
    }
    it->written = true;
    if (it->cmd == SMTP_CLIENT_DATA)
        c->data_refused = false;
    if (it->cmd == SMTP_CLIENT_DATA_END) {
        buf_reset(&c->out);
        if (c->cr || !c->bol)
            buf_append(&c->out, "\r\n", 2);
        buf_append(&c->out, ".\r\n", 3);
        c->cr = false;
        c->bol = true;
        c->in_data = false;
        c->hooks.send(c->ctx, c->out.data, c->out.len);
        return;
    }
    c->hooks.send(c->ctx, it->data.data, it->data.len);
}

/* smtp_client_may_write - whether the next unwritten item can go out now */
static bool
smtp_client_may_write(const struct smtp_client *c, const struct smtp_client_item *it)
{
    unsigned outstanding = 0;
    bool ender = false;

    for (const struct smtp_client_item *p = c->head; p != it; p = p->next) {
        if (!p->is_content && p->written) {
            outstanding++;
            ender = ender || smtp_client_is_ender(p->cmd);
        }
    }
    if (it->is_content || it->cmd == SMTP_CLIENT_DATA_END)
        return outstanding == 0 && c->in_data;
    if (outstanding == 0)
        return true;
    return smtp_client_has(c, SMTP_EXT_PIPELINING) && !ender;
}

/* smtp_client_drop_refused - content and "." after a refused DATA are not sent */
static bool
smtp_client_drop_refused(struct smtp_client *c, struct smtp_client_item *it)
{
    if (!c->data_refused || !(it->is_content || it->cmd == SMTP_CLIENT_DATA_END))
        return false;
    if (it->is_content) {
        smtp_client_unlink(c, it);
        return true;
    }
    void *user = it->user;
    struct smtp_reply r = c->refusal;
    c->data_refused = false;
    smtp_client_unlink(c, it);
    c->hooks.reply(c->ctx, SMTP_CLIENT_DATA_END, &r, user);
    return true;
}

/* smtp_client_flush - write every queued item that the pipelining rules allow */
static void
smtp_client_flush(struct smtp_client *c)
{
    if (c->in_flush) {
        c->flush_again = true;
        return;
    }
    c->in_flush = true;
    do {
        c->flush_again = false;
        struct smtp_client_item *it = c->head;
        while (it != NULL && !c->failed) {
            if (it->written) {
                it = it->next;
                continue;
            }
            if (smtp_client_drop_refused(c, it)) {
                c->flush_again = true;
                break;
            }
            if (!smtp_client_may_write(c, it))
                break;
            smtp_client_write(c, it);
            struct smtp_client_item *next = it->next;
            if (it->is_content)
                smtp_client_unlink(c, it);
            it = next;
        }
    } while (c->flush_again && !c->failed);
    c->in_flush = false;
}

/* smtp_client_issue - queue a command line */
static void
smtp_client_issue(struct smtp_client *c, enum smtp_client_cmd cmd, void *user, const char *verb,
                  const char *arg, const char *params)
{
    struct smtp_client_item *it;

    if ((arg != NULL && strpbrk(arg, "\r\n") != NULL) ||
        (params != NULL && strpbrk(params, "\r\n") != NULL)) {
        smtp_client_fail(c, "CR or LF in a command argument");
        return;
    }
    it = smtp_client_push(c, false, cmd, user);
    buf_append_str(&it->data, verb);
    if (arg != NULL)
        buf_append_str(&it->data, arg);
    if (cmd == SMTP_CLIENT_MAIL || cmd == SMTP_CLIENT_RCPT)
        buf_append_str(&it->data, ">");
    if (params != NULL && params[0] != '\0') {
        buf_append_str(&it->data, " ");
        buf_append_str(&it->data, params);
    }
    buf_append_str(&it->data, "\r\n");
    smtp_client_flush(c);
}

void
smtp_client_ehlo(struct smtp_client *c, const char *name, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_EHLO, user, "EHLO ", name, NULL);
}

void
smtp_client_helo(struct smtp_client *c, const char *name, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_HELO, user, "HELO ", name, NULL);
}

void
smtp_client_starttls(struct smtp_client *c, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_STARTTLS, user, "STARTTLS", NULL, NULL);
}

void
smtp_client_mail(struct smtp_client *c, const char *from, const char *params, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_MAIL, user, "MAIL FROM:<", from, params);
}

void
smtp_client_rcpt(struct smtp_client *c, const char *to, const char *params, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_RCPT, user, "RCPT TO:<", to, params);
}

void
smtp_client_data(struct smtp_client *c, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_DATA, user, "DATA", NULL, NULL);
}

void
smtp_client_rset(struct smtp_client *c, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_RSET, user, "RSET", NULL, NULL);
}

void
smtp_client_quit(struct smtp_client *c, void *user)
{
    smtp_client_issue(c, SMTP_CLIENT_QUIT, user, "QUIT", NULL, NULL);
}

void
smtp_client_content(struct smtp_client *c, const char *data, size_t len)
{
    struct smtp_client_item *it;

    if (len == 0 || c->failed)
        return;
    if (c->tail != NULL && c->tail->is_content) {
        buf_append(&c->tail->data, data, len);
    } else {
        it = smtp_client_push(c, true, SMTP_CLIENT_DATA, NULL);
        buf_append(&it->data, data, len);
    }
    smtp_client_flush(c);
}

void
smtp_client_content_end(struct smtp_client *c, void *user)
{
    if (c->failed)
        return;
    smtp_client_push(c, false, SMTP_CLIENT_DATA_END, user);
    smtp_client_flush(c);
}

void
smtp_client_tls_started(struct smtp_client *c)
{
    c->exts = 0;
    c->max_size = 0;
    smtp_reply_parser_free(c->parser);
    c->parser = smtp_reply_parser_new();
}

bool
smtp_client_has(const struct smtp_client *c, enum smtp_client_ext ext)
{
    return (c->exts & (unsigned)ext) != 0;
}

uint64_t
smtp_client_max_size(const struct smtp_client *c)
{
    return c->max_size;
}

unsigned
smtp_client_pending(const struct smtp_client *c)
{
    unsigned n = 0;

    for (const struct smtp_client_item *it = c->head; it != NULL; it = it->next)
        if (!it->is_content)
            n++;
    return n;
}

/* smtp_client_ext_line - one EHLO keyword line ("SIZE 1000", "AUTH PLAIN") */
static void
smtp_client_ext_line(struct smtp_client *c, const char *s, size_t len)
{
    static const struct {
        const char *name;
        enum smtp_client_ext ext;
    } exts[] = {
        {"PIPELINING", SMTP_EXT_PIPELINING},
        {"SIZE", SMTP_EXT_SIZE},
        {"8BITMIME", SMTP_EXT_8BITMIME},
        {"SMTPUTF8", SMTP_EXT_SMTPUTF8},
        {"STARTTLS", SMTP_EXT_STARTTLS},
        {"ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES},
        {"AUTH", SMTP_EXT_AUTH},
        {"CHUNKING", SMTP_EXT_CHUNKING},
        {"DSN", SMTP_EXT_DSN},
    };
    size_t klen = 0;

    while (klen < len && s[klen] != ' ' && s[klen] != '=')
        klen++;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (strlen(exts[i].name) != klen || strncasecmp(exts[i].name, s, klen) != 0)
            continue;
        c->exts |= (unsigned)exts[i].ext;
        if (exts[i].ext == SMTP_EXT_SIZE && klen < len) {
            uint64_t n = 0;
            for (size_t k = klen + 1; k < len && s[k] >= '0' && s[k] <= '9'; k++)
                n = n > UINT64_MAX / 10 - 1 ? UINT64_MAX : n * 10 + (uint64_t)(s[k] - '0');
            c->max_size = n;
        }
    }
}

/* smtp_client_parse_ehlo - extensions from the lines after the first */
static void
smtp_client_parse_ehlo(struct smtp_client *c, const struct smtp_reply *r)
{
    const char *p = strchr(r->text, '\n');

    c->exts = 0;
    c->max_size = 0;
    while (p != NULL) {
        p++;
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        smtp_client_ext_line(c, p, len);
        p = nl;
    }
}

/* smtp_client_dispatch - match one reply with the oldest written command */
static void
smtp_client_dispatch(struct smtp_client *c, const struct smtp_reply *r)
{
    struct smtp_client_item *it = c->head;

    while (it != NULL && (it->is_content || !it->written))
        it = it->next;
    if (it == NULL) {
        smtp_client_fail(c, "reply without a command");
        return;
    }
    enum smtp_client_cmd cmd = it->cmd;
    void *user = it->user;
    smtp_client_unlink(c, it);
    if (cmd == SMTP_CLIENT_EHLO && r->code == 250)
        smtp_client_parse_ehlo(c, r);
    else if (cmd == SMTP_CLIENT_HELO && r->code == 250)
        c->exts = 0;
    if (cmd == SMTP_CLIENT_DATA) {
        c->in_data = r->code == 354;
        c->data_refused = r->code != 354;
        c->refusal = *r;
    }
    c->hooks.reply(c->ctx, cmd, r, user);
    smtp_client_flush(c);
}

void
smtp_client_feed(struct smtp_client *c, const char *data, size_t len)
{
    while (len > 0 && !c->failed) {
        long n = smtp_reply_parser_feed(c->parser, data, len, &c->reply);
        if (n < 0) {
            smtp_client_fail(c, "malformed reply");
            return;
        }
        if (n == 0)
            return;
        data += n;
        len -= (size_t)n;
        struct smtp_reply r = c->reply;
        smtp_client_dispatch(c, &r);
    }
}
