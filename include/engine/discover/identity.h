/* "Who am I": the account, caller ARN, region and credential source, resolved before
 * anything else so an operator sees which account they are about to spend money in.
 *
 * Owns: one credentials lookup plus STS GetCallerIdentity, asynchronously. */
#ifndef BCM_ENGINE_IDENTITY_H
#define BCM_ENGINE_IDENTITY_H

struct aws_session;
struct cJSON;

struct identity {
    char *account;
    char *arn;
    char *user_id;
    char *credential_source;   /* "environment", "profile dev (credentials file)", … */
    char *region;
    const char *region_source;
    char *profile;
};

/* id is NULL on failure; error then says what went wrong and what to do. */
typedef void (*identity_done_fn)(void *ud, const struct identity *id, const char *error);

void identity_fetch(struct aws_session *s, identity_done_fn done, void *ud);
void identity_free(struct identity *id);
struct cJSON *identity_to_json(const struct identity *id);

#endif
