/*
 * smtp_auth - the server side of AUTH PLAIN and AUTH LOGIN (RFC 4954, 4616): the 334
 * exchange, base64, and the hand-over to hooks->auth. Passwords live only in stack buffers
 * that are wiped once the hook returns.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_server_int.h"
#include "util/base64.h"

/* the largest decoded response: an RFC 4954 line of 12288 octets */
#define SMTP_AUTH_DECODED_MAX (SMTP_AUTH_LINE_MAX / 4 * 3 + 4)

/* smtp_auth_b64_decode - strict base64 (padding required); "=" alone is the empty string */
int
smtp_auth_b64_decode(const char *in, size_t len, char *out, size_t outmax, size_t *outlen)
{
    size_t o = 0;

    *outlen = 0;
    if (len == 1 && in[0] == '=') {
        if (outmax > 0)
            out[0] = '\0';
        return outmax > 0 ? 0 : -1;
    }
    if (len == 0 || len % 4 != 0 || len / 4 * 3 >= outmax)
        return -1;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + (size_t)k];
            if (c == '=' && i + 4 == len && k >= 2) {
                pad++;
                v[k] = 0;
                continue;
            }
            if (pad > 0 || (v[k] = base64_digit(c)) < 0)
                return -1;
        }
        unsigned triple =
            (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        out[o++] = (char)(triple >> 16);
        if (pad < 2)
            out[o++] = (char)(triple >> 8 & 0xff);
        if (pad < 1)
            out[o++] = (char)(triple & 0xff);
    }
    out[o] = '\0';
    *outlen = o;
    return 0;
}

/* smtp_auth_wipe - forget the exchange's identities */
void
smtp_auth_wipe(struct smtp_server *s)
{
    explicit_bzero(s->auth_user, sizeof s->auth_user);
    explicit_bzero(s->auth_authzid, sizeof s->auth_authzid);
    s->auth_step = SMTP_AUTH_NONE;
}

/* smtp_auth_finish - leave the exchange without a verdict (cancelled or malformed) */
static void
smtp_auth_abort(struct smtp_server *s, int code, const char *enh, const char *text)
{
    smtp_auth_wipe(s);
    smtp_server_enter(s, s->auth_return);
    smtp_server_error(s, code, enh, text);
}

/* smtp_auth_submit - hand the credentials to the hook; the password is wiped by the caller */
static void
smtp_auth_submit(struct smtp_server *s, const char *password)
{
    struct smtp_auth_request req = {
        .mech = s->auth_mech,
        .authzid = s->auth_authzid,
        .user = s->auth_user,
        .password = password,
    };

    s->auth_step = SMTP_AUTH_NONE;
    smtp_server_ask(s, SMTP_PEND_AUTH, SMTP_VERB_AUTH);
    s->hooks.auth(s->ctx, &req);
}

