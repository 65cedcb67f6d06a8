/*
 * sensor_smtp - passive SMTP for one flow: the two byte streams, lines, the dot-stuffed and
 * chunked message, gaps, held client bytes and TLS; see sensor_smtp.h. Commands and replies
 * are in sensor_smtp_cmd.c, transactions and records in sensor_smtp_msg.c.
 */
#include "sensor/sensor_smtp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor/sensor_smtp_int.h"
#include "sensor/sensor_tls.h"
#include "util/mem.h"

struct sensor_smtp_options
sensor_smtp_options_default(void)
{
    struct sensor_smtp_options o = {
        .max_line = 4096,
        .max_hold = 65536,
        .max_rcpts = 100,
        .max_header_bytes = 65536,
        .max_list = 100,
        .max_pending = 128,
    };
    return o;
}

const char *
sensor_smtp_auth_outcome_name(enum sensor_smtp_auth_outcome o)
{
    static const char *const names[] = {"none", "unknown", "success", "failure"};
    return (unsigned)o < 4 ? names[o] : "unknown";
}

const char *
sensor_smtp_event_name(enum sensor_smtp_event_type t)
{
    static const char *const names[] = {"auth_cleartext", "starttls", "tls", "gap", "anomaly"};
    return (unsigned)t < 5 ? names[t] : "unknown";
}

/* opt_or - a configured bound, or its default when 0 */
static size_t
opt_or(size_t v, size_t dflt)
{
    return v != 0 ? v : dflt;
}

struct sensor_smtp *
sensor_smtp_new(const struct sensor_smtp_options *opt, const struct sensor_smtp_callbacks *cb,
                void *ctx)
{
    struct sensor_smtp *s = xcalloc(1, sizeof *s);
    struct sensor_smtp_options d = sensor_smtp_options_default();

    if (opt != NULL) {
        s->opt = *opt;
        s->opt.max_line = opt_or(opt->max_line, d.max_line);
        s->opt.max_hold = opt_or(opt->max_hold, d.max_hold);
        s->opt.max_rcpts = opt_or(opt->max_rcpts, d.max_rcpts);
        s->opt.max_header_bytes = opt_or(opt->max_header_bytes, d.max_header_bytes);
        s->opt.max_list = opt_or(opt->max_list, d.max_list);
        s->opt.max_pending = opt_or(opt->max_pending, d.max_pending);
    } else {
        s->opt = d;
    }
    if (s->opt.max_line > SMTP_REPLY_LINE_MAX - 2)
        s->opt.max_line = SMTP_REPLY_LINE_MAX - 2; /* a reply line must fit the parser */
    if (cb != NULL)
        s->cb = *cb;
    s->ctx = ctx;
    for (int d2 = 0; d2 < 2; d2++)
        buf_init(&s->line[d2], 0);
    buf_init(&s->hold, s->opt.max_hold);
    buf_init(&s->tls_buf, SENSOR_TLS_HELLO_MAX + 64);
    s->rp = smtp_reply_parser_new();
    s->queue = xcalloc(s->opt.max_pending, sizeof *s->queue);
    s->mode = SS_CMD;
    if (s->opt.implicit_tls) {
        s->implicit = s->tls = true;
        s->mode = SS_TLS;
    }
    return s;
}

struct sensor_smtp *
sensor_smtp_free(struct sensor_smtp *s)
{
    if (s == NULL)
        return NULL;
    ss_queue_clear(s);
    ss_txn_free_all(s);
    for (size_t i = 0; i < s->norphans; i++)
        free(s->orphans[i].line);
    for (int d = 0; d < 2; d++)
        buf_release(&s->line[d]);
    buf_release(&s->hold);
    buf_release(&s->tls_buf);
    smtp_reply_parser_free(s->rp);
    content_scan_free(s->scan);
    content_scan_free(s->spare);
    free(s->queue);
    free(s->reply_last);
    free(s->uid);
    free(s->orig_h);
    free(s->resp_h);
    free(s->helo);
    free(s->auth_user);
    free(s->auth_mech);
    free(s->auth_hash);
    free(s->tls_version);
    free(s->tls_sni);
    free(s);
    return NULL;
}

/* ss_set_str - replace *dst by a copy of src[0..len) */
void
ss_set_str(char **dst, const char *src, size_t len)
{
    free(*dst);
    *dst = src != NULL ? xmemdup(src, len) : NULL;
}

