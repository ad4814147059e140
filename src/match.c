/*
 * match.c - folded key -> best intent (see match.h).
 *
 * Three parts: (1) at load, each pattern's required literals are extracted
 * by a small reading of the regex, and indexed by their first bytes, so that
 * at match time one pass over the key tells which patterns can possibly
 * match (the others are skipped without running pcre2); (2) the pattern
 * stage proper; (3) the fuzzy stage, a TF-IDF cosine nearest-neighbour search
 * over the examples with an inverted index, so its cost follows the key's
 * features and not the size of the catalogue.
 */
#include "match.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alarm.h"
#include "alloc.h"
#include "error.h"
#include "intent_impl.h"
#include "lit_trie.h"
#include "normalize.h"
#include "spell.h"
#include "utf8.h"

/* ------------------------------------------------------------------ */
/* Literal extraction                                                  */
/* ------------------------------------------------------------------ */

/* Literals an alternation may union before it stops guaranteeing any: the
 * catalogue's threat lists need about 90 (at 48, a fifth more pcre2 work). */
#define LIT_MAX_ALT 96
#define LIT_MAX_LEN 32

struct litset {
    int any; /* no guarantee: the pattern may match without any literal */
    int n;
    unsigned char len[LIT_MAX_ALT];
    /* 1: the literal can only match where a word starts (see lit_seq) */
    unsigned char word_start[LIT_MAX_ALT];
    char lit[LIT_MAX_ALT][LIT_MAX_LEN];
};

struct lit_parser {
    const char *s;
    size_t i, len;
    int giveup;
    long qmax; /* the last quantifier's maximum count, -1: no maximum */
    /* Second pass: requirement sets may also be products of the finite
     * languages of consecutive atoms and groups ("took my", "took her"
     * rather than "took"), which few keys contain. The pattern's weight
     * comes from the first pass only. */
    int products;
};

static size_t litset_min(const struct litset *ls)
{
    size_t m = SIZE_MAX;
    int k;

    if (ls->any || ls->n == 0)
        return 0;
    for (k = 0; k < ls->n; k++)
        if (ls->len[k] < m)
            m = ls->len[k];
    return m;
}

/* How rare a set's literals are, in the products pass: the shortest
 * literal's letters and digits (a space or an apostrophe tells little). */
static size_t litset_strength(const struct litset *ls)
{
    size_t m = SIZE_MAX;

    if (ls->any || ls->n == 0)
        return 0;
    for (int k = 0; k < ls->n; k++) {
        size_t a = 0;
        for (int j = 0; j < ls->len[k]; j++)
            a += ls->lit[k][j] != ' ' && ls->lit[k][j] != '\'';
        if (a < m)
            m = a;
    }
    return m;
}

static int lit_contains(const char *h, size_t hn, const char *n, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, n, nn) == 0)
            return 1;
    return 0;
}

/* 1 when a key with one of a's literals has one of b's: each of a's
 * literals contains one of b's. */
static int litset_implies(const struct litset *a, const struct litset *b)
{
    for (int k = 0; k < a->n; k++) {
        int j;
        for (j = 0; j < b->n; j++)
            if (lit_contains(a->lit[k], a->len[k], b->lit[j], b->len[j]))
                break;
        if (j == b->n)
            return 0;
    }
    return 1;
}

/* *dst = *src, copying only the literals in use (a litset is 3 KiB). */
static void litset_copy(struct litset *dst, const struct litset *src)
{
    dst->any = src->any;
    dst->n = src->n;
    for (int k = 0; k < src->n; k++) {
        dst->len[k] = src->len[k];
        dst->word_start[k] = src->word_start[k];
        memcpy(dst->lit[k], src->lit[k], src->len[k]);
    }
}

static void litset_any(struct litset *ls)
{
    ls->any = 1;
    ls->n = 0;
}

static void litset_union(struct litset *a, const struct litset *b)
{
    int k, j;

    if (a->any || b->any || a->n + b->n > LIT_MAX_ALT) {
        litset_any(a);
        return;
    }
    for (k = 0; k < b->n; k++) {
        for (j = 0; j < a->n; j++)
            if (a->len[j] == b->len[k] && memcmp(a->lit[j], b->lit[k], b->len[k]) == 0)
                break;
        if (j < a->n) {
            a->word_start[j] &= b->word_start[k];
            continue;
        }
        memcpy(a->lit[a->n], b->lit[k], b->len[k]);
        a->word_start[a->n] = b->word_start[k];
        a->len[a->n++] = b->len[k];
    }
}

/* Reads a quantifier at p->i: returns its minimum count (0 or more), or -1
 * when there is none. */
static long lit_quant(struct lit_parser *p)
{
    const char *s = p->s;
    long min = -1;

    if (p->i >= p->len)
        return -1;
    p->qmax = -1;
    if (s[p->i] == '?' || s[p->i] == '*') {
        min = 0;
        p->qmax = s[p->i] == '?' ? 1 : -1;
        p->i++;
    } else if (s[p->i] == '+') {
        min = 1;
        p->i++;
    } else if (s[p->i] == '{') {
        size_t j = p->i + 1;
        long n = 0, m = 0;
        int digits = 0, comma = 0, mdigits = 0;
        while (j < p->len && s[j] >= '0' && s[j] <= '9' && n < 100000) {
            n = n * 10 + (s[j++] - '0');
            digits++;
        }
        if (j < p->len && s[j] == ',') {
            comma = 1;
            j++;
            while (j < p->len && s[j] >= '0' && s[j] <= '9') {
                if (m < 100000)
                    m = m * 10 + (s[j] - '0');
                mdigits++;
                j++;
            }
        }
        if (j < p->len && s[j] == '}' && digits > 0) {
            min = n;
            p->qmax = !comma ? n : mdigits ? m : -1;
            p->i = j + 1;
        } else {
            return -1;
        }
    } else {
        return -1;
    }
    if (p->i < p->len && (s[p->i] == '?' || s[p->i] == '+'))
        p->i++;
    return min;
}

struct lit_seq;
static void lit_alt(struct lit_parser *p, struct litset *out, int depth, size_t *weight,
                    struct lit_seq *top, int *at_word_start, struct litset *ex_out,
                    int *exact);

#define LIT_KEEP 4 /* requirement sets kept for the top-level sequence */

struct lit_seq {
    char run[LIT_MAX_LEN];
    size_t rlen;
    /* The next atom can only be read where a word starts (after \b, ^ or a
     * literal space); the current run began there. A literal beginning with
     * a letter or digit there needs a key byte before it that is not one,
     * which lets the prefilter skip the middle of words. */
    int at_word_start, run_word_start;
    struct litset best;
    size_t weight;
    int top;                      /* keep several sets: the pattern's own sequence */
    struct litset keep[LIT_KEEP]; /* the strongest requirement sets, all needed */
    int n_keep;
    /* Products pass: the exact language of what was read since the last
     * atom of unbounded or unknown text ({""} at first), whether it began
     * where a word starts, and whether a break has happened (then 'ex' is
     * no longer the language of the whole sequence). */
    struct litset ex;
    int ex_word_start, ex_broken;
    int products; /* lit_parser.products when the sequence began */
};

static void seq_consider(struct lit_seq *q, const struct litset *c)
{
    size_t (*measure)(const struct litset *) = q->products ? litset_strength : litset_min;
    size_t cm, bm;

    if (c->any || c->n == 0)
        return;
    q->weight += litset_min(c);
    cm = measure(c);
    bm = measure(&q->best);
    if (q->top && cm >= 2) {
        /* Keep the LIT_KEEP strongest: replace the weakest when full. */
        int k, weakest = 0;
        if (q->products) {
            /* a set that holds whenever another does adds nothing */
            for (k = 0; k < q->n_keep; k++)
                if (litset_implies(&q->keep[k], c))
                    goto best;
            for (k = 0; k < q->n_keep;)
                if (litset_implies(c, &q->keep[k]))
                    litset_copy(&q->keep[k], &q->keep[--q->n_keep]);
                else
                    k++;
        }
        if (q->n_keep < LIT_KEEP) {
            litset_copy(&q->keep[q->n_keep++], c);
        } else {
            for (k = 1; k < q->n_keep; k++)
                if (measure(&q->keep[k]) < measure(&q->keep[weakest]))
                    weakest = k;
            if (measure(&q->keep[weakest]) < cm)
                litset_copy(&q->keep[weakest], c);
        }
    }
best:
    if (q->best.any || cm > bm || (cm == bm && c->n < q->best.n))
        litset_copy(&q->best, c);
}

/* pcre2's \w without UCP: a byte of a word, for \b. */
static int lit_word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static void ex_empty(struct litset *ex)
{
    ex->any = 0;
    ex->n = 1;
    ex->len[0] = 0;
    ex->word_start[0] = 0;
}

static int ex_is_empty(const struct litset *ex)
{
    return ex->n == 1 && ex->len[0] == 0;
}

/* Offers the language read so far as a requirement set (when none of its
 * strings is empty) and starts again from {""}. */
static void ex_break(struct lit_seq *q)
{
    int k;

    q->ex_broken = 1;
    for (k = 0; k < q->ex.n && q->ex.len[k] > 0; k++)
        q->ex.word_start[k] =
            (unsigned char)(q->ex_word_start && lit_word_byte(q->ex.lit[k][0]));
    if (q->ex.n > 0 && k == q->ex.n)
        seq_consider(q, &q->ex);
    ex_empty(&q->ex);
}

/* The language read so far, followed by one of 'b' (or nothing, when
 * 'optional'). 'before': whether 'b' begins where a word starts. Too many
 * strings or too long ones: the language so far is offered and 'b' starts
 * a new one. */
static void ex_mul(struct lit_seq *q, const struct litset *b, int optional, int before)
{
    struct litset *ex = &q->ex;
    size_t max_a = 0, max_b = 0;
    int na = ex->n, nb = b->n + optional, k, j, n = 0;
    struct litset prod;

    if (b->any || b->n == 0) {
        ex_break(q);
        return;
    }
    for (k = 0; k < ex->n; k++)
        if (ex->len[k] > max_a)
            max_a = ex->len[k];
    for (k = 0; k < b->n; k++)
        if (b->len[k] > max_b)
            max_b = b->len[k];
    if (ex_is_empty(ex))
        q->ex_word_start = before;
    else if (na * nb > LIT_MAX_ALT || max_a + max_b > LIT_MAX_LEN) {
        ex_break(q);
        q->ex_word_start = before;
        na = 1;
    }
    if (nb > LIT_MAX_ALT || max_b > LIT_MAX_LEN) {
        ex_break(q);
        return;
    }
    if (b->n == 1) {
        /* one string (or it and nothing): in place, from the end, in the
         * order of the general case */
        for (k = na - 1; k >= 0; k--) {
            size_t la = ex->len[k];
            int at = k * nb;
            if (optional) {
                memcpy(ex->lit[at + 1], ex->lit[k], la);
                ex->len[at + 1] = (unsigned char)la;
                ex->word_start[at + 1] = 0;
            }
            if (at != k)
                memcpy(ex->lit[at], ex->lit[k], la);
            memcpy(ex->lit[at] + la, b->lit[0], b->len[0]);
            ex->len[at] = (unsigned char)(la + b->len[0]);
            ex->word_start[at] = 0;
        }
        ex->n = na * nb;
        return;
    }
    prod.any = 0;
    for (k = 0; k < na; k++) {
        for (j = 0; j < nb; j++) {
            size_t la = ex->len[k], lb = j < b->n ? b->len[j] : 0;
            memcpy(prod.lit[n], ex->lit[k], la);
            if (lb)
                memcpy(prod.lit[n] + la, b->lit[j], lb);
            prod.len[n] = (unsigned char)(la + lb);
            prod.word_start[n++] = 0;
        }
    }
    prod.n = n;
    litset_copy(ex, &prod);
}

static void seq_flush(struct lit_seq *q)
{
    struct litset c;

    if (q->rlen == 0)
        return;
    c.any = 0;
    c.n = 1;
    c.len[0] = (unsigned char)q->rlen;
    c.word_start[0] = (unsigned char)(q->run_word_start && lit_word_byte(q->run[0]));
    memcpy(c.lit[0], q->run, q->rlen);
    seq_consider(q, &c);
    q->rlen = 0;
}

static void seq_append(struct lit_seq *q, const char *atom, size_t n)
{
    if (q->rlen + n > LIT_MAX_LEN)
        seq_flush(q);
    if (q->rlen == 0)
        q->run_word_start = q->at_word_start;
    memcpy(q->run + q->rlen, atom, n);
    q->rlen += n;
    q->at_word_start = n == 1 && atom[0] == ' ';
}

static size_t utf8_len_of(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    return 2;
}

/* A literal atom at 'atom' ('n' bytes) followed by an optional quantifier. */
static void seq_literal(struct lit_parser *p, struct lit_seq *q, const char *atom,
                        size_t n)
{
    int before = q->at_word_start;
    long min = lit_quant(p);

    if (p->products) {
        struct litset a;
        a.any = 0;
        a.n = 1;
        a.len[0] = (unsigned char)n;
        memcpy(a.lit[0], atom, n);
        if (min < 0 || (min == 0 && p->qmax == 1)) {
            ex_mul(q, &a, min == 0, before);
        } else if (min > 0) {
            ex_mul(q, &a, 0, before);
            ex_break(q);
        } else {
            ex_break(q);
        }
    }

    if (min < 0) {
        seq_append(q, atom, n);
    } else if (min == 0) {
        seq_flush(q);
    } else {
        seq_append(q, atom, n);
        seq_flush(q);
    }
    if (min >= 0)
        q->at_word_start = 0; /* what comes next follows a repeat */
}

/* '*at_word_start': in, whether the sequence begins where a word starts;
 * out, whether it ends there (what follows it then begins a word). */
static void lit_seq(struct lit_parser *p, struct litset *out, int depth, size_t *weight,
                    struct lit_seq *top, int *at_word_start, struct litset *ex_out,
                    int *exact)
{
    const char *s = p->s;
    struct lit_seq local, *qp = top ? top : &local;
#define q (*qp)

    /* not a memset: the struct holds a dozen KiB of literal arrays */
    q.rlen = 0;
    q.run_word_start = 0;
    q.weight = 0;
    q.n_keep = 0;
    q.top = top != NULL;
    q.at_word_start = *at_word_start;
    litset_any(&q.best);
    ex_empty(&q.ex);
    q.ex_word_start = 0;
    q.ex_broken = 0;
    q.products = p->products;
    while (p->i < p->len && !p->giveup && s[p->i] != '|' && s[p->i] != ')') {
        char c = s[p->i];

        if (c == '\\') {
            char e = p->i + 1 < p->len ? s[p->i + 1] : '\0';
            if (!e) {
                p->giveup = 1;
                break;
            }
            p->i += 2;
            if (strchr("bBAzZGK", e)) {
                /* zero-width (\K only moves the reported start) */
                if (e == 'b' || e == 'A')
                    q.at_word_start = 1;
                else if (e != 'K')
                    q.at_word_start = 0;
                continue;
            }
            if (strchr("QEcgkNo", e)) {
                p->giveup = 1;
                break;
            }
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
                (e >= '0' && e <= '9')) {
                seq_flush(&q);
                ex_break(&q);
                q.at_word_start = 0;
                if (p->i < p->len && s[p->i] == '{') {
                    while (p->i < p->len && s[p->i] != '}')
                        p->i++;
                    p->i++;
                } else if (e == 'x') {
                    int k;
                    for (k = 0; k < 2 && p->i < p->len &&
                                strchr("0123456789abcdefABCDEF", s[p->i]) && s[p->i];
                         k++)
                        p->i++;
                } else if (e == 'p' || e == 'P') {
                    p->i++;
                } else if (e >= '0' && e <= '9') {
                    while (p->i < p->len && s[p->i] >= '0' && s[p->i] <= '9')
                        p->i++;
                }
                lit_quant(p);
                continue;
            }
            seq_literal(p, &q, &s[p->i - 1], 1);
            continue;
        }
        if (c == '.') {
            seq_flush(&q);
            ex_break(&q);
            q.at_word_start = 0;
            p->i++;
            lit_quant(p);
            continue;
        }
        if (c == '[') {
            seq_flush(&q);
            ex_break(&q);
            q.at_word_start = 0;
            p->i++;
            if (p->i < p->len && s[p->i] == '^')
                p->i++;
            if (p->i < p->len && s[p->i] == ']')
                p->i++;
            while (p->i < p->len && s[p->i] != ']') {
                if (s[p->i] == '\\')
                    p->i++;
                else if (s[p->i] == '[' && p->i + 1 < p->len && s[p->i + 1] == ':') {
                    const char *end = strstr(s + p->i + 2, ":]");
                    if (!end) {
                        p->giveup = 1;
                        break;
                    }
                    p->i = (size_t)(end - s) + 1;
                }
                p->i++;
            }
            p->i++;
            lit_quant(p);
            continue;
        }
        if (c == '^' || c == '$') {
            q.at_word_start = c == '^';
            p->i++;
            continue;
        }
        if (c == '(') {
            int required = 1, negative = 0, zero_width = 0, before = q.at_word_start, wb;
            int g_exact = 0;
            struct litset g, gex;
            long min;

            seq_flush(&q);
            p->i++;
            if (p->i < p->len && s[p->i] == '*') {
                p->giveup = 1;
                break;
            }
            if (p->i < p->len && s[p->i] == '?') {
                char t = p->i + 1 < p->len ? s[p->i + 1] : '\0';
                char t2 = p->i + 2 < p->len ? s[p->i + 2] : '\0';
                if (t == ':' || t == '>' || t == '|' || t == '=') {
                    zero_width = t == '=';
                    p->i += 2;
                } else if (t == '!') {
                    negative = zero_width = 1;
                    p->i += 2;
                } else if (t == '<' && (t2 == '=' || t2 == '!')) {
                    negative = t2 == '!';
                    zero_width = 1;
                    p->i += 3;
                } else if (t == '<' || (t == 'P' && t2 == '<') || t == '\'') {
                    char close = t == '\'' ? '\'' : '>';
                    p->i += t == 'P' ? 3 : 2;
                    while (p->i < p->len && s[p->i] != close)
                        p->i++;
                    p->i++;
                } else if (t == '#') {
                    while (p->i < p->len && s[p->i] != ')')
                        p->i++;
                    p->i++;
                    continue;
                } else {
                    p->giveup = 1; /* options, conditionals, recursion */
                    break;
                }
            }
            if (depth > 60) {
                p->giveup = 1;
                break;
            }
            wb = before;
            lit_alt(p, &g, depth + 1, NULL, NULL, &wb, p->products ? &gex : NULL,
                    &g_exact);
            if (p->i >= p->len || s[p->i] != ')') {
                p->giveup = 1;
                break;
            }
            p->i++;
            min = lit_quant(p);
            if (min == 0)
                required = 0;
            /* after a lookaround, where it began; after a group that may
             * be skipped, only if both ways end at a word start */
            q.at_word_start = zero_width ? before : min == 0 ? before && wb : wb;
            if (required && !negative)
                seq_consider(&q, &g);
            if (p->products && !zero_width) {
                if (!g_exact || (min == 0 && p->qmax != 1)) {
                    ex_break(&q);
                } else {
                    ex_mul(&q, &gex, min == 0, before);
                    if (min > 0)
                        ex_break(&q); /* repeated: the product stops here */
                }
            }
            continue;
        }
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            seq_flush(&q);
            ex_break(&q);
            q.at_word_start = 0;
            p->i++;
            continue;
        }
        {
            size_t n = utf8_len_of((unsigned char)c);
            const char *atom = &s[p->i];
            if (p->i + n > p->len) {
                p->giveup = 1;
                break;
            }
            p->i += n;
            seq_literal(p, &q, atom, n);
        }
    }
    seq_flush(&q);
    if (ex_out) {
        *exact = p->products && !q.ex_broken && !p->giveup;
        if (*exact)
            litset_copy(ex_out, &q.ex);
    }
    ex_break(&q);
    litset_copy(out, &q.best);
    if (weight)
        *weight = q.weight;
    *at_word_start = q.at_word_start;
