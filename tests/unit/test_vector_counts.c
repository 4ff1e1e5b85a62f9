/* Row counts per bot over the Data API: the statement, keyset paging, failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "engine/verify/vector_counts.h"
#include "support/fake_http.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
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
    enum vector_counts_failure failure;
    struct vector_counts counts;
    char *hint;
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

static void s_done(void *ud, const struct vector_counts_result *r)
{
    struct seen *s = ud;
    s->done = true;
    s->failure = r->failure;
    if (r->counts)
        vector_counts_move(&s->counts, (struct vector_counts *)r->counts);
    s->hint = r->hint ? xstrdup(r->hint) : NULL;
}

/* A page of n rows: ids "B%025zu" from first, CHAR(26) padded as the database returns them. */
static char *s_page(size_t first, size_t n)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "{\"records\":[");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s[{\"stringValue\":\"B%025zu\"},{\"longValue\":%zu}]", i ? "," : "", first + i,
                   (first + i) % 7 + 1);
    buf_puts(&b, "],\"numberOfRecordsUpdated\":0}");
    return buf_detach(&b);
}

static const struct rds_data_target TARGET = {"arn:aws:rds:ap-northeast-1:1:cluster:c",
                                              "arn:aws:secretsmanager:ap-northeast-1:1:secret:s", "postgres"};

static void test_pages_until_a_short_page(void **state)
{
    (void)state;
    char *p1 = s_page(0, VECTOR_COUNTS_PAGE), *p2 = s_page(VECTOR_COUNTS_PAGE, 3);
    struct fake_reply replies[] = {{200, HTTP_OK, p1, NULL}, {200, HTTP_OK, p2, NULL}};
    struct fixture f;
    s_setup(&f, replies, 2);
    struct seen s;
    memset(&s, 0, sizeof(s));
    vector_counts_read(f.client, &TARGET, NULL, s_done, &s);
    ev_loop_run_until(f.loop, &s.done);
    assert_int_equal(s.failure, VECTOR_COUNTS_OK);
    assert_int_equal(s.counts.n, VECTOR_COUNTS_PAGE + 3);
    assert_int_equal(s.counts.requests, 2);
    assert_int_equal(vector_counts_for(&s.counts, "B0000000000000000000000005"), 6);
    assert_int_equal(vector_counts_for(&s.counts, "NOPE"), 0);
    assert_int_equal(f.http.nsent, 2);
    for (size_t i = 0; i < 2; i++) {
        cJSON *body = cJSON_ParseWithLength(f.http.sent[i].body.data, f.http.sent[i].body.len);
        const char *sql = cJSON_GetObjectItem(body, "sql")->valuestring;
        assert_string_equal(sql, VECTOR_COUNTS_SQL);
        assert_null(strstr(sql, "content"));
        assert_null(strstr(sql, "embedding"));
        cJSON *after = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "parameters"), 0);
        const char *v = cJSON_GetObjectItem(cJSON_GetObjectItem(after, "value"), "stringValue")->valuestring;
        /* the second page starts after the first page's last id */
        assert_string_equal(v, i == 0 ? "" : "B0000000000000000000001999");
        cJSON_Delete(body);
    }
    vector_counts_free(&s.counts);
    s_teardown(&f);
    free(p1);
    free(p2);
}

static void test_failures_say_what_to_do(void **state)
{
    (void)state;
    const struct {
        struct fake_reply reply;
        enum vector_counts_failure failure;
        const char *hint_part;
    } cases[] = {
        {{403, HTTP_OK, "{\"message\":\"not authorized to perform rds-data:ExecuteStatement\"}",
          "x-amzn-ErrorType: AccessDeniedException\n"}, VECTOR_COUNTS_DENIED, "rds-data:ExecuteStatement"},
        {{400, HTTP_OK, "{\"message\":\"Error fetching secret: not authorized\"}",
          "x-amzn-ErrorType: BadRequestException\n"}, VECTOR_COUNTS_DENIED, "secretsmanager:GetSecretValue"},
        {{400, HTTP_OK, "{\"message\":\"ERROR: relation \\\"items\\\" does not exist\"}",
          "x-amzn-ErrorType: DatabaseErrorException\n"}, VECTOR_COUNTS_NO_TABLE, "setup-pgvector"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_reply r = cases[i].reply;
        struct fixture f;
        s_setup(&f, &r, 1);
        struct seen s;
        memset(&s, 0, sizeof(s));
        vector_counts_read(f.client, &TARGET, NULL, s_done, &s);
        ev_loop_run_until(f.loop, &s.done);
        assert_int_equal(s.failure, cases[i].failure);
        assert_non_null(s.hint);
        assert_non_null(strstr(s.hint, cases[i].hint_part));
        free(s.hint);
        s_teardown(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_until_a_short_page),
        cmocka_unit_test(test_failures_say_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
