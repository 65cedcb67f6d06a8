/*
 * config_load - walk the YAML document (libyaml's document API, which keeps each node's line
 * and column) and let config_table[] say what every key means.
 *
 * The walk only descends into keys the table knows, so its depth is the table's depth however
 * the input nests or aliases itself.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_impl.h"
#include "util/mem.h"

#define CFG_KEY_MAX 64             /* longer keys are unknown by definition */
#define CFG_PATH_MAX 160           /* longest table path plus one key */
#define CFG_FILE_MAX (1024 * 1024) /* a configuration file is small */
#define CFG_ERR_MAX 256

struct loader {
    const char *name; /* for messages */
    const char *dir;  /* folder for relative paths; NULL = keep them */
    struct config_diag *diag;
    struct sw_config *cfg;
    yaml_document_t *doc;
    struct cfg_marks marks; /* where each value was written */
    bool *seen;             /* per config_table[] row, given in the item being loaded */
    struct cfg_mark gateway;
};

static void load_map(struct loader *ld, yaml_node_t *map, const char *prefix, void *base);
static void load_value(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n,
                       void *base);

/* mark_of - a node's 1-based position */
static struct cfg_mark
mark_of(const yaml_node_t *n)
{
    return (struct cfg_mark){n->start_mark.line + 1, n->start_mark.column + 1};
}

/* node_kind - a node's type in words, for messages */
static const char *
node_kind(const yaml_node_t *n)
{
    return n->type == YAML_SEQUENCE_NODE  ? "a list"
           : n->type == YAML_MAPPING_NODE ? "a mapping"
                                          : "a single value";
}

/* node_is_null - an empty plain scalar, "~" or "null" */
static bool
node_is_null(const yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;

    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
            strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

/* node_text - a scalar's text, or NULL when it holds a NUL byte */
static const char *
node_text(const yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;

    return memchr(s, '\0', n->data.scalar.length) != NULL ? NULL : s;
}

/* child - the node with this id */
static yaml_node_t *
child(struct loader *ld, int id)
{
    return yaml_document_get_node(ld->doc, id);
}

/* load_scalar - one single-valued setting */
static void
load_scalar(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, void *base)
{
    char err[CFG_ERR_MAX], shown[72];
    const char *text;

    if (n->type != YAML_SCALAR_NODE) {
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR,
                        "'%s' needs a single value, not %s", row->path, node_kind(n));
        return;
    }
    if (node_is_null(n)) {
        if ((row->type == CFG_STRING || row->type == CFG_PATH) && row->def == NULL &&
            !(row->flags & CFG_F_REQUIRED)) {
            config_value_release(row, base);
            return;
        }
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR, "'%s' needs a value", row->path);
        return;
    }
    if ((text = node_text(n)) == NULL) {
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR, "'%s' contains a NUL byte",
                        row->path);
        return;
    }
    if (config_value_set(row, base, text, ld->dir, err, sizeof err) < 0)
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR, "%s (got '%s')", err,
                        config_diag_printable(text, shown, sizeof shown));
}

/* cidr_explain - why text is not a network; names the network meant when host bits are set */
static void
cidr_explain(const char *text, char *out, size_t size)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    struct cidr net;

    snprintf(out, size, "expected an address or address/prefix");
    if (slash == NULL || (size_t)(slash - text) >= sizeof addr)
        return;
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    if (cidr_parse(addr, &net) < 0)
        return;
    unsigned long prefix;
    char *end;
    errno = 0;
    prefix = strtoul(slash + 1, &end, 10);
    if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || prefix > net.prefix) {
        snprintf(out, size, "the prefix length must be 0 to %u", net.prefix);
        return;
    }
    for (unsigned bit = (unsigned)prefix; bit < net.prefix; bit++)
        net.net.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    net.prefix = (unsigned)prefix;
    char fixed[INET6_ADDRSTRLEN + 8];
    cidr_format(&net, fixed, sizeof fixed);
    snprintf(out, size, "host bits are set; did you mean %s?", fixed);
}

/* list_items - the items of a sequence at field, or NULL (reported) when n is not one */
static yaml_node_item_t *
list_items(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, const void *field,
           const char *example, size_t *count)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR,
                        "'%s' needs a list, as in %s, not %s", row->path, example, node_kind(n));
        return NULL;
    }
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (*count > 0)
        config_marks_add(&ld->marks, field, CFG_MARK_ITEMS,
                         mark_of(child(ld, n->data.sequence.items.start[0])));
    return n->data.sequence.items.start;
}

