/*
 * texting.c - the table of texting forms (see texting.h).
 *
 * Only forms that are not words themselves belong here: "sa" (French "his")
 * or "ya" (English "yeah") would be wrongly changed. Spelling correction
 * consults the table only for words the catalogue does not know, so a form
 * the intent files already use ("u", "chu") is read as the patterns expect.
 */
#include "texting.h"

#include <stdlib.h>
#include <string.h>

struct texting_form {
    const char *typed;
    const char *word;
};

/* Sorted by strcmp on 'typed' for bsearch (a unit test checks it). */
static const struct texting_form forms[] = {
    {"abt", "about"},
    {"ajd", "aujourd'hui"},
    {"auj", "aujourd'hui"},
    {"bangin", "banging"},
    {"bcp", "beaucoup"},
    {"bcuz", "because"},
    {"becuz", "because"},
    {"bjr", "bonjour"},
    {"bokou", "beaucoup"},
    {"bsr", "bonsoir"},
    {"cal", "call"},
    {"cmt", "comment"},
    {"cnt", "cant"},
    {"coz", "because"},
    {"cud", "could"},
    {"cuz", "because"},
    {"danje", "danger"},
    {"dnt", "dont"},
    {"dor", "door"},
    {"dsl", "desole"},
    {"emergancy", "emergency"},
    {"frm", "from"},
    {"halp", "help"},
    {"hlp", "help"},
    {"hv", "have"},
    {"idk", "i dont know"},
    {"jcrois", "je crois"},
    {"jme", "je me"},
    {"jpense", "je pense"},
    {"jpeux", "je peux"},
    {"jsais", "je sais"},
    {"jsp", "je sais pas"},
    {"jsui", "je suis"},
    {"jsuis", "je suis"},
    {"jveux", "je veux"},
    {"kan", "quand"},
    {"kand", "quand"},
    {"kel", "quel"},
    {"kelkun", "quelqu'un"},
    {"kesk", "qu'est ce que"},
    {"keske", "qu'est ce que"},
    {"koi", "quoi"},
    {"koman", "comment"},
    {"komen", "comment"},
    {"kwa", "quoi"},
    {"lemme", "let me"},
    {"lokd", "locked"},
    {"mintimid", "m'intimide"},
    {"mnt", "maintenant"},
    {"moa", "moi"},
    {"mtn", "maintenant"},
    {"nmbr", "number"},
    {"numbr", "number"},
    {"owt", "out"},
    {"papie", "papiers"},
    {"pck", "parce que"},
    {"pcq", "parce que"},
    {"pcque", "parce que"},
    {"pk", "pourquoi"},
    {"pkoi", "pourquoi"},
    {"pls", "please"},
    {"plz", "please"},
    {"pourkoi", "pourquoi"},
    {"ppl", "people"},
    {"pq", "pourquoi"},
    {"ptit", "petit"},
    {"ptite", "petite"},
    {"qqch", "quelque chose"},
    {"qqn", "quelqu'un"},
    {"qqun", "quelqu'un"},
    {"r", "are"},
    {"rite", "right"},
    {"rn", "right now"},
    {"scard", "scared"},
    {"shud", "should"},
    {"smth", "something"},
    {"stp", "s'il te plait"},
    {"svp", "s'il vous plait"},
    {"thru", "through"},
    {"tht", "that"},
    {"thx", "thanks"},
    {"tjr", "toujours"},
    {"tjrs", "toujours"},
    {"tjs", "toujours"},
    {"tmrw", "tomorrow"},
    {"toa", "toi"},
    {"tonite", "tonight"},
    {"trapt", "trapped"},
    {"wat", "what"},
    {"wats", "whats"},
    {"wht", "what"},
    {"wud", "would"},
    {"wut", "what"},
    {"yr", "year"},
    {"yrs", "years"},
};

static int form_cmp(const void *key, const void *elem)
{
    const struct texting_form *k = key, *e = elem;
    return strcmp(k->typed, e->typed);
}

const char *texting_expand(const char *w, size_t n)
{
    char buf[16];
    struct texting_form k = {buf, NULL};
    const struct texting_form *f;

    if (n == 0 || n > TEXTING_MAX_FORM)
        return NULL;
    memcpy(buf, w, n);
    buf[n] = '\0';
    f = bsearch(&k, forms, sizeof(forms) / sizeof(forms[0]), sizeof(forms[0]), form_cmp);
    return f ? f->word : NULL;
}

int texting_table_ok(void)
{
    size_t i, j, n = sizeof(forms) / sizeof(forms[0]);

    for (i = 0; i < n; i++) {
        size_t tn = strlen(forms[i].typed), wn = strlen(forms[i].word);
        if (tn == 0 || tn > TEXTING_MAX_FORM || wn > tn + TEXTING_MAX_GROWTH)
            return 0;
        if (i > 0 && strcmp(forms[i - 1].typed, forms[i].typed) >= 0)
            return 0;
        for (j = 0; j < tn; j++)
            if (forms[i].typed[j] < 'a' || forms[i].typed[j] > 'z')
                return 0;
        for (j = 0; j < wn; j++) {
            char ch = forms[i].word[j];
            if (!((ch >= 'a' && ch <= 'z') || ch == ' ' || ch == '\''))
                return 0;
        }
    }
    return 1;
}

size_t texting_count(void)
{
    return sizeof(forms) / sizeof(forms[0]);
}

const char *texting_form(size_t i)
{
    return i < texting_count() ? forms[i].typed : NULL;
}
