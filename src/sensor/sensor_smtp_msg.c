/*
 * sensor_smtp_msg - passive SMTP transactions: their life (opened by MAIL, closed by the end
 * of the message, RSET, a new MAIL or the end of the flow), the message bytes (to the content
 * engine, the header section kept for the fields) and the records, sent in transaction order
 * once no reply of theirs is outstanding.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_encword.h"
#include "mime/mime_header.h"
#include "sensor/sensor_smtp_int.h"
#include "util/mem.h"

/* The header fields of one record, owned until it is sent. */
struct ss_fields {
    char *date, *from, *reply_to, *msg_id, *in_reply_to, *subject, *xoip;
    char *first_received, *second_received, *user_agent;
    char **to, **cc, **path;
    size_t nto, ncc, npath;
    size_t nhops;    /* path entries from Received headers */
    bool lists_full; /* To, Cc or path entries were dropped at max_list */
};

struct ss_txn *
ss_txn_open(struct sensor_smtp *s)
{
    struct ss_txn *t = xcalloc(1, sizeof *t);
    struct ss_txn **tail = &s->txns;

    buf_init(&t->hdr, s->opt.max_header_bytes);
    t->hdr_bol = true;
    t->ts_us = s->now;
    t->depth = s->messages + 1;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = t;
    s->cur = t;
    s->auth_pending_record = false;
    return t;
}

/* txn_free - one transaction's memory */
static void
txn_free(struct ss_txn *t)
{
    for (size_t i = 0; i < t->nrcpts; i++)
        free((char *)t->rcpts[i].addr);
    free(t->rcpts);
    free(t->mailfrom);
    free(t->last_reply);
    buf_release(&t->hdr);
    content_scan_free(t->scan);
    free(t);
}

void
ss_txn_free_all(struct sensor_smtp *s)
{
    while (s->txns != NULL) {
        struct ss_txn *t = s->txns;
        s->txns = t->next;
        txn_free(t);
    }
    s->cur = s->msg = NULL;
}

void
ss_txn_close(struct sensor_smtp *s, struct ss_txn *t)
{
    if (t->has_message && !t->message_ended && s->msg == t) {
        ss_message_end(s, false, false); /* closes t, which may be gone after it */
        return;
    }
    t->closed = true;
    if (s->cur == t)
        s->cur = NULL;
    ss_txn_flush(s, false);
}

/* clean_value - a header value on one line: trimmed, TAB as space, controls as '?' */
static char *
clean_value(const char *v, size_t n)
{
    char *out;

    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    out = xmemdup(v, n);
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '\t')
            out[i] = ' ';
        else if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    }
    return out;
}

/* list_add - take item unless the list holds it already (Zeek's sets); false when the list
 * is full and item was dropped */
static bool
list_add(char ***list, size_t *n, size_t max, char *item)
{
    if (*n >= max) {
        free(item);
        return false;
    }
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], item) == 0) {
            free(item);
            return true;
        }
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = item;
    return true;
}

/* split_addresses - To/Cc as Zeek splits them: at commas outside quotes, each stripped */
static bool
split_addresses(const char *v, size_t n, char ***list, size_t *cnt, size_t max)
{
    bool all = true;

    size_t start = 0;
    bool quoted = false;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && v[i] == '"')
            quoted = !quoted;
        if (i < n && (v[i] != ',' || quoted))
            continue;
        char *item = clean_value(v + start, i - start);
        if (item[0] != '\0')
            all = list_add(list, cnt, max, item) && all;
        else
            free(item);
        start = i + 1;
    }
    return all;
}

