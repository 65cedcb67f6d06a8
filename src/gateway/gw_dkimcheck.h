/*
 * gw_dkimcheck - verify the DKIM signatures of a spooled message on the worker's event loop:
 * the key records are looked up with c-ares (src/auth/dns) driven by libevent, so a slow DNS
 * server parks one session, never the worker.
 *
 * gw_dkimcheck_start() reads the message at once (verifier over header section + spool) and
 * starts one TXT lookup per signature; `done` is called exactly once, later, from the event
 * loop (never from inside start), with the d= domains whose signatures passed (signatures with
 * l= are not counted: content may have been appended after signing) and how many ended in a
 * temporary error. gw_dkimcheck_free() cancels: `done` is then not called. Freeing from inside
 * `done` is allowed. Per session; not thread-safe.
 */
#ifndef SW_GATEWAY_GW_DKIMCHECK_H
#define SW_GATEWAY_GW_DKIMCHECK_H

#include <event2/event.h>
#include <stddef.h>

#include "config/config.h"
#include "util/spool.h"

struct gw_dkimcheck;

typedef void (*gw_dkimcheck_done)(void *ctx, const char *const *pass, size_t npass,
                                  size_t ntemperror);

struct gw_dkimcheck *gw_dkimcheck_start(struct event_base *base, const struct sw_config *cfg,
                                        const char *hdr, size_t hlen, struct spool *sp,
                                        gw_dkimcheck_done done, void *ctx);
struct gw_dkimcheck *gw_dkimcheck_free(struct gw_dkimcheck *j);

#endif
