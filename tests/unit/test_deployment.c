/* Deployment resolution against a routed fake of CloudFormation, DynamoDB, ECS, EC2 and
 * S3: discovery of the named stack, fallback to listing (one candidate, several, none),
 * paginated ListStacks, and each validation check's ok / warn / fail with its hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "support/fake_http.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_stack {
    const char *name;
    bool bedrock;      /* carries the embedding outputs */
    bool v1;           /* has DbConfigSecretArn */
    const char *status;
};

struct fake_cloud {
    struct fake_stack stacks[8];
    size_t nstacks;
    bool list_paginated;        /* DescribeStacks without a name answers one stack per page */
    int list_calls;
    int describe_calls;
    bool sg_deleted;
    bool table_wrong_key;
    bool cluster_inactive;
    bool td_not_fargate;
    bool td_no_logs;
    bool subnet_public_ip;
    bool sg_other_vpc;
    bool bucket_missing;
    int bucket_calls;
    const char *aurora_status;  /* NULL: available */
    bool aurora_denied;
    int rds_calls, resource_calls;
    bool state_machine;         /* the stack has a Step Functions state machine (v1.2.5+) */
    bool resources_denied;      /* ListStackResources is refused */
    const char *model_authorization; /* NULL: AUTHORIZED */
    bool bedrock_denied;
    int bedrock_calls;
    char last_subnet_query[256];
};

static struct fake_routed_reply s_reply(long status, const char *body)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, xstrdup(body)};
    return r;
}

static struct fake_routed_reply s_reply_owned(long status, char *body)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, body};
    return r;
}

/* The value of a form field in a query-protocol body ("Action=…&StackName=…"). */
static char *s_form(const struct http_request *req, const char *name)
{
    const char *body = buf_cstr(&req->body);
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            return xstrndup(v, strcspn(v, "&"));
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return NULL;
}

static bool s_form_has(const struct http_request *req, const char *name)
{
    char *v = s_form(req, name);
    bool has = v != NULL;
    free(v);
    return has;
}

static const struct fake_stack *s_stack(const struct fake_cloud *f, const char *name)
{
    for (size_t i = 0; i < f->nstacks; i++)
        if (strcmp(f->stacks[i].name, name) == 0)
            return &f->stacks[i];
    return NULL;
}

static void s_stack_xml(buf_t *b, const struct fake_stack *s)
{
    buf_printf(b, "<member><StackName>%s</StackName><StackStatus>%s</StackStatus><Outputs>", s->name,
               s->status ? s->status : "UPDATE_COMPLETE");
#define OUT(k, v) buf_printf(b, "<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue></member>", k, v)
    if (s->bedrock) {
        OUT("DatabaseConversationTableNameC2A8A4C2", "Conversation-Table");
        OUT("EmbeddingClusterName8D4B9D3A", "Embedding-Cluster");
        OUT("EmbeddingTaskDefinitionName5B2F0C6E", "EmbeddingTaskDef");
        OUT("EmbeddingTaskSecurityGroupId1A2B3C4D", "sg-0a1b2c3d");
        OUT("PrivateSubnetId1", "subnet-0bbb");
        OUT("PrivateSubnetId0", "subnet-0aaa");
        OUT("PublicSubnetId0", "subnet-0ccc");
        OUT("DocumentBucketName", "doc-bucket");
        OUT("VpcId", "vpc-0abc");
        if (s->v1) {
            OUT("DbConfigSecretArn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db");
            OUT("DbConfigHostname", "vectordb-1.cluster-abc.us-east-1.rds.amazonaws.com");
        }
    } else {
        OUT("BucketName", "cdk-assets &amp; more");
    }
#undef OUT
    buf_puts(b, "</Outputs></member>");
}

