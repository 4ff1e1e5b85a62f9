/* Private to the credentials layer: the individual credential providers that
 * cred_provider_default_chain strings together, the pieces they share, and the
 * per-file view of the shared config files that some of them need.
 *
 * Owns: the contract between the chain and its providers.
 *
 *  - A provider that finds no configuration for itself (no env vars, no role_arn in the
 *    profile, …) answers done(ud, NULL, NULL): the chain moves on to the next one.
 *  - A provider that is configured but fails answers done(ud, NULL, "why"): the chain
 *    stops there, as the AWS CLI does, rather than silently using other credentials.
 *  - done is a provider's last act: it may destroy the provider, so the provider touches
 *    nothing of itself after calling it (synchronously from get() or later from the loop).
 *  - A provider sees one get() at a time: the cache in front of every chain coalesces
 *    concurrent callers.
 *  - Destroying a provider while a get() is in flight guarantees done is never called
 *    for it; HTTP requests already queued are left to finish and are then discarded. */
#ifndef BCM_AWS_CRED_PROVIDERS_H
#define BCM_AWS_CRED_PROVIDERS_H

#include "aws/credentials.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct aws_config;
struct ev_loop;
struct http_transport;

/* ---- the shared files, one at a time ------------------------------------------------ */

enum aws_config_file_kind {
    AWS_CONFIG_FILE_CONFIG,       /* ~/.aws/config, AWS_CONFIG_FILE */
    AWS_CONFIG_FILE_CREDENTIALS,  /* ~/.aws/credentials, AWS_SHARED_CREDENTIALS_FILE */
};

/* Where that file is looked for (the environment variable with ~ and $VAR expanded,
 * else under the home directory). Caller frees. */
char *aws_config_file_path(enum aws_config_file_kind which);
/* A profile's value from one file only (static keys are looked up per file, as the
 * AWS CLI's providers do). NULL when absent. */
const char *aws_config_get_from(const struct aws_config *cfg, enum aws_config_file_kind which,
                                const char *profile, const char *key);
/* Whether either file has a section for this profile. */
bool aws_config_has_profile(const struct aws_config *cfg, const char *profile);

/* ---- what every provider gets -------------------------------------------------------- */

struct cred_ctx {
    struct ev_loop *loop;           /* for the providers that wait on something */
    struct http_transport *http;
    const char *region;             /* STS region for assume role; may be NULL */
    const struct aws_config *config;
    const char *config_path;        /* for messages */
    const char *credentials_path;
    time_t (*wall_clock)(void);     /* NULL: time() */
    unsigned retry_delay_ms;        /* container endpoint retries: 1000 in the real chain */
    unsigned process_timeout_ms;    /* credential_process: 0 means 60 s */
};

time_t cred_ctx_now(const struct cred_ctx *ctx);

/* ---- providers -------------------------------------------------------------------- */

/* AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (AWS_SECURITY_TOKEN),
 * AWS_CREDENTIAL_EXPIRATION. */
struct cred_provider *cred_provider_env_new(void);
/* aws_access_key_id / aws_secret_access_key / aws_session_token from one file. */
struct cred_provider *cred_provider_profile_keys_new(const struct cred_ctx *ctx, const char *profile,
                                                     enum aws_config_file_kind which);
/* credential_process: run through /bin/sh -c, output read from the loop. */
struct cred_provider *cred_provider_process_new(const struct cred_ctx *ctx, const char *profile);
/* role_arn with source_profile or credential_source: STS AssumeRole. visited lists the
 * profiles already on the way here (for cycle detection); it is copied. */
struct cred_provider *cred_provider_assume_role_new(const struct cred_ctx *ctx, const char *profile,
                                                    const char *const *visited, size_t nvisited);
/* web_identity_token_file (profile) or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (when
 * use_env): STS AssumeRoleWithWebIdentity. */
struct cred_provider *cred_provider_web_identity_new(const struct cred_ctx *ctx, const char *profile,
                                                     bool use_env);
/* sso_session / legacy sso_start_url: cached token, then the portal's GetRoleCredentials. */
struct cred_provider *cred_provider_sso_new(const struct cred_ctx *ctx, const char *profile);
/* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI. */
struct cred_provider *cred_provider_container_new(const struct cred_ctx *ctx);
/* IMDSv2 (falls back to IMDSv1 where the token call is refused, unless
 * AWS_EC2_METADATA_V1_DISABLED=true). Never an error: anything wrong means "not here". */
struct cred_provider *cred_provider_imds_new(const struct cred_ctx *ctx);

/* Tries providers in order (it takes ownership of them); names[i] says what providers[i]
 * is for the "tried …" list in the error when none has credentials. When none has,
 * answers (NULL, NULL) if none_is_error is false, else an error built from prefix,
 * the tried list and hint. */
struct cred_chain_spec {
    struct cred_provider **providers;
    char **names;                  /* taken over */
    size_t n;
    bool none_is_error;
    const char *error_prefix;      /* "no AWS credentials found" */
    const char *hint;              /* "set AWS_PROFILE or …" */
};
struct cred_provider *cred_provider_list_new(struct cred_chain_spec *spec);

/* The providers that read one profile (web identity, SSO, credentials file, process,
 * config file), without the environment: what a source_profile resolves through. */
struct cred_provider *cred_provider_profile_chain_new(const struct cred_ctx *ctx, const char *profile);

/* Returns the inner provider's credentials until five minutes before they expire, then
 * asks again; concurrent get() calls during a refresh share it. Takes ownership of
 * inner. now: NULL for time(). */
struct cred_provider *cred_provider_cached_new(struct cred_provider *inner, time_t (*now)(void));

/* ---- shared helpers --------------------------------------------------------------- */

/* ISO 8601 / RFC 3339 UTC-or-offset timestamp ("2025-01-01T00:00:00Z",
 * "2025-01-01T00:00:00.123+09:00", "2025-01-01T00:00:00UTC"). 0 on success. */
int cred_parse_time(const char *text, time_t *out);

/* Reads the four credential fields from a JSON object under the given member names
 * (expiration_name may be NULL). The secret fields must be non-empty strings. Returns
 * 0, or -1 with *missing set to the first absent field's name. */
int cred_from_json(const cJSON *obj, const char *akid_name, const char *secret_name,
                   const char *token_name, const char *expiration_name,
                   struct aws_credentials *out, const char **missing);

/* Zeroes every string in a parsed document (it held secrets), then deletes it. */
void cred_json_wipe_free(cJSON *doc);

/* Zeroes a buffer's storage (it held a secret) and frees it. */
struct buf;
void cred_buf_wipe(struct buf *b);

#endif
