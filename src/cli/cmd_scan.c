/* cmd_scan - `smtpwarden scan`: run the content engine over message files (.eml, mbox,
 * folders of them) and print a verdict per message with its findings. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/scan_input.h"
#include "config/config.h"
#include "content/content_config.h"
#include "content/content_scan.h"
#include "events/event_content.h"
#include "util/mem.h"

static const char usage[] =
    "usage: smtpwarden scan [OPTIONS] PATH...\n"
    "\n"
    "Inspect messages: MIME structure, attachments (archives and office documents opened),\n"
    "sensitive data (cards, national ids, secrets, custom detectors) and infostealer shapes.\n"
    "PATH is a message file (.eml), an mbox file (recognised by its first 'From ' line), a\n"
    "folder (walked recursively, in name order) or - for standard input. One verdict per\n"
    "message: accept, tag, quarantine or reject, from the rules of the configuration.\n"
    "\n"
    "  -c, --config FILE  detectors, rules and limits from FILE (default: the embedded one)\n"
    "  --json             one JSON object per message on stdout (fields: docs/scan.md)\n"
    "  -q, --quiet        print only messages whose verdict is not accept\n"
    "  --no-progress      no progress bar (it is shown on a terminal for long runs)\n"
    "  --list-detectors   print the detectors and exit\n"
    "  -h, --help         this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "Exit status: 0 when every message was accepted, 1 when any message matched a rule,\n"
    "2 on an error (an unreadable file, a bad configuration).\n";

struct scan_run {
    struct content_scan *scan;
    bool json;
    bool quiet;
    struct scan_progress progress;
    unsigned long messages, files, errors;
    unsigned long by_action[4];
};

/* print_text - one message in words */
static void
print_text(const char *label, const struct content_report *r)
{
    printf("%s: %s", label, content_action_name(r->action));
    if (r->subject[0] != '\0')
        printf("  subject \"%s\"", r->subject);
    if (r->reason[0] != '\0')
        printf("  (%s)", r->reason);
    putchar('\n');
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct content_finding *f = &r->findings[i];
        printf("    finding     %-28s x%-4u confidence %3d  %s  at part %s %s +%llu%s\n",
               f->detector, f->count, f->confidence, f->sample, f->part, f->location,
               (unsigned long long)f->offset, f->context ? "  (context)" : "");
    }
    for (size_t i = 0; i < r->nattachments; i++) {
        const struct content_attachment *a = &r->attachments[i];
        printf("    attachment  %*s%s  %s (%s)  %llu bytes  sha256 %s%s%s%s\n", (int)a->depth * 2,
               "", a->path, a->detected_type, a->kind, (unsigned long long)a->size,
               a->sha256[0] ? a->sha256 : "-", a->encrypted ? "  [encrypted]" : "",
               a->truncated ? "  [truncated]" : "", a->type_mismatch ? "  [type mismatch]" : "");
    }
    for (size_t i = 0; i < r->nanomalies; i++)
        printf("    anomaly     %s\n", r->anomalies[i]);
}

/* on_message - scan_input found the end of one message */
static void
on_message(void *ctx, const char *file, unsigned long index, bool in_mbox)
{
    struct scan_run *run = ctx;
    const struct content_report *r = content_scan_end(run->scan);
    char label[4096];

    if (in_mbox)
        snprintf(label, sizeof label, "%s#%lu", file, index);
    else
        snprintf(label, sizeof label, "%s", file);
    run->messages++;
    run->by_action[r->action]++;
    scan_progress_clear(&run->progress);
    if (run->json) {
        json_t *o = event_content_json(r);
        json_object_set_new(o, "file", json_string(file));
        if (in_mbox)
            json_object_set_new(o, "message", json_integer((json_int_t)index));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        puts(s);
        free(s);
        json_decref(o);
    } else if (!run->quiet || r->action != CONTENT_ACCEPT) {
        print_text(label, r);
    }
    content_scan_reset(run->scan);
}

/* on_bytes - message bytes for the engine */
static void
on_bytes(void *ctx, const void *data, size_t len)
{
    struct scan_run *run = ctx;

    content_scan_feed(run->scan, data, len);
}

