/*
 * regex_lead.c - the strings every match of a pattern begins with.
 *
 * A part like \b(?:outside (?:my|the) (?:\w+ )?door|downstairs|...) costs
 * pcre2 a try at every word of the key, and a 2 KiB message has four
 * hundred. Every match of it begins with "outside my", "outside the",
 * "downstairs", ...: tried only where the prefilter's walk saw one of those
 * begin (anchored there, in ascending order), pcre2 finds the same leftmost
 * match (see match.c, lead_exec_at()).
 *
 * The reader follows the pattern's sequences and alternations, keeping for
 * each path the bytes read so far: "open" while every atom was a literal
 * (the string is the whole of what the path matched, so the next atom
 * extends it), closed once an atom it cannot spell (\w, ., a wide class, a
 * repeat) was read. Zero-width items (\b, lookarounds, \K) read nothing; a
 * \b before the first byte makes it a word start. Too many strings are cut
 * to shorter prefixes: any prefix of a lead is a lead.
 */
#include "regex_lead.h"

#include <string.h>

#include "alloc.h"
#include "regex_factor.h"

#define LEAD_DEPTH 24
#define CLASS_MAX  8 /* a class of more characters is not spelt out */

struct lstr {
    unsigned char len, open, ws;
    char s[REGEX_LEAD_LEN];
};

struct lset {
    struct lstr *v;
    size_t n, cap;
};

struct reader {
    const char *s;
    size_t i, len;
    int fail;
};

