/* The image pull's path and size: ECR DescribeImages, EC2 DescribeRouteTables and
 * DescribeVpcEndpoints, read concurrently and combined per private subnet. */
#include "engine/estimate/image_pull.h"

#include "aws/client.h"
#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct route_table {
    char *id;
    bool main;
    bool via_nat;            /* 0.0.0.0/0 → nat-… */
    char **subnets;          /* explicit associations */
    size_t nsubnets;
};

struct pull_read {
    struct aws_session *session;
    image_pull_done_fn done;
    void *ud;
    struct image_pull_facts facts;
    char **private_subnets;  /* borrowed from the deployment, copied */
    size_t nprivate;
    struct route_table *tables;
    size_t ntables;
    bool tables_read;
    char **s3_endpoint_tables; /* route tables of the VPC's S3 gateway endpoints */
    size_t ns3_endpoint_tables;
    int pending;
};

static void s_strv_push(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

static void s_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool s_strv_has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s && strcmp(v[i], s) == 0)
            return true;
    return false;
}

const char *pull_route_name(enum pull_route r)
{
    switch (r) {
    case PULL_ROUTE_NAT: return "nat";
    case PULL_ROUTE_ENDPOINT: return "s3_gateway_endpoint";
    case PULL_ROUTE_NO_NAT: return "no_nat";
    case PULL_ROUTE_UNKNOWN: break;
    }
    return "unknown";
}

void image_pull_free(struct image_pull_facts *f)
{
    if (!f)
        return;
    free(f->image);
    free(f->size_why);
    free(f->route_why);
    free(f->endpoint_why);
    message_free(&f->size_why_msg);
    message_free(&f->route_why_msg);
    message_free(&f->endpoint_why_msg);
    free(f->vpc_id);
    free(f->region);
    s_strv_free(f->route_tables, f->nroute_tables);
    memset(f, 0, sizeof *f);
}