void
sensor_smtp_set_endpoints(struct sensor_smtp *s, const char *uid, const char *orig_h,
                          uint16_t orig_p, const char *resp_h, uint16_t resp_p)
{
    ss_set_str(&s->uid, uid, uid != NULL ? strlen(uid) : 0);
    ss_set_str(&s->orig_h, orig_h, orig_h != NULL ? strlen(orig_h) : 0);
    ss_set_str(&s->resp_h, resp_h, resp_h != NULL ? strlen(resp_h) : 0);
    s->orig_p = orig_p;
    s->resp_p = resp_p;
}

size_t
sensor_smtp_mem(const struct sensor_smtp *s)
{
    size_t n = sizeof *s + s->line[0].cap + s->line[1].cap + s->hold.cap + s->tls_buf.cap +
               s->opt.max_pending * sizeof *s->queue;

    for (const struct ss_txn *t = s->txns; t != NULL; t = t->next) {
        n += sizeof *t + t->hdr.cap + t->nrcpts * sizeof *t->rcpts;
        for (size_t i = 0; i < t->nrcpts; i++)
            n += strlen(t->rcpts[i].addr) + 1;
    }
    return n;
}

bool
sensor_smtp_is_encrypted(const struct sensor_smtp *s)
{
    return s->tls;
}

/* ss_event - stamp and deliver one event */
void
ss_event(struct sensor_smtp *s, const struct sensor_smtp_event *ev)
{
    struct sensor_smtp_event e = *ev;

    e.ts_us = s->now;
    if (s->cb.event != NULL)
        s->cb.event(s->ctx, &e);
}

/* ss_anomaly - report a protocol anomaly of one direction */
void
ss_anomaly(struct sensor_smtp *s, int dir, const char *name)
{
    struct sensor_smtp_event ev = {.type = SENSOR_SMTP_EV_ANOMALY, .dir = dir, .name = name};
    ss_event(s, &ev);
}

/* server_line - one server line (no line end) into the reply parser */
static void
server_line(struct sensor_smtp *s, const char *line, size_t len)
{
    char wire[SMTP_REPLY_LINE_MAX + 2];
    long r;

    memcpy(wire, line, len);
    memcpy(wire + len, "\r\n", 2);
    r = smtp_reply_parser_feed(s->rp, wire, len + 2, &s->reply);
    if (r < 0) {
        ss_anomaly(s, 1, "bad_reply");
        smtp_reply_parser_free(s->rp);
        s->rp = smtp_reply_parser_new();
        return;
    }
    if (r > 0)
        ss_reply(s, &s->reply, line);
}

/* resync_line - a client line after a gap: the end of the message, a command, or skipped */
static void
resync_line(struct sensor_smtp *s, const char *line, size_t len)
{
    bool cmd = ss_is_resync_command(line, len);

    if (s->resync_in_message && len == 1 && line[0] == '.') {
        s->mode = SS_CMD;
        ss_message_end(s, false, true);
        return;
    }
    if (!cmd) {
        if (s->resync_in_message) {
            size_t skip = len > 0 && line[0] == '.' ? 1 : 0;
            ss_message_bytes(s, (const uint8_t *)line + skip, len - skip);
            ss_message_bytes(s, (const uint8_t *)"\r\n", 2);
        }
        return;
    }
    s->mode = SS_CMD;
    if (s->resync_in_message) {
        ss_message_end(s, false, false);
        ss_queue_clear(s); /* the end of data was lost with its reply's place */
    }
    s->resync_in_message = false;
    ss_command_line(s, line, len);
}

/* line_done - one complete line of a direction */
static void
line_done(struct sensor_smtp *s, int dir)
{
    struct buf *b = &s->line[dir];
    size_t len = b->len;

    if (len > 0 && b->data[len - 1] == '\r')
        len--;
    b->data[len] = '\0';
    if (dir == 1)
        server_line(s, b->data, len);
    else if (s->mode == SS_AUTH)
        ss_auth_line(s, b->data, len);
    else if (s->mode == SS_RESYNC)
        resync_line(s, b->data, len);
    else
        ss_command_line(s, b->data, len);
    buf_reset(b);
    s->line_skip[dir] = false;
}

/* line_feed - gather bytes into the line of dir; returns bytes used, stopping after a line
 * so that what the line changed (the mode) applies to the next bytes */
static size_t
line_feed(struct sensor_smtp *s, int dir, const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    size_t take = lf != NULL ? (size_t)(lf - p) : n;
    struct buf *b = &s->line[dir];
    size_t room = s->opt.max_line > b->len ? s->opt.max_line - b->len : 0;

    if (take > room) {
        if (!s->line_skip[dir])
            ss_anomaly(s, dir, "line_too_long");
        s->line_skip[dir] = true;
    }
    buf_append(b, p, take < room ? take : room);
    if (lf == NULL)
        return n;
    line_done(s, dir);
    return take + 1;
}