static void lset_free(struct lset *a)
{
    alloc_free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static int same(const struct lstr *a, const struct lstr *b)
{
    return a->len == b->len && a->open == b->open && a->ws == b->ws &&
           memcmp(a->s, b->s, a->len) == 0;
}

/* Adds 'x' unless present; -1 when out of memory. */
static int lset_add(struct lset *a, const struct lstr *x)
{
    for (size_t k = 0; k < a->n; k++)
        if (same(&a->v[k], x))
            return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 8;
        struct lstr *v = alloc_realloc(a->v, cap * sizeof(*v));
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = *x;
    return 0;
}

/* Cuts the longest strings by a byte until at most REGEX_LEAD_MAX remain. */
static void lset_shrink(struct reader *r, struct lset *a)
{
    while (a->n > REGEX_LEAD_MAX) {
        size_t longest = 0, k, out = 0;
        for (k = 0; k < a->n; k++)
            if (a->v[k].len > longest)
                longest = a->v[k].len;
        if (longest <= 1) {
            r->fail = 1;
            return;
        }
        for (k = 0; k < a->n; k++) {
            struct lstr x = a->v[k];
            size_t j;
            if (x.len == longest) {
                x.len--;
                x.open = 0;
            }
            for (j = 0; j < out && !same(&a->v[j], &x); j++)
                ;
            if (j == out)
                a->v[out++] = x;
        }
        a->n = out;
    }
}

/* 'a' followed by one of 'b': open strings of 'a' are extended, closed
 * ones stay. Into 'out' (emptied first). */
static void lset_product(struct reader *r, const struct lset *a, const struct lset *b,
                         struct lset *out)
{
    out->n = 0;
    for (size_t k = 0; k < a->n && !r->fail; k++) {
        const struct lstr *x = &a->v[k];
        if (!x->open) {
            r->fail |= lset_add(out, x) < 0;
            continue;
        }
        for (size_t j = 0; j < b->n && !r->fail; j++) {
            const struct lstr *y = &b->v[j];
            struct lstr t = *x;
            size_t take = y->len;
            if (x->len == 0)
                t.ws = x->ws || y->ws;
            t.open = y->open;
            if (t.len + take > REGEX_LEAD_LEN) {
                take = REGEX_LEAD_LEN - t.len;
                t.open = 0;
            }
            memcpy(t.s + t.len, y->s, take);
            t.len = (unsigned char)(t.len + take);
            r->fail |= lset_add(out, &t) < 0;
        }
    }
    lset_shrink(r, out);
}

static void lset_close(struct lset *a)
{
    for (size_t k = 0; k < a->n; k++)
        a->v[k].open = 0;
}

/* 'a' gets the strings of 'b' too. */
static void lset_union(struct reader *r, struct lset *a, const struct lset *b)
{
    for (size_t k = 0; k < b->n && !r->fail; k++)
        r->fail |= lset_add(a, &b->v[k]) < 0;
    lset_shrink(r, a);
}

static void lset_one(struct reader *r, struct lset *a, const char *s, size_t n, int open)
{
    struct lstr x = {.len = (unsigned char)n, .open = (unsigned char)open, .ws = 0};

    memcpy(x.s, s, n);
    a->n = 0;
    r->fail |= lset_add(a, &x) < 0;
}

static int is_word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* A class at r->s[r->i] == '[': its characters when it is a short list of
 * ASCII literals (ranges spelt out), else an atom that cannot be spelt. */
static void read_class(struct reader *r, struct lset *atom)
{
    size_t end = regex_class_end(r->s, r->len, r->i), k = r->i + 1;
    char chars[CLASS_MAX];
    size_t n = 0;

    if (!end) {
        r->fail = 1;
        return;
    }
    r->i = end + 1;
    if (r->s[k] == '^')
        goto wide;
    while (k < end) {
        char c = r->s[k];
        if ((unsigned char)c >= 0x80 || c == '[')
            goto wide;
        if (c == '\\') {
            c = r->s[k + 1];
            if (is_word_byte(c) || (unsigned char)c >= 0x80)
                goto wide; /* \w, \d, \x.. and the like */
            k++;
        }
        if (k + 2 < end && r->s[k + 1] == '-') {
            char to = r->s[k + 2];
            if (to == '\\')
                goto wide; /* a range up to an escape ([%-\\]): not spelt */
            if ((unsigned char)to >= 0x80 || to < c || (size_t)(to - c) + n >= CLASS_MAX)
                goto wide;
            for (int x = c; x <= to; x++) /* int: 'to' may be 0x7f */
                chars[n++] = (char)x;
            k += 3;
            continue;
        }
        if (n == CLASS_MAX)
            goto wide;
        chars[n++] = c;
        k++;
    }
    atom->n = 0;
    for (k = 0; k < n && !r->fail; k++) {
        struct lstr x = {.len = 1, .open = 1, .ws = 0, .s = {chars[k]}};
        r->fail |= lset_add(atom, &x) < 0;
    }
    return;
wide:
    lset_one(r, atom, "", 0, 0);
}

static void read_alt(struct reader *r, struct lset *out, int depth);

/* Reads a quantifier at r->s[r->i], if any: its minimum and maximum
 * (-1: none); returns 0 when there is none. */
static int read_quant(struct reader *r, long *min, long *max)
{
    const char *s = r->s;
    size_t i = r->i;

    if (i >= r->len)
        return 0;
    if (s[i] == '?' || s[i] == '*' || s[i] == '+') {
        *min = s[i] == '+';
        *max = s[i] == '?' ? 1 : -1;
        i++;
    } else if (s[i] == '{') {
        size_t j = i + 1;
        long a = 0, b;
        if (j >= r->len || s[j] < '0' || s[j] > '9')
            return 0; /* a literal '{' */
        while (j < r->len && s[j] >= '0' && s[j] <= '9' && a < 100000)
            a = a * 10 + (s[j++] - '0');
        b = a;
        if (j < r->len && s[j] == ',') {
            j++;
            b = -1;
            if (j < r->len && s[j] >= '0' && s[j] <= '9')
                for (b = 0; j < r->len && s[j] >= '0' && s[j] <= '9' && b < 100000; j++)
                    b = b * 10 + (s[j] - '0');
        }
        if (j >= r->len || s[j] != '}')
            return 0;
        *min = a;
        *max = b;
        i = j + 1;
    } else {
        return 0;
    }
    if (i < r->len && (s[i] == '?' || s[i] == '+'))
        i++; /* lazy or possessive: the same strings */
    r->i = i;
    return 1;
}

/* Reads one sequence (up to '|', ')' or the end) into 'seq'. */
static void read_seq(struct reader *r, struct lset *seq, int depth)
{
    struct lset atom = {0}, next = {0};
    const char *s = r->s;

    lset_one(r, seq, "", 0, 1);
    while (r->i < r->len && !r->fail && s[r->i] != '|' && s[r->i] != ')') {
        char c = s[r->i];
        long min = 1, max = 1;
        if (c == '\\') {
            char e = r->i + 1 < r->len ? s[r->i + 1] : '\0';
            r->i += 2;
            if (e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G' ||
                e == 'K') {
                if (e == 'b')
                    for (size_t k = 0; k < seq->n; k++)
                        if (seq->v[k].len == 0)
                            seq->v[k].ws = 1;
                continue; /* reads nothing */
            }
            if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S' ||
                e == 'h' || e == 'H' || e == 'v' || e == 'V' || e == 'R' || e == 'N' ||
                e == 'X')
                lset_one(r, &atom, "", 0, 0);
            else if (e != '\0' && !is_word_byte(e) && (unsigned char)e < 0x80)
                lset_one(r, &atom, &e, 1, 1);
            else
                r->fail = 1; /* back references, \Q, \p, \x, \c, ... */
        } else if (c == '^' || c == '$') {
            r->i++;
            if (c == '^')
                for (size_t k = 0; k < seq->n; k++)
                    if (seq->v[k].len == 0)
                        seq->v[k].ws = 1; /* offset 0: the walk's word start */
            continue;
        } else if (c == '.') {
            r->i++;
            lset_one(r, &atom, "", 0, 0);
        } else if (c == '[') {
            read_class(r, &atom);
        } else if (c == '(') {
            size_t end = regex_group_end(s, r->len, r->i);
            if (!end || depth >= LEAD_DEPTH) {
                r->fail = 1;
                break;
            }
            if (s[r->i + 1] == '?' &&
                (s[r->i + 2] == '=' || s[r->i + 2] == '!' ||
                 (s[r->i + 2] == '<' && (s[r->i + 3] == '=' || s[r->i + 3] == '!')))) {
                /* a lookaround reads nothing, quantified or not */
                r->i = end + 1;
                read_quant(r, &min, &max);
                continue;
            }
            if (s[r->i + 1] == '?' && s[r->i + 2] != ':' && s[r->i + 2] != '>') {
                r->fail = 1; /* options, named groups, conditions, ... */
                break;
            }
            if (s[r->i + 1] == '*') {
                r->fail = 1; /* verbs */
                break;
            }
            r->i += s[r->i + 1] == '?' ? 3 : 1;
            read_alt(r, &atom, depth + 1);
            if (r->i != end)
                r->fail = 1;
            r->i = end + 1;
        } else if (c == '*' || c == '+' || c == '?' || c == '{') {
            if (c != '{') {
                r->fail = 1;
                break;
            }
            lset_one(r, &atom, "{", 1, 1);
            r->i++;
        } else {
            /* a character, its UTF-8 bytes together */
            size_t n = 1;
            unsigned char u = (unsigned char)c;
            if (u >= 0xC0)
                n = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : 2;
            if (r->i + n > r->len) {
                r->fail = 1;
                break;
            }
            lset_one(r, &atom, s + r->i, n, 1);
            r->i += n;
        }
        if (r->fail)
            break;
        read_quant(r, &min, &max);
        if (max == 0)
            continue; /* x{0}: nothing */
        lset_product(r, seq, &atom, &next);
        if (max != 1)
            lset_close(&next); /* a repeat: not spelt further */
        if (min == 0)
            lset_union(r, &next, seq);
        { /* swap */
            struct lset t = *seq;
            *seq = next;
            next = t;
        }
    }
    lset_free(&atom);
    lset_free(&next);
}

