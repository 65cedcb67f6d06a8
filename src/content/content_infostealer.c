/*
 * content_infostealer - infostealer message shapes; see content_infostealer.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "content/content_infostealer.h"

#define BANNER "S--N--A--K--E"
#define CATEGORY "infostealer"

void
content_infostealer_reset(struct content_infostealer *is)
{
    memset(is, 0, sizeof *is);
}

/* has_banner - BANNER in s: found from its rare capital K with memchr, which is several times
 * faster than memmem on mail text (this runs on every byte of every text) */
static bool
has_banner(const uint8_t *s, size_t n)
{
    static const size_t k_at = 9; /* BANNER[9] == 'K' */
    const size_t blen = sizeof BANNER - 1;
    const uint8_t *p = s + k_at, *end = s + n;

    if (n < blen)
        return false;
    while (p < end && (p = memchr(p, 'K', (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) >= blen - k_at && memcmp(p - k_at, BANNER, blen) == 0)
            return true;
        p++;
    }
    return false;
}

void
content_infostealer_text(struct content_infostealer *is, const char *part, const uint8_t *text,
                         size_t len)
{
    size_t blen = sizeof BANNER - 1;
    uint8_t joint[2 * sizeof is->carry];

    if (is->banner || len == 0)
        return;
    /* the banner across the previous chunk's tail and this chunk's head */
    size_t head = len < blen - 1 ? len : blen - 1;
    memcpy(joint, is->carry, is->ncarry);
    memcpy(joint + is->ncarry, text, head);
    if (has_banner(joint, is->ncarry + head) || has_banner(text, len)) {
        is->banner = true;
        snprintf(is->banner_part, sizeof is->banner_part, "%s", part);
        return;
    }
    /* keep the last blen - 1 bytes of all the text so far */
    if (len >= blen - 1) {
        memcpy(is->carry, text + len - (blen - 1), blen - 1);
        is->ncarry = blen - 1;
        return;
    }
    if (is->ncarry + len > blen - 1) {
        size_t drop = is->ncarry + len - (blen - 1);
        memmove(is->carry, is->carry + drop, is->ncarry - drop);
        is->ncarry -= drop;
    }
    memcpy(is->carry + is->ncarry, text, len);
    is->ncarry += len;
}

/* contains_ci - needle (lower case ASCII) in hay, ignoring ASCII case */
static bool
contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (const char *p = hay; *p != '\0'; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

/* agent_tesla_subject - "PW_user/host", also KL_, SC_, CO_ (keystrokes, screenshots,
 * cookies): two letters, '_', a name without spaces, '/', a host name */
static bool
agent_tesla_subject(const char *s)
{
    static const char *const prefixes[] = {"PW_", "KL_", "SC_", "CO_"};

    while (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strncmp(s, prefixes[i], 3) != 0)
            continue;
        const char *slash = strchr(s + 3, '/');
        if (slash == NULL || slash == s + 3 || slash[1] == '\0')
            return false;
        for (const char *p = s + 3; *p != '\0'; p++)
            if (*p == ' ' || *p == '\t')
                return false;
        return true;
    }
    return false;
}

/* subject_indicator - confidence of the subject as an infostealer's, 0 when it is not */
static int
subject_indicator(const char *subject)
{
    if (agent_tesla_subject(subject))
        return 85;
    if (contains_ci(subject, "vip recovery") || contains_ci(subject, "snake keylogger"))
        return 85;
    if (contains_ci(subject, "pc name:") || contains_ci(subject, "pc name -") ||
        contains_ci(subject, "passwords recovered"))
        return 75;
    if (contains_ci(subject, "pc name"))
        return 55;
    return 0;
}

/* name_indicator - an attachment named like stolen data; 0 when not */
static int
name_indicator(const char *name)
{
    static const char *const strong[] = {"passwords.txt", "password.txt", "cookies.txt",
                                         "keylog",        "keystrokes",   "browser_passwords",
                                         "logins.json",   "key4.db",      "wallet.dat"};
    static const char *const weak[] = {"cookies",     "passwords",   "screenshot",
                                       "screen_shot", "credentials", "clipboard"};

    for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++)
        if (contains_ci(name, strong[i]))
            return 65;
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++)
        if (contains_ci(name, weak[i]))
            return 45;
    return 0;
}

/* add - one infostealer value */
static void
add(struct content_report_builder *b, const char *id, const char *desc, int conf, const char *part,
    const char *loc, const char *sample)
{
    struct content_value v = {.detector = id,
                              .category = CATEGORY,
                              .description = desc,
                              .confidence = conf,
                              .redacted = sample};

    content_report_add_value(b, part, loc, &v);
}

/* is_own_indicator - one of this file's finding ids (the rest of the category are the DLP
 * engine's dump detectors) */
static bool
is_own_indicator(const char *id)
{
    static const char *const own[] = {"infostealer.subject", "infostealer.banner",
                                      "infostealer.attachment_name", "infostealer.self_addressed",
                                      "infostealer.shape"};

    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(own[i], id) == 0)
            return true;
    return false;
}

/* self_addressed - From is the only To */
static bool
self_addressed(const struct content_report *r)
{
    return r->from[0] != '\0' && strcmp(r->from, r->to) == 0;
}

void
content_infostealer_finish(struct content_infostealer *is, struct content_report_builder *b)
{
    struct content_report *r = content_report_get(b);
    unsigned kinds = 0;
    int conf;

    if ((conf = subject_indicator(r->subject)) > 0) {
        add(b, "infostealer.subject", "subject of an infostealer's report", conf, "0", "subject",
            r->subject);
        kinds++;
    }
    if (is->banner) {
        add(b, "infostealer.banner", "Snake Keylogger banner S--N--A--K--E", 90, is->banner_part,
            "body", BANNER);
        kinds++;
    }
    bool named = false;
    for (size_t i = 0; i < r->nattachments; i++) {
        const struct content_attachment *a = &r->attachments[i];
        const char *name = a->depth == 0 ? a->name : a->path;
        if ((conf = name_indicator(name)) > 0) {
            add(b, "infostealer.attachment_name", "attachment named like stolen data", conf,
                a->part, a->path, name);
            named = true;
        }
    }
    kinds += named;
    if (self_addressed(r)) {
        add(b, "infostealer.self_addressed", "the sender mails itself", 40, "0", "headers",
            r->from);
        kinds++;
    }
    /* the DLP dump detectors count as an indicator too */
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i].category, CATEGORY) == 0 &&
            !is_own_indicator(r->findings[i].detector)) {
            kinds++;
            break;
        }
    if (kinds >= 2)
        add(b, "infostealer.shape", "several infostealer indicators in one message", 90, "0",
            "message", "");
}
