/* cmd_domain - `smtpwarden domain token|verify`: DNS proof that a domain's owner lets an
 * identity send for it (issue 3). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dns.h"
#include "cli/cli.h"
#include "config/config.h"
#include "policy/identity.h"
#include "util/buf.h"
#include "util/mem.h"

static const char usage[] =
    "usage: smtpwarden domain token DOMAIN --identity NAME [-c FILE]\n"
    "       smtpwarden domain verify DOMAIN --identity NAME [-c FILE] [--dns HOST:PORT,...]\n"
    "                                [--timeout MS]\n"
    "\n"
    "Optional proof that whoever controls DOMAIN's DNS lets identity NAME send for it.\n"
    "'token' prints the TXT record to publish at _smtpwarden.DOMAIN; 'verify' looks it up.\n"
    "The token is derived from NAME and DOMAIN only: it is no secret, and it changes when\n"
    "the identity is renamed.\n"
    "\n"
    "  --identity NAME      the identity, as named in the configuration's identities\n"
    "  -c, --config FILE    first check that FILE defines identity NAME and that it lists\n"
    "                       DOMAIN in its domains\n"
    "  --dns HOST:PORT,...  ask these DNS servers ([ADDR]:PORT for IPv6) instead of the\n"
    "                       ones in /etc/resolv.conf\n"
    "  --timeout MS         give up on DNS after MS milliseconds (default 5000)\n"
    "  -h, --help           this help\n"
    "  -V, --version        print the version\n"
    "\n"
    "exit status: 0 verified (or token printed); 1 not verified: no such name, no TXT record,\n"
    "only other tokens, or FILE lacks the identity or the domain; 2 usage errors, a FILE that\n"
    "does not load, and DNS failures (timeout, server failure: try again later).\n";

enum { DOMAIN_DEFAULT_TIMEOUT_MS = 5000, DOMAIN_SHOW_MAX = 300 };

struct domain_args {
    const char *action; /* "token" or "verify" */
    const char *domain;
    const char *identity;
    const char *config;
    const char *dns;
    long timeout_ms;
};

/* what the lookup's callback leaves for domain_verify */
struct domain_answer {
    int status;
    char **txts;
    size_t n;
};

/* domain_usage_error - complain on stderr; always 2 */
static int
domain_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "smtpwarden domain: %s%s%s%s\n\n%s", what, arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "", usage);
    return 2;
}

/* domain_parse_timeout - MS as a number between 100 ms and 10 minutes */
static int
domain_parse_timeout(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 100 || v > 600000)
        return -1;
    *out = v;
    return 0;
}

/* domain_parse_args - 0 ok, 1 help/version printed, 2 usage error (reported) */
static int
domain_parse_args(int argc, char **argv, struct domain_args *a)
{
    memset(a, 0, sizeof *a);
    a->timeout_ms = DOMAIN_DEFAULT_TIMEOUT_MS;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;

        if (cli_common_flag(arg, usage))
            return 1;
        if (cli_is_flag(arg, "--identity", NULL) && has_value) {
            a->identity = argv[++i];
        } else if (cli_is_flag(arg, "--config", "-c") && has_value) {
            a->config = argv[++i];
        } else if (cli_is_flag(arg, "--dns", NULL) && has_value) {
            a->dns = argv[++i];
        } else if (cli_is_flag(arg, "--timeout", NULL) && has_value) {
            if (domain_parse_timeout(argv[++i], &a->timeout_ms) < 0)
                return domain_usage_error("--timeout wants milliseconds (100..600000), not",
                                          argv[i]);
        } else if (arg[0] == '-') {
            return domain_usage_error("unknown option or missing value:", arg);
        } else if (a->action == NULL) {
            a->action = arg;
        } else if (a->domain == NULL) {
            a->domain = arg;
        } else {
            return domain_usage_error("unexpected argument", arg);
        }
    }
    if (a->action == NULL)
        return domain_usage_error("missing 'token' or 'verify'", NULL);
    if (strcmp(a->action, "token") != 0 && strcmp(a->action, "verify") != 0)
        return domain_usage_error("want 'token' or 'verify', not", a->action);
    if (a->domain == NULL || a->domain[0] == '\0')
        return domain_usage_error("missing DOMAIN", NULL);
    if (a->identity == NULL || a->identity[0] == '\0')
        return domain_usage_error("missing --identity NAME", NULL);
    return 0;
}

/* domain_check_config - FILE defines the identity and it owns the domain: 0, else 1 (said
 * why), or 2 when FILE does not load */
static int
domain_check_config(const struct domain_args *a)
{
    struct config_diag d;
    struct sw_config *cfg;
    const struct cfg_identity *ci = NULL;
    struct identity view;
    int rc = 1;

    config_diag_init(&d);
    cfg = config_load_file(a->config, &d);
    fwrite(d.text.data, 1, d.text.len, stderr);
    config_diag_release(&d);
    if (cfg == NULL) {
        fprintf(stderr, "smtpwarden domain: %s does not load\n", a->config);
        return 2;
    }
    for (size_t i = 0; i < cfg->nidentities && ci == NULL; i++)
        if (strcmp(cfg->identities[i].name, a->identity) == 0)
            ci = &cfg->identities[i];
    if (ci == NULL) {
        printf("%s: identity %s is not defined in %s (identities)\n", a->domain, a->identity,
               a->config);
        goto out_free_cfg;
    }
    /* the same matching rules as the gateway: exact names and "*.parent" wildcards */
    view = (struct identity){.name = ci->name, .domains = ci->domains, .ndomains = ci->ndomains};
    if (!identity_owns_domain(&view, a->domain)) {
        printf("%s: identity %s in %s does not list %s in its domains (it lists:", a->domain,
               a->identity, a->config, a->domain);
        for (size_t i = 0; i < ci->ndomains; i++)
            printf(" %s", ci->domains[i]);
        puts(ci->ndomains == 0 ? " none)" : ")");
        goto out_free_cfg;
    }
    rc = 0;

out_free_cfg:
    config_free(cfg);
    return rc;
}

