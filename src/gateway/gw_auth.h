/*
 * gw_auth - SASL PLAIN/LOGIN credentials for the gateway: a users file of `name:crypt-hash`
 * lines (yescrypt, SHA-512, anything libcrypt knows; '#' comments), and a per-client-address
 * limiter of authentication failures.
 *
 * gw_users_verify() runs crypt(3), which is deliberately slow (milliseconds); an unknown user
 * costs the same as a wrong password so the answer time does not reveal which names exist.
 * The limiter is a fixed-size table (oldest entries replaced), so a flood of addresses cannot
 * grow memory. Per worker; not thread-safe.
 */
#ifndef SW_GATEWAY_GW_AUTH_H
#define SW_GATEWAY_GW_AUTH_H

#include <stdbool.h>
#include <time.h>

#include "util/buf.h"
#include "util/cidr.h"

struct gw_users;

/* gw_users_load - NULL with a message naming the file and line in *err */
struct gw_users *gw_users_load(const char *path, struct buf *err);
struct gw_users *gw_users_free(struct gw_users *u);
bool gw_users_verify(const struct gw_users *u, const char *user, const char *password);

/* gw_hash_password - a new yescrypt hash of password into out; -1 on failure */
int gw_hash_password(const char *password, struct buf *out);

struct gw_auth_limiter;

struct gw_auth_limiter *gw_auth_limiter_new(unsigned max_failures, unsigned window_seconds);
struct gw_auth_limiter *gw_auth_limiter_free(struct gw_auth_limiter *l);
/* gw_auth_limiter_is_blocked - this address failed max_failures times within the window */
bool gw_auth_limiter_is_blocked(struct gw_auth_limiter *l, const struct ip_addr *a, time_t now);
void gw_auth_limiter_fail(struct gw_auth_limiter *l, const struct ip_addr *a, time_t now);

#endif
