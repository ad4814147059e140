/*
 * eval_intents.c - accuracy of the whole engine on held-out questions.
 *
 * Reads every *.jsonl file of the given folders, one
 * {"text": "...", "intent": "<id>", "lang": "fr"|"en"} per line, answers each
 * text in a fresh session with no language hint, and prints top-1 intent
 * accuracy, emergency recall, the false-emergency rate, reply-language
 * accuracy and the errors per intent. Exits 1 when a threshold is missed, 77
 * (ctest's skip) when there is no question at all.
 * With --no-text (held-out sets) it prints aggregates only, nothing that
 * points at one question; -v adds the messages answered in the wrong
 * language.
 *
 * usage: eval_intents [--intents DIR] [--min-accuracy X] [--min-emergency-recall X]
 *                     [--max-false-emergency X] [--min-lang X] [--no-text] [-v] FOLDER...
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "dialogue.h"
#include "intent.h"

#define MAX_INTENTS 512

struct per_intent {
    unsigned total, wrong;
};

struct stats {
    unsigned n, right, lang_right, em_total, em_found, other_total, false_em, unknown;
    struct per_intent per[MAX_INTENTS];
};

static int no_text, verbose;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void eval_line(const struct intent_set *set, struct stats *st, const char *file,
                      unsigned lineno, const char *line)
{
    json_error_t jerr;
    json_t *root = json_loads(line, 0, &jerr);
    const char *text, *want, *want_lang;
    struct dialogue d;
    struct reply r;
    long idx;
    int rc;

    if (!root || json_unpack(root, "{s:s, s:s, s:s}", "text", &text, "intent", &want,
                             "lang", &want_lang) != 0) {
        fprintf(stderr, "%s:%u: not {\"text\", \"intent\", \"lang\"}\n", file, lineno);
        json_decref(root);
        return;
    }
    idx = intent_set_find(set, want);
    dialogue_init(&d, LANG_NONE);
    rc = dialogue_message(set, &d, text, strlen(text), LANG_NONE, &r);
    st->n++;
    if (idx < 0) {
        st->unknown++;
        if (!no_text)
            printf("  unknown intent \"%s\" at %s:%u\n", want, file, lineno);
    } else if ((size_t)idx < MAX_INTENTS) {
        st->per[idx].total++;
    }
    if (strcmp(want, "emergency") == 0)
        st->em_total++;
    else
        st->other_total++;
    if (rc < 0) {
        if (idx >= 0 && (size_t)idx < MAX_INTENTS)
            st->per[idx].wrong++;
        json_decref(root);
        return;
    }
    if (strcmp(r.intent, want) == 0) {
        st->right++;
    } else {
        if (idx >= 0 && (size_t)idx < MAX_INTENTS)
            st->per[idx].wrong++;
        /* a held-out set's misses, even as line numbers, are not for
         * the people who tune the catalogue: --no-text prints aggregates */
        if (!no_text)
            printf("  expected %-26s got %-26s %.2f  %s\n", want, r.intent, r.score,
                   text);
    }
    if (strcmp(want, "emergency") == 0 && strcmp(r.intent, "emergency") == 0)
        st->em_found++;
    if (strcmp(want, "emergency") != 0 && strcmp(r.intent, "emergency") == 0)
        st->false_em++;
    if (strcmp(lang_code(r.lang), want_lang) == 0)
        st->lang_right++;
    else if (verbose && !no_text)
        printf("  lang: expected %s, got %s: %s\n", want_lang, lang_code(r.lang), text);
    json_decref(root);
}

static void eval_file(const struct intent_set *set, struct stats *st, const char *path,
                      const char *name)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;

    if (!f)
        return;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            eval_line(set, st, name, lineno, line);
    }
    free(line);
    fclose(f);
}

static double ratio(unsigned a, unsigned b)
{
    return b ? (double)a / b : 1.0;
}

int main(int argc, char **argv)
{
    const char *dir = VIGIE_DEFAULT_INTENTS;
    double min_acc = 0, min_em = 0, max_false = 1, min_lang = 0;
    struct stats *st = calloc(1, sizeof(*st));
    struct intent_set *set;
    int i, fail = 0;
    size_t k;

    if (!st)
        return 2;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--intents") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--min-accuracy") == 0 && i + 1 < argc)
            min_acc = atof(argv[++i]);
        else if (strcmp(argv[i], "--min-emergency-recall") == 0 && i + 1 < argc)
            min_em = atof(argv[++i]);
        else if (strcmp(argv[i], "--max-false-emergency") == 0 && i + 1 < argc)
            max_false = atof(argv[++i]);
        else if (strcmp(argv[i], "--min-lang") == 0 && i + 1 < argc)
            min_lang = atof(argv[++i]);
        else if (strcmp(argv[i], "--no-text") == 0)
            no_text = 1;
        else if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else {
            fprintf(stderr, "eval_intents: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    set = intent_set_load(dir, diag_print_cb, NULL);
    if (!set) {
        fprintf(stderr, "eval_intents: %s does not load\n", dir);
        free(st);
        return 1;
    }
    for (; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        struct dirent *de;
        char *names[256];
        size_t n = 0;
        if (!d) {
            printf("no evaluation folder %s\n", argv[i]);
            continue;
        }
        while ((de = readdir(d)) && n < 256) {
            size_t len = strlen(de->d_name);
            if (len > 6 && strcmp(de->d_name + len - 6, ".jsonl") == 0)
                names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(*names), cmp_names);
        for (k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]);
            if (names[k])
                eval_file(set, st, path, names[k]);
            free(names[k]);
        }
    }
    if (st->n == 0) {
        printf("no evaluation questions yet: skipped\n");
        intent_set_free(set);
        free(st);
        return 77;
    }
    printf("errors per intent (wrong/total):\n");
    for (k = 0; k < intent_set_count(set) && k < MAX_INTENTS; k++)
        if (st->per[k].wrong)
            printf("  %-28s %u/%u\n", intent_set_id(set, k), st->per[k].wrong,
                   st->per[k].total);
    printf("questions:            %u (%u with an unknown intent id)\n", st->n,
           st->unknown);
    printf("top-1 accuracy:       %.1f%% (min %.1f%%)\n", 100 * ratio(st->right, st->n),
           100 * min_acc);
    printf("emergency recall:     %.1f%% of %u (min %.1f%%)\n",
           100 * ratio(st->em_found, st->em_total), st->em_total, 100 * min_em);
    printf("false emergencies:    %.2f%% of %u (max %.2f%%)\n",
           100 * ratio(st->false_em, st->other_total), st->other_total, 100 * max_false);
    printf("language accuracy:    %.1f%% (min %.1f%%)\n",
           100 * ratio(st->lang_right, st->n), 100 * min_lang);
    if (ratio(st->right, st->n) < min_acc || ratio(st->em_found, st->em_total) < min_em ||
        (st->other_total && ratio(st->false_em, st->other_total) > max_false) ||
        ratio(st->lang_right, st->n) < min_lang) {
        printf("FAILED: under a threshold\n");
        fail = 1;
    }
    intent_set_free(set);
    free(st);
    return fail;
}
