/*
 * test_intent.c - loading: the fixture folder, diagnostics with positions,
 * the self-test's messages, in-memory parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "intent.h"
#include "match.h"
#include "normalize.h"

#include <stdlib.h>
#include <unistd.h>

struct diags {
    int n;
    char text[128][640];
};

static void collect_cb(void *ud, const struct diag *d)
{
    struct diags *ds = ud;

    if (ds->n < 128)
        snprintf(ds->text[ds->n], sizeof(ds->text[0]), "%d:%d: %s", d->line, d->col,
                 d->text);
    ds->n++;
}

static int has(const struct diags *ds, const char *needle)
{
    int i;

    for (i = 0; i < ds->n && i < 128; i++)
        if (strstr(ds->text[i], needle))
            return 1;
    fprintf(stderr, "not found: %s\n", needle);
    for (i = 0; i < ds->n && i < 128; i++)
        fprintf(stderr, "  have: %s\n", ds->text[i]);
    return 0;
}

/* A minimal valid file with 'extra' spliced into the second intent. */
static char *file_with(char *buf, size_t size, const char *patterns_en, const char *extra)
{
    static const char *twelve =
        "[\"a1\",\"a2\",\"a3\",\"a4\",\"a5\",\"a6\",\"a7\",\"a8\","
        "\"a9\",\"a10\",\"a11\",\"a12\"]";
    snprintf(buf, size,
             "{\"intents\": [\n"
             "{\"id\": \"fallback\", \"label\": {\"en\": \"?\", \"fr\": \"?\"},\n"
             " \"examples\": {\"en\": %s, \"fr\": %s},\n"
             " \"answers\": {\"en\": [\"no\"], \"fr\": [\"non\"]}, \"sources\": "
             "[\"t\"]},\n"
             "{\"id\": \"emergency\", \"priority\": 100, \"label\": {\"en\": "
             "\"E\", \"fr\": "
             "\"U\"},\n"
             " \"patterns\": {\"en\": [%s], \"fr\": [\"\\\\bdanger\\\\b\"]},\n"
             " \"examples\": {\"en\": %s, \"fr\": %s},\n"
             " \"answers\": {\"en\": [\"911\"], \"fr\": [\"911\"]}, \"sources\": "
             "[\"t\"]%s}\n"
             "]}\n",
             twelve, twelve, patterns_en, twelve, twelve, extra);
    return buf;
}

static void test_fixture_loads(void **state)
{
    struct diags ds = {0};
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, collect_cb, &ds);

    (void)state;
    assert_int_equal(ds.n, 0);
    assert_non_null(set);
    assert_true(intent_set_count(set) >= 7);
    assert_true(intent_set_find(set, "fallback") >= 0);
    assert_true(intent_set_find(set, "emergency") >= 0);
    assert_int_equal(intent_set_find(set, "nope"), -1);
    assert_int_equal(strlen(intent_set_version(set)), 16);
    assert_int_equal(intent_set_selftest(set, collect_cb, &ds), 0);
    assert_int_equal(ds.n, 0);
    intent_set_free(set);
    intent_set_free(NULL);
}

static void test_missing_folder(void **state)
{
    struct diags ds = {0};

    (void)state;
    assert_null(intent_set_load("/nonexistent/vigie", collect_cb, &ds));
    assert_int_equal(ds.n, 1);
    assert_true(has(&ds, "cannot open"));
}

static void test_json_syntax_position(void **state)
{
    struct diags ds = {0};
    const char *bad = "{\"intents\": [\n  {\"id\": \"x\",, }\n]}";

    (void)state;
    assert_null(intent_set_parse("t.json", bad, strlen(bad), collect_cb, &ds));
    assert_int_equal(ds.n, 1);
    assert_true(has(&ds, "2:14:"));
}

static void test_errors_have_positions(void **state)
{
    char buf[4096];
    struct diags ds = {0};

    (void)state;
    file_with(buf, sizeof(buf), "\"(oops\"",
              ", \"bogus\": 1, \"suggest\": [\"nowhere\"]");
    assert_null(intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds));
    assert_true(has(&ds, "unknown key \"bogus\""));
    assert_true(has(&ds, "suggest: no intent \"nowhere\""));
    assert_true(
        has(&ds, "6:22: pattern 1 (en): missing closing parenthesis at offset 5"));
}

