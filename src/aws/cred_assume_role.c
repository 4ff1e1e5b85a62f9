/* Assume role (stub while the real one is written). */
#include "aws/cred_providers.h"

#include "util/mem.h"

#include <stdlib.h>

static void s_none_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    (void)p;
    done(ud, NULL, NULL);
}

static void s_none_destroy(struct cred_provider *p)
{
    free(p);
}

static const struct cred_provider_vtable s_none_vt = {s_none_get, s_none_destroy};

static struct cred_provider *s_none(void)
{
    struct cred_provider *p = xcalloc(1, sizeof(*p));
    p->vt = &s_none_vt;
    return p;
}

struct cred_provider *cred_provider_assume_role_new(const struct cred_ctx *ctx, const char *profile,
                                                    const char *const *visited, size_t nvisited)
{
    (void)ctx, (void)profile, (void)visited, (void)nvisited;
    return s_none();
}

struct cred_provider *cred_provider_web_identity_new(const struct cred_ctx *ctx, const char *profile,
                                                     bool use_env)
{
    (void)ctx, (void)profile, (void)use_env;
    return s_none();
}
