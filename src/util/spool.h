/*
 * spool - a message body held in memory up to a limit, then in an unlinked temporary file.
 *
 * DKIM signing and end-of-data verdicts need the whole message before anything is forwarded,
 * so the gateway keeps it here. The file is created with O_TMPFILE (or mkstemp + unlink) in the
 * configured folder, so nothing is left on disk after a crash. Writes past `max` (the message
 * size limit) fail. Read back with spool_rewind() + spool_read().
 *
 * One owner; not thread-safe. Errors come back as -1 with errno.
 */
#ifndef SW_UTIL_SPOOL_H
#define SW_UTIL_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spool;

struct spool *spool_new(size_t memory_limit, uint64_t max, const char *dir);
struct spool *spool_free(struct spool *s);

int spool_write(struct spool *s, const void *data, size_t len);
uint64_t spool_size(const struct spool *s);
/* spool_reset - empty it for the next message (the file, if any, is truncated) */
int spool_reset(struct spool *s);
int spool_rewind(struct spool *s);
/* spool_read - up to cap bytes; returns bytes read, 0 at the end, -1 on error */
ssize_t spool_read(struct spool *s, void *out, size_t cap);
/* spool_each_after - rewind, then hand every byte after the first `skip` to fn, in chunks;
 * 0, or -1 when the spool could not be read */
int spool_each_after(struct spool *s, uint64_t skip,
                     void (*fn)(void *ctx, const char *data, size_t len), void *ctx);
/* spool_on_disk - the message spilled to the temporary file */
int spool_on_disk(const struct spool *s);

#endif
