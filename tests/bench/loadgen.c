/*
 * loadgen.c - WebSocket load generator for vigie and the bare echo server.
 *
 * Single thread, epoll, raw non-blocking sockets (no libwebsockets). Opens N
 * "active" connections (and optionally M idle ones) to ws://HOST:PORT/PATH
 * with a real RFC 6455 handshake (random Sec-WebSocket-Key, the
 * Sec-WebSocket-Accept checked, subprotocol vigie.v1), then keeps D messages
 * in flight on every active connection, cycling through a file of questions
 * sent as {"type":"message","text":"..."} in masked text frames. Replies come
 * back in order on each connection, so a per-connection ring of send times
 * gives every message's latency. After a warm-up the counters are reset and
 * the run is measured for T seconds; the summary (messages/s, latency
 * p50/p90/p99/max, errors) is printed on stderr and as one RESULT line on
 * stdout. Idle connections only answer pings and close frames.
 *
 * --idle-only M --hold T opens M connections, prints "holding M connections"
 * on stderr and keeps them open for T seconds (0 = until SIGINT/SIGTERM):
 * for measuring memory per session.
 *
 * Errors counted: failed connects and handshakes, connections closed or reset
 * by the server while running, protocol violations, and replies of type
 * "error" (e.g. rate_limited). Exit status 0 only when there was none.
 *
 * Ownership: all connection state is owned by the single struct loadgen in
 * main(); per-connection buffers are malloc'd lazily and freed on close.
 */
#define _GNU_SOURCE /* memmem, SOCK_NONBLOCK */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_SCRATCH       (1u << 20) /* largest frame we accept, and read size */
#define LG_MAX_HANDSHAKE 8192
#define LG_HIST_SUB      64
#define LG_HIST_SIZE     (128 + 40 * LG_HIST_SUB)
#define LG_WS_GUID       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum lg_state { LG_CONNECTING, LG_HANDSHAKE, LG_OPEN, LG_CLOSING, LG_DEAD };

struct lg_conn {
    int fd;
    unsigned char state;
    unsigned char idle;
    unsigned char want_out; /* EPOLLOUT registered */
    unsigned char in_msg;   /* inside a fragmented data message */
    unsigned inflight;
    unsigned ring_head;  /* index of the oldest send time */
    uint64_t *sent_ns;   /* ring of `inflight` send times, capacity D */
    unsigned char *pend; /* unparsed input kept between reads */
    size_t pend_len;
    unsigned char *out; /* bytes not yet accepted by the kernel */
    size_t out_len, out_cap;
    char key[32]; /* expected Sec-WebSocket-Accept while in handshake */
};

struct lg_hist {
    uint64_t count[LG_HIST_SIZE];
    uint64_t n, max;
};

struct lg_opts {
    const char *host, *path, *protocol, *origin, *questions;
    int port;
    long connections, inflight, idle, idle_only;
    double duration, warmup, hold, rate, report_every, connect_timeout;
    long text_bytes;
    long server_pid;
    long print_replies;
};

struct lg_stats {
    uint64_t msgs, bytes_in, error_replies, unsolicited, pings;
    uint64_t err_connect, err_handshake, err_closed, err_protocol;
};

struct loadgen {
    struct lg_opts o;
    struct sockaddr_in addr;
    int ep;
    struct lg_conn *conns;
    long nconns, nopen, nfailed, pending_connects, next_to_open;
    char **payloads; /* pre-encoded JSON messages */
    size_t *payload_len;
    size_t npayloads, next_payload;
    unsigned char *scratch;
    int sending;   /* active connections may send */
    int measuring; /* replies are counted */
    struct lg_stats st, ist;
    struct lg_hist hist, ihist;
    uint64_t rng;
    double tokens;
    uint64_t rate_t0;
    long rr;           /* round-robin cursor for --rate */
    long first_active; /* conns[first_active..nconns) send; the others are idle */
};

static volatile sig_atomic_t lg_stop;

static void lg_on_signal(int sig)
{
    (void)sig;
    lg_stop = 1;
}

static uint64_t lg_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t lg_rand(struct loadgen *lg)
{
    lg->rng ^= lg->rng << 13;
    lg->rng ^= lg->rng >> 7;
    lg->rng ^= lg->rng << 17;
    return lg->rng;
}

/* CPU time (user + system) of a process in seconds, from /proc/PID/stat; -1 if unknown.
 */
