/*
 * gw_dkim - the gateway's DKIM signing keys (dkim: in the configuration) and the signing of one
 * spooled message. Keys are loaded by the worker before it drops privileges, so the key files
 * can stay readable by root only.
 *
 * gw_dkim_sign() signs only for a domain the policy named (the header-From domain the identity
 * owns) and only when a key for exactly that domain is configured. Per worker; one owner.
 */
#ifndef SW_GATEWAY_GW_DKIM_H
#define SW_GATEWAY_GW_DKIM_H

#include <stddef.h>
#include <time.h>

#include "config/config.h"
#include "util/buf.h"
#include "util/spool.h"

struct gw_dkim;

/* gw_dkim_load - every configured key; NULL with a message in *err when one cannot be used */
struct gw_dkim *gw_dkim_load(const struct sw_config *cfg, struct buf *err);
struct gw_dkim *gw_dkim_free(struct gw_dkim *k);

/*
 * gw_dkim_sign - sign the message (header section hdr of hlen bytes, which is also the first
 * hlen bytes of the spool) for domain: appends a DKIM-Signature field to out and sets
 * *selector; out must be empty. Returns 1 when signed, 0 when no key is configured for the domain,
 * -1 on error (with a reason in out).
 */
int gw_dkim_sign(const struct gw_dkim *k, const char *domain, const char *hdr, size_t hlen,
                 struct spool *sp, time_t now, struct buf *out, const char **selector);

#endif
