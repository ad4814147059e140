/*
 * test_lang.c - language codes and the French/English guess.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "lang.h"
#include "normalize.h"

static enum lang guess(const char *text)
{
    char key[512];

    assert_int_equal(norm_text(text, strlen(text), key, sizeof(key), NULL), 0);
    return lang_guess(text, strlen(text), key);
}

static void test_codes(void **state)
{
    (void)state;
    assert_string_equal(lang_code(LANG_FR), "fr");
    assert_string_equal(lang_code(LANG_EN), "en");
    assert_string_equal(lang_code(LANG_NONE), "");
    assert_int_equal(lang_from_code("FR"), LANG_FR);
    assert_int_equal(lang_from_code("en"), LANG_EN);
    assert_int_equal(lang_from_code("de"), LANG_NONE);
    assert_int_equal(lang_from_code("fra"), LANG_NONE);
    assert_int_equal(lang_from_code(NULL), LANG_NONE);
}

static void test_french(void **state)
{
    (void)state;
    assert_int_equal(guess("c'est quoi la traite des personnes"), LANG_FR);
    assert_int_equal(guess("jpeux tu m'aider stp"), LANG_FR);
    assert_int_equal(guess("chu pas sur pk"), LANG_FR);
    assert_int_equal(guess("QUEL EST LE NUMERO"), LANG_FR);
    assert_int_equal(guess("numéro d'urgence"), LANG_FR);
    assert_int_equal(guess("où"), LANG_FR);
    assert_int_equal(guess("qu'est-ce que le datajam"), LANG_FR);
}

static void test_english(void **state)
{
    (void)state;
    assert_int_equal(guess("what is human trafficking"), LANG_EN);
    assert_int_equal(guess("WHERE CAN I GET HELP"), LANG_EN);
    assert_int_equal(guess("i'm scared"), LANG_EN);
    assert_int_equal(guess("wat r the signs pls"), LANG_EN);
    assert_int_equal(guess("don't know who to call"), LANG_EN);
}

/* Messages that were answered in the wrong language (issue 2). */
static void test_known_failures(void **state)
{
    (void)state;
    /* "ya" is "il y a" and "you": no longer French evidence. */
    assert_int_equal(guess("see ya later"), LANG_EN);
    assert_int_equal(guess("ya tu des prix"), LANG_FR);
    /* "ai" alone is the English "AI" as often as "j ai". */
    assert_int_equal(guess("AI against trafficking"), LANG_NONE);
    assert_int_equal(guess("j ai besoin d aide"), LANG_FR);
    assert_int_equal(guess("teach me python"), LANG_EN);
    assert_int_equal(guess("im scared"), LANG_EN);
    assert_int_equal(guess("whats the goal"), LANG_EN);
    assert_int_equal(guess("cant find the link"), LANG_EN);
    /* Québec French with English nouns stays French. */
    assert_int_equal(guess("c'est quoi le deadline pour s'inscrire"), LANG_FR);
    assert_int_equal(guess("job offer weird sur linkedin, c'est tu un red flag?"),
                     LANG_FR);
    assert_int_equal(guess("hey salut"), LANG_FR);
    /* English with a French name stays English. */
    assert_int_equal(guess("what is Fondation Pasos Libres"), LANG_EN);
    assert_int_equal(guess("what does CIPC mean"), LANG_EN);
    /* One accent is enough when nothing else speaks. */
    assert_int_equal(guess("hébergement"), LANG_FR);
}

static void test_unclear(void **state)
{
    (void)state;
    assert_int_equal(guess("ok"), LANG_NONE);
    assert_int_equal(guess("911"), LANG_NONE);
    assert_int_equal(guess("datajam"), LANG_NONE);
    assert_int_equal(guess(""), LANG_NONE);
    assert_int_equal(guess("MENU"), LANG_NONE);
    assert_int_equal(guess("bye"), LANG_NONE);
    assert_int_equal(guess("yo"), LANG_NONE);
    assert_int_equal(guess("trafficking vs smuggling"), LANG_NONE);
    assert_int_equal(guess("non profit"), LANG_NONE);
}

static void test_word_lists(void **state)
{
    (void)state;
    assert_true(lang_lists_ok());
}

static struct lang_lexicon *small_lexicon(void)
{
    static const char *const en[] = {
        "bye bye",     "bye now",     "see you bye", "trafficking vs smuggling",
        "trafficking", "the datajam", "menu"};
    static const char *const fr[] = {"merci",
                                     "traite ou passage de clandestins",
                                     "la traite",
                                     "le datajam",
                                     "fondation pasos libres",
                                     "fondation",
                                     "fondation",
                                     "menu"};
    struct lang_lexicon *lex = lang_lexicon_new();
    size_t i;

