/*
 * fuzz_lead.c - regex_lead() must name a string for every position where
 * a match can begin: wherever the pattern, anchored there, matches the
 * subject, one of the strings begins (after a non-word byte when it is a
 * word start).
 *
 * Input: a pattern, a NUL byte, a subject (its first 256 bytes are used).
 * The pattern is compiled anchored as the engine compiles start codes
 * (UTF, no UCP); a try that hits the match limit proves nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regex_lead.h"

static int word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* 1 when one of 'lead' begins at s[p]. */
static int lead_at(const struct regex_lead *lead, const uint8_t *s, size_t n, size_t p)
{
    for (size_t k = 0; k < lead->n; k++) {
        size_t l = strlen(lead->lit[k]);
        if (p + l <= n && memcmp(s + p, lead->lit[k], l) == 0 &&
            (!lead->word_start[k] || p == 0 || !word_byte(s[p - 1])))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    const uint8_t *subject = nul ? nul + 1 : data + size;
    size_t slen = nul ? size - plen - 1 : 0;
    struct regex_lead lead;
    pcre2_code *code;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    PCRE2_SIZE erroff;
    int err;

    if (plen > 4096)
        return 0;
    if (slen > 256)
        slen = 256;
    {
        /* the engine's patterns are NUL-terminated strings */
        char *src = malloc(plen + 1);
        int found;
        if (!src)
            abort();
        memcpy(src, data, plen);
        src[plen] = '\0';
        found = regex_lead(src, plen, &lead);
        free(src);
        if (!found)
            return 0;
    }
    code = pcre2_compile(data, plen, PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_ANCHORED,
                         &err, &erroff, NULL);
    if (!code)
        return 0;
    mctx = pcre2_match_context_create(NULL);
    md = pcre2_match_data_create_from_pattern(code, NULL);
    if (!mctx || !md)
        abort();
    pcre2_set_match_limit(mctx, 20000);
    pcre2_set_depth_limit(mctx, 2000);
    for (size_t p = 0; p <= slen; p++) {
        int rc = pcre2_match(code, subject, slen, p, 0, md, mctx);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_MATCHLIMIT &&
            rc != PCRE2_ERROR_DEPTHLIMIT)
            break; /* invalid UTF-8: the engine's keys never are */
        if (rc > 0 && !lead_at(&lead, subject, slen, p))
            abort();
    }
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    pcre2_code_free(code);
    return 0;
}
