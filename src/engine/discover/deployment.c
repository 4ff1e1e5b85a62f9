/* Resolving and validating the deployment: stack outputs from CloudFormation (or a
 * paste / file), then one check per resource against the live account, all in flight at
 * once on the event loop. */
#include "engine/discover/deployment.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "aws/session.h"
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
    CHK_COUNT
};

static const char *const CHECK_IDS[CHK_COUNT] = {
    "table", "cluster", "task_definition", "subnets", "security_group", "document_bucket",
    "stack_version", "aurora_cluster", "release",
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
    char *sg_vpc;
    char **subnet_vpcs;
    size_t nsubnet_vpcs;
};

/* ---- small helpers -------------------------------------------------------------------- */

static void s_set_check(struct resolve_call *c, enum check_index i, enum check_state state,
                        char *summary, const char *hint)
{
    struct deployment_check *ch = &c->dep.checks[i];
    free(ch->summary);
    free(ch->hint);
    ch->state = state;
    ch->summary = summary;
    ch->hint = hint ? xstrdup(hint) : NULL;
}

static char *s_describe_error(const struct aws_error *e, const char **hint)
{
    *hint = aws_error_hint(e);
    return aws_error_describe(e);
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
                char *summary = xasprintf("%s is in %s but the subnets are in %s",
                                          c->dep.outputs.security_group, c->sg_vpc, c->subnet_vpcs[i]);
                s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL, summary,
                            "ECS refuses a security group from another VPC: take "
                            "EmbeddingTaskSecurityGroupId… and PrivateSubnetId0/1 from the same "
                            "stack's Outputs");
                break;
            }
    }
}

static void s_check_done(struct resolve_call *c)
{
    if (--c->pending > 0)
        return;
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
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        bool missing = aws_error_class(&resp->err) == AWS_ERROR_CLASS_NOT_FOUND;
        s_set_check(c, CHK_TABLE, CHECK_FAIL,
                    missing ? xasprintf("table %s not found in %s", t, c->session->region)
                            : xasprintf("DynamoDB DescribeTable %s failed: %s", t, why),
                    missing ? "check the region (--region) and the value of "
                              "DatabaseConversationTableName… in the stack's Outputs"
                            : hint ? hint : "check the network and the caller's permission "
                                            "dynamodb:DescribeTable, then retry");
        free(why);
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
    const char *st = cJSON_IsString(status) ? status->valuestring : "unknown status";
    if (!pk || !sk)
        s_set_check(c, CHK_TABLE, CHECK_FAIL,
                    xasprintf("%s exists but its key is not PK (string) / SK (string)", t),
                    "this is not Bedrock Chat's conversation table: use the value of "
                    "DatabaseConversationTableName… from the stack's Outputs");
    else if (strcmp(st, "ACTIVE") != 0 && strcmp(st, "UPDATING") != 0)
        s_set_check(c, CHK_TABLE, CHECK_FAIL, xasprintf("%s is %s", t, st),
                    "the table cannot be read in this state: wait for the stack deployment "
                    "to finish, then run again");
    else
        s_set_check(c, CHK_TABLE, CHECK_OK, xasprintf("%s, %s, key PK/SK (strings)", t, st), NULL);
    s_check_done(c);
}