    assert_non_null(lex);
    for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        assert_int_equal(lang_lexicon_add(lex, en[i], LANG_EN), 0);
    for (i = 0; i < sizeof(fr) / sizeof(fr[0]); i++)
        assert_int_equal(lang_lexicon_add(lex, fr[i], LANG_FR), 0);
    assert_int_equal(lang_lexicon_finish(lex), 0);
    return lex;
}

static enum lang decide(const struct lang_lexicon *lex, const char *text)
{
    char key[512];
    struct lang_evidence ev;

    assert_int_equal(norm_text(text, strlen(text), key, sizeof(key), NULL), 0);
    lang_weigh(lex, text, strlen(text), key, &ev);
    return lang_decide(&ev);
}

static void test_lexicon(void **state)
{
    struct lang_lexicon *lex = small_lexicon();

    (void)state;
    assert_true(lang_lexicon_weight(lex, "trafficking", 11) > 1.0);
    assert_true(lang_lexicon_weight(lex, "traite", 6) < -0.5);
    assert_true(lang_lexicon_weight(lex, "bye", 3) > 0.5);
    /* Used alike in both languages, or never seen: no weight. */
    assert_true(lang_lexicon_weight(lex, "datajam", 7) > -0.3);
    assert_true(lang_lexicon_weight(lex, "datajam", 7) < 0.3);
    assert_true(lang_lexicon_weight(lex, "pasos", 5) < 0.3);
    assert_true(lang_lexicon_weight(lex, "zzz", 3) == 0.0);
    assert_true(lang_lexicon_weight(NULL, "bye", 3) == 0.0);
    /* Once finished, the lexicon takes no more text. */
    assert_int_equal(lang_lexicon_add(lex, "more", LANG_EN), VIGIE_EINVAL);

    assert_int_equal(decide(lex, "trafficking vs smuggling"), LANG_EN);
    assert_int_equal(decide(lex, "bye"), LANG_EN);
    assert_int_equal(decide(lex, "la traite"), LANG_FR);
    assert_int_equal(decide(lex, "datajam"), LANG_NONE);
    assert_int_equal(decide(lex, "MENU"), LANG_NONE);
    /* Strong evidence outweighs the lexicon. */
    assert_int_equal(decide(lex, "c'est quoi trafficking vs smuggling"), LANG_FR);
    assert_int_equal(decide(lex, "what is Fondation Pasos Libres"), LANG_EN);
    lang_lexicon_free(lex);
    lang_lexicon_free(NULL);
}

/* A message that switches language midway is answered in the language it
 * opens with when the other has about as many words, or an accent. */
static void test_opening_language(void **state)
{
    (void)state;
    assert_int_equal(guess("i am scared, je suis seule"), LANG_EN);
    assert_int_equal(guess("je suis seule, i am scared"), LANG_FR);
    assert_int_equal(guess("I'm at the motel, la porte est barrée, chambre 9"), LANG_EN);
    assert_int_equal(guess("mon ami est dans le trunk of a car, he just called me"),
                     LANG_FR);
    /* an opening of one word does not outweigh a whole sentence */
    assert_int_equal(guess("ok je veux savoir c'est quoi la traite des personnes"),
                     LANG_FR);
}

static void test_decide_weak(void **state)
{
    struct lang_evidence ev;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(lang_decide(&ev), LANG_NONE);
    lang_evidence_add(&ev, LANG_NONE, 5.0);
    assert_int_equal(lang_decide(&ev), LANG_NONE);
    lang_evidence_add(&ev, LANG_EN, LANG_W_FUZZY);
    assert_int_equal(lang_decide(&ev), LANG_NONE);
    lang_evidence_add(&ev, LANG_EN, LANG_W_PATTERN);
    assert_int_equal(lang_decide(&ev), LANG_EN);
    /* A tie of strong evidence ("hey salut"-like) goes to the weak evidence. */
    ev.strong[LANG_FR] = 2;
    ev.strong[LANG_EN] = 2;
    assert_int_equal(lang_decide(&ev), LANG_EN);
    lang_evidence_add(&ev, LANG_FR, 3.0);
    assert_int_equal(lang_decide(&ev), LANG_FR);
    /* Clear strong evidence wins whatever the weak evidence says. */
    ev.strong[LANG_EN] = 6;
    assert_int_equal(lang_decide(&ev), LANG_EN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_french),
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_unclear),
        cmocka_unit_test(test_known_failures),
        cmocka_unit_test(test_word_lists),
        cmocka_unit_test(test_lexicon),
        cmocka_unit_test(test_decide_weak),
        cmocka_unit_test(test_opening_language),
    };
    return cmocka_run_group_tests_name("lang", tests, NULL, NULL);
}
