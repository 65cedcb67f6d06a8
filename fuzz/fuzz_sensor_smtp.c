/* fuzz_sensor_smtp - passive SMTP on two interleaved streams: the input is an options byte
 * (implicit TLS, salt, endpoints, content engine) then a schedule of (control, length, bytes)
 * pieces; control bit 0 picks the direction, bit 1 makes the piece a gap of length * 37 bytes
 * instead of data. Small bounds; every record and event must be bounded and printable on one line,
 * and the per-flow state must stay within the bounds whatever the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_smtp.h"
#include "sensor/sensor_smtp_int.h"
#include "sensor/sensor_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* engine - the content engine, built once for the process (options bit 3 turns it on) */
static const struct content_engine *
engine(void)
{
    static struct content_engine *e;

    if (e == NULL) {
        struct content_options co = content_options_default();
        char err[256];
        e = content_engine_new(&co, err, sizeof err);
        if (e == NULL)
            abort();
    }
    return e;
}

#define MAX_LIST 4
#define MAX_RCPTS 3
#define MAX_PENDING 8

/* check_str - NULL, or a string with no line break */
static void
check_str(const char *s)
{
    if (s != NULL && strpbrk(s, "\r\n") != NULL)
        abort();
}

static void
on_record(void *ctx, const struct sensor_smtp_record *r)
{
    const char *one[] = {r->helo,           r->mailfrom,        r->date,
                         r->from,           r->reply_to,        r->msg_id,
                         r->in_reply_to,    r->subject,         r->x_originating_ip,
                         r->first_received, r->second_received, r->last_reply,
                         r->user_agent,     r->tls_version,     r->tls_sni,
                         r->auth_user,      r->auth_mech,       r->auth_pw_hash};

    (void)ctx;
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        check_str(one[i]);
    if (r->nrcptto > MAX_RCPTS || r->nto > MAX_LIST || r->ncc > MAX_LIST ||
        r->npath > MAX_LIST + 2 || r->trans_depth == 0)
        abort();
    for (size_t i = 0; i < r->nrcptto; i++)
        check_str(r->rcptto[i].addr);
    for (size_t i = 0; i < r->nto; i++)
        check_str(r->to[i]);
    for (size_t i = 0; i < r->ncc; i++)
        check_str(r->cc[i]);
    for (size_t i = 0; i < r->npath; i++)
        check_str(r->path[i]);
    if (r->auth_pw_hash != NULL && strlen(r->auth_pw_hash) != 64)
        abort();
    if (r->message_complete && !r->has_message)
        abort();
}

static void
on_event(void *ctx, const struct sensor_smtp_event *ev)
{
    (void)ctx;
    if (ev->type == SENSOR_SMTP_EV_ANOMALY && ev->name == NULL)
        abort();
    check_str(ev->user);
    check_str(ev->tls_sni);
}

/* check_bounds - the state a flow keeps stays within its options */
static void
check_bounds(const struct sensor_smtp *s)
{
    size_t ntxn = 0;

    if (s->line[0].len > s->opt.max_line || s->line[1].len > s->opt.max_line ||
        s->hold.len > s->opt.max_hold || s->qlen > s->opt.max_pending ||
        s->norphans > SS_MAX_ORPHANS || s->held > SS_MAX_HELD_SCANS)
        abort();
    for (const struct ss_txn *t = s->txns; t != NULL; t = t->next) {
        if (t->hdr.len > s->opt.max_header_bytes || t->nrcpts > s->opt.max_rcpts)
            abort();
        ntxn++;
    }
    if (ntxn > 2 * s->opt.max_pending + 4)
        abort();
    /* lines, hold, header sections and recipients of the transactions in flight */
    if (sensor_smtp_mem(s) > sizeof *s + 2 * 128 + 512 + 2 * (SENSOR_TLS_HELLO_MAX + 64) +
                                 MAX_PENDING * sizeof *s->queue +
                                 ntxn * (sizeof(struct ss_txn) + 256 + MAX_RCPTS * 600))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sensor_smtp_options o = sensor_smtp_options_default();
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct sensor_smtp *s;
    uint64_t ts = 0;

    if (size < 1)
        return 0;
    o.max_line = 64;
    o.max_hold = 256;
    o.max_rcpts = MAX_RCPTS;
    o.max_header_bytes = 128;
    o.max_list = MAX_LIST;
    o.max_pending = MAX_PENDING;
    o.implicit_tls = (data[0] & 1) != 0;
    if (data[0] & 2) {
        o.pw_salt = (const uint8_t *)"salt";
        o.pw_salt_len = 4;
    }
    if (data[0] & 8)
        o.content = engine();
    s = sensor_smtp_new(&o, &cb, NULL);
    if (data[0] & 4)
        sensor_smtp_set_endpoints(s, "C1", "192.0.2.1", 1025, "192.0.2.2", 25);
    data++;
    size--;
    while (size >= 2) {
        int dir = data[0] & 1;
        bool gap = (data[0] & 2) != 0;
        size_t len = data[1];
        data += 2;
        size -= 2;
        if (gap) {
            sensor_smtp_gap(s, dir, (uint64_t)len * 37, ++ts);
        } else {
            if (len > size)
                len = size;
            sensor_smtp_data(s, dir, data, len, ++ts);
            data += len;
            size -= len;
        }
        check_bounds(s);
    }
    sensor_smtp_end(s, ++ts);
    check_bounds(s);
    sensor_smtp_free(s);
    return 0;
}