static void s_on_cluster(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const char *name = c->dep.outputs.cluster;
    if (resp->err.kind != AWS_ERR_NONE) {
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL, xasprintf("ECS DescribeClusters %s failed: %s", name, why),
                    hint ? hint : "check the network and the caller's permission "
                                  "ecs:DescribeClusters, then retry");
        free(why);
        s_check_done(c);
        return;
    }
    const cJSON *cl = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp->json, "clusters"), 0);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(cl, "status");
    const cJSON *running = cJSON_GetObjectItemCaseSensitive(cl, "runningTasksCount");
    if (!cJSON_IsString(status)) {
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL, xasprintf("cluster %s not found in %s", name, c->session->region),
                    "check the region (--region) and the value of EmbeddingClusterName… in the "
                    "stack's Outputs");
    } else if (strcmp(status->valuestring, "ACTIVE") != 0) {
        s_set_check(c, CHK_CLUSTER, CHECK_FAIL, xasprintf("cluster %s is %s", name, status->valuestring),
                    "tasks only run in an ACTIVE cluster: redeploy the stack (npx cdk deploy) "
                    "so the embedding cluster exists again");
    } else {
        s_set_check(c, CHK_CLUSTER, CHECK_OK,
                    xasprintf("%s, ACTIVE, %d running task%s", name,
                              cJSON_IsNumber(running) ? running->valueint : 0,
                              cJSON_IsNumber(running) && running->valueint == 1 ? "" : "s"),
                    NULL);
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

/* Which v1 release family deployed the task definition, and that the launch satisfies it.
 * v1.2.5 added 100 GiB of ephemeral storage to the embedding task in the same change that
 * moved the keys to EVENT (cdk/lib/constructs/embedding.ts): a fingerprint that needs no
 * permission beyond DescribeTaskDefinition. */
static void s_release_check(struct resolve_call *c, const cJSON *td)
{
    struct deployment *d = &c->dep;
    if (!td) {
        s_set_check(c, CHK_RELEASE, CHECK_SKIPPED,
                    xstrdup("release not known (the task definition could not be read); every "
                            "launch passes the keys both as EVENT and as the command argument, "
                            "which every v1.x accepts"),
                    NULL);
        return;
    }
    int gib = s_int_of(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(td, "ephemeralStorage"), "sizeInGiB"));
    d->release_family = xstrdup(gib >= 100 ? "v1.2.5+" : "v1.0.0-v1.2.4");
    s_set_check(c, CHK_RELEASE, CHECK_OK,
                gib >= 100
                    ? xasprintf("v1.2.5 or later (the task asks for %d GiB of ephemeral storage): its "
                                "task reads the bot's keys from EVENT; every launch passes them as EVENT "
                                "and as the command argument, so both contracts are met", gib)
                    : xstrdup("v1.0.0 to v1.2.4 (the task has Fargate's default ephemeral storage): its "
                              "task reads the bot's keys from the command argument; every launch passes "
                              "them as the argument and as EVENT, so both contracts are met"),
                NULL);
}

static void s_on_task_definition(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    struct deployment *d = &c->dep;
    const char *family = d->outputs.task_definition;
    if (resp->err.kind != AWS_ERR_NONE) {
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        bool missing = resp->err.code && strcmp(resp->err.code, "ClientException") == 0;
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    missing ? xasprintf("task definition %s not found in %s", family, c->session->region)
                            : xasprintf("ECS DescribeTaskDefinition %s failed: %s", family, why),
                    missing ? "check the value of EmbeddingTaskDefinitionName… (the family, without "
                              ":revision) in the stack's Outputs, and the region"
                            : hint ? hint : "check the network and the caller's permission "
                                            "ecs:DescribeTaskDefinition, then retry");
        free(why);
        s_release_check(c, NULL);
        s_check_done(c);
        return;
    }
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(resp->json, "taskDefinition");
    s_release_check(c, td);
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
    if (!status || strcmp(status, "ACTIVE") != 0) {
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    xasprintf("%s%s is %s", family, rev && !strchr(family, ':') ? rev : "",
                              status ? status : "in an unknown state"),
                    "ECS cannot start a deregistered revision: give the family name alone "
                    "(EmbeddingTaskDefinitionName… without :revision) to use the latest ACTIVE one");
    } else if (!d->fargate) {
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    xasprintf("%s is not compatible with FARGATE", family),
                    "the embedding tasks run on Fargate: use the stack's "
                    "EmbeddingTaskDefinitionName… output, not another task definition");
    } else if (!chosen) {
        s_set_check(c, CHK_TASK_DEFINITION, CHECK_FAIL,
                    d->outputs.container
                        ? xasprintf("%s has no container named %s (it has: %s)", family,
                                    d->outputs.container, names.len ? buf_cstr(&names) : "none")
                        : xasprintf("%s has no container definitions", family),
                    "CONTAINER_NAME must name a container of the task definition; the stack's "
                    "is \"Container\". Leave it out to take it from the task definition");
    } else {
        char *summary = xasprintf("%s%s, %g vCPU / %d MiB, FARGATE %s, container %s", family,
                                  rev && !strchr(family, ':') ? rev : "", d->task_cpu_units / 1024.0,
                                  d->task_memory_mib, d->cpu_architecture, d->container_name);
        if (!d->log_group) {
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_WARN, summary,
                        "the container does not log to CloudWatch (awslogs): the tool cannot show "
                        "a failed task's log; look at the task in the ECS console instead");
        } else {
            char *full = xasprintf("%s, logs %s (%s)", summary, d->log_group,
                                   d->log_stream_prefix ? d->log_stream_prefix : "no prefix");
            free(summary);
            s_set_check(c, CHK_TASK_DEFINITION, CHECK_OK, full, NULL);
        }
    }
    buf_free(&names);
    s_check_done(c);
}

