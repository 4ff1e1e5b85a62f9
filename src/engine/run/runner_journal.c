/* The runner's journal records, loading a run back from its journal, and the runner's
 * life cycle (open, start, free) and JSON views.
 *
 * Records (one JSON object per line, fsync'd before the action they announce):
 *   run      {type, version, run_id, started_by, created_ms, stack, cluster,
 *             task_definition, container, subnets, security_group, assign_public_ip,
 *             table, log_group, log_stream_prefix}
 *   bot      {type, bot_id, pk, sk, title}
 *   intent   {type, bot_id, attempt, try, client_token, at_ms}   before RunTask
 *   launched {type, bot_id, attempt, task_arn, at_ms, reconciled} after RunTask
 *   launch_failed {type, bot_id, attempt, reason, retryable, permanent?, at_ms}
 *   outcome  {type, bot_id, attempt, task_arn, state, reason, sync_status, at_ms}
 *   retry    {type, bot_id, automatic, at_ms}
 */
#include "aws/client.h"
#include "aws/session.h"
#include "engine/run/journal.h"
#include "runner_internal.h"
#include "util/ev_loop.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/random.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOURNAL_VERSION 1

static double s_num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

void runner_fatal_error(struct runner *r, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->fatal = true;
    runner_message(r, RUNNER_ERROR, "%s", buf_cstr(&b));
    buf_free(&b);
}

static int s_write(struct runner *r, cJSON *rec)
{
    char *error = NULL;
    cJSON_AddNumberToObject(rec, "at_ms", (double)runner_wall_ms());
    int rc = journal_append(r->journal, rec, &error);
    cJSON_Delete(rec);
    if (rc != 0) {
        runner_fatal_error(r, "cannot write the run journal %s (%s); launching stopped so that no "
                              "bot can be launched twice. Free disk space or fix permissions, then "
                              "run again to resume.",
                           r->cfg.journal_path, error ? error : "write failed");
        free(error);
        return -1;
    }
    return 0;
}

static cJSON *s_rec(const char *type, const struct run_bot *b)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", type);
    if (b)
        cJSON_AddStringToObject(rec, "bot_id", b->bot_id);
    return rec;
}

int runner_journal_header(struct runner *r)
{
    cJSON *rec = s_rec("run", NULL);
    cJSON_AddNumberToObject(rec, "version", JOURNAL_VERSION);
    cJSON_AddStringToObject(rec, "run_id", r->run_id);
    cJSON_AddStringToObject(rec, "started_by", r->started_by);
    cJSON_AddStringToObject(rec, "stack", r->cfg.stack ? r->cfg.stack : "");
    cJSON_AddStringToObject(rec, "cluster", r->cfg.cluster);
    cJSON_AddStringToObject(rec, "task_definition", r->cfg.task_definition);
    cJSON_AddStringToObject(rec, "container", r->cfg.container);
    cJSON *subnets = cJSON_AddArrayToObject(rec, "subnets");
    for (size_t i = 0; i < r->cfg.nsubnets; i++)
        cJSON_AddItemToArray(subnets, cJSON_CreateString(r->cfg.subnets[i]));
    cJSON_AddStringToObject(rec, "security_group", r->cfg.security_group);
    cJSON_AddBoolToObject(rec, "assign_public_ip", r->cfg.assign_public_ip);
    cJSON_AddStringToObject(rec, "table", r->cfg.table);
    cJSON_AddStringToObject(rec, "log_group", r->cfg.log_group ? r->cfg.log_group : "");
    cJSON_AddStringToObject(rec, "log_stream_prefix", r->cfg.log_stream_prefix ? r->cfg.log_stream_prefix : "");
    if (r->cfg.log_region && *r->cfg.log_region)
        cJSON_AddStringToObject(rec, "log_region", r->cfg.log_region);
    cJSON_AddNumberToObject(rec, "concurrency", r->concurrency);
    cJSON_AddNumberToObject(rec, "retries", r->cfg.retries);
    return s_write(r, rec);
}