static struct fake_routed_reply s_cloudformation(struct fake_cloud *f, const struct http_request *req)
{
    char *action = s_form(req, "Action");
    buf_t b = BUF_INIT;
    if (strcmp(action, "DescribeStacks") == 0 && s_form_has(req, "StackName")) {
        f->describe_calls++;
        char *name = s_form(req, "StackName");
        const struct fake_stack *s = s_stack(f, name);
        if (!s) {
            buf_printf(&b, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                           "<Message>Stack with id %s does not exist</Message></Error>"
                           "<RequestId>r1</RequestId></ErrorResponse>", name);
            free(name);
            free(action);
            return s_reply_owned(400, buf_detach(&b));
        }
        buf_puts(&b, "<DescribeStacksResponse><DescribeStacksResult><Stacks>");
        s_stack_xml(&b, s);
        buf_puts(&b, "</Stacks></DescribeStacksResult></DescribeStacksResponse>");
        free(name);
    } else if (strcmp(action, "DescribeStacks") == 0) {
        /* Without a name: every stack with its outputs, a page at a time. */
        f->describe_calls++;
        f->list_calls++;
        char *token = s_form(req, "NextToken");
        size_t from = token ? (size_t)atoi(token) : 0, to = f->list_paginated ? from + 1 : f->nstacks;
        free(token);
        buf_puts(&b, "<DescribeStacksResponse><DescribeStacksResult><Stacks>");
        for (size_t i = from; i < to && i < f->nstacks; i++)
            s_stack_xml(&b, &f->stacks[i]);
        /* a nested copy of the app's stack and a deleted one are never candidates */
        buf_puts(&b, "<member><StackName>Nested</StackName><ParentId>arn:parent</ParentId>"
                     "<StackStatus>CREATE_COMPLETE</StackStatus></member>");
        struct fake_stack deleted = {"OldChat", true, true, "DELETE_COMPLETE"};
        s_stack_xml(&b, &deleted);
        buf_puts(&b, "</Stacks>");
        if (to < f->nstacks)
            buf_printf(&b, "<NextToken>%zu</NextToken>", to);
        buf_puts(&b, "</DescribeStacksResult></DescribeStacksResponse>");
    } else if (strcmp(action, "ListStackResources") == 0) {
        f->resource_calls++;
        if (f->resources_denied) {
            free(action);
            return s_reply(403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                "<Message>not authorized to perform: cloudformation:ListStackResources"
                                "</Message></Error></ErrorResponse>");
        }
        buf_puts(&b, "<ListStackResourcesResponse><ListStackResourcesResult><StackResourceSummaries>");
        if (f->state_machine)
            buf_puts(&b, "<member><LogicalResourceId>EmbeddingStateMachine1A2B3C4D</LogicalResourceId>"
                         "<PhysicalResourceId>arn:aws:states:us-east-1:123456789012:stateMachine:"
                         "EmbeddingStateMachine-Xyz</PhysicalResourceId>"
                         "<ResourceType>AWS::StepFunctions::StateMachine</ResourceType>"
                         "<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>");
        buf_puts(&b, "</StackResourceSummaries></ListStackResourcesResult></ListStackResourcesResponse>");
    } else {
        fail_msg("unexpected CloudFormation action %s", action);
    }
    free(action);
    return s_reply_owned(200, buf_detach(&b));
}

static struct fake_routed_reply s_rds(struct fake_cloud *f, const struct http_request *req)
{
    char *action = s_form(req, "Action");
    assert_string_equal(action, "DescribeDBClusters");
    free(action);
    char *id = s_form(req, "DBClusterIdentifier");
    assert_string_equal(id, "vectordb-1");
    free(id);
    f->rds_calls++;
    if (f->aurora_denied)
        return s_reply(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized to "
                            "perform: rds:DescribeDBClusters</Message></Error></ErrorResponse>");
    char *b = xasprintf("<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster>"
                        "<DBClusterIdentifier>vectordb-1</DBClusterIdentifier><Status>%s</Status>"
                        "<Engine>aurora-postgresql</Engine><EngineVersion>15.3</EngineVersion>"
                        "<DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:vectordb-1</DBClusterArn>"
                        "<HttpEndpointEnabled>true</HttpEndpointEnabled><ServerlessV2ScalingConfiguration>"
                        "<MinCapacity>0.5</MinCapacity><MaxCapacity>5</MaxCapacity>"
                        "</ServerlessV2ScalingConfiguration></DBCluster></DBClusters>"
                        "</DescribeDBClustersResult></DescribeDBClustersResponse>",
                        f->aurora_status ? f->aurora_status : "available");
    return s_reply_owned(200, b);
}

