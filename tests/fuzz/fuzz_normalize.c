/*
 * fuzz_normalize.c - bytes into norm_text(): on success the key must be
 * valid UTF-8, no longer than the input, lower case, single-spaced and
 * trimmed, and folding it again must give the same key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = malloc(size + 1), *b = malloc(size + 1);
    size_t na, nb, i;

    if (!a || !b)
        abort();
    if (norm_text((const char *)data, size, a, size + 1, &na) == 0) {
        if (!utf8_is_valid(a, na) || na > size || strlen(a) != na)
            abort();
        if (na > 0 && (a[0] == ' ' || a[na - 1] == ' '))
            abort();
        for (i = 0; i < na; i++)
            if ((a[i] >= 'A' && a[i] <= 'Z') || (i > 0 && a[i] == ' ' && a[i - 1] == ' '))
                abort();
        if (norm_text(a, na, b, size + 1, &nb) != 0 || nb != na || memcmp(a, b, na) != 0)
            abort();
    } else if (utf8_is_valid((const char *)data, size)) {
        abort(); /* valid input must fold */
    }
    free(a);
    free(b);
    return 0;
}
