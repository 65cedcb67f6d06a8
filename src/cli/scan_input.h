/*
 * scan_input - what `smtpwarden scan` reads: paths (files, folders walked in name order,
 * "-" for stdin), each a single message or an mbox (first line "From "), split into messages;
 * and the progress bar shown on a terminal.
 *
 * scan_input_path() streams each message's bytes to cb->bytes and calls cb->message at its
 * end; nothing is held but one line (mbox) or one read buffer. mbox: a "From " line at the
 * start of the file or after a blank line starts a message and is not part of it; mboxrd
 * quoting (">From ", ">>From ") loses one '>'. Errors (unreadable paths) are printed to
 * stderr and counted; the walk goes on.
 */
#ifndef SW_CLI_SCAN_INPUT_H
#define SW_CLI_SCAN_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct scan_paths {
    char **v;
    size_t n;
};

void scan_paths_init(struct scan_paths *p);
void scan_paths_add(struct scan_paths *p, const char *path);
void scan_paths_release(struct scan_paths *p);
/* scan_paths_bytes - the size of every file below the paths (for the progress bar) */
uint64_t scan_paths_bytes(const struct scan_paths *p);

struct scan_progress {
    bool on;
    uint64_t total, done;
    unsigned long files;
    const char *unit; /* what `files` counts, "files" when NULL */
    struct timespec start, last;
    bool drawn;
};

void scan_progress_init(struct scan_progress *p, bool on, uint64_t total);
void scan_progress_add(struct scan_progress *p, uint64_t bytes);
/* scan_progress_clear - erase the bar so a line can be printed */
void scan_progress_clear(struct scan_progress *p);

struct scan_input_callbacks {
    void (*bytes)(void *ctx, const void *data, size_t len);
    void (*message)(void *ctx, const char *file, unsigned long index, bool in_mbox);
};

void scan_input_path(const char *path, const struct scan_input_callbacks *cb, void *ctx,
                     struct scan_progress *progress, unsigned long *files, unsigned long *errors);

#endif
