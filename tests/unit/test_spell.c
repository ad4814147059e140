/*
 * test_spell.c - spelling correction: the vocabulary, the distance rules,
 * the tie rules, and the matcher's use of it (stage 1b).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "intent.h"
#include "match.h"
#include "normalize.h"
#include "spell.h"
#include "texting.h"

static struct spell *vocab(void)
{
    static const char *const texts[] = {
        "how many victims in canada",
        "how many victims",
        "the datajam winners",
        "qui a gagne le datajam",
        "la traite au canada",
        "la traite des personnes",
        "trafficking statistics",
        "bat",
        "cat",
        "hat",
        "abcd 2024",
    };
    struct spell *sp = spell_new();
    size_t i;

    assert_non_null(sp);
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_int_equal(spell_add_text(sp, texts[i], strlen(texts[i]), 1), 0);
    /* known from a pattern literal only: no frequency */
    assert_int_equal(spell_add_text(sp, "tracking", 8, 0), 0);
    assert_int_equal(spell_finish(sp), 0);
    return sp;
}

static void expect(const struct spell *sp, const char *in, const char *want, int fixed)
{
    char out[256];
    size_t n = 0;

    assert_int_equal(spell_correct(sp, in, strlen(in), out, sizeof(out), &n, NULL),
                     fixed);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_vocabulary(void **state)
{
    struct spell *sp = vocab();

    (void)state;
    assert_true(spell_known(sp, "victims", 7));
    assert_true(spell_known(sp, "tracking", 8));
    assert_false(spell_known(sp, "victms", 6));
    assert_int_equal(spell_freq(sp, "canada", 6), 2);
    assert_int_equal(spell_freq(sp, "tracking", 8), 0);
    assert_int_equal(spell_freq(sp, "2024", 4), 0); /* digits are not words */
    spell_free(sp);
}

static void test_distance_one(void **state)
{
    struct spell *sp = vocab();

    (void)state;
    expect(sp, "how manny victms in canda", "how many victims in canada", 3);
    expect(sp, "datajma", "datajam", 1);                        /* transposition */
    expect(sp, "la trait au canada", "la traite au canada", 1); /* insertion */
    expect(sp, "how many victims", "how many victims", 0);      /* all known */
    spell_free(sp);
}

static void test_distance_two_only_when_long(void **state)
{
    struct spell *sp = vocab();

    (void)state;
    expect(sp, "trafikking", "trafficking", 1); /* 10 letters: distance 2 */
    expect(sp, "vctms", "vctms", 0);            /* 5 letters: distance 1 only */
    spell_free(sp);
}

static void test_refusals(void **state)
{
    struct spell *sp = vocab();

    (void)state;
    expect(sp, "bzt", "bzt", 0);                   /* shorter than SPELL_MIN_LEN */
    expect(sp, "abce 2025", "abcd 2025", 1);       /* the number stays */
    expect(sp, "abcd2", "abcd2", 0);               /* a word with a digit stays */
    expect(sp, "well", "well", 0);                 /* an everyday word stays */
    expect(sp, "d\xc3\xa9jam", "d\xc3\xa9jam", 0); /* only a-z words change */
    expect(sp, "l'datajma", "l'datajam", 1);       /* apostrophes separate words */
    spell_free(sp);
}

/* A word a pattern reads by its stem (`flood\w*`) is left as typed, even
 * one letter from a frequent word ("flooding" / "looking"). */
static void test_stems(void **state)
{
    struct spell *sp = spell_new();

    (void)state;
    assert_non_null(sp);
    assert_int_equal(spell_add_text(sp, "what are you looking for", 24, 5), 0);
    assert_int_equal(spell_add_text(sp, "the basement", 12, 1), 0);
    assert_int_equal(spell_add_stem(sp, "flood", 5), 0);
    assert_int_equal(spell_add_stem(sp, "ab", 2), 0); /* too short: ignored */
    assert_int_equal(spell_finish(sp), 0);
    assert_int_equal(spell_add_stem(sp, "inond", 5), VIGIE_EINVAL);
    expect(sp, "the basement is flooding", "the basement is flooding", 0);
    expect(sp, "floodd", "floodd", 0);
    expect(sp, "the basement is lookng", "the basement is looking", 1);
    assert_true(spell_known(sp, "flood", 5));
    spell_free(sp);
}

static void test_ties(void **state)
{
    struct spell *sp = spell_new();

    (void)state;
    assert_non_null(sp);
    /* "cart" is one edit from both; "care" twice as frequent wins */
    assert_int_equal(spell_add_text(sp, "care care card", 14, 1), 0);
    assert_int_equal(spell_add_text(sp, "mile male", 9, 1), 0);
    assert_int_equal(spell_finish(sp), 0);
    expect(sp, "cart", "care", 1);
    /* "mole": "mile" and "male" equally frequent: ambiguous, left alone */
    expect(sp, "mole", "mole", 0);
    spell_free(sp);
}

static void test_capacity(void **state)
{
    struct spell *sp = vocab();
    char out[8];
    size_t n;

    (void)state;
    assert_int_equal(spell_correct(sp, "datajma", 7, out, 7, &n, NULL), VIGIE_ETOOLONG);
    /* the corrected word would not fit: left as typed */
    assert_int_equal(spell_correct(sp, "trait", 5, out, 6, &n, NULL), 0);
    assert_string_equal(out, "trait");
    spell_free(sp);
}

static void test_texting_table(void **state)
{
    (void)state;
    assert_true(texting_table_ok());
    assert_string_equal(texting_expand("cnt", 3), "cant");
    assert_string_equal(texting_expand("jsuis", 5), "je suis");
    /* phonetic danger words typed in a hurry (round 93) */
    assert_string_equal(texting_expand("lokd", 4), "locked");
    assert_string_equal(texting_expand("danje", 5), "danger");
    assert_null(texting_expand("cat", 3));
    assert_null(texting_expand("", 0));
    assert_null(texting_expand("aaaaaaaaaaaaaaaaaaaaaaaa", 24));
}

static void test_texting_forms(void **state)
{
    struct spell *sp = vocab();
    char out[256];
    size_t n = 0;
    unsigned guessed = 9;

    (void)state;
    /* short forms edit distance would never reach, and the count of them
     * that were guessed (none) */
    assert_int_equal(
        spell_correct(sp, "pls cal i cnt", 13, out, sizeof(out), &n, &guessed), 3);
    assert_string_equal(out, "please call i cant");
    assert_int_equal(guessed, 0);
    /* one of each: only the edit is a guess */
    assert_int_equal(spell_correct(sp, "qqn victmis", 11, out, sizeof(out), &n, &guessed),
                     2);
    assert_string_equal(out, "quelqu'un victims");
    assert_int_equal(guessed, 1);
    /* a form the catalogue's own words use is read as they do */
    expect(sp, "cat hat", "cat hat", 0);
    spell_free(sp);
}

static void test_texting_form_the_vocabulary_knows(void **state)
{
    struct spell *sp = spell_new();

    (void)state;
    assert_non_null(sp);
    assert_int_equal(spell_add_text(sp, "hotline numbr", 13, 1), 0);
    assert_int_equal(spell_finish(sp), 0);
    expect(sp, "numbr pls", "numbr please", 1);
    spell_free(sp);
}

/* A vocabulary for the joins: the words they write, and the parts of the
 * exclusions, none of them a typo edit distance would change. */
static struct spell *join_vocab(void)
{
    static const char text[] = "human trafficking hotline help the datajam winners "
                               "what is unodc rcmp grc cbsa un office "
                               "traffic jam on line some one lover boy liner lines";
    struct spell *sp = spell_new();

    assert_non_null(sp);
    assert_int_equal(spell_add_text(sp, text, strlen(text), 1), 0);
    assert_int_equal(spell_finish(sp), 0);
    return sp;
}

static void test_join_table(void **state)
{
    (void)state;
    assert_true(spell_join_table_ok());
}

static void test_joins(void **state)
{
    struct spell *sp = join_vocab();
    char out[256];
    size_t n = 0;
    unsigned guessed = 9;

    (void)state;
    /* two words dictation split, read from the table: not guesses */
    assert_int_equal(spell_correct(sp, "is traffic king what help is there", 34, out,
                                   sizeof(out), &n, &guessed),
                     1);
    assert_string_equal(out, "is trafficking what help is there");
    assert_int_equal(n, strlen(out));
    assert_int_equal(guessed, 0);
    expect(sp, "who won the data jim", "who won the datajam", 1);
    expect(sp, "the u n office", "the un office", 1);
    /* spelled letters, and several joins in one key */
    expect(sp, "what is u n o d c", "what is unodc", 1);
    expect(sp, "r c m p or g r c or c b s a", "rcmp or grc or cbsa", 3);
    expect(sp, "traffic king hot line", "trafficking hotline", 2);
    spell_free(sp);
}

static void test_join_exclusions(void **state)
{
    struct spell *sp = join_vocab();

    (void)state;
    expect(sp, "stuck in a traffic jam", "stuck in a traffic jam", 0);
    expect(sp, "help on line", "help on line", 0);
    expect(sp, "some one help", "some one help", 0);
    expect(sp, "u n", "u n", 0);
    expect(sp, "the u n is", "the u n is", 0);
    /* the letters of an acronym, not all of them */
    expect(sp, "u n o d", "u n o d", 0);
    spell_free(sp);
}

static void test_join_boundaries(void **state)
{
    struct spell *sp = join_vocab();

    (void)state;
    /* whole words only, on both sides */
    expect(sp, "the shot line", "the shot line", 0);
    expect(sp, "hot liner", "hot liner", 0);
    expect(sp, "u n o d cs", "u n o d cs", 0);
    expect(sp, "xr c m p", "xr c m p", 0);
    /* at either end of the key, and before an apostrophe */
    expect(sp, "hot line", "hotline", 1);
    expect(sp, "hot line's number", "hotline's number", 1);
    spell_free(sp);
}

static void test_join_needs_the_word(void **state)
{
    struct spell *sp = join_vocab();

    (void)state;
    /* "loverboy", "sextortion", "helplines" are not in the vocabulary: their
     * joins are inert, whatever the parts */
    expect(sp, "a lover boy", "a lover boy", 0);
    expect(sp, "sex tortion", "sex tortion", 0);
    expect(sp, "help lines", "help lines", 0);
    spell_free(sp);
}

static void match_text(const struct intent_set *set, const char *text,
                       struct match_result *m)
{
    char key[256];
    size_t n;

    assert_int_equal(norm_text(text, strlen(text), key, sizeof(key), &n), 0);
    assert_int_equal(match_best(set, key, n, m), 0);
}

static void test_matcher_corrects(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, NULL, NULL);
    struct match_result m;

    (void)state;
    assert_non_null(set);
    match_text(set, "Bonjuor", &m);
    assert_int_equal(m.stage, MATCH_CORRECTED);
    assert_int_equal(m.intent, intent_set_find(set, "greeting"));
    assert_int_equal(m.n_corrected, 1);
    match_text(set, "engilsh please", &m);
    assert_int_equal(m.intent, intent_set_find(set, "language.en"));
    /* a real emergency with a typo: the fuzzy stage agrees */
    match_text(set, "i am in dnager", &m);
    assert_int_equal(m.stage, MATCH_CORRECTED);
    assert_int_equal(m.intent, set ? intent_set_find(set, "emergency") : -1);
    /* a pattern on the key as typed: no correction at all */
    match_text(set, "hello", &m);
    assert_int_equal(m.stage, MATCH_PATTERN);
    assert_int_equal(m.n_corrected, 0);
    intent_set_free(set);
}

