/*
 * intent.c - load the intent files (intents/NAME.json) into an immutable,
 * compiled intent set and validate it (see intent.h and intents/README.md).
 *
 * Loading reads every file of the folder, parses it with jansson (duplicate
 * keys rejected), walks the schema with a position map of the raw bytes so
 * that every problem is reported at its own path:line:col, compiles every
 * pattern with pcre2 (UTF, UCP, JIT, match limits) after folding it like the
 * visitors' text, and finally builds the matcher's indexes. The self-test
 * runs every example and counter-example through the real matcher.
 */
#include "intent.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error.h"
#include "explain.h"
#include "intent_impl.h"
#include "match.h"
#include "normalize.h"
#include "regex_factor.h"
#include "regex_lead.h"
#include "utf8.h"

#define INTENT_MAX_FILE_BYTES (8u << 20) /* one intent file */
#define INTENT_MAX_FILES      1000
#define INTENT_MAX_INTENTS    20000
#define INTENT_MAX_STRING     8192 /* one pattern, example or answer */
/* A pattern once its {{definitions}} stand in it: shared vetoes make the
 * emergency patterns long; the bound keeps a definition repeated by
 * mistake from growing one without end. */
#define INTENT_MAX_EXPANDED 16384
/* Expansion stops past this: definitions that name definitions would
 * otherwise multiply a file's few kilobytes into gigabytes. */
#define INTENT_MAX_EXPANDING (4 * INTENT_MAX_EXPANDED)
#define INTENT_MATCH_LIMIT   100000
#define INTENT_DEPTH_LIMIT   5000
#define INTENT_HEAP_LIMIT    4096 /* KiB */

/* snprintf that truncates silently: every buffer here is a path or a
 * message whose end may be cut without harm. */
static int fmt_into(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fmt_into(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- position map: path -> line:col of every JSON value in a file ---- */

struct pos_entry {
    size_t path;     /* offset into pos_map.arena */
    int line, col;   /* the value */
    int kline, kcol; /* its key, when it is an object member */
};

struct pos_map {
    struct pos_entry *e;
    size_t n, cap;
    char *arena;
    size_t used, size;
    const char *arena_base; /* for qsort's comparator */
};

struct pos_scan {
    const unsigned char *p, *end;
    int line, col;
    char path[512];
    size_t plen;
    int overflow; /* path too long: values below are not recorded */
    struct pos_map *m;
    int oom;
};

static void pos_advance(struct pos_scan *s)
{
    if (*s->p == '\n') {
        s->line++;
        s->col = 1;
    } else if ((*s->p & 0xC0) != 0x80) {
        s->col++;
    }
    s->p++;
}

static void pos_skip_ws(struct pos_scan *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        pos_advance(s);
}

static int pos_record(struct pos_scan *s, int kline, int kcol)
{
    struct pos_map *m = s->m;
    struct pos_entry *e;

    if (s->overflow)
        return 0;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct pos_entry *ne = alloc_realloc(m->e, cap * sizeof(*ne));
        if (!ne)
            return -1;
        m->e = ne;
        m->cap = cap;
    }
    if (m->used + s->plen + 1 > m->size) {
        size_t size = m->size ? m->size * 2 : 4096;
        char *na;
        while (size < m->used + s->plen + 1)
            size *= 2;
        na = alloc_realloc(m->arena, size);
        if (!na)
            return -1;
        m->arena = na;
        m->size = size;
    }
    memcpy(m->arena + m->used, s->path, s->plen);
    m->arena[m->used + s->plen] = '\0';
    e = &m->e[m->n++];
    e->path = m->used;
    e->line = s->line;
    e->col = s->col;
    e->kline = kline;
    e->kcol = kcol;
    m->used += s->plen + 1;
    return 0;
}

static void pos_skip_string(struct pos_scan *s)
{
    pos_advance(s); /* opening quote */
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            pos_advance(s);
        pos_advance(s);
    }
    if (s->p < s->end)
        pos_advance(s);
}

static void pos_push(struct pos_scan *s, const char *seg, size_t len)
{
    if (s->overflow || s->plen + len + 1 >= sizeof(s->path)) {
        s->overflow++;
        return;
    }
    s->path[s->plen++] = '/';
    memcpy(s->path + s->plen, seg, len);
    s->plen += len;
}

static void pos_pop(struct pos_scan *s, size_t old)
{
    if (s->overflow) {
        s->overflow--;
        if (s->overflow)
            return;
    }
    s->plen = old;
}

static void pos_value(struct pos_scan *s, int kline, int kcol, int depth)
{
    pos_skip_ws(s);
    if (s->p >= s->end || depth > 4096)
        return;
    if (pos_record(s, kline, kcol) < 0) {
        s->oom = 1;
        return;
    }
    if (*s->p == '{') {
        pos_advance(s);
        for (;;) {
            const unsigned char *k;
            size_t old = s->plen;
            int kl, kc;

            pos_skip_ws(s);
            if (s->p >= s->end || *s->p != '"')
                break;
            kl = s->line;
            kc = s->col;
            k = s->p + 1;
            pos_skip_string(s);
            pos_push(s, (const char *)k, (size_t)(s->p - 1 - k));
            pos_skip_ws(s);
            if (s->p < s->end && *s->p == ':')
                pos_advance(s);
            pos_value(s, kl, kc, depth + 1);
            pos_pop(s, old);
            if (s->oom)
                return;
            pos_skip_ws(s);
            if (s->p < s->end && *s->p == ',')
                pos_advance(s);
            else
                break;
        }
        if (s->p < s->end && *s->p == '}')
            pos_advance(s);
    } else if (*s->p == '[') {
        unsigned i = 0;
        pos_advance(s);
        for (;;) {
            char seg[16];
            size_t old = s->plen;
            int n;

            pos_skip_ws(s);
            if (s->p >= s->end || *s->p == ']')
                break;
            n = fmt_into(seg, sizeof(seg), "%u", i++);
            pos_push(s, seg, (size_t)n);
            pos_value(s, 0, 0, depth + 1);
            pos_pop(s, old);
            if (s->oom)
                return;
            pos_skip_ws(s);
            if (s->p < s->end && *s->p == ',')
                pos_advance(s);
            else
                break;
        }
        if (s->p < s->end && *s->p == ']')
            pos_advance(s);
    } else if (*s->p == '"') {
        pos_skip_string(s);
    } else {
        while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
            pos_advance(s);
    }
}

static int pos_cmp(const void *a, const void *b, void *arena)
{
    const struct pos_entry *x = a, *y = b;
    return strcmp((const char *)arena + x->path, (const char *)arena + y->path);
}

/* qsort has no context argument in C11: a small insertion-free merge sort. */
static void pos_sort(struct pos_entry *e, struct pos_entry *tmp, size_t n,
                     const char *arena)
{
    size_t mid, i, j, k;

    if (n < 2)
        return;
    mid = n / 2;
    pos_sort(e, tmp, mid, arena);
    pos_sort(e + mid, tmp, n - mid, arena);
    for (i = 0, j = mid, k = 0; i < mid || j < n;) {
        if (j >= n || (i < mid && pos_cmp(&e[i], &e[j], (void *)arena) <= 0))
            tmp[k++] = e[i++];
        else
            tmp[k++] = e[j++];
    }
    memcpy(e, tmp, n * sizeof(*e));
}

static int pos_build(struct pos_map *m, const char *buf, size_t len)
{
    struct pos_scan s = {.p = (const unsigned char *)buf,
                         .end = (const unsigned char *)buf + len,
                         .line = 1,
                         .col = 1,
                         .m = m};
    struct pos_entry *tmp;

    pos_value(&s, 0, 0, 0);
    if (s.oom)
        return -1;
    tmp = alloc_malloc((m->n ? m->n : 1) * sizeof(*tmp));
    if (!tmp)
        return -1;
    pos_sort(m->e, tmp, m->n, m->arena);
    alloc_free(tmp);
    return 0;
}

