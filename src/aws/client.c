#include "aws/client.h"

#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "util/ev_loop.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/random.h"
#include "util/sanitize.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* botocore standard mode */
#define RETRY_QUOTA_INITIAL 500
#define RETRY_COST 5
#define RETRY_COST_TIMEOUT 10
#define RETRY_NO_RETRY_REFUND 1
#define RETRY_MAX_BACKOFF_MS 20000.0

const struct aws_service AWS_SVC_STS = {
    "STS", "sts", "sts", AWS_PROTO_QUERY, NULL, NULL, "2011-06-15", 3};
const struct aws_service AWS_SVC_CLOUDFORMATION = {
    "CloudFormation", "cloudformation", "cloudformation", AWS_PROTO_QUERY, NULL, NULL,
    "2010-05-15", 3};
const struct aws_service AWS_SVC_DYNAMODB = {
    "DynamoDB", "dynamodb", "dynamodb", AWS_PROTO_JSON, "1.0", "DynamoDB_20120810", NULL, 4};
const struct aws_service AWS_SVC_ECS = {
    "ECS", "ecs", "ecs", AWS_PROTO_JSON, "1.1", "AmazonEC2ContainerServiceV20141113", NULL, 3};
const struct aws_service AWS_SVC_LOGS = {
    "CloudWatch Logs", "logs", "logs", AWS_PROTO_JSON, "1.1", "Logs_20140328", NULL, 3};
const struct aws_service AWS_SVC_S3 = {
    "S3", "s3", "s3", AWS_PROTO_REST_XML, NULL, NULL, "2006-03-01", 3};
const struct aws_service AWS_SVC_EC2 = {
    "EC2", "ec2", "ec2", AWS_PROTO_EC2, NULL, NULL, "2016-11-15", 3};
const struct aws_service AWS_SVC_SSO = {
    "SSO", "portal.sso", "awsssoportal", AWS_PROTO_REST_JSON, NULL, NULL, "2019-06-10", 3};
const struct aws_service AWS_SVC_RDS_DATA = {
    "RDS Data", "rds-data", "rds-data", AWS_PROTO_REST_JSON, NULL, NULL, "2018-08-01", 3};

struct aws_client {
    struct ev_loop *loop;
    struct http_transport *http;
    struct cred_provider *creds;
    char *region;
    char *endpoint_url;
    char *profile;
    const struct aws_config *config;
    int max_attempts;
    struct debug_log *log;
    time_t (*wall_clock)(void);
    double (*random01)(void);
    long connect_timeout_ms;
    long timeout_ms;
    int retry_quota;
    struct aws_client_stats stats;
};

struct aws_call {
    struct aws_client *client;
    const struct aws_service *svc;
    char *operation;
    char *method;
    char *path;                 /* wire path below the endpoint's own path */
    char *bucket;               /* S3: the first path segment, for virtual hosting */
    struct http_kv *query;
    size_t nquery;
    struct http_kv *headers;
    size_t nheaders;
    buf_t body;
    char *content_type;
    int attempt;
    int max_attempts;
    int last_retry_cost;
    unsigned flags;
    uint64_t started_ms;
    aws_done_fn done;
    void *ud;
};

/* ---- small helpers ------------------------------------------------------------- */

static double s_random01(const struct aws_client *c)
{
    return c->random01 ? c->random01() : random_unit();
}

