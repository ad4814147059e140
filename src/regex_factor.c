/*
 * regex_factor.c - rewrites the alternations of a pattern as a trie of
 * their first characters, for pcre2's sake.
 *
 * pcre2 tries an alternation's branches one after the other at every start
 * position: \b(?:years? ago|yrs ago|before|...ninety more...) costs ninety
 * comparisons at every word of the message. Branches that begin with
 * different literal characters can never both match at one position, so
 * their relative order does not matter there; branches that begin with the
 * same character keep theirs. (?:years? ago|yrs ago|before) is thus the
 * same pattern as (?:y(?:ears? ago|rs ago)|before), which pcre2 leaves after
 * one comparison when the word does not begin with 'y' or 'b'.
 *
 * A branch whose first atom is anything else (a class, an escape such as
 * \w, a group, an assertion, a quantified character) is a barrier: the
 * branches on either side of it are never moved across it.
 */
#include "regex_factor.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define FACTOR_MAX_DEPTH 64

struct out {
    char *s;
    size_t n, cap;
    int fail;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->fail)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        char *t;
        while (o->n + n + 1 > cap)
            cap *= 2;
        t = alloc_realloc(o->s, cap);
        if (!t) {
            o->fail = 1;
            return;
        }
        o->s = t;
        o->cap = cap;
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
    o->s[o->n] = '\0';
}

/* see regex_factor.h */
size_t regex_class_end(const char *src, size_t len, size_t i)
{
    i++;
    if (i < len && src[i] == '^')
        i++;
    if (i < len && src[i] == ']')
        i++;
    while (i < len && src[i] != ']') {
        if (src[i] == '\\')
            i++;
        else if (src[i] == '[' && i + 1 < len && src[i + 1] == ':') {
            const char *e = strstr(src + i + 2, ":]");
            if (!e || (size_t)(e - src) >= len)
                return 0;
            i = (size_t)(e - src) + 1;
        }
        i++;
    }
    return i < len ? i : 0;
}

/* see regex_factor.h */
size_t regex_group_end(const char *src, size_t len, size_t i)
{
    int depth = 0;

    for (; i < len; i++) {
        if (src[i] == '\\') {
            i++;
        } else if (src[i] == '[') {
            if (!(i = regex_class_end(src, len, i)))
                return 0;
        } else if (src[i] == '(') {
            depth++;
        } else if (src[i] == ')' && --depth == 0) {
            return i;
        }
    }
    return 0;
}

static int is_quantifier(char c)
{
    return c == '?' || c == '*' || c == '+' || c == '{';
}

/* The length of the first atom of 'b' ('n' bytes) when it is a plain
 * character that is not quantified (a letter, digit, space, apostrophe or
 * an escaped punctuation mark), else 0. */
static size_t first_atom(const char *b, size_t n)
{
    unsigned char c = n ? (unsigned char)b[0] : 0;
    size_t a;

    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '\'' ||
        c == '-')
        a = 1;
    else if (c == '\\' && n >= 2 && strchr(".-'&/,:;!\"#%", b[1]) && b[1])
        a = 2;
    else
        return 0;
    return a < n && is_quantifier(b[a]) ? 0 : a;
}

/* The character an atom of first_atom() matches: ' and \' are one. */
static char atom_char(const char *b, size_t a)
{
    return a == 1 ? b[0] : b[1];
}

static int factor_alt(struct out *o, const char *src, size_t len, int depth);

/* A set of bytes: the characters a branch may begin with. */
struct charset {
    uint64_t bits[4];
};

static void charset_all(struct charset *cs)
{
    memset(cs->bits, 0xff, sizeof(cs->bits));
}

static void charset_add(struct charset *a, const struct charset *b)
{
    for (int k = 0; k < 4; k++)
        a->bits[k] |= b->bits[k];
}

static void charset_put(struct charset *cs, unsigned char c)
{
    cs->bits[c >> 6] |= 1ull << (c & 63);
}

