#include "engine/copy/leftovers.h"

#include "aws/client.h"
#include "engine/copy/temp_cluster.h"
#include "query_params.h"
#include "rds_reply.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 100

enum sweep_step { SWEEP_INSTANCES, SWEEP_CLUSTERS, SWEEP_SECRETS, SWEEP_GROUPS, SWEEP_DONE };

struct sweep {
    struct aws_client *client;
    enum sweep_step step;
    int pages;
    struct copy_leftovers *found;
    copy_leftovers_done_fn done;
    void *ud;
};

static void s_next(struct sweep *sw, const char *token);

void copy_leftovers_free(struct copy_leftovers *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        copy_view_free(&l->runs[i]);
    free(l->runs);
    free(l);
}

static void s_finish(struct sweep *sw, const char *error)
{
    struct copy_leftovers *found = error ? NULL : sw->found;
    if (error)
        copy_leftovers_free(sw->found);
    sw->done(sw->ud, found, error);
    free(sw);
}

static void s_add(struct sweep *sw, const char *run_id, enum copy_resource r, const char *name,
                  const char *id)
{
    if (!run_id || !*run_id || !name)
        return;
    struct copy_leftovers *l = sw->found;
    struct copy_view *v = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->runs[i].run_id, run_id) == 0)
            v = &l->runs[i];
    if (!v) {
        l->runs = xrealloc(l->runs, (l->n + 1) * sizeof(*l->runs));
        v = &l->runs[l->n++];
        memset(v, 0, sizeof(*v));
        v->run_id = xstrdup(run_id);
    }
    free(v->res[r].name);
    free(v->res[r].id);
    v->res[r].name = xstrdup(name);
    v->res[r].id = id ? xstrdup(id) : NULL;
    v->res[r].state = COPY_RES_CREATED;
}

static void s_fail(struct sweep *sw, const char *what, const struct aws_error *e)
{
    char *msg = rds_error_text(what, e);
    s_finish(sw, msg);
    free(msg);
}

/* The Marker / NextToken that belongs to the result itself. */
static char *s_result_marker(xmlNodePtr result)
{
    for (xmlNodePtr n = result ? result->children : NULL; n; n = n->next)
        if (rds_is_element(n, "Marker") || rds_is_element(n, "nextToken")) {
            xmlChar *v = xmlNodeGetContent(n);
            char *s = v && *v ? xstrdup((const char *)v) : NULL;
            xmlFree(v);
            return s;
        }
    return NULL;
}

static void s_on_rds(void *ud, struct aws_response *resp)
{
    struct sweep *sw = ud;
    bool instances = sw->step == SWEEP_INSTANCES;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail(sw, instances ? "RDS DescribeDBInstances" : "RDS DescribeDBClusters", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr list = aws_xml_find(root, instances ? "DBInstances" : "DBClusters");
    for (xmlNodePtr n = list ? list->children : NULL; n; n = n->next) {
        if (!rds_is_element(n, instances ? "DBInstance" : "DBCluster"))
            continue;
        char *run = rds_tag_value(n, COPY_TAG_RUN);
        char *name = rds_child_text(n, instances ? "DBInstanceIdentifier" : "DBClusterIdentifier");
        char *arn = rds_child_text(n, instances ? "DBInstanceArn" : "DBClusterArn");
        s_add(sw, run, instances ? COPY_RES_INSTANCE : COPY_RES_CLUSTER, name, arn);
        free(run);
        free(name);
        free(arn);
    }
    char *marker = s_result_marker(aws_xml_find(root, instances ? "DescribeDBInstancesResult"
                                                                : "DescribeDBClustersResult"));
    if (marker && ++sw->pages < MAX_PAGES) {
        s_next(sw, marker);
        free(marker);
        return;
    }
    free(marker);
    sw->step++;
    sw->pages = 0;
    s_next(sw, NULL);
}

static void s_on_secrets(void *ud, struct aws_response *resp)
{
    struct sweep *sw = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail(sw, "Secrets Manager ListSecrets", &resp->err);
        return;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(resp->json, "SecretList")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "Name");
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(s, "ARN");
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(s, "Tags")) {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
            if (cJSON_IsString(k) && cJSON_IsString(v) && strcmp(k->valuestring, COPY_TAG_RUN) == 0 &&
                cJSON_IsString(name))
                s_add(sw, v->valuestring, COPY_RES_SECRET, name->valuestring,
                      cJSON_IsString(arn) ? arn->valuestring : NULL);
        }
    }
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(resp->json, "NextToken");
    if (cJSON_IsString(token) && *token->valuestring && ++sw->pages < MAX_PAGES) {
        char *t = xstrdup(token->valuestring);
        s_next(sw, t);
        free(t);
        return;
    }
    sw->step++;
    sw->pages = 0;
    s_next(sw, NULL);
}

