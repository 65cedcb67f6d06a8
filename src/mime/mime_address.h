/*
 * mime_address - RFC 5322 address lists (From, Sender, To, Cc, Reply-To) for policy checks.
 *
 * mime_address_parse() reads one field value (unfolded, as mime_headers_parse() gives it; a
 * CR or LF left in it counts as whitespace) and returns every address it can find, in order:
 * display name (UTF-8, RFC 2047 words decoded, RFC 6532), comments, local part, domain (as
 * written, and lower-cased without a trailing dot for comparison), obs-route, group. Handled:
 * name-addr and bare addr-spec, quoted strings and quoted pairs, nested comments wherever CFWS
 * may stand, groups (`undisclosed-recipients:;`), the obsolete forms of RFC 5322 4.4 (routes,
 * CFWS around dots, dotted phrases, empty list elements), quoted local parts, domain literals.
 *
 * Security before leniency. Nothing ambiguous comes out clean: an address without '@', `a@b@c`,
 * two angle addresses in one mailbox, an unclosed '<', '"', '(' or '[', text after an angle
 * address, a phrase before a bare addr-spec: each is flagged (MIME_ADDR_* on the address,
 * MIME_ADDRLIST_* on the list), and what could be read is still exposed, so that a policy
 * that checks "every address" checks these too. MIME_ADDR_SUSPECT / MIME_ADDRLIST_SUSPECT
 * gather the bits that mean "do not trust this as one clean mailbox".
 *
 * Display-name spoofing: the display name, the comments, the group name and a local part that
 * is quoted or holds an encoded word, after decoding, are searched for address-like text
 * (`"ceo@bank.example" <x@else>`, an encoded `=40`, fullwidth forms such as U+FF20 folded to
 * ASCII); what is found is listed, lower-cased, in display_addrs (DISPLAY_HAS_ADDRESS;
 * DISPLAY_LOOKALIKE when only a lookalike made it an address). A display name that is itself
 * a domain is flagged too. These signals are not in MIME_ADDR_SUSPECT: whether the address
 * shown is one the sender owns is the policy's question, not the parser's.
 *
 * Limits (struct mime_address_limits): addresses kept, input bytes read, bytes per display
 * name; passing one is a flag (MIME_ADDRLIST_TOO_MANY / TOO_LONG), never an error.
 *
 * Ownership: the parser copies what it keeps; free the list with mime_address_list_free().
 * Pure: no I/O, no globals; re-entrant. IDNA is out of scope: domains compare as given, ASCII
 * letters case-folded.
 */
#ifndef SW_MIME_MIME_ADDRESS_H
#define SW_MIME_MIME_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mime_address_flag {
    MIME_ADDR_NO_AT = 1u << 0,                /* no '@': a local part only, owned by no one */
    MIME_ADDR_INVALID = 1u << 1,              /* not an addr-spec; addr holds the raw text */
    MIME_ADDR_ROUTE = 1u << 2,                /* obs-route `<@a,@b:x@y>` (dropped from addr) */
    MIME_ADDR_OBSOLETE = 1u << 3,             /* CFWS around dots, odd dots in the local part */
    MIME_ADDR_QUOTED_LOCAL = 1u << 4,         /* `"john doe"@example.com` */
    MIME_ADDR_DOMAIN_LITERAL = 1u << 5,       /* `x@[192.0.2.1]` */
    MIME_ADDR_TRAILING_DOT = 1u << 6,         /* `x@example.com.` */
    MIME_ADDR_PHRASE_NO_ANGLE = 1u << 7,      /* `Name x@y`: a phrase before a bare addr-spec */
    MIME_ADDR_BAD_ANGLE = 1u << 8,            /* '<' or '>' unbalanced or nested in this mailbox */
    MIME_ADDR_AMBIGUOUS = 1u << 9,            /* one of several addresses in one mailbox */
    MIME_ADDR_TRAILING = 1u << 10,            /* text after the angle address (kept in display) */
    MIME_ADDR_EMPTY_ANGLE = 1u << 11,         /* `<>` */
    MIME_ADDR_EIGHTBIT = 1u << 12,            /* non-ASCII in local part or domain (RFC 6532) */
    MIME_ADDR_TOO_LONG = 1u << 13,            /* local part > 64 or domain > 255 octets */
    MIME_ADDR_DISPLAY_HAS_ADDRESS = 1u << 14, /* display, comment, group or quoted local */
    MIME_ADDR_DISPLAY_LOOKALIKE = 1u << 15,   /* ... only through a lookalike of '@' or '.' */
    MIME_ADDR_DISPLAY_IS_DOMAIN = 1u << 16,   /* the display name is itself a domain */
    MIME_ADDR_ENCODED = 1u << 17,             /* RFC 2047 words were decoded in the names */
    MIME_ADDR_BAD_ENCODING = 1u << 18,        /* unknown charset, bad B/Q data, bad UTF-8 */
    MIME_ADDR_CONTROL = 1u << 19,             /* a control character (NUL, CR, ...) or bidi */
};

/* Bits that make an address unfit to be trusted as a clean mailbox. */
#define MIME_ADDR_SUSPECT                                                                          \
    (MIME_ADDR_NO_AT | MIME_ADDR_INVALID | MIME_ADDR_PHRASE_NO_ANGLE | MIME_ADDR_BAD_ANGLE |       \
     MIME_ADDR_AMBIGUOUS | MIME_ADDR_TRAILING | MIME_ADDR_EMPTY_ANGLE | MIME_ADDR_TOO_LONG |       \
     MIME_ADDR_CONTROL)

