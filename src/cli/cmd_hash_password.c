/* cmd_hash_password - `smtpwarden hash-password`: a yescrypt hash for the users file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gateway/gw_auth.h"

static const char usage[] =
    "usage: smtpwarden hash-password < password\n"
    "\n"
    "Read one password line on standard input and print its yescrypt hash, for a users file\n"
    "line `name:HASH` (gateway.auth.users_file).\n"
    "\n"
    "  -h, --help     this help\n"
    "  -V, --version  print the version\n";

int
cmd_hash_password(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    struct buf out;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        if (cli_common_flag(argv[i], usage))
            return 0;
        fprintf(stderr, "smtpwarden hash-password: unexpected argument '%s'\n", argv[i]);
        return 2;
    }
    n = getline(&line, &cap, stdin);
    if (n <= 0) {
        fprintf(stderr, "smtpwarden hash-password: no password on standard input\n");
        free(line);
        return 1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    buf_init(&out, 0);
    if (gw_hash_password(line, &out) == 0) {
        printf("%s\n", out.data);
        rc = 0;
    } else {
        fprintf(stderr, "smtpwarden hash-password: hashing failed\n");
    }
    explicit_bzero(line, cap);
    free(line);
    buf_release(&out);
    return rc;
}
