#include "engine/copy/snapshots.h"

#include "aws/client.h"
#include "query_params.h"
#include "rds_reply.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A bound on paging: 100 pages of 100 is more snapshots than any account keeps. */
#define MAX_PAGES 100

struct snapshots_call {
    struct aws_client *client;
    char *stack;
    char *exclude_cluster;
    char *only;
    struct copy_snapshots list;
    int pages;
    copy_snapshots_done_fn done;
    void *ud;
};

int64_t copy_parse_rds_time(const char *text)
{
    if (!text)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    /* "2024-05-29T10:11:12.345Z", "2024-05-29T10:11:12Z" or moto's "2024-05-29 10:11:12.345+00:00" */
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) {
        memset(&tm, 0, sizeof(tm));
        rest = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
    }
    if (!rest)
        return 0;
    int ms = 0;
    if (*rest == '.') {
        int digits = 0;
        for (const char *p = rest + 1; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
            ms = ms * 10 + (*p - '0');
        for (; digits < 3; digits++)
            ms *= 10;
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return 0;
    return (int64_t)t * 1000 + ms;
}

bool copy_snapshot_matches_stack(const char *stack, const char *cluster_id, const char *stack_tag)
{
    if (!stack || !*stack)
        stack = "BedrockChatStack";
    if (stack_tag && strcmp(stack_tag, stack) == 0)
        return true;
    if (!cluster_id)
        return false;
    /* CloudFormation names a cluster "<stack>-<logical id>-<suffix>", lower-cased. */
    size_t n = strlen(stack);
    if (strlen(cluster_id) <= n || cluster_id[n] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)stack[i]) != tolower((unsigned char)cluster_id[i]))
            return false;
    return true;
}

void copy_snapshot_free(struct copy_snapshot *s)
{
    free(s->id);
    free(s->arn);
    free(s->cluster_id);
    free(s->type);
    free(s->status);
    free(s->engine);
    free(s->engine_version);
    free(s->master_username);
    memset(s, 0, sizeof(*s));
}

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void copy_snapshot_copy(struct copy_snapshot *dst, const struct copy_snapshot *src)
{
    *dst = *src;
    dst->id = s_dup(src->id);
    dst->arn = s_dup(src->arn);
    dst->cluster_id = s_dup(src->cluster_id);
    dst->type = s_dup(src->type);
    dst->status = s_dup(src->status);
    dst->engine = s_dup(src->engine);
    dst->engine_version = s_dup(src->engine_version);
    dst->master_username = s_dup(src->master_username);
}

