#include "engine/copy/row_copy.h"

#include "engine/copy/copy_journal.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONCURRENCY 4
#define DEFAULT_PAGE_ROWS 25
#define DEFAULT_BATCH_BYTES (2u * 1024u * 1024u)
#define ROW_OVERHEAD_BYTES 256   /* JSON field names and framing per row in a batch */
#define COLUMNS 5

static const char SQL_COUNTS[] = "SELECT botid, count(*) FROM items GROUP BY botid";
static const char SQL_COLUMN_TYPE[] =
    "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
    "WHERE a.attrelid = 'items'::regclass AND a.attname = 'embedding' AND NOT a.attisdropped";
static const char SQL_EMBEDDING_INDEX[] =
    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'items' "
    "AND position('(embedding' in indexdef) > 0 ORDER BY indexname LIMIT 1";
static const char SQL_DELETE[] = "DELETE FROM items WHERE botid = :botid";
static const char SQL_PAGE[] =
    "SELECT id, botid, content, source, embedding::text FROM items "
    "WHERE botid = :botid AND id > :after ORDER BY id LIMIT :n";

/* ---- counts ------------------------------------------------------------------------ */

struct counts_call {
    row_counts_done_fn done;
    void *ud;
};

static void s_on_counts(void *ud, const struct rds_data_reply *reply)
{
    struct counts_call *c = ud;
    if (reply->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&reply->err);
        char *msg = xasprintf("counting rows per bot through the Data API failed: %s", why);
        c->done(c->ud, NULL, msg);
        free(msg);
        free(why);
        free(c);
        return;
    }
    struct row_counts counts = {NULL, 0};
    const struct rds_result *r = reply->result;
    size_t n = r ? r->rows : 0;
    counts.items = xcalloc(n ? n : 1, sizeof(*counts.items));
    for (size_t i = 0; i < n; i++) {
        const struct rds_value *id = rds_result_cell(r, i, 0);
        const struct rds_value *k = rds_result_cell(r, i, 1);
        if (!id || id->kind != RDS_VALUE_STRING || !k || k->kind != RDS_VALUE_LONG)
            continue;
        /* CHAR(26) pads; a bot id never has spaces. */
        size_t len = strcspn(id->s, " ");
        counts.items[counts.n].bot_id = xstrndup(id->s, len);
        counts.items[counts.n].rows = k->l;
        counts.n++;
    }
    c->done(c->ud, &counts, NULL);
    row_counts_free(&counts);
    free(c);
}

void row_counts_read(struct aws_client *client, const struct rds_data_target *t,
                     const struct rds_data_options *options, row_counts_done_fn done, void *ud)
{
    struct counts_call *c = xcalloc(1, sizeof(*c));
    c->done = done;
    c->ud = ud;
    rds_data_execute(client, t, SQL_COUNTS, NULL, 0, NULL, options, s_on_counts, c);
}

int64_t row_counts_get(const struct row_counts *c, const char *bot_id)
{
    for (size_t i = 0; c && bot_id && i < c->n; i++)
        if (strcmp(c->items[i].bot_id, bot_id) == 0)
            return c->items[i].rows;
    return -1;
}

void row_counts_copy(struct row_counts *dst, const struct row_counts *src)
{
    dst->n = src ? src->n : 0;
    dst->items = xcalloc(dst->n ? dst->n : 1, sizeof(*dst->items));
    for (size_t i = 0; i < dst->n; i++) {
        dst->items[i].bot_id = xstrdup(src->items[i].bot_id);
        dst->items[i].rows = src->items[i].rows;
    }
}

void row_counts_free(struct row_counts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].bot_id);
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

