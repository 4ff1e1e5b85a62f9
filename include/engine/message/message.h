/* Structured messages: what the engine tells a person, as an id and its parameters
 * instead of a finished English sentence, so that each view words it in its own language.
 *
 * Owns: the catalog of message ids (enum message_id), the English template of each (the
 * gettext msgid, in src/engine/message/message.c, extracted by po/update.sh), typed parameters,
 * filling a template in, and the JSON form ({"id", "params"}). It does not know gettext or
 * terminals: a view passes a translate function (the wizard's looks the template up in the
 * catalog; the headless commands pass NULL and get the English).
 *
 * Templates name their parameters in braces: "table {table} not found in {region}". A
 * translation may reorder them but must use the same names (tests/unit/test_message.c
 * checks every one in the Japanese catalog). A parameter is text (names, ids, AWS's own
 * words: never translated), an integer, a number with its printf format, or another
 * message (rendered with the same translate function, so sentences can be composed). */
#ifndef BCM_ENGINE_MESSAGE_H
#define BCM_ENGINE_MESSAGE_H

#include <stddef.h>

struct cJSON;

enum message_id {
    MSG_NONE = 0,
    MSG_TEXT,                      /* "{text}": a text used as it is (no translation) */
    MSG_JOIN,                      /* "{first}{second}": two messages side by side */

    /* deployment: where the outputs came from */
    MSG_SOURCE_STACK,
    MSG_SOURCE_STACK_FOUND,
    MSG_SOURCE_PASTE,
    MSG_SOURCE_FILE,
    MSG_SOURCE_STDIN,

    /* deployment checks: generic failures and AWS's hints for error codes */
    MSG_CHECK_CALL_FAILED,
    MSG_CHECK_CALL_FAILED_BARE,
    MSG_CHECK_CALL_ON_FAILED,
    MSG_HINT_RETRY_PERMISSION,
    MSG_HINT_AWS_SIGNATURE,
    MSG_HINT_AWS_UNKNOWN_KEY,
    MSG_HINT_AWS_BAD_CREDENTIALS,
    MSG_HINT_AWS_EXPIRED,
    MSG_HINT_AWS_CLOCK,
    MSG_HINT_AWS_DENIED,

    /* table */
    MSG_CHECK_TABLE_NOT_FOUND,
    MSG_HINT_TABLE_NOT_FOUND,
    MSG_CHECK_TABLE_BAD_KEY,
    MSG_HINT_TABLE_BAD_KEY,
    MSG_CHECK_TABLE_STATE,
    MSG_HINT_TABLE_STATE,
    MSG_CHECK_TABLE_OK,
    MSG_UNKNOWN_STATUS,

    /* cluster */
    MSG_CHECK_CLUSTER_NOT_FOUND,
    MSG_HINT_CLUSTER_NOT_FOUND,
    MSG_CHECK_CLUSTER_STATE,
    MSG_HINT_CLUSTER_STATE,
    MSG_CHECK_CLUSTER_OK_ONE,
    MSG_CHECK_CLUSTER_OK,

    /* task definition */
    MSG_CHECK_TASKDEF_NOT_FOUND,
    MSG_HINT_TASKDEF_NOT_FOUND,
    MSG_CHECK_TASKDEF_STATE,
    MSG_HINT_TASKDEF_STATE,
    MSG_CHECK_TASKDEF_NOT_FARGATE,
    MSG_HINT_TASKDEF_NOT_FARGATE,
    MSG_CHECK_TASKDEF_NO_CONTAINER,
    MSG_CHECK_TASKDEF_NO_CONTAINERS,
    MSG_HINT_TASKDEF_CONTAINER,
    MSG_CHECK_TASKDEF_SIZE,
    MSG_HINT_TASKDEF_NO_LOGS,
    MSG_CHECK_TASKDEF_OK,
    MSG_NO_PREFIX,
    MSG_NONE_FOUND,

    /* subnets */
    MSG_CHECK_SUBNET_NOT_FOUND,
    MSG_HINT_SUBNETS,
    MSG_CHECK_SUBNETS_MISSING,
    MSG_CHECK_SUBNETS_PUBLIC,
    MSG_HINT_SUBNETS_PUBLIC,
    MSG_CHECK_SUBNETS_OK,
    MSG_CHECK_SUBNETS_OK_PRIVATE,

