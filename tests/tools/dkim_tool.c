/*
 * dkim_tool - drive the DKIM signer and verifier from the command line (interop tests).
 *
 *   dkim_tool sign -k KEY -d DOMAIN -s SELECTOR [-c HDR/BODY] [-H name:name...] [-i ID]
 *                  [-t TIME] [-x TIME] [-l] < message > signed-message
 *   dkim_tool verify -r RECORDS [-n NOW] < message
 *       RECORDS: lines "<selector>._domainkey.<domain> <TXT value>"; prints one line per
 *       signature: "<d> <s> <result> <reason>"; exit 0 if there is a signature and all pass.
 *   dkim_tool record -k KEY        prints the DNS TXT record of the key's public half
 *
 * Exit status: 0 success, 1 verification failed, 2 usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim_key.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "util/buf.h"
#include "util/mem.h"

#define MAX_INPUT (64u * 1024u * 1024u)

struct sign_opts {
    const char *key, *domain, *selector, *canon, *headers, *identity;
    const char *t, *x;
    bool l;
};

/* read_all - a whole stream into b; -1 on error or past the limit */
static int
read_all(FILE *fp, struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (buf_append(b, chunk, n) < 0)
            return -1;
    return ferror(fp) ? -1 : 0;
}

/* parse_u64 - a decimal number */
static int
parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* parse_canon - "simple" or "relaxed" */
static int
parse_canon(const char *s, size_t len, enum dkim_canon *c)
{
    if (len == 6 && strncmp(s, "simple", 6) == 0)
        *c = DKIM_CANON_SIMPLE;
    else if (len == 7 && strncmp(s, "relaxed", 7) == 0)
        *c = DKIM_CANON_RELAXED;
    else
        return -1;
    return 0;
}

/* split_names - "a:b:c" into a NULL-terminated array that points into s (modified) */
static const char **
split_names(char *s)
{
    size_t n = 1;
    for (char *p = s; *p != '\0'; p++)
        n += *p == ':';
    const char **v = xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    for (char *p = s;; p++) {
        if (*p == ':' || *p == '\0') {
            bool end = *p == '\0';
            *p = '\0';
            v[k++] = s;
            s = p + 1;
            if (end)
                break;
        }
    }
    return v;
}

/* fill_params - the signer parameters from the options */
static int
fill_params(const struct sign_opts *o, struct dkim_sign_params *p)
{
    const char *slash = o->canon ? strchr(o->canon, '/') : NULL;

    p->domain = o->domain;
    p->selector = o->selector;
    p->identity = o->identity;
    p->body_length = o->l;
    if (o->canon != NULL) {
        size_t hl = slash ? (size_t)(slash - o->canon) : strlen(o->canon);
        if (parse_canon(o->canon, hl, &p->hcanon) < 0 ||
            (slash != NULL && parse_canon(slash + 1, strlen(slash + 1), &p->bcanon) < 0))
            return -1;
    }
    if (o->t != NULL && parse_u64(o->t, &p->timestamp) < 0)
        return -1;
    if (o->x != NULL && parse_u64(o->x, &p->expire) < 0)
        return -1;
    p->has_timestamp = o->t != NULL;
    p->has_expire = o->x != NULL;
    return 0;
}

/* do_sign - sign stdin, write the signed message to stdout */
static int
do_sign(const struct sign_opts *o)
{
    struct dkim_sign_params p = {0};
    struct buf err, msg, out;
    struct dkim_key *key = NULL;
    struct dkim_signer *s = NULL;
    const char **names = NULL;
    char *hcopy = o->headers ? xstrdup(o->headers) : NULL;
    int rc = 2;

    buf_init(&err, 0);
    buf_init(&msg, MAX_INPUT);
    buf_init(&out, 0);
    if (o->key == NULL || o->domain == NULL || o->selector == NULL || fill_params(o, &p) < 0) {
        fprintf(stderr, "dkim_tool sign: need -k -d -s; bad -c/-t/-x\n");
        goto out;
    }
    if ((key = dkim_key_load_pem(o->key, &err)) == NULL)
        goto out_err;
    p.key = key;
    if (hcopy != NULL)
        p.headers = names = split_names(hcopy);
    if ((s = dkim_signer_new(&p, &err)) == NULL)
        goto out_err;
    if (read_all(stdin, &msg) < 0) {
        fprintf(stderr, "dkim_tool sign: cannot read the message\n");
        goto out;
    }
    size_t hlen = dkim_header_section_len(msg.data, msg.len);
    if (dkim_signer_headers(s, msg.data, hlen) < 0)
        goto out_signer_err;
    dkim_signer_body(s, msg.data + hlen, msg.len - hlen);
    if (dkim_signer_finish(s, &out) < 0)
        goto out_signer_err;
    fwrite(out.data, 1, out.len, stdout);
    fwrite(msg.data, 1, msg.len, stdout);
    rc = 0;
    goto out;
out_signer_err:
    fprintf(stderr, "dkim_tool sign: %s\n", dkim_signer_error(s));
    goto out;
out_err:
    fprintf(stderr, "dkim_tool sign: %s\n", err.data);
out:
    dkim_signer_free(s);
    dkim_key_free(key);
    free(names);
    free(hcopy);
    buf_release(&err);
    buf_release(&msg);
    buf_release(&out);
    return rc;
}