/* domain_show - print DNS text for a person: quoted, control bytes escaped, bounded */
static void
domain_show(const char *s)
{
    size_t len = strlen(s);

    putchar('"');
    for (size_t i = 0; i < len && i < DOMAIN_SHOW_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            printf("\\%03o", c);
        else
            putchar(c);
    }
    fputs(len > DOMAIN_SHOW_MAX ? "\"..." : "\"", stdout);
}

/* domain_txt_done - keep a copy of the answer for after the loop */
static void
domain_txt_done(void *ctx, int status, const char *const *txts, size_t n)
{
    struct domain_answer *ans = ctx;

    ans->status = status;
    ans->n = n;
    ans->txts = xcalloc(n + 1, sizeof *ans->txts);
    for (size_t i = 0; i < n; i++)
        ans->txts[i] = xstrdup(txts[i]);
}

/* domain_report_records - TXT records exist: the token among them (0), or what they are (1) */
static int
domain_report_records(const struct domain_args *a, const char *name, const char *token,
                      const struct domain_answer *ans)
{
    size_t plen = strlen(DNS_OWNERSHIP_PREFIX);

    for (size_t i = 0; i < ans->n; i++)
        if (strcasecmp(ans->txts[i], token) == 0) {
            printf("%s: verified for identity %s\n", a->domain, a->identity);
            return 0;
        }
    printf("%s: not verified for identity %s: %s has %zu TXT record%s, none the token for it:\n",
           a->domain, a->identity, name, ans->n, ans->n == 1 ? "" : "s");
    for (size_t i = 0; i < ans->n; i++) {
        fputs("  found ", stdout);
        domain_show(ans->txts[i]);
        puts(strncasecmp(ans->txts[i], DNS_OWNERSHIP_PREFIX, plen) == 0
                 ? " (a token for another identity or domain)"
                 : " (not a smtpwarden token)");
    }
    printf("  expected \"%s\"\n", token);
    return 1;
}

/* domain_report - the verdict and exit status for one finished lookup */
static int
domain_report(const struct domain_args *a, const char *name, const char *token,
              const struct domain_answer *ans)
{
    switch (ans->status) {
    case DNS_OK:
        return domain_report_records(a, name, token, ans);
    case DNS_NXDOMAIN:
        printf("%s: not verified for identity %s: %s does not exist (NXDOMAIN)\n", a->domain,
               a->identity, name);
        break;
    case DNS_NODATA:
        printf("%s: not verified for identity %s: %s exists but has no TXT record\n", a->domain,
               a->identity, name);
        break;
    default:
        printf("%s: cannot verify now: %s looking up %s TXT\n", a->domain,
               dns_status_name(ans->status), name);
        return 2;
    }
    printf("  publish: %s. IN TXT \"%s\"\n", name, token);
    return 1;
}

/* domain_verify - look the token up and say what was found */
static int
domain_verify(const struct domain_args *a, const char *name, const char *token)
{
    /* c-ares doubles the per-try timeout on its second round: t + 2t fits the budget */
    struct dns_options o = {.servers = a->dns, .timeout_ms = (int)a->timeout_ms / 3, .tries = 2};
    struct domain_answer ans = {.status = DNS_TEMPFAIL};
    struct dns_resolver *r;
    struct buf err;
    int rc = 2;

    buf_init(&err, 0);
    r = dns_resolver_new(&o, &err);
    if (r == NULL) {
        fprintf(stderr, "smtpwarden domain: %s\n", err.data);
        goto out_release_err;
    }
    if (dns_lookup_txt(r, name, domain_txt_done, &ans) < 0) {
        rc = domain_usage_error("not a valid domain name:", a->domain);
        goto out_free_resolver;
    }
    if (dns_resolver_run(r, (int)a->timeout_ms) < 0) {
        perror("smtpwarden domain: poll");
        goto out_free_resolver;
    }
    rc = domain_report(a, name, token, &ans);

out_free_resolver:
    dns_resolver_free(r);
    dns_txt_free(ans.txts);
out_release_err:
    buf_release(&err);
    return rc;
}

/* cmd_domain - `smtpwarden domain token|verify DOMAIN --identity NAME` */
int
cmd_domain(int argc, char **argv)
{
    struct domain_args a;
    struct buf name, token;
    int rc;

    rc = domain_parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (a.config != NULL && (rc = domain_check_config(&a)) != 0)
        return rc;
    buf_init(&name, 0);
    buf_init(&token, 0);
    buf_printf(&name, "%s.%s", DNS_OWNERSHIP_LABEL, a.domain);
    if (name.len > 0 && name.data[name.len - 1] == '.')
        name.data[--name.len] = '\0';
    if (!dns_name_is_plausible(name.data)) {
        rc = domain_usage_error("not a valid domain name:", a.domain);
    } else if (dns_ownership_token(a.identity, a.domain, &token) < 0) {
        fprintf(stderr, "smtpwarden domain: cannot compute the token (SHA-256 failed)\n");
        rc = 2;
    } else if (strcmp(a.action, "token") == 0) {
        printf("%s. IN TXT \"%s\"\n", name.data, token.data);
        rc = 0;
    } else {
        rc = domain_verify(&a, name.data, token.data);
    }
    buf_release(&token);
    buf_release(&name);
    return rc;
}
