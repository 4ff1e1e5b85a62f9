/* The v1 Aurora cluster against a routed fake of RDS and CloudFormation: the identifier
 * from DbConfigHostname (and what is not one), DescribeDBClusters parsed field by field
 * (only the cluster's own Status, not a security group's), not found / denied / other
 * errors, the stack-resource fallback across pages, StartDBCluster, and every callback
 * arriving from the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "engine/discover/aurora_cluster.h"
#include "support/fake_http.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLUSTER_ID "bedrockchatstack-vectorstorecluster1a2b3c4d-xyz"

struct fake_rds {
    const char *status;        /* of the one cluster */
    bool denied;               /* DescribeDBClusters refused */
    bool throttled_forever;
    bool resources_denied;
    bool resources_without_cluster;
    int describe_calls, start_calls, resource_pages;
    char last_identifier[128];
    char last_action[64];
};

static struct fake_routed_reply s_reply(long status, char *body)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, body};
    return r;
}

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

static void s_cluster_xml(buf_t *b, const char *id, const char *status)
{
    /* Nested elements named Status come first on purpose: only the cluster's own counts. */
    buf_printf(b, "<DBCluster><VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-1"
                  "</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>"
                  "</VpcSecurityGroups><DBClusterIdentifier>%s</DBClusterIdentifier>"
                  "<Status>%s</Status><Engine>aurora-postgresql</Engine><EngineVersion>15.3</EngineVersion>"
                  "<Endpoint>%s.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint>"
                  "<DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:%s</DBClusterArn>"
                  "<HttpEndpointEnabled>true</HttpEndpointEnabled>"
                  "<ClusterCreateTime>2024-10-10T08:30:00.123Z</ClusterCreateTime>"
                  "<ServerlessV2ScalingConfiguration><MinCapacity>0.5</MinCapacity>"
                  "<MaxCapacity>5.0</MaxCapacity></ServerlessV2ScalingConfiguration></DBCluster>",
               id, status, id, id);
}

static struct fake_routed_reply s_route(void *ud, const struct http_request *req)
{
    struct fake_rds *f = ud;
    char *action = s_form(req, "Action");
    assert_non_null(action);
    snprintf(f->last_action, sizeof f->last_action, "%s", action);
    buf_t b = BUF_INIT;
    if (strncmp(req->host, "rds.", 4) == 0) {
        char *version = s_form(req, "Version");
        assert_string_equal(version, "2014-10-31");
        free(version);
        char *id = s_form(req, "DBClusterIdentifier");
        assert_non_null(id);
        snprintf(f->last_identifier, sizeof f->last_identifier, "%s", id);
        bool known = strcmp(id, CLUSTER_ID) == 0;
        if (strcmp(action, "DescribeDBClusters") == 0) {
            f->describe_calls++;
            if (f->denied) {
                free(id);
                free(action);
                return s_reply(403, xstrdup("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                                            "</Code><Message>User is not authorized to perform: "
                                            "rds:DescribeDBClusters</Message></Error></ErrorResponse>"));
            }
            if (f->throttled_forever) {
                free(id);
                free(action);
                return s_reply(400, xstrdup("<ErrorResponse><Error><Code>Throttling</Code><Message>Rate "
                                            "exceeded</Message></Error></ErrorResponse>"));
            }
        } else {
            assert_string_equal(action, "StartDBCluster");
            f->start_calls++;
            if (known && strcmp(f->status, "stopped") != 0) {
                char *msg = xasprintf("<ErrorResponse><Error><Code>InvalidDBClusterStateFault</Code>"
                                      "<Message>DbCluster %s is in %s state but expected it to be one "
                                      "of stopped</Message></Error></ErrorResponse>", id, f->status);
                free(id);
                free(action);
                return s_reply(400, msg);
            }
            if (known)
                f->status = "starting";
        }
        if (!known) {
            char *msg = xasprintf("<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterNotFoundFault"
                                  "</Code><Message>DBCluster %s not found.</Message></Error>"
                                  "</ErrorResponse>", id);
            free(id);
            free(action);
            return s_reply(404, msg);
        }
        bool start = strcmp(action, "StartDBCluster") == 0;
        buf_printf(&b, "<%sResponse><%sResult>%s", action, action, start ? "" : "<DBClusters>");
        s_cluster_xml(&b, id, f->status);
        buf_printf(&b, "%s</%sResult></%sResponse>", start ? "" : "</DBClusters>", action, action);
        free(id);
    } else {
        assert_true(strncmp(req->host, "cloudformation.", 15) == 0);
        assert_string_equal(action, "ListStackResources");
        f->resource_pages++;
        if (f->resources_denied) {
            free(action);
            return s_reply(403, xstrdup("<ErrorResponse><Error><Code>AccessDenied</Code><Message>not "
                                        "authorized to perform: cloudformation:ListStackResources"
                                        "</Message></Error></ErrorResponse>"));
        }
        char *stack = s_form(req, "StackName");
        assert_string_equal(stack, "BedrockChatStack");
        free(stack);
        char *token = s_form(req, "NextToken");
        buf_puts(&b, "<ListStackResourcesResponse><ListStackResourcesResult><StackResourceSummaries>");
        if (!token) {
            buf_puts(&b, "<member><LogicalResourceId>Bucket1</LogicalResourceId><PhysicalResourceId>b1"
                         "</PhysicalResourceId><ResourceType>AWS::S3::Bucket</ResourceType>"
                         "<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>");
            buf_puts(&b, "</StackResourceSummaries><NextToken>page2</NextToken>");
        } else {
            assert_string_equal(token, "page2");
            if (!f->resources_without_cluster)
                buf_puts(&b, "<member><LogicalResourceId>VectorStoreClusterD1A3C4B5</LogicalResourceId>"
                             "<PhysicalResourceId>BedrockChatStack-VectorStoreCluster1A2B3C4D-XYZ"
                             "</PhysicalResourceId><ResourceType>AWS::RDS::DBCluster</ResourceType>"
                             "<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>");
            buf_puts(&b, "</StackResourceSummaries>");
        }
        free(token);
        buf_puts(&b, "</ListStackResourcesResult></ListStackResourcesResponse>");
    }
    free(action);
    return s_reply(200, buf_detach(&b));
}

