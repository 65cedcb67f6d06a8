/* test_sensor_pcap - real captures from the Zeek and Suricata test suites through libpcap and the
 * whole pipeline: the reassembled SMTP dialogue must hold the exact lines those projects'
 * baselines show (zeek/baselines/scripts.base.protocols.smtp.basic/smtp.log), and a capture
 * with a hole must report it (zeek/baselines/...smtp.bdat-gap/conn.log.cut: missed_bytes 1000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_pcap.h"
#include "util/buf.h"

#define MAX_FLOWS 16

struct flow_rec {
    uint16_t client_port, server_port;
    struct buf bytes[2];
    uint64_t gaps[2], gap_bytes[2];
    bool fin[2], rst;
    int closed; /* reason + 1 */
};

struct rec {
    struct flow_rec flows[MAX_FLOWS];
    size_t n;
};

static void
on_open(void *ctx, struct sensor_flow *f)
{
    struct rec *r = ctx;

    if (r->n == MAX_FLOWS)
        return;
    struct flow_rec *fr = &r->flows[r->n++];
    fr->client_port = f->key.client_port;
    fr->server_port = f->key.server_port;
    buf_init(&fr->bytes[0], 0);
    buf_init(&fr->bytes[1], 0);
    f->app = fr;
}

static void
on_data(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *b, size_t len)
{
    struct flow_rec *fr = f->app;

    if (fr != NULL)
        buf_append(&fr->bytes[dir], b, len);
}

static void
on_event(void *ctx, struct sensor_flow *f, enum sensor_dir dir, enum sensor_tcp_event ev,
         uint64_t count)
{
    struct flow_rec *fr = f->app;

    if (fr == NULL)
        return;
    if (ev == SENSOR_TCP_EV_GAP) {
        fr->gaps[dir]++;
        fr->gap_bytes[dir] += count;
    } else if (ev == SENSOR_TCP_EV_FIN) {
        fr->fin[dir] = true;
    } else if (ev == SENSOR_TCP_EV_RST) {
        fr->rst = true;
    }
}

static void
on_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    struct flow_rec *fr = f->app;

    if (fr != NULL)
        fr->closed = (int)reason + 1;
}

static void
rec_release(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        buf_release(&r->flows[i].bytes[0]);
        buf_release(&r->flows[i].bytes[1]);
    }
}

/* corpus - SW_SHARED_DIR/corpus/rel, or NULL (skip) when the corpus is not there */
static const char *
corpus(struct buf *path, const char *rel)
{
    const char *dir = getenv("SW_SHARED_DIR");
    FILE *fp;

    buf_reset(path);
    if (dir == NULL)
        return NULL;
    buf_printf(path, "%s/corpus/%s", dir, rel);
    if ((fp = fopen(path->data, "rb")) == NULL)
        return NULL;
    fclose(fp);
    return path->data;
}

/* run - read one corpus file; false (test skipped) when the corpus is missing */
static bool
run(const char *rel, const char *bpf, struct rec *r, struct sensor_engine_stats *stats)
{
    struct sensor_engine_cfg cfg;
    struct buf path, err;

    memset(r, 0, sizeof *r);
    buf_init(&path, 0);
    buf_init(&err, 0);
    if (corpus(&path, rel) == NULL) {
        print_message("SW_SHARED_DIR/corpus/%s not found: skipping\n", rel);
        buf_release(&path);
        return false;
    }
    sensor_engine_cfg_defaults(&cfg);
    cfg.ctx = r;
    cfg.flow_open = on_open;
    cfg.flow_close = on_close;
    cfg.data = on_data;
    cfg.event = on_event;
    struct sensor_engine *e = sensor_engine_new(&cfg);
    int rc = sensor_pcap_read_file(e, path.data, bpf, &err);
    if (rc != 0)
        print_message("%s\n", err.data);
    assert_int_equal(rc, 0);
    *stats = *sensor_engine_stats(e);
    assert_int_equal(sensor_flow_count(sensor_engine_flows(e)), 0); /* all closed at the end */
    sensor_engine_free(e);
    buf_release(&path);
    buf_release(&err);
    return true;
}

static struct flow_rec *
find(struct rec *r, uint16_t client_port, uint16_t server_port)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->flows[i].client_port == client_port && r->flows[i].server_port == server_port)
            return &r->flows[i];
    fail_msg("no flow %u -> %u", client_port, server_port);
    return NULL;
}

static void
assert_contains(const struct buf *b, const char *s)
{
    if (memmem(b->data, b->len, s, strlen(s)) == NULL)
        fail_msg("\"%s\" not in the stream", s);
}

static void
assert_starts(const struct buf *b, const char *s)
{
    assert_true(b->len >= strlen(s));
    assert_memory_equal(b->data, s, strlen(s));
}

static void
assert_ends(const struct buf *b, const char *s)
{
    assert_true(b->len >= strlen(s));
    assert_memory_equal(b->data + b->len - strlen(s), s, strlen(s));
}