bool aws_error_is_throttle(const char *code)
{
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    if (!code)
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static bool s_is_transient_code(const char *code)
{
    return code && (strcmp(code, "RequestTimeout") == 0 ||
                    strcmp(code, "RequestTimeoutException") == 0 ||
                    strcmp(code, "PriorRequestNotComplete") == 0);
}

const char *aws_error_hint(const struct aws_error *e)
{
    static const struct {
        const char *code;
        const char *hint;
    } hints[] = {
        {"SignatureDoesNotMatch", "AWS rejected the request signature: the secret access key "
                                  "does not belong to this access key id. Check "
                                  "AWS_SECRET_ACCESS_KEY or the profile's "
                                  "aws_secret_access_key, and that the system clock is right"},
        {"InvalidClientTokenId", "AWS does not know this access key id: it may be deleted, "
                                 "mistyped, or for another partition. Check the credentials"},
        {"UnrecognizedClientException", "AWS rejected the credentials (unknown access key or "
                                        "bad signature). Check the credentials"},
        {"ExpiredToken", "the session credentials have expired: refresh them (aws sso login, "
                         "or new temporary keys)"},
        {"ExpiredTokenException", "the session credentials have expired: refresh them "
                                  "(aws sso login, or new temporary keys)"},
        {"RequestExpired", "the request's timestamp is too far from AWS's clock: fix the "
                           "system clock"},
        {"AccessDenied", "the caller lacks an IAM permission: see the README's IAM policy"},
        {"AccessDeniedException", "the caller lacks an IAM permission: see the README's IAM "
                                  "policy"},
        {"UnauthorizedOperation", "the caller lacks an IAM permission: see the README's IAM "
                                  "policy"},
    };
    if (!e || !e->code)
        return NULL;
    for (size_t i = 0; i < sizeof hints / sizeof *hints; i++)
        if (strcmp(e->code, hints[i].code) == 0)
            return hints[i].hint;
    return NULL;
}

void aws_error_free(struct aws_error *e)
{
    free(e->code);
    free(e->message);
    free(e->request_id);
    memset(e, 0, sizeof(*e));
}

char *aws_error_describe(const struct aws_error *e)
{
    buf_t b = BUF_INIT;
    switch (e->kind) {
    case AWS_ERR_NONE:
        buf_puts(&b, "no error");
        break;
    case AWS_ERR_CREDENTIALS:
        buf_printf(&b, "credentials: %s", e->message ? e->message : "none found");
        break;
    case AWS_ERR_TRANSPORT:
        buf_printf(&b, "could not reach AWS: %s", e->message ? e->message : "connection failed");
        break;
    case AWS_ERR_SERVICE:
    case AWS_ERR_HTTP:
    case AWS_ERR_PARSE:
        if (e->code)
            buf_puts(&b, e->code);
        else if (e->kind == AWS_ERR_PARSE)
            buf_puts(&b, "unreadable reply");
        else
            buf_printf(&b, "HTTP %ld", e->http_status);
        if (e->message && *e->message)
            buf_printf(&b, ": %s", e->message);
        if (e->http_status)
            buf_printf(&b, " (HTTP %ld", e->http_status);
        if (e->request_id)
            buf_printf(&b, "%srequest id %s", e->http_status ? ", " : " (", e->request_id);
        if (e->http_status || e->request_id)
            buf_putc(&b, ')');
        break;
    }
    char *safe = sanitize_for_terminal(buf_cstr(&b), b.len, 2048);
    buf_free(&b);
    return safe;
}

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

/* ---- endpoints -------------------------------------------------------------------- */

static char *s_env_name_for(const struct aws_service *svc)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "AWS_ENDPOINT_URL_");
    for (const char *p = svc->service_id; *p; p++)
        buf_putc(&b, *p == ' ' ? '_' : (char)toupper((unsigned char)*p));
    return buf_detach(&b);
}

static bool s_endpoint_overridden(const struct aws_client *c, const struct aws_service *svc)
{
    if (c->endpoint_url)
        return true;
    char *name = s_env_name_for(svc);
    bool set = getenv(name) && *getenv(name);
    free(name);
    return set || (getenv("AWS_ENDPOINT_URL") && *getenv("AWS_ENDPOINT_URL")) ||
           (c->config && c->profile && aws_config_get(c->config, c->profile, "endpoint_url"));
}

char *aws_client_endpoint(const struct aws_client *c, const struct aws_service *svc)
{
    if (c->endpoint_url)
        return xstrdup(c->endpoint_url);
    char *name = s_env_name_for(svc);
    const char *v = getenv(name);
    free(name);
    if (v && *v)
        return xstrdup(v);
    v = getenv("AWS_ENDPOINT_URL");
    if (v && *v)
        return xstrdup(v);
    if (c->config && c->profile) {
        v = aws_config_get(c->config, c->profile, "endpoint_url");
        if (v && *v)
            return xstrdup(v);
    }
    const char *region = c->region ? c->region : "us-east-1";
    const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    return xasprintf("https://%s.%s.%s", svc->endpoint_prefix, region, suffix);
}