bool row_copy_type_name_ok(const char *type)
{
    if (!type || !*type || strlen(type) > 64)
        return false;
    for (const char *p = type; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_ ()[]", *p))
            return false;
    return true;
}

/* ---- the copier ---------------------------------------------------------------------- */

struct bot_job {
    struct row_copy *rc;
    size_t index;              /* into view->bots */
    char *bot_id;
    char *tx;
    char *after;               /* the last id written */
    size_t page_rows;
    char **cells;              /* the current page, COLUMNS per row; NULL for SQL NULL */
    size_t page_n;
    size_t batch_from;
    int64_t rows_done;
    uint64_t bytes;
    bool failed;
};

struct row_copy {
    struct row_copy_config cfg;
    struct rds_data_options options;
    char *insert_sql;
    size_t next;               /* next bot index to consider */
    size_t rollbacks_next;     /* stale transactions of a dead run, rolled back first */
    int active;
    bool stopping;
    bool fatal;
    char *error;
    struct row_copy_stats stats;
    buf_t failures;            /* "<bot>: <why>" lines */
};

static void s_pump(struct row_copy *rc);

static void s_message(struct row_copy *rc, const char *text)
{
    if (rc->cfg.message)
        rc->cfg.message(rc->cfg.ud, text);
}

static void s_on_waking(void *ud, int wait, uint64_t delay_ms)
{
    struct row_copy *rc = ud;
    char *msg = xasprintf("waking the database (wait %d, %.0f s)", wait, (double)delay_ms / 1000.0);
    s_message(rc, msg);
    free(msg);
}

static void s_finish(struct row_copy *rc)
{
    char *owned = rc->error; /* freed after the callback */
    rc->error = NULL;
    const char *error = owned;
    char *combined = NULL;
    if (!error && rc->stats.bots_failed) {
        combined = xasprintf("%zu bot(s) could not be copied:%s\nRun the same command again to "
                             "retry them (each bot's rows are replaced, never duplicated)",
                             rc->stats.bots_failed, buf_cstr(&rc->failures));
        error = combined;
    } else if (!error && rc->stopping) {
        error = "stopped";
    }
    row_copy_done_fn done = rc->cfg.done;
    void *ud = rc->cfg.ud;
    struct row_copy_stats stats = rc->stats;
    free(rc->insert_sql);
    buf_free(&rc->failures);
    free(rc);
    done(ud, error, &stats);
    free(stats.index_name);
    free(combined);
    free(owned);
}

static void s_set_fatal(struct row_copy *rc, char *msg)
{
    if (!rc->error)
        rc->error = msg;
    else
        free(msg);
    rc->fatal = true;
    rc->stopping = true;
}

static int s_journal(struct row_copy *rc, cJSON *rec)
{
    if (!rc->cfg.journal) {
        copy_view_apply(rc->cfg.view, rec);
        cJSON_Delete(rec);
        return 0;
    }
    char *error = NULL;
    if (copy_journal_write(rc->cfg.journal, rc->cfg.view, rec, &error) != 0) {
        s_set_fatal(rc, xasprintf("cannot write the copy journal (%s); the copy stopped. Free disk "
                                  "space or fix permissions, then run again to resume",
                                  error ? error : "write failed"));
        free(error);
        return -1;
    }
    return 0;
}

static void s_page_free(struct bot_job *job)
{
    for (size_t i = 0; i < job->page_n * COLUMNS; i++)
        free(job->cells[i]);
    free(job->cells);
    job->cells = NULL;
    job->page_n = 0;
    job->batch_from = 0;
}

static void s_job_end(struct bot_job *job)
{
    struct row_copy *rc = job->rc;
    s_page_free(job);
    free(job->bot_id);
    free(job->tx);
    free(job->after);
    free(job);
    rc->active--;
    s_pump(rc);
}

static void s_on_rolled_back(void *ud, const struct rds_data_reply *reply)
{
    (void)reply; /* best effort: the Data API also rolls back after 3 idle minutes */
    struct bot_job *job = ud;
    job->rc->stats.requests++;
    s_job_end(job);
}

static void s_bot_fail(struct bot_job *job, const char *what, const struct aws_error *e)
{
    struct row_copy *rc = job->rc;
    char *why = e ? aws_error_describe(e) : xstrdup("");
    buf_printf(&rc->failures, "\n  %s: %s%s%s", job->bot_id, what, e ? ": " : "", why);
    char *msg = xasprintf("bot %s: %s%s%s", job->bot_id, what, e ? ": " : "", why);
    s_message(rc, msg);
    free(msg);
    free(why);
    rc->stats.bots_failed++;
    job->failed = true;
    if (rc->cfg.progress)
        rc->cfg.progress(rc->cfg.ud, job->bot_id, job->rows_done, -1, job->bytes, true);
    if (job->tx) {
        rds_data_rollback(rc->cfg.client, &rc->cfg.target, job->tx, &rc->options, s_on_rolled_back, job);
        return;
    }
    s_job_end(job);
}

static void s_read_page(struct bot_job *job);
static void s_send_batch(struct bot_job *job);

static void s_on_commit(void *ud, const struct rds_data_reply *reply)
{
    struct bot_job *job = ud;
    struct row_copy *rc = job->rc;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        s_bot_fail(job, "CommitTransaction", &reply->err);
        return;
    }
    free(job->tx);
    job->tx = NULL;
    rc->stats.bots_copied++;
    rc->stats.rows += job->rows_done;
    rc->stats.bytes += job->bytes;
    cJSON *done = copy_rec_bot("bot_done", job->bot_id, NULL, NULL, job->rows_done);
    cJSON_AddNumberToObject(done, "bytes", (double)job->bytes);
    s_journal(rc, done);
    if (rc->cfg.progress)
        rc->cfg.progress(rc->cfg.ud, job->bot_id, job->rows_done, job->rows_done, job->bytes, true);
    s_job_end(job);
}

