/* The message catalog (id → stable name and English template) and filling templates in.
 * The templates are the gettext msgids of the wizard's catalog: po/update.sh extracts them
 * through the M_ marker, and po/ja.po translates them. */
#include "engine/message/message.h"

#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mark a template for xgettext (po/update.sh: --keyword=M_ --keyword=MC_:1c,2). MC_ gives
 * a short word a context of its own where the wizard's catalog has the same English with
 * another meaning ("none" is also the key that deselects every bot). */
#define M_(english) english, NULL
#define MC_(context, english) english, context

struct message_entry {
    const char *name;
    const char *en;
    const char *context;
};

static const struct message_entry s_catalog[MSG_COUNT] = {
    [MSG_NONE] = {"none", "", NULL},
    [MSG_TEXT] = {"text", "{text}", NULL},
    [MSG_JOIN] = {"join", "{first}{second}", NULL},

    [MSG_SOURCE_STACK] = {"source.stack", M_("CloudFormation stack {stack}")},
    [MSG_SOURCE_STACK_FOUND] = {"source.stack_found",
        M_("CloudFormation stack {stack} (found in {region}; {asked} does not exist there)")},
    [MSG_SOURCE_PASTE] = {"source.paste", M_("paste ({format})")},
    [MSG_SOURCE_FILE] = {"source.file", M_("file {path} ({format})")},
    [MSG_SOURCE_STDIN] = {"source.stdin", M_("standard input ({format})")},

    [MSG_CHECK_CALL_FAILED] = {"check.call_failed", M_("{call} {resource} failed: {why}")},
    [MSG_CHECK_CALL_FAILED_BARE] = {"check.call_failed_bare", M_("{call} failed: {why}")},
    [MSG_CHECK_CALL_ON_FAILED] = {"check.call_on_failed", M_("{call} on {resource} failed: {why}")},
    [MSG_HINT_RETRY_PERMISSION] = {"hint.retry_permission",
        M_("check the network and the caller's permission {permission}, then retry")},
    [MSG_HINT_AWS_SIGNATURE] = {"hint.aws.signature_does_not_match",
        M_("AWS rejected the request signature: the secret access key does not belong to this "
           "access key id. Check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key, "
           "and that the system clock is right")},
    [MSG_HINT_AWS_UNKNOWN_KEY] = {"hint.aws.invalid_client_token_id",
        M_("AWS does not know this access key id: it may be deleted, mistyped, or for another "
           "partition. Check the credentials")},
    [MSG_HINT_AWS_BAD_CREDENTIALS] = {"hint.aws.unrecognized_client",
        M_("AWS rejected the credentials (unknown access key or bad signature). Check the credentials")},
    [MSG_HINT_AWS_EXPIRED] = {"hint.aws.expired_token",
        M_("the session credentials have expired: refresh them (aws sso login, or new temporary keys)")},
    [MSG_HINT_AWS_CLOCK] = {"hint.aws.request_expired",
        M_("the request's timestamp is too far from AWS's clock: fix the system clock")},
    [MSG_HINT_AWS_DENIED] = {"hint.aws.access_denied",
        M_("the caller lacks an IAM permission: see the README's IAM policy")},

    [MSG_CHECK_TABLE_NOT_FOUND] = {"check.table.not_found", M_("table {table} not found in {region}")},
    [MSG_HINT_TABLE_NOT_FOUND] = {"hint.table.not_found",
        M_("check the region (--region) and the value of DatabaseConversationTableName… in the "
           "stack's Outputs")},
    [MSG_CHECK_TABLE_BAD_KEY] = {"check.table.bad_key",
        M_("{table} exists but its key is not PK (string) / SK (string)")},
    [MSG_HINT_TABLE_BAD_KEY] = {"hint.table.bad_key",
        M_("this is not Bedrock Chat's conversation table: use the value of "
           "DatabaseConversationTableName… from the stack's Outputs")},
    [MSG_CHECK_TABLE_STATE] = {"check.table.state", M_("{table} is {status}")},
    [MSG_HINT_TABLE_STATE] = {"hint.table.state",
        M_("the table cannot be read in this state: wait for the stack deployment to finish, "
           "then run again")},
    [MSG_CHECK_TABLE_OK] = {"check.table.ok", M_("{table}, {status}, key PK/SK (strings)")},
    [MSG_UNKNOWN_STATUS] = {"unknown_status", M_("unknown status")},

    [MSG_CHECK_CLUSTER_NOT_FOUND] = {"check.cluster.not_found", M_("cluster {cluster} not found in {region}")},
    [MSG_HINT_CLUSTER_NOT_FOUND] = {"hint.cluster.not_found",
        M_("check the region (--region) and the value of EmbeddingClusterName… in the stack's Outputs")},
    [MSG_CHECK_CLUSTER_STATE] = {"check.cluster.state", M_("cluster {cluster} is {status}")},
    [MSG_HINT_CLUSTER_STATE] = {"hint.cluster.state",
        M_("tasks only run in an ACTIVE cluster: redeploy the stack (npx cdk deploy) so the "
           "embedding cluster exists again")},
    [MSG_CHECK_CLUSTER_OK_ONE] = {"check.cluster.ok_one", M_("{cluster}, ACTIVE, {running} running task")},
    [MSG_CHECK_CLUSTER_OK] = {"check.cluster.ok", M_("{cluster}, ACTIVE, {running} running tasks")},

    [MSG_CHECK_TASKDEF_NOT_FOUND] = {"check.task_definition.not_found",
        M_("task definition {family} not found in {region}")},
    [MSG_HINT_TASKDEF_NOT_FOUND] = {"hint.task_definition.not_found",
        M_("check the value of EmbeddingTaskDefinitionName… (the family, without :revision) in "
           "the stack's Outputs, and the region")},
    [MSG_CHECK_TASKDEF_STATE] = {"check.task_definition.state", M_("{task_definition} is {status}")},
    [MSG_HINT_TASKDEF_STATE] = {"hint.task_definition.state",
        M_("ECS cannot start a deregistered revision: give the family name alone "
           "(EmbeddingTaskDefinitionName… without :revision) to use the latest ACTIVE one")},
    [MSG_CHECK_TASKDEF_NOT_FARGATE] = {"check.task_definition.not_fargate",
        M_("{family} is not compatible with FARGATE")},
    [MSG_HINT_TASKDEF_NOT_FARGATE] = {"hint.task_definition.not_fargate",
        M_("the embedding tasks run on Fargate: use the stack's EmbeddingTaskDefinitionName… "
           "output, not another task definition")},
    [MSG_CHECK_TASKDEF_NO_CONTAINER] = {"check.task_definition.no_container",
        M_("{family} has no container named {container} (it has: {containers})")},
    [MSG_CHECK_TASKDEF_NO_CONTAINERS] = {"check.task_definition.no_containers",
        M_("{family} has no container definitions")},
    [MSG_HINT_TASKDEF_CONTAINER] = {"hint.task_definition.container",
        M_("CONTAINER_NAME must name a container of the task definition; the stack's is "
           "\"Container\". Leave it out to take it from the task definition")},
    [MSG_CHECK_TASKDEF_SIZE] = {"check.task_definition.size",
        M_("{task_definition}, {vcpu} vCPU / {memory} MiB, FARGATE {architecture}, container {container}")},
    [MSG_HINT_TASKDEF_NO_LOGS] = {"hint.task_definition.no_logs",
        M_("the container does not log to CloudWatch (awslogs): the tool cannot show a failed "
           "task's log; look at the task in the ECS console instead")},
    [MSG_CHECK_TASKDEF_OK] = {"check.task_definition.ok", M_("{size}, logs {log_group} ({prefix})")},
    [MSG_NO_PREFIX] = {"no_prefix", M_("no prefix")},
    [MSG_NONE_FOUND] = {"none_found", MC_("none found", "none")},

    [MSG_CHECK_SUBNET_NOT_FOUND] = {"check.subnets.not_found", M_("subnet not found: {why}")},
    [MSG_HINT_SUBNETS] = {"hint.subnets",
        M_("check the region and the values of PrivateSubnetId0/1 in the stack's Outputs")},
    [MSG_CHECK_SUBNETS_MISSING] = {"check.subnets.missing",
        M_("only {found} of {expected} subnets found: {subnets}")},
    [MSG_CHECK_SUBNETS_PUBLIC] = {"check.subnets.public",
        M_("{subnets}; {public} assign public IPs on launch")},
    [MSG_HINT_SUBNETS_PUBLIC] = {"hint.subnets.public",
        M_("these look like public subnets: the tasks need the stack's private subnets "
           "(PrivateSubnetId0/1), which reach Bedrock through the NAT gateway")},
    [MSG_CHECK_SUBNETS_OK] = {"check.subnets.ok", M_("{subnets}")},
    [MSG_CHECK_SUBNETS_OK_PRIVATE] = {"check.subnets.ok_private",
        M_("{subnets}, the stack's private subnets")},

    [MSG_CHECK_SG_NOT_FOUND] = {"check.security_group.not_found",
        M_("security group {group} not found in {region}")},
    [MSG_HINT_SG_NOT_FOUND] = {"hint.security_group.not_found",
        M_("it may have been deleted: redeploy the stack (npx cdk deploy) to recreate it, then "
           "use EmbeddingTaskSecurityGroupId… from its Outputs")},
    [MSG_CHECK_SG_OK] = {"check.security_group.ok", M_("{group} in {vpc}")},
    [MSG_CHECK_SG_OK_NAMED] = {"check.security_group.ok_named", M_("{group} ({name}) in {vpc}")},
    [MSG_AN_UNKNOWN_VPC] = {"unknown_vpc", M_("an unknown VPC")},
    [MSG_CHECK_SG_OTHER_VPC] = {"check.security_group.other_vpc",
        M_("{group} is in {vpc} but the subnets are in {subnet_vpc}")},
    [MSG_HINT_SG_OTHER_VPC] = {"hint.security_group.other_vpc",
        M_("ECS refuses a security group from another VPC: take EmbeddingTaskSecurityGroupId… "
           "and PrivateSubnetId0/1 from the same stack's Outputs")},

    [MSG_CHECK_BUCKET_MISSING] = {"check.document_bucket.missing", M_("bucket {bucket} does not exist")},
    [MSG_HINT_BUCKET_MISSING] = {"hint.document_bucket.missing",
        M_("check DocumentBucketName in the stack's Outputs; without the bucket, bots with "
           "uploaded files cannot be embedded")},
    [MSG_HINT_BUCKET_FAILED] = {"hint.document_bucket.failed",
        M_("the embedding task reads uploaded files from this bucket; the caller needs "
           "s3:ListBucket to check it")},
    [MSG_CHECK_BUCKET_OK] = {"check.document_bucket.ok", M_("{bucket} reachable")},
    [MSG_CHECK_BUCKET_OK_EMPTY] = {"check.document_bucket.ok_empty", M_("{bucket} reachable, empty")},
    [MSG_CHECK_BUCKET_NO_OUTPUT] = {"check.document_bucket.no_output",
        M_("no DocumentBucketName in the outputs")},
    [MSG_HINT_BUCKET_NO_OUTPUT] = {"hint.document_bucket.no_output",
        M_("add DocumentBucketName from the stack's Outputs to check it")},
    [MSG_CHECK_BUCKET_NOT_CHECKED] = {"check.document_bucket.not_checked", M_("{bucket} not checked")},
    [MSG_HINT_BUCKET_NOT_CHECKED] = {"hint.document_bucket.not_checked",
        M_("add --check-bucket to check that the bucket is reachable")},

    [MSG_CHECK_STACK_STATE] = {"check.stack_version.state", M_("the stack is {status}")},
    [MSG_HINT_STACK_IN_PROGRESS] = {"hint.stack_version.in_progress",
        M_("a deployment is still running: wait until it finishes, then run again")},
    [MSG_HINT_STACK_FAILED] = {"hint.stack_version.failed",
        M_("the last deployment did not complete: fix it (npx cdk deploy) before migrating, or "
           "the resources may not match the outputs")},
    [MSG_CHECK_VERSION_UNKNOWN] = {"check.stack_version.unknown", M_("not known from the guide's variables")},
    [MSG_HINT_VERSION_UNKNOWN] = {"hint.stack_version.unknown",
        M_("make sure Bedrock Chat v1 is deployed (npx cdk deploy) before migrating")},
    [MSG_CHECK_VERSION_NOT_V1] = {"check.stack_version.not_v1",
        M_("no DbConfigSecretArn output: the stack may not be at v1 yet")},
    [MSG_HINT_VERSION_NOT_V1] = {"hint.stack_version.not_v1",
        M_("deploy Bedrock Chat v1 first (npx cdk deploy). v1 replaces the Aurora cluster, so "
           "embeddings rebuilt before the upgrade would be lost")},
    [MSG_CHECK_VERSION_OK] = {"check.stack_version.ok", M_("v1 outputs present (DbConfigSecretArn)")},
    [MSG_CHECK_VERSION_OK_STATUS] = {"check.stack_version.ok_status",
        M_("v1 outputs present (DbConfigSecretArn), {status}")},

    [MSG_CHECK_RELEASE_UNKNOWN] = {"check.release.unknown",
        M_("release not known (the task definition could not be read); every launch passes the keys "
           "both as EVENT and as the command argument, which every v1.x accepts")},
    [MSG_CHECK_RELEASE_NEW] = {"check.release.v1_2_5",
        M_("v1.2.5 or later (the task asks for {gib} GiB of ephemeral storage): its task reads the "
           "bot's keys from EVENT; every launch passes them as EVENT and as the command argument, so "
           "both contracts are met")},
    [MSG_CHECK_RELEASE_OLD] = {"check.release.v1_0_0",
        M_("v1.0.0 to v1.2.4 (the task has Fargate's default ephemeral storage): its task reads the "
           "bot's keys from the command argument; every launch passes them as the argument and as "
           "EVENT, so both contracts are met")},
    [MSG_CHECK_RELEASE_OLD_NO_SFN] = {"check.release.v1_0_0_no_state_machine",
        M_("v1.0.0 to v1.2.4 (no Step Functions state machine in the stack, Fargate's default ephemeral "
           "storage): its task reads the bot's keys from the command argument; every launch passes them "
           "as the argument and as EVENT, so both contracts are met")},
    [MSG_CHECK_RELEASE_NEW_SFN] = {"check.release.v1_2_5_state_machine",
        M_("v1.2.5 or later (the stack launches its tasks through the Step Functions state machine "
           "{machine}): its task reads the bot's keys from EVENT; every launch passes them as EVENT and "
           "as the command argument, so both contracts are met")},
    [MSG_CHECK_RELEASE_NEW_BOTH] = {"check.release.v1_2_5_both",
        M_("v1.2.5 or later (the Step Functions state machine {machine}, and {gib} GiB of ephemeral "
           "storage for the task): its task reads the bot's keys from EVENT; every launch passes them as "
           "EVENT and as the command argument, so both contracts are met")},
    [MSG_CHECK_AURORA_OK] = {"check.aurora_cluster.ok", M_("{cluster}, {status}, {engine} {version}{acu}{data_api}")},
    [MSG_AURORA_UNKNOWN_ENGINE] = {"aurora.unknown_engine", M_("unknown engine")},
    [MSG_AURORA_ACU] = {"aurora.acu", M_(", Serverless v2 {min}-{max} ACU")},
    [MSG_AURORA_DATA_API] = {"aurora.data_api", M_(", Data API on")},
    [MSG_CHECK_AURORA_STOPPED] = {"check.aurora_cluster.stopped", M_("Aurora cluster {cluster} is stopped")},
    [MSG_HINT_AURORA_STOPPED] = {"hint.aurora_cluster.stopped",
        M_("every task launched now would fail to store its vectors. Start it with: {command} (it takes "
           "a few minutes; the stack's rdbSchedules may stop it again on its schedule), then run again")},
    [MSG_CHECK_AURORA_STATE] = {"check.aurora_cluster.state", M_("Aurora cluster {cluster} is {status}")},
    [MSG_HINT_AURORA_WAIT] = {"hint.aurora_cluster.wait",
        M_("wait until it is available (aws rds describe-db-clusters --db-cluster-identifier {cluster}), "
           "then run again")},
    [MSG_HINT_AURORA_BAD_STATE] = {"hint.aurora_cluster.bad_state",
        M_("the embedding tasks cannot write to it in this state: look at the cluster in the RDS "
           "console and bring it back to available first")},
    [MSG_CHECK_NOT_CHECKED] = {"check.not_checked", M_("not checked: {why}")},
    [MSG_HINT_AURORA_DENIED] = {"hint.aurora_cluster.denied",
        M_("{hint}; or make sure yourself that the cluster is available before the run")},
    [MSG_HINT_ALLOW_DESCRIBE_CLUSTERS] = {"hint.allow_describe_db_clusters", M_("allow rds:DescribeDBClusters")},
    [MSG_HINT_NETWORK_LOOK_AGAIN] = {"hint.network_look_again", M_("check the network, then look again")},
    [MSG_EARLY_CAUSE_BEDROCK] = {"early.cause.bedrock_access", M_("Bedrock model access denied")},
    [MSG_EARLY_CAUSE_NO_STATUS] = {"early.cause.no_status", M_("the task stopped without writing a status")},
    [MSG_EARLY_CAUSE_POPPLER] = {"early.cause.poppler", M_("Unable to get page count (poppler)")},
    [MSG_EARLY_CAUSE_NUL] = {"early.cause.nul_bytes",
        M_("a document holds NUL bytes (invalid byte sequence for encoding UTF8: 0x00)")},
    [MSG_EARLY_CAUSE_DATABASE] = {"early.cause.database", M_("the task could not reach the Aurora cluster")},
    [MSG_EARLY_CAUSE_NO_REASON] = {"early.cause.no_reason", M_("no reason given")},
    [MSG_EARLY_HINT_BEDROCK] = {"early.hint.bedrock_access",
        M_("enable model access to Cohere Embed Multilingual (cohere.embed-multilingual-v3) in the "
           "Amazon Bedrock console (Model access) of the stack's region, then resume with "
           "`bedrock-chat-migrate run --yes --retry-failed`")},
    [MSG_EARLY_HINT_NO_STATUS] = {"early.hint.no_status",
        M_("read one task's stopped reason and log (`bedrock-chat-migrate logs BOT_ID`): image pull, "
           "network (private subnets with NAT) or memory; on v1.2.5+ a task launched without EVENT "
           "dies this way")},
    [MSG_EARLY_HINT_POPPLER] = {"early.hint.poppler",
        M_("the embedding image cannot parse these PDFs: replace or remove them in the app, then retry")},
    [MSG_EARLY_HINT_NUL] = {"early.hint.nul_bytes",
        M_("remove the NUL bytes from the documents (or the documents), then retry")},
    [MSG_EARLY_HINT_DATABASE] = {"early.hint.database",
        M_("check that the Aurora cluster is available (`bedrock-chat-migrate outputs`) and that "
           "the task's security group may reach it, then retry")},
    [MSG_EARLY_HINT_OTHER] = {"early.hint.other",
        M_("read one bot's log (`bedrock-chat-migrate logs BOT_ID`), fix the cause, then resume with "
           "`bedrock-chat-migrate run --yes --retry-failed`")},
    [MSG_EARLY_STOPPED_ONE] = {"early.stopped_one",
        M_("{count} of the first {seen} bots to finish failed the same way: {cause}. Not launching the "
           "other {queued} bot (tasks already running finish on their own). What to fix: {hint}")},
    [MSG_EARLY_STOPPED] = {"early.stopped",
        M_("{count} of the first {seen} bots to finish failed the same way: {cause}. Not launching the "
           "other {queued} bots (tasks already running finish on their own). What to fix: {hint}")},
    [MSG_CHECK_MODEL_OK] = {"check.bedrock_model_access.ok",
        M_("{model} can be invoked in {region} (authorized, entitled, access granted)")},
    [MSG_CHECK_MODEL_PENDING] = {"check.bedrock_model_access.pending",
        M_("access to {model} in {region} was requested and is still being granted")},
    [MSG_HINT_MODEL_PENDING] = {"hint.bedrock_model_access.pending",
        M_("wait until the Amazon Bedrock console (Model access, region {region}) shows access granted, "
           "then look again; tasks launched now would all fail")},
    [MSG_CHECK_MODEL_NOT_IN_REGION] = {"check.bedrock_model_access.not_in_region",
        M_("{model} is not offered in {region}")},
    [MSG_HINT_MODEL_NOT_IN_REGION] = {"hint.bedrock_model_access.not_in_region",
        M_("the embedding tasks call Bedrock in the stack's region ({region}), where {model} is not "
           "available: every task would fail. Check the region (--region) of the stack")},
    [MSG_CHECK_MODEL_NOT_AUTHORIZED] = {"check.bedrock_model_access.not_authorized",
        M_("this account is not authorized to invoke {model} in {region}")},
    [MSG_CHECK_MODEL_NOT_ENTITLED] = {"check.bedrock_model_access.not_entitled",
        M_("this account is not entitled to {model} in {region}")},
    [MSG_CHECK_MODEL_AGREEMENT_ERROR] = {"check.bedrock_model_access.agreement_error",
        M_("the access agreement for {model} in {region} is in error: {error}")},
    [MSG_CHECK_MODEL_NO_AGREEMENT] = {"check.bedrock_model_access.no_agreement",
        M_("model access to {model} has not been granted in {region}")},
    [MSG_HINT_MODEL_ENABLE] = {"hint.bedrock_model_access.enable",
        M_("every embedding task calls {model}, so every bot would fail: enable it in the Amazon Bedrock "
           "console, Model access, in region {region} (Cohere Embed Multilingual), wait until access is "
           "granted, then run again")},
    [MSG_HINT_MODEL_FIRST_USE] = {"hint.bedrock_model_access.first_use",
        M_("Bedrock grants access to {model} on its first invocation when the embedding task's role "
           "may subscribe through AWS Marketplace; if it may not, every task fails: to be sure, "
           "enable it first in the Amazon Bedrock console (Model catalog or Model access, region "
           "{region}). A run whose first bots all fail on it stops launching")},
    [MSG_HINT_MODEL_DENIED] = {"hint.bedrock_model_access.denied",
        M_("optional: allow bedrock:GetFoundationModelAvailability to have it checked (see the README's IAM "
           "policy), or make sure yourself that model access to {model} is granted in the Amazon Bedrock "
           "console (Model access, {region})")},
    [MSG_HINT_MODEL_UNKNOWN] = {"hint.bedrock_model_access.unknown",
        M_("make sure model access to {model} is granted in the Amazon Bedrock console (Model access, "
           "{region}); a run whose first bots all fail on it stops launching")},
    [MSG_COPY_CREATING_SECRET] = {"copy.progress.creating_secret", M_("creating the temporary secret {name}")},
    [MSG_COPY_CREATING_SECURITY_GROUP] = {"copy.progress.creating_security_group", M_("creating the temporary security group {name} (no inbound rules)")},
    [MSG_COPY_RESTORING] = {"copy.progress.restoring", M_("restoring snapshot {snapshot} as the temporary cluster {name}")},
    [MSG_COPY_FOUND_RESTORED] = {"copy.progress.found_restored", M_("found the temporary cluster {name} restored before the interruption")},
    [MSG_COPY_ADDING_INSTANCE] = {"copy.progress.adding_instance", M_("adding the db.serverless instance {name}")},
    [MSG_COPY_CLUSTER_STATUS] = {"copy.progress.cluster_status", M_("temporary cluster {name}: {status}")},
    [MSG_COPY_INSTANCE_STATUS] = {"copy.progress.instance_status", M_("temporary instance {name}: {status}")},
    [MSG_COPY_SETTING_PASSWORD] = {"copy.progress.setting_password", M_("setting a new master password on {name} (kept only in the temporary secret)")},
    [MSG_COPY_ENABLING_DATA_API] = {"copy.progress.enabling_data_api", M_("enabling the Data API on {name}")},
    [MSG_COPY_DELETING_SECRET] = {"copy.progress.deleting_secret", M_("deleting the temporary secret {name}")},
    [MSG_COPY_DELETING_SECURITY_GROUP] = {"copy.progress.deleting_security_group", M_("deleting the temporary security group {name}")},
    [MSG_COPY_DELETING_CLUSTER] = {"copy.progress.deleting_cluster", M_("deleting the temporary cluster {name}")},
    [MSG_COPY_DELETING_INSTANCE] = {"copy.progress.deleting_instance", M_("deleting the temporary instance {name}")},
    [MSG_COPY_RESUMING] = {"copy.resume", M_("resuming copy run {run_id} from snapshot {snapshot}")},
    [MSG_COPY_RESUMING_VERIFIED] = {"copy.resume_verified", M_("the copy was verified before the interruption; only the temporary resources remain to be deleted")},
    [MSG_COPY_MISMATCH] = {"copy.mismatch", M_("bot {bot}: {want} rows in the snapshot, {got} in the new cluster")},
    [MSG_COPY_SNAPSHOT_NOT_LISTED] = {"copy.snapshot_not_listed", M_("snapshot {snapshot} is not one of those listed")},
    [MSG_CONCURRENCY_QUOTA] = {"concurrency.quota",
        M_("{quota} vCPU (Fargate on-demand quota) / {vcpu} vCPU per task")},
    [MSG_CONCURRENCY_QUOTA_ASSUMED] = {"concurrency.quota_assumed",
        M_("{quota} vCPU (the default Fargate on-demand quota, assumed) / {vcpu} vCPU per task")},
    [MSG_CONCURRENCY_WIZARD] = {"concurrency.wizard", M_("chosen in the wizard")},
    [MSG_ASSUME_TASK_SIZE] = {"assume.task_size",
        M_("Task size {vcpu} vCPU / {memory} GB from the task definition; Fargate bills from "
           "image pull to stop, per second, at least one minute ({architecture}, {priced}).")},
    [MSG_ASSUME_TASK_SIZE_DEFAULT] = {"assume.task_size_default",
        M_("Task size {vcpu} vCPU / {memory} GB (the v1 default; task definition not read); "
           "Fargate bills from image pull to stop, per second, at least one minute "
           "({architecture}, {priced}).")},
    [MSG_PRICED] = {"priced", M_("priced")},
    [MSG_PRICE_UNKNOWN] = {"price_unknown", M_("price unknown")},
    [MSG_ASSUME_STARTUP] = {"assume.startup",
        M_("Each task spends {start_lo}-{start_hi} s starting and stopping (image pull, network "
           "interface, start) and {work_lo}-{work_hi} s on bookkeeping (status writes, Aurora "
           "delete and insert).")},
    [MSG_ASSUME_CHUNKS] = {"assume.chunks",
        M_("Text is split into chunk_size characters with chunk_overlap (default {size}/{overlap}), "
           "so about chunk_size/(chunk_size-overlap) = {factor}x the text is embedded; the high "
           "bound adds {margin} for separator-aligned splits.")},
    [MSG_ASSUME_TOKENS] = {"assume.tokens",
        M_("Tokens: low bound {lo} bytes a token (English, 4.8 characters a token), high bound "
           "{hi} bytes a token (Japanese, 3-byte characters at 1 character a token).")},
    [MSG_ASSUME_FILES] = {"assume.files",
        M_("Text files (.txt, .md, .csv, .html, ...) are all text; PDFs and other files hold "
           "{ratio_lo}-{ratio_hi} of their size as text, extracted at {speed_lo}-{speed_hi} KB/s.")},
    [MSG_ASSUME_EMBED_TIME] = {"assume.embed_time",
        M_("Embedding takes {lo}-{hi} s per chunk (batched calls vs one Bedrock call per chunk).")},
    [MSG_ASSUME_WEB_PROBED] = {"assume.web_probed",
        M_("Web sources were probed from this machine (plan --probe-web): a source URL's text is "
           "taken as {share}-{full} of the bytes it answered with (markup), a sitemap as the pages it "
           "lists; URLs that did not answer here keep the guess below.")},
    [MSG_ASSUME_CRAWL] = {"assume.crawl",
        M_("Crawled sources have no size before the task fetches them: each URL is taken as "
           "{kb_lo}-{kb_hi} KB of text fetched in {s_lo}-{s_hi} s, each sitemap as "
           "{pages_lo}-{pages_hi} such pages; the high end is a cap, not a bound.")},
    [MSG_ASSUME_MODEL_PRICED] = {"assume.model_priced",
        M_("Bedrock model {model} at the table's price per 1K input tokens.")},
    [MSG_ASSUME_MODEL_UNPRICED] = {"assume.model_unpriced",
        M_("Bedrock model {model} at an unknown price per 1K input tokens.")},
    [MSG_ASSUME_WALL] = {"assume.wall",
        M_("Wall clock: tasks run {concurrency} at a time ({why}), longest expected first, each "
           "starting when a slot frees.")},
    [MSG_ASSUME_BOUND] = {"assume.bound", M_("Concurrency bound ({bound}): {reason}.")},
    [MSG_BOUND_FARGATE] = {"bound.fargate",
        M_("{quota} vCPU ({origin} Fargate on-demand quota {service}/{code}) / {vcpu} vCPU per task")},
    [MSG_BOUND_FARGATE_ASSUMED] = {"bound.fargate_assumed",
        M_("{quota} vCPU (the default Fargate on-demand quota, assumed: {why}) / {vcpu} vCPU per task")},
    [MSG_QUOTA_APPLIED] = {"quota.applied", M_("applied")},
    [MSG_QUOTA_AWS_DEFAULT] = {"quota.aws_default", M_("AWS default")},
    [MSG_QUOTA_BELOW_ONE_TASK] = {"quota.below_one_task", M_("the quota read is below one task")},
    [MSG_NOT_READ] = {"not_read", M_("not read")},
    [MSG_NOT_ASKED] = {"not_asked", M_("not asked")},
    [MSG_UNIT_REQUESTS] = {"unit.requests", M_("requests")},
    [MSG_UNIT_TOKENS] = {"unit.tokens", M_("tokens")},
    [MSG_BOUND_BEDROCK_NOT_READ] = {"bound.bedrock_not_read",
        M_("the Bedrock {unit}-per-minute quota of {model} was not read ({why}): it bounds nothing "
           "here, but tasks beyond it fail with ThrottlingException")},
    [MSG_BOUND_BEDROCK_ZERO] = {"bound.bedrock_zero",
        M_("the Bedrock {unit}-per-minute quota of {model} reads 0 ({origin} {service}/{code}): not "
           "taken as a bound; check it in the Service Quotas console")},
    [MSG_BOUND_BEDROCK] = {"bound.bedrock",
        M_("{value} {unit} a minute ({origin} Bedrock quota {service}/{code} for {model}) / "
           "{per_task} {unit} a minute per embedding task")},
    [MSG_BOUND_AURORA] = {"bound.aurora",
        M_("at most {tasks} tasks at once, a ceiling protecting the small Aurora Serverless v2 "
           "cluster (v1 caps it at 5 ACU)")},
    [MSG_NAT_WHY] = {"nat.why",
        M_("{image} is pulled whole by every task (Fargate caches no image); {route}{price}")},
    [MSG_NAT_IMAGE_KNOWN] = {"nat.image_known", M_("The image ({gb} GB compressed, ecr:DescribeImages)")},
    [MSG_NAT_IMAGE_ASSUMED] = {"nat.image_assumed", M_("The image ({lo}-{hi} GB assumed: {why})")},
    [MSG_NAT_ROUTE_NAT_ONE_ONE] = {"nat.route_nat_1_1",
        M_("{via} of {subnets} private subnet routes it through a NAT gateway without an S3 gateway "
           "endpoint{detail}")},
    [MSG_NAT_ROUTE_NAT_ONE_MANY] = {"nat.route_nat_1_n",
        M_("{via} of {subnets} private subnet route it through a NAT gateway without an S3 gateway "
           "endpoint{detail}")},
    [MSG_NAT_ROUTE_NAT_MANY_ONE] = {"nat.route_nat_n_1",
        M_("{via} of {subnets} private subnets routes it through a NAT gateway without an S3 "
           "gateway endpoint{detail}")},
    [MSG_NAT_ROUTE_NAT_MANY_MANY] = {"nat.route_nat_n_n",
        M_("{via} of {subnets} private subnets route it through a NAT gateway without an S3 gateway "
           "endpoint{detail}")},
    [MSG_NAT_DETAIL] = {"nat.detail", M_(" ({why})")},
    [MSG_NAT_ENDPOINTS_NOT_READ] = {"nat.endpoints_not_read", M_("endpoints not read")},
    [MSG_NAT_ROUTE_ENDPOINT] = {"nat.route_endpoint",
        M_("an S3 gateway endpoint on the private subnets' route tables takes the layers off the "
           "NAT gateway, so the pull costs no NAT data processing")},
    [MSG_NAT_ROUTE_NO_NAT] = {"nat.route_no_nat",
        M_("the private subnets do not route to the internet through a NAT gateway, so the pull "
           "costs no NAT data processing")},
    [MSG_NAT_ROUTE_UNKNOWN] = {"nat.route_unknown",
        M_("the stack's layout is assumed (private subnets through a NAT gateway, no VPC "
           "endpoint): {why}")},
    [MSG_NAT_ROUTES_NOT_READ] = {"nat.routes_not_read", M_("the routes were not read")},
    [MSG_NAT_PRICE] = {"nat.price", M_("; NAT data processing ${price} per GB in {region}.")},
    [MSG_NO_PERMISSION] = {"facts.no_permission", M_("no permission {permission}")},
    [MSG_QUOTA_MISSING] = {"facts.quota_missing",
        M_("Service Quotas has no quota {service}/{code} in this region")},
    [MSG_QUOTA_NO_VALUE] = {"facts.quota_no_value", M_("Service Quotas answered without a value")},
    [MSG_PULL_IMAGE_NOT_IN_REPO] = {"facts.image_not_in_repository",
        M_("the task definition's image is not in its ECR repository")},
    [MSG_PULL_REPO_NOT_FOUND] = {"facts.repository_not_found",
        M_("the task definition's ECR repository was not found")},
    [MSG_PULL_NO_SIZE] = {"facts.no_image_size",
        M_("ECR did not report the image's size (imageSizeInBytes)")},
    [MSG_PULL_ENDPOINTS_UNREAD] = {"facts.endpoints_unread",
        M_("the S3 gateway endpoints were not read ({why}): an endpoint is assumed absent")},
    [MSG_PULL_NO_ANSWER] = {"facts.no_answer", M_("no answer")},
    [MSG_PULL_ROUTES_UNREAD] = {"facts.routes_unread", M_("the private subnets' route tables were not read")},
    [MSG_PULL_IMAGE_UNKNOWN] = {"facts.image_unknown", M_("the task definition's image is not known")},
    [MSG_PULL_NOT_ECR] = {"facts.not_ecr", M_("the image is not in a private ECR repository")},
    [MSG_PULL_OTHER_REGION] = {"facts.other_region", M_("the image is in ECR in {image_region}, not {region}")},
    [MSG_PULL_NO_SUBNETS] = {"facts.no_subnets", M_("the deployment names no private subnets")},
    [MSG_PULL_NO_VPC] = {"facts.no_vpc", M_("the VPC is not known")},
    [MSG_NAT_NO_PRICE] = {"nat.no_price",
        M_("; no NAT data-processing price for {region} in the table (give nat_per_gb with "
           "--prices FILE).")},
    [MSG_ASSUME_SPARSE_INDEX] = {"assume.sparse_index",
        M_("Bots were read from the sparse index LastBotUsedIndex, which holds only items with "
           "LastBotUsed: a bot item without it (hand-edited or imported) is not seen; "
           "--scan-table reads the whole table to be sure.")},
    [MSG_ASSUME_PRICES] = {"assume.prices",
        M_("Prices are {region} list prices in USD ({source}, {date}) without tax, Savings Plans, "
           "credits or the free tier; the NAT gateway's hours, logs and S3 requests are not "
           "included.")},

    [MSG_PRICES_BUILTIN] = {"prices.builtin", M_("built-in table")},
    [MSG_PRICES_OVERRIDE_ONE] = {"prices.override_one", M_("{origin} ({count} price) over the built-in table")},
    [MSG_PRICES_OVERRIDE] = {"prices.override", M_("{origin} ({count} prices) over the built-in table")},
    [MSG_PRICES_OVERRIDE_SOURCE_ONE] = {"prices.override_source_one",
        M_("{origin}: {source} ({count} price) over the built-in table")},
    [MSG_PRICES_OVERRIDE_SOURCE] = {"prices.override_source",
        M_("{origin}: {source} ({count} prices) over the built-in table")},
    [MSG_PRICES_EDITED] = {"prices.edited", M_("{source} + edited in the wizard")},
    [MSG_PRICE_NOTE_NO_REGION] = {"prices.note.no_region",
        M_("the built-in table has no prices for {region}; give them with --prices FILE")},
    [MSG_PRICE_NOTE_NO_FARGATE] = {"prices.note.no_fargate",
        M_("no Fargate {architecture} price for {region} in the built-in table")},
    [MSG_PRICE_NOTE_EMBED_ASSUMED] = {"prices.note.embed_assumed",
        M_("no published {model} price for {region} was found: the us-east-1 price (${price} "
           "per 1K tokens) is assumed; give the real one with --prices FILE")},
    [MSG_PRICE_NOTE_DDB_ASSUMED] = {"prices.note.dynamodb_assumed",
        M_("no DynamoDB read price for {region} in the built-in table: the us-east-1 price "
           "(${price} per million reads) is assumed")},

    [MSG_RUN_NO_TASK_RETURNED] = {"run.no_task_returned", M_("no task returned")},
    [MSG_RUN_ITEM_GONE] = {"run.item_gone",
        M_("the bot's item is no longer in the table (deleted during the run?)")},
    [MSG_RUN_EMBED_FAILED_NO_REASON] = {"run.embedding_failed", M_("embedding failed (no reason given)")},
    [MSG_RUN_STOPPED_WITH_STATUS] = {"run.stopped_with_status",
        M_("the task stopped while the bot's SyncStatus was {status}")},
    [MSG_RUN_STOPPED_WITHOUT_STATUS] = {"run.stopped_without_status",
        M_("the task stopped without writing a SyncStatus for itself")},
    [MSG_RUN_UNSET] = {"run.unset", M_("unset")},
    [MSG_RUN_STOP_CODE] = {"run.stop_code", M_("; stopCode {code}")},
    [MSG_RUN_ECS_REASON] = {"run.ecs_reason", M_("; {reason}")},
    [MSG_RUN_EXIT_CODE] = {"run.exit_code", M_("; container exit code {code}")},
    [MSG_RUN_EXIT_CODE_OOM] = {"run.exit_code_oom", M_("; container exit code {code} (killed: out of memory?)")},
    [MSG_RUN_STOPPED_BY_OPERATOR] = {"run.stopped_by_operator", M_("stopped by the operator")},
    [MSG_RUN_ECS_MISSING] = {"run.ecs_missing", M_("ECS no longer describes this task (MISSING)")},
};

