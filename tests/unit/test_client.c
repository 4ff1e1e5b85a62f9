/* The AWS client against a scripted transport: request shapes per protocol, error
 * parsing, retry policy (what is retried, how often, the quota), endpoint resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct fixture {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_client *client;
};

struct outcome {
    bool done;
    enum aws_error_kind kind;
    char *code;
    char *message;
    char *request_id;
    int attempts;
    char *json_text;
    char *xml_account;
};

static time_t s_fixed_clock(void)
{
    return 1735689600; /* 2025-01-01T00:00:00Z */
}

static double s_no_jitter(void)
{
    return 0.0;
}

static void s_setup(struct fixture *f, struct fake_reply *replies, size_t n, const char *endpoint)
{
    f->loop = ev_loop_new();
    fake_http_init(&f->http, f->loop, replies, n);
    struct aws_credentials c = {
        .access_key_id = "AKIDEXAMPLE", .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = NULL, .expiration = 0, .source = "test"};
    f->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {
        .loop = f->loop, .http = &f->http.base, .creds = f->creds, .region = "us-east-1",
        .endpoint_url = endpoint, .wall_clock = s_fixed_clock, .random01 = s_no_jitter};
    f->client = aws_client_new(&cfg);
}

static void s_teardown(struct fixture *f)
{
    aws_client_free(f->client);
    cred_provider_free(f->creds);
    fake_http_cleanup(&f->http);
    ev_loop_free(f->loop);
}

static void s_outcome_free(struct outcome *o)
{
    free(o->code);
    free(o->message);
    free(o->request_id);
    free(o->json_text);
    free(o->xml_account);
}

static void s_on_done(void *ud, struct aws_response *r)
{
    struct outcome *o = ud;
    o->done = true;
    o->kind = r->err.kind;
    o->code = r->err.code ? xstrdup(r->err.code) : NULL;
    o->message = r->err.message ? xstrdup(r->err.message) : NULL;
    o->request_id = r->err.request_id ? xstrdup(r->err.request_id) : NULL;
    o->attempts = r->attempts;
    if (r->json) {
        char *t = cJSON_PrintUnformatted(r->json);
        o->json_text = xstrdup(t);
        cJSON_free(t);
    }
    if (r->xml)
        o->xml_account = aws_xml_text(xmlDocGetRootElement(r->xml), "Account");
}

