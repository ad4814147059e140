/*
 * config.c - the option table, defaults, environment twins, getopt_long
 * parsing, range checks and the generated --help text.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "build_config.h"
#include "dialogue.h"
#include "log.h"

enum config_kind { KIND_INT, KIND_STR, KIND_BOOL, KIND_LIST, KIND_LEVEL, KIND_LOOP };

struct config_option {
    const char *name; /* long option; the environment twin is VIGIE_<NAME> */
    enum config_kind kind;
    size_t offset;   /* field in struct config */
    long min, max;   /* range for KIND_INT */
    const char *arg; /* argument name in --help, NULL for flags */
    const char *help;
};

#define FIELD(f) offsetof(struct config, f)

static const struct config_option config_table[] = {
    {"host", KIND_STR, FIELD(host), 0, 0, "ADDR", "address to listen on"},
    {"port", KIND_INT, FIELD(port), 0, 65535, "N", "TCP port; 0 lets the kernel choose"},
    {"intents", KIND_STR, FIELD(intents), 0, 0, "DIR", "intent files folder"},
    {"web", KIND_STR, FIELD(web), 0, 0, "DIR", "widget and demo page folder"},
    {"max-message-bytes", KIND_INT, FIELD(max_message_bytes), 16, 65536, "N",
     "longest visitor message, in bytes (error too_long above)"},
    {"rate-limit", KIND_INT, FIELD(rate_limit), 0, 100000, "N",
     "messages per second per session, bursts of 2N; 0 turns it off"},
    {"max-sessions", KIND_INT, FIELD(max_sessions), 0, 1000000, "N",
     "WebSocket sessions in total; 0 = no limit"},
    {"max-sessions-per-address", KIND_INT, FIELD(max_sessions_per_address), 0, 1000000,
     "N", "sessions per client address; 0 = no limit"},
    {"handshake-timeout", KIND_INT, FIELD(handshake_timeout), 1, 3600, "SECS",
     "time allowed for an HTTP request or WebSocket upgrade"},
    {"idle-timeout", KIND_INT, FIELD(idle_timeout), 2, 86400, "SECS",
     "a silent session is pinged after SECS/2 and closed after SECS"},
    {"stall-timeout", KIND_INT, FIELD(stall_timeout), 1, 3600, "SECS",
     "a session whose replies wait unread by the client for SECS is closed"},
    {"allow-origin", KIND_LIST, FIELD(origins), 0, 0, "ORIGIN",
     "accept the chat only from this Origin (repeatable; environment: comma list)"},
    {"tls-cert", KIND_STR, FIELD(tls_cert), 0, 0, "FILE",
     "PEM certificate (enables TLS)"},
    {"tls-key", KIND_STR, FIELD(tls_key), 0, 0, "FILE", "PEM private key"},
    {"log-level", KIND_LEVEL, FIELD(log_level), 0, 0, "LEVEL",
     "error, warn, info or debug"},
    {"log-unmatched", KIND_BOOL, FIELD(log_unmatched), 0, 0, NULL,
     "log unmatched questions, digits and e-mails redacted (organizer opt-in)"},
    {"workers", KIND_INT, FIELD(workers), 1, 64, "N",
     "processes serving the port, each with its own catalogue (default: one per core)"},
    {"event-loop", KIND_LOOP, FIELD(event_loop), 0, 0, "LOOP",
     "uv (default: libuv, epoll; idle sessions cost nothing) or poll (poll(2))"},
    {"answer-cache", KIND_INT, FIELD(answer_cache), 0, 1048576, "N",
     "answers to recent messages kept per worker, by hash, no text (default 4096; 0 = "
     "off)"},
};

#define CONFIG_N_OPTIONS   (sizeof(config_table) / sizeof(config_table[0]))
#define CONFIG_OPT_HELP    1000
#define CONFIG_OPT_VERSION 1001

static const char *const config_loop_names[] = {"poll", "uv"};

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = "127.0.0.1";
    cfg->port = 8080;
    cfg->intents = VIGIE_DEFAULT_INTENTS;
    cfg->web = VIGIE_DEFAULT_WEB;
    cfg->max_message_bytes = 2048;
    cfg->rate_limit = 5;
    cfg->max_sessions = 10000;
    cfg->max_sessions_per_address = 64;
    cfg->handshake_timeout = 10;
    cfg->idle_timeout = 120;
    cfg->stall_timeout = 10;
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->log_unmatched = false;
    /* One worker per core: this lws build serves from one thread. */
    {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
    }
    /* libuv: with poll(2) every wake-up scans every session, and 10,000
     * idle ones cut throughput to a tenth (README, Performance). */
    cfg->event_loop = CONFIG_LOOP_UV;
    cfg->answer_cache = DIALOGUE_CACHE_ENTRIES;
}

