/*
 * ws_server.h - the libwebsockets side of vigie: one HTTP + WebSocket port
 * serving the widget (web/), the chat (/chat, subprotocol vigie.v1),
 * /healthz and /metrics, with catalogue reloads on SIGHUP and on changes in
 * the intents folder. The only module (with its ws_*.c siblings) that
 * includes libwebsockets.h.
 */
#ifndef VIGIE_WS_SERVER_H
#define VIGIE_WS_SERVER_H

struct config;
struct intent_set;

/* Serves until SIGTERM or SIGINT, then closes every session with 1001 and
 * returns 0. 'set' is the loaded catalogue: the server owns it from now on
 * (it is freed on reload and at exit, also on failure). 'cfg' is borrowed for
 * the call. Returns 1 when the server could not start (port taken, bad TLS
 * files, ...), after logging why. */
int ws_server_run(const struct config *cfg, struct intent_set *set);

struct metrics;

/* The same, for one worker process: serves the connections it accepts on
 * 'listen_fd' (a listening socket it owns, shared with other workers through
 * SO_REUSEPORT) and counts into 'shared' (memory shared by every worker).
 * Logs "worker ready" instead of the listening line. */
int ws_server_serve(const struct config *cfg, struct intent_set *set, int listen_fd,
                    struct metrics *shared);

/* --workers N > 1: binds N SO_REUSEPORT listeners on the port, forks one
 * worker per listener, forwards SIGHUP and SIGTERM to them, restarts a worker
 * that dies, and returns 0 once all have stopped after SIGTERM. Owns 'set'. */
int ws_workers_run(const struct config *cfg, struct intent_set *set);

#endif
