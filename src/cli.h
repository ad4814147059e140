/*
 * cli.h - the organizer subcommands: check, ask, classify.
 *
 * Each takes the subcommand's own argv (argv[0] is the subcommand name) and
 * returns the process exit code: 0 success, 1 failure (for check: problems
 * found), 2 usage error.
 */
#ifndef VIGIE_CLI_H
#define VIGIE_CLI_H

int cli_check(int argc, char **argv);
int cli_ask(int argc, char **argv);
int cli_classify(int argc, char **argv);

#endif