static double lg_proc_cpu(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    size_t n;
    FILE *f;

    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    else
        snprintf(path, sizeof(path), "/proc/self/stat");
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may contain spaces */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                     &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- latency histogram: exact below 128 ns, then 64 sub-buckets per power of two */

static unsigned lg_hist_index(uint64_t v)
{
    unsigned e;

    if (v < 128)
        return (unsigned)v;
    e = 63u - (unsigned)__builtin_clzll(v);
    if (e > 46)
        e = 46, v = (1ull << 47) - 1;
    return 128 + (e - 7) * LG_HIST_SUB + (unsigned)((v >> (e - 6)) & (LG_HIST_SUB - 1));
}

static uint64_t lg_hist_value(unsigned i)
{
    unsigned e, sub;

    if (i < 128)
        return i;
    e = (i - 128) / LG_HIST_SUB + 7;
    sub = (i - 128) % LG_HIST_SUB;
    /* midpoint of the bucket */
    return ((uint64_t)(LG_HIST_SUB + sub) << (e - 6)) + (1ull << (e - 6)) / 2;
}

static void lg_hist_add(struct lg_hist *h, uint64_t v)
{
    h->count[lg_hist_index(v)]++;
    h->n++;
    if (v > h->max)
        h->max = v;
}

static double lg_hist_pct_ms(const struct lg_hist *h, double pct)
{
    uint64_t want, seen = 0;

    if (!h->n)
        return 0;
    want = (uint64_t)(pct / 100.0 * (double)h->n);
    if (want >= h->n)
        want = h->n - 1;
    for (unsigned i = 0; i < LG_HIST_SIZE; i++) {
        seen += h->count[i];
        if (seen > want)
            return (double)lg_hist_value(i) / 1e6;
    }
    return (double)h->max / 1e6;
}

/* ---- SHA-1 and base64, for the handshake only */

struct lg_sha1 {
    uint32_t h[5];
    unsigned char block[64];
    size_t fill;
    uint64_t total;
};

static uint32_t lg_rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void lg_sha1_block(struct lg_sha1 *s, const unsigned char *p)
{
    uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = lg_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k, t;

        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        t = lg_rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = lg_rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void lg_sha1_update(struct lg_sha1 *s, const void *data, size_t len)
{
    const unsigned char *p = data;

    s->total += len;
    while (len--) {
        s->block[s->fill++] = *p++;
        if (s->fill == 64) {
            lg_sha1_block(s, s->block);
            s->fill = 0;
        }
    }
}

static void lg_sha1(const void *data, size_t len, unsigned char out[20])
{
    struct lg_sha1 s = {
        {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, {0}, 0, 0};
    unsigned char pad = 0x80, zero = 0, lenb[8];
    uint64_t bits = (uint64_t)len * 8;

    lg_sha1_update(&s, data, len);
    lg_sha1_update(&s, &pad, 1);
    while (s.fill != 56)
        lg_sha1_update(&s, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
    lg_sha1_update(&s, lenb, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(s.h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s.h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s.h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s.h[i];
    }
}

static void lg_base64(const unsigned char *in, size_t len, char *out)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *out++ = t[in[i] >> 2];
        *out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *out++ = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *out++ = t[in[i + 2] & 63];
    }
    if (i < len) {
        *out++ = t[in[i] >> 2];
        if (i + 1 < len) {
            *out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *out++ = t[(in[i + 1] & 15) << 2];
        } else {
            *out++ = t[(in[i] & 3) << 4];
            *out++ = '=';
        }
        *out++ = '=';
    }
    *out = '\0';
}

/* ---- questions file -> pre-encoded JSON payloads */

static int lg_json_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 256);
        char *p;

        while (nc < *len + n + 1)
            nc *= 2;
        p = realloc(*buf, nc);
        if (!p)
            return -1;
        *buf = p;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Escapes `text` as a JSON string body (quotes, backslash, control chars). */
static int lg_json_escape(char **buf, size_t *len, size_t *cap, const char *text,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        char esc[8];

        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            if (lg_json_append(buf, len, cap, esc, 2))
                return -1;
        } else if (ch < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
            if (lg_json_append(buf, len, cap, esc, 6))
                return -1;
        } else if (lg_json_append(buf, len, cap, (const char *)&ch, 1)) {
            return -1;
        }
    }
    return 0;
}

static int lg_add_payload(struct loadgen *lg, const char *text, size_t n)
{
    static const char head[] = "{\"type\":\"message\",\"text\":\"";
    char *buf = NULL, **pp;
    size_t len = 0, cap = 0, *pl;
    size_t want = lg->o.text_bytes > 0 ? (size_t)lg->o.text_bytes : 0;

    if (lg_json_append(&buf, &len, &cap, head, sizeof(head) - 1))
        goto fail;
    if (want) {
        /* Repeat the question up to exactly `want` bytes, cut on a UTF-8 boundary. */
        size_t done = 0;

        while (done < want) {
            size_t k = n;

            if (done && done + 1 <= want) {
                if (lg_json_escape(&buf, &len, &cap, " ", 1))
                    goto fail;
                done++;
            }
            if (k > want - done) {
                k = want - done;
                while (k && ((unsigned char)text[k] & 0xC0) == 0x80)
                    k--;
                if (!k)
                    break;
            }
            if (lg_json_escape(&buf, &len, &cap, text, k))
                goto fail;
            done += k;
        }
    } else if (lg_json_escape(&buf, &len, &cap, text, n)) {
        goto fail;
    }
    if (lg_json_append(&buf, &len, &cap, "\"}", 2))
        goto fail;
    pp = realloc(lg->payloads, (lg->npayloads + 1) * sizeof(*pp));
    if (!pp)
        goto fail;
    lg->payloads = pp;
    pl = realloc(lg->payload_len, (lg->npayloads + 1) * sizeof(*pl));
    if (!pl)
        goto fail;
    lg->payload_len = pl;
    lg->payloads[lg->npayloads] = buf;
    lg->payload_len[lg->npayloads] = len;
    lg->npayloads++;
    return 0;
fail:
    free(buf);
    return -1;
}