void image_pull_move(struct image_pull_facts *dst, struct image_pull_facts *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

double image_pull_nat_share(const struct image_pull_facts *f)
{
    if (f->route == PULL_ROUTE_UNKNOWN || f->subnets == 0)
        return 1.0;
    return (double)f->subnets_via_nat / (double)f->subnets;
}

/* Ids in the command line come from AWS replies: keep only what an id can hold. */
static bool s_plain_id(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return false;
    return true;
}

char *image_pull_fix_command(const struct image_pull_facts *f)
{
    if (!s_plain_id(f->vpc_id) || !s_plain_id(f->region) || f->nroute_tables == 0)
        return NULL;
    buf_t b = BUF_INIT;
    buf_printf(&b, "aws ec2 create-vpc-endpoint --region %s --vpc-id %s --vpc-endpoint-type "
                   "Gateway --service-name com.amazonaws.%s.s3 --route-table-ids",
               f->region, f->vpc_id, f->region);
    for (size_t i = 0; i < f->nroute_tables; i++) {
        if (!s_plain_id(f->route_tables[i])) {
            buf_free(&b);
            return NULL;
        }
        buf_printf(&b, " %s", f->route_tables[i]);
    }
    return buf_detach(&b);
}

bool image_pull_parse_ecr_uri(const char *uri, char **registry_id, char **region,
                              char **repository, char **tag, char **digest)
{
    *registry_id = *region = *repository = *tag = *digest = NULL;
    if (!uri)
        return false;
    const char *slash = strchr(uri, '/');
    if (!slash)
        return false;
    /* host: ACCOUNT.dkr.ecr.REGION.amazonaws.com (or .amazonaws.com.cn) */
    size_t hostlen = (size_t)(slash - uri);
    const char *dkr = strstr(uri, ".dkr.ecr.");
    if (!dkr || dkr >= slash || dkr == uri)
        return false;
    const char *reg = dkr + strlen(".dkr.ecr.");
    const char *dot = memchr(reg, '.', (size_t)(slash - reg));
    if (!dot || dot == reg)
        return false;
    if (strncmp(dot, ".amazonaws.com", strlen(".amazonaws.com")) != 0 || hostlen > 200)
        return false;
    for (const char *p = uri; p < dkr; p++)
        if (*p < '0' || *p > '9')
            return false;
    const char *path = slash + 1;
    const char *at = strchr(path, '@');
    const char *colon = strrchr(path, ':');
    size_t repolen;
    if (at) {
        repolen = (size_t)(at - path);
        if (strncmp(at + 1, "sha256:", 7) != 0 || !at[8])
            return false;
    } else if (colon && !strchr(colon, '/')) {
        repolen = (size_t)(colon - path);
        if (!colon[1])
            return false;
    } else {
        repolen = strlen(path);
    }
    if (repolen == 0 || repolen > 256)
        return false;
    *registry_id = xstrndup(uri, (size_t)(dkr - uri));
    *region = xstrndup(reg, (size_t)(dot - reg));
    *repository = xstrndup(path, repolen);
    if (at)
        *digest = xstrdup(at + 1);
    else if (colon && !strchr(colon, '/'))
        *tag = xstrdup(colon + 1);
    else
        *tag = xstrdup("latest");
    return true;
}

/* Sets one of the facts' reasons (taken) and its English. */
static void s_set_why(char **text, struct message *slot, struct message why)
{
    free(*text);
    message_free(slot);
    *slot = why;
    *text = message_english(&why);
}

static struct message s_why(const struct aws_response *resp, const char *permission)
{
    const char *code = resp->err.code;
    if (code && (strcmp(code, "AccessDeniedException") == 0 || strcmp(code, "AccessDenied") == 0 ||
                 strcmp(code, "UnauthorizedOperation") == 0))
        return MESSAGE(MSG_NO_PERMISSION, MSG_S("permission", permission));
    char *d = aws_error_describe(&resp->err);
    struct message why = MESSAGE(MSG_CHECK_CALL_FAILED_BARE, MSG_S("call", permission), MSG_S("why", d));
    free(d);
    return why;
}

static bool s_is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

/* The direct child element of that name. */
static xmlNodePtr s_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (s_is_element(c, name))
            return c;
    return NULL;
}

static char *s_child_text(xmlNodePtr node, const char *name)
{
    xmlNodePtr c = s_child(node, name);
    if (!c)
        return NULL;
    xmlChar *t = xmlNodeGetContent(c);
    char *s = t ? xstrdup((const char *)t) : NULL;
    xmlFree(t);
    return s;
}

static void s_finish(struct pull_read *rd);

static void s_one_done(struct pull_read *rd)
{
    if (--rd->pending == 0)
        s_finish(rd);
}

static void s_on_images(void *ud, struct aws_response *resp)
{
    struct pull_read *rd = ud;
    struct image_pull_facts *f = &rd->facts;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_set_why(&f->size_why, &f->size_why_msg,
                  resp->err.code && strcmp(resp->err.code, "ImageNotFoundException") == 0
                      ? MESSAGE0(MSG_PULL_IMAGE_NOT_IN_REPO)
                  : resp->err.code && strcmp(resp->err.code, "RepositoryNotFoundException") == 0
                      ? MESSAGE0(MSG_PULL_REPO_NOT_FOUND)
                      : s_why(resp, "ecr:DescribeImages"));
    } else {
        const cJSON *details = cJSON_GetObjectItemCaseSensitive(resp->json, "imageDetails");
        const cJSON *first = cJSON_GetArrayItem(details, 0);
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(first, "imageSizeInBytes");
        if (cJSON_IsNumber(size) && isfinite(size->valuedouble) && size->valuedouble > 0 &&
            size->valuedouble < 1e13) {
            f->size_known = true;
            f->image_bytes = (uint64_t)size->valuedouble;
        } else {
            s_set_why(&f->size_why, &f->size_why_msg, MESSAGE0(MSG_PULL_NO_SIZE));
        }
    }
    s_one_done(rd);
}

