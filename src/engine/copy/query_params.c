#include "query_params.h"

#include "util/buf.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdlib.h>

void query_params_add(struct query_params *p, const char *name, const char *value)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->kv = xrealloc(p->kv, p->cap * sizeof(*p->kv));
    }
    p->kv[p->n].name = xstrdup(name);
    p->kv[p->n].value = xstrdup(value ? value : "");
    p->n++;
}

void query_params_addf(struct query_params *p, const char *name, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    query_params_add(p, name, buf_cstr(&b));
    buf_free(&b);
}

void query_params_add_tags(struct query_params *p, const char *prefix, const char *const (*tags)[2],
                           size_t ntags)
{
    for (size_t i = 0; i < ntags; i++) {
        char *k = xasprintf("%s.%zu.Key", prefix, i + 1);
        char *v = xasprintf("%s.%zu.Value", prefix, i + 1);
        query_params_add(p, k, tags[i][0]);
        query_params_add(p, v, tags[i][1]);
        free(k);
        free(v);
    }
}

void query_params_free(struct query_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->kv[i].name);
        free_secret(p->kv[i].value);
    }
    free(p->kv);
    p->kv = NULL;
    p->n = p->cap = 0;
}
