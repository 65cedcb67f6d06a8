/*
 * content_report - the report of one message: findings aggregated by (detector, part,
 * location), attachments, anomalies, and the verdict of the rules.
 *
 * Values are aggregated as they arrive, so a message with a million card numbers costs one
 * entry per place, not a million: each entry keeps a count per confidence (0-100) so that a
 * rule's minimum confidence can be applied afterwards without keeping the values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/content_report.h"
#include "util/buf.h"
#include "util/mem.h"

#define MAX_ENTRIES 4096 /* distinct (detector, part, location) kept; the rest are merged */

struct entry_counts {
    unsigned by_conf[101];
};

struct content_report_builder {
    struct content_report r;
    struct entry_counts *counts; /* parallel to r.findings */
    size_t cap_findings;
    size_t cap_attachments;
    size_t cap_anomalies;
};

/* The defaults: what leaks (infostealer dumps, secrets) is held; identity and payment data
 * is tagged; contact details and business ids only in bulk, since every signature carries a
 * phone number and every invoice a business registration number. */
static const struct content_rule default_rules[] = {
    {.detector = "infostealer", .min_count = 1, .min_confidence = 60, .action = CONTENT_QUARANTINE},
    {.detector = "secret", .min_count = 1, .min_confidence = 60, .action = CONTENT_QUARANTINE},
    {.detector = "financial", .min_count = 1, .min_confidence = 50, .action = CONTENT_TAG},
    {.detector = "national_id", .min_count = 1, .min_confidence = 50, .action = CONTENT_TAG},
    {.detector = "custom", .min_count = 1, .min_confidence = 50, .action = CONTENT_TAG},
    {.detector = "attachment", .min_count = 1, .min_confidence = 50, .action = CONTENT_TAG},
    {.detector = "contact", .min_count = 20, .min_confidence = 50, .action = CONTENT_TAG},
    {.detector = "business_id", .min_count = 20, .min_confidence = 50, .action = CONTENT_TAG},
};

const struct content_rule *
content_rules_default(size_t *n)
{
    *n = sizeof default_rules / sizeof default_rules[0];
    return default_rules;
}

const char *
content_action_name(enum content_action a)
{
    switch (a) {
    case CONTENT_ACCEPT:
        return "accept";
    case CONTENT_TAG:
        return "tag";
    case CONTENT_QUARANTINE:
        return "quarantine";
    case CONTENT_REJECT:
        return "reject";
    }
    return "accept";
}

struct content_report_builder *
content_report_builder_new(void)
{
    struct content_report_builder *b = xcalloc(1, sizeof *b);

    content_report_builder_reset(b);
    return b;
}

void
content_report_set(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value != NULL ? value : "");
}

/* release_report - free what the report owns, keep the arrays' memory */
static void
release_report(struct content_report_builder *b)
{
    struct content_report *r = &b->r;

    free(r->subject);
    free(r->from);
    free(r->to);
    free(r->message_id);
    free(r->reason);
    for (size_t i = 0; i < r->nfindings; i++) {
        struct content_finding *f = &r->findings[i];
        free(f->detector);
        free(f->category);
        free(f->description);
        free(f->part);
        free(f->location);
        free(f->sample);
    }
    for (size_t i = 0; i < r->nattachments; i++) {
        struct content_attachment *a = &r->attachments[i];
        free(a->part);
        free(a->name);
        free(a->path);
        free(a->declared_type);
        free(a->detected_type);
        free(a->kind);
    }
    for (size_t i = 0; i < r->nanomalies; i++)
        free(r->anomalies[i]);
}

void
content_report_builder_reset(struct content_report_builder *b)
{
    struct content_finding *f = b->r.findings;
    struct content_attachment *a = b->r.attachments;
    char **an = b->r.anomalies;

    release_report(b);
    memset(&b->r, 0, sizeof b->r);
    b->r.findings = f;
    b->r.attachments = a;
    b->r.anomalies = an;
    b->r.subject = xstrdup("");
    b->r.from = xstrdup("");
    b->r.to = xstrdup("");
    b->r.message_id = xstrdup("");
    b->r.reason = xstrdup("");
}

struct content_report_builder *
content_report_builder_free(struct content_report_builder *b)
{
    if (b == NULL)
        return NULL;
    release_report(b);
    free(b->r.findings);
    free(b->r.attachments);
    free(b->r.anomalies);
    free(b->counts);
    free(b);
    return NULL;
}

struct content_report *
content_report_get(struct content_report_builder *b)
{
    return &b->r;
}

/* find_entry - the aggregate for (detector, part, location), or SIZE_MAX */
static size_t
find_entry(const struct content_report *r, const char *det, const char *part, const char *loc)
{
    for (size_t i = r->nfindings; i-- > 0;) {
        const struct content_finding *f = &r->findings[i];
        if (strcmp(f->detector, det) == 0 && strcmp(f->part, part) == 0 &&
            strcmp(f->location, loc) == 0)
            return i;
    }
    return SIZE_MAX;
}