static int lg_load_questions(struct loadgen *lg)
{
    char line[8192];
    FILE *f;

    if (!lg->o.questions) {
        /* No file: a small built-in bilingual mix. */
        static const char *const builtin[] = {"Bonjour",
                                              "What are the signs of human trafficking?",
                                              "Quel est le numero de la ligne d'urgence?",
                                              "How do I report a situation?",
                                              "mon patron garde mon passeport",
                                              "What is the DataJam?"};

        for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
            if (lg_add_payload(lg, builtin[i], strlen(builtin[i])))
                return -1;
        return 0;
    }
    f = fopen(lg->o.questions, "r");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", lg->o.questions, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);

        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        if (lg_add_payload(lg, line, n)) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (!lg->npayloads) {
        fprintf(stderr, "loadgen: %s: no questions\n", lg->o.questions);
        return -1;
    }
    return 0;
}

/* ---- connection output */

static void lg_set_events(struct loadgen *lg, struct lg_conn *c, int want_out)
{
    struct epoll_event ev;

    if (c->want_out == want_out)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
    ev.data.u64 = (uint64_t)(c - lg->conns);
    epoll_ctl(lg->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = (unsigned char)want_out;
}

static int lg_out_reserve(struct lg_conn *c, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t nc = c->out_cap ? c->out_cap * 2 : 1024;
        unsigned char *p;

        while (nc < c->out_len + n)
            nc *= 2;
        p = realloc(c->out, nc);
        if (!p)
            return -1;
        c->out = p;
        c->out_cap = nc;
    }
    return 0;
}

/* Appends one masked client frame to the connection's output. */
static int lg_queue_frame(struct loadgen *lg, struct lg_conn *c, unsigned opcode,
                          const void *payload, size_t len)
{
    unsigned char *p, mask[4];
    const unsigned char *src = payload;
    uint32_t m = (uint32_t)lg_rand(lg);

    if (lg_out_reserve(c, len + 14))
        return -1;
    p = c->out + c->out_len;
    *p++ = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        *p++ = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        *p++ = 0x80 | 126;
        *p++ = (unsigned char)(len >> 8);
        *p++ = (unsigned char)len;
    } else {
        *p++ = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            *p++ = (unsigned char)((uint64_t)len >> (8 * i));
    }
    memcpy(mask, &m, 4);
    memcpy(p, mask, 4);
    p += 4;
    for (size_t i = 0; i < len; i++)
        p[i] = src[i] ^ mask[i & 3];
    p += len;
    c->out_len = (size_t)(p - c->out);
    return 0;
}

static void lg_conn_close(struct loadgen *lg, struct lg_conn *c, int hard)
{
    if (c->state == LG_DEAD)
        return;
    if (c->state == LG_OPEN || c->state == LG_CLOSING)
        lg->nopen--;
    if (c->state == LG_CONNECTING || c->state == LG_HANDSHAKE)
        lg->pending_connects--;
    if (hard) {
        struct linger l = {1, 0};

        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    epoll_ctl(lg->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = LG_DEAD;
    free(c->pend);
    c->pend = NULL;
    c->pend_len = 0;
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_cap = 0;
    free(c->sent_ns);
    c->sent_ns = NULL;
}

static void lg_fail(struct loadgen *lg, struct lg_conn *c, uint64_t *counter)
{
    (*counter)++;
    if (c->state == LG_CONNECTING || c->state == LG_HANDSHAKE)
        lg->nfailed++;
    lg_conn_close(lg, c, 1);
}

static void lg_flush(struct loadgen *lg, struct lg_conn *c)
{
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                lg_set_events(lg, c, 1);
                return;
            }
            lg_fail(lg, c, &lg->st.err_closed);
            return;
        }
        if ((size_t)n < c->out_len)
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    lg_set_events(lg, c, 0);
    if (c->idle && c->out_cap > 4096) {
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
}

/* Sends as many messages as the in-flight window (and --rate) allow. */
static void lg_fill(struct loadgen *lg, struct lg_conn *c)
{
    uint64_t now = 0;

    if (!lg->sending || c->idle || c->state != LG_OPEN)
        return;
    while (c->inflight < (unsigned)lg->o.inflight) {
        size_t i = lg->next_payload;

        if (lg->o.rate > 0) {
            if (lg->tokens < 1.0)
                break;
            lg->tokens -= 1.0;
        }
        lg->next_payload = (i + 1) % lg->npayloads;
        if (lg_queue_frame(lg, c, 0x1, lg->payloads[i], lg->payload_len[i])) {
            lg_fail(lg, c, &lg->st.err_protocol);
            return;
        }
        if (!now)
            now = lg_now_ns();
        c->sent_ns[(c->ring_head + c->inflight) % (unsigned)lg->o.inflight] = now;
        c->inflight++;
    }
}

/* ---- connection input */

static int lg_header_value(const char *hdrs, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    const char *p = hdrs;

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            size_t n;

            while (*v == ' ' || *v == '\t')
                v++;
            e = strstr(v, "\r\n");
            if (!e)
                return -1;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            n = (size_t)(e - v);
            if (n >= outsz)
                return -1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 0;
        }
    }
    return -1;
}