static void s_on_route_tables(void *ud, struct aws_response *resp)
{
    struct pull_read *rd = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_set_why(&rd->facts.route_why, &rd->facts.route_why_msg, s_why(resp, "ec2:DescribeRouteTables"));
        s_one_done(rd);
        return;
    }
    rd->tables_read = true;
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr set = s_child(root, "routeTableSet");
    for (xmlNodePtr it = set ? set->children : NULL; it; it = it->next) {
        if (!s_is_element(it, "item"))
            continue;
        char *id = s_child_text(it, "routeTableId");
        if (!id)
            continue;
        rd->tables = xrealloc(rd->tables, (rd->ntables + 1) * sizeof *rd->tables);
        struct route_table *t = &rd->tables[rd->ntables++];
        memset(t, 0, sizeof *t);
        t->id = id;
        xmlNodePtr routes = s_child(it, "routeSet");
        for (xmlNodePtr r = routes ? routes->children : NULL; r; r = r->next) {
            if (!s_is_element(r, "item"))
                continue;
            char *dest = s_child_text(r, "destinationCidrBlock");
            char *nat = s_child_text(r, "natGatewayId");
            char *state = s_child_text(r, "state");
            if (dest && strcmp(dest, "0.0.0.0/0") == 0 && nat && *nat &&
                (!state || strcmp(state, "blackhole") != 0))
                t->via_nat = true;
            free(dest);
            free(nat);
            free(state);
        }
        xmlNodePtr assocs = s_child(it, "associationSet");
        for (xmlNodePtr a = assocs ? assocs->children : NULL; a; a = a->next) {
            if (!s_is_element(a, "item"))
                continue;
            char *main = s_child_text(a, "main");
            char *subnet = s_child_text(a, "subnetId");
            if (main && strcmp(main, "true") == 0)
                t->main = true;
            if (subnet && *subnet)
                s_strv_push(&t->subnets, &t->nsubnets, subnet);
            free(main);
            free(subnet);
        }
    }
    s_one_done(rd);
}

static void s_on_endpoints(void *ud, struct aws_response *resp)
{
    struct pull_read *rd = ud;
    struct image_pull_facts *f = &rd->facts;
    if (resp->err.kind != AWS_ERR_NONE) {
        s_set_why(&f->endpoint_why, &f->endpoint_why_msg, s_why(resp, "ec2:DescribeVpcEndpoints"));
        s_one_done(rd);
        return;
    }
    f->endpoint_checked = true;
    char *s3 = xasprintf("com.amazonaws.%s.s3", f->region ? f->region : "");
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr set = s_child(root, "vpcEndpointSet");
    for (xmlNodePtr it = set ? set->children : NULL; it; it = it->next) {
        if (!s_is_element(it, "item"))
            continue;
        char *type = s_child_text(it, "vpcEndpointType");
        char *service = s_child_text(it, "serviceName");
        char *state = s_child_text(it, "state");
        bool usable = type && strcasecmp(type, "Gateway") == 0 && service &&
                      strcmp(service, s3) == 0 &&
                      (!state || strcasecmp(state, "available") == 0 ||
                       strcasecmp(state, "pending") == 0);
        if (usable) {
            xmlNodePtr ids = s_child(it, "routeTableIdSet");
            for (xmlNodePtr r = ids ? ids->children : NULL; r; r = r->next) {
                if (!s_is_element(r, "item"))
                    continue;
                xmlChar *t = xmlNodeGetContent(r);
                if (t && *t)
                    s_strv_push(&rd->s3_endpoint_tables, &rd->ns3_endpoint_tables, (const char *)t);
                xmlFree(t);
            }
        }
        free(type);
        free(service);
        free(state);
    }
    free(s3);
    s_one_done(rd);
}

