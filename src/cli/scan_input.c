/*
 * scan_input - files, folders, mbox splitting and the progress bar of `smtpwarden scan`.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/scan_input.h"
#include "util/buf.h"
#include "util/mem.h"

#define READ_SIZE (256 * 1024)
#define LINE_MAX_HELD (64 * 1024)
#define MAX_DEPTH 64

void
scan_paths_init(struct scan_paths *p)
{
    p->v = NULL;
    p->n = 0;
}

void
scan_paths_add(struct scan_paths *p, const char *path)
{
    p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
    p->v[p->n++] = xstrdup(path);
}

void
scan_paths_release(struct scan_paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

/* tree_bytes - bytes of the regular files at or below path */
static uint64_t
tree_bytes(const char *path, int depth)
{
    struct stat st;
    struct dirent **names;
    uint64_t sum = 0;

    if (depth > MAX_DEPTH || stat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return (uint64_t)st.st_size;
    if (!S_ISDIR(st.st_mode))
        return 0;
    int n = scandir(path, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            struct buf child;
            buf_init(&child, 0);
            buf_printf(&child, "%s/%s", path, names[i]->d_name);
            sum += tree_bytes(child.data, depth + 1);
            buf_release(&child);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    return sum;
}

uint64_t
scan_paths_bytes(const struct scan_paths *p)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i], "-") != 0)
            sum += tree_bytes(p->v[i], 0);
    return sum;
}

/* ms_between - milliseconds from a to b */
static double
ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void
scan_progress_init(struct scan_progress *p, bool on, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->on = on && total > 0;
    p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void
scan_progress_add(struct scan_progress *p, uint64_t bytes)
{
    struct timespec now;
    char bar[41];

    p->done += bytes;
    if (!p->on)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ms_between(&p->last, &now) < 100 || ms_between(&p->start, &now) < 500)
        return; /* short runs get no bar; long ones a redraw every 100 ms */
    p->last = now;
    double frac = p->total ? (double)p->done / (double)p->total : 0;
    if (frac > 1)
        frac = 1;
    size_t fill = (size_t)(frac * 40);
    memset(bar, '#', fill);
    memset(bar + fill, '.', 40 - fill);
    bar[40] = '\0';
    double secs = ms_between(&p->start, &now) / 1e3;
    fprintf(stderr, "\r[%s] %3.0f%%  %.1f/%.1f MB  %.1f MB/s  %lu %s", bar, frac * 100,
            (double)p->done / 1e6, (double)p->total / 1e6, (double)p->done / 1e6 / secs, p->files,
            p->unit != NULL ? p->unit : "files");
    p->drawn = true;
}

void
scan_progress_clear(struct scan_progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = false;
}

/* The mbox splitter's state for one file. */
struct mbox {
    const struct scan_input_callbacks *cb;
    void *ctx;
    const char *file;
    struct buf line;   /* the current line, up to LINE_MAX_HELD */
    bool line_spilled; /* part of the current line was already passed on */
    bool skipping;     /* the rest of a long From_ line */
    bool prev_blank;
    bool first;
    bool in_message;
    unsigned long index;
};

/* mbox_line - one complete line (or the first LINE_MAX_HELD bytes of a long one) */
static void
mbox_line(struct mbox *m, const char *s, size_t n, bool complete)
{
    if (m->skipping) {
        m->skipping = !complete;
        return;
    }
    if (!m->line_spilled && n >= 5 && memcmp(s, "From ", 5) == 0 && (m->prev_blank || m->first)) {
        if (m->in_message)
            m->cb->message(m->ctx, m->file, m->index, true);
        m->index++;
        m->in_message = true;
        m->first = false;
        m->prev_blank = false;
        m->skipping = !complete; /* the rest of a long From_ line is dropped too */
        return;
    }
    if (!m->line_spilled) {
        size_t q = 0;
        while (q < n && s[q] == '>')
            q++;
        if (q > 0 && n - q >= 5 && memcmp(s + q, "From ", 5) == 0) {
            s++; /* mboxrd: one '>' less */
            n--;
        }
    }
    m->first = false;
    if (!m->in_message) { /* text before the first From_ line: a message of its own */
        m->in_message = true;
        m->index = 1;
    }
    m->cb->bytes(m->ctx, s, n);
    if (complete)
        m->prev_blank = (n == 1 && s[0] == '\n') || (n == 2 && s[0] == '\r' && s[1] == '\n');
    m->line_spilled = !complete;
}

