/*
 * config.h - the server's options: one struct with its defaults, filled from
 * VIGIE_* environment variables and then from the command line (which wins).
 *
 * Every option is a row of one table in config.c; --help is generated from
 * that table, so the two cannot drift. Strings in 'struct config' are
 * borrowed from argv or the environment, which outlive the process's use.
 */
#ifndef VIGIE_CONFIG_H
#define VIGIE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define CONFIG_MAX_ORIGINS 16

enum config_loop { CONFIG_LOOP_POLL = 0, CONFIG_LOOP_UV = 1 };

struct config {
    const char *host;             /* listen address; default 127.0.0.1 */
    int port;                     /* TCP port; 0 = the kernel picks one */
    const char *intents;          /* intent folder */
    const char *web;              /* static files folder */
    int max_message_bytes;        /* longest "text" accepted, in bytes */
    int rate_limit;               /* messages per second per session; 0 = off */
    int max_sessions;             /* WebSocket sessions in total; 0 = no limit */
    int max_sessions_per_address; /* sessions per client address; 0 = no limit */
    int handshake_timeout;        /* seconds to finish the HTTP request / upgrade */
    int idle_timeout;             /* seconds of silence before a session is closed */
    int stall_timeout; /* seconds a session's replies may wait unread before it is closed
                        */
    const char *origins[CONFIG_MAX_ORIGINS]; /* --allow-origin values */
    int n_origins;                           /* 0 = any Origin (or none) accepted */
    const char *tls_cert;                    /* PEM certificate; NULL = plain HTTP */
    const char *tls_key;                     /* PEM private key */
    int log_level;                           /* enum log_level */
    bool log_unmatched; /* organizer opt-in: log redacted unmatched questions */
    int workers;        /* processes sharing the port */
    int event_loop;     /* enum config_loop */
    int answer_cache;   /* recent answers kept per worker (answer_cache.h); 0 = none */
};

enum config_result {
    CONFIG_RUN = 0,       /* options are valid: serve */
    CONFIG_EXIT_OK = 1,   /* --help or --version was printed: exit 0 */
    CONFIG_EXIT_USAGE = 2 /* an error and the usage line were printed: exit 2 */
};

/* Fills 'cfg' with the defaults. */
void config_defaults(struct config *cfg);

/* Applies the environment (VIGIE_*) then argv (argv[0] is the program name)
 * on top of the defaults. Messages go to 'err' (stderr in the program);
 * --help and --version go to 'out'. */
enum config_result config_parse(struct config *cfg, int argc, char **argv, FILE *out,
                                FILE *err);

/* Prints the usage text generated from the option table. */
void config_usage(FILE *out);

#endif
