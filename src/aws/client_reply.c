#include "client_reply.h"

#include "util/mem.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

/* ---- XML ------------------------------------------------------------------------- */

xmlNodePtr aws_xml_find(xmlNodePtr node, const char *local_name)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (n->name && strcmp((const char *)n->name, local_name) == 0)
            return n;
        xmlNodePtr hit = aws_xml_find(n->children, local_name);
        if (hit)
            return hit;
    }
    return NULL;
}

char *aws_xml_text(xmlNodePtr node, const char *local_name)
{
    xmlNodePtr hit = aws_xml_find(node, local_name);
    if (!hit)
        return NULL;
    xmlChar *content = xmlNodeGetContent(hit);
    char *s = xstrdup(content ? (const char *)content : "");
    xmlFree(content);
    return s;
}

static xmlDocPtr s_parse_xml(const buf_t *body)
{
    if (body->len == 0 || body->len > INT32_MAX)
        return NULL;
    /* No network, no entity expansion, no DTD: replies are data, never instructions. */
    return xmlReadMemory(body->data, (int)body->len, "reply.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* ---- replies ----------------------------------------------------------------------- */

static bool s_is_json(enum aws_protocol protocol)
{
    return protocol == AWS_PROTO_JSON || protocol == AWS_PROTO_REST_JSON;
}

const char *aws_reply_request_id(const struct http_response *http)
{
    const char *id = http_response_header(http, "x-amzn-requestid");
    return id ? id : http_response_header(http, "x-amz-request-id");
}

/* Takes the body; the transport frees an empty buffer. */
static void s_take_body(struct http_response *http, struct aws_response *resp)
{
    resp->status = http->status;
    resp->body = http->body;
    buf_init(&http->body);
}

void aws_reply_read_success(enum aws_protocol protocol, struct http_response *http,
                            struct aws_response *resp)
{
    s_take_body(http, resp);
    if (s_is_json(protocol)) {
        resp->json = resp->body.len ? cJSON_ParseWithLength(resp->body.data, resp->body.len)
                                    : cJSON_CreateObject();
        if (!resp->json) {
            resp->err.kind = AWS_ERR_PARSE;
            resp->err.message = xstrdup("the reply is not valid JSON");
        }
    } else if (resp->body.len) {
        resp->xml = s_parse_xml(&resp->body);
        if (!resp->xml) {
            resp->err.kind = AWS_ERR_PARSE;
            resp->err.message = xstrdup("the reply is not valid XML");
        }
    }
    const char *request_id = aws_reply_request_id(http);
    if (request_id)
        resp->err.request_id = xstrdup(request_id);
}

/* JSON protocols: "__type" or "code" in the body, else the x-amzn-errortype header;
 * "com.amazon.coral#ThrottlingException:http://…" becomes "ThrottlingException". */
static char *s_json_error_code(const cJSON *doc, const struct http_response *http)
{
    const char *raw = NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "__type");
    if (cJSON_IsString(t))
        raw = t->valuestring;
    if (!raw) {
        t = cJSON_GetObjectItemCaseSensitive(doc, "code");
        if (cJSON_IsString(t))
            raw = t->valuestring;
    }
    if (!raw)
        raw = http_response_header(http, "x-amzn-errortype");
    if (!raw)
        return NULL;
    const char *hash = strrchr(raw, '#');
    if (hash)
        raw = hash + 1;
    size_t n = strcspn(raw, ":");
    return xstrndup(raw, n);
}

static void s_read_json_error(const struct http_response *http, struct aws_error *err,
                              const buf_t *body)
{
    cJSON *doc = body->len ? cJSON_ParseWithLength(body->data, body->len) : NULL;
    err->code = s_json_error_code(doc, http);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (!cJSON_IsString(m))
        m = cJSON_GetObjectItemCaseSensitive(doc, "Message");
    if (cJSON_IsString(m))
        err->message = xstrdup(m->valuestring);
    cJSON_Delete(doc);
}

static bool s_looks_xml(const buf_t *body)
{
    size_t lead = 0;
    while (lead < body->len && (body->data[lead] == ' ' || body->data[lead] == '\n' ||
                                body->data[lead] == '\r' || body->data[lead] == '\t'))
        lead++;
    return lead < body->len && body->data[lead] == '<';
}

/* Query, EC2 (<Response><Errors><Error>) and REST-XML (<Error>) alike: the first Code
 * and Message elements. */
static void s_read_xml_error(struct aws_error *err, const buf_t *body, bool header_had_id)
{
    xmlDocPtr doc = s_parse_xml(body);
    if (!doc)
        return;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    err->code = aws_xml_text(root, "Code");
    free(err->message);
    err->message = aws_xml_text(root, "Message");
    if (!header_had_id) {
        err->request_id = aws_xml_text(root, "RequestId");
        if (!err->request_id)
            err->request_id = aws_xml_text(root, "RequestID");
    }
    xmlFreeDoc(doc);
}

void aws_reply_read_error(enum aws_protocol protocol, struct http_response *http,
                          struct aws_response *resp)
{
    s_take_body(http, resp);
    struct aws_error *err = &resp->err;
    err->kind = AWS_ERR_HTTP;
    err->http_status = http->status;
    bool is_json = s_is_json(protocol);
    if (is_json)
        s_read_json_error(http, err, &resp->body);
    /* Query and REST-XML errors are XML; so are some front-end refusals (signature,
     * authentication) even for JSON services, at least in emulators. */
    const char *request_id = aws_reply_request_id(http);
    if (!err->code && (!is_json || s_looks_xml(&resp->body)))
        s_read_xml_error(err, &resp->body, request_id != NULL);
    if (request_id && !err->request_id)
        err->request_id = xstrdup(request_id);
    if (err->code)
        err->kind = AWS_ERR_SERVICE;
}
