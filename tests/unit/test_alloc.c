/*
 * test_alloc.c - allocation failure: fail the Nth allocation, for every N,
 * while loading the fixture intents and while answering a long message; each
 * run must fail cleanly (NULL or an error code) and leak nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "dialogue.h"
#include "error.h"
#include "intent.h"

static void quiet_cb(void *ud, const struct diag *d)
{
    (void)d;
    (*(int *)ud)++;
}

static void test_load_fails_cleanly_at_every_allocation(void **state)
{
    long base = alloc_live();
    unsigned long n;
    int loaded = 0;

    (void)state;
    for (n = 1; n < 200000 && !loaded; n++) {
        int diags = 0;
        struct intent_set *set;
        alloc_fail_after(n);
        set = intent_set_load(VIGIE_FIXTURE_INTENTS, quiet_cb, &diags);
        alloc_fail_after(0);
        if (set) {
            loaded = 1;
            assert_int_equal(diags, 0);
            intent_set_free(set);
        } else {
            assert_true(diags >= 1);
        }
        assert_int_equal(alloc_live(), base);
    }
    assert_true(loaded);
}

static void test_selftest_and_dialogue_under_failure(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, diag_print_cb, NULL);
    char text[1500];
    long base;
    unsigned long n;

    (void)state;
    assert_non_null(set);
    memset(text, 'x', sizeof(text));
    memcpy(text, "hotline ", 8);
    {
        /* A code's JIT data is allocated on its first run and kept with the
         * set (jit_lazy.h): run everything once before counting. */
        struct dialogue d;
        struct reply r;
        int diags = 0;
        dialogue_init(&d, LANG_EN);
        assert_int_equal(dialogue_message(set, &d, text, sizeof(text), LANG_NONE, &r), 0);
        assert_int_equal(intent_set_selftest(set, quiet_cb, &diags), 0);
    }
    base = alloc_live();
    for (n = 1; n < 50; n++) {
        struct dialogue d;
        struct reply r;
        int rc;
        dialogue_init(&d, LANG_EN);
        alloc_fail_after(n);
        rc = dialogue_message(set, &d, text, sizeof(text), LANG_NONE, &r);
        alloc_fail_after(0);
        assert_true(rc == 0 || rc == VIGIE_ENOMEM);
        assert_int_equal(alloc_live(), base);
    }
    for (n = 1; n < 20; n++) {
        int diags = 0, rc;
        alloc_fail_after(n);
        rc = intent_set_selftest(set, quiet_cb, &diags);
        alloc_fail_after(0);
        assert_true(rc == 0 || rc == VIGIE_ENOMEM || rc == VIGIE_ECHECK);
        assert_int_equal(alloc_live(), base);
    }
    intent_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_selftest_and_dialogue_under_failure),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
