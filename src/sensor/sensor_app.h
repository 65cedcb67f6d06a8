/*
 * sensor_app - the passive sensor's glue: the packet engine's callbacks in, passive SMTP per
 * flow, detections (sensor_detect) and output lines (sensor_output) out.
 *
 * A flow is SMTP when its server port is one of opt->ports, or by content on any other port:
 * the first bytes of each direction are held (at most opt->max_detect_hold per direction) until
 * sensor_smtp_detect() can tell (a 220 greeting answered by EHLO/HELO); a flow that is not
 * SMTP costs nothing more. auth.cleartext is raised once per account and mechanism in a flow
 * (at most 8 accounts), so a session that repeats its AUTH does not flood the output. Each SMTP
 * flow gets a Zeek-style uid ("C" + 17 base62 characters) made from a per-run random key and the
 * flow's number, so uids do not repeat across runs and say nothing about the order of flows.
 *
 * sensor_app_engine_cfg() fills an engine configuration's callbacks with the app's; the
 * caller sets the bounds and makes the engine. Records go out as JSON lines to opt->json (and
 * as rows of opt->zeek when set), alerts as JSON lines, each written when it is known (a
 * record at its final reply, an alert with it). The FILEs are the caller's.
 *
 * Not thread-safe: one app per engine.
 */
#ifndef SW_SENSOR_SENSOR_APP_H
#define SW_SENSOR_SENSOR_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "behavior/behavior.h"
#include "content/content_scan.h"
#include "sensor/sensor_detect.h"
#include "sensor/sensor_engine.h"

struct sensor_app_options {
    const struct content_engine *content; /* NULL: no content inspection */
    struct sensor_detect_cfg detect;
    const uint16_t *ports; /* server ports that are SMTP; NULL = 25, 465, 587, 2525 */
    size_t nports;
    const uint8_t *pw_salt; /* non-NULL: records carry HMAC-SHA-256(salt, password) */
    size_t pw_salt_len;
    size_t max_detect_hold;    /* bytes held per direction of an undecided flow; default 512 */
    FILE *json;                /* JSON lines; NULL = none */
    FILE *zeek;                /* Zeek smtp.log rows (the caller writes header and #close) */
    struct behavior *behavior; /* volume and first-seen, in packet time; NULL = none */
};

struct sensor_app_stats {
    uint64_t smtp_sessions; /* flows handled as SMTP */
    uint64_t by_content;    /* of which found by content on another port */
    uint64_t transactions;  /* smtp records */
    uint64_t alerts;
    uint64_t anomalies;      /* passive SMTP's anomaly and gap events */
    uint64_t auth_cleartext; /* alerts by rule, for the summary */
    uint64_t external_server;
    uint64_t infostealer;
    uint64_t self_addressed;
    uint64_t dlp;
    uint64_t behavior; /* behavior.spike and behavior.first_seen alerts */
};

struct sensor_app;

/* sensor_app_new - an app (opt copied; what it points to must outlive the app) */
struct sensor_app *sensor_app_new(const struct sensor_app_options *opt);
/* sensor_app_free - NULL ok; the engine's flows must be closed first (sensor_engine_finish) */
struct sensor_app *sensor_app_free(struct sensor_app *a);

/* sensor_app_engine_cfg - set cfg's ctx and callbacks to the app's */
void sensor_app_engine_cfg(struct sensor_app *a, struct sensor_engine_cfg *cfg);

/* sensor_app_set_progress - cb(ctx) is called now and then from inside the callbacks (about
 * every 1,024 deliveries) so a front-end can draw progress; it must not call the engine
 * except for sensor_engine_stats */
void sensor_app_set_progress(struct sensor_app *a, void (*cb)(void *ctx), void *ctx);

const struct sensor_app_stats *sensor_app_stats(const struct sensor_app *a);

/* sensor_app_uid - the uid of flow number id under key (out: at least 19 bytes) */
void sensor_app_uid(const uint64_t key[2], uint64_t id, char *out, size_t size);

#endif
