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

struct lit_trie {
    int32_t *base;  /* per state: where its children's slots begin */
    int32_t *check; /* per slot: the state it is a child of (-1: free) */
    uint32_t *val;  /* per state: i + 1 when string i ends there, else 0 */
    size_t n;       /* slots in use (states are slots) */
    size_t cap;
};

#define LIT_TRIE_ROOT 0

/* Builds the trie of the 'n' strings 's' (NUL-terminated, sorted by
 * strcmp(), distinct, none empty) into 't'. 0, or -1 out of memory ('t'
 * then empty). */
int lit_trie_build(struct lit_trie *t, const char *const *s, size_t n);
void lit_trie_free(struct lit_trie *t);

/* The state after reading byte 'c' in 'state', or -1 when no string goes
 * on that way. */
static inline int32_t lit_trie_next(const struct lit_trie *t, int32_t state,
                                    unsigned char c)
{
    int32_t to = t->base[state] + c;

    return (size_t)to < t->n && t->check[to] == state ? to : -1;
}

#endif