#undef q
}

/* The number of alternatives of the alternation at p->i. */
static int alt_count(const struct lit_parser *p)
{
    const char *s = p->s;
    int n = 1, depth = 0, in_class = 0;

    for (size_t i = p->i; i < p->len; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (in_class) {
            in_class = s[i] != ']';
        } else if (s[i] == '[') {
            in_class = 1;
            if (i + 1 < p->len && s[i + 1] == '^')
                i++;
            if (i + 1 < p->len && s[i + 1] == ']')
                i++;
        } else if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')') {
            if (depth-- == 0)
                break;
        } else if (s[i] == '|' && depth == 0) {
            n++;
        }
    }
    return n;
}

/* '*at_word_start' as for lit_seq(): all alternatives begin as it says,
 * and it ends at a word start only if every one of them does. */
static void lit_alt(struct lit_parser *p, struct litset *out, int depth, size_t *weight,
                    struct lit_seq *top, int *at_word_start, struct litset *ex_out,
                    int *exact)
{
    struct litset b, bex;
    size_t w = 0, wb, from, start = p->i;
    int begin = *at_word_start, end = begin, alt_end, b_exact = 0, overflow = 0;
    int left = p->products ? alt_count(p) - 1 : 0; /* alternatives after this one */

    lit_seq(p, out, depth, &w, top, &end, ex_out, exact);
    while (!p->giveup && p->i < p->len && p->s[p->i] == '|') {
        if (top)
            top->n_keep = 0; /* a top-level alternation: one union set only */
        p->i++;
        alt_end = begin;
        from = p->i;
        lit_seq(p, &b, depth, &wb, NULL, &alt_end, ex_out ? &bex : NULL, &b_exact);
        left--;
        if (p->products && !p->giveup && !out->any && !b.any &&
            out->n + b.n + 2 * left > LIT_MAX_ALT) {
            /* Its products would make the union too large to keep: this
             * alternative as the first pass reads it. */
            p->i = from;
            p->products = 0;
            alt_end = begin;
            lit_seq(p, &b, depth, &wb, NULL, &alt_end, NULL, NULL);
            p->products = 1;
            b_exact = 0;
        }
        end = end && alt_end;
        overflow |= !out->any && !b.any && out->n + b.n > LIT_MAX_ALT;
        litset_union(out, &b);
        if (ex_out && *exact) {
            if (b_exact)
                litset_union(ex_out, &bex);
            *exact = b_exact && !ex_out->any;
        }
        if (wb < w)
            w = wb;
    }
    if (p->giveup) {
        litset_any(out);
        if (ex_out)
            *exact = 0;
    } else if (p->products && overflow) {
        /* still too large: the whole alternation as the first pass reads it */
        p->i = start;
        p->products = 0;
        *at_word_start = begin;
        lit_alt(p, out, depth, weight, top, at_word_start, NULL, NULL);
        p->products = 1;
        if (ex_out)
            *exact = 0;
        return;
    }
    if (weight)
        *weight = w;
    *at_word_start = end;
}

void match_literals_free(struct pattern_lits *pl)
{
    for (size_t k = 0; k < pl->n; k++)
        alloc_free(pl->lits[k]);
    alloc_free(pl->lits);
    alloc_free(pl->set);
    alloc_free(pl->word_start);
    memset(pl, 0, sizeof(*pl));
}

/* The requirement sets a pass left in 'top' and 'ls', into 'out'. */
static int lits_collect(const struct lit_seq *top, const struct litset *ls,
                        struct pattern_lits *out)
{
    const struct litset *sets[LIT_KEEP];
    int n_sets = 0, k, j;
    size_t total = 0, at = 0;

    if (top->n_keep > 0) {
        for (k = 0; k < top->n_keep; k++)
            sets[n_sets++] = &top->keep[k];
    } else if (!ls->any && ls->n > 0) {
        sets[n_sets++] = ls;
    }
    for (k = 0; k < n_sets; k++)
        total += (size_t)sets[k]->n;
    if (total == 0)
        return 0;
    out->lits = alloc_calloc(total, sizeof(*out->lits));
    out->set = alloc_calloc(total, sizeof(*out->set));
    out->word_start = alloc_calloc(total, sizeof(*out->word_start));
    if (!out->lits || !out->set || !out->word_start)
        goto oom;
    for (k = 0; k < n_sets; k++)
        for (j = 0; j < sets[k]->n; j++) {
            out->lits[at] = alloc_strndup(sets[k]->lit[j], sets[k]->len[j]);
            if (!out->lits[at])
                goto oom;
            out->word_start[at] = sets[k]->word_start[j];
            out->set[at++] = (unsigned char)k;
            out->n = at;
        }
    out->n_sets = (unsigned)n_sets;
    return 0;
oom:
    match_literals_free(out);
    return VIGIE_ENOMEM;
}

int match_extract_literals(const char *src, struct pattern_lits *out, size_t *weight,
                           struct pattern_lits *words)
{
    struct lit_parser p = {.s = src, .len = strlen(src)};
    struct lit_seq *top = alloc_calloc(1, sizeof(*top));
    struct litset ls;
    int wb = 0, rc = 0; /* an unanchored pattern may begin anywhere */

    memset(out, 0, sizeof(*out));
    if (words)
        memset(words, 0, sizeof(*words));
    *weight = 0;
    if (!top)
        return VIGIE_ENOMEM;

