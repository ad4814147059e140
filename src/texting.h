/*
 * texting.h - texting forms and phonetic spellings, English and French.
 *
 * People in a hurry type "pls cal 911 i cnt talk", "wats the numbr",
 * "jsuis pas capable, aidez moa". Such forms are too short or too far from
 * the word for spelling correction by edit distance ("rite" is three edits
 * from "right"), so a closed table lists the common ones with the words
 * they stand for. Keys are folded (see normalize.h): lowercase a-z only.
 */
#ifndef VIGIE_TEXTING_H
#define VIGIE_TEXTING_H

#include <stddef.h>

/* Longest form in the table, in bytes (longer words are never looked up). */
#define TEXTING_MAX_FORM 9
/* Most bytes a replacement adds to the form it replaces. */
#define TEXTING_MAX_GROWTH 12

/* The words folded form 'w' ('n' bytes) stands for (folded: a-z, spaces and
 * apostrophes), or NULL when it is not a texting form in the table. */
const char *texting_expand(const char *w, size_t n);

/* The number of forms in the table, and form 'i' (NULL past the end):
 * spelling correction indexes them by their first letters. */
size_t texting_count(void);
const char *texting_form(size_t i);

/* 1 when the table is as texting_expand() needs it (sorted, forms of a-z,
 * replacements folded and within TEXTING_MAX_GROWTH), else 0: a unit test
 * runs it after every edit of the table. */
int texting_table_ok(void);

#endif
