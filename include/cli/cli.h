/* cli/ — the headless commands, one view of the engine (tui/ is the other). A command
 * reads struct app_options (parsed by main.c), drives the engine, and prints text or
 * JSON lines through app/output.h; cli/ never includes tui/.
 *
 * Owns: the command table (names, summaries, each command's --help text) and the
 * commands themselves. The commands, their flags, JSON field names and exit codes are a
 * public interface scripts rely on: extend, never rename. */
#ifndef BCM_CLI_CLI_H
#define BCM_CLI_CLI_H

#include "app/options.h"
#include "app/output.h"
#include "aws/session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>   /* every command prints */

struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;          /* the command's own --help text */
    /* NULL for "wizard": the wizard lives in tui/, which cli/ does not know; main.c
     * hands that entry over to wizard_main() (tui/wizard.h). */
    int (*run)(const struct app_options *o);
};

const struct cli_command *cli_commands(size_t *n);

/* Opens the AWS session or reports why not; returns 0 or EXIT_CONFIG. */
int cli_open_session(const struct app_options *o, struct aws_session *s);

struct deployment;
/* The release the deployment runs (and that every launch meets both task contracts) and
 * the Bedrock model access check, a line each, for plan and run. */
void cli_print_deployment_facts(const struct deployment *dep);

int cmd_whoami(const struct app_options *o);
int cmd_outputs(const struct app_options *o);
int cmd_plan(const struct app_options *o);
int cmd_run(const struct app_options *o);
int cmd_status(const struct app_options *o);
int cmd_logs(const struct app_options *o);
int cmd_copy(const struct app_options *o);
int cmd_cleanup(const struct app_options *o);
int cmd_verify(const struct app_options *o);

#endif
