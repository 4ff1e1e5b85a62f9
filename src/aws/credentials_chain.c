/* The AWS CLI's credential chain: environment, then what the profile says (assume role,
 * web identity, SSO, static keys, credential_process), then the container endpoint and
 * instance metadata. The first source that has credentials wins; a source that is
 * configured but broken stops the search with its own error (as in the CLI), and when
 * nothing has credentials the error lists what was tried and what to do.
 *
 * The files are read again at every resolution, so `aws sso login` or an edited
 * profile takes effect at the next refresh without restarting. */
#include "aws/credentials.h"

#include "aws/config_file.h"
#include "aws/cred_providers.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- an ordered list of providers ------------------------------------------------- */

struct list_provider {
    struct cred_provider base;
    struct cred_provider **providers;
    char **names;
    size_t n;
    bool none_is_error;
    char *error_prefix;
    char *hint;
    /* the get() in flight: providers are asked one at a time */
    bool busy;
    size_t next;
    cred_done_fn done;
    void *ud;
};

static char *s_tried_list(const struct list_provider *lp)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "");
    for (size_t i = 0; i < lp->n; i++) {
        /* Providers reading the same profile share one name; say it once. */
        if (!lp->names[i] || (i > 0 && lp->names[i - 1] && strcmp(lp->names[i - 1], lp->names[i]) == 0))
            continue;
        if (b.len)
            buf_puts(&b, ", ");
        buf_puts(&b, lp->names[i]);
    }
    return buf_detach(&b);
}

static void s_list_step(struct list_provider *lp);

static void s_list_answer(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct list_provider *lp = ud;
    if (creds || error) {
        lp->busy = false;
        lp->done(lp->ud, creds, error);
        return;
    }
    s_list_step(lp);
}

static void s_list_step(struct list_provider *lp)
{
    if (lp->next < lp->n) {
        struct cred_provider *p = lp->providers[lp->next++];
        cred_provider_get(p, s_list_answer, lp);
        return;
    }
    lp->busy = false;
    cred_done_fn done = lp->done;
    void *ud = lp->ud;
    if (!lp->none_is_error) {
        done(ud, NULL, NULL);
        return;
    }
    char *tried = s_tried_list(lp);
    char *msg = xasprintf("%s: tried %s; %s", lp->error_prefix, tried, lp->hint);
    free(tried);
    done(ud, NULL, msg);
    free(msg);
}

static void s_list_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct list_provider *lp = (struct list_provider *)p;
    if (lp->busy) {
        /* The cache in front of every chain lets one get() through at a time. */
        done(ud, NULL, "internal error: a credential lookup is already in progress");
        return;
    }
    lp->busy = true;
    lp->next = 0;
    lp->done = done;
    lp->ud = ud;
    s_list_step(lp);
}

static void s_list_destroy(struct cred_provider *p)
{
    struct list_provider *lp = (struct list_provider *)p;
    for (size_t i = 0; i < lp->n; i++) {
        cred_provider_free(lp->providers[i]);
        free(lp->names[i]);
    }
    free(lp->providers);
    free(lp->names);
    free(lp->error_prefix);
    free(lp->hint);
    free(lp);
}

static const struct cred_provider_vtable s_list_vt = {s_list_get, s_list_destroy};

struct cred_provider *cred_provider_list_new(struct cred_chain_spec *spec)
{
    struct list_provider *lp = xcalloc(1, sizeof(*lp));
    lp->base.vt = &s_list_vt;
    lp->n = spec->n;
    lp->providers = xcalloc(spec->n + 1, sizeof(*lp->providers));
    lp->names = xcalloc(spec->n + 1, sizeof(*lp->names));
    for (size_t i = 0; i < spec->n; i++) {
        lp->providers[i] = spec->providers[i];
        lp->names[i] = spec->names ? spec->names[i] : NULL;
    }
    lp->none_is_error = spec->none_is_error;
    lp->error_prefix = xstrdup(spec->error_prefix ? spec->error_prefix : "no AWS credentials found");
    lp->hint = xstrdup(spec->hint ? spec->hint : "");
    return &lp->base;
}

/* Collects providers and their names before handing them to a list. */
struct list_builder {
    struct cred_provider *providers[16];
    char *names[16];
    size_t n;
};

static void s_add(struct list_builder *b, struct cred_provider *p, const char *name)
{
    if (b->n < sizeof(b->providers) / sizeof(b->providers[0])) {
        b->providers[b->n] = p;
        b->names[b->n] = name ? xstrdup(name) : NULL;
        b->n++;
    } else {
        cred_provider_free(p);
    }
}

