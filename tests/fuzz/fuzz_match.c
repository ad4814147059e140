/*
 * fuzz_match.c - the whole pipeline on the fixture intents: bytes ->
 * dialogue_message -> reply. The first byte picks the page language and the
 * hint; the rest is the visitor's text. Also checks that the literal
 * prefilter never changes the pattern stage's answer.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "dialogue.h"
#include "intent.h"
#include "intent_impl.h"
#include "match.h"
#include "normalize.h"
#include "spell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct intent_set *set;

static void release(void)
{
    intent_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum lang langs[3] = {LANG_NONE, LANG_FR, LANG_EN};
    struct dialogue d;
    struct reply r;
    const char *text;
    size_t len;
    char *key;
    int rc;

    if (!set) {
        set = intent_set_load(VIGIE_FIXTURE_INTENTS, diag_print_cb, NULL);
        if (!set)
            abort();
        atexit(release);
    }
    if (size < 1)
        return 0;
    text = (const char *)data + 1;
    len = size - 1;
    dialogue_init(&d, langs[data[0] % 3]);
    rc = dialogue_message(set, &d, text, len, langs[(data[0] / 3) % 3], &r);
    if (rc == 0) {
        if (!r.intent || !r.text || (r.lang != LANG_FR && r.lang != LANG_EN) ||
            r.score < 0 || r.score > 1.0001 || r.n_links > REPLY_MAX_LINKS ||
            r.n_suggestions > REPLY_MAX_SUGGESTIONS)
            abort();
        dialogue_message(set, &d, text, len, LANG_NONE, &r);
    }
    dialogue_suggestion(set, &d, "hotline", &r);
    key = malloc(len + 1);
    if (!key)
        abort();
    if (norm_text(text, len, key, len + 1, &len) == 0) {
        struct match_result fast, slow;
        match_best(set, key, len, &fast);
        match_patterns_slow(set, key, len, &slow);
        if (slow.stage == MATCH_PATTERN && fast.stage == MATCH_CORRECTED &&
            fast.intent == set->emergency) {
            /* another intent's pattern, then an emergency pattern on the
             * texting forms read as words (emergency_respelled): the
             * reference must find that emergency pattern there too */
            size_t clen = 0;
            char *ck = malloc(SPELL_OUT_CAP(len));
            if (!ck ||
                spell_texting(set->spell, key, len, ck, SPELL_OUT_CAP(len), &clen) <= 0)
                abort();
            match_patterns_slow(set, ck, clen, &slow);
            free(ck);
            if (slow.stage != MATCH_PATTERN || slow.pattern != fast.pattern)
                abort();
        } else if ((slow.stage == MATCH_PATTERN) != (fast.stage == MATCH_PATTERN) ||
                   (slow.stage == MATCH_PATTERN && slow.pattern != fast.pattern)) {
            abort();
        }
        /* the danger model is not trusted on the small fixture catalogue,
         * so the pipeline never asks it: ask it directly */
        if (isnan(alarm_score(set->alarm, key, len, ALARM_OWN_NONE, NULL)) ||
            isnan(alarm_score(set->alarm, key, len, ALARM_OWN_DANGER, NULL)))
            abort();
    }
    free(key);
    return 0;
}
