/* The RDS Data API client: request bodies (typed, bound parameters), reply records, and
 * waiting for a resuming database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/rds_data.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define ARN "arn:aws:rds:ap-northeast-1:123456789012:cluster:vectorstore"
#define SECRET "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-AbCdEf"

struct fixture {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_client *client;
};

struct seen {
    bool done;
    enum aws_error_kind kind;
    char *code;
    size_t rows, columns;
    char *first_string;
    long long first_long;
    enum rds_value_kind kinds[6];
    char *tx;
    char *status;
    size_t updates;
    int wake_waits;
    int waking_calls;
    uint64_t delays[8];
};

static const struct rds_data_target TARGET = {ARN, SECRET, "postgres"};

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

static void s_teardown(struct fixture *f, struct seen *s)
{
    aws_client_free(f->client);
    cred_provider_free(f->creds);
    fake_http_cleanup(&f->http);
    ev_loop_free(f->loop);
    free(s->code);
    free(s->first_string);
    free(s->tx);
    free(s->status);
}

static void s_done(void *ud, const struct rds_data_reply *r)
{
    struct seen *s = ud;
    s->done = true;
    s->kind = r->err.kind;
    s->code = r->err.code ? xstrdup(r->err.code) : NULL;
    s->wake_waits = r->wake_waits;
    s->updates = r->update_results;
    if (r->transaction_id)
        s->tx = xstrdup(r->transaction_id);
    if (r->transaction_status)
        s->status = xstrdup(r->transaction_status);
    if (!r->result)
        return;
    s->rows = r->result->rows;
    s->columns = r->result->columns;
    for (size_t j = 0; j < r->result->columns && j < 6; j++)
        s->kinds[j] = rds_result_cell(r->result, 0, j)->kind;
    const struct rds_value *v = rds_result_cell(r->result, 0, 0);
    if (v && v->kind == RDS_VALUE_STRING)
        s->first_string = xstrdup(v->s);
    v = rds_result_cell(r->result, 0, 1);
    if (v && v->kind == RDS_VALUE_LONG)
        s->first_long = v->l;
}

static void s_waking(void *ud, int wait, uint64_t delay_ms)
{
    struct seen *s = ud;
    if (s->waking_calls < 8)
        s->delays[s->waking_calls] = delay_ms;
    s->waking_calls++;
    assert_int_equal(wait, s->waking_calls);
}

static cJSON *s_sent_body(const struct fixture *f, size_t i)
{
    return cJSON_ParseWithLength(f->http.sent[i].body.data, f->http.sent[i].body.len);
}

static void test_execute_binds_typed_parameters(void **state)
{
    (void)state;
    struct fake_reply replies[] = {{200, HTTP_OK,
        "{\"records\":[[{\"stringValue\":\"01HBOT\"},{\"longValue\":42},{\"isNull\":true},"
        "{\"doubleValue\":1.5},{\"booleanValue\":true},{\"blobValue\":\"AA==\"}]],"
        "\"numberOfRecordsUpdated\":0}", NULL}};
    struct fixture f;
    s_setup(&f, replies, 1);
    struct seen s = {0};
    struct rds_value params[] = {RDS_STRING("bot", "01HBOT"), RDS_LONG("limit", 5000)};
    rds_data_execute(f.client, &TARGET, "SELECT botid, count(*) FROM items WHERE botid = :bot",
                     params, 2, NULL, NULL, s_done, &s);
    ev_loop_run_until(f.loop, &s.done);

    assert_int_equal(s.kind, AWS_ERR_NONE);
    assert_int_equal(s.rows, 1);
    assert_int_equal(s.columns, 6);
    assert_string_equal(s.first_string, "01HBOT");
    assert_int_equal(s.first_long, 42);
    assert_int_equal(s.kinds[2], RDS_VALUE_NULL);
    assert_int_equal(s.kinds[3], RDS_VALUE_DOUBLE);
    assert_int_equal(s.kinds[4], RDS_VALUE_BOOL);
    assert_int_equal(s.kinds[5], RDS_VALUE_OTHER);

    assert_int_equal(f.http.nsent, 1);
    assert_string_equal(f.http.sent[0].method, "POST");
    assert_string_equal(f.http.sent[0].path, "/Execute");
    assert_string_equal(f.http.sent[0].host, "rds-data.ap-northeast-1.amazonaws.com");
    assert_string_equal(http_request_header(&f.http.sent[0], "content-type"), "application/json");
    assert_non_null(strstr(http_request_header(&f.http.sent[0], "authorization"),
                           "/ap-northeast-1/rds-data/aws4_request"));
    cJSON *body = s_sent_body(&f, 0);
    assert_string_equal(cJSON_GetObjectItem(body, "resourceArn")->valuestring, ARN);
    assert_string_equal(cJSON_GetObjectItem(body, "secretArn")->valuestring, SECRET);
    assert_string_equal(cJSON_GetObjectItem(body, "database")->valuestring, "postgres");
    /* the value travels as a parameter, never inside the SQL */
    assert_null(strstr(cJSON_GetObjectItem(body, "sql")->valuestring, "01HBOT"));
    cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "parameters"), 0);
    assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring, "bot");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "value"), "stringValue")->valuestring,
                        "01HBOT");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "value")), 1);
    p = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "parameters"), 1);
    assert_int_equal((int)cJSON_GetObjectItem(cJSON_GetObjectItem(p, "value"), "longValue")->valuedouble,
                     5000);
    assert_null(cJSON_GetObjectItem(body, "transactionId"));
    cJSON_Delete(body);
    s_teardown(&f, &s);
}