static void s_commit(struct bot_job *job)
{
    rds_data_commit(job->rc->cfg.client, &job->rc->cfg.target, job->tx, &job->rc->options,
                    s_on_commit, job);
}

static bool s_reply_too_large(const struct aws_error *e)
{
    return e->code && strcmp(e->code, "BadRequestException") == 0 && e->message &&
           strstr(e->message, "response size");
}

static char *s_cell_text(const struct rds_value *v)
{
    if (!v || v->kind == RDS_VALUE_NULL)
        return NULL;
    if (v->kind == RDS_VALUE_STRING)
        return xstrdup(v->s);
    if (v->kind == RDS_VALUE_LONG)
        return xasprintf("%lld", v->l);
    if (v->kind == RDS_VALUE_DOUBLE)
        return xasprintf("%.17g", v->d);
    return NULL;
}

static void s_on_page(void *ud, const struct rds_data_reply *reply)
{
    struct bot_job *job = ud;
    struct row_copy *rc = job->rc;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        if (s_reply_too_large(&reply->err) && job->page_rows > 1) {
            job->page_rows /= 2;
            s_read_page(job);
            return;
        }
        s_bot_fail(job, "reading its rows from the temporary cluster", &reply->err);
        return;
    }
    const struct rds_result *r = reply->result;
    size_t n = r ? r->rows : 0;
    if (n == 0) {
        s_commit(job);
        return;
    }
    job->cells = xcalloc(n * COLUMNS, sizeof(*job->cells));
    job->page_n = n;
    job->batch_from = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < COLUMNS; j++)
            job->cells[i * COLUMNS + j] = s_cell_text(rds_result_cell(r, i, j));
    if (!job->cells[(n - 1) * COLUMNS]) {
        s_bot_fail(job, "a row without an id in the temporary cluster", NULL);
        return;
    }
    s_send_batch(job);
}

static void s_read_page(struct bot_job *job)
{
    struct row_copy *rc = job->rc;
    struct rds_value params[3] = {
        RDS_STRING("botid", job->bot_id),
        RDS_STRING("after", job->after ? job->after : ""),
        RDS_LONG("n", (long long)job->page_rows),
    };
    rds_data_execute(rc->cfg.client, &rc->cfg.source, SQL_PAGE, params, 3, NULL, &rc->options,
                     s_on_page, job);
}

static void s_on_batch(void *ud, const struct rds_data_reply *reply);

static void s_send_batch(struct bot_job *job)
{
    struct row_copy *rc = job->rc;
    static const char *const names[COLUMNS] = {"id", "botid", "content", "source", "embedding"};
    size_t from = job->batch_from;
    size_t bytes = 0, n = 0;
    while (from + n < job->page_n) {
        size_t row = 0;
        for (size_t j = 0; j < COLUMNS; j++) {
            const char *c = job->cells[(from + n) * COLUMNS + j];
            row += c ? strlen(c) : 0;
        }
        row += ROW_OVERHEAD_BYTES;
        if (n > 0 && bytes + row > rc->cfg.batch_bytes)
            break;
        bytes += row;
        n++;
    }
    struct rds_value *sets = xcalloc(n * COLUMNS, sizeof(*sets));
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < COLUMNS; j++) {
            const char *c = job->cells[(from + i) * COLUMNS + j];
            sets[i * COLUMNS + j] = c ? RDS_STRING(names[j], c)
                                      : (struct rds_value){.name = names[j], .kind = RDS_VALUE_NULL};
        }
    }
    job->batch_from = from + n;
    job->bytes += bytes;
    job->rows_done += (int64_t)n;
    rds_data_batch(rc->cfg.client, &rc->cfg.target, rc->insert_sql, sets, n, COLUMNS, job->tx,
                   &rc->options, s_on_batch, job);
    free(sets);
}

