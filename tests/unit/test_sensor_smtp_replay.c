/* test_sensor_smtp_replay - real SMTP sessions through passive SMTP: the client and server byte
 * streams of captures from Zeek's test suite (extracted once into tests/data/sensor/ by
 * extract_streams.py), and, when the corpus is at SW_SHARED_DIR, the captures themselves through
 * the whole sensor pipeline; records must carry the values of Zeek's smtp.log baselines for
 * every field both have (zeek/baselines/<test>/smtp.log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>

#include "sensor/sensor_pcap.h"
#include "sensor/sensor_smtp.h"
#include "test_sensor_smtp_rec.h"

#define EV(g) ((g).events.data != NULL ? (g).events.data : "")

/* slurp - a whole file, or NULL */
static char *
slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct buf b;
    char chunk[4096];
    size_t n;

    if (fp == NULL)
        return NULL;
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    fclose(fp);
    *len = b.len;
    return b.data != NULL ? b.data : xstrdup("");
}

/* fixture - tests/data/sensor/<name>.<ext> */
static char *
fixture(const char *name, const char *ext, size_t *len)
{
    const char *dir = getenv("SW_SOURCE_DIR");
    char path[1024];
    char *data;

    snprintf(path, sizeof path, "%s/tests/data/sensor/%s.%s", dir != NULL ? dir : ".", name, ext);
    data = slurp(path, len);
    if (data == NULL)
        fail_msg("missing fixture %s (set SW_SOURCE_DIR)", path);
    return data;
}

/* replay - the client stream then the server stream, in pieces of chunk bytes (0 = whole):
 * what the client sent before an answer waits for it, so the dialogue comes out in order */
static void
replay(const char *name, size_t chunk, struct got *g)
{
    struct sensor_smtp_options o = sensor_smtp_options_default();
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct content_options co = content_options_default();
    char err[256];
    struct content_engine *e = content_engine_new(&co, err, sizeof err);
    size_t len[2];
    char *data[2] = {fixture(name, "c2s", &len[0]), fixture(name, "s2c", &len[1])};
    struct sensor_smtp *s;

    assert_non_null(e);
    o.content = e;
    got_init(g);
    s = sensor_smtp_new(&o, &cb, g);
    for (int d = 0; d < 2; d++) {
        size_t step = chunk == 0 ? len[d] : chunk;
        for (size_t off = 0; off < len[d]; off += step)
            sensor_smtp_data(s, d, (const uint8_t *)data[d] + off,
                             len[d] - off < step ? len[d] - off : step, 1);
    }
    sensor_smtp_end(s, 2);
    sensor_smtp_free(s);
    content_engine_free(e);
    free(data[0]);
    free(data[1]);
}