static struct fake_routed_reply s_ec2(struct fake_cloud *f, const struct http_request *req)
{
    char *action = s_form(req, "Action");
    buf_t b = BUF_INIT;
    if (strcmp(action, "DescribeSubnets") == 0) {
        snprintf(f->last_subnet_query, sizeof f->last_subnet_query, "%s", buf_cstr(&req->body));
        buf_puts(&b, "<DescribeSubnetsResponse><subnetSet>");
        for (int i = 1; i <= 4; i++) {
            char key[32];
            snprintf(key, sizeof key, "SubnetId.%d", i);
            char *id = s_form(req, key);
            if (!id)
                break;
            buf_printf(&b, "<item><subnetId>%s</subnetId><vpcId>vpc-0abc</vpcId><availabilityZone>us-east-1a"
                           "</availabilityZone><mapPublicIpOnLaunch>%s</mapPublicIpOnLaunch></item>",
                       id, f->subnet_public_ip ? "true" : "false");
            free(id);
        }
        buf_puts(&b, "</subnetSet></DescribeSubnetsResponse>");
    } else if (strcmp(action, "DescribeSecurityGroups") == 0) {
        if (f->sg_deleted) {
            free(action);
            return s_reply(400, "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>"
                                "The security group 'sg-0a1b2c3d' does not exist</Message></Error></Errors>"
                                "<RequestID>r2</RequestID></Response>");
        }
        buf_printf(&b, "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-0a1b2c3d"
                       "</groupId><groupName>EmbeddingTaskSG</groupName><vpcId>%s</vpcId></item>"
                       "</securityGroupInfo></DescribeSecurityGroupsResponse>",
                   f->sg_other_vpc ? "vpc-0999" : "vpc-0abc");
    } else {
        fail_msg("unexpected EC2 action %s", action);
    }
    free(action);
    return s_reply_owned(200, buf_detach(&b));
}

static struct fake_routed_reply s_json_op(struct fake_cloud *f, const char *target)
{
    const char *op = strchr(target, '.') + 1;
    if (strcmp(op, "DescribeTable") == 0)
        return s_reply(200, f->table_wrong_key
                                ? "{\"Table\":{\"TableStatus\":\"ACTIVE\",\"KeySchema\":[{\"AttributeName\":\"id\","
                                  "\"KeyType\":\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
                                  "\"AttributeType\":\"S\"}]}}"
                                : "{\"Table\":{\"TableStatus\":\"ACTIVE\",\"KeySchema\":[{\"AttributeName\":\"PK\","
                                  "\"KeyType\":\"HASH\"},{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
                                  "\"AttributeDefinitions\":[{\"AttributeName\":\"PK\",\"AttributeType\":\"S\"},"
                                  "{\"AttributeName\":\"SK\",\"AttributeType\":\"S\"}]}}");
    if (strcmp(op, "DescribeClusters") == 0) {
        char *b = xasprintf("{\"clusters\":[{\"clusterName\":\"Embedding-Cluster\",\"status\":\"%s\","
                            "\"runningTasksCount\":1}],\"failures\":[]}",
                            f->cluster_inactive ? "INACTIVE" : "ACTIVE");
        return s_reply_owned(200, b);
    }
    if (strcmp(op, "DescribeTaskDefinition") == 0) {
        char *b = xasprintf(
            "{\"taskDefinition\":{\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:123456789012:task-definition/"
            "EmbeddingTaskDef:7\",\"family\":\"EmbeddingTaskDef\",\"revision\":7,\"status\":\"ACTIVE\","
            "\"requiresCompatibilities\":[\"%s\"],\"cpu\":\"2048\",\"memory\":\"4096\","
            "\"containerDefinitions\":[{\"name\":\"Sidecar\",\"essential\":false},"
            "{\"name\":\"Container\",\"essential\":true%s}]}}",
            f->td_not_fargate ? "EC2" : "FARGATE",
            f->td_no_logs ? "" : ",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{"
                                 "\"awslogs-group\":\"/ecs/embed\",\"awslogs-region\":\"us-east-1\","
                                 "\"awslogs-stream-prefix\":\"embed-task\"}}");
        return s_reply_owned(200, b);
    }
    fail_msg("unexpected JSON operation %s", op);
    return s_reply(500, "");
}