void copy_snapshots_free(struct copy_snapshots *l)
{
    for (size_t i = 0; i < l->n; i++)
        copy_snapshot_free(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

cJSON *copy_snapshot_to_json(const struct copy_snapshot *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->id ? s->id : "");
    cJSON_AddStringToObject(o, "arn", s->arn ? s->arn : "");
    cJSON_AddStringToObject(o, "cluster", s->cluster_id ? s->cluster_id : "");
    cJSON_AddStringToObject(o, "type", s->type ? s->type : "");
    cJSON_AddStringToObject(o, "status", s->status ? s->status : "");
    cJSON_AddStringToObject(o, "engine_version", s->engine_version ? s->engine_version : "");
    cJSON_AddNumberToObject(o, "created_ms", (double)s->created_ms);
    cJSON_AddNumberToObject(o, "allocated_gb", s->allocated_gb);
    cJSON_AddBoolToObject(o, "encrypted", s->encrypted);
    return o;
}

static void s_finish(struct snapshots_call *c, const char *error)
{
    c->done(c->ud, error ? NULL : &c->list, error);
    copy_snapshots_free(&c->list);
    free(c->stack);
    free(c->exclude_cluster);
    free(c->only);
    free(c);
}

static int s_newest_first(const void *a, const void *b)
{
    const struct copy_snapshot *x = a, *y = b;
    if (x->created_ms != y->created_ms)
        return x->created_ms > y->created_ms ? -1 : 1;
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static void s_take(struct snapshots_call *c, xmlNodePtr node)
{
    struct copy_snapshot s;
    memset(&s, 0, sizeof(s));
    s.id = rds_child_text(node, "DBClusterSnapshotIdentifier");
    s.arn = rds_child_text(node, "DBClusterSnapshotArn");
    s.cluster_id = rds_child_text(node, "DBClusterIdentifier");
    s.type = rds_child_text(node, "SnapshotType");
    s.status = rds_child_text(node, "Status");
    s.engine = rds_child_text(node, "Engine");
    s.engine_version = rds_child_text(node, "EngineVersion");
    s.master_username = rds_child_text(node, "MasterUsername");
    char *t = rds_child_text(node, "SnapshotCreateTime");
    s.created_ms = copy_parse_rds_time(t);
    free(t);
    char *gb = rds_child_text(node, "AllocatedStorage");
    long n = gb ? strtol(gb, NULL, 10) : 0;
    s.allocated_gb = n > 0 && n < 1000000 ? (int)n : 0;
    free(gb);
    char *enc = rds_child_text(node, "StorageEncrypted");
    s.encrypted = enc && strcmp(enc, "true") == 0;
    free(enc);
    char *tag = rds_tag_value(node, "aws:cloudformation:stack-name");
    c->list.considered++;

    bool keep;
    if (c->only) {
        keep = (s.id && strcmp(s.id, c->only) == 0) || (s.arn && strcmp(s.arn, c->only) == 0);
    } else {
        keep = s.engine && strcmp(s.engine, "aurora-postgresql") == 0 &&
               !(c->exclude_cluster && s.cluster_id && strcmp(s.cluster_id, c->exclude_cluster) == 0) &&
               copy_snapshot_matches_stack(c->stack, s.cluster_id, tag);
        s.matched_by_tag = tag && c->stack && strcmp(tag, c->stack) == 0;
    }
    free(tag);
    if (!keep) {
        copy_snapshot_free(&s);
        return;
    }
    c->list.items = xrealloc(c->list.items, (c->list.n + 1) * sizeof(*c->list.items));
    c->list.items[c->list.n++] = s;
}

static void s_request(struct snapshots_call *c, const char *marker);

static void s_on_page(void *ud, struct aws_response *resp)
{
    struct snapshots_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *msg = rds_error_text("RDS DescribeDBClusterSnapshots", &resp->err);
        s_finish(c, msg);
        free(msg);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr list = aws_xml_find(root, "DBClusterSnapshots");
    for (xmlNodePtr n = list ? list->children : NULL; n; n = n->next)
        if (rds_is_element(n, "DBClusterSnapshot"))
            s_take(c, n);
    xmlNodePtr result = aws_xml_find(root, "DescribeDBClusterSnapshotsResult");
    char *marker = NULL;
    /* The Marker of the result itself, not one inside a snapshot. */
    for (xmlNodePtr n = result ? result->children : NULL; n; n = n->next)
        if (rds_is_element(n, "Marker")) {
            xmlChar *v = xmlNodeGetContent(n);
            marker = xstrdup(v ? (const char *)v : "");
            xmlFree(v);
        }
    if (marker && *marker && ++c->pages < MAX_PAGES) {
        s_request(c, marker);
        free(marker);
        return;
    }
    free(marker);
    if (c->list.n > 1)
        qsort(c->list.items, c->list.n, sizeof(*c->list.items), s_newest_first);
    if (c->only && c->list.n == 0) {
        char *msg = xasprintf("no DB cluster snapshot named %s in this account and region (%zu listed); "
                              "check the identifier with `aws rds describe-db-cluster-snapshots` or "
                              "leave --snapshot out to list the stack's snapshots",
                              c->only, c->list.considered);
        s_finish(c, msg);
        free(msg);
        return;
    }
    s_finish(c, NULL);
}

static void s_request(struct snapshots_call *c, const char *marker)
{
    struct query_params p = {0};
    query_params_add(&p, "MaxRecords", "100");
    if (marker)
        query_params_add(&p, "Marker", marker);
    aws_call_query(c->client, &AWS_SVC_RDS, "DescribeDBClusterSnapshots", p.kv, p.n, s_on_page, c);
    query_params_free(&p);
}

void copy_snapshots_find(struct aws_client *client, const struct copy_snapshot_query *q,
                         copy_snapshots_done_fn done, void *ud)
{
    struct snapshots_call *c = xcalloc(1, sizeof(*c));
    c->client = client;
    c->stack = xstrdup(q->stack && *q->stack ? q->stack : "BedrockChatStack");
    c->exclude_cluster = q->exclude_cluster ? xstrdup(q->exclude_cluster) : NULL;
    c->only = q->only && *q->only ? xstrdup(q->only) : NULL;
    c->done = done;
    c->ud = ud;
    s_request(c, NULL);
}
