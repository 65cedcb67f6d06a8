/*
 * event_json - JSON strings from text a peer chose (addresses, subjects, file names, archive
 * entry names): invalid UTF-8 is replaced with U+FFFD, never fatal, never NULL, so one bad
 * byte cannot drop a field or an event. Every JSON writer of events, reports and sensor
 * records uses these. Thread-safe.
 */
#ifndef SW_EVENTS_EVENT_JSON_H
#define SW_EVENTS_EVENT_JSON_H

#include <jansson.h>

/* event_json_text - a JSON string of s (NULL is "") */
json_t *event_json_text(const char *s);
/* event_json_text_or_null - null for NULL or "", else event_json_text(s) */
json_t *event_json_text_or_null(const char *s);

#endif
