/* Resolving and validating the deployment: stack outputs from CloudFormation (or a
 * paste / file), then one check per resource against the live account, all in flight at
 * once on the event loop. */
#include "engine/discover/deployment.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "aws/session.h"
#include "engine/discover/model_access.h"
#include "engine/discover/stack_resources.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STACK "BedrockChatStack"
#define DISCOVERY_MAX_PAGES 1000

enum check_index {
    CHK_TABLE,
    CHK_CLUSTER,
    CHK_TASK_DEFINITION,
    CHK_SUBNETS,
    CHK_SECURITY_GROUP,
    CHK_DOCUMENT_BUCKET,
    CHK_STACK_VERSION,
    CHK_AURORA,
    CHK_RELEASE,
    CHK_MODEL_ACCESS,
    CHK_COUNT
};

static const char *const CHECK_IDS[CHK_COUNT] = {
    "table", "cluster", "task_definition", "subnets", "security_group", "document_bucket",
    "stack_version", "aurora_cluster", "release", "bedrock_model_access",
};

struct found_stack {
    char *name;
    char *status;
    struct stack_output_pairs pairs;
};

struct resolve_call {
    struct aws_session *session;
    deployment_done_fn done;
    void *ud;
    char *stack;               /* the stack asked for */
    bool check_bucket;
    char *deferred_error;      /* reported from the loop, never from inside resolve */
    struct deployment dep;
    char *stack_status;        /* of the discovered stack */
    bool stack_explicit;       /* --stack was given: never adopt another stack */
    /* discovery: DescribeStacks without a name, a page at a time */
    size_t nstacks, pages;
    struct found_stack *found;
    size_t nfound;
    /* validation */
    int pending;
    int td_ephemeral_gib;      /* the task's ephemeral storage; -1: not read */
    bool resources_listed;     /* ListStackResources answered */
    char *state_machine;       /* a Step Functions state machine of the stack (v1.2.5+) */
    char *sg_vpc;
    char **subnet_vpcs;
    size_t nsubnet_vpcs;
};

/* ---- small helpers -------------------------------------------------------------------- */

/* Takes the messages; the English texts are kept beside them for --json and logs. */
static void s_check_set(struct deployment_check *ch, enum check_state state, struct message summary,
                        struct message hint)
{
    free(ch->summary);
    free(ch->hint);
    message_free(&ch->summary_msg);
    message_free(&ch->hint_msg);
    ch->state = state;
    ch->summary_msg = summary;
    ch->hint_msg = hint;
    ch->summary = message_english(&summary);
    ch->hint = hint.id != MSG_NONE ? message_english(&hint) : NULL;
}

static void s_set_check(struct resolve_call *c, enum check_index i, enum check_state state,
                        struct message summary, struct message hint)
{
    s_check_set(&c->dep.checks[i], state, summary, hint);
}

/* A text from elsewhere (another module's sentence, AWS's words) as a message; none for NULL. */
static struct message s_text_or_none(const char *text)
{
    return text ? message_text(text) : MESSAGE0(MSG_NONE);
}

/* AWS's error codes with a known remedy, as messages (aws_error_hint's English for them). */
static struct message s_error_hint(const struct aws_error *e, struct message fallback)
{
    static const struct {
        const char *code;
        enum message_id hint;
    } hints[] = {
        {"SignatureDoesNotMatch", MSG_HINT_AWS_SIGNATURE},
        {"InvalidClientTokenId", MSG_HINT_AWS_UNKNOWN_KEY},
        {"UnrecognizedClientException", MSG_HINT_AWS_BAD_CREDENTIALS},
        {"ExpiredToken", MSG_HINT_AWS_EXPIRED},
        {"ExpiredTokenException", MSG_HINT_AWS_EXPIRED},
        {"RequestExpired", MSG_HINT_AWS_CLOCK},
        {"AccessDenied", MSG_HINT_AWS_DENIED},
        {"AccessDeniedException", MSG_HINT_AWS_DENIED},
        {"UnauthorizedOperation", MSG_HINT_AWS_DENIED},
    };
    for (size_t i = 0; e->code && i < sizeof hints / sizeof *hints; i++)
        if (strcmp(e->code, hints[i].code) == 0) {
            message_free(&fallback);
            return MESSAGE0(hints[i].hint);
        }
    return fallback;
}

static struct message s_retry_hint(const struct aws_error *e, const char *permission)
{
    return s_error_hint(e, MESSAGE(MSG_HINT_RETRY_PERMISSION, MSG_S("permission", permission)));
}

/* "ECS DescribeClusters NAME failed: why" (resource may be NULL). */
static struct message s_call_failed(const char *call, const char *resource, const struct aws_error *e)
{
    char *why = aws_error_describe(e);
    struct message m = resource ? MESSAGE(MSG_CHECK_CALL_FAILED, MSG_S("call", call),
                                          MSG_S("resource", resource), MSG_S("why", why))
                                : MESSAGE(MSG_CHECK_CALL_FAILED_BARE, MSG_S("call", call), MSG_S("why", why));
    free(why);
    return m;
}

/* The text of the first element of that name below node (its own subtree only). */
static char *s_xml_child_text(xmlNodePtr node, const char *name)
{
    return node ? aws_xml_text(node->children, name) : NULL;
}

static xmlNodePtr s_xml_child(xmlNodePtr node, const char *name)
{
    return node ? aws_xml_find(node->children, name) : NULL;
}

static bool s_is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static void s_call_free(struct resolve_call *c)
{
    deployment_free(&c->dep);
    free(c->stack);
    free(c->deferred_error);
    free(c->stack_status);
    for (size_t i = 0; i < c->nfound; i++) {
        free(c->found[i].name);
        free(c->found[i].status);
        stack_output_pairs_free(&c->found[i].pairs);
    }
    free(c->found);
    free(c->sg_vpc);
    free(c->state_machine);
    for (size_t i = 0; i < c->nsubnet_vpcs; i++)
        free(c->subnet_vpcs[i]);
    free(c->subnet_vpcs);
    free(c);
}

static void s_fail(struct resolve_call *c, const char *error)
{
    c->done(c->ud, NULL, error);
    s_call_free(c);
}

static void s_on_deferred_error(void *ud)
{
    struct resolve_call *c = ud;
    char *e = c->deferred_error;
    c->deferred_error = NULL;
    s_fail(c, e);
    free(e);
}

static void s_fail_later(struct resolve_call *c, char *error)
{
    c->deferred_error = error;
    ev_timer_add(c->session->loop, 0, s_on_deferred_error, c);
}

/* ---- the end: cross-checks and the callback ----------------------------------------------- */

static void s_cross_checks(struct resolve_call *c)
{
    struct deployment_check *sg = &c->dep.checks[CHK_SECURITY_GROUP];
    if (sg->state == CHECK_OK && c->sg_vpc) {
        for (size_t i = 0; i < c->nsubnet_vpcs; i++)
            if (c->subnet_vpcs[i] && strcmp(c->subnet_vpcs[i], c->sg_vpc) != 0) {
                s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                            MESSAGE(MSG_CHECK_SG_OTHER_VPC, MSG_S("group", c->dep.outputs.security_group),
                                    MSG_S("vpc", c->sg_vpc), MSG_S("subnet_vpc", c->subnet_vpcs[i])),
                            MESSAGE0(MSG_HINT_SG_OTHER_VPC));
                break;
            }
    }
}

static void s_release_check(struct resolve_call *c);

static void s_check_done(struct resolve_call *c)
{
    if (--c->pending > 0)
        return;
    s_release_check(c);
    s_cross_checks(c);
    c->done(c->ud, &c->dep, NULL);
    s_call_free(c);
}

