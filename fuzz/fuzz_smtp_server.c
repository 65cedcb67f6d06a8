/*
 * fuzz_smtp_server - a whole client session against the server, fed whole and in small
 * pieces, in both bare-EOL modes, with hooks that decide at once.
 *
 * Invariants: content never carries a bare CR or bare LF; an accepted message's content is
 * empty or ends with CRLF; hooks->close is called at most once and nothing is sent after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    struct smtp_server *s;
    int closed;
    bool tls_pending;
    char prev;      /* the last content octet of the current message, 0 if none */
    size_t msg_len; /* content octets of the current message */
};

static void
fz_send(void *ctx, const char *data, size_t len)
{
    struct fz *f = ctx;
    if (f->closed || len == 0 || len < 4 || data[len - 1] != '\n' || data[len - 2] != '\r')
        abort();
}

static void
fz_close(void *ctx, const char *why)
{
    struct fz *f = ctx;
    if (f->closed++)
        abort();
}

static void
fz_starttls(void *ctx)
{
    struct fz *f = ctx;
    f->tls_pending = true;
}

static void
fz_helo(void *ctx, const char *name, bool esmtp)
{
    struct fz *f = ctx;
    smtp_server_decide(f->s, NULL);
}

static void
fz_auth(void *ctx, const struct smtp_auth_request *req)
{
    struct fz *f = ctx;
    struct smtp_reply no;

    smtp_reply_set(&no, 535, "5.7.8", "no");
    smtp_server_decide(f->s, req->password[0] == 'x' ? NULL : &no);
}

static void
fz_path(void *ctx, const struct smtp_path *p)
{
    struct fz *f = ctx;
    struct smtp_reply no;

    smtp_reply_set(&no, 550, "5.1.1", "no");
    smtp_server_decide(f->s, p->addr[0] == 'z' ? &no : NULL);
}

static void
fz_data(void *ctx)
{
    struct fz *f = ctx;
    f->prev = 0;
    f->msg_len = 0;
    smtp_server_decide(f->s, NULL);
}

static void
fz_data_end(void *ctx)
{
    struct fz *f = ctx;
    /* an accepted message is empty or ends with CRLF */
    if (f->msg_len != 0 && f->prev != '\n')
        abort();
    smtp_server_decide(f->s, NULL);
}

static void
fz_content(void *ctx, const char *data, size_t len)
{
    struct fz *f = ctx;

    if (len == 0)
        abort();
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if ((c == '\n' && f->prev != '\r') || (f->prev == '\r' && c != '\n'))
            abort(); /* bare LF or bare CR in content */
        f->prev = c;
    }
    f->msg_len += len;
}

static const struct smtp_server_hooks fz_hooks = {
    .send = fz_send,
    .close = fz_close,
    .starttls = fz_starttls,
    .helo = fz_helo,
    .auth = fz_auth,
    .mail = fz_path,
    .rcpt = fz_path,
    .data = fz_data,
    .data_end = fz_data_end,
    .content = fz_content,
};

/* session - one server fed `data` in pieces of `step` octets */
static void
session(const uint8_t *flags, const char *data, size_t size, size_t step, bool normalise)
{
    struct smtp_server_config cfg;
    struct fz f;

    memset(&f, 0, sizeof f);
    smtp_server_config_defaults(&cfg);
    cfg.bare_eol = normalise ? SMTP_BARE_EOL_NORMALISE : SMTP_BARE_EOL_REJECT;
    cfg.pipelining = (flags[0] & 1) != 0;
    cfg.starttls = true;
    cfg.auth = true;
    cfg.auth_requires_tls = (flags[0] & 2) != 0;
    cfg.max_message_size = (flags[0] & 4) ? 300 : 0;
    cfg.max_text_line = (flags[0] & 8) ? 80 : 1000;
    cfg.max_recipients = 3;
    cfg.max_errors = 20;
    f.s = smtp_server_new(&cfg, &fz_hooks, &f);
    smtp_server_greet(f.s, NULL);
    for (size_t off = 0; off < size; off += step) {
        size_t len = size - off < step ? size - off : step;
        smtp_server_feed(f.s, data + off, len);
        if (f.tls_pending) {
            f.tls_pending = false;
            smtp_server_tls_started(f.s);
        }
    }
    smtp_server_free(f.s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t step = (size_t)(data[1] % 32) + 1;
    for (int normalise = 0; normalise < 2; normalise++) {
        session(data, (const char *)data + 2, size - 2, size, normalise);
        session(data, (const char *)data + 2, size - 2, step, normalise);
    }
    return 0;
}
