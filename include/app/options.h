/* app/ — what the command line asked for and how the program answers, shared by both views
 * of the engine (cli/ for the headless commands, tui/ for the wizard). Neither view
 * includes the other; src/main.c parses argv into struct app_options and hands it to a
 * command or to the wizard. Layer: above the engine (the default journal path comes from
 * engine/run/), below the views.
 *
 * Owns: struct app_options (every option of every command, parsed once by main.c) and
 * the defaults they imply (the journal's path). The flags themselves are a public
 * interface scripts rely on: extend, never rename. */
#ifndef BCM_APP_OPTIONS_H
#define BCM_APP_OPTIONS_H

#include "aws/session.h"

#include <stdbool.h>

struct app_options {
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
    bool calibrate;             /* plan --calibrate: refit to the journal's finished bots */
    bool probe_web;             /* plan --probe-web: size the bots' web sources from here */
    /* run */
    bool yes;
    bool detach;
    int retries;                /* -1: default */
    int max_early_failures;     /* --max-early-failures; -1: default (3), 0: never stop */
    const char *journal;
    bool assign_public_ip;
    bool stop_on_exit;
    bool retry_failed;          /* --retry-failed: new attempts for the run's failed bots */
    bool new_run;               /* --new-run: start afresh even if the journal holds a run */
    bool no_verify;             /* --no-verify: run does not verify the vectors at the end */
    bool include_migrated;      /* --include-migrated: select bots already re-embedded in v1 */
    /* copy */
    const char *snapshot;       /* --snapshot ID|ARN: the v0 cluster snapshot to copy from */
    bool keep_temporary;        /* --keep-temporary: leave the temporary cluster and secret */
    int pilot;                  /* run --pilot K: run K bots that span the mix, then stop */
    /* logs */
    int lines;
    /* positional arguments after the command */
    const char *const *args;
    int nargs;
};

/* The journal a command or the wizard works on: --journal, else the default path for the
 * stack and region under the XDG state directory. Caller frees. */
char *app_journal_path(const struct app_options *o, const char *region);
/* The pilot's journal beside a run's: "<journal without .jsonl>.pilot.jsonl". Caller frees. */
char *app_pilot_journal_path(const char *journal_path);

#endif
