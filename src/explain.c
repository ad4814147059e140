/*
 * explain.c - how a match was reached, in words (see explain.h).
 */
#include "explain.h"

#include <stdio.h>

#include "intent_impl.h"

/* "pattern 3 (en) "TEXT" at intents/x.json:12:9" for pattern 'pi'. */
static int explain_pattern(const struct intent_set *set, long pi, char *buf, size_t size)
{
    const struct pattern *p = &set->patterns[pi];
    const struct intent *it = &set->intents[p->intent];
    const struct intent_text *t = &it->patterns[p->lang].items[p->index - 1];

    return snprintf(buf, size, "pattern %u (%s) \"%.60s\" at %s:%d:%d", p->index,
                    lang_code(p->lang), t->text, set->files[it->file], t->line, t->col);
}

void explain_match(const struct intent_set *set, const struct match_result *m, char *buf,
                   size_t size)
{
    int n;

    if (size == 0)
        return;
    if ((m->stage == MATCH_PATTERN || m->stage == MATCH_CORRECTED) && m->pattern >= 0) {
        n = explain_pattern(set, m->pattern, buf, size);
        if (m->stage == MATCH_CORRECTED && n >= 0 && (size_t)n < size)
            snprintf(buf + n, size - (size_t)n, " after spelling correction");
    } else if (m->stage == MATCH_PATTERN || m->stage == MATCH_CORRECTED) {
        snprintf(buf, size, "a pattern of \"%s\"", set->intents[m->intent].id);
    } else if (m->stage == MATCH_FUZZY) {
        snprintf(buf, size, "fuzzy stage, similarity %.2f", m->score);
    } else if (m->stage == MATCH_ALARM) {
        snprintf(buf, size, "danger model, log-odds %.1f", m->alarm);
    } else {
        n = snprintf(buf, size, "nothing matched; closest:");
        for (size_t i = 0; i < m->n_close && n >= 0 && (size_t)n < size; i++)
            n += snprintf(buf + n, size - (size_t)n, " %s %.2f",
                          set->intents[m->close[i]].id, m->close_score[i]);
    }
}
