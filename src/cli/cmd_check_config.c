/* cmd_check_config - `smtpwarden check-config`: load a file and explain every mistake. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "content/content_config.h"

static const char usage[] =
    "usage: smtpwarden check-config [FILE] [--reference]\n"
    "\n"
    "Validate a configuration file: unknown keys, wrong types, values out of range and risky\n"
    "settings are reported as FILE:LINE:COLUMN: error|warning: message. Exit status 0 when the\n"
    "file can be used (warnings allowed), 1 when it has errors. Without FILE, the embedded\n"
    "default is checked.\n"
    "\n"
    "  --reference    print the reference of every setting (Markdown) and exit\n"
    "  -h, --help     this help\n"
    "  -V, --version  print the version\n";

/* content_engine_builds - the DLP detectors compile and the rules name real detectors (what
 * only building the engine can tell: a regex Hyperscan refuses, an unreadable EDM table) */
static bool
content_engine_builds(const struct sw_config *cfg, const char *name)
{
    struct content_config *cc = content_config_options(cfg);
    char err[512];
    struct content_engine *e = content_engine_new(&cc->opt, err, sizeof err);
    bool ok = e != NULL;

    if (!ok)
        fprintf(stderr, "%s: error: dlp: %s\n", name, err);
    content_engine_free(e);
    content_config_free(cc);
    return ok;
}

int
cmd_check_config(int argc, char **argv)
{
    const char *path = NULL;
    struct config_diag d;
    struct sw_config *cfg;

    for (int i = 1; i < argc; i++) {
        if (cli_common_flag(argv[i], usage)) {
            return 0;
        } else if (cli_is_flag(argv[i], "--reference", NULL)) {
            struct buf b;
            buf_init(&b, 0);
            config_write_reference(&b);
            fwrite(b.data, 1, b.len, stdout);
            buf_release(&b);
            return 0;
        } else if (path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            fprintf(stderr, "smtpwarden check-config: unexpected argument '%s'\n\n%s", argv[i],
                    usage);
            return 2;
        }
    }
    config_diag_init(&d);
    if (path != NULL) {
        cfg = config_load_file(path, &d);
    } else {
        const char *text = config_embedded_default();
        cfg = config_load_string(text, strlen(text), NULL, &d);
    }
    fwrite(d.text.data, 1, d.text.len, stderr);
    if (cfg != NULL && !content_engine_builds(cfg, path ? path : "<embedded>")) {
        cfg = config_free(cfg);
        d.errors++;
    }
    if (cfg != NULL)
        printf("%s: OK (%u warning%s)\n", path ? path : "<embedded>", d.warnings,
               d.warnings == 1 ? "" : "s");
    else
        fprintf(stderr, "%s: %u error%s\n", path ? path : "<embedded>", d.errors,
                d.errors == 1 ? "" : "s");
    config_diag_release(&d);
    int rc = cfg != NULL ? 0 : 1;
    config_free(cfg);
    return rc;
}