int runner_journal_bot(struct runner *r, const struct run_bot *b)
{
    cJSON *rec = s_rec("bot", b);
    cJSON_AddStringToObject(rec, "pk", b->pk);
    cJSON_AddStringToObject(rec, "sk", b->sk);
    cJSON_AddStringToObject(rec, "title", b->title ? b->title : "");
    if (b->exec_id_before)
        cJSON_AddStringToObject(rec, "last_exec_id_before", b->exec_id_before);
    return s_write(r, rec);
}

int runner_journal_intent(struct runner *r, const struct run_bot *b, const char *token)
{
    cJSON *rec = s_rec("intent", b);
    cJSON_AddNumberToObject(rec, "attempt", b->attempt);
    cJSON_AddNumberToObject(rec, "try", b->launch_failures);
    cJSON_AddStringToObject(rec, "client_token", token);
    return s_write(r, rec);
}

int runner_journal_launched(struct runner *r, const struct run_bot *b, bool reconciled)
{
    cJSON *rec = s_rec("launched", b);
    cJSON_AddNumberToObject(rec, "attempt", b->attempt);
    cJSON_AddStringToObject(rec, "task_arn", b->task_arn);
    cJSON_AddBoolToObject(rec, "reconciled", reconciled);
    return s_write(r, rec);
}

int runner_journal_launch_failed(struct runner *r, const struct run_bot *b, const char *reason,
                                 bool retryable, bool permanent)
{
    cJSON *rec = s_rec("launch_failed", b);
    cJSON_AddNumberToObject(rec, "attempt", b->attempt);
    cJSON_AddStringToObject(rec, "reason", reason ? reason : "");
    cJSON_AddBoolToObject(rec, "retryable", retryable);
    if (permanent)
        cJSON_AddBoolToObject(rec, "permanent", true);
    return s_write(r, rec);
}

int runner_journal_outcome(struct runner *r, const struct run_bot *b, enum bot_state outcome)
{
    cJSON *rec = s_rec("outcome", b);
    cJSON_AddNumberToObject(rec, "attempt", b->attempt);
    if (b->task_arn)
        cJSON_AddStringToObject(rec, "task_arn", b->task_arn);
    cJSON_AddStringToObject(rec, "state", bot_state_name(outcome));
    if (b->reason)
        cJSON_AddStringToObject(rec, "reason", b->reason);
    if (b->sync_status)
        cJSON_AddStringToObject(rec, "sync_status", b->sync_status);
    if (b->stop_code)
        cJSON_AddStringToObject(rec, "stop_code", b->stop_code);
    if (b->exit_code >= 0)
        cJSON_AddNumberToObject(rec, "exit_code", b->exit_code);
    return s_write(r, rec);
}

int runner_journal_retry(struct runner *r, const struct run_bot *b, bool automatic)
{
    cJSON *rec = s_rec("retry", b);
    cJSON_AddBoolToObject(rec, "automatic", automatic);
    return s_write(r, rec);
}

/* ---- replaying a journal ------------------------------------------------------------ */

struct replay {
    char *run_id, *started_by, *stack, *cluster, *task_definition, *container, *log_group,
        *log_stream_prefix, *log_region, *table, *security_group;
    char **subnets;
    size_t nsubnets;
    bool assign_public_ip;
    int concurrency, retries;
    struct run_bot *bots;
    size_t n;
    char *error;
};

static struct run_bot *s_replay_bot(struct replay *rp, const char *bot_id)
{
    if (!bot_id)
        return NULL;
    for (size_t i = 0; i < rp->n; i++)
        if (strcmp(rp->bots[i].bot_id, bot_id) == 0)
            return &rp->bots[i];
    return NULL;
}

