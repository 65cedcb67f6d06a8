/* test_config - the YAML loader, its diagnostics, the checks and the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_impl.h"

/* The starting shape from the design notes: it must load as is. */
static const char start_shape[] =
    "gateway:\n"
    "  listen:\n"
    "    - address: 127.0.0.1:2525        # STARTTLS offered when tls is configured\n"
    "    - address: 127.0.0.1:4650\n"
    "      tls: implicit\n"
    "  hostname: gw.example.com\n"
    "  tls: { certificate: cert.pem, key: key.pem, client_ca: ca.pem }\n"
    "  auth: { users_file: users, require_tls: true }\n"
    "  next_hop: 127.0.0.1:2526            # host:port\n"
    "  relay_networks: [192.0.2.0/24]      # until identities exist\n"
    "  limits: { max_message_size: 26214400, max_recipients: 100 }\n"
    "events:\n"
    "  file: events.json                   # \"-\" for stdout\n";

/* A valid base that cases append to: it has what is required and nothing to warn about. */
#define BASE                                                                                       \
    "# four lines, so that what a case appends starts at line 5\n"                                 \
    "gateway:\n"                                                                                   \
    "  listen: [{ address: 127.0.0.1:2525 }]\n"                                                    \
    "  next_hop: 127.0.0.1:2526\n"

/* A valid base for identity cases: no relay_networks (that would add a warning). */
#define IDBASE                                                                                     \
    "gateway:\n"                                                                                   \
    "  listen: [{ address: 127.0.0.1:2525 }]\n"                                                    \
    "  next_hop: 127.0.0.1:2526\n"

/* NO_IDENTITIES - the warning every file without identities gets (nothing can relay) */
#define NO_IDENTITIES "warning: no 'identities': no client can relay"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HEX64_COLONS                                                                               \
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:"   \
    "cd:ef"

/* load - config_load_string on a C string, diagnostics into d */
static struct sw_config *
load(const char *yaml, struct config_diag *d)
{
    config_diag_init(d);
    return config_load_string(yaml, strlen(yaml), "t.yaml", d);
}

/* test_start_shape - every value of the starting shape lands in its field */
static void
test_start_shape(void **state)
{
    struct config_diag d;
    config_diag_init(&d);
    struct sw_config *c =
        config_load_string(start_shape, strlen(start_shape), "/etc/sw/smtpwarden.yaml", &d);

    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    /* the first release's shape: relay_networks no longer relays, and there are no identities */
    assert_int_equal(d.warnings, 2);
    assert_non_null(strstr(d.text.data, "'gateway.relay_networks' no longer lets anyone relay"));
    assert_non_null(strstr(d.text.data, NO_IDENTITIES));
    assert_int_equal(c->gateway.nlisten, 2);
    assert_string_equal(c->gateway.listen[0].address, "127.0.0.1:2525");
    assert_string_equal(c->gateway.listen[0].host, "127.0.0.1");
    assert_int_equal(c->gateway.listen[0].port, 2525);
    assert_int_equal(c->gateway.listen[0].tls, CFG_TLS_STARTTLS);
    assert_int_equal(c->gateway.listen[0].line, 3);
    assert_int_equal(c->gateway.listen[1].port, 4650);
    assert_int_equal(c->gateway.listen[1].tls, CFG_TLS_IMPLICIT);
    assert_int_equal(c->gateway.listen[1].line, 4);
    assert_string_equal(c->gateway.hostname, "gw.example.com");
    assert_string_equal(c->gateway.tls.certificate, "/etc/sw/cert.pem");
    assert_string_equal(c->gateway.tls.key, "/etc/sw/key.pem");
    assert_string_equal(c->gateway.tls.client_ca, "/etc/sw/ca.pem");
    assert_false(c->gateway.tls.self_signed);
    assert_string_equal(c->gateway.auth.users_file, "/etc/sw/users");
    assert_true(c->gateway.auth.require_tls);
    assert_string_equal(c->gateway.next_hop.host, "127.0.0.1");
    assert_int_equal(c->gateway.next_hop.port, 2526);
    assert_int_equal(c->gateway.relay_networks.n, 1);
    assert_int_equal(c->gateway.relay_networks.items[0].prefix, 24);
    assert_int_equal(c->gateway.limits.max_message_size, 26214400);
    assert_int_equal(c->gateway.limits.max_recipients, 100);
    assert_string_equal(c->events.file, "/etc/sw/events.json");
    assert_string_equal(c->path, "/etc/sw/smtpwarden.yaml");
    config_free(c);
    config_diag_release(&d);
}

/* test_defaults - what an almost empty file gets */
static void
test_defaults(void **state)
{
    struct config_diag d;
    struct sw_config *c = load(BASE, &d);

    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);      /* no identities: nothing relays */
    assert_non_null(c->gateway.hostname); /* gethostname() */
    assert_int_equal(c->gateway.workers, 0);
    assert_null(c->gateway.user);
    assert_int_equal(c->gateway.greet_delay_ms, 0);
    assert_int_equal(c->gateway.drain_timeout, 30);
    assert_int_equal(c->gateway.bare_eol, CFG_BARE_EOL_REJECT);
    assert_true(c->gateway.pipelining);
    assert_null(c->gateway.tls.certificate);
    assert_false(c->gateway.tls.self_signed);
    assert_null(c->gateway.auth.users_file);
    assert_true(c->gateway.auth.require_tls);
    assert_int_equal(c->gateway.auth.max_failures, 5);
    assert_int_equal(c->gateway.auth.failure_window, 300);
    assert_int_equal(c->gateway.next_hop.tls, CFG_UPSTREAM_TLS_OPPORTUNISTIC);
    assert_false(c->gateway.next_hop.tls_verify);
    assert_null(c->gateway.next_hop.ca);
    assert_int_equal(c->gateway.next_hop.connect_timeout, 30);
    assert_int_equal(c->gateway.next_hop.timeout, 300);
    assert_int_equal(c->gateway.limits.max_message_size, 26214400);
    assert_int_equal(c->gateway.limits.max_recipients, 100);
    assert_int_equal(c->gateway.limits.max_command_line, 512);
    assert_int_equal(c->gateway.limits.max_text_line, 1000);
    assert_int_equal(c->gateway.limits.max_errors, 10);
    assert_int_equal(c->gateway.limits.idle_timeout, 300);
    assert_int_equal(c->gateway.limits.max_connections, 1000);
    assert_int_equal(c->gateway.limits.memory_spool, 1048576);
    assert_string_equal(c->gateway.spool_dir, "/tmp");
    assert_string_equal(c->events.file, "-");
    assert_string_equal(c->log_level, "info");
    assert_int_equal(c->nidentities, 0);
    assert_null(c->identities);
    assert_int_equal(c->m365.networks.n, 0);
    assert_string_equal(c->m365.certificate_name, "mail.protection.outlook.com");
    assert_int_equal(c->ndkim, 0);
    assert_int_equal(c->alignment, CFG_ALIGN_OFF);
    config_free(c);
    config_diag_release(&d);
}

