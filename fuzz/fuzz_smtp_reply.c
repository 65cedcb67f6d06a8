/* fuzz_smtp_reply - the reply parser on arbitrary server output, in two splits, plus a
 * format/parse round trip of every reply it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* roundtrip - formatting a parsed reply and parsing it again gives the same code */
static void
roundtrip(const struct smtp_reply *r)
{
    struct smtp_reply_parser *p = smtp_reply_parser_new();
    struct smtp_reply again;
    struct buf b;

    buf_init(&b, 0);
    if (smtp_reply_format(r, &b) < 0)
        abort();
    long n = smtp_reply_parser_feed(p, b.data, b.len, &again);
    if (n > 0 && (again.code != r->code || (size_t)n != b.len))
        abort();
    buf_release(&b);
    smtp_reply_parser_free(p);
}

/* run - feed data in pieces of at most `step` bytes; returns the replies seen */
static int
run(const char *data, size_t size, size_t step)
{
    struct smtp_reply_parser *p = smtp_reply_parser_new();
    struct smtp_reply r;
    int replies = 0;

    for (size_t off = 0; off < size;) {
        size_t len = size - off < step ? size - off : step;
        long n = smtp_reply_parser_feed(p, data + off, len, &r);
        if (n < 0)
            break;
        if (n == 0) {
            off += len;
            continue;
        }
        if ((size_t)n > len || r.code < 200 || r.code > 599 ||
            memchr(r.text, '\0', sizeof r.text) == NULL)
            abort();
        roundtrip(&r);
        replies++;
        off += (size_t)n;
    }
    smtp_reply_parser_free(p);
    return replies;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int whole = run((const char *)data, size, size > 0 ? size : 1);
    int bytes = run((const char *)data, size, 1);
    int sevens = run((const char *)data, size, 7);

    if (whole != bytes || whole != sevens)
        abort(); /* any split gives the same replies */
    return 0;
}