static void test_matcher_joins(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, NULL, NULL);
    struct match_result m;

    (void)state;
    assert_non_null(set);
    /* the fixture's vocabulary has "trafficking" but no "datajam" */
    match_text(set, "what is human traffic king", &m);
    assert_int_equal(m.n_corrected, 1);
    match_text(set, "who won the data jim", &m);
    assert_int_equal(m.n_corrected, 0);
    intent_set_free(set);
}

static void test_corrected_emergency_needs_fuzzy_agreement(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, NULL, NULL);
    struct match_result m;

    (void)state;
    assert_non_null(set);
    /* As typed correctly, the emergency pattern matches ("in danger")... */
    match_text(set, "i want to give an anonymous tip the hero is in danger", &m);
    assert_int_equal(m.intent, intent_set_find(set, "emergency"));
    /* ...but on guessed words, when the examples closest to the corrected
     * key are another intent's, that intent answers. */
    match_text(set, "i want to give an anonymus tip the hero is in dnager", &m);
    assert_int_equal(m.stage, MATCH_CORRECTED);
    assert_int_equal(m.intent, intent_set_find(set, "report"));
    intent_set_free(set);
}

static void test_emergency_outranks_typing(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, NULL, NULL);
    struct match_result m;

    (void)state;
    assert_non_null(set);
    /* "number" answers hotline as typed; "cnt" is "cant": emergency */
    match_text(set, "whats the number i cnt leave", &m);
    assert_int_equal(m.stage, MATCH_CORRECTED);
    assert_int_equal(m.intent, set ? intent_set_find(set, "emergency") : -1);
    assert_int_equal(m.n_corrected, 1);
    /* with nothing to fix, the hotline stands */
    match_text(set, "whats the number i can call", &m);
    assert_int_equal(m.stage, MATCH_PATTERN);
    assert_int_equal(m.intent, set ? intent_set_find(set, "hotline") : -1);
    intent_set_free(set);
}

