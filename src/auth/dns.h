/*
 * dns - asynchronous DNS lookups over c-ares, for any event loop; and the domain-ownership
 * token of issue 3 (`smtpwarden domain token|verify`).
 *
 * dns_resolver_new() makes a resolver that uses `servers` ("127.0.0.1:5353,[::1]:53") or, when
 * servers is NULL, /etc/resolv.conf; free it with dns_resolver_free(). dns_lookup_txt() starts
 * a TXT query for one exact name (no search list) and returns at once; `done` is called exactly
 * once, normally later from dns_resolver_process()/dns_resolver_run() (or from
 * dns_resolver_free(), with DNS_CANCELLED), but before dns_lookup_txt() returns when c-ares
 * fails the query at once (no server configured, the first send failed): a caller must be ready
 * for both, e.g. by parking its session before the call. The strings passed to `done` are
 * valid only during the call: copy what you keep. Each TXT record is one string: its
 * character-strings joined without separators (RFC 7208 section 3.3, RFC 6376 section 3.6.2.2);
 * a NUL byte inside a record is not representable and truncates that string.
 *
 * Event loop hooks: dns_resolver_wait_fds() lists the sockets to watch and for what
 * (DNS_WANT_READ/DNS_WANT_WRITE; at most DNS_MAX_FDS), dns_resolver_timeout_ms() says how long
 * the loop may sleep (-1: nothing pending), and dns_resolver_process() is called for each ready
 * socket, or with fd -1 when the timeout passed. dns_resolver_run() does all that with poll()
 * until no query is pending: for command-line tools, never on a worker's event loop.
 *
 * A query that gets no answer costs at most about timeout_ms * (2^tries - 1) per server
 * (c-ares doubles the timeout on each round). Errors come back as int statuses (enum
 * dns_status); dns_resolver_new() returns NULL with a message in *err. A resolver is not
 * thread-safe: one per thread (or per event loop). The library itself keeps no mutable state.
 */
#ifndef SW_AUTH_DNS_H
#define SW_AUTH_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum dns_status {
    DNS_OK,        /* one or more records */
    DNS_NXDOMAIN,  /* the name does not exist */
    DNS_NODATA,    /* the name exists, with no record of that type */
    DNS_TEMPFAIL,  /* timeout, SERVFAIL, refused, no server reachable: try again later */
    DNS_ERROR,     /* a malformed name or answer, or another permanent error */
    DNS_CANCELLED, /* the resolver was freed before an answer came */
};

enum { DNS_WANT_READ = 1, DNS_WANT_WRITE = 2 };
enum { DNS_MAX_FDS = 16 }; /* ARES_GETSOCK_MAXNUM */

struct dns_options {
    const char *servers; /* "HOST:PORT,..." (IPv6 as [ADDR]:PORT); NULL = /etc/resolv.conf */
    int timeout_ms;      /* first try per server; 0 = 2000 */
    int tries;           /* rounds over the servers; 0 = 2 */
};

struct dns_resolver;

/* dns_done_fn - a lookup's result: txts[0..n-1] when status is DNS_OK, else n == 0 */
typedef void (*dns_done_fn)(void *ctx, int status, const char *const *txts, size_t n);

struct dns_resolver *dns_resolver_new(const struct dns_options *o, struct buf *err);
/* dns_resolver_free - cancels pending queries (their callbacks get DNS_CANCELLED); NULL ok */
struct dns_resolver *dns_resolver_free(struct dns_resolver *r);

/* dns_lookup_txt - start a TXT query for `name`; -1 (nothing started) when name is not a
 * plausible domain name (empty, over 253 octets, a label over 63) */
int dns_lookup_txt(struct dns_resolver *r, const char *name, dns_done_fn done, void *ctx);
/* dns_name_is_plausible - what dns_lookup_txt accepts: ASCII without spaces or backslashes,
 * labels of 1..63 octets, 253 octets at most (a final dot aside) */
bool dns_name_is_plausible(const char *name);
/* dns_resolver_pending - queries started and not yet answered */
size_t dns_resolver_pending(const struct dns_resolver *r);

/* dns_resolver_wait_fds - fill fds[i]/events[i] (DNS_WANT_*); returns how many (<= max) */
int dns_resolver_wait_fds(struct dns_resolver *r, int *fds, int *events, int max);
/* dns_resolver_timeout_ms - milliseconds until dns_resolver_process(r, -1, 0, 0) is due;
 * -1 when no query is pending */
long dns_resolver_timeout_ms(struct dns_resolver *r);
/* dns_resolver_process - after fd became ready (fd -1: a timeout tick); runs callbacks */
void dns_resolver_process(struct dns_resolver *r, int fd, int readable, int writable);
/* dns_resolver_run - poll() until no query is pending, at most timeout_ms (queries still
 * pending then end with DNS_TEMPFAIL); 0, or -1 when poll() failed */
int dns_resolver_run(struct dns_resolver *r, int timeout_ms);

/* dns_status_name - "NXDOMAIN", "temporary failure", ... for messages */
const char *dns_status_name(int status);

/* dns_txt_parse_answer - the TXT records of a raw DNS answer (abuf, alen), each joined as
 * above; *txts is NULL-terminated, free it with dns_txt_free(). Returns DNS_OK, DNS_NODATA
 * (no TXT record in the answer) or DNS_ERROR (malformed). Pure: no resolver needed. */
int dns_txt_parse_answer(const unsigned char *abuf, size_t alen, char ***txts, size_t *n);
char **dns_txt_free(char **txts);

/* dns_base32_lower - append RFC 4648 base32 of p[0..len-1], lower-case, without padding */
int dns_base32_lower(const unsigned char *p, size_t len, struct buf *out);

#define DNS_OWNERSHIP_PREFIX "smtpwarden-verify="
#define DNS_OWNERSHIP_LABEL "_smtpwarden"

/* dns_ownership_token - append "smtpwarden-verify=" + base32(first 20 bytes of
 * SHA-256("smtpwarden domain ownership\0" identity "\0" domain)), domain lower-cased (ASCII)
 * and without a trailing dot; -1 when the digest failed or out->max was reached */
int dns_ownership_token(const char *identity, const char *domain, struct buf *out);

#endif