/* "max-sessions" -> "VIGIE_MAX_SESSIONS". */
static void config_env_name(const char *name, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "VIGIE_");

    for (; *name && o + 1 < cap; name++)
        out[o++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
    out[o] = '\0';
}

static void config_default_text(const struct config *d, const struct config_option *opt,
                                char *out, size_t cap)
{
    const char *base = (const char *)d + opt->offset;

    out[0] = '\0';
    switch (opt->kind) {
        case KIND_INT:
            snprintf(out, cap, "%d", *(const int *)base);
            break;
        case KIND_STR: {
            const char *s = *(const char *const *)base;
            if (s)
                snprintf(out, cap, "%s", s);
            break;
        }
        case KIND_BOOL:
            snprintf(out, cap, "%s", *(const bool *)base ? "on" : "off");
            break;
        case KIND_LEVEL:
            snprintf(out, cap, "%s",
                     log_level_name((enum log_level) * (const int *)base));
            break;
        case KIND_LOOP:
            snprintf(out, cap, "%s", config_loop_names[*(const int *)base]);
            break;
        case KIND_LIST:
            snprintf(out, cap, "any");
            break;
    }
}

void config_usage(FILE *out)
{
    struct config d;

    config_defaults(&d);
    fprintf(out, "usage: vigie [OPTIONS]              serve the chat and the widget\n"
                 "       vigie check [--list] [DIR]   validate intent files\n"
                 "       vigie ask TEXT               answer one question\n"
                 "       vigie classify               JSON lines in, JSON lines out\n"
                 "\nOptions (each also read from the environment variable shown):\n");
    for (size_t i = 0; i < CONFIG_N_OPTIONS; i++) {
        const struct config_option *opt = &config_table[i];
        char env[64], def[256], left[64];

        config_env_name(opt->name, env, sizeof(env));
        config_default_text(&d, opt, def, sizeof(def));
        snprintf(left, sizeof(left), "--%s%s%s", opt->name, opt->arg ? " " : "",
                 opt->arg ? opt->arg : "");
        fprintf(out, "  %-32s %s\n  %-32s [%s", left, opt->help, "", env);
        if (def[0])
            fprintf(out, ", default %s", def);
        if (opt->kind == KIND_INT)
            fprintf(out, ", %ld..%ld", opt->min, opt->max);
        fprintf(out, "]\n");
    }
    fprintf(out, "  %-32s %s\n  %-32s %s\n", "--help", "print this help and exit",
            "--version", "print the version and exit");
}

static int config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int config_add_origin(struct config *cfg, const char *origin, const char *src,
                             FILE *err)
{
    if (cfg->n_origins >= CONFIG_MAX_ORIGINS) {
        fprintf(err, "vigie: %s: at most %d origins\n", src, CONFIG_MAX_ORIGINS);
        return -1;
    }
    if (strncmp(origin, "http://", 7) != 0 && strncmp(origin, "https://", 8) != 0) {
        fprintf(err, "vigie: %s: '%s' is not an origin like https://example.org\n", src,
                origin);
        return -1;
    }
    cfg->origins[cfg->n_origins++] = origin;
    return 0;
}

/* Sets one option from its text value. 'src' names where it came from, for
 * the message ("--port" or "VIGIE_PORT"). 'from_env' makes a list option a
 * comma-separated list; environment strings are never modified, so a list
 * from the environment is split into a private copy. */
