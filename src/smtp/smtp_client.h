/*
 * smtp_client - the client side of ESMTP as a pure state machine, for the gateway's upstream
 * leg (and anything else that must speak to a mail server). Bytes from the server in, commands
 * out, one reply callback per command in the order they were issued.
 *
 * Usage: create, feed the server's bytes; the greeting arrives as a reply to SMTP_CLIENT_GREETING.
 * Then issue commands (ehlo, starttls, mail, rcpt, data, rset, quit). Commands may be issued
 * without waiting for earlier replies (the client queues them); they are written at once when
 * the server offered PIPELINING and the command may be pipelined (RFC 2920), else after the
 * previous reply. Message content is written with smtp_client_content() after DATA's 354 and
 * is dot-stuffed and given CRLF line ends by the client; smtp_client_content_end() sends the
 * final ".". Extensions seen in the EHLO reply are available with smtp_client_has().
 *
 * A reply that breaks the protocol (malformed, unexpected) is reported once with code 0 to
 * hooks->error; the owner should drop the connection. Not thread-safe; one owner.
 */
#ifndef SW_SMTP_SMTP_CLIENT_H
#define SW_SMTP_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_reply.h"

enum smtp_client_cmd {
    SMTP_CLIENT_GREETING,
    SMTP_CLIENT_EHLO,
    SMTP_CLIENT_HELO,
    SMTP_CLIENT_STARTTLS,
    SMTP_CLIENT_MAIL,
    SMTP_CLIENT_RCPT,
    SMTP_CLIENT_DATA,
    SMTP_CLIENT_DATA_END, /* the reply to the final "." */
    SMTP_CLIENT_RSET,
    SMTP_CLIENT_QUIT,
};

enum smtp_client_ext {
    SMTP_EXT_PIPELINING = 1 << 0,
    SMTP_EXT_SIZE = 1 << 1,
    SMTP_EXT_8BITMIME = 1 << 2,
    SMTP_EXT_SMTPUTF8 = 1 << 3,
    SMTP_EXT_STARTTLS = 1 << 4,
    SMTP_EXT_ENHANCEDSTATUSCODES = 1 << 5,
    SMTP_EXT_AUTH = 1 << 6,
    SMTP_EXT_CHUNKING = 1 << 7,
    SMTP_EXT_DSN = 1 << 8,
};

struct smtp_client_hooks {
    void (*send)(void *ctx, const char *data, size_t len); /* bytes for the server */
    /* the reply to a command (cmd tells which; user is the value given when it was issued) */
    void (*reply)(void *ctx, enum smtp_client_cmd cmd, const struct smtp_reply *r, void *user);
    /* the server broke the protocol; what = a short description */
    void (*error)(void *ctx, const char *what);
};

struct smtp_client;

struct smtp_client *smtp_client_new(const struct smtp_client_hooks *hooks, void *ctx);
struct smtp_client *smtp_client_free(struct smtp_client *c);

/* smtp_client_feed - bytes from the server; may call hooks before returning */
void smtp_client_feed(struct smtp_client *c, const char *data, size_t len);

/* Commands. `params` is the ESMTP parameter string ("SIZE=123 BODY=8BITMIME"), or NULL. */
void smtp_client_ehlo(struct smtp_client *c, const char *name, void *user);
void smtp_client_helo(struct smtp_client *c, const char *name, void *user);
void smtp_client_starttls(struct smtp_client *c, void *user);
void smtp_client_mail(struct smtp_client *c, const char *from, const char *params, void *user);
void smtp_client_rcpt(struct smtp_client *c, const char *to, const char *params, void *user);
void smtp_client_data(struct smtp_client *c, void *user);
void smtp_client_rset(struct smtp_client *c, void *user);
void smtp_client_quit(struct smtp_client *c, void *user);

/* smtp_client_content - message content (CRLF or LF line ends); only after DATA's 354 */
void smtp_client_content(struct smtp_client *c, const char *data, size_t len);
/* smtp_client_content_end - terminate the content (adds CRLF if the last line lacks one) */
void smtp_client_content_end(struct smtp_client *c, void *user);

/* smtp_client_tls_started - after the STARTTLS handshake: extensions are forgotten (EHLO again) */
void smtp_client_tls_started(struct smtp_client *c);

bool smtp_client_has(const struct smtp_client *c, enum smtp_client_ext ext);
/* smtp_client_max_size - SIZE announced by the server, 0 if none */
uint64_t smtp_client_max_size(const struct smtp_client *c);
/* smtp_client_pending - commands issued and not yet answered */
unsigned smtp_client_pending(const struct smtp_client *c);
const char *smtp_client_cmd_name(enum smtp_client_cmd cmd);

#endif