/* test_embedded_default - loads clean; relative paths stay relative to the working folder */
static void
test_embedded_default(void **state)
{
    const char *y = config_embedded_default();
    struct config_diag d;
    config_diag_init(&d);
    struct sw_config *c = config_load_string(y, strlen(y), "<embedded>", &d);

    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 0);
    assert_int_equal(c->gateway.nlisten, 2);
    assert_int_equal(c->gateway.listen[0].port, 2525);
    assert_int_equal(c->gateway.listen[0].tls, CFG_TLS_STARTTLS);
    assert_int_equal(c->gateway.listen[1].port, 4650);
    assert_int_equal(c->gateway.listen[1].tls, CFG_TLS_IMPLICIT);
    assert_string_equal(c->gateway.hostname, "localhost");
    assert_int_equal(c->gateway.workers, 1);
    assert_string_equal(c->gateway.tls.certificate, "smtpwarden-state/cert.pem");
    assert_string_equal(c->gateway.tls.key, "smtpwarden-state/key.pem");
    assert_true(c->gateway.tls.self_signed);
    assert_string_equal(c->gateway.next_hop.host, "127.0.0.1");
    assert_int_equal(c->gateway.next_hop.port, 2526);
    assert_int_equal(c->gateway.relay_networks.n, 0);
    assert_int_equal(c->nidentities, 1);
    assert_string_equal(c->identities[0].name, "local");
    assert_int_equal(c->identities[0].network.n, 2);
    assert_string_equal(c->events.file, "-");
    assert_string_equal(c->path, "<embedded>");
    config_free(c);
    /* check-config passes no name for it */
    c = config_load_string(y, strlen(y), NULL, &d);
    assert_non_null(c);
    assert_string_equal(c->path, "<embedded>");
    assert_string_equal(c->gateway.tls.certificate, "smtpwarden-state/cert.pem");
    config_free(c);
    config_diag_release(&d);
}

/* test_next_hop_map - the long form of next_hop, flow and block style */
static void
test_next_hop_map(void **state)
{
    static const char y[] =
        "gateway:\n"
        "  listen:\n"
        "    - { address: \"[::1]:25\", tls: none }\n"
        "    - 127.0.0.1:26\n"
        "  relay_networks:\n"
        "    - 10.0.0.0/8\n"
        "    - \"2001:db8::/32\"\n"
        "  next_hop:\n"
        "    address: mx.example.net:587\n"
        "    tls: require\n"
        "    tls_verify: yes\n"
        "    ca: /etc/ssl/ca.pem\n"
        "    connect_timeout: 1m\n"
        "    timeout: 45m\n"
        "  greet_delay: 500ms\n"
        "  bare_eol: normalise\n"
        "  pipelining: off\n"
        "  user: smtpwarden\n"
        "  limits: { memory_spool: 64K, max_message_size: 1G, idle_timeout: 90 }\n"
        "log_level: debug\n";
    struct config_diag d;
    struct sw_config *c = load(y, &d);

    if (c == NULL)
        fail_msg("%s", d.text.data);
    assert_string_equal(c->gateway.listen[0].host, "::1");
    assert_string_equal(c->gateway.listen[0].address, "[::1]:25");
    assert_int_equal(c->gateway.listen[0].tls, CFG_TLS_NONE);
    assert_string_equal(c->gateway.listen[1].host, "127.0.0.1");
    assert_int_equal(c->gateway.listen[1].tls, CFG_TLS_STARTTLS);
    assert_int_equal(c->gateway.relay_networks.n, 2);
    assert_string_equal(c->gateway.next_hop.host, "mx.example.net");
    assert_int_equal(c->gateway.next_hop.port, 587);
    assert_int_equal(c->gateway.next_hop.tls, CFG_UPSTREAM_TLS_REQUIRE);
    assert_true(c->gateway.next_hop.tls_verify);
    assert_string_equal(c->gateway.next_hop.ca, "/etc/ssl/ca.pem");
    assert_int_equal(c->gateway.next_hop.connect_timeout, 60);
    assert_int_equal(c->gateway.next_hop.timeout, 2700);
    assert_int_equal(c->gateway.greet_delay_ms, 500);
    assert_int_equal(c->gateway.bare_eol, CFG_BARE_EOL_NORMALISE);
    assert_false(c->gateway.pipelining);
    assert_string_equal(c->gateway.user, "smtpwarden");
    assert_int_equal(c->gateway.limits.memory_spool, 65536);
    assert_int_equal(c->gateway.limits.max_message_size, 1073741824);
    assert_int_equal(c->gateway.limits.idle_timeout, 90);
    assert_string_equal(c->log_level, "debug");
    config_free(c);
    config_diag_release(&d);
}

struct diag_case {
    const char *yaml;
    const char *expect; /* a whole diagnostic line, or its start */
};

