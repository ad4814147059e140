/*
 * test_regex_lead.c - the strings every match begins with (regex_lead.h).
 * That no match begins elsewhere, on any subject, is fuzz_lead's job;
 * here, which strings the reader finds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "regex_lead.h"

/* 'want': the strings, each "^" first when it is a word start, joined by
 * spaces in the reader's order; NULL: no set. */
static void check(const char *src, const char *want)
{
    struct regex_lead lead;
    char got[REGEX_LEAD_MAX * (REGEX_LEAD_LEN + 3)] = "";
    size_t n = 0;
    int rc = regex_lead(src, strlen(src), &lead);

    if (!want) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, 1);
    for (size_t k = 0; k < lead.n; k++)
        n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s%s", k ? " " : "",
                              lead.word_start[k] ? "^" : "", lead.lit[k]);
    assert_string_equal(got, want);
}

static void test_literals_and_alternations(void **state)
{
    (void)state;
    check("\\b(?:outside (?:my|the) (?:\\w+ )?door|downstairs)",
          "^outside my  ^outside the  ^downstairs");
    check("(?<!je )\\b(?:travail\\w*|emplois?|job)\\b", "^travail ^emploi ^job");
    check("[rz]ouge", "rouge zouge");
    check("[x-z]a", "xa ya za");
    check("[z-\x7f]", "z { | } ~ \x7f"); /* a range up to the last ASCII byte */
    check("qu?est ce", "quest ce qest ce");
    /* \K and lookarounds read nothing */
    check("\\K(?:\\b(?:c'?est quoi))(?=.*x)", "^c'est quoi ^cest quoi");
    /* strings are cut at REGEX_LEAD_LEN */
    check("abcdefghijklmnopqrstuvwxyz", "abcdefghijkl");
}

static void test_optional_and_repeated_atoms(void **state)
{
    (void)state;
    /* an optional atom: with it and without it; \b after it applies to the
     * path without it only */
    check("(?:the )?\\bword", "the word ^word");
    check("a?b", "ab b");
    /* a repeat is not spelt past its first time */
    check("ab{2,3}c", "ab");
    check("(?:x|y)*z", "x y z");
    check("a{0}b", "b");
    /* one string covering another: the shorter stays */
    check("ab|abc", "ab");
    /* unless the shorter is a word start and the longer is not */
    check("ab|\\ba", "ab ^a");
}

static void test_no_set(void **state)
{
    (void)state;
    check("\\w+ing", NULL);  /* begins anywhere */
    check("x|", NULL);       /* may match the empty string */
    check("(?:a|b)?", NULL); /* likewise */
    check("(a)\\1", NULL);   /* back references */
    check("(?i)abc", NULL);  /* options */
    check("\\Qab\\E", NULL);
    check("[^a]b", NULL);  /* a negated class */
    check("(?:a|b", NULL); /* malformed */
    check("a)b", NULL);
}

static size_t dotstar(const char *src)
{
    return regex_dotstar_at(src, strlen(src));
}

static void test_dotstar_at(void **state)
{
    (void)state;
    assert_int_equal(dotstar("\\bsigns\\b.*\\bteen"), 9);
    assert_int_equal(dotstar("a.*?b"), 1);
    assert_int_equal(dotstar("(?:a.*b)"), 4);          /* one group around all */
    assert_int_equal(dotstar("\\K(?:(?:a)b.*c)"), 11); /* \\K first */
    assert_int_equal(dotstar("a(?!.*x).*b"), 8);       /* lookaheads are the head's */
    assert_int_equal(dotstar(".*x"), 0);               /* no head */
    assert_int_equal(dotstar("a|b.*c"), 0);            /* an alternation on top */
    assert_int_equal(dotstar("(?:a|b.*c)"), 0);
    assert_int_equal(dotstar("(?:a)|(?:b.*c)"), 0);
    assert_int_equal(dotstar("a.*+b"), 0); /* possessive */
    assert_int_equal(dotstar("a(?:.*)b"), 0);
    assert_int_equal(dotstar("a[.*]b"), 0);
    assert_int_equal(dotstar("a\\.*b"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals_and_alternations),
        cmocka_unit_test(test_optional_and_repeated_atoms),
        cmocka_unit_test(test_no_set),
        cmocka_unit_test(test_dotstar_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
