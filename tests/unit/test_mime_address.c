/* test_mime_address - address lists: the Stalwart and OpenDMARC vectors, display-name spoofing,
 * broken input, limits, folding, and the RFC 2047 decoder under them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_address.h"
#include "mime/mime_encword.h"
#include "mime/mime_header.h"
#include "util/buf.h"
#include "util/mem.h"

/* ---- helpers ---- */

/* parse_str - parse a NUL-terminated value with the default limits */
static struct mime_address_list *
parse_str(const char *value)
{
    return mime_address_parse(value, strlen(value), NULL);
}

/* shared_path - SW_SHARED_DIR/rel in b, false (and a skip message) when unset */
static bool
shared_path(struct buf *b, const char *rel)
{
    const char *dir = getenv("SW_SHARED_DIR");

    if (dir == NULL) {
        print_message("SW_SHARED_DIR is not set: skipping %s\n", rel);
        return false;
    }
    buf_printf(b, "%s/%s", dir, rel);
    return true;
}

/* stalwart_name - our display and comments in Stalwart's shape: "name (comments)" */
static void
stalwart_name(struct buf *b, const char *display, const char *comment)
{
    buf_reset(b);
    if (display[0] && comment[0])
        buf_printf(b, "%s (%s)", display, comment);
    else
        buf_append_str(b, display[0] ? display : comment);
}

/* ---- Stalwart mail-parser vectors (resources/address.json) ---- */

/*
 * Cases where we deliberately differ from Stalwart (index in address.json):
 *  9  `Pete(A nice \<fold> ) chap)`: after unfolding, `\ ` is a quoted space and the next ')'
 *     closes the comment, so " chap)" is phrase text and the last ')' is unbalanced (flagged).
 *     Stalwart reads it as case 8. We follow RFC 5322 3.2.2 unfolding.
 * 10  `(the end of the group)` after the group's ';' is a comment, not a mailbox: Stalwart
 *     invents an address-less entry in a nameless group; we drop the comment.
 * 11  `:(nobody(that I know))  ;` is an empty group with a comment; Stalwart invents an entry.
 * 13  the obs-route is reported in `route` (MIME_ADDR_ROUTE) and left out of addr, and
 *     `jdoe@test  . example` is the obs-domain test.example (MIME_ADDR_OBSOLETE): an address
 *     with spaces in it cannot be compared with anything.
 * 14  likewise `jdoe@machine(comment).  example` is jdoe@machine.example.
 * 37-47 are List-* URIs, not mailboxes: the text matches, but each is MIME_ADDR_INVALID or
 *     MIME_ADDR_NO_AT and the list MIME_ADDRLIST_UNPARSABLE (checked below).
 * 55  `<a@b.com> =?utf-8?q?Doe?=`: the text matches (the trailing words become the display
 *     name), but it is flagged MIME_ADDR_TRAILING / MIME_ADDRLIST_TRAILING_GARBAGE.
 */
struct flat_addr {
    const char *group; /* NULL outside a group */
    const char *name;  /* NULL for none */
    const char *addr;
};

struct stalwart_override {
    size_t index;
    size_t n;
    struct flat_addr addrs[4];
};

static const struct stalwart_override stalwart_overrides[] = {
    {9, 1, {{NULL, "Pete chap) (A nice    his account his host)", "pete@silly.test"}}},
    {10,
     3,
     {{"A Group (Some people)", "Chris Jones (Chris's host.)", "c@public.example"},
      {"A Group (Some people)", NULL, "joe@example.org"},
      {"A Group (Some people)", "John (my dear friend)", "jdoe@one.test"}}},
    {11, 0, {{NULL, NULL, NULL}}},
    {13, 2, {{NULL, "Mary Smith", "mary@example.net"}, {NULL, NULL, "jdoe@test.example"}}},
    {14, 1, {{NULL, "John Doe (comment)", "jdoe@machine.example"}}},
};

/* flatten_expected - Stalwart's List/Group shapes as (group, name, address) rows */
static size_t
flatten_expected(json_t *expected, struct flat_addr *out, size_t max)
{
    json_t *list = json_object_get(expected, "List");
    json_t *groups = json_object_get(expected, "Group");
    size_t n = 0, i, j;
    json_t *g, *a;

    json_array_foreach(list, i, a)
    {
        if (n < max)
            out[n++] = (struct flat_addr){NULL, json_string_value(json_object_get(a, "name")),
                                          json_string_value(json_object_get(a, "address"))};
    }
    json_array_foreach(groups, i, g)
    {
        json_array_foreach(json_object_get(g, "addresses"), j, a)
        {
            if (n < max)
                out[n++] = (struct flat_addr){json_string_value(json_object_get(g, "name")),
                                              json_string_value(json_object_get(a, "name")),
                                              json_string_value(json_object_get(a, "address"))};
        }
    }
    return n;
}