/* In demo mode (BCM_DEMO_ACTIVE=1) every request must go to the loopback emulator: a
 * misconfigured demo must fail rather than reach a real account. */
static bool s_demo_forbids(const char *host)
{
    const char *demo = getenv("BCM_DEMO_ACTIVE");
    if (!demo || strcmp(demo, "1") != 0)
        return false;
    size_t n = strcspn(host, ":");
    return !((n == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
             (n == 9 && strncmp(host, "localhost", 9) == 0));
}

/* Splits "https://host:port/base" into its parts. */
static int s_split_url(const char *url, char **scheme, char **host, char **base)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return -1;
    *scheme = xstrndup(url, (size_t)(sep - url));
    const char *h = sep + 3;
    const char *slash = strchr(h, '/');
    *host = slash ? xstrndup(h, (size_t)(slash - h)) : xstrdup(h);
    *base = xstrdup(slash ? slash : "");
    size_t bl = strlen(*base);
    if (bl && (*base)[bl - 1] == '/')
        (*base)[bl - 1] = '\0';
    if (!**host) {
        free(*scheme);
        free(*host);
        free(*base);
        return -1;
    }
    return 0;
}

/* ---- client ------------------------------------------------------------------------ */

struct aws_client *aws_client_new(const struct aws_client_config *cfg)
{
    struct aws_client *c = xcalloc(1, sizeof(*c));
    c->loop = cfg->loop;
    c->http = cfg->http;
    c->creds = cfg->creds;
    c->region = cfg->region ? xstrdup(cfg->region) : NULL;
    c->endpoint_url = cfg->endpoint_url && *cfg->endpoint_url ? xstrdup(cfg->endpoint_url) : NULL;
    c->profile = cfg->profile ? xstrdup(cfg->profile) : NULL;
    c->config = cfg->config;
    c->log = cfg->log;
    c->wall_clock = cfg->wall_clock;
    c->random01 = cfg->random01;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->timeout_ms = cfg->timeout_ms;
    c->retry_quota = RETRY_QUOTA_INITIAL;
    c->max_attempts = cfg->max_attempts;
    if (c->max_attempts <= 0) {
        const char *env = getenv("AWS_MAX_ATTEMPTS");
        if (!env && c->config && c->profile)
            env = aws_config_get(c->config, c->profile, "max_attempts");
        if (env) {
            long n = strtol(env, NULL, 10);
            if (n >= 1 && n <= 100)
                c->max_attempts = (int)n;
        }
    }
    return c;
}

void aws_client_free(struct aws_client *c)
{
    if (!c)
        return;
    free(c->region);
    free(c->endpoint_url);
    free(c->profile);
    free(c);
}

const char *aws_client_region(const struct aws_client *c)
{
    return c->region;
}

struct ev_loop *aws_client_loop(const struct aws_client *c)
{
    return c->loop;
}

void aws_client_get_stats(const struct aws_client *c, struct aws_client_stats *out)
{
    *out = c->stats;
}

static void s_call_free(struct aws_call *call)
{
    free(call->operation);
    free(call->method);
    free(call->path);
    free(call->bucket);
    http_kv_free(call->query, call->nquery);
    http_kv_free(call->headers, call->nheaders);
    /* Request bodies may hold a web identity token or credentials: wiped before release. */
    if (call->body.data)
        OPENSSL_cleanse(call->body.data, call->body.len);
    buf_free(&call->body);
    free(call->content_type);
    free(call);
}

static void s_finish(struct aws_call *call, struct aws_response *resp)
{
    struct aws_client *c = call->client;
    resp->attempts = call->attempt;
    resp->operation = call->operation;
    resp->service = call->svc;
    if (resp->err.kind != AWS_ERR_NONE) {
        c->stats.failures++;
        char *why = aws_error_describe(&resp->err);
        debug_log(c->log, "%s.%s failed after %d attempt(s): %s", call->svc->service_id,
                  call->operation, call->attempt, why);
        free(why);
    }
    if (call->done)
        call->done(call->ud, resp);
    aws_error_free(&resp->err);
    buf_free(&resp->body);
    if (resp->json)
        cJSON_Delete(resp->json);
    if (resp->xml)
        xmlFreeDoc(resp->xml);
    s_call_free(call);
}

