/* behavior_key - key kinds, measures, relations and key normalisation. */
#include "behavior/behavior_key.h"

#include <string.h>

static const char *const kind_names[BEHAVIOR_KINDS] = {
    "identity",      "client",      "auth_user",   "sender",
    "sender_domain", "rcpt_domain", "dest_server", "tenant",
};

static const char *const measure_names[BEHAVIOR_MEASURES] = {"messages", "recipients", "bytes"};

static const char *const relation_names[BEHAVIOR_RELATIONS] = {
    "host_dest_server", "identity_rcpt_domain", "host_auth_user", "smtp_host"};

const char *
behavior_kind_name(enum behavior_kind k)
{
    return (unsigned)k < BEHAVIOR_KINDS ? kind_names[k] : "?";
}

int
behavior_kind_parse(const char *name)
{
    for (int i = 0; i < BEHAVIOR_KINDS; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *
behavior_measure_name(enum behavior_measure m)
{
    return (unsigned)m < BEHAVIOR_MEASURES ? measure_names[m] : "?";
}

int
behavior_measure_parse(const char *name)
{
    for (int i = 0; i < BEHAVIOR_MEASURES; i++)
        if (strcmp(name, measure_names[i]) == 0)
            return i;
    return -1;
}

const char *
behavior_relation_name(enum behavior_relation r)
{
    return (unsigned)r < BEHAVIOR_RELATIONS ? relation_names[r] : "?";
}

/* behavior_key_set - lower-case and cut text into k */
bool
behavior_key_set(struct behavior_key *k, enum behavior_kind kind, const char *text, size_t len)
{
    if (len > BEHAVIOR_KEY_MAX)
        len = BEHAVIOR_KEY_MAX;
    k->kind = kind;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        k->text[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    k->text[len] = '\0';
    k->len = len;
    return len > 0;
}

const char *
behavior_domain_of(const char *addr, size_t *len)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;

    if (at == NULL || at[1] == '\0')
        return NULL;
    *len = strlen(at + 1);
    return at + 1;
}