static const struct pos_entry *pos_find(const struct pos_map *m, const char *path)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->arena + m->e[mid].path, path);
        if (c == 0)
            return &m->e[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void pos_free(struct pos_map *m)
{
    alloc_free(m->e);
    alloc_free(m->arena);
    memset(m, 0, sizeof(*m));
}

/* ---- loader state and diagnostics ---- */

struct loader {
    struct intent_set *set;
    diag_fn report;
    void *ud;
    int errors;
    int oom;
    const char *file; /* current file path */
    int file_index;
    struct pos_map pm;
    size_t cap_intents;
    int broken_files;  /* files that are not JSON: their ids are unknown */
    int too_many;      /* intents past INTENT_MAX_INTENTS (reported once) */
    json_t *defines;   /* every definition read so far, expanded (null: broken) */
    json_t *define_at; /* where each was written: "file:line:col" */
};

static void vdiag(diag_fn report, void *ud, const char *file, int line, int col,
                  const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static void vdiag(diag_fn report, void *ud, const char *file, int line, int col,
                  const char *fmt, va_list ap)
{
    struct diag d;

    if (!report)
        return;
    memset(&d, 0, sizeof(d));
    fmt_into(d.file, sizeof(d.file), "%s", file ? file : "");
    d.line = line;
    d.col = col;
    vsnprintf(d.text, sizeof(d.text), fmt, ap);
    report(ud, &d);
}

static void diag_at(struct loader *ld, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void diag_at(struct loader *ld, int line, int col, const char *fmt, ...)
{
    va_list ap;

    ld->errors++;
    va_start(ap, fmt);
    vdiag(ld->report, ld->ud, ld->file, line, col, fmt, ap);
    va_end(ap);
}

/* Reports at the value (or its key when 'key' is set) found at 'path', or at
 * the closest recorded parent. */
static void diag_path(struct loader *ld, const char *path, int key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void diag_path(struct loader *ld, const char *path, int key, const char *fmt, ...)
{
    char p[512];
    const struct pos_entry *e = NULL;
    va_list ap;
    int line = 0, col = 0;

    fmt_into(p, sizeof(p), "%s", path);
    while (!(e = pos_find(&ld->pm, p))) {
        char *slash = strrchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        key = 0;
    }
    if (e) {
        line = key && e->kline ? e->kline : e->line;
        col = key && e->kline ? e->kcol : e->col;
    }
    ld->errors++;
    va_start(ap, fmt);
    vdiag(ld->report, ld->ud, ld->file, line, col, fmt, ap);
    va_end(ap);
}

static void path_pos(struct loader *ld, const char *path, int *line, int *col)
{
    const struct pos_entry *e = pos_find(&ld->pm, path);

    *line = e ? e->line : 0;
    *col = e ? e->col : 0;
}

/* path_pos() of the key that names the value (where there is one). */
static void path_key_pos(struct loader *ld, const char *path, int *line, int *col)
{
    const struct pos_entry *e = pos_find(&ld->pm, path);

    *line = e ? (e->kline ? e->kline : e->line) : 0;
    *col = e ? (e->kline ? e->kcol : e->col) : 0;
}

static void diag_oom(struct loader *ld)
{
    if (!ld->oom)
        diag_at(ld, 0, 0, "out of memory");
    ld->oom = 1;
}

void diag_print_cb(void *ud, const struct diag *d)
{
    (void)ud;
    if (d->line > 0)
        fprintf(stderr, "%s:%d:%d: %s\n", d->file, d->line, d->col, d->text);
    else
        fprintf(stderr, "%s: %s\n", d->file, d->text);
}

/* ---- pcre2 allocation through alloc.c ---- */

static void *pcre_malloc_cb(size_t size, void *ud)
{
    (void)ud;
    return alloc_malloc(size);
}

static void pcre_free_cb(void *p, void *ud)
{
    (void)ud;
    alloc_free(p);
}

/* ---- freeing ---- */

static void list_free(struct intent_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        alloc_free(l->items[i].text);
    alloc_free(l->items);
    l->items = NULL;
    l->n = 0;
}

static void starts_free(struct pattern_starts *st)
{
    pcre2_code_free(st->code);
    st->code = NULL;
    match_literals_free(&st->lits);
}

static void pattern_free(struct pattern *p);

static void intent_cleanup(struct intent *it)
{
    size_t i;
    int l;

    alloc_free(it->id);
    for (l = 0; l < LANG_COUNT; l++) {
        alloc_free(it->label[l]);
        list_free(&it->patterns[l]);
        list_free(&it->examples[l]);
        list_free(&it->counters[l]);
        list_free(&it->answers[l]);
    }
    for (i = 0; i < it->n_links; i++)
        for (l = 0; l < LANG_COUNT; l++) {
            alloc_free(it->links[i].label[l]);
            alloc_free(it->links[i].url[l]);
        }
    alloc_free(it->links);
    for (i = 0; i < it->exclude.n; i++) {
        if (it->exclude_code)
            pcre2_code_free(it->exclude_code[i]);
        if (it->exclude_fast)
            pcre2_code_free(it->exclude_fast[i]);
        if (it->exclude_req)
            match_literals_free(&it->exclude_req[i]);
        if (it->exclude_starts)
            starts_free(&it->exclude_starts[i]);
        if (it->exclude_split)
            pattern_free(&it->exclude_split[i]);
    }
    alloc_free(it->exclude_split);
    alloc_free(it->exclude_code);
    alloc_free(it->exclude_fast);
    alloc_free(it->exclude_req);
    alloc_free(it->exclude_starts);
    list_free(&it->exclude);
    list_free(&it->suggest_ids);
    alloc_free(it->suggest);
}

/* Frees the first 'n' parts of 'p' and its parts array: the pattern then
 * runs whole. */
static void parts_free(struct pattern *p, unsigned n)
{
    for (unsigned j = 0; j < n; j++) {
        pcre2_code_free(p->parts[j].code);
        match_word_alts_free(&p->parts[j].words);
        match_literals_free(&p->parts[j].req);
        starts_free(&p->parts[j].starts);
        if (p->parts[j].sub) {
            pattern_free(p->parts[j].sub);
            alloc_free(p->parts[j].sub);
        }
    }
    alloc_free(p->parts);
    p->parts = NULL;
    p->n_parts = 0;
}

/* Frees what a pattern owns and leaves it empty (safe to call twice). */
static void pattern_free(struct pattern *p)
{
    pcre2_code_free(p->code);
    pcre2_code_free(p->span_code);
    p->code = NULL;
    p->span_code = NULL;
    match_word_alts_free(&p->words);
    starts_free(&p->starts);
    parts_free(p, p->n_parts);
    match_literals_free(&p->req);
    match_literals_free(&p->words_lits);
}

void intent_set_free(struct intent_set *set)
{
    size_t i;

    if (!set)
        return;
    match_index_free(set);
    dialogue_index_free(set);
    for (i = 0; i < set->n_patterns; i++)
        pattern_free(&set->patterns[i]);
    alloc_free(set->patterns);
    for (i = 0; i < set->n_intents; i++)
        intent_cleanup(&set->intents[i]);
    alloc_free(set->intents);
    for (i = 0; i < set->n_files; i++)
        alloc_free(set->files[i]);
    alloc_free(set->files);
    pcre2_match_data_free(set->md);
    pcre2_match_context_free(set->mctx);
    pcre2_compile_context_free(set->cctx);
    pcre2_general_context_free(set->gctx);
    jit_lazy_free(set->jit);
    alloc_free(set);
    /* sljit keeps freed executable pages for later JIT code: a reload's old
     * set gives them back (jit_lazy.h) */
    pcre2_jit_free_unused_memory(NULL);
}

/* ---- schema ---- */

static const char *const intent_keys[] = {"id",
                                          "priority",
                                          "label",
                                          "patterns",
                                          "exclude",
                                          "examples",
                                          "counter_examples",
                                          "answers",
                                          "links",
                                          "suggest",
                                          "sources",
                                          NULL};

static int key_known(const char *k, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0)
            return 1;
    return 0;
}

static const char *lang_name(int l)
{
    return lang_code((enum lang)l);
}

/* A string value: non-empty, at most INTENT_MAX_STRING bytes. */
static char *take_string(struct loader *ld, json_t *v, const char *path, const char *what)
{
    const char *s;
    char *copy;
    size_t n;

    if (!json_is_string(v)) {
        diag_path(ld, path, 0, "%s must be a string", what);
        return NULL;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (n == 0 || strspn(s, " \t\r\n") == n) {
        diag_path(ld, path, 0, "%s is empty", what);
        return NULL;
    }
    if (n > INTENT_MAX_STRING) {
        diag_path(ld, path, 0, "%s is too long (%zu bytes, at most %u)", what, n,
                  INTENT_MAX_STRING);
        return NULL;
    }
    if (memchr(s, '\0', n)) {
        diag_path(ld, path, 0, "%s contains a NUL character", what);
        return NULL;
    }
    copy = alloc_strndup(s, n);
    if (!copy)
        diag_oom(ld);
    return copy;
}

/* An array of strings into 'out'. 'min' is the minimum count. */
static void take_list(struct loader *ld, json_t *arr, const char *path, const char *what,
                      size_t min, struct intent_list *out)
{
    size_t i, n;
    char p[512];

    if (!json_is_array(arr)) {
        diag_path(ld, path, 0, "%s must be an array of strings", what);
        return;
    }
    n = json_array_size(arr);
    if (n < min) {
        if (min == 1)
            diag_path(ld, path, 0, "%s is empty", what);
        else
            diag_path(ld, path, 0, "%s: %zu, at least %zu needed", what, n, min);
    }
    if (n == 0)
        return;
    out->items = alloc_calloc(n, sizeof(*out->items));
    if (!out->items) {
        diag_oom(ld);
        return;
    }
    for (i = 0; i < n; i++) {
        char *s;
        fmt_into(p, sizeof(p), "%s/%zu", path, i);
        s = take_string(ld, json_array_get(arr, i), p, what);
        if (!s)
            continue;
        path_pos(ld, p, &out->items[out->n].line, &out->items[out->n].col);
        out->items[out->n++].text = s;
    }
}

/* {"en": ..., "fr": ...}: calls back per language with the value's path. */
static int lang_object(struct loader *ld, json_t *obj, const char *path, const char *what)
{
    const char *k;
    json_t *v;
    int l;

    if (!json_is_object(obj)) {
        diag_path(ld, path, 0, "\"%s\" must be an object with \"en\" and \"fr\"", what);
        return -1;
    }
    json_object_foreach(obj, k, v)
    {
        char p[512];
        if (lang_from_code(k) != LANG_NONE &&
            strcmp(k, lang_code(lang_from_code(k))) == 0)
            continue;
        fmt_into(p, sizeof(p), "%s/%s", path, k);
        diag_path(ld, p, 1,
                  "unknown language \"%s\" in \"%s\" (expected \"en\" and \"fr\")", k,
                  what);
    }
    for (l = 0; l < LANG_COUNT; l++)
        if (!json_object_get(obj, lang_name(l)))
            diag_path(ld, path, 0, "\"%s\" has no \"%s\"", what, lang_name(l));
    return 0;
}

static void take_lang_lists(struct loader *ld, json_t *obj, const char *ipath,
                            const char *key, size_t min,
                            struct intent_list out[LANG_COUNT])
{
    char path[512];
    int l;

    fmt_into(path, sizeof(path), "%s/%s", ipath, key);
    if (lang_object(ld, obj, path, key) < 0)
        return;
    for (l = 0; l < LANG_COUNT; l++) {
        json_t *v = json_object_get(obj, lang_name(l));
        char p[512], what[64];
        if (!v)
            continue;
        fmt_into(p, sizeof(p), "%s/%s", path, lang_name(l));
        fmt_into(what, sizeof(what), "%s (%s)", key, lang_name(l));
        take_list(ld, v, p, what, min, &out[l]);
    }
}

static int url_ok(const char *u)
{
    if (strncmp(u, "https://", 8) == 0)
        return u[8] != '\0' && u[8] != '/' && !strpbrk(u, " \t\r\n\"<>");
    if (strncmp(u, "tel:", 4) == 0)
        return u[4] != '\0' && strspn(u + 4, "+0123456789-(). ") == strlen(u + 4);
    if (strncmp(u, "mailto:", 7) == 0)
        return strchr(u + 7, '@') != NULL && !strpbrk(u, " \t\r\n\"<>");
    return 0;
}

static void take_links(struct loader *ld, json_t *arr, const char *ipath,
                       struct intent *it)
{
    char path[512];
    size_t i, n;

    fmt_into(path, sizeof(path), "%s/links", ipath);
    if (!json_is_array(arr)) {
        diag_path(ld, path, 0, "\"links\" must be an array");
        return;
    }
    n = json_array_size(arr);
    if (n == 0)
        return;
    if (n > 8)
        diag_path(ld, path, 0, "\"links\": %zu links, at most 8", n);
    it->links = alloc_calloc(n, sizeof(*it->links));
    if (!it->links) {
        diag_oom(ld);
        return;
    }
    for (i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i), *url, *v;
        struct intent_link *lk = &it->links[it->n_links++];
        const char *k;
        char p[512], up[600];
        int l;

        fmt_into(p, sizeof(p), "%s/%zu", path, i);
        if (!json_is_object(o)) {
            diag_path(ld, p, 0, "a link must be an object {\"en\", \"fr\", \"url\"}");
            continue;
        }
        json_object_foreach(o, k, v)
        {
            char kp[600];
            if (strcmp(k, "en") == 0 || strcmp(k, "fr") == 0 || strcmp(k, "url") == 0)
                continue;
            fmt_into(kp, sizeof(kp), "%s/%s", p, k);
            diag_path(ld, kp, 1, "unknown key \"%s\" in a link (expected en, fr, url)",
                      k);
        }
        for (l = 0; l < LANG_COUNT; l++) {
            char lp[600];
            fmt_into(lp, sizeof(lp), "%s/%s", p, lang_name(l));
            if (!json_object_get(o, lang_name(l))) {
                diag_path(ld, p, 0, "link has no \"%s\" label", lang_name(l));
                continue;
            }
            lk->label[l] =
                take_string(ld, json_object_get(o, lang_name(l)), lp, "link label");
        }
        url = json_object_get(o, "url");
        fmt_into(up, sizeof(up), "%s/url", p);
        if (!url) {
            diag_path(ld, p, 0, "link has no \"url\"");
            continue;
        }
        for (l = 0; l < LANG_COUNT; l++) {
            json_t *u = url;
            char lp[700];
            fmt_into(lp, sizeof(lp), "%s", up);
            if (json_is_object(url)) {
                if (l == 0)
                    lang_object(ld, url, up, "url");
                u = json_object_get(url, lang_name(l));
                fmt_into(lp, sizeof(lp), "%s/%s", up, lang_name(l));
                if (!u)
                    continue;
            }
            if (!json_is_object(url) && l > 0) {
                /* one URL for both languages: checked once, copied */
                lk->url[l] = lk->url[0] ? alloc_strdup(lk->url[0]) : NULL;
                if (lk->url[0] && !lk->url[l])
                    diag_oom(ld);
                continue;
            }
            lk->url[l] = take_string(ld, u, lp, "link url");
            if (lk->url[l] && !url_ok(lk->url[l]))
                diag_path(
                    ld, lp, 0,
                    "link url \"%.80s\" is not allowed: use https://, tel: or mailto:",
                    lk->url[l]);
        }
    }
}

/* Why expand_names() stopped. */
enum expand_status {
    EXPAND_OK,
    EXPAND_UNOPENED, /* "{{" with no "}}" or a name too long */
    EXPAND_UNKNOWN,  /* a name defs does not hold */
    EXPAND_BROKEN,   /* a name whose own definition was reported broken */
    EXPAND_TOO_LONG, /* past INTENT_MAX_EXPANDING bytes */
    EXPAND_OOM
};

/* Copies s with each {{name}} replaced by defs' string of that name into
 * *out (alloc_malloc'd, NUL-terminated; NULL when s names nothing).  On
 * EXPAND_UNKNOWN the name is left in name[]. */
static enum expand_status expand_names(const char *s, json_t *defs, char **out,
                                       size_t *out_len, char name[64])
{
    char *buf = NULL;
    size_t len = 0, cap = 0;

    *out = NULL;
    *out_len = 0;
    if (!strstr(s, "{{"))
        return EXPAND_OK;
    for (;;) {
        const char *piece = s, *def = NULL, *open, *close;
        size_t n;

        open = strstr(s, "{{");
        close = open ? strstr(open + 2, "}}") : NULL;
        if (open && (!close || (size_t)(close - open - 2) >= 64)) {
            alloc_free(buf);
            return EXPAND_UNOPENED;
        }
        if (open) {
            json_t *v;
            n = (size_t)(close - open - 2);
            memcpy(name, open + 2, n);
            name[n] = '\0';
            v = defs ? json_object_get(defs, name) : NULL;
            if (!v || (!json_is_string(v) && !json_is_null(v))) {
                alloc_free(buf);
                return EXPAND_UNKNOWN;
            }
            if (json_is_null(v)) {
                alloc_free(buf);
                return EXPAND_BROKEN;
            }
            def = json_string_value(v);
        }
        n = def ? (size_t)(open - s) : strlen(s);
        for (int part = 0; part < 2; part++) {
            size_t add = part ? (def ? strlen(def) : 0) : n;
            if (len + add > INTENT_MAX_EXPANDING) {
                alloc_free(buf);
                return EXPAND_TOO_LONG;
            }
            if (len + add + 1 > cap) {
                char *grown;
                cap = (len + add + 1) * 2;
                grown = alloc_realloc(buf, cap);
                if (!grown) {
                    alloc_free(buf);
                    return EXPAND_OOM;
                }
                buf = grown;
            }
            if (add) /* never memcpy() from NULL: the compiler would trust def */
                memcpy(buf + len, part ? def : piece, add);
            len += add;
        }
        if (!def)
            break;
        s = close + 2;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return EXPAND_OK;
}

/* A pattern may name a definition of any file's "define" object as
 * {{name}}: the definition's text stands there, so that a veto written once
 * serves every pattern that needs it, in every file. Replaces t->text with
 * the expansion (unknown names reported at the pattern). */
static void expand_defines(struct loader *ld, struct intent_text *t, const char *what)
{
    char *out, name[64];
    size_t len;

    switch (expand_names(t->text, ld->defines, &out, &len, name)) {
        case EXPAND_OK:
            break;
        case EXPAND_UNOPENED:
            diag_at(ld, t->line, t->col,
                    "%s: \"{{\" opens no definition name (write {{name}}, at most "
                    "63 characters)",
                    what);
            return;
        case EXPAND_UNKNOWN:
            diag_at(ld, t->line, t->col,
                    "%s: unknown definition {{%s}} (no file's \"define\" has that "
                    "name)",
                    what, name);
            return;
        case EXPAND_BROKEN: /* reported at the definition */
            return;
        case EXPAND_TOO_LONG:
            diag_at(ld, t->line, t->col,
                    "%s is more than %u bytes once its {{definitions}} are expanded (at "
                    "most %u): use fewer definitions in it or split it in two",
                    what, INTENT_MAX_EXPANDING, INTENT_MAX_EXPANDED);
            return;
        case EXPAND_OOM:
            diag_oom(ld);
            return;
    }
    if (!out)
        return;
    /* Too long, it is reported and kept expanded all the same: what else is
     * said of it is then about the pattern meant, not about its {{names}}. */
    if (len > INTENT_MAX_EXPANDED)
        diag_at(ld, t->line, t->col,
                "%s is %zu bytes once its {{definitions}} are expanded (at most %u): "
                "use fewer definitions in it or split it in two",
                what, len, INTENT_MAX_EXPANDED);
    alloc_free(t->text);
    t->text = out;
}

/* Checks the file's "define" object (names of [a-z0-9_], string values)
 * and adds every definition, expanded, to the folder's ld->defines. A
 * definition may name those written above it, in its file or in a file
 * whose name sorts before (the order files are read in), never itself or
 * one below: that rules out cycles. A name means one thing in the whole
 * folder: written twice, the second is reported with where the first is.
 * A broken or too long definition is kept as null so that the patterns
 * naming it are not reported a second time. */
static void take_defines(struct loader *ld, json_t *obj)
{
    const char *k;
    json_t *v, *expanded = ld->defines;

    if (!json_is_object(obj)) {
        diag_path(ld, "/define", 0, "\"define\" must be an object of named patterns");
        return;
    }
    json_object_foreach(obj, k, v)
    {
        char p[300], name[64], where[600], *out = NULL;
        size_t i, n = strlen(k), len = 0;
        int line, col;
        json_t *value = NULL, *first;
        fmt_into(p, sizeof(p), "/define/%s", k);
        for (i = 0; i < n && ((k[i] >= 'a' && k[i] <= 'z') ||
                              (k[i] >= '0' && k[i] <= '9') || k[i] == '_');
             i++)
            ;
        if (n == 0 || n >= 64 || i < n) {
            diag_path(ld, p, 1, "definition name \"%s\": use 1-63 of a-z, 0-9 and _", k);
            continue;
        }
        if ((first = json_object_get(ld->define_at, k)) != NULL) {
            diag_path(ld, p, 1,
                      "definition \"%s\" is already written at %s (a name means one "
                      "thing in every file: rename one of them)",
                      k, json_string_value(first));
            continue;
        }
        path_key_pos(ld, p, &line, &col);
        fmt_into(where, sizeof(where), "%s:%d:%d", ld->file, line, col);
        if (json_object_set_new(ld->define_at, k, json_string(where)) < 0) {
            diag_oom(ld);
            break;
        }
        if (!json_is_string(v)) {
            diag_path(ld, p, 0, "definition \"%s\" must be a string (a pattern)", k);
            value = json_null();
        } else {
            switch (expand_names(json_string_value(v), expanded, &out, &len, name)) {
                case EXPAND_OK:
                    /* too long, it is reported here and not again where it
                     * is named, and it grows nothing named after it */
                    if (len > INTENT_MAX_EXPANDED) {
                        diag_path(
                            ld, p, 0,
                            "definition \"%s\" is %zu bytes once the definitions it "
                            "names are expanded (at most %u)",
                            k, len, INTENT_MAX_EXPANDED);
                        value = json_null();
                    } else {
                        value = json_string(out ? out : json_string_value(v));
                    }
                    break;
                case EXPAND_TOO_LONG:
                    diag_path(ld, p, 0,
                              "definition \"%s\" is more than %u bytes once the "
                              "definitions it names are expanded (at most %u)",
                              k, INTENT_MAX_EXPANDING, INTENT_MAX_EXPANDED);
                    value = json_null();
                    break;
                case EXPAND_UNOPENED:
                    diag_path(ld, p, 0,
                              "definition \"%s\": \"{{\" opens no definition name (write "
                              "{{name}}, at most 63 characters)",
                              k);
                    value = json_null();
                    break;
                case EXPAND_UNKNOWN:
                    diag_path(
                        ld, p, 0,
                        "definition \"%s\" names {{%s}}, which is not defined above it "
                        "(a definition may name only those written before it, in its "
                        "file or in a file whose name sorts before)",
                        k, name);
                    value = json_null();
                    break;
                case EXPAND_BROKEN:
                    value = json_null();
                    break;
                case EXPAND_OOM:
                    break;
            }
            alloc_free(out);
        }
        if (!value || json_object_set_new(expanded, k, value) < 0) {
            diag_oom(ld);
            break;
        }
    }
}

static void take_intent(struct loader *ld, json_t *obj, size_t idx)
{
    struct intent_set *set = ld->set;
    struct intent *it;
    char ipath[64], p[512];
    const char *k;
    json_t *v;
    int l;

    fmt_into(ipath, sizeof(ipath), "/intents/%zu", idx);
    if (!json_is_object(obj)) {
        diag_path(ld, ipath, 0, "an intent must be an object");
        return;
    }
    if (set->n_intents >= INTENT_MAX_INTENTS) {
        if (!ld->too_many++) /* once, not once per extra intent */
            diag_path(ld, ipath, 0, "too many intents (at most %d)", INTENT_MAX_INTENTS);
        return;
    }
    if (set->n_intents == ld->cap_intents) {
        size_t cap = ld->cap_intents ? ld->cap_intents * 2 : 64;
        struct intent *ni = alloc_realloc(set->intents, cap * sizeof(*ni));
        if (!ni) {
            diag_oom(ld);
            return;
        }
        set->intents = ni;
        ld->cap_intents = cap;
    }
    it = &set->intents[set->n_intents++];
    memset(it, 0, sizeof(*it));
    it->file = ld->file_index;
    it->priority = INTENT_DEFAULT_PRIORITY;
    path_pos(ld, ipath, &it->line, &it->col);

    json_object_foreach(obj, k, v)
    {
        if (key_known(k, intent_keys))
            continue;
        fmt_into(p, sizeof(p), "%s/%s", ipath, k);
        diag_path(ld, p, 1,
                  "unknown key \"%s\" (expected id, priority, label, patterns, examples, "
                  "counter_examples, answers, links, suggest, sources)",
                  k);
    }

    fmt_into(p, sizeof(p), "%s/id", ipath);
    v = json_object_get(obj, "id");
    if (!v) {
        diag_path(ld, ipath, 0, "intent has no \"id\"");
    } else {
        it->id = take_string(ld, v, p, "\"id\"");
        if (it->id && (strlen(it->id) >= 64 ||
                       strspn(it->id, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
                           strlen(it->id))) {
            diag_path(ld, p, 0,
                      "id \"%.64s\" must be lower-case ASCII letters, digits, '.', "
                      "'_' or '-' (at most 63)",
                      it->id);
            alloc_free(it->id);
            it->id = NULL;
        }
    }
    if (it->id)
        path_pos(ld, p, &it->line, &it->col);

    v = json_object_get(obj, "priority");
    if (v) {
        fmt_into(p, sizeof(p), "%s/priority", ipath);
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 1000)
            diag_path(ld, p, 0, "\"priority\" must be an integer from 0 to 1000");
        else
            it->priority = (int)json_integer_value(v);
    }

    v = json_object_get(obj, "label");
    fmt_into(p, sizeof(p), "%s/label", ipath);
    if (!v) {
        diag_path(ld, ipath, 0, "intent \"%s\" has no \"label\"", it->id ? it->id : "?");
    } else if (lang_object(ld, v, p, "label") == 0) {
        for (l = 0; l < LANG_COUNT; l++) {
            json_t *s = json_object_get(v, lang_name(l));
            char lp[600];
            if (!s)
                continue;
            fmt_into(lp, sizeof(lp), "%s/%s", p, lang_name(l));
            it->label[l] = take_string(ld, s, lp, "label");
        }
    }

    v = json_object_get(obj, "patterns");
    if (v) {
        take_lang_lists(ld, v, ipath, "patterns", 0, it->patterns);
        for (int pl = 0; pl < LANG_COUNT; pl++)
            for (size_t pk = 0; pk < it->patterns[pl].n; pk++)
                expand_defines(ld, &it->patterns[pl].items[pk], "pattern");
    } else if (!it->id || strcmp(it->id, "fallback") != 0)
        diag_path(ld, ipath, 0, "intent \"%s\" has no \"patterns\"",
                  it->id ? it->id : "?");
    if (it->id && strcmp(it->id, "fallback") == 0)
        for (l = 0; l < LANG_COUNT; l++)
            if (it->patterns[l].n) {
                fmt_into(p, sizeof(p), "%s/patterns", ipath);
                diag_path(ld, p, 0, "\"fallback\" must have no patterns");
                break;
            }

    v = json_object_get(obj, "examples");
    if (!v)
        diag_path(ld, ipath, 0, "intent \"%s\" has no \"examples\"",
                  it->id ? it->id : "?");
    else
        take_lang_lists(ld, v, ipath, "examples", INTENT_MIN_EXAMPLES, it->examples);

    v = json_object_get(obj, "counter_examples");
    if (v)
        take_lang_lists(ld, v, ipath, "counter_examples", 0, it->counters);

    v = json_object_get(obj, "answers");
    if (!v)
        diag_path(ld, ipath, 0, "intent \"%s\" has no \"answers\"",
                  it->id ? it->id : "?");
    else
        take_lang_lists(ld, v, ipath, "answers", 1, it->answers);

    v = json_object_get(obj, "links");
    if (v)
        take_links(ld, v, ipath, it);

    v = json_object_get(obj, "exclude");
    if (v) {
        fmt_into(p, sizeof(p), "%s/exclude", ipath);
        take_list(ld, v, p, "exclude", 0, &it->exclude);
        for (size_t ek = 0; ek < it->exclude.n; ek++)
            expand_defines(ld, &it->exclude.items[ek], "exclude");
    }

    v = json_object_get(obj, "suggest");
    if (v) {
        fmt_into(p, sizeof(p), "%s/suggest", ipath);
        take_list(ld, v, p, "suggest", 0, &it->suggest_ids);
    }

    v = json_object_get(obj, "sources");
    fmt_into(p, sizeof(p), "%s/sources", ipath);
    if (!v) {
        diag_path(ld, ipath, 0, "intent \"%s\" has no \"sources\"",
                  it->id ? it->id : "?");
    } else {
        struct intent_list tmp = {0};
        take_list(ld, v, p, "sources", 1, &tmp);
        list_free(&tmp);
    }
}

/* First pass over one file: parses it, builds ld->pm, checks its keys and
 * takes its definitions. Returns the parsed root (the caller's), or NULL
 * when the file is not a JSON object (reported). */
static json_t *take_file_head(struct loader *ld, const char *buf, size_t len)
{
    json_error_t jerr;
    json_t *root, *v;
    const char *k, *nul;

    if (len == 0) {
        diag_at(ld, 0, 0, "empty file: an intent file holds {\"intents\": [...]}");
        ld->broken_files++;
        return NULL;
    }
    if ((nul = memchr(buf, '\0', len)) != NULL) {
        /* jansson stops at a NUL byte and reports "end of file" there. */
        int line = 1, col = 1;
        for (k = buf; k < nul; k++) {
            if (*k == '\n')
                line++, col = 1;
            else if (((unsigned char)*k & 0xc0) != 0x80)
                col++;
        }
        diag_at(ld, line, col, "NUL byte: an intent file is UTF-8 text, not binary");
        ld->broken_files++;
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            diag_oom(ld);
        else
            diag_at(ld, jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
                    "%s", jerr.text);
        ld->broken_files++;
        return NULL;
    }
    if (pos_build(&ld->pm, buf, len) < 0) {
        diag_oom(ld);
        json_decref(root);
        return NULL;
    }
    if (!json_is_object(root)) {
        diag_at(ld, 1, 1, "the file must be an object {\"intents\": [...]}");
        json_decref(root);
        return NULL;
    }
    json_object_foreach(root, k, v)
    {
        char p[300];
        if (strcmp(k, "intents") == 0 || strcmp(k, "define") == 0)
            continue;
        fmt_into(p, sizeof(p), "/%s", k);
        diag_path(ld, p, 1,
                  "unknown key \"%s\" (the file holds \"intents\" and \"define\")", k);
    }
    v = json_object_get(root, "define");
    if (v)
        take_defines(ld, v);
    return root;
}

/* Second pass over one file (ld->pm its map): its intents, once every
 * file's definitions are known. */
static void take_file_intents(struct loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "intents");
    size_t i;

    if (!json_is_array(arr)) {
        diag_at(ld, 1, 1, "the file must have an \"intents\" array");
        return;
    }
    for (i = 0; i < json_array_size(arr) && !ld->oom; i++)
        take_intent(ld, json_array_get(arr, i), i);
}

/* The folder's definitions, before the first file. 0 or -1 (reported). */
static int defines_start(struct loader *ld)
{
    ld->defines = json_object();
    ld->define_at = json_object();
    if (!ld->defines || !ld->define_at) {
        diag_oom(ld);
        return -1;
    }
    return 0;
}

static void defines_end(struct loader *ld)
{
    json_decref(ld->defines);
    json_decref(ld->define_at);
    ld->defines = ld->define_at = NULL;
}

/* ---- reading the folder ---- */

static uint64_t hash_bytes(uint64_t hash, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        hash ^= (unsigned char)s[i];
        hash *= 1099511628211ull;
    }
    return hash;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".json") == 0;
}

/* Lists the *.json files of 'dir' into set->files (full paths, sorted). */
static int list_files(struct loader *ld, const char *dir)
{
    struct intent_set *set = ld->set;
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;

    if (!d) {
        ld->file = dir;
        diag_at(ld, 0, 0, "cannot open the intents folder: %s", strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        char *path;
        size_t n;
        struct stat st;
        int err;

        if (!ends_with_json(de->d_name))
            continue;
        if (set->n_files >= INTENT_MAX_FILES) {
            ld->file = dir;
            diag_at(ld, 0, 0, "too many files (at most %d)", INTENT_MAX_FILES);
            break;
        }
        n = strlen(dir) + strlen(de->d_name) + 2;
        path = alloc_malloc(n);
        if (!path) {
            diag_oom(ld);
            break;
        }
        fmt_into(path, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
                 de->d_name);
        if ((err = stat(path, &st) != 0 ? errno : 0) != 0 || !S_ISREG(st.st_mode)) {
            /* A *.json name that is not a readable regular file is an error,
             * not a silent skip: its intents would vanish. It is never opened
             * (a FIFO would block the loader). */
            ld->file = path;
            if (err)
                diag_at(ld, 0, 0, "cannot read: %s", strerror(err));
            else if (S_ISDIR(st.st_mode))
                diag_at(ld, 0, 0, "is a folder, not an intent file");
            else
                diag_at(ld, 0, 0, "is not a regular file (device, FIFO or socket)");
            ld->file = dir;
            ld->broken_files++;
            alloc_free(path);
            continue;
        }
        if (set->n_files == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nf = alloc_realloc(set->files, nc * sizeof(*nf));
            if (!nf) {
                alloc_free(path);
                diag_oom(ld);
                break;
            }
            set->files = nf;
            cap = nc;
        }
        set->files[set->n_files++] = path;
    }
    closedir(d);
    if (ld->oom)
        return -1;
    qsort(set->files, set->n_files, sizeof(*set->files), name_cmp);
    if (set->n_files == 0) {
        ld->file = dir;
        diag_at(ld, 0, 0, "no *.json intent files in this folder");
        return -1;
    }
    return 0;
}

static char *read_file(struct loader *ld, const char *path, size_t *len, uint64_t *hash)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        diag_at(ld, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *nb;
            if (cap >= INTENT_MAX_FILE_BYTES) {
                diag_at(ld, 0, 0, "file is too large (over %u bytes)",
                        INTENT_MAX_FILE_BYTES);
                goto fail;
            }
            nb = alloc_realloc(buf, nc + 1);
            if (!nb) {
                diag_oom(ld);
                goto fail;
            }
            buf = nb;
            cap = nc;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        diag_at(ld, 0, 0, "cannot read: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    *hash = hash_bytes(*hash, buf, n); /* FNV-1a over every byte: the version */
    return buf;
fail:
    fclose(f);
    alloc_free(buf);
    return NULL;
}

/* ---- patterns ---- */

/* 1 when an apostrophe written after the 'n' bytes of 'out' opens a quoted
 * name, not a letter: (?'name'...), \k'name', \g'name', (?('name')...). */
static int opens_quoted_name(const char *out, size_t n)
{
    return n >= 2 && ((out[n - 2] == '(' && out[n - 1] == '?') ||
                      (out[n - 2] == '\\' && (out[n - 1] == 'k' || out[n - 1] == 'g')) ||
                      (out[n - 2] == '?' && out[n - 1] == '('));
}

/* Folds a pattern's letters like the visitors' text (é -> e, ’ -> ') and
 * keeps everything else. An apostrophe outside a character class becomes
 * (?:'| ), so that "j'ai" also matches "j ai": phones and hurried typists put a
 * space where the elision goes, and a pattern's author need not spell both.
 * 'map' receives, for each output byte, the character offset in 'src' it
 * came from. Returns a new string or NULL. */
static char *fold_pattern(const char *src, size_t **map_out)
{
    size_t len = strlen(src), i = 0, o = 0, ci = 0;
    char *out = alloc_malloc(7 * len + 1);
    size_t *map = alloc_malloc((7 * len + 1) * sizeof(*map));
    int escaped = 0, in_class = 0, in_name = 0;

    if (!out || !map) {
        alloc_free(out);
        alloc_free(map);
        return NULL;
    }
    while (i < len) {
        uint32_t cp;
        char f[5];
        int n = utf8_decode((const unsigned char *)src + i, len - i, &cp);
        size_t k;

        if (n < 0)
            n = 1, cp = (unsigned char)src[i];
        if (cp >= 0x80) {
            enum norm_kind kind = norm_fold_cp(cp, f);
            if (kind == NORM_APOS) {
                f[0] = '\'';
                f[1] = '\0';
            } else if (kind != NORM_LETTER) {
                memcpy(f, src + i, (size_t)n);
                f[n] = '\0';
            }
            if (kind == NORM_DROP)
                f[0] = '\0';
        } else {
            f[0] = (char)cp;
            f[1] = '\0';
        }
        if (f[0] == '\'' && !f[1] && !escaped && !in_class &&
            (in_name || opens_quoted_name(out, o))) {
            in_name = !in_name; /* (?'name'...), \k'name': pcre2 syntax */
        } else if (f[0] == '\'' && !f[1] && !escaped && !in_class) {
            /* a group, not a class: the literal extraction (match.c)
             * expands it into both spellings instead of breaking there */
            for (k = 0; k < 7; k++) {
                map[o] = ci;
                out[o++] = "(?:'| )"[k];
            }
            f[0] = '\0';
        } else if (!escaped && f[0] == '[' && !in_class)
            in_class = 1;
        else if (!escaped && f[0] == ']' && in_class && src[i - 1] != '[' &&
                 !(src[i - 1] == '^' && i >= 2 && src[i - 2] == '['))
            in_class = 0;
        escaped = !escaped && f[0] == '\\' && !f[1];
        for (k = 0; f[k]; k++) {
            map[o] = ci;
            out[o++] = f[k];
        }
        i += (size_t)n;
        ci++;
    }
    out[o] = '\0';
    map[o] = ci;
    *map_out = map;
    return out;
}

/* The offset of a '^' that follows the lookaheads a pattern starts with
 * ("(?!...)^..."), or -1. pcre2 cannot tell such a pattern is anchored, so it
 * runs the lookaheads, each a scan of the rest of the message, at every
 * position: a 2 KiB message cost hundreds of 100-byte ones. "^(?!...)..."
 * means the same and runs once. */
static long lookahead_before_anchor(const char *s)
{
    size_t len = strlen(s), i = 0, end;

    while (i + 2 < len && s[i] == '(' && s[i + 1] == '?' &&
           (s[i + 2] == '!' || s[i + 2] == '=')) {
        end = regex_group_end(s, len, i);
        if (!end)
            return -1;
        i = end + 1;
    }
    return i > 0 && i < len && s[i] == '^' ? (long)i : -1;
}

/* Finds a character in pattern 'src' that can never match a folded key: a
 * capital letter, or punctuation the key never contains. Returns its
 * character offset and fills 'what', or -1 when the pattern looks fine. */
static long lint_pattern(const char *src, char *what, size_t what_size)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = strlen(src), i = 0;
    long ci = 0;
    int in_class = 0, class_first = 0;

    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        long at = ci;

        if (n < 0)
            return -1;
        if (cp == '\\' && i + 1 < len) {
            unsigned char e = s[i + 1];
            i += 2;
            ci += 2;
            if (strchr("pPxoNgk", e) && i < len && s[i] == '{') {
                while (i < len && s[i] != '}')
                    i++, ci++;
            } else if (e == 'Q') {
                return -1; /* quoted literal runs: not worth linting */
            } else if (e == '\\') {
                /* Most often a JSON string escaped twice: "\\\\w" is a
                 * backslash then 'w', where "\\w" was meant. */
                fmt_into(what, what_size,
                         "'\\\\' can never match: the key has no backslash (in JSON, "
                         "write \\\\w for \\w)");
                return at;
            } else if (!in_class && strchr(".?!-,/;:\"@%&_~#*+()[]{}|^$", e) && e) {
                fmt_into(what, what_size,
                         "'\\%c' can never match: the key has no punctuation", e);
                return at;
            }
            continue;
        }
        i += (size_t)n;
        ci++;
        if (in_class) {
            if (cp == ']' && !class_first)
                in_class = 0;
            else if (cp >= 'A' && cp <= 'Z') {
                fmt_into(what, what_size,
                         "capital letter '%c' can never match: the key is lower case",
                         (char)cp);
                return at;
            }
            class_first = cp == '^' && class_first == 1 ? 2 : 0;
            if (class_first == 2)
                class_first = 1;
            continue;
        }
        if (cp == '[') {
            in_class = 1;
            class_first = 1;
            continue;
        }
        if (cp == '(' && i < len && (s[i] == '?' || s[i] == '*')) {
            /* Group syntax, named groups and verbs may hold capitals. */
            size_t j = i + 1;
            if (s[i] == '*') {
                while (j < len && s[j] != ')')
                    j++;
            } else if (j < len && s[j] == '#') {
                while (j < len && s[j] != ')')
                    j++;
            } else if (j < len && (s[j] == '<' || s[j] == 'P' || s[j] == '\'')) {
                j++;
                if (j < len && (s[j] == '=' || s[j] == '!'))
                    j++;
                else
                    while (j < len && s[j] != '>' && s[j] != '\'' && s[j] != ')')
                        j++;
            } else {
                while (j < len &&
                       strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ^-",
                              s[j]) &&
                       s[j])
                    j++;
                if (j < len && strchr(":=!>|)", s[j]))
                    j++;
            }
            ci += (long)(j - i);
            i = j;
            continue;
        }
        if (cp == '{') {
            size_t j = i;
            while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == ','))
                j++;
            if (j < len && s[j] == '}') {
                ci += (long)(j + 1 - i);
                i = j + 1;
            }
            continue;
        }
        if (cp >= 'A' && cp <= 'Z') {
            fmt_into(what, what_size,
                     "capital letter '%c' can never match: the key is lower case "
                     "(write '%c')",
                     (char)cp, (char)(cp - 'A' + 'a'));
            return at;
        }
        if (cp < 0x80 && strchr("-,!\"/;@%&_~", (int)cp) && cp) {
            fmt_into(what, what_size,
                     "'%c' can never match: the key has no punctuation (write a space, "
                     "' ?' or \\b)",
                     (char)cp);
            return at;
        }
        if (cp >= 0x80) {
            char f[5];
            enum norm_kind kind = norm_fold_cp(cp, f);
            if (kind == NORM_SPACE) {
                fmt_into(what, what_size,
                         "'%.*s' can never match: the key has no punctuation or symbols",
                         n, src + i - n);
                return at;
            }
        }
    }
    return -1;
}

