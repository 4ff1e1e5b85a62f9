/* One verification: counts over the Data API, then the task logs, then the verdicts. */
#include "engine/verify/verify_run.h"

#include "engine/discover/inventory.h"
#include "engine/run/runner.h"
#include "engine/run/task_log.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NO_CONTENTS "No contents to embed."

struct verify_bot {
    const struct bot *bot;          /* in the inventory */
    const struct run_bot *run;      /* in the journal's run, or NULL */
    char *outcome;
    bool succeeded;
    const char *task_id;
    long long logged;
    long long rows;
};

struct verify_job {
    struct aws_client *client;
    struct aws_client *log_client;  /* the task definition's awslogs-region */
    char *cluster_arn, *secret_arn, *database;
    char *log_group, *log_stream_prefix, *container;
    uint64_t wake_base_ms;
    struct verify_bot *bots;
    size_t nbots;
    const struct inventory *inv;
    struct vector_counts counts;
    size_t *log_queue;              /* indexes of bots whose log is read */
    size_t nlog, next_log, logs_done, logs_in_flight;
    verify_progress_fn progress;
    verify_done_fn done;
    void *ud;
};

struct log_read {
    struct verify_job *job;
    size_t index;
};

static void s_job_free(struct verify_job *j)
{
    for (size_t i = 0; i < j->nbots; i++)
        free(j->bots[i].outcome);
    free(j->bots);
    free(j->log_queue);
    vector_counts_free(&j->counts);
    free(j->cluster_arn);
    free(j->secret_arn);
    free(j->database);
    free(j->log_group);
    free(j->log_stream_prefix);
    free(j->container);
    free(j);
}

