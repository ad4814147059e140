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

/* Reading a pattern's source 'src' ('len' bytes): the index of the ']'
 * closing the class opened at src[i] == '[', or of the ')' closing the
 * group opened at src[i] == '(' (escapes and classes skipped); 0 when it
 * is not closed. */
size_t regex_class_end(const char *src, size_t len, size_t i);
size_t regex_group_end(const char *src, size_t len, size_t i);

#endif