static int charset_has(const struct charset *cs, char c)
{
    unsigned char u = (unsigned char)c;
    return (int)((cs->bits[u >> 6] >> (u & 63)) & 1);
}

/* The characters a match of branch 'b' ('n' bytes) may begin with, into
 * '*cs'; every byte when that is not plain to see (a class, \w, an
 * optional first atom, a branch that may match nothing...). */
static void first_set(const char *b, size_t n, struct charset *cs, int depth)
{
    size_t i = 0;

    memset(cs, 0, sizeof(*cs));
    while (i < n) {
        if (b[i] == '^' || b[i] == '$') {
            i++;
        } else if (b[i] == '\\' && i + 1 < n && strchr("bBAzZGK", b[i + 1])) {
            i += 2; /* zero-width */
        } else if (b[i] == '(' && i + 2 < n && b[i + 1] == '?' &&
                   (b[i + 2] == '=' || b[i + 2] == '!' || b[i + 2] == '<')) {
            size_t e = regex_group_end(b, n, i);
            if (!e)
                break;
            i = e + 1; /* a lookaround: zero-width */
        } else if (b[i] == '(' && depth < FACTOR_MAX_DEPTH) {
            size_t e = regex_group_end(b, n, i), open = b[i + 1] == '?' ? 3 : 1, k, from;
            struct charset alt;
            if (!e || (e + 1 < n && is_quantifier(b[e + 1])))
                break;
            /* the union of its branches' */
            for (k = from = i + open; k <= e; k++) {
                if (k == e || b[k] == '|') {
                    first_set(b + from, k - from, &alt, depth + 1);
                    charset_add(cs, &alt);
                    from = k + 1;
                } else if (b[k] == '\\') {
                    k++;
                } else if (b[k] == '[') {
                    if (!(k = regex_class_end(b, e, k)))
                        break;
                } else if (b[k] == '(') {
                    if (!(k = regex_group_end(b, e, k)))
                        break;
                }
            }
            if (k <= e)
                break;
            return;
        } else {
            size_t a = first_atom(b + i, n - i);
            if (!a)
                break;
            charset_put(cs, (unsigned char)atom_char(b + i, a));
            return;
        }
    }
    charset_all(cs);
}

/* Copies one branch ('n' bytes), its groups' alternations factored. */
static int copy_branch(struct out *o, const char *src, size_t n, int depth)
{
    size_t i = 0;

    while (i < n && !o->fail) {
        if (src[i] == '\\') {
            put(o, src + i, i + 1 < n ? 2 : 1);
            i += 2;
        } else if (src[i] == '[') {
            size_t e = regex_class_end(src, n, i);
            if (!e)
                return -1;
            put(o, src + i, e + 1 - i);
            i = e + 1;
        } else if (src[i] == '(') {
            size_t e = regex_group_end(src, n, i), open = 1;
            if (!e)
                return -1;
            if (src[i + 1] == '?') {
                /* (?: (?= (?! (?>: their contents are factored; a
                 * lookbehind is copied (its branches must keep fixed
                 * lengths). regex_factor() refused everything else. */
                open = strchr(":=!>", src[i + 2]) && src[i + 2] ? 3 : 0;
            }
            if (!open) {
                put(o, src + i, e + 1 - i);
            } else {
                put(o, src + i, open);
                if (factor_alt(o, src + i + open, e - i - open, depth + 1) < 0)
                    return -1;
                put(o, ")", 1);
            }
            i = e + 1;
        } else {
            put(o, src + i, 1);
            i++;
        }
    }
    return o->fail ? -1 : 0;
}

/* Writes alternation 'src' ('len' bytes, no enclosing parentheses)
 * factored. */
