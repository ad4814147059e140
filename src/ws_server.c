/*
 * ws_server.c - the libwebsockets glue: context and vhost, the chat protocol
 * (one struct session per WebSocket, replies queued and written one per
 * WRITEABLE callback), the /healthz and /metrics handlers, upgrade filters
 * (path, Origin, session limits), and the control descriptors adopted into
 * the event loop: a signalfd (SIGHUP reload, SIGTERM/SIGINT shutdown) and an
 * inotify watch on the intents folder. A reload builds and checks the new
 * catalogue on a helper thread, so the service thread never blocks; the
 * result comes back through lws_cancel_service().
 *
 * lws's per_vhost_data is our 'struct server' (one per process, reached from
 * the context's user pointer) and its per_session_data is 'struct session'.
 */
#define _GNU_SOURCE /* accept4 */
#include "ws_server.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "dialogue.h"
#include "error.h"
#include "intent.h"
#include "log.h"
#include "metrics.h"
#include "protocol.h"

#define WS_PROTOCOL              "vigie.v1"
#define WS_HTTP_PROTOCOL         "vigie-http"
#define WS_CTL_PROTOCOL          "vigie-ctl"
#define WS_CHAT_PATH             "/chat"
#define WS_CLOSE_TRY_AGAIN_LATER 1013 /* RFC 6455 registry: try again later */

/* rx_buffer_size: lws allocates this per established session, so it is kept
 * small (issue 6: memory per idle session); longer frames arrive in pieces
 * and are reassembled below. tx_packet_size lets a reply go out in one send. */
#define WS_RX_BUFFER          1024
#define WS_TX_PACKET          16384
#define WS_QUEUE_MAX          32  /* replies queued before we stop reading the client */
#define WS_QUEUE_HARD         128 /* queued replies that close the session at once */
#define WS_RELOAD_DEBOUNCE_US (300 * 1000)
#define WS_SHUTDOWN_GRACE_US  (2 * 1000 * 1000)
#define WS_MAX_DIAG_LOGGED    50

/* A queued outbound message: this header, then LWS_PRE bytes, then the JSON.
 * One allocation per reply (it is the proto_buf's memory, taken over, so it
 * is freed with alloc_free()). */
struct qnode {
    struct qnode *next;
    size_t len;   /* JSON bytes */
    uint64_t t0;  /* monotonic ns when the request was complete; 0 for none */
    uint64_t pad; /* keeps the header a multiple of 16 bytes */
};
#define WS_HEADROOM (sizeof(struct qnode) + LWS_PRE)

/* One of these is created (zeroed, by lws) for each client connecting to us. */
struct session {
    struct lws *wsi;
    struct session *prev, *next; /* every open session, for shutdown */
    unsigned addr_slot;          /* per-address counter (ws_shared.c) */
    uint64_t id;
    struct dialogue dlg; /* language and last intent */
    char *rx;            /* reassembly of a fragmented message, or NULL */
    size_t rx_len, rx_cap;
    bool rx_overflow; /* this message went over the limit: drop the rest */
    bool established;
    uint16_t close_code;   /* nonzero: close with it once the queue is written */
    const char *close_why; /* static reason text sent with close_code */
    struct qnode *q_head, *q_tail;
    unsigned q_len;
    bool paused;          /* reading stopped until the queue drains */
    uint64_t progress_ns; /* last reply written, or first one queued */
    uint64_t waiting_ns;  /* when the sweep first saw output waiting; 0 = none */
    bool killed;          /* the sweep closed it */
    double tokens;        /* rate limit token bucket */
    uint64_t refill_ns;
    unsigned strikes; /* messages refused in a row by the rate limit */
};

/* One per HTTP request to /healthz or /metrics. */
struct http_req {
    unsigned char *body; /* LWS_PRE + len bytes, owned */
    size_t len;
};

struct reload_state {
    pthread_mutex_t mu;
    pthread_t thread;
    bool running;  /* a helper thread exists (join it when finished) */
    bool finished; /* the helper thread has stored its result */
    bool pending;  /* another reload was asked for while running */
    struct intent_set *result;
    unsigned problems;
};

struct server {
    const struct config *cfg;
    struct lws_context *context;
    struct lws_vhost *vhost;
    struct intent_set *set; /* the catalogue being served, owned */
    time_t loaded_at;
    struct metrics *metrics;
    struct session *sessions;
    unsigned n_sessions;
    uint64_t next_id;
    int sig_fd, ino_fd, ino_wd;
    int listen_fd;            /* worker mode: our SO_REUSEPORT listener, else -1 */
    struct ws_shared *shared; /* counters shared with other workers */
    bool own_shared;          /* 'shared' was made here (one process) */
    int worker;               /* index of this worker, 0 with one process */
    lws_sorted_usec_list_t debounce_sul;
    lws_sorted_usec_list_t shutdown_sul;
    lws_sorted_usec_list_t stop_sul;
    lws_sorted_usec_list_t sweep_sul; /* closes sessions paused for too long */

    bool stopping;
    volatile int interrupted;
    struct reload_state rl;
    double rate_cap; /* token bucket capacity (2 x rate) */
};

static void ws_stop(struct server *srv);

static uint64_t ws_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct server *ws_server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* ---- per-address session counts: see ws_shared.c ---------------------- */

static void ws_peer_addr(struct lws *wsi, char *buf, size_t cap)
{
    buf[0] = '\0';
    lws_get_peer_simple(wsi, buf, cap);
    if (!buf[0])
        snprintf(buf, cap, "unknown");
}

/* ---- the session's outbound queue --------------------------------------- */

static void ws_queue_free(struct session *s)
{
    while (s->q_head) {
        struct qnode *n = s->q_head;
        s->q_head = n->next;
        alloc_free(n);
    }
    s->q_tail = NULL;
    s->q_len = 0;
}

