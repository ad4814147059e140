/*
 * bench_engine.c - the engine's in-process micro-benchmark (never a test).
 *
 * Classifies a mix of French and English questions (the dev evaluation set
 * when present, or a file given with -q, else a built-in list) with
 * dialogue_message() -- fold, match, reply language, reply -- that is all the
 * per-message work of the engine, and prints:
 *   - classifications per second and microseconds per message on the full
 *     catalogue, for all questions, for typical ones (30-120 bytes), and split
 *     by stage (answered by a pattern / fell to the fuzzy stage);
 *   - the same on a synthetic catalogue ten times larger (every intent copied
 *     nine times under new ids, the literals of its patterns and examples
 *     renamed so that the copies are distinct intents of the same shape), and
 *     the ratio of the two;
 *   - the cost of 2 KiB messages (questions glued together) against 100-byte
 *     ones;
 *   - last, the same mix with the answer cache on (every question has been
 *     seen before): what a repeated question costs. Every other figure is
 *     measured with the cache off, each message folded and matched.
 * Each time is the fastest of the rounds run over the mix in -s SECONDS: on a
 * shared or virtual machine the slower rounds measure the neighbours.
 *
 * usage: bench_engine [-s SECONDS] [-q QUESTIONS_FILE] [-n COUNT] [-w] [INTENTS_DIR]
 * (-w: keep the answer cache on in the -n run)
 *
 * Instructions per message (callgrind): -n COUNT classifies every question of
 * the mix COUNT times on the full catalogue inside bench_batch() and prints
 * the number of messages, after classifying the dev set once outside it (a
 * pattern's JIT code is compiled on its first run: see src/jit_lazy.h);
 * count only that function:
 *
 *   valgrind --tool=callgrind --toggle-collect=bench_batch --instr-atstart=no \
 *       build/bench/bench_engine -n 2
 *   callgrind_annotate callgrind.out.<pid> | head   # "PROGRAM TOTALS" / messages
 *
 * (the loading of the catalogue, which dominates such a short run, is then
 * not counted; where valgrind's headers are installed, it is not even
 * instrumented, which makes the run several times shorter).
 */
#include <dirent.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "dialogue.h"
#include "intent.h"
#include "match.h"
#include "normalize.h"

static const char *const builtin[] = {
    "what is human trafficking?",
    "c'est quoi la traite des personnes",
    "is there a hotline I can call",
    "quel est le numéro de la ligne d'urgence",
    "how do I report trafficking anonymously",
    "comment signaler un cas de façon anonyme",
    "my boss kept my passport and I work 14 hours a day",
    "mon chum me force à travailler",
    "when is the datajam",
    "qui peut participer au concours",
    "hi there",
    "merci beaucoup",
    "what's the weather tomorrow",
    "je suis en danger aidez moi",
    "who organizes the competition?",
    "est-ce que c'est confidentiel",
};

/* Distinct questions cycled through for the answer cache's figure. */
#define CACHE_WORKING_SET 4096

struct texts {
    char **v;
    size_t n, cap;
};

static void add_text(struct texts *t, const char *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->v = realloc(t->v, t->cap * sizeof(*t->v));
        if (!t->v)
            abort();
    }
    t->v[t->n++] = strdup(s);
}

static void load_eval(struct texts *t, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d))) {
        char path[4096], line[8192];
        FILE *f;
        size_t len = strlen(de->d_name);
        if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof(line), f)) {
            json_t *o = json_loads(line, 0, NULL);
            const char *s = json_string_value(json_object_get(o, "text"));
            if (s && strlen(s) >= 10)
                add_text(t, s);
            json_decref(o);
        }
        fclose(f);
    }
    closedir(d);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void classify(const struct intent_set *set, const char *text)
{
    struct dialogue d;
    struct reply r;

    dialogue_init(&d, LANG_NONE);
    dialogue_message(set, &d, text, strlen(text), LANG_NONE, &r);
}

/* Classifies every text of 't' 'rounds' times; the function callgrind is
 * told to count (--toggle-collect=bench_batch), so never inlined. */
