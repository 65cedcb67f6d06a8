/* behavior_store_sqlite - save and load snapshots of the embedded store (see the header). */
#include "behavior/behavior_store_sqlite.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behavior/behavior_codec.h"
#include "util/errmsg.h"
#include "util/buf.h"
#include "util/mem.h"

static const char schema_sql[] =
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value);"
    "CREATE TABLE keys(kind TEXT NOT NULL, key BLOB NOT NULL, state BLOB NOT NULL);"
    "CREATE TABLE first_seen(relation TEXT NOT NULL, subject BLOB NOT NULL,"
    " start_ms INTEGER NOT NULL, hashes BLOB NOT NULL);";

struct saver {
    sqlite3_stmt *stmt;
    const char *name; /* kind or relation */
    struct buf blob;
    int rc;
};

static int
save_key(const char *key, size_t len, struct behavior_mem_key *k, void *ctx)
{
    struct saver *s = ctx;

    buf_reset(&s->blob);
    behavior_codec_encode_key(k, &s->blob);
    sqlite3_reset(s->stmt);
    sqlite3_bind_text(s->stmt, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s->stmt, 2, key, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(s->stmt, 3, s->blob.data, (int)s->blob.len, SQLITE_STATIC);
    s->rc = sqlite3_step(s->stmt);
    return s->rc == SQLITE_DONE ? 0 : -1;
}

static int
save_subject(const char *subject, size_t len, struct behavior_fs_set *set, void *ctx)
{
    struct saver *s = ctx;

    buf_reset(&s->blob);
    for (uint32_t i = 0; i < set->cap; i++) {
        unsigned char x[8];
        if (set->slots[i] == 0)
            continue;
        for (int j = 0; j < 8; j++)
            x[j] = (unsigned char)(set->slots[i] >> (8 * j));
        buf_append(&s->blob, x, 8);
    }
    sqlite3_reset(s->stmt);
    sqlite3_bind_text(s->stmt, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s->stmt, 2, subject, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s->stmt, 3, (sqlite3_int64)set->start_ms);
    sqlite3_bind_blob(s->stmt, 4, s->blob.len ? s->blob.data : "", (int)s->blob.len, SQLITE_STATIC);
    s->rc = sqlite3_step(s->stmt);
    return s->rc == SQLITE_DONE ? 0 : -1;
}

/* save_meta - the schema version, the first-seen seed and the time of the snapshot */
static int
save_meta(sqlite3 *db, const struct behavior_mem *m, uint64_t now_ms)
{
    const struct behavior_hash_key *fs = behavior_mem_fs_seed(m);
    const char *names[] = {"schema_version", "fs_seed0", "fs_seed1", "saved_ms"};
    sqlite3_int64 values[] = {BEHAVIOR_SNAPSHOT_SCHEMA, (sqlite3_int64)fs->k0,
                              (sqlite3_int64)fs->k1, (sqlite3_int64)now_ms};
    sqlite3_stmt *st;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?,?)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < 4 && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, values[i]);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* save_rows - every key and every first-seen subject */
static int
save_rows(sqlite3 *db, const struct behavior_mem *m)
{
    struct saver s = {0};
    int rc = 0;

    buf_init(&s.blob, 0);
    if (sqlite3_prepare_v2(db, "INSERT INTO keys VALUES(?,?,?)", -1, &s.stmt, NULL) != SQLITE_OK)
        goto out_fail;
    for (int k = 0; k < BEHAVIOR_KINDS && rc == 0; k++) {
        s.name = behavior_kind_name(k);
        rc = behavior_mem_each_key(m, k, save_key, &s);
    }
    sqlite3_finalize(s.stmt);
    if (rc != 0 || sqlite3_prepare_v2(db, "INSERT INTO first_seen VALUES(?,?,?,?)", -1, &s.stmt,
                                      NULL) != SQLITE_OK)
        goto out_fail;
    for (int r = 0; r < BEHAVIOR_RELATIONS && rc == 0; r++) {
        s.name = behavior_relation_name(r);
        rc = behavior_mem_each_subject(m, r, save_subject, &s);
    }
    sqlite3_finalize(s.stmt);
    buf_release(&s.blob);
    return rc;
out_fail:
    buf_release(&s.blob);
    return -1;
}

