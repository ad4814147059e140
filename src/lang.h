/*
 * lang.h - the two languages vigie speaks, and guessing which one a message
 * is written in.
 *
 * Evidence comes in two strengths. Strong: function words, SMS forms,
 * French elisions and English contractions, French accents (lang_weigh fills
 * 'strong'). Weak: content words that the catalogue uses in one language
 * only (the lexicon, built at catalogue load from the intents' own examples,
 * counter-examples, answers and labels), plus what the caller knows (the
 * language of the pattern that matched, of the closest examples), added with
 * lang_evidence_add. lang_decide speaks only when one language clearly leads.
 */
#ifndef VIGIE_LANG_H
#define VIGIE_LANG_H

#include <stddef.h>

enum lang { LANG_NONE = -1, LANG_FR = 0, LANG_EN = 1 };
#define LANG_COUNT 2

/* Weights of the caller's evidence (see lang_evidence_add). */
#define LANG_W_PATTERN 1.5 /* only this language's patterns of the intent matched */
#define LANG_W_FUZZY   0.5 /* the closest examples are in this language */

/* "fr" or "en"; "" for LANG_NONE. */
const char *lang_code(enum lang lang);

/* LANG_FR for "fr", LANG_EN for "en" (case-insensitive), else LANG_NONE. */
enum lang lang_from_code(const char *code);

/* Evidence that 'text' (raw UTF-8, 'len' bytes) is French or English, from
 * function words and accents only. Returns LANG_NONE when the evidence is
 * unclear (a lone "ok", a number, a name). 'key' is the folded match key of
 * the same text (see normalize.h). */
enum lang lang_guess(const char *text, size_t len, const char *key);

/* Word statistics of a catalogue: how often each folded word occurs in each
 * language. Opaque; owned by whoever called lang_lexicon_new. */
struct lang_lexicon;

/* An empty lexicon, or NULL when out of memory. */
struct lang_lexicon *lang_lexicon_new(void);

/* Counts the words of folded text 'key' as written in 'lang'. Returns 0 or
 * VIGIE_ENOMEM (the lexicon stays usable). Only before lang_lexicon_finish. */
int lang_lexicon_add(struct lang_lexicon *lex, const char *key, enum lang lang);

/* Turns the counts into weights; the lexicon is read-only afterwards (and
 * may then be shared between threads). Returns 0 or VIGIE_ENOMEM. */
int lang_lexicon_finish(struct lang_lexicon *lex);

/* Weight of folded word 'w' ('wl' bytes): > 0 English, < 0 French, 0 unknown
 * or used alike in both; at most 2.5 either way. 0 before finish. */
double lang_lexicon_weight(const struct lang_lexicon *lex, const char *w, size_t wl);

/* Frees 'lex' (NULL is fine). */
void lang_lexicon_free(struct lang_lexicon *lex);

struct lang_evidence {
    int strong[LANG_COUNT];  /* function words (2 each), accents */
    double weak[LANG_COUNT]; /* lexicon and the caller's evidence */
};

/* Fills 'ev' from 'text'/'key' (as lang_guess); 'lex' may be NULL. */
void lang_weigh(const struct lang_lexicon *lex, const char *text, size_t len,
                const char *key, struct lang_evidence *ev);

/* Adds weak evidence 'weight' for 'lang' (nothing for LANG_NONE). */
void lang_evidence_add(struct lang_evidence *ev, enum lang lang, double weight);

/* The language 'ev' points to: the strong evidence when one language clearly
 * leads there, else strong and weak together when one leads by 1.0 or more,
 * else LANG_NONE (the caller then uses the session's language). */
enum lang lang_decide(const struct lang_evidence *ev);

/* The language the strong evidence alone decides (lang_decide() returns it
 * whatever weak evidence is added), or LANG_NONE. */
enum lang lang_strong_leader(const struct lang_evidence *ev);

/* 1 when the built-in word lists are sorted and disjoint (for the tests). */
int lang_lists_ok(void);

#endif