struct harness {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_client *client;
    struct fake_rds rds;
    bool done;
    enum aurora_lookup lookup;
    struct aurora_cluster cluster;
    char *identifier;
    char *message;
    char *hint;
};

static void s_init(struct harness *h, const char *status)
{
    memset(h, 0, sizeof(*h));
    h->rds.status = status;
    h->loop = ev_loop_new();
    fake_http_init(&h->http, h->loop, NULL, 0);
    h->http.route = s_route;
    h->http.route_ud = &h->rds;
    struct aws_credentials c = {.access_key_id = "AKID", .secret_access_key = "SECRET", .source = "test"};
    h->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {.loop = h->loop, .http = &h->http.base, .creds = h->creds,
                                    .region = "us-east-1", .max_attempts = 2};
    h->client = aws_client_new(&cfg);
}

static void s_free(struct harness *h)
{
    aurora_cluster_free(&h->cluster);
    free(h->identifier);
    free(h->message);
    free(h->hint);
    aws_client_free(h->client);
    cred_provider_free(h->creds);
    fake_http_cleanup(&h->http);
    ev_loop_free(h->loop);
}

static void s_on_done(void *ud, const struct aurora_result *r)
{
    struct harness *h = ud;
    h->done = true;
    h->lookup = r->lookup;
    h->identifier = r->identifier ? xstrdup(r->identifier) : NULL;
    h->message = r->message ? xstrdup(r->message) : NULL;
    h->hint = r->hint ? xstrdup(r->hint) : NULL;
    if (r->lookup == AURORA_FOUND) {
        assert_non_null(r->cluster);
        aurora_cluster_copy(&h->cluster, r->cluster);
    } else {
        assert_null(r->cluster);
        assert_non_null(r->message);
    }
}

static void s_wait(struct harness *h)
{
    assert_false(h->done); /* always answered from the loop */
    ev_loop_run_until(h->loop, &h->done);
}

