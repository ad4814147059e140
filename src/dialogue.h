/*
 * dialogue.h - the one entry point the server and the organizer commands
 * use: a visitor's text (or a pressed suggestion) plus the session's state in,
 * a reply in the right language out. Knows nothing of sockets or JSON.
 */
#ifndef VIGIE_DIALOGUE_H
#define VIGIE_DIALOGUE_H

#include <stddef.h>

#include "intent.h"
#include "lang.h"

#define DIALOGUE_MAX_TEXT                                                                \
    65536 /* hard cap; the server's configurable limit                                   \
           * (default 2048 bytes) is checked before */
#define REPLY_MAX_LINKS        4
#define REPLY_MAX_SUGGESTIONS  4
#define DIALOGUE_MAX_INTENT_ID 64

/* Per-session state, in caller storage (the server keeps it in its session
 * struct). Survives a catalogue reload: it holds no pointer into the set. */
struct dialogue {
    enum lang lang; /* session language; LANG_NONE until known */
    char last_intent[DIALOGUE_MAX_INTENT_ID]; /* "" before the first reply */
    unsigned turns;                           /* replies given so far */
};

struct reply_link {
    const char *label; /* borrowed from the set, in the reply's language */
    const char *url;   /* https:, tel: or mailto: */
};

struct reply_suggestion {
    const char *intent; /* borrowed: an intent id */
    const char *label;  /* borrowed: a short button label in the reply's language */
};

/* Every pointer in a reply is borrowed from the intent set passed to the call
 * that filled it: encode the reply before the set can be freed. */
struct reply {
    const char *intent; /* the chosen intent id ("fallback" when not understood) */
    enum lang lang;     /* the reply's language, never LANG_NONE */
    double score;       /* confidence, 0.0 - 1.0 */
    const char *text;   /* plain text, never HTML */
    struct reply_link links[REPLY_MAX_LINKS];
    size_t n_links;
    struct reply_suggestion suggestions[REPLY_MAX_SUGGESTIONS];
    size_t n_suggestions;
    int crisis_follow_up; /* 1: an emergency only because the previous reply
                             was one (see crisis_goes_on() in dialogue.c) */
};

/* Answers kept per intent set by default (see answer_cache.h). */
#define DIALOGUE_CACHE_ENTRIES 16384

/* Keeps the outcome of up to 'entries' recent messages for 'set' (0: keep
 * none, every message is folded and matched). A set starts with
 * DIALOGUE_CACHE_ENTRIES. Returns 0 or VIGIE_ENOMEM (the set then keeps
 * none). */
int dialogue_cache_size(struct intent_set *set, size_t entries);

/* Initialises 'd' with 'page_lang' as its language (LANG_NONE if unknown). */
void dialogue_init(struct dialogue *d, enum lang page_lang);

/* Answers a visitor's message: 'text' is 'len' bytes of raw UTF-8; 'hint' is
 * the client's optional language hint (LANG_NONE when absent). Returns 0 and
 * fills 'out'; VIGIE_EUTF8 for invalid UTF-8, VIGIE_ETOOLONG when 'len' is over
 * DIALOGUE_MAX_TEXT, VIGIE_EINVAL when the text is empty or only spaces.
 * Updates 'd' (language, last intent, turns) only on success. A message not
 * understood right after an emergency reply gets the emergency reply again:
 * the same crisis told in pieces (see crisis_goes_on() in dialogue.c). */
int dialogue_message(const struct intent_set *set, struct dialogue *d, const char *text,
                     size_t len, enum lang hint, struct reply *out);

/* Why 'text' gets the intent dialogue_message() gives it, in one line for
 * organizers (`vigie ask --why`): the pattern that matched and where it is
 * written, or the stage that decided (see explain.h), and, when a long
 * message's last sentences or its question read alone decided, that too.
 * Reads the text afresh, never from the answer cache. Returns 0 or the
 * errors of dialogue_message(); 'buf' ('size' bytes) is cut short if need be. */
int dialogue_explain(const struct intent_set *set, const char *text, size_t len,
                     char *buf, size_t size);

/* Answers a pressed suggestion chip: the reply of intent 'intent_id' in the
 * session's language. Returns VIGIE_ENOENT for an unknown id. */
int dialogue_suggestion(const struct intent_set *set, struct dialogue *d,
                        const char *intent_id, struct reply *out);

#endif
