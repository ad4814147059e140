/*
 * spell.c - spelling correction against the catalogue's vocabulary (see
 * spell.h).
 *
 * Building: every distinct word gets an id and a frequency; then each word
 * and every string obtained by deleting one of its letters (two for words of
 * six letters or more, which 8-letter typos may reach) is hashed into a
 * table of (hash, word id) pairs bucketed by hash. Two words within
 * Damerau-Levenshtein distance d share a string reachable from each by at
 * most d deletions, so the candidates for a typed word are the words listed
 * under its own deletions; each candidate is then checked with the real
 * distance (a hash collision only adds a candidate that check rejects).
 */
#include "spell.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "texting.h"

#define SPELL_MAX_CAND 128  /* candidates checked per typed word */
#define TEXTING_BITS   1024 /* the texting forms' filter: about 90 forms */

/* Everyday words, English and French, that a catalogue about trafficking
 * may never use but visitors do ("well", "keys", "paris", "pont"): without
 * them, "my boss is annoying but pays well" became "... pays tell". They are
 * never corrected (and never proposed). Sorted by strcmp for bsearch. */
static const char *const common_words[] = {
    "acheter",      "afraid",     "again",      "aller",      "alone",      "alors",
    "also",         "amie",       "amis",       "android",    "angry",      "annee",
    "anniversaire", "apple",      "apres",      "argent",     "arms",       "asked",
    "aussi",        "auto",       "automne",    "autre",      "autres",     "autumn",
    "avant",        "avec",       "avion",      "away",       "baby",       "back",
    "bank",         "basketball", "beach",      "beat",       "beau",       "beer",
    "belle",        "best",       "better",     "bible",      "bien",       "biere",
    "bill",         "billet",     "billets",    "bills",      "birthday",   "blague",
    "blagues",      "blonde",     "boire",      "bonne",      "book",       "brother",
    "cafe",         "call",       "came",       "cancer",     "card",       "cards",
    "cell",         "cellulaire", "cent",       "chanson",    "chat",       "chaud",
    "chez",         "chien",      "child",      "chose",      "choses",     "christmas",
    "chum",         "church",     "cinq",       "city",       "class",      "coffee",
    "cold",         "come",       "comme",      "computer",   "content",    "contente",
    "cook",         "cool",       "cost",       "country",    "cours",      "cout",
    "cuisine",      "dance",      "dans",       "days",       "dedans",     "dehors",
    "deja",         "dejeuner",   "depuis",     "devoir",     "devoirs",    "diet",
    "dieu",         "diner",      "dinner",     "dire",       "divorce",    "docteur",
    "doctor",       "donc",       "donner",     "dormir",     "douze",      "down",
    "drive",        "driver",     "drivers",    "each",       "easy",       "ecole",
    "ecrire",       "eglise",     "eight",      "election",   "elle",       "elles",
    "email",        "emploi",     "encore",     "enfant",     "enfants",    "ensuite",
    "entrer",       "equipe",     "even",       "every",      "exam",       "examen",
    "examens",      "exams",      "facture",    "factures",   "faire",      "fall",
    "fast",         "father",     "fatigue",    "faux",       "feel",       "feels",
    "felt",         "fete",       "fille",      "film",       "films",      "fils",
    "find",         "fine",       "fire",       "fired",      "first",      "five",
    "flight",       "food",       "football",   "found",      "four",       "frere",
    "froid",        "from",       "funny",      "gagne",      "gagner",     "game",
    "games",        "gateau",     "gave",       "girl",       "give",       "goal",
    "goals",        "gone",       "good",       "google",     "government", "grand",
    "happy",        "hard",       "have",       "health",     "healthy",    "hello",
    "here",         "heure",      "heures",     "histoire",   "hiver",      "hockey",
    "holiday",      "holidays",   "home",       "homework",   "hopital",    "hospital",
    "hotel",        "house",      "huit",       "hundred",    "hurt",       "husband",
    "impot",        "impots",     "infirmiere", "install",    "internet",   "into",
    "iphone",       "jamais",     "joke",       "jokes",      "jouer",      "joueur",
    "joueurs",      "jour",       "jours",      "just",       "keys",       "kids",
    "kill",         "knew",       "knife",      "knives",     "laptop",     "last",
    "legs",         "lent",       "less",       "leur",       "leurs",      "licence",
    "license",      "life",       "like",       "linux",      "lire",       "live",
    "livre",        "long",       "look",       "looks",      "lost",       "love",
    "loyer",        "lunch",      "made",       "magasin",    "mail",       "mais",
    "maison",       "make",       "malade",     "manger",     "many",       "mariage",
    "marriage",     "married",    "match",      "math",       "matin",      "maybe",
    "medecin",      "meme",       "mere",       "metro",      "mettre",     "mieux",
    "mille",        "mine",       "minister",   "ministre",   "moins",      "mois",
    "money",        "more",       "morning",    "most",       "mother",     "movie",
    "much",         "music",      "musique",    "neige",      "neuf",       "news",
    "next",         "nice",       "night",      "nine",       "noel",       "note",
    "notes",        "nous",       "nouvelles",  "nuit",       "nurse",      "okay",
    "only",         "ordinateur", "ours",       "over",       "parfois",    "paris",
    "parties",      "partir",     "partout",    "party",      "patron",     "payer",
    "pays",         "peine",      "pendant",    "people",     "perdre",     "perdu",
    "pere",         "person",     "petit",      "petite",     "phone",      "pizza",
    "place",        "places",     "plage",      "plane",      "play",       "player",
    "players",      "please",     "pluie",      "plus",       "poem",       "poeme",
    "poems",        "politics",   "politique",  "pomme",      "pommes",     "pont",
    "pour",         "pouvoir",    "pray",       "prendre",    "president",  "price",
    "printemps",    "prix",       "prof",       "professeur", "puis",       "python",
    "quatre",       "quelque",    "rain",       "read",       "really",     "recette",
    "rent",         "rester",     "rien",       "road",       "said",       "sans",
    "sauter",       "savoir",     "says",       "scared",     "school",     "score",
    "scream",       "seem",       "seems",      "sell",       "semaine",    "sept",
    "seul",         "seule",      "seven",      "shop",       "short",      "sick",
    "sing",         "sister",     "sleep",      "slow",       "snow",       "soccer",
    "soeur",        "soir",       "sold",       "some",       "song",       "sorry",
    "sortir",       "souper",     "souvent",    "sport",      "sports",     "spring",
    "state",        "stay",       "stop",       "store",      "story",      "street",
    "student",      "students",   "stuff",      "summer",     "sure",       "take",
    "tarte",        "taxes",      "teacher",    "team",       "teams",      "telephone",
    "temps",        "tenir",      "test",       "tests",      "text",       "than",
    "that",         "them",       "then",       "there",      "they",       "thing",
    "things",       "think",      "this",       "thousand",   "ticket",     "tickets",
    "time",         "tired",      "today",      "told",       "took",       "toujours",
    "tous",         "tout",       "toute",      "toutes",     "town",       "train",
    "travail",      "travel",     "tres",       "trip",       "triste",     "trop",
    "twelve",       "twenty",     "vacances",   "vacation",   "velo",       "vendre",
    "venir",        "vers",       "very",       "ville",      "vingt",      "vite",
    "voir",         "voiture",    "vouloir",    "vous",       "vrai",       "want",
    "warm",         "water",      "weather",    "wedding",    "week",       "weight",
    "well",         "went",       "were",       "what",       "when",       "where",
    "wife",         "wifi",       "will",       "windows",    "wine",       "winter",
    "with",         "world",      "worse",      "worst",      "write",      "yeah",
    "year",         "your",       "yours",
};

