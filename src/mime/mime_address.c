/* mime_address - RFC 5322 address-list parsing with the flags an identity policy needs. */
#include "mime/mime_address.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime_encword.h"
#include "util/buf.h"
#include "util/mem.h"

#define ADDR_MAX_LOCAL 64   /* RFC 5321 4.5.3.1.1 */
#define ADDR_MAX_DOMAIN 255 /* RFC 5321 4.5.3.1.2 */
#define ADDR_MAX_DISPLAY_ADDRS 8

enum tok_type { TOK_ATOM, TOK_QSTR, TOK_DOMLIT, TOK_COMMENT, TOK_SPECIAL, TOK_BAD };

/* One lexical token of the value; spans index the input. */
struct tok {
    enum tok_type type;
    size_t start;
    size_t end;
    bool ws_before; /* whitespace or a comment right before it */
    char ch;        /* TOK_SPECIAL: the character */
};

struct mime_address_list {
    struct mime_address *addrs;
    size_t count;
    size_t cap;
    struct mime_address_group *groups;
    size_t ngroups;
    size_t gcap;
    unsigned flags;
};

/* Parser state for one value. */
struct addr_parse {
    const char *s;
    size_t n;
    struct mime_address_limits lim;
    struct tok *toks;
    size_t ntok;
    size_t tcap;
    bool in_group;
    size_t group; /* current group index or MIME_ADDRESS_NO_GROUP */
    struct mime_address_list *l;
};

/* One address being assembled. */
struct addr_build {
    struct mime_encword_phrase display;
    struct mime_encword_phrase comment;
    struct buf local;
    struct buf domain;
    struct buf route;
    size_t raw_start;
    size_t raw_end;
    unsigned flags;
};

/* clang-format off */
static const char *const addr_flag_names[] = {
    "no-at", "invalid", "route", "obsolete", "quoted-local", "domain-literal", "trailing-dot",
    "phrase-no-angle", "bad-angle", "ambiguous", "trailing", "empty-angle", "eightbit",
    "too-long", "display-has-address", "display-lookalike", "display-is-domain", "encoded",
    "bad-encoding", "control",
};

static const char *const list_flag_names[] = {
    "unparsable", "empty", "multiple", "group", "trailing-garbage", "unbalanced-quote",
    "unbalanced-comment", "unbalanced-angle", "unbalanced-bracket", "unbalanced-group",
    "control", "too-many", "too-long", "suspect-address", "display-has-address",
};
/* clang-format on */

/* mime_address_limits_default - the default limits */
struct mime_address_limits
mime_address_limits_default(void)
{
    struct mime_address_limits lim = {
        .max_addresses = 1000, .max_input = 65536, .max_display = 4096};
    return lim;
}

/* is_atom_char - a byte that may continue an atom (atext, RFC 6532 UTF-8, and the rest of
 * what is not a special, so that junk stays in one token) */
static bool
is_atom_char(unsigned char c)
{
    if (c < 0x20 || c == 0x7f || c == ' ')
        return false;
    return strchr("()<>[]:;@\\,.\"", c) == NULL;
}

/* scan_delimited - end of a comment, quoted string or domain literal opened at s[i]; sets
 * *closed */
static size_t
scan_delimited(const char *s, size_t n, size_t i, char open, char close, bool *closed)
{
    int depth = 1;
    size_t j = i + 1;

    while (j < n) {
        if (s[j] == '\\') {
            j += 2;
            continue;
        }
        if (s[j] == close && --depth == 0) {
            *closed = true;
            return j + 1;
        }
        if (open == '(' && s[j] == '(')
            depth++;
        j++;
    }
    *closed = false;
    return n;
}

/* push_tok - add a token */
static void
push_tok(struct addr_parse *p, enum tok_type type, size_t start, size_t end, bool ws)
{
    if (p->ntok == p->tcap) {
        p->tcap = p->tcap ? p->tcap * 2 : 32;
        p->toks = xrealloc(p->toks, p->tcap * sizeof(*p->toks));
    }
    p->toks[p->ntok++] =
        (struct tok){.type = type, .start = start, .end = end, .ws_before = ws, .ch = p->s[start]};
}

