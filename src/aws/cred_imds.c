/* Instance metadata (EC2 instance roles), IMDSv2: PUT a session token, GET the role
 * name, GET the role's credentials. Where the token call is refused with 403, 404 or 405
 * (an old or locked-down metadata service) it goes on without a token (IMDSv1) unless
 * AWS_EC2_METADATA_V1_DISABLED=true. AWS_EC2_METADATA_DISABLED=true skips it entirely;
 * AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE), AWS_METADATA_SERVICE_TIMEOUT and
 * AWS_METADATA_SERVICE_NUM_ATTEMPTS are honoured as in botocore.
 *
 * Off EC2 nothing answers, so timeouts are short and any failure means "not here": the
 * chain's error then lists instance metadata among what was tried. */
#include "aws/cred_providers.h"

#include "aws/http.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_DEFAULT_ENDPOINT_V6 "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL "21600"
#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"
#define IMDS_MAX_TOKEN 4096u
#define IMDS_MAX_ROLE 128u

enum imds_step { IMDS_TOKEN, IMDS_ROLE, IMDS_CREDENTIALS };

struct imds_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    struct cred_pending get;    /* the get() in flight */
    enum imds_step step;
    int attempt;                /* of the current step */
    int max_attempts;
    long timeout_ms;
    char *scheme, *host, *prefix; /* prefix: the endpoint's own path, without a trailing '/' */
    char *token;                /* NULL: IMDSv1 */
    char *role;
    struct cred_http *request;
};

static bool s_env_true(const char *name)
{
    const char *v = getenv(name);
    return v && strcasecmp(v, "true") == 0;
}

static void s_reset(void *provider)
{
    struct imds_provider *ip = provider;
    cred_http_cancel(ip->request);
    ip->request = NULL;
    free(ip->scheme);
    free(ip->host);
    free(ip->prefix);
    free_secret(ip->token);
    free(ip->role);
    ip->scheme = ip->host = ip->prefix = ip->token = ip->role = NULL;
}

static void s_not_here(struct imds_provider *ip)
{
    cred_pending_answer(&ip->get, NULL, NULL);
}

/* "http://host[:port][/base]" into its parts; -1 when it is not such a URL. */
static int s_parse_endpoint(struct imds_provider *ip, const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return -1;
    size_t scheme_len = (size_t)(sep - url);
    if (!(scheme_len == 4 && strncasecmp(url, "http", 4) == 0) &&
        !(scheme_len == 5 && strncasecmp(url, "https", 5) == 0))
        return -1;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '@')
            return -1;
    const char *h = sep + 3;
    size_t host_len = strcspn(h, "/");
    if (host_len == 0)
        return -1;
    ip->scheme = xstrndup(url, scheme_len);
    for (char *p = ip->scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    ip->host = xstrndup(h, host_len);
    const char *path = h + host_len;
    size_t path_len = strlen(path);
    while (path_len && path[path_len - 1] == '/')
        path_len--;
    ip->prefix = xstrndup(path, path_len);
    return 0;
}

static long s_env_long(const char *name, long fallback, long min, long max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return *end || n < min || n > max ? fallback : n;
}

/* ---- the three requests ------------------------------------------------------------- */

static void s_send(struct imds_provider *ip);

/* Tries the step again while attempts remain; otherwise there is nothing here. */
static void s_step_failed(struct imds_provider *ip)
{
    if (ip->attempt < ip->max_attempts) {
        s_send(ip);
        return;
    }
    s_not_here(ip);
}

static void s_next_step(struct imds_provider *ip, enum imds_step step)
{
    ip->step = step;
    ip->attempt = 0;
    s_send(ip);
}

static void s_on_token(struct imds_provider *ip, struct http_response *resp)
{
    if (resp->failure != HTTP_OK) {
        s_step_failed(ip);
        return;
    }
    if (resp->status == 200 && resp->body.len > 0 && resp->body.len <= IMDS_MAX_TOKEN &&
        strlen(buf_cstr(&resp->body)) == resp->body.len &&
        !strpbrk(buf_cstr(&resp->body), "\r\n")) {
        ip->token = xstrdup(buf_cstr(&resp->body));
        s_next_step(ip, IMDS_ROLE);
        return;
    }
    if (resp->status == 403 || resp->status == 404 || resp->status == 405) {
        if (s_env_true("AWS_EC2_METADATA_V1_DISABLED")) {
            s_not_here(ip);
            return;
        }
        s_next_step(ip, IMDS_ROLE);
        return;
    }
    if (resp->status >= 500) {
        s_step_failed(ip);
        return;
    }
    s_not_here(ip);
}

static bool s_valid_role(const char *s, size_t n)
{
    if (n == 0 || n > IMDS_MAX_ROLE)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("+=,.@_-", s[i]))
            return false;
    return true;
}

