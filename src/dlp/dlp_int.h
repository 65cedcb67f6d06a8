/*
 * dlp_int - what the DLP engine's own files share (dlp.c builds the engine, dlp_builtin.c holds
 * the tables, dlp_stream.c scans, dlp_digits.c finds digit chains, dlp_shape.c matches digit
 * shapes, dlp_dump.c follows infostealer dumps); nothing outside src/dlp includes it.
 *
 * How a text is scanned. Each piece of a feed goes through (1) an SSE2 scan for chains of nine
 * digits with single separators (dlp_digits.c: digits in mail break Hyperscan's acceleration)
 * and (2) one "hot" Hyperscan database in streaming mode with cheap triggers only and no
 * start-of-match tracking: the passport shape, literal token prefixes (AKIA, ghp_, xoxb-, eyJ,
 * -----BEGIN, ...), secret keywords, infostealer labels and custom keywords. Every trigger is
 * queued with its end offset; once the bytes after it have arrived (the look-ahead: longest
 * value + context window) or the stream ends, it is resolved against the bytes kept in a ring:
 * a digit run is walked back and forward over [0-9 +-] and its shapes matched group-wise, an
 * IBAN run by a small block database with start of match, a prefix token is extended forward,
 * and the candidate goes to its validator; context words are looked for (a block database)
 * only around a candidate that passed. Because every decision waits for the same bytes
 * whatever the split, findings do not depend on how the text was cut. Custom regular
 * expressions get their own streaming database (start of match on) that exists only when some
 * are configured.
 */
#ifndef SW_DLP_DLP_INT_H
#define SW_DLP_DLP_INT_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlp/dlp.h"

#define DLP_MAX_TOKEN 2048 /* longest value followed forward (a JWT) */
#define DLP_MAX_REGION 128 /* longest digit / IBAN run looked at */
#define DLP_MAX_CTXWORD 64 /* longest context word or label, bytes */
#define DLP_LINE_MAX 256   /* infostealer: longest label line looked at */
#define DLP_DUMP_SPAN 512  /* infostealer: fields of one instance lie this close */
#define DLP_CONTEXT_BONUS 20

typedef bool (*dlp_check_fn)(const uint8_t *s, size_t n, struct dlp_check *out);

/* context groups: a context word raises the confidence of the detectors of its groups */
enum dlp_ctx {
    DLP_CTX_NONE = -1,
    DLP_CTX_CARD,
    DLP_CTX_BANK,
    DLP_CTX_SSN,
    DLP_CTX_RRN,
    DLP_CTX_FRN,
    DLP_CTX_BRN,
    DLP_CTX_PASSPORT,
    DLP_CTX_DRIVER,
    DLP_CTX_PHONE,
    DLP_CTX_SECRET,
    DLP_CTX_COUNT
};

/* region families: digit runs and IBAN-like runs, resolved by a block database */
enum dlp_fam { DLP_FAM_NUM, DLP_FAM_IBAN, DLP_FAM_COUNT };

/* character classes candidates are walked over */
enum dlp_cls {
    DLP_CLS_NUM,    /* [0-9 +-] */
    DLP_CLS_IBAN,   /* [A-Z0-9 ] */
    DLP_CLS_ALNUM,  /* [A-Za-z0-9] */
    DLP_CLS_TOKEN,  /* [A-Za-z0-9_-] */
    DLP_CLS_JWT,    /* [A-Za-z0-9_.-] */
    DLP_CLS_PEM,    /* [A-Z0-9 -] */
    DLP_CLS_SECRET, /* printable ASCII but space, quotes, comma, semicolon, <>, backslash */
    DLP_CLS_COUNT
};

/* what a hot-database match means */
enum dlp_hot_kind {
    DLP_HOT_REGION,    /* somewhere inside a run of the families in mask `aux` */
    DLP_HOT_FIXED,     /* the whole value, `len` bytes */
    DLP_HOT_PREFIX,    /* the value's first `len` bytes: extend forward over `cls` */
    DLP_HOT_SECRET_KW, /* a secret keyword and '=' or ':': the value follows */
    DLP_HOT_DUMP,      /* an infostealer label, label id in `aux` */
    DLP_HOT_KEYWORD,   /* a custom keyword */
    DLP_HOT_RX         /* (queue only) a custom regex match */
};

/* infostealer labels */
enum dlp_label {
    DLP_LB_SITE,
    DLP_LB_USER,
    DLP_LB_PASS,
    DLP_LB_SYS_HOST,
    DLP_LB_SYS_TIME,
    DLP_LB_SYS_IP,
    DLP_LB_SYS_USER,
    DLP_LB_SYS_OS,
    DLP_LB_SYS_CPU,
    DLP_LB_SYS_RAM,
    DLP_LB_SYS_HWID,
    DLP_LB_COOKIE_HDR,
    DLP_LB_COOKIE_LINE
};

