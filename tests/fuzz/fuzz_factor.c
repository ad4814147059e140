/*
 * fuzz_factor.c - regex_factor() must give a pattern that matches exactly
 * what the original matches, with the same leftmost match.
 *
 * Input: a pattern, a NUL byte, a subject. Both patterns are compiled as
 * the engine compiles parts (UTF, no UCP) and run on the subject under a
 * match limit; a run that hits it proves nothing and is skipped.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "regex_factor.h"

static int run(pcre2_code *code, const uint8_t *s, size_t n, pcre2_match_context *mctx,
               PCRE2_SIZE ov[2])
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    int rc;

    if (!md)
        abort();
    rc = pcre2_match(code, s, n, 0, 0, md, mctx);
    if (rc > 0) {
        ov[0] = pcre2_get_ovector_pointer(md)[0];
        ov[1] = pcre2_get_ovector_pointer(md)[1];
    }
    pcre2_match_data_free(md);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    const uint8_t *subject = nul ? nul + 1 : data + size;
    size_t slen = nul ? size - plen - 1 : 0;
    uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C;
    pcre2_code *orig, *fact;
    pcre2_match_context *mctx;
    PCRE2_SIZE erroff, ov_o[2] = {0, 0}, ov_f[2] = {0, 0};
    int err, ro, rf;
    char *f;

    if (plen > 4096)
        return 0;
    orig = pcre2_compile(data, plen, opts, &err, &erroff, NULL);
    if (!orig)
        return 0;
    f = regex_factor((const char *)data, plen);
    if (!f) {
        pcre2_code_free(orig);
        return 0;
    }
    fact = pcre2_compile((PCRE2_SPTR)f, PCRE2_ZERO_TERMINATED, opts, &err, &erroff, NULL);
    if (!fact)
        abort(); /* what compiled must still compile */
    mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mctx, 20000);
    pcre2_set_depth_limit(mctx, 2000);
    ro = run(orig, subject, slen, mctx, ov_o);
    rf = run(fact, subject, slen, mctx, ov_f);
    if (ro >= -1 && rf >= -1 && ro != PCRE2_ERROR_BADUTFOFFSET) {
        /* both ran to an answer (a match, or PCRE2_ERROR_NOMATCH) */
        if ((ro > 0) != (rf > 0) ||
            (ro > 0 && (ov_o[0] != ov_f[0] || ov_o[1] != ov_f[1])))
            abort();
    }
    pcre2_match_context_free(mctx);
    pcre2_code_free(orig);
    pcre2_code_free(fact);
    alloc_free(f);
    return 0;
}