/* opt_eq - two optional strings are equal */
static bool
opt_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* check_flat - our list against expected rows; prints the first difference */
static bool
check_flat(size_t index, const struct mime_address_list *l, const struct flat_addr *exp, size_t n)
{
    struct buf name, gname;
    bool ok = mime_address_list_count(l) == n;

    buf_init(&name, 0);
    buf_init(&gname, 0);
    if (!ok)
        print_message("case %zu: %zu addresses, expected %zu\n", index, mime_address_list_count(l),
                      n);
    for (size_t i = 0; ok && i < n; i++) {
        const struct mime_address *a = mime_address_list_get(l, i);
        const struct mime_address_group *g = mime_address_list_group(l, a->group);
        stalwart_name(&name, a->display, a->comment);
        if (g)
            stalwart_name(&gname, g->name, g->comment);
        ok = opt_eq(name.len ? name.data : NULL, exp[i].name) && opt_eq(a->addr, exp[i].addr) &&
             opt_eq(g ? gname.data : NULL, exp[i].group);
        if (!ok)
            print_message("case %zu #%zu: got [%s] [%s] [%s], expected [%s] [%s] [%s]\n", index, i,
                          g ? gname.data : "(none)", name.data, a->addr,
                          exp[i].group ? exp[i].group : "(none)",
                          exp[i].name ? exp[i].name : "(none)", exp[i].addr);
    }
    buf_release(&name);
    buf_release(&gname);
    return ok;
}

/* parse_as_from - the value as it comes out of a From field: header parsing does the
 * unfolding and ends the field where an unfolded line end is */
static struct mime_address_list *
parse_as_from(const char *value)
{
    struct buf field;
    struct mime_headers *h;
    const struct mime_header_field *f;
    struct mime_address_list *l;

    buf_init(&field, 0);
    buf_printf(&field, "From:%s", value);
    h = mime_headers_parse(field.data, field.len, NULL);
    f = mime_headers_get(h, 0);
    assert_non_null(f);
    l = mime_address_parse(f->value, f->value_len, NULL);
    mime_headers_free(h);
    buf_release(&field);
    return l;
}

/* check_stalwart_flags - the deliberate flagging of cases 37-47 and 55 */
static void
check_stalwart_flags(size_t i, const struct mime_address_list *l)
{
    unsigned lf = mime_address_list_flags(l);

    if (i >= 37 && i <= 47) {
        assert_true(lf & MIME_ADDRLIST_UNPARSABLE);
        for (size_t k = 0; k < mime_address_list_count(l); k++)
            assert_true(mime_address_list_get(l, k)->flags & (MIME_ADDR_INVALID | MIME_ADDR_NO_AT));
    }
    if (i == 55)
        assert_true(lf & MIME_ADDRLIST_TRAILING_GARBAGE);
}

static void
test_stalwart_vectors(void **state)
{
    struct buf path;
    json_t *root = NULL;
    json_error_t err;
    size_t i, failed = 0, overridden = 0;
    json_t *c;

    buf_init(&path, 0);
    if (!shared_path(&path, "corpus/stalwart-mail-parser/address.json") ||
        (root = json_load_file(path.data, 0, &err)) == NULL) {
        print_message("skipping: cannot read %s\n", path.data);
        buf_release(&path);
        skip();
    }
    assert_int_equal(json_array_size(root), 60);
    json_array_foreach(root, i, c)
    {
        struct flat_addr exp[16];
        size_t n = flatten_expected(json_object_get(c, "expected"), exp, 16);
        struct mime_address_list *l =
            parse_as_from(json_string_value(json_object_get(c, "header")));
        for (size_t k = 0; k < sizeof stalwart_overrides / sizeof *stalwart_overrides; k++) {
            if (stalwart_overrides[k].index != i)
                continue;
            n = stalwart_overrides[k].n;
            memcpy(exp, stalwart_overrides[k].addrs, n * sizeof(*exp));
            overridden++;
        }
        if (!check_flat(i, l, exp, n))
            failed++;
        check_stalwart_flags(i, l);
        mime_address_list_free(l);
    }
    assert_int_equal(overridden, sizeof stalwart_overrides / sizeof *stalwart_overrides);
    assert_int_equal(failed, 0);
    json_decref(root);
    buf_release(&path);
}