/* True when s[from, to) has a '|' outside any group (or is malformed). */
static int has_top_alternation(const char *s, size_t from, size_t to)
{
    size_t i, len = strlen(s);

    for (i = from; i < to; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '[') {
            i = regex_class_end(s, len, i);
            if (!i)
                return 1;
        } else if (s[i] == '(') {
            i = regex_group_end(s, len, i);
            if (!i)
                return 1;
        } else if (s[i] == '|') {
            return 1;
        }
    }
    return 0;
}

/* Skips ".*" or ".*?" at s[i]; returns the new index or 0. */
static size_t skip_dot_star(const char *s, size_t i)
{
    if (s[i] != '.' || s[i + 1] != '*' || s[i + 2] == '+')
        return 0;
    return s[i + 2] == '?' ? i + 3 : i + 2;
}

/* One lookahead body or the tail of ^(?=...)(?!...)...TAIL: a body ".*A"
 * (no top-level alternation) is A searched anywhere; any other body must
 * match at offset 0 (anchored), where the lookahead stood. */
static void split_one(const char *src, size_t from, size_t to, size_t part[2],
                      int *anchored, int *plain)
{
    size_t body = skip_dot_star(src, from);

    if (body && body < to && !has_top_alternation(src, body, to)) {
        part[0] = body;
        *anchored = 0;
    } else {
        part[0] = from;
        *anchored = 1;
        *plain = 0;
    }
    part[1] = to;
}

