/*
 * alarm.c - naive Bayes on danger (see alarm.h).
 *
 * A text's features are its distinct folded words, pairs of adjacent words,
 * the first ALARM_STEM bytes of its longer words and pairs of adjacent
 * words' first ALARM_PAIR_STEM bytes, hashed to 64 bits. The stems carry
 * what the model learnt from "enfermee" to "enfermer" and from "locked in"
 * to "locking in". Measured with a replica of this model on the catalogue's
 * examples, each scored without its own counts, thresholds set the same
 * way: the stems took the emergencies it recognises on its own from 65% to
 * 69%, and on overwhelming evidence from 36% to 51%.
 *
 * The model counts, for each feature, the texts of each class that have it
 * (a Bernoulli model over present features: absent ones are not weighed, so
 * a long message is not held against itself for all the words it does
 * not use).
 */
#include "alarm.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "intent_impl.h"
#include "normalize.h"

struct alarm_slot {
    uint64_t h;    /* 0: empty */
    uint32_t n[2]; /* texts with this feature: [0] danger, [1] other */
    double w;      /* its log-odds weight when no text is left out (alarm_score) */
};

struct alarm {
    struct alarm_slot *slot;
    size_t cap, used; /* cap a power of two */
    uint32_t docs[2];
};

enum { DANGER, OTHER };

#define ALARM_STEM      5 /* of words of at least ALARM_STEM + 1 bytes */
#define ALARM_PAIR_STEM 4

#define FNV_PRIME 1099511628211ull

/* FNV-1a over 's', four bytes a turn: fewer loop steps, the same hash. */
static uint64_t fnv_step(uint64_t h, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    for (; i + 4 <= n; i += 4) {
        h = (h ^ u[i]) * FNV_PRIME;
        h = (h ^ u[i + 1]) * FNV_PRIME;
        h = (h ^ u[i + 2]) * FNV_PRIME;
        h = (h ^ u[i + 3]) * FNV_PRIME;
    }
    for (; i < n; i++)
        h = (h ^ u[i]) * FNV_PRIME;
    return h;
}

static uint64_t feature_hash(char kind, const char *a, size_t an, const char *b,
                             size_t bn)
{
    uint64_t h = fnv_step(14695981039346656037ull, &kind, 1);

    h = fnv_step(h, a, an);
    if (b) {
        h = fnv_step(h, " ", 1);
        h = fnv_step(h, b, bn);
    }
    return h ? h : 1;
}

/* Keeps the distinct values of f[0..n) (in their order); returns their
 * number. An open-addressing set on the stack for the usual message, in a
 * heap block for a long one; -1 when that block cannot be had. */
static long distinct(uint64_t *f, size_t n)
{
    uint64_t stack[1024], *seen = stack; /* 0: an empty slot (hashes are not 0) */
    size_t cap = 64, i, k = 0;

    while (cap < 2 * n)
        cap *= 2;
    if (cap > sizeof(stack) / sizeof(stack[0])) {
        seen = alloc_calloc(cap, sizeof(*seen));
        if (!seen)
            return -1;
    } else {
        memset(seen, 0, cap * sizeof(*seen));
    }
    for (i = 0; i < n; i++) {
        size_t j = (size_t)(f[i] ^ (f[i] >> 31)) & (cap - 1);
        while (seen[j] != 0 && seen[j] != f[i])
            j = (j + 1) & (cap - 1);
        if (seen[j] == 0) {
            seen[j] = f[i];
            f[k++] = f[i];
        }
    }
    if (seen != stack)
        alloc_free(seen);
    return (long)k;
}

/* 1 when the 'n' bytes at 's' are one of the space-separated words of
 * 'list'. */
static int word_in(const char *list, const char *s, size_t n)
{
    for (const char *w = list; *w;) {
        size_t wn = strcspn(w, " ");
        if (wn == n && memcmp(w, s, n) == 0)
            return 1;
        w += wn + (w[wn] == ' ');
    }
    return 0;
}

/* 1 when the words 'l' (before the space) and 'r' (after it) are an
 * English contraction typed with a space: "don t", "i m", "it s". */
static int english_contraction(const char *l, size_t ln, const char *r, size_t rn)
{
    if (rn == 1 && r[0] == 't')
        return word_in("don can won isn didn doesn wasn aren "
                       "couldn shouldn wouldn haven hasn "
                       "hadn weren ain mustn",
                       l, ln);
    if (rn == 1 && r[0] == 'm')
        return ln == 1 && l[0] == 'i';
    if (rn == 1 && r[0] == 's')
        return word_in("it that what he she there who here let where how", l, ln);
    if (rn == 1 && r[0] == 'd')
        return word_in("i you we they he she", l, ln);
    if (rn == 2 && memcmp(r, "re", 2) == 0)
        return word_in("you we they who what", l, ln);
    if (rn == 2 && memcmp(r, "ve", 2) == 0)
        return word_in("i you we they could should would might must", l, ln);
    if (rn == 2 && memcmp(r, "ll", 2) == 0)
        return word_in("i you we they he she it that", l, ln);
    return 0;
}

