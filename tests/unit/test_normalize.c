/*
 * test_normalize.c - folding: case, accents, ligatures, apostrophes,
 * punctuation, letter runs, spaces, invalid UTF-8, idempotence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "normalize.h"
#include "utf8.h"

struct fold_case {
    const char *in;
    const char *key;
};

static const struct fold_case cases[] = {
    {"Où est la LIGNE d’écoute ?!", "ou est la ligne d'ecoute"},
    {"\xc3\x89t\xc3\xa9 \xc3\xa9t\xc3\xa9", "ete ete"}, /* É/é */
    {"C\xc5\x92UR s\xc5\x93ur", "coeur soeur"},         /* Œ/œ */
    {"Ægir \xc3\xa6", "aegir ae"},
    {"Stra\xc3\x9f"
     "e",
     "strasse"},
    {"\xc3\xa7"
     "a va? \xc3\x87"
     "A",
     "ca va ca"}, /* ç/Ç */
    {"j\xe2\x80\x99"
     "ai",
     "j'ai"}, /* ’ */
    {"j\xe2\x80\x98"
     "ai j`ai j\xc2\xb4"
     "ai j\xca\xbc"
     "ai",
     "j'ai j'ai j'ai j'ai"},
    {"24/7", "24 7"},
    {"1-833-900-1010", "1 833 900 1010"},
    {"peut-on", "peut on"},
    {"helllp", "help"},
    {"merciiii", "merci"},
    {"aaaaide", "aide"},
    {"aller", "aller"},       /* doubles stay */
    {"1000 911", "1000 911"}, /* digits never collapse */
    {"  many   spaces\t\n here  ", "many spaces here"},
    {"e\xcc\x81t\xc3\xa9", "ete"}, /* combining acute */
    {"emoji \xf0\x9f\x98\x80 here", "emoji here"},
    {"zero\xe2\x80\x8bwidth", "zerowidth"},
    {"\xef\xbc\xa8\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x90", "help"}, /* fullwidth */
    {"\xf0\x9d\x90\xa1\xf0\x9d\x90\x9e\xf0\x9d\x90\xa5\xf0\x9d\x90\xa9",
     "help"}, /* math bold */
    {"\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1",
     "\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1"},
    {"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
     "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"}, /* ПРИВЕТ -> привет */
    {"\xc3\xb1 \xc3\xbc \xc3\xa0 \xc3\xa2 \xc3\xaf \xc3\xb4 \xc3\xbb", "n u a a i o u"},
    {"nbsp\xc2\xa0here", "nbsp here"},
    {"\x00x", "x"},
    {"?!...", ""},
    {"", ""},
    /* the emoji SOS and police light are the word sos (room permitting) */
    {"\xf0\x9f\x86\x98", "sos"},
    {"\xf0\x9f\x86\x98\xf0\x9f\x94\x92\xf0\x9f\x98\xad", "sos"},
    {"\xf0\x9f\x9a\xa8 help \xf0\x9f\x99\x8f", "sos help"},
    {"aidez moi \xf0\x9f\x86\x98\xf0\x9f\x86\x98!", "aidez moi sos sos"},
    {"\xc3\xa9\xf0\x9f\x86\x98x", "e sos x"},
    {"help\xf0\x9f\x86\x98", "help"},
};

static void test_fold_table(void **state)
{
    char out[256];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = i == 26 ? 2 : strlen(cases[i].in);
        assert_int_equal(norm_text(cases[i].in, len, out, sizeof(out), &n), 0);
        assert_string_equal(out, cases[i].key);
        assert_int_equal(n, strlen(cases[i].key));
    }
}

static void test_idempotent_and_valid(void **state)
{
    char a[256], b[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = i == 26 ? 2 : strlen(cases[i].in);
        assert_int_equal(norm_text(cases[i].in, len, a, sizeof(a), NULL), 0);
        assert_true(utf8_is_valid(a, strlen(a)));
        assert_true(strlen(a) <= len);
        assert_int_equal(norm_text(a, strlen(a), b, sizeof(b), NULL), 0);
        assert_string_equal(a, b);
    }
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {"\xc0\xaf", "\xed\xa0\x80", "abc\xff", "\xe2\x80",
                                      "\xf4\x90\x80\x80"};
    char out[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(norm_text(bad[i], strlen(bad[i]), out, sizeof(out), NULL),
                         VIGIE_EUTF8);
}

static void test_buffer_too_small(void **state)
{
    char out[4];

    (void)state;
    assert_int_equal(norm_text("hello", 5, out, sizeof(out), NULL), VIGIE_ETOOLONG);
}

static void test_fold_cp_kinds(void **state)
{
    char f[5];

    (void)state;
    assert_int_equal(norm_fold_cp(0xC9, f), NORM_LETTER); /* É */
    assert_string_equal(f, "e");
    assert_int_equal(norm_fold_cp(0x153, f), NORM_LETTER); /* œ */
    assert_string_equal(f, "oe");
    assert_int_equal(norm_fold_cp(0x2019, f), NORM_APOS);
    assert_int_equal(norm_fold_cp(0x2014, f), NORM_SPACE); /* em dash */
    assert_int_equal(norm_fold_cp(0x301, f), NORM_DROP);
    assert_int_equal(norm_fold_cp(0x1F600, f), NORM_SPACE);
}

/* Folding never lengthens text, for every code point of the BMP and a few
 * planes above. */
static void test_fold_never_grows(void **state)
{
    uint32_t cp;
    char f[5];
    unsigned char enc[4];

    (void)state;
    for (cp = 0; cp < 0x30000; cp++) {
        int n = utf8_encode(cp, enc);
        if (n == 0)
            continue;
        if (norm_fold_cp(cp, f) == NORM_LETTER) {
            assert_true(strlen(f) <= (size_t)n);
            assert_true(utf8_is_valid(f, strlen(f)));
        }
    }
}

static void test_long_input_linear(void **state)
{
    size_t len = 1 << 20, i;
    char *in = malloc(len), *out = malloc(len + 1);

    (void)state;
    assert_non_null(in);
    assert_non_null(out);
    for (i = 0; i < len; i++)
        in[i] = (i % 4 == 3) ? ' ' : 'a';
    assert_int_equal(norm_text(in, len, out, len + 1, NULL), 0);
    free(in);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_table),
        cmocka_unit_test(test_idempotent_and_valid),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_fold_cp_kinds),
        cmocka_unit_test(test_fold_never_grows),
        cmocka_unit_test(test_long_input_linear),
    };
    return cmocka_run_group_tests_name("normalize", tests, NULL, NULL);
}