static void s_on_groups(void *ud, struct aws_response *resp)
{
    struct sweep *sw = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_fail(sw, "EC2 DescribeSecurityGroups", &resp->err);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr list = aws_xml_find(root, "securityGroupInfo");
    for (xmlNodePtr n = list ? list->children : NULL; n; n = n->next) {
        if (!rds_is_element(n, "item"))
            continue;
        char *run = rds_tag_value(n, COPY_TAG_RUN);
        char *name = rds_child_text(n, "groupName");
        char *id = rds_child_text(n, "groupId");
        s_add(sw, run, COPY_RES_SECURITY_GROUP, name, id);
        free(run);
        free(name);
        free(id);
    }
    char *token = s_result_marker(root);
    if (token && ++sw->pages < MAX_PAGES) {
        s_next(sw, token);
        free(token);
        return;
    }
    free(token);
    sw->step++;
    s_next(sw, NULL);
}

static void s_next(struct sweep *sw, const char *token)
{
    struct query_params p = {0};
    switch (sw->step) {
    case SWEEP_INSTANCES:
    case SWEEP_CLUSTERS:
        query_params_add(&p, "MaxRecords", "100");
        if (token)
            query_params_add(&p, "Marker", token);
        aws_call_query(sw->client, &AWS_SVC_RDS,
                       sw->step == SWEEP_INSTANCES ? "DescribeDBInstances" : "DescribeDBClusters",
                       p.kv, p.n, s_on_rds, sw);
        query_params_free(&p);
        return;
    case SWEEP_SECRETS: {
        cJSON *body = cJSON_CreateObject();
        cJSON *filters = cJSON_AddArrayToObject(body, "Filters");
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "Key", "tag-key");
        cJSON *values = cJSON_AddArrayToObject(f, "Values");
        cJSON_AddItemToArray(values, cJSON_CreateString(COPY_TAG_RUN));
        cJSON_AddItemToArray(filters, f);
        cJSON_AddNumberToObject(body, "MaxResults", 100);
        if (token)
            cJSON_AddStringToObject(body, "NextToken", token);
        aws_call_json(sw->client, &AWS_SVC_SECRETS_MANAGER, "ListSecrets", body, s_on_secrets, sw);
        return;
    }
    case SWEEP_GROUPS:
        query_params_add(&p, "Filter.1.Name", "tag-key");
        query_params_add(&p, "Filter.1.Value.1", COPY_TAG_RUN);
        if (token)
            query_params_add(&p, "NextToken", token);
        aws_call_query(sw->client, &AWS_SVC_EC2, "DescribeSecurityGroups", p.kv, p.n, s_on_groups, sw);
        query_params_free(&p);
        return;
    case SWEEP_DONE:
        break;
    }
    s_finish(sw, NULL);
}

void copy_leftovers_find(struct aws_client *client, copy_leftovers_done_fn done, void *ud)
{
    struct sweep *sw = xcalloc(1, sizeof(*sw));
    sw->client = client;
    sw->found = xcalloc(1, sizeof(*sw->found));
    sw->done = done;
    sw->ud = ud;
    s_next(sw, NULL);
}
