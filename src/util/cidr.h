/*
 * cidr - IPv4/IPv6 addresses and networks: parse "192.0.2.0/24", "2001:db8::/32", a bare
 * address (a /32 or /128), and test membership. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * match IPv4 networks. Pure; no allocation except cidr_list growth (xrealloc).
 */
#ifndef SW_UTIL_CIDR_H
#define SW_UTIL_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ip_addr {
    int family;        /* AF_INET or AF_INET6 */
    uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
};

struct cidr {
    struct ip_addr net; /* host bits cleared */
    unsigned prefix;    /* 0..32 or 0..128 */
};

struct cidr_list {
    struct cidr *items;
    size_t n;
};

/* ip_addr_parse - a textual address, IPv6 possibly in brackets; 0 or -1 */
int ip_addr_parse(const char *s, struct ip_addr *out);
/* ip_addr_from_sockaddr - from a struct sockaddr_in/_in6; 0 or -1 */
int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out);
/* ip_addr_format - text form into out (INET6_ADDRSTRLEN is enough) */
void ip_addr_format(const struct ip_addr *a, char *out, size_t size);

/* cidr_parse - "addr/prefix" or "addr"; -1 on bad syntax or a prefix out of range.
 * Host bits set below the prefix are an error too (192.0.2.1/24): such a value is a typo. */
int cidr_parse(const char *s, struct cidr *out);
bool cidr_contains(const struct cidr *net, const struct ip_addr *a);
/* cidr_is_everything - 0.0.0.0/0 or ::/0 */
bool cidr_is_everything(const struct cidr *net);
/* cidr_format - "192.0.2.0/24" */
void cidr_format(const struct cidr *net, char *out, size_t size);

void cidr_list_add(struct cidr_list *l, const struct cidr *net);
bool cidr_list_contains(const struct cidr_list *l, const struct ip_addr *a);
void cidr_list_release(struct cidr_list *l);

#endif
