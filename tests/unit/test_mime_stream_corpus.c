/* test_mime_stream_corpus - the streaming MIME parser against real and hostile messages: the
 * Stalwart mail-parser expectations (leaf parts in order, their types, decoded bodies and the
 * attachment list) and the CPython email test messages (structure, filenames, anomalies), each
 * fed whole, a byte at a time and in random splits, which must give the same callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime_stream.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

#include "test_mime_stream_rec.h"

/* read_file - a whole file, CRs removed when `strip_cr` (as the Stalwart test does) */
static char *
read_file(const char *path, size_t *len, bool strip_cr)
{
    FILE *fp = fopen(path, "rb");
    struct buf b;
    char tmp[4096];
    size_t n;
    char *s;

    if (!fp)
        return NULL;
    buf_init(&b, 0);
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
        for (size_t i = 0; i < n; i++)
            if (!strip_cr || tmp[i] != '\r')
                buf_append(&b, tmp + i, 1);
    fclose(fp);
    *len = b.len;
    s = xmemdup(b.data ? b.data : "", b.len);
    buf_release(&b);
    return s;
}

/* corpus_path - SW_SHARED_DIR/corpus/<rel> */
static bool
corpus_path(char *out, size_t size, const char *rel)
{
    const char *dir = getenv("SW_SHARED_DIR");

    if (!dir)
        return false;
    snprintf(out, size, "%s/corpus/%s", dir, rel);
    return true;
}

/* ---- Stalwart mail-parser ---------------------------------------------------------------- */

struct exp_leaf {
    char type[64];    /* "text/plain", or "" when the part has no Content-Type */
    const char *kind; /* Text, Html, Binary, InlineBinary */
    struct buf data;
};

struct exp {
    struct exp_leaf leaf[64];
    size_t n;
    size_t att[64]; /* leaf numbers of attachments */
    size_t natt;
};

/* exp_type - "type/subtype" of a Stalwart part, "" without a Content-Type */
static void
exp_type(json_t *part, char *out, size_t size)
{
    json_t *h;
    size_t i;

    out[0] = '\0';
    json_array_foreach(json_object_get(part, "headers"), i, h)
    {
        json_t *ct = json_object_get(json_object_get(h, "value"), "ContentType");
        const char *hn = json_string_value(json_object_get(h, "name"));
        const char *t, *s;

        if (!hn || strcmp(hn, "content_type") != 0 || !ct)
            continue;
        t = json_string_value(json_object_get(ct, "c_type"));
        s = json_string_value(json_object_get(ct, "c_subtype"));
        if (t && s) /* a type without subtype: we apply the default, not compared */
            snprintf(out, size, "%s/%s", t, s);
        return;
    }
}

/* exp_walk - the leaves of a Stalwart message, in document order; attachments by leaf */
static void
exp_walk(json_t *msg, struct exp *e)
{
    json_t *parts = json_object_get(msg, "parts");
    json_t *atts = json_object_get(msg, "attachments");
    size_t first = e->n, i;
    size_t map[256]; /* part index -> leaf number, or SIZE_MAX */
    json_t *p, *a;

    json_array_foreach(parts, i, p)
    {
        json_t *body = json_object_get(p, "body");
        const char *kind = json_object_iter_key(json_object_iter(body));
        json_t *v = json_object_get(body, kind);
        struct exp_leaf *l;

        if (i < 256)
            map[i] = SIZE_MAX;
        if (strcmp(kind, "Multipart") == 0)
            continue;
        if (strcmp(kind, "Message") == 0) {
            exp_walk(v, e);
            continue;
        }
        assert_true(e->n < 64);
        if (i < 256)
            map[i] = e->n;
        l = &e->leaf[e->n++];
        exp_type(p, l->type, sizeof l->type);
        l->kind = kind;
        buf_init(&l->data, 0);
        if (json_is_string(v)) {
            buf_append(&l->data, json_string_value(v), json_string_length(v));
        } else {
            size_t j;
            json_t *byte;
            json_array_foreach(v, j, byte)
            {
                char c = (char)json_integer_value(byte);
                buf_append(&l->data, &c, 1);
            }
        }
    }
    (void)first;
    json_array_foreach(atts, i, a)
    {
        size_t idx = (size_t)json_integer_value(a);
        if (idx < 256 && map[idx] != SIZE_MAX && e->natt < 64)
            e->att[e->natt++] = map[idx];
    }
}

/* exp_is_attachment - Stalwart lists leaf i as an attachment */
static bool
exp_is_attachment(const struct exp *e, size_t i)
{
    for (size_t k = 0; k < e->natt; k++)
        if (e->att[k] == i)
            return true;
    return false;
}

/* Where our documented rules differ from Stalwart's, on purpose. */
struct stalwart_diff {
    const char *file;
    const char *why;
};

