/*
 * log.h - one line per event on stderr, in one format for vigie's own lines
 * and libwebsockets' (the server glue routes lws's emit function here).
 *
 * Line format (machine-parsable, one write(2) per line, so lines from several
 * processes never interleave):
 *
 *     2026-11-28T13:53:49.123Z info server: listening on http://127.0.0.1:8080
 *     <UTC timestamp, ms>      <level> <module>: <event> [key=value ...]
 *
 * Privacy: nothing a visitor typed is ever passed to these functions, except
 * through log_redact() when the organizer turned on --log-unmatched.
 */
#ifndef VIGIE_LOG_H
#define VIGIE_LOG_H

#include <stddef.h>

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
};

/* The current threshold: lines above it are not even formatted. */
extern int log_threshold;

/* Sets the threshold (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);

/* Parses "error", "warn", "info" or "debug". Returns 0, or VIGIE_EINVAL. */
int log_level_parse(const char *name, enum log_level *out);

/* Name of 'level' ("error" ... "debug"). */
const char *log_level_name(enum log_level level);

/* Sets a short tag added after the level (for example "w2" for worker 2);
 * NULL or "" removes it. The string is copied. */
void log_set_tag(const char *tag);

/* Formats and writes one line. Control characters in the result are replaced
 * by spaces so a line is always one line. Use the LOG_* macros instead. */
void log_write(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes an already formatted message (for example one of libwebsockets'
 * lines); a trailing newline is removed. */
void log_write_raw(enum log_level level, const char *module, const char *msg);

#define LOG_AT(level, module, ...)                                                       \
    do {                                                                                 \
        if ((int)(level) <= log_threshold)                                               \
            log_write((level), (module), __VA_ARGS__);                                   \
    } while (0)
#define LOG_ERROR(module, ...) LOG_AT(LOG_LEVEL_ERROR, module, __VA_ARGS__)
#define LOG_WARN(module, ...)  LOG_AT(LOG_LEVEL_WARN, module, __VA_ARGS__)
#define LOG_INFO(module, ...)  LOG_AT(LOG_LEVEL_INFO, module, __VA_ARGS__)
#define LOG_DEBUG(module, ...) LOG_AT(LOG_LEVEL_DEBUG, module, __VA_ARGS__)

/* Copies at most 'cap' - 1 bytes of a redacted, quoted-safe version of 'in'
 * ('len' bytes of UTF-8) into 'out' and NUL-terminates it: e-mail addresses
 * become "<email>", every digit becomes '#', control characters, quotes and
 * backslashes become spaces, and the result is cut (on a character boundary)
 * with "..." when too long. Returns the length written. For the organizer's
 * opt-in unmatched-questions log only. */
size_t log_redact(const char *in, size_t len, char *out, size_t cap);

#endif