static int config_set(struct config *cfg, const struct config_option *opt,
                      const char *val, const char *src, int from_env, FILE *err)
{
    char *base = (char *)cfg + opt->offset;

    switch (opt->kind) {
        case KIND_INT: {
            char *end;
            long v;

            errno = 0;
            v = strtol(val, &end, 10);
            if (errno || end == val || *end || v < opt->min || v > opt->max) {
                fprintf(err, "vigie: %s: '%s' is not an integer in %ld..%ld\n", src, val,
                        opt->min, opt->max);
                return -1;
            }
            *(int *)base = (int)v;
            return 0;
        }
        case KIND_STR:
            if (!val[0]) {
                fprintf(err, "vigie: %s: empty value\n", src);
                return -1;
            }
            *(const char **)base = val;
            return 0;
        case KIND_BOOL:
            if (config_parse_bool(val, (bool *)base) != 0) {
                fprintf(err,
                        "vigie: %s: '%s' is not one of 1/0, true/false, yes/no, on/off\n",
                        src, val);
                return -1;
            }
            return 0;
        case KIND_LEVEL: {
            enum log_level lv;
            if (log_level_parse(val, &lv) != 0) {
                fprintf(err, "vigie: %s: '%s' is not one of error, warn, info, debug\n",
                        src, val);
                return -1;
            }
            *(int *)base = (int)lv;
            return 0;
        }
        case KIND_LOOP:
            for (int i = 0; i < 2; i++) {
                if (strcmp(val, config_loop_names[i]) == 0) {
                    *(int *)base = i;
                    return 0;
                }
            }
            fprintf(err, "vigie: %s: '%s' is not one of poll, uv\n", src, val);
            return -1;
        case KIND_LIST:
            if (!from_env)
                return config_add_origin(cfg, val, src, err);
            {
                /* The copy lives as long as the process (environment
                 * values are borrowed the same way); one per process. */
                static char envlist[4096];
                char *save = NULL, *tok;

                snprintf(envlist, sizeof(envlist), "%s", val);
                for (tok = strtok_r(envlist, ", ", &save); tok;
                     tok = strtok_r(NULL, ", ", &save))
                    if (config_add_origin(cfg, tok, src, err) != 0)
                        return -1;
            }
            return 0;
    }
    return -1;
}

static enum config_result config_fail(FILE *err)
{
    fprintf(err, "usage: vigie [OPTIONS] | check | ask | classify  (vigie --help)\n");
    return CONFIG_EXIT_USAGE;
}

enum config_result config_parse(struct config *cfg, int argc, char **argv, FILE *out,
                                FILE *err)
{
    struct option longopts[CONFIG_N_OPTIONS + 3];
    int cli_origins = 0;
    int c;

    config_defaults(cfg);
    for (size_t i = 0; i < CONFIG_N_OPTIONS; i++) {
        char env[64];
        const char *val;

        config_env_name(config_table[i].name, env, sizeof(env));
        val = getenv(env);
        if (val && config_set(cfg, &config_table[i], val, env, 1, err) != 0)
            return config_fail(err);
    }

    for (size_t i = 0; i < CONFIG_N_OPTIONS; i++) {
        longopts[i].name = config_table[i].name;
        longopts[i].has_arg =
            config_table[i].kind == KIND_BOOL ? optional_argument : required_argument;
        longopts[i].flag = NULL;
        longopts[i].val = (int)i + 1;
    }
    longopts[CONFIG_N_OPTIONS] =
        (struct option){"help", no_argument, NULL, CONFIG_OPT_HELP};
    longopts[CONFIG_N_OPTIONS + 1] =
        (struct option){"version", no_argument, NULL, CONFIG_OPT_VERSION};
    longopts[CONFIG_N_OPTIONS + 2] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        const struct config_option *opt;
        char src[80];

        if (c == CONFIG_OPT_HELP || c == 'h') {
            config_usage(out);
            return CONFIG_EXIT_OK;
        }
        if (c == CONFIG_OPT_VERSION) {
            fprintf(out, "vigie %s\n", VIGIE_VERSION);
            return CONFIG_EXIT_OK;
        }
        if (c < 1 || c > (int)CONFIG_N_OPTIONS) {
            if (optopt >= 1 && optopt <= (int)CONFIG_N_OPTIONS)
                fprintf(err, "vigie: option --%s needs a value\n",
                        config_table[optopt - 1].name);
            else
                fprintf(err, "vigie: unknown option '%s'\n", argv[optind - 1]);
            return config_fail(err);
        }
        opt = &config_table[c - 1];
        snprintf(src, sizeof(src), "--%s", opt->name);
        if (opt->kind == KIND_LIST && cli_origins++ == 0)
            cfg->n_origins = 0; /* the command line replaces the environment's list */
        if (config_set(cfg, opt, optarg ? optarg : "1", src, 0, err) != 0)
            return config_fail(err);
    }
    if (optind < argc) {
        fprintf(err, "vigie: unexpected argument '%s'\n", argv[optind]);
        return config_fail(err);
    }
    if (!cfg->tls_cert != !cfg->tls_key) {
        fprintf(err, "vigie: --tls-cert and --tls-key go together\n");
        return config_fail(err);
    }
    return CONFIG_RUN;
}
