/* test_spool - message bodies in memory, spilled to an unlinked file, limits, reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/spool.h"

#define DATA_MAX 70000

/* fill - deterministic binary bytes (NULs, CR, LF, 0xFF included) for a given seed */
static void
fill(unsigned char *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)(x >> 16);
        if (i % 7 == 0)
            p[i] = 0; /* plenty of NULs */
        else if (i % 11 == 0)
            p[i] = '\n';
    }
}

/* read_all - rewind and read everything back with reads of at most cap bytes */
static size_t
read_all(struct spool *s, unsigned char *out, size_t out_size, size_t cap)
{
    size_t got = 0;
    ssize_t r;

    assert_int_equal(spool_rewind(s), 0);
    while ((r = spool_read(s, out + got, cap)) > 0) {
        assert_true((size_t)r <= cap);
        got += (size_t)r;
        assert_true(got <= out_size);
    }
    assert_int_equal(r, 0);
    return got;
}

/* tmpdir - a fresh empty folder for the spool files */
static void
tmpdir(char path[64])
{
    snprintf(path, 64, "/tmp/sw-test-spool-XXXXXX");
    assert_non_null(mkdtemp(path));
}

/* dir_entries - how many names a folder holds besides . and .. */
static int
dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

struct rw_case {
    const char *name;
    size_t memory_limit;
    uint64_t max;     /* 0 = unlimited */
    size_t writes[8]; /* sizes, 0-terminated */
    size_t read_cap;  /* size of each spool_read */
    int on_disk;      /* expected spool_on_disk after the writes */
};

static const struct rw_case rw_cases[] = {
    {"one small write in memory", 1024, 0, {5}, 4096, 0},
    {"several odd writes in memory", 1024, 0, {1, 3, 7, 13, 255}, 3, 0},
    {"exactly the memory limit stays in memory", 100, 0, {40, 60}, 1, 0},
    {"one byte past the limit spills", 100, 0, {40, 61}, 7, 1},
    {"one big write spills", 64, 0, {65536}, 4096, 1},
    {"odd writes across the limit", 1000, 0, {333, 333, 333, 1, 1, 4097, 17}, 13, 1},
    {"zero memory limit spills at once", 0, 0, {1, 2, 3}, 2, 1},
    {"big write then small ones on disk", 10, 0, {9999, 1, 2, 3, 5}, 1000, 1},
    {"max not reached", 100, 5000, {1000, 1000, 2999}, 64, 1},
    {"max reached exactly", 100, 5000, {2500, 2500}, 4096, 1},
    {"large with small reads", 4096, 0, {DATA_MAX}, 31, 1},
};

/* test_write_read_table - every case reads back byte-exact, twice */
static void
test_write_read_table(void **state)
{
    char dir[64];
    unsigned char *data = malloc(DATA_MAX);
    unsigned char *back = malloc(DATA_MAX);

    assert_non_null(data);
    assert_non_null(back);
    tmpdir(dir);
    for (size_t i = 0; i < sizeof rw_cases / sizeof rw_cases[0]; i++) {
        const struct rw_case *c = &rw_cases[i];
        struct spool *s = spool_new(c->memory_limit, c->max, dir);
        size_t total = 0;

        assert_non_null(s);
        for (size_t w = 0; w < 8 && c->writes[w] != 0; w++) {
            fill(data + total, c->writes[w], (uint32_t)(i * 8 + w));
            if (spool_write(s, data + total, c->writes[w]) != 0)
                fail_msg("%s: write %zu of %zu bytes failed", c->name, w, c->writes[w]);
            total += c->writes[w];
            assert_int_equal(spool_size(s), total);
        }
        if (spool_on_disk(s) != c->on_disk)
            fail_msg("%s: on_disk = %d, expected %d", c->name, spool_on_disk(s), c->on_disk);
        for (int pass = 0; pass < 2; pass++) {
            memset(back, 0xAA, total);
            size_t got = read_all(s, back, DATA_MAX, c->read_cap);
            if (got != total)
                fail_msg("%s: read back %zu bytes, wrote %zu", c->name, got, total);
            if (memcmp(back, data, total) != 0)
                fail_msg("%s: bytes read back differ (pass %d)", c->name, pass);
        }
        /* the spill file is unlinked: nothing is left in the folder, even while open */
        if (dir_entries(dir) != 0)
            fail_msg("%s: the spool folder is not empty", c->name);
        s = spool_free(s);
        assert_null(s);
    }
    assert_int_equal(rmdir(dir), 0);
    free(data);
    free(back);
}