/* ---- checks ------------------------------------------------------------------------------ */

static void s_on_table(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const char *t = c->dep.outputs.table;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool missing = aws_error_class(&resp->err) == AWS_ERROR_CLASS_NOT_FOUND;
        if (missing)
            s_set_check(c, CHK_TABLE, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_TABLE_NOT_FOUND, MSG_S("table", t), MSG_S("region", c->session->region)),
                        MESSAGE0(MSG_HINT_TABLE_NOT_FOUND));
        else
            s_set_check(c, CHK_TABLE, CHECK_FAIL, s_call_failed("DynamoDB DescribeTable", t, &resp->err),
                        s_retry_hint(&resp->err, "dynamodb:DescribeTable"));
        s_check_done(c);
        return;
    }
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(resp->json, "Table");
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(table, "KeySchema");
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(table, "AttributeDefinitions");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(table, "TableStatus");
    bool pk = false, sk = false;
    const cJSON *k;
    cJSON_ArrayForEach(k, ks) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(k, "AttributeName");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(k, "KeyType");
        if (!cJSON_IsString(name) || !cJSON_IsString(type))
            continue;
        const char *attr_type = NULL;
        const cJSON *d;
        cJSON_ArrayForEach(d, defs) {
            const cJSON *dn = cJSON_GetObjectItemCaseSensitive(d, "AttributeName");
            const cJSON *dt = cJSON_GetObjectItemCaseSensitive(d, "AttributeType");
            if (cJSON_IsString(dn) && cJSON_IsString(dt) && strcmp(dn->valuestring, name->valuestring) == 0)
                attr_type = dt->valuestring;
        }
        bool s_type = attr_type && strcmp(attr_type, "S") == 0;
        if (strcmp(name->valuestring, "PK") == 0 && strcmp(type->valuestring, "HASH") == 0 && s_type)
            pk = true;
        if (strcmp(name->valuestring, "SK") == 0 && strcmp(type->valuestring, "RANGE") == 0 && s_type)
            sk = true;
    }
    const char *st = cJSON_IsString(status) ? status->valuestring : NULL;
    struct message st_msg = st ? message_text(st) : MESSAGE0(MSG_UNKNOWN_STATUS);
    if (!pk || !sk)
        s_set_check(c, CHK_TABLE, CHECK_FAIL, MESSAGE(MSG_CHECK_TABLE_BAD_KEY, MSG_S("table", t)),
                    MESSAGE0(MSG_HINT_TABLE_BAD_KEY));
    else if (!st || (strcmp(st, "ACTIVE") != 0 && strcmp(st, "UPDATING") != 0))
        s_set_check(c, CHK_TABLE, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_TABLE_STATE, MSG_S("table", t), MSG_M("status", &st_msg)),
                    MESSAGE0(MSG_HINT_TABLE_STATE));
    else
        s_set_check(c, CHK_TABLE, CHECK_OK, MESSAGE(MSG_CHECK_TABLE_OK, MSG_S("table", t), MSG_S("status", st)),
                    MESSAGE0(MSG_NONE));
    message_free(&st_msg);
    s_check_done(c);
}

static void s_on_cluster(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const char *name = c->dep.outputs.cluster;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL, s_call_failed("ECS DescribeClusters", name, &resp->err),
                    s_retry_hint(&resp->err, "ecs:DescribeClusters"));
        s_check_done(c);
        return;
    }
    const cJSON *cl = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp->json, "clusters"), 0);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(cl, "status");
    const cJSON *running = cJSON_GetObjectItemCaseSensitive(cl, "runningTasksCount");
    if (!cJSON_IsString(status)) {
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_CLUSTER_NOT_FOUND, MSG_S("cluster", name), MSG_S("region", c->session->region)),
                    MESSAGE0(MSG_HINT_CLUSTER_NOT_FOUND));
    } else if (strcmp(status->valuestring, "ACTIVE") != 0) {
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_CLUSTER_STATE, MSG_S("cluster", name), MSG_S("status", status->valuestring)),
                    MESSAGE0(MSG_HINT_CLUSTER_STATE));
    } else {
        int n = cJSON_IsNumber(running) ? running->valueint : 0;
        s_set_check(c, CHK_CLUSTER, CHECK_OK,
                    MESSAGE(n == 1 ? MSG_CHECK_CLUSTER_OK_ONE : MSG_CHECK_CLUSTER_OK, MSG_S("cluster", name),
                            MSG_I("running", n)),
                    MESSAGE0(MSG_NONE));
    }
    s_check_done(c);
}

static int s_int_of(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return v->valueint;
    if (cJSON_IsString(v)) {
        char *end;
        errno = 0;
        long n = strtol(v->valuestring, &end, 10);
        if (!errno && end != v->valuestring && !*end && n >= 0 && n < 1000000)
            return (int)n;
    }
    return 0;
}

static const char *s_str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The task definition's part of the release: v1.2.5 added 100 GiB of ephemeral storage to
 * the embedding task in the same change that moved the keys to EVENT
 * (cdk/lib/constructs/embedding.ts): a fingerprint that needs no permission beyond
 * DescribeTaskDefinition. -1: the task definition could not be read. */
static void s_release_from_task_definition(struct resolve_call *c, const cJSON *td)
{
    c->td_ephemeral_gib = td ? s_int_of(cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(td, "ephemeralStorage"), "sizeInGiB"))
                             : -1;
}

/* Which v1 release family is deployed, and that the launch satisfies it, once the task
 * definition and the stack's resources have answered. From v1.2.5 the stack launches its
 * embedding tasks through a Step Functions state machine (Pipe → Step Functions → RunTask
 * with EVENT): such a resource is the surest sign. Without the resources (no stack, or no
 * cloudformation:ListStackResources) the task definition alone decides. */
static void s_release_check(struct resolve_call *c)
{
    struct deployment *d = &c->dep;
    int gib = c->td_ephemeral_gib;
    free(d->release_family);
    d->release_family = NULL;
    free(d->state_machine);
    d->state_machine = c->state_machine ? xstrdup(c->state_machine) : NULL;
    d->release_from_state_machine = c->state_machine != NULL;
    d->release_from_ephemeral_storage = gib >= 100;
    if (c->state_machine) {
        d->release_family = xstrdup("v1.2.5+");
        s_set_check(c, CHK_RELEASE, CHECK_OK,
                    gib >= 100 ? MESSAGE(MSG_CHECK_RELEASE_NEW_BOTH, MSG_S("machine", c->state_machine),
                                         MSG_I("gib", gib))
                               : MESSAGE(MSG_CHECK_RELEASE_NEW_SFN, MSG_S("machine", c->state_machine)),
                    MESSAGE0(MSG_NONE));
        return;
    }
    if (gib < 0) {
        s_set_check(c, CHK_RELEASE, CHECK_SKIPPED, MESSAGE0(MSG_CHECK_RELEASE_UNKNOWN), MESSAGE0(MSG_NONE));
        return;
    }
    d->release_family = xstrdup(gib >= 100 ? "v1.2.5+" : "v1.0.0-v1.2.4");
    s_set_check(c, CHK_RELEASE, CHECK_OK,
                gib >= 100 ? MESSAGE(MSG_CHECK_RELEASE_NEW, MSG_I("gib", gib))
                           : c->resources_listed ? MESSAGE0(MSG_CHECK_RELEASE_OLD_NO_SFN)
                                                 : MESSAGE0(MSG_CHECK_RELEASE_OLD),
                MESSAGE0(MSG_NONE));
}