    /* security group */
    MSG_CHECK_SG_NOT_FOUND,
    MSG_HINT_SG_NOT_FOUND,
    MSG_CHECK_SG_OK,
    MSG_CHECK_SG_OK_NAMED,
    MSG_AN_UNKNOWN_VPC,
    MSG_CHECK_SG_OTHER_VPC,
    MSG_HINT_SG_OTHER_VPC,

    /* document bucket */
    MSG_CHECK_BUCKET_MISSING,
    MSG_HINT_BUCKET_MISSING,
    MSG_HINT_BUCKET_FAILED,
    MSG_CHECK_BUCKET_OK,
    MSG_CHECK_BUCKET_OK_EMPTY,
    MSG_CHECK_BUCKET_NO_OUTPUT,
    MSG_HINT_BUCKET_NO_OUTPUT,
    MSG_CHECK_BUCKET_NOT_CHECKED,
    MSG_HINT_BUCKET_NOT_CHECKED,

    /* stack version */
    MSG_CHECK_STACK_STATE,
    MSG_HINT_STACK_IN_PROGRESS,
    MSG_HINT_STACK_FAILED,
    MSG_CHECK_VERSION_UNKNOWN,
    MSG_HINT_VERSION_UNKNOWN,
    MSG_CHECK_VERSION_NOT_V1,
    MSG_HINT_VERSION_NOT_V1,
    MSG_CHECK_VERSION_OK,
    MSG_CHECK_VERSION_OK_STATUS,

    /* the release (task definition family) */
    MSG_CHECK_RELEASE_UNKNOWN,
    MSG_CHECK_RELEASE_NEW,
    MSG_CHECK_RELEASE_OLD,
    MSG_CHECK_RELEASE_OLD_NO_SFN,
    MSG_CHECK_RELEASE_NEW_SFN,
    MSG_CHECK_RELEASE_NEW_BOTH,

    /* the Aurora cluster */
    MSG_CHECK_AURORA_OK,
    MSG_AURORA_UNKNOWN_ENGINE,
    MSG_AURORA_ACU,
    MSG_AURORA_DATA_API,
    MSG_CHECK_AURORA_STOPPED,
    MSG_HINT_AURORA_STOPPED,
    MSG_CHECK_AURORA_STATE,
    MSG_HINT_AURORA_WAIT,
    MSG_HINT_AURORA_BAD_STATE,
    MSG_CHECK_NOT_CHECKED,
    MSG_HINT_AURORA_DENIED,
    MSG_HINT_ALLOW_DESCRIBE_CLUSTERS,
    MSG_HINT_NETWORK_LOOK_AGAIN,

    /* the early-failure stop: the shared causes it names and what to fix for each */
    MSG_EARLY_CAUSE_BEDROCK,
    MSG_EARLY_CAUSE_NO_STATUS,
    MSG_EARLY_CAUSE_POPPLER,
    MSG_EARLY_CAUSE_NUL,
    MSG_EARLY_CAUSE_DATABASE,
    MSG_EARLY_CAUSE_NO_REASON,
    MSG_EARLY_HINT_BEDROCK,
    MSG_EARLY_HINT_NO_STATUS,
    MSG_EARLY_HINT_POPPLER,
    MSG_EARLY_HINT_NUL,
    MSG_EARLY_HINT_DATABASE,
    MSG_EARLY_HINT_OTHER,
    MSG_EARLY_STOPPED_ONE,
    MSG_EARLY_STOPPED,

    /* Bedrock model access (the embedding model) */
    MSG_CHECK_MODEL_OK,
    MSG_CHECK_MODEL_PENDING,
    MSG_HINT_MODEL_PENDING,
    MSG_CHECK_MODEL_NOT_IN_REGION,
    MSG_HINT_MODEL_NOT_IN_REGION,
    MSG_CHECK_MODEL_NOT_AUTHORIZED,
    MSG_CHECK_MODEL_NOT_ENTITLED,
    MSG_CHECK_MODEL_AGREEMENT_ERROR,
    MSG_CHECK_MODEL_NO_AGREEMENT,
    MSG_HINT_MODEL_ENABLE,
    MSG_HINT_MODEL_FIRST_USE,
    MSG_HINT_MODEL_DENIED,
    MSG_HINT_MODEL_UNKNOWN,