int
behavior_store_sqlite_save(const struct behavior_mem *m, const char *path, uint64_t now_ms,
                           char *err, size_t errlen)
{
    struct buf tmp;
    sqlite3 *db = NULL;
    int rc = -1;

    buf_init(&tmp, 0);
    buf_printf(&tmp, "%s.tmp", path);
    unlink(tmp.data);
    if (sqlite3_open_v2(tmp.data, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", tmp.data, db ? sqlite3_errmsg(db) : "cannot open");
        goto out_close;
    }
    if (sqlite3_exec(db, "PRAGMA journal_mode=OFF; BEGIN;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
        save_meta(db, m, now_ms) != 0 || save_rows(db, m) != 0 ||
        sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
        errmsg_set(err, errlen, "%s: %s", tmp.data, sqlite3_errmsg(db));
        goto out_close;
    }
    rc = 0;
out_close:
    if (sqlite3_close(db) != SQLITE_OK && rc == 0)
        rc = errmsg_set(err, errlen, "%s: cannot close", tmp.data);
    if (rc == 0 && rename(tmp.data, path) != 0)
        rc =
            errmsg_set(err, errlen, "%s: cannot rename to %s: %s", tmp.data, path, strerror(errno));
    if (rc != 0)
        unlink(tmp.data);
    buf_release(&tmp);
    return rc;
}

/* load_meta - check the schema version and read the first-seen seed */
static int
load_meta(sqlite3 *db, struct behavior_hash_key *fs, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int have = 0, rc;

    if (sqlite3_prepare_v2(db, "SELECT name, value FROM meta", -1, &st, NULL) != SQLITE_OK)
        return errmsg_set(err, errlen, "not a behaviour snapshot (%s)", sqlite3_errmsg(db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        sqlite3_int64 v = sqlite3_column_int64(st, 1);
        if (name == NULL || sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            continue;
        if (strcmp(name, "schema_version") == 0) {
            have |= v == BEHAVIOR_SNAPSHOT_SCHEMA ? 1 : 8;
        } else if (strcmp(name, "fs_seed0") == 0) {
            fs->k0 = (uint64_t)v;
            have |= 2;
        } else if (strcmp(name, "fs_seed1") == 0) {
            fs->k1 = (uint64_t)v;
            have |= 4;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return errmsg_set(err, errlen, "meta: %s", sqlite3_errmsg(db));
    if (have & 8)
        return errmsg_set(err, errlen, "schema version is not %d", BEHAVIOR_SNAPSHOT_SCHEMA);
    if (have != 7)
        return errmsg_set(err, errlen, "meta: schema_version or seed missing");
    return 0;
}

static int
name_index(const char *name, const char *(*namer)(int), int n)
{
    for (int i = 0; name != NULL && i < n; i++)
        if (strcmp(name, namer(i)) == 0)
            return i;
    return -1;
}

static const char *
kind_namer(int i)
{
    return behavior_kind_name(i);
}

static const char *
relation_namer(int i)
{
    return behavior_relation_name(i);
}

/* load_keys - every row of keys, oldest first, into m */
static int
load_keys(sqlite3 *db, struct behavior_mem *m, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    struct behavior_mem_key state;
    struct behavior_key key;
    int rc;

    if (sqlite3_prepare_v2(db, "SELECT kind, key, state FROM keys ORDER BY rowid", -1, &st, NULL) !=
        SQLITE_OK)
        return errmsg_set(err, errlen, "keys: %s", sqlite3_errmsg(db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int kind = name_index((const char *)sqlite3_column_text(st, 0), kind_namer, BEHAVIOR_KINDS);
        const void *k = sqlite3_column_blob(st, 1);
        int klen = sqlite3_column_bytes(st, 1);
        const void *blob = sqlite3_column_blob(st, 2);
        int blen = sqlite3_column_bytes(st, 2);

        if (kind < 0 || k == NULL || klen <= 0 || klen > BEHAVIOR_KEY_MAX ||
            memchr(k, 0, (size_t)klen) != NULL || blob == NULL ||
            behavior_codec_decode_key(blob, (size_t)blen, &state) != 0)
            break;
        key.kind = kind;
        key.len = (size_t)klen;
        memcpy(key.text, k, key.len);
        key.text[key.len] = '\0';
        *behavior_mem_key(m, &key, true) = state;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return errmsg_set(err, errlen, "keys: a row does not decode");
    if (rc != SQLITE_DONE)
        return errmsg_set(err, errlen, "keys: %s", sqlite3_errmsg(db));
    return 0;
}

/* load_set - one first-seen row's hashes into its subject's set */
static bool
load_set(struct behavior_mem *m, int rel, const void *subject, int slen, sqlite3_int64 start,
         const unsigned char *h, int hlen)
{
    struct behavior_fs_set *set;

    if (rel < 0 || slen < 0 || slen > BEHAVIOR_KEY_MAX || (slen > 0 && subject == NULL) ||
        start <= 0 || hlen % 8 != 0 || (hlen > 0 && h == NULL))
        return false;
    set = behavior_mem_subject(m, rel, slen ? subject : "", (size_t)slen, true);
    behavior_fs_set_release(set);
    set->start_ms = (uint64_t)start;
    for (int i = 0; i < hlen; i += 8) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--)
            v = (v << 8) | h[i + j];
        if (v == 0)
            return false;
        behavior_fs_set_insert(set, v, behavior_mem_max_values(m, rel));
    }
    return true;
}

static int
load_first_seen(sqlite3 *db, struct behavior_mem *m, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT relation, subject, start_ms, hashes FROM first_seen"
                           " ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return errmsg_set(err, errlen, "first_seen: %s", sqlite3_errmsg(db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int rel = name_index((const char *)sqlite3_column_text(st, 0), relation_namer,
                             BEHAVIOR_RELATIONS);
        const void *subject = sqlite3_column_blob(st, 1);
        int slen = sqlite3_column_bytes(st, 1);
        const unsigned char *h = sqlite3_column_blob(st, 3);
        int hlen = sqlite3_column_bytes(st, 3);

        if (sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
            !load_set(m, rel, subject, slen, sqlite3_column_int64(st, 2), h, hlen))
            break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return errmsg_set(err, errlen, "first_seen: a row does not decode");
    if (rc != SQLITE_DONE)
        return errmsg_set(err, errlen, "first_seen: %s", sqlite3_errmsg(db));
    return 0;
}

int
behavior_store_sqlite_load(const char *path, const struct behavior_mem_limits *lim,
                           const struct behavior_hash_key *seed, struct behavior_mem **out,
                           char *err, size_t errlen)
{
    char why[200] = "";
    sqlite3 *db = NULL;
    struct behavior_hash_key fs = {0, 0};
    struct behavior_mem *m = NULL;
    int rc = -1;

    *out = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(why, sizeof why, "%s", db ? sqlite3_errmsg(db) : "cannot open");
        goto out_close;
    }
    if (load_meta(db, &fs, why, sizeof why) != 0)
        goto out_close;
    m = behavior_mem_new(lim, seed, &fs);
    if (load_keys(db, m, why, sizeof why) != 0 || load_first_seen(db, m, why, sizeof why) != 0)
        goto out_close;
    *out = m;
    m = NULL;
    rc = 0;
out_close:
    behavior_mem_free(m);
    sqlite3_close(db);
    if (rc != 0)
        errmsg_set(err, errlen, "%s: %s", path, why);
    return rc;
}
