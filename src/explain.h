/*
 * explain.h - one line telling an organizer how a message reached its
 * intent: the pattern that matched and where it is written, the spelling
 * stage, the fuzzy stage, the danger model, or the closest intents when
 * nothing matched. vigie check's diagnostics and `vigie ask --why` print it.
 */
#ifndef VIGIE_EXPLAIN_H
#define VIGIE_EXPLAIN_H

#include <stddef.h>

#include "match.h"

/* Writes the line for 'm', a match of 'set', into 'buf' ('size' bytes; cut
 * short when it does not fit), e.g.
 * pattern 3 (en) "\bpassport\b" at intents/indicators.json:120:9 */
void explain_match(const struct intent_set *set, const struct match_result *m, char *buf,
                   size_t size);

#endif