static const struct diag_case error_cases[] = {
    /* unknown keys, with a suggestion when one is close */
    {"gateway:\n  listn: []\n",
     "t.yaml:2:3: error: unknown key 'gateway.listn' (did you mean 'listen'?)"},
    {BASE "  limits: { max_recipient: 5 }\n",
     "t.yaml:5:13: error: unknown key 'gateway.limits.max_recipient' (did you mean "
     "'max_recipients'?)"},
    {BASE "  frobnicate: 1\n", "t.yaml:5:3: error: unknown key 'gateway.frobnicate'\n"},
    {BASE "gatway: {}\n", "t.yaml:5:1: error: unknown key 'gatway' (did you mean 'gateway'?)"},
    {"gateway:\n  listen:\n    - { adress: 127.0.0.1:25 }\n",
     "t.yaml:3:9: error: unknown key 'gateway.listen[].adress' (did you mean 'address'?)"},
    {BASE "  tls.key: k.pem\n", "t.yaml:5:3: error: unknown key 'gateway.tls.key'"},
    /* wrong types */
    {BASE "  hostname: [a, b]\n",
     "t.yaml:5:13: error: 'gateway.hostname' needs a single value, not a list"},
    {BASE "  workers: { n: 1 }\n",
     "t.yaml:5:12: error: 'gateway.workers' needs a single value, not a mapping"},
    {BASE "  tls: yes\n",
     "t.yaml:5:8: error: 'gateway.tls' is a group of settings and needs a mapping, not a "
     "single value"},
    {"gateway:\n  relay_networks: 10.0.0.0/8\n",
     "t.yaml:2:19: error: 'gateway.relay_networks' needs a list"},
    {"gateway:\n  listen: 127.0.0.1:25\n",
     "t.yaml:2:11: error: 'gateway.listen' needs a list of listeners"},
    {BASE "  pipelining: maybe\n",
     "t.yaml:5:15: error: 'gateway.pipelining' needs true or false (got 'maybe')"},
    {BASE "  bare_eol: strip\n",
     "t.yaml:5:13: error: 'gateway.bare_eol' must be one of: reject, normalise (got 'strip')"},
    {"- a\n- b\n", "t.yaml:1:1: error: the file must be a mapping"},
    {BASE "  workers:\n", "t.yaml:5:11: error: 'gateway.workers' needs a value"},
    /* numbers out of range or malformed */
    {BASE "  workers: 257\n",
     "t.yaml:5:12: error: 'gateway.workers' is out of range (0 to 256) (got '257')"},
    {BASE "  limits: { max_command_line: 511 }\n",
     "t.yaml:5:31: error: 'gateway.limits.max_command_line' is out of range (512 to 65536)"},
    {BASE "  limits:\n    max_text_line: 999\n",
     "t.yaml:6:20: error: 'gateway.limits.max_text_line' is out of range (1000 to 1048576)"},
    {BASE "  limits: { max_recipients: -1 }\n",
     "t.yaml:5:29: error: 'gateway.limits.max_recipients' needs a whole number (got '-1')"},
    {BASE "  limits: { max_message_size: 5X }\n",
     "t.yaml:5:31: error: 'gateway.limits.max_message_size' needs a size"},
    {BASE "  limits: { max_message_size: 5G }\n",
     "t.yaml:5:31: error: 'gateway.limits.max_message_size' is out of range (1K to 4G)"},
    {BASE "  drain_timeout: 1500ms\n",
     "t.yaml:5:18: error: 'gateway.drain_timeout' is counted in whole seconds"},
    {BASE "  greet_delay: 2 minutes\n",
     "t.yaml:5:16: error: 'gateway.greet_delay' needs a duration"},
    {BASE "  workers: 99999999999999999999999\n",
     "t.yaml:5:12: error: 'gateway.workers' needs a whole number"},
    /* addresses and networks */
    {"gateway:\n  listen: [{ address: \"::1:25\" }]\n",
     "t.yaml:2:23: error: bad address for 'gateway.listen[].address': an IPv6 address needs "
     "brackets, as in [::1]:25"},
    {"gateway:\n  next_hop: 127.0.0.1\n",
     "t.yaml:2:13: error: bad address for 'gateway.next_hop.address': expected host:port"},
    {"gateway:\n  next_hop: host:70000\n",
     "t.yaml:2:13: error: bad address for 'gateway.next_hop.address': the port must be"},
    {"gateway:\n  next_hop: \"bad host:25\"\n",
     "t.yaml:2:13: error: bad address for 'gateway.next_hop.address': not a host name"},
    {"gateway:\n  relay_networks:\n    - 192.0.2.1/24\n",
     "t.yaml:3:7: error: bad network '192.0.2.1/24' in 'gateway.relay_networks': host bits "
     "are set; did you mean 192.0.2.0/24?"},
    {"gateway:\n  relay_networks: [10.0.0.0/40]\n",
     "t.yaml:2:20: error: bad network '10.0.0.0/40' in 'gateway.relay_networks': the prefix "
     "length must be 0 to 32"},
    {"gateway:\n  relay_networks: [example.com]\n",
     "t.yaml:2:20: error: bad network 'example.com'"},
    /* duplicates */
    {BASE "  next_hop: 127.0.0.1:25\n",
     "t.yaml:5:3: error: duplicate key 'gateway.next_hop' (first given at line 4)"},
    {"gateway:\n  listen: [{ address: 127.0.0.1:25, address: 127.0.0.1:26 }]\n",
     "t.yaml:2:37: error: duplicate key 'gateway.listen[].address' (first given at line 2)"},
    /* syntax, with libyaml's line */
    {"gateway:\n  listen: [\n  next_hop: x\n  a: b: c\n",
     "t.yaml:4:4: error: YAML syntax: did not find expected ',' or ']' (while parsing a flow "
     "sequence that started at line 2)"},
    {"gateway:\n  hostname: a\n   bad: indent\n", "t.yaml:3:7: error: YAML syntax: "},
    {"gateway: {}\n---\nevents: {}\n", "t.yaml:3:1: error: only one YAML document is allowed"},
    {"a: \"\\xff\\x00\"\n", "t.yaml:1:1: error: unknown key 'a'"},
    /* required */
    {"gateway:\n  hostname: a.example\n", "t.yaml:1:1: error: missing 'gateway.listen'"},
    {"gateway:\n  listen: []\n  next_hop: 127.0.0.1:25\n",
     "t.yaml:2:11: error: 'gateway.listen' is empty"},
    {"gateway:\n  listen: [{ address: 127.0.0.1:25 }]\n",
     "t.yaml:1:1: error: missing 'gateway.next_hop'"},
    {"gateway:\n  listen: [{ address: 127.0.0.1:25 }]\n  next_hop: { tls: require }\n",
     "t.yaml:1:1: error: missing 'gateway.next_hop'"},
    {"gateway:\n  listen: [{ tls: none }]\n", "t.yaml:2:12: error: a listener needs 'address'"},
    {"gateway:\n  listen: [[]]\n", "t.yaml:2:12: error: a listener is { address: host:port"},
    /* cross-checks */
    {BASE "  tls: { key: k.pem }\n",
     "t.yaml:5:15: error: 'gateway.tls.key' is set but 'gateway.tls.certificate' is not"},
    {BASE "  tls: { certificate: c.pem }\n",
     "t.yaml:5:23: error: 'gateway.tls.certificate' is set but 'gateway.tls.key' is not"},
    {BASE "  tls: { self_signed: true }\n",
     "t.yaml:5:23: error: 'gateway.tls.self_signed' needs 'certificate' and 'key'"},
    {"gateway:\n  listen:\n    - address: 127.0.0.1:465\n      tls: implicit\n"
     "  next_hop: 127.0.0.1:25\n",
     "t.yaml:3:7: error: listener 127.0.0.1:465 uses implicit TLS but there is no "
     "'gateway.tls.certificate'"},
    /* identities (issue 3) */
    {IDBASE "identities:\n  - sasl: alice\n    domains: [a.example]\n",
     "t.yaml:5:5: error: an identity needs 'name'"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [a.example] }\n"
            "  - { name: b, sasl: b, domains: [b.example] }\n"
            "  - { name: a, sasl: c, domains: [c.example] }\n",
     "t.yaml:7:13: error: duplicate identity name 'a' (first given at line 5)"},
    {IDBASE "identities:\n  - { name: a, sasl: alice, domains: [a.example] }\n"
            "  - { name: b, sasl: alice, domains: [b.example] }\n",
     "t.yaml:6:22: error: duplicate sasl user 'alice' (first given at line 5)"},
    {IDBASE "identities:\n  - { name: a, m365_tenant: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11, "
            "domains: [a.example] }\n"
            "  - { name: b, m365_tenant: 6F1C2F1E-2D0B-4B71-9A8E-0D6F0C7F9A11, "
            "domains: [b.example] }\n",
     "t.yaml:6:29: error: duplicate m365_tenant '6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11' (first "
     "given at line 5)"},
    {IDBASE "identities:\n  - { name: a, domains: [a.example] }\n",
     "t.yaml:5:5: error: identity 'a' does not say who it is: give exactly one of sasl, "
     "client_cert, network, m365_tenant"},
    {IDBASE "identities:\n  - { name: a, sasl: a, network: [10.0.0.1], domains: [a.example] }\n",
     "t.yaml:5:34: error: identity 'a' has both 'sasl' and 'network'"},
    {IDBASE "identities:\n  - name: a\n    client_cert: { name: a.example }\n"
            "    m365_tenant: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11\n    domains: [a.example]\n",
     "t.yaml:7:18: error: identity 'a' has both 'client_cert' and 'm365_tenant'"},
    {IDBASE "identities:\n  - { name: a, sasl: a, m365_domain: a.onmicrosoft.com, domains: "
            "[a.example] }\n",
     "t.yaml:5:38: error: identity 'a' has 'm365_domain' but no 'm365_tenant'"},
    {IDBASE "identities:\n  - { name: a, m365_tenant: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a1, "
            "domains: [a.example] }\n",
     "t.yaml:5:29: error: 'identities[].m365_tenant' needs a tenant id, a GUID such as"},
    {IDBASE "identities:\n  - { name: a, m365_tenant: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a1g, "
            "domains: [a.example] }\n",
     "t.yaml:5:29: error: 'identities[].m365_tenant' needs a tenant id"},
    {IDBASE "identities:\n  - { name: a, m365_tenant: \"*\", domains: [a.example] }\n",
     "t.yaml:5:29: error: 'identities[].m365_tenant' cannot be a wildcard: name one tenant id "
     "(got '*')"},
    {IDBASE "identities:\n  - name: a\n    client_cert: { sha256: \"AB:CD:EF\" }\n"
            "    domains: [a.example]\n",
     "t.yaml:6:28: error: 'identities[].client_cert.sha256' needs 64 hex digits"},
    {IDBASE "identities:\n  - name: a\n    client_cert:\n      sha256: " HEX64 "0\n"
            "    domains: [a.example]\n",
     "t.yaml:7:15: error: 'identities[].client_cert.sha256' needs 64 hex digits"},
    {IDBASE "identities:\n  - name: a\n    client_cert: {}\n    domains: [a.example]\n",
     "t.yaml:6:18: error: identity 'a': 'client_cert' needs sha256, name or both"},
    {IDBASE "identities:\n  - name: a\n    client_cert: scanner.example\n"
            "    domains: [a.example]\n",
     "t.yaml:6:18: error: 'identities[].client_cert' is a group of settings and needs a mapping"},
    {IDBASE "identities:\n  - { name: a, sasl: a }\n",
     "t.yaml:5:5: error: identity 'a' owns no domain and no sender: it could never send"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [], senders: [] }\n",
     "t.yaml:5:5: error: identity 'a' owns no domain and no sender"},
    {IDBASE "identities:\n  - { name: a, network: [], domains: [a.example] }\n",
     "t.yaml:5:25: error: identity 'a': 'network' lists no network"},
    {IDBASE "identities:\n  - name: a\n    sasl: a\n    domains:\n      - a.example\n"
            "      - a..example\n",
     "t.yaml:9:9: error: 'identities[].domains' needs a domain name or *.domain (letters, "
     "digits, '-'; IDNs in their xn-- form) (got 'a..example')"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [-a.example] }\n",
     "t.yaml:5:35: error: 'identities[].domains' needs a domain name"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [a_b.example] }\n",
     "t.yaml:5:35: error: 'identities[].domains' needs a domain name"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [192.0.2.1] }\n",
     "t.yaml:5:35: error: 'identities[].domains' needs a domain name"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [\"*.*.a.example\"] }\n",
     "t.yaml:5:35: error: 'identities[].domains' needs a domain name"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [\"a.*.example\"] }\n",
     "t.yaml:5:35: error: 'identities[].domains' needs a domain name"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [[a.example]] }\n",
     "t.yaml:5:35: error: 'identities[].domains' items must be single values, not a list"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: a.example }\n",
     "t.yaml:5:34: error: 'identities[].domains' needs a list, as in [a.example], not a single "
     "value"},
    {IDBASE "identities:\n  - { name: a, sasl: a, senders: [alice] }\n",
     "t.yaml:5:35: error: 'identities[].senders' needs addresses of the form local@domain, one "
     "'@' (got 'alice')"},
    {IDBASE "identities:\n  - { name: a, sasl: a, senders: [a@b@a.example] }\n",
     "t.yaml:5:35: error: 'identities[].senders' needs addresses of the form local@domain"},
    {IDBASE "identities:\n  - { name: a, sasl: a, senders: [\"@a.example\"] }\n",
     "t.yaml:5:35: error: 'identities[].senders' needs addresses of the form local@domain"},
    {IDBASE "identities:\n  - { name: a, sasl: a, senders: [alice@a..example] }\n",
     "t.yaml:5:35: error: 'identities[].senders' needs addresses of the form local@domain"},
    {IDBASE "identities:\n  - { name: a, sasl: a, m365_domain: bad_domain, domains: [a.b] }\n",
     "t.yaml:5:38: error: 'identities[].m365_domain' needs a domain name"},
    {IDBASE "identities:\n  - { nme: a, sasl: a, domains: [a.example] }\n",
     "t.yaml:5:7: error: unknown key 'identities[].nme' (did you mean 'name'?)"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domain: [a.example] }\n",
     "t.yaml:5:25: error: unknown key 'identities[].domain' (did you mean 'domains'?)"},
    {IDBASE "identities: { name: a }\n",
     "t.yaml:4:13: error: 'identities' needs a list of identities, each { name, one of "
     "sasl/client_cert/network/m365_tenant, domains and/or senders }, not a mapping"},
    {IDBASE "identities: [a]\n", "t.yaml:4:14: error: an identity is { name, one of"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [a.example], send_bounces: maybe }\n",
     "t.yaml:5:61: error: 'identities[].send_bounces' needs true or false (got 'maybe')"},
    {IDBASE "identities:\n  - { name: a, network: [10.0.0.1/8], domains: [a.example] }\n",
     "t.yaml:5:26: error: bad network '10.0.0.1/8' in 'identities[].network': host bits are "
     "set; did you mean 10.0.0.0/8?"},
    {IDBASE "identities:\n  - { name: a, sasl: a, domains: [\"a\\0b\"] }\n",
     "t.yaml:5:35: error: 'identities[].domains' items must be single values, not text with a "
     "NUL byte"},
    /* m365, dkim, policy */
    {IDBASE "m365: { networks: [40.92.0.0/33] }\n",
     "t.yaml:4:20: error: bad network '40.92.0.0/33' in 'm365.networks'"},
    {IDBASE "m365: { certificate_name: \"*.outlook.com\" }\n",
     "t.yaml:4:27: error: 'm365.certificate_name' needs a domain name"},
    {IDBASE "m365: { certficate_name: x.example }\n",
     "t.yaml:4:9: error: unknown key 'm365.certficate_name' (did you mean 'certificate_name'?)"},
    {IDBASE "dkim:\n  - { domain: a.example, key: /nonexistent/k.pem }\n",
     "t.yaml:5:5: error: a dkim key needs 'selector'"},
    {IDBASE "dkim:\n  - { selector: s1 }\n", "t.yaml:5:5: error: a dkim key needs 'domain'"},
    {IDBASE "dkim:\n  - { selector: s1 }\n", "t.yaml:5:5: error: a dkim key needs 'key'"},
    {IDBASE "dkim:\n  - { domain: a.example, selector: s1, key: /nonexistent/k.pem }\n",
     "t.yaml:5:45: error: 'dkim[].key' cannot be read: /nonexistent/k.pem: No such file or "
     "directory"},
    {IDBASE "dkim:\n  - { domain: a.example, selector: s1, key: /tmp }\n",
     "t.yaml:5:45: error: 'dkim[].key' is not a file: /tmp"},
    {IDBASE "dkim:\n  - { domain: \"*.a.example\", selector: s1, key: /nonexistent }\n",
     "t.yaml:5:15: error: 'dkim[].domain' needs a domain name"},
    {IDBASE "dkim:\n  - { domain: a.example, selector: \"s 1\", key: /nonexistent }\n",
     "t.yaml:5:36: error: 'dkim[].selector' needs dot-separated DNS labels"},
    {IDBASE "dkim: { domain: a.example }\n", "t.yaml:4:7: error: 'dkim' needs a list of dkim keys"},
    {IDBASE "policy: { alignment: loose }\n",
     "t.yaml:4:22: error: 'policy.alignment' must be one of: off, relaxed, strict (got 'loose')"},
    {IDBASE "policy: { aligment: strict }\n",
     "t.yaml:4:11: error: unknown key 'policy.aligment' (did you mean 'alignment'?)"},
};

