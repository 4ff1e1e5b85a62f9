/* Assume role: a profile with role_arn and either source_profile (another profile,
 * resolved through its own providers, or through its own role_arn recursively) or
 * credential_source (Environment, Ec2InstanceMetadata, EcsContainer). The source
 * credentials sign an STS AssumeRole call; role_session_name, external_id and
 * duration_seconds are passed on. Profiles that need an MFA code (mfa_serial) are refused
 * with a way out: this tool cannot prompt from inside a run.
 *
 * Loops (a → b → a) are found through the list of profiles already on the way here; a
 * profile may name itself as source_profile only when it holds static keys, as in
 * botocore. */
#include "aws/cred_providers.h"

#include "aws/client.h"
#include "aws/config_file.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define ROLE_MIN_DURATION 900
#define ROLE_MAX_DURATION 43200

struct assume_role_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
    char **visited;             /* profiles on the way here, this one included */
    size_t nvisited;
    struct cred_pending get;    /* the get() in flight */
    char *role_arn;
    char *source_label;         /* "source_profile 'base'", "credential_source Environment" */
    struct cred_provider *source;
    struct cred_call *call;
};

static void s_reset(void *provider)
{
    struct assume_role_provider *ap = provider;
    cred_provider_free(ap->source);
    ap->source = NULL;
    cred_call_cancel(ap->call);
    ap->call = NULL;
    free(ap->role_arn);
    free(ap->source_label);
    ap->role_arn = ap->source_label = NULL;
}

static const char *s_get(const struct assume_role_provider *ap, const char *profile,
                         const char *key)
{
    const char *v = aws_config_get(ap->ctx->config, profile, key);
    return v && *v ? v : NULL;
}

/* botocore hands a profile with web_identity_token_file to the web identity provider,
 * even when it also has role_arn. */
static bool s_uses_assume_role(const struct assume_role_provider *ap, const char *profile)
{
    return s_get(ap, profile, "role_arn") && !s_get(ap, profile, "web_identity_token_file");
}

static bool s_has_static_keys(const struct assume_role_provider *ap, const char *profile)
{
    return s_get(ap, profile, "aws_access_key_id") || s_get(ap, profile, "aws_secret_access_key");
}

static bool s_visited(const struct assume_role_provider *ap, const char *profile)
{
    for (size_t i = 0; i < ap->nvisited; i++)
        if (strcmp(ap->visited[i], profile) == 0)
            return true;
    return false;
}

static char *s_loop_text(const struct assume_role_provider *ap, const char *back_to)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < ap->nvisited; i++)
        buf_printf(&b, "%s -> ", ap->visited[i]);
    buf_puts(&b, back_to);
    return buf_detach(&b);
}

/* ---- STS ------------------------------------------------------------------------------ */

static void s_on_sts(void *ud, struct aws_response *resp)
{
    struct assume_role_provider *ap = ud;
    ap->call = NULL;
    if (resp->err.kind != AWS_ERR_NONE) {
        bool denied = resp->err.code && (strcmp(resp->err.code, "AccessDenied") == 0 ||
                                         strcmp(resp->err.code, "AccessDeniedException") == 0);
        /* The generic hint for AccessDenied is about this tool's own permissions; here the
         * trust policy is the likelier cause, said below. */
        char *why = denied ? aws_error_describe(&resp->err) : cred_describe_failure(resp);
        cred_pending_fail(&ap->get, "profile '%s' could not assume role %s with the credentials of "
                                    "its %s: %s%s",
                          ap->profile, ap->role_arn, ap->source_label, why,
                          denied ? "; the role's trust policy must allow those credentials to "
                                   "assume it (and they need sts:AssumeRole on the role)"
                                 : "");
        free(why);
        return;
    }
    struct aws_credentials c;
    const char *missing = NULL;
    if (cred_from_sts_reply(resp, &c, &missing) != 0) {
        cred_pending_fail(&ap->get, "STS AssumeRole for profile '%s' answered without a usable %s; "
                                    "try again, or check any AWS_ENDPOINT_URL_STS / "
                                    "AWS_ENDPOINT_URL override",
                          ap->profile, missing);
        return;
    }
    c.source = xasprintf("profile %s (assumed role %s)", ap->profile, ap->role_arn);
    cred_pending_answer(&ap->get, &c, NULL);
    aws_credentials_free(&c);
}

