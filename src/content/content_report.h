/*
 * content_report - building a content_report: findings aggregated by (detector, part,
 * location), attachments, anomalies; the rules that turn findings into a verdict.
 *
 * Internal to src/content (content_scan.c and content_infostealer.c); callers see only the
 * finished struct content_report of content_scan.h. The builder owns everything it hands out
 * until content_report_builder_reset()/free().
 */
#ifndef SW_CONTENT_CONTENT_REPORT_H
#define SW_CONTENT_CONTENT_REPORT_H

#include "content/content_scan.h"

/* A finding before aggregation. */
struct content_value {
    const char *detector;
    const char *category;
    const char *description;
    int confidence;
    uint64_t offset;
    const char *redacted;
    bool context;
};

struct content_report_builder;

struct content_report_builder *content_report_builder_new(void);
void content_report_builder_reset(struct content_report_builder *b);
struct content_report_builder *content_report_builder_free(struct content_report_builder *b);

/* content_report_add_value - count one value found at (part, location) */
void content_report_add_value(struct content_report_builder *b, const char *part,
                              const char *location, const struct content_value *v);
/* content_report_add_attachment - a new attachment record, zeroed, strings set to "" */
struct content_attachment *content_report_add_attachment(struct content_report_builder *b);
/* content_report_add_anomaly - once per name */
void content_report_add_anomaly(struct content_report_builder *b, const char *name);
/* content_report_get - the report so far (strings of the header facts owned by it) */
struct content_report *content_report_get(struct content_report_builder *b);
/* content_report_set - replace a report string field (subject, from, to, message_id) */
void content_report_set(char **field, const char *value);

/* content_rules_decide - apply rules (or the defaults) to the report: action and reason */
void content_rules_decide(struct content_report_builder *b, const struct content_rule *rules,
                          size_t nrules);
/* content_rules_default - the rules used when none are configured */
const struct content_rule *content_rules_default(size_t *n);

#endif
