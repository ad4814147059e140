/*
 * test_regex_factor.c - alternations rewritten as tries (regex_factor.h).
 * That the rewritten pattern matches what the original does, on any
 * subject, is fuzz_factor's job; here, what the rewriting looks like.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "regex_factor.h"

static void check(const char *src, const char *want)
{
    char *got = regex_factor(src, strlen(src));

    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    alloc_free(got);
}

static void test_branches_share_their_first_letter(void **state)
{
    (void)state;
    check("(?:years? ago|yrs ago|before)", "(?:y(?:ears? ago|rs ago)|before)");
    check("ab|ac|ad", "a(?:b|c|d)");
    /* an empty rest keeps its place: "a" is still tried before "a2" */
    check("\\b(?:a|b|a2)\\b", "\\b(?:a(?:|2)|b)\\b");
    check("(?:a|ab)?c", "(?:a(?:|b))?c");
    /* ' and \' are one character */
    check("(?:'a|\\'b)", "(?:'(?:a|b))");
    /* inside a lookahead too */
    check("(?=ab|ac)a", "(?=a(?:b|c))a");
}

static void test_barriers_keep_the_order(void **state)
{
    (void)state;
    /* \w+ may begin with 'a': "ac" cannot be tried before it */
    check("(?:ab|\\w+|ac)", "(?:ab|\\w+|ac)");
    /* (?:x|y)z cannot begin with 'a': "ac" may pass it */
    check("(?:ab|(?:x|y)z|ac)", "(?:a(?:b|c)|(?:x|y)z)");
    /* a quantified first letter may not be there at all */
    check("(?:ab|b?a|ac)", "(?:ab|b?a|ac)");
    /* a lookbehind's branches must keep fixed lengths: copied */
    check("(?<!ab|ac)x", "(?<!ab|ac)x");
}

static void test_constructs_left_alone(void **state)
{
    (void)state;
    check("(a)\\1", NULL);
    check("(?i)abc", NULL);
    check("\\Qa|b\\E", NULL);
    check("(?<name>a|b)", NULL);
    check("(*UTF)a|b", NULL);
    check("(?:a|b", NULL); /* malformed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_branches_share_their_first_letter),
        cmocka_unit_test(test_barriers_keep_the_order),
        cmocka_unit_test(test_constructs_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
