/*
 * test_protocol.c - the reply encoder writes JSON strings exactly: the bytes
 * JSON cannot hold as they are are escaped, everything else (UTF-8
 * included) is copied as it is, at the start, middle and end of a string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_copied),
        cmocka_unit_test(test_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
