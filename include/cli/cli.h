/* The command line: options shared by every command, the command table, exit codes and
 * the way errors are reported to a person (or as JSON).
 *
 * Owns: parsing argv into struct cli_options and dispatching to a command. The commands,
 * their flags, JSON field names and exit codes are a public interface scripts rely on:
 * extend, never rename. */
#ifndef BCM_CLI_CLI_H
#define BCM_CLI_CLI_H

#include "aws/session.h"

#include <stdbool.h>
#include <stdio.h>

enum cli_exit {
    EXIT_OK = 0,            /* everything succeeded */
    EXIT_SOME_FAILED = 1,   /* the run finished and some bots failed */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_CONFIG = 3,        /* configuration or AWS error: nothing (more) was launched */
    EXIT_INTERRUPTED = 130, /* Ctrl-C */
};

struct cli_options {
    struct aws_session_options aws;
    bool json;
    bool help;
    bool version;
    bool no_color;
    bool demo;
    const char *lang;
    /* outputs */
    const char *stack;          /* --stack, default BedrockChatStack */
    const char *outputs_file;   /* --outputs FILE or - */
    /* plan / run */
    bool include_empty;
    const char *bots;           /* --bots ID,… */
    const char *exclude;        /* --exclude ID,… */
    const char *prices_file;
    int concurrency;            /* 0: derived */
    bool scan_table;            /* --scan-table: do not use LastBotUsedIndex */
    bool check_bucket;
    /* run */
    bool yes;
    bool detach;
    int retries;                /* -1: default */
    const char *journal;
    bool assign_public_ip;
    bool stop_on_exit;
    bool retry_failed;          /* --retry-failed: new attempts for the run's failed bots */
    bool new_run;               /* --new-run: start afresh even if the journal holds a run */
    /* logs */
    int lines;
    /* positional arguments after the command */
    const char *const *args;
    int nargs;
};

struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;          /* the command's own --help text */
    int (*run)(const struct cli_options *o);
};

const struct cli_command *cli_commands(size_t *n);

/* Prints "error: <text>" (sanitised) to stderr, or {"error": …} on stdout with --json. */
void cli_error(const struct cli_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens the AWS session or reports why not; returns 0 or EXIT_CONFIG. */
int cli_open_session(const struct cli_options *o, struct aws_session *s);
/* The journal a command works on: --journal, else the default path for the stack and
 * region under the XDG state directory. */
char *cli_journal_path(const struct cli_options *o, const char *region);
/* Prints a cJSON value (consumed) as one line on stdout. */
struct cJSON;
void cli_print_json(struct cJSON *value);

int cmd_whoami(const struct cli_options *o);
int cmd_outputs(const struct cli_options *o);
int cmd_plan(const struct cli_options *o);
int cmd_run(const struct cli_options *o);
int cmd_status(const struct cli_options *o);
int cmd_logs(const struct cli_options *o);
int cmd_wizard(const struct cli_options *o);

#endif