struct max_case {
    const char *name;
    size_t memory_limit;
    uint64_t max;
    size_t first;  /* accepted */
    size_t second; /* would pass max: refused */
};

static const struct max_case max_cases[] = {
    {"in memory, one byte over", 1 << 20, 100, 100, 1},
    {"in memory, far over", 1 << 20, 100, 50, 1000},
    {"on disk, one byte over", 10, 100, 100, 1},
    {"on disk, far over", 10, 1000, 999, 5000},
    {"refused write would also have spilled", 100, 150, 90, 61},
    {"first write already over", 10, 10, 0, 11},
};

/* test_max_table - a write past max fails with -1, leaves the size and contents unchanged */
static void
test_max_table(void **state)
{
    char dir[64];
    unsigned char data[8192], back[8192];

    tmpdir(dir);
    for (size_t i = 0; i < sizeof max_cases / sizeof max_cases[0]; i++) {
        const struct max_case *c = &max_cases[i];
        struct spool *s = spool_new(c->memory_limit, c->max, dir);
        int on_disk;

        fill(data, c->first + c->second, (uint32_t)i);
        if (c->first > 0)
            assert_int_equal(spool_write(s, data, c->first), 0);
        on_disk = spool_on_disk(s);
        errno = 0;
        if (spool_write(s, data + c->first, c->second) != -1)
            fail_msg("%s: a write past max was accepted", c->name);
        assert_int_not_equal(errno, 0);
        if (spool_size(s) != c->first)
            fail_msg("%s: size %llu after a refused write, expected %zu", c->name,
                     (unsigned long long)spool_size(s), c->first);
        assert_int_equal(spool_on_disk(s), on_disk);
        assert_int_equal(read_all(s, back, sizeof back, 100), c->first);
        assert_memory_equal(back, data, c->first);
        spool_free(s);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* test_reset_reuse - after reset a spool is empty, in memory, and holds only the next message */
static void
test_reset_reuse(void **state)
{
    char dir[64];
    unsigned char big[5000], small[50], back[8192];
    struct spool *s;

    tmpdir(dir);
    fill(big, sizeof big, 1);
    fill(small, sizeof small, 2);
    s = spool_new(1000, 6000, dir);

    for (int round = 0; round < 3; round++) {
        /* a large message spills */
        assert_int_equal(spool_write(s, big, sizeof big), 0);
        assert_true(spool_on_disk(s));
        assert_int_equal(read_all(s, back, sizeof back, 333), sizeof big);
        assert_memory_equal(back, big, sizeof big);

        assert_int_equal(spool_reset(s), 0);
        assert_int_equal(spool_size(s), 0);
        assert_false(spool_on_disk(s));
        assert_int_equal(read_all(s, back, sizeof back, 10), 0);

        /* a small one is back in memory and nothing of the big one shows */
        assert_int_equal(spool_write(s, small, sizeof small), 0);
        assert_false(spool_on_disk(s));
        assert_int_equal(spool_size(s), sizeof small);
        assert_int_equal(read_all(s, back, sizeof back, 7), sizeof small);
        assert_memory_equal(back, small, sizeof small);

        /* max applies to each message, not to the spool's lifetime */
        assert_int_equal(spool_reset(s), 0);
    }
    /* reset of a spool in memory */
    assert_int_equal(spool_write(s, small, sizeof small), 0);
    assert_int_equal(spool_reset(s), 0);
    assert_int_equal(spool_size(s), 0);
    assert_int_equal(spool_write(s, big, 10), 0);
    assert_int_equal(read_all(s, back, sizeof back, 4), 10);
    assert_memory_equal(back, big, 10);
    spool_free(s);
    assert_int_equal(dir_entries(dir), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* test_empty - a spool that was never written reads back nothing */
static void
test_empty(void **state)
{
    struct spool *s = spool_new(100, 0, "/tmp");
    unsigned char back[16];

    assert_int_equal(spool_size(s), 0);
    assert_false(spool_on_disk(s));
    assert_int_equal(read_all(s, back, sizeof back, sizeof back), 0);
    assert_int_equal(spool_write(s, "", 0), 0);
    assert_int_equal(spool_size(s), 0);
    assert_null(spool_free(s));
    assert_null(spool_free(NULL));
}

/* test_missing_dir - no folder to spill into: the write that would spill fails, cleanly */
static void
test_missing_dir(void **state)
{
    unsigned char data[300], back[300];
    struct spool *s = spool_new(100, 0, "/nonexistent/smtpwarden-test/spool");

    fill(data, sizeof data, 3);
    assert_int_equal(spool_write(s, data, 60), 0);
    assert_int_equal(spool_write(s, data + 60, 40), 0); /* exactly the limit: still memory */
    assert_false(spool_on_disk(s));
    errno = 0;
    assert_int_equal(spool_write(s, data + 100, 1), -1);
    assert_int_not_equal(errno, 0);
    assert_int_equal(spool_size(s), 100);
    assert_false(spool_on_disk(s));
    /* a second try fails the same way rather than crashing */
    assert_int_equal(spool_write(s, data + 100, 200), -1);
    assert_int_equal(spool_size(s), 100);
    /* what was accepted is still intact */
    assert_int_equal(read_all(s, back, sizeof back, 9), 100);
    assert_memory_equal(back, data, 100);
    /* and a reset spool can hold a small message again */
    assert_int_equal(spool_reset(s), 0);
    assert_int_equal(spool_write(s, data, 50), 0);
    assert_int_equal(read_all(s, back, sizeof back, 50), 50);
    assert_memory_equal(back, data, 50);
    spool_free(s);
}

/* test_disk_full - the file cannot grow (RLIMIT_FSIZE stands in for a full disk): the write
 * fails with -1 and no crash, and after spool_reset the spool works again, as the gateway
 * (defer with spool_failed, then reset for the next message) relies on */
static void
test_disk_full(void **state)
{
    char dir[64];
    unsigned char data[4000], back[4000];
    struct rlimit saved, small;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    struct spool *s;
    int rc_spill, rc_grow;

    tmpdir(dir);
    fill(data, sizeof data, 4);
    s = spool_new(100, 0, dir);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 1000;
    assert_int_equal(sigaction(SIGXFSZ, &ign, &old), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);

    rc_spill = spool_write(s, data, 500);       /* spills: 500 bytes fit */
    rc_grow = spool_write(s, data + 500, 2000); /* the file cannot grow to 2500 */

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(sigaction(SIGXFSZ, &old, NULL), 0);
    assert_int_equal(rc_spill, 0);
    assert_true(spool_on_disk(s));
    assert_int_equal(rc_grow, -1);
    assert_int_equal(spool_size(s), 500);

    assert_int_equal(spool_reset(s), 0);
    assert_int_equal(spool_write(s, data, 3000), 0);
    assert_true(spool_on_disk(s));
    assert_int_equal(read_all(s, back, sizeof back, 1024), 3000);
    assert_memory_equal(back, data, 3000);
    spool_free(s);
    assert_int_equal(rmdir(dir), 0);
}

/* collect - spool_each_after() callback appending to a buf */
static void
collect(void *ctx, const char *data, size_t len)
{
    buf_append(ctx, data, len);
}

/* test_each_after - the bytes after a skip, in memory and spilled, whatever the chunking */
static void
test_each_after(void **state)
{
    static const size_t limits[] = {1 << 20, 100};
    char msg[40000];

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);
    for (size_t l = 0; l < 2; l++) {
        struct spool *sp = spool_new(limits[l], 0, "/tmp");
        assert_int_equal(spool_write(sp, msg, sizeof msg), 0);
        static const size_t skips[] = {0, 1, 16383, 16384, 16385, 39999, 40000, 50000};
        for (size_t k = 0; k < sizeof skips / sizeof skips[0]; k++) {
            struct buf out;
            size_t want = skips[k] < sizeof msg ? sizeof msg - skips[k] : 0;
            buf_init(&out, 0);
            assert_int_equal(spool_each_after(sp, skips[k], collect, &out), 0);
            assert_int_equal(out.len, want);
            if (want > 0)
                assert_memory_equal(out.data, msg + skips[k], want);
            buf_release(&out);
        }
        spool_free(sp);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_table), cmocka_unit_test(test_max_table),
        cmocka_unit_test(test_reset_reuse),      cmocka_unit_test(test_empty),
        cmocka_unit_test(test_missing_dir),      cmocka_unit_test(test_each_after),
        cmocka_unit_test(test_disk_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