static void s_fail(struct aws_call *call, enum aws_error_kind kind, long status, const char *code,
                   const char *message)
{
    struct aws_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.err.kind = kind;
    resp.err.http_status = status;
    resp.err.code = code ? xstrdup(code) : NULL;
    resp.err.message = message ? xstrdup(message) : NULL;
    resp.status = status;
    s_finish(call, &resp);
}

static void s_attempt(struct aws_call *call);

static void s_retry_timer(void *ud)
{
    s_attempt(ud);
}

/* Decides whether to try again; returns true when a retry has been scheduled. */
static bool s_schedule_retry(struct aws_call *call, bool throttled, bool timeout,
                             const char *retry_after)
{
    struct aws_client *c = call->client;
    if (call->attempt >= call->max_attempts)
        return false;
    int cost = timeout ? RETRY_COST_TIMEOUT : RETRY_COST;
    if (c->retry_quota < cost) {
        debug_log(c->log, "%s.%s: retry quota exhausted, not retrying", call->svc->service_id,
                  call->operation);
        return false;
    }
    c->retry_quota -= cost;
    call->last_retry_cost = cost;
    double base = throttled ? 1000.0 : 50.0;
    double cap = base * pow(2.0, call->attempt - 1);
    if (cap > RETRY_MAX_BACKOFF_MS)
        cap = RETRY_MAX_BACKOFF_MS;
    double delay = s_random01(c) * cap;
    if (retry_after) {
        double hint = strtod(retry_after, NULL);
        if (hint > delay && hint <= RETRY_MAX_BACKOFF_MS)
            delay = hint;
    }
    c->stats.retries++;
    debug_log(c->log, "retry %s.%s (attempt %d of %d) in %.0f ms", call->svc->service_id,
              call->operation, call->attempt + 1, call->max_attempts, delay);
    ev_timer_add(c->loop, (uint64_t)delay, s_retry_timer, call);
    return true;
}

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

