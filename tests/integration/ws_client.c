/*
 * ws_client.c - the raw-socket WebSocket and HTTP client used by the
 * integration tests (see ws_client.h).
 */
#define _GNU_SOURCE /* strcasestr */
#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ws_client_timed_out;
int ws_client_rcvbuf;
const char *ws_client_source;

int tcp_connect(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (fd < 0)
        return -1;
    /* A receive buffer only stays small when it is set before connect():
     * after it, loopback autotuning has already grown the window. */
    if (ws_client_rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &ws_client_rcvbuf,
                   sizeof(ws_client_rcvbuf));
    if (ws_client_source) {
        struct sockaddr_in src;

        memset(&src, 0, sizeof(src));
        src.sin_family = AF_INET;
        if (inet_pton(AF_INET, ws_client_source, &src.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
            close(fd);
            return -1;
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads exactly 'len' bytes. Returns 0, or -1 on timeout, error or EOF. */
static int recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&pfd, 1, WS_CLIENT_TIMEOUT_MS) <= 0) {
            ws_client_timed_out = 1;
            return -1;
        }
        n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ws_connect(int port, const char *path, const char *protocol, const char *origin,
               int *status)
{
    char req[1024], resp[4096];
    size_t got = 0;
    int fd = tcp_connect(port), n, code = 0;

    if (status)
        *status = 0;
    if (fd < 0)
        return -1;
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s%s%s%s%s%s\r\n",
                 path, port, protocol ? "Sec-WebSocket-Protocol: " : "",
                 protocol ? protocol : "", protocol ? "\r\n" : "",
                 origin ? "Origin: " : "", origin ? origin : "", origin ? "\r\n" : "");
    if (send_all(fd, req, (size_t)n) != 0)
        goto fail;
    /* Read byte by byte up to the end of the headers, so that no frame byte
     * that follows is swallowed. */
    while (got < sizeof(resp) - 1) {
        if (recv_all(fd, resp + got, 1) != 0)
            goto fail;
        got++;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    resp[got] = '\0';
    if (sscanf(resp, "HTTP/1.1 %d", &code) != 1)
        goto fail;
    if (status)
        *status = code;
    if (code != 101)
        goto fail;
    /* The accept key for the fixed nonce above (RFC 6455 section 1.3). */
    if (!strstr(resp, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

int ws_send_frame(int fd, int opcode, int fin, const void *payload, size_t len)
{
    unsigned char hdr[14];
    unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t h = 0;
    unsigned char *buf;
    int rc;

    hdr[h++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    memcpy(hdr + h, mask, 4);
    h += 4;
    buf = malloc(h + len);
    if (!buf)
        return -1;
    memcpy(buf, hdr, h);
    for (size_t i = 0; i < len; i++)
        buf[h + i] = ((const unsigned char *)payload)[i] ^ mask[i & 3];
    rc = send_all(fd, buf, h + len);
    free(buf);
    return rc;
}

int ws_send_text(int fd, const char *text)
{
    return ws_send_frame(fd, WS_OP_TEXT, 1, text, strlen(text));
}

int ws_read_frame(int fd, char *buf, size_t cap, size_t *len, int *close_code)
{
    for (;;) {
        unsigned char h[2], ext[8];
        uint64_t plen;
        int op;
        char *payload;

        if (recv_all(fd, h, 2) != 0)
            return -1;
        op = h[0] & 0x0f;
        plen = h[1] & 0x7f;
        if (plen == 126) {
            if (recv_all(fd, ext, 2) != 0)
                return -1;
            plen = ((uint64_t)ext[0] << 8) | ext[1];
        } else if (plen == 127) {
            if (recv_all(fd, ext, 8) != 0)
                return -1;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = (plen << 8) | ext[i];
        }
        if (plen > (1u << 24))
            return -1;
        payload = malloc(plen + 1);
        if (!payload || recv_all(fd, payload, plen) != 0) {
            free(payload);
            return -1;
        }
        if (op == WS_OP_PING) {
            ws_send_frame(fd, WS_OP_PONG, 1, payload, plen);
            free(payload);
            continue;
        }
        if (op == WS_OP_PONG) {
            free(payload);
            continue;
        }
        if (op == WS_OP_CLOSE && close_code)
            *close_code =
                plen >= 2 ? ((unsigned char)payload[0] << 8) | (unsigned char)payload[1]
                          : 1005;
        if (cap > 0) {
            size_t n = plen < cap - 1 ? plen : cap - 1;
            memcpy(buf, payload, n);
            buf[n] = '\0';
            if (len)
                *len = n;
        }
        free(payload);
        return op;
    }
}

int wait_eof(int fd)
{
    char tmp[4096];

    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&pfd, 1, WS_CLIENT_TIMEOUT_MS) <= 0)
            return -1;
        n = recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0)
            return 0;
    }
}

int http_get(int port, const char *path, char *resp, size_t cap)
{
    char req[512];
    size_t got = 0;
    int fd = tcp_connect(port), n, code = -1;

    if (fd < 0)
        return -1;
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                 path, port);
    if (send_all(fd, req, (size_t)n) != 0)
        goto out;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;

        if (poll(&pfd, 1, WS_CLIENT_TIMEOUT_MS) <= 0)
            break;
        r = recv(fd, resp + got, cap - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        resp[got] = '\0';
        if (got >= cap - 1)
            break;
        /* Stop at the end of the body when its length is announced. */
        {
            const char *end = strstr(resp, "\r\n\r\n");
            const char *cl = strcasestr(resp, "\ncontent-length:");
            if (end && cl && cl < end &&
                got >= (size_t)(end + 4 - resp) + strtoul(cl + 16, NULL, 10))
                break;
        }
    }
    resp[got] = '\0';
    if (sscanf(resp, "HTTP/1.1 %d", &code) != 1)
        code = -1;
out:
    close(fd);
    return code;
}