/* tokenize_delimited - a comment, quoted string or domain literal at s[i]; its end */
static size_t
tokenize_delimited(struct addr_parse *p, size_t i, bool ws)
{
    static const struct {
        char open, close;
        enum tok_type type;
        unsigned unbalanced;
    } kinds[] = {
        {'(', ')', TOK_COMMENT, MIME_ADDRLIST_UNBALANCED_COMMENT},
        {'"', '"', TOK_QSTR, MIME_ADDRLIST_UNBALANCED_QUOTE},
        {'[', ']', TOK_DOMLIT, MIME_ADDRLIST_UNBALANCED_BRACKET},
    };
    size_t k = 0, end;
    bool closed;

    while (kinds[k].open != p->s[i])
        k++;
    end = scan_delimited(p->s, p->n, i, kinds[k].open, kinds[k].close, &closed);
    if (end > p->n)
        end = p->n;
    if (!closed)
        p->l->flags |= kinds[k].unbalanced;
    push_tok(p, kinds[k].type, i, end, ws);
    return end;
}

/* tokenize - split the value into tokens */
static void
tokenize(struct addr_parse *p)
{
    const char *s = p->s;
    size_t i = 0;
    bool ws = false;

    while (i < p->n) {
        unsigned char c = (unsigned char)s[i];
        size_t j = i + 1;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ws = true;
            i++;
            continue;
        }
        if (c == '(' || c == '"' || c == '[') {
            j = tokenize_delimited(p, i, ws);
        } else if (strchr("<>@,;:.\\)]", c) != NULL && c != 0) {
            if (c == ')')
                p->l->flags |= MIME_ADDRLIST_UNBALANCED_COMMENT;
            if (c == ']')
                p->l->flags |= MIME_ADDRLIST_UNBALANCED_BRACKET;
            push_tok(p, TOK_SPECIAL, i, j, ws);
        } else if (c < 0x20 || c == 0x7f) {
            p->l->flags |= MIME_ADDRLIST_CONTROL;
            push_tok(p, TOK_BAD, i, j, ws);
        } else {
            while (j < p->n && is_atom_char((unsigned char)s[j]))
                j++;
            push_tok(p, TOK_ATOM, i, j, ws);
        }
        ws = p->toks[p->ntok - 1].type == TOK_COMMENT;
        i = j;
    }
}

/* is_special - whether token t is the special character ch */
static bool
is_special(const struct tok *t, char ch)
{
    return t->type == TOK_SPECIAL && t->ch == ch;
}

/* unquote - append the content of a quoted string or comment (delimiters and quoted pairs
 * removed, folding line ends dropped) */
static void
unquote(const char *s, const struct tok *t, struct buf *out)
{
    size_t i = t->start + 1, end = t->end;
    char close = t->type == TOK_COMMENT ? ')' : '"';

    if (end > i && s[end - 1] == close && end - 1 > t->start)
        end--;
    for (; i < end; i++) {
        char c = s[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '\\' && i + 1 < end)
            c = s[++i];
        buf_append(out, &c, 1);
    }
}

/* phrase_add_quoted - add the text of a quoted string or a comment */
static void
phrase_add_quoted(const struct addr_parse *p, struct mime_encword_phrase *ph, const struct tok *t)
{
    struct buf tmp;

    buf_init(&tmp, 0);
    unquote(p->s, t, &tmp);
    mime_encword_phrase_add(ph, tmp.data, tmp.len, t->ws_before || t->type == TOK_COMMENT);
    buf_release(&tmp);
}

/* phrase_add_tokens - add the display tokens [a, b) (comments go to `comment`): adjacent
 * unquoted tokens form one piece, so an encoded word with a '.' in it stays whole */
static void
phrase_add_tokens(const struct addr_parse *p, size_t a, size_t b,
                  struct mime_encword_phrase *display, struct mime_encword_phrase *comment)
{
    for (size_t k = a; k < b; k++) {
        const struct tok *t = &p->toks[k];
        if (t->type == TOK_COMMENT || t->type == TOK_QSTR) {
            phrase_add_quoted(p, t->type == TOK_COMMENT ? comment : display, t);
        } else {
            size_t e = k;
            while (e + 1 < b && !p->toks[e + 1].ws_before && p->toks[e + 1].type != TOK_QSTR &&
                   p->toks[e + 1].type != TOK_COMMENT)
                e++;
            mime_encword_phrase_add(display, p->s + t->start, p->toks[e].end - t->start,
                                    t->ws_before);
            k = e;
        }
    }
}

/* next_tok - index of the first non-comment token at or after k in [k, b), b if none;
 * comments passed are added to the builder's comment */
static size_t
next_tok(const struct addr_parse *p, size_t k, size_t b, struct addr_build *ab)
{
    while (k < b && p->toks[k].type == TOK_COMMENT) {
        phrase_add_quoted(p, &ab->comment, &p->toks[k]);
        k++;
    }
    return k;
}

/* is_word - an atom or a quoted string */
static bool
is_word(const struct tok *t)
{
    return t->type == TOK_ATOM || t->type == TOK_QSTR;
}

/* parse_domain - domain or domain literal from token k into out; index past it, or
 * SIZE_MAX when there is none */
