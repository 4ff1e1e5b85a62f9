/* Static keys from one of the shared files: aws_access_key_id, aws_secret_access_key and
 * aws_session_token (or the legacy aws_security_token) in the profile's section. The
 * chain asks the credentials file first, the config file last (botocore's order). */
#include "aws/cred_providers.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct keys_provider {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
    enum aws_config_file_kind which;
};

static void s_keys_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct keys_provider *kp = (struct keys_provider *)p;
    const struct aws_config *cfg = kp->ctx->config;
    const char *akid = aws_config_get_from(cfg, kp->which, kp->profile, "aws_access_key_id");
    if (!akid) {
        done(ud, NULL, NULL);
        return;
    }
    const char *file_name = kp->which == AWS_CONFIG_FILE_CONFIG ? "config file" : "credentials file";
    const char *path = kp->which == AWS_CONFIG_FILE_CONFIG ? kp->ctx->config_path
                                                           : kp->ctx->credentials_path;
    const char *secret = aws_config_get_from(cfg, kp->which, kp->profile, "aws_secret_access_key");
    if (!*akid || !secret || !*secret) {
        char *msg = xasprintf("profile '%s' in %s has %s but no %s: add it (aws configure "
                              "--profile %s) or remove the other",
                              kp->profile, path ? path : file_name,
                              *akid ? "aws_access_key_id" : "aws_secret_access_key",
                              *akid ? "aws_secret_access_key" : "aws_access_key_id", kp->profile);
        done(ud, NULL, msg);
        free(msg);
        return;
    }
    const char *token = aws_config_get_from(cfg, kp->which, kp->profile, "aws_session_token");
    if (!token || !*token)
        token = aws_config_get_from(cfg, kp->which, kp->profile, "aws_security_token");
    struct aws_credentials c = {
        .access_key_id = xstrdup(akid),
        .secret_access_key = xstrdup(secret),
        .session_token = token && *token ? xstrdup(token) : NULL,
        .expiration = 0,
        .source = xasprintf("profile %s (%s)", kp->profile, file_name),
    };
    done(ud, &c, NULL);
    aws_credentials_free(&c);
}

static void s_keys_destroy(struct cred_provider *p)
{
    struct keys_provider *kp = (struct keys_provider *)p;
    free(kp->profile);
    free(kp);
}

static const struct cred_provider_vtable s_keys_vt = {s_keys_get, s_keys_destroy};

struct cred_provider *cred_provider_profile_keys_new(const struct cred_ctx *ctx, const char *profile,
                                                     enum aws_config_file_kind which)
{
    struct keys_provider *kp = xcalloc(1, sizeof(*kp));
    kp->base.vt = &s_keys_vt;
    kp->ctx = ctx;
    kp->profile = xstrdup(profile);
    kp->which = which;
    return &kp->base;
}