/* Reads branches up to the ')' that ends them (left at r->i) or the end. */
static void read_alt(struct reader *r, struct lset *out, int depth)
{
    struct lset seq = {0};

    out->n = 0;
    for (;;) {
        read_seq(r, &seq, depth);
        lset_union(r, out, &seq);
        if (r->fail || r->i >= r->len || r->s[r->i] != '|')
            break;
        r->i++;
    }
    lset_free(&seq);
}

/* 1 when a match of 'b' at some position is also one of 'a' (a prefix of
 * it, with no stricter condition): 'b' adds nothing. */
static int covers(const struct lstr *a, const struct lstr *b)
{
    int wa = a->ws && is_word_byte(a->s[0]), wb = b->ws && is_word_byte(b->s[0]);

    return a->len <= b->len && memcmp(a->s, b->s, a->len) == 0 && (!wa || wb);
}

int regex_lead(const char *src, size_t len, struct regex_lead *out)
{
    struct reader r = {src, 0, len, 0};
    struct lset all = {0};
    size_t k, j;

    out->n = 0;
    if (memchr(src, '\0', len))
        return 0;
    read_alt(&r, &all, 0);
    if (r.i != len)
        r.fail = 1; /* an unbalanced ')' */
    for (k = 0; k < all.n && !r.fail; k++)
        if (all.v[k].len == 0)
            r.fail = 1; /* a path that may match nothing, or begin anywhere */
    for (k = 0; k < all.n && !r.fail; k++) {
        for (j = 0; j < all.n; j++)
            if (j != k && covers(&all.v[j], &all.v[k]) &&
                (!covers(&all.v[k], &all.v[j]) || j < k))
                break;
        if (j < all.n)
            continue;
        memcpy(out->lit[out->n], all.v[k].s, all.v[k].len);
        out->lit[out->n][all.v[k].len] = '\0';
        out->word_start[out->n++] =
            (unsigned char)(all.v[k].ws && is_word_byte(all.v[k].s[0]));
    }
    lset_free(&all);
    if (r.fail)
        out->n = 0;
    return out->n > 0;
}

size_t regex_dotstar_at(const char *src, size_t len)
{
    size_t from = 0;
    int depth = 0;

    /* \K(?:(?:...)) around the whole pattern: its inside is the top level */
    if (len >= 2 && src[0] == '\\' && src[1] == 'K')
        from = 2;
    while (len - from > 4 && memcmp(src + from, "(?:", 3) == 0 &&
           regex_group_end(src, len, from) == len - 1) {
        from += 3;
        len--;
    }
    for (size_t i = from; i < len; i++) {
        char c = src[i];
        if (c == '\\') {
            i++; /* the escaped byte; regex_lead() refused the longer forms */
        } else if (c == '[') {
            size_t end = regex_class_end(src, len, i);
            if (!end)
                return 0;
            i = end;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            depth--;
        } else if (depth == 0 && c == '|') {
            return 0;
        } else if (depth == 0 && c == '.' && i > from && i + 1 < len &&
                   src[i + 1] == '*' && (i + 2 == len || src[i + 2] != '+')) {
            return i;
        }
    }
    return 0;
}
