/*
 * alarm.h - a second opinion on danger.
 *
 * People describe danger in more ways than patterns can list: on questions
 * written blind, the emergency patterns missed about one emergency in eight
 * to ten, and those misses mostly ended as "not understood", some as a
 * calmer intent. This model weighs the words, word pairs and their stems of
 * a message against emergency's examples on one side and every other
 * example (and emergency's counter-examples) on the other: a naive Bayes
 * log-odds, built when the catalogue loads. match.c asks it last: strong
 * evidence turns "not understood" into emergency, overwhelming evidence
 * turns another intent's answer into it, so that a wrong guess costs a
 * visitor a "call 911 if you are in danger" and a right one may be all
 * that reaches someone in danger.
 */
#ifndef VIGIE_ALARM_H
#define VIGIE_ALARM_H

#include <stddef.h>

struct intent_set;
struct alarm;

/* Which class a text being scored was counted in when the model was built:
 * the self-test scores each example without its own counts. */
enum alarm_own { ALARM_OWN_NONE, ALARM_OWN_DANGER, ALARM_OWN_OTHER };

/* Builds the model from 'set' (its emergency intent's examples against the
 * rest). Returns NULL when out of memory. */
struct alarm *alarm_build(const struct intent_set *set);
void alarm_free(struct alarm *a);

/* 1 when the model learnt from enough texts to be trusted: at least 200
 * examples of danger and 1,000 others. Learnt from a few dozen, it is
 * overconfident (words it saw only in danger weigh as proof). */
int alarm_trusted(const struct alarm *a);

/* The log-odds (natural log) that the folded 'key' ('len' bytes) says
 * someone is in danger now; 'own' leaves the key's own counts out. When
 * 'n_features' is not NULL, it receives the number of the key's distinct
 * features (words, word pairs and their stems) the sum was taken over. */
double alarm_score(const struct alarm *a, const char *key, size_t len, enum alarm_own own,
                   size_t *n_features);

#endif
