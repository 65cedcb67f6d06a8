/*
 * config_check - what no single setting can say on its own: required settings, settings that
 * need each other, and valid settings that open the relay (warnings).
 */
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "config/config_impl.h"
#include "util/mem.h"

/*
 * Exchange Online's outbound ranges. A relay network overlapping them admits mail from every
 * Microsoft 365 tenant, not only the organisation's own: the "echo spoofing" relay abuse.
 */
static const char *const exchange_online_nets[] = {
    "40.92.0.0/15",
    "40.107.0.0/16",
    "52.100.0.0/14",
    "104.47.0.0/17",
    "2a01:111:f400::/48",
    "2a01:111:f403::/48",
    NULL,
};

/* row_mark - where the top-level setting at path was written; line 0 when it was not */
static struct cfg_mark
row_mark(const struct sw_config *cfg, const struct cfg_where *w, const char *path)
{
    const struct cfg_setting *row = config_table_find(path);

    if (row == NULL || row->scope != CFG_SCOPE_CONFIG)
        return (struct cfg_mark){0, 0};
    return config_where_mark(w, config_value_field(row, (void *)cfg), CFG_MARK_WHOLE);
}

/* where - the mark of the setting at path, or the gateway key when it was not written */
static struct cfg_mark
where(const struct sw_config *cfg, const struct cfg_where *w, const char *path)
{
    struct cfg_mark m = row_mark(cfg, w, path);

    return m.line ? m : w->gateway;
}

/* is_set - the setting at path was written in the file */
static bool
is_set(const struct sw_config *cfg, const struct cfg_where *w, const char *path)
{
    return row_mark(cfg, w, path).line != 0;
}

void
config_check_fill_defaults(struct sw_config *cfg)
{
    char name[256];

    if (cfg->gateway.hostname != NULL)
        return;
    if (gethostname(name, sizeof name) < 0 || name[0] == '\0')
        cfg->gateway.hostname = xstrdup("localhost");
    else
        cfg->gateway.hostname = xmemdup(name, strnlen(name, sizeof name));
}

/* check_required - a listener and a next hop */
static void
check_required(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    if (w->gateway.line == 0) {
        /* a file for `scan` or `sensor` alone (dlp rules, sensor networks) needs no relay */
        config_diag_add(d, w->name, w->gateway, CFG_WARNING,
                        "no 'gateway' section: `smtpwarden gateway` cannot run on this file "
                        "(`scan` and `sensor` can)");
        return;
    }
    if (cfg->gateway.nlisten == 0 && is_set(cfg, w, "gateway.listen"))
        config_diag_add(d, w->name, where(cfg, w, "gateway.listen"), CFG_ERROR,
                        "'gateway.listen' is empty: give at least one listener");
    else if (cfg->gateway.nlisten == 0)
        config_diag_add(d, w->name, w->gateway, CFG_ERROR,
                        "missing 'gateway.listen': at least one listener is required, as in "
                        "listen: [{ address: 127.0.0.1:2525 }]");
    if (cfg->gateway.next_hop.host == NULL && !is_set(cfg, w, "gateway.next_hop.address"))
        config_diag_add(d, w->name, w->gateway, CFG_ERROR,
                        "missing 'gateway.next_hop': the host:port accepted mail is relayed to");
}

