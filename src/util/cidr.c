/* cidr - IPv4/IPv6 addresses and networks, parsed with inet_pton(3). */
#include "util/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Longest text we accept: an IPv6 address with an embedded IPv4 tail, brackets, "/128". */
#define CIDR_TEXT_MAX (INET6_ADDRSTRLEN + 8)

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* addr_bits - the address length in bits for its family */
static unsigned
addr_bits(const struct ip_addr *a)
{
    return a->family == AF_INET ? 32 : 128;
}

/* addr_is_v4_mapped - ::ffff:a.b.c.d */
static bool
addr_is_v4_mapped(const struct ip_addr *a)
{
    return a->family == AF_INET6 && memcmp(a->bytes, v4_mapped_prefix, 12) == 0;
}

/* unbracket - copy s into out without the brackets of "[v6]"; -1 if too long or unbalanced */
static int
unbracket(const char *s, size_t len, char *out, size_t size)
{
    if (len > 0 && s[0] == '[') {
        if (len < 2 || s[len - 1] != ']')
            return -1;
        s++;
        len -= 2;
        if (memchr(s, ':', len) == NULL) /* brackets are for IPv6 only */
            return -1;
    }
    if (len == 0 || len >= size || memchr(s, '\0', len) != NULL)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* addr_parse_text - the len bytes at s as an address */
static int
addr_parse_text(const char *s, size_t len, struct ip_addr *out)
{
    char text[CIDR_TEXT_MAX];

    if (unbracket(s, len, text, sizeof text) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = AF_INET6;
        return 0;
    }
    return -1;
}

int
ip_addr_parse(const char *s, struct ip_addr *out)
{
    return addr_parse_text(s, strlen(s), out);
}

int
ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        out->family = AF_INET;
        memcpy(out->bytes, &sin->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        out->family = AF_INET6;
        memcpy(out->bytes, &sin6->sin6_addr, 16);
        return 0;
    }
    return -1;
}

void
ip_addr_format(const struct ip_addr *a, char *out, size_t size)
{
    char text[INET6_ADDRSTRLEN];

    if (inet_ntop(a->family, a->bytes, text, sizeof text) == NULL)
        snprintf(out, size, "?");
    else
        snprintf(out, size, "%s", text);
}

/* prefix_matches - the first bits bits of a and b are equal */
static bool
prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;

    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* host_bits_clear - no bit at or after position bits is set */
static bool
host_bits_clear(const struct ip_addr *a, unsigned bits)
{
    struct ip_addr masked = *a;
    unsigned nbytes = addr_bits(a) / 8;

    for (unsigned i = 0; i < nbytes; i++) {
        unsigned start = i * 8;
        if (start >= bits)
            masked.bytes[i] = 0;
        else if (bits - start < 8)
            masked.bytes[i] &= (uint8_t)(0xff << (8 - (bits - start)));
    }
    return memcmp(masked.bytes, a->bytes, nbytes) == 0;
}

/* prefix_parse - the decimal digits after '/', at most max */
static int
prefix_parse(const char *s, unsigned max, unsigned *out)
{
    char *end;

    if (*s < '0' || *s > '9' || strlen(s) > 3)
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int
cidr_parse(const char *s, struct cidr *out)
{
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    struct cidr net;

    memset(&net, 0, sizeof net);
    if (addr_parse_text(s, len, &net.net) < 0)
        return -1;
    net.prefix = addr_bits(&net.net);
    if (slash != NULL && prefix_parse(slash + 1, addr_bits(&net.net), &net.prefix) < 0)
        return -1;
    if (!host_bits_clear(&net.net, net.prefix))
        return -1;
    *out = net;
    return 0;
}

/* cidr_contains - IPv4-mapped IPv6 addresses are compared as IPv4, and the other way round */
bool
cidr_contains(const struct cidr *net, const struct ip_addr *a)
{
    if (net->net.family == a->family)
        return prefix_matches(net->net.bytes, a->bytes, net->prefix);
    if (net->net.family == AF_INET && addr_is_v4_mapped(a))
        return prefix_matches(net->net.bytes, a->bytes + 12, net->prefix);
    if (net->net.family == AF_INET6 && a->family == AF_INET) {
        uint8_t mapped[16];
        memcpy(mapped, v4_mapped_prefix, 12);
        memcpy(mapped + 12, a->bytes, 4);
        return prefix_matches(net->net.bytes, mapped, net->prefix);
    }
    return false;
}

bool
cidr_is_everything(const struct cidr *net)
{
    return net->prefix == 0;
}

void
cidr_format(const struct cidr *net, char *out, size_t size)
{
    char text[INET6_ADDRSTRLEN];

    ip_addr_format(&net->net, text, sizeof text);
    snprintf(out, size, "%s/%u", text, net->prefix);
}

/* cidr_list_add - append a copy; capacity doubles at each power of two, so no cap field */
void
cidr_list_add(struct cidr_list *l, const struct cidr *net)
{
    size_t n = l->n;

    if (n == 0 || (n & (n - 1)) == 0)
        l->items = xrealloc(l->items, (n ? 2 * n : 1) * sizeof *l->items);
    l->items[n] = *net;
    l->n = n + 1;
}

bool
cidr_list_contains(const struct cidr_list *l, const struct ip_addr *a)
{
    for (size_t i = 0; i < l->n; i++)
        if (cidr_contains(&l->items[i], a))
            return true;
    return false;
}

void
cidr_list_release(struct cidr_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
