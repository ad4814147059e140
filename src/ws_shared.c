/*
 * ws_shared.c - the state every worker process shares (see ws_server.h):
 * the metrics block, the sessions each worker holds, and the per-address
 * session counts, all in one anonymous MAP_SHARED mapping made before the
 * workers are forked (a plain private mapping with one worker).
 *
 * Per-address counts are a fixed table of counters per worker, indexed by a
 * keyed hash of the client address: no allocation per address, no lock, and
 * a dead worker's row is simply zeroed by the parent. Two addresses that hash
 * to the same slot share its count (1 in WS_ADDR_SLOTS per pair; the key is
 * random per run, so a client cannot aim at another's slot); a collision can
 * only refuse early, never let an address past its limit. A worker writes
 * only its own row (relaxed atomics, so reads from others are race-free) and
 * an admission is increment-then-check, so concurrent upgrades in several
 * workers can both be refused but never both exceed the limit.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "ws_server.h"

struct ws_shared {
    struct metrics metrics;
    uint64_t key;                      /* hash key, random per run */
    size_t size;                       /* bytes mapped */
    int n_workers;                     /* rows of 'addr' */
    uint32_t sessions[WS_WORKERS_MAX]; /* sessions open, per worker */
    uint32_t addr[];                   /* [n_workers][WS_ADDR_SLOTS] */
};

struct ws_shared *ws_shared_create(int n_workers)
{
    struct ws_shared *sh;
    size_t size;

    if (n_workers < 1 || n_workers > WS_WORKERS_MAX)
        return NULL;
    size = sizeof(*sh) + (size_t)n_workers * WS_ADDR_SLOTS * sizeof(uint32_t);
    sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return NULL;
    /* The mapping is zeroed by the kernel. */
    metrics_init(&sh->metrics);
    sh->size = size;
    sh->n_workers = n_workers;
    if (getrandom(&sh->key, sizeof(sh->key), GRND_NONBLOCK) != (ssize_t)sizeof(sh->key))
        sh->key = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid();
    return sh;
}

void ws_shared_destroy(struct ws_shared *sh)
{
    if (sh)
        munmap(sh, sh->size);
}

struct metrics *ws_shared_metrics(struct ws_shared *sh)
{
    return &sh->metrics;
}

/* Keyed FNV-1a with a final avalanche (splitmix64). */
unsigned ws_shared_slot(const struct ws_shared *sh, const char *addr)
{
    uint64_t h = 14695981039346656037u ^ sh->key;

    for (; *addr; addr++)
        h = (h ^ (unsigned char)*addr) * 1099511628211u;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return (unsigned)(h % WS_ADDR_SLOTS);
}

unsigned long ws_shared_addr_count(const struct ws_shared *sh, unsigned slot)
{
    unsigned long sum = 0;

    for (int w = 0; w < sh->n_workers; w++)
        sum += __atomic_load_n(&sh->addr[(size_t)w * WS_ADDR_SLOTS + slot],
                               __ATOMIC_SEQ_CST);
    return sum;
}

unsigned long ws_shared_sessions(const struct ws_shared *sh)
{
    return (unsigned long)__atomic_load_n(&sh->metrics.sessions_open, __ATOMIC_SEQ_CST);
}

int ws_shared_admit(struct ws_shared *sh, int worker, unsigned slot,
                    unsigned long max_total, unsigned long max_per_addr)
{
    uint32_t *mine = &sh->addr[(size_t)worker * WS_ADDR_SLOTS + slot];
    uint64_t open;

    /* Increment, then check: the sum seen includes every concurrent
     * admission that got this far. */
    open = __atomic_add_fetch(&sh->metrics.sessions_open, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&sh->sessions[worker], 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(mine, 1, __ATOMIC_SEQ_CST);
    if ((max_total && open > max_total) ||
        (max_per_addr && ws_shared_addr_count(sh, slot) > max_per_addr)) {
        ws_shared_release(sh, worker, slot);
        return -1;
    }
    return 0;
}

void ws_shared_release(struct ws_shared *sh, int worker, unsigned slot)
{
    __atomic_sub_fetch(&sh->addr[(size_t)worker * WS_ADDR_SLOTS + slot], 1,
                       __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&sh->sessions[worker], 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&sh->metrics.sessions_open, 1, __ATOMIC_SEQ_CST);
}

void ws_shared_forget_worker(struct ws_shared *sh, int worker)
{
    uint32_t held = __atomic_exchange_n(&sh->sessions[worker], 0, __ATOMIC_SEQ_CST);

    __atomic_sub_fetch(&sh->metrics.sessions_open, held, __ATOMIC_SEQ_CST);
    for (size_t i = 0; i < WS_ADDR_SLOTS; i++)
        __atomic_store_n(&sh->addr[(size_t)worker * WS_ADDR_SLOTS + i], 0,
                         __ATOMIC_RELAXED);
}
