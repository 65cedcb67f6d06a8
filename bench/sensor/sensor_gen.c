/* sensor_gen - a large SMTP capture for bench/sensor, made deterministically and written as a
 * pcap file directly (Ethernet/IPv4/TCP, MTU-sized segments): many sessions interleaved at
 * the packet level, each EHLO, MAIL, one to four RCPT, DATA with a message of a mixed size
 * (1 KB to 4 MB, most small, a few large: text paragraphs, some with a base64 attachment of
 * pseudo-random bytes, one in eight with a payment card number), QUIT; the receiver ACKs
 * every second segment. Usage: sensor_gen OUT.pcap BYTES [CONCURRENT [SEED]]. Prints what it
 * wrote. Same arguments, same file.
 * sensor_gen --open-flows N OUT.pcap: N SMTP sessions that each get as far as the EHLO reply
 * and never close (all N concurrent for the sensor), for its memory bound. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1460
#define MAX_CONC 4096

/* One session being written: its script is produced on the fly, one segment at a time. */
struct sess {
    uint32_t client_ip, server_ip;
    uint16_t cport, sport;
    uint32_t cseq, sseq;
    int step;     /* where in the dialogue */
    uint8_t *msg; /* DATA payload (dot-stuffed, with the final ".") */
    size_t msg_len, msg_off;
    unsigned nrcpt, rcpt_done;
    unsigned unacked[2];
    uint64_t id;
    int active;
};

struct gen {
    FILE *out;
    uint64_t rng;
    uint64_t bytes, packets, sessions, messages, msg_bytes;
    uint64_t ts_us;
};

static uint64_t
rnd(struct gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static uint16_t
csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* packet - one Ethernet/IPv4/TCP frame from the client (dir 0) or the server (dir 1) */
static void
packet(struct gen *g, struct sess *s, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
    uint8_t f[14 + 20 + 20 + MSS];
    uint32_t src = dir ? s->server_ip : s->client_ip, dst = dir ? s->client_ip : s->server_ip;
    uint16_t sp = dir ? s->sport : s->cport, dp = dir ? s->cport : s->sport;
    uint32_t seq = dir ? s->sseq : s->cseq, ack = dir ? s->cseq : s->sseq;
    size_t iplen = 20 + 20 + len;
    uint8_t *ip = f + 14, *tcp = f + 34;
    uint32_t hdr[4];

    memset(f, 0, 54);
    memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    uint32_t a = htonl(src), b = htonl(dst);
    memcpy(ip + 12, &a, 4);
    memcpy(ip + 16, &b, 4);
    uint16_t c = htons(csum(ip, 20));
    memcpy(ip + 10, &c, 2);
    uint16_t p16 = htons(sp);
    memcpy(tcp, &p16, 2);
    p16 = htons(dp);
    memcpy(tcp + 2, &p16, 2);
    uint32_t v = htonl(seq);
    memcpy(tcp + 4, &v, 4);
    v = htonl((flags & 0x10) ? ack : 0);
    memcpy(tcp + 8, &v, 4);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    if (len > 0)
        memcpy(tcp + 20, data, len);
    /* TCP checksums left zero: capture files from offloading NICs look the same */
    g->ts_us += 7 + rnd(g) % 20;
    hdr[0] = (uint32_t)(g->ts_us / 1000000u);
    hdr[1] = (uint32_t)(g->ts_us % 1000000u);
    hdr[2] = hdr[3] = (uint32_t)(14 + iplen);
    fwrite(hdr, 4, 4, g->out);
    fwrite(f, 1, 14 + iplen, g->out);
    g->bytes += 16 + 14 + iplen;
    g->packets++;
    uint32_t adv = (uint32_t)len + ((flags & 0x03) ? 1 : 0); /* SYN and FIN count */
    if (dir)
        s->sseq += adv;
    else
        s->cseq += adv;
}

/* send - data from dir, cut at MSS, with the peer's ACK every second segment */
static void
send_data(struct gen *g, struct sess *s, int dir, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t n = len < MSS ? len : MSS;
        packet(g, s, dir, 0x18, p, n);
        p += n;
        len -= n;
        if (++s->unacked[dir] == 2) {
            packet(g, s, !dir, 0x10, NULL, 0);
            s->unacked[dir] = 0;
        }
    }
}

/* send_str - a string's bytes from dir */
static void
send_str(struct gen *g, struct sess *s, int dir, const char *str)
{
    send_data(g, s, dir, str, strlen(str));
}

static const char *const words[] = {
    "the",      "report",  "quarterly", "numbers", "meeting",  "please",  "review",   "attached",
    "customer", "invoice", "shipment",  "project", "update",   "budget",  "contract", "team",
    "schedule", "office",  "account",   "order",   "delivery", "status",  "thanks",   "regards",
    "tomorrow", "monday",  "friday",    "draft",   "final",    "version", "notes",    "agenda"};

