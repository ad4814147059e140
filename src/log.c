/*
 * log.c - the line format shared by vigie and libwebsockets, the level check,
 * and the redaction used by the opt-in unmatched-questions log.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#define LOG_LINE_MAX 1024

int log_threshold = LOG_LEVEL_INFO;
static char log_tag[16];

static const char *const log_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    log_threshold = (int)level;
}

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
        if (strcasecmp(name, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return VIGIE_EINVAL;
}

const char *log_level_name(enum log_level level)
{
    if ((int)level < 0 || (size_t)level >= sizeof(log_names) / sizeof(log_names[0]))
        return "?";
    return log_names[level];
}

void log_set_tag(const char *tag)
{
    if (!tag)
        tag = "";
    snprintf(log_tag, sizeof(log_tag), "%s", tag);
}

/* Writes prefix + message + newline with a single write(2). */
static void log_emit(enum log_level level, const char *module, char *msg, size_t len)
{
    char line[LOG_LINE_MAX + 128];
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    while (len > 0 &&
           (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == ' '))
        len--;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
            msg[i] = ' ';
    n = (size_t)snprintf(line, sizeof(line),
                         "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s%s%s %s: ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
                         log_level_name(level), log_tag[0] ? " " : "", log_tag, module);
    if (n >= sizeof(line))
        n = sizeof(line) - 1;
    if (len > sizeof(line) - n - 1)
        len = sizeof(line) - n - 1;
    memcpy(line + n, msg, len);
    n += len;
    line[n++] = '\n';
    /* One write per line: stderr is unbuffered, and several workers share it. */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(msg))
        n = (int)sizeof(msg) - 1;
    log_emit(level, module, msg, (size_t)n);
}

void log_write_raw(enum log_level level, const char *module, const char *msg)
{
    char buf[LOG_LINE_MAX];
    size_t n = strlen(msg);

    if ((int)level > log_threshold)
        return;
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, msg, n);
    buf[n] = '\0';
    log_emit(level, module, buf, n);
}

static int log_is_mail_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == '+' || c >= 0x80;
}

size_t log_redact(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;

    if (cap == 0)
        return 0;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        size_t clen = 1;

        /* An '@' with word characters on both sides is an e-mail address:
         * drop what was already copied of the local part, skip the domain. */
        if (c == '@' && i + 1 < len && log_is_mail_char((unsigned char)in[i + 1]) &&
            o > 0 && log_is_mail_char((unsigned char)out[o - 1])) {
            while (o > 0 && log_is_mail_char((unsigned char)out[o - 1]))
                o--;
            i++;
            while (i < len && log_is_mail_char((unsigned char)in[i]))
                i++;
            if (o + 7 + 4 >= cap)
                break;
            memcpy(out + o, "<email>", 7);
            o += 7;
            continue;
        }
        if (c >= 0xf0)
            clen = 4;
        else if (c >= 0xe0)
            clen = 3;
        else if (c >= 0xc0)
            clen = 2;
        if (i + clen > len)
            break;
        if (o + clen + 4 >= cap) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (clen > 1) {
            memcpy(out + o, in + i, clen);
            o += clen;
        } else if (c >= '0' && c <= '9') {
            out[o++] = '#';
        } else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            out[o++] = ' ';
        } else {
            out[o++] = (char)c;
        }
        i += clen;
    }
    out[o] = '\0';
    return o;
}