static int factor_alt(struct out *o, const char *src, size_t len, int depth)
{
    size_t start[512], end[512], n = 0, i, from = 0;
    unsigned char used[512]; /* 1: written, 2: joins the branch being written */
    struct charset *firsts;

    if (depth > FACTOR_MAX_DEPTH)
        return -1;
    /* split at the top-level '|' */
    for (i = 0; i <= len; i++) {
        if (i == len || src[i] == '|') {
            if (n == sizeof(start) / sizeof(start[0]))
                return -1;
            start[n] = from;
            end[n++] = i;
            from = i + 1;
            if (i == len)
                break;
        } else if (src[i] == '\\') {
            i++;
        } else if (src[i] == '[') {
            if (!(i = regex_class_end(src, len, i)))
                return -1;
        } else if (src[i] == '(') {
            if (!(i = regex_group_end(src, len, i)))
                return -1;
        }
    }
    if (n == 1)
        return copy_branch(o, src, len, depth);
    firsts = alloc_malloc(n * sizeof(*firsts));
    if (!firsts)
        return -1;
    for (i = 0; i < n; i++)
        first_set(src + start[i], end[i] - start[i], &firsts[i], depth);
    memset(used, 0, n);
    for (i = 0; i < n && !o->fail; i++) {
        const char *b = src + start[i];
        size_t bn = end[i] - start[i], a = first_atom(b, bn), j, same = 0;
        struct charset blocked = {{0}};
        if (used[i])
            continue;
        if (i > 0)
            put(o, "|", 1);
        used[i] = 1;
        /* Later branches that begin with the same atom join this one, as
         * long as they do not pass a branch that could match where they
         * do (one whose first characters include theirs). */
        for (j = i + 1; a && j < n; j++) {
            const char *c = src + start[j];
            size_t ca = first_atom(c, end[j] - start[j]);
            if (used[j])
                continue;
            if (ca && atom_char(c, ca) == atom_char(b, a) &&
                !charset_has(&blocked, atom_char(b, a))) {
                used[j] = 2;
                same++;
            } else {
                charset_add(&blocked, &firsts[j]);
            }
        }
        if (same == 0) {
            if (copy_branch(o, b, bn, depth) < 0)
                goto fail;
            continue;
        }
        {
            /* atom(?:rest|rest|...), the rests factored in their turn */
            struct out rest = {0};
            put(o, b, a);
            put(o, "(?:", 3);
            put(&rest, b + a, bn - a);
            for (j = i + 1; j < n; j++) {
                const char *c = src + start[j];
                if (used[j] != 2)
                    continue;
                put(&rest, "|", 1);
                put(&rest, c + first_atom(c, end[j] - start[j]),
                    end[j] - start[j] - first_atom(c, end[j] - start[j]));
                used[j] = 1;
            }
            if (rest.fail || factor_alt(o, rest.s ? rest.s : "", rest.n, depth + 1) < 0) {
                alloc_free(rest.s);
                goto fail;
            }
            alloc_free(rest.s);
            put(o, ")", 1);
        }
    }
    alloc_free(firsts);
    return o->fail ? -1 : 0;
fail:
    alloc_free(firsts);
    return -1;
}

char *regex_factor(const char *src, size_t len)
{
    struct out o = {0};

    /* back references, \Q...\E, \cX, branch resets, verbs, callouts,
     * options and named groups are left as written */
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\\' && i + 1 < len &&
            ((src[i + 1] >= '1' && src[i + 1] <= '9') || strchr("gkQECc", src[i + 1])))
            return NULL;
        if (src[i] == '\\')
            i++;
        else if (src[i] == '[' && i + 1 < len && strchr(":.=", src[i + 1]) && src[i + 1])
            return NULL; /* POSIX classes: pcre2 reads them by rules of its own */
        else if (src[i] == '(' && i + 1 < len &&
                 (src[i + 1] == '*' ||
                  (src[i + 1] == '?' &&
                   !(i + 2 < len && strchr(":=!>", src[i + 2]) && src[i + 2]) &&
                   !(i + 3 < len && src[i + 2] == '<' &&
                     (src[i + 3] == '=' || src[i + 3] == '!')))))
            return NULL;
    }
    if (factor_alt(&o, src, len, 0) < 0 || o.fail) {
        alloc_free(o.s);
        return NULL;
    }
    if (!o.s)
        o.s = alloc_strndup("", 0);
    return o.s;
}
