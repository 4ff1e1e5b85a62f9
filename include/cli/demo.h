/* Demo mode (`--demo`, `make demo`): a local AWS emulator seeded with a Bedrock Chat
 * deployment and an embedding simulator, started for the wizard and stopped after it.
 *
 * Owns: finding the demo environment script (BCM_DEMO_DIR, the installed share directory
 * next to the binary, or the source tree), starting it in its own process group, waiting
 * for it to be ready, importing the environment it writes (loopback endpoints, throwaway
 * keys), and stopping it and removing its files however the wizard ends. The demo's own
 * state (journal and run report) goes to a directory of its own under the operator's
 * state directory, $XDG_STATE_HOME/bedrock-chat-migrate/demo/<time>-<pid>/, so the report
 * the wizard names on exit is still there afterwards (and an old demo's journal is never
 * offered for resuming). */
#ifndef BCM_CLI_DEMO_H
#define BCM_CLI_DEMO_H

#include <sys/types.h>

struct demo_env {
    pid_t pid;
    char *dir;        /* private temporary directory: env file and the emulator's log */
    char *state_dir;  /* the demo's XDG_STATE_HOME, kept (removed only when left empty) */
};

/* Starts the demo environment and exports its variables into this process's
 * environment. 0, or -1 with *error saying what is missing and what to do. */
int demo_start(struct demo_env *d, char **error);
void demo_stop(struct demo_env *d);

/* Parses one `KEY=VALUE` line whose value is shell-quoted ('…', "…", \x, bare); returns
 * 0 and sets *key / *value (caller frees), or -1 for a line that is not an assignment. */
int demo_parse_env_line(const char *line, char **key, char **value);

#endif
