/* Placeholder for the `run` command while it is being written: says so and fails. */
#include "cli/cli.h"

int cmd_run(const struct cli_options *o)
{
    cli_error(o, "the run command is not available in this build yet");
    return EXIT_CONFIG;
}