/* find_ips - up to 2 IP addresses in v (normalised); wrapped: only those in [] () <> '' "" */
static size_t
find_ips(const char *v, size_t n, bool wrapped, char out[2][INET6_ADDRSTRLEN])
{
    static const char open[] = "[(<'\"", close[] = "])>'\"";
    size_t found = 0;

    for (size_t i = 0; i < n && found < 2;) {
        size_t j = i;
        while (j < n && (strchr("0123456789abcdefABCDEF:.", v[j]) != NULL) && v[j] != '\0')
            j++;
        if (j == i) {
            i++;
            continue;
        }
        char tok[INET6_ADDRSTRLEN];
        unsigned char bin[16];
        size_t len = j - i;
        int af = memchr(v + i, ':', len) != NULL ? AF_INET6 : AF_INET;
        bool ok = len < sizeof tok;
        if (ok) {
            memcpy(tok, v + i, len);
            tok[len] = '\0';
            ok = inet_pton(af, tok, bin) == 1;
        }
        if (ok && wrapped) {
            const char *o = i > 0 ? strchr(open, v[i - 1]) : NULL;
            ok = o != NULL && v[i - 1] != '\0' && j < n && v[j] == close[o - open];
        }
        if (ok && inet_ntop(af, bin, out[found], INET6_ADDRSTRLEN) != NULL)
            found++;
        i = j;
    }
    return found;
}

/* field_received - Zeek: first_received is the latest Received seen (the lowest in the
 * message), second_received the one before it; path gets one address per header */
static void
field_received(struct sensor_smtp *s, struct ss_fields *f, const char *v, size_t n)
{
    char ips[2][INET6_ADDRSTRLEN];
    size_t k = find_ips(v, n, true, ips);

    free(f->second_received);
    f->second_received = f->first_received;
    f->first_received = clean_value(v, n);
    if (k == 0)
        return;
    const char *ip = ips[k > 1 ? 1 : 0];
    if (f->npath > 0 && strcmp(f->path[f->npath - 1], ip) == 0)
        return;
    if (f->nhops < s->opt.max_list) {
        f->path = xrealloc(f->path, (f->npath + 1) * sizeof *f->path);
        f->path[f->npath++] = xstrdup(ip);
        f->nhops++;
    } else {
        f->lists_full = true;
    }
}

/* field_subject - RFC 2047 decoded, clean UTF-8 on one line */
static char *
field_subject(const char *v, size_t n)
{
    char *raw = clean_value(v, n);
    struct buf dec, clean;
    unsigned flags = 0;
    char *out;

    buf_init(&dec, 65536);
    buf_init(&clean, 65536 * 3);
    mime_encword_decode(raw, strlen(raw), &dec, NULL);
    mime_encword_utf8_clean(dec.data != NULL ? dec.data : "", dec.len, &clean, &flags);
    out = xmemdup(clean.data != NULL ? clean.data : "", clean.len);
    buf_release(&dec);
    buf_release(&clean);
    free(raw);
    return out;
}

/* set_field - replace a single-valued field (the last header wins, as in Zeek) */
static void
set_field(char **dst, char *v)
{
    free(*dst);
    *dst = v;
}

/* fields_extract - the record's header fields from the collected header section */
static void
fields_extract(struct sensor_smtp *s, const struct ss_txn *t, struct ss_fields *f)
{
    struct mime_headers *h = mime_headers_parse(t->hdr.data, t->hdr.len, NULL);

    /* the endpoints come first and do not count against max_list */
    for (int i = 0; i < 2; i++) {
        const char *ep = i == 0 ? s->resp_h : s->orig_h;
        if (ep == NULL)
            continue;
        f->path = xrealloc(f->path, (f->npath + 1) * sizeof *f->path);
        f->path[f->npath++] = xstrdup(ep);
    }
    for (size_t i = 0; i < mime_headers_count(h); i++) {
        const struct mime_header_field *hf = mime_headers_get(h, i);
        const char *n = hf->name, *v = hf->value;
        size_t vl = hf->value_len;
        if (strcasecmp(n, "Date") == 0)
            set_field(&f->date, clean_value(v, vl));
        else if (strcasecmp(n, "From") == 0)
            set_field(&f->from, clean_value(v, vl));
        else if (strcasecmp(n, "To") == 0)
            f->lists_full |= !split_addresses(v, vl, &f->to, &f->nto, s->opt.max_list);
        else if (strcasecmp(n, "Cc") == 0)
            f->lists_full |= !split_addresses(v, vl, &f->cc, &f->ncc, s->opt.max_list);
        else if (strcasecmp(n, "Reply-To") == 0)
            set_field(&f->reply_to, clean_value(v, vl));
        else if (strcasecmp(n, "Message-ID") == 0)
            set_field(&f->msg_id, clean_value(v, vl));
        else if (strcasecmp(n, "In-Reply-To") == 0)
            set_field(&f->in_reply_to, clean_value(v, vl));
        else if (strcasecmp(n, "Subject") == 0)
            set_field(&f->subject, field_subject(v, vl));
        else if (strcasecmp(n, "Received") == 0)
            field_received(s, f, v, vl);
        else if (strcasecmp(n, "User-Agent") == 0 || strcasecmp(n, "X-Mailer") == 0 ||
                 strcasecmp(n, "X-User-Agent") == 0)
            set_field(&f->user_agent, clean_value(v, vl));
        else if (strcasecmp(n, "X-Originating-IP") == 0) {
            char ips[2][INET6_ADDRSTRLEN];
            if (find_ips(v, vl, false, ips) > 0)
                set_field(&f->xoip, xstrdup(ips[0]));
        }
    }
    mime_headers_free(h);
}