/* test_errors - each error class: the message, its line and column, and no config */
static void
test_errors(void **state)
{
    unsigned failed = 0;

    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        struct config_diag d;
        struct sw_config *c = load(error_cases[i].yaml, &d);
        if (c != NULL || d.errors == 0 || strstr(d.text.data, error_cases[i].expect) == NULL) {
            print_error("case %zu: expected \"%s\", got:\n%s\n", i, error_cases[i].expect,
                        d.text.data);
            failed++;
        }
        config_free(c);
        config_diag_release(&d);
    }
    if (failed != 0)
        fail_msg("%u error cases failed", failed);
}

/* expect_one_warning - a file that loads, with exactly one warning that starts with expect
 * (besides NO_IDENTITIES when the file has no identities and expect is not that one) */
static void
expect_one_warning(const char *yaml, const char *expect)
{
    struct config_diag d;
    struct sw_config *c = load(yaml, &d);
    unsigned base = strstr(expect, NO_IDENTITIES) == NULL && d.text.data != NULL &&
                    strstr(d.text.data, NO_IDENTITIES) != NULL;

    if (c == NULL || d.errors != 0 || d.warnings != 1 + base || strstr(d.text.data, expect) == NULL)
        fail_msg("expected one warning \"%s\", got %u errors:\n%s", expect, d.errors, d.text.data);
    config_free(c);
    config_diag_release(&d);
}

