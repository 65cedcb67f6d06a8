/*
 * config - the smtpwarden configuration: one YAML file, loaded into struct sw_config.
 *
 * Every setting is a row in one table (config_table.c): its YAML path, type, default, bounds
 * and a one-line help text; check-config, the loader and docs/configuration.md all follow it.
 * Unknown keys, wrong types, values out of bounds and bad addresses are errors that name the
 * file, line and column. Settings that are valid but dangerous (a relay network of 0.0.0.0/0)
 * are warnings.
 *
 * config_load_file()/config_load_string() return NULL when there were errors; the diagnostics
 * are appended to *diag either way (initialise it with config_diag_init(), free it with
 * config_diag_release(); diag may be NULL). Warnings do not stop a load. Free a config with
 * config_free(). Paths in the file (certificate, users_file, ...) are resolved relative to the
 * file's folder (made absolute by config_load_file); config_load_string() uses the folder in
 * `name`, and a name of NULL or "<...>" (the embedded default) keeps them relative to the
 * working folder.
 * Thread-safe: no shared state.
 */
#ifndef SW_CONFIG_CONFIG_H
#define SW_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/cidr.h"

enum cfg_tls_mode {
    CFG_TLS_STARTTLS, /* plain, STARTTLS offered when a certificate is configured */
    CFG_TLS_IMPLICIT, /* TLS from the first byte (port 465 style) */
    CFG_TLS_NONE,     /* plain, STARTTLS not offered */
};

enum cfg_upstream_tls {
    CFG_UPSTREAM_TLS_OPPORTUNISTIC, /* STARTTLS when the next hop offers it */
    CFG_UPSTREAM_TLS_REQUIRE,       /* refuse to relay without STARTTLS */
    CFG_UPSTREAM_TLS_OFF,
};

enum cfg_bare_eol { CFG_BARE_EOL_REJECT, CFG_BARE_EOL_NORMALISE };

struct cfg_listen {
    char *address; /* as written, "127.0.0.1:2525" or "[::1]:2525" */
    char *host;    /* "127.0.0.1", "::1" */
    uint16_t port;
    enum cfg_tls_mode tls;
    int line; /* where it was defined, for messages */
};

struct cfg_gateway {
    struct cfg_listen *listen;
    size_t nlisten;
    char *hostname;   /* default: the machine's host name */
    unsigned workers; /* 0 = one per core */
    char *user;       /* drop privileges to this user after binding (when root); NULL = keep */
    unsigned greet_delay_ms; /* wait before the greeting; a client talking first is refused */
    unsigned drain_timeout;  /* seconds a worker waits for sessions on SIGTERM/SIGHUP */
    enum cfg_bare_eol bare_eol;
    bool pipelining;

    struct {
        char *certificate; /* PEM; NULL = no TLS unless self_signed */
        char *key;
        char *client_ca;  /* verify client certificates against this CA (optional) */
        bool self_signed; /* generate certificate/key on first run when missing */
    } tls;

    struct {
        char *users_file;        /* name:crypt-hash lines; NULL = no AUTH offered */
        bool require_tls;        /* default true */
        unsigned max_failures;   /* per client address per window; default 5 */
        unsigned failure_window; /* seconds; default 300 */
    } auth;

    struct {
        char *host;
        uint16_t port;
        enum cfg_upstream_tls tls;
        bool tls_verify;          /* verify the next hop's certificate (default false) */
        char *ca;                 /* CA file for tls_verify */
        unsigned connect_timeout; /* seconds; default 30 */
        unsigned timeout;         /* seconds per reply; default 300 */
    } next_hop;

    struct cidr_list relay_networks;

    struct {
        uint64_t max_message_size; /* default 26214400 */
        unsigned max_recipients;   /* default 100 */
        unsigned max_command_line; /* default 512 */
        unsigned max_text_line;    /* default 1000 */
        unsigned max_errors;       /* default 10 */
        unsigned idle_timeout;     /* seconds; default 300 */
        unsigned max_connections;  /* per worker; default 1000 */
        uint64_t memory_spool;     /* message bytes held in memory before a temp file; 1 MiB */
    } limits;

    char *spool_dir; /* temporary files for large messages; default /tmp */
};