/* item_text - a list item's text, or NULL (reported) when it is not a usable scalar */
static const char *
item_text(struct loader *ld, const struct cfg_setting *row, yaml_node_t *item, const char *what)
{
    const char *text =
        item->type == YAML_SCALAR_NODE && !node_is_null(item) ? node_text(item) : NULL;

    if (text == NULL)
        config_diag_add(ld->diag, ld->name, mark_of(item), CFG_ERROR,
                        "'%s' items must be %s, not %s", row->path, what,
                        item->type != YAML_SCALAR_NODE ? node_kind(item)
                        : node_is_null(item)           ? "empty"
                                                       : "text with a NUL byte");
    return text;
}

/* load_cidrs - a list of networks */
static void
load_cidrs(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, void *base)
{
    struct cidr_list *list = config_value_field(row, base);
    char why[128], shown[72];
    size_t count = 0;
    yaml_node_item_t *items;

    if (node_is_null(n) || (items = list_items(ld, row, n, list, "[192.0.2.0/24]", &count)) == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = child(ld, items[i]);
        const char *text = item_text(ld, row, item, "networks");
        struct cidr net;
        if (text == NULL)
            continue;
        if (cidr_parse(text, &net) < 0) {
            cidr_explain(text, why, sizeof why);
            config_diag_add(ld->diag, ld->name, mark_of(item), CFG_ERROR,
                            "bad network '%s' in '%s': %s",
                            config_diag_printable(text, shown, sizeof shown), row->path, why);
            continue;
        }
        cidr_list_add(list, &net);
        config_marks_add(&ld->marks, list, list->n - 1, mark_of(item));
    }
}

/* load_strings - a list of strings, each checked by the row's flags */
static void
load_strings(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, void *base)
{
    char ***vp = config_value_field(row, base), err[CFG_ERR_MAX], shown[72];
    size_t *np = (size_t *)((char *)base + row->off_port), count = 0;
    yaml_node_item_t *items;

    if (node_is_null(n) || (items = list_items(ld, row, n, vp, "[a.example]", &count)) == NULL)
        return;
    config_value_release(row, base);
    *vp = xcalloc(count ? count : 1, sizeof **vp);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = child(ld, items[i]);
        const char *text = item_text(ld, row, item, "single values");
        char *value = NULL;
        if (text == NULL)
            continue;
        if (config_name_check(row, text, &value, err, sizeof err) < 0) {
            config_diag_add(ld->diag, ld->name, mark_of(item), CFG_ERROR, "%s (got '%s')", err,
                            config_diag_printable(text, shown, sizeof shown));
            continue;
        }
        config_marks_add(&ld->marks, vp, *np, mark_of(item));
        (*vp)[(*np)++] = value;
    }
}

/* article - "a" or "an" before word */
static const char *
article(const char *word)
{
    return strchr("aeiou", word[0]) != NULL ? "an" : "a";
}

/* check_item_required - every required row of the item's scope was given */
static void
check_item_required(struct loader *ld, const struct cfg_setting *list, yaml_node_t *item,
                    const bool *seen)
{
    for (size_t j = 0; j < config_table_len; j++) {
        const struct cfg_setting *r = &config_table[j];
        if (r->scope == list->item_scope && (r->flags & CFG_F_REQUIRED) && !seen[j])
            config_diag_add(ld->diag, ld->name, mark_of(item), CFG_ERROR, "%s %s needs '%s'",
                            article(list->item), list->item,
                            r->path + strlen(list->path) + sizeof "[]." - 1);
    }
}

