/*
 * utf8.c - strict UTF-8 decoding and encoding (see utf8.h).
 */
#include "utf8.h"

#include <string.h>

int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c;
    unsigned char b0 = s[0];
    int n, i;

    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC2) /* continuation byte or overlong two-byte lead */
        return -1;
    if (b0 < 0xE0) {
        n = 2;
        c = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        n = 3;
        c = b0 & 0x0F;
    } else if (b0 < 0xF5) {
        n = 4;
        c = b0 & 0x07;
    } else {
        return -1;
    }
    if (len < (size_t)n)
        return -1;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *cp = c;
    return n;
}

size_t utf8_ascii_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    for (uint64_t w; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, sizeof(w));
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

bool utf8_is_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        int n;

        /* most messages have no byte that is not ASCII */
        i += utf8_ascii_prefix(s + i, len - i);
        if (i == len)
            break;
        n = utf8_decode(p + i, len - i, &cp);
        if (n < 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

int utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return 0;
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}
