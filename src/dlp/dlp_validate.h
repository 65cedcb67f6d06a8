/*
 * dlp_validate - validators and redaction for the DLP detectors' candidates.
 *
 * Each dlp_check_*() takes a candidate exactly as a pattern matched it (separators and all, no
 * surrounding text) and decides whether it is the thing it looks like. It returns true and
 * fills `out` when it is: a confidence 0-100 for the value alone (context words are added by
 * the engine), the normalised value's length, and a redacted form safe to log. It returns
 * false when the value fails the rules (a card failing Luhn, an SSN with area 666, a date that
 * does not exist). Rules and published vectors: ../shared/REFERENCE.md "Sensitive-data
 * validators"; each check cites its source in the .c.
 *
 * Redaction keeps only what an analyst needs to tell two findings apart: card
 * `**** **** **** 1234`, RRN `900101-1******`, IBAN the country and last 4
 * (`DE******************3000`), SSN `***-**-6789`, secrets the
 * first 4 characters and the length (`AKIA…(20)`), other ids the first 2 and last 2 with the
 * rest masked. The redacted text is ASCII or UTF-8, at most DLP_REDACTED_MAX - 1 bytes.
 *
 * Pure: no allocation, no globals, re-entrant.
 */
#ifndef SW_DLP_DLP_VALIDATE_H
#define SW_DLP_DLP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DLP_REDACTED_MAX 96

struct dlp_check {
    int confidence; /* 0-100 from the value alone */
    char redacted[DLP_REDACTED_MAX];
    char detail[32]; /* e.g. card brand "visa", IBAN country "DE", "no_checksum" for a
                        post-2020 RRN; "" when none */
};

/* payment card: 13-19 digits, single spaces/dashes between groups, brand prefix, Luhn */
bool dlp_check_card(const uint8_t *s, size_t n, struct dlp_check *out);
/* IBAN: country length table, mod 97 == 1; spaces between groups of 4 allowed */
bool dlp_check_iban(const uint8_t *s, size_t n, struct dlp_check *out);
/* US SSN AAA-GG-SSSS (also with spaces or none): area/group/serial rules, known fakes */
bool dlp_check_ssn(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean resident registration number, YYMMDD then gender digit G and 6 digits (dash between
 * date and G optional): date, G 1-4 or 9/0,
 * checksum raises confidence, its failure only lowers it (numbers from 2020-10 have none) */
bool dlp_check_kr_rrn(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean foreigner registration number: as the RRN with G 5-8 */
bool dlp_check_kr_frn(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean business registration number AAA-BB-CCCCC with its checksum */
bool dlp_check_kr_brn(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean passport [MSROD]ddd[A-Z]dddd or [MSROD]dddddddd */
bool dlp_check_kr_passport(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean driver licence dd-dd-dddddd-dd, region code 11-28 (or the old region names) */
bool dlp_check_kr_driver(const uint8_t *s, size_t n, struct dlp_check *out);
/* Korean phone: mobile 01[016789]-ddd(d)-dddd, area codes 02, 0[3-6][1-5], +82 forms */
bool dlp_check_kr_phone(const uint8_t *s, size_t n, struct dlp_check *out);
/* JWT: three base64url segments, the first two decode to JSON objects ({"alg"...}) */
bool dlp_check_jwt(const uint8_t *s, size_t n, struct dlp_check *out);
/* a token of a known shape (AWS, GitHub, Slack, Stripe, Google, OpenAI): character set and
 * length already matched by the pattern; rejects runs of one character and low entropy */
bool dlp_check_token(const uint8_t *s, size_t n, struct dlp_check *out);
/* generic secret value after a keyword: length >= 16 and Shannon entropy >= 3.5 bits/char,
 * at least two character classes; not a word, path, URL or hex-only run under 32 chars */
bool dlp_check_secret(const uint8_t *s, size_t n, struct dlp_check *out);
/* PEM private key block header: redaction is the block's first line */
bool dlp_check_private_key(const uint8_t *s, size_t n, struct dlp_check *out);

/* dlp_luhn_ok - Luhn over the digits of s (other bytes ignored) */
bool dlp_luhn_ok(const uint8_t *s, size_t n);
/* dlp_entropy - Shannon entropy in bits per byte */
double dlp_entropy(const uint8_t *s, size_t n);
/* dlp_redact_middle - first `keep_head` and last `keep_tail` characters kept, the rest '*' */
void dlp_redact_middle(const uint8_t *s, size_t n, size_t keep_head, size_t keep_tail,
                       char out[DLP_REDACTED_MAX]);

#endif