/* load_item - one item of a list of mappings: a mapping, or its shorthand scalar alone */
static void
load_item(struct loader *ld, const struct cfg_setting *list, yaml_node_t *item, void *base)
{
    char prefix[CFG_PATH_MAX], sub[CFG_PATH_MAX + sizeof ".address"];
    bool *seen = xcalloc(config_table_len, sizeof *seen), *outer = ld->seen;
    const struct cfg_setting *shorthand;

    config_value_defaults(list->item_scope, base, ld->dir);
    *(int *)((char *)base + list->off_line) = (int)(item->start_mark.line + 1);
    snprintf(prefix, sizeof prefix, "%s[]", list->path);
    snprintf(sub, sizeof sub, "%s.address", prefix);
    shorthand = config_table_find(sub);
    ld->seen = seen;
    if (item->type == YAML_MAPPING_NODE) {
        load_map(ld, item, prefix, base);
        check_item_required(ld, list, item, seen);
    } else if (item->type == YAML_SCALAR_NODE && !node_is_null(item) && shorthand != NULL &&
               (shorthand->flags & CFG_F_SHORTHAND)) {
        load_value(ld, shorthand, item, base);
        check_item_required(ld, list, item, seen);
    } else {
        config_diag_add(ld->diag, ld->name, mark_of(item), CFG_ERROR, "%s %s is %s, not %s",
                        article(list->item), list->item, list->shape,
                        item->type == YAML_SCALAR_NODE ? "empty" : node_kind(item));
    }
    ld->seen = outer;
    free(seen);
}

/* load_items - a list of mappings (gateway.listen, identities, dkim) */
static void
load_items(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, void *base)
{
    char **ap = config_value_field(row, base);
    size_t *np = (size_t *)((char *)base + row->off_port);

    if (n->type != YAML_SEQUENCE_NODE) {
        if (!node_is_null(n) || (row->flags & CFG_F_REQUIRED))
            config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR,
                            "'%s' needs a list of %s, each %s, not %s", row->path, row->items,
                            row->shape, node_is_null(n) ? "nothing" : node_kind(n));
        return;
    }
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > row->max) {
        config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR,
                        "'%s' has %zu %s; at most %llu are allowed", row->path, count, row->items,
                        (unsigned long long)row->max);
        return;
    }
    config_value_release(row, base);
    *ap = xcalloc(count ? count : 1, row->item_size);
    *np = count;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = child(ld, n->data.sequence.items.start[i]);
        config_marks_add(&ld->marks, ap, i, mark_of(item));
        load_item(ld, row, item, *ap + i * row->item_size);
    }
}

/* load_value - a setting of any type */
static void
load_value(struct loader *ld, const struct cfg_setting *row, yaml_node_t *n, void *base)
{
    config_marks_add(&ld->marks, config_value_field(row, base), CFG_MARK_WHOLE, mark_of(n));
    if (ld->seen != NULL && row->scope != CFG_SCOPE_CONFIG)
        ld->seen[config_table_index(row)] = true;
    switch (row->type) {
    case CFG_CIDR_LIST:
        load_cidrs(ld, row, n, base);
        break;
    case CFG_STRING_LIST:
        load_strings(ld, row, n, base);
        break;
    case CFG_MAP_LIST:
        load_items(ld, row, n, base);
        break;
    default:
        load_scalar(ld, row, n, base);
        break;
    }
}

/* load_section - a key the table knows as a group of settings ("gateway.tls") */
static void
load_section(struct loader *ld, const char *path, yaml_node_t *n, void *base)
{
    char sub[CFG_PATH_MAX + sizeof ".address"];
    const struct cfg_setting *shorthand;

    if (n->type == YAML_MAPPING_NODE) {
        const struct cfg_setting *first = config_table_first_below(path);
        if (first != NULL)
            config_marks_add(&ld->marks, config_value_field(first, base), CFG_MARK_SECTION,
                             mark_of(n));
        load_map(ld, n, path, base);
        return;
    }
    if (node_is_null(n))
        return;
    snprintf(sub, sizeof sub, "%s.address", path);
    shorthand = config_table_find(sub);
    if (n->type == YAML_SCALAR_NODE && shorthand != NULL && (shorthand->flags & CFG_F_SHORTHAND)) {
        load_value(ld, shorthand, n, base);
        return;
    }
    config_diag_add(ld->diag, ld->name, mark_of(n), CFG_ERROR,
                    "'%s' is a group of settings and needs a mapping, not %s", path, node_kind(n));
}

/* unknown_key - an error naming the closest known key at that level */
static void
unknown_key(struct loader *ld, yaml_node_t *key, const char *prefix, const char *text)
{
    char shown[72], hint[CFG_KEY_MAX + 1];
    const char *sep = prefix[0] ? "." : "";

    config_diag_printable(text, shown, sizeof shown);
    if (config_table_suggest(prefix, text, hint, sizeof hint) != NULL)
        config_diag_add(ld->diag, ld->name, mark_of(key), CFG_ERROR,
                        "unknown key '%s%s%s' (did you mean '%s'?)", prefix, sep, shown, hint);
    else
        config_diag_add(ld->diag, ld->name, mark_of(key), CFG_ERROR, "unknown key '%s%s%s'", prefix,
                        sep, shown);
}