static void
test_wireshark_sample(void **state)
{
    struct got g, bytewise;

    (void)state;
    replay("wireshark-smtp-1", 0, &g);
    assert_int_equal(g.nrec, 1);
    /* zeek/baselines/scripts.base.protocols.smtp.basic/smtp.log, first row */
    assert_string_equal(field(&g, 0, "trans_depth"), "1");
    assert_string_equal(field(&g, 0, "helo"), "GP");
    assert_string_equal(field(&g, 0, "mailfrom"), "gurpartap@patriots.in");
    assert_string_equal(field(&g, 0, "rcptto"), "raj_deol2002in@yahoo.co.in:250");
    assert_string_equal(field(&g, 0, "date"), "Mon, 5 Oct 2009 11:36:07 +0530");
    assert_string_equal(field(&g, 0, "from"), "\"Gurpartap Singh\" <gurpartap@patriots.in>");
    assert_string_equal(field(&g, 0, "to"), "<raj_deol2002in@yahoo.co.in>");
    assert_string_equal(field(&g, 0, "cc"), "-");
    assert_string_equal(field(&g, 0, "reply_to"), "-");
    assert_string_equal(field(&g, 0, "msg_id"), "<000301ca4581$ef9e57f0$cedb07d0$@in>");
    assert_string_equal(field(&g, 0, "in_reply_to"), "-");
    assert_string_equal(field(&g, 0, "subject"), "SMTP");
    assert_string_equal(field(&g, 0, "x_originating_ip"), "-");
    assert_string_equal(field(&g, 0, "first_received"), "-");
    assert_string_equal(field(&g, 0, "second_received"), "-");
    assert_string_equal(field(&g, 0, "last_reply"), "250 OK id=1Mugho-0003Dg-Un");
    assert_string_equal(field(&g, 0, "user_agent"), "Microsoft Office Outlook 12.0");
    assert_string_equal(field(&g, 0, "tls"), "0");
    /* ours: the AUTH LOGIN in the clear, and the attachment Zeek lists in files.log */
    assert_string_equal(field(&g, 0, "auth_user"), "gurpartap@patriots.in");
    assert_string_equal(field(&g, 0, "auth_mech"), "LOGIN");
    assert_string_equal(field(&g, 0, "auth_cleartext"), "1");
    assert_string_equal(field(&g, 0, "auth_outcome"), "success");
    assert_null(strstr(g.rec[0].data, "punjab"));
    assert_null(strstr(g.rec[0].data, "cHVuamFiQDEyMw"));
    assert_non_null(strstr(field(&g, 0, "attachments"), "NEWS.txt/10807/"));
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    assert_string_equal(EV(g), "auth_cleartext:gurpartap@patriots.in:LOGIN\n");

    replay("wireshark-smtp-1", 1, &bytewise);
    assert_int_equal(bytewise.nrec, 1);
    assert_string_equal(bytewise.rec[0].data, g.rec[0].data);
    assert_string_equal(EV(bytewise), EV(g));
    got_release(&g);
    got_release(&bytewise);
}

static void
test_apple_mail_cc(void **state)
{
    struct got g;

    (void)state;
    replay("wireshark-smtp-2", 0, &g);
    assert_int_equal(g.nrec, 1);
    /* zeek/baselines/scripts.base.protocols.smtp.basic/smtp.log, second row */
    assert_string_equal(field(&g, 0, "helo"), "[192.168.133.100]");
    assert_string_equal(field(&g, 0, "mailfrom"), "albert@example.com");
    assert_string_equal(field(&g, 0, "rcptto"),
                        "ericlim220@yahoo.com:250,felica4uu@hotmail.com:250,"
                        "davis_mark1@outlook.com:250");
    assert_string_equal(field(&g, 0, "date"), "Sat, 25 Jul 2015 16:43:07 +0300");
    assert_string_equal(field(&g, 0, "from"), "Albert Zaharovits <albert@example.com>");
    assert_string_equal(field(&g, 0, "to"), "ericlim220@yahoo.com");
    assert_string_equal(field(&g, 0, "cc"), "felica4uu@hotmail.com,davis_mark1@outlook.com");
    assert_string_equal(field(&g, 0, "msg_id"),
                        "<A6202DF2-8E58-4E41-BE0B-C8D3989A4AEE@example.com>");
    assert_string_equal(field(&g, 0, "in_reply_to"),
                        "<9ACEE03C-AB98-4046-AEC1-BF4910C61E96@example.com>");
    assert_string_equal(field(&g, 0, "subject"), "Re: Bro SMTP CC Header");
    assert_string_equal(field(&g, 0, "last_reply"), "250 Ok");
    assert_string_equal(field(&g, 0, "user_agent"), "Apple Mail (2.2102)");
    assert_string_equal(field(&g, 0, "auth_user"), "-");
    got_release(&g);
}

static void
test_zeek_starttls(void **state)
{
    struct got g;

    (void)state;
    replay("zeek-starttls-1", 0, &g);
    /* zeek/baselines/scripts.base.protocols.smtp.starttls/smtp.log */
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "helo"), "openssl.client.net");
    assert_string_equal(field(&g, 0, "mailfrom"), "-");
    assert_string_equal(field(&g, 0, "last_reply"), "220 2.0.0 Ready to start TLS");
    assert_string_equal(field(&g, 0, "tls"), "1");
    assert_string_equal(EV(g), "starttls\n");
    got_release(&g);
}

