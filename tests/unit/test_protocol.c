/*
 * test_protocol.c - the reply encoder writes JSON strings exactly: the bytes
 * JSON cannot hold as they are are escaped, everything else (UTF-8
 * included) is copied as it is, at the start, middle and end of a string.
 * The decoder reads flat frames in place and the rest with jansson: both
 * give every frame the same verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "protocol.h"

/* The "text" member of the encoded reply to 'text', NUL-terminated in
 * 'out' (the bytes between "text": and the next member). */
static void encoded_text(const char *text, char *out, size_t cap)
{
    struct reply r;
    struct proto_buf b;
    const char *start, *end;
    char *json;

    memset(&r, 0, sizeof(r));
    r.intent = "hotline";
    r.lang = LANG_FR;
    r.text = text;
    proto_buf_init(&b, 16);
    assert_int_equal(proto_encode_reply(&b, &r), 0);
    assert_non_null(b.data);
    json = calloc(1, b.len + 1);
    assert_non_null(json);
    memcpy(json, b.data + 16, b.len);
    proto_buf_cleanup(&b);
    start = strstr(json, "\"text\":");
    assert_non_null(start);
    start += strlen("\"text\":");
    end = strstr(start, ",\"links\"");
    if (!end)
        end = start + strlen(start) - 1;
    assert_true((size_t)(end - start) < cap);
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    free(json);
}

static void test_plain_text_is_copied(void **state)
{
    char out[256];

    (void)state;
    encoded_text("Appelez le 1-833-900-1010, en tout temps.", out, sizeof(out));
    assert_string_equal(out, "\"Appelez le 1-833-900-1010, en tout temps.\"");
    encoded_text("", out, sizeof(out));
    assert_string_equal(out, "\"\"");
    encoded_text("ligne d\xe2\x80\x99\xc3\xa9"
                 "coute \xf0\x9f\x93\x9e",
                 out, sizeof(out));
    assert_string_equal(out, "\"ligne d\xe2\x80\x99\xc3\xa9"
                             "coute \xf0\x9f\x93\x9e\"");
}

static void test_escapes(void **state)
{
    char out[256];

    (void)state;
    encoded_text("\"quoted\"", out, sizeof(out));
    assert_string_equal(out, "\"\\\"quoted\\\"\"");
    encoded_text("a\\b\nc\td\x01"
                 "e\x7f"
                 "f\x1f",
                 out, sizeof(out));
    assert_string_equal(out, "\"a\\\\b\\nc\\td\\u0001e\\u007ff\\u001f\"");
    encoded_text("\n\n", out, sizeof(out));
    assert_string_equal(out, "\"\\n\\n\"");
}

/* Every byte class at every offset of a word: the encoder scans eight bytes
 * at a time, so an escape must be found wherever it sits. */
static void test_escape_at_every_offset(void **state)
{
    static const unsigned char bytes[] = {'"',  '\\', '\n', 0x01, 0x1f, 0x7f,       ' ',
                                          '!',  '#',  '[',  ']',  '~',  0x20,       0x21,
                                          0x80, 0xc3, 0xfe, 0x5b, 0x5d, 0x22 ^ 0x80};
    (void)state;
    for (size_t k = 0; k < sizeof(bytes); k++) {
        for (size_t at = 0; at < 24; at++) {
            char in[25], out[64], want[64];
            size_t w = 0;

            memset(in, 'a', 24);
            in[24] = '\0';
            in[at] = (char)bytes[k];
            want[w++] = '"';
            for (size_t i = 0; i < 24; i++) {
                unsigned char c = (unsigned char)in[i];
                if (c == '"' || c == '\\') {
                    want[w++] = '\\';
                    want[w++] = (char)c;
                } else if (c == '\n') {
                    want[w++] = '\\';
                    want[w++] = 'n';
                } else if (c < 0x20 || c == 0x7f) {
                    w += (size_t)sprintf(want + w, "\\u%04x", c);
                } else {
                    want[w++] = (char)c;
                }
            }
            want[w++] = '"';
            want[w] = '\0';
            encoded_text(in, out, sizeof(out));
            assert_string_equal(out, want);
        }
    }
}