void
content_report_add_value(struct content_report_builder *b, const char *part, const char *location,
                         const struct content_value *v)
{
    struct content_report *r = &b->r;
    size_t i = find_entry(r, v->detector, part, location);
    int conf = v->confidence < 0 ? 0 : v->confidence > 100 ? 100 : v->confidence;

    if (i == SIZE_MAX && r->nfindings >= MAX_ENTRIES) {
        /* past the bound, further places of a detector share one entry each */
        part = "*";
        location = "(more)";
        i = find_entry(r, v->detector, part, location);
    }
    if (i == SIZE_MAX) {
        if (r->nfindings == b->cap_findings) {
            b->cap_findings = b->cap_findings ? b->cap_findings * 2 : 8;
            r->findings = xrealloc(r->findings, b->cap_findings * sizeof *r->findings);
            b->counts = xrealloc(b->counts, b->cap_findings * sizeof *b->counts);
        }
        i = r->nfindings++;
        struct content_finding *f = &r->findings[i];
        memset(f, 0, sizeof *f);
        memset(&b->counts[i], 0, sizeof b->counts[i]);
        f->detector = xstrdup(v->detector);
        f->category = xstrdup(v->category != NULL ? v->category : "");
        f->description = xstrdup(v->description != NULL ? v->description : "");
        f->part = xstrdup(part);
        f->location = xstrdup(location);
        f->offset = v->offset;
        f->sample = xstrdup(v->redacted != NULL ? v->redacted : "");
    }
    struct content_finding *f = &r->findings[i];
    f->count++;
    if (conf > f->confidence)
        f->confidence = conf;
    f->context = f->context || v->context;
    b->counts[i].by_conf[conf]++;
}

struct content_attachment *
content_report_add_attachment(struct content_report_builder *b)
{
    struct content_report *r = &b->r;

    if (r->nattachments == b->cap_attachments) {
        b->cap_attachments = b->cap_attachments ? b->cap_attachments * 2 : 4;
        r->attachments = xrealloc(r->attachments, b->cap_attachments * sizeof *r->attachments);
    }
    struct content_attachment *a = &r->attachments[r->nattachments++];
    memset(a, 0, sizeof *a);
    a->part = xstrdup("");
    a->name = xstrdup("");
    a->path = xstrdup("");
    a->declared_type = xstrdup("");
    a->detected_type = xstrdup("");
    a->kind = xstrdup("");
    return a;
}

void
content_report_add_anomaly(struct content_report_builder *b, const char *name)
{
    struct content_report *r = &b->r;

    for (size_t i = 0; i < r->nanomalies; i++)
        if (strcmp(r->anomalies[i], name) == 0)
            return;
    if (r->nanomalies == b->cap_anomalies) {
        b->cap_anomalies = b->cap_anomalies ? b->cap_anomalies * 2 : 4;
        r->anomalies = xrealloc(r->anomalies, b->cap_anomalies * sizeof *r->anomalies);
    }
    r->anomalies[r->nanomalies++] = xstrdup(name);
}

/* rule_names - the rule's detector names this finding: "*", its id, its category, or a
 * prefix of its id up to a dot ("secret" names "secret.aws_key") */
static bool
rule_names(const char *want, const struct content_finding *f)
{
    size_t n = strlen(want);

    if (strcmp(want, "*") == 0 || strcmp(want, f->detector) == 0 || strcmp(want, f->category) == 0)
        return true;
    return strncmp(want, f->detector, n) == 0 && f->detector[n] == '.';
}

/* rule_count - values the rule counts: its detector, at or above its confidence */
static unsigned
rule_count(const struct content_report_builder *b, const struct content_rule *rule,
           const char **first)
{
    unsigned total = 0;
    int minc = rule->min_confidence < 0 ? 0 : rule->min_confidence;

    for (size_t i = 0; i < b->r.nfindings; i++) {
        const struct content_finding *f = &b->r.findings[i];
        if (!rule_names(rule->detector, f))
            continue;
        unsigned here = 0;
        for (int c = minc; c <= 100; c++)
            here += b->counts[i].by_conf[c];
        if (here > 0 && *first == NULL)
            *first = f->detector;
        total += here;
    }
    return total;
}

void
content_rules_decide(struct content_report_builder *b, const struct content_rule *rules,
                     size_t nrules)
{
    struct content_report *r = &b->r;
    struct buf reason;

    if (rules == NULL || nrules == 0)
        rules = content_rules_default(&nrules);
    buf_init(&reason, 0);
    r->action = CONTENT_ACCEPT;
    for (size_t i = 0; i < nrules; i++) {
        const char *first = NULL;
        unsigned n = rule_count(b, &rules[i], &first);
        unsigned need = rules[i].min_count ? rules[i].min_count : 1;
        if (n < need || rules[i].action <= r->action)
            continue;
        r->action = rules[i].action;
        buf_reset(&reason);
        buf_printf(&reason, "%s: %u finding%s (%s) >= %u at confidence >= %d -> %s",
                   rules[i].detector, n, n == 1 ? "" : "s", first, need, rules[i].min_confidence,
                   content_action_name(rules[i].action));
    }
    content_report_set(&r->reason, reason.data != NULL ? reason.data : "");
    buf_release(&reason);
}
