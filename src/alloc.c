/*
 * alloc.c - counting allocator with fault injection (see alloc.h).
 *
 * Counting costs one increment per allocation. The server allocates on its
 * service thread and on the reload helper thread at the same time, so the
 * counters are per thread (no data race, no atomic cost); tests read them
 * from the thread that allocated. fail_from is only written by tests.
 */
#include "alloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local unsigned long attempts; /* allocations since alloc_fail_after() */
static _Thread_local unsigned long failures; /* allocations that returned NULL */
static _Thread_local long live;              /* blocks held */
static unsigned long fail_from;              /* 0: never fail */

static int should_fail(void)
{
    attempts++;
    if (fail_from != 0 && attempts >= fail_from) {
        failures++;
        return 1;
    }
    return 0;
}

void *alloc_malloc(size_t size)
{
    void *p;

    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    if (p)
        live++;
    else
        failures++;
    return p;
}

void *alloc_calloc(size_t n, size_t size)
{
    void *p;

    if (should_fail())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    p = calloc(n, size);
    if (p)
        live++;
    else
        failures++;
    return p;
}

void *alloc_realloc(void *ptr, size_t size)
{
    void *p;

    if (!ptr)
        return alloc_malloc(size);
    if (should_fail())
        return NULL;
    p = realloc(ptr, size ? size : 1);
    if (!p)
        failures++;
    return p;
}

void alloc_free(void *ptr)
{
    if (!ptr)
        return;
    live--;
    free(ptr);
}

char *alloc_strndup(const char *s, size_t n)
{
    char *p = alloc_malloc(n + 1);

    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *alloc_strdup(const char *s)
{
    return alloc_strndup(s, strlen(s));
}

void alloc_install_json(void)
{
    json_set_alloc_funcs(alloc_malloc, alloc_free);
}

void alloc_fail_after(unsigned long n)
{
    attempts = 0;
    fail_from = n;
}

unsigned long alloc_count(void)
{
    return attempts;
}

long alloc_live(void)
{
    return live;
}

unsigned long alloc_failures(void)
{
    return failures;
}
