/*
 * sensor_smtp_cmd - passive SMTP commands and replies: the queue that matches pipelined
 * commands to replies in order, what each reply means for the session, and AUTH decoding
 * (the user name kept, the password only hashed with a salt and wiped).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sensor/sensor_smtp_int.h"
#include "util/base64.h"
#include "util/mem.h"

#define SS_AUTH_MAX 1024 /* decoded bytes of one AUTH response we look at */

/* clean_copy - a printable copy of s[0..n) (controls and 8-bit bytes become '?'), capped */
static char *
clean_copy(const char *p, size_t n)
{
    char *out;

    if (n > 512)
        n = 512;
    out = xmemdup(p, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] == 0x7f)
            out[i] = '?';
    return out;
}

/* trim - drop leading and trailing blanks of p[0..*n) */
static const char *
trim(const char *p, size_t *n)
{
    while (*n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        (*n)--;
    }
    while (*n > 0 && (p[*n - 1] == ' ' || p[*n - 1] == '\t'))
        (*n)--;
    return p;
}

/* b64_decode - strict enough base64 into out (at most cap bytes); length or -1 */
static long
b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t len = 0;

    in = trim(in, &n);
    while (n > 0 && in[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int d = base64_digit((unsigned char)in[i]);
        if (d < 0)
            return -1;
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len == cap)
                return -1;
            out[len++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)len;
}

/* pending_at - the i-th queued entry */
static struct ss_pending *
pending_at(struct sensor_smtp *s, size_t i)
{
    return &s->queue[(s->qhead + i) % s->opt.max_pending];
}

/* pending_pop - remove the oldest entry into *out */
static void
pending_pop(struct sensor_smtp *s, struct ss_pending *out)
{
    *out = *pending_at(s, 0);
    s->qhead = (s->qhead + 1) % s->opt.max_pending;
    s->qlen--;
    if (out->txn != NULL)
        out->txn->refs--;
}

void
ss_queue_clear(struct sensor_smtp *s)
{
    struct ss_pending p;

    while (s->qlen > 0)
        pending_pop(s, &p);
    for (size_t i = 0; i < s->norphans; i++)
        free(s->orphans[i].line);
    s->norphans = 0;
}

/* replay_hold - feed the client bytes held while an answer was awaited */
static void
replay_hold(struct sensor_smtp *s)
{
    struct buf tmp = s->hold;

    buf_init(&s->hold, s->opt.max_hold);
    s->holding = false;
    ss_client_feed(s, (const uint8_t *)tmp.data, tmp.len);
    buf_release(&tmp);
}

/* pending_push - queue a command; hold: the client waits for its answer; a reply that came
 * before it is matched at once */
static void
pending_push(struct sensor_smtp *s, enum ss_pending_kind kind, enum smtp_verb verb,
             struct ss_txn *txn, size_t rcpt, bool last, bool hold)
{
    struct ss_pending *p;

    if (s->qlen == s->opt.max_pending) {
        struct ss_pending old;
        ss_anomaly(s, 0, "too_many_pending");
        pending_pop(s, &old);
    }
    p = pending_at(s, s->qlen);
    *p = (struct ss_pending){kind, verb, txn, rcpt, last};
    if (txn != NULL)
        txn->refs++;
    s->qlen++;
    s->drop_replies = false;
    if (hold)
        s->holding = true;
    while (s->norphans > 0 && s->qlen > 0) {
        struct ss_orphan o = s->orphans[0];
        struct smtp_reply r = {.code = o.code};
        memmove(s->orphans, s->orphans + 1, --s->norphans * sizeof s->orphans[0]);
        ss_reply(s, &r, o.line);
        free(o.line);
    }
}

/* ss_push_eod - the end of a DATA message awaits its final reply */
void
ss_push_eod(struct sensor_smtp *s, struct ss_txn *t)
{
    pending_push(s, SS_P_EOD, SMTP_VERB_DATA, t, SIZE_MAX, false, false);
}

/* auth_cleartext - a password went by: flag, hash with the salt, never keep it */
static void
auth_cleartext(struct sensor_smtp *s, const uint8_t *pw, size_t n)
{
    struct sensor_smtp_event ev = {.type = SENSOR_SMTP_EV_AUTH_CLEARTEXT};

    if (n == 0)
        return;
    s->auth_cleartext = true;
    if (s->opt.pw_salt != NULL) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        if (HMAC(EVP_sha256(), s->opt.pw_salt, (int)s->opt.pw_salt_len, pw, n, md, &mdlen) !=
            NULL) {
            for (unsigned i = 0; i < mdlen; i++) {
                hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
                hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
            }
            ss_set_str(&s->auth_hash, hex, 2 * (size_t)mdlen);
        }
    }
    ev.user = s->auth_user;
    ev.mech = s->auth_mech;
    ss_event(s, &ev);
}

