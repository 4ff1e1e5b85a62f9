/* The one error classification: every failure the client can hand back lands in the
 * class its retry decision and the engine's callers act on, whether AWS sent a code, a
 * bare status, or nothing at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/error_class.h"

#include <stdio.h>

struct error_case {
    enum aws_error_kind kind;
    enum http_failure transport;
    long status;
    const char *code;
    enum aws_error_class want;
};

static void s_check(const struct error_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct aws_error e = {.kind = cases[i].kind, .transport = cases[i].transport,
                              .http_status = cases[i].status, .code = (char *)cases[i].code};
        enum aws_error_class got = aws_error_class(&e);
        if (got != cases[i].want)
            fail_msg("case %zu (HTTP %ld, code %s): %s, expected %s", i, cases[i].status,
                     cases[i].code ? cases[i].code : "none", aws_error_class_name(got),
                     aws_error_class_name(cases[i].want));
    }
}

static void test_transport_results(void **state)
{
    (void)state;
    const struct error_case cases[] = {
        {AWS_ERR_NONE, HTTP_OK, 200, NULL, AWS_ERROR_CLASS_NONE},
        {AWS_ERR_TRANSPORT, HTTP_ERR_CONNECT, 0, NULL, AWS_ERROR_CLASS_UNREACHABLE},
        {AWS_ERR_TRANSPORT, HTTP_ERR_TIMEOUT, 0, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_TRANSPORT, HTTP_ERR_IO, 0, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, 0, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_TRANSPORT, HTTP_ERR_TLS, 0, NULL, AWS_ERROR_CLASS_SETUP},
        {AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, 0, "InvalidEndpoint", AWS_ERROR_CLASS_SETUP},
        {AWS_ERR_TRANSPORT, HTTP_ERR_OTHER, 0, "DemoEndpointRefused", AWS_ERROR_CLASS_SETUP},
        {AWS_ERR_CREDENTIALS, HTTP_OK, 0, "NoCredentials", AWS_ERROR_CLASS_NO_CREDENTIALS},
        {AWS_ERR_CREDENTIALS, HTTP_OK, 0, NULL, AWS_ERROR_CLASS_NO_CREDENTIALS},
        {AWS_ERR_PARSE, HTTP_OK, 200, NULL, AWS_ERROR_CLASS_TRANSIENT},
    };
    s_check(cases, sizeof cases / sizeof *cases);
}

static void test_coded_replies(void **state)
{
    (void)state;
    const struct error_case cases[] = {
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ThrottlingException", AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ProvisionedThroughputExceededException", AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_SERVICE, HTTP_OK, 503, "SlowDown", AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_SERVICE, HTTP_OK, 503, "RequestLimitExceeded", AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_SERVICE, HTTP_OK, 429, "TooManyRequests", AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "RequestTimeout", AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 500, "InternalFailure", AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 503, "ServiceUnavailable", AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 501, "NotImplemented", AWS_ERROR_CLASS_SERVER},
        {AWS_ERR_SERVICE, HTTP_OK, 403, "SignatureDoesNotMatch", AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ExpiredTokenException", AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_SERVICE, HTTP_OK, 403, "InvalidClientTokenId", AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "UnrecognizedClientException", AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_SERVICE, HTTP_OK, 403, "InvalidAccessKeyId", AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "AccessDeniedException", AWS_ERROR_CLASS_PERMISSION},
        {AWS_ERR_SERVICE, HTTP_OK, 403, "AccessDenied", AWS_ERROR_CLASS_PERMISSION},
        {AWS_ERR_SERVICE, HTTP_OK, 403, "UnauthorizedOperation", AWS_ERROR_CLASS_PERMISSION},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ResourceNotFoundException", AWS_ERROR_CLASS_NOT_FOUND},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "InvalidSubnetID.NotFound", AWS_ERROR_CLASS_NOT_FOUND},
        {AWS_ERR_SERVICE, HTTP_OK, 404, "NoSuchBucket", AWS_ERROR_CLASS_NOT_FOUND},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ClusterNotFoundException", AWS_ERROR_CLASS_NOT_FOUND},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ValidationException", AWS_ERROR_CLASS_CLIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "ClientException", AWS_ERROR_CLASS_CLIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 400, "InvalidParameterException", AWS_ERROR_CLASS_CLIENT},
        {AWS_ERR_SERVICE, HTTP_OK, 409, "ConflictException", AWS_ERROR_CLASS_CLIENT},
    };
    s_check(cases, sizeof cases / sizeof *cases);
}

/* An error reply without a code (empty or unreadable body) is judged by its status, the
 * same way a coded one would be. */
