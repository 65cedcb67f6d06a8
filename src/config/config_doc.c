/* config_doc - the built-in first-run configuration and the reference rendered from the table. */
#include <stdio.h>

#include "config/config_impl.h"

/*
 * Loopback only, relaying for local clients to a next hop on the same machine, TLS from a
 * certificate generated on first run: safe to start with, nothing to edit to try it out.
 */
static const char embedded_default[] =
    "# smtpwarden built-in configuration, used when no file is given\n"
    "gateway:\n"
    "  listen:\n"
    "    - address: 127.0.0.1:2525\n"
    "      tls: starttls\n"
    "    - address: 127.0.0.1:4650\n"
    "      tls: implicit\n"
    "  hostname: localhost\n"
    "  workers: 1\n"
    "  user: nobody\n"
    "  tls:\n"
    "    certificate: smtpwarden-state/cert.pem\n"
    "    key: smtpwarden-state/key.pem\n"
    "    self_signed: true\n"
    "  next_hop: 127.0.0.1:2526\n"
    "identities:\n"
    "  - name: local\n"
    "    network: [127.0.0.0/8, \"::1/128\"]\n"
    "    domains: [example.com, \"*.example.com\"]\n"
    "    send_bounces: true\n"
    "content:\n"
    "  quarantine_dir: smtpwarden-state/quarantine\n"
    "events:\n"
    "  file: \"-\"\n";

const char *
config_embedded_default(void)
{
    return embedded_default;
}

/* type_text - a row's type in words, with its bounds */
static void
type_text(const struct cfg_setting *row, char *out, size_t size)
{
    char lo[32], hi[32];

    switch (row->type) {
    case CFG_STRING:
        snprintf(out, size, "%s",
                 (row->flags & CFG_F_GUID)     ? "GUID"
                 : (row->flags & CFG_F_SHA256) ? "SHA-256 fingerprint"
                 : (row->flags & CFG_F_DOMAIN) ? "domain"
                 : (row->flags & CFG_F_LABELS) ? "DNS label(s)"
                                               : "string");
        break;
    case CFG_PATH:
        snprintf(out, size, "path");
        break;
    case CFG_BOOL:
        snprintf(out, size, "bool");
        break;
    case CFG_UINT:
        snprintf(out, size, "integer, %llu to %llu", (unsigned long long)row->min,
                 (unsigned long long)row->max);
        break;
    case CFG_SIZE:
        config_value_format_size(row->min, lo, sizeof lo);
        config_value_format_size(row->max, hi, sizeof hi);
        snprintf(out, size, "size, %s to %s", lo, hi);
        break;
    case CFG_DURATION:
    case CFG_DURATION_MS:
        config_value_format_duration(row->type == CFG_DURATION ? row->min * 1000 : row->min, lo,
                                     sizeof lo);
        config_value_format_duration(row->type == CFG_DURATION ? row->max * 1000 : row->max, hi,
                                     sizeof hi);
        snprintf(out, size, "duration, %s to %s", lo, hi);
        break;
    case CFG_ENUM: {
        int n = snprintf(out, size, "one of");
        for (size_t i = 0; row->choices[i] != NULL && n > 0 && (size_t)n < size; i++)
            n += snprintf(out + n, size - (size_t)n, "%s `%s`", i ? "," : "", row->choices[i]);
        break;
    }
    case CFG_HOSTPORT:
        snprintf(out, size, "host:port");
        break;
    case CFG_CIDR_LIST:
        snprintf(out, size, "list of networks");
        break;
    case CFG_STRING_LIST:
        snprintf(out, size, "%s",
                 (row->flags & CFG_F_WILDCARD)  ? "list of domains or `*.domain` patterns"
                 : (row->flags & CFG_F_DOMAIN)  ? "list of domains"
                 : (row->flags & CFG_F_MAILBOX) ? "list of addresses"
                                                : "list of strings");
        break;
    case CFG_MAP_LIST:
        snprintf(out, size, "list of %s", row->items);
        break;
    }
}

void
config_write_reference(struct buf *out)
{
    char type[160];

    buf_append_str(out, "| Setting | Type | Default | Description |\n");
    buf_append_str(out, "|---|---|---|---|\n");
    for (size_t i = 0; i < config_table_len; i++) {
        const struct cfg_setting *row = &config_table[i];
        type_text(row, type, sizeof type);
        if (row->def != NULL)
            buf_printf(out, "| `%s` | %s | `%s` | %s |\n", row->path, type, row->def, row->help);
        else
            buf_printf(out, "| `%s` | %s | %s | %s |\n", row->path, type,
                       row->def_doc ? row->def_doc : "(none)", row->help);
    }
}
