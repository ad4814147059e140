/*
 * protocol.h - wire protocol v1 (design.md section 5): decoding a client's
 * JSON text frame into a request, and encoding replies and localized errors.
 * Knows nothing of sockets: the server passes bytes in and gets bytes out.
 *
 * Client to server:  {"type":"hello","lang":"fr"}
 *                    {"type":"message","text":"...","lang":"en"}   (lang optional)
 *                    {"type":"suggestion","intent":"hotline"}
 * Server to client:  {"type":"reply","intent":..,"lang":..,"text":..,"links":[..],
 *                     "suggestions":[..]}
 *                    {"type":"error","code":"too_long","text":"..."}
 * The schema is strict: unknown keys, duplicate keys or wrong JSON types are
 * errors, and the connection stays usable after every one of them.
 */
#ifndef VIGIE_PROTOCOL_H
#define VIGIE_PROTOCOL_H

#include <stddef.h>

#include "dialogue.h"
#include "lang.h"

enum proto_type { PROTO_HELLO, PROTO_MESSAGE, PROTO_SUGGESTION };

/* Error codes sent to clients (the "code" member of an error message). */
enum proto_code {
    PROTO_OK = 0,
    PROTO_BAD_JSON, /* not one JSON object (or duplicate keys) */
    PROTO_BAD_TYPE, /* unknown "type", missing field, wrong field type, unknown key */
    PROTO_BAD_LANG, /* a "lang" other than "fr" or "en" */
    PROTO_TOO_LONG, /* the message is over the size limit */
    PROTO_EMPTY,    /* "text" is empty or only spaces */
    PROTO_UNKNOWN_INTENT, /* a suggestion for an intent that does not exist */
    PROTO_RATE_LIMITED,   /* more messages than the session's rate limit */
    PROTO_INTERNAL,       /* the server could not answer (out of memory) */
    PROTO_CODE_COUNT
};

struct proto_request {
    enum proto_type type;
    enum lang lang;   /* hello: the page language; message: hint or LANG_NONE */
    const char *text; /* message: borrowed from the frame or from 'root': valid
                       * until cleanup and while the frame's bytes are */
    size_t text_len; /* bytes of 'text' (it may contain no NUL: JSON \u0000 is refused) */
    char intent[DIALOGUE_MAX_INTENT_ID]; /* suggestion: the intent id */
    void *root; /* private: the parsed document that owns 'text' */
};

/* Growable output buffer whose first 'headroom' bytes are left free for the
 * caller (libwebsockets' LWS_PRE and a queue header). 'data' is owned by the
 * buffer until the caller takes it; it comes from alloc.h: free it with
 * alloc_free() (or proto_buf_cleanup() while the buffer still holds it). */
struct proto_buf {
    unsigned char *data;
    size_t len; /* bytes used after the headroom */
    size_t cap; /* bytes allocated after the headroom */
    size_t headroom;
};

/* Stable name of 'code' ("bad_json", ...), "" for PROTO_OK. */
const char *proto_code_name(enum proto_code code);

/* Decodes one frame ('len' bytes, not NUL-terminated). 'max_text' is the
 * longest "text" accepted, in bytes. Returns PROTO_OK and fills 'req' (free
 * with proto_request_cleanup()), or an error code (then 'req' holds nothing
 * to free). PROTO_INTERNAL means out of memory; jansson must allocate
 * through alloc.h (alloc_install_json(), done by intent_set_load()) for an
 * allocation failure inside its parser to be told from bad JSON. */
enum proto_code proto_decode(const char *buf, size_t len, size_t max_text,
                             struct proto_request *req);

/* proto_decode() reads a flat object of plain strings (what browsers send)
 * in place and leaves every other frame to this, its jansson decoder: the
 * same contract, exposed so that the fuzz target can check both agree. */
enum proto_code proto_decode_tree(const char *buf, size_t len, size_t max_text,
                                  struct proto_request *req);

/* Releases what 'req' owns; a zeroed or already-cleaned request is a no-op. */
void proto_request_cleanup(struct proto_request *req);

/* Encodes 'reply' into 'out' (initialised by proto_buf_init). Every string
 * of 'reply' is read now, so the reply's borrowed pointers need only live for
 * the call. Returns 0 or VIGIE_ENOMEM. */
int proto_encode_reply(struct proto_buf *out, const struct reply *reply);

/* Encodes an error message for 'code' in 'lang' (LANG_NONE: French and
 * English together). Returns 0 or VIGIE_ENOMEM. */
int proto_encode_error(struct proto_buf *out, enum proto_code code, enum lang lang);

/* Prepares an empty buffer with 'headroom' free bytes; nothing allocated yet. */
void proto_buf_init(struct proto_buf *b, size_t headroom);

/* Frees the buffer's memory; a zeroed buffer is a no-op. */
void proto_buf_cleanup(struct proto_buf *b);

#endif
