/*
 * dlp_edm_stream - find a table's records in streamed text. Text is cut into words (runs of
 * letters, digits, non-ASCII and "@._+-"); each word ends up to 4 spans, the word alone and
 * with up to 3 words before it when only short runs of spaces, tabs, "()" or "/" lie between.
 * Every span is normalised like the cells and, when some cell has its length, hashed and
 * looked up. A primary cell opens a candidate; hits within the window before or after it
 * that belong to the same row add their columns; once the window has passed the candidate is
 * reported if it has min_cells columns. Hits that overlap the primary's own bytes do not
 * count (a date inside an id is not a second cell).
 *
 * Everything is decided per span in stream order, so any split of the text gives the same
 * matches. State is bounded: 4 words of EDM_WORD_MAX bytes, EDM_RECENT earlier hits,
 * EDM_PENDING open candidates (the oldest is settled early when more arrive).
 */
#include "dlp/dlp_edm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dlp/dlp_edm_int.h"
#include "util/mem.h"

#define EDM_WORD_MAX 256
#define EDM_GAP_MAX 3
#define EDM_SPAN_WORDS 4
#define EDM_RECENT 256
#define EDM_PENDING 64
#define EDM_ROWS_PER_PRIMARY 16

struct edm_word {
    uint64_t start;
    size_t len;
    size_t digits;    /* of its bytes */
    size_t gap_len;   /* the joinable gap before it, when it continues a chain */
    size_t gap_solid; /* gap bytes that are not whitespace */
    bool gap_space;   /* the gap has whitespace: normalised text has a space there */
    uint8_t gap[EDM_GAP_MAX];
    uint8_t bytes[EDM_WORD_MAX];
};

struct edm_hit {
    const struct edm_slot *slot;
    uint64_t start, end;
};

struct edm_candidate {
    uint32_t row;
    uint64_t start, end;
    uint64_t columns;
};

struct dlp_edm_stream {
    const struct dlp_edm *e;
    dlp_edm_match_fn fn;
    void *ctx;
    EVP_MD_CTX *md;
    uint64_t off;
    bool in_word, overlong;
    size_t gap_len;
    bool gap_ok;
    uint8_t gap[EDM_GAP_MAX];
    struct edm_word words[EDM_SPAN_WORDS]; /* ring: the chain's last words and the current */
    size_t whead, nwords;                  /* oldest; complete words in the chain */
    struct edm_hit recent[EDM_RECENT];     /* ring */
    size_t recent_head, nrecent;
    struct edm_candidate pending[EDM_PENDING]; /* ring, in stream order */
    size_t pending_head, npending;
    struct buf columns;
};

/* dlp_edm_stream_new - a scanner over a loaded table */
struct dlp_edm_stream *
dlp_edm_stream_new(const struct dlp_edm *e, dlp_edm_match_fn fn, void *ctx)
{
    struct dlp_edm_stream *s = xcalloc(1, sizeof *s);

    s->e = e;
    s->fn = fn;
    s->ctx = ctx;
    s->md = EVP_MD_CTX_new();
    if (s->md == NULL)
        abort(); /* out of memory, as xmalloc would */
    s->gap_ok = true;
    buf_init(&s->columns, 0);
    return s;
}

/* dlp_edm_stream_free - wipe the buffered words and free */
struct dlp_edm_stream *
dlp_edm_stream_free(struct dlp_edm_stream *s)
{
    if (s == NULL)
        return NULL;
    EVP_MD_CTX_free(s->md);
    buf_release(&s->columns);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
    return NULL;
}

/* settle - report a candidate that gathered enough columns */
static void
settle(struct dlp_edm_stream *s, const struct edm_candidate *c)
{
    const struct dlp_edm *e = s->e;
    unsigned cells = (unsigned)__builtin_popcountll(c->columns);

    if (cells < e->min_cells || s->fn == NULL)
        return;
    buf_reset(&s->columns);
    for (size_t i = 0; i < e->ncols; i++)
        if (c->columns & (1ull << i)) {
            if (s->columns.len > 0)
                buf_append(&s->columns, ",", 1);
            buf_append_str(&s->columns, e->names[i]);
        }
    struct dlp_edm_match m = {c->row, cells, c->start, (uint32_t)(c->end - c->start),
                              s->columns.data != NULL ? s->columns.data : ""};
    s->fn(s->ctx, &m);
}

