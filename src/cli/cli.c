/* What the commands share beyond app/: opening the AWS session with a useful error. */
#include "cli/cli.h"

#include "engine/discover/deployment.h"
#include "util/sanitize.h"

#include <stdlib.h>
#include <string.h>

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

/* One check as a line of its own: "Label: summary", and what to do when it is not OK. */
static void s_print_check_line(const struct deployment *dep, const char *id, const char *label)
{
    const struct deployment_check *c = deployment_check_by_id(dep, id);
    if (!c || !c->summary)
        return;
    char *summary = sanitize_for_terminal(c->summary, strlen(c->summary), 1024);
    printf("%s: %s\n", label, summary);
    free(summary);
    if (c->hint && c->state != CHECK_OK) {
        char *hint = sanitize_for_terminal(c->hint, strlen(c->hint), 1024);
        printf("  → %s\n", hint);
        free(hint);
    }
}

void cli_print_deployment_facts(const struct deployment *dep)
{
    s_print_check_line(dep, "release", "Release");
    s_print_check_line(dep, "bedrock_model_access", "Bedrock model access");
}