/* test_warnings - valid but dangerous settings load, with a warning at their line */
static void
test_warnings(void **state)
{
    /* relay_networks (the rule of the first release) no longer grants anything */
    expect_one_warning(IDBASE "  relay_networks: [10.0.0.0/8, 0.0.0.0/0]\n"
                              "identities: [{ name: a, sasl: a, domains: [a.example] }]\n",
                       "t.yaml:4:19: warning: 'gateway.relay_networks' no longer lets anyone "
                       "relay: give those clients a network identity");
    /* a file for scan or sensor alone: no gateway section, no error */
    expect_one_warning("dlp:\n  rules: [{ detector: card, action: reject }]\n",
                       "t.yaml:1:1: warning: no 'gateway' section");
    expect_one_warning(BASE "  auth: { users_file: /etc/u, require_tls: false }\n",
                       "t.yaml:5:44: warning: 'gateway.auth.require_tls' is false");
    expect_one_warning("gateway:\n  listen: [{ address: 192.0.2.1:25, tls: none }]\n"
                       "  next_hop: 127.0.0.1:26\n",
                       "t.yaml:2:12: warning: listener 192.0.2.1:25 is on a non-loopback "
                       "address without TLS");
    expect_one_warning("gateway:\n  listen: [\"0.0.0.0:25\"]\n"
                       "  next_hop: 127.0.0.1:26\n",
                       "warning: listener 0.0.0.0:25 is on a non-loopback address");
    expect_one_warning("gateway:\n  listen: [{ address: 127.0.0.1:25 }]\n"
                       "  next_hop: 127.0.0.1:26\n",
                       "t.yaml:1:1: " NO_IDENTITIES);
    /* the same listener with a certificate, or on loopback, is fine */
    struct config_diag d;
    struct sw_config *c =
        load("gateway:\n  listen: [\"0.0.0.0:25\", \"[::1]:26\", \"localhost:27\"]\n"
             "  next_hop: 127.0.0.1:26\n"
             "  tls: { certificate: /c, key: /k }\n",
             &d);
    assert_non_null(c);
    assert_int_equal(d.warnings, 1);
    assert_non_null(strstr(d.text.data, NO_IDENTITIES));
    config_free(c);
    config_diag_release(&d);
}

/* The shape of issue 3, as the design notes give it (with the required gateway settings). */
static const char identity_shape[] =
    IDBASE "identities:\n"
           "  - name: app-a\n"
           "    network: [192.0.2.10/32]\n"
           "    domains: [a.example]\n"
           "  - name: alice\n"
           "    sasl: alice\n"
           "    senders: [alice@a.example]\n"
           "  - name: scanner\n"
           "    client_cert: { sha256: \"" HEX64_COLONS "\", name: scanner.corp.example }\n"
           "    domains: [\"*.scan.example\"]\n"
           "  - name: contoso\n"
           "    m365_tenant: 6F1C2F1E-2D0B-4B71-9A8E-0D6F0C7F9A11\n"
           "    m365_domain: contoso.onmicrosoft.com\n"
           "    domains: [contoso.example]\n"
           "    send_bounces: false\n"
           "m365:\n"
           "  networks: [40.92.0.0/15, 40.107.0.0/16, 52.100.0.0/14, 104.47.0.0/17]\n"
           "  certificate_name: mail.protection.outlook.com\n"
           "dkim:\n"
           "  - domain: a.example\n"
           "    selector: s1\n"
           "    key: dkim/a.example.pem          # rsa or ed25519 PEM\n"
           "policy:\n"
           "  alignment: off\n";

/* write_file - path holds text; returns 0 or fails the test */
static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* check_identity_values - the identities of identity_shape, field by field */
static void
check_identity_values(const struct sw_config *c)
{
    assert_int_equal(c->nidentities, 4);
    const struct cfg_identity *a = &c->identities[0], *u = &c->identities[1];
    const struct cfg_identity *s = &c->identities[2], *t = &c->identities[3];
    assert_string_equal(a->name, "app-a");
    assert_int_equal(a->line, 5);
    assert_int_equal(a->network.n, 1);
    assert_int_equal(a->network.items[0].prefix, 32);
    assert_int_equal(a->ndomains, 1);
    assert_string_equal(a->domains[0], "a.example");
    assert_int_equal(a->nsenders, 0);
    assert_null(a->sasl);
    assert_null(a->client_cert_sha256);
    assert_null(a->m365_tenant);
    assert_false(a->send_bounces);
    assert_string_equal(u->name, "alice");
    assert_string_equal(u->sasl, "alice");
    assert_int_equal(u->nsenders, 1);
    assert_string_equal(u->senders[0], "alice@a.example");
    assert_int_equal(u->ndomains, 0);
    assert_int_equal(u->network.n, 0);
    assert_string_equal(s->client_cert_sha256, HEX64);
    assert_string_equal(s->client_cert_name, "scanner.corp.example");
    assert_string_equal(s->domains[0], "*.scan.example");
    assert_int_equal(s->line, 11);
    assert_string_equal(t->m365_tenant, "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11");
    assert_string_equal(t->m365_domain, "contoso.onmicrosoft.com");
    assert_string_equal(t->domains[0], "contoso.example");
    assert_false(t->send_bounces);
    assert_int_equal(c->m365.networks.n, 4);
    assert_int_equal(c->m365.networks.items[0].prefix, 15);
    assert_int_equal(c->m365.networks.items[3].prefix, 17);
    assert_string_equal(c->m365.certificate_name, "mail.protection.outlook.com");
    assert_int_equal(c->alignment, CFG_ALIGN_OFF);
}