    /* the weight (and the words), then the requirement sets */
    lit_alt(&p, &ls, 0, weight, top, &wb, NULL, NULL);
    if (p.giveup || p.i != p.len) {
        *weight = 0;
        goto done;
    }
    if (words && (rc = lits_collect(top, &ls, words)) < 0)
        goto done;
    p.i = 0;
    p.products = 1;
    wb = 0;
    lit_alt(&p, &ls, 0, NULL, top, &wb, NULL, NULL);
    if (!p.giveup && p.i == p.len)
        rc = lits_collect(top, &ls, out);
done:
    alloc_free(top);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Prefilter                                                           */
/* ------------------------------------------------------------------ */

/* Literals are found by walking the key through a trie of them
 * (lit_trie.h). */

/* A distinct literal and the (pattern, requirement set) pairs it serves
 * (while the prefilter is built). */
struct pf_lit {
    const char *lit; /* borrowed from a pattern */
    uint32_t len;
    uint32_t word_start;   /* pattern_lits.word_start */
    uint32_t post, n_post; /* range of pf->post */
    uint32_t n_pat;        /* the first n_pat of them are patterns' */
    uint32_t n_start;      /* patterns and parts whose matches it begins */
};

/* What a key needs of a distinct literal, in one place: the literal tables
 * of a full catalogue are megabytes, and four arrays read per hit were four
 * cache misses. */
struct pf_run {
    uint32_t stamp;        /* == gen: found in this key */
    uint32_t post, n_post; /* as pf_lit */
    uint32_t n_pat : 31;   /* as pf_lit */
    uint32_t starts : 1;   /* pf_lit.n_start > 0 (24 bytes in all) */
    uint32_t head, tail;   /* where it begins matches: a list in at_pool */
};

struct pf_post {
    uint32_t pattern;
    uint8_t bit; /* the requirement set it satisfies */
};

struct word_index;
static void word_index_free(struct word_index *wx);

/* A pattern (?!.*X)Y that is not anchored: pcre2 runs the lookahead, a scan
 * to the end of the key, at every position, which is quadratic in the
 * key's length. On a key without line breaks, (?!.*X) holds at position p
 * exactly when X matches at no position >= p, that is when p is past the
 * last position where X matches; so Y searched from there gives pcre2's
 * leftmost match, and its span, in linear time. */
struct lead_neg {
    pcre2_code *x, *y; /* owned; NULL: the pattern has another shape */
};

/* What the current key showed of one pattern's requirements. */
struct pf_state {
    uint32_t stamp; /* == gen: 'mask' is this key's */
    uint8_t mask;   /* requirement sets seen */
    uint8_t full;   /* mask of a pattern with all its sets */
};

/* Where the current key holds the literals that begin matches (struct
 * pattern_starts): for each such literal, its positions, ascending, as a
 * list in prefilter.at_pool. */
#define STARTS_MAX 64 /* positions tried; past that, pcre2 searches from the first */
/* A start literal of at most this many slots is reverse-indexed (struct
 * prefilter: lit_slot): past that, listing it for each slot would cost the
 * walk more than starts_exec()'s check of its stamp. */
#ifndef PF_RARE_SLOTS
#define PF_RARE_SLOTS 4
#endif
struct pf_pos {
    uint32_t pos, next;
};

/* Where a literal of a set can start, in tables that stay in the L1 cache:
 * a literal of one byte, of two bytes, and the first three bytes (hashed to
 * 16 bits) of the longer ones. A key position none of them allows is
 * skipped before the walk through the trie. */
struct pf_starts {
    uint8_t start1[256];
    uint64_t start2[1024];
    uint64_t start3[1024];
};

struct prefilter {
    struct pf_run *run; /* the distinct literals, sorted by text, then word_start */
    size_t n_lit;
    struct pf_post *post;
    uint32_t *always; /* patterns without literals, ascending */
    size_t n_always;
    /* Every literal, for a key position where a word may start; those that
     * need no word start, for a position inside a word (most literals
     * follow a \b: the middle of words is then skipped quickly). */
    struct pf_starts all, mid;
    uint8_t word_byte[256]; /* lit_word_byte() of each byte */
    /* The same literals as tries. Where a text ends, tall holds
     * (j + 1) << 1 | two: its first literal is run[j] and, when 'two', run[j
     * + 1] is the same text needing a word start; tmid holds j + 1 for the
     * literal j that needs none (only those are in tmid). */
    struct lit_trie tall, tmid;
    size_t n_patterns;
    /* 'state' holds the patterns, then the distinct parts pcre2 runs
     * (pattern_part.memo): a part whose literals the key lacks cannot
     * match, and is decided without pcre2 (see part_absent()). */
    size_t n_states;
    int parts_ok; /* the key being matched is the one the walk read */
    /* scratch */
    struct pf_state *state; /* per pattern: one cache line holds 8 */
    uint32_t gen;
    uint32_t *cand;
    uint32_t *matched;
    uint32_t *fresh;    /* n_lit: the literals the walk found, in order of first sight */
    uint64_t *bits;     /* (n_patterns + 63) / 64 words, all 0 between calls */
    uint64_t *bits_any; /* bit w: bits[w] may not be 0 (all 0 between calls) */
    /* what pcre2 said of each distinct part on this key (pattern_part.memo):
     * valid when memo_stamp == memo_gen */
    uint32_t *memo_stamp;
    int *memo_rc;
    size_t *memo_span;
    uint32_t memo_gen;
    struct lead_neg *lead;    /* owned: n_patterns entries */
    struct word_index *words; /* owned; built after the prefilter */
    /* Starts (struct pattern_starts) of the patterns (by index) and parts
     * (n_patterns + memo): slot s has the literals slot_lits[slot_lit[s],
     * slot_lit[s + 1]) (byte offsets into 'run': starts_exec() then needs
     * no multiply by sizeof(struct pf_run)); a literal with n_start > 0
     * has its positions in this key listed from run[].head (valid when
     * its stamp says it was seen). */
    uint32_t *slot_lit; /* n_slots + 1 */
    uint32_t *slot_lits;
    size_t n_slots;
    /* The reverse, for a start literal of at most PF_RARE_SLOTS slots (most
     * are of one): literal j begins matches of the slots
     * lit_slots[lit_slot[j], lit_slot[j + 1]). The walk lists, for each
     * slot, such literals this key holds (from slot_head[s], valid when
     * slot_stamp[s] == gen, through slot_pool), so that starts_exec() reads
     * those few and scans only the slot's common literals, which come first
     * in its slot_lits (slot_common[s] of them), rather than all of them (~70
     * a code on the catalogue). When the pool is too small for the key, it
     * scans them all. */
    uint32_t *lit_slot; /* n_lit + 1 */
    uint32_t *lit_slots;
    uint32_t *slot_common;
    uint32_t *slot_stamp, *slot_head;
    struct pf_pos *slot_pool; /* .pos: a byte offset into 'run' */
    uint32_t slot_used, slot_cap;
    int slot_overflow;
    struct pf_pos *at_pool;
    uint32_t at_used, at_cap;
    int at_overflow; /* the pool was too small for this key */
    /* starts_exec() of a code with a callout where its head ends
     * (pattern_starts.cut): the least end of the head in the current try,
     * and the least of the tries that failed (SIZE_MAX: none yet). The
     * callout acts only while 'cut_on': pcre2 calls it for every callout
     * of the match context, an organizer's (?C) in any pattern included. */
    size_t cut_end, cut_dead;
    int cut_on;
};

/* pcre2's callout at the end of a head followed by ".*" (see
 * compile_starts_code() in intent.c): when a try of the pattern at some
 * start failed after its head ended at e, the rest matched at no position
 * from e on, so a path whose head ends at or after e cannot match either.
 * Returns 1 (pcre2 backtracks) for such a path, else 0 (go on). */
static int cut_callout(pcre2_callout_block *cb, void *data)
{
    struct prefilter *pf = data;

    if (!pf->cut_on)
        return 0;
    if (cb->current_position >= pf->cut_dead)
        return 1;
    if (cb->current_position < pf->cut_end)
        pf->cut_end = cb->current_position;
    return 0;
}

static uint32_t pf_three(const unsigned char *k)
{
    return ((uint32_t)k[0] * 0x9E3779B1u ^ (uint32_t)k[1] * 0x85EBCA77u ^
            (uint32_t)k[2] * 0xC2B2AE3Du) >>
           16;
}

static void bit_set(uint64_t *bits, uint32_t i)
{
    bits[i >> 6] |= 1ull << (i & 63);
}

static int bit_get(const uint64_t *bits, uint32_t i)
{
    return (int)((bits[i >> 6] >> (i & 63)) & 1);
}

/* Can a literal of 'ps' start at k[0] ('left' bytes remain)? */
static int pf_may_start(const struct pf_starts *ps, const unsigned char *k, size_t left)
{
    if (ps->start1[k[0]])
        return 1;
    if (left >= 2 && bit_get(ps->start2, (uint32_t)k[0] << 8 | k[1]))
        return 1;
    return left >= 3 && bit_get(ps->start3, pf_three(k));
}

/* Adds literal 's' ('n' > 0 bytes) to 'ps'. */
static void pf_starts_add(struct pf_starts *ps, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    if (n == 1)
        ps->start1[u[0]] = 1;
    else if (n == 2)
        bit_set(ps->start2, (uint32_t)u[0] << 8 | u[1]);
    else
        bit_set(ps->start3, pf_three(u));
}

static void prefilter_free(struct prefilter *pf)
{
    if (!pf)
        return;
    alloc_free(pf->slot_lit);
    alloc_free(pf->slot_lits);
    alloc_free(pf->lit_slot);
    alloc_free(pf->lit_slots);
    alloc_free(pf->slot_common);
    alloc_free(pf->slot_stamp);
    alloc_free(pf->slot_head);
    alloc_free(pf->slot_pool);
    alloc_free(pf->at_pool);
    alloc_free(pf->run);
    alloc_free(pf->post);
    alloc_free(pf->always);
    lit_trie_free(&pf->tall);
    lit_trie_free(&pf->tmid);
    alloc_free(pf->state);
    alloc_free(pf->cand);
    alloc_free(pf->matched);
    alloc_free(pf->fresh);
    alloc_free(pf->bits);
    alloc_free(pf->bits_any);
    alloc_free(pf->memo_stamp);
    alloc_free(pf->memo_rc);
    alloc_free(pf->memo_span);
    if (pf->lead) {
        for (size_t i = 0; i < pf->n_patterns; i++) {
            pcre2_code_free(pf->lead[i].x);
            pcre2_code_free(pf->lead[i].y);
        }
        alloc_free(pf->lead);
    }
    word_index_free(pf->words);
    alloc_free(pf);
}

struct pf_tmp {
    const char *lit;
    uint32_t pattern;
    uint8_t bit; /* 0: a start of 'pattern' (a pattern or n_patterns + memo) */
    uint8_t word_start;
    uint32_t lit_index; /* once sorted: its distinct literal in pf->lit */
};

static int pf_tmp_cmp(const void *a, const void *b)
{
    const struct pf_tmp *x = a, *y = b;
    int c = strcmp(x->lit, y->lit);

    if (c)
        return c;
    if (x->word_start != y->word_start)
        return x->word_start < y->word_start ? -1 : 1;
    return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

/* Adds the literals of requirement 'req' of state 'at' (a part or an
 * exclude: marked present, never a candidate) to 'all'; returns the new
 * count. */
static size_t pf_add_req(struct prefilter *pf, struct pf_tmp *all, size_t n_all,
                         const struct pattern_lits *req, uint32_t at)
{
    if (req->n == 0)
        return n_all;
    pf->state[at].full = (uint8_t)((1u << req->n_sets) - 1);
    for (size_t j = 0; j < req->n; j++) {
        all[n_all].lit = req->lits[j];
        all[n_all].pattern = at;
        all[n_all].word_start = req->word_start[j];
        all[n_all++].bit = (uint8_t)(1u << req->set[j]);
    }
    return n_all;
}

/* The tries of the 'n' distinct literals 'lits' (sorted by text, then
 * word_start). 0 or -1 out of memory. */
static int pf_build_tries(struct prefilter *pf, const struct pf_lit *lits, size_t n)
{
    const char **all_s = alloc_calloc(n ? n : 1, sizeof(*all_s));
    const char **mid_s = alloc_calloc(n ? n : 1, sizeof(*mid_s));
    uint32_t *all_v = alloc_calloc(n ? n : 1, sizeof(*all_v));
    uint32_t *mid_v = alloc_calloc(n ? n : 1, sizeof(*mid_v));
    size_t i, na = 0, nm = 0;
    int rc = -1;

    if (!all_s || !mid_s || !all_v || !mid_v)
        goto out;
    for (i = 0; i < n; i++) {
        if (lits[i].len == 0)
            continue;
        if (na > 0 && strcmp(all_s[na - 1], lits[i].lit) == 0) {
            all_v[na - 1] |= 1; /* the same text, needing a word start */
        } else {
            all_s[na] = lits[i].lit;
            all_v[na++] = (uint32_t)(i + 1) << 1;
        }
        if (!lits[i].word_start) {
            mid_s[nm] = lits[i].lit;
            mid_v[nm++] = (uint32_t)(i + 1);
        }
    }
    if (lit_trie_build(&pf->tall, (const char *const *)all_s, na) == 0 &&
        lit_trie_build(&pf->tmid, (const char *const *)mid_s, nm) == 0) {
        lit_trie_map_vals(&pf->tall, all_v);
        lit_trie_map_vals(&pf->tmid, mid_v);
        rc = 0;
    }
out:
    alloc_free(all_s);
    alloc_free(mid_s);
    alloc_free(all_v);
    alloc_free(mid_v);
    return rc;
}

/* Adds the starts 'st' of slot 'at' (a pattern, n_patterns + a part's
 * memo, or an exclude's state) to 'all'. */
static size_t pf_add_starts(struct pf_tmp *all, size_t n_all,
                            const struct pattern_starts *st, uint32_t at)
{
    if (!st->code)
        return n_all;
    for (size_t j = 0; j < st->lits.n; j++) {
        all[n_all].lit = st->lits.lits[j];
        all[n_all].pattern = at;
        all[n_all].word_start = st->lits.word_start[j];
        all[n_all++].bit = 0;
    }
    return n_all;
}

/* Notes the literals and start literals of the parts of 'p' (a split
 * pattern or exclude) in 'all'; a part's state is n + its memo number. */
static size_t pf_add_parts(struct prefilter *pf, struct pf_tmp *all, size_t n_all,
                           const struct pattern *p, size_t n)
{
    for (unsigned k = 0; k < p->n_parts; k++) {
        const struct pattern_part *pt = &p->parts[k];
        uint32_t at = (uint32_t)(n + pt->memo);
        if (pt->same)
            continue;
        n_all = pf_add_starts(all, n_all, &pt->starts, at);
        if (pt->req.n > 0)
            n_all = pf_add_req(pf, all, n_all, &pt->req, at);
        if (pt->sub)
            n_all = pf_add_parts(pf, all, n_all, pt->sub, n);
    }
    return n_all;
}

/* How many literals pf_add_parts() notes for 'p'. */
static size_t pf_parts_count(const struct pattern *p)
{
    size_t n = 0;

    for (unsigned k = 0; k < p->n_parts; k++) {
        n += p->parts[k].req.n + p->parts[k].starts.lits.n;
        if (p->parts[k].sub)
            n += pf_parts_count(p->parts[k].sub);
    }
    return n;
}

static struct prefilter *prefilter_build(const struct intent_set *set)
{
    struct prefilter *pf = alloc_calloc(1, sizeof(*pf));
    size_t i, k, n_all = 0, n_lit = 0, n = set->n_patterns ? set->n_patterns : 1;
    struct pf_tmp *all = NULL;
    struct pf_lit *lits;
    uint32_t *fill = NULL;

    if (!pf)
        return NULL;
    pf->n_patterns = n;
    pf->n_states = n + set->n_memo + set->n_excl;
    for (i = 0; i < set->n_patterns; i++) {
        const struct pattern *p = &set->patterns[i];
        n_all += p->req.n + p->starts.lits.n + pf_parts_count(p);
    }
    for (i = 0; i < set->n_intents; i++)
        for (k = 0; set->intents[i].exclude_req && k < set->intents[i].exclude.n; k++)
            n_all += set->intents[i].exclude_req[k].n +
                     set->intents[i].exclude_starts[k].lits.n +
                     pf_parts_count(&set->intents[i].exclude_split[k]);
    all = alloc_calloc(n_all ? n_all : 1, sizeof(*all));
    pf->post = alloc_calloc(n_all ? n_all : 1, sizeof(*pf->post));
    lits = alloc_calloc(n_all ? n_all : 1, sizeof(*lits));
    pf->always = alloc_calloc(n, sizeof(*pf->always));
    pf->state = alloc_calloc(pf->n_states, sizeof(*pf->state));
    pf->cand = alloc_calloc(n, sizeof(*pf->cand));
    pf->matched = alloc_calloc(n, sizeof(*pf->matched));
    pf->bits = alloc_calloc((n + 63) / 64, sizeof(*pf->bits));
    pf->bits_any = alloc_calloc(((n + 63) / 64 + 63) / 64, sizeof(*pf->bits_any));
    pf->lead = alloc_calloc(n, sizeof(*pf->lead));
    pf->memo_stamp = alloc_calloc(set->n_memo ? set->n_memo : 1, sizeof(*pf->memo_stamp));
    pf->memo_rc = alloc_calloc(set->n_memo ? set->n_memo : 1, sizeof(*pf->memo_rc));
    pf->memo_span = alloc_calloc(set->n_memo ? set->n_memo : 1, sizeof(*pf->memo_span));
    pf->n_slots = pf->n_states;
    pf->slot_lit = alloc_calloc(pf->n_slots + 1, sizeof(*pf->slot_lit));
    pf->slot_lits = alloc_calloc(n_all ? n_all : 1, sizeof(*pf->slot_lits));
    pf->lit_slots = alloc_calloc(n_all ? n_all : 1, sizeof(*pf->lit_slots));
    pf->slot_stamp = alloc_calloc(pf->n_slots, sizeof(*pf->slot_stamp));
    pf->slot_common = alloc_calloc(pf->n_slots, sizeof(*pf->slot_common));
    pf->slot_head = alloc_calloc(pf->n_slots, sizeof(*pf->slot_head));
    pf->at_cap = 8192;
    pf->at_pool = alloc_calloc(pf->at_cap, sizeof(*pf->at_pool));
    pf->slot_cap = 8192;
    pf->slot_pool = alloc_calloc(pf->slot_cap, sizeof(*pf->slot_pool));
    if (!all || !pf->post || !lits || !pf->always || !pf->state || !pf->cand ||
        !pf->matched || !pf->bits || !pf->bits_any || !pf->lead || !pf->memo_stamp ||
        !pf->memo_rc || !pf->memo_span || !pf->slot_lit || !pf->slot_lits ||
        !pf->at_pool || !pf->lit_slots || !pf->slot_stamp || !pf->slot_common ||
        !pf->slot_head || !pf->slot_pool)
        goto fail;
    n_all = 0;
    for (i = 0; i < set->n_patterns; i++) {
        const struct pattern *p = &set->patterns[i];
        if (p->req.n == 0)
            pf->always[pf->n_always++] = (uint32_t)i;
        pf->state[i].full = (uint8_t)((1u << p->req.n_sets) - 1);
        for (k = 0; k < p->req.n; k++) {
            all[n_all].lit = p->req.lits[k];
            all[n_all].pattern = (uint32_t)i;
            all[n_all].word_start = p->req.word_start[k];
            all[n_all++].bit = (uint8_t)(1u << p->req.set[k]);
        }
        n_all = pf_add_starts(all, n_all, &p->starts, (uint32_t)i);
        n_all = pf_add_parts(pf, all, n_all, p, n);
    }
    for (i = 0; i < set->n_intents; i++) {
        const struct intent *it = &set->intents[i];
        for (k = 0; it->exclude_req && k < it->exclude.n; k++) {
            uint32_t at = (uint32_t)(n + set->n_memo + it->exclude_base + k);
            n_all = pf_add_req(pf, all, n_all, &it->exclude_req[k], at);
            n_all = pf_add_starts(all, n_all, &it->exclude_starts[k], at);
            n_all = pf_add_parts(pf, all, n_all, &it->exclude_split[k], n);
        }
    }
    /* Distinct literals, each with its postings: a literal shared by many
     * patterns is compared once per key position, not once per pattern. */
    qsort(all, n_all, sizeof(*all), pf_tmp_cmp);
    for (i = 0, k = 0; i < n_all; i++) {
        if (n_lit == 0 || strcmp(lits[n_lit - 1].lit, all[i].lit) != 0 ||
            lits[n_lit - 1].word_start != all[i].word_start) {
            lits[n_lit].lit = all[i].lit;
            lits[n_lit].len = (uint32_t)strlen(all[i].lit);
            lits[n_lit].word_start = all[i].word_start;
            lits[n_lit].post = (uint32_t)k;
            n_lit++;
        }
        all[i].lit_index = (uint32_t)(n_lit - 1);
        if (all[i].bit == 0) {
            lits[n_lit - 1].n_start++;
            pf->slot_lit[all[i].pattern + 1]++;
            continue;
        }
        lits[n_lit - 1].n_post++;
        /* sorted by pattern: the patterns' postings come before those of
         * parts and excludes (n_patterns and above) */
        if (all[i].pattern < n)
            lits[n_lit - 1].n_pat++;
        pf->post[k].pattern = all[i].pattern;
        pf->post[k++].bit = all[i].bit;
    }
    pf->n_lit = n_lit;
    for (i = 0; i < n_lit; i++) {
        if (lits[i].len == 0)
            continue; /* matches nowhere, as it always did */
        pf_starts_add(&pf->all, lits[i].lit, lits[i].len);
        if (!lits[i].word_start)
            pf_starts_add(&pf->mid, lits[i].lit, lits[i].len);
    }
    if (pf_build_tries(pf, lits, n_lit) < 0)
        goto fail;
    pf->run = alloc_calloc(n_lit ? n_lit : 1, sizeof(*pf->run));
    pf->fresh = alloc_calloc(n_lit ? n_lit : 1, sizeof(*pf->fresh));
    if (!pf->run || !pf->fresh)
        goto fail;
    for (i = 0; i < n_lit; i++) {
        pf->run[i].starts = lits[i].n_start > 0;
        pf->run[i].post = lits[i].post;
        pf->run[i].n_post = lits[i].n_post;
        pf->run[i].n_pat = lits[i].n_pat;
    }
    /* Each slot's start literals (struct prefilter). */
    for (i = 0; i < pf->n_slots; i++)
        pf->slot_lit[i + 1] += pf->slot_lit[i];
    fill = alloc_calloc(pf->n_slots, sizeof(*fill));
    if (!fill)
        goto fail;
    /* the common literals first, then the rare ones (see PF_RARE_SLOTS) */
    for (int rare = 0; rare < 2; rare++) {
        for (i = 0; i < n_all; i++)
            if (all[i].bit == 0 && lits[all[i].lit_index].len > 0 &&
                (lits[all[i].lit_index].n_start <= PF_RARE_SLOTS) == rare)
                pf->slot_lits[pf->slot_lit[all[i].pattern] + fill[all[i].pattern]++] =
                    all[i].lit_index * (uint32_t)sizeof(struct pf_run);
        if (!rare)
            for (i = 0; i < pf->n_slots; i++)
                pf->slot_common[i] = fill[i];
    }
    /* ... and each rare start literal's slots ('all' is sorted by literal) */
    pf->lit_slot = alloc_calloc(n_lit + 1, sizeof(*pf->lit_slot));
    if (!pf->lit_slot)
        goto fail;
    for (i = 0, k = 0; i < n_all; i++) {
        if (all[i].bit == 0 && lits[all[i].lit_index].len > 0 &&
            lits[all[i].lit_index].n_start <= PF_RARE_SLOTS) {
            pf->lit_slots[k++] = all[i].pattern;
            pf->lit_slot[all[i].lit_index + 1] = (uint32_t)k;
        }
    }
    for (i = 0; i < n_lit; i++)
        if (pf->lit_slot[i + 1] < pf->lit_slot[i])
            pf->lit_slot[i + 1] = pf->lit_slot[i]; /* a literal that begins none */
    alloc_free(fill);
    alloc_free(all);
    alloc_free(lits);
    for (i = 0; i < 256; i++)
        pf->word_byte[i] = (uint8_t)lit_word_byte((char)i);
    pf->cut_dead = SIZE_MAX;
    pcre2_set_callout(set->mctx, cut_callout, pf);
    return pf;
fail:
    alloc_free(fill);
    alloc_free(all);
    alloc_free(lits);
    prefilter_free(pf);
    return NULL;
}

/* A hit of a start literal, kept by the walk for pf_start_hits(). */
struct pf_start_hit {
    uint32_t lit, pos;
};

/* The walk's buffer of start-literal hits: when full, it is read before
 * the walk goes on. */
#define PF_START_HITS 64

/* The 'nh' hits 'h' of start literals, in the walk's order (which is the
 * order of the positions and slots they note): each notes its position
 * (after those its literal had in this key) and, on its literal's first
 * sight in this key, queues the literal in 'fresh' and lists it for each
 * slot it begins matches of (struct prefilter). Returns the new count of
 * 'fresh' ('nf' before). Not inlined: the walk keeps few registers live
 * across the rare call. */
static __attribute__((noinline)) size_t pf_start_hits(struct prefilter *pf,
                                                      const struct pf_start_hit *h,
                                                      size_t nh, uint32_t *fresh,
                                                      size_t nf)
{
    /* locals: the stores below could alias the prefilter's own fields */
    struct pf_run *const run = pf->run;
    struct pf_pos *const at = pf->at_pool, *const pool = pf->slot_pool;
    uint32_t *const stamp = pf->slot_stamp, *const head = pf->slot_head;
    const uint32_t *const lit_slot = pf->lit_slot, *const lit_slots = pf->lit_slots;
    const uint32_t gen = pf->gen, at_cap = pf->at_cap, slot_cap = pf->slot_cap;
    uint32_t at_used = pf->at_used, slot_used = pf->slot_used;

    for (size_t q = 0; q < nh; q++) {
        const uint32_t j = h[q].lit;
        struct pf_run *const r = &run[j];
        const int seen = r->stamp == gen;
        uint32_t s, s_end;
        if (at_used == at_cap) {
            pf->at_overflow = 1;
        } else {
            at[at_used].pos = h[q].pos;
            at[at_used].next = UINT32_MAX;
            if (seen)
                at[r->tail].next = at_used;
            else
                r->head = at_used;
            r->tail = at_used++;
        }
        if (seen)
            continue;
        r->stamp = gen;
        fresh[nf++] = j;
        s = lit_slot[j];
        s_end = lit_slot[j + 1];
        if (slot_used + (s_end - s) > slot_cap) {
            pf->slot_overflow = 1;
            continue;
        }
        for (; s < s_end; s++, slot_used++) {
            uint32_t sl = lit_slots[s];
            pool[slot_used].pos = j * (uint32_t)sizeof(struct pf_run);
            pool[slot_used].next = stamp[sl] == gen ? head[sl] : UINT32_MAX;
            stamp[sl] = gen;
            head[sl] = slot_used;
        }
    }
    pf->at_used = at_used;
    pf->slot_used = slot_used;
    return nf;
}

/* Literal 'j' begins at key position 'pos'. Its postings are read once per
 * key, after the walk (pf_postings()): here it is only queued in 'fresh'
 * on its first sight, which keeps the walk free of a call for most hits.
 * A start literal is only buffered in 'h', for pf_start_hits(): a call per
 * 64 hits rather than per hit (-693 instructions a message on the
 * 600-question sample); the order of 'fresh' does not matter to
 * pf_postings(). Returns the new count of 'fresh' ('nf' before); '*nh' is
 * the count of 'h'. */
static inline size_t pf_hit(struct prefilter *pf, struct pf_run *run, uint32_t gen,
                            uint32_t *fresh, size_t nf, struct pf_start_hit *h,
                            size_t *nh, uint32_t j, uint32_t pos)
{
    if (run[j].starts) {
        if (*nh == PF_START_HITS) {
            nf = pf_start_hits(pf, h, *nh, fresh, nf);
            *nh = 0;
        }
        h[*nh].lit = j;
        h[(*nh)++].pos = pos;
    } else if (run[j].stamp != gen) {
        run[j].stamp = gen;
        fresh[nf++] = j;
    }
    return nf;
}

/* Posting 'pp' of a pattern: a pattern is a candidate once every
 * requirement set has a literal. Returns the new count of 'matched'. */
static inline size_t pf_post_pattern(struct pf_state *state, uint32_t gen,
                                     const struct pf_post *pp, uint32_t *matched,
                                     size_t n)
{
    struct pf_state *st = &state[pp->pattern];

    if (st->stamp != gen) {
        st->stamp = gen;
        st->mask = pp->bit;
    } else if (st->mask & pp->bit) {
        return n;
    } else {
        st->mask |= pp->bit;
    }
    if (st->mask == st->full)
        matched[n++] = pp->pattern;
    return n;
}

/* Posting 'pp' of a part or an exclude: it is only marked present. */
static inline void pf_post_part(struct pf_state *state, uint32_t gen,
                                const struct pf_post *pp)
{
    struct pf_state *st = &state[pp->pattern];

    if (st->stamp != gen) {
        st->stamp = gen;
        st->mask = pp->bit;
    } else {
        st->mask |= pp->bit;
    }
}

/* The postings of the 'nf' literals 'fresh' the key holds, in that order:
 * fills pf->matched with the patterns whose every requirement set has a
 * literal, and marks the parts and excludes present. Returns the count of
 * pf->matched. Two postings a turn, in order (a literal has ten or so): half
 * the loops' counts and tests, -322 instructions a message. */
static size_t pf_postings(struct prefilter *pf, const uint32_t *fresh, size_t nf)
{
    /* locals: the stores below could alias the prefilter's own fields */
    struct pf_state *const state = pf->state;
    uint32_t *const matched = pf->matched;
    const struct pf_run *const run = pf->run;
    const struct pf_post *const post = pf->post;
    const uint32_t gen = pf->gen;
    size_t n = 0;

    for (size_t f = 0; f < nf; f++) {
        const struct pf_run *e = &run[fresh[f]];
        const struct pf_post *pp = post + e->post, *pat_end = pp + e->n_pat,
                             *end = pp + e->n_post;
        for (; pp + 2 <= pat_end; pp += 2) {
            n = pf_post_pattern(state, gen, pp, matched, n);
            n = pf_post_pattern(state, gen, pp + 1, matched, n);
        }
        if (pp < pat_end)
            n = pf_post_pattern(state, gen, pp++, matched, n);
        for (; pp + 2 <= end; pp += 2) {
            pf_post_part(state, gen, pp);
            pf_post_part(state, gen, pp + 1);
        }
        if (pp < end)
            pf_post_part(state, gen, pp);
    }
    return n;
}

/* Fills pf->cand with the patterns that may match 'key', ascending (that is,
 * by priority); returns their number. */
static size_t prefilter_run(struct prefilter *pf, const char *key, size_t len)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t i, n, nf = 0, nh = 0, a, c, out = 0;
    struct pf_run *run;
    uint32_t *fresh, gen;
    struct pf_start_hit hits[PF_START_HITS];

    if (++pf->gen == 0) {
        for (i = 0; i < pf->n_states; i++)
            pf->state[i].stamp = 0;
        for (i = 0; i < pf->n_lit; i++)
            pf->run[i].stamp = 0;
        for (i = 0; i < pf->n_slots; i++)
            pf->slot_stamp[i] = 0;
        pf->gen = 1;
    }
    pf->at_used = 0;
    pf->at_overflow = 0;
    pf->slot_used = 0;
    pf->slot_overflow = 0;
    run = pf->run;
    fresh = pf->fresh;
    gen = pf->gen;
    for (i = 0; i < len; i++) {
        /* inside a word, only the literals that need no word start */
        int mid = i > 0 && pf->word_byte[k[i - 1]];
        const struct lit_trie *tr = mid ? &pf->tmid : &pf->tall;
        int32_t st = LIT_TRIE_ROOT;
        if (!pf_may_start(mid ? &pf->mid : &pf->all, k + i, len - i))
            continue;
        for (c = i; c < len; c++) {
            uint32_t v;
            st = lit_trie_next(tr, st, k[c]);
            if (st < 0)
                break; /* no literal starts with key[i..c] */
            v = lit_trie_val(tr, st);
            if (v == 0)
                continue; /* none is exactly that */
            if (mid) {
                nf = pf_hit(pf, run, gen, fresh, nf, hits, &nh, v - 1, (uint32_t)i);
            } else {
                nf =
                    pf_hit(pf, run, gen, fresh, nf, hits, &nh, (v >> 1) - 1, (uint32_t)i);
                if (v & 1)
                    nf = pf_hit(pf, run, gen, fresh, nf, hits, &nh, v >> 1, (uint32_t)i);
            }
        }
    }
    nf = pf_start_hits(pf, hits, nh, fresh, nf);
    n = pf_postings(pf, fresh, nf);
    /* Merge the literal hits with the patterns that always run (the two
     * never share a pattern), ascending: through a bitmap, not a sort; the
     * summary bits_any leads to the words of 'bits' that are not 0 (most
     * are). */
    for (i = 0; i < n; i++) {
        uint32_t p = pf->matched[i];
        pf->bits[p >> 6] |= 1ull << (p & 63);
        pf->bits_any[p >> 12] |= 1ull << ((p >> 6) & 63);
    }
    for (a = 0; a < pf->n_always; a++) {
        uint32_t p = pf->always[a];
        pf->bits[p >> 6] |= 1ull << (p & 63);
        pf->bits_any[p >> 12] |= 1ull << ((p >> 6) & 63);
    }
    for (a = 0; a < ((pf->n_patterns + 63) / 64 + 63) / 64; a++) {
        uint64_t any = pf->bits_any[a];
        pf->bits_any[a] = 0;
        for (; any; any &= any - 1) {
            uint64_t w;
            i = a * 64 + (size_t)__builtin_ctzll(any);
            w = pf->bits[i];
            pf->bits[i] = 0;
            while (w) {
                pf->cand[out++] = (uint32_t)(i * 64 + (size_t)__builtin_ctzll(w));
                w &= w - 1;
            }
        }
    }
    return out;
}

/* ------------------------------------------------------------------ */
/* Word alternatives                                                   */
/* ------------------------------------------------------------------ */

/* Most of the catalogue's pcre2 time went to parts like
 * \b(?:journal|article|...sixty words...)\b, searched at every word of the
 * key. Such a part is a finite list of literals that must start at a word
 * start; on a key made only of [a-z0-9' ] (pcre2's \w there is [a-z0-9]),
 * whether and where it matches can be read from one walk over the key's
 * words through a trie holding the literals of every part at once. The
 * literals keep pcre2's order of trying (greedy optionals first, alternatives
 * left to right), so the leftmost match and its length are pcre2's too. */

#define WA_MAX_LITS 512
#define WA_MAX_LEN  64

struct wa_item {
    char s[WA_MAX_LEN];
    unsigned char len;
    unsigned char end; /* enum word_end */
};

struct wa_list {
    struct wa_item *v;
    size_t n;
};

struct wa_parser {
    const char *s;
    size_t i, n;
    int fail;
};

static int wa_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* a = a x b (every item of a followed by every item of b, a's order
 * outermost, as backtracking tries them). */
static void wa_product(struct wa_parser *p, struct wa_list *a, const struct wa_list *b)
{
    struct wa_list r;
    size_t i, j;

    if (p->fail)
        return;
    if (a->n * b->n > WA_MAX_LITS) {
        p->fail = 1;
        return;
    }
    r.n = 0;
    r.v = alloc_malloc((a->n * b->n > 0 ? a->n * b->n : 1) * sizeof(*r.v));
    if (!r.v) {
        p->fail = 2;
        return;
    }
    for (i = 0; i < a->n; i++)
        for (j = 0; j < b->n; j++) {
            struct wa_item *o = &r.v[r.n++];
            /* nothing may follow \w* */
            if ((a->v[i].end == WORD_END_REST_OF_WORD && b->v[j].len > 0) ||
                a->v[i].len + b->v[j].len > WA_MAX_LEN) {
                p->fail = 1;
                alloc_free(r.v);
                return;
            }
            *o = a->v[i];
            memcpy(o->s + o->len, b->v[j].s, b->v[j].len);
            o->len = (unsigned char)(o->len + b->v[j].len);
            if (b->v[j].end == WORD_END_REST_OF_WORD)
                o->end = WORD_END_REST_OF_WORD;
        }
    alloc_free(a->v);
    *a = r;
}

static int wa_single(struct wa_list *l, const char *s, size_t n, int end)
{
    l->v = alloc_calloc(1, sizeof(*l->v));
    if (!l->v)
        return -1;
    memcpy(l->v[0].s, s, n);
    l->v[0].len = (unsigned char)n;
    l->v[0].end = (unsigned char)end;
    l->n = 1;
    return 0;
}

static int wa_add_empty(struct wa_parser *p, struct wa_list *l)
{
    struct wa_item *v;

    if (l->n + 1 > WA_MAX_LITS) {
        p->fail = 1;
        return -1;
    }
    v = alloc_realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v) {
        p->fail = 2;
        return -1;
    }
    memset(&v[l->n], 0, sizeof(*v));
    l->v = v;
    l->n++;
    return 0;
}