/* fields_free - release what fields_extract made */
static void
fields_free(struct ss_fields *f)
{
    char **one[] = {&f->date,    &f->from, &f->reply_to,       &f->msg_id,          &f->in_reply_to,
                    &f->subject, &f->xoip, &f->first_received, &f->second_received, &f->user_agent};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        free(*one[i]);
    for (size_t i = 0; i < f->nto; i++)
        free(f->to[i]);
    for (size_t i = 0; i < f->ncc; i++)
        free(f->cc[i]);
    for (size_t i = 0; i < f->npath; i++)
        free(f->path[i]);
    free(f->to);
    free(f->cc);
    free(f->path);
}

/* txn_drop_scan - t's report is no longer needed: its scan becomes the spare */
static void
txn_drop_scan(struct sensor_smtp *s, struct ss_txn *t)
{
    t->report = NULL;
    if (t->scan == NULL)
        return;
    s->held--;
    if (s->spare == NULL)
        s->spare = t->scan; /* reset when the next message begins */
    else
        content_scan_free(t->scan);
    t->scan = NULL;
}

/* txn_emit - build the record of t and hand it out */
static void
txn_emit(struct sensor_smtp *s, struct ss_txn *t)
{
    struct ss_fields f = {0};
    struct sensor_smtp_record r = {0};

    t->emitted = true;
    fields_extract(s, t, &f);
    if (f.lists_full)
        ss_anomaly(s, 0, "too_many_addresses");
    r.ts_us = t->ts_us;
    r.uid = s->uid;
    r.orig_h = s->orig_h;
    r.resp_h = s->resp_h;
    r.orig_p = s->orig_p;
    r.resp_p = s->resp_p;
    r.trans_depth = t->depth;
    r.helo = s->helo;
    r.mailfrom = t->mailfrom;
    r.mail_code = t->mail_code;
    r.rcptto = t->rcpts;
    r.nrcptto = t->nrcpts;
    r.rcpts_dropped = t->rcpts_dropped;
    r.date = f.date;
    r.from = f.from;
    r.to = (const char *const *)f.to;
    r.nto = f.nto;
    r.cc = (const char *const *)f.cc;
    r.ncc = f.ncc;
    r.reply_to = f.reply_to;
    r.msg_id = f.msg_id;
    r.in_reply_to = f.in_reply_to;
    r.subject = f.subject;
    r.x_originating_ip = f.xoip;
    r.first_received = f.first_received;
    r.second_received = f.second_received;
    r.last_reply = t->last_reply;
    r.path = (const char *const *)f.path;
    r.npath = f.npath;
    r.user_agent = f.user_agent;
    r.tls = t->tls || s->implicit;
    r.tls_version = s->tls_version;
    r.tls_sni = s->tls_sni;
    r.auth_user = s->auth_user;
    r.auth_mech = s->auth_mech;
    r.auth_cleartext = s->auth_cleartext;
    r.auth_pw_hash = s->auth_hash;
    r.auth_outcome = s->auth_outcome;
    r.bdat = t->bdat;
    r.has_message = t->has_message;
    r.message_complete = t->message_complete;
    r.msg_size = t->msg_size;
    r.gap_bytes = t->gap_bytes;
    r.content = t->report;
    if (s->cb.record != NULL)
        s->cb.record(s->ctx, &r);
    txn_drop_scan(s, t);
    fields_free(&f);
}