enum mime_address_list_flag {
    MIME_ADDRLIST_UNPARSABLE = 1u << 0,       /* no address with a local part and a domain */
    MIME_ADDRLIST_EMPTY = 1u << 1,            /* nothing but whitespace and comments */
    MIME_ADDRLIST_MULTIPLE = 1u << 2,         /* more than one address */
    MIME_ADDRLIST_GROUP = 1u << 3,            /* group syntax */
    MIME_ADDRLIST_TRAILING_GARBAGE = 1u << 4, /* text after an address or a group's ';' */
    MIME_ADDRLIST_UNBALANCED_QUOTE = 1u << 5,
    MIME_ADDRLIST_UNBALANCED_COMMENT = 1u << 6,
    MIME_ADDRLIST_UNBALANCED_ANGLE = 1u << 7,
    MIME_ADDRLIST_UNBALANCED_BRACKET = 1u << 8,
    MIME_ADDRLIST_UNBALANCED_GROUP = 1u << 9, /* ':' without ';', ';' without ':', nesting */
    MIME_ADDRLIST_CONTROL = 1u << 10,         /* NUL or another control character in the value */
    MIME_ADDRLIST_TOO_MANY = 1u << 11,        /* addresses past the limit were dropped */
    MIME_ADDRLIST_TOO_LONG = 1u << 12,        /* input or a name cut at the limit */
    MIME_ADDRLIST_SUSPECT_ADDRESS = 1u << 13, /* some address has a MIME_ADDR_SUSPECT bit */
    MIME_ADDRLIST_DISPLAY_HAS_ADDRESS = 1u << 14, /* some address has display_addrs */
};

/* Bits that make a list unfit to be trusted as clean addresses. */
#define MIME_ADDRLIST_SUSPECT                                                                      \
    (MIME_ADDRLIST_UNPARSABLE | MIME_ADDRLIST_EMPTY | MIME_ADDRLIST_TRAILING_GARBAGE |             \
     MIME_ADDRLIST_UNBALANCED_QUOTE | MIME_ADDRLIST_UNBALANCED_COMMENT |                           \
     MIME_ADDRLIST_UNBALANCED_ANGLE | MIME_ADDRLIST_UNBALANCED_BRACKET |                           \
     MIME_ADDRLIST_UNBALANCED_GROUP | MIME_ADDRLIST_CONTROL | MIME_ADDRLIST_TOO_MANY |             \
     MIME_ADDRLIST_TOO_LONG | MIME_ADDRLIST_SUSPECT_ADDRESS)

#define MIME_ADDRESS_NO_GROUP SIZE_MAX

/* One address. Every string is NUL-terminated UTF-8 and never NULL ("" when absent). */
struct mime_address {
    char *display;        /* phrase, decoded (plus any text after the angle address) */
    char *comment;        /* the mailbox's comments, decoded, joined by a space */
    char *local;          /* local part, quotes and quoted pairs removed */
    char *domain;         /* domain as written (CFWS removed); "" without '@' */
    char *domain_lc;      /* domain, ASCII lower case, trailing dot removed: compare this */
    char *addr;           /* local@domain (local re-quoted if needed); raw text when INVALID */
    char *addr_lc;        /* addr in ASCII lower case, trailing dot removed */
    char *route;          /* obs-route as "@a,@b", "" when none */
    char **display_addrs; /* addresses found in display/comment/group name, lower case */
    size_t n_display_addrs;
    size_t group;           /* index for mime_address_list_group(), MIME_ADDRESS_NO_GROUP if none */
    const char *group_name; /* that group's name (owned by the group), NULL if none */
    unsigned flags;         /* enum mime_address_flag bits */
};

/* One group (`name: members;`); members are addresses [first, first + count). */
struct mime_address_group {
    char *name;    /* decoded display name */
    char *comment; /* comments in the name, decoded */
    size_t first;
    size_t count;
};

struct mime_address_limits {
    size_t max_addresses; /* addresses kept; default 1000 */
    size_t max_input;     /* bytes of the value read; default 65536 */
    size_t max_display;   /* bytes per display name or comment; default 4096 */
};

struct mime_address_list; /* opaque */

/* mime_address_limits_default - the default limits */
struct mime_address_limits mime_address_limits_default(void);

/* mime_address_parse - parse an address-list field value; lim NULL means the defaults.
 * Never NULL: what went wrong is in the flags. */
struct mime_address_list *mime_address_parse(const char *value, size_t len,
                                             const struct mime_address_limits *lim);

/* mime_address_list_free - accepts NULL, returns NULL */
struct mime_address_list *mime_address_list_free(struct mime_address_list *l);

size_t mime_address_list_count(const struct mime_address_list *l);

/* mime_address_list_get - address i, NULL when out of range */
const struct mime_address *mime_address_list_get(const struct mime_address_list *l, size_t i);

size_t mime_address_list_group_count(const struct mime_address_list *l);

/* mime_address_list_group - group i, NULL when out of range */
const struct mime_address_group *mime_address_list_group(const struct mime_address_list *l,
                                                         size_t i);

/* mime_address_list_flags - enum mime_address_list_flag bits */
unsigned mime_address_list_flags(const struct mime_address_list *l);

/* mime_address_list_is_single_clean - exactly one address, with a local part and a domain,
 * outside any group, and no suspect bit on the list or on it: what a From may be */
bool mime_address_list_is_single_clean(const struct mime_address_list *l);

/* mime_address_domain_eq - domains equal, ASCII case-insensitive, one trailing dot ignored */
bool mime_address_domain_eq(const char *a, const char *b);

/* mime_address_flag_name - stable token for one address bit, "unknown" else */
const char *mime_address_flag_name(unsigned bit);

/* mime_address_list_flag_name - stable token for one list bit, "unknown" else */
const char *mime_address_list_flag_name(unsigned bit);

#endif