/* A quantifier other than a plain greedy '?' at p->i: not our form. */
static int wa_bad_quant(const struct wa_parser *p)
{
    char c = p->i < p->n ? p->s[p->i] : '\0';
    char d = p->i + 1 < p->n ? p->s[p->i + 1] : '\0';

    return c == '*' || c == '+' || c == '{' || (c == '?' && (d == '?' || d == '+'));
}

/* A class of ASCII letters and digits ([sz], [1-5], \d: on an ASCII key,
 * \d is [0-9]) read as the alternatives of its characters, in byte order
 * (a class tries no order: one character matches or none). */
static int wa_class(struct wa_parser *p, struct wa_list *out)
{
    const char *s = p->s;
    char set[256] = {0};
    int c, n = 0;

    if (s[p->i] == '\\') {
        p->i += 2;
        for (c = '0'; c <= '9'; c++)
            set[c] = 1;
    } else {
        p->i++;
        while (p->i < p->n && s[p->i] != ']') {
            unsigned char lo = (unsigned char)s[p->i], hi = lo;
            if (!wa_alnum(lo)) {
                p->fail = 1;
                return -1;
            }
            if (p->i + 2 < p->n && s[p->i + 1] == '-' && s[p->i + 2] != ']') {
                hi = (unsigned char)s[p->i + 2];
                if (!wa_alnum(hi) || hi < lo) {
                    p->fail = 1;
                    return -1;
                }
                p->i += 2;
            }
            for (c = lo; c <= hi; c++)
                set[c] = 1;
            p->i++;
        }
        if (p->i >= p->n) {
            p->fail = 1;
            return -1;
        }
        p->i++;
    }
    out->v = alloc_calloc(40, sizeof(*out->v));
    if (!out->v) {
        p->fail = 2;
        return -1;
    }
    for (c = 0; c < 256; c++)
        if (set[c]) {
            if (n == 40) {
                p->fail = 1;
                alloc_free(out->v);
                out->v = NULL;
                return -1;
            }
            out->v[n].s[0] = (char)c;
            out->v[n++].len = 1;
        }
    out->n = (size_t)n;
    if (n == 0) {
        p->fail = 1;
        alloc_free(out->v);
        out->v = NULL;
        return -1;
    }
    return 0;
}

static void wa_alt(struct wa_parser *p, struct wa_list *out, int depth);

static void wa_seq(struct wa_parser *p, struct wa_list *out, int depth)
{
    const char *s = p->s;

    out->v = NULL;
    out->n = 0;
    if (wa_single(out, "", 0, WORD_END_BOUNDARY) < 0) {
        p->fail = 2;
        return;
    }
    while (!p->fail && p->i < p->n && s[p->i] != '|' && s[p->i] != ')') {
        struct wa_list atom = {0};
        char c = s[p->i];

        if (c == '\\' && p->i + 1 < p->n && s[p->i + 1] == 'b' && p->i + 2 == p->n)
            break; /* the final \b: the caller's */
        if (c == '\\' && p->i + 2 < p->n && s[p->i + 1] == 'w' && s[p->i + 2] == '*') {
            p->i += 3;
            if (p->i < p->n && s[p->i] != '|' && s[p->i] != ')' &&
                !(s[p->i] == '\\' && p->i + 2 == p->n && s[p->i + 1] == 'b')) {
                p->fail = 1;
                break;
            }
            if (wa_single(&atom, "", 0, WORD_END_REST_OF_WORD) < 0) {
                p->fail = 2;
                break;
            }
        } else if (c == '(') {
            if (depth > 8 || p->i + 2 >= p->n || s[p->i + 1] != '?' ||
                s[p->i + 2] != ':') {
                p->fail = 1;
                break;
            }
            p->i += 3;
            wa_alt(p, &atom, depth + 1);
            if (p->fail || p->i >= p->n || s[p->i] != ')') {
                p->fail = p->fail ? p->fail : 1;
                alloc_free(atom.v);
                break;
            }
            p->i++;
        } else if (c == '[' || (c == '\\' && p->i + 1 < p->n && s[p->i + 1] == 'd')) {
            if (wa_class(p, &atom) < 0)
                break;
        } else {
            char lit = c;
            if (c == '\\' && p->i + 1 < p->n && s[p->i + 1] == 's') {
                lit = ' '; /* a key's only white space */
                p->i++;
            } else if (!wa_alnum((unsigned char)c) && c != ' ' && c != '\'') {
                p->fail = 1;
                break;
            }
            p->i++;
            if (wa_single(&atom, &lit, 1, WORD_END_BOUNDARY) < 0) {
                p->fail = 2;
                break;
            }
        }
        if (wa_bad_quant(p)) {
            p->fail = 1;
        } else if (p->i < p->n && s[p->i] == '?') {
            p->i++;
            wa_add_empty(p, &atom); /* greedy: with it first */
        }
        wa_product(p, out, &atom);
        alloc_free(atom.v);
    }
}

static void wa_alt(struct wa_parser *p, struct wa_list *out, int depth)
{
    wa_seq(p, out, depth);
    while (!p->fail && p->i < p->n && p->s[p->i] == '|') {
        struct wa_list b;
        struct wa_item *v;
        p->i++;
        wa_seq(p, &b, depth);
        if (p->fail) {
            alloc_free(b.v);
            break;
        }
        if (out->n + b.n > WA_MAX_LITS) {
            p->fail = 1;
            alloc_free(b.v);
            break;
        }
        v = alloc_realloc(out->v, (out->n + b.n) * sizeof(*v));
        if (!v) {
            p->fail = 2;
            alloc_free(b.v);
            break;
        }
        memcpy(v + out->n, b.v, b.n * sizeof(*v));
        out->v = v;
        out->n += b.n;
        alloc_free(b.v);
    }
}

void match_word_alts_free(struct word_alts *wa)
{
    size_t k;

    for (k = 0; k < wa->n; k++)
        alloc_free(wa->lits[k]);
    alloc_free(wa->lits);
    alloc_free(wa->end);
    memset(wa, 0, sizeof(*wa));
    wa->id = -1;
}

int match_word_alts(const char *src, size_t n, struct word_alts *out)
{
    struct wa_parser p = {.s = src, .i = 2, .n = n};
    struct wa_list l = {0};
    int boundary = 0;
    size_t k;

    memset(out, 0, sizeof(*out));
    out->id = -1;
    /* \b, alternatives, and an optional final \b: nothing else. */
    if (n < 3 || src[0] != '\\' || src[1] != 'b')
        return 0;
    wa_alt(&p, &l, 0);
    if (!p.fail && p.i + 2 == n && src[p.i] == '\\' && src[p.i + 1] == 'b') {
        boundary = 1;
        p.i += 2;
    }
    if (p.fail || p.i != n) {
        alloc_free(l.v);
        return p.fail == 2 ? VIGIE_ENOMEM : 0;
    }
    /* Every literal must start and end with a word character, so that \b
     * means "at a word start / end" and the walk over words sees it. */
    for (k = 0; k < l.n; k++)
        if (l.v[k].len == 0 || !wa_alnum((unsigned char)l.v[k].s[0]) ||
            !wa_alnum((unsigned char)l.v[k].s[l.v[k].len - 1])) {
            alloc_free(l.v);
            return 0;
        }
    out->lits = alloc_calloc(l.n, sizeof(*out->lits));
    out->end = alloc_calloc(l.n, sizeof(*out->end));
    if (!out->lits || !out->end)
        goto oom;
    for (k = 0; k < l.n; k++) {
        out->lits[k] = alloc_strndup(l.v[k].s, l.v[k].len);
        if (!out->lits[k])
            goto oom;
        out->n = k + 1;
        out->end[k] = l.v[k].end == WORD_END_REST_OF_WORD ? WORD_END_REST_OF_WORD
                      : boundary                          ? WORD_END_BOUNDARY
                                                          : WORD_END_ANY;
    }
    alloc_free(l.v);
    return 0;
oom:
    alloc_free(l.v);
    match_word_alts_free(out);
    return VIGIE_ENOMEM;
}

