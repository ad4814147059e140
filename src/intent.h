/*
 * intent.h - loading the intent files (intents/NAME.json) into an immutable, compiled
 * intent set.
 *
 * A set is built once (load + compile + validate), shared read-only by every
 * session, and replaced as a whole on reload: a broken edit never reaches a
 * visitor. See intents/README.md for the file format.
 */
#ifndef VIGIE_INTENT_H
#define VIGIE_INTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "lang.h"

struct intent_set; /* opaque */

/* One problem found in an intent folder. 'line' and 'col' are 1-based, 0 when
 * unknown (for example a folder that cannot be read). */
struct diag {
    char file[256];
    int line;
    int col;
    char text[512];
};

/* Called once per problem, in file order. 'ud' is the caller's pointer. */
typedef void (*diag_fn)(void *ud, const struct diag *d);

/* Prints "path:line:col: text" to stderr; 'ud' is unused. */
void diag_print_cb(void *ud, const struct diag *d);

/* Loads every *.json file of 'dir' (sorted by name). Returns a new set owned
 * by the caller (free with intent_set_free()), or NULL after reporting every
 * problem found through 'report' (which may be NULL). Structural problems
 * only: the examples are run by intent_set_selftest(). */
struct intent_set *intent_set_load(const char *dir, diag_fn report, void *ud);

/* As intent_set_load() for one file already in memory: 'buf' ('len' bytes)
 * is parsed as if read from a file named 'name' (used in diagnostics). For
 * tests and fuzzing. */
struct intent_set *intent_set_parse(const char *name, const char *buf, size_t len,
                                    diag_fn report, void *ud);

/* Runs every example and counter-example of 'set' through the matcher and
 * every pattern against a long hostile input; reports each failure. Returns 0
 * when all pass, VIGIE_ECHECK otherwise. `vigie check` = load + selftest, and
 * a reload swaps catalogues only when both pass. */
int intent_set_selftest(const struct intent_set *set, diag_fn report, void *ud);

/* Frees 'set' and everything it owns; NULL is a no-op. */
void intent_set_free(struct intent_set *set);

/* Number of intents, and the id of intent 'i' (borrowed, lives as long as
 * 'set'). Ids are in load order; "fallback" and "emergency" always exist in a
 * loaded set. */
size_t intent_set_count(const struct intent_set *set);
const char *intent_set_id(const struct intent_set *set, size_t i);

/* Index of intent 'id', or -1. */
long intent_set_find(const struct intent_set *set, const char *id);

/* Number of examples of intent 'i' in 'lang' (for `vigie check --list`). */
size_t intent_set_example_count(const struct intent_set *set, size_t i, enum lang lang);

/* A short hex digest of the loaded files' bytes: the catalogue's version.
 * Borrowed. */
const char *intent_set_version(const struct intent_set *set);

/* The set's pcre2 codes, how many have been JIT-compiled so far (see
 * jit_lazy.h) and the bytes of their JIT code. */
void intent_set_jit_stats(const struct intent_set *set, size_t *codes, size_t *compiled,
                          size_t *jit_bytes);

#endif
