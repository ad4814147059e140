/*
 * fuzz_intents.c - bytes as one intent file: the loader must report and
 * never crash, hang or leak; a file that loads is then self-tested and
 * answers one question.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dialogue.h"
#include "intent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_cb(void *ud, const struct diag *d)
{
    (void)d;
    (*(unsigned *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned n = 0;
    struct intent_set *set;

    if (size > 200000)
        return 0;
    set = intent_set_parse("fuzz.json", (const char *)data, size, count_cb, &n);
    if (set) {
        struct dialogue d;
        struct reply r;
        intent_set_selftest(set, count_cb, &n);
        dialogue_init(&d, LANG_NONE);
        dialogue_message(set, &d, "help me hotline", 15, LANG_NONE, &r);
        intent_set_free(set);
    }
    return 0;
}