/* The literals of every struct word_alts of the set, each with the parts it
 * belongs to and its rank there. */
struct wx_entry {
    uint32_t stamp; /* == gen: already recorded for this key */
    uint32_t post, n_post;
    uint8_t len, end;
    const char *lit; /* borrowed from the pattern */
};

struct wx_post {
    uint32_t part;  /* word_alts id */
    uint32_t order; /* rank of the literal in that part */
};

/* The leftmost match of one part on the current key. */
struct wx_state {
    uint32_t stamp; /* == gen: the rest is this key's */
    uint32_t pos;   /* right after 'stamp' (see wx_post_hit()) */
    uint32_t order, span;
};
_Static_assert(offsetof(struct wx_state, pos) == sizeof(uint32_t),
               "wx_hit() stores stamp and pos as one uint32_t[2]");

struct word_index {
    struct wx_entry *ent; /* sorted by literal, then end */
    size_t n_ent;
    struct wx_post *post;
    size_t n_parts;
    /* the distinct literals: where one ends, (j + 1) << 2 | m: its entries
     * are ent[j, j + m), one per enum word_end it is used with */
    struct lit_trie trie;
    uint8_t key_byte[256]; /* 1 for the bytes it reads: [a-z0-9' ] */
    /* scratch: the leftmost match of each part on the current key */
    uint32_t gen;
    struct wx_state *state; /* per part */
};

static void word_index_free(struct word_index *wx)
{
    if (!wx)
        return;
    alloc_free(wx->ent);
    alloc_free(wx->post);
    alloc_free(wx->state);
    lit_trie_free(&wx->trie);
    alloc_free(wx);
}

struct wx_tmp {
    const char *lit;
    uint8_t end;
    uint32_t part, order;
};

static int wx_tmp_cmp(const void *a, const void *b)
{
    const struct wx_tmp *x = a, *y = b;
    int c = strcmp(x->lit, y->lit);

    if (c)
        return c;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void wx_collect(struct word_alts *wa, struct wx_tmp *all, size_t *n_all,
                       size_t *n_parts)
{
    size_t k;

    if (wa->n == 0)
        return;
    wa->id = (long)*n_parts;
    for (k = 0; k < wa->n; k++) {
        struct wx_tmp *t = &all[(*n_all)++];
        t->lit = wa->lits[k];
        t->end = wa->end[k];
        t->part = (uint32_t)*n_parts;
        t->order = (uint32_t)k;
    }
    (*n_parts)++;
}

/* wx_collect() for the parts of 'p', those of its compound parts too. */
static void wx_collect_parts(struct pattern *p, struct wx_tmp *all, size_t *n_all,
                             size_t *n_parts)
{
    for (unsigned k = 0; k < p->n_parts; k++) {
        wx_collect(&p->parts[k].words, all, n_all, n_parts);
        if (p->parts[k].sub)
            wx_collect_parts(p->parts[k].sub, all, n_all, n_parts);
    }
}

/* How many words wx_collect_parts() takes from 'p'. */
static size_t wx_parts_count(const struct pattern *p)
{
    size_t n = 0;

    for (unsigned k = 0; k < p->n_parts; k++) {
        n += p->parts[k].words.n;
        if (p->parts[k].sub)
            n += wx_parts_count(p->parts[k].sub);
    }
    return n;
}

static struct word_index *word_index_build(struct intent_set *set)
{
    struct word_index *wx = alloc_calloc(1, sizeof(*wx));
    struct wx_tmp *all = NULL;
    size_t i, k, n_all = 0, n_ent = 0, n_parts = 0, np;

    if (!wx)
        return NULL;
    for (i = 0; i < set->n_patterns; i++)
        n_all += set->patterns[i].words.n + wx_parts_count(&set->patterns[i]);
    for (i = 0; i < set->n_intents; i++)
        for (k = 0; set->intents[i].exclude_split && k < set->intents[i].exclude.n; k++)
            n_all += wx_parts_count(&set->intents[i].exclude_split[k]);
    all = alloc_calloc(n_all ? n_all : 1, sizeof(*all));
    if (!all)
        goto fail;
    n_all = 0;
    for (i = 0; i < set->n_patterns; i++) {
        struct pattern *p = &set->patterns[i];
        wx_collect(&p->words, all, &n_all, &n_parts);
        wx_collect_parts(p, all, &n_all, &n_parts);
    }
    for (i = 0; i < set->n_intents; i++)
        for (k = 0; set->intents[i].exclude_split && k < set->intents[i].exclude.n; k++)
            wx_collect_parts(&set->intents[i].exclude_split[k], all, &n_all, &n_parts);
    qsort(all, n_all, sizeof(*all), wx_tmp_cmp);
    np = n_parts ? n_parts : 1;
    wx->n_parts = n_parts;
    wx->ent = alloc_calloc(n_all ? n_all : 1, sizeof(*wx->ent));
    wx->post = alloc_calloc(n_all ? n_all : 1, sizeof(*wx->post));
    wx->state = alloc_calloc(np, sizeof(*wx->state));
    if (!wx->ent || !wx->post || !wx->state)
        goto fail;
    /* Distinct (literal, end) pairs, each with its postings. */
    for (i = 0; i < n_all; i++) {
        if (n_ent == 0 || strcmp(wx->ent[n_ent - 1].lit, all[i].lit) != 0 ||
            wx->ent[n_ent - 1].end != all[i].end) {
            struct wx_entry *e = &wx->ent[n_ent++];
            e->len = (uint8_t)strlen(all[i].lit);
            e->end = all[i].end;
            e->lit = all[i].lit;
            e->post = (uint32_t)i;
        }
        wx->ent[n_ent - 1].n_post++;
        wx->post[i].part = all[i].part;
        wx->post[i].order = all[i].order;
    }
    wx->n_ent = n_ent;
    /* The trie of the distinct literals (entries are sorted by literal). */
    {
        const char **texts = alloc_calloc(n_ent ? n_ent : 1, sizeof(*texts));
        uint32_t *vals = alloc_calloc(n_ent ? n_ent : 1, sizeof(*vals));
        size_t nt = 0;
        int rc = -1;
        for (i = 0; texts && vals && i < n_ent; i++) {
            if (wx->ent[i].len == 0)
                continue;
            if (nt > 0 && strcmp(texts[nt - 1], wx->ent[i].lit) == 0) {
                vals[nt - 1]++; /* sorted by end: the next one of that text */
            } else {
                texts[nt] = wx->ent[i].lit;
                vals[nt++] = (uint32_t)(i + 1) << 2 | 1;
            }
        }
        if (texts && vals)
            rc = lit_trie_build(&wx->trie, (const char *const *)texts, nt);
        if (rc == 0)
            lit_trie_map_vals(&wx->trie, vals);
        alloc_free(texts);
        alloc_free(vals);
        if (rc < 0)
            goto fail;
    }
    alloc_free(all);
    for (i = 0; i < 256; i++)
        wx->key_byte[i] = (uint8_t)(wa_alnum((unsigned char)i) || i == ' ' || i == '\'');
    return wx;
fail:
    alloc_free(all);
    word_index_free(wx);
    return NULL;
}

/* Posting 'pp' of a literal found at key[i] ('span' bytes): its part keeps
 * its leftmost match, and there its first literal. 'at' is {gen, i}: the
 * stamp and pos as they lie in struct wx_state, stored at once (the
 * compiler otherwise merged the four stores in a vector register, at more
 * instructions a posting: -576 a message). */
static inline void wx_post_hit(struct wx_state *state, uint32_t gen, const uint32_t at[2],
                               const struct wx_post *pp, size_t i, uint32_t span)
{
    struct wx_state *st = &state[pp->part];

    if (st->stamp == gen && (st->pos < i || st->order <= pp->order))
        return;
    memcpy(st, at, 2 * sizeof(*at));
    st->order = pp->order;
    st->span = span;
}

/* Records the literal of 'e' found at key[i] ('span' bytes) for its parts,
 * two postings a turn, in order (a literal has thirty or so): -328
 * instructions a message. */
static void wx_hit(struct word_index *wx, const struct wx_entry *e, size_t i, size_t span)
{
    /* locals: the stores below could alias the index's own fields */
    const uint32_t gen = wx->gen;
    struct wx_state *const state = wx->state;
    const struct wx_post *pp = wx->post + e->post, *end = pp + e->n_post;
    const uint32_t at[2] = {gen, (uint32_t)i};

    for (; pp + 2 <= end; pp += 2) {
        wx_post_hit(state, gen, at, pp, i, (uint32_t)span);
        wx_post_hit(state, gen, at, pp + 1, i, (uint32_t)span);
    }
    if (pp < end)
        wx_post_hit(state, gen, at, pp, i, (uint32_t)span);
}

/* Finds the leftmost match of every word part in 'key'. Returns 0 when the
 * key has a byte other than [a-z0-9' ] (then pcre2 decides every part). */
static int word_index_run(struct word_index *wx, const char *key, size_t len)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t i, L;
    uint32_t gen;

    for (i = 0; i < len; i++)
        if (!wx->key_byte[k[i]])
            return 0;
    if (++wx->gen == 0) {
        for (size_t p = 0; p < wx->n_parts; p++)
            wx->state[p].stamp = 0;
        for (size_t j = 0; j < wx->n_ent; j++)
            wx->ent[j].stamp = 0;
        wx->gen = 1;
    }
    gen = wx->gen;
    /* From here the key is [a-z0-9' ] only, where wa_alnum(c) is c > '\''. */
    for (i = 0; i < len;) {
        int32_t st = LIT_TRIE_ROOT;
        if (k[i] <= '\'') {
            i++;
            continue;
        }
        /* i starts a word */
        for (L = 1; i + L <= len; L++) {
            int at_end;
            uint32_t v;
            st = lit_trie_next(&wx->trie, st, k[i + L - 1]);
            if (st < 0)
                break; /* no literal starts with key[i..i+L) */
            v = lit_trie_val(&wx->trie, st);
            if (v == 0 || k[i + L - 1] <= '\'')
                continue;
            at_end = i + L == len || k[i + L] <= '\'';
            for (uint32_t j = (v >> 2) - 1; j < (v >> 2) - 1 + (v & 3); j++) {
                struct wx_entry *e = &wx->ent[j];
                int end = e->end;
                size_t span = L;
                if (e->stamp == gen)
                    continue;
                if (end == WORD_END_BOUNDARY && !at_end)
                    continue;
                if (end == WORD_END_REST_OF_WORD)
                    while (i + span < len && k[i + span] > '\'')
                        span++;
                /* its parts now hold a match at or before i: a later
                 * occurrence of the literal changes none of them */
                e->stamp = gen;
                wx_hit(wx, e, i, span);
            }
        }
        while (i < len && k[i] > '\'')
            i++; /* the rest of the word starts nothing */
    }
    return 1;
}

/* The result of word part 'id' on the last key given to word_index_run():
 * 1 and its span when it matched, else 0. */
static int word_index_get(const struct word_index *wx, long id, size_t *span)
{
    if (wx->state[id].stamp != wx->gen)
        return 0;
    *span = wx->state[id].span;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Leading negative lookaheads                                         */
/* ------------------------------------------------------------------ */

/* The index of the ')' closing the group opened at src[i], or 0. */
static size_t lead_group_end(const char *src, size_t i)
{
    size_t depth = 0;

    for (; src[i]; i++) {
        if (src[i] == '\\') {
            if (!src[++i])
                return 0;
        } else if (src[i] == '[') {
            i++;
            if (src[i] == '^')
                i++;
            if (src[i] == ']')
                i++; /* a ']' first is a literal */
            for (; src[i] && src[i] != ']'; i++) {
                if (src[i] == '\\' && !src[++i])
                    return 0;
                if (src[i] == '[' && src[i + 1] == ':')
                    return 0; /* POSIX classes: not worth reading */
            }
            if (!src[i])
                return 0;
        } else if (src[i] == '(') {
            depth++;
        } else if (src[i] == ')') {
            if (depth == 0)
                return 0;
            if (--depth == 0)
                return i;
        }
    }
    return 0;
}

/* 1 when 'src' (a pattern as folded) reads (?!.*X)Y, with X and Y free of
 * what would tie them to their place in the whole (back references,
 * recursion, \G, \K, top-level alternation); X and Y are returned as
 * offsets. Pure lower-case ASCII only: folding leaves such a pattern as
 * written. */
static int lead_shape(const char *src, size_t *x0, size_t *x1, size_t *y0)
{
    size_t i, e, len = strlen(src), depth = 0;

    if (strncmp(src, "(?!.*", 5) != 0)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x80 || (c >= 'A' && c <= 'Z' && (i == 0 || src[i - 1] != '\\')))
            return 0;
    }
    if (strstr(src, "(?R") || strstr(src, "(?&") || strstr(src, "(?P") ||
        strstr(src, "(*") || strstr(src, "(?|") || strstr(src, "(?(") ||
        strstr(src, "(?C") || strstr(src, "(?0") || strstr(src, "(?+") ||
        strstr(src, "(?-"))
        return 0;
    for (i = 0; i < len; i++) {
        if (src[i] == '\\') {
            char c = src[i + 1];
            if (!c || c == 'G' || c == 'K' || c == 'g' || c == 'k' || c == 'Q' ||
                (c >= '1' && c <= '9'))
                return 0;
            i++;
        } else if (src[i] == '[') {
            size_t j = i + 1;
            if (src[j] == '^')
                j++;
            if (src[j] == ']')
                j++;
            while (src[j] && src[j] != ']')
                j += src[j] == '\\' && src[j + 1] ? 2 : 1;
            if (!src[j])
                return 0;
            i = j;
        } else if (src[i] == '(') {
            depth++;
        } else if (src[i] == ')') {
            if (depth == 0)
                return 0;
            depth--;
        } else if (src[i] == '|' && depth == 0) {
            return 0; /* the lookahead would bind to one branch only */
        }
    }
    e = lead_group_end(src, 0);
    if (e == 0 || e <= 5 || e + 1 >= len)
        return 0;
    if (src[e + 1] == '?' || src[e + 1] == '*' || src[e + 1] == '+' || src[e + 1] == '{')
        return 0; /* a quantified lookahead */
    *x0 = 5;
    *x1 = e;
    *y0 = e + 1;
    return 1;
}

static pcre2_code *lead_compile(const struct intent_set *set, const char *s, size_t n)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)s, n, PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C,
                      &errcode, &erroff, set->cctx);

    jit_lazy_add(set->jit, c);
    return c;
}

/* Fills set->prefilter->lead; a pattern whose halves do not compile alone
 * keeps running whole. 0 or VIGIE_ENOMEM. */
static int lead_build(const struct intent_set *set)
{
    struct lead_neg *lead = set->prefilter->lead;
    size_t i;

    for (i = 0; i < set->n_patterns; i++) {
        const struct pattern *p = &set->patterns[i];
        const struct intent_list *l;
        const char *src;
        size_t x0, x1, y0;

        /* a branch is not its pattern's source: only a whole pattern has one */
        if (p->n_parts != 0 || p->words.n != 0 || p->index == 0 || p->branch != 0)
            continue;
        l = &set->intents[p->intent].patterns[p->lang];
        if (p->index > l->n)
            continue;
        src = l->items[p->index - 1].text;
        if (!lead_shape(src, &x0, &x1, &y0))
            continue;
        lead[i].x = lead_compile(set, src + x0, x1 - x0);
        lead[i].y = lead_compile(set, src + y0, strlen(src) - y0);
        if (!lead[i].x || !lead[i].y) {
            pcre2_code_free(lead[i].x);
            pcre2_code_free(lead[i].y);
            lead[i].x = lead[i].y = NULL;
        }
    }
    return 0;
}

/* pcre2_match() of 'code' on the key from 'from' on, JIT-compiled on its
 * first run (jit_lazy.h). */
static int code_match(const struct intent_set *set, const pcre2_code *code,
                      const char *key, size_t len, size_t from)
{
    jit_lazy_run(set->jit, code);
    /* The key comes from norm_text(), which only writes valid UTF-8:
     * skipping pcre2's own check saves a pass per pattern. */
    return pcre2_match(code, (PCRE2_SPTR)key, len, from, PCRE2_NO_UTF_CHECK, set->md,
                       set->mctx);
}

/* Runs pattern (?!.*X)Y on a key of [a-z0-9' ] only (no line break, so
 * '.' matches every byte): as pcre_exec(). */
static int lead_exec(const struct intent_set *set, const struct lead_neg *ln,
                     const char *key, size_t len, size_t *span)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(set->md);
    size_t from = 0;
    int rc;

    /* Y may only match past the last position where X matches. */
    for (;;) {
        rc = code_match(set, ln->x, key, len, from);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return rc;
        from = ov[0] + 1;
        if (from > len)
            return 0;
    }
    rc = code_match(set, ln->y, key, len, from);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return rc;
    *span = ov[1] - ov[0];
    return 1;
}

/* ------------------------------------------------------------------ */
/* Pattern stage                                                       */
/* ------------------------------------------------------------------ */

static void result_init(const struct intent_set *set, struct match_result *out)
{
    memset(out, 0, sizeof(*out));
    out->intent = set->fallback;
    out->stage = MATCH_NONE;
    out->pattern = -1;
    out->fuzzy_best = -1;
    out->fuzzy_lang = LANG_NONE;
}

/* pcre2's leftmost match of 'code' in the key from offset 'from' on: 1 and
 * its span, 0, or a negative pcre2 error (a limit). */
static int pcre_exec_from(const struct intent_set *set, const pcre2_code *code,
                          const char *key, size_t len, size_t from, size_t *span)
{
    PCRE2_SIZE *ov;
    int rc = code_match(set, code, key, len, from);

    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return rc;
    ov = pcre2_get_ovector_pointer(set->md);
    *span = ov[1] - ov[0];
    return 1;
}