/* Splits ^(?=A)(?!B)...TAIL? into its parts (see struct pattern_part).
 * Returns the number of parts written to 'part'/'neg'/'anch' (as offsets
 * into 'src'), or 0 when the pattern has another shape. '*plain' tells the
 * ^(?=.*A)(?!.*B)...(.*C)? form with a positive part, whose span is the sum
 * of its positive parts; the others take the span of the whole pattern
 * (enum span_rule). '*tail' is the offset of TAIL in 'src', 0 without one. */
static unsigned split_lookaheads(const char *src, size_t part[][2], int *neg, int *anch,
                                 unsigned max, int *plain, size_t *tail)
{
    size_t len = strlen(src), i = 1;
    unsigned n = 0, k;

    *plain = 1;
    *tail = 0;
    if (src[0] != '^' || has_top_alternation(src, 0, len))
        return 0;
    for (const char *b = strchr(src, '\\'); b; b = strchr(b + 2, '\\')) {
        if (b[1] == 'k' || b[1] == 'g' || (b[1] >= '1' && b[1] <= '9'))
            return 0; /* back references tie the parts together */
        if (!b[1])
            return 0;
    }
    if (strstr(src, "(?P=") || strstr(src, "(?R") || strstr(src, "(?&") ||
        strstr(src, "(*"))
        return 0;
    while (i < len && src[i] == '(' && src[i + 1] == '?' &&
           (src[i + 2] == '=' || src[i + 2] == '!')) {
        size_t e = regex_group_end(src, len, i);
        if (!e || n >= max || e == i + 3)
            return 0;
        /* a quantified lookahead is not a plain requirement */
        if (src[e + 1] == '?' || src[e + 1] == '*' || src[e + 1] == '+' ||
            src[e + 1] == '{')
            return 0;
        split_one(src, i + 3, e, part[n], &anch[n], plain);
        neg[n++] = src[i + 2] == '!';
        i = e + 1;
    }
    if (n == 0)
        return 0;
    if (i < len) {
        if (n >= max)
            return 0;
        split_one(src, i, len, part[n], &anch[n], plain);
        neg[n++] = 0;
        *tail = i;
    }
    for (k = 0; k < n && neg[k]; k++)
        ;
    if (k == n)
        *plain = 0; /* only negative parts */
    return n;
}

