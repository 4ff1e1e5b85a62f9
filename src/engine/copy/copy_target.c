#include "engine/copy/copy_target.h"

#include "aws/client.h"
#include "query_params.h"
#include "rds_reply.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct target_call {
    struct aws_client *client;
    struct copy_target t;
    copy_target_done_fn done;
    void *ud;
};

void copy_target_free(struct copy_target *t)
{
    free(t->cluster_id);
    free(t->cluster_arn);
    free(t->status);
    free(t->subnet_group);
    free(t->vpc);
    memset(t, 0, sizeof(*t));
}

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void copy_target_copy(struct copy_target *dst, const struct copy_target *src)
{
    dst->cluster_id = s_dup(src->cluster_id);
    dst->cluster_arn = s_dup(src->cluster_arn);
    dst->status = s_dup(src->status);
    dst->subnet_group = s_dup(src->subnet_group);
    dst->vpc = s_dup(src->vpc);
}

static void s_finish(struct target_call *c, const char *error)
{
    c->done(c->ud, error ? NULL : &c->t, error);
    copy_target_free(&c->t);
    free(c);
}

static void s_on_subnet_group(void *ud, struct aws_response *resp)
{
    struct target_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *msg = rds_error_text("RDS DescribeDBSubnetGroups (the v1 cluster's subnet group)", &resp->err);
        s_finish(c, msg);
        free(msg);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    c->t.vpc = aws_xml_text(root, "VpcId");
    s_finish(c, NULL);
}

static void s_on_cluster(void *ud, struct aws_response *resp)
{
    struct target_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *msg = rds_error_text("RDS DescribeDBClusters (the v1 cluster)", &resp->err);
        s_finish(c, msg);
        free(msg);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr cluster = aws_xml_find(root, "DBCluster");
    c->t.cluster_arn = rds_child_text(cluster, "DBClusterArn");
    c->t.status = rds_child_text(cluster, "Status");
    c->t.subnet_group = rds_child_text(cluster, "DBSubnetGroup");
    if (!c->t.cluster_arn) {
        s_finish(c, "RDS DescribeDBClusters answered without the v1 cluster's ARN");
        return;
    }
    if (!c->t.subnet_group || !*c->t.subnet_group) {
        s_finish(c, NULL);
        return;
    }
    struct query_params p = {0};
    query_params_add(&p, "DBSubnetGroupName", c->t.subnet_group);
    aws_call_query(c->client, &AWS_SVC_RDS, "DescribeDBSubnetGroups", p.kv, p.n, s_on_subnet_group, c);
    query_params_free(&p);
}

void copy_target_find(struct aws_client *client, const char *cluster_id, copy_target_done_fn done,
                      void *ud)
{
    struct target_call *c = xcalloc(1, sizeof(*c));
    c->client = client;
    c->t.cluster_id = xstrdup(cluster_id);
    c->done = done;
    c->ud = ud;
    struct query_params p = {0};
    query_params_add(&p, "DBClusterIdentifier", cluster_id);
    aws_call_query(client, &AWS_SVC_RDS, "DescribeDBClusters", p.kv, p.n, s_on_cluster, c);
    query_params_free(&p);
}
