/* fuzz_mime_address - mime_address_parse on any bytes: every string is clean UTF-8 without
 * control characters, nothing broken looks owned, groups stay in range, and a clean address
 * parses back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_address.h"
#include "mime/mime_encword.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_text - the string is valid UTF-8 with no control character */
static void
check_text(const char *s)
{
    struct buf b;
    unsigned flags = 0;

    buf_init(&b, 0);
    mime_encword_utf8_clean(s, strlen(s), &b, &flags);
    if (flags & (MIME_ENCWORD_BAD_UTF8 | MIME_ENCWORD_CTL))
        __builtin_trap();
    buf_release(&b);
}

/* check_round_trip - a clean address, parsed again, is the same clean address */
static void
check_round_trip(const struct mime_address *a)
{
    struct mime_address_list *l = mime_address_parse(a->addr, strlen(a->addr), NULL);
    const struct mime_address *b = mime_address_list_get(l, 0);

    if (!mime_address_list_is_single_clean(l) || strcmp(a->addr_lc, b->addr_lc) != 0 ||
        strcmp(a->domain_lc, b->domain_lc) != 0)
        __builtin_trap();
    mime_address_list_free(l);
}

/* check_address - invariants of one address */
static void
check_address(const struct mime_address_list *l, const struct mime_address *a)
{
    check_text(a->display);
    check_text(a->comment);
    check_text(a->addr);
    for (size_t i = 0; i < a->n_display_addrs; i++)
        if (strchr(a->display_addrs[i], '@') == NULL)
            __builtin_trap();
    if ((a->flags & (MIME_ADDR_INVALID | MIME_ADDR_NO_AT)) && a->domain_lc[0] != '\0')
        __builtin_trap();
    if (a->group != MIME_ADDRESS_NO_GROUP &&
        (a->group >= mime_address_list_group_count(l) ||
         a->group_name != mime_address_list_group(l, a->group)->name))
        __builtin_trap();
    if (a->group == MIME_ADDRESS_NO_GROUP && a->group_name != NULL)
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mime_address_list *l = mime_address_parse((const char *)data, size, NULL);
    size_t n = mime_address_list_count(l);

    for (size_t i = 0; i < n; i++)
        check_address(l, mime_address_list_get(l, i));
    for (size_t i = 0; i < mime_address_list_group_count(l); i++) {
        const struct mime_address_group *g = mime_address_list_group(l, i);
        if (g->first + g->count > n)
            __builtin_trap();
        check_text(g->name);
    }
    if (mime_address_list_is_single_clean(l)) {
        const struct mime_address *a = mime_address_list_get(l, 0);
        if (a->local[0] == '\0' || a->domain_lc[0] == '\0' || strchr(a->addr, '@') == NULL)
            __builtin_trap();
        check_round_trip(a);
    }
    if (n == 0 && !(mime_address_list_flags(l) & MIME_ADDRLIST_UNPARSABLE))
        __builtin_trap();
    mime_address_list_free(l);
    return 0;
}
