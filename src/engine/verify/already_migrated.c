/* Which bots the v1 stack already re-embedded after the new cluster was created. */
#include "engine/verify/already_migrated.h"

#include "aws/session.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/run/task_log.h"
#include "engine/verify/vector_counts.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIGRATED_LOG_READS_IN_FLIGHT 4

/* A bot that may have been re-embedded: SyncStatus SUCCEEDED with a task id. Copied, so
 * the caller may drop its inventory while the check runs (the wizard's reload). */
struct migrated_candidate {
    char *bot_id;
    char *task_id;
    long long rows;
};

struct migrated_job {
    struct aws_session *s;
    struct aws_client *log_client;   /* the task definition's awslogs-region */
    char *secret_arn, *log_group, *log_stream_prefix, *container;
    struct migrated_candidate *all;   /* every SUCCEEDED bot with a task id */
    size_t nall;
    char *cluster_arn;
    struct vector_counts counts;
    size_t *candidates;         /* indexes into all: those with rows */
    size_t ncand, next, in_flight;
    struct migrated_set set;
    migrated_done_fn done;
    void *ud;
};

struct migrated_read {
    struct migrated_job *job;
    size_t k;                   /* index into candidates */
};

static void s_when(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

static void s_finish(struct migrated_job *j)
{
    j->done(j->ud, &j->set);
    migrated_set_free(&j->set);
    vector_counts_free(&j->counts);
    for (size_t i = 0; i < j->nall; i++) {
        free(j->all[i].bot_id);
        free(j->all[i].task_id);
    }
    free(j->all);
    free(j->candidates);
    free(j->cluster_arn);
    free(j->secret_arn);
    free(j->log_group);
    free(j->log_stream_prefix);
    free(j->container);
    free(j);
}

static void s_not_checked(struct migrated_job *j, const char *why)
{
    j->set.checked = false;
    j->set.note = xstrdup(why);
    s_finish(j);
}

static void s_next(struct migrated_job *j);

static void s_on_log(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct migrated_read *mr = ud;
    struct migrated_job *j = mr->job;
    size_t k = mr->k;
    free(mr);
    if (!err && page && page->n) {
        int64_t last = page->events[page->n - 1].timestamp_ms;
        if (last > j->set.cluster_created_ms) {
            const struct migrated_candidate *b = &j->all[j->candidates[k]];
            j->set.bots = xrealloc(j->set.bots, (j->set.n + 1) * sizeof(*j->set.bots));
            struct migrated_bot *m = &j->set.bots[j->set.n++];
            char embedded[32], created[32];
            s_when(last, embedded);
            s_when(j->set.cluster_created_ms, created);
            m->bot_id = xstrdup(b->bot_id);
            m->rows = b->rows;
            m->embedded_at_ms = last;
            m->reason = xasprintf("already has %lld vectors in the new cluster, embedded %s, after "
                                  "the cluster was created %s", m->rows, embedded, created);
        }
    }
    j->in_flight--;
    s_next(j);
}

static void s_next(struct migrated_job *j)
{
    while (j->next < j->ncand && j->in_flight < MIGRATED_LOG_READS_IN_FLIGHT) {
        struct migrated_read *mr = xcalloc(1, sizeof(*mr));
        mr->job = j;
        mr->k = j->next++;
        j->in_flight++;
        struct task_log_where where = {j->log_group, j->log_stream_prefix, j->container,
                                       j->all[j->candidates[mr->k]].task_id};
        task_log_read(j->log_client, &where, NULL, 1, s_on_log, mr);
    }
    if (j->in_flight == 0 && j->next >= j->ncand) {
        j->set.checked = true;
        s_finish(j);
    }
}

static void s_on_counts(void *ud, const struct vector_counts_result *r)
{
    struct migrated_job *j = ud;
    if (r->failure != VECTOR_COUNTS_OK) {
        char *why = xasprintf("the new cluster's vectors could not be read (%s)%s%s",
                              r->message ? r->message : "unknown error", r->hint ? "; " : "",
                              r->hint ? r->hint : "");
        s_not_checked(j, why);
        free(why);
        return;
    }
    vector_counts_move(&j->counts, (struct vector_counts *)r->counts);
    j->candidates = xcalloc(j->nall ? j->nall : 1, sizeof(*j->candidates));
    for (size_t i = 0; i < j->nall; i++) {
        j->all[i].rows = vector_counts_for(&j->counts, j->all[i].bot_id);
        if (j->all[i].rows > 0)
            j->candidates[j->ncand++] = i;
    }
    if (!j->log_group) {
        s_not_checked(j, "the task definition has no log group, so when a bot was last embedded is unknown");
        return;
    }
    s_next(j);
}

static void s_count(struct migrated_job *j, const char *arn, time_t created)
{
    if (created <= 0) {
        s_not_checked(j, "the cluster's creation time is unknown");
        return;
    }
    j->cluster_arn = xstrdup(arn);
    j->set.cluster_created_ms = (int64_t)created * 1000;
    struct rds_data_target t = {j->cluster_arn, j->secret_arn, "postgres"};
    vector_counts_read(j->s->client, &t, NULL, s_on_counts, j);
}

static void s_on_known_cluster(void *ud)
{
    struct migrated_job *j = ud;
    char *arn = j->cluster_arn;
    j->cluster_arn = NULL;
    s_count(j, arn, (time_t)(j->set.cluster_created_ms / 1000));
    free(arn);
}

static void s_on_cluster(void *ud, const struct aurora_result *r)
{
    struct migrated_job *j = ud;
    if (r->lookup != AURORA_FOUND || !r->cluster->arn) {
        char *why = xasprintf("the v1 Aurora cluster could not be identified (%s)",
                              r->message ? r->message : "no answer");
        s_not_checked(j, why);
        free(why);
        return;
    }
    s_count(j, r->cluster->arn, r->cluster->created);
}

static void s_on_no_secret(void *ud)
{
    s_not_checked(ud, "the stack outputs have no DbConfigSecretArn");
}

void migrated_find(struct aws_session *s, const struct deployment *dep, const struct inventory *inv,
                   migrated_done_fn done, void *ud)
{
    struct migrated_job *j = xcalloc(1, sizeof(*j));
    j->s = s;
    j->done = done;
    j->ud = ud;
    j->secret_arn = dep->outputs.db_secret_arn ? xstrdup(dep->outputs.db_secret_arn) : NULL;
    j->log_group = dep->log_group && *dep->log_group ? xstrdup(dep->log_group) : NULL;
    /* The logs are in the task definition's awslogs-region, not always the stack's. */
    j->log_client = aws_session_client_for_region(s, dep->log_region);
    j->log_stream_prefix = dep->log_stream_prefix ? xstrdup(dep->log_stream_prefix) : NULL;
    j->container = dep->container_name ? xstrdup(dep->container_name) : NULL;
    size_t n = inv ? inv->nbots : 0;
    j->all = xcalloc(n ? n : 1, sizeof(*j->all));
    for (size_t i = 0; i < n; i++) {
        const struct bot *b = &inv->bots[i];
        if (!b->sync_status || strcmp(b->sync_status, "SUCCEEDED") != 0 || !b->last_exec_id ||
            !*b->last_exec_id)
            continue;
        j->all[j->nall].bot_id = xstrdup(b->bot_id);
        j->all[j->nall].task_id = xstrdup(b->last_exec_id);
        j->nall++;
    }
    if (!dep->outputs.db_secret_arn || !*dep->outputs.db_secret_arn) {
        ev_timer_add(s->loop, 0, s_on_no_secret, j);
        return;
    }
    if (dep->have_aurora && dep->aurora.arn) {
        /* The deployment's checks already described the cluster. */
        j->cluster_arn = xstrdup(dep->aurora.arn);
        j->set.cluster_created_ms = (int64_t)dep->aurora.created * 1000;
        ev_timer_add(s->loop, 0, s_on_known_cluster, j);
        return;
    }
    aurora_cluster_find(s->client, dep->outputs.db_hostname, dep->stack_name, s_on_cluster, j);
}

const struct migrated_bot *migrated_lookup(const struct migrated_set *set, const char *bot_id)
{
    for (size_t i = 0; set && bot_id && i < set->n; i++)
        if (strcmp(set->bots[i].bot_id, bot_id) == 0)
            return &set->bots[i];
    return NULL;
}

size_t migrated_apply_to_plan(const struct migrated_set *set, struct plan *p)
{
    size_t n = 0;
    for (size_t i = 0; set && i < p->nitems; i++) {
        if (!p->items[i].selected || !migrated_lookup(set, p->items[i].bot->bot_id))
            continue;
        p->items[i].selected = false;
        p->items[i].why_not = PLAN_WHY_MIGRATED;
        n++;
    }
    if (n)
        plan_recompute(p);
    return n;
}

void migrated_set_move(struct migrated_set *dst, struct migrated_set *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

void migrated_set_free(struct migrated_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->bots[i].bot_id);
        free(set->bots[i].reason);
    }
    free(set->bots);
    free(set->note);
    memset(set, 0, sizeof(*set));
}
