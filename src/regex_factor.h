/*
 * regex_factor.h - the same pattern, with each alternation's branches
 * grouped by their first character (a trie), which pcre2 runs faster.
 */
#ifndef VIGIE_REGEX_FACTOR_H
#define VIGIE_REGEX_FACTOR_H

#include <stddef.h>

/* Returns a new NUL-terminated pattern (free with alloc_free()) that
 * matches exactly what 'src' ('len' bytes) matches, with the same leftmost
 * match; NULL when 'src' uses a construct this rewriter leaves alone (back
 * references, \Q, options, named groups, verbs), is malformed, or memory
 * ran out: then compile 'src' as written. */
char *regex_factor(const char *src, size_t len);

#endif
