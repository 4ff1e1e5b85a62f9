/* Placeholder for the wizard while it is being written: says so and fails. */
#include "cli/cli.h"

int cmd_wizard(const struct cli_options *o)
{
    cli_error(o, "the wizard is not available in this build yet; use the commands (see --help)");
    return EXIT_CONFIG;
}