const char *message_id_name(enum message_id id)
{
    return id > MSG_NONE && id < MSG_COUNT && s_catalog[id].name ? s_catalog[id].name : "none";
}

const char *message_template(enum message_id id)
{
    return id > MSG_NONE && id < MSG_COUNT && s_catalog[id].en ? s_catalog[id].en : "";
}

static enum message_id s_id_of(const char *name)
{
    for (int i = MSG_NONE + 1; i < MSG_COUNT; i++)
        if (s_catalog[i].name && strcmp(s_catalog[i].name, name) == 0)
            return (enum message_id)i;
    return MSG_NONE;
}

/* ---- owning and copying ---- */

static void s_copy_arg(struct message_arg *dst, const struct message_arg *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name ? src->name : "");
    if (src->type == MSG_ARG_TEXT) {
        dst->text = xstrdup(src->text ? src->text : "");
    } else if (src->type == MSG_ARG_MESSAGE) {
        struct message *copy = xcalloc(1, sizeof *copy);
        if (src->message)
            message_copy(copy, src->message);
        dst->message = copy;
    }
}

struct message message_make(enum message_id id, const struct message_arg *args, size_t nargs)
{
    struct message m = {id, NULL, 0};
    if (nargs) {
        m.args = xcalloc(nargs, sizeof *m.args);
        for (size_t i = 0; i < nargs; i++)
            s_copy_arg(&m.args[i], &args[i]);
        m.nargs = nargs;
    }
    return m;
}

