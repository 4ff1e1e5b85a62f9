#include "fake_http.h"

#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct fake_pending {
    struct fake_http *f;
    struct fake_reply reply;
    char *body_owned;
    http_done_fn done;
    void *ud;
};

static void s_answer(void *ud)
{
    struct fake_pending *p = ud;
    struct http_response r;
    memset(&r, 0, sizeof(r));
    r.status = p->reply.status;
    r.failure = p->reply.failure;
    if (r.failure != HTTP_OK)
        strcpy(r.error, "fake transport failure");
    buf_init(&r.body);
    if (p->reply.body)
        buf_puts(&r.body, p->reply.body);
    const char *h = p->reply.headers;
    while (h && *h) {
        const char *nl = strchr(h, '\n');
        size_t len = nl ? (size_t)(nl - h) : strlen(h);
        const char *colon = memchr(h, ':', len);
        if (colon) {
            r.headers = xrealloc(r.headers, (r.nheaders + 1) * sizeof(*r.headers));
            r.headers[r.nheaders].name = xstrndup(h, (size_t)(colon - h));
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            r.headers[r.nheaders].value = xstrndup(v, len - (size_t)(v - h));
            r.nheaders++;
        }
        h = nl ? nl + 1 : h + len;
    }
    p->done(p->ud, &r);
    for (size_t i = 0; i < r.nheaders; i++) {
        free(r.headers[i].name);
        free(r.headers[i].value);
    }
    free(r.headers);
    buf_free(&r.body);
    free(p->body_owned);
    free(p);
}

static int s_send(struct http_transport *t, const struct http_request *req,
                  const struct http_options *opts, http_done_fn done, void *ud)
{
    struct fake_http *f = (struct fake_http *)t;
    (void)opts;
    f->sent = xrealloc(f->sent, (f->nsent + 1) * sizeof(*f->sent));
    struct http_request *copy = &f->sent[f->nsent++];
    http_request_init(copy, req->method, req->scheme, req->host, req->path);
    for (size_t i = 0; i < req->nquery; i++)
        http_request_add_query(copy, req->query[i].name, req->query[i].value);
    for (size_t i = 0; i < req->nheaders; i++)
        http_request_set_header(copy, req->headers[i].name, req->headers[i].value);
    http_request_set_body(copy, req->body.data, req->body.len);

    struct fake_pending *p = xcalloc(1, sizeof(*p));
    p->f = f;
    if (f->route) {
        struct fake_routed_reply rr = f->route(f->route_ud, req);
        p->reply = rr.reply;
        p->body_owned = rr.body_owned;
        if (rr.body_owned)
            p->reply.body = rr.body_owned;
    } else {
        size_t i = f->next < f->nreplies ? f->next++ : f->nreplies - 1;
        p->reply = f->replies[i];
    }
    p->done = done;
    p->ud = ud;
    ev_timer_add(f->loop, 0, s_answer, p);
    return 0;
}

static void s_destroy(struct http_transport *t)
{
    (void)t;
}

static const struct http_transport_vtable s_vt = {s_send, s_destroy};

void fake_http_init(struct fake_http *f, struct ev_loop *loop, struct fake_reply *replies, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->base.vt = &s_vt;
    f->loop = loop;
    f->replies = replies;
    f->nreplies = n;
}

void fake_http_cleanup(struct fake_http *f)
{
    for (size_t i = 0; i < f->nsent; i++)
        http_request_free(&f->sent[i]);
    free(f->sent);
    f->sent = NULL;
    f->nsent = 0;
}
