/*
 * sensor_smtp - passive SMTP for one TCP flow: both directions of a reassembled session in,
 * one record per mail transaction and session events out.
 *
 * Feed it what reassembly delivers: sensor_smtp_data() with the in-order bytes of a direction
 * (0 = client to server, 1 = server to client) in any split (a byte at a time gives the same
 * records), sensor_smtp_gap() when bytes of a direction were lost, sensor_smtp_end() once when
 * the flow is over. Nothing here knows about packets, so tests and other sources drive it alike.
 *
 * Commands are queued and matched to replies in order (PIPELINING groups, multi-line replies,
 * the 354 of DATA, BDAT chunks and LAST, AUTH exchanges); a reply that comes before its
 * command waits for it, junk is reported and skipped. Client bytes sent after a command that
 * needs an answer first (DATA, STARTTLS, an AUTH step) are held until that answer, bounded.
 * After a gap the queue is dropped and parsing resumes at the next client command line.
 *
 * A record (struct sensor_smtp_record) carries Zeek smtp.log's fields where we have them, with
 * Zeek's meanings (docs/sensor.md, "Passive SMTP"): first_received is the LAST Received header
 * of the message and second_received the one above it, as Zeek's script assigns them; path is
 * resp_h, orig_h (when set with sensor_smtp_set_endpoints) and then one address per Received
 * header, consecutive repeats dropped. Records go out when the final reply to the message
 * arrives, when a transaction is abandoned (RSET, a new MAIL) and at the end of the flow; after
 * STARTTLS is accepted (tls = true) and for implicit TLS (ClientHello version and SNI only).
 *
 * AUTH PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 are decoded for the user name. A password is never
 * stored: only that one went in the clear (auth_cleartext) and, when the options give a salt,
 * HMAC-SHA-256(salt, password) in hex, so an analyst can tell which accounts were exposed.
 *
 * The message (DATA dot-unstuffed, BDAT chunks as sized) goes to the content engine given in
 * the options (shared, immutable; NULL for none) through one content_scan per flow, created at
 * the first message. Memory per flow is bounded by the options (lines, held bytes, recipients,
 * header bytes, queued commands); passing a bound is an anomaly event, never an error.
 *
 * Strings in a record or an event live during the callback only. Not thread-safe: one object
 * per flow, one thread.
 */
#ifndef SW_SENSOR_SMTP_H
#define SW_SENSOR_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/content_scan.h"

struct sensor_smtp_options {
    const struct content_engine *content; /* NULL: no content scan */
    size_t max_line;                      /* bytes of a command or reply line; default 4096 */
    size_t max_hold;         /* client bytes held while an answer is awaited; default 65536 */
    size_t max_rcpts;        /* recipients kept per transaction; default 100 */
    size_t max_header_bytes; /* header section kept for the fields; default 65536 */
    size_t max_list;         /* To, Cc, Received path entries kept; default 100 */
    size_t max_pending;      /* commands awaiting a reply; default 128 */
    const uint8_t *pw_salt;  /* non-NULL: report HMAC-SHA-256(salt, password) */
    size_t pw_salt_len;
    bool implicit_tls; /* the port says TLS from the first byte (465) */
};

/* sensor_smtp_options_default - the defaults above, no engine, no salt */
struct sensor_smtp_options sensor_smtp_options_default(void);

enum sensor_smtp_auth_outcome {
    SENSOR_SMTP_AUTH_NONE,    /* no AUTH */
    SENSOR_SMTP_AUTH_UNKNOWN, /* no final reply seen */
    SENSOR_SMTP_AUTH_SUCCESS, /* 235 */
    SENSOR_SMTP_AUTH_FAILURE, /* 4xx/5xx, or cancelled */
};

/* sensor_smtp_auth_outcome_name - "none", "unknown", "success", "failure" */
const char *sensor_smtp_auth_outcome_name(enum sensor_smtp_auth_outcome o);

struct sensor_smtp_rcpt {
    const char *addr; /* address as in RCPT TO, without <> */
    int code;         /* the reply, 0 when none was seen */
};