static void s_on_stack_resources(void *ud, const struct stack_resources *res,
                                 const struct stack_resources_error *err)
{
    struct resolve_call *c = ud;
    (void)err; /* optional: without the listing the task definition decides alone */
    if (res) {
        c->resources_listed = true;
        const struct stack_resource *sm = stack_resources_find_type(res, "AWS::StepFunctions::StateMachine");
        if (sm) {
            /* The physical id is the machine's ARN: its last part names it. */
            const char *name = strrchr(sm->physical_id, ':');
            c->state_machine = xstrdup(name && name[1] ? name + 1 : sm->logical_id);
        }
    }
    s_check_done(c);
}

static void s_on_task_definition(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    struct deployment *d = &c->dep;
    const char *family = d->outputs.task_definition;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool missing = resp->err.code && strcmp(resp->err.code, "ClientException") == 0;
        if (missing)
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_TASKDEF_NOT_FOUND, MSG_S("family", family),
                                MSG_S("region", c->session->region)),
                        MESSAGE0(MSG_HINT_TASKDEF_NOT_FOUND));
        else
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                        s_call_failed("ECS DescribeTaskDefinition", family, &resp->err),
                        s_retry_hint(&resp->err, "ecs:DescribeTaskDefinition"));
        s_release_from_task_definition(c, NULL);
        s_check_done(c);
        return;
    }
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(resp->json, "taskDefinition");
    s_release_from_task_definition(c, td);
    const char *arn = s_str_of(td, "taskDefinitionArn");
    const char *status = s_str_of(td, "status");
    d->task_definition_arn = arn ? xstrdup(arn) : NULL;
    d->task_cpu_units = s_int_of(cJSON_GetObjectItemCaseSensitive(td, "cpu"));
    d->task_memory_mib = s_int_of(cJSON_GetObjectItemCaseSensitive(td, "memory"));
    const cJSON *compat;
    cJSON_ArrayForEach(compat, cJSON_GetObjectItemCaseSensitive(td, "requiresCompatibilities"))
        if (cJSON_IsString(compat) && strcmp(compat->valuestring, "FARGATE") == 0)
            d->fargate = true;
    const char *arch = s_str_of(cJSON_GetObjectItemCaseSensitive(td, "runtimePlatform"), "cpuArchitecture");
    d->cpu_architecture = xstrdup(arch ? arch : "X86_64");

    /* The container: the one named in the paste, else "Container" (the stack's name for
     * it), else the first essential one. */
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions");
    const cJSON *chosen = NULL, *cd;
    buf_t names = BUF_INIT;
    cJSON_ArrayForEach(cd, defs) {
        const char *name = s_str_of(cd, "name");
        if (!name)
            continue;
        buf_printf(&names, "%s%s", names.len ? ", " : "", name);
        const cJSON *essential = cJSON_GetObjectItemCaseSensitive(cd, "essential");
        bool is_essential = !cJSON_IsBool(essential) || cJSON_IsTrue(essential);
        if (d->outputs.container) {
            if (strcmp(name, d->outputs.container) == 0)
                chosen = cd;
        } else if (strcmp(name, "Container") == 0 || (!chosen && is_essential)) {
            chosen = cd;
        }
    }
    if (chosen) {
        d->container_name = xstrdup(s_str_of(chosen, "name"));
        const char *image = s_str_of(chosen, "image");
        d->container_image = image ? xstrdup(image) : NULL;
        const cJSON *lc = cJSON_GetObjectItemCaseSensitive(chosen, "logConfiguration");
        const char *driver = s_str_of(lc, "logDriver");
        const cJSON *opts = cJSON_GetObjectItemCaseSensitive(lc, "options");
        if (driver && strcmp(driver, "awslogs") == 0) {
            const char *g = s_str_of(opts, "awslogs-group"), *p = s_str_of(opts, "awslogs-stream-prefix"),
                       *r = s_str_of(opts, "awslogs-region");
            d->log_group = g ? xstrdup(g) : NULL;
            d->log_stream_prefix = p ? xstrdup(p) : NULL;
            d->log_region = r ? xstrdup(r) : NULL;
        }
    }

    const char *rev = arn ? strrchr(arn, ':') : NULL;
    char *revision = xasprintf("%s%s", family, rev && !strchr(family, ':') ? rev : "");
    if (!status || strcmp(status, "ACTIVE") != 0) {
        struct message st = status ? message_text(status) : MESSAGE0(MSG_UNKNOWN_STATUS);
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_TASKDEF_STATE, MSG_S("task_definition", revision), MSG_M("status", &st)),
                    MESSAGE0(MSG_HINT_TASKDEF_STATE));
        message_free(&st);
    } else if (!d->fargate) {
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_TASKDEF_NOT_FARGATE, MSG_S("family", family)),
                    MESSAGE0(MSG_HINT_TASKDEF_NOT_FARGATE));
    } else if (!chosen) {
        struct message have = names.len ? message_text(buf_cstr(&names)) : MESSAGE0(MSG_NONE_FOUND);
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    d->outputs.container
                        ? MESSAGE(MSG_CHECK_TASKDEF_NO_CONTAINER, MSG_S("family", family),
                                  MSG_S("container", d->outputs.container), MSG_M("containers", &have))
                        : MESSAGE(MSG_CHECK_TASKDEF_NO_CONTAINERS, MSG_S("family", family)),
                    MESSAGE0(MSG_HINT_TASKDEF_CONTAINER));
        message_free(&have);
    } else {
        struct message size = MESSAGE(MSG_CHECK_TASKDEF_SIZE, MSG_S("task_definition", revision),
                                      MSG_F("vcpu", "%g", d->task_cpu_units / 1024.0),
                                      MSG_I("memory", d->task_memory_mib),
                                      MSG_S("architecture", d->cpu_architecture),
                                      MSG_S("container", d->container_name));
        if (!d->log_group) {
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_WARN, size, MESSAGE0(MSG_HINT_TASKDEF_NO_LOGS));
        } else {
            struct message prefix = d->log_stream_prefix ? message_text(d->log_stream_prefix)
                                                         : MESSAGE0(MSG_NO_PREFIX);
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_OK,
                        MESSAGE(MSG_CHECK_TASKDEF_OK, MSG_M("size", &size), MSG_S("log_group", d->log_group),
                                MSG_M("prefix", &prefix)),
                        MESSAGE0(MSG_NONE));
            message_free(&prefix);
            message_free(&size);
        }
    }
    free(revision);
    buf_free(&names);
    s_check_done(c);
}

