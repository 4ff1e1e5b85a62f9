/* libFuzzer target: the AWS shared config and credentials file parser takes any text (a
 * hand-edited, truncated or hostile ~/.aws/config) and either gives a configuration every
 * lookup works on, or an error that says why; never a crash, a leak or a NULL without an
 * error.
 *
 * Input: the config file's text, then "\n@@\n", then the credentials file's text (both
 * optional). */
#include "aws/config_file.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SEPARATOR "\n@@\n"

static void s_lookups(const struct aws_config *cfg)
{
    size_t n = 0;
    const char *const *profiles = aws_config_profiles(cfg, &n);
    static const char *const keys[] = {"region", "aws_access_key_id", "aws_secret_access_key",
                                       "aws_session_token", "role_arn", "source_profile",
                                       "credential_source", "credential_process", "sso_session",
                                       "sso_start_url", "endpoint_url", "max_attempts", "services",
                                       "web_identity_token_file"};
    for (size_t i = 0; i < n && i < 32; i++) {
        if (!profiles[i])
            abort();
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            (void)aws_config_get(cfg, profiles[i], keys[k]);
        (void)aws_config_sso_session(cfg, profiles[i], "sso_region");
        const char *source = NULL;
        free(aws_resolve_region(cfg, NULL, profiles[i], &source));
    }
    (void)aws_config_get(cfg, "default", "region");
    (void)aws_config_get(cfg, "", "");
    (void)aws_config_sso_session(cfg, "my-sso", "sso_start_url");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *cut = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
    size_t config_len = cut ? (size_t)(cut - text) : size;
    char *config = xstrndup(text, config_len);
    char *credentials = cut ? xstrndup(cut + strlen(SEPARATOR), size - config_len - strlen(SEPARATOR))
                            : NULL;
    char *error = NULL;
    struct aws_config *cfg = aws_config_parse(config, credentials, &error);
    if (cfg) {
        if (error)
            abort(); /* a parsed configuration carries no error */
        s_lookups(cfg);
        aws_config_free(cfg);
    } else {
        if (!error)
            abort(); /* a refusal always says why */
        free(error);
    }
    free(config);
    free(credentials);
    return 0;
}