static int pcre_exec(const struct intent_set *set, const pcre2_code *code,
                     const char *key, size_t len, size_t *span)
{
    return pcre_exec_from(set, code, key, len, 0, span);
}

/* pcre_exec() for a pattern or part with starts 'st' (struct
 * pattern_starts), noted by the prefilter's walk in slot 'slot': pcre2
 * tries the anchored code where a start was seen, in ascending order, so
 * the first match is the leftmost one a search would find; no start, no
 * match. Only for the key the walk read, of ASCII only. */
static int starts_exec(const struct intent_set *set, const pcre2_code *code,
                       const struct pattern_starts *st, size_t slot, int walked,
                       const char *key, size_t len, size_t *span)
{
    struct prefilter *pf = set->prefilter;
    uint32_t pos[STARTS_MAX], first = UINT32_MAX, e, link, gen;
    const uint32_t *q, *q_end;
    const char *run;
    const struct pf_pos *at;
    size_t n = 0, k;
    int many = 0;

    if (!st->code || !pf || !walked || pf->at_overflow)
        return pcre_exec(set, code, key, len, span);
    gen = pf->gen;
    run = (const char *)pf->run;
    at = pf->at_pool;
    /* The slot's start literals the walk listed (none: no start), else (the
     * pool was too small) all of them, each checked for this key. Their
     * order does not matter: the positions are sorted and merged below. */
    link = UINT32_MAX;
    q = pf->slot_lits + pf->slot_lit[slot];
    if (!pf->slot_overflow) {
        if (pf->slot_stamp[slot] == gen)
            link = pf->slot_head[slot];
        q_end = q + pf->slot_common[slot];
    } else {
        q_end = pf->slot_lits + pf->slot_lit[slot + 1];
    }
    for (;;) {
        const struct pf_run *r; /* byte offsets into 'run' */
        if (link != UINT32_MAX) {
            r = (const struct pf_run *)(run + pf->slot_pool[link].pos);
            link = pf->slot_pool[link].next;
        } else if (q < q_end) {
            r = (const struct pf_run *)(run + *q++);
            if (r->stamp != gen)
                continue;
        } else {
            break;
        }
        e = r->head;
        if (at[e].pos < first)
            first = at[e].pos;
        for (; e != UINT32_MAX && !many; e = at[e].next) {
            uint32_t p = at[e].pos;
            /* insert, ascending, once */
            for (k = n; k > 0 && pos[k - 1] > p; k--)
                ;
            if (k > 0 && pos[k - 1] == p)
                continue;
            if (n == STARTS_MAX) {
                many = 1;
                break;
            }
            memmove(pos + k + 1, pos + k, (n - k) * sizeof(*pos));
            pos[k] = p;
            n++;
        }
    }
    *span = 0;
    if (first == UINT32_MAX)
        return 0; /* none of its starts: it cannot match */
    if (many)
        return pcre_exec_from(set, code, key, len, first, span);
    pf->cut_dead = SIZE_MAX;
    for (k = 0; k < n; k++) {
        int rc;
        if (st->cut && pos[k] >= pf->cut_dead)
            break; /* a head from here ends after the last place the rest matched */
        pf->cut_end = SIZE_MAX;
        pf->cut_on = st->cut;
        rc = pcre_exec_from(set, st->code, key, len, pos[k], span);
        pf->cut_on = 0;
        if (rc != 0)
            return rc;
        if (pf->cut_end < pf->cut_dead)
            pf->cut_dead = pf->cut_end;
    }
    return 0;
}

/* Runs one part (or a whole pattern: 'code', 'words'): from the word index
 * when it read the key ('words_ok') and the part is word alternatives,
 * else with pcre2. */
static int part_exec(const struct intent_set *set, const pcre2_code *code,
                     const struct word_alts *words, int words_ok, const char *key,
                     size_t len, size_t *span)
{
    if (words_ok && words->n > 0)
        return word_index_get(set->prefilter->words, words->id, span);
    return pcre_exec(set, code, key, len, span);
}

/* 1 when the key the prefilter read lacks the literals part 'own' needs:
 * it cannot match there. */
static int part_absent(const struct prefilter *pf, const struct pattern_part *own)
{
    const struct pf_state *st;

    if (!pf || !pf->parts_ok || own->req.n == 0)
        return 0;
    st = &pf->state[pf->n_patterns + own->memo];
    return st->stamp != pf->gen || st->mask != st->full;
}

static int pattern_exec(const struct intent_set *set, const struct pattern *p,
                        const char *key, size_t len, int words_ok, int ascii,
                        size_t *span);

/* part_exec() for a part of a split pattern: an identical part already
 * run on this key gives its answer again. */
static int split_part_exec(const struct intent_set *set, const struct pattern_part *pt,
                           int words_ok, const char *key, size_t len, size_t *span)
{
    const struct pattern_part *own = pt->same ? pt->same : pt;
    struct prefilter *pf = set->prefilter;
    int rc;

    if ((words_ok && own->words.n > 0) || !pf)
        return part_exec(set, own->code, &own->words, words_ok, key, len, span);
    if (part_absent(pf, own)) {
        *span = 0;
        return 0;
    }
    if (pf->memo_stamp[pt->memo] == pf->memo_gen) {
        *span = pf->memo_span[pt->memo];
        return pf->memo_rc[pt->memo];
    }
    /* without the walk's state, the whole code is the reference (pcre2 alone) */
    if (own->sub && pf->parts_ok)
        rc = pattern_exec(set, own->sub, key, len, words_ok, 1, span);
    else
        rc = starts_exec(set, own->code, &own->starts, pf->n_patterns + own->memo,
                         pf->parts_ok, key, len, span);
    pf->memo_stamp[pt->memo] = pf->memo_gen;
    pf->memo_rc[pt->memo] = rc;
    pf->memo_span[pt->memo] = rc == 1 ? *span : 0;
    return rc;
}

/* Runs one pattern on the key: 1 and its span when it matches, 0 when not,
 * a negative pcre2 error (a limit) otherwise. For a split pattern whose
 * span needs the whole pattern (SPAN_WHOLE), the span given is the parts'
 * until pattern_span() replaces it. */
static int pattern_exec(const struct intent_set *set, const struct pattern *p,
                        const char *key, size_t len, int words_ok, int ascii,
                        size_t *span)
{
    size_t part_span = 0, tail_span = 0;
    unsigned k;
    int rc, pass;
    /* parts decided without pcre2, negative parts (MAX_PARTS is 32) */
    uint32_t cheap = 0, negative = 0,
             all = p->n_parts >= 32 ? UINT32_MAX : (1u << p->n_parts) - 1;

    /* parts are compiled for keys of ASCII only (see compile_part()) */
    if (p->n_parts == 0 || !ascii) {
        /* words_ok: the prefilter exists and the key is [a-z0-9' ] only */
        const struct lead_neg *ln =
            words_ok ? &set->prefilter->lead[p - set->patterns] : NULL;
        if (ln && ln->y)
            rc = lead_exec(set, ln, key, len, span);
        else if (ascii && p->starts.code && !(words_ok && p->words.n > 0))
            rc = starts_exec(set, p->code, &p->starts, (size_t)(p - set->patterns),
                             set->prefilter->parts_ok, key, len, span);
        else
            rc = part_exec(set, p->code, &p->words, words_ok, key, len, span);
        if (rc == 1 && *span == 0)
            *span = p->weight;
        return rc;
    }
    /* Split lookaheads: positive parts first (the cheap way out), then the
     * negative ones; the span is what the positive parts matched. Parts decided
     * without pcre2 (word index, missing literals) come first in each group. */
    *span = 0;
    for (k = 0; k < p->n_parts; k++) {
        const struct pattern_part *own =
            p->parts[k].same ? p->parts[k].same : &p->parts[k];
        if ((words_ok && own->words.n > 0) || part_absent(set->prefilter, own))
            cheap |= 1u << k;
        if (p->parts[k].negative)
            negative |= 1u << k;
    }
    for (pass = 0; pass < 4; pass++) {
        uint32_t todo =
            (pass & 1 ? ~cheap : cheap) & (pass >= 2 ? negative : ~negative) & all;
        for (; todo; todo &= todo - 1) {
            const struct pattern_part *pt;
            k = (unsigned)__builtin_ctz(todo);
            pt = &p->parts[k];
            rc = split_part_exec(set, pt, words_ok, key, len, &part_span);
            if (rc < 0)
                return rc;
            if (rc != !pt->negative)
                return 0;
            if (!pt->negative)
                *span += part_span;
            if (k == p->n_parts - 1)
                tail_span = part_span;
        }
    }
    if (p->span_rule == SPAN_WEIGHT)
        *span = 0;
    else if (p->span_rule == SPAN_TAIL)
        *span = tail_span;
    if (*span == 0)
        *span = p->weight;
    return 1;
}

/* The span pattern 'p' had when it was run whole, once pattern_exec() said
 * it matches: the parts agree that it does, and the whole pattern gives the
 * span it always had. A limit keeps the parts' span. */
static int pattern_span(const struct intent_set *set, const struct pattern *p,
                        const char *key, size_t len, size_t *span)
{
    size_t whole = 0;
    int rc;

    if (p->n_parts == 0 || p->span_rule != SPAN_WHOLE)
        return 0;
    rc = pcre_exec(set, p->span_code ? p->span_code : p->code, key, len, &whole);
    if (rc < 0)
        return rc;
    if (rc == 1)
        *span = whole ? whole : p->weight;
    return 0;
}

/* 1 when the key is ASCII only: pattern parts and excludes compiled for
 * such keys may run (see compile_part() in intent.c). */
static int key_ascii(const char *key, size_t len)
{
    return utf8_ascii_prefix(key, len) == len;
}

/* 1 when one of the intent's "exclude" patterns matches the key, so that
 * its patterns do not answer it; 0 if none does (one that hits a limit
 * does not veto). 'ascii': key_ascii(key, len). 'lits_ok': the
 * prefilter's last walk read this key, so an exclude whose literals it did
 * not see is skipped. */
static int intent_excluded(const struct intent_set *set, long intent, const char *key,
                           size_t len, int ascii, int lits_ok, int words_ok,
                           struct match_result *out)
{
    const struct intent *it = &set->intents[intent];
    struct prefilter *pf = set->prefilter;
    /* The intent's arrays, read once: pcre2 and the stores of a match could
     * alias them for the compiler, which would read them again each turn. */
    const size_t n_excl = it->exclude.n;
    pcre2_code *const *const codes = it->exclude_code;
    pcre2_code *const *const fast = it->exclude_fast;
    const struct pattern_lits *const req = it->exclude_req;
    /* each exclude's prefilter state and slot (n_patterns + n_memo + its number) */
    const size_t slot0 = pf ? pf->n_patterns + set->n_memo + it->exclude_base : 0;

    for (size_t k = 0; k < n_excl; k++) {
        const pcre2_code *code;
        size_t span;
        int rc;
        /* The key lacks its literals: it cannot match. Checked first, as it
         * decides most excludes without anything else being read. */
        if (lits_ok && pf && req[k].n > 0) {
            const struct pf_state *st = &pf->state[slot0 + k];
            if (st->stamp != pf->gen || st->mask != st->full)
                continue;
        }
        if (!codes[k])
            continue;
        code = ascii && fast[k] ? fast[k] : codes[k];
        if (ascii && lits_ok && it->exclude_split[k].n_parts > 0)
            rc = pattern_exec(set, &it->exclude_split[k], key, len, words_ok, ascii,
                              &span);
        else if (ascii && fast[k])
            rc = starts_exec(set, code, &it->exclude_starts[k], slot0 + k, lits_ok, key,
                             len, &span);
        else
            rc = pcre_exec(set, code, key, len, &span);
        if (rc > 0)
            return 1;
        if (rc < 0)
            out->limit_hit = true;
    }
    return 0;
}

/* Starts a new key for the parts' memo (split_part_exec()). */
static void memo_next_key(struct prefilter *pf, size_t n_memo)
{
    if (++pf->memo_gen == 0) {
        /* after 2^32 keys: forget every stamp rather than trust an old one */
        memset(pf->memo_stamp, 0, sizeof(*pf->memo_stamp) * (n_memo ? n_memo : 1));
        pf->memo_gen = 1;
    }
}

/* intent_excluded() for the intent the fuzzy stage chose: 'key_read' when
 * the prefilter's last walk read 'key' (no spelling fixed), whose parts
 * then run from its state; the memo of stage 1 may be another key's. */
static int excluded_after_fuzzy(const struct intent_set *set, long intent,
                                const char *key, size_t len, int key_read,
                                struct match_result *out)
{
    if (set->prefilter) {
        set->prefilter->parts_ok = key_read;
        memo_next_key(set->prefilter, set->n_memo);
    }
    return intent_excluded(set, intent, key, len, key_ascii(key, len), key_read, 0, out);
}

/* Stage 1 over the candidate patterns; patterns of intent 'skip' (or -1)
 * are ignored. */