static char *s_lower(const char *s)
{
    char *out = xstrdup(s);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static void s_report(struct verify_job *j, enum verify_phase phase, int wait, uint64_t delay)
{
    if (!j->progress)
        return;
    struct verify_progress p = {phase, wait, delay, j->logs_done, j->nlog};
    j->progress(j->ud, &p);
}

static void s_finish(struct verify_job *j)
{
    struct verification *v = xcalloc(1, sizeof(*v));
    v->cluster_arn = xstrdup(j->cluster_arn);
    v->database = xstrdup(j->database);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    v->verified_at_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    v->total_rows = j->counts.total_rows;
    v->wake_waits = j->counts.wake_waits;
    for (size_t i = 0; i < j->nbots; i++) {
        const struct verify_bot *b = &j->bots[i];
        struct verify_input in = {
            .bot_id = b->bot->bot_id,
            .title = b->bot->title,
            .outcome = b->outcome,
            .outcome_source = b->run ? "journal" : "dynamodb",
            .succeeded = b->succeeded,
            .has_knowledge = bot_has_knowledge(b->bot),
            .no_contents = b->bot->sync_status_reason &&
                           strcmp(b->bot->sync_status_reason, NO_CONTENTS) == 0,
            .logged = b->logged,
            .rows = b->rows,
        };
        verification_add(v, &in);
    }
    for (size_t i = 0; i < j->counts.n; i++)
        if (!inventory_find(j->inv, j->counts.items[i].bot_id))
            verification_add_orphan(v, j->counts.items[i].bot_id, j->counts.items[i].rows);
    j->done(j->ud, v, NULL);
    s_job_free(j);
}

static void s_next_logs(struct verify_job *j);

static void s_on_log(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct log_read *lr = ud;
    struct verify_job *j = lr->job;
    struct verify_bot *b = &j->bots[lr->index];
    free(lr);
    /* An unreadable or missing log leaves the count unknown: judged on rows alone. */
    if (!err && page) {
        for (size_t i = page->n; i-- > 0;) {
            long long n = verification_logged_count(page->events[i].message);
            if (n >= 0) {
                b->logged = n;
                break;
            }
        }
    }
    j->logs_in_flight--;
    j->logs_done++;
    s_report(j, VERIFY_READING_LOGS, 0, 0);
    s_next_logs(j);
}

static void s_next_logs(struct verify_job *j)
{
    while (j->next_log < j->nlog && j->logs_in_flight < VERIFY_LOG_READS_IN_FLIGHT) {
        struct log_read *lr = xcalloc(1, sizeof(*lr));
        lr->job = j;
        lr->index = j->log_queue[j->next_log++];
        j->logs_in_flight++;
        struct task_log_where where = {j->log_group, j->log_stream_prefix, j->container,
                                       j->bots[lr->index].task_id};
        task_log_read(j->log_client, &where, NULL, VERIFY_LOG_LINES, s_on_log, lr);
    }
    if (j->logs_in_flight == 0 && j->next_log >= j->nlog)
        s_finish(j);
}

static void s_on_waking(void *ud, int wait, uint64_t delay_ms)
{
    s_report(ud, VERIFY_WAKING, wait, delay_ms);
}

static void s_on_counts(void *ud, const struct vector_counts_result *r)
{
    struct verify_job *j = ud;
    if (r->failure != VECTOR_COUNTS_OK) {
        j->done(j->ud, NULL, r);
        s_job_free(j);
        return;
    }
    vector_counts_move(&j->counts, (struct vector_counts *)r->counts);
    j->log_queue = xcalloc(j->nbots ? j->nbots : 1, sizeof(*j->log_queue));
    for (size_t i = 0; i < j->nbots; i++) {
        struct verify_bot *b = &j->bots[i];
        b->rows = vector_counts_for(&j->counts, b->bot->bot_id);
        if (j->log_group && b->succeeded && b->task_id && bot_has_knowledge(b->bot))
            j->log_queue[j->nlog++] = i;
    }
    s_report(j, VERIFY_READING_LOGS, 0, 0);
    s_next_logs(j);
}

static const struct journal_view *s_sort_journal;

static int s_run_bot_cmp(const void *a, const void *b)
{
    return strcmp(s_sort_journal->bots[*(const size_t *)a].bot_id,
                  s_sort_journal->bots[*(const size_t *)b].bot_id);
}

/* The journal's bot with that id, by binary search over index (sorted by id). */
static const struct run_bot *s_journal_bot(const struct journal_view *jv, const size_t *index,
                                           const char *bot_id)
{
    size_t lo = 0, hi = jv ? jv->nbots : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(jv->bots[index[mid]].bot_id, bot_id);
        if (c == 0)
            return &jv->bots[index[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static char *s_dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

struct verify_job *verify_start(struct aws_client *client, const struct verify_source *src,
                                verify_progress_fn progress, verify_done_fn done, void *ud)
{
    struct verify_job *j = xcalloc(1, sizeof(*j));
    j->client = client;
    j->log_client = src->log_client ? src->log_client : client;
    j->cluster_arn = xstrdup(src->cluster_arn ? src->cluster_arn : "");
    j->secret_arn = xstrdup(src->secret_arn ? src->secret_arn : "");
    j->database = xstrdup(src->database ? src->database : "postgres");
    j->log_group = s_dup_or_null(src->log_group);
    j->log_stream_prefix = s_dup_or_null(src->log_stream_prefix);
    j->container = s_dup_or_null(src->container);
    j->wake_base_ms = src->wake_base_ms;
    j->inv = src->inv;
    j->progress = progress;
    j->done = done;
    j->ud = ud;
    j->nbots = src->inv ? src->inv->nbots : 0;
    j->bots = xcalloc(j->nbots ? j->nbots : 1, sizeof(*j->bots));
    size_t njournal = src->journal ? src->journal->nbots : 0;
    size_t *index = xcalloc(njournal ? njournal : 1, sizeof(*index));
    for (size_t k = 0; k < njournal; k++)
        index[k] = k;
    s_sort_journal = src->journal;
    if (njournal)
        qsort(index, njournal, sizeof(*index), s_run_bot_cmp);
    s_sort_journal = NULL;
    for (size_t i = 0; i < j->nbots; i++) {
        struct verify_bot *b = &j->bots[i];
        b->bot = &src->inv->bots[i];
        b->logged = -1;
        b->run = s_journal_bot(src->journal, index, b->bot->bot_id);
        if (b->run) {
            b->outcome = xstrdup(bot_state_name(b->run->state));
            b->succeeded = b->run->state == BOT_SUCCEEDED;
            b->task_id = b->run->task_id;
        } else {
            b->outcome = b->bot->sync_status ? s_lower(b->bot->sync_status) : xstrdup("not run");
            b->succeeded = b->bot->sync_status && strcmp(b->bot->sync_status, "SUCCEEDED") == 0;
            b->task_id = b->bot->last_exec_id;
        }
    }
    free(index);
    struct rds_data_target t = {j->cluster_arn, j->secret_arn, j->database};
    struct rds_data_options o = {.wake_base_ms = j->wake_base_ms, .waking = s_on_waking, .waking_ud = j};
    s_report(j, VERIFY_COUNTING, 0, 0);
    vector_counts_read(client, &t, &o, s_on_counts, j);
    return j;
}
