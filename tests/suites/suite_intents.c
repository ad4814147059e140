/*
 * suite_intents.c - harness of the intents-invalid suite: loads (and, when
 * loading succeeds, self-tests) an intent folder and compares every
 * diagnostic line with the expected file, in order.
 *
 * usage: suite_intents DIR EXPECTED    (exit 0 when the lines are identical)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"

struct lines {
    char **v;
    size_t n, cap;
};

static void push(struct lines *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (!l->v)
            abort();
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n])
        abort();
    l->n++;
}

static void collect_cb(void *ud, const struct diag *d)
{
    char buf[1024];

    if (d->line > 0)
        snprintf(buf, sizeof(buf), "%s:%d:%d: %s", d->file, d->line, d->col, d->text);
    else
        snprintf(buf, sizeof(buf), "%s: %s", d->file, d->text);
    push(ud, buf);
}

int main(int argc, char **argv)
{
    struct lines got = {0}, want = {0};
    struct intent_set *set;
    char line[1024];
    size_t i;
    FILE *f;
    int ok = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: suite_intents DIR EXPECTED\n");
        return 2;
    }
    set = intent_set_load(argv[1], collect_cb, &got);
    if (set) {
        intent_set_selftest(set, collect_cb, &got);
        intent_set_free(set);
    }
    f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            push(&want, line);
    }
    fclose(f);
    if (want.n == 0) {
        fprintf(stderr, "%s is empty: a broken folder must report something\n", argv[2]);
        ok = 0;
    }
    for (i = 0; i < got.n || i < want.n; i++) {
        const char *g = i < got.n ? got.v[i] : "(nothing)";
        const char *w = i < want.n ? want.v[i] : "(nothing)";
        if (strcmp(g, w) != 0) {
            printf("line %zu differs:\n  expected: %s\n  actual:   %s\n", i + 1, w, g);
            ok = 0;
        }
    }
    if (ok)
        printf("%zu expected diagnostic line(s) reported\n", want.n);
    for (i = 0; i < got.n; i++)
        free(got.v[i]);
    for (i = 0; i < want.n; i++)
        free(want.v[i]);
    free(got.v);
    free(want.v);
    return ok ? 0 : 1;
}