static void s_on_subnets(void *ud, struct aws_response *resp)
{
    struct resolve_call *c = ud;
    const struct stack_outputs *o = &c->dep.outputs;
    if (resp->err.kind != AWS_ERR_NONE) {
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        bool missing = resp->err.code && strncmp(resp->err.code, "InvalidSubnet", 13) == 0;
        s_set_check(c, CHK_SUBNETS, CHECK_FAIL,
                    missing ? xasprintf("subnet not found: %s", resp->err.message ? resp->err.message : why)
                            : xasprintf("EC2 DescribeSubnets failed: %s", why),
                    missing ? "check the region and the values of PrivateSubnetId0/1 in the "
                              "stack's Outputs"
                            : hint ? hint : "check the network and the caller's permission "
                                            "ec2:DescribeSubnets, then retry");
        free(why);
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
        s_set_check(c, CHK_SUBNETS, CHECK_FAIL,
                    xasprintf("only %zu of %zu subnets found: %s", n, o->nsubnets,
                              found.len ? buf_cstr(&found) : "none"),
                    "check the region and the values of PrivateSubnetId0/1 in the stack's Outputs");
    } else if (public_ip.len) {
        s_set_check(c, CHK_SUBNETS, CHECK_WARN, xasprintf("%s; %s assign public IPs on launch",
                                                          buf_cstr(&found), buf_cstr(&public_ip)),
                    "these look like public subnets: the tasks need the stack's private subnets "
                    "(PrivateSubnetId0/1), which reach Bedrock through the NAT gateway");
    } else {
        s_set_check(c, CHK_SUBNETS, CHECK_OK,
                    xasprintf("%s%s", buf_cstr(&found),
                              o->origin[SO_PRIVATE_SUBNET] && strncmp(o->origin[SO_PRIVATE_SUBNET], "PrivateSubnetId", 15) == 0
                                  ? ", the stack's private subnets" : ""),
                    NULL);
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
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        bool missing = resp->err.code && strncmp(resp->err.code, "InvalidGroup", 12) == 0;
        s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                    missing ? xasprintf("security group %s not found in %s", sg, c->session->region)
                            : xasprintf("EC2 DescribeSecurityGroups failed: %s", why),
                    missing ? "it may have been deleted: redeploy the stack (npx cdk deploy) to "
                              "recreate it, then use EmbeddingTaskSecurityGroupId… from its Outputs"
                            : hint ? hint : "check the network and the caller's permission "
                                            "ec2:DescribeSecurityGroups, then retry");
        free(why);
        s_check_done(c);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr item = s_xml_child(s_xml_child(root, "securityGroupInfo"), "item");
    char *id = s_xml_child_text(item, "groupId");
    if (!id) {
        s_set_check(c, CHK_SECURITY_GROUP, CHECK_FAIL,
                    xasprintf("security group %s not found in %s", sg, c->session->region),
                    "it may have been deleted: redeploy the stack (npx cdk deploy) to recreate "
                    "it, then use EmbeddingTaskSecurityGroupId… from its Outputs");
    } else {
        char *name = s_xml_child_text(item, "groupName");
        c->sg_vpc = s_xml_child_text(item, "vpcId");
        s_set_check(c, CHK_SECURITY_GROUP, CHECK_OK,
                    xasprintf("%s%s%s%s in %s", id, name ? " (" : "", name ? name : "", name ? ")" : "",
                              c->sg_vpc ? c->sg_vpc : "an unknown VPC"),
                    NULL);
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
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
        bool missing = aws_error_class(&resp->err) == AWS_ERROR_CLASS_NOT_FOUND;
        s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_FAIL,
                    missing ? xasprintf("bucket %s does not exist", b)
                            : xasprintf("S3 ListObjectsV2 on %s failed: %s", b, why),
                    missing ? "check DocumentBucketName in the stack's Outputs; without the "
                              "bucket, bots with uploaded files cannot be embedded"
                            : hint ? hint : "the embedding task reads uploaded files from this "
                                            "bucket; the caller needs s3:ListBucket to check it");
        free(why);
    } else {
        xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
        char *count = aws_xml_text(root, "KeyCount");
        s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_OK,
                    xasprintf("%s reachable%s", b, count && strcmp(count, "0") == 0 ? ", empty" : ""), NULL);
        free(count);
    }
    s_check_done(c);
}