    /* plan: concurrency and assumptions */
    MSG_CONCURRENCY_QUOTA,
    MSG_CONCURRENCY_QUOTA_ASSUMED,
    MSG_CONCURRENCY_WIZARD,
    MSG_ASSUME_TASK_SIZE,
    MSG_ASSUME_TASK_SIZE_DEFAULT,
    MSG_PRICED,
    MSG_PRICE_UNKNOWN,
    MSG_ASSUME_STARTUP,
    MSG_ASSUME_CHUNKS,
    MSG_ASSUME_TOKENS,
    MSG_ASSUME_FILES,
    MSG_ASSUME_EMBED_TIME,
    MSG_ASSUME_WEB_PROBED,
    MSG_ASSUME_CRAWL,
    MSG_ASSUME_MODEL_PRICED,
    MSG_ASSUME_MODEL_UNPRICED,
    MSG_ASSUME_WALL,
    MSG_ASSUME_BOUND,
    MSG_BOUND_FARGATE,
    MSG_BOUND_FARGATE_ASSUMED,
    MSG_QUOTA_APPLIED,
    MSG_QUOTA_AWS_DEFAULT,
    MSG_QUOTA_BELOW_ONE_TASK,
    MSG_NOT_READ,
    MSG_NOT_ASKED,
    MSG_UNIT_REQUESTS,
    MSG_UNIT_TOKENS,
    MSG_BOUND_BEDROCK_NOT_READ,
    MSG_BOUND_BEDROCK_ZERO,
    MSG_BOUND_BEDROCK,
    MSG_BOUND_AURORA,
    MSG_NAT_WHY,
    MSG_NAT_IMAGE_KNOWN,
    MSG_NAT_IMAGE_ASSUMED,
    MSG_NAT_ROUTE_NAT_ONE_ONE,
    MSG_NAT_ROUTE_NAT_ONE_MANY,
    MSG_NAT_ROUTE_NAT_MANY_ONE,
    MSG_NAT_ROUTE_NAT_MANY_MANY,
    MSG_NAT_DETAIL,
    MSG_NAT_ENDPOINTS_NOT_READ,
    MSG_NAT_ROUTE_ENDPOINT,
    MSG_NAT_ROUTE_NO_NAT,
    MSG_NAT_ROUTE_UNKNOWN,
    MSG_NAT_ROUTES_NOT_READ,
    MSG_NAT_PRICE,
    MSG_NAT_NO_PRICE,

    /* facts read for the estimate: why one could not be read */
    MSG_NO_PERMISSION,
    MSG_QUOTA_MISSING,
    MSG_QUOTA_NO_VALUE,
    MSG_PULL_IMAGE_NOT_IN_REPO,
    MSG_PULL_REPO_NOT_FOUND,
    MSG_PULL_NO_SIZE,
    MSG_PULL_ENDPOINTS_UNREAD,
    MSG_PULL_NO_ANSWER,
    MSG_PULL_ROUTES_UNREAD,
    MSG_PULL_IMAGE_UNKNOWN,
    MSG_PULL_NOT_ECR,
    MSG_PULL_OTHER_REGION,
    MSG_PULL_NO_SUBNETS,
    MSG_PULL_NO_VPC,
    MSG_ASSUME_SPARSE_INDEX,
    MSG_ASSUME_PRICES,

    /* prices */
    MSG_PRICES_BUILTIN,
    MSG_PRICES_OVERRIDE_ONE,
    MSG_PRICES_OVERRIDE,
    MSG_PRICES_OVERRIDE_SOURCE_ONE,
    MSG_PRICES_OVERRIDE_SOURCE,
    MSG_PRICES_EDITED,
    MSG_PRICE_NOTE_NO_REGION,
    MSG_PRICE_NOTE_NO_FARGATE,
    MSG_PRICE_NOTE_EMBED_ASSUMED,
    MSG_PRICE_NOTE_DDB_ASSUMED,

    /* run: reasons the program writes itself */
    MSG_RUN_NO_TASK_RETURNED,
    MSG_RUN_ITEM_GONE,
    MSG_RUN_EMBED_FAILED_NO_REASON,
    MSG_RUN_STOPPED_WITH_STATUS,
    MSG_RUN_STOPPED_WITHOUT_STATUS,
    MSG_RUN_UNSET,
    MSG_RUN_STOP_CODE,
    MSG_RUN_ECS_REASON,
    MSG_RUN_EXIT_CODE,
    MSG_RUN_EXIT_CODE_OOM,
    MSG_RUN_STOPPED_BY_OPERATOR,
    MSG_RUN_ECS_MISSING,