/* smtp_auth_copy - copy a decoded identity; -1 when too long or empty */
static int
smtp_auth_copy(char *dst, size_t dstsize, const char *src, size_t len, bool allow_empty)
{
    if (len >= dstsize || (len == 0 && !allow_empty) || memchr(src, '\0', len) != NULL)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

/* smtp_auth_plain - RFC 4616 message: [authzid] NUL authcid NUL passwd */
static void
smtp_auth_plain(struct smtp_server *s, const char *b64, size_t len)
{
    char dec[SMTP_AUTH_DECODED_MAX];
    size_t n;
    const char *nul1, *nul2;

    if (smtp_auth_b64_decode(b64, len, dec, sizeof dec, &n) < 0) {
        smtp_auth_abort(s, 501, "5.5.2", "Error: invalid base64 data");
        goto out_wipe;
    }
    nul1 = memchr(dec, '\0', n);
    nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', n - (size_t)(nul1 + 1 - dec)) : NULL;
    if (nul2 == NULL || memchr(nul2 + 1, '\0', n - (size_t)(nul2 + 1 - dec)) != NULL ||
        smtp_auth_copy(s->auth_authzid, sizeof s->auth_authzid, dec, (size_t)(nul1 - dec), true) <
            0 ||
        smtp_auth_copy(s->auth_user, sizeof s->auth_user, nul1 + 1, (size_t)(nul2 - nul1 - 1),
                       false) < 0) {
        smtp_auth_abort(s, 501, "5.5.2", "Error: invalid AUTH PLAIN response");
        goto out_wipe;
    }
    smtp_auth_submit(s, nul2 + 1);
out_wipe:
    explicit_bzero(dec, sizeof dec);
}

/* smtp_auth_challenge - send a 334 and wait for the next response line */
static void
smtp_auth_challenge(struct smtp_server *s, enum smtp_auth_step step, const char *b64)
{
    s->auth_step = step;
    smtp_server_enter(s, SMTP_STATE_AUTH);
    smtp_server_reply(s, 334, NULL, b64);
}

/* smtp_auth_login_user - the AUTH LOGIN user name */
static void
smtp_auth_login_user(struct smtp_server *s, const char *b64, size_t len)
{
    char dec[SMTP_AUTH_DECODED_MAX];
    size_t n;

    if (smtp_auth_b64_decode(b64, len, dec, sizeof dec, &n) < 0 ||
        smtp_auth_copy(s->auth_user, sizeof s->auth_user, dec, n, false) < 0)
        smtp_auth_abort(s, 501, "5.5.2", "Error: invalid base64 data");
    else
        smtp_auth_challenge(s, SMTP_AUTH_LOGIN_PASS, "UGFzc3dvcmQ6");
    explicit_bzero(dec, sizeof dec);
}

/* smtp_auth_login_pass - the AUTH LOGIN password */
static void
smtp_auth_login_pass(struct smtp_server *s, const char *b64, size_t len)
{
    char dec[SMTP_AUTH_DECODED_MAX];
    size_t n;

    if (smtp_auth_b64_decode(b64, len, dec, sizeof dec, &n) < 0 || memchr(dec, '\0', n) != NULL)
        smtp_auth_abort(s, 501, "5.5.2", "Error: invalid base64 data");
    else
        smtp_auth_submit(s, dec);
    explicit_bzero(dec, sizeof dec);
}

/* smtp_auth_refused - why AUTH cannot start now, or NULL */
static const char *
smtp_auth_refused(struct smtp_server *s, int *code, const char **enh)
{
    *code = 503;
    *enh = "5.5.1";
    if (!s->cfg.auth || s->hooks.auth == NULL) {
        *code = 502;
        return "Error: authentication not enabled";
    }
    if (s->cfg.auth_requires_tls && !s->info.tls) {
        *code = 530;
        *enh = "5.7.0";
        return "Must issue a STARTTLS command first";
    }
    if (s->state == SMTP_STATE_INIT || !s->info.esmtp)
        return "Error: send EHLO first";
    if (s->info.auth_user[0] != '\0')
        return "Error: already authenticated";
    if (s->state != SMTP_STATE_READY)
        return "Error: MAIL transaction in progress";
    return NULL;
}

/* smtp_auth_start - the AUTH command: mechanism and optional initial response */
void
smtp_auth_start(struct smtp_server *s, const char *args, size_t len)
{
    const char *sp = memchr(args, ' ', len), *why, *enh, *ir = NULL;
    size_t mlen = sp != NULL ? (size_t)(sp - args) : len, irlen = 0;
    int code;

    if ((why = smtp_auth_refused(s, &code, &enh)) != NULL) {
        smtp_server_error(s, code, enh, why);
        return;
    }
    if (mlen == 0) {
        smtp_server_error(s, 501, "5.5.4", "Syntax: AUTH mechanism");
        return;
    }
    if (sp != NULL) {
        ir = sp + 1;
        irlen = len - mlen - 1;
    }
    s->auth_return = s->state;
    if (mlen == 5 && strncasecmp(args, "PLAIN", 5) == 0) {
        snprintf(s->auth_mech, sizeof s->auth_mech, "PLAIN");
        if (ir != NULL)
            smtp_auth_plain(s, ir, irlen);
        else
            smtp_auth_challenge(s, SMTP_AUTH_PLAIN_WAIT, "");
    } else if (mlen == 5 && strncasecmp(args, "LOGIN", 5) == 0) {
        snprintf(s->auth_mech, sizeof s->auth_mech, "LOGIN");
        if (ir != NULL)
            smtp_auth_login_user(s, ir, irlen);
        else
            smtp_auth_challenge(s, SMTP_AUTH_LOGIN_USER, "VXNlcm5hbWU6");
    } else {
        smtp_server_error(s, 504, "5.5.4", "Unrecognized authentication type");
    }
}

/* smtp_auth_line - one response line inside the exchange */
void
smtp_auth_line(struct smtp_server *s, const char *line, size_t len)
{
    enum smtp_auth_step step = s->auth_step;

    s->asked = false;
    if (len == 1 && line[0] == '*') {
        smtp_auth_abort(s, 501, "5.0.0", "Authentication cancelled");
    } else if (step == SMTP_AUTH_PLAIN_WAIT) {
        smtp_auth_plain(s, line, len);
    } else if (step == SMTP_AUTH_LOGIN_USER) {
        smtp_auth_login_user(s, line, len);
    } else if (step == SMTP_AUTH_LOGIN_PASS) {
        smtp_auth_login_pass(s, line, len);
    } else {
        smtp_auth_abort(s, 503, "5.5.1", "Error: no AUTH exchange in progress");
    }
    if (!s->asked)
        smtp_server_check_group(s, SMTP_VERB_AUTH, true);
}

/* smtp_auth_decided - the owner's verdict on the credentials */
void
smtp_auth_decided(struct smtp_server *s, const struct smtp_reply *r)
{
    smtp_server_enter(s, s->auth_return);
    if (r == NULL || smtp_reply_is_positive(r)) {
        snprintf(s->info.auth_user, sizeof s->info.auth_user, "%s", s->auth_user);
        snprintf(s->info.auth_mech, sizeof s->info.auth_mech, "%s", s->auth_mech);
        if (r != NULL)
            smtp_server_reply_r(s, r);
        else
            smtp_server_reply(s, 235, "2.7.0", "Authentication successful");
    } else {
        smtp_server_error_r(s, r);
    }
    smtp_auth_wipe(s);
    smtp_server_check_group(s, SMTP_VERB_AUTH, true);
}
