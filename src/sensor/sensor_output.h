/*
 * sensor_output - what the passive sensor writes: JSON lines (one `smtp` record per
 * transaction, one `alert` per detection) and a Zeek-format smtp.log.
 *
 * sensor_output_smtp_json() and sensor_output_alert_json() build the objects (new references,
 * json_decref them); field names are stable and listed in docs/sensor.md, "Output". A string
 * that is not valid UTF-8 is written with each bad byte replaced (utf8_sanitize), an unset
 * field is left out, as Zeek's JSON logs do. Timestamps are seconds since the epoch with
 * microseconds, as Zeek writes them.
 *
 * The Zeek writer (sensor_output_zeek_*) writes the header lines Zeek's ASCII writer writes
 * (#separator \x09, #set_separator ,, #empty_field (empty), #unset_field -, #path smtp, #open,
 * #fields, #types), one tab-separated row per record with Zeek's escaping (\xHH for control
 * bytes, bytes past ASCII, the separator and, inside sets, the set separator; "-" unset, an
 * empty string "(empty)"), and #close when closed. sensor_output_zeek_row() is the pure part.
 *
 * Nothing is global; one writer per file, not thread-safe.
 */
#ifndef SW_SENSOR_SENSOR_OUTPUT_H
#define SW_SENSOR_SENSOR_OUTPUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "sensor/sensor_detect.h"
#include "sensor/sensor_smtp.h"
#include "util/buf.h"

/* The flow an alert belongs to. */
struct sensor_output_flow {
    const char *uid;
    const char *orig_h, *resp_h;
    uint16_t orig_p, resp_p;
};

/* sensor_output_smtp_json - {"type":"smtp", ...} for one record */
json_t *sensor_output_smtp_json(const struct sensor_smtp_record *r);

/* sensor_output_alert_json - {"type":"alert","alert":NAME, ...} for a detection at ts_us on
 * flow f; r (the transaction) and ev (the event) add their context when not NULL */
json_t *sensor_output_alert_json(const struct sensor_alert *a, uint64_t ts_us,
                                 const struct sensor_output_flow *f,
                                 const struct sensor_smtp_record *r,
                                 const struct sensor_smtp_event *ev);

/* sensor_output_line - o as one compact JSON line (with '\n') appended to out; o is released */
void sensor_output_line(json_t *o, struct buf *out);

/* sensor_output_zeek_header - the header lines up to #types, opened at open_ts (seconds) */
void sensor_output_zeek_header(struct buf *out, int64_t open_ts);
/* sensor_output_zeek_row - one record as a row (with '\n') */
void sensor_output_zeek_row(struct buf *out, const struct sensor_smtp_record *r);
/* sensor_output_zeek_close - the #close line */
void sensor_output_zeek_close(struct buf *out, int64_t close_ts);

#endif
