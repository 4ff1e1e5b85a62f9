/* Finding, describing and starting the v1 Aurora cluster (RDS query API, 2014-10-31). */
#include "engine/discover/aurora_cluster.h"

#include "aws/client.h"
#include "aws/cred_providers.h"
#include "aws/error_class.h"
#include "engine/discover/stack_resources.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum call_kind { CALL_DESCRIBE, CALL_START };

struct aurora_call {
    struct aws_client *client;
    enum call_kind kind;
    char *identifier;
    char *identified_by;
    char *stack;
    aurora_done_fn done;
    void *ud;
    /* a result decided before any request (no way to name the cluster), reported from the loop */
    enum aurora_lookup early;
    char *early_message;
    const char *early_hint;
};

static void s_call_free(struct aurora_call *c)
{
    free(c->identifier);
    free(c->identified_by);
    free(c->stack);
    free(c->early_message);
    free(c);
}

/* ---- identifiers ---------------------------------------------------------------------- */

char *aurora_cluster_id_from_hostname(const char *hostname)
{
    if (!hostname)
        return NULL;
    while (*hostname == ' ' || *hostname == '\t')
        hostname++;
    size_t n = strcspn(hostname, ".");
    /* A DB cluster identifier: 1–63 letters, digits and hyphens, starting with a letter;
     * an endpoint always has more labels after it (".cluster-….rds.amazonaws.com"). */
    if (n == 0 || n > 63 || hostname[n] != '.' || !isalpha((unsigned char)hostname[0]))
        return NULL;
    char *id = xstrndup(hostname, n);
    for (char *p = id; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-') {
            free(id);
            return NULL;
        }
        *p = (char)tolower((unsigned char)*p);
    }
    return id;
}

char *aurora_cluster_start_command(const char *identifier, const char *region)
{
    if (region && *region)
        return xasprintf("aws rds start-db-cluster --db-cluster-identifier %s --region %s",
                         identifier, region);
    return xasprintf("aws rds start-db-cluster --db-cluster-identifier %s", identifier);
}

/* States in which the cluster takes writes; backups and storage work run in the background. */
bool aurora_cluster_is_available(const struct aurora_cluster *c)
{
    return c && c->status &&
           (strcmp(c->status, "available") == 0 || strcmp(c->status, "backing-up") == 0 ||
            strcmp(c->status, "storage-optimization") == 0);
}

bool aurora_cluster_status_transient(const char *status)
{
    static const char *const transient[] = {
        "starting", "creating", "modifying", "rebooting", "renaming", "upgrading",
        "maintenance", "failing-over", "backtracking", "promoting",
        "resetting-master-credentials", "update-iam-db-auth", "backing-up",
        "storage-optimization",
    };
    if (!status)
        return false;
    for (size_t i = 0; i < sizeof transient / sizeof *transient; i++)
        if (strcmp(status, transient[i]) == 0)
            return true;
    return false;
}

/* ---- reply parsing ----------------------------------------------------------------------- */

/* A direct child element of node (never a nested one: VpcSecurityGroups also have a Status). */
static xmlNodePtr s_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

static char *s_child_text(xmlNodePtr node, const char *name)
{
    xmlNodePtr hit = s_child(node, name);
    if (!hit)
        return NULL;
    xmlChar *content = xmlNodeGetContent(hit);
    char *s = xstrdup(content ? (const char *)content : "");
    xmlFree(content);
    return s;
}

static double s_child_number(xmlNodePtr node, const char *name)
{
    char *text = s_child_text(node, name);
    double v = text ? strtod(text, NULL) : 0.0;
    free(text);
    return v > 0 && v < 1e6 ? v : 0.0;
}

static void s_parse_cluster(xmlNodePtr node, struct aurora_cluster *out)
{
    memset(out, 0, sizeof(*out));
    out->identifier = s_child_text(node, "DBClusterIdentifier");
    out->status = s_child_text(node, "Status");
    out->arn = s_child_text(node, "DBClusterArn");
    out->engine = s_child_text(node, "Engine");
    out->engine_version = s_child_text(node, "EngineVersion");
    out->endpoint = s_child_text(node, "Endpoint");
    char *http = s_child_text(node, "HttpEndpointEnabled");
    out->http_endpoint_enabled = http && strcmp(http, "true") == 0;
    free(http);
    xmlNodePtr sv2 = s_child(node, "ServerlessV2ScalingConfiguration");
    if (sv2) {
        out->min_acu = s_child_number(sv2, "MinCapacity");
        out->max_acu = s_child_number(sv2, "MaxCapacity");
        out->serverless_v2 = out->max_acu > 0;
    }
    out->create_time = s_child_text(node, "ClusterCreateTime");
    time_t t;
    if (out->create_time && cred_parse_time(out->create_time, &t) == 0)
        out->created = t;
}