static void test_bare_statuses(void **state)
{
    (void)state;
    const struct error_case cases[] = {
        {AWS_ERR_HTTP, HTTP_OK, 400, NULL, AWS_ERROR_CLASS_CLIENT},
        {AWS_ERR_HTTP, HTTP_OK, 401, NULL, AWS_ERROR_CLASS_CREDENTIALS},
        {AWS_ERR_HTTP, HTTP_OK, 403, NULL, AWS_ERROR_CLASS_PERMISSION},
        {AWS_ERR_HTTP, HTTP_OK, 404, NULL, AWS_ERROR_CLASS_NOT_FOUND},
        {AWS_ERR_HTTP, HTTP_OK, 413, NULL, AWS_ERROR_CLASS_CLIENT},
        {AWS_ERR_HTTP, HTTP_OK, 429, NULL, AWS_ERROR_CLASS_THROTTLED},
        {AWS_ERR_HTTP, HTTP_OK, 500, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_HTTP, HTTP_OK, 502, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_HTTP, HTTP_OK, 503, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_HTTP, HTTP_OK, 504, NULL, AWS_ERROR_CLASS_TRANSIENT},
        {AWS_ERR_HTTP, HTTP_OK, 501, NULL, AWS_ERROR_CLASS_SERVER},
        {AWS_ERR_HTTP, HTTP_OK, 301, NULL, AWS_ERROR_CLASS_CLIENT},
    };
    s_check(cases, sizeof cases / sizeof *cases);
}

/* What each class allows: the client retries exactly the retryable ones, RunTask only
 * those that prove nothing ran; refusals are what make the run stop and say why. */
static void test_what_each_class_allows(void **state)
{
    (void)state;
    static const struct {
        enum aws_error_class c;
        bool retryable, not_executed, refused;
    } rules[] = {
        {AWS_ERROR_CLASS_THROTTLED, true, true, false},
        {AWS_ERROR_CLASS_TRANSIENT, true, false, false},
        {AWS_ERROR_CLASS_SERVER, false, false, false},
        {AWS_ERROR_CLASS_UNREACHABLE, true, true, false},
        {AWS_ERROR_CLASS_SETUP, false, true, false},
        {AWS_ERROR_CLASS_NO_CREDENTIALS, false, true, false},
        {AWS_ERROR_CLASS_CREDENTIALS, false, true, true},
        {AWS_ERROR_CLASS_PERMISSION, false, true, true},
        {AWS_ERROR_CLASS_NOT_FOUND, false, true, true},
        {AWS_ERROR_CLASS_CLIENT, false, true, true},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const char *name = aws_error_class_name(rules[i].c);
        if (aws_error_class_retryable(rules[i].c) != rules[i].retryable ||
            aws_error_class_not_executed(rules[i].c) != rules[i].not_executed ||
            aws_error_class_refused(rules[i].c) != rules[i].refused)
            fail_msg("class %s: wrong rule", name);
    }
    assert_string_equal(aws_error_class_name(AWS_ERROR_CLASS_PERMISSION), "permission");
    assert_false(aws_error_class_refused(AWS_ERROR_CLASS_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transport_results),
        cmocka_unit_test(test_coded_replies),
        cmocka_unit_test(test_bare_statuses),
        cmocka_unit_test(test_what_each_class_allows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
