/* IAM Identity Center (SSO): a profile with sso_session (and a [sso-session NAME]
 * section) or the legacy sso_start_url / sso_region, plus sso_account_id and
 * sso_role_name. `aws sso login` leaves an access token in
 * ~/.aws/sso/cache/<sha1 hex of the session name, or of the start URL>.json; that token
 * buys role credentials from the portal's GetRoleCredentials, a call authorised by the
 * token itself rather than SigV4. The cache is read again at every refresh, so a new
 * login is picked up without restarting. Refreshing the token itself (SSO-OIDC) is left
 * to `aws sso login`. */
#include "aws/cred_providers.h"

#include "aws/client.h"
#include "aws/config_file.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SSO_MAX_CACHE_FILE (256u * 1024u)

struct sso_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
    struct cred_pending get;    /* the get() in flight */
    char *account_id;
    char *role_name;
    struct cred_call *call;
};

static void s_reset(void *provider)
{
    struct sso_provider *sp = provider;
    cred_call_cancel(sp->call);
    sp->call = NULL;
    free(sp->account_id);
    free(sp->role_name);
    sp->account_id = sp->role_name = NULL;
}

static const char *s_get(const struct sso_provider *sp, const char *key)
{
    const char *v = aws_config_get(sp->ctx->config, sp->profile, key);
    return v && *v ? v : NULL;
}

/* ~/.aws/sso/cache/<sha1 hex of key>.json, where the AWS CLI keeps the token. */
static char *s_cache_path(const char *key)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(key, strlen(key), digest, &len, EVP_sha1(), NULL) != 1 || len != 20)
        return NULL;
    char hex[41];
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return xasprintf("%s/.aws/sso/cache/%s.json", aws_home_directory(), hex);
}

/* ---- the portal ------------------------------------------------------------------------ */

static void s_on_portal(void *ud, struct aws_response *resp)
{
    struct sso_provider *sp = ud;
    sp->call = NULL;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = cred_describe_failure(resp);
        const char *code = resp->err.code ? resp->err.code : "";
        if (strcmp(code, "UnauthorizedException") == 0 || resp->err.http_status == 401)
            cred_pending_fail(&sp->get, "the SSO session of profile '%s' is no longer valid (%s): "
                                        "run `aws sso login --profile %s`",
                              sp->profile, why, sp->profile);
        else if (strcmp(code, "ForbiddenException") == 0 ||
                 strcmp(code, "ResourceNotFoundException") == 0)
            cred_pending_fail(&sp->get, "the SSO user of profile '%s' cannot use role %s in "
                                        "account %s (%s): check sso_account_id and sso_role_name, "
                                        "or ask for access to that permission set",
                              sp->profile, sp->role_name, sp->account_id, why);
        else
            cred_pending_fail(&sp->get, "could not get SSO role credentials for profile '%s' "
                                        "(account %s, role %s): %s",
                              sp->profile, sp->account_id, sp->role_name, why);
        free(why);
        return;
    }
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(resp->json, "roleCredentials");
    struct aws_credentials c;
    const char *missing = "roleCredentials";
    if (!cJSON_IsObject(rc) ||
        cred_from_json(rc, "accessKeyId", "secretAccessKey", "sessionToken", NULL, &c, &missing) != 0) {
        cred_pending_fail(&sp->get, "the SSO portal answered without a usable %s for profile '%s'; "
                                    "try again after `aws sso login --profile %s`",
                          missing, sp->profile, sp->profile);
        return;
    }
    /* Milliseconds since the epoch. */
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
    if (cJSON_IsNumber(exp) && isfinite(exp->valuedouble) && exp->valuedouble > 0 &&
        exp->valuedouble < 1e15)
        c.expiration = (time_t)(exp->valuedouble / 1000.0);
    c.source = xasprintf("profile %s (SSO, account %s, role %s)", sp->profile, sp->account_id,
                         sp->role_name);
    cred_pending_answer(&sp->get, &c, NULL);
    aws_credentials_free(&c);
}

/* ---- the settings and the cached token ------------------------------------------------ */

/* Reads the token left by `aws sso login`; answers with an error and returns NULL when
 * it is missing, unreadable or expired. */
