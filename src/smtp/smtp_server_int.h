/*
 * smtp_server_int - the server's internals, shared by smtp_server.c (input, replies, decisions),
 * smtp_server_cmd.c (the command table), smtp_data.c (the DATA byte machine) and smtp_auth.c
 * (the AUTH exchange). Not for use outside src/smtp.
 */
#ifndef SW_SMTP_SMTP_SERVER_INT_H
#define SW_SMTP_SMTP_SERVER_INT_H

#include "smtp/smtp_server.h"
#include "util/buf.h"

/* RFC 4954 4: an AUTH line may be 12288 octets */
#define SMTP_AUTH_LINE_MAX 12288
/* what a client may send while a decision is pending, beyond one line */
#define SMTP_PENDING_INPUT_MAX (64 * 1024)
/* bytes taken from one smtp_server_feed() call at a time */
#define SMTP_FEED_CHUNK (64 * 1024)

enum smtp_pending {
    SMTP_PEND_NONE,
    SMTP_PEND_HELO,
    SMTP_PEND_AUTH,
    SMTP_PEND_MAIL,
    SMTP_PEND_RCPT,
    SMTP_PEND_DATA,
    SMTP_PEND_DATA_END,
};

/* where the DATA machine is within a line */
enum smtp_data_pos {
    SMTP_DATA_BOL,    /* at the start of a line */
    SMTP_DATA_DOT,    /* a line began with "." */
    SMTP_DATA_DOT_CR, /* a line began with ".\r" */
    SMTP_DATA_TEXT,   /* inside a line */
    SMTP_DATA_CR,     /* a CR was seen inside a line */
};

struct smtp_data_state {
    enum smtp_data_pos pos;
    bool clean;      /* the current line was preceded by a real CRLF (or by DATA) */
    size_t line_len; /* octets of the current line so far, as received */
    enum smtp_data_error failed;
    bool cr_held;   /* a CR ended the last feed: not emitted until we know what follows */
    bool bare_seen; /* reported to hooks->violation */
    bool nul_seen;
};

enum smtp_auth_step {
    SMTP_AUTH_NONE,
    SMTP_AUTH_PLAIN_WAIT, /* 334 sent, waiting for the PLAIN response */
    SMTP_AUTH_LOGIN_USER, /* 334 Username sent */
    SMTP_AUTH_LOGIN_PASS, /* 334 Password sent */
};

struct smtp_server {
    struct smtp_server_config cfg;
    char *hostname;
    struct smtp_server_hooks hooks;
    void *ctx;

    enum smtp_server_state state;
    enum smtp_server_state auth_return; /* state to go back to after AUTH */
    struct smtp_session_info info;
    bool greeted;
    bool early_talk; /* bytes arrived before the greeting */
    bool tls_wait;   /* STARTTLS answered, waiting for smtp_server_tls_started() */
    bool pipelining; /* PIPELINING was offered in the current EHLO */
    bool smtputf8;   /* the current MAIL had SMTPUTF8 */
    bool in_loop;    /* the input loop runs (re-entrancy guard) */
    bool asked;      /* the current command went to a hook */
    unsigned errors;

    struct buf in;    /* received, not yet parsed */
    size_t in_off;    /* parsed up to here */
    size_t feed_rest; /* bytes of the current feed call not yet put in `in` */
    bool discarding;  /* dropping the rest of an over-long command line */
    bool discard_cr;  /* the last discarded byte was CR */
    struct buf out;   /* reply formatting scratch */

    enum smtp_pending pending;
    enum smtp_verb pend_verb;
    char pend_name[256]; /* HELO argument while pending */
    bool pend_esmtp;
    struct smtp_path pend_path; /* MAIL/RCPT path while pending */

    struct smtp_data_state data;

    enum smtp_auth_step auth_step;
    char auth_mech[16];
    char auth_user[256];
    char auth_authzid[256];
};

/* smtp_server.c */
void smtp_server_reply(struct smtp_server *s, int code, const char *enh, const char *text);
void smtp_server_reply_r(struct smtp_server *s, const struct smtp_reply *r);
void smtp_server_error(struct smtp_server *s, int code, const char *enh, const char *text);
void smtp_server_error_r(struct smtp_server *s, const struct smtp_reply *r);
/* smtp_server_fatal - send a last reply and close; why is a static token for hooks->close */
void smtp_server_fatal(struct smtp_server *s, int code, const char *enh, const char *text,
                       const char *why);
void smtp_server_violation(struct smtp_server *s, const char *what);
void smtp_server_enter(struct smtp_server *s, enum smtp_server_state st);
size_t smtp_server_buffered(const struct smtp_server *s);
void smtp_server_ask(struct smtp_server *s, enum smtp_pending what, enum smtp_verb verb);
bool smtp_server_check_group(struct smtp_server *s, enum smtp_verb verb, bool must_end);
void smtp_server_reset_transaction(struct smtp_server *s, bool notify);

/* smtp_server_cmd.c */
void smtp_server_cmd_line(struct smtp_server *s, const char *line, size_t len);
void smtp_server_cmd_decided(struct smtp_server *s, enum smtp_pending what,
                             const struct smtp_reply *r);
void smtp_server_ehlo_reply(struct smtp_server *s);

/* smtp_data.c */
void smtp_data_begin(struct smtp_server *s);
void smtp_data_decided(struct smtp_server *s, const struct smtp_reply *r);
/* smtp_data_feed - run the DATA machine over data; returns the octets consumed. Stops right
 * after the terminating ".\r\n" (and then has ended the message). */
size_t smtp_data_feed(struct smtp_server *s, const char *data, size_t len);

/* smtp_auth.c */
void smtp_auth_start(struct smtp_server *s, const char *args, size_t len);
void smtp_auth_line(struct smtp_server *s, const char *line, size_t len);
void smtp_auth_decided(struct smtp_server *s, const struct smtp_reply *r);
void smtp_auth_wipe(struct smtp_server *s);
int smtp_auth_b64_decode(const char *in, size_t len, char *out, size_t outmax, size_t *outlen);

#endif