/* mbox_feed - bytes of the file, cut into lines */
static void
mbox_feed(struct mbox *m, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - data) + 1 : len;
        if (m->line.len + take > LINE_MAX_HELD && nl == NULL) {
            buf_append(&m->line, data, take);
            mbox_line(m, m->line.data, m->line.len, false);
            buf_reset(&m->line);
        } else if (m->line.len == 0 && nl != NULL) {
            mbox_line(m, data, take, true); /* the common case: no copy */
        } else {
            buf_append(&m->line, data, take);
            if (nl != NULL) {
                mbox_line(m, m->line.data, m->line.len, true);
                buf_reset(&m->line);
            }
        }
        data += take;
        len -= take;
    }
}

/* scan_stream - one open file: a message, or an mbox of them */
static void
scan_stream(FILE *f, const char *label, const struct scan_input_callbacks *cb, void *ctx,
            struct scan_progress *progress, unsigned long *errors)
{
    char *chunk = xmalloc(READ_SIZE);
    size_t n = fread(chunk, 1, READ_SIZE, f);
    bool is_mbox = n >= 5 && memcmp(chunk, "From ", 5) == 0;
    struct mbox m = {.cb = cb, .ctx = ctx, .file = label, .first = true};

    buf_init(&m.line, 0);
    while (n > 0) {
        scan_progress_add(progress, n);
        if (is_mbox)
            mbox_feed(&m, chunk, n);
        else
            cb->bytes(ctx, chunk, n);
        n = fread(chunk, 1, READ_SIZE, f);
    }
    if (ferror(f)) {
        scan_progress_clear(progress);
        fprintf(stderr, "smtpwarden scan: %s: read error: %s\n", label, strerror(errno));
        (*errors)++;
    }
    if (is_mbox) {
        if (m.line.len > 0)
            mbox_line(&m, m.line.data, m.line.len, true);
        if (m.in_message)
            cb->message(ctx, label, m.index, true);
    } else {
        cb->message(ctx, label, 1, false);
    }
    buf_release(&m.line);
    free(chunk);
}

/* walk - a path: a file, or a folder whose entries are walked in name order */
static void
walk(const char *path, int depth, const struct scan_input_callbacks *cb, void *ctx,
     struct scan_progress *progress, unsigned long *files, unsigned long *errors)
{
    struct stat st;

    if (strcmp(path, "-") == 0) {
        (*files)++;
        scan_stream(stdin, "-", cb, ctx, progress, errors);
        return;
    }
    if (stat(path, &st) != 0 || depth > MAX_DEPTH) {
        scan_progress_clear(progress);
        fprintf(stderr, "smtpwarden scan: %s: %s\n", path,
                depth > MAX_DEPTH ? "folders nested too deep" : strerror(errno));
        (*errors)++;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort);
        if (n < 0) {
            fprintf(stderr, "smtpwarden scan: %s: %s\n", path, strerror(errno));
            (*errors)++;
            return;
        }
        for (int i = 0; i < n; i++) {
            if (names[i]->d_name[0] != '.') {
                struct buf child;
                buf_init(&child, 0);
                buf_printf(&child, "%s/%s", path, names[i]->d_name);
                walk(child.data, depth + 1, cb, ctx, progress, files, errors);
                buf_release(&child);
            }
            free(names[i]);
        }
        free(names);
        return;
    }
    if (!S_ISREG(st.st_mode))
        return;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        scan_progress_clear(progress);
        fprintf(stderr, "smtpwarden scan: %s: %s\n", path, strerror(errno));
        (*errors)++;
        return;
    }
    (*files)++;
    progress->files = *files;
    scan_stream(f, path, cb, ctx, progress, errors);
    fclose(f);
}

void
scan_input_path(const char *path, const struct scan_input_callbacks *cb, void *ctx,
                struct scan_progress *progress, unsigned long *files, unsigned long *errors)
{
    walk(path, 0, cb, ctx, progress, files, errors);
}
