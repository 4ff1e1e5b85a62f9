/* What the commands share beyond app/: opening the AWS session with a useful error. */
#include "cli/cli.h"

#include <stdlib.h>

int cli_open_session(const struct app_options *o, struct aws_session *s)
{
    char *error = NULL;
    if (aws_session_open(s, &o->aws, &error) != 0) {
        app_error(o, "%s", error ? error : "could not set up the AWS session");
        free(error);
        return EXIT_CONFIG;
    }
    return 0;
}