/* list_detectors - the built-in detectors and the engine's own finding ids */
static int
list_detectors(const struct sw_config *cfg)
{
    static const struct dlp_detector_info own[] = {
        {"infostealer.subject", "infostealer", "subject of an infostealer's report"},
        {"infostealer.banner", "infostealer", "Snake Keylogger banner S--N--A--K--E"},
        {"infostealer.attachment_name", "infostealer", "attachment named like stolen data"},
        {"infostealer.self_addressed", "infostealer", "the sender mails itself"},
        {"infostealer.shape", "infostealer", "several infostealer indicators in one message"},
        {"attachment.encrypted", "attachment", "encrypted archive or document"},
    };

    printf("%-28s %-14s %s\n", "ID", "CATEGORY", "DESCRIPTION");
    for (size_t i = 0; i < dlp_builtin_count(); i++) {
        const struct dlp_detector_info *d = dlp_builtin(i);
        printf("%-28s %-14s %s\n", d->id, d->category, d->description);
    }
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        printf("%-28s %-14s %s\n", own[i].id, own[i].category, own[i].description);
    for (size_t i = 0; i < cfg->dlp.ndetectors; i++)
        printf("custom.%-21s %-14s %s\n", cfg->dlp.detectors[i].id, "custom",
               cfg->dlp.detectors[i].description ? cfg->dlp.detectors[i].description : "");
    return 0;
}

/* summary - the last line on stderr */
static void
summary(const struct scan_run *run, double secs)
{
    double mb = (double)run->progress.done / 1e6;

    fprintf(stderr,
            "scanned %lu message%s in %lu file%s, %.1f MB in %.2f s (%.1f MB/s): %lu accept, "
            "%lu tag, %lu quarantine, %lu reject; %lu error%s\n",
            run->messages, run->messages == 1 ? "" : "s", run->files, run->files == 1 ? "" : "s",
            mb, secs, secs > 0 ? mb / secs : 0.0, run->by_action[CONTENT_ACCEPT],
            run->by_action[CONTENT_TAG], run->by_action[CONTENT_QUARANTINE],
            run->by_action[CONTENT_REJECT], run->errors, run->errors == 1 ? "" : "s");
}

int
cmd_scan(int argc, char **argv)
{
    const char *config_path = NULL;
    bool list = false, progress = true;
    struct scan_run run = {0};
    struct scan_paths paths;
    char err[512];
    int rc = 2;

    scan_paths_init(&paths);
    for (int i = 1; i < argc; i++) {
        if (cli_common_flag(argv[i], usage)) {
            scan_paths_release(&paths);
            return 0;
        } else if (cli_is_flag(argv[i], "--config", "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (cli_is_flag(argv[i], "--json", NULL)) {
            run.json = true;
        } else if (cli_is_flag(argv[i], "--quiet", "-q")) {
            run.quiet = true;
        } else if (cli_is_flag(argv[i], "--no-progress", NULL)) {
            progress = false;
        } else if (cli_is_flag(argv[i], "--list-detectors", NULL)) {
            list = true;
        } else if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            scan_paths_add(&paths, argv[i]);
        } else {
            fprintf(stderr, "smtpwarden scan: unexpected argument '%s'\n\n%s", argv[i], usage);
            scan_paths_release(&paths);
            return 2;
        }
    }
    struct sw_config *cfg = cli_load_config(config_path);
    if (cfg == NULL)
        goto out_paths;
    if (list) {
        rc = list_detectors(cfg);
        goto out_config;
    }
    if (paths.n == 0) {
        fprintf(stderr, "smtpwarden scan: no PATH given\n\n%s", usage);
        goto out_config;
    }
    struct content_config *cc = content_config_options(cfg);
    struct content_engine *engine = content_engine_new(&cc->opt, err, sizeof err);
    if (engine == NULL) {
        fprintf(stderr, "smtpwarden scan: %s: %s\n", config_path ? config_path : "<embedded>", err);
        goto out_cc;
    }
    run.scan = content_scan_new(engine);
    scan_progress_init(&run.progress, progress && isatty(2), scan_paths_bytes(&paths));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct scan_input_callbacks cb = {.bytes = on_bytes, .message = on_message};
    for (size_t i = 0; i < paths.n; i++)
        scan_input_path(paths.v[i], &cb, &run, &run.progress, &run.files, &run.errors);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    scan_progress_clear(&run.progress);
    fflush(stdout);
    summary(&run, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    rc = run.errors > 0 ? 2 : run.messages > run.by_action[CONTENT_ACCEPT] ? 1 : 0;
    content_scan_free(run.scan);
    content_engine_free(engine);
out_cc:
    content_config_free(cc);
out_config:
    config_free(cfg);
out_paths:
    scan_paths_release(&paths);
    return rc;
}