/* Returns bytes consumed from buf (0 = need more), or -1 on a bad handshake. */
static long lg_parse_handshake(struct loadgen *lg, struct lg_conn *c, unsigned char *buf,
                               size_t len)
{
    char *end, val[128];
    size_t hlen;

    end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return len > LG_MAX_HANDSHAKE ? -1 : 0;
    hlen = (size_t)(end - (char *)buf) + 4;
    end[2] = '\0'; /* keep the last header's CRLF for lg_header_value */
    if (strncmp((char *)buf, "HTTP/1.1 101", 12))
        return -1;
    if (lg_header_value((char *)buf, "Sec-WebSocket-Accept", val, sizeof(val)) ||
        strcmp(val, c->key))
        return -1;
    if (lg->o.protocol[0] &&
        (lg_header_value((char *)buf, "Sec-WebSocket-Protocol", val, sizeof(val)) ||
         strcmp(val, lg->o.protocol)))
        return -1;
    c->state = LG_OPEN;
    lg->nopen++;
    lg->pending_connects--;
    return (long)hlen;
}

static void lg_on_reply(struct loadgen *lg, struct lg_conn *c, const unsigned char *p,
                        size_t len)
{
    uint64_t now;
    unsigned cap = (unsigned)lg->o.inflight;
    static const char err[] = "\"type\":\"error\"";
    size_t look = len < 48 ? len : 48;

    if (lg->o.print_replies > 0) {
        lg->o.print_replies--;
        fprintf(stderr, "reply: %.*s\n", (int)(len < 400 ? len : 400), (const char *)p);
    }
    if (c->idle || !c->inflight) {
        lg->st.unsolicited++;
        return;
    }
    now = lg_now_ns();
    if (lg->measuring) {
        uint64_t lat = now - c->sent_ns[c->ring_head];

        lg_hist_add(&lg->hist, lat);
        lg_hist_add(&lg->ihist, lat);
        lg->st.msgs++;
        lg->ist.msgs++;
        lg->st.bytes_in += len;
        if (memmem(p, look, err, sizeof(err) - 1)) {
            lg->st.error_replies++;
            lg->ist.error_replies++;
        }
    }
    c->ring_head = (c->ring_head + 1) % cap;
    c->inflight--;
}