/* A session is stalled when output waits for the client and none of it has
 * been written for --stall-timeout: replies in our queue, a close frame not
 * yet sent, or the rest of a reply lws holds because the socket was full
 * (lws_partial_buffered: our queue may then be empty, and WRITEABLE never
 * comes). Once a second such sessions are closed. Neither lws's timeouts nor
 * the idle policy would do it soon: while output is pending lws stops reading
 * and its ping cannot be sent, so only the idle hangup (120 s) would end it. */
static bool ws_stalled(struct session *s, uint64_t now, uint64_t limit)
{
    bool waiting = s->q_head || s->close_code || lws_partial_buffered(s->wsi);
    uint64_t since;

    if (!waiting || s->killed) {
        s->waiting_ns = 0;
        return false;
    }
    /* lws writes pongs and pings itself: a partial one starts the clock
     * when the sweep first sees it, not at our last reply. */
    if (!s->waiting_ns)
        s->waiting_ns = now;
    since = s->progress_ns > s->waiting_ns ? s->progress_ns : s->waiting_ns;
    return now - since > limit;
}

/* Gives up on a client's socket at once: lws may otherwise wait for its
 * unread replies to drain before it closes (with libuv we saw it wait
 * indefinitely). Linger 0 makes the close a reset that drops them; the
 * shutdown makes the socket readable (end of file), so the loop closes it. */
static void ws_abort_socket(struct lws *wsi)
{
    struct linger now = {1, 0};
    int fd = lws_get_socket_fd(wsi);

    if (fd < 0)
        return;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
    shutdown(fd, SHUT_RDWR);
}

static void ws_sweep_cb(lws_sorted_usec_list_t *sul)
{
    struct server *srv = lws_container_of(sul, struct server, sweep_sul);
    uint64_t limit = (uint64_t)srv->cfg->stall_timeout * 1000000000u, now = ws_now_ns();

    for (struct session *s = srv->sessions; s; s = s->next) {
        if (!ws_stalled(s, now, limit))
            continue;
        s->killed = true;
        metrics_add(srv->metrics, METRICS_CLOSED, "not_reading", NULL, 1);
        LOG_INFO("chat", "session closed id=%llu reason=not_reading queued=%u",
                 (unsigned long long)s->id, s->q_len);
        ws_abort_socket(s->wsi);
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    lws_sul_schedule(srv->context, 0, &srv->sweep_sul, ws_sweep_cb, 1000 * 1000);
}

/* Stops reading a client whose replies pile up. */
static void ws_pause(struct server *srv, struct session *s)
{
    (void)srv;
    s->paused = true;
    lws_rx_flow_control(s->wsi, 0);
}

static void ws_unpause(struct server *srv, struct session *s)
{
    (void)srv;
    if (!s->paused)
        return;
    s->paused = false;
    lws_rx_flow_control(s->wsi, 1);
}

static int ws_writeable(struct server *srv, struct session *s, struct lws *wsi);

/* Takes over 'b''s memory as a queued message. When WS_QUEUE_MAX replies
 * wait, reading from the client stops until half are written, and a client
 * that does not read them within --stall-timeout is closed. Returns 0,
 * or -1 when even the hard bound is reached (the caller closes the session). */
static int ws_enqueue(struct server *srv, struct session *s, struct proto_buf *b,
                      uint64_t t0)
{
    struct qnode *n;

    if (s->q_len >= WS_QUEUE_HARD) {
        proto_buf_cleanup(b);
        metrics_add(srv->metrics, METRICS_CLOSED, "queue_full", NULL, 1);
        return -1;
    }
    if (s->q_len + 1 >= WS_QUEUE_MAX && !s->paused && !s->close_code)
        ws_pause(srv, s);
    n = (struct qnode *)b->data;
    n->next = NULL;
    n->len = b->len;
    n->t0 = t0;
    if (!s->q_head)
        s->progress_ns = ws_now_ns();
    b->data = NULL;
    b->len = b->cap = 0;
    if (s->q_tail)
        s->q_tail->next = n;
    else
        s->q_head = n;
    s->q_tail = n;
    s->q_len++;
    /* The common case, one reply and nothing waiting: write it now.
     * Asking for a writeable callback instead costs two changes of the
     * poll set per message, and with libuv each change scans the events
     * of the current wake-up (quadratic with many busy connections).
     * lws_send_pipe_choked() would add a poll(2) per reply (2% of the
     * server's time): when the socket is full, lws_write() keeps what the
     * kernel did not take, and lws_partial_buffered() sends the next
     * replies to the queue until lws has written it. */
    if (s->q_len == 1 && !s->close_code && !lws_partial_buffered(s->wsi))
        return ws_writeable(srv, s, s->wsi) < 0 ? -1 : 0;
    lws_callback_on_writable(s->wsi);
    return 0;
}

static int ws_send_error(struct server *srv, struct session *s, enum proto_code code)
{
    struct proto_buf b;

    metrics_add(srv->metrics, METRICS_ERRORS, proto_code_name(code), NULL, 1);
    proto_buf_init(&b, WS_HEADROOM);
    if (proto_encode_error(&b, code, s->dlg.lang) != 0) {
        proto_buf_cleanup(&b);
        return -1;
    }
    return ws_enqueue(srv, s, &b, 0);
}

/* Closes the session from inside one of its callbacks: sets the close code
 * and reason; the caller then returns -1. Queued replies are dropped. */
static int ws_close(struct server *srv, struct lws *wsi, enum lws_close_status status,
                    const char *reason, const char *metric)
{
    lws_close_reason(wsi, status, (unsigned char *)(uintptr_t)reason, strlen(reason));
    metrics_add(srv->metrics, METRICS_CLOSED, metric, NULL, 1);
    return -1;
}

/* Closes the session once what is queued has been written (so an abusive
 * client still sees why); what it sends meanwhile is ignored. */
static void ws_close_later(struct server *srv, struct session *s, uint16_t code,
                           const char *why, const char *metric)
{
    if (s->close_code)
        return;
    s->close_code = code;
    s->close_why = why;
    if (!s->q_head)
        s->progress_ns = ws_now_ns();
    metrics_add(srv->metrics, METRICS_CLOSED, metric, NULL, 1);
    /* Keep reading (and discarding): closing a socket with unread input
     * makes the kernel send a reset, which can destroy the close frame. */
    ws_unpause(srv, s);
    lws_callback_on_writable(s->wsi);
}

/* ---- answering one complete message ------------------------------------- */

static bool ws_rate_ok(struct server *srv, struct session *s)
{
    uint64_t now;
    int rate = srv->cfg->rate_limit;

    if (rate <= 0)
        return true;
    now = ws_now_ns();
    s->tokens += (double)(now - s->refill_ns) * 1e-9 * rate;
    if (s->tokens > srv->rate_cap)
        s->tokens = srv->rate_cap;
    s->refill_ns = now;
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
        s->strikes = 0;
        return true;
    }
    s->strikes++;
    return false;
}