static struct fake_routed_reply s_route(void *ud, const struct http_request *req)
{
    struct fake_cloud *f = ud;
    const char *target = http_request_header(req, "X-Amz-Target");
    if (target)
        return s_json_op(f, target);
    if (strncmp(req->host, "cloudformation.", 15) == 0)
        return s_cloudformation(f, req);
    if (strncmp(req->host, "ec2.", 4) == 0)
        return s_ec2(f, req);
    if (strncmp(req->host, "rds.", 4) == 0)
        return s_rds(f, req);
    if (strncmp(req->host, "bedrock.", 8) == 0) {
        f->bedrock_calls++;
        assert_string_equal(req->method, "GET");
        assert_string_equal(req->path, "/foundation-model-availability/cohere.embed-multilingual-v3");
        if (f->bedrock_denied)
            return s_reply(403, "{\"message\":\"not authorized to perform: bedrock:GetFoundationModelAvailability\"}");
        return s_reply_owned(200, xasprintf("{\"modelId\":\"cohere.embed-multilingual-v3\","
                                            "\"agreementAvailability\":{\"status\":\"AVAILABLE\"},"
                                            "\"authorizationStatus\":\"%s\","
                                            "\"entitlementAvailability\":\"AVAILABLE\","
                                            "\"regionAvailability\":\"AVAILABLE\"}",
                                            f->model_authorization ? f->model_authorization : "AUTHORIZED"));
    }
    if (strstr(req->host, "s3") || strcmp(req->method, "GET") == 0) {
        f->bucket_calls++;
        if (f->bucket_missing)
            return s_reply(404, "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not "
                                "exist</Message></Error>");
        return s_reply(200, "<ListBucketResult><Name>doc-bucket</Name><KeyCount>1</KeyCount>"
                            "<IsTruncated>false</IsTruncated></ListBucketResult>");
    }
    fail_msg("unexpected request to %s", req->host);
    return s_reply(500, "");
}

struct harness {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_session session;
    struct fake_cloud cloud;
    bool done;
    struct deployment dep;
    bool have_dep;
    char *error;
};

static void s_init(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    h->loop = ev_loop_new();
    fake_http_init(&h->http, h->loop, NULL, 0);
    h->http.route = s_route;
    h->http.route_ud = &h->cloud;
    struct aws_credentials c = {.access_key_id = "AKID", .secret_access_key = "SECRET", .source = "test"};
    h->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {.loop = h->loop, .http = &h->http.base, .creds = h->creds,
                                    .region = "us-east-1"};
    h->session.loop = h->loop;
    h->session.region = "us-east-1";
    h->session.client = aws_client_new(&cfg);
}

static void s_free(struct harness *h)
{
    if (h->have_dep)
        deployment_free(&h->dep);
    free(h->error);
    aws_client_free(h->session.client);
    cred_provider_free(h->creds);
    fake_http_cleanup(&h->http);
    ev_loop_free(h->loop);
}

static void s_on_done(void *ud, struct deployment *dep, const char *error)
{
    struct harness *h = ud;
    h->done = true;
    if (dep) {
        deployment_move(&h->dep, dep);
        h->have_dep = true;
    } else {
        h->error = xstrdup(error);
    }
}

static void s_resolve(struct harness *h, const struct deployment_options *opts)
{
    deployment_resolve(&h->session, opts, s_on_done, h);
    assert_false(h->done); /* always answered from the loop */
    ev_loop_run_until(h->loop, &h->done);
}