static void s_on_subnets(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const struct stack_outputs *o = &c->dep.outputs;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool missing = resp->err.code && strncmp(resp->err.code, "InvalidSubnet", 13) == 0;
        if (missing) {
            char *why = aws_error_describe(&resp->err);
            s_set_check(c, CHK_SUBNETS, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_SUBNET_NOT_FOUND, MSG_S("why", resp->err.message ? resp->err.message : why)),
                        MESSAGE0(MSG_HINT_SUBNETS));
            free(why);
        } else {
            s_set_check(c, CHK_SUBNETS, CHECK_FAIL, s_call_failed("EC2 DescribeSubnets", NULL, &resp->err),
                        s_retry_hint(&resp->err, "ec2:DescribeSubnets"));
        }
        s_check_done(c);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr set = s_xml_child(root, "subnetSet");
    buf_t found = BUF_INIT, public_ip = BUF_INIT;
    size_t n = 0;
    for (xmlNodePtr it = set ? set->children : NULL; it; it = it->next) {
        if (!s_is_element(it, "item"))
            continue;
        char *id = s_xml_child_text(it, "subnetId");
        char *vpc = s_xml_child_text(it, "vpcId");
        char *map = s_xml_child_text(it, "mapPublicIpOnLaunch");
        char *az = s_xml_child_text(it, "availabilityZone");
        if (id) {
            n++;
            buf_printf(&found, "%s%s%s%s%s", found.len ? ", " : "", id, az ? " (" : "", az ? az : "",
                       az ? ")" : "");
            if (map && strcmp(map, "true") == 0)
                buf_printf(&public_ip, "%s%s", public_ip.len ? ", " : "", id);
            c->subnet_vpcs = xrealloc(c->subnet_vpcs, (c->nsubnet_vpcs + 1) * sizeof(char *));
            c->subnet_vpcs[c->nsubnet_vpcs++] = vpc ? xstrdup(vpc) : NULL;
        }
        free(id);
        free(vpc);
        free(map);
        free(az);
    }
    if (n < o->nsubnets) {
        struct message list = found.len ? message_text(buf_cstr(&found)) : MESSAGE0(MSG_NONE_FOUND);
        s_set_check(c, CHK_SUBNETS, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_SUBNETS_MISSING, MSG_I("found", (long long)n),
                            MSG_I("expected", (long long)o->nsubnets), MSG_M("subnets", &list)),
                    MESSAGE0(MSG_HINT_SUBNETS));
        message_free(&list);
    } else if (public_ip.len) {
        s_set_check(c, CHK_SUBNETS, CHECK_WARN,
                    MESSAGE(MSG_CHECK_SUBNETS_PUBLIC, MSG_S("subnets", buf_cstr(&found)),
                            MSG_S("public", buf_cstr(&public_ip))),
                    MESSAGE0(MSG_HINT_SUBNETS_PUBLIC));
    } else {
        bool stack_private = o->origin[SO_PRIVATE_SUBNET] &&
                             strncmp(o->origin[SO_PRIVATE_SUBNET], "PrivateSubnetId", 15) == 0;
        s_set_check(c, CHK_SUBNETS, CHECK_OK,
                    MESSAGE(stack_private ? MSG_CHECK_SUBNETS_OK_PRIVATE : MSG_CHECK_SUBNETS_OK,
                            MSG_S("subnets", buf_cstr(&found))),
                    MESSAGE0(MSG_NONE));
    }
    buf_free(&found);
    buf_free(&public_ip);
    s_check_done(c);
}

static void s_on_security_group(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const char *sg = c->dep.outputs.security_group;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool missing = resp->err.code && strncmp(resp->err.code, "InvalidGroup", 12) == 0;
        if (missing)
            s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_SG_NOT_FOUND, MSG_S("group", sg), MSG_S("region", c->session->region)),
                        MESSAGE0(MSG_HINT_SG_NOT_FOUND));
        else
            s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                        s_call_failed("EC2 DescribeSecurityGroups", NULL, &resp->err),
                        s_retry_hint(&resp->err, "ec2:DescribeSecurityGroups"));
        s_check_done(c);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr item = s_xml_child(s_xml_child(root, "securityGroupInfo"), "item");
    char *id = s_xml_child_text(item, "groupId");
    if (!id) {
        s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_SG_NOT_FOUND, MSG_S("group", sg), MSG_S("region", c->session->region)),
                    MESSAGE0(MSG_HINT_SG_NOT_FOUND));
    } else {
        char *name = s_xml_child_text(item, "groupName");
        c->sg_vpc = s_xml_child_text(item, "vpcId");
        struct message vpc = c->sg_vpc ? message_text(c->sg_vpc) : MESSAGE0(MSG_AN_UNKNOWN_VPC);
        s_set_check(c, CHK_SECURITY_GROUP, CHECK_OK,
                    name ? MESSAGE(MSG_CHECK_SG_OK_NAMED, MSG_S("group", id), MSG_S("name", name), MSG_M("vpc", &vpc))
                         : MESSAGE(MSG_CHECK_SG_OK, MSG_S("group", id), MSG_M("vpc", &vpc)),
                    MESSAGE0(MSG_NONE));
        message_free(&vpc);
        free(name);
    }
    free(id);
    s_check_done(c);
}

static void s_on_bucket(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const char *b = c->dep.outputs.document_bucket;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool missing = aws_error_class(&resp->err) == AWS_ERROR_CLASS_NOT_FOUND;
        if (missing) {
            s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_FAIL, MESSAGE(MSG_CHECK_BUCKET_MISSING, MSG_S("bucket", b)),
                        MESSAGE0(MSG_HINT_BUCKET_MISSING));
        } else {
            char *why = aws_error_describe(&resp->err);
            s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_CALL_ON_FAILED, MSG_S("call", "S3 ListObjectsV2"), MSG_S("resource", b),
                                MSG_S("why", why)),
                        s_error_hint(&resp->err, MESSAGE0(MSG_HINT_BUCKET_FAILED)));
            free(why);
        }
    } else {
        xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
        char *count = aws_xml_text(root, "KeyCount");
        s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_OK,
                    MESSAGE(count && strcmp(count, "0") == 0 ? MSG_CHECK_BUCKET_OK_EMPTY : MSG_CHECK_BUCKET_OK,
                            MSG_S("bucket", b)),
                    MESSAGE0(MSG_NONE));
        free(count);
    }
    s_check_done(c);
}

static void s_stack_version(struct resolve_call *c)
{
    const struct stack_outputs *o = &c->dep.outputs;
    const char *st = c->stack_status;
    if (st && (strstr(st, "IN_PROGRESS") || strstr(st, "FAILED") || strstr(st, "ROLLBACK"))) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_WARN, MESSAGE(MSG_CHECK_STACK_STATE, MSG_S("status", st)),
                    MESSAGE0(strstr(st, "IN_PROGRESS") ? MSG_HINT_STACK_IN_PROGRESS : MSG_HINT_STACK_FAILED));
        return;
    }
    if (!o->from_output_keys) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_SKIPPED, MESSAGE0(MSG_CHECK_VERSION_UNKNOWN),
                    MESSAGE0(MSG_HINT_VERSION_UNKNOWN));
        return;
    }
    if (!o->db_secret_arn) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_WARN, MESSAGE0(MSG_CHECK_VERSION_NOT_V1),
                    MESSAGE0(MSG_HINT_VERSION_NOT_V1));
        return;
    }
    s_set_check(c, CHK_STACK_VERSION, CHECK_OK,
                st ? MESSAGE(MSG_CHECK_VERSION_OK_STATUS, MSG_S("status", st)) : MESSAGE0(MSG_CHECK_VERSION_OK),
                MESSAGE0(MSG_NONE));
}

/* The Aurora check's state from a lookup. Only a cluster that takes writes is OK: tasks
 * launched against a stopped one all fail after paying for their Fargate start. */
