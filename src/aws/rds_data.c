#include "aws/rds_data.h"

#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct rds_op {
    struct aws_client *client;
    char *operation;
    char *path;
    cJSON *request;              /* kept to send again after a wait */
    struct rds_data_options options;
    int waits;
    rds_data_done_fn done;
    void *ud;
};

const struct rds_value *rds_result_cell(const struct rds_result *r, size_t row, size_t column)
{
    if (!r || row >= r->rows || column >= r->columns)
        return NULL;
    return &r->cells[row * r->columns + column];
}

bool rds_data_is_waking_error(const struct aws_error *e)
{
    if (!e || !e->code)
        return false;
    if (strcmp(e->code, "DatabaseResumingException") == 0 ||
        strcmp(e->code, "DatabaseUnavailableException") == 0 ||
        strcmp(e->code, "ServiceUnavailableError") == 0)
        return true;
    /* Older clusters answer a paused database with a BadRequestException whose message
     * says so ("Communications link failure", "... is resuming after being auto-paused"). */
    return strcmp(e->code, "BadRequestException") == 0 && e->message &&
           (strstr(e->message, "Communications link failure") ||
            strstr(e->message, "resuming after being auto-paused"));
}

/* ---- reading a reply --------------------------------------------------------------- */

static void s_field(const cJSON *field, struct rds_value *out)
{
    memset(out, 0, sizeof(*out));
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(field, "stringValue")) && cJSON_IsString(v)) {
        out->kind = RDS_VALUE_STRING;
        out->s = xstrdup(v->valuestring);
    } else if ((v = cJSON_GetObjectItemCaseSensitive(field, "longValue")) && cJSON_IsNumber(v)) {
        out->kind = RDS_VALUE_LONG;
        out->l = (long long)v->valuedouble;
    } else if ((v = cJSON_GetObjectItemCaseSensitive(field, "doubleValue")) && cJSON_IsNumber(v)) {
        out->kind = RDS_VALUE_DOUBLE;
        out->d = v->valuedouble;
    } else if ((v = cJSON_GetObjectItemCaseSensitive(field, "booleanValue")) && cJSON_IsBool(v)) {
        out->kind = RDS_VALUE_BOOL;
        out->b = cJSON_IsTrue(v);
    } else if ((v = cJSON_GetObjectItemCaseSensitive(field, "isNull")) && cJSON_IsTrue(v)) {
        out->kind = RDS_VALUE_NULL;
    } else {
        out->kind = RDS_VALUE_OTHER;
    }
}

static struct rds_result *s_result_parse(const cJSON *doc)
{
    struct rds_result *r = xcalloc(1, sizeof(*r));
    const cJSON *updated = cJSON_GetObjectItemCaseSensitive(doc, "numberOfRecordsUpdated");
    if (cJSON_IsNumber(updated))
        r->records_updated = (long long)updated->valuedouble;
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "records");
    if (!cJSON_IsArray(records))
        return r;
    size_t rows = (size_t)cJSON_GetArraySize(records);
    size_t columns = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, records) {
        size_t n = cJSON_IsArray(row) ? (size_t)cJSON_GetArraySize(row) : 0;
        if (n > columns)
            columns = n;
    }
    r->rows = rows;
    r->columns = columns;
    size_t ncells = rows * columns;
    r->cells = xcalloc(ncells ? ncells : 1, sizeof(*r->cells));
    size_t i = 0;
    cJSON_ArrayForEach(row, records) {
        size_t j = 0;
        const cJSON *field;
        if (cJSON_IsArray(row)) {
            cJSON_ArrayForEach(field, row) {
                s_field(field, &r->cells[i * columns + j]);
                j++;
            }
        }
        for (; j < columns; j++)
            r->cells[i * columns + j].kind = RDS_VALUE_NULL;   /* a short row: missing is null */
        i++;
    }
    return r;
}

static void s_result_free(struct rds_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->rows * r->columns; i++)
        free((char *)r->cells[i].s);
    free(r->cells);
    free(r);
}

/* ---- one operation, waited out while the database wakes ------------------------------ */

static void s_op_free(struct rds_op *op)
{
    cJSON_Delete(op->request);
    free(op->operation);
    free(op->path);
    free(op);
}

static void s_send(struct rds_op *op);

static void s_wake_timer(void *ud)
{
    s_send(ud);
}

static uint64_t s_wait_ms(const struct rds_op *op)
{
    uint64_t base = op->options.wake_base_ms ? op->options.wake_base_ms : 1000;
    uint64_t cap = op->options.wake_cap_ms ? op->options.wake_cap_ms : 16000;
    uint64_t ms = base;
    for (int i = 1; i < op->waits && ms < cap; i++)
        ms *= 2;
    return ms < cap ? ms : cap;
}

static void s_on_reply(void *ud, struct aws_response *resp)
{
    struct rds_op *op = ud;
    int max_waits = op->options.max_wake_waits > 0 ? op->options.max_wake_waits
                                                    : RDS_DATA_DEFAULT_WAKE_WAITS;
    if (resp->err.kind != AWS_ERR_NONE && rds_data_is_waking_error(&resp->err) &&
        op->waits < max_waits) {
        op->waits++;
        uint64_t delay = s_wait_ms(op);
        if (op->options.waking)
            op->options.waking(op->options.waking_ud, op->waits, delay);
        ev_timer_add(aws_client_loop(op->client), delay, s_wake_timer, op);
        return;
    }

    struct rds_data_reply reply;
    memset(&reply, 0, sizeof(reply));
    reply.err = resp->err;
    reply.wake_waits = op->waits;
    struct rds_result *result = NULL;
    if (resp->err.kind == AWS_ERR_NONE && resp->json) {
        if (strcmp(op->operation, "ExecuteStatement") == 0)
            reply.result = result = s_result_parse(resp->json);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp->json, "transactionId");
        if (cJSON_IsString(v))
            reply.transaction_id = v->valuestring;
        v = cJSON_GetObjectItemCaseSensitive(resp->json, "transactionStatus");
        if (cJSON_IsString(v))
            reply.transaction_status = v->valuestring;
        v = cJSON_GetObjectItemCaseSensitive(resp->json, "updateResults");
        if (cJSON_IsArray(v))
            reply.update_results = (size_t)cJSON_GetArraySize(v);
    }
    if (op->done)
        op->done(op->ud, &reply);
    s_result_free(result);
    s_op_free(op);
}