static const struct deployment_check *s_check(const struct harness *h, const char *id)
{
    for (size_t i = 0; i < h->dep.nchecks; i++)
        if (strcmp(h->dep.checks[i].id, id) == 0)
            return &h->dep.checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

static void test_named_stack_all_ok(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    struct deployment_options o = {.check_bucket = true};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_string_equal(h.dep.source, "CloudFormation stack BedrockChatStack");
    assert_string_equal(h.dep.stack_name, "BedrockChatStack");
    assert_string_equal(h.dep.outputs.table, "Conversation-Table");
    assert_int_equal(h.dep.outputs.nsubnets, 2);
    assert_string_equal(h.dep.outputs.subnets[0], "subnet-0aaa");
    /* Subnets are asked for in key order, both of them. */
    assert_non_null(strstr(h.cloud.last_subnet_query, "SubnetId.1=subnet-0aaa"));
    assert_non_null(strstr(h.cloud.last_subnet_query, "SubnetId.2=subnet-0bbb"));
    assert_string_equal(h.dep.container_name, "Container");
    assert_string_equal(h.dep.task_definition_arn,
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/EmbeddingTaskDef:7");
    assert_int_equal(h.dep.task_cpu_units, 2048);
    assert_int_equal(h.dep.task_memory_mib, 4096);
    assert_true(h.dep.fargate);
    assert_string_equal(h.dep.log_group, "/ecs/embed");
    assert_string_equal(h.dep.log_stream_prefix, "embed-task");
    for (size_t i = 0; i < h.dep.nchecks; i++)
        if (h.dep.checks[i].state != CHECK_OK)
            fail_msg("check %s is not ok: %s", h.dep.checks[i].id, h.dep.checks[i].summary);
    assert_int_equal(h.dep.nchecks, 10);
    assert_string_equal(h.dep.release_family, "v1.0.0-v1.2.4"); /* no ephemeral storage asked */
    assert_non_null(strstr(s_check(&h, "release")->summary, "both contracts are met"));
    assert_true(deployment_ok(&h.dep));
    assert_int_equal(h.cloud.bucket_calls, 1);
    assert_true(h.dep.have_aurora);
    assert_string_equal(h.dep.aurora.arn, "arn:aws:rds:us-east-1:123456789012:cluster:vectordb-1");
    assert_non_null(strstr(s_check(&h, "aurora_cluster")->summary, "vectordb-1, available"));
    /* DbConfigHostname named the cluster: the one listing is the release's (no state machine,
     * no ephemeral storage: v1.0.0-v1.2.4 on both counts) */
    assert_int_equal(h.cloud.resource_calls, 1);
    assert_non_null(strstr(s_check(&h, "release")->summary, "no Step Functions state machine"));
    assert_int_equal(h.cloud.bedrock_calls, 1);
    assert_non_null(strstr(s_check(&h, "bedrock_model_access")->summary, "can be invoked in us-east-1"));

    cJSON *j = deployment_to_json(&h.dep);
    assert_string_equal(cJSON_GetObjectItem(j, "table")->valuestring, "Conversation-Table");
    assert_string_equal(cJSON_GetObjectItem(j, "container")->valuestring, "Container");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "subnets")), 2);
    assert_int_equal(cJSON_GetObjectItem(j, "task_cpu")->valueint, 2048);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "checks"), 0), "state")->valuestring, "ok");
    const cJSON *db = cJSON_GetObjectItem(j, "aurora_cluster");
    assert_string_equal(cJSON_GetObjectItem(db, "identifier")->valuestring, "vectordb-1");
    assert_string_equal(cJSON_GetObjectItem(db, "status")->valuestring, "available");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(db, "data_api")));
    cJSON_Delete(j);
    s_free(&h);
}

static void test_missing_stack_one_candidate(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"CDKToolkit", false, false, NULL};
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"ProdChat", true, true, NULL};
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"Other", false, false, NULL};
    h.cloud.list_paginated = true;
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_string_equal(h.dep.stack_name, "ProdChat");
    assert_non_null(strstr(h.dep.source, "BedrockChatStack does not exist"));
    assert_int_equal(h.cloud.list_calls, 3); /* every page */
    assert_int_equal(h.cloud.describe_calls, 1 + 3);
    s_free(&h);

    /* Discovery costs one call per page, whatever the number of stacks. */
    s_init(&h);
    for (int i = 0; i < 6; i++)
        h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){i == 4 ? "ProdChat" : "Other", i == 4, true, NULL};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_string_equal(h.dep.stack_name, "ProdChat");
    assert_int_equal(h.cloud.describe_calls, 2); /* the named stack, then one page of all */
    assert_int_equal(s_check(&h, "document_bucket")->state, CHECK_SKIPPED);
    assert_int_equal(h.cloud.bucket_calls, 0);
    assert_true(deployment_ok(&h.dep));
    s_free(&h);
}

