/* The runner's journal records, and reading a run back from its journal (for a resumed
 * run and for the status command's journal_view). Calls only runner_state.c.
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
#include "engine/run/journal.h"
#include "runner_internal.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOURNAL_VERSION 1

static double s_num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
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

int runner_journal_not_run(struct runner *r, const struct run_not_run *nr)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "not_run");
    cJSON_AddStringToObject(rec, "bot_id", nr->bot_id ? nr->bot_id : "");
    cJSON_AddStringToObject(rec, "pk", nr->pk ? nr->pk : "");
    cJSON_AddStringToObject(rec, "title", nr->title ? nr->title : "");
    cJSON_AddStringToObject(rec, "reason", nr->reason ? nr->reason : "");
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

int runner_journal_ceiling(struct runner *r, int ceiling, const char *why)
{
    cJSON *rec = s_rec("ceiling", NULL);
    cJSON_AddNumberToObject(rec, "concurrency", ceiling);
    cJSON_AddStringToObject(rec, "cause", "vcpu_quota");
    cJSON_AddStringToObject(rec, "reason", why ? why : "");
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
    /* The reason as a message too, so a resumed wizard can word it in its language. */
    if (b->reason_msg.id != MSG_NONE && b->reason_msg.id != MSG_TEXT)
        cJSON_AddItemToObject(rec, "reason_message", message_to_json(&b->reason_msg));
    if (b->sync_status)
        cJSON_AddStringToObject(rec, "sync_status", b->sync_status);
    if (b->stop_code)
        cJSON_AddStringToObject(rec, "stop_code", b->stop_code);
    if (b->exit_code >= 0)
        cJSON_AddNumberToObject(rec, "exit_code", b->exit_code);
    /* The task's start and stop, for the measured cost (plan --calibrate): ECS's own times
     * (what Fargate billed) when it gave them, else when this program saw them. */
    if (b->started_at_ms && b->stopped_at_ms) {
        cJSON_AddNumberToObject(rec, "task_started_at_ms", (double)b->started_at_ms);
        cJSON_AddNumberToObject(rec, "task_stopped_at_ms", (double)b->stopped_at_ms);
        cJSON_AddBoolToObject(rec, "times_from_ecs", b->times_from_ecs);
    }
    if (b->pull_started_at_ms)
        cJSON_AddNumberToObject(rec, "pull_started_at_ms", (double)b->pull_started_at_ms);
    if (b->pull_stopped_at_ms)
        cJSON_AddNumberToObject(rec, "pull_stopped_at_ms", (double)b->pull_stopped_at_ms);
    return s_write(r, rec);
}

int runner_journal_retry(struct runner *r, const struct run_bot *b, bool automatic)
{
    cJSON *rec = s_rec("retry", b);
    cJSON_AddBoolToObject(rec, "automatic", automatic);
    return s_write(r, rec);
}

/* ---- replaying a journal ------------------------------------------------------------ */

