/* Requests that credential providers make: STS and SSO portal calls through a client of
 * their own, and plain HTTP to the container endpoint and IMDS.
 *
 * Both kinds outlive a cancelled provider: a provider destroyed while its request is in
 * flight only cuts the link (the callback is dropped), and the request frees itself when
 * the transport answers. Replies are wiped once read, since they carried credentials. */
#include "aws/cred_providers.h"

#include "aws/client.h"
#include "aws/config_file.h"
#include "aws/http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <libxml/dict.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* ---- wiping replies -------------------------------------------------------------- */

static void s_wipe_buf_storage(buf_t *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
}

/* Text held in libxml2's dictionary is shared with other nodes and never a secret
 * (only very short or blank text is interned), so it is left alone. */
static void s_xml_wipe_nodes(xmlDocPtr doc, xmlNodePtr node)
{
    for (; node; node = node->next) {
        if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
            node->content && node->content != (xmlChar *)&node->properties &&
            !(doc->dict && xmlDictOwns(doc->dict, node->content)))
            memset(node->content, 0, strlen((const char *)node->content));
        if (node->type == XML_ELEMENT_NODE)
            s_xml_wipe_nodes(doc, node->children);
    }
}

/* ---- AWS calls ------------------------------------------------------------------- */

struct cred_call {
    struct ev_loop *loop;
    struct aws_client *client;
    struct cred_provider *signer;    /* static provider over the source credentials */
    uint64_t launch_timer;           /* non-zero until the call is handed to the client */
    const struct aws_service *svc;
    char *operation;
    struct http_kv *params;
    size_t nparams;
    char *path;
    struct http_kv *query;
    size_t nquery;
    struct http_kv *headers;
    size_t nheaders;
    cred_call_fn fn;                 /* NULL once cancelled */
    void *ud;
};

static void s_call_free(struct cred_call *call)
{
    aws_client_free(call->client);
    cred_provider_free(call->signer);
    free(call->operation);
    http_kv_free(call->params, call->nparams);
    free(call->path);
    http_kv_free(call->query, call->nquery);
    http_kv_free(call->headers, call->nheaders);
    free(call);
}

/* The client is done with the call once this returns, so freeing it here is safe. */
static void s_call_done(void *ud, struct aws_response *resp)
{
    struct cred_call *call = ud;
    cred_call_fn fn = call->fn;
    call->fn = NULL;
    if (fn)
        fn(call->ud, resp);
    s_wipe_buf_storage(&resp->body);
    if (resp->json)
        cred_json_wipe(resp->json);
    if (resp->xml)
        s_xml_wipe_nodes(resp->xml, xmlDocGetRootElement(resp->xml));
    s_call_free(call);
}

static void s_call_launch(void *ud)
{
    struct cred_call *call = ud;
    call->launch_timer = 0;
    if (call->svc->protocol == AWS_PROTO_QUERY)
        aws_call_query(call->client, call->svc, call->operation, call->params, call->nparams,
                       s_call_done, call);
    else
        aws_call_rest(call->client, call->svc, call->operation, "GET", call->path, call->query,
                      call->nquery, call->headers, call->nheaders, s_call_done, call);
}

