/*
 * gw_content - the content engine in the relay; see gw_content.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/content_config.h"
#include "gateway/gw_content.h"
#include "util/mem.h"

struct gw_content {
    struct content_config *cc;
    struct content_engine *engine;
    int dir_fd; /* the quarantine folder, opened before privileges are dropped */
    char *dir;
};

int
gw_content_prepare(const struct sw_config *cfg, struct buf *err)
{
    const char *dir = cfg->content.quarantine_dir;

    if (!cfg->content.enabled || dir == NULL)
        return 0;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        buf_printf(err, "quarantine folder %s: %s", dir, strerror(errno));
        return -1;
    }
    if (geteuid() == 0 && cfg->gateway.user != NULL) {
        struct passwd *pw = getpwnam(cfg->gateway.user);
        if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
            buf_printf(err, "quarantine folder %s: chown to %s: %s", dir, cfg->gateway.user,
                       strerror(errno));
            return -1;
        }
    }
    return 0;
}

struct gw_content *
gw_content_new(const struct sw_config *cfg, struct buf *err)
{
    struct gw_content *c = xcalloc(1, sizeof *c);
    char msg[512];

    c->dir_fd = -1;
    c->cc = content_config_options(cfg);
    c->engine = content_engine_new(&c->cc->opt, msg, sizeof msg);
    if (c->engine == NULL) {
        buf_printf(err, "content engine: %s", msg);
        return gw_content_free(c);
    }
    if (cfg->content.quarantine_dir != NULL) {
        c->dir = xstrdup(cfg->content.quarantine_dir);
        c->dir_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->dir_fd < 0) {
            buf_printf(err, "quarantine folder %s: %s", c->dir, strerror(errno));
            return gw_content_free(c);
        }
    }
    return c;
}

struct gw_content *
gw_content_free(struct gw_content *c)
{
    if (c == NULL)
        return NULL;
    content_engine_free(c->engine);
    content_config_free(c->cc);
    if (c->dir_fd >= 0)
        close(c->dir_fd);
    free(c->dir);
    free(c);
    return NULL;
}

const struct content_engine *
gw_content_engine(const struct gw_content *c)
{
    return c->engine;
}

void
gw_content_tag_header(const struct content_report *r, struct buf *out)
{
    size_t start = out->len;

    buf_printf(out, "X-Smtpwarden-Content: %s;", content_action_name(r->action));
    /* one entry per detector, counts summed over the places it was found */
    for (size_t i = 0; i < r->nfindings; i++) {
        bool seen = false;
        unsigned n = 0;
        for (size_t k = 0; k < i; k++)
            seen = seen || strcmp(r->findings[k].detector, r->findings[i].detector) == 0;
        if (seen)
            continue;
        for (size_t k = i; k < r->nfindings; k++)
            if (strcmp(r->findings[k].detector, r->findings[i].detector) == 0)
                n += r->findings[k].count;
        if (out->len - start > 900) { /* keep the field under the 998-octet line limit */
            buf_append_str(out, " ...");
            break;
        }
        buf_printf(out, " %s=%u", r->findings[i].detector, n);
    }
    buf_append_str(out, "\r\n");
}

struct copy_ctx {
    int fd;
    int err;
};

/* copy_out - write one spool chunk to the quarantine file */
static void
copy_out(void *ctx, const char *data, size_t len)
{
    struct copy_ctx *c = ctx;

    while (len > 0 && c->err == 0) {
        ssize_t n = write(c->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            c->err = errno;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

int
gw_content_quarantine(const struct gw_content *c, const char *name, struct spool *spool, char *path,
                      size_t size)
{
    char tmp[300], final[300];
    struct copy_ctx cc = {.fd = -1};

    if (c->dir_fd < 0) {
        errno = ENOENT;
        return -1;
    }
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    snprintf(final, sizeof final, "%s.eml", name);
    cc.fd = openat(c->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (cc.fd < 0)
        return -1;
    if (spool_each_after(spool, 0, copy_out, &cc) < 0 && cc.err == 0)
        cc.err = EIO;
    if (cc.err == 0 && fsync(cc.fd) < 0)
        cc.err = errno;
    if (close(cc.fd) < 0 && cc.err == 0)
        cc.err = errno;
    /* the final name appears only once the bytes are on disk */
    if (cc.err == 0 && renameat(c->dir_fd, tmp, c->dir_fd, final) < 0)
        cc.err = errno;
    if (cc.err == 0 && fsync(c->dir_fd) < 0)
        cc.err = errno;
    if (cc.err != 0) {
        unlinkat(c->dir_fd, tmp, 0);
        errno = cc.err;
        return -1;
    }
    snprintf(path, size, "%s/%s", c->dir, final);
    return 0;
}

/* first_detector - the detector the deciding rule counted first, for the reply text */
static const char *
first_detector(const struct content_report *r)
{
    const char *open = strchr(r->reason, '(');

    return open != NULL ? open + 1 : "";
}

void
gw_content_verdict(const struct content_report *r, struct verdict *v)
{
    if (r->action != CONTENT_REJECT)
        return;
    const char *d = first_detector(r);
    size_t n = strcspn(d, ")");
    verdict_set(v, VERDICT_REJECT, "content_rejected", 550, "5.7.1",
                "Message refused by content policy (%.*s)", (int)(n < 64 ? n : 64), d);
}