static struct run_bot *s_replay_bot(struct runner_replay *rp, const char *bot_id)
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
    struct runner_replay *rp = ud;
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
    if (strcmp(type, "ceiling") == 0) {
        /* A vCPU-quota refusal lowered the concurrency: the last one holds. */
        double c = s_num(rec, "concurrency", 0);
        if (c >= 1 && c <= 1000)
            rp->vcpu_ceiling = (int)c;
        return 0;
    }
    const char *bot_id = runner_json_text(rec, "bot_id");
    if (strcmp(type, "not_run") == 0) {
        if (!bot_id || rp->nnot_run >= 100000)
            return 0;
        rp->not_run = xrealloc(rp->not_run, (rp->nnot_run + 1) * sizeof(*rp->not_run));
        struct run_not_run src = {(char *)bot_id, (char *)runner_json_text(rec, "pk"),
                                  (char *)runner_json_text(rec, "title"), (char *)runner_json_text(rec, "reason")};
        run_not_run_copy(&rp->not_run[rp->nnot_run++], &src);
        return 0;
    }
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
        const char *reason = runner_json_text(rec, "reason");
        struct message m = {0};
        message_from_json(cJSON_GetObjectItemCaseSensitive(rec, "reason_message"), &m);
        if (m.id == MSG_NONE && reason)
            m = message_text(reason);
        runner_set_reason(b, m);
        /* The journal's English stays what it said, whatever this version words it as. */
        runner_replace_text(&b->reason, reason);
        runner_replace_text(&b->sync_status, runner_json_text(rec, "sync_status"));
        runner_replace_text(&b->stop_code, runner_json_text(rec, "stop_code"));
        b->exit_code = (int)s_num(rec, "exit_code", -1);
        b->stopped_at_ms = at;
        uint64_t task_started = (uint64_t)s_num(rec, "task_started_at_ms", 0);
        uint64_t task_stopped = (uint64_t)s_num(rec, "task_stopped_at_ms", 0);
        if (task_started && task_stopped) {
            b->started_at_ms = task_started;
            b->stopped_at_ms = task_stopped;
            b->times_from_ecs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "times_from_ecs"));
        }
        b->pull_started_at_ms = (uint64_t)s_num(rec, "pull_started_at_ms", 0);
        b->pull_stopped_at_ms = (uint64_t)s_num(rec, "pull_stopped_at_ms", 0);
    } else if (strcmp(type, "retry") == 0) {
        b->state = BOT_QUEUED;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "automatic")))
            b->auto_retries++;
        runner_remember_earlier_task(b);
        runner_replace_text(&b->task_arn, NULL);
        runner_replace_text(&b->task_id, NULL);
        runner_set_reason(b, MESSAGE0(MSG_NONE));
        b->launch_failures = 0;
        /* The next attempt's times are its own (as runner_requeue clears them). */
        b->launched_at_ms = b->started_at_ms = b->stopped_at_ms = 0;
        b->pull_started_at_ms = b->pull_stopped_at_ms = 0;
        b->times_from_ecs = false;
    }
    return 0;
}

void runner_replay_free(struct runner_replay *rp)
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
    for (size_t i = 0; i < rp->nnot_run; i++)
        run_not_run_free(&rp->not_run[i]);
    free(rp->not_run);
    free(rp->error);
}

int runner_replay_read_locked(const struct journal *j, struct runner_replay *rp, size_t *skipped,
                              char **error)
{
    memset(rp, 0, sizeof(*rp));
    rp->retries = -1;
    struct journal_read_stats stats;
    memset(&stats, 0, sizeof(stats));
    int rc = journal_read_locked(j, s_replay_record, rp, &stats, error);
    if (skipped)
        *skipped = stats.skipped_lines;
    return rc;
}

int runner_replay_read(const char *path, struct runner_replay *rp, size_t *skipped, char **error)
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
    struct runner_replay rp;
    size_t skipped = 0;
    if (runner_replay_read(path, &rp, &skipped, error) != 0) {
        runner_replay_free(&rp);
        return -1;
    }
    if (!rp.run_id) {
        *error = xasprintf("%s holds no run (no 'run' record): is it a bedrock-chat-migrate journal?", path);
        runner_replay_free(&rp);
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
    v->vcpu_ceiling = rp.vcpu_ceiling;
    v->retries = rp.retries;
    v->bots = rp.bots;
    v->nbots = rp.n;
    v->not_run = rp.not_run;
    v->nnot_run = rp.nnot_run;
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
    for (size_t i = 0; i < v->nnot_run; i++)
        run_not_run_free(&v->not_run[i]);
    free(v->not_run);
    memset(v, 0, sizeof(*v));
}

void run_not_run_copy(struct run_not_run *dst, const struct run_not_run *src)
{
    dst->bot_id = xstrdup(src->bot_id ? src->bot_id : "");
    dst->pk = xstrdup(src->pk ? src->pk : "");
    dst->title = xstrdup(src->title ? src->title : "");
    dst->reason = xstrdup(src->reason ? src->reason : "");
}

void run_not_run_free(struct run_not_run *nr)
{
    free(nr->bot_id);
    free(nr->pk);
    free(nr->title);
    free(nr->reason);
    memset(nr, 0, sizeof(*nr));
}
