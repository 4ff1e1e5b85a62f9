#include "aws/http_request.h"

#include "aws/sigv4.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_request_init(struct http_request *r, const char *method, const char *scheme,
                       const char *host, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->method = xstrdup(method);
    r->scheme = xstrdup(scheme);
    r->host = xstrdup(host);
    r->path = xstrdup(path && *path ? path : "/");
    buf_init(&r->body);
}

struct http_kv *http_kv_copy(const struct http_kv *src, size_t n)
{
    if (!n)
        return NULL;
    struct http_kv *kv = xcalloc(n, sizeof(*kv));
    for (size_t i = 0; i < n; i++) {
        kv[i].name = xstrdup(src[i].name);
        kv[i].value = xstrdup(src[i].value ? src[i].value : "");
    }
    return kv;
}

void http_kv_free(struct http_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free_secret(kv[i].value);
    }
    free(kv);
}

void http_request_free(struct http_request *r)
{
    free(r->method);
    free(r->scheme);
    free(r->host);
    free(r->path);
    http_kv_free(r->query, r->nquery);
    http_kv_free(r->headers, r->nheaders);
    buf_free(&r->body);
    memset(r, 0, sizeof(*r));
}

void http_request_add_query(struct http_request *r, const char *name, const char *value)
{
    r->query = xrealloc(r->query, (r->nquery + 1) * sizeof(*r->query));
    r->query[r->nquery].name = xstrdup(name);
    r->query[r->nquery].value = xstrdup(value ? value : "");
    r->nquery++;
}

void http_request_set_header(struct http_request *r, const char *name, const char *value)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            free_secret(r->headers[i].value);
            r->headers[i].value = xstrdup(value);
            return;
        }
    }
    r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
    r->headers[r->nheaders].name = xstrdup(name);
    r->headers[r->nheaders].value = xstrdup(value);
    r->nheaders++;
}

const char *http_request_header(const struct http_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void http_request_remove_header(struct http_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            free(r->headers[i].name);
            free_secret(r->headers[i].value);
            memmove(&r->headers[i], &r->headers[i + 1],
                    (r->nheaders - i - 1) * sizeof(*r->headers));
            r->nheaders--;
            return;
        }
    }
}

void http_request_set_body(struct http_request *r, const void *data, size_t len)
{
    buf_reset(&r->body);
    buf_append(&r->body, data, len);
}

char *http_request_url(const struct http_request *r)
{
    buf_t u = BUF_INIT;
    buf_printf(&u, "%s://%s%s", r->scheme, r->host, r->path);
    if (r->nquery) {
        char *q = sigv4_canonical_query(r);
        buf_putc(&u, '?');
        buf_puts(&u, q);
        free(q);
    }
    return buf_detach(&u);
}