static void test_resuming_database_is_waited_for(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"message\":\"The database is resuming\"}", "x-amzn-ErrorType: DatabaseResumingException\n"},
        {400, HTTP_OK, "{\"message\":\"Communications link failure\"}", "x-amzn-ErrorType: BadRequestException\n"},
        {503, HTTP_OK, "{\"message\":\"unavailable\"}", "x-amzn-ErrorType: DatabaseUnavailableException\n"},
        {200, HTTP_OK, "{\"records\":[[{\"longValue\":1}]]}", NULL},
    };
    struct fixture f;
    s_setup(&f, replies, 4);
    struct seen s = {0};
    struct rds_data_options o = {.wake_base_ms = 1, .wake_cap_ms = 2, .waking = s_waking, .waking_ud = &s};
    rds_data_execute(f.client, &TARGET, "SELECT 1", NULL, 0, NULL, &o, s_done, &s);
    ev_loop_run_until(f.loop, &s.done);
    assert_int_equal(s.kind, AWS_ERR_NONE);
    assert_int_equal(s.waking_calls, 3);
    assert_int_equal(s.wake_waits, 3);
    assert_int_equal(f.http.nsent, 4);
    /* capped exponential backoff: 1, 2, then the cap */
    assert_int_equal(s.delays[0], 1);
    assert_int_equal(s.delays[1], 2);
    assert_int_equal(s.delays[2], 2);
    /* the same request each time */
    for (size_t i = 1; i < 4; i++)
        assert_memory_equal(f.http.sent[i].body.data, f.http.sent[0].body.data, f.http.sent[0].body.len);
    s_teardown(&f, &s);
}

static void test_waking_gives_up(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"message\":\"resuming\"}", "x-amzn-ErrorType: DatabaseResumingException\n"}};
    struct fixture f;
    s_setup(&f, replies, 1);
    struct seen s = {0};
    struct rds_data_options o = {.max_wake_waits = 2, .wake_base_ms = 1, .waking = s_waking, .waking_ud = &s};
    rds_data_execute(f.client, &TARGET, "SELECT 1", NULL, 0, NULL, &o, s_done, &s);
    ev_loop_run_until(f.loop, &s.done);
    assert_int_equal(s.kind, AWS_ERR_SERVICE);
    assert_string_equal(s.code, "DatabaseResumingException");
    assert_int_equal(f.http.nsent, 3);
    s_teardown(&f, &s);
}

