/*
 * lit_trie.h - a set of byte strings as a double-array trie: the literal
 * prefilter walks the key through it one byte at a time, with one
 * comparison a byte, and knows which string ends where without hashing or
 * comparing the string again.
 */
#ifndef VIGIE_LIT_TRIE_H
#define VIGIE_LIT_TRIE_H

#include <stddef.h>
#include <stdint.h>

/* One slot: a step reads 'check' of the slot it goes to, then 'val' and,
 * on the next step, 'base' of the same slot; kept together, that is one
 * cache line a step instead of three (the tries of a full catalogue are
 * megabytes: most steps miss the cache). */
struct lit_trie_slot {
    int32_t base;  /* per state: where its children's slots begin */
    int32_t check; /* per slot: the state it is a child of (-1: free) */
    uint32_t val;  /* per state: i + 1 when string i ends there, else 0 */
};

struct lit_trie {
    struct lit_trie_slot *slot;
    size_t n; /* slots in use (states are slots) */
    size_t cap;
};

#define LIT_TRIE_ROOT 0

/* Builds the trie of the 'n' strings 's' (NUL-terminated, sorted by
 * strcmp(), distinct, none empty) into 't'. 0, or -1 out of memory ('t'
 * then empty). */
int lit_trie_build(struct lit_trie *t, const char *const *s, size_t n);
void lit_trie_free(struct lit_trie *t);

/* Replaces every value v (string v - 1 ends there) by to[v - 1], which
 * must not be 0: the user's own numbering of the strings. */
void lit_trie_map_vals(struct lit_trie *t, const uint32_t *to);

/* The state after reading byte 'c' in 'state', or -1 when no string goes
 * on that way. */
static inline int32_t lit_trie_next(const struct lit_trie *t, int32_t state,
                                    unsigned char c)
{
    int32_t to = t->slot[state].base + c;

    return (size_t)to < t->n && t->slot[to].check == state ? to : -1;
}

/* i + 1 when string i ends at 'state', else 0. */
static inline uint32_t lit_trie_val(const struct lit_trie *t, int32_t state)
{
    return t->slot[state].val;
}

#endif