#define MAX_PARTS 32

/* The parts compiled so far, by source text and anchoring (see struct
 * pattern_part): open addressing, 'cap' a power of two. */
struct part_seen {
    uint64_t hash;
    char *src; /* owned copy of the part's source */
    size_t len;
    int anchored;
    const struct pattern_part *part;
};

struct part_table {
    struct part_seen *slot;
    size_t n, cap;
};

static void part_table_free(struct part_table *pt)
{
    for (size_t i = 0; i < pt->cap; i++)
        alloc_free(pt->slot[i].src);
    alloc_free(pt->slot);
}

static uint64_t part_hash(const char *src, size_t len, int anchored)
{
    return hash_bytes(anchored ? 0x9e3779b97f4a7c15ull : 14695981039346656037ull, src,
                      len);
}

static struct part_seen *part_find(struct part_table *pt, const char *src, size_t len,
                                   int anchored, uint64_t h)
{
    size_t i;

    if (!pt->cap)
        return NULL;
    for (i = h & (pt->cap - 1); pt->slot[i].src; i = (i + 1) & (pt->cap - 1))
        if (pt->slot[i].hash == h && pt->slot[i].len == len &&
            pt->slot[i].anchored == anchored && memcmp(pt->slot[i].src, src, len) == 0)
            return &pt->slot[i];
    return &pt->slot[i];
}

/* Remembers 'part' as the first of its source; -1 when out of memory. */
static int part_remember(struct part_table *pt, const char *src, size_t len, int anchored,
                         const struct pattern_part *part)
{
    uint64_t h = part_hash(src, len, anchored);
    struct part_seen *e;

    if (2 * (pt->n + 1) > pt->cap) {
        struct part_table bigger = {NULL, 0, pt->cap ? 2 * pt->cap : 256};
        bigger.slot = alloc_calloc(bigger.cap, sizeof(*bigger.slot));
        if (!bigger.slot)
            return -1;
        for (size_t i = 0; i < pt->cap; i++)
            if (pt->slot[i].src)
                *part_find(&bigger, pt->slot[i].src, pt->slot[i].len,
                           pt->slot[i].anchored, pt->slot[i].hash) = pt->slot[i];
        bigger.n = pt->n;
        alloc_free(pt->slot);
        *pt = bigger;
    }
    e = part_find(pt, src, len, anchored, h);
    if (e->src)
        return 0; /* two identical parts in one pattern: the first stays */
    e->src = alloc_malloc(len + 1);
    if (!e->src)
        return -1;
    memcpy(e->src, src, len);
    e->src[len] = '\0';
    e->len = len;
    e->hash = h;
    e->anchored = anchored;
    e->part = part;
    pt->n++;
    return 0;
}

/* Compiles part 'src' ('len' bytes) for keys of ASCII only (match.c runs
 * the whole pattern on the others): without Unicode properties, which
 * would cost pcre2 a table lookup for every \b and \w and change nothing
 * there, and with its alternations factored (regex_factor.h). NULL and
 * '*errcode' when it cannot stand alone. */
static pcre2_code *compile_part(struct intent_set *set, const char *src, size_t len,
                                int anchored, int *errcode)
{
    uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | (anchored ? PCRE2_ANCHORED : 0);
    char *factored = regex_factor(src, len);
    pcre2_code *code = NULL;
    PCRE2_SIZE erroff;

    if (factored)
        code = pcre2_compile((PCRE2_SPTR)factored, PCRE2_ZERO_TERMINATED, opts, errcode,
                             &erroff, set->cctx);
    alloc_free(factored);
    if (!code)
        code = pcre2_compile((PCRE2_SPTR)src, len, opts, errcode, &erroff, set->cctx);
    return code;
}

/* compile_part(), anchored, for the code tried at a pattern's starts: with
 * a callout (?C1) where its head ends, when a ".*" at its top level follows
 * the head (regex_dotstar_at()). At a start where such a pattern fails,
 * the callout told match.c where the head ended: the rest matches nowhere
 * after that, so no later start can match (see starts_exec()). '*cut' says
 * whether the callout is there. */
static pcre2_code *compile_starts_code(struct intent_set *set, const char *src,
                                       size_t len, int *cut, int *errcode)
{
    uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_ANCHORED;
    char *factored = NULL, *with = NULL;
    const char *s = src;
    pcre2_code *code = NULL;
    PCRE2_SIZE erroff;
    size_t n = len, at = 0;

    *cut = 0;
    if (regex_dotstar_at(src, len)) {
        factored = regex_factor(src, len);
        if (factored) {
            s = factored;
            n = strlen(factored);
        }
        at = regex_dotstar_at(s, n);
    }
    if (at)
        with = alloc_malloc(n + sizeof("(?C1)"));
    if (with) {
        memcpy(with, s, at);
        memcpy(with + at, "(?C1)", 5);
        memcpy(with + at + 5, s + at, n - at);
        code = pcre2_compile((PCRE2_SPTR)with, n + 5, opts, errcode, &erroff, set->cctx);
        *cut = code != NULL;
    }
    alloc_free(with);
    alloc_free(factored);
    return code ? code : compile_part(set, src, len, 1, errcode);
}

