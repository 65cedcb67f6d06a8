/*
 * content_config - content.* and dlp.* settings to struct content_options.
 */
#include <stdlib.h>

#include "content/content_config.h"
#include "util/mem.h"

struct content_config *
content_config_options(const struct sw_config *cfg)
{
    struct content_config *cc = xcalloc(1, sizeof *cc);
    struct content_options *o = &cc->opt;
    const struct cfg_content *c = &cfg->content;

    *o = content_options_default();
    o->mime.max_depth = c->max_depth;
    o->mime.max_parts = c->max_parts;
    o->mime.max_header_bytes = (size_t)c->max_header_size;
    o->mime.max_part_bytes = c->max_part_size;
    o->mime.max_total_bytes = c->max_decoded_size;
    o->max_attachment_bytes = c->max_attachment_size;
    o->extract.max_depth = c->archive_depth;
    o->extract.max_entries = c->archive_max_entries;
    o->extract.max_entry_bytes = c->archive_max_entry_size;
    o->extract.max_total_bytes = c->archive_max_size;
    o->infostealer = c->infostealer;

    o->dlp.disabled = (const char *const *)cfg->dlp.disable;
    o->dlp.ndisabled = cfg->dlp.ndisable;
    o->dlp.context_window = cfg->dlp.context_window;
    cc->custom = xcalloc(cfg->dlp.ndetectors + 1, sizeof *cc->custom);
    for (size_t i = 0; i < cfg->dlp.ndetectors; i++) {
        const struct cfg_dlp_detector *d = &cfg->dlp.detectors[i];
        struct dlp_custom *u = &cc->custom[i];
        u->id = d->id;
        u->description = d->description;
        u->case_sensitive = d->case_sensitive;
        u->confidence = (int)d->confidence;
        if (d->edm != NULL) {
            u->kind = DLP_CUSTOM_EDM;
            u->edm.path = d->edm;
            u->edm.columns = (const char *const *)d->columns;
            u->edm.ncolumns = d->ncolumns;
            u->edm.primary = d->primary;
            u->edm.min_cells = d->min_cells;
        } else if (d->nregex > 0) {
            u->kind = DLP_CUSTOM_REGEX;
            u->patterns = (const char *const *)d->regex;
            u->npatterns = d->nregex;
        } else {
            u->kind = DLP_CUSTOM_KEYWORDS;
            u->patterns = (const char *const *)d->keywords;
            u->npatterns = d->nkeywords;
        }
    }
    o->dlp.custom = cc->custom;
    o->dlp.ncustom = cfg->dlp.ndetectors;

    cc->rules = xcalloc(cfg->dlp.nrules + 1, sizeof *cc->rules);
    for (size_t i = 0; i < cfg->dlp.nrules; i++) {
        const struct cfg_dlp_rule *r = &cfg->dlp.rules[i];
        cc->rules[i].detector = r->detector;
        cc->rules[i].min_count = r->min_count;
        cc->rules[i].min_confidence = (int)r->min_confidence;
        cc->rules[i].action = r->action == CFG_ACTION_REJECT       ? CONTENT_REJECT
                              : r->action == CFG_ACTION_QUARANTINE ? CONTENT_QUARANTINE
                                                                   : CONTENT_TAG;
    }
    o->rules = cc->rules;
    o->nrules = cfg->dlp.nrules;
    return cc;
}

struct content_config *
content_config_free(struct content_config *cc)
{
    if (cc == NULL)
        return NULL;
    free(cc->custom);
    free(cc->rules);
    free(cc);
    return NULL;
}