/* One sender identity (issue 3): exactly one of sasl, client_cert_*, network, m365_tenant. */
struct cfg_identity {
    char *name;
    char *sasl;               /* sasl: USER */
    char *client_cert_sha256; /* client_cert: { sha256: HEX } (lower-cased, no colons) */
    char *client_cert_name;   /* client_cert: { name: CN } */
    struct cidr_list network; /* network: [CIDR, ...] */
    char *m365_tenant;        /* m365_tenant: GUID (lower-cased) */
    char *m365_domain;        /* m365_domain: NAME.onmicrosoft.com */
    char **domains;           /* domains: [a.example, "*.sub.example"] */
    size_t ndomains;
    char **senders; /* senders: [alice@a.example] */
    size_t nsenders;
    bool send_bounces; /* send_bounces: false */
    int line;
};

enum cfg_dkim_canon {
    CFG_DKIM_RELAXED_RELAXED,
    CFG_DKIM_RELAXED_SIMPLE,
    CFG_DKIM_SIMPLE_RELAXED,
    CFG_DKIM_SIMPLE_SIMPLE,
};

/* A DKIM signing key (dkim: [{domain, selector, key, canonicalization}]). */
struct cfg_dkim_key {
    char *domain;
    char *selector;
    char *key;                 /* PEM path (resolved like other paths) */
    enum cfg_dkim_canon canon; /* header/body canonicalisation */
    char **headers;            /* header names to sign; NULL = the signer's default list */
    size_t nheaders;
    int line;
};

enum cfg_alignment { CFG_ALIGN_OFF, CFG_ALIGN_RELAXED, CFG_ALIGN_STRICT };

/* A custom DLP detector (dlp.detectors[]): exactly one of keywords, regex, edm. */
struct cfg_dlp_detector {
    char *id;
    char *description;
    char **keywords; /* literal words or phrases */
    size_t nkeywords;
    char **regex; /* regular expressions (Hyperscan / PCRE syntax) */
    size_t nregex;
    char *edm;      /* exact data match: a CSV file of records */
    char **columns; /* edm: columns kept; NULL = all */
    size_t ncolumns;
    char *primary; /* edm: the strongly shaped column; NULL = the first */
    unsigned min_cells;
    unsigned confidence;
    bool case_sensitive;
    int line;
};

enum cfg_content_action { CFG_ACTION_TAG, CFG_ACTION_QUARANTINE, CFG_ACTION_REJECT };

/* A content rule (dlp.rules[]): findings of a detector -> an action. */
struct cfg_dlp_rule {
    char *detector; /* id, category or "*" */
    unsigned min_count;
    unsigned min_confidence;
    enum cfg_content_action action;
    int line;
};

/* What the content engine (MIME + attachments + DLP) may spend on one message. */
struct cfg_content {
    unsigned max_depth;
    unsigned max_parts;
    uint64_t max_header_size;
    uint64_t max_part_size;    /* decoded bytes per part */
    uint64_t max_decoded_size; /* decoded bytes per message */
    uint64_t max_attachment_size;
    unsigned archive_depth;
    unsigned archive_max_entries;
    uint64_t archive_max_entry_size;
    uint64_t archive_max_size;
    bool infostealer;
    bool enabled;         /* the gateway inspects relayed mail */
    char *quarantine_dir; /* where the gateway keeps quarantined messages */
};

struct cfg_dlp {
    char **disable; /* built-in detector ids or categories */
    size_t ndisable;
    unsigned context_window;
    struct cfg_dlp_detector *detectors;
    size_t ndetectors;
    struct cfg_dlp_rule *rules;
    size_t nrules;
};

/* The key a rate limit counts by; the order is the behaviour engine's (enum behavior_kind). */
enum cfg_behavior_key {
    CFG_BKEY_IDENTITY,
    CFG_BKEY_CLIENT_IP,
    CFG_BKEY_SASL_USER,
    CFG_BKEY_SENDER,
    CFG_BKEY_SENDER_DOMAIN,
    CFG_BKEY_RCPT_DOMAIN,
    CFG_BKEY_DEST_SERVER,
    CFG_BKEY_TENANT,
};

enum cfg_behavior_action { CFG_BACTION_DEFER, CFG_BACTION_REJECT };
enum cfg_state_unavailable { CFG_UNAVAILABLE_ACCEPT, CFG_UNAVAILABLE_DEFER };

