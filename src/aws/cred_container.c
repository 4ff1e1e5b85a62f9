/* Container credentials: the endpoint that ECS tasks, EKS Pod Identity and AWS CloudShell
 * provide. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path on 169.254.170.2;
 * AWS_CONTAINER_CREDENTIALS_FULL_URI a whole URL, accepted over http only for the hosts
 * botocore accepts (loopback, the ECS and EKS link-local addresses) so a token is never
 * sent in clear text across a network. The Authorization value comes from the file in
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read again at every refresh: EKS rotates it)
 * or from AWS_CONTAINER_AUTHORIZATION_TOKEN. The reply is
 * {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}. */
#include "aws/cred_providers.h"

#include "aws/http.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTAINER_HOST "169.254.170.2"
#define CONTAINER_ATTEMPTS 3
#define CONTAINER_CONNECT_TIMEOUT_MS 2000
#define CONTAINER_TIMEOUT_MS 5000
#define CONTAINER_MAX_TOKEN 16384u

struct container_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    struct cred_pending get;    /* the get() in flight */
    const char *env_name;       /* which variable configured it, for messages */
    char *scheme, *host, *path; /* path carries the query as written */
    char *shown_url;            /* sanitised, for messages */
    char *token;                /* Authorization value, or NULL */
    int attempt;
    struct cred_http *request;
    uint64_t retry_timer;
    char *last_failure;         /* why the previous attempt failed */
};

static const char *s_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void s_reset(void *provider)
{
    struct container_provider *cp = provider;
    if (cp->retry_timer)
        ev_timer_cancel(cp->ctx->loop, cp->retry_timer);
    cp->retry_timer = 0;
    cred_http_cancel(cp->request);
    cp->request = NULL;
    free(cp->scheme);
    free(cp->host);
    free(cp->path);
    free(cp->shown_url);
    free_secret(cp->token);
    free(cp->last_failure);
    cp->scheme = cp->host = cp->path = cp->shown_url = cp->token = cp->last_failure = NULL;
}

/* ---- where to ask -------------------------------------------------------------------- */

static bool s_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0)
        return true;
    unsigned char addr[16];
    if (inet_pton(AF_INET, host, addr) == 1)
        return addr[0] == 127;
    if (inet_pton(AF_INET6, host, addr) == 1) {
        static const unsigned char v6_loopback[16] = {[15] = 1};
        return memcmp(addr, v6_loopback, 16) == 0;
    }
    return false;
}

/* The hosts botocore lets credentials be fetched from over plain http. */
static bool s_http_host_allowed(const char *host)
{
    static const char *const allowed[] = {"169.254.170.2", "169.254.170.23", "fd00:ec2::23"};
    if (s_is_loopback(host))
        return true;
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (strcasecmp(host, allowed[i]) == 0)
            return true;
    return false;
}

/* Splits FULL_URI into scheme, Host header and path (with query). Returns NULL, or a
 * static text saying what is wrong. */
