/* engine/discover/ — the engine's first folder (util < aws < engine < app < views):
 * finding the deployment and what is in it — who the caller is (identity), the stack
 * outputs, discovered or pasted (stack_outputs, outputs_paste), their checks against the
 * live account (deployment) and the bots with their documents (inventory). Uses aws/
 * and util/; no terminal, no stdout: the commands and the wizard render what it finds.
 * Beside it: estimate/, run/, and later verify/ and copy/.
 *
 * The deployment being migrated: stack outputs resolved (discovered from CloudFormation
 * or parsed from a paste) and validated against the live account, plus the facts read
 * from it that later steps need (task size, container, log group).
 *
 * Owns: discovery (DescribeStacks / ListStacks), the validation checklist with a fix hint
 * per check, and struct deployment. It does not know about terminals: the `outputs`
 * command and the wizard both render its checklist. */
#ifndef BCM_ENGINE_DEPLOYMENT_H
#define BCM_ENGINE_DEPLOYMENT_H

#include "engine/discover/aurora_cluster.h"
#include "engine/discover/stack_outputs.h"
#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>

struct aws_session;
struct cJSON;

enum check_state { CHECK_PENDING, CHECK_OK, CHECK_WARN, CHECK_FAIL, CHECK_SKIPPED };

struct deployment_check {
    const char *id;        /* stable: "table", "cluster", "task_definition", "subnets",
                              "security_group", "document_bucket", "stack_version",
                              "aurora_cluster", "release", "bedrock_model_access" */
    enum check_state state;
    char *summary;         /* what was found: "ACTIVE, 2 vCPU / 4096 MiB, FARGATE" (English) */
    char *hint;            /* what to do when not OK; NULL when OK (English) */
    struct message summary_msg; /* the same as messages, for views that translate */
    struct message hint_msg;    /* MSG_NONE when there is no hint */
};

struct deployment {
    struct stack_outputs outputs;
    char *source;              /* "CloudFormation stack BedrockChatStack", "file out.txt", "paste" */
    struct message source_msg; /* source as a message */
    char *stack_name;          /* when discovered */
    /* from DescribeTaskDefinition */
    char *task_definition_arn; /* family:revision resolved to the latest ACTIVE */
    int task_cpu_units;        /* 2048 = 2 vCPU */
    int task_memory_mib;
    char *container_name;      /* the essential container ("Container") */
    char *container_image;     /* its image URI (ECR: the size every task pulls) */
    char *log_group;           /* awslogs-group */
    char *log_stream_prefix;   /* awslogs-stream-prefix ("embed-task") */
    char *log_region;
    bool fargate;              /* requiresCompatibilities has FARGATE */
    char *cpu_architecture;    /* "X86_64" / "ARM64" */
    char *release_family;      /* "v1.2.5+" / "v1.0.0-v1.2.4", or NULL when nothing tells */
    /* what told it: the stack's Step Functions state machine (v1.2.5+ launches its tasks
     * through one; read with the optional cloudformation:ListStackResources), the task's
     * 100 GiB of ephemeral storage (v1.2.5+); neither: v1.0.0-v1.2.4 from the task */
    bool release_from_state_machine;
    bool release_from_ephemeral_storage;
    char *state_machine;       /* that state machine's name, or NULL */
    /* the v1 Aurora cluster, when DescribeDBClusters answered (have_aurora) */
    struct aurora_cluster aurora;
    bool have_aurora;
    /* Bedrock model access for the embedding model, when Bedrock answered: the verdict
     * ("accessible", "pending", "not_accessible") and its four answers as Bedrock wrote them;
     * all NULL when the check was skipped (no permission, no answer) */
    char *model_access;
    char *model_agreement;
    char *model_authorization;
    char *model_entitlement;
    char *model_region_availability;
    struct deployment_check *checks;
    size_t nchecks;
};

struct deployment_options {
    const char *stack;         /* --stack (default BedrockChatStack) */
    const char *outputs_file;  /* --outputs FILE or "-"; NULL: discover */
    const char *paste_text;    /* wizard paste box; used instead of discovery when set */
    size_t paste_len;
    bool check_bucket;         /* also HeadBucket/ListObjectsV2 the document bucket */
};

/* error is set (and dep NULL) when nothing usable was resolved: a missing stack with no
 * alternative, a malformed paste, missing keys, ambiguity. Otherwise dep carries every
 * check; deployment_ok() tells whether a run may go ahead. Valid during the callback;
 * use deployment_move to keep it. */
typedef void (*deployment_done_fn)(void *ud, struct deployment *dep, const char *error);

void deployment_resolve(struct aws_session *s, const struct deployment_options *opts,
                        deployment_done_fn done, void *ud);
bool deployment_ok(const struct deployment *dep);
/* The check with that id, or NULL. */
const struct deployment_check *deployment_check_by_id(const struct deployment *dep, const char *id);
/* The Aurora cluster check from a fresh DescribeDBClusters answer (the wizard re-checks it
 * while the cluster starts); keeps a copy of the cluster in dep->aurora. */
void deployment_set_aurora(struct deployment *dep, const struct aurora_result *r, const char *region);
void deployment_move(struct deployment *dst, struct deployment *src);
void deployment_free(struct deployment *dep);
struct cJSON *deployment_to_json(const struct deployment *dep);
/* What was deployed and what the launches satisfy, added to j (outputs and plan --json
 * share them): release_family (or null), task_contracts ["command", "EVENT"], and
 * bedrock_model_access ({model, verdict, agreement, authorization, entitlement,
 * region_availability}, or null when Bedrock was not asked or did not answer). */
void deployment_facts_to_json(const struct deployment *dep, struct cJSON *j);

#endif