    MSG_COPY_CREATING_SECRET,
    MSG_COPY_CREATING_SECURITY_GROUP,
    MSG_COPY_RESTORING,
    MSG_COPY_FOUND_RESTORED,
    MSG_COPY_ADDING_INSTANCE,
    MSG_COPY_CLUSTER_STATUS,
    MSG_COPY_INSTANCE_STATUS,
    MSG_COPY_SETTING_PASSWORD,
    MSG_COPY_ENABLING_DATA_API,
    MSG_COPY_DELETING_SECRET,
    MSG_COPY_DELETING_SECURITY_GROUP,
    MSG_COPY_DELETING_CLUSTER,
    MSG_COPY_DELETING_INSTANCE,
    MSG_COPY_RESUMING,
    MSG_COPY_RESUMING_VERIFIED,
    MSG_COPY_MISMATCH,
    MSG_COPY_SNAPSHOT_NOT_LISTED,
    MSG_COUNT
};

enum message_arg_type { MSG_ARG_TEXT, MSG_ARG_INT, MSG_ARG_NUMBER, MSG_ARG_MESSAGE };

struct message;

struct message_arg {
    const char *name;
    enum message_arg_type type;
    const char *text;              /* MSG_ARG_TEXT (copied by message_make) */
    long long integer;             /* MSG_ARG_INT */
    double number;                 /* MSG_ARG_NUMBER, written with format */
    const char *format;            /* printf format of one double ("%.2f", "%g") */
    const struct message *message; /* MSG_ARG_MESSAGE (copied) */
};

/* A message owns its parameters (free with message_free). id MSG_NONE: no message. */
struct message {
    enum message_id id;
    struct message_arg *args;
    size_t nargs;
};

/* Parameters for MESSAGE(): MSG_S("table", name), MSG_I("count", n),
 * MSG_F("seconds", "%.1f", s), MSG_M("details", &other). A NULL text is written "". */
#define MSG_S(name_, text_) ((struct message_arg){.name = (name_), .type = MSG_ARG_TEXT, .text = (text_)})
#define MSG_I(name_, n_) ((struct message_arg){.name = (name_), .type = MSG_ARG_INT, .integer = (n_)})
#define MSG_F(name_, format_, x_) \
    ((struct message_arg){.name = (name_), .type = MSG_ARG_NUMBER, .number = (x_), .format = (format_)})
#define MSG_M(name_, message_) \
    ((struct message_arg){.name = (name_), .type = MSG_ARG_MESSAGE, .message = (message_)})

/* MESSAGE(MSG_CHECK_TABLE_NOT_FOUND, MSG_S("table", t), MSG_S("region", r)): a new message
 * owning copies of its parameters. MESSAGE0(id) for one without parameters. */
#define MESSAGE(id_, ...)                                                                   \
    message_make((id_), (const struct message_arg[]){__VA_ARGS__},                         \
                 sizeof((const struct message_arg[]){__VA_ARGS__}) / sizeof(struct message_arg))
#define MESSAGE0(id_) message_make((id_), NULL, 0)

struct message message_make(enum message_id id, const struct message_arg *args, size_t nargs);
/* A message that is the text itself (MSG_TEXT): for words that are not the program's. */
struct message message_text(const char *text);
void message_copy(struct message *dst, const struct message *src);
void message_free(struct message *m);

/* "check.table.not_found": stable, for --json and logs. */
const char *message_id_name(enum message_id id);
/* The English template (the gettext msgid); "" for MSG_NONE. */
const char *message_template(enum message_id id);

/* Returns the template to use for an English one (a catalog lookup); NULL means English. */
typedef const char *(*message_translate_fn)(const char *english);
/* The message in words (caller frees). Parameters a template does not name are left
 * out; a name the message lacks is written as it stands ("{name}"). */
char *message_render(const struct message *m, message_translate_fn translate);
/* message_render(m, NULL): the English, for --json, logs and reports. */
char *message_english(const struct message *m);

/* {"id": "...", "params": {"name": value, ...}}; a message parameter nests the same way. */
struct cJSON *message_to_json(const struct message *m);
/* The parameters alone ({} when none). */
struct cJSON *message_params_json(const struct message *m);
/* Reads message_to_json's form back (the journal keeps run reasons this way). Returns
 * MSG_NONE in out when the object is not one. */
void message_from_json(const struct cJSON *j, struct message *out);

/* The placeholders of a template, for tests: calls fn with each name in turn. */
void message_template_names(const char *tmpl, void (*fn)(void *ud, const char *name, size_t len),
                            void *ud);

#endif
