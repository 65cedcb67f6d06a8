/* content_archive - the entries of one archive held in memory, read through libarchive under
 * the entry, byte, total and ratio limits, each hashed with SHA-256 and analysed in turn. */
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "content/content_extract_impl.h"
#include "util/utf8.h"

/*
 * Formats and filters are named one by one rather than with *_all(): mtree reads the files an
 * mtree spec names from the local disk, and several filters fall back to running an external
 * program (lrzip, lzop, grzip...) when libarchive was built without the library. Neither may
 * happen on a mail attachment.
 */
struct archive *
cx_archive_open(const uint8_t *data, size_t len, bool raw)
{
    struct archive *a = archive_read_new();

    if (a == NULL)
        return NULL;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_lzip(a);
    archive_read_support_filter_compress(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_ar(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_zip(a);
    if (raw)
        archive_read_support_format_raw(a);
    /* libarchive only reads the buffer; its prototype is not const */
    if (archive_read_open_memory(a, (void *)(uintptr_t)data, len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* cx_entry_name - the entry's path as UTF-8 */
void
cx_entry_name(struct archive_entry *ae, struct buf *out)
{
    const char *name = archive_entry_pathname_utf8(ae);

    if (name == NULL)
        name = archive_entry_pathname(ae);
    if (name == NULL || name[0] == '\0')
        name = "(unnamed)";
    utf8_sanitize(name, strlen(name), out);
}

/* worth_keeping - whether the rest of a file is needed in memory: text, documents and
 * archives are inspected further, images and executables only hashed */
static bool
worth_keeping(const struct buf *head)
{
    switch (content_magic((const uint8_t *)head->data, head->len).kind) {
    case CONTENT_UNKNOWN:
    case CONTENT_PNG:
    case CONTENT_JPEG:
    case CONTENT_GIF:
    case CONTENT_PE:
    case CONTENT_ELF:
        return false;
    default:
        return true;
    }
}

/* entry_take - how much of a chunk of r bytes the limits let in */
static size_t
entry_take(struct cx_walk *w, struct cx_entry *e, uint64_t limit, size_t r)
{
    size_t take = r;

    if (take > limit - e->n) {
        take = (size_t)(limit - e->n);
        e->truncated = e->hit_limit = true;
    }
    if (take > w->lim.max_total_bytes - w->total) {
        take = (size_t)(w->lim.max_total_bytes - w->total);
        e->truncated = true;
        w->stop = true;
        w->anom |= CONTENT_ANOM_SIZE;
    }
    return take;
}

/* cx_entry_read - hash everything read, keep it when it is worth inspecting */
void
cx_entry_read(struct cx_walk *w, struct archive *a, uint64_t limit, bool keep_all,
              struct cx_entry *e)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t chunk[16384];
    bool decided = false, keep = true;

    memset(e, 0, sizeof *e);
    buf_init(&e->data, 0);
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        e->failed = true;
        goto out_free_md;
    }
    while (!e->truncated) {
        if (w->stop || w->total >= w->lim.max_total_bytes) {
            e->truncated = w->stop = true;
            w->anom |= CONTENT_ANOM_SIZE;
            break;
        }
        la_ssize_t r = archive_read_data(a, chunk, sizeof chunk);
        if (r == 0) {
            e->complete = true;
            break;
        }
        if (r < 0) {
            e->failed = true;
            e->fatal = r == ARCHIVE_FATAL;
            break;
        }
        size_t take = entry_take(w, e, limit, (size_t)r);
        EVP_DigestUpdate(md, chunk, take);
        if (keep)
            buf_append(&e->data, chunk, take);
        e->n += take;
        w->total += take;
        if (!decided && e->data.len >= CX_HEAD_BYTES) {
            decided = true;
            keep = keep_all || worth_keeping(&e->data);
        }
    }
    e->kept = e->data.len == e->n;
    unsigned int mdlen = 0;
    if (e->complete && EVP_DigestFinal_ex(md, e->sha256, &mdlen) != 1)
        e->complete = false;
out_free_md:
    EVP_MD_CTX_free(md);
}

/* raw_name - the name of the one file in a gzip/bzip2/xz: the gzip header's, else the
 * attachment's without its suffix */
static void
raw_name(const uint8_t *d, size_t len, const char *path, struct buf *out)
{
    static const char *const sfx[] = {".gz", ".gzip", ".z", ".bz2", ".bz", ".xz", ".lzma"};
    const char *base = strrchr(path, '/');
    size_t p = 10;

    base = base != NULL ? base + 1 : path;
    if (len > 10 && d[0] == 0x1F && d[1] == 0x8B && (d[3] & 0x08) != 0) {
        if ((d[3] & 0x04) != 0)
            p = len >= 12 ? 12 + (size_t)(d[10] | d[11] << 8) : len;
        const uint8_t *nul = p < len ? memchr(d + p, 0, len - p < 256 ? len - p : 256) : NULL;
        if (nul != NULL && nul > d + p) {
            const char *n = (const char *)d + p, *slash;
            while ((slash = memchr(n, '/', (size_t)((const char *)nul - n))) != NULL)
                n = slash + 1;
            if ((const char *)nul > n) {
                utf8_sanitize(n, (size_t)((const char *)nul - n), out);
                return;
            }
        }
    }
    size_t n = strlen(base);
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        size_t s = strlen(sfx[i]);
        if (n > s && strcasecmp(base + n - s, sfx[i]) == 0) {
            n -= s;
            break;
        }
    }
    buf_append(out, base, n);
}

/* ratio_room - bytes the archive may still expand to before its ratio is passed */
static uint64_t
ratio_room(const struct cx_walk *w, size_t len, uint64_t produced)
{
    uint64_t cap;

    if (w->lim.max_ratio == 0)
        return UINT64_MAX;
    cap = (uint64_t)len > UINT64_MAX / w->lim.max_ratio ? UINT64_MAX
                                                        : (uint64_t)len * w->lim.max_ratio;
    if (cap < CX_RATIO_FLOOR)
        cap = CX_RATIO_FLOOR;
    return produced >= cap ? 0 : cap - produced;
}

/* entry_encrypted - an entry that cannot be read without its password */
static void
entry_encrypted(struct cx_walk *w, struct archive_entry *ae, struct content_item *it)
{
    it->size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
    it->type = content_magic(NULL, 0);
    it->encrypted = true;
    w->anom |= CONTENT_ANOM_ENCRYPTED;
    if (w->cb->item != NULL)
        w->cb->item(w->ctx, it);
}

/* cx_archive_entry - one entry: ratio, limits, hash, then its own analysis */
bool
cx_archive_entry(struct cx_walk *w, struct archive *a, struct archive_entry *ae,
                 struct content_item *it, size_t len, uint64_t *produced)
{
    bool sized = archive_entry_size_is_set(ae) && archive_entry_size(ae) >= 0;
    uint64_t declared = sized ? (uint64_t)archive_entry_size(ae) : 0;
    uint64_t room = ratio_room(w, len, *produced);
    struct cx_entry e;
    bool stop = false;

    if (archive_entry_is_encrypted(ae)) {
        entry_encrypted(w, ae, it);
        return false;
    }
    it->size = declared;
    if (sized && declared > room) {
        /* a bomb by its own declaration: nothing of it is read */
        w->anom |= CONTENT_ANOM_RATIO | (declared > w->lim.max_entry_bytes ? CONTENT_ANOM_SIZE : 0);
        it->type = content_magic(NULL, 0);
        it->truncated = true;
        if (w->cb->item != NULL)
            w->cb->item(w->ctx, it);
        return true;
    }
    uint64_t limit = w->lim.max_entry_bytes < room ? w->lim.max_entry_bytes : room;
    cx_entry_read(w, a, limit, false, &e);
    if (e.hit_limit)
        w->anom |=
            limit == room && room < w->lim.max_entry_bytes ? CONTENT_ANOM_RATIO : CONTENT_ANOM_SIZE;
    if (e.failed)
        w->anom |= CONTENT_ANOM_CORRUPT;
    uint64_t skipped = sized && declared > e.n ? declared - e.n : 0;
    *produced += e.n + skipped;
    w->total = skipped > UINT64_MAX - w->total ? UINT64_MAX : w->total + skipped;
    if (skipped > 0 && w->total > w->lim.max_total_bytes) {
        w->anom |= CONTENT_ANOM_SIZE;
        w->stop = true;
    }
    it->size = e.complete || !sized ? e.n : declared;
    it->truncated = !e.complete;
    it->have_hash = e.complete;
    memcpy(it->sha256, e.sha256, sizeof it->sha256);
    it->type = content_magic((const uint8_t *)e.data.data, e.data.len);
    if (e.kept)
        cx_analyse(w, it, (const uint8_t *)e.data.data, e.data.len, e.complete);
    else
        cx_analyse(w, it, NULL, 0, false);
    /* past a limit with no declared size, libarchive could only skip by decompressing an
     * unknown amount: stop here */
    if (e.fatal || (e.truncated && !sized))
        stop = true;
    buf_release(&e.data);
    return stop;
}

/* cx_charge_entry - every entry costs CX_ENTRY_COST of max_total_bytes, so that the entries of
 * nested archives cannot multiply without bound; false once that is spent */
bool
cx_charge_entry(struct cx_walk *w)
{
    if (w->total >= w->lim.max_total_bytes || w->lim.max_total_bytes - w->total < CX_ENTRY_COST) {
        w->total = w->lim.max_total_bytes;
        w->anom |= CONTENT_ANOM_SIZE;
        w->stop = true;
        return false;
    }
    w->total += CX_ENTRY_COST;
    return true;
}

/* cx_archive_walk - every regular file of one archive, under its limits */
void
cx_archive_walk(struct cx_walk *w, const uint8_t *data, size_t len, const char *path,
                unsigned depth, enum content_kind kind)
{
    bool raw = kind == CONTENT_GZIP || kind == CONTENT_BZIP2 || kind == CONTENT_XZ;
    struct archive *a = cx_archive_open(data, len, raw);
    struct archive_entry *ae;
    struct buf child;
    unsigned count = 0;
    uint64_t produced = 0;

    if (a == NULL) {
        w->anom |= CONTENT_ANOM_CORRUPT;
        return;
    }
    buf_init(&child, 0);
    while (!w->stop) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            w->anom |= CONTENT_ANOM_CORRUPT;
            if (archive_read_has_encrypted_entries(a) > 0)
                w->anom |= CONTENT_ANOM_ENCRYPTED;
            break;
        }
        if (++count > w->lim.max_entries) {
            w->anom |= CONTENT_ANOM_ENTRIES;
            break;
        }
        if (!cx_charge_entry(w))
            break;
        if (archive_entry_filetype(ae) != AE_IFREG)
            continue;
        buf_set(&child, path, strlen(path));
        buf_append(&child, "/", 1);
        if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
            /* raw with no decompressor at work: the compressed file was not recognised, and
             * its "entry" would be itself again */
            if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE) {
                w->anom |= CONTENT_ANOM_CORRUPT;
                break;
            }
            raw_name(data, len, path, &child);
        } else {
            cx_entry_name(ae, &child);
        }
        struct content_item it = {.path = child.data, .depth = depth + 1};
        if (cx_archive_entry(w, a, ae, &it, len, &produced))
            break;
    }
    buf_release(&child);
    archive_read_free(a);
}
