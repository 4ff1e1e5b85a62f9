#include "cred_answer.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_env_vars[] = {
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME", "AWS_EC2_METADATA_V1_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO", "AWS_MAX_ATTEMPTS",
};

void cred_answer_record(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct cred_answer *a = ud;
    a->done = true;
    a->calls++;
    aws_credentials_free(&a->creds);
    free(a->error);
    a->error = NULL;
    a->have = creds != NULL;
    if (creds)
        aws_credentials_copy(&a->creds, creds);
    if (error)
        a->error = xstrdup(error);
}

void cred_answer_free(struct cred_answer *a)
{
    aws_credentials_free(&a->creds);
    free(a->error);
    memset(a, 0, sizeof(*a));
}

void cred_test_clean_env(void)
{
    for (size_t i = 0; i < sizeof(s_env_vars) / sizeof(s_env_vars[0]); i++)
        unsetenv(s_env_vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}
