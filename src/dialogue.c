/*
 * dialogue.c - one visitor turn: validate, fold, match, choose the reply's
 * language and text, fill links and suggestions (see dialogue.h).
 *
 * The reply language (design.md 4.5): language.fr / language.en switch
 * explicitly; otherwise the message's language when the evidence is clear
 * (lang_decide: function words, SMS forms, elisions and contractions, accents,
 * then the catalogue lexicon, the language of the patterns that matched and
 * of the closest examples), else the client's hint, else the session's
 * language. With none of these (a bare "ok" or "911" from `vigie classify`
 * without a hint: the widget always sends the page language in hello, so a
 * session language exists there), English: the messages that reach this point
 * are names, acronyms and English loanwords ("menu", "stats", "IBM"), which
 * our test sets read as English far more often than as French.
 */
#include "dialogue.h"

#include <stdio.h>
#include <string.h>

#include "alarm.h"
#include "alloc.h"
#include "answer_cache.h"
#include "error.h"
#include "explain.h"
#include "intent_impl.h"
#include "match.h"
#include "normalize.h"
#include "utf8.h"

void dialogue_init(struct dialogue *d, enum lang page_lang)
{
    memset(d, 0, sizeof(*d));
    d->lang = page_lang;
}

static void set_last(struct dialogue *d, const char *id)
{
    size_t n = strlen(id);

    if (n >= sizeof(d->last_intent))
        n = sizeof(d->last_intent) - 1;
    memcpy(d->last_intent, id, n);
    d->last_intent[n] = '\0';
}

static int has_suggestion(const struct reply *out, const char *id)
{
    size_t i;

    for (i = 0; i < out->n_suggestions; i++)
        if (strcmp(out->suggestions[i].intent, id) == 0)
            return 1;
    return 0;
}

static void add_suggestion(const struct intent_set *set, struct reply *out, long idx)
{
    const struct intent *it;

    if (idx < 0 || (size_t)idx >= set->n_intents ||
        out->n_suggestions >= REPLY_MAX_SUGGESTIONS)
        return;
    it = &set->intents[idx];
    if (has_suggestion(out, it->id) || strcmp(it->id, out->intent) == 0)
        return;
    out->suggestions[out->n_suggestions].intent = it->id;
    out->suggestions[out->n_suggestions].label = it->label[out->lang];
    out->n_suggestions++;
}

/* Fills text, links and the intent's own suggestions of 'out' for intent
 * 'idx' in out->lang. 'turn' rotates among the answers. */
static void render(const struct intent_set *set, long idx, unsigned turn,
                   struct reply *out)
{
    const struct intent *it = &set->intents[idx];
    const struct intent_list *ans = &it->answers[out->lang];
    size_t i;

    out->intent = it->id;
    out->text = ans->n ? ans->items[turn % ans->n].text : "";
    out->n_links = 0;
    for (i = 0; i < it->n_links && out->n_links < REPLY_MAX_LINKS; i++) {
        const struct intent_link *lk = &it->links[i];
        if (!lk->label[out->lang] || !lk->url[out->lang])
            continue;
        out->links[out->n_links].label = lk->label[out->lang];
        out->links[out->n_links].url = lk->url[out->lang];
        out->n_links++;
    }
}

/* The message's own language from the text's evidence 'ev' and what the
 * match adds, or LANG_NONE when it is unclear. */
static enum lang message_lang(struct lang_evidence *ev, const struct match_result *m)
{
    int by_pattern = m->stage == MATCH_PATTERN || m->stage == MATCH_CORRECTED;

    if (by_pattern && m->lang_mask == 1u << LANG_FR)
        lang_evidence_add(ev, LANG_FR, LANG_W_PATTERN);
    else if (by_pattern && m->lang_mask == 1u << LANG_EN)
        lang_evidence_add(ev, LANG_EN, LANG_W_PATTERN);
    if (m->fuzzy_lang != LANG_NONE)
        lang_evidence_add(ev, m->fuzzy_lang, LANG_W_FUZZY);
    return lang_decide(ev);
}

static int lexicon_add_list(struct lang_lexicon *lex, const struct intent_list *list,
                            enum lang lang)
{
    char stack_key[512];
    size_t i;

    for (i = 0; i < list->n; i++) {
        const char *s = list->items[i].text;
        char *key;
        int rc = norm_key(s, strlen(s), stack_key, sizeof(stack_key), &key, NULL);

        if (rc == 0)
            rc = lang_lexicon_add(lex, key, lang);
        norm_key_release(key, stack_key);
        if (rc == VIGIE_ENOMEM)
            return rc;
    }
    return 0;
}