struct cred_call *cred_call_start(const struct cred_ctx *ctx, const struct cred_call_spec *spec,
                                  cred_call_fn fn, void *ud)
{
    struct cred_call *call = xcalloc(1, sizeof(*call));
    call->loop = ctx->loop;
    call->svc = spec->svc;
    call->fn = fn;
    call->ud = ud;
    call->operation = xstrdup(spec->operation);
    call->params = http_kv_copy(spec->params, spec->nparams);
    call->nparams = spec->nparams;
    call->path = xstrdup(spec->path ? spec->path : "/");
    call->query = http_kv_copy(spec->query, spec->nquery);
    call->nquery = spec->nquery;
    call->headers = http_kv_copy(spec->headers, spec->nheaders);
    call->nheaders = spec->nheaders;
    if (spec->signer)
        call->signer = cred_provider_static(spec->signer);

    const char *region = spec->region && *spec->region ? spec->region : "us-east-1";
    /* Resolve the endpoint and attempt count against the files now: the config the
     * context points to goes away with the resolution, the call may not. */
    struct aws_client_config probe_cfg = {
        .loop = ctx->loop, .http = ctx->http, .region = region,
        .profile = spec->profile, .config = ctx->config,
    };
    struct aws_client *probe = aws_client_new(&probe_cfg);
    char *endpoint = aws_client_endpoint(probe, spec->svc);
    aws_client_free(probe);
    int max_attempts = 0;
    const char *configured = spec->profile && !getenv("AWS_MAX_ATTEMPTS")
                                 ? aws_config_get(ctx->config, spec->profile, "max_attempts")
                                 : NULL;
    if (configured) {
        long n = strtol(configured, NULL, 10);
        if (n >= 1 && n <= 100)
            max_attempts = (int)n;
    }
    struct aws_client_config cc = {
        .loop = ctx->loop,
        .http = ctx->http,
        .creds = call->signer,
        .region = region,
        .endpoint_url = endpoint,
        .max_attempts = max_attempts,
        .wall_clock = ctx->wall_clock,
    };
    call->client = aws_client_new(&cc);
    free(endpoint);
    call->launch_timer = ev_timer_add(ctx->loop, 0, s_call_launch, call);
    return call;
}

void cred_call_cancel(struct cred_call *call)
{
    if (!call)
        return;
    if (call->launch_timer) {
        ev_timer_cancel(call->loop, call->launch_timer);
        s_call_free(call);
        return;
    }
    call->fn = NULL;
}

char *cred_describe_failure(const struct aws_response *resp)
{
    char *text = aws_error_describe(&resp->err);
    const char *hint = aws_error_hint(&resp->err);
    if (!hint)
        return text;
    char *with_hint = xasprintf("%s; %s", text, hint);
    free(text);
    return with_hint;
}

/* ---- plain HTTP ------------------------------------------------------------------ */

struct cred_http {
    cred_http_fn fn;   /* NULL once cancelled */
    void *ud;
};

static void s_http_done(void *ud, struct http_response *resp)
{
    struct cred_http *h = ud;
    if (h->fn)
        h->fn(h->ud, resp);
    s_wipe_buf_storage(&resp->body);
    free(h);
}

struct cred_http *cred_http_send(const struct cred_ctx *ctx, const struct http_request *req,
                                 const struct http_options *opts, cred_http_fn fn, void *ud)
{
    if (!ctx->http)
        return NULL;
    struct cred_http *h = xcalloc(1, sizeof(*h));
    h->fn = fn;
    h->ud = ud;
    if (http_send(ctx->http, req, opts, s_http_done, h) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void cred_http_cancel(struct cred_http *h)
{
    if (h)
        h->fn = NULL;
}

void cred_request_wipe_free(struct http_request *req)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].value)
            memset(req->headers[i].value, 0, strlen(req->headers[i].value));
    http_request_free(req);
}

/* ---- STS replies ----------------------------------------------------------------- */

int cred_from_sts_reply(const struct aws_response *resp, struct aws_credentials *out,
                        const char **missing)
{
    memset(out, 0, sizeof(*out));
    xmlNodePtr root = resp->xml ? xmlDocGetRootElement(resp->xml) : NULL;
    xmlNodePtr creds = root ? aws_xml_find(root, "Credentials") : NULL;
    if (!creds) {
        *missing = "Credentials";
        return -1;
    }
    static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                        "Expiration"};
    char *values[4] = {NULL, NULL, NULL, NULL};
    int rc = 0;
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        values[i] = aws_xml_text(creds->children, names[i]);
        if (!values[i] || !*values[i]) {
            *missing = names[i];
            rc = -1;
        }
    }
    if (rc == 0 && cred_parse_time(values[3], &out->expiration) != 0) {
        *missing = names[3];
        rc = -1;
    }
    if (rc == 0) {
        out->access_key_id = values[0];
        out->secret_access_key = values[1];
        out->session_token = values[2];
        free(values[3]);
        return 0;
    }
    for (size_t i = 0; i < 4; i++)
        free_secret(values[i]);
    out->expiration = 0;
    return -1;
}

char *cred_default_session_name(const struct cred_ctx *ctx)
{
    return xasprintf("bedrock-chat-migrate-%lld", (long long)cred_ctx_now(ctx));
}
