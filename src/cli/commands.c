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
    "  --debug-file FILE     the same, to FILE (secrets are always redacted)\n" \
    "Endpoints follow the region's partition (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc);\n" \
    "AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT pick FIPS / dual-stack ones,\n" \
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores AWS_ENDPOINT_URL*, AWS_CA_BUNDLE names the\n" \
    "CA certificates to trust (TLS verification cannot be turned off).\n"

#define PLAN_OPTIONS \
    "Selection and estimate (plan, run, and the wizard's defaults):\n" \
    "  --stack NAME          CloudFormation stack (default BedrockChatStack)\n" \
    "  --outputs FILE|-      read the stack outputs from FILE or standard input\n" \
    "  --include-empty       also select bots without any knowledge source\n" \
    "  --bots ID,...         select exactly these bots\n" \
    "  --exclude ID,...      leave these bots out\n" \
    "  --prices FILE         override the built-in price table (JSON; nat_per_gb, ...)\n" \
    "  --concurrency N       at most N tasks at once (default: the smallest bound of the\n" \
    "                        vCPU and Bedrock quotas and the Aurora ceiling)\n" \
    "  --scan-table          scan the whole table instead of the sparse LastBotUsedIndex\n" \
    "  --include-migrated    also select bots the v1 stack already re-embedded in the new\n" \
    "                        cluster (vectors there, SyncStatus newer than its creation)\n\n"