static void s_aurora_check(struct deployment_check *ch, struct deployment *d,
                           const struct aurora_result *r, const char *region)
{
    switch (r->lookup) {
    case AURORA_FOUND: {
        const struct aurora_cluster *a = r->cluster;
        if (d->have_aurora)
            aurora_cluster_free(&d->aurora);
        aurora_cluster_copy(&d->aurora, a);
        d->have_aurora = true;
        if (aurora_cluster_is_available(a)) {
            struct message engine = a->engine ? message_text(a->engine) : MESSAGE0(MSG_AURORA_UNKNOWN_ENGINE);
            struct message acu = a->serverless_v2 ? MESSAGE(MSG_AURORA_ACU, MSG_F("min", "%g", a->min_acu),
                                                            MSG_F("max", "%g", a->max_acu))
                                                  : message_text("");
            struct message api = a->http_endpoint_enabled ? MESSAGE0(MSG_AURORA_DATA_API) : message_text("");
            s_check_set(ch, CHECK_OK,
                        MESSAGE(MSG_CHECK_AURORA_OK, MSG_S("cluster", a->identifier), MSG_S("status", a->status),
                                MSG_M("engine", &engine), MSG_S("version", a->engine_version),
                                MSG_M("acu", &acu), MSG_M("data_api", &api)),
                        MESSAGE0(MSG_NONE));
            message_free(&engine);
            message_free(&acu);
            message_free(&api);
        } else if (strcmp(a->status, "stopped") == 0) {
            char *cmd = aurora_cluster_start_command(a->identifier, region);
            s_check_set(ch, CHECK_FAIL, MESSAGE(MSG_CHECK_AURORA_STOPPED, MSG_S("cluster", a->identifier)),
                        MESSAGE(MSG_HINT_AURORA_STOPPED, MSG_S("command", cmd)));
            free(cmd);
        } else if (aurora_cluster_status_transient(a->status)) {
            s_check_set(ch, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_AURORA_STATE, MSG_S("cluster", a->identifier), MSG_S("status", a->status)),
                        MESSAGE(MSG_HINT_AURORA_WAIT, MSG_S("cluster", a->identifier)));
        } else {
            s_check_set(ch, CHECK_FAIL,
                        MESSAGE(MSG_CHECK_AURORA_STATE, MSG_S("cluster", a->identifier), MSG_S("status", a->status)),
                        MESSAGE0(MSG_HINT_AURORA_BAD_STATE));
        }
        return;
    }
    case AURORA_UNIDENTIFIED:
        s_check_set(ch, CHECK_SKIPPED, MESSAGE(MSG_CHECK_NOT_CHECKED, MSG_S("why", r->message)),
                    s_text_or_none(r->hint));
        return;
    case AURORA_DENIED: {
        struct message hint = r->hint ? message_text(r->hint) : MESSAGE0(MSG_HINT_ALLOW_DESCRIBE_CLUSTERS);
        s_check_set(ch, CHECK_WARN, MESSAGE(MSG_CHECK_NOT_CHECKED, MSG_S("why", r->message)),
                    MESSAGE(MSG_HINT_AURORA_DENIED, MSG_M("hint", &hint)));
        message_free(&hint);
        return;
    }
    case AURORA_NOT_FOUND:
        s_check_set(ch, CHECK_FAIL, message_text(r->message ? r->message : ""), s_text_or_none(r->hint));
        return;
    case AURORA_FAILED:
        s_check_set(ch, CHECK_WARN, MESSAGE(MSG_CHECK_NOT_CHECKED, MSG_S("why", r->message)),
                    r->hint ? message_text(r->hint) : MESSAGE0(MSG_HINT_NETWORK_LOOK_AGAIN));
        return;
    }
}

static void s_on_aurora(void *ud, const struct aurora_result *r)
{
    struct resolve_call *c = ud;
    s_aurora_check(&c->dep.checks[CHK_AURORA], &c->dep, r, c->session->region);
    s_check_done(c);
}

void deployment_set_aurora(struct deployment *dep, const struct aurora_result *r, const char *region)
{
    for (size_t i = 0; i < dep->nchecks; i++)
        if (strcmp(dep->checks[i].id, CHECK_IDS[CHK_AURORA]) == 0)
            s_aurora_check(&dep->checks[i], dep, r, region);
}

/* Model access: a definite no (or an agreement still being processed) fails the check, so
 * `run` refuses (exit 3) instead of launching tasks that would all fail on their first
 * InvokeModel; a question Bedrock did not answer is skipped with a note (the permission is
 * optional, and the run's early-failure stop still catches a systematic failure). */
static void s_model_access_check(struct resolve_call *c, const struct model_access_result *r)
{
    struct deployment *d = &c->dep;
    const char *model = r->model_id, *region = c->session->region;
    free(d->model_access);
    d->model_access = NULL;
    switch (r->verdict) {
    case MODEL_ACCESS_OK:
        d->model_access = xstrdup("accessible");
        s_set_check(c, CHK_MODEL_ACCESS, CHECK_OK,
                    MESSAGE(MSG_CHECK_MODEL_OK, MSG_S("model", model), MSG_S("region", region)),
                    MESSAGE0(MSG_NONE));
        break;
    case MODEL_ACCESS_PENDING:
        d->model_access = xstrdup("pending");
        s_set_check(c, CHK_MODEL_ACCESS, CHECK_FAIL,
                    MESSAGE(MSG_CHECK_MODEL_PENDING, MSG_S("model", model), MSG_S("region", region)),
                    MESSAGE(MSG_HINT_MODEL_PENDING, MSG_S("region", region)));
        break;
    case MODEL_ACCESS_NOT_ACCESSIBLE: {
        d->model_access = xstrdup("not_accessible");
        struct message summary;
        struct message hint = MESSAGE(MSG_HINT_MODEL_ENABLE, MSG_S("model", model), MSG_S("region", region));
        if (r->region_availability && strcmp(r->region_availability, "NOT_AVAILABLE") == 0) {
            summary = MESSAGE(MSG_CHECK_MODEL_NOT_IN_REGION, MSG_S("model", model), MSG_S("region", region));
            message_free(&hint);
            hint = MESSAGE(MSG_HINT_MODEL_NOT_IN_REGION, MSG_S("model", model), MSG_S("region", region));
        } else if (r->authorization && strcmp(r->authorization, "NOT_AUTHORIZED") == 0) {
            summary = MESSAGE(MSG_CHECK_MODEL_NOT_AUTHORIZED, MSG_S("model", model), MSG_S("region", region));
        } else if (r->entitlement && strcmp(r->entitlement, "NOT_AVAILABLE") == 0) {
            summary = MESSAGE(MSG_CHECK_MODEL_NOT_ENTITLED, MSG_S("model", model), MSG_S("region", region));
        } else if (r->agreement && strcmp(r->agreement, "ERROR") == 0) {
            summary = MESSAGE(MSG_CHECK_MODEL_AGREEMENT_ERROR, MSG_S("model", model), MSG_S("region", region),
                              MSG_S("error", r->agreement_error ? r->agreement_error : "-"));
        } else {
            summary = MESSAGE(MSG_CHECK_MODEL_NO_AGREEMENT, MSG_S("model", model), MSG_S("region", region));
        }
        s_set_check(c, CHK_MODEL_ACCESS, CHECK_FAIL, summary, hint);
        break;
    }
    case MODEL_ACCESS_NO_AGREEMENT:
        d->model_access = xstrdup("no_agreement");
        s_set_check(c, CHK_MODEL_ACCESS, CHECK_WARN,
                    MESSAGE(MSG_CHECK_MODEL_NO_AGREEMENT, MSG_S("model", model), MSG_S("region", region)),
                    MESSAGE(MSG_HINT_MODEL_FIRST_USE, MSG_S("model", model), MSG_S("region", region)));
        break;
    case MODEL_ACCESS_UNKNOWN:
        s_set_check(c, CHK_MODEL_ACCESS, CHECK_SKIPPED,
                    MESSAGE(MSG_CHECK_NOT_CHECKED, MSG_S("why", r->why ? r->why : "no answer")),
                    MESSAGE(r->denied ? MSG_HINT_MODEL_DENIED : MSG_HINT_MODEL_UNKNOWN, MSG_S("model", model),
                            MSG_S("region", region)));
        break;
    }
    if (r->verdict != MODEL_ACCESS_UNKNOWN) {
        d->model_agreement = r->agreement ? xstrdup(r->agreement) : NULL;
        d->model_authorization = r->authorization ? xstrdup(r->authorization) : NULL;
        d->model_entitlement = r->entitlement ? xstrdup(r->entitlement) : NULL;
        d->model_region_availability = r->region_availability ? xstrdup(r->region_availability) : NULL;
    }
}