/* Parses complete frames; returns bytes consumed or -1 (connection closed). */
static long lg_parse_frames(struct loadgen *lg, struct lg_conn *c, unsigned char *buf,
                            size_t len)
{
    size_t off = 0;

    while (len - off >= 2) {
        unsigned char *f = buf + off;
        unsigned fin = f[0] & 0x80, op = f[0] & 0x0F;
        uint64_t plen = f[1] & 0x7F;
        size_t hl = 2;

        if (f[1] & 0x80 || (f[0] & 0x70)) {
            lg_fail(lg, c, &lg->st.err_protocol); /* masked server frame or RSV */
            return -1;
        }
        if (plen == 126) {
            if (len - off < 4)
                break;
            plen = (uint64_t)f[2] << 8 | f[3];
            hl = 4;
        } else if (plen == 127) {
            if (len - off < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | f[2 + i];
            hl = 10;
        }
        if (plen > LG_SCRATCH - 16) {
            lg_fail(lg, c, &lg->st.err_protocol);
            return -1;
        }
        if (len - off < hl + plen)
            break;
        off += hl + (size_t)plen;
        switch (op) {
            case 0x0: /* continuation */
                if (!c->in_msg) {
                    lg_fail(lg, c, &lg->st.err_protocol);
                    return -1;
                }
                if (fin) {
                    c->in_msg = 0;
                    lg_on_reply(lg, c, f + hl, (size_t)plen);
                }
                break;
            case 0x1:
            case 0x2:
                if (fin)
                    lg_on_reply(lg, c, f + hl, (size_t)plen);
                else
                    c->in_msg = 1;
                break;
            case 0x9: /* ping -> pong with the same payload */
                lg->st.pings++;
                if (lg_queue_frame(lg, c, 0xA, f + hl, (size_t)plen)) {
                    lg_fail(lg, c, &lg->st.err_protocol);
                    return -1;
                }
                break;
            case 0xA:
                break;
            case 0x8: /* close: answer with the same code, then drop */
                if (c->state != LG_CLOSING) {
                    lg->st.err_closed++;
                    lg_queue_frame(lg, c, 0x8, f + hl, plen >= 2 ? 2 : 0);
                    lg_flush(lg, c);
                }
                lg_conn_close(lg, c, 1); /* RST: no TIME_WAIT left on our side */
                return -1;
            default:
                lg_fail(lg, c, &lg->st.err_protocol);
                return -1;
        }
    }
    return (long)off;
}

static void lg_on_readable(struct loadgen *lg, struct lg_conn *c)
{
    unsigned char *buf = lg->scratch;
    size_t have = c->pend_len;
    ssize_t n;
    long used;

    if (have)
        memcpy(buf, c->pend, have);
    for (;;) {
        n = recv(c->fd, buf + have, LG_SCRATCH - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        if (c->state == LG_HANDSHAKE)
            lg_fail(lg, c, &lg->st.err_handshake);
        else if (c->state == LG_CLOSING)
            lg_conn_close(lg, c, 0);
        else
            lg_fail(lg, c, &lg->st.err_closed);
        return;
    }
    if (n < 0)
        return;
    have += (size_t)n;

    used = 0;
    if (c->state == LG_HANDSHAKE) {
        used = lg_parse_handshake(lg, c, buf, have);
        if (used < 0) {
            lg_fail(lg, c, &lg->st.err_handshake);
            return;
        }
        if (used == 0)
            goto keep;
    }
    {
        long m = lg_parse_frames(lg, c, buf + used, have - (size_t)used);

        if (m < 0)
            return;
        used += m;
    }
    lg_fill(lg, c);
    if (c->state == LG_DEAD)
        return;
keep:
    have -= (size_t)used;
    if (have) {
        unsigned char *p = realloc(c->pend, have);

        if (!p) {
            lg_fail(lg, c, &lg->st.err_protocol);
            return;
        }
        memcpy(p, buf + used, have);
        c->pend = p;
    } else {
        free(c->pend);
        c->pend = NULL;
    }
    c->pend_len = have;
    lg_flush(lg, c);
}

static void lg_send_handshake(struct loadgen *lg, struct lg_conn *c)
{
    unsigned char raw[16], digest[20];
    char key[32], cat[96], req[1024];
    int n;

    for (int i = 0; i < 16; i += 8) {
        uint64_t r = lg_rand(lg);

        memcpy(raw + i, &r, 8);
    }
    lg_base64(raw, 16, key);
    snprintf(cat, sizeof(cat), "%s%s", key, LG_WS_GUID);
    lg_sha1(cat, strlen(cat), digest);
    lg_base64(digest, 20, c->key);
    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s%s%s%s%s%s\r\n",
                 lg->o.path, lg->o.host, lg->o.port, key,
                 lg->o.protocol[0] ? "Sec-WebSocket-Protocol: " : "", lg->o.protocol,
                 lg->o.protocol[0] ? "\r\n" : "", lg->o.origin ? "Origin: " : "",
                 lg->o.origin ? lg->o.origin : "", lg->o.origin ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof(req) || lg_out_reserve(c, (size_t)n)) {
        lg_fail(lg, c, &lg->st.err_handshake);
        return;
    }
    memcpy(c->out, req, (size_t)n);
    c->out_len = (size_t)n;
    c->state = LG_HANDSHAKE;
    lg_flush(lg, c);
}

static void lg_on_writable(struct loadgen *lg, struct lg_conn *c)
{
    if (c->state == LG_CONNECTING) {
        int err = 0;
        socklen_t sl = sizeof(err);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
            lg_fail(lg, c, &lg->st.err_connect);
            return;
        }
        lg_send_handshake(lg, c);
        return;
    }
    lg_flush(lg, c);
}

static int lg_start_connect(struct loadgen *lg, struct lg_conn *c)
{
    struct epoll_event ev;
    int one = 1;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fprintf(stderr, "loadgen: socket: %s\n", strerror(errno));
        c->state = LG_DEAD;
        lg->st.err_connect++;
        lg->nfailed++;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    lg->pending_connects++;
    c->state = LG_CONNECTING;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = (uint64_t)(c - lg->conns);
    c->want_out = 1;
    epoll_ctl(lg->ep, EPOLL_CTL_ADD, c->fd, &ev);
    if (connect(c->fd, (struct sockaddr *)&lg->addr, sizeof(lg->addr)) &&
        errno != EINPROGRESS) {
        lg_fail(lg, c, &lg->st.err_connect);
        return -1;
    }
    return 0;
}

/* ---- main loop */

static void lg_refill_rate(struct loadgen *lg)
{
    uint64_t now = lg_now_ns();
    long n = lg->o.connections;

    if (n <= 0)
        return;
    lg->tokens += lg->o.rate * (double)(now - lg->rate_t0) / 1e9;
    lg->rate_t0 = now;
    if (lg->tokens > lg->o.rate / 10 + 1)
        lg->tokens = lg->o.rate / 10 + 1; /* at most a 100 ms burst */
    for (long k = 0; k < n && lg->tokens >= 1.0; k++) {
        struct lg_conn *c = &lg->conns[lg->first_active + lg->rr];

        lg->rr = (lg->rr + 1) % n;
        if (c->state == LG_OPEN && c->inflight < (unsigned)lg->o.inflight) {
            lg_fill(lg, c);
            lg_flush(lg, c);
        }
    }
}