struct message message_text(const char *text)
{
    return MESSAGE(MSG_TEXT, MSG_S("text", text));
}

void message_copy(struct message *dst, const struct message *src)
{
    *dst = message_make(src->id, src->args, src->nargs);
}

void message_free(struct message *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nargs; i++) {
        struct message_arg *a = &m->args[i];
        free((char *)a->name);
        if (a->type == MSG_ARG_TEXT) {
            free((char *)a->text);
        } else if (a->type == MSG_ARG_MESSAGE) {
            struct message *inner = (struct message *)a->message;
            message_free(inner);
            free(inner);
        }
    }
    free(m->args);
    memset(m, 0, sizeof *m);
}

/* ---- rendering ---- */

static const struct message_arg *s_find_arg(const struct message *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->nargs; i++)
        if (strlen(m->args[i].name) == len && memcmp(m->args[i].name, name, len) == 0)
            return &m->args[i];
    return NULL;
}

static void s_render_into(buf_t *out, const struct message *m, message_translate_fn translate, int depth);

static void s_put_arg(buf_t *out, const struct message_arg *a, message_translate_fn translate, int depth)
{
    switch (a->type) {
    case MSG_ARG_TEXT:
        buf_puts(out, a->text);
        break;
    case MSG_ARG_INT:
        buf_printf(out, "%lld", a->integer);
        break;
    case MSG_ARG_NUMBER: {
        char tmp[64];
        snprintf(tmp, sizeof tmp, a->format ? a->format : "%g", a->number);
        buf_puts(out, tmp);
        break;
    }
    case MSG_ARG_MESSAGE:
        if (a->message && depth < 8)
            s_render_into(out, a->message, translate, depth + 1);
        break;
    }
}

