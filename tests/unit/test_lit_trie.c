/*
 * test_lit_trie.c - the double-array trie (lit_trie.h): every string is
 * found where it ends, nothing else is, walks stop where no string goes
 * on, and lit_trie_map_vals() renumbers exactly the strings' ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lit_trie.h"

/* The value at the end of walking 's' from the root, or -1 when the walk
 * stops before. */
static long walk(const struct lit_trie *t, const char *s)
{
    int32_t st = LIT_TRIE_ROOT;

    for (; *s; s++)
        if ((st = lit_trie_next(t, st, (unsigned char)*s)) < 0)
            return -1;
    return (long)lit_trie_val(t, st);
}

static void test_small_set(void **state)
{
    const char *s[] = {"a", "ab", "abc", "b", "ba", "\xc3\xa9t\xc3\xa9"};
    struct lit_trie t;

    (void)state;
    assert_int_equal(lit_trie_build(&t, s, 6), 0);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(walk(&t, s[i]), (long)i + 1);
    assert_int_equal(walk(&t, "abcd"), -1);    /* goes past every string */
    assert_int_equal(walk(&t, "c"), -1);       /* begins none */
    assert_int_equal(walk(&t, "\xc3\xa9"), 0); /* a prefix, not a string */
    lit_trie_free(&t);
}

static void test_map_vals(void **state)
{
    const char *s[] = {"a", "ab", "abc", "b", "ba"};
    const uint32_t to[] = {50, 7, 9, 1, 0xfffffff0u};
    struct lit_trie t;

    (void)state;
    assert_int_equal(lit_trie_build(&t, s, 5), 0);
    lit_trie_map_vals(&t, to);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(walk(&t, s[i]), (long)to[i]);
    assert_int_equal(walk(&t, "abcd"), -1);
    assert_int_equal(walk(&t, "c"), -1);
    lit_trie_free(&t);

    /* a prefix that is no string keeps 0 */
    {
        const char *u[] = {"abc", "abd"};
        const uint32_t uto[] = {3, 4};
        assert_int_equal(lit_trie_build(&t, u, 2), 0);
        lit_trie_map_vals(&t, uto);
        assert_int_equal(walk(&t, "ab"), 0);
        assert_int_equal(walk(&t, "abc"), 3);
        assert_int_equal(walk(&t, "abd"), 4);
        lit_trie_free(&t);
    }
}

static void test_empty_set(void **state)
{
    struct lit_trie t;

    (void)state;
    assert_int_equal(lit_trie_build(&t, NULL, 0), 0);
    assert_int_equal(walk(&t, "a"), -1);
    lit_trie_free(&t);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Many random strings over a few letters (so that they share prefixes):
 * each found, and a random probe found exactly when it is one of them. */
static void test_random_sets(void **state)
{
    enum { N = 3000 };
    static char buf[N][9];
    const char *s[N];
    size_t n = 0;
    struct lit_trie t;

    (void)state;
    srand(7);
    for (size_t i = 0; i < N; i++) {
        size_t len = 1 + (size_t)rand() % 8;
        for (size_t k = 0; k < len; k++)
            buf[i][k] = "abc' z\x80"[rand() % 7];
        buf[i][len] = '\0';
        s[i] = buf[i];
    }
    qsort(s, N, sizeof(*s), cmp);
    for (size_t i = 0; i < N; i++)
        if (n == 0 || strcmp(s[n - 1], s[i]) != 0)
            s[n++] = s[i];
    assert_int_equal(lit_trie_build(&t, s, n), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(walk(&t, s[i]), (long)i + 1);
    for (int r = 0; r < 20000; r++) {
        char p[10];
        size_t len = 1 + (size_t)rand() % 9;
        const char *key = p;
        for (size_t k = 0; k < len; k++)
            p[k] = "abc' z\x80"[rand() % 7];
        p[len] = '\0';
        const char **hit = bsearch(&key, s, n, sizeof(*s), cmp);
        long v = walk(&t, p);
        if (hit)
            assert_int_equal(v, (long)(hit - s) + 1);
        else
            assert_true(v <= 0);
    }
    lit_trie_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_set),
        cmocka_unit_test(test_map_vals),
        cmocka_unit_test(test_empty_set),
        cmocka_unit_test(test_random_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