/* data_feed - DATA message bytes: unstuff dots, stop after the "." line */
static size_t
data_feed(struct sensor_smtp *s, const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        switch (s->dstate) {
        case SS_MID: {
            /* one span up to the next line that starts with a dot: the content engine is fed
             * a packet's worth at a time, not a line at a time */
            const uint8_t *dot = p + i, *lf;
            while ((lf = memchr(dot, '\n', (size_t)(p + n - dot))) != NULL && lf + 1 < p + n &&
                   lf[1] != '.')
                dot = lf + 1; /* glibc's memmem is slow on a 2-byte needle; memchr is not */
            dot = lf;
            size_t end = dot != NULL ? (size_t)(dot - p) + 1 : n;
            ss_message_bytes(s, p + i, end - i);
            i = end;
            if (dot != NULL || p[n - 1] == '\n')
                s->dstate = SS_BOL;
            break;
        }
        case SS_BOL:
            if (p[i] == '.') {
                s->dstate = SS_DOT;
                i++;
            } else {
                s->dstate = SS_MID;
            }
            break;
        case SS_DOT:
            if (p[i] == '\r') {
                s->dstate = SS_DOTCR;
                i++;
            } else if (p[i] == '\n') {
                ss_anomaly(s, 0, "bare_lf_end_of_data");
                s->mode = SS_CMD;
                ss_message_end(s, true, true);
                return i + 1;
            } else {
                s->dstate = SS_MID;
            }
            break;
        case SS_DOTCR:
            if (p[i] == '\n') {
                s->mode = SS_CMD;
                ss_message_end(s, true, true);
                return i + 1;
            }
            ss_message_bytes(s, (const uint8_t *)"\r", 1);
            s->dstate = SS_MID;
            break;
        }
    }
    return i;
}

/* bdat_feed - the bytes of a BDAT chunk */
static size_t
bdat_feed(struct sensor_smtp *s, const uint8_t *p, size_t n)
{
    size_t take = s->bdat_left < n ? (size_t)s->bdat_left : n;

    ss_message_bytes(s, p, take);
    s->bdat_left -= take;
    if (s->bdat_left == 0) {
        s->mode = SS_CMD;
        if (s->bdat_last)
            ss_message_end(s, true, false);
    }
    return take;
}

/* ss_client_feed - client bytes in the current mode */
void
ss_client_feed(struct sensor_smtp *s, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t used;

        if (s->holding) {
            if (buf_append(&s->hold, p, n) == 0)
                return;
            /* the answer is late: go on as if it were positive */
            ss_anomaly(s, 0, "hold_overflow");
            ss_hold_release(s);
            continue;
        }
        switch (s->mode) {
        case SS_TLS:
            return;
        case SS_DATA:
            used = data_feed(s, p, n);
            break;
        case SS_BDAT:
            if (s->bdat_left == 0) {
                s->mode = SS_CMD; /* BDAT 0 */
                if (s->bdat_last)
                    ss_message_end(s, true, false);
                continue;
            }
            used = bdat_feed(s, p, n);
            break;
        default:
            used = line_feed(s, 0, p, n);
            break;
        }
        p += used;
        n -= used;
    }
}

/* tls_feed - implicit TLS: read the ClientHello once, then nothing */
static void
tls_feed(struct sensor_smtp *s, const uint8_t *p, size_t n)
{
    struct sensor_tls_hello h;
    int rc;

    if (s->tls_done)
        return;
    if (buf_append(&s->tls_buf, p, n) < 0) {
        ss_anomaly(s, 0, "tls_hello_too_long");
        s->tls_done = true;
        return;
    }
    rc = sensor_tls_client_hello((const uint8_t *)s->tls_buf.data, s->tls_buf.len, &h);
    if (rc == 0)
        return;
    s->tls_done = true;
    buf_release(&s->tls_buf);
    if (rc < 0) {
        ss_anomaly(s, 0, "tls_not_client_hello");
        return;
    }
    const char *v = sensor_tls_version_name(h.version);
    ss_set_str(&s->tls_version, v, strlen(v));
    if (h.has_sni)
        ss_set_str(&s->tls_sni, h.sni, strlen(h.sni));
    struct sensor_smtp_event ev = {
        .type = SENSOR_SMTP_EV_TLS, .tls_version = s->tls_version, .tls_sni = s->tls_sni};
    ss_event(s, &ev);
}

