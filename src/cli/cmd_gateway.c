/* cmd_gateway - `smtpwarden gateway`: parse options and run the relay's master process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gateway/gateway.h"

static const char usage[] =
    "usage: smtpwarden gateway [-c FILE] [--workers N]\n"
    "\n"
    "Run the inline SMTP relay in the foreground. Without -c it runs on the embedded default\n"
    "configuration: 127.0.0.1:2525 (STARTTLS) and 127.0.0.1:4650 (implicit TLS) with a\n"
    "self-signed certificate made in ./smtpwarden-state/, relaying 127.0.0.0/8 to the next hop\n"
    "127.0.0.1:2526, events as JSON lines on stdout.\n"
    "\n"
    "  -c, --config FILE  the YAML configuration (see docs/configuration.md)\n"
    "  -w, --workers N    worker processes (default: gateway.workers, 0 = one per core)\n"
    "  -h, --help         this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the configuration.\n";

int
cmd_gateway(int argc, char **argv)
{
    struct gateway_options opt = {0};

    for (int i = 1; i < argc; i++) {
        if (cli_common_flag(argv[i], usage)) {
            return 0;
        } else if (cli_is_flag(argv[i], "--config", "-c") && i + 1 < argc) {
            opt.config_path = argv[++i];
        } else if (cli_is_flag(argv[i], "--workers", "-w") && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || n == 0 || n > 256) {
                fprintf(stderr, "smtpwarden gateway: --workers wants 1..256\n");
                return 2;
            }
            opt.workers = (unsigned)n;
        } else {
            fprintf(stderr, "smtpwarden gateway: unexpected argument '%s'\n\n%s", argv[i], usage);
            return 2;
        }
    }
    return gateway_main(&opt);
}