/* Where a match of 'src' ('len' bytes, searched anywhere) can begin, and
 * the code to try there (struct pattern_starts). 0 (nothing filled when no
 * set was found or the anchored code does not compile), or -1 out of
 * memory. */
static int compile_starts(struct intent_set *set, const char *src, size_t len,
                          struct pattern_starts *st)
{
    struct regex_lead lead;
    int errcode;

    if (!regex_lead(src, len, &lead))
        return 0;
    st->lits.lits = alloc_calloc(lead.n, sizeof(*st->lits.lits));
    st->lits.set = alloc_calloc(lead.n, 1);
    st->lits.word_start = alloc_malloc(lead.n);
    if (!st->lits.lits || !st->lits.set || !st->lits.word_start)
        goto fail;
    for (size_t k = 0; k < lead.n; k++) {
        st->lits.lits[k] = alloc_strndup(lead.lit[k], strlen(lead.lit[k]));
        if (!st->lits.lits[k])
            goto fail;
        st->lits.word_start[k] = lead.word_start[k];
        st->lits.n = k + 1;
    }
    st->lits.n_sets = 1;
    st->code = compile_starts_code(set, src, len, &st->cut, &errcode);
    if (!st->code) {
        match_literals_free(&st->lits);
        return errcode == PCRE2_ERROR_NOMEMORY || errcode == PCRE2_ERROR_HEAPLIMIT ? -1
                                                                                   : 0;
    }
    jit_lazy_add(set->jit, st->code);
    return 0;
fail:
    starts_free(st);
    return -1;
}

/* The literals part 'src' ('len' bytes) needs (pattern_part.req). */
static int part_literals(struct pattern_part *pt, const char *src, size_t len)
{
    char *copy = alloc_strndup(src, len);
    size_t weight;
    int rc;

    if (!copy)
        return -1;
    rc = match_extract_literals(copy, &pt->req, &weight, NULL);
    alloc_free(copy);
    return rc < 0 ? -1 : 0;
}

static int compile_sub(struct loader *ld, struct part_table *seen,
                       struct pattern_part *pt, const char *src, size_t len);

static int compile_parts(struct loader *ld, struct part_table *seen, struct pattern *p,
                         const char *folded)
{
    struct intent_set *set = ld->set;
    size_t part[MAX_PARTS][2];
    int neg[MAX_PARTS], anch[MAX_PARTS], plain;
    size_t tail;
    unsigned n = split_lookaheads(folded, part, neg, anch, MAX_PARTS, &plain, &tail), k;

    if (n == 0)
        return 0;
    p->parts = alloc_calloc(n, sizeof(*p->parts));
    if (!p->parts)
        return -1;
    /* Lookaheads match nothing: run whole, the pattern matches what its
     * tail matches at offset 0. */
    p->span_rule = plain         ? SPAN_PARTS
                   : !tail       ? SPAN_WEIGHT
                   : anch[n - 1] ? SPAN_TAIL
                                 : SPAN_WHOLE;
    for (k = 0; k < n; k++) {
        const char *src = folded + part[k][0];
        size_t len = part[k][1] - part[k][0];
        struct part_seen *old =
            part_find(seen, src, len, anch[k], part_hash(src, len, anch[k]));
        int errcode;
        p->parts[k].negative = neg[k];
        p->parts[k].words.id = -1;
        p->n_parts = k + 1;
        if (old && old->src) {
            p->parts[k].same = old->part;
            p->parts[k].memo = old->part->memo;
            continue;
        }
        p->parts[k].memo = set->n_memo + k;
        p->parts[k].code = compile_part(set, src, len, anch[k], &errcode);
        if (!p->parts[k].code) {
            /* Cannot stand alone (or no memory): run the pattern whole. */
            parts_free(p, k);
            p->span_rule = SPAN_PARTS;
            return errcode == PCRE2_ERROR_NOMEMORY || errcode == PCRE2_ERROR_HEAPLIMIT
                       ? -1
                       : 0;
        }
        jit_lazy_add(set->jit, p->parts[k].code);
        /* An anchored part is not a search for words anywhere. */
        if (!anch[k] && match_word_alts(folded + part[k][0], part[k][1] - part[k][0],
                                        &p->parts[k].words) < 0)
            return -1; /* freed with the set */
        if (p->parts[k].words.n == 0 &&
            (part_literals(&p->parts[k], src, len) < 0 ||
             (!anch[k] && compile_starts(set, src, len, &p->parts[k].starts) < 0)))
            return -1;
    }
    if (p->span_rule == SPAN_WHOLE) {
        /* The whole pattern's span is that of its tail .*C run anchored:
         * the lookaheads before it match nothing. Without this code (it
         * does not compile alone), the whole pattern gives it. */
        int errcode;
        PCRE2_SIZE erroff;
        p->span_code = pcre2_compile((PCRE2_SPTR)folded + tail, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C |
                                         PCRE2_ANCHORED,
                                     &errcode, &erroff, set->cctx);
        if (p->span_code)
            jit_lazy_add(set->jit, p->span_code);
    }
    /* Only now that the whole pattern stands can its parts serve others. */
    set->n_memo += n;
    for (k = 0; k < n; k++) {
        if (p->parts[k].same)
            continue;
        if (neg[k] && anch[k] &&
            compile_sub(ld, seen, &p->parts[k], folded + part[k][0],
                        part[k][1] - part[k][0]) < 0)
            return -1;
        if (part_remember(seen, folded + part[k][0], part[k][1] - part[k][0], anch[k],
                          &p->parts[k]) < 0)
            return -1;
    }
    return 0;
}

/* Gives the negative part 'pt', whose body 'src' ('len' bytes) is a run of
 * lookaheads (?=.*A)(?!.*B)..., the parts of ^(?=.*A)(?!.*B)... (struct
 * pattern_part.sub); any other body keeps its code alone. 0, or -1 out of
 * memory. */
static int compile_sub(struct loader *ld, struct part_table *seen,
                       struct pattern_part *pt, const char *src, size_t len)
{
    size_t part[MAX_PARTS][2], tail;
    int neg[MAX_PARTS], anch[MAX_PARTS], plain;
    char *body = alloc_malloc(len + 2);
    int rc = 0;

    if (!body)
        return -1;
    body[0] = '^';
    memcpy(body + 1, src, len);
    body[len + 1] = '\0';
    if (split_lookaheads(body, part, neg, anch, MAX_PARTS, &plain, &tail) > 0 && !tail) {
        pt->sub = alloc_calloc(1, sizeof(*pt->sub));
        if (!pt->sub || compile_parts(ld, seen, pt->sub, body) < 0)
            rc = -1;
        else if (pt->sub->n_parts == 0) {
            pattern_free(pt->sub); /* a part that cannot stand alone */
            alloc_free(pt->sub);
            pt->sub = NULL;
        }
    }
    alloc_free(body);
    return rc;
}

/* Splits ^L(?:B1|B2|...|Bm), where L is a run of lookaheads and the group
 * ends the pattern, into its branches: anchored at 0, it matches exactly
 * when one of ^L B1 ... ^L Bm does. Apart, each branch can be cut into
 * parts that the word index decides (split_lookaheads()); whole, pcre2
 * tries every branch's own lookaheads, each a scan of the message, on
 * every message that reaches the pattern. Returns the number of branches
 * written to 'br' (offsets into 'src'), 0 for any other shape; '*head' is
 * the length of ^L. */
static unsigned split_branches(const char *src, size_t *head, size_t br[][2],
                               unsigned max)
{
    size_t len = strlen(src), i = 1, e, from, j;
    unsigned n = 0;

    if (src[0] != '^' || has_top_alternation(src, 0, len))
        return 0;
    while (src[i] == '(' && src[i + 1] == '?' &&
           (src[i + 2] == '=' || src[i + 2] == '!')) {
        e = regex_group_end(src, len, i);
        if (!e || src[e + 1] == '?' || src[e + 1] == '*' || src[e + 1] == '+' ||
            src[e + 1] == '{')
            return 0;
        i = e + 1;
    }
    if (strncmp(src + i, "(?:", 3) != 0 || regex_group_end(src, len, i) + 1 != len)
        return 0;
    e = len - 1;
    *head = i;
    for (from = j = i + 3; j < e; j++) {
        if (src[j] == '\\') {
            j++;
        } else if (src[j] == '[') {
            if (!(j = regex_class_end(src, len, j)))
                return 0;
        } else if (src[j] == '(') {
            if (!(j = regex_group_end(src, len, j)))
                return 0;
        } else if (src[j] == '|') {
            if (n + 1 >= max)
                return 0;
            br[n][0] = from;
            br[n++][1] = j;
            from = j + 1;
        }
    }
    if (n == 0)
        return 0;
    br[n][0] = from;
    br[n++][1] = e;
    return n;
}

#define MAX_BRANCHES 64

/* Everything but the compiled code: literals for the prefilter, parts and
 * words for the word index. 0, or -1 out of memory ('p' freed). */
static int index_pattern(struct loader *ld, struct part_table *seen, struct pattern *p,
                         const char *folded)
{
    jit_lazy_add(ld->set->jit, p->code);
    if (match_extract_literals(folded, &p->req, &p->weight, &p->words_lits) < 0 ||
        compile_parts(ld, seen, p, folded) < 0 ||
        (p->n_parts == 0 && match_word_alts(folded, strlen(folded), &p->words) < 0) ||
        (p->n_parts == 0 && p->words.n == 0 && folded[0] != '^' &&
         compile_starts(ld->set, folded, strlen(folded), &p->starts) < 0)) {
        pattern_free(p);
        diag_oom(ld);
        return -1;
    }
    return 0;
}

/* Makes room for 'more' patterns past set->n_patterns. */
static int patterns_reserve(struct loader *ld, size_t *cap, size_t more)
{
    struct intent_set *set = ld->set;
    struct pattern *grown;
    size_t want = *cap;

    if (set->n_patterns + more <= *cap)
        return 0;
    while (want < set->n_patterns + more)
        want *= 2;
    grown = alloc_realloc(set->patterns, want * sizeof(*grown));
    if (!grown) {
        diag_oom(ld);
        return -1;
    }
    memset(grown + *cap, 0, (want - *cap) * sizeof(*grown));
    set->patterns = grown;
    *cap = want;
    return 0;
}

/* Replaces the compiled pattern 'p' (at set->patterns[n_patterns]) by its
 * branches (split_branches()), each a pattern of the same intent, language
 * and index. Returns how many patterns now stand there: the branches, or 1
 * when one of them does not compile alone ('p' kept whole), 0 out of
 * memory. */
static size_t compile_branches(struct loader *ld, struct part_table *seen, size_t *cap,
                               const char *folded)
{
    struct intent_set *set = ld->set;
    size_t br[MAX_BRANCHES][2], head, b, k;
    unsigned n = split_branches(folded, &head, br, MAX_BRANCHES);
    pcre2_code *code[MAX_BRANCHES];
    char *src[MAX_BRANCHES];
    struct pattern whole;

    if (n < 2)
        return 1;
    if (patterns_reserve(ld, cap, n) < 0)
        return 0;
    for (b = 0; b < n; b++) {
        int errcode;
        PCRE2_SIZE erroff;
        size_t blen = br[b][1] - br[b][0];

        src[b] = alloc_malloc(head + blen + 1);
        code[b] = NULL;
        if (src[b]) {
            memcpy(src[b], folded, head);
            memcpy(src[b] + head, folded + br[b][0], blen);
            src[b][head + blen] = '\0';
            code[b] = pcre2_compile((PCRE2_SPTR)src[b], head + blen,
                                    PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C,
                                    &errcode, &erroff, set->cctx);
        }
        if (!code[b]) {
            int oom = !src[b];
            for (k = 0; k <= b; k++) {
                pcre2_code_free(code[k]);
                alloc_free(src[k]);
            }
            if (oom)
                diag_oom(ld);
            return oom ? 0 : 1;
        }
    }
    whole = set->patterns[set->n_patterns];
    for (b = 0; b < n; b++) {
        struct pattern *p = &set->patterns[set->n_patterns + b];
        memset(p, 0, sizeof(*p));
        p->code = code[b];
        p->intent = whole.intent;
        p->priority = whole.priority;
        p->lang = whole.lang;
        p->index = whole.index;
        p->branch = (unsigned)b + 1;
        if (index_pattern(ld, seen, p, src[b]) < 0) {
            for (k = b + 1; k < n; k++)
                pcre2_code_free(code[k]);
            for (k = 0; k < b; k++)
                pattern_free(&set->patterns[set->n_patterns + k]);
            set->patterns[set->n_patterns] = whole;
            for (k = 0; k < n; k++)
                alloc_free(src[k]);
            return 0;
        }
    }
    for (b = 0; b < n; b++)
        alloc_free(src[b]);
    pattern_free(&whole);
    return n;
}