/* Words that voice dictation and autocorrect split in two ("traffic king",
 * "data jim", "hot line") or spell letter by letter ("u n o d c"): each
 * part is a word of its own, so edit distance never puts them back
 * together. A closed, reviewed table joins them; a join applies only when
 * the words it writes are in the vocabulary (spell_finish() marks those),
 * so it is inert for words the intents never use. Whole words only. Left
 * out on purpose: "traffic jam", "on line" (in line, on line 3), "some one"
 * and "u n" alone (French "un"). Sorted by strcmp on 'typed' (a unit test
 * checks it with spell_join_table_ok()). */
static const struct spell_join {
    const char *typed;
    const char *word;
} joins[] = {
    {"a s f c", "asfc"},
    {"c b s a", "cbsa"},
    {"c i p c", "cipc"},
    {"c n e s s t", "cnesst"},
    {"cyber aide", "cyberaide"},
    {"cyber tip", "cybertip"},
    {"d p j", "dpj"},
    {"data jam", "datajam"},
    {"data jim", "datajam"},
    {"g r c", "grc"},
    {"help line", "helpline"},
    {"help lines", "helplines"},
    {"hot line", "hotline"},
    {"hot lines", "hotlines"},
    {"i b m", "ibm"},
    {"i c p c", "icpc"},
    {"i r c c", "ircc"},
    {"lover boy", "loverboy"},
    {"lover boys", "loverboys"},
    {"o n u d c", "onudc"},
    {"r c m p", "rcmp"},
    {"s p v m", "spvm"},
    {"sex torsion", "sextortion"},
    {"sex tortion", "sextortion"},
    {"tip line", "tipline"},
    {"traffic ked", "trafficked"},
    {"traffic ker", "trafficker"},
    {"traffic kers", "traffickers"},
    {"traffic king", "trafficking"},
    {"u n o d c", "unodc"},
    {"u n office", "un office"},
};