/* Named groups of Stalwart's vectors, which the flattened rows cannot show when empty. */
static void
test_stalwart_groups(void **state)
{
    struct mime_address_list *l = parse_as_from("Undisclosed recipients:;\n");
    const struct mime_address_group *g = mime_address_list_group(l, 0);

    assert_int_equal(mime_address_list_group_count(l), 1);
    assert_string_equal(g->name, "Undisclosed recipients");
    assert_int_equal(g->count, 0);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_UNPARSABLE);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_GROUP);
    mime_address_list_free(l);

    l = parse_as_from("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\n");
    g = mime_address_list_group(l, 0);
    assert_string_equal(g->name, "Hidden recipients");
    assert_string_equal(g->comment, "Empty list start");
    assert_int_equal(mime_address_list_count(l), 0);
    mime_address_list_free(l);

    l = parse_as_from("x@y.example, Team: a@b.example;\n");
    assert_null(mime_address_list_get(l, 0)->group_name);
    assert_string_equal(mime_address_list_get(l, 1)->group_name, "Team");
    assert_int_equal(mime_address_list_get(l, 1)->group, 0);
    mime_address_list_free(l);
}

/* ---- OpenDMARC test_finddomain vectors ---- */

/*
 * OpenDMARC takes the first domain it can find. We find the same domain in every case, but
 * only the plain single mailboxes are clean (mime_address_list_is_single_clean): 2 and 12 put
 * a phrase before a bare addr-spec, 6 nests angle brackets, 7 and 8 hold two addresses, 9 and
 * 13 are read as groups ("Mail From" / "From" followed by ':'). RFC 7489 6.6.1 lets a
 * receiver reject such From fields; the identity policy does.
 */
static const bool dmarc_clean[14] = {
    [1] = true, [3] = true, [4] = true, [5] = true, [10] = true, [11] = true,
};

/* first_domain - domain_lc of the first address that has one, "" if none */
static const char *
first_domain(const struct mime_address_list *l)
{
    for (size_t i = 0; i < mime_address_list_count(l); i++)
        if (mime_address_list_get(l, i)->domain_lc[0])
            return mime_address_list_get(l, i)->domain_lc;
    return "";
}

static void
test_opendmarc_vectors(void **state)
{
    struct buf path;
    char line[1024];
    size_t cases = 0;
    FILE *fp = NULL;

    buf_init(&path, 0);
    if (!shared_path(&path, "corpus/opendmarc/from-domain-vectors.tsv") ||
        (fp = fopen(path.data, "r")) == NULL) {
        buf_release(&path);
        skip();
    }
    while (fgets(line, sizeof line, fp)) {
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        struct mime_address_list *l;
        unsigned long n;
        if (line[0] == '#' || tab2 == NULL)
            continue;
        *tab1 = *tab2 = '\0';
        tab2[strcspn(tab2 + 1, "\r\n") + 1] = '\0';
        n = strtoul(line, NULL, 10);
        assert_true(n > 0 && n < 14);
        l = parse_str(tab1 + 1);
        if (strcmp(first_domain(l), tab2 + 1) != 0)
            print_message("vector %lu: got %s\n", n, first_domain(l));
        assert_string_equal(first_domain(l), tab2 + 1);
        assert_int_equal(mime_address_list_is_single_clean(l), dmarc_clean[n]);
        mime_address_list_free(l);
        cases++;
    }
    fclose(fp);
    buf_release(&path);
    assert_int_equal(cases, 13);
}

/* ---- our own table: spoofing, broken input ---- */

struct sec_case {
    const char *value;
    size_t count;        /* addresses expected */
    const char *addr;    /* addr_lc of the first address, NULL to skip */
    unsigned list_flags; /* bits that must be set on the list */
    unsigned addr_flags; /* bits that must be set on the first address */
    const char *shown;   /* display_addrs[0] of the first address, NULL: none expected */
    bool clean;          /* mime_address_list_is_single_clean */
};