static int run_patterns(const struct intent_set *set, const char *key, size_t len,
                        const uint32_t *cand, size_t n_cand, int words_ok, long skip,
                        int first_alone, struct match_result *out)
{
    struct intent_set *mset = (struct intent_set *)set; /* statistics and scratch only */
    long best = -1;
    int best_prio = 0, best_exact = 0;
    size_t best_span = 0, i;
    long matched_intent = -1, excl_intent = -1;
    unsigned mask = 0;
    int excluded = 0, ascii = key_ascii(key, len);

    if (set->prefilter)
        set->prefilter->parts_ok = cand != NULL;
    if (set->prefilter)
        memo_next_key(set->prefilter, set->n_memo);

    for (i = 0; i < n_cand; i++) {
        const struct pattern *p = &set->patterns[cand ? cand[i] : i];
        size_t span = 0;
        int rc;

        if (best >= 0 && p->priority < best_prio)
            break; /* sorted by priority: nothing below can win */
        if (best >= 0 && first_alone && set->patterns[best].alone)
            break; /* the intent is decided, and no language is asked for */
        if (p->intent == skip)
            continue;
        /* Alone at its priority, an intent that matched in this language
         * can only gain span, and spans only rank intents of one priority. */
        if (p->alone && p->intent == matched_intent && (mask & (1u << p->lang)))
            continue;
        out->n_tried++;
        rc = pattern_exec(set, p, key, len, words_ok, ascii, &span);
        if (rc == 0)
            continue;
        if (rc < 0) {
            out->limit_hit = true;
            mset->limit_hits++;
            continue;
        }
        /* patterns are sorted by intent within a priority: one check each */
        if (set->intents[p->intent].exclude.n) {
            if (p->intent != excl_intent) {
                excl_intent = p->intent;
                excluded = intent_excluded(set, p->intent, key, len, ascii, cand != NULL,
                                           words_ok, out);
            }
            if (excluded)
                continue;
        }
        if (p->intent == matched_intent)
            mask |= 1u << p->lang;
        /* Spans rank the matches of one priority, so the whole-pattern
         * spans are computed only when a second match needs them (an
         * intent alone at its priority never does). */
        if (best >= 0 && !p->alone) {
            if (!best_exact &&
                pattern_span(set, &set->patterns[best], key, len, &best_span) < 0) {
                out->limit_hit = true;
                mset->limit_hits++;
            }
            best_exact = 1;
            if (pattern_span(set, p, key, len, &span) < 0) {
                out->limit_hit = true;
                mset->limit_hits++;
            }
        }
        if (best < 0 || span > best_span) {
            if (p->intent != matched_intent)
                mask = 1u << p->lang;
            matched_intent = p->intent;
            best = (long)(cand ? cand[i] : i);
            best_prio = p->priority;
            best_span = span;
            best_exact = best_exact && !p->alone;
        }
    }
    if (best >= 0) {
        out->intent = set->patterns[best].intent;
        out->stage = MATCH_PATTERN;
        out->pattern = best;
        out->score = 1.0;
        out->lang_mask = mask;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Fuzzy stage                                                         */
/* ------------------------------------------------------------------ */

/* When the danger model turns a reply into emergency (see apply_alarm()).
 * Set on the 2,562 questions of tests/suites/eval (dev and test) and of
 * blind set E, none of which the model learnt from:
 * - a message nothing understood: from log-odds 28. No question there that
 *   is not an emergency and ended as "not understood" scored above 25.9;
 *   70% of emergency's examples, each scored without its own counts, reach
 *   28.
 * - a message another intent understood: only on overwhelming evidence,
 *   log-odds 32 and 6.0 per feature (log-odds / sqrt(distinct features):
 *   long messages add up evidence word after word), and only when the
 *   fuzzy stage, asked then, also finds emergency's examples closest. The
 *   highest question of another intent there had 5.2 per feature; 56% of
 *   emergency's examples, scored as above, clear the first two bars. The
 *   third keeps worried questions about a runaway teen or a sister seen at
 *   a hotel with an older man with their intents.
 * - a long message nothing understood also needs 3.0 per feature (session
 *   18): the sum grows with the words, and a hundred-word message about
 *   homework, sleep or a car that will not start at minus thirty reached 33
 *   to 44 (2.2 to 2.8 per feature) from words that each lean a little
 *   towards danger. Below about 87 features the 28 decides alone. Over
 *   48,843 questions tuned on and 5,749 held out, the emergencies the model
 *   answered had 3.4 per feature or more, long ones 6.2 or more; seven
 *   long questions of other topics fell under 3.0.
 * ALARM_FALLBACK_LOG_ODDS is in match.h: dialogue.c holds the end of a long
 * message to the same bar. */
#define ALARM_OVERRIDE_LOG_ODDS 32.0
#define ALARM_OVERRIDE_STRENGTH 6.0
#define ALARM_FALLBACK_STRENGTH 3.0

#define FUZZY_MAX_FEATURES   1024
#define FUZZY_MIN_SCORE      0.55
#define FUZZY_MIN_MARGIN     0.08
#define FUZZY_EMERGENCY      0.80
#define FUZZY_WORD_WEIGHT    0.5f
#define FUZZY_UNKNOWN_WEIGHT 0.5f

struct fuzzy_doc {
    long intent;
    int lang;
    long index;
};

struct posting {
    /* its doc's score slot in fuzzy_index.acc (allocated once, at load): the
     * scatter-add works out no address from a doc number */
    float *slot;
    float w;
    /* w times its feature's idf, rounded as fuzzy_run() would round it: what
     * a query feature of tf 1 adds, without a multiplication a posting */
    float wi;
};

struct fuzzy_index {
    size_t n_docs;
    struct fuzzy_doc *docs;
    /* feature hash -> feature id, open addressing */
    uint64_t *keys;
    uint32_t *ids;
    size_t cap;
    size_t n_features;
    float *idf;
    uint32_t *post_start; /* n_features + 1 */
    struct posting *post;
    float idf_unknown;
    /* docs are laid out by intent, then language: the examples of intent i
     * in language l are docs [range[i * LANG_COUNT + l], the next one) */
    uint32_t *range;
    /* scratch: a score per doc, all 0 between calls; never moved, the
     * postings point into it */
    float *acc;
    float *intent_best;
};

struct feature {
    uint64_t h;
    float tf;
};

static uint64_t feat_hash(char type, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ (unsigned char)type;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

/* Sorts features by hash: qsort()'s indirect comparisons were half the
 * cost of the fuzzy stage. Quicksort on the middle element, insertion sort
 * below 16; equal hashes are merged afterwards, so stability is moot. */
static void feat_sort(struct feature *f, size_t n)
{
    while (n > 16) {
        uint64_t pivot = f[n / 2].h;
        size_t i = 0, j = n - 1;
        for (;;) {
            struct feature t;
            while (f[i].h < pivot)
                i++;
            while (f[j].h > pivot)
                j--;
            if (i >= j)
                break;
            t = f[i];
            f[i++] = f[j];
            f[j--] = t;
        }
        /* recurse on the smaller side, loop on the larger */
        if (j + 1 < n - j - 1) {
            feat_sort(f, j + 1);
            f += j + 1;
            n -= j + 1;
        } else {
            feat_sort(f + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        struct feature t = f[i];
        size_t k = i;
        while (k > 0 && f[k - 1].h > t.h) {
            f[k] = f[k - 1];
            k--;
        }
        f[k] = t;
    }
}

/* Features of a key: its words and the character trigrams of each word
 * padded with spaces; counts merged. Returns the number of features. */
static size_t features_of(const char *key, size_t len, struct feature *f, size_t max)
{
    size_t n = 0, i = 0, out = 0, k;

    while (i < len && n < max) {
        size_t s, e, wl;
        char buf[64];
        while (i < len && key[i] == ' ')
            i++;
        s = i;
        while (i < len && key[i] != ' ')
            i++;
        e = i;
        if (e == s)
            break;
        wl = e - s;
        f[n].h = feat_hash('w', key + s, wl);
        f[n++].tf = FUZZY_WORD_WEIGHT;
        if (wl > sizeof(buf) - 2)
            wl = sizeof(buf) - 2;
        buf[0] = ' ';
        memcpy(buf + 1, key + s, wl);
        buf[wl + 1] = ' ';
        for (k = 0; k + 3 <= wl + 2 && n < max; k++) {
            f[n].h = feat_hash('t', buf + k, 3);
            f[n++].tf = 1.0f;
        }
    }
    if (n == 0)
        return 0;
    feat_sort(f, n);
    for (i = 0; i < n; i++) {
        if (out > 0 && f[out - 1].h == f[i].h)
            f[out - 1].tf += f[i].tf;
        else
            f[out++] = f[i];
    }
    for (i = 0; i < out; i++)
        f[i].tf = f[i].tf <= 1.0f ? f[i].tf : 1.0f + logf(f[i].tf);
    return out;
}

static long fuzzy_lookup(const struct fuzzy_index *fx, uint64_t h)
{
    size_t m = fx->cap - 1, j = (size_t)h & m;

    while (fx->keys[j]) {
        if (fx->keys[j] == h)
            return (long)fx->ids[j];
        j = (j + 1) & m;
    }
    return -1;
}

static void fuzzy_free(struct fuzzy_index *fx)
{
    if (!fx)
        return;
    alloc_free(fx->docs);
    alloc_free(fx->keys);
    alloc_free(fx->ids);
    alloc_free(fx->idf);
    alloc_free(fx->post_start);
    alloc_free(fx->post);
    alloc_free(fx->range);
    alloc_free(fx->acc);
    alloc_free(fx->intent_best);
    alloc_free(fx);
}

static struct fuzzy_index *fuzzy_build(const struct intent_set *set)
{
    struct fuzzy_index *fx = alloc_calloc(1, sizeof(*fx));
    struct feature *f = NULL;
    char *key = NULL;
    size_t i, k, d, total = 0, key_cap = 0;
    int l, pass;
    uint32_t *fill = NULL;
    float *norm = NULL;

    if (!fx)
        return NULL;
    for (i = 0; i < set->n_intents; i++)
        for (l = 0; l < LANG_COUNT; l++)
            fx->n_docs += set->intents[i].examples[l].n;
    fx->docs = alloc_calloc(fx->n_docs ? fx->n_docs : 1, sizeof(*fx->docs));
    fx->acc = alloc_calloc(fx->n_docs ? fx->n_docs : 1, sizeof(*fx->acc));
    fx->range = alloc_calloc(set->n_intents * LANG_COUNT + 1, sizeof(*fx->range));
    fx->intent_best = alloc_calloc(set->n_intents ? set->n_intents : 1, sizeof(float));
    norm = alloc_calloc(fx->n_docs ? fx->n_docs : 1, sizeof(*norm));
    f = alloc_malloc(FUZZY_MAX_FEATURES * sizeof(*f));
    if (!fx->docs || !fx->acc || !fx->range || !fx->intent_best || !f || !norm)
        goto fail;
    d = 0;
    for (i = 0; i < set->n_intents; i++)
        for (l = 0; l < LANG_COUNT; l++)
            for (k = 0, fx->range[i * LANG_COUNT + l] = (uint32_t)d;
                 k < set->intents[i].examples[l].n; k++) {
                fx->docs[d].intent = (long)i;
                fx->docs[d].lang = l;
                fx->docs[d++].index = (long)k;
            }
    fx->range[set->n_intents * LANG_COUNT] = (uint32_t)d;
    /* Pass 0 counts features and document frequencies; pass 1 fills the
     * postings. */
    fx->cap = 1024;
    for (pass = 0; pass < 2; pass++) {
        for (d = 0; d < fx->n_docs; d++) {
            const char *text = set->intents[fx->docs[d].intent]
                                   .examples[fx->docs[d].lang]
                                   .items[fx->docs[d].index]
                                   .text;
            size_t len = strlen(text), nf, j, klen;
            if (len + 1 > key_cap) {
                char *nk = alloc_realloc(key, len + 1);
                if (!nk)
                    goto fail;
                key = nk;
                key_cap = len + 1;
            }
            if (norm_text(text, len, key, key_cap, &klen) < 0)
                klen = 0, key[0] = '\0';
            nf = features_of(key, klen, f, FUZZY_MAX_FEATURES);
            for (j = 0; j < nf; j++) {
                if (pass == 0) {
                    size_t m, s;
                    if (!fx->keys || (fx->n_features + 1) * 2 > fx->cap) {
                        /* grow and rehash */
                        size_t ncap = fx->keys ? fx->cap * 2 : fx->cap;
                        uint64_t *nk = alloc_calloc(ncap, sizeof(*nk));
                        uint32_t *ni = alloc_calloc(ncap, sizeof(*ni));
                        if (!nk || !ni) {
                            alloc_free(nk);
                            alloc_free(ni);
                            goto fail;
                        }
                        for (s = 0; fx->keys && s < fx->cap; s++) {
                            size_t t;
                            if (!fx->keys[s])
                                continue;
                            t = (size_t)fx->keys[s] & (ncap - 1);
                            while (nk[t])
                                t = (t + 1) & (ncap - 1);
                            nk[t] = fx->keys[s];
                            ni[t] = fx->ids[s];
                        }
                        alloc_free(fx->keys);
                        alloc_free(fx->ids);
                        fx->keys = nk;
                        fx->ids = ni;
                        fx->cap = ncap;
                    }
                    m = fx->cap - 1;
                    s = (size_t)f[j].h & m;
                    while (fx->keys[s] && fx->keys[s] != f[j].h)
                        s = (s + 1) & m;
                    if (!fx->keys[s]) {
                        fx->keys[s] = f[j].h;
                        fx->ids[s] = (uint32_t)fx->n_features++;
                    }
                    total++;
                } else {
                    long id = fuzzy_lookup(fx, f[j].h);
                    float w = f[j].tf * fx->idf[id];
                    struct posting *pp = &fx->post[fx->post_start[id] + fill[id]++];
                    pp->slot = fx->acc + d;
                    pp->w = w;
                    norm[d] += w * w;
                }
            }
        }
        if (pass == 0) {
            size_t s;
            fx->idf = alloc_calloc(fx->n_features ? fx->n_features : 1, sizeof(*fx->idf));
            fx->post_start = alloc_calloc(fx->n_features + 1, sizeof(*fx->post_start));
            fx->post = alloc_calloc(total ? total : 1, sizeof(*fx->post));
            fill = alloc_calloc(fx->n_features ? fx->n_features : 1, sizeof(*fill));
            if (!fx->idf || !fx->post_start || !fx->post || !fill || !fx->keys)
                goto fail;
            /* Document frequencies: a second counting walk is cheaper than
             * keeping per-document feature lists. */
            for (d = 0; d < fx->n_docs; d++) {
                const char *text = set->intents[fx->docs[d].intent]
                                       .examples[fx->docs[d].lang]
                                       .items[fx->docs[d].index]
                                       .text;
                size_t len = strlen(text), nf, j, klen;
                if (norm_text(text, len, key, key_cap, &klen) < 0)
                    klen = 0;
                nf = features_of(key, klen, f, FUZZY_MAX_FEATURES);
                for (j = 0; j < nf; j++)
                    fx->post_start[fuzzy_lookup(fx, f[j].h) + 1]++;
            }
            for (s = 0; s < fx->n_features; s++) {
                float df = (float)fx->post_start[s + 1];
                fx->idf[s] = logf(1.0f + (float)fx->n_docs / df);
            }
            for (s = 0; s < fx->n_features; s++)
                fx->post_start[s + 1] += fx->post_start[s];
            fx->idf_unknown = logf(1.0f + (float)fx->n_docs);
        }
    }
    /* Normalise every posting by its document's length. */
    for (i = 0; i < total; i++) {
        float n2 = norm[fx->post[i].slot - fx->acc];
        fx->post[i].w /= n2 > 0 ? sqrtf(n2) : 1.0f;
    }
    for (i = 0; i < fx->n_features; i++)
        for (k = fx->post_start[i]; k < fx->post_start[i + 1]; k++)
            fx->post[k].wi = fx->idf[i] * fx->post[k].w;
    alloc_free(fill);
    alloc_free(norm);
    alloc_free(f);
    alloc_free(key);
    return fx;
fail:
    alloc_free(fill);
    alloc_free(norm);
    alloc_free(f);
    alloc_free(key);
    fuzzy_free(fx);
    return NULL;
}

/* The largest of the 'n' scores at 'a' (0 when none is larger), which it
 * sets back to 0 for the next message. Four lanes: the comparisons do not
 * wait on each other. */
static float max_score_clear(float *a, size_t n)
{
    float m[4] = {0, 0, 0, 0};
    size_t i;

#ifdef __SSE2__
    /* the same lanes in one register: _mm_max_ps(x, y) is x > y ? x : y */
    __m128 v = _mm_setzero_ps();
    for (i = 0; i + 4 <= n; i += 4) {
        v = _mm_max_ps(_mm_loadu_ps(a + i), v);
        _mm_storeu_ps(a + i, _mm_setzero_ps());
    }
    _mm_storeu_ps(m, v);
#else
    for (i = 0; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            m[k] = a[i + k] > m[k] ? a[i + k] : m[k];
            a[i + k] = 0;
        }
#endif
    for (; i < n; i++) {
        m[0] = a[i] > m[0] ? a[i] : m[0];
        a[i] = 0;
    }
    m[0] = m[1] > m[0] ? m[1] : m[0];
    m[2] = m[3] > m[2] ? m[3] : m[2];
    return m[2] > m[0] ? m[2] : m[0];
}

/* Adds 'qw' times each posting's weight to its doc's score, eight
 * postings a turn, in the order of the plain loop: the order of the
 * additions decides the scores. */
static void add_postings(const struct posting *p, const struct posting *end, float qw)
{
    for (; p + 8 <= end; p += 8) {
        *p[0].slot += qw * p[0].w;
        *p[1].slot += qw * p[1].w;
        *p[2].slot += qw * p[2].w;
        *p[3].slot += qw * p[3].w;
        *p[4].slot += qw * p[4].w;
        *p[5].slot += qw * p[5].w;
        *p[6].slot += qw * p[6].w;
        *p[7].slot += qw * p[7].w;
    }
    for (; p < end; p++)
        *p->slot += qw * p->w;
}

/* add_postings() for a query feature of tf 1, whose qw is then its idf:
 * qw * w is the posting's wi, the same float (where floats are computed as
 * floats: FLT_EVAL_METHOD 0, no contraction into fma, as with -std=c11). */
static void add_postings_idf(const struct posting *p, const struct posting *end)
{
    for (; p + 8 <= end; p += 8) {
        *p[0].slot += p[0].wi;
        *p[1].slot += p[1].wi;
        *p[2].slot += p[2].wi;
        *p[3].slot += p[3].wi;
        *p[4].slot += p[4].wi;
        *p[5].slot += p[5].wi;
        *p[6].slot += p[6].wi;
        *p[7].slot += p[7].wi;
    }
    for (; p < end; p++)
        *p->slot += p->wi;
}

static void fuzzy_run(const struct intent_set *set, const char *key, size_t len,
                      long ex_intent, int ex_lang, long ex_index,
                      struct match_result *out)
{
    struct fuzzy_index *fx = set->fuzzy;
    float *acc; /* not restrict: the postings' slots point into it */
    struct feature f[256];
    size_t nf, j, i;
    float qnorm = 0, best_lang[LANG_COUNT] = {0};
    long best = -1, second = -1;

    if (!fx || fx->n_docs == 0)
        return;
    acc = fx->acc;
    nf = features_of(key, len, f, sizeof(f) / sizeof(f[0]));
    for (j = 0; j < nf; j++) {
        long id = fuzzy_lookup(fx, f[j].h);
        float qw = f[j].tf * (id >= 0 ? fx->idf[id] : fx->idf_unknown);
        /* An unknown feature is as likely a typo as a sign of another
         * topic: it lowers the similarity, but less than a known one. */
        qnorm += id >= 0 ? qw * qw : FUZZY_UNKNOWN_WEIGHT * qw * qw;
        /* Features in more than a fifth of the examples ("de", " th")
         * weigh little and have the longest postings: skip them. */
        if (id < 0 || fx->post_start[id + 1] - fx->post_start[id] > fx->n_docs / 5 + 8)
            continue;
        /* Most features reach a good share of the examples: a score for
         * every doc, read whole below, costs less than keeping a list of
         * the docs touched. */
        if (FLT_EVAL_METHOD == 0 && f[j].tf == 1.0f)
            add_postings_idf(fx->post + fx->post_start[id],
                             fx->post + fx->post_start[id + 1]);
        else
            add_postings(fx->post + fx->post_start[id], fx->post + fx->post_start[id + 1],
                         qw);
    }
    if (qnorm <= 0) {
        memset(acc, 0, fx->n_docs * sizeof(*acc));
        return;
    }
    qnorm = sqrtf(qnorm);
    /* the self-test's own example does not count */
    if (ex_intent >= 0 && ex_lang >= 0 && ex_index >= 0)
        acc[fx->range[ex_intent * LANG_COUNT + ex_lang] + (size_t)ex_index] = 0;
    for (i = 0; i < set->n_intents; i++) {
        fx->intent_best[i] = 0;
        for (int l = 0; l < LANG_COUNT; l++) {
            uint32_t a = fx->range[i * LANG_COUNT + (size_t)l];
            /* dividing after the max gives the same as before it: x / q
             * is monotonic in x for q > 0 */
            float s =
                max_score_clear(acc + a, fx->range[i * LANG_COUNT + (size_t)l + 1] - a) /
                qnorm;
            if (s > fx->intent_best[i])
                fx->intent_best[i] = s;
            if (s > best_lang[l])
                best_lang[l] = s;
        }
    }
    for (i = 0; i < set->n_intents; i++) {
        float s = fx->intent_best[i];
        if (s <= 0)
            continue;
        if (best < 0 || s > fx->intent_best[best]) {
            second = best;
            best = (long)i;
        } else if (second < 0 || s > fx->intent_best[second]) {
            second = (long)i;
        }
        /* closest intents for suggestions: never fallback or emergency */
        if ((long)i != set->fallback && (long)i != set->emergency) {
            size_t c = out->n_close;
            if (c < MATCH_MAX_CLOSE)
                out->n_close++;
            else if (s <= out->close_score[MATCH_MAX_CLOSE - 1])
                continue;
            else
                c = MATCH_MAX_CLOSE - 1;
            while (c > 0 && out->close_score[c - 1] < s) {
                out->close[c] = out->close[c - 1];
                out->close_score[c] = out->close_score[c - 1];
                c--;
            }
            out->close[c] = (long)i;
            out->close_score[c] = s;
        }
    }
    if (best_lang[LANG_FR] > best_lang[LANG_EN] + 0.05f)
        out->fuzzy_lang = LANG_FR;
    else if (best_lang[LANG_EN] > best_lang[LANG_FR] + 0.05f)
        out->fuzzy_lang = LANG_EN;
    if (best >= 0) {
        float s = fx->intent_best[best];
        float s2 = second >= 0 ? fx->intent_best[second] : 0.0f;
        double need = best == set->emergency ? FUZZY_EMERGENCY : FUZZY_MIN_SCORE;
        out->score = s;
        out->fuzzy_best = best;
        out->fuzzy_margin = s - s2;
        if (s >= need && s - s2 >= FUZZY_MIN_MARGIN && best != set->fallback) {
            out->intent = best;
            out->stage = MATCH_FUZZY;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

/* The spelling vocabulary: the folded words of every example and
 * counter-example (each occurrence counts), and the words of the literals
 * the prefilter and the word index already extracted from the patterns
 * and the excludes (known, without frequency). */
static int spell_add_list(struct spell *sp, const struct intent_list *list)
{
    char stack_key[512];
    size_t i;

    for (i = 0; i < list->n; i++) {
        const char *s = list->items[i].text;
        size_t klen;
        char *key;
        int rc = norm_key(s, strlen(s), stack_key, sizeof(stack_key), &key, &klen);

        if (rc == 0)
            rc = spell_add_text(sp, key, klen, 1);
        norm_key_release(key, stack_key);
        if (rc == VIGIE_ENOMEM)
            return rc;
    }
    return 0;
}

static int spell_add_words(struct spell *sp, const struct word_alts *wa)
{
    size_t k;

    for (k = 0; k < wa->n; k++) {
        size_t n = strlen(wa->lits[k]);
        if (spell_add_text(sp, wa->lits[k], n, 0) < 0)
            return VIGIE_ENOMEM;
        /* `flood\w*`: "flooding" is as known as "flood" (spell_add_stem()
         * keeps single words of a-z only) */
        if (wa->end[k] == WORD_END_REST_OF_WORD && spell_add_stem(sp, wa->lits[k], n) < 0)
            return VIGIE_ENOMEM;
    }
    return 0;
}

/* The words of a split pattern or exclude's parts, and of their compound
 * vetoes' parts. */
static int spell_add_parts(struct spell *sp, const struct pattern *p)
{
    for (unsigned k = 0; k < p->n_parts; k++) {
        if (spell_add_words(sp, &p->parts[k].words) < 0)
            return VIGIE_ENOMEM;
        if (p->parts[k].sub && spell_add_parts(sp, p->parts[k].sub) < 0)
            return VIGIE_ENOMEM;
    }
    return 0;
}

static struct spell *spell_build(const struct intent_set *set)
{
    struct spell *sp = spell_new();
    size_t i, k;
    int l;

    if (!sp)
        return NULL;
    for (i = 0; i < set->n_intents; i++)
        for (l = 0; l < LANG_COUNT; l++)
            if (spell_add_list(sp, &set->intents[i].examples[l]) < 0 ||
                spell_add_list(sp, &set->intents[i].counters[l]) < 0)
                goto fail;
    for (i = 0; i < set->n_patterns; i++) {
        const struct pattern *p = &set->patterns[i];
        for (k = 0; k < p->words_lits.n; k++)
            if (spell_add_text(sp, p->words_lits.lits[k], strlen(p->words_lits.lits[k]),
                               0) < 0)
                goto fail;
        if (spell_add_words(sp, &p->words) < 0 || spell_add_parts(sp, p) < 0)
            goto fail;
    }
    /* an exclude's words too: corrected away, they could veto nothing */
    for (i = 0; i < set->n_intents; i++) {
        const struct intent *it = &set->intents[i];
        for (k = 0; it->exclude_req && k < it->exclude.n; k++) {
            for (size_t j = 0; j < it->exclude_req[k].n; j++)
                if (spell_add_text(sp, it->exclude_req[k].lits[j],
                                   strlen(it->exclude_req[k].lits[j]), 0) < 0)
                    goto fail;
            if (it->exclude_split && spell_add_parts(sp, &it->exclude_split[k]) < 0)
                goto fail;
        }
    }
    if (spell_finish(sp) < 0)
        goto fail;
    return sp;
fail:
    spell_free(sp);
    return NULL;
}

/* Marks the patterns of an intent that no other intent shares its
 * priority with (struct pattern.alone); the set is sorted by priority. */
static void mark_alone(struct intent_set *set)
{
    size_t i = 0, j, k;

    while (i < set->n_patterns) {
        int alone = 1;
        for (j = i; j < set->n_patterns &&
                    set->patterns[j].priority == set->patterns[i].priority;
             j++)
            if (set->patterns[j].intent != set->patterns[i].intent)
                alone = 0;
        for (k = i; k < j; k++)
            set->patterns[k].alone = alone;
        i = j;
    }
}

int match_index_build(struct intent_set *set)
{
    mark_alone(set);
    set->prefilter = prefilter_build(set);
    if (!set->prefilter)
        return VIGIE_ENOMEM;
    set->prefilter->words = word_index_build(set);
    if (!set->prefilter->words || lead_build(set) < 0)
        goto fail;
    set->fuzzy = fuzzy_build(set);
    if (!set->fuzzy)
        goto fail;
    set->spell = spell_build(set);
    if (!set->spell)
        goto fail;
    set->alarm = alarm_build(set);
    if (!set->alarm)
        goto fail;
    return 0;
fail:
    match_index_free(set);
    return VIGIE_ENOMEM;
}

void match_index_free(struct intent_set *set)
{
    prefilter_free(set->prefilter);
    fuzzy_free(set->fuzzy);
    spell_free(set->spell);
    alarm_free(set->alarm);
    set->prefilter = NULL;
    set->fuzzy = NULL;
    set->spell = NULL;
    set->alarm = NULL;
}

/* Stage 1 on the whole key: prefilter, word index, patterns. */
static void stage_patterns(const struct intent_set *set, const char *key, size_t len,
                           int first_alone, struct match_result *out)
{
    size_t n = prefilter_run(set->prefilter, key, len);

    run_patterns(set, key, len, set->prefilter->cand, n,
                 word_index_run(set->prefilter->words, key, len), -1, first_alone, out);
}

/* 1 when the fuzzy stage on corrected key 'ck' puts emergency first: the
 * check an emergency found on guessed words must pass. */
static int corrected_fuzzy_agrees(const struct intent_set *set, const char *ck,
                                  size_t clen)
{
    struct match_result fz;
    result_init(set, &fz);
    fuzzy_run(set, ck, clen, -1, -1, -1, &fz);
    return fz.fuzzy_best == set->emergency;
}

/* Stage 1b: the patterns on the corrected key 'ck'. An emergency there
 * stands only when the fuzzy stage on 'ck' also puts emergency first, or
 * when no word of 'ck' was guessed ('n_guessed' 0: every fix came from the
 * texting table, "trapt" -> "trapped"); otherwise the other intents decide.
 * Returns 1 when a pattern matched ('out' filled), else 0. */
static int stage_corrected(const struct intent_set *set, const char *ck, size_t clen,
                           unsigned n_fixed, unsigned n_guessed, int first_alone,
                           struct match_result *out)
{
    struct match_result c;
    unsigned tried = out->n_tried;

    result_init(set, &c);
    stage_patterns(set, ck, clen, first_alone, &c);
    if (c.stage == MATCH_PATTERN && c.intent == set->emergency && n_guessed > 0) {
        if (!corrected_fuzzy_agrees(set, ck, clen)) {
            unsigned t = c.n_tried;
            size_t n = prefilter_run(set->prefilter, ck, clen);
            result_init(set, &c);
            c.n_tried = t;
            run_patterns(set, ck, clen, set->prefilter->cand, n,
                         word_index_run(set->prefilter->words, ck, clen), set->emergency,
                         first_alone, &c);
        }
    }
    if (c.stage != MATCH_PATTERN)
        return 0;
    c.limit_hit = c.limit_hit || out->limit_hit;
    c.n_tried += tried;
    c.stage = MATCH_CORRECTED;
    c.n_corrected = n_fixed;
    *out = c;
    return 1;
}

/* Emergency outranks every intent, whatever the spelling: when a pattern
 * answered another intent, the key with its texting forms read as words
 * ("pls cal 911 i cnt talk hes rite here") is read once more, and an
 * emergency pattern there answers, unless emergency's own excludes veto
 * the key as typed. Only the texting table, not edit distance: it costs a
 * few hash probes a word on every message, and a guessed word needs the
 * fuzzy stage's agreement (stage 1b), which long messages seldom give.
 * 'out' is stage 1's answer; it changes only to emergency. */
static void emergency_respelled(const struct intent_set *set, const char *key, size_t len,
                                int first_alone, struct match_result *out)
{
    char stack_key[512];
    char *ck = stack_key;
    size_t cap = SPELL_OUT_CAP(len), clen = 0;
    int n_fixed;
    struct match_result c;

    if (!set->spell || set->emergency < 0 || out->intent == set->emergency)
        return;
    if (cap > sizeof(stack_key) && !(ck = alloc_malloc(cap)))
        return;
    n_fixed = spell_texting(set->spell, key, len, ck, cap, &clen);
    if (n_fixed > 0) {
        result_init(set, &c);
        stage_patterns(set, ck, clen, first_alone, &c);
        out->n_tried += c.n_tried;
        out->limit_hit = out->limit_hit || c.limit_hit;
        if (c.stage == MATCH_PATTERN && c.intent == set->emergency &&
            !(set->intents[c.intent].exclude.n &&
              excluded_after_fuzzy(set, c.intent, key, len, 0, out))) {
            c.n_tried = out->n_tried;
            c.limit_hit = out->limit_hit;
            c.stage = MATCH_CORRECTED;
            c.n_corrected = (unsigned)n_fixed;
            *out = c;
        }
    }
    if (ck != stack_key)
        alloc_free(ck);
}

bool match_alarm_answers(double log_odds, size_t n_features)
{
    return log_odds >= ALARM_FALLBACK_LOG_ODDS &&
           log_odds >= ALARM_FALLBACK_STRENGTH * sqrt((double)n_features);
}

/* Whether word 'w' (n bytes) is in 'list', or starts with one of 'stems'. */
static int word_listed(const char *w, size_t n, const char *const *list, size_t n_list,
                       const char *const *stems, size_t n_stems)
{
    for (size_t k = 0; k < n_list; k++)
        if (strlen(list[k]) == n && memcmp(w, list[k], n) == 0)
            return 1;
    for (size_t k = 0; k < n_stems; k++) {
        size_t m = strlen(stems[k]);
        if (n >= m && memcmp(w, stems[k], m) == 0)
            return 1;
    }
    return 0;
}

/* Whether the key laughs ("lol", "mdr", "haha"...) and says nothing of a
 * danger the person cannot laugh off (help, a lock, a passport, 911,
 * "serious"). The catalogue's danger patterns veto laughter the same way;
 * the model, which weighs words one by one, heard a birthday "kidnapping"
 * with "lol" and a film's abduction "lol" as danger now. */
static int key_laughs_it_off(const char *key, size_t len)
{
    static const char *const laugh[] = {"lol",  "lool", "lmao", "lmfao", "mdr", "ptdr",
                                        "rofl", "jk",   "xd",   "hehe",  "hihi"};
    static const char *const laugh_stems[] = {"haha"};
    static const char *const grave[] = {"help",     "aide",    "aidez",   "911",
                                        "sos",      "serious", "serieux", "serieuse",
                                        "vraiment", "actually"};
    static const char *const grave_stems[] = {"lock",    "verrou",   "enferm",
                                              "barre",   "passport", "passeport",
                                              "trapped", "pogne",    "prisonn"};
    int laughs = 0;
    size_t s = 0;

    while (s < len) {
        size_t e = s;
        while (e < len && key[e] != ' ')
            e++;
        if (word_listed(key + s, e - s, grave, sizeof(grave) / sizeof(grave[0]),
                        grave_stems, sizeof(grave_stems) / sizeof(grave_stems[0])))
            return 0;
        laughs = laughs || word_listed(key + s, e - s, laugh,
                                       sizeof(laugh) / sizeof(laugh[0]), laugh_stems, 1);
        s = e + 1;
    }
    return laughs;
}

/* The danger model's second opinion (alarm.h): a reply that is not already
 * emergency becomes one when the model's evidence clears the bar set for
 * how the reply was reached (see ALARM_FALLBACK_LOG_ODDS). 'ex_*' are the
 * self-test's, as for fuzzy_run(). */
static void apply_alarm(const struct intent_set *set, const char *key, size_t len,
                        enum alarm_own own, long ex_intent, int ex_lang, long ex_index,
                        struct match_result *out)
{
    size_t n_features;
    double bar = ALARM_FALLBACK_LOG_ODDS;

    if (out->intent == set->emergency || set->emergency < 0 || !alarm_trusted(set->alarm))
        return;
    out->alarm = alarm_score(set->alarm, key, len, own, &n_features);
    if (out->intent != set->fallback) {
        struct match_result fz;
        bar = ALARM_OVERRIDE_LOG_ODDS;
        /* the fuzzy stage already chose another intent: no second opinion */
        if (out->stage == MATCH_FUZZY || out->alarm < bar ||
            out->alarm < ALARM_OVERRIDE_STRENGTH * sqrt((double)n_features))
            return;
        result_init(set, &fz);
        fuzzy_run(set, key, len, ex_intent, ex_lang, ex_index, &fz);
        if (fz.fuzzy_best != set->emergency)
            return;
    }
    if (!match_alarm_answers(out->alarm, n_features))
        return;
    if (key_laughs_it_off(key, len))
        return;
    out->intent = set->emergency;
    out->stage = MATCH_ALARM;
    out->pattern = -1;
    out->lang_mask = 0;
    /* 0.5 at the bar, towards 1 with the evidence */
    out->score = 1.0 / (1.0 + exp(-(out->alarm - bar) / 4.0));
}

static int match_run(const struct intent_set *set, const char *key, size_t len,
                     long ex_intent, int ex_lang, long ex_index, int ex_counter,
                     int first_alone, struct match_result *out)
{
    char stack_key[512];
    char *ck = stack_key;
    size_t cap = SPELL_OUT_CAP(len), clen = 0;
    unsigned n_guessed = 0;
    int n_fixed = 0;
    /* the self-test's example was counted by the danger model: where. A
     * counter-example keeps its counts: it is checked as the catalogue
     * answers it, an example as if it had not been written. */
    enum alarm_own own = ex_index < 0 || ex_counter    ? ALARM_OWN_NONE
                         : ex_intent == set->emergency ? ALARM_OWN_DANGER
                                                       : ALARM_OWN_OTHER;

    result_init(set, out);
    if (!set->prefilter)
        return VIGIE_EINVAL;
    stage_patterns(set, key, len, first_alone, out);
    if (out->stage == MATCH_PATTERN) {
        emergency_respelled(set, key, len, first_alone, out);
        apply_alarm(set, key, len, own, ex_counter ? -1 : ex_intent, ex_lang, ex_index,
                    out);
        return 0;
    }
    if (ex_counter)
        ex_intent = -1;
    if (set->spell) {
        if (cap > sizeof(stack_key))
            ck = alloc_malloc(cap);
        if (ck)
            n_fixed = spell_correct(set->spell, key, len, ck, cap, &clen, &n_guessed);
    }
    if (n_fixed > 0) {
        int corrected = stage_corrected(set, ck, clen, (unsigned)n_fixed, n_guessed,
                                        first_alone, out);
        /* What an intent excludes in the message as typed, the corrected
         * spelling does not answer: an exclude may name a word the
         * corrector does not know ("spawn room") and would change. */
        if (corrected && set->intents[out->intent].exclude.n &&
            excluded_after_fuzzy(set, out->intent, key, len, 0, out)) {
            bool limit_hit = out->limit_hit;
            unsigned tried = out->n_tried;
            result_init(set, out);
            out->limit_hit = limit_hit;
            out->n_tried = tried;
            corrected = 0;
        }
        if (!corrected) {
            fuzzy_run(set, ck, clen, ex_intent, ex_lang, ex_index, out);
            out->n_corrected = (unsigned)n_fixed;
        }
    } else {
        fuzzy_run(set, key, len, ex_intent, ex_lang, ex_index, out);
    }
    /* what an intent excludes, its examples' likeness does not answer */
    if (out->stage == MATCH_FUZZY && set->intents[out->intent].exclude.n &&
        excluded_after_fuzzy(set, out->intent, key, len, n_fixed <= 0, out)) {
        out->intent = set->fallback;
        out->stage = MATCH_NONE;
    }
    if (ck && ck != stack_key)
        alloc_free(ck);
    apply_alarm(set, key, len, own, ex_intent, ex_lang, ex_index, out);
    return 0;
}

int match_best_excluding(const struct intent_set *set, const char *key, size_t len,
                         long ex_intent, int ex_lang, long ex_index, int ex_counter,
                         struct match_result *out)
{
    return match_run(set, key, len, ex_intent, ex_lang, ex_index, ex_counter, 0, out);
}

int match_best(const struct intent_set *set, const char *key, size_t len,
               struct match_result *out)
{
    return match_run(set, key, len, -1, -1, -1, 1, 0, out);
}

int match_best_first(const struct intent_set *set, const char *key, size_t len,
                     struct match_result *out)
{
    return match_run(set, key, len, -1, -1, -1, 1, 1, out);
}

int match_patterns_slow(const struct intent_set *set, const char *key, size_t len,
                        struct match_result *out)
{
    result_init(set, out);
    /* pcre2 alone: the reference the fast path is tested against */
    return run_patterns(set, key, len, NULL, set->n_patterns, 0, -1, 0, out);
}