/* key_text - a usable key, or NULL (reported) when the key is not a plain scalar */
static const char *
key_text(struct loader *ld, yaml_node_t *key)
{
    if (key->type != YAML_SCALAR_NODE) {
        config_diag_add(ld->diag, ld->name, mark_of(key), CFG_ERROR,
                        "a key must be a single word, not %s", node_kind(key));
        return NULL;
    }
    const char *s = node_text(key);
    return s != NULL ? s : "?";
}

/* is_duplicate - key was already given in this mapping (firsts: the known keys so far) */
static bool
is_duplicate(struct loader *ld, yaml_node_t *key, const char *path, yaml_node_t **firsts,
             size_t nfirst)
{
    for (size_t i = 0; i < nfirst; i++) {
        if (strcmp((const char *)firsts[i]->data.scalar.value,
                   (const char *)key->data.scalar.value) == 0) {
            config_diag_add(ld->diag, ld->name, mark_of(key), CFG_ERROR,
                            "duplicate key '%s' (first given at line %lu)", path,
                            mark_of(firsts[i]).line);
            return true;
        }
    }
    return false;
}

/* load_map - every key of a mapping whose settings lie below prefix */
static void
load_map(struct loader *ld, yaml_node_t *map, const char *prefix, void *base)
{
    yaml_node_t *firsts[CFG_KEY_MAX];
    size_t nfirst = 0;
    char path[CFG_PATH_MAX];

    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = child(ld, p->key), *value = child(ld, p->value);
        const char *text = key_text(ld, key);
        if (text == NULL)
            continue;
        if (strlen(text) > CFG_KEY_MAX || strpbrk(text, ".[]") != NULL || text[0] == '\0') {
            unknown_key(ld, key, prefix, text);
            continue;
        }
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", text);
        const struct cfg_setting *row = config_table_find(path);
        if (row == NULL && !config_table_is_section(path)) {
            unknown_key(ld, key, prefix, text);
            continue;
        }
        if (is_duplicate(ld, key, path, firsts, nfirst))
            continue;
        if (nfirst < CFG_KEY_MAX)
            firsts[nfirst++] = key;
        if (strcmp(path, "gateway") == 0)
            ld->gateway = mark_of(key);
        if (row != NULL)
            load_value(ld, row, value, base);
        else
            load_section(ld, path, value, base);
    }
}

/* offset_mark - line and column of a byte offset, for reader errors that carry no mark */
static struct cfg_mark
offset_mark(const char *yaml, size_t len, size_t offset)
{
    struct cfg_mark m = {1, 1};

    for (size_t i = 0; i < offset && i < len; i++) {
        if (yaml[i] == '\n') {
            m.line++;
            m.col = 1;
        } else {
            m.col++;
        }
    }
    return m;
}

/* report_syntax - libyaml's own account of a syntax error */
static void
report_syntax(struct loader *ld, const yaml_parser_t *p, const char *yaml, size_t len)
{
    struct cfg_mark at = {p->problem_mark.line + 1, p->problem_mark.column + 1};
    const char *problem = p->problem ? p->problem : "cannot be parsed";

    if (p->error == YAML_READER_ERROR)
        at = offset_mark(yaml, len, p->problem_offset);
    if (p->context != NULL)
        config_diag_add(ld->diag, ld->name, at, CFG_ERROR,
                        "YAML syntax: %s (%s that started at line %lu)", problem, p->context,
                        (unsigned long)p->context_mark.line + 1);
    else
        config_diag_add(ld->diag, ld->name, at, CFG_ERROR, "YAML syntax: %s", problem);
}

