/*
 * spell.h - spelling correction of a folded key against a closed vocabulary.
 *
 * The vocabulary is the catalogue's own words (examples, counter-examples and
 * the literals of its patterns) with their frequencies. A word of the key
 * that is not in it is replaced by the vocabulary word at Damerau-Levenshtein
 * distance 1 (2 for words of 8 letters or more); among equally close words
 * the most frequent wins, and a tie between equally frequent ones leaves the
 * word alone. Candidates come from a SymSpell-style index of the words with
 * one or two letters deleted, so a lookup costs a few hash probes per
 * deletion of the typed word, whatever the vocabulary's size.
 */
#ifndef VIGIE_SPELL_H
#define VIGIE_SPELL_H

#include <stddef.h>

#include "texting.h"

/* Words shorter than this are never corrected (too many neighbours). */
#define SPELL_MIN_LEN 4
/* Words this long or longer may be corrected at distance 2. */
#define SPELL_LEN_DIST2 8
/* Longest word considered, in bytes (longer ones are left alone). */
#define SPELL_MAX_LEN 24
/* At most this many unknown words are looked up per key. */
#define SPELL_MAX_TOKENS 16

/* Room spell_correct() may need for a key of 'len' bytes: every word it
 * changes grows by at most 2 bytes (edit distance) or TEXTING_MAX_GROWTH. */
#define SPELL_OUT_CAP(len) ((len) + (2 + TEXTING_MAX_GROWTH) * SPELL_MAX_TOKENS + 1)

struct spell; /* opaque */

/* A new, empty vocabulary owned by the caller (free with spell_free()), or
 * NULL when out of memory. */
struct spell *spell_new(void);

/* Adds the words of folded text 'key' ('len' bytes; words are separated by
 * spaces and apostrophes), each occurrence counting 'weight' (0: the words
 * become known without adding to their frequency). Only words made of a-z
 * count. 0 or VIGIE_ENOMEM. Not after spell_finish(). */
int spell_add_text(struct spell *sp, const char *key, size_t len, unsigned weight);

/* Shortest stem spell_add_stem() keeps. */
#define SPELL_MIN_STEM 3

/* Adds stem 'w' ('n' bytes): a pattern matches any word it begins
 * (`flood\w*`), so such a word is known as typed and never corrected (into
 * a word the pattern or veto would no longer see). A stem that is not one
 * word of a-z, or shorter than SPELL_MIN_STEM, is ignored. 0, VIGIE_ENOMEM,
 * or VIGIE_EINVAL after spell_finish(). */
int spell_add_stem(struct spell *sp, const char *w, size_t n);

/* Builds the deletion index; the vocabulary is read-only afterwards.
 * 0 or VIGIE_ENOMEM. */
int spell_finish(struct spell *sp);

/* Frees 'sp'; NULL is a no-op. */
void spell_free(struct spell *sp);

/* 1 when word 'w' ('n' bytes) is in the vocabulary, else 0. */
int spell_known(const struct spell *sp, const char *w, size_t n);

/* Frequency of word 'w' (0 when unknown or known only from patterns). */
unsigned spell_freq(const struct spell *sp, const char *w, size_t n);

/* Corrects folded key 'key' ('len' bytes) into 'out' ('cap' bytes;
 * SPELL_OUT_CAP(len) always suffices), NUL-terminated, its length in
 * '*out_len'. A texting form the vocabulary does not know ("pls", "jsuis")
 * becomes the words it stands for (see texting.h), whatever its length;
 * another unknown word is corrected by edit distance as above. A word
 * dictation splits or spells out ("traffic king", "u n o d c") is joined
 * first, from a closed table, when the vocabulary knows the joined word
 * (spell_join_table_ok()); it counts as corrected, not guessed. Only words
 * of a-z are changed, and only into a-z, spaces and apostrophes, so the
 * result is as valid UTF-8 as 'key'. Returns the number of words
 * corrected (0: 'out' is a copy of 'key'), or VIGIE_ETOOLONG when 'cap' is
 * too small; '*n_guessed' (when not NULL) tells how many of them were
 * guessed by edit distance rather than read from the texting table.
 * Reentrant: 'sp' is only read. */
int spell_correct(const struct spell *sp, const char *key, size_t len, char *out,
                  size_t cap, size_t *out_len, unsigned *n_guessed);

/* 1 when the table of split words spell_correct() joins ("traffic king" ->
 * "trafficking", "u n o d c" -> "unodc"; see spell.c) is well formed, else
 * 0: a unit test runs it after every edit of the table. */
int spell_join_table_ok(void);

/* spell_correct() with the texting table alone, no word guessed by edit
 * distance: a few hash probes a word, cheap enough for every message. */
int spell_texting(const struct spell *sp, const char *key, size_t len, char *out,
                  size_t cap, size_t *out_len);

#endif