/* Lints, folds and compiles one pattern as written ('t'); 'label' names it
 * in diagnostics ("pattern 2 (en)", "exclude 1"). Returns the code and the
 * folded text in '*folded' (the caller frees it), or NULL: a problem
 * reported, or out of memory (ld->oom). */
static pcre2_code *compile_text(struct loader *ld, const struct intent_text *t,
                                const char *label, char **folded)
{
    size_t *map = NULL;
    char what[200];
    long bad = lint_pattern(t->text, what, sizeof(what));
    pcre2_code *code;
    int errcode;
    PCRE2_SIZE erroff;

    *folded = NULL;
    if (bad >= 0) {
        diag_at(ld, t->line, t->col, "%s, offset %ld: %s", label, bad, what);
        return NULL;
    }
    bad = lookahead_before_anchor(t->text);
    if (bad >= 0) {
        diag_at(ld, t->line, t->col,
                "%s, offset %ld: '^' after a lookahead is tried at every position of a "
                "message (slow on long ones): write '^' first",
                label, bad);
        return NULL;
    }
    *folded = fold_pattern(t->text, &map);
    if (!*folded) {
        diag_oom(ld);
        return NULL;
    }
    code = pcre2_compile((PCRE2_SPTR)*folded, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &errcode,
                         &erroff, ld->set->cctx);
    if (!code) {
        PCRE2_UCHAR msg[160];
        size_t n = strlen(*folded);
        if (errcode == PCRE2_ERROR_HEAPLIMIT || errcode == PCRE2_ERROR_NOMEMORY) {
            diag_oom(ld);
        } else {
            pcre2_get_error_message(errcode, msg, sizeof(msg));
            diag_at(ld, t->line, t->col, "%s: %s at offset %zu", label, (const char *)msg,
                    map[erroff <= n ? erroff : n]);
        }
        alloc_free(*folded);
        *folded = NULL;
    }
    alloc_free(map);
    return code;
}

static int compile_patterns(struct loader *ld, struct part_table *seen)
{
    struct intent_set *set = ld->set;
    size_t i, total = 0, k, cap;
    int l;

    for (i = 0; i < set->n_intents; i++)
        for (l = 0; l < LANG_COUNT; l++)
            total += set->intents[i].patterns[l].n;
    cap = total ? total : 1;
    set->patterns = alloc_calloc(cap, sizeof(*set->patterns));
    if (!set->patterns) {
        diag_oom(ld);
        return -1;
    }
    for (i = 0; i < set->n_intents && !ld->oom; i++) {
        struct intent *it = &set->intents[i];
        ld->file = set->files[it->file];
        for (l = 0; l < LANG_COUNT && !ld->oom; l++) {
            for (k = 0; k < it->patterns[l].n && !ld->oom; k++) {
                const struct intent_text *t = &it->patterns[l].items[k];
                char label[64], *folded;
                size_t n;
                pcre2_code *code;
                struct pattern *p;

                fmt_into(label, sizeof(label), "pattern %zu (%s)", k + 1, lang_name(l));
                code = compile_text(ld, t, label, &folded);
                if (!code)
                    continue;
                if (patterns_reserve(ld, &cap, 1) < 0) {
                    pcre2_code_free(code);
                    alloc_free(folded);
                    break;
                }
                p = &set->patterns[set->n_patterns];
                p->code = code;
                p->intent = (long)i;
                p->priority = it->priority;
                p->lang = (enum lang)l;
                p->index = (unsigned)(k + 1);
                n = compile_branches(ld, seen, &cap, folded);
                if (n == 1 &&
                    index_pattern(ld, seen, &set->patterns[set->n_patterns], folded) < 0)
                    n = 0;
                if (n == 0) /* out of memory */
                    pattern_free(&set->patterns[set->n_patterns]);
                set->n_patterns += n;
                alloc_free(folded);
            }
        }
    }
    return ld->oom ? -1 : 0;
}

/* Each intent's "exclude" patterns, folded and compiled like its patterns
 * (searched anywhere, JIT, the same limits). */
static int compile_excludes(struct loader *ld, struct part_table *seen)
{
    struct intent_set *set = ld->set;

    for (size_t i = 0; i < set->n_intents && !ld->oom; i++) {
        struct intent *it = &set->intents[i];
        if (it->exclude.n == 0)
            continue;
        ld->file = set->files[it->file];
        it->exclude_code = alloc_calloc(it->exclude.n, sizeof(*it->exclude_code));
        it->exclude_fast = alloc_calloc(it->exclude.n, sizeof(*it->exclude_fast));
        it->exclude_req = alloc_calloc(it->exclude.n, sizeof(*it->exclude_req));
        it->exclude_starts = alloc_calloc(it->exclude.n, sizeof(*it->exclude_starts));
        it->exclude_split = alloc_calloc(it->exclude.n, sizeof(*it->exclude_split));
        if (!it->exclude_code || !it->exclude_fast || !it->exclude_req ||
            !it->exclude_starts || !it->exclude_split) {
            diag_oom(ld);
            break;
        }
        it->exclude_base = set->n_excl;
        set->n_excl += (unsigned)it->exclude.n;
        for (size_t k = 0; k < it->exclude.n && !ld->oom; k++) {
            char label[32], *folded;
            size_t weight;
            int errcode;
            fmt_into(label, sizeof(label), "exclude %zu", k + 1);
            it->exclude_code[k] = compile_text(ld, &it->exclude.items[k], label, &folded);
            if (it->exclude_code[k]) {
                jit_lazy_add(set->jit, it->exclude_code[k]);
                it->exclude_fast[k] =
                    compile_part(set, folded, strlen(folded), 0, &errcode);
                if (it->exclude_fast[k])
                    jit_lazy_add(set->jit, it->exclude_fast[k]);
                if (match_extract_literals(folded, &it->exclude_req[k], &weight, NULL) <
                        0 ||
                    (it->exclude_fast[k] && folded[0] != '^' &&
                     compile_starts(set, folded, strlen(folded), &it->exclude_starts[k]) <
                         0) ||
                    (it->exclude_fast[k] &&
                     compile_parts(ld, seen, &it->exclude_split[k], folded) < 0))
                    diag_oom(ld);
            }
            alloc_free(folded);
        }
    }
    return ld->oom ? -1 : 0;
}

static int pattern_order(const void *a, const void *b)
{
    const struct pattern *x = a, *y = b;

    if (x->priority != y->priority)
        return y->priority - x->priority;
    if (x->intent != y->intent)
        return x->intent < y->intent ? -1 : 1;
    if (x->lang != y->lang)
        return x->lang < y->lang ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return x->branch < y->branch ? -1 : (x->branch > y->branch);
}

/* ---- cross-file checks ---- */

static void check_set(struct loader *ld, const char *dir)
{
    struct intent_set *set = ld->set;
    size_t i, j, k;
    int had_errors = ld->errors > 0;

    set->fallback = set->emergency = set->lang_fr = set->lang_en = -1;
    for (i = 0; i < set->n_intents; i++) {
        struct intent *it = &set->intents[i];
        if (!it->id)
            continue;
        for (j = 0; j < i; j++) {
            struct intent *o = &set->intents[j];
            if (o->id && strcmp(o->id, it->id) == 0) {
                ld->file = set->files[it->file];
                diag_at(ld, it->line, it->col,
                        "duplicate id \"%s\" (first defined at %s:%d:%d)", it->id,
                        set->files[o->file], o->line, o->col);
                break;
            }
        }
        if (j < i)
            continue; /* a duplicate: the first one counts */
        if (strcmp(it->id, "fallback") == 0)
            set->fallback = (long)i;
        else if (strcmp(it->id, "emergency") == 0)
            set->emergency = (long)i;
        else if (strcmp(it->id, "language.fr") == 0)
            set->lang_fr = (long)i;
        else if (strcmp(it->id, "language.en") == 0)
            set->lang_en = (long)i;
    }
    ld->file = dir;
    /* A file that failed to parse may hold them: say nothing then. */
    if (set->fallback < 0 && !had_errors)
        diag_at(ld, 0, 0, "no intent \"fallback\" (the reply when nothing matches)");
    if (set->emergency < 0 && !had_errors)
        diag_at(ld, 0, 0, "no intent \"emergency\"");
    if (set->emergency >= 0) {
        struct intent *em = &set->intents[set->emergency];
        for (i = 0; i < set->n_intents; i++) {
            struct intent *it = &set->intents[i];
            if ((long)i != set->emergency && it->id && strcmp(it->id, "emergency") != 0 &&
                it->priority >= em->priority) {
                ld->file = set->files[it->file];
                diag_at(ld, it->line, it->col,
                        "priority %d of \"%s\" is not below emergency's (%d): "
                        "emergency must "
                        "outrank every intent",
                        it->priority, it->id, em->priority);
            }
        }
    }
    for (i = 0; i < set->n_intents && !ld->oom; i++) {
        struct intent *it = &set->intents[i];
        if (it->suggest_ids.n == 0)
            continue;
        it->suggest = alloc_calloc(it->suggest_ids.n, sizeof(*it->suggest));
        if (!it->suggest) {
            diag_oom(ld);
            break;
        }
        ld->file = set->files[it->file];
        for (k = 0; k < it->suggest_ids.n; k++) {
            const struct intent_text *t = &it->suggest_ids.items[k];
            long found = intent_set_find(set, t->text);
            if (found < 0 && ld->broken_files)
                continue; /* it may live in the file that did not parse */
            if (found < 0)
                diag_at(ld, t->line, t->col, "suggest: no intent \"%s\"", t->text);
            else
                it->suggest[it->n_suggest++] = found;
        }
    }
}

long intent_set_find(const struct intent_set *set, const char *id)
{
    size_t i;

    for (i = 0; i < set->n_intents; i++)
        if (set->intents[i].id && strcmp(set->intents[i].id, id) == 0)
            return (long)i;
    return -1;
}

static struct intent_set *set_new(struct loader *ld)
{
    struct intent_set *set;

    alloc_install_json();
    set = alloc_calloc(1, sizeof(*set));
    if (!set) {
        diag_oom(ld);
        return NULL;
    }
    ld->set = set;
    set->fallback = set->emergency = set->lang_fr = set->lang_en = -1;
    set->gctx = pcre2_general_context_create(pcre_malloc_cb, pcre_free_cb, NULL);
    if (!set->gctx)
        goto oom;
    set->cctx = pcre2_compile_context_create(set->gctx);
    set->mctx = pcre2_match_context_create(set->gctx);
    set->md = pcre2_match_data_create(4, set->gctx);
    set->jit = jit_lazy_new();
    if (!set->cctx || !set->mctx || !set->md || !set->jit)
        goto oom;
    pcre2_set_match_limit(set->mctx, INTENT_MATCH_LIMIT);
    pcre2_set_depth_limit(set->mctx, INTENT_DEPTH_LIMIT);
    pcre2_set_heap_limit(set->mctx, INTENT_HEAP_LIMIT);
    /* the loader reports longer patterns itself, with their place; this
     * only bounds what the engine derives from them (parts, factored
     * alternations) */
    pcre2_set_max_pattern_length(set->cctx, 2 * INTENT_MAX_EXPANDED);
    pcre2_set_parens_nest_limit(set->cctx, 50);
    return set;
oom:
    diag_oom(ld);
    intent_set_free(set);
    ld->set = NULL;
    return NULL;
}

