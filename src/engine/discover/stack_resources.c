/* ListStackResources, paged, into a flat list of (logical id, physical id, type). */
#include "engine/discover/stack_resources.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* A stack has at most 500 resources today; the bound only stops a service that pages forever. */
#define MAX_RESOURCES 10000u

struct list_call {
    struct aws_client *client;
    char *stack;
    stack_resources_done_fn done;
    void *ud;
    struct stack_resources res;
};

static void s_call_free(struct list_call *c)
{
    stack_resources_free(&c->res);
    free(c->stack);
    free(c);
}

static bool s_is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static void s_request(struct list_call *c, const char *token);

static void s_on_page(void *ud, struct aws_response *resp)
{
    struct list_call *c = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        struct stack_resources_error err = {
            .message = xasprintf("CloudFormation ListStackResources on %s failed: %s", c->stack, why),
            .hint = aws_error_hint(&resp->err),
            .denied = aws_error_class(&resp->err) == AWS_ERROR_CLASS_PERMISSION,
        };
        free(why);
        c->done(c->ud, NULL, &err);
        free(err.message);
        s_call_free(c);
        return;
    }
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr list = root ? aws_xml_find(root->children, "StackResourceSummaries") : NULL;
    for (xmlNodePtr m = list ? list->children : NULL; m && c->res.n < MAX_RESOURCES; m = m->next) {
        if (!s_is_element(m, "member"))
            continue;
        char *type = aws_xml_text(m->children, "ResourceType");
        char *logical = aws_xml_text(m->children, "LogicalResourceId");
        if (!type || !logical) {
            free(type);
            free(logical);
            continue;
        }
        char *physical = aws_xml_text(m->children, "PhysicalResourceId");
        char *status = aws_xml_text(m->children, "ResourceStatus");
        c->res.items = xrealloc(c->res.items, (c->res.n + 1) * sizeof(*c->res.items));
        c->res.items[c->res.n++] = (struct stack_resource){
            .logical_id = logical,
            .physical_id = physical ? physical : xstrdup(""),
            .type = type,
            .status = status ? status : xstrdup(""),
        };
    }
    /* NextToken is a direct child of the result, after the list. */
    char *next = NULL;
    xmlNodePtr result = root ? aws_xml_find(root->children, "ListStackResourcesResult") : NULL;
    for (xmlNodePtr n = result ? result->children : NULL; n; n = n->next)
        if (s_is_element(n, "NextToken")) {
            xmlChar *t = xmlNodeGetContent(n);
            next = xstrdup(t ? (const char *)t : "");
            xmlFree(t);
        }
    if (next && *next && c->res.n < MAX_RESOURCES) {
        s_request(c, next);
        free(next);
        return;
    }
    free(next);
    c->done(c->ud, &c->res, NULL);
    s_call_free(c);
}

static void s_request(struct list_call *c, const char *token)
{
    struct http_kv kv[2] = {{"StackName", c->stack}, {"NextToken", (char *)token}};
    aws_call_query(c->client, &AWS_SVC_CLOUDFORMATION, "ListStackResources", kv, token ? 2 : 1,
                   s_on_page, c);
}

void stack_resources_list(struct aws_client *client, const char *stack_name,
                          stack_resources_done_fn done, void *ud)
{
    struct list_call *c = xcalloc(1, sizeof(*c));
    c->client = client;
    c->stack = xstrdup(stack_name);
    c->done = done;
    c->ud = ud;
    s_request(c, NULL);
}

const struct stack_resource *stack_resources_find_type(const struct stack_resources *res,
                                                       const char *type)
{
    for (size_t i = 0; res && i < res->n; i++)
        if (strcmp(res->items[i].type, type) == 0)
            return &res->items[i];
    return NULL;
}

void stack_resources_free(struct stack_resources *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++) {
        free(res->items[i].logical_id);
        free(res->items[i].physical_id);
        free(res->items[i].type);
        free(res->items[i].status);
    }
    free(res->items);
    memset(res, 0, sizeof(*res));
}
