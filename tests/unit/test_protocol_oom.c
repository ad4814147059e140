/*
 * test_protocol_oom.c - allocation failure on the wire protocol: fail the
 * Nth allocation, for every N, while decoding requests (jansson, routed
 * through alloc.h) and while encoding replies and errors (the output buffer,
 * also taken through alloc.h). Every run must end in success or a clean error
 * (PROTO_INTERNAL, VIGIE_ENOMEM), free everything and never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "error.h"
#include "protocol.h"

static const char *const requests[] = {
    "{\"type\":\"hello\",\"lang\":\"fr\"}",
    "{\"type\":\"message\",\"text\":\"O\\u00f9 est la ligne d\\u2019\\u00e9coute ?\","
    "\"lang\":\"en\"}",
    "{\"type\":\"message\",\"text\":\"a much longer message, long enough that jansson "
    "has to "
    "grow its string buffer several times while it reads it: hotline hotline hotline "
    "hotline hotline hotline hotline hotline hotline hotline hotline hotline\"}",
    "{\"type\":\"suggestion\",\"intent\":\"hotline\"}",
    "{\"type\":\"message\",\"text\":\"x\",\"extra\":[1,2,{\"a\":[null,true]}]}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{\"type\":\"message\",\"text\":\"dup\",\"text\":\"dup\"}",
    "{\"type\":\"message\",\"text\":\"",
};

static int setup(void **state)
{
    (void)state;
    alloc_install_json();
    return 0;
}

/* The decoder under test: proto_decode() reads flat frames without
 * allocating, so jansson's own decoder is also run on every request. */
static enum proto_code (*decode)(const char *, size_t, size_t, struct proto_request *);

static enum proto_code decode_once(const char *s, struct proto_request *req)
{
    return decode(s, strlen(s), 4096, req);
}

static void decode_fails_cleanly_at_every_allocation(void)
{
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        struct proto_request req;
        enum proto_code want = decode_once(requests[i], &req);
        long base;
        unsigned long n;
        int succeeded = 0;

        proto_request_cleanup(&req);
        base = alloc_live();
        for (n = 1; n < 10000 && !succeeded; n++) {
            enum proto_code got;
            alloc_fail_after(n);
            got = decode_once(requests[i], &req);
            alloc_fail_after(0);
            if (got == want) {
                succeeded = 1;
            } else {
                /* An allocation failure must not be taken for a verdict
                 * on the message (jansson 2.14 reports most failures inside
                 * its lexer as syntax errors: protocol.c asks alloc.h). */
                if (got != PROTO_INTERNAL)
                    fail_msg("request %zu, allocation %lu: got %s, want %s or internal",
                             i, n, proto_code_name(got), proto_code_name(want));
                assert_null(req.root);
                assert_null(req.text);
            }
            proto_request_cleanup(&req);
            assert_int_equal(alloc_live(), base);
        }
        assert_true(succeeded);
    }
}

static void test_decode_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    decode = proto_decode;
    decode_fails_cleanly_at_every_allocation();
    decode = proto_decode_tree;
    decode_fails_cleanly_at_every_allocation();
}

static void fill_reply(struct reply *r, char *big, size_t big_len)
{
    memset(r, 0, sizeof(*r));
    memset(big, 'a', big_len - 1);
    big[big_len - 1] = '\0';
    big[10] = '"';
    big[20] = '\n';
    big[30] = '\x01';
    r->intent = "hotline";
    r->lang = LANG_FR;
    r->text = big;
    r->n_links = 2;
    r->links[0].label = "Site de la \"Ligne\"";
    r->links[0].url = "https://example.org/a?b=c&d=\\e";
    r->links[1].label = "T\xc3\xa9l\xc3\xa9phone";
    r->links[1].url = "tel:+18339001010";
    r->n_suggestions = 2;
    r->suggestions[0].intent = "report";
    r->suggestions[0].label = "Signaler";
    r->suggestions[1].intent = "indicators.general";
    r->suggestions[1].label = "Indices";
}

static void test_encode_reply_fails_cleanly(void **state)
{
    static char big[3000];
    struct reply r;
    struct proto_buf ref, b;
    unsigned long n;
    int succeeded = 0;

    (void)state;
    fill_reply(&r, big, sizeof(big));
    proto_buf_init(&ref, 16);
    assert_int_equal(proto_encode_reply(&ref, &r), 0);
    for (n = 1; n < 100 && !succeeded; n++) {
        long base = alloc_live();
        int rc;
        proto_buf_init(&b, 16);
        alloc_fail_after(n);
        rc = proto_encode_reply(&b, &r);
        alloc_fail_after(0);
        if (rc == 0) {
            succeeded = 1;
            assert_int_equal(b.len, ref.len);
            assert_memory_equal(b.data + 16, ref.data + 16, ref.len);
        } else {
            assert_int_equal(rc, VIGIE_ENOMEM);
        }
        proto_buf_cleanup(&b);
        assert_int_equal(alloc_live(), base);
    }
    assert_true(succeeded);
    assert_true(n > 2); /* the big text needed more than one allocation */
    proto_buf_cleanup(&ref);
}

static void test_encode_error_fails_cleanly(void **state)
{
    static const enum lang langs[] = {LANG_FR, LANG_EN, LANG_NONE};

    (void)state;
    for (int code = 0; code <= PROTO_CODE_COUNT; code++) {
        for (size_t l = 0; l < 3; l++) {
            struct proto_buf b;
            unsigned long n;
            int succeeded = 0;
            for (n = 1; n < 20 && !succeeded; n++) {
                int rc;
                proto_buf_init(&b, 8);
                alloc_fail_after(n);
                rc = proto_encode_error(&b, (enum proto_code)code, langs[l]);
                alloc_fail_after(0);
                if (rc == 0) {
                    succeeded = 1;
                    assert_true(b.len > 0);
                    assert_memory_equal(b.data + 8, "{\"type\":\"error\"", 15);
                } else {
                    assert_int_equal(rc, VIGIE_ENOMEM);
                }
                proto_buf_cleanup(&b);
            }
            assert_true(succeeded);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_encode_reply_fails_cleanly),
        cmocka_unit_test(test_encode_error_fails_cleanly),
    };
    return cmocka_run_group_tests_name("protocol_oom", tests, setup, NULL);
}
