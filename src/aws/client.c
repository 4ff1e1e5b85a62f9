#include "aws/client.h"

#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/error_class.h"
#include "aws/rate_limiter.h"
#include "aws/sigv4.h"
#include "client_reply.h"
#include "util/ev_loop.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/random.h"
#include "util/sanitize.h"

#include <ctype.h>
#include <curl/curl.h>
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
/* ECR's API (DescribeImages); its endpoint is api.ecr.<region>, signed as "ecr". */
const struct aws_service AWS_SVC_ECR = {
    "ECR", "api.ecr", "ecr", AWS_PROTO_JSON, "1.1", "AmazonEC2ContainerRegistry_V20150921", NULL, 3};
const struct aws_service AWS_SVC_SERVICE_QUOTAS = {
    "Service Quotas", "servicequotas", "servicequotas", AWS_PROTO_JSON, "1.1",
    "ServiceQuotasV20190624", NULL, 3};
const struct aws_service AWS_SVC_SECRETS_MANAGER = {
    "Secrets Manager", "secretsmanager", "secretsmanager", AWS_PROTO_JSON, "1.1", "secretsmanager",
    NULL, 3};
const struct aws_service AWS_SVC_SSO = {
    "SSO", "portal.sso", "awsssoportal", AWS_PROTO_REST_JSON, NULL, NULL, "2019-06-10", 3};
const struct aws_service AWS_SVC_RDS_DATA = {
    "RDS Data", "rds-data", "rds-data", AWS_PROTO_REST_JSON, NULL, NULL, "2018-08-01", 3};
const struct aws_service AWS_SVC_RDS = {
    "RDS", "rds", "rds", AWS_PROTO_QUERY, NULL, NULL, "2014-10-31", 3};
/* Bedrock's control plane (model availability), not the runtime the tasks invoke. */
const struct aws_service AWS_SVC_BEDROCK = {
    "Bedrock", "bedrock", "bedrock", AWS_PROTO_REST_JSON, NULL, NULL, "2023-04-20", 3};

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
    struct rate_limiters *limiters; /* adaptive, per operation, once AWS throttles it */
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
    struct rate_limiter *limiter; /* NULL: not rate-limited on the client side */
    aws_done_fn done;
    void *ud;
};

/* ---- small helpers ------------------------------------------------------------- */