static enum bot_state s_state_from_name(const char *name)
{
    for (int s = 0; s < BOT_STATE_COUNT; s++)
        if (name && strcmp(name, bot_state_name((enum bot_state)s)) == 0)
            return (enum bot_state)s;
    return BOT_FAILED;
}

static int s_replay_record(void *ud, const cJSON *rec, size_t line)
{
    struct replay *rp = ud;
    (void)line;
    const char *type = runner_json_text(rec, "type");
    if (!type)
        return 0;
    if (strcmp(type, "run") == 0) {
        if (rp->run_id)
            return 0; /* one run per journal; a second header is ignored */
        rp->run_id = xstrdup(runner_json_text(rec, "run_id") ? runner_json_text(rec, "run_id") : "");
        runner_replace_text(&rp->started_by, runner_json_text(rec, "started_by"));
        runner_replace_text(&rp->stack, runner_json_text(rec, "stack"));
        runner_replace_text(&rp->cluster, runner_json_text(rec, "cluster"));
        runner_replace_text(&rp->task_definition, runner_json_text(rec, "task_definition"));
        runner_replace_text(&rp->container, runner_json_text(rec, "container"));
        runner_replace_text(&rp->log_group, runner_json_text(rec, "log_group"));
        runner_replace_text(&rp->log_stream_prefix, runner_json_text(rec, "log_stream_prefix"));
        runner_replace_text(&rp->log_region, runner_json_text(rec, "log_region"));
        runner_replace_text(&rp->table, runner_json_text(rec, "table"));
        runner_replace_text(&rp->security_group, runner_json_text(rec, "security_group"));
        const cJSON *sn;
        cJSON_ArrayForEach(sn, cJSON_GetObjectItemCaseSensitive(rec, "subnets")) {
            if (cJSON_IsString(sn) && rp->nsubnets < 16) {
                rp->subnets = xrealloc(rp->subnets, (rp->nsubnets + 1) * sizeof(char *));
                rp->subnets[rp->nsubnets++] = xstrdup(sn->valuestring);
            }
        }
        rp->assign_public_ip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "assign_public_ip"));
        double conc = s_num(rec, "concurrency", 0), retries = s_num(rec, "retries", -1);
        rp->concurrency = conc >= 1 && conc <= 1000 ? (int)conc : 0;
        rp->retries = retries >= 0 && retries <= 10 ? (int)retries : -1;
        return 0;
    }
    const char *bot_id = runner_json_text(rec, "bot_id");
    if (strcmp(type, "bot") == 0) {
        const char *pk = runner_json_text(rec, "pk"), *sk = runner_json_text(rec, "sk");
        if (!bot_id || !pk || !sk || s_replay_bot(rp, bot_id))
            return 0;
        rp->bots = xrealloc(rp->bots, (rp->n + 1) * sizeof(*rp->bots));
        struct run_bot *b = &rp->bots[rp->n++];
        memset(b, 0, sizeof(*b));
        b->bot_id = xstrdup(bot_id);
        b->pk = xstrdup(pk);
        b->sk = xstrdup(sk);
        b->title = xstrdup(runner_json_text(rec, "title") ? runner_json_text(rec, "title") : "");
        runner_replace_text(&b->exec_id_before, runner_json_text(rec, "last_exec_id_before"));
        b->exit_code = -1;
        b->state = BOT_QUEUED;
        return 0;
    }
    struct run_bot *b = s_replay_bot(rp, bot_id);
    if (!b)
        return 0;
    uint64_t at = (uint64_t)s_num(rec, "at_ms", 0);
    if (strcmp(type, "intent") == 0) {
        b->attempt = (int)s_num(rec, "attempt", b->attempt + 1);
        b->launch_failures = (int)s_num(rec, "try", 0);
        b->state = BOT_LAUNCHING;
        b->needs_reconcile = true;
        runner_replace_text(&b->task_arn, NULL);
        runner_replace_text(&b->task_id, NULL);
    } else if (strcmp(type, "launched") == 0) {
        const char *arn = runner_json_text(rec, "task_arn");
        if (arn) {
            runner_replace_text(&b->task_arn, arn);
            runner_replace_text(&b->task_id, runner_task_id_of(arn));
            b->state = BOT_PROVISIONING;
            b->needs_reconcile = false;
            b->launched_at_ms = at;
        }
    } else if (strcmp(type, "launch_failed") == 0) {
        b->attempt = (int)s_num(rec, "attempt", b->attempt) - 1;
        b->launch_failures++;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "permanent")))
            b->refusals++;
        b->state = BOT_QUEUED;
        b->needs_reconcile = false;
    } else if (strcmp(type, "outcome") == 0) {
        b->state = s_state_from_name(runner_json_text(rec, "state"));
        runner_replace_text(&b->reason, runner_json_text(rec, "reason"));
        runner_replace_text(&b->sync_status, runner_json_text(rec, "sync_status"));
        runner_replace_text(&b->stop_code, runner_json_text(rec, "stop_code"));
        b->exit_code = (int)s_num(rec, "exit_code", -1);
        b->stopped_at_ms = at;
    } else if (strcmp(type, "retry") == 0) {
        b->state = BOT_QUEUED;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "automatic")))
            b->auto_retries++;
        runner_remember_earlier_task(b);
        runner_replace_text(&b->task_arn, NULL);
        runner_replace_text(&b->task_id, NULL);
        runner_replace_text(&b->reason, NULL);
        b->launch_failures = 0;
    }
    return 0;
}

