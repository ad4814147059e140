/*
 * protocol.c - strict decoding of v1 client frames (flat frames read in
 * place, any other with jansson), and a small hand-written JSON encoder for
 * replies and errors (no intermediate tree: a reply is escaped straight into
 * the buffer the server will send).
 */
#include "protocol.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "utf8.h"

static const char *const proto_names[PROTO_CODE_COUNT] = {
    [PROTO_OK] = "",
    [PROTO_BAD_JSON] = "bad_json",
    [PROTO_BAD_TYPE] = "bad_type",
    [PROTO_BAD_LANG] = "bad_lang",
    [PROTO_TOO_LONG] = "too_long",
    [PROTO_EMPTY] = "empty",
    [PROTO_UNKNOWN_INTENT] = "unknown_intent",
    [PROTO_RATE_LIMITED] = "rate_limited",
    [PROTO_INTERNAL] = "internal",
};

/* [code][lang]: French then English. */
static const char *const proto_texts[PROTO_CODE_COUNT][2] = {
    [PROTO_OK] = {"", ""},
    [PROTO_BAD_JSON] = {"Message illisible : ce n\xe2\x80\x99"
                        "est pas un objet JSON valide.",
                        "Unreadable message: not a valid JSON object."},
    [PROTO_BAD_TYPE] = {"Type de message inconnu, ou champ manquant ou inattendu.",
                        "Unknown message type, or a missing or unexpected field."},
    [PROTO_BAD_LANG] = {"Langue non prise en charge : utilisez \xc2\xab fr \xc2\xbb ou "
                        "\xc2\xab en \xc2\xbb.",
                        "Unsupported language: use \"fr\" or \"en\"."},
    [PROTO_TOO_LONG] = {"Votre message est trop long. Merci de le raccourcir.",
                        "Your message is too long. Please shorten it."},
    [PROTO_EMPTY] = {"Votre message est vide.", "Your message is empty."},
    [PROTO_UNKNOWN_INTENT] = {"Cette suggestion n\xe2\x80\x99"
                              "existe pas.",
                              "This suggestion does not exist."},
    [PROTO_RATE_LIMITED] =
        {"Trop de messages \xc3\xa0 la fois. Attendez un instant, puis "
         "r\xc3\xa9\x65ssayez.",
         "Too many messages at once. Please wait a moment and try again."},
    [PROTO_INTERNAL] = {"Erreur interne. R\xc3\xa9\x65ssayez dans un instant.",
                        "Internal error. Please try again in a moment."},
};

const char *proto_code_name(enum proto_code code)
{
    if ((int)code < 0 || code >= PROTO_CODE_COUNT)
        return "internal";
    return proto_names[code];
}

void proto_request_cleanup(struct proto_request *req)
{
    if (req && req->root) {
        json_decref((json_t *)req->root);
        req->root = NULL;
        req->text = NULL;
    }
}

/* One member of a client frame as a decoder found it: absent, a string
 * ('s', 'len' bytes, decoded), or some other JSON value. */
struct proto_field {
    const char *s;
    size_t len;
    bool present, string;
};

/* The members the schema knows, and whether there was any other. */
struct proto_fields {
    struct proto_field type, lang, text, intent;
    bool unknown;
};

static struct proto_field *proto_field_named(struct proto_fields *f, const char *key,
                                             size_t n)
{
    if (n == 4 && memcmp(key, "type", 4) == 0)
        return &f->type;
    if (n == 4 && memcmp(key, "lang", 4) == 0)
        return &f->lang;
    if (n == 4 && memcmp(key, "text", 4) == 0)
        return &f->text;
    if (n == 6 && memcmp(key, "intent", 6) == 0)
        return &f->intent;
    return NULL;
}

static bool proto_is(const struct proto_field *v, const char *word)
{
    size_t n = strlen(word);
    return v->len == n && memcmp(v->s, word, n) == 0;
}

static enum proto_code proto_lang(const struct proto_field *v, enum lang *out)
{
    char code[3];