static void s_on_source(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct assume_role_provider *ap = ud;
    /* The source provider's answer is its last act: it can go now. */
    cred_provider_free(ap->source);
    ap->source = NULL;
    if (!creds) {
        if (error)
            cred_pending_fail(&ap->get, "profile '%s' assumes role %s with the credentials of its "
                                        "%s, and those could not be had: %s",
                              ap->profile, ap->role_arn, ap->source_label, error);
        else
            cred_pending_fail(&ap->get, "profile '%s' assumes role %s with the credentials of its "
                                        "%s, but none were found there; provide them or change "
                                        "credential_source",
                              ap->profile, ap->role_arn, ap->source_label);
        return;
    }
    const char *session = s_get(ap, ap->profile, "role_session_name");
    char *default_session = session ? NULL : cred_default_session_name(ap->ctx);
    const char *external_id = s_get(ap, ap->profile, "external_id");
    const char *duration = s_get(ap, ap->profile, "duration_seconds");
    struct http_kv params[4];
    size_t n = 0;
    params[n++] = (struct http_kv){"RoleArn", ap->role_arn};
    params[n++] = (struct http_kv){"RoleSessionName", (char *)(session ? session : default_session)};
    if (duration)
        params[n++] = (struct http_kv){"DurationSeconds", (char *)duration};
    if (external_id)
        params[n++] = (struct http_kv){"ExternalId", (char *)external_id};
    struct cred_call_spec spec = {
        .svc = &AWS_SVC_STS,
        .region = ap->ctx->region,
        .profile = ap->profile,
        .signer = creds,
        .operation = "AssumeRole",
        .params = params,
        .nparams = n,
    };
    ap->call = cred_call_start(ap->ctx, &spec, s_on_sts, ap);
    free(default_session);
}

/* ---- where the source credentials come from ----------------------------------------- */

/* Builds ap->source and ap->source_label, or answers with an error and returns -1. */
static int s_build_source(struct assume_role_provider *ap)
{
    const struct cred_ctx *ctx = ap->ctx;
    const char *source_profile = s_get(ap, ap->profile, "source_profile");
    const char *credential_source = s_get(ap, ap->profile, "credential_source");
    if (source_profile && credential_source) {
        cred_pending_fail(&ap->get, "profile '%s' has both source_profile and credential_source; "
                                    "keep only one of them",
                          ap->profile);
        return -1;
    }
    if (!source_profile && !credential_source) {
        cred_pending_fail(&ap->get, "profile '%s' has role_arn but neither source_profile nor "
                                    "credential_source, so there are no credentials to assume the "
                                    "role with; add one of them",
                          ap->profile);
        return -1;
    }
    if (credential_source) {
        ap->source_label = xasprintf("credential_source %s", credential_source);
        if (strcmp(credential_source, "Environment") == 0)
            ap->source = cred_provider_env_new();
        else if (strcmp(credential_source, "Ec2InstanceMetadata") == 0)
            ap->source = cred_provider_imds_new(ctx);
        else if (strcmp(credential_source, "EcsContainer") == 0)
            ap->source = cred_provider_container_new(ctx);
        if (!ap->source) {
            cred_pending_fail(&ap->get, "profile '%s' has credential_source = %s, which is not one "
                                        "of Environment, Ec2InstanceMetadata or EcsContainer; fix "
                                        "it",
                              ap->profile, credential_source);
            return -1;
        }
        return 0;
    }
    ap->source_label = xasprintf("source_profile '%s'", source_profile);
    if (!aws_config_has_profile(ctx->config, source_profile)) {
        cred_pending_fail(&ap->get, "profile '%s' has source_profile = %s, but there is no profile "
                                    "'%s' in %s or %s; fix source_profile",
                          ap->profile, source_profile, source_profile,
                          ctx->config_path ? ctx->config_path : "the config file",
                          ctx->credentials_path ? ctx->credentials_path : "the credentials file");
        return -1;
    }
    if (s_visited(ap, source_profile)) {
        /* Naming itself is how a profile says "assume this role with my own keys". */
        bool self_with_keys = strcmp(source_profile, ap->profile) == 0 &&
                              s_has_static_keys(ap, source_profile);
        if (!self_with_keys) {
            char *loop = s_loop_text(ap, source_profile);
            cred_pending_fail(&ap->get, "the source_profile settings form a loop (%s), so no "
                                        "profile on it has credentials of its own; end the loop at "
                                        "a profile with keys, SSO or credential_process",
                              loop);
            free(loop);
            return -1;
        }
        ap->source = cred_provider_profile_chain_new(ctx, source_profile);
        return 0;
    }
    if (s_has_static_keys(ap, source_profile) || !s_uses_assume_role(ap, source_profile)) {
        ap->source = cred_provider_profile_chain_new(ctx, source_profile);
        return 0;
    }
    const char **visited = xcalloc(ap->nvisited + 1, sizeof(*visited));
    for (size_t i = 0; i < ap->nvisited; i++)
        visited[i] = ap->visited[i];
    visited[ap->nvisited] = source_profile;
    ap->source = cred_provider_assume_role_new(ctx, source_profile, visited, ap->nvisited + 1);
    free(visited);
    return 0;
}

