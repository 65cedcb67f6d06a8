/* cmd_sensor - `smtpwarden sensor`: passive SMTP monitoring of a capture file or an interface,
 * with JSON lines of transactions and alerts, optionally a Zeek smtp.log. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "behavior/behavior_cfg.h"
#include "cli/cli.h"
#include "cli/scan_input.h"
#include "config/config.h"
#include "content/content_config.h"
#include "sensor/sensor_app.h"
#include "sensor/sensor_output.h"
#include "sensor/sensor_pcap.h"
#include "util/mem.h"

static const char usage[] =
    "usage: smtpwarden sensor (-r FILE | -i IFACE) [OPTIONS]\n"
    "\n"
    "Watch SMTP passively: TCP reassembly, SMTP found on its ports (sensor.ports) and by\n"
    "content on any other, one `smtp` record per mail transaction (Zeek smtp.log fields plus\n"
    "AUTH, TLS, attachments and content findings) and one `alert` per detection\n"
    "(auth.cleartext, smtp.external_server, exfil.infostealer, exfil.self_addressed, dlp.*),\n"
    "as JSON lines (fields: docs/sensor.md, \"Output\").\n"
    "\n"
    "  -r, --read FILE       read a capture file (pcap or pcapng)\n"
    "  -i, --interface IFACE capture live until SIGINT or SIGTERM\n"
    "  -f, --filter BPF      a BPF filter applied before anything else\n"
    "  -c, --config FILE     the sensor.* settings, content rules and limits from FILE\n"
    "  -o, --output FILE     JSON lines to FILE (default: standard output)\n"
    "  --zeek-log DIR        also write DIR/smtp.log in Zeek's TSV format\n"
    "  --password-hash       records carry a salted HMAC-SHA-256 of each cleartext password\n"
    "                        (salt: sensor.password_salt, or random for this run)\n"
    "  --no-progress         no progress bar (shown on a terminal when reading a file)\n"
    "  -h, --help            this help\n"
    "  -V, --version         print the version\n"
    "\n"
    "A summary (packets, flows, SMTP sessions, transactions, alerts, anomalies) goes to\n"
    "standard error. Exit status: 0 when nothing alerted, 1 when there was an alert, 2 on an\n"
    "error (an unreadable capture, a bad filter, a bad configuration).\n";

/* Set by SIGINT/SIGTERM during a live capture: a signal handler can only reach a global. */
static volatile sig_atomic_t stop_capture;

struct sensor_args {
    const char *read, *iface, *filter, *config, *output, *zeek_dir;
    bool password_hash, progress;
};

/* What the progress callback needs. */
struct sensor_progress {
    struct scan_progress bar;
    struct sensor_engine *engine;
};

/* on_stop - the live capture ends at the next packet or timeout */
static void
on_stop(int sig)
{
    (void)sig;
    stop_capture = 1;
}

/* parse_ports - sensor.ports as numbers; -1 after printing the bad one */
static int
parse_ports(const struct cfg_sensor *s, uint16_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (s->nports == 0)
        return 0;
    *out = xcalloc(s->nports, sizeof **out);
    for (size_t i = 0; i < s->nports; i++) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s->ports[i], &end, 10);
        if (errno != 0 || *end != '\0' || end == s->ports[i] || v == 0 || v > 65535) {
            fprintf(stderr, "smtpwarden sensor: sensor.ports: '%s' is not a port number\n",
                    s->ports[i]);
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[(*n)++] = (uint16_t)v;
    }
    return 0;
}

/* parse_args - the command line into a; -1 (usage printed) or 1 (help shown) */
static int
parse_args(int argc, char **argv, struct sensor_args *a)
{
    memset(a, 0, sizeof *a);
    a->progress = true;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has = i + 1 < argc;
        if (cli_common_flag(arg, usage))
            return 1;
        else if (cli_is_flag(arg, "--read", "-r") && has)
            a->read = argv[++i];
        else if (cli_is_flag(arg, "--interface", "-i") && has)
            a->iface = argv[++i];
        else if (cli_is_flag(arg, "--filter", "-f") && has)
            a->filter = argv[++i];
        else if (cli_is_flag(arg, "--config", "-c") && has)
            a->config = argv[++i];
        else if (cli_is_flag(arg, "--output", "-o") && has)
            a->output = argv[++i];
        else if (cli_is_flag(arg, "--zeek-log", NULL) && has)
            a->zeek_dir = argv[++i];
        else if (cli_is_flag(arg, "--password-hash", NULL))
            a->password_hash = true;
        else if (cli_is_flag(arg, "--no-progress", NULL))
            a->progress = false;
        else {
            fprintf(stderr, "smtpwarden sensor: unexpected argument '%s'\n\n%s", arg, usage);
            return -1;
        }
    }
    if ((a->read == NULL) == (a->iface == NULL)) {
        fprintf(stderr, "smtpwarden sensor: give one of -r FILE or -i IFACE\n\n%s", usage);
        return -1;
    }
    return 0;
}

