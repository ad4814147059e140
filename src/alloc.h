/*
 * alloc.h - the one allocator every core module goes through.
 *
 * All of vigie_core's heap memory (its own, jansson's through
 * json_set_alloc_funcs and pcre2's through a general context) is taken here,
 * so that a test can count allocations and make the Nth one fail, then check
 * that the caller reports a clean error and frees everything it took.
 */
#ifndef VIGIE_ALLOC_H
#define VIGIE_ALLOC_H

#include <stddef.h>

/* malloc/realloc/calloc/free replacements; return NULL when the allocation
 * fails or when fault injection says so. alloc_free(NULL) is a no-op. */
void *alloc_malloc(size_t size);
void *alloc_calloc(size_t n, size_t size);
void *alloc_realloc(void *ptr, size_t size);
void alloc_free(void *ptr);

/* A copy of 's' ('n' bytes plus a NUL) owned by the caller; NULL on failure. */
char *alloc_strndup(const char *s, size_t n);
char *alloc_strdup(const char *s);

/* Routes jansson's allocations through this module. Idempotent; called by
 * intent_set_load() and by anything else in the core that uses jansson. */
void alloc_install_json(void);

/* Fault injection for tests: after alloc_fail_after(n), the allocations
 * numbered n, n+1, ... (1-based, counted from this call) fail; n == 0 turns
 * injection off. alloc_count() is the number of allocations attempted since
 * the last alloc_fail_after() call, alloc_live() the number of blocks
 * currently held (allocated and not freed), for leak checks. The counters
 * are per thread: read them on the thread that allocated. */
void alloc_fail_after(unsigned long n);
unsigned long alloc_count(void);
long alloc_live(void);

/* Allocations that failed on the calling thread since it started (injected
 * or real), never reset: a caller compares two readings to tell "out of
 * memory" from another failure of a library that does not say which (jansson
 * reports most allocation failures in its lexer as syntax errors). */
unsigned long alloc_failures(void);

#endif
