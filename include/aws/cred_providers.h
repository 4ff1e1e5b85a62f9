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

/* The home directory ~/.aws lives under: $HOME, else the password database's entry, else
 * "". */
const char *aws_home_directory(void);
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
/* Zeroes every string in a parsed document that someone else will delete. */
void cred_json_wipe(cJSON *doc);

/* Zeroes a buffer's storage (it held a secret) and frees it. */
struct buf;
void cred_buf_wipe(struct buf *b);

/* Reads a small file that holds a secret (a token) into out (initialised by the caller,
 * wiped with cred_buf_wipe after use). Returns 0, or -1 with *error (caller frees) that
 * names the file and what is wrong with it. what: "web_identity_token_file", … */
int cred_read_secret_file(const char *path, const char *what, size_t max, struct buf *out,
                          char **error);

/* ---- the get() a provider is answering (aws/cred_pending.c) ----------------------- */

/* One get() in flight at a time: whom to answer, and how the provider lets go of what
 * that get() held. Letting go comes before answering because done may destroy the
 * provider. release and provider are set once, when the provider is made. */
struct cred_pending {
    bool busy;
    cred_done_fn done;
    void *ud;
    void (*release)(void *provider);
    void *provider;
};

/* Takes the get() on and returns true; when one is already in flight, answers this
 * caller with an internal error naming what ("an SSO lookup") and returns false. */
bool cred_pending_begin(struct cred_pending *p, cred_done_fn done, void *ud, const char *what);
/* Releases the get()'s state, then answers. Nothing of the provider may be touched after. */
void cred_pending_answer(struct cred_pending *p, const struct aws_credentials *creds,
                         const char *error);
/* cred_pending_answer with an error built from fmt. */
void cred_pending_fail(struct cred_pending *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- calls made for a provider (aws/cred_call.c) ----------------------------------- */

struct aws_response;
struct aws_service;
struct http_kv;
struct http_request;
struct http_response;
struct http_options;

/* An AWS call on a provider's behalf (STS AssumeRole, the SSO portal). It goes through a
 * client of its own whose endpoint (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * profile's endpoint_url) is fixed when the call starts, so the call never reads the
 * config files after the resolution that started it is gone. */
struct cred_call_spec {
    const struct aws_service *svc;
    const char *region;                     /* signing region and endpoint; NULL: us-east-1 */
    const char *profile;                    /* whose endpoint_url / max_attempts apply */
    const struct aws_credentials *signer;   /* NULL: unsigned */
    const char *operation;
    const struct http_kv *params;           /* query protocol: the action's parameters */
    size_t nparams;
    const char *path;                       /* REST (GET): decoded path, query and headers */
    const struct http_kv *query;
    size_t nquery;
    const struct http_kv *headers;
    size_t nheaders;
};

/* The response is valid during the callback only; the body and the parsed document
 * are wiped after it (they carried credentials). */
typedef void (*cred_call_fn)(void *ud, struct aws_response *resp);

struct cred_call;
/* Starts the call from the loop (never answers before returning). */
struct cred_call *cred_call_start(const struct cred_ctx *ctx, const struct cred_call_spec *spec,
                                  cred_call_fn fn, void *ud);
/* fn will not be called; a request already sent finishes and is discarded. */
void cred_call_cancel(struct cred_call *call);

/* A plain HTTP request on a provider's behalf (container endpoint, IMDS), through
 * ctx->http. fn is called from the loop; the body is wiped after it. Returns NULL when
 * the request could not be queued. */
typedef void (*cred_http_fn)(void *ud, struct http_response *resp);
struct cred_http;
struct cred_http *cred_http_send(const struct cred_ctx *ctx, const struct http_request *req,
                                 const struct http_options *opts, cred_http_fn fn, void *ud);
void cred_http_cancel(struct cred_http *h);

/* Overwrites the request's header values (tokens) and frees it. */
void cred_request_wipe_free(struct http_request *req);

/* What a failed call says, for an error message (sanitised, one line). Caller frees. */
char *cred_describe_failure(const struct aws_response *resp);

/* The Credentials element of an STS reply (AssumeRole, AssumeRoleWithWebIdentity):
 * AccessKeyId, SecretAccessKey, SessionToken and Expiration, all required. Returns 0, or
 * -1 with *missing naming the first absent or unreadable field. */
int cred_from_sts_reply(const struct aws_response *resp, struct aws_credentials *out,
                        const char **missing);

/* A RoleSessionName for STS when the profile gives none: "bedrock-chat-migrate-<epoch>".
 * Caller frees. */
char *cred_default_session_name(const struct cred_ctx *ctx);

#endif
