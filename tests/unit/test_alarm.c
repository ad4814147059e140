/*
 * test_alarm.c - the danger model on the fixture catalogue: danger words
 * weigh towards emergency, other topics away from it, a text scored without
 * its own counts loses what it taught, a word it never saw still weighs
 * through its stem, and a key without words raises no alarm.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alarm.h"
#include "intent.h"
#include "intent_impl.h"
#include "normalize.h"

static struct intent_set *set;

static int setup(void **state)
{
    (void)state;
    set = intent_set_load(VIGIE_FIXTURE_INTENTS, diag_print_cb, NULL);
    return set && set->alarm ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    intent_set_free(set);
    return 0;
}

static double score(const char *text, enum alarm_own own)
{
    char key[512];
    size_t n;

    assert_int_equal(norm_text(text, strlen(text), key, sizeof(key), &n), 0);
    return alarm_score(set->alarm, key, n, own, NULL);
}

static void test_danger_outweighs_other_topics(void **state)
{
    (void)state;
    /* words of emergency's examples, in an order none of them has */
    assert_true(score("right now someone locked me in, im in danger", ALARM_OWN_NONE) >
                0);
    assert_true(score("je suis enfermee il me menace", ALARM_OWN_NONE) > 0);
    assert_true(score("what is the hotline number", ALARM_OWN_NONE) < 0);
    assert_true(score("what is the hotline number", ALARM_OWN_NONE) <
                score("he threatens me in the house", ALARM_OWN_NONE));
}

static void test_own_counts_left_out(void **state)
{
    (void)state;
    /* an example of emergency loses its own support when left out */
    assert_true(score("I am in danger", ALARM_OWN_DANGER) <
                score("I am in danger", ALARM_OWN_NONE));
}

static void test_stems_carry_over(void **state)
{
    size_t n;

    (void)state;
    /* "enfermees" is in no example; "enfermee" (same first five bytes) is
     * one of emergency's words */
    assert_true(score("enfermees", ALARM_OWN_NONE) > score("zzqxwvvb", ALARM_OWN_NONE));
    /* features: 3 words, 2 pairs and 2 stemmed pairs; no word is long
     * enough for a stem of its own */
    alarm_score(set->alarm, "aa bb cc", 8, ALARM_OWN_NONE, &n);
    assert_int_equal(n, 7);
    alarm_score(set->alarm, "locked", 6, ALARM_OWN_NONE, &n);
    assert_int_equal(n, 2);
}

static void test_elision_typed_as_space(void **state)
{
    size_t n1, n2;
    char key[64];
    size_t kn;

    (void)state;
    /* "m a enferme" weighs as the example's "m'a enferme" */
    assert_true(score("on m a enferme", ALARM_OWN_NONE) ==
                score("on m'a enferme", ALARM_OWN_NONE));
    assert_true(score("on m a enferme", ALARM_OWN_NONE) >
                score("on ma enferme", ALARM_OWN_NONE));
    assert_int_equal(norm_text("qu il", 5, key, sizeof(key), &kn), 0);
    alarm_score(set->alarm, key, kn, ALARM_OWN_NONE, &n1);
    alarm_score(set->alarm, "qu'il", 5, ALARM_OWN_NONE, &n2);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, 1);
    /* a letter alone that starts no elision stays a word */
    alarm_score(set->alarm, "b il", 4, ALARM_OWN_NONE, &n1);
    assert_int_equal(n1, 4);
}

static void test_small_catalogue_not_trusted(void **state)
{
    (void)state;
    /* a dozen examples of danger: scores, but not trusted to answer */
    assert_false(alarm_trusted(set->alarm));
    assert_false(alarm_trusted(NULL));
}

static void test_no_words_no_alarm(void **state)
{
    (void)state;
    assert_true(isinf(alarm_score(set->alarm, "", 0, ALARM_OWN_NONE, NULL)));
    assert_true(alarm_score(set->alarm, "", 0, ALARM_OWN_NONE, NULL) < 0);
    /* words the model never saw weigh nothing: only the prior remains */
    assert_true(fabs(score("zzqx wvvb", ALARM_OWN_NONE) -
                     score("qqqj xxkw", ALARM_OWN_NONE)) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_danger_outweighs_other_topics),
        cmocka_unit_test(test_own_counts_left_out),
        cmocka_unit_test(test_stems_carry_over),
        cmocka_unit_test(test_elision_typed_as_space),
        cmocka_unit_test(test_small_catalogue_not_trusted),
        cmocka_unit_test(test_no_words_no_alarm),
    };
    return cmocka_run_group_tests_name("alarm", tests, setup, teardown);
}
