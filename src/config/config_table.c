/*
 * config_table - every setting of smtpwarden, one row each.
 *
 * The loader, the checks and the reference (docs/configuration.md) all read this table; a new
 * setting is a new row here plus a field in config.h, nothing else.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config/config_impl.h"

#define CFG_OFF(field) offsetof(struct sw_config, field)
#define LISTEN_OFF(field) offsetof(struct cfg_listen, field)
#define ID_OFF(field) offsetof(struct cfg_identity, field)
#define DKIM_OFF(field) offsetof(struct cfg_dkim_key, field)
#define DET_OFF(field) offsetof(struct cfg_dlp_detector, field)
#define RULE_OFF(field) offsetof(struct cfg_dlp_rule, field)
#define BLIM_OFF(field) offsetof(struct cfg_behavior_limit, field)

#define SECONDS_PER_DAY 86400u

static const char *const listen_tls_choices[] = {"starttls", "implicit", "none", NULL};
static const char *const upstream_tls_choices[] = {"opportunistic", "require", "off", NULL};
static const char *const bare_eol_choices[] = {"reject", "normalise", NULL};
static const char *const dkim_canon_choices[] = {"relaxed/relaxed", "relaxed/simple",
                                                 "simple/relaxed", "simple/simple", NULL};
static const char *const log_level_choices[] = {"debug", "info", "warning", "error", NULL};
static const char *const alignment_choices[] = {"off", "relaxed", "strict", NULL};
static const char *const action_choices[] = {"tag", "quarantine", "reject", NULL};
static const char *const bkey_choices[] = {"identity",    "client_ip",     "sasl_user",
                                           "sender",      "sender_domain", "rcpt_domain",
                                           "dest_server", "tenant",        NULL};
static const char *const baction_choices[] = {"defer", "reject", NULL};
static const char *const unavailable_choices[] = {"accept", "defer", NULL};

/* clang-format off */
const struct cfg_setting config_table[] = {
    {.path = "gateway.listen", .type = CFG_MAP_LIST,
     .off = CFG_OFF(gateway.listen), .off_port = CFG_OFF(gateway.nlisten), .max = 64,
     .item_scope = CFG_SCOPE_LISTENER, .item_size = sizeof(struct cfg_listen),
     .off_line = LISTEN_OFF(line), .item = "listener", .items = "listeners",
     .shape = "{ address: host:port, tls: starttls|implicit|none }",
     .flags = CFG_F_REQUIRED, .def_doc = "(required)",
     .help = "where to accept SMTP: a list of { address, tls } (an item may be just the address)"},
    {.path = "gateway.listen[].address", .type = CFG_HOSTPORT, .scope = CFG_SCOPE_LISTENER,
     .off = LISTEN_OFF(host), .off_port = LISTEN_OFF(port), .off_text = LISTEN_OFF(address),
     .flags = CFG_F_REQUIRED | CFG_F_SHORTHAND, .def_doc = "(required)",
     .help = "host:port to listen on; IPv6 in brackets, [::1]:25"},
    {.path = "gateway.listen[].tls", .type = CFG_ENUM, .scope = CFG_SCOPE_LISTENER,
     .off = LISTEN_OFF(tls), .def = "starttls", .choices = listen_tls_choices,
     .help = "starttls: offer STARTTLS when a certificate is configured; implicit: TLS from "
             "the first byte (port 465 style); none: plain only"},
    {.path = "gateway.hostname", .type = CFG_STRING, .off = CFG_OFF(gateway.hostname),
     .def_doc = "the machine's host name",
     .help = "name in the greeting and in Received: headers"},
    {.path = "gateway.workers", .type = CFG_UINT, .off = CFG_OFF(gateway.workers),
     .def = "0", .min = 0, .max = 256,
     .help = "worker processes, each with its own event loop; 0 = one per core"},
    {.path = "gateway.user", .type = CFG_STRING, .off = CFG_OFF(gateway.user),
     .def_doc = "(keep)",
     .help = "after binding (when started as root), drop privileges to this user"},
    {.path = "gateway.greet_delay", .type = CFG_DURATION_MS, .off = CFG_OFF(gateway.greet_delay_ms),
     .def = "0", .min = 0, .max = 60000,
     .help = "wait this long before the greeting; a client that talks first is refused"},
    {.path = "gateway.drain_timeout", .type = CFG_DURATION, .off = CFG_OFF(gateway.drain_timeout),
     .def = "30s", .min = 0, .max = SECONDS_PER_DAY,
     .help = "on SIGTERM/SIGHUP, how long a worker waits for open sessions to finish"},
    {.path = "gateway.bare_eol", .type = CFG_ENUM, .off = CFG_OFF(gateway.bare_eol),
     .def = "reject", .choices = bare_eol_choices,
     .help = "a bare CR or LF in a command or in data: reject it (SMTP smuggling defence) or "
             "normalise it to CRLF"},
    {.path = "gateway.pipelining", .type = CFG_BOOL, .off = CFG_OFF(gateway.pipelining),
     .def = "true", .help = "advertise PIPELINING (RFC 2920)"},
    {.path = "gateway.tls.certificate", .type = CFG_PATH, .off = CFG_OFF(gateway.tls.certificate),
     .def_doc = "(none)", .help = "server certificate chain, PEM; without it no TLS is offered"},
    {.path = "gateway.tls.key", .type = CFG_PATH, .off = CFG_OFF(gateway.tls.key),
     .def_doc = "(none)", .help = "private key of the certificate, PEM"},
    {.path = "gateway.tls.client_ca", .type = CFG_PATH, .off = CFG_OFF(gateway.tls.client_ca),
     .def_doc = "(none)",
     .help = "ask for client certificates and verify them against these CAs, PEM"},
    {.path = "gateway.tls.self_signed", .type = CFG_BOOL, .off = CFG_OFF(gateway.tls.self_signed),
     .def = "false",
     .help = "create a self-signed certificate and key at those paths when they are missing"},
    {.path = "gateway.auth.users_file", .type = CFG_PATH, .off = CFG_OFF(gateway.auth.users_file),
     .def_doc = "(none: no AUTH)",
     .help = "name:crypt-hash lines; when set, AUTH PLAIN and LOGIN are offered"},
    {.path = "gateway.auth.require_tls", .type = CFG_BOOL, .off = CFG_OFF(gateway.auth.require_tls),
     .def = "true", .help = "offer and accept AUTH only over TLS"},
    {.path = "gateway.auth.max_failures", .type = CFG_UINT,
     .off = CFG_OFF(gateway.auth.max_failures), .def = "5", .min = 1, .max = 1000,
     .help = "failed AUTH attempts per client address and window before it is refused"},
    {.path = "gateway.auth.failure_window", .type = CFG_DURATION,
     .off = CFG_OFF(gateway.auth.failure_window), .def = "5m", .min = 1,
     .max = 7 * SECONDS_PER_DAY, .help = "the window over which AUTH failures are counted"},
    {.path = "gateway.next_hop.address", .type = CFG_HOSTPORT,
     .off = CFG_OFF(gateway.next_hop.host), .off_port = CFG_OFF(gateway.next_hop.port),
     .off_text = CFG_NO_OFF, .flags = CFG_F_REQUIRED | CFG_F_SHORTHAND, .def_doc = "(required)",
     .help = "host:port that accepted mail is relayed to; next_hop may be written as this "
             "address alone"},
    {.path = "gateway.next_hop.tls", .type = CFG_ENUM, .off = CFG_OFF(gateway.next_hop.tls),
     .def = "opportunistic", .choices = upstream_tls_choices,
     .help = "STARTTLS to the next hop: when offered (opportunistic), always (require), or never"},
    {.path = "gateway.next_hop.tls_verify", .type = CFG_BOOL,
     .off = CFG_OFF(gateway.next_hop.tls_verify), .def = "false",
     .help = "verify the next hop's certificate and name"},
    {.path = "gateway.next_hop.ca", .type = CFG_PATH, .off = CFG_OFF(gateway.next_hop.ca),
     .def_doc = "(system CAs)", .help = "CA file for tls_verify, PEM"},
    {.path = "gateway.next_hop.connect_timeout", .type = CFG_DURATION,
     .off = CFG_OFF(gateway.next_hop.connect_timeout), .def = "30s", .min = 1, .max = 600,
     .help = "how long to wait for the TCP connection and the greeting"},
    {.path = "gateway.next_hop.timeout", .type = CFG_DURATION,
     .off = CFG_OFF(gateway.next_hop.timeout), .def = "5m", .min = 1, .max = 3600,
     .help = "how long to wait for each reply of the next hop"},
    {.path = "gateway.relay_networks", .type = CFG_CIDR_LIST,
     .off = CFG_OFF(gateway.relay_networks), .def_doc = "(none)",
     .help = "no longer used: network identities replace it (kept so older files load, "
             "with a warning)"},
    {.path = "gateway.limits.max_message_size", .type = CFG_SIZE,
     .off = CFG_OFF(gateway.limits.max_message_size), .def = "25M", .min = 1024,
     .max = 4ull << 30, .help = "largest message accepted (SIZE), in bytes or with K/M/G"},
    {.path = "gateway.limits.max_recipients", .type = CFG_UINT,
     .off = CFG_OFF(gateway.limits.max_recipients), .def = "100", .min = 1, .max = 100000,
     .help = "recipients accepted per transaction"},
    {.path = "gateway.limits.max_command_line", .type = CFG_UINT,
     .off = CFG_OFF(gateway.limits.max_command_line), .def = "512", .min = 512, .max = 65536,
     .help = "longest command line, CRLF included (RFC 5321 minimum: 512)"},
    {.path = "gateway.limits.max_text_line", .type = CFG_UINT,
     .off = CFG_OFF(gateway.limits.max_text_line), .def = "1000", .min = 1000, .max = 1048576,
     .help = "longest line of message data, CRLF included (RFC 5321 minimum: 1000)"},
    {.path = "gateway.limits.max_errors", .type = CFG_UINT,
     .off = CFG_OFF(gateway.limits.max_errors), .def = "10", .min = 1, .max = 1000,
     .help = "protocol errors in one session before it is closed"},
    {.path = "gateway.limits.idle_timeout", .type = CFG_DURATION,
     .off = CFG_OFF(gateway.limits.idle_timeout), .def = "5m", .min = 1, .max = 3600,
     .help = "how long a client may stay silent"},
    {.path = "gateway.limits.max_connections", .type = CFG_UINT,
     .off = CFG_OFF(gateway.limits.max_connections), .def = "1000", .min = 1, .max = 1000000,
     .help = "concurrent sessions per worker"},
    {.path = "gateway.limits.memory_spool", .type = CFG_SIZE,
     .off = CFG_OFF(gateway.limits.memory_spool), .def = "1M", .min = 0, .max = 1ull << 30,
     .help = "message bytes held in memory before the rest goes to a file in spool_dir"},
    {.path = "gateway.spool_dir", .type = CFG_PATH, .off = CFG_OFF(gateway.spool_dir),
     .def = "/tmp", .help = "folder for temporary files of large messages"},
    {.path = "events.file", .type = CFG_PATH, .off = CFG_OFF(events.file), .def = "-",
     .flags = CFG_F_DASH, .help = "JSON-lines event log; \"-\" = standard output"},
    {.path = "log_level", .type = CFG_ENUM, .off = CFG_OFF(log_level), .def = "info",
     .choices = log_level_choices, .flags = CFG_F_STRING,
     .help = "least severe diagnostic written to standard error"},

    /* Issue 3: every client is one identity, and an identity owns explicit senders. */
    {.path = "identities", .type = CFG_MAP_LIST,
     .off = CFG_OFF(identities), .off_port = CFG_OFF(nidentities), .max = 10000,
     .item_scope = CFG_SCOPE_IDENTITY, .item_size = sizeof(struct cfg_identity),
     .off_line = ID_OFF(line), .item = "identity", .items = "identities",
     .shape = "{ name, one of sasl/client_cert/network/m365_tenant, domains and/or senders }",
     .def_doc = "(none: nothing relays)",
     .help = "who may send, and as whom: each client is exactly one identity, which owns explicit "
             "domains and addresses"},
    {.path = "identities[].name", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(name), .flags = CFG_F_REQUIRED, .def_doc = "(required)",
     .help = "a unique name, shown in events and replies"},
    {.path = "identities[].sasl", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(sasl), .def_doc = "(none)",
     .help = "a client that authenticated (AUTH) as this user"},
    {.path = "identities[].client_cert.sha256", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(client_cert_sha256), .flags = CFG_F_SHA256, .def_doc = "(none)",
     .help = "a client whose TLS certificate has this SHA-256 fingerprint (colons allowed)"},
    {.path = "identities[].client_cert.name", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(client_cert_name), .def_doc = "(none)",
     .help = "a client whose certificate, verified against gateway.tls.client_ca, has this "
             "subject CN or DNS name"},
    {.path = "identities[].network", .type = CFG_CIDR_LIST, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(network), .def_doc = "(none)",
     .help = "a client connecting from these networks, [192.0.2.10/32]"},
    {.path = "identities[].m365_tenant", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(m365_tenant), .flags = CFG_F_GUID, .def_doc = "(none)",
     .help = "a Microsoft 365 tenant, by its tenant id (a GUID; never a wildcard), connecting "
             "from m365.networks"},
    {.path = "identities[].m365_domain", .type = CFG_STRING, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(m365_domain), .flags = CFG_F_DOMAIN, .def_doc = "(none)",
     .help = "the tenant's NAME.onmicrosoft.com domain, whose DKIM signature proves the tenant "
             "when the message carries no tenant id"},
    {.path = "identities[].domains", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(domains), .off_port = ID_OFF(ndomains), .flags = CFG_F_DOMAIN | CFG_F_WILDCARD,
     .def_doc = "(none)",
     .help = "sender domains it owns; `*.a.example` owns the subdomains of a.example"},
    {.path = "identities[].senders", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(senders), .off_port = ID_OFF(nsenders), .flags = CFG_F_MAILBOX,
     .def_doc = "(none)", .help = "single sender addresses it owns, [alice@a.example]"},
    {.path = "identities[].send_bounces", .type = CFG_BOOL, .scope = CFG_SCOPE_IDENTITY,
     .off = ID_OFF(send_bounces), .def = "false",
     .help = "it may send with the null sender <> (bounces)"},
    {.path = "m365.networks", .type = CFG_CIDR_LIST, .off = CFG_OFF(m365.networks),
     .def_doc = "(none)",
     .help = "Exchange Online's outbound ranges, from Microsoft's published list: nothing is "
             "built in"},
    {.path = "m365.certificate_name", .type = CFG_STRING, .off = CFG_OFF(m365.certificate_name),
     .def = "mail.protection.outlook.com", .flags = CFG_F_DOMAIN,
     .help = "the name in Exchange Online's verified client certificate"},
    {.path = "dkim", .type = CFG_MAP_LIST,
     .off = CFG_OFF(dkim), .off_port = CFG_OFF(ndkim), .max = 10000,
     .item_scope = CFG_SCOPE_DKIM, .item_size = sizeof(struct cfg_dkim_key),
     .off_line = DKIM_OFF(line), .item = "dkim key", .items = "dkim keys",
     .shape = "{ domain, selector, key }", .def_doc = "(none)",
     .help = "DKIM signing keys: a list of { domain, selector, key }"},
    {.path = "dkim[].domain", .type = CFG_STRING, .scope = CFG_SCOPE_DKIM,
     .off = DKIM_OFF(domain), .flags = CFG_F_REQUIRED | CFG_F_DOMAIN, .def_doc = "(required)",
     .help = "the signing domain (d=)"},
    {.path = "dkim[].selector", .type = CFG_STRING, .scope = CFG_SCOPE_DKIM,
     .off = DKIM_OFF(selector), .flags = CFG_F_REQUIRED | CFG_F_LABELS, .def_doc = "(required)",
     .help = "the selector (s=): the key is published at SELECTOR._domainkey.DOMAIN"},
    {.path = "dkim[].key", .type = CFG_PATH, .scope = CFG_SCOPE_DKIM,
     .off = DKIM_OFF(key), .flags = CFG_F_REQUIRED | CFG_F_READABLE, .def_doc = "(required)",
     .help = "the private key, RSA or Ed25519 PEM; it must exist and be readable"},
    {.path = "content.enabled", .type = CFG_BOOL, .off = CFG_OFF(content.enabled), .def = "true",
     .help = "the gateway inspects every message it relays and carries out the verdict of the "
             "dlp rules (tag, quarantine, reject)"},
    {.path = "content.quarantine_dir", .type = CFG_PATH, .off = CFG_OFF(content.quarantine_dir),
     .def = "quarantine",
     .help = "where the gateway writes quarantined messages (NAME.eml, fsync'd before the 250); "
             "created 0700 for gateway.user"},
    {.path = "content.max_depth", .type = CFG_UINT, .off = CFG_OFF(content.max_depth),
     .def = "20", .min = 1, .max = 100,
     .help = "MIME nesting (multipart and attached messages) parsed; deeper parts are reported, "
             "not parsed"},
    {.path = "content.max_parts", .type = CFG_UINT, .off = CFG_OFF(content.max_parts),
     .def = "1000", .min = 1, .max = 100000, .help = "MIME parts parsed per message"},
    {.path = "content.max_header_size", .type = CFG_SIZE, .off = CFG_OFF(content.max_header_size),
     .def = "256K", .min = 1024, .max = 64ull << 20, .help = "bytes of one part's header section"},
    {.path = "content.max_part_size", .type = CFG_SIZE, .off = CFG_OFF(content.max_part_size),
     .def = "64M", .min = 1024, .max = 1ull << 32, .help = "decoded bytes of one part that are inspected"},
    {.path = "content.max_decoded_size", .type = CFG_SIZE,
     .off = CFG_OFF(content.max_decoded_size), .def = "256M", .min = 1024, .max = 1ull << 36,
     .help = "decoded bytes of one message that are inspected"},
    {.path = "content.max_attachment_size", .type = CFG_SIZE,
     .off = CFG_OFF(content.max_attachment_size), .def = "32M", .min = 1024, .max = 1ull << 32,
     .help = "bytes of one attachment held in memory to open it (archives, office documents); "
             "a larger one is hashed whole but inspected only this far"},
    {.path = "content.archive_depth", .type = CFG_UINT, .off = CFG_OFF(content.archive_depth),
     .def = "3", .min = 0, .max = 20, .help = "archives inside archives that are opened"},
    {.path = "content.archive_max_entries", .type = CFG_UINT,
     .off = CFG_OFF(content.archive_max_entries), .def = "10000", .min = 1, .max = 10000000,
     .help = "entries listed per archive"},
    {.path = "content.archive_max_entry_size", .type = CFG_SIZE,
     .off = CFG_OFF(content.archive_max_entry_size), .def = "32M", .min = 1024, .max = 1ull << 32,
     .help = "bytes extracted from one archive entry"},
    {.path = "content.archive_max_size", .type = CFG_SIZE,
     .off = CFG_OFF(content.archive_max_size), .def = "256M", .min = 1024, .max = 1ull << 36,
     .help = "bytes extracted from one attachment in all (zip bombs stop here, reported)"},
    {.path = "content.infostealer", .type = CFG_BOOL, .off = CFG_OFF(content.infostealer),
     .def = "true",
     .help = "look for the message shapes of infostealers (subjects, banners, attachment names, "
             "a sender mailing itself)"},
    {.path = "dlp.disable", .type = CFG_STRING_LIST, .off = CFG_OFF(dlp.disable),
     .off_port = CFG_OFF(dlp.ndisable), .def_doc = "(none)",
     .help = "built-in detectors (ids or categories, see `smtpwarden scan --list-detectors`) "
             "left out"},
    {.path = "dlp.context_window", .type = CFG_UINT, .off = CFG_OFF(dlp.context_window),
     .def = "100", .min = 0, .max = 4096,
     .help = "bytes before and after a value searched for its context words"},
    {.path = "dlp.detectors", .type = CFG_MAP_LIST,
     .off = CFG_OFF(dlp.detectors), .off_port = CFG_OFF(dlp.ndetectors), .max = 1000,
     .item_scope = CFG_SCOPE_DLP_DETECTOR, .item_size = sizeof(struct cfg_dlp_detector),
     .off_line = DET_OFF(line), .item = "detector", .items = "detectors",
     .shape = "{ id, keywords | regex | edm }", .def_doc = "(none)",
     .help = "custom detectors, reported as custom.ID"},
    {.path = "dlp.detectors[].id", .type = CFG_STRING, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(id), .flags = CFG_F_REQUIRED, .def_doc = "(required)",
     .help = "a short name: letters, digits, '_' and '-'"},
    {.path = "dlp.detectors[].description", .type = CFG_STRING, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(description), .def_doc = "(none)", .help = "shown with its findings"},
    {.path = "dlp.detectors[].keywords", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(keywords), .off_port = DET_OFF(nkeywords), .def_doc = "(none)",
     .help = "words or phrases, matched as written (case-insensitive unless case_sensitive)"},
    {.path = "dlp.detectors[].regex", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(regex), .off_port = DET_OFF(nregex), .def_doc = "(none)",
     .help = "regular expressions (PCRE syntax as Hyperscan takes it)"},
    {.path = "dlp.detectors[].edm", .type = CFG_PATH, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(edm), .flags = CFG_F_READABLE, .def_doc = "(none)",
     .help = "exact data match: a CSV file of records (first row: column names); only salted "
             "hashes of its cells are kept"},
    {.path = "dlp.detectors[].columns", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(columns), .off_port = DET_OFF(ncolumns), .def_doc = "(all)",
     .help = "edm: the columns that are matched"},
    {.path = "dlp.detectors[].primary", .type = CFG_STRING, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(primary), .def_doc = "(the first column)",
     .help = "edm: the strongly shaped column (an id number, a card) a match must include"},
    {.path = "dlp.detectors[].min_cells", .type = CFG_UINT, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(min_cells), .def = "2", .min = 1, .max = 64,
     .help = "edm: cells of one record that must appear near each other"},
    {.path = "dlp.detectors[].confidence", .type = CFG_UINT, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(confidence), .def = "80", .min = 1, .max = 100,
     .help = "the confidence its findings carry"},
    {.path = "dlp.detectors[].case_sensitive", .type = CFG_BOOL, .scope = CFG_SCOPE_DLP_DETECTOR,
     .off = DET_OFF(case_sensitive), .def = "false", .help = "keywords and regex match case"},
    {.path = "dlp.rules", .type = CFG_MAP_LIST,
     .off = CFG_OFF(dlp.rules), .off_port = CFG_OFF(dlp.nrules), .max = 1000,
     .item_scope = CFG_SCOPE_DLP_RULE, .item_size = sizeof(struct cfg_dlp_rule),
     .off_line = RULE_OFF(line), .item = "rule", .items = "rules",
     .shape = "{ detector, action }",
     .def_doc = "(infostealer, secret: quarantine; financial, national_id, custom, attachment: "
                "tag; contact, business_id: tag from 20)",
     .help = "what findings do to a message: the most severe matching rule decides"},
    {.path = "dlp.rules[].detector", .type = CFG_STRING, .scope = CFG_SCOPE_DLP_RULE,
     .off = RULE_OFF(detector), .flags = CFG_F_REQUIRED, .def_doc = "(required)",
     .help = "a detector id (card, custom.projects), a category (national_id) or *"},
    {.path = "dlp.rules[].min_count", .type = CFG_UINT, .scope = CFG_SCOPE_DLP_RULE,
     .off = RULE_OFF(min_count), .def = "1", .min = 1, .max = 1000000,
     .help = "findings of that detector in one message"},
    {.path = "dlp.rules[].min_confidence", .type = CFG_UINT, .scope = CFG_SCOPE_DLP_RULE,
     .off = RULE_OFF(min_confidence), .def = "0", .min = 0, .max = 100,
     .help = "only findings at least this confident count"},
    {.path = "dlp.rules[].action", .type = CFG_ENUM, .scope = CFG_SCOPE_DLP_RULE,
     .off = RULE_OFF(action), .def = "tag", .choices = action_choices,
     .help = "tag (a header and an event), quarantine (kept aside, not delivered) or reject"},
    {.path = "behavior.enabled", .type = CFG_BOOL, .off = CFG_OFF(behavior.enabled),
     .def = "true",
     .help = "the gateway counts every transaction (rate limits, spike and first-seen alerts)"},
    {.path = "behavior.state", .type = CFG_STRING, .off = CFG_OFF(behavior.state),
     .def = "embedded",
     .help = "where the counters live: embedded (in each worker, see state_file) or "
             "redis://HOST:PORT[/DB] (rate limits shared by every worker and gateway)"},
    {.path = "behavior.state_file", .type = CFG_PATH, .off = CFG_OFF(behavior.state_file),
     .def_doc = "(none: not saved)",
     .help = "embedded state: the SQLite snapshot loaded at start and saved on a timer and at "
             "exit; worker N > 0 uses PATH.N"},
    {.path = "behavior.save_interval", .type = CFG_DURATION,
     .off = CFG_OFF(behavior.save_interval), .def = "5m", .min = 1, .max = SECONDS_PER_DAY,
     .help = "how often the embedded state is saved to state_file"},
    {.path = "behavior.on_state_unavailable", .type = CFG_ENUM,
     .off = CFG_OFF(behavior.on_state_unavailable), .def = "accept",
     .choices = unavailable_choices,
     .help = "Redis cannot be reached: accept (no limits, an alert event) or defer "
             "(451 4.3.0)"},
    {.path = "behavior.redis_timeout", .type = CFG_DURATION_MS,
     .off = CFG_OFF(behavior.redis_timeout_ms), .def = "250ms", .min = 10, .max = 10000,
     .help = "how long a transaction waits for Redis before on_state_unavailable applies"},
    {.path = "behavior.max_keys", .type = CFG_UINT, .off = CFG_OFF(behavior.max_keys),
     .def = "10000", .min = 1, .max = 10000000,
     .help = "keys kept per key kind in each worker (least recently used shed), ~3.3 kB each"},
    {.path = "behavior.limits", .type = CFG_MAP_LIST,
     .off = CFG_OFF(behavior.limits), .off_port = CFG_OFF(behavior.nlimits), .max = 32,
     .item_scope = CFG_SCOPE_BEHAVIOR_LIMIT, .item_size = sizeof(struct cfg_behavior_limit),
     .off_line = BLIM_OFF(line), .item = "limit", .items = "limits",
     .shape = "{ key, messages|recipients|bytes, per, action }", .def_doc = "(none)",
     .help = "rate limits, each a token bucket per key: at most 32, 8 per key kind"},
    {.path = "behavior.limits[].key", .type = CFG_ENUM, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(key), .choices = bkey_choices, .flags = CFG_F_REQUIRED,
     .def_doc = "(required)",
     .help = "what is counted: identity, client_ip, sasl_user, sender, sender_domain, "
             "rcpt_domain (each recipient domain), dest_server or tenant"},
    {.path = "behavior.limits[].messages", .type = CFG_UINT, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(messages), .def = "0", .min = 0, .max = 1000000000,
     .help = "messages per `per` (exactly one of messages, recipients and bytes)"},
    {.path = "behavior.limits[].recipients", .type = CFG_UINT, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(recipients), .def = "0", .min = 0, .max = 1000000000,
     .help = "recipients per `per`"},
    {.path = "behavior.limits[].bytes", .type = CFG_SIZE, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(bytes), .def = "0", .min = 0, .max = 1000000000,
     .help = "message bytes per `per`"},
    {.path = "behavior.limits[].per", .type = CFG_DURATION_MS, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(per_ms), .flags = CFG_F_REQUIRED, .def_doc = "(required)", .min = 1000,
     .max = 31u * SECONDS_PER_DAY * 1000u, .help = "the period the amount refills over, 1s..31d"},
    {.path = "behavior.limits[].burst", .type = CFG_UINT, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(burst), .def = "0", .def_doc = "(the amount)", .min = 0, .max = 1000000000,
     .help = "the bucket's size: how much may go at once after a quiet spell"},
    {.path = "behavior.limits[].action", .type = CFG_ENUM, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(action), .def = "defer", .choices = baction_choices,
     .help = "past the limit: defer (451 4.7.1) or reject (550 5.7.1); the limit is named"},
    {.path = "behavior.limits[].name", .type = CFG_STRING, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(name), .def_doc = "KEY_MEASURE",
     .help = "the name in the reply and the event (A-Z a-z 0-9 _ . -, at most 64)"},
    {.path = "behavior.limits[].identity", .type = CFG_STRING, .scope = CFG_SCOPE_BEHAVIOR_LIMIT,
     .off = BLIM_OFF(identity), .def_doc = "(all)",
     .help = "only the transactions of this identity (a name from identities)"},
    {.path = "behavior.spikes.deviations", .type = CFG_UINT,
     .off = CFG_OFF(behavior.spike_deviations), .def = "4", .min = 1, .max = 100,
     .help = "a spike alert when the rate is this many deviations above its learned baseline"},
    {.path = "behavior.spikes.min_messages_per_hour", .type = CFG_UINT,
     .off = CFG_OFF(behavior.spike_min_messages), .def = "200", .min = 0, .max = 1000000000,
     .help = "no spike alert below this rate (0: no message spikes)"},
    {.path = "behavior.spikes.warmup", .type = CFG_DURATION, .off = CFG_OFF(behavior.spike_warmup),
     .def = "7d", .min = 0, .max = 366u * SECONDS_PER_DAY,
     .help = "a key learns this long after its first message before it can raise a spike"},
    {.path = "behavior.spikes.window", .type = CFG_DURATION, .off = CFG_OFF(behavior.spike_window),
     .def = "10m", .min = 60, .max = 3600,
     .help = "the current rate's window (whole minutes): the detection delay"},
    {.path = "behavior.first_seen.learning", .type = CFG_DURATION,
     .off = CFG_OFF(behavior.first_seen_learning), .def = "14d", .min = 0,
     .max = 366u * SECONDS_PER_DAY,
     .help = "first-seen alerts only after a subject has been learning this long"},
    {.path = "behavior.first_seen.max_values", .type = CFG_UINT,
     .off = CFG_OFF(behavior.first_seen_max_values), .def = "256", .min = 1, .max = 1000000,
     .help = "values a subject may hold; past it the subject is saturated and quiet"},
    {.path = "sensor.mail_servers", .type = CFG_CIDR_LIST, .off = CFG_OFF(sensor.mail_servers),
     .def_doc = "(none)",
     .help = "the organisation's mail servers and relays (CIDR list): SMTP to any other "
             "server is smtp.external_server, unless the client is one of these or of "
             "sensor.mail_clients"},
    {.path = "sensor.mail_clients", .type = CFG_CIDR_LIST, .off = CFG_OFF(sensor.mail_clients),
     .def_doc = "(none)",
     .help = "hosts allowed to speak SMTP to servers outside sensor.mail_servers (CIDR list); "
             "given alone, any other host speaking SMTP is smtp.external_server"},
    {.path = "sensor.ports", .type = CFG_STRING_LIST, .off = CFG_OFF(sensor.ports),
     .off_port = CFG_OFF(sensor.nports), .def_doc = "(25, 465, 587, 2525)",
     .help = "server ports taken as SMTP without looking; SMTP on other ports is found by "
             "content (a 220 greeting answered by EHLO or HELO)"},
    {.path = "sensor.password_salt", .type = CFG_STRING, .off = CFG_OFF(sensor.password_salt),
     .def_doc = "(random per run)",
     .help = "salt of the HMAC-SHA-256 that --password-hash writes for cleartext passwords; set "
             "it to compare hashes across runs"},
    {.path = "sensor.dlp", .type = CFG_BOOL, .off = CFG_OFF(sensor.dlp), .def = "true",
     .help = "inspect every message with the content engine (attachments, DLP, infostealer "
             "shapes)"},
    {.path = "sensor.max_flows", .type = CFG_UINT, .off = CFG_OFF(sensor.max_flows),
     .def = "262144", .min = 1024, .max = 16777216,
     .help = "TCP flows tracked at once; past it the least recently active are dropped"},
    {.path = "sensor.max_memory", .type = CFG_SIZE, .off = CFG_OFF(sensor.max_memory),
     .def = "64M", .min = 1048576, .max = 68719476736ull,
     .help = "flow table, reassembly queues and per-flow SMTP state together; past it the "
             "least recently active flows are dropped"},
    {.path = "sensor.idle_timeout", .type = CFG_DURATION, .off = CFG_OFF(sensor.idle_timeout),
     .def = "5m", .min = 1, .max = SECONDS_PER_DAY,
     .help = "a flow without a packet for this long (capture time) is closed"},
    {.path = "dns.servers", .type = CFG_STRING, .off = CFG_OFF(dns.servers),
     .def_doc = "(/etc/resolv.conf)",
     .help = "DNS servers for the lookups the gateway makes itself (the keys of DKIM signatures "
             "it verifies): comma-separated HOST[:PORT]"},
    {.path = "dns.timeout", .type = CFG_DURATION_MS, .off = CFG_OFF(dns.timeout_ms), .def = "5s",
     .min = 100, .max = 60000, .help = "how long one lookup may take, retries included"},
    {.path = "dkim[].headers", .type = CFG_STRING_LIST, .scope = CFG_SCOPE_DKIM,
     .off = DKIM_OFF(headers), .off_port = DKIM_OFF(nheaders),
     .def_doc = "(from, to, cc, subject, date, message-id, reply-to, sender, mime-version, "
                "content-type, content-transfer-encoding, in-reply-to, references)",
     .help = "header fields to sign (h=); From is always signed, once more than it appears"},
    {.path = "dkim[].canonicalization", .type = CFG_ENUM, .scope = CFG_SCOPE_DKIM,
     .off = DKIM_OFF(canon), .def = "relaxed/relaxed", .choices = dkim_canon_choices,
     .help = "header/body canonicalisation (c=): relaxed survives the header rewrapping and "
             "whitespace changes of common relays; simple is exact"},
    {.path = "policy.public_suffix_list", .type = CFG_PATH, .off = CFG_OFF(public_suffix_list),
     .def = "/usr/share/publicsuffix/public_suffix_list.dat",
     .help = "the Public Suffix List (Debian package publicsuffix), for the organisational "
             "domains of relaxed alignment"},
    {.path = "policy.require_domain_proof", .type = CFG_BOOL,
     .off = CFG_OFF(require_domain_proof), .def = "false",
     .help = "an identity may send only as domains whose DNS carries its ownership token (TXT "
             "_smtpwarden.DOMAIN, see `smtpwarden domain token`); checked at start and reload"},
    {.path = "policy.alignment", .type = CFG_ENUM, .off = CFG_OFF(alignment), .def = "off",
     .choices = alignment_choices,
     .help = "envelope sender domain vs header From domain: off, relaxed (same organisational "
             "domain) or strict (equal)"},
};
/* clang-format on */