static void
test_zeek_bdat(void **state)
{
    struct got g;

    (void)state;
    replay("zeek-bdat-1", 0, &g);
    /* zeek/baselines/scripts.base.protocols.smtp.bdat/smtp.log */
    assert_int_equal(g.nrec, 1);
    assert_string_equal(field(&g, 0, "helo"), "localhost");
    assert_string_equal(field(&g, 0, "mailfrom"), "zeek@localhost");
    assert_string_equal(field(&g, 0, "rcptto"), "root@localhost:250");
    assert_string_equal(field(&g, 0, "from"), "Sam@random.com");
    assert_string_equal(field(&g, 0, "to"), "Susan@random.com");
    assert_string_equal(field(&g, 0, "subject"), "This is a bodyless test message");
    assert_string_equal(field(&g, 0, "last_reply"), "250 2.0.0 Ok: 86 bytes queued as 1E2891CA025");
    assert_string_equal(field(&g, 0, "bdat"), "1");
    assert_string_equal(field(&g, 0, "msg_size"), "86");
    assert_string_equal(field(&g, 0, "message_complete"), "1");
    got_release(&g);
}

static void
test_zeek_bdat_pipeline(void **state)
{
    struct got g;

    (void)state;
    replay("zeek-bdat-pipeline-1", 0, &g);
    /* zeek/baselines/scripts.base.protocols.smtp.bdat-pipeline-8bitmime/smtp.log */
    assert_int_equal(g.nrec, 2);
    assert_string_equal(field(&g, 0, "helo"), "vger.kernel.org");
    assert_string_equal(field(&g, 0, "mailfrom"), "linux-kernel-owner@vger.kernel.org");
    assert_string_equal(field(&g, 0, "rcptto"), "trafficwatcher@foundit.scootmail.com:250");
    assert_string_equal(field(&g, 0, "date"), "Thu, 4 Mar 2021 11:38:56 +0200");
    assert_string_equal(field(&g, 0, "from"), "Andy Shevchenko <andy.shevchenko@gmail.com>");
    assert_string_equal(field(&g, 0, "to"), "Andrew Morton <akpm@linux-foundation.org>");
    /* source order; Zeek's column is a set */
    assert_string_equal(
        field(&g, 0, "cc"),
        "Daniel Lezcano <daniel.lezcano@linaro.org>,\"rafael@kernel.org\" "
        "<rafael@kernel.org>,Andy Shevchenko <andriy.shevchenko@linux.intel.com>,"
        "Lukasz Luba <lukasz.luba@arm.com>,open list <linux-kernel@vger.kernel.org>");
    assert_string_equal(field(&g, 0, "msg_id"),
                        "<CAHp75Vd5u1jHKPALfBTTqEoXf-4OAdLhsn3A-fzPw3Me=7hhMA@mail.gmail.com>");
    assert_string_equal(field(&g, 0, "in_reply_to"),
                        "<20210303163125.dcc0a086a939a58ed30750e8@linux-foundation.org>");
    assert_string_equal(field(&g, 0, "subject"), "Re: [PATCH 1/2] units: Add the HZ_PER_KHZ macro");
    assert_string_equal(field(&g, 0, "first_received"),
                        "by mail-pf1-x42f.google.com with SMTP id y67so641134pfb.2        for "
                        "<linux-kernel@vger.kernel.org>; Thu, 04 Mar 2021 01:39:13 -0800 (PST)");
    assert_string_equal(field(&g, 0, "second_received"),
                        "from mail-pf1-x42f.google.com (mail-pf1-x42f.google.com "
                        "[IPv6:2607:f8b0:4864:20::42f])        by lindbergh.monkeyblade.net "
                        "(Postfix) with ESMTPS id A02A7C061574        for "
                        "<linux-kernel@vger.kernel.org>; Thu,  4 Mar 2021 01:39:13 -0800 (PST)");
    assert_string_equal(field(&g, 0, "last_reply"), "250 OK id=1lHkUh-008hPw-NY");
    /* without endpoints the path is only what the Received headers give */
    assert_string_equal(field(&g, 0, "path"), "23.128.96.19");
    assert_string_equal(field(&g, 0, "user_agent"), "-");
    assert_string_equal(field(&g, 0, "bdat"), "1");
    assert_string_equal(field(&g, 0, "msg_size"), "4404");
    /* the client's stream is read whole before the replies, so the second MAIL begins before
     * the first message is answered: depth 1, as Zeek would count it (in capture order, as in
     * test_pcap_bdat, it is 2) */
    assert_string_equal(field(&g, 1, "trans_depth"), "1");
    assert_string_equal(field(&g, 1, "date"), "Thu,  4 Mar 2021 10:38:07 +0100");
    assert_string_equal(field(&g, 1, "subject"),
                        "[RFC v4] copy_file_range.2: Update cross-filesystem support for 5.12");
    assert_string_equal(field(&g, 1, "last_reply"), "250 OK id=1lHkUi-008hPw-0x");
    assert_string_equal(field(&g, 1, "path"), "23.128.96.19,170.253.51.130");
    assert_string_equal(field(&g, 1, "user_agent"), "git-send-email 2.30.1.721.g45526154a5");
    assert_string_equal(field(&g, 1, "msg_size"), "8757");
    assert_string_equal(EV(g), "");
    got_release(&g);
}

