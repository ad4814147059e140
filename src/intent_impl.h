/*
 * intent_impl.h - the inside of struct intent_set, shared by intent.c (which
 * builds it), match.c (which reads patterns and builds the fuzzy index) and
 * dialogue.c (which renders replies). No other module includes this file.
 */
#ifndef VIGIE_INTENT_IMPL_H
#define VIGIE_INTENT_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "intent.h"
#include "jit_lazy.h"

#define INTENT_MIN_EXAMPLES     12
#define INTENT_DEFAULT_PRIORITY 50

/* A string from a file and where it was written (for diagnostics). */
struct intent_text {
    char *text; /* owned */
    int line, col;
};

struct intent_list {
    struct intent_text *items; /* owned array */
    size_t n;
};

struct intent_link {
    char *label[LANG_COUNT]; /* owned */
    char *url[LANG_COUNT];   /* owned */
};

struct intent {
    char *id; /* owned */
    int priority;
    int file;      /* index into intent_set.files */
    int line, col; /* position of the intent's object */
    char *label[LANG_COUNT];
    struct intent_list patterns[LANG_COUNT];
    struct intent_list examples[LANG_COUNT];
    struct intent_list counters[LANG_COUNT];
    struct intent_list answers[LANG_COUNT];
    struct intent_link *links;
    size_t n_links;
    /* Patterns that veto this intent's: a message one of them matches is
     * not answered by this intent's patterns (the fuzzy stage may still
     * find it close). Written once instead of the same (?!.*...) in every
     * pattern. */
    struct intent_list exclude;
    pcre2_code **exclude_code; /* owned, exclude.n entries (NULL: did not compile) */
    /* owned, exclude.n entries: the same, compiled for keys of ASCII only
     * like pattern parts (see compile_part()), and the literals each needs
     * (the prefilter's states from n_patterns + n_memo + exclude_base) */
    pcre2_code **exclude_fast;
    struct pattern_lits *exclude_req;
    struct pattern_starts *exclude_starts; /* owned, exclude.n entries */
    /* owned, exclude.n entries: an exclude of the ^(?=.*A)(?!.*B)... form
     * cut into parts like a pattern's (n_parts 0 otherwise), so that a long
     * message is searched for A and B rather than backtracked over */
    struct pattern *exclude_split;
    unsigned exclude_base;
    struct intent_list suggest_ids; /* as written */
    long *suggest;                  /* resolved intent indexes */
    size_t n_suggest;
};

/* The literals a pattern needs: it can only match a key that contains, for
 * every requirement set, at least one of that set's literals (no literal
 * at all: no such guarantee, the pattern always runs). */
#define PATTERN_MAX_SETS 4
struct pattern_lits {
    char **lits;        /* owned, NUL-terminated folded literals */
    unsigned char *set; /* owned: the requirement set of each literal */
    /* owned: 1 when the literal can only be found where a word starts
     * (the key byte before it, if any, is not a letter, digit or '_') */
    unsigned char *word_start;
    size_t n;
    unsigned n_sets; /* 0 - PATTERN_MAX_SETS */
};

/* The strings every match of a pattern (or part) run by pcre2 begins with
 * (regex_lead.h), and the same code compiled anchored, for keys of ASCII
 * only: pcre2 is tried at the positions where the prefilter's walk saw one
 * of them, not at every position of the key. 'code' NULL: no such set. */
struct pattern_starts {
    pcre2_code *code; /* owned */
    struct pattern_lits lits;
    /* 1: 'code' has a callout where its head ends, before a ".*" at its
     * top level (see compile_starts_code() in intent.c) */
    int cut;
};

/* A regex made only of alternative words, \b(?:w1|w2 x|w3\w*|...)\b (with
 * optional characters and nested groups expanded): it is decided from the
 * key's words by one hash lookup per word for the whole catalogue, not by
 * pcre2 (see match_word_alts()). Used when the key is plain ASCII. */
enum word_end { WORD_END_BOUNDARY, WORD_END_ANY, WORD_END_REST_OF_WORD };
struct word_alts {
    char **lits;        /* owned, in the order pcre2 would try them */
    unsigned char *end; /* owned: enum word_end of each literal */
    size_t n;           /* 0: not of that form, pcre2 decides */
    long id;            /* index in the match index, set by match_index_build() */
};

/* A pattern of the form ^(?=.*A)(?!.*B)...(.*C)? runs as independent
 * unanchored searches (A and C must be found, B must not): the same answer,
 * without the .* backtracking at every position of the key. */
struct pattern_part {
    pcre2_code *code; /* owned; NULL when 'same' is set */
    int negative;
    struct word_alts words;
    /* The catalogue repeats parts (the emergency patterns share their
     * exclusions): an identical part, lookahead and anchoring included, is
     * compiled once. 'same' is that first part (its code and words serve),
     * or NULL; 'memo' numbers the distinct parts, so that a part is run at
     * most once per key (see run_patterns()). */
    const struct pattern_part *same;
    unsigned memo;
    /* The literals the part needs, when pcre2 runs it (no 'words', no
     * 'same'): a key without them is decided by the prefilter's walk. */
    struct pattern_lits req;
    /* Where a match can begin (see struct pattern_starts). */
    struct pattern_starts starts;
    /* owned, or NULL: a negative part (?!(?=.*A)(?!.*B)...) whose body is
     * itself lookaheads, cut into parts as ^(?=.*A)(?!.*B)... would be, so
     * that A and B are searched for, not backtracked over from offset 0 */
    struct pattern *sub;
};