/* Cross-file checks, pattern compilation and indexes; frees the set and
 * returns NULL when anything was reported. */
static struct intent_set *set_finish(struct loader *ld, const char *dir, uint64_t hash)
{
    struct intent_set *set = ld->set;

    pos_free(&ld->pm);
    if (ld->oom)
        goto fail;
    check_set(ld, dir);
    {
        struct part_table seen = {NULL, 0, 0};
        int rc =
            ld->oom || compile_patterns(ld, &seen) < 0 || compile_excludes(ld, &seen) < 0;
        part_table_free(&seen);
        if (rc)
            goto fail;
    }
    if (ld->errors)
        goto fail;
    qsort(set->patterns, set->n_patterns, sizeof(*set->patterns), pattern_order);
    fmt_into(set->version, sizeof(set->version), "%016llx", (unsigned long long)hash);
    if (match_index_build(set) < 0 || dialogue_index_build(set) < 0) {
        diag_oom(ld);
        goto fail;
    }
    return set;
fail:
    intent_set_free(set);
    return NULL;
}

struct intent_set *intent_set_load(const char *dir, diag_fn report, void *ud)
{
    struct loader ld = {.report = report, .ud = ud, .file = dir};
    struct intent_set *set = set_new(&ld);
    uint64_t hash = 14695981039346656037ull;
    struct parsed_file {
        json_t *root;
        struct pos_map pm;
    } *files = NULL;
    size_t i;

    if (!set)
        return NULL;
    if (list_files(&ld, dir) < 0) {
        intent_set_free(set);
        return NULL;
    }
    files = alloc_calloc(set->n_files, sizeof(*files));
    if (!files)
        diag_oom(&ld);
    if (!files || defines_start(&ld) < 0) {
        alloc_free(files);
        defines_end(&ld);
        intent_set_free(set);
        return NULL;
    }
    /* two passes: a pattern may name a definition of a file read later */
    for (i = 0; i < set->n_files && !ld.oom; i++) {
        size_t len;
        char *buf;
        const char *name = set->files[i];

        ld.file = name;
        ld.file_index = (int)i;
        hash = hash_bytes(hash, name, strlen(name)); /* the name is part of the version */
        buf = read_file(&ld, name, &len, &hash);
        if (!buf) {
            ld.broken_files++; /* its ids are unknown, like a file that does not parse
                                */
            continue;
        }
        files[i].root = take_file_head(&ld, buf, len);
        files[i].pm = ld.pm;
        memset(&ld.pm, 0, sizeof(ld.pm));
        alloc_free(buf);
    }
    for (i = 0; i < set->n_files; i++) {
        if (files[i].root && !ld.oom) {
            ld.file = set->files[i];
            ld.file_index = (int)i;
            ld.pm = files[i].pm;
            take_file_intents(&ld, files[i].root);
            memset(&ld.pm, 0, sizeof(ld.pm));
        }
        json_decref(files[i].root);
        pos_free(&files[i].pm);
    }
    alloc_free(files);
    defines_end(&ld);
    return set_finish(&ld, dir, hash);
}

struct intent_set *intent_set_parse(const char *name, const char *buf, size_t len,
                                    diag_fn report, void *ud)
{
    struct loader ld = {.report = report, .ud = ud, .file = name};
    struct intent_set *set = set_new(&ld);

    if (!set)
        return NULL;
    set->files = alloc_calloc(1, sizeof(*set->files));
    if (!set->files || !(set->files[0] = alloc_strdup(name))) {
        diag_oom(&ld);
        intent_set_free(set);
        return NULL;
    }
    set->n_files = 1;
    if (defines_start(&ld) == 0) {
        json_t *root = take_file_head(&ld, buf, len);
        if (root)
            take_file_intents(&ld, root);
        json_decref(root);
    }
    pos_free(&ld.pm);
    defines_end(&ld);
    return set_finish(&ld, name, hash_bytes(14695981039346656037ull, buf, len));
}

size_t intent_set_count(const struct intent_set *set)
{
    return set->n_intents;
}

const char *intent_set_id(const struct intent_set *set, size_t i)
{
    return i < set->n_intents ? set->intents[i].id : NULL;
}

size_t intent_set_example_count(const struct intent_set *set, size_t i, enum lang lang)
{
    if (i >= set->n_intents || lang < 0 || lang >= LANG_COUNT)
        return 0;
    return set->intents[i].examples[lang].n;
}

void intent_set_jit_stats(const struct intent_set *set, size_t *codes, size_t *compiled,
                          size_t *jit_bytes)
{
    jit_lazy_stats(set->jit, codes, compiled, jit_bytes);
}

const char *intent_set_version(const struct intent_set *set)
{
    return set->version;
}

/* ---- self-test ---- */

static void st_diag(diag_fn report, void *ud, const char *file, int line, int col,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void st_diag(diag_fn report, void *ud, const char *file, int line, int col,
                    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vdiag(report, ud, file, line, col, fmt, ap);
    va_end(ap);
}

static const char *const hostile_units[] = {"a ", "a", "ab", "aa b ", "de la ", "the "};

/* Fills 'subject' with unit 'u' repeated over 2 KiB and a non-matching
 * end, which forces full backtracking; its length. */
static size_t hostile_subject(char *subject, size_t u)
{
    size_t n = 0, ul = strlen(hostile_units[u]);

    while (n + ul <= 2047) {
        memcpy(subject + n, hostile_units[u], ul);
        n += ul;
    }
    subject[n++] = '!';
    subject[n] = '\0';
    return n;
}

static int is_limit(int rc)
{
    return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
           rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* The unit (index into hostile_units) whose 2 KiB makes 'code' hit a pcre2
 * limit, or -1; -2 out of memory. The code runs as it would when serving,
 * JIT-compiled: a code that has not run yet (jit_lazy.h) is tried through
 * a compiled copy, freed after. 'subject' has room for 2049 bytes. */
static int hostile_unit(const struct intent_set *set, const pcre2_code *code,
                        char *subject)
{
    size_t jit_size = 0, u, n;
    pcre2_code *copy = NULL;
    int found = -1;

    if (pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit_size) == 0 && jit_size == 0) {
        copy = pcre2_code_copy(code);
        if (!copy)
            return -2;
        /* without executable memory, the interpreter serves: test that */
        (void)pcre2_jit_compile(copy, PCRE2_JIT_COMPLETE);
        code = copy;
    }
    for (u = 0; found < 0 && u < sizeof(hostile_units) / sizeof(hostile_units[0]); u++) {
        n = hostile_subject(subject, u);
        if (is_limit(pcre2_match(code, (PCRE2_SPTR)subject, n, 0, 0, set->md, set->mctx)))
            found = (int)u;
    }
    pcre2_code_free(copy);
    return found;
}

#define HOSTILE_ADVICE                                                                   \
    "it backtracks without bound; anchor it with ^ and avoid nested or "                 \
    "adjacent "                                                                          \
    "unbounded repeats"

static int run_hostile(const struct intent_set *set, diag_fn report, void *ud)
{
    char *subject = alloc_malloc(2049);
    int failures = 0, u;
    size_t i, k, reported = (size_t)-1;

    if (!subject)
        return VIGIE_ENOMEM;
    for (i = 0; i < set->n_patterns; i++) {
        const struct pattern *p = &set->patterns[i], *prev = i ? p - 1 : NULL;
        const struct intent *it = &set->intents[p->intent];
        const struct intent_text *t = &it->patterns[p->lang].items[p->index - 1];
        /* the branches of one pattern are adjacent: one report for them all */
        if (p->branch > 1 && prev && prev->intent == p->intent && prev->lang == p->lang &&
            prev->index == p->index && reported == i - 1) {
            reported = i;
            continue;
        }
        if ((u = hostile_unit(set, p->code, subject)) == -2)
            goto oom;
        if (u < 0)
            continue;
        st_diag(report, ud, set->files[it->file], t->line, t->col,
                "pattern %u (%s) hits the match limit on a long input (2 KiB of "
                "\"%s\"): " HOSTILE_ADVICE,
                p->index, lang_code(p->lang), hostile_units[u]);
        failures++;
        reported = i;
    }
    for (i = 0; i < set->n_intents; i++) {
        const struct intent *it = &set->intents[i];
        for (k = 0; k < it->exclude.n; k++) {
            const struct intent_text *t = &it->exclude.items[k];
            if (!it->exclude_code[k])
                continue;
            if ((u = hostile_unit(set, it->exclude_code[k], subject)) == -2)
                goto oom;
            if (u < 0)
                continue;
            st_diag(report, ud, set->files[it->file], t->line, t->col,
                    "exclude %zu hits the match limit on a long input (2 KiB of "
                    "\"%s\"): " HOSTILE_ADVICE,
                    k + 1, hostile_units[u]);
            failures++;
        }
    }
    alloc_free(subject);
    /* the compiled copies' executable memory goes back to the system */
    pcre2_jit_free_unused_memory(set->gctx);
    return failures;
oom:
    alloc_free(subject);
    return VIGIE_ENOMEM;
}

int intent_set_selftest(const struct intent_set *set, diag_fn report, void *ud)
{
    size_t i, k;
    int l, rc, failures = 0;
    char *key = NULL;
    size_t key_cap = 0;

    for (i = 0; i < set->n_intents; i++) {
        const struct intent *it = &set->intents[i];
        const char *file = set->files[it->file];
        for (l = 0; l < LANG_COUNT; l++) {
            for (int kind = 0; kind < 2; kind++) {
                const struct intent_list *list =
                    kind ? &it->counters[l] : &it->examples[l];
                for (k = 0; k < list->n; k++) {
                    const struct intent_text *t = &list->items[k];
                    size_t len = strlen(t->text);
                    struct match_result m;
                    char why[400];

                    if (len + 1 > key_cap) {
                        char *nk = alloc_realloc(key, len + 1);
                        if (!nk) {
                            alloc_free(key);
                            return VIGIE_ENOMEM;
                        }
                        key = nk;
                        key_cap = len + 1;
                    }
                    if (norm_text(t->text, len, key, key_cap, NULL) < 0) {
                        st_diag(report, ud, file, t->line, t->col,
                                "%s (%s) is not valid UTF-8",
                                kind ? "counter-example" : "example",
                                lang_code((enum lang)l));
                        failures++;
                        continue;
                    }
                    /* Leave-one-out: the fuzzy stage must not find the example
                     * itself, or every example would trivially pass. */
                    rc = match_best_excluding(set, key, strlen(key), (long)i, (int)l,
                                              (long)k, kind, &m);
                    if (rc < 0) {
                        alloc_free(key);
                        return rc;
                    }
                    explain_match(set, &m, why, sizeof(why));
                    if (!kind && m.intent != (long)i) {
                        st_diag(report, ud, file, t->line, t->col,
                                "example (%s) \"%.60s\" is answered by \"%s\" (%s), not "
                                "\"%s\"",
                                lang_code((enum lang)l), t->text,
                                set->intents[m.intent].id, why, it->id);
                        failures++;
                    } else if (kind && m.intent == (long)i) {
                        st_diag(
                            report, ud, file, t->line, t->col,
                            "counter-example (%s) \"%.60s\" is answered by \"%s\" itself "
                            "(%s)",
                            lang_code((enum lang)l), t->text, it->id, why);
                        failures++;
                    }
                }
            }
        }
    }
    alloc_free(key);
    rc = run_hostile(set, report, ud);
    if (rc < 0)
        return rc;
    failures += rc;
    return failures ? VIGIE_ECHECK : 0;
}