    if (!v->string)
        return PROTO_BAD_TYPE;
    if (v->len != 2)
        return PROTO_BAD_LANG;
    memcpy(code, v->s, 2);
    code[2] = '\0';
    *out = lang_from_code(code);
    return *out == LANG_NONE ? PROTO_BAD_LANG : PROTO_OK;
}

/* The schema, whichever decoder read the frame: fills 'req' (text and intent
 * borrowed from the fields) or returns the error. */
static enum proto_code proto_check(const struct proto_fields *f, size_t max_text,
                                   struct proto_request *req)
{
    enum proto_code code;

    if (!f->type.string)
        return PROTO_BAD_TYPE;
    if (proto_is(&f->type, "hello"))
        req->type = PROTO_HELLO;
    else if (proto_is(&f->type, "message"))
        req->type = PROTO_MESSAGE;
    else if (proto_is(&f->type, "suggestion"))
        req->type = PROTO_SUGGESTION;
    else
        return PROTO_BAD_TYPE;
    /* Strict: every key must belong to this type. */
    if (f->unknown || (f->lang.present && req->type == PROTO_SUGGESTION) ||
        (f->text.present && req->type != PROTO_MESSAGE) ||
        (f->intent.present && req->type != PROTO_SUGGESTION))
        return PROTO_BAD_TYPE;

    switch (req->type) {
        case PROTO_HELLO:
            if (!f->lang.present)
                return PROTO_BAD_TYPE;
            return proto_lang(&f->lang, &req->lang);
        case PROTO_MESSAGE:
            if (!f->text.string)
                return PROTO_BAD_TYPE;
            if (f->text.len > max_text)
                return PROTO_TOO_LONG;
            req->text = f->text.s;
            req->text_len = f->text.len;
            if (f->lang.present) {
                code = proto_lang(&f->lang, &req->lang);
                if (code != PROTO_OK)
                    return code;
            }
            return PROTO_OK;
        case PROTO_SUGGESTION:
            if (!f->intent.string)
                return PROTO_BAD_TYPE;
            if (f->intent.len >= sizeof(req->intent) ||
                memchr(f->intent.s, '\0', f->intent.len))
                return PROTO_UNKNOWN_INTENT;
            memcpy(req->intent, f->intent.s, f->intent.len);
            req->intent[f->intent.len] = '\0';
            return PROTO_OK;
    }
    return PROTO_BAD_TYPE;
}

