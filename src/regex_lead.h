/*
 * regex_lead.h - the strings every match of a pattern begins with, so that
 * pcre2 need only be tried where one of them occurs in the key.
 */
#ifndef VIGIE_REGEX_LEAD_H
#define VIGIE_REGEX_LEAD_H

#include <stddef.h>

/* Strings at most. Past it, strings are cut to shorter prefixes that begin
 * more often: 48 -> 160 made 2 KiB messages a fifth cheaper and typical
 * ones 6% (callgrind; tests/bench/HISTORY.md, session 14). */
#define REGEX_LEAD_MAX 160
#define REGEX_LEAD_LEN 12 /* bytes kept of each */

struct regex_lead {
    size_t n;
    /* NUL-terminated, none empty, none a prefix of another it covers */
    char lit[REGEX_LEAD_MAX][REGEX_LEAD_LEN + 1];
    /* 1: the pattern asserts a word boundary before the string's first
     * byte, a letter, digit or '_': it begins a match only where the key
     * byte before it (if any) is none of those */
    unsigned char word_start[REGEX_LEAD_MAX];
};

/* Fills 'out' so that every match of 'src' ('len' bytes, folded: no case
 * options) starts at a key position where one of out->lit begins (with
 * its word_start condition); returns 1. Returns 0 when no such set was
 * found (the pattern may match the empty string, begins with \w or a
 * class too wide, or uses a construct this reader does not follow:
 * back references, options, \Q, \p, verbs, named groups). */
int regex_lead(const char *src, size_t len, struct regex_lead *out);

/* The offset of the first ".*" (greedy or lazy) at the top level of 'src'
 * ('len' bytes, a pattern regex_lead() could read), after at least one
 * byte of head: every match is the head, then anything, then the rest. 0
 * when there is none, or when the top level is an alternation. */
size_t regex_dotstar_at(const char *src, size_t len);

#endif