/* a built-in detector */
struct dlp_builtin_det {
    struct dlp_detector_info info;
    dlp_check_fn check; /* NULL for the infostealer shapes */
    int ctx;            /* enum dlp_ctx */
};

/* a trigger of the hot database */
struct dlp_hot_pat {
    const char *re;
    unsigned flags; /* HS_FLAG_* */
    uint8_t kind;   /* enum dlp_hot_kind */
    uint8_t cls;    /* enum dlp_cls: what the value is made of */
    bool lb;        /* the byte before the value must not be in `cls` (nor a letter/digit) */
    bool lit;       /* `re` is a literal (escaped when compiled; `len` = its length) */
    uint16_t len;   /* FIXED: value length; PREFIX: prefix length; CONTEXT/DUMP: match length */
    uint16_t minlen, maxlen;
    int det;           /* detector index (built-in table, then custom), -1 none */
    uint32_t aux;      /* family, context groups mask, label */
    const char *label; /* DUMP: the label as shown in redactions */
};

/* an exact shape of the block database of a region family */
struct dlp_blk_pat {
    int fam;
    const char *re;
    int det;
    bool needs_ctx; /* a weak shape (9 bare digits for an SSN): only with a context word */
};

/* a digit shape: groups of digits, one separator between two (dlp_shape.c) */
enum { DLP_SEP_DASH = 1, DLP_SEP_SPACE = 2, DLP_SEP_MIXED = 4 /* not all the same */ };
enum dlp_pfx {
    DLP_PFX_NONE,
    DLP_PFX_MOBILE, /* 01[016789] */
    DLP_PFX_AREA,   /* 02, 0[3-6][1-5] */
    DLP_PFX_PLUS82  /* +82 and a Korean number without its 0 (not group-wise) */
};

struct dlp_shape {
    int det;
    bool needs_ctx;
    uint8_t ngroups;
    uint8_t lo[5], hi[5]; /* digits in each group */
    uint8_t seps;         /* DLP_SEP_* allowed between groups */
    uint8_t prefix;       /* enum dlp_pfx */
};

extern const struct dlp_shape dlp_builtin_shapes[];
extern const size_t dlp_builtin_nshapes;
extern const struct dlp_builtin_det dlp_builtin_dets[];
extern const size_t dlp_builtin_ndets;
extern const struct dlp_hot_pat dlp_builtin_hot[];
extern const size_t dlp_builtin_nhot;
/* a context word */
struct dlp_ctx_word {
    const char *word;
    uint32_t groups; /* 1 << enum dlp_ctx */
};

extern const struct dlp_ctx_word dlp_builtin_ctx[];
extern const size_t dlp_builtin_nctx;
extern const struct dlp_blk_pat dlp_builtin_blk[];
extern const size_t dlp_builtin_nblk;

/* a detector of an engine: built-ins first (same index), then custom ones */
struct dlp_det {
    char *id;
    const char *category;
    dlp_check_fn check;
    int ctx;
    int confidence; /* custom detectors */
    bool enabled;
    struct dlp_edm *edm;
};

struct dlp_engine {
    struct dlp_det *det;
    size_t ndet;
    struct dlp_hot_pat *hot; /* copies; custom keywords' `re` owned */
    size_t nhot;
    hs_database_t *hot_db;
    int digit_pat;    /* the digit-run trigger (not compiled: dlp_digits.c), -1 when off */
    int passport_pat; /* the passport trigger (the same) */
    struct dlp_blk_pat *blk[DLP_FAM_COUNT];
    size_t nblk[DLP_FAM_COUNT];
    hs_database_t *blk_db[DLP_FAM_COUNT];
    int *rx_det; /* custom regex pattern id -> detector */
    size_t nrx;
    hs_database_t *rx_db;
    hs_database_t *ctx_db; /* context words, block mode */
    hs_scratch_t *scratch; /* prototype, cloned per stream */
    size_t window;         /* context window */
    size_t lookahead;      /* bytes a trigger waits for before it is resolved */
    size_t back;           /* how far a region is walked back */
    size_t keep;           /* ring size (power of two) */
    /* bit k of shape_first[L]: built-in digit shape k can begin with a group of L digits (L
     * 31: 31 or more); shapes_always: the shapes matched without groups (+82) */
    uint32_t shape_first[32];
    uint32_t shapes_always;
};

/* a queued trigger: a hot-database match (or a custom regex match) waiting for its bytes */
struct dlp_trig {
    uint64_t end;
    uint64_t start; /* custom regex matches only */
    uint32_t pat;
};

struct dlp_queue {
    struct dlp_trig *v;
    size_t head, len, cap;
};

