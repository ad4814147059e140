/*
 * main.c - entry point: the organizer subcommands (check, ask, classify), or
 * by default the server: parse options, load and check the catalogue, serve.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dialogue.h"
#include "intent.h"
#include "log.h"
#include "ws_server.h"

static void main_diag_cb(void *ud, const struct diag *d)
{
    unsigned *count = ud;

    if ((*count)++ < 50)
        LOG_ERROR("intents", "%s:%d:%d: %s", d->file, d->line, d->col, d->text);
}

static int main_serve(int argc, char **argv)
{
    struct config cfg;
    struct intent_set *set;
    unsigned problems = 0;

    switch (config_parse(&cfg, argc, argv, stdout, stderr)) {
        case CONFIG_RUN:
            break;
        case CONFIG_EXIT_OK:
            return 0;
        default:
            return 2;
    }
    log_set_level((enum log_level)cfg.log_level);

    set = intent_set_load(cfg.intents, main_diag_cb, &problems);
    if (!set) {
        LOG_ERROR("intents", "cannot load %s (%u problems): not starting", cfg.intents,
                  problems);
        return 1;
    }
    /* With no previous catalogue to fall back on, failing examples are
     * reported but the bot still serves: being down is worse. A reload, in
     * contrast, is refused until they pass. */
    if (intent_set_selftest(set, main_diag_cb, &problems) != 0)
        LOG_WARN("intents", "%s: %u examples fail `vigie check`; serving anyway",
                 cfg.intents, problems);
    if (dialogue_cache_size(set, (size_t)cfg.answer_cache) < 0)
        LOG_WARN("intents", "no memory for an answer cache of %d: serving without",
                 cfg.answer_cache);
    if (cfg.workers > 1)
        return ws_workers_run(&cfg, set);
    return ws_server_run(&cfg, set);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return cli_check(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "ask") == 0)
        return cli_ask(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "classify") == 0)
        return cli_classify(argc - 1, argv + 1);
    return main_serve(argc, argv);
}
