/*
 * sensor_smtp_int - the state shared by sensor_smtp.c (streams, lines, gaps, TLS),
 * sensor_smtp_cmd.c (commands, replies, AUTH) and sensor_smtp_msg.c (transactions, the
 * message, records). Internal to src/sensor.
 */
#ifndef SW_SENSOR_SMTP_INT_H
#define SW_SENSOR_SMTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/content_scan.h"
#include "sensor/sensor_smtp.h"
#include "smtp/smtp_cmd.h"
#include "smtp/smtp_reply.h"
#include "util/buf.h"

enum ss_client_mode {
    SS_CMD,    /* command lines */
    SS_DATA,   /* DATA message, dot-stuffed, up to "." */
    SS_BDAT,   /* a BDAT chunk of `bdat_left` bytes */
    SS_AUTH,   /* the next line answers a 334 */
    SS_RESYNC, /* after a gap: skip to the next command line */
    SS_TLS,    /* encrypted: nothing more to read */
};

enum ss_data_state { SS_BOL, SS_MID, SS_DOT, SS_DOTCR };

enum ss_auth_mech { SS_MECH_OTHER, SS_MECH_PLAIN, SS_MECH_LOGIN, SS_MECH_CRAM, SS_MECH_XOAUTH2 };

enum ss_pending_kind { SS_P_CMD, SS_P_EOD, SS_P_AUTH };

struct ss_txn {
    struct ss_txn *next;
    unsigned refs; /* pending replies that belong to it */
    bool closed;   /* no more commands belong to it */
    bool emitted;
    uint64_t ts_us;
    unsigned depth;
    char *mailfrom;
    int mail_code;
    struct sensor_smtp_rcpt *rcpts; /* addr owned (cast away const on free) */
    size_t nrcpts, rcpts_dropped;
    struct buf hdr; /* the header section, bounded */
    bool hdr_done;  /* the blank line was seen */
    bool hdr_bol;   /* at the start of a header line */
    bool hdr_cr;    /* a CR at the start of a line */
    bool bdat, has_message, message_ended, message_complete;
    uint64_t msg_size, gap_bytes;
    char *last_reply;
    struct content_scan *scan; /* after its message: the scan whose report is this one's */
    const struct content_report *report;
    bool tls;
};

struct ss_pending {
    enum ss_pending_kind kind;
    enum smtp_verb verb;
    struct ss_txn *txn; /* NULL for session commands */
    size_t rcpt;        /* RCPT: index in txn->rcpts, SIZE_MAX when not kept */
    bool last;          /* BDAT LAST */
};

struct ss_orphan {
    int code;
    char *line;
};

#define SS_MAX_ORPHANS 8

struct sensor_smtp {
    struct sensor_smtp_options opt;
    struct sensor_smtp_callbacks cb;
    void *ctx;
    uint64_t now;
    bool ended;

    /* the caller's slots */
    char *uid, *orig_h, *resp_h;
    uint16_t orig_p, resp_p;

    /* streams */
    struct buf line[2];
    bool line_skip[2]; /* a line passed max_line: drop until LF */
    bool seen[2];      /* a byte of that direction arrived */
    enum ss_client_mode mode;
    enum ss_data_state dstate;
    uint64_t bdat_left;
    bool bdat_last;
    bool resync_in_message; /* resync: a "." ends the message */
    struct buf hold;
    bool holding;
    bool drop_replies; /* after a gap, until the next client command */

    /* replies */
    struct smtp_reply_parser *rp;
    struct smtp_reply reply;
    char *reply_last; /* last line of the reply being assembled */
    bool greeted;
    struct ss_pending *queue;
    size_t qhead, qlen;
    struct ss_orphan orphans[SS_MAX_ORPHANS];
    size_t norphans;

    /* session facts */
    char *helo;
    char *auth_user, *auth_mech, *auth_hash;
    bool auth_cleartext;
    enum sensor_smtp_auth_outcome auth_outcome;
    enum ss_auth_mech mech;
    int login_step; /* LOGIN: 0 user next, 1 password next */
    bool tls, implicit;
    bool tls_done;
    struct buf tls_buf;
    char *tls_version, *tls_sni;
    bool auth_pending_record; /* AUTH seen with no transaction after it */
    unsigned messages;        /* final replies to messages seen (Zeek's messages_transferred) */

    /* transactions, oldest first; cur receives commands */
    struct ss_txn *txns, *cur, *msg; /* msg: the one whose message is streaming */
    struct content_scan *scan;       /* the message being read */
    struct content_scan *spare;      /* an idle scan kept for the next message */
    size_t held;                     /* scans held by transactions awaiting their final reply */
};

/* Scans kept for pipelined transactions whose final reply is still to come; past this the
 * oldest transaction goes out without waiting. */
#define SS_MAX_HELD_SCANS 4

/* sensor_smtp.c */
void ss_anomaly(struct sensor_smtp *s, int dir, const char *name);
void ss_event(struct sensor_smtp *s, const struct sensor_smtp_event *ev);
void ss_client_feed(struct sensor_smtp *s, const uint8_t *p, size_t n);
void ss_hold_release(struct sensor_smtp *s);
void ss_set_str(char **dst, const char *src, size_t len);

/* sensor_smtp_cmd.c */
void ss_command_line(struct sensor_smtp *s, const char *line, size_t len);
void ss_auth_line(struct sensor_smtp *s, const char *line, size_t len);
void ss_reply(struct sensor_smtp *s, const struct smtp_reply *r, const char *last_line);
void ss_queue_clear(struct sensor_smtp *s);
bool ss_is_resync_command(const char *line, size_t len);
void ss_push_eod(struct sensor_smtp *s, struct ss_txn *t);

/* sensor_smtp_msg.c */
struct ss_txn *ss_txn_open(struct sensor_smtp *s);
void ss_txn_close(struct sensor_smtp *s, struct ss_txn *t);
void ss_txn_flush(struct sensor_smtp *s, bool all);
void ss_txn_free_all(struct sensor_smtp *s);
void ss_message_begin(struct sensor_smtp *s, bool bdat);
void ss_message_bytes(struct sensor_smtp *s, const uint8_t *p, size_t n);
void ss_message_end(struct sensor_smtp *s, bool complete, bool eod);
void ss_message_abort(struct sensor_smtp *s);
void ss_emit_session_record(struct sensor_smtp *s);

#endif
