/*
 * lit_trie.c - building the double-array trie (see lit_trie.h).
 *
 * The strings come sorted, so the strings below a state are a contiguous
 * range and its children are the distinct bytes at the next depth, in
 * order. Each state gets the first base where all its children's slots are
 * free (first fit from the lowest free slot), its children are claimed at
 * once, then each child is placed the same way, depth first.
 */
#include "lit_trie.h"

#include <string.h>

#include "alloc.h"

#define FREE (-1)

/* The free slots form a doubly-linked list in slot order (nxt/prv, -1 at
 * the ends), so that finding a base visits free slots only. */
struct builder {
    struct lit_trie *t;
    int32_t *nxt, *prv;
    int32_t head, tail; /* -1: no free slot */
    int oom;
};

/* Room for slot 'i'; new slots join the free list. */
static int reserve(struct builder *b, size_t i)
{
    struct lit_trie *t = b->t;
    size_t cap = t->cap ? t->cap : 1024, k;
    struct lit_trie_slot *slot;
    int32_t *nxt, *prv;

    if (i < t->cap)
        return 0;
    while (cap <= i)
        cap *= 2;
    if (cap > INT32_MAX) {
        b->oom = 1;
        return -1;
    }
    if ((slot = alloc_realloc(t->slot, cap * sizeof(*slot))) != NULL)
        t->slot = slot;
    if ((nxt = alloc_realloc(b->nxt, cap * sizeof(*nxt))) != NULL)
        b->nxt = nxt;
    if ((prv = alloc_realloc(b->prv, cap * sizeof(*prv))) != NULL)
        b->prv = prv;
    if (!slot || !nxt || !prv) {
        b->oom = 1;
        return -1;
    }
    for (k = t->cap; k < cap; k++) {
        t->slot[k].base = 0;
        t->slot[k].check = FREE;
        t->slot[k].val = 0;
        b->prv[k] = b->tail;
        b->nxt[k] = -1;
        if (b->tail >= 0)
            b->nxt[b->tail] = (int32_t)k;
        else
            b->head = (int32_t)k;
        b->tail = (int32_t)k;
    }
    t->cap = cap;
    return 0;
}

/* Slot 'i' becomes a child of 'state'. */
static void claim(struct builder *b, size_t i, int32_t state)
{
    int32_t p = b->prv[i], n = b->nxt[i];

    if (p >= 0)
        b->nxt[p] = n;
    else
        b->head = n;
    if (n >= 0)
        b->prv[n] = p;
    else
        b->tail = p;
    b->t->slot[i].check = state;
    if (i + 1 > b->t->n)
        b->t->n = i + 1;
}

/* The first base at which every byte of 'c' ('nc' > 0, ascending) has a
 * free slot; -1 out of memory. */
static int32_t find_base(struct builder *b, const unsigned char *c, size_t nc)
{
    int32_t p = b->head;

    for (;;) {
        size_t base, k;
        if (p < 0) {
            /* no free slot fits: the next ones will */
            size_t end = b->t->cap;
            if (reserve(b, end) < 0)
                return -1;
            p = (int32_t)end;
        }
        if ((size_t)p <= c[0]) {
            p = b->nxt[p];
            continue;
        }
        base = (size_t)p - c[0];
        if (reserve(b, base + 256) < 0)
            return -1;
        for (k = 1; k < nc && b->t->slot[base + c[k]].check == FREE; k++)
            ;
        if (k == nc)
            return (int32_t)base;
        p = b->nxt[p];
    }
}

/* Places the children of 'state', under which lie strings [lo, hi) of 's',
 * all sharing their first 'd' bytes. */
static void place(struct builder *b, int32_t state, const char *const *s, size_t lo,
                  size_t hi, size_t d)
{
    struct lit_trie *t = b->t;
    unsigned char c[256] = {0}; /* gcc -O3 cannot see that nc >= 1 */
    size_t from[257], nc = 0, i, k;
    int32_t base;

    if (lo < hi && s[lo][d] == '\0')
        t->slot[state].val = (uint32_t)(lo + 1), lo++;
    if (lo == hi || b->oom)
        return;
    for (i = lo; i < hi;) {
        unsigned char x = (unsigned char)s[i][d];
        from[nc] = i;
        c[nc++] = x;
        while (i < hi && (unsigned char)s[i][d] == x)
            i++;
    }
    from[nc] = hi;
    base = find_base(b, c, nc);
    if (base < 0)
        return;
    t->slot[state].base = base;
    for (k = 0; k < nc; k++)
        claim(b, (size_t)base + c[k], state);
    for (k = 0; k < nc && !b->oom; k++)
        place(b, base + c[k], s, from[k], from[k + 1], d + 1);
}

int lit_trie_build(struct lit_trie *t, const char *const *s, size_t n)
{
    struct builder b = {t, NULL, NULL, -1, -1, 0};

    memset(t, 0, sizeof(*t));
    if (reserve(&b, 256) == 0) {
        claim(&b, LIT_TRIE_ROOT, -2); /* the root is nobody's child */
        place(&b, LIT_TRIE_ROOT, s, 0, n, 0);
    }
    alloc_free(b.nxt);
    alloc_free(b.prv);
    if (b.oom) {
        lit_trie_free(t);
        return -1;
    }
    return 0;
}

void lit_trie_map_vals(struct lit_trie *t, const uint32_t *to)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->slot[i].val != 0)
            t->slot[i].val = to[t->slot[i].val - 1];
}

void lit_trie_free(struct lit_trie *t)
{
    alloc_free(t->slot);
    memset(t, 0, sizeof(*t));
}