/* The span of a split pattern ^(?=A)(?!B)...TAIL, the length of its match
 * when it runs whole: the sum of its positive parts' spans (the
 * ^(?=.*A)(?!.*B)...(.*C)? form, by definition), its weight (no tail: an
 * empty match), the tail's (an anchored tail), or, for a tail .*C after an
 * anchored lookahead, the whole pattern's, run again once a tie needs it. */
enum span_rule { SPAN_PARTS, SPAN_WEIGHT, SPAN_TAIL, SPAN_WHOLE };

struct pattern {
    pcre2_code *code;           /* owned: the pattern as written (folded) */
    struct pattern_part *parts; /* owned; NULL when the pattern runs whole */
    unsigned n_parts;
    long intent;    /* index into intent_set.intents */
    int priority;   /* the intent's, copied for the hot loop */
    enum lang lang; /* which list it came from */
    unsigned index; /* 1-based position in that list, for messages */
    /* 0, or the 1-based branch of ^L(?:B1|B2|...) this pattern is: such a
     * pattern is loaded as one pattern a branch (see split_branches()). */
    unsigned branch;
    size_t weight; /* specificity of a zero-width match: its literal bytes */
    struct pattern_lits req;
    /* The literals the spelling corrector learns from the pattern (those of
     * the first, simpler extraction: see match_extract_literals()). */
    struct pattern_lits words_lits;
    struct word_alts words;       /* the whole pattern, when it has no parts */
    struct pattern_starts starts; /* the whole pattern, when it has no parts */
    /* Where a split pattern's span comes from (see compile_parts()). */
    enum span_rule span_rule;
    pcre2_code *span_code; /* owned, SPAN_WHOLE: the tail .*C, anchored */
    /* No other intent has this priority: once one of its patterns matched,
     * spans decide nothing (see run_patterns()). Set by match_index_build(). */
    int alone;
};

struct fuzzy_index;  /* match.c */
struct prefilter;    /* match.c */
struct spell;        /* spell.h */
struct alarm;        /* alarm.h */
struct answer_cache; /* answer_cache.h */

struct intent_set {
    struct intent *intents; /* owned array, load order */
    size_t n_intents;
    struct pattern *patterns; /* owned array, sorted by priority (highest first) */
    size_t n_patterns;
    char **files; /* owned: the path of every loaded file */
    size_t n_files;
    long fallback;         /* index of "fallback" */
    long emergency;        /* index of "emergency" */
    long lang_fr, lang_en; /* "language.fr" / "language.en", or -1 */
    char version[17];
    pcre2_general_context *gctx;
    pcre2_compile_context *cctx;
    pcre2_match_context *mctx;
    pcre2_match_data *md;        /* scratch: one set is used by one thread */
    struct fuzzy_index *fuzzy;   /* owned by match.c */
    struct prefilter *prefilter; /* owned by match.c */
    struct spell *spell;         /* owned by match.c: the catalogue's vocabulary */
    struct alarm *alarm;         /* owned by match.c: the danger model (alarm.h) */
    struct jit_lazy *jit;        /* owned: the codes JIT-compiled when they run */
    unsigned long limit_hits;    /* patterns that hit a limit (statistics) */
    unsigned n_memo;             /* distinct pattern parts (pattern_part.memo) */
    unsigned n_excl;             /* "exclude" patterns of every intent */
    /* owned by dialogue.c: word weights for the reply's language */
    struct lang_lexicon *lexicon;
    /* owned by dialogue.c: recent answers, or NULL (see answer_cache.h) */
    struct answer_cache *answers;
};

/* match.c: builds/frees the fuzzy index, the literal prefilter and the
 * spelling vocabulary of 'set'.
 * Return 0 or VIGIE_ENOMEM. */
int match_index_build(struct intent_set *set);
void match_index_free(struct intent_set *set);

/* dialogue.c: builds/frees the language lexicon of 'set' from its examples,
 * counter-examples, answers and labels. Return 0 or VIGIE_ENOMEM. */
int dialogue_index_build(struct intent_set *set);
void dialogue_index_free(struct intent_set *set);

/* match.c: reads 'src' ('n' bytes, folded) as a struct word_alts; 0 (with
 * out->n == 0 when it has another form) or VIGIE_ENOMEM. */
int match_word_alts(const char *src, size_t n, struct word_alts *out);
void match_word_alts_free(struct word_alts *wa);

/* match.c: extracts the literals pattern 'src' needs (see struct
 * pattern_lits) and, when 'words' is not NULL, the plainer set the spelling
 * corrector learns from; 0 or VIGIE_ENOMEM. */
int match_extract_literals(const char *src, struct pattern_lits *out, size_t *weight,
                           struct pattern_lits *words);
void match_literals_free(struct pattern_lits *pl);

#endif