static void test_id_from_hostname(void **state)
{
    (void)state;
    char *id = aurora_cluster_id_from_hostname(
        "BedrockChatStack-VectorStoreCluster1A2B-XYZ.cluster-cabc123.ap-northeast-1.rds.amazonaws.com");
    assert_string_equal(id, "bedrockchatstack-vectorstorecluster1a2b-xyz");
    free(id);
    id = aurora_cluster_id_from_hostname("  db1.cluster-x.us-east-1.rds.amazonaws.com");
    assert_string_equal(id, "db1");
    free(id);
    assert_null(aurora_cluster_id_from_hostname(NULL));
    assert_null(aurora_cluster_id_from_hostname(""));
    assert_null(aurora_cluster_id_from_hostname("localhost"));          /* no further labels */
    assert_null(aurora_cluster_id_from_hostname("1db.cluster-x.rds"));  /* must start with a letter */
    assert_null(aurora_cluster_id_from_hostname("db_1.cluster-x.rds")); /* no underscores */
    assert_null(aurora_cluster_id_from_hostname(".cluster-x.rds"));
    char long_label[80];
    memset(long_label, 'a', 64);
    strcpy(long_label + 64, ".x.y");
    assert_null(aurora_cluster_id_from_hostname(long_label));           /* over 63 characters */
}

static void test_start_command_and_states(void **state)
{
    (void)state;
    char *cmd = aurora_cluster_start_command("db1", "ap-northeast-1");
    assert_string_equal(cmd, "aws rds start-db-cluster --db-cluster-identifier db1 --region ap-northeast-1");
    free(cmd);
    cmd = aurora_cluster_start_command("db1", NULL);
    assert_string_equal(cmd, "aws rds start-db-cluster --db-cluster-identifier db1");
    free(cmd);
    struct aurora_cluster c = {.status = "available"};
    assert_true(aurora_cluster_is_available(&c));
    c.status = "backing-up";
    assert_true(aurora_cluster_is_available(&c));
    c.status = "stopped";
    assert_false(aurora_cluster_is_available(&c));
    assert_false(aurora_cluster_is_available(NULL));
    assert_true(aurora_cluster_status_transient("starting"));
    assert_true(aurora_cluster_status_transient("modifying"));
    assert_false(aurora_cluster_status_transient("stopped"));
    assert_false(aurora_cluster_status_transient("stopping"));
    assert_false(aurora_cluster_status_transient("deleting"));
    assert_false(aurora_cluster_status_transient(NULL));
}

static void test_find_by_hostname(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    aurora_cluster_find(h.client, CLUSTER_ID ".cluster-abc.us-east-1.rds.amazonaws.com", "BedrockChatStack",
                        s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_FOUND);
    assert_int_equal(h.rds.resource_pages, 0); /* the hostname was enough */
    assert_string_equal(h.rds.last_identifier, CLUSTER_ID);
    assert_string_equal(h.cluster.identifier, CLUSTER_ID);
    assert_string_equal(h.cluster.identified_by, "DbConfigHostname");
    assert_string_equal(h.cluster.status, "available");
    assert_string_equal(h.cluster.arn, "arn:aws:rds:us-east-1:123456789012:cluster:" CLUSTER_ID);
    assert_string_equal(h.cluster.engine, "aurora-postgresql");
    assert_string_equal(h.cluster.engine_version, "15.3");
    assert_true(h.cluster.serverless_v2);
    assert_true(h.cluster.min_acu > 0.49 && h.cluster.min_acu < 0.51);
    assert_true(h.cluster.max_acu > 4.99 && h.cluster.max_acu < 5.01);
    assert_true(h.cluster.http_endpoint_enabled);
    assert_string_equal(h.cluster.create_time, "2024-10-10T08:30:00.123Z");
    assert_int_equal((long long)h.cluster.created, 1728549000LL);
    assert_true(aurora_cluster_is_available(&h.cluster));
    s_free(&h);
}

static void test_stopped_cluster_is_reported_as_such(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "stopped");
    aurora_cluster_describe(h.client, CLUSTER_ID, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_FOUND);
    assert_string_equal(h.cluster.status, "stopped");
    assert_false(aurora_cluster_is_available(&h.cluster));
    s_free(&h);
}