#define WHY_CLOSE                                                                                  \
    "a delimiter is the boundary and blanks only, at a line start (RFC 2046 5.1.1), "              \
    "and an outer one closes inner parts; Stalwart matches boundaries as prefixes "                \
    "and does not close inner parts, so text after a spoofed delimiter hides in them"
#define WHY_NOCOLON                                                                                \
    "a line with no colon ends a header section (Postfix, Python's email): what "                  \
    "follows is body text, inspected; Stalwart drops it and reads on as headers"
#define WHY_B64                                                                                    \
    "invalid base64 is decoded the tolerant way of mime_decode (junk skipped, data "               \
    "after padding decoded); Stalwart falls back to the raw text"
#define WHY_MSGTYPE                                                                                \
    "message/* parts are not attachments by our rule; JMAP lists message/partial "                 \
    "and message/external-body as attachments"
#define WHY_NOPARTS                                                                                \
    "a multipart with no delimiter keeps its body as the multipart's text "                        \
    "(preamble, flagged); Stalwart makes it a text leaf"

/* clang-format off */
static const struct stalwart_diff stalwart_diffs[] = {
    {"rfc/000", WHY_B64},
    {"rfc/001", WHY_MSGTYPE},
    {"thirdparty/002", WHY_B64},
    {"thirdparty/005", WHY_CLOSE},
    {"thirdparty/009", WHY_MSGTYPE},
    {"thirdparty/015", WHY_NOCOLON},
    {"malformed/000", "consecutive delimiters make empty parts, reported; Stalwart drops them"},
    {"malformed/001", WHY_CLOSE},
    {"malformed/002", WHY_NOPARTS},
    {"malformed/004", WHY_NOPARTS},
    {"malformed/007", WHY_NOCOLON},
    {"malformed/009", WHY_CLOSE},
    {"malformed/011", WHY_CLOSE},
    {"malformed/012", WHY_CLOSE},
    {"malformed/016", WHY_CLOSE},
    {"malformed/019", WHY_NOCOLON},
    {"malformed/020", "Content-Type given twice: the first wins (flagged), as in mime_param"},
    {"malformed/021", "Content-Type given twice: the first wins (flagged), as in mime_param"},
    {"malformed/022", WHY_NOCOLON},
    {NULL, NULL},
};
/* clang-format on */

static const char *
stalwart_diff(const char *file)
{
    for (size_t i = 0; stalwart_diffs[i].file; i++)
        if (strcmp(stalwart_diffs[i].file, file) == 0)
            return stalwart_diffs[i].why;
    return NULL;
}

/* leaf_matches - our leaf against Stalwart's: type and decoded body */
static bool
leaf_matches(const struct rec_part *r, const struct exp_leaf *l, char *why, size_t size)
{
    char type[160];
    const struct buf *ours;
    bool utf8ish =
        !r->charset || strcmp(r->charset, "utf-8") == 0 || strcmp(r->charset, "us-ascii") == 0;

    snprintf(type, sizeof type, "%s/%s", r->type, r->subtype);
    if (l->type[0] && strcmp(l->type, type) != 0) {
        snprintf(why, size, "type %s, expected %s", type, l->type);
        return false;
    }
    if (r->is_html && !utf8_is_valid(r->body.data, r->body.len))
        ours = NULL; /* Stalwart reads invalid bytes in its own way; not compared */
    else if (r->is_html || !r->is_text) /* our text of HTML is reduced: compare the body */
        ours = utf8ish || strcmp(l->kind, "Binary") == 0 || strcmp(l->kind, "InlineBinary") == 0
                   ? &r->body
                   : NULL;
    else
        ours = &r->text;
    if (ours && (ours->len != l->data.len ||
                 (l->data.len && memcmp(ours->data, l->data.data, l->data.len)))) {
        snprintf(why, size, "%s body: %zu bytes, expected %zu", r->path, ours->len, l->data.len);
        return false;
    }
    return true;
}

/* attachment_compared - JMAP (RFC 8621 4.1.4), which Stalwart's list follows, also counts an
 * inline text/plain or text/html part as an attachment when it is not the message's main
 * text; ours is the inspection rule of mime_stream.h (disposition, filename, type). The two
 * are compared where the rule is not about that choice. */
static bool
attachment_compared(const struct rec_part *p)
{
    bool text = strcmp(p->type, "text") == 0 &&
                (strcmp(p->subtype, "plain") == 0 || strcmp(p->subtype, "html") == 0);

    return !text || p->filename || (p->disposition && strcmp(p->disposition, "attachment") == 0);
}

