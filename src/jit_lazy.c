/*
 * jit_lazy.c - JIT on a code's first run (see jit_lazy.h). An open-addressing
 * table keyed by the code's address, at a load of at most one half: a run
 * costs a multiply and a probe or two, little beside the pcre2 run it
 * precedes.
 */
#include "jit_lazy.h"

#include <stdint.h>

#include "alloc.h"

struct jit_slot {
    pcre2_code *code; /* NULL: empty */
    int done;         /* JIT compiled (or tried: without executable memory,
                         the interpreter runs it) */
};

struct jit_lazy {
    struct jit_slot *slot;
    size_t cap; /* a power of two, or 0 */
    size_t n, compiled;
};

static size_t slot_of(const struct jit_lazy *t, const pcre2_code *code)
{
    /* Fibonacci hashing: allocations are aligned, so the address's low bits
     * say little; the product's high bits mix them all. */
    uint64_t h = (uint64_t)(uintptr_t)code * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (t->cap - 1);
}

static struct jit_slot *find(const struct jit_lazy *t, const pcre2_code *code)
{
    size_t i;

    if (t->cap == 0)
        return NULL;
    for (i = slot_of(t, code);; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i].code == code)
            return &t->slot[i];
        if (!t->slot[i].code)
            return NULL;
    }
}

static void place(struct jit_lazy *t, struct jit_slot s)
{
    size_t i;

    for (i = slot_of(t, s.code); t->slot[i].code; i = (i + 1) & (t->cap - 1))
        ;
    t->slot[i] = s;
}

static int grow(struct jit_lazy *t)
{
    struct jit_lazy old = *t;
    size_t i;

    t->cap = old.cap ? old.cap * 2 : 1024;
    t->slot = alloc_calloc(t->cap, sizeof(*t->slot));
    if (!t->slot) {
        *t = old;
        return -1;
    }
    for (i = 0; i < old.cap; i++)
        if (old.slot[i].code)
            place(t, old.slot[i]);
    alloc_free(old.slot);
    return 0;
}

static void compile(struct jit_lazy *t, pcre2_code *code)
{
    /* JIT failing (no executable memory) is not an error: the interpreter
     * runs the same pattern. */
    if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0 && t)
        t->compiled++;
}

struct jit_lazy *jit_lazy_new(void)
{
    return alloc_calloc(1, sizeof(struct jit_lazy));
}

void jit_lazy_free(struct jit_lazy *t)
{
    if (!t)
        return;
    alloc_free(t->slot);
    alloc_free(t);
}

void jit_lazy_add(struct jit_lazy *t, pcre2_code *code)
{
    if (!code)
        return;
    if (!t || ((t->n + 1) * 2 > t->cap && grow(t) < 0)) {
        compile(t, code);
        return;
    }
    if (find(t, code)) /* a part shared by two patterns */
        return;
    place(t, (struct jit_slot){code, 0});
    t->n++;
}

void jit_lazy_run(struct jit_lazy *t, const pcre2_code *code)
{
    struct jit_slot *s;

    if (!t || !(s = find(t, code)) || s->done)
        return;
    s->done = 1;
    compile(t, s->code);
}

void jit_lazy_stats(const struct jit_lazy *t, size_t *codes, size_t *compiled,
                    size_t *jit_bytes)
{
    size_t i, bytes = 0;

    *codes = t ? t->n : 0;
    *compiled = t ? t->compiled : 0;
    for (i = 0; t && i < t->cap; i++) {
        size_t size = 0;
        if (t->slot[i].done &&
            pcre2_pattern_info(t->slot[i].code, PCRE2_INFO_JITSIZE, &size) == 0)
            bytes += size;
    }
    *jit_bytes = bytes;
}