static const char *s_parse_full_uri(struct container_provider *cp, const char *uri)
{
    const char *sep = strstr(uri, "://");
    if (!sep)
        return "is not a URL (expected http://HOST[:PORT]/PATH or https://…)";
    size_t scheme_len = (size_t)(sep - uri);
    bool https = scheme_len == 5 && strncasecmp(uri, "https", 5) == 0;
    bool http = scheme_len == 4 && strncasecmp(uri, "http", 4) == 0;
    if (!http && !https)
        return "must start with http:// or https://";
    const char *authority = sep + 3;
    size_t auth_len = strcspn(authority, "/?#");
    if (auth_len == 0)
        return "has no host";
    if (memchr(authority, '@', auth_len))
        return "must not contain a user name or password";
    for (const char *p = uri; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "contains spaces or control characters";
    char *authority_copy = xstrndup(authority, auth_len);
    /* The bare host name, for the allow-list: [v6]:port, v4:port or name:port. */
    char *bare;
    if (authority_copy[0] == '[') {
        char *close = strchr(authority_copy, ']');
        if (!close || (close[1] && close[1] != ':')) {
            free(authority_copy);
            return "has a malformed [IPv6] host";
        }
        bare = xstrndup(authority_copy + 1, (size_t)(close - authority_copy - 1));
    } else {
        bare = xstrndup(authority_copy, strcspn(authority_copy, ":"));
    }
    bool allowed = https || s_http_host_allowed(bare);
    free(bare);
    if (!allowed) {
        free(authority_copy);
        return "uses http:// with a host other than loopback, 169.254.170.2, 169.254.170.23 "
               "or fd00:ec2::23; use https:// for any other host";
    }
    const char *rest = authority + auth_len;
    size_t rest_len = strcspn(rest, "#");
    cp->scheme = xstrdup(https ? "https" : "http");
    cp->host = authority_copy;
    cp->path = rest_len == 0 ? xstrdup("/")
               : rest[0] == '?' ? xasprintf("/%.*s", (int)rest_len, rest)
                                : xstrndup(rest, rest_len);
    return NULL;
}

/* Reads the Authorization value; the file wins over the variable, as in botocore. */
static int s_load_token(struct container_provider *cp, char **error)
{
    const char *file = s_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *from = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    buf_t b = BUF_INIT;
    if (file) {
        if (cred_read_secret_file(file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                  CONTAINER_MAX_TOKEN, &b, error) != 0) {
            cred_buf_wipe(&b);
            return -1;
        }
        from = "the file in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
        /* A file written with echo ends in a newline; that is not part of the token. */
        while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
            b.data[--b.len] = '\0';
    } else {
        const char *value = s_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        if (!value)
            return 0;
        buf_reserve(&b, strlen(value) + 1);
        buf_puts(&b, value);
    }
    if (b.len == 0 || memchr(b.data, '\n', b.len) || memchr(b.data, '\r', b.len) ||
        strlen(b.data) != b.len) {
        *error = xasprintf("the authorization token from %s is %s; it must be one line",
                           from, b.len ? "not a single line of text" : "empty");
        cred_buf_wipe(&b);
        return -1;
    }
    cp->token = xstrdup(b.data);
    cred_buf_wipe(&b);
    return 0;
}

/* ---- asking ------------------------------------------------------------------------ */

static void s_send(struct container_provider *cp);

static void s_retry(void *ud)
{
    struct container_provider *cp = ud;
    cp->retry_timer = 0;
    s_send(cp);
}

/* Tries again after the pause, or gives up with why. */
static void s_attempt_failed(struct container_provider *cp, char *why)
{
    free(cp->last_failure);
    cp->last_failure = why;
    if (cp->attempt < CONTAINER_ATTEMPTS) {
        cp->retry_timer = ev_timer_add(cp->ctx->loop, cp->ctx->retry_delay_ms, s_retry, cp);
        return;
    }
    cred_pending_fail(&cp->get, "could not get credentials from the container credentials endpoint "
                                "%s (%s) after %d attempts: %s; check that the endpoint is "
                                "running, or unset %s to use other credentials",
                      cp->shown_url, cp->env_name, cp->attempt, cp->last_failure, cp->env_name);
}

/* A short, printable excerpt of an error reply: its message field, else its start. */
static char *s_reply_excerpt(const struct http_response *resp)
{
    cJSON *doc = cJSON_ParseWithLength(buf_cstr(&resp->body), resp->body.len);
    const char *names[] = {"message", "Message", "code", "Code"};
    for (size_t i = 0; doc && i < sizeof(names) / sizeof(names[0]); i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, names[i]);
        if (cJSON_IsString(m) && m->valuestring && *m->valuestring) {
            char *s = sanitize_for_terminal(m->valuestring, strlen(m->valuestring), 200);
            cJSON_Delete(doc);
            return s;
        }
    }
    cJSON_Delete(doc);
    return sanitize_for_terminal(buf_cstr(&resp->body), resp->body.len, 200);
}

