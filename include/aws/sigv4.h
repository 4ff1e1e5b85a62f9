/* AWS Signature Version 4 with OpenSSL.
 *
 * Owns: the canonical request, string to sign, signing key and Authorization header.
 * Every intermediate is kept in struct sigv4_result so tests can compare each step with
 * an independent signer. The clock is an argument: nothing here reads the time. */
#ifndef BCM_AWS_SIGV4_H
#define BCM_AWS_SIGV4_H

#include "aws/credentials.h"
#include "aws/http_request.h"

#include <stdbool.h>
#include <time.h>

struct sigv4_params {
    const struct aws_credentials *creds;
    const char *region;       /* "us-east-1" */
    const char *service;      /* signing name: "dynamodb", "ecs", "s3", … */
    time_t now;               /* seconds since the epoch, UTC */
    bool s3;                  /* S3 rules: path encoded once, not normalised;
                                 x-amz-content-sha256 header sent and signed */
};

struct sigv4_result {
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;     /* "content-type;host;x-amz-date" */
    char *scope;              /* "20150830/us-east-1/iam/aws4_request" */
    char *payload_hash;       /* hex SHA-256 of the body */
    char signature[65];       /* hex */
    char *authorization;      /* the full header value */
};

/* RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, every
 * other byte as %XX (upper-case hex); '/' kept when keep_slash. Returns a new string. */
char *aws_uri_encode(const char *s, size_t len, bool keep_slash);

/* The canonical query string of r (also used to build the wire URL). */
char *sigv4_canonical_query(const struct http_request *r);

/* Adds X-Amz-Date, X-Amz-Security-Token (when the credentials carry one),
 * X-Amz-Content-Sha256 (S3) and Authorization to r, and fills out (which the caller
 * frees with sigv4_result_free). Returns 0, or -1 if the request cannot be signed. */
int sigv4_sign(struct http_request *r, const struct sigv4_params *p, struct sigv4_result *out);
void sigv4_result_free(struct sigv4_result *out);

#endif
