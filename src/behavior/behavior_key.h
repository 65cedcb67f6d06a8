/*
 * behavior_key - what the behaviour engine counts by: key kinds, measures, first-seen relations,
 * their stable names, and key normalisation.
 *
 * A key is (kind, text). Text is normalised before it is counted: ASCII lower case, at most
 * BEHAVIOR_KEY_MAX bytes (longer text is cut; two keys that share their first 255 bytes count
 * together, which only merges, never splits, a sender's traffic). Pure; no allocation.
 */
#ifndef SW_BEHAVIOR_KEY_H
#define SW_BEHAVIOR_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BEHAVIOR_KEY_MAX 255

enum behavior_kind {
    BEHAVIOR_KIND_IDENTITY,
    BEHAVIOR_KIND_CLIENT,        /* client address (text form) */
    BEHAVIOR_KIND_AUTH_USER,     /* authenticated user */
    BEHAVIOR_KIND_SENDER,        /* envelope sender address */
    BEHAVIOR_KIND_SENDER_DOMAIN, /* domain of the envelope sender */
    BEHAVIOR_KIND_RCPT_DOMAIN,   /* each distinct recipient domain of a transaction */
    BEHAVIOR_KIND_DEST_SERVER,   /* destination mail server (sensor: the server spoken to) */
    BEHAVIOR_KIND_TENANT,        /* Microsoft 365 tenant id */
    BEHAVIOR_KINDS
};

enum behavior_measure {
    BEHAVIOR_MEASURE_MESSAGES,
    BEHAVIOR_MEASURE_RECIPIENTS,
    BEHAVIOR_MEASURE_BYTES,
    BEHAVIOR_MEASURES
};

/* First-seen relations: "subject has never before been seen with value". */
enum behavior_relation {
    BEHAVIOR_REL_HOST_DEST,      /* a new destination mail server for a host */
    BEHAVIOR_REL_IDENTITY_RCPT,  /* a new recipient domain for an identity */
    BEHAVIOR_REL_HOST_AUTH_USER, /* a new AUTH user name from a host */
    BEHAVIOR_REL_SMTP_HOST,      /* a host never seen speaking SMTP (subject is "") */
    BEHAVIOR_RELATIONS
};

/* Counts of one observation or one window, one per measure. */
struct behavior_counts {
    uint64_t v[BEHAVIOR_MEASURES];
};

/* A normalised key. */
struct behavior_key {
    enum behavior_kind kind;
    size_t len;
    char text[BEHAVIOR_KEY_MAX + 1];
};

/* behavior_kind_name - "identity", "client", ...; "?" out of range */
const char *behavior_kind_name(enum behavior_kind k);
/* behavior_kind_parse - the kind named by name (as behavior_kind_name gives it); -1 if none */
int behavior_kind_parse(const char *name);
const char *behavior_measure_name(enum behavior_measure m);
/* behavior_measure_parse - "messages", "recipients", "bytes"; -1 if none */
int behavior_measure_parse(const char *name);
const char *behavior_relation_name(enum behavior_relation r);

/* behavior_key_set - normalise text (len bytes) into k; false when the result is empty */
bool behavior_key_set(struct behavior_key *k, enum behavior_kind kind, const char *text,
                      size_t len);
/* behavior_domain_of - the domain part of an address (after the last '@'), or NULL; *len set */
const char *behavior_domain_of(const char *addr, size_t *len);

#endif
