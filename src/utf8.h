/*
 * utf8.h - strict UTF-8 decoding, validation and encoding.
 *
 * Strict means RFC 3629: no overlong forms, no surrogates (U+D800-U+DFFF),
 * nothing above U+10FFFF, no truncated sequences. U+0000 is valid UTF-8 (the
 * callers decide whether they accept it).
 */
#ifndef VIGIE_UTF8_H
#define VIGIE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX_BYTES 4

/* Decodes the code point at 's' ('len' bytes available, len > 0) into '*cp'.
 * Returns the number of bytes it takes (1-4), or -1 when the bytes at 's' are
 * not a valid sequence ('*cp' is then untouched). */
int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* The number of bytes of 's' ('len' bytes) before its first that is not
 * ASCII: 'len' when there is none. Reads eight bytes a turn. */
size_t utf8_ascii_prefix(const char *s, size_t len);

/* True when all 'len' bytes of 's' are valid UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

/* Writes the UTF-8 form of 'cp' into 'out' (room for UTF8_MAX_BYTES) and
 * returns its length, or 0 when 'cp' is a surrogate or above U+10FFFF. */
int utf8_encode(uint32_t cp, unsigned char *out);

/* Number of code points in the first 'len' bytes of valid UTF-8 's'
 * (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t len);

#endif
