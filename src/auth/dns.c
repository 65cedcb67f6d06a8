/* dns - asynchronous TXT lookups over c-ares, and the domain-ownership token (see dns.h). */
#include "auth/dns.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "util/mem.h"

enum { DNS_DEFAULT_TIMEOUT_MS = 2000, DNS_DEFAULT_TRIES = 2, DNS_NAME_MAX = 253 };
enum { DNS_LABEL_MAX = 63, DNS_TOKEN_BYTES = 20 };

struct dns_resolver {
    ares_channel channel;
    size_t pending;
    /* what ARES_ECANCELLED means to callers: DNS_TEMPFAIL when dns_resolver_run's deadline
     * cancelled the query, DNS_CANCELLED otherwise */
    int cancel_status;
};

struct dns_query {
    struct dns_resolver *r;
    dns_done_fn done;
    void *ctx;
};

/* dns_library_init - c-ares' process-wide set-up; it is not thread-safe, hence pthread_once.
 * On Linux it does nothing since c-ares 1.11, but the documentation still requires it. */
static void
dns_library_init(void)
{
    (void)ares_library_init(ARES_LIB_INIT_ALL);
}

/* dns_resolver_new - a c-ares channel with our timeouts and, optionally, our servers */
struct dns_resolver *
dns_resolver_new(const struct dns_options *o, struct buf *err)
{
    /* the one static: a once-control, written only by pthread_once (never reset) */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct ares_options opts;
    struct dns_resolver *r;
    int rc;

    pthread_once(&once, dns_library_init);
    if (ares_library_initialized() != ARES_SUCCESS) {
        buf_printf(err, "c-ares library initialisation failed");
        return NULL;
    }
    memset(&opts, 0, sizeof opts);
    opts.timeout = o && o->timeout_ms > 0 ? o->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
    opts.tries = o && o->tries > 0 ? o->tries : DNS_DEFAULT_TRIES;
    opts.flags = ARES_FLAG_NOSEARCH;
    r = xcalloc(1, sizeof *r);
    r->cancel_status = DNS_CANCELLED;
    rc =
        ares_init_options(&r->channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
    if (rc != ARES_SUCCESS) {
        buf_printf(err, "cannot start the DNS resolver: %s", ares_strerror(rc));
        goto out_free_r;
    }
    if (o && o->servers) {
        rc = ares_set_servers_ports_csv(r->channel, o->servers);
        if (rc != ARES_SUCCESS) {
            buf_printf(err, "bad DNS server list '%s' (want HOST:PORT,...): %s", o->servers,
                       ares_strerror(rc));
            goto out_destroy;
        }
    }
    return r;

out_destroy:
    ares_destroy(r->channel);
out_free_r:
    free(r);
    return NULL;
}

/* dns_resolver_free - ares_destroy ends every query, so no callback outlives the resolver */
struct dns_resolver *
dns_resolver_free(struct dns_resolver *r)
{
    if (r == NULL)
        return NULL;
    r->cancel_status = DNS_CANCELLED;
    ares_destroy(r->channel); /* pending callbacks run now, with ARES_EDESTRUCTION */
    free(r);
    return NULL;
}

size_t
dns_resolver_pending(const struct dns_resolver *r)
{
    return r->pending;
}

/* dns_status_name - the words our messages use for a status */
const char *
dns_status_name(int status)
{
    switch (status) {
    case DNS_OK:
        return "OK";
    case DNS_NXDOMAIN:
        return "NXDOMAIN (no such domain)";
    case DNS_NODATA:
        return "no record of that type";
    case DNS_TEMPFAIL:
        return "temporary failure (timeout or server failure)";
    case DNS_CANCELLED:
        return "cancelled";
    default:
        return "error";
    }
}

/* dns_status_from_ares - fold c-ares' many codes into the five a caller acts on */
static int
dns_status_from_ares(const struct dns_resolver *r, int status)
{
    switch (status) {
    case ARES_SUCCESS:
        return DNS_OK;
    case ARES_ENOTFOUND:
        return DNS_NXDOMAIN;
    case ARES_ENODATA:
        return DNS_NODATA;
    case ARES_ETIMEOUT:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED:
    case ARES_ENOMEM:
        return DNS_TEMPFAIL;
    case ARES_ECANCELLED:
        return r->cancel_status;
    case ARES_EDESTRUCTION:
        return DNS_CANCELLED;
    default:
        return DNS_ERROR;
    }
}

/* dns_txt_answered - c-ares' callback: parse, report, forget the query */
static void
dns_txt_answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct dns_query *q = arg;
    int st = dns_status_from_ares(q->r, status);
    char **txts = NULL;
    size_t n = 0;

    if (st == DNS_OK)
        st = abuf != NULL && alen > 0 ? dns_txt_parse_answer(abuf, (size_t)alen, &txts, &n)
                                      : DNS_ERROR;
    q->r->pending--;
    q->done(q->ctx, st, (const char *const *)txts, n);
    dns_txt_free(txts);
    free(q);
}

