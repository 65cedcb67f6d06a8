/*
 * gw_content - the content engine in the relay: each message is inspected as it arrives, and
 * the verdict of the content rules is carried out at the end of data.
 *
 *   accept      relay as is;
 *   tag         relay with an X-Smtpwarden-Content header naming the detectors and counts;
 *   quarantine  write the message to content.quarantine_dir (fsync'd) and answer 250: the mail
 *               is safe on disk, held for review, not relayed; a write that fails defers (451);
 *   reject      550 5.7.1 naming the rule's detector.
 *
 * gw_content_prepare() runs in the master before workers start: it creates the quarantine
 * folder (0700, owned by gateway.user when running as root). gw_content_new() builds the
 * engine in a worker (Hyperscan databases compiled once per worker; content_scan state is
 * made per session on its first message). Errors: -1 / NULL with a message in err.
 */
#ifndef SW_GATEWAY_GW_CONTENT_H
#define SW_GATEWAY_GW_CONTENT_H

#include <stdbool.h>

#include "config/config.h"
#include "content/content_scan.h"
#include "policy/facts.h"
#include "util/buf.h"
#include "util/spool.h"

struct gw_content;

int gw_content_prepare(const struct sw_config *cfg, struct buf *err);
struct gw_content *gw_content_new(const struct sw_config *cfg, struct buf *err);
struct gw_content *gw_content_free(struct gw_content *c);
const struct content_engine *gw_content_engine(const struct gw_content *c);

/* gw_content_tag_header - the header field added to a tagged message, appended to out */
void gw_content_tag_header(const struct content_report *r, struct buf *out);
/* gw_content_quarantine - write the spooled message to the quarantine folder as NAME.eml;
 * the path written to path (size bytes); -1 with errno on failure (nothing half-written
 * is left under the final name) */
int gw_content_quarantine(const struct gw_content *c, const char *name, struct spool *spool,
                          char *path, size_t size);
/* gw_content_verdict - a reject report as a gateway verdict (550 5.7.1 naming the detector);
 * v is left as it is for the other actions */
void gw_content_verdict(const struct content_report *r, struct verdict *v);

#endif