/* Runs the loop until `until_ns` (0 = until stop) or, when `until_open`, all are open. */
static void lg_run(struct loadgen *lg, uint64_t until_ns, int until_open)
{
    struct epoll_event evs[512];

    while (!lg_stop) {
        uint64_t now = lg_now_ns();
        int timeout = 100, n;

        /* keep a bounded number of connects + handshakes in progress */
        while (lg->next_to_open < lg->nconns && lg->pending_connects < 256)
            lg_start_connect(lg, &lg->conns[lg->next_to_open++]);
        if (until_open && lg->next_to_open == lg->nconns && lg->pending_connects == 0)
            return;
        if (until_ns && now >= until_ns)
            return;
        if (lg->o.rate > 0 && lg->sending) {
            lg_refill_rate(lg);
            timeout = 1;
        }
        if (until_ns && (until_ns - now) / 1000000 < (uint64_t)timeout)
            timeout = (int)((until_ns - now) / 1000000) + 1;
        n = epoll_wait(lg->ep, evs, 512, timeout);
        for (int i = 0; i < n; i++) {
            struct lg_conn *c = &lg->conns[evs[i].data.u64];

            if (c->state == LG_DEAD)
                continue;
            if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                if (c->state == LG_CONNECTING || (evs[i].events & EPOLLOUT))
                    lg_on_writable(lg, c);
                if (c->state == LG_DEAD)
                    continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                lg_on_readable(lg, c);
        }
    }
}

static void lg_print_interval(struct loadgen *lg, double t, double secs)
{
    uint64_t errs = lg->st.err_connect + lg->st.err_handshake + lg->st.err_closed +
                    lg->st.err_protocol + lg->st.error_replies;

    printf("INTERVAL t=%.0f msgs_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f open=%ld "
           "errors=%llu\n",
           t, (double)lg->ist.msgs / secs, lg_hist_pct_ms(&lg->ihist, 50),
           lg_hist_pct_ms(&lg->ihist, 99), (double)lg->ihist.max / 1e6, lg->nopen,
           (unsigned long long)errs);
    fflush(stdout);
    memset(&lg->ist, 0, sizeof(lg->ist));
    memset(&lg->ihist, 0, sizeof(lg->ihist));
}

static void lg_close_all(struct loadgen *lg)
{
    uint64_t deadline;

    /* polite close frames, then wait briefly for the server's answer */
    lg->sending = 0;
    lg->measuring = 0;
    for (long i = 0; i < lg->nconns; i++) {
        struct lg_conn *c = &lg->conns[i];
        static const unsigned char code[2] = {0x03, 0xE8}; /* 1000 */

        if (c->state == LG_OPEN) {
            c->state = LG_CLOSING;
            if (lg_queue_frame(lg, c, 0x8, code, 2) == 0)
                lg_flush(lg, c);
        } else if (c->state != LG_DEAD && c->state != LG_CLOSING) {
            lg_conn_close(lg, c, 1);
        }
    }
    deadline = lg_now_ns() + 2000000000ull;
    while (lg->nopen > 0 && lg_now_ns() < deadline && !lg_stop) {
        struct epoll_event evs[512];
        int n = epoll_wait(lg->ep, evs, 512, 50);

        for (int i = 0; i < n; i++) {
            struct lg_conn *c = &lg->conns[evs[i].data.u64];

            if (c->state == LG_DEAD)
                continue;
            if (evs[i].events & EPOLLOUT)
                lg_flush(lg, c);
            if (c->state != LG_DEAD && (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                lg_on_readable(lg, c);
        }
    }
    for (long i = 0; i < lg->nconns; i++)
        lg_conn_close(lg, &lg->conns[i], 1);
}

static void lg_usage(FILE *out)
{
    fprintf(
        out,
        "usage: loadgen [--host 127.0.0.1] --port N [--path /chat] [--protocol "
        "vigie.v1]\n"
        "               [--connections N] [--inflight D] [--duration T] [--warmup W]\n"
        "               [--questions FILE] [--idle M] [--rate R] [--report-every S]\n"
        "               [--text-bytes B] [--origin URL] [--connect-timeout S]\n"
        "               [--server-pid PID] [--print-replies N]\n"
        "       loadgen --port N --idle-only M [--hold T]\n"
        "Durations in seconds. --protocol '' sends no subprotocol. --text-bytes pads\n"
        "every question (repeated) to B bytes of text. --server-pid adds the server's\n"
        "CPU use during the measurement (from /proc) to the result.\n");
}

static int lg_parse_args(struct lg_opts *o, int argc, char **argv)
{
    o->host = "127.0.0.1";
    o->path = "/chat";
    o->protocol = "vigie.v1";
    o->port = -1;
    o->connections = 100;
    o->inflight = 1;
    o->duration = 10;
    o->warmup = 2;
    o->connect_timeout = 60;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        double d = 0;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            lg_usage(stdout);
            exit(0);
        }
        if (!v)
            goto bad;
        i++;
        if (!strcmp(a, "--host")) {
            o->host = v;
            continue;
        } else if (!strcmp(a, "--path")) {
            o->path = v;
            continue;
        } else if (!strcmp(a, "--protocol")) {
            o->protocol = v;
            continue;
        } else if (!strcmp(a, "--origin")) {
            o->origin = v;
            continue;
        } else if (!strcmp(a, "--questions")) {
            o->questions = v;
            continue;
        }
        errno = 0;
        d = strtod(v, &end);
        if (errno || end == v || *end || d < 0)
            goto bad;
        if (!strcmp(a, "--port") && d <= 65535)
            o->port = (int)d;
        else if (!strcmp(a, "--connections"))
            o->connections = (long)d;
        else if (!strcmp(a, "--inflight") && d >= 1)
            o->inflight = (long)d;
        else if (!strcmp(a, "--duration"))
            o->duration = d;
        else if (!strcmp(a, "--warmup"))
            o->warmup = d;
        else if (!strcmp(a, "--idle"))
            o->idle = (long)d;
        else if (!strcmp(a, "--idle-only"))
            o->idle_only = (long)d;
        else if (!strcmp(a, "--hold"))
            o->hold = d;
        else if (!strcmp(a, "--rate"))
            o->rate = d;
        else if (!strcmp(a, "--report-every"))
            o->report_every = d;
        else if (!strcmp(a, "--text-bytes"))
            o->text_bytes = (long)d;
        else if (!strcmp(a, "--connect-timeout"))
            o->connect_timeout = d;
        else if (!strcmp(a, "--print-replies"))
            o->print_replies = (long)d;
        else if (!strcmp(a, "--server-pid"))
            o->server_pid = (long)d;
        else
            goto bad;
    }
    if (o->port <= 0)
        goto bad;
    return 0;
bad:
    lg_usage(stderr);
    return -1;
}

