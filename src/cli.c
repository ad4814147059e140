/*
 * cli.c - the organizer subcommands (see cli.h): `check` validates an intent
 * folder and runs its examples, `ask` answers typed questions, `classify`
 * answers JSON Lines for batch tests and accuracy measurements.
 */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "build_config.h"
#include "dialogue.h"
#include "error.h"
#include "intent.h"
#include "lang.h"

static const char *default_dir(void)
{
    const char *env = getenv("VIGIE_INTENTS");

    return env && *env ? env : VIGIE_DEFAULT_INTENTS;
}

struct diag_count {
    unsigned n;
};

static void count_print_cb(void *ud, const struct diag *d)
{
    ((struct diag_count *)ud)->n++;
    diag_print_cb(NULL, d);
}

int cli_check(int argc, char **argv)
{
    const char *dir = NULL;
    int list = 0, i, rc;
    struct diag_count count = {0};
    struct intent_set *set;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            list = 1;
        } else if (strcmp(argv[i], "--intents") == 0 && i + 1 < argc && !dir) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vigie check [--list] [DIR]\n"
                   "  Loads DIR/*.json (default %s), reports every problem as\n"
                   "  path:line:col: message and runs every example; exit 0 when valid.\n"
                   "  --list  print id<TAB>examples_en<TAB>examples_fr per intent\n",
                   default_dir());
            return 0;
        } else if (argv[i][0] == '-' || dir) {
            fprintf(stderr,
                    "vigie check: unexpected argument \"%s\"\n"
                    "usage: vigie check [--list] [DIR]\n",
                    argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        dir = default_dir();
    set = intent_set_load(dir, count_print_cb, &count);
    if (!set) {
        fprintf(stderr, "vigie check: %u problem%s in %s\n", count.n,
                count.n == 1 ? "" : "s", dir);
        return 1;
    }
    if (list) {
        size_t k;
        for (k = 0; k < intent_set_count(set); k++)
            printf("%s\t%zu\t%zu\n", intent_set_id(set, k),
                   intent_set_example_count(set, k, LANG_EN),
                   intent_set_example_count(set, k, LANG_FR));
        intent_set_free(set);
        return 0;
    }
    rc = intent_set_selftest(set, count_print_cb, &count);
    intent_set_free(set);
    if (rc == VIGIE_ENOMEM) {
        fprintf(stderr, "vigie check: out of memory\n");
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "vigie check: %u problem%s in %s\n", count.n,
                count.n == 1 ? "" : "s", dir);
        return 1;
    }
    return 0;
}

static void print_reply(const struct reply *r)
{
    size_t i;

    printf("intent: %s\nlang: %s\nscore: %.2f\nreply: %s\n", r->intent,
           lang_code(r->lang), r->score, r->text);
    for (i = 0; i < r->n_links; i++)
        printf("link: %s <%s>\n", r->links[i].label, r->links[i].url);
    printf("suggestions:");
    for (i = 0; i < r->n_suggestions; i++)
        printf("%s %s (%s)", i ? "," : "", r->suggestions[i].intent,
               r->suggestions[i].label ? r->suggestions[i].label : "");
    printf("\n");
}

static int ask_one(const struct intent_set *set, struct dialogue *d, const char *text,
                   size_t len, int why)
{
    struct reply r;
    char how[1024];
    int rc = dialogue_message(set, d, text, len, LANG_NONE, &r);

    if (rc < 0) {
        printf("error: %s\n", vigie_strerror(rc));
        return 1;
    }
    print_reply(&r);
    if (why && r.crisis_follow_up)
        printf("why: not understood alone; right after an emergency reply it gets the "
               "emergency reply again (crisis_goes_on() in src/dialogue.c)\n");
    else if (why && dialogue_explain(set, text, len, how, sizeof(how)) == 0)
        printf("why: %s\n", how);
    return 0;
}