static void s_replay_free(struct replay *rp)
{
    free(rp->run_id);
    free(rp->started_by);
    free(rp->stack);
    free(rp->cluster);
    free(rp->task_definition);
    free(rp->container);
    free(rp->log_group);
    free(rp->log_stream_prefix);
    free(rp->log_region);
    free(rp->table);
    free(rp->security_group);
    for (size_t i = 0; i < rp->nsubnets; i++)
        free(rp->subnets[i]);
    free(rp->subnets);
    for (size_t i = 0; i < rp->n; i++)
        run_bot_free(&rp->bots[i]);
    free(rp->bots);
    free(rp->error);
}

static int s_replay_file(const char *path, struct replay *rp, size_t *skipped, char **error)
{
    memset(rp, 0, sizeof(*rp));
    rp->retries = -1;
    struct journal_read_stats stats;
    memset(&stats, 0, sizeof(stats));
    int rc = journal_read(path, s_replay_record, rp, &stats, error);
    if (skipped)
        *skipped = stats.skipped_lines;
    return rc;
}

int journal_view_load(const char *path, struct journal_view *v, char **error)
{
    memset(v, 0, sizeof(*v));
    struct replay rp;
    size_t skipped = 0;
    if (s_replay_file(path, &rp, &skipped, error) != 0) {
        s_replay_free(&rp);
        return -1;
    }
    if (!rp.run_id) {
        *error = xasprintf("%s holds no run (no 'run' record): is it a bedrock-chat-migrate journal?", path);
        s_replay_free(&rp);
        return 1;
    }
    v->run_id = rp.run_id;
    v->started_by = rp.started_by;
    v->stack = rp.stack;
    v->cluster = rp.cluster;
    v->log_group = rp.log_group;
    v->log_stream_prefix = rp.log_stream_prefix;
    v->log_region = rp.log_region;
    v->container = rp.container;
    v->task_definition = rp.task_definition;
    v->table = rp.table;
    v->security_group = rp.security_group;
    v->subnets = rp.subnets;
    v->nsubnets = rp.nsubnets;
    v->assign_public_ip = rp.assign_public_ip;
    v->concurrency = rp.concurrency;
    v->retries = rp.retries;
    v->bots = rp.bots;
    v->nbots = rp.n;
    v->skipped_lines = skipped;
    free(rp.error);
    return 0;
}