/* test_identity_shape - the example loads, clean, with exactly these values */
static void
test_identity_shape(void **state)
{
    char tmpl[] = "/tmp/test_config.XXXXXX", file[128], dir[160], key[192], expect[192];
    struct config_diag d;

    assert_non_null(mkdtemp(tmpl));
    snprintf(dir, sizeof dir, "%s/dkim", tmpl);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(key, sizeof key, "%s/a.example.pem", dir);
    write_file(key, "not parsed here\n");
    snprintf(file, sizeof file, "%s/sw.yaml", tmpl);
    write_file(file, identity_shape);

    config_diag_init(&d);
    struct sw_config *c = config_load_file(file, &d);
    if (c == NULL || d.errors + d.warnings != 0)
        fail_msg("%s", d.text.data);
    check_identity_values(c);
    assert_int_equal(c->ndkim, 1);
    assert_string_equal(c->dkim[0].domain, "a.example");
    assert_string_equal(c->dkim[0].selector, "s1");
    snprintf(expect, sizeof expect, "%s/dkim/a.example.pem", tmpl);
    assert_string_equal(c->dkim[0].key, expect);
    assert_int_equal(c->dkim[0].line, 23);
    config_free(c);
    config_diag_release(&d);

    /* without the key file: one error, at the key */
    unlink(key);
    config_diag_init(&d);
    assert_null(config_load_file(file, &d));
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.text.data, "sw.yaml:25:10: error: 'dkim[].key' cannot be read: "));
    config_diag_release(&d);
    unlink(file);
    rmdir(dir);
    rmdir(tmpl);
}

/* test_alignment_and_names - every alignment word; names as stored */
static void
test_alignment_and_names(void **state)
{
    static const char *const words[] = {"off", "relaxed", "strict"};
    static const enum cfg_alignment values[] = {CFG_ALIGN_OFF, CFG_ALIGN_RELAXED, CFG_ALIGN_STRICT};
    char y[512];
    struct config_diag d;

    for (size_t i = 0; i < 3; i++) {
        snprintf(y, sizeof y, IDBASE "policy: { alignment: %s }\n", words[i]);
        struct sw_config *c = load(y, &d);
        assert_non_null(c);
        assert_int_equal(c->alignment, values[i]);
        config_free(c);
        config_diag_release(&d);
    }
    /* a bare fingerprint, upper case; a trailing dot; an IDN in its A-label form */
    struct sw_config *c =
        load(IDBASE "identities:\n"
                    "  - { name: s, client_cert: { sha256: " HEX64_UPPER " }, "
                    "domains: [a.example., xn--bcher-kva.example, \"*.b.example\"], "
                    "senders: [\"x.y+z@a.example\"], send_bounces: yes }\n",
             &d);
    if (c == NULL)
        fail_msg("%s", d.text.data);
    assert_string_equal(c->identities[0].client_cert_sha256, HEX64);
    assert_null(c->identities[0].client_cert_name);
    assert_int_equal(c->identities[0].ndomains, 3);
    assert_string_equal(c->identities[0].domains[1], "xn--bcher-kva.example");
    assert_string_equal(c->identities[0].senders[0], "x.y+z@a.example");
    assert_true(c->identities[0].send_bounces);
    config_free(c);
    config_diag_release(&d);
    /* one wrong item is one error: no "owns nothing" on top of it */
    c = load(IDBASE "identities:\n  - { name: a, sasl: a, domains: [a..example] }\n", &d);
    assert_null(c);
    assert_int_equal(d.errors, 1);
    config_diag_release(&d);
    c = load(IDBASE "identities:\n  - { name: a, network: [10.0.0.1/8], domains: [a.example] }\n",
             &d);
    assert_null(c);
    assert_int_equal(d.errors, 1);
    config_diag_release(&d);
}

/* test_names - the domain syntax and ownership the identity checks rely on */
static void
test_names(void **state)
{
    static const struct {
        const char *s;
        bool ok;
    } domains[] = {
        {"a.example", true},
        {"A.Example.", true},
        {"xn--bcher-kva.example", true},
        {"com", true},
        {"a-b.c", true},
        {"1a.example", true},
        {"", false},
        {".", false},
        {"a..b", false},
        {".a.b", false},
        {"a.b..", false},
        {"-a.b", false},
        {"a-.b", false},
        {"a_b.c", false},
        {"a b.c", false},
        {"192.0.2.1", false},
        {"a.123", false},
        {"*.a.b", false},
        {"b\xc3\xbc"
         "cher.de",
         false},
    };
    static const struct {
        const char *pattern, *domain;
        bool owns;
    } owns[] = {
        {"a.example", "a.example", true},       {"a.example", "A.EXAMPLE.", true},
        {"a.example", "b.a.example", false},    {"*.a.example", "b.a.example", true},
        {"*.a.example", "c.b.a.example", true}, {"*.a.example", "a.example", false},
        {"*.a.example", "ba.example", false},   {"*.a.example.", "B.A.example", true},
    };
    char label[80], longname[300];

    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        if (config_name_is_domain(domains[i].s) != domains[i].ok)
            fail_msg("domain \"%s\": expected %d", domains[i].s, domains[i].ok);
    for (size_t i = 0; i < sizeof owns / sizeof owns[0]; i++)
        if (config_name_owns(owns[i].pattern, owns[i].domain) != owns[i].owns)
            fail_msg("\"%s\" owns \"%s\": expected %d", owns[i].pattern, owns[i].domain,
                     owns[i].owns);
    /* labels of 63 bytes, names of 253 */
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(config_name_is_domain(label));
    label[63] = '\0';
    assert_true(config_name_is_domain(label));
    memset(longname, 'a', 254);
    longname[63] = longname[127] = longname[191] = '.';
    longname[253] = '\0';
    assert_true(config_name_is_domain(longname));
    longname[253] = 'a';
    longname[254] = '\0';
    assert_false(config_name_is_domain(longname));
    longname[254] = '.';
    longname[255] = '\0';
    assert_false(config_name_is_domain(longname));
    longname[253] = '.';
    longname[254] = '\0';
    assert_true(config_name_is_domain(longname)); /* 253 and the root dot */
}

