/* AWS credentials and the provider chain that finds them, in the AWS CLI's order.
 *
 * Owns: where credentials come from (environment, shared files, credential_process,
 * assume-role, SSO cache, container endpoint, IMDSv2), caching and refresh before
 * expiry. Secrets live only in struct aws_credentials and are wiped when freed; the
 * `source` text is what may be shown to a person ("environment", "profile dev", …). */
#ifndef BCM_AWS_CREDENTIALS_H
#define BCM_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

struct aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;      /* NULL when none */
    time_t expiration;        /* 0 when the credentials do not expire */
    char *source;             /* human-readable: "environment", "profile prod (config file)", … */
};

void aws_credentials_free(struct aws_credentials *c);
void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src);

struct ev_loop;
struct http_transport;

/* creds is NULL on failure, with error saying what was tried and what to do. Both are
 * valid only during the callback. */
typedef void (*cred_done_fn)(void *ud, const struct aws_credentials *creds, const char *error);

/* A source of credentials. get() may answer at once (static, environment, files) or
 * later from the event loop (container, IMDS, STS, SSO); it never blocks on the network. */
struct cred_provider {
    const struct cred_provider_vtable *vt;
};

struct cred_provider_vtable {
    void (*get)(struct cred_provider *p, cred_done_fn done, void *ud);
    void (*destroy)(struct cred_provider *p);
};

static inline void cred_provider_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    p->vt->get(p, done, ud);
}

static inline void cred_provider_free(struct cred_provider *p)
{
    if (p)
        p->vt->destroy(p);
}

/* Always answers with a copy of c. */
struct cred_provider *cred_provider_static(const struct aws_credentials *c);

struct cred_chain_config {
    const char *profile;          /* --profile, or NULL to use AWS_PROFILE / "default" */
    struct ev_loop *loop;         /* for the providers that speak HTTP */
    struct http_transport *http;
    const char *region;           /* for STS (assume role) and SSO calls */
};

/* The AWS CLI's chain (see aws/credentials_chain.c), wrapped in a cache that refreshes
 * credentials five minutes before they expire. */
struct cred_provider *cred_provider_default_chain(const struct cred_chain_config *cfg);

#endif