/* infostealer shape state (dlp_dump.c) */
struct dlp_dump {
    uint64_t cred_pos[3]; /* label start of the latest site / user / password label */
    uint64_t cred_end[3]; /* end of that label's line */
    bool cred_seen[3];
    char cred_label[3][12];
    char cred_host[41];
    uint64_t sys_first, sys_last;
    uint32_t sys_mask;
    bool sys_reported, sys_open;
    char sys_labels[80];
    uint64_t ck_first, ck_last; /* cookie run: first line start, end of its last line */
    unsigned ck_count;
    bool ck_open, ck_reported;
    char ck_host[72];
};

/* a custom regex finding being merged with overlapping matches */
struct dlp_rx_pending {
    bool open;
    uint64_t start, end;
    uint8_t head[4]; /* first bytes, for the redaction */
    uint8_t tail[4];
    size_t nhead, ntail;
};

struct dlp_blk_match {
    uint64_t from, to;
    int det;
    bool needs_ctx;
};

/* what an EDM stream's callback gets */
struct dlp_edm_ctx {
    struct dlp_stream *s;
    int det;
};

struct dlp_stream {
    const struct dlp_engine *e;
    dlp_finding_fn fn;
    void *ctx;
    hs_stream_t *hot, *rx;
    hs_scratch_t *scratch;
    uint8_t *ring; /* the bytes before `base`, ring of e->keep bytes */
    uint64_t base; /* stream offset of cur[0] */
    const uint8_t *cur;
    size_t curlen;
    uint64_t fed;
    struct dlp_queue tq, rq; /* triggers, custom regex matches */
    uint64_t region_end[DLP_FAM_COUNT];
    unsigned digit_run; /* digits in a row just before `base`, at most 4 */
    uint64_t *det_end;  /* per detector: end of its last finding */
    struct dlp_rx_pending *rxp;
    struct dlp_edm_stream **edm;
    struct dlp_edm_ctx *edmctx;
    struct dlp_dump dump;
    struct dlp_blk_match *bm;
    size_t nbm;
    bool failed;
    uint8_t val[DLP_MAX_TOKEN + 64];
    uint8_t *win;               /* the bytes around a candidate, searched for context words */
    uint8_t pad[64 + 256 + 64]; /* the end of a piece, copied for Hyperscan (hs_feed) */
};

/* dlp_stream_byte - the byte at stream offset off, -1 when not held */
int dlp_stream_byte(const struct dlp_stream *s, uint64_t off);
/* dlp_stream_copy - copy up to n bytes from off into out; returns how many were held */
size_t dlp_stream_copy(const struct dlp_stream *s, uint64_t off, size_t n, uint8_t *out);
/* dlp_stream_report - hand a finding to the callback (deduplicated per detector) */
void dlp_stream_report(struct dlp_stream *s, int det, uint64_t off, uint64_t end, int confidence,
                       bool context, const char *redacted, const char *detail);

/* dlp_stream_digits - queue a digit chain around `end`; `recheck`: it ran past the bytes
 * held, count it again when resolved (dlp_digits.c calls it) */
void dlp_stream_digits(struct dlp_stream *s, uint64_t end, bool recheck);
/* dlp_stream_passport - a passport-shaped value may end at `end` (dlp_digits.c calls it) */
void dlp_stream_passport(struct dlp_stream *s, uint64_t end);
/* dlp_digits_chain - the chain of digits and single separators around four digits ending at
 * `end` (bytes from p[0..n) at offset `at`, else the ring): 1 nine digits or more (or longer
 * than walked), 0 fewer, -1 it runs past the bytes held and `more` may follow */
int dlp_digits_chain(const struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at,
                     uint64_t end, bool more);
/* dlp_digits_scan - find where digit chains (dlp_digits.c) end in p[0..n), at offset `at` */
void dlp_digits_scan(struct dlp_stream *s, const uint8_t *p, size_t n, uint64_t at);

/* dlp_shape_index - fill e->shape_first and e->shapes_always from the built-in shapes */
void dlp_shape_index(struct dlp_engine *e);
/* dlp_shape_match - the digit shapes in a run r[0..n): candidates (from, to, det) into out,
 * shape by shape in table order */
size_t dlp_shape_match(const struct dlp_engine *e, const uint8_t *r, size_t n,
                       struct dlp_blk_match *out, size_t max);

/* dlp_dump_label - an infostealer label matched, ending at `end` */
void dlp_dump_label(struct dlp_stream *s, const struct dlp_hot_pat *p, uint64_t end);
/* dlp_dump_reset - forget every shape in progress */
void dlp_dump_reset(struct dlp_dump *d);

extern const uint8_t dlp_cls_table[256];

/* dlp_cls_has - is byte c in class cls */
static inline bool
dlp_cls_has(int cls, uint8_t c)
{
    return (dlp_cls_table[c] >> cls) & 1u;
}

#endif