/* Which route table a subnet uses: its explicit association, else the VPC's main one. */
static const struct route_table *s_table_of(const struct pull_read *rd, const char *subnet)
{
    const struct route_table *main = NULL;
    for (size_t i = 0; i < rd->ntables; i++) {
        if (s_strv_has(rd->tables[i].subnets, rd->tables[i].nsubnets, subnet))
            return &rd->tables[i];
        if (rd->tables[i].main)
            main = &rd->tables[i];
    }
    return main;
}

static void s_finish(struct pull_read *rd)
{
    struct image_pull_facts *f = &rd->facts;
    if (rd->tables_read) {
        f->subnets = rd->nprivate;
        bool any_nat = false;
        for (size_t i = 0; i < rd->nprivate; i++) {
            const struct route_table *t = s_table_of(rd, rd->private_subnets[i]);
            if (!t || !t->via_nat)
                continue;
            any_nat = true;
            if (!s_strv_has(f->route_tables, f->nroute_tables, t->id))
                s_strv_push(&f->route_tables, &f->nroute_tables, t->id);
            if (!s_strv_has(rd->s3_endpoint_tables, rd->ns3_endpoint_tables, t->id))
                f->subnets_via_nat++;
        }
        f->route = !any_nat ? PULL_ROUTE_NO_NAT
                   : f->subnets_via_nat ? PULL_ROUTE_NAT
                                        : PULL_ROUTE_ENDPOINT;
        if (f->route == PULL_ROUTE_NAT && !f->endpoint_checked) {
            struct message why = f->endpoint_why_msg.id != MSG_NONE ? f->endpoint_why_msg
                                                                    : MESSAGE0(MSG_PULL_NO_ANSWER);
            s_set_why(&f->route_why, &f->route_why_msg, MESSAGE(MSG_PULL_ENDPOINTS_UNREAD, MSG_M("why", &why)));
            if (f->endpoint_why_msg.id == MSG_NONE)
                message_free(&why);
        }
    } else if (!f->route_why) {
        s_set_why(&f->route_why, &f->route_why_msg, MESSAGE0(MSG_PULL_ROUTES_UNREAD));
    }
    rd->done(rd->ud, f);
    image_pull_free(f);
    for (size_t i = 0; i < rd->ntables; i++) {
        free(rd->tables[i].id);
        s_strv_free(rd->tables[i].subnets, rd->tables[i].nsubnets);
    }
    free(rd->tables);
    s_strv_free(rd->s3_endpoint_tables, rd->ns3_endpoint_tables);
    s_strv_free(rd->private_subnets, rd->nprivate);
    free(rd);
}

static void s_call_filtered(struct pull_read *rd, const char *action, const char *name,
                            char **values, size_t nvalues, aws_done_fn done)
{
    /* The query is copied by the client: these strings live for the call only. */
    size_t n = 0;
    struct http_kv *kv = xcalloc(nvalues + 1, sizeof *kv);
    kv[n].name = xstrdup("Filter.1.Name");
    kv[n++].value = xstrdup(name);
    for (size_t i = 0; i < nvalues; i++) {
        kv[n].name = xasprintf("Filter.1.Value.%zu", i + 1);
        kv[n++].value = xstrdup(values[i]);
    }
    aws_call_query(rd->session->client, &AWS_SVC_EC2, action, kv, n, done, rd);
    http_kv_free(kv, n);
}

/* Nothing to ask (no image, no subnets, no VPC): still answer from the loop. */
static void s_on_nothing_sent(void *ud)
{
    s_finish(ud);
}