__attribute__((noinline)) unsigned long
bench_batch(const struct intent_set *set, const struct texts *t, unsigned rounds);
__attribute__((noinline)) unsigned long
bench_batch(const struct intent_set *set, const struct texts *t, unsigned rounds)
{
    unsigned long n = 0;
    unsigned r;
    size_t i;

    for (r = 0; r < rounds; r++)
        for (i = 0; i < t->n; i++, n++)
            classify(set, t->v[i]);
    return n;
}

/* Microseconds per message over 't', cycled for about 'seconds' (after one
 * warm-up round): the fastest round's, since on a shared machine the slower
 * ones measure the neighbours; 0 when 't' is empty. */
static double us_per_msg(const struct intent_set *set, const struct texts *t,
                         double seconds)
{
    double start, elapsed, best = 0;

    if (t->n == 0)
        return 0;
    bench_batch(set, t, 1);
    start = now();
    do {
        double round = now(), us;
        unsigned long n = bench_batch(set, t, 1);
        us = 1e6 * (now() - round) / (double)n;
        if (best == 0 || us < best)
            best = us;
        elapsed = now() - start;
    } while (elapsed < seconds);
    return best;
}

static void free_texts(struct texts *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* Sorts the questions of 'all' into typical ones (30-120 bytes), and those
 * answered by a pattern or falling to the fuzzy stage. */
static void split(const struct intent_set *set, const struct texts *all,
                  struct texts *typical, struct texts *by_pattern, struct texts *by_fuzzy)
{
    static char key[DIALOGUE_MAX_TEXT * 4 + 1];
    size_t i, len, klen;

    for (i = 0; i < all->n; i++) {
        struct match_result m;
        len = strlen(all->v[i]);
        if (len >= 30 && len <= 120)
            add_text(typical, all->v[i]);
        if (len > DIALOGUE_MAX_TEXT ||
            norm_text(all->v[i], len, key, sizeof(key), &klen) < 0 ||
            match_best(set, key, klen, &m) < 0)
            continue;
        add_text(m.stage == MATCH_PATTERN ? by_pattern : by_fuzzy, all->v[i]);
    }
}

/* Messages of about 'size' bytes: questions of 'all' glued together with
 * ". " (from a fixed pseudo-random sequence), cut at 'size' bytes on a
 * character boundary. */
static void glue(const struct texts *all, size_t size, size_t count, struct texts *out)
{
    char *buf = malloc(size + 1);
    unsigned long seed = 12345;
    size_t c;

    if (!buf || all->n == 0)
        abort();
    for (c = 0; c < count; c++) {
        size_t o = 0;
        while (o < size) {
            const char *q;
            size_t n;
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            q = all->v[(seed >> 33) % all->n];
            n = strlen(q);
            if (o > 0 && o + 2 < size) {
                memcpy(buf + o, ". ", 2);
                o += 2;
            }
            if (n > size - o)
                n = size - o;
            memcpy(buf + o, q, n);
            o += n;
        }
        while (o > 0 && ((unsigned char)buf[o] & 0xC0) == 0x80)
            o--; /* cut before a continuation byte: stay valid UTF-8 */
        buf[o] = '\0';
        add_text(out, buf);
    }
    free(buf);
}

struct figures {
    double all, typical, pattern, fuzzy;
    size_t n_pattern, n_fuzzy;
};

static void measure(const char *label, const struct intent_set *set,
                    const struct texts *t, double seconds, struct figures *f)
{
    struct texts typical = {0}, by_pattern = {0}, by_fuzzy = {0};

    split(set, t, &typical, &by_pattern, &by_fuzzy);
    f->all = us_per_msg(set, t, seconds);
    f->typical = us_per_msg(set, &typical, seconds);
    f->pattern = us_per_msg(set, &by_pattern, seconds / 2);
    f->fuzzy = us_per_msg(set, &by_fuzzy, seconds / 2);
    f->n_pattern = by_pattern.n;
    f->n_fuzzy = by_fuzzy.n;
    printf("%s: %zu intents\n", label, intent_set_count(set));
    printf("  all questions       %9.0f msg/s %8.2f us/msg\n", 1e6 / f->all, f->all);
    printf("  typical (30-120 B)  %9.0f msg/s %8.2f us/msg (%zu questions)\n",
           1e6 / f->typical, f->typical, typical.n);
    printf("  answered by pattern %9.0f msg/s %8.2f us/msg (%zu questions)\n",
           f->pattern > 0 ? 1e6 / f->pattern : 0, f->pattern, by_pattern.n);
    printf("  fell to fuzzy stage %9.0f msg/s %8.2f us/msg (%zu questions)\n",
           f->fuzzy > 0 ? 1e6 / f->fuzzy : 0, f->fuzzy, by_fuzzy.n);
    free_texts(&typical);
    free_texts(&by_pattern);
    free_texts(&by_fuzzy);
}

/* Appends 'suffix' to every run of three or more ASCII letters of 's' that
 * does not follow a backslash (so \w, \b stay escapes); returns a new JSON
 * string. */
static json_t *rename_words(const char *s, const char *suffix)
{
    size_t cap = strlen(s) * 2 + 64, o = 0, run = 0, sl = strlen(suffix);
    char *buf = malloc(cap);
    const char *p;
    json_t *out;

    if (!buf)
        abort();
    for (p = s;; p++) {
        int letter = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) &&
                     !(run == 0 && p > s && p[-1] == '\\');
        if (!letter && run >= 3) {
            if (o + sl + 2 > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                if (!buf)
                    abort();
            }
            memcpy(buf + o, suffix, sl);
            o += sl;
        }
        if (!*p)
            break;
        run = letter ? run + 1 : 0;
        if (o + sl + 2 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        buf[o++] = *p;
    }
    buf[o] = '\0';
    out = json_string(buf);
    free(buf);
    return out;
}

/* Renames every string of the lists of 'obj'; a string that renaming
 * takes over 'max' bytes is dropped (a few of the longest emergency and
 * support patterns: the loader would refuse them). */
/* The length of 's' once each {{name}} of 'defs' stands expanded. */
static size_t expanded_len(const char *s, json_t *defs)
{
    size_t n = 0;
    const char *open, *close;

    while ((open = strstr(s, "{{")) && (close = strstr(open, "}}"))) {
        char name[128];
        size_t nl = (size_t)(close - open - 2);
        const char *def = NULL;
        if (nl < sizeof(name)) {
            memcpy(name, open + 2, nl);
            name[nl] = '\0';
            def = json_string_value(json_object_get(defs, name));
        }
        n += (size_t)(open - s) + (def ? strlen(def) : (size_t)(close + 2 - open));
        s = close + 2;
    }
    return n + strlen(s);
}

/* Renames the words of every list of 'obj' (see rename_words()), dropping
 * the strings longer than 'max' once the file's definitions 'defs' are
 * expanded in them. */
static void rename_lists(json_t *obj, const char *suffix, size_t max, json_t *defs)
{
    const char *lk;
    json_t *lst;

    json_object_foreach(obj, lk, lst)
    {
        size_t k = 0;
        while (k < json_array_size(lst)) {
            const char *s = json_string_value(json_array_get(lst, k));
            json_t *r = s ? rename_words(s, suffix) : NULL;
            if (r && expanded_len(json_string_value(r), defs) > max) {
                json_decref(r);
                json_array_remove(lst, k);
                continue;
            }
            if (r)
                json_array_set_new(lst, k, r);
            k++;
        }
    }
}

static const char *suffix_of(int copy)
{
    static char suffix[16];
    snprintf(suffix, sizeof(suffix), "q%dz", copy);
    return suffix;
}

/* Writes a copy of every intent file of 'src' into 'dst', with 'copies'
 * renamed duplicates of each intent: new ids, and every word of three
 * letters or more of the patterns and examples suffixed, so the copies are
 * distinct intents of the same shape, as a larger catalogue would be. */
static int make_synthetic(const char *src, const char *dst, int copies)
{
    DIR *d = opendir(src);
    struct dirent *de;

    if (!d)
        return -1;
    while ((de = readdir(d))) {
        char path[4096];
        json_t *root, *arr, *out_arr, *defs;
        size_t len = strlen(de->d_name), i;
        int c;
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", src, de->d_name);
        root = json_load_file(path, 0, NULL);
        arr = json_object_get(root, "intents");
        if (!json_is_array(arr)) {
            json_decref(root);
            continue;
        }
        /* one file per copy: ten copies of a large topic file would pass
         * the loader's size limit for one file ('arr' is held: each copy
         * replaces it in 'root') */
        json_incref(arr);
        defs = json_object_get(root, "define");
        json_incref(defs);
        for (c = 0; c <= copies; c++) {
            /* a copy's definitions are renamed like its patterns, names
             * included, so that {{name}} still finds them */
            json_t *cdefs = c > 0 && defs ? json_object() : json_incref(defs);
            if (c > 0 && defs) {
                const char *dk;
                json_t *dv;
                json_object_foreach(defs, dk, dv)
                {
                    /* a name renaming leaves alone (no word of three
                     * letters: "no_im_am") is already defined by copy 0,
                     * and definitions are folder-wide: write it once */
                    json_t *rk = rename_words(dk, suffix_of(c));
                    if (strcmp(json_string_value(rk), dk) != 0)
                        json_object_set_new(
                            cdefs, json_string_value(rk),
                            rename_words(json_string_value(dv), suffix_of(c)));
                    json_decref(rk);
                }
            }
            if (cdefs)
                json_object_set(root, "define", cdefs);
            out_arr = json_array();
            for (i = 0; i < json_array_size(arr); i++) {
                json_t *it = json_deep_copy(json_array_get(arr, i));
                const char *id = json_string_value(json_object_get(it, "id"));
                if (c > 0) {
                    char nid[128], suffix[16];
                    if (!id || strcmp(id, "fallback") == 0 ||
                        strcmp(id, "emergency") == 0) {
                        json_decref(it);
                        continue;
                    }
                    snprintf(nid, sizeof(nid), "%s.copy%d", id, c);
                    snprintf(suffix, sizeof(suffix), "q%dz", c);
                    json_object_set_new(it, "id", json_string(nid));
                    json_object_del(it, "suggest");
                    json_object_del(it, "counter_examples");
                    rename_lists(json_object_get(it, "patterns"), suffix, 8192, cdefs);
                    rename_lists(json_object_get(it, "examples"), suffix, (size_t)-1,
                                 NULL);
                    json_object_del(it, "exclude");
                }
                json_array_append_new(out_arr, it);
            }
            json_object_set(root, "intents", out_arr);
            json_decref(out_arr);
            snprintf(path, sizeof(path), "%s/%.*s.%d.json", dst, (int)(len - 5),
                     de->d_name, c);
            json_dump_file(root, path, 0);
            json_decref(cdefs);
        }
        json_decref(defs);
        json_decref(arr);
        json_decref(root);
    }
    closedir(d);
    return 0;
}

/* Keeps the first few problems of the synthetic catalogue, printed only if
 * it fails to load (a copy may draw warnings that do not matter here). */
#define KEPT_DIAGS 4

struct kept_diags {
    struct diag first[KEPT_DIAGS];
    int n;
};

static void keep_cb(void *ud, const struct diag *d)
{
    struct kept_diags *k = ud;
    if (k->n < KEPT_DIAGS)
        k->first[k->n] = *d;
    k->n++;
}

static void load_lines(struct texts *t, const char *path)
{
    char line[8192];
    FILE *f = fopen(path, "r");

    if (!f) {
        perror(path);
        exit(1);
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#')
            add_text(t, line);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *dir = VIGIE_DEFAULT_INTENTS, *questions = NULL;
    double seconds = 1.0;
    unsigned count = 0;
    struct texts t = {0}, small = {0}, large = {0};
    struct intent_set *set, *big;
    struct figures full, x10;
    char tmp[] = "/tmp/vigie-bench-XXXXXX";
    struct kept_diags kept = {0};
    size_t i;
    int opt;

    int warm = 0;

    while ((opt = getopt(argc, argv, "s:q:n:w")) != -1) {
        if (opt == 's')
            seconds = atof(optarg);
        else if (opt == 'q')
            questions = optarg;
        else if (opt == 'n')
            count = (unsigned)atoi(optarg);
        else if (opt == 'w')
            warm = 1;
        else {
            fprintf(
                stderr,
                "usage: %s [-s SECONDS] [-q QUESTIONS_FILE] [-n COUNT] [-w] [INTENTS]\n",
                argv[0]);
            return 2;
        }
    }
    if (optind < argc)
        dir = argv[optind];
    if (questions)
        load_lines(&t, questions);
    else
        load_eval(&t, VIGIE_DEFAULT_INTENTS "/../tests/suites/eval/dev");
    if (t.n == 0)
        for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
            add_text(&t, builtin[i]);
    set = intent_set_load(dir, diag_print_cb, NULL);
    if (!set)
        return 1;
    if (!warm)
        dialogue_cache_size(set, 0); /* every message folded and matched */
    if (count > 0) {
        unsigned long n;
        struct texts traffic = {0};
        size_t codes, compiled, bytes;
        /* Codes get their JIT code on their first run (jit_lazy.h), a cost
         * paid once: the dev set, run once before counting, stands for a
         * server that has answered a day of varied questions. */
        load_eval(&traffic, VIGIE_DEFAULT_INTENTS "/../tests/suites/eval/dev");
        for (i = 0; i < traffic.n; i++) /* not in bench_batch: not counted */
            classify(set, traffic.v[i]);
        free_texts(&traffic);
        intent_set_jit_stats(set, &codes, &compiled, &bytes);
        fprintf(stderr, "JIT: %zu of %zu codes compiled, %.1f MB\n", compiled, codes,
                (double)bytes / 1e6);
        CALLGRIND_START_INSTRUMENTATION;
        n = bench_batch(set, &t, count);
        CALLGRIND_STOP_INSTRUMENTATION;
        printf("%lu messages\n", n);
        intent_set_free(set);
        free_texts(&t);
        return 0;
    }
    printf("%zu questions, %.1f s per figure\n", t.n, seconds);
    measure("full catalogue", set, &t, seconds, &full);

    glue(&t, 100, 200, &small);
    glue(&t, 2048, 200, &large);
    {
        double s = us_per_msg(set, &small, seconds), l = us_per_msg(set, &large, seconds);
        printf(
            "message size: 100 B %.2f us/msg, 2 KiB %.2f us/msg: a 2 KiB message costs "
            "%.1f 100-byte ones (target <= 10)\n",
            s, l, l / s);
    }
    if (!mkdtemp(tmp) || make_synthetic(dir, tmp, 9) < 0)
        return 1;
    big = intent_set_load(tmp, keep_cb, &kept);
    if (big) {
        dialogue_cache_size(big, 0);
        measure("synthetic catalogue (x10)", big, &t, seconds, &x10);
        printf("x10 catalogue / full: %.2fx per message (all), %.2fx (typical) (target < "
               "3)\n",
               x10.all / full.all, x10.typical / full.typical);
        intent_set_free(big);
    } else {
        printf("synthetic catalogue did not load (%d problems)\n", kept.n);
        for (int k = 0; k < kept.n && k < KEPT_DIAGS; k++)
            printf("  %s:%d:%d: %s\n", kept.first[k].file, kept.first[k].line,
                   kept.first[k].col, kept.first[k].text);
    }
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
    }
    if (dialogue_cache_size(set, DIALOGUE_CACHE_ENTRIES) == 0) {
        /* us_per_msg() runs the mix once before it measures: every
         * question has then been seen. The repeats are the first
         * CACHE_WORKING_SET questions: the whole dev set no longer fits a
         * 4-way cache of DIALOGUE_CACHE_ENTRIES, and cycling through more
         * than a set holds misses every time (LRU). */
        struct texts seen = t;
        double cold = full.all, warm_us;
        if (seen.n > CACHE_WORKING_SET)
            seen.n = CACHE_WORKING_SET;
        warm_us = us_per_msg(set, &seen, seconds);
        printf(
            "answer cache on, %zu questions each seen before: %.2f us/msg (%.0f msg/s), "
            "%.0fx less than folding and matching\n",
            seen.n, warm_us, 1e6 / warm_us, cold / warm_us);
    }
    intent_set_free(set);
    free_texts(&t);
    free_texts(&small);
    free_texts(&large);
    return 0;
}