static void lg_raise_nofile(long want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((long)rl.rlim_cur < want + 16)
        fprintf(stderr, "loadgen: warning: RLIMIT_NOFILE %llu < %ld connections\n",
                (unsigned long long)rl.rlim_cur, want);
}

int main(int argc, char **argv)
{
    struct loadgen *lg = calloc(1, sizeof(*lg));
    long nact, nidle;
    uint64_t t0, tend;
    double srv_cpu0, self_cpu0;
    int rc = 1;

    if (!lg)
        return 1;
    if (lg_parse_args(&lg->o, argc, argv))
        goto out;
    if (lg->o.idle_only) {
        nact = 0;
        nidle = lg->o.idle_only;
    } else {
        nact = lg->o.connections;
        nidle = lg->o.idle;
        if (lg_load_questions(lg))
            goto out;
    }
    lg->nconns = nact + nidle;
    lg->first_active = nidle;
    lg->o.connections = nact;
    lg->rng = lg_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
    signal(SIGINT, lg_on_signal);
    signal(SIGTERM, lg_on_signal);
    signal(SIGPIPE, SIG_IGN);
    lg_raise_nofile(lg->nconns);

    memset(&lg->addr, 0, sizeof(lg->addr));
    lg->addr.sin_family = AF_INET;
    lg->addr.sin_port = htons((uint16_t)lg->o.port);
    if (inet_pton(AF_INET, lg->o.host, &lg->addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: --host must be an IPv4 address\n");
        goto out;
    }
    lg->scratch = malloc(LG_SCRATCH);
    lg->conns = calloc((size_t)(lg->nconns ? lg->nconns : 1), sizeof(*lg->conns));
    lg->ep = epoll_create1(EPOLL_CLOEXEC);
    if (!lg->scratch || !lg->conns || lg->ep < 0)
        goto out;
    /* Idle connections first (they are the background), then the active ones. */
    for (long i = 0; i < lg->nconns; i++) {
        struct lg_conn *c = &lg->conns[i];

        c->fd = -1;
        c->state = LG_DEAD;
        c->idle = (unsigned char)(i < nidle);
    }
    /* the loop opens conns[next_to_open..]: re-mark them as not yet started */
    lg->next_to_open = 0;

    t0 = lg_now_ns();
    lg_run(lg, t0 + (uint64_t)(lg->o.connect_timeout * 1e9), 1);
    if (lg->nopen < lg->nconns) {
        fprintf(stderr, "loadgen: only %ld of %ld connections open after %.1f s\n",
                lg->nopen, lg->nconns, (double)(lg_now_ns() - t0) / 1e9);
        if (lg->nopen == 0 || lg_stop)
            goto report;
    }
    fprintf(stderr, "loadgen: %ld connections open (%ld active, %ld idle) in %.2f s\n",
            lg->nopen, nact, nidle, (double)(lg_now_ns() - t0) / 1e9);

    if (lg->o.idle_only) {
        fprintf(stderr, "holding %ld connections\n", lg->nopen);
        lg_run(lg, lg->o.hold > 0 ? lg_now_ns() + (uint64_t)(lg->o.hold * 1e9) : 0, 0);
        goto report;
    }

    for (long i = nidle; i < lg->nconns; i++) {
        struct lg_conn *c = &lg->conns[i];

        if (c->state != LG_OPEN)
            continue;
        c->sent_ns = calloc((size_t)lg->o.inflight, sizeof(uint64_t));
        if (!c->sent_ns) {
            lg_fail(lg, c, &lg->st.err_protocol);
            continue;
        }
    }
    lg->sending = 1;
    lg->rate_t0 = lg_now_ns();
    lg->measuring = 1; /* counted during warm-up too, then reset */
    for (long i = nidle; i < lg->nconns; i++) {
        lg_fill(lg, &lg->conns[i]);
        if (lg->conns[i].state != LG_DEAD)
            lg_flush(lg, &lg->conns[i]);
    }
    lg_run(lg, lg_now_ns() + (uint64_t)(lg->o.warmup * 1e9), 0);
    lg->st.msgs = lg->st.bytes_in = 0;
    memset(&lg->hist, 0, sizeof(lg->hist));
    memset(&lg->ist, 0, sizeof(lg->ist));
    memset(&lg->ihist, 0, sizeof(lg->ihist));
    fprintf(stderr, "loadgen: measuring for %.1f s\n", lg->o.duration);

    srv_cpu0 = lg->o.server_pid ? lg_proc_cpu(lg->o.server_pid) : -1;
    self_cpu0 = lg_proc_cpu(0);
    t0 = lg_now_ns();
    tend = t0 + (uint64_t)(lg->o.duration * 1e9);
    if (lg->o.report_every > 0) {
        uint64_t step = (uint64_t)(lg->o.report_every * 1e9), next = t0 + step;

        while (!lg_stop && next <= tend) {
            lg_run(lg, next, 0);
            lg_print_interval(lg, (double)(next - t0) / 1e9, lg->o.report_every);
            next += step;
        }
    }
    lg_run(lg, tend, 0);
    tend = lg_now_ns();
    lg->measuring = 0;

    {
        double secs = (double)(tend - t0) / 1e9;
        double srv = srv_cpu0 >= 0 ? lg_proc_cpu(lg->o.server_pid) - srv_cpu0 : -1;
        double self = lg_proc_cpu(0) - self_cpu0;
        double us = srv >= 0 && lg->st.msgs ? srv * 1e6 / (double)lg->st.msgs : -1;
        uint64_t errs = lg->st.err_connect + lg->st.err_handshake + lg->st.err_closed +
                        lg->st.err_protocol + lg->st.error_replies;

        fprintf(stderr,
                "loadgen: %ld active x %ld in flight, %ld idle, %.1f s: %llu replies, "
                "%.1f msg/s\n",
                nact, lg->o.inflight, nidle, secs, (unsigned long long)lg->st.msgs,
                (double)lg->st.msgs / secs);
        fprintf(stderr, "loadgen: latency ms p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
                lg_hist_pct_ms(&lg->hist, 50), lg_hist_pct_ms(&lg->hist, 90),
                lg_hist_pct_ms(&lg->hist, 99), (double)lg->hist.max / 1e6);
        if (srv >= 0)
            fprintf(
                stderr,
                "loadgen: server CPU %.0f%% (%.2f us per message), loadgen CPU %.0f%%\n",
                100 * srv / secs, us, 100 * self / secs);
        printf("RESULT connections=%ld inflight=%ld idle=%ld seconds=%.2f msgs=%llu "
               "msgs_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
               "errors=%llu server_cpu_pct=%.0f server_us_per_msg=%.2f "
               "loadgen_cpu_pct=%.0f\n",
               nact, lg->o.inflight, nidle, secs, (unsigned long long)lg->st.msgs,
               (double)lg->st.msgs / secs, lg_hist_pct_ms(&lg->hist, 50),
               lg_hist_pct_ms(&lg->hist, 90), lg_hist_pct_ms(&lg->hist, 99),
               (double)lg->hist.max / 1e6, (unsigned long long)errs,
               srv >= 0 ? 100 * srv / secs : -1, us, 100 * self / secs);
        fflush(stdout);
    }

report:
    fprintf(
        stderr,
        "loadgen: errors: connect %llu handshake %llu closed %llu protocol %llu "
        "error-replies %llu (unsolicited %llu, pings %llu)\n",
        (unsigned long long)lg->st.err_connect, (unsigned long long)lg->st.err_handshake,
        (unsigned long long)lg->st.err_closed, (unsigned long long)lg->st.err_protocol,
        (unsigned long long)lg->st.error_replies, (unsigned long long)lg->st.unsolicited,
        (unsigned long long)lg->st.pings);
    rc = (lg->st.err_connect || lg->st.err_handshake || lg->st.err_closed ||
          lg->st.err_protocol || lg->st.error_replies || lg->nopen < lg->nconns)
             ? 1
             : 0;
    if (lg->conns)
        lg_close_all(lg);
out:
    if (lg->ep > 0)
        close(lg->ep);
    for (size_t i = 0; i < lg->npayloads; i++)
        free(lg->payloads[i]);
    free(lg->payloads);
    free(lg->payload_len);
    free(lg->conns);
    free(lg->scratch);
    free(lg);
    return rc;
}
