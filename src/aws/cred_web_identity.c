/* Web identity: an OIDC token in a file (EKS IRSA, GitHub Actions, …) exchanged for role
 * credentials with STS AssumeRoleWithWebIdentity, a call that is not signed. Settings
 * come from AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME (each one
 * winning over the profile, unless a profile was named explicitly) or from the profile's
 * web_identity_token_file / role_arn / role_session_name. The token file is read at every
 * refresh: the platform rotates it. */
#include "aws/cred_providers.h"

#include "aws/client.h"
#include "aws/config_file.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <stdlib.h>
#include <string.h>

#define WEB_IDENTITY_MAX_TOKEN (64u * 1024u)

struct web_identity_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
    bool use_env;
    struct cred_pending get;    /* the get() in flight */
    char *role_arn;
    char *token_file;           /* sanitised, for messages */
    struct cred_call *call;
};

static void s_reset(void *provider)
{
    struct web_identity_provider *wp = provider;
    cred_call_cancel(wp->call);
    wp->call = NULL;
    free(wp->role_arn);
    free(wp->token_file);
    wp->role_arn = wp->token_file = NULL;
}

/* A setting from the environment (when allowed) or else the profile; *from says which. */
static const char *s_setting(const struct web_identity_provider *wp, const char *env_name,
                             const char *profile_key, const char **from)
{
    const char *v = wp->use_env ? getenv(env_name) : NULL;
    if (v && *v) {
        *from = env_name;
        return v;
    }
    v = aws_config_get(wp->ctx->config, wp->profile, profile_key);
    *from = profile_key;
    return v && *v ? v : NULL;
}

static void s_on_sts(void *ud, struct aws_response *resp)
{
    struct web_identity_provider *wp = ud;
    wp->call = NULL;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = cred_describe_failure(resp);
        const char *code = resp->err.code ? resp->err.code : "";
        const char *hint =
            strcmp(code, "ExpiredTokenException") == 0 || strcmp(code, "InvalidIdentityToken") == 0
                ? "; the token in that file is expired or not accepted: the platform that "
                  "writes it (EKS, CI) should renew it, or the role's OIDC provider settings "
                  "need checking"
            : strcmp(code, "AccessDenied") == 0
                ? "; the role's trust policy must allow this identity provider and audience"
                : "";
        cred_pending_fail(&wp->get, "could not assume role %s with the web identity token in %s: "
                                    "%s%s",
                          wp->role_arn, wp->token_file, why, hint);
        free(why);
        return;
    }
    struct aws_credentials c;
    const char *missing = NULL;
    if (cred_from_sts_reply(resp, &c, &missing) != 0) {
        cred_pending_fail(&wp->get, "STS AssumeRoleWithWebIdentity answered without a usable %s; "
                                    "try again, or check any AWS_ENDPOINT_URL_STS / "
                                    "AWS_ENDPOINT_URL override",
                          missing);
        return;
    }
    c.source = xasprintf("web identity (role %s)", wp->role_arn);
    cred_pending_answer(&wp->get, &c, NULL);
    aws_credentials_free(&c);
}

static void s_web_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct web_identity_provider *wp = (struct web_identity_provider *)p;
    const char *file_from = NULL, *arn_from = NULL, *session_from = NULL;
    const char *token_file = s_setting(wp, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file",
                                       &file_from);
    if (!token_file) {
        done(ud, NULL, NULL);
        return;
    }
    if (!cred_pending_begin(&wp->get, done, ud, "a web identity lookup"))
        return;
    wp->token_file = sanitize_for_terminal(token_file, strlen(token_file), 300);
    const char *role_arn = s_setting(wp, "AWS_ROLE_ARN", "role_arn", &arn_from);
    if (!role_arn) {
        if (strcmp(file_from, "AWS_WEB_IDENTITY_TOKEN_FILE") == 0)
            cred_pending_fail(&wp->get, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is "
                                        "not: set the role to assume, or unset "
                                        "AWS_WEB_IDENTITY_TOKEN_FILE");
        else
            cred_pending_fail(&wp->get, "profile '%s' has web_identity_token_file but no role_arn: "
                                        "add the role to assume",
                              wp->profile);
        return;
    }
    wp->role_arn = xstrdup(role_arn);
    const char *session = s_setting(wp, "AWS_ROLE_SESSION_NAME", "role_session_name", &session_from);
    buf_t token = BUF_INIT;
    char *error = NULL;
    if (cred_read_secret_file(token_file, file_from, WEB_IDENTITY_MAX_TOKEN, &token, &error) != 0) {
        cred_buf_wipe(&token);
        char *safe = sanitize_for_terminal(error, strlen(error), 500);
        free(error);
        cred_pending_fail(&wp->get, "%s; the token is written by the platform (EKS service "
                                    "account, CI job): check that it runs here, or unset %s",
                          safe, file_from);
        free(safe);
        return;
    }
    /* A JWT never ends in whitespace; a file written by hand may. */
    while (token.len && strchr(" \t\r\n", token.data[token.len - 1]))
        token.data[--token.len] = '\0';
    if (token.len == 0) {
        cred_buf_wipe(&token);
        cred_pending_fail(&wp->get, "the web identity token file %s "
                                    "(%s) is empty", wp->token_file, file_from);
        return;
    }
    if (!wp->ctx->loop || !wp->ctx->http) {
        cred_buf_wipe(&token);
        cred_pending_fail(&wp->get, "internal error: web identity needs the event loop and HTTP");
        return;
    }
    char *default_session = session ? NULL : cred_default_session_name(wp->ctx);
    struct http_kv params[] = {
        {"RoleArn", wp->role_arn},
        {"RoleSessionName", (char *)(session ? session : default_session)},
        {"WebIdentityToken", token.data},
    };
    struct cred_call_spec spec = {
        .svc = &AWS_SVC_STS,
        .region = wp->ctx->region,
        .profile = wp->profile,
        .signer = NULL,
        .operation = "AssumeRoleWithWebIdentity",
        .params = params,
        .nparams = sizeof(params) / sizeof(params[0]),
    };
    wp->call = cred_call_start(wp->ctx, &spec, s_on_sts, wp);
    free(default_session);
    cred_buf_wipe(&token);
}

static void s_web_destroy(struct cred_provider *p)
{
    struct web_identity_provider *wp = (struct web_identity_provider *)p;
    s_reset(wp);
    free(wp->profile);
    free(wp);
}

static const struct cred_provider_vtable s_web_vt = {s_web_get, s_web_destroy};

struct cred_provider *cred_provider_web_identity_new(const struct cred_ctx *ctx, const char *profile,
                                                     bool use_env)
{
    struct web_identity_provider *wp = xcalloc(1, sizeof(*wp));
    wp->base.vt = &s_web_vt;
    wp->get = (struct cred_pending){.release = s_reset, .provider = wp};
    wp->ctx = ctx;
    wp->profile = xstrdup(profile);
    wp->use_env = use_env;
    return &wp->base;
}