int dialogue_index_build(struct intent_set *set)
{
    struct lang_lexicon *lex = lang_lexicon_new();
    size_t i;
    int l;

    if (!lex)
        return VIGIE_ENOMEM;
    for (i = 0; i < set->n_intents; i++) {
        const struct intent *it = &set->intents[i];
        for (l = 0; l < LANG_COUNT; l++) {
            struct intent_text label = {.text = it->label[l]};
            struct intent_list labels = {.items = &label, .n = it->label[l] ? 1 : 0};
            if (lexicon_add_list(lex, &it->examples[l], (enum lang)l) < 0 ||
                lexicon_add_list(lex, &it->counters[l], (enum lang)l) < 0 ||
                lexicon_add_list(lex, &it->answers[l], (enum lang)l) < 0 ||
                lexicon_add_list(lex, &labels, (enum lang)l) < 0)
                goto fail;
        }
    }
    if (lang_lexicon_finish(lex) < 0)
        goto fail;
    set->lexicon = lex;
    set->answers = answer_cache_new(DIALOGUE_CACHE_ENTRIES);
    if (!set->answers) {
        lang_lexicon_free(lex);
        set->lexicon = NULL;
        return VIGIE_ENOMEM;
    }
    return 0;
fail:
    lang_lexicon_free(lex);
    return VIGIE_ENOMEM;
}

void dialogue_index_free(struct intent_set *set)
{
    lang_lexicon_free(set->lexicon);
    set->lexicon = NULL;
    answer_cache_free(set->answers);
    set->answers = NULL;
}

int dialogue_cache_size(struct intent_set *set, size_t entries)
{
    answer_cache_free(set->answers);
    set->answers = NULL;
    if (entries == 0)
        return 0;
    set->answers = answer_cache_new(entries);
    return set->answers ? 0 : VIGIE_ENOMEM;
}

/* A message often asks its question first and says the danger last ("I
 * wanted to know how to report this. He just came in, he's grabbing her";
 * "is it true you have to cross a border? because right now we are in a
 * van and they took our passports"); the emergency patterns' vetoes, written
 * for questions about signs, myths or reporting, then stand down on the
 * whole text. Its last sentence, last two and last three (each with more of
 * the message before it; from two sentences on) are matched again on their
 * own, and an emergency there makes the message one when the danger model
 * agrees on that part:
 * as much as it must to turn a fallback into an emergency when a pattern
 * found it (a part read alone loses the context that vetoed it: "can I
 * take part if I don't live in Canada right now?" after a DataJam question
 * scores -19, "he just came in, he's grabbing her" 112), and more when
 * only the danger model did (on the sets of session 13, the parts it alone
 * found in danger scored 83 and 112, those wrongly found 31 and 34: "my
 * bus is finally coming around the corner", "I'm not in danger tonight"
 * said after the rest). */
#define DANGER_TAIL_MODEL_LOG_ODDS 60.0 /* above ALARM_FALLBACK_LOG_ODDS */
static int is_sentence_end(char c)
{
    return c == '.' || c == '!' || c == '?' || c == '\n';
}

/* Where the sentence that ends at 'end' (exclusive) begins. */
static size_t sentence_before(const char *text, size_t end)
{
    size_t i = end;

    while (i > 0 && (is_sentence_end(text[i - 1]) || text[i - 1] == ' '))
        i--;
    while (i > 0 && !is_sentence_end(text[i - 1]))
        i--;
    return i;
}

static int danger_at_end(const struct intent_set *set, const char *text, size_t len)
{
    size_t starts[3];
    int n = 0;

    if (set->emergency < 0 || !alarm_trusted(set->alarm))
        return 0;
    /* the last one, two and three sentences, each with more before it */
    for (size_t end = len; n < 3; n++) {
        starts[n] = sentence_before(text, end);
        if (starts[n] == 0)
            break;
        end = starts[n];
    }
    if (n < 1)
        return 0;
    for (int k = 0; k < n; k++) {
        char stack_key[512];
        char *key = stack_key;
        size_t key_len;
        struct match_result m;
        double odds;
        int hit;
        if (norm_key(text + starts[k], len - starts[k], stack_key, sizeof(stack_key),
                     &key, &key_len) < 0)
            return 0;
        /* the model first: it costs a fraction of the patterns' run, and
         * under the lower bar nothing can stand (most two-sentence
         * questions end here) */
        odds = alarm_score(set->alarm, key, key_len, ALARM_OWN_NONE, NULL);
        hit = odds >= ALARM_FALLBACK_LOG_ODDS &&
              match_best_first(set, key, key_len, &m) == 0 && m.intent == set->emergency;
        if (hit && m.stage != MATCH_PATTERN && m.stage != MATCH_CORRECTED)
            hit = odds >= DANGER_TAIL_MODEL_LOG_ODDS;
        norm_key_release(key, stack_key);
        if (hit)
            return 1;
    }
    return 0;
}