static void s_on_reply(void *ud, struct http_response *resp)
{
    struct container_provider *cp = ud;
    cp->request = NULL;
    if (resp->failure != HTTP_OK) {
        s_attempt_failed(cp, sanitize_for_terminal(resp->error, strlen(resp->error), 300));
        return;
    }
    if (resp->status != 200) {
        char *excerpt = s_reply_excerpt(resp);
        char *why = xasprintf("HTTP %ld%s%s", resp->status, *excerpt ? ": " : "", excerpt);
        free(excerpt);
        /* A server error may pass; a refusal will not change within a second. */
        if (resp->status >= 500 || resp->status == 429) {
            s_attempt_failed(cp, why);
            return;
        }
        const char *hint =
            resp->status == 401 || resp->status == 403
                ? cp->token ? "the endpoint refused the authorization token: it may have "
                              "expired (in AWS CloudShell, start a new session) or "
                              "AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) may be stale"
                            : "the endpoint wants an authorization token: set "
                              "AWS_CONTAINER_AUTHORIZATION_TOKEN or "
                              "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                : "check the URL";
        cred_pending_fail(&cp->get, "the container credentials endpoint %s (%s) answered %s; %s, "
                                    "or unset %s to use other credentials",
                          cp->shown_url, cp->env_name, why, hint, cp->env_name);
        free(why);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(buf_cstr(&resp->body), resp->body.len);
    if (!cJSON_IsObject(doc)) {
        cred_json_wipe_free(doc);
        s_attempt_failed(cp, xstrdup("the reply is not a JSON object"));
        return;
    }
    struct aws_credentials c;
    const char *missing = NULL;
    int rc = cred_from_json(doc, "AccessKeyId", "SecretAccessKey", "Token", "Expiration", &c,
                            &missing);
    cred_json_wipe_free(doc);
    if (rc != 0) {
        cred_pending_fail(&cp->get, "the container credentials endpoint %s (%s) answered without a "
                                    "usable \"%s\"; unset %s to use other credentials",
                          cp->shown_url, cp->env_name, missing, cp->env_name);
        return;
    }
    c.source = xasprintf("container credentials (%s)", cp->env_name);
    cred_pending_answer(&cp->get, &c, NULL);
    aws_credentials_free(&c);
}

static void s_send(struct container_provider *cp)
{
    cp->attempt++;
    struct http_request req;
    http_request_init(&req, "GET", cp->scheme, cp->host, cp->path);
    http_request_set_header(&req, "Accept", "application/json");
    if (cp->token)
        http_request_set_header(&req, "Authorization", cp->token);
    struct http_options opts = {CONTAINER_CONNECT_TIMEOUT_MS, CONTAINER_TIMEOUT_MS, 0};
    cp->request = cred_http_send(cp->ctx, &req, &opts, s_on_reply, cp);
    cred_request_wipe_free(&req);
    if (!cp->request)
        cred_pending_fail(&cp->get, "could not send a request to the container credentials "
                                    "endpoint %s",
                          cp->shown_url);
}

static void s_container_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct container_provider *cp = (struct container_provider *)p;
    const char *relative = s_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = s_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!relative && !full) {
        done(ud, NULL, NULL);
        return;
    }
    if (!cred_pending_begin(&cp->get, done, ud, "a container credentials lookup"))
        return;
    cp->attempt = 0;
    cp->env_name = relative ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                            : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    cp->shown_url = relative ? xasprintf("http://" CONTAINER_HOST "%s", relative) : xstrdup(full);
    char *safe = sanitize_for_terminal(cp->shown_url, strlen(cp->shown_url), 300);
    free(cp->shown_url);
    cp->shown_url = safe;
    if (relative) {
        if (relative[0] != '/') {
            cred_pending_fail(&cp->get, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
                                        "must be a path starting with '/' (it is "
                                        "%s); fix or unset it", cp->shown_url);
            return;
        }
        for (const char *s = relative; *s; s++) {
            if ((unsigned char)*s <= ' ' || *s == 0x7f) {
                cred_pending_fail(&cp->get, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI contains "
                                            "spaces or control characters; fix or unset it");
                return;
            }
        }
        cp->scheme = xstrdup("http");
        cp->host = xstrdup(CONTAINER_HOST);
        cp->path = xstrndup(relative, strcspn(relative, "#"));
    } else {
        const char *problem = s_parse_full_uri(cp, full);
        if (problem) {
            cred_pending_fail(&cp->get, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s %s; fix or unset it",
                              cp->shown_url, problem);
            return;
        }
    }
    char *error = NULL;
    if (s_load_token(cp, &error) != 0) {
        cred_pending_fail(&cp->get, "%s; fix it or unset %s", error, cp->env_name);
        free(error);
        return;
    }
    if (!cp->ctx->loop || !cp->ctx->http) {
        cred_pending_fail(&cp->get, "internal error: container credentials need the event loop "
                                    "and HTTP");
        return;
    }
    s_send(cp);
}

static void s_container_destroy(struct cred_provider *p)
{
    struct container_provider *cp = (struct container_provider *)p;
    s_reset(cp);
    free(cp);
}

static const struct cred_provider_vtable s_container_vt = {s_container_get, s_container_destroy};

struct cred_provider *cred_provider_container_new(const struct cred_ctx *ctx)
{
    struct container_provider *cp = xcalloc(1, sizeof(*cp));
    cp->base.vt = &s_container_vt;
    cp->get = (struct cred_pending){.release = s_reset, .provider = cp};
    cp->ctx = ctx;
    return &cp->base;
}
