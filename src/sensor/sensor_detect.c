/* sensor_detect - the passive sensor's detection rules over flows, AUTH events and records. */
#include "sensor/sensor_detect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Findings listed as one alert's evidence; a report past it still alerts with the first ones. */
#define MAX_EVIDENCE 64
/* An infostealer finding at this confidence is an alert on its own (the content engine's
 * default quarantine threshold); weaker ones (a self-addressed message) only add evidence. */
#define INFOSTEALER_CONFIDENCE 60

bool
sensor_detect_is_listed(const struct cidr_list *l, const struct ip_addr *a)
{
    return l != NULL && l->n > 0 && cidr_list_contains(l, a);
}

/* sensor_detect_flow - the server or the client is not where SMTP is expected */
void
sensor_detect_flow(const struct sensor_detect_cfg *cfg, const struct ip_addr *client,
                   const struct ip_addr *server, sensor_detect_emit emit, void *ctx)
{
    bool have_servers = cfg->mail_servers != NULL && cfg->mail_servers->n > 0;
    bool have_clients = cfg->mail_clients != NULL && cfg->mail_clients->n > 0;
    struct sensor_alert a = {.alert = "smtp.external_server"};

    if (!have_servers && !have_clients)
        return;
    if (sensor_detect_is_listed(cfg->mail_servers, client) ||
        sensor_detect_is_listed(cfg->mail_clients, client))
        return; /* a relay delivering out, or a host allowed to */
    if (have_servers && sensor_detect_is_listed(cfg->mail_servers, server))
        return; /* a client of the organisation's own servers */
    a.reason = have_servers ? "the server is not one of sensor.mail_servers and the client is "
                              "neither a mail server nor an allowed mail client"
                            : "the client is not one of sensor.mail_clients";
    emit(ctx, &a);
}

/* sensor_detect_auth - credentials in the clear */
void
sensor_detect_auth(const struct sensor_smtp_event *ev, sensor_detect_emit emit, void *ctx)
{
    struct sensor_alert a = {.alert = "auth.cleartext",
                             .reason = "AUTH credentials were sent without TLS"};

    if (ev->type == SENSOR_SMTP_EV_AUTH_CLEARTEXT)
        emit(ctx, &a);
}

/* rcpt_is_sender - the envelope sender is one of the recipients */
static bool
rcpt_is_sender(const struct sensor_smtp_record *r)
{
    if (r->mailfrom == NULL || r->mailfrom[0] == '\0')
        return false;
    for (size_t i = 0; i < r->nrcptto; i++)
        if (r->rcptto[i].addr != NULL && strcasecmp(r->rcptto[i].addr, r->mailfrom) == 0)
            return true;
    return false;
}

/* infostealer - the infostealer findings, when one of them is strong enough */
static void
infostealer(const struct content_report *c, sensor_detect_emit emit, void *ctx)
{
    size_t idx[MAX_EVIDENCE], n = 0;
    bool strong = false;

    for (size_t i = 0; i < c->nfindings; i++) {
        if (strcmp(c->findings[i].category, "infostealer") != 0)
            continue;
        strong |= c->findings[i].confidence >= INFOSTEALER_CONFIDENCE;
        if (n < MAX_EVIDENCE)
            idx[n++] = i;
    }
    if (!strong)
        return;
    struct sensor_alert a = {.alert = "exfil.infostealer",
                             .reason = "the message has the shape of an infostealer's report",
                             .content = c,
                             .findings = idx,
                             .nfindings = n};
    emit(ctx, &a);
}

/* dlp - one alert per category of findings, when the verdict is not accept */
static void
dlp(const struct content_report *c, sensor_detect_emit emit, void *ctx)
{
    char name[96];

    if (c->action == CONTENT_ACCEPT)
        return;
    for (size_t i = 0; i < c->nfindings; i++) {
        const char *cat = c->findings[i].category;
        size_t idx[MAX_EVIDENCE], n = 0;
        bool seen = strcmp(cat, "infostealer") == 0;

        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(c->findings[j].category, cat) == 0;
        if (seen)
            continue;
        for (size_t j = i; j < c->nfindings; j++)
            if (strcmp(c->findings[j].category, cat) == 0 && n < MAX_EVIDENCE)
                idx[n++] = j;
        snprintf(name, sizeof name, "dlp.%s", cat);
        struct sensor_alert a = {.alert = name,
                                 .reason = c->reason[0] != '\0' ? c->reason
                                                                : "sensitive data in a message",
                                 .content = c,
                                 .findings = idx,
                                 .nfindings = n};
        emit(ctx, &a);
    }
}

/* sensor_detect_record - what one transaction's message and envelope show */
void
sensor_detect_record(const struct sensor_detect_cfg *cfg, const struct ip_addr *client,
                     const struct sensor_smtp_record *r, sensor_detect_emit emit, void *ctx)
{
    if (r->content != NULL) {
        infostealer(r->content, emit, ctx);
        dlp(r->content, emit, ctx);
    }
    if (rcpt_is_sender(r) && !sensor_detect_is_listed(cfg->mail_servers, client)) {
        struct sensor_alert a = {.alert = "exfil.self_addressed",
                                 .reason = "the envelope sender is one of the recipients and "
                                           "the client is not a mail server"};
        emit(ctx, &a);
    }
}
