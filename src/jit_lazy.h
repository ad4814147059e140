/*
 * jit_lazy.h - pcre2's JIT code only for the patterns that run.
 *
 * JIT code is large: compiled for every code of the catalogue at load (its
 * patterns with their definitions expanded, their parts, their excludes),
 * it took 261 of a process's 414 MB and a third of the load's time, while
 * the prefilter wakes few of them: the dev set's 34,798 questions run 3,849
 * of 17,950 codes. So a set's codes are registered here when they compile,
 * and each is JIT-compiled just before its first run. Every run is a JIT
 * run, as before: what matches, and which limits apply, do not change.
 *
 * A table belongs to one intent set and, like it, serves one thread.
 */
#ifndef VIGIE_JIT_LAZY_H
#define VIGIE_JIT_LAZY_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <stddef.h>

struct jit_lazy;

/* An empty table; NULL when out of memory (then jit_lazy_add() compiles
 * at once, as without this module). */
struct jit_lazy *jit_lazy_new(void);
void jit_lazy_free(struct jit_lazy *t);

/* Registers 'code' (owned by the caller, alive as long as 't'), to be
 * JIT-compiled on its first jit_lazy_run(). With no table, or no memory to
 * grow it, compiles it now. */
void jit_lazy_add(struct jit_lazy *t, pcre2_code *code);

/* Before 'code' runs: compiles it if this is its first run. A code never
 * added is left alone. */
void jit_lazy_run(struct jit_lazy *t, const pcre2_code *code);

/* Statistics: codes registered, codes JIT-compiled so far, and the bytes of
 * their JIT code (PCRE2_INFO_JITSIZE). */
void jit_lazy_stats(const struct jit_lazy *t, size_t *codes, size_t *compiled,
                    size_t *jit_bytes);

#endif
