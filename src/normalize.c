/*
 * normalize.c - turn user text into a match key (see normalize.h).
 *
 * One pass over the input: each code point is decoded, folded through small
 * tables (Latin-1, Latin Extended-A, parts of Latin Extended-B and
 * Additional, Greek, Cyrillic, fullwidth and mathematical alphanumerics) and
 * classified by range, then pushed through a tiny state machine that
 * collapses letter runs and spaces. No allocation, linear cost.
 */
#include "normalize.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "utf8.h"

/* U+00C0 - U+00FF. "" marks a separator (× and ÷). */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

/* U+0100 - U+017F, Latin Extended-A. */
static const char *const latin_ext_a[128] = {
    "a", "a", "a",  "a",  "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    "d", "d", "e",  "e",  "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g", "g", "g",  "g",  "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    "l", "l", "l",  "n",  "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    "s", "s", "t",  "t",  "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    "u", "u", "u",  "u",  "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/* Greek with tonos/dialytika and capitals, U+0386 - U+03CE, to the plain
 * lower-case letter (0 keeps the code point). */
static uint32_t greek_fold(uint32_t cp)
{
    switch (cp) {
        case 0x0386:
        case 0x03AC:
            return 0x03B1;
        case 0x0388:
        case 0x03AD:
            return 0x03B5;
        case 0x0389:
        case 0x03AE:
            return 0x03B7;
        case 0x038A:
        case 0x03AA:
        case 0x03AF:
        case 0x0390:
        case 0x03CA:
            return 0x03B9;
        case 0x038C:
        case 0x03CC:
            return 0x03BF;
        case 0x038E:
        case 0x03AB:
        case 0x03B0:
        case 0x03CB:
        case 0x03CD:
            return 0x03C5;
        case 0x038F:
        case 0x03CE:
            return 0x03C9;
        case 0x03C2:
            return 0x03C3;
        default:
            break;
    }
    if (cp >= 0x0391 && cp <= 0x03A9 && cp != 0x03A2) /* U+03A2 is unassigned */
        return cp + 0x20;
    return 0;
}

static uint32_t cyrillic_fold(uint32_t cp)
{
    if (cp == 0x0401 || cp == 0x0451) /* Ё ё -> е, as most people type it */
        return 0x0435;
    if (cp >= 0x0400 && cp <= 0x040F)
        return cp + 0x50;
    if (cp >= 0x0410 && cp <= 0x042F)
        return cp + 0x20;
    if (((cp >= 0x0460 && cp <= 0x0481) || (cp >= 0x048A && cp <= 0x04BF) ||
         (cp >= 0x04D0 && cp <= 0x052F)) &&
        (cp & 1) == 0)
        return cp + 1;
    if (cp >= 0x04C1 && cp <= 0x04CE && (cp & 1) == 1)
        return cp + 1;
    if (cp == 0x04C0)
        return 0x04CF;
    return 0;
}

static enum norm_kind put_cp(uint32_t cp, char out[5])
{
    int n = utf8_encode(cp, (unsigned char *)out);

    out[n] = '\0';
    return NORM_LETTER;
}

static enum norm_kind put_str(const char *s, char out[5])
{
    size_t n = strlen(s);

    if (n == 0) {
        out[0] = '\0';
        return NORM_SPACE;
    }
    memcpy(out, s, n + 1);
    return NORM_LETTER;
}

static enum norm_kind put_ascii(char c, char out[5])
{
    out[0] = c;
    out[1] = '\0';
    return NORM_LETTER;
}

/* Code points that are invisible: removed without leaving a space. */
static int is_invisible(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x00AD || cp == 0x034F ||
           (cp >= 0x0483 && cp <= 0x0489) || (cp >= 0x0591 && cp <= 0x05BD) ||
           cp == 0x05BF || cp == 0x05C1 || cp == 0x05C2 || cp == 0x05C4 || cp == 0x05C5 ||
           cp == 0x05C7 || (cp >= 0x0610 && cp <= 0x061A) ||
           (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 ||
           (cp >= 0x06D6 && cp <= 0x06ED) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) ||
           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF ||
           (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

static int is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == '`' || cp == 0x00B4 || cp == 0x02B9 || cp == 0x02BB ||
           cp == 0x02BC || cp == 0x02BD || cp == 0x2018 || cp == 0x2019 || cp == 0x201B ||
           cp == 0x2032 || cp == 0x2035 || cp == 0xFF07;
}

/* Separators outside ASCII and Latin-1: punctuation, symbols, emoji. */
static int is_separator(uint32_t cp)
{
    return (cp >= 0x02C2 && cp <= 0x02FF) || cp == 0x037E || cp == 0x0387 ||
           cp == 0x0375 || cp == 0x0482 || (cp >= 0x055A && cp <= 0x055F) ||
           cp == 0x0589 || cp == 0x058A || cp == 0x05BE || cp == 0x05C0 || cp == 0x05C3 ||
           cp == 0x05C6 || cp == 0x05F3 || cp == 0x05F4 || cp == 0x060C || cp == 0x061B ||
           cp == 0x061F || (cp >= 0x066A && cp <= 0x066D) || cp == 0x06D4 ||
           cp == 0x0964 || cp == 0x0965 || (cp >= 0x2000 && cp <= 0x206F) ||
           (cp >= 0x20A0 && cp <= 0x20CF) || (cp >= 0x2100 && cp <= 0x2BFF) ||
           (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x3004) ||
           (cp >= 0x3008 && cp <= 0x303F) || cp == 0x30FB ||
           (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFE10 && cp <= 0xFE1F) ||
           (cp >= 0xFE30 && cp <= 0xFE6F) || (cp >= 0xFF61 && cp <= 0xFF65) ||
           (cp >= 0xFFE0 && cp <= 0xFFFF) || (cp >= 0x1F000 && cp <= 0x1FBFF) ||
           cp >= 0xF0000 || (cp >= 0x40000 && cp < 0xE0000) ||
           (cp >= 0xE0080 && cp < 0xE0100) || (cp >= 0xE01F0 && cp < 0xF0000);
}

static enum norm_kind fold_ascii(uint32_t cp, char out[5])
{
    out[0] = '\0';
    if (cp >= 'A' && cp <= 'Z')
        return put_ascii((char)(cp - 'A' + 'a'), out);
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
        return put_ascii((char)cp, out);
    if (cp == '\'' || cp == '`')
        return NORM_APOS;
    return NORM_SPACE;
}

static enum norm_kind fold_latin1(uint32_t cp, char out[5])
{
    out[0] = '\0';
    if (cp >= 0xC0)
        return put_str(latin1[cp - 0xC0], out);
    switch (cp) {
        case 0xAA:
            return put_ascii('a', out);
        case 0xBA:
            return put_ascii('o', out);
        case 0xB2:
            return put_ascii('2', out);
        case 0xB3:
            return put_ascii('3', out);
        case 0xB9:
            return put_ascii('1', out);
        case 0xB5: /* micro sign: the Greek letter */
            return put_cp(0x03BC, out);
        case 0xB4:
            return NORM_APOS;
        case 0xAD:
            return NORM_DROP;
        default:
            return NORM_SPACE;
    }
}

/* Vietnamese block of Latin Extended Additional, U+1EA0 - U+1EF9. */
static char vietnamese_base(uint32_t cp)
{
    if (cp <= 0x1EB7)
        return 'a';
    if (cp <= 0x1EC7)
        return 'e';
    if (cp <= 0x1ECB)
        return 'i';
    if (cp <= 0x1EE3)
        return 'o';
    if (cp <= 0x1EF1)
        return 'u';
    return 'y';
}

static enum norm_kind fold_latin_ext_b(uint32_t cp, char out[5])
{
    static const char pinyin[] = "aaiioouuuuuuuuuu"; /* U+01CD - U+01DC */

    if (cp >= 0x01CD && cp <= 0x01DC)
        return put_ascii(pinyin[cp - 0x01CD], out);
    switch (cp) {
        case 0x0180:
            return put_ascii('b', out);
        case 0x0192:
            return put_ascii('f', out);
        case 0x01A0:
        case 0x01A1:
            return put_ascii('o', out);
        case 0x01AF:
        case 0x01B0:
            return put_ascii('u', out);
        case 0x0218:
        case 0x0219:
            return put_ascii('s', out);
        case 0x021A:
        case 0x021B:
            return put_ascii('t', out);
        default:
            return put_cp(cp, out);
    }
}

enum norm_kind norm_fold_cp(uint32_t cp, char out[5])
{
    uint32_t f;

    out[0] = '\0';
    if (cp < 0x80)
        return fold_ascii(cp, out);
    if (cp < 0x100)
        return fold_latin1(cp, out);
    if (cp < 0x180)
        return put_str(latin_ext_a[cp - 0x100], out);
    if (is_apostrophe(cp))
        return NORM_APOS;
    if (is_invisible(cp))
        return NORM_DROP;
    if (is_separator(cp))
        return NORM_SPACE;
    if (cp < 0x250)
        return fold_latin_ext_b(cp, out);
    if (cp >= 0x0370 && cp <= 0x03FF) {
        f = greek_fold(cp);
        return put_cp(f ? f : cp, out);
    }
    if (cp >= 0x0400 && cp <= 0x052F) {
        f = cyrillic_fold(cp);
        return put_cp(f ? f : cp, out);
    }
    if (cp == 0x1E9E) /* capital sharp s */
        return put_str("ss", out);
    if (cp >= 0x1EA0 && cp <= 0x1EF9)
        return put_ascii(vietnamese_base(cp), out);
    if (cp >= 0x1E00 && cp <= 0x1E95 && (cp & 1) == 0)
        return put_cp(cp + 1, out);
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* fullwidth ASCII */
        return fold_ascii(cp - 0xFEE0, out);
    if (cp >= 0x1D400 && cp <= 0x1D6A3) { /* mathematical bold, italic... letters */
        uint32_t k = (cp - 0x1D400) % 52;
        return put_ascii((char)('a' + (k < 26 ? k : k - 26)), out);
    }
    if (cp >= 0x1D7CE && cp <= 0x1D7FF)
        return put_ascii((char)('0' + (cp - 0x1D7CE) % 10), out);
    if (cp >= 0x1D400 && cp <= 0x1D7FF)
        return NORM_SPACE;
    return put_cp(cp, out);
}

/* Output state: pending letter run and pending space. */
struct fold_out {
    char *buf;
    size_t n;
    char run[4];      /* the letter being repeated */
    unsigned run_len; /* its bytes */
    unsigned run_n;   /* how many times (0: no run) */
    int space;        /* a space is owed before the next character */
};

static void put_bytes(struct fold_out *o, const char *s, size_t len)
{
    /* at most a few bytes (one UTF-8 character, "sos"): a loop, not a call
     * to memcpy() for every letter */
    for (size_t i = 0; i < len; i++)
        o->buf[o->n++] = s[i];
}

static void flush_run(struct fold_out *o)
{
    if (o->run_n == 0)
        return;
    /* the usual run: one ASCII letter, once */
    if (o->run_n == 1 && o->run_len == 1) {
        o->buf[o->n++] = o->run[0];
        o->run_n = 0;
        return;
    }
    /* A run of 3 or more identical letters stands for one ("helllp"). */
    if (o->run_n >= 3)
        o->run_n = 1;
    while (o->run_n) {
        put_bytes(o, o->run, o->run_len);
        o->run_n--;
    }
}

static void put_space_owed(struct fold_out *o)
{
    if (o->space && o->n > 0)
        o->buf[o->n++] = ' ';
    o->space = 0;
}

/* One folded character: a letter (ASCII or not), a digit or an apostrophe. */
static void put_char(struct fold_out *o, const char *c, size_t len, int is_letter)
{
    if (is_letter && o->run_n > 0 && !o->space && o->run_len == len &&
        memcmp(o->run, c, len) == 0) {
        o->run_n++;
        return;
    }
    flush_run(o);
    put_space_owed(o);
    if (is_letter) {
        memcpy(o->run, c, len);
        o->run_len = (unsigned)len;
        o->run_n = 1;
    } else {
        put_bytes(o, c, len);
    }
}

/* The emoji that say "help": they fold to the word sos, so that a message of
 * emoji alone still reaches the emergency patterns. */
static int is_distress_emoji(uint32_t cp)
{
    return cp == 0x1F198 /* squared SOS */ || cp == 0x1F6A8 /* police car light */;
}

/* Writes the word "sos" for a distress emoji that ended at input byte
 * 'consumed', when the key stays no longer than the input read so far
 * (space before, the word, a space owed after); else the emoji is only a
 * separator: an emoji glued to the word before it ("help🆘") may lack
 * the room, one after a space never does. */
static void put_distress_word(struct fold_out *o, size_t consumed)
{
    flush_run(o);
    if (o->n + (o->n > 0) + 3 + 1 <= consumed) {
        o->space = 1;
        put_space_owed(o);
        put_bytes(o, "sos", 3);
    }
    o->space = 1;
}

/* norm_fold_cp() and put_char() for each byte of p[i, len) up to the first
 * that is not ASCII, without the detour through a code point and a string
 * (most messages are ASCII only), and with the output state in locals rather
 * than read and written back through 'o' at every byte; returns where it
 * stopped. Entered with no run or a run of one single-byte letter. */
static size_t put_ascii_bytes(struct fold_out *o, const unsigned char *p, size_t i,
                              size_t len)
{
    char *const buf = o->buf;
    size_t n = o->n;
    unsigned run_n = o->run_n;
    char run = o->run[0];
    int space = o->space;

    for (; i < len && p[i] < 0x80; i++) {
        unsigned char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c >= 'a' && c <= 'z' && run_n == 1 && !space) {
            /* the usual byte: a letter after one seen once */
            if (run == (char)c) {
                run_n = 2;
            } else {
                buf[n++] = run;
                run = (char)c;
            }
            continue;
        }
        if (c >= 'a' && c <= 'z' && run_n > 0 && !space && run == (char)c) {
            run_n++;
            continue;
        }
        /* flush_run(): a run of 3 or more identical letters stands for one */
        if (run_n >= 3)
            run_n = 1;
        for (; run_n; run_n--)
            buf[n++] = run;
        if (c >= 'a' && c <= 'z') {
            if (space && n > 0)
                buf[n++] = ' ';
            space = 0;
            run = (char)c;
            run_n = 1;
        } else if ((c >= '0' && c <= '9') || c == '\'' || c == '`') {
            if (space && n > 0)
                buf[n++] = ' ';
            space = 0;
            buf[n++] = c == '`' ? '\'' : (char)c;
        } else {
            space = 1;
        }
    }
    o->n = n;
    o->run_n = run_n;
    if (run_n) {
        o->run[0] = run;
        o->run_len = 1;
    }
    o->space = space;
    return i;
}

int norm_text(const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    struct fold_out o = {.buf = out};
    size_t i = 0;
    char f[5];

    if (cap < len + 1)
        return VIGIE_ETOOLONG;
    while (i < len) {
        uint32_t cp;
        int n;

        if (p[i] < 0x80) {
            /* a pending run of a letter of several bytes goes out first:
             * no ASCII letter can continue it */
            if (o.run_len != 1)
                flush_run(&o);
            i = put_ascii_bytes(&o, p, i, len);
            continue;
        }
        n = utf8_decode(p + i, len - i, &cp);
        if (n < 0) {
            out[0] = '\0';
            if (out_len)
                *out_len = 0;
            return VIGIE_EUTF8;
        }
        i += (size_t)n;
        if (is_distress_emoji(cp)) {
            put_distress_word(&o, i);
            continue;
        }
        switch (norm_fold_cp(cp, f)) {
            case NORM_LETTER: {
                /* Multi-letter folds (œ -> oe) enter the run machine one
                 * character at a time; digits never collapse ("1000"). */
                const unsigned char *q = (const unsigned char *)f;
                while (*q) {
                    uint32_t c2;
                    int m = utf8_decode(q, strlen((const char *)q), &c2);
                    put_char(&o, (const char *)q, (size_t)m, !(c2 >= '0' && c2 <= '9'));
                    q += m;
                }
                break;
            }
            case NORM_APOS:
                put_char(&o, "'", 1, 0);
                break;
            case NORM_SPACE:
                flush_run(&o);
                o.space = 1;
                break;
            case NORM_DROP:
                break;
        }
    }
    flush_run(&o);
    out[o.n] = '\0';
    if (out_len)
        *out_len = o.n;
    return 0;
}

int norm_key(const char *in, size_t len, char *stack, size_t stack_cap, char **key,
             size_t *key_len)
{
    char *buf = stack;
    int rc;

    *key = stack;
    if (len + 1 > stack_cap) {
        buf = alloc_malloc(len + 1);
        if (!buf)
            return VIGIE_ENOMEM;
    }
    rc = norm_text(in, len, buf, len + 1, key_len);
    if (rc < 0) {
        norm_key_release(buf, stack);
        return rc;
    }
    *key = buf;
    return 0;
}

void norm_key_release(char *key, const char *stack)
{
    if (key != stack)
        alloc_free(key);
}
