/* Stack outputs: the few values a migration needs from the Bedrock Chat stack's
 * CloudFormation outputs (table, cluster, task definition, security group, private
 * subnets, document bucket…), whatever they were read from.
 *
 * Owns: the known output keys and the guide's variable names, matching keys by prefix
 * (CDK appends a hash), the resolved set with the origin of every value, reporting of
 * missing and ambiguous keys (never a partial result), and — in outputs_paste.c — the
 * parser for whatever an operator pastes or saves (console copy, describe-stacks JSON /
 * text / table, KEY=VALUE lines, the guide's Python variable block), with the format
 * detected automatically. Knows nothing of AWS calls or terminals. */
#ifndef BCM_ENGINE_STACK_OUTPUTS_H
#define BCM_ENGINE_STACK_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

/* Input bounds for pastes and files: anything larger is refused, not truncated. */
#define STACK_OUTPUTS_MAX_INPUT (1024u * 1024u)
#define STACK_OUTPUTS_MAX_LINE 16384u

/* The values this tool knows about. Order is stable (used to index origin[]). */
enum stack_output_field {
    SO_TABLE,            /* DatabaseConversationTableName… / ConversationTableName / TABLE_NAME */
    SO_CLUSTER,          /* EmbeddingClusterName… / CLUSTER_NAME */
    SO_TASK_DEFINITION,  /* EmbeddingTaskDefinitionName… / TASK_DEFINITION_NAME (family) */
    SO_CONTAINER,        /* CONTAINER_NAME only (the stack has no such output) */
    SO_SECURITY_GROUP,   /* EmbeddingTaskSecurityGroupId… / SECURITY_GROUP_ID */
    SO_PRIVATE_SUBNET,   /* PrivateSubnetId0, PrivateSubnetId1… / SUBNET_ID */
    SO_PUBLIC_SUBNET,    /* PublicSubnetId0/1: known so they are never used for tasks */
    SO_DOCUMENT_BUCKET,  /* DocumentBucketName / DOCUMENT_BUCKET */
    SO_VPC,              /* VpcId */
    SO_DB_SECRET,        /* DbConfigSecretArn: present from v1 on */
    SO_DB_HOSTNAME,      /* DbConfigHostname */
    SO_NFIELDS
};

/* One key/value pair as read from a source, before matching. line is 1-based in the
 * paste (0 when it did not come from text, e.g. DescribeStacks). */
struct stack_output_pair {
    char *key;
    char *value;
    int line;
};

struct stack_output_pairs {
    struct stack_output_pair *items;
    size_t n;
    size_t cap;
};

/* The resolved set: plain strings, owned by the struct. Required: table, cluster,
 * task_definition, security_group and at least one private subnet; the rest may be
 * NULL / empty. */
struct stack_outputs {
    char *table;
    char *cluster;
    char *task_definition;   /* family (a family:revision or ARN is kept as given) */
    char *container;         /* NULL: take the essential container from the task definition */
    char *security_group;
    char **subnets;          /* private subnets for the tasks, in key order (…Id0, …Id1) */
    size_t nsubnets;
    char **public_subnets;   /* never used for tasks; validation refuses them */
    size_t npublic_subnets;
    char *document_bucket;
    char *vpc;
    char *db_secret_arn;
    char *db_hostname;
    /* Where each value came from: the key as written ("EmbeddingClusterName8D4B9D3A",
     * "CLUSTER_NAME"), with " (line N)" when read from text. NULL when absent. For the
     * subnets, the first one's key. */
    char *origin[SO_NFIELDS];
    /* True when the keys were CloudFormation output keys (so a missing DbConfig… output
     * means something), false when they were the guide's variable names. */
    bool from_output_keys;
};

/* A label for a field ("table", "ECS cluster", …) and the output key (prefix) to look
 * for, for messages and hints. */
const char *stack_output_field_label(enum stack_output_field f);
const char *stack_output_field_key(enum stack_output_field f);

/* Which field a key belongs to, by prefix (output keys) or exact name (guide variables,
 * case-insensitive); SO_NFIELDS when the key is not one this tool uses. */
enum stack_output_field stack_output_key_field(const char *key);

void stack_output_pairs_add(struct stack_output_pairs *p, const char *key, size_t keylen,
                            const char *value, size_t valuelen, int line);
void stack_output_pairs_free(struct stack_output_pairs *p);

/* True when the pairs carry the keys a migration needs (used to pick candidate stacks
 * during discovery); does not validate values. */
bool stack_output_pairs_usable(const struct stack_output_pairs *p);

/* Matches pairs to fields. Returns 0 with *out filled, or -1 with *error (caller frees)
 * naming each missing key and where to find it (CloudFormation › <stack_hint> ›
 * Outputs), the candidates of an ambiguous key, or the line of a malformed value; *out
 * is then left empty. stack_hint may be NULL ("BedrockChatStack"). */
int stack_outputs_resolve(const struct stack_output_pairs *pairs, const char *stack_hint,
                          struct stack_outputs *out, char **error);

void stack_outputs_free(struct stack_outputs *o);
/* Deep copy (for the wizard, which keeps a copy across screens). */
void stack_outputs_copy(struct stack_outputs *dst, const struct stack_outputs *src);

/* ---- outputs_paste.c: the paste / file parser ---------------------------------- */

enum outputs_paste_format {
    PASTE_FORMAT_UNKNOWN,
    PASTE_FORMAT_CONSOLE,     /* console Outputs tab copy (Key Value Description Export) */
    PASTE_FORMAT_JSON,        /* describe-stacks JSON, its Outputs array, or cdk outputs JSON */
    PASTE_FORMAT_CLI_TEXT,    /* describe-stacks --output text (OUTPUTS\t… rows) */
    PASTE_FORMAT_CLI_TABLE,   /* describe-stacks --output table, or any | Key | Value | table */
    PASTE_FORMAT_ASSIGNMENTS, /* KEY=VALUE lines, `export X=…`, the guide's Python block */
};

/* "console copy", "describe-stacks JSON", … */
const char *outputs_paste_format_name(enum outputs_paste_format f);

/* Splits text into key/value pairs. Handles a UTF-8 BOM, CRLF/CR line ends, stray
 * spaces. Returns 0, or -1 with *error saying which line is wrong and what was expected
 * (pairs then empty). *format (may be NULL) gets the detected format either way. */
int outputs_paste_pairs(const char *text, size_t len, struct stack_output_pairs *pairs,
                        enum outputs_paste_format *format, char **error);

/* outputs_paste_pairs + stack_outputs_resolve. */
int outputs_paste_parse(const char *text, size_t len, struct stack_outputs *out,
                        enum outputs_paste_format *format, char **error);

#endif
