/* Placeholder for the `plan` command while it is being written: says so and fails. */
#include "cli/cli.h"

int cmd_plan(const struct cli_options *o)
{
    cli_error(o, "the plan command is not available in this build yet");
    return EXIT_CONFIG;
}