/* ---- answering -------------------------------------------------------------------------- */

static void s_answer_error(struct aurora_call *c, const struct aws_response *resp)
{
    const char *op = c->kind == CALL_START ? "StartDBCluster" : "DescribeDBClusters";
    const char *action = c->kind == CALL_START ? "rds:StartDBCluster" : "rds:DescribeDBClusters";
    const char *code = resp->err.code ? resp->err.code : "";
    char *why = aws_error_describe(&resp->err);
    struct aurora_result r = {.identifier = c->identifier, .lookup = AURORA_FAILED};
    char *message;
    char *hint_owned = NULL;
    enum aws_error_class cls = aws_error_class(&resp->err);
    /* RDS's own not-found code ends in Fault, which the general rules do not know. */
    if (strcmp(code, "DBClusterNotFoundFault") == 0 || cls == AWS_ERROR_CLASS_NOT_FOUND) {
        r.lookup = AURORA_NOT_FOUND;
        message = xasprintf("Aurora cluster %s (from %s) not found in %s", c->identifier,
                            c->identified_by ? c->identified_by : "the request",
                            aws_client_region(c->client) ? aws_client_region(c->client) : "this region");
        r.hint = "check the region (--region) and the DbConfigHostname output of the v1 stack; "
                 "deploy Bedrock Chat v1 (npx cdk deploy) if the cluster was deleted";
    } else if (cls == AWS_ERROR_CLASS_PERMISSION) {
        r.lookup = AURORA_DENIED;
        message = xasprintf("RDS %s on %s was refused: %s", op, c->identifier, why);
        hint_owned = xasprintf("allow %s for the caller (see the README's IAM policy)", action);
    } else {
        message = xasprintf("RDS %s on %s failed: %s", op, c->identifier, why);
        r.hint = aws_error_hint(&resp->err);
        if (!r.hint && strcmp(code, "InvalidDBClusterStateFault") == 0)
            r.hint = "the cluster can only be started from the stopped state: wait for what it is "
                     "doing to finish, then look again";
    }
    if (hint_owned)
        r.hint = hint_owned;
    r.message = message;
    c->done(c->ud, &r);
    free(message);
    free(hint_owned);
    free(why);
}

static void s_on_reply(void *ud, struct aws_response *resp)
{
    struct aurora_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_answer_error(c, resp);
        s_call_free(c);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr node = root ? aws_xml_find(root->children, "DBCluster") : NULL;
    struct aurora_cluster cl;
    memset(&cl, 0, sizeof(cl));
    struct aurora_result r = {.identifier = c->identifier};
    char *message = NULL;
    if (node)
        s_parse_cluster(node, &cl);
    if (!cl.identifier || !cl.status) {
        r.lookup = c->kind == CALL_START ? AURORA_FAILED : AURORA_NOT_FOUND;
        message = xasprintf("RDS %s gave no cluster %s",
                            c->kind == CALL_START ? "StartDBCluster" : "DescribeDBClusters",
                            c->identifier);
        r.message = message;
        r.hint = "check the region (--region) and the DbConfigHostname output of the v1 stack";
    } else {
        cl.identified_by = xstrdup(c->identified_by ? c->identified_by : "its identifier");
        r.lookup = AURORA_FOUND;
        r.cluster = &cl;
    }
    c->done(c->ud, &r);
    free(message);
    aurora_cluster_free(&cl);
    s_call_free(c);
}

static void s_send(struct aurora_call *c)
{
    struct http_kv kv = {"DBClusterIdentifier", c->identifier};
    if (c->kind == CALL_START)
        aws_call_query(c->client, &AWS_SVC_RDS, "StartDBCluster", &kv, 1, s_on_reply, c);
    else
        aws_call_query(c->client, &AWS_SVC_RDS, "DescribeDBClusters", &kv, 1, s_on_reply, c);
}

static void s_on_early(void *ud)
{
    struct aurora_call *c = ud;
    struct aurora_result r = {
        .lookup = c->early,
        .identifier = c->identifier,
        .message = c->early_message,
        .hint = c->early_hint,
    };
    c->done(c->ud, &r);
    s_call_free(c);
}

