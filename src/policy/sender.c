/* sender - From/Sender ownership, display-name spoofing and alignment at end of headers. */
#include "policy/sender.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_address.h"

/* protected_by_other - some identity other than id owns this domain */
static bool
protected_by_other(const struct identity_set *set, const struct identity *id, const char *dom)
{
    for (size_t i = 0; i < set->n; i++)
        if (&set->items[i] != id && identity_owns_domain(&set->items[i], dom))
            return true;
    return false;
}

/* display_spoof - a display name carrying a protected address the identity does not own */
static const char *
display_spoof(const struct identity_set *set, const struct identity *id,
              const struct mime_address *a)
{
    for (size_t k = 0; k < a->n_display_addrs; k++) {
        const char *shown = a->display_addrs[k], *at = strrchr(shown, '@');
        if (at != NULL && !identity_owns_address(id, shown) && protected_by_other(set, id, at + 1))
            return shown;
    }
    return NULL;
}

/* aligned - envelope and header domains agree: strict, equal; relaxed, the same organisational
 * domain (RFC 7489 3.2, from the Public Suffix List), or without the list one being the other
 * or a subdomain of it */
static bool
aligned(const char *env, const char *hdr, enum sender_alignment align, const struct psl *psl)
{
    size_t le = strlen(env), lh = strlen(hdr);
    char oe[256], oh[256];

    if (strcasecmp(env, hdr) == 0)
        return true;
    if (align == SENDER_ALIGN_STRICT)
        return false;
    if (psl != NULL)
        return psl_org_domain(psl, env, oe, sizeof oe) == 0 &&
               psl_org_domain(psl, hdr, oh, sizeof oh) == 0 && strcmp(oe, oh) == 0;
    if (le > lh)
        return env[le - lh - 1] == '.' && strcasecmp(env + le - lh, hdr) == 0;
    if (lh > le)
        return hdr[lh - le - 1] == '.' && strcasecmp(hdr + lh - le, env) == 0;
    return false;
}

/* check_field - one From or Sender value: clean, owned, not spoofing a display name; the
 * first address's domain goes to domain (when not NULL) */
static bool
check_field(const struct identity_set *set, const struct identity *id, const char *name,
            const struct mime_header_field *f, struct verdict *v, char *domain, size_t size)
{
    struct mime_address_list *l = mime_address_parse(f->value, f->value_len, NULL);
    size_t n = mime_address_list_count(l);
    bool ok = false;

    if (n == 0 || (mime_address_list_flags(l) & MIME_ADDRLIST_SUSPECT) != 0) {
        verdict_set(v, VERDICT_REJECT, "from_malformed", 550, "5.7.1",
                    "Message refused: the %s header has no clean address", name);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct mime_address *a = mime_address_list_get(l, i);
        const char *shown = display_spoof(set, id, a);
        if (!identity_owns_address(id, a->addr_lc)) {
            verdict_set(v, VERDICT_REJECT, "from_not_owned", 550, "5.7.1",
                        "Message refused: %s <%s> is not owned by identity %s", name, a->addr,
                        id->name);
            goto out;
        }
        if (shown != NULL) {
            verdict_set(v, VERDICT_REJECT, "display_name_spoof", 550, "5.7.1",
                        "Message refused: the %s display name shows %s, which identity %s "
                        "does not own",
                        name, shown, id->name);
            goto out;
        }
    }
    if (domain != NULL)
        snprintf(domain, size, "%s", mime_address_list_get(l, 0)->domain_lc);
    ok = true;
out:
    mime_address_list_free(l);
    return ok;
}

void
sender_check_headers(const struct identity_set *set, const struct identity *id,
                     const struct mime_headers *h, const char *envelope_from,
                     enum sender_alignment align, const struct psl *psl, struct verdict *v)
{
    size_t nfrom = mime_headers_count_name(h, "from");
    size_t nsender = mime_headers_count_name(h, "sender");
    char from_domain[256] = "";
    const char *env_at = strrchr(envelope_from, '@');
    unsigned bad = mime_headers_anomalies(h) & (MIME_HDR_TOO_MANY_FIELDS | MIME_HDR_BARE_CR |
                                                MIME_HDR_NUL | MIME_HDR_FIELD_TOO_LONG);

    /* a section another reader could split differently, or whose tail was not kept, may hide a
     * second From: refuse it rather than judge part of it */
    if (bad != 0) {
        verdict_set(v, VERDICT_REJECT, "from_malformed", 550, "5.7.1",
                    "Message refused: the header section is ambiguous (%s)",
                    mime_header_anomaly_name(bad & (~bad + 1u)));
        return;
    }
    if (nfrom != 1 || nsender > 1) {
        verdict_set(v, VERDICT_REJECT, nfrom == 0 ? "from_missing" : "from_malformed", 550, "5.7.1",
                    "Message refused: %s",
                    nfrom == 0  ? "no From header"
                    : nfrom > 1 ? "more than one From header"
                                : "more than one Sender header");
        return;
    }
    if (!check_field(set, id, "From", mime_headers_get(h, mime_headers_find(h, "from", 0)), v,
                     from_domain, sizeof from_domain))
        return;
    if (nsender == 1 &&
        !check_field(set, id, "Sender", mime_headers_get(h, mime_headers_find(h, "sender", 0)), v,
                     NULL, 0))
        return;
    if (align != SENDER_ALIGN_OFF && env_at != NULL &&
        !aligned(env_at + 1, from_domain, align, psl)) {
        verdict_set(v, VERDICT_REJECT, "not_aligned", 550, "5.7.1",
                    "Message refused: envelope domain %s is not aligned with From domain %s",
                    env_at + 1, from_domain);
        return;
    }
    snprintf(v->sign_domain, sizeof v->sign_domain, "%s", from_domain);
}

size_t
sender_tenant_ids(const struct mime_headers *h, char (*buf)[64], size_t max)
{
    size_t n = 0;

    for (size_t i = mime_headers_find(h, "x-ms-exchange-crosstenant-id", 0); i != MIME_HEADERS_NONE;
         i = mime_headers_find(h, "x-ms-exchange-crosstenant-id", i + 1)) {
        const struct mime_header_field *f = mime_headers_get(h, i);
        const char *p = f->value, *end = f->value + f->value_len;
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        if (n < max) {
            size_t k = 0;
            for (; p + k < end && k < 63; k++)
                buf[n][k] = (char)tolower((unsigned char)p[k]);
            buf[n][k] = '\0';
        }
        n++;
    }
    return n;
}