void
ss_txn_flush(struct sensor_smtp *s, bool all)
{
    while (s->txns != NULL) {
        struct ss_txn *t = s->txns;
        if (!all && (t->refs > 0 || !(t->closed || t->emitted)))
            break;
        if (!t->emitted)
            txn_emit(s, t);
        if (s->cur == t)
            s->cur = NULL;
        if (s->msg == t)
            s->msg = NULL;
        s->txns = t->next;
        txn_free(t);
    }
}

void
ss_message_begin(struct sensor_smtp *s, bool bdat)
{
    struct ss_txn *t = s->cur != NULL ? s->cur : ss_txn_open(s);

    /* too many reports waiting for their final replies: the oldest go out now */
    for (struct ss_txn *e = s->txns; e != NULL && s->held >= SS_MAX_HELD_SCANS; e = e->next)
        if (!e->emitted && e->scan != NULL)
            txn_emit(s, e);
    if (s->opt.content != NULL && s->scan == NULL) {
        if (s->spare != NULL) {
            s->scan = s->spare;
            s->spare = NULL;
            content_scan_reset(s->scan);
        } else {
            s->scan = content_scan_new(s->opt.content);
        }
    }
    /* a new message of the same transaction (DATA after a broken BDAT) replaces the first */
    txn_drop_scan(s, t);
    buf_reset(&t->hdr);
    t->hdr_done = t->hdr_cr = false;
    t->hdr_bol = true;
    t->has_message = true;
    t->message_ended = false;
    t->bdat = bdat;
    s->msg = t;
}

/* header_collect - keep the header section, up to the blank line, within the bound */
static void
header_collect(struct sensor_smtp *s, struct ss_txn *t, const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (; i < n && !t->hdr_done; i++) {
        uint8_t c = p[i];
        if (t->hdr_cr) {
            t->hdr_cr = false;
            if (c == '\n') {
                t->hdr_done = true;
                continue;
            }
            t->hdr_bol = false;
        }
        if (t->hdr_bol && c == '\r')
            t->hdr_cr = true;
        else if (t->hdr_bol && c == '\n')
            t->hdr_done = true;
        else
            t->hdr_bol = c == '\n';
    }
    if (buf_append(&t->hdr, p, i) < 0) {
        size_t room = t->hdr.max - t->hdr.len;
        buf_append(&t->hdr, p, room);
        ss_anomaly(s, 0, "header_too_long");
        t->hdr_done = true;
    }
}

void
ss_message_bytes(struct sensor_smtp *s, const uint8_t *p, size_t n)
{
    struct ss_txn *t = s->msg;

    if (t == NULL || n == 0)
        return;
    t->msg_size += n;
    if (!t->hdr_done)
        header_collect(s, t, p, n);
    if (s->scan != NULL)
        content_scan_feed(s->scan, p, n);
}

/* message_finish - the message is over: its report, its end marks */
static struct ss_txn *
message_finish(struct sensor_smtp *s, bool complete)
{
    struct ss_txn *t = s->msg;

    if (t == NULL)
        return NULL;
    s->msg = NULL;
    t->message_ended = true;
    t->message_complete = complete && t->gap_bytes == 0;
    if (s->scan != NULL) {
        t->scan = s->scan;
        t->report = content_scan_end(t->scan);
        s->scan = NULL;
        s->held++;
    }
    return t;
}

/* ss_message_abort - the rest of the message was lost; the transaction goes on (the client
 * may send more chunks, or DATA, for it) */
void
ss_message_abort(struct sensor_smtp *s)
{
    message_finish(s, false);
}

void
ss_message_end(struct sensor_smtp *s, bool complete, bool eod)
{
    struct ss_txn *t = s->msg;

    if (t == NULL) {
        /* the message was cut earlier (a gap): its transaction still ends here */
        if (s->cur != NULL && s->cur->has_message) {
            if (eod)
                ss_push_eod(s, s->cur);
            ss_txn_close(s, s->cur);
        }
        return;
    }
    message_finish(s, complete);
    if (eod)
        ss_push_eod(s, t);
    ss_txn_close(s, t);
}

void
ss_emit_session_record(struct sensor_smtp *s)
{
    if (!s->implicit && !s->auth_pending_record)
        return;
    ss_txn_close(s, ss_txn_open(s));
    ss_txn_flush(s, true);
}
