/*
 * content_config - the content engine's options from the configuration (content.*, dlp.*).
 *
 * content_config_options() fills a struct content_options whose strings point into cfg (keep
 * cfg alive while the options are used to build an engine; the engine keeps its own copies);
 * the arrays it allocates belong to the returned holder: free it with content_config_free().
 */
#ifndef SW_CONTENT_CONTENT_CONFIG_H
#define SW_CONTENT_CONTENT_CONFIG_H

#include "config/config.h"
#include "content/content_scan.h"

struct content_config {
    struct content_options opt;
    struct dlp_custom *custom;
    struct content_rule *rules;
};

struct content_config *content_config_options(const struct sw_config *cfg);
struct content_config *content_config_free(struct content_config *cc);

#endif