/* stalwart_one - one message; false (with the reason) when it differs */
static bool
stalwart_one(const char *eml, const char *jsonp, char *why, size_t size)
{
    size_t len = 0;
    char *msg = read_file(eml, &len, true);
    json_error_t err;
    json_t *j = json_load_file(jsonp, JSON_ALLOW_NUL, &err);
    struct exp e;
    struct rec *r;
    size_t nleaf = 0;
    bool ok = true;

    assert_non_null(msg);
    assert_non_null(j);
    memset(&e, 0, sizeof e);
    exp_walk(j, &e);
    r = rec_run_checked(msg, len, NULL);
    for (size_t i = 0; i < r->n && ok; i++) {
        const struct rec_part *p = &r->parts[i];
        if (p->is_multipart || p->is_message)
            continue;
        if (nleaf >= e.n) {
            snprintf(why, size, "extra leaf %s", p->path);
            ok = false;
        } else if (!leaf_matches(p, &e.leaf[nleaf], why, size)) {
            ok = false;
        } else if (attachment_compared(p) && p->is_attachment != exp_is_attachment(&e, nleaf)) {
            snprintf(why, size, "%s attachment %d", p->path, p->is_attachment);
            ok = false;
        }
        nleaf++;
    }
    if (ok && nleaf != e.n) {
        snprintf(why, size, "%zu leaves, expected %zu", nleaf, e.n);
        ok = false;
    }
    for (size_t i = 0; i < e.n; i++)
        buf_release(&e.leaf[i].data);
    rec_free(r);
    json_decref(j);
    free(msg);
    return ok;
}

static void
test_stalwart(void **state)
{
    static const char *const dirs[] = {"rfc", "thirdparty", "malformed"};
    char path[1024], jpath[1024], name[64], why[256];
    unsigned seen = 0, agreed = 0, differ = 0, failed = 0;

    (void)state;
    if (!corpus_path(path, sizeof path, "stalwart-mail-parser")) {
        print_message("SW_SHARED_DIR is not set: skipping corpus test\n");
        skip();
    }
    for (size_t d = 0; d < 3; d++) {
        for (unsigned i = 0; i < 100; i++) {
            FILE *fp;
            snprintf(name, sizeof name, "%s/%03u", dirs[d], i);
            corpus_path(path, sizeof path, "stalwart-mail-parser/eml/");
            snprintf(path + strlen(path), sizeof path - strlen(path), "%s.eml", name);
            snprintf(jpath, sizeof jpath, "%.*sjson", (int)(strlen(path) - 3), path);
            if (!(fp = fopen(path, "rb")))
                break;
            fclose(fp);
            seen++;
            why[0] = '\0';
            if (stalwart_one(path, jpath, why, sizeof why)) {
                agreed++;
                if (stalwart_diff(name)) {
                    print_message("%s agrees with Stalwart but is listed as a difference\n", name);
                    failed++;
                }
            } else if (stalwart_diff(name)) {
                differ++;
            } else {
                print_message("%s differs from Stalwart: %s\n", name, why);
                failed++;
            }
        }
    }
    print_message("stalwart: %u messages, %u agree, %u listed differences\n", seen, agreed, differ);
    assert_int_equal(seen, 53);
    assert_int_equal(failed, 0);
}

/* ---- CPython email test messages --------------------------------------------------------- */

/* One fact about one part; decoded sizes as Python's email package decodes them. */
struct py_fact {
    const char *file;
    const char *path;
    const char *type;     /* "type/subtype" */
    const char *filename; /* or NULL */
    const char *charset;  /* or NULL: not checked */
    long long decoded;    /* bytes passed to `body`, -1 for a container */
    bool attachment;
};

/* clang-format off */
static const struct py_fact py_facts[] = {
    {"msg_02", "3.1", "message/rfc822", NULL, NULL, -1, false}, /* digest default */
    {"msg_02", "3.5.1", "text/plain", NULL, "us-ascii", 10, false},
    {"msg_04", "2", "text/plain", "msg.txt", NULL, 48, true},
    {"msg_10", "1", "text/plain", NULL, "us-ascii", 32, false},
    {"msg_10", "2", "text/html", NULL, "iso-8859-1", 45, false},
    {"msg_10", "3", "text/plain", NULL, "iso-8859-1", 33, false},
    {"msg_10", "4", "text/plain", NULL, "iso-8859-1", 34, false},
    {"msg_10", "5", "text/plain", NULL, "iso-8859-1", 47, false}, /* x-uuencode: kept */
    {"msg_13", "2.2", "image/gif", "dingusfish.gif", NULL, 3512, true},
    {"msg_15", "1.2", "text/html", NULL, "iso-8859-1", 98, false},
    {"msg_15", "2", "image/gif", "xx.gif", NULL, 21, true},
    {"msg_24", "1", "text/plain", NULL, "us-ascii", 0, false},
    {"msg_25", "0", "multipart/report", NULL, NULL, 4211, false}, /* no boundary: one text part */
    {"msg_26", "2", "application/riscos", "clock.bmp", NULL, 630, true},
    {"msg_32", "0", "text/plain", NULL, "us-ascii", 14, false}, /* RFC 2231 charset* */
    {"msg_33", "1", "text/plain", NULL, "us-ascii", 7, false},  /* RFC 2231 boundary* */
    {"msg_33", "2", "text/plain", NULL, NULL, 7, false},
    {"msg_44", "1", "text/plain", "msg.txt", NULL, 48, true},    /* name= */
};
/* clang-format on */