/* text - n bytes of paragraphs of words, CRLF lines of ~72 characters */
static void
text(struct gen *g, uint8_t *out, size_t n)
{
    size_t off = 0, col = 0;
    while (off < n) {
        const char *w = words[rnd(g) % (sizeof words / sizeof words[0])];
        size_t wl = strlen(w);
        if (col + wl + 1 > 72) {
            if (off + 2 > n)
                break;
            memcpy(out + off, "\r\n", 2);
            off += 2;
            col = 0;
            continue;
        }
        if (off + wl + 1 > n)
            break;
        memcpy(out + off, w, wl);
        out[off + wl] = ' ';
        off += wl + 1;
        col += wl + 1;
    }
    while (off < n)
        out[off++] = 'x';
}

/* msg_size - 1 KB to 4 MB, most of them small (a log-uniform draw) */
static size_t
msg_size(struct gen *g)
{
    double u = (double)(rnd(g) % 1000000) / 1e6;
    double lo = 10.0, hi = 22.0; /* 2^10 .. 2^22 */
    return (size_t)(1u << (unsigned)(lo + u * (hi - lo))) + rnd(g) % 1024;
}

/* make_msg - a message of about `size` bytes, dot-stuffed, ending in CRLF.CRLF */
static void
make_msg(struct gen *g, struct sess *s)
{
    size_t size = msg_size(g);
    size_t cap = size + 4096;
    uint8_t *m = malloc(cap);
    int len = snprintf((char *)m, cap,
                       "From: user%llu@corp.example\r\nTo: partner%llu@example.net\r\n"
                       "Subject: weekly report %llu\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n"
                       "Message-ID: <%llu@corp.example>\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: multipart/mixed; boundary=\"b%llu\"\r\n\r\n--b%llu\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n\r\n",
                       (unsigned long long)(s->id % 5000), (unsigned long long)(s->id % 777),
                       (unsigned long long)s->id, (unsigned long long)s->id,
                       (unsigned long long)s->id, (unsigned long long)s->id);
    size_t off = (size_t)len;
    int attach = size > 8192 && rnd(g) % 2 == 0;
    size_t body = attach ? size / 4 : size;
    text(g, m + off, body);
    off += body;
    if (s->id % 8 == 0)
        off += (size_t)snprintf((char *)m + off, cap - off, "\r\ncard 4539 1488 0343 6467\r\n");
    off += (size_t)snprintf((char *)m + off, cap - off, "\r\n");
    if (attach) {
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        off += (size_t)snprintf(
            (char *)m + off, cap - off,
            "--b%llu\r\nContent-Type: application/octet-stream; "
            "name=\"data%llu.bin\"\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"data%llu.bin\"\r\n\r\n",
            (unsigned long long)s->id, (unsigned long long)s->id, (unsigned long long)s->id);
        size_t want = size - size / 4;
        while (want > 78 && off + 80 < cap - 64) {
            uint64_t r = 0;
            for (int i = 0; i < 76; i++) {
                if (i % 10 == 0)
                    r = rnd(g);
                m[off++] = (uint8_t)b64[r & 63];
                r >>= 6;
            }
            m[off++] = '\r';
            m[off++] = '\n';
            want -= 78;
        }
    }
    off += (size_t)snprintf((char *)m + off, cap - off, "--b%llu--\r\n.\r\n",
                            (unsigned long long)s->id);
    s->msg = m;
    s->msg_len = off;
    s->msg_off = 0;
    g->messages++;
    g->msg_bytes += off;
}

/* start - a new session in slot s */
static void
start(struct gen *g, struct sess *s, uint64_t id)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->client_ip = 0x0a000000u | (uint32_t)(1 + id % 60000); /* 10.0.x.y */
    s->server_ip = 0xc6336400u | (uint32_t)(1 + (id % 7));   /* 198.51.100.x */
    s->cport = (uint16_t)(1024 + (id * 7919) % 60000);
    s->sport = (id % 5 == 0) ? 587 : 25;
    s->cseq = (uint32_t)rnd(g);
    s->sseq = (uint32_t)rnd(g);
    s->nrcpt = 1 + (unsigned)(rnd(g) % 4);
    s->active = 1;
    g->sessions++;
}

