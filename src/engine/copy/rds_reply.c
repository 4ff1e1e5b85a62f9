#include "rds_reply.h"

#include "aws/client.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

xmlNodePtr rds_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
        if (rds_is_element(n, name))
            return n;
    return NULL;
}

char *rds_child_text(xmlNodePtr node, const char *name)
{
    xmlNodePtr hit = rds_child(node, name);
    if (!hit)
        return NULL;
    xmlChar *content = xmlNodeGetContent(hit);
    char *s = xstrdup(content ? (const char *)content : "");
    xmlFree(content);
    return s;
}

bool rds_is_element(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static char *s_tag_in(xmlNodePtr list, const char *key, const char *key_name, const char *value_name)
{
    for (xmlNodePtr t = list ? list->children : NULL; t; t = t->next) {
        if (t->type != XML_ELEMENT_NODE)
            continue;
        char *k = rds_child_text(t, key_name);
        bool hit = k && strcmp(k, key) == 0;
        free(k);
        if (hit) {
            char *v = rds_child_text(t, value_name);
            return v ? v : xstrdup("");
        }
    }
    return NULL;
}

char *rds_tag_value(xmlNodePtr node, const char *key)
{
    char *v = s_tag_in(rds_child(node, "TagList"), key, "Key", "Value");
    if (!v)
        v = s_tag_in(rds_child(node, "tagSet"), key, "key", "value");
    return v;
}

char *rds_error_text(const char *what, const struct aws_error *e)
{
    char *why = aws_error_describe(e);
    const char *hint = aws_error_hint(e);
    char *msg = xasprintf("%s failed: %s%s%s", what, why, hint ? ". " : "", hint ? hint : "");
    free(why);
    return msg;
}

bool rds_error_is(const struct aws_error *e, const char *const *codes)
{
    if (!e || !e->code)
        return false;
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(e->code, codes[i]) == 0)
            return true;
    return false;
}