static void s_send(struct rds_op *op)
{
    aws_call_rest_json(op->client, &AWS_SVC_RDS_DATA, op->operation, op->path,
                       cJSON_Duplicate(op->request, true), s_on_reply, op);
}

static cJSON *s_target_body(const struct rds_data_target *t, bool with_database)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "resourceArn", t->resource_arn ? t->resource_arn : "");
    cJSON_AddStringToObject(body, "secretArn", t->secret_arn ? t->secret_arn : "");
    if (with_database && t->database)
        cJSON_AddStringToObject(body, "database", t->database);
    return body;
}

static void s_start(struct aws_client *c, const char *operation, const char *path, cJSON *body,
                    const struct rds_data_options *options, rds_data_done_fn done, void *ud)
{
    struct rds_op *op = xcalloc(1, sizeof(*op));
    op->client = c;
    op->operation = xstrdup(operation);
    op->path = xstrdup(path);
    op->request = body;
    if (options)
        op->options = *options;
    op->done = done;
    op->ud = ud;
    s_send(op);
}

/* A Field union with exactly one member, as the model requires. */
static cJSON *s_field_json(const struct rds_value *v)
{
    cJSON *field = cJSON_CreateObject();
    switch (v->kind) {
    case RDS_VALUE_STRING:
        if (v->s)
            cJSON_AddStringToObject(field, "stringValue", v->s);
        else
            cJSON_AddBoolToObject(field, "isNull", true);
        break;
    case RDS_VALUE_LONG:
        cJSON_AddNumberToObject(field, "longValue", (double)v->l);
        break;
    case RDS_VALUE_DOUBLE:
        cJSON_AddNumberToObject(field, "doubleValue", v->d);
        break;
    case RDS_VALUE_BOOL:
        cJSON_AddBoolToObject(field, "booleanValue", v->b);
        break;
    case RDS_VALUE_NULL:
    case RDS_VALUE_OTHER:
        cJSON_AddBoolToObject(field, "isNull", true);
        break;
    }
    return field;
}

static cJSON *s_parameters(const struct rds_value *params, size_t n)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", params[i].name ? params[i].name : "");
        cJSON_AddItemToObject(p, "value", s_field_json(&params[i]));
        cJSON_AddItemToArray(list, p);
    }
    return list;
}

void rds_data_execute(struct aws_client *c, const struct rds_data_target *t, const char *sql,
                      const struct rds_value *params, size_t n, const char *transaction_id,
                      const struct rds_data_options *options, rds_data_done_fn done, void *ud)
{
    cJSON *body = s_target_body(t, true);
    cJSON_AddStringToObject(body, "sql", sql);
    if (n)
        cJSON_AddItemToObject(body, "parameters", s_parameters(params, n));
    if (transaction_id)
        cJSON_AddStringToObject(body, "transactionId", transaction_id);
    s_start(c, "ExecuteStatement", "/Execute", body, options, done, ud);
}

void rds_data_batch(struct aws_client *c, const struct rds_data_target *t, const char *sql,
                    const struct rds_value *sets, size_t nsets, size_t per_set,
                    const char *transaction_id, const struct rds_data_options *options,
                    rds_data_done_fn done, void *ud)
{
    cJSON *body = s_target_body(t, true);
    cJSON_AddStringToObject(body, "sql", sql);
    cJSON *list = cJSON_AddArrayToObject(body, "parameterSets");
    for (size_t i = 0; i < nsets; i++)
        cJSON_AddItemToArray(list, s_parameters(sets + i * per_set, per_set));
    if (transaction_id)
        cJSON_AddStringToObject(body, "transactionId", transaction_id);
    s_start(c, "BatchExecuteStatement", "/BatchExecute", body, options, done, ud);
}

void rds_data_begin(struct aws_client *c, const struct rds_data_target *t,
                    const struct rds_data_options *options, rds_data_done_fn done, void *ud)
{
    s_start(c, "BeginTransaction", "/BeginTransaction", s_target_body(t, true), options, done, ud);
}

static void s_end(struct aws_client *c, const char *operation, const char *path,
                  const struct rds_data_target *t, const char *transaction_id,
                  const struct rds_data_options *options, rds_data_done_fn done, void *ud)
{
    cJSON *body = s_target_body(t, false);
    cJSON_AddStringToObject(body, "transactionId", transaction_id ? transaction_id : "");
    s_start(c, operation, path, body, options, done, ud);
}

void rds_data_commit(struct aws_client *c, const struct rds_data_target *t,
                     const char *transaction_id, const struct rds_data_options *options,
                     rds_data_done_fn done, void *ud)
{
    s_end(c, "CommitTransaction", "/CommitTransaction", t, transaction_id, options, done, ud);
}

void rds_data_rollback(struct aws_client *c, const struct rds_data_target *t,
                       const char *transaction_id, const struct rds_data_options *options,
                       rds_data_done_fn done, void *ud)
{
    s_end(c, "RollbackTransaction", "/RollbackTransaction", t, transaction_id, options, done, ud);
}
