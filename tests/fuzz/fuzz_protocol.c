/*
 * fuzz_protocol.c - libFuzzer target for the wire protocol: arbitrary bytes
 * into proto_decode(); every accepted message is re-encoded through
 * proto_encode_reply() with its text as the reply text, and the output must
 * parse back as JSON with the same text (the encoder's escaping is exact).
 * proto_decode() reads flat frames in place and leaves the rest to jansson:
 * the jansson decoder alone (proto_decode_tree()) must decide every input
 * the same way. Also runs the unmatched-log redaction over the same bytes.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "protocol.h"

static void fuzz_check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_roundtrip(const struct proto_request *req)
{
    struct reply r;
    struct proto_buf b;
    json_t *j;
    char *text;

    if (req->type != PROTO_MESSAGE || memchr(req->text, '\0', req->text_len))
        return;
    text = malloc(req->text_len + 1);
    fuzz_check(text != NULL);
    memcpy(text, req->text, req->text_len);
    text[req->text_len] = '\0';
    memset(&r, 0, sizeof(r));
    r.intent = "fuzz";
    r.lang = LANG_FR;
    r.text = text;
    r.links[0].label = text;
    r.links[0].url = "https://example.org/";
    r.n_links = 1;
    r.suggestions[0].intent = "fallback";
    r.suggestions[0].label = text;
    r.n_suggestions = 1;
    proto_buf_init(&b, 32);
    fuzz_check(proto_encode_reply(&b, &r) == 0);
    j = json_loadb((const char *)b.data + b.headroom, b.len, JSON_REJECT_DUPLICATES,
                   NULL);
    fuzz_check(j != NULL);
    fuzz_check(strcmp(json_string_value(json_object_get(j, "text")), text) == 0);
    json_decref(j);
    proto_buf_cleanup(&b);
    free(text);
}

/* Both decoders: the same code, the same request. */
static void fuzz_same(const struct proto_request *a, enum proto_code ca, const char *buf,
                      size_t len, size_t max_text)
{
    struct proto_request b;
    enum proto_code cb = proto_decode_tree(buf, len, max_text, &b);

    fuzz_check(ca == cb);
    if (cb != PROTO_OK)
        return;
    fuzz_check(a->type == b.type && a->lang == b.lang);
    fuzz_check(strcmp(a->intent, b.intent) == 0);
    fuzz_check(a->text_len == b.text_len);
    fuzz_check(a->text_len == 0 || memcmp(a->text, b.text, a->text_len) == 0);
    proto_request_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_request req;
    struct proto_buf b;
    char red[128];
    size_t max_text = 64;
    enum proto_code code;

    /* The first byte picks the size limit, as the server's option would. */
    if (size > 0) {
        max_text = 16 + (size_t)data[0] * 16;
        data++;
        size--;
    }
    code = proto_decode((const char *)data, size, max_text, &req);
    fuzz_same(&req, code, (const char *)data, size, max_text);
    if (code == PROTO_OK) {
        fuzz_check(req.type != PROTO_MESSAGE || req.text_len <= max_text);
        fuzz_roundtrip(&req);
        proto_request_cleanup(&req);
    } else {
        fuzz_check(code > PROTO_OK && code < PROTO_CODE_COUNT);
        proto_buf_init(&b, 0);
        fuzz_check(proto_encode_error(&b, code, (enum lang)(size % 3) - 1) == 0);
        proto_buf_cleanup(&b);
    }
    fuzz_check(log_redact((const char *)data, size, red, sizeof(red)) < sizeof(red));
    return 0;
}