static void s_stack_version(struct resolve_call *c)
{
    const struct stack_outputs *o = &c->dep.outputs;
    const char *st = c->stack_status;
    if (st && (strstr(st, "IN_PROGRESS") || strstr(st, "FAILED") || strstr(st, "ROLLBACK"))) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_WARN, xasprintf("the stack is %s", st),
                    strstr(st, "IN_PROGRESS")
                        ? "a deployment is still running: wait until it finishes, then run again"
                        : "the last deployment did not complete: fix it (npx cdk deploy) before "
                          "migrating, or the resources may not match the outputs");
        return;
    }
    if (!o->from_output_keys) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_SKIPPED,
                    xstrdup("not known from the guide's variables"),
                    "make sure Bedrock Chat v1 is deployed (npx cdk deploy) before migrating");
        return;
    }
    if (!o->db_secret_arn) {
        s_set_check(c, CHK_STACK_VERSION, CHECK_WARN,
                    xstrdup("no DbConfigSecretArn output: the stack may not be at v1 yet"),
                    "deploy Bedrock Chat v1 first (npx cdk deploy). v1 replaces the Aurora "
                    "cluster, so embeddings rebuilt before the upgrade would be lost");
        return;
    }
    s_set_check(c, CHK_STACK_VERSION, CHECK_OK,
                xasprintf("v1 outputs present (DbConfigSecretArn)%s%s", st ? ", " : "", st ? st : ""), NULL);
}

/* The Aurora check's state from a lookup. Only a cluster that takes writes is OK: tasks
 * launched against a stopped one all fail after paying for their Fargate start. */
