/*
 * cli - the smtpwarden command line: main() dispatches to one function per subcommand.
 * Each returns the process exit status and handles its own --help.
 */
#ifndef SW_CLI_CLI_H
#define SW_CLI_CLI_H

#include <stdbool.h>

#include "config/config.h"

int cmd_gateway(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_hash_password(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_sensor(int argc, char **argv);

/* cli_is_flag - argv[i] is --name or -short */
int cli_is_flag(const char *arg, const char *long_name, const char *short_name);
void cli_print_version(void);
/* cli_load_config - the file, or the embedded default when path is NULL; NULL after printing
 * the file's errors to stderr (warnings are left to check-config) */
struct sw_config *cli_load_config(const char *path);
/* cli_common_flag - handle --help (prints usage) and --version; true when arg was one of them */
bool cli_common_flag(const char *arg, const char *usage);

#endif
