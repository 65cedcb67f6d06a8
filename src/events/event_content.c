/*
 * event_content - content reports as JSON; see event_content.h and docs/scan.md. Every string
 * goes through event_json_text: file names and archive entry names are bytes a sender chose.
 */
#include "events/event_content.h"
#include "events/event_json.h"

/* finding_json - one aggregated finding */
static json_t *
finding_json(const struct content_finding *f)
{
    return json_pack("{s:o, s:o, s:o, s:i, s:I, s:o, s:o, s:I, s:o, s:b}", "detector",
                     event_json_text(f->detector), "category", event_json_text(f->category),
                     "description", event_json_text(f->description), "confidence", f->confidence,
                     "count", (json_int_t)f->count, "part", event_json_text(f->part), "location",
                     event_json_text(f->location), "offset", (json_int_t)f->offset, "sample",
                     event_json_text(f->sample), "context", f->context);
}

/* attachment_json - one attachment or archive entry */
static json_t *
attachment_json(const struct content_attachment *a)
{
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:I, s:b, s:b, s:b}", "part", event_json_text(a->part),
        "name", event_json_text(a->name), "path", event_json_text(a->path), "declared_type",
        event_json_text(a->declared_type), "detected_type", event_json_text(a->detected_type),
        "kind", event_json_text(a->kind), "depth", (int)a->depth, "size", (json_int_t)a->size,
        "encrypted", a->encrypted, "truncated", a->truncated, "type_mismatch", a->type_mismatch);

    json_object_set_new(o, "sha256", a->sha256[0] != '\0' ? json_string(a->sha256) : json_null());
    return o;
}

json_t *
event_content_json(const struct content_report *r)
{
    json_t *findings = json_array(), *attachments = json_array(), *anomalies = json_array();

    for (size_t i = 0; i < r->nfindings; i++)
        json_array_append_new(findings, finding_json(&r->findings[i]));
    for (size_t i = 0; i < r->nattachments; i++)
        json_array_append_new(attachments, attachment_json(&r->attachments[i]));
    for (size_t i = 0; i < r->nanomalies; i++)
        json_array_append_new(anomalies, event_json_text(r->anomalies[i]));
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:i, s:o, s:o, s:o}", "verdict",
                     content_action_name(r->action), "reason", event_json_text(r->reason),
                     "subject", event_json_text(r->subject), "from", event_json_text(r->from), "to",
                     event_json_text(r->to), "message_id", event_json_text(r->message_id), "bytes",
                     (json_int_t)r->bytes, "parts", (int)r->parts, "findings", findings,
                     "attachments", attachments, "anomalies", anomalies);
}
