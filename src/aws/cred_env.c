/* Credentials from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a session
 * token from AWS_SECURITY_TOKEN (legacy, checked first as botocore does) or
 * AWS_SESSION_TOKEN, and an optional AWS_CREDENTIAL_EXPIRATION. */
#include "aws/cred_providers.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *s_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void s_env_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    (void)p;
    const char *akid = s_env("AWS_ACCESS_KEY_ID");
    if (!akid) {
        done(ud, NULL, NULL);
        return;
    }
    const char *secret = s_env("AWS_SECRET_ACCESS_KEY");
    if (!secret) {
        done(ud, NULL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, "
                       "or unset AWS_ACCESS_KEY_ID to use a profile");
        return;
    }
    const char *token = s_env("AWS_SECURITY_TOKEN");
    if (!token)
        token = s_env("AWS_SESSION_TOKEN");
    struct aws_credentials c;
    memset(&c, 0, sizeof(c));
    const char *expiry = s_env("AWS_CREDENTIAL_EXPIRATION");
    if (expiry && cred_parse_time(expiry, &c.expiration) != 0) {
        done(ud, NULL, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time such as "
                       "2025-01-01T00:00:00Z: fix or unset it");
        return;
    }
    c.access_key_id = xstrdup(akid);
    c.secret_access_key = xstrdup(secret);
    c.session_token = token ? xstrdup(token) : NULL;
    c.source = xstrdup("environment");
    done(ud, &c, NULL);
    aws_credentials_free(&c);
}

static void s_env_destroy(struct cred_provider *p)
{
    free(p);
}

static const struct cred_provider_vtable s_env_vt = {s_env_get, s_env_destroy};

struct cred_provider *cred_provider_env_new(void)
{
    struct cred_provider *p = xcalloc(1, sizeof(*p));
    p->vt = &s_env_vt;
    return p;
}
