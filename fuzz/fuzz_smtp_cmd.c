/* fuzz_smtp_cmd - command line, MAIL/RCPT path and domain parsing on arbitrary lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_path - a parsed path is NUL-terminated, bounded and consistent */
static void
check_path(const struct smtp_path *p)
{
    if (strlen(p->addr) > SMTP_PATH_MAX || p->nparams < 0 || p->nparams > SMTP_PARAMS_MAX)
        abort();
    if (p->is_null && p->addr[0] != '\0')
        abort();
    for (int i = 0; i < p->nparams; i++)
        if (p->params[i].keyword[0] == '\0' || (!p->params[i].has_value && p->params[i].value[0]))
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    struct smtp_command cmd;
    struct smtp_path path;
    struct smtp_reply err;

    smtp_cmd_parse(line, size, &cmd);
    if (cmd.args_len > size ||
        (cmd.args_len > 0 && (cmd.args < line || cmd.args + cmd.args_len > line + size)))
        abort();
    (void)smtp_verb_name(cmd.verb);
    if (smtp_cmd_parse_path(cmd.args, cmd.args_len, "FROM:", true, &path, &err) == 0)
        check_path(&path);
    else if (err.code < 500 || err.code > 599)
        abort();
    if (smtp_cmd_parse_path(cmd.args, cmd.args_len, "TO:", false, &path, &err) == 0) {
        check_path(&path);
        if (path.is_null)
            abort();
    }
    (void)smtp_cmd_is_domain(line, size, size > 0 && (data[0] & 1));
    return 0;
}