static void s_render_into(buf_t *out, const struct message *m, message_translate_fn translate, int depth)
{
    const char *tmpl = message_template(m->id);
    if (translate && m->id != MSG_TEXT && m->id != MSG_JOIN && *tmpl) {
        const char *context = s_catalog[m->id].context;
        /* gettext keys a msgctxt entry as "context\004english". */
        char *key = context ? xasprintf("%s\004%s", context, tmpl) : NULL;
        const char *t = translate(key ? key : tmpl);
        if (t && *t && t != key)
            tmpl = t;
        free(key);
    }
    for (const char *p = tmpl; *p;) {
        const char *close = *p == '{' ? strchr(p + 1, '}') : NULL;
        const struct message_arg *a = close ? s_find_arg(m, p + 1, (size_t)(close - p - 1)) : NULL;
        if (a) {
            s_put_arg(out, a, translate, depth);
            p = close + 1;
        } else {
            buf_putc(out, *p++);
        }
    }
}

char *message_render(const struct message *m, message_translate_fn translate)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "");
    if (m)
        s_render_into(&b, m, translate, 0);
    return buf_detach(&b);
}

char *message_english(const struct message *m)
{
    return message_render(m, NULL);
}

void message_template_names(const char *tmpl, void (*fn)(void *ud, const char *name, size_t len), void *ud)
{
    for (const char *p = tmpl ? strchr(tmpl, '{') : NULL; p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p + 1, '}');
        if (!close)
            return;
        fn(ud, p + 1, (size_t)(close - p - 1));
    }
}

