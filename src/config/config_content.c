/*
 * config_content - the checks of the content and dlp sections (issue 4) that one row alone
 * cannot make: a custom detector is exactly one kind, its id is a usable name and unique.
 * Whether a rule names a detector that exists is known only to the DLP engine, which reports
 * it when it is built (check-config builds it).
 */
#include <stdio.h>
#include <string.h>

#include "config/config_impl.h"

/* id_is_valid - letters, digits, '_' and '-', 1-64 of them */
static bool
id_is_valid(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > 64)
        return false;
    return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* check_detector - one custom detector */
static void
check_detector(const struct sw_config *cfg, size_t i, const struct cfg_where *w,
               struct config_diag *d)
{
    const struct cfg_dlp_detector *det = &cfg->dlp.detectors[i];
    struct cfg_mark at = config_where_or(w, &cfg->dlp.detectors, i, w->gateway);
    int kinds = (det->nkeywords > 0) + (det->nregex > 0) + (det->edm != NULL);

    if (det->id == NULL)
        return; /* already reported as missing */
    if (!id_is_valid(det->id))
        config_diag_add(d, w->name, config_where_or(w, &det->id, CFG_MARK_WHOLE, at), CFG_ERROR,
                        "detector id '%s' may hold only letters, digits, '_' and '-'", det->id);
    if (kinds != 1)
        config_diag_add(d, w->name, at, CFG_ERROR,
                        "detector '%s' needs exactly one of 'keywords', 'regex' and 'edm' "
                        "(it has %d)",
                        det->id, kinds);
    if (det->edm == NULL && (det->ncolumns > 0 || det->primary != NULL))
        config_diag_add(d, w->name, at, CFG_ERROR,
                        "detector '%s': 'columns' and 'primary' belong to an 'edm' detector",
                        det->id);
    for (size_t k = 0; k < i; k++) {
        const char *other = cfg->dlp.detectors[k].id;
        if (other != NULL && strcmp(other, det->id) == 0)
            config_diag_add(d, w->name, at, CFG_ERROR, "detector id '%s' is used twice", det->id);
    }
}

void
config_check_content(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    for (size_t i = 0; i < cfg->dlp.ndetectors; i++)
        check_detector(cfg, i, w, d);
    for (size_t i = 0; i < cfg->dlp.nrules; i++) {
        const struct cfg_dlp_rule *r = &cfg->dlp.rules[i];
        if (r->detector != NULL && r->detector[0] == '\0')
            config_diag_add(d, w->name, config_where_or(w, &cfg->dlp.rules, i, w->gateway),
                            CFG_ERROR, "a rule needs a 'detector': an id, a category or *");
    }
}