#define N_JOINS (sizeof(joins) / sizeof(joins[0]))

/* The bit of a join's second byte: a letter, or a space (26); 31 for any
 * other byte, which no join has. */
static unsigned join_pair(char c)
{
    return c == ' ' ? 26 : c >= 'a' && c <= 'z' ? (unsigned)(c - 'a') : 31;
}

struct spell_del {
    uint64_t hash;
    uint32_t word;
};

struct spell {
    char **words; /* owned, NUL-terminated */
    unsigned char *len;
    unsigned *freq;
    unsigned char *stem; /* 1: a word a pattern reads as a stem (`flood\w*`) */
    size_t n, cap;
    uint32_t *slots; /* open addressing: word id + 1, 0 when empty */
    size_t n_slots;  /* a power of two */
    /* deletion index, after spell_finish() */
    struct spell_del *del; /* owned, sorted by bucket */
    size_t n_del;
    uint32_t *start; /* nb + 1 offsets into 'del' */
    uint32_t nb;     /* buckets, a power of two */
    /* texting forms the vocabulary lacks, one bit each (a Bloom filter
     * of one hash): most words are ruled out by it, before any search */
    uint64_t texting_bits[TEXTING_BITS / 64];
    uint64_t join_on; /* joins[i] applies: bit i */
    /* the first two bytes of those joins, one bit each (join_pair()): most
     * words are ruled out by it, before any comparison */
    uint32_t join_pairs[26];
    unsigned char join_from[26]; /* the first join of each first letter */
    int finished;
};

static uint32_t texting_bit(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return (h ^ (h >> 15)) & (TEXTING_BITS - 1);
}

/* 1 when word 'w' may be a texting form the vocabulary lacks. */
static int may_be_texting(const struct spell *sp, const char *w, size_t n)
{
    uint32_t k;

    if (n == 0 || n > TEXTING_MAX_FORM)
        return 0;
    k = texting_bit(w, n);
    return (int)(sp->texting_bits[k / 64] >> (k % 64) & 1);
}

static uint64_t spell_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 31);
}