/* settle_oldest - take the oldest candidate off the ring and settle it */
static void
settle_oldest(struct dlp_edm_stream *s)
{
    struct edm_candidate c = s->pending[s->pending_head];

    s->pending_head = (s->pending_head + 1) % EDM_PENDING;
    s->npending--;
    settle(s, &c);
}

/* open_candidate - a primary hit for `row`: columns from earlier hits in the window */
static void
open_candidate(struct dlp_edm_stream *s, uint32_t row, uint64_t start, uint64_t end)
{
    const struct dlp_edm *e = s->e;

    for (size_t i = 0; i < s->npending; i++) {
        const struct edm_candidate *p = &s->pending[(s->pending_head + i) % EDM_PENDING];
        if (p->row == row && p->start < end && start < p->end)
            return; /* the same value seen through another span */
    }
    if (s->npending == EDM_PENDING)
        settle_oldest(s);
    struct edm_candidate *c = &s->pending[(s->pending_head + s->npending++) % EDM_PENDING];
    *c = (struct edm_candidate){row, start, end, 1ull << e->primary};
    for (size_t i = 0; i < s->nrecent; i++) {
        const struct edm_hit *h = &s->recent[(s->recent_head + i) % EDM_RECENT];
        if (h->end <= start && start - h->end <= e->window)
            c->columns |= dlp_edm_row_columns(e, h->slot, row);
    }
}

/* on_hit - a span whose hash is in the table */
static void
on_hit(struct dlp_edm_stream *s, const struct edm_slot *slot, uint64_t start, uint64_t end)
{
    const struct dlp_edm *e = s->e;

    while (s->npending > 0 && s->pending[s->pending_head].end + e->window < start)
        settle_oldest(s);
    for (size_t i = 0; i < s->npending; i++) {
        struct edm_candidate *c = &s->pending[(s->pending_head + i) % EDM_PENDING];
        if (start >= c->end && start - c->end <= e->window)
            c->columns |= dlp_edm_row_columns(e, slot, c->row);
    }
    for (uint32_t i = 0; i < slot->nprimary && i < EDM_ROWS_PER_PRIMARY; i++)
        open_candidate(s, e->entries[slot->first + i].row, start, end);
    /* keep the hit for candidates that open later; the oldest goes when the ring is full */
    if (s->nrecent == EDM_RECENT) {
        s->recent_head = (s->recent_head + 1) % EDM_RECENT;
        s->nrecent--;
    }
    s->recent[(s->recent_head + s->nrecent++) % EDM_RECENT] = (struct edm_hit){slot, start, end};
}

/* word_at - the i-th word of the chain, 0 the oldest */
static struct edm_word *
word_at(struct dlp_edm_stream *s, size_t i)
{
    return &s->words[(s->whead + i) % EDM_SPAN_WORDS];
}

/* span_may_match - a text span of more words than any cell has cannot match (the spans
 * without its punctuation-only end words stand in for it); a mostly-digit span loses its
 * spaces, so it always may */
static bool
span_may_match(struct dlp_edm_stream *s, size_t from)
{
    size_t digits = 0, solid = 0, words = 1;

    if (s->nwords - from == 1)
        return true;
    for (size_t i = from; i < s->nwords; i++) {
        const struct edm_word *w = word_at(s, i);
        digits += w->digits;
        solid += w->len;
        if (i > from) {
            solid += w->gap_solid;
            words += w->gap_space;
        }
    }
    return digits * 2 > solid || words <= s->e->max_words;
}

