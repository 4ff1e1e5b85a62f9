#include "aws/error_class.h"

#include "aws/client.h"

#include <stddef.h>
#include <string.h>

static bool s_in(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

#define S_IN(code, list) s_in((code), (list), sizeof(list) / sizeof *(list))

/* botocore's standard retry mode: its throttling and transient codes. */
static const char *const s_throttle_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const s_transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
};

/* AWS refused who the caller is or how the request was signed. */
static const char *const s_credential_codes[] = {
    "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException",
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidSignatureException",
    "IncompleteSignature", "IncompleteSignatureException", "MissingAuthenticationToken",
    "MissingAuthenticationTokenException", "InvalidAccessKeyId", "AuthFailure",
    "UnauthorizedException", "InvalidToken", "RequestTimeTooSkewed",
};

/* AWS knows the caller, and IAM (or a policy) says no. */
static const char *const s_permission_codes[] = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden",
    "AllAccessDisabled",
};

/* Client-side refusals that never reach the wire (aws/client.c). */
static const char *const s_setup_codes[] = {"InvalidEndpoint", "DemoEndpointRefused"};

static bool s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ResourceNotFoundException, ClusterNotFoundException, InvalidSubnetID.NotFound,
 * NoSuchBucket, NotFound… */
static bool s_not_found_code(const char *code)
{
    return s_ends_with(code, "NotFound") || s_ends_with(code, "NotFoundException") ||
           strncmp(code, "NoSuch", 6) == 0;
}

static enum aws_error_class s_transport_class(const struct aws_error *e)
{
    if ((e->code && S_IN(e->code, s_setup_codes)) || e->transport == HTTP_ERR_TLS)
        return AWS_ERROR_CLASS_SETUP;
    if (e->transport == HTTP_ERR_CONNECT)
        return AWS_ERROR_CLASS_UNREACHABLE;
    return AWS_ERROR_CLASS_TRANSIENT;
}

static enum aws_error_class s_reply_class(const char *code, long status)
{
    /* Throttling and transient answers first, code or status: the retry decision must
     * not depend on which of the two a service chose to send. */
    if ((code && S_IN(code, s_throttle_codes)) || status == 429)
        return AWS_ERROR_CLASS_THROTTLED;
    if ((code && S_IN(code, s_transient_codes)) || status == 500 || status == 502 ||
        status == 503 || status == 504)
        return AWS_ERROR_CLASS_TRANSIENT;
    if (code) {
        if (S_IN(code, s_credential_codes))
            return AWS_ERROR_CLASS_CREDENTIALS;
        if (S_IN(code, s_permission_codes))
            return AWS_ERROR_CLASS_PERMISSION;
        if (s_not_found_code(code))
            return AWS_ERROR_CLASS_NOT_FOUND;
    }
    if (status >= 500)
        return AWS_ERROR_CLASS_SERVER;
    if (status == 401)
        return AWS_ERROR_CLASS_CREDENTIALS;
    if (status == 403)
        return AWS_ERROR_CLASS_PERMISSION;
    if (status == 404)
        return AWS_ERROR_CLASS_NOT_FOUND;
    return AWS_ERROR_CLASS_CLIENT;
}

enum aws_error_class aws_error_class(const struct aws_error *e)
{
    switch (e->kind) {
    case AWS_ERR_NONE:
        return AWS_ERROR_CLASS_NONE;
    case AWS_ERR_CREDENTIALS:
        return AWS_ERROR_CLASS_NO_CREDENTIALS;
    case AWS_ERR_TRANSPORT:
        return s_transport_class(e);
    case AWS_ERR_PARSE:
        /* A 2xx whose body could not be read: it was executed, its answer was lost. */
        return AWS_ERROR_CLASS_TRANSIENT;
    case AWS_ERR_SERVICE:
    case AWS_ERR_HTTP:
        break;
    }
    return s_reply_class(e->code, e->http_status);
}

const char *aws_error_class_name(enum aws_error_class c)
{
    static const char *const names[] = {
        "none", "throttled", "transient", "server", "unreachable", "setup",
        "no-credentials", "credentials", "permission", "not-found", "client",
    };
    return (size_t)c < sizeof names / sizeof *names ? names[c] : "unknown";
}

bool aws_error_class_retryable(enum aws_error_class c)
{
    return c == AWS_ERROR_CLASS_THROTTLED || c == AWS_ERROR_CLASS_TRANSIENT ||
           c == AWS_ERROR_CLASS_UNREACHABLE;
}

bool aws_error_class_not_executed(enum aws_error_class c)
{
    return c == AWS_ERROR_CLASS_THROTTLED || c == AWS_ERROR_CLASS_UNREACHABLE ||
           c == AWS_ERROR_CLASS_SETUP || c == AWS_ERROR_CLASS_NO_CREDENTIALS ||
           aws_error_class_refused(c);
}

bool aws_error_class_refused(enum aws_error_class c)
{
    return c == AWS_ERROR_CLASS_CREDENTIALS || c == AWS_ERROR_CLASS_PERMISSION ||
           c == AWS_ERROR_CLASS_NOT_FOUND || c == AWS_ERROR_CLASS_CLIENT;
}
