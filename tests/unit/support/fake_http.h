/* A scripted struct http_transport for unit tests: records every request and answers
 * from a queue of canned responses, later, from the event loop (as the real one does). */
#ifndef BCM_TEST_FAKE_HTTP_H
#define BCM_TEST_FAKE_HTTP_H

#include "aws/http.h"

#include <stddef.h>

struct ev_loop;

struct fake_reply {
    long status;                 /* 0 with failure set for transport errors */
    enum http_failure failure;
    const char *body;
    const char *headers;         /* "name: value\n" lines, may be NULL */
};

/* Optional: computes the reply from the request (for stateful fakes). Returning a reply
 * whose body is heap-allocated: set body_owned and the fake frees it. */
struct fake_routed_reply {
    struct fake_reply reply;
    char *body_owned;
};
typedef struct fake_routed_reply (*fake_route_fn)(void *ud, const struct http_request *req);

struct fake_http {
    struct http_transport base;
    fake_route_fn route;
    void *route_ud;
    struct ev_loop *loop;
    struct fake_reply *replies;  /* answered in order; the last one repeats */
    size_t nreplies;
    size_t next;
    /* what was sent */
    struct http_request *sent;
    size_t nsent;
};

void fake_http_init(struct fake_http *f, struct ev_loop *loop, struct fake_reply *replies, size_t n);
void fake_http_cleanup(struct fake_http *f);

#endif