/* Part counts and anomalies Python also reports (its defects), per broken message. */
struct py_shape {
    const char *file;
    size_t parts;       /* part_start calls */
    unsigned anomalies; /* exact set */
};

#define PA(x) (1u << MIME_ANOM_##x)

/* clang-format off */
static const struct py_shape py_shapes[] = {
    {"msg_01", 1, 0},
    {"msg_02", 15, 0},
    {"msg_15", 5, PA(BASE64)},   /* inner and outer share a boundary */
    {"msg_24", 2, 0},
    {"msg_25", 1, PA(NO_BOUNDARY) | PA(HEADER) | PA(PARAM)}, /* "bo" for boundary; mbox From */
    {"msg_31", 1, PA(NO_PARTS)}, /* no start boundary */
    {"msg_35", 1, PA(HEADER)},   /* no blank line after the header section */
    {"msg_37", 4, 0},            /* doubled delimiters open no empty parts */
    {"msg_41", 1, PA(NO_BOUNDARY)},
};
/* clang-format on */

/* py_file - SW_SHARED_DIR/corpus/python-email/data/<name>.txt, read whole */
static char *
py_file(const char *name, size_t *len)
{
    char rel[128], path[1024];

    snprintf(rel, sizeof rel, "python-email/data/%s.txt", name);
    if (!corpus_path(path, sizeof path, rel))
        return NULL;
    return read_file(path, len, false);
}

static void
test_python_email(void **state)
{
    char name[32];
    unsigned files = 0;

    (void)state;
    if (!getenv("SW_SHARED_DIR")) {
        print_message("SW_SHARED_DIR is not set: skipping corpus test\n");
        skip();
    }
    for (int i = 1; i <= 48; i++) {
        for (int a = 0; a < 2; a++) {
            size_t len;
            char *msg;
            struct rec *r;

            snprintf(name, sizeof name, a ? "msg_%02da" : "msg_%02d", i);
            if (!(msg = py_file(name, &len)))
                continue;
            files++;
            r = rec_run_checked(msg, len, NULL);
            assert_true(r->n >= 1);
            assert_string_equal(r->parts[0].path, "0");
            for (size_t k = 0; k < sizeof py_facts / sizeof *py_facts; k++) {
                const struct py_fact *f = &py_facts[k];
                const struct rec_part *q;
                char type[128];
                if (strcmp(f->file, name) != 0)
                    continue;
                print_message("%s part %s\n", name, f->path);
                q = rec_find(r, f->path);
                assert_non_null(q);
                snprintf(type, sizeof type, "%s/%s", q->type, q->subtype);
                assert_string_equal(type, f->type);
                if (f->filename)
                    assert_string_equal(q->filename ? q->filename : "(none)", f->filename);
                else
                    assert_null(q->filename);
                if (f->charset)
                    assert_string_equal(q->charset ? q->charset : "(none)", f->charset);
                if (f->decoded >= 0)
                    assert_int_equal(q->st.decoded_bytes, f->decoded);
                else
                    assert_true(q->is_multipart || q->is_message);
                assert_int_equal(q->is_attachment, f->attachment);
            }
            for (size_t k = 0; k < sizeof py_shapes / sizeof *py_shapes; k++) {
                const struct py_shape *s = &py_shapes[k];
                if (strcmp(s->file, name) != 0)
                    continue;
                print_message("%s shape\n", name);
                if (s->parts)
                    assert_int_equal(r->n, s->parts);
                assert_int_equal(r->anomalies, s->anomalies);
            }
            rec_free(r);
            free(msg);
        }
    }
    assert_int_equal(files, 49);
}

/* test_python_msg35 - a header section with no blank line: the line that is no field begins
 * the body, so its text is inspected */
static void
test_python_msg35(void **state)
{
    size_t len;
    char *msg = py_file("msg_35", &len);
    struct rec *r;

    (void)state;
    if (!msg)
        skip();
    r = rec_run_checked(msg, len, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->parts[0].text.data,
                        "counter to RFC 2822, there's no separating newline here\n");
    rec_free(r);
    free(msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalwart),
        cmocka_unit_test(test_python_email),
        cmocka_unit_test(test_python_msg35),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