static void s_on_model_access(void *ud, const struct model_access_result *r)
{
    struct resolve_call *c = ud;
    s_model_access_check(c, r);
    s_check_done(c);
}

const struct deployment_check *deployment_check_by_id(const struct deployment *dep, const char *id)
{
    for (size_t i = 0; dep && i < dep->nchecks; i++)
        if (strcmp(dep->checks[i].id, id) == 0)
            return &dep->checks[i];
    return NULL;
}

static void s_validate(struct resolve_call *c)
{
    struct deployment *d = &c->dep;
    struct aws_client *cl = c->session->client;
    d->nchecks = CHK_COUNT;
    d->checks = xcalloc(CHK_COUNT, sizeof(*d->checks));
    for (int i = 0; i < CHK_COUNT; i++) {
        d->checks[i].id = CHECK_IDS[i];
        d->checks[i].state = CHECK_PENDING;
    }
    s_stack_version(c);
    c->pending = 1; /* held until every call is issued */

    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "TableName", d->outputs.table);
    c->pending++;
    aws_call_json(cl, &AWS_SVC_DYNAMODB, "DescribeTable", body, s_on_table, c);

    body = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(body, "clusters");
    cJSON_AddItemToArray(arr, cJSON_CreateString(d->outputs.cluster));
    c->pending++;
    aws_call_json(cl, &AWS_SVC_ECS, "DescribeClusters", body, s_on_cluster, c);

    body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "taskDefinition", d->outputs.task_definition);
    c->pending++;
    aws_call_json(cl, &AWS_SVC_ECS, "DescribeTaskDefinition", body, s_on_task_definition, c);

    struct http_kv *kv = xcalloc(d->outputs.nsubnets, sizeof(*kv));
    for (size_t i = 0; i < d->outputs.nsubnets; i++) {
        kv[i].name = xasprintf("SubnetId.%zu", i + 1);
        kv[i].value = d->outputs.subnets[i];
    }
    c->pending++;
    aws_call_query(cl, &AWS_SVC_EC2, "DescribeSubnets", kv, d->outputs.nsubnets, s_on_subnets, c);
    for (size_t i = 0; i < d->outputs.nsubnets; i++)
        free((char *)kv[i].name);
    free(kv);

    struct http_kv sg = {"GroupId.1", d->outputs.security_group};
    c->pending++;
    aws_call_query(cl, &AWS_SVC_EC2, "DescribeSecurityGroups", &sg, 1, s_on_security_group, c);

    c->pending++;
    aurora_cluster_find(cl, d->outputs.db_hostname, d->stack_name, s_on_aurora, c);

    c->pending++;
    model_access_check(cl, MODEL_ACCESS_EMBEDDING_MODEL, s_on_model_access, c);

    /* The stack's resources tell the release (a state machine is v1.2.5+); optional. */
    c->td_ephemeral_gib = -1;
    if (d->stack_name) {
        c->pending++;
        stack_resources_list(cl, d->stack_name, s_on_stack_resources, c);
    }

    if (!d->outputs.document_bucket) {
        s_set_check(c, CHK_DOCUMENT_BUCKET, c->check_bucket ? CHECK_WARN : CHECK_SKIPPED,
                    MESSAGE0(MSG_CHECK_BUCKET_NO_OUTPUT),
                    MESSAGE0(c->check_bucket ? MSG_HINT_BUCKET_NO_OUTPUT : MSG_NONE));
    } else if (!c->check_bucket) {
        s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_SKIPPED,
                    MESSAGE(MSG_CHECK_BUCKET_NOT_CHECKED, MSG_S("bucket", d->outputs.document_bucket)),
                    MESSAGE0(MSG_HINT_BUCKET_NOT_CHECKED));
    } else {
        char *path = xasprintf("/%s", d->outputs.document_bucket);
        /* encoding-type=url: any key must leave the reply parseable XML */
        struct http_kv q[] = {{"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", "1"}};
        c->pending++;
        aws_call_rest(cl, &AWS_SVC_S3, "ListObjectsV2", "GET", path, q, 3, NULL, 0, s_on_bucket, c);
        free(path);
    }
    s_check_done(c);
}

/* ---- discovery ---------------------------------------------------------------------------- */

/* One stack of a DescribeStacks reply (a <member> of <Stacks>). */
static void s_parse_stack_member(xmlNodePtr member, struct found_stack *out)
{
    memset(out, 0, sizeof(*out));
    out->name = s_xml_child_text(member, "StackName");
    out->status = s_xml_child_text(member, "StackStatus");
    xmlNodePtr outputs = s_xml_child(member, "Outputs");
    for (xmlNodePtr m = outputs ? outputs->children : NULL; m; m = m->next) {
        if (!s_is_element(m, "member"))
            continue;
        char *k = s_xml_child_text(m, "OutputKey");
        char *v = s_xml_child_text(m, "OutputValue");
        if (k && v)
            stack_output_pairs_add(&out->pairs, k, strlen(k), v, strlen(v), 0);
        free(k);
        free(v);
    }
}

/* The outputs of the first stack in a DescribeStacks reply. */
static void s_parse_stack(xmlDocPtr doc, struct found_stack *out)
{
    memset(out, 0, sizeof(*out));
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr member = s_xml_child(s_xml_child(root, "Stacks"), "member");
    if (member)
        s_parse_stack_member(member, out);
}

static void s_found_stack_free(struct found_stack *fs)
{
    free(fs->name);
    free(fs->status);
    stack_output_pairs_free(&fs->pairs);
}

static void s_use_stack(struct resolve_call *c, struct found_stack *fs, bool found_elsewhere)
{
    char *error = NULL;
    if (stack_outputs_resolve(&fs->pairs, fs->name, &c->dep.outputs, &error) != 0) {
        char *msg = xasprintf("stack %s: %s", fs->name ? fs->name : c->stack, error);
        free(error);
        s_fail(c, msg);
        free(msg);
        return;
    }
    c->dep.stack_name = xstrdup(fs->name ? fs->name : c->stack);
    c->dep.source_msg = found_elsewhere
                            ? MESSAGE(MSG_SOURCE_STACK_FOUND, MSG_S("stack", c->dep.stack_name),
                                      MSG_S("region", c->session->region), MSG_S("asked", c->stack))
                            : MESSAGE(MSG_SOURCE_STACK, MSG_S("stack", c->dep.stack_name));
    c->dep.source = message_english(&c->dep.source_msg);
    c->stack_status = fs->status ? xstrdup(fs->status) : NULL;
    s_validate(c);
}

