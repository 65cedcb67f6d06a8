/*
 * content_infostealer - the message shapes infostealers mail out (../shared/REFERENCE.md,
 * "Infostealer exfiltration over SMTP"): Agent Tesla's `PW_user/host` subjects, Snake
 * Keylogger / VIP Recovery subjects and the `S--N--A--K--E` banner, attachments named like
 * stolen passwords, cookies, screenshots and keystroke logs, and a sender mailing itself.
 * The credential-dump and system-report bodies are DLP detectors (category infostealer).
 *
 * Each indicator is a finding of category "infostealer" (ids infostealer.subject,
 * infostealer.banner, infostealer.attachment_name, infostealer.self_addressed); weak ones
 * alone stay under the default rule's confidence, and two or more distinct indicators in one
 * message add infostealer.shape at confidence 90.
 *
 * Internal to src/content. Pure; one state per message.
 */
#ifndef SW_CONTENT_CONTENT_INFOSTEALER_H
#define SW_CONTENT_CONTENT_INFOSTEALER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/content_report.h"

struct content_infostealer {
    uint8_t carry[16]; /* the tail of the last text chunk, for a banner split across chunks */
    size_t ncarry;
    bool banner;
    char banner_part[32];
};

void content_infostealer_reset(struct content_infostealer *is);
/* content_infostealer_text - look at body text of part */
void content_infostealer_text(struct content_infostealer *is, const char *part, const uint8_t *text,
                              size_t len);
/* content_infostealer_finish - judge the whole message (subject, addresses, attachments in
 * the report so far) and add its findings to b */
void content_infostealer_finish(struct content_infostealer *is, struct content_report_builder *b);

#endif