static const struct cli_command s_commands[] = {
    {"whoami", "show the AWS account, caller, region and credential source",
     "Usage: bedrock-chat-migrate whoami [--json]\n\n"
     "Calls STS GetCallerIdentity with the credentials the AWS CLI would use and prints\n"
     "the account, the caller's ARN, the region (and where it came from) and where the\n"
     "credentials came from. JSON fields: account, arn, user_id, region, region_source,\n"
     "profile, credential_source.\n\n" COMMON_OPTIONS,
     cmd_whoami},
    {"outputs", "resolve and check the stack outputs",
     "Usage: bedrock-chat-migrate outputs [--stack NAME] [--outputs FILE|-] [--check-bucket] [--json]\n\n"
     "Finds the deployment's stack outputs (CloudFormation DescribeStacks on --stack, default\n"
     "BedrockChatStack, else the region's stacks that carry the needed keys; a stack named\n"
     "with --stack that does not exist is an error) or reads them\n"
     "from FILE / standard input: a copy of the console's Outputs tab, describe-stacks\n"
     "JSON, text or table output, KEY=VALUE lines or the guide's variable block. Then\n"
     "checks each value against the live account and prints a fix hint for each problem:\n"
     "among them the Aurora cluster, the release family (a Step Functions state machine in\n"
     "the stack or 100 GiB of task storage: v1.2.5+; launches meet both task contracts) and\n"
     "Bedrock model access to cohere.embed-multilingual-v3 in the region (optional\n"
     "bedrock:GetFoundationModelAvailability; a definite no fails the check).\n"
     "Exit status 3 when a check fails or the input cannot be used.\n\n"
     "Options:\n"
     "  --stack NAME          CloudFormation stack (default BedrockChatStack)\n"
     "  --outputs FILE|-      read the outputs from FILE or standard input instead\n"
     "  --check-bucket        also check that the document bucket can be listed\n\n"
     COMMON_OPTIONS,
     cmd_outputs},
    {"plan", "list the bots and estimate the run's cost and duration",
     "Usage: bedrock-chat-migrate plan [--stack NAME] [--outputs FILE|-] [--include-empty]\n"
     "                            [--bots ID,...] [--exclude ID,...] [--prices FILE]\n"
     "                            [--concurrency N] [--scan-table] [--calibrate]\n"
     "                            [--journal FILE] [--probe-web] [--json]\n\n"
     "Reads the bots from DynamoDB and their documents' sizes from S3, selects the bots to\n"
     "re-embed (every bot with a knowledge source unless --include-empty, --bots or\n"
     "--exclude say otherwise) and estimates Fargate and Bedrock cost, the image pull\n"
     "through NAT (with the free S3 gateway endpoint that removes it) and the wall-clock\n"
     "time as low-high ranges, listing every assumption. Reads the quotas that bound the\n"
     "default concurrency (Service Quotas) and shows each bound with its reason.\n"
     "Launches nothing. JSON adds concurrency_bounds and image_pull (see the README).\n\n"
     "Calibration:\n"
     "  --calibrate           measure the finished bots of the journal (and of its pilot,\n"
     "                        run --pilot) from their task logs and ECS times, and show\n"
     "                        the estimate refitted to them beside the model's own (JSON:\n"
     "                        measured[], calibration)\n"
     "  --journal FILE        the run's journal (default: per stack and region)\n"
     "  --probe-web           fetch the selected bots' source URLs and sitemaps from this\n"
     "                        machine (4 at once, 10 s, 1 MiB a page, 8 MiB a sitemap, 5\n"
     "                        redirects; never with AWS credentials) and estimate them from\n"
     "                        their sizes and page counts; failures are listed per URL\n"
     "                        (JSON: web_probe)\n\n"
     PLAN_OPTIONS COMMON_OPTIONS,
     cmd_plan},
    {"run", "launch one embedding task per selected bot and follow them to the end",
     "Usage: bedrock-chat-migrate run --yes [--concurrency N] [--detach] [--retries N]\n"
     "                           [--retry-failed] [--new-run] [--journal FILE]\n"
     "                           [--assign-public-ip] [--stop-on-exit] [plan options] [--json]\n\n"
     "Launches one ECS Fargate embedding task per selected bot, at most N alive at once,\n"
     "follows each task and judges each bot by the SyncStatus its own task wrote. Every\n"
     "launch is journaled before and after RunTask: a second `run` with the same journal\n"
     "resumes without launching any bot twice. Without a terminal, --yes is required.\n"
     "RunTask is paced at Fargate's documented 20 calls/s; other ECS and DynamoDB calls\n"
     "slow down adaptively once AWS throttles them.\n"
     "When every bot is final it verifies the vectors as `verify` does (its exit status\n"
     "stays the tasks'; --no-verify skips it).\n\n"
     "The default concurrency is the smallest of the Fargate vCPU quota / task vCPU, what\n"
     "the Bedrock embedding quotas sustain and a ceiling for the small Aurora cluster,\n"
     "read with Service Quotas (6 vCPU assumed when unreadable: 3 tasks of 2 vCPU).\n\n"
     "Ctrl-C stops launching and leaves running tasks alone (resume later); a second\n"
     "Ctrl-C exits at once. Exit status: 0 all succeeded, 1 some failed, 2 usage,\n"
     "3 configuration or AWS error, 130 interrupted.\n\n"
     "Run options:\n"
     "  --yes                 launch without asking (required without a terminal)\n"
     "  --detach              launch what the concurrency allows, then exit\n"
     "  --retries N           relaunch bots that failed from throttling up to N times (2)\n"
     "  --max-early-failures N  stop launching when the first N bots to finish all fail the\n"
     "                        same way (or 80 % of the first 10 do); 0 never stops (3)\n"
     "  --retry-failed        queue a new attempt for every failed bot of the journal's run\n"
     "  --new-run             start afresh even if the journal holds a run (kept aside)\n"
     "  --journal FILE        the run's journal (default: per stack and region under\n"
     "                        $XDG_STATE_HOME/bedrock-chat-migrate/)\n"
     "  --assign-public-ip    give the tasks a public IP (public subnets without NAT)\n"
     "  --stop-on-exit        on Ctrl-C, stop this run's tasks instead of leaving them\n"
     "  --pilot K             run K bots chosen to span the mix (1-50, e.g. 3) to the end,\n"
     "                        measure them and print the estimate of the rest recomputed\n"
     "                        from them, then stop (own journal, <journal>.pilot.jsonl; a\n"
     "                        later run leaves the pilot's bots out)\n"
     "  --no-verify           do not verify the vectors when the run ends (see verify)\n\n"
     PLAN_OPTIONS COMMON_OPTIONS,
     cmd_run},
    {"status", "show a run's state from its journal",
     "Usage: bedrock-chat-migrate status [--journal FILE] [--stack NAME] [--json]\n\n"
     "Reads the run's journal (default: the one for --stack and the region) and prints each\n"
     "bot's last known state, task and reason. Calls no AWS API.\n\n"
     "Options:\n"
     "  --journal FILE        the run's journal\n"
     "  --stack NAME          with --region, picks the default journal (BedrockChatStack)\n\n"
     COMMON_OPTIONS,
     cmd_status},
    {"logs", "print the log tail of a bot's latest task",
     "Usage: bedrock-chat-migrate logs BOT_ID [--lines N] [--journal FILE] [--stack NAME] [--json]\n\n"
     "Prints the last N (default 50) CloudWatch Logs lines of the bot's latest task in the\n"
     "journal's run (stream <prefix>/<container>/<task id>).\n\n"
     "Options:\n"
     "  --lines N             how many lines (default 50, at most 10000)\n"
     "  --journal FILE        the run's journal\n"
     "  --stack NAME          with --region, picks the default journal (BedrockChatStack)\n\n"
     COMMON_OPTIONS,
     cmd_logs},
    {"copy", "copy v0's vectors from its final snapshot into the new cluster (no re-embedding)",
     "Usage: bedrock-chat-migrate copy --snapshot ID --yes [--bots ID,...] [--exclude ID,...]\n"
     "                            [--keep-temporary] [--concurrency N] [--json]\n\n"
     "The other way: instead of re-embedding, restores the replaced v0 cluster's snapshot as a\n"
     "temporary Aurora Serverless v2 cluster (v1's subnet group, a security group without\n"
     "inbound rules, a new random master password held only in a temporary Secrets Manager\n"
     "secret, the Data API on) and copies each bot's rows into the v1 cluster through the\n"
     "RDS Data API: one transaction per bot that first deletes that bot's rows, then the\n"
     "vector index rebuilt once. Bots created after the snapshot or whose last embedding had\n"
     "not succeeded are listed for re-embedding; bots already in the new cluster are skipped.\n"
     "Then the row counts per bot are verified and the temporary cluster, instance, security\n"
     "group and secret are deleted. Without --snapshot, lists the stack's v0 snapshots.\n"
     "Journaled beside the run's journal: run it again after an interruption to resume.\n"
     "Ctrl-C stops after the bots in flight and removes the temporary resources; a second\n"
     "Ctrl-C exits at once. The DynamoDB table is never written. Exit status: 0 copied and\n"
     "verified, 1 some bots failed or differ, 2 usage, 3 configuration or AWS error,\n"
     "130 interrupted.\n\n"
     "Copy options:\n"
     "  --snapshot ID|ARN     the v0 cluster snapshot to copy from\n"
     "  --keep-temporary      keep the temporary cluster and secret afterwards\n"
     "  --concurrency N       bots copied at once (default 4)\n"
     "  --prices FILE         also aurora_acu_hour and aurora_storage_gb_month for the\n"
     "                        temporary cluster in the copy's preview\n"
     "  --yes                 create and copy without asking (required without a terminal)\n"
     "  --new-run             start a new copy (refused while the journal's copy has\n"
     "                        temporary resources: run cleanup first)\n"
     "  --journal FILE        the run's journal; the copy's is FILE with .copy.jsonl\n\n"
     PLAN_OPTIONS COMMON_OPTIONS,
     cmd_copy},
    {"cleanup", "delete what an unfinished copy left behind (temporary cluster, secret)",
     "Usage: bedrock-chat-migrate cleanup [--yes] [--journal FILE] [--json]\n\n"
     "Lists, then deletes, the temporary resources of copies that did not finish: the copy\n"
     "journal's unfinished run, and every RDS instance and cluster, EC2 security group and\n"
     "Secrets Manager secret tagged bedrock-chat-migrate:run in this account and region.\n"
     "Without a terminal, --yes is required to delete.\n\n"
     "Options:\n"
     "  --yes                 delete without asking\n"
     "  --journal FILE        the run's journal (the copy's is beside it)\n"
     "  --stack NAME          with --region, picks the default journal (BedrockChatStack)\n\n"
     COMMON_OPTIONS,
     cmd_cleanup},
    {"verify", "prove, bot by bot, that the vectors are in the new Aurora cluster",
     "Usage: bedrock-chat-migrate verify [--stack NAME] [--outputs FILE|-] [--journal FILE]\n"
     "                              [--scan-table] [--json]\n\n"
     "Counts each bot's rows in the v1 Aurora cluster's items table over the RDS Data API\n"
     "(HTTPS, signed; no network path into the VPC, no database driver) and puts them side\n"
     "by side with the outcome the bot was judged with (the run's journal, else its\n"
     "SyncStatus) and the count its task logged (\"Successfully inserted N records.\").\n"
     "The cluster is the one DbConfigHostname names; the Data API signs in with the\n"
     "DbConfigSecretArn secret; the database is postgres. Only row counts per botid are\n"
     "read (bot ids bound as parameters), never a row's content or embedding.\n\n"
     "Verdicts: ok; no vectors (succeeded, has documents, 0 rows: it answers without\n"
     "them); count differs (rows differ from the logged count); empty by design (no\n"
     "documents); not succeeded (failed or never finished); orphan rows (rows of a bot id\n"
     "the table no longer has). Each comes with what to do. A paused Serverless cluster\n"
     "is waited for (\"waking the database\"). The result is kept beside the journal\n"
     "(<journal>.verify.json) for `status` and the report.\n\n"
     "It counts rows; it does not judge the quality of the answers.\n\n"
     "Exit status: 0 every bot fine (orphan rows allowed), 1 some bot needs attention,\n"
     "3 cannot verify (no permission to read the vectors, no cluster, a database that\n"
     "would not wake).\n\n"
     "Options:\n"
     "  --stack NAME          CloudFormation stack (default BedrockChatStack)\n"
     "  --outputs FILE|-      read the stack outputs from FILE or standard input\n"
     "  --journal FILE        the run's journal (outcomes, and where the result is kept)\n"
     "  --scan-table          scan the whole table instead of the sparse LastBotUsedIndex\n\n"
     COMMON_OPTIONS,
     cmd_verify},
    {"wizard", "the step-by-step terminal wizard (the default on a terminal)",
     "Usage: bedrock-chat-migrate [wizard] [--lang en|ja] [--no-color] [--demo] [plan options]\n\n"
     "Opens the full-screen wizard: welcome, identity, stack outputs, bots, cost preview,\n"
     "the run dashboard and the summary; or, choosing the copy way on the welcome step, the\n"
     "snapshots and both previews side by side, then the copy's dashboard. It needs a\n"
     "terminal of at least 80x24.\n\n"
     "Wizard options:\n"
     "  --lang en|ja          language of the screens (default from LANGUAGE / LC_ALL /\n"
     "                        LC_MESSAGES / LANG, through gettext)\n"
     "  --no-color            no colours (also NO_COLOR)\n"
     "  --demo                against a local emulator seeded with a demo deployment\n"
     "  --check-bucket        also check that the document bucket can be listed\n"
     "  --retries N           relaunch bots that failed from throttling up to N times (2)\n"
     "  --max-early-failures N  stop launching when the first N bots to finish all fail the\n"
     "                        same way (or 80 % of the first 10 do); 0 never stops (3)\n"
     "  --journal FILE        the run's journal (an unfinished run there is offered)\n"
     "  --assign-public-ip    give the tasks a public IP (public subnets without NAT)\n"
     "  --snapshot ID|ARN     the copy way: offer only this v0 cluster snapshot\n\n"
     PLAN_OPTIONS COMMON_OPTIONS,
     NULL /* main.c hands over to the wizard (tui/wizard.h) */},
};

const struct cli_command *cli_commands(size_t *n)
{
    *n = sizeof s_commands / sizeof *s_commands;
    return s_commands;
}
