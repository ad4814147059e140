/*
 * ws_client.h - a small RFC 6455 client on raw sockets for the integration
 * tests: a real handshake and masked frames, plus the means to send what a
 * well-behaved client never would (binary frames, bad UTF-8, lying lengths,
 * half-written requests). Every read waits at most WS_CLIENT_TIMEOUT_MS.
 */
#ifndef VIGIE_TEST_WS_CLIENT_H
#define VIGIE_TEST_WS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define WS_CLIENT_TIMEOUT_MS 20000

enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xa,
};

/* Set to 1 by a read that gave up waiting (as opposed to the peer closing). */
extern int ws_client_timed_out;

/* When > 0, the SO_RCVBUF of the sockets opened next (a client that reads
 * slowly); 0 keeps the kernel's default. */
extern int ws_client_rcvbuf;

/* When not NULL, the local IPv4 address the sockets opened next are bound to
 * (another loopback address, e.g. "127.0.0.2", is another visitor). */
extern const char *ws_client_source;

/* Opens a TCP connection to 127.0.0.1:'port'. Returns the fd or -1. */
int tcp_connect(int port);

/* Connects and upgrades to WebSocket on 'path'. 'protocol' and 'origin' may
 * be NULL (header omitted). Returns the fd, or -1 when the server did not
 * answer 101; '*status' (if not NULL) gets the HTTP status (0 when the server
 * closed the connection without answering). */
int ws_connect(int port, const char *path, const char *protocol, const char *origin,
               int *status);

/* Sends one masked frame. Returns 0 or -1. */
int ws_send_frame(int fd, int opcode, int fin, const void *payload, size_t len);

/* Sends a complete text message in one frame. */
int ws_send_text(int fd, const char *text);

/* Sends raw bytes. Returns 0 or -1. */
int send_all(int fd, const void *buf, size_t len);

/* Reads the next data or close frame (pings are answered, pongs skipped).
 * Returns the opcode and fills 'buf' (NUL-terminated, cut at 'cap' - 1);
 * for a close frame '*close_code' gets its status (1005 if none). Returns -1
 * on timeout or when the connection ended without a close frame. */
int ws_read_frame(int fd, char *buf, size_t cap, size_t *len, int *close_code);

/* Waits until the peer closes the TCP connection (read returns 0 or an
 * error). Returns 0, or -1 on timeout. */
int wait_eof(int fd);

/* One HTTP/1.1 GET with Connection: close. Fills 'resp' (headers and body,
 * NUL-terminated). Returns the status code, or -1. */
int http_get(int port, const char *path, char *resp, size_t cap);

#endif