static void s_on_http(void *ud, struct http_response *http)
{
    struct aws_call *call = ud;
    struct aws_client *c = call->client;
    uint64_t ms = ev_now_ms() - call->started_ms;

    if (http->failure != HTTP_OK) {
        debug_log(c->log, "%s.%s attempt %d: transport error after %llu ms: %s",
                  call->svc->service_id, call->operation, call->attempt,
                  (unsigned long long)ms, http->error);
        bool timeout = http->failure == HTTP_ERR_TIMEOUT;
        bool maybe_executed = http->failure != HTTP_ERR_CONNECT;
        bool allowed = http->failure != HTTP_ERR_TLS &&
                       !(maybe_executed && (call->flags & AWS_CALL_NOT_IDEMPOTENT));
        if (allowed && s_schedule_retry(call, false, timeout, NULL))
            return;
        const char *hint = http->failure == HTTP_ERR_TLS
            ? "TLS verification failed; if you use a private CA set AWS_CA_BUNDLE"
            : http->failure == HTTP_ERR_CONNECT
            ? "check the network, the region and any --endpoint-url / AWS_ENDPOINT_URL"
            : "the connection was interrupted; try again";
        char *msg = xasprintf("%s (%s)", http->error, hint);
        s_fail(call, AWS_ERR_TRANSPORT, 0, NULL, msg);
        free(msg);
        return;
    }

    const char *request_id = http_response_header(http, "x-amzn-requestid");
    if (!request_id)
        request_id = http_response_header(http, "x-amz-request-id");
    debug_log(c->log, "%s.%s attempt %d: HTTP %ld in %llu ms, %zu bytes%s%s",
              call->svc->service_id, call->operation, call->attempt, http->status,
              (unsigned long long)ms, http->body.len, request_id ? ", request id " : "",
              request_id ? request_id : "");

    struct aws_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.status = http->status;
    resp.body = http->body; /* take the body; the transport frees an empty buffer */
    buf_init(&http->body);
    bool is_json = call->svc->protocol == AWS_PROTO_JSON || call->svc->protocol == AWS_PROTO_REST_JSON;

    if (http->status >= 200 && http->status < 300) {
        if (is_json) {
            resp.json = resp.body.len ? cJSON_ParseWithLength(resp.body.data, resp.body.len)
                                      : cJSON_CreateObject();
            if (!resp.json) {
                resp.err.kind = AWS_ERR_PARSE;
                resp.err.message = xstrdup("the reply is not valid JSON");
            }
        } else if (resp.body.len) {
            resp.xml = s_parse_xml(&resp.body);
            if (!resp.xml) {
                resp.err.kind = AWS_ERR_PARSE;
                resp.err.message = xstrdup("the reply is not valid XML");
            }
        }
        if (resp.err.kind == AWS_ERR_NONE) {
            /* A success gives back part of what retries took, as the SDKs do. */
            c->retry_quota += call->attempt > 1 ? call->last_retry_cost : RETRY_NO_RETRY_REFUND;
            if (c->retry_quota > RETRY_QUOTA_INITIAL)
                c->retry_quota = RETRY_QUOTA_INITIAL;
        }
        if (request_id)
            resp.err.request_id = xstrdup(request_id);
        s_finish(call, &resp);
        return;
    }

    /* An error reply: find its code and message in whatever shape this protocol uses. */
    resp.err.kind = AWS_ERR_HTTP;
    resp.err.http_status = http->status;
    if (is_json) {
        cJSON *doc = resp.body.len ? cJSON_ParseWithLength(resp.body.data, resp.body.len) : NULL;
        resp.err.code = s_json_error_code(doc, http);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
        if (!cJSON_IsString(m))
            m = cJSON_GetObjectItemCaseSensitive(doc, "Message");
        if (cJSON_IsString(m))
            resp.err.message = xstrdup(m->valuestring);
        cJSON_Delete(doc);
    }
    /* Query and REST-XML errors are XML; so are some front-end refusals (signature,
     * authentication) even for JSON services, at least in emulators. */
    size_t lead = 0;
    while (lead < resp.body.len && (resp.body.data[lead] == ' ' || resp.body.data[lead] == '\n' ||
                                    resp.body.data[lead] == '\r' || resp.body.data[lead] == '\t'))
        lead++;
    bool looks_xml = lead < resp.body.len && resp.body.data[lead] == '<';
    if (!resp.err.code && (!is_json || looks_xml)) {
        xmlDocPtr doc = s_parse_xml(&resp.body);
        if (doc) {
            xmlNodePtr root = xmlDocGetRootElement(doc);
            resp.err.code = aws_xml_text(root, "Code");
            free(resp.err.message);
            resp.err.message = aws_xml_text(root, "Message");
            if (!request_id && !resp.err.request_id) {
                resp.err.request_id = aws_xml_text(root, "RequestId");
                if (!resp.err.request_id)
                    resp.err.request_id = aws_xml_text(root, "RequestID");
            }
            xmlFreeDoc(doc);
        }
    }
    if (request_id && !resp.err.request_id)
        resp.err.request_id = xstrdup(request_id);
    if (resp.err.code)
        resp.err.kind = AWS_ERR_SERVICE;

    bool throttled = aws_error_is_throttle(resp.err.code) || http->status == 429;
    bool transient = s_is_transient_code(resp.err.code) || http->status == 500 ||
                     http->status == 502 || http->status == 503 || http->status == 504;
    if (throttled)
        c->stats.throttles++;
    if (call->flags & AWS_CALL_NOT_IDEMPOTENT)
        transient = false;
    if ((throttled || transient) &&
        s_schedule_retry(call, throttled, false, http_response_header(http, "x-amz-retry-after"))) {
        aws_error_free(&resp.err);
        buf_free(&resp.body);
        return;
    }
    s_finish(call, &resp);
}

static void s_encode_path(buf_t *out, const char *path)
{
    /* Each segment percent-encoded once; '/' separators kept. */
    char *enc = aws_uri_encode(path, strlen(path), true);
    buf_puts(out, enc);
    free(enc);
}