/* check_tls - certificate and key come together; implicit TLS needs one of them */
static void
check_tls(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    const struct cfg_gateway *g = &cfg->gateway;

    if (g->tls.key != NULL && g->tls.certificate == NULL)
        config_diag_add(d, w->name, where(cfg, w, "gateway.tls.key"), CFG_ERROR,
                        "'gateway.tls.key' is set but 'gateway.tls.certificate' is not");
    if (g->tls.certificate != NULL && g->tls.key == NULL)
        config_diag_add(d, w->name, where(cfg, w, "gateway.tls.certificate"), CFG_ERROR,
                        "'gateway.tls.certificate' is set but 'gateway.tls.key' is not");
    if (g->tls.self_signed && (g->tls.certificate == NULL || g->tls.key == NULL))
        config_diag_add(d, w->name, where(cfg, w, "gateway.tls.self_signed"), CFG_ERROR,
                        "'gateway.tls.self_signed' needs 'certificate' and 'key': the paths "
                        "where the generated files are kept");
    for (size_t i = 0; i < g->nlisten; i++) {
        const struct cfg_listen *l = &g->listen[i];
        if (l->tls == CFG_TLS_IMPLICIT && g->tls.certificate == NULL && !g->tls.self_signed)
            config_diag_add(d, w->name, config_where_or(w, &g->listen, i, w->gateway), CFG_ERROR,
                            "listener %s uses implicit TLS but there is no "
                            "'gateway.tls.certificate' (or 'self_signed: true')",
                            l->address ? l->address : "?");
    }
}

/* host_is_loopback - 127.0.0.0/8, ::1, ::ffff:127.x or the name localhost */
static bool
host_is_loopback(const char *host)
{
    struct ip_addr a;
    struct cidr lo4, lo6;

    if (strcmp(host, "localhost") == 0)
        return true;
    if (ip_addr_parse(host, &a) < 0)
        return false;
    cidr_parse("127.0.0.0/8", &lo4);
    cidr_parse("::1/128", &lo6);
    return cidr_contains(&lo4, &a) || cidr_contains(&lo6, &a);
}

/* check_listeners - plain text on a network others can reach */
static void
check_listeners(const struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    const struct cfg_gateway *g = &cfg->gateway;
    bool have_cert = g->tls.certificate != NULL || g->tls.self_signed;

    for (size_t i = 0; i < g->nlisten; i++) {
        const struct cfg_listen *l = &g->listen[i];
        bool plain = l->tls == CFG_TLS_NONE || (l->tls == CFG_TLS_STARTTLS && !have_cert);
        if (l->host != NULL && plain && !host_is_loopback(l->host))
            config_diag_add(d, w->name, config_where_or(w, &g->listen, i, w->gateway), CFG_WARNING,
                            "listener %s is on a non-loopback address without TLS: mail and "
                            "passwords cross the network in clear",
                            l->address);
    }
}

bool
config_check_nets_overlap(const struct cidr *a, const struct cidr *b)
{
    return cidr_contains(a, &b->net) || cidr_contains(b, &a->net);
}

const char *
config_check_exchange_online(const struct cidr *net)
{
    for (size_t k = 0; exchange_online_nets[k] != NULL; k++) {
        struct cidr exo;
        if (cidr_parse(exchange_online_nets[k], &exo) == 0 && config_check_nets_overlap(net, &exo))
            return exchange_online_nets[k];
    }
    return NULL;
}

void
config_check_run(struct sw_config *cfg, const struct cfg_where *w, struct config_diag *d)
{
    const struct cfg_gateway *g = &cfg->gateway;

    check_required(cfg, w, d);
    check_tls(cfg, w, d);
    check_listeners(cfg, w, d);

    if (!g->auth.require_tls)
        config_diag_add(d, w->name, where(cfg, w, "gateway.auth.require_tls"), CFG_WARNING,
                        "'gateway.auth.require_tls' is false: AUTH passwords may cross the "
                        "network in clear");
    config_check_identities(cfg, w, d);
    config_check_content(cfg, w, d);
    config_check_behavior(cfg, w, d);
    if (g->relay_networks.n > 0)
        config_diag_add(d, w->name,
                        config_where_or(w, &g->relay_networks, CFG_MARK_WHOLE, w->gateway),
                        CFG_WARNING,
                        "'gateway.relay_networks' no longer lets anyone relay: give those "
                        "clients a network identity that owns the domains they send as");
    if (cfg->nidentities == 0)
        config_diag_add(d, w->name, w->gateway, CFG_WARNING,
                        "no 'identities': no client can relay (every MAIL is refused)");
}