/* on_progress - redraw the bar from what the engine has read so far */
static void
on_progress(void *ctx)
{
    struct sensor_progress *p = ctx;
    const struct sensor_engine_stats *st = sensor_engine_stats(p->engine);
    uint64_t done = st->bytes + 16 * st->packets + 24; /* record headers of a pcap file */

    p->bar.files = (unsigned long)st->flow.opened;
    if (done > p->bar.done)
        scan_progress_add(&p->bar, done - p->bar.done);
}

/* open_zeek - DIR/smtp.log with its header; NULL after printing why */
static FILE *
open_zeek(const char *dir)
{
    char path[4096];
    struct buf b;
    FILE *f;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "smtpwarden sensor: %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    snprintf(path, sizeof path, "%s/smtp.log", dir);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "smtpwarden sensor: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf_init(&b, 0);
    sensor_output_zeek_header(&b, (int64_t)time(NULL));
    fwrite(b.data, 1, b.len, f);
    buf_release(&b);
    return f;
}

/* close_zeek - the #close line, then the file */
static int
close_zeek(FILE *f)
{
    struct buf b;
    int rc;

    if (f == NULL)
        return 0;
    buf_init(&b, 0);
    sensor_output_zeek_close(&b, (int64_t)time(NULL));
    fwrite(b.data, 1, b.len, f);
    buf_release(&b);
    rc = ferror(f) ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

/* summary - the last lines on stderr */
static void
summary(struct sensor_engine *e, const struct sensor_app_stats *s, double secs)
{
    const struct sensor_engine_stats *st = sensor_engine_stats(e);
    double mb = (double)st->bytes / 1e6;

    fprintf(stderr,
            "sensor: %llu packets, %.1f MB in %.2f s (%.1f MB/s), %llu flows, %llu SMTP "
            "sessions (%llu found by content), %llu transactions, %llu alerts, %llu anomalies\n",
            (unsigned long long)st->packets, mb, secs, secs > 0 ? mb / secs : 0.0,
            (unsigned long long)st->flow.opened, (unsigned long long)s->smtp_sessions,
            (unsigned long long)s->by_content, (unsigned long long)s->transactions,
            (unsigned long long)s->alerts, (unsigned long long)s->anomalies);
    if (s->alerts > 0)
        fprintf(stderr,
                "sensor: alerts: %llu auth.cleartext, %llu smtp.external_server, %llu "
                "exfil.infostealer, %llu exfil.self_addressed, %llu dlp, %llu behavior\n",
                (unsigned long long)s->auth_cleartext, (unsigned long long)s->external_server,
                (unsigned long long)s->infostealer, (unsigned long long)s->self_addressed,
                (unsigned long long)s->dlp, (unsigned long long)s->behavior);
    if (st->gaps > 0 || st->flow.closed[SENSOR_FLOW_CLOSE_SHED] > 0)
        fprintf(stderr, "sensor: %llu gaps (%llu bytes lost), %llu flows shed at the bounds\n",
                (unsigned long long)st->gaps, (unsigned long long)st->gap_bytes,
                (unsigned long long)st->flow.closed[SENSOR_FLOW_CLOSE_SHED]);
}

/* capture - run the input through the engine; 0 or -1 after printing why */
static int
capture(const struct sensor_args *a, struct sensor_engine *e, struct sensor_app *app)
{
    struct sensor_progress prog = {.engine = e};
    struct buf err;
    int rc;

    buf_init(&err, 0);
    if (a->read != NULL) {
        struct stat st;
        bool on = a->progress && isatty(2) && stat(a->read, &st) == 0;
        scan_progress_init(&prog.bar, on, on ? (uint64_t)st.st_size : 0);
        prog.bar.unit = "flows";
        sensor_app_set_progress(app, on_progress, &prog);
        rc = sensor_pcap_read_file(e, a->read, a->filter, &err);
        scan_progress_clear(&prog.bar);
        sensor_app_set_progress(app, NULL, NULL);
    } else {
        struct sigaction sa = {.sa_handler = on_stop};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        rc = sensor_pcap_live(e, a->iface, a->filter, &stop_capture, &err);
    }
    if (rc < 0)
        fprintf(stderr, "smtpwarden sensor: %s: %s\n", a->read ? a->read : a->iface,
                err.data != NULL ? err.data : "error");
    buf_release(&err);
    return rc;
}

/* behavior_start - the behaviour engine in packet time, with the sensor's own snapshot
 * (STATE_FILE.sensor, so a gateway on the same configuration keeps its own) loaded when there
 * is one; NULL after printing why */
static struct behavior *
behavior_start(const struct sw_config *cfg, char *state, size_t size)
{
    struct behavior_config bc;
    struct behavior_limit lim[BEHAVIOR_LIMITS_MAX];
    char err[512];

    behavior_config_from(&cfg->behavior, &bc, lim);
    struct behavior *b = behavior_new(&bc, NULL, err, sizeof err);
    if (b == NULL) {
        fprintf(stderr, "smtpwarden sensor: behavior: %s\n", err);
        return NULL;
    }
    if (cfg->behavior.state_file != NULL) {
        snprintf(state, size, "%s.sensor", cfg->behavior.state_file);
        if (access(state, F_OK) == 0 && behavior_load(b, state, err, sizeof err) != 0)
            fprintf(stderr, "smtpwarden sensor: %s: %s (starting without it)\n", state, err);
    }
    return b;
}

/* behavior_stop - save the snapshot (learning goes on at the next run) and free */
static void
behavior_stop(struct behavior *b, const char *state)
{
    char err[512];
    struct timespec now;

    if (b != NULL && state[0] != '\0') {
        clock_gettime(CLOCK_REALTIME, &now);
        if (behavior_save(b, state, (uint64_t)now.tv_sec * 1000, err, sizeof err) != 0)
            fprintf(stderr, "smtpwarden sensor: %s: %s\n", state, err);
    }
    behavior_free(b);
}

/* run - everything made from the configuration, the capture, the summary; exit status */
static int
run(const struct sensor_args *a, const struct sw_config *cfg, FILE *out, FILE *zeek)
{
    struct sensor_app_options o = {.json = out, .zeek = zeek};
    struct content_config *cc = NULL;
    struct content_engine *content = NULL;
    uint16_t *ports = NULL;
    uint8_t salt[16];
    char err[512], state[4096] = "";
    struct behavior *beh = NULL;
    int rc = 2;

    if (parse_ports(&cfg->sensor, &ports, &o.nports) < 0)
        return 2;
    o.ports = ports;
    o.detect.mail_servers = &cfg->sensor.mail_servers;
    o.detect.mail_clients = &cfg->sensor.mail_clients;
    if (a->password_hash && cfg->sensor.password_salt != NULL) {
        o.pw_salt = (const uint8_t *)cfg->sensor.password_salt;
        o.pw_salt_len = strlen(cfg->sensor.password_salt);
    } else if (a->password_hash) {
        if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt) {
            fprintf(stderr, "smtpwarden sensor: no random salt: %s\n", strerror(errno));
            goto out_ports;
        }
        o.pw_salt = salt;
        o.pw_salt_len = sizeof salt;
    }
    if (cfg->sensor.dlp) {
        cc = content_config_options(cfg);
        content = content_engine_new(&cc->opt, err, sizeof err);
        if (content == NULL) {
            fprintf(stderr, "smtpwarden sensor: %s: %s\n", cfg->path, err);
            goto out_content;
        }
        o.content = content;
    }
    if (cfg->behavior.enabled && (beh = behavior_start(cfg, state, sizeof state)) == NULL)
        goto out_content;
    o.behavior = beh;
    struct sensor_app *app = sensor_app_new(&o);
    struct sensor_engine_cfg ecfg;
    sensor_engine_cfg_defaults(&ecfg);
    ecfg.max_flows = cfg->sensor.max_flows;
    ecfg.max_mem = (size_t)cfg->sensor.max_memory;
    ecfg.idle_timeout_usec = (uint64_t)cfg->sensor.idle_timeout * 1000000u;
    sensor_app_engine_cfg(app, &ecfg);
    struct sensor_engine *e = sensor_engine_new(&ecfg);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int crc = capture(a, e, app);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fflush(out);
    summary(e, sensor_app_stats(app),
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    rc = crc < 0 ? 2 : sensor_app_stats(app)->alerts > 0 ? 1 : 0;
    sensor_engine_free(e);
    sensor_app_free(app);
    behavior_stop(beh, state);
out_content:
    content_engine_free(content);
    content_config_free(cc);
out_ports:
    free(ports);
    return rc;
}

int
cmd_sensor(int argc, char **argv)
{
    struct sensor_args a;
    FILE *out = stdout, *zeek = NULL;
    int rc = 2;

    int p = parse_args(argc, argv, &a);
    if (p != 0)
        return p > 0 ? 0 : 2;
    struct sw_config *cfg = cli_load_config(a.config);
    if (cfg == NULL)
        return 2;
    if (a.output != NULL && strcmp(a.output, "-") != 0) {
        out = fopen(a.output, "w");
        if (out == NULL) {
            fprintf(stderr, "smtpwarden sensor: %s: %s\n", a.output, strerror(errno));
            goto out_config;
        }
    }
    if (a.iface != NULL)
        setvbuf(out, NULL, _IOLBF, 0); /* live: each line as it happens */
    if (a.zeek_dir != NULL && (zeek = open_zeek(a.zeek_dir)) == NULL)
        goto out_file;
    rc = run(&a, cfg, out, zeek);
    if (close_zeek(zeek) < 0) {
        fprintf(stderr, "smtpwarden sensor: %s/smtp.log: write error\n", a.zeek_dir);
        rc = 2;
    }
out_file:
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "smtpwarden sensor: %s: write error\n", a.output);
        rc = 2;
    }
out_config:
    config_free(cfg);
    return rc;
}