static void test_explicit_stack_that_does_not_exist_is_an_error(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"ProdChat", true, true, NULL};
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"CDKToolkit", false, false, NULL};
    struct deployment_options o = {.stack = "Nope"};
    s_resolve(&h, &o);
    assert_false(h.have_dep); /* ProdChat is not adopted in its place */
    assert_non_null(strstr(h.error, "Nope does not exist in us-east-1 (named with --stack)"));
    assert_non_null(strstr(h.error, "ProdChat"));
    assert_null(strstr(h.error, "CDKToolkit"));
    s_free(&h);
}

static void test_missing_stack_several_candidates(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"ProdChat", true, true, NULL};
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"DevChat", true, true, NULL};
    struct deployment_options o = {.stack = "Nope"};
    s_resolve(&h, &o);
    assert_false(h.have_dep);
    assert_non_null(strstr(h.error, "Nope does not exist"));
    assert_non_null(strstr(h.error, "ProdChat"));
    assert_non_null(strstr(h.error, "DevChat"));
    assert_non_null(strstr(h.error, "--stack NAME"));
    s_free(&h);
}

static void test_missing_stack_no_candidate(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"CDKToolkit", false, false, NULL};
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_false(h.have_dep);
    assert_non_null(strstr(h.error, "BedrockChatStack does not exist in us-east-1"));
    assert_non_null(strstr(h.error, "--region"));
    assert_non_null(strstr(h.error, "npx cdk deploy"));
    s_free(&h);
}

static void test_named_stack_without_outputs(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", false, false, NULL};
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_false(h.have_dep);
    assert_non_null(strstr(h.error, "stack BedrockChatStack"));
    assert_non_null(strstr(h.error, "EmbeddingClusterName"));
    assert_non_null(strstr(h.error, "CloudFormation › BedrockChatStack › Outputs"));
    s_free(&h);
}

static void test_failing_checks_have_hints(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, false, NULL};
    h.cloud.sg_deleted = true;
    h.cloud.table_wrong_key = true;
    h.cloud.cluster_inactive = true;
    h.cloud.td_not_fargate = true;
    h.cloud.subnet_public_ip = true;
    h.cloud.bucket_missing = true;
    struct deployment_options o = {.check_bucket = true};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_false(deployment_ok(&h.dep));
    const char *failing[] = {"security_group", "table", "cluster", "task_definition", "document_bucket"};
    for (size_t i = 0; i < sizeof failing / sizeof *failing; i++) {
        const struct deployment_check *c = s_check(&h, failing[i]);
        if (c->state != CHECK_FAIL)
            fail_msg("%s should fail: %s", failing[i], c->summary);
        assert_non_null(c->hint);
    }
    assert_non_null(strstr(s_check(&h, "security_group")->summary, "not found"));
    assert_non_null(strstr(s_check(&h, "security_group")->hint, "npx cdk deploy"));
    assert_int_equal(s_check(&h, "subnets")->state, CHECK_WARN);
    assert_non_null(strstr(s_check(&h, "subnets")->hint, "private"));
    assert_int_equal(s_check(&h, "stack_version")->state, CHECK_WARN);
    assert_non_null(strstr(s_check(&h, "stack_version")->summary, "DbConfigSecretArn"));
    s_free(&h);
}

static void test_warnings_keep_it_usable(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, "UPDATE_IN_PROGRESS"};
    h.cloud.td_no_logs = true;
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_int_equal(s_check(&h, "task_definition")->state, CHECK_WARN);
    assert_null(h.dep.log_group);
    assert_int_equal(s_check(&h, "stack_version")->state, CHECK_WARN);
    assert_non_null(strstr(s_check(&h, "stack_version")->hint, "wait"));
    assert_true(deployment_ok(&h.dep));
    s_free(&h);
}

