/* Row counts per bot from the items table over the RDS Data API, page by page. */
#include "engine/verify/vector_counts.h"

#include "util/mem.h"
#include "util/sanitize.h"

#include <stdlib.h>
#include <string.h>

struct counts_read {
    struct aws_client *client;
    char *resource_arn, *secret_arn, *database;
    struct rds_data_options options;
    struct vector_counts counts;
    size_t cap;
    char *after;                 /* the last bot id of the previous page */
    vector_counts_done_fn done;
    void *ud;
};

static void s_read_free(struct counts_read *r)
{
    vector_counts_free(&r->counts);
    free(r->resource_arn);
    free(r->secret_arn);
    free(r->database);
    free(r->after);
    free(r);
}

static int s_by_id(const void *a, const void *b)
{
    return strcmp(((const struct vector_count *)a)->bot_id, ((const struct vector_count *)b)->bot_id);
}

static bool s_contains(const char *text, const char *what)
{
    return text && strstr(text, what);
}

static void s_fail(struct counts_read *r, const struct aws_error *err)
{
    struct vector_counts_result res = {VECTOR_COUNTS_FAILED, NULL, NULL, NULL};
    char *why = aws_error_describe(err);
    const char *code = err->code ? err->code : "";
    if (strcmp(code, "AccessDeniedException") == 0 || strcmp(code, "ForbiddenException") == 0 ||
        (strcmp(code, "BadRequestException") == 0 &&
         (s_contains(err->message, "not authorized") || s_contains(err->message, "fetching secret")))) {
        res.failure = VECTOR_COUNTS_DENIED;
        res.hint = "allow rds-data:ExecuteStatement on the cluster and secretsmanager:GetSecretValue "
                   "on DbConfigSecretArn (the README's IAM policy, statement OptionalVerifyVectors)";
    } else if (s_contains(err->message, "relation \"items\" does not exist")) {
        res.failure = VECTOR_COUNTS_NO_TABLE;
        res.hint = "the stack's setup-pgvector custom resource creates the items table on deploy; "
                   "check that the v1 deployment finished";
    } else if (rds_data_is_waking_error(err)) {
        res.failure = VECTOR_COUNTS_ASLEEP;
        res.hint = "the cluster is still resuming: try again in a minute";
    } else if (strcmp(code, "HttpEndpointNotEnabledException") == 0 ||
               s_contains(err->message, "HttpEndpoint is not enabled")) {
        res.hint = "the cluster's Data API (HTTP endpoint) is off; every v1 stack enables it, so "
                   "check that this is the v1 cluster";
    } else {
        res.hint = aws_error_hint(err);
    }
    res.message = why;
    r->done(r->ud, &res);
    free(why);
    s_read_free(r);
}

static void s_next_page(struct counts_read *r);

static void s_on_page(void *ud, const struct rds_data_reply *reply)
{
    struct counts_read *r = ud;
    r->counts.requests++;
    r->counts.wake_waits += reply->wake_waits;
    if (reply->err.kind != AWS_ERR_NONE) {
        s_fail(r, &reply->err);
        return;
    }
    const struct rds_result *res = reply->result;
    size_t rows = res ? res->rows : 0;
    for (size_t i = 0; i < rows; i++) {
        const struct rds_value *id = rds_result_cell(res, i, 0);
        const struct rds_value *n = rds_result_cell(res, i, 1);
        if (!id || id->kind != RDS_VALUE_STRING || !n || n->kind != RDS_VALUE_LONG)
            continue;   /* NULL botid rows are not a bot's */
        if (r->counts.n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->counts.items = xrealloc(r->counts.items, r->cap * sizeof(*r->counts.items));
        }
        size_t len = strlen(id->s);
        while (len && id->s[len - 1] == ' ')
            len--;
        r->counts.items[r->counts.n].bot_id = xstrndup(id->s, len);
        r->counts.items[r->counts.n].rows = n->l;
        r->counts.total_rows += n->l;
        r->counts.n++;
        free(r->after);
        r->after = xstrdup(id->s);   /* as the database holds it, for the next comparison */
    }
    if (rows < VECTOR_COUNTS_PAGE) {
        if (r->counts.n > 1)
            qsort(r->counts.items, r->counts.n, sizeof(*r->counts.items), s_by_id);
        struct vector_counts_result ok = {VECTOR_COUNTS_OK, &r->counts, NULL, NULL};
        r->done(r->ud, &ok);
        s_read_free(r);
        return;
    }
    s_next_page(r);
}

static void s_next_page(struct counts_read *r)
{
    struct rds_data_target t = {r->resource_arn, r->secret_arn, r->database};
    struct rds_value params[] = {RDS_STRING("after", r->after ? r->after : ""),
                                 RDS_LONG("page", VECTOR_COUNTS_PAGE)};
    rds_data_execute(r->client, &t, VECTOR_COUNTS_SQL, params, 2, NULL, &r->options, s_on_page, r);
}

void vector_counts_read(struct aws_client *client, const struct rds_data_target *target,
                        const struct rds_data_options *options, vector_counts_done_fn done,
                        void *ud)
{
    struct counts_read *r = xcalloc(1, sizeof(*r));
    r->client = client;
    r->resource_arn = xstrdup(target->resource_arn ? target->resource_arn : "");
    r->secret_arn = xstrdup(target->secret_arn ? target->secret_arn : "");
    r->database = xstrdup(target->database ? target->database : "postgres");
    if (options)
        r->options = *options;
    r->done = done;
    r->ud = ud;
    s_next_page(r);
}

long long vector_counts_for(const struct vector_counts *c, const char *bot_id)
{
    if (!c || !bot_id || !c->n)
        return 0;
    struct vector_count key = {(char *)bot_id, 0};
    const struct vector_count *hit = bsearch(&key, c->items, c->n, sizeof(*c->items), s_by_id);
    return hit ? hit->rows : 0;
}

void vector_counts_move(struct vector_counts *dst, struct vector_counts *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

void vector_counts_free(struct vector_counts *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].bot_id);
    free(c->items);
    memset(c, 0, sizeof(*c));
}