static size_t proto_skip_space(const char *buf, size_t len, size_t i)
{
    while (i < len &&
           (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    return i;
}

/* A JSON string at buf[i] ('"') without escapes or controls: its bytes are
 * its value. Sets '*end' past the closing quote and returns 1, or returns 0
 * for anything else (left to jansson). */
static int proto_scan_plain(const char *buf, size_t len, size_t i, size_t *end)
{
    size_t j = i + 1;
    bool high = false;

    while (j < len) {
        unsigned char c = (unsigned char)buf[j];
        if (c == '"')
            break;
        if (c == '\\' || c < 0x20)
            return 0;
        high |= c >= 0x80;
        j++;
    }
    if (j == len || (high && !utf8_is_valid(buf + i + 1, j - i - 1)))
        return 0;
    *end = j + 1;
    return 1;
}

/* What browsers send is one flat object of plain strings and known keys:
 * such a frame is read in place, without a tree or an allocation. Returns 1
 * with 'f' filled (values borrowed from 'buf'), or 0 for any other frame
 * (escapes, other values, unknown or repeated keys, bad JSON), which
 * jansson then reads and, when it must, words the error for. */
static int proto_scan_flat(const char *buf, size_t len, struct proto_fields *f)
{
    size_t i = proto_skip_space(buf, len, 0), k, e;
    struct proto_field *v;

    if (i == len || buf[i] != '{')
        return 0;
    i = proto_skip_space(buf, len, i + 1);
    if (i < len && buf[i] == '}')
        return proto_skip_space(buf, len, i + 1) == len;
    for (;;) {
        if (i == len || buf[i] != '"' || !proto_scan_plain(buf, len, i, &k))
            return 0;
        v = proto_field_named(f, buf + i + 1, k - i - 2);
        if (!v || v->present)
            return 0;
        i = proto_skip_space(buf, len, k);
        if (i == len || buf[i] != ':')
            return 0;
        i = proto_skip_space(buf, len, i + 1);
        if (i == len || buf[i] != '"' || !proto_scan_plain(buf, len, i, &e))
            return 0;
        v->s = buf + i + 1;
        v->len = e - i - 2;
        v->present = v->string = true;
        i = proto_skip_space(buf, len, e);
        if (i < len && buf[i] == ',') {
            i = proto_skip_space(buf, len, i + 1);
            continue;
        }
        if (i < len && buf[i] == '}')
            return proto_skip_space(buf, len, i + 1) == len;
        return 0;
    }
}

enum proto_code proto_decode_tree(const char *buf, size_t len, size_t max_text,
                                  struct proto_request *req)
{
    struct proto_fields f;
    json_error_t jerr;
    json_t *root, *v;
    const char *key;
    enum proto_code code;
    unsigned long failed_before;

    memset(req, 0, sizeof(*req));
    req->lang = LANG_NONE;
    failed_before = alloc_failures();
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        /* jansson 2.14 reports most allocation failures as syntax errors:
         * the allocator's own count tells them apart. */
        if (json_error_code(&jerr) == json_error_out_of_memory ||
            alloc_failures() != failed_before)
            return PROTO_INTERNAL;
        return PROTO_BAD_JSON;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return PROTO_BAD_JSON;
    }
    memset(&f, 0, sizeof(f));
    json_object_foreach(root, key, v)
    {
        struct proto_field *m = proto_field_named(&f, key, strlen(key));
        if (!m) {
            f.unknown = true;
            continue;
        }
        m->present = true;
        if (json_is_string(v)) {
            m->string = true;
            m->s = json_string_value(v);
            m->len = json_string_length(v);
        }
    }
    code = proto_check(&f, max_text, req);
    if (code != PROTO_OK) {
        json_decref(root);
        memset(req, 0, sizeof(*req));
        req->lang = LANG_NONE;
        return code;
    }
    req->root = root;
    return PROTO_OK;
}

enum proto_code proto_decode(const char *buf, size_t len, size_t max_text,
                             struct proto_request *req)
{
    struct proto_fields f;
    enum proto_code code;

    memset(&f, 0, sizeof(f));
    if (!proto_scan_flat(buf, len, &f))
        return proto_decode_tree(buf, len, max_text, req);
    memset(req, 0, sizeof(*req));
    req->lang = LANG_NONE;
    code = proto_check(&f, max_text, req);
    if (code != PROTO_OK) {
        memset(req, 0, sizeof(*req));
        req->lang = LANG_NONE;
    }
    return code;
}

void proto_buf_init(struct proto_buf *b, size_t headroom)
{
    memset(b, 0, sizeof(*b));
    b->headroom = headroom;
}

void proto_buf_cleanup(struct proto_buf *b)
{
    if (!b)
        return;
    alloc_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int proto_reserve(struct proto_buf *b, size_t more)
{
    size_t need = b->len + more, cap;
    unsigned char *p;

    if (b->data && need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 512;
    while (cap < need)
        cap *= 2;
    p = alloc_realloc(b->data, b->headroom + cap);
    if (!p)
        return VIGIE_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int proto_put(struct proto_buf *b, const char *s, size_t n)
{
    if (proto_reserve(b, n) != 0)
        return VIGIE_ENOMEM;
    memcpy(b->data + b->headroom + b->len, s, n);
    b->len += n;
    return 0;
}

static int proto_lit(struct proto_buf *b, const char *s)
{
    return proto_put(b, s, strlen(s));
}

/* The bytes a JSON string cannot hold as they are: controls, DEL, '"' and
 * '\\'. Every other byte, UTF-8 included, is copied. */
static int json_escaped(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

/* True when none of the 8 bytes at 's' is json_escaped(): the classic
 * "has a byte less than n" and "has a zero byte" word tests (a byte >= 0x80
 * never counts as less than 0x20). */
static bool proto_plain8(const char *s)
{
    const uint64_t ones = 0x0101010101010101u, high = ones << 7;
    uint64_t x, q, b, d;

    memcpy(&x, s, 8);
    q = x ^ (ones * '"');
    b = x ^ (ones * '\\');
    d = x ^ (ones * 0x7f);
    return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
             ((d - ones) & ~d)) &
            high) == 0;
}

/* Appends 's' as a JSON string, quotes included. The catalogue's strings are
 * valid UTF-8 (checked at load), so bytes >= 0x80 are copied unchanged. */
static int proto_str(struct proto_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = s ? strlen(s) : 0, i = 0;
    unsigned char *o;

    /* Worst case: every byte becomes \u00XX. */
    if (proto_reserve(b, n * 6 + 2) != 0)
        return VIGIE_ENOMEM;
    o = b->data + b->headroom + b->len;
    *o++ = '"';
    while (i < n) {
        size_t run = i;
        unsigned char c;
        /* Answers are long runs of plain text: find the run's end eight
         * bytes at a time, then copy it whole. */
        while (run + 8 <= n && proto_plain8(s + run))
            run += 8;
        while (run < n && !json_escaped((unsigned char)s[run]))
            run++;
        memcpy(o, s + i, run - i);
        o += run - i;
        if (run == n)
            break;
        c = (unsigned char)s[run];
        *o++ = '\\';
        if (c == '"' || c == '\\') {
            *o++ = c;
        } else if (c == '\n') {
            *o++ = 'n';
        } else if (c == '\t') {
            *o++ = 't';
        } else {
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = (unsigned char)hex[c >> 4];
            *o++ = (unsigned char)hex[c & 15];
        }
        i = run + 1;
    }
    *o++ = '"';
    b->len = (size_t)(o - (b->data + b->headroom));
    return 0;
}

int proto_encode_reply(struct proto_buf *out, const struct reply *reply)
{
    int rc = 0;

    rc |= proto_lit(out, "{\"type\":\"reply\",\"intent\":");
    rc |= proto_str(out, reply->intent);
    rc |= proto_lit(out, ",\"lang\":");
    rc |= proto_str(out, lang_code(reply->lang));
    rc |= proto_lit(out, ",\"text\":");
    rc |= proto_str(out, reply->text);
    rc |= proto_lit(out, ",\"links\":[");
    for (size_t i = 0; i < reply->n_links && i < REPLY_MAX_LINKS; i++) {
        rc |= proto_lit(out, i ? ",{\"label\":" : "{\"label\":");
        rc |= proto_str(out, reply->links[i].label);
        rc |= proto_lit(out, ",\"url\":");
        rc |= proto_str(out, reply->links[i].url);
        rc |= proto_lit(out, "}");
    }
    rc |= proto_lit(out, "],\"suggestions\":[");
    for (size_t i = 0; i < reply->n_suggestions && i < REPLY_MAX_SUGGESTIONS; i++) {
        rc |= proto_lit(out, i ? ",{\"intent\":" : "{\"intent\":");
        rc |= proto_str(out, reply->suggestions[i].intent);
        rc |= proto_lit(out, ",\"label\":");
        rc |= proto_str(out, reply->suggestions[i].label);
        rc |= proto_lit(out, "}");
    }
    rc |= proto_lit(out, "]}");
    return rc ? VIGIE_ENOMEM : 0;
}

int proto_encode_error(struct proto_buf *out, enum proto_code code, enum lang lang)
{
    char text[512];
    int rc = 0;

    if ((int)code <= 0 || code >= PROTO_CODE_COUNT)
        code = PROTO_INTERNAL;
    if (lang == LANG_FR || lang == LANG_EN)
        snprintf(text, sizeof(text), "%s", proto_texts[code][lang]);
    else
        snprintf(text, sizeof(text), "%s / %s", proto_texts[code][LANG_FR],
                 proto_texts[code][LANG_EN]);
    rc |= proto_lit(out, "{\"type\":\"error\",\"code\":");
    rc |= proto_str(out, proto_names[code]);
    rc |= proto_lit(out, ",\"text\":");
    rc |= proto_str(out, text);
    rc |= proto_lit(out, "}");
    return rc ? VIGIE_ENOMEM : 0;
}