/* lookup_records - find qname in a records file's text */
static int
lookup_records(void *ctx, const char *qname, struct buf *txt)
{
    const struct buf *records = ctx;
    size_t qlen = strlen(qname);
    const char *p = records->data, *end = records->data + records->len;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) > qlen && strncasecmp(p, qname, qlen) == 0 && p[qlen] == ' ') {
            size_t n = (size_t)(eol - p) - qlen - 1;
            if (n > 0 && p[qlen + n] == '\r')
                n--;
            return buf_append(txt, p + qlen + 1, n);
        }
        p = eol + 1;
    }
    return -1;
}

/* do_verify - verify stdin against a records file */
static int
do_verify(const char *records_path, uint64_t now)
{
    struct dkim_verify_params p = {.now = now};
    struct buf records, msg;
    FILE *fp = records_path ? fopen(records_path, "r") : NULL;
    int rc = 2;

    buf_init(&records, MAX_INPUT);
    buf_init(&msg, MAX_INPUT);
    if (fp == NULL || read_all(fp, &records) < 0 || read_all(stdin, &msg) < 0) {
        fprintf(stderr, "dkim_tool verify: cannot read -r records or the message\n");
        goto out;
    }
    struct dkim_verifier *v = dkim_verify_message(msg.data, msg.len, &p, lookup_records, &records);
    if (v == NULL) {
        fprintf(stderr, "dkim_tool verify: header section too large\n");
        goto out;
    }
    rc = dkim_verifier_count(v) > 0 ? 0 : 1;
    for (size_t i = 0; i < dkim_verifier_count(v); i++) {
        const struct dkim_sig_info *info = dkim_verifier_sig(v, i);
        enum dkim_err why;
        enum dkim_result r = dkim_verifier_result(v, i, &why);
        printf("%s %s %s %s\n", info->d ? info->d : "-", info->s ? info->s : "-",
               dkim_result_str(r), dkim_err_str(why));
        if (r != DKIM_RESULT_PASS)
            rc = 1;
    }
    dkim_verifier_free(v);
out:
    if (fp != NULL)
        fclose(fp);
    buf_release(&records);
    buf_release(&msg);
    return rc;
}

/* do_record - print the public key record of a private key */
static int
do_record(const char *path)
{
    struct buf err, out;
    struct dkim_key *key;
    int rc = 2;

    buf_init(&err, 0);
    buf_init(&out, 0);
    key = path ? dkim_key_load_pem(path, &err) : NULL;
    if (key != NULL && dkim_key_public_record(key, &out) == 0) {
        printf("%s\n", out.data);
        rc = 0;
    } else {
        fprintf(stderr, "dkim_tool record: %s\n", path ? err.data : "need -k");
    }
    dkim_key_free(key);
    buf_release(&err);
    buf_release(&out);
    return rc;
}

/* main - dispatch on the command word, options after it */
int
main(int argc, char **argv)
{
    struct sign_opts o = {0};
    const char *records = NULL;
    uint64_t now = 0;
    int c;

    if (argc < 2) {
        fprintf(stderr, "usage: dkim_tool sign|verify|record [options]\n");
        return 2;
    }
    optind = 2;
    while ((c = getopt(argc, argv, "k:d:s:c:H:i:t:x:lr:n:")) != -1) {
        switch (c) {
        case 'k':
            o.key = optarg;
            break;
        case 'd':
            o.domain = optarg;
            break;
        case 's':
            o.selector = optarg;
            break;
        case 'c':
            o.canon = optarg;
            break;
        case 'H':
            o.headers = optarg;
            break;
        case 'i':
            o.identity = optarg;
            break;
        case 't':
            o.t = optarg;
            break;
        case 'x':
            o.x = optarg;
            break;
        case 'l':
            o.l = true;
            break;
        case 'r':
            records = optarg;
            break;
        case 'n':
            if (parse_u64(optarg, &now) < 0)
                return 2;
            break;
        default:
            return 2;
        }
    }
    if (strcmp(argv[1], "sign") == 0)
        return do_sign(&o);
    if (strcmp(argv[1], "verify") == 0)
        return do_verify(records, now);
    if (strcmp(argv[1], "record") == 0)
        return do_record(o.key);
    fprintf(stderr, "dkim_tool: unknown command %s\n", argv[1]);
    return 2;
}
