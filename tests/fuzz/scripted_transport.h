/* A scripted HTTP transport for the response-parser fuzz targets: the fuzz input is cut
 * into reply bodies, handed out in request order, so one input can feed a whole
 * conversation (DescribeStacks XML, then DescribeTable JSON, …) through the real client
 * and the engine code that reads the replies.
 *
 * Bodies are separated by SCRIPT_SEPARATOR. A body's first byte may pick its status:
 * '!' 400, '#' 500, '%' 403 (the marker is dropped); anything else is a 200 with the
 * whole body. Bodies keep every byte (NULs included), unlike the unit tests' fake. After
 * the last body the last one repeats, and after SCRIPT_MAX_REPLIES requests every
 * request fails to connect, so paginating engines (a LastEvaluatedKey that never ends)
 * always finish.
 *
 * Header-only because each fuzz target is built from one source file. */
#ifndef BCM_FUZZ_SCRIPTED_TRANSPORT_H
#define BCM_FUZZ_SCRIPTED_TRANSPORT_H

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/session.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_SEPARATOR "\n@@\n"
#define SCRIPT_MAX_REPLIES 48
#define SCRIPT_MAX_BODIES 16

struct script_body {
    const char *data;
    size_t len;
    long status;
};

struct scripted_http {
    struct http_transport base;
    struct ev_loop *loop;
    struct script_body bodies[SCRIPT_MAX_BODIES];
    size_t nbodies;
    size_t served;
    size_t pending;             /* replies queued on the loop, not yet delivered */
};

struct scripted_pending {
    struct scripted_http *owner;
    struct script_body body;
    int fail;
    http_done_fn done;
    void *ud;
};

static void scripted_answer(void *ud)
{
    struct scripted_pending *p = ud;
    struct http_response r;
    memset(&r, 0, sizeof(r));
    buf_init(&r.body);
    struct http_kv header = {(char *)"x-amzn-requestid", (char *)"fuzz-request"};
    if (p->fail) {
        r.failure = HTTP_ERR_CONNECT;
        snprintf(r.error, sizeof(r.error), "scripted transport: no more replies");
    } else {
        r.status = p->body.status;
        r.headers = &header;
        r.nheaders = 1;
        buf_append(&r.body, p->body.data, p->body.len);
    }
    p->owner->pending--;
    p->done(p->ud, &r);
    buf_free(&r.body);
    free(p);
}

static int scripted_send(struct http_transport *t, const struct http_request *req,
                         const struct http_options *opts, http_done_fn done, void *ud)
{
    struct scripted_http *s = (struct scripted_http *)t;
    (void)req;
    (void)opts;
    struct scripted_pending *p = xcalloc(1, sizeof(*p));
    p->owner = s;
    p->done = done;
    p->ud = ud;
    if (s->served >= SCRIPT_MAX_REPLIES || s->nbodies == 0) {
        p->fail = 1;
    } else {
        size_t i = s->served < s->nbodies ? s->served : s->nbodies - 1;
        p->body = s->bodies[i];
    }
    s->served++;
    s->pending++;
    ev_timer_add(s->loop, 0, scripted_answer, p);
    return 0;
}

static void scripted_destroy(struct http_transport *t)
{
    (void)t;
}

static const struct http_transport_vtable scripted_vt = {scripted_send, scripted_destroy};

static void scripted_http_init(struct scripted_http *s, struct ev_loop *loop, const uint8_t *data,
                               size_t size)
{
    memset(s, 0, sizeof(*s));
    s->base.vt = &scripted_vt;
    s->loop = loop;
    const char *p = (const char *)data;
    const char *end = p + size;
    size_t seplen = strlen(SCRIPT_SEPARATOR);
    while (s->nbodies < SCRIPT_MAX_BODIES) {
        const char *cut = memmem(p, (size_t)(end - p), SCRIPT_SEPARATOR, seplen);
        const char *stop = cut ? cut : end;
        struct script_body *b = &s->bodies[s->nbodies++];
        b->data = p;
        b->len = (size_t)(stop - p);
        b->status = 200;
        if (b->len && (*p == '!' || *p == '#' || *p == '%')) {
            b->status = *p == '!' ? 400 : *p == '#' ? 500 : 403;
            b->data++;
            b->len--;
        }
        if (!cut)
            break;
        p = cut + seplen;
    }
}

/* Delivers every reply still queued (an engine that finished early on one error may
 * still have sibling requests out; their replies must reach it before it is freed). */
static void scripted_http_drain(struct scripted_http *s)
{
    while (s->pending > 0)
        ev_loop_run_once(s->loop, 0);
}

/* The session every response target drives: the real client over the scripted
 * transport, static credentials, one attempt per call. */
struct fixture {
    struct ev_loop *loop;
    struct scripted_http http;
    struct cred_provider *creds;
    struct aws_session session;
    bool done;
};

static inline void fuzz_fixture_open(struct fixture *f, const uint8_t *data, size_t size)
{
    memset(f, 0, sizeof(*f));
    f->loop = ev_loop_new();
    scripted_http_init(&f->http, f->loop, data, size);
    struct aws_credentials c = {.access_key_id = (char *)"AKIDFUZZ",
                                .secret_access_key = (char *)"fuzz-secret",
                                .source = (char *)"fuzz"};
    f->creds = cred_provider_static(&c);
    /* One attempt: a retry would only replay the next body, and its backoff is wall time. */
    struct aws_client_config cfg = {.loop = f->loop, .http = &f->http.base, .creds = f->creds,
                                    .region = "us-east-1", .max_attempts = 1};
    f->session.loop = f->loop;
    f->session.http = &f->http.base;
    f->session.creds = f->creds;
    f->session.client = aws_client_new(&cfg);
    f->session.region = (char *)"us-east-1";
    f->session.region_source = "fuzz";
    f->session.profile = (char *)"default";
}

static inline void fuzz_fixture_close(struct fixture *f)
{
    aws_client_free(f->session.client);
    cred_provider_free(f->creds);
    ev_loop_free(f->loop);
}

#endif