static void s_on_batch(void *ud, const struct rds_data_reply *reply)
{
    struct bot_job *job = ud;
    struct row_copy *rc = job->rc;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        s_bot_fail(job, "writing its rows into the new cluster", &reply->err);
        return;
    }
    if (rc->cfg.progress) {
        int64_t total = row_counts_get(rc->cfg.source_counts, job->bot_id);
        rc->cfg.progress(rc->cfg.ud, job->bot_id, job->rows_done, total, job->bytes, false);
    }
    if (job->batch_from < job->page_n) {
        s_send_batch(job);
        return;
    }
    bool full = job->page_n == job->page_rows;
    free(job->after);
    job->after = xstrdup(job->cells[(job->page_n - 1) * COLUMNS]);
    s_page_free(job);
    if (full)
        s_read_page(job);
    else
        s_commit(job);
}

static void s_on_deleted(void *ud, const struct rds_data_reply *reply)
{
    struct bot_job *job = ud;
    job->rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        s_bot_fail(job, "deleting its earlier rows in the new cluster", &reply->err);
        return;
    }
    s_read_page(job);
}

static void s_on_begin(void *ud, const struct rds_data_reply *reply)
{
    struct bot_job *job = ud;
    struct row_copy *rc = job->rc;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE || !reply->transaction_id) {
        s_bot_fail(job, "BeginTransaction on the new cluster", reply->err.kind ? &reply->err : NULL);
        return;
    }
    job->tx = xstrdup(reply->transaction_id);
    /* Journaled before any write, so a resumed copy can roll it back first. */
    if (s_journal(rc, copy_rec_bot_tx(job->bot_id, job->tx)) != 0) {
        s_bot_fail(job, "the journal could not be written", NULL);
        return;
    }
    struct rds_value p = RDS_STRING("botid", job->bot_id);
    rds_data_execute(rc->cfg.client, &rc->cfg.target, SQL_DELETE, &p, 1, job->tx, &rc->options,
                     s_on_deleted, job);
}

static void s_start_bot(struct row_copy *rc, size_t index)
{
    struct copy_bot_entry *b = &rc->cfg.view->bots[index];
    int64_t expected = row_counts_get(rc->cfg.source_counts, b->bot_id);
    if (s_journal(rc, copy_rec_bot("bot_intent", b->bot_id, NULL, NULL, expected)) != 0)
        return;
    struct bot_job *job = xcalloc(1, sizeof(*job));
    job->rc = rc;
    job->index = index;
    job->bot_id = xstrdup(b->bot_id);
    job->page_rows = rc->cfg.page_rows;
    rc->active++;
    if (rc->cfg.progress)
        rc->cfg.progress(rc->cfg.ud, job->bot_id, 0, expected, 0, false);
    rds_data_begin(rc->cfg.client, &rc->cfg.target, &rc->options, s_on_begin, job);
}

static void s_on_reindexed(void *ud, const struct rds_data_reply *reply)
{
    struct row_copy *rc = ud;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&reply->err);
        s_set_fatal(rc, xasprintf("REINDEX of %s on the new cluster failed: %s. The rows are copied; "
                                  "run the same command again to rebuild the index",
                                  rc->stats.index_name, why));
        free(why);
        s_finish(rc);
        return;
    }
    rc->stats.reindexed = true;
    s_journal(rc, copy_rec_step("reindex"));
    s_finish(rc);
}

static void s_reindex(struct row_copy *rc)
{
    if (rc->cfg.view->reindexed || !rc->stats.index_name) {
        if (!rc->cfg.view->reindexed && rc->stats.bots_copied)
            s_journal(rc, copy_rec_step("reindex"));
        s_finish(rc);
        return;
    }
    s_message(rc, "rebuilding the vector index once (REINDEX)");
    char *sql = xasprintf("REINDEX INDEX \"%s\"", rc->stats.index_name);
    rds_data_execute(rc->cfg.client, &rc->cfg.target, sql, NULL, 0, NULL, &rc->options,
                     s_on_reindexed, rc);
    free(sql);
}