static void ws_log_unmatched(const struct reply *r, const char *text, size_t len)
{
    char red[256];

    log_redact(text, len, red, sizeof(red));
    LOG_INFO("unmatched", "lang=%s text=\"%s\"", lang_code(r->lang), red);
}

static enum proto_code ws_code_of(int rc)
{
    switch (rc) {
        case VIGIE_ETOOLONG:
            return PROTO_TOO_LONG;
        case VIGIE_EINVAL:
            return PROTO_EMPTY;
        case VIGIE_ENOENT:
            return PROTO_UNKNOWN_INTENT;
        case VIGIE_EUTF8:
            return PROTO_BAD_JSON;
        default:
            return PROTO_INTERNAL;
    }
}

/* Returns 0, or -1 to close the session. */
static int ws_handle_message(struct server *srv, struct session *s, const char *buf,
                             size_t len)
{
    struct proto_request req;
    struct reply reply;
    struct proto_buf b;
    enum proto_code code;
    uint64_t t0 = ws_now_ns();
    int rc;

    if (!ws_rate_ok(srv, s)) {
        unsigned abuse = (unsigned)srv->rate_cap * 2 + 10;
        if (s->strikes > abuse) {
            ws_close_later(srv, s, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                           "rate limit exceeded", "rate_limit");
            return 0;
        }
        return ws_send_error(srv, s, PROTO_RATE_LIMITED);
    }

    code = proto_decode(buf, len, (size_t)srv->cfg->max_message_bytes, &req);
    if (code != PROTO_OK)
        return ws_send_error(srv, s, code);

    memset(&reply, 0, sizeof(reply));
    switch (req.type) {
        case PROTO_HELLO:
            if (s->dlg.turns == 0)
                dialogue_init(&s->dlg, req.lang);
            else
                s->dlg.lang = req.lang;
            proto_request_cleanup(&req);
            return 0;
        case PROTO_MESSAGE:
            rc = dialogue_message(srv->set, &s->dlg, req.text, req.text_len, req.lang,
                                  &reply);
            break;
        case PROTO_SUGGESTION:
            rc = dialogue_suggestion(srv->set, &s->dlg, req.intent, &reply);
            break;
        default:
            rc = VIGIE_EINVAL;
            break;
    }
    if (rc != 0) {
        proto_request_cleanup(&req);
        return ws_send_error(srv, s, ws_code_of(rc));
    }

    /* The reply borrows from srv->set: encode it now. */
    proto_buf_init(&b, WS_HEADROOM);
    rc = proto_encode_reply(&b, &reply);
    if (rc == 0) {
        metrics_add(srv->metrics, METRICS_MESSAGES, reply.intent, lang_code(reply.lang),
                    1);
        if (strcmp(reply.intent, "fallback") == 0) {
            metrics_gauge_add(&srv->metrics->fallbacks[reply.lang == LANG_EN ? 1 : 0], 1);
            if (srv->cfg->log_unmatched && req.type == PROTO_MESSAGE)
                ws_log_unmatched(&reply, req.text, req.text_len);
        }
        LOG_DEBUG("chat", "reply session=%llu intent=%s lang=%s bytes=%zu",
                  (unsigned long long)s->id, reply.intent, lang_code(reply.lang), len);
    }
    proto_request_cleanup(&req);
    if (rc != 0) {
        proto_buf_cleanup(&b);
        return ws_send_error(srv, s, PROTO_INTERNAL);
    }
    return ws_enqueue(srv, s, &b, t0);
}

/* Largest frame we reassemble: the text limit, JSON-escaped at worst
 * (\uXXXX is 6 bytes per byte), plus room for the other members. */
static size_t ws_frame_cap(const struct server *srv)
{
    return (size_t)srv->cfg->max_message_bytes * 6 + 1024;
}

static void ws_rx_reset(struct session *s)
{
    free(s->rx);
    s->rx = NULL;
    s->rx_len = s->rx_cap = 0;
    s->rx_overflow = false;
}

