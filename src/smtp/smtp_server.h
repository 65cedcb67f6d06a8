/*
 * smtp_server - the server side of ESMTP (RFC 5321) as a pure state machine: bytes in,
 * replies out, hooks at each phase. No sockets, no clock, no policy.
 *
 * The owner feeds client bytes with smtp_server_feed() and receives bytes to send through
 * hooks->send. At each phase that needs a decision (connect, HELO/EHLO, AUTH, MAIL, RCPT, DATA,
 * end of data) the server calls the matching hook and *suspends* until the owner answers with
 * smtp_server_decide() — at once, from inside the hook, or later (after a DNS lookup, after the
 * next hop answered). While suspended, fed bytes are only buffered (bounded), never parsed. A
 * NULL hook means "accept with the default reply".
 *
 * Security rules enforced here (they must not depend on the next hop):
 *   - only CRLF.CRLF ends DATA; bare CR or bare LF in commands or data is refused (the
 *     transaction fails with 550 5.5.2 and the connection is closed after the reply, so
 *     nothing after an ambiguous line ending is ever read as a command), or — by choice —
 *     normalised to CRLF, in which case a "." line ended by anything but CRLF is content, not
 *     the end of the message;
 *   - bytes before the greeting, and pipelining when PIPELINING was not offered (or after a
 *     command that must end a group: EHLO, HELO, DATA, STARTTLS, AUTH, QUIT, NOOP...), get
 *     554 5.5.0 and the connection is closed;
 *   - STARTTLS discards nothing silently: buffered plaintext after STARTTLS is a violation;
 *   - command lines over max_command_line octets: 500 5.5.2; text lines over max_text_line:
 *     the message is refused with 552 5.5.2 at its end; message over max_message_size (also
 *     when announced with MAIL SIZE=): 552 5.3.4; recipients over max_recipients: 452 4.5.3;
 *     more than max_errors errors: 421 4.7.0 and close.
 *
 * DATA content reaches hooks->content dot-unstuffed, with CRLF line ends, in spans of any size;
 * the terminating "." line is not included. With NORMALISE, a "." line not framed by real CRLFs
 * is delivered as the content line "." (the client leg re-stuffs it). After hooks->data_failed
 * the transaction is over (hooks->reset is not called as well).
 *
 * Errors counted toward max_errors (0 = no limit): unknown or unimplemented commands, syntax
 * and sequence errors (500/501/502/503/504/555), and refused or cancelled AUTH attempts.
 * AUTH is offered only when cfg.auth is set *and* hooks->auth is not NULL (no hook never means
 * "accept any password"). smtp_server_feed() must not be called from inside a hook.
 *
 * Memory: the server owns its buffers; strings passed to hooks are valid during the call only
 * (copy what you keep), except those in smtp_server_session(), valid until the next state change.
 * Not thread-safe; one owner. Free with smtp_server_free() (not from inside a hook: call
 * smtp_server_close() or wait for hooks->close).
 */
#ifndef SW_SMTP_SMTP_SERVER_H
#define SW_SMTP_SMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_cmd.h"
#include "smtp/smtp_reply.h"

struct smtp_server;

enum smtp_bare_eol {
    SMTP_BARE_EOL_REJECT,    /* default: refuse the message, reply, close */
    SMTP_BARE_EOL_NORMALISE, /* treat bare LF / bare CR as CRLF inside content */
};

struct smtp_server_config {
    const char *hostname;      /* in the greeting and EHLO reply */
    size_t max_command_line;   /* octets including CRLF; default 512 */
    size_t max_text_line;      /* octets including CRLF; default 1000 */
    uint64_t max_message_size; /* octets of content; 0 = unlimited; announced in SIZE */
    unsigned max_recipients;   /* default 100 */
    unsigned max_errors;       /* default 10 */
    enum smtp_bare_eol bare_eol;
    bool pipelining;        /* offer PIPELINING (default true) */
    bool starttls;          /* offer STARTTLS (when not already in TLS) */
    bool auth;              /* offer AUTH PLAIN LOGIN */
    bool auth_requires_tls; /* AUTH only after TLS; 530 5.7.0 before */
    bool tls_active;        /* the connection starts in TLS (implicit TLS listener) */
};

/* smtp_server_config_defaults - fill defaults (hostname "localhost") */
void smtp_server_config_defaults(struct smtp_server_config *cfg);

enum smtp_server_state {
    SMTP_STATE_GREETING, /* before the greeting was sent */
    SMTP_STATE_INIT,     /* greeted, waiting for HELO/EHLO */
    SMTP_STATE_READY,    /* HELO/EHLO done, no transaction */
    SMTP_STATE_MAIL,     /* MAIL accepted */
    SMTP_STATE_RCPT,     /* at least one RCPT accepted */
    SMTP_STATE_DATA,     /* reading message content */
    SMTP_STATE_AUTH,     /* in an AUTH exchange */
    SMTP_STATE_CLOSED,   /* QUIT or a fatal error: nothing more is read */
};

