/* test_dns - the ownership token, base32, TXT answers joined per record, and the resolver's
 * bookkeeping (no DNS server needed: 127.0.0.1:1 refuses at once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "auth/dns.h"
#include "util/buf.h"

/* computed once with Python's hashlib + base64.b32encode, lower-cased, '=' stripped */
#define ALICE_A_EXAMPLE "smtpwarden-verify=oyyjtc5ijyg64zlru7k6y2gvd3hvyznt"

/* reference_base32 - a second, bit-at-a-time base32, to check dns_base32_lower against */
static void
reference_base32(const unsigned char *p, size_t len, char *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    size_t nbits = len * 8, o = 0;

    for (size_t bit = 0; bit < nbits; bit += 5) {
        unsigned v = 0;
        for (size_t k = bit; k < bit + 5; k++) {
            unsigned b = k < nbits ? (p[k / 8] >> (7 - k % 8)) & 1 : 0;
            v = v << 1 | b;
        }
        out[o++] = alphabet[v];
    }
    out[o] = '\0';
}

/* reference_token - the token from its definition, with OpenSSL's one-shot SHA256() */
static void
reference_token(const char *identity, const char *domain, char *out, size_t size)
{
    unsigned char msg[512], md[SHA256_DIGEST_LENGTH];
    char b32[64];
    size_t n = 0;
    static const char ctx[] = "smtpwarden domain ownership";

    memcpy(msg + n, ctx, sizeof ctx);
    n += sizeof ctx;
    memcpy(msg + n, identity, strlen(identity) + 1);
    n += strlen(identity) + 1;
    memcpy(msg + n, domain, strlen(domain));
    n += strlen(domain);
    SHA256(msg, n, md);
    reference_base32(md, 20, b32);
    snprintf(out, size, "smtpwarden-verify=%s", b32);
}

static char *
token(const char *identity, const char *domain)
{
    struct buf b;
    char *s;

    buf_init(&b, 0);
    assert_int_equal(dns_ownership_token(identity, domain, &b), 0);
    s = strdup(b.data);
    buf_release(&b);
    return s;
}

static void
test_token_vector(void **state)
{
    char ref[128];
    char *t = token("alice", "a.example");

    assert_string_equal(t, ALICE_A_EXAMPLE);
    reference_token("alice", "a.example", ref, sizeof ref);
    assert_string_equal(t, ref);
    assert_int_equal(strlen(t), strlen("smtpwarden-verify=") + 32);
    free(t);

    t = token("billing-relay", "mail.corp.example");
    reference_token("billing-relay", "mail.corp.example", ref, sizeof ref);
    assert_string_equal(t, ref);
    free(t);
}

static void
test_token_normalises_domain_only(void **state)
{
    char *base = token("alice", "a.example");
    char *upper = token("alice", "A.EXAMPLE.");
    char *other_id = token("Alice", "a.example");
    char *shift1 = token("ab", "c.example");
    char *shift2 = token("a", "bc.example");

    assert_string_equal(base, upper);        /* case and the final dot do not matter */
    assert_string_not_equal(base, other_id); /* identity names are case-sensitive */
    assert_string_not_equal(shift1, shift2); /* the NUL separator keeps them apart */
    free(base);
    free(upper);
    free(other_id);
    free(shift1);
    free(shift2);
}

static void
test_base32_rfc4648(void **state)
{
    /* RFC 4648 section 10, lower-cased and without padding */
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"f", "my"},
        {"fo", "mzxq"},
        {"foo", "mzxw6"},
        {"foob", "mzxw6yq"},
        {"fooba", "mzxw6ytb"},
        {"foobar", "mzxw6ytboi"},
    };
    unsigned char bytes[256];
    char ref[512];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(
            dns_base32_lower((const unsigned char *)cases[i].in, strlen(cases[i].in), &b), 0);
        assert_string_equal(b.data ? b.data : "", cases[i].out);
        buf_release(&b);
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof bytes; len += 7) {
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(dns_base32_lower(bytes, len, &b), 0);
        reference_base32(bytes, len, ref);
        assert_string_equal(b.data ? b.data : "", ref);
        buf_release(&b);
    }
}

/* A DNS answer built field by field: header, the question, then TXT records whose
 * character-strings are given as a list ending in NULL. */
struct answer {
    unsigned char data[2048];
    size_t len;
};

static void
put16(struct answer *a, unsigned v)
{
    a->data[a->len++] = (unsigned char)(v >> 8);
    a->data[a->len++] = (unsigned char)v;
}

static void
put_name(struct answer *a, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        a->data[a->len++] = (unsigned char)l;
        memcpy(a->data + a->len, name, l);
        a->len += l;
        name += dot ? l + 1 : l;
    }
    a->data[a->len++] = 0;
}

static void
answer_start(struct answer *a, const char *qname, unsigned ancount)
{
    a->len = 0;
    put16(a, 0x1234);  /* id */
    put16(a, 0x8180);  /* response, RD, RA, NOERROR */
    put16(a, 1);       /* QDCOUNT */
    put16(a, ancount); /* ANCOUNT */
    put16(a, 0);       /* NSCOUNT */
    put16(a, 0);       /* ARCOUNT */
    put_name(a, qname);
    put16(a, 16); /* TXT */
    put16(a, 1);  /* IN */
}