static int ws_receive(struct server *srv, struct session *s, struct lws *wsi,
                      const char *in, size_t len)
{
    bool final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
    int rc;

    if (s->close_code)
        return 0;
    if (lws_frame_is_binary(wsi))
        return ws_close(srv, wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                        "binary frames are not supported: send JSON text", "binary");

    /* The common case: a whole message in one piece, no copy. */
    if (final && !s->rx && !s->rx_overflow)
        return ws_handle_message(srv, s, in, len);

    if (!s->rx && !s->rx_overflow) {
        /* A message in pieces must be finished in time, even by a client
         * that answers pings. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, srv->cfg->idle_timeout);
    }
    if (!s->rx_overflow) {
        if (s->rx_len + len > ws_frame_cap(srv)) {
            free(s->rx);
            s->rx = NULL;
            s->rx_len = s->rx_cap = 0;
            s->rx_overflow = true;
        } else {
            if (s->rx_len + len > s->rx_cap) {
                size_t cap = s->rx_cap ? s->rx_cap : 2048;
                char *p;

                while (cap < s->rx_len + len)
                    cap *= 2;
                p = realloc(s->rx, cap);
                if (!p)
                    return ws_close(srv, wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                                    "out of memory", "memory");
                s->rx = p;
                s->rx_cap = cap;
            }
            memcpy(s->rx + s->rx_len, in, len);
            s->rx_len += len;
        }
    }
    if (!final)
        return 0;
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    if (s->rx_overflow) {
        ws_rx_reset(s);
        if (!ws_rate_ok(srv, s))
            return ws_send_error(srv, s, PROTO_RATE_LIMITED);
        return ws_send_error(srv, s, PROTO_TOO_LONG);
    }
    rc = ws_handle_message(srv, s, s->rx, s->rx_len);
    ws_rx_reset(s);
    return rc;
}

/* ---- upgrade filter ----------------------------------------------------- */

static bool ws_origin_allowed(const struct config *cfg, struct lws *wsi)
{
    char origin[256];
    int n;

    if (cfg->n_origins == 0)
        return true;
    n = lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN);
    if (n <= 0)
        return false;
    for (int i = 0; i < cfg->n_origins; i++) {
        size_t l = strlen(cfg->origins[i]);
        /* An allowlist entry written with a trailing '/' still matches. */
        if (l > 0 && cfg->origins[i][l - 1] == '/')
            l--;
        if ((size_t)n == l && strncasecmp(origin, cfg->origins[i], l) == 0)
            return true;
    }
    return false;
}

/* Returns NULL to accept the upgrade, or the refusal reason. */
static const char *ws_filter(struct server *srv, struct lws *wsi, int *status)
{
    const struct config *cfg = srv->cfg;
    char uri[64], addr[64];
    int n;

    *status = HTTP_STATUS_FORBIDDEN;
    if (srv->stopping) {
        *status = HTTP_STATUS_SERVICE_UNAVAILABLE;
        return "stopping";
    }
    n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
    if (n <= 0 ||
        (strcmp(uri, WS_CHAT_PATH) != 0 && strcmp(uri, WS_CHAT_PATH "/") != 0)) {
        *status = HTTP_STATUS_NOT_FOUND;
        return "path";
    }
    if (!ws_origin_allowed(cfg, wsi))
        return "origin";
    /* The counts are shared by every worker: the limits are global. The
     * admission at ESTABLISHED re-checks them atomically. */
    if (cfg->max_sessions > 0 &&
        ws_shared_sessions(srv->shared) >= (unsigned long)cfg->max_sessions) {
        *status = HTTP_STATUS_SERVICE_UNAVAILABLE;
        return "max_sessions";
    }
    if (cfg->max_sessions_per_address > 0) {
        ws_peer_addr(wsi, addr, sizeof(addr));
        if (ws_shared_addr_count(srv->shared, ws_shared_slot(srv->shared, addr)) >=
            (unsigned long)cfg->max_sessions_per_address) {
            *status = HTTP_STATUS_SERVICE_UNAVAILABLE;
            return "max_sessions_per_address";
        }
    }
    return NULL;
}

static int ws_established(struct server *srv, struct session *s, struct lws *wsi)
{
    char addr[64];

    memset(s, 0, sizeof(*s));
    s->wsi = wsi;
    s->id = ++srv->next_id;
    dialogue_init(&s->dlg, LANG_NONE);
    s->tokens = srv->rate_cap;
    s->refill_ns = ws_now_ns();
    ws_peer_addr(wsi, addr, sizeof(addr));
    s->addr_slot = ws_shared_slot(srv->shared, addr);
    /* Another worker may have admitted a session since the upgrade filter
     * looked: this is the exact check. */
    if (ws_shared_admit(srv->shared, srv->worker, s->addr_slot,
                        (unsigned long)srv->cfg->max_sessions,
                        (unsigned long)srv->cfg->max_sessions_per_address) != 0) {
        /* The handshake is over: refuse with a close frame the client can
         * read (1013, try again later), never serving a message. */
        metrics_add(srv->metrics, METRICS_REFUSED, "limit_race", NULL, 1);
        s->close_code = WS_CLOSE_TRY_AGAIN_LATER;
        s->close_why = "too many sessions, try again later";
        lws_callback_on_writable(wsi);
        return 0;
    }
    s->established = true;
    s->next = srv->sessions;
    if (srv->sessions)
        srv->sessions->prev = s;
    srv->sessions = s;
    srv->n_sessions++;
    metrics_gauge_add(&srv->metrics->sessions_total, 1);
    LOG_DEBUG("chat", "session open id=%llu sessions=%u", (unsigned long long)s->id,
              srv->n_sessions);
    return 0;
}

static void ws_closed(struct server *srv, struct session *s)
{
    if (!s->established)
        return;
    s->established = false;
    ws_queue_free(s);
    ws_rx_reset(s);
    ws_shared_release(srv->shared, srv->worker, s->addr_slot);
    if (s->prev)
        s->prev->next = s->next;
    else
        srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    srv->n_sessions--;
    LOG_DEBUG("chat", "session closed id=%llu sessions=%u", (unsigned long long)s->id,
              srv->n_sessions);
    if (srv->stopping && srv->n_sessions == 0)
        ws_stop(srv);
}

static int ws_writeable(struct server *srv, struct session *s, struct lws *wsi)
{
    struct qnode *n = s->q_head;
    bool short_write;
    int m;

    if (!n) {
        if (s->close_code) {
            if (srv->cfg->event_loop != CONFIG_LOOP_POLL) {
                /* lws 4.1.6 with libuv closes without the close frame that
                 * lws_close_reason() asks for: write it ourselves (server
                 * frames are not masked), then close. */
                unsigned char frame[LWS_PRE + 127];
                size_t why = strlen(s->close_why);
                if (why > 123)
                    why = 123;
                frame[LWS_PRE] = 0x88; /* FIN, opcode close */
                frame[LWS_PRE + 1] = (unsigned char)(why + 2);
                frame[LWS_PRE + 2] = (unsigned char)(s->close_code >> 8);
                frame[LWS_PRE + 3] = (unsigned char)(s->close_code & 0xff);
                memcpy(frame + LWS_PRE + 4, s->close_why, why);
                lws_write(wsi, frame + LWS_PRE, why + 4, LWS_WRITE_RAW);
                return -1;
            }
            lws_close_reason(wsi, (enum lws_close_status)s->close_code,
                             (unsigned char *)(uintptr_t)s->close_why,
                             strlen(s->close_why));
            return -1;
        }
        return 0;
    }
    s->q_head = n->next;
    if (!s->q_head)
        s->q_tail = NULL;
    s->q_len--;
    m = lws_write(wsi, (unsigned char *)n + WS_HEADROOM, n->len, LWS_WRITE_TEXT);
    s->progress_ns = ws_now_ns();
    if (n->t0)
        metrics_observe_latency(srv->metrics, ws_now_ns() - n->t0);
    short_write = m < (int)n->len;
    alloc_free(n); /* a proto_buf's memory: alloc.h */
    if (short_write)
        return -1;
    if (s->paused && s->q_len <= WS_QUEUE_MAX / 2 && !s->close_code)
        ws_unpause(srv, s);
    if (s->q_head || s->close_code)
        lws_callback_on_writable(wsi);
    return 0;
}

static int ws_callback_chat(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                            void *in, size_t len)
{
    struct server *srv = ws_server_of(wsi);
    struct session *s = user;

    switch (reason) {
        case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
            /* Shutting down: accept nothing new. */
            return srv && srv->stopping ? -1 : 0;

        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
            int status;
            const char *why = ws_filter(srv, wsi, &status);

            if (!why)
                return 0;
            metrics_add(srv->metrics, METRICS_REFUSED, why, NULL, 1);
            LOG_INFO("chat", "upgrade refused reason=%s", why);
            return -1;
        }

        case LWS_CALLBACK_ESTABLISHED:
            return s ? ws_established(srv, s, wsi) : -1;

        case LWS_CALLBACK_RECEIVE:
            if (!s || !s->established)
                return -1;
            return ws_receive(srv, s, wsi, in, len);

        case LWS_CALLBACK_SERVER_WRITEABLE:
            if (s && !s->established && s->close_code)
                return ws_writeable(srv, s, wsi); /* refused after the handshake */
            if (!s || !s->established)
                return 0;
            return ws_writeable(srv, s, wsi);

        case LWS_CALLBACK_CLOSED:
            if (s)
                ws_closed(srv, s);
            return 0;

        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- /healthz and /metrics ---------------------------------------------- */

static char *ws_healthz(struct server *srv, size_t *len)
{
    char when[32], *out;
    struct tm tm;
    int n;

    gmtime_r(&srv->loaded_at, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    out = malloc(512);
    if (!out)
        return NULL;
    n = snprintf(out, 512,
                 "{\"status\":\"ok\",\"version\":\"%s\",\"loaded_at\":\"%s\","
                 "\"intents\":%zu,\"sessions\":%lu}\n",
                 intent_set_version(srv->set), when, intent_set_count(srv->set),
                 ws_shared_sessions(srv->shared));
    *len = (size_t)n < 512 ? (size_t)n : 511;
    return out;
}

static int ws_http_respond(struct lws *wsi, struct http_req *h, const char *ctype,
                           char *body, size_t len)
{
    unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start,
                                       *end = hdr + sizeof(hdr) - 1;

    if (!body)
        return lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL) ? -1
                                                                                    : 0;
    h->body = malloc(LWS_PRE + len);
    if (!h->body) {
        free(body);
        return -1;
    }
    memcpy(h->body + LWS_PRE, body, len);
    h->len = len;
    free(body);
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, ctype, (lws_filepos_t)len, &p,
                                    end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int ws_callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                            void *in, size_t len)
{
    struct server *srv = ws_server_of(wsi);
    struct http_req *h = user;
    char uri[64];
    size_t blen = 0;
    char *body;

    switch (reason) {
        case LWS_CALLBACK_HTTP:
            if (!h)
                return -1;
            if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
                return lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL)
                           ? -1
                           : 0;
            if (strcmp(uri, "/healthz") == 0) {
                body = ws_healthz(srv, &blen);
                return ws_http_respond(wsi, h, "application/json", body, blen);
            }
            if (strcmp(uri, "/metrics") == 0) {
                body = metrics_render(srv->metrics, &blen);
                return ws_http_respond(wsi, h, "text/plain; version=0.0.4; charset=utf-8",
                                       body, blen);
            }
            return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ? -1 : 0;

        case LWS_CALLBACK_HTTP_WRITEABLE: {
            int n;

            if (!h || !h->body)
                break;
            n = lws_write(wsi, h->body + LWS_PRE, h->len, LWS_WRITE_HTTP_FINAL);
            free(h->body);
            h->body = NULL;
            if (n < (int)h->len)
                return -1;
            if (lws_http_transaction_completed(wsi))
                return -1;
            return 0;
        }

        case LWS_CALLBACK_CLOSED_HTTP:
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
            if (h) {
                free(h->body);
                h->body = NULL;
            }
            break;

        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- reload ------------------------------------------------------------- */

static void ws_reload_diag_cb(void *ud, const struct diag *d)
{
    unsigned *count = ud;

    if ((*count)++ < WS_MAX_DIAG_LOGGED)
        LOG_ERROR("reload", "%s:%d:%d: %s", d->file, d->line, d->col, d->text);
}

static void *ws_reload_main(void *arg)
{
    struct server *srv = arg;
    unsigned problems = 0;
    struct intent_set *set =
        intent_set_load(srv->cfg->intents, ws_reload_diag_cb, &problems);

    if (set && intent_set_selftest(set, ws_reload_diag_cb, &problems) != 0) {
        intent_set_free(set);
        set = NULL;
    }
    if (set && dialogue_cache_size(set, (size_t)srv->cfg->answer_cache) < 0)
        LOG_WARN("reload", "no memory for an answer cache: serving without");
    if (!set && problems == 0)
        problems = 1;
    pthread_mutex_lock(&srv->rl.mu);
    srv->rl.result = set;
    srv->rl.problems = problems;
    srv->rl.finished = true;
    pthread_mutex_unlock(&srv->rl.mu);
    lws_cancel_service(srv->context);
    return NULL;
}

static void ws_reload_start(struct server *srv, const char *why)
{
    if (srv->stopping)
        return;
    if (srv->rl.running) {
        srv->rl.pending = true;
        return;
    }
    LOG_INFO("reload", "start trigger=%s", why);
    srv->rl.finished = false;
    srv->rl.result = NULL;
    if (pthread_create(&srv->rl.thread, NULL, ws_reload_main, srv) != 0) {
        LOG_ERROR("reload", "cannot start the reload thread");
        metrics_gauge_add(&srv->metrics->reloads_failed, 1);
        return;
    }
    srv->rl.running = true;
}

/* On the service thread, after the helper thread signalled. */
static void ws_reload_collect(struct server *srv)
{
    struct intent_set *set;
    unsigned problems;
    bool finished;

    if (!srv->rl.running)
        return;
    pthread_mutex_lock(&srv->rl.mu);
    finished = srv->rl.finished;
    set = srv->rl.result;
    problems = srv->rl.problems;
    srv->rl.result = NULL;
    pthread_mutex_unlock(&srv->rl.mu);
    if (!finished)
        return;
    pthread_join(srv->rl.thread, NULL);
    srv->rl.running = false;
    if (set) {
        /* Every reply is encoded inside its callback, so nothing borrows
         * from the old set any more: it can go now. */
        intent_set_free(srv->set);
#ifdef __GLIBC__
        /* The new set was built on the reload thread's malloc arena and the
         * old one freed back to its own: without a trim, the freed pages
         * stay resident (425 MB after four reloads of a 174 MB process). */
        malloc_trim(0);
#endif
        srv->set = set;
        srv->loaded_at = time(NULL);
        metrics_gauge_add(&srv->metrics->reloads_ok, 1);
        metrics_gauge_set(&srv->metrics->catalogue_intents, intent_set_count(set));
        metrics_gauge_set(&srv->metrics->catalogue_loaded, (uint64_t)srv->loaded_at);
        LOG_INFO("reload", "ok version=%s intents=%zu", intent_set_version(set),
                 intent_set_count(set));
    } else {
        metrics_gauge_add(&srv->metrics->reloads_failed, 1);
        LOG_ERROR("reload", "failed problems=%u; still serving version=%s", problems,
                  intent_set_version(srv->set));
    }
    if (srv->rl.pending) {
        srv->rl.pending = false;
        ws_reload_start(srv, "queued");
    }
}

static void ws_debounce_cb(lws_sorted_usec_list_t *sul)
{
    struct server *srv = lws_container_of(sul, struct server, debounce_sul);

    ws_reload_start(srv, "inotify");
}

/* ---- shutdown ----------------------------------------------------------- */

static void ws_stop_cb(lws_sorted_usec_list_t *sul)
{
    struct server *srv = lws_container_of(sul, struct server, stop_sul);

    /* With an event library lws_service() runs the loop until the context
     * is destroyed; a timer callback is outside every wsi, so it is safe. */
    lws_context_destroy(srv->context);
}

/* Ends the service loop (no session is left, or the grace time is over). */
static void ws_stop(struct server *srv)
{
    srv->interrupted = 1;
    if (srv->cfg->event_loop != CONFIG_LOOP_POLL)
        lws_sul_schedule(srv->context, 0, &srv->stop_sul, ws_stop_cb, 1);
    else
        lws_cancel_service(srv->context);
}

static void ws_shutdown_deadline_cb(lws_sorted_usec_list_t *sul)
{
    struct server *srv = lws_container_of(sul, struct server, shutdown_sul);

    ws_stop(srv);
}

static void ws_shutdown_begin(struct server *srv, int signo)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    LOG_INFO("server", "stopping signal=%d sessions=%u", signo, srv->n_sessions);
    lws_sul_cancel(&srv->debounce_sul);
    for (struct session *s = srv->sessions; s; s = s->next)
        ws_close_later(srv, s, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down",
                       "shutdown");
    if (srv->n_sessions == 0)
        ws_stop(srv);
    else
        lws_sul_schedule(srv->context, 0, &srv->shutdown_sul, ws_shutdown_deadline_cb,
                         WS_SHUTDOWN_GRACE_US);
}

/* ---- control descriptors: signalfd and inotify -------------------------- */

/* The event libraries install their own signal watchers (libuv: SIGINT,
 * SIGTERM, SIGHUP) and call this instead; lws gives it no user pointer. */
static struct server *ws_signal_server;

static void ws_eventlib_signal_cb(void *handle, int signo)
{
    (void)handle;
    if (!ws_signal_server)
        return;
    if (signo == SIGHUP)
        ws_reload_start(ws_signal_server, "SIGHUP");
    else if (signo == SIGTERM || signo == SIGINT)
        ws_shutdown_begin(ws_signal_server, signo);
}

static void ws_read_signals(struct server *srv)
{
    struct signalfd_siginfo si;

    while (read(srv->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP)
            ws_reload_start(srv, "SIGHUP");
        else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
            ws_shutdown_begin(srv, (int)si.ssi_signo);
    }
}

static bool ws_is_intent_file(const char *name)
{
    size_t n = strlen(name);

    return n > 5 && strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

static void ws_read_inotify(struct server *srv)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    bool relevant = false;

    while ((n = read(srv->ino_fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;

            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
                LOG_WARN("reload", "the intents folder was moved or deleted: "
                                   "automatic reload stopped (SIGHUP still works)");
            else if (ev->len && ws_is_intent_file(ev->name))
                relevant = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (relevant && !srv->stopping)
        lws_sul_schedule(srv->context, 0, &srv->debounce_sul, ws_debounce_cb,
                         WS_RELOAD_DEBOUNCE_US);
}

/* Worker mode: accepts what is waiting on our listener and hands each
 * connection to lws as if its own listener had accepted it. */
static void ws_accept(struct server *srv)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
            return;
        if (srv->stopping) {
            close(fd);
            continue;
        }
        /* lws sets TCP_NODELAY on what its own listener accepts, not on an
         * adopted socket: without it, a reply written while an earlier one
         * is unacknowledged waits for the client's delayed ACK (Nagle). */
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)) != 0)
            LOG_WARN("server", "TCP_NODELAY: %s", strerror(errno));
        /* On failure lws closes the descriptor itself. */
        if (!lws_adopt_socket_vhost(srv->vhost, fd))
            LOG_WARN("server", "could not adopt an accepted connection");
    }
}