static size_t
parse_domain(const struct addr_parse *p, size_t k, size_t b, struct buf *out, struct addr_build *ab)
{
    k = next_tok(p, k, b, ab);
    if (k < b && p->toks[k].type == TOK_DOMLIT) {
        ab->flags |= MIME_ADDR_DOMAIN_LITERAL;
        buf_append(out, p->s + p->toks[k].start, p->toks[k].end - p->toks[k].start);
        return k + 1;
    }
    if (k >= b || p->toks[k].type != TOK_ATOM)
        return SIZE_MAX;
    for (;;) {
        const struct tok *t = &p->toks[k];
        buf_append(out, p->s + t->start, t->end - t->start);
        k = next_tok(p, k + 1, b, ab);
        if (k >= b || !is_special(&p->toks[k], '.'))
            return k;
        if (p->toks[k].ws_before)
            ab->flags |= MIME_ADDR_OBSOLETE;
        buf_append(out, ".", 1);
        k = next_tok(p, k + 1, b, ab);
        if (k >= b || p->toks[k].type != TOK_ATOM) {
            /* a dot with nothing after it: a root-terminated name, not a label */
            ab->flags |= MIME_ADDR_TRAILING_DOT;
            return k;
        }
        if (p->toks[k].ws_before)
            ab->flags |= MIME_ADDR_OBSOLETE;
    }
}

/* parse_route - obs-route `@a,@b:` at token k (an '@'); index past the ':', SIZE_MAX if bad */
static size_t
parse_route(const struct addr_parse *p, size_t k, size_t b, struct addr_build *ab)
{
    ab->flags |= MIME_ADDR_ROUTE;
    for (;;) {
        k = next_tok(p, k, b, ab);
        if (k < b && is_special(&p->toks[k], ',')) {
            k++;
            continue;
        }
        if (k < b && is_special(&p->toks[k], ':'))
            return k + 1;
        if (k >= b || !is_special(&p->toks[k], '@'))
            return SIZE_MAX;
        if (ab->route.len > 0)
            buf_append(&ab->route, ",", 1);
        buf_append(&ab->route, "@", 1);
        k = parse_domain(p, k + 1, b, &ab->route, ab);
        if (k == SIZE_MAX)
            return SIZE_MAX;
    }
}

/* parse_local - local part (words and dots) from token k; index past it */
static size_t
parse_local(const struct addr_parse *p, size_t k, size_t b, struct addr_build *ab)
{
    bool want_word = true, first = true;
    unsigned kinds = 0;

    for (k = next_tok(p, k, b, ab); k < b; k = next_tok(p, k + 1, b, ab)) {
        const struct tok *t = &p->toks[k];
        if (!first && t->ws_before && (is_special(t, '.') || is_word(t)))
            ab->flags |= MIME_ADDR_OBSOLETE; /* CFWS inside the dot-atom */
        if (is_special(t, '.')) {
            if (want_word)
                ab->flags |= MIME_ADDR_OBSOLETE; /* leading or doubled dot */
            buf_append(&ab->local, ".", 1);
            want_word = true;
        } else if (is_word(t) && want_word) {
            kinds |= t->type == TOK_QSTR ? 1u : 2u;
            if (t->type == TOK_QSTR)
                unquote(p->s, t, &ab->local);
            else
                buf_append(&ab->local, p->s + t->start, t->end - t->start);
            want_word = false;
        } else {
            break;
        }
        first = false;
    }
    if (kinds & 1u)
        ab->flags |= MIME_ADDR_QUOTED_LOCAL;
    if (kinds == 3u || (want_word && !first))
        ab->flags |= MIME_ADDR_OBSOLETE; /* "a".b mixes, or a trailing dot */
    return k;
}

/* parse_addr_spec - [route] local-part ["@" domain] over tokens [a, b); anything else makes
 * the address MIME_ADDR_INVALID */
static void
parse_addr_spec(const struct addr_parse *p, size_t a, size_t b, struct addr_build *ab)
{
    size_t k = next_tok(p, a, b, ab);

    ab->raw_start = k < b ? p->toks[k].start : 0;
    ab->raw_end = ab->raw_start;
    for (size_t i = k; i < b; i++)
        if (p->toks[i].type != TOK_COMMENT)
            ab->raw_end = p->toks[i].end;
    if (k >= b) {
        ab->flags |= MIME_ADDR_EMPTY_ANGLE;
        return;
    }
    if (is_special(&p->toks[k], '@'))
        k = parse_route(p, k, b, ab);
    if (k != SIZE_MAX)
        k = parse_local(p, k, b, ab);
    if (k != SIZE_MAX && ab->local.len == 0)
        k = SIZE_MAX;
    if (k != SIZE_MAX && k < b && is_special(&p->toks[k], '@'))
        k = parse_domain(p, k + 1, b, &ab->domain, ab);
    else if (k != SIZE_MAX && k >= b)
        ab->flags |= MIME_ADDR_NO_AT;
    if (k != SIZE_MAX)
        k = next_tok(p, k, b, ab);
    if (k != b)
        ab->flags |= MIME_ADDR_INVALID;
}