/* One transaction. A string is NULL when unset (Zeek's "-"). */
struct sensor_smtp_record {
    /* the caller's, copied from sensor_smtp_set_endpoints() */
    uint64_t ts_us; /* time of the first client command of the transaction */
    const char *uid;
    const char *orig_h, *resp_h;
    uint16_t orig_p, resp_p;
    /* ours */
    unsigned trans_depth; /* Zeek's: messages answered in the flow before this one began, + 1 */
    const char *helo;
    const char *mailfrom; /* "" for the null path <> */
    int mail_code;
    const struct sensor_smtp_rcpt *rcptto;
    size_t nrcptto;
    size_t rcpts_dropped; /* past max_rcpts */
    const char *date, *from;
    const char *const *to;
    size_t nto;
    const char *const *cc;
    size_t ncc;
    const char *reply_to, *msg_id, *in_reply_to;
    const char *subject; /* RFC 2047 decoded, clean UTF-8 */
    const char *x_originating_ip;
    const char *first_received, *second_received;
    const char *last_reply; /* "250 2.0.0 Ok: queued", the last line of the last reply */
    const char *const *path;
    size_t npath;
    const char *user_agent;  /* User-Agent, X-Mailer or X-User-Agent */
    bool tls;                /* STARTTLS accepted, or implicit TLS */
    const char *tls_version; /* implicit TLS: highest offered in the ClientHello ("TLSv1.3") */
    const char *tls_sni;
    const char *auth_user, *auth_mech;
    bool auth_cleartext;      /* a password (or bearer token) crossed the wire in the clear */
    const char *auth_pw_hash; /* hex HMAC-SHA-256(salt, password), NULL without a salt */
    enum sensor_smtp_auth_outcome auth_outcome;
    bool bdat;                            /* the message came in BDAT chunks */
    bool has_message;                     /* DATA accepted or a BDAT chunk sent */
    bool message_complete;                /* end of data / BDAT LAST seen with no byte lost */
    uint64_t msg_size;                    /* message bytes (after dot-unstuffing) */
    uint64_t gap_bytes;                   /* message bytes lost */
    const struct content_report *content; /* NULL without an engine or a message */
};

enum sensor_smtp_event_type {
    SENSOR_SMTP_EV_AUTH_CLEARTEXT, /* user, mech */
    SENSOR_SMTP_EV_STARTTLS,       /* the server accepted STARTTLS */
    SENSOR_SMTP_EV_TLS,            /* implicit TLS ClientHello: tls_version, tls_sni */
    SENSOR_SMTP_EV_GAP,            /* dir, bytes */
    SENSOR_SMTP_EV_ANOMALY,        /* dir, name */
};

/* sensor_smtp_event_name - "auth_cleartext", "starttls", "tls", "gap", "anomaly" */
const char *sensor_smtp_event_name(enum sensor_smtp_event_type t);

struct sensor_smtp_event {
    enum sensor_smtp_event_type type;
    uint64_t ts_us;
    int dir;
    uint64_t bytes;   /* GAP */
    const char *name; /* ANOMALY: "line_too_long", "unexpected_reply", ... */
    const char *user; /* AUTH_CLEARTEXT */
    const char *mech;
    const char *tls_version; /* TLS */
    const char *tls_sni;
};

struct sensor_smtp_callbacks {
    void (*record)(void *ctx, const struct sensor_smtp_record *r);
    void (*event)(void *ctx, const struct sensor_smtp_event *ev);
};

struct sensor_smtp;

/* sensor_smtp_new - state for one flow; opt NULL = defaults; opt and cb are copied, the engine
 * must outlive the object */
struct sensor_smtp *sensor_smtp_new(const struct sensor_smtp_options *opt,
                                    const struct sensor_smtp_callbacks *cb, void *ctx);
/* sensor_smtp_free - without sensor_smtp_end() pending records are dropped; NULL ok */
struct sensor_smtp *sensor_smtp_free(struct sensor_smtp *s);

/* sensor_smtp_set_endpoints - the caller's slots of every record (strings copied; NULL ok) */
void sensor_smtp_set_endpoints(struct sensor_smtp *s, const char *uid, const char *orig_h,
                               uint16_t orig_p, const char *resp_h, uint16_t resp_p);

/* sensor_smtp_data - in-order bytes of direction dir (0 client->server, 1 server->client) */
void sensor_smtp_data(struct sensor_smtp *s, int dir, const uint8_t *bytes, size_t len,
                      uint64_t ts_us);
/* sensor_smtp_gap - bytes_lost bytes of direction dir were never seen */
void sensor_smtp_gap(struct sensor_smtp *s, int dir, uint64_t bytes_lost, uint64_t ts_us);
/* sensor_smtp_end - the flow is over: what is pending goes out; then only free */
void sensor_smtp_end(struct sensor_smtp *s, uint64_t ts_us);

/* sensor_smtp_mem - bytes this flow's state holds (for sensor_flow's app_mem), the content
 * scans excluded: they are bounded by the engine's own limits */
size_t sensor_smtp_mem(const struct sensor_smtp *s);

/* sensor_smtp_is_encrypted - STARTTLS accepted or implicit TLS: no content follows */
bool sensor_smtp_is_encrypted(const struct sensor_smtp *s);

/* sensor_smtp_detect - SMTP by content on any port: the server's first bytes are a 220
 * greeting line and the client's first line is EHLO or HELO */
bool sensor_smtp_detect(const uint8_t *server_first, size_t n, const uint8_t *client_first,
                        size_t m);

#endif
