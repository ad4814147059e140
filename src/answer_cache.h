/*
 * answer_cache.h - what the engine concluded about messages it saw recently.
 *
 * Visitors ask the same few questions again and again ("what is the hotline
 * number?"); the whole of folding, matching and language guessing is a pure
 * function of the message's bytes and the catalogue, so its outcome can be
 * kept. The table is direct-mapped and of fixed size, belongs to one intent
 * set (a reload starts an empty one) and, like the set, serves one thread.
 *
 * Privacy: no text is kept. An entry is found by a 128-bit hash of the
 * message keyed with a per-table random seed; the entry holds only intent
 * indexes, a language and a score.
 */
#ifndef VIGIE_ANSWER_CACHE_H
#define VIGIE_ANSWER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define ANSWER_CACHE_CLOSE 3

/* The outcome of one message, everything dialogue_message() needs. */
struct cached_answer {
    int32_t intent;                    /* index into the set's intents */
    int32_t close[ANSWER_CACHE_CLOSE]; /* closest intents (fallback's suggestions) */
    uint8_t n_close;
    int8_t lang; /* the message's own language, or LANG_NONE */
    double score;
};

struct answer_cache;

/* A table of 'entries' answers (rounded up to a power of two, at most
 * 2^20); NULL when 'entries' is 0 or out of memory. */
struct answer_cache *answer_cache_new(size_t entries);
void answer_cache_free(struct answer_cache *c);

/* Where a message's answer is kept: its keyed hash, computed once per
 * message for the lookup and, on a miss, the store. */
struct answer_key {
    uint64_t h1, h2;
};

/* The key of 'text' ('len' bytes) in 'c' (all zero when 'c' is NULL). */
void answer_cache_key(const struct answer_cache *c, const char *text, size_t len,
                      struct answer_key *key);

/* 1 and '*out' when the answer under 'key' is known, else 0. */
int answer_cache_get(struct answer_cache *c, const struct answer_key *key,
                     struct cached_answer *out);

/* Remembers the answer under 'key' (replacing the least recently used of
 * its set). */
void answer_cache_put(struct answer_cache *c, const struct answer_key *key,
                      const struct cached_answer *answer);

/* Lookups and hits so far (statistics). */
void answer_cache_stats(const struct answer_cache *c, unsigned long *lookups,
                        unsigned long *hits);

#endif