static void test_json_request_shape_and_reply(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, "{\"Count\":1,\"Items\":[]}", "x-amzn-RequestId: R1\n"}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "TableName", "T");
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "Scan", body, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);

    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(o.json_text, "{\"Count\":1,\"Items\":[]}");
    assert_int_equal(f.http.nsent, 1);
    struct http_request *r = &f.http.sent[0];
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->scheme, "https");
    assert_string_equal(r->host, "dynamodb.us-east-1.amazonaws.com");
    assert_string_equal(r->path, "/");
    assert_string_equal(http_request_header(r, "X-Amz-Target"), "DynamoDB_20120810.Scan");
    assert_string_equal(http_request_header(r, "Content-Type"), "application/x-amz-json-1.0");
    assert_string_equal(buf_cstr(&r->body), "{\"TableName\":\"T\"}");
    assert_string_equal(http_request_header(r, "X-Amz-Date"), "20250101T000000Z");
    const char *auth = http_request_header(r, "Authorization");
    assert_non_null(auth);
    assert_non_null(strstr(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/dynamodb/aws4_request"));
    assert_non_null(strstr(auth, "x-amz-target"));
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_query_request_and_xml_reply(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK,
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn>"
        "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
        "</GetCallerIdentityResponse>", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_query(f.client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(o.xml_account, "123456789012");
    struct http_request *r = &f.http.sent[0];
    assert_string_equal(r->host, "sts.us-east-1.amazonaws.com");
    assert_string_equal(buf_cstr(&r->body), "Action=GetCallerIdentity&Version=2011-06-15");
    assert_string_equal(http_request_header(r, "Content-Type"),
                        "application/x-www-form-urlencoded; charset=utf-8");
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_query_params_are_form_encoded(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, "<R/>", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    struct http_kv params[] = {{"StackName", "My Stack/é"}};
    aws_call_query(f.client, &AWS_SVC_CLOUDFORMATION, "DescribeStacks", params, 1, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_string_equal(buf_cstr(&f.http.sent[0].body),
                        "Action=DescribeStacks&StackName=My%20Stack%2F%C3%A9&Version=2010-05-15");
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_throttling_is_retried_then_succeeds(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"__type\":\"com.amazonaws.ecs#ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL},
        {200, HTTP_OK, "{}", NULL}};
    struct fixture f;
    s_setup(&f, replies, 2, NULL);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_ECS, "RunTask", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_int_equal(o.attempts, 2);
    assert_int_equal(f.http.nsent, 2);
    struct aws_client_stats st;
    aws_client_get_stats(f.client, &st);
    assert_int_equal(st.retries, 1);
    assert_int_equal(st.throttles, 1);
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_non_retryable_error_returns_at_once(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"__type\":\"AccessDeniedException\",\"Message\":\"not allowed\"}",
         "x-amzn-RequestId: abc-123\n"}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "Scan", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_SERVICE);
    assert_string_equal(o.code, "AccessDeniedException");
    assert_string_equal(o.message, "not allowed");
    assert_string_equal(o.request_id, "abc-123");
    assert_int_equal(f.http.nsent, 1);
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_5xx_retried_up_to_service_default(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{503, HTTP_OK, "", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_ECS, "DescribeTasks", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_HTTP);
    assert_int_equal(o.attempts, 3);
    assert_int_equal(f.http.nsent, 3);
    s_outcome_free(&o);

    /* DynamoDB's default is 4 attempts. */
    struct outcome o2 = {0};
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "Scan", NULL, s_on_done, &o2);
    ev_loop_run_until(f.loop, &o2.done);
    assert_int_equal(o2.attempts, 4);
    assert_int_equal(f.http.nsent, 7);
    s_outcome_free(&o2);
    s_teardown(&f);
}

static void test_max_attempts_from_environment(void **state)
{
    (void)state;
    setenv("AWS_MAX_ATTEMPTS", "2", 1);
    struct fake_reply replies[] = {{500, HTTP_OK, "", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "Scan", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.attempts, 2);
    unsetenv("AWS_MAX_ATTEMPTS");
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_transport_errors_retried_then_reported(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{0, HTTP_ERR_CONNECT, NULL, NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_query(f.client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_TRANSPORT);
    assert_int_equal(o.attempts, 3);
    assert_non_null(strstr(o.message, "endpoint"));
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_tls_failure_not_retried(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{0, HTTP_ERR_TLS, NULL, NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_query(f.client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_TRANSPORT);
    assert_int_equal(f.http.nsent, 1);
    assert_non_null(strstr(o.message, "AWS_CA_BUNDLE"));
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_query_error_xml_parsed(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{403, HTTP_OK,
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
        "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
        "</Message></Error><RequestId>req-9</RequestId></ErrorResponse>", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_query(f.client, &AWS_SVC_STS, "GetCallerIdentity", NULL, 0, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_SERVICE);
    assert_string_equal(o.code, "SignatureDoesNotMatch");
    assert_string_equal(o.request_id, "req-9");
    assert_int_equal(f.http.nsent, 1);
    struct aws_error e = {.kind = AWS_ERR_SERVICE, .code = "SignatureDoesNotMatch"};
    assert_non_null(strstr(aws_error_hint(&e), "secret access key"));
    s_outcome_free(&o);
    s_teardown(&f);
}

/* A JSON service refusing the signature at the front door may answer in XML. */
static void test_json_service_xml_error_parsed(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{403, HTTP_OK,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error>"
        "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not "
        "match</Message><Type>Sender</Type></Error></Errors></ErrorResponse>", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "ListTables", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_int_equal(o.kind, AWS_ERR_SERVICE);
    assert_string_equal(o.code, "SignatureDoesNotMatch");
    assert_int_equal(f.http.nsent, 1);
    s_outcome_free(&o);
    s_teardown(&f);
}

static void test_retry_quota_stops_retry_storms(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{503, HTTP_OK, "", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    struct outcome o[80];
    memset(o, 0, sizeof o);
    for (int i = 0; i < 80; i++)
        aws_call_json(f.client, &AWS_SVC_ECS, "DescribeTasks", NULL, s_on_done, &o[i]);
    for (int i = 0; i < 80; i++)
        ev_loop_run_until(f.loop, &o[i].done);
    struct aws_client_stats st;
    aws_client_get_stats(f.client, &st);
    /* 500 tokens at 5 per retry: exactly 100 retries, then errors come back at once. */
    assert_int_equal(st.retries, 100);
    assert_int_equal(st.requests, 180);
    for (int i = 0; i < 80; i++)
        s_outcome_free(&o[i]);
    s_teardown(&f);
}

static void test_endpoint_resolution_order(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, "{}", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1, NULL);
    char *e = aws_client_endpoint(f.client, &AWS_SVC_LOGS);
    assert_string_equal(e, "https://logs.us-east-1.amazonaws.com");
    free(e);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111", 1);
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:2222", 1);
    e = aws_client_endpoint(f.client, &AWS_SVC_LOGS);
    assert_string_equal(e, "http://127.0.0.1:2222");
    free(e);
    e = aws_client_endpoint(f.client, &AWS_SVC_ECS);
    assert_string_equal(e, "http://127.0.0.1:1111");
    free(e);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
    s_teardown(&f);

    s_setup(&f, replies, 1, "http://localhost:9/base/");
    e = aws_client_endpoint(f.client, &AWS_SVC_ECS);
    assert_string_equal(e, "http://localhost:9/base/");
    free(e);
    struct outcome o = {0};
    aws_call_json(f.client, &AWS_SVC_ECS, "ListTasks", NULL, s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_string_equal(f.http.sent[0].host, "localhost:9");
    assert_string_equal(f.http.sent[0].path, "/base");
    s_outcome_free(&o);
    s_teardown(&f);
}

/* Endpoint URLs are split by libcurl's parser: IPv6 literals, user information and a
 * query string each end up where they belong. */
static struct http_request *s_send_to(struct fixture *f, struct outcome *o, const char *endpoint)
{
    static struct fake_reply replies[] = {{200, HTTP_OK, "{}", NULL}};
    s_setup(f, replies, 1, endpoint);
    memset(o, 0, sizeof(*o));
    aws_call_json(f->client, &AWS_SVC_ECS, "ListTasks", NULL, s_on_done, o);
    ev_loop_run_until(f->loop, &o->done);
    return f->http.nsent ? &f->http.sent[0] : NULL;
}

static void test_endpoint_url_forms(void **state)
{
    (void)state;
    struct fixture f;
    struct outcome o;

    struct http_request *r = s_send_to(&f, &o, "http://[::1]:4566");
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(r->scheme, "http");
    assert_string_equal(r->host, "[::1]:4566");
    assert_string_equal(r->path, "/");
    s_outcome_free(&o);
    s_teardown(&f);

    /* A query right after an IPv6 literal, with no path. */
    r = s_send_to(&f, &o, "http://[fd00::5]:8080?stage=test");
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(r->host, "[fd00::5]:8080");
    assert_string_equal(r->path, "/");
    char *url = http_request_url(r);
    assert_string_equal(url, "http://[fd00::5]:8080/?stage=test");
    free(url);
    s_outcome_free(&o);
    s_teardown(&f);

    /* User information is not part of the host and is never sent. */
    r = s_send_to(&f, &o, "https://me:s3cret@example.test:8443/base/");
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(r->host, "example.test:8443");
    assert_string_equal(r->path, "/base");
    url = http_request_url(r);
    assert_null(strstr(url, "s3cret"));
    free(url);
    for (size_t i = 0; i < r->nheaders; i++)
        assert_null(strstr(r->headers[i].value, "s3cret"));
    s_outcome_free(&o);
    s_teardown(&f);

    /* The endpoint's own query goes with every request (signed), not into the path. */
    r = s_send_to(&f, &o, "http://127.0.0.1:4566/base?tenant=a%20b&flag");
    assert_int_equal(o.kind, AWS_ERR_NONE);
    assert_string_equal(r->path, "/base");
    assert_int_equal(r->nquery, 2);
    url = http_request_url(r);
    assert_string_equal(url, "http://127.0.0.1:4566/base?flag=&tenant=a%20b");
    free(url);
    assert_non_null(strstr(http_request_header(r, "Authorization"), "Signature="));
    s_outcome_free(&o);
    s_teardown(&f);

    /* Not an http(s) URL with a host: refused before anything is sent, and a password in
     * it is not repeated in the message. */
    static const char *const bad[] = {"localhost:4566", "ftp://example.test/",
                                      "http://me:s3cret@/x", "https://"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = s_send_to(&f, &o, bad[i]);
        assert_null(r);
        assert_int_equal(o.kind, AWS_ERR_TRANSPORT);
        assert_string_equal(o.code, "InvalidEndpoint");
        assert_null(strstr(o.message, "s3cret"));
        s_outcome_free(&o);
        s_teardown(&f);
    }
}

static void test_s3_addressing(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK, "<ListBucketResult/>", NULL}};
    struct fixture f;
    struct http_kv q[] = {{"list-type", "2"}, {"prefix", "user 1/bot/documents/"}};
    /* Default endpoint: virtual-hosted. */
    s_setup(&f, replies, 1, NULL);
    struct outcome o = {0};
    aws_call_rest(f.client, &AWS_SVC_S3, "ListObjectsV2", "GET", "/docs-bucket", q, 2, NULL, 0,
                  s_on_done, &o);
    ev_loop_run_until(f.loop, &o.done);
    assert_string_equal(f.http.sent[0].host, "docs-bucket.s3.us-east-1.amazonaws.com");
    assert_string_equal(f.http.sent[0].path, "/");
    assert_non_null(http_request_header(&f.http.sent[0], "X-Amz-Content-Sha256"));
    char *url = http_request_url(&f.http.sent[0]);
    assert_string_equal(url, "https://docs-bucket.s3.us-east-1.amazonaws.com/?list-type=2&prefix=user%201%2Fbot%2Fdocuments%2F");
    free(url);
    s_outcome_free(&o);
    s_teardown(&f);
    /* Custom endpoint: path style. */
    s_setup(&f, replies, 1, "http://127.0.0.1:4566");
    struct outcome o2 = {0};
    aws_call_rest(f.client, &AWS_SVC_S3, "ListObjectsV2", "GET", "/docs-bucket", q, 2, NULL, 0,
                  s_on_done, &o2);
    ev_loop_run_until(f.loop, &o2.done);
    assert_string_equal(f.http.sent[0].host, "127.0.0.1:4566");
    assert_string_equal(f.http.sent[0].path, "/docs-bucket");
    s_outcome_free(&o2);
    s_teardown(&f);
}

/* A call that fails before any HTTP exchange (an unusable endpoint, no credentials)
 * still answers from the loop, never inside aws_call_*: a caller that starts calls in a
 * loop over its own state must not be re-entered half-way. */
static int s_inline_calls;
static void s_count_done(void *ud, struct aws_response *r)
{
    (void)r;
    s_inline_calls++;
    *(bool *)ud = true;
}

static void s_no_creds_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    (void)p;
    done(ud, NULL, "no credentials here"); /* answered inline, as a cache miss with no source may */
}

static void s_no_creds_free(struct cred_provider *p)
{
    free(p);
}

static void test_failures_before_sending_answer_from_the_loop(void **state)
{
    (void)state;
    struct fixture f;
    s_setup(&f, NULL, 0, "not a url");
    bool done = false;
    s_inline_calls = 0;
    aws_call_json(f.client, &AWS_SVC_ECS, "ListTasks", NULL, s_count_done, &done);
    assert_int_equal(s_inline_calls, 0);
    ev_loop_run_until(f.loop, &done);
    assert_int_equal(s_inline_calls, 1);
    assert_int_equal(f.http.nsent, 0);
    s_teardown(&f);

    s_setup(&f, NULL, 0, "http://127.0.0.1:9");
    static const struct cred_provider_vtable none_vt = {s_no_creds_get, s_no_creds_free};
    struct cred_provider *none = xcalloc(1, sizeof(*none));
    none->vt = &none_vt;
    cred_provider_free(f.creds);
    f.creds = none;
    aws_client_free(f.client);
    struct aws_client_config cfg = {.loop = f.loop, .http = &f.http.base, .creds = none,
                                    .region = "us-east-1", .endpoint_url = "http://127.0.0.1:9"};
    f.client = aws_client_new(&cfg);
    done = false;
    s_inline_calls = 0;
    aws_call_json(f.client, &AWS_SVC_DYNAMODB, "Scan", NULL, s_count_done, &done);
    assert_int_equal(s_inline_calls, 0);
    ev_loop_run_until(f.loop, &done);
    assert_int_equal(s_inline_calls, 1);
    s_teardown(&f);
}

static void test_error_describe_is_sanitised(void **state)
{
    (void)state;
    struct aws_error e = {.kind = AWS_ERR_SERVICE, .http_status = 400, .code = "Bad",
                          .message = "evil \x1b]52;c;AAAA\x07 text", .request_id = "r"};
    char *d = aws_error_describe(&e);
    assert_null(strchr(d, '\x1b'));
    assert_null(strchr(d, '\x07'));
    assert_non_null(strstr(d, "Bad"));
    assert_non_null(strstr(d, "HTTP 400"));
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_request_shape_and_reply),
        cmocka_unit_test(test_query_request_and_xml_reply),
        cmocka_unit_test(test_query_params_are_form_encoded),
        cmocka_unit_test(test_throttling_is_retried_then_succeeds),
        cmocka_unit_test(test_non_retryable_error_returns_at_once),
        cmocka_unit_test(test_5xx_retried_up_to_service_default),
        cmocka_unit_test(test_max_attempts_from_environment),
        cmocka_unit_test(test_transport_errors_retried_then_reported),
        cmocka_unit_test(test_tls_failure_not_retried),
        cmocka_unit_test(test_query_error_xml_parsed),
        cmocka_unit_test(test_json_service_xml_error_parsed),
        cmocka_unit_test(test_retry_quota_stops_retry_storms),
        cmocka_unit_test(test_endpoint_resolution_order),
        cmocka_unit_test(test_endpoint_url_forms),
        cmocka_unit_test(test_s3_addressing),
        cmocka_unit_test(test_error_describe_is_sanitised),
        cmocka_unit_test(test_failures_before_sending_answer_from_the_loop),
    };
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_MAX_ATTEMPTS");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
