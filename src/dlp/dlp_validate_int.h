/*
 * dlp_validate_int - helpers shared by the dlp_validate*.c files (digit groups, result
 * filling). Not part of the dlp API: only the validators include it.
 */
#ifndef SW_DLP_DLP_VALIDATE_INT_H
#define SW_DLP_DLP_VALIDATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlp/dlp_validate.h"

#define DLP_V_MAX_DIGITS 40
#define DLP_V_MAX_GROUPS 12

/* a candidate cut into digit groups: "4111 1111-..." is refused, "4111 1111 ..." is not */
struct dlp_v_groups {
    uint8_t digit[DLP_V_MAX_DIGITS]; /* values 0-9 */
    size_t ndigits;
    size_t glen[DLP_V_MAX_GROUPS];
    size_t ngroups;
    char sep; /* the one separator used, '\0' when none */
};

/* dlp_v_groups - digits separated by single bytes from `seps`, all the same separator, none
 * leading or trailing; false for any other byte or more than the limits above */
bool dlp_v_groups(const uint8_t *s, size_t n, const char *seps, struct dlp_v_groups *g);
/* dlp_v_shape - the groups are exactly the `k` lengths in `lens` */
bool dlp_v_shape(const struct dlp_v_groups *g, const size_t *lens, size_t k);
/* dlp_v_number - the value of digits [from, from + len) */
unsigned dlp_v_number(const struct dlp_v_groups *g, size_t from, size_t len);
/* dlp_v_begin - clear a result (out may be a caller's scratch); returns out */
struct dlp_check *dlp_v_begin(struct dlp_check *out);
/* dlp_v_accept - set confidence and detail ("" or NULL for none); returns true */
bool dlp_v_accept(struct dlp_check *out, int confidence, const char *detail);
/* dlp_v_reject - clear the result again; returns false */
bool dlp_v_reject(struct dlp_check *out);
/* dlp_v_date_ok - a real calendar date (Gregorian leap years) */
bool dlp_v_date_ok(unsigned year, unsigned month, unsigned day);

#endif