static void s_aurora_check(struct deployment_check *ch, struct deployment *d,
                           const struct aurora_result *r, const char *region)
{
    free(ch->summary);
    free(ch->hint);
    ch->summary = NULL;
    ch->hint = NULL;
    switch (r->lookup) {
    case AURORA_FOUND: {
        const struct aurora_cluster *a = r->cluster;
        if (d->have_aurora)
            aurora_cluster_free(&d->aurora);
        aurora_cluster_copy(&d->aurora, a);
        d->have_aurora = true;
        if (aurora_cluster_is_available(a)) {
            char acu[64] = "";
            if (a->serverless_v2)
                snprintf(acu, sizeof acu, ", Serverless v2 %g-%g ACU", a->min_acu, a->max_acu);
            ch->state = CHECK_OK;
            ch->summary = xasprintf("%s, %s, %s %s%s%s", a->identifier, a->status,
                                    a->engine ? a->engine : "unknown engine",
                                    a->engine_version ? a->engine_version : "", acu,
                                    a->http_endpoint_enabled ? ", Data API on" : "");
        } else if (strcmp(a->status, "stopped") == 0) {
            char *cmd = aurora_cluster_start_command(a->identifier, region);
            ch->state = CHECK_FAIL;
            ch->summary = xasprintf("Aurora cluster %s is stopped", a->identifier);
            ch->hint = xasprintf("every task launched now would fail to store its vectors. Start it "
                                 "with: %s (it takes a few minutes; the stack's rdbSchedules may stop "
                                 "it again on its schedule), then run again", cmd);
            free(cmd);
        } else if (aurora_cluster_status_transient(a->status)) {
            ch->state = CHECK_FAIL;
            ch->summary = xasprintf("Aurora cluster %s is %s", a->identifier, a->status);
            ch->hint = xasprintf("wait until it is available (aws rds describe-db-clusters "
                                 "--db-cluster-identifier %s), then run again", a->identifier);
        } else {
            ch->state = CHECK_FAIL;
            ch->summary = xasprintf("Aurora cluster %s is %s", a->identifier, a->status);
            ch->hint = xstrdup("the embedding tasks cannot write to it in this state: look at the "
                               "cluster in the RDS console and bring it back to available first");
        }
        return;
    }
    case AURORA_UNIDENTIFIED:
        ch->state = CHECK_SKIPPED;
        ch->summary = xasprintf("not checked: %s", r->message);
        ch->hint = r->hint ? xstrdup(r->hint) : NULL;
        return;
    case AURORA_DENIED:
        ch->state = CHECK_WARN;
        ch->summary = xasprintf("not checked: %s", r->message);
        ch->hint = xasprintf("%s; or make sure yourself that the cluster is available before the run",
                             r->hint ? r->hint : "allow rds:DescribeDBClusters");
        return;
    case AURORA_NOT_FOUND:
        ch->state = CHECK_FAIL;
        ch->summary = xstrdup(r->message);
        ch->hint = r->hint ? xstrdup(r->hint) : NULL;
        return;
    case AURORA_FAILED:
        ch->state = CHECK_WARN;
        ch->summary = xasprintf("not checked: %s", r->message);
        ch->hint = xstrdup(r->hint ? r->hint : "check the network, then look again");
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

    if (!d->outputs.document_bucket) {
        s_set_check(c, CHK_DOCUMENT_BUCKET, c->check_bucket ? CHECK_WARN : CHECK_SKIPPED,
                    xstrdup("no DocumentBucketName in the outputs"),
                    c->check_bucket ? "add DocumentBucketName from the stack's Outputs to check it" : NULL);
    } else if (!c->check_bucket) {
        s_set_check(c, CHK_DOCUMENT_BUCKET, CHECK_SKIPPED,
                    xasprintf("%s not checked", d->outputs.document_bucket),
                    "add --check-bucket to check that the bucket is reachable");
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

static void s_use_stack(struct resolve_call *c, struct found_stack *fs, const char *note)
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
    c->dep.source = xasprintf("CloudFormation stack %s%s", c->dep.stack_name, note ? note : "");
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
        char *note = xasprintf(" (found in %s; %s does not exist there)", region, c->stack);
        s_use_stack(c, &c->found[0], note);
        free(note);
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
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
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
        const char *hint;
        char *why = s_describe_error(&resp->err, &hint);
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
    s_use_stack(c, &fs, NULL);
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

static char *s_from_text(struct resolve_call *c, const char *text, size_t len, const char *label)
{
    enum outputs_paste_format fmt;
    char *error = NULL;
    if (outputs_paste_parse(text, len, &c->dep.outputs, &fmt, &error) != 0) {
        char *msg = xasprintf("%s: %s", label, error);
        free(error);
        return msg;
    }
    c->dep.source = xasprintf("%s (%s)", label, outputs_paste_format_name(fmt));
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
        error = s_from_text(c, opts->paste_text, opts->paste_len, "paste");
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
                error = s_from_text(c, buf_cstr(&b), b.len, label);
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
    free(dep->stack_name);
    free(dep->task_definition_arn);
    free(dep->container_name);
    free(dep->container_image);
    free(dep->log_group);
    free(dep->log_stream_prefix);
    free(dep->log_region);
    free(dep->cpu_architecture);
    free(dep->release_family);
    aurora_cluster_free(&dep->aurora);
    for (size_t i = 0; i < dep->nchecks; i++) {
        free(dep->checks[i].summary);
        free(dep->checks[i].hint);
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
    s_add_str(j, "release_family", dep->release_family);
    cJSON *contracts = cJSON_AddArrayToObject(j, "task_contracts");
    cJSON_AddItemToArray(contracts, cJSON_CreateString("command"));
    cJSON_AddItemToArray(contracts, cJSON_CreateString("EVENT"));
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
        cJSON_AddItemToArray(checks, c);
    }
    return j;
}