static void s_answer_later(struct aurora_call *c, enum aurora_lookup lookup, char *message,
                           const char *hint)
{
    c->early = lookup;
    c->early_message = message;
    c->early_hint = hint;
    ev_timer_add(aws_client_loop(c->client), 0, s_on_early, c);
}

static void s_on_resources(void *ud, const struct stack_resources *res,
                           const struct stack_resources_error *err)
{
    struct aurora_call *c = ud;
    if (!res) {
        struct aurora_result r = {
            .lookup = err->denied ? AURORA_DENIED : AURORA_FAILED,
            .message = err->message,
            .hint = err->denied ? "give DbConfigHostname with the outputs, or allow "
                                  "cloudformation:ListStackResources (optional, see the README's "
                                  "IAM policy)"
                                : err->hint,
        };
        c->done(c->ud, &r);
        s_call_free(c);
        return;
    }
    const struct stack_resource *db = stack_resources_find_type(res, "AWS::RDS::DBCluster");
    if (!db || !*db->physical_id) {
        struct aurora_result r = {
            .lookup = AURORA_UNIDENTIFIED,
            .message = "the stack has no Aurora cluster (AWS::RDS::DBCluster) and the outputs no "
                       "DbConfigHostname",
            .hint = "deploy Bedrock Chat v1 (npx cdk deploy): its stack creates the vector store "
                    "cluster the embedding tasks write to",
        };
        c->done(c->ud, &r);
        s_call_free(c);
        return;
    }
    c->identifier = xstrdup(db->physical_id);
    for (char *p = c->identifier; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    c->identified_by = xasprintf("stack resource %s", db->logical_id);
    s_send(c);
}

static struct aurora_call *s_call_new(struct aws_client *client, enum call_kind kind,
                                      aurora_done_fn done, void *ud)
{
    struct aurora_call *c = xcalloc(1, sizeof(*c));
    c->client = client;
    c->kind = kind;
    c->done = done;
    c->ud = ud;
    return c;
}

void aurora_cluster_find(struct aws_client *client, const char *db_hostname,
                         const char *stack_name, aurora_done_fn done, void *ud)
{
    struct aurora_call *c = s_call_new(client, CALL_DESCRIBE, done, ud);
    c->identifier = aurora_cluster_id_from_hostname(db_hostname);
    if (c->identifier) {
        c->identified_by = xstrdup("DbConfigHostname");
        s_send(c);
        return;
    }
    if (stack_name && *stack_name) {
        c->stack = xstrdup(stack_name);
        stack_resources_list(client, stack_name, s_on_resources, c);
        return;
    }
    s_answer_later(c, AURORA_UNIDENTIFIED,
                   xstrdup(db_hostname && *db_hostname
                               ? "DbConfigHostname is not an Aurora cluster endpoint"
                               : "no DbConfigHostname in the outputs and no stack to look in"),
                   "give the v1 stack's DbConfigHostname output with the others (or let the tool "
                   "read the stack: --stack NAME)");
}

void aurora_cluster_describe(struct aws_client *client, const char *identifier,
                             aurora_done_fn done, void *ud)
{
    struct aurora_call *c = s_call_new(client, CALL_DESCRIBE, done, ud);
    c->identifier = xstrdup(identifier);
    s_send(c);
}

void aurora_cluster_start(struct aws_client *client, const char *identifier,
                          aurora_done_fn done, void *ud)
{
    struct aurora_call *c = s_call_new(client, CALL_START, done, ud);
    c->identifier = xstrdup(identifier);
    s_send(c);
}

/* ---- ownership ---------------------------------------------------------------------------- */

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void aurora_cluster_copy(struct aurora_cluster *dst, const struct aurora_cluster *src)
{
    *dst = *src;
    dst->identifier = s_dup(src->identifier);
    dst->identified_by = s_dup(src->identified_by);
    dst->status = s_dup(src->status);
    dst->arn = s_dup(src->arn);
    dst->engine = s_dup(src->engine);
    dst->engine_version = s_dup(src->engine_version);
    dst->endpoint = s_dup(src->endpoint);
    dst->create_time = s_dup(src->create_time);
}

void aurora_cluster_free(struct aurora_cluster *c)
{
    if (!c)
        return;
    free(c->identifier);
    free(c->identified_by);
    free(c->status);
    free(c->arn);
    free(c->engine);
    free(c->engine_version);
    free(c->endpoint);
    free(c->create_time);
    memset(c, 0, sizeof(*c));
}