/* ---- the captures through the whole pipeline, against the baseline files ---- */

struct pipe {
    struct got g;
    struct sensor_smtp_options o;
};

static void
key_addr(const uint8_t a[16], char *out)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (memcmp(a, mapped, 12) == 0)
        inet_ntop(AF_INET, a + 12, out, INET6_ADDRSTRLEN);
    else
        inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

static void
p_open(void *ctx, struct sensor_flow *f)
{
    struct pipe *p = ctx;
    struct sensor_smtp_callbacks cb = {on_record, on_event};
    struct sensor_smtp_options o = p->o;
    char c[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];

    if (!f->smtp_port)
        return;
    o.implicit_tls = f->key.server_port == 465;
    f->app = sensor_smtp_new(&o, &cb, &p->g);
    key_addr(f->key.client, c);
    key_addr(f->key.server, s);
    sensor_smtp_set_endpoints(f->app, "C1", c, f->key.client_port, s, f->key.server_port);
}

static void
p_data(void *ctx, struct sensor_flow *f, enum sensor_dir dir, const uint8_t *b, size_t len)
{
    (void)ctx;
    if (f->app != NULL)
        sensor_smtp_data(f->app, dir == SENSOR_DIR_TO_CLIENT, b, len, f->last_ts);
}

static void
p_event(void *ctx, struct sensor_flow *f, enum sensor_dir dir, enum sensor_tcp_event ev,
        uint64_t count)
{
    (void)ctx;
    if (f->app != NULL && ev == SENSOR_TCP_EV_GAP)
        sensor_smtp_gap(f->app, dir == SENSOR_DIR_TO_CLIENT, count, f->last_ts);
}

static void
p_close(void *ctx, struct sensor_flow *f, enum sensor_flow_close reason)
{
    (void)ctx;
    (void)reason;
    if (f->app == NULL)
        return;
    sensor_smtp_end(f->app, f->last_ts);
    f->app = sensor_smtp_free(f->app);
}

/* zeek_value - our record's text for a Zeek column: "" and "-" alike, sets sorted */
static void
norm(const char *v, bool set, char *out, size_t cap)
{
    char *items[1024];
    size_t n = 0;
    char tmp[8192];

    if (strcmp(v, "") == 0 || strcmp(v, "(empty)") == 0)
        v = "-";
    snprintf(tmp, sizeof tmp, "%s", v);
    if (!set) {
        snprintf(out, cap, "%s", tmp);
        return;
    }
    for (char *p = tmp, *save = NULL; n < 1024; p = NULL) {
        char *it = strtok_r(p, ",", &save);
        if (it == NULL)
            break;
        items[n++] = it;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
            char *t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i > 0 ? "," : "", items[i]);
}

