/*
 * echo.c - the bare libwebsockets echo server: the ceiling vigie is measured
 * against.
 *
 * One service thread, one vhost, one protocol callback that sends every
 * complete message back unchanged, in order, as text (or binary if it came as
 * binary). Messages are queued per session and written one per
 * LWS_CALLBACK_SERVER_WRITEABLE, following lws's "queue, request writable,
 * write once" rule; reading pauses (rx flow control) while a session has
 * ECHO_QUEUE_HIGH replies queued.
 *
 * The protocol is registered under "vigie.v1" (also protocols[0], so a client
 * sending no Sec-WebSocket-Protocol gets it too) and "echo": libwebsockets
 * 4.1.6 refuses a subprotocol name it does not know, so the names vigie's
 * clients use are the ones listed here.
 *
 * Options: --port N (0 = the kernel picks), --loop poll|uv|ev, --rx-buffer N,
 * --host ADDR. When ready it prints "listening on http://HOST:PORT" and the
 * event loop in use on stderr. SIGINT stops it (SIGTERM too, except with ev).
 *
 * Ownership: each queued message is malloc'd here and freed after it is
 * written or when its session closes; the per-session struct is lws's.
 */
#include <libwebsockets.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_QUEUE_HIGH 64
#define ECHO_QUEUE_LOW  8

struct echo_msg {
    struct echo_msg *next;
    size_t len;
    int binary;
    unsigned char buf[]; /* LWS_PRE + len */
};

/* Kept small on purpose: it is allocated for every session, idle or not. */
struct echo_session {
    struct echo_msg *head;
    struct echo_msg *tail;
    unsigned char *part; /* message being reassembled, LWS_PRE + part_len */
    size_t part_len;
    unsigned queued;
    unsigned paused;
};

static struct lws_context *echo_context;
static volatile sig_atomic_t echo_interrupted;
static int echo_evlib; /* 0 = poll */

static void echo_session_free(struct echo_session *s)
{
    while (s->head) {
        struct echo_msg *m = s->head;
        s->head = m->next;
        free(m);
    }
    s->tail = NULL;
    s->queued = 0;
    free(s->part);
    s->part = NULL;
    s->part_len = 0;
}

