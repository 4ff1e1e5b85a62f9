/* HTTP transport behind a small function table, so the AWS layer and the engine can be
 * tested with a fake, and the real one plugs into the shared event loop.
 *
 * Owns: turning a signed http_request into a libcurl transfer (connection reuse, connect
 * and total timeouts, TLS verification that cannot be switched off, AWS_CA_BUNDLE), and
 * delivering the response to a per-request completion callback. */
#ifndef BCM_AWS_HTTP_H
#define BCM_AWS_HTTP_H

#include "aws/http_request.h"
#include "util/buf.h"

#include <stdbool.h>

struct ev_loop;

enum http_failure {
    HTTP_OK = 0,          /* a response arrived (any status) */
    HTTP_ERR_CONNECT,     /* DNS, refused, unreachable, TLS handshake cut: nothing sent */
    HTTP_ERR_TIMEOUT,     /* connect or total timeout */
    HTTP_ERR_IO,          /* reset or broken mid-transfer */
    HTTP_ERR_TLS,         /* certificate verification */
    HTTP_ERR_OTHER,
};

struct http_response {
    long status;                /* 0 when failure != HTTP_OK */
    enum http_failure failure;
    char error[256];            /* transport error text when failure != HTTP_OK */
    struct http_kv *headers;    /* lower-cased names */
    size_t nheaders;
    buf_t body;
    bool truncated;             /* max_body_bytes reached: body holds the first bytes */
    double seconds;             /* wall time of the transfer */
};

const char *http_response_header(const struct http_response *r, const char *lower_name);

/* The response is only valid during the callback. */
typedef void (*http_done_fn)(void *ud, struct http_response *resp);

struct http_options {
    long connect_timeout_ms;    /* 0: default 3100 ms */
    long timeout_ms;            /* 0: default 60000 ms */
    size_t max_body_bytes;      /* 0: the transport's limit, over which the call fails; else
                                   stop reading there and answer with truncated set */
};

struct http_transport {
    const struct http_transport_vtable *vt;
};

struct http_transport_vtable {
    /* Queues the request; done is always called later from the loop, never before
     * send returns. Returns 0, or -1 when the request could not even be queued. */
    int (*send)(struct http_transport *t, const struct http_request *req,
                const struct http_options *opts, http_done_fn done, void *ud);
    void (*destroy)(struct http_transport *t);
};

static inline int http_send(struct http_transport *t, const struct http_request *req,
                            const struct http_options *opts, http_done_fn done, void *ud)
{
    return t->vt->send(t, req, opts, done, ud);
}

static inline void http_transport_free(struct http_transport *t)
{
    if (t)
        t->vt->destroy(t);
}

struct http_curl_config {
    const char *ca_bundle;      /* NULL: system roots (AWS_CA_BUNDLE is read by the caller) */
};

/* Requests still in flight when the transport is freed are dropped without their
 * callbacks; free the transport before the loop. */
struct http_transport *http_curl_transport_new(struct ev_loop *loop, const struct http_curl_config *cfg);

#endif