struct decode_case {
    const char *frame;
    enum proto_code code;
    const char *text; /* the decoded text (message), or NULL */
    int in_place;     /* 1: read in place (the text points into the frame) */
};

static const struct decode_case decode_cases[] = {
    {"{\"type\":\"message\",\"text\":\"bonjour\"}", PROTO_OK, "bonjour", 1},
    {" {\n\t\"text\" : \"hi\" ,\"lang\":\"EN\", \"type\":\"message\"}\r\n", PROTO_OK,
     "hi", 1},
    {"{\"type\":\"message\",\"text\":\"ligne d\xe2\x80\x99\xc3\xa9"
     "coute\"}",
     PROTO_OK,
     "ligne d\xe2\x80\x99\xc3\xa9"
     "coute",
     1},
    {"{\"type\":\"message\",\"text\":\"caf\\u00e9 \\\"ok\\\"\"}", PROTO_OK,
     "caf\xc3\xa9 \"ok\"", 0},
    {"{\"type\":\"message\",\"text\":\"\"}", PROTO_OK, "", 1},
    {"{\"type\":\"message\",\"text\":\"x\",\"text\":\"y\"}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"x\",\"foo\":\"y\"}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":\"message\",\"text\":5}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"\xff\"}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"\xed\xa0\x80\"}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"a\tb\"}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"a\\u0000b\"}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"x\"} x", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"x\",}", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"x\"", PROTO_BAD_JSON, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"0123456789abcdefghijk\"}", PROTO_TOO_LONG, NULL,
     0},
    {"{\"type\":\"message\",\"text\":\"x\",\"lang\":\"de\"}", PROTO_BAD_LANG, NULL, 0},
    {"{\"type\":\"message\",\"text\":\"x\",\"lang\":null}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":\"hello\",\"lang\":\"fr\"}", PROTO_OK, NULL, 1},
    {"{\"type\":\"hello\"}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":\"hello\",\"lang\":\"fra\"}", PROTO_BAD_LANG, NULL, 0},
    {"{\"type\":\"hello\",\"lang\":\"fr\",\"text\":\"x\"}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":\"suggestion\",\"intent\":\"hotline\"}", PROTO_OK, NULL, 1},
    {"{\"type\":\"suggestion\",\"intent\":\"hotline\",\"lang\":\"fr\"}", PROTO_BAD_TYPE,
     NULL, 0},
    {"{\"type\":\"goodbye\"}", PROTO_BAD_TYPE, NULL, 0},
    {"{\"type\":1}", PROTO_BAD_TYPE, NULL, 0},
    {"{}", PROTO_BAD_TYPE, NULL, 0},
    {"[]", PROTO_BAD_JSON, NULL, 0},
    {"\"message\"", PROTO_BAD_JSON, NULL, 0},
    {"", PROTO_BAD_JSON, NULL, 0},
};

static void test_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const struct decode_case *c = &decode_cases[i];
        size_t n = strlen(c->frame);
        struct proto_request a, b;
        enum proto_code got = proto_decode(c->frame, n, 20, &a);

        if (got != c->code)
            fail_msg("case %zu: got %s, want %s", i, proto_code_name(got),
                     proto_code_name(c->code));
        assert_int_equal(proto_decode_tree(c->frame, n, 20, &b), c->code);
        if (c->text) {
            assert_int_equal(a.text_len, strlen(c->text));
            assert_memory_equal(a.text, c->text, a.text_len);
            assert_int_equal(a.text_len, b.text_len);
            assert_memory_equal(a.text, b.text, a.text_len);
            if (c->in_place)
                assert_true(a.text >= c->frame && a.text + a.text_len <= c->frame + n);
        }
        if (c->code == PROTO_OK) {
            assert_int_equal(a.type, b.type);
            assert_int_equal(a.lang, b.lang);
            assert_string_equal(a.intent, b.intent);
            assert_int_equal(a.root == NULL, c->in_place);
        }
        proto_request_cleanup(&a);
        proto_request_cleanup(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_copied),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_escape_at_every_offset),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
