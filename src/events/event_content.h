/*
 * event_content - a content report (content_scan.h) as a JSON object, with the stable field
 * names of docs/scan.md: verdict, reason, subject, from, to, message_id, bytes, parts,
 * findings[], attachments[], anomalies[]. Used by `smtpwarden scan --json` and, later, by the
 * gateway's and sensor's events.
 *
 * event_content_json() returns a new reference (json_decref() it). Thread-safe.
 */
#ifndef SW_EVENTS_EVENT_CONTENT_H
#define SW_EVENTS_EVENT_CONTENT_H

#include <jansson.h>

#include "content/content_scan.h"

json_t *event_content_json(const struct content_report *r);

#endif