static void s_send_signed(struct aws_call *call, const struct aws_credentials *creds)
{
    struct aws_client *c = call->client;
    char *endpoint = aws_client_endpoint(c, call->svc);
    char *scheme = NULL, *host = NULL, *base = NULL;
    if (s_split_url(endpoint, &scheme, &host, &base) != 0) {
        char *msg = xasprintf("the endpoint URL '%s' is not a URL like https://host[:port]; "
                              "fix --endpoint-url or AWS_ENDPOINT_URL", endpoint);
        free(endpoint);
        s_fail(call, AWS_ERR_TRANSPORT, 0, "InvalidEndpoint", msg);
        free(msg);
        return;
    }
    free(endpoint);
    if (s_demo_forbids(host)) {
        char *msg = xasprintf("demo mode talks only to the local emulator, and the endpoint for %s "
                              "is %s; nothing was sent", call->svc->service_id, host);
        free(scheme);
        free(host);
        free(base);
        s_fail(call, AWS_ERR_TRANSPORT, 0, "DemoEndpointRefused", msg);
        free(msg);
        return;
    }

    buf_t path = BUF_INIT;
    buf_puts(&path, base);
    if (call->bucket) {
        if (s_endpoint_overridden(c, call->svc) || strchr(call->bucket, '.')) {
            buf_putc(&path, '/');
            s_encode_path(&path, call->bucket);
        } else {
            char *vhost = xasprintf("%s.%s", call->bucket, host);
            free(host);
            host = vhost;
        }
    }
    s_encode_path(&path, call->path);
    if (path.len == 0)
        buf_putc(&path, '/');

    struct http_request req;
    http_request_init(&req, call->method, scheme, host, buf_cstr(&path));
    buf_free(&path);
    free(scheme);
    free(host);
    free(base);
    for (size_t i = 0; i < call->nquery; i++)
        http_request_add_query(&req, call->query[i].name, call->query[i].value);
    for (size_t i = 0; i < call->nheaders; i++)
        http_request_set_header(&req, call->headers[i].name, call->headers[i].value);
    if (call->content_type)
        http_request_set_header(&req, "Content-Type", call->content_type);
    if (call->svc->protocol == AWS_PROTO_JSON) {
        char *target = xasprintf("%s.%s", call->svc->target_prefix, call->operation);
        http_request_set_header(&req, "X-Amz-Target", target);
        free(target);
    }
    if (call->body.len)
        http_request_set_body(&req, call->body.data, call->body.len);

    if (creds) {
        struct sigv4_params sp = {
            .creds = creds,
            .region = c->region ? c->region : "us-east-1",
            .service = call->svc->signing_name,
            .now = c->wall_clock ? c->wall_clock() : time(NULL),
            .s3 = call->svc->protocol == AWS_PROTO_REST_XML,
        };
        struct sigv4_result sr;
        memset(&sr, 0, sizeof(sr));
        if (sigv4_sign(&req, &sp, &sr) != 0) {
            sigv4_result_free(&sr);
            http_request_free(&req);
            s_fail(call, AWS_ERR_CREDENTIALS, 0, NULL, "the request could not be signed");
            return;
        }
        sigv4_result_free(&sr);
    }

    char *url = http_request_url(&req);
    debug_log(c->log, "%s %s (%s.%s attempt %d)", req.method, url, call->svc->service_id,
              call->operation, call->attempt);
    free(url);

    struct http_options opts = {c->connect_timeout_ms, c->timeout_ms};
    call->started_ms = ev_now_ms();
    c->stats.requests++;
    int rc = http_send(c->http, &req, &opts, s_on_http, call);
    http_request_free(&req);
    if (rc != 0)
        s_fail(call, AWS_ERR_TRANSPORT, 0, NULL, "the request could not be queued");
}

static void s_on_creds(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct aws_call *call = ud;
    if (!creds) {
        s_fail(call, AWS_ERR_CREDENTIALS, 0, "NoCredentials",
               error ? error : "no AWS credentials were found");
        return;
    }
    s_send_signed(call, creds);
}

