/*
 * test_answer_cache.c - the table of recent answers on its own (hits,
 * misses, least recently used eviction), then through dialogue_message():
 * a reply from the cache is the reply the engine would have given, in each
 * session's own language.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer_cache.h"
#include "dialogue.h"
#include "error.h"

static struct cached_answer answer(int32_t intent)
{
    struct cached_answer a;

    memset(&a, 0, sizeof(a));
    a.intent = intent;
    a.lang = (int8_t)LANG_NONE;
    a.score = 0.5;
    return a;
}

/* The two calls of the API, by text. */
static int get(struct answer_cache *c, const char *text, size_t len,
               struct cached_answer *out)
{
    struct answer_key key;

    answer_cache_key(c, text, len, &key);
    return answer_cache_get(c, &key, out);
}

static void put(struct answer_cache *c, const char *text, size_t len,
                const struct cached_answer *answer)
{
    struct answer_key key;

    answer_cache_key(c, text, len, &key);
    answer_cache_put(c, &key, answer);
}

static int has(struct answer_cache *c, const char *text, int32_t intent)
{
    struct cached_answer got;

    return get(c, text, strlen(text), &got) && got.intent == intent;
}

static void test_zero_entries_is_no_cache(void **state)
{
    struct cached_answer a = answer(1);

    (void)state;
    assert_null(answer_cache_new(0));
    put(NULL, "x", 1, &a); /* a set without a cache: no-ops */
    assert_int_equal(get(NULL, "x", 1, &a), 0);
}

static void test_put_then_get(void **state)
{
    struct answer_cache *c = answer_cache_new(1000);
    struct cached_answer a = answer(7), got;
    unsigned long lookups, hits;

    (void)state;
    assert_non_null(c);
    assert_false(has(c, "what is the hotline", 7));
    put(c, "what is the hotline", 19, &a);
    assert_true(get(c, "what is the hotline", 19, &got));
    assert_memory_equal(&got, &a, sizeof(a));
    /* Another text, a prefix, the same text with one more byte: misses. */
    assert_false(has(c, "what is the hotline?", 7));
    assert_false(has(c, "what is the hotlin", 7));
    assert_false(has(c, "What is the hotline", 7));
    assert_false(get(c, "", 0, &got));
    /* Putting the same text again replaces its answer. */
    a.intent = 8;
    put(c, "what is the hotline", 19, &a);
    assert_true(has(c, "what is the hotline", 8));
    answer_cache_stats(c, &lookups, &hits);
    assert_int_equal(lookups, 7);
    assert_int_equal(hits, 2);
    answer_cache_free(c);
}

/* Four entries are one set of four ways: the fifth text evicts the least
 * recently used one. */
static void test_least_recently_used_goes(void **state)
{
    struct answer_cache *c = answer_cache_new(4);
    const char *text[5] = {"one", "two", "three", "four", "five"};
    int i;

    (void)state;
    assert_non_null(c);
    for (i = 0; i < 4; i++) {
        struct cached_answer a = answer(i);
        put(c, text[i], strlen(text[i]), &a);
    }
    assert_true(has(c, "one", 0)); /* "two" is now the least recently used */
    {
        struct cached_answer a = answer(4);
        put(c, "five", 4, &a);
    }
    assert_false(has(c, "two", 1));
    assert_true(has(c, "one", 0));
    assert_true(has(c, "three", 2));
    assert_true(has(c, "four", 3));
    assert_true(has(c, "five", 4));
    answer_cache_free(c);
}

/* Many texts in a small table: whatever is found is the right answer. */
static void test_never_a_wrong_answer(void **state)
{
    struct answer_cache *c = answer_cache_new(64);
    char text[32];
    int i, found = 0;

    (void)state;
    for (i = 0; i < 5000; i++) {
        struct cached_answer a = answer(i);
        snprintf(text, sizeof(text), "question %d", i);
        put(c, text, strlen(text), &a);
    }
    for (i = 0; i < 5000; i++) {
        struct cached_answer got;
        snprintf(text, sizeof(text), "question %d", i);
        if (get(c, text, strlen(text), &got)) {
            assert_int_equal(got.intent, i);
            found++;
        }
    }
    assert_int_equal(found, 64); /* the last 64 stay */
    answer_cache_free(c);
}

static const char *const questions[] = {
    "help!",
    "I need help now",
    "j'ai besoin d'aide",
    "english please",
    "en français svp",
    "\xf0\x9f\x98\x80",
    "ok",
    "what's the weather",
    "hello",
    "bonjour",
};

static void same_reply(const struct reply *a, const struct reply *b)
{
    size_t i;

    assert_string_equal(a->intent, b->intent);
    assert_int_equal(a->lang, b->lang);
    assert_true(a->score == b->score);
    assert_string_equal(a->text, b->text);
    assert_int_equal(a->n_links, b->n_links);
    assert_int_equal(a->n_suggestions, b->n_suggestions);
    for (i = 0; i < a->n_suggestions; i++)
        assert_string_equal(a->suggestions[i].intent, b->suggestions[i].intent);
}

/* Each question asked in an English and a French session, first with the
 * cache off, then twice with it on (the second reply comes from it). */
static void test_cached_reply_is_the_engines(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, diag_print_cb, NULL);
    size_t i;
    int l;

    (void)state;
    assert_non_null(set);
    for (i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
        for (l = 0; l < LANG_COUNT; l++) {
            const char *q = questions[i];
            struct dialogue d1, d2;
            struct reply cold, warm;
            int round;
            assert_int_equal(dialogue_cache_size(set, 0), 0);
            dialogue_init(&d1, (enum lang)l);
            assert_int_equal(dialogue_message(set, &d1, q, strlen(q), LANG_NONE, &cold),
                             0);
            assert_int_equal(dialogue_cache_size(set, 16), 0);
            for (round = 0; round < 2; round++) {
                dialogue_init(&d2, (enum lang)l);
                assert_int_equal(
                    dialogue_message(set, &d2, q, strlen(q), LANG_NONE, &warm), 0);
                same_reply(&cold, &warm);
                assert_int_equal(d1.lang, d2.lang);
            }
        }
    }
    intent_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_entries_is_no_cache),
        cmocka_unit_test(test_put_then_get),
        cmocka_unit_test(test_least_recently_used_goes),
        cmocka_unit_test(test_never_a_wrong_answer),
        cmocka_unit_test(test_cached_reply_is_the_engines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