/* check_wireshark_session - the Wireshark-wiki session (10.10.1.4:1470 -> 74.53.140.153:25) */
static void
check_wireshark_session(struct flow_rec *f)
{
    const struct buf *c = &f->bytes[SENSOR_DIR_TO_SERVER], *s = &f->bytes[SENSOR_DIR_TO_CLIENT];

    /* lengths cross-checked with an independent reassembly (sorted, de-duplicated payloads) */
    assert_int_equal(c->len, 14705);
    assert_int_equal(s->len, 538);
    assert_starts(c, "EHLO GP\r\nAUTH LOGIN\r\n");
    assert_contains(c, "\r\nMAIL FROM: <gurpartap@patriots.in>\r\n"
                       "RCPT TO: <raj_deol2002in@yahoo.co.in>\r\nDATA\r\n");
    assert_contains(c, "\r\nSubject: SMTP\r\n");
    assert_contains(c, "\r\nX-Mailer: Microsoft Office Outlook 12.0\r\n");
    assert_ends(c, "\r\n.\r\nQUIT\r\n");
    assert_starts(s, "220-xc90.websitewelcome.com ESMTP Exim 4.69 #1 Mon, 05 Oct 2009 01:05:54 "
                     "-0500 \r\n");
    assert_contains(s, "\r\n250-xc90.websitewelcome.com Hello GP [122.162.143.157]\r\n");
    assert_contains(s, "\r\n235 Authentication succeeded\r\n250 OK\r\n250 Accepted\r\n"
                       "354 Enter message, ending with \".\" on a line by itself\r\n"
                       "250 OK id=1Mugho-0003Dg-Un\r\n");
    assert_ends(s, "\r\n221 xc90.websitewelcome.com closing connection\r\n");
    assert_int_equal(f->gaps[0] + f->gaps[1], 0);
    assert_true(f->fin[0] && f->fin[1]);
    assert_int_equal(f->closed, SENSOR_FLOW_CLOSE_FIN + 1);
}

static void
test_zeek_smtp(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("zeek/traces/smtp.pcap", NULL, &r, &st))
        skip();
    assert_int_equal(st.packets, 125);
    assert_int_equal(st.tcp_segments, 118);
    assert_int_equal(st.flow.opened, 6);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.overlap_differs, 0);
    assert_true(st.retransmitted >= 1452 * 4); /* the resent, re-segmented DATA */
    for (int i = 0; i < SENSOR_DECODE_ERR_COUNT; i++)
        assert_int_equal(st.decode_errors[i], 0);
    check_wireshark_session(find(&r, 1470, 25));
    /* the Apple Mail session: three recipients, in order */
    struct flow_rec *f = find(&r, 49648, 25);
    assert_starts(&f->bytes[0], "EHLO [192.168.133.100]\r\nMAIL FROM:<albert@example.com>\r\n"
                                "RCPT TO:<ericlim220@yahoo.com>\r\n"
                                "RCPT TO:<felica4uu@hotmail.com>\r\n"
                                "RCPT TO:<davis_mark1@outlook.com>\r\nDATA\r\n");
    assert_contains(&f->bytes[0], "\r\nSubject: Re: Bro SMTP CC Header\r\n");
    assert_starts(&f->bytes[1], "220 uprise ESMTP SubEthaSMTP null\r\n");
    assert_ends(&f->bytes[1], "354 End data with <CR><LF>.<CR><LF>\r\n250 Ok\r\n");
    assert_int_equal(f->closed, SENSOR_FLOW_CLOSE_END_OF_INPUT + 1);
    rec_release(&r);
}

static void
test_suricata_wireshark_copy(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("suricata-verify/tests/bug-3616-smtp/input.pcap", NULL, &r, &st))
        skip();
    assert_int_equal(st.flow.opened, 1);
    check_wireshark_session(find(&r, 1470, 25));
    rec_release(&r);
}

static void
test_gap_capture(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("zeek/traces/smtp/smtp-bdat-gap.pcap", NULL, &r, &st))
        skip();
    struct flow_rec *f = find(&r, 12345, 25);
    assert_int_equal(f->gaps[SENSOR_DIR_TO_SERVER], 1);
    assert_int_equal(f->gap_bytes[SENSOR_DIR_TO_SERVER], 1000); /* Zeek: missed_bytes 1000 */
    assert_int_equal(f->gaps[SENSOR_DIR_TO_CLIENT], 0);
    assert_int_equal(st.gap_bytes, 1000);
    /* delivery went on after the hole, to the end of the session */
    assert_ends(&f->bytes[SENSOR_DIR_TO_SERVER], "QUIT\r\n");
    assert_true(f->fin[0] && f->fin[1]);
    rec_release(&r);
}