/* A rate limit (behavior.limits[]): exactly one of messages, recipients, bytes per `per`. */
struct cfg_behavior_limit {
    char *name; /* NULL: "<key>_<measure>" */
    enum cfg_behavior_key key;
    unsigned messages;
    unsigned recipients;
    uint64_t bytes;
    unsigned per_ms;
    unsigned burst; /* 0: the amount */
    enum cfg_behavior_action action;
    char *identity; /* only this identity's transactions; NULL = all */
    int line;
};

/* The behaviour engine (issue 6): rate limits, baselines and spikes, first-seen. */
struct cfg_behavior {
    bool enabled;
    char *state;            /* "embedded" or "redis://HOST:PORT[/DB]" */
    char *state_file;       /* embedded: the SQLite snapshot; NULL = not saved */
    unsigned save_interval; /* seconds between snapshots */
    enum cfg_state_unavailable on_state_unavailable;
    unsigned redis_timeout_ms;
    unsigned max_keys;
    struct cfg_behavior_limit *limits;
    size_t nlimits;
    unsigned spike_deviations;
    unsigned spike_min_messages;  /* per hour */
    unsigned spike_warmup;        /* seconds */
    unsigned spike_window;        /* seconds, a whole number of minutes */
    unsigned first_seen_learning; /* seconds */
    unsigned first_seen_max_values;
};

/* The passive sensor (issue 5): who may speak SMTP, which ports are SMTP, its bounds. */
struct cfg_sensor {
    struct cidr_list mail_servers; /* the organisation's mail servers and relays */
    struct cidr_list mail_clients; /* hosts allowed to speak SMTP outward */
    char **ports;                  /* server ports taken as SMTP ("25", ...); none = default */
    size_t nports;
    char *password_salt; /* --password-hash salt; NULL = random per run */
    bool dlp;            /* run the content engine on every message */
    unsigned max_flows;
    uint64_t max_memory;   /* flow table + reassembly + per-flow SMTP state */
    unsigned idle_timeout; /* seconds */
};

struct cfg_events {
    char *file; /* "-" = stdout (default) */
};

struct sw_config {
    char *path; /* file it came from, or "<embedded>" */
    struct cfg_gateway gateway;
    struct cfg_events events;
    char *log_level; /* debug, info, warning, error */

    struct cfg_identity *identities; /* identities: [...] */
    size_t nidentities;
    struct {
        struct cidr_list networks; /* m365.networks: Exchange Online source ranges */
        char *certificate_name;    /* m365.certificate_name */
    } m365;
    struct cfg_dkim_key *dkim; /* dkim: [...] */
    size_t ndkim;
    enum cfg_alignment alignment; /* policy.alignment: off (default), relaxed, strict */
    bool require_domain_proof;    /* policy.require_domain_proof: DNS proof of each domain */
    char *public_suffix_list;     /* policy.public_suffix_list: for relaxed alignment */
    struct cfg_content content;   /* content: limits of MIME and attachment inspection */
    struct cfg_dlp dlp;           /* dlp: detectors and rules */
    struct cfg_behavior behavior; /* behavior: rate limits, spikes, first-seen */
    struct cfg_sensor sensor;     /* sensor: the passive SMTP sensor */
    struct {
        char *servers;       /* dns.servers: "HOST[:PORT],..."; NULL = /etc/resolv.conf */
        unsigned timeout_ms; /* dns.timeout */
    } dns;
};

struct config_diag {
    struct buf text; /* one "file:line:col: error|warning: message" per line */
    unsigned errors;
    unsigned warnings;
};

void config_diag_init(struct config_diag *d);
void config_diag_release(struct config_diag *d);

struct sw_config *config_load_file(const char *path, struct config_diag *diag);
struct sw_config *config_load_string(const char *yaml, size_t len, const char *name,
                                     struct config_diag *diag);
struct sw_config *config_free(struct sw_config *cfg);

/* config_embedded_default - the YAML text used when no file is given */
const char *config_embedded_default(void);

/* config_write_reference - the commented reference of every setting, from the table
 * (what docs/configuration.md is generated from) */
void config_write_reference(struct buf *out);

#endif