/* dns_name_is_plausible - a name c-ares encodes as given (no escapes, no IDN) */
bool
dns_name_is_plausible(const char *name)
{
    size_t len = strlen(name), label = 0;

    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > DNS_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return false;
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (++label > DNS_LABEL_MAX) {
            return false;
        }
    }
    return label > 0;
}

/* dns_lookup_txt - send one TXT query; the answer arrives through dns_txt_answered */
int
dns_lookup_txt(struct dns_resolver *r, const char *name, dns_done_fn done, void *ctx)
{
    struct dns_query *q;

    if (name == NULL || !dns_name_is_plausible(name))
        return -1;
    q = xmalloc(sizeof *q);
    q->r = r;
    q->done = done;
    q->ctx = ctx;
    r->pending++;
    /* ares_query, not ares_search: the name is exact, never tried under search domains */
    ares_query(r->channel, name, ns_c_in, ns_t_txt, dns_txt_answered, q);
    return 0;
}

/* dns_resolver_wait_fds - the sockets c-ares waits on, as (fd, DNS_WANT_*) pairs */
int
dns_resolver_wait_fds(struct dns_resolver *r, int *fds, int *events, int max)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* unsigned, not ARES_GETSOCK_WRITABLE(): its 1 << 31 for the 16th socket overflows int */
    unsigned bits = (unsigned)ares_getsock(r->channel, socks, ARES_GETSOCK_MAXNUM);
    int n = 0;

    for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
        int ev = ((bits >> i) & 1u ? DNS_WANT_READ : 0) |
                 ((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? DNS_WANT_WRITE : 0);
        if (ev == 0)
            continue;
        fds[n] = socks[i];
        events[n] = ev;
        n++;
    }
    return n;
}

/* dns_resolver_timeout_ms - ares_timeout, in whole milliseconds rounded up */
long
dns_resolver_timeout_ms(struct dns_resolver *r)
{
    struct timeval tv, *tvp;

    if (r->pending == 0)
        return -1;
    tvp = ares_timeout(r->channel, NULL, &tv);
    if (tvp == NULL)
        return -1;
    return (long)tvp->tv_sec * 1000 + ((long)tvp->tv_usec + 999) / 1000;
}

/* dns_resolver_process - one socket ready, or (fd -1) only expired timers */
void
dns_resolver_process(struct dns_resolver *r, int fd, int readable, int writable)
{
    ares_socket_t rfd = fd >= 0 && readable ? fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = fd >= 0 && writable ? fd : ARES_SOCKET_BAD;

    ares_process_fd(r->channel, rfd, wfd);
}