static void
test_pcapng(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("zeek/traces/smtp/smtp-bdat-cmd-invalid.pcapng", NULL, &r, &st))
        skip();
    assert_int_equal(st.packets, 66);
    assert_int_equal(st.flow.opened, 3);
    assert_int_equal(st.flow.closed[SENSOR_FLOW_CLOSE_FIN], 3);
    bool bdat = false;
    for (size_t i = 0; i < r.n; i++)
        bdat = bdat || memmem(r.flows[i].bytes[0].data, r.flows[i].bytes[0].len, "BDAT ", 5);
    assert_true(bdat);
    rec_release(&r);
}

static void
test_null_link(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    /* written on BSD loopback (DLT_NULL) */
    if (!run("suricata-verify/tests/smtp-rset/input.pcap", NULL, &r, &st))
        skip();
    assert_int_equal(st.flow.opened, 1);
    struct flow_rec *f = find(&r, 50062, 25);
    assert_contains(&f->bytes[0], "RSET\r\n");
    assert_starts(&f->bytes[1], "220 ");
    rec_release(&r);
}

static void
test_one_side_only(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("zeek/traces/smtp-one-side-only.pcap", NULL, &r, &st))
        skip();
    assert_int_equal(r.n, 1);
    struct flow_rec *f = &r.flows[0];
    assert_int_equal(f->server_port, 25);
    assert_int_equal(f->bytes[SENSOR_DIR_TO_CLIENT].len, 0);
    assert_int_equal(f->bytes[SENSOR_DIR_TO_SERVER].len, 18530);
    assert_contains(&f->bytes[SENSOR_DIR_TO_SERVER], "robin@icir.org");
    assert_int_equal(st.gaps, 0);
    rec_release(&r);
}

static void
test_filter(void **state)
{
    struct rec r;
    struct sensor_engine_stats st;

    if (!run("zeek/traces/smtp.pcap", "tcp port 25 and host 10.10.1.4", &r, &st))
        skip();
    assert_int_equal(st.flow.opened, 1);
    check_wireshark_session(find(&r, 1470, 25));
    rec_release(&r);
}

static void
test_errors(void **state)
{
    struct sensor_engine_cfg cfg;
    struct buf err, path;
    struct sensor_engine *e;

    sensor_engine_cfg_defaults(&cfg);
    e = sensor_engine_new(&cfg);
    buf_init(&err, 0);
    buf_init(&path, 0);
    assert_int_equal(sensor_pcap_read_file(e, "/nonexistent/x.pcap", NULL, &err), -1);
    assert_non_null(strstr(err.data, "/nonexistent/x.pcap"));
    if (corpus(&path, "zeek/traces/smtp.pcap") != NULL) {
        buf_reset(&err);
        assert_int_equal(sensor_pcap_read_file(e, path.data, "tcp port (", &err), -1);
        assert_non_null(strstr(err.data, "filter"));
    }
    /* a damaged file (a record length of 3.9 GB): what was read counts, then -1 */
    if (corpus(&path,
               "suricata-verify/tests/smtp-to-comma/10.7.29.101_49898-178.63.41.150_25.pcap")) {
        buf_reset(&err);
        assert_int_equal(sensor_pcap_read_file(e, path.data, NULL, &err), -1);
        assert_true(sensor_engine_stats(e)->packets > 0);
        assert_int_equal(sensor_flow_count(sensor_engine_flows(e)), 0);
    }
    sensor_engine_free(e);
    buf_release(&err);
    buf_release(&path);
}

/* test_whole_corpus - every capture reads without error and every flow closes */
static void
test_whole_corpus(void **state)
{
    static const char *const files[] = {
        "zeek/traces/smtp-attachment-msg.pcap",
        "zeek/traces/smtp-mail-transactions-invalid.pcap",
        "zeek/traces/smtp-multi-addr.pcap",
        "zeek/traces/tls/smtp-starttls.pcap",
        "zeek/traces/http/connect-with-smtp.pcap",
        "zeek/traces/smtp/rfc3030-bdat-multipart-chunked.pcap",
        "zeek/traces/smtp/smtp-bdat-pipeline-8bitmime.pcap",
        "suricata-verify/tests/mime/mime-stream-depth/input.pcap",
        "suricata-verify/tests/smtp-pipelining/input.pcap",
        "suricata-verify/tests/smtp-long-DATA-line/input.pcap",
        "suricata-verify/tests/smtp-data-rejected/10.7.29.101_49898-178.63.41.150_25.pcap",
    };

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct rec r;
        struct sensor_engine_stats st;
        if (!run(files[i], NULL, &r, &st))
            continue;
        assert_true(st.flow.opened >= 1);
        assert_int_equal(st.gaps, 0);
        assert_true(st.delivered[0] > 0);
        rec_release(&r);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeek_smtp),    cmocka_unit_test(test_suricata_wireshark_copy),
        cmocka_unit_test(test_gap_capture),  cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_null_link),    cmocka_unit_test(test_one_side_only),
        cmocka_unit_test(test_filter),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_whole_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