static char *s_profile_label(const struct cred_ctx *ctx, const char *profile)
{
    return xasprintf("profile '%s' in %s and %s", profile,
                     ctx->config_path ? ctx->config_path : "the config file",
                     ctx->credentials_path ? ctx->credentials_path : "the credentials file");
}

/* The providers that read one profile, in botocore's order (ProfileProviderBuilder):
 * web identity, SSO, credentials-file keys, credential_process, config-file keys. */
static void s_add_profile_providers(struct list_builder *b, const struct cred_ctx *ctx,
                                    const char *profile, bool use_env)
{
    char *label = s_profile_label(ctx, profile);
    s_add(b, cred_provider_web_identity_new(ctx, profile, use_env), label);
    s_add(b, cred_provider_sso_new(ctx, profile), label);
    s_add(b, cred_provider_profile_keys_new(ctx, profile, AWS_CONFIG_FILE_CREDENTIALS), label);
    s_add(b, cred_provider_process_new(ctx, profile), label);
    s_add(b, cred_provider_profile_keys_new(ctx, profile, AWS_CONFIG_FILE_CONFIG), label);
    free(label);
}

struct cred_provider *cred_provider_profile_chain_new(const struct cred_ctx *ctx, const char *profile)
{
    struct list_builder b = {.n = 0};
    s_add_profile_providers(&b, ctx, profile, false);
    char *prefix = xasprintf("source profile '%s' has no credentials", profile);
    struct cred_chain_spec spec = {
        .providers = b.providers,
        .names = b.names,
        .n = b.n,
        .none_is_error = true,
        .error_prefix = prefix,
        .hint = "give it aws_access_key_id / aws_secret_access_key, credential_process or SSO settings",
    };
    struct cred_provider *p = cred_provider_list_new(&spec);
    free(prefix);
    return p;
}

/* ---- the profile must exist ------------------------------------------------------- */

/* Placed after the environment: a misspelt --profile or AWS_PROFILE is reported as such,
 * not as "no credentials". "default" may be absent (then only the later sources count). */
struct profile_guard {
    struct cred_provider base;
    const struct cred_ctx *ctx;
    char *profile;
};

static void s_guard_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct profile_guard *g = (struct profile_guard *)p;
    if (strcmp(g->profile, "default") == 0 || aws_config_has_profile(g->ctx->config, g->profile)) {
        done(ud, NULL, NULL);
        return;
    }
    size_t n = 0;
    const char *const *names = aws_config_profiles(g->ctx->config, &n);
    buf_t b = BUF_INIT;
    buf_printf(&b, "profile '%s' was not found in %s or %s; ", g->profile,
               g->ctx->config_path ? g->ctx->config_path : "the config file",
               g->ctx->credentials_path ? g->ctx->credentials_path : "the credentials file");
    if (n == 0) {
        buf_puts(&b, "those files define no profiles: run `aws configure --profile NAME` or "
                     "`aws configure sso`");
    } else {
        buf_puts(&b, "profiles there: ");
        for (size_t i = 0; i < n && i < 20; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
        if (n > 20)
            buf_printf(&b, " (and %zu more)", n - 20);
        buf_puts(&b, "; check --profile / AWS_PROFILE");
    }
    char *msg = buf_detach(&b);
    done(ud, NULL, msg);
    free(msg);
}

static void s_guard_destroy(struct cred_provider *p)
{
    struct profile_guard *g = (struct profile_guard *)p;
    free(g->profile);
    free(g);
}

static const struct cred_provider_vtable s_guard_vt = {s_guard_get, s_guard_destroy};

static struct cred_provider *s_guard_new(const struct cred_ctx *ctx, const char *profile)
{
    struct profile_guard *g = xcalloc(1, sizeof(*g));
    g->base.vt = &s_guard_vt;
    g->ctx = ctx;
    g->profile = xstrdup(profile);
    return &g->base;
}

/* ---- the default chain ------------------------------------------------------------ */

/* One resolution: the files as read now, and the providers built from them. */
struct resolution {
    struct default_chain *owner;  /* NULL once answered */
    struct aws_config *config;
    char *config_path;
    char *credentials_path;
    char *profile;
    struct cred_ctx ctx;
    struct cred_provider *list;
    cred_done_fn done;
    void *ud;
};

