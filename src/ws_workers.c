/*
 * ws_workers.c - --workers N: several processes serving one port.
 *
 * Debian's libwebsockets has one service thread per context and its
 * listen-share option does nothing, so the parent binds N listening sockets
 * with SO_REUSEPORT itself (the kernel spreads new connections over them),
 * forks one worker per socket, and each worker adopts what it accepts into its
 * own lws context (ws_server_serve). Counters and session limits live in
 * shared memory (ws_shared.c), so any worker's /metrics and /healthz show the
 * sum and --max-sessions / --max-sessions-per-address hold over all workers. The parent
 * only supervises: it forwards SIGHUP (all reload together) and SIGTERM, and restarts a
 * worker that dies.
 */
#define _GNU_SOURCE /* SO_REUSEPORT, MAP_ANONYMOUS */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "intent.h"
#include "log.h"
#include "metrics.h"
#include "ws_server.h"

struct worker {
    pid_t pid;
    int fd; /* its listening socket */
};

/* Binds one SO_REUSEPORT listener on host:port. Returns the fd or -1. */
static int ws_workers_listen(const char *host, int port)
{
    struct addrinfo hints, *res = NULL;
    char service[16];
    int fd = -1, one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(host, service, &hints, &res) != 0 || !res)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int ws_workers_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static pid_t ws_workers_spawn(const struct config *cfg, struct intent_set *set,
                              struct worker *w, int n, int i, struct ws_shared *shared,
                              int sfd)
{
    pid_t parent = getpid(), pid = fork();

    if (pid != 0)
        return pid;
    /* The child: keep only its own listener; signals stay blocked and are
     * read by the worker's own signalfd. It stops if the parent dies (also
     * if that happened before prctl: then it has a new parent already). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(0);
    for (int k = 0; k < n; k++)
        if (k != i)
            close(w[k].fd);
    close(sfd);
    {
        char tag[16];
        snprintf(tag, sizeof(tag), "w%d", i + 1);
        log_set_tag(tag);
    }
    _exit(ws_server_serve(cfg, set, w[i].fd, shared, i));
}

int ws_workers_run(const struct config *cfg, struct intent_set *set)
{
    struct worker w[WS_WORKERS_MAX];
    struct ws_shared *shared;
    sigset_t mask;
    int n = cfg->workers > WS_WORKERS_MAX ? WS_WORKERS_MAX : cfg->workers;
    int port = cfg->port, sfd = -1, rc = 1, alive = 0;
    bool stopping = false;

    memset(w, 0, sizeof(w));
    for (int i = 0; i < n; i++)
        w[i].fd = -1;
    shared = ws_shared_create(n);
    if (!shared) {
        LOG_ERROR("workers", "cannot share the counters: %s", strerror(errno));
        intent_set_free(set);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        w[i].fd = ws_workers_listen(cfg->host, port);
        if (w[i].fd < 0) {
            LOG_ERROR("workers", "cannot listen on %s:%d: %s", cfg->host, port,
                      strerror(errno));
            goto out;
        }
        if (i == 0)
            port = ws_workers_port(w[0].fd); /* --port 0: the others share it */
    }

    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0)
        goto out;

    for (int i = 0; i < n; i++) {
        w[i].pid = ws_workers_spawn(cfg, set, w, n, i, shared, sfd);
        if (w[i].pid < 0) {
            LOG_ERROR("workers", "fork: %s", strerror(errno));
            stopping = true;
            break;
        }
        alive++;
    }
    /* The sockets listen already: connections wait in the kernel until a
     * worker's loop accepts them, so the port is ready now. */
    if (!stopping)
        LOG_INFO("server", "listening on %s://%s:%d workers=%d",
                 cfg->tls_cert ? "https" : "http",
                 strchr(cfg->host, ':') ? "[::]" : cfg->host, port, n);
    else
        for (int i = 0; i < n; i++)
            if (w[i].pid > 0)
                kill(w[i].pid, SIGTERM);

    rc = 0;
    while (alive > 0) {
        struct signalfd_siginfo si;
        pid_t pid;
        int status;

        if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si)) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (si.ssi_signo == SIGHUP) {
            for (int i = 0; i < n; i++)
                if (w[i].pid > 0)
                    kill(w[i].pid, SIGHUP);
        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            if (!stopping)
                LOG_INFO("workers", "stopping signal=%d", (int)si.ssi_signo);
            stopping = true;
            for (int i = 0; i < n; i++)
                if (w[i].pid > 0)
                    kill(w[i].pid, SIGTERM);
        }
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (int i = 0; i < n; i++) {
                if (w[i].pid != pid)
                    continue;
                w[i].pid = 0;
                alive--;
                /* Its sessions are gone: so are their counts. */
                ws_shared_forget_worker(shared, i);
                if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !stopping) {
                    /* It could not start (bad TLS files, ...): restarting
                     * would fail the same way. */
                    LOG_ERROR("workers", "worker %d could not start: stopping", i + 1);
                    stopping = true;
                    rc = 1;
                    for (int k = 0; k < n; k++)
                        if (w[k].pid > 0)
                            kill(w[k].pid, SIGTERM);
                }
                if (stopping)
                    break;
                LOG_ERROR("workers", "worker %d died (status %d): restarting", i + 1,
                          status);
                w[i].pid = ws_workers_spawn(cfg, set, w, n, i, shared, sfd);
                if (w[i].pid > 0)
                    alive++;
                else
                    w[i].pid = 0;
            }
        }
    }
    LOG_INFO("server", "stopped");
out:
    if (sfd >= 0)
        close(sfd);
    for (int i = 0; i < n; i++)
        if (w[i].fd >= 0)
            close(w[i].fd);
    ws_shared_destroy(shared);
    intent_set_free(set);
    return rc;
}
