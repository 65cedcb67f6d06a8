/*
 * psl - the Public Suffix List and organisational domains (RFC 7489 section 3.2), for DMARC-
 * style relaxed alignment: "mail.a.example" and "bounce.a.example" share the organisational
 * domain "a.example"; "x.example.co.uk" and "y.example.co.uk" share "example.co.uk".
 *
 * psl_load() reads the list (Debian package publicsuffix:
 * /usr/share/publicsuffix/public_suffix_list.dat): normal, wildcard (*.) and exception (!)
 * rules. psl_org_domain() applies the algorithm of publicsuffix.org (longest matching rule,
 * exceptions first, "*" when nothing matches) and adds one label. Immutable once loaded:
 * thread-safe for lookups. Free with psl_free().
 */
#ifndef SW_AUTH_PSL_H
#define SW_AUTH_PSL_H

#include <stddef.h>

#include "util/buf.h"

struct psl;

struct psl *psl_load(const char *path, struct buf *err);
/* psl_from_text - the same from rules in memory (one per line), for tests */
struct psl *psl_from_text(const char *text, size_t len);
struct psl *psl_free(struct psl *p);

/* psl_org_domain - the organisational domain of domain (lower-cased, no trailing dot) into
 * out; a public suffix itself is its own organisational domain. -1 when it does not fit. */
int psl_org_domain(const struct psl *p, const char *domain, char *out, size_t size);

#endif
