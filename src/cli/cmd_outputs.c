/* Placeholder for the `outputs` command while it is being written: says so and fails. */
#include "cli/cli.h"

int cmd_outputs(const struct cli_options *o)
{
    cli_error(o, "the outputs command is not available in this build yet");
    return EXIT_CONFIG;
}