void
sensor_smtp_data(struct sensor_smtp *s, int dir, const uint8_t *bytes, size_t len, uint64_t ts_us)
{
    dir = dir != 0;
    if (s->ended || len == 0)
        return;
    s->now = ts_us;
    if (dir == 0 && !s->seen[0] && !s->tls && bytes[0] == 0x16) {
        /* a TLS record where a command should be: implicit TLS on any port */
        s->implicit = s->tls = true;
        s->mode = SS_TLS;
    }
    s->seen[dir] = true;
    if (s->implicit) {
        if (dir == 0)
            tls_feed(s, bytes, len);
        return;
    }
    if (s->mode == SS_TLS)
        return;
    if (dir == 0) {
        ss_client_feed(s, bytes, len);
        return;
    }
    while (len > 0 && s->mode != SS_TLS) {
        size_t used = line_feed(s, 1, bytes, len);
        bytes += used;
        len -= used;
    }
}

/* client_gap - lost client bytes: the message loses them, commands resynchronise */
static void
client_gap(struct sensor_smtp *s, uint64_t lost)
{
    buf_reset(&s->hold);
    s->holding = false;
    switch (s->mode) {
    case SS_BDAT:
        if (lost < s->bdat_left) {
            s->bdat_left -= lost;
            if (s->msg != NULL)
                s->msg->gap_bytes += lost;
            return;
        }
        break;
    default:
        break;
    }
    if (s->mode == SS_DATA || s->mode == SS_BDAT) {
        /* a BDAT chunk longer than what is left: its end and the next commands are lost */
        s->resync_in_message = s->mode == SS_DATA;
        if (s->msg != NULL)
            s->msg->gap_bytes += s->mode == SS_BDAT ? s->bdat_left : lost;
        if (s->mode == SS_BDAT)
            ss_message_abort(s);
        s->drop_replies = true; /* the reply to a lost end of data has no place */
    } else if (s->mode == SS_RESYNC && s->resync_in_message) {
        if (s->msg != NULL)
            s->msg->gap_bytes += lost;
    } else {
        /* commands were lost: the queue keeps those seen before the hole, whose replies are
         * still to come; what answers the lost ones is dropped once it is empty */
        s->resync_in_message = false;
        s->drop_replies = true;
    }
    s->mode = SS_RESYNC;
}

void
sensor_smtp_gap(struct sensor_smtp *s, int dir, uint64_t bytes_lost, uint64_t ts_us)
{
    struct sensor_smtp_event ev = {.type = SENSOR_SMTP_EV_GAP, .bytes = bytes_lost};

    dir = dir != 0;
    if (s->ended)
        return;
    s->now = ts_us;
    ev.dir = dir;
    ss_event(s, &ev);
    if (s->mode == SS_TLS)
        return;
    buf_reset(&s->line[dir]);
    s->line_skip[dir] = false;
    if (dir == 1) {
        smtp_reply_parser_free(s->rp);
        s->rp = smtp_reply_parser_new();
        ss_queue_clear(s);
        s->drop_replies = true;
        if (s->holding)
            ss_hold_release(s);
        return;
    }
    client_gap(s, bytes_lost);
}

void
sensor_smtp_end(struct sensor_smtp *s, uint64_t ts_us)
{
    if (s->ended)
        return;
    s->now = ts_us;
    /* a one-sided capture: the held bytes go on as if answered (each round uses some) */
    for (size_t guard = 0; s->holding && guard < 4096; guard++)
        ss_hold_release(s);
    if (s->mode == SS_DATA || s->mode == SS_BDAT || (s->mode == SS_RESYNC && s->resync_in_message))
        ss_message_end(s, false, false);
    ss_queue_clear(s);
    ss_txn_flush(s, true);
    ss_emit_session_record(s);
    s->ended = true;
}

/* starts_verb - s[0..n) begins with word (case-insensitive) and a space or the line end */
static bool
starts_verb(const uint8_t *p, size_t n, const char *word)
{
    size_t w = strlen(word);

    if (n < w || strncasecmp((const char *)p, word, w) != 0)
        return false;
    return n == w || p[w] == ' ' || p[w] == '\r' || p[w] == '\n';
}

bool
sensor_smtp_detect(const uint8_t *server_first, size_t n, const uint8_t *client_first, size_t m)
{
    if (server_first == NULL || client_first == NULL || n < 4)
        return false;
    if (memcmp(server_first, "220", 3) != 0 || (server_first[3] != ' ' && server_first[3] != '-'))
        return false;
    return starts_verb(client_first, m, "EHLO") || starts_verb(client_first, m, "HELO");
}
