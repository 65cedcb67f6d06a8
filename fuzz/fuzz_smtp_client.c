/*
 * fuzz_smtp_client - arbitrary server output against a client that runs a whole transaction,
 * and arbitrary message content through the client's dot-stuffing.
 *
 * Invariants: the content written between DATA's 354 and the final "." has CRLF line ends
 * only and no line that is exactly "."; replies reach the hook at most once per command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_client.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    struct smtp_client *c;
    struct buf sent;
    unsigned replies, issued;
};

static void
fz_send(void *ctx, const char *data, size_t len)
{
    struct fz *f = ctx;
    buf_append(&f->sent, data, len);
}

static void
fz_reply(void *ctx, enum smtp_client_cmd cmd, const struct smtp_reply *r, void *user)
{
    struct fz *f = ctx;
    if (++f->replies > f->issued)
        abort();
}

static void
fz_error(void *ctx, const char *what)
{
}

static const struct smtp_client_hooks fz_hooks = {fz_send, fz_reply, fz_error};

/* check_stuffed - the wire form of a message: CRLF only, no lone "." line before the end */
static void
check_stuffed(const char *w, size_t len)
{
    if (len < 3 || memcmp(w + len - 3, ".\r\n", 3) != 0)
        abort();
    for (size_t i = 0; i < len; i++) {
        if (w[i] == '\n' && (i == 0 || w[i - 1] != '\r'))
            abort();
        if (w[i] == '\r' && (i + 1 >= len || w[i + 1] != '\n'))
            abort();
    }
    for (size_t i = 0; i + 3 < len; i++) {
        bool bol = i == 0 || w[i - 1] == '\n';
        if (bol && w[i] == '.' && w[i + 1] == '\r')
            abort(); /* an unstuffed "." line would end the message early */
    }
}

/* content - stuff data as message content in two pieces and check the result */
static void
content(const char *data, size_t size)
{
    struct fz f;

    memset(&f, 0, sizeof f);
    buf_init(&f.sent, 0);
    f.c = smtp_client_new(&fz_hooks, &f);
    f.issued = 5;
    smtp_client_feed(f.c, "220 mx\r\n", 8);
    smtp_client_helo(f.c, "gw", NULL);
    smtp_client_feed(f.c, "250 mx\r\n", 8);
    smtp_client_mail(f.c, "a@b", NULL, NULL);
    smtp_client_rcpt(f.c, "c@d", NULL, NULL);
    smtp_client_data(f.c, NULL);
    smtp_client_feed(f.c, "250 ok\r\n250 ok\r\n354 go\r\n", 24);
    size_t start = f.sent.len;
    smtp_client_content(f.c, data, size / 2);
    smtp_client_content(f.c, data + size / 2, size - size / 2);
    smtp_client_content_end(f.c, NULL);
    check_stuffed(f.sent.data + start, f.sent.len - start);
    smtp_client_free(f.c);
    buf_release(&f.sent);
}

/* replies - a pipelined transaction against arbitrary server output */
static void
replies(const char *data, size_t size)
{
    struct fz f;

    memset(&f, 0, sizeof f);
    buf_init(&f.sent, 0);
    f.c = smtp_client_new(&fz_hooks, &f);
    smtp_client_ehlo(f.c, "gw", NULL);
    smtp_client_mail(f.c, "a@b", "SIZE=1", NULL);
    smtp_client_rcpt(f.c, "c@d", NULL, NULL);
    smtp_client_data(f.c, NULL);
    smtp_client_content(f.c, "x\r\n.\r\n", 6);
    smtp_client_content_end(f.c, NULL);
    smtp_client_quit(f.c, NULL);
    f.issued = 7;
    for (size_t off = 0; off < size; off += 5)
        smtp_client_feed(f.c, data + off, size - off < 5 ? size - off : 5);
    (void)smtp_client_pending(f.c);
    (void)smtp_client_max_size(f.c);
    smtp_client_free(f.c);
    buf_release(&f.sent);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    content((const char *)data, size);
    replies((const char *)data, size);
    return 0;
}