static void s_pump(struct row_copy *rc)
{
    struct copy_view *v = rc->cfg.view;
    while (!rc->stopping && rc->active < rc->cfg.concurrency && rc->next < v->nbots) {
        size_t i = rc->next++;
        const struct copy_bot_entry *b = &v->bots[i];
        if (!b->way || strcmp(b->way, "copy") != 0 || b->state == COPY_BOT_COPIED)
            continue;
        s_start_bot(rc, i);
    }
    if (rc->active > 0)
        return;
    if (rc->stopping || rc->stats.bots_failed) {
        s_finish(rc);
        return;
    }
    if (rc->next >= v->nbots)
        s_reindex(rc);
}

/* ---- preparing: the target's column type, its vector index, stale transactions --------- */

static void s_rollback_stale(struct row_copy *rc);

static void s_on_stale_rolled_back(void *ud, const struct rds_data_reply *reply)
{
    (void)reply; /* NotFoundException: it had already rolled back on its own */
    struct row_copy *rc = ud;
    rc->stats.requests++;
    s_rollback_stale(rc);
}

static void s_rollback_stale(struct row_copy *rc)
{
    struct copy_view *v = rc->cfg.view;
    while (rc->rollbacks_next < v->nbots) {
        struct copy_bot_entry *b = &v->bots[rc->rollbacks_next++];
        if (b->state == COPY_BOT_STARTED && b->tx_id) {
            rds_data_rollback(rc->cfg.client, &rc->cfg.target, b->tx_id, &rc->options,
                              s_on_stale_rolled_back, rc);
            return;
        }
    }
    s_pump(rc);
}

static void s_on_index(void *ud, const struct rds_data_reply *reply)
{
    struct row_copy *rc = ud;
    rc->stats.requests++;
    if (reply->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&reply->err);
        s_set_fatal(rc, xasprintf("reading the new cluster's indexes failed: %s", why));
        free(why);
        s_finish(rc);
        return;
    }
    const struct rds_value *name = rds_result_cell(reply->result, 0, 0);
    if (name && name->kind == RDS_VALUE_STRING && row_copy_type_name_ok(name->s) &&
        !strpbrk(name->s, " ()[]"))
        rc->stats.index_name = xstrdup(name->s);
    s_rollback_stale(rc);
}

static void s_on_column_type(void *ud, const struct rds_data_reply *reply)
{
    struct row_copy *rc = ud;
    rc->stats.requests++;
    const struct rds_value *type = reply->err.kind == AWS_ERR_NONE ? rds_result_cell(reply->result, 0, 0) : NULL;
    if (!type || type->kind != RDS_VALUE_STRING || !row_copy_type_name_ok(type->s)) {
        char *why = reply->err.kind != AWS_ERR_NONE ? aws_error_describe(&reply->err)
                                                    : xstrdup("no usable type for items.embedding");
        s_set_fatal(rc, xasprintf("reading the new cluster's items table failed: %s. Is this the "
                                  "v1 cluster, with its items table?",
                                  why));
        free(why);
        s_finish(rc);
        return;
    }
    rc->insert_sql = xasprintf("INSERT INTO items (id, botid, content, source, embedding) "
                               "VALUES (:id, :botid, :content, :source, CAST(:embedding AS %s))",
                               type->s);
    rds_data_execute(rc->cfg.client, &rc->cfg.target, SQL_EMBEDDING_INDEX, NULL, 0, NULL,
                     &rc->options, s_on_index, rc);
}

static void s_on_start(void *ud)
{
    struct row_copy *rc = ud;
    rds_data_execute(rc->cfg.client, &rc->cfg.target, SQL_COLUMN_TYPE, NULL, 0, NULL, &rc->options,
                     s_on_column_type, rc);
}

struct row_copy *row_copy_start(const struct row_copy_config *cfg)
{
    struct row_copy *rc = xcalloc(1, sizeof(*rc));
    rc->cfg = *cfg;
    if (rc->cfg.concurrency <= 0)
        rc->cfg.concurrency = DEFAULT_CONCURRENCY;
    if (!rc->cfg.page_rows)
        rc->cfg.page_rows = DEFAULT_PAGE_ROWS;
    if (!rc->cfg.batch_bytes)
        rc->cfg.batch_bytes = DEFAULT_BATCH_BYTES;
    rc->options.waking = s_on_waking;
    rc->options.waking_ud = rc;
    buf_init(&rc->failures);
    ev_timer_add(aws_client_loop(cfg->client), 0, s_on_start, rc);
    return rc;
}

void row_copy_stop(struct row_copy *rc)
{
    if (rc)
        rc->stopping = true;
}