/* Letters a to z as the bits of a mask, and whether 'c' is one of those of
 * 'set': a shift and a test, not a call to memchr() at every space of a
 * message. */
#define LETTER(c) (1u << ((c) - 'a'))
#define ELISION_NEXT                                                                     \
    (LETTER('a') | LETTER('e') | LETTER('i') | LETTER('o') | LETTER('u') | LETTER('y') | \
     LETTER('h'))
#define ELISION_LETTER                                                                   \
    (LETTER('c') | LETTER('d') | LETTER('j') | LETTER('l') | LETTER('m') | LETTER('n') | \
     LETTER('s') | LETTER('t'))

static int letter_in(char c, uint32_t set)
{
    return c >= 'a' && c <= 'z' && (set >> (c - 'a') & 1u);
}

/* Puts back, in the copy 'k' of a key, the apostrophe a visitor typed as a
 * space: a French elision ("m amenent", "qu il") or an English contraction
 * ("don t", "i m"). The examples the model learnt from mostly have it, and
 * "m" and "amenent" apart are not what it learnt. */
static void join_elisions(char *k, size_t len)
{
    size_t l0 = 0; /* where the word before the space starts */

    for (size_t i = 0; i < len; i++) {
        size_t r1 = i + 1, ln = i - l0;
        const char *l = k + l0;

        if (k[i] != ' ')
            continue;
        while (r1 < len && k[r1] != ' ')
            r1++;
        if (ln > 0 && r1 > i + 1 &&
            (english_contraction(l, ln, k + i + 1, r1 - i - 1) ||
             (letter_in(k[i + 1], ELISION_NEXT) &&
              ((ln == 1 && letter_in(l[0], ELISION_LETTER)) ||
               (ln == 2 && l[0] == 'q' && l[1] == 'u'))))) {
            k[i] = '\'';
            continue; /* the joined word goes on */
        }
        l0 = i + 1;
    }
}

/* The distinct features of folded 'key', in 'buf' ('cap' bytes, 8-aligned)
 * when they fit (the usual message: no allocation a message), else in a new
 * array (free it when it is not 'buf'); their number in '*n'. NULL (and *n
 * == 0) when the key has none or memory ran out ('*oom' set then). */
static uint64_t *features(const char *key, size_t len, size_t *n, int *oom, uint64_t *buf,
                          size_t cap)
{
    uint64_t *f;
    size_t words = 1, i = 0, out = 0, k;
    const char *prev = NULL;
    size_t prev_n = 0;
    char *copy;

    *n = 0;
    for (k = 0; k < len; k++)
        words += key[k] == ' ';
    f = 4 * words * sizeof(*f) + len <= cap ? buf
                                            : alloc_malloc(4 * words * sizeof(*f) + len);
    if (!f) {
        *oom = 1;
        return NULL;
    }
    copy = (char *)(f + 4 * words);
    memcpy(copy, key, len);
    join_elisions(copy, len);
    key = copy;
    while (i < len) {
        size_t s = i;
        while (i < len && key[i] != ' ')
            i++;
        if (i > s) {
            size_t n_word = i - s;
            f[out++] = feature_hash('w', key + s, n_word, NULL, 0);
            if (n_word > ALARM_STEM)
                f[out++] = feature_hash('p', key + s, ALARM_STEM, NULL, 0);
            if (prev) {
                f[out++] = feature_hash('b', prev, prev_n, key + s, n_word);
                f[out++] = feature_hash(
                    'q', prev, prev_n < ALARM_PAIR_STEM ? prev_n : ALARM_PAIR_STEM,
                    key + s, n_word < ALARM_PAIR_STEM ? n_word : ALARM_PAIR_STEM);
            }
            prev = key + s;
            prev_n = n_word;
        }
        i++;
    }
    if (out == 0) {
        if (f != buf)
            alloc_free(f);
        return NULL;
    }
    {
        long d = distinct(f, out);
        if (d < 0) {
            if (f != buf)
                alloc_free(f);
            *oom = 1;
            return NULL;
        }
        *n = (size_t)d;
    }
    return f;
}

static struct alarm_slot *find(const struct alarm *a, uint64_t h)
{
    size_t i = (size_t)(h ^ (h >> 29)) & (a->cap - 1);

    while (a->slot[i].h != 0 && a->slot[i].h != h)
        i = (i + 1) & (a->cap - 1);
    return &a->slot[i];
}

static int grow(struct alarm *a)
{
    struct alarm_slot *old = a->slot;
    size_t old_cap = a->cap, i;

    a->cap = old_cap ? old_cap * 2 : 4096;
    a->slot = alloc_calloc(a->cap, sizeof(*a->slot));
    if (!a->slot) {
        a->slot = old;
        a->cap = old_cap;
        return -1;
    }
    for (i = 0; i < old_cap; i++)
        if (old[i].h)
            *find(a, old[i].h) = old[i];
    alloc_free(old);
    return 0;
}

/* A counter-example is an organizer's decision about that very boundary
 * (this is not danger, though it sounds like it): it counts as this many
 * texts, so that one such decision outweighs a few examples of danger that
 * share its words. */
#define ALARM_COUNTER_WEIGHT 3