static void s_on_role(struct imds_provider *ip, struct http_response *resp)
{
    if (resp->failure != HTTP_OK || resp->status != 200) {
        s_step_failed(ip);
        return;
    }
    /* One role per instance profile; the listing is one name per line. */
    const char *body = buf_cstr(&resp->body);
    size_t n = strcspn(body, "\r\n");
    while (n && body[n - 1] == ' ')
        n--;
    if (!s_valid_role(body, n)) {
        s_step_failed(ip);
        return;
    }
    ip->role = xstrndup(body, n);
    s_next_step(ip, IMDS_CREDENTIALS);
}

static void s_on_credentials(struct imds_provider *ip, struct http_response *resp)
{
    if (resp->failure != HTTP_OK || resp->status != 200) {
        s_step_failed(ip);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(buf_cstr(&resp->body), resp->body.len);
    struct aws_credentials c;
    const char *missing = NULL;
    /* Instance role credentials always expire and carry a token; anything less is not
     * what the metadata service sends. */
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(doc, "Token");
    const cJSON *expiration = cJSON_GetObjectItemCaseSensitive(doc, "Expiration");
    if (!cJSON_IsObject(doc) || !cJSON_IsString(token) || !cJSON_IsString(expiration) ||
        cred_from_json(doc, "AccessKeyId", "SecretAccessKey", "Token", "Expiration", &c,
                       &missing) != 0) {
        cred_json_wipe_free(doc);
        s_not_here(ip);
        return;
    }
    cred_json_wipe_free(doc);
    c.source = xasprintf("instance metadata (role %s)", ip->role);
    cred_pending_answer(&ip->get, &c, NULL);
    aws_credentials_free(&c);
}

static void s_on_reply(void *ud, struct http_response *resp)
{
    struct imds_provider *ip = ud;
    ip->request = NULL;
    switch (ip->step) {
    case IMDS_TOKEN:
        s_on_token(ip, resp);
        break;
    case IMDS_ROLE:
        s_on_role(ip, resp);
        break;
    case IMDS_CREDENTIALS:
        s_on_credentials(ip, resp);
        break;
    }
}

static void s_send(struct imds_provider *ip)
{
    ip->attempt++;
    char *path = ip->step == IMDS_TOKEN  ? xasprintf("%s" IMDS_TOKEN_PATH, ip->prefix)
                 : ip->step == IMDS_ROLE ? xasprintf("%s" IMDS_ROLE_PATH, ip->prefix)
                                         : xasprintf("%s" IMDS_ROLE_PATH "%s", ip->prefix, ip->role);
    struct http_request req;
    http_request_init(&req, ip->step == IMDS_TOKEN ? "PUT" : "GET", ip->scheme, ip->host, path);
    free(path);
    if (ip->step == IMDS_TOKEN)
        http_request_set_header(&req, "x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL);
    else if (ip->token)
        http_request_set_header(&req, "x-aws-ec2-metadata-token", ip->token);
    struct http_options opts = {ip->timeout_ms, ip->timeout_ms, 0};
    ip->request = cred_http_send(ip->ctx, &req, &opts, s_on_reply, ip);
    cred_request_wipe_free(&req);
    if (!ip->request)
        s_not_here(ip);
}

static void s_imds_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct imds_provider *ip = (struct imds_provider *)p;
    if (s_env_true("AWS_EC2_METADATA_DISABLED") || !ip->ctx->loop || !ip->ctx->http) {
        done(ud, NULL, NULL);
        return;
    }
    if (!cred_pending_begin(&ip->get, done, ud, "an instance metadata lookup"))
        return;
    const char *endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!endpoint || !*endpoint) {
        const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
        endpoint = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_ENDPOINT_V6
                                                         : IMDS_DEFAULT_ENDPOINT;
    }
    if (s_parse_endpoint(ip, endpoint) != 0) {
        s_not_here(ip);
        return;
    }
    ip->timeout_ms = 1000 * s_env_long("AWS_METADATA_SERVICE_TIMEOUT", 1, 1, 60);
    ip->max_attempts = (int)s_env_long("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 1, 10);
    s_next_step(ip, IMDS_TOKEN);
}

static void s_imds_destroy(struct cred_provider *p)
{
    struct imds_provider *ip = (struct imds_provider *)p;
    s_reset(ip);
    free(ip);
}

static const struct cred_provider_vtable s_imds_vt = {s_imds_get, s_imds_destroy};

struct cred_provider *cred_provider_imds_new(const struct cred_ctx *ctx)
{
    struct imds_provider *ip = xcalloc(1, sizeof(*ip));
    ip->base.vt = &s_imds_vt;
    ip->get = (struct cred_pending){.release = s_reset, .provider = ip};
    ip->ctx = ctx;
    return &ip->base;
}