int cli_ask(int argc, char **argv)
{
    const char *dir = NULL;
    enum lang lang = LANG_NONE;
    struct intent_set *set;
    struct dialogue d;
    int i, first_text = argc, rc = 0, why = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--why") == 0) {
            why = 1;
        } else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            lang = lang_from_code(argv[++i]);
            if (lang == LANG_NONE) {
                fprintf(stderr, "vigie ask: --lang must be en or fr\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--intents") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vigie ask [--lang en|fr] [--intents DIR] [--why] [TEXT...]\n"
                   "  Answers TEXT, or each line of standard input (one session).\n"
                   "  --why  adds a line saying how the intent was chosen: the pattern\n"
                   "         and where it is written, or the stage that decided.\n");
            return 0;
        } else if (strcmp(argv[i], "--") == 0) {
            first_text = i + 1;
            break;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr,
                    "vigie ask: unknown option \"%s\"\n"
                    "usage: vigie ask [--lang en|fr] [--intents DIR] [--why] [TEXT...]\n",
                    argv[i]);
            return 2;
        } else {
            first_text = i;
            break;
        }
    }
    if (!dir)
        dir = default_dir();
    set = intent_set_load(dir, diag_print_cb, NULL);
    if (!set)
        return 1;
    dialogue_init(&d, lang);
    if (first_text < argc) {
        size_t len = 0;
        char *text;
        for (i = first_text; i < argc; i++)
            len += strlen(argv[i]) + 1;
        text = alloc_malloc(len + 1);
        if (!text) {
            intent_set_free(set);
            return 1;
        }
        text[0] = '\0';
        for (i = first_text; i < argc; i++) {
            if (i > first_text)
                strcat(text, " ");
            strcat(text, argv[i]);
        }
        rc = ask_one(set, &d, text, strlen(text), why);
        alloc_free(text);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int tty = isatty(STDIN_FILENO);
        for (;;) {
            if (tty) {
                printf("> ");
                fflush(stdout);
            }
            n = getline(&line, &cap, stdin);
            if (n < 0)
                break;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (n == 0)
                continue;
            ask_one(set, &d, line, (size_t)n, why);
            printf("\n");
            fflush(stdout);
        }
        free(line);
    }
    intent_set_free(set);
    return rc;
}

static void classify_line(const struct intent_set *set, const char *line, size_t n)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, n, 0, &jerr), *text, *hint;
    struct dialogue d;
    struct reply r;
    enum lang lang = LANG_NONE;
    int rc;

    if (!root || !json_is_object(root)) {
        printf("{\"error\": \"not a JSON object\"}\n");
        goto out;
    }
    text = json_object_get(root, "text");
    if (!json_is_string(text)) {
        printf("{\"error\": \"no \\\"text\\\" string\"}\n");
        goto out;
    }
    hint = json_object_get(root, "lang");
    if (json_is_string(hint))
        lang = lang_from_code(json_string_value(hint));
    dialogue_init(&d, LANG_NONE);
    rc = dialogue_message(set, &d, json_string_value(text), json_string_length(text),
                          lang, &r);
    if (rc < 0) {
        printf("{\"error\": \"%s\"}\n", vigie_strerror(rc));
        goto out;
    }
    printf("{\"intent\": \"%s\", \"lang\": \"%s\", \"score\": %.3f}\n", r.intent,
           lang_code(r.lang), r.score);
out:
    json_decref(root);
}

int cli_classify(int argc, char **argv)
{
    const char *dir = NULL;
    struct intent_set *set;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--intents") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: vigie classify [--intents DIR] < questions.jsonl\n"
                   "  One {\"text\": \"...\", \"lang\": \"fr\"|\"en\"} per line in, one\n"
                   "  {\"intent\": \"...\", \"lang\": \"..\", \"score\": 0.0-1.0} per "
                   "line out.\n");
            return 0;
        } else {
            fprintf(stderr,
                    "vigie classify: unexpected argument \"%s\"\n"
                    "usage: vigie classify [--intents DIR]\n",
                    argv[i]);
            return 2;
        }
    }
    if (!dir)
        dir = default_dir();
    set = intent_set_load(dir, diag_print_cb, NULL);
    if (!set)
        return 1;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        classify_line(set, line, (size_t)n);
        fflush(stdout);
    }
    free(line);
    intent_set_free(set);
    return 0;
}