static void test_security_group_other_vpc(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.sg_other_vpc = true;
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_int_equal(s_check(&h, "security_group")->state, CHECK_FAIL);
    assert_non_null(strstr(s_check(&h, "security_group")->summary, "vpc-0999"));
    s_free(&h);
}

static void test_paste_with_container_name(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    const char *paste = "TABLE_NAME = \"Conversation-Table\"\nCLUSTER_NAME = \"Embedding-Cluster\"\n"
                        "TASK_DEFINITION_NAME = \"EmbeddingTaskDef\"\nCONTAINER_NAME = \"Sidecar2\"\n"
                        "SUBNET_ID = \"subnet-0aaa\"\nSECURITY_GROUP_ID = \"sg-0a1b2c3d\"\n";
    struct deployment_options o = {.paste_text = paste, .paste_len = strlen(paste)};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_int_equal(h.cloud.describe_calls, 0); /* no discovery */
    assert_non_null(strstr(h.dep.source, "paste"));
    const struct deployment_check *td = s_check(&h, "task_definition");
    assert_int_equal(td->state, CHECK_FAIL);
    assert_non_null(strstr(td->summary, "Sidecar, Container"));
    assert_int_equal(s_check(&h, "stack_version")->state, CHECK_SKIPPED);
    assert_int_equal(s_check(&h, "document_bucket")->state, CHECK_SKIPPED);
    s_free(&h);
}

static void test_bad_paste_and_missing_file(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    const char *paste = "TABLE_NAME = \"Conversation-Table\"\nCLUSTER_NAME = 'oops\n";
    struct deployment_options o = {.paste_text = paste, .paste_len = strlen(paste)};
    s_resolve(&h, &o);
    assert_false(h.have_dep);
    assert_non_null(strstr(h.error, "paste: line 2"));
    s_free(&h);

    s_init(&h);
    struct deployment_options f = {.outputs_file = "/nonexistent/outputs.txt"};
    s_resolve(&h, &f);
    assert_false(h.have_dep);
    assert_non_null(strstr(h.error, "/nonexistent/outputs.txt"));
    assert_non_null(strstr(h.error, "--outputs"));
    s_free(&h);
}

static void test_stopped_aurora_fails_with_the_start_command(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.aurora_status = "stopped";
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    const struct deployment_check *db = s_check(&h, "aurora_cluster");
    assert_int_equal(db->state, CHECK_FAIL);
    assert_string_equal(db->summary, "Aurora cluster vectordb-1 is stopped");
    assert_non_null(strstr(db->hint, "aws rds start-db-cluster --db-cluster-identifier vectordb-1 "
                                     "--region us-east-1"));
    assert_false(deployment_ok(&h.dep));
    s_free(&h);

    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.aurora_status = "starting";
    s_resolve(&h, &o);
    db = s_check(&h, "aurora_cluster");
    assert_int_equal(db->state, CHECK_FAIL);
    assert_string_equal(db->summary, "Aurora cluster vectordb-1 is starting");
    assert_non_null(strstr(db->hint, "wait until it is available"));
    s_free(&h);
}

static void test_aurora_denied_is_a_warning(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.aurora_denied = true;
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    const struct deployment_check *db = s_check(&h, "aurora_cluster");
    assert_int_equal(db->state, CHECK_WARN);
    assert_non_null(strstr(db->summary, "not checked"));
    assert_non_null(strstr(db->hint, "rds:DescribeDBClusters"));
    assert_true(deployment_ok(&h.dep));
    assert_false(h.dep.have_aurora);
    s_free(&h);
}

static void test_aurora_without_hostname_looks_in_the_stack(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    /* A v0-era stack: no DbConfig… outputs; the stack's resources have no cluster either. */
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, false, NULL};
    struct deployment_options o = {0};
    s_resolve(&h, &o);
    assert_int_equal(h.cloud.resource_calls, 2); /* the cluster's lookup and the release's */
    assert_int_equal(h.cloud.rds_calls, 0);
    const struct deployment_check *db = s_check(&h, "aurora_cluster");
    assert_int_equal(db->state, CHECK_SKIPPED);
    assert_non_null(strstr(db->summary, "AWS::RDS::DBCluster"));
    s_free(&h);
}

