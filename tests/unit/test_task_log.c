/* A task's CloudWatch log: where it is, what is asked for, and how a page is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "engine/run/task_log.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_client *client;
};

struct seen {
    bool done;
    bool failed;
    bool no_stream;
    bool at_end;
    size_t n;
    char *first;
    char *token;
    int64_t first_ts;
};

static void s_setup(struct fixture *f, struct fake_reply *replies, size_t n)
{
    f->loop = ev_loop_new();
    fake_http_init(&f->http, f->loop, replies, n);
    struct aws_credentials c = {.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret",
                                .session_token = NULL, .expiration = 0, .source = "test"};
    f->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {.loop = f->loop, .http = &f->http.base, .creds = f->creds,
                                    .region = "ap-northeast-1", .max_attempts = 1};
    f->client = aws_client_new(&cfg);
}

static void s_teardown(struct fixture *f)
{
    aws_client_free(f->client);
    cred_provider_free(f->creds);
    fake_http_cleanup(&f->http);
    ev_loop_free(f->loop);
}

static void s_on_page(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct seen *s = ud;
    s->done = true;
    s->failed = err != NULL;
    s->no_stream = page->no_stream;
    s->at_end = page->at_end;
    s->n = page->n;
    if (page->n) {
        s->first = xstrdup(page->events[0].message);
        s->first_ts = page->events[0].timestamp_ms;
    }
    s->token = page->next_token ? xstrdup(page->next_token) : NULL;
}

static cJSON *s_sent_body(const struct fixture *f, size_t i)
{
    return cJSON_ParseWithLength(f->http.sent[i].body.data, f->http.sent[i].body.len);
}

static void test_stream_name(void **state)
{
    (void)state;
    struct task_log_where w = {"/aws/ecs/embed", "embed-task", "Container", "abc123"};
    char *s = task_log_stream(&w);
    assert_string_equal(s, "embed-task/Container/abc123");
    free(s);
    struct task_log_where d = {"/g", NULL, NULL, "t1"};
    s = task_log_stream(&d);
    assert_string_equal(s, "embed-task/Container/t1");
    free(s);
}

static void test_newest_then_forward(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {200, HTTP_OK, "{\"events\":[{\"timestamp\":1700000000123,\"ingestionTime\":1700000000200,"
                       "\"message\":\"Embedding 12 chunks\"},{\"timestamp\":1700000001000,\"message\":\"done\"}],"
                       "\"nextForwardToken\":\"f/1\",\"nextBackwardToken\":\"b/1\"}", NULL},
        {200, HTTP_OK, "{\"events\":[],\"nextForwardToken\":\"f/1\"}", NULL},
    };
    struct fixture f;
    s_setup(&f, replies, 2);
    struct task_log_where w = {"/aws/ecs/embed", "embed-task", "Container", "abc123"};
    struct seen a = {0};
    task_log_read(f.client, &w, NULL, 50, s_on_page, &a);
    ev_loop_run_until(f.loop, &a.done);
    assert_false(a.failed);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.first, "Embedding 12 chunks");
    assert_true(a.first_ts == 1700000000123);
    assert_string_equal(a.token, "f/1");
    assert_false(a.at_end);

    cJSON *body = s_sent_body(&f, 0);
    assert_string_equal(cJSON_GetObjectItem(body, "logGroupName")->valuestring, "/aws/ecs/embed");
    assert_string_equal(cJSON_GetObjectItem(body, "logStreamName")->valuestring, "embed-task/Container/abc123");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(body, "startFromHead")));
    assert_int_equal(cJSON_GetObjectItem(body, "limit")->valueint, 50);
    assert_null(cJSON_GetObjectItem(body, "nextToken"));
    cJSON_Delete(body);

    /* Forward from the token: the same token back means nothing newer. */
    struct seen b = {0};
    task_log_read(f.client, &w, a.token, 0, s_on_page, &b);
    ev_loop_run_until(f.loop, &b.done);
    assert_int_equal(b.n, 0);
    assert_true(b.at_end);
    body = s_sent_body(&f, 1);
    assert_string_equal(cJSON_GetObjectItem(body, "nextToken")->valuestring, "f/1");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(body, "startFromHead")));
    assert_null(cJSON_GetObjectItem(body, "limit"));
    assert_string_equal(http_request_header(&f.http.sent[1], "x-amz-target"), "Logs_20140328.GetLogEvents");
    cJSON_Delete(body);
    free(a.first);
    free(a.token);
    free(b.token);
    s_teardown(&f);
}

/* CloudWatch hands out empty pages in the middle of a stream (events spread over time):
 * only the token coming back unchanged means the end. */
static void test_empty_page_mid_stream_is_not_the_end(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {200, HTTP_OK, "{\"events\":[],\"nextForwardToken\":\"f/2\"}", NULL},
        {200, HTTP_OK, "{\"events\":[{\"timestamp\":1700000002000,\"message\":\"later\"}],"
                       "\"nextForwardToken\":\"f/3\"}", NULL},
        {200, HTTP_OK, "{\"events\":[],\"nextForwardToken\":\"f/3\"}", NULL},
    };
    struct fixture f;
    s_setup(&f, replies, 3);
    struct task_log_where w = {"/g", NULL, NULL, "t1"};
    struct seen a = {0};
    task_log_read(f.client, &w, "f/1", 0, s_on_page, &a);
    ev_loop_run_until(f.loop, &a.done);
    assert_int_equal(a.n, 0);
    assert_false(a.at_end);
    assert_string_equal(a.token, "f/2");
    struct seen b = {0};
    task_log_read(f.client, &w, a.token, 0, s_on_page, &b);
    ev_loop_run_until(f.loop, &b.done);
    assert_int_equal(b.n, 1);
    assert_false(b.at_end);
    struct seen c = {0};
    task_log_read(f.client, &w, b.token, 0, s_on_page, &c);
    ev_loop_run_until(f.loop, &c.done);
    assert_true(c.at_end);
    free(a.token);
    free(b.first);
    free(b.token);
    free(c.token);
    s_teardown(&f);
}

static void test_missing_stream_and_errors(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"The specified log stream does not exist.\"}", NULL},
        {400, HTTP_OK, "{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed\"}", NULL},
    };
    struct fixture f;
    s_setup(&f, replies, 2);
    struct task_log_where w = {"/g", NULL, NULL, "t1"};
    struct seen a = {0};
    task_log_read(f.client, &w, NULL, 10, s_on_page, &a);
    ev_loop_run_until(f.loop, &a.done);
    assert_false(a.failed);
    assert_true(a.no_stream);
    struct seen b = {0};
    task_log_read(f.client, &w, NULL, 10, s_on_page, &b);
    ev_loop_run_until(f.loop, &b.done);
    assert_true(b.failed);
    assert_false(b.no_stream);
    s_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_name),
        cmocka_unit_test(test_newest_then_forward),
        cmocka_unit_test(test_empty_page_mid_stream_is_not_the_end),
        cmocka_unit_test(test_missing_stream_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
