/*
 * normalize.h - turn a visitor's text into the match key that intent patterns
 * are written against.
 *
 * Folding (intents/README.md explains it to organizers):
 *  1. lower case; accents and other diacritics removed (é->e, ç->c, ñ->n);
 *     œ->oe, æ->ae, ß->ss, fullwidth and mathematical letters to ASCII;
 *  2. apostrophe-like characters (’ ‘ ` ´ ʼ ′) become ASCII ';
 *  3. anything that is not a letter, a digit or ' becomes a space
 *     (punctuation, symbols, emoji, controls), except the emoji SOS and
 *     police light, which become the word "sos"; invisible characters
 *     (combining marks, zero-width, soft hyphen, variation selectors) vanish;
 *  4. a run of 3 or more identical letters becomes one ("helllp" -> "help");
 *  5. spaces collapsed to one, leading and trailing spaces removed.
 * The key is valid UTF-8, never longer than the input, and folding a key again
 * gives the same key (folding is idempotent).
 */
#ifndef VIGIE_NORMALIZE_H
#define VIGIE_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* What one code point folds to. */
enum norm_kind {
    NORM_LETTER, /* 'out' holds the folded letter(s) or digit(s) */
    NORM_APOS,   /* an apostrophe: ' */
    NORM_SPACE,  /* a separator: becomes a space */
    NORM_DROP,   /* invisible: removed */
};

/* Folds one code point. For NORM_LETTER, 'out' (room for 4 bytes + NUL)
 * receives the folded UTF-8 text, at most as many bytes as 'cp' takes in
 * UTF-8, NUL-terminated; for the other kinds 'out' is "". */
enum norm_kind norm_fold_cp(uint32_t cp, char out[5]);

/* Folds 'len' bytes of UTF-8 'in' into 'out', which has room for 'cap' bytes
 * (cap >= len + 1 always suffices). Writes a NUL-terminated key and its
 * length to '*out_len' (may be NULL). Returns 0, VIGIE_EUTF8 when 'in' is not
 * valid UTF-8, VIGIE_ETOOLONG when cap < len + 1. Cost is linear in 'len'. */
int norm_text(const char *in, size_t len, char *out, size_t cap, size_t *out_len);

/* Folds 'in' like norm_text() into 'stack' ('stack_cap' bytes) when the key
 * fits there, else into a new buffer from alloc.h. Sets '*key' to the buffer
 * used (release it with norm_key_release(*key, stack)). Returns 0,
 * VIGIE_EUTF8 or VIGIE_ENOMEM; on error '*key' is 'stack' (nothing to free). */
int norm_key(const char *in, size_t len, char *stack, size_t stack_cap, char **key,
             size_t *key_len);

/* Frees 'key' unless it is 'stack'. */
void norm_key_release(char *key, const char *stack);

#endif