/* A Step Functions state machine among the stack's resources is v1.2.5+, whatever the task
 * definition says; without the listing (refused) the task definition decides alone. */
static void test_release_from_the_state_machine(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.state_machine = true;
    struct deployment_options o = {.stack = "BedrockChatStack"};
    s_resolve(&h, &o);
    assert_true(h.have_dep);
    assert_string_equal(h.dep.release_family, "v1.2.5+");
    assert_true(h.dep.release_from_state_machine);
    assert_false(h.dep.release_from_ephemeral_storage);
    assert_string_equal(h.dep.state_machine, "EmbeddingStateMachine-Xyz");
    const struct deployment_check *rel = s_check(&h, "release");
    assert_int_equal(rel->state, CHECK_OK);
    assert_non_null(strstr(rel->summary, "Step Functions state machine EmbeddingStateMachine-Xyz"));
    assert_non_null(strstr(rel->summary, "both contracts are met"));
    cJSON *j = deployment_to_json(&h.dep);
    assert_string_equal(cJSON_GetObjectItem(j, "release_family")->valuestring, "v1.2.5+");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "release_evidence"), 0)->valuestring,
                        "step_functions_state_machine");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "task_contracts")), 2);
    cJSON_Delete(j);
    s_free(&h);

    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.state_machine = true;
    h.cloud.resources_denied = true;
    s_resolve(&h, &o);
    assert_true(deployment_ok(&h.dep));
    assert_string_equal(h.dep.release_family, "v1.0.0-v1.2.4"); /* the task definition's word */
    assert_null(h.dep.state_machine);
    assert_non_null(strstr(s_check(&h, "release")->summary, "Fargate's default ephemeral storage"));
    s_free(&h);
}

/* Model access: a definite no fails the check (a run would refuse); a refused question is
 * skipped with a note naming the optional permission. */
static void test_model_access_check(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.model_authorization = "NOT_AUTHORIZED";
    struct deployment_options o = {.stack = "BedrockChatStack"};
    s_resolve(&h, &o);
    const struct deployment_check *ma = s_check(&h, "bedrock_model_access");
    assert_int_equal(ma->state, CHECK_FAIL);
    assert_non_null(strstr(ma->summary, "not authorized to invoke cohere.embed-multilingual-v3 in us-east-1"));
    assert_non_null(strstr(ma->hint, "Model access"));
    assert_false(deployment_ok(&h.dep));
    assert_string_equal(h.dep.model_access, "not_accessible");
    s_free(&h);

    s_init(&h);
    h.cloud.stacks[h.cloud.nstacks++] = (struct fake_stack){"BedrockChatStack", true, true, NULL};
    h.cloud.bedrock_denied = true;
    s_resolve(&h, &o);
    ma = s_check(&h, "bedrock_model_access");
    assert_int_equal(ma->state, CHECK_SKIPPED);
    assert_non_null(strstr(ma->hint, "bedrock:GetFoundationModelAvailability"));
    assert_true(deployment_ok(&h.dep));
    assert_null(h.dep.model_access);
    s_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_stack_all_ok),
        cmocka_unit_test(test_missing_stack_one_candidate),
        cmocka_unit_test(test_missing_stack_several_candidates),
        cmocka_unit_test(test_explicit_stack_that_does_not_exist_is_an_error),
        cmocka_unit_test(test_missing_stack_no_candidate),
        cmocka_unit_test(test_named_stack_without_outputs),
        cmocka_unit_test(test_failing_checks_have_hints),
        cmocka_unit_test(test_warnings_keep_it_usable),
        cmocka_unit_test(test_security_group_other_vpc),
        cmocka_unit_test(test_paste_with_container_name),
        cmocka_unit_test(test_bad_paste_and_missing_file),
        cmocka_unit_test(test_stopped_aurora_fails_with_the_start_command),
        cmocka_unit_test(test_aurora_denied_is_a_warning),
        cmocka_unit_test(test_aurora_without_hostname_looks_in_the_stack),
        cmocka_unit_test(test_release_from_the_state_machine),
        cmocka_unit_test(test_model_access_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