static void s_discovery_finished(struct resolve_call *c)
{
    const char *region = c->session->region;
    buf_t found = BUF_INIT;
    for (size_t i = 0; i < c->nfound; i++)
        buf_printf(&found, "%s%s", i ? ", " : "", c->found[i].name);
    if (c->nfound == 1 && !c->stack_explicit) {
        s_use_stack(c, &c->found[0], true);
        buf_free(&found);
        return;
    }
    char *msg;
    if (c->stack_explicit) {
        /* A stack named on purpose that is not there is a mistake to show, never a
         * reason to migrate some other stack. */
        msg = c->nfound
            ? xasprintf("stack %s does not exist in %s (named with --stack). Stacks there with Bedrock Chat's "
                        "outputs: %s. Pass one of them with --stack NAME, or check the region (--region)",
                        c->stack, region, buf_cstr(&found))
            : xasprintf("stack %s does not exist in %s (named with --stack), and none of the region's %zu "
                        "stack%s has Bedrock Chat's outputs. Check the name and the region (--region)",
                        c->stack, region, c->nstacks, c->nstacks == 1 ? "" : "s");
    } else if (c->nfound == 0) {
        msg = xasprintf("stack %s does not exist in %s, and none of the region's %zu other "
                        "stack%s has Bedrock Chat's outputs (EmbeddingClusterName…, "
                        "DatabaseConversationTableName…). Pick the region the stack is deployed "
                        "in (--region), name the stack (--stack NAME), or deploy Bedrock Chat v1 "
                        "first (npx cdk deploy)",
                        c->stack, region, c->nstacks, c->nstacks == 1 ? "" : "s");
    } else {
        msg = xasprintf("stack %s does not exist in %s, and several stacks there have Bedrock "
                        "Chat's outputs: %s. Use --stack NAME to pick the one to migrate",
                        c->stack, region, buf_cstr(&found));
    }
    buf_free(&found);
    s_fail(c, msg);
    free(msg);
}

static const char *const LIVE_STATUSES[] = {
    "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE",
};
#define NLIVE (sizeof LIVE_STATUSES / sizeof *LIVE_STATUSES)

static bool s_live(const char *status)
{
    for (size_t i = 0; status && i < NLIVE; i++)
        if (strcmp(status, LIVE_STATUSES[i]) == 0)
            return true;
    return false;
}

static void s_describe_all(struct resolve_call *c, const char *token);

/* A page of DescribeStacks without a name: every stack of the region with its outputs,
 * so discovery costs one call per page, not one per stack. */
static void s_on_all_stacks(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        const char *hint = aws_error_hint(&resp->err);
        char *why = aws_error_describe(&resp->err);
        char *msg = xasprintf("stack %s does not exist in %s, and listing the region's stacks "
                              "failed: %s. %s", c->stack, c->session->region, why,
                              hint ? hint : "Name the stack with --stack, or give its outputs with --outputs FILE");
        free(why);
        s_fail(c, msg);
        free(msg);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr stacks = s_xml_child(root, "Stacks");
    for (xmlNodePtr m = stacks ? stacks->children : NULL; m; m = m->next) {
        if (!s_is_element(m, "member"))
            continue;
        char *parent = s_xml_child_text(m, "ParentId");
        struct found_stack fs;
        s_parse_stack_member(m, &fs);
        /* Nested stacks never carry the app's outputs; their parents do. Deleted and
         * failed stacks are no candidates. */
        bool candidate = fs.name && (!parent || !*parent) && s_live(fs.status);
        c->nstacks += candidate;
        if (candidate && stack_output_pairs_usable(&fs.pairs)) {
            c->found = xrealloc(c->found, (c->nfound + 1) * sizeof(*c->found));
            c->found[c->nfound++] = fs;
        } else {
            s_found_stack_free(&fs);
        }
        free(parent);
    }
    char *next = s_xml_child_text(root, "NextToken");
    if (next && *next && ++c->pages < DISCOVERY_MAX_PAGES) {
        s_describe_all(c, next);
        free(next);
        return;
    }
    free(next);
    s_discovery_finished(c);
}

static void s_describe_all(struct resolve_call *c, const char *token)
{
    struct http_kv kv = {"NextToken", (char *)token};
    aws_call_query(c->session->client, &AWS_SVC_CLOUDFORMATION, "DescribeStacks", &kv, token ? 1 : 0,
                   s_on_all_stacks, c);
}

static void s_on_named_stack(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        if (resp->err.code && strcmp(resp->err.code, "ValidationError") == 0 && resp->err.message &&
            strstr(resp->err.message, "does not exist")) {
            s_describe_all(c, NULL);
            return;
        }
        const char *hint = aws_error_hint(&resp->err);
        char *why = aws_error_describe(&resp->err);
        char *msg = xasprintf("CloudFormation DescribeStacks on %s failed: %s. %s", c->stack, why,
                              hint ? hint : "Check the network and the region, or give the outputs "
                                            "with --outputs FILE");
        free(why);
        s_fail(c, msg);
        free(msg);
        return;
    }
    struct found_stack fs;
    s_parse_stack(resp->xml, &fs);
    if (!fs.name)
        fs.name = xstrdup(c->stack);
    s_use_stack(c, &fs, false);
    s_found_stack_free(&fs);
}

/* ---- reading a file or the paste --------------------------------------------------------- */

static int s_read_all(FILE *f, buf_t *b)
{
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_append(b, chunk, n);
        if (b->len > STACK_OUTPUTS_MAX_INPUT)
            return 1; /* the parser reports the size */
    }
    return ferror(f) ? -1 : 0;
}

/* source_id: MSG_SOURCE_PASTE, _FILE (path) or _STDIN; label names the input in errors. */
static char *s_from_text(struct resolve_call *c, const char *text, size_t len, const char *label,
                         enum message_id source_id, const char *path)
{
    enum outputs_paste_format fmt;
    char *error = NULL;
    if (outputs_paste_parse(text, len, &c->dep.outputs, &fmt, &error) != 0) {
        char *msg = xasprintf("%s: %s", label, error);
        free(error);
        return msg;
    }
    c->dep.source_msg = MESSAGE(source_id, MSG_S("format", outputs_paste_format_name(fmt)),
                                MSG_S("path", path ? path : ""));
    c->dep.source = message_english(&c->dep.source_msg);
    return NULL;
}

