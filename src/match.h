/*
 * match.h - from a folded match key to the best intent.
 *
 * Stage 1: every pattern that can match (a literal prefilter skips the others)
 * runs under pcre2's match limits; among intents whose pattern matched, the
 * highest priority wins, then the longest matched span (a pattern made only
 * of lookaheads counts as long as the literals it requires), then load order.
 * Stage 1b, when no pattern matched: the key's unknown words are corrected
 * against the catalogue's vocabulary (spell.h) and stage 1 runs again on the
 * corrected key. An emergency found only on the corrected key counts only
 * when the fuzzy stage on that key also finds emergency the nearest intent
 * (otherwise the corrected key's best other intent is used): a typo must not
 * turn a question into an emergency on a single guessed word.
 * Stage 2, when still no pattern matched: a fuzzy nearest-neighbour search over the
 * intents' examples (character trigrams and words, TF-IDF cosine) answers
 * only when confident; otherwise the result is "fallback" with the closest
 * intents as suggestions. It reads the corrected key when there is one.
 * Stage 3, for what is still not understood: the danger model (alarm.h)
 * turns it into "emergency" on strong evidence.
 */
#ifndef VIGIE_MATCH_H
#define VIGIE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "intent.h"
#include "lang.h"

#define MATCH_MAX_CLOSE 3

/* The danger model's log-odds from which a message nothing else understood
 * becomes an emergency (how it was set: match.c, before apply_alarm()). */
#define ALARM_FALLBACK_LOG_ODDS 28.0

/* True when the danger model's log-odds over 'n_features' distinct
 * features make a message nothing else understood an emergency: at least
 * ALARM_FALLBACK_LOG_ODDS, and for a long message enough per feature too
 * (see match.c; a message another intent understood has a higher bar). */
bool match_alarm_answers(double log_odds, size_t n_features);

/* MATCH_CORRECTED: no pattern matched the key, but one matched it once
 * its misspelt words were corrected against the catalogue's vocabulary.
 * MATCH_ALARM: the danger model (alarm.h) found strong evidence of danger
 * in a key nothing understood, or overwhelming evidence in a key another
 * intent understood: emergency (pattern is then -1). */
enum match_stage { MATCH_NONE, MATCH_PATTERN, MATCH_FUZZY, MATCH_CORRECTED, MATCH_ALARM };

struct match_result {
    long intent;                 /* chosen intent index (fallback when not understood) */
    enum match_stage stage;      /* how it was chosen */
    double score;                /* 0.0 - 1.0 */
    long pattern;                /* winning pattern (index into the set), or -1 */
    unsigned lang_mask;          /* bit per language whose patterns of 'intent' matched */
    enum lang fuzzy_lang;        /* language of the closest examples, or LANG_NONE */
    long close[MATCH_MAX_CLOSE]; /* closest other intents (for suggestions) */
    double close_score[MATCH_MAX_CLOSE];
    size_t n_close;
    long fuzzy_best;      /* the fuzzy stage's nearest intent (answered or not), or -1 */
    double fuzzy_margin;  /* its lead over the next intent */
    unsigned n_tried;     /* patterns that pcre2 actually ran (the rest were skipped) */
    bool limit_hit;       /* some pattern hit a pcre2 limit on this key */
    unsigned n_corrected; /* words the spelling stage changed (0: key as typed) */
    double alarm;         /* the danger model's log-odds, when it was asked */
};

/* Matches 'key' ('len' bytes, already folded by norm_text(), so valid
 * UTF-8) against 'set'. Returns 0 and fills 'out', or a negative vigie_err.
 * Uses the set's scratch space: one thread per set. */
int match_best(const struct intent_set *set, const char *key, size_t len,
               struct match_result *out);

/* As match_best(), for a caller that already knows the message's language
 * and so needs no lang_mask: an intent alone at its priority (emergency)
 * ends the search at its first matching pattern, in whichever language.
 * Same intent as match_best(); lang_mask and pattern may differ. */
int match_best_first(const struct intent_set *set, const char *key, size_t len,
                     struct match_result *out);

/* As match_best(), but the fuzzy stage ignores example 'ex_index' of
 * intent 'ex_intent' in language 'ex_lang' (when 'ex_counter' is 0): used by
 * the self-test so that an example cannot vouch for itself. */
int match_best_excluding(const struct intent_set *set, const char *key, size_t len,
                         long ex_intent, int ex_lang, long ex_index, int ex_counter,
                         struct match_result *out);

/* Stage 1 only, without the prefilter (every pattern runs): for tests that
 * check the prefilter never changes a result. */
int match_patterns_slow(const struct intent_set *set, const char *key, size_t len,
                        struct match_result *out);

#endif