/* dns_now_ms - a monotonic clock for dns_resolver_run's deadline */
static int64_t
dns_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dns_resolver_poll_once - one poll() over c-ares' sockets, at most wait_ms; -1 on error */
static int
dns_resolver_poll_once(struct dns_resolver *r, long wait_ms)
{
    int fds[DNS_MAX_FDS], events[DNS_MAX_FDS];
    struct pollfd pfd[DNS_MAX_FDS];
    int n = dns_resolver_wait_fds(r, fds, events, DNS_MAX_FDS);
    int rc;

    for (int i = 0; i < n; i++) {
        pfd[i].fd = fds[i];
        pfd[i].events = (short)(((events[i] & DNS_WANT_READ) ? POLLIN : 0) |
                                ((events[i] & DNS_WANT_WRITE) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    rc = poll(pfd, (nfds_t)n, (int)wait_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -1;
    if (rc == 0) {
        dns_resolver_process(r, -1, 0, 0);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (pfd[i].revents != 0)
            dns_resolver_process(r, pfd[i].fd, (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0,
                                 (pfd[i].revents & POLLOUT) != 0);
    return 0;
}

/* dns_resolver_run - the blocking loop of command-line tools */
int
dns_resolver_run(struct dns_resolver *r, int timeout_ms)
{
    int64_t deadline = dns_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

    while (r->pending > 0) {
        int64_t left = deadline - dns_now_ms();
        long wait;

        if (left <= 0) {
            r->cancel_status = DNS_TEMPFAIL;
            ares_cancel(r->channel);
            r->cancel_status = DNS_CANCELLED;
            break;
        }
        wait = dns_resolver_timeout_ms(r);
        if (wait < 0 || wait > left)
            wait = (long)left;
        if (dns_resolver_poll_once(r, wait) < 0)
            return -1;
    }
    return 0;
}

/* dns_txt_free - a NULL-terminated list from dns_txt_parse_answer; NULL ok */
char **
dns_txt_free(char **txts)
{
    if (txts == NULL)
        return NULL;
    for (size_t i = 0; txts[i] != NULL; i++)
        free(txts[i]);
    free(txts);
    return NULL;
}

/* dns_txt_join_chunks - from the chunk that starts a record to the next record's start,
 * concatenated without separators (RFC 7208 section 3.3) */
static char *
dns_txt_join_chunks(const struct ares_txt_ext *first, const struct ares_txt_ext **next)
{
    const struct ares_txt_ext *t, *end;
    size_t len = 0, off = 0;
    char *s;

    for (end = first->next; end != NULL && !end->record_start; end = end->next)
        ;
    for (t = first; t != end; t = t->next)
        len += t->length;
    s = xmalloc(len + 1);
    for (t = first; t != end; t = t->next) {
        memcpy(s + off, t->txt, t->length);
        off += t->length;
    }
    s[len] = '\0';
    *next = end;
    return s;
}

/* dns_txt_parse_answer - TXT records of a raw answer, one joined string per record */
int
dns_txt_parse_answer(const unsigned char *abuf, size_t alen, char ***txts, size_t *n)
{
    struct ares_txt_ext *list = NULL;
    const struct ares_txt_ext *t;
    size_t count = 0, i = 0;
    int rc;

    *txts = NULL;
    *n = 0;
    if (alen > UINT16_MAX)
        return DNS_ERROR;
    rc = ares_parse_txt_reply_ext(abuf, (int)alen, &list);
    if (rc == ARES_ENODATA || (rc == ARES_SUCCESS && list == NULL))
        return DNS_NODATA;
    if (rc != ARES_SUCCESS)
        return DNS_ERROR;
    for (t = list; t != NULL; t = t->next)
        if (t->record_start || t == list)
            count++;
    *txts = xcalloc(count + 1, sizeof **txts);
    for (t = list; t != NULL && i < count; i++)
        (*txts)[i] = dns_txt_join_chunks(t, &t);
    *n = i;
    ares_free_data(list);
    return DNS_OK;
}

/* dns_base32_lower - RFC 4648 section 6 alphabet, lower-cased: DNS names and TXT values are
 * compared case-insensitively by people, and '=' padding carries no information here */
int
dns_base32_lower(const unsigned char *p, size_t len, struct buf *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint32_t acc = 0;
    int bits = 0;
    char c;

    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            c = alphabet[(acc >> (bits - 5)) & 31];
            if (buf_append(out, &c, 1) < 0)
                return -1;
            bits -= 5;
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0) {
        c = alphabet[(acc << (5 - bits)) & 31];
        if (buf_append(out, &c, 1) < 0)
            return -1;
    }
    return 0;
}

/* dns_ownership_token - the TXT value proving that whoever controls DOMAIN's zone meant to
 * let IDENTITY send for it. The NUL separators keep ("ab", "c.example") and ("a", "bc.example")
 * apart; 160 bits are plenty against guessing and encode to exactly 32 base32 characters. */
int
dns_ownership_token(const char *identity, const char *domain, struct buf *out)
{
    static const char context[] = "smtpwarden domain ownership";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t dlen = strlen(domain);
    struct buf msg;
    int rc = -1;

    if (dlen > 0 && domain[dlen - 1] == '.')
        dlen--;
    buf_init(&msg, 0);
    buf_append(&msg, context, sizeof context); /* with its NUL */
    buf_append(&msg, identity, strlen(identity) + 1);
    for (size_t i = 0; i < dlen; i++) {
        char c = domain[i] >= 'A' && domain[i] <= 'Z' ? (char)(domain[i] - 'A' + 'a') : domain[i];
        buf_append(&msg, &c, 1);
    }
    if (EVP_Digest(msg.data, msg.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen < DNS_TOKEN_BYTES)
        goto out_release_msg;
    if (buf_append_str(out, DNS_OWNERSHIP_PREFIX) < 0 ||
        dns_base32_lower(md, DNS_TOKEN_BYTES, out) < 0)
        goto out_release_msg;
    rc = 0;

out_release_msg:
    buf_release(&msg);
    return rc;
}