/* test_identity_warnings - valid rules that reopen the echo-spoofing hole */
static void
test_identity_warnings(void **state)
{
#define ID1(rest) IDBASE "identities:\n  - { name: a, " rest " }\n"
    expect_one_warning(ID1("network: [0.0.0.0/0], domains: [a.example]"),
                       "t.yaml:5:26: warning: network 0.0.0.0/0 of identity 'a' is the whole "
                       "internet");
    expect_one_warning(ID1("network: [\"::/0\"], domains: [a.example]"),
                       "t.yaml:5:26: warning: network ::/0 of identity 'a' is the whole internet");
    expect_one_warning(ID1("network: [10.0.0.0/7], domains: [a.example]"),
                       "t.yaml:5:26: warning: network 10.0.0.0/7 of identity 'a' is a huge "
                       "network (shorter than /8)");
    expect_one_warning(ID1("network: [\"2001:db8::/31\"], domains: [a.example]"),
                       "warning: network 2001:db8::/31 of identity 'a' is a huge network "
                       "(shorter than /32)");
    expect_one_warning(ID1("network: [192.0.2.0/24, 40.92.1.0/24], domains: [a.example]"),
                       "t.yaml:5:40: warning: network 40.92.1.0/24 of identity 'a' overlaps "
                       "Exchange Online (40.92.0.0/15): it admits every Microsoft 365 tenant");
    expect_one_warning(ID1("network: [\"2a01:111:f400:7e00::/56\"], domains: [a.example]"),
                       "overlaps Exchange Online (2a01:111:f400::/48)");
    expect_one_warning(IDBASE "m365: { networks: [198.51.100.0/24] }\n"
                              "identities:\n"
                              "  - { name: a, network: [198.51.100.7], domains: [a.example] }\n",
                       "t.yaml:6:26: warning: network 198.51.100.7/32 of identity 'a' overlaps "
                       "Exchange Online (198.51.100.0/24)");
    expect_one_warning(ID1("sasl: a, domains: [\"*\"]"),
                       "t.yaml:5:35: warning: domain '*' of identity 'a' owns every domain");
    expect_one_warning(ID1("sasl: a, domains: [a.example, \"*.com\"]"),
                       "t.yaml:5:46: warning: domain '*.com' of identity 'a' owns every domain "
                       "under the top-level domain 'com'");
    expect_one_warning(ID1("sasl: a, domains: [com]"),
                       "t.yaml:5:35: warning: domain 'com' of identity 'a' is a top-level "
                       "domain alone");
    expect_one_warning(
        ID1("m365_tenant: 6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11, domains: [c.example]"),
        "t.yaml:5:29: warning: identity 'a' is a Microsoft 365 tenant but "
        "'m365.networks' is empty: it can never match");
    expect_one_warning(IDBASE "  relay_networks: [127.0.0.0/8]\n"
                              "identities:\n  - { name: a, sasl: a, domains: [a.example] }\n",
                       "t.yaml:4:19: warning: 'gateway.relay_networks' no longer lets anyone "
                       "relay");
#undef ID1
}

/* test_dkim_warnings - a key for a domain nobody may send as; owned ones are quiet */
static void
test_dkim_warnings(void **state)
{
    char tmpl[] = "/tmp/test_config.XXXXXX", key[128], y[1024];
    struct config_diag d;

    assert_non_null(mkdtemp(tmpl));
    snprintf(key, sizeof key, "%s/k.pem", tmpl);
    write_file(key, "x\n");
    snprintf(y, sizeof y,
             IDBASE "identities:\n"
                    "  - { name: a, sasl: a, domains: [\"*.a.example\"], senders: [x@b.example] }\n"
                    "dkim:\n"
                    "  - { domain: mail.a.example, selector: s1, key: %s }\n"
                    "  - { domain: B.example, selector: s1, key: %s }\n"
                    "  - { domain: c.example, selector: s1, key: %s }\n",
             key, key, key);
    expect_one_warning(y, "t.yaml:9:15: warning: dkim domain 'c.example' is owned by no "
                          "identity: its key will never be used");
    /* the same (domain, selector) twice is an error, whatever the case */
    snprintf(y, sizeof y,
             IDBASE "dkim:\n"
                    "  - { domain: a.example, selector: s1, key: %s }\n"
                    "  - { domain: a.example, selector: s2, key: %s }\n"
                    "  - { domain: A.example, selector: S1, key: %s }\n",
             key, key, key);
    struct sw_config *c = load(y, &d);
    assert_null(c);
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.text.data, "t.yaml:7:5: error: duplicate dkim key for domain "
                                        "'A.example', selector 'S1' (first given at line 5)"));
    config_diag_release(&d);
    /* without identities, no key is "unused" (the only warning: nothing relays) */
    snprintf(y, sizeof y, BASE "dkim: [{ domain: c.example, selector: s1, key: %s }]\n", key);
    c = load(y, &d);
    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    assert_int_equal(c->ndkim, 1);
    config_free(c);
    config_diag_release(&d);
    unlink(key);
    rmdir(tmpl);
}

struct number_case {
    const char *text;
    int rc;
    uint64_t value;
};

