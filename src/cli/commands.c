/* The command table: names, one-line summaries and each command's --help text. The
 * man page and README mirror these texts; keep them in step. */
#include "cli/cli.h"

#define COMMON_OPTIONS \
    "Common options:\n" \
    "  --region REGION       AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)\n" \
    "  --profile NAME        profile from the AWS config/credentials files\n" \
    "  --endpoint-url URL    send every AWS call to URL (emulators, VPC endpoints)\n" \
    "  --json                machine-readable output\n" \
    "  --debug               log each AWS request, status, latency and retry to stderr\n" \
    "  --debug-file FILE     the same, to FILE (secrets are always redacted)\n"

static const struct cli_command s_commands[] = {
    {"whoami", "show the AWS account, caller, region and credential source",
     "Usage: bedrock-chat-migrate whoami [--json]\n\n"
     "Calls STS GetCallerIdentity with the credentials the AWS CLI would use and prints\n"
     "the account, the caller's ARN, the region (and where it came from) and where the\n"
     "credentials came from.\n\n" COMMON_OPTIONS,
     cmd_whoami},
};

const struct cli_command *cli_commands(size_t *n)
{
    *n = sizeof s_commands / sizeof *s_commands;
    return s_commands;
}
