/*
 * protocol.c - strict decoding of v1 client frames with jansson, and a small
 * hand-written JSON encoder for replies and errors (no intermediate tree:
 * a reply is escaped straight into the buffer the server will send).
 */
#include "protocol.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

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

static enum proto_code proto_lang(json_t *v, enum lang *out)
{
    if (!json_is_string(v))
        return PROTO_BAD_TYPE;
    *out = lang_from_code(json_string_value(v));
    if (*out == LANG_NONE || json_string_length(v) != 2)
        return PROTO_BAD_LANG;
    return PROTO_OK;
}

enum proto_code proto_decode(const char *buf, size_t len, size_t max_text,
                             struct proto_request *req)
{
    json_error_t jerr;
    json_t *root, *type, *v;
    const char *key, *tname;
    enum proto_code code = PROTO_OK;
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
        code = PROTO_BAD_JSON;
        goto fail;
    }
    type = json_object_get(root, "type");
    if (!json_is_string(type)) {
        code = PROTO_BAD_TYPE;
        goto fail;
    }
    tname = json_string_value(type);
    if (strcmp(tname, "hello") == 0)
        req->type = PROTO_HELLO;
    else if (strcmp(tname, "message") == 0)
        req->type = PROTO_MESSAGE;
    else if (strcmp(tname, "suggestion") == 0)
        req->type = PROTO_SUGGESTION;
    else {
        code = PROTO_BAD_TYPE;
        goto fail;
    }

    /* Strict schema: every key must belong to this type. */
    json_object_foreach(root, key, v)
    {
        bool known = strcmp(key, "type") == 0 ||
                     (strcmp(key, "lang") == 0 && req->type != PROTO_SUGGESTION) ||
                     (strcmp(key, "text") == 0 && req->type == PROTO_MESSAGE) ||
                     (strcmp(key, "intent") == 0 && req->type == PROTO_SUGGESTION);
        if (!known) {
            code = PROTO_BAD_TYPE;
            goto fail;
        }
    }

    switch (req->type) {
        case PROTO_HELLO:
            v = json_object_get(root, "lang");
            if (!v) {
                code = PROTO_BAD_TYPE;
                goto fail;
            }
            code = proto_lang(v, &req->lang);
            if (code != PROTO_OK)
                goto fail;
            break;
        case PROTO_MESSAGE:
            v = json_object_get(root, "text");
            if (!json_is_string(v)) {
                code = PROTO_BAD_TYPE;
                goto fail;
            }
            if (json_string_length(v) > max_text) {
                code = PROTO_TOO_LONG;
                goto fail;
            }
            req->text = json_string_value(v);
            req->text_len = json_string_length(v);
            v = json_object_get(root, "lang");
            if (v) {
                code = proto_lang(v, &req->lang);
                if (code != PROTO_OK)
                    goto fail;
            }
            break;
        case PROTO_SUGGESTION:
            v = json_object_get(root, "intent");
            if (!json_is_string(v)) {
                code = PROTO_BAD_TYPE;
                goto fail;
            }
            if (json_string_length(v) >= sizeof(req->intent) ||
                strlen(json_string_value(v)) != json_string_length(v)) {
                code = PROTO_UNKNOWN_INTENT;
                goto fail;
            }
            memcpy(req->intent, json_string_value(v), json_string_length(v) + 1);
            break;
    }
    req->root = root;
    return PROTO_OK;
fail:
    json_decref(root);
    memset(req, 0, sizeof(*req));
    req->lang = LANG_NONE;
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
        /* Answers are long runs of plain text: copy them whole. */
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
