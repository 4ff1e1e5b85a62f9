/* A deployment's verification from end to end: cluster, bots, journal, counts, file. */
#include "engine/verify/verify_run.h"

#include "aws/session.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/run/runner.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct verify_deployment_job {
    struct aws_session *s;
    const struct deployment *dep;
    char *journal_path;
    bool scan_table;
    char *cluster_arn;
    struct inventory inv;
    bool have_inv;
    struct journal_view journal;
    bool have_journal;
    verify_progress_fn progress;
    verify_deployment_done_fn done;
    void *ud;
};

static void s_job_free(struct verify_deployment_job *j)
{
    if (j->have_inv)
        inventory_free(&j->inv);
    if (j->have_journal)
        journal_view_free(&j->journal);
    free(j->journal_path);
    free(j->cluster_arn);
    free(j);
}

static void s_answer(struct verify_deployment_job *j, bool skipped, const char *message,
                     const char *hint)
{
    struct verify_deployment_result r = {NULL, skipped, message, hint, NULL, NULL};
    j->done(j->ud, &r);
    s_job_free(j);
}

static void s_phase(struct verify_deployment_job *j, enum verify_phase phase)
{
    if (!j->progress)
        return;
    struct verify_progress p = {phase, 0, 0, 0, 0};
    j->progress(j->ud, &p);
}

static void s_on_progress(void *ud, const struct verify_progress *p)
{
    struct verify_deployment_job *j = ud;
    if (j->progress)
        j->progress(j->ud, p);
}

static void s_on_verified(void *ud, struct verification *v, const struct vector_counts_result *failure)
{
    struct verify_deployment_job *j = ud;
    if (!v) {
        s_answer(j, failure->failure == VECTOR_COUNTS_DENIED, failure->message, failure->hint);
        return;
    }
    struct verify_deployment_result r = {v, false, NULL, NULL, NULL, NULL};
    char *path = NULL, *error = NULL;
    if (j->journal_path) {
        path = verification_path_for(j->journal_path);
        if (verification_save(v, path, &error) == 0)
            r.saved_path = path;
        else
            r.save_error = error;
    }
    j->done(j->ud, &r);
    if (r.v) {
        verification_free(r.v);
        free(r.v);
    }
    free(path);
    free(error);
    s_job_free(j);
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct verify_deployment_job *j = ud;
    if (!inv) {
        s_answer(j, false, error ? error : "the bots could not be read from DynamoDB", NULL);
        return;
    }
    inventory_move(&j->inv, inv);
    j->have_inv = true;
    if (j->journal_path) {
        char *jerr = NULL;
        /* No journal, or one without a run, is fine: outcomes then come from DynamoDB. */
        if (journal_view_load(j->journal_path, &j->journal, &jerr) == 0)
            j->have_journal = true;
        free(jerr);
    }
    const struct deployment *dep = j->dep;
    struct verify_source src = {
        .cluster_arn = j->cluster_arn,
        .secret_arn = dep->outputs.db_secret_arn,
        .database = "postgres",
        .inv = &j->inv,
        .journal = j->have_journal ? &j->journal : NULL,
        .log_group = dep->log_group,
        /* The logs are in the task definition's awslogs-region, not always the stack's. */
        .log_client = aws_session_client_for_region(j->s, dep->log_region),
        .log_stream_prefix = dep->log_stream_prefix,
        .container = dep->container_name,
    };
    verify_start(j->s->client, &src, s_on_progress, s_on_verified, j);
}

static void s_load_bots(void *ud)
{
    struct verify_deployment_job *j = ud;
    s_phase(j, VERIFY_LOADING_BOTS);
    struct inventory_options io = {.force_table_scan = j->scan_table, .skip_documents = true};
    inventory_load(j->s, j->dep, &io, NULL, s_on_inventory, j);
}

static void s_on_cluster(void *ud, const struct aurora_result *r)
{
    struct verify_deployment_job *j = ud;
    if (r->lookup != AURORA_FOUND || !r->cluster->arn) {
        char *msg = xasprintf("the v1 Aurora cluster could not be identified: %s",
                              r->message ? r->message : "no answer");
        s_answer(j, r->lookup == AURORA_DENIED, msg,
                 r->hint ? r->hint : "check the DbConfigHostname output and rds:DescribeDBClusters");
        free(msg);
        return;
    }
    j->cluster_arn = xstrdup(r->cluster->arn);
    s_load_bots(j);
}

/* Answers that need no request still come from the event loop, never inside the call. */
static void s_on_no_secret(void *ud)
{
    s_answer(ud, false, "the stack outputs have no DbConfigSecretArn, which the Data API signs in with",
             "verification needs a v1 stack's outputs (DbConfigSecretArn, DbConfigHostname)");
}

void verify_deployment(struct aws_session *s, const struct deployment *dep,
                       const struct verify_deployment_options *o, verify_progress_fn progress,
                       verify_deployment_done_fn done, void *ud)
{
    struct verify_deployment_job *j = xcalloc(1, sizeof(*j));
    j->s = s;
    j->dep = dep;
    j->journal_path = o && o->journal_path ? xstrdup(o->journal_path) : NULL;
    j->scan_table = o && o->scan_table;
    j->progress = progress;
    j->done = done;
    j->ud = ud;
    if (!dep->outputs.db_secret_arn || !*dep->outputs.db_secret_arn) {
        ev_timer_add(s->loop, 0, s_on_no_secret, j);
        return;
    }
    s_phase(j, VERIFY_FINDING_CLUSTER);
    if (dep->have_aurora && dep->aurora.arn) {
        /* The deployment's checks already described the cluster. */
        j->cluster_arn = xstrdup(dep->aurora.arn);
        ev_timer_add(s->loop, 0, s_load_bots, j);
        return;
    }
    aurora_cluster_find(s->client, dep->outputs.db_hostname, dep->stack_name, s_on_cluster, j);
}

char *verify_progress_text(const struct verify_progress *p)
{
    switch (p->phase) {
    case VERIFY_FINDING_CLUSTER:
        return xstrdup("finding the Aurora cluster");
    case VERIFY_LOADING_BOTS:
        return xstrdup("reading the bots");
    case VERIFY_COUNTING:
        return xstrdup("counting vectors per bot");
    case VERIFY_WAKING:
        return xasprintf("waking the database (wait %d, %.0f s)", p->wake_wait,
                         (double)p->wake_delay_ms / 1000.0);
    case VERIFY_READING_LOGS:
        return xasprintf("reading task logs %zu/%zu", p->logs_done, p->logs_total);
    }
    return xstrdup("");
}