void journal_view_free(struct journal_view *v)
{
    free(v->run_id);
    free(v->started_by);
    free(v->stack);
    free(v->cluster);
    free(v->log_group);
    free(v->log_stream_prefix);
    free(v->log_region);
    free(v->container);
    free(v->task_definition);
    free(v->table);
    free(v->security_group);
    for (size_t i = 0; i < v->nsubnets; i++)
        free(v->subnets[i]);
    free(v->subnets);
    for (size_t i = 0; i < v->nbots; i++)
        run_bot_free(&v->bots[i]);
    free(v->bots);
    memset(v, 0, sizeof(*v));
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void s_copy_config(struct runner_cfg_copy *dst, const struct runner_config *src)
{
    dst->journal_path = xstrdup(src->journal_path);
    dst->stack = src->stack ? xstrdup(src->stack) : NULL;
    dst->cluster = xstrdup(src->cluster ? src->cluster : "");
    dst->task_definition = xstrdup(src->task_definition ? src->task_definition : "");
    dst->container = xstrdup(src->container ? src->container : "Container");
    dst->security_group = xstrdup(src->security_group ? src->security_group : "");
    dst->nsubnets = src->nsubnets;
    dst->subnets = xcalloc(src->nsubnets ? src->nsubnets : 1, sizeof(char *));
    for (size_t i = 0; i < src->nsubnets; i++)
        dst->subnets[i] = xstrdup(src->subnets[i]);
    dst->assign_public_ip = src->assign_public_ip;
    dst->table = xstrdup(src->table ? src->table : "");
    dst->log_group = src->log_group ? xstrdup(src->log_group) : NULL;
    dst->log_stream_prefix = src->log_stream_prefix ? xstrdup(src->log_stream_prefix) : NULL;
    dst->log_region = src->log_region && *src->log_region ? xstrdup(src->log_region) : NULL;
    dst->retries = src->retries < 0 ? 0 : src->retries;
    dst->detach = src->detach;
    dst->poll_min_ms = src->poll_min_ms;
    dst->poll_max_ms = src->poll_max_ms;
    dst->launch_backoff_max_ms = src->launch_backoff_max_ms;
}

static void s_free_config(struct runner_cfg_copy *c)
{
    free(c->journal_path);
    free(c->stack);
    free(c->cluster);
    free(c->task_definition);
    free(c->container);
    free(c->security_group);
    for (size_t i = 0; i < c->nsubnets; i++)
        free(c->subnets[i]);
    free(c->subnets);
    free(c->table);
    free(c->log_group);
    free(c->log_stream_prefix);
    free(c->log_region);
}

static void s_new_run_id(struct runner *r)
{
    unsigned char rnd[6];
    random_fill(rnd, sizeof rnd);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    if (strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof stamp, "run");
    snprintf(r->run_id, sizeof r->run_id, "%.15s-%02x%02x%02x%02x%02x%02x", stamp, rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5]);
    /* ≤ 36 characters of [A-Za-z0-9_-]: accepted by every ECS API version. */
    snprintf(r->started_by, sizeof r->started_by, "bcm-%s", r->run_id);
}