void image_pull_read(struct aws_session *s, const struct deployment *dep,
                     image_pull_done_fn done, void *ud)
{
    struct pull_read *rd = xcalloc(1, sizeof *rd);
    rd->session = s;
    rd->done = done;
    rd->ud = ud;
    struct image_pull_facts *f = &rd->facts;
    f->region = xstrdup(s->region ? s->region : "us-east-1");
    const char *vpc = dep ? dep->outputs.vpc : NULL;
    f->vpc_id = vpc && *vpc ? xstrdup(vpc) : NULL;
    for (size_t i = 0; dep && i < dep->outputs.nsubnets; i++)
        s_strv_push(&rd->private_subnets, &rd->nprivate, dep->outputs.subnets[i]);
    rd->pending = 0;

    char *registry = NULL, *region = NULL, *repo = NULL, *tag = NULL, *digest = NULL;
    f->image = dep && dep->container_image ? xstrdup(dep->container_image) : NULL;
    if (!f->image) {
        s_set_why(&f->size_why, &f->size_why_msg, MESSAGE0(MSG_PULL_IMAGE_UNKNOWN));
    } else if (!image_pull_parse_ecr_uri(f->image, &registry, &region, &repo, &tag, &digest)) {
        s_set_why(&f->size_why, &f->size_why_msg, MESSAGE0(MSG_PULL_NOT_ECR));
    } else if (strcmp(region, f->region) != 0) {
        s_set_why(&f->size_why, &f->size_why_msg,
                  MESSAGE(MSG_PULL_OTHER_REGION, MSG_S("image_region", region), MSG_S("region", f->region)));
    } else {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "registryId", registry);
        cJSON_AddStringToObject(body, "repositoryName", repo);
        cJSON *ids = cJSON_AddArrayToObject(body, "imageIds");
        cJSON *id = cJSON_CreateObject();
        if (digest)
            cJSON_AddStringToObject(id, "imageDigest", digest);
        else
            cJSON_AddStringToObject(id, "imageTag", tag);
        cJSON_AddItemToArray(ids, id);
        rd->pending++;
        aws_call_json(s->client, &AWS_SVC_ECR, "DescribeImages", body, s_on_images, rd);
    }
    free(registry);
    free(region);
    free(repo);
    free(tag);
    free(digest);

    if (rd->nprivate == 0) {
        s_set_why(&f->route_why, &f->route_why_msg, MESSAGE0(MSG_PULL_NO_SUBNETS));
    } else {
        rd->pending++;
        if (f->vpc_id)
            s_call_filtered(rd, "DescribeRouteTables", "vpc-id", &f->vpc_id, 1, s_on_route_tables);
        else /* without the VPC the main route table cannot be found: explicit ones only */
            s_call_filtered(rd, "DescribeRouteTables", "association.subnet-id",
                            rd->private_subnets, rd->nprivate, s_on_route_tables);
    }
    if (!f->vpc_id) {
        s_set_why(&f->endpoint_why, &f->endpoint_why_msg, MESSAGE0(MSG_PULL_NO_VPC));
    } else {
        rd->pending++;
        s_call_filtered(rd, "DescribeVpcEndpoints", "vpc-id", &f->vpc_id, 1, s_on_endpoints);
    }
    if (rd->pending == 0)
        ev_timer_add(s->loop, 0, s_on_nothing_sent, rd);
}

static cJSON *s_str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *image_pull_to_json(const struct image_pull_facts *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "image", s_str_or_null(f->image));
    if (f->size_known)
        cJSON_AddNumberToObject(o, "image_bytes", (double)f->image_bytes);
    else
        cJSON_AddNullToObject(o, "image_bytes");
    cJSON_AddItemToObject(o, "image_bytes_why", s_str_or_null(f->size_why));
    cJSON_AddStringToObject(o, "route", pull_route_name(f->route));
    cJSON_AddItemToObject(o, "route_why", s_str_or_null(f->route_why));
    cJSON_AddNumberToObject(o, "subnets", (double)f->subnets);
    cJSON_AddNumberToObject(o, "subnets_via_nat", (double)f->subnets_via_nat);
    cJSON_AddBoolToObject(o, "endpoints_checked", f->endpoint_checked);
    cJSON_AddItemToObject(o, "vpc", s_str_or_null(f->vpc_id));
    cJSON *rt = cJSON_AddArrayToObject(o, "route_tables");
    for (size_t i = 0; i < f->nroute_tables; i++)
        cJSON_AddItemToArray(rt, cJSON_CreateString(f->route_tables[i]));
    return o;
}