/* The facts of the session and the current transaction (for hooks and events). */
struct smtp_session_info {
    char helo[256];
    bool esmtp;
    bool tls;
    char auth_user[256]; /* "" when not authenticated */
    char auth_mech[16];
    struct smtp_path mail_from; /* valid in MAIL/RCPT/DATA */
    unsigned nrcpt;             /* accepted recipients */
    uint64_t data_bytes;        /* content octets so far (after unstuffing) */
    unsigned transactions;      /* completed end-of-data verdicts */
};

/* What an AUTH exchange produced; the password is wiped after the hook returns. */
struct smtp_auth_request {
    const char *mech;    /* "PLAIN" or "LOGIN" */
    const char *authzid; /* PLAIN authorisation identity, "" if none */
    const char *user;
    const char *password; /* NUL-terminated; never log it */
};

/* Why a message failed at end of data, before the hook (the hook is not called then). */
enum smtp_data_error {
    SMTP_DATA_OK,
    SMTP_DATA_TOO_BIG,
    SMTP_DATA_LINE_TOO_LONG,
    SMTP_DATA_BARE_EOL,
    SMTP_DATA_NUL, /* a NUL octet (REJECT mode; NORMALISE drops it) */
};

struct smtp_server_hooks {
    /* bytes to send to the client (required) */
    void (*send)(void *ctx, const char *data, size_t len);
    /* the session is over: after QUIT's 221 or a fatal 421/554; the owner closes the socket
     * once the sent bytes are flushed (required) */
    void (*close)(void *ctx, const char *why);
    /* start TLS now: the 220 reply to STARTTLS has been sent; call smtp_server_tls_started()
     * when the handshake completes (required when cfg.starttls) */
    void (*starttls)(void *ctx);

    /* decisions: call smtp_server_decide() (now or later); NULL = default accept */
    void (*helo)(void *ctx, const char *name, bool esmtp);
    void (*auth)(void *ctx, const struct smtp_auth_request *req);
    void (*mail)(void *ctx, const struct smtp_path *from);
    void (*rcpt)(void *ctx, const struct smtp_path *to);
    void (*data)(void *ctx);     /* DATA command: decide 354 or refuse */
    void (*data_end)(void *ctx); /* end of a well-formed message: decide 250 or not */

    /* notifications (no decision) */
    void (*content)(void *ctx, const char *data, size_t len); /* message content span */
    void (*data_failed)(void *ctx, enum smtp_data_error why); /* message refused by the engine */
    void (*reset)(void *ctx); /* transaction aborted (RSET, new EHLO, error) */
    void (*violation)(void *ctx, const char *what); /* protocol anomaly, for events */
};

struct smtp_server *smtp_server_new(const struct smtp_server_config *cfg,
                                    const struct smtp_server_hooks *hooks, void *ctx);
struct smtp_server *smtp_server_free(struct smtp_server *s);

/* smtp_server_greet - send the 220 greeting (or, with code 554/421, refuse the session).
 * Bytes fed before this is called are a pre-greeting violation. */
void smtp_server_greet(struct smtp_server *s, const struct smtp_reply *refuse);

/* smtp_server_feed - bytes from the client; any split. May call hooks before returning. */
void smtp_server_feed(struct smtp_server *s, const char *data, size_t len);

/*
 * smtp_server_decide - answer the pending hook. reply == NULL or reply->code == 0 means the
 * default positive reply. A 2xx/3xx reply advances the state; 4xx/5xx leaves it (a refused
 * RCPT does not count, a refused MAIL keeps READY...). A 421 reply also closes the session.
 * Resumes parsing of buffered input, which may call further hooks before returning.
 */
void smtp_server_decide(struct smtp_server *s, const struct smtp_reply *reply);

/* smtp_server_tls_started - the STARTTLS handshake succeeded: the session is reset to INIT
 * (RFC 3207: forget HELO, AUTH, transaction) and TLS is noted in the session info. */
void smtp_server_tls_started(struct smtp_server *s);

/* smtp_server_shutdown - send a final reply (e.g. 421 4.4.2 idle timeout) and close */
void smtp_server_shutdown(struct smtp_server *s, const struct smtp_reply *reply);
/* smtp_server_close - end the session without a reply (peer gone); calls hooks->close once */
void smtp_server_close(struct smtp_server *s, const char *why);
/* (the `why` given to hooks->close is a static token: quit, too_many_errors, protocol_error,
 * bare_eol, refused, shutdown — valid for the life of the program) */

/* smtp_server_is_pending - a hook is waiting for smtp_server_decide() */
bool smtp_server_is_pending(const struct smtp_server *s);

enum smtp_server_state smtp_server_state(const struct smtp_server *s);
const struct smtp_session_info *smtp_server_session(const struct smtp_server *s);
const char *smtp_server_state_name(enum smtp_server_state st);

#endif