static void
answer_add_txt(struct answer *a, const char *const *strings)
{
    size_t rdlen_at;

    put16(a, 0xc00c); /* the question's name */
    put16(a, 16);
    put16(a, 1);
    put16(a, 0);
    put16(a, 300); /* TTL */
    rdlen_at = a->len;
    put16(a, 0);
    for (size_t i = 0; strings[i] != NULL; i++) {
        size_t l = strlen(strings[i]);
        a->data[a->len++] = (unsigned char)l;
        memcpy(a->data + a->len, strings[i], l);
        a->len += l;
    }
    a->data[rdlen_at] = (unsigned char)((a->len - rdlen_at - 2) >> 8);
    a->data[rdlen_at + 1] = (unsigned char)(a->len - rdlen_at - 2);
}

static void
test_txt_joined_per_record(void **state)
{
    static const char *const spf[] = {"v=spf1 ip4:192.0.2.0/24 ", "include:_spf.example ", "-all",
                                      NULL};
    static const char *const tok[] = {ALICE_A_EXAMPLE, NULL};
    static const char *const split[] = {"smtpwarden-", "verify=", "abc", NULL};
    struct answer a;
    char **txts;
    size_t n;

    answer_start(&a, "_smtpwarden.a.example", 3);
    answer_add_txt(&a, spf);
    answer_add_txt(&a, tok);
    answer_add_txt(&a, split);
    assert_int_equal(dns_txt_parse_answer(a.data, a.len, &txts, &n), DNS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(txts[0], "v=spf1 ip4:192.0.2.0/24 include:_spf.example -all");
    assert_string_equal(txts[1], ALICE_A_EXAMPLE);
    assert_string_equal(txts[2], "smtpwarden-verify=abc");
    assert_null(txts[3]);
    txts = dns_txt_free(txts);
    assert_null(txts);
}

static void
test_txt_long_strings(void **state)
{
    /* a 2048-bit DKIM key needs more than one 255-octet character-string */
    char s1[256], s2[256], joined[512];
    const char *const parts[] = {s1, s2, NULL};
    struct answer a;
    char **txts;
    size_t n;

    memset(s1, 'A', 255);
    s1[255] = '\0';
    memset(s2, 'B', 100);
    s2[100] = '\0';
    snprintf(joined, sizeof joined, "%s%s", s1, s2);
    answer_start(&a, "sel._domainkey.a.example", 1);
    answer_add_txt(&a, parts);
    assert_int_equal(dns_txt_parse_answer(a.data, a.len, &txts, &n), DNS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(txts[0], joined);
    dns_txt_free(txts);
}

static void
test_txt_nodata_and_malformed(void **state)
{
    static const char *const tok[] = {"x", NULL};
    struct answer a;
    char **txts;
    size_t n;

    answer_start(&a, "_smtpwarden.a.example", 0);
    assert_int_equal(dns_txt_parse_answer(a.data, a.len, &txts, &n), DNS_NODATA);
    assert_null(txts);
    assert_int_equal(n, 0);

    answer_start(&a, "_smtpwarden.a.example", 1);
    answer_add_txt(&a, tok);
    assert_int_equal(dns_txt_parse_answer(a.data, a.len - 3, &txts, &n), DNS_ERROR);
    assert_null(txts);
    assert_int_equal(dns_txt_parse_answer(a.data, 5, &txts, &n), DNS_ERROR);
}

static void
test_name_plausible(void **state)
{
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {
        {"a.example", true},
        {"_smtpwarden.a.example.", true},
        {"x", true},
        {"", false},
        {".", false},
        {"a..example", false},
        {".a.example", false},
        {"a example", false},
        {"a\\.example", false},
        {"caf\xc3\xa9.example", false},
        {"a.example..", false},
    };
    char label64[80], long_name[300];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(dns_name_is_plausible(cases[i].name), cases[i].ok);
    memset(label64, 'a', 64);
    label64[64] = '\0';
    assert_false(dns_name_is_plausible(label64));
    label64[63] = '\0';
    assert_true(dns_name_is_plausible(label64));
    for (size_t i = 0; i < 254; i++)
        long_name[i] = i % 2 ? '.' : 'a';
    long_name[253] = '\0'; /* 253 octets: a.a.....a */
    assert_true(dns_name_is_plausible(long_name));
    long_name[253] = 'a';
    long_name[254] = '\0';
    assert_false(dns_name_is_plausible(long_name));
}

/* silent_server - a UDP socket on loopback that receives queries and never answers; its
 * "127.0.0.1:PORT" goes to spec */
static int
silent_server(char *spec, size_t size)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof sin;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(spec, size, "127.0.0.1:%u", ntohs(sin.sin_port));
    return fd;
}

struct result {
    int calls;
    int status;
    size_t n;
};

static void
record_result(void *ctx, int status, const char *const *txts, size_t n)
{
    struct result *res = ctx;

    res->calls++;
    res->status = status;
    res->n = n;
}

static void
test_resolver_options(void **state)
{
    struct dns_options bad = {.servers = "not an address"};
    struct dns_options good = {.servers = "127.0.0.1:1,[::1]:1", .timeout_ms = 100, .tries = 1};
    struct dns_resolver *r;
    struct buf err;

    buf_init(&err, 0);
    assert_null(dns_resolver_new(&bad, &err));
    assert_non_null(strstr(err.data, "not an address"));
    r = dns_resolver_new(&good, &err);
    assert_non_null(r);
    assert_int_equal(dns_resolver_pending(r), 0);
    assert_int_equal(dns_resolver_timeout_ms(r), -1);
    assert_int_equal(dns_lookup_txt(r, "a..example", record_result, NULL), -1);
    assert_int_equal(dns_resolver_pending(r), 0);
    assert_null(dns_resolver_free(r));
    buf_release(&err);
}

static void
test_resolver_free_cancels(void **state)
{
    /* the server never answers: the query is still pending at free */
    char spec[64];
    int silent = silent_server(spec, sizeof spec);
    struct dns_options o = {.servers = spec, .timeout_ms = 5000, .tries = 1};
    struct result res = {0};
    struct dns_resolver *r;
    int fds[DNS_MAX_FDS], events[DNS_MAX_FDS];
    struct buf err;

    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    assert_non_null(r);
    assert_int_equal(dns_lookup_txt(r, "_smtpwarden.a.example", record_result, &res), 0);
    assert_int_equal(res.calls, 0);
    assert_int_equal(dns_resolver_pending(r), 1);
    assert_int_equal(dns_resolver_wait_fds(r, fds, events, DNS_MAX_FDS), 1);
    assert_true(events[0] & DNS_WANT_READ);
    assert_in_range(dns_resolver_timeout_ms(r), 1, 5000);
    dns_resolver_process(r, -1, 0, 0); /* an early tick changes nothing */
    assert_int_equal(res.calls, 0);
    dns_resolver_free(r);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.status, DNS_CANCELLED);
    assert_int_equal(res.n, 0);
    buf_release(&err);
    close(silent);
}