/* step - one move of session s (a segment or two); returns 0 when the session is over */
static int
step(struct gen *g, struct sess *s)
{
    char line[256];
    int n;

    switch (s->step++) {
    case 0:
        packet(g, s, 0, 0x02, NULL, 0);
        return 1;
    case 1:
        packet(g, s, 1, 0x12, NULL, 0);
        return 1;
    case 2:
        packet(g, s, 0, 0x10, NULL, 0);
        return 1;
    case 3:
        send_str(g, s, 1, "220 mx.example.net ESMTP Postfix\r\n");
        return 1;
    case 4:
        n = snprintf(line, sizeof line, "EHLO ws%llu.corp.example\r\n", (unsigned long long)s->id);
        send_data(g, s, 0, line, (size_t)n);
        return 1;
    case 5:
        send_str(g, s, 1,
                 "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
                 "250-8BITMIME\r\n250 SMTPUTF8\r\n");
        return 1;
    case 6:
        n = snprintf(line, sizeof line, "MAIL FROM:<user%llu@corp.example>\r\n",
                     (unsigned long long)(s->id % 5000));
        send_data(g, s, 0, line, (size_t)n);
        send_str(g, s, 1, "250 2.1.0 Ok\r\n");
        return 1;
    case 7:
        n = snprintf(line, sizeof line, "RCPT TO:<partner%u@example.net>\r\n", s->rcpt_done);
        send_data(g, s, 0, line, (size_t)n);
        send_str(g, s, 1, "250 2.1.5 Ok\r\n");
        if (++s->rcpt_done < s->nrcpt)
            s->step = 7;
        return 1;
    case 8:
        send_str(g, s, 0, "DATA\r\n");
        send_str(g, s, 1, "354 End data with <CR><LF>.<CR><LF>\r\n");
        make_msg(g, s);
        return 1;
    case 9: {
        size_t left = s->msg_len - s->msg_off, n2 = left < 4 * MSS ? left : 4 * MSS;
        send_data(g, s, 0, s->msg + s->msg_off, n2);
        s->msg_off += n2;
        if (s->msg_off < s->msg_len)
            s->step = 9;
        return 1;
    }
    case 10:
        free(s->msg);
        s->msg = NULL;
        n = snprintf(line, sizeof line, "250 2.0.0 Ok: queued as %08llX\r\n",
                     (unsigned long long)s->id);
        send_data(g, s, 1, line, (size_t)n);
        return 1;
    case 11:
        send_str(g, s, 0, "QUIT\r\n");
        send_str(g, s, 1, "221 2.0.0 Bye\r\n");
        return 1;
    case 12:
        packet(g, s, 0, 0x11, NULL, 0);
        packet(g, s, 1, 0x11, NULL, 0);
        packet(g, s, 0, 0x10, NULL, 0);
        return 0;
    }
    return 0;
}

/* open_flows - n sessions up to the EHLO reply, none closed */
static int
open_flows(uint64_t n, const char *path)
{
    struct gen g = {.rng = 0x9e3779b97f4a7c15u, .ts_us = 1793613600000000u};
    uint32_t fh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    struct sess s;

    g.out = fopen(path, "wb");
    if (g.out == NULL) {
        perror(path);
        return 2;
    }
    setvbuf(g.out, NULL, _IOFBF, 1 << 20);
    fwrite(fh, 4, 6, g.out);
    g.bytes = 24;
    for (uint64_t id = 1; id <= n; id++) {
        start(&g, &s, id);
        /* distinct 4-tuples: the client address and port from the id */
        s.client_ip = 0x0a000000u | (uint32_t)(id >> 8 & 0xffffff);
        s.cport = (uint16_t)(1024 + (id & 0xff));
        for (int k = 0; k < 6; k++)
            step(&g, &s);
    }
    if (fclose(g.out) != 0) {
        perror(path);
        return 2;
    }
    printf("wrote %s: %llu bytes, %llu packets, %llu open sessions\n", path,
           (unsigned long long)g.bytes, (unsigned long long)g.packets, (unsigned long long)n);
    return 0;
}

int
main(int argc, char **argv)
{
    static struct sess slots[MAX_CONC];
    struct gen g = {.rng = 0x9e3779b97f4a7c15u, .ts_us = 1793613600000000u};
    uint32_t fh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};

    if (argc == 4 && strcmp(argv[1], "--open-flows") == 0)
        return open_flows(strtoull(argv[2], NULL, 10), argv[3]);
    if (argc < 3) {
        fprintf(stderr, "usage: sensor_gen OUT.pcap BYTES [CONCURRENT [SEED]]\n"
                        "       sensor_gen --open-flows N OUT.pcap\n");
        return 2;
    }
    uint64_t want = strtoull(argv[2], NULL, 10);
    size_t conc = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    if (argc > 4)
        g.rng ^= strtoull(argv[4], NULL, 10) * 0x9e3779b97f4a7c15u;
    if (conc == 0 || conc > MAX_CONC)
        conc = 200;
    g.out = fopen(argv[1], "wb");
    if (g.out == NULL) {
        perror(argv[1]);
        return 2;
    }
    setvbuf(g.out, NULL, _IOFBF, 1 << 20);
    fwrite(fh, 4, 6, g.out);
    g.bytes = 24;
    uint64_t next_id = 1;
    size_t live = 0;
    for (size_t i = 0; i < conc; i++, live++)
        start(&g, &slots[i], next_id++);
    /* round robin over the live sessions; a finished one is replaced until the size is met */
    while (live > 0) {
        for (size_t i = 0; i < conc; i++) {
            struct sess *s = &slots[i];
            if (!s->active)
                continue;
            if (!step(&g, s)) {
                s->active = 0;
                live--;
                if (g.bytes < want) {
                    start(&g, s, next_id++);
                    live++;
                }
            }
        }
    }
    if (fclose(g.out) != 0) {
        perror(argv[1]);
        return 2;
    }
    printf("wrote %s: %llu bytes, %llu packets, %llu sessions, %llu messages (%llu message "
           "bytes)\n",
           argv[1], (unsigned long long)g.bytes, (unsigned long long)g.packets,
           (unsigned long long)g.sessions, (unsigned long long)g.messages,
           (unsigned long long)g.msg_bytes);
    return 0;
}