/* build_init - an empty address builder */
static void
build_init(struct addr_build *ab, const struct addr_parse *p)
{
    memset(ab, 0, sizeof(*ab));
    mime_encword_phrase_init(&ab->display, p->lim.max_display);
    mime_encword_phrase_init(&ab->comment, p->lim.max_display);
    buf_init(&ab->local, 0);
    buf_init(&ab->domain, 0);
    buf_init(&ab->route, 0);
}

/* build_release - free a builder's buffers */
static void
build_release(struct addr_build *ab)
{
    mime_encword_phrase_release(&ab->display);
    mime_encword_phrase_release(&ab->comment);
    buf_release(&ab->local);
    buf_release(&ab->domain);
    buf_release(&ab->route);
}

/* lower_copy - ASCII lower-case copy, one trailing dot dropped when asked */
static char *
lower_copy(const char *s, bool drop_dot)
{
    size_t n = strlen(s);
    char *c;

    if (drop_dot && n > 0 && s[n - 1] == '.')
        n--;
    c = xmemdup(s, n);
    for (size_t i = 0; i < n; i++)
        if (c[i] >= 'A' && c[i] <= 'Z')
            c[i] = (char)(c[i] + 32);
    return c;
}

/* is_dot_atom_text - whether a local part may stand unquoted (RFC 5322 3.2.3) */
static bool
is_dot_atom_text(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
        if (s[i] != '.' && !is_atom_char((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* format_addr - the address text: local (re-quoted when needed) [@ domain] */
static char *
format_addr(const char *local, const char *domain, bool no_at)
{
    size_t n = strlen(local);
    struct buf b;
    char *r;

    buf_init(&b, 0);
    if (is_dot_atom_text(local, n)) {
        buf_append(&b, local, n);
    } else {
        buf_append(&b, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            if (local[i] == '"' || local[i] == '\\')
                buf_append(&b, "\\", 1);
            buf_append(&b, &local[i], 1);
        }
        buf_append(&b, "\"", 1);
    }
    if (!no_at) {
        buf_append(&b, "@", 1);
        buf_append_str(&b, domain);
    }
    r = xmemdup(b.data, b.len);
    buf_release(&b);
    return r;
}

/* clean_copy - a UTF-8-clean copy of a span; control bytes become U+FFFD */
static char *
clean_copy(const char *s, size_t n, unsigned *flags)
{
    struct buf b;
    unsigned f = 0;
    char *r;

    buf_init(&b, 0);
    mime_encword_utf8_clean(s, n, &b, &f);
    if (f & (MIME_ENCWORD_CTL | MIME_ENCWORD_BAD_UTF8))
        *flags |= MIME_ADDR_CONTROL;
    r = xmemdup(b.data, b.len);
    buf_release(&b);
    return r;
}

/* has_8bit - whether a string has a byte >= 0x80 */
static bool
has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* fill_parts - local, domain, addr and their comparison forms */
static void
fill_parts(const struct addr_parse *p, const struct addr_build *ab, struct mime_address *a)
{
    if (a->flags & MIME_ADDR_INVALID || (a->flags & MIME_ADDR_EMPTY_ANGLE && ab->local.len == 0)) {
        /* nothing here is a mailbox: expose the text, but no part anyone could own */
        a->local = xstrdup("");
        a->domain = xstrdup("");
        a->route = xstrdup("");
        a->addr = clean_copy(p->s + ab->raw_start, ab->raw_end - ab->raw_start, &a->flags);
        a->flags &= ~(MIME_ADDR_NO_AT | MIME_ADDR_TRAILING_DOT);
    } else {
        a->local = clean_copy(ab->local.data, ab->local.len, &a->flags);
        a->domain = clean_copy(ab->domain.data, ab->domain.len, &a->flags);
        a->route = clean_copy(ab->route.data, ab->route.len, &a->flags);
        a->addr = format_addr(a->local, a->domain, a->flags & MIME_ADDR_NO_AT);
    }
    a->domain_lc = lower_copy(a->domain, true);
    a->addr_lc = lower_copy(a->addr, !(a->flags & MIME_ADDR_INVALID));
    if (has_8bit(a->local) || has_8bit(a->domain))
        a->flags |= MIME_ADDR_EIGHTBIT;
    if (strlen(a->local) > ADDR_MAX_LOCAL || strlen(a->domain) > ADDR_MAX_DOMAIN)
        a->flags |= MIME_ADDR_TOO_LONG;
}

/* add_display_addr - remember one address found in display text, once */
static void
add_display_addr(void *ctx, const char *s, size_t n)
{
    struct mime_address *a = ctx;

    for (size_t i = 0; i < a->n_display_addrs; i++)
        if (strlen(a->display_addrs[i]) == n && memcmp(a->display_addrs[i], s, n) == 0)
            return;
    if (a->n_display_addrs >= ADDR_MAX_DISPLAY_ADDRS)
        return;
    a->display_addrs = xrealloc(a->display_addrs, (a->n_display_addrs + 1) * sizeof(char *));
    a->display_addrs[a->n_display_addrs++] = xmemdup(s, n);
}

/* scan_display - look for addresses in one display text (name, comment, group name) */
static void
scan_display(struct mime_address *a, const char *text)
{
    bool lookalike;

    if (mime_encword_find_addresses(text, add_display_addr, a, &lookalike) > 0) {
        a->flags |= MIME_ADDR_DISPLAY_HAS_ADDRESS;
        if (lookalike)
            a->flags |= MIME_ADDR_DISPLAY_LOOKALIKE;
    }
}

/* scan_local - a local part can carry a display address too: quoted
 * (`"ceo@bank.example"@elsewhere.example`) or as an encoded word some readers decode */
static void
scan_local(struct mime_address *a)
{
    struct mime_encword_phrase ph;

    if (!(a->flags & MIME_ADDR_QUOTED_LOCAL) && strstr(a->local, "=?") == NULL)
        return;
    mime_encword_phrase_init(&ph, 0);
    mime_encword_phrase_add(&ph, a->local, strlen(a->local), false);
    scan_display(a, ph.text.data);
    mime_encword_phrase_release(&ph);
}

/* phrase_flags - the address bits for what decoding display text saw */
static unsigned
phrase_flags(unsigned ew)
{
    unsigned f = 0;

    if (ew & MIME_ENCWORD_DECODED)
        f |= MIME_ADDR_ENCODED;
    if (ew & (MIME_ENCWORD_BAD_CHARSET | MIME_ENCWORD_BAD_DATA | MIME_ENCWORD_BAD_UTF8))
        f |= MIME_ADDR_BAD_ENCODING;
    if (ew & (MIME_ENCWORD_CTL | MIME_ENCWORD_BIDI))
        f |= MIME_ADDR_CONTROL;
    if (ew & MIME_ENCWORD_TRUNCATED)
        f |= MIME_ADDR_TOO_LONG;
    return f;
}

/* emit - turn a builder into an address of the list (or count it when over the limit) */
static void
emit(struct addr_parse *p, struct addr_build *ab)
{
    struct mime_address_list *l = p->l;
    struct mime_address *a;

    if (l->count >= p->lim.max_addresses) {
        l->flags |= MIME_ADDRLIST_TOO_MANY;
        return;
    }
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->addrs = xrealloc(l->addrs, l->cap * sizeof(*l->addrs));
    }
    a = &l->addrs[l->count++];
    memset(a, 0, sizeof(*a));
    a->flags = ab->flags;
    a->group = p->group;
    a->display = xmemdup(ab->display.text.data, ab->display.text.len);
    a->comment = xmemdup(ab->comment.text.data, ab->comment.text.len);
    fill_parts(p, ab, a);
    scan_display(a, a->display);
    scan_display(a, a->comment);
    scan_local(a);
    if (p->group != MIME_ADDRESS_NO_GROUP) {
        a->group_name = l->groups[p->group].name;
        scan_display(a, l->groups[p->group].name);
        scan_display(a, l->groups[p->group].comment);
    }
    if (mime_encword_is_domain(a->display))
        a->flags |= MIME_ADDR_DISPLAY_IS_DOMAIN;
    a->flags |= phrase_flags(ab->display.flags | ab->comment.flags);
    if ((ab->display.flags | ab->comment.flags) & MIME_ENCWORD_TRUNCATED)
        l->flags |= MIME_ADDRLIST_TOO_LONG;
}

/* find_local_start - for `phrase local@domain`, the first token of the local part that ends
 * just before the '@' at index at */
static size_t
find_local_start(const struct addr_parse *p, size_t a, size_t at)
{
    size_t k = at;

    if (k == a || !is_word(&p->toks[k - 1]))
        return at;
    k--;
    while (k >= a + 2 && is_special(&p->toks[k - 1], '.') && is_word(&p->toks[k - 2]))
        k -= 2;
    return k;
}

/* parse_bare - a mailbox with no angle brackets: addr-spec, or phrase + addr-spec (flagged) */
static void
parse_bare(struct addr_parse *p, size_t a, size_t b)
{
    struct addr_build ab;
    size_t ats = 0, at = b, ls;

    for (size_t k = a; k < b; k++)
        if (is_special(&p->toks[k], '@')) {
            ats++;
            at = k;
        }
    build_init(&ab, p);
    parse_addr_spec(p, a, b, &ab);
    if (ats == 1 && (ab.flags & MIME_ADDR_INVALID) && (ls = find_local_start(p, a, at)) > a &&
        ls < at) {
        /* `"Johnson, Joe <joe@joe.com>" joe@joe.com`: not RFC 5322; read it the way lenient
         * readers do, but never as a clean mailbox */
        build_release(&ab);
        build_init(&ab, p);
        phrase_add_tokens(p, a, ls, &ab.display, &ab.comment);
        parse_addr_spec(p, ls, b, &ab);
        ab.flags |= MIME_ADDR_PHRASE_NO_ANGLE;
    }
    emit(p, &ab);
    build_release(&ab);
}

/* Angle-address candidates found in one mailbox. */
struct angle_scan {
    size_t start[4]; /* first token inside each closed pair, at most 4 kept */
    size_t end[4];
    size_t n;
    size_t open;    /* token index of an open '<', or SIZE_MAX */
    unsigned flags; /* MIME_ADDR_BAD_ANGLE, MIME_ADDR_TRAILING */
};

/* scan_angles - walk a mailbox with '<' or '>': display text to ab, pairs to as */
static void
scan_angles(struct addr_parse *p, size_t a, size_t b, struct addr_build *ab, struct angle_scan *as)
{
    size_t run = SIZE_MAX; /* first token of display text not yet added */

    as->open = SIZE_MAX;
    for (size_t k = a; k <= b; k++) {
        const struct tok *t = k < b ? &p->toks[k] : NULL;
        bool angle = t && (is_special(t, '<') || is_special(t, '>'));
        if (run != SIZE_MAX && (t == NULL || angle)) {
            phrase_add_tokens(p, run, k, &ab->display, &ab->comment);
            run = SIZE_MAX;
        }
        if (t == NULL)
            break;
        if (is_special(t, '<')) {
            if (as->open != SIZE_MAX)
                as->flags |= MIME_ADDR_BAD_ANGLE;
            as->open = k;
        } else if (is_special(t, '>')) {
            if (as->open == SIZE_MAX) {
                as->flags |= MIME_ADDR_BAD_ANGLE;
                continue;
            }
            if (as->n < 4) {
                as->start[as->n] = as->open + 1;
                as->end[as->n++] = k;
            } else {
                as->flags |= MIME_ADDR_AMBIGUOUS;
            }
            as->open = SIZE_MAX;
        } else if (as->open == SIZE_MAX) {
            if (as->n > 0 && t->type != TOK_COMMENT)
                as->flags |= MIME_ADDR_TRAILING;
            if (run == SIZE_MAX)
                run = k;
        }
    }
}

/* parse_angle - a mailbox with angle brackets: phrase <addr-spec>, and the broken forms */
static void
parse_angle(struct addr_parse *p, size_t a, size_t b)
{
    struct addr_build base;
    struct angle_scan as = {0};
    size_t nonempty = 0;

    build_init(&base, p);
    scan_angles(p, a, b, &base, &as);
    if (as.open != SIZE_MAX) {
        p->l->flags |= MIME_ADDRLIST_UNBALANCED_ANGLE;
        as.flags |= MIME_ADDR_BAD_ANGLE;
        if (as.n < 4) {
            as.start[as.n] = as.open + 1;
            as.end[as.n++] = b;
        }
    }
    if (as.flags & MIME_ADDR_BAD_ANGLE)
        p->l->flags |= MIME_ADDRLIST_UNBALANCED_ANGLE;
    if (as.flags & MIME_ADDR_TRAILING)
        p->l->flags |= MIME_ADDRLIST_TRAILING_GARBAGE;
    for (size_t i = 0; i < as.n; i++)
        nonempty += as.end[i] > as.start[i];
    if (nonempty < as.n)
        as.flags |= MIME_ADDR_EMPTY_ANGLE; /* `<>` beside the address: which one is meant? */
    if (as.n == 0) {
        /* only a stray '>': nothing is an address */
        as.start[0] = as.end[0] = a;
        as.n = 1;
        base.flags |= MIME_ADDR_INVALID;
    }
    for (size_t i = 0; i < as.n; i++) {
        struct addr_build ab;
        if (as.end[i] == as.start[i] && nonempty > 0)
            continue;
        build_init(&ab, p);
        mime_encword_phrase_copy(&ab.display, &base.display);
        mime_encword_phrase_copy(&ab.comment, &base.comment);
        ab.flags = base.flags | as.flags | (nonempty > 1 ? MIME_ADDR_AMBIGUOUS : 0);
        parse_addr_spec(p, as.start[i], as.end[i], &ab);
        if (as.n == 1 && nonempty == 0 && (base.flags & MIME_ADDR_INVALID)) {
            ab.raw_start = p->toks[a].start;
            ab.raw_end = p->toks[b - 1].end;
        }
        emit(p, &ab);
        build_release(&ab);
    }
    build_release(&base);
}

/* parse_mailbox - one element of the list, tokens [a, b) */
static void
parse_mailbox(struct addr_parse *p, size_t a, size_t b)
{
    bool content = false, angle = false;

    for (size_t k = a; k < b; k++) {
        content |= p->toks[k].type != TOK_COMMENT;
        angle |= is_special(&p->toks[k], '<') || is_special(&p->toks[k], '>');
    }
    if (!content)
        return; /* obs-mbox-list / obs-addr-list allow empty elements */
    if (angle)
        parse_angle(p, a, b);
    else
        parse_bare(p, a, b);
}

/* group_close - end the current group */
static void
group_close(struct addr_parse *p)
{
    if (p->group != MIME_ADDRESS_NO_GROUP)
        p->l->groups[p->group].count = p->l->count - p->l->groups[p->group].first;
    p->group = MIME_ADDRESS_NO_GROUP;
    p->in_group = false;
}

/* group_open - start a group named by tokens [a, b) */
static void
group_open(struct addr_parse *p, size_t a, size_t b)
{
    struct mime_address_list *l = p->l;
    struct addr_build ab;
    struct mime_address_group *g;

    l->flags |= MIME_ADDRLIST_GROUP;
    if (p->in_group) {
        l->flags |= MIME_ADDRLIST_UNBALANCED_GROUP; /* groups do not nest */
        group_close(p);
    }
    p->in_group = true;
    if (l->ngroups >= p->lim.max_addresses) {
        l->flags |= MIME_ADDRLIST_TOO_MANY;
        return;
    }
    if (l->ngroups == l->gcap) {
        l->gcap = l->gcap ? l->gcap * 2 : 2;
        l->groups = xrealloc(l->groups, l->gcap * sizeof(*l->groups));
    }
    build_init(&ab, p);
    phrase_add_tokens(p, a, b, &ab.display, &ab.comment);
    g = &l->groups[l->ngroups];
    g->name = xmemdup(ab.display.text.data, ab.display.text.len);
    g->comment = xmemdup(ab.comment.text.data, ab.comment.text.len);
    g->first = l->count;
    g->count = 0;
    if ((ab.display.flags | ab.comment.flags) & MIME_ENCWORD_TRUNCATED)
        l->flags |= MIME_ADDRLIST_TOO_LONG;
    p->group = l->ngroups++;
    build_release(&ab);
}

/* element_end - the index of the ',' ';' or ':' ending the element at a (outside angle
 * brackets, where an obs-route may hold them), or ntok */
static size_t
element_end(const struct addr_parse *p, size_t a)
{
    size_t depth = 0, k;

    for (k = a; k < p->ntok; k++) {
        const struct tok *t = &p->toks[k];
        if (is_special(t, '<'))
            depth++;
        else if (is_special(t, '>') && depth > 0)
            depth--;
        else if (depth == 0 && (is_special(t, ',') || is_special(t, ';') || is_special(t, ':')))
            break;
    }
    return k;
}

/* parse_list - address-list: mailboxes and groups */
static void
parse_list(struct addr_parse *p)
{
    size_t a = 0;

    while (a < p->ntok) {
        size_t b = element_end(p, a);
        char d = b < p->ntok ? p->toks[b].ch : 0;
        if (d == ':') {
            group_open(p, a, b);
        } else {
            parse_mailbox(p, a, b);
            if (d == ';' && p->in_group)
                group_close(p);
            else if (d == ';')
                p->l->flags |= MIME_ADDRLIST_UNBALANCED_GROUP;
        }
        a = b + 1;
    }
    if (p->in_group) {
        p->l->flags |= MIME_ADDRLIST_UNBALANCED_GROUP;
        group_close(p);
    }
}

/* finish_flags - list flags that summarise the addresses */
static void
finish_flags(struct addr_parse *p)
{
    struct mime_address_list *l = p->l;
    bool owned = false, content = false;

    for (size_t k = 0; k < p->ntok; k++)
        content |= p->toks[k].type != TOK_COMMENT;
    if (!content)
        l->flags |= MIME_ADDRLIST_EMPTY;
    for (size_t i = 0; i < l->count; i++) {
        const struct mime_address *a = &l->addrs[i];
        if (a->flags & MIME_ADDR_SUSPECT)
            l->flags |= MIME_ADDRLIST_SUSPECT_ADDRESS;
        if (a->n_display_addrs > 0)
            l->flags |= MIME_ADDRLIST_DISPLAY_HAS_ADDRESS;
        if (a->flags & MIME_ADDR_CONTROL)
            l->flags |= MIME_ADDRLIST_CONTROL;
        owned |= a->local[0] != '\0' && a->domain[0] != '\0';
    }
    if (!owned)
        l->flags |= MIME_ADDRLIST_UNPARSABLE;
    if (l->count > 1)
        l->flags |= MIME_ADDRLIST_MULTIPLE;
}

/* mime_address_parse - parse an address-list field value */
struct mime_address_list *
mime_address_parse(const char *value, size_t len, const struct mime_address_limits *lim)
{
    struct addr_parse p = {.s = value, .n = len, .group = MIME_ADDRESS_NO_GROUP};

    p.lim = lim ? *lim : mime_address_limits_default();
    p.l = xcalloc(1, sizeof(*p.l));
    if (p.n > p.lim.max_input) {
        p.n = p.lim.max_input;
        p.l->flags |= MIME_ADDRLIST_TOO_LONG;
    }
    tokenize(&p);
    parse_list(&p);
    finish_flags(&p);
    free(p.toks);
    return p.l;
}

/* mime_address_list_free - release a list; accepts NULL, returns NULL */
struct mime_address_list *
mime_address_list_free(struct mime_address_list *l)
{
    if (l == NULL)
        return NULL;
    for (size_t i = 0; i < l->count; i++) {
        struct mime_address *a = &l->addrs[i];
        char *strings[] = {a->display,   a->comment, a->local,   a->domain,
                           a->domain_lc, a->addr,    a->addr_lc, a->route};
        for (size_t j = 0; j < sizeof strings / sizeof *strings; j++)
            free(strings[j]);
        for (size_t j = 0; j < a->n_display_addrs; j++)
            free(a->display_addrs[j]);
        free(a->display_addrs);
    }
    for (size_t i = 0; i < l->ngroups; i++) {
        free(l->groups[i].name);
        free(l->groups[i].comment);
    }
    free(l->addrs);
    free(l->groups);
    free(l);
    return NULL;
}

size_t
mime_address_list_count(const struct mime_address_list *l)
{
    return l->count;
}

const struct mime_address *
mime_address_list_get(const struct mime_address_list *l, size_t i)
{
    return i < l->count ? &l->addrs[i] : NULL;
}

size_t
mime_address_list_group_count(const struct mime_address_list *l)
{
    return l->ngroups;
}

const struct mime_address_group *
mime_address_list_group(const struct mime_address_list *l, size_t i)
{
    return i < l->ngroups ? &l->groups[i] : NULL;
}

unsigned
mime_address_list_flags(const struct mime_address_list *l)
{
    return l->flags;
}

/* mime_address_list_is_single_clean - one clean mailbox outside any group */
bool
mime_address_list_is_single_clean(const struct mime_address_list *l)
{
    const struct mime_address *a = l->count == 1 ? &l->addrs[0] : NULL;

    return a != NULL && !(l->flags & (MIME_ADDRLIST_SUSPECT | MIME_ADDRLIST_GROUP)) &&
           !(a->flags & MIME_ADDR_SUSPECT) && a->local[0] != '\0' && a->domain[0] != '\0';
}

/* mime_address_domain_eq - domains equal, ASCII case-insensitive, trailing dot ignored */
bool
mime_address_domain_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);

    if (na > 0 && a[na - 1] == '.')
        na--;
    if (nb > 0 && b[nb - 1] == '.')
        nb--;
    return na == nb && na > 0 && strncasecmp(a, b, na) == 0;
}

/* flag_name - the name of one bit in a table, "unknown" else */
static const char *
flag_name(const char *const *names, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++)
        if (bit == 1u << i)
            return names[i];
    return "unknown";
}

const char *
mime_address_flag_name(unsigned bit)
{
    return flag_name(addr_flag_names, sizeof addr_flag_names / sizeof *addr_flag_names, bit);
}

const char *
mime_address_list_flag_name(unsigned bit)
{
    return flag_name(list_flag_names, sizeof list_flag_names / sizeof *list_flag_names, bit);
}