/* A long message tells its story first and asks in a sentence or two, and
 * the story names other topics than the one asked about: a pattern of the
 * story's topic can match a longer span than the question's and win. When
 * a message of QUESTION_MIN_LEN bytes or more has at least three sentences,
 * and the asking ones (ending in '?') make at most half of it, these are
 * matched again on their own; a pattern there (not the fuzzy stage nor the
 * danger model) for a topic or what-to-do intent (priority at least the
 * default) answers instead, unless it is a neighbour of the whole message's
 * intent (see same_family()): "What signs should I watch for?" after a
 * story about a teenager keeps indicators.youth, which the story made
 * precise. Measured on the long-message sets before choosing (session
 * 15): ZV +10, ZK +11, ZR +5 questions, dev +13 of 22,218, held out J +1,
 * SS and ZJ unchanged; letting neighbours override too cost dev 24 and J,
 * SS and ZJ one each.
 * The half bounds the cost: a message that is mostly questions is its own
 * question, and its second match is never longer than half of it (2 KiB of
 * glued questions, many without their '?', cost 14% more with the step, with
 * the bound or without). */
#define QUESTION_MIN_LEN       200
#define QUESTION_MIN_SENTENCES 3
#define QUESTION_MIN_WORDS     5

/* 1 when intents 'a' and 'b' answer neighbouring questions: their ids share
 * the part before the first '.' (indicators.*, datajam.*), or both were
 * raised to one priority above the default (support.*, report and hotline:
 * what to do next). */
static int same_family(const struct intent *a, const struct intent *b)
{
    const char *da = strchr(a->id, '.'), *db = strchr(b->id, '.');

    if (a == b || (a->priority == b->priority && a->priority > INTENT_DEFAULT_PRIORITY))
        return 1;
    return da && db && da - a->id == db - b->id &&
           memcmp(a->id, b->id, (size_t)(da - a->id)) == 0;
}

/* Copies the sentences of 'text' that end in '?' into 'buf', separated by
 * one space, as far as 'len' bytes hold them (sentences glued without a
 * space, "why?why?", would need more), and returns their length;
 * '*n_sentences' receives the number of sentences and '*n_words' the words
 * of those copied. */
static size_t asking_sentences(const char *text, size_t len, char *buf,
                               size_t *n_sentences, size_t *n_words)
{
    size_t i = 0, out = 0;

    *n_sentences = *n_words = 0;
    while (i < len) {
        size_t start = i, end;
        int asks = 0;
        while (i < len && !is_sentence_end(text[i]))
            i++;
        while (i < len && is_sentence_end(text[i]))
            asks |= text[i++] == '?';
        end = i;
        while (start < end && (text[start] == ' ' || text[start] == '\t'))
            start++;
        if (start == end)
            continue;
        (*n_sentences)++;
        if (!asks || out + (out > 0) + (end - start) > len)
            continue;
        if (out > 0)
            buf[out++] = ' ';
        for (size_t k = start; k < end; k++) {
            if (text[k] != ' ' && (k == start || text[k - 1] == ' '))
                (*n_words)++;
            buf[out++] = text[k];
        }
    }
    return out;
}

/* The intent the asking sentences of a long message call for when it is
 * not a neighbour of 'whole' (the intent of the whole message), else -1. */