/* run_pipeline - a Zeek trace through libpcap, the engine and passive SMTP into p->g */
static void
run_pipeline(const char *dir, const char *trace, struct pipe *p)
{
    struct sensor_engine_cfg cfg;
    struct sensor_engine *e;
    struct buf err;
    char path[1024];

    memset(p, 0, sizeof *p);
    p->o = sensor_smtp_options_default();
    got_init(&p->g);
    sensor_engine_cfg_defaults(&cfg);
    cfg.ctx = p;
    cfg.flow_open = p_open;
    cfg.flow_close = p_close;
    cfg.data = p_data;
    cfg.event = p_event;
    e = sensor_engine_new(&cfg);
    buf_init(&err, 0);
    snprintf(path, sizeof path, "%s/corpus/zeek/traces/%s", dir, trace);
    assert_int_equal(sensor_pcap_read_file(e, path, NULL, &err), 0);
    sensor_engine_free(e);
    buf_release(&err);
}

/* is_set_column - Zeek set[string] columns, compared without order */
static bool
is_set_column(const char *col)
{
    return strcmp(col, "rcptto") == 0 || strcmp(col, "to") == 0 || strcmp(col, "cc") == 0;
}

/* our_value - record `row` as Zeek would print column col, normalised into out */
static void
our_value(struct got *g, size_t row, const char *col, char *out, size_t cap)
{
    char tmp[8192];

    if (strncmp(col, "id.", 3) == 0) {
        snprintf(tmp, sizeof tmp, "%s", field(g, row, col[3] == 'o' ? "orig" : "resp"));
        char *colon = strrchr(tmp, ':');
        assert_non_null(colon);
        *colon = '\0';
        norm(col[strlen(col) - 1] == 'h' ? tmp : colon + 1, false, out, cap);
    } else if (strcmp(col, "rcptto") == 0) {
        /* ours carries the reply codes: drop them */
        snprintf(tmp, sizeof tmp, "%s", field(g, row, "rcptto"));
        for (char *q = tmp, *w = tmp;; q++) {
            if (*q == ':')
                while (*q != ',' && *q != '\0')
                    q++;
            *w++ = *q;
            if (*q == '\0')
                break;
        }
        norm(tmp, true, out, cap);
    } else if (strcmp(col, "tls") == 0) {
        norm(strcmp(field(g, row, "tls"), "1") == 0 ? "T" : "F", false, out, cap);
    } else {
        norm(field(g, row, col), is_set_column(col), out, cap);
    }
}

/* compare_baseline - every row of a baseline smtp.log against our records in order; skip
 * names columns left out (" from to ") */
static void
compare_baseline(const char *trace, const char *test, const char *skip)
{
    static const char *const cols[] = {"id.orig_h",
                                       "id.orig_p",
                                       "id.resp_h",
                                       "id.resp_p",
                                       "trans_depth",
                                       "helo",
                                       "mailfrom",
                                       "rcptto",
                                       "date",
                                       "from",
                                       "to",
                                       "cc",
                                       "reply_to",
                                       "msg_id",
                                       "in_reply_to",
                                       "subject",
                                       "x_originating_ip",
                                       "first_received",
                                       "second_received",
                                       "last_reply",
                                       "path",
                                       "user_agent",
                                       "tls"};
    const char *dir = getenv("SW_SHARED_DIR");
    char path[1024], names[64][32], a[8192], b[8192];
    struct pipe p;
    size_t len, ncols = 0, row = 0;
    char *log;

    if (dir == NULL) {
        print_message("SW_SHARED_DIR not set: skipping %s\n", trace);
        return;
    }
    run_pipeline(dir, trace, &p);
    snprintf(path, sizeof path, "%s/corpus/zeek/baselines/%s/smtp.log", dir, test);
    log = slurp(path, &len);
    assert_non_null(log);
    for (char *line = log, *next; line != NULL && *line != '\0'; line = next) {
        char *vals[64];
        size_t c = 0;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strncmp(line, "#fields\t", 8) == 0) {
            for (char *f = line + 8, *save = NULL; (f = strtok_r(f, "\t", &save)) != NULL; f = NULL)
                snprintf(names[ncols++], sizeof names[0], "%s", f);
            continue;
        }
        if (line[0] == '#')
            continue;
        for (char *f = line, *save = NULL; c < 64 && (f = strtok_r(f, "\t", &save)) != NULL;
             f = NULL)
            vals[c++] = f;
        for (size_t i = 0; i < c && i < ncols; i++) {
            const char *col = NULL;
            for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
                if (strcmp(names[i], cols[k]) == 0)
                    col = cols[k];
            if (col == NULL || (skip != NULL && strstr(skip, col) != NULL))
                continue;
            our_value(&p.g, row, col, a, sizeof a);
            norm(vals[i], is_set_column(col), b, sizeof b);
            if (strcmp(a, b) != 0)
                fail_msg("%s row %zu %s: ours \"%s\", zeek \"%s\"", test, row + 1, col, a, b);
        }
        row++;
    }
    assert_int_equal(p.g.nrec, row);
    free(log);
    got_release(&p.g);
}