/* test_sizes - plain bytes and binary suffixes */
static void
test_sizes(void **state)
{
    static const struct number_case cases[] = {
        {"0", 0, 0},
        {"26214400", 0, 26214400},
        {"1K", 0, 1024},
        {"1k", 0, 1024},
        {"25M", 0, 26214400},
        {"25MB", 0, 26214400},
        {"25MiB", 0, 26214400},
        {"1G", 0, 1073741824},
        {"2T", 0, 2ull << 40},
        {"100B", 0, 100},
        {"", -1, 0},
        {"M", -1, 0},
        {"1.5M", -1, 0},
        {"-1", -1, 0},
        {"+1", -1, 0},
        {" 1", -1, 0},
        {"1 M", -1, 0},
        {"1X", -1, 0},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", -1, 0},
        {"16777216T", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 0;
        int rc = config_value_parse_size(cases[i].text, &v);
        if (rc != cases[i].rc || (rc == 0 && v != cases[i].value))
            fail_msg("size \"%s\": rc %d value %llu", cases[i].text, rc, (unsigned long long)v);
    }
}

/* test_durations - units, combinations, plain seconds */
static void
test_durations(void **state)
{
    static const struct number_case cases[] = {
        {"0", 0, 0},          {"30", 0, 30000},      {"30s", 0, 30000},
        {"5m", 0, 300000},    {"1h", 0, 3600000},    {"7d", 0, 604800000},
        {"500ms", 0, 500},    {"1h30m", 0, 5400000}, {"1m30s", 0, 90000},
        {"2s500ms", 0, 2500}, {"", -1, 0},           {"s", -1, 0},
        {"5 m", -1, 0},       {"5min", -1, 0},       {"1.5s", -1, 0},
        {"5M", -1, 0},        {"-5s", -1, 0},        {"5s ", -1, 0},
        {"1w", -1, 0},        {"30s5", -1, 0},       {"99999999999999999999d", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 0;
        int rc = config_value_parse_duration(cases[i].text, &v);
        if (rc != cases[i].rc || (rc == 0 && v != cases[i].value))
            fail_msg("duration \"%s\": rc %d value %llu", cases[i].text, rc, (unsigned long long)v);
    }
}

/* test_format - the shortest exact text, used for bounds in messages and the reference */
static void
test_format(void **state)
{
    char s[32];

    config_value_format_size(26214400, s, sizeof s);
    assert_string_equal(s, "25M");
    config_value_format_size(1000, s, sizeof s);
    assert_string_equal(s, "1000");
    config_value_format_size(0, s, sizeof s);
    assert_string_equal(s, "0");
    config_value_format_duration(300000, s, sizeof s);
    assert_string_equal(s, "5m");
    config_value_format_duration(90000, s, sizeof s);
    assert_string_equal(s, "90s");
    config_value_format_duration(500, s, sizeof s);
    assert_string_equal(s, "500ms");
    config_value_format_duration(604800000, s, sizeof s);
    assert_string_equal(s, "7d");
}

/* test_hostport - host names, IPv4, bracketed IPv6, ports */
static void
test_hostport(void **state)
{
    static const struct {
        const char *text;
        const char *host; /* NULL: rejected */
        uint16_t port;
    } cases[] = {
        {"127.0.0.1:25", "127.0.0.1", 25},
        {"[::1]:2525", "::1", 2525},
        {"[2001:db8::1]:65535", "2001:db8::1", 65535},
        {"mx.example.com:587", "mx.example.com", 587},
        {"localhost:1", "localhost", 1},
        {"::1:25", NULL, 0},
        {"[::1]", NULL, 0},
        {"[::1]25", NULL, 0},
        {"[127.0.0.1]:25", NULL, 0},
        {"127.0.0.1", NULL, 0},
        {"127.0.0.1:", NULL, 0},
        {"127.0.0.1:0", NULL, 0},
        {"127.0.0.1:65536", NULL, 0},
        {"127.0.0.1:+25", NULL, 0},
        {":25", NULL, 0},
        {"bad host:25", NULL, 0},
        {"-x.example:25", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *host = NULL, err[128];
        uint16_t port = 0;
        int rc = config_value_parse_hostport(cases[i].text, &host, &port, err, sizeof err);
        if (cases[i].host == NULL) {
            if (rc != -1)
                fail_msg("\"%s\" accepted", cases[i].text);
            continue;
        }
        if (rc != 0)
            fail_msg("\"%s\" rejected: %s", cases[i].text, err);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
        free(host);
    }
}

/* test_relative_paths - against the file's folder, except "-", absolute paths, <embedded> */
static void
test_relative_paths(void **state)
{
    static const char y[] = BASE "  tls: { certificate: c.pem, key: /abs/k.pem }\n"
                                 "  next_hop: { address: 127.0.0.1:26, ca: ../ca.pem }\n"
                                 "  spool_dir: spool\n"
                                 "events: { file: \"-\" }\n";
    char tmpl[] = "/tmp/test_config.XXXXXX", file[128], cwd[512];
    struct config_diag d;

    /* BASE already has next_hop: drop it from this copy */
    char *text = strdup(y);
    char *dup = strstr(text, "  next_hop: 127.0.0.1:2526\n");
    memmove(dup, dup + strlen("  next_hop: 127.0.0.1:2526\n"),
            strlen(dup + strlen("  next_hop: 127.0.0.1:2526\n")) + 1);

    config_diag_init(&d);
    struct sw_config *c = config_load_string(text, strlen(text), "conf/sw.yaml", &d);
    assert_non_null(c);
    assert_string_equal(c->gateway.tls.certificate, "conf/c.pem");
    assert_string_equal(c->gateway.tls.key, "/abs/k.pem");
    assert_string_equal(c->gateway.next_hop.ca, "conf/../ca.pem");
    assert_string_equal(c->gateway.spool_dir, "conf/spool");
    assert_string_equal(c->events.file, "-");
    c = config_free(c);
    c = config_load_string(text, strlen(text), "<embedded>", &d);
    assert_string_equal(c->gateway.tls.certificate, "c.pem");
    c = config_free(c);

    /* a file: its folder made absolute, so a later chdir does not move the paths */
    assert_non_null(mkdtemp(tmpl));
    snprintf(file, sizeof file, "%s/sw.yaml", tmpl);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(tmpl), 0);
    c = config_load_file("sw.yaml", &d);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(c);
    assert_string_equal(c->path, "sw.yaml");
    char expect[256];
    snprintf(expect, sizeof expect, "%s/c.pem", tmpl);
    assert_string_equal(c->gateway.tls.certificate, expect);
    config_free(c);
    unlink(file);
    rmdir(tmpl);

    /* a file that is not there */
    c = config_load_file("/nonexistent/sw.yaml", &d);
    assert_null(c);
    assert_non_null(strstr(d.text.data, "/nonexistent/sw.yaml:1:1: error: cannot read:"));
    config_diag_release(&d);
    free(text);
}

/* test_reference - config_write_reference names every setting, and the docs carry it */
static void
test_reference(void **state)
{
    struct buf out;
    char needle[128];

    buf_init(&out, 0);
    config_write_reference(&out);
    for (size_t i = 0; i < config_table_len; i++) {
        snprintf(needle, sizeof needle, "| `%s` |", config_table[i].path);
        if (strstr(out.data, needle) == NULL)
            fail_msg("reference lacks %s", config_table[i].path);
        assert_non_null(config_table[i].help);
    }
    assert_non_null(strstr(out.data, "| `gateway.limits.max_message_size` | size, 1K to 4G | "
                                     "`25M` |"));

    /* docs/configuration.md embeds the same table: regenerate it when the table changes */
    const char *src = getenv("SW_SOURCE_DIR");
    if (src != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/docs/configuration.md", src);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        struct buf doc;
        buf_init(&doc, 0);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
            buf_append(&doc, chunk, n);
        fclose(fp);
        if (strstr(doc.data, out.data) == NULL)
            fail_msg("docs/configuration.md is out of date with config_write_reference()");
        buf_release(&doc);
    }
    buf_release(&out);
}

/* test_example_file - docs/smtpwarden.example.yaml loads and mentions every key */
static void
test_example_file(void **state)
{
    const char *src = getenv("SW_SOURCE_DIR");
    char path[512];
    struct config_diag d;

    if (src == NULL)
        skip();
    snprintf(path, sizeof path, "%s/docs/smtpwarden.example.yaml", src);
    config_diag_init(&d);
    struct sw_config *c = config_load_file(path, &d);
    if (c == NULL || d.errors != 0)
        fail_msg("%s", d.text.data);
    config_free(c);

    FILE *fp = fopen(path, "r");
    struct buf text;
    char chunk[4096], key[80];
    size_t n;
    buf_init(&text, 0);
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&text, chunk, n);
    fclose(fp);
    for (size_t i = 0; i < config_table_len; i++) {
        const char *last = strrchr(config_table[i].path, '.');
        snprintf(key, sizeof key, "%s:", last ? last + 1 : config_table[i].path);
        if (strstr(text.data, key) == NULL)
            fail_msg("the example does not show %s", config_table[i].path);
    }
    buf_release(&text);
    config_diag_release(&d);
}

/* test_many_errors - a file of nothing but errors is cut short, counted in full */
static void
test_many_errors(void **state)
{
    struct buf y;
    struct config_diag d;

    buf_init(&y, 0);
    buf_append_str(&y, "gateway:\n");
    for (int i = 0; i < 500; i++)
        buf_printf(&y, "  bogus%d: 1\n", i);
    config_diag_init(&d);
    struct sw_config *c = config_load_string(y.data, y.len, "t.yaml", &d);
    assert_null(c);
    assert_true(d.errors >= 500);
    assert_non_null(strstr(d.text.data, "too many messages"));
    assert_true(d.text.len < 64 * 1024);
    config_diag_release(&d);
    buf_release(&y);
    /* and no diag at all is allowed */
    assert_null(config_load_string("x: 1", 4, "t.yaml", NULL));
}

/* test_aliases - anchors and aliases work; a self-referencing alias cannot loop the walk */
static void
test_aliases(void **state)
{
    struct config_diag d;
    struct sw_config *c = load(BASE "  limits: &l { max_errors: 3 }\n"
                                    "  tls: &t { self_signed: false, tls: *t }\n",
                               &d);

    assert_null(c);
    assert_non_null(strstr(d.text.data, "unknown key 'gateway.tls.tls'"));
    config_diag_release(&d);
    c = load("gateway: &g\n  listen: [{ address: 127.0.0.1:25 }]\n  next_hop: 127.0.0.1:26\n"
             "  relay_networks: &n [10.0.0.0/8]\n",
             &d);
    assert_non_null(c);
    config_free(c);
    config_diag_release(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_shape),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_embedded_default),
        cmocka_unit_test(test_next_hop_map),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_identity_shape),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_alignment_and_names),
        cmocka_unit_test(test_identity_warnings),
        cmocka_unit_test(test_dkim_warnings),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