static void test_capital_and_punctuation(void **state)
{
    char buf[4096];
    struct diags ds = {0};

    (void)state;
    file_with(buf, sizeof(buf),
              "\"\\\\bHelp\\\\b\", \"peut-on\", \"(?<Name>x)\\\\x{41}\"", "");
    assert_null(intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds));
    assert_int_equal(ds.n, 2);
    assert_true(has(&ds, "pattern 1 (en), offset 2: capital letter 'H'"));
    assert_true(has(&ds, "pattern 2 (en), offset 4: '-' can never match"));
}

static void test_missing_language_and_empty(void **state)
{
    const char *bad =
        "{\"intents\": [{\"id\": \"fallback\", \"label\": {\"en\": \"x\"},"
        " \"examples\": {\"en\": [], \"fr\": []}, \"answers\": {\"en\": [\"\"], "
        "\"fr\": "
        "[]},"
        " \"sources\": [\"s\"], \"links\": [{\"en\": \"a\", \"fr\": \"b\", "
        "\"url\": "
        "\"javascript:alert(1)\"}]}]}";
    struct diags ds = {0};

    (void)state;
    assert_null(intent_set_parse("t.json", bad, strlen(bad), collect_cb, &ds));
    assert_true(has(&ds, "\"label\" has no \"fr\""));
    assert_true(has(&ds, "answers (en) is empty"));
    assert_true(has(&ds, "answers (fr) is empty"));
    assert_true(has(&ds, "examples (en): 0, at least 12 needed"));
    assert_true(has(&ds, "is not allowed: use https://, tel: or mailto:"));
}

static void test_required_intents(void **state)
{
    const char *f = "{\"intents\": []}";
    struct diags ds = {0};

    (void)state;
    assert_null(intent_set_parse("t.json", f, strlen(f), collect_cb, &ds));
    assert_int_equal(ds.n, 2);
    assert_true(has(&ds, "no intent \"fallback\""));
    assert_true(has(&ds, "no intent \"emergency\""));
}

static void test_selftest_names_the_pattern(void **state)
{
    char buf[4096];
    struct diags ds = {0};
    struct intent_set *set;

    (void)state;
    /* "a1".."a12" are fallback's examples and emergency's: the pattern "a1"
     * takes fallback's "a1" and "a10".."a12". */
    file_with(buf, sizeof(buf), "\"^a\"", "");
    set = intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds);
    assert_non_null(set);
    assert_int_equal(intent_set_selftest(set, collect_cb, &ds), VIGIE_ECHECK);
    assert_true(has(&ds,
                    "3:22: example (en) \"a1\" is answered by \"emergency\" (pattern 1 "
                    "(en) \"^a\" at t.json:6:22), not \"fallback\""));
    intent_set_free(set);
}

static void test_quoted_names_keep_their_quotes(void **state)
{
    char buf[4096];
    struct diags ds = {0};
    struct intent_set *set;

    (void)state;
    /* an apostrophe in a pattern also matches a space, but not the quotes
     * of pcre2's named groups and references */
    file_with(buf, sizeof(buf), "\"(?'w'help) \\\\k'w' l'aide\"", "");
    set = intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds);
    assert_non_null(set);
    assert_int_equal(ds.n, 0);
    intent_set_free(set);
}

static void test_hostile_pattern_reported(void **state)
{
    char buf[4096];
    struct diags ds = {0};
    struct intent_set *set;

    (void)state;
    file_with(buf, sizeof(buf), "\"^zz\", \"(a|aa)+$\"", "");
    set = intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds);
    assert_non_null(set);
    intent_set_selftest(set, collect_cb, &ds);
    assert_true(has(&ds, "pattern 2 (en) hits the match limit on a long input"));
    intent_set_free(set);
}

