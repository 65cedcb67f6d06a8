/*
 * sensor_detect - the passive sensor's detection rules, pure: facts about one SMTP flow or
 * transaction in, alerts out through a callback. No I/O, no allocation, no state of its own.
 *
 * Rules (names are stable; docs/sensor.md, "Detections"):
 *   auth.cleartext        a password (or token) crossed the wire without TLS
 *                         (sensor_detect_auth, from passive SMTP's auth_cleartext event)
 *   smtp.external_server  a flow speaks SMTP to a server outside cfg->mail_servers from a host
 *                         that is not itself a mail server nor an allowed mail client; or, with
 *                         only cfg->mail_clients given, a host outside it speaks SMTP at all
 *                         (sensor_detect_flow, once per SMTP flow)
 *   exfil.infostealer     the content engine found infostealer shapes in a message
 *   exfil.self_addressed  the envelope sender is one of the recipients and the client is not
 *                         one of cfg->mail_servers (infostealers mail their loot to themselves)
 *   dlp.<category>        the content engine's findings of one category (financial,
 *                         national_id, secret, custom, attachment, ...) in a message whose
 *                         verdict is not accept; evidence carries the redacted samples only
 * (the last three: sensor_detect_record, once per transaction).
 *
 * An empty list means "not configured": smtp.external_server needs at least one of the two.
 * Thread-safe (no state).
 */
#ifndef SW_SENSOR_SENSOR_DETECT_H
#define SW_SENSOR_SENSOR_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "content/content_scan.h"
#include "sensor/sensor_smtp.h"
#include "util/cidr.h"

struct sensor_detect_cfg {
    const struct cidr_list *mail_servers; /* the organisation's servers and relays; NULL/empty */
    const struct cidr_list *mail_clients; /* hosts allowed to speak SMTP outward; NULL/empty */
};

/* One detection. Strings and the findings live during the callback only. */
struct sensor_alert {
    const char *alert;  /* "auth.cleartext", "dlp.financial", ... */
    const char *reason; /* one sentence of evidence in words */
    /* exfil.infostealer, dlp.*: the report and the indexes of its findings that count */
    const struct content_report *content;
    const size_t *findings;
    size_t nfindings;
};

typedef void (*sensor_detect_emit)(void *ctx, const struct sensor_alert *a);

/* sensor_detect_flow - smtp.external_server for one SMTP flow client -> server */
void sensor_detect_flow(const struct sensor_detect_cfg *cfg, const struct ip_addr *client,
                        const struct ip_addr *server, sensor_detect_emit emit, void *ctx);

/* sensor_detect_auth - auth.cleartext for passive SMTP's auth_cleartext event */
void sensor_detect_auth(const struct sensor_smtp_event *ev, sensor_detect_emit emit, void *ctx);

/* sensor_detect_record - exfil.infostealer, exfil.self_addressed and dlp.* for one record;
 * client is the flow's client address */
void sensor_detect_record(const struct sensor_detect_cfg *cfg, const struct ip_addr *client,
                          const struct sensor_smtp_record *r, sensor_detect_emit emit, void *ctx);

/* sensor_detect_is_listed - a is in l (NULL or empty: false) */
bool sensor_detect_is_listed(const struct cidr_list *l, const struct ip_addr *a);

#endif
