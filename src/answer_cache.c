/*
 * answer_cache.c - a table of recent answers, found by a keyed 128-bit hash
 * of the message (see answer_cache.h). Four-way set-associative: a message
 * can sit in any of the four slots of its set, and a new one takes the
 * least recently used, so that a few hot questions that share a set do not
 * keep evicting each other.
 */
#include "answer_cache.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "alloc.h"

#define ANSWER_CACHE_MAX  ((size_t)1 << 20)
#define ANSWER_CACHE_WAYS 4

struct cache_slot {
    uint64_t h1, h2; /* 0, 0: empty */
    uint64_t used;   /* the table's clock when last read or written */
    struct cached_answer answer;
};

struct answer_cache {
    struct cache_slot *slot;
    size_t mask; /* of the first slot of a set */
    uint64_t clock;
    uint64_t seed1, seed2;
    unsigned long lookups, hits;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

/* Two 64-bit lanes over 8-byte words, each with its own seed and
 * multiplier, finished with a full avalanche. Not cryptographic: the seeds
 * only make the hashes differ between processes and reloads. */
static void hash_text(const struct answer_cache *c, const char *text, size_t len,
                      uint64_t *h1, uint64_t *h2)
{
    uint64_t a = c->seed1 ^ len, b = c->seed2 ^ (len * 0x9e3779b97f4a7c15ull);
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, text + i, 8);
        a = (a ^ w) * 0x9fb21c651e98df25ull;
        a ^= a >> 29;
        b = (b ^ w) * 0xc2b2ae3d27d4eb4full;
        b ^= b >> 31;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, text + i, len - i);
        a = (a ^ w) * 0x9fb21c651e98df25ull;
        b = (b ^ w) * 0xc2b2ae3d27d4eb4full;
    }
    *h1 = mix(a);
    *h2 = mix(b ^ *h1);
    if (*h1 == 0 && *h2 == 0)
        *h2 = 1; /* 0, 0 marks an empty slot */
}

struct answer_cache *answer_cache_new(size_t entries)
{
    struct answer_cache *c;
    size_t n = ANSWER_CACHE_WAYS;
    uint64_t seed[2];

    if (entries == 0)
        return NULL;
    while (n < entries && n < ANSWER_CACHE_MAX)
        n *= 2;
    c = alloc_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->slot = alloc_calloc(n, sizeof(*c->slot));
    if (!c->slot) {
        alloc_free(c);
        return NULL;
    }
    c->mask = (n - 1) & ~(size_t)(ANSWER_CACHE_WAYS - 1);
    if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
        seed[1] = (uint64_t)(uintptr_t)c;
    }
    c->seed1 = mix(seed[0] + 1);
    c->seed2 = mix(seed[1] + 2);
    return c;
}

void answer_cache_free(struct answer_cache *c)
{
    if (!c)
        return;
    alloc_free(c->slot);
    alloc_free(c);
}

void answer_cache_key(const struct answer_cache *c, const char *text, size_t len,
                      struct answer_key *key)
{
    key->h1 = key->h2 = 0;
    if (c)
        hash_text(c, text, len, &key->h1, &key->h2);
}

int answer_cache_get(struct answer_cache *c, const struct answer_key *key,
                     struct cached_answer *out)
{
    struct cache_slot *set;
    int w;

    if (!c)
        return 0;
    c->lookups++;
    set = &c->slot[key->h1 & c->mask];
    for (w = 0; w < ANSWER_CACHE_WAYS; w++) {
        if (set[w].h1 == key->h1 && set[w].h2 == key->h2) {
            c->hits++;
            set[w].used = ++c->clock;
            *out = set[w].answer;
            return 1;
        }
    }
    return 0;
}

void answer_cache_put(struct answer_cache *c, const struct answer_key *key,
                      const struct cached_answer *answer)
{
    struct cache_slot *set, *victim;
    int w;

    if (!c)
        return;
    set = &c->slot[key->h1 & c->mask];
    victim = &set[0];
    for (w = 0; w < ANSWER_CACHE_WAYS; w++) {
        if (set[w].h1 == key->h1 && set[w].h2 == key->h2) {
            victim = &set[w];
            break;
        }
        if (set[w].used < victim->used)
            victim = &set[w]; /* never used (0) comes first */
    }
    victim->h1 = key->h1;
    victim->h2 = key->h2;
    victim->used = ++c->clock;
    victim->answer = *answer;
}

void answer_cache_stats(const struct answer_cache *c, unsigned long *lookups,
                        unsigned long *hits)
{
    *lookups = c ? c->lookups : 0;
    *hits = c ? c->hits : 0;
}