static void test_duplicate_ids_across_files(void **state)
{
    char buf[4096];
    struct diags ds = {0};
    /* Two intents with the same id in one file. */
    file_with(buf, sizeof(buf), "\"x\"",
              "}, {\"id\": \"emergency\", \"label\": {\"en\": \"a\", "
              "\"fr\": \"b\"}, \"patterns\": {\"en\": [], \"fr\": []},"
              " \"examples\": {\"en\": [], \"fr\": []}, \"answers\": "
              "{\"en\": [\"a\"], \"fr\": [\"b\"]}, \"sources\": [\"s\"]");
    (void)state;
    assert_null(intent_set_parse("t.json", buf, strlen(buf), collect_cb, &ds));
    assert_true(has(&ds, "duplicate id \"emergency\" (first defined at t.json:5:8)"));
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void remove_text(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(unlink(path), 0);
}

/* A pattern of a.json names a definition b.json makes: files are read
 * twice, definitions first, so it counts wherever it is written. */
static void test_definitions_across_files(void **state)
{
    static const char *twelve_hellos =
        "[\"howdy\",\"hello\",\"hello there\",\"howdy there\",\"hello you\","
        "\"howdy you\",\"hello friend\",\"howdy friend\",\"hello all\",\"howdy "
        "all\","
        "\"hello bot\",\"howdy bot\"]";
    static const char *twelve_saluts =
        "[\"salut\",\"salut toi\",\"salut la\",\"salut vous\",\"salut ami\","
        "\"salut amie\",\"salut robot\",\"salut tout\",\"salut gang\",\"salut "
        "bot\","
        "\"salut salut\",\"allo salut\"]";
    char dir[] = "/tmp/vigie-defines-XXXXXX", buf[4096], key[64];
    struct diags ds = {0};
    struct intent_set *set;
    struct match_result m;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(buf, sizeof(buf),
             "{\"intents\": [{\"id\": \"greeting\", \"label\": {\"en\": \"Hi\", "
             "\"fr\": \"Salut\"},\n \"patterns\": {\"en\": [\"{{hello_words}}\"], "
             "\"fr\": [\"\\\\bsalut\\\\b\"]},\n \"examples\": {\"en\": %s, \"fr\": "
             "%s},"
             "\n \"answers\": {\"en\": [\"Hi!\"], \"fr\": [\"Salut!\"]}, \"sources\": "
             "[\"t\"]}]}\n",
             twelve_hellos, twelve_saluts);
    write_text(dir, "a.json", buf);
    file_with(buf, sizeof(buf), "\"\\\\bin danger\\\\b\"", "");
    /* splice the definition in front of "intents" */
    {
        char with[4200];
        snprintf(with, sizeof(with),
                 "{\"define\": {\"hello_words\": "
                 "\"\\\\b(?:howdy|hello)\\\\b\"},\n%s",
                 buf + 1);
        write_text(dir, "b.json", with);
    }
    set = intent_set_load(dir, collect_cb, &ds);
    assert_int_equal(ds.n, 0);
    assert_non_null(set);
    assert_int_equal(norm_text("Howdy there", 11, key, sizeof(key), &n), 0);
    assert_int_equal(match_best(set, key, n, &m), 0);
    assert_int_equal(m.stage, MATCH_PATTERN);
    assert_int_equal(m.intent, intent_set_find(set, "greeting"));
    intent_set_free(set);
    remove_text(dir, "a.json");
    remove_text(dir, "b.json");
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_loads),
        cmocka_unit_test(test_missing_folder),
        cmocka_unit_test(test_json_syntax_position),
        cmocka_unit_test(test_errors_have_positions),
        cmocka_unit_test(test_capital_and_punctuation),
        cmocka_unit_test(test_missing_language_and_empty),
        cmocka_unit_test(test_required_intents),
        cmocka_unit_test(test_selftest_names_the_pattern),
        cmocka_unit_test(test_quoted_names_keep_their_quotes),
        cmocka_unit_test(test_hostile_pattern_reported),
        cmocka_unit_test(test_duplicate_ids_across_files),
        cmocka_unit_test(test_definitions_across_files),
    };
    return cmocka_run_group_tests_name("intent", tests, NULL, NULL);
}
