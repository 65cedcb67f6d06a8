/* main - smtpwarden's entry point: subcommand dispatch, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: smtpwarden COMMAND [OPTIONS]\n"
    "\n"
    "An outbound-mail security gateway.\n"
    "\n"
    "commands:\n"
    "  gateway        run the inline SMTP relay (proxy mode)\n"
    "  check-config   validate a configuration file and explain its mistakes\n"
    "  hash-password  read a password on stdin, print a hash for the users file\n"
    "  domain         prove domain ownership through DNS (token, verify)\n"
    "  scan           inspect message files: attachments, sensitive data, infostealer shapes\n"
    "  sensor         watch SMTP passively in a capture file or on an interface\n"
    "\n"
    "options:\n"
    "  -h, --help     this help (each command has its own: smtpwarden COMMAND --help)\n"
    "  -V, --version  print the version\n";

int
cli_is_flag(const char *arg, const char *long_name, const char *short_name)
{
    return (long_name && strcmp(arg, long_name) == 0) ||
           (short_name && strcmp(arg, short_name) == 0);
}

void
cli_print_version(void)
{
    printf("smtpwarden %s\n", SW_VERSION);
}

bool
cli_common_flag(const char *arg, const char *usage_text)
{
    if (cli_is_flag(arg, "--help", "-h")) {
        fputs(usage_text, stdout);
        return true;
    }
    if (cli_is_flag(arg, "--version", "-V")) {
        cli_print_version();
        return true;
    }
    return false;
}

struct sw_config *
cli_load_config(const char *path)
{
    struct config_diag d;
    struct sw_config *cfg;

    config_diag_init(&d);
    if (path != NULL) {
        cfg = config_load_file(path, &d);
    } else {
        const char *text = config_embedded_default();
        cfg = config_load_string(text, strlen(text), NULL, &d);
    }
    if (cfg == NULL)
        fwrite(d.text.data, 1, d.text.len, stderr);
    config_diag_release(&d);
    return cfg;
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"gateway", cmd_gateway},
        {"check-config", cmd_check_config},
        {"hash-password", cmd_hash_password},
        {"domain", cmd_domain},
        {"scan", cmd_scan},
        {"sensor", cmd_sensor},
    };

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (cli_is_flag(argv[1], "--help", "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    if (cli_is_flag(argv[1], "--version", "-V")) {
        cli_print_version();
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "smtpwarden: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