static void test_not_found(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    aurora_cluster_find(h.client, "otherdb.cluster-abc.us-east-1.rds.amazonaws.com", NULL, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_NOT_FOUND);
    assert_string_equal(h.identifier, "otherdb");
    assert_non_null(strstr(h.message, "otherdb"));
    assert_non_null(strstr(h.message, "DbConfigHostname"));
    assert_non_null(strstr(h.hint, "--region"));
    s_free(&h);
}

static void test_denied_names_the_permission(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    h.rds.denied = true;
    aurora_cluster_describe(h.client, CLUSTER_ID, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_DENIED);
    assert_non_null(strstr(h.hint, "rds:DescribeDBClusters"));
    assert_non_null(strstr(h.message, "AccessDenied"));
    s_free(&h);
}

static void test_other_failure(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    h.rds.throttled_forever = true;
    aurora_cluster_describe(h.client, CLUSTER_ID, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_FAILED);
    assert_int_equal(h.rds.describe_calls, 2); /* retried like any call, then given up */
    assert_non_null(strstr(h.message, "Throttling"));
    s_free(&h);
}

static void test_find_through_stack_resources(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    aurora_cluster_find(h.client, NULL, "BedrockChatStack", s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.rds.resource_pages, 2);
    assert_int_equal(h.lookup, AURORA_FOUND);
    assert_string_equal(h.rds.last_identifier, CLUSTER_ID); /* lower-cased like RDS */
    assert_string_equal(h.cluster.identified_by, "stack resource VectorStoreClusterD1A3C4B5");
    s_free(&h);
}

static void test_stack_without_cluster(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    h.rds.resources_without_cluster = true;
    aurora_cluster_find(h.client, "", "BedrockChatStack", s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_UNIDENTIFIED);
    assert_int_equal(h.rds.describe_calls, 0);
    assert_non_null(strstr(h.message, "AWS::RDS::DBCluster"));
    s_free(&h);
}

static void test_stack_resources_denied(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    h.rds.resources_denied = true;
    aurora_cluster_find(h.client, NULL, "BedrockChatStack", s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_DENIED);
    assert_non_null(strstr(h.hint, "cloudformation:ListStackResources"));
    s_free(&h);
}

static void test_nothing_to_go_on(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "available");
    aurora_cluster_find(h.client, "not a hostname", NULL, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_UNIDENTIFIED);
    assert_int_equal(h.rds.describe_calls + h.rds.resource_pages, 0);
    assert_non_null(strstr(h.message, "not an Aurora cluster endpoint"));
    s_free(&h);
}

static void test_start(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "stopped");
    aurora_cluster_start(h.client, CLUSTER_ID, s_on_done, &h);
    s_wait(&h);
    assert_string_equal(h.rds.last_action, "StartDBCluster");
    assert_int_equal(h.lookup, AURORA_FOUND);
    assert_string_equal(h.cluster.status, "starting");
    assert_false(aurora_cluster_is_available(&h.cluster));
    assert_true(aurora_cluster_status_transient(h.cluster.status));
    s_free(&h);
}

static void test_start_when_not_stopped(void **state)
{
    (void)state;
    struct harness h;
    s_init(&h, "stopping");
    aurora_cluster_start(h.client, CLUSTER_ID, s_on_done, &h);
    s_wait(&h);
    assert_int_equal(h.lookup, AURORA_FAILED);
    assert_int_equal(h.rds.start_calls, 1); /* a state fault is not retried */
    assert_non_null(strstr(h.message, "InvalidDBClusterStateFault"));
    assert_non_null(strstr(h.hint, "stopped state"));
    s_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_from_hostname),
        cmocka_unit_test(test_start_command_and_states),
        cmocka_unit_test(test_find_by_hostname),
        cmocka_unit_test(test_stopped_cluster_is_reported_as_such),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_denied_names_the_permission),
        cmocka_unit_test(test_other_failure),
        cmocka_unit_test(test_find_through_stack_resources),
        cmocka_unit_test(test_stack_without_cluster),
        cmocka_unit_test(test_stack_resources_denied),
        cmocka_unit_test(test_nothing_to_go_on),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_start_when_not_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