struct runner *runner_open(struct aws_session *s, const struct runner_config *cfg,
                           const struct runner_target *targets, size_t ntargets,
                           const struct runner_observer *obs, char **error)
{
    struct runner *r = xcalloc(1, sizeof(*r));
    r->session = s;
    s_copy_config(&r->cfg, cfg);
    if (obs)
        r->obs = *obs;
    r->concurrency = cfg->concurrency > 0 ? cfg->concurrency : 1;
    token_bucket_init(&r->run_task_pace, RUNNER_RUNTASK_BURST, RUNNER_RUNTASK_RATE_PER_S, ev_now_ms());

    /* Lock first, then read through the same descriptor: reading by path before the
     * lock would let a concurrent --new-run move the journal aside in between, and this
     * run would resume from one file while appending to another. */
    r->journal = journal_open_append(cfg->journal_path, error);
    if (!r->journal) {
        runner_free(r);
        return NULL;
    }
    struct replay rp;
    memset(&rp, 0, sizeof(rp));
    rp.retries = -1;
    struct journal_read_stats stats;
    memset(&stats, 0, sizeof(stats));
    if (journal_read_locked(r->journal, s_replay_record, &rp, &stats, error) != 0) {
        s_replay_free(&rp);
        runner_free(r);
        return NULL;
    }
    if (stats.skipped_lines)
        runner_message(r, RUNNER_WARN, "journal %s: %zu damaged line(s) skipped (a crash mid-write)",
                       cfg->journal_path, stats.skipped_lines);
    if (rp.run_id) {
        if (rp.cluster && strcmp(rp.cluster, r->cfg.cluster) != 0) {
            *error = xasprintf("the journal %s belongs to a run on cluster %s, not %s; use another "
                               "--journal for this deployment", cfg->journal_path, rp.cluster, r->cfg.cluster);
            s_replay_free(&rp);
            runner_free(r);
            return NULL;
        }
        snprintf(r->run_id, sizeof r->run_id, "%s", rp.run_id);
        snprintf(r->started_by, sizeof r->started_by, "%s",
                 rp.started_by ? rp.started_by : "");
        r->bots = rp.bots;
        r->n = rp.n;
        rp.bots = NULL;
        rp.n = 0;
        r->resumed = true;
    } else {
        s_new_run_id(r);
    }
    s_replay_free(&rp);

    if (!r->resumed && runner_journal_header(r) != 0) {
        *error = xasprintf("cannot write the journal %s", cfg->journal_path);
        runner_free(r);
        return NULL;
    }
    for (size_t t = 0; t < ntargets; t++) {
        if (runner_find_bot_by_sk(r, targets[t].pk, targets[t].sk) >= 0)
            continue;
        r->bots = xrealloc(r->bots, (r->n + 1) * sizeof(*r->bots));
        struct run_bot *b = &r->bots[r->n];
        memset(b, 0, sizeof(*b));
        b->pk = xstrdup(targets[t].pk);
        b->sk = xstrdup(targets[t].sk);
        b->bot_id = xstrdup(targets[t].bot_id);
        b->title = xstrdup(targets[t].title ? targets[t].title : "");
        b->exec_id_before = xstrdup(targets[t].last_exec_id ? targets[t].last_exec_id : "");
        b->exit_code = -1;
        b->state = BOT_QUEUED;
        b->queued_at_ms = runner_wall_ms();
        if (runner_journal_bot(r, b) != 0) {
            run_bot_free(b);
            *error = xasprintf("cannot write the journal %s", cfg->journal_path);
            runner_free(r);
            return NULL;
        }
        r->n++;
    }
    return r;
}

void runner_start(struct runner *r)
{
    r->started = true;
    bool unsettled = false;
    for (size_t i = 0; i < r->n; i++)
        unsettled |= !bot_state_final(r->bots[i].state) && r->bots[i].state != BOT_QUEUED;
    if (r->resumed && unsettled) {
        runner_message(r, RUNNER_INFO, "resuming run %s: checking ECS for tasks it already started", r->run_id);
        runner_reconcile(r);
        return;
    }
    if (r->resumed)
        runner_message(r, RUNNER_INFO, "resuming run %s", r->run_id);
    runner_pump(r);
}

static void s_on_stop_task(void *ud, struct aws_response *resp)
{
    struct runner *r = ud;
    r->stops_in_flight--;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_message(r, RUNNER_WARN, "ECS StopTask failed (%s); stop the run's remaining tasks in the "
                                       "ECS console (startedBy %s)", why, r->started_by);
        free(why);
    }
}