static void
test_pcap_basic(void **state)
{
    (void)state;
    compare_baseline("smtp.pcap", "scripts.base.protocols.smtp.basic", NULL);
}

static void
test_pcap_starttls(void **state)
{
    (void)state;
    compare_baseline("tls/smtp-starttls.pcap", "scripts.base.protocols.smtp.starttls", NULL);
}

static void
test_pcap_bdat(void **state)
{
    (void)state;
    compare_baseline("smtp/rfc3030-bdat-example1.pcap", "scripts.base.protocols.smtp.bdat", NULL);
    compare_baseline("smtp/rfc3030-bdat-0-last.pcap", "scripts.base.protocols.smtp.bdat-0-last",
                     NULL);
    compare_baseline("smtp/smtp-bdat-pipeline-8bitmime.pcap",
                     "scripts.base.protocols.smtp.bdat-pipeline-8bitmime", NULL);
    compare_baseline("smtp/rfc3030-bdat-multipart-chunked.pcap",
                     "scripts.base.protocols.smtp.bdat-multipart-chunked", NULL);
}

static void
test_pcap_more_bdat(void **state)
{
    (void)state;
    compare_baseline("smtp/rfc3030-bdat-multipart.pcap",
                     "scripts.base.protocols.smtp.bdat-multipart", NULL);
    /* after the hole the client sends DATA with a whole message: we read its header section
     * (a new message of the transaction); Zeek's MIME state is still the lost chunk's */
    compare_baseline("smtp/smtp-bdat-gap.pcap", "scripts.base.protocols.smtp.bdat-gap",
                     " from to subject ");
    compare_baseline("smtp/smtp-bdat-cmd-chunk-size-overflow.pcap",
                     "scripts.base.protocols.smtp.bdat-chunk-size-overflow", NULL);
    compare_baseline("smtp/smtp-bdat-cmd-negative-chunk-size.pcap",
                     "scripts.base.protocols.smtp.bdat-negative-chunk-size", NULL);
}

static void
test_pcap_invalid_transactions(void **state)
{
    (void)state;
    compare_baseline("smtp-mail-transactions-invalid.pcap",
                     "scripts.base.protocols.smtp.mail-transactions-invalid", NULL);
}

static void
test_pcap_attachment_msg(void **state)
{
    (void)state;
    compare_baseline("smtp-attachment-msg.pcap", "scripts.base.protocols.smtp.attachment-msg",
                     NULL);
}

static void
test_pcap_one_side(void **state)
{
    /* no reply to "." is seen, so both transactions are number 1, as Zeek counts them */
    (void)state;
    compare_baseline("smtp-one-side-only.pcap", "scripts.base.protocols.smtp.one-side", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wireshark_sample),
        cmocka_unit_test(test_apple_mail_cc),
        cmocka_unit_test(test_zeek_starttls),
        cmocka_unit_test(test_zeek_bdat),
        cmocka_unit_test(test_zeek_bdat_pipeline),
        cmocka_unit_test(test_pcap_basic),
        cmocka_unit_test(test_pcap_starttls),
        cmocka_unit_test(test_pcap_bdat),
        cmocka_unit_test(test_pcap_more_bdat),
        cmocka_unit_test(test_pcap_invalid_transactions),
        cmocka_unit_test(test_pcap_attachment_msg),
        cmocka_unit_test(test_pcap_one_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