/* Counts one example text in class 'c', as 'w' texts; 0 or -1 (out of
 * memory). */
static int learn(struct alarm *a, const char *text, int c, uint32_t w)
{
    char stack[512], *key;
    size_t klen, n, i;
    uint64_t *f;
    int oom = 0;

    if (norm_key(text, strlen(text), stack, sizeof(stack), &key, &klen) < 0)
        return 0; /* the loader reports bad text; it teaches nothing */
    f = features(key, klen, &n, &oom, NULL, 0);
    norm_key_release(key, stack);
    if (oom)
        return -1;
    a->docs[c] += w;
    for (i = 0; i < n; i++) {
        struct alarm_slot *s;
        if ((a->used + 1) * 2 > a->cap && grow(a) < 0) {
            alloc_free(f);
            return -1;
        }
        s = find(a, f[i]);
        if (s->h == 0) {
            s->h = f[i];
            a->used++;
        }
        s->n[c] += w;
    }
    alloc_free(f);
    return 0;
}

static int learn_list(struct alarm *a, const struct intent_list *list, int c, uint32_t w)
{
    for (size_t k = 0; k < list->n; k++)
        if (learn(a, list->items[k].text, c, w) < 0)
            return -1;
    return 0;
}

/* The log-odds a feature seen in 'd' danger texts (of 'nd') and 'o' other
 * texts (of 'no') adds, smoothed. */
static double feature_weight(double d, double o, double nd, double no)
{
    return log((d + 0.5) / (nd + 1)) - log((o + 0.5) / (no + 1));
}

struct alarm *alarm_build(const struct intent_set *set)
{
    struct alarm *a = alloc_calloc(1, sizeof(*a));
    size_t i;
    int l;

    if (!a || grow(a) < 0)
        goto fail;
    for (i = 0; i < set->n_intents; i++) {
        int c = (long)i == set->emergency ? DANGER : OTHER;
        for (l = 0; l < LANG_COUNT; l++) {
            if (learn_list(a, &set->intents[i].examples[l], c, 1) < 0)
                goto fail;
            if (c == DANGER && learn_list(a, &set->intents[i].counters[l], OTHER,
                                          ALARM_COUNTER_WEIGHT) < 0)
                goto fail;
        }
    }
    /* the weights alarm_score() would compute for every message, once */
    for (i = 0; i < a->cap; i++) {
        struct alarm_slot *sl = &a->slot[i];
        if (sl->h)
            sl->w = feature_weight(sl->n[DANGER], sl->n[OTHER], a->docs[DANGER],
                                   a->docs[OTHER]);
    }
    return a;
fail:
    alarm_free(a);
    return NULL;
}

void alarm_free(struct alarm *a)
{
    if (!a)
        return;
    alloc_free(a->slot);
    alloc_free(a);
}

int alarm_trusted(const struct alarm *a)
{
    return a && a->docs[DANGER] >= 200 && a->docs[OTHER] >= 1000;
}

/* 's' plus the weight of each feature 'f' the model saw, in that order:
 * alarm_score() with no text left out (every message but the self-test's),
 * where a feature's counts cannot go below 0 and its weight is sl->w. */
static double add_weights(const struct alarm *a, const uint64_t *f, size_t n, double s)
{
    for (size_t i = 0; i < n; i++) {
        const struct alarm_slot *sl = find(a, f[i]);
        if ((sl->n[DANGER] | sl->n[OTHER]) != 0)
            s += sl->w;
    }
    return s;
}

double alarm_score(const struct alarm *a, const char *key, size_t len, enum alarm_own own,
                   size_t *n_features)
{
    double docs[2], s;
    size_t n, i;
    uint64_t *f, buf[512]; /* 4 KiB: the features of a message of ~100 words */
    int oom = 0;

    if (n_features)
        *n_features = 0;
    docs[DANGER] = a->docs[DANGER] - (own == ALARM_OWN_DANGER);
    docs[OTHER] = a->docs[OTHER] - (own == ALARM_OWN_OTHER);
    if (docs[DANGER] < 1 || docs[OTHER] < 1)
        return -INFINITY;
    f = features(key, len, &n, &oom, buf, sizeof(buf));
    if (!f)
        return -INFINITY; /* no words, or no memory: no alarm */
    if (n_features)
        *n_features = n;
    s = log(docs[DANGER] / docs[OTHER]);
    if (own == ALARM_OWN_NONE)
        s = add_weights(a, f, n, s);
    else {
        for (i = 0; i < n; i++) {
            const struct alarm_slot *sl = find(a, f[i]);
            double d = (double)sl->n[DANGER] - (own == ALARM_OWN_DANGER && sl->h);
            double o = (double)sl->n[OTHER] - (own == ALARM_OWN_OTHER && sl->h);
            if (d < 0 || o < 0)
                d = o = 0; /* 'own' was wrong: the text was not counted there */
            if (d + o <= 0)
                continue; /* a feature the model never saw (but in the text) */
            s += feature_weight(d, o, docs[DANGER], docs[OTHER]);
        }
    }
    if (f != buf)
        alloc_free(f);
    return s;
}