void runner_cancel_task(struct runner *r, size_t i)
{
    struct run_bot *b = &r->bots[i];
    if (!b->task_arn || bot_state_final(b->state))
        return;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON_AddStringToObject(body, "task", b->task_arn);
    cJSON_AddStringToObject(body, "reason", "stopped by bedrock-chat-migrate (--stop-on-exit)");
    r->stops_in_flight++;
    aws_call_json(r->session->client, &AWS_SVC_ECS, "StopTask", body, s_on_stop_task, r);
    free(b->reason);
    b->reason = xstrdup("stopped by the operator");
    runner_journal_outcome(r, b, BOT_CANCELLED);
    runner_set_state(r, i, BOT_CANCELLED);
}

void runner_cancel_all(struct runner *r)
{
    r->stop_launching = true;
    /* A launch still in flight is stopped as soon as its task is known (runner.c). */
    r->cancelling = true;
    for (size_t i = 0; i < r->n; i++)
        runner_cancel_task(r, i);
}

void runner_free(struct runner *r)
{
    if (!r)
        return;
    if (r->poll_timer)
        ev_timer_cancel(r->session->loop, r->poll_timer);
    if (r->launch_timer)
        ev_timer_cancel(r->session->loop, r->launch_timer);
    if (r->journal)
        journal_close(r->journal);
    for (size_t i = 0; i < r->n; i++)
        run_bot_free(&r->bots[i]);
    free(r->bots);
    free(r->durations);
    s_free_config(&r->cfg);
    free(r);
}

cJSON *runner_bot_to_json(const struct run_bot *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bot_id", b->bot_id);
    cJSON_AddStringToObject(o, "pk", b->pk);
    cJSON_AddStringToObject(o, "sk", b->sk);
    cJSON_AddStringToObject(o, "title", b->title ? b->title : "");
    cJSON_AddStringToObject(o, "state", bot_state_name(b->state));
    cJSON_AddNumberToObject(o, "attempt", b->attempt);
    if (b->task_id)
        cJSON_AddStringToObject(o, "task_id", b->task_id);
    if (b->task_arn)
        cJSON_AddStringToObject(o, "task_arn", b->task_arn);
    if (b->reason)
        cJSON_AddStringToObject(o, "reason", b->reason);
    if (b->sync_status)
        cJSON_AddStringToObject(o, "sync_status", b->sync_status);
    if (b->ecs_status)
        cJSON_AddStringToObject(o, "ecs_status", b->ecs_status);
    if (b->stop_code)
        cJSON_AddStringToObject(o, "stop_code", b->stop_code);
    if (b->exit_code >= 0)
        cJSON_AddNumberToObject(o, "exit_code", b->exit_code);
    return o;
}

cJSON *runner_summary_json(const struct runner *r)
{
    struct runner_progress p;
    runner_progress(r, &p);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "summary");
    cJSON_AddStringToObject(o, "run_id", r->run_id);
    cJSON_AddStringToObject(o, "started_by", r->started_by);
    cJSON_AddStringToObject(o, "journal", r->cfg.journal_path);
    cJSON_AddNumberToObject(o, "total", (double)p.total);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < BOT_STATE_COUNT; s++)
        cJSON_AddNumberToObject(c, bot_state_name((enum bot_state)s), (double)counts[s]);
    cJSON_AddNumberToObject(o, "bots_per_minute", p.bots_per_minute);
    if (p.eta_seconds >= 0)
        cJSON_AddNumberToObject(o, "eta_s", p.eta_seconds);
    cJSON_AddNumberToObject(o, "requests", (double)p.requests);
    cJSON_AddBoolToObject(o, "finished", r->finished);
    cJSON_AddBoolToObject(o, "fatal", r->fatal);
    cJSON *failed = cJSON_AddArrayToObject(o, "failed");
    for (size_t i = 0; i < r->n; i++)
        if (r->bots[i].state == BOT_FAILED)
            cJSON_AddItemToArray(failed, runner_bot_to_json(&r->bots[i]));
    return o;
}