static long question_intent(const struct intent_set *set, const char *text, size_t len,
                            long whole)
{
    char stack_q[1024], stack_key[512];
    char *q = stack_q, *key;
    size_t q_len, n_sentences, n_words, key_len;
    struct match_result m;
    long found = -1;

    if (len < QUESTION_MIN_LEN || whole == set->emergency)
        return -1;
    if (len + 1 > sizeof(stack_q) && !(q = alloc_malloc(len + 1)))
        return -1;
    q_len = asking_sentences(text, len, q, &n_sentences, &n_words);
    if (q_len > 0 && q_len <= len / 2 && n_sentences >= QUESTION_MIN_SENTENCES &&
        n_words >= QUESTION_MIN_WORDS &&
        norm_key(q, q_len, stack_key, sizeof(stack_key), &key, &key_len) == 0) {
        if (match_best_first(set, key, key_len, &m) == 0 && m.intent >= 0 &&
            m.intent != whole && m.intent != set->fallback &&
            m.intent != set->emergency && m.stage == MATCH_PATTERN &&
            set->intents[m.intent].priority >= INTENT_DEFAULT_PRIORITY &&
            (whole < 0 || !same_family(&set->intents[m.intent], &set->intents[whole])))
            found = m.intent;
        norm_key_release(key, stack_key);
    }
    if (q != stack_q)
        alloc_free(q);
    return found;
}

/* How understand() decided, for dialogue_explain(). */
struct how {
    struct match_result whole; /* the whole message's match */
    enum { BY_MATCH, BY_DANGER_AT_END, BY_QUESTION } by;
};

/* Folds and matches 'text', then weighs its language: the part of a reply
 * that depends only on the text and the catalogue (kept in set->answers).
 * Fills 'how' unless it is NULL. */
static int understand(const struct intent_set *set, const char *text, size_t len,
                      struct cached_answer *out, struct how *how)
{
    char stack_key[512];
    char *key = stack_key;
    size_t key_len, i;
    struct match_result m;
    struct lang_evidence ev;
    int rc;

    rc = norm_key(text, len, stack_key, sizeof(stack_key), &key, &key_len);
    if (rc < 0)
        return rc;
    /* When the words alone decide the language, the match need not say
     * which languages' patterns matched: an emergency stops at its first. */
    lang_weigh(set->lexicon, text, len, key, &ev);
    if (lang_strong_leader(&ev) != LANG_NONE)
        rc = match_best_first(set, key, key_len, &m);
    else
        rc = match_best(set, key, key_len, &m);
    if (rc == 0 && how) {
        how->whole = m;
        how->by = BY_MATCH;
    }
    if (rc == 0 && m.intent != set->emergency && danger_at_end(set, text, len)) {
        m.intent = set->emergency;
        m.stage = MATCH_PATTERN;
        m.score = 1.0;
        if (how)
            how->by = BY_DANGER_AT_END;
    } else if (rc == 0) {
        long asked = question_intent(set, text, len, m.intent);
        if (asked >= 0) {
            m.intent = asked;
            m.stage = MATCH_PATTERN;
            m.score = 1.0;
            if (how)
                how->by = BY_QUESTION;
        }
    }
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        out->intent = (int32_t)m.intent;
        out->score = m.score;
        for (i = 0; i < m.n_close && i < ANSWER_CACHE_CLOSE; i++)
            out->close[out->n_close++] = (int32_t)m.close[i];
        if (m.intent == set->lang_fr && set->lang_fr >= 0)
            out->lang = LANG_FR;
        else if (m.intent == set->lang_en && set->lang_en >= 0)
            out->lang = LANG_EN;
        else
            out->lang = (int8_t)message_lang(&ev, &m);
    }
    norm_key_release(key, stack_key);
    return rc;
}

static int only_space(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!strchr(" \t\r\n\v\f", text[i]) || text[i] == '\0')
            return 0;
    return 1;
}

/* VIGIE_EUTF8 or VIGIE_EINVAL (empty or only spaces) for a text that cannot
 * be understood, else 0. */
static int text_problem(const char *text, size_t len)
{
    if (!utf8_is_valid(text, len))
        return VIGIE_EUTF8;
    if (len == 0 || only_space(text, len))
        return VIGIE_EINVAL;
    return 0;
}

/* Someone in danger writes in pieces: after the emergency reply come "i dont
 * know the address", "near a highway in mississauga", "no phone just hotel
 * wifi", "should I go knock on their door?". Read alone, such a message is
 * not understood; answering it with "I did not understand" in a crisis would
 * fail the person, so a message the catalogue does not understand, right
 * after an emergency reply, gets the emergency reply again. A message that
 * asks something the catalogue knows (a number, privacy, thanks) gets its
 * own answer and ends it. On the conversation sets ZZZZZZZZC, ZZZZZZZZE and
 * ZZZZZZZZG (consecutive lines after a line answered as an emergency): 8
 * emergencies found this way, 2 lines about something else ("how do I cancel
 * my netflix") answered with the emergency reply, which costs such a visitor
 * little. */