/* set_user - the user name of the AUTH exchange */
static void
set_user(struct sensor_smtp *s, const uint8_t *u, size_t n)
{
    free(s->auth_user);
    s->auth_user = clean_copy((const char *)u, n);
}

/* auth_plain - "authzid NUL authcid NUL passwd" */
static void
auth_plain(struct sensor_smtp *s, const uint8_t *d, size_t n)
{
    const uint8_t *nul1 = memchr(d, 0, n);
    const uint8_t *nul2 = nul1 != NULL ? memchr(nul1 + 1, 0, n - (size_t)(nul1 + 1 - d)) : NULL;

    if (nul2 == NULL) {
        ss_anomaly(s, 0, "auth_plain_malformed");
        return;
    }
    if (nul2 > nul1 + 1)
        set_user(s, nul1 + 1, (size_t)(nul2 - nul1 - 1));
    else
        set_user(s, d, (size_t)(nul1 - d));
    auth_cleartext(s, nul2 + 1, n - (size_t)(nul2 + 1 - d));
}

/* auth_xoauth2 - "user=U^Aauth=Bearer T^A^A": the token is as good as a password */
static void
auth_xoauth2(struct sensor_smtp *s, const uint8_t *d, size_t n)
{
    const uint8_t *end = d + n;

    for (const uint8_t *f = d; f < end;) {
        const uint8_t *sep = memchr(f, 1, (size_t)(end - f));
        size_t flen = sep != NULL ? (size_t)(sep - f) : (size_t)(end - f);
        if (flen > 5 && memcmp(f, "user=", 5) == 0)
            set_user(s, f + 5, flen - 5);
        else if (flen > 5 && memcmp(f, "auth=", 5) == 0)
            auth_cleartext(s, f + 5, flen - 5);
        f += flen + 1;
    }
}

/* auth_response - one decoded client response of the current mechanism */
static void
auth_response(struct sensor_smtp *s, const uint8_t *d, size_t n)
{
    switch (s->mech) {
    case SS_MECH_PLAIN:
        auth_plain(s, d, n);
        break;
    case SS_MECH_LOGIN:
        if (s->login_step == 0)
            set_user(s, d, n);
        else
            auth_cleartext(s, d, n);
        s->login_step++;
        break;
    case SS_MECH_CRAM: {
        const uint8_t *sp = NULL;
        for (size_t i = n; i > 0; i--)
            if (d[i - 1] == ' ') {
                sp = d + i - 1;
                break;
            }
        set_user(s, d, sp != NULL ? (size_t)(sp - d) : n);
        break;
    }
    case SS_MECH_XOAUTH2:
        auth_xoauth2(s, d, n);
        break;
    default:
        break;
    }
}

/* auth_decode - a base64 response line: decode, interpret, wipe */
static void
auth_decode(struct sensor_smtp *s, const char *line, size_t len)
{
    uint8_t d[SS_AUTH_MAX];
    long n = b64_decode(line, len, d, sizeof d);

    if (n < 0) {
        ss_anomaly(s, 0, "auth_bad_base64");
        return;
    }
    auth_response(s, d, (size_t)n);
    explicit_bzero(d, sizeof d);
}