static void test_other_errors_are_not_waited_for(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {400, HTTP_OK, "{\"message\":\"syntax error\"}", "x-amzn-ErrorType: DatabaseErrorException\n"},
        {403, HTTP_OK, "{\"message\":\"denied\"}", "x-amzn-ErrorType: AccessDeniedException\n"}};
    struct fixture f;
    s_setup(&f, replies, 2);
    struct seen s = {0};
    rds_data_execute(f.client, &TARGET, "SELEC 1", NULL, 0, NULL, NULL, s_done, &s);
    ev_loop_run_until(f.loop, &s.done);
    assert_string_equal(s.code, "DatabaseErrorException");
    assert_int_equal(f.http.nsent, 1);
    struct aws_error e = {.kind = AWS_ERR_SERVICE, .code = "AccessDeniedException"};
    assert_false(rds_data_is_waking_error(&e));
    s_teardown(&f, &s);
}

static void test_transaction_and_batch(void **state)
{
    (void)state;
    struct fake_reply replies[] = {
        {200, HTTP_OK, "{\"transactionId\":\"tx-1\"}", NULL},
        {200, HTTP_OK, "{\"updateResults\":[{\"generatedFields\":[]},{\"generatedFields\":[]}]}", NULL},
        {200, HTTP_OK, "{\"transactionStatus\":\"Transaction Committed\"}", NULL},
        {200, HTTP_OK, "{\"transactionStatus\":\"Rollback Complete\"}", NULL}};
    struct fixture f;
    s_setup(&f, replies, 4);
    struct seen a = {0}, b = {0}, c = {0}, d = {0};
    rds_data_begin(f.client, &TARGET, NULL, s_done, &a);
    ev_loop_run_until(f.loop, &a.done);
    assert_string_equal(a.tx, "tx-1");
    struct rds_value sets[] = {RDS_STRING("id", "A"), RDS_STRING("bot", "B"),
                               RDS_STRING("id", "C"), RDS_STRING("bot", "B")};
    rds_data_batch(f.client, &TARGET, "INSERT INTO items (id, botid) VALUES (:id, :bot)", sets, 2, 2,
                   a.tx, NULL, s_done, &b);
    ev_loop_run_until(f.loop, &b.done);
    assert_int_equal(b.updates, 2);
    rds_data_commit(f.client, &TARGET, a.tx, NULL, s_done, &c);
    ev_loop_run_until(f.loop, &c.done);
    assert_string_equal(c.status, "Transaction Committed");
    rds_data_rollback(f.client, &TARGET, a.tx, NULL, s_done, &d);
    ev_loop_run_until(f.loop, &d.done);
    assert_string_equal(d.status, "Rollback Complete");

    const char *paths[] = {"/BeginTransaction", "/BatchExecute", "/CommitTransaction", "/RollbackTransaction"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(f.http.sent[i].path, paths[i]);
    cJSON *batch = s_sent_body(&f, 1);
    assert_string_equal(cJSON_GetObjectItem(batch, "transactionId")->valuestring, "tx-1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(batch, "parameterSets")), 2);
    cJSON_Delete(batch);
    cJSON *commit = s_sent_body(&f, 2);
    assert_null(cJSON_GetObjectItem(commit, "database"));   /* not a member of CommitTransactionRequest */
    assert_string_equal(cJSON_GetObjectItem(commit, "transactionId")->valuestring, "tx-1");
    cJSON_Delete(commit);
    s_teardown(&f, &a);
    free(b.tx);
    free(c.status);
    free(d.status);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_execute_binds_typed_parameters),
        cmocka_unit_test(test_resuming_database_is_waited_for),
        cmocka_unit_test(test_waking_gives_up),
        cmocka_unit_test(test_other_errors_are_not_waited_for),
        cmocka_unit_test(test_transaction_and_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