void deployment_resolve(struct aws_session *s, const struct deployment_options *opts,
                        deployment_done_fn done, void *ud)
{
    struct resolve_call *c = xcalloc(1, sizeof(*c));
    c->session = s;
    c->done = done;
    c->ud = ud;
    c->stack = xstrdup(opts->stack && *opts->stack ? opts->stack : DEFAULT_STACK);
    c->stack_explicit = opts->stack && *opts->stack;
    c->check_bucket = opts->check_bucket;

    char *error = NULL;
    if (opts->paste_text) {
        error = s_from_text(c, opts->paste_text, opts->paste_len, "paste", MSG_SOURCE_PASTE, NULL);
    } else if (opts->outputs_file) {
        bool is_stdin = strcmp(opts->outputs_file, "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(opts->outputs_file, "rb");
        if (!f) {
            error = xasprintf("cannot open the outputs file %s: %s. Check the path given to --outputs",
                              opts->outputs_file, strerror(errno));
        } else {
            buf_t b = BUF_INIT;
            int rc = s_read_all(f, &b);
            if (rc < 0)
                error = xasprintf("cannot read %s: %s", is_stdin ? "standard input" : opts->outputs_file,
                                  strerror(errno));
            else {
                char *label = is_stdin ? xstrdup("standard input") : xasprintf("file %s", opts->outputs_file);
                error = s_from_text(c, buf_cstr(&b), b.len, label,
                                    is_stdin ? MSG_SOURCE_STDIN : MSG_SOURCE_FILE, opts->outputs_file);
                free(label);
            }
            buf_free(&b);
            if (!is_stdin)
                fclose(f);
        }
    } else {
        struct http_kv kv = {"StackName", c->stack};
        aws_call_query(s->client, &AWS_SVC_CLOUDFORMATION, "DescribeStacks", &kv, 1, s_on_named_stack, c);
        return;
    }
    if (error) {
        s_fail_later(c, error);
        return;
    }
    s_validate(c);
}

/* ---- the result ------------------------------------------------------------------------- */

bool deployment_ok(const struct deployment *dep)
{
    if (!dep || !dep->nchecks)
        return false;
    for (size_t i = 0; i < dep->nchecks; i++)
        if (dep->checks[i].state == CHECK_FAIL || dep->checks[i].state == CHECK_PENDING)
            return false;
    return true;
}

void deployment_move(struct deployment *dst, struct deployment *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

void deployment_free(struct deployment *dep)
{
    if (!dep)
        return;
    stack_outputs_free(&dep->outputs);
    free(dep->source);
    message_free(&dep->source_msg);
    free(dep->stack_name);
    free(dep->task_definition_arn);
    free(dep->container_name);
    free(dep->container_image);
    free(dep->log_group);
    free(dep->log_stream_prefix);
    free(dep->log_region);
    free(dep->cpu_architecture);
    free(dep->release_family);
    free(dep->state_machine);
    free(dep->model_access);
    free(dep->model_agreement);
    free(dep->model_authorization);
    free(dep->model_entitlement);
    free(dep->model_region_availability);
    aurora_cluster_free(&dep->aurora);
    for (size_t i = 0; i < dep->nchecks; i++) {
        free(dep->checks[i].summary);
        free(dep->checks[i].hint);
        message_free(&dep->checks[i].summary_msg);
        message_free(&dep->checks[i].hint_msg);
    }
    free(dep->checks);
    memset(dep, 0, sizeof(*dep));
}

static const char *s_state_name(enum check_state s)
{
    switch (s) {
    case CHECK_OK: return "ok";
    case CHECK_WARN: return "warn";
    case CHECK_FAIL: return "fail";
    case CHECK_SKIPPED: return "skipped";
    default: return "pending";
    }
}

static void s_add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *s_str_array(char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

void deployment_facts_to_json(const struct deployment *dep, cJSON *j)
{
    s_add_str(j, "release_family", dep->release_family);
    cJSON *evidence = cJSON_AddArrayToObject(j, "release_evidence");
    if (dep->release_from_state_machine)
        cJSON_AddItemToArray(evidence, cJSON_CreateString("step_functions_state_machine"));
    if (dep->release_from_ephemeral_storage)
        cJSON_AddItemToArray(evidence, cJSON_CreateString("task_ephemeral_storage"));
    s_add_str(j, "state_machine", dep->state_machine);
    cJSON *contracts = cJSON_AddArrayToObject(j, "task_contracts");
    cJSON_AddItemToArray(contracts, cJSON_CreateString("command"));
    cJSON_AddItemToArray(contracts, cJSON_CreateString("EVENT"));
    if (dep->model_access) {
        cJSON *ma = cJSON_AddObjectToObject(j, "bedrock_model_access");
        cJSON_AddStringToObject(ma, "model", MODEL_ACCESS_EMBEDDING_MODEL);
        cJSON_AddStringToObject(ma, "verdict", dep->model_access);
        s_add_str(ma, "agreement", dep->model_agreement);
        s_add_str(ma, "authorization", dep->model_authorization);
        s_add_str(ma, "entitlement", dep->model_entitlement);
        s_add_str(ma, "region_availability", dep->model_region_availability);
    } else {
        cJSON_AddNullToObject(j, "bedrock_model_access");
    }
}

cJSON *deployment_to_json(const struct deployment *dep)
{
    const struct stack_outputs *o = &dep->outputs;
    cJSON *j = cJSON_CreateObject();
    s_add_str(j, "table", o->table);
    s_add_str(j, "cluster", o->cluster);
    s_add_str(j, "task_definition", o->task_definition);
    s_add_str(j, "task_definition_arn", dep->task_definition_arn);
    s_add_str(j, "container", dep->container_name ? dep->container_name : o->container);
    s_add_str(j, "security_group", o->security_group);
    cJSON_AddItemToObject(j, "subnets", s_str_array(o->subnets, o->nsubnets));
    cJSON_AddItemToObject(j, "public_subnets", s_str_array(o->public_subnets, o->npublic_subnets));
    s_add_str(j, "document_bucket", o->document_bucket);
    s_add_str(j, "vpc", o->vpc);
    s_add_str(j, "source", dep->source);
    if (dep->source_msg.id != MSG_NONE) {
        cJSON_AddStringToObject(j, "source_id", message_id_name(dep->source_msg.id));
        cJSON_AddItemToObject(j, "source_params", message_params_json(&dep->source_msg));
    }
    s_add_str(j, "stack", dep->stack_name);
    if (dep->task_cpu_units)
        cJSON_AddNumberToObject(j, "task_cpu", dep->task_cpu_units);
    else
        cJSON_AddNullToObject(j, "task_cpu");
    if (dep->task_memory_mib)
        cJSON_AddNumberToObject(j, "task_memory", dep->task_memory_mib);
    else
        cJSON_AddNullToObject(j, "task_memory");
    s_add_str(j, "cpu_architecture", dep->cpu_architecture);
    deployment_facts_to_json(dep, j);
    s_add_str(j, "log_group", dep->log_group);
    s_add_str(j, "log_stream_prefix", dep->log_stream_prefix);
    s_add_str(j, "log_region", dep->log_region);
    cJSON *origins = cJSON_AddObjectToObject(j, "origins");
    static const char *const origin_names[SO_NFIELDS] = {
        "table", "cluster", "task_definition", "container", "security_group", "subnets",
        "public_subnets", "document_bucket", "vpc", "db_secret_arn", "db_hostname",
    };
    for (int f = 0; f < SO_NFIELDS; f++)
        if (o->origin[f])
            cJSON_AddStringToObject(origins, origin_names[f], o->origin[f]);
    if (dep->have_aurora) {
        const struct aurora_cluster *a = &dep->aurora;
        cJSON *db = cJSON_AddObjectToObject(j, "aurora_cluster");
        s_add_str(db, "identifier", a->identifier);
        s_add_str(db, "identified_by", a->identified_by);
        s_add_str(db, "status", a->status);
        s_add_str(db, "arn", a->arn);
        s_add_str(db, "engine", a->engine);
        s_add_str(db, "engine_version", a->engine_version);
        if (a->serverless_v2) {
            cJSON_AddNumberToObject(db, "min_acu", a->min_acu);
            cJSON_AddNumberToObject(db, "max_acu", a->max_acu);
        }
        cJSON_AddBoolToObject(db, "data_api", a->http_endpoint_enabled);
        s_add_str(db, "created", a->create_time);
    } else {
        cJSON_AddNullToObject(j, "aurora_cluster");
    }
    cJSON_AddBoolToObject(j, "ok", deployment_ok(dep));
    cJSON *checks = cJSON_AddArrayToObject(j, "checks");
    for (size_t i = 0; i < dep->nchecks; i++) {
        const struct deployment_check *ch = &dep->checks[i];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", ch->id);
        cJSON_AddStringToObject(c, "state", s_state_name(ch->state));
        s_add_str(c, "summary", ch->summary);
        s_add_str(c, "hint", ch->hint);
        /* The same as ids and parameters, for programs that word them themselves. */
        if (ch->summary_msg.id != MSG_NONE) {
            cJSON_AddStringToObject(c, "summary_id", message_id_name(ch->summary_msg.id));
            cJSON_AddItemToObject(c, "summary_params", message_params_json(&ch->summary_msg));
        }
        if (ch->hint_msg.id != MSG_NONE) {
            cJSON_AddStringToObject(c, "hint_id", message_id_name(ch->hint_msg.id));
            cJSON_AddItemToObject(c, "hint_params", message_params_json(&ch->hint_msg));
        }
        cJSON_AddItemToArray(checks, c);
    }
    return j;
}