/* auth_start - AUTH mech [initial-response] */
static void
auth_start(struct sensor_smtp *s, const char *args, size_t len)
{
    const char *sp = memchr(args, ' ', len);
    size_t mlen = sp != NULL ? (size_t)(sp - args) : len;
    const char *ir = sp != NULL ? sp + 1 : NULL;
    size_t irlen = sp != NULL ? len - mlen - 1 : 0;
    bool wait = ir == NULL;

    free(s->auth_mech);
    s->auth_mech = clean_copy(args, mlen);
    for (char *c = s->auth_mech; *c != '\0'; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    free(s->auth_user);
    s->auth_user = NULL;
    s->auth_outcome = SENSOR_SMTP_AUTH_UNKNOWN;
    s->auth_pending_record = true;
    s->login_step = 0;
    s->mech = strcmp(s->auth_mech, "PLAIN") == 0      ? SS_MECH_PLAIN
              : strcmp(s->auth_mech, "LOGIN") == 0    ? SS_MECH_LOGIN
              : strcmp(s->auth_mech, "CRAM-MD5") == 0 ? SS_MECH_CRAM
              : strcmp(s->auth_mech, "XOAUTH2") == 0  ? SS_MECH_XOAUTH2
                                                      : SS_MECH_OTHER;
    if (ir != NULL && !(irlen == 1 && ir[0] == '='))
        auth_decode(s, ir, irlen);
    if (s->mech == SS_MECH_LOGIN)
        wait = true; /* the password (and maybe the user) still to come */
    pending_push(s, SS_P_CMD, SMTP_VERB_AUTH, NULL, SIZE_MAX, false, wait);
}

/* ss_auth_line - the client's answer to a 334 */
void
ss_auth_line(struct sensor_smtp *s, const char *line, size_t len)
{
    s->mode = SS_CMD;
    if (len == 1 && line[0] == '*')
        s->mech = SS_MECH_OTHER; /* cancelled: the 501 that follows is a failure */
    else if (len > 0)
        auth_decode(s, line, len);
    pending_push(s, SS_P_AUTH, SMTP_VERB_AUTH, NULL, SIZE_MAX, false, true);
}

/* bdat_size - "size [LAST]"; false when not a size */
static bool
bdat_size(const char *a, size_t n, uint64_t *size, bool *last)
{
    size_t i = 0;
    uint64_t v = 0;

    a = trim(a, &n);
    while (i < n && a[i] >= '0' && a[i] <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(a[i] - '0');
        i++;
    }
    if (i == 0)
        return false;
    *size = v;
    *last = false;
    if (i == n)
        return true;
    if (a[i] != ' ')
        return false;
    size_t rest = n - i;
    const char *r = trim(a + i, &rest);
    if (rest == 4 && strncasecmp(r, "LAST", 4) == 0) {
        *last = true;
        return true;
    }
    return false;
}

/* open_txn - the transaction commands now belong to, opened if there is none */
static struct ss_txn *
open_txn(struct sensor_smtp *s, const char *anomaly)
{
    if (s->cur != NULL && !s->cur->closed)
        return s->cur;
    if (anomaly != NULL)
        ss_anomaly(s, 0, anomaly);
    return ss_txn_open(s);
}

/* cmd_mail - MAIL FROM: a new transaction (an unfinished one is abandoned) */
static void
cmd_mail(struct sensor_smtp *s, const struct smtp_command *c)
{
    struct smtp_path path;
    struct smtp_reply err;
    struct ss_txn *t;

    if (s->cur != NULL && !s->cur->closed)
        ss_txn_close(s, s->cur);
    t = ss_txn_open(s);
    if (smtp_cmd_parse_path(c->args, c->args_len, "FROM:", true, &path, &err) == 0) {
        t->mailfrom = xstrdup(path.addr);
    } else {
        size_t n = c->args_len;
        const char *a = trim(c->args, &n);
        if (n >= 5 && strncasecmp(a, "FROM:", 5) == 0) {
            a += 5;
            n -= 5;
        }
        a = trim(a, &n);
        t->mailfrom = clean_copy(a, n);
        ss_anomaly(s, 0, "bad_mail_from");
    }
    pending_push(s, SS_P_CMD, SMTP_VERB_MAIL, t, SIZE_MAX, false, false);
}

/* cmd_rcpt - RCPT TO: one more recipient, kept up to the limit */
static void
cmd_rcpt(struct sensor_smtp *s, const struct smtp_command *c)
{
    struct smtp_path path;
    struct smtp_reply err;
    struct ss_txn *t = open_txn(s, "rcpt_without_mail");
    size_t idx = SIZE_MAX;
    char *addr;

    if (smtp_cmd_parse_path(c->args, c->args_len, "TO:", false, &path, &err) == 0) {
        addr = xstrdup(path.addr);
    } else {
        size_t n = c->args_len;
        const char *a = trim(c->args, &n);
        if (n >= 3 && strncasecmp(a, "TO:", 3) == 0) {
            a += 3;
            n -= 3;
        }
        a = trim(a, &n);
        addr = clean_copy(a, n);
        ss_anomaly(s, 0, "bad_rcpt_to");
    }
    if (t->nrcpts < s->opt.max_rcpts) {
        t->rcpts = xrealloc(t->rcpts, (t->nrcpts + 1) * sizeof *t->rcpts);
        t->rcpts[t->nrcpts] = (struct sensor_smtp_rcpt){addr, 0};
        idx = t->nrcpts++;
    } else {
        if (t->rcpts_dropped++ == 0)
            ss_anomaly(s, 0, "too_many_rcpts");
        free(addr);
    }
    pending_push(s, SS_P_CMD, SMTP_VERB_RCPT, t, idx, false, false);
}

/* cmd_bdat - BDAT size [LAST]: the chunk follows at once, no reply awaited */
static void
cmd_bdat(struct sensor_smtp *s, const struct smtp_command *c)
{
    uint64_t size = 0;
    bool last = false;
    struct ss_txn *t;

    if (!bdat_size(c->args, c->args_len, &size, &last)) {
        ss_anomaly(s, 0, "bdat_bad_size");
        pending_push(s, SS_P_CMD, SMTP_VERB_BDAT, NULL, SIZE_MAX, false, false);
        return;
    }
    t = open_txn(s, "bdat_without_mail");
    if (!t->has_message)
        ss_message_begin(s, true);
    pending_push(s, SS_P_CMD, SMTP_VERB_BDAT, t, SIZE_MAX, last, false);
    s->bdat_left = size;
    s->bdat_last = last;
    if (size > 0)
        s->mode = SS_BDAT;
    else if (last)
        ss_message_end(s, true, false); /* BDAT 0 LAST */
}

void
ss_command_line(struct sensor_smtp *s, const char *line, size_t len)
{
    struct smtp_command c;

    smtp_cmd_parse(line, len, &c);
    switch (c.verb) {
    case SMTP_VERB_HELO:
    case SMTP_VERB_EHLO: {
        size_t n = c.args_len;
        const char *a = trim(c.args, &n);
        free(s->helo);
        s->helo = clean_copy(a, n);
        pending_push(s, SS_P_CMD, c.verb, NULL, SIZE_MAX, false, false);
        break;
    }
    case SMTP_VERB_MAIL:
        cmd_mail(s, &c);
        break;
    case SMTP_VERB_RCPT:
        cmd_rcpt(s, &c);
        break;
    case SMTP_VERB_DATA:
        pending_push(s, SS_P_CMD, c.verb, open_txn(s, "data_without_mail"), SIZE_MAX, false, true);
        break;
    case SMTP_VERB_BDAT:
        cmd_bdat(s, &c);
        break;
    case SMTP_VERB_RSET:
        if (s->cur != NULL && !s->cur->closed)
            ss_txn_close(s, s->cur);
        pending_push(s, SS_P_CMD, c.verb, NULL, SIZE_MAX, false, false);
        break;
    case SMTP_VERB_STARTTLS:
        pending_push(s, SS_P_CMD, c.verb, NULL, SIZE_MAX, false, true);
        break;
    case SMTP_VERB_AUTH:
        auth_start(s, c.args, c.args_len);
        break;
    case SMTP_VERB_UNKNOWN:
        if (len > 0)
            ss_anomaly(s, 0, "unknown_command");
        pending_push(s, SS_P_CMD, c.verb, NULL, SIZE_MAX, false, false);
        break;
    default:
        pending_push(s, SS_P_CMD, c.verb, NULL, SIZE_MAX, false, false);
        break;
    }
}

bool
ss_is_resync_command(const char *line, size_t len)
{
    struct smtp_command c;

    smtp_cmd_parse(line, len, &c);
    switch (c.verb) {
    case SMTP_VERB_MAIL:
        return c.args_len >= 5 && strncasecmp(c.args, "FROM:", 5) == 0;
    case SMTP_VERB_RCPT:
        return c.args_len >= 3 && strncasecmp(c.args, "TO:", 3) == 0;
    case SMTP_VERB_HELO:
    case SMTP_VERB_EHLO:
    case SMTP_VERB_AUTH:
    case SMTP_VERB_BDAT:
        return c.args_len > 0;
    case SMTP_VERB_RSET:
    case SMTP_VERB_QUIT:
    case SMTP_VERB_DATA:
    case SMTP_VERB_NOOP:
    case SMTP_VERB_STARTTLS:
        return len == strlen(smtp_verb_name(c.verb));
    default:
        return false;
    }
}

/* reply_auth - 334 asks for more, 235 is success, anything else failure */
static void
reply_auth(struct sensor_smtp *s, const struct smtp_reply *r)
{
    if (r->code == 334) {
        uint8_t d[64];
        long n = b64_decode(r->text, strlen(r->text), d, sizeof d - 1);
        s->mode = SS_AUTH;
        if (s->mech == SS_MECH_LOGIN && n >= 4) {
            if (strncasecmp((const char *)d, "pass", 4) == 0)
                s->login_step = 1;
            else if (strncasecmp((const char *)d, "user", 4) == 0)
                s->login_step = 0;
        }
        return;
    }
    s->mode = SS_CMD;
    s->auth_outcome = r->code == 235 ? SENSOR_SMTP_AUTH_SUCCESS : SENSOR_SMTP_AUTH_FAILURE;
}

/* reply_starttls - 220: the rest of the flow is encrypted */
static void
reply_starttls(struct sensor_smtp *s, const struct smtp_reply *r)
{
    struct sensor_smtp_event ev = {.type = SENSOR_SMTP_EV_STARTTLS, .dir = 1};
    struct ss_txn *t;

    if (r->code != 220)
        return;
    s->tls = true;
    s->mode = SS_TLS;
    buf_reset(&s->hold);
    s->holding = false;
    ss_event(s, &ev);
    t = s->cur != NULL && !s->cur->closed ? s->cur : ss_txn_open(s);
    t->tls = true;
    ss_set_str(&t->last_reply, s->reply_last, s->reply_last != NULL ? strlen(s->reply_last) : 0);
    ss_txn_close(s, t);
}

/* reply_apply - what a reply means for the command it answers */
static void
reply_apply(struct sensor_smtp *s, const struct ss_pending *p, const struct smtp_reply *r)
{
    struct ss_txn *t =
        p->txn != NULL ? p->txn : (s->cur != NULL && !s->cur->closed ? s->cur : NULL);

    if (t != NULL && s->reply_last != NULL)
        ss_set_str(&t->last_reply, s->reply_last, strlen(s->reply_last));
    if (p->kind == SS_P_AUTH) {
        reply_auth(s, r);
        return;
    }
    if (p->kind == SS_P_EOD || (p->verb == SMTP_VERB_BDAT && p->last))
        s->messages++; /* Zeek's messages_transferred: the next transaction's depth */
    switch (p->verb) {
    case SMTP_VERB_MAIL:
        p->txn->mail_code = r->code;
        break;
    case SMTP_VERB_RCPT:
        if (p->rcpt != SIZE_MAX)
            p->txn->rcpts[p->rcpt].code = r->code;
        break;
    case SMTP_VERB_DATA:
        if (p->kind == SS_P_CMD && r->code == 354 && !p->txn->closed) {
            s->mode = SS_DATA;
            s->dstate = SS_BOL;
            ss_message_begin(s, false);
        }
        break;
    case SMTP_VERB_STARTTLS:
        reply_starttls(s, r);
        break;
    case SMTP_VERB_AUTH:
        reply_auth(s, r);
        break;
    default:
        break;
    }
}

void
ss_reply(struct sensor_smtp *s, const struct smtp_reply *r, const char *last_line)
{
    struct ss_pending p;

    free(s->reply_last);
    s->reply_last = last_line != NULL ? clean_copy(last_line, strlen(last_line)) : NULL;
    if (!s->greeted) {
        /* the greeting answers no command (421 and 554 greetings too); a 220 that comes
         * after the client's first command was already read is still the greeting */
        s->greeted = true;
        if (s->qlen == 0 || (r->code == 220 && pending_at(s, 0)->verb != SMTP_VERB_STARTTLS))
            return;
    }
    if (s->qlen == 0) {
        if (s->drop_replies || s->mode == SS_TLS)
            return;
        if (s->norphans == SS_MAX_ORPHANS) {
            ss_anomaly(s, 1, "unexpected_reply");
            return;
        }
        s->orphans[s->norphans].code = r->code;
        s->orphans[s->norphans].line = last_line != NULL ? xstrdup(last_line) : NULL;
        s->norphans++;
        return;
    }
    pending_pop(s, &p);
    reply_apply(s, &p, r);
    if (s->holding && s->qlen == 0)
        replay_hold(s);
    ss_txn_flush(s, false);
}

/* ss_hold_release - the awaited answer is not coming (gap, overflow, end): go on as if it
 * were positive */
void
ss_hold_release(struct sensor_smtp *s)
{
    if (!s->holding)
        return;
    if (s->qlen > 0) {
        const struct ss_pending *h = pending_at(s, s->qlen - 1);
        struct smtp_reply r = {.code = 250};
        char *keep = s->reply_last;
        s->reply_last = NULL;
        if (h->verb == SMTP_VERB_DATA)
            r.code = 354;
        else if (h->verb == SMTP_VERB_STARTTLS)
            r.code = 220;
        else if (h->verb == SMTP_VERB_AUTH)
            r.code = 334;
        /* every earlier reply is lost too: answer the queue up to the awaited command */
        while (s->qlen > 1) {
            struct ss_pending p;
            pending_pop(s, &p);
        }
        s->greeted = true;
        ss_reply(s, &r, NULL); /* replays the held bytes, which may hold again */
        free(s->reply_last);
        s->reply_last = keep;
        return;
    }
    replay_hold(s);
}