struct default_chain {
    struct cred_provider base;
    char *explicit_profile;       /* NULL: AWS_PROFILE / default, read at each resolution */
    struct ev_loop *loop;
    struct http_transport *http;
    char *region;
    struct resolution *current;
};

static void s_resolution_free(struct resolution *r)
{
    cred_provider_free(r->list);
    aws_config_free(r->config);
    free(r->config_path);
    free(r->credentials_path);
    free(r->profile);
    free(r);
}

static bool s_env_true(const char *name)
{
    const char *v = getenv(name);
    return v && strcasecmp(v, "true") == 0;
}

static struct cred_provider *s_build_list(const struct cred_ctx *ctx, const char *profile,
                                          bool explicit_profile)
{
    struct list_builder b = {.n = 0};
    /* An explicit --profile outranks credentials in the environment (AWS_PROFILE does not). */
    if (!explicit_profile)
        s_add(&b, cred_provider_env_new(), "environment");
    char *label = s_profile_label(ctx, profile);
    s_add(&b, s_guard_new(ctx, profile), label);
    const char *visited[] = {profile};
    s_add(&b, cred_provider_assume_role_new(ctx, profile, visited, 1), label);
    free(label);
    s_add_profile_providers(&b, ctx, profile, !explicit_profile);
    s_add(&b, cred_provider_container_new(ctx), "container credentials endpoint");
    s_add(&b, cred_provider_imds_new(ctx),
          s_env_true("AWS_EC2_METADATA_DISABLED")
              ? "instance metadata (off: AWS_EC2_METADATA_DISABLED=true)"
              : "instance metadata");
    struct cred_chain_spec spec = {
        .providers = b.providers,
        .names = b.names,
        .n = b.n,
        .none_is_error = true,
        .error_prefix = "no AWS credentials found",
        .hint = explicit_profile
                    ? "add credentials to that profile (aws configure --profile NAME, or aws "
                      "configure sso), or run aws sso login --profile NAME if it uses SSO"
                    : "set AWS_PROFILE or pass --profile to use a profile that has credentials, "
                      "or run aws configure / aws sso login",
    };
    return cred_provider_list_new(&spec);
}

static void s_resolution_done(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct resolution *r = ud;
    if (r->owner)
        r->owner->current = NULL;
    r->owner = NULL;
    r->done(r->ud, creds, error);
    s_resolution_free(r);
}

static void s_chain_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct default_chain *dc = (struct default_chain *)p;
    if (dc->current) {
        done(ud, NULL, "internal error: a credential lookup is already in progress");
        return;
    }
    struct resolution *r = xcalloc(1, sizeof(*r));
    char *error = NULL;
    r->config = aws_config_load(&error);
    if (!r->config) {
        s_resolution_free(r);
        done(ud, NULL, error);
        free(error);
        return;
    }
    r->config_path = aws_config_file_path(AWS_CONFIG_FILE_CONFIG);
    r->credentials_path = aws_config_file_path(AWS_CONFIG_FILE_CREDENTIALS);
    r->profile = xstrdup(aws_config_profile_name(dc->explicit_profile));
    r->ctx = (struct cred_ctx){
        .loop = dc->loop,
        .http = dc->http,
        .region = dc->region,
        .config = r->config,
        .config_path = r->config_path,
        .credentials_path = r->credentials_path,
        .retry_delay_ms = 1000,
    };
    r->list = s_build_list(&r->ctx, r->profile, dc->explicit_profile != NULL);
    r->owner = dc;
    r->done = done;
    r->ud = ud;
    dc->current = r;
    cred_provider_get(r->list, s_resolution_done, r);
}

static void s_chain_destroy(struct cred_provider *p)
{
    struct default_chain *dc = (struct default_chain *)p;
    if (dc->current) {
        dc->current->owner = NULL;
        s_resolution_free(dc->current);
    }
    free(dc->explicit_profile);
    free(dc->region);
    free(dc);
}

static const struct cred_provider_vtable s_chain_vt = {s_chain_get, s_chain_destroy};

struct cred_provider *cred_provider_default_chain(const struct cred_chain_config *cfg)
{
    struct default_chain *dc = xcalloc(1, sizeof(*dc));
    dc->base.vt = &s_chain_vt;
    dc->explicit_profile = cfg->profile && *cfg->profile ? xstrdup(cfg->profile) : NULL;
    dc->loop = cfg->loop;
    dc->http = cfg->http;
    dc->region = cfg->region ? xstrdup(cfg->region) : NULL;
    return cred_provider_cached_new(&dc->base, NULL);
}