static char *s_load_token(struct sso_provider *sp, const char *cache_key)
{
    char *path = s_cache_path(cache_key);
    if (!path) {
        cred_pending_fail(&sp->get, "internal error: SHA-1 is not available to find the SSO token "
                                    "cache");
        return NULL;
    }
    char *shown = sanitize_for_terminal(path, strlen(path), 400);
    buf_t text = BUF_INIT;
    char *error = NULL;
    char *token = NULL;
    if (access(path, F_OK) != 0) {
        cred_pending_fail(&sp->get, "profile '%s' uses SSO but there is no SSO login for it (no "
                                    "%s): run `aws sso login --profile %s`",
                          sp->profile, shown, sp->profile);
        goto done;
    }
    if (cred_read_secret_file(path, "the SSO token cache", SSO_MAX_CACHE_FILE, &text, &error) != 0) {
        char *safe = sanitize_for_terminal(error, strlen(error), 500);
        cred_pending_fail(&sp->get, "%s: run `aws sso login --profile %s`", safe, sp->profile);
        free(safe);
        goto done;
    }
    cJSON *doc = cJSON_ParseWithLength(buf_cstr(&text), text.len);
    const cJSON *access_token = cJSON_GetObjectItemCaseSensitive(doc, "accessToken");
    const cJSON *expires = cJSON_GetObjectItemCaseSensitive(doc, "expiresAt");
    time_t expires_at = 0;
    if (!cJSON_IsString(access_token) || !access_token->valuestring || !*access_token->valuestring ||
        !cJSON_IsString(expires) || cred_parse_time(expires->valuestring, &expires_at) != 0) {
        cred_json_wipe_free(doc);
        cred_pending_fail(&sp->get, "the SSO token cache %s is not what `aws sso login` writes (it "
                                    "needs accessToken and expiresAt): run `aws sso login "
                                    "--profile %s`",
                          shown, sp->profile);
        goto done;
    }
    if (expires_at <= cred_ctx_now(sp->ctx)) {
        cred_json_wipe_free(doc);
        cred_pending_fail(&sp->get, "the SSO login for profile '%s' has expired: run `aws sso "
                                    "login --profile %s`",
                          sp->profile, sp->profile);
        goto done;
    }
    token = xstrdup(access_token->valuestring);
    cred_json_wipe_free(doc);
done:
    cred_buf_wipe(&text);
    free(error);
    free(shown);
    free(path);
    return token;
}

static void s_sso_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct sso_provider *sp = (struct sso_provider *)p;
    const char *session = s_get(sp, "sso_session");
    const char *start_url = s_get(sp, "sso_start_url");
    const char *region = s_get(sp, "sso_region");
    const char *account = s_get(sp, "sso_account_id");
    const char *role = s_get(sp, "sso_role_name");
    if (!session && !start_url && !region && !account && !role) {
        done(ud, NULL, NULL);
        return;
    }
    if (!cred_pending_begin(&sp->get, done, ud, "an SSO lookup"))
        return;
    const struct cred_ctx *ctx = sp->ctx;
    const char *config_path = ctx->config_path ? ctx->config_path : "the config file";
    if (session) {
        const char *s_url = aws_config_sso_session(ctx->config, session, "sso_start_url");
        const char *s_region = aws_config_sso_session(ctx->config, session, "sso_region");
        if (!s_url && !s_region) {
            cred_pending_fail(&sp->get, "profile '%s' has sso_session = %s, but %s has no "
                                        "[sso-session %s] section with sso_start_url and "
                                        "sso_region: run `aws configure sso --profile %s`",
                              sp->profile, session, config_path, session, sp->profile);
            return;
        }
        /* The profile may repeat them, but not contradict the session (as botocore). */
        if ((start_url && s_url && strcmp(start_url, s_url) != 0) ||
            (region && s_region && strcmp(region, s_region) != 0)) {
            cred_pending_fail(&sp->get, "profile '%s' sets sso_start_url or sso_region differently "
                                        "from its [sso-session %s]; remove them from the profile",
                              sp->profile, session);
            return;
        }
        start_url = s_url;
        region = s_region;
    }
    const char *missing[4];
    size_t nmissing = 0;
    if (!start_url)
        missing[nmissing++] = "sso_start_url";
    if (!region)
        missing[nmissing++] = "sso_region";
    if (!account)
        missing[nmissing++] = "sso_account_id";
    if (!role)
        missing[nmissing++] = "sso_role_name";
    if (nmissing) {
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < nmissing; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", missing[i]);
        cred_pending_fail(&sp->get, "profile '%s' uses SSO but lacks %s in %s: run `aws configure "
                                    "sso --profile %s`",
                          sp->profile, buf_cstr(&b), config_path, sp->profile);
        buf_free(&b);
        return;
    }
    sp->account_id = xstrdup(account);
    sp->role_name = xstrdup(role);
    char *token = s_load_token(sp, session ? session : start_url);
    if (!token)
        return;
    if (!ctx->loop || !ctx->http) {
        free_secret(token);
        cred_pending_fail(&sp->get, "internal error: SSO needs the event loop and HTTP");
        return;
    }
    struct http_kv query[] = {{"role_name", sp->role_name}, {"account_id", sp->account_id}};
    struct http_kv headers[] = {{"x-amz-sso_bearer_token", token}};
    struct cred_call_spec spec = {
        .svc = &AWS_SVC_SSO,
        .region = region,
        .profile = sp->profile,
        .operation = "GetRoleCredentials",
        .path = "/federation/credentials",
        .query = query,
        .nquery = 2,
        .headers = headers,
        .nheaders = 1,
    };
    sp->call = cred_call_start(ctx, &spec, s_on_portal, sp);
    free_secret(token);
}

static void s_sso_destroy(struct cred_provider *p)
{
    struct sso_provider *sp = (struct sso_provider *)p;
    s_reset(sp);
    free(sp->profile);
    free(sp);
}

static const struct cred_provider_vtable s_sso_vt = {s_sso_get, s_sso_destroy};

struct cred_provider *cred_provider_sso_new(const struct cred_ctx *ctx, const char *profile)
{
    struct sso_provider *sp = xcalloc(1, sizeof(*sp));
    sp->base.vt = &s_sso_vt;
    sp->get = (struct cred_pending){.release = s_reset, .provider = sp};
    sp->ctx = ctx;
    sp->profile = xstrdup(profile);
    return &sp->base;
}
