/*
 * test_utf8.c - strict UTF-8 decoding: valid forms, overlong forms,
 * surrogates, truncation, out-of-range code points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

struct utf8_case {
    const char *bytes;
    size_t len;
    int valid;
};

static const struct utf8_case cases[] = {
    {"", 0, 1},
    {"abc", 3, 1},
    {"\x00", 1, 1},             /* U+0000 is valid UTF-8 */
    {"\xc3\xa9", 2, 1},         /* é */
    {"\xc3\x89", 2, 1},         /* É */
    {"\xc5\x93", 2, 1},         /* œ */
    {"\xe2\x80\x99", 3, 1},     /* ’ */
    {"\xc3\xa7", 2, 1},         /* ç */
    {"\xf0\x9f\x98\x80", 4, 1}, /* emoji */
    {"\xf4\x8f\xbf\xbf", 4, 1}, /* U+10FFFF */
    {"\xc0\xaf", 2, 0},         /* overlong '/' */
    {"\xc1\xbf", 2, 0},         /* overlong */
    {"\xe0\x80\xaf", 3, 0},     /* overlong three-byte */
    {"\xf0\x80\x80\xaf", 4, 0}, /* overlong four-byte */
    {"\xed\xa0\x80", 3, 0},     /* U+D800 surrogate */
    {"\xed\xbf\xbf", 3, 0},     /* U+DFFF surrogate */
    {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
    {"\xf5\x80\x80\x80", 4, 0}, /* invalid lead */
    {"\xff", 1, 0},
    {"\x80", 1, 0},     /* lone continuation */
    {"\xc3", 1, 0},     /* truncated */
    {"\xe2\x80", 2, 0}, /* truncated */
    {"a\xc3(", 3, 0},   /* bad continuation */
};

static void test_validate_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(utf8_is_valid(cases[i].bytes, cases[i].len), cases[i].valid);
}

static void test_decode_values(void **state)
{
    uint32_t cp = 0;

    (void)state;
    assert_int_equal(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x80\x99", 3, &cp), 3);
    assert_int_equal(cp, 0x2019);
    assert_int_equal(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), -1);
}

static void test_encode_round_trip(void **state)
{
    static const uint32_t cps[] = {0,     0x41,   0x7F,   0x80,    0xE9,    0x7FF,
                                   0x800, 0x2019, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    unsigned char buf[4];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        uint32_t back = 0;
        int n = utf8_encode(cps[i], buf);
        assert_true(n > 0);
        assert_int_equal(utf8_decode(buf, (size_t)n, &back), n);
        assert_int_equal(back, cps[i]);
    }
    assert_int_equal(utf8_encode(0xD800, buf), 0);
    assert_int_equal(utf8_encode(0x110000, buf), 0);
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("\xc3\xa9t\xc3\xa9", 5), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_table),
        cmocka_unit_test(test_decode_values),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
