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

/* ---- state shared by worker processes (ws_shared.c) ---------------------
 * One block: the metrics, the sessions open per worker, and per-address
 * session counts (WS_ADDR_SLOTS counters per worker, indexed by a keyed hash
 * of the address; two addresses share a counter with probability
 * 1/WS_ADDR_SLOTS, which can only refuse early). Made before fork, so every
 * worker sees the same block; with one process it is simply private. */
#define WS_WORKERS_MAX 64
#define WS_ADDR_SLOTS  32768

struct ws_shared;

/* Maps a zeroed block for 'n_workers' (1..WS_WORKERS_MAX); NULL on failure.
 * Owned by the caller: ws_shared_destroy(). */
struct ws_shared *ws_shared_create(int n_workers);
void ws_shared_destroy(struct ws_shared *sh);
struct metrics *ws_shared_metrics(struct ws_shared *sh);

/* The counter slot of a client address (its text form). */
unsigned ws_shared_slot(const struct ws_shared *sh, const char *addr);

/* Sessions open from addresses of 'slot', and in total, over every worker. */
unsigned long ws_shared_addr_count(const struct ws_shared *sh, unsigned slot);
unsigned long ws_shared_sessions(const struct ws_shared *sh);

/* Counts a new session of 'worker' from 'slot'. Returns 0, or -1 (nothing
 * counted) when that would exceed 'max_total' or 'max_per_addr' (0 = no
 * limit) over all workers. ws_shared_release() undoes a successful admit. */
int ws_shared_admit(struct ws_shared *sh, int worker, unsigned slot,
                    unsigned long max_total, unsigned long max_per_addr);
void ws_shared_release(struct ws_shared *sh, int worker, unsigned slot);

/* The parent, after reaping a dead worker: drops every session it held. */
void ws_shared_forget_worker(struct ws_shared *sh, int worker);

/* The same as ws_server_run, for worker 'worker' (0-based) of a --workers
 * set: serves the connections it accepts on 'listen_fd' (a listening socket
 * it owns, shared with other workers through SO_REUSEPORT) and counts into
 * 'shared' (borrowed). Logs "worker ready" instead of the listening line. */
int ws_server_serve(const struct config *cfg, struct intent_set *set, int listen_fd,
                    struct ws_shared *shared, int worker);

/* --workers N > 1: binds N SO_REUSEPORT listeners on the port, forks one
 * worker per listener, forwards SIGHUP and SIGTERM to them, restarts a worker
 * that dies, and returns 0 once all have stopped after SIGTERM. Owns 'set'. */
int ws_workers_run(const struct config *cfg, struct intent_set *set);

#endif