static void s_assume_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct assume_role_provider *ap = (struct assume_role_provider *)p;
    if (!s_uses_assume_role(ap, ap->profile)) {
        done(ud, NULL, NULL);
        return;
    }
    if (!cred_pending_begin(&ap->get, done, ud, "an assume-role lookup"))
        return;
    ap->role_arn = xstrdup(s_get(ap, ap->profile, "role_arn"));
    const char *mfa = s_get(ap, ap->profile, "mfa_serial");
    if (mfa) {
        cred_pending_fail(&ap->get, "profile '%s' needs an MFA code (mfa_serial), which this tool "
                                    "cannot ask for; get temporary credentials first, for example "
                                    "with eval \"$(aws configure export-credentials --profile %s "
                                    "--format env)\" (it asks for the code), then run this tool "
                                    "without --profile and with AWS_PROFILE unset",
                          ap->profile, ap->profile);
        return;
    }
    const char *duration = s_get(ap, ap->profile, "duration_seconds");
    if (duration) {
        char *end = NULL;
        long seconds = strtol(duration, &end, 10);
        if (*end || seconds < ROLE_MIN_DURATION || seconds > ROLE_MAX_DURATION) {
            cred_pending_fail(&ap->get, "profile '%s' has duration_seconds = %s; it must be a "
                                        "whole number of seconds from %d to %d",
                              ap->profile, duration, ROLE_MIN_DURATION, ROLE_MAX_DURATION);
            return;
        }
    }
    if (!ap->ctx->loop || !ap->ctx->http) {
        cred_pending_fail(&ap->get, "internal error: assume role needs the event loop and HTTP");
        return;
    }
    if (s_build_source(ap) != 0)
        return;
    /* May answer at once; the provider may be gone after this call. */
    cred_provider_get(ap->source, s_on_source, ap);
}

static void s_assume_destroy(struct cred_provider *p)
{
    struct assume_role_provider *ap = (struct assume_role_provider *)p;
    s_reset(ap);
    for (size_t i = 0; i < ap->nvisited; i++)
        free(ap->visited[i]);
    free(ap->visited);
    free(ap->profile);
    free(ap);
}

static const struct cred_provider_vtable s_assume_vt = {s_assume_get, s_assume_destroy};

struct cred_provider *cred_provider_assume_role_new(const struct cred_ctx *ctx, const char *profile,
                                                    const char *const *visited, size_t nvisited)
{
    struct assume_role_provider *ap = xcalloc(1, sizeof(*ap));
    ap->base.vt = &s_assume_vt;
    ap->get = (struct cred_pending){.release = s_reset, .provider = ap};
    ap->ctx = ctx;
    ap->profile = xstrdup(profile);
    bool includes_self = false;
    for (size_t i = 0; i < nvisited; i++)
        includes_self = includes_self || strcmp(visited[i], profile) == 0;
    ap->nvisited = nvisited + (includes_self ? 0 : 1);
    ap->visited = xcalloc(ap->nvisited, sizeof(*ap->visited));
    for (size_t i = 0; i < nvisited; i++)
        ap->visited[i] = xstrdup(visited[i]);
    if (!includes_self)
        ap->visited[nvisited] = xstrdup(profile);
    return &ap->base;
}