static void test_corrected_key_keeps_excludes(void **state)
{
    struct intent_set *set = intent_set_load(VIGIE_FIXTURE_INTENTS, NULL, NULL);
    struct match_result m;

    (void)state;
    assert_non_null(set);
    /* hotline excludes "hotline numbre..." as typed; the corrector, which
     * does not know "numbre", would make it "hotline number", which the
     * hotline pattern answers: the exclude holds for the correction too. */
    match_text(set, "hotline numbre", &m);
    assert_int_not_equal(m.intent, intent_set_find(set, "hotline"));
    assert_int_equal(m.n_corrected, 1);
    /* without the excluded word, the correction still answers */
    match_text(set, "hotlin numbr", &m);
    assert_int_equal(m.stage, MATCH_CORRECTED);
    assert_int_equal(m.intent, intent_set_find(set, "hotline"));
    intent_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_distance_one),
        cmocka_unit_test(test_distance_two_only_when_long),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_stems),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_texting_table),
        cmocka_unit_test(test_texting_forms),
        cmocka_unit_test(test_texting_form_the_vocabulary_knows),
        cmocka_unit_test(test_join_table),
        cmocka_unit_test(test_joins),
        cmocka_unit_test(test_join_exclusions),
        cmocka_unit_test(test_join_boundaries),
        cmocka_unit_test(test_join_needs_the_word),
        cmocka_unit_test(test_matcher_corrects),
        cmocka_unit_test(test_matcher_joins),
        cmocka_unit_test(test_corrected_emergency_needs_fuzzy_agreement),
        cmocka_unit_test(test_emergency_outranks_typing),
        cmocka_unit_test(test_corrected_key_keeps_excludes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