static double s_random01(const struct aws_client *c)
{
    return c->random01 ? c->random01() : random_unit();
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
    if (aws_endpoint_urls_ignored(c->config, c->profile))
        return false;
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
    if (!aws_endpoint_urls_ignored(c->config, c->profile)) {
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
    }
    const char *region = c->region ? c->region : "us-east-1";
    char *error = NULL;
    char *url = aws_endpoint_default(svc->endpoint_prefix, region,
                                     aws_endpoint_variant_configured(c->config, c->profile), &error);
    if (!url) {
        /* aws_session_open refuses such a configuration first; plain endpoint otherwise. */
        free(error);
        struct aws_endpoint_variant plain = {false, false};
        url = aws_endpoint_default(svc->endpoint_prefix, region, plain, &error);
    }
    return url;
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

/* The parts of an endpoint URL that every request to it is built from. */
struct endpoint_parts {
    char *scheme;           /* "http" or "https" */
    char *host;             /* with ":port" when the URL names one; IPv6 literals bracketed */
    char *base;             /* the path requests go below, without a trailing '/' */
    struct http_kv *query;  /* the URL's own query parameters, decoded; sent with each request */
    size_t nquery;
};

static void s_endpoint_parts_free(struct endpoint_parts *p)
{
    free(p->scheme);
    free(p->host);
    free(p->base);
    http_kv_free(p->query, p->nquery);
    memset(p, 0, sizeof(*p));
}

static char *s_unescape(const char *s, size_t len)
{
    int out_len = 0;
    char *raw = curl_easy_unescape(NULL, s, (int)len, &out_len);
    char *copy = raw ? xstrndup(raw, (size_t)out_len) : xstrndup(s, len);
    curl_free(raw);
    return copy;
}

/* "a=1&b=x%20y" into decoded pairs ("b" = "x y"); the signer encodes them again. */
static void s_split_query(const char *query, struct endpoint_parts *out)
{
    for (const char *p = query; *p;) {
        size_t len = strcspn(p, "&");
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t name_len = eq ? (size_t)(eq - p) : len;
            out->query = xrealloc(out->query, (out->nquery + 1) * sizeof(*out->query));
            out->query[out->nquery].name = s_unescape(p, name_len);
            out->query[out->nquery].value = eq ? s_unescape(eq + 1, len - name_len - 1) : xstrdup("");
            out->nquery++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
}

/* Splits an endpoint URL with libcurl's URL parser. User information ("user:pass@") is
 * never sent: AWS authenticates requests by their signature. Returns 0, or -1 when the
 * text is not an http(s) URL with a host. */
static int s_split_url(const char *url, struct endpoint_parts *out)
{
    memset(out, 0, sizeof(*out));
    CURLU *u = curl_url();
    if (!u)
        return -1;
    char *scheme = NULL, *host = NULL, *zone = NULL, *port = NULL, *path = NULL, *query = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        goto done;
    (void)curl_url_get(u, CURLUPART_ZONEID, &zone, 0);
    (void)curl_url_get(u, CURLUPART_PORT, &port, 0);
    (void)curl_url_get(u, CURLUPART_PATH, &path, 0);
    (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
    out->scheme = xstrdup(scheme);
    buf_t h = BUF_INIT;
    if (zone && host[0] == '[') /* [fe80::1] and eth0: [fe80::1%25eth0] */
        buf_printf(&h, "%.*s%%25%s]", (int)strlen(host) - 1, host, zone);
    else
        buf_puts(&h, host);
    if (port)
        buf_printf(&h, ":%s", port);
    out->host = buf_detach(&h);
    out->base = xstrdup(path && strcmp(path, "/") != 0 ? path : "");
    size_t bl = strlen(out->base);
    if (bl && out->base[bl - 1] == '/')
        out->base[bl - 1] = '\0';
    if (query)
        s_split_query(query, out);
    rc = 0;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(zone);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* The endpoint as it may appear in a message: user information (a password, perhaps)
 * is left out. */
static char *s_endpoint_for_message(const char *url)
{
    const char *at = strrchr(url, '@');
    const char *sep = strstr(url, "://");
    if (!at)
        return xstrdup(url);
    return sep && sep < at ? xasprintf("%.*s://…%s", (int)(sep - url), url, at)
                           : xstrdup("(a URL with user information)");
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
    c->limiters = rate_limiters_new();
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
    rate_limiters_free(c->limiters);
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

struct deferred_failure {
    struct aws_call *call;
    struct aws_response resp;
};

static void s_deferred_failure(void *ud)
{
    struct deferred_failure *d = ud;
    s_finish(d->call, &d->resp);
    free(d);
}

/* The call ends without an HTTP answer: no credentials, an unusable endpoint, or the
 * transport's failure after the last attempt. The answer goes out from the loop (a 0 ms
 * timer), never inside aws_call_* or a credential provider's inline answer: a caller
 * that starts calls while walking its own state is never re-entered half-way. */
static void s_fail(struct aws_call *call, enum aws_error_kind kind, enum http_failure transport,
                   const char *code, const char *message)
{
    struct deferred_failure *d = xcalloc(1, sizeof(*d));
    d->call = call;
    d->resp.err.kind = kind;
    d->resp.err.transport = transport;
    d->resp.err.code = code ? xstrdup(code) : NULL;
    d->resp.err.message = message ? xstrdup(message) : NULL;
    ev_timer_add(call->client->loop, 0, s_deferred_failure, d);
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

/* Retrying is allowed for what may pass (throttling, transient trouble, an unreachable
 * endpoint); for a call that must not run twice, only when the failure proves the
 * request had no effect. */
static bool s_retry_allowed(const struct aws_call *call, enum aws_error_class cls)
{
    if (!aws_error_class_retryable(cls))
        return false;
    if ((call->flags & AWS_CALL_CALLER_PACES) && cls == AWS_ERROR_CLASS_THROTTLED)
        return false;
    return !(call->flags & AWS_CALL_NOT_IDEMPOTENT) || aws_error_class_not_executed(cls);
}

/* No HTTP response: connection refused, DNS, timeout, reset, TLS verification. */
static void s_on_transport_error(struct aws_call *call, const struct http_response *http)
{
    struct aws_client *c = call->client;
    debug_log(c->log, "%s.%s attempt %d: transport error after %llu ms: %s",
              call->svc->service_id, call->operation, call->attempt,
              (unsigned long long)(ev_now_ms() - call->started_ms), http->error);
    struct aws_error probe = {.kind = AWS_ERR_TRANSPORT, .transport = http->failure};
    enum aws_error_class cls = aws_error_class(&probe);
    if (s_retry_allowed(call, cls) &&
        s_schedule_retry(call, false, http->failure == HTTP_ERR_TIMEOUT, NULL))
        return;
    const char *hint = http->failure == HTTP_ERR_TLS
        ? "TLS verification failed; if you use a private CA set AWS_CA_BUNDLE"
        : http->failure == HTTP_ERR_CONNECT
        ? "check the network, the region and any --endpoint-url / AWS_ENDPOINT_URL"
        : "the connection was interrupted; try again";
    char *msg = xasprintf("%s (%s)", http->error, hint);
    s_fail(call, AWS_ERR_TRANSPORT, http->failure, NULL, msg);
    free(msg);
}

static void s_on_success_reply(struct aws_call *call, struct http_response *http)
{
    struct aws_client *c = call->client;
    struct aws_response resp;
    memset(&resp, 0, sizeof(resp));
    aws_reply_read_success(call->svc->protocol, http, &resp);
    rate_limiter_on_reply(call->limiter, ev_now_ms(), false);
    if (resp.err.kind == AWS_ERR_NONE) {
        /* A success gives back part of what retries took, as the SDKs do. */
        c->retry_quota += call->attempt > 1 ? call->last_retry_cost : RETRY_NO_RETRY_REFUND;
        if (c->retry_quota > RETRY_QUOTA_INITIAL)
            c->retry_quota = RETRY_QUOTA_INITIAL;
    }
    s_finish(call, &resp);
}

/* AWS answered with an error: read it, then retry or hand it to the caller. */
static void s_on_error_reply(struct aws_call *call, struct http_response *http)
{
    struct aws_client *c = call->client;
    struct aws_response resp;
    memset(&resp, 0, sizeof(resp));
    aws_reply_read_error(call->svc->protocol, http, &resp);
    enum aws_error_class cls = aws_error_class(&resp.err);
    bool throttled = cls == AWS_ERROR_CLASS_THROTTLED;
    if (throttled)
        c->stats.throttles++;
    bool was_limited = rate_limiter_enabled(call->limiter);
    rate_limiter_on_reply(call->limiter, ev_now_ms(), throttled);
    if (throttled && call->limiter && !was_limited)
        debug_log(c->log, "%s.%s throttled: its requests are now paced on this side (adaptive, "
                          "%.1f/s to start)", call->svc->service_id, call->operation,
                  rate_limiter_rate(call->limiter));
    if (s_retry_allowed(call, cls) &&
        s_schedule_retry(call, throttled, false, http_response_header(http, "x-amz-retry-after"))) {
        aws_error_free(&resp.err);
        buf_free(&resp.body);
        return;
    }
    s_finish(call, &resp);
}

static void s_on_http(void *ud, struct http_response *http)
{
    struct aws_call *call = ud;
    if (http->failure != HTTP_OK) {
        s_on_transport_error(call, http);
        return;
    }
    const char *request_id = aws_reply_request_id(http);
    debug_log(call->client->log, "%s.%s attempt %d: HTTP %ld in %llu ms, %zu bytes%s%s",
              call->svc->service_id, call->operation, call->attempt, http->status,
              (unsigned long long)(ev_now_ms() - call->started_ms), http->body.len,
              request_id ? ", request id " : "", request_id ? request_id : "");
    if (http->status >= 200 && http->status < 300)
        s_on_success_reply(call, http);
    else
        s_on_error_reply(call, http);
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
    struct endpoint_parts ep;
    if (s_split_url(endpoint, &ep) != 0) {
        char *shown = s_endpoint_for_message(endpoint);
        char *msg = xasprintf("the endpoint URL '%s' is not a URL like https://host[:port]; "
                              "fix --endpoint-url or AWS_ENDPOINT_URL", shown);
        free(shown);
        free(endpoint);
        s_fail(call, AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, "InvalidEndpoint", msg);
        free(msg);
        return;
    }
    free(endpoint);
    if (s_demo_forbids(ep.host)) {
        char *msg = xasprintf("demo mode talks only to the local emulator, and the endpoint for %s "
                              "is %s; nothing was sent", call->svc->service_id, ep.host);
        s_endpoint_parts_free(&ep);
        s_fail(call, AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, "DemoEndpointRefused", msg);
        free(msg);
        return;
    }

    buf_t path = BUF_INIT;
    buf_puts(&path, ep.base);
    if (call->bucket) {
        if (s_endpoint_overridden(c, call->svc) || strchr(call->bucket, '.')) {
            buf_putc(&path, '/');
            s_encode_path(&path, call->bucket);
        } else {
            char *vhost = xasprintf("%s.%s", call->bucket, ep.host);
            free(ep.host);
            ep.host = vhost;
        }
    }
    s_encode_path(&path, call->path);
    if (path.len == 0)
        buf_putc(&path, '/');

    struct http_request req;
    http_request_init(&req, call->method, ep.scheme, ep.host, buf_cstr(&path));
    buf_free(&path);
    for (size_t i = 0; i < ep.nquery; i++)
        http_request_add_query(&req, ep.query[i].name, ep.query[i].value);
    s_endpoint_parts_free(&ep);
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
            s_fail(call, AWS_ERR_CREDENTIALS, HTTP_OK, NULL, "the request could not be signed");
            return;
        }
        sigv4_result_free(&sr);
    }

    char *url = http_request_url(&req);
    debug_log(c->log, "%s %s (%s.%s attempt %d)", req.method, url, call->svc->service_id,
              call->operation, call->attempt);
    free(url);

    struct http_options opts = {c->connect_timeout_ms, c->timeout_ms, 0};
    call->started_ms = ev_now_ms();
    c->stats.requests++;
    int rc = http_send(c->http, &req, &opts, s_on_http, call);
    http_request_free(&req);
    if (rc != 0)
        s_fail(call, AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, NULL, "the request could not be queued");
}

static void s_on_creds(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct aws_call *call = ud;
    if (!creds) {
        s_fail(call, AWS_ERR_CREDENTIALS, HTTP_OK, "NoCredentials",
               error ? error : "no AWS credentials were found");
        return;
    }
    s_send_signed(call, creds);
}

static void s_attempt(struct aws_call *call)
{
    /* Once AWS has throttled this operation, each attempt waits for the adaptive
     * limiter's token first (the first attempt too, as the SDKs' adaptive mode does). */
    uint64_t wait = rate_limiter_acquire(call->limiter, ev_now_ms());
    if (wait) {
        ev_timer_add(call->client->loop, wait, s_retry_timer, call);
        return;
    }
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
    /* ECS and DynamoDB calls are limited adaptively; RunTask is paced by the runner at
     * Fargate's documented rate instead. */
    if ((svc == &AWS_SVC_ECS && strcmp(operation, "RunTask") != 0) || svc == &AWS_SVC_DYNAMODB)
        call->limiter = rate_limiters_get(c->limiters, svc->service_id, operation);
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