static int echo_receive(struct lws *wsi, struct echo_session *s, const void *in,
                        size_t len)
{
    struct echo_msg *m;

    if (!lws_is_final_fragment(wsi) || s->part) {
        unsigned char *p = realloc(s->part, LWS_PRE + s->part_len + len);

        if (!p)
            return -1;
        s->part = p;
        if (len)
            memcpy(p + LWS_PRE + s->part_len, in, len);
        s->part_len += len;
        if (!lws_is_final_fragment(wsi))
            return 0;
        in = s->part + LWS_PRE;
        len = s->part_len;
    }

    m = malloc(sizeof(*m) + LWS_PRE + len);
    if (!m)
        return -1;
    m->next = NULL;
    m->len = len;
    m->binary = lws_frame_is_binary(wsi);
    if (len)
        memcpy(m->buf + LWS_PRE, in, len);
    free(s->part);
    s->part = NULL;
    s->part_len = 0;

    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued++;
    if (s->queued >= ECHO_QUEUE_HIGH && !s->paused) {
        s->paused = 1;
        lws_rx_flow_control(wsi, 0);
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int echo_writeable(struct lws *wsi, struct echo_session *s)
{
    struct echo_msg *m = s->head;
    int n;

    if (!m)
        return 0;
    n = lws_write(wsi, m->buf + LWS_PRE, m->len,
                  m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (n < (int)m->len)
        return -1;
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    s->queued--;
    free(m);
    if (s->paused && s->queued <= ECHO_QUEUE_LOW) {
        s->paused = 0;
        lws_rx_flow_control(wsi, 1);
    }
    if (s->head)
        lws_callback_on_writable(wsi);
    return 0;
}

static int echo_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                         void *in, size_t len)
{
    struct echo_session *s = user;

    switch (reason) {
        case LWS_CALLBACK_ESTABLISHED:
            memset(s, 0, sizeof(*s));
            break;
        case LWS_CALLBACK_RECEIVE:
            return echo_receive(wsi, s, in, len);
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return echo_writeable(wsi, s);
        case LWS_CALLBACK_CLOSED:
            echo_session_free(s);
            break;
        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Filled in main() because rx_buffer_size comes from the command line. */
static struct lws_protocols echo_protocols[] = {
    {"vigie.v1", echo_callback, sizeof(struct echo_session), 0, 0, NULL, 0},
    {"echo", echo_callback, sizeof(struct echo_session), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void echo_on_signal(int sig)
{
    (void)sig;
    echo_interrupted = 1;
    if (echo_context)
        lws_cancel_service(echo_context);
}

/* Event-library mode: lws runs the signal watchers and calls this. */
static void echo_evlib_signal(void *handle, int signum)
{
    (void)handle;
    (void)signum;
    echo_interrupted = 1;
    lws_context_destroy(echo_context);
}

/* The event-lib plugins are dlopen()ed: report which one is really mapped. */
static int echo_plugin_loaded(const char *needle)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        if (strstr(line, needle))
            found = 1;
    fclose(f);
    return found;
}

static void echo_usage(FILE *out)
{
    fprintf(out,
            "usage: echo [--host ADDR] [--port N] [--loop poll|uv|ev] [--rx-buffer N]\n");
}

static int echo_parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    const char *loop = "poll", *host = "127.0.0.1";
    struct lws_vhost *vh;
    long port = 7681, rx = 0;
    int n = 0;

    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            echo_usage(stdout);
            return 0;
        }
        if (!v)
            goto bad;
        if (!strcmp(a, "--port")) {
            if (echo_parse_int(v, 0, 65535, &port))
                goto bad;
        } else if (!strcmp(a, "--rx-buffer")) {
            if (echo_parse_int(v, 0, 1 << 20, &rx))
                goto bad;
        } else if (!strcmp(a, "--loop")) {
            loop = v;
        } else if (!strcmp(a, "--host")) {
            host = v;
        } else {
            goto bad;
        }
    }

    for (size_t i = 0; echo_protocols[i].name; i++)
        echo_protocols[i].rx_buffer_size = (size_t)rx;

    memset(&info, 0, sizeof(info));
    info.port = (int)port;
    info.iface = host;
    info.protocols = echo_protocols;
    info.pcontext = &echo_context;
    info.vhost_name = "echo";
    if (!strcmp(loop, "uv")) {
        info.options |=
            LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
        echo_evlib = 1;
    } else if (!strcmp(loop, "ev")) {
        info.options |= LWS_SERVER_OPTION_LIBEV;
        echo_evlib = 1;
    } else if (strcmp(loop, "poll")) {
        goto bad;
    }
    if (echo_evlib) {
        /* lws installs the watchers (libev: SIGINT only, so stop it with SIGINT). */
        info.signal_cb = echo_evlib_signal;
    } else {
        signal(SIGINT, echo_on_signal);
        signal(SIGTERM, echo_on_signal);
    }
    signal(SIGPIPE, SIG_IGN);

    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    echo_context = lws_create_context(&info);
    if (!echo_context) {
        fprintf(stderr, "echo: cannot create the context (loop %s)\n", loop);
        return 1;
    }
    if (echo_evlib) {
        const char *so = !strcmp(loop, "uv") ? "evlib_uv" : "evlib_ev";

        if (!echo_plugin_loaded(so)) {
            fprintf(stderr, "echo: event-lib plugin %s is not loaded\n", so);
            lws_context_destroy(echo_context);
            return 1;
        }
    }
    vh = lws_get_vhost_by_name(echo_context, "echo");
    fprintf(stderr, "echo: loop %s, rx_buffer %ld\n", loop, rx);
    fprintf(stderr, "listening on http://%s:%d\n", host,
            vh ? lws_get_vhost_listen_port(vh) : -1);

    if (echo_evlib) {
        /* lws_service() runs the library's loop until it is stopped. */
        while (!echo_interrupted && !lws_service(echo_context, 0))
            ;
    } else {
        while (n >= 0 && !echo_interrupted)
            n = lws_service(echo_context, 0);
    }
    lws_context_destroy(echo_context);
    return 0;

bad:
    echo_usage(stderr);
    return 2;
}