static void s_attempt(struct aws_call *call)
{
    call->attempt++;
    /* SSO's portal call is authorised by a bearer token, not SigV4; every other REST-JSON
     * service (the RDS Data API) is signed. */
    if (call->svc == &AWS_SVC_SSO || !call->client->creds) {
        s_send_signed(call, NULL);
        return;
    }
    cred_provider_get(call->client->creds, s_on_creds, call);
}

static struct aws_call *s_call_new(struct aws_client *c, const struct aws_service *svc,
                                   const char *operation, const char *method, aws_done_fn done,
                                   void *ud)
{
    struct aws_call *call = xcalloc(1, sizeof(*call));
    call->client = c;
    call->svc = svc;
    call->operation = xstrdup(operation);
    call->method = xstrdup(method);
    call->path = xstrdup("");
    call->done = done;
    call->ud = ud;
    buf_init(&call->body);
    call->max_attempts = c->max_attempts > 0 ? c->max_attempts : svc->default_max_attempts;
    return call;
}

void aws_call_json(struct aws_client *c, const struct aws_service *svc, const char *operation,
                   cJSON *body, aws_done_fn done, void *ud)
{
    aws_call_json_ex(c, svc, operation, body, 0, done, ud);
}

void aws_call_json_ex(struct aws_client *c, const struct aws_service *svc, const char *operation,
                      cJSON *body, unsigned flags, aws_done_fn done, void *ud)
{
    struct aws_call *call = s_call_new(c, svc, operation, "POST", done, ud);
    call->flags = flags;
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    buf_puts(&call->body, text ? text : "{}");
    if (text)
        cJSON_free(text);
    cJSON_Delete(body);
    call->content_type = xasprintf("application/x-amz-json-%s", svc->json_version);
    s_attempt(call);
}

void aws_call_query(struct aws_client *c, const struct aws_service *svc, const char *action,
                    const struct http_kv *params, size_t nparams, aws_done_fn done, void *ud)
{
    struct aws_call *call = s_call_new(c, svc, action, "POST", done, ud);
    struct http_request form;
    http_request_init(&form, "POST", "https", "x", "/");
    http_request_add_query(&form, "Action", action);
    http_request_add_query(&form, "Version", svc->api_version);
    for (size_t i = 0; i < nparams; i++)
        http_request_add_query(&form, params[i].name, params[i].value);
    char *encoded = sigv4_canonical_query(&form);
    buf_puts(&call->body, encoded);
    free(encoded);
    http_request_free(&form);
    call->content_type = xstrdup("application/x-www-form-urlencoded; charset=utf-8");
    s_attempt(call);
}

void aws_call_rest(struct aws_client *c, const struct aws_service *svc, const char *operation,
                   const char *method, const char *path, const struct http_kv *query,
                   size_t nquery, const struct http_kv *headers, size_t nheaders,
                   aws_done_fn done, void *ud)
{
    struct aws_call *call = s_call_new(c, svc, operation, method, done, ud);
    free(call->path);
    if (svc == &AWS_SVC_S3 && path[0] == '/' && path[1]) {
        const char *rest = strchr(path + 1, '/');
        call->bucket = rest ? xstrndup(path + 1, (size_t)(rest - path - 1)) : xstrdup(path + 1);
        call->path = xstrdup(rest ? rest : "");
    } else {
        call->path = xstrdup(path);
    }
    call->query = http_kv_copy(query, nquery);
    call->nquery = nquery;
    call->headers = http_kv_copy(headers, nheaders);
    call->nheaders = nheaders;
    s_attempt(call);
}

void aws_call_rest_json(struct aws_client *c, const struct aws_service *svc, const char *operation,
                        const char *path, cJSON *body, aws_done_fn done, void *ud)
{
    struct aws_call *call = s_call_new(c, svc, operation, "POST", done, ud);
    free(call->path);
    call->path = xstrdup(path);
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    buf_puts(&call->body, text ? text : "{}");
    if (text) {
        /* The body may carry bound values (bot ids): wiped like every request body. */
        OPENSSL_cleanse(text, strlen(text));
        cJSON_free(text);
    }
    cJSON_Delete(body);
    call->content_type = xstrdup("application/json");
    s_attempt(call);
}