/* try_span - normalise, hash and look up the chain's words [from, nwords) */
static void
try_span(struct dlp_edm_stream *s, size_t from)
{
    uint8_t text[EDM_SPAN_WORDS * (EDM_WORD_MAX + EDM_GAP_MAX)], norm[EDM_MAX_VALUE];
    const struct edm_word *first = word_at(s, from), *last = word_at(s, s->nwords - 1);
    size_t n = 0;

    /* normalising never lengthens: a span shorter than every cell cannot be one */
    if (last->start + last->len - first->start < s->e->min_len || !span_may_match(s, from))
        return;
    for (size_t i = from; i < s->nwords; i++) {
        const struct edm_word *w = word_at(s, i);
        if (i > from) {
            memcpy(text + n, w->gap, w->gap_len);
            n += w->gap_len;
        }
        memcpy(text + n, w->bytes, w->len);
        n += w->len;
    }
    size_t k = dlp_edm_normalise(text, n, norm);
    if (k > 0 && (s->e->lengths[k / 8] & (1u << (k % 8))) &&
        dlp_edm_filter_has(s->e, dlp_edm_siphash(s->e->sipkey, norm, k))) {
        const struct edm_slot *slot = dlp_edm_lookup(s->e, dlp_edm_hash(s->e, s->md, norm, k));
        if (slot != NULL)
            on_hit(s, slot, first->start, last->start + last->len);
    }
    OPENSSL_cleanse(text, n);
    OPENSSL_cleanse(norm, k);
}

/* end_word - a word is complete: chain it and try the spans that end with it */
static void
end_word(struct dlp_edm_stream *s)
{
    s->in_word = false;
    if (s->overlong) {
        s->nwords = 0;
        return;
    }
    s->nwords++;
    for (size_t k = 1; k <= s->nwords; k++)
        try_span(s, s->nwords - k);
}

/* is_word_byte - letters, digits, UTF-8 and the characters of e-mail addresses and ids */
static bool
is_word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || c == '@' || c == '.' || c == '_' || c == '+' || c == '-';
}

/* start_word - a new word: it continues the chain only across a short joinable gap; the
 * chain's oldest word leaves when the ring is full (no span needs 5 words) */
static void
start_word(struct dlp_edm_stream *s)
{
    if (!s->gap_ok || s->gap_len > EDM_GAP_MAX || s->gap_len == 0)
        s->nwords = 0;
    if (s->nwords == EDM_SPAN_WORDS) {
        s->whead = (s->whead + 1) % EDM_SPAN_WORDS;
        s->nwords--;
    }
    struct edm_word *w = word_at(s, s->nwords);
    s->in_word = true;
    s->overlong = false;
    w->start = s->off;
    w->len = 0;
    w->digits = 0;
    w->gap_len = s->nwords > 0 ? s->gap_len : 0;
    memcpy(w->gap, s->gap, w->gap_len);
    w->gap_solid = 0;
    w->gap_space = false;
    for (size_t i = 0; i < w->gap_len; i++) {
        w->gap_space |= s->gap[i] == ' ' || s->gap[i] == '\t';
        w->gap_solid += s->gap[i] != ' ' && s->gap[i] != '\t';
    }
}

/* feed_byte - one byte of text */
static void
feed_byte(struct dlp_edm_stream *s, uint8_t c)
{
    if (is_word_byte(c)) {
        if (!s->in_word)
            start_word(s);
        struct edm_word *w = word_at(s, s->nwords);
        if (w->len == EDM_WORD_MAX)
            s->overlong = true;
        else
            w->bytes[w->len++] = c;
        w->digits += c >= '0' && c <= '9';
        return;
    }
    if (s->in_word) {
        end_word(s);
        s->gap_len = 0;
        s->gap_ok = true;
    }
    if (s->gap_len < EDM_GAP_MAX)
        s->gap[s->gap_len] = c;
    s->gap_len++;
    s->gap_ok &= c == ' ' || c == '\t' || c == '(' || c == ')' || c == '/';
}

/* dlp_edm_stream_feed - text in any split */
void
dlp_edm_stream_feed(struct dlp_edm_stream *s, const uint8_t *text, size_t len)
{
    for (size_t i = 0; i < len; i++, s->off++)
        feed_byte(s, text[i]);
}

/* dlp_edm_stream_end - finish the last word, settle every candidate, start over */
void
dlp_edm_stream_end(struct dlp_edm_stream *s)
{
    if (s->in_word)
        end_word(s);
    while (s->npending > 0)
        settle_oldest(s);
    OPENSSL_cleanse(s->words, sizeof s->words);
    s->off = 0;
    s->in_word = s->overlong = false;
    s->gap_len = 0;
    s->gap_ok = true;
    s->whead = s->nwords = 0;
    s->recent_head = s->nrecent = 0;
    s->pending_head = 0;
}