static int ws_callback_ctl(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                           void *in, size_t len)
{
    struct server *srv = ws_server_of(wsi);

    (void)user;
    (void)in;
    (void)len;
    switch (reason) {
        case LWS_CALLBACK_RAW_RX_FILE:
            if (lws_get_socket_fd(wsi) == srv->sig_fd)
                ws_read_signals(srv);
            else if (lws_get_socket_fd(wsi) == srv->listen_fd)
                ws_accept(srv);
            else
                ws_read_inotify(srv);
            break;
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            if (srv)
                ws_reload_collect(srv);
            break;
        default:
            break;
    }
    return 0;
}

/* ---- setup -------------------------------------------------------------- */

static const struct lws_protocols ws_protocols[] = {
    {WS_PROTOCOL, ws_callback_chat, sizeof(struct session), WS_RX_BUFFER, 0, NULL,
     WS_TX_PACKET},
    {WS_HTTP_PROTOCOL, ws_callback_http, sizeof(struct http_req), 0, 0, NULL, 0},
    {WS_CTL_PROTOCOL, ws_callback_ctl, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void ws_lws_log_cb(int level, const char *line)
{
    enum log_level lv = LOG_LEVEL_DEBUG;

    if (level & LLL_ERR)
        lv = LOG_LEVEL_ERROR;
    else if (level & LLL_WARN)
        lv = LOG_LEVEL_WARN;
    else if (level & LLL_NOTICE)
        lv = LOG_LEVEL_INFO;
    log_write_raw(lv, "lws", line);
}

static int ws_lws_log_mask(int level)
{
    switch (level) {
        case LOG_LEVEL_ERROR:
            return LLL_ERR;
        case LOG_LEVEL_WARN:
            return LLL_ERR | LLL_WARN;
        case LOG_LEVEL_INFO:
            /* lws's notices are mostly start-up chatter: keep them for debug. */
            return LLL_ERR | LLL_WARN;
        default:
            return LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO;
    }
}

static int ws_adopt_fd(struct server *srv, int fd)
{
    lws_sock_file_fd_type u;

    u.filefd = (lws_filefd_type)(intptr_t)fd;
    if (!lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, u,
                                    WS_CTL_PROTOCOL, NULL)) {
        LOG_ERROR("server", "cannot watch descriptor %d", fd);
        return -1;
    }
    return 0;
}

static int ws_watch_intents(struct server *srv)
{
    srv->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (srv->ino_fd < 0) {
        LOG_WARN("reload", "inotify unavailable (%s): reload on SIGHUP only",
                 strerror(errno));
        return 0;
    }
    srv->ino_wd =
        inotify_add_watch(srv->ino_fd, srv->cfg->intents,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (srv->ino_wd < 0) {
        LOG_WARN("reload", "cannot watch the intents folder (%s): reload on SIGHUP only",
                 strerror(errno));
        close(srv->ino_fd);
        srv->ino_fd = -1;
        return 0;
    }
    if (ws_adopt_fd(srv, srv->ino_fd) != 0) {
        close(srv->ino_fd);
        srv->ino_fd = -1;
    }
    return 0;
}

int ws_server_serve(const struct config *cfg, struct intent_set *set, int listen_fd,
                    struct ws_shared *shared, int worker)
{
    static const struct lws_protocol_vhost_options mime_json = {NULL, NULL, ".json",
                                                                "application/json"};
    static const struct lws_protocol_vhost_options mime_manifest = {
        &mime_json, NULL, ".webmanifest", "application/manifest+json"};
    static const struct lws_protocol_vhost_options hdr_csp = {
        NULL, NULL, "content-security-policy:",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"};
    static const struct lws_protocol_vhost_options hdr_nosniff = {
        &hdr_csp, NULL, "x-content-type-options:", "nosniff"};
    static const struct lws_protocol_vhost_options hdr_referrer = {
        &hdr_nosniff, NULL, "referrer-policy:", "no-referrer"};
    static const struct lws_protocol_vhost_options hdr_frame = {
        &hdr_referrer, NULL, "x-frame-options:", "SAMEORIGIN"};
    static const struct lws_protocol_vhost_options hdr_perm = {
        &hdr_frame, NULL, "permissions-policy:",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()"};
    struct lws_http_mount mount_metrics, mount_healthz, mount_web;
    struct lws_context_creation_info info;
    lws_retry_bo_t retry;
    struct server *srv = NULL;
    sigset_t mask;
    int rc = 1, port;

    srv = calloc(1, sizeof(*srv));
    if (!srv) {
        intent_set_free(set);
        return 1;
    }
    srv->cfg = cfg;
    srv->set = set;
    alloc_install_json(); /* proto_decode tells OOM from bad JSON through alloc.h */
    srv->loaded_at = time(NULL);
    srv->sig_fd = srv->ino_fd = srv->ino_wd = -1;
    srv->listen_fd = listen_fd;
    srv->rate_cap = cfg->rate_limit > 0 ? 2.0 * cfg->rate_limit : 0;
    pthread_mutex_init(&srv->rl.mu, NULL);
    srv->worker = worker;
    srv->shared = shared;
    if (!srv->shared) {
        srv->shared = ws_shared_create(1);
        if (!srv->shared)
            goto fail;
        srv->own_shared = true;
        srv->worker = 0;
    }
    srv->metrics = ws_shared_metrics(srv->shared);
    metrics_gauge_set(&srv->metrics->catalogue_intents, intent_set_count(set));
    metrics_gauge_set(&srv->metrics->catalogue_loaded, (uint64_t)srv->loaded_at);

    /* Signals are read from a descriptor in the event loop, never handled
     * asynchronously; blocked before any thread starts so all inherit it. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    srv->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (srv->sig_fd < 0) {
        LOG_ERROR("server", "signalfd: %s", strerror(errno));
        goto fail;
    }

    lws_set_log_level(ws_lws_log_mask(cfg->log_level), ws_lws_log_cb);

    memset(&mount_web, 0, sizeof(mount_web));
    mount_web.mountpoint = "/";
    mount_web.mountpoint_len = 1;
    mount_web.origin = cfg->web;
    mount_web.def = "index.html";
    mount_web.origin_protocol = LWSMPRO_FILE;
    mount_web.extra_mimetypes = &mime_manifest;
    mount_web.cache_max_age = 300;
    mount_web.cache_reusable = 1;
    mount_web.cache_revalidate = 1;

    memset(&mount_healthz, 0, sizeof(mount_healthz));
    mount_healthz.mount_next = &mount_web;
    mount_healthz.mountpoint = "/healthz";
    mount_healthz.mountpoint_len = 8;
    mount_healthz.origin = WS_HTTP_PROTOCOL;
    mount_healthz.origin_protocol = LWSMPRO_CALLBACK;

    mount_metrics = mount_healthz;
    mount_metrics.mount_next = &mount_healthz;
    mount_metrics.mountpoint = "/metrics";
    mount_metrics.mountpoint_len = 8;

    memset(&retry, 0, sizeof(retry));
    retry.secs_since_valid_ping = (uint16_t)(cfg->idle_timeout / 2);
    retry.secs_since_valid_hangup = (uint16_t)cfg->idle_timeout;

    memset(&info, 0, sizeof(info));
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (cfg->tls_cert)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (cfg->event_loop == CONFIG_LOOP_UV)
        info.options |=
            LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
    info.user = srv;
    ws_signal_server = srv;
    info.signal_cb = ws_eventlib_signal_cb;
    info.timeout_secs = (unsigned)cfg->handshake_timeout;
    info.retry_and_idle_policy = &retry;
    srv->context = lws_create_context(&info);
    if (!srv->context) {
        if (cfg->event_loop == CONFIG_LOOP_UV)
            LOG_ERROR("server", "cannot create the libwebsockets context with libuv: is "
                                "the libwebsockets-evlib-uv package installed? "
                                "(--event-loop poll needs none)");
        else
            LOG_ERROR("server", "cannot create the libwebsockets context");
        goto fail;
    }

    /* A worker serves the sockets it accepts itself (see ws_workers.c). */
    info.port = listen_fd >= 0 ? CONTEXT_PORT_NO_LISTEN_SERVER : cfg->port;
    info.iface = cfg->host;
    info.protocols = ws_protocols;
    info.mounts = &mount_metrics;
    info.headers = &hdr_perm;
    info.keepalive_timeout = cfg->handshake_timeout;
    info.vhost_name = "vigie";
    info.server_string = "vigie";
    info.ssl_cert_filepath = cfg->tls_cert;
    info.ssl_private_key_filepath = cfg->tls_key;
    srv->vhost = lws_create_vhost(srv->context, &info);
    if (!srv->vhost) {
        LOG_ERROR("server", "cannot listen on %s:%d", cfg->host, cfg->port);
        goto fail;
    }
    if (ws_adopt_fd(srv, srv->sig_fd) != 0)
        goto fail;
    if (listen_fd >= 0 && ws_adopt_fd(srv, listen_fd) != 0)
        goto fail;
    ws_watch_intents(srv);
    lws_sul_schedule(srv->context, 0, &srv->sweep_sul, ws_sweep_cb, 1000 * 1000);

    LOG_INFO("server", "catalogue version=%s intents=%zu", intent_set_version(srv->set),
             intent_set_count(srv->set));
    if (listen_fd < 0) {
        port = lws_get_vhost_listen_port(srv->vhost);
        LOG_INFO("server", "listening on %s://%s:%d", cfg->tls_cert ? "https" : "http",
                 strchr(cfg->host, ':') ? "[::]" : cfg->host, port);
    } else {
        LOG_INFO("server", "worker ready");
    }

    while (!srv->interrupted)
        if (lws_service(srv->context, 0) < 0)
            break;
    rc = 0;
    LOG_INFO("server", "stopped");

fail:
    if (srv->rl.running) {
        pthread_join(srv->rl.thread, NULL);
        intent_set_free(srv->rl.result);
    }
    if (srv->context)
        lws_context_destroy(srv->context);
    if (srv->ino_fd >= 0)
        close(srv->ino_fd);
    if (srv->sig_fd >= 0)
        close(srv->sig_fd);
    intent_set_free(srv->set);
    if (srv->own_shared)
        ws_shared_destroy(srv->shared);
    ws_signal_server = NULL;
    pthread_mutex_destroy(&srv->rl.mu);
    free(srv);
    return rc;
}

int ws_server_run(const struct config *cfg, struct intent_set *set)
{
    return ws_server_serve(cfg, set, -1, NULL, 0);
}