const size_t config_table_len = sizeof config_table / sizeof config_table[0];

const struct cfg_setting *
config_table_find(const char *path)
{
    for (size_t i = 0; i < config_table_len; i++)
        if (strcmp(config_table[i].path, path) == 0)
            return &config_table[i];
    return NULL;
}

/* path_is_below - row lies strictly below prefix ("gateway" holds "gateway.tls.key") */
static bool
path_is_below(const char *row, const char *prefix, size_t plen)
{
    return strncmp(row, prefix, plen) == 0 && (row[plen] == '.' || row[plen] == '[');
}

bool
config_table_is_section(const char *path)
{
    size_t plen = strlen(path);

    for (size_t i = 0; i < config_table_len; i++)
        if (path_is_below(config_table[i].path, path, plen))
            return true;
    return false;
}

const struct cfg_setting *
config_table_first_below(const char *path)
{
    size_t plen = strlen(path);

    for (size_t i = 0; i < config_table_len; i++)
        if (path_is_below(config_table[i].path, path, plen))
            return &config_table[i];
    return NULL;
}

size_t
config_table_index(const struct cfg_setting *row)
{
    return (size_t)(row - config_table);
}

/* edit_distance - Levenshtein distance of two short words (at most 64 bytes each) */
static size_t
edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[65];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* next_word - the path component of row right after prefix, into out */
static void
next_word(const char *row, size_t plen, char *out, size_t size)
{
    const char *s = plen ? row + plen + 1 : row;
    size_t n = strcspn(s, ".[");

    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

const char *
config_table_suggest(const char *prefix, const char *key, char *out, size_t size)
{
    size_t plen = strlen(prefix), best = (size_t)-1;
    size_t limit = strlen(key) <= 4 ? 1 : strlen(key) / 3 + 1;
    char word[64];

    for (size_t i = 0; i < config_table_len; i++) {
        if (plen > 0 && !path_is_below(config_table[i].path, prefix, plen))
            continue;
        next_word(config_table[i].path, plen, word, sizeof word);
        size_t d = edit_distance(key, word);
        if (d <= limit && d < best) {
            best = d;
            snprintf(out, size, "%s", word);
        }
    }
    return best == (size_t)-1 ? NULL : out;
}
