/* An HTTP request as the AWS layer builds it, before and after signing.
 *
 * Owns: the request's method, host, wire path, query parameters, headers and body.
 * The signer reads it and adds headers; the transport turns it into a URL and sends it.
 * Query parameters are kept decoded; they are encoded once, the same way, for the URL
 * and for the canonical request (see aws_uri_encode in aws/sigv4.h). */
#ifndef BCM_AWS_HTTP_REQUEST_H
#define BCM_AWS_HTTP_REQUEST_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct http_kv {
    char *name;
    char *value;
};

/* A copy of n pairs (a NULL value becomes ""); NULL when n is 0. */
struct http_kv *http_kv_copy(const struct http_kv *src, size_t n);
/* Frees n pairs, wiping the values first: headers and query values carry tokens. */
void http_kv_free(struct http_kv *kv, size_t n);

struct http_request {
    char *method;       /* "GET", "POST", "PUT" */
    char *scheme;       /* "https" or "http" */
    char *host;         /* as sent in the Host header: "sts.us-east-1.amazonaws.com", "127.0.0.1:5000" */
    char *path;         /* wire path, already percent-encoded as it goes in the URL; "/" at least */
    struct http_kv *query;  /* decoded names and values, in insertion order */
    size_t nquery;
    struct http_kv *headers; /* names as given; lookups are case-insensitive */
    size_t nheaders;
    buf_t body;
};

void http_request_init(struct http_request *r, const char *method, const char *scheme,
                       const char *host, const char *path);
void http_request_free(struct http_request *r);
void http_request_add_query(struct http_request *r, const char *name, const char *value);
/* Sets a header, replacing any of the same name (case-insensitive). */
void http_request_set_header(struct http_request *r, const char *name, const char *value);
const char *http_request_header(const struct http_request *r, const char *name);
void http_request_remove_header(struct http_request *r, const char *name);
void http_request_set_body(struct http_request *r, const void *data, size_t len);
/* scheme://host/path?query — the query encoded as in the canonical request. */
char *http_request_url(const struct http_request *r);

#endif