static int crisis_goes_on(const struct intent_set *set, const struct dialogue *d,
                          const struct cached_answer *a)
{
    return set->emergency >= 0 && a->intent == set->fallback &&
           strcmp(d->last_intent, set->intents[set->emergency].id) == 0;
}

int dialogue_message(const struct intent_set *set, struct dialogue *d, const char *text,
                     size_t len, enum lang hint, struct reply *out)
{
    struct cached_answer a;
    struct answer_key key;
    enum lang lang;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > DIALOGUE_MAX_TEXT)
        return VIGIE_ETOOLONG;
    answer_cache_key(set->answers, text, len, &key);
    /* A text found in the cache passed the checks below when it was kept. */
    if (!answer_cache_get(set->answers, &key, &a)) {
        if ((rc = text_problem(text, len)) < 0)
            return rc;
        rc = understand(set, text, len, &a, NULL);
        if (rc < 0)
            return rc;
        answer_cache_put(set->answers, &key, &a);
    }
    if (crisis_goes_on(set, d, &a)) {
        a.intent = (int32_t)set->emergency;
        a.score = 1.0;
        a.n_close = 0;
        out->crisis_follow_up = 1;
    }
    lang = (enum lang)a.lang;
    if (lang == LANG_NONE)
        lang = hint;
    if (lang == LANG_NONE)
        lang = d->lang;
    if (lang == LANG_NONE)
        lang = LANG_EN;
    out->lang = lang;
    out->score = a.score;
    render(set, a.intent, d->turns, out);
    for (i = 0; i < set->intents[a.intent].n_suggest; i++)
        add_suggestion(set, out, set->intents[a.intent].suggest[i]);
    if (a.intent == set->fallback) {
        /* Not understood: the closest topics first, then fallback's own. */
        struct reply tmp = *out;
        out->n_suggestions = 0;
        for (i = 0; i < a.n_close && out->n_suggestions < 3; i++)
            add_suggestion(set, out, a.close[i]);
        for (i = 0; i < tmp.n_suggestions; i++)
            if (out->n_suggestions < REPLY_MAX_SUGGESTIONS &&
                !has_suggestion(out, tmp.suggestions[i].intent))
                out->suggestions[out->n_suggestions++] = tmp.suggestions[i];
    }
    d->lang = lang;
    set_last(d, out->intent);
    d->turns++;
    return 0;
}

int dialogue_suggestion(const struct intent_set *set, struct dialogue *d,
                        const char *intent_id, struct reply *out)
{
    long idx;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!intent_id)
        return VIGIE_ENOENT;
    idx = intent_set_find(set, intent_id);
    if (idx < 0)
        return VIGIE_ENOENT;
    if (idx == set->lang_fr)
        d->lang = LANG_FR;
    else if (idx == set->lang_en)
        d->lang = LANG_EN;
    out->lang = d->lang != LANG_NONE ? d->lang : LANG_FR;
    out->score = 1.0;
    render(set, idx, d->turns, out);
    for (i = 0; i < set->intents[idx].n_suggest; i++)
        add_suggestion(set, out, set->intents[idx].suggest[i]);
    d->lang = out->lang;
    set_last(d, out->intent);
    d->turns++;
    return 0;
}

int dialogue_explain(const struct intent_set *set, const char *text, size_t len,
                     char *buf, size_t size)
{
    struct cached_answer a;
    struct how how;
    char whole[400];
    int rc;

    if (size == 0)
        return VIGIE_EINVAL;
    buf[0] = '\0';
    if (len > DIALOGUE_MAX_TEXT)
        return VIGIE_ETOOLONG;
    if ((rc = text_problem(text, len)) < 0)
        return rc;
    rc = understand(set, text, len, &a, &how);
    if (rc < 0)
        return rc;
    explain_match(set, &how.whole, whole, sizeof(whole));
    if (how.by == BY_MATCH)
        snprintf(buf, size, "%s", whole);
    else
        snprintf(buf, size,
                 "the %s sentences read alone call for \"%s\"; the whole message would "
                 "get \"%s\" by %s",
                 how.by == BY_DANGER_AT_END ? "last" : "asking",
                 set->intents[a.intent].id, set->intents[how.whole.intent].id, whole);
    return 0;
}