/* ---- JSON ---- */

cJSON *message_params_json(const struct message *m)
{
    cJSON *params = cJSON_CreateObject();
    for (size_t i = 0; m && i < m->nargs; i++) {
        const struct message_arg *a = &m->args[i];
        switch (a->type) {
        case MSG_ARG_TEXT: cJSON_AddStringToObject(params, a->name, a->text); break;
        case MSG_ARG_INT: cJSON_AddNumberToObject(params, a->name, (double)a->integer); break;
        case MSG_ARG_NUMBER: cJSON_AddNumberToObject(params, a->name, a->number); break;
        case MSG_ARG_MESSAGE: cJSON_AddItemToObject(params, a->name, message_to_json(a->message)); break;
        }
    }
    return params;
}

cJSON *message_to_json(const struct message *m)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", message_id_name(m ? m->id : MSG_NONE));
    cJSON_AddItemToObject(j, "params", message_params_json(m));
    return j;
}

static void s_from_json(const cJSON *j, struct message *out, int depth)
{
    memset(out, 0, sizeof *out);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    if (!cJSON_IsString(id) || depth > 8)
        return;
    out->id = s_id_of(id->valuestring);
    if (out->id == MSG_NONE || !cJSON_IsObject(params))
        return;
    size_t n = (size_t)cJSON_GetArraySize(params);
    if (!n)
        return;
    out->args = xcalloc(n, sizeof *out->args);
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        struct message_arg *a = &out->args[out->nargs];
        if (!p->string)
            continue;
        if (cJSON_IsString(p)) {
            *a = MSG_S(xstrdup(p->string), xstrdup(p->valuestring));
        } else if (cJSON_IsNumber(p)) {
            double v = p->valuedouble;
            if (v == floor(v) && fabs(v) < 9e15)
                *a = MSG_I(xstrdup(p->string), (long long)v);
            else
                *a = MSG_F(xstrdup(p->string), "%g", v);
        } else if (cJSON_IsObject(p)) {
            struct message *inner = xcalloc(1, sizeof *inner);
            s_from_json(p, inner, depth + 1);
            *a = MSG_M(xstrdup(p->string), inner);
        } else {
            continue;
        }
        out->nargs++;
    }
}

void message_from_json(const cJSON *j, struct message *out)
{
    s_from_json(j, out, 0);
}