/* load_document - parse the text and walk its one document; -1 on a syntax error */
static int
load_document(struct loader *ld, const char *yaml, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    int r = -1;

    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        report_syntax(ld, &parser, yaml, len);
        goto out_parser;
    }
    ld->doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root != NULL && root->type == YAML_MAPPING_NODE)
        load_map(ld, root, "", ld->cfg);
    else if (root != NULL && !node_is_null(root))
        config_diag_add(ld->diag, ld->name, mark_of(root), CFG_ERROR,
                        "the file must be a mapping (gateway:, events:, ...), not %s",
                        node_kind(root));
    if (!yaml_parser_load(&parser, &extra)) {
        report_syntax(ld, &parser, yaml, len);
    } else {
        yaml_node_t *more = yaml_document_get_root_node(&extra);
        if (more != NULL)
            config_diag_add(ld->diag, ld->name, mark_of(more), CFG_ERROR,
                            "only one YAML document is allowed");
        yaml_document_delete(&extra);
        r = 0;
    }
    ld->doc = NULL;
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    return r;
}

/* load_common - the loader behind both entry points */
static struct sw_config *
load_common(const char *yaml, size_t len, const char *name, const char *dir,
            struct config_diag *diag)
{
    struct loader ld = {.name = name, .dir = dir, .diag = diag};
    unsigned errors = diag->errors;

    ld.cfg = xcalloc(1, sizeof *ld.cfg);
    ld.cfg->path = xstrdup(name);
    config_value_defaults(CFG_SCOPE_CONFIG, ld.cfg, dir);
    /* After a syntax error the tree is partial: checks would only add noise. */
    if (load_document(&ld, yaml, len) == 0) {
        struct cfg_where where = {.name = name, .marks = &ld.marks, .gateway = ld.gateway};
        config_marks_sort(&ld.marks);
        config_check_fill_defaults(ld.cfg);
        config_check_run(ld.cfg, &where, diag);
    }
    config_marks_release(&ld.marks);
    if (diag->errors != errors)
        ld.cfg = config_free(ld.cfg);
    return ld.cfg;
}

/* folder_of - the folder part of a file name, or NULL for "x.yaml" and "<embedded>" */
static char *
folder_of(const char *name)
{
    const char *slash = strrchr(name, '/');

    if (name[0] == '<' || slash == NULL)
        return NULL;
    return xmemdup(name, (size_t)(slash - name));
}

struct sw_config *
config_load_string(const char *yaml, size_t len, const char *name, struct config_diag *diag)
{
    struct config_diag local;

    if (name == NULL)
        name = "<embedded>";
    char *dir = folder_of(name);
    if (diag == NULL)
        config_diag_init(&local);
    struct sw_config *cfg = load_common(yaml, len, name, dir, diag ? diag : &local);
    if (diag == NULL)
        config_diag_release(&local);
    free(dir);
    return cfg;
}

/* read_file - the whole file, at most CFG_FILE_MAX bytes; NULL with errno */
static char *
read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *data = NULL;

    if (fp == NULL)
        return NULL;
    data = xmalloc(CFG_FILE_MAX + 1);
    *len = fread(data, 1, CFG_FILE_MAX + 1, fp);
    if (ferror(fp) || *len > CFG_FILE_MAX) {
        errno = ferror(fp) ? EIO : EFBIG;
        free(data);
        data = NULL;
    }
    fclose(fp);
    return data;
}

struct sw_config *
config_load_file(const char *path, struct config_diag *diag)
{
    struct config_diag local;
    struct config_diag *d = diag ? diag : &local;
    struct sw_config *cfg = NULL;
    size_t len = 0;
    char *folder = folder_of(path), *dir;

    if (diag == NULL)
        config_diag_init(&local);
    char *data = read_file(path, &len);
    if (data == NULL) {
        config_diag_add(d, path, (struct cfg_mark){0, 0}, CFG_ERROR, "cannot read: %s",
                        strerror(errno));
        goto out_free_folder;
    }
    /* Absolute, so paths still hold after the daemon changes its working folder. */
    dir = realpath(folder ? folder : ".", NULL);
    cfg = load_common(data, len, path, dir ? dir : folder, d);
    free(dir);
    free(data);
out_free_folder:
    free(folder);
    if (diag == NULL)
        config_diag_release(&local);
    return cfg;
}

struct sw_config *
config_free(struct sw_config *cfg)
{
    if (cfg == NULL)
        return NULL;
    for (size_t j = 0; j < config_table_len; j++)
        if (config_table[j].scope == CFG_SCOPE_CONFIG)
            config_value_release(&config_table[j], cfg);
    free(cfg->path);
    free(cfg);
    return NULL;
}
