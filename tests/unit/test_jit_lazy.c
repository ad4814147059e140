/*
 * test_jit_lazy.c - JIT on a code's first run (jit_lazy.h): nothing is
 * compiled when codes are added, a run compiles its code once, codes never
 * added are left alone, the table keeps every code past its growth, and
 * out of memory it compiles at once instead of failing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "jit_lazy.h"

#define N_CODES 3000 /* past the table's first sizes */

static pcre2_code *compile(const char *pattern)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                                  &errcode, &erroff, NULL);
    assert_non_null(c);
    return c;
}

static size_t jit_size(const pcre2_code *c)
{
    size_t size = 0;
    assert_int_equal(pcre2_pattern_info(c, PCRE2_INFO_JITSIZE, &size), 0);
    return size;
}

static int jit_available(void)
{
    uint32_t jit = 0;
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    return jit != 0;
}

static void test_first_run_compiles(void **state)
{
    struct jit_lazy *t = jit_lazy_new();
    pcre2_code *a = compile("traite|trafic"), *b = compile("^(?=.*passeport).*garde");
    pcre2_code *stranger = compile("never added");
    size_t codes, compiled, bytes;

    (void)state;
    if (!jit_available())
        skip();
    assert_non_null(t);
    jit_lazy_add(t, a);
    jit_lazy_add(t, b);
    jit_lazy_add(t, a); /* a part shared by two patterns: one entry */
    jit_lazy_stats(t, &codes, &compiled, &bytes);
    assert_int_equal(codes, 2);
    assert_int_equal(compiled, 0);
    assert_int_equal(bytes, 0);
    assert_int_equal(jit_size(a), 0);

    jit_lazy_run(t, a);
    assert_true(jit_size(a) > 0);
    assert_int_equal(jit_size(b), 0);
    jit_lazy_run(t, a); /* compiled once */
    jit_lazy_run(t, stranger);
    assert_int_equal(jit_size(stranger), 0);
    jit_lazy_stats(t, &codes, &compiled, &bytes);
    assert_int_equal(compiled, 1);
    assert_int_equal(bytes, jit_size(a));

    jit_lazy_free(t);
    pcre2_code_free(a);
    pcre2_code_free(b);
    pcre2_code_free(stranger);
}

static void test_growth_keeps_every_code(void **state)
{
    struct jit_lazy *t = jit_lazy_new();
    pcre2_code **c = calloc(N_CODES, sizeof(*c));
    size_t i, codes, compiled, bytes;
    char src[32];

    (void)state;
    if (!jit_available())
        skip();
    assert_non_null(t);
    assert_non_null(c);
    for (i = 0; i < N_CODES; i++) {
        snprintf(src, sizeof(src), "w%zu", i);
        c[i] = compile(src);
        jit_lazy_add(t, c[i]);
    }
    for (i = 0; i < N_CODES; i += 2)
        jit_lazy_run(t, c[i]);
    jit_lazy_stats(t, &codes, &compiled, &bytes);
    assert_int_equal(codes, N_CODES);
    assert_int_equal(compiled, N_CODES / 2);
    for (i = 0; i < N_CODES; i++) {
        assert_int_equal(jit_size(c[i]) > 0, i % 2 == 0);
        pcre2_code_free(c[i]);
    }
    free(c);
    jit_lazy_free(t);
}

static void test_out_of_memory_compiles_now(void **state)
{
    struct jit_lazy *t = jit_lazy_new();
    pcre2_code *a = compile("aide|help");

    (void)state;
    if (!jit_available())
        skip();
    assert_non_null(t);
    alloc_fail_after(1); /* the table cannot grow: no laziness, no failure */
    jit_lazy_add(t, a);
    alloc_fail_after(0);
    assert_true(jit_size(a) > 0);
    jit_lazy_add(NULL, NULL); /* nothing to do */
    jit_lazy_free(t);
    pcre2_code_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_run_compiles),
        cmocka_unit_test(test_growth_keeps_every_code),
        cmocka_unit_test(test_out_of_memory_compiles_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
