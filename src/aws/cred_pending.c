/* The get() a credential provider is answering: taking it on once, releasing the
 * provider's per-get() state and then answering, so that every provider keeps the
 * contract in aws/cred_providers.h the same way. */
#include "aws/cred_providers.h"

#include "util/buf.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdlib.h>

bool cred_pending_begin(struct cred_pending *p, cred_done_fn done, void *ud, const char *what)
{
    if (p->busy) {
        char *msg = xasprintf("internal error: %s is already in progress", what);
        done(ud, NULL, msg);
        free(msg);
        return false;
    }
    p->busy = true;
    p->done = done;
    p->ud = ud;
    return true;
}

void cred_pending_answer(struct cred_pending *p, const struct aws_credentials *creds,
                         const char *error)
{
    cred_done_fn done = p->done;
    void *ud = p->ud;
    p->busy = false;
    p->done = NULL;
    p->ud = NULL;
    p->release(p->provider);
    done(ud, creds, error);
}

void cred_pending_fail(struct cred_pending *p, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = buf_detach(&b);
    cred_pending_answer(p, NULL, msg);
    free(msg);
}
