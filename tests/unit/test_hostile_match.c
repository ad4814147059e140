/*
 * test_hostile_match.c - at run time the pcre2 limits bound every message,
 * even with catastrophic patterns live in the catalogue (the server serves a
 * catalogue whose self-test fails, with a warning). Long hostile messages
 * must be answered (the limit counts as "no match" for that pattern) and the
 * limit hit must be visible; ctest's TIMEOUT turns unbounded work into a
 * failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "intent.h"
#include "match.h"
#include "normalize.h"

/* Twelve examples, "W 1" ... "W 12", as a JSON array into 'buf'. */
static const char *twelve(char *buf, size_t size, const char *w)
{
    size_t n = 0;

    for (int i = 1; i <= 12; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s\"%s %d\"%s", i == 1 ? "[" : ",", w,
                              i, i == 12 ? "]" : "");
    return buf;
}

/* Catastrophic patterns, live: loading does not run the self-test. */
static const char catalogue_fmt[] =
    "{\"intents\": [\n"
    "{\"id\": \"fallback\", \"label\": {\"en\": \"?\", \"fr\": \"?\"},\n"
    " \"examples\": {\"en\": %s, \"fr\": %s},\n"
    " \"answers\": {\"en\": [\"no\"], \"fr\": [\"non\"]}, \"sources\": [\"t\"]},\n"
    "{\"id\": \"hostile\", \"label\": {\"en\": \"H\", \"fr\": \"H\"},\n"
    " \"patterns\": {\"en\": [\"(a+)+$\", \"(a|aa)+$\", \"^((a|aa)+|b)+$\", \"(.*)*x\",\n"
    "   \"^(\\\\w+\\\\s?)*$\", \"(a|a)*c\", \"^(?=(a+)+b)\", \"(\\\\w+ )+z\"],\n"
    "   \"fr\": [\"^(a*)*$\", \"(de |la )*(de |la )+q\"]},\n"
    " \"examples\": {\"en\": %s, \"fr\": %s},\n"
    " \"answers\": {\"en\": [\"h\"], \"fr\": [\"h\"]}, \"sources\": [\"t\"]},\n"
    "{\"id\": \"emergency\", \"priority\": 100, \"label\": {\"en\": \"E\", \"fr\": "
    "\"U\"},\n"
    " \"patterns\": {\"en\": [\"\\\\bdanger\\\\b\"], \"fr\": [\"\\\\bdanger\\\\b\"]},\n"
    " \"examples\": {\"en\": %s, \"fr\": %s},\n"
    " \"answers\": {\"en\": [\"911\"], \"fr\": [\"911\"]}, \"sources\": [\"t\"]}\n"
    "]}\n";

static int setup(void **state)
{
    char ex[6][200], buf[4096];
    struct intent_set *set;
    int n = snprintf(buf, sizeof(buf), catalogue_fmt, twelve(ex[0], 200, "weather"),
                     twelve(ex[1], 200, "meteo"), twelve(ex[2], 200, "aaa"),
                     twelve(ex[3], 200, "aaa"), twelve(ex[4], 200, "danger"),
                     twelve(ex[5], 200, "danger"));

    if (n < 0 || (size_t)n >= sizeof(buf))
        return -1;
    set = intent_set_parse("hostile.json", buf, (size_t)n, diag_print_cb, NULL);
    *state = set;
    return set ? 0 : -1;
}

static int teardown(void **state)
{
    intent_set_free(*state);
    return 0;
}

/* 'len' bytes of 'unit' repeated, then 'tail'. Caller frees. */
static char *repeat(const char *unit, size_t len, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail), n = 0;
    char *s = malloc(len + tl + 1);

    assert_non_null(s);
    while (n + ul <= len) {
        memcpy(s + n, unit, ul);
        n += ul;
    }
    memcpy(s + n, tail, tl + 1);
    return s;
}

static const char *const units[] = {"a",  "a ",   "aa b ",   "de la ",
                                    "ab", "the ", "\xc3\xa0"};
static const char *const tails[] = {"", "!", " ?", "'", " danger"};

static void test_long_hostile_messages_are_answered(void **state)
{
    const struct intent_set *set = *state;
    static const size_t sizes[] = {64, 2048, DIALOGUE_MAX_TEXT - 16};

    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
        for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++)
            for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
                char *msg = repeat(units[u], sizes[z], tails[t]);
                struct dialogue d;
                struct reply r;
                int rc;

                dialogue_init(&d, LANG_EN);
                rc = dialogue_message(set, &d, msg, strlen(msg), LANG_NONE, &r);
                assert_int_equal(rc, 0);
                assert_non_null(r.intent);
                assert_non_null(r.text);
                if (strcmp(tails[t], " danger") == 0)
                    assert_string_equal(r.intent, "emergency");
                free(msg);
            }
}

static void test_limit_hit_is_reported(void **state)
{
    const struct intent_set *set = *state;
    char *msg = repeat("a", 2048, "'");
    struct match_result m;

    assert_int_equal(match_best(set, msg, strlen(msg), &m), 0);
    assert_true(m.limit_hit);
    assert_true(m.intent >= 0);
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_hostile_messages_are_answered),
        cmocka_unit_test(test_limit_hit_is_reported),
    };
    return cmocka_run_group_tests_name("hostile_match", tests, setup, teardown);
}