static void
test_resolver_run_deadline(void **state)
{
    /* the run's own deadline ends a query that c-ares would still wait for: DNS_TEMPFAIL */
    char spec[64];
    int silent = silent_server(spec, sizeof spec);
    struct dns_options o = {.servers = spec, .timeout_ms = 5000, .tries = 1};
    struct result res = {0};
    struct dns_resolver *r;
    struct buf err;

    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    assert_non_null(r);
    assert_int_equal(dns_lookup_txt(r, "_smtpwarden.a.example", record_result, &res), 0);
    assert_int_equal(dns_resolver_run(r, 150), 0);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.status, DNS_TEMPFAIL);
    assert_int_equal(dns_resolver_pending(r), 0);
    dns_resolver_free(r);
    assert_int_equal(res.calls, 1);
    buf_release(&err);
    close(silent);
}

static void
test_resolver_own_timeout(void **state)
{
    /* c-ares' own timeout (60 ms, one try) ends first: DNS_TEMPFAIL too */
    char spec[64];
    int silent = silent_server(spec, sizeof spec);
    struct dns_options o = {.servers = spec, .timeout_ms = 60, .tries = 1};
    struct result res = {0};
    struct dns_resolver *r;
    struct buf err;

    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    assert_non_null(r);
    assert_int_equal(dns_lookup_txt(r, "_smtpwarden.a.example", record_result, &res), 0);
    assert_int_equal(dns_resolver_run(r, 5000), 0);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.status, DNS_TEMPFAIL);
    dns_resolver_free(r);
    buf_release(&err);
    close(silent);
}

static void
test_resolver_refused(void **state)
{
    /* nothing listens on 127.0.0.1:1: ICMP port unreachable, a temporary failure */
    struct dns_options o = {.servers = "127.0.0.1:1", .timeout_ms = 200, .tries = 2};
    struct result res = {0};
    struct dns_resolver *r;
    struct buf err;

    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    assert_non_null(r);
    assert_int_equal(dns_lookup_txt(r, "_smtpwarden.a.example", record_result, &res), 0);
    assert_int_equal(dns_resolver_run(r, 3000), 0);
    assert_int_equal(res.calls, 1);
    assert_int_equal(res.status, DNS_TEMPFAIL);
    dns_resolver_free(r);
    buf_release(&err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_vector),
        cmocka_unit_test(test_token_normalises_domain_only),
        cmocka_unit_test(test_base32_rfc4648),
        cmocka_unit_test(test_txt_joined_per_record),
        cmocka_unit_test(test_txt_long_strings),
        cmocka_unit_test(test_txt_nodata_and_malformed),
        cmocka_unit_test(test_name_plausible),
        cmocka_unit_test(test_resolver_options),
        cmocka_unit_test(test_resolver_free_cancels),
        cmocka_unit_test(test_resolver_run_deadline),
        cmocka_unit_test(test_resolver_own_timeout),
        cmocka_unit_test(test_resolver_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