/* clang-format off */
static const struct sec_case sec_cases[] = {
    /* display-name spoofing: the address a reader sees is exposed */
    {"\"ceo@bank.example\" <x@elsewhere.example>", 1, "x@elsewhere.example",
     MIME_ADDRLIST_DISPLAY_HAS_ADDRESS, MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", true},
    {"=?utf-8?q?ceo=40bank.example?= <x@elsewhere.example>", 1, "x@elsewhere.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS | MIME_ADDR_ENCODED, "ceo@bank.example", true},
    {"=?UTF-8?B?Q0VPQEJhbmsuZXhhbXBsZQ==?= <x@elsewhere.example>", 1, "x@elsewhere.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS | MIME_ADDR_ENCODED, "ceo@bank.example", true},
    {"\"=?utf-8?q?ceo=40bank.example?=\" <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", true},
    {"=?utf-8?q?=22CEO=22_=3Cceo=40bank.example=3E?= <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", true},
    {"=?utf-8?q?ceo=40bank.example?=@e.example", 1, "=?utf-8?q?ceo=40bank.example?=@e.example",
     0, MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", true},
    {"=?utf-7?q?ceo+AEA-bank.example?= <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS | MIME_ADDR_ENCODED, "ceo@bank.example", true},
    {"x@e.example (ceo@bank.example)", 1, "x@e.example", 0, MIME_ADDR_DISPLAY_HAS_ADDRESS,
     "ceo@bank.example", true},
    {"CEO (ceo@bank.example) <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", true},
    {"ceo\xEF\xBC\xA0" "bank.example <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_HAS_ADDRESS | MIME_ADDR_DISPLAY_LOOKALIKE, "ceo@bank.example", true},
    {"\"ceo\xEF\xB9\xAB" "bank\xE3\x80\x82" "example\" <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_DISPLAY_LOOKALIKE, "ceo@bank.example", true},
    {"=?utf-8?q?=EF=BD=83=EF=BD=85=EF=BD=8F=EF=BC=A0bank.example?= <x@e.example>", 1,
     "x@e.example", 0, MIME_ADDR_DISPLAY_LOOKALIKE, "ceo@bank.example", true},
    {"\"bank.example\" <x@e.example>", 1, "x@e.example", 0, MIME_ADDR_DISPLAY_IS_DOMAIN, NULL,
     true},
    {"\"Bank.Example\" <x@e.example>", 1, "x@e.example", 0, MIME_ADDR_DISPLAY_IS_DOMAIN, NULL,
     true},
    {"\"ceo@bank.example\": x@e.example;", 1, "x@e.example", MIME_ADDRLIST_GROUP,
     MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", false},
    {"<x@e.example> ceo@bank.example", 1, "x@e.example", MIME_ADDRLIST_TRAILING_GARBAGE,
     MIME_ADDR_TRAILING | MIME_ADDR_DISPLAY_HAS_ADDRESS, "ceo@bank.example", false},
    {"=?utf-8?q?=E2=80=AEelpmaxe.knab=40oec?= <x@e.example>", 1, "x@e.example", 0,
     MIME_ADDR_CONTROL, "\xE2\x80\xAE" "elpmaxe.knab@oec", false},
    {"=?utf-8?q?CEO=0D=0AFrom=3A_ceo=40bank.example?= <x@e.example>", 1, "x@e.example",
     MIME_ADDRLIST_CONTROL, MIME_ADDR_CONTROL | MIME_ADDR_DISPLAY_HAS_ADDRESS,
     "ceo@bank.example", false},
    /* plain forms that are clean */
    {"John Doe <JDoe@Example.COM>", 1, "jdoe@example.com", 0, 0, NULL, true},
    {"jdoe@example.com", 1, "jdoe@example.com", 0, 0, NULL, true},
    {"\"john doe\"@example.com", 1, "\"john doe\"@example.com", 0, MIME_ADDR_QUOTED_LOCAL,
     NULL, true},
    {"\"x@y.example\"@evil.example", 1, "\"x@y.example\"@evil.example", 0,
     MIME_ADDR_QUOTED_LOCAL | MIME_ADDR_DISPLAY_HAS_ADDRESS, "x@y.example", true},
    {"x@[192.0.2.1]", 1, "x@[192.0.2.1]", 0, MIME_ADDR_DOMAIN_LITERAL, NULL, true},
    {"x@example.com.", 1, "x@example.com", 0, MIME_ADDR_TRAILING_DOT, NULL, true},
    {"<@relay.example,@b.example:x@example.com>", 1, "x@example.com", 0, MIME_ADDR_ROUTE,
     NULL, true},
    {"Jos\xC3\xA9 <jos\xC3\xA9@ex\xC3\xA4mple.com>", 1, "jos\xC3\xA9@ex\xC3\xA4mple.com", 0,
     MIME_ADDR_EIGHTBIT, NULL, true},
    {"(c) <x(c)@y.example(c)>(c)", 1, "x@y.example", 0, 0, NULL, true},
    {"x @ example . com", 1, "x@example.com", 0, MIME_ADDR_OBSOLETE, NULL, true},
    /* no address anyone could own */
    {"", 0, NULL, MIME_ADDRLIST_EMPTY | MIME_ADDRLIST_UNPARSABLE, 0, NULL, false},
    {"  (just a comment) ", 0, NULL, MIME_ADDRLIST_EMPTY | MIME_ADDRLIST_UNPARSABLE, 0, NULL,
     false},
    {"John Doe", 1, "john doe", MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    {"postmaster", 1, "postmaster", MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_NO_AT, NULL, false},
    {"<>", 1, "", MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_EMPTY_ANGLE, NULL, false},
    {"undisclosed-recipients:;", 0, NULL, MIME_ADDRLIST_UNPARSABLE | MIME_ADDRLIST_GROUP, 0,
     NULL, false},
    {"a@b@c.example", 1, "a@b@c.example", MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL,
     false},
    {"x@", 1, "x@", MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    {"@example.com", 1, NULL, MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    {"x@a..example", 1, NULL, MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    {"x@example.com junk", 1, NULL, MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    /* ambiguous: addresses exposed, never clean */
    {"<a@b.example> <c@d.example>", 2, "a@b.example", 0, MIME_ADDR_AMBIGUOUS, NULL, false},
    {"<a@b.example", 1, "a@b.example", MIME_ADDRLIST_UNBALANCED_ANGLE, MIME_ADDR_BAD_ANGLE,
     NULL, false},
    {"<<a@b.example>", 1, "a@b.example", MIME_ADDRLIST_UNBALANCED_ANGLE, MIME_ADDR_BAD_ANGLE,
     NULL, false},
    {"a@b.example>", 1, NULL, MIME_ADDRLIST_UNBALANCED_ANGLE, MIME_ADDR_INVALID, "a@b.example",
     false},
    {"<a@b.example, c@d.example", 1, NULL, MIME_ADDRLIST_UNBALANCED_ANGLE, MIME_ADDR_BAD_ANGLE,
     NULL, false},
    {"\"unclosed <a@b.example>", 1, NULL, MIME_ADDRLIST_UNBALANCED_QUOTE, 0, "a@b.example",
     false},
    {"(unclosed <a@b.example>", 0, NULL, MIME_ADDRLIST_UNBALANCED_COMMENT, 0, NULL, false},
    {"x@[192.0.2.1", 1, NULL, MIME_ADDRLIST_UNBALANCED_BRACKET, 0, NULL, false},
    {"Name x@b.example", 1, "x@b.example", 0, MIME_ADDR_PHRASE_NO_ANGLE, NULL, false},
    {"a@b.example, c@d.example", 2, "a@b.example", MIME_ADDRLIST_MULTIPLE, 0, NULL, false},
    {"team: a@b.example;", 1, "a@b.example", MIME_ADDRLIST_GROUP, 0, NULL, false},
    {"team: a@b.example", 1, "a@b.example", MIME_ADDRLIST_UNBALANCED_GROUP, 0, NULL, false},
    {"a@b.example;", 1, "a@b.example", MIME_ADDRLIST_UNBALANCED_GROUP, 0, NULL, false},
    {"a: b: c@d.example;;", 1, "c@d.example", MIME_ADDRLIST_UNBALANCED_GROUP, 0, NULL, false},
    {"Mail From:<joe@joe.com>", 1, "joe@joe.com", MIME_ADDRLIST_GROUP, 0, NULL, false},
    {"a\\@b.example", 1, NULL, MIME_ADDRLIST_UNPARSABLE, MIME_ADDR_INVALID, NULL, false},
    {"x@y.example\x01", 1, NULL, MIME_ADDRLIST_CONTROL, MIME_ADDR_INVALID, NULL, false},
    {"\"a\x7f\" <x@y.example>", 1, "x@y.example", MIME_ADDRLIST_CONTROL, MIME_ADDR_CONTROL,
     NULL, false},
    {"=?utf-8?q?a=00b?= <x@y.example>", 1, "x@y.example", 0, MIME_ADDR_CONTROL, NULL, false},
    {"\"\xff\xfe\" <x@y.example>", 1, "x@y.example", 0, MIME_ADDR_BAD_ENCODING, NULL, true},
    {"=?x-no-such-charset?q?a?= <x@y.example>", 1, "x@y.example", 0, MIME_ADDR_BAD_ENCODING,
     NULL, true},
    {"=?utf-8?b?#?= <x@y.example>", 1, "x@y.example", 0, MIME_ADDR_BAD_ENCODING, NULL, true},
};
/* clang-format on */

/* check_sec_case - one row of sec_cases */
static void
check_sec_case(size_t i, const struct sec_case *c, struct mime_address_list *l)
{
    const struct mime_address *a = mime_address_list_get(l, 0);
    unsigned lf = mime_address_list_flags(l);

    print_message("case %zu: %s\n", i, c->value);
    assert_int_equal(mime_address_list_count(l), c->count);
    assert_int_equal(lf & c->list_flags, c->list_flags);
    assert_int_equal(mime_address_list_is_single_clean(l), c->clean);
    if (a == NULL)
        return;
    if (c->addr)
        assert_string_equal(a->addr_lc, c->addr);
    assert_int_equal(a->flags & c->addr_flags, c->addr_flags);
    if (c->shown) {
        assert_true(a->n_display_addrs >= 1);
        assert_string_equal(a->display_addrs[0], c->shown);
        assert_true(a->flags & MIME_ADDR_DISPLAY_HAS_ADDRESS);
    } else {
        assert_int_equal(a->n_display_addrs, 0);
    }
    if (a->flags & (MIME_ADDR_INVALID | MIME_ADDR_NO_AT | MIME_ADDR_EMPTY_ANGLE)) {
        /* nothing here may look owned */
        assert_string_equal(a->domain_lc, "");
    }
}

static void
test_security_table(void **state)
{
    for (size_t i = 0; i < sizeof sec_cases / sizeof *sec_cases; i++) {
        struct mime_address_list *l = parse_str(sec_cases[i].value);
        check_sec_case(i, &sec_cases[i], l);
        mime_address_list_free(l);
    }
}

/* A NUL inside the value: what follows it is seen, and nothing comes out clean. */
static void
test_nul_bytes(void **state)
{
    static const char v1[] = "ceo@bank.example\0@evil.example";
    static const char v2[] = "\"CEO\0\" <x@y.example>";
    struct mime_address_list *l = mime_address_parse(v1, sizeof v1 - 1, NULL);

    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_CONTROL);
    assert_false(mime_address_list_is_single_clean(l));
    assert_string_equal(mime_address_list_get(l, 0)->domain_lc, "");
    mime_address_list_free(l);
    l = mime_address_parse(v2, sizeof v2 - 1, NULL);
    assert_int_equal(mime_address_list_count(l), 1);
    assert_true(mime_address_list_get(l, 0)->flags & MIME_ADDR_CONTROL);
    assert_null(memchr(mime_address_list_get(l, 0)->display, '\0',
                       strlen(mime_address_list_get(l, 0)->display)));
    assert_false(mime_address_list_is_single_clean(l));
    mime_address_list_free(l);
}

/* ---- folding: every place a fold may go gives the same result ---- */

/* assert_same_result - two lists agree on addresses, display names and comments */
static void
assert_same_result(const struct mime_address_list *a, const struct mime_address_list *b)
{
    assert_int_equal(mime_address_list_count(a), mime_address_list_count(b));
    assert_int_equal(mime_address_list_flags(a), mime_address_list_flags(b));
    for (size_t i = 0; i < mime_address_list_count(a); i++) {
        const struct mime_address *x = mime_address_list_get(a, i);
        const struct mime_address *y = mime_address_list_get(b, i);
        assert_string_equal(x->addr, y->addr);
        assert_string_equal(x->display, y->display);
        assert_string_equal(x->comment, y->comment);
        assert_int_equal(x->flags, y->flags);
    }
}

/* fold_at - "From:" + value with CRLF inserted before the WSP at each listed position */
static void
fold_at(struct buf *b, const char *value, size_t i, size_t j)
{
    buf_reset(b);
    buf_append_str(b, "From:");
    for (size_t k = 0; value[k]; k++) {
        if (k == i || k == j)
            buf_append_str(b, "\r\n");
        buf_append(b, &value[k], 1);
    }
    buf_append_str(b, "\r\n\r\n");
}

static void
test_folding_splits(void **state)
{
    static const char *const values[] = {
        " \"Chief Exec\" =?utf-8?q?ceo=40bank.example?= (c) <ceo @ bank.example>, x@y.example",
        " team: a@b.example, (c) \"q q\" <c@d.example>;",
    };
    struct buf b;

    buf_init(&b, 0);
    for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
        const char *value = values[v];
        struct mime_address_list *base = parse_str(value);
        size_t n = strlen(value);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = i; j < n; j++) {
                struct mime_headers *h;
                const struct mime_header_field *f;
                struct mime_address_list *l;
                if (value[i] != ' ' || value[j] != ' ')
                    continue;
                fold_at(&b, value, i, j);
                h = mime_headers_parse(b.data, b.len, NULL);
                assert_int_equal(mime_headers_count(h), 1);
                assert_int_equal(mime_headers_anomalies(h), 0);
                f = mime_headers_get(h, 0);
                assert_string_equal(f->value, value);
                l = mime_address_parse(f->value, f->value_len, NULL);
                assert_same_result(base, l);
                mime_address_list_free(l);
                mime_headers_free(h);
            }
        }
        mime_address_list_free(base);
    }
    buf_release(&b);
}

/* A raw value with its line ends left in still parses: CR and LF count as whitespace. */
static void
test_unfolded_line_ends(void **state)
{
    struct mime_address_list *l = parse_str("\"John\r\n Doe\" \r\n <jd@example.com>");

    assert_true(mime_address_list_is_single_clean(l));
    assert_string_equal(mime_address_list_get(l, 0)->display, "John Doe");
    mime_address_list_free(l);
}

/* ---- limits ---- */

static void
test_limits(void **state)
{
    struct buf v;
    struct mime_address_list *l;
    struct mime_address_limits lim = mime_address_limits_default();

    buf_init(&v, 0);
    for (int i = 0; i < 5000; i++)
        buf_printf(&v, "a%d@b.example, ", i);
    l = mime_address_parse(v.data, v.len, NULL);
    assert_int_equal(mime_address_list_count(l), 1000);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_TOO_MANY);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_TOO_LONG); /* > 64 KiB */
    mime_address_list_free(l);

    buf_reset(&v);
    buf_append_str(&v, "\"");
    for (int i = 0; i < 10000; i++)
        buf_append_str(&v, "x");
    buf_append_str(&v, "\" <a@b.example>");
    l = parse_str(v.data);
    assert_int_equal(mime_address_list_count(l), 1);
    assert_true(strlen(mime_address_list_get(l, 0)->display) <= lim.max_display);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_TOO_LONG);
    assert_false(mime_address_list_is_single_clean(l));
    mime_address_list_free(l);

    buf_reset(&v);
    for (int i = 0; i < 65; i++)
        buf_append_str(&v, "x");
    buf_append_str(&v, "@b.example");
    l = parse_str(v.data);
    assert_true(mime_address_list_get(l, 0)->flags & MIME_ADDR_TOO_LONG);
    mime_address_list_free(l);

    buf_reset(&v);
    for (int i = 0; i < 5000; i++)
        buf_append_str(&v, "group ");
    buf_append_str(&v, ": a@b.example;");
    l = parse_str(v.data);
    assert_true(strlen(mime_address_list_group(l, 0)->name) <= lim.max_display);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_TOO_LONG);
    mime_address_list_free(l);

    /* deep nesting of comments and many groups: bounded, no recursion */
    buf_reset(&v);
    for (int i = 0; i < 20000; i++)
        buf_append_str(&v, "(");
    buf_append_str(&v, "a@b.example");
    l = parse_str(v.data);
    assert_int_equal(mime_address_list_count(l), 0);
    mime_address_list_free(l);
    buf_reset(&v);
    for (int i = 0; i < 20000; i++)
        buf_append_str(&v, "g:;");
    lim.max_addresses = 10;
    l = mime_address_parse(v.data, v.len, &lim);
    assert_int_equal(mime_address_list_group_count(l), 10);
    assert_true(mime_address_list_flags(l) & MIME_ADDRLIST_TOO_MANY);
    mime_address_list_free(l);
    buf_release(&v);
}

/* ---- helpers of the API ---- */

static void
test_domain_eq(void **state)
{
    assert_true(mime_address_domain_eq("Example.COM", "example.com"));
    assert_true(mime_address_domain_eq("example.com.", "EXAMPLE.com"));
    assert_false(mime_address_domain_eq("example.com", "example.co"));
    assert_false(mime_address_domain_eq("example.com", "xexample.com"));
    assert_false(mime_address_domain_eq("", ""));
    assert_false(mime_address_domain_eq(".", ""));
    assert_false(mime_address_domain_eq("example.com..", "example.com"));
    assert_true(mime_address_domain_eq("ex\xC3\xA4mple.com", "EX\xC3\xA4MPLE.com"));
}

static void
test_flag_names(void **state)
{
    for (unsigned i = 0; i < 20; i++) {
        assert_string_not_equal(mime_address_flag_name(1u << i), "unknown");
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(mime_address_flag_name(1u << i),
                                    mime_address_flag_name(1u << j));
    }
    for (unsigned i = 0; i < 15; i++)
        assert_string_not_equal(mime_address_list_flag_name(1u << i), "unknown");
    assert_string_equal(mime_address_flag_name(1u << 20), "unknown");
    assert_string_equal(mime_address_list_flag_name(0), "unknown");
}

/* ---- RFC 2047 decoding ---- */

struct encword_case {
    const char *in;
    const char *out;
    unsigned flags; /* bits that must be set */
};

static const struct encword_case encword_cases[] = {
    {"=?utf-8?q?caf=C3=A9?=", "caf\xC3\xA9", MIME_ENCWORD_DECODED},
    {"=?UTF-8?Q?a_b?=", "a b", MIME_ENCWORD_DECODED},
    {"=?iso-8859-1?q?caf=E9?=", "caf\xC3\xA9", MIME_ENCWORD_DECODED},
    {"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", MIME_ENCWORD_DECODED},
    {"=?utf-8?b?w6k=?=", "\xC3\xA9", MIME_ENCWORD_DECODED},
    {"=?utf-8?b?w6k?=", "\xC3\xA9", MIME_ENCWORD_DECODED},
    {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab", MIME_ENCWORD_DECODED},
    {"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", MIME_ENCWORD_DECODED},
    {"=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b", MIME_ENCWORD_DECODED},
    {"x=?utf-8?q?a?=y", "xay", MIME_ENCWORD_DECODED},
    {"=?utf-8?q?a", "=?utf-8?q?a", 0},
    {"=??q?a?=", "=??q?a?=", 0},
    {"=?utf-8?x?a?=", "=?utf-8?x?a?=", 0},
    {"=?utf-8?q?a b?=", "=?utf-8?q?a b?=", 0},
    {"=?utf-8?q?=ZZ?=", "=ZZ", MIME_ENCWORD_BAD_DATA},
    {"=?utf-8?q?=4?=", "=4", MIME_ENCWORD_BAD_DATA},
    {"=?utf-8?b?!!!!?=", "", MIME_ENCWORD_BAD_DATA},
    {"=?no-such-cs?q?a?=", "=?no-such-cs?q?a?=", MIME_ENCWORD_BAD_CHARSET},
    {"=?utf-8//translit?q?a?=", "=?utf-8//translit?q?a?=", 0},
    {"=?utf-8?q?=FF?=", "\xEF\xBF\xBD", MIME_ENCWORD_BAD_UTF8},
    {"=?utf-8?q?=C0=AF?=", "\xEF\xBF\xBD\xEF\xBF\xBD", MIME_ENCWORD_BAD_UTF8},
    {"=?utf-8?q?=ED=A0=80?=", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", MIME_ENCWORD_BAD_UTF8},
    {"=?utf-8?q?a=0Ab?=",
     "a\xEF\xBF\xBD"
     "b",
     MIME_ENCWORD_CTL},
    {"=?utf-8?q?a=09b?=", "a b", MIME_ENCWORD_DECODED},
    {"=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=",
     "\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9 \xD7\x9F\xD7\x91 \xD7\x99\xD7\x9C\xD7\x98\xD7\xA4\xD7\xA0",
     MIME_ENCWORD_DECODED},
    {"=?utf-16le?b?QQBCAA==?=", "AB", MIME_ENCWORD_DECODED},
    {"=?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?=",
     "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF", MIME_ENCWORD_DECODED},
    /* glibc's iconv has no ks_c_5601-1987, the label Korean mail uses: read as CP949 */
    {"=?ks_c_5601-1987?B?vsiz5w==?=", "\xEC\x95\x88\xEB\x85\x95", MIME_ENCWORD_DECODED},
    {"plain \xC3\xA9", "plain \xC3\xA9", 0},
};

static void
test_encword(void **state)
{
    for (size_t i = 0; i < sizeof encword_cases / sizeof *encword_cases; i++) {
        const struct encword_case *c = &encword_cases[i];
        struct mime_encword_result res;
        struct buf out;
        buf_init(&out, 0);
        print_message("encword %zu: %s\n", i, c->in);
        assert_int_equal(mime_encword_decode(c->in, strlen(c->in), &out, &res), 0);
        assert_string_equal(out.data, c->out);
        assert_int_equal(res.flags & c->flags, c->flags);
        if (c->flags == 0)
            assert_int_equal(res.flags & MIME_ENCWORD_DECODED, 0);
        buf_release(&out);
    }
}

static void
test_encword_bounds(void **state)
{
    struct mime_encword_result res;
    struct buf out;

    buf_init(&out, 4);
    assert_int_equal(mime_encword_decode("=?utf-8?q?abcdef?=", 18, &out, &res), -1);
    assert_true(out.len <= 4);
    buf_release(&out);
    buf_init(&out, 0);
    assert_int_equal(mime_encword_decode("=?utf-8?q?ab?=", 14, &out, &res), 0);
    assert_true(res.starts_encoded && res.ends_encoded);
    buf_reset(&out);
    assert_int_equal(mime_encword_decode(" =?utf-8?q?ab?= x", 17, &out, &res), 0);
    assert_false(res.starts_encoded || res.ends_encoded);
    buf_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalwart_vectors),
        cmocka_unit_test(test_stalwart_groups),
        cmocka_unit_test(test_opendmarc_vectors),
        cmocka_unit_test(test_security_table),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_folding_splits),
        cmocka_unit_test(test_unfolded_line_ends),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_domain_eq),
        cmocka_unit_test(test_flag_names),
        cmocka_unit_test(test_encword),
        cmocka_unit_test(test_encword_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
