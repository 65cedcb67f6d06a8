/* gw_dkim - configured DKIM keys and signing a spooled message with them. */
#include "gateway/gw_dkim.h"

#include <stdlib.h>
#include <strings.h>

#include "auth/dkim_key.h"
#include "auth/dkim_sign.h"
#include "util/mem.h"

struct gw_dkim_key {
    char *domain;
    char *selector;
    char **headers; /* NULL-terminated, or NULL for the default list */
    enum dkim_canon hcanon, bcanon;
    struct dkim_key *key;
};

struct gw_dkim {
    struct gw_dkim_key *items;
    size_t n;
};

/* headers_copy - the configured header list, NULL-terminated, with "from" first when the
 * list lacks it (From is always signed); NULL for the signer's default list */
static char **
headers_copy(const struct cfg_dkim_key *c)
{
    char **v;
    size_t n = 0;
    bool has_from = false;

    if (c->nheaders == 0)
        return NULL;
    for (size_t i = 0; i < c->nheaders; i++)
        has_from = has_from || strcasecmp(c->headers[i], "from") == 0;
    v = xcalloc(c->nheaders + 2, sizeof *v);
    if (!has_from)
        v[n++] = xstrdup("from");
    for (size_t i = 0; i < c->nheaders; i++)
        v[n++] = xstrdup(c->headers[i]);
    return v;
}

/* key_usable - a signer can be made with this key and header list (checked once, at load) */
static bool
key_usable(const struct gw_dkim_key *k, struct buf *err)
{
    struct dkim_sign_params p = {.domain = k->domain,
                                 .selector = k->selector,
                                 .key = k->key,
                                 .headers = (const char *const *)k->headers};
    struct dkim_signer *s = dkim_signer_new(&p, err);

    dkim_signer_free(s);
    return s != NULL;
}

struct gw_dkim *
gw_dkim_load(const struct sw_config *cfg, struct buf *err)
{
    struct gw_dkim *k = xcalloc(1, sizeof *k);

    k->items = xcalloc(cfg->ndkim + 1, sizeof *k->items);
    for (size_t i = 0; i < cfg->ndkim; i++) {
        const struct cfg_dkim_key *c = &cfg->dkim[i];
        struct dkim_key *key = dkim_key_load_pem(c->key, err);
        if (key == NULL) {
            buf_printf(err, " (dkim key for %s, selector %s)", c->domain, c->selector);
            return gw_dkim_free(k);
        }
        k->items[k->n].domain = xstrdup(c->domain);
        k->items[k->n].selector = xstrdup(c->selector);
        k->items[k->n].key = key;
        k->items[k->n].headers = headers_copy(c);
        k->items[k->n].hcanon =
            (c->canon == CFG_DKIM_SIMPLE_RELAXED || c->canon == CFG_DKIM_SIMPLE_SIMPLE)
                ? DKIM_CANON_SIMPLE
                : DKIM_CANON_RELAXED;
        k->items[k->n].bcanon =
            (c->canon == CFG_DKIM_RELAXED_SIMPLE || c->canon == CFG_DKIM_SIMPLE_SIMPLE)
                ? DKIM_CANON_SIMPLE
                : DKIM_CANON_RELAXED;
        k->n++;
        if (!key_usable(&k->items[k->n - 1], err)) {
            buf_printf(err, " (dkim key for %s, selector %s)", c->domain, c->selector);
            return gw_dkim_free(k);
        }
    }
    return k;
}

struct gw_dkim *
gw_dkim_free(struct gw_dkim *k)
{
    if (k == NULL)
        return NULL;
    for (size_t i = 0; i < k->n; i++) {
        free(k->items[i].domain);
        free(k->items[i].selector);
        for (char **h = k->items[i].headers; h != NULL && *h != NULL; h++)
            free(*h);
        free(k->items[i].headers);
        dkim_key_free(k->items[i].key);
    }
    free(k->items);
    free(k);
    return NULL;
}

/* signer_body - spool_each_after() callback */
static void
signer_body(void *ctx, const char *data, size_t len)
{
    dkim_signer_body(ctx, data, len);
}

int
gw_dkim_sign(const struct gw_dkim *k, const char *domain, const char *hdr, size_t hlen,
             struct spool *sp, time_t now, struct buf *out, const char **selector)
{
    const struct gw_dkim_key *key = NULL;
    struct dkim_signer *s;
    int rc = -1;

    for (size_t i = 0; k != NULL && i < k->n && key == NULL; i++)
        if (strcasecmp(k->items[i].domain, domain) == 0)
            key = &k->items[i];
    if (key == NULL)
        return 0;
    struct dkim_sign_params p = {.domain = key->domain,
                                 .selector = key->selector,
                                 .key = key->key,
                                 .headers = (const char *const *)key->headers,
                                 .hcanon = key->hcanon,
                                 .bcanon = key->bcanon,
                                 .has_timestamp = true,
                                 .timestamp = (uint64_t)now};
    s = dkim_signer_new(&p, out);
    if (s == NULL)
        return -1;
    if (dkim_signer_headers(s, hdr, hlen) < 0 || spool_each_after(sp, hlen, signer_body, s) < 0 ||
        dkim_signer_finish(s, out) < 0) {
        buf_reset(out);
        buf_printf(out, "%s", dkim_signer_error(s));
        goto out_free;
    }
    *selector = key->selector;
    rc = 1;
out_free:
    dkim_signer_free(s);
    return rc;
}