static int is_az(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

struct spell *spell_new(void)
{
    struct spell *sp = alloc_calloc(1, sizeof(*sp));

    if (!sp)
        return NULL;
    sp->n_slots = 1024;
    sp->slots = alloc_calloc(sp->n_slots, sizeof(*sp->slots));
    if (!sp->slots) {
        alloc_free(sp);
        return NULL;
    }
    return sp;
}

void spell_free(struct spell *sp)
{
    size_t i;

    if (!sp)
        return;
    for (i = 0; i < sp->n; i++)
        alloc_free(sp->words[i]);
    alloc_free(sp->words);
    alloc_free(sp->len);
    alloc_free(sp->freq);
    alloc_free(sp->stem);
    alloc_free(sp->slots);
    alloc_free(sp->del);
    alloc_free(sp->start);
    alloc_free(sp);
}

static int common_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int is_common(const char *w, size_t n)
{
    char buf[SPELL_MAX_LEN + 1];

    if (n > SPELL_MAX_LEN)
        return 0;
    memcpy(buf, w, n);
    buf[n] = '\0';
    return bsearch(buf, common_words, sizeof(common_words) / sizeof(common_words[0]),
                   sizeof(common_words[0]), common_cmp) != NULL;
}

/* Index of word 'w' or -1. */
static long spell_find(const struct spell *sp, const char *w, size_t n)
{
    size_t m = sp->n_slots - 1, j = (size_t)spell_hash(w, n) & m;

    while (sp->slots[j]) {
        uint32_t id = sp->slots[j] - 1;
        if (sp->len[id] == n && memcmp(sp->words[id], w, n) == 0)
            return (long)id;
        j = (j + 1) & m;
    }
    return -1;
}

static int spell_grow_slots(struct spell *sp)
{
    size_t ncap = sp->n_slots * 2, i;
    uint32_t *ns = alloc_calloc(ncap, sizeof(*ns));

    if (!ns)
        return VIGIE_ENOMEM;
    for (i = 0; i < sp->n; i++) {
        size_t j = (size_t)spell_hash(sp->words[i], sp->len[i]) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = (uint32_t)i + 1;
    }
    alloc_free(sp->slots);
    sp->slots = ns;
    sp->n_slots = ncap;
    return 0;
}

/* Adds 'weight' to the word's count, adding the word first when it is new.
 * Returns its id, or VIGIE_ENOMEM. */
static long spell_add_word(struct spell *sp, const char *w, size_t n, unsigned weight)
{
    long id = spell_find(sp, w, n);
    size_t j;

    if (id >= 0) {
        sp->freq[id] += weight;
        return id;
    }
    if ((sp->n + 1) * 2 > sp->n_slots && spell_grow_slots(sp) < 0)
        return VIGIE_ENOMEM;
    if (sp->n == sp->cap) {
        size_t ncap = sp->cap ? sp->cap * 2 : 256;
        char **nw = alloc_realloc(sp->words, ncap * sizeof(*nw));
        unsigned char *nl, *ns;
        unsigned *nf;
        if (!nw)
            return VIGIE_ENOMEM;
        sp->words = nw;
        nl = alloc_realloc(sp->len, ncap * sizeof(*nl));
        if (!nl)
            return VIGIE_ENOMEM;
        sp->len = nl;
        nf = alloc_realloc(sp->freq, ncap * sizeof(*nf));
        if (!nf)
            return VIGIE_ENOMEM;
        sp->freq = nf;
        ns = alloc_realloc(sp->stem, ncap * sizeof(*ns));
        if (!ns)
            return VIGIE_ENOMEM;
        sp->stem = ns;
        sp->cap = ncap;
    }
    sp->words[sp->n] = alloc_strndup(w, n);
    if (!sp->words[sp->n])
        return VIGIE_ENOMEM;
    sp->len[sp->n] = (unsigned char)n;
    sp->freq[sp->n] = weight;
    sp->stem[sp->n] = 0;
    j = (size_t)spell_hash(w, n) & (sp->n_slots - 1);
    while (sp->slots[j])
        j = (j + 1) & (sp->n_slots - 1);
    sp->slots[j] = (uint32_t)sp->n + 1;
    return (long)sp->n++;
}

static int is_sep(char c)
{
    return c == ' ' || c == '\'';
}

int spell_add_text(struct spell *sp, const char *key, size_t len, unsigned weight)
{
    size_t i = 0;

    if (sp->finished)
        return VIGIE_EINVAL;
    while (i < len) {
        size_t s;
        while (i < len && is_sep(key[i]))
            i++;
        s = i;
        while (i < len && !is_sep(key[i]))
            i++;
        if (i > s && i - s <= SPELL_MAX_LEN + 2 && is_az(key + s, i - s) &&
            spell_add_word(sp, key + s, i - s, weight) < 0)
            return VIGIE_ENOMEM;
    }
    return 0;
}

int spell_add_stem(struct spell *sp, const char *w, size_t n)
{
    long id;

    if (sp->finished)
        return VIGIE_EINVAL;
    if (n < SPELL_MIN_STEM || n > SPELL_MAX_LEN || !is_az(w, n))
        return 0;
    id = spell_add_word(sp, w, n, 0);
    if (id < 0)
        return VIGIE_ENOMEM;
    sp->stem[id] = 1;
    return 0;
}

/* 1 when 'w' begins with a stem (and goes on: the stem itself is a word). */
static int has_stem(const struct spell *sp, const char *w, size_t n)
{
    for (size_t k = SPELL_MIN_STEM; k < n; k++) {
        long id = spell_find(sp, w, k);
        if (id >= 0 && sp->stem[id])
            return 1;
    }
    return 0;
}

int spell_known(const struct spell *sp, const char *w, size_t n)
{
    return n <= SPELL_MAX_LEN + 2 && spell_find(sp, w, n) >= 0;
}

unsigned spell_freq(const struct spell *sp, const char *w, size_t n)
{
    long id = n <= SPELL_MAX_LEN + 2 ? spell_find(sp, w, n) : -1;

    return id >= 0 ? sp->freq[id] : 0;
}

/* Calls 'fn' on 'w' and on every string made by deleting up to 'depth'
 * letters of it, at positions >= 'from' (so each set of positions is
 * produced once). 'buf' holds SPELL_MAX_LEN + 3 bytes. */
typedef void (*del_fn)(void *ud, const char *s, size_t n);

static void deletions(const char *w, size_t n, size_t from, int depth, char *buf,
                      del_fn fn, void *ud)
{
    size_t i;

    if (depth == 0 || n <= 1)
        return;
    for (i = from; i < n; i++) {
        memcpy(buf, w, i);
        memcpy(buf + i, w + i + 1, n - i - 1);
        fn(ud, buf, n - 1);
        if (depth > 1) {
            char next[SPELL_MAX_LEN + 3];
            memcpy(next, buf, n - 1);
            deletions(next, n - 1, i, depth - 1, buf, fn, ud);
        }
    }
}

struct del_fill {
    struct spell *sp;
    uint32_t word;
    size_t n; /* entries written (or counted when sp->del is NULL) */
};

static void del_add(void *ud, const char *s, size_t n)
{
    struct del_fill *f = ud;

    if (f->sp->del) {
        f->sp->del[f->n].hash = spell_hash(s, n);
        f->sp->del[f->n].word = f->word;
    }
    f->n++;
}

static int word_depth(size_t n)
{
    return n + 2 >= SPELL_LEN_DIST2 ? 2 : 1;
}

static uint32_t del_bucket(const struct spell *sp, uint64_t h)
{
    return (uint32_t)(h ^ (h >> 29)) & (sp->nb - 1);
}

int spell_finish(struct spell *sp)
{
    struct del_fill f = {.sp = sp};
    struct spell_del *sorted = NULL;
    uint32_t *fill = NULL, b;
    char buf[SPELL_MAX_LEN + 3];
    size_t i, pass;

    if (sp->finished)
        return 0;
    for (i = 0; i < texting_count(); i++) {
        const char *form = texting_form(i);
        size_t fn = strlen(form);
        uint32_t k = texting_bit(form, fn);
        if (spell_find(sp, form, fn) < 0)
            sp->texting_bits[k / 64] |= (uint64_t)1 << (k % 64);
    }
    for (i = 0; i < N_JOINS; i++) {
        const char *w = joins[i].word;
        int known = 1;
        while (*w && known) {
            size_t wn = strcspn(w, " ");
            known = spell_find(sp, w, wn) >= 0;
            w += wn + (w[wn] == ' ');
        }
        if (known) {
            const char *t = joins[i].typed;
            sp->join_on |= (uint64_t)1 << i;
            sp->join_pairs[t[0] - 'a'] |= (uint32_t)1 << join_pair(t[1]);
        }
    }
    for (i = N_JOINS; i-- > 0;)
        sp->join_from[joins[i].typed[0] - 'a'] = (unsigned char)i;
    /* Pass 0 counts the entries, pass 1 writes them. */
    for (pass = 0; pass < 2; pass++) {
        f.n = 0;
        for (i = 0; i < sp->n; i++) {
            f.word = (uint32_t)i;
            del_add(&f, sp->words[i], sp->len[i]);
            deletions(sp->words[i], sp->len[i], 0, word_depth(sp->len[i]), buf, del_add,
                      &f);
        }
        if (pass == 0) {
            sp->del = alloc_calloc(f.n ? f.n : 1, sizeof(*sp->del));
            if (!sp->del)
                return VIGIE_ENOMEM;
        }
    }
    sp->n_del = f.n;
    sp->nb = 1024;
    while (sp->nb < sp->n_del)
        sp->nb *= 2;
    sp->start = alloc_calloc((size_t)sp->nb + 1, sizeof(*sp->start));
    fill = alloc_calloc(sp->nb, sizeof(*fill));
    sorted = alloc_calloc(sp->n_del ? sp->n_del : 1, sizeof(*sorted));
    if (!sp->start || !fill || !sorted)
        goto fail;
    for (i = 0; i < sp->n_del; i++)
        sp->start[del_bucket(sp, sp->del[i].hash) + 1]++;
    for (b = 0; b < sp->nb; b++)
        sp->start[b + 1] += sp->start[b];
    for (i = 0; i < sp->n_del; i++) {
        b = del_bucket(sp, sp->del[i].hash);
        sorted[sp->start[b] + fill[b]++] = sp->del[i];
    }
    alloc_free(sp->del);
    sp->del = sorted;
    alloc_free(fill);
    sp->finished = 1;
    return 0;
fail:
    alloc_free(sorted);
    alloc_free(fill);
    alloc_free(sp->start);
    sp->start = NULL;
    return VIGIE_ENOMEM;
}

/* Optimal string alignment distance (Damerau-Levenshtein without
 * overlapping edits) between a and b, or max + 1 when it exceeds 'max'. */
static int osa_distance(const char *a, size_t n, const char *b, size_t m, int max)
{
    int d[SPELL_MAX_LEN + 3][SPELL_MAX_LEN + 3];
    size_t i, j;

    if ((n > m ? n - m : m - n) > (size_t)max)
        return max + 1;
    for (i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (i = 1; i <= n; i++) {
        int row_min = max + 1;
        for (j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > max)
            return max + 1;
    }
    return d[n][m] <= max ? d[n][m] : max + 1;
}

struct lookup {
    const struct spell *sp;
    const char *w;
    size_t n;
    int max;
    uint32_t seen[SPELL_MAX_CAND];
    size_t n_seen;
    long best;
    int best_d;
    int ambiguous;
};

static void lookup_consider(struct lookup *lk, uint32_t id)
{
    const struct spell *sp = lk->sp;
    size_t k;
    int d;

    for (k = 0; k < lk->n_seen; k++)
        if (lk->seen[k] == id)
            return;
    if (lk->n_seen == SPELL_MAX_CAND)
        return;
    lk->seen[lk->n_seen++] = id;
    if (sp->len[id] < SPELL_MIN_LEN - 1)
        return;
    d = osa_distance(lk->w, lk->n, sp->words[id], sp->len[id], lk->max);
    if (d > lk->max || d == 0)
        return;
    if (lk->best < 0 || d < lk->best_d ||
        (d == lk->best_d && sp->freq[id] > sp->freq[lk->best])) {
        lk->best = (long)id;
        lk->best_d = d;
        lk->ambiguous = 0;
    } else if (d == lk->best_d && sp->freq[id] == sp->freq[lk->best]) {
        lk->ambiguous = 1;
    }
}

static void lookup_del(void *ud, const char *s, size_t n)
{
    struct lookup *lk = ud;
    const struct spell *sp = lk->sp;
    uint64_t h = spell_hash(s, n);
    uint32_t b = del_bucket(sp, h), j;

    for (j = sp->start[b]; j < sp->start[b + 1]; j++)
        if (sp->del[j].hash == h)
            lookup_consider(lk, sp->del[j].word);
}

/* The vocabulary word replacing typed word 'w', or -1. */
static long spell_lookup(const struct spell *sp, const char *w, size_t n)
{
    struct lookup lk;
    char buf[SPELL_MAX_LEN + 3];

    memset(&lk, 0, sizeof(lk));
    lk.sp = sp;
    lk.w = w;
    lk.n = n;
    lk.max = n >= SPELL_LEN_DIST2 ? 2 : 1;
    lk.best = -1;
    lookup_del(&lk, w, n);
    deletions(w, n, 0, lk.max, buf, lookup_del, &lk);
    return lk.ambiguous ? -1 : lk.best;
}

/* The length of the split word in 'joins' that key[s..len) begins with, a
 * whole word or words, its joined form in '*word'; 0 when there is none. */
static size_t join_at(const struct spell *sp, const char *key, size_t len, size_t s,
                      const char **word)
{
    unsigned c = (unsigned char)key[s] - 'a';

    if (c >= 26 || s + 1 >= len || !(sp->join_pairs[c] >> join_pair(key[s + 1]) & 1))
        return 0;
    /* the table is sorted: the joins of this first letter are in a row */
    for (size_t i = sp->join_from[c]; i < N_JOINS && joins[i].typed[0] == key[s]; i++) {
        const char *t = joins[i].typed;
        size_t k = 0;
        if (!(sp->join_on >> i & 1))
            continue;
        while (t[k] && s + k < len && key[s + k] == t[k])
            k++;
        if (!t[k] && (s + k == len || is_sep(key[s + k]))) {
            *word = joins[i].word;
            return k;
        }
    }
    return 0;
}

int spell_join_table_ok(void)
{
    size_t i, j;

    if (N_JOINS > 64)
        return 0;
    for (i = 0; i < N_JOINS; i++) {
        const char *t = joins[i].typed, *w = joins[i].word;
        size_t tn = strlen(t), wn = strlen(w), spaces = 0;
        if (i > 0 && strcmp(joins[i - 1].typed, t) >= 0)
            return 0;
        /* a-z words, one space apart; the join is shorter, so it fits */
        if (tn == 0 || t[0] == ' ' || t[tn - 1] == ' ' || wn == 0 || wn >= tn)
            return 0;
        for (j = 0; j < tn; j++) {
            if (t[j] == ' ' && t[j + 1] == ' ')
                return 0;
            if (t[j] == ' ')
                spaces++;
            else if (t[j] < 'a' || t[j] > 'z')
                return 0;
        }
        if (spaces == 0 || w[0] == ' ' || w[wn - 1] == ' ')
            return 0;
        for (j = 0; j < wn; j++)
            if (!((w[j] >= 'a' && w[j] <= 'z') || w[j] == ' '))
                return 0;
    }
    return 1;
}

/* spell_correct() and spell_texting(): 'guess' 0 reads the texting table
 * alone. */
static int correct_words(const struct spell *sp, const char *key, size_t len, char *out,
                         size_t cap, size_t *out_len, unsigned *n_guessed, int guess)
{
    size_t i = 0, o = 0;
    int n_fixed = 0, n_looked = 0;

    if (n_guessed)
        *n_guessed = 0;
    if (cap < len + 1)
        return VIGIE_ETOOLONG;
    while (i < len) {
        size_t s = i, n;
        const char *w, *t = NULL;
        long id = -1;

        if (is_sep(key[i])) {
            out[o++] = key[i++];
            continue;
        }
        /* a split word first: its parts are no typos to correct */
        if (guess && sp && sp->finished && sp->join_on &&
            (n = join_at(sp, key, len, s, &t)) > 0) {
            size_t tn = strlen(t);
            memcpy(out + o, t, tn);
            o += tn;
            i = s + n;
            n_fixed++;
            continue;
        }
        while (i < len && !is_sep(key[i]))
            i++;
        n = i - s;
        w = key + s;
        /* the table before the vocabulary: most words are too long for it,
         * and a miss costs less than hashing the word */
        if (sp && sp->finished && n <= SPELL_MAX_LEN && n_looked < SPELL_MAX_TOKENS &&
            ((may_be_texting(sp, w, n) && (t = texting_expand(w, n)) != NULL) || guess) &&
            is_az(w, n) && spell_find(sp, w, n) < 0) {
            /* a texting form first ("cnt", "trapt"): whatever its length,
             * edit distance would not find the word it stands for, and a
             * stem a pattern reads ("trap\w*") does not say what it means */
            size_t tn = t ? strlen(t) : 0;
            if (t && o + tn + (len - i) + 1 <= cap) {
                n_looked++;
                memcpy(out + o, t, tn);
                o += tn;
                n_fixed++;
                continue;
            }
            if (guess && n >= SPELL_MIN_LEN && !is_common(w, n) && !has_stem(sp, w, n)) {
                n_looked++;
                id = spell_lookup(sp, w, n);
            }
        }
        /* what is left of the key must still fit after this word */
        if (id >= 0 && o + sp->len[id] + (len - i) + 1 <= cap) {
            memcpy(out + o, sp->words[id], sp->len[id]);
            o += sp->len[id];
            n_fixed++;
            if (n_guessed)
                ++*n_guessed;
        } else {
            memcpy(out + o, w, n);
            o += n;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return n_fixed;
}

int spell_correct(const struct spell *sp, const char *key, size_t len, char *out,
                  size_t cap, size_t *out_len, unsigned *n_guessed)
{
    return correct_words(sp, key, len, out, cap, out_len, n_guessed, 1);
}

int spell_texting(const struct spell *sp, const char *key, size_t len, char *out,
                  size_t cap, size_t *out_len)
{
    size_t i = 0;

    if (cap < len + 1)
        return VIGIE_ETOOLONG;
    /* most keys have no texting form: find one before writing anything */
    while (sp && sp->finished && i < len) {
        size_t s = i;
        while (i < len && !is_sep(key[i]))
            i++;
        if (may_be_texting(sp, key + s, i - s) && texting_expand(key + s, i - s) &&
            spell_find(sp, key + s, i - s) < 0)
            return correct_words(sp, key, len, out, cap, out_len, NULL, 0);
        while (i < len && is_sep(key[i]))
            i++;
    }
    memcpy(out, key, len);
    out[len] = '\0';
    if (out_len)
        *out_len = len;
    return 0;
}
